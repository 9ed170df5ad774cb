#!/usr/bin/python3
"""Drives the page of `sipkit check --html` in headless Chromium (tests/html/run.sh).

Usage: click.py PAGE CHROMEDRIVER CHROMIUM_BINARY WORK_DIR

Starts chromedriver on a free loopback port (its log in WORK_DIR), opens PAGE
from a file: URL in headless Chromium and checks, failing with a message:
  - the page loads nothing (no external src/href, no resource fetched) and
    logs no error to the console; hostile markup out of the capture stays text
  - clicking the CANCEL of the call with a cancel.branch_mismatch finding
    shows that CANCEL's text in #msgtext with its top Via inside mark.hl
  - clicking a frame link of that finding selects the message it names
Every process it starts is ended on the way out, browsers included (Chromium
puts its own in other process groups): this process is made the subreaper of
its descendants, which are killed and reaped at the end, also on SIGTERM.
"""
import ctypes
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.remote_connection import RemoteConnection
from selenium.webdriver.support.ui import WebDriverWait

CODE = "cancel.branch_mismatch"


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def static_checks(path):
    """The page as bytes: valid UTF-8, no tag attribute pointing anywhere but into the page."""
    data = open(path, "rb").read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Fail("page is not valid UTF-8: %s" % e)
    check(text.startswith("<!DOCTYPE html>"), "page does not start with <!DOCTYPE html>")
    check(text.count("<html") == 1 and text.rstrip().endswith("</html>"),
          "page is not one <html> ... </html>")
    # a tag attribute that loads or links: only in-page anchors are allowed
    for m in re.finditer(r"<[a-zA-Z][^>]*?\s(src|href|xlink:href|action|poster|srcset)\s*=\s*"
                         r"([\"']?)([^\"'\s>]*)", text):
        check(m.group(3).startswith("#"),
              "external resource in the page: %s=%s" % (m.group(1), m.group(3)))
    check(re.search(r"url\s*\(|@import", text) is None, "a CSS url() or @import in the page")
    return text


