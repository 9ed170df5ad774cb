/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UA core on simnet and virtual time: dialogs (RFC 3261 §12), INVITE on
 * both sides (§13), re-INVITE (§14), BYE (§15) and what a UAS refuses
 * (§8.2, RFC 4475 §3.3). Scripted peers (raw stacks) play the parts a sipkit
 * UA never plays: a forking proxy, a Record-Routing path, a careless caller.
 * After every scenario, once the timers have run out, no node has a call or
 * a transaction left (uah_finish).
 */
#include "ua_harness.h"

#define FROM_A "<sip:alice@10.0.0.1>;tag=x1"
#define TO_B   "<sip:bob@10.0.0.2>"
#define CT_A   "Contact: <sip:alice@10.0.0.1:5060>\r\n"

/* ---- a call, answered and hung up (§12.1, §13.2.2.4, §13.3.1.4, §15.1) ---- */

static void test_call_answered_bye(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 1, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 100, .answer_ms = 500};
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 150);
	/* §12.1.2, §13.2.2.1: a 180 with a To tag makes an early dialog on both sides */
	assert_int_equal(sk_call_state(c), SK_CALL_EARLY);
	assert_int_equal(sk_call_dialogs(c), 1);
	assert_non_null(b->call);
	assert_int_equal(sk_call_dir(b->call), SK_CALL_IN);
	assert_int_equal(sk_call_state(b->call), SK_CALL_EARLY);
	assert_string_equal(sk_call_id(b->call), sk_call_id(c));
	uah_run(&h, 500);
	/* §13.2.2.4: the 2xx confirms the dialog and is ACKed; §13.3.1.4: the ACK reaches it */
	assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
	assert_int_equal(sk_call_status(c), 200);
	assert_int_equal(sk_call_state(b->call), SK_CALL_CONFIRMED);
	assert_string_equal(a->events, "r180 r200 answered ");
	assert_string_equal(b->events, "incoming answered ");
	/* the ACK: its own request (new branch), CSeq of the INVITE, To with the tag,
	 * Request-URI the callee's Contact (§12.2.1.1) */
	struct sk_msg *inv = hw_wire_parse(uah_nth(a, true, "INVITE", NULL, 1));
	struct sk_msg *ok = hw_wire_parse(uah_nth(a, false, "SIP/2.0 200", "INVITE", 1));
	struct sk_msg *ack = hw_wire_parse(uah_nth(a, true, "ACK", NULL, 1));
	assert_int_equal(uah_count(a, true, "ACK", NULL), 1);
	assert_false(sk_str_eq(sk_msg_via(ack, 0)->branch, sk_msg_via(inv, 0)->branch));
	assert_int_equal(sk_msg_cseq(ack)->num, sk_msg_cseq(inv)->num);
	assert_str_view(sk_msg_ruri_str(ack), "sip:bob@10.0.0.2:5060");
	assert_true(sk_str_eq(hw_hdr(ack, "To"), hw_hdr(ok, "To")));
	assert_true(sk_str_eq(hw_hdr(ack, "From"), hw_hdr(inv, "From")));
	assert_true(sk_str_eq(sk_msg_call_id(ack), sk_msg_call_id(inv)));
	assert_true(sk_msg_to(ok)->tag.len > 0);
	/* the 2xx has the callee's Contact and Allow */
	uah_assert_hdr(ok, "Contact", "<sip:bob@10.0.0.2:5060>");
	assert_true(hw_has(ok, "Allow"));
	/* §15.1.1: the caller hangs up: BYE with CSeq INVITE+1 (§12.2.1.1), 200 */
	assert_int_equal(sk_call_hangup(c), 0);
	uah_run(&h, 50);
	struct sk_msg *bye = hw_wire_parse(uah_nth(a, true, "BYE", NULL, 1));
	assert_int_equal(sk_msg_cseq(bye)->num, sk_msg_cseq(inv)->num + 1);
	assert_str_view(sk_msg_ruri_str(bye), "sip:bob@10.0.0.2:5060");
	assert_true(sk_str_eq(hw_hdr(bye, "To"), hw_hdr(ok, "To")));
	assert_true(sk_str_eq(hw_hdr(bye, "From"), hw_hdr(inv, "From")));
	assert_int_equal(uah_count(b, true, "SIP/2.0 200", "BYE"), 1);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(a->last_status, 200);
	assert_int_equal(b->last_status, 200);
	assert_null(a->call);
	assert_null(b->call);
	sk_msg_free(inv);
	sk_msg_free(ok);
	sk_msg_free(ack);
	sk_msg_free(bye);
	uah_finish(&h);
}

