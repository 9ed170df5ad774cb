/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reliable provisional responses and PRACK (RFC 3262) and UPDATE (RFC 3311)
 * in the UA core, on simnet and virtual time. Cases and what each proves:
 *  - reliable_180_wire: §3 Require: 100rel and RSeq on the 180, §4/§7 the
 *    PRACK in the early dialog with its RAck, 200 to it, no retransmission after
 *  - reliable_tcp: the same over TCP with a 183
 *  - update_at_caller: UPDATE from the callee in the early dialog: 200, and
 *    491 for an offer crossing the INVITE's unanswered one (RFC 3311 §5.2)
 *  - retransmit_schedule_and_give_up: §3 T1 doubling (not capped at T2) until
 *    64*T1, then the INVITE rejected 500
 *  - prack_lost: the PRACK's own retransmission acknowledges; the 180
 *    retransmitted meanwhile is discarded without a second PRACK (§4)
 *  - cancel_while_180_unacked, cancel_while_prack_pending: 487 ends the
 *    INVITE, the 180 is no longer retransmitted, the PRACK completes on its
 *    own (200, not 481: §3 after a final)
 *  - 200_crosses_prack: the callee answers before the PRACK arrives
 *  - forked_early_dialogs: one RSeq sequence and one PRACK per early dialog;
 *    retransmissions, jumps and a wrap discarded (§4)
 *  - hostile_prack: RAck matching nothing 481, malformed 400, a second PRACK
 *    200 without effect, one unacknowledged provisional at a time (a later
 *    ring waits for the PRACK, one slot)
 *  - hostile_reliable_flood: 40 early dialogs and 40 RSeqs at once: at most
 *    16 dialogs, one PRACK in flight per dialog, the rest discarded
 *  - negotiation: 420 with 100rel off, 421 when required and not supported,
 *    Supported alone per the setting, the UAC's option tags
 *  - update: RFC 3311 in the early and the confirmed dialog
 *  - loss_sweep: seeded loss and duplication, cancel or answer at random
 * After every scenario, once the timers have run out, no node has a call or
 * a transaction left.
 */
#include "ua_harness.h"

#define T1 500

static const char *CONTACT_A = "Contact: <sip:alice@10.0.0.1:5060>\r\n";

static uint32_t hdr_u32(const struct sk_msg *m, const char *name)
{
	struct sk_str v = hw_hdr(m, name);
	char buf[32];
	sk_str_cpy(buf, sizeof(buf), v);
	return (uint32_t)strtoul(buf, NULL, 10);
}

static void set_modes(struct uah *h, enum sk_100rel a, enum sk_100rel b)
{
	if (h->nodes[0].ua)
		hw_node_set_100rel(&h->nodes[0], a);
	if (h->nodes[1].ua)
		hw_node_set_100rel(&h->nodes[1], b);
}

/* A raw caller's INVITE from node 0 to UA node 1 with these extra header lines. */
static struct sk_txn *raw_invite(struct uah *h, const char *extra)
{
	char buf[1024], hdrs[512];
	snprintf(hdrs, sizeof(hdrs), "%s%s", CONTACT_A, extra ? extra : "");
	struct sk_str req = uah_req(buf, sizeof(buf), "INVITE", "sip:bob@10.0.0.2:5060",
	                            "<sip:alice@10.0.0.1>;tag=a1", "<sip:bob@10.0.0.2>",
	                            "prack-call", 1, NULL, hdrs);
	return uah_raw_send(&h->nodes[0], &h->nodes[1], SK_PROTO_UDP, req);
}

/* A raw caller's in-dialog request to UA node 1 (To tag from its last 1xx). */
static void raw_in_dialog(struct uah *h, const char *method, unsigned cseq, const char *extra,
                          const char *body)
{
	struct hw_node *a = &h->nodes[0], *b = &h->nodes[1];
	char tag[64], to[128], buf[2048];
	uah_wire_to_tag(uah_nth(a, false, "SIP/2.0 18", "INVITE", 1), tag, sizeof(tag));
	snprintf(to, sizeof(to), "<sip:bob@10.0.0.2>;tag=%s", tag);
	int k = snprintf(buf, sizeof(buf),
	                 "%s sip:bob@10.0.0.2:5060 SIP/2.0\r\n"
	                 "Max-Forwards: 70\r\n"
	                 "From: <sip:alice@10.0.0.1>;tag=a1\r\n"
	                 "To: %s\r\n"
	                 "Call-ID: prack-call\r\n"
	                 "CSeq: %u %s\r\n"
	                 "%s%s%s"
	                 "Content-Length: %zu\r\n\r\n%s",
	                 method, to, cseq, method, CONTACT_A, extra ? extra : "",
	                 body ? "Content-Type: application/sdp\r\n" : "", body ? strlen(body) : 0,
	                 body ? body : "");
	assert_true(k > 0 && (size_t)k < (int)sizeof(buf));
	uah_raw_send(a, b, SK_PROTO_UDP, (struct sk_str){buf, (size_t)k});
}

