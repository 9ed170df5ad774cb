#!/bin/sh
# Interoperability tests of `sipkit proxy --location redis://...` with a real
# redis-server (Debian's redis-server, 7.0 on bookworm), on loopback:
#
#   redis-restart-proxy   bob registers (tests/interop/sipreg.py) through a proxy
#                         on Redis; the proxy is stopped and started again; a
#                         sipkit call to bob through it reaches his phone
#                         (sipkit uas) and is answered (the second proxy reads
#                         `location redis://...` from its -c file)
#   redis-two-proxies     proxies A and B on one Redis: bob registers through A,
#                         a call through B reaches him; `sipkit ctl bindings` on
#                         B lists the binding with its source and transport; the
#                         registrar's rules across both (§10.3): a q 0.5 contact
#                         and a refresh through B seen by A in q order, a lower
#                         CSeq of the same Call-ID refused (500), one contact
#                         removed, then all (Contact: *): no key left in Redis
#   redis-outage          Redis killed mid-test: REGISTER gets 500 with
#                         Retry-After, a call to bob 480 with a Warning, and the
#                         proxy answers its control socket at once (no stall, no
#                         crash); Redis started again on the same port: without
#                         restarting the proxy, REGISTER gets 200 again (within
#                         the breaker's backoff) and the call is answered
#   redis-hung            Redis stopped (SIGSTOP) with the proxy connected to it:
#                         REGISTER gets 500 and a call 480 once the command's
#                         deadline passes, the control socket answers at once
#                         meanwhile (the breaker is open: no further waits);
#                         SIGCONT: served again without a restart
#   redis-expiry          a registration of 2 s (--min-expires 1): listed, then
#                         gone from `ctl bindings` and from Redis itself (no key
#                         left) after it expired, and a call gets 404
#   memory-ctl-bindings   `sipkit ctl bindings [AOR]` on the in-memory store:
#                         contact, expires left, q, source, transport, Call-ID
#
# Each case starts its own redis-server on a free loopback port (--save ''
# --appendonly no --bind 127.0.0.1, never the system service) and stops it by
# PID. Every process listens and sends on 127.0.0.1 only and runs under
# `timeout`; background processes are killed on exit (tests/interop/lib.sh).
# About 20 s.
#
#   sh tests/interop/redis.sh [CASE...]
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ -z "${SIPKIT:-}" ]; then
	if [ -x "$root/build/asan/sipkit" ]; then SIPKIT=$root/build/asan/sipkit; else SIPKIT=$root/build/sipkit; fi
