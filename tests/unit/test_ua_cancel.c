/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CANCEL in the UA core (RFC 3261 §9) on simnet and virtual time: the
 * caller's CANCEL on the wire (§9.1) and its timing, the callee's answers
 * (§9.2), cancelled re-INVITEs (§14), the races (the 2xx crossing the
 * CANCEL, lost CANCELs and 487s, TCP), scripted callers that CANCEL the way
 * some tools do, and a seeded random sweep. After every scenario, once the
 * timers have run out, no node has a call or a transaction left.
 */
#include "ua_harness.h"

#define REASON "RELEASE_CAUSE;cause=3;text=\"Media bearer loss\""

static void cancel_now(struct uah *h, void *arg)
{
	struct hw_node *a = &h->nodes[0];
	int *rc = arg;
	*rc = a->call ? sk_call_cancel(a->call, NULL) : -SK_ENOTFOUND;
}

/* ---- the caller's CANCEL (§9.1) -------------------------------------------- */

static void test_cancel_on_the_wire(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 101, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 50, .answer_ms = -1};
	/* a pre-loaded Route (§8.1.2): the CANCEL must carry it too */
	struct sk_call_params p = {.to = "sip:bob@10.0.0.2:5060", .route = "sip:10.0.0.2:5060"};
	struct sk_call *c = NULL;
	assert_int_equal(sk_call_invite(a->ua, &p, &c), 0);
	a->call = c;
	uah_run(&h, 100);
	assert_int_equal(sk_call_state(c), SK_CALL_EARLY);
	assert_int_equal(sk_call_cancel(c, "SIP;cause=487;text=\"unterminated"), -SK_EINVAL);
	assert_false(sk_call_cancel_asked(c));
	assert_int_equal(sk_call_cancel(c, REASON), SK_CANCEL_SENT);
	assert_true(sk_call_cancel_asked(c));
	uah_run(&h, 50);
	struct sk_msg *inv = uah_sent(a, "INVITE", NULL, 1), *can = uah_sent(a, "CANCEL", NULL, 1);
	struct sk_msg *ring = hw_wire_parse(uah_nth(a, false, "SIP/2.0 180", NULL, 1));
	/* §9.1: Request-URI, Call-ID, To, From and the CSeq number of the INVITE */
	assert_true(sk_str_eq(sk_msg_ruri_str(can), sk_msg_ruri_str(inv)));
	assert_true(sk_str_eq(sk_msg_call_id(can), sk_msg_call_id(inv)));
	uah_assert_same_hdr(can, inv, "From");
	assert_true(sk_msg_from(can)->tag.len > 0);
	uah_assert_same_hdr(can, inv, "To"); /* without the tag the 180 brought */
	assert_true(sk_msg_to(ring)->tag.len > 0);
	assert_int_equal(sk_msg_to(can)->tag.len, 0);
	assert_int_equal(sk_msg_cseq(can)->num, sk_msg_cseq(inv)->num);
	assert_str_view(sk_msg_cseq(can)->method, "CANCEL");
	/* exactly one Via, equal to the INVITE's top Via */
	assert_int_equal(sk_msg_via_count(can), 1);
	assert_true(sk_str_eq(sk_msg_via(can, 0)->raw, sk_msg_via(inv, 0)->raw));
	/* the INVITE's Route; no Require or Proxy-Require (§9.1) */
	assert_str_view(hw_hdr(inv, "Route"), "<sip:10.0.0.2:5060;lr>");
	uah_assert_same_hdr(can, inv, "Route");
	assert_false(hw_has(can, "Require"));
	assert_false(hw_has(can, "Proxy-Require"));
	/* RFC 3326 */
	assert_str_view(hw_hdr(can, "Reason"), REASON);
	/* the same address, port and transport as the INVITE */
	const struct hw_wire *wi = uah_nth(a, true, "INVITE", NULL, 1);
	const struct hw_wire *wc = uah_nth(a, true, "CANCEL", NULL, 1);
	assert_int_equal(wc->flow.proto, wi->flow.proto);
	assert_true(sk_sa_equal(&wc->flow.remote, &wi->flow.remote));
	assert_true(sk_sa_equal(&wc->flow.local, &wi->flow.local));
	/* §9.2 at the callee: 200 to the CANCEL, 487 to the INVITE, same To tag */
	assert_int_equal(b->cancelled, 1);
	assert_string_equal(b->reason, REASON);
	assert_string_equal(b->events, "incoming cancelled ended:cancelled ");
	struct sk_msg *ok = uah_sent(b, "SIP/2.0 200", "CANCEL", 1);
	struct sk_msg *r487 = uah_sent(b, "SIP/2.0 487", "INVITE", 1);
	assert_true(sk_str_eq(sk_msg_to(ok)->tag, sk_msg_to(ring)->tag));
	assert_true(sk_str_eq(sk_msg_to(r487)->tag, sk_msg_to(ring)->tag));
	/* the caller: CANCELLED on the 487, which its transaction ACKed (§17.1.1.3) */
	assert_string_equal(a->events, "r180 r487 ended:cancelled ");
	assert_int_equal(a->last_status, 487);
	struct sk_msg *ack = uah_sent(a, "ACK", NULL, 1);
	assert_true(sk_str_eq(sk_msg_via(ack, 0)->branch, sk_msg_via(inv, 0)->branch));
	uah_assert_same_hdr(ack, r487, "To");
	assert_int_equal(uah_count(a, true, "BYE", NULL), 0);
	assert_int_equal(sk_ua_stats(a->ua).cancels_sent, 1);
	assert_int_equal(sk_ua_stats(b->ua).cancels_received, 1);
	assert_int_equal(sk_ua_stats(b->ua).resp_487, 1);
	sk_msg_free(inv);
	sk_msg_free(can);
	sk_msg_free(ring);
	sk_msg_free(ok);
	sk_msg_free(r487);
	sk_msg_free(ack);
	uah_finish(&h);
}

