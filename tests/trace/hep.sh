#!/bin/sh
# HEP: the traces of tests/data/trace/MANIFEST.tsv sent as HEP (hep-send,
# bench/check/hep_send.c) must give sipkit check the same calls, outcomes and
# findings as the traces themselves:
#  - inside a capture (HEP v3 and v2 datagrams to port 9060 in a pcap), with
#    broken and foreign HEP datagrams between them, counted by reason;
#  - received live by `sipkit check --hep udp:127.0.0.1:PORT --json` (v3 with
#    the broken ones, and v2), stopped with SIGINT: exit status as for the
#    files, one JSON line per call, the summary last;
#  - the same over TCP (--hep tcp:, HEP3 on one connection), and hostile TCP
#    senders: bytes that are not HEP3, a header whose length is too short, a
#    message cut by its connection's end, more connections than the bound
#    held open and idle: each counted, and the honest sender that comes last
#    takes the place of an idle one and is read whole.
# Plus the live options' usage errors. Loopback only; every process under
# timeout, stopped by its pid.
SIPKIT=${SIPKIT:-build/sipkit}
HEP_SEND=${HEP_SEND:-build/hep-send}
data=tests/data/trace
pass=0
fail=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sk_hep.XXXXXX") || exit 1
bg=""
trap 'for p in $bg; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

files=""
while IFS='	' read -r file _rest; do
	case $file in '#'* | '') continue ;; esac
	files="$files $data/$file"
done <"$data/MANIFEST.tsv"

# call_id outcome codes..., one line per call, sorted: what must be equal
calls() { awk -f tests/trace/calls.awk "$1" | sort; }

summary() { # file key: a number of the summary line's "hep" object (0: none)
	v=$(tail -1 "$1" | grep -o '"hep":{[^}]*}' | grep -o "\"$2\":[0-9]*" | cut -d: -f2)
	echo "${v:-0}"
}

skipped() { # file reason: the summary line's count of packets skipped for it (0: none)
	v=$(tail -1 "$1" | grep -o '"skipped":{[^}]*}' | grep -o "\"$2\":[0-9]*" | cut -d: -f2)
	echo "${v:-0}"
}

# shellcheck disable=SC2086
"$SIPKIT" check --json --no-progress $files >"$tmp/want.json" 2>/dev/null
want_exit=$?
calls "$tmp/want.json" >"$tmp/want.calls"
n=$(wc -l <"$tmp/want.calls")
[ "$n" -ge 20 ] && ok || bad "only $n calls in the traces"

# ---- HEP inside a capture
for v in 3 2; do
	# shellcheck disable=SC2086
	if ! "$HEP_SEND" --version $v --hostile --pcap "$tmp/hep$v.pcap" $files udp:127.0.0.1:9060 >"$tmp/send.out" 2>&1; then
		bad "hep-send --pcap v$v: $(cat "$tmp/send.out")"
		continue
	fi
	"$SIPKIT" check --json --no-progress "$tmp/hep$v.pcap" >"$tmp/got.json" 2>"$tmp/got.err"
	st=$?
	[ $st = $want_exit ] && ok || bad "pcap v$v: exit $st, want $want_exit"
	calls "$tmp/got.json" >"$tmp/got.calls"
	if diff "$tmp/want.calls" "$tmp/got.calls" >"$tmp/diff"; then ok; else
		bad "pcap v$v: calls differ from the traces'"
		head -20 "$tmp/diff"
	fi
	for k in hep_malformed hep_not_sip hep_compressed; do
		c=$(skipped "$tmp/got.json" $k)
		[ "${c:-0}" -gt 0 ] && ok || bad "pcap v$v: no HEP counted as $k"
	done
done
# and with --port naming the SIP ports inside, not the HEP port
# shellcheck disable=SC2086
"$SIPKIT" check --json --no-progress --port 5060 "$tmp/hep3.pcap" >"$tmp/got.json" 2>&1
[ "$(summary "$tmp/got.json" messages)" -gt 0 ] && ok || bad "pcap --port 5060: no HEP read"