/* §15.1.1 from the callee: its BYE goes to the caller's Contact, From/To swapped. */
static void test_callee_hangs_up(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 2, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 0, .answer_ms = 20};
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 100);
	assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
	assert_int_equal(b->answered, 1);
	assert_int_equal(sk_call_hangup(b->call), 0);
	uah_run(&h, 50);
	struct sk_msg *inv = hw_wire_parse(uah_nth(a, true, "INVITE", NULL, 1));
	struct sk_msg *ok = hw_wire_parse(uah_nth(b, true, "SIP/2.0 200", "INVITE", 1));
	struct sk_msg *bye = hw_wire_parse(uah_nth(b, true, "BYE", NULL, 1));
	assert_str_view(sk_msg_ruri_str(bye), "sip:alice@10.0.0.1:5060");
	assert_true(sk_str_eq(hw_hdr(bye, "From"), hw_hdr(ok, "To")));
	assert_true(sk_str_eq(hw_hdr(bye, "To"), hw_hdr(inv, "From")));
	assert_true(sk_str_eq(sk_msg_call_id(bye), sk_msg_call_id(inv)));
	assert_int_equal(uah_count(a, true, "SIP/2.0 200", "BYE"), 1);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_string_equal(b->events, "incoming answered ended:answered ");
	sk_msg_free(inv);
	sk_msg_free(ok);
	sk_msg_free(bye);
	uah_finish(&h);
}

/* §13.2.2.3, §17.1.1.3: a 486 ends the call REJECTED; the transaction ACKs it. */
static void test_call_rejected(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 3, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = 50, .reject_code = 486};
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	(void)c;
	uah_run(&h, 100);
	assert_string_equal(a->events, "r180 r486 ended:rejected ");
	assert_string_equal(b->events, "incoming ended:rejected ");
	assert_int_equal(a->last_status, 486);
	assert_int_equal(b->last_status, 486);
	/* the ACK of the transaction: the INVITE's branch */
	struct sk_msg *inv = hw_wire_parse(uah_nth(a, true, "INVITE", NULL, 1));
	struct sk_msg *ack = hw_wire_parse(uah_nth(a, true, "ACK", NULL, 1));
	assert_true(sk_str_eq(sk_msg_via(ack, 0)->branch, sk_msg_via(inv, 0)->branch));
	assert_int_equal(uah_count(a, true, "BYE", NULL), 0);
	sk_msg_free(inv);
	sk_msg_free(ack);
	uah_finish(&h);
}

/* §17.1.1.2: nothing comes back: Timer B ends the call TIMEOUT at 64*T1. */
static void test_call_timer_b(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 4, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	uah_rule(&h, "INVITE", NULL, 0)->drop_nth = -1;
	uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 64 * 500 - 1);
	assert_int_equal(a->ended, 0);
	uah_run(&h, 1);
	assert_int_equal(a->outcomes[SK_OUTCOME_TIMEOUT], 1);
	assert_int_equal(uah_count(a, true, "INVITE", NULL), 7);
	assert_int_equal(b->incoming, 0);
	uah_finish(&h);
}

/* ---- forking: early dialogs per To tag, several 2xx (§12.1.2, §13.2.2.4) ---- */

static void fork_answer(struct uah *h, void *arg)
{
	const char *which = arg;
	struct hw_node *b = &h->nodes[1];
	assert_non_null(b->raw_ist);
	if (!strcmp(which, "fa"))
		assert_int_equal(
		    sk_test_respond(b->raw_ist, 200, "fa", "Contact: <sip:bob@10.0.0.2>\r\n"), 0);
	else
		assert_int_equal(
		    sk_test_respond(b->raw_ist, 200, "fb", "Contact: <sip:carol@10.0.0.2>\r\n"), 0);
}

/* A forking proxy, as seen from the caller: two phones ring, then both answer. */
static void forking_callee(struct hw_node *n, struct sk_txn *st, const struct sk_msg *req,
                           struct sk_txn *invite)
{
	if (sk_txn_kind(st) != SK_TXN_IST) {
		hw_raw_default(n, st, req, invite);
		return;
	}
	assert_int_equal(sk_test_respond(st, 180, "fa", "Contact: <sip:bob@10.0.0.2>\r\n"), 0);
	assert_int_equal(sk_test_respond(st, 180, "fb", "Contact: <sip:carol@10.0.0.2>\r\n"), 0);
	uah_at(n->h, 100, fork_answer, "fa");
	uah_at(n->h, 150, fork_answer, "fb");
}

