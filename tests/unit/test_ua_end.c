/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How calls end in the UA core (RFC 3261 §15, §13.3.1.4, §14), on simnet and
 * virtual time: hang-ups while a re-INVITE is pending or crossing the BYE,
 * the callee hanging up before the ACK or before answering, calls over TCP,
 * to oneself and to nobody, an RFC 2543 caller without Contact, and a seeded
 * sweep of answered calls with re-INVITEs and hang-ups from either side
 * under loss, duplication and reordering. After every scenario, once the
 * timers have run out, no node has a call or a transaction left.
 */
#include "ua_harness.h"

/* §15.1.2: a re-INVITE still pending when the call is hung up gets its final, 487. */
static void test_hangup_pending_reinvite(void **state)
{
	(void)state;
	for (int who = 0; who < 2; who++) {
		struct uah h;
		uah_init(&h, 301 + (uint64_t)who, 2, 0);
		struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
		b->pol = (struct hw_policy){.ring_ms = -1, .answer_ms = 0, .reinvite_hold = true};
		struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
		uah_run(&h, 50);
		assert_int_equal(sk_call_reinvite(c, NULL), 0);
		uah_run(&h, 300);
		assert_int_equal(b->reinvites, 1);
		/* who 0: the caller hangs up on its own pending re-INVITE (the callee's
		 * §15.1.2 duty); who 1: the callee hangs up on the one it sits on */
		assert_int_equal(sk_call_hangup(who ? b->call : c), 0);
		uah_run(&h, 100);
		const struct hw_wire *r487 = uah_nth(b, true, "SIP/2.0 487", "INVITE", 1);
		const struct hw_wire *bye = uah_nth(b, who ? true : false, "BYE", NULL, 1);
		assert_non_null(r487);
		assert_non_null(bye);
		if (who) /* the answer before the BYE */
			assert_true(uah_index(b, r487) < uah_index(b, bye));
		assert_int_equal(uah_count(a, false, "SIP/2.0 487", "INVITE"), 1);
		assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
		assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
		uah_finish(&h);
	}
}

/*
 * §15.1.1: once its BYE is out the session is over: no re-INVITE from us,
 * and one from the peer that crossed the BYE is terminated by it (487).
 */
static void test_reinvite_crosses_bye(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 303, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = -1, .answer_ms = 0};
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 50);
	assert_int_equal(b->answered, 1);
	uah_rule(&h, "BYE", NULL, 1)->delay = 100;
	assert_int_equal(sk_call_hangup(b->call), 0);
	assert_int_equal(sk_call_reinvite(b->call, NULL), -SK_ESTATE);
	assert_int_equal(sk_call_reinvite(c, NULL), 0); /* the caller has not heard yet */
	uah_run(&h, 50);
	assert_int_equal(uah_count(b, true, "SIP/2.0 487", "INVITE"), 1);
	assert_int_equal(b->reinvites, 0);
	assert_int_equal(sk_call_reinvite_status(c), 487);
	assert_int_equal(uah_count(b, true, "INVITE", NULL), 0);
	uah_run(&h, 200);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* §15.1.1: the callee may not BYE before the ACK (or 64*T1 without it). */
static void test_callee_hangup_before_ack(void **state)
{
	(void)state;
	for (int lost = 0; lost < 2; lost++) {
		struct uah h;
		uah_init(&h, 304 + (uint64_t)lost, 2, 0);
		struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
		b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = -1};
		uah_rule(&h, "ACK", NULL, 0)->drop_nth = lost ? -1 : 1;
		struct hw_rule *bye = uah_rule(&h, "BYE", NULL, 1);
		uah_call(a, b, SK_PROTO_UDP);
		uah_run(&h, 50);
		assert_int_equal(sk_call_answer(b->call, NULL), 0);
		assert_int_equal(sk_call_hangup(b->call), 0);
		uah_run(&h, 400);
		assert_int_equal(bye->seen, 0);
		uah_run(&h, 64 * 500);
		assert_int_equal(bye->seen, 1);
		/* lost 0: the second ACK came at T1, the BYE right after it; lost 1:
		 * no ACK at all, the BYE at 64*T1 and the outcome TIMEOUT */
		assert_int_equal(bye->times[0], lost ? 50 + 64 * 500 : 50 + 500 + 2);
		assert_int_equal(b->outcomes[lost ? SK_OUTCOME_TIMEOUT : SK_OUTCOME_ANSWERED], 1);
		assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
		uah_finish(&h);
	}
}