fi
case $SIPKIT in /*) ;; *) SIPKIT=$(pwd)/$SIPKIT ;; esac # the cases cd into their directories
REDIS=${REDIS:-$(command -v redis-server || echo /usr/bin/redis-server)}
REG="python3 $here/sipreg.py"
LO=127.0.0.1
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}

suite=interop-redis
PORT_SEED=7
work=$(mktemp -d "${TMPDIR:-/tmp}/sipkit-redis.XXXXXX")
pids=""
pass=0
fail=0
# shellcheck source=tests/interop/lib.sh
. "$here/lib.sh"

all="redis-restart-proxy redis-two-proxies redis-outage redis-hung redis-expiry memory-ctl-bindings"

# start_redis: a redis-server of our own on $REDIS_PORT (allocated once per case)
start_redis() {
	timeout -k 5 60 "$REDIS" --save '' --appendonly no --port "$REDIS_PORT" --bind $LO \
		--daemonize no >>redis.log 2>&1 &
	REDIS_PID=$!
	pids="$pids $REDIS_PID"
	n=0
	while ! listening tcp "$REDIS_PORT"; do
		if ! running $REDIS_PID || [ $n -ge 50 ]; then
			bad "redis-server did not start"
			return 1
		fi
		sleep 0.1
		n=$((n + 1))
	done
}

stop_redis() {
	term_child "$REDIS_PID"
	wait_bounded "$REDIS_PID" 5 >/dev/null
}

# start_bg NAME PROCESS-COUNT ARGS: sipkit ARGS in the background, until it listens
start_bg() {
	name=$1
	shift
	timeout -k 5 40 "$SIPKIT" "$@" >"$name.out" 2>"$name.err" &
	BG_PID=$!
	pids="$pids $BG_PID"
	n=0
	while ! grep -q 'listening on' "$name.err" 2>/dev/null; do
		if ! running $BG_PID || [ $n -ge 50 ]; then
			bad "sipkit $1 ($name) did not start listening"
			return 1
		fi
		sleep 0.1
		n=$((n + 1))
	done
}

# proxy NAME PORT [args]: a proxy on udp PORT with its control socket NAME.sock
proxy() {
	pname=$1 pport=$2
	shift 2
	start_bg "$pname" proxy -l "udp:$LO:$pport" --ctl "$dir/$pname.sock" --min-expires 1 "$@"
	eval "${pname}_PID=\$BG_PID"
}

stop() { # pid: TERM, must exit 0
	term_child "$1"
	wait_bounded "$1" 5
	st=$?
	[ $st = 0 ] || bad "sipkit exit $st after TERM, expected 0"
}

phone() { # a phone on $PHONE_PORT answering after 100 ms
	start_bg phone uas -l "udp:$LO:$PHONE_PORT" --answer-after 100
}

# register PROXY-PORT EXPIRES OUT: bob's phone registered; the answer in OUT
register() {
	$REG "$1" bob "sip:bob@$LO:$PHONE_PORT" "$2" >"$3" 2>&1
}

expect_status() { # file status what
	head -n 1 "$1" | grep -q "^SIP/2.0 $2 " || bad "$3: $(head -n 1 "$1") (expected $2)"
}

# call PROXY-PORT NAME: sipkit call to bob through the proxy; its result line in NAME.out
call() {
	timeout -k 5 15 "$SIPKIT" call "sip:bob@$LO:$1" >"$2.out" 2>"$2.err"
}

expect_answered() { # name
	grep -q '^result: answered (200)' "$1.out" || bad "$1: $(grep '^result' "$1.out") (expected answered)"
}

redis_restart_proxy() {
	begin redis-restart-proxy
	alloc 3
	REDIS_PORT=$PORT PROXY_PORT=$((PORT + 1)) PHONE_PORT=$((PORT + 2))
	URL=redis://$LO:$REDIS_PORT
	if start_redis && phone && proxy a "$PROXY_PORT" --location "$URL"; then
		register "$PROXY_PORT" 600 reg.txt
		expect_status reg.txt 200 REGISTER
		stop "$a_PID"
		mv a.err a-first.err
		# the second time from a configuration file (-c): the same key
		printf 'location %s   # the shared store\n' "$URL" >proxy.cfg
		if proxy a "$PROXY_PORT" -c proxy.cfg; then
			call "$PROXY_PORT" call
			expect_answered call
			stop "$a_PID"
		fi
	fi
	verdict
}

redis_two_proxies() {
	begin redis-two-proxies
	alloc 4
	REDIS_PORT=$PORT A_PORT=$((PORT + 1)) B_PORT=$((PORT + 2)) PHONE_PORT=$((PORT + 3))
	URL=redis://$LO:$REDIS_PORT/2
	if start_redis && phone && proxy a "$A_PORT" --location "$URL" &&
		proxy b "$B_PORT" --location "$URL"; then
		register "$A_PORT" 600 reg.txt
		expect_status reg.txt 200 "REGISTER through A"
		call "$B_PORT" call
		expect_answered call
		"$SIPKIT" ctl -s "$dir/b.sock" bindings >ctl.txt 2>&1 || bad "ctl bindings on B failed"
		src=$(sed -n 's/^Via: .*rport=\([0-9]*\).*/\1/p' reg.txt)
		grep -q "^binding bob@$LO contact sip:bob@$LO:$PHONE_PORT expires [0-9]* q 1 source $LO:$src transport udp call-id reg-[0-9]*@$LO cseq 1\$" ctl.txt ||
			bad "ctl bindings on B: $(cat ctl.txt)"
		grep -qx 'bindings 1' ctl.txt || bad "ctl bindings on B: not 1 binding"
		# the registrar's rules on the shared bindings (RFC 3261 §10.3 step 7): through
		# B, a second contact with q 0.5 and a refresh of the first by its Call-ID;
		# through A, the same Call-ID with a lower CSeq refused; one removed; then all
		cid=$(sed -n 's/^Call-ID: //p' reg.txt)
		$REG "$B_PORT" bob "sip:bob2@$LO:$PHONE_PORT" 300 other-cid 1 0.5 >q.txt 2>&1
		expect_status q.txt 200 "second contact through B"
		$REG "$B_PORT" bob "sip:bob@$LO:$PHONE_PORT" 900 "$cid" 5 >refresh.txt 2>&1
		expect_status refresh.txt 200 "refresh through B"
		"$SIPKIT" ctl -s "$dir/a.sock" bindings "bob@$LO" >ctl2.txt 2>&1
		first=$(sed -n '1s/^binding [^ ]* contact \([^ ]*\) expires \([0-9]*\) q \([^ ]*\) .* cseq \([0-9]*\)$/\1 \2 \3 \4/p' ctl2.txt)
		second=$(sed -n '2s/^binding [^ ]* contact \([^ ]*\) expires [0-9]* q \([^ ]*\) .*$/\1 \2/p' ctl2.txt)
		# a countdown: the REGISTERs and ctl commands before it take seconds on a busy machine
		case $first in "sip:bob@$LO:$PHONE_PORT "[89][0-9][0-9]" 1 5") ;; *) bad "A after the refresh: '$first' ($(cat ctl2.txt))" ;; esac
		[ "$second" = "sip:bob2@$LO:$PHONE_PORT 0.5" ] || bad "A, the q 0.5 contact: '$second'"
		$REG "$A_PORT" bob "sip:bob@$LO:$PHONE_PORT" 600 "$cid" 4 >old.txt 2>&1
		expect_status old.txt 500 "a lower CSeq of the same Call-ID through A"
		$REG "$A_PORT" bob "sip:bob2@$LO:$PHONE_PORT" 0 other-cid 2 >rm1.txt 2>&1
		expect_status rm1.txt 200 "removing one contact through A"
		grep -q "bob2" rm1.txt && bad "the removed contact is still in the 200"
		$REG "$A_PORT" bob '*' 0 "$cid" 6 >rmall.txt 2>&1
		expect_status rmall.txt 200 "Contact: * through A"
		"$SIPKIT" ctl -s "$dir/b.sock" bindings >ctl3.txt 2>&1
		grep -qx 'bindings 0' ctl3.txt || bad "B after Contact *: $(cat ctl3.txt)"
		keys=$(redis-cli -p "$REDIS_PORT" -n 2 --scan --pattern 'sipkit:loc:*' 2>&1)
		[ -z "$keys" ] || bad "keys left in Redis after Contact *: $keys"
		stop "$a_PID"
		stop "$b_PID"
	fi
	verdict
}