/* The status of the last response node 0 received with CSeq method `method`. */
static int last_status(struct hw_node *a, const char *method)
{
	size_t n = uah_count(a, false, "SIP/2.0", method);
	const struct hw_wire *w = n ? uah_nth(a, false, "SIP/2.0", method, n) : NULL;
	if (!w)
		return 0;
	struct sk_msg *m = hw_wire_parse(w);
	int code = sk_msg_status(m);
	sk_msg_free(m);
	return code;
}

/* ---- §3/§4 on the wire ----------------------------------------------------- */

static void test_reliable_180_wire(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 301, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	set_modes(&h, SK_100REL_REQUIRED, SK_100REL_SUPPORTED);
	b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = 2000};
	a->hangup_ms = 100;
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 100);
	struct sk_msg *inv = uah_sent(a, "INVITE", NULL, 1);
	uah_assert_hdr(inv, "Require", "100rel");
	assert_true(sk_msg_list_has(inv, SK_HDR_ALLOW, "PRACK"));
	struct sk_msg *ring = uah_sent(b, "SIP/2.0 180", NULL, 1);
	uah_assert_hdr(ring, "Require", "100rel");
	uint32_t rseq = hdr_u32(ring, "RSeq");
	assert_true(rseq >= 1 && rseq < 0x80000000u);
	assert_true(sk_call_100rel(b->call));
	/* §7: the PRACK in the early dialog: To with the 180's tag, its RAck */
	struct sk_msg *pr = uah_sent(a, "PRACK", NULL, 1);
	assert_non_null(pr);
	assert_true(sk_str_eq(sk_msg_to(pr)->tag, sk_msg_to(ring)->tag));
	uah_assert_same_hdr(pr, inv, "From");
	assert_int_equal(sk_msg_cseq(pr)->num, sk_msg_cseq(inv)->num + 1);
	char rack[64];
	snprintf(rack, sizeof(rack), "%u %u INVITE", (unsigned)rseq,
	         (unsigned)sk_msg_cseq(inv)->num);
	uah_assert_hdr(pr, "RAck", rack);
	assert_int_equal(last_status(a, "PRACK"), 200);
	assert_string_equal(a->events, "r180 ");
	assert_int_equal(sk_call_state(c), SK_CALL_EARLY);
	assert_true(sk_call_100rel(c));
	uah_run(&h, 5000);
	/* acknowledged at once: never retransmitted */
	assert_int_equal(uah_count(b, true, "SIP/2.0 180", NULL), 1);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	struct sk_ua_stats sa = sk_ua_stats(a->ua), sb = sk_ua_stats(b->ua);
	assert_int_equal(sa.pracks_sent, 1);
	assert_int_equal(sb.pracks_received, 1);
	assert_int_equal(sb.rel1xx_sent, 1);
	assert_int_equal(sb.rel1xx_retransmits, 0);
	sk_msg_free(inv);
	sk_msg_free(ring);
	sk_msg_free(pr);
	uah_finish(&h);
}

/* The same over TCP: the PRACK on the call's transport, answered; then a hang-up. */
static void test_reliable_tcp(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 313, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	set_modes(&h, SK_100REL_SUPPORTED, SK_100REL_REQUIRED);
	b->pol = (struct hw_policy){.ring_ms = 10, .ring_code = 183, .answer_ms = 1000};
	a->hangup_ms = 50;
	uah_call(a, b, SK_PROTO_TCP);
	uah_run(&h, 500);
	const struct hw_wire *pr = uah_nth(a, true, "PRACK", NULL, 1);
	assert_non_null(pr);
	assert_int_equal(pr->flow.proto, SK_PROTO_TCP);
	assert_int_equal(last_status(a, "PRACK"), 200);
	assert_int_equal(uah_count(b, true, "SIP/2.0 183", NULL), 1);
	uah_run(&h, 2000);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* §3: T1, 2*T1, 4*T1 ... (no T2 cap) until 64*T1, then 500 to the INVITE. */
static void test_retransmit_schedule_and_give_up(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 302, 2, 1u << 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	set_modes(&h, SK_100REL_OFF, SK_100REL_SUPPORTED);
	b->pol = (struct hw_policy){.ring_ms = 0, .answer_ms = -1};
	struct hw_rule *ring = uah_rule(&h, "SIP/2.0 180", NULL, 1);
	struct hw_rule *r500 = uah_rule(&h, "SIP/2.0 500", NULL, 1);
	raw_invite(&h, "Require: 100rel\r\n"); /* and never a PRACK */
	uah_run(&h, 64 * T1 + 1000);
	assert_int_equal(ring->seen, 7);
	uint64_t want[] = {0, 1, 3, 7, 15, 31, 63};
	for (int i = 1; i < 7; i++)
		assert_int_equal(ring->times[i] - ring->times[0], want[i] * T1);
	assert_int_equal(r500->seen, 1);
	assert_int_equal(r500->times[0] - ring->times[0], 64 * T1);
	assert_int_equal(b->outcomes[SK_OUTCOME_REJECTED], 1);
	assert_int_equal(b->last_status, 500);
	assert_int_equal(sk_ua_stats(b->ua).prack_timeouts, 1);
	assert_int_equal(sk_ua_stats(b->ua).rel1xx_retransmits, 6);
	assert_int_equal(a->raw_last_status, 500);
	uah_finish(&h);
}

/* The first PRACK lost: its transaction sends it again; one PRACK transaction only. */
static void test_prack_lost(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 303, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	set_modes(&h, SK_100REL_REQUIRED, SK_100REL_SUPPORTED);
	b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = 3000};
	a->hangup_ms = 10;
	uah_rule(&h, "PRACK", NULL, 0)->drop_nth = 1;
	uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 2000);
	/* one PRACK (one CSeq), sent twice; the 180 retransmitted once, discarded (§4) */
	assert_int_equal(uah_count(a, true, "PRACK", NULL), 2);
	struct sk_msg *p1 = uah_sent(a, "PRACK", NULL, 1), *p2 = uah_sent(a, "PRACK", NULL, 2);
	assert_int_equal(sk_msg_cseq(p1)->num, sk_msg_cseq(p2)->num);
	assert_int_equal(uah_count(b, true, "SIP/2.0 180", NULL), 2);
	assert_int_equal(uah_count(b, false, "PRACK", NULL), 1);
	assert_int_equal(sk_ua_stats(a->ua).rel1xx_discarded, 1);
	assert_int_equal(sk_ua_stats(a->ua).pracks_sent, 1);
	assert_string_equal(a->events, "r180 ");
	uah_run(&h, 3000);
	assert_int_equal(uah_count(b, true, "SIP/2.0 180", NULL), 2);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	sk_msg_free(p1);
	sk_msg_free(p2);
	uah_finish(&h);
}

