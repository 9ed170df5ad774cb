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

static void silent(struct node *n, struct sk_txn *st, const struct sk_msg *req,
                   struct sk_txn *target)
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
	assert_int_equal(sk_txn_request(s->nodes[from].txl, (struct sk_str){buf, len}, &dst,
	                                &h_handler, &s->nodes[from], &t),
	                 0);
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
	assert_int_equal(sim_cancel(ict, "SIP;cause=487;text=\"gone\""), SK_CANCEL_SENT);
	assert_int_equal(sim_cancel(ict, NULL), SK_CANCEL_ALREADY);
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

/*
 * sk_txl_set_compact (issue 16): once the 180 came, the INVITE client
 * transaction keeps only its hop record and the bytes it names (sk_txn_msg is
 * NULL), and the CANCEL and the ACK of the 487 it sends are the very bytes
 * it sends with the whole INVITE kept (§9.1, §17.1.1.3); once Completed it keeps
 * its ACK only, and answers a retransmitted 487 with the same bytes.
 */
struct wire_log {
	char cancel[2048], ack[2048];
};

static void log_wire(void *arg, bool out, const struct sk_flow *flow, const char *buf, size_t len)
{
	struct wire_log *w = arg;
	(void)flow;
	char *to = !out                                    ? NULL
	           : len > 7 && !memcmp(buf, "CANCEL ", 7) ? w->cancel
	           : len > 4 && !memcmp(buf, "ACK ", 4)    ? w->ack
	                                                   : NULL;
	if (to && len < sizeof(w->cancel)) {
		memcpy(to, buf, len);
		to[len] = '\0';
	}
}

static void cancelled_call(bool compact, struct wire_log *w)
{
	struct sim s;
	struct hw_rules rs;
	sim_init(&s, 1, 2, NULL);
	sim_rules_install(&s, &rs);
	struct hw_rule *ack = sim_rule_add(&rs, "ACK", NULL, 0);
	ack->drop_nth = 1; /* the 487 comes again (Timer G): the same ACK answers it */
	struct node *a = &s.nodes[0], *b = &s.nodes[1];
	b->on_request = ring;
	sk_txl_set_compact(a->txl, compact);
	sk_tp_set_trace(a->tp, log_wire, w);
	struct sk_txn *ict = send_req(&s, 0, 1, "INVITE", SK_PROTO_UDP, "compact@test");
	sim_run(&s, 10);
	assert_int_equal(sk_txn_state(ict), SK_TXN_PROCEEDING);
	if (compact)
		assert_null(sk_txn_msg(ict));
	else
		assert_non_null(sk_txn_msg(ict));
	assert_true(sk_str_caseeq_c(sk_txn_method(ict), "INVITE"));
	assert_int_equal(sim_cancel(ict, "SIP;cause=487;text=\"gone\""), SK_CANCEL_SENT);
	sim_run(&s, 10);
	assert_int_equal(b->cancel_targets, 1);
	assert_int_equal(a->last_status, 487);
	assert_string_equal(a->events, "180/INVITE 200/CANCEL 487/INVITE ");
	/* Completed: compact, the ICT keeps its ACK only, not its request or hop record */
	assert_int_equal(sk_txn_state(ict), SK_TXN_COMPLETED);
	char *text = NULL, want[64];
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	assert_non_null(f);
	sk_txl_dump(a->txl, f);
	fclose(f);
	const char *line = strstr(text, "ICT  Completed");
	assert_non_null(line);
	snprintf(want, sizeof(want), " kept=%zu ", strlen(w->ack));
	if (compact)
		assert_non_null(strstr(line, want));
	else
		assert_null(strstr(line, want)); /* the whole INVITE as well */
	free(text);
	char first_ack[2048];
	memcpy(first_ack, w->ack, sizeof(first_ack));
	sim_run(&s, 600); /* the first ACK was lost: the 487 again, the same ACK again */
	assert_int_equal(ack->seen, 2);
	assert_string_equal(w->ack, first_ack);
	assert_int_equal(sk_txl_count(b->txl), 2); /* the ACK matched: IST Confirmed */
	assert_int_equal(sk_txl_count(a->txl), 2); /* the ICT (Timer D), its CANCEL's (Timer K) */
	sim_run(&s, 64 * 500 + 10);
	assert_empty(&s);
	sim_free(&s);
}

static void test_compact_ict_same_cancel_and_ack(void **state)
{
	(void)state;
	static struct wire_log whole, compact;
	cancelled_call(false, &whole);
	cancelled_call(true, &compact);
	assert_true(whole.cancel[0] && whole.ack[0]);
	assert_string_equal(compact.cancel, whole.cancel);
	assert_string_equal(compact.ack, whole.ack);
}

/* ---- client timers ------------------------------------------------------- */

