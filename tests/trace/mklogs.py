#!/usr/bin/env python3
"""Writes the hand-made traces of tests/data/trace/ (sipkit log format) and their
MANIFEST.tsv: one scenario per diagnostic code of `sipkit check`, plus clean ones.
Each is what a misbehaving element would put on the wire; the addresses are
loopback only. Run from the repository root after changing a scenario:
    python3 tests/trace/mklogs.py
"""
import os

OUT = "tests/data/trace"
ALICE, PROXY, BOB1, BOB2 = "127.0.0.1:5061", "127.0.0.1:5060", "127.0.0.1:5062", "127.0.0.1:5063"
CID = "cid-{name}@127.0.0.1"


class Call:
    def __init__(self, name):
        self.name = name
        self.entries = []
        self.cid = CID.format(name=name)

    def add(self, t, src, dst, text, proto="udp"):
        self.entries.append((t, proto, src, dst, text))

    def write(self, tail=40.0):
        if tail is not None:  # an unrelated message later, so the input covers 64*T1
            self.add(tail, ALICE, PROXY, options())
        with open(os.path.join(OUT, self.name + ".log"), "w") as f:
            f.write("# sipkit check test trace: %s (tests/trace/mklogs.py)\n" % self.name)
            for t, proto, src, dst, text in self.entries:
                f.write("--- %.3f %s %s -> %s\n" % (t, proto, src, dst))
                f.write(text)


def msg(start, vias, frm, to, cid, cseq, extra=(), body=""):
    lines = [start]
    lines += ["Via: SIP/2.0/UDP %s" % v for v in vias]
    lines += ["Max-Forwards: 70"] if not start.startswith("SIP/") else []
    lines += ["From: %s" % frm, "To: %s" % to, "Call-ID: %s" % cid, "CSeq: %s" % cseq]
    lines += list(extra)
    lines += ["Content-Length: %d" % len(body), "", body]
    return "\n".join(lines)


def options():
    return msg("OPTIONS sip:127.0.0.1:5060 SIP/2.0", ["127.0.0.1:5061;branch=z9hG4bK-keepalive"],
               "<sip:alice@127.0.0.1>;tag=ka", "<sip:127.0.0.1:5060>", "keepalive@127.0.0.1",
               "1 OPTIONS")


FROM = "\"Alice\" <sip:alice@127.0.0.1>;tag=a1"
TO = "<sip:bob@127.0.0.1:5062>"
RURI = "sip:bob@127.0.0.1:5062"


def req(method, c, via, cseq=None, ruri=RURI, to=TO, frm=FROM, extra=()):
    vias = via if isinstance(via, list) else [via]
    return msg("%s %s SIP/2.0" % (method, ruri), vias, frm, to, c.cid,
               cseq or "1 %s" % method, extra)


def resp(code, phrase, c, via, cseq="1 INVITE", totag=None, to=TO, extra=()):
    vias = via if isinstance(via, list) else [via]
    t = to + (";tag=%s" % totag if totag else "")
    return msg("SIP/2.0 %d %s" % (code, phrase), vias, FROM, t, c.cid, cseq, extra)


V_A = ALICE + ";branch=z9hG4bK-a1"
CONTACT = ["Contact: <sip:alice@127.0.0.1:5061>"]


def ringing(c, via=V_A, t0=0.0, src=BOB1, dst=ALICE, tag="b1"):
    c.add(t0 + 0.001, src, dst, resp(100, "Trying", c, via))
    c.add(t0 + 0.050, src, dst, resp(180, "Ringing", c, via, totag=tag))


def direct_cancel_flow(name, cancel_text, after=None, tail=40.0):
    """alice -> bob: INVITE, 100, 180, then the given CANCEL at 2 s; `after` adds the rest."""
    c = Call(name)
    c.add(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=CONTACT))
    ringing(c)
    c.add(2.0, ALICE, BOB1, cancel_text(c))
    if after:
        after(c)
    c.write(tail)
    return c


def ok_after_cancel(c, via=V_A):
    c.add(2.001, BOB1, ALICE, resp(200, "OK", c, via, cseq="1 CANCEL", totag="b1"))
    c.add(2.002, BOB1, ALICE, resp(487, "Request Terminated", c, via, totag="b1"))
    c.add(2.003, ALICE, BOB1, req("ACK", c, via, cseq="1 ACK", to=TO + ";tag=b1"))


MANIFEST = []


def expect(name, exit_code, outcome, codes, ext=".log"):
    MANIFEST.append((name + ext, exit_code, outcome, " ".join(codes) or "-"))


