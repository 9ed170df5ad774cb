#!/bin/sh
# SIP over TLS (RFC 3261 §26.2, RFC 5630, RFC 5922) between sipkit and real
# peers on loopback, with a CA and certificates made here with `openssl`
# (nothing secret is checked in):
#
#   s-client             openssl s_client against `sipkit proxy -l tls:`: TLS 1.3
#                        and 1.2 with the test CA, TLS 1.1 refused; an OPTIONS
#                        (Max-Forwards 0) typed into s_client answered 200
#   call-proxy-uas       sipkit call -> sipkit proxy -> sipkit uas, every hop TLS
#                        (sips:), cancelled while ringing; the proxy's capture
#                        checked by sipkit check (cancelled cleanly)
#   sips-not-tls         a sips: call the proxy could only forward over UDP: 480
#   verify               sipkit call refuses a server whose certificate lacks the
#                        target (hostname mismatch, RFC 5922 §7.2) and one from
#                        an untrusted CA; --tls-insecure calls it, saying so
#   mutual               sipkit uas --tls-verify-client: a caller without a
#                        certificate is refused, one with the CA's is served
#   kamailio-after-sipkit   sipkit call -> sipkit proxy -> Kamailio (tls module)
#   kamailio-before-sipkit  sipkit call -> Kamailio -> sipkit proxy
#                        -> sipkit uas, every hop TLS, cancelled while ringing;
#                        the callee gets the caller's Reason
#   baresip              baresip (Debian) registers over TLS and is called
#                        through the proxy over TLS, cancelled while ringing
#   sipp                 SIPp over TLS (-t l1): SKIP when Debian's sip-tester is
#                        built without OpenSSL (3.6.1 is)
#   attack               a flood of connections that never send a ClientHello
#                        (refused past --tls-max-handshakes, closed at
#                        --tls-handshake-ms), garbage, a truncated record: the
#                        proxy counts them (ctl stats) and still serves a call
#
# Kamailio needs kamailio-tls-modules (`make deps-test`). Every process is on
# 127.0.0.1, on free ports, under `timeout`; logs in a temporary directory (KEEP=1
# keeps it). About 20 s.
#
#   sh tests/interop/tls.sh [CASE...]
set -u

here=$(cd "$(dirname "$0")" && pwd)
suite=interop-tls
PORT_SEED=13
# shellcheck source=tests/interop/proxy_lib.sh
. "$here/proxy_lib.sh"

skipped=0
skip() { # case why
	echo "SKIP $1: $2"
	skipped=$((skipped + 1))
}

# ---- the PKI: made once per run, with openssl
pki=$work/pki
make_pki() {
	mkdir -p "$pki" && cd "$pki" || exit 1
	ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
	# shellcheck disable=SC2086
	openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj "/CN=sipkit test CA" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign &&
	openssl req -x509 $ec -keyout rogue-ca.key -out rogue-ca.pem -days 2 -subj "/CN=rogue CA" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign &&
	leaf server sip.test "DNS:sip.test,IP:127.0.0.1" ca &&
	leaf other other.test "DNS:other.test" ca &&
	leaf rogue sip.test "DNS:sip.test,IP:127.0.0.1" rogue-ca &&
	leaf client alice "DNS:alice.test" ca || { echo "$suite: openssl could not make the PKI" >&2; exit 1; }
	# baresip reads its certificate and key from one file
	cat server.pem server.key >server-both.pem
	cd "$work" || exit 1
} >"$work/pki.log" 2>&1

leaf() { # name CN SAN issuer
	printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=critical,CA:FALSE\n' "$3" >"$1.ext"
	# shellcheck disable=SC2086
	openssl req $ec -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" &&
	openssl x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4.key" -CAcreateserial -days 2 \
		-extfile "$1.ext" -out "$1.pem"
}

SRV_TLS="--tls-cert $pki/server.pem --tls-key $pki/server.key --tls-ca $pki/ca.pem"

# start_tls_proxy [args]: sipkit proxy on udp $PROXY_PORT and tls $PROXY_TLS (one more)
start_tls_proxy() {
	alloc 2
	PROXY_PORT=$PORT PROXY_TLS=$((PORT + 1))
	CTL=$dir/ctl.sock
	# shellcheck disable=SC2086
	start_bg proxy 2 proxy -l "udp:$LO:$PROXY_PORT" -l "tls:$LO:$PROXY_TLS" $SRV_TLS \
		--ctl "$CTL" --ladder --trace proxy.pcap "$@"
	st=$?
	PROXY_PID=$BG_PID
	return $st
}