static void cancel_now(struct uah *h, void *arg)
{
	(void)arg;
	assert_int_equal(sk_call_cancel(h->nodes[0].call, NULL), SK_CANCEL_SENT);
}

/* CANCEL while the reliable 180 is unacknowledged (every PRACK lost). */
static void test_cancel_while_180_unacked(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 304, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	set_modes(&h, SK_100REL_SUPPORTED, SK_100REL_REQUIRED);
	b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = -1};
	uah_rule(&h, "PRACK", NULL, 0)->drop_nth = -1;
	struct hw_rule *ring = uah_rule(&h, "SIP/2.0 180", NULL, 1);
	uah_call(a, b, SK_PROTO_UDP);
	uah_at(&h, 1200, cancel_now, NULL); /* after two copies of the 180 */
	uah_run(&h, 1300);
	assert_int_equal(ring->seen, 2); /* at 10 and T1 later; the one at 3*T1 never goes */
	uah_run(&h, 10000);
	assert_int_equal(ring->seen, 2);
	/* §9.2: 200 and 487; the 180 is retransmitted no more (3262 §3) */
	assert_int_equal(b->outcomes[SK_OUTCOME_CANCELLED], 1);
	assert_int_equal(a->outcomes[SK_OUTCOME_CANCELLED], 1);
	assert_int_equal(a->last_status, 487);
	assert_non_null(uah_nth(b, true, "SIP/2.0 487", NULL, 1));
	assert_int_equal(sk_ua_stats(b->ua).prack_timeouts, 0);
	assert_int_equal(uah_count(b, true, "SIP/2.0 500", NULL), 0);
	uah_finish(&h);
}

/* CANCEL while our PRACK is in flight: the PRACK arrives after the 487 and gets 200. */
static void test_cancel_while_prack_pending(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 305, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	set_modes(&h, SK_100REL_REQUIRED, SK_100REL_SUPPORTED);
	b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = -1};
	uah_rule(&h, "PRACK", NULL, 0)->delay = 300;
	uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 100); /* the 180 in, the PRACK on its way */
	assert_int_equal(uah_count(a, true, "PRACK", NULL), 1);
	assert_int_equal(uah_count(b, false, "PRACK", NULL), 0);
	assert_int_equal(sk_call_cancel(a->call, NULL), SK_CANCEL_SENT);
	uah_run(&h, 1000);
	const struct hw_wire *w487 = uah_nth(b, true, "SIP/2.0 487", NULL, 1);
	const struct hw_wire *wpr = uah_nth(b, false, "PRACK", NULL, 1);
	assert_non_null(w487);
	assert_non_null(wpr);
	assert_true(uah_index(b, wpr) > uah_index(b, w487));
	/* §3: a PRACK for the outstanding one after the final: 200, not 481 */
	assert_int_equal(last_status(a, "PRACK"), 200);
	assert_int_equal(uah_count(b, true, "SIP/2.0 481", NULL), 0);
	assert_int_equal(a->outcomes[SK_OUTCOME_CANCELLED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_CANCELLED], 1);
	/* the retransmission due at T1 was stopped by the 487 */
	assert_int_equal(uah_count(b, true, "SIP/2.0 180", NULL), 1);
	uah_finish(&h);
}

