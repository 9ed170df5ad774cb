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
#   wss-ring-cancel the same phone over secure WebSocket (`-l wss:`, a self-signed
#                   certificate made here with openssl, the phone verifying it): it
#                   registers, `sipkit call` calls it through the proxy and cancels
#                   while it rings (the INVITE and CANCEL reach it as WSS, 487 to
#                   the caller, the capture cancelled cleanly with no finding); then
#                   a sips: call over TLS reaches it over WSS and is cancelled too,
#                   while a sips: call to a phone on plain ws gets 480 (RFC 5630
#                   §3.1.2, RFC 7118 §5.2); ctl stats counts wss_upgrades
#   ws-workers-2, ws-workers-4
#                   the proxy with 2 and 4 workers (--workers; a connection belongs
#                   to the worker that accepted it, a call to the one its Call-ID
#                   hashes to: docs/workers.md): three phones register over ws and
#                   one over wss, each then rings for 6 calls from `sipkit call
#                   --calls 6` (new Call-IDs: every worker handles some) and every
#                   call is cancelled (487, no 480); a fifth phone on ws answers 3
#                   calls, whose ACK and BYE reach it through the Record-Route's flow
#                   token; bytes went across to the worker holding a connection
#                   (ctl stats sent_across), calls were handled by several workers;
#                   once a phone has closed its connection, 6 more calls to it get
#                   480 at once in whichever worker they land; six phones that leave
#                   while their call rings (a tab closed) end it at once (a final
#                   within 2 s, not the caller's CANCEL at 5 s) in whichever worker it
#                   runs; `sipkit check` on the capture: every call cancelled cleanly
#                   or answered, no finding
#   wss-bad-input   on the wss port: garbage before the handshake and a plain ws
#                   upgrade are cut off (tls_failed), 5 connections that never send
#                   a ClientHello are closed at --tls-handshake-ms (closed_handshake),
#                   one past --tls-max-handshakes is refused at once; a phone then
#                   registers over wss all the same
#
#   sh tests/interop/ws.sh [CASE...]
set -u

here=$(cd "$(dirname "$0")" && pwd)
suite=interop-ws
PORT_SEED=17
# shellcheck source=tests/interop/proxy_lib.sh
. "$here/proxy_lib.sh"
PHONE="python3 $here/wsphone.py"

# a self-signed certificate for sip.test and 127.0.0.1, made once per run
cert() {
	[ -f "$work/server.pem" ] && return 0
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$work/server.key" -out "$work/server.pem" -subj "/CN=sip.test" \
		-addext "subjectAltName=DNS:sip.test,IP:127.0.0.1" >"$work/openssl.log" 2>&1 ||
		{ bad "openssl could not make a certificate: $(cat "$work/openssl.log")"; return 1; }
}

# start_wss_proxy: the proxy on udp $PROXY_PORT, ws $WS_PORT, wss $WSS_PORT and tls
# $TLS_PORT, with the certificate of cert(); $WORKERS workers (default one: the
# ladder and counters of one loop; ws-workers-N run several)
start_wss_proxy() {
	cert || return 1
	alloc 4
	PROXY_PORT=$PORT WS_PORT=$((PORT + 1)) WSS_PORT=$((PORT + 2)) TLS_PORT=$((PORT + 3))
	CTL=$dir/ctl.sock
	start_bg proxy 4 proxy -l "udp:$LO:$PROXY_PORT" -l "ws:$LO:$WS_PORT" -l "wss:$LO:$WSS_PORT" \
		-l "tls:$LO:$TLS_PORT" --tls-cert "$work/server.pem" --tls-key "$work/server.key" \
		--tls-ca "$work/server.pem" --workers "${WORKERS:-1}" --ctl "$CTL" --ladder \
		--trace proxy.pcap "$@"
	st=$?
	PROXY_PID=$BG_PID
	return $st
}