static void assert_times(const struct hw_rule *r, const uint64_t *want, int n, uint64_t t0)
{
	assert_int_equal(r->seen, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(r->times[i] - t0, want[i]);
}

/* §17.1.1.2: Timer A doubles from T1 without cap; Timer B (64*T1) ends it. */
static void test_ict_timers_a_b(void **state)
{
	(void)state;
	struct sim s;
	struct hw_rules rs;
	sim_init(&s, 2, 3, NULL);
	sim_rules_install(&s, &rs);
	struct hw_rule *inv = sim_rule_add(&rs, "INVITE", NULL, 0);
	inv->drop_nth = -1; /* nothing reaches the server */
	uint64_t t0 = sim_now(&s);
	send_req(&s, 0, 1, "INVITE", SK_PROTO_UDP, "a-b");
	sim_run(&s, 31999);
	assert_int_equal(s.nodes[0].failed, 0);
	sim_run(&s, 1);
	const uint64_t want[] = {0, 500, 1500, 3500, 7500, 15500, 31500};
	assert_times(inv, want, 7, t0);
	assert_int_equal(s.nodes[0].failed, 1);
	assert_int_equal(s.nodes[0].last_err, -SK_ETIMEDOUT);
	assert_empty(&s);
	sim_free(&s);
}

/* §17.1.2.2: Timer E doubles up to T2; Timer F (64*T1) ends it; RFC 4320: no 408 upward. */
static void test_nict_timers_e_f(void **state)
{
	(void)state;
	struct sim s;
	struct hw_rules rs;
	sim_init(&s, 3, 2, NULL);
	sim_rules_install(&s, &rs);
	struct hw_rule *opt = sim_rule_add(&rs, "OPTIONS", NULL, 0);
	opt->drop_nth = -1;
	uint64_t t0 = sim_now(&s);
	send_req(&s, 0, 1, "OPTIONS", SK_PROTO_UDP, "e-f");
	sim_run(&s, 32000);
	const uint64_t want[] = {0,     500,   1500,  3500,  7500, 11500,
	                         15500, 19500, 23500, 27500, 31500};
	assert_times(opt, want, 11, t0);
	assert_int_equal(s.nodes[0].failed, 1);
	assert_int_equal(s.nodes[0].last_err, -SK_ETIMEDOUT);
	assert_int_equal(s.nodes[0].resp[4], 0); /* no 408 made up */
	assert_empty(&s);
	sim_free(&s);
}

static void trying_only(struct node *n, struct sk_txn *st, const struct sk_msg *req,
                        struct sk_txn *target)
{
	(void)n;
	(void)req;
	(void)target;
	assert_int_equal(sk_txn_reply(st, 100, NULL, NULL), 0);
	/* RFC 4320 §4.1: no other provisional to a non-INVITE */
	assert_int_equal(sk_txn_reply(st, 180, NULL, "x"), -SK_EINVAL);
}

/* §17.1.2.2: in Proceeding, E fires every T2; the server resends its 100. */
static void test_nict_proceeding_t2(void **state)
{
	(void)state;
	struct sim s;
	struct hw_rules rs;
	sim_init(&s, 4, 2, NULL);
	s.nodes[1].on_request = trying_only;
	sim_rules_install(&s, &rs);
	struct hw_rule *opt = sim_rule_add(&rs, "OPTIONS", NULL, 0);
	struct hw_rule *trying = sim_rule_add(&rs, "SIP/2.0 100", NULL, 1);
	uint64_t t0 = sim_now(&s);
	send_req(&s, 0, 1, "OPTIONS", SK_PROTO_UDP, "t2");
	sim_run(&s, 13000);
	const uint64_t want[] = {0, 500, 4500, 8500, 12500};
	assert_times(opt, want, 5, t0);
	assert_int_equal(trying->seen, 5); /* one 100, then again for each retransmission */
	assert_int_equal(s.nodes[1].requests, 1);
	assert_int_equal(sk_txn_state(s.nodes[0].ct), SK_TXN_PROCEEDING);
	sim_run(&s, 19000);
	assert_int_equal(s.nodes[0].last_err, -SK_ETIMEDOUT);
	sim_run(&s, 64 * 500 + 5000);
	assert_empty(&s);
	sim_free(&s);
}

/* Timer K: T4 over UDP, zero over TCP (§17.1.2.2). */
static void test_nict_timer_k(void **state)
{
	(void)state;
	for (int tcp = 0; tcp < 2; tcp++) {
		struct sim s;
		sim_init(&s, 5, 2, NULL);
		s.nodes[1].on_request = ring;
		struct sk_txn *t =
		    send_req(&s, 0, 1, "OPTIONS", tcp ? SK_PROTO_TCP : SK_PROTO_UDP, "k");
		sim_run(&s, 10);
		assert_int_equal(s.nodes[0].last_status, 200);
		if (tcp) {
			assert_true(s.nodes[0].ict_done); /* terminated at once */
		} else {
			assert_int_equal(sk_txn_state(t), SK_TXN_COMPLETED);
			sim_run(&s, 5000 - 10 - 2);
			assert_false(s.nodes[0].ict_done);
			sim_run(&s, 10);
			assert_true(s.nodes[0].ict_done);
		}
		sim_run(&s, 64 * 500 + 5000);
		assert_empty(&s);
		sim_free(&s);
	}
}

/* ---- INVITE server timers ------------------------------------------------ */

/* §17.2.1: a 100 Trying when the user says nothing within 200 ms, and only then. */
static void test_ist_100_trying(void **state)
{
	(void)state;
	struct sim s;
	struct hw_rules rs;
	sim_init(&s, 6, 2, NULL);
	s.nodes[1].on_request = silent;
	sim_rules_install(&s, &rs);
	struct hw_rule *t100 = sim_rule_add(&rs, "SIP/2.0 100", NULL, 1);
	uint64_t t0 = sim_now(&s);
	send_req(&s, 0, 1, "INVITE", SK_PROTO_UDP, "trying");
	sim_run(&s, 300);
	assert_int_equal(t100->seen, 1);
	assert_int_equal(t100->times[0] - t0, 1 + 200); /* arrival + 200 ms */
	assert_int_equal(sk_txn_state(s.nodes[0].ct), SK_TXN_PROCEEDING);
	/* the client stops retransmitting in Proceeding: still one INVITE at the server */
	sim_run(&s, 5000);
	assert_int_equal(s.nodes[1].requests, 1);
	assert_int_equal(sk_txn_reply(s.nodes[1].ist, 480, NULL, "b"), 0);
	sim_run(&s, 64 * 500 + 5000);
	assert_empty(&s);

	/* a user that rings at once: no 100 of the layer's own */
	struct sim s2;
	sim_init(&s2, 6, 2, NULL);
	s2.nodes[1].on_request = ring;
	sim_rules_install(&s2, &rs);
	t100 = sim_rule_add(&rs, "SIP/2.0 100", NULL, 1);
	send_req(&s2, 0, 1, "INVITE", SK_PROTO_UDP, "no-trying");
	sim_run(&s2, 1000);
	assert_int_equal(t100->seen, 0);
	assert_int_equal(sk_txn_reply(s2.nodes[1].ist, 603, NULL, "b"), 0);
	sim_run(&s2, 64 * 500 + 5000);
	assert_empty(&s2);
	sim_free(&s2);
	sim_free(&s);
}

static void busy(struct node *n, struct sk_txn *st, const struct sk_msg *req, struct sk_txn *target)
{
	(void)n;
	(void)req;
	(void)target;
	assert_int_equal(sk_txn_reply(st, 486, NULL, "b2"), 0);
}

/*
 * §17.2.1: Timer G retransmits the final, doubling up to T2; Timer H (64*T1)
 * ends a transaction whose ACK never comes. The client absorbs each copy and
 * ACKs it again (§17.1.1.2); its user sees one 486.
 */
static void test_ist_timers_g_h(void **state)
{
	(void)state;
	struct sim s;
	struct hw_rules rs;
	sim_init(&s, 7, 2, NULL);
	s.nodes[1].on_request = busy;
	sim_rules_install(&s, &rs);
	struct hw_rule *fin = sim_rule_add(&rs, "SIP/2.0 486", NULL, 1);
	struct hw_rule *ack = sim_rule_add(&rs, "ACK", NULL, 0);
	ack->drop_nth = -1;
	uint64_t t0 = sim_now(&s);
	send_req(&s, 0, 1, "INVITE", SK_PROTO_UDP, "g-h");
	sim_run(&s, 32001);
	const uint64_t want[] = {1,     501,   1501,  3501,  7501, 11501,
	                         15501, 19501, 23501, 27501, 31501};
	assert_times(fin, want, 11, t0);
	assert_int_equal(ack->seen, 11);
	assert_int_equal(s.nodes[0].resp[4], 1);
	assert_int_equal(s.nodes[1].failed, 1); /* H: the user hears the ACK never came */
	assert_int_equal(s.nodes[1].last_err, -SK_ETIMEDOUT);
	sim_run(&s, 32000);
	assert_empty(&s);
	sim_free(&s);
}

/* Timers I (T4 / 0) and D (32 s / 0) after a 486 and its ACK, UDP and TCP. */
static void test_timers_i_d(void **state)
{
	(void)state;
	for (int tcp = 0; tcp < 2; tcp++) {
		struct sim s;
		sim_init(&s, 8, 2, NULL);
		s.nodes[1].on_request = busy;
		send_req(&s, 0, 1, "INVITE", tcp ? SK_PROTO_TCP : SK_PROTO_UDP, "i-d");
		sim_run(&s, 10);
		assert_int_equal(s.nodes[0].last_status, 486);
		assert_int_equal(s.nodes[0].failed + s.nodes[1].failed, 0);
		if (tcp) {
			assert_empty(&s); /* D and I are zero over TCP */
		} else {
			assert_int_equal(sk_txn_state(s.nodes[1].ist), SK_TXN_CONFIRMED);
			sim_run(&s, 5000);
			assert_int_equal(sk_txl_count(s.nodes[1].txl), 0); /* I = T4 */
			assert_int_equal(sk_txl_count(s.nodes[0].txl), 1); /* D = 32 s */
			sim_run(&s, 32000 - 5000 - 10 - 2);
			assert_int_equal(sk_txl_count(s.nodes[0].txl), 1);
			sim_run(&s, 10);
			assert_empty(&s);
		}
		sim_free(&s);
	}
}

static void answer(struct node *n, struct sk_txn *st, const struct sk_msg *req,
                   struct sk_txn *target)
{
	(void)n;
	(void)req;
	(void)target;
	if (sk_txn_kind(st) == SK_TXN_IST)
		assert_int_equal(sk_txn_reply(st, 200, NULL, "b3"), 0);
}

/*
 * RFC 6026: the server's 2xx moves it to Accepted (Timer L): a retransmitted
 * INVITE is absorbed, further 2xx go out, and an ACK is passed up. The client
 * in Accepted (Timer M) hands every 2xx to its user; after M a 2xx is stray.
 */
static void test_accepted_timers_l_m(void **state)
{
	(void)state;
	struct sim s;
	struct hw_rules rs;
	sim_init(&s, 9, 2, NULL);
	struct node *a = &s.nodes[0], *b = &s.nodes[1];
	b->on_request = answer;
	sim_rules_install(&s, &rs);
	struct hw_rule *ok = sim_rule_add(&rs, "SIP/2.0 200", NULL, 1);
	ok->drop_nth = 1; /* the first 200 is lost: the client retransmits its INVITE */
	struct hw_rule *inv = sim_rule_add(&rs, "INVITE", NULL, 0);
	send_req(&s, 0, 1, "INVITE", SK_PROTO_UDP, "l-m");
	sim_run(&s, 600);
	assert_int_equal(inv->seen, 2);
	assert_int_equal(b->requests, 1); /* absorbed in Accepted */
	assert_int_equal(ok->seen, 1);    /* and no 2xx resent by the layer: that is the UA's job */
	assert_int_equal(sk_txn_state(b->ist), SK_TXN_ACCEPTED);
	/* the server's user retransmits its 2xx (§13.3.1.4), twice */
	char buf[1024];
	struct sk_build *bld;
	struct sk_str wire;
	assert_int_equal(sk_build_response_to(&bld, sk_txn_msg(b->ist), 200, NULL, "b3"), 0);
	assert_int_equal(sk_build_finish(bld, &wire), 0);
	assert_true(wire.len < sizeof(buf));
	memcpy(buf, wire.p, wire.len);
	struct sk_str resp = {buf, wire.len};
	sk_build_free(bld);
	/* a copy of the request (what sipkit ctl calls reads) is the same request: the same
	 * 200 is built from it, stamped with the same source (received, rport) */
	struct sk_msg *copy = sk_txn_msg_copy(b->ist);
	assert_non_null(copy);
	assert_ptr_not_equal(copy, sk_txn_msg(b->ist));
	assert_int_equal(sk_build_response_to(&bld, copy, 200, NULL, "b3"), 0);
	assert_int_equal(sk_build_finish(bld, &wire), 0);
	assert_int_equal(wire.len, resp.len);
	assert_memory_equal(wire.p, resp.p, wire.len);
	sk_build_free(bld);
	sk_msg_free(copy);
	assert_int_equal(sk_txn_respond(b->ist, resp), 0);
	sim_run(&s, 10);
	assert_int_equal(sk_txn_respond(b->ist, resp), 0);
	sim_run(&s, 10);
	assert_int_equal(a->resp[2], 2); /* both passed up in Accepted */
	assert_int_equal(sk_txn_state(a->ct), SK_TXN_ACCEPTED);
	/* a 4xx is refused in Accepted */
	assert_int_equal(sk_txn_reply(b->ist, 486, NULL, "b3"), -SK_ESTATE);
	/* the ACK for the 2xx: its own branch, so no transaction matches: up to the user */
	char ackbuf[1024];
	size_t alen = sim_request(ackbuf, sizeof(ackbuf), "ACK", a, b, "l-m", 1, "b3");
	struct sk_target dst = sim_target(b, SK_PROTO_UDP);
	assert_int_equal(sk_txl_send_stateless(a->txl, (struct sk_str){ackbuf, alen}, &dst), 0);
	sim_run(&s, 10);
	assert_int_equal(b->acks_stray, 1);
	/* M and L: 64*T1 after the 2xx */
	sim_run(&s, 64 * 500);
	assert_empty(&s);
	/* a 2xx after Timer M matches nothing: stray, for the user (e.g. a proxy, RFC 6026 §7.3) */
	assert_int_equal(a->strays, 0);
	struct sk_flow back = {.proto = SK_PROTO_UDP, .local = b->addr, .remote = a->addr};
	assert_int_equal(sk_tp_send(b->tp, &back, resp.p, resp.len), 0);
	sim_run(&s, 10);
	assert_int_equal(a->strays, 1);
	assert_int_equal(a->resp[2], 2);
	sim_free(&s);
}

/* Timer J: 64*T1 over UDP, zero over TCP; a retransmission gets the same final. */
static void test_nist_timer_j(void **state)
{
	(void)state;
	for (int tcp = 0; tcp < 2; tcp++) {
		struct sim s;
		struct hw_rules rs;
		sim_init(&s, 10, 2, NULL);
		s.nodes[1].on_request = ring;
		sim_rules_install(&s, &rs);
		struct hw_rule *ok = sim_rule_add(&rs, "SIP/2.0 200", NULL, 1);
		if (!tcp)
			ok->drop_nth = 1; /* the client retransmits: the same 200 again */
		send_req(&s, 0, 1, "OPTIONS", tcp ? SK_PROTO_TCP : SK_PROTO_UDP, "j");
		sim_run(&s, 600);
		assert_int_equal(s.nodes[1].requests, 1);
		assert_int_equal(s.nodes[0].last_status, 200);
		if (tcp) {
			assert_int_equal(ok->seen, 1);
			assert_empty(&s);
		} else {
			assert_int_equal(ok->seen, 2);
			assert_int_equal(sk_txl_count(s.nodes[1].txl), 1);
			sim_run(&s, 64 * 500 - 600 + 2);
			assert_int_equal(sk_txl_count(s.nodes[1].txl), 0);
			sim_run(&s, 5000);
			assert_empty(&s);
		}
		sim_free(&s);
	}
}

/* ---- CANCEL (§9) ---------------------------------------------------------- */

/* §9.1: no CANCEL before a provisional; it leaves when the first one arrives. */
static void test_cancel_deferred_until_provisional(void **state)
{
	(void)state;
	struct sim s;
	struct hw_rules rs;
	sim_init(&s, 11, 2, NULL);
	struct node *a = &s.nodes[0], *b = &s.nodes[1];
	b->on_request = ring;
	sim_rules_install(&s, &rs);
	struct hw_rule *prov = sim_rule_add(&rs, "SIP/2.0 18", NULL, 1);
	prov->delay = 2000; /* the 180 takes 2 s */
	struct hw_rule *trying = sim_rule_add(&rs, "SIP/2.0 100", NULL, 1);
	trying->drop_nth = -1;
	struct hw_rule *cancel = sim_rule_add(&rs, "CANCEL", NULL, 0);
	uint64_t t0 = sim_now(&s);
	struct sk_txn *ict = send_req(&s, 0, 1, "INVITE", SK_PROTO_UDP, "deferred");
	sim_run(&s, 100);
	assert_int_equal(sim_cancel(ict, NULL), SK_CANCEL_DEFERRED);
	assert_int_equal(sim_cancel(ict, NULL), SK_CANCEL_ALREADY);
	assert_null(sk_txn_cancel_txn(ict));
	sim_run(&s, 1500);
	assert_int_equal(cancel->seen, 0); /* the INVITE keeps retransmitting meanwhile */
	assert_true(b->requests == 1);
	sim_run(&s, 1000);
	assert_int_equal(cancel->seen, 1);
	assert_int_equal(cancel->times[0] - t0, 1 + 2001); /* when the 180 arrived */
	sim_run(&s, 100);
	assert_int_equal(a->last_status, 487);
	assert_int_equal(b->cancels, 1);
	sim_run(&s, 64 * 500 + 5000);
	assert_empty(&s);
	sim_free(&s);
}

/* §9.1: a final already received: nothing to send. A final before the provisional: the deferred
 * CANCEL is dropped. */
static void test_cancel_after_final(void **state)
{
	(void)state;
	struct sim s;
	struct hw_rules rs;
	sim_init(&s, 12, 2, NULL);
	s.nodes[1].on_request = busy;
	sim_rules_install(&s, &rs);
	struct hw_rule *cancel = sim_rule_add(&rs, "CANCEL", NULL, 0);
	struct hw_rule *fin = sim_rule_add(&rs, "SIP/2.0 486", NULL, 1);
	fin->delay = 100;
	struct sk_txn *ict = send_req(&s, 0, 1, "INVITE", SK_PROTO_UDP, "late");
	sim_run(&s, 50);
	assert_int_equal(sim_cancel(ict, NULL), SK_CANCEL_DEFERRED);
	sim_run(&s, 100);
	assert_int_equal(s.nodes[0].last_status, 486);
	assert_int_equal(sim_cancel(ict, NULL), -SK_ESTATE);
	sim_run(&s, 64 * 500);
	assert_int_equal(cancel->seen, 0);
	assert_empty(&s);
	sim_free(&s);
}

static struct sk_txn *send_raw_cancel(struct sim *s, int from, int to, const char *call_id)
{
	char buf[1024];
	size_t len = sim_request(buf, sizeof(buf), "CANCEL", &s->nodes[from], &s->nodes[to],
	                         call_id, 1, NULL);
	struct sk_target dst = sim_target(&s->nodes[to], SK_PROTO_UDP);
	struct sk_txn *t = NULL;
	assert_int_equal(sk_txn_request(s->nodes[from].txl, (struct sk_str){buf, len}, &dst,
	                                &h_handler, &s->nodes[from], &t),
	                 0);
	return t;
}

/* §9.2: a CANCEL that matches no transaction reaches the user without target (481). */
static void test_cancel_no_match(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 13, 2, NULL);
	s.nodes[1].on_request = ring;
	send_raw_cancel(&s, 0, 1, "nothing");
	sim_run(&s, 10);
	assert_int_equal(s.nodes[1].cancels, 1);
	assert_int_equal(s.nodes[1].cancel_targets, 0);
	assert_int_equal(s.nodes[0].last_status, 481);
	sim_run(&s, 64 * 500 + 5000);
	assert_empty(&s);
	sim_free(&s);
}

