#!/bin/sh
# RFC 3263 with a real DNS server: dnsmasq (Debian's dnsmasq-base) on a free
# loopback port, started by this script in the foreground with nothing but the
# records given here (--no-resolv --no-hosts --bind-interfaces, --local for the
# test domain: NXDOMAIN for the rest), and killed by PID. The system's dnsmasq
# service (if any) is neither used nor touched.
#
#   dns-failover    sipkit proxy --dns with the static route bob=sip:gw.sipkit.test:
#                   NAPTR SIP+D2T -> SRV _sip._tcp.gw (priority 10: a loopback
#                   port nobody listens on, 20: `sipkit uas -l tcp:...`) -> A; the
#                   first target refuses the connection, the call lands on the
#                   second (RFC 3263 §4.3): `result: answered (200)`
#   dns-call-cancel sipkit call sip:bob@sipkit.test --dns: NAPTR SIP+D2U -> SRV
#                   -> the proxy's port; the proxy resolves gw.sipkit.test as above;
#                   cancelled while ringing: `result: cancelled (487)`
#   dns-nxdomain    sipkit call to a name that does not exist: exit 68 and why;
#                   through the proxy (route carol=sip:nowhere.sipkit.test): 604
#                   with a Warning
#
#   sh tests/interop/dns.sh [CASE...]
set -u

here=$(cd "$(dirname "$0")" && pwd)
suite=interop-dns
PORT_SEED=13
# shellcheck source=tests/interop/proxy_lib.sh
. "$here/proxy_lib.sh"
DNSMASQ=${DNSMASQ:-$(command -v dnsmasq 2>/dev/null || echo /usr/sbin/dnsmasq)}

# start_dns RECORD-OPTIONS...: dnsmasq on udp $DNS_PORT with those records only
start_dns() {
	if [ ! -x "$DNSMASQ" ]; then
		bad "dnsmasq is not installed (Debian package dnsmasq-base)"
		return 1
	fi
	alloc 1
	DNS_PORT=$PORT
	timeout -k 5 60 "$DNSMASQ" --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
		--listen-address=$LO --port="$DNS_PORT" --conf-file=/dev/null --pid-file= \
		--user="$(id -un)" --local=/sipkit.test/ --log-queries --log-facility=- "$@" \
		</dev/null >dnsmasq.log 2>&1 &
	DNS_PID=$!
	pids="$pids $DNS_PID"
	n=0
	until listening udp "$DNS_PORT"; do
		if ! running $DNS_PID || [ $n -ge 50 ]; then
			bad "dnsmasq did not start listening on udp:$LO:$DNS_PORT"
			return 1
		fi
		sleep 0.1
		n=$((n + 1))
	done
}

stop_dns() {
	term_child "$DNS_PID"
	wait_bounded "$DNS_PID" 5 >/dev/null
}

# the zone: gw.sipkit.test by NAPTR (TCP) to a dead port first, then the uas;
# sipkit.test by NAPTR (UDP) to the proxy
zone() { # dead-port uas-port proxy-port
	echo "--naptr-record=gw.sipkit.test,10,10,S,SIP+D2T,,_sip._tcp.gw.sipkit.test"
	echo "--srv-host=_sip._tcp.gw.sipkit.test,dead.sipkit.test,$1,10,0"
	echo "--srv-host=_sip._tcp.gw.sipkit.test,uas.sipkit.test,$2,20,0"
	echo "--naptr-record=sipkit.test,10,10,S,SIP+D2U,,_sip._udp.sipkit.test"
	echo "--srv-host=_sip._udp.sipkit.test,proxy.sipkit.test,$3,10,0"
	echo "--host-record=dead.sipkit.test,$LO"
	echo "--host-record=uas.sipkit.test,$LO"
	echo "--host-record=proxy.sipkit.test,$LO"
}