# phone_up MODE TARGET USER: a wsphone in the background (pid $ph), registered
phone_up() {
	rm -f "ready-$3"
	WSPHONE_CA=$work/server.pem timeout -k 5 20 $PHONE "$1" "$2" "$3" sipkit.test "ready-$3" \
		>"phone-$3.out" 2>"phone-$3.err" &
	ph=$!
	pids="$pids $ph"
	n=0
	while [ ! -f "ready-$3" ] && running $ph && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	[ -f "ready-$3" ] || { bad "the phone $3 did not register over $2: $(cat "phone-$3.err")"; return 1; }
}

# start_ws_proxy: the proxy on udp $PROXY_PORT and ws $WS_PORT, one worker (see
# start_wss_proxy below)
start_ws_proxy() {
	alloc 2
	PROXY_PORT=$PORT
	WS_PORT=$((PORT + 1))
	CTL=$dir/ctl.sock
	start_bg proxy 2 proxy -l "udp:$LO:$PROXY_PORT" -l "ws:$LO:$WS_PORT" --ctl "$CTL" \
		--workers 1 --ladder --trace proxy.pcap "$@"
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

wss_ring_cancel() {
	begin wss-ring-cancel
	start_wss_proxy --domain sipkit.test || { verdict; return; }
	if phone_up ring "wss:$LO:$WSS_PORT" alice; then
		timeout -k 5 20 "$SIPKIT" call sip:alice@sipkit.test --route "sip:$LO:$PROXY_PORT;lr" \
			-l "udp:$LO:0" --cancel-after 300 --json >call1.out 2>call1.err
		st=$?
		[ $st = 0 ] || bad "sipkit call exit $st, expected 0 (cancelled)"
		grep -q '"outcome":"cancelled"' call1.out || bad "the call was not cancelled"
		grep -q '"status":487' call1.out || bad "the caller did not get 487"
		wait_bounded $ph 10 || bad "the wss phone: $(cat phone-alice.err)"
		grep -q "WSS  INVITE sip:alice@" proxy.out || bad "the INVITE did not go out over WSS"
		grep -q "WSS  CANCEL sip:alice@" proxy.out || bad "the CANCEL did not go out over WSS"
	fi
	# a sips: call over TLS may reach a phone on wss (RFC 7118 §5.2)...
	if phone_up ring "wss:$LO:$WSS_PORT" carol; then
		timeout -k 5 20 "$SIPKIT" call sips:carol@sipkit.test --route "sips:$LO:$TLS_PORT;lr" \
			--tls-ca "$work/server.pem" -l "udp:$LO:0" --cancel-after 300 --json \
			>call2.out 2>call2.err
		st=$?
		[ $st = 0 ] || bad "sipkit call sips: exit $st, expected 0 (cancelled)"
		grep -q '"status":487' call2.out || bad "the sips: call over wss did not end 487"
		wait_bounded $ph 10 || bad "the wss phone carol: $(cat phone-carol.err)"
		grep -q "WSS  INVITE sip:carol@" proxy.out || bad "the sips INVITE did not go out over WSS"
	fi
	# ...never one on plain ws (RFC 5630 §3.1.2): 480 at once
	if phone_up ring "$LO:$WS_PORT" bob; then
		timeout -k 5 20 "$SIPKIT" call sips:bob@sipkit.test --route "sips:$LO:$TLS_PORT;lr" \
			--tls-ca "$work/server.pem" -l "udp:$LO:0" --cancel-after 3000 --json \
			>call3.out 2>call3.err
		grep -q '"status":480' call3.out || bad "a sips: call to a phone on plain ws did not get 480"
		grep -q " WS  INVITE sip:bob@" proxy.out && bad "a sips INVITE went out over plain WS"
		kill "$ph" 2>/dev/null
		wait_bounded $ph 5
	fi
	ctl_stats
	stat_is wss_upgrades 2
	stat_is ws_upgrades 3
	stat_is tls_failed 0
	check_no_pending
	stop_proxy
	"$SIPKIT" check --json --no-progress proxy.pcap >check.out 2>check.err
	n=$(grep -o '"outcome":"cancelled cleanly"' check.out | wc -l)
	[ "$n" -ge 2 ] || bad "sipkit check: $n calls cancelled cleanly, expected 2 (and the 480)"
	grep -q '"errors":0,"warnings":0' check.out || bad "sipkit check found errors or warnings"
	verdict
}

# serve_up MODE TARGET USER N: a wsphone serving N calls in the background (pid $ph),
# registered
serve_up() {
	rm -f "ready-$3"
	WSPHONE_CA=$work/server.pem timeout -k 5 60 $PHONE serve "$1" "$2" "$3" sipkit.test \
		"ready-$3" "$4" >"phone-$3.out" 2>"phone-$3.err" &
	ph=$!
	pids="$pids $ph"
	eval "ph_$3=$ph"
	n=0
	while [ ! -f "ready-$3" ] && running $ph && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	[ -f "ready-$3" ] || { bad "the phone $3 did not register over $2: $(cat "phone-$3.err")"; return 1; }
}

# calls_to USER N ARGS...: N calls from `sipkit call` to USER in the background (pid
# in $call_USER), each a new Call-ID, results in calls-USER.out
calls_to() {
	u=$1 n=$2
	shift 2
	timeout -k 5 40 "$SIPKIT" call "sip:$u@sipkit.test" --route "sip:$LO:$PROXY_PORT;lr" \
		-l "udp:$LO:0" --calls "$n" --rate 20 --json "$@" >"calls-$u.out" 2>"calls-$u.err" &
	eval "call_$u=$!"
	pids="$pids $!"
}

# outcomes USER WHAT: how many calls to USER ended so ("cancelled", "answered", 480)
outcomes() {
	case $2 in
	[0-9]*) grep -c "\"status\":$2," "calls-$1.out" ;;
	*) grep -c "\"outcome\":\"$2\"" "calls-$1.out" ;;
	esac
}