/* A retransmitted CANCEL is absorbed by its own transaction and gets the same 200 again. */
static void test_cancel_retransmitted(void **state)
{
	(void)state;
	struct sim s;
	struct hw_rules rs;
	sim_init(&s, 14, 2, NULL);
	s.nodes[1].on_request = ring;
	sim_rules_install(&s, &rs);
	struct hw_rule *ok = sim_rule_add(&rs, "SIP/2.0 200", "CANCEL", 1);
	ok->drop_nth = 1;
	struct hw_rule *c = sim_rule_add(&rs, "CANCEL", NULL, 0);
	struct sk_txn *ict = send_req(&s, 0, 1, "INVITE", SK_PROTO_UDP, "retx");
	sim_run(&s, 10);
	assert_int_equal(sim_cancel(ict, NULL), SK_CANCEL_SENT);
	sim_run(&s, 1000);
	assert_int_equal(c->seen, 2);
	assert_int_equal(ok->seen, 2);
	assert_int_equal(s.nodes[1].cancels, 1); /* never processed twice */
	assert_string_equal(s.nodes[0].events, "180/INVITE 487/INVITE 200/CANCEL ");
	sim_run(&s, 64 * 500 + 5000);
	assert_empty(&s);
	sim_free(&s);
}

static void ring_ignore_cancel(struct node *n, struct sk_txn *st, const struct sk_msg *req,
                               struct sk_txn *target)
{
	(void)n;
	(void)req;
	(void)target;
	if (sk_txn_kind(st) == SK_TXN_IST)
		assert_int_equal(sk_txn_reply(st, 180, NULL, "b1"), 0);
	else
		assert_int_equal(sk_txn_reply(st, 200, NULL, "b1"), 0); /* but never the 487 */
}