static void test_forked_dialogs(void **state)
{
	(void)state;
	struct uah h;
	char tag[64];
	uah_init(&h, 5, 2, 2);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->raw_request = forking_callee;
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 50);
	/* §12.1.2: one early dialog per remote tag */
	assert_int_equal(sk_call_state(c), SK_CALL_EARLY);
	assert_int_equal(sk_call_dialogs(c), 2);
	uah_run(&h, 70);
	/* the first 2xx confirms its dialog (§13.2.2.4) */
	assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
	assert_int_equal(a->answered, 1);
	assert_int_equal(uah_count(a, true, "ACK", NULL), 1);
	assert_string_equal(uah_wire_to_tag(uah_nth(a, true, "ACK", NULL, 1), tag, sizeof(tag)),
	                    "fa");
	uah_run(&h, 70);
	/* the second one is ACKed, then hung up with a BYE; the first stays */
	assert_int_equal(sk_call_dialogs(c), 2);
	assert_int_equal(uah_count(a, true, "ACK", NULL), 2);
	const struct hw_wire *ack2 = uah_nth(a, true, "ACK", NULL, 2);
	assert_string_equal(uah_wire_to_tag(ack2, tag, sizeof(tag)), "fb");
	assert_int_equal(uah_count(a, true, "BYE", NULL), 1);
	const struct hw_wire *bye = uah_nth(a, true, "BYE", NULL, 1);
	assert_true(uah_index(a, ack2) < uah_index(a, bye));
	assert_string_equal(uah_wire_to_tag(bye, tag, sizeof(tag)), "fb");
	struct sk_msg *m = hw_wire_parse(bye);
	assert_str_view(sk_msg_ruri_str(m), "sip:carol@10.0.0.2");
	assert_int_equal(sk_msg_cseq(m)->num, 2);
	sk_msg_free(m);
	assert_int_equal(a->answered, 1);
	assert_int_equal(a->ended, 0);
	assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
	/* the call goes on in the first dialog: its BYE has To tag fa */
	assert_int_equal(sk_call_hangup(c), 0);
	uah_run(&h, 50);
	assert_int_equal(uah_count(a, true, "BYE", NULL), 2);
	assert_string_equal(uah_wire_to_tag(uah_nth(a, true, "BYE", NULL, 2), tag, sizeof(tag)),
	                    "fa");
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(a->last_dialogs, 2);
	uah_finish(&h);
}

/* ---- route sets (§12.1.1, §12.1.2, §12.2.1.1) -------------------------------- */

/* Two loose routers recorded: 10.0.0.4 nearer the callee, 10.0.0.3 nearer the caller. */
#define TWO_RR "Record-Route: <sip:p2@10.0.0.4:5060;lr>, <sip:p1@10.0.0.3:5060;lr>\r\n"

static void rr_callee(struct hw_node *n, struct sk_txn *st, const struct sk_msg *req,
                      struct sk_txn *invite)
{
	if (sk_txn_kind(st) != SK_TXN_IST) {
		hw_raw_default(n, st, req, invite);
		return;
	}
	assert_int_equal(
	    sk_test_respond(st, 200, "rr", TWO_RR "Contact: <sip:bob@10.0.0.2:5060>\r\n"), 0);
}

static void assert_routes_p1_p2(const struct sk_msg *m)
{
	assert_int_equal(sk_msg_addr_count(m, SK_HDR_ROUTE), 2);
	assert_str_view(sk_msg_addr(m, SK_HDR_ROUTE, 0)->raw, "<sip:p1@10.0.0.3:5060;lr>");
	assert_str_view(sk_msg_addr(m, SK_HDR_ROUTE, 1)->raw, "<sip:p2@10.0.0.4:5060;lr>");
}

/* UAC: the route set is the Record-Route reversed; ACK and BYE go to its first entry. */
static void test_route_set_uac(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 6, 3, 6);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1], *p1 = &h.nodes[2];
	b->raw_request = rr_callee;
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 50);
	assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
	assert_int_equal(sk_call_hangup(c), 0);
	uah_run(&h, 50);
	/* both went to p1 (10.0.0.3), the first route, not to the callee */
	assert_int_equal(p1->raw_acks, 1);
	assert_int_equal(b->raw_acks, 0);
	assert_string_equal(p1->events, "ACK BYE ");
	const struct hw_wire *w[2] = {uah_nth(a, true, "ACK", NULL, 1),
	                              uah_nth(a, true, "BYE", NULL, 1)};
	for (int i = 0; i < 2; i++) {
		assert_true(sk_sa_equal(&w[i]->flow.remote, &p1->addr));
		struct sk_msg *m = hw_wire_parse(w[i]);
		/* loose routing: the Request-URI stays the remote target */
		assert_str_view(sk_msg_ruri_str(m), "sip:bob@10.0.0.2:5060");
		assert_routes_p1_p2(m);
		sk_msg_free(m);
	}
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

static void strict_callee(struct hw_node *n, struct sk_txn *st, const struct sk_msg *req,
                          struct sk_txn *invite)
{
	if (sk_txn_kind(st) != SK_TXN_IST)
		hw_raw_default(n, st, req, invite);
	else
		assert_int_equal(sk_test_respond(st, 200, "sr",
		                                 "Record-Route: <sip:p2@10.0.0.4:5060;lr>, "
		                                 "<sip:p1@10.0.0.3:5060>\r\n"
		                                 "Contact: <sip:bob@10.0.0.2:5060>\r\n"),
		                 0);
}

