#!/bin/sh
# Golden tests of the command line: each case runs sipkit, compares stdout with
# tests/cli/golden/NAME.out and the exit status with the expected one.
# Set UPDATE=1 to rewrite the golden files after a deliberate change.
SIPKIT=${SIPKIT:-build/sipkit}
dir=$(dirname "$0")
data=tests/data/torture
pass=0
fail=0

check() { # name expected-exit command...
	name=$1; want=$2; shift 2
	out=$("$@" 2>/tmp/sk_cli_err.$$); got=$?
	golden="$dir/golden/$name.out"
	if [ -n "$UPDATE" ]; then printf '%s\n' "$out" >"$golden"; fi
	if [ "$got" != "$want" ]; then
		echo "FAIL $name: exit $got, expected $want"; cat /tmp/sk_cli_err.$$; fail=$((fail + 1)); return
	fi
	if [ -f "$golden" ] && [ "$(printf '%s\n' "$out")" != "$(cat "$golden")" ]; then
		echo "FAIL $name: output differs from $golden"
		printf '%s\n' "$out" | diff "$golden" - | head -20
		fail=$((fail + 1)); return
	fi
	pass=$((pass + 1))
}

check_out() { # name expected-exit expected-stdout-substring command... (output not golden: times, ports)
	name=$1; want=$2; msg=$3; shift 3
	"$@" >/tmp/sk_cli_out.$$ 2>/tmp/sk_cli_err.$$; got=$?
	if [ "$got" != "$want" ] || ! grep -qF -- "$msg" /tmp/sk_cli_out.$$; then
		echo "FAIL $name: exit $got (expected $want), stdout:"; cat /tmp/sk_cli_out.$$ /tmp/sk_cli_err.$$
		fail=$((fail + 1)); return
	fi
	pass=$((pass + 1))
}

check_err_absent() { # name text: the stderr of the last check_err does not say text
	if grep -qF -- "$2" /tmp/sk_cli_err.$$; then
		echo "FAIL $1: stderr says '$2':"; cat /tmp/sk_cli_err.$$
		fail=$((fail + 1)); return
	fi
	pass=$((pass + 1))
}

check_err() { # name expected-exit expected-stderr-substring command...
	name=$1; want=$2; msg=$3; shift 3
	"$@" >/dev/null 2>/tmp/sk_cli_err.$$; got=$?
	if [ "$got" != "$want" ] || ! grep -qF -- "$msg" /tmp/sk_cli_err.$$; then
		echo "FAIL $name: exit $got (expected $want), stderr:"; cat /tmp/sk_cli_err.$$
		fail=$((fail + 1)); return
	fi
	pass=$((pass + 1))
}