# ---- HEP received live
port_free() { ! ss -Hlun "sport = :$1" 2>/dev/null | grep -q . && ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
port=$((20000 + $$ % 9000))
while ! port_free $port; do port=$((port + 1)); done

live() { # name version hostile(0/1) [transport]
	name=$1 v=$2 h=$3 tp=${4:-udp}
	timeout -k 5 60 "$SIPKIT" check --hep "$tp:127.0.0.1:$port" --json --no-progress \
		>"$tmp/$name.json" 2>"$tmp/$name.err" &
	pid=$!
	bg="$bg $pid"
	i=0
	until grep -q 'listening for HEP' "$tmp/$name.err" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 $pid 2>/dev/null; then
			bad "$name: sipkit check --hep did not start: $(cat "$tmp/$name.err")"
			kill $pid 2>/dev/null
			return
		fi
		sleep 0.1
	done
	hostile=""
	[ "$h" = 1 ] && hostile=--hostile
	# shellcheck disable=SC2086
	"$HEP_SEND" --version "$v" $hostile --rate 5000 $files "$tp:127.0.0.1:$port" >"$tmp/send.out" 2>&1 ||
		bad "$name: hep-send: $(cat "$tmp/send.out")"
	sent=$(sed -n 's/^sent \([0-9]*\) messages.*/\1/p' "$tmp/send.out")
	# SIGINT to sipkit itself (timeout's child), as Ctrl-C would
	kid=$(ps -o pid= --ppid $pid 2>/dev/null | head -n 1)
	kill -INT ${kid:-$pid}
	wait $pid
	st=$?
	[ $st = $want_exit ] && ok || bad "$name: exit $st after SIGINT, want $want_exit: $(cat "$tmp/$name.err")"
	calls "$tmp/$name.json" >"$tmp/$name.calls"
	if diff "$tmp/want.calls" "$tmp/$name.calls" >"$tmp/diff"; then ok; else
		bad "$name: calls differ from the traces'"
		head -20 "$tmp/diff"
	fi
	got=$(summary "$tmp/$name.json" messages)
	[ "$got" = "$sent" ] && ok || bad "$name: $got messages read out of HEP, $sent sent"
	if [ "$h" = 1 ]; then
		for k in hep_malformed hep_not_sip hep_compressed; do
			c=$(skipped "$tmp/$name.json" $k)
			[ "${c:-0}" -gt 0 ] && ok || bad "$name: no HEP counted as $k"
		done
	fi
}
live live-v3 3 1
live live-v2 2 0
live live-tcp 3 0 tcp

# ---- hostile HEP over TCP: each bad connection counted and closed, the good one read
timeout -k 5 60 "$SIPKIT" check --hep "tcp:127.0.0.1:$port" --json --no-progress \
	>"$tmp/tcp-bad.json" 2>"$tmp/tcp-bad.err" &
pid=$!
bg="$bg $pid"
i=0
until grep -q 'listening for HEP' "$tmp/tcp-bad.err" 2>/dev/null || [ $i -gt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
python3 - "$port" >"$tmp/tcp-bad.py.out" 2>&1 <<'EOF' &
import socket, sys, time
port = int(sys.argv[1])
def conn():
    return socket.create_connection(("127.0.0.1", port))
a = conn(); a.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")         # not HEP3: closed
b = conn(); b.sendall(b"HEP3\x00\x03")                                  # length < header
c = conn(); c.sendall(b"HEP3\x01\x00" + b"\x00" * 100); c.close()      # cut at its end
time.sleep(0.3)
extra = [conn() for _ in range(70)]                                    # past the bound
time.sleep(5.6)                                                        # idle: replaceable
print("held", flush=True)
time.sleep(3)
for s in extra + [a, b]:
    s.close()
EOF
py=$!
bg="$bg $py"
i=0
until grep -q held "$tmp/tcp-bad.py.out" 2>/dev/null || [ $i -gt 150 ]; do
	i=$((i + 1))
	sleep 0.1
done
"$HEP_SEND" --rate 5000 $files "tcp:127.0.0.1:$port" >"$tmp/send.out" 2>&1 || bad "tcp-hostile: hep-send: $(cat "$tmp/send.out")"
sent=$(sed -n 's/^sent \([0-9]*\) messages.*/\1/p' "$tmp/send.out")
wait $py
kid=$(ps -o pid= --ppid $pid 2>/dev/null | head -n 1)
kill -INT ${kid:-$pid}
wait $pid
[ "$(summary "$tmp/tcp-bad.json" messages)" = "$sent" ] && ok ||
	bad "tcp-hostile: $(summary "$tmp/tcp-bad.json" messages) messages read, $sent sent"
[ "$(skipped "$tmp/tcp-bad.json" hep_malformed)" = 2 ] && ok ||
	bad "tcp-hostile: hep_malformed $(skipped "$tmp/tcp-bad.json" hep_malformed), want 2"
[ "$(skipped "$tmp/tcp-bad.json" truncated)" = 1 ] && ok ||
	bad "tcp-hostile: truncated $(skipped "$tmp/tcp-bad.json" truncated), want 1"
[ "$(skipped "$tmp/tcp-bad.json" over_limit)" -ge 7 ] && ok ||
	bad "tcp-hostile: over_limit $(skipped "$tmp/tcp-bad.json" over_limit), want at least 7 (6 refused, 1 idle replaced)"

# ---- usage
expect() { # name want-exit stderr-substring command...
	name=$1 want=$2 msg=$3
	shift 3
	"$@" >"$tmp/u.out" 2>"$tmp/u.err"
	st=$?
	if [ $st = "$want" ] && grep -qF -- "$msg" "$tmp/u.err"; then ok; else
		bad "$name: exit $st (want $want), stderr: $(cat "$tmp/u.err")"
	fi
}
expect hep-and-live 64 "one live input" "$SIPKIT" check --hep udp:127.0.0.1:9 --live lo
expect filter-alone 64 "--filter goes with --live" "$SIPKIT" check --filter udp --hep udp:127.0.0.1:9
expect live-and-file 64 "read no files" "$SIPKIT" check --hep udp:127.0.0.1:9 x.pcap
expect hep-bad-spec 2 "expected udp:HOST:PORT or tcp:HOST:PORT" "$SIPKIT" check --hep sctp:127.0.0.1:9
expect hep-name 2 "expected udp:HOST:PORT" "$SIPKIT" check --hep udp:localhost:9
expect live-no-iface 2 "--live sk-no-such0" "$SIPKIT" check --live sk-no-such0

echo "hep checks: $pass passed, $fail failed"
[ $fail = 0 ]
