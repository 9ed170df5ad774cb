#!/bin/sh
# Where a cancelled call's CPU goes in `sipkit proxy`, single branch against
# forked (issue 16; docs/performance.md):
#
#   sh bench/proxy/profile.sh syscalls   perf stat of the proxy's syscalls per call
#   sh bench/proxy/profile.sh callgrind  instructions per call, by function (callgrind)
#   sh bench/proxy/profile.sh heap       heap per pending forked call, by allocation site
#
# For each of `one` (one branch) and `fork` (two), a fresh proxy and two
# `sipkit uas --no-answer` callees on 127.0.0.1; SIPp places CALLS calls
# (tests/interop/scenarios/uac_cancel.xml: INVITE, 180, CANCEL after RING_MS,
# 200, 487, ACK) at RATE calls/s; the proxy is measured from before SIPp
# starts until SETTLE s after it ends (its Timer D of 32 s and Timer K of 5 s
# included, as in bench-proxy), then stopped with SIGINT.
#   syscalls:  syscalls per call by name (perf's syscalls:sys_enter_* tracepoints),
#              the proxy's context switches (each a sleep and a wake-up) per call,
#              CPU-s per 1000 calls (utime+stime)
#   callgrind: instructions per call (user space only: the kernel's share is
#              what `syscalls` counts), and the top functions, inclusive, per call
#   heap:      `fork` only: CALLS forked calls left ringing (SIPp -d 1 hour, never
#              cancelled), `sipkit ctl calls` polled each second as bench-proxy's
#              memory section does; the proxy under heaptrack, its RSS growth per
#              pending call, then heaptrack's peak heap by allocation site per call
#              (a site with a few blocks, not CALLS or 2*CALLS, is a fixed cost)
# callgrind counts only inside the event loop (--toggle-collect=sk_loop_run_once):
# start-up (TLS trust store, listeners) is not a call's cost.
# Environment (defaults): SIPKIT (build/sipkit), PROXY_WORKERS (1, as bench-proxy's
# CPU sections), CALLS (2000 syscalls and heap, 400
# callgrind), RATE (500, 40), RING_MS (100), SETTLE (34), KEEP (0: remove the logs).
# Not a test: it measures and prints; every process runs under `timeout`.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
MODE=${1:-syscalls}
SIPKIT=${SIPKIT:-$root/build/sipkit}
SCEN=$root/tests/interop/scenarios/uac_cancel.xml
RING_MS=${RING_MS:-100}
PROXY_WORKERS=${PROXY_WORKERS:-1}
SETTLE=${SETTLE:-34}
if [ "$MODE" = callgrind ]; then CALLS=${CALLS:-400} RATE=${RATE:-40}; else CALLS=${CALLS:-2000} RATE=${RATE:-500}; fi
LO=127.0.0.1
HZ=$(getconf CLK_TCK)
case $MODE in syscalls | callgrind | heap) ;; *) echo "usage: $0 syscalls|callgrind|heap" >&2; exit 2 ;; esac
case $SIPKIT in /*) ;; *) SIPKIT=$(pwd)/$SIPKIT ;; esac
[ -x "$SIPKIT" ] || { echo "profile: $SIPKIT is not built" >&2; exit 1; }
command -v sipp >/dev/null || { echo "profile: sipp is not installed" >&2; exit 1; }
if [ "$MODE" = callgrind ]; then
	command -v valgrind >/dev/null || { echo "profile: valgrind is not installed" >&2; exit 1; }
elif [ "$MODE" = heap ]; then
	command -v heaptrack >/dev/null || { echo "profile: heaptrack is not installed" >&2; exit 1; }
else
	command -v perf >/dev/null || { echo "profile: perf is not installed" >&2; exit 1; }
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sk_profile.XXXXXX") || exit 1
pids=""
finish() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	if [ "${KEEP:-0}" = 1 ]; then echo "profile: logs in $work"; else rm -rf "$work"; fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# free ports: a base from $$, stepped until 5 in a row are unused
base=$((20000 + ($$ % 4000) * 8))
while ss -Hlun | awk '{print $4}' | grep -qE ":($base|$((base + 1))|$((base + 2))|$((base + 3))|$((base + 4)))\$"; do
	base=$((base + 8))
done
P=$base U1=$((base + 1)) U2=$((base + 2)) SP=$((base + 3))

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
uticks() { awk '{print $14}' "/proc/$1/stat" 2>/dev/null || echo 0; }
child_of() { pgrep -P "$1" | head -n 1; }

# heap: the proxy under heaptrack (started by one_run) with CALLS forked calls ringing
heap_run() {
	pp=$(pgrep -n -f "^$SIPKIT proxy -l udp:$LO:$P ")
	[ -n "$pp" ] || { echo "profile: no proxy" >&2; return 1; }
	rss0=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$pp/status")
	(cd "$dir" && exec timeout -k 3 $((CALLS / RATE + 90)) sipp "$LO:$P" -sf "$SCEN" -s fork \
		-r "$RATE" -m "$CALLS" -l $((CALLS + 100)) -d 3600000 -i $LO -p "$SP" -mp $((SP + 2)) \
		-cp $((SP + 1)) -timeout $((CALLS / RATE + 80))s -nd -nostdin </dev/null >sipp.out 2>&1) &
	sipp_pid=$!
	pids="$pids $sipp_pid"
	t=0 n=0
	while [ $t -lt $((CALLS / RATE + 60)) ]; do
		sleep 1
		t=$((t + 1))
		n=$("$SIPKIT" ctl -s "$dir/ctl.sock" calls 2>/dev/null | awk '$1 == "pending" {print $2}')
		[ "${n:-0}" -ge "$CALLS" ] && break
	done
	sleep 2
	n=$("$SIPKIT" ctl -s "$dir/ctl.sock" calls 2>/dev/null | awk '$1 == "pending" {print $2}')
	rss1=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$pp/status")
	kill "$sipp_pid" 2>/dev/null
	kill -INT "$pp" 2>/dev/null
	for _ in $(seq 1 60); do
		[ -f "$dir/heap.zst" ] && ! kill -0 "$pp" 2>/dev/null && ! pgrep -f "heaptrack.*$dir" >/dev/null && break
		sleep 1
	done
	n=${n:-0}
	echo "profile heap fork pending $n rss_bytes_per_call (under heaptrack) $(awk -v a="$rss0" -v b="$rss1" -v n="$n" 'BEGIN { if (n > 0) printf "%d", (b - a) * 1024 / n; else print "?" }')"
	# heaptrack_print sizes are in units of 1000 (K, M)
	heaptrack_print -f "$dir/heap.zst" --print-peaks 1 --print-allocators 0 --print-temporary 0 \
		--print-leaks 0 -n 30 -s 0 2>/dev/null |
		awk -v n="$n" '
			function bytes(v) { m = 1; if (v ~ /K$/) m = 1e3; if (v ~ /M$/) m = 1e6; if (v ~ /G$/) m = 1e9; sub(/[KMGB]$/, "", v); return v * m }
			/peak heap memory consumption/ { print "  " $0; next }
			/peak memory consumed over/ { b = bytes($1); k = $6; want = 1; next }
			want && /^[A-Za-z_]/ { f = $1; next }
			want && /^  at / { if (n > 0 && b / n >= 8) printf "  %8d bytes/call  %8d blocks  %s %s\n", b / n, k, f, $2; want = 0 }'
	for p in $pids; do kill "$p" 2>/dev/null; done
	pids=""
}

one_run() { # USER (one|fork)
	user=$1 dir=$work/$1
	mkdir -p "$dir"
	life=$((CALLS / RATE + SETTLE + 120))
	for u in $U1 $U2; do
		timeout -k 3 "$life" "$SIPKIT" uas -l "udp:$LO:$u" --no-answer >/dev/null 2>&1 &
		pids="$pids $!"
	done
	if [ "$MODE" = callgrind ]; then
		timeout -k 3 -s INT "$life" valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" \
			--toggle-collect=sk_loop_run_once \
			"$SIPKIT" proxy -l "udp:$LO:$P" --workers "$PROXY_WORKERS" --ctl "$dir/ctl.sock" \
			--route "one=sip:$LO:$U1" --route "fork=sip:$LO:$U1,sip:$LO:$U2" \
			>"$dir/proxy.out" 2>"$dir/proxy.err" &
	elif [ "$MODE" = heap ]; then
		timeout -k 3 -s INT "$life" heaptrack -o "$dir/heap" \
			"$SIPKIT" proxy -l "udp:$LO:$P" --workers "$PROXY_WORKERS" --ctl "$dir/ctl.sock" \
			--route "fork=sip:$LO:$U1,sip:$LO:$U2" >"$dir/proxy.out" 2>"$dir/proxy.err" &
	else
		timeout -k 3 -s INT "$life" "$SIPKIT" proxy -l "udp:$LO:$P" --workers "$PROXY_WORKERS" --ctl "$dir/ctl.sock" \
			--route "one=sip:$LO:$U1" --route "fork=sip:$LO:$U1,sip:$LO:$U2" \
			>"$dir/proxy.out" 2>"$dir/proxy.err" &
	fi
	to=$!
	pids="$pids $to"
	sleep 3
	[ "$MODE" = callgrind ] && sleep 5 # valgrind's start
	if [ "$MODE" = heap ]; then
		heap_run
		return
	fi
	pp=$(pgrep -P "$to" | head -n 1)
	[ -n "$pp" ] || { echo "profile: no proxy" >&2; return 1; }
	perf_pid=""
	if [ "$MODE" = syscalls ]; then
		perf stat -x, -o "$dir/perf.csv" -e 'raw_syscalls:sys_enter' \
			-e 'syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom' \
			-e 'syscalls:sys_enter_sendmmsg,syscalls:sys_enter_recvmmsg' \
			-e 'syscalls:sys_enter_epoll_wait,syscalls:sys_enter_write' \
			-e 'syscalls:sys_enter_getsockopt' -e 'context-switches' -p "$pp" >/dev/null 2>&1 &
		perf_pid=$!
		pids="$pids $perf_pid"
	fi
	c0=$(ticks "$pp") u0=$(uticks "$pp")
	(cd "$dir" && exec timeout -k 3 $((CALLS / RATE + 60)) sipp "$LO:$P" -sf "$SCEN" -s "$user" \
		-r "$RATE" -m "$CALLS" -l "$CALLS" -d "$RING_MS" -i $LO -p "$SP" -mp $((SP + 2)) \
		-cp $((SP + 1)) -timeout $((CALLS / RATE + 50))s -nd -nostdin </dev/null >sipp.out 2>&1)
	sleep "$SETTLE"
	c1=$(ticks "$pp") u1=$(uticks "$pp")
	[ -n "$perf_pid" ] && kill -INT "$perf_pid" 2>/dev/null && sleep 1
	kill -INT "$pp" 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		kill -0 "$pp" 2>/dev/null || break
		sleep 1
	done
	ok=$(awk -F'|' 'index($1, "Successful call") {v = $3} END {gsub(/ /, "", v); print v}' "$dir/sipp.out")
	echo "profile $MODE $user calls $CALLS successful ${ok:-?} rate $RATE cpu_s_per_1000 $(awk -v c=$((c1 - c0)) -v hz="$HZ" -v n="$CALLS" 'BEGIN { printf "%.3f", c / hz / n * 1000 }') (user $(awk -v c=$((u1 - u0)) -v hz="$HZ" -v n="$CALLS" 'BEGIN { printf "%.3f", c / hz / n * 1000 }'))"
	if [ "$MODE" = syscalls ]; then
		awk -F, -v n="$CALLS" '$1 ~ /^[0-9]+$/ { sub(/^syscalls:sys_enter_/, "", $3); printf "  %-24s %8.2f per call\n", $3, $1 / n }' "$dir/perf.csv"
	else
		total=$(callgrind_annotate "$dir/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
		echo "  instructions per call $(awk -v t="${total:-0}" -v n="$CALLS" 'BEGIN { printf "%d", t / n }')"
		callgrind_annotate --inclusive=yes "$dir/cg.out" 2>/dev/null |
			awk -v n="$CALLS" '/file:function/ {on = 1; next} on && NF >= 2 && $1 ~ /^[0-9,]+$/ {
				v = $1; gsub(",", "", v); f = $(NF - 1); sub(/^.*:/, "", f)
				if (c++ < 40) printf "  %10d  %s\n", v / n, f }'
	fi
	for p in $pids; do kill "$p" 2>/dev/null; done
	pids=""
	sleep 1
}

[ "$MODE" = heap ] || one_run one
one_run fork