check help 0 "$SIPKIT" --help
check decode-wsinv 0 "$SIPKIT" decode "$data/valid/wsinv.dat"
check decode-intmeth-json 0 "$SIPKIT" decode --json "$data/valid/intmeth.dat"
check decode-stdin 0 sh -c "\"$SIPKIT\" decode - < $data/valid/esc01.dat"
check decode-insuf 0 "$SIPKIT" decode "$data/semantic/insuf.dat"
check_out demo 0 "4 of 4 calls went as RFC 3261 says" "$SIPKIT" demo
check_err decode-badaspec 65 "line 5, column 4, header To: whitespace between" "$SIPKIT" decode "$data/invalid/badaspec.dat"
check_err decode-badvers 65 "505 Version Not Supported" "$SIPKIT" decode "$data/invalid/badvers.dat"
check_err decode-missing 66 "No such file" "$SIPKIT" decode /nonexistent/msg.sip
check_err decode-usage 64 "unknown option" "$SIPKIT" decode --bogus
printf 'listen udp:127.0.0.1:0\nfork sideways\n' >/tmp/sk_cli_cfg.$$
check_err proxy-bad-config 64 "sk_cli_cfg.$$:2: bad setting 'fork sideways'" "$SIPKIT" proxy -c /tmp/sk_cli_cfg.$$
rm -f /tmp/sk_cli_cfg.$$
check_err proxy-bad-route 64 "bad route" "$SIPKIT" proxy --route 'bob=sip:host.example:5060;transport=sctp' -l udp:127.0.0.1:0
check_err proxy-bad-route-host 64 "bad route" "$SIPKIT" proxy --route 'bob=sip:bad!host' -l udp:127.0.0.1:0
check_err proxy-bad-dns 64 "bad --dns 'localhost:53'" "$SIPKIT" proxy --dns localhost:53 -l udp:127.0.0.1:0
check_err call-bad-dns 64 "bad --dns 'nowhere'" "$SIPKIT" call sip:bob@example.test --dns nowhere
check_err proxy-timer-c 64 "Timer C must exceed 3 minutes" "$SIPKIT" proxy --timer-c 1000
check_err proxy-log-burst 64 "bad setting 'log-burst 0'" "$SIPKIT" proxy --log-burst 0
check_err proxy-max-breadth 64 "bad setting 'max-breadth 0'" "$SIPKIT" proxy --max-breadth 0
check_err proxy-src-rate 64 "bad setting 'src-rate lots'" "$SIPKIT" proxy --src-rate lots
check_err proxy-trust 64 "bad --trust '10.0.0.0/33'" "$SIPKIT" proxy --trust 10.0.0.0/33 -l udp:127.0.0.1:0
check_err proxy-log-rate 64 "bad setting 'log-rate x'" "$SIPKIT" proxy --log-rate x
check_err proxy-workers-0 64 "bad setting 'workers 0'" "$SIPKIT" proxy --workers 0
check_err proxy-workers-65 64 "bad setting 'workers 65'" "$SIPKIT" proxy --workers 65
check_err proxy-tcp-zero 64 "bad setting 'tcp-max-in 0'" "$SIPKIT" proxy --tcp-max-in 0
check_err proxy-tcp-unknown 64 "bad setting 'tcp-bogus 3'" "$SIPKIT" proxy --tcp-bogus 3
check_err proxy-wss-no-cert 69 "cannot listen on WSS: no certificate and key" "$SIPKIT" proxy -l wss:127.0.0.1:0 --duration 1
# a WebSocket listener runs as many workers as any other, without a word (docs/workers.md: a
# call reaches the browser through the worker holding its connection)
check_err proxy-ws-workers 0 "listening on ws:127.0.0.1:" "$SIPKIT" proxy -l udp:127.0.0.1:0 -l ws:127.0.0.1:0 --workers 2 --duration 1
check_err_absent proxy-ws-workers-no-warning "WebSocket listener"
check_err proxy-ws-default-workers 0 "listening on ws:127.0.0.1:" "$SIPKIT" proxy -l udp:127.0.0.1:0 -l ws:127.0.0.1:0 --duration 1
check_err_absent proxy-ws-default-workers-not-one "one worker"
check_err ctl-no-proxy 69 "no proxy on" "$SIPKIT" ctl -s /tmp/sk_no_such_proxy.sock stats
check_err uas-no-listen 64 "give at least one -l" "$SIPKIT" uas
check_err call-no-uri 64 "no URI to call" "$SIPKIT" call
# Digest credentials (RFC 3261 §22): a password file that cannot be read, credentials
# without a registrar, a registrar that is no sip: URI with an address
check_err call-password-file 64 "cannot read a password from" "$SIPKIT" call sip:b@127.0.0.1 --password-file /nonexistent/pw
check_err uas-password-alone 64 "go with --register" "$SIPKIT" uas -l udp:127.0.0.1:0 --user bob --password x
check_err uas-register-bad 64 "--register takes a sip: URI" "$SIPKIT" uas -l udp:127.0.0.1:0 --register registrar.example
check_out call-help-auth 0 "--password PASSWORD | --password-file FILE" "$SIPKIT" call --help
check_out uas-help-register 0 "--register sip:REGISTRAR" "$SIPKIT" uas --help
check uas-help 0 "$SIPKIT" uas --help
check call-help 0 "$SIPKIT" call --help
check check-help 0 "$SIPKIT" check --help
check_err uas-100rel-bad 64 "--100rel is off, supported or required, not 'maybe'" "$SIPKIT" uas -l udp:127.0.0.1:0 --100rel maybe
check_err call-100rel-bad 64 "--100rel is off, supported or required, not 'yes'" "$SIPKIT" call sip:b@127.0.0.1 --100rel yes
check_err unknown-command 64 "unknown command" "$SIPKIT" frobnicate
check_err decode-too-big 65 "larger than the limit of 100 bytes" "$SIPKIT" decode --max-size 100 "$data/valid/wsinv.dat"