/* §13.3.1.3: the callee hangs up before answering: 480, REJECTED both sides. */
static void test_callee_hangup_unanswered(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 306, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = -1};
	uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 50);
	assert_int_equal(sk_call_hangup(b->call), 0);
	uah_run(&h, 50);
	assert_string_equal(a->events, "r180 r480 ended:rejected ");
	assert_string_equal(b->events, "incoming ended:rejected ");
	assert_int_equal(a->last_status, 480);
	uah_finish(&h);
}

/* A call over TCP, hung up by the callee: every request on TCP (§18.1.1). */
static void test_call_tcp(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 307, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = 100};
	struct sk_call *c = uah_call(a, b, SK_PROTO_TCP);
	uah_run(&h, 200);
	assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
	assert_int_equal(b->answered, 1);
	/* §13.3.1.4: over a reliable transport the 2xx is sent once */
	uah_run(&h, 5000);
	assert_int_equal(uah_count(b, true, "SIP/2.0 200", "INVITE"), 1);
	assert_int_equal(sk_call_hangup(b->call), 0);
	uah_run(&h, 100);
	const struct hw_wire *ack = uah_nth(a, true, "ACK", NULL, 1);
	const struct hw_wire *bye = uah_nth(b, true, "BYE", NULL, 1);
	assert_int_equal(ack->flow.proto, SK_PROTO_TCP);
	assert_int_equal(bye->flow.proto, SK_PROTO_TCP);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/*
 * §17.1.4: the TCP connection breaks with a re-INVITE pending; the BYE the
 * caller then writes fails at once, and the same failure ends the
 * re-INVITE's transaction: the call still ends and is freed (before the
 * fix its reference was lost with that callback), the dialog is torn down.
 */
static void test_tcp_break_then_hangup(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 315, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = -1, .answer_ms = 0, .reinvite_hold = true};
	struct sk_call *c = uah_call(a, b, SK_PROTO_TCP);
	uah_run(&h, 50);
	assert_int_equal(sk_call_reinvite(c, NULL), 0);
	uah_run(&h, 300);
	assert_int_equal(b->reinvites, 1);
	assert_true(sk_simnet_drop_conns(h.w.sn, &b->addr) > 0);
	sk_call_hangup(c); /* its first BYE fails on the broken connection */
	uah_run(&h, 200);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* A UA calling itself: two calls with one Call-ID, told apart by their tags. */
static void test_call_self(void **state)
{
	(void)state;
	struct uah h;
	char uri[96];
	uah_init(&h, 308, 1, 0);
	struct hw_node *a = &h.nodes[0];
	a->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = 100};
	struct sk_call_params p = {.to = uah_uri(a, uri, sizeof(uri))};
	struct sk_call *c = NULL;
	assert_int_equal(sk_call_invite(a->ua, &p, &c), 0);
	uah_run(&h, 200);
	assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
	assert_int_equal(a->answered, 2);
	assert_int_equal(sk_ua_calls(a->ua), 2);
	assert_int_equal(sk_call_hangup(c), 0);
	uah_run(&h, 100);
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 2);
	uah_finish(&h);
}

/* §17.1.4: nobody listens over TCP: the call FAILED, not left waiting. */
static void test_call_refused(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 309, 1, 0);
	struct hw_node *a = &h.nodes[0];
	struct sk_call_params p = {.to = "sip:x@10.0.0.9:5060", .proto = SK_PROTO_TCP};
	struct sk_call *c = NULL;
	int rc = sk_call_invite(a->ua, &p, &c);
	uah_run(&h, 1000);
	if (rc == 0)
		assert_string_equal(a->events, "ended:failed ");
	else
		assert_int_equal(sk_ua_calls(a->ua), 0);
	uah_finish(&h);
}