ws_workers() { # name workers
	begin "$1"
	K=6
	WORKERS=$2 start_wss_proxy --domain sipkit.test --record-route --t1 100 || { verdict; return; }
	up=1
	for u in a1 a2 a3; do serve_up ring "$LO:$WS_PORT" $u $K || up=0; done
	serve_up ring "wss:$LO:$WSS_PORT" s1 $K || up=0
	serve_up answer "$LO:$WS_PORT" b1 3 || up=0
	if [ $up = 1 ]; then
		for u in a1 a2 a3 s1; do calls_to $u $K --cancel-after 300; done
		calls_to b1 3 --hangup-after 100
		for u in a1 a2 a3 s1 b1; do
			eval "wait_bounded \$call_$u 40"
			st=$?
			[ $st = 0 ] || bad "sipkit call to $u: exit $st, expected 0: $(grep -v '"status":487' "calls-$u.out" | head -2)"
			eval "wait_bounded \$ph_$u 20" || bad "the phone $u: $(cat "phone-$u.err")"
		done
		for u in a1 a2 a3 s1; do
			[ "$(outcomes $u cancelled)" = $K ] || bad "$u: $(outcomes $u cancelled) of $K calls cancelled"
		done
		[ "$(outcomes b1 answered)" = 3 ] || bad "b1: $(outcomes b1 answered) of 3 calls answered"
		grep -q '"status":480' calls-*.out && bad "a call got 480: $(grep -h '"status":480' calls-*.out | head -1)"
		grep -q "WSS  CANCEL sip:s1@" proxy.out || bad "no CANCEL went out over WSS"
		ctl_stats
		[ "$(awk '$1 == "sent_across" {print $2}' ctl-stats.out)" -gt 0 ] ||
			bad "nothing was sent across to the worker holding a connection"
		used=$(awk '$1 == "worker" && $5 > 0 {n++} END {print n + 0}' ctl-stats.out)
		[ "$used" -ge 2 ] || bad "only $used worker(s) handled calls"
		stat_is workers "$2"
		stat_is sent_481 0
		stat_is sent_across_gone 0
		# a1 closed its connection once done: its binding stays, every call to it
		# gets 480 at once, whichever worker it lands in
		t0=$(date +%s%N)
		calls_to a1 $K --cancel-after 3000
		wait_bounded "$call_a1" 20
		t1=$(date +%s%N)
		[ "$(outcomes a1 480)" = $K ] || bad "a1 closed: $(outcomes a1 480) of $K calls got 480"
		[ $(((t1 - t0) / 1000000)) -lt 2500 ] || bad "the 480s took $(((t1 - t0) / 1000000)) ms"
		# a browser that leaves while its call rings: the call ends at once, in
		# whichever worker it runs (the connection's worker tells the others)
		for i in 1 2 3 4 5 6; do serve_up leave "$LO:$WS_PORT" d$i 1 || up=0; done
		for i in 1 2 3 4 5 6; do
			[ $up = 1 ] || break
			timeout -k 5 20 "$SIPKIT" call "sip:d$i@sipkit.test" --route "sip:$LO:$PROXY_PORT;lr" \
				-l "udp:$LO:0" --cancel-after 5000 --json >"calls-d$i.out" 2>"calls-d$i.err"
			ms=$(sed -n 's/.*"final":\([0-9]*\).*/\1/p' "calls-d$i.out")
			grep -q '"status":487' "calls-d$i.out" && bad "d$i left: its call was cancelled at 5 s"
			[ "${ms:-9999}" -lt 2000 ] || bad "d$i left: the call's final came after ${ms:-no} ms"
			eval "wait_bounded \$ph_d$i 10" || bad "the phone d$i: $(cat "phone-d$i.err")"
		done
		check_no_pending
	fi
	stop_proxy
	"$SIPKIT" check --json --no-progress proxy.pcap >check.out 2>check.err
	n=$(grep -o '"outcome":"cancelled cleanly"' check.out | wc -l)
	[ "$n" -ge $((4 * K)) ] || bad "sipkit check: $n calls cancelled cleanly, expected $((4 * K))"
	n=$(grep -o '"outcome":"answered"' check.out | wc -l)
	[ "$n" -ge 3 ] || bad "sipkit check: $n calls answered, expected 3"
	grep -q '"errors":0,"warnings":0' check.out || bad "sipkit check found errors or warnings"
	verdict
}