/* §9.1: no provisional yet: no CANCEL; the INVITE goes on; the CANCEL follows the first. */
static void test_cancel_before_provisional(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 102, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 2000, .answer_ms = -1};
	uah_rule(&h, "SIP/2.0 100", NULL, 1)->drop_nth = -1; /* the callee's 100 Trying lost */
	struct hw_rule *inv = uah_rule(&h, "INVITE", NULL, 0);
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 10);
	assert_int_equal(sk_call_cancel(c, NULL), SK_CANCEL_DEFERRED);
	assert_int_equal(sk_call_cancel(c, NULL), SK_CANCEL_ALREADY);
	uah_run(&h, 1990);
	assert_int_equal(uah_count(a, true, "CANCEL", NULL), 0);
	assert_int_equal(inv->seen, 3); /* 0, T1, 3*T1: Timer A runs on */
	assert_int_equal(sk_call_state(c), SK_CALL_CALLING);
	uah_run(&h, 100);
	/* out right after the 180 came in */
	const struct hw_wire *ring = uah_nth(a, false, "SIP/2.0 180", NULL, 1);
	const struct hw_wire *can = uah_nth(a, true, "CANCEL", NULL, 1);
	assert_non_null(ring);
	assert_non_null(can);
	assert_int_equal(can->at, ring->at);
	assert_int_equal(uah_index(a, can), uah_index(a, ring) + 1);
	assert_int_equal(uah_count(a, true, "CANCEL", NULL), 1);
	assert_int_equal(a->outcomes[SK_OUTCOME_CANCELLED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_CANCELLED], 1);
	uah_finish(&h);
}

/*
 * §9.1: the callee never answers at all. The cancel is asked but no CANCEL
 * can be sent (no provisional); Timer B ends the INVITE, and the outcome
 * says what happened on the wire: a timeout, not a cancelled call.
 */
static void test_cancel_never_sent_times_out(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 110, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	/* the callee gives up after a minute (its 480 lost too, but it ends its call) */
	b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = 60000, .reject_code = 480};
	uah_rule(&h, "SIP/2.0", NULL, 1)->drop_nth = -1; /* nothing of the callee's arrives */
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 200);
	assert_int_equal(sk_call_cancel(c, NULL), SK_CANCEL_DEFERRED);
	uah_run(&h, 64 * 500);
	assert_int_equal(uah_count(a, true, "CANCEL", NULL), 0);
	assert_int_equal(a->outcomes[SK_OUTCOME_TIMEOUT], 1);
	assert_int_equal(a->outcomes[SK_OUTCOME_CANCELLED], 0);
	uah_finish(&h);
}