# decode points each header, the method or the status code to `sipkit explain`
printf 'SIP/2.0 487 Request Terminated\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>;tag=2\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nReason: SIP;cause=200;text="Call completed elsewhere"\r\nX-Other: 1\r\nContent-Length: 0\r\n\r\n' >/tmp/sk_cli_487.$$
check decode-487-explain 0 "$SIPKIT" decode /tmp/sk_cli_487.$$
check_out decode-487-explain-json 0 '"status":487,"reason":"Request Terminated","explain":"487"' "$SIPKIT" decode --json /tmp/sk_cli_487.$$
check_out decode-explain-header-json 0 '"canonical":"Reason","value":"SIP;cause=200;text=\"Call completed elsewhere\"","explain":"Reason"}' "$SIPKIT" decode --json /tmp/sk_cli_487.$$
rm -f /tmp/sk_cli_487.$$

# sipkit explain: the reference beside `sipkit check`
check explain-cancel 0 "$SIPKIT" explain CANCEL
check explain-487 0 "$SIPKIT" explain 487
check explain-reason 0 "$SIPKIT" explain reason
check explain-list 0 "$SIPKIT" explain --list
check explain-json-481 0 "$SIPKIT" explain --json 481
check_out explain-302 0 "302 Moved Temporarily is one of the 3xx codes" "$SIPKIT" explain 302
check_out explain-compact-v 0 "Via (compact form v) - " "$SIPKIT" explain v
check_out explain-reinvite 0 "re-INVITE - " "$SIPKIT" explain REINVITE
check_out explain-colon 0 "Call-ID (compact form i) - " "$SIPKIT" explain call-id:
check_err explain-unknown 1 "sipkit explain: no entry for 'CANCLE'" "$SIPKIT" explain CANCLE
check_err explain-suggest 1 "did you mean CANCEL?" "$SIPKIT" explain CANCLE
check_err explain-no-word 64 "which word?" "$SIPKIT" explain
check_err explain-two-words 64 "one word at a time" "$SIPKIT" explain INVITE BYE
check_err explain-bad-option 64 "unknown option --bogus" "$SIPKIT" explain --bogus
check_out explain-help 0 "usage: sipkit explain" "$SIPKIT" explain --help
# no dangling pointer: every header named in a Headers table and every Related word has an entry
check_out explain-refs 0 "every reference resolves" "$SIPKIT" explain --check-refs

# every word of the catalogue: found, and with every section title of its kind
titles_method="Purpose|In the call flow|Direction|Headers|Body|Normal responses|Common failures|Troubleshooting|Related"
titles_response="Purpose|In the call flow|Who sends it|Headers|What follows|Common failures|Troubleshooting|Related"
titles_header="What it is|Grammar|Who sets it|Inspect|Related"
explain_words() { # kind words...
	kind=$1; shift
	eval "titles=\$titles_$kind"
	for w in "$@"; do
		if ! "$SIPKIT" explain "$w" >/tmp/sk_cli_out.$$ 2>/tmp/sk_cli_err.$$; then
			echo "FAIL explain $w: exit $?"; cat /tmp/sk_cli_err.$$; fail=$((fail + 1)); continue
		fi
		missing=$(printf '%s\n' "$titles" | tr '|' '\n' | while read -r t; do
			grep -qx -- "$t" /tmp/sk_cli_out.$$ || printf '"%s" ' "$t"; done)
		if [ -n "$missing" ]; then
			echo "FAIL explain $w: no section $missing"; fail=$((fail + 1)); continue
		fi
		if command -v python3 >/dev/null 2>&1 && ! "$SIPKIT" explain --json "$w" |
			python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null; then
			echo "FAIL explain --json $w: not valid JSON"; fail=$((fail + 1)); continue
		fi
		pass=$((pass + 1))
	done
}
explain_words method REGISTER INVITE ACK BYE CANCEL OPTIONS PRACK UPDATE re-INVITE MESSAGE REFER \
	SUBSCRIBE NOTIFY INFO
explain_words response 100 180 181 182 183 200 202 3xx 302 400 401 403 404 407 408 480 481 482 483 \
	486 487 488 491 500 503 603
headers=$("$SIPKIT" explain --list | awk '/^[^ ]/ { h = /^headers/; next } h && /^  [^ ]/ { print $1 }')
[ "$(echo $headers | wc -w)" -ge 49 ] || { echo "FAIL explain --list: too few headers"; fail=$((fail + 1)); }
explain_words header $headers
titles_diagnostic="Finding|Severity|Likely cause|Inspect|Next step"
codes=$("$SIPKIT" explain --list | awk '/^[^ ]/ { h = /^diagnostics/; next } h && /^  [^ ]/ { print $1 }')
[ "$(echo $codes | wc -w)" -ge 20 ] || { echo "FAIL explain --list: too few diagnostics"; fail=$((fail + 1)); }
explain_words diagnostic $codes

