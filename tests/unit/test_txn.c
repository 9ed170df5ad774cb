/* SPDX-License-Identifier: BSD-3-Clause */
/* The four transaction machines and their timers, on simnet and virtual time (§17). */
#include "sim_harness.h"

/* ---- server reactions ---------------------------------------------------- */

static void ring(struct node *n, struct sk_txn *st, const struct sk_msg *req, struct sk_txn *target)
{
	(void)req;
	if (sk_txn_kind(st) == SK_TXN_IST) {
		assert_int_equal(sk_txn_reply(st, 180, NULL, "b1"), 0);
	} else if (sk_str_caseeq_c(sk_txn_method(st), "CANCEL")) {
		/* §9.2: 200 to the CANCEL, 487 to the INVITE if it is still pending */
		if (!target) {
			assert_int_equal(sk_txn_reply(st, 481, NULL, "b1"), 0);
			return;
		}
		assert_int_equal(sk_txn_reply(st, 200, NULL, "b1"), 0);
		if (sk_txn_kind(target) == SK_TXN_IST && sk_txn_status(target) < 200)
			assert_int_equal(sk_txn_reply(target, 487, NULL, "b1"), 0);
	} else {
		assert_int_equal(sk_txn_reply(st, 200, NULL, "b1"), 0);
	}
	(void)n;
}

static __attribute__((unused)) void silent(struct node *n, struct sk_txn *st,
                                           const struct sk_msg *req, struct sk_txn *target)
{
	(void)n;
	(void)st;
	(void)req;
	(void)target;
}

static struct sk_txn *send_req(struct sim *s, int from, int to, const char *method,
                               enum sk_proto proto, const char *call_id)
{
	char buf[1024];
	size_t len =
	    sim_request(buf, sizeof(buf), method, &s->nodes[from], &s->nodes[to], call_id, 1, NULL);
	struct sk_target dst = sim_target(&s->nodes[to], proto);
	struct sk_txn *t = NULL;
	assert_int_equal(
	    sk_txn_request(s->nodes[from].txl, (struct sk_str){buf, len}, &dst, NULL, &t), 0);
	s->nodes[from].ct = t;
	return t;
}

static void assert_empty(struct sim *s)
{
	for (int i = 0; i < s->n; i++)
		assert_int_equal(sk_txl_count(s->nodes[i].txl), 0);
}

/* ---- a cancelled call, end to end ---------------------------------------- */

static void test_cancel_flow_udp(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 1, 2, NULL);
	struct node *a = &s.nodes[0], *b = &s.nodes[1];
	b->on_request = ring;
	struct sk_txn *ict = send_req(&s, 0, 1, "INVITE", SK_PROTO_UDP, "c1@test");
	sim_run(&s, 10);
	assert_int_equal(a->resp[1], 1);
	assert_int_equal(sk_txn_state(ict), SK_TXN_PROCEEDING);
	assert_int_equal(sk_txn_cancel(ict, "SIP;cause=487;text=\"gone\""), SK_CANCEL_SENT);
	assert_int_equal(sk_txn_cancel(ict, NULL), SK_CANCEL_ALREADY);
	sim_run(&s, 10);
	assert_int_equal(b->cancels, 1);
	assert_int_equal(b->cancel_targets, 1);
	assert_int_equal(a->last_status, 487);
	assert_string_equal(a->events, "180/INVITE 200/CANCEL 487/INVITE ");
	/* the ACK for the 487 confirmed the server transaction */
	assert_int_equal(sk_txl_count(b->txl), 2); /* IST Confirmed (I), NIST Completed (J) */
	sim_run(&s, 64 * 500 + 10);
	assert_empty(&s);
	assert_int_equal(a->failed + b->failed, 0);
	sim_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cancel_flow_udp),
	};
	return cmocka_run_group_tests_name("txn", tests, NULL, NULL);
}
