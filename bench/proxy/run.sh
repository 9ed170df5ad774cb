#!/bin/sh
# Proxy benchmark: sipkit proxy against Kamailio 5.6 on the cancelled call.
#
#   sh bench/proxy/run.sh            (after `make`: needs build/sipkit, sipp, kamailio)
#
# Not a test: it measures, prints, and exits 0 unless something could not run.
# About 9 minutes with the defaults, everything on 127.0.0.1, every process
# under `timeout` and killed on exit (KEEP=1 keeps the logs and says where).
#
# 1. CPU per cancelled call. SIPp (tests/interop/scenarios/uac_cancel.xml,
#    a copy of ../shared/scenarios/uac_cancel.xml) places CALLS calls at each
#    of RATES calls/s; each is INVITE/100/180/CANCEL/200/487/ACK after RING_MS
#    of ringing, through
#      sipkit-1branch    sipkit proxy, --route one=UAS1
#      sipkit-2branch    sipkit proxy, --route fork=UAS1,UAS2 (the caller
#                        cancels; the proxy CANCELs both branches)
#      kamailio-1branch  Kamailio with ../shared/peers/kamailio/kamailio.cfg (its
#      kamailio-2branch  ports replaced by free ones with sed), tuned as its
#                        README says: -n 2 -m 2048 -M 8, maxbuffer 4 MB (in the cfg)
#    The callees are the same for both proxies: two `sipkit uas --no-answer`.
#    Every run starts a fresh proxy and fresh callees; the four configurations
#    run back to back at each rate (the machine's speed drifts). The proxy's
#    CPU is utime+stime from /proc/PID/stat (for Kamailio summed over its main
#    process and every child) from 1 s before SIPp starts to SETTLE s after it
#    ends (SETTLE covers each proxy's last timers: sipkit keeps a client INVITE
#    transaction for Timer D, 32 s; Kamailio a transaction for 5 s), divided by
#    the calls. SIPp's own counts give the rate reached and the failed calls.
#    rcvbuf_drops is the machine's UDP RcvbufErrors during the run (datagrams
#    dropped by a full socket buffer), then the drops of the proxy's and the
#    callees' sockets (/proc/net/udp); sipp_dead_call_msgs counts the messages
#    SIPp got for calls it had ended (e.g. a 487 sent again because the ACK
#    was dropped): loss recovered by retransmission, not failed calls.
# 2. Memory per pending forked call: PENDING calls to sip:fork (two branches),
#    the callees ringing without answer, the caller (SIPp, -d 1 hour) never
#    cancelling within the window; the proxy's VmRSS before and with the calls
#    pending (sipkit ctl calls), divided by the pending calls. For Kamailio the
#    same load (pending: kamcmd tm.stats current) gives the Pss of all its
#    processes (its shared memory is mapped by each; Pss shares it out) and its
#    shared memory in use (kamcmd core.shmmem real_used) (PENDING_KAMAILIO=0
#    skips it). If fewer
#    than PENDING calls get pending in PENDING_SECONDS, the figure is for the
#    number reached, and the line says so. The proxy gets --max-pending
#    2*PENDING: from 90 % of its default (50000) it answers new INVITEs 503.
# 3. Max calls/s with zero failed calls per number of workers: for each W of
#    WORKERS, sipkit --workers W and Kamailio -n W (W UDP receiver processes)
#    take the single-branch cancelled call at each rate of MAX_RATES in turn,
#    MAX_SECONDS of calls per step (fresh proxy and callees each step), until a
#    step fails a call or falls short of its rate by more than 5 %; the last
#    clean step is the max, with the proxy's CPU per 1000 calls at that rate
#    (from 1 s before SIPp to MAX_SETTLE s after: sipkit's 32 s Timer D
#    expirations mostly fall outside it, Kamailio's 5 s wait partly). SIPp and
#    the callees share the machine's cores with the proxy: on a 2-core machine
#    the max is the machine's, which is why the CPU per call is given too.
#    Sections 1 and 2 use --workers 1 (PROXY_WORKERS) and Kamailio -n 2.
#
# REPEAT (1): section 1's pairs are run REPEAT times each, sipkit and Kamailio
# alternating, and the table gives the median of each proxy's CPU and the ratio of
# the medians: on this machine one run's figure moves by 10 % and Kamailio's more.
# Environment (defaults): RATES ("1000 2000"), CALLS (20000), RING_MS (100),
# SETTLE (34), PENDING (100000), PENDING_RATE (2500), PENDING_SECONDS (90),
# PENDING_KAMAILIO (1), WORKERS ("1 2"), MAX_RATES ("1000 2000 3000 4000 5000 6000
# 8000"), MAX_SECONDS (5), MAX_SETTLE (4), SECTIONS ("1 2 3": which to run),
# SIPKIT (build/sipkit: an optimised build, not ASan),
# KAMAILIO (kamailio on PATH or /usr/sbin), SHARED (../shared beside the repo).
#
# Output: one `run ...` line per measurement as it ends, then the table:
#   proxy sipkit-1branch cps 2000 failed 0 cpu_s_per_1000 0.12 | kamailio-1branch ... | ratio 0.44
#   pending sipkit-2branch calls 100000 rss_before_kb ... bytes_per_call ...
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
RATES=${RATES:-"1000 2000"}
CALLS=${CALLS:-20000}
RING_MS=${RING_MS:-100}
SETTLE=${SETTLE:-34}
PENDING=${PENDING:-100000}
PENDING_RATE=${PENDING_RATE:-2500}
PENDING_SECONDS=${PENDING_SECONDS:-90}
PENDING_KAMAILIO=${PENDING_KAMAILIO:-1}
WORKERS=${WORKERS:-"1 2"}
MAX_RATES=${MAX_RATES:-"1000 2000 3000 4000 5000 6000 8000"}
MAX_SECONDS=${MAX_SECONDS:-5}
MAX_SETTLE=${MAX_SETTLE:-4}
SECTIONS=${SECTIONS:-"1 2 3"}
PROXY_WORKERS=${PROXY_WORKERS:-1}
REPEAT=${REPEAT:-1}
SIPKIT=${SIPKIT:-$root/build/sipkit}
SHARED=${SHARED:-$root/../shared}
SCEN=$root/tests/interop/scenarios/uac_cancel.xml
[ -f "$SCEN" ] || SCEN=$SHARED/scenarios/uac_cancel.xml
KAMCFG=$SHARED/peers/kamailio/kamailio.cfg
if [ -z "${KAMAILIO:-}" ]; then
	KAMAILIO=$(command -v kamailio 2>/dev/null || { [ -x /usr/sbin/kamailio ] && echo /usr/sbin/kamailio; })