# --json is valid JSON for every torture message, accepted or not (invalid UTF-8,
# NUL and control bytes included); exit codes are 0 or 65, never a crash
if command -v python3 >/dev/null 2>&1; then
	for f in $(find "$data" -name '*.dat' | sort); do
		"$SIPKIT" decode --json "$f" >/tmp/sk_cli_json.$$ 2>/dev/null; got=$?
		if [ "$got" != 0 ] && [ "$got" != 65 ]; then
			echo "FAIL json $f: exit $got"; fail=$((fail + 1)); continue
		fi
		if ! python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' /tmp/sk_cli_json.$$ 2>/dev/null; then
			echo "FAIL json $f: not valid JSON"; fail=$((fail + 1)); continue
		fi
		pass=$((pass + 1))
	done
	rm -f /tmp/sk_cli_json.$$
fi

# ---- the phones: each line of the README's exit-status table, on loopback ----
# Each case starts at most one `sipkit uas` (bounded by timeout, stopped by its
# pid), runs `sipkit call` against it (bounded too) and checks the call's exit
# status and result line, and the uas's per-call line and exit status.
ph_dir=/tmp/sk_cli_phones.$$
mkdir -p "$ph_dir"
ph_port=$((20000 + ($$ % 500) * 20))
uas_pid=""
free_port() { # PORT: a port no TCP or UDP socket uses
	while command -v ss >/dev/null 2>&1 &&
		ss -Htuan 2>/dev/null | awk '{print $5}' | grep -q ":$ph_port\$"; do
		ph_port=$((ph_port + 1))
	done
	PORT=$ph_port
	ph_port=$((ph_port + 1))
}
start_uas() { # args...: a uas in the background, its stdout/stderr in $ph_dir/uas.*
	rm -f "$ph_dir/uas.out" "$ph_dir/uas.err"
	timeout -k 2 20 "$SIPKIT" uas "$@" >"$ph_dir/uas.out" 2>"$ph_dir/uas.err" &
	uas_pid=$!
	n=0
	while ! grep -q "listening on" "$ph_dir/uas.err" 2>/dev/null && [ $n -lt 50 ]; do
		sleep 0.1; n=$((n + 1))
	done
}
stop_uas() { # UAS_STATUS: its exit status (after a TERM if it still runs after 5 s)
	n=0
	while kill -0 "$uas_pid" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	kill "$uas_pid" 2>/dev/null
	wait "$uas_pid"; UAS_STATUS=$?
	uas_pid=""
}
phone_case() { # name want-exit want-result-line uas-args -- call-args
	name=$1; want=$2; line=$3; shift 3
	uas_args=""
	while [ "$1" != "--" ]; do uas_args="$uas_args $1"; shift; done
	shift
	# shellcheck disable=SC2086
	[ -n "$uas_args" ] && start_uas $uas_args
	timeout -k 2 20 "$SIPKIT" call "$@" >"$ph_dir/call.out" 2>"$ph_dir/call.err"; got=$?
	[ -n "$uas_pid" ] && stop_uas
	if [ "$got" != "$want" ] || ! grep -qxF -- "result: $line" "$ph_dir/call.out"; then
		echo "FAIL phone $name: exit $got (expected $want), expected 'result: $line':"
		cat "$ph_dir/call.out" "$ph_dir/call.err" "$ph_dir/uas.out" "$ph_dir/uas.err" 2>/dev/null
		fail=$((fail + 1)); return 1
	fi
	pass=$((pass + 1))
}
uas_line() { # name want-exit line-pattern: the uas's last case
	if [ "$UAS_STATUS" != "$2" ] || ! grep -q -- "$3" "$ph_dir/uas.out"; then
		echo "FAIL phone $1: uas exit $UAS_STATUS (expected $2), no line '$3':"
		cat "$ph_dir/uas.out" "$ph_dir/uas.err"
		fail=$((fail + 1)); return 1
	fi
	pass=$((pass + 1))
}
lo=127.0.0.1

free_port
phone_case answered 0 "answered (200), hung up" -l udp:$lo:$PORT --answer-after 0 --calls 1 -- \
	sip:bob@$lo:$PORT
uas_line answered 0 ": answered (200), BYE after [0-9]* ms"

free_port
phone_case cancelled 0 "cancelled (487)" -l udp:$lo:$PORT --no-answer --calls 1 -- \
	sip:bob@$lo:$PORT --cancel-after 100 --reason 'SIP;cause=200;text="Call completed elsewhere"'
