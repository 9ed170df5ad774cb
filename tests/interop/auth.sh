#!/bin/sh
# Interoperability tests of Digest authentication on the caller and callee side
# (RFC 3261 §22, RFC 7616): `sipkit call --user --password` and `sipkit uas
# --register ... --password`, against SIPp (Debian's sip-tester) and Kamailio 5.6
# (Debian's kamailio, auth module with a static password, usrloc in memory):
#
#   sipp-407-retry-cancel     sipkit call -> SIPp uas_auth_ring.xml: 407, then the
#                             retry must be CSeq 2 with Proxy-Authorization for
#                             alice (SIPp's regexps), rings, is cancelled: the
#                             CANCEL has CSeq 2 and the RETRY's Via branch (not
#                             the challenged INVITE's, read from SIPp's message
#                             log); result: cancelled (487), exit 0; sipkit
#                             check on the call's capture: cancelled, clean
#   kamailio-auth-cancel      sipkit uas --no-answer --register (401 answered,
#                             Kamailio logs the authenticated REGISTER) <-
#                             Kamailio <- sipkit call --user alice --password
#                             (407 answered, Kamailio verifies and logs the
#                             authenticated INVITE, looks bob up and relays);
#                             cancelled while ringing: CANCEL 200, INVITE 487,
#                             exit 0; the uas stopped removes its binding
#                             (Kamailio logs the REGISTER with Expires 0)
#   kamailio-auth-refused     the same call with a wrong password: the retry is
#                             challenged again, not answered twice (§22.1):
#                             "rejected (407 ...: credentials refused after 1
#                             challenge)", exit 1; without a password:
#                             "rejected (407 ...)", exit 1
#
# Every process listens and sends on 127.0.0.1 only, on free ports, under
# `timeout`; everything started is stopped by pid at the end. About 5 s.
#
#   sh tests/interop/auth.sh [CASE...]
set -u

here=$(cd "$(dirname "$0")" && pwd)
suite=interop-auth
PORT_SEED=11
KAMCFG=$here/kamailio/kamailio-auth.cfg
PASSWORD=secret
# shellcheck source=tests/interop/proxy_lib.sh
. "$here/proxy_lib.sh"

# the top Via branch of each request of a method in a SIPp message log, in order
branches() { # log method
	awk -v m="$2" '
		/^-+ [0-9]/ { want = 0; next }
		$0 ~ "^" m " sip:" { want = 1; next }
		want && /^Via:/ { sub(/.*branch=/, ""); sub(/[;, \r].*/, ""); print; want = 0 }
	' "$1"
}

# sipkit uas registered as bob at Kamailio, never answering; 1 when it did not
# register within 5 s
start_registered_uas() {
	alloc 1
	U_PORT=$PORT
	timeout --foreground -k 5 30 "$SIPKIT" uas -l "udp:$LO:$U_PORT" --no-answer --ladder \
		--register "sip:$LO:$KAM_PORT" --user bob --password "$PASSWORD" --expires 120 \
		>uas.out 2>uas.err &
	UAS_PID=$!
	pids="$pids $UAS_PID"
	n=0
	until grep -q 'registered sip:bob@' uas.err 2>/dev/null; do
		if ! running $UAS_PID || [ $n -ge 50 ]; then
			bad "sipkit uas did not register at Kamailio"
			return 1
		fi
		sleep 0.1
		n=$((n + 1))
	done
	return 0
}

stop_uas() {
	term_child "$UAS_PID"
	wait_bounded "$UAS_PID" 8
	st=$?
	[ $st = 0 ] || bad "sipkit uas exit $st after TERM, expected 0"
}

# ---- cases ------------------------------------------------------------------

sipp_407() {
	begin sipp-407-retry-cancel
	if [ $have_sipp = 0 ]; then
		bad "sipp is not installed (Debian package sip-tester)"
		verdict
		return
	fi
	alloc 5
	SIPP_PORT=$PORT
	# shellcheck disable=SC2046
	timeout -k 5 20 sipp -sf "$SCEN/uas_auth_ring.xml" $(sipp_opts "$SIPP_PORT") -m 1 \
		</dev/null >sipp.out 2>&1 &
	SIPP_PID=$!
	pids="$pids $SIPP_PID"
	n=0
	until listening udp "$SIPP_PORT"; do
		if ! running $SIPP_PID || [ $n -ge 50 ]; then bad "sipp did not start"; verdict; return; fi
		sleep 0.1
		n=$((n + 1))
	done
	timeout --foreground -k 5 30 "$SIPKIT" call "sip:bob@$LO:$SIPP_PORT" --user alice \
		--password "$PASSWORD" --cancel-after 300 --trace call.pcap >call.out 2>call.err
	st=$?
	[ $st = 0 ] || bad "sipkit call exit $st, expected 0"
	grep -qx 'result: cancelled (487)' call.out || bad "no 'result: cancelled (487)' from sipkit call"
	# sipkit check follows the call to the retried INVITE (§22.2): cancelled cleanly
	"$SIPKIT" check --json --no-progress call.pcap >check.out 2>check.err
	st=$?
	[ $st = 0 ] || bad "sipkit check exit $st on the call's capture, expected 0"
	grep -q '"outcome":"cancelled cleanly"' check.out || bad "sipkit check: the call is not 'cancelled cleanly'"
	grep -q '"errors":0,"warnings":0' check.out || bad "sipkit check found errors or warnings"
	wait_bounded "$SIPP_PID" 5
	st=$?
	[ $st = 0 ] || bad "sipp exit $st, expected 0 (its checks of the retry and the CANCEL)"
	[ "$(sipp_count sipp.out 'Successful call')" = 1 ] || bad "sipp: the call did not succeed"
	log=$(ls uas_auth_ring_*_messages.log 2>/dev/null | head -n 1)
	inv=$(branches "$log" INVITE | tr -d '\r')
	can=$(branches "$log" CANCEL | tr -d '\r')
	b1=$(echo "$inv" | sed -n 1p)
	b2=$(echo "$inv" | sed -n 2p)
	[ -n "$b1" ] && [ -n "$b2" ] || bad "two INVITEs not found in SIPp's message log"
	[ "$b1" != "$b2" ] || bad "the retried INVITE reuses the challenged INVITE's branch"
	[ "$can" = "$b2" ] || bad "the CANCEL's branch '$can' is not the retried INVITE's '$b2'"
	verdict
}

