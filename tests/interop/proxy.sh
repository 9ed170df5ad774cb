#!/bin/sh
# Interoperability tests of `sipkit proxy` (the stateful forking proxy) with
# SIPp (Debian's sip-tester) and Kamailio 5.6 (Debian's kamailio) on loopback:
#
#   fork-cancel               SIPp caller (uac_cancel.xml) -> sipkit proxy -> two
#                             SIPp callees (uas_ring.xml); the caller cancels while
#                             both ring: each callee gets one CANCEL, the caller
#                             200 and one 487; ctl stats: cancelled 1,
#                             cancels_sent 2, absorbed_487 1; nothing pending
#   fork-answer-reason        SIPp caller (uac_call.xml) -> sipkit proxy
#                             (--record-route) -> `sipkit uas --answer-after 200`
#                             and SIPp uas_ring_reason.xml, which checks that the
#                             CANCEL it gets carries
#                             Reason: SIP;cause=200;text="Call completed elsewhere"
#   fork-answer-reason-wrong  the same with a copy of uas_ring_reason.xml that
#                             expects another text: its SIPp must fail (the
#                             check can fail)
#   kamailio-after-sipkit     sipkit call -> sipkit proxy -> Kamailio -> sipkit uas
#   kamailio-before-sipkit    sipkit call -> Kamailio -> sipkit proxy -> sipkit uas
#                             both cancelled while ringing (--cancel-after 300,
#                             --no-answer): `result: cancelled (487)`, the callee
#                             cancelled with the caller's Reason, pending 0
#   overload                  SIPp at 3000 cancelled calls/s for 2 s (503 to
#                             some, the proxy stays up), then 60 calls at 20/s:
#                             all complete, none shed
#   event-log-live            `sipkit call` cancels a call through the proxy (no
#                             --ladder): its event line is in the proxy's output
#                             within 1 s, while the proxy runs
#
# Kamailio runs in the foreground (-DD -E) with tests/interop/kamailio/kamailio.cfg
# (derived from ../shared/peers/kamailio/kamailio.cfg, its ports filled in
# here with sed) and its own -Y runtime directory.
#
# Every process listens and sends on 127.0.0.1 only, on ports picked free
# (from a base derived from $$, checked with ss), and runs under `timeout`
# (SIPp also under -timeout, -recv_timeout and -m). Background processes and
# their children are killed on exit, failure or not. Logs go to a temporary
# directory, removed at the end (KEEP=1 keeps it and prints where). About 10 s.
#
# One line per case, `PASS name` or `FAIL name: reasons` followed by the
# relevant log excerpts, then `interop-proxy: N passed, M failed`; exit 1 on
# any failure. Without sipp (sip-tester) or kamailio the cases that need them
# fail (the Makefile's deps mechanism installs both).
#
#   sh tests/interop/proxy.sh [CASE...]
#   SIPKIT=build/sipkit KAMAILIO=/usr/sbin/kamailio sh tests/interop/proxy.sh
#
# By default build/asan/sipkit (ASan+UBSan) when it exists, else build/sipkit.
# A sanitizer build runs with halt_on_error/abort_on_error, and any sanitizer
# report in a sipkit stderr fails the case; the proxy must also exit 0 on a
# TERM (sent to sipkit itself, not to its `timeout`: see term_child).
set -u

here=$(cd "$(dirname "$0")" && pwd)
suite=interop-proxy
PORT_SEED=7
# shellcheck source=tests/interop/proxy_lib.sh
. "$here/proxy_lib.sh"

# ---- cases ------------------------------------------------------------------

