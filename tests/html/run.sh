#!/bin/sh
# Browser test of `sipkit check --html`: writes the page for a log with a
# cancel.branch_mismatch finding, opens it in headless Chromium through
# chromedriver (Debian packages chromium, chromium-driver, python3-selenium)
# and clicks in it (tests/html/click.py says what is checked).
#   SIPKIT=build/asan/sipkit sh tests/html/run.sh [LOG]
# Everything is bounded by timeouts; click.py ends chromedriver and the
# browsers it started on the way out, whatever happened (SIGTERM included).
SIPKIT=${SIPKIT:-build/sipkit}
LOG=${1:-tests/data/trace/branch_mismatch.log}
PY=/usr/bin/python3 # Debian's, which has python3-selenium
dir=$(dirname "$0")

fail() {
	echo "FAIL html: $*"
	exit 1
}

DRIVER=$(command -v chromedriver) || fail "chromedriver not found (Debian: chromium-driver; make deps-test)"
CHROME=/usr/lib/chromium/chromium
[ -x "$CHROME" ] || CHROME=$(command -v chromium) || fail "chromium not found (make deps-test)"
"$PY" -c 'import selenium' 2>/dev/null || fail "$PY cannot import selenium (Debian: python3-selenium)"
[ -x "$SIPKIT" ] || fail "no sipkit binary at $SIPKIT"
[ -r "$LOG" ] || fail "cannot read $LOG"

tmp=$(mktemp -d /tmp/sk_html.XXXXXX) || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

start=$(date +%s)
page=$tmp/check.html
timeout -k 5 60 "$SIPKIT" check --no-progress --html "$page" "$LOG" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc != 1 ]; then
	cat "$tmp/err"
	fail "sipkit check --html exited $rc, want 1 (error findings in $LOG)"
fi
grep -q "cancel.branch_mismatch" "$tmp/out" || fail "sipkit check reports no cancel.branch_mismatch for $LOG"
[ -s "$page" ] || fail "sipkit check wrote no page"

# click.py starts chromedriver and ends it and every browser it started
timeout -k 10 120 "$PY" "$dir/click.py" "$page" "$DRIVER" "$CHROME" "$tmp"
rc=$?
if [ $rc != 0 ]; then
	[ $rc = 124 ] && echo "FAIL html: the browser test timed out (120 s)"
	echo "--- chromedriver log (tail):"
	tail -20 "$tmp/chromedriver.log" 2>/dev/null
	cp "$page" /tmp/sk_html_failed.html 2>/dev/null && echo "--- page kept in /tmp/sk_html_failed.html"
	fail "browser checks of $LOG"
fi
echo "html: ok ($(($(date +%s) - start)) s)"