kamailio_cancel() {
	begin kamailio-auth-cancel
	if [ -z "$KAMAILIO" ]; then bad "kamailio is not installed"; verdict; return; fi
	if start_kamailio && start_registered_uas; then
		timeout --foreground -k 5 30 "$SIPKIT" call "sip:bob@$LO:$KAM_PORT" --user alice \
			--password "$PASSWORD" --cancel-after 400 >call.out 2>call.err
		st=$?
		[ $st = 0 ] || bad "sipkit call exit $st, expected 0"
		grep -qx 'result: cancelled (487)' call.out || bad "no 'result: cancelled (487)' from sipkit call"
		grep -q '<-- .*SIP/2.0 407 .*(CSeq 1 INVITE)' call.out || bad "no 407 to the first INVITE"
		grep -q -- '--> .*INVITE sip:bob@.*(CSeq 2 INVITE)' call.out || bad "no retried INVITE with CSeq 2"
		grep -q '<-- .*SIP/2.0 200 .*(CSeq 2 CANCEL)' call.out || bad "no 200 to a CANCEL with CSeq 2"
		grep -q '<-- .*SIP/2.0 487 .*(CSeq 2 INVITE)' call.out || bad "no 487 to the retried INVITE"
		grep -q 'authenticated REGISTER from bob' kamailio.log || bad "Kamailio logged no authenticated REGISTER"
		grep -q 'REGISTER challenged' kamailio.log || bad "Kamailio did not challenge the REGISTER"
		grep -q 'INVITE challenged .*CSeq 1' kamailio.log || bad "Kamailio did not challenge the INVITE"
		grep -q 'authenticated INVITE from alice .*CSeq 2' kamailio.log ||
			bad "Kamailio logged no authenticated INVITE (CSeq 2) from alice"
		grep -q 'cancelled by the caller' uas.out || bad "the uas did not see the call cancelled"
		stop_uas
		grep -q 'unregistered sip:bob@' uas.err || bad "the uas did not say it unregistered"
		grep -q 'authenticated REGISTER from bob .*expires 0' kamailio.log ||
			bad "Kamailio saw no authenticated removal (Expires 0)"
	fi
	[ -n "${KAM_PID:-}" ] && running "$KAM_PID" && stop_kamailio
	verdict
}

kamailio_refused() {
	begin kamailio-auth-refused
	if [ -z "$KAMAILIO" ]; then bad "kamailio is not installed"; verdict; return; fi
	if start_kamailio; then
		timeout --foreground -k 5 30 "$SIPKIT" call "sip:bob@$LO:$KAM_PORT" --user alice \
			--password wrong --cancel-after 400 >call.out 2>call.err
		st=$?
		[ $st = 1 ] || bad "sipkit call (wrong password) exit $st, expected 1"
		grep -qx 'result: rejected (407 Proxy Authentication Required: credentials refused after 1 challenge)' call.out ||
			bad "no 'credentials refused after 1 challenge' result"
		n=$(grep -c -- '--> .*INVITE sip:' call.out)
		[ "$n" = 2 ] || bad "$n INVITEs sent with a wrong password, expected 2"
		grep -q 'authenticated INVITE' kamailio.log && bad "Kamailio accepted a wrong password"
		timeout --foreground -k 5 30 "$SIPKIT" call "sip:bob@$LO:$KAM_PORT" --user alice \
			>call2.out 2>call2.err
		st=$?
		[ $st = 1 ] || bad "sipkit call (no password) exit $st, expected 1"
		grep -qx 'result: rejected (407 Proxy Authentication Required)' call2.out ||
			bad "no 'rejected (407 Proxy Authentication Required)' without a password"
		stop_kamailio
	fi
	verdict
}

all="sipp-407-retry-cancel kamailio-auth-cancel kamailio-auth-refused"
for c in ${*:-$all}; do
	case $c in
	sipp-407-retry-cancel) sipp_407 ;;
	kamailio-auth-cancel) kamailio_cancel ;;
	kamailio-auth-refused) kamailio_refused ;;
	*) echo "FAIL $c: no such case (cases: $all)"; fail=$((fail + 1)) ;;
	esac
done
echo "$suite: $pass passed, $fail failed"
[ $fail = 0 ]