def descendants():
    """Every process below this one (orphans included: we are their subreaper)."""
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    out, todo = [], [os.getpid()]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def reap():
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def end_all():
    """TERM every descendant, KILL what is left after 3 s, reap them all."""
    for sig, grace in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 2.0)):
        for pid in descendants():
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.time() + grace
        while time.time() < deadline:
            reap()
            if not descendants():
                return
            time.sleep(0.05)
    left = descendants()
    if left:
        print("warning: processes left behind: %r" % left)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_driver(driver, work):
    port = free_port()
    log = open(os.path.join(work, "chromedriver.log"), "w")
    proc = subprocess.Popen([driver, "--port=%d" % port], stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = "http://127.0.0.1:%d" % port
    deadline = time.time() + 20
    while True:
        if proc.poll() is not None:
            raise Fail("chromedriver exited (%d) at start" % proc.returncode)
        try:
            with urllib.request.urlopen(url + "/status", timeout=2) as r:
                if json.load(r).get("value", {}).get("ready"):
                    return url
        except OSError:
            pass
        if time.time() > deadline:
            raise Fail("chromedriver at %s not ready after 20 s" % url)
        time.sleep(0.1)


def on_signal(sig, frame):
    raise Fail("stopped by signal %d" % sig)


def start(url, binary, profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1400,1000", "--no-first-run", "--disable-extensions",
              "--disable-crash-reporter", "--disable-breakpad",
              "--user-data-dir=" + profile):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Remote(command_executor=url, options=opts)
    d.set_page_load_timeout(30)
    d.set_script_timeout(10)
    return d


def panel(d):
    """What #msgtext shows: its text and the texts of its marks."""
    return d.execute_script(
        "var p=document.getElementById('msgtext');"
        "return {text:p.textContent, marks:Array.prototype.map.call("
        "p.querySelectorAll('mark.hl'),function(m){return m.textContent;}),"
        "imgs:p.querySelectorAll('img,script').length};")


def click(d, el):
    try:
        el.click()
    except WebDriverException:  # an SVG group: click its centre by pointer actions instead
        webdriver.ActionChains(d).move_to_element(el).click().perform()


def cancel_of_call(d):
    fs = d.find_elements(By.CSS_SELECTOR, 'li.finding[data-code="%s"]' % CODE)
    check(fs, "no li.finding with data-code=%s in the page" % CODE)
    call = d.execute_script("return arguments[0].closest('section.call');", fs[0])
    check(call is not None, "the finding is in no section.call")
    cancels = [g for g in call.find_elements(By.CSS_SELECTOR, "g.msg")
               if g.find_element(By.CSS_SELECTOR, ".lbl").text.strip() == "CANCEL"]
    check(cancels, "no g.msg labelled CANCEL in call %s" % call.get_attribute("id"))
    return fs[0], call, cancels[0]


def test_cancel(d):
    finding, call, g = cancel_of_call(d)
    gid = g.get_attribute("id")
    check(re.fullmatch(r"c\d+-m\d+", gid or ""), "CANCEL arrow id %r is not c{N}-m{i}" % gid)
    check(g.get_attribute("data-frame"), "CANCEL arrow %s has no data-frame" % gid)
    check("err" in g.get_attribute("class").split(), "CANCEL arrow %s not drawn as an error" % gid)
    click(d, g)
    WebDriverWait(d, 10).until(lambda x: panel(x)["text"].startswith("CANCEL "),
                               "#msgtext did not show the CANCEL after a click on %s" % gid)
    p = panel(d)
    check("CSeq: 1 CANCEL" in p["text"], "#msgtext lacks the CANCEL's CSeq:\n" + p["text"])
    vias = [m for m in p["marks"] if m.startswith("Via:")]
    check(vias and "branch=z9hG4bK-cxl2" in vias[0],
          "the CANCEL's Via is not in a mark.hl; marks: %r" % p["marks"])
    check("sel" in g.get_attribute("class").split(), "clicked arrow %s not selected" % gid)
    check("rel" in finding.get_attribute("class").split(),
          "the %s finding is not shown as related to the CANCEL" % CODE)
    mark = d.find_element(By.CSS_SELECTOR, "#msgtext mark.hl")
    check(mark.is_displayed(), "the mark.hl in #msgtext is not displayed")
    print("ok: CANCEL %s (frame %s) shows its text, Via marked: %s"
          % (gid, g.get_attribute("data-frame"), vias[0].strip()))
    return finding


def test_frame_link(d, finding):
    links = finding.find_elements(By.CSS_SELECTOR, ".frames a.frame")
    check(len(links) >= 2, "the %s finding links to %d message(s), want 2" % (CODE, len(links)))
    a = links[1]  # the INVITE the CANCEL should have matched
    target = a.get_attribute("data-msg")
    check(a.get_attribute("href").endswith("#" + target), "frame link href is not #" + target)
    click(d, a)
    g = d.find_element(By.ID, target)
    WebDriverWait(d, 10).until(lambda x: "sel" in g.get_attribute("class").split(),
                               "frame link did not select %s" % target)
    p = panel(d)
    check(p["text"].startswith("INVITE "), "#msgtext does not show the INVITE:\n" + p["text"])
    check(any(m.startswith("Via:") and "z9hG4bK-inv1" in m for m in p["marks"]),
          "the INVITE's Via is not marked; marks: %r" % p["marks"])
    # the hostile Subject of the log is text, not markup
    if "Subject:" in p["text"]:
        check("<script>" in p["text"], "the INVITE's Subject lost its markup text")
    check(p["imgs"] == 0, "markup out of the capture became elements in #msgtext")
    print("ok: frame link %s selects %s (frame %s)" % (a.text, target,
                                                       g.get_attribute("data-frame")))


def test_clean(d):
    check(d.title != "pwned", "a script out of the capture ran")
    res = d.execute_script("return performance.getEntriesByType('resource').map("
                           "function(e){return e.name;});")
    check(not res, "the page fetched resources: %r" % res)
    bad = d.execute_script(
        "return Array.prototype.filter.call(document.querySelectorAll('[src],[href]'),"
        "function(e){var v=e.getAttribute('src')||e.getAttribute('href')||'';"
        "return v.charAt(0)!=='#';}).map(function(e){return e.outerHTML.slice(0,80);});")
    check(not bad, "elements pointing outside the page: %r" % bad)
    try:
        logs = d.get_log("browser")
    except WebDriverException:
        logs = []
    severe = [l for l in logs if l.get("level") == "SEVERE"]
    check(not severe, "console errors: %r" % severe)


def main():
    if len(sys.argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    page, driver, binary, work = sys.argv[1:]
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    RemoteConnection.set_timeout(30)  # each WebDriver command
    d = None
    try:
        static_checks(page)
        url = start_driver(driver, work)
        d = start(url, binary, os.path.join(work, "profile"))
        d.get("file://" + os.path.abspath(page))
        WebDriverWait(d, 15).until(
            lambda x: x.execute_script("return document.readyState") == "complete",
            "page did not load")
        finding = test_cancel(d)
        test_frame_link(d, finding)
        test_clean(d)
        print("ok: no external resources, no console errors")
        return 0
    except Fail as e:
        print("FAIL: %s" % e)
        return 1
    except WebDriverException as e:
        print("FAIL: WebDriver: %s" % str(e.msg or e).strip())
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the cleanup runs to its end
        if d is not None:
            try:
                d.quit()
            except Exception:
                pass
        end_all()


if __name__ == "__main__":
    sys.exit(main())