fi
KAMCMD=$(command -v kamcmd 2>/dev/null || { [ -x /usr/sbin/kamcmd ] && echo /usr/sbin/kamcmd; })
LO=127.0.0.1
HZ=$(getconf CLK_TCK)

die() { echo "bench-proxy: $*" >&2; exit 1; }
case $SIPKIT in /*) ;; *) SIPKIT=$(pwd)/$SIPKIT ;; esac
[ -x "$SIPKIT" ] || die "$SIPKIT is not built (make)"
command -v sipp >/dev/null 2>&1 || die "sipp is not installed (Debian package sip-tester)"
if [ -z "$KAMAILIO" ] || [ ! -x "$KAMAILIO" ]; then die "kamailio is not installed (Debian package kamailio)"; fi
[ -f "$KAMCFG" ] || die "no Kamailio config at $KAMCFG (SHARED=...)"
[ -f "$SCEN" ] || die "no uac_cancel.xml"
for v in "$CALLS" "$RING_MS" "$SETTLE" "$PENDING" "$PENDING_RATE" "$PENDING_SECONDS" $RATES \
	$WORKERS $MAX_RATES "$MAX_SECONDS" "$MAX_SETTLE" "$PROXY_WORKERS" "$REPEAT"; do
	case $v in '' | *[!0-9]*) die "not a number: '$v'" ;; esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/sk_bench_proxy.XXXXXX") || exit 1
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
alloc 5; SIPPP=$PORT

# run_cpu NAME KIND USER RATE: one measurement, a `run` line, and R_* set
run_cpu() {
	name=$1 kind=$2 user=$3 rate=$4
	dir=$work/$name-$rate
	mkdir -p "$dir"
	life=$((CALLS / rate + SETTLE + 60))
	start_callees "$life"
	start_proxy "$kind" "$life"
	drops0=$(rcvbuf_errors)
	ci=$(cpu_ticks "$PROXY_PID")
	sleep 2
	c0=$(cpu_ticks "$PROXY_PID")
	cc0=0
	for p in $CALLEE_PIDS; do cc0=$((cc0 + $(cpu_ticks "$p"))); done
	t0=$(date +%s.%N)
	# (in $dir: SIPp writes its -trace_err log in its working directory)
	# shellcheck disable=SC3045 # (dash and bash have ulimit -n)
	(cd "$dir" && ulimit -n 65536 2>/dev/null
	exec timeout -k 3 $((CALLS / rate + 50)) sipp "$LO:$PROXY_PORT" -sf "$SCEN" -s "$user" \
		-r "$rate" -m "$CALLS" -l "$CALLS" -d "$RING_MS" \
		-i $LO -p "$SIPPP" -ci $LO -cp $((SIPPP + 1)) -mi $LO -mp $((SIPPP + 2)) \
		-buff_size 4194304 -recv_timeout 10000 -timeout $((CALLS / rate + 40))s -nd -nostdin \
		-trace_err </dev/null >"$dir/sipp.out" 2>&1)
	sst=$?
	t1=$(date +%s.%N)
	sleep "$SETTLE"
	c1=$(cpu_ticks "$PROXY_PID")
	drops1=$(rcvbuf_errors)
	cc1=0
	for p in $CALLEE_PIDS; do cc1=$((cc1 + $(cpu_ticks "$p"))); done
	alive=yes
	running "$PROXY_PID" || alive=no
	sockdrops="proxy $(udp_drops "$PROXY_PORT") uas1 $(udp_drops "$U1") uas2 $(udp_drops "$U2")"
	# shellcheck disable=SC2086
	stop $pids
	ok=$(sipp_count "$dir/sipp.out" "Successful call")
	failed=$(sipp_count "$dir/sipp.out" "Failed call")
	ok=${ok:-0} failed=${failed:-?}
	# the rate reached: calls started over the time SIPp took to start them
	cps=$(awk -v n="$((ok + ${failed#\?}))" -v a="$t0" -v b="$t1" -v d="$RING_MS" -v r="$rate" \
		'BEGIN { t = b - a - d / 1000; if (t <= 0) t = 1; c = n / t; if (c > r) c = r; printf "%d", c + 0.5 }')
	srate=$(sipp_count "$dir/sipp.out" "Call Rate")
	dead=$(cat "$dir"/*_errors.log 2>/dev/null | grep -c 'Dead call')
	per1000=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v n="$CALLS" 'BEGIN { printf "%.3f", c / hz / n * 1000 }')
	calleecpu=$(awk -v c=$((cc1 - cc0)) -v hz="$HZ" -v n="$CALLS" 'BEGIN { printf "%.3f", c / hz / n * 1000 }')
	echo "run $name rate $rate calls $CALLS successful $ok failed $failed sipp_exit $sst cps $cps sipp_cum_cps ${srate:-?} cpu_s $(awk -v c=$((c1 - c0)) -v hz="$HZ" 'BEGIN{printf "%.2f", c / hz}') cpu_s_per_1000 $per1000 callees_cpu_s_per_1000 $calleecpu rcvbuf_drops $((drops1 - drops0)) ($sockdrops) sipp_dead_call_msgs $dead idle_cpu_s_per_s $(awk -v c=$((c0 - ci)) -v hz="$HZ" 'BEGIN{printf "%.3f", c / hz / 2}') proxy_alive_at_end $alive"
	if [ "$failed" != 0 ]; then
		echo "  (SIPp errors, first lines:)"
		sed -n '/events occurred/,$p' "$dir"/*_errors.log 2>/dev/null | head -n 5 | sed 's/^/    /'
	fi
	R_CPS=$cps R_FAILED=$failed R_CPU=$per1000
}

# run_pending KIND: PENDING forked calls left ringing
run_pending() {
	kind=$1
	dir=$work/pending-$kind
	mkdir -p "$dir"
	life=$((PENDING_SECONDS + 60))
	start_callees "$life"
	# sipkit answers 503 from 90 % of --max-pending (default 50000, overload.c): room
	# for PENDING calls
	PROXY_MAX_PENDING=$((PENDING * 2)) start_proxy "$kind" "$life"
	sleep 1
	if [ "$kind" = sipkit ]; then rss0=$(rss_kb "$PROXY_PID"); else rss0=$(pss_kb "$PROXY_PID"); fi
	shm0=""
	if [ "$kind" = kamailio ] && [ -n "$KAMCMD" ]; then
		shm0=$("$KAMCMD" -s "unix:$dir/kamrun/kamailio_ctl" core.shmmem 2>/dev/null | awk '$1 == "real_used:" {print $2}')
	fi
	# shellcheck disable=SC3045 # (dash and bash have ulimit -n)
	(cd "$dir" && ulimit -n 65536 2>/dev/null
	exec timeout -k 3 $((PENDING_SECONDS + 30)) sipp "$LO:$PROXY_PORT" -sf "$SCEN" -s fork \
		-r "$PENDING_RATE" -m "$PENDING" -l $((PENDING + 100)) -d 3600000 \
		-i $LO -p "$SIPPP" -ci $LO -cp $((SIPPP + 1)) -mi $LO -mp $((SIPPP + 2)) \
		-buff_size 4194304 -timeout $((PENDING_SECONDS + 20))s -nd -nostdin \
		</dev/null >"$dir/sipp.out" 2>&1) &
	sipp_pid=$!
	pids="$pids $sipp_pid"
	# pending calls: sipkit ctl calls, or the INVITEs the callees rang (each
	# pending forked call rings both)
	t=0 n=0 last=-1 still=0
	while [ $t -lt "$PENDING_SECONDS" ]; do
		sleep 1
		t=$((t + 1))
		if [ "$kind" = sipkit ]; then
			n=$("$SIPKIT" ctl -s "$dir/sipkit.sock" calls 2>/dev/null | awk '$1 == "pending" {print $2}')
		else
			n=$("$KAMCMD" -s "unix:$dir/kamrun/kamailio_ctl" tm.stats 2>/dev/null | awk '$1 == "current:" {print $2}')
		fi
		n=${n:-0}
		[ "$n" -ge "$PENDING" ] && break
		# stop waiting once nothing more gets pending for 5 s after SIPp is done
		if [ "$n" = "$last" ] && ! running "$sipp_pid"; then
			still=$((still + 1))
			[ $still -ge 5 ] && break
		else
			still=0
		fi
		last=$n
	done
	sleep 2
	if [ "$kind" = sipkit ]; then
		n=$("$SIPKIT" ctl -s "$dir/sipkit.sock" calls 2>/dev/null | awk '$1 == "pending" {print $2}')
	else
		n=$("$KAMCMD" -s "unix:$dir/kamrun/kamailio_ctl" tm.stats 2>/dev/null | awk '$1 == "current:" {print $2}')
	fi
	n=${n:-0}
	if [ "$kind" = sipkit ]; then rss1=$(rss_kb "$PROXY_PID"); else rss1=$(pss_kb "$PROXY_PID"); fi
	uasrss=""
	for p in $CALLEE_PIDS; do uasrss="$uasrss $(rss_kb "$p" 2>/dev/null)"; done
	extra=""
	if [ -n "$shm0" ]; then
		shm1=$("$KAMCMD" -s "unix:$dir/kamrun/kamailio_ctl" core.shmmem 2>/dev/null | awk '$1 == "real_used:" {print $2}')
		extra=" shm_real_used_before $shm0 shm_real_used_with $shm1 shm_bytes_per_call $(awk -v a="$shm0" -v b="$shm1" -v n="$n" 'BEGIN { if (n > 0) printf "%d", (b - a) / n; else print "?" }')"
	fi
	# shellcheck disable=SC2086
	stop $pids
	okc=$(sipp_count "$dir/sipp.out" "Successful call")
	failed=$(sipp_count "$dir/sipp.out" "Failed call")
	per=$(awk -v a="$rss0" -v b="$rss1" -v n="$n" 'BEGIN { if (n > 0) printf "%d", (b - a) * 1024 / n; else print "?" }')
	note=""
	if [ "$n" -lt "$PENDING" ]; then
		note=" REACHED_ONLY $n of $PENDING in ${t}s; extrapolated_rss_kb_at_$PENDING $(awk -v a="$rss0" -v p="$per" -v m="$PENDING" 'BEGIN { if (p != "?") printf "%d", a + p * m / 1024; else print "?" }')"
	fi
	if [ "$kind" = sipkit ]; then label=sipkit-2branch mem=rss; else label=kamailio-2branch mem=pss; fi
	echo "run pending-$label calls $n ${mem}_before_kb $rss0 ${mem}_with_kb $rss1 bytes_per_call $per$extra sipp_failed ${failed:-?} sipp_successful ${okc:-?} callees_rss_kb$uasrss$note"
	P_LINE="pending $label calls $n ${mem}_before_kb $rss0 ${mem}_with_kb $rss1 bytes_per_call $per$extra$note"
}

# ---- run
echo "bench-proxy: $(uname -m), $(nproc) cores, sipkit $SIPKIT, $("$KAMAILIO" -v 2>/dev/null | head -n 1), $(sipp -v 2>/dev/null | grep -o 'v[0-9][0-9.]*' | head -n 1 | sed 's/^/SIPp /')"
echo "bench-proxy: CALLS $CALLS per run at RATES $RATES, ring ${RING_MS} ms, settle ${SETTLE} s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
has() { case " $SECTIONS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
# median VALUE...: "?" if any is not a number
median() {
	printf '%s\n' "$@" | sort -n | awk '
		$1 !~ /^[0-9.]+$/ { bad = 1 } { v[NR] = $1 }
		END { if (bad || NR == 0) print "?"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# sum VALUE...: "?" if any is not a number
sum() { printf '%s\n' "$@" | awk '$1 !~ /^[0-9]+$/ { bad = 1 } { s += $1 } END { if (bad) print "?"; else print s }'; }
table=""
worst=""
met=1
has 1 || RATES=""
for rate in $RATES; do
	for b in 1 2; do
		[ $b = 1 ] && user=one || user=fork
		s_cpus="" s_fails="" k_cpus="" k_fails="" s_cps="" k_cps="" i=0
		while [ $i -lt "$REPEAT" ]; do
			run_cpu "sipkit-${b}branch" sipkit "$user" "$rate"
			s_cps="$s_cps $R_CPS" s_fails="$s_fails $R_FAILED" s_cpus="$s_cpus $R_CPU"
			run_cpu "kamailio-${b}branch" kamailio "$user" "$rate"
			k_cps="$k_cps $R_CPS" k_fails="$k_fails $R_FAILED" k_cpus="$k_cpus $R_CPU"
			i=$((i + 1))
		done
		# shellcheck disable=SC2086
		s_cpu=$(median $s_cpus) k_cpu=$(median $k_cpus) s_failed=$(sum $s_fails) k_failed=$(sum $k_fails)
		# shellcheck disable=SC2086
		s_cps=$(median $s_cps) k_cps=$(median $k_cps)
		ratio=$(awk -v s="$s_cpu" -v k="$k_cpu" 'BEGIN { if (s != "?" && k > 0) printf "%.2f", s / k; else print "?" }')
		runs=""
		[ "$REPEAT" -gt 1 ] && runs=" (median of $REPEAT runs: sipkit$s_cpus, kamailio$k_cpus)"
		table="$table
proxy sipkit-${b}branch rate $rate cps $s_cps failed $s_failed cpu_s_per_1000 $s_cpu | kamailio-${b}branch cps $k_cps failed $k_failed cpu_s_per_1000 $k_cpu | ratio $ratio$runs"
		if [ "$s_failed" != 0 ] || [ "$ratio" = "?" ] || awk -v r="$ratio" 'BEGIN { exit !(r > 0.25) }'; then
			met=0
		fi
		worst=$(awk -v w="${worst:-0}" -v r="$ratio" 'BEGIN { if (r != "?" && r > w) print r; else print w }')
	done
done

pend=""
if has 2; then
	run_pending sipkit
	pend="$P_LINE"
	if [ "$PENDING_KAMAILIO" = 1 ]; then
		run_pending kamailio
		pend="$pend
$P_LINE"
	fi
fi

# max_rate KIND W: the highest rate of MAX_RATES with no failed call (M_CPS, M_CPU)
max_rate() {
	M_CPS=0 M_CPU="?"
	for r in $MAX_RATES; do
		CALLS=$((r * MAX_SECONDS)) SETTLE=$MAX_SETTLE
		PROXY_WORKERS=$2 KAM_CHILDREN=$2 run_cpu "max-$1-w$2" "$1" one "$r"
		[ "$R_FAILED" = 0 ] && [ "$R_CPS" -ge $((r * 95 / 100)) ] || break
		M_CPS=$R_CPS M_CPU=$R_CPU
	done
}

maxes=""
if has 3; then
	calls_saved=$CALLS settle_saved=$SETTLE
	for w in $WORKERS; do
		max_rate sipkit "$w"
		s_cps=$M_CPS s_cpu=$M_CPU
		max_rate kamailio "$w"
		maxes="$maxes
max workers $w sipkit cps $s_cps cpu_s_per_1000 $s_cpu | kamailio -n $w cps $M_CPS cpu_s_per_1000 $M_CPU | rate_ratio $(awk -v s="$s_cps" -v k="$M_CPS" 'BEGIN { if (k > 0) printf "%.2f", s / k; else print "?" }')"
	done
	CALLS=$calls_saved SETTLE=$settle_saved
fi

echo
echo "== results (CPU: proxy utime+stime per 1000 cancelled calls; ratio sipkit/Kamailio)"
[ -z "$table" ] || echo "${table#?}"
[ -z "$pend" ] || echo "$pend"
[ -z "$maxes" ] || echo "${maxes#?}"
if [ -z "$table" ]; then
	:
elif [ $met = 1 ]; then
	echo "target (sipkit <= 0.25 x Kamailio CPU per cancelled call, single and forked, 0 failed: issue 16): met (worst ratio $worst)"
else
	echo "target (sipkit <= 0.25 x Kamailio CPU per cancelled call, single and forked, 0 failed: issue 16): NOT met (worst ratio $worst)"
fi
exit 0