# proxy and uas up, the zone served: $PROXY_PORT, $UAS_PID, $PROXY_PID; uas args given
setup() {
	alloc 3
	DEAD_PORT=$PORT UAS_PORT=$((PORT + 1)) PROXY_PORT=$((PORT + 2))
	# shellcheck disable=SC2046 # one option a word
	start_dns $(zone "$DEAD_PORT" "$UAS_PORT" "$PROXY_PORT") || return 1
	start_bg uas 1 uas -l "tcp:$LO:$UAS_PORT" --calls 1 "$@" || return 1
	UAS_PID=$BG_PID
	start_bg proxy 2 proxy -l "udp:$LO:$PROXY_PORT" -l "tcp:$LO:$PROXY_PORT" \
		--ctl "$dir/ctl.sock" --dns "udp:$LO:$DNS_PORT" --ladder --record-route --trace proxy.log \
		--domain sipkit.test --route bob=sip:gw.sipkit.test --route carol=sip:nowhere.sipkit.test || return 1
	PROXY_PID=$BG_PID
}

teardown() {
	term_child "$PROXY_PID"
	wait_bounded "$PROXY_PID" 5
	st=$?
	[ $st = 0 ] || bad "sipkit proxy exit $st after TERM, expected 0"
	stop_dns
}

dns_failover() {
	begin dns-failover
	if setup --answer-after 100; then
		timeout -k 5 20 "$SIPKIT" call "sip:bob@$LO:$PROXY_PORT" --hangup-after 100 \
			>call.out 2>call.err
		st=$?
		[ $st = 0 ] || bad "sipkit call exit $st, expected 0"
		grep -q '^result: answered (200)' call.out || bad "no 'result: answered (200)'"
		wait_bounded "$UAS_PID" 5 >/dev/null || bad "sipkit uas did not end after its call"
		grep -q 'query\[SRV\] _sip._tcp.gw.sipkit.test' dnsmasq.log ||
			bad "dnsmasq was not asked for the SRV records"
		# three client transactions: the INVITE to the refused target, to the uas, the BYE
		"$SIPKIT" ctl -s "$dir/ctl.sock" stats >ctl-stats.out 2>&1 || bad "sipkit ctl stats failed"
		grep -qx 'branches 3' ctl-stats.out || bad "ctl stats: '$(grep '^branches' ctl-stats.out)', expected 'branches 3'"
		teardown
	fi
	verdict
}

dns_call_cancel() {
	begin dns-call-cancel
	if setup --ring-after 50 --no-answer; then
		timeout -k 5 20 "$SIPKIT" call sip:bob@sipkit.test --dns "udp:$LO:$DNS_PORT" \
			--cancel-after 500 >call.out 2>call.err
		st=$?
		[ $st = 0 ] || bad "sipkit call exit $st, expected 0"
		grep -q '^result: cancelled (487)' call.out || bad "no 'result: cancelled (487)'"
		grep -q 'query\[NAPTR\] sipkit.test' dnsmasq.log || bad "the caller asked no NAPTR"
		wait_bounded "$UAS_PID" 5 >/dev/null || bad "sipkit uas did not end after its call"
		teardown
	fi
	verdict
}

dns_nxdomain() {
	begin dns-nxdomain
	if setup --no-answer; then
		timeout -k 5 20 "$SIPKIT" call sip:bob@nowhere.sipkit.test --dns "udp:$LO:$DNS_PORT" \
			>call.out 2>call.err
		st=$?
		[ $st = 68 ] || bad "sipkit call to a name that does not exist: exit $st, expected 68"
		grep -q 'no such domain nowhere.sipkit.test' call.err || bad "no 'no such domain' on stderr"
		timeout -k 5 20 "$SIPKIT" call "sip:carol@$LO:$PROXY_PORT" >call2.out 2>call2.err
		grep -q '^result: .*604' call2.out || bad "through the proxy: no 604 in '$(grep result call2.out)'"
		teardown # the trace is whole once the proxy has exited
		grep -q 'Warning: 399 sipkit.test "DNS: no such domain nowhere.sipkit.test"' proxy.log ||
			bad "the proxy's 604 has no Warning saying why"
	fi
	verdict
}

all="dns-failover dns-call-cancel dns-nxdomain"
run_case() {
	PROXY_PID="" DNS_PID=""
	case $1 in
	dns-failover) dns_failover ;;
	dns-call-cancel) dns_call_cancel ;;
	dns-nxdomain) dns_nxdomain ;;
	*) echo "FAIL $1: no such case (cases: $all)"; fail=$((fail + 1)) ;;
	esac
	cleanup
}
if [ $# -gt 0 ]; then
	for c in "$@"; do run_case "$c"; done
else
	for c in $all; do run_case "$c"; done
fi
echo "interop-dns: $pass passed, $fail failed"
[ "$fail" = 0 ]
