#!/bin/sh
# SIP over TLS benchmark (issue 14): the cost of TLS in a proxy, sipkit proxy
# against Kamailio 5.6 with its tls module, in the same run on the same machine.
#
#   sh bench/proxy/tls.sh     (or `make bench-proxy-tls`; needs build/sipkit,
#                             kamailio with kamailio-tls-modules, openssl,
#                             python3; about 90 s)
#
# Not a test: it measures, prints, and exits 0 unless something could not run.
# Everything on 127.0.0.1, every process under `timeout` and stopped by PID;
# KEEP=1 keeps the logs. A CA and a server certificate (P-256) are made here.
#
# 1. cancel: `sipkit call --calls CALLS --rate RATE --cancel-after 300` (one
#    connection to the proxy, reused) -> the proxy -> `sipkit uas --no-answer`:
#    INVITE, 180, CANCEL, 200, 487, ACK on both legs; over UDP, then over TLS
#    (both legs TLS: sips:). CPU of the proxy (utime+stime from /proc, summed
#    over Kamailio's processes) from the first call to SETTLE s after the last,
#    as CPU seconds per 1000 cancelled calls and cancelled calls per CPU second.
# 2. handshakes: HS TLS connections made one after the other by a python3
#    client (full handshake, TLS 1.3, ECDHE P-256, no resumption), then closed:
#    handshakes per second seen by the client, and the proxy's CPU per 1000.
# 3. idle: CONNS TLS connections opened and left idle; the proxy's memory
#    (sipkit: VmRSS; Kamailio: Pss summed over its processes, its shared
#    memory pool included) before and after, per connection.
#
# Environment (defaults): CALLS (2000), RATE (200), HS (500), CONNS (500),
# SETTLE (3), SIPKIT (build/sipkit, optimised), KAMAILIO.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
SIPKIT=${SIPKIT:-$root/build/sipkit}
KAMAILIO=${KAMAILIO:-$(command -v kamailio 2>/dev/null || echo /usr/sbin/kamailio)}
CALLS=${CALLS:-2000} RATE=${RATE:-200} HS=${HS:-500} CONNS=${CONNS:-500} SETTLE=${SETTLE:-3}
LO=127.0.0.1
die() { echo "bench-proxy-tls: $*" >&2; exit 1; }
[ -x "$SIPKIT" ] || die "$SIPKIT is not built (make build/sipkit)"
[ -x "$KAMAILIO" ] || die "kamailio is not installed"
ls /usr/lib/*/kamailio/modules/tls.so >/dev/null 2>&1 || die "no Kamailio tls module (kamailio-tls-modules)"

work=$(mktemp -d "${TMPDIR:-/tmp}/sk_bench_tls.XXXXXX") || exit 1
pids=""
descendants() { for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$c"; descendants "$c"; done; }
running() { [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
stop() {
	t=""
	for p in "$@"; do t="$t $p $(descendants "$p")"; done
	# shellcheck disable=SC2086
	kill $t 2>/dev/null
	for p in $t; do
		n=0
		while running "$p" && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
		kill -9 "$p" 2>/dev/null
	done
	for p in "$@"; do wait "$p" 2>/dev/null; done
}
finish() {
	# shellcheck disable=SC2086
	[ -n "$pids" ] && stop $pids
	if [ -n "${KEEP:-}" ]; then echo "bench-proxy-tls: logs in $work"; else rm -rf "$work"; fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port=$((20000 + $$ % 4000 * 2))
alloc() { # N: N free consecutive ports in PORT
	while :; do
		i=0
		while [ $i -lt "$1" ] && ! ss -Htuan | awk '{print $5}' | grep -q ":$((port + i))\$"; do i=$((i + 1)); done
		[ $i = "$1" ] && { PORT=$port; port=$((port + $1)); return; }
		port=$((port + i + 1))
	done
}
listening_tcp() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
wait_tcp() { n=0; until listening_tcp "$1"; do [ $n -ge 100 ] && die "$2 did not listen on $1"; sleep 0.1; n=$((n + 1)); done; }
ticks() { # pid and its descendants: utime+stime in clock ticks
	s=0
	for p in "$1" $(descendants "$1"); do
		v=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null)
		s=$((s + ${v:-0}))
	done
	echo "$s"
}
mem_kb() { # sipkit: VmRSS of the pid; kamailio: Pss of it and its descendants
	if [ "$2" = sipkit ]; then
		awk '$1 == "VmRSS:" {print $2}' "/proc/$1/status"
	else
		s=0
		for p in "$1" $(descendants "$1"); do
			v=$(awk '$1 == "Pss:" {t += $2} END {print t + 0}' "/proc/$p/smaps_rollup" 2>/dev/null)
			s=$((s + ${v:-0}))
		done
		echo "$s"
	fi
}
HZ=$(getconf CLK_TCK)

# ---- PKI
cd "$work" || exit 1
{
	ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
	# shellcheck disable=SC2086
	openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj "/CN=bench CA" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign &&
	printf 'subjectAltName=DNS:sip.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >srv.ext &&
	# shellcheck disable=SC2086
	openssl req $ec -keyout server.key -out server.csr -subj "/CN=sip.test" &&
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile srv.ext -out server.pem
} >pki.log 2>&1 || die "openssl could not make the certificates (pki.log)"
TLSOPT="--tls-cert $work/server.pem --tls-key $work/server.key --tls-ca $work/ca.pem"

# ---- the callee: sipkit uas on UDP and TLS, for the whole run
alloc 2
U=$PORT
# shellcheck disable=SC2086
timeout -k 5 600 "$SIPKIT" uas -l "udp:$LO:$U" -l "tls:$LO:$((U + 1))" $TLSOPT --no-answer \
	--duration 590 >uas.out 2>uas.err &
pids="$pids $!"
wait_tcp $((U + 1)) "sipkit uas"

# start_peer sipkit|kamailio: the proxy on udp $P and tls $((P + 1)); PEER_PID
start_peer() {
	alloc 2
	P=$PORT
	if [ "$1" = sipkit ]; then
		# shellcheck disable=SC2086
		timeout -k 5 300 "$SIPKIT" proxy -l "udp:$LO:$P" -l "tls:$LO:$((P + 1))" $TLSOPT \
			--route "udp=sip:bob@$LO:$U" --route "tls=sips:bob@$LO:$((U + 1))" \
			--tls-max-handshakes 100000 --tcp-max-in 100000 --tcp-max-per-source 100000 \
			>proxy-sipkit.out 2>proxy-sipkit.err &
		PEER_TO=$!
		sleep 0.2
		PEER_PID=$(ps -o pid= --ppid "$PEER_TO" | awk 'NR == 1 {print $1}')
	else
		mkdir -p kamrun
		cat >kamrun/tls.cfg <<-EOF
			[server:default]
			method = TLSv1.2+
			verify_certificate = no
			private_key = $work/server.key
			certificate = $work/server.pem
			ca_list = $work/ca.pem
			[client:default]
			method = TLSv1.2+
			verify_certificate = yes
			ca_list = $work/ca.pem
		EOF
		# user "udp": UDP on both legs; "tls": TLS on both legs
		sed "s/@KAM_PORT@/$P/g; s/@KAM_TLS_PORT@/$((P + 1))/g; s|@RUNDIR@|$work/kamrun|g;
		     s/tcp_connection_lifetime=60/tcp_connection_lifetime=600\ntcp_max_connections=100000\ntls_max_connections=100000/;
		     s/if (\$rU == \"one\") {/if (\$rU == \"udp\") { \$ru = \"sip:bob@127.0.0.1:$U\"; route(RELAY); exit; }\n\tif (\$rU == \"tls\") {/;
		     s/sips:one@127.0.0.1:@NEXT1_PORT@/sips:bob@127.0.0.1:$((U + 1))/" \
			"$root/tests/interop/kamailio/kamailio-tls.cfg" >kamailio.cfg
		timeout -k 5 300 "$KAMAILIO" -DD -E -f "$work/kamailio.cfg" -Y "$work/kamrun" -m 256 -M 16 \
			</dev/null >kamailio.log 2>&1 &
		PEER_TO=$!
		PEER_PID=$PEER_TO
	fi
	pids="$pids $PEER_TO"
	wait_tcp $((P + 1)) "$1"
	sleep 0.3
}

# cancel PEER udp|tls: cancelled calls through the proxy
cancel() {
	if [ "$2" = udp ]; then target="sip:udp@$LO:$P"; else target="sips:tls@$LO:$((P + 1))"; fi
	t0=$(ticks "$PEER_PID")
	timeout -k 5 300 "$SIPKIT" call "$target" --calls "$CALLS" --rate "$RATE" --cancel-after 300 \
		--tls-ca "$work/ca.pem" --json --quiet >"call-$1-$2.json" 2>"call-$1-$2.err"
	sleep "$SETTLE"
	t1=$(ticks "$PEER_PID")
	ok=$(sed -n 's/.*"cancelled":\([0-9]*\).*/\1/p' "call-$1-$2.json" | tail -n 1)
	cpu=$(echo "$t0 $t1 $HZ" | awk '{printf "%.2f", ($2 - $1) / $3}')
	echo "run cancel $1 $2: $CALLS calls at $RATE/s, ${ok:-0} cancelled, proxy CPU ${cpu} s"
	echo "cancel $1 $2 ${ok:-0} $cpu" >>results
}

