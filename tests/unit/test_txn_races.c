/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CANCEL races on simnet (§9, §17, RFC 6026): the loss of each message of a
 * cancelled call, random loss, duplication and reordering over many seeds,
 * and the callee's 200 crossing the CANCEL. After every run, once the timers
 * have run out, both transaction tables are empty.
 */
#include "sim_harness.h"

/* The callee: 100 Trying from the layer at 200 ms, 180 at 300 ms; on CANCEL, 200 and 487. */
struct callee {
	struct sk_timer ring_timer;
	struct node *n;
	int answer_ms; /* > 0: answers 200 at that time instead of waiting for a CANCEL */
	int finals_sent, oks_sent;
};

static struct callee callees[SIM_MAX_NODES];

static void callee_ring(void *arg)
{
	struct callee *c = arg;
	struct node *n = c->n;
	if (!n->ist || sk_txn_status(n->ist) >= 180)
		return;
	if (c->answer_ms > 0) {
		assert_int_equal(sk_txn_reply(n->ist, 200, NULL, "callee"), 0);
		c->oks_sent++;
		return;
	}
	assert_int_equal(sk_txn_reply(n->ist, 180, NULL, "callee"), 0);
}

static void callee_request(struct node *n, struct sk_txn *st, const struct sk_msg *req,
                           struct sk_txn *target)
{
	struct callee *c = &callees[n->idx];
	(void)req;
	if (sk_txn_kind(st) == SK_TXN_IST) {
		sk_timer_start(n->sim->w.timers, &c->ring_timer,
		               c->answer_ms > 0 ? (uint64_t)c->answer_ms : 300);
		return;
	}
	if (!target) {
		assert_int_equal(sk_txn_reply(st, 481, NULL, "callee"), 0);
		return;
	}
	/* §9.2: 200 to the CANCEL; 487 to the INVITE only if it has no final yet */
	assert_int_equal(sk_txn_reply(st, 200, NULL, "callee"), 0);
	if (sk_txn_status(target) < 200) {
		assert_int_equal(sk_txn_reply(target, 487, NULL, "callee"), 0);
		c->finals_sent++;
	}
}

/* The caller cancels on the first provisional, or at a set time (a user hanging up). */
static bool cancel_on_provisional;
static struct sk_timer hangup_timer;

static void caller_hangup(void *arg)
{
	struct node *n = arg;
	if (n->ct) {
		int rc = sim_cancel(n->ct, NULL);
		assert_true(rc == SK_CANCEL_SENT || rc == SK_CANCEL_DEFERRED);
	}
}

static void caller_response(struct node *n, struct sk_txn *ct, const struct sk_msg *resp)
{
	(void)n;
	if (cancel_on_provisional && sk_txn_kind(ct) == SK_TXN_ICT && sk_msg_status(resp) < 200) {
		int rc = sim_cancel(ct, "SIP;cause=487;text=\"caller gave up\"");
		assert_true(rc == SK_CANCEL_SENT || rc == SK_CANCEL_ALREADY);
	}
}

static void setup(struct sim *s, uint64_t seed, int answer_ms)
{
	sim_init(s, seed, 2, NULL);
	memset(callees, 0, sizeof(callees));
	for (int i = 0; i < 2; i++) {
		callees[i].n = &s->nodes[i];
		callees[i].answer_ms = answer_ms;
		sk_timer_init(&callees[i].ring_timer, callee_ring, &callees[i]);
	}
	s->nodes[1].on_request = callee_request;
	s->nodes[0].on_response = caller_response;
	cancel_on_provisional = true;
	sk_timer_init(&hangup_timer, caller_hangup, &s->nodes[0]);
}

static void call(struct sim *s, enum sk_proto proto)
{
	char buf[1024];
	size_t len = sim_request(buf, sizeof(buf), "INVITE", &s->nodes[0], &s->nodes[1],
	                         "race@test", 1, NULL);
	struct sk_target dst = sim_target(&s->nodes[1], proto);
	assert_int_equal(sk_txn_request(s->nodes[0].txl, (struct sk_str){buf, len}, &dst,
	                                &h_handler, &s->nodes[0], &s->nodes[0].ct),
	                 0);
}

static void finish(struct sim *s)
{
	sk_timer_stop(s->w.timers, &callees[1].ring_timer);
	sk_timer_stop(s->w.timers, &hangup_timer);
	sim_run(s, 5 * 60 * 1000);
	for (int i = 0; i < s->n; i++)
		assert_int_equal(sk_txl_count(s->nodes[i].txl), 0);
	sim_free(s);
}

/*
 * Losing any one message of INVITE/100/180/CANCEL/200/487/ACK: the call still
 * ends cancelled. A lost INVITE makes the hang-up come before any provisional:
 * the CANCEL then waits for one (§9.1).
 */
static void test_lose_each_message(void **state)
{
	(void)state;
	static const struct {
		const char *start, *cseq;
		int from;
	} msgs[] = {
	    {"INVITE", NULL, 0}, {"SIP/2.0 100", NULL, 1},     {"SIP/2.0 180", NULL, 1},
	    {"CANCEL", NULL, 0}, {"SIP/2.0 200", "CANCEL", 1}, {"SIP/2.0 487", NULL, 1},
	    {"ACK", NULL, 0},
	};
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		struct sim s;
		struct hw_rules rs;
		setup(&s, 100 + i, 0);
		sim_rules_install(&s, &rs);
		struct hw_rule *r = sim_rule_add(&rs, msgs[i].start, msgs[i].cseq, msgs[i].from);
		r->drop_nth = 1;
		struct hw_rule *ack = sim_rule_add(&rs, "ACK", NULL, 0);
		/* the caller hangs up at 400 ms: after the 100 (200 ms) and the 180 (300 ms) */
		cancel_on_provisional = false;
		sk_timer_start(s.w.timers, &hangup_timer, 400);
		call(&s, SK_PROTO_UDP);
		sim_run(&s, 64 * 500);
		struct node *a = &s.nodes[0], *b = &s.nodes[1];
		if (r->seen < 1)
			fail_msg("%s never sent", msgs[i].start);
		assert_int_equal(a->resp[4], 1); /* one 487 reached the caller's user */
		assert_int_equal(a->last_status == 487 || a->last_status == 200, 1);
		assert_int_equal(b->cancels, 1);  /* the CANCEL processed once */
		assert_int_equal(b->requests, 2); /* INVITE and CANCEL, each once */
		assert_int_equal(a->failed + b->failed, 0);
		assert_true(ack->seen >= 1);
		if (strcmp(msgs[i].start, "ACK") == 0)
			assert_int_equal(ack->seen, 2); /* the 487 came again and was ACKed again */
		finish(&s);
	}
}