/* The callee's 200 crosses the PRACK: the call is up, the PRACK still gets 200. */
static void test_200_crosses_prack(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 306, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	set_modes(&h, SK_100REL_SUPPORTED, SK_100REL_REQUIRED);
	b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = 30};
	a->hangup_ms = 1000;
	uah_rule(&h, "PRACK", NULL, 0)->delay = 200;
	uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 500);
	const struct hw_wire *w200 = uah_nth(b, true, "SIP/2.0 200", "INVITE", 1);
	const struct hw_wire *wpr = uah_nth(b, false, "PRACK", NULL, 1);
	assert_non_null(w200);
	assert_non_null(wpr);
	assert_true(uah_index(b, wpr) > uah_index(b, w200));
	assert_int_equal(last_status(a, "PRACK"), 200);
	assert_int_equal(uah_count(b, true, "SIP/2.0 180", NULL), 1);
	uah_run(&h, 2000);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* ---- §4 at the caller: forks, retransmissions, jumps, a wrap ----------------- */

struct rel_step {
	int at;
	int code;
	const char *tag;
	uint32_t rseq;
};

static struct rel_step fork_steps[] = {
    {10, 180, "t1", 100},         /* dialog t1: the first sets the sequence */
    {20, 183, "t2", 4294967295u}, /* dialog t2: the highest RSeq there is */
    {30, 180, "t1", 100},         /* t1 retransmitted: discarded, no PRACK */
    {200, 180, "t1", 102},        /* a jump: discarded */
    {300, 180, "t1", 101},        /* the next one: PRACKed */
    {400, 180, "t2", 0},          /* a wrap (0 is no RSeq at all): discarded */
    {500, 180, "t3", 0},          /* no valid RSeq: discarded, no dialog */
    {600, 183, "t1", 101},        /* the same RSeq again: discarded */
};

static void send_step(struct uah *h, void *arg)
{
	struct rel_step *s = arg;
	struct hw_node *b = &h->nodes[1];
	char extra[200];
	snprintf(extra, sizeof(extra),
	         "Contact: <sip:bob@10.0.0.2:5060>\r\nRequire: 100rel\r\nRSeq: %u\r\n",
	         (unsigned)s->rseq);
	assert_non_null(b->raw_ist);
	assert_int_equal(sk_test_respond(b->raw_ist, s->code, s->tag, extra), 0);
}

static void test_forked_early_dialogs(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 307, 2, 1u << 1);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	set_modes(&h, SK_100REL_SUPPORTED, SK_100REL_OFF);
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	for (size_t i = 0; i < sizeof(fork_steps) / sizeof(fork_steps[0]); i++)
		uah_at(&h, (uint64_t)fork_steps[i].at, send_step, &fork_steps[i]);
	uah_run(&h, 1000);
	struct sk_msg *inv = uah_sent(a, "INVITE", NULL, 1);
	uah_assert_hdr(inv, "Supported", "100rel");
	assert_false(hw_has(inv, "Require"));
	/* three PRACKs: t1/100, t2/4294967295, t1/101, each in its own dialog */
	assert_int_equal(uah_count(a, true, "PRACK", NULL), 3);
	const char *want[][2] = {
	    {"t1", "100 1 INVITE"}, {"t2", "4294967295 1 INVITE"}, {"t1", "101 1 INVITE"}};
	for (int i = 0; i < 3; i++) {
		struct sk_msg *p = uah_sent(a, "PRACK", NULL, (size_t)i + 1);
		assert_str_view(sk_msg_to(p)->tag, want[i][0]);
		uah_assert_hdr(p, "RAck", want[i][1]);
		sk_msg_free(p);
	}
	assert_int_equal(sk_call_dialogs(c), 2);
	assert_int_equal(sk_ua_stats(a->ua).rel1xx_discarded, 5);
	/* only what was PRACKed reached the application */
	assert_string_equal(a->events, "r180 r183 r180 ");
	assert_int_equal(sk_call_cancel(c, NULL), SK_CANCEL_SENT);
	uah_run(&h, 1000);
	assert_int_equal(a->outcomes[SK_OUTCOME_CANCELLED], 1);
	sk_msg_free(inv);
	uah_finish(&h);
}

/* A caller with 100rel off PRACKs nothing (and says nothing in its INVITE). */
static void test_uac_off(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 308, 2, 1u << 1);
	struct hw_node *a = &h.nodes[0];
	uah_call(a, &h.nodes[1], SK_PROTO_UDP);
	uah_at(&h, 10, send_step, &fork_steps[0]);
	uah_run(&h, 100);
	struct sk_msg *inv = uah_sent(a, "INVITE", NULL, 1);
	assert_false(hw_has(inv, "Supported"));
	assert_false(hw_has(inv, "Require"));
	assert_int_equal(uah_count(a, true, "PRACK", NULL), 0);
	assert_string_equal(a->events, "r180 ");
	assert_int_equal(sk_call_cancel(a->call, NULL), SK_CANCEL_SENT);
	sk_msg_free(inv);
	uah_finish(&h);
}

/* ---- bad input at the callee -------------------------------------------------- */

