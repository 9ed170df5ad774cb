#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Drives the browser phone (examples/webphone, JsSIP) in headless Chromium
against `sipkit proxy -l ws:` (tests/interop/webphone.sh starts the proxy and
the callee and checks the proxy's trace afterwards).

Usage: webphone.py WEBPHONE_DIR CHROMEDRIVER CHROMIUM WORK HTTP_PORT WS_URL SIPKIT PROXY_UDP [FLOWS]

Serves WEBPHONE_DIR on http://127.0.0.1:HTTP_PORT from a thread of this
process, starts chromedriver and Chromium with a fake microphone and no
permission prompt, and runs
  flow 1: page A registers alice@sipkit.test over WebSocket; `sipkit call`
          calls alice through the proxy and cancels after 1.5 s: the page must
          ring (incoming call) and end with cause Canceled, sipkit call must say
          cancelled (487)
  flow 2: page B (carol) calls bob@sipkit.test (the proxy's route to a
          `sipkit uas --no-answer`), hears it ring (180) and hangs up before the
          answer: the page must end with cause Canceled
FLOWS ("12" by default) says which flows run. A wss:// WS_URL (the proxy's -l wss:
with a self-signed certificate) starts Chromium with --ignore-certificate-errors: every
connection of this test is to 127.0.0.1.
Every process it starts is ended on the way out (tests/html/click.py's
subreaper and end_all).
"""
import ctypes
import functools
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "html"))
from click import Fail, check, end_all, on_signal, start_driver  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.remote.remote_connection import RemoteConnection  # noqa: E402


def serve(root, port):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
    handler.log_message = lambda *a: None
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def start(url, binary, profile, insecure=False):
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    if insecure:  # the proxy's self-signed certificate, on loopback only
        opts.add_argument("--ignore-certificate-errors")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--no-first-run", "--disable-extensions", "--disable-crash-reporter",
              "--disable-breakpad", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--disable-quic",
              "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              "--user-data-dir=" + profile):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Remote(command_executor=url, options=opts)
    d.set_page_load_timeout(30)
    d.set_script_timeout(10)
    return d


def events(d):
    return d.execute_script("return window.webphone ? window.webphone.events.slice() : []")


def wait_event(d, prefix, secs, what):
    deadline = time.time() + secs
    while time.time() < deadline:
        for e in events(d):
            if e.startswith(prefix):
                return e
        time.sleep(0.1)
    raise Fail("%s: no '%s' within %d s; events: %s" % (what, prefix, secs, json.dumps(events(d))))


def open_page(d, base, user, ws):
    d.get("%s/index.html?ws=%s&user=%s&domain=sipkit.test" % (base, ws, user))
    wait_event(d, "registered", 15, "page " + user)


def flow1(d, base, ws, sipkit, proxy, work):
    open_page(d, base, "alice", ws)
    with open(os.path.join(work, "call1.out"), "w") as out, \
            open(os.path.join(work, "call1.err"), "w") as err:
        call = subprocess.Popen(
            [sipkit, "call", "sip:alice@sipkit.test", "--route", "sip:%s;lr" % proxy,
             "-l", "udp:127.0.0.1:0", "--cancel-after", "1500", "--json",
             "--reason", 'SIP;cause=487;text="webphone test"'],
            stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        try:
            rc = call.wait(timeout=20)
        except subprocess.TimeoutExpired:
            call.kill()
            call.wait()
            raise Fail("flow 1: sipkit call did not end within 20 s")
    result = open(os.path.join(work, "call1.out")).read()
    check(rc == 0 and '"outcome":"cancelled"' in result,
          "flow 1: sipkit call exit %d: %s" % (rc, result.strip()))
    wait_event(d, "incoming call from sip:caller@", 1, "flow 1")
    end = wait_event(d, "failed: ", 5, "flow 1")
    check(end.startswith("failed: Canceled"), "flow 1: the page ended with '%s'" % end)
    print("flow 1: the browser rang and was cancelled: %s" % end)


def flow2(d, base, ws):
    d.switch_to.new_window("tab")
    open_page(d, base, "carol", ws)
    d.execute_script("window.webphone.call('sip:bob@sipkit.test')")
    wait_event(d, "progress 180", 10, "flow 2")
    d.execute_script("window.webphone.hangup()")
    end = wait_event(d, "failed: ", 10, "flow 2")
    check(end.startswith("failed: Canceled"), "flow 2: the page ended with '%s'" % end)
    print("flow 2: the browser called, heard 180 and cancelled: %s" % end)


def console_errors(d):
    bad = [e for e in d.get_log("browser") if e.get("level") == "SEVERE"
           and "favicon.ico" not in e.get("message", "")]
    check(not bad, "console errors: %s" % json.dumps(bad)[:2000])


def main():
    if len(sys.argv) not in (9, 10):
        sys.stderr.write(__doc__)
        return 2
    root, driver, binary, work, http_port, ws, sipkit, proxy = sys.argv[1:9]
    flows = sys.argv[9] if len(sys.argv) == 10 else "12"
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    RemoteConnection.set_timeout(30)
    d = None
    srv = None
    try:
        srv = serve(root, int(http_port))
        base = "http://127.0.0.1:%s" % http_port
        url = start_driver(driver, work)
        d = start(url, binary, os.path.join(work, "profile"), ws.startswith("wss://"))
        if "1" in flows:
            flow1(d, base, ws, sipkit, proxy, work)
        if "2" in flows:
            flow2(d, base, ws)
        console_errors(d)
        return 0
    except Fail as e:
        print("FAIL: %s" % e)
        return 1
    except WebDriverException as e:
        print("FAIL: WebDriver: %s" % str(e.msg or e).strip())
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if d is not None:
            try:
                d.quit()
            except Exception:
                pass
        if srv is not None:
            srv.shutdown()
        end_all()


if __name__ == "__main__":
    sys.exit(main())
