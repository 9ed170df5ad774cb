#!/bin/sh
# sipkit check on one SIP call wrapped in each encapsulation (GRE, ERSPAN, IP-in-IP,
# VXLAN, Geneve, MPLS, SCTP ...) and on hostile or unreadable packets beside it:
# tests/trace/mkencap.py writes the captures and their MANIFEST.tsv; each must give
# its exit status, its call's outcome and exactly its skipped counts (JSON summary).
# With tshark installed, each capture is also decoded by it, as a second opinion
# that the generated packets are what they claim to be.
SIPKIT=${SIPKIT:-build/sipkit}
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out

if ! command -v python3 >/dev/null 2>&1; then
	echo "encap: python3 not installed, not run"
	exit 0
fi
python3 tests/trace/mkencap.py "$tmp" || exit 1

# "a=1 b=2" in a stable order
sorted_counts() { tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'; }

while IFS='	' read -r file want outcome skipped opts; do
	[ "$outcome" = "-" ] && outcome="" # no call at all
	# shellcheck disable=SC2086 # opts holds several words
	"$SIPKIT" check --json --no-progress $opts "$tmp/$file" >"$out" 2>"$out.err"
	got=$?
	got_outcome=$(grep -v '^{"summary"' "$out" | head -1 | sed -n 's/.*"outcome":"\([^"]*\)".*/\1/p')
	got_skipped=$(grep '^{"summary"' "$out" | sed -n 's/.*"skipped":{\([^}]*\)}.*/\1/p' |
		tr ',' ' ' | tr -d '"' | tr ':' '=' | sorted_counts)
	want_skipped=$(if [ "$skipped" != "-" ]; then echo "$skipped" | sorted_counts; fi)
	if [ "$got" != "$want" ] || [ "$got_outcome" != "$outcome" ] ||
		[ "$got_skipped" != "$want_skipped" ]; then
		echo "FAIL encap $file: exit $got (want $want), outcome '$got_outcome' (want '$outcome')"
		echo "     skipped: '$got_skipped'"
		echo "     expected: '$want_skipped'"
		head -c 2000 "$out.err"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done <"$tmp/MANIFEST.tsv"

expect() { # name want-exit substring command...
	name=$1; want=$2; msg=$3; shift 3
	"$@" >"$out" 2>"$out.err"; got=$?
	if [ "$got" != "$want" ] || ! cat "$out" "$out.err" | grep -qF -- "$msg"; then
		echo "FAIL encap $name: exit $got (want $want), no '$msg' in:"; head -20 "$out" "$out.err"
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
}

# nine tunnels deep: past the limit of 8, each frame counted, nothing read
expect too-deep-text 0 "skipped 7 packets: 7 too_deep" \
	"$SIPKIT" check --no-progress --summary "$tmp/gre_9_deep.pcap"
# a port filter applies to the SIP inside a tunnel, not to the tunnel's own port
expect vxlan-port 0 '"cancelled cleanly":1' \
	"$SIPKIT" check --no-progress --json --port 5060 "$tmp/vxlan.pcap"
expect sctp-port 0 '"other_port":7' \
	"$SIPKIT" check --no-progress --json --port 5070 "$tmp/sctp_single.pcap"

# the text summary says how much was skipped and why, and the size a large message declares
expect skipped-text 0 "skipped 10 packets: 1 not_sip, 2 tls" \
	"$SIPKIT" check --no-progress --summary "$tmp/unreadable.pcap"
expect too-large-text 0 "too_large: the largest declares 8" \
	"$SIPKIT" check --no-progress --summary "$tmp/too_large.pcap"
expect too-large-json 0 '"too_large":{"largest":8' \
	"$SIPKIT" check --no-progress --json "$tmp/too_large.pcap"
expect max-message-bad 64 "bad --max-message" \
	"$SIPKIT" check --max-message 12 "$tmp/plain.pcap"

# tshark's opinion of the generated captures: each wrapped call shows its SIP messages
if command -v tshark >/dev/null 2>&1; then
	for f in plain gre gre_key gre_seq_csum gre_ppp erspan1 erspan2 erspan3 ipip 6in4 4in6 \
		vxlan geneve mpls gre_inner_fragments sctp_single sctp_bundled sctp_fragmented; do
		[ -f "$tmp/$f.pcap" ] || continue
		n=$(tshark -n -r "$tmp/$f.pcap" -Y sip -T fields -e sip.CSeq 2>/dev/null |
			tr -d '\r' | tr ',' '\n' | grep -c .)
		if [ "$n" -lt 7 ]; then
			echo "FAIL encap tshark $f: $n SIP messages decoded (want 7)"
			fail=$((fail + 1))
		else
			pass=$((pass + 1))
		fi
	done
fi

echo "encap: $pass passed, $fail failed"
[ "$fail" = 0 ]
