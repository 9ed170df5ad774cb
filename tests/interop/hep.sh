#!/bin/sh
# sipkit check on live traffic from a real capture agent: Kamailio 5.6 (Debian's
# kamailio) relays two SIPp calls on loopback, one cancelled while ringing
# (uac_cancel.xml -> uas_ring.xml) and one answered and hung up (uac_call.xml ->
# uas_answer.xml), and its siptrace module mirrors every message it receives
# and sends as HEP (trace_mode 1, hep_mode_on) to `sipkit check --hep
# udp:127.0.0.1:PORT --json`. The same traffic is captured at the same time by
# `sipkit check --live lo --filter 'udp port KAMAILIO and not port HEP' --json`
# (Kamailio sends its HEP from its SIP socket: the capture would read it too). Both are
# stopped with SIGINT and must agree: the same calls, outcomes and findings
# (cancelled cleanly and answered, none), the same number of messages, each
# exit 0, every HEP datagram read (none skipped).
#
#   hep-v3   siptrace hep_version 3 (chunks)
#   hep-v2   siptrace hep_version 2 (fixed header, time little-endian)
#   hep-tcp  siptrace hep_version 3 over TCP (duplicate_uri ...;transport=tcp) to
#            `sipkit check --hep tcp:127.0.0.1:PORT`
#
# Every process listens and sends on 127.0.0.1 only, on free ports, under
# `timeout`; everything started is stopped by pid. About 5 s per case.
#
#   sh tests/interop/hep.sh [CASE...]
set -u

here=$(cd "$(dirname "$0")" && pwd)
suite=interop-hep
PORT_SEED=13
# shellcheck source=tests/interop/proxy_lib.sh
. "$here/proxy_lib.sh"

# call_id outcome codes..., one line per call, sorted (the JSON Lines of sipkit check)
calls() { awk -f "$here/../trace/calls.awk" "$1" | sort; }

summary_num() { # file key: a number in the summary line
	v=$(tail -n 1 "$1" | grep -o "\"$2\":[0-9]*" | head -n 1 | cut -d: -f2)
	echo "${v:-0}"
}

# start_checker NAME ARGS...: sipkit check in the background until SIGINT, pid in
# $CHK_PID; 1 when it did not say it is listening or capturing within 5 s
start_checker() {
	name=$1
	shift
	timeout -k 5 60 "$SIPKIT" check --json --no-progress "$@" >"$name.json" 2>"$name.err" &
	CHK_PID=$!
	pids="$pids $CHK_PID"
	n=0
	until grep -qE 'listening for HEP|capturing on' "$name.err" 2>/dev/null; do
		if ! running $CHK_PID || [ $n -ge 50 ]; then
			bad "sipkit check $* did not start: $(head -c 300 "$name.err")"
			return 1
		fi
		sleep 0.1
		n=$((n + 1))
	done
}

# stop_checker PID NAME: SIGINT (Ctrl-C) to sipkit itself; it must exit 0 within 10 s
stop_checker() {
	c=$(ps -o pid= --ppid "$1" 2>/dev/null | head -n 1)
	kill -INT "${c:-$1}" 2>/dev/null
	wait_bounded "$1" 10
	st=$?
	[ $st = 0 ] || bad "sipkit check ($2) exit $st after SIGINT, expected 0"
}

# one SIPp call through Kamailio: caller scenario, callee scenario, -d ms; the
# callee on $B_PORT, where Kamailio sends sip:one@
sipp_call() {
	# shellcheck disable=SC2046
	timeout -k 5 20 sipp -sf "$SCEN/$2" $(sipp_opts "$B_PORT") -m 1 </dev/null >"sipp-b-$1.out" 2>&1 &
	B_PID=$!
	pids="$pids $B_PID"
	n=0
	until listening udp "$B_PORT"; do
		if ! running $B_PID || [ $n -ge 50 ]; then
			bad "sipp ($2) did not start listening on udp:$LO:$B_PORT"
			return 1
		fi
		sleep 0.1
		n=$((n + 1))
	done
	alloc 5
	# shellcheck disable=SC2046
	timeout -k 5 20 sipp "$LO:$KAM_PORT" -sf "$SCEN/$1" -s one -m 1 -d "$3" -nd \
		$(sipp_opts "$PORT") </dev/null >"sipp-a-$1.out" 2>&1
	check_sipp "caller ($1)" "sipp-a-$1.out" $? 1
	wait_bounded "$B_PID" 5
	check_sipp "callee ($2)" "sipp-b-$1.out" $? 1
}