def main():
    os.makedirs(OUT, exist_ok=True)

    # clean: cancelled, with a 3GPP Reason
    direct_cancel_flow("clean_cancel", lambda c: req(
        "CANCEL", c, V_A, extra=['Reason: RELEASE_CAUSE;cause=1;text="User ends call"']),
        ok_after_cancel)
    expect("clean_cancel", 0, "cancelled cleanly", [])

    # clean: answered and hung up
    c = Call("clean_answered")
    c.add(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=CONTACT))
    ringing(c)
    c.add(1.0, BOB1, ALICE, resp(200, "OK", c, V_A, totag="b1",
                                 extra=["Contact: <sip:bob@127.0.0.1:5062>"]))
    c.add(1.001, ALICE, BOB1, req("ACK", c, ALICE + ";branch=z9hG4bK-ack", cseq="1 ACK",
                                  to=TO + ";tag=b1"))
    c.add(5.0, ALICE, BOB1, req("BYE", c, ALICE + ";branch=z9hG4bK-bye", cseq="2 BYE",
                                to=TO + ";tag=b1"))
    c.add(5.001, BOB1, ALICE, resp(200, "OK", c, ALICE + ";branch=z9hG4bK-bye", cseq="2 BYE",
                                   totag="b1"))
    c.write()
    expect("clean_answered", 0, "answered", [])

    # a CANCEL on a new branch: 481, the phone rings on
    def b2(c):
        c.add(2.001, BOB1, ALICE, resp(481, "Call/Transaction Does Not Exist", c,
                                       ALICE + ";branch=z9hG4bK-a2", cseq="1 CANCEL"))
    direct_cancel_flow("cancel_branch_mismatch",
                       lambda c: req("CANCEL", c, ALICE + ";branch=z9hG4bK-a2"), b2)
    expect("cancel_branch_mismatch", 1, "failed",
           ["cancel.no_match:error", "cancel.branch_mismatch:error"])

    # Request-URI differs, matched by branch anyway
    direct_cancel_flow("cancel_field_mismatch",
                       lambda c: req("CANCEL", c, V_A, ruri="sip:bob@127.0.0.1"),
                       ok_after_cancel)
    expect("cancel_field_mismatch", 0, "cancelled cleanly", ["cancel.field_mismatch:warning"])

    # RFC 2543 peer (no magic cookie): the From tag differs, so nothing matches
    c = Call("cancel_2543_mismatch")
    v = ALICE + ";branch=1234"
    c.add(0.0, ALICE, BOB1, req("INVITE", c, v, extra=CONTACT))
    ringing(c, via=v)
    c.add(2.0, ALICE, BOB1, req("CANCEL", c, v, frm="\"Alice\" <sip:alice@127.0.0.1>;tag=zz"))
    c.add(2.001, BOB1, ALICE, resp(481, "Call/Transaction Does Not Exist", c, v,
                                   cseq="1 CANCEL"))
    c.write()
    expect("cancel_2543_mismatch", 1, "failed",
           ["cancel.no_match:error", "cancel.field_mismatch:warning"])

    # To tag copied from the 180
    direct_cancel_flow("cancel_to_tag",
                       lambda c: req("CANCEL", c, V_A, to=TO + ";tag=b1"), ok_after_cancel)
    expect("cancel_to_tag", 0, "cancelled cleanly", ["cancel.to_tag:warning"])

    # CSeq copied whole
    direct_cancel_flow("cancel_cseq_method",
                       lambda c: req("CANCEL", c, V_A, cseq="1 INVITE"), ok_after_cancel)
    expect("cancel_cseq_method", 1, "cancelled, not clean", ["cancel.cseq_method:error"])

    # CANCEL before any provisional
    c = Call("cancel_before_provisional")
    c.add(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=CONTACT))
    c.add(0.010, ALICE, BOB1, req("CANCEL", c, V_A))
    c.add(0.011, BOB1, ALICE, resp(100, "Trying", c, V_A))
    c.add(0.012, BOB1, ALICE, resp(200, "OK", c, V_A, cseq="1 CANCEL", totag="b1"))
    c.add(0.013, BOB1, ALICE, resp(487, "Request Terminated", c, V_A, totag="b1"))
    c.add(0.014, ALICE, BOB1, req("ACK", c, V_A, cseq="1 ACK", to=TO + ";tag=b1"))
    c.write()
    expect("cancel_before_provisional", 1, "cancelled, not clean",
           ["cancel.before_provisional:error"])

    # CANCEL 2 s after a 486
    c = Call("cancel_after_final")
    c.add(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=CONTACT))
    ringing(c)
    c.add(1.0, BOB1, ALICE, resp(486, "Busy Here", c, V_A, totag="b1"))
    c.add(1.001, ALICE, BOB1, req("ACK", c, V_A, cseq="1 ACK", to=TO + ";tag=b1"))
    c.add(3.0, ALICE, BOB1, req("CANCEL", c, V_A))
    c.add(3.001, BOB1, ALICE, resp(200, "OK", c, V_A, cseq="1 CANCEL", totag="b1"))
    c.write()
    expect("cancel_after_final", 0, "failed", ["cancel.after_final:warning"])

    # CANCEL of a MESSAGE
    c = Call("cancel_non_invite")
    vm = ALICE + ";branch=z9hG4bK-m1"
    c.add(0.0, ALICE, BOB1, req("MESSAGE", c, vm, extra=["Content-Type: text/plain"]))
    c.add(0.5, ALICE, BOB1, req("CANCEL", c, vm))
    c.add(0.501, BOB1, ALICE, resp(200, "OK", c, vm, cseq="1 CANCEL", totag="b1"))
    c.add(0.6, BOB1, ALICE, resp(200, "OK", c, vm, cseq="1 MESSAGE", totag="b1"))
    c.write()
    expect("cancel_non_invite", 0, "no INVITE", ["cancel.non_invite:warning"])

    # Require copied into the CANCEL
    direct_cancel_flow("cancel_require",
                       lambda c: req("CANCEL", c, V_A, extra=["Require: 100rel"]),
                       ok_after_cancel)
    expect("cancel_require", 1, "cancelled, not clean", ["cancel.require:error"])

    # Route set dropped from the CANCEL
    c = Call("cancel_route_mismatch")
    route = ["Route: <sip:127.0.0.1:5060;lr>"]
    c.add(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=route + CONTACT))
    ringing(c)
    c.add(2.0, ALICE, BOB1, req("CANCEL", c, V_A))
    ok_after_cancel(c)
    c.write()
    expect("cancel_route_mismatch", 1, "cancelled, not clean", ["cancel.route_mismatch:error"])

    # INVITE through the proxy, CANCEL straight to the phone
    c = Call("cancel_destination")
    c.add(0.0, ALICE, PROXY, req("INVITE", c, V_A, extra=CONTACT))
    ringing(c, src=PROXY)
    c.add(2.0, ALICE, BOB1, req("CANCEL", c, V_A))
    c.add(2.001, BOB1, ALICE, resp(481, "Call/Transaction Does Not Exist", c, V_A,
                                   cseq="1 CANCEL"))
    c.write()
    expect("cancel_destination", 1, "failed",
           ["cancel.no_match:error", "cancel.destination:error"])

    # CANCEL never answered (retransmitted)
    def silent(c):
        for i, t in enumerate((2.5, 3.5, 5.5)):
            c.add(t, ALICE, BOB1, req("CANCEL", c, V_A))
    direct_cancel_flow("cancel_no_response", lambda c: req("CANCEL", c, V_A), silent)
    expect("cancel_no_response", 1, "unfinished", ["cancel.no_response:error"])

    # 200 to the CANCEL, never a 487
    direct_cancel_flow("cancel_no_487", lambda c: req("CANCEL", c, V_A), lambda c: c.add(
        2.001, BOB1, ALICE, resp(200, "OK", c, V_A, cseq="1 CANCEL", totag="b1")))
    expect("cancel_no_487", 1, "unfinished", ["cancel.no_487:error"])

    # the 200 crosses the CANCEL; the caller ACKs and hangs up: a note only
    def race_ok(c):
        c.add(2.001, BOB1, ALICE, resp(200, "OK", c, V_A, totag="b1",
                                       extra=["Contact: <sip:bob@127.0.0.1:5062>"]))
        c.add(2.002, BOB1, ALICE, resp(200, "OK", c, V_A, cseq="1 CANCEL", totag="b1"))
        c.add(2.003, ALICE, BOB1, req("ACK", c, ALICE + ";branch=z9hG4bK-ack", cseq="1 ACK",
                                      to=TO + ";tag=b1"))
        c.add(2.004, ALICE, BOB1, req("BYE", c, ALICE + ";branch=z9hG4bK-bye", cseq="2 BYE",
                                      to=TO + ";tag=b1"))
        c.add(2.005, BOB1, ALICE, resp(200, "OK", c, ALICE + ";branch=z9hG4bK-bye",
                                       cseq="2 BYE", totag="b1"))
    direct_cancel_flow("cancel_answered_anyway", lambda c: req("CANCEL", c, V_A), race_ok)
    expect("cancel_answered_anyway", 0, "cancelled but answered anyway",
           ["cancel.answered_anyway:info"])

    # the same, but the caller forgets the call
    def race_bad(c):
        c.add(2.001, BOB1, ALICE, resp(200, "OK", c, V_A, totag="b1",
                                       extra=["Contact: <sip:bob@127.0.0.1:5062>"]))
        c.add(2.002, BOB1, ALICE, resp(200, "OK", c, V_A, cseq="1 CANCEL", totag="b1"))
        for t in (2.5, 3.5, 5.5):
            c.add(t, BOB1, ALICE, resp(200, "OK", c, V_A, totag="b1",
                                       extra=["Contact: <sip:bob@127.0.0.1:5062>"]))
    direct_cancel_flow("cancel_race_unresolved", lambda c: req("CANCEL", c, V_A), race_bad)
    expect("cancel_race_unresolved", 1, "cancelled but answered anyway",
           ["cancel.answered_anyway:warning", "cancel.race_unresolved:error"])

    # 487 never ACKed
    def no_ack(c):
        c.add(2.001, BOB1, ALICE, resp(200, "OK", c, V_A, cseq="1 CANCEL", totag="b1"))
        for t in (2.002, 2.502, 3.502, 5.502):
            c.add(t, BOB1, ALICE, resp(487, "Request Terminated", c, V_A, totag="b1"))
    direct_cancel_flow("ack_missing", lambda c: req("CANCEL", c, V_A), no_ack)
    expect("ack_missing", 1, "cancelled, not clean", ["ack.missing:error"])

    # the 487's ACK on a new branch
    def ack_new_branch(c):
        c.add(2.001, BOB1, ALICE, resp(200, "OK", c, V_A, cseq="1 CANCEL", totag="b1"))
        c.add(2.002, BOB1, ALICE, resp(487, "Request Terminated", c, V_A, totag="b1"))
        c.add(2.003, ALICE, BOB1, req("ACK", c, ALICE + ";branch=z9hG4bK-new", cseq="1 ACK",
                                      to=TO + ";tag=b1"))
    direct_cancel_flow("ack_branch", lambda c: req("CANCEL", c, V_A), ack_new_branch)
    expect("ack_branch", 1, "cancelled, not clean", ["ack.branch:error"])

    # honest outcomes (issue 13, class 2): "cancelled cleanly" only with the CANCEL's 200,
    # the INVITE's 487 and its ACK, and no error in the call
    # the CANCEL refused with 408 (a proxy whose own CANCEL downstream timed out); the
    # INVITE ends 487 later anyway
    def rejected(c):
        c.add(2.001, BOB1, ALICE, resp(408, "Request Timeout", c, V_A, cseq="1 CANCEL",
                                       totag="b1"))
        c.add(4.0, BOB1, ALICE, resp(487, "Request Terminated", c, V_A, totag="b1"))
        c.add(4.001, ALICE, BOB1, req("ACK", c, V_A, cseq="1 ACK", to=TO + ";tag=b1"))
    direct_cancel_flow("cancel_rejected", lambda c: req("CANCEL", c, V_A), rejected)
    expect("cancel_rejected", 1, "cancelled, not clean", ["cancel.rejected:error"])

    # the CANCEL answered 503 and the INVITE never ends: the phone rings on
    def rejected_503(c):
        c.add(2.001, BOB1, ALICE, resp(503, "Service Unavailable", c, V_A, cseq="1 CANCEL",
                                       totag="b1"))
    direct_cancel_flow("cancel_rejected_pending", lambda c: req("CANCEL", c, V_A), rejected_503)
    expect("cancel_rejected_pending", 1, "unfinished", ["cancel.rejected:error"])

    # the CANCEL got its 200, but the INVITE ended 408 instead of 487
    def wrong(c):
        c.add(2.001, BOB1, ALICE, resp(200, "OK", c, V_A, cseq="1 CANCEL", totag="b1"))
        c.add(2.500, BOB1, ALICE, resp(408, "Request Timeout", c, V_A, totag="b1"))
        c.add(2.501, ALICE, BOB1, req("ACK", c, V_A, cseq="1 ACK", to=TO + ";tag=b1"))
    direct_cancel_flow("cancel_wrong_final", lambda c: req("CANCEL", c, V_A), wrong)
    expect("cancel_wrong_final", 0, "cancelled, not clean", ["cancel.wrong_final:warning"])

    # the CANCEL retransmitted until Timer F (64*T1) without an answer; the INVITE
    # ends 408 after that (Timer C of a proxy, or the callee's own timeout)
    def timer_f(c):
        t = 2.0
        for i in range(1, 11):
            t += min(0.5 * 2 ** (i - 1), 4.0)
            c.add(t, ALICE, BOB1, req("CANCEL", c, V_A))
        c.add(34.0, BOB1, ALICE, resp(408, "Request Timeout", c, V_A, totag="b1"))
        c.add(34.001, ALICE, BOB1, req("ACK", c, V_A, cseq="1 ACK", to=TO + ";tag=b1"))
    direct_cancel_flow("cancel_timer_f", lambda c: req("CANCEL", c, V_A), timer_f, tail=80.0)
    expect("cancel_timer_f", 1, "cancelled, not clean",
           ["cancel.no_response:error", "cancel.wrong_final:warning"])

    # a 486 that crosses the CANCEL (sent before the CANCEL arrived): failed, no fault
    def crossing(c):
        c.add(2.001, BOB1, ALICE, resp(486, "Busy Here", c, V_A, totag="b1"))
        c.add(2.002, BOB1, ALICE, resp(200, "OK", c, V_A, cseq="1 CANCEL", totag="b1"))
        c.add(2.003, ALICE, BOB1, req("ACK", c, V_A, cseq="1 ACK", to=TO + ";tag=b1"))
    direct_cancel_flow("cancel_crossing_486", lambda c: req("CANCEL", c, V_A), crossing)
    expect("cancel_crossing_486", 0, "failed", [])

    # a malformed Reason
    direct_cancel_flow("reason_malformed",
                       lambda c: req("CANCEL", c, V_A, extra=["Reason: SIP;cause=abc"]),
                       ok_after_cancel)
    expect("reason_malformed", 0, "cancelled cleanly", ["reason.malformed:warning"])

    # a provisional that does not parse
    c = Call("msg_unparsed")
    c.add(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=CONTACT))
    c.add(0.001, BOB1, ALICE, resp(180, "Ringing", c, V_A, totag="b1").replace(
        "To: ", "To: <<broken", 1))
    c.add(1.0, BOB1, ALICE, resp(486, "Busy Here", c, V_A, totag="b1"))
    c.add(1.001, ALICE, BOB1, req("ACK", c, V_A, cseq="1 ACK", to=TO + ";tag=b1"))
    c.write()
    expect("msg_unparsed", 0, "failed", ["msg.unparsed:info"])

    # a capture that starts after the INVITE (a ring buffer): the CANCEL's 200 and the 487
    # with its branch and CSeq prove it matched: a note, not cancel.no_match (issue 13)
    c = Call("mid_call_cancel")
    ringing(c)
    c.add(2.0, ALICE, BOB1, req("CANCEL", c, V_A))
    ok_after_cancel(c)
    c.write()
    expect("mid_call_cancel", 0, "no INVITE", ["capture.invite_outside:info"])
    # the same with no 487 in the input: nothing proves the CANCEL matched
    c = Call("mid_call_cancel_unproven")
    ringing(c)
    c.add(2.0, ALICE, BOB1, req("CANCEL", c, V_A))
    c.add(2.001, BOB1, ALICE, resp(200, "OK", c, V_A, cseq="1 CANCEL", totag="b1"))
    c.write()
    expect("mid_call_cancel_unproven", 1, "no INVITE", ["cancel.no_match:error"])

    fork_scenarios()
    auth_scenarios()
    prack_scenarios()
    person_scenarios()

    with open(os.path.join(OUT, "MANIFEST.tsv"), "w") as f:
        f.write("# file\texit\toutcome of the call\texpected findings (code:severity)\n")
        for name, code, outcome, codes in MANIFEST:
            f.write("%s\t%d\t%s\t%s\n" % (name, code, outcome, codes))


