#!/bin/sh
# What the proxy interop scripts (proxy.sh, proxy_policy.sh) share, sourced by
# them once they set here (their directory), suite and PORT_SEED: the binary
# (SIPKIT, by default build/asan/sipkit), the sanitizer options, SIPp and
# Kamailio found, lib.sh's processes, ports and verdicts, and the helpers:
# SIPp and Kamailio started and checked, `sipkit proxy` started with its
# control socket and stopped, its counters and trace read.
# shellcheck disable=SC2154 # here, suite: the sourcing script's

root=$(cd "$here/../.." && pwd)
if [ -z "${SIPKIT:-}" ]; then
	if [ -x "$root/build/asan/sipkit" ]; then SIPKIT=$root/build/asan/sipkit; else SIPKIT=$root/build/sipkit; fi
fi
SCEN=$here/scenarios
KAMCFG=${KAMCFG:-$here/kamailio/kamailio.cfg} # auth.sh: its own
LO=127.0.0.1
REASON_200='SIP;cause=200;text="Call completed elsewhere"'
# the ASan/UBSan options, unless the caller set some
ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

pass=0
fail=0

case $SIPKIT in /*) ;; *) SIPKIT=$(pwd)/$SIPKIT ;; esac
if [ ! -x "$SIPKIT" ]; then
	echo "FAIL sipkit: $SIPKIT is not built"
	echo "$suite: 0 passed, 1 failed"
	exit 1
fi
have_sipp=0
command -v sipp >/dev/null 2>&1 && have_sipp=1
if [ -z "${KAMAILIO:-}" ]; then
	KAMAILIO=$(command -v kamailio 2>/dev/null || { [ -x /usr/sbin/kamailio ] && echo /usr/sbin/kamailio; })
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sk_$suite.XXXXXX") || exit 1
pids=""

# A background process is `timeout N CMD &`: $! is timeout's pid, and a TERM
# to timeout is passed on to CMD.
# shellcheck source=tests/interop/lib.sh
. "$here/lib.sh"

need_sipp() {
	[ $have_sipp = 1 ] && return 0
	bad "sipp is not installed (Debian package sip-tester)"
	return 1
}

need_kamailio() {
	[ -n "$KAMAILIO" ] && [ -x "$KAMAILIO" ] && return 0
	bad "kamailio is not installed (Debian package kamailio)"
	return 1
}

# ---- the processes
# common SIPp options: loopback only (SIP, control and media sockets), bounded
# in time (a call waiting 5 s for a message fails), traces in the case directory
sipp_opts() { # base port: SIP on it, control +1, media +2 and +4
	echo "-i $LO -p $1 -ci $LO -cp $(($1 + 1)) -mi $LO -mp $(($1 + 2)) -timeout 15s -timeout_error -recv_timeout 5000 -nostdin -trace_msg -trace_err -trace_logs"
}

# start_sipp_server OUT SCENARIO [sipp args]: a SIPp callee on UDP $SIPP_PORT
# (allocated here), pid in $SIPP_PID; 1 if it is not up within 5 s
start_sipp_server() {
	out=$1 sf=$2
	shift 2
	alloc 5
	SIPP_PORT=$PORT
	# shellcheck disable=SC2046
	timeout -k 5 20 sipp -sf "$sf" $(sipp_opts "$SIPP_PORT") "$@" </dev/null >"$out" 2>&1 &
	SIPP_PID=$!
	pids="$pids $SIPP_PID"
	n=0
	until listening udp "$SIPP_PORT"; do
		if ! running $SIPP_PID || [ $n -ge 50 ]; then
			bad "sipp ($sf) did not start listening on udp:$LO:$SIPP_PORT"
			return 1
		fi
		sleep 0.1
		n=$((n + 1))
	done
	return 0
}

# start_bg NAME NLISTEN CMD...: a sipkit command in the background (stdout
# NAME.out, stderr NAME.err), pid in $BG_PID; 1 if it has not printed NLISTEN
# "listening on" lines within 5 s
start_bg() {
	name=$1 nl=$2
	shift 2
	timeout -k 5 30 "$SIPKIT" "$@" >"$name.out" 2>"$name.err" &
	BG_PID=$!
	pids="$pids $BG_PID"
	n=0
	while c=$(grep -c 'listening on' "$name.err" 2>/dev/null); [ "${c:-0}" -lt "$nl" ]; do
		if ! running $BG_PID || [ $n -ge 50 ]; then
			bad "sipkit $1 ($name) did not start listening"
			return 1
		fi
		sleep 0.1
		n=$((n + 1))
	done
	return 0
}

# start_proxy [proxy args]: sipkit proxy on udp $PROXY_PORT with its control
# socket in the case directory and the ladder in proxy.out
start_proxy() {
	alloc 1
	PROXY_PORT=$PORT
	CTL=$dir/ctl.sock
	start_bg proxy 1 proxy -l "udp:$LO:$PROXY_PORT" --ctl "$CTL" --ladder --trace proxy.pcap "$@"
	st=$?
	PROXY_PID=$BG_PID
	return $st
}

# stop_proxy: TERM, and it must exit 0 within 5 s
stop_proxy() {
	term_child "$PROXY_PID"
	wait_bounded "$PROXY_PID" 5
	st=$?
	[ $st = 0 ] || bad "sipkit proxy exit $st after TERM, expected 0"
}

# check_trace OUTCOME [FILE]: sipkit check on a capture (default: the proxy's own,
# after stop_proxy) finds the call with that outcome and nothing wrong
check_trace() {
	f=${2:-proxy.pcap}
	"$SIPKIT" check --json --no-progress "$f" >check.out 2>check.err
	st=$?
	[ $st = 0 ] || bad "sipkit check exit $st on $f, expected 0"
	grep -q "\"outcome\":\"$1\"" check.out || bad "sipkit check: no call '$1' in $f"
	grep -q '"errors":0,"warnings":0' check.out || bad "sipkit check found errors or warnings in $f"
}

# start_kamailio [NEXT1 NEXT2]: Kamailio ($KAMCFG) on udp $KAM_PORT (allocated here),
# sip:one@ to 127.0.0.1:NEXT1, sip:fork@ to NEXT1 and NEXT2; @PASSWORD@ is $PASSWORD
start_kamailio() {
	alloc 1
	KAM_PORT=$PORT
	mkdir -p "$dir/kamrun"
	sed "s/@KAM_PORT@/$KAM_PORT/g; s/@NEXT1_PORT@/${1:-0}/g; s/@NEXT2_PORT@/${2:-0}/g;
	     s|@RUNDIR@|$dir/kamrun|g; s/@PASSWORD@/${PASSWORD:-}/g" "$KAMCFG" >kamailio.cfg
	timeout -k 5 30 "$KAMAILIO" -DD -E -f "$dir/kamailio.cfg" -n 1 -Y "$dir/kamrun" -m 64 -M 8 \
		</dev/null >kamailio.log 2>&1 &
	KAM_PID=$!
	pids="$pids $KAM_PID"
	n=0
	until listening udp "$KAM_PORT"; do
		if ! running $KAM_PID || [ $n -ge 50 ]; then
			bad "kamailio did not start listening on udp:$LO:$KAM_PORT"
			return 1
		fi
		sleep 0.1
		n=$((n + 1))
	done
	return 0
}

stop_kamailio() {
	kids=$(descendants "$KAM_PID")
	kill "$KAM_PID" 2>/dev/null
	wait_bounded "$KAM_PID" 5
	for k in $kids; do
		n=0
		while running "$k" && [ $n -lt 20 ]; do sleep 0.1; n=$((n + 1)); done
		running "$k" && { bad "a kamailio process ($k) outlived its main process"; kill -9 "$k"; }
	done
}

# SIPp's cumulative count of successful / failed calls (from its last screen)
sipp_count() { # file "Successful call" | "Failed call"
	awk -F'|' -v k="$2" 'index($1, k) {v = $3} END {gsub(/ /, "", v); print v}' "$1"
}

check_sipp() { # what file exit-status expected-successful-calls
	[ "$3" = 0 ] || bad "$1: sipp exit $3, expected 0"
	s=$(sipp_count "$2" "Successful call")
	f=$(sipp_count "$2" "Failed call")
	if [ "$s" != "$4" ] || [ "$f" != 0 ]; then
		bad "$1: ${s:-?} successful and ${f:-?} failed calls, expected $4 and 0"
	fi
}

# the proxy's counters (sipkit ctl stats) in ctl-stats.out
ctl_stats() {
	"$SIPKIT" ctl -s "$CTL" stats >ctl-stats.out 2>ctl-stats.err ||
		bad "sipkit ctl stats failed"
}

stat_is() { # counter expected
	v=$(awk -v k="$1" '$1 == k {print $2}' ctl-stats.out)
	[ "$v" = "$2" ] || bad "ctl stats: $1 ${v:-?}, expected $2"
}

# nothing pending on the proxy (sipkit ctl calls)
check_no_pending() {
	"$SIPKIT" ctl -s "$CTL" calls >ctl-calls.out 2>ctl-calls.err || bad "sipkit ctl calls failed"
	grep -qx 'pending 0' ctl-calls.out ||
		bad "sipkit ctl calls: '$(grep '^pending' ctl-calls.out)', expected 'pending 0'"
}

# received requests of one method in a SIPp message log
sipp_received() { # log method
	{ tr -d '\r' <"$1"; } 2>/dev/null | grep -c "^$2 sip:"
}


# A baresip config on loopback, no audio device: baresip_config FILE TRANSPORT OFFSET [LINES]
# listens on $LO:$BS_PORT with TRANSPORT by default, its (unused) DNS server at
# $BS_PORT+OFFSET and RTP ports after it; LINES (e.g. sip_certificate) are added.
baresip_config() {
	{
		printf 'poll_method\t\tepoll\nsip_listen\t\t%s:%s\nsip_trans_def\t\t%s\n' "$LO" "$BS_PORT" "$2"
		if [ -n "${4:-}" ]; then printf '%s\n' "$4"; fi
		printf 'net_interface\t\t%s\ndns_server\t\t%s:%s\n' "$LO" "$LO" "$((BS_PORT + $3))"
		printf 'rtp_ports\t\t%s-%s\ncall_local_timeout\t120\n' "$((BS_PORT + $3 + 1))" "$((BS_PORT + $3 + 11))"
		printf 'audio_player\t\taubridge,null\naudio_source\t\taubridge,null\naudio_alert\t\taubridge,null\n'
		printf 'module_path\t\t/usr/lib/baresip/modules\nmodule\t\t\tg711.so\nmodule\t\t\taubridge.so\n'
		printf 'module_tmp\t\taccount.so\nmodule_app\t\tmenu.so\n'
	} >"$1"
}