static void ring_183(struct hw_node *n, struct sk_call *c, const struct sk_msg *m)
{
	(void)n;
	(void)m;
	/* the 180 is unacknowledged: these wait, one slot, the newest wins */
	assert_int_equal(sk_call_ring(c, 181), 0);
	assert_int_equal(sk_call_ring(c, 182), 0);
	assert_int_equal(sk_call_ring(c, 183), 0);
}

static void test_hostile_prack(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 309, 2, 1u << 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	set_modes(&h, SK_100REL_OFF, SK_100REL_SUPPORTED);
	b->pol = (struct hw_policy){.ring_ms = -1, .answer_ms = -1};
	struct sk_txn *inv = raw_invite(&h, "Supported: timer\r\nRequire: 100rel\r\n");
	uah_run(&h, 5);
	assert_non_null(b->call);
	assert_int_equal(sk_call_ring(b->call, 180), 0);
	ring_183(b, b->call, NULL);
	uah_run(&h, 10);
	assert_int_equal(uah_count(b, true, "SIP/2.0 18", NULL), 1);
	struct sk_msg *ring = hw_wire_parse(uah_nth(a, false, "SIP/2.0 180", NULL, 1));
	uint32_t rseq = hdr_u32(ring, "RSeq");
	char rack[80];
	unsigned cseq = 2;
	struct {
		const char *rack; /* %u: the RSeq, given as rseq + delta */
		int64_t delta;
		int want;
	} cases[] = {
	    {"RAck: %u 1 INVITE\r\n", 1, 481},  /* an RSeq never sent */
	    {"RAck: %u 2 INVITE\r\n", 0, 481},  /* another CSeq */
	    {"RAck: %u 1 UPDATE\r\n", 0, 481},  /* another method */
	    {"RAck: %u\r\n", 0, 400},           /* malformed */
	    {"RAck: x%u 1 INVITE\r\n", 0, 400}, /* malformed */
	    {"", 0, 400},                       /* none */
	    {"RAck: %u 1 INVITE\r\n", 0, 200},  /* the one */
	    {"RAck: %u 1 INVITE\r\n", 0, 200},  /* again, a new PRACK: 200, no effect */
	    {"RAck: %u 1 INVITE\r\n", -1, 481}, /* below the first */
	    {"RAck: %u 1 INVITE\r\n", 1, 200},  /* the queued 183, sent after the PRACK */
	    {"RAck: %u 1 INVITE\r\n", 2, 481},  /* not sent yet */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(rack, sizeof(rack), cases[i].rack,
		         (unsigned)((int64_t)rseq + cases[i].delta));
		raw_in_dialog(&h, "PRACK", cseq++, rack, NULL);
		uah_run(&h, 20);
		if (last_status(a, "PRACK") != cases[i].want)
			fail_msg("case %zu (%s): %d, want %d", i, rack, last_status(a, "PRACK"),
			         cases[i].want);
		if (i == 6) {
			/* after the PRACK: the newest waiting ring, 183, with RSeq + 1 */
			assert_int_equal(uah_count(b, true, "SIP/2.0 18", NULL), 2);
			struct sk_msg *r183 = uah_sent(b, "SIP/2.0 183", NULL, 1);
			assert_int_equal(hdr_u32(r183, "RSeq"), rseq + 1);
			sk_msg_free(r183);
		}
	}
	/* a PRACK outside any dialog */
	char buf[512];
	struct sk_str req = uah_req(buf, sizeof(buf), "PRACK", "sip:bob@10.0.0.2:5060",
	                            "<sip:alice@10.0.0.1>;tag=a1", "<sip:bob@10.0.0.2>",
	                            "prack-call", cseq++, NULL, "RAck: 1 1 INVITE\r\n");
	uah_raw_send(a, b, SK_PROTO_UDP, req);
	uah_run(&h, 20);
	assert_int_equal(last_status(a, "PRACK"), 481);
	/* no more than the two reliable provisionals, each acknowledged once */
	uah_run(&h, 5000);
	assert_int_equal(uah_count(b, true, "SIP/2.0 18", NULL), 2);
	assert_int_equal(sk_ua_stats(b->ua).rel1xx_retransmits, 0);
	/* a CANCEL ends it: 487 */
	assert_int_equal(sk_txn_cancel(inv, NULL, NULL, NULL), SK_CANCEL_SENT);
	uah_run(&h, 50);
	assert_int_equal(b->outcomes[SK_OUTCOME_CANCELLED], 1);
	sk_msg_free(ring);
	uah_finish(&h);
}

/*
 * A hostile callee floods reliable provisionals: 40 early dialogs (new To
 * tags) and, in one of them, 40 in-order RSeqs at once. The caller keeps at
 * most UA_MAX_DIALOGS dialogs and one PRACK in flight per dialog; the rest is
 * discarded, nothing grows.
 */