# ---- a forking proxy between alice and two phones --------------------------------

VP = PROXY + ";branch=z9hG4bK-p"  # + branch number


def fork_start(c):
    """alice -> proxy -> bob1, bob2; both ring; the proxy passes one 180 up."""
    c.add(0.0, ALICE, PROXY, req("INVITE", c, V_A, extra=CONTACT))
    c.add(0.001, PROXY, ALICE, resp(100, "Trying", c, V_A))
    for i, bob in ((1, BOB1), (2, BOB2)):
        c.add(0.002 * i, PROXY, bob, req("INVITE", c, [VP + str(i), V_A], extra=CONTACT))
    for i, bob in ((1, BOB1), (2, BOB2)):
        c.add(0.010 + 0.002 * i, bob, PROXY, resp(180, "Ringing", c, [VP + str(i), V_A],
                                                  totag="b%d" % i))
        c.add(0.011 + 0.002 * i, PROXY, ALICE, resp(180, "Ringing", c, V_A, totag="b%d" % i))


def branch_cancelled(c, i, bob, t, reason=True):
    extra = ['Reason: SIP;cause=200;text="Call completed elsewhere"'] if reason else []
    v = VP + str(i)
    c.add(t, PROXY, bob, req("CANCEL", c, v, extra=extra))
    c.add(t + 0.001, bob, PROXY, resp(200, "OK", c, v, cseq="1 CANCEL", totag="b%d" % i))
    c.add(t + 0.002, bob, PROXY, resp(487, "Request Terminated", c, v, totag="b%d" % i))
    c.add(t + 0.003, PROXY, bob, req("ACK", c, v, cseq="1 ACK", to=TO + ";tag=b%d" % i))