/* §9.1: a final response came: nothing to cancel, nothing sent. */
static void test_cancel_after_final(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 103, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = 50};
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 100);
	assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
	assert_int_equal(sk_call_cancel(c, NULL), -SK_ESTATE);
	assert_int_equal(sk_call_cancel(c, REASON), -SK_ESTATE);
	uah_run(&h, 100);
	assert_int_equal(uah_count(a, true, "CANCEL", NULL), 0);
	assert_false(sk_call_cancel_asked(c));
	assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
	/* the callee cannot cancel: CANCEL is the caller's */
	assert_int_equal(sk_call_cancel(b->call, NULL), -SK_EINVAL);
	assert_int_equal(sk_call_hangup(c), 0);
	uah_run(&h, 100);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* Cancel twice (and hang up on top): one CANCEL. */
static void test_cancel_twice(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 104, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = -1};
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 50);
	assert_int_equal(sk_call_cancel(c, REASON), SK_CANCEL_SENT);
	assert_int_equal(sk_call_cancel(c, NULL), SK_CANCEL_ALREADY);
	assert_int_equal(sk_call_hangup(c), 0);
	uah_run(&h, 100);
	assert_int_equal(uah_count(a, true, "CANCEL", NULL), 1);
	assert_int_equal(b->cancelled, 1);
	assert_int_equal(a->ended, 1);
	assert_int_equal(a->outcomes[SK_OUTCOME_CANCELLED], 1);
	assert_int_equal(sk_ua_stats(a->ua).cancels_sent, 1);
	uah_finish(&h);
}

/* §9.1: no final within 64*T1 of the CANCEL: CANCELLED, the INVITE transaction gone. */
static void test_cancel_no_final(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 105, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = -1};
	struct hw_rule *r487 = uah_rule(&h, "SIP/2.0 487", NULL, 1);
	r487->drop_nth = -1; /* every 487 lost */
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 50);
	assert_int_equal(sk_call_cancel(c, NULL), SK_CANCEL_SENT);
	uint64_t t_cancel = uah_nth(a, true, "CANCEL", NULL, 1)->at;
	uah_run(&h, 64 * 500 - 1);
	assert_int_equal(a->ended, 0);
	assert_int_equal(sk_call_state(c), SK_CALL_EARLY);
	assert_true(r487->seen > 5); /* the callee kept trying (Timer G) */
	uah_run(&h, 2);
	assert_int_equal(a->outcomes[SK_OUTCOME_CANCELLED], 1);
	assert_int_equal(a->ended_at - t_cancel, 64 * 500);
	/* the INVITE transaction went with it, the CANCEL's ended at Timer K */
	assert_int_equal(sk_txl_count(sk_stack_txl(a->st)), 0);
	assert_int_equal(uah_count(a, true, "ACK", NULL), 0);
	assert_int_equal(b->outcomes[SK_OUTCOME_CANCELLED], 1);
	uah_finish(&h);
}

/*
 * §9.1, §9.2: the callee answers just as the caller cancels. The 200 reaches
 * the caller after its CANCEL left: ACK, then BYE, ANSWERED_LATE. The CANCEL
 * reaches the callee after its 200: 200 to it, nothing else, the call stays
 * confirmed until the BYE.
 */
static void test_200_crosses_cancel(void **state)
{
	(void)state;
	struct uah h;
	int rc = 99;
	uah_init(&h, 106, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 50, .answer_ms = 1000};
	uah_rule(&h, "CANCEL", NULL, 0)->delay = 50;
	uah_rule(&h, "BYE", NULL, 0)->delay = 300;
	uah_call(a, b, SK_PROTO_UDP);
	uah_at(&h, 999, cancel_now, &rc);
	uah_run(&h, 1200);
	assert_int_equal(rc, SK_CANCEL_SENT);
	/* the caller: CANCEL, then the 200 came: ACK and BYE */
	const struct hw_wire *can = uah_nth(a, true, "CANCEL", NULL, 1);
	const struct hw_wire *ok = uah_nth(a, false, "SIP/2.0 200", "INVITE", 1);
	const struct hw_wire *ack = uah_nth(a, true, "ACK", NULL, 1);
	const struct hw_wire *bye = uah_nth(a, true, "BYE", NULL, 1);
	assert_non_null(ok);
	assert_true(uah_index(a, can) < uah_index(a, ok));
	assert_true(uah_index(a, ok) < uah_index(a, ack));
	assert_true(uah_index(a, ack) < uah_index(a, bye));
	assert_int_equal(a->answered, 0); /* no answered event for a call it gave up */
	/* the callee: the CANCEL came after its 200: 200 and nothing else (§9.2) */
	assert_int_equal(uah_count(b, false, "CANCEL", NULL), 1);
	assert_int_equal(uah_count(b, true, "SIP/2.0 200", "CANCEL"), 1);
	assert_int_equal(uah_count(b, true, "SIP/2.0 487", NULL), 0);
	assert_int_equal(b->cancelled, 0);
	assert_non_null(b->call);
	assert_int_equal(sk_call_state(b->call), SK_CALL_CONFIRMED);
	assert_false(sk_call_cancel_asked(b->call));
	assert_int_equal(b->answered, 1);
	uah_run(&h, 400);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED_LATE], 1);
	assert_int_equal(a->last_status, 200);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(sk_ua_stats(a->ua).answered_late, 1);
	assert_int_equal(uah_count(a, true, "BYE", NULL), 1);
	uah_finish(&h);
}

