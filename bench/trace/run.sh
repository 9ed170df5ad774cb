#!/bin/sh
# sipkit check benchmark: messages per second and peak memory on a large capture.
#
#   make bench-check                 (builds build/sipkit and build/bench-gen-capture)
#   sh bench/trace/run.sh            (after them)
#
# Not a test: it measures, prints, and exits 0 unless something could not run.
# 1. bench-gen-capture (bench/trace/gen.c) writes CALLS IMS-like calls offered at
#    RATE calls/s (cancelled, answered, forked, 2xx crossing the CANCEL, 10 %
#    faulty; TCP_SHARE % over TCP, 10 % over IPv6) as a pcap of >= 1 GB in a
#    temporary directory (TMPDIR, default /tmp), refusing below 3 GB free there;
# 2. `/usr/bin/time -v sipkit check --summary --no-progress FILE` (GNU time)
#    reads it; one line gives messages, wall time, messages/s, MB/s of capture,
#    peak RSS, then the checker's summary, and whether its outcomes and
#    findings are those the generator says it wrote (its `expect:` line);
# 3. the same on a capture of CALLS/4 calls, and the two peak RSS side by side;
# 4. the large capture again with GRE_SHARE % of its frames wrapped in GRE
#    (bench-wrap-gre, bench/trace/wrap_gre.c), its messages/s and peak RSS side
#    by side with the plain one's: the cost of looking through a tunnel.
# The captures are deleted as soon as they are read (and on exit). Each step
# runs under `timeout`; about a minute on 2 cores, with ~9 GB of memory for
# the checker at the default CALLS. MB = 10^6 bytes.
#
# Environment (defaults): CALLS (140000: ~1.16 GB), SEED (1), TCP_SHARE (20),
# RATE (2000), SMALL_DIV (4), GRE_SHARE (20; 0: no GRE run), CHECK_ARGS (none: extra options for sipkit check,
# e.g. "--idle 45"), SIPKIT (build/sipkit), GEN (build/bench-gen-capture), WRAP (build/bench-wrap-gre),
# TMPDIR (/tmp), GEN_TIMEOUT (300 s), CHECK_TIMEOUT (900 s); MIN_BYTES
# (1000000000: the large capture must be at least this big; 0 for a quick try
# with a small CALLS).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CALLS=${CALLS:-140000}
SEED=${SEED:-1}
TCP_SHARE=${TCP_SHARE:-20}
RATE=${RATE:-2000}
SMALL_DIV=${SMALL_DIV:-4}
GRE_SHARE=${GRE_SHARE:-20}
CHECK_ARGS=${CHECK_ARGS:-}
SIPKIT=${SIPKIT:-$root/build/sipkit}
GEN=${GEN:-$root/build/bench-gen-capture}
WRAP=${WRAP:-$root/build/bench-wrap-gre}
GEN_TIMEOUT=${GEN_TIMEOUT:-300}
CHECK_TIMEOUT=${CHECK_TIMEOUT:-900}
MIN_FREE_KB=$((3 * 1024 * 1024))
MIN_BYTES=${MIN_BYTES:-1000000000}