/* §9.1: no final within 64*T1 of the CANCEL: the INVITE transaction is given up. */
static void test_cancel_no_final(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 15, 2, NULL);
	struct node *a = &s.nodes[0], *b = &s.nodes[1];
	b->on_request = ring_ignore_cancel;
	struct sk_txn *ict = send_req(&s, 0, 1, "INVITE", SK_PROTO_UDP, "no-487");
	sim_run(&s, 10);
	assert_int_equal(sim_cancel(ict, NULL), SK_CANCEL_SENT);
	sim_run(&s, 64 * 500 - 1);
	assert_false(a->ict_done);
	sim_run(&s, 1);
	assert_true(a->ict_done);
	assert_int_equal(a->last_err, -SK_ETIMEDOUT);
	/* the callee's INVITE transaction stays until its user answers */
	assert_non_null(b->ist);
	assert_int_equal(sk_txn_state(b->ist), SK_TXN_PROCEEDING);
	assert_int_equal(sk_txn_reply(b->ist, 408, NULL, "b1"), 0);
	sim_run(&s, 64 * 500 + 5000);
	assert_empty(&s);
	sim_free(&s);
}

/* A CANCEL for a non-INVITE finds that transaction (the user answers 200, nothing else). */
static void test_cancel_non_invite(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 16, 2, NULL);
	struct node *b = &s.nodes[1];
	b->on_request = silent;
	struct sk_txn *nict = send_req(&s, 0, 1, "OPTIONS", SK_PROTO_UDP, "nict");
	sim_run(&s, 10);
	/* a CANCEL on the OPTIONS' branch: built by hand from the OPTIONS */
	struct sk_build *bld;
	struct sk_str wire;
	assert_int_equal(sk_build_cancel(&bld, sk_txn_msg(nict), NULL), 0);
	assert_int_equal(sk_build_finish(bld, &wire), 0);
	struct sk_flow flow = *sk_txn_flow(nict);
	assert_int_equal(sk_tp_send(s.nodes[0].tp, &flow, wire.p, wire.len), 0);
	sk_build_free(bld);
	struct sk_txn *opt = b->st;
	b->on_request = NULL;
	sim_run(&s, 10);
	assert_int_equal(b->cancels, 1);
	assert_int_equal(b->cancel_targets, 1);
	assert_int_equal(sk_txn_kind(b->st), SK_TXN_NIST);
	assert_int_equal(sk_txn_reply(b->st, 200, NULL, "b"), 0);
	assert_int_equal(sk_txn_reply(opt, 200, NULL, "b"), 0);
	sim_run(&s, 64 * 500 + 5000);
	assert_empty(&s);
	sim_free(&s);
}