/* §12.2.1.1: a strict router first (no lr): it is the Request-URI, the target the last Route. */
static void test_route_set_strict(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 18, 3, 6);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1], *p1 = &h.nodes[2];
	b->raw_request = strict_callee;
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 50);
	assert_int_equal(sk_call_hangup(c), 0);
	uah_run(&h, 50);
	assert_string_equal(p1->events, "ACK BYE ");
	struct sk_msg *m = uah_sent(a, "BYE", NULL, 1);
	assert_true(sk_sa_equal(&uah_nth(a, true, "BYE", NULL, 1)->flow.remote, &p1->addr));
	assert_str_view(sk_msg_ruri_str(m), "sip:p1@10.0.0.3:5060");
	assert_int_equal(sk_msg_addr_count(m, SK_HDR_ROUTE), 2);
	assert_str_view(sk_msg_addr(m, SK_HDR_ROUTE, 0)->raw, "<sip:p2@10.0.0.4:5060;lr>");
	assert_str_view(sk_msg_addr(m, SK_HDR_ROUTE, 1)->raw, "<sip:bob@10.0.0.2:5060>");
	sk_msg_free(m);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* UAS: the route set is the Record-Route in order; the 2xx copies it (§12.1.1). */
static void test_route_set_uas(void **state)
{
	(void)state;
	struct uah h;
	char buf[1024];
	uah_init(&h, 7, 3, 5);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1], *p1 = &h.nodes[2];
	a->raw_response = uah_raw_ack_hook;
	b->pol = (struct hw_policy){.ring_ms = -1, .answer_ms = 0};
	uah_raw_send(a, b, SK_PROTO_UDP,
	             uah_req(buf, sizeof(buf), "INVITE", "sip:bob@10.0.0.2",
	                     "<sip:alice@10.0.0.1>;tag=ra", "<sip:bob@10.0.0.2>", "rr-uas@test", 1,
	                     NULL,
	                     "Record-Route: <sip:p1@10.0.0.3:5060;lr>, "
	                     "<sip:p2@10.0.0.4:5060;lr>\r\n"
	                     "Contact: <sip:alice@10.0.0.1:5060>\r\n"));
	uah_run(&h, 50);
	assert_int_equal(b->answered, 1);
	struct sk_msg *ok = hw_wire_parse(uah_nth(b, true, "SIP/2.0 200", "INVITE", 1));
	assert_int_equal(sk_msg_addr_count(ok, SK_HDR_RECORD_ROUTE), 2);
	assert_str_view(sk_msg_addr(ok, SK_HDR_RECORD_ROUTE, 0)->raw, "<sip:p1@10.0.0.3:5060;lr>");
	sk_msg_free(ok);
	assert_int_equal(sk_call_hangup(b->call), 0);
	uah_run(&h, 50);
	assert_string_equal(p1->events, "BYE ");
	const struct hw_wire *w = uah_nth(b, true, "BYE", NULL, 1);
	assert_true(sk_sa_equal(&w->flow.remote, &p1->addr));
	struct sk_msg *bye = hw_wire_parse(w);
	assert_str_view(sk_msg_ruri_str(bye), "sip:alice@10.0.0.1:5060");
	assert_routes_p1_p2(bye);
	sk_msg_free(bye);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* ---- CSeq in a dialog (§12.2.1.1, §12.2.2) ------------------------------------ */

static void test_lower_cseq_500(void **state)
{
	(void)state;
	struct uah h;
	char buf[1024];
	uah_init(&h, 8, 2, 1);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	a->raw_response = uah_raw_ack_hook;
	b->pol = (struct hw_policy){.ring_ms = -1, .answer_ms = 0};
	const char *from = "<sip:alice@10.0.0.1>;tag=lc";
	uah_raw_send(a, b, SK_PROTO_UDP,
	             uah_req(buf, sizeof(buf), "INVITE", "sip:bob@10.0.0.2", from,
	                     "<sip:bob@10.0.0.2>", "cseq@test", 5, NULL,
	                     "Contact: <sip:alice@10.0.0.1:5060>\r\n"));
	uah_run(&h, 50);
	assert_int_equal(b->answered, 1);
	/* lower than the remote CSeq (5): out of order, 500 */
	uah_raw_send(a, b, SK_PROTO_UDP,
	             uah_req(buf, sizeof(buf), "OPTIONS", a->raw_target, from, a->raw_to,
	                     "cseq@test", 3, NULL, NULL));
	uah_run(&h, 50);
	assert_int_equal(a->raw_last_status, 500);
	assert_int_equal(sk_call_state(b->call), SK_CALL_CONFIRMED);
	/* higher: fine */
	uah_raw_send(a, b, SK_PROTO_UDP,
	             uah_req(buf, sizeof(buf), "OPTIONS", a->raw_target, from, a->raw_to,
	                     "cseq@test", 6, NULL, NULL));
	uah_run(&h, 50);
	assert_int_equal(a->raw_last_status, 200);
	/* 6 is now the remote CSeq: a BYE with 4 is refused, with 7 it ends the call */
	uah_raw_send(a, b, SK_PROTO_UDP,
	             uah_req(buf, sizeof(buf), "BYE", a->raw_target, from, a->raw_to, "cseq@test",
	                     4, NULL, NULL));
	uah_run(&h, 50);
	assert_int_equal(a->raw_last_status, 500);
	assert_int_equal(b->ended, 0);
	uah_raw_send(a, b, SK_PROTO_UDP,
	             uah_req(buf, sizeof(buf), "BYE", a->raw_target, from, a->raw_to, "cseq@test",
	                     7, NULL, NULL));
	uah_run(&h, 50);
	assert_int_equal(a->raw_last_status, 200);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* ---- the ACK for a 2xx and the 2xx retransmissions (§13.2.2.4, §13.3.1.4) ---- */

/* A lost ACK: the callee's 2xx comes again and the very same ACK answers it. */
static void test_ack_same_bytes(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 9, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = -1, .answer_ms = 10};
	struct hw_rule *ack = uah_rule(&h, "ACK", NULL, 0);
	ack->drop_nth = 1;
	struct hw_rule *ok = uah_rule(&h, "SIP/2.0 200", "INVITE", 1);
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 1000);
	assert_int_equal(ok->seen, 2); /* the 2xx at 10 ms, again at 10 + T1 */
	assert_int_equal(ok->times[1] - ok->times[0], 500);
	assert_int_equal(ack->seen, 2);
	const struct hw_wire *a1 = uah_nth(a, true, "ACK", NULL, 1);
	const struct hw_wire *a2 = uah_nth(a, true, "ACK", NULL, 2);
	assert_int_equal(a1->len, a2->len);
	assert_memory_equal(a1->data, a2->data, a1->len);
	assert_true(sk_sa_equal(&a1->flow.remote, &a2->flow.remote));
	assert_int_equal(a->answered, 1); /* once */
	assert_int_equal(b->answered, 1);
	assert_int_equal(sk_call_hangup(c), 0);
	uah_run(&h, 100);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* §13.3.1.4: the 2xx at T1, 2T1, 4T1 .. capped at T2; no ACK in 64*T1: BYE, TIMEOUT. */