die() { echo "bench-check: $*" >&2; exit 1; }
case $SIPKIT in /*) ;; *) SIPKIT=$(pwd)/$SIPKIT ;; esac
case $GEN in /*) ;; *) GEN=$(pwd)/$GEN ;; esac
case $WRAP in /*) ;; *) WRAP=$(pwd)/$WRAP ;; esac
[ -x "$SIPKIT" ] || die "$SIPKIT is not built (make)"
[ -x "$GEN" ] || die "$GEN is not built (make build/bench-gen-capture)"
[ "$GRE_SHARE" = 0 ] || [ -x "$WRAP" ] || die "$WRAP is not built (make build/bench-wrap-gre)"

# GNU time (Debian package `time`) for the peak RSS: installed when missing, as root.
if ! /usr/bin/time -v true >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then
		echo "installing: time"
		if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }; then
			die "could not install the Debian package time"
		fi
	else
		die "GNU time is missing; run: sudo apt-get update && sudo apt-get install -y time"
	fi
fi

base=${TMPDIR:-/tmp}
[ -d "$base" ] || die "TMPDIR $base is not a directory"
free_kb=$(df -Pk "$base" | awk 'NR == 2 { print $4 }')
if [ -z "$free_kb" ] || [ "$free_kb" -lt "$MIN_FREE_KB" ]; then
	die "only $(( ${free_kb:-0} / 1024 )) MB free in $base; the capture needs 3 GB free (it is ~1.2 GB). Set TMPDIR to a roomier file system."
fi
avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo 2>/dev/null)
if [ -n "$avail_kb" ] && [ "$avail_kb" -lt $((12 * 1024 * 1024)) ]; then
	echo "bench-check: note: $((avail_kb / 1024)) MB of memory available; with the defaults sipkit check holds every call of this capture (~9 GB at CALLS=140000)" >&2
fi

dir=$(mktemp -d "$base/bench-check.XXXXXX") || die "cannot create a directory in $base"
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem_gb=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
echo "machine: $(nproc) cores ($cpu), $mem_gb GiB RAM, $(uname -sr); sipkit $(git -C "$root" describe --always --dirty 2>/dev/null || echo '?')"

# run CALLS LABEL [GRE_PCT]: generate (GRE-wrap a share), check, report; sets RSS_MB, BYTES, RATE_MSGS
run() {
	calls=$1
	label=$2
	gre=${3:-0}
	cap=$dir/$label.pcap
	echo
	echo "== $label: $calls calls${3:+, $gre % of the frames in GRE}"
	timeout "$GEN_TIMEOUT" "$GEN" --calls "$calls" --out "$cap" --seed "$SEED" \
		--tcp-share "$TCP_SHARE" --rate "$RATE" >"$dir/gen.out" ||
		die "bench-gen-capture failed or timed out ($GEN_TIMEOUT s)"
	sed -n '1p' "$dir/gen.out"
	if [ "$gre" != 0 ]; then
		timeout "$GEN_TIMEOUT" "$WRAP" --in "$cap" --out "$cap.gre" --share "$gre" \
			--seed "$SEED" || die "bench-wrap-gre failed or timed out"
		mv "$cap.gre" "$cap"
	fi
	BYTES=$(wc -c <"$cap" | tr -d ' ')
	if [ "$label" = large ] && [ "$BYTES" -lt "$MIN_BYTES" ]; then
		die "the capture has only $BYTES bytes (< 1 GB): raise CALLS"
	fi
	echo "command: /usr/bin/time -v $SIPKIT check --summary --no-progress ${CHECK_ARGS:+$CHECK_ARGS }$cap"
	# shellcheck disable=SC2086 # CHECK_ARGS: several options
	timeout "$CHECK_TIMEOUT" /usr/bin/time -v "$SIPKIT" check --summary --no-progress \
		$CHECK_ARGS "$cap" >"$dir/check.out" 2>"$dir/time.out"
	rc=$?
	rm -f "$cap"
	if [ $rc -ge 2 ]; then
		tail -5 "$dir/time.out" >&2
		die "sipkit check exited $rc (124: timed out after $CHECK_TIMEOUT s)"
	fi
	msgs=$(sed -n 's/^summary: [0-9]* calls\{0,1\} checked, \([0-9]*\) messages\{0,1\}.*/\1/p' "$dir/check.out")
	[ -n "$msgs" ] || die "no summary in the checker's output"
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
		n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$dir/time.out")
	user=$(awk -F': ' '/User time/ { print $2 }' "$dir/time.out")
	sys=$(awk -F': ' '/System time/ { print $2 }' "$dir/time.out")
	rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$dir/time.out")
	RSS_MB=$(awk -v k="$rss_kb" 'BEGIN { printf "%.0f", k * 1024 / 1e6 }')
	RATE_MSGS=$(awk -v m="$msgs" -v s="$wall" 'BEGIN { if (s <= 0) s = 0.01; printf "%.0f", m / s }')
	CPU_S=$(awk -v u="$user" -v y="$sys" 'BEGIN { printf "%.2f", u + y }')
	awk -v m="$msgs" -v s="$wall" -v b="$BYTES" -v r="$RSS_MB" -v u="$user" -v y="$sys" 'BEGIN {
		if (s <= 0) s = 0.01
		printf "check %d msgs in %.2f s: %.0f msgs/s, %.1f MB/s, peak RSS %d MB", m, s, m / s, b / 1e6 / s, r
		printf "  (capture %.0f MB; %.2f s user, %.2f s sys)\n", b / 1e6, u, y }'
	sed -n '/^summary:/,$p' "$dir/check.out"
	# the checker's counts against what the generator wrote
	awk '
	FNR == NR { if ($1 == "expect:") for (i = 2; i <= NF; i++) { split($i, kv, "="); want[kv[1]] = kv[2] } next }
	/^summary:/ { got["calls"] = $2; got["messages"] = $5; got["others"] = $11 }
	/^  answered / { got["answered"] = $2 }
	/^  cancelled cleanly / { got["cancelled"] = $3 }
	/^  cancelled, not clean / { got["cancelled_unclean"] = $4 }
	/^  cancelled but answered anyway / { got["answered_anyway"] = $5 }
	/^  failed / { got["failed"] = $2 }
	/^  unfinished / { got["unfinished"] = $2 }
	/^  findings:/ { got["errors"] = $2; got["warnings"] = $4; got["notes"] = $6 }
	/^  [a-z]+\.[a-z_0-9]+ +[0-9]+/ { got[$1] = $2 }
	END {
		bad = ""
		for (k in want) if (got[k] + 0 != want[k] + 0) bad = bad " " k "=" got[k] + 0 "(want " want[k] ")"
		for (k in got) if (k ~ /\./ && !(k in want)) bad = bad " " k "=" got[k] "(want 0)"
		if (bad == "") print "mix: outcomes, messages and findings by code are those generated (no finding beyond the faulty flows)"
		else print "mix: MISMATCH with the generated mix:" bad
	}' "$dir/gen.out" "$dir/check.out"
}

