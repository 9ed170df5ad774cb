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
check_err proxy-bad-route 64 "bad route" "$SIPKIT" proxy --route bob=sip:host.example:5060 -l udp:127.0.0.1:0
check_err proxy-timer-c 64 "Timer C must exceed 3 minutes" "$SIPKIT" proxy --timer-c 1000
check_err ctl-no-proxy 69 "no proxy on" "$SIPKIT" ctl -s /tmp/sk_no_such_proxy.sock stats
check_err uas-no-listen 64 "give at least one -l" "$SIPKIT" uas
check_err call-no-uri 64 "no URI to call" "$SIPKIT" call
check_err unknown-command 64 "unknown command" "$SIPKIT" frobnicate
check_err decode-too-big 65 "larger than the limit of 100 bytes" "$SIPKIT" decode --max-size 100 "$data/valid/wsinv.dat"

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