# start_tls_uas NAME [args]: sipkit uas on tls $U_PORT, never answering, one call
start_tls_uas() {
	n=$1
	shift
	alloc 1
	U_PORT=$PORT
	# shellcheck disable=SC2086
	start_bg "$n" 1 uas -l "tls:$LO:$U_PORT" --no-answer --calls 1 "$@"
	U_PID=$BG_PID
}

# ---- cases

s_client() {
	begin s-client
	if start_tls_proxy; then
		for v in tls1_3 tls1_2; do
			echo | timeout 5 openssl s_client -connect "$LO:$PROXY_TLS" -CAfile "$pki/ca.pem" \
				-verify_return_error -"$v" -brief >"s_client-$v.out" 2>&1
			grep -q 'CONNECTION ESTABLISHED' "s_client-$v.out" || bad "s_client -$v: no connection"
			grep -q "Protocol version: TLSv1.${v#tls1_}" "s_client-$v.out" || bad "s_client -$v: not TLSv1.${v#tls1_}"
		done
		# RFC 8996: no TLS 1.1 (s_client may not offer it at its security level: then
		# it fails on its own side, which says the same)
		echo | timeout 5 openssl s_client -connect "$LO:$PROXY_TLS" -tls1_1 -brief \
			-cipher 'DEFAULT:@SECLEVEL=0' >s_client-tls1_1.out 2>&1
		grep -q 'CONNECTION ESTABLISHED' s_client-tls1_1.out && bad "TLS 1.1 accepted"
		printf 'OPTIONS sip:%s:%s SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bKsclient1\r\nMax-Forwards: 0\r\nFrom: <sip:probe@sip.test>;tag=1\r\nTo: <sip:%s:%s>\r\nCall-ID: s-client-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' \
			$LO "$PROXY_TLS" $LO "$PROXY_TLS" >options.txt
		(cat options.txt; sleep 1) | timeout 5 openssl s_client -connect "$LO:$PROXY_TLS" \
			-CAfile "$pki/ca.pem" -verify_return_error -quiet >s_client-options.out 2>&1
		grep -q '^SIP/2.0 200' s_client-options.out || bad "no 200 to the OPTIONS typed into s_client"
		ctl_stats
		v=$(awk '$1 == "tls_up" {print $2}' ctl-stats.out)
		[ "${v:-0}" -ge 3 ] || bad "ctl stats: tls_up ${v:-?}, expected >= 3"
		stop_proxy
	fi
	verdict
}

call_proxy_uas() {
	begin call-proxy-uas
	if start_tls_uas uas $SRV_TLS && start_tls_proxy --record-route --route "bob=sips:bob@$LO:$U_PORT"; then
		reason='SIP;cause=480;text="Over TLS"'
		timeout -k 5 20 "$SIPKIT" call "sips:bob@$LO:$PROXY_TLS" --tls-ca "$pki/ca.pem" \
			--cancel-after 300 --reason "$reason" --trace call.pcap >call.out 2>call.err
		st=$?
		[ $st = 0 ] || bad "sipkit call exit $st, expected 0"
		grep -qx 'result: cancelled (487)' call.out || bad "no 'result: cancelled (487)'"
		grep -q ' TLS  INVITE sips:bob@' call.out || bad "the caller's INVITE did not go over TLS"
		wait_bounded "$U_PID" 5 || bad "sipkit uas did not end after its call"
		grep -qF "(487 sent), Reason: $reason" uas.out || bad "the callee did not get the Reason"
		grep -q "TLS  INVITE sips:bob@$LO:$U_PORT" proxy.out || bad "the proxy did not forward over TLS"
		grep -q "Record-Route\|transport=tls" proxy.out >/dev/null 2>&1 || :
		ctl_stats
		stat_is cancelled 1
		stat_is tls_failed 0
		check_no_pending
		stop_proxy
		check_trace "cancelled cleanly" proxy.pcap
	fi
	verdict
}

sips_not_tls() {
	begin sips-not-tls
	alloc 1
	U_PORT=$PORT
	if start_bg uas 1 uas -l "udp:$LO:$U_PORT" --no-answer --calls 1 && U_PID=$BG_PID &&
		start_tls_proxy --route "bob=sip:bob@$LO:$U_PORT"; then
		timeout -k 5 20 "$SIPKIT" call "sips:bob@$LO:$PROXY_TLS" --tls-ca "$pki/ca.pem" \
			--cancel-after 2000 >call.out 2>call.err
		grep -q '^result: rejected (480' call.out || bad "no 480 for a sips call with a UDP next hop"
		grep -q "INVITE sip:bob@$LO:$U_PORT" proxy.out && bad "the sips request went out over UDP"
		stop_proxy
	fi
	verdict
}