/* The race: the callee's 200 crosses the CANCEL. The CANCEL gets 200, no 487; the call is up. */
static void test_cancel_crosses_200(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 17, 2, NULL);
	struct node *a = &s.nodes[0], *b = &s.nodes[1];
	b->on_request = ring;
	struct sk_txn *ict = send_req(&s, 0, 1, "INVITE", SK_PROTO_UDP, "race");
	sim_run(&s, 10);
	/* both leave at the same instant */
	assert_int_equal(sk_txn_reply(b->ist, 200, NULL, "b1"), 0);
	assert_int_equal(sim_cancel(ict, NULL), SK_CANCEL_SENT);
	sim_run(&s, 10);
	assert_int_equal(b->cancel_targets, 1);
	assert_string_equal(a->events, "180/INVITE 200/INVITE 200/CANCEL ");
	assert_int_equal(sk_txn_state(ict), SK_TXN_ACCEPTED);
	assert_int_equal(a->failed + b->failed, 0);
	sim_run(&s, 64 * 500 + 5000);
	assert_empty(&s);
	sim_free(&s);
}

/* ---- RFC 2543 peers (§17.2.3 fallback) ----------------------------------- */

static void send_raw(struct sim *s, int from, int to, const char *method, const char *branch,
                     const char *to_tag)
{
	char buf[2048];
	char fa[64], ta[64];
	sk_sa_print(&s->nodes[from].addr, fa, sizeof(fa));
	sk_sa_print(&s->nodes[to].addr, ta, sizeof(ta));
	int n = snprintf(buf, sizeof(buf),
	                 "%s sip:bob@%s SIP/2.0\r\n"
	                 "Via: SIP/2.0/UDP %s%s%s\r\n"
	                 "From: <sip:alice@%s>;tag=old\r\n"
	                 "To: <sip:bob@%s>%s%s\r\n"
	                 "Call-ID: rfc2543@test\r\n"
	                 "CSeq: 7 %s\r\n"
	                 "Content-Length: 0\r\n\r\n",
	                 method, ta, fa, branch ? ";branch=" : "", branch ? branch : "", fa, ta,
	                 to_tag ? ";tag=" : "", to_tag ? to_tag : "", method);
	struct sk_flow flow = {
	    .proto = SK_PROTO_UDP, .local = s->nodes[from].addr, .remote = s->nodes[to].addr};
	assert_int_equal(sk_tp_send(s->nodes[from].tp, &flow, buf, (size_t)n), 0);
}