static void test_2xx_retransmit_no_ack(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 10, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = -1, .answer_ms = 0};
	uah_rule(&h, "ACK", NULL, 0)->drop_nth = -1;
	struct hw_rule *ok = uah_rule(&h, "SIP/2.0 200", "INVITE", 1);
	struct hw_rule *bye = uah_rule(&h, "BYE", NULL, 1);
	uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 64 * 500 + 100);
	const uint64_t want[] = {0,     500,   1500,  3500,  7500, 11500,
	                         15500, 19500, 23500, 27500, 31500};
	assert_int_equal(ok->seen, 11);
	for (int i = 0; i < 11; i++)
		assert_int_equal(ok->times[i] - ok->times[0], want[i]);
	assert_int_equal(bye->seen, 1);
	assert_int_equal(bye->times[0] - ok->times[0], 64 * 500);
	assert_int_equal(b->answered, 0);
	assert_int_equal(b->outcomes[SK_OUTCOME_TIMEOUT], 1);
	/* the caller had the call up all along; the BYE ends it */
	assert_int_equal(a->answered, 1);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* ---- re-INVITE (§14) ------------------------------------------------------- */

static void test_reinvite_both_ways(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 11, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = -1, .answer_ms = 0};
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 50);
	assert_int_equal(b->answered, 1);
	/* §14.1: the caller's re-INVITE in the dialog, To with the tag, CSeq 2 */
	assert_int_equal(sk_call_reinvite(c, NULL), 0);
	assert_int_equal(sk_call_reinvite(c, NULL), -SK_ESTATE); /* one at a time */
	uah_run(&h, 50);
	assert_int_equal(sk_call_reinvite_status(c), 200);
	assert_int_equal(b->reinvites, 1);
	assert_int_equal(uah_count(a, true, "ACK", NULL), 2);
	struct sk_msg *re = hw_wire_parse(uah_nth(a, true, "INVITE", NULL, 2));
	assert_int_equal(sk_msg_cseq(re)->num, 2);
	assert_true(sk_msg_to(re)->tag.len > 0);
	sk_msg_free(re);
	/* §14.2: a second later the callee re-INVITEs: the caller's is long
	 * finished, no INVITE is in progress, so 200, not 491 */
	uah_run(&h, 1000);
	assert_int_equal(sk_call_reinvite(b->call, NULL), 0);
	uah_run(&h, 50);
	assert_int_equal(uah_count(a, true, "SIP/2.0 491", NULL), 0);
	assert_int_equal(sk_call_reinvite_status(b->call), 200);
	assert_int_equal(a->reinvites, 1);
	/* and the caller may re-INVITE again (hold, then resume) */
	assert_int_equal(sk_call_reinvite(c, NULL), 0);
	uah_run(&h, 50);
	assert_int_equal(sk_call_reinvite_status(c), 200);
	assert_int_equal(b->reinvites, 2);
	assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
	assert_int_equal(sk_call_hangup(c), 0);
	uah_run(&h, 50);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* §14.2: re-INVITEs crossing: each meets the other's in progress: 491 both ways. */