def bob1_answers(c, t=1.0):
    c.add(t, BOB1, PROXY, resp(200, "OK", c, [VP + "1", V_A], totag="b1",
                               extra=["Contact: <sip:bob@127.0.0.1:5062>"]))
    c.add(t + 0.001, PROXY, ALICE, resp(200, "OK", c, V_A, totag="b1",
                                        extra=["Contact: <sip:bob@127.0.0.1:5062>"]))


def alice_acks_and_hangs_up(c, t):
    c.add(t, ALICE, BOB1, req("ACK", c, ALICE + ";branch=z9hG4bK-ack", cseq="1 ACK",
                              to=TO + ";tag=b1"))
    c.add(t + 3, ALICE, BOB1, req("BYE", c, ALICE + ";branch=z9hG4bK-bye", cseq="2 BYE",
                                  to=TO + ";tag=b1"))
    c.add(t + 3.001, BOB1, ALICE, resp(200, "OK", c, ALICE + ";branch=z9hG4bK-bye",
                                       cseq="2 BYE", totag="b1"))


def fork_scenarios():
    c = Call("clean_fork")
    fork_start(c)
    bob1_answers(c)
    branch_cancelled(c, 2, BOB2, 1.002)
    alice_acks_and_hangs_up(c, 1.01)
    c.write()
    expect("clean_fork", 0, "answered", [])

    c = Call("fork_not_cancelled")
    fork_start(c)
    bob1_answers(c)
    alice_acks_and_hangs_up(c, 1.01)
    c.write()
    expect("fork_not_cancelled", 1, "answered", ["fork.not_cancelled:error"])

    c = Call("fork_no_reason")
    fork_start(c)
    bob1_answers(c)
    branch_cancelled(c, 2, BOB2, 1.002, reason=False)
    alice_acks_and_hangs_up(c, 1.01)
    c.write()
    expect("fork_no_reason", 0, "answered", ["fork.no_reason:warning"])

    c = Call("cancel_not_forwarded")
    fork_start(c)
    c.add(2.0, ALICE, PROXY, req("CANCEL", c, V_A))
    c.add(2.001, PROXY, ALICE, resp(200, "OK", c, V_A, cseq="1 CANCEL", totag="px"))
    branch_cancelled(c, 1, BOB1, 2.002)
    c.write()
    expect("cancel_not_forwarded", 1, "unfinished",
           ["cancel.no_487:error", "cancel.not_forwarded:error"])

    c = Call("clean_fork_cancel")
    fork_start(c)
    c.add(2.0, ALICE, PROXY, req("CANCEL", c, V_A))
    c.add(2.001, PROXY, ALICE, resp(200, "OK", c, V_A, cseq="1 CANCEL", totag="px"))
    branch_cancelled(c, 1, BOB1, 2.002, reason=False)
    branch_cancelled(c, 2, BOB2, 2.003, reason=False)
    c.add(2.010, PROXY, ALICE, resp(487, "Request Terminated", c, V_A, totag="b1"))
    c.add(2.011, ALICE, PROXY, req("ACK", c, V_A, cseq="1 ACK", to=TO + ";tag=b1"))
    c.write()
    expect("clean_fork_cancel", 0, "cancelled cleanly", [])