/* §9.1, §14.1: a re-INVITE cancelled: its CANCEL has the To tag, 487, the dialog stays. */
static void test_cancel_reinvite(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 107, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = -1, .answer_ms = 0, .reinvite_hold = true};
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 50);
	assert_int_equal(b->answered, 1);
	assert_int_equal(sk_call_reinvite(c, NULL), 0);
	uah_run(&h, 300); /* the callee's transaction sent 100 Trying at 200 ms */
	assert_int_equal(b->reinvites, 1);
	assert_int_equal(sk_call_cancel(c, REASON), SK_CANCEL_SENT);
	uah_run(&h, 50);
	struct sk_msg *re = uah_sent(a, "INVITE", NULL, 2), *can = uah_sent(a, "CANCEL", NULL, 1);
	assert_true(sk_msg_to(can)->tag.len > 0);
	uah_assert_same_hdr(can, re, "To");
	assert_true(sk_str_eq(sk_msg_via(can, 0)->raw, sk_msg_via(re, 0)->raw));
	assert_int_equal(sk_msg_cseq(can)->num, sk_msg_cseq(re)->num);
	sk_msg_free(re);
	sk_msg_free(can);
	/* both sides: 487 for the re-INVITE, the call as it was */
	assert_int_equal(b->cancelled, 1);
	assert_string_equal(b->reason, REASON);
	assert_int_equal(sk_call_reinvite_status(b->call), 487);
	assert_int_equal(sk_call_reinvite_status(c), 487);
	assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
	assert_int_equal(sk_call_state(b->call), SK_CALL_CONFIRMED);
	assert_int_equal(a->ended + b->ended, 0);
	assert_int_equal(sk_call_cancel(c, NULL), -SK_ESTATE);
	/* the dialog still works: BYE, ANSWERED on both sides */
	assert_int_equal(sk_call_hangup(c), 0);
	uah_run(&h, 50);
	assert_int_equal(uah_count(b, true, "SIP/2.0 200", "BYE"), 1);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* The callee's user answers its re-INVITE late (`sipkit uas --reinvite-answer-after`). */
struct late_answer {
	struct hw_node *callee;
	int rc;
};

static void answer_reinvite_late(struct uah *h, void *arg)
{
	struct late_answer *la = arg;
	(void)h;
	la->rc = sk_call_answer(la->callee->call, NULL);
}

/*
 * §9.2, §14.2: re-INVITEs answered 400 ms late. The first is cancelled at
 * 300 ms: 200 to the CANCEL, 487 to it, and the late answer finds nothing to
 * answer (-SK_ESTATE, nothing sent). The second is not: its late 200 sets
 * the session, a CANCEL after it is refused locally. The dialog lives on.
 */