static void test_rfc2543_peer(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 18, 2, NULL);
	struct node *a = &s.nodes[0], *b = &s.nodes[1];
	b->on_request = ring;
	/* an INVITE without branch, then its retransmission: one transaction */
	send_raw(&s, 0, 1, "INVITE", NULL, NULL);
	sim_run(&s, 10);
	send_raw(&s, 0, 1, "INVITE", NULL, NULL);
	sim_run(&s, 10);
	assert_int_equal(b->requests, 1);
	assert_int_equal(a->strays, 2); /* the 180, and again for the retransmission */
	/* its CANCEL, matched by the same fields (§9.2) */
	send_raw(&s, 0, 1, "CANCEL", NULL, NULL);
	sim_run(&s, 10);
	assert_int_equal(b->cancels, 1);
	assert_int_equal(b->cancel_targets, 1);
	assert_int_equal(a->strays, 4); /* 200 to the CANCEL, 487 */
	/* an ACK with another To tag than our 487's: no match, up to the user */
	send_raw(&s, 0, 1, "ACK", NULL, "other");
	sim_run(&s, 10);
	assert_int_equal(b->acks_stray, 1);
	assert_int_equal(sk_txn_state(b->ist), SK_TXN_COMPLETED);
	/* the ACK with the To tag of the 487 confirms the transaction */
	send_raw(&s, 0, 1, "ACK", NULL, "b1");
	sim_run(&s, 10);
	assert_int_equal(b->acks_stray, 1);
	assert_int_equal(sk_txn_state(b->ist), SK_TXN_CONFIRMED);
	sim_run(&s, 64 * 500 + 5000);
	assert_empty(&s);
	sim_free(&s);
}

