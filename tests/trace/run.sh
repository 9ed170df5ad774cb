#!/bin/sh
# sipkit check against traces with known faults: each file of
# tests/data/trace/MANIFEST.tsv (written by tests/trace/mklogs.py, one scenario
# per diagnostic code and some clean ones) must give the listed exit status,
# the outcome of its call, and exactly the listed findings (code:severity).
SIPKIT=${SIPKIT:-build/sipkit}
data=tests/data/trace
pass=0
fail=0
out=/tmp/sk_trace_out.$$

while IFS='	' read -r file want outcome codes; do
	case $file in '#'* | '') continue ;; esac
	"$SIPKIT" check --json --no-progress "$data/$file" >"$out" 2>"$out.err"
	got=$?
	got_outcome=$(head -1 "$out" | sed -n 's/.*"outcome":"\([^"]*\)".*/\1/p')
	got_codes=$(grep -v '^{"summary"' "$out" | grep -o '"code":"[^"]*","severity":"[^"]*"' |
		sed 's/"code":"\([^"]*\)","severity":"\([^"]*\)"/\1:\2/' | sort -u | tr '\n' ' ' | sed 's/ $//')
	want_codes=$(if [ "$codes" != "-" ]; then echo "$codes" | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/ $//'; fi)
	if [ "$got" != "$want" ] || [ "$got_outcome" != "$outcome" ] || [ "$got_codes" != "$want_codes" ]; then
		echo "FAIL $file: exit $got (want $want), outcome '$got_outcome' (want '$outcome')"
		echo "     findings: '$got_codes'"
		echo "     expected: '$want_codes'"
		cat "$out.err"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done <"$data/MANIFEST.tsv"

expect() { # name want-exit stdout-or-stderr-substring command...
	name=$1; want=$2; msg=$3; shift 3
	"$@" >"$out" 2>"$out.err"; got=$?
	if [ "$got" != "$want" ] || ! cat "$out" "$out.err" | grep -qF -- "$msg"; then
		echo "FAIL $name: exit $got (want $want), no '$msg' in:"; head -20 "$out" "$out.err"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
}

# the text report, byte for byte (the ladder, the findings, the summary)
for g in tests/trace/golden/*.txt; do
	name=$(basename "$g" .txt)
	input=$data/$name.log
	[ -f "$input" ] || input=$data/$name.pcap
	"$SIPKIT" check --no-progress "$input" >"$out" 2>&1
	if ! diff -u "$g" "$out" >"$out.err"; then
		echo "FAIL golden $name:"; head -30 "$out.err"; fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done

# every JSON line parses (schema in the README)
if command -v python3 >/dev/null 2>&1; then
	for f in "$data"/*.log "$data"/*.pcap; do
		"$SIPKIT" check --json --no-progress "$f" >"$out" 2>/dev/null
		if ! python3 -c 'import json,sys
for line in open(sys.argv[1], encoding="utf-8"):
    json.loads(line)' "$out"; then
			echo "FAIL json $f"; fail=$((fail + 1))
		else
			pass=$((pass + 1))
		fi
	done
fi

# one call over two inputs (a rotated capture): the call names both, text and JSON
expect two-files-text 0 "from: 1 $data/two_files_a.log, 2 $data/two_files_b.log" \
	"$SIPKIT" check --no-progress "$data/two_files_a.log" "$data/two_files_b.log"
expect two-files-frames 0 "ended by 487 INVITE (frame 2:3)" \
	"$SIPKIT" check --no-progress "$data/two_files_a.log" "$data/two_files_b.log"
expect two-files-finding 1 "meant for the INVITE of frame 1:1" \
	"$SIPKIT" check --no-progress "$data/two_files_miss_a.log" "$data/two_files_miss_b.log"
expect two-files-json 0 "\"files\":[\"$data/two_files_a.log\",\"$data/two_files_b.log\"]" \
	"$SIPKIT" check --json --no-progress "$data/two_files_a.log" "$data/two_files_b.log"
# why messages did not parse, in the JSON summary too
expect unparsed-json 0 '"unparsed_why":[{"why":"CSeq: missing sequence number","count":2' \
	"$SIPKIT" check --json --no-progress "$data/unparsed_reasons.log"
expect duplicates-json 0 '"duplicate_of":2,' "$SIPKIT" check --json --no-progress "$data/dup_capture.pcap"

# the demo's own traffic, as a pcap capture: three calls, nothing wrong
tmp=$(mktemp -d)
expect demo-trace 0 "4 of 4 calls" "$SIPKIT" demo --trace "$tmp/demo.pcap"
expect demo-check 0 "findings: 0 errors, 0 warnings" "$SIPKIT" check --no-progress --summary "$tmp/demo.pcap"
expect demo-outcomes 0 '"cancelled cleanly":2' "$SIPKIT" check --no-progress --json "$tmp/demo.pcap"
expect demo-log 0 "4 calls checked" sh -c "\"$SIPKIT\" demo --trace $tmp/demo.log >/dev/null && \"$SIPKIT\" check --summary $tmp/demo.log"
# a capture cut in the middle of a record: what came before is checked, then exit 1
size=$(wc -c <"$tmp/demo.pcap")
head -c $((size - 100)) "$tmp/demo.pcap" >"$tmp/cut.pcap"
expect truncated 1 "reading stopped at frame" "$SIPKIT" check --no-progress --summary "$tmp/cut.pcap"
expect truncated-checked 1 "4 calls checked" "$SIPKIT" check --no-progress --summary "$tmp/cut.pcap"
# unreadable input, bad usage
printf 'this is not a capture\n' >"$tmp/junk.txt"
expect unreadable 2 "not a pcap" "$SIPKIT" check "$tmp/junk.txt"
expect missing 2 "No such file" "$SIPKIT" check /nonexistent/x.pcap
expect usage 64 "no input" "$SIPKIT" check
expect bad-port 64 "bad --port" "$SIPKIT" check --port 0 "$tmp/demo.pcap"
expect stdin 0 "4 calls checked" sh -c "\"$SIPKIT\" check --summary - <$tmp/demo.pcap"
# SIP over WebSocket (RFC 7118) on TCP port 8088 (tests/trace/mkws.py): the upgrade
# followed in each direction, masked frames unmasked, a message in two frames with
# a ping between them reassembled, a binary frame read; both legs of the call
if python3 tests/trace/mkws.py clean "$tmp/ws.pcap" && python3 tests/trace/mkws.py bad "$tmp/ws_bad.pcap"; then
	expect ws-messages 0 "12 messages (0 did not parse)" "$SIPKIT" check --no-progress --summary "$tmp/ws.pcap"
	expect ws-cancelled 0 '"cancelled cleanly":1' "$SIPKIT" check --no-progress --json "$tmp/ws.pcap"
	expect ws-bad-frame 0 "0 messages" "$SIPKIT" check --no-progress --summary "$tmp/ws_bad.pcap"
else
	echo "FAIL ws: tests/trace/mkws.py"; fail=$((fail + 1))
fi
rm -rf "$tmp"

rm -f "$out" "$out.err"
echo "trace checks: $pass passed, $fail failed"
[ $fail = 0 ]