verify() {
	begin verify
	if start_tls_uas uas-other --tls-cert "$pki/other.pem" --tls-key "$pki/other.key"; then
		timeout -k 5 20 "$SIPKIT" call "sips:bob@$LO:$U_PORT" --tls-ca "$pki/ca.pem" \
			--cancel-after 300 >call-mismatch.out 2>call-mismatch.err
		st=$?
		[ $st = 0 ] && bad "a call to a certificate for other.test at $LO succeeded"
		grep -q 'hostname mismatch\|IP address mismatch' call-mismatch.err || bad "no 'mismatch' said by sipkit call"
		grep -q 'INVITE' uas-other.out && bad "the server we refused got an INVITE"
		term_child "$U_PID"
		wait_bounded "$U_PID" 5
	fi
	if start_tls_uas uas-rogue --tls-cert "$pki/rogue.pem" --tls-key "$pki/rogue.key"; then
		timeout -k 5 20 "$SIPKIT" call "sips:bob@$LO:$U_PORT" --tls-ca "$pki/ca.pem" \
			--cancel-after 300 >call-rogue.out 2>call-rogue.err
		[ $? = 0 ] && bad "a call to a server of an untrusted CA succeeded"
		grep -q 'certificate refused' call-rogue.err || bad "no 'certificate refused' said"
		# labs: --tls-insecure calls it, and says so
		timeout -k 5 20 "$SIPKIT" call "sips:bob@$LO:$U_PORT" --tls-insecure \
			--cancel-after 300 >call-insecure.out 2>call-insecure.err
		st=$?
		[ $st = 0 ] || bad "--tls-insecure: exit $st, expected 0"
		grep -q 'WARNING: --tls-insecure' call-insecure.err || bad "--tls-insecure said nothing on stderr"
		wait_bounded "$U_PID" 5
	fi
	verdict
}

mutual() {
	begin mutual
	if start_tls_uas uas $SRV_TLS --tls-verify-client; then
		timeout -k 5 20 "$SIPKIT" call "sips:bob@$LO:$U_PORT" --tls-ca "$pki/ca.pem" \
			--cancel-after 300 >call-nocert.out 2>call-nocert.err
		[ $? = 0 ] && bad "a caller without a certificate was served"
		timeout -k 5 20 "$SIPKIT" call "sips:bob@$LO:$U_PORT" --tls-ca "$pki/ca.pem" \
			--tls-cert "$pki/client.pem" --tls-key "$pki/client.key" \
			--cancel-after 300 >call-cert.out 2>call-cert.err
		st=$?
		[ $st = 0 ] || bad "a caller with the CA's certificate: exit $st, expected 0"
		grep -qx 'result: cancelled (487)' call-cert.out || bad "no 'result: cancelled (487)' with a certificate"
		wait_bounded "$U_PID" 5
	fi
	verdict
}

# Kamailio with the tls module, its certificates from the test CA
start_kamailio_tls() { # NEXT1_PORT (TLS)
	alloc 2
	KAM_PORT=$PORT KAM_TLS=$((PORT + 1))
	mkdir -p "$dir/kamrun"
	cat >"$dir/kamrun/tls.cfg" <<-EOF
		[server:default]
		method = TLSv1.2+
		verify_certificate = no
		require_certificate = no
		private_key = $pki/server.key
		certificate = $pki/server.pem
		ca_list = $pki/ca.pem

		[client:default]
		method = TLSv1.2+
		verify_certificate = yes
		require_certificate = yes
		ca_list = $pki/ca.pem
	EOF
	sed "s/@KAM_PORT@/$KAM_PORT/g; s/@KAM_TLS_PORT@/$KAM_TLS/g; s/@NEXT1_PORT@/$1/g;
	     s|@RUNDIR@|$dir/kamrun|g" "$here/kamailio/kamailio-tls.cfg" >kamailio.cfg
	timeout -k 5 30 "$KAMAILIO" -DD -E -f "$dir/kamailio.cfg" -Y "$dir/kamrun" -m 64 -M 8 \
		</dev/null >kamailio.log 2>&1 &
	KAM_PID=$!
	pids="$pids $KAM_PID"
	n=0
	until listening tcp "$KAM_TLS"; do
		if ! running $KAM_PID || [ $n -ge 50 ]; then
			bad "kamailio did not start listening on tls:$LO:$KAM_TLS"
			return 1
		fi
		sleep 0.1
		n=$((n + 1))
	done
	return 0
}