uas_line cancelled 0 ": cancelled by the caller after [0-9]* ms (487 sent), Reason: SIP;cause=200"

free_port
phone_case rejected 1 "rejected (486 Busy Here)" -l udp:$lo:$PORT --answer-after 0 --reject 486 --calls 1 -- \
	sip:bob@$lo:$PORT
uas_line rejected 0 ": rejected (486 Busy Here)"

free_port
if command -v python3 >/dev/null 2>&1; then
	# a silent peer: takes datagrams, answers none; the caller's Timer B (64*T1) ends it
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.settimeout(0.2)
end = time.time() + 5
while time.time() < end:
    try: s.recv(65535)
    except socket.timeout: pass
' "$PORT" &
	sink=$!
	n=0
	while ! ss -Hlun "sport = :$PORT" 2>/dev/null | grep -q . && [ $n -lt 50 ]; do
		sleep 0.1; n=$((n + 1))
	done
	phone_case timeout 1 "timed out (no final response within 64*T1, Timer B)" -- \
		sip:bob@$lo:$PORT --t1 10
	kill "$sink" 2>/dev/null; wait "$sink" 2>/dev/null
fi

# a raw caller: one INVITE (udp or tcp), never an ACK; over tcp it hangs up at once
cat >"$ph_dir/inv.py" <<'PYEOF'
import socket, sys, time
proto, port, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
fam = socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
lp = s.getsockname()[1]
msg = ("INVITE sip:bob@127.0.0.1:%d SIP/2.0\r\n"
       "Via: SIP/2.0/%s 127.0.0.1:%d;branch=z9hG4bK-cli-%d;rport\r\n"
       "Max-Forwards: 70\r\nFrom: <sip:raw@127.0.0.1>;tag=r1\r\nTo: <sip:bob@127.0.0.1>\r\n"
       "Call-ID: raw-%d@127.0.0.1\r\nCSeq: 1 INVITE\r\nContact: <sip:raw@127.0.0.1:%d>\r\n"
       "Content-Length: 0\r\n\r\n") % (port, proto.upper(), lp, lp, lp, lp)
if proto == "udp":
    s.sendto(msg.encode(), ("127.0.0.1", port))
    s.settimeout(0.1)
    end = time.time() + hold
    while time.time() < end:
        try: s.recv(65535)
        except socket.timeout: pass
else:
    s.connect(("127.0.0.1", port)); s.sendall(msg.encode()); time.sleep(hold)
s.close()
PYEOF
if command -v python3 >/dev/null 2>&1; then
	# our 200 never ACKed: timed out after 64*T1 (T1 10 ms), exit 1
	free_port
	start_uas -l udp:$lo:$PORT --answer-after 0 --calls 1 --t1 10
	python3 "$ph_dir/inv.py" udp "$PORT" 1.5
	stop_uas
	uas_line uas-timeout 1 ": timed out: no ACK for our 200 within 64\*T1, BYE sent"
	# the caller's connection gone before our answer, nowhere to open a new one: failed, exit 1
	free_port
	start_uas -l tcp:$lo:$PORT --answer-after 300 --calls 1
	python3 "$ph_dir/inv.py" tcp "$PORT" 0.05
	stop_uas
	uas_line uas-failed 1 ": failed: transport error"
fi

# a scripted callee (UDP): 180, then nothing (ring-only) or its 200 crossing our
# CANCEL (answer-on-cancel); wait_udp: until it is bound
cat >"$ph_dir/peer.py" <<'PYEOF'
import socket, sys, time
# a scripted callee on UDP: 180 to an INVITE; then by mode:
#   ring-only: nothing more (a CANCEL is never answered)
#   answer-on-cancel: the CANCEL crosses our 200 to the INVITE; 200 to a BYE
mode, port, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port)); s.settimeout(0.05)
def resp(req, code, phrase, tag=True):
    lines = req.split("\r\n")
    keep = [l for l in lines[1:] if l.split(":")[0].lower() in ("via", "from", "to", "call-id", "cseq")]
    keep = [l + ";tag=p1" if tag and l.lower().startswith("to:") and "tag=" not in l else l for l in keep]
    return "SIP/2.0 %d %s\r\n%s\r\nContact: <sip:peer@127.0.0.1:%d>\r\nContent-Length: 0\r\n\r\n" % (
        code, phrase, "\r\n".join(keep), port)
