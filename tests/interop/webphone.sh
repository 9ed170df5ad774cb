#!/bin/sh
# The browser phone (examples/webphone: JsSIP, built by `make webphone`) in
# headless Chromium (Debian chromium, chromium-driver, python3-selenium; a fake
# microphone, no permission prompt) against `sipkit proxy -l ws:`, on loopback:
#
#   webphone  flow 1: the page registers alice over WebSocket, `sipkit call`
#             calls her through the proxy and cancels while the page rings;
#             flow 2: a second page calls bob, the proxy's route to a
#             `sipkit uas --no-answer`, and hangs up before the answer.
#             The proxy's capture, read by `sipkit check`: both calls
#             cancelled cleanly, no finding. The proxy takes only the page's
#             Origin (--ws-origin).
#   webphone-wss  flow 1 again with the page on secure WebSocket (-l wss:, a
#             self-signed certificate made here; Chromium with
#             --ignore-certificate-errors, every connection on loopback):
#             registered over wss, called and cancelled, the capture clean.
#
#   sh tests/interop/webphone.sh
# Every process is bounded by a timeout and stopped by its PID; webphone.py
# ends chromedriver and the browsers it started.
set -u

here=$(cd "$(dirname "$0")" && pwd)
suite=interop-webphone
PORT_SEED=19
# shellcheck source=tests/interop/proxy_lib.sh
. "$here/proxy_lib.sh"
PY=/usr/bin/python3 # Debian's, which has python3-selenium
WEBPHONE=$root/examples/webphone

# webphone NAME SCHEME FLOWS: the page against the proxy's -l SCHEME: listener (ws, or wss
# with a self-signed certificate made here), running the flows of webphone.py named
webphone() {
	begin "$1"
	DRIVER=$(command -v chromedriver) || bad "chromedriver not found (Debian: chromium-driver)"
	CHROME=/usr/lib/chromium/chromium
	[ -x "$CHROME" ] || CHROME=$(command -v chromium) || bad "chromium not found"
	"$PY" -c 'import selenium' 2>/dev/null || bad "$PY cannot import selenium (python3-selenium)"
	[ -s "$WEBPHONE/dist/phone.js" ] || bad "the page is not built (make webphone)"
	[ -z "$why" ] || { verdict; return; }
	tls=""
	if [ "$2" = wss ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
			-keyout server.key -out server.pem -subj "/CN=sip.test" \
			-addext "subjectAltName=DNS:sip.test,IP:127.0.0.1" >openssl.log 2>&1 ||
			{ bad "openssl could not make a certificate"; verdict; return; }
		tls="--tls-cert $dir/server.pem --tls-key $dir/server.key"
	fi
	alloc 4
	PROXY_PORT=$PORT WS_PORT=$((PORT + 1)) UAS_PORT=$((PORT + 2)) HTTP_PORT=$((PORT + 3))
	start_bg uas 1 uas -l "udp:$LO:$UAS_PORT" --no-answer || { verdict; return; }
	UAS_PID=$BG_PID
	CTL=$dir/ctl.sock
	# one worker: one loop's ladder, in order (several serve a browser as well: ws.sh
	# ws-workers-2, ws-workers-4)
	# shellcheck disable=SC2086 # $tls: options, one word each
	start_bg proxy 2 proxy -l "udp:$LO:$PROXY_PORT" -l "$2:$LO:$WS_PORT" $tls --ctl "$CTL" \
		--workers 1 --domain sipkit.test --route "bob=sip:$LO:$UAS_PORT" \
		--ws-origin "http://$LO:$HTTP_PORT" --ladder --trace proxy.pcap || { verdict; return; }
	PROXY_PID=$BG_PID
	timeout -k 10 90 "$PY" "$here/webphone.py" "$WEBPHONE" "$DRIVER" "$CHROME" "$dir" \
		"$HTTP_PORT" "$2://$LO:$WS_PORT" "$SIPKIT" "$LO:$PROXY_PORT" "$3" >driver.out 2>&1
	st=$?
	[ $st = 0 ] || bad "the browser flows failed (exit $st): $(grep -a FAIL driver.out | head -c 1500)"
	ctl_stats
	stat_is ws_bad_frames 0
	stat_is ws_refused 0
	[ "$2" = wss ] && { stat_is wss_upgrades 1; stat_is tls_failed 0; }
	stop_proxy
	term_child "$UAS_PID"
	wait_bounded "$UAS_PID" 5 >/dev/null
	"$SIPKIT" check --json --no-progress proxy.pcap >check.out 2>check.err
	n=$(grep -o '"outcome":"cancelled cleanly"' check.out | wc -l)
	[ "$n" = ${#3} ] || bad "sipkit check: $n calls cancelled cleanly in the proxy's capture, expected ${#3}"
	grep -q '"errors":0,"warnings":0' check.out || bad "sipkit check found errors or warnings"
	verdict
}

PROXY_PID=""
webphone webphone ws 12
cleanup
PROXY_PID=""
webphone webphone-wss wss 1
cleanup
echo "interop-webphone: $pass passed, $fail failed"
[ "$fail" = 0 ]