/* Random loss, duplication and delay (so reordering), over many seeds. */
static void test_random_conditions(void **state)
{
	(void)state;
	int cancelled = 0, reordered = 0;
	uint64_t lost = 0, duplicated = 0;
	const int seeds = 300;
	for (int seed = 0; seed < seeds; seed++) {
		struct sim s;
		setup(&s, 1000 + (uint64_t)seed, 0);
		struct sk_simnet_link link = {.loss_pm = (uint32_t)(seed % 4) * 100, /* 0..30 % */
		                              .dup_pm = 100,
		                              .delay_min_ms = 1,
		                              .delay_max_ms = 150};
		sk_simnet_set_link(s.w.sn, &link);
		call(&s, SK_PROTO_UDP);
		sim_run(&s, 64 * 500 + 1000);
		struct node *a = &s.nodes[0], *b = &s.nodes[1];
		/* never processed twice, whatever was duplicated */
		assert_true(b->cancels <= 1);
		assert_true(b->requests <= 2);
		/* the caller's user saw exactly one final, a 487, and no failure */
		assert_int_equal(a->resp[4], 1);
		assert_int_equal(a->resp[2] == 0 || a->resp[2] == 1, 1); /* the CANCEL's 200 */
		assert_int_equal(a->failed, 0);
		if (strstr(a->events, "487/INVITE 200/CANCEL"))
			reordered++;
		lost += sk_simnet_stats(s.w.sn).lost;
		duplicated += sk_simnet_stats(s.w.sn).duplicated;
		cancelled++;
		finish(&s);
	}
	assert_int_equal(cancelled, seeds);
	assert_true(reordered > 0); /* the 487 did overtake the CANCEL's 200 in some runs */
	assert_true(lost > 200 && duplicated > 100); /* the conditions were really hostile */
	print_message("%d seeds: %llu datagrams lost, %llu duplicated, %d runs reordered\n", seeds,
	              (unsigned long long)lost, (unsigned long long)duplicated, reordered);
}

/*
 * The callee answers 200 around the time the CANCEL arrives. Either the CANCEL
 * wins (487) or the 200 does (the call is up, the CANCEL gets 200 and nothing
 * else): never both a 2xx and a 487 at the caller.
 */
static void test_200_crosses_cancel(void **state)
{
	(void)state;
	int answered = 0, cancelled = 0;
	for (int seed = 0; seed < 200; seed++) {
		struct sim s;
		/* the CANCEL leaves on the 100 at ~201 ms and lands ~1..40 ms later */
		setup(&s, 5000 + (uint64_t)seed, 200 + seed % 40);
		struct sk_simnet_link link = {.delay_min_ms = 1, .delay_max_ms = 40};
		sk_simnet_set_link(s.w.sn, &link);
		call(&s, SK_PROTO_UDP);
		sim_run(&s, 64 * 500 + 1000);
		struct node *a = &s.nodes[0], *b = &s.nodes[1];
		int got200 = strstr(a->events, "200/INVITE") != NULL;
		int got487 = strstr(a->events, "487/INVITE") != NULL;
		assert_int_equal(got200 + got487, 1);
		assert_int_equal(a->failed, 0);
		if (b->cancels) {
			/* a CANCEL that came found its INVITE and got its 200 */
			assert_int_equal(b->cancel_targets, 1);
			assert_non_null(strstr(a->events, "200/CANCEL"));
		}
		if (got200) {
			answered++;
			assert_int_equal(callees[1].finals_sent, 0); /* no 487 after the 200 */
		} else {
			cancelled++;
		}
		finish(&s);
	}
	assert_true(answered > 0 && cancelled > 0); /* both outcomes were exercised */
}

/* The same cancelled call over TCP, where timers D, I, J, K are zero. */
static void test_cancel_over_tcp(void **state)
{
	(void)state;
	struct sim s;
	setup(&s, 42, 0);
	call(&s, SK_PROTO_TCP);
	sim_run(&s, 1000);
	struct node *a = &s.nodes[0], *b = &s.nodes[1];
	assert_string_equal(a->events, "100/INVITE 200/CANCEL 487/INVITE ");
	assert_int_equal(b->cancels, 1);
	/* the CANCEL went on the INVITE's connection (§9.1) */
	assert_int_equal(sk_tp_stats(a->tp).conns_opened, 1);
	assert_int_equal(sk_tp_stats(b->tp).conns_opened, 1);
	assert_int_equal(sk_txl_count(a->txl) + sk_txl_count(b->txl), 0);
	finish(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lose_each_message),
	    cmocka_unit_test(test_random_conditions),
	    cmocka_unit_test(test_200_crosses_cancel),
	    cmocka_unit_test(test_cancel_over_tcp),
	};
	return cmocka_run_group_tests_name("txn races", tests, NULL, NULL);
}
