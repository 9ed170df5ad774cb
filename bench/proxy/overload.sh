#!/bin/sh
# Overload benchmark: sipkit proxy and Kamailio 5.6 past their capacity and
# back (issue "A proxy that a stranger cannot take down").
#
#   sh bench/proxy/overload.sh       (after `make`: needs build/sipkit, sipp, kamailio)
#
# Not a test: it measures whatever happens, prints, and exits 0 unless
# something could not run. About 6 minutes with the defaults; everything on
# 127.0.0.1, every process under `timeout` and killed by PID on exit (KEEP=1
# keeps the logs and says where). Helpers shared with run.sh: lib.sh.
#
# The call: the cancelled single-branch call of run.sh (INVITE/100/180,
# RING_MS of ringing, CANCEL/200/487/ACK) placed by SIPp with
# bench/proxy/uac_cancel_503.xml, a copy of tests/interop/scenarios/
# uac_cancel.xml where a 503 (or a 500) to the INVITE is an optional answer
# that ends the call; the proxy routes user `one` to `sipkit uas --no-answer`
# (sipkit proxy --route one=..., Kamailio ../shared/peers/kamailio/kamailio.cfg
# with free ports, tuned as its README says, as run.sh does).
#
# For each proxy (PROXIES):
# 1. rate_max R: the highest of RATES (tried in increasing order, stopping at
#    the first that fails) at which SEARCH_SECONDS of calls end with zero
#    failed and zero unfinished calls in SIPp's counts and SIPp placed them at
#    >= 90% of the rate asked (else SIPp, not the proxy, was the limit).
#    A fresh proxy and callee for each rate. RATE_MAX=N skips the search.
# 2. overload: one proxy kept running; SIPp places 2R calls/s for
#    PHASE_SECONDS (phase 1, -m 2R*PHASE_SECONDS), and PHASE_SECONDS after it
#    started a second SIPp places R/4 calls/s for PHASE_SECONDS (phase 2),
#    while phase 1's last calls may still be in flight (they stay phase 1's).
#    Per phase, from that SIPp's counts: calls created, ok (cancelled as
#    asked), 503 and 500 (answered so by the proxy: load shed), failed
#    (SIPp's failed calls: mostly no answer within -recv_timeout 10 s, see
#    the error lines printed), unfinished (still running when SIPp's own
#    -timeout ended it), and the rate SIPp reached placing them (calls over
#    the seconds until the last was created, from -trace_stat each second).
#    The proxy's CPU (utime+stime, all its processes) per phase (phase 2
#    until both SIPps are done), its peak memory (sipkit: VmHWM; Kamailio:
#    the highest Pss sum of its processes sampled each second, as run.sh
#    measures it), UDP receive-buffer drops, and whether it is still alive.
# Target (after the fix): 0 failed calls in phase 2.
#
# Environment (defaults): PROXIES ("sipkit kamailio"), RATES ("1000 2000 4000
# 6000 8000"), SEARCH_SECONDS (10), PHASE_SECONDS (30), RING_MS (100),
# RATE_MAX (search), SIPKIT (build/sipkit: an optimised build), KAMAILIO,
# SHARED (../shared beside the repo).
#
# Output: one `run ...` line per measurement as it ends, then the table:
#   overload sipkit rate_max 6000 | phase1 rate 12000 calls ... ok ... 503 ... failed ... | phase2 rate 1500 ... | peak_rss_kb ...
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PROXIES=${PROXIES:-"sipkit kamailio"}
RATES=${RATES:-"1000 2000 4000 6000 8000"}
SEARCH_SECONDS=${SEARCH_SECONDS:-10}
PHASE_SECONDS=${PHASE_SECONDS:-30}
RING_MS=${RING_MS:-100}
RATE_MAX=${RATE_MAX:-}
SIPKIT=${SIPKIT:-$root/build/sipkit}
SHARED=${SHARED:-$root/../shared}
SCEN=$here/uac_cancel_503.xml
KAMCFG=$SHARED/peers/kamailio/kamailio.cfg
if [ -z "${KAMAILIO:-}" ]; then
	KAMAILIO=$(command -v kamailio 2>/dev/null || { [ -x /usr/sbin/kamailio ] && echo /usr/sbin/kamailio; })