/* RFC 4475 §3.4.1: an RFC 2543 caller without Contact: reached at its From URI. */
static void test_invite_without_contact(void **state)
{
	(void)state;
	struct uah h;
	char buf[1024];
	uah_init(&h, 310, 2, 1);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	a->raw_response = uah_raw_ack_hook;
	b->pol = (struct hw_policy){.ring_ms = -1, .answer_ms = 0};
	uah_raw_send(a, b, SK_PROTO_UDP,
	             uah_req(buf, sizeof(buf), "INVITE", "sip:bob@10.0.0.2",
	                     "<sip:carol@10.0.0.1:5060>;tag=nc", "<sip:bob@10.0.0.2>", "nc@test", 1,
	                     NULL, NULL));
	uah_run(&h, 50);
	assert_int_equal(b->answered, 1);
	assert_int_equal(sk_call_hangup(b->call), 0);
	uah_run(&h, 50);
	struct sk_msg *bye = uah_sent(b, "BYE", NULL, 1);
	assert_str_view(sk_msg_ruri_str(bye), "sip:carol@10.0.0.1:5060");
	sk_msg_free(bye);
	assert_int_equal(b->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* A callee that answers the INVITE and refuses re-INVITEs with 481. */
static void re481_callee(struct hw_node *n, struct sk_txn *st, const struct sk_msg *req,
                         struct sk_txn *invite)
{
	if (sk_txn_kind(st) != SK_TXN_IST)
		hw_raw_default(n, st, req, invite);
	else if (sk_msg_to(req)->tag.len)
		assert_int_equal(sk_test_respond(st, 481, NULL, NULL), 0);
	else
		assert_int_equal(
		    sk_test_respond(st, 200, "re", "Contact: <sip:bob@10.0.0.2:5060>\r\n"), 0);
}

/* §12.2.1.2: a 481, or no answer at all (Timer B, as a 408), to a re-INVITE ends the dialog. */
static void test_reinvite_481_408(void **state)
{
	(void)state;
	for (int timeout = 0; timeout < 2; timeout++) {
		struct uah h;
		uah_init(&h, 311 + (uint64_t)timeout, 2, 2);
		struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
		b->raw_request = re481_callee;
		struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
		uah_run(&h, 50);
		assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
		if (timeout)
			uah_rule(&h, "INVITE", NULL, 0)->drop_nth = -1;
		assert_int_equal(sk_call_reinvite(c, NULL), 0);
		uah_run(&h, timeout ? 64 * 500 + 50 : 50);
		assert_int_equal(uah_count(a, true, "BYE", NULL), 1);
		assert_int_equal(a->last_reinvite_status, timeout ? 408 : 481);
		assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
		uah_finish(&h);
	}
}

/* Two phones answer a forked call; the second one hangs up as soon as it has its ACK. */
static void fork_bye_callee(struct hw_node *n, struct sk_txn *st, const struct sk_msg *req,
                            struct sk_txn *invite)
{
	if (sk_txn_kind(st) != SK_TXN_IST) {
		hw_raw_default(n, st, req, invite);
		return;
	}
	assert_int_equal(sk_test_respond(st, 200, "fa", "Contact: <sip:bob@10.0.0.2>\r\n"), 0);
	assert_int_equal(sk_test_respond(st, 200, "fb", "Contact: <sip:carol@10.0.0.2>\r\n"), 0);
}

static void fork_bye_ack(struct hw_node *n, struct sk_txn *ist, const struct sk_msg *ack)
{
	char buf[1024], from[128], to[128], call_id[128];
	(void)ist;
	if (!sk_str_eq(sk_msg_to(ack)->tag, SK_STR_LIT("fb")))
		return;
	sk_str_cpy(from, sizeof(from), hw_hdr(ack, "To"));
	sk_str_cpy(to, sizeof(to), hw_hdr(ack, "From"));
	sk_str_cpy(call_id, sizeof(call_id), sk_msg_call_id(ack));
	uah_raw_send(n, &((struct uah *)n->h)->nodes[0], SK_PROTO_UDP,
	             uah_req(buf, sizeof(buf), "BYE", "sip:alice@10.0.0.1:5060", from, to, call_id,
	                     1, NULL, NULL));
}

/*
 * §13.2.2.4, §15.1.2: the second phone's dialog is ACKed and hung up; a BYE
 * of its own that crosses ours ends that dialog alone, never the call that
 * goes on in the first one.
 */
static void test_fork_bye_crosses(void **state)
{
	(void)state;
	struct uah h;
	char tag[32];
	uah_init(&h, 314, 2, 2);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->raw_request = fork_bye_callee;
	b->raw_ack = fork_bye_ack;
	struct sk_call *c = uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 50);
	assert_int_equal(uah_count(b, true, "BYE", NULL), 1);
	struct sk_msg *ok = uah_sent(a, "SIP/2.0 200", "BYE", 1); /* to the second phone's BYE */
	assert_str_view(sk_msg_from(ok)->tag, "fb");
	sk_msg_free(ok);
	assert_int_equal(a->ended, 0);
	assert_int_equal(sk_call_state(c), SK_CALL_CONFIRMED);
	assert_int_equal(sk_call_hangup(c), 0);
	uah_run(&h, 50);
	assert_string_equal(uah_wire_to_tag(uah_nth(a, true, "BYE", NULL, 2), tag, sizeof(tag)),
	                    "fa");
	assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED], 1);
	uah_finish(&h);
}

/* sk_ua_free with calls in every state: no callback, nothing leaked (ASan). */
static void test_free_mid_call(void **state)
{
	(void)state;
	struct uah h;
	uah_init(&h, 313, 2, 0);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = 100};
	uah_call(a, b, SK_PROTO_UDP);
	uah_run(&h, 200);
	b->pol.answer_ms = -1;
	uah_call(a, b, SK_PROTO_TCP); /* ringing */
	uah_call(a, b, SK_PROTO_UDP); /* cancelled, its CANCEL in flight */
	uah_run(&h, 50);
	assert_int_equal(sk_call_cancel(a->call, NULL), SK_CANCEL_SENT);
	assert_int_equal(sk_ua_calls(a->ua), 3);
	int ended = a->ended + b->ended;
	uah_free(&h);
	assert_int_equal(ended, 0);
}