invite = None
end = time.time() + hold
while time.time() < end:
    try: data, peer = s.recvfrom(65535)
    except socket.timeout: continue
    req = data.decode(errors="replace")
    method = req.split(" ", 1)[0]
    if method == "INVITE" and invite is None:
        invite = req
        s.sendto(resp(req, 180, "Ringing").encode(), peer)
    elif method == "CANCEL" and mode == "answer-on-cancel" and invite:
        s.sendto(resp(invite, 200, "OK").encode(), peer)
    elif method == "BYE":
        s.sendto(resp(req, 200, "OK", False).encode(), peer)
PYEOF
wait_udp() {
	n=0
	while ! ss -Hlun "sport = :$1" 2>/dev/null | grep -q . && [ $n -lt 50 ]; do
		sleep 0.1; n=$((n + 1))
	done
}
if command -v python3 >/dev/null 2>&1; then
	free_port
	python3 "$ph_dir/peer.py" ring-only "$PORT" 5 &
	peer=$!
	wait_udp "$PORT"
	phone_case cancel-unanswered 0 "cancelled (no final response within 64*T1 of the CANCEL)" -- \
		sip:bob@$lo:$PORT --cancel-after 100 --t1 10
	kill "$peer" 2>/dev/null; wait "$peer" 2>/dev/null
	free_port
	python3 "$ph_dir/peer.py" answer-on-cancel "$PORT" 5 &
	peer=$!
	wait_udp "$PORT"
	phone_case answered-late 1 "answered before cancel took effect (ACK+BYE sent)" -- \
		sip:bob@$lo:$PORT --cancel-after 100 --t1 10
	kill "$peer" 2>/dev/null; wait "$peer" 2>/dev/null
fi

free_port
phone_case answered-first 1 "answered (200) before the cancel was due (BYE sent)" \
	-l udp:$lo:$PORT --answer-after 0 --calls 1 -- sip:bob@$lo:$PORT --cancel-after 500
uas_line answered-first 0 ": answered (200), BYE after"

free_port
start_uas -l udp:$lo:$PORT --no-answer --duration 5
timeout --preserve-status -s TERM 1 "$SIPKIT" call sip:bob@$lo:$PORT >"$ph_dir/call.out" 2>&1; got=$?
kill "$uas_pid" 2>/dev/null; wait "$uas_pid" 2>/dev/null; uas_pid=""
if [ "$got" != 1 ] || ! grep -qx "result: interrupted while the call was pending" "$ph_dir/call.out"; then
	echo "FAIL phone interrupted: exit $got"; cat "$ph_dir/call.out"; fail=$((fail + 1))
else
	pass=$((pass + 1))
fi

# ::1 configured on this machine (IPv6 cases are skipped otherwise)
have_v6=0
grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null && have_v6=1

# an IPv4 target with only an IPv6 listener: nothing can leave
if [ $have_v6 = 1 ]; then
	phone_case not-sent 69 "failed (INVITE not sent: not found)" -- sip:bob@$lo:5999 -l "udp:[::1]:0"
fi

# nothing listens on the UDP port: the ICMP port unreachable ends the call at
# once (not Timer B, 32 s later)
free_port
start=$(date +%s)
phone_case dead-udp 69 "failed (transport error: peer unreachable or connection lost)" -- \
	sip:bob@$lo:$PORT
[ $(($(date +%s) - start)) -le 3 ] || { echo "FAIL phone dead-udp: took more than 3 s"; fail=$((fail + 1)); }

free_port
phone_case refused-tcp 69 "failed (transport error: peer unreachable or connection lost)" -- \
	sip:bob@$lo:$PORT --transport tcp

free_port
if [ $have_v6 = 1 ]; then
	phone_case ipv6 0 "answered (200), hung up" -l "udp:[::1]:$PORT" --answer-after 0 --calls 1 -- \
		"sip:bob@[::1]:$PORT"
	uas_line ipv6 0 ": answered (200), BYE after"
else
	echo "skip phone ipv6: ::1 cannot be bound on this machine"
fi

check_err call-bad-reason 64 "malformed --reason" "$SIPKIT" call sip:bob@$lo:5060 --reason 'SIP;cause=x'
check_err call-bad-address 64 "is not a sip: or sips: URI" "$SIPKIT" call sip:bob@999.1.2.3:5060
check_err uas-bad-option 64 "bad or incomplete option" "$SIPKIT" uas --bogus
free_port
timeout -k 2 10 "$SIPKIT" uas -l udp:$lo:$PORT --duration 3 >/dev/null 2>&1 &
busy=$!
sleep 0.5
check_err uas-port-in-use 69 "address already in use" "$SIPKIT" uas -l udp:$lo:$PORT --duration 1
kill "$busy" 2>/dev/null; wait "$busy" 2>/dev/null