static void test_reinvite_glare(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 12, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = -1, .answer_ms = 0};
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 50);
	assert_int_equal(b->answered, 1);
	uah_rule(&h, "INVITE", NULL, -1)->delay = 50; /* both re-INVITEs in flight together */
	assert_int_equal(sk_call_reinvite(c, NULL), 0);
	assert_int_equal(sk_call_reinvite(b->call, NULL), 0);
	uah_run(&h, 200);
	assert_int_equal(uah_count(a, true, "SIP/2.0 491", NULL), 1);
	assert_int_equal(uah_count(b, true, "SIP/2.0 491", NULL), 1);
	assert_int_equal(sk_call_reinvite_status(c), 491);
	assert_int_equal(sk_call_reinvite_status(b->call), 491);
	assert_int_equal(a->reinvites + b->reinvites, 0);
	/* §14.1: a failed re-INVITE leaves the dialog and session as they were */
	assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
	assert_int_equal(sk_call_state(b->call), SK_CALL_CONFIRMED);
	assert_int_equal(sk_call_hangup(c), 0);
	uah_run(&h, 200);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* §14.2: a second INVITE before the final to the first: 500 with Retry-After. */
static void test_reinvite_500_pending(void **state)
{
	(void)state;
	struct uah h;
	char buf[1024];
	uah_init(&h, 17, 2, 1);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	a->raw_response = uah_raw_ack_hook;
	b->pol = (struct hw_policy){.ring_ms = -1, .answer_ms = 0, .reinvite_hold = true};
	const char *from = "<sip:alice@10.0.0.1>;tag=rp";
	uah_raw_send(a, b, SK_PROTO_UDP,
	             uah_req(buf, sizeof(buf), "INVITE", "sip:bob@10.0.0.2", from,
	                     "<sip:bob@10.0.0.2>", "pend@test", 1, NULL,
	                     "Contact: <sip:alice@10.0.0.1:5060>\r\n"));
	uah_run(&h, 50);
	assert_int_equal(b->answered, 1);
	struct sk_txn *re =
	    uah_raw_send(a, b, SK_PROTO_UDP,
	                 uah_req(buf, sizeof(buf), "INVITE", a->raw_target, from, a->raw_to,
	                         "pend@test", 2, NULL, "Contact: <sip:alice@10.0.0.1:5060>\r\n"));
	uah_run(&h, 50);
	assert_int_equal(b->reinvites, 1);
	/* the UA does not start one of its own while answering one */
	assert_int_equal(sk_call_reinvite(b->call, NULL), -SK_ESTATE);
	struct sk_msg *r;
	assert_int_equal(
	    uah_ask(&h,
	            uah_req(buf, sizeof(buf), "INVITE", a->raw_target, from, a->raw_to, "pend@test",
	                    3, NULL, "Contact: <sip:alice@10.0.0.1:5060>\r\n"),
	            &r),
	    500);
	assert_true(hw_has(r, "Retry-After"));
	sk_msg_free(r);
	assert_int_equal(b->reinvites, 1);
	/* the first one is still answered */
	assert_int_equal(sk_call_answer(b->call, NULL), 0);
	uah_run(&h, 50);
	assert_int_equal(sk_txn_status(re), 200);
	assert_int_equal(sk_call_reinvite_status(b->call), 200);
	assert_int_equal(sk_call_hangup(b->call), 0);
	uah_run(&h, 50);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* A callee that answers, then answers a re-INVITE, then resends its first 2xx. */
static void resend_callee(struct hw_node *n, struct sk_txn *st, const struct sk_msg *req,
                          struct sk_txn *invite)
{
	if (sk_txn_kind(st) != SK_TXN_IST) {
		hw_raw_default(n, st, req, invite);
		return;
	}
	if (!sk_msg_to(req)->tag.len)
		n->ctx = st; /* the initial INVITE */
	assert_int_equal(sk_test_respond(st, 200, "rs", "Contact: <sip:bob@10.0.0.2:5060>\r\n"), 0);
}

/*
 * §13.2.2.4: "The ACK MUST be passed to the client transport every time a
 * retransmission of the 2xx final response that triggered the ACK arrives".
 * A 2xx of the initial INVITE that comes again after a re-INVITE (its ACK
 * lost, say) is ACKed again; it is no other fork's 2xx to be hung up.
 */
static void test_initial_2xx_after_reinvite(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 13, 2, 2);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->raw_request = resend_callee;
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 50);
	assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
	assert_int_equal(sk_call_reinvite(c, NULL), 0);
	uah_run(&h, 50);
	assert_int_equal(sk_call_reinvite_status(c), 200);
	assert_int_equal(uah_count(a, true, "ACK", NULL), 2);
	/* the first 2xx again (its IST is Accepted for 64*T1, RFC 6026 §7.1) */
	assert_non_null(b->ctx);
	assert_int_equal(sk_test_respond(b->ctx, 200, "rs", "Contact: <sip:bob@10.0.0.2:5060>\r\n"),
	                 0);
	uah_run(&h, 50);
	assert_int_equal(uah_count(a, true, "ACK", NULL), 3);
	assert_int_equal(uah_wire_cseq(uah_nth(a, true, "ACK", NULL, 3)), 1);
	assert_int_equal(uah_count(a, true, "BYE", NULL), 0);
	assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
	assert_int_equal(a->answered, 1);
	assert_int_equal(sk_call_hangup(c), 0);
	uah_run(&h, 50);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* ---- what a UAS refuses (§8.2, §12.2.2, RFC 4475 §3.3) -------------------------- */