static void flood(struct uah *h, void *arg)
{
	(void)arg;
	struct hw_node *b = &h->nodes[1];
	char tag[16], extra[160];
	for (unsigned i = 0; i < 40; i++) {
		snprintf(tag, sizeof(tag), "f%u", i);
		snprintf(extra, sizeof(extra),
		         "Contact: <sip:bob@10.0.0.2:5060>\r\nRequire: 100rel\r\nRSeq: %u\r\n",
		         1000 + i);
		assert_int_equal(sk_test_respond(b->raw_ist, 180, tag, extra), 0);
	}
	for (unsigned i = 0; i < 40; i++) {
		snprintf(extra, sizeof(extra),
		         "Contact: <sip:bob@10.0.0.2:5060>\r\nRequire: 100rel\r\nRSeq: %u\r\n",
		         1001 + i);
		assert_int_equal(sk_test_respond(b->raw_ist, 183, "f0", extra), 0);
	}
}

static void test_hostile_reliable_flood(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 314, 2, 1u << 1);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	set_modes(&h, SK_100REL_SUPPORTED, SK_100REL_OFF);
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_at(&h, 10, flood, NULL);
	uah_run(&h, 100);
	/* 16 dialogs, one PRACK each; every other provisional discarded */
	assert_int_equal(sk_call_dialogs(c), 16);
	assert_int_equal(sk_ua_stats(a->ua).pracks_sent, 16);
	assert_int_equal(sk_ua_stats(a->ua).rel1xx_discarded, 80 - 16);
	assert_int_equal(uah_count(a, true, "PRACK", NULL), 16);
	/* a 17th dialog is still refused; once the PRACK of f0 is answered, its
	 * next RSeq (as the callee retransmits it) is taken */
	static struct rel_step again[] = {{0, 180, "t1", 101}, {0, 183, "f0", 1001}};
	uah_at(&h, 1, send_step, &again[0]);
	uah_at(&h, 2, send_step, &again[1]);
	uah_run(&h, 100);
	assert_int_equal(sk_ua_stats(a->ua).pracks_sent, 17);
	struct sk_msg *p = uah_sent(a, "PRACK", NULL, 17);
	assert_str_view(sk_msg_to(p)->tag, "f0");
	uah_assert_hdr(p, "RAck", "1001 1 INVITE");
	sk_msg_free(p);
	assert_int_equal(sk_call_cancel(c, NULL), SK_CANCEL_SENT);
	uah_run(&h, 1000);
	assert_int_equal(a->outcomes[SK_OUTCOME_CANCELLED], 1);
	uah_finish(&h);
}

/* ---- negotiation ------------------------------------------------------------ */

static int invite_status(enum sk_100rel mode, const char *extra, struct sk_msg **resp)
{
	struct uah h;
	uah_init(&h, 310, 2, 1u << 0);
	struct hw_node *a = &h.nodes[0];
	set_modes(&h, SK_100REL_OFF, mode);
	h.nodes[1].pol = (struct hw_policy){.ring_ms = 0, .answer_ms = 100};
	a->raw_response = uah_raw_ack_hook;
	raw_invite(&h, extra);
	uah_run(&h, 50);
	const struct hw_wire *w = uah_nth(a, false, "SIP/2.0 4", NULL, 1);
	if (!w)
		w = uah_nth(a, false, "SIP/2.0 18", NULL, 1);
	assert_non_null(w);
	*resp = hw_wire_parse(w);
	int code = sk_msg_status(*resp);
	uah_run(&h, 200);
	if (code < 200) { /* answered at 100 ms, ACKed by the hook: hang up */
		assert_int_equal(a->raw_acks + (int)uah_count(a, true, "ACK", NULL), 1);
		raw_in_dialog(&h, "BYE", 9, NULL, NULL);
	}
	uah_finish(&h);
	return code;
}

static void test_negotiation(void **state)
{
	(void)state;
	struct sk_msg *r;
	/* off: Require: 100rel is an extension we do not support (420) */
	assert_int_equal(invite_status(SK_100REL_OFF, "Require: 100rel\r\n", &r), 420);
	uah_assert_hdr(r, "Unsupported", "100rel");
	sk_msg_free(r);
	/* supported: only what we do not know is listed */
	assert_int_equal(invite_status(SK_100REL_SUPPORTED, "Require: foo, 100rel\r\n", &r), 420);
	uah_assert_hdr(r, "Unsupported", "foo");
	sk_msg_free(r);
	/* required: a caller that cannot PRACK is refused 421 */
	assert_int_equal(invite_status(SK_100REL_REQUIRED, NULL, &r), 421);
	uah_assert_hdr(r, "Require", "100rel");
	sk_msg_free(r);
	/* Supported alone: unreliable when supported, reliable when required */
	assert_int_equal(invite_status(SK_100REL_SUPPORTED, "Supported: 100rel\r\n", &r), 180);
	assert_false(hw_has(r, "RSeq"));
	sk_msg_free(r);
	assert_int_equal(invite_status(SK_100REL_REQUIRED, "Supported: 100rel\r\n", &r), 180);
	assert_true(hw_has(r, "RSeq"));
	uah_assert_hdr(r, "Require", "100rel");
	sk_msg_free(r);
	/* Require: always reliable */
	assert_int_equal(invite_status(SK_100REL_SUPPORTED, "Require: 100rel\r\n", &r), 180);
	assert_true(hw_has(r, "RSeq"));
	sk_msg_free(r);
	/* neither: no reliable provisional (RFC 3262 §3 MUST NOT) */
	assert_int_equal(invite_status(SK_100REL_SUPPORTED, NULL, &r), 180);
	assert_false(hw_has(r, "RSeq"));
	assert_false(hw_has(r, "Require"));
	sk_msg_free(r);
}