kamailio_tls() { # name order
	begin "$1"
	need_kamailio || { verdict; return; }
	if [ ! -f /usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so ] &&
		! ls /usr/lib/*/kamailio/modules/tls.so >/dev/null 2>&1; then
		bad "Kamailio's tls module is not installed (Debian package kamailio-tls-modules)"
		verdict
		return
	fi
	reason='Q.850;cause=16;text="Normal call clearing"'
	ok=0
	if start_tls_uas uas $SRV_TLS; then
		if [ "$2" = sipkit-first ]; then
			start_kamailio_tls "$U_PORT" &&
				start_tls_proxy --route "bob=sips:one@$LO:$KAM_TLS" && ok=1
			target="sips:bob@$LO:$PROXY_TLS"
		else
			start_tls_proxy --route "one=sips:one@$LO:$U_PORT" &&
				start_kamailio_tls "$PROXY_TLS" && ok=1
			target="sips:one@$LO:$KAM_TLS"
		fi
		if [ $ok = 1 ]; then
			timeout -k 5 20 "$SIPKIT" call "$target" --tls-ca "$pki/ca.pem" --cancel-after 400 \
				--reason "$reason" --trace call.pcap >call.out 2>call.err
			st=$?
			[ $st = 0 ] || bad "sipkit call exit $st, expected 0"
			grep -qx 'result: cancelled (487)' call.out || bad "no 'result: cancelled (487)' from sipkit call"
			wait_bounded "$U_PID" 5
			st=$?
			[ $st = 0 ] || bad "sipkit uas exit $st, expected 0 after --calls 1"
			grep -qF "(487 sent), Reason: $reason" uas.out ||
				bad "the callee did not get the caller's Reason through both proxies"
			grep -q " TLS  INVITE sips:" uas.out uas.err proxy.out 2>/dev/null ||
				bad "no INVITE over TLS in the proxy's ladder"
			ctl_stats
			stat_is cancelled 1
			stat_is tls_failed 0
			check_no_pending
		fi
		[ -n "${PROXY_PID:-}" ] && running "$PROXY_PID" && stop_proxy
		[ -n "${KAM_PID:-}" ] && running "$KAM_PID" && stop_kamailio
		[ $ok = 1 ] && check_trace "cancelled cleanly" proxy.pcap
	fi
	PROXY_PID="" KAM_PID=""
	verdict
}

sipp_tls() {
	if ! command -v sipp >/dev/null 2>&1; then
		skip sipp "sipp is not installed (Debian package sip-tester)"
	elif sipp -t l1 -sn uac "$LO:9" -m 1 -timeout 1s 2>&1 </dev/null | grep -q 'compile SIPp with OpenSSL'; then
		skip sipp "Debian's sip-tester ($(sipp -v 2>/dev/null | grep -o 'v[0-9][0-9.]*' | head -n 1)) is built without OpenSSL: it has no TLS transport (-t l1)"
	else
		begin sipp
		bad "SIPp has TLS here: a scenario over -t l1 is still to be written"
		verdict
	fi
}

# attack: what strangers can make the TLS listener hold, bounded, counted
attack() {
	begin attack
	if start_tls_proxy --tls-handshake-ms 1000 --tls-max-handshakes 10; then
		python3 - "$LO" "$PROXY_TLS" >attack.out 2>&1 <<-'EOF'
			import socket, sys, time
			host, port = sys.argv[1], int(sys.argv[2])
			g = socket.create_connection((host, port), timeout=2)
			g.sendall(b"\x16\x03\x01\x00\x05hello garbage, not a record at all\r\n\r\n")
			t = socket.create_connection((host, port), timeout=2)
			t.sendall(b"\x16\x03\x01\x40\x00\x01\x00")  # a 16 KiB record, 2 bytes of it
			time.sleep(0.3)
			socks = []
			for i in range(30):  # never a ClientHello
			    s = socket.create_connection((host, port), timeout=2)
			    socks.append(s)
			time.sleep(2.5)
			closed = 0
			for s in [g, t] + socks:
			    s.settimeout(0.2)
			    try:
			        while s.recv(4096):  # an alert may come before the end
			            pass
			        closed += 1
			    except ConnectionResetError:
			        closed += 1
			    except socket.timeout:
			        pass
			print("closed", closed, "of", len(socks) + 2)
		EOF
		grep -q 'closed 32 of 32' attack.out || bad "not every stalled connection was closed: $(cat attack.out)"
		ctl_stats
		for k in tls_closed_handshake tls_refused_handshake tls_failed; do
			v=$(awk -v k="$k" '$1 == k {print $2}' ctl-stats.out)
			[ "${v:-0}" -ge 1 ] || bad "ctl stats: $k ${v:-?}, expected >= 1"
		done
		stat_is tls_handshakes 0
		stat_is tcp_conns_in 0
		# and it still serves
		if start_tls_uas uas $SRV_TLS; then
			"$SIPKIT" ctl -s "$CTL" stats >/dev/null 2>&1
			timeout -k 5 20 "$SIPKIT" call "sips:bob@$LO:$U_PORT" --route "sips:$LO:$PROXY_TLS;lr" \
				--tls-ca "$pki/ca.pem" --cancel-after 300 >call.out 2>call.err
			grep -qx 'result: cancelled (487)' call.out || bad "no call served after the attack"
			wait_bounded "$U_PID" 5
		fi
		stop_proxy
	fi
	verdict
}

# baresip registers over TLS (its own certificate for its TLS listener) and is
# called through the proxy over TLS, cancelled while ringing
baresip_tls() {
	begin baresip
	command -v baresip >/dev/null 2>&1 || { bad "baresip is not installed"; verdict; return; }
	if start_tls_proxy --domain "$LO"; then
		alloc 14
		BS_PORT=$PORT
		mkdir -p bs
		baresip_config bs/config tls 2 "sip_certificate		$pki/server-both.pem
sip_cafile		$pki/ca.pem"
		echo "<sip:1000@$LO;transport=tls>;outbound=\"sip:$LO:$PROXY_TLS;transport=tls;lr\";regint=60;answermode=manual" \
			>bs/accounts
		: >bs/contacts
		timeout -k 5 30 baresip -f "$dir/bs" -v </dev/null >baresip.out 2>&1 &
		BS_PID=$!
		pids="$pids $BS_PID"
		n=0
		until grep -q '200 OK .*1 binding' baresip.out 2>/dev/null; do
			[ $n -ge 80 ] && break
			sleep 0.1
			n=$((n + 1))
		done
		grep -q '200 OK .*1 binding' baresip.out || bad "baresip did not register over TLS"
		timeout -k 5 20 "$SIPKIT" call "sips:1000@$LO:$PROXY_TLS" --tls-ca "$pki/ca.pem" \
			--cancel-after 1000 >call.out 2>call.err
		st=$?
		[ $st = 0 ] || bad "sipkit call exit $st, expected 0"
		grep -q '^result: cancelled (487)' call.out || bad "no 'result: cancelled (487)' line"
		grep -q ' 180 ' call.out || bad "baresip did not ring (no 180)"
		ctl_stats
		stat_is cancelled 1
		check_no_pending
		term_child "$BS_PID"
		wait_bounded "$BS_PID" 5
		stop_proxy
		check_trace "cancelled cleanly" proxy.pcap
	fi
	verdict
}

# ---- run
all="s-client call-proxy-uas sips-not-tls verify mutual kamailio-after-sipkit kamailio-before-sipkit baresip sipp attack"

run_case() {
	PROXY_PID="" KAM_PID=""
	case $1 in
	s-client) s_client ;;
	call-proxy-uas) call_proxy_uas ;;
	sips-not-tls) sips_not_tls ;;
	verify) verify ;;
	mutual) mutual ;;
	kamailio-after-sipkit) kamailio_tls kamailio-after-sipkit sipkit-first ;;
	kamailio-before-sipkit) kamailio_tls kamailio-before-sipkit kamailio-first ;;
	baresip) baresip_tls ;;
	sipp) sipp_tls ;;
	attack) attack ;;
	*) echo "FAIL $1: no such case (cases: $all)"; fail=$((fail + 1)) ;;
	esac
	cleanup
}

make_pki
if [ $# -gt 0 ]; then
	for c in "$@"; do run_case "$c"; done
else
	for c in $all; do run_case "$c"; done
fi

echo "$suite: $pass passed, $fail failed, $skipped skipped"
[ "$fail" = 0 ]