static void test_uas_rejects(void **state)
{
	(void)state;
	struct uah h;
	char buf[2048];
	struct sk_msg *r;
	struct sk_str s_mf0;
	uah_init(&h, 14, 2, 1);
	struct hw_node *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 0, .answer_ms = -1};

	/* §8.2.2, RFC 4475 §3.3.8: a single-valued header twice (CSeq): 400 */
	assert_int_equal(uah_ask(&h,
	                         uah_req(buf, sizeof(buf), "INVITE", "sip:bob@10.0.0.2", FROM_A,
	                                 TO_B, "r400a@test", 1, NULL, CT_A "CSeq: 2 INVITE\r\n"),
	                         NULL),
	                 400);
	/* §8.1.1.8: an INVITE's Contact is one URI, never "*": 400 (one without any
	 * Contact is taken, RFC 4475 §3.4.1: an RFC 2543 caller) */
	assert_int_equal(uah_ask(&h,
	                         uah_req(buf, sizeof(buf), "INVITE", "sip:bob@10.0.0.2", FROM_A,
	                                 TO_B, "r400b@test", 1, NULL, "Contact: *\r\n"),
	                         NULL),
	                 400);
	/* §8.2.3, RFC 4475 §3.3.6: a body we cannot read: 415 with Accept */
	int k = snprintf(buf, sizeof(buf),
	                 "INVITE sip:bob@10.0.0.2 SIP/2.0\r\nMax-Forwards: 70\r\nFrom: " FROM_A
	                 "\r\nTo: " TO_B "\r\nCall-ID: r415@test\r\nCSeq: 1 INVITE\r\n" CT_A
	                 "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
	assert_int_equal(uah_ask(&h, (struct sk_str){buf, (size_t)k}, &r), 415);
	uah_assert_hdr(r, "Accept", "application/sdp");
	sk_msg_free(r);
	/* §8.2.2.1, RFC 4475 §3.3.2: an unknown Request-URI scheme: 416 */
	assert_int_equal(uah_ask(&h,
	                         uah_req(buf, sizeof(buf), "INVITE", "foo:bob@10.0.0.2", FROM_A,
	                                 TO_B, "r416@test", 1, NULL, CT_A),
	                         NULL),
	                 416);
	/* §8.2.2.3, RFC 4475 §3.3.5: an unknown extension required: 420 with Unsupported */
	assert_int_equal(
	    uah_ask(&h,
	            uah_req(buf, sizeof(buf), "INVITE", "sip:bob@10.0.0.2", FROM_A, TO_B,
	                    "r420@test", 1, NULL, CT_A "Require: nothing-known\r\n"),
	            &r),
	    420);
	uah_assert_hdr(r, "Unsupported", "nothing-known");
	sk_msg_free(r);
	/* §8.2.1: a method known but not supported: 405 with Allow */
	assert_int_equal(uah_ask(&h,
	                         uah_req(buf, sizeof(buf), "REGISTER", "sip:10.0.0.2", FROM_A, TO_B,
	                                 "r405@test", 1, NULL, CT_A),
	                         &r),
	                 405);
	assert_true(sk_msg_list_has(r, SK_HDR_ALLOW, "INVITE"));
	assert_true(sk_msg_list_has(r, SK_HDR_ALLOW, "CANCEL"));
	sk_msg_free(r);
	/* §8.2.1: an unknown method: 501 with Allow */
	assert_int_equal(uah_ask(&h,
	                         uah_req(buf, sizeof(buf), "FOO", "sip:bob@10.0.0.2", FROM_A, TO_B,
	                                 "r501@test", 1, NULL, NULL),
	                         &r),
	                 501);
	assert_true(sk_msg_list_has(r, SK_HDR_ALLOW, "BYE"));
	sk_msg_free(r);
	/* RFC 4475 §3.1.2.18: an unknown method, CSeq another: 501 as well */
	assert_int_equal(uah_ask(&h,
	                         uah_req(buf, sizeof(buf), "NEWMETHOD", "sip:bob@10.0.0.2", FROM_A,
	                                 TO_B, "r501b@test", 8, "INVITE", NULL),
	                         NULL),
	                 501);
	/* RFC 4475 §3.3.15: an INVITE whose answer could not be SDP (Accept): 406 */
	assert_int_equal(
	    uah_ask(&h,
	            uah_req(buf, sizeof(buf), "INVITE", "sip:bob@10.0.0.2", FROM_A, TO_B,
	                    "r406@test", 1, NULL, CT_A "Accept: text/nobodyKnowsThis\r\n"),
	            NULL),
	    406);
	/* §11.2, RFC 4475 §3.3.11: OPTIONS (even with Max-Forwards 0 at a UAS): 200
	 * with Allow and Accept */
	s_mf0 = uah_req(buf, sizeof(buf), "OPTIONS", "sip:bob@10.0.0.2", FROM_A, TO_B, "mf0@test",
	                1, NULL, NULL);
	memcpy(strstr(buf, "Max-Forwards: 70"), "Max-Forwards: 00", 16);
	assert_int_equal(uah_ask(&h, s_mf0, NULL), 200);
	assert_int_equal(uah_ask(&h,
	                         uah_req(buf, sizeof(buf), "OPTIONS", "sip:bob@10.0.0.2", FROM_A,
	                                 TO_B, "opt@test", 1, NULL, NULL),
	                         &r),
	                 200);
	assert_true(sk_msg_list_has(r, SK_HDR_ALLOW, "OPTIONS"));
	assert_true(sk_msg_list_has(r, SK_HDR_ALLOW, "INVITE"));
	uah_assert_hdr(r, "Accept", "application/sdp");
	sk_msg_free(r);
	assert_int_equal(b->incoming, 0);
	assert_true(sk_ua_stats(b->ua).rejected_requests >= 9);
	uah_finish(&h);
}