static void test_cancel_reinvite_answered_late(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 115, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = -1, .answer_ms = 0, .reinvite_hold = true};
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 50);
	assert_int_equal(b->answered, 1);
	size_t ok_before = uah_count(b, true, "SIP/2.0 200", "INVITE");

	struct late_answer la = {.callee = b, .rc = 1};
	assert_int_equal(sk_call_reinvite(c, NULL), 0);
	uah_at(&h, 400, answer_reinvite_late, &la);
	uah_run(&h, 300);
	assert_int_equal(uah_count(b, true, "SIP/2.0 100", "INVITE"), 1); /* at 200 ms */
	assert_int_equal(sk_call_cancel(c, REASON), SK_CANCEL_SENT);
	uah_run(&h, 50);
	assert_int_equal(uah_count(b, true, "SIP/2.0 200", "CANCEL"), 1);
	assert_int_equal(uah_count(b, true, "SIP/2.0 487", "INVITE"), 1);
	assert_int_equal(sk_call_reinvite_status(c), 487);
	assert_int_equal(sk_call_reinvite_status(b->call), 487);
	uah_run(&h, 100); /* the late answer comes due: nothing left to answer */
	assert_int_equal(la.rc, -SK_ESTATE);
	assert_int_equal(uah_count(b, true, "SIP/2.0 200", "INVITE"), ok_before);
	assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
	assert_int_equal(sk_call_state(b->call), SK_CALL_CONFIRMED);

	/* the second re-INVITE is answered late, before any CANCEL: 200, then nothing to cancel */
	uah_run(&h, 100);
	assert_int_equal(sk_call_reinvite(c, NULL), 0);
	uah_at(&h, 400, answer_reinvite_late, &la);
	uah_run(&h, 450);
	assert_int_equal(la.rc, 0);
	assert_int_equal(sk_call_reinvite_status(c), 200);
	assert_int_equal(uah_count(b, true, "SIP/2.0 200", "INVITE"), ok_before + 1);
	assert_int_equal(sk_call_cancel(c, NULL), -SK_ESTATE);
	assert_int_equal(uah_count(a, true, "CANCEL", NULL), 1);
	assert_int_equal(b->reinvites, 2);
	assert_int_equal(b->cancelled, 1);
	assert_int_equal(a->ended + b->ended, 0);
	assert_int_equal(sk_call_hangup(c), 0);
	uah_run(&h, 50);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* ---- races ------------------------------------------------------------------ */

/* The first 487 lost: the callee's transaction resends it (Timer G); one end. */
static void test_487_lost(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 108, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = -1};
	struct hw_rule *r487 = uah_rule(&h, "SIP/2.0 487", NULL, 1);
	r487->drop_nth = 1;
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 50);
	assert_int_equal(sk_call_cancel(c, NULL), SK_CANCEL_SENT);
	uah_run(&h, 1000);
	assert_int_equal(r487->seen, 2);
	assert_int_equal(r487->times[1] - r487->times[0], 500);
	assert_int_equal(uah_count(a, false, "SIP/2.0 487", NULL), 1);
	assert_int_equal(uah_count(a, true, "ACK", NULL), 1);
	assert_int_equal(a->ended, 1);
	assert_int_equal(a->outcomes[SK_OUTCOME_CANCELLED], 1);
	assert_int_equal(b->ended, 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_CANCELLED], 1);
	uah_finish(&h);
}

/* The CANCEL lost: its own transaction resends it (Timer E); it still works. */
static void test_cancel_lost(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 109, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = -1};
	struct hw_rule *can = uah_rule(&h, "CANCEL", NULL, 0);
	can->drop_nth = 1;
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 50);
	assert_int_equal(sk_call_cancel(c, NULL), SK_CANCEL_SENT);
	uah_run(&h, 1000);
	assert_int_equal(can->seen, 2);
	assert_int_equal(can->times[1] - can->times[0], 500);
	const struct hw_wire *c1 = uah_nth(a, true, "CANCEL", NULL, 1);
	const struct hw_wire *c2 = uah_nth(a, true, "CANCEL", NULL, 2);
	assert_int_equal(c1->len, c2->len);
	assert_memory_equal(c1->data, c2->data, c1->len);
	assert_int_equal(sk_ua_stats(b->ua).cancels_received, 1);
	assert_int_equal(a->outcomes[SK_OUTCOME_CANCELLED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_CANCELLED], 1);
	uah_finish(&h);
}