def challenged_start(c, retry=0.003):
    """alice -> proxy: INVITE, 407 with a challenge, ACK; the INVITE again with
    credentials (RFC 3261 22.2: CSeq 2, same Call-ID and From tag, new branch)
    retry seconds later (a person typing a password takes longer than 64*T1)."""
    v0 = ALICE + ";branch=z9hG4bK-a0"
    c.add(0.0, ALICE, PROXY, req("INVITE", c, v0, extra=CONTACT))
    c.add(0.001, PROXY, ALICE, resp(407, "Proxy Authentication Required", c, v0, totag="px",
                                    extra=['Proxy-Authenticate: Digest realm="127.0.0.1", '
                                           'nonce="n1", qop="auth"']))
    c.add(0.002, ALICE, PROXY, req("ACK", c, v0, cseq="1 ACK", to=TO + ";tag=px"))
    cred = ('Proxy-Authorization: Digest username="alice", realm="127.0.0.1", nonce="n1", '
            'uri="%s", response="0123456789abcdef0123456789abcdef", algorithm=MD5, '
            'cnonce="c1", qop=auth, nc=00000001' % RURI)
    c.add(retry, ALICE, PROXY, req("INVITE", c, V_A, cseq="2 INVITE", extra=CONTACT + [cred]))
    c.add(retry + 0.001, PROXY, ALICE, resp(100, "Trying", c, V_A, cseq="2 INVITE"))
    c.add(retry + 0.047, PROXY, ALICE, resp(180, "Ringing", c, V_A, cseq="2 INVITE", totag="b1"))


def auth_scenarios():
    # clean: challenged, sent again with credentials, cancelled while ringing
    c = Call("auth_cancel")
    challenged_start(c)
    c.add(2.0, ALICE, PROXY, req("CANCEL", c, V_A, cseq="2 CANCEL"))
    c.add(2.001, PROXY, ALICE, resp(200, "OK", c, V_A, cseq="2 CANCEL", totag="b1"))
    c.add(2.002, PROXY, ALICE, resp(487, "Request Terminated", c, V_A, cseq="2 INVITE",
                                    totag="b1"))
    c.add(2.003, ALICE, PROXY, req("ACK", c, V_A, cseq="2 ACK", to=TO + ";tag=b1"))
    c.write()
    expect("auth_cancel", 0, "cancelled cleanly", [])

    # the same, the credentials sent 40 s after the challenge (longer than the
    # 64*T1 a settled call is kept): still one call, not a failed 407 and a second call
    c = Call("auth_slow_retry")
    challenged_start(c, retry=40.0)
    c.add(42.0, ALICE, PROXY, req("CANCEL", c, V_A, cseq="2 CANCEL"))
    c.add(42.001, PROXY, ALICE, resp(200, "OK", c, V_A, cseq="2 CANCEL", totag="b1"))
    c.add(42.002, PROXY, ALICE, resp(487, "Request Terminated", c, V_A, cseq="2 INVITE",
                                     totag="b1"))
    c.add(42.003, ALICE, PROXY, req("ACK", c, V_A, cseq="2 ACK", to=TO + ";tag=b1"))
    c.write()
    expect("auth_slow_retry", 0, "cancelled cleanly", [])

    # the bug phones have: the CANCEL built from the challenged INVITE (its branch
    # and CSeq 1), so the retried INVITE, which is ringing, is never cancelled
    c = Call("auth_cancel_challenged")
    challenged_start(c)
    v0 = ALICE + ";branch=z9hG4bK-a0"
    c.add(2.0, ALICE, PROXY, req("CANCEL", c, v0, cseq="1 CANCEL"))
    c.add(2.001, PROXY, ALICE, resp(481, "Call/Transaction Does Not Exist", c, v0,
                                    cseq="1 CANCEL", totag="px"))
    c.write()
    expect("auth_cancel_challenged", 1, "unfinished", ["cancel.challenged_invite:error"])

# ---- reliable provisionals and PRACK (RFC 3262) ------------------------------------

def reliable(c, code, phrase, rseq, t, tag="b1"):
    c.add(t, BOB1, ALICE, resp(code, phrase, c, V_A, totag=tag, extra=[
        "Contact: <sip:bob@127.0.0.1:5062>", "Require: 100rel", "RSeq: %d" % rseq]))


def prack(c, rseq, cseq, t, tag="b1", rack_cseq=1):
    via = ALICE + ";branch=z9hG4bK-pr%d" % cseq
    c.add(t, ALICE, BOB1, req("PRACK", c, via, cseq="%d PRACK" % cseq, ruri="sip:bob@127.0.0.1:5062",
                             to=TO + ";tag=" + tag, extra=["RAck: %d %d INVITE" % (rseq, rack_cseq)]))
    c.add(t + 0.001, BOB1, ALICE, resp(200, "OK", c, via, cseq="%d PRACK" % cseq, totag=tag))