# a. the caller cancels a call forked to two ringing SIPp callees
fork_cancel() {
	begin fork-cancel
	need_sipp || { verdict; return; }
	if start_sipp_server sipp-b1.out "$SCEN/uas_ring.xml" -m 1; then
		B1_PID=$SIPP_PID B1_PORT=$SIPP_PORT
		if start_sipp_server sipp-b2.out "$SCEN/uas_ring.xml" -m 1; then
			B2_PID=$SIPP_PID B2_PORT=$SIPP_PORT
			if start_proxy --route "bob=sip:$LO:$B1_PORT,sip:$LO:$B2_PORT"; then
				alloc 5
				# shellcheck disable=SC2046
				timeout -k 5 20 sipp "$LO:$PROXY_PORT" -sf "$SCEN/uac_cancel.xml" -s bob -m 1 -d 300 -nd \
					$(sipp_opts "$PORT") </dev/null >sipp-a.out 2>&1
				check_sipp "caller" sipp-a.out $? 1
				wait_bounded "$B1_PID" 5
				check_sipp "callee 1" sipp-b1.out $? 1
				wait_bounded "$B2_PID" 5
				check_sipp "callee 2" sipp-b2.out $? 1
				# each callee saw exactly one CANCEL (the logs are named after
				# SIPp's pid: the callees' are the two uas_ring logs)
				nlogs=0
				for f in uas_ring_*_messages.log; do
					[ -f "$f" ] || continue
					nlogs=$((nlogs + 1))
					n=$(sipp_received "$f" CANCEL)
					[ "$n" = 1 ] || bad "${f%%_messages.log}: $n CANCELs received, expected 1"
				done
				[ $nlogs = 2 ] || bad "$nlogs callee message logs, expected 2"
				n=$(cat uac_cancel_*_messages.log 2>/dev/null | tr -d '\r' | grep -c '^SIP/2.0 487 ')
				[ "$n" -ge 1 ] || bad "the caller got no 487"
				ctl_stats
				stat_is cancelled 1
				stat_is cancels_sent 2
				stat_is absorbed_487 1
				check_no_pending
				stop_proxy
				check_trace "cancelled cleanly"
			fi
		fi
	fi
	verdict
}

# b. one branch answers: the other is cancelled with Reason 200 "Call
# completed elsewhere", checked by SIPp (uas_ring_reason.xml, or a copy that
# expects another text when $1 = wrong, which must fail)
fork_answer_reason() {
	if [ "$1" = wrong ]; then begin fork-answer-reason-wrong; else begin fork-answer-reason; fi
	need_sipp || { verdict; return; }
	sf=$SCEN/uas_ring_reason.xml
	if [ "$1" = wrong ]; then
		sed 's/Call completed elsewhere/Call completed nowhere/' "$sf" >uas_ring_reason.xml
		grep -q 'Call completed nowhere' uas_ring_reason.xml || bad "cannot make the wrong copy"
		sf=$dir/uas_ring_reason.xml
	fi
	alloc 1
	A_PORT=$PORT
	if start_bg uas 1 uas -l "udp:$LO:$A_PORT" --answer-after 200 --calls 1 &&
		{ A_PID=$BG_PID; start_sipp_server sipp-b.out "$sf" -m 1; }; then
		B_PID=$SIPP_PID B_PORT=$SIPP_PORT
		if start_proxy --record-route --route "bob=sip:$LO:$A_PORT,sip:$LO:$B_PORT"; then
			alloc 5
			# shellcheck disable=SC2046
			timeout -k 5 20 sipp "$LO:$PROXY_PORT" -sf "$SCEN/uac_call.xml" -s bob -m 1 -d 200 -nd \
				$(sipp_opts "$PORT") </dev/null >sipp-a.out 2>&1
			check_sipp "caller" sipp-a.out $? 1
			wait_bounded "$A_PID" 5
			st=$?
			[ $st = 0 ] || bad "sipkit uas (A) exit $st, expected 0 after --calls 1"
			grep -q '^call 1 from .*: answered (200), BYE after [0-9]* ms' uas.out ||
				bad "sipkit uas (A) has no 'answered (200), BYE after' line"
			wait_bounded "$B_PID" 5
			st=$?
			if [ "$1" = wrong ]; then
				[ $st = 1 ] || bad "SIPp B expecting another Reason text: exit $st, expected 1"
				grep -q 'Failed regexp match' uas_ring_reason_*_errors.log 2>/dev/null ||
					bad "SIPp B expecting another Reason text logged no 'Failed regexp match'"
			else
				check_sipp "callee B (uas_ring_reason.xml)" sipp-b.out $st 1
				grep -qF "CANCEL Reason OK: $REASON_200" uas_ring_reason_*_logs.log 2>/dev/null ||
					bad "SIPp B did not log the checked Reason"
			fi
			n=$(sipp_received uas_ring_reason_*_messages.log CANCEL)
			[ "$n" = 1 ] || bad "callee B received $n CANCELs, expected 1"
			ctl_stats
			stat_is cancelled 0
			stat_is cancels_sent 1
			check_no_pending
			stop_proxy
			[ "$1" = wrong ] || check_trace answered
		fi
	fi
	verdict
}