wss_bad_input() {
	begin wss-bad-input
	start_wss_proxy --domain sipkit.test --tls-handshake-ms 800 --tls-max-handshakes 5 ||
		{ verdict; return; }
	# a handshake record whose body is no ClientHello ("garbage!")
	r=$(timeout -k 5 15 $PHONE bytes "$LO:$WSS_PORT" 16030100086761726261676521 2>bytes1.err)
	[ "$r" = closed ] || bad "garbage before the handshake: '$r', expected closed"
	# a plain ws client on the wss port: its upgrade is no ClientHello
	timeout -k 5 15 $PHONE raw "$LO:$WSS_PORT" 8100 >raw.out 2>raw.err &&
		bad "a plain ws upgrade on the wss port was answered: $(cat raw.out)"
	t0=$(date +%s%N)
	r=$(timeout -k 5 15 $PHONE stall "$LO:$WSS_PORT" 6 2>stall.err)
	t1=$(date +%s%N)
	[ "$r" = 6 ] || bad "stalled handshakes: $r of 6 closed, expected 6"
	ms=$(((t1 - t0) / 1000000))
	[ "$ms" -lt 5000 ] || bad "the stalled handshakes took $ms ms to close, --tls-handshake-ms 800"
	ctl_stats
	stat_is tls_failed 2
	stat_is tls_closed_handshake 5
	stat_is tls_refused_handshake 1
	stat_is tls_handshakes 0
	stat_is ws_conns 0
	if phone_up ring "wss:$LO:$WSS_PORT" alice; then
		kill "$ph" 2>/dev/null
		wait_bounded $ph 5
	fi
	stop_proxy
	verdict
}

all="ws-ring-cancel ws-answer-bye ws-bad-frames wss-ring-cancel wss-bad-input ws-workers-2 ws-workers-4"
run_case() {
	PROXY_PID=""
	case $1 in
	ws-ring-cancel) ws_ring_cancel ;;
	ws-answer-bye) ws_answer_bye ;;
	ws-bad-frames) ws_bad_frames ;;
	wss-ring-cancel) wss_ring_cancel ;;
	wss-bad-input) wss_bad_input ;;
	ws-workers-2) ws_workers ws-workers-2 2 ;;
	ws-workers-4) ws_workers ws-workers-4 4 ;;
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