def prack_scenarios():
    invite = ["Contact: <sip:alice@127.0.0.1:5061>", "Supported: 100rel"]
    # two reliable provisionals, each PRACKed (the second is no retransmission),
    # then a CANCEL: PRACK and its 200 do not get in the way of CANCEL matching
    c = Call("prack_clean_cancel")
    c.add(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=invite))
    c.add(0.001, BOB1, ALICE, resp(100, "Trying", c, V_A))
    reliable(c, 183, "Session Progress", 4711, 0.050)
    prack(c, 4711, 2, 0.051)
    reliable(c, 180, "Ringing", 4712, 0.500)
    prack(c, 4712, 3, 0.501)
    c.add(2.0, ALICE, BOB1, req("CANCEL", c, V_A))
    ok_after_cancel(c)
    c.write()
    expect("prack_clean_cancel", 0, "cancelled cleanly", [])

    # a caller that offers 100rel and never PRACKs: the 183 is retransmitted
    # (marked so), then the caller cancels
    c = Call("prack_missing")
    c.add(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=invite))
    c.add(0.001, BOB1, ALICE, resp(100, "Trying", c, V_A))
    reliable(c, 183, "Session Progress", 7, 0.050)
    reliable(c, 183, "Session Progress", 7, 0.550)
    reliable(c, 183, "Session Progress", 7, 1.550)
    c.add(2.0, ALICE, BOB1, req("CANCEL", c, V_A))
    ok_after_cancel(c)
    c.write()
    expect("prack_missing", 0, "cancelled cleanly", ["prack.missing:warning"])

    # a PRACK whose RAck names the RSeq but another CSeq (a B2BUA passing its
    # other leg's RAck on, as in sngrep's ipv6frag.pcap): the finding names it
    c = Call("prack_wrong_rack")
    c.add(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=invite))
    c.add(0.001, BOB1, ALICE, resp(100, "Trying", c, V_A))
    reliable(c, 183, "Session Progress", 7, 0.050)
    prack(c, 7, 2, 0.051, rack_cseq=2)
    reliable(c, 183, "Session Progress", 7, 0.550)
    c.add(2.0, ALICE, BOB1, req("CANCEL", c, V_A))
    ok_after_cancel(c)
    c.write()
    expect("prack_wrong_rack", 0, "cancelled cleanly", ["prack.missing:warning"])

    # the callee's 200 crosses the PRACK: nothing wrong
    c = Call("prack_crossing_200")
    c.add(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=invite))
    reliable(c, 180, "Ringing", 1, 0.050)
    c.add(0.052, BOB1, ALICE, resp(200, "OK", c, V_A, totag="b1",
                                   extra=["Contact: <sip:bob@127.0.0.1:5062>"]))
    prack(c, 1, 2, 0.053)
    c.add(0.054, ALICE, BOB1, req("ACK", c, ALICE + ";branch=z9hG4bK-ack", cseq="1 ACK",
                                  to=TO + ";tag=b1"))
    c.add(3.0, ALICE, BOB1, req("BYE", c, ALICE + ";branch=z9hG4bK-bye", cseq="3 BYE",
                                to=TO + ";tag=b1"))
    c.add(3.001, BOB1, ALICE, resp(200, "OK", c, ALICE + ";branch=z9hG4bK-bye", cseq="3 BYE",
                                   totag="b1"))
    c.write()
    expect("prack_crossing_200", 0, "answered", [])

    # the callee answers at once, the caller ACKs and never PRACKs: missing
    c = Call("prack_missing_answered")
    c.add(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=invite))
    reliable(c, 180, "Ringing", 9, 0.050)
    c.add(0.060, BOB1, ALICE, resp(200, "OK", c, V_A, totag="b1",
                                   extra=["Contact: <sip:bob@127.0.0.1:5062>"]))
    c.add(0.070, ALICE, BOB1, req("ACK", c, ALICE + ";branch=z9hG4bK-ack", cseq="1 ACK",
                                  to=TO + ";tag=b1"))
    c.add(3.0, ALICE, BOB1, req("BYE", c, ALICE + ";branch=z9hG4bK-bye", cseq="2 BYE",
                                to=TO + ";tag=b1"))
    c.add(3.001, BOB1, ALICE, resp(200, "OK", c, ALICE + ";branch=z9hG4bK-bye", cseq="2 BYE",
                                   totag="b1"))
    c.write()
    expect("prack_missing_answered", 0, "answered", ["prack.missing:warning"])

    # captured at a proxy that does not record-route: the PRACK goes from the
    # caller to the callee's Contact, around the capture; nothing is missing
    c = Call("prack_bypass_proxy")
    vp = PROXY + ";branch=z9hG4bK-p1"
    c.add(0.0, ALICE, PROXY, req("INVITE", c, V_A, extra=invite))
    c.add(0.001, PROXY, BOB1, req("INVITE", c, [vp, V_A], extra=invite))
    rel = ["Contact: <sip:bob@127.0.0.1:5062>", "Require: 100rel", "RSeq: 33"]
    c.add(0.050, BOB1, PROXY, resp(180, "Ringing", c, [vp, V_A], totag="b1", extra=rel))
    c.add(0.051, PROXY, ALICE, resp(180, "Ringing", c, V_A, totag="b1", extra=rel))
    c.add(2.0, ALICE, PROXY, req("CANCEL", c, V_A))
    c.add(2.001, PROXY, ALICE, resp(200, "OK", c, V_A, cseq="1 CANCEL", totag="b1"))
    c.add(2.002, PROXY, BOB1, req("CANCEL", c, vp))
    c.add(2.003, BOB1, PROXY, resp(200, "OK", c, vp, cseq="1 CANCEL", totag="b1"))
    c.add(2.004, BOB1, PROXY, resp(487, "Request Terminated", c, [vp, V_A], totag="b1"))
    c.add(2.005, PROXY, BOB1, req("ACK", c, vp, cseq="1 ACK", to=TO + ";tag=b1"))
    c.add(2.006, PROXY, ALICE, resp(487, "Request Terminated", c, V_A, totag="b1"))
    c.add(2.007, ALICE, PROXY, req("ACK", c, V_A, cseq="1 ACK", to=TO + ";tag=b1"))
    c.write()
    expect("prack_bypass_proxy", 0, "cancelled cleanly", [])


# ---- what a person sees (issue 13, class 5) --------------------------------------

