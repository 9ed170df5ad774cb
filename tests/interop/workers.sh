#!/bin/sh
# sipkit proxy --workers N between SIPp phones (docs/workers.md), on loopback:
#
#   cancel-2, cancel-4  60 calls from SIPp with a UDP socket per call (-t un: 60
#                       source ports, spread by the kernel over the workers'
#                       sockets), each cancelled while ringing at a SIPp callee:
#                       every CANCEL answered 200 and every INVITE 487 (SIPp
#                       checks), no 481, no 503, calls handled by several workers
#                       and some datagrams handed from one worker to another, and
#                       once the timers have run out (--t1 100) no context left
#   fork-2              the same forked to two callees: each gets one CANCEL a call
#   answer-4            60 answered calls with Record-Route: ACK and BYE (from the
#                       caller's socket of the call) reach the call's worker
#   nat-tcp-2, nat-tcp-4
#                       a phone "behind NAT" (tests/interop/wsphone.py over tcp:)
#                       registers over TCP with a Contact naming its connection's own
#                       port, where nobody listens: 16 calls from `sipkit call` (new
#                       Call-IDs, handled by every worker) each reach it over that one
#                       connection, INVITE and CANCEL (the phone answers 180, 200 to the
#                       CANCEL, 487 and counts the ACK), the proxy never opens a
#                       connection of its own (tcp_opened 1: the phone's), bytes went
#                       across to the worker that accepted it (sent_across), no 481
#   stop-4              calls at 40/s while worker 1 is stopped (sipkit ctl worker
#                       stop 1): every call ends cleanly (cancelled, or 503 for
#                       those of the stopped worker: no timeout), the other three
#                       serve on, ctl shows worker 1 stopped, nothing left after
#
#   sh tests/interop/workers.sh [CASE...]
set -u

here=$(cd "$(dirname "$0")" && pwd)
suite=interop-workers
PORT_SEED=29
# shellcheck source=tests/interop/proxy_lib.sh
. "$here/proxy_lib.sh"

CALLS=60

# stat_of FILE KEY: a counter of sipkit ctl stats
stat_of() { awk -v k="$2" '$1 == k {print $2}' "$1"; }

# wait until no context is left (the timers ran out), at most 20 s
wait_idle() {
	n=0
	while :; do
		ctl_stats
		[ "$(stat_of ctl-stats.out contexts)" = 0 ] && return 0
		[ $n -ge 200 ] && { bad "contexts $(stat_of ctl-stats.out contexts) left after 20 s"; return 1; }
		sleep 0.1
		n=$((n + 1))
	done
}

# workers_used: at least two workers handled calls, and something was handed over
check_spread() {
	used=$(awk '$1 == "worker" && $5 > 0 {n++} END {print n + 0}' ctl-stats.out)
	[ "$used" -ge 2 ] || bad "only $used worker(s) handled calls"
	[ "$(stat_of ctl-stats.out handed_out)" -gt 0 ] || bad "nothing handed between workers"
}

# run_calls SCENARIO SERVICE OUT [sipp args]: the caller, one socket per call
run_calls() {
	sf=$1 svc=$2 out=$3
	shift 3
	alloc 5
	# shellcheck disable=SC2046
	timeout -k 5 40 sipp "$LO:$PROXY_PORT" -sf "$sf" -s "$svc" -t un -max_socket 200 -m $CALLS -r 40 -l 100 \
		$(sipp_opts "$PORT") "$@" </dev/null >"$out" 2>&1
}