run "$CALLS" large
rss_large=$RSS_MB
bytes_large=$BYTES
rate_large=$RATE_MSGS
cpu_large=$CPU_S
small=$((CALLS / SMALL_DIV))
run "$small" small
rss_small=$RSS_MB
bytes_small=$BYTES

echo
awk -v rl="$rss_large" -v rs="$rss_small" -v bl="$bytes_large" -v bs="$bytes_small" 'BEGIN {
	ri = rs > 0 ? rl / rs : 0; bi = bs > 0 ? bl / bs : 0
	printf "memory: peak RSS %d MB on %.0f MB of capture, %d MB on %.0f MB: x%.2f for x%.2f the input: %s\n",
	    rl, bl / 1e6, rs, bs / 1e6, ri, bi,
	    ri < 1.5 ? "flat (streaming)" : "it follows the calls held at once (each summary says how many): a call is held while in flight and 64*T1 after it ends (--idle for one that never ends), so memory is flat once a capture is longer than that window" }'

if [ "$GRE_SHARE" != 0 ]; then
	run "$CALLS" large-gre "$GRE_SHARE"
	echo
	# on a busy machine the CPU seconds (user + sys) compare better than the wall clock
	awk -v r0="$rate_large" -v r1="$RATE_MSGS" -v m0="$rss_large" -v m1="$RSS_MB" -v g="$GRE_SHARE" \
		-v c0="$cpu_large" -v c1="$CPU_S" 'BEGIN {
		printf "gre: plain %d msgs/s, %.2f CPU-s, peak RSS %d MB; with %d %% of the frames in GRE %d msgs/s (x%.2f), %.2f CPU-s (x%.2f), peak RSS %d MB (x%.2f)\n",
		    r0, c0, m0, g, r1, (r0 > 0 ? r1 / r0 : 0), c1, (c0 > 0 ? c1 / c0 : 0), m1, (m0 > 0 ? m1 / m0 : 0) }'
fi
exit 0
