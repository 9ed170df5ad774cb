#!/bin/sh
# SIP over WebSocket (RFC 7118) through `sipkit proxy -l ws:`, with a phone that
# speaks WebSocket as a browser does (tests/interop/wsphone.py: masked frames, a
# Contact at a .invalid host), all on loopback, every process bounded and
# stopped by its PID.
#
#   ws-ring-cancel  the phone registers over WebSocket; `sipkit call` calls it
#                   through the proxy and cancels while it rings: cancelled (487),
#                   the proxy's trace checked by `sipkit check` (cancelled cleanly,
#                   no finding); the phone then closes its connection, and a
#                   second call to it gets 480 at once (its binding is tied to
#                   the connection, RFC 7118 §5), with the Warning saying why
#   ws-answer-bye   the proxy record-routes; the phone answers a call from
#                   `sipkit call`, and the caller's ACK and BYE, sent to the phone's
#                   .invalid Contact through the proxy, reach it over its connection
#                   (the flow token in the proxy's Record-Route, RFC 7118 §5, RFC 5626
#                   §5.3); the proxy's capture checked: answered, no finding
#   ws-bad-frames   an unmasked frame is answered with close 1002, a frame of
#                   2^62 bytes with 1009, and the proxy serves on
#
#   sh tests/interop/ws.sh [CASE...]
set -u

here=$(cd "$(dirname "$0")" && pwd)
suite=interop-ws
PORT_SEED=17
# shellcheck source=tests/interop/proxy_lib.sh
. "$here/proxy_lib.sh"
PHONE="python3 $here/wsphone.py"

# start_ws_proxy: the proxy on udp $PROXY_PORT and ws $WS_PORT
start_ws_proxy() {
	alloc 2
	PROXY_PORT=$PORT
	WS_PORT=$((PORT + 1))
	CTL=$dir/ctl.sock
	start_bg proxy 2 proxy -l "udp:$LO:$PROXY_PORT" -l "ws:$LO:$WS_PORT" --ctl "$CTL" \
		--ladder --trace proxy.pcap "$@"
	st=$?
	PROXY_PID=$BG_PID
	return $st
}

ws_ring_cancel() {
	begin ws-ring-cancel
	start_ws_proxy --domain sipkit.test || { verdict; return; }
	timeout -k 5 20 $PHONE ring "$LO:$WS_PORT" alice sipkit.test ready >phone.out 2>phone.err &
	ph=$!
	pids="$pids $ph"
	n=0
	while [ ! -f ready ] && running $ph && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	[ -f ready ] || bad "the WebSocket phone did not register"
	timeout -k 5 20 "$SIPKIT" call sip:alice@sipkit.test --route "sip:$LO:$PROXY_PORT;lr" -l "udp:$LO:0" \
		--cancel-after 300 --json >call1.out 2>call1.err
	st=$?
	[ $st = 0 ] || bad "sipkit call exit $st, expected 0 (cancelled)"
	grep -q '"outcome":"cancelled"' call1.out || bad "the call was not cancelled"
	wait_bounded $ph 10
	st=$?
	[ $st = 0 ] || bad "the WebSocket phone exit $st: $(cat phone.err)"
	# the binding is still there, its connection is not: 480 at once
	t0=$(date +%s%N)
	timeout -k 5 20 "$SIPKIT" call sip:alice@sipkit.test --route "sip:$LO:$PROXY_PORT;lr" -l "udp:$LO:0" \
		--cancel-after 3000 --json --trace call2.log >call2.out 2>call2.err
	t1=$(date +%s%N)
	grep -q '"status":480' call2.out || bad "the call to the closed connection did not get 480"
	[ $(((t1 - t0) / 1000000)) -lt 2500 ] || bad "the 480 took $(((t1 - t0) / 1000000)) ms"
	grep -q "Warning: 399 sipkit.test \"the contact's WebSocket connection is closed\"" call2.log ||
		bad "the 480 has no Warning saying why"
	stop_proxy
	"$SIPKIT" check --json --no-progress proxy.pcap >check.out 2>check.err
	grep -q '"outcome":"cancelled cleanly"' check.out || bad "sipkit check: the call is not cancelled cleanly"
	grep -q '"errors":0,"warnings":0' check.out || bad "sipkit check found errors or warnings"
	verdict
}

ws_answer_bye() {
	begin ws-answer-bye
	start_ws_proxy --domain sipkit.test --record-route || { verdict; return; }
	timeout -k 5 20 $PHONE answer "$LO:$WS_PORT" alice sipkit.test ready >phone.out 2>phone.err &
	ph=$!
	pids="$pids $ph"
	n=0
	while [ ! -f ready ] && running $ph && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	[ -f ready ] || bad "the WebSocket phone did not register"
	timeout -k 5 20 "$SIPKIT" call sip:alice@sipkit.test --route "sip:$LO:$PROXY_PORT;lr" -l "udp:$LO:0" \
		--hangup-after 300 --json >call.out 2>call.err
	st=$?
	[ $st = 0 ] || bad "sipkit call exit $st, expected 0 (answered and hung up)"
	grep -q '"outcome":"answered"' call.out || bad "the call was not answered"
	wait_bounded $ph 10
	st=$?
	[ $st = 0 ] || bad "the WebSocket phone exit $st: $(cat phone.err)"
	stop_proxy
	"$SIPKIT" check --json --no-progress proxy.pcap >check.out 2>check.err
	grep -q '"outcome":"answered"' check.out || bad "sipkit check: the call is not answered"
	grep -q '"errors":0,"warnings":0' check.out || bad "sipkit check found errors or warnings"
	verdict
}

ws_bad_frames() {
	begin ws-bad-frames
	start_ws_proxy || { verdict; return; }
	code=$(timeout -k 5 15 $PHONE raw "$LO:$WS_PORT" 810548656c6c6f 2>raw1.err)
	[ "$code" = 1002 ] || bad "an unmasked frame got '$code', expected close 1002"
	code=$(timeout -k 5 15 $PHONE raw "$LO:$WS_PORT" 82ff400000000000000001020304 2>raw2.err)
	[ "$code" = 1009 ] || bad "a frame of 2^62 bytes got '$code', expected close 1009"
	ctl_stats
	stat_is ws_bad_frames 2
	stop_proxy
	verdict
}

all="ws-ring-cancel ws-answer-bye ws-bad-frames"
run_case() {
	PROXY_PID=""
	case $1 in
	ws-ring-cancel) ws_ring_cancel ;;
	ws-answer-bye) ws_answer_bye ;;
	ws-bad-frames) ws_bad_frames ;;
	*) echo "FAIL $1: no such case (cases: $all)"; fail=$((fail + 1)) ;;
	esac
	cleanup
}
if [ $# -gt 0 ]; then
	for c in "$@"; do run_case "$c"; done
else
	for c in $all; do run_case "$c"; done
fi
echo "interop-ws: $pass passed, $fail failed"
[ "$fail" = 0 ]