# handshakes PEER: HS full TLS handshakes, one after the other
handshakes() {
	t0=$(ticks "$PEER_PID")
	python3 - "$LO" $((P + 1)) "$HS" "$work/ca.pem" >"hs-$1.out" 2>&1 <<-'EOF'
		import socket, ssl, sys, time
		host, port, n, ca = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
		ctx = ssl.create_default_context(cafile=ca)
		ctx.check_hostname = False
		t = time.monotonic()
		for i in range(n):
		    with socket.create_connection((host, port)) as raw:
		        with ctx.wrap_socket(raw) as s:  # a fresh context session each time: no resumption
		            s.do_handshake()
		print("%.1f" % (n / (time.monotonic() - t)))
	EOF
	sleep 1
	t1=$(ticks "$PEER_PID")
	rate=$(tail -n 1 "hs-$1.out")
	cpu=$(echo "$t0 $t1 $HZ $HS" | awk '{printf "%.3f", ($2 - $1) / $3 * 1000 / $4}')
	echo "run handshakes $1: $HS handshakes, ${rate} per s (client side), proxy CPU ${cpu} s per 1000"
	echo "hs $1 $rate $cpu" >>results
}

# idle PEER: CONNS TLS connections held open, the proxy's memory per connection
idle() {
	m0=$(mem_kb "$PEER_PID" "$1")
	python3 - "$LO" $((P + 1)) "$CONNS" "$work/ca.pem" >"idle-$1.out" 2>&1 <<-'EOF' &
		import socket, ssl, sys, time
		host, port, n, ca = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
		ctx = ssl.create_default_context(cafile=ca)
		ctx.check_hostname = False
		conns = []
		for i in range(n):
		    raw = socket.create_connection((host, port))
		    conns.append(ctx.wrap_socket(raw))
		time.sleep(2)
		open("idle-ready", "w").write("%d\n" % len(conns))
		time.sleep(3)
	EOF
	ipid=$!
	n=0
	while [ ! -f idle-ready ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
	m1=$(mem_kb "$PEER_PID" "$1")
	wait $ipid
	rm -f idle-ready
	per=$(echo "$m0 $m1 $CONNS" | awk '{printf "%.1f", ($2 - $1) / $3}')
	echo "run idle $1: $CONNS idle TLS connections, memory ${m0} kB -> ${m1} kB, ${per} kB each"
	echo "idle $1 $per" >>results
}

for peer in sipkit kamailio; do
	start_peer "$peer"
	cancel "$peer" udp
	cancel "$peer" tls
	handshakes "$peer"
	idle "$peer"
	stop "$PEER_TO"
	pids=$(echo "$pids" | sed "s/ $PEER_TO\b//")
done

echo
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: figures vary with it)"
awk -v calls="$CALLS" '
	$1 == "cancel" { c[$2 " " $3] = $5; ok[$2 " " $3] = $4 }
	$1 == "hs" { hs[$2] = $3; hsc[$2] = $4 }
	$1 == "idle" { mem[$2] = $3 }
	END {
		printf "%-9s %-4s %9s %17s %22s\n", "peer", "over", "cancelled", "cpu_s_per_1000", "calls_per_cpu_second"
		for (p = 0; p < 2; p++) {
			peer = p ? "kamailio" : "sipkit"
			for (t = 0; t < 2; t++) {
				tr = t ? "tls" : "udp"; k = peer " " tr
				per = ok[k] ? c[k] * 1000 / ok[k] : 0
				printf "%-9s %-4s %9d %17.3f %22.0f\n", peer, tr, ok[k], per, per ? 1000 / per : 0
			}
		}
		printf "\n%-9s %16s %22s %20s\n", "peer", "handshakes_per_s", "cpu_s_per_1000_hs", "kB_per_idle_tls_conn"
		for (p = 0; p < 2; p++) {
			peer = p ? "kamailio" : "sipkit"
			printf "%-9s %16s %22s %20s\n", peer, hs[peer], hsc[peer], mem[peer]
		}
	}' results