/* ---- transport errors (§17.1.4, §17.2.4) --------------------------------- */

/* TCP to where nothing listens: the client transaction fails with a transport error. */
static void test_error_connect_refused(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 19, 2, NULL);
	char buf[1024];
	size_t len =
	    sim_request(buf, sizeof(buf), "INVITE", &s.nodes[0], &s.nodes[1], "refused", 1, NULL);
	struct sk_target dst = {.proto = SK_PROTO_TCP};
	assert_int_equal(sk_sa_parse(&dst.addr, SK_STR_LIT("10.0.0.9:5060"), 5060), 0);
	struct sk_txn *t;
	assert_int_equal(sk_txn_request(s.nodes[0].txl, (struct sk_str){buf, len}, &dst, &h_handler,
	                                &s.nodes[0], &t),
	                 0);
	sim_run(&s, 10);
	assert_int_equal(s.nodes[0].failed, 1);
	assert_int_equal(s.nodes[0].last_err, -SK_EIO);
	assert_empty(&s);
	sim_free(&s);
}

/* A TCP connection that breaks under a pending INVITE: both sides hear of it. */
static void test_error_connection_drop(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 20, 2, NULL);
	struct node *a = &s.nodes[0], *b = &s.nodes[1];
	b->on_request = ring;
	send_req(&s, 0, 1, "INVITE", SK_PROTO_TCP, "drop");
	sim_run(&s, 10);
	assert_int_equal(a->resp[1], 1);
	struct sk_sa host_a = a->addr;
	sk_sa_set_port(&host_a, 0); /* every connection of a's host */
	assert_int_equal(sk_simnet_drop_conns(s.w.sn, &host_a), 1);
	sim_run(&s, 10);
	assert_int_equal(a->failed, 1);
	assert_int_equal(a->last_err, -SK_EIO);
	assert_int_equal(b->failed, 1); /* its INVITE came on that connection */
	assert_empty(&s);
	sim_free(&s);
}

/*
 * Transactions hang off their connection (§17.1.4, §17.2.4): losing one
 * connection among several ends exactly the transactions on it, on both
 * sides, and nothing that travels on another connection or over UDP.
 */
static void test_error_connection_drop_only_its_own(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 22, 3, NULL);
	struct node *a = &s.nodes[0], *b = &s.nodes[1], *c = &s.nodes[2];
	b->on_request = ring;
	c->on_request = ring;
	char cid[32];
	for (int i = 0; i < 200; i++) {
		snprintf(cid, sizeof(cid), "b-tcp-%d", i);
		send_req(&s, 0, 1, "INVITE", SK_PROTO_TCP, cid);
		snprintf(cid, sizeof(cid), "c-tcp-%d", i);
		send_req(&s, 0, 2, "INVITE", SK_PROTO_TCP, cid);
	}
	for (int i = 0; i < 50; i++) {
		snprintf(cid, sizeof(cid), "c-udp-%d", i);
		send_req(&s, 0, 2, "INVITE", SK_PROTO_UDP, cid);
	}
	sim_run(&s, 10);
	assert_int_equal(a->resp[1], 450);
	assert_int_equal(sk_txl_count(a->txl), 450);
	struct sk_sa host_c = c->addr;
	sk_sa_set_port(&host_c, 0);
	assert_int_equal(sk_simnet_drop_conns(s.w.sn, &host_c), 1);
	sim_run(&s, 10);
	assert_int_equal(a->failed, 200); /* the INVITEs to c over TCP, and no other */
	assert_int_equal(c->failed, 200); /* c's side of the same */
	assert_int_equal(b->failed, 0);
	assert_int_equal(sk_txl_count(a->txl), 250);
	assert_int_equal(sk_txl_count(b->txl), 200);
	assert_int_equal(sk_txl_count(c->txl), 50);
	sim_free(&s);
}

/*
 * A bounded layer: past max_transactions a new request outside a dialog gets
 * a stateless 503 with Retry-After (§21.5.4) instead of more state; a CANCEL
 * (which ends state) and a request in a dialog still get theirs.
 */
static void test_transaction_cap(void **state)
{
	(void)state;
	struct sim s;
	sim_init_limited(&s, 23, 2, NULL, 10);
	struct node *a = &s.nodes[0], *b = &s.nodes[1];
	b->on_request = ring;
	char cid[32];
	struct sk_txn *first = NULL;
	for (int i = 0; i < 15; i++) {
		snprintf(cid, sizeof(cid), "cap-%d", i);
		struct sk_txn *t = send_req(&s, 0, 1, "INVITE", SK_PROTO_UDP, cid);
		first = first ? first : t;
	}
	sim_run(&s, 10);
	assert_int_equal(sk_txl_count(b->txl), 10);
	assert_int_equal(b->requests, 10);
	assert_int_equal(a->resp[1], 10); /* the ten it holds ring */
	assert_int_equal(a->resp[5], 5);  /* the others: 503, at once */
	/* full, a CANCEL of one of the ten still reaches it (and ends it) */
	assert_int_equal(sim_cancel(first, NULL), SK_CANCEL_SENT);
	sim_run(&s, 10);
	assert_int_equal(b->cancels, 1);
	assert_int_equal(b->cancel_targets, 1);
	assert_int_equal(a->last_status, 487);
	sim_free(&s);
}

