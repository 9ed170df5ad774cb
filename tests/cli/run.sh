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
check_out demo 0 "3 of 3 calls went as RFC 3261 says" "$SIPKIT" demo
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
check_err proxy-tcp-zero 64 "bad setting 'tcp-max-in 0'" "$SIPKIT" proxy --tcp-max-in 0
check_err proxy-tcp-unknown 64 "bad setting 'tcp-bogus 3'" "$SIPKIT" proxy --tcp-bogus 3
check_err ctl-no-proxy 69 "no proxy on" "$SIPKIT" ctl -s /tmp/sk_no_such_proxy.sock stats
check_err uas-no-listen 64 "give at least one -l" "$SIPKIT" uas
check_err call-no-uri 64 "no URI to call" "$SIPKIT" call
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

rm -f /tmp/sk_cli_err.$$ /tmp/sk_cli_out.$$
echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