# c. Kamailio and sipkit proxy chained, either order; the caller cancels
kamailio_chain() { # name order(sipkit-first|kamailio-first) [100rel]
	begin "$1"
	# with 100rel (RFC 3262): the callee requires it, the caller supports it, and
	# the reliable 180 and its PRACK pass both proxies before the CANCEL
	rel_uas="" rel_call=""
	if [ "${3:-}" = 100rel ]; then rel_uas="--100rel required" rel_call="--100rel supported"; fi
	need_kamailio || { verdict; return; }
	reason='Q.850;cause=16;text="Normal call clearing"'
	alloc 1
	U_PORT=$PORT
	ok=0
	# shellcheck disable=SC2086
	if start_bg uas 1 uas -l "udp:$LO:$U_PORT" --no-answer --calls 1 $rel_uas; then
		U_PID=$BG_PID
		if [ "$2" = sipkit-first ]; then
			# call -> sipkit proxy (bob -> sip:one@kamailio) -> Kamailio (one -> uas)
			start_kamailio "$U_PORT" "$U_PORT" &&
				start_proxy --route "bob=sip:one@$LO:$KAM_PORT" && ok=1
			target="sip:bob@$LO:$PROXY_PORT"
		else
			# call -> Kamailio (one -> sipkit proxy) -> sipkit proxy (one -> uas)
			start_proxy --route "one=sip:$LO:$U_PORT" &&
				start_kamailio "$PROXY_PORT" "$PROXY_PORT" && ok=1
			target="sip:one@$LO:$KAM_PORT"
		fi
		if [ $ok = 1 ]; then
			# shellcheck disable=SC2086
			timeout -k 5 20 "$SIPKIT" call "$target" --cancel-after 300 --reason "$reason" \
				--trace call.pcap $rel_call >call.out 2>call.err
			st=$?
			[ $st = 0 ] || bad "sipkit call exit $st, expected 0"
			if [ -n "$rel_call" ]; then
				grep -qE ' --> .* PRACK sip:.*\(CSeq 2 PRACK\)' call.out || bad "no PRACK in the caller's ladder"
				grep -qE ' <-- .* SIP/2.0 200 OK  \(CSeq 2 PRACK\)' call.out || bad "no 200 to the PRACK in the caller's ladder"
			fi
			grep -qx 'result: cancelled (487)' call.out || bad "no 'result: cancelled (487)' from sipkit call"
			wait_bounded "$U_PID" 5
			st=$?
			[ $st = 0 ] || bad "sipkit uas exit $st, expected 0 after --calls 1"
			grep -qF "cancelled by the caller after" uas.out || bad "the callee's log has no 'cancelled by the caller'"
			grep -qF "(487 sent), Reason: $reason" uas.out ||
				bad "the callee did not get the caller's Reason through both proxies"
			grep -q "1 calls: 0 answered, 1 cancelled, 0 rejected, 0 timed out, 0 failed" uas.err ||
				bad "uas summary is not '1 calls: 0 answered, 1 cancelled, ...'"
			ctl_stats
			stat_is cancelled 1
			stat_is cancels_sent 1
			check_no_pending
		fi
		[ -n "${PROXY_PID:-}" ] && running "$PROXY_PID" && stop_proxy
		[ -n "${KAM_PID:-}" ] && running "$KAM_PID" && stop_kamailio
		if [ $ok = 1 ]; then # the caller's capture and the sipkit proxy's: nothing wrong
			check_trace "cancelled cleanly" call.pcap
			check_trace "cancelled cleanly" proxy.pcap
		fi
	fi
	PROXY_PID="" KAM_PID=""
	verdict
}