/* §9.1 over TCP: the CANCEL on the INVITE's connection. */
static void test_cancel_tcp(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 110, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 50, .answer_ms = -1};
	struct sk_call *c = uah_call(a, b, SK_PROTO_TCP);
	uah_run(&h, 100);
	assert_int_equal(sk_call_state(c), SK_CALL_EARLY);
	assert_int_equal(sk_call_cancel(c, REASON), SK_CANCEL_SENT);
	uah_run(&h, 100);
	const struct hw_wire *inv = uah_nth(a, true, "INVITE", NULL, 1);
	const struct hw_wire *can = uah_nth(a, true, "CANCEL", NULL, 1);
	const struct hw_wire *ack = uah_nth(a, true, "ACK", NULL, 1);
	assert_non_null(can);
	assert_int_equal(inv->flow.proto, SK_PROTO_TCP);
	assert_int_equal(can->flow.proto, SK_PROTO_TCP);
	assert_true(inv->flow.conn != 0);
	assert_int_equal(can->flow.conn, inv->flow.conn);
	assert_int_equal(ack->flow.conn, inv->flow.conn);
	assert_int_equal(sk_tp_stats(sk_stack_tp(a->st)).conns_opened, 1);
	assert_int_equal(uah_count(a, true, "INVITE", NULL), 1); /* no Timer A over TCP */
	assert_string_equal(b->reason, REASON);
	assert_int_equal(a->outcomes[SK_OUTCOME_CANCELLED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_CANCELLED], 1);
	uah_finish(&h);
}

/* ---- scripted callers (§9.2 at the callee) ------------------------------------ */

#define FROM_A "<sip:alice@10.0.0.1>;tag=sc"
#define TO_B   "<sip:bob@10.0.0.2>"
#define CT_A   "Contact: <sip:alice@10.0.0.1:5060>\r\n"

/* A CANCEL written by hand for client transaction t: its top Via (so its branch), To as given. */
static void raw_cancel(struct hw_node *n, struct sk_txn *t, const char *to)
{
	const struct sk_msg *m = sk_txn_msg(t);
	char buf[2048], from[256], via[256], ruri[128], call_id[128];
	sk_str_cpy(via, sizeof(via), sk_msg_via(m, 0)->raw);
	sk_str_cpy(from, sizeof(from), hw_hdr(m, "From"));
	sk_str_cpy(ruri, sizeof(ruri), sk_msg_ruri_str(m));
	sk_str_cpy(call_id, sizeof(call_id), sk_msg_call_id(m));
	int k = snprintf(buf, sizeof(buf),
	                 "CANCEL %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\nFrom: %s\r\nTo: "
	                 "%s\r\nCall-ID: %s\r\nCSeq: %u CANCEL\r\nContent-Length: 0\r\n\r\n",
	                 ruri, via, from, to, call_id, sk_msg_cseq(m)->num);
	struct sk_flow f = *sk_txn_flow(t);
	assert_int_equal(sk_tp_send(sk_stack_tp(n->st), &f, buf, (size_t)k), 0);
}

/*
 * §9.2: a CANCEL matching no transaction gets 481. The naive way (SIPp
 * scenarios do it): a CANCEL in a new transaction, with a new branch. The
 * call keeps ringing and can still be answered.
 */