class PcapCall(Call):
    """A call written as a pcap (Ethernet, IPv4, UDP), each packet with its IP
    identification: a capture is the only input that can show a duplicate."""

    def add(self, t, src, dst, text, proto="udp", ip_id=None):
        self.entries.append((t, proto, src, dst, text, ip_id))

    def write(self, tail=40.0):
        import struct
        if tail is not None:
            self.add(tail, ALICE, PROXY, options(), ip_id=9999)
        base = 1764547200  # 2025-12-01T00:00:00Z

        def csum(b):
            s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
            while s >> 16:
                s = (s & 0xffff) + (s >> 16)
            return ~s & 0xffff

        def ip4(a):
            return bytes(int(x) for x in a.split(":")[0].split("."))

        with open(os.path.join(OUT, self.name + ".pcap"), "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
            for n, (t, proto, src, dst, text, ip_id) in enumerate(self.entries):
                payload = text.replace("\n", "\r\n").encode()
                sport, dport = int(src.split(":")[1]), int(dst.split(":")[1])
                udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
                ident = ip_id if ip_id is not None else 1000 + n
                hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ident, 0x4000, 64,
                                  17, 0, ip4(src), ip4(dst))
                hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
                frame = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + hdr + udp
                us = int(round(t * 1e6))
                f.write(struct.pack("<IIII", base + us // 1000000, us % 1000000, len(frame),
                                    len(frame)))
                f.write(frame)