# --json: one object per call on stdout, nothing else there (the ladder on stderr)
if command -v python3 >/dev/null 2>&1; then
	free_port
	start_uas -l udp:$lo:$PORT --no-answer --calls 1
	timeout -k 2 20 "$SIPKIT" call sip:bob@$lo:$PORT --cancel-after 100 --json \
		>"$ph_dir/call.json" 2>"$ph_dir/call.err"; got=$?
	stop_uas
	if [ "$got" != 0 ] || ! python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
o = json.loads(lines[0])
assert o["outcome"] == "cancelled" and o["status"] == 487 and o["as_asked"] is True, o
assert o["reason_phrase"] == "Request Terminated" and o["cancel"] == {"asked": True, "sent": True}, o
t = o["timing_ms"]
assert 0 <= t["first_provisional"] <= t["cancel"] <= t["final"] <= t["ended"], t
assert o["call_id"] and o["result"] == "cancelled (487)", o
' "$ph_dir/call.json"; then
		echo "FAIL phone json: exit $got"; cat "$ph_dir/call.json" "$ph_dir/call.err"; fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
	grep -q "INVITE sip:bob@" "$ph_dir/call.err" || { echo "FAIL phone json: no ladder on stderr"; fail=$((fail + 1)); }
	# --calls N: one object per call, then the summary
	free_port
	timeout -k 2 20 "$SIPKIT" call sip:bob@$lo:$PORT --calls 3 --rate 100 --json \
		>"$ph_dir/calls.json" 2>/dev/null; got=$?
	if [ "$got" != 69 ] || ! python3 -c '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
assert [o.get("call") for o in objs[:3]] == [1, 2, 3] or sorted(o["call"] for o in objs[:3]) == [1, 2, 3], objs
assert all(o["outcome"] == "failed" for o in objs[:3]), objs
assert objs[3]["summary"]["placed"] == 3 and objs[3]["summary"]["failed"] == 3, objs
assert len(objs) == 4
' "$ph_dir/calls.json"; then
		echo "FAIL phone json-calls: exit $got"; cat "$ph_dir/calls.json"; fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
fi
# Traces show the wire: a TCP call through `sipkit uas`, and through `sipkit
# proxy` to it, each written as a pcap; each leg is one connection between two
# hosts (the responses on the request's connection, not towards the Via's
# sent-by), read back by a pcap parser and by `sipkit check`. The proxy's trace
# is read while the proxy still runs: every message handled is in it already.
if command -v python3 >/dev/null 2>&1; then
	cat >"$ph_dir/conns.py" <<'PYEOF'
import struct, sys
# the TCP connections of a pcap (Ethernet, IPv4): {frozenset of the two ends: SYNs}
data = open(sys.argv[1], "rb").read()
want = int(sys.argv[2])
off, conns = 24, {}
while off + 16 <= len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    f = data[off + 16:off + 16 + incl]
    off += 16 + incl
    if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6:
        continue
    ihl = (f[14] & 15) * 4
    t = f[14 + ihl:]
    src = (f[26:30], struct.unpack("!H", t[0:2])[0])
    dst = (f[30:34], struct.unpack("!H", t[2:4])[0])
    key = frozenset([src, dst])
    conns.setdefault(key, [0, 0])
    if t[13] & 0x02:
        conns[key][0 if not t[13] & 0x10 else 1] += 1
assert len(conns) == want, "%d connections, expected %d: %s" % (len(conns), want, list(conns))
for k, (syn, synack) in conns.items():
    assert syn == 1 and synack <= 1, (k, syn, synack)