hep_case() { # name hep_version [tcp]
	begin "$1"
	tp=${3:-udp} uri_tp=""
	[ "$tp" = tcp ] && uri_tp=";transport=tcp"
	need_sipp && need_kamailio || { verdict; return; }
	alloc 1
	HEP_PORT=$PORT
	alloc 5
	B_PORT=$PORT
	# Kamailio's configuration with siptrace mirroring everything to the HEP port
	# over TCP Kamailio needs TCP on and a TCP socket to send from
	awk -v port="$HEP_PORT" -v ver="$2" -v tp="$uri_tp" '
		tp != "" && /^disable_tcp=yes/ { print "disable_tcp=no"; next }
		{ print }
		tp != "" && /^listen=udp:127.0.0.1:@KAM_PORT@/ { print "listen=tcp:127.0.0.1:@KAM_PORT@" }
		/^loadmodule "ctl.so"/ {
			print "loadmodule \"siptrace.so\""
			print "modparam(\"siptrace\", \"duplicate_uri\", \"sip:127.0.0.1:" port tp "\")"
			print "modparam(\"siptrace\", \"hep_mode_on\", 1)"
			print "modparam(\"siptrace\", \"hep_version\", " ver ")"
			print "modparam(\"siptrace\", \"hep_capture_id\", 2001)"
			print "modparam(\"siptrace\", \"trace_on\", 1)"
			print "modparam(\"siptrace\", \"trace_to_database\", 0)"
			print "modparam(\"siptrace\", \"trace_mode\", 1)"
		}' "$here/kamailio/kamailio.cfg" >kamailio-hep.cfg
	KAMCFG=$dir/kamailio-hep.cfg
	ok=0
	# the HEP collector, Kamailio, then the capture of Kamailio's port (nothing is sent
	# before SIPp starts)
	if start_checker hep --hep "$tp:$LO:$HEP_PORT"; then
		HEP_PID=$CHK_PID
		if start_kamailio "$B_PORT" "$B_PORT" &&
			start_checker live --live lo --filter "udp port $KAM_PORT and not port $HEP_PORT"; then
			LIVE_PID=$CHK_PID
			ok=1
		fi
	fi
	if [ $ok = 1 ]; then
		grep -q 'siptrace' kamailio.cfg || bad "siptrace is not in Kamailio's configuration"
		sipp_call uac_cancel.xml uas_ring.xml 300
		sipp_call uac_call.xml uas_answer.xml 200
		sleep 0.5 # siptrace sends after the message: the last copies are on their way
		stop_kamailio
		stop_checker "$HEP_PID" hep
		stop_checker "$LIVE_PID" live
		calls hep.json >hep.calls
		calls live.json >live.calls
		[ "$(grep -c 'cancelled cleanly$' hep.calls)" = 1 ] ||
			bad "HEP: not one call 'cancelled cleanly' without findings: $(cat hep.calls)"
		[ "$(grep -c 'answered$' hep.calls)" = 1 ] ||
			bad "HEP: not one call 'answered' without findings: $(cat hep.calls)"
		[ "$(wc -l <hep.calls)" = 2 ] || bad "HEP: $(wc -l <hep.calls) calls, expected 2"
		cmp -s hep.calls live.calls ||
			bad "HEP and the live capture differ: $(diff hep.calls live.calls | tr '\n' ' ')"
		hm=$(summary_num hep.json messages)
		lm=$(summary_num live.json messages)
		[ "$hm" -ge 14 ] || bad "HEP: $hm messages, expected at least 14"
		[ "$hm" = "$lm" ] || bad "HEP gave $hm messages, the live capture $lm"
		for k in hep_malformed hep_not_sip hep_compressed; do
			v=$(summary_num hep.json "$k")
			[ "$v" = 0 ] || bad "HEP: $v datagrams skipped as $k"
		done
		[ "$(summary_num hep.json errors)" = 0 ] || bad "HEP: errors in the summary"
	fi
	[ -n "${KAM_PID:-}" ] && running "$KAM_PID" && stop_kamailio
	cleanup
	KAM_PID=""
	verdict
}

all="hep-v3 hep-v2 hep-tcp"
for c in ${*:-$all}; do
	KAM_PID=""
	case $c in
	hep-v3) hep_case hep-v3 3 ;;
	hep-v2) hep_case hep-v2 2 ;;
	hep-tcp) hep_case hep-tcp 3 tcp ;;
	*) echo "unknown case $c (cases: $all)"; fail=$((fail + 1)) ;;
	esac
done
echo "$suite: $pass passed, $fail failed"
[ $fail = 0 ]