/* ---- UPDATE (RFC 3311) --------------------------------------------------------- */

static const char *SDP_AUDIO = "v=0\r\no=a 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n"
                               "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
static const char *SDP_VIDEO = "v=0\r\no=a 1 2 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\n"
                               "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVP 31\r\n";

static void test_update(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 311, 2, 1u << 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	set_modes(&h, SK_100REL_OFF, SK_100REL_SUPPORTED);
	b->pol = (struct hw_policy){.ring_ms = 0, .answer_ms = -1};
	a->raw_response = uah_raw_ack_hook;
	raw_invite(&h, "Supported: 100rel\r\n");
	uah_run(&h, 20);
	/* early dialog, no body: 200 with our Contact, the session unchanged */
	raw_in_dialog(&h, "UPDATE", 2, NULL, NULL);
	uah_run(&h, 20);
	assert_int_equal(last_status(a, "UPDATE"), 200);
	struct sk_msg *ok = uah_sent(b, "SIP/2.0 200", "UPDATE", 1);
	assert_true(hw_has(ok, "Contact"));
	assert_int_equal(sk_msg_body(ok).len, 0);
	sk_msg_free(ok);
	/* an offer before we answered the INVITE's: 500 with Retry-After (§5.2) */
	raw_in_dialog(&h, "UPDATE", 3, NULL, SDP_AUDIO);
	uah_run(&h, 20);
	assert_int_equal(last_status(a, "UPDATE"), 500);
	struct sk_msg *r500 = uah_sent(b, "SIP/2.0 500", "UPDATE", 1);
	assert_true(hw_has(r500, "Retry-After"));
	assert_true(hdr_u32(r500, "Retry-After") <= 10);
	sk_msg_free(r500);
	/* answered: the same media is answered with our session as it is */
	assert_int_equal(sk_call_answer(b->call, NULL), 0);
	uah_run(&h, 50);
	assert_int_equal(b->answered, 1);
	raw_in_dialog(&h, "UPDATE", 4, NULL, SDP_AUDIO);
	uah_run(&h, 20);
	assert_int_equal(last_status(a, "UPDATE"), 200);
	struct sk_msg *ok2 = uah_sent(b, "SIP/2.0 200", "UPDATE", 2);
	struct sk_msg *ok_inv = uah_sent(b, "SIP/2.0 200", "INVITE", 1);
	assert_true(sk_str_eq(sk_msg_body(ok2), sk_msg_body(ok_inv)));
	sk_msg_free(ok2);
	sk_msg_free(ok_inv);
	/* an offer that adds a stream: 488 with a Warning, the session as it was */
	raw_in_dialog(&h, "UPDATE", 5, NULL, SDP_VIDEO);
	uah_run(&h, 20);
	assert_int_equal(last_status(a, "UPDATE"), 488);
	struct sk_msg *r488 = uah_sent(b, "SIP/2.0 488", "UPDATE", 1);
	assert_true(hw_has(r488, "Warning"));
	sk_msg_free(r488);
	assert_int_equal(sk_ua_stats(b->ua).updates_received, 4);
	raw_in_dialog(&h, "BYE", 6, NULL, NULL);
	uah_run(&h, 50);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* UPDATE at the caller, from a raw callee in the early dialog (RFC 3311 §5.2). */
static void callee_update(struct uah *h, void *arg)
{
	struct hw_node *b = &h->nodes[1];
	const char *body = arg;
	struct sk_msg *inv = hw_wire_parse(uah_nth(b, false, "INVITE", NULL, 1));
	char from[256], to[256], call_id[128], target[128], buf[2048];
	sk_str_cpy(to, sizeof(to), sk_msg_from(inv)->raw);
	snprintf(from, sizeof(from), "<sip:bob@10.0.0.2>;tag=raw");
	sk_str_cpy(call_id, sizeof(call_id), sk_msg_call_id(inv));
	sk_str_cpy(target, sizeof(target), sk_msg_addr(inv, SK_HDR_CONTACT, 0)->uri.raw);
	int k = snprintf(buf, sizeof(buf),
	                 "UPDATE %s SIP/2.0\r\nMax-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\n"
	                 "Call-ID: %s\r\nCSeq: %u UPDATE\r\n"
	                 "Contact: <sip:bob@10.0.0.2:5060>\r\n%sContent-Length: %zu\r\n\r\n%s",
	                 target, from, to, call_id, body ? 101u : 100u,
	                 body ? "Content-Type: application/sdp\r\n" : "", body ? strlen(body) : 0,
	                 body ? body : "");
	uah_raw_send(b, &h->nodes[0], SK_PROTO_UDP, (struct sk_str){buf, (size_t)k});
	sk_msg_free(inv);
}

static void test_update_at_caller(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 312, 2, 1u << 1);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	set_modes(&h, SK_100REL_SUPPORTED, SK_100REL_OFF);
	b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = -1};
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_at(&h, 50, callee_update, NULL);
	uah_at(&h, 100, callee_update, (void *)SDP_AUDIO);
	uah_run(&h, 200);
	/* no body: 200, the session unchanged; an offer crossing our unanswered one: 491 */
	assert_int_equal(uah_count(a, true, "SIP/2.0 200", "UPDATE"), 1);
	assert_int_equal(uah_count(a, true, "SIP/2.0 491", "UPDATE"), 1);
	assert_int_equal(sk_call_state(c), SK_CALL_EARLY);
	assert_int_equal(sk_call_cancel(c, NULL), SK_CANCEL_SENT);
	uah_run(&h, 100);
	assert_int_equal(a->outcomes[SK_OUTCOME_CANCELLED], 1);
	uah_finish(&h);
}

