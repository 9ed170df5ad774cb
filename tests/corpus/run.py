#!/usr/bin/env python3
"""sipkit check against real captures from other projects.

Each capture under tests/corpus/captures/ (its source and licence in
captures.tsv and next to it) has a verdict in verdicts.tsv, written by reading
the capture against RFC 3261: the summary figures, and every call with its
outcome and findings (code:severity). A call that sipkit check reports and the
verdicts do not name is a failure too: every call is judged.

A verdict marked "pending: why" is one sipkit check does not meet yet: it is
shown, not failed; once it is met the run says so, so the mark can go.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SIPKIT = os.environ.get("SIPKIT", "build/sipkit")


def load_verdicts(path):
    verdicts = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) < 3:
                sys.exit("%s:%d: want capture, subject, expected[, status]" % (path, n))
            status = cols[3] if len(cols) > 3 else "ok"
            verdicts.setdefault(cols[0], []).append((cols[1], cols[2], status, n))
    return verdicts


def check(capture, extra):
    cmd = [SIPKIT, "check", "--json", "--no-progress"] + extra + [capture]
    p = subprocess.run(cmd, capture_output=True, timeout=120)
    if p.returncode not in (0, 1):
        return None, "exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")[:300])
    calls, summary = {}, None
    for line in p.stdout.decode("utf-8").splitlines():
        d = json.loads(line)
        if "summary" in d:
            summary = d["summary"]
            continue
        codes = sorted({"%s:%s" % (x["code"], x["severity"]) for x in d.get("findings", [])})
        calls.setdefault(d["call_id"], []).append(
            "%s | %s" % (d["outcome"], " ".join(codes) if codes else "-"))
    return (calls, summary), None


def summary_value(summary, key):
    v = summary
    for part in key.split("."):
        if not isinstance(v, dict) or part not in v:
            return 0 if "." in key else None  # an absent count is none
        v = v[part]
    return v


def main():
    verdicts = load_verdicts(os.path.join(HERE, "verdicts.tsv"))
    fails, passed, pending, met = [], 0, 0, []
    for capture, rows in sorted(verdicts.items()):
        extra = []
        for subject, expected, status, n in rows:
            if subject == "options":
                extra = expected.split()
        got, err = check(os.path.join(HERE, "captures", capture), extra)
        if err:
            fails.append("%s: %s" % (capture, err))
            continue
        calls, summary = got
        named = set()
        for subject, expected, status, n in rows:
            if subject == "options":
                continue
            if subject == "summary":
                bad = []
                for kv in expected.split():
                    k, want = kv.split("=", 1)
                    have = summary_value(summary, k)
                    if str(have) != want:
                        bad.append("%s=%s (want %s)" % (k, have, want))
                ok, what = not bad, ", ".join(bad)
            elif subject.startswith("call "):
                cid = subject[5:]
                named.add(cid)
                have = calls.get(cid, [])
                ok = have == [expected]
                what = "got %s, want [%s]" % (have, expected)
            else:
                sys.exit("verdicts.tsv:%d: unknown subject %r" % (n, subject))
            if status.startswith("pending"):
                if ok:
                    met.append("%s %s (verdicts.tsv:%d)" % (capture, subject, n))
                else:
                    pending += 1
            elif ok:
                passed += 1
            else:
                fails.append("%s %s: %s (verdicts.tsv:%d)" % (capture, subject, what, n))
        for cid in sorted(set(calls) - named):
            fails.append("%s: call %s is in no verdict: %s" % (capture, cid, calls[cid]))
    for m in met:
        print("MET (remove its pending mark): " + m)
    for f in fails:
        print("FAIL " + f)
    print("corpus: %d verdicts met, %d failed, %d pending, on %d captures"
          % (passed, len(fails), pending, len(verdicts)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
