#!/bin/sh
# sipkit check --hep benchmark: a bounded sender on loopback feeds HEP at fixed
# rates; how many messages per second are received and judged with no loss,
# and the checker's CPU per message.
#
#   make bench-check                 (builds build/sipkit, bench-gen-capture, hep-send)
#   sh bench/check/hep.sh            (after them)
#
# Not a test: it measures, prints, and exits 0 unless something could not run.
# 1. bench-gen-capture writes CALLS IMS-like calls (bench/trace/gen.c: cancelled,
#    answered, forked, 10 % faulty; 20 % over TCP, 10 % over IPv6) as a pcap;
#    `sipkit check --summary` on it gives the reference summary.
# 2. For each rate of RATES (messages/s): `sipkit check --hep udp:127.0.0.1:PORT
#    --summary` under GNU time, `hep-send --rate R` sends the capture's messages
#    as HEP v3 (each with its capture time and addresses), then SIGINT. One line:
#    the rate asked, the rate achieved, messages sent, read out of HEP, dropped by
#    the kernel, whether the summary (calls, outcomes, findings) equals the
#    file's, the checker's CPU in microseconds per message and its peak RSS.
# Everything is on 127.0.0.1, each process under `timeout`, stopped by pid; the
# capture is deleted at the end. About 1 minute at the defaults. The machine is
# shared: the load average is printed with the results, and CPU per message is
# the checker's own user + system time (GNU time), not the wall clock.
#
# Environment (defaults): CALLS (5000), RATES ("5000 10000 20000 40000 80000"),
# SEED (1), SIPKIT (build/sipkit), GEN (build/bench-gen-capture), HEP_SEND
# (build/hep-send), TMPDIR (/tmp).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CALLS=${CALLS:-5000}
RATES=${RATES:-5000 10000 20000 40000 80000}
SEED=${SEED:-1}
SIPKIT=${SIPKIT:-$root/build/sipkit}
GEN=${GEN:-$root/build/bench-gen-capture}
HEP_SEND=${HEP_SEND:-$root/build/hep-send}

die() { echo "bench-check-hep: $*" >&2; exit 1; }
for b in "$SIPKIT" "$GEN" "$HEP_SEND"; do [ -x "$b" ] || die "$b is not built (make bench-check)"; done
/usr/bin/time -f x true >/dev/null 2>&1 || die "GNU time (/usr/bin/time) is missing: apt-get install time"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sk_bench_hep.XXXXXX") || exit 1
chk=""
trap '[ -n "$chk" ] && kill "$chk" 2>/dev/null; rm -rf "$tmp"' EXIT

timeout 300 "$GEN" --calls "$CALLS" --seed "$SEED" --out "$tmp/calls.pcap" >"$tmp/gen.out" 2>&1 ||
	die "bench-gen-capture failed: $(cat "$tmp/gen.out")"
timeout 300 "$SIPKIT" check --summary --no-progress "$tmp/calls.pcap" >"$tmp/ref.txt" 2>&1
# what must be equal: calls, messages, outcomes, findings (not the calls held at once)
key() { grep -v -e 'calls held at once' -e '^  HEP:' -e 'dropped by the kernel' -e 'reported early' "$1"; }
key "$tmp/ref.txt" >"$tmp/ref.key"
msgs=$(sed -n 's/^summary: [0-9]* calls\{0,1\} checked, \([0-9]*\) message.*/\1/p' "$tmp/ref.txt")
echo "bench-check-hep: $CALLS calls, $msgs messages ($(du -h "$tmp/calls.pcap" | cut -f1) of pcap)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores shared with other work: CPU time per message is the figure to compare)"
printf '%10s %10s %8s %8s %8s %6s %10s %8s\n' rate/s achieved sent read dropped same us/msg rss_MB

port=$((20000 + $$ % 9000))
for rate in $RATES; do
	while ss -Hlun "sport = :$port" 2>/dev/null | grep -q .; do port=$((port + 1)); done
	/usr/bin/time -f '%U %S %M' -o "$tmp/time" timeout -k 5 600 "$SIPKIT" check --summary \
		--no-progress --hep "udp:127.0.0.1:$port" >"$tmp/live.txt" 2>"$tmp/live.err" &
	chk=$!
	n=0
	until grep -q 'listening for HEP' "$tmp/live.err" 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 100 ] || die "sipkit check --hep did not start: $(cat "$tmp/live.err")"
		sleep 0.1
	done
	timeout 600 "$HEP_SEND" --rate "$rate" "$tmp/calls.pcap" "udp:127.0.0.1:$port" >"$tmp/send.out" 2>&1
	sleep 1 # what is in flight arrives; SIGINT reads what the socket holds anyway
	# SIGINT to sipkit itself: time's child is timeout, whose child is sipkit
	t=$(ps -o pid= --ppid "$chk" | head -n 1)
	s=$(ps -o pid= --ppid "${t:-0}" 2>/dev/null | head -n 1)
	kill -INT "${s:-${t:-$chk}}" 2>/dev/null
	wait "$chk"
	chk=""
	sent=$(sed -n 's/^sent \([0-9]*\) messages.*/\1/p' "$tmp/send.out")
	secs=$(sed -n 's/.* in \([0-9.]*\) s$/\1/p' "$tmp/send.out")
	read_hep=$(sed -n 's/^  HEP: \([0-9]*\) messages read.*/\1/p' "$tmp/live.txt")
	dropped=$(sed -n 's/^  \([0-9]*\) packets dropped by the kernel.*/\1/p' "$tmp/live.txt")
	key "$tmp/live.txt" >"$tmp/live.key"
	same=no
	cmp -s "$tmp/ref.key" "$tmp/live.key" && same=yes
	# shellcheck disable=SC2046 # GNU time: "Command exited with non-zero status 1" first
	set -- $(tail -n 1 "$tmp/time")
	awk -v r="$rate" -v s="${sent:-0}" -v t="${secs:-0}" -v h="${read_hep:-0}" -v d="${dropped:-0}" \
		-v same="$same" -v u="$1" -v sy="$2" -v m="$3" 'BEGIN {
		printf "%10d %10.0f %8d %8d %8d %6s %10.2f %8.1f\n", r, (t > 0 ? s / t : 0), s, h, d,
		    same, (h > 0 ? (u + sy) * 1e6 / h : 0), m / 1024 }'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "same: the live summary (calls, messages, outcomes, findings) equals the file's; dropped:"
echo "datagrams the kernel dropped before sipkit read them (SO_RXQ_OVFL); us/msg: sipkit's"
echo "user+system CPU per message read, listening time included"