static void test_cancel_new_branch_481(void **state)
{
	(void)state;
	struct uah h;
	char buf[1024];
	uah_init(&h, 111, 2, 1);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	a->raw_response = uah_raw_ack_hook;
	b->pol = (struct hw_policy){.ring_ms = 0, .answer_ms = -1};
	uah_raw_send(a, b, SK_PROTO_UDP,
	             uah_req(buf, sizeof(buf), "INVITE", "sip:bob@10.0.0.2", FROM_A, TO_B,
	                     "nb@test", 1, NULL, CT_A));
	uah_run(&h, 50);
	assert_int_equal(b->incoming, 1);
	uah_raw_send(a, b, SK_PROTO_UDP,
	             uah_req(buf, sizeof(buf), "CANCEL", "sip:bob@10.0.0.2", FROM_A, TO_B,
	                     "nb@test", 1, NULL, NULL));
	uah_run(&h, 50);
	assert_non_null(strstr(a->events, "481/CANCEL"));
	assert_int_equal(uah_count(b, true, "SIP/2.0 487", NULL), 0);
	assert_int_equal(b->cancelled, 0);
	assert_non_null(b->call);
	assert_int_equal(sk_call_state(b->call), SK_CALL_EARLY);
	assert_int_equal(sk_ua_stats(b->ua).resp_481, 1);
	/* still ringing: answered, ACKed, hung up */
	assert_int_equal(sk_call_answer(b->call, NULL), 0);
	uah_run(&h, 50);
	assert_int_equal(b->answered, 1);
	assert_int_equal(sk_call_hangup(b->call), 0);
	uah_run(&h, 50);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/*
 * §9.2: the CANCEL is matched to its INVITE by the §17.2.3 rules (branch,
 * sent-by, method), not by the To tag: one whose To carries the tag of the
 * 180 still cancels the INVITE.
 */
static void test_cancel_with_to_tag(void **state)
{
	(void)state;
	struct uah h;
	char buf[1024], to[256];
	uah_init(&h, 112, 2, 1);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 0, .answer_ms = -1};
	struct sk_txn *inv = uah_raw_send(a, b, SK_PROTO_UDP,
	                                  uah_req(buf, sizeof(buf), "INVITE", "sip:bob@10.0.0.2",
	                                          FROM_A, TO_B, "tt@test", 1, NULL, CT_A));
	uah_run(&h, 50);
	struct sk_msg *ring = hw_wire_parse(uah_nth(a, false, "SIP/2.0 180", NULL, 1));
	sk_str_cpy(to, sizeof(to), hw_hdr(ring, "To"));
	assert_non_null(strstr(to, ";tag="));
	sk_msg_free(ring);
	raw_cancel(a, inv, to);
	uah_run(&h, 50);
	assert_int_equal(b->cancelled, 1);
	assert_int_equal(uah_count(b, true, "SIP/2.0 200", "CANCEL"), 1);
	assert_int_equal(uah_count(b, true, "SIP/2.0 487", "INVITE"), 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_CANCELLED], 1);
	assert_non_null(strstr(a->events, "487/INVITE"));
	assert_int_equal(a->raw_strays, 1); /* the CANCEL's 200: no transaction of ours */
	uah_finish(&h);
}

/*
 * §9.2: a CANCEL for a non-INVITE. The UA answers OPTIONS at once, so a
 * CANCEL can never find one still pending; what can be checked is the other
 * half of §9.2: the request is answered, the CANCEL matches its server
 * transaction (still there, Timer J) and gets 200 with no other effect.
 */
static void test_cancel_non_invite(void **state)
{
	(void)state;
	struct uah h;
	char buf[1024];
	uah_init(&h, 113, 2, 1);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	struct sk_txn *opt = uah_raw_send(a, b, SK_PROTO_UDP,
	                                  uah_req(buf, sizeof(buf), "OPTIONS", "sip:bob@10.0.0.2",
	                                          FROM_A, TO_B, "opt@test", 1, NULL, NULL));
	uah_run(&h, 20);
	assert_int_equal(a->raw_last_status, 200);
	raw_cancel(a, opt, TO_B);
	uah_run(&h, 20);
	assert_int_equal(uah_count(b, true, "SIP/2.0 200", "CANCEL"), 1);
	assert_int_equal(uah_count(b, true, "SIP/2.0", NULL), 2); /* 200/OPTIONS, 200/CANCEL */
	assert_int_equal(sk_ua_stats(b->ua).cancels_received, 1);
	assert_int_equal(sk_ua_stats(b->ua).resp_487 + sk_ua_stats(b->ua).resp_481, 0);
	assert_int_equal(b->incoming + b->cancelled, 0);
	uah_finish(&h);
}

/* ---- a seeded random sweep ---------------------------------------------------- */

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

/*
 * A call cancelled at a random time under random loss (0-20 %), duplication
 * and delay (1-100 ms), against a callee that answers at a random time or
 * never. The caller ends CANCELLED or ANSWERED_LATE, or ANSWERED when its
 * cancel came after the 2xx (then it hangs up); never a 2xx and a 487 both;
 * an ANSWERED_LATE call sent a BYE; both sides agree; nothing is left.
 */