cancel_case() { # name workers callees
	begin "$1"
	need_sipp || { verdict; return; }
	if start_sipp_server sipp-b1.out "$SCEN/uas_ring.xml" -m $CALLS; then
		B1_PID=$SIPP_PID routes="sip:$LO:$SIPP_PORT"
		ok=1
		if [ "$3" = 2 ]; then
			if start_sipp_server sipp-b2.out "$SCEN/uas_ring.xml" -m $CALLS; then
				B2_PID=$SIPP_PID routes="$routes,sip:$LO:$SIPP_PORT"
			else ok=0; fi
		fi
		if [ $ok = 1 ] && start_proxy --workers "$2" --t1 100 --route "bob=$routes"; then
			run_calls "$SCEN/uac_cancel.xml" bob sipp-a.out -d 200
			check_sipp caller sipp-a.out $? $CALLS
			wait_bounded "$B1_PID" 10
			check_sipp "callee 1" sipp-b1.out $? $CALLS
			if [ "$3" = 2 ]; then
				wait_bounded "$B2_PID" 10
				check_sipp "callee 2" sipp-b2.out $? $CALLS
				for f in uas_ring_*_messages.log; do
					n=$(sipp_received "$f" CANCEL)
					[ "$n" = $CALLS ] || bad "${f%%_messages.log}: $n CANCELs, expected $CALLS"
				done
			fi
			wait_idle
			stat_is calls $CALLS
			stat_is cancelled $CALLS
			stat_is sent_481 0
			stat_is handoff_503 0
			stat_is shed_503 0
			stat_is workers "$2"
			check_spread
			check_no_pending
			stop_proxy
		fi
	fi
	verdict
}

answer_case() {
	begin answer-4
	need_sipp || { verdict; return; }
	if start_sipp_server sipp-b.out "$SCEN/uas_answer.xml" -m $CALLS -d 100; then
		B_PID=$SIPP_PID
		if start_proxy --workers 4 --t1 100 --record-route --route "bob=sip:$LO:$SIPP_PORT"; then
			run_calls "$SCEN/uac_call.xml" bob sipp-a.out -d 100
			check_sipp caller sipp-a.out $? $CALLS
			wait_bounded "$B_PID" 10
			check_sipp callee sipp-b.out $? $CALLS
			wait_idle
			stat_is calls $CALLS
			stat_is sent_481 0
			stat_is handoff_503 0
			check_spread
			check_no_pending
			stop_proxy
		fi
	fi
	verdict
}

stop_case() {
	begin stop-4
	need_sipp || { verdict; return; }
	if start_sipp_server sipp-b.out "$SCEN/uas_ring.xml" -m 1000; then
		if start_proxy --workers 4 --t1 100 --route "one=sip:$LO:$SIPP_PORT"; then
			# uac_cancel_503.xml: a call ends cancelled, or rejected 503 (a stopped
			# worker's); one released while ringing ends with an unexpected 503
			alloc 5
			# shellcheck disable=SC2046
			timeout -k 5 40 sipp "$LO:$PROXY_PORT" -sf "$root/bench/proxy/uac_cancel_503.xml" -s one \
				-t un -max_socket 300 -m 120 -r 40 -l 200 -d 300 $(sipp_opts "$PORT") </dev/null >sipp-a.out 2>&1 &
			A_PID=$!
			pids="$pids $A_PID"
			sleep 1
			"$SIPKIT" ctl -s "$CTL" worker stop 1 >stop.out 2>&1 || bad "ctl worker stop 1 failed"
			wait_bounded "$A_PID" 30
			st=$?
			[ $st = 0 ] || [ $st = 1 ] || bad "the caller's sipp exit $st"
			ok=$(sipp_count sipp-a.out "Successful call")
			failed=$(sipp_count sipp-a.out "Failed call")
			released=$(sed -n 's/.*worker 1 stopping: \([0-9]*\) pending calls released/\1/p' proxy.err)
			[ -n "$released" ] || bad "worker 1 did not say it stopped"
			[ "$((ok + failed))" = 120 ] || bad "$ok + $failed calls ended, expected 120"
			# the only failures: calls released while ringing (an unexpected 503)
			[ "$failed" -le "${released:-0}" ] || bad "$failed failed calls, $released released"
			if cat uac_cancel_503_*_errors.log 2>/dev/null | grep -qi 'timeout\|retrans'; then
				bad "a call timed out: $(grep -hi 'timeout\|retrans' uac_cancel_503_*_errors.log | head -1)"
			fi
			sleep 2.5 # the stopped worker's sockets close within 2 s
			wait_idle
			grep -q '^worker 1 stopped' ctl-stats.out || bad "ctl stats: worker 1 not stopped"
			stat_is workers_running 3
			stat_is sent_481 0
			# its Call-IDs got 503 from the others, and the others carried calls
			r=$(($(stat_of ctl-stats.out handoff_503) + ${released:-0}))
			[ "$r" -gt 0 ] || bad "no call of worker 1 refused or released"
			used=$(awk '$1 == "worker" && $3 == "running" && $5 > 0 {n++} END {print n + 0}' ctl-stats.out)
			[ "$used" -ge 2 ] || bad "only $used running worker(s) handled calls"
			check_no_pending
			stop_proxy
		fi
	fi
	verdict
}

