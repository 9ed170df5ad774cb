#!/bin/sh
# Kamailio 5.6's websocket module (Debian kamailio-websocket-modules, with xhttp
# for the HTTP upgrade) chained with `sipkit proxy`, both ways, with the phone
# that speaks WebSocket as a browser does (tests/interop/wsphone.py), on
# loopback, every process bounded and stopped by its PID. Kamailio's config is
# written by the test from tests/interop/kamailio/kamailio-ws.cfg.
#
#   kamailio-ws-edge   Kamailio is the WebSocket edge: the phone registers over
#                      WebSocket at Kamailio (its usrloc: sipkit's registrar has
#                      no Path, RFC 3327, so the registration ends at the edge);
#                      `sipkit call` calls it through sipkit proxy (UDP, a static
#                      route of the user to Kamailio) -> Kamailio -> the phone's
#                      WebSocket, and cancels while it rings: the phone sees the
#                      CANCEL and answers 487, the caller gets 487; `sipkit check`
#                      on the proxy's trace: cancelled cleanly, no finding
#   sipkit-ws-edge     sipkit proxy is the WebSocket edge (-l ws:, its registrar),
#                      Kamailio behind it over UDP: `sipkit call` -> Kamailio ->
#                      sipkit proxy -> the phone's WebSocket, cancelled while it
#                      rings; the same checks
#
#   sh tests/interop/kamailio_ws.sh [CASE...]
set -u

here=$(cd "$(dirname "$0")" && pwd)
suite=interop-kamailio-ws
PORT_SEED=23
# shellcheck source=tests/interop/proxy_lib.sh
. "$here/proxy_lib.sh"
PHONE="python3 $here/wsphone.py"