def person_scenarios():
    # the same packets captured twice (a bridge and its port, "any" on a host with a
    # VLAN): same bytes, same IP identification, 0.2 ms apart: duplicates, not
    # retransmissions; the real retransmission of the CANCEL (new IP ID, 500 ms
    # later) stays one
    c = PcapCall("dup_capture")
    seq = [(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=CONTACT)),
           (0.001, BOB1, ALICE, resp(100, "Trying", c, V_A)),
           (0.050, BOB1, ALICE, resp(180, "Ringing", c, V_A, totag="b1")),
           (2.0, ALICE, BOB1, req("CANCEL", c, V_A)),
           (2.5, ALICE, BOB1, req("CANCEL", c, V_A)),
           (2.501, BOB1, ALICE, resp(200, "OK", c, V_A, cseq="1 CANCEL", totag="b1")),
           (2.502, BOB1, ALICE, resp(487, "Request Terminated", c, V_A, totag="b1")),
           (2.503, ALICE, BOB1, req("ACK", c, V_A, cseq="1 ACK", to=TO + ";tag=b1"))]
    for n, (t, src, dst, text) in enumerate(seq):
        c.add(t, src, dst, text, ip_id=100 + n)
        if n in (2, 6):  # the 180 and the 487 seen twice
            c.add(t + 0.0002, src, dst, text, ip_id=100 + n)
    c.write()
    expect("dup_capture", 0, "cancelled cleanly", [], ext=".pcap")

    # the 487 four times with one IP ID, no ACK, and the capture ends there: copies of
    # one packet, so no proof that the 487 went unACKed (three retransmissions would be)
    c = PcapCall("dup_not_retrans")
    c.add(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=CONTACT), ip_id=1)
    c.add(0.001, BOB1, ALICE, resp(100, "Trying", c, V_A), ip_id=2)
    c.add(0.050, BOB1, ALICE, resp(180, "Ringing", c, V_A, totag="b1"), ip_id=3)
    c.add(2.0, ALICE, BOB1, req("CANCEL", c, V_A), ip_id=4)
    c.add(2.001, BOB1, ALICE, resp(200, "OK", c, V_A, cseq="1 CANCEL", totag="b1"), ip_id=5)
    for k in range(4):
        c.add(2.002 + 0.0001 * k, BOB1, ALICE, resp(487, "Request Terminated", c, V_A,
                                                   totag="b1"), ip_id=6)
    c.write(tail=None)
    expect("dup_not_retrans", 0, "cancelled, not clean", [], ext=".pcap")

    # the callee sends a re-INVITE (its tags reversed): the same dialog
    c = Call("callee_reinvite")
    c.add(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=CONTACT))
    ringing(c)
    c.add(1.0, BOB1, ALICE, resp(200, "OK", c, V_A, totag="b1",
                                 extra=["Contact: <sip:bob@127.0.0.1:5062>"]))
    c.add(1.001, ALICE, BOB1, req("ACK", c, ALICE + ";branch=z9hG4bK-ack", cseq="1 ACK",
                                  to=TO + ";tag=b1"))
    bob_from = "<sip:bob@127.0.0.1:5062>;tag=b1"
    alice_to = "\"Alice\" <sip:alice@127.0.0.1>;tag=a1"
    vb = BOB1 + ";branch=z9hG4bK-b2"
    c.add(3.0, BOB1, ALICE, msg("INVITE sip:alice@127.0.0.1:5061 SIP/2.0", [vb], bob_from,
                                alice_to, c.cid, "1 INVITE",
                                ["Contact: <sip:bob@127.0.0.1:5062>"]))
    c.add(3.001, ALICE, BOB1, msg("SIP/2.0 200 OK", [vb], bob_from, alice_to, c.cid,
                                  "1 INVITE", CONTACT))
    c.add(3.002, BOB1, ALICE, msg("ACK sip:alice@127.0.0.1:5061 SIP/2.0",
                                  [BOB1 + ";branch=z9hG4bK-b3"], bob_from, alice_to, c.cid,
                                  "1 ACK"))
    c.add(5.0, ALICE, BOB1, req("BYE", c, ALICE + ";branch=z9hG4bK-bye", cseq="2 BYE",
                                to=TO + ";tag=b1"))
    c.add(5.001, BOB1, ALICE, resp(200, "OK", c, ALICE + ";branch=z9hG4bK-bye", cseq="2 BYE",
                                   totag="b1"))
    c.write()
    expect("callee_reinvite", 0, "answered", [])

    # messages that do not parse: the summary says why (first reason, count)
    c = Call("unparsed_reasons")
    c.add(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=CONTACT))
    c.add(0.001, BOB1, ALICE, resp(100, "Trying", c, V_A).replace("CSeq: 1 INVITE",
                                                                  "CSeq: one INVITE"))
    c.add(0.002, BOB1, ALICE, resp(180, "Ringing", c, V_A, totag="b1").replace(
        "CSeq: 1 INVITE", "CSeq: one INVITE"))
    c.add(1.0, BOB1, ALICE, resp(486, "Busy Here", c, V_A, totag="b1"))
    c.add(1.001, ALICE, BOB1, req("ACK", c, V_A, cseq="1 ACK", to=TO + ";tag=b1"))
    c.add(2.0, ALICE, PROXY, options().replace("Call-ID: keepalive@127.0.0.1\n", ""))
    c.write()
    expect("unparsed_reasons", 0, "failed", ["msg.unparsed:info"])

    # one call over two files (the capture rotated mid-call): the call names both
    c = Call("two_files_a")
    c.cid = CID.format(name="two_files")
    c.add(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=CONTACT))
    ringing(c)
    c.write(tail=None)
    c = Call("two_files_b")
    c.cid = CID.format(name="two_files")
    c.add(2.0, ALICE, BOB1, req("CANCEL", c, V_A))
    ok_after_cancel(c)
    c.write()

    # a CANCEL on a new branch in the second file: the finding names the INVITE it was
    # meant for as the ladder does, by input and frame ("frame 1:1")
    c = Call("two_files_miss_a")
    c.cid = CID.format(name="two_files_miss")
    c.add(0.0, ALICE, BOB1, req("INVITE", c, V_A, extra=CONTACT))
    ringing(c)
    c.write(tail=None)
    c = Call("two_files_miss_b")
    c.cid = CID.format(name="two_files_miss")
    c.add(2.0, ALICE, BOB1, req("CANCEL", c, ALICE + ";branch=z9hG4bK-a2"))
    c.add(2.001, BOB1, ALICE, resp(481, "Call/Transaction Does Not Exist", c,
                                   ALICE + ";branch=z9hG4bK-a2", cseq="1 CANCEL"))
    c.write()

    # IPv6: three hosts whose addresses do not fit a column: letters and a legend
    a6, p6, b6 = ("[2001:db8:aaaa:bbbb:cccc:dddd:eeee:1]:5061",
                  "[2001:db8:aaaa:bbbb:cccc:dddd:eeee:2]:5060",
                  "[2001:db8:aaaa:bbbb:cccc:dddd:eeee:3]:5062")
    c = Call("ipv6_ladder")
    va = "[2001:db8:aaaa:bbbb:cccc:dddd:eeee:1]:5061;branch=z9hG4bK-a1"
    vp = "[2001:db8:aaaa:bbbb:cccc:dddd:eeee:2]:5060;branch=z9hG4bK-p1"
    c.add(0.0, a6, p6, req("INVITE", c, va, extra=CONTACT))
    c.add(0.001, p6, a6, resp(100, "Trying", c, va))
    c.add(0.002, p6, b6, req("INVITE", c, [vp, va], extra=CONTACT))
    c.add(0.050, b6, p6, resp(180, "Ringing", c, [vp, va], totag="b1"))
    c.add(0.051, p6, a6, resp(180, "Ringing", c, va, totag="b1"))
    c.add(2.0, a6, p6, req("CANCEL", c, va))
    c.add(2.001, p6, a6, resp(200, "OK", c, va, cseq="1 CANCEL", totag="b1"))
    c.add(2.002, p6, b6, req("CANCEL", c, vp))
    c.add(2.003, b6, p6, resp(200, "OK", c, vp, cseq="1 CANCEL", totag="b1"))
    c.add(2.004, b6, p6, resp(487, "Request Terminated", c, [vp, va], totag="b1"))
    c.add(2.005, p6, b6, req("ACK", c, vp, cseq="1 ACK", to=TO + ";tag=b1"))
    c.add(2.006, p6, a6, resp(487, "Request Terminated", c, va, totag="b1"))
    c.add(2.007, a6, p6, req("ACK", c, va, cseq="1 ACK", to=TO + ";tag=b1"))
    c.write()
    expect("ipv6_ladder", 0, "cancelled cleanly", [])

    # over TCP: the caller connects from an ephemeral port (its Via says 5061), the
    # proxy from another to the callee; a second connection from the caller for the
    # CANCEL's ACK. Three hosts, three columns, not five.
    c = Call("tcp_ephemeral")
    ae, ae2, pe = "127.0.0.1:40001", "127.0.0.1:40003", "127.0.0.1:40002"
    vt = "127.0.0.1:5061;branch=z9hG4bK-a1"
    vpt = "127.0.0.1:5060;branch=z9hG4bK-p1"
    tcp = lambda m: m.replace("SIP/2.0/UDP", "SIP/2.0/TCP")
    c.add(0.0, ae, PROXY, tcp(req("INVITE", c, vt, extra=CONTACT)), "tcp")
    c.add(0.001, PROXY, ae, tcp(resp(100, "Trying", c, vt)), "tcp")
    c.add(0.002, pe, BOB1, tcp(req("INVITE", c, [vpt, vt], extra=CONTACT)), "tcp")
    c.add(0.050, BOB1, pe, tcp(resp(180, "Ringing", c, [vpt, vt], totag="b1")), "tcp")
    c.add(0.051, PROXY, ae, tcp(resp(180, "Ringing", c, vt, totag="b1")), "tcp")
    c.add(2.0, ae, PROXY, tcp(req("CANCEL", c, vt)), "tcp")
    c.add(2.001, PROXY, ae, tcp(resp(200, "OK", c, vt, cseq="1 CANCEL", totag="b1")), "tcp")
    c.add(2.002, pe, BOB1, tcp(req("CANCEL", c, vpt)), "tcp")
    c.add(2.003, BOB1, pe, tcp(resp(200, "OK", c, vpt, cseq="1 CANCEL", totag="b1")), "tcp")
    c.add(2.004, BOB1, pe, tcp(resp(487, "Request Terminated", c, [vpt, vt], totag="b1")),
          "tcp")
    c.add(2.005, pe, BOB1, tcp(req("ACK", c, vpt, cseq="1 ACK", to=TO + ";tag=b1")), "tcp")
    c.add(2.006, PROXY, ae, tcp(resp(487, "Request Terminated", c, vt, totag="b1")), "tcp")
    c.add(2.007, ae2, PROXY, tcp(req("ACK", c, vt, cseq="1 ACK", to=TO + ";tag=b1")), "tcp")
    c.write()
    expect("tcp_ephemeral", 0, "cancelled cleanly", [])


if __name__ == "__main__":
    main()