static void test_random_sweep(void **state)
{
	(void)state;
	int count[8] = {0};
	const int seeds = 100;
	for (int seed = 0; seed < seeds; seed++) {
		struct uah h;
		uint64_t r = 0x5eed0000u + (uint64_t)seed;
		int rc = 99;
		uah_init(&h, 2000 + (uint64_t)seed, 2, 0);
		struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
		uint32_t dmax = 1 + (uint32_t)(lcg(&r) % 100);
		struct sk_simnet_link link = {.loss_pm = (uint32_t)(seed % 5) * 50,
		                              .dup_pm = 50,
		                              .delay_min_ms = 1,
		                              .delay_max_ms = dmax};
		sk_simnet_set_link(h.w.sn, &link);
		/* a quarter of the callees never answer: they give up after a minute
		 * (480), for a caller without any provisional gives up without CANCEL */
		bool never = lcg(&r) % 4 == 0;
		b->pol =
		    (struct hw_policy){.ring_ms = (int)(lcg(&r) % 200),
		                       .answer_ms = never ? 60000 : 100 + (int)(lcg(&r) % 2900),
		                       .reject_code = never ? 480 : 0};
		uah_call(a, b, SK_PROTO_UDP);
		uah_at(&h, lcg(&r) % 3000, cancel_now, &rc);
		uah_run(&h, 4000);
		if (rc == -SK_ESTATE) { /* the 2xx was in: an ordinary hang-up */
			assert_non_null(a->call);
			assert_int_equal(sk_call_hangup(a->call), 0);
		} else {
			assert_true(rc == SK_CANCEL_SENT || rc == SK_CANCEL_DEFERRED);
		}
		uah_run(&h, 64 * 500 + 30000);
		size_t got2xx = uah_count(a, false, "SIP/2.0 200", "INVITE");
		size_t got487 = uah_count(a, false, "SIP/2.0 487", NULL);
		size_t sent2xx = uah_count(b, true, "SIP/2.0 200", "INVITE");
		size_t sent487 = uah_count(b, true, "SIP/2.0 487", NULL);
		if (a->ended != 1 || (got2xx && got487) || (sent2xx && sent487)) {
			uah_dump(&h);
			fail_msg("seed %d: %d ended, 2xx %zu/%zu, 487 %zu/%zu", seed, a->ended,
			         sent2xx, got2xx, sent487, got487);
		}
		enum sk_call_outcome o = a->last_outcome;
		count[o]++;
		if (rc == -SK_ESTATE)
			assert_int_equal(o, SK_OUTCOME_ANSWERED);
		else if (o != SK_OUTCOME_CANCELLED && o != SK_OUTCOME_ANSWERED_LATE)
			fail_msg("seed %d: outcome %s", seed, sk_call_outcome_name(o));
		if (o == SK_OUTCOME_ANSWERED_LATE)
			assert_true(uah_count(a, true, "BYE", NULL) >= 1);
		/* both sides agree */
		if (o == SK_OUTCOME_CANCELLED) {
			assert_int_equal(got2xx, 0);
			assert_int_equal(sent2xx, 0);
			assert_true(b->ended == 0 || b->last_outcome == SK_OUTCOME_CANCELLED ||
			            (never && b->last_outcome == SK_OUTCOME_REJECTED));
			assert_true(b->incoming == b->ended);
		} else {
			assert_true(got2xx > 0);
			assert_int_equal(b->ended, 1);
			assert_int_equal(b->last_outcome, SK_OUTCOME_ANSWERED);
			assert_int_equal(sent487, 0);
		}
		uah_finish(&h);
	}
	print_message("%d seeds: %d cancelled, %d answered late, %d answered\n", seeds,
	              count[SK_OUTCOME_CANCELLED], count[SK_OUTCOME_ANSWERED_LATE],
	              count[SK_OUTCOME_ANSWERED]);
	assert_true(count[SK_OUTCOME_CANCELLED] > 0);
	assert_true(count[SK_OUTCOME_ANSWERED_LATE] > 0);
	assert_true(count[SK_OUTCOME_ANSWERED] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cancel_on_the_wire),
	    cmocka_unit_test(test_cancel_before_provisional),
	    cmocka_unit_test(test_cancel_never_sent_times_out),
	    cmocka_unit_test(test_cancel_after_final),
	    cmocka_unit_test(test_cancel_twice),
	    cmocka_unit_test(test_cancel_no_final),
	    cmocka_unit_test(test_200_crosses_cancel),
	    cmocka_unit_test(test_cancel_reinvite),
	    cmocka_unit_test(test_cancel_reinvite_answered_late),
	    cmocka_unit_test(test_487_lost),
	    cmocka_unit_test(test_cancel_lost),
	    cmocka_unit_test(test_cancel_tcp),
	    cmocka_unit_test(test_cancel_new_branch_481),
	    cmocka_unit_test(test_cancel_with_to_tag),
	    cmocka_unit_test(test_cancel_non_invite),
	    cmocka_unit_test(test_random_sweep),
	};
	return cmocka_run_group_tests_name("ua cancel", tests, NULL, NULL);
}
