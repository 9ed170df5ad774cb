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

webphone() {
	begin webphone
	DRIVER=$(command -v chromedriver) || bad "chromedriver not found (Debian: chromium-driver)"
	CHROME=/usr/lib/chromium/chromium
	[ -x "$CHROME" ] || CHROME=$(command -v chromium) || bad "chromium not found"
	"$PY" -c 'import selenium' 2>/dev/null || bad "$PY cannot import selenium (python3-selenium)"
	[ -s "$WEBPHONE/dist/phone.js" ] || bad "the page is not built (make webphone)"
	[ -z "$why" ] || { verdict; return; }
	alloc 4
	PROXY_PORT=$PORT WS_PORT=$((PORT + 1)) UAS_PORT=$((PORT + 2)) HTTP_PORT=$((PORT + 3))
	start_bg uas 1 uas -l "udp:$LO:$UAS_PORT" --no-answer || { verdict; return; }
	UAS_PID=$BG_PID
	CTL=$dir/ctl.sock
	# one worker: the page's WebSocket connection belongs to the worker that accepted it,
	# a call to the worker its Call-ID hashes to (docs/workers.md)
	start_bg proxy 2 proxy -l "udp:$LO:$PROXY_PORT" -l "ws:$LO:$WS_PORT" --ctl "$CTL" --workers 1 \
		--domain sipkit.test --route "bob=sip:$LO:$UAS_PORT" --ws-origin "http://$LO:$HTTP_PORT" \
		--ladder --trace proxy.pcap || { verdict; return; }
	PROXY_PID=$BG_PID
	timeout -k 10 90 "$PY" "$here/webphone.py" "$WEBPHONE" "$DRIVER" "$CHROME" "$dir" \
		"$HTTP_PORT" "ws://$LO:$WS_PORT" "$SIPKIT" "$LO:$PROXY_PORT" >driver.out 2>&1
	st=$?
	[ $st = 0 ] || bad "the browser flows failed (exit $st): $(grep -a FAIL driver.out | head -c 1500)"
	ctl_stats
	stat_is ws_bad_frames 0
	stat_is ws_refused 0
	stop_proxy
	term_child "$UAS_PID"
	wait_bounded "$UAS_PID" 5 >/dev/null
	"$SIPKIT" check --json --no-progress proxy.pcap >check.out 2>check.err
	n=$(grep -o '"outcome":"cancelled cleanly"' check.out | wc -l)
	[ "$n" = 2 ] || bad "sipkit check: $n calls cancelled cleanly in the proxy's capture, expected 2"
	grep -q '"errors":0,"warnings":0' check.out || bad "sipkit check found errors or warnings"
	verdict
}

PROXY_PID=""
webphone
cleanup
echo "interop-webphone: $pass passed, $fail failed"
[ "$fail" = 0 ]