need_ws_module() {
	need_kamailio || return 1
	ls /usr/lib/*/kamailio/modules/websocket.so >/dev/null 2>&1 && return 0
	bad "Kamailio's websocket module is not installed (Debian package kamailio-websocket-modules)"
	return 1
}

# alloc_kamailio: its ports, udp $KAM_PORT and WebSocket $KAM_WS_PORT (before the proxy
# starts, which routes to it)
alloc_kamailio() {
	alloc 2
	KAM_PORT=$PORT KAM_WS_PORT=$((PORT + 1))
}

# start_kamailio_ws NEXT_PORT WS_USER: Kamailio on its ports (alloc_kamailio);
# requests for WS_USER are looked up in its usrloc, the others go to
# 127.0.0.1:NEXT_PORT over UDP
start_kamailio_ws() {
	mkdir -p "$dir/kamrun"
	sed "s/@KAM_PORT@/$KAM_PORT/g; s/@KAM_WS_PORT@/$KAM_WS_PORT/g; s/@NEXT_PORT@/$1/g;
	     s/@WS_USER@/$2/g; s|@RUNDIR@|$dir/kamrun|g" "$here/kamailio/kamailio-ws.cfg" >kamailio.cfg
	timeout -k 5 30 "$KAMAILIO" -DD -E -f "$dir/kamailio.cfg" -Y "$dir/kamrun" -m 64 -M 8 \
		</dev/null >kamailio.log 2>&1 &
	KAM_PID=$!
	pids="$pids $KAM_PID"
	n=0
	until listening udp "$KAM_PORT" && listening tcp "$KAM_WS_PORT"; do
		if ! running $KAM_PID || [ $n -ge 50 ]; then
			bad "kamailio did not start listening on udp:$LO:$KAM_PORT and tcp:$LO:$KAM_WS_PORT"
			return 1
		fi
		sleep 0.1
		n=$((n + 1))
	done
	return 0
}

# phone_up HOST:PORT: the WebSocket phone registers alice@sipkit.test there and rings
# for the first INVITE (pid $ph)
phone_up() {
	WSPHONE_LOG=$dir/phone.log timeout -k 5 20 $PHONE ring "$1" alice sipkit.test ready \
		>phone.out 2>phone.err &
	ph=$!
	pids="$pids $ph"
	n=0
	while [ ! -f ready ] && running $ph && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	[ -f ready ] || { bad "the WebSocket phone did not register at $1: $(cat phone.err)"; return 1; }
}

# call_cancel NEXT_HOP: sipkit call to alice through NEXT_HOP, cancelled while it rings
call_cancel() {
	timeout -k 5 20 "$SIPKIT" call sip:alice@sipkit.test --route "sip:$1;lr" -l "udp:$LO:0" \
		--cancel-after 400 --reason 'SIP;cause=487;text="kamailio ws test"' --json \
		>call.out 2>call.err
	st=$?
	[ $st = 0 ] || bad "sipkit call exit $st, expected 0 (cancelled)"
	grep -q '"outcome":"cancelled"' call.out || bad "the call was not cancelled"
	grep -q '"status":487' call.out || bad "the caller did not get 487"
	wait_bounded $ph 10
	st=$?
	[ $st = 0 ] || bad "the WebSocket phone (CANCEL, 487, ACK, close) exit $st: $(cat phone.err)"
	# RFC 3326: the caller's Reason reaches the phone on the CANCEL, through both proxies
	awk '/^<<< /{m=0} /^CANCEL sip:/{m=1} m' phone.log | grep -q 'text="kamailio ws test"' ||
		bad "the phone's CANCEL has not the caller's Reason"
}

finish_case() {
	[ -n "${PROXY_PID:-}" ] && running "$PROXY_PID" && stop_proxy
	[ -n "${KAM_PID:-}" ] && running "$KAM_PID" && stop_kamailio
	check_trace "cancelled cleanly" proxy.pcap
	PROXY_PID="" KAM_PID=""
	verdict
}

kamailio_ws_edge() {
	begin kamailio-ws-edge
	need_ws_module || { verdict; return; }
	alloc_kamailio
	start_proxy --domain sipkit.test --route "alice=sip:alice@$LO:$KAM_PORT" || { verdict; return; }
	start_kamailio_ws "$PROXY_PORT" alice || { finish_case; return; }
	if phone_up "$LO:$KAM_WS_PORT"; then
		call_cancel "$LO:$PROXY_PORT"
		grep -q "UDP  INVITE sip:alice@$LO:$KAM_PORT" proxy.out ||
			bad "the proxy did not forward the INVITE to Kamailio"
		grep -q "UDP  CANCEL sip:alice@$LO:$KAM_PORT" proxy.out ||
			bad "the proxy did not cancel its branch to Kamailio"
		after_close
		ctl_stats
		stat_is cancelled 1
		check_no_pending
	fi
	finish_case
}

# after_close: the phone has closed its connection; a call to it now must end at once with
# a final of its own (sipkit: 480 with a Warning; what Kamailio answers is kept in
# after-close.txt for the comparison)
after_close() {
	t0=$(date +%s%N)
	timeout -k 5 20 "$SIPKIT" call sip:alice@sipkit.test --route "sip:$LO:$PROXY_PORT;lr" \
		-l "udp:$LO:0" --cancel-after 8000 --json >call-closed.out 2>call-closed.err
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	status=$(grep -o '"status":[0-9]*' call-closed.out | head -n 1 | cut -d: -f2)
	echo "status ${status:-none} after $ms ms" >after-close.txt
	[ "${status:-0}" -ge 400 ] || bad "a call to the closed connection: status '${status:-none}', expected a failure"
	[ "${status:-0}" = 487 ] && bad "a call to the closed connection rang until cancelled"
	[ "$ms" -lt 5000 ] || bad "a call to the closed connection took $ms ms to fail"
}

sipkit_ws_edge() {
	begin sipkit-ws-edge
	need_ws_module || { verdict; return; }
	alloc 2
	PROXY_PORT=$PORT WS_PORT=$((PORT + 1))
	CTL=$dir/ctl.sock
	# one worker: one loop's ladder, in order (several serve a phone on ws as well: ws.sh
	# ws-workers-2, ws-workers-4)
	start_bg proxy 2 proxy -l "udp:$LO:$PROXY_PORT" -l "ws:$LO:$WS_PORT" --domain sipkit.test \
		--workers 1 --ctl "$CTL" --ladder --trace proxy.pcap || { verdict; return; }
	PROXY_PID=$BG_PID
	alloc_kamailio
	start_kamailio_ws "$PROXY_PORT" nobody || { finish_case; return; }
	if phone_up "$LO:$WS_PORT"; then
		call_cancel "$LO:$KAM_PORT"
		grep -q "WS  INVITE sip:alice@" proxy.out || bad "the proxy did not send the INVITE over WS"
		grep -q "WS  CANCEL sip:alice@" proxy.out || bad "the proxy did not send the CANCEL over WS"
		grep -q "UDP  INVITE sip:alice@sipkit.test" proxy.out ||
			bad "the INVITE did not come from Kamailio over UDP"
		PROXY_PORT_SAVED=$PROXY_PORT PROXY_PORT=$KAM_PORT
		after_close # through Kamailio, to sipkit's edge
		PROXY_PORT=$PROXY_PORT_SAVED
		grep -q '^status 480 ' after-close.txt || bad "sipkit's edge: $(cat after-close.txt), expected 480"
		ctl_stats
		stat_is cancelled 1
		stat_is ws_upgrades 1
		check_no_pending
	fi
	finish_case
}

all="kamailio-ws-edge sipkit-ws-edge"
run_case() {
	PROXY_PID="" KAM_PID=""
	case $1 in
	kamailio-ws-edge) kamailio_ws_edge ;;
	sipkit-ws-edge) sipkit_ws_edge ;;
	*) echo "FAIL $1: no such case (cases: $all)"; fail=$((fail + 1)) ;;
	esac
	cleanup
}
if [ $# -gt 0 ]; then
	for c in "$@"; do run_case "$c"; done
else
	for c in $all; do run_case "$c"; done
fi
echo "$suite: $pass passed, $fail failed"
[ "$fail" = 0 ]