# a phone reached only over the TCP connection it registered on (docs/workers.md, "A
# call to a connection another worker owns")
nat_tcp_case() { # name workers
	begin "$1"
	K=16
	alloc 1
	TCP_PORT=$PORT
	if start_proxy --workers "$2" --t1 100 --domain sipkit.test -l "tcp:$LO:$TCP_PORT"; then
		rm -f ready
		timeout -k 5 60 python3 "$here/wsphone.py" serve ring "tcp:$LO:$TCP_PORT" natted \
			sipkit.test ready $K >phone.out 2>phone.err &
		ph=$!
		pids="$pids $ph"
		n=0
		while [ ! -f ready ] && running $ph && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
		if [ -f ready ]; then
			timeout -k 5 40 "$SIPKIT" call sip:natted@sipkit.test --route "sip:$LO:$PROXY_PORT;lr" \
				-l "udp:$LO:0" --calls $K --rate 20 --cancel-after 300 --json >calls.out 2>calls.err
			st=$?
			[ $st = 0 ] || bad "sipkit call exit $st, expected 0: $(grep -v '"status":487' calls.out | head -1)"
			n=$(grep -c '"outcome":"cancelled"' calls.out)
			[ "$n" = $K ] || bad "$n of $K calls cancelled"
			wait_bounded $ph 20
			st=$?
			[ $st = 0 ] || bad "the phone exit $st: $(cat phone.err)"
			[ "$(cat phone.out)" = $K ] || bad "the phone served $(cat phone.out) calls, expected $K"
			wait_idle
			stat_is tcp_opened 1
			stat_is sent_481 0
			stat_is sent_across_gone 0
			[ "$(stat_of ctl-stats.out sent_across)" -gt 0 ] ||
				bad "nothing was sent across to the worker holding the connection"
			used=$(awk '$1 == "worker" && $5 > 0 {n++} END {print n + 0}' ctl-stats.out)
			[ "$used" -ge 2 ] || bad "only $used worker(s) handled calls"
			check_no_pending
		else
			bad "the phone did not register over TCP: $(cat phone.err)"
		fi
		stop_proxy
	fi
	verdict
}

all="cancel-2 cancel-4 fork-2 answer-4 nat-tcp-2 nat-tcp-4 stop-4"

run_case() {
	PROXY_PID=""
	case $1 in
	cancel-2) cancel_case cancel-2 2 1 ;;
	cancel-4) cancel_case cancel-4 4 1 ;;
	fork-2) cancel_case fork-2 2 2 ;;
	answer-4) answer_case ;;
	nat-tcp-2) nat_tcp_case nat-tcp-2 2 ;;
	nat-tcp-4) nat_tcp_case nat-tcp-4 4 ;;
	stop-4) stop_case ;;
	*) echo "FAIL $1: no such case (cases: $all)"; fail=$((fail + 1)) ;;
	esac
	cleanup
}

if [ $# -gt 0 ]; then
	for c in "$@"; do run_case "$c"; done
else
	for c in $all; do run_case "$c"; done
fi

echo "interop-workers: $pass passed, $fail failed"
[ "$fail" = 0 ]