/* A request the layer cannot send (no listener for its protocol): an error at once, nothing kept.
 */
static void test_error_no_route(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 21, 2, NULL);
	char buf[1024];
	size_t len =
	    sim_request(buf, sizeof(buf), "INVITE", &s.nodes[0], &s.nodes[1], "v6", 1, NULL);
	struct sk_target dst = {.proto = SK_PROTO_UDP};
	assert_int_equal(sk_sa_parse(&dst.addr, SK_STR_LIT("[2001:db8::1]:5060"), 5060), 0);
	struct sk_txn *t = NULL;
	assert_true(sk_txn_request(s.nodes[0].txl, (struct sk_str){buf, len}, &dst, &h_handler,
	                           &s.nodes[0], &t) < 0);
	assert_null(t);
	assert_empty(&s);
	sim_free(&s);
}

/* §18.1.1: a request over 1300 bytes for a UDP target goes over TCP; its CANCEL follows it. */
static void test_big_request_goes_tcp(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 22, 2, NULL);
	struct node *a = &s.nodes[0], *b = &s.nodes[1];
	b->on_request = ring;
	char buf[4096];
	size_t len = sim_request(buf, sizeof(buf), "INVITE", a, b, "big", 1, NULL);
	/* pad with a header so the whole exceeds 1300 bytes */
	char big[4096];
	const char *eol = strstr(buf, "\r\n") + 2;
	int n = snprintf(big, sizeof(big), "%.*sX-Pad: %0*d\r\n%s", (int)(eol - buf), buf, 1400, 0,
	                 eol);
	(void)len;
	struct sk_target dst = sim_target(b, SK_PROTO_UDP);
	struct sk_txn *ict;
	assert_int_equal(
	    sk_txn_request(a->txl, (struct sk_str){big, (size_t)n}, &dst, &h_handler, a, &ict), 0);
	assert_int_equal(sk_txn_flow(ict)->proto, SK_PROTO_TCP);
	sim_run(&s, 10);
	assert_int_equal(a->resp[1], 1);
	assert_int_equal(sk_txn_flow(b->ist)->proto, SK_PROTO_TCP);
	assert_int_equal(sim_cancel(ict, NULL), SK_CANCEL_SENT);
	assert_int_equal(sk_txn_flow(sk_txn_cancel_txn(ict))->conn, sk_txn_flow(ict)->conn);
	sim_run(&s, 10);
	assert_int_equal(a->last_status, 487);
	assert_int_equal(sk_tp_stats(a->tp).conns_opened, 1);
	sim_run(&s, 64 * 500 + 5000);
	assert_empty(&s);
	sim_free(&s);
}

/* The debug dump: one line per live transaction with its state and next timer. */
static void test_dump(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 23, 2, NULL);
	s.nodes[1].on_request = ring;
	send_req(&s, 0, 1, "INVITE", SK_PROTO_UDP, "dump");
	sim_run(&s, 10);
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	assert_non_null(f);
	sk_txl_dump(s.nodes[1].txl, f);
	sk_txl_dump(s.nodes[0].txl, f);
	fclose(f);
	assert_non_null(strstr(
	    text,
	    "1 live transactions\nIST  Proceeding INVITE    180 UDP:10.0.0.1:5060 branch=z9hG4bK"));
	assert_non_null(strstr(text, "ICT  Proceeding INVITE    180 UDP:10.0.0.2:5060"));
	assert_non_null(strstr(text, "next=-")); /* nothing pending in Proceeding */
	free(text);
	assert_int_equal(sk_txn_reply(s.nodes[1].ist, 486, NULL, "b"), 0);
	sim_run(&s, 64 * 500 + 5000);
	assert_empty(&s);
	sim_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cancel_flow_udp),
	    cmocka_unit_test(test_compact_ict_same_cancel_and_ack),
	    cmocka_unit_test(test_ict_timers_a_b),
	    cmocka_unit_test(test_nict_timers_e_f),
	    cmocka_unit_test(test_nict_proceeding_t2),
	    cmocka_unit_test(test_nict_timer_k),
	    cmocka_unit_test(test_ist_100_trying),
	    cmocka_unit_test(test_ist_timers_g_h),
	    cmocka_unit_test(test_timers_i_d),
	    cmocka_unit_test(test_accepted_timers_l_m),
	    cmocka_unit_test(test_nist_timer_j),
	    cmocka_unit_test(test_cancel_deferred_until_provisional),
	    cmocka_unit_test(test_cancel_after_final),
	    cmocka_unit_test(test_cancel_no_match),
	    cmocka_unit_test(test_cancel_retransmitted),
	    cmocka_unit_test(test_cancel_no_final),
	    cmocka_unit_test(test_cancel_non_invite),
	    cmocka_unit_test(test_cancel_crosses_200),
	    cmocka_unit_test(test_rfc2543_peer),
	    cmocka_unit_test(test_error_connect_refused),
	    cmocka_unit_test(test_error_connection_drop),
	    cmocka_unit_test(test_error_connection_drop_only_its_own),
	    cmocka_unit_test(test_transaction_cap),
	    cmocka_unit_test(test_error_no_route),
	    cmocka_unit_test(test_big_request_goes_tcp),
	    cmocka_unit_test(test_dump),
	};
	return cmocka_run_group_tests_name("txn", tests, NULL, NULL);
}