/* ---- a seeded sweep of answered calls ------------------------------------------ */

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

static void sweep_reinvite(struct uah *h, void *arg)
{
	struct hw_node *n = &h->nodes[(intptr_t)arg];
	if (n->call) {
		int rc = sk_call_reinvite(n->call, NULL);
		assert_true(rc == 0 || rc == -SK_ESTATE);
	}
}

static void sweep_hangup(struct uah *h, void *arg)
{
	struct hw_node *n = &h->nodes[(intptr_t)arg];
	if (!n->call) /* the INVITE has not reached the callee yet: the caller then */
		n = &h->nodes[0];
	if (n->call)
		assert_int_equal(sk_call_hangup(n->call), 0);
}

/*
 * Answered calls (UDP or TCP) under 0-25 % loss, 10 % duplication and
 * 1-300 ms delay; five re-INVITEs at random times from either side (some
 * held a while by a slow callee), then a hang-up by either side. Both ends
 * reach the same outcome and nothing is left behind.
 */
static void test_answered_sweep(void **state)
{
	(void)state;
	const int seeds = 150;
	int reinvites = 0, answered = 0;
	for (int seed = 0; seed < seeds; seed++) {
		struct uah h;
		uint64_t r = 0xa11ce000u + (uint64_t)seed;
		uah_init(&h, 4000 + (uint64_t)seed, 2, 0);
		struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
		struct sk_simnet_link link = {.loss_pm = (uint32_t)(seed % 6) * 50,
		                              .dup_pm = 100,
		                              .delay_min_ms = 1,
		                              .delay_max_ms = 1 + (uint32_t)(lcg(&r) % 300)};
		sk_simnet_set_link(h.w.sn, &link);
		b->pol = (struct hw_policy){.ring_ms = 10, .answer_ms = 100 + (int)(lcg(&r) % 500)};
		uah_call(a, b, lcg(&r) % 3 == 0 ? SK_PROTO_TCP : SK_PROTO_UDP);
		for (int k = 0; k < 5; k++)
			uah_at(&h, 500 + lcg(&r) % 8000, sweep_reinvite,
			       (void *)(intptr_t)(lcg(&r) % 2));
		uah_at(&h, 9000 + lcg(&r) % 3000, sweep_hangup, (void *)(intptr_t)(lcg(&r) % 2));
		uah_run(&h, 12000 + 64 * 500 + 10000);
		/* a hang-up before the answer (a slow INVITE) is a CANCEL, possibly late */
		enum sk_call_outcome want = a->last_outcome == SK_OUTCOME_ANSWERED_LATE
		                                ? SK_OUTCOME_ANSWERED
		                                : a->last_outcome;
		if (a->ended != 1 || b->ended != 1 || b->last_outcome != want ||
		    (want != SK_OUTCOME_ANSWERED && want != SK_OUTCOME_CANCELLED)) {
			uah_dump(&h);
			fail_msg("seed %d: ended %d/%d, %s/%s", seed, a->ended, b->ended,
			         sk_call_outcome_name(a->last_outcome),
			         sk_call_outcome_name(b->last_outcome));
		}
		answered += a->last_outcome == SK_OUTCOME_ANSWERED;
		reinvites += a->reinvites + b->reinvites;
		uah_finish(&h);
	}
	print_message("%d seeds: %d answered, %d re-INVITEs answered\n", seeds, answered,
	              reinvites);
	assert_true(answered > seeds * 9 / 10 && reinvites > seeds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hangup_pending_reinvite),
	    cmocka_unit_test(test_reinvite_crosses_bye),
	    cmocka_unit_test(test_callee_hangup_before_ack),
	    cmocka_unit_test(test_callee_hangup_unanswered),
	    cmocka_unit_test(test_call_tcp),
	    cmocka_unit_test(test_tcp_break_then_hangup),
	    cmocka_unit_test(test_call_self),
	    cmocka_unit_test(test_call_refused),
	    cmocka_unit_test(test_invite_without_contact),
	    cmocka_unit_test(test_reinvite_481_408),
	    cmocka_unit_test(test_fork_bye_crosses),
	    cmocka_unit_test(test_free_mid_call),
	    cmocka_unit_test(test_answered_sweep),
	};
	return cmocka_run_group_tests_name("ua end", tests, NULL, NULL);
}