redis_outage() {
	begin redis-outage
	alloc 3
	REDIS_PORT=$PORT PROXY_PORT=$((PORT + 1)) PHONE_PORT=$((PORT + 2))
	URL=redis://$LO:$REDIS_PORT
	if start_redis && phone && proxy a "$PROXY_PORT" --location "$URL" --trace a.trace; then
		register "$PROXY_PORT" 600 reg1.txt
		expect_status reg1.txt 200 "REGISTER before"
		stop_redis
		register "$PROXY_PORT" 600 reg2.txt
		expect_status reg2.txt 500 "REGISTER during the outage"
		grep -q '^Retry-After: [0-9]' reg2.txt || bad "no Retry-After in the 500"
		call "$PROXY_PORT" call1
		grep -q '^result: rejected (480' call1.out || bad "call during the outage: $(grep '^result' call1.out) (expected 480)"
		timeout 2 "$SIPKIT" ctl -s "$dir/a.sock" stats >stats.txt 2>&1 || bad "the proxy did not answer its control socket during the outage"
		timeout 2 "$SIPKIT" ctl -s "$dir/a.sock" bindings >ctl1.txt 2>&1
		grep -q '^error: location store unavailable' ctl1.txt || bad "ctl bindings during the outage: $(cat ctl1.txt)"
		running "$a_PID" || bad "the proxy died during the outage"
		start_redis
		# the breaker tries again after its backoff (0.5 s doubling, at most 4 s)
		n=0
		while register "$PROXY_PORT" 600 reg3.txt && ! head -n 1 reg3.txt | grep -q '^SIP/2.0 200 ' && [ $n -lt 12 ]; do
			sleep 0.5
			n=$((n + 1))
		done
		expect_status reg3.txt 200 "REGISTER after Redis came back"
		call "$PROXY_PORT" call2
		expect_answered call2
		grep -q 'available again' a.err || bad "no 'available again' in the proxy's log"
		stop "$a_PID"
		# the trace is complete once the proxy has ended
		grep -q "^Warning: 399 $LO:$PROXY_PORT \"location store unavailable\"" a.trace ||
			bad "no Warning in the 480 (the proxy's trace)"
	fi
	verdict
}