/* ---- a seeded sweep with loss ------------------------------------------------- */

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

static void maybe_cancel(struct uah *h, void *arg)
{
	int *rc = arg;
	struct hw_node *a = &h->nodes[0];
	*rc = a->call ? sk_call_cancel(a->call, NULL) : -SK_ENOTFOUND;
}

static void test_loss_sweep(void **state)
{
	(void)state;
	int count[8] = {0};
	const int seeds = 60;
	for (int seed = 0; seed < seeds; seed++) {
		struct uah h;
		uint64_t r = 0xacc0000u + (uint64_t)seed;
		int rc = 99;
		uah_init(&h, 4000 + (uint64_t)seed, 2, 0);
		struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
		set_modes(&h, seed % 2 ? SK_100REL_REQUIRED : SK_100REL_SUPPORTED,
		          SK_100REL_REQUIRED);
		struct sk_simnet_link link = {.loss_pm = (uint32_t)(seed % 4) * 80,
		                              .dup_pm = 50,
		                              .delay_min_ms = 1,
		                              .delay_max_ms = 1 + (uint32_t)(lcg(&r) % 80)};
		sk_simnet_set_link(h.w.sn, &link);
		b->pol = (struct hw_policy){.ring_ms = (int)(lcg(&r) % 100),
		                            .answer_ms = 200 + (int)(lcg(&r) % 3000)};
		a->hangup_ms = 100;
		uah_call(a, b, SK_PROTO_UDP);
		bool cancel = lcg(&r) % 2;
		if (cancel)
			uah_at(&h, 150 + lcg(&r) % 2000, maybe_cancel, &rc);
		uah_run(&h, 64 * T1 + 40000);
		if (a->ended != 1 || b->ended != 1) {
			uah_dump(&h);
			fail_msg("seed %d: a ended %d, b ended %d", seed, a->ended, b->ended);
		}
		/* every PRACK that reached the callee got 200 or 481 (a duplicate
		 * arriving after the call was gone), never another code */
		size_t pr = uah_count(b, true, "SIP/2.0", "PRACK");
		size_t ok = uah_count(b, true, "SIP/2.0 200", "PRACK");
		size_t nf = uah_count(b, true, "SIP/2.0 481", "PRACK");
		assert_int_equal(pr, ok + nf);
		count[a->last_outcome]++;
		uah_finish(&h);
	}
	print_message("%d seeds: %d cancelled, %d answered, %d answered late, %d other\n", seeds,
	              count[SK_OUTCOME_CANCELLED], count[SK_OUTCOME_ANSWERED],
	              count[SK_OUTCOME_ANSWERED_LATE],
	              seeds - count[SK_OUTCOME_CANCELLED] - count[SK_OUTCOME_ANSWERED] -
	                  count[SK_OUTCOME_ANSWERED_LATE]);
	assert_true(count[SK_OUTCOME_CANCELLED] > 0);
	assert_true(count[SK_OUTCOME_ANSWERED] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reliable_180_wire),
	    cmocka_unit_test(test_reliable_tcp),
	    cmocka_unit_test(test_retransmit_schedule_and_give_up),
	    cmocka_unit_test(test_prack_lost),
	    cmocka_unit_test(test_cancel_while_180_unacked),
	    cmocka_unit_test(test_cancel_while_prack_pending),
	    cmocka_unit_test(test_200_crosses_prack),
	    cmocka_unit_test(test_forked_early_dialogs),
	    cmocka_unit_test(test_uac_off),
	    cmocka_unit_test(test_hostile_prack),
	    cmocka_unit_test(test_hostile_reliable_flood),
	    cmocka_unit_test(test_negotiation),
	    cmocka_unit_test(test_update),
	    cmocka_unit_test(test_update_at_caller),
	    cmocka_unit_test(test_loss_sweep),
	};
	return cmocka_run_group_tests_name("ua prack", tests, NULL, NULL);
}