PYEOF
	free_port
	start_uas -l tcp:$lo:$PORT --answer-after 0 --calls 2 --trace "$ph_dir/uas.pcap"
	uport=$PORT
	timeout -k 2 20 "$SIPKIT" call sip:bob@$lo:$uport --transport tcp >/dev/null 2>&1
	free_port
	timeout -k 2 20 "$SIPKIT" proxy -l tcp:$lo:$PORT -l udp:$lo:$PORT --duration 15 --record-route \
		--route "bob=sip:$lo:$uport;transport=tcp" --trace "$ph_dir/proxy.pcap" \
		--ctl "$ph_dir/ctl.sock" >/dev/null 2>"$ph_dir/proxy.err" &
	proxy_pid=$!
	n=0
	while [ "$(grep -c 'listening on' "$ph_dir/proxy.err" 2>/dev/null)" != 2 ] && [ $n -lt 50 ]; do
		sleep 0.1; n=$((n + 1))
	done
	timeout -k 2 20 "$SIPKIT" call sip:bob@$lo:$PORT --transport tcp >"$ph_dir/call.out" 2>&1
	grep -qx "result: answered (200), hung up" "$ph_dir/call.out" ||
		{ echo "FAIL phone trace-proxy: the call through the proxy:"; cat "$ph_dir/call.out"; fail=$((fail + 1)); }
	sleep 0.3
	# the proxy runs on: its trace already holds the whole call, each leg one connection (the
	# phones' ephemeral TCP ports join their columns: 3 hosts)
	if ! kill -0 "$proxy_pid" 2>/dev/null; then
		echo "FAIL phone trace-live: the proxy is gone"; fail=$((fail + 1))
	elif ! python3 "$ph_dir/conns.py" "$ph_dir/proxy.pcap" 2; then
		echo "FAIL phone trace-live: the running proxy's trace"; fail=$((fail + 1))
	elif ! "$SIPKIT" check "$ph_dir/proxy.pcap" >"$ph_dir/check.out" 2>&1 ||
		! grep -q "^call 1  Call-ID .*(12 messages, 3 hosts)" "$ph_dir/check.out" ||
		! grep -q "answered  *1" "$ph_dir/check.out"; then
		echo "FAIL phone trace-live: sipkit check of the running proxy's trace:"
		cat "$ph_dir/check.out"; fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
	kill "$proxy_pid" 2>/dev/null; wait "$proxy_pid" 2>/dev/null
	stop_uas
	if ! python3 "$ph_dir/conns.py" "$ph_dir/uas.pcap" 2 ||
		! "$SIPKIT" check "$ph_dir/uas.pcap" >"$ph_dir/check.out" 2>&1 ||
		[ "$(grep -c "^call .*(6 messages, 2 hosts)" "$ph_dir/check.out")" != 2 ]; then
		echo "FAIL phone trace-uas: two calls, one connection and two hosts each:"
		cat "$ph_dir/check.out"; fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
fi
rm -rf "$ph_dir"

# Terminal safety (issue 13): a display name and a Reason text carrying ESC, BEL (legal
# quoted-pairs, RFC 3261 §25.1) and a bidi override (U+202E) come out escaped in the text of
# sipkit decode and sipkit check, never raw (OSC 0 would retitle the terminal, CSI 2J clear it)
esc=$(printf '\033') bel=$(printf '\007') rlo=$(printf '\342\200\256')
printf 'INVITE sip:b@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nFrom: "Ev\\%s]0;pwned\\%sil %s" <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nReason: SIP;cause=200;text="a\\%s[2Jb"\r\nContent-Length: 0\r\n\r\n' \
	"$esc" "$bel" "$rlo" "$esc" >/tmp/sk_cli_esc.$$
sed "/^CSeq: 1 CANCEL/a Reason: SIP;cause=487;text=\"x\\\\${esc}]0;pwned\\\\${bel} ${rlo}\"" \
	tests/data/trace/clean_cancel.log >/tmp/sk_cli_esc_log.$$
terminal_safe() { # name substring command...: stdout has the substring, no ESC, BEL or U+202E
	name=$1; msg=$2; shift 2
	"$@" >/tmp/sk_cli_out.$$ 2>/tmp/sk_cli_err.$$
	if ! grep -qF -- "$msg" /tmp/sk_cli_out.$$ || grep -q "$esc\|$bel\|$rlo" /tmp/sk_cli_out.$$; then
		echo "FAIL $name: control characters not escaped, stdout:"; cat -v /tmp/sk_cli_out.$$
		fail=$((fail + 1)); return
	fi
	pass=$((pass + 1))
}
terminal_safe decode-terminal-safe 'Ev\\x1b]0;pwned\\x07il \u202e' "$SIPKIT" decode /tmp/sk_cli_esc.$$
terminal_safe check-terminal-safe 'x\\x1b]0;pwned\\x07 \u202e' "$SIPKIT" check --no-progress /tmp/sk_cli_esc_log.$$
rm -f /tmp/sk_cli_esc.$$ /tmp/sk_cli_esc_log.$$

rm -f /tmp/sk_cli_err.$$ /tmp/sk_cli_out.$$
echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