fi
LO=127.0.0.1
HZ=$(getconf CLK_TCK)
BENCH_TAG=bench-proxy-overload

die() { echo "$BENCH_TAG: $*" >&2; exit 1; }
case $SIPKIT in /*) ;; *) SIPKIT=$(pwd)/$SIPKIT ;; esac
[ -x "$SIPKIT" ] || die "$SIPKIT is not built (make)"
command -v sipp >/dev/null 2>&1 || die "sipp is not installed (Debian package sip-tester)"
case " $PROXIES " in
*" kamailio "*)
	if [ -z "$KAMAILIO" ] || [ ! -x "$KAMAILIO" ]; then die "kamailio is not installed (Debian package kamailio)"; fi
	[ -f "$KAMCFG" ] || die "no Kamailio config at $KAMCFG (SHARED=...)"
	;;
esac
[ -f "$SCEN" ] || die "no $SCEN"
for v in "$SEARCH_SECONDS" "$PHASE_SECONDS" "$RING_MS" $RATES $RATE_MAX; do
	case $v in '' | *[!0-9]* | 0) die "not a positive number: '$v'" ;; esac
done
for k in $PROXIES; do
	case $k in sipkit | kamailio) ;; *) die "unknown proxy '$k' (sipkit, kamailio)" ;; esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/sk_bench_overload.XXXXXX") || exit 1
pids=""

# shellcheck source=bench/proxy/lib.sh
. "$here/lib.sh"

trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
trap 'exit 141' PIPE

alloc 1; SKP=$PORT
alloc 1; KAMP=$PORT
alloc 2; U1=$PORT; U2=$((PORT + 1))
alloc 5; SIPP1=$PORT
alloc 5; SIPP2=$PORT

# sipp_start DIR LOCALPORT RATE CALLS: SIPp in the background, in DIR (its
# logs), bounded by its -timeout and by `timeout`; SIPP_TO is the pid.
sipp_start() {
	_budget=$(($4 / $3 + 40))
	# shellcheck disable=SC3045 # (dash and bash have ulimit -n)
	(cd "$1" && ulimit -n 65536 2>/dev/null
	exec timeout -k 3 $((_budget + 10)) sipp "$LO:$PROXY_PORT" -sf "$SCEN" -s one \
		-r "$3" -m "$4" -l "$4" -d "$RING_MS" \
		-i $LO -p "$2" -ci $LO -cp $(($2 + 1)) -mi $LO -mp $(($2 + 2)) \
		-buff_size 4194304 -recv_timeout 10000 -timeout "${_budget}s" -nd -nostdin \
		-trace_err -max_log_size 20000000 -trace_counts -trace_stat -fd 1 \
		</dev/null >"$1/sipp.out" 2>&1) &
	SIPP_TO=$!
	pids="$pids $SIPP_TO"
}

# counts_col DIR NAME: the last value of column NAME of SIPp's -trace_counts file
counts_col() {
	_f=""
	for _g in "$1"/*_counts.csv; do [ -f "$_g" ] && _f=$_g; done
	[ -n "$_f" ] || { echo 0; return; }
	awk -F';' -v k="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == k) c = i; next }
		c && $c != "" { v = $c } END { print v + 0 }' "$_f"
}
# placed_cps DIR: calls created over the seconds until the last was created
# (-trace_stat, one row a second; ElapsedTime(C) is HH:MM:SS:usec)
placed_cps() {
	_f=""
	for _g in "$1"/*_.csv; do [ -f "$_g" ] && _f=$_g; done
	[ -n "$_f" ] || { echo "?"; return; }
	awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "ElapsedTime(C)") e = i; if ($i == "OutgoingCall(C)") o = i }; next }
		e && o { split($e, t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3] + t[4] / 1e6
			if ($o + 0 > n) { n = $o + 0; at = s } }
		END { if (at > 0) printf "%d", n / at + 0.5; else print "?" }' "$_f"
}
# sipp_result DIR: S_CREATED S_OK S_503 S_500 S_FAILED S_UNF S_CPS S_LINE
sipp_result() {
	S_CREATED=$(awk -F'|' 'index($1, "Outgoing calls created") {v = $3} END {gsub(/ /, "", v); print v + 0}' "$1/sipp.out")
	_succ=$(sipp_count "$1/sipp.out" "Successful call")
	S_FAILED=$(sipp_count "$1/sipp.out" "Failed call")
	_succ=${_succ:-0} S_FAILED=${S_FAILED:-0}
	S_503=$(counts_col "$1" 2_503_Recv)
	S_500=$(counts_col "$1" 3_500_Recv)
	S_OK=$((_succ - S_503 - S_500))
	S_UNF=$((S_CREATED - _succ - S_FAILED))
	S_CPS=$(placed_cps "$1")
	S_LINE="calls $S_CREATED ok $S_OK 503 $S_503 500 $S_500 failed $S_FAILED unfinished $S_UNF placed_cps $S_CPS"
}
sipp_errors() { # DIR: SIPp's first error lines, when calls failed
	if [ "$S_FAILED" != 0 ] || [ "$S_UNF" != 0 ]; then
		echo "  (SIPp errors in $(basename "$1"), first kinds:)"
		grep -h -o 'Aborting call[^,]*\|[^:]*timeout[^,]*\|Dead call[^,]*\|unexpected message[^,]*\|Unexpected [^,]*' \
			"$1"/*_errors.log 2>/dev/null | sed 's/on call number [0-9]*//; s/Dead call [^ ]*/Dead call/; s/ [0-9]* / N /g' |
			sort | uniq -c | sort -rn | head -n 4 | sed 's/^/    /'
	fi
}
cpu_s() { awk -v c="$1" -v hz="$HZ" 'BEGIN { printf "%.2f", c / hz }'; }
mem_kb() { # the proxy's memory now: VmRSS (sipkit), Pss of all processes (Kamailio)
	if [ "$kind" = sipkit ]; then rss_kb "$PROXY_PID" 2>/dev/null || echo 0; else pss_kb "$PROXY_PID"; fi
}