/* §8.2.2.2: the same INVITE by a second path (new branch): 482, the first rings on. */
static void test_merged_request_482(void **state)
{
	(void)state;
	struct uah h;
	char buf[2048];
	uah_init(&h, 15, 2, 1);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 0, .answer_ms = -1};
	struct sk_str inv = uah_req(buf, sizeof(buf), "INVITE", "sip:bob@10.0.0.2", FROM_A, TO_B,
	                            "merge@test", 1, NULL, CT_A);
	struct sk_txn *first = uah_raw_send(a, b, SK_PROTO_UDP, inv);
	uah_run(&h, 20);
	assert_int_equal(a->raw_last_status, 180);
	uah_raw_send(a, b, SK_PROTO_UDP, inv); /* same bytes, new branch */
	uah_run(&h, 20);
	assert_int_equal(a->raw_last_status, 482);
	assert_int_equal(b->incoming, 1);
	assert_non_null(b->call);
	assert_int_equal(sk_call_state(b->call), SK_CALL_EARLY);
	/* the first INVITE is cancelled the proper way */
	assert_int_equal(sk_txn_cancel(first, NULL, NULL, NULL), SK_CANCEL_SENT);
	uah_run(&h, 20);
	assert_int_equal(a->raw_last_status, 487);
	assert_int_equal(b->outcomes[SK_OUTCOME_CANCELLED], 1);
	uah_finish(&h);
}

/* §12.2.2: a BYE or re-INVITE in no dialog: 481; a BYE without To tag too. */
static void test_481_no_dialog(void **state)
{
	(void)state;
	struct uah h;
	char buf[2048];
	uah_init(&h, 16, 2, 1);
	struct hw_node *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 0, .answer_ms = 0};
	assert_int_equal(uah_ask(&h,
	                         uah_req(buf, sizeof(buf), "BYE", "sip:bob@10.0.0.2", FROM_A,
	                                 TO_B ";tag=nope", "nodlg@test", 2, NULL, NULL),
	                         NULL),
	                 481);
	assert_int_equal(uah_ask(&h,
	                         uah_req(buf, sizeof(buf), "INVITE", "sip:bob@10.0.0.2", FROM_A,
	                                 TO_B ";tag=nope", "nodlg@test", 3, NULL, CT_A),
	                         NULL),
	                 481);
	assert_int_equal(uah_ask(&h,
	                         uah_req(buf, sizeof(buf), "BYE", "sip:bob@10.0.0.2", FROM_A, TO_B,
	                                 "nodlg2@test", 1, NULL, NULL),
	                         NULL),
	                 481);
	assert_int_equal(b->incoming, 0);
	assert_int_equal(sk_ua_stats(b->ua).resp_481, 3);
	uah_finish(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_call_answered_bye),
	    cmocka_unit_test(test_callee_hangs_up),
	    cmocka_unit_test(test_call_rejected),
	    cmocka_unit_test(test_call_timer_b),
	    cmocka_unit_test(test_forked_dialogs),
	    cmocka_unit_test(test_route_set_uac),
	    cmocka_unit_test(test_route_set_strict),
	    cmocka_unit_test(test_route_set_uas),
	    cmocka_unit_test(test_lower_cseq_500),
	    cmocka_unit_test(test_ack_same_bytes),
	    cmocka_unit_test(test_2xx_retransmit_no_ack),
	    cmocka_unit_test(test_reinvite_both_ways),
	    cmocka_unit_test(test_reinvite_glare),
	    cmocka_unit_test(test_reinvite_500_pending),
	    cmocka_unit_test(test_initial_2xx_after_reinvite),
	    cmocka_unit_test(test_uas_rejects),
	    cmocka_unit_test(test_merged_request_482),
	    cmocka_unit_test(test_481_no_dialog),
	};
	return cmocka_run_group_tests_name("ua", tests, NULL, NULL);
}