# f. overload (a small-scale make bench-proxy-overload): SIPp offers 3000
# cancelled calls a second for 2 s, far beyond what the sanitizer build carries,
# through a proxy whose overload threshold is low (--overload-queue-kb 64): it
# must answer some calls 503 and stay up; once the load has passed (ctl stats
# overloaded 0), 60 calls at 20 a second must all complete, none shed. One worker
# (--workers 1): the threshold is that of one socket's queue, and the test times
# the load's end on one loop (tests/interop/workers.sh loads several)
overload() {
	begin overload
	need_sipp || { verdict; return; }
	if start_sipp_server sipp-b.out "$SCEN/uas_ring.xml" -m 100000 -bind_local; then
		B_PORT=$SIPP_PORT
		if start_proxy --route "one=sip:$LO:$B_PORT" --overload-queue-kb 64 --workers 1; then
			alloc 5
			# shellcheck disable=SC2046
			timeout -k 5 40 sipp "$LO:$PROXY_PORT" -sf "$root/bench/proxy/uac_cancel_503.xml" -s one \
				-r 3000 -m 6000 -d 100 -l 20000 $(sipp_opts "$PORT") </dev/null >sipp-1.out 2>&1
			ctl_stats
			shed=$(awk '$1 == "shed_503" {print $2}' ctl-stats.out)
			[ "${shed:-0}" -gt 0 ] || bad "no call answered 503 at 3000 calls/s"
			n=0
			until grep -qx 'overloaded 0' ctl-stats.out; do
				[ $n -ge 50 ] && { bad "still overloaded 5 s after the load"; break; }
				sleep 0.1
				n=$((n + 1))
				ctl_stats
			done
			alloc 5
			# shellcheck disable=SC2046
			timeout -k 5 40 sipp "$LO:$PROXY_PORT" -sf "$SCEN/uac_cancel.xml" -s one \
				-r 20 -m 60 -d 100 $(sipp_opts "$PORT") </dev/null >sipp-2.out 2>&1
			check_sipp "after the overload" sipp-2.out $? 60
			ctl_stats
			stat_is shed_503 "$shed"
			stop_proxy
		fi
	fi
	verdict
}

# h. the event log without --ladder (whose lines are written one by one): the
# call's line is out within 1 s while the proxy runs, not held until it exits
# (a pass's lines are written at most 50 ms later, cli/proxy.c)
event_log_live() {
	begin event-log-live
	alloc 2
	UAS_PORT=$PORT PROXY_PORT=$((PORT + 1))
	if start_bg uas 1 uas -l "udp:$LO:$UAS_PORT" --no-answer &&
		start_bg proxy 1 proxy -l "udp:$LO:$PROXY_PORT" --route "bob=sip:$LO:$UAS_PORT"; then
		PROXY_PID=$BG_PID
		timeout -k 5 20 "$SIPKIT" call "sip:bob@$LO:$PROXY_PORT" --cancel-after 300 \
			>call.out 2>call.err
		grep -q '^result: cancelled' call.out || bad "no 'result: cancelled' line from sipkit call"
		n=0
		until grep -q '^ts=.* event=call .*outcome=cancelled' proxy.out; do
			if [ $n -ge 10 ]; then
				bad "no event line for the call in proxy.out 1 s after it ended"
				break
			fi
			sleep 0.1
			n=$((n + 1))
		done
		running "$PROXY_PID" || bad "the proxy is not running any more"
		stop_proxy
	fi
	verdict
}

# ---- run ---------------------------------------------------------------------
all="fork-cancel fork-answer-reason fork-answer-reason-wrong kamailio-after-sipkit kamailio-before-sipkit \
kamailio-prack overload event-log-live"

run_case() {
	PROXY_PID="" KAM_PID=""
	case $1 in
	fork-cancel) fork_cancel ;;
	fork-answer-reason) fork_answer_reason right ;;
	fork-answer-reason-wrong) fork_answer_reason wrong ;;
	kamailio-after-sipkit) kamailio_chain kamailio-after-sipkit sipkit-first ;;
	kamailio-before-sipkit) kamailio_chain kamailio-before-sipkit kamailio-first ;;
	kamailio-prack) kamailio_chain kamailio-prack sipkit-first 100rel ;;
	overload) overload ;;
	event-log-live) event_log_live ;;
	*) echo "FAIL $1: no such case (cases: $all)"; fail=$((fail + 1)) ;;
	esac
	# nothing of a case outlives it
	cleanup
}

if [ $# -gt 0 ]; then
	for c in "$@"; do run_case "$c"; done
else
	for c in $all; do run_case "$c"; done
fi

echo "interop-proxy: $pass passed, $fail failed"
[ "$fail" = 0 ]