# search KIND: R (0 when no rate passed)
search() {
	kind=$1
	R=0
	for rate in $RATES; do
		dir=$work/search-$kind-$rate
		mkdir -p "$dir/sipp"
		calls=$((rate * SEARCH_SECONDS))
		life=$((SEARCH_SECONDS + 90))
		start_callees "$life"
		start_proxy "$kind" "$life"
		sipp_start "$dir/sipp" "$SIPP1" "$rate" "$calls"
		wait "$SIPP_TO"
		alive=yes
		running "$PROXY_PID" || alive=no
		# shellcheck disable=SC2086
		stop $pids
		sipp_result "$dir/sipp"
		pass=no
		if [ "$S_FAILED" = 0 ] && [ "$S_UNF" = 0 ] && [ "$S_CPS" != "?" ] &&
			[ $((S_CPS * 10)) -ge $((rate * 9)) ]; then
			pass=yes
		fi
		echo "run search $kind rate $rate seconds $SEARCH_SECONDS $S_LINE proxy_alive_at_end $alive zero_failure $pass"
		[ $pass = yes ] || { sipp_errors "$dir/sipp"; break; }
		R=$rate
	done
}

# overload KIND R: O_LINE
overload() {
	kind=$1 r=$2
	r1=$((2 * r)) r2=$((r / 4))
	[ $r2 -gt 0 ] || r2=1
	dir=$work/overload-$kind
	mkdir -p "$dir/p1" "$dir/p2"
	life=$((3 * PHASE_SECONDS + 120))
	start_callees "$life"
	start_proxy "$kind" "$life"
	peak=$(mem_kb)
	mem0=$peak
	drops0=$(rcvbuf_errors)
	c0=$(cpu_ticks "$PROXY_PID")
	t0=$(date +%s)
	sipp_start "$dir/p1" "$SIPP1" "$r1" $((r1 * PHASE_SECONDS))
	p1=$SIPP_TO p2="" c1="" c2=""
	# once a second: memory, and phase 2 PHASE_SECONDS after phase 1 began
	# (the load profile, not a synchronisation); until both SIPps are done
	while :; do
		sleep 1
		m=$(mem_kb)
		[ "${m:-0}" -gt "$peak" ] && peak=$m
		if [ -z "$p2" ] && [ $(($(date +%s) - t0)) -ge "$PHASE_SECONDS" ]; then
			c1=$(cpu_ticks "$PROXY_PID")
			t1=$(date +%s)
			sipp_start "$dir/p2" "$SIPP2" "$r2" $((r2 * PHASE_SECONDS))
			p2=$SIPP_TO
		fi
		if [ -n "$p2" ] && ! running "$p1" && ! running "$p2"; then break; fi
	done
	c2=$(cpu_ticks "$PROXY_PID")
	t2=$(date +%s)
	drops1=$(rcvbuf_errors)
	sockdrops=$(udp_drops "$PROXY_PORT")
	alive=yes
	running "$PROXY_PID" || alive=no
	if [ "$kind" = sipkit ]; then
		hwm=$(awk '$1 == "VmHWM:" {print $2}' "/proc/$PROXY_PID/status" 2>/dev/null)
		[ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
		memname=peak_rss_kb
	else
		memname=peak_pss_kb
	fi
	wait "$p1" 2>/dev/null
	wait "$p2" 2>/dev/null
	# shellcheck disable=SC2086
	stop $pids
	sipp_result "$dir/p1"
	l1="phase1 rate $r1 seconds $PHASE_SECONDS $S_LINE cpu_s $(cpu_s $((c1 - c0))) (over $((t1 - t0)) s)"
	e1=$S_FAILED
	sipp_result "$dir/p2"
	f2=$S_FAILED
	l2="phase2 rate $r2 seconds $PHASE_SECONDS $S_LINE cpu_s $(cpu_s $((c2 - c1))) (over $((t2 - t1)) s, phase 1's tail included)"
	rest="$memname $peak (at start $mem0) rcvbuf_drops $((drops1 - drops0)) (proxy socket ${sockdrops:-?}) proxy_alive_at_end $alive"
	echo "run overload $kind rate_max $r | $l1 | $l2 | $rest"
	[ "$e1" = 0 ] || sipp_errors "$dir/p1"
	[ "$f2" = 0 ] || sipp_errors "$dir/p2"
	O_LINE="overload $kind rate_max $r | $l1 | $l2 | $rest"
	O_F2=$f2 O_U2=$S_UNF
}

# ---- run
echo "$BENCH_TAG: $(uname -m), $(nproc) cores, sipkit $SIPKIT, $("$KAMAILIO" -v 2>/dev/null | head -n 1), $(sipp -v 2>/dev/null | grep -o 'v[0-9][0-9.]*' | head -n 1 | sed 's/^/SIPp /')"
echo "$BENCH_TAG: PROXIES $PROXIES; search RATES $RATES for ${SEARCH_SECONDS} s each${RATE_MAX:+ (skipped: RATE_MAX $RATE_MAX)}; phases of ${PHASE_SECONDS} s; ring ${RING_MS} ms; load average $(cut -d' ' -f1-3 /proc/loadavg)"
table=""
verdict=""
for k in $PROXIES; do
	if [ -n "$RATE_MAX" ]; then R=$RATE_MAX; else search "$k"; fi
	if [ "$R" = 0 ]; then
		echo "run overload $k skipped: no zero-failure rate among $RATES"
		table="$table
overload $k rate_max none (every rate of $RATES failed): overload not run"
		continue
	fi
	overload "$k" "$R"
	table="$table
$O_LINE"
	if [ "$O_F2" = 0 ] && [ "$O_U2" = 0 ]; then v=met; else v="NOT met ($O_F2 failed, $O_U2 unfinished)"; fi
	verdict="$verdict
target for $k (0 failed calls in phase 2): $v"
done

echo
echo "== results (calls: SIPp's counts per phase; ok = cancelled as asked; 503/500 = shed by the proxy; failed = SIPp's failed calls)"
echo "${table#?}"
[ -z "$verdict" ] || echo "${verdict#?}"
exit 0