redis_hung() {
	begin redis-hung
	alloc 3
	REDIS_PORT=$PORT PROXY_PORT=$((PORT + 1)) PHONE_PORT=$((PORT + 2))
	URL=redis://$LO:$REDIS_PORT
	if start_redis && phone && proxy a "$PROXY_PORT" --location "$URL"; then
		register "$PROXY_PORT" 600 reg1.txt
		expect_status reg1.txt 200 "REGISTER before"
		server=$(ps -o pid= --ppid "$REDIS_PID" | awk 'NR == 1 {print $1}')
		kill -STOP "$server"
		register "$PROXY_PORT" 600 reg2.txt
		expect_status reg2.txt 500 "REGISTER with Redis stopped"
		call "$PROXY_PORT" call1
		grep -q '^result: rejected (480' call1.out || bad "call with Redis stopped: $(grep '^result' call1.out) (expected 480)"
		timeout 1 "$SIPKIT" ctl -s "$dir/a.sock" stats >stats.txt 2>&1 || bad "the proxy did not answer its control socket at once"
		kill -CONT "$server"
		n=0
		while register "$PROXY_PORT" 600 reg3.txt && ! head -n 1 reg3.txt | grep -q '^SIP/2.0 200 ' && [ $n -lt 12 ]; do
			sleep 0.5
			n=$((n + 1))
		done
		expect_status reg3.txt 200 "REGISTER after SIGCONT"
		call "$PROXY_PORT" call2
		expect_answered call2
		grep -q 'unavailable (no answer in time)' a.err || bad "no 'no answer in time' in the proxy's log"
		stop "$a_PID"
	fi
	verdict
}

redis_expiry() {
	begin redis-expiry
	alloc 3
	REDIS_PORT=$PORT PROXY_PORT=$((PORT + 1)) PHONE_PORT=$((PORT + 2))
	URL=redis://$LO:$REDIS_PORT
	if start_redis && proxy a "$PROXY_PORT" --location "$URL"; then
		register "$PROXY_PORT" 2 reg.txt
		expect_status reg.txt 200 REGISTER
		grep -q "^Contact: <sip:bob@$LO:$PHONE_PORT>;expires=2" reg.txt || bad "200 without expires=2"
		"$SIPKIT" ctl -s "$dir/a.sock" bindings "sip:bob@$LO" >ctl1.txt 2>&1
		grep -qx 'bindings 1' ctl1.txt || bad "not listed before expiry: $(cat ctl1.txt)"
		sleep 2.5
		"$SIPKIT" ctl -s "$dir/a.sock" bindings >ctl2.txt 2>&1
		grep -qx 'bindings 0' ctl2.txt || bad "listed after expiry: $(cat ctl2.txt)"
		keys=$(redis-cli -p "$REDIS_PORT" --scan --pattern 'sipkit:loc:*' 2>&1)
		[ -z "$keys" ] || bad "keys left in Redis after expiry: $keys"
		call "$PROXY_PORT" call
		grep -q '^result: rejected (404' call.out || bad "call after expiry: $(grep '^result' call.out) (expected 404)"
		stop "$a_PID"
	fi
	verdict
}

memory_ctl_bindings() {
	begin memory-ctl-bindings
	alloc 2
	PROXY_PORT=$PORT PHONE_PORT=$((PORT + 1))
	if proxy a "$PROXY_PORT"; then
		$REG "$PROXY_PORT" bob "sip:bob@$LO:$PHONE_PORT" 600 reg.txt-cid 1 >reg.txt 2>&1
		expect_status reg.txt 200 REGISTER
		src=$(sed -n 's/^Via: .*rport=\([0-9]*\).*/\1/p' reg.txt)
		for what in "" "sip:bob@$LO" "bob@$LO"; do
			# shellcheck disable=SC2086 # no AOR: no argument
			"$SIPKIT" ctl -s "$dir/a.sock" bindings $what >ctl.txt 2>&1 || bad "ctl bindings $what failed"
			# expires counts down: each ctl of this loop may take a second on a busy machine
			grep -qE "^binding bob@$LO contact sip:bob@$LO:$PHONE_PORT expires (59[0-9]|600) q 1 source $LO:$src transport udp call-id reg.txt-cid cseq 1\$" ctl.txt ||
				bad "ctl bindings $what: $(cat ctl.txt)"
		done
		"$SIPKIT" ctl -s "$dir/a.sock" bindings alice@$LO >ctl.txt 2>&1
		grep -qx 'bindings 0' ctl.txt || bad "ctl bindings alice: $(cat ctl.txt)"
		stop "$a_PID"
	fi
	verdict
}

run_case() {
	case $1 in
	redis-restart-proxy) redis_restart_proxy ;;
	redis-two-proxies) redis_two_proxies ;;
	redis-outage) redis_outage ;;
	redis-hung) redis_hung ;;
	redis-expiry) redis_expiry ;;
	memory-ctl-bindings) memory_ctl_bindings ;;
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
