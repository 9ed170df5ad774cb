/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy (RFC 3261 §16) on simnet, part 2: CANCEL (§16.10, §9), the
 * unmatched CANCEL (§16.10, §16.11), Timer C (§16.8), sk_proxy_release, and
 * every order of provisional, final and CANCEL arrival on 1 to 5 branches,
 * without and with loss, duplication and delay. After every run, once all
 * timers have run out, no node keeps a call, a transaction or a response
 * context.
 */
#include "proxy_harness.h"

#define BEARER "RELEASE_CAUSE;cause=3;text=\"Media bearer loss\""

/* The first provisional (1xx) node i sent the proxy, or -1. */
static long first_1xx(const struct ph *h, int i)
{
	for (size_t k = 0; k < h->trace.nwire; k++) {
		const struct hw_wire *w = &h->trace.wire[k];
		if (w->from == i && w->to == PH_PROXY && w->status >= 100 && w->status < 200 &&
		    !strcmp(w->method, "INVITE"))
			return (long)k;
	}
	return -1;
}

/*
 * Finals the proxy sent the caller for the INVITE, retransmissions aside
 * (one per status and To tag): 2xx in *ok, others in *err.
 */
static void finals_up(const struct ph *h, int *ok, int *err)
{
	*ok = *err = 0;
	for (size_t k = 0; k < h->trace.nwire; k++) {
		const struct hw_wire *w = &h->trace.wire[k];
		if (w->from != PH_PROXY || w->to != 0 || w->status < 200 ||
		    strcmp(w->method, "INVITE"))
			continue;
		bool again = false;
		for (size_t j = 0; j < k && !again; j++) {
			const struct hw_wire *v = &h->trace.wire[j];
			again = v->from == PH_PROXY && v->to == 0 && v->status == w->status &&
			        !strcmp(v->method, "INVITE") && !strcmp(v->to_tag, w->to_tag);
		}
		if (again)
			continue;
		if (w->status < 300)
			(*ok)++;
		else
			(*err)++;
	}
}

/* CANCEL transactions (distinct branches) the proxy started towards node i. */
static int cancels_to(const struct ph *h, int i)
{
	int n = 0;
	for (size_t k = 0; k < h->trace.nwire; k++) {
		const struct hw_wire *w = &h->trace.wire[k];
		if (!ph_match(w, PH_PROXY, i, "CANCEL", NULL))
			continue;
		bool again = false;
		for (size_t j = 0; j < k && !again; j++)
			again = ph_match(&h->trace.wire[j], PH_PROXY, i, "CANCEL", NULL) &&
			        !strcmp(h->trace.wire[j].branch, w->branch);
		n += !again;
	}
	return n;
}

/* ---- §16.10: the caller cancels while 1, 2 or 5 phones ring ----------------------- */

/* The proxy's call events (the log's lines), their text kept. */
struct seen_events {
	int calls;
	int status;
	char source[80], targets[512], outcome[32], reason[160];
};

static void keep_event(void *arg, const struct sk_proxy_event *ev)
{
	struct seen_events *s = arg;
	if (ev->kind != SK_PROXY_EV_CALL)
		return;
	s->calls++;
	s->status = ev->status;
	snprintf(s->source, sizeof(s->source), "%s", ev->source);
	snprintf(s->targets, sizeof(s->targets), "%s", ev->targets);
	snprintf(s->outcome, sizeof(s->outcome), "%s", ev->outcome);
	snprintf(s->reason, sizeof(s->reason), "%s", ev->reason);
}

/* The call's event: where it came from, each branch's target, how and why it ended. */
static void assert_cancelled_event(struct ph *h, const struct seen_events *s, int n)
{
	char want[512], a[64];
	size_t len = 0;
	assert_int_equal(s->calls, 1);
	assert_int_equal(s->status, 487);
	assert_string_equal(s->outcome, "cancelled");
	assert_string_equal(s->reason, BEARER);
	sk_sa_print(&h->nodes[0].addr, a, sizeof(a));
	snprintf(want, sizeof(want), "udp:%s", a);
	assert_string_equal(s->source, want);
	for (int i = 2; i < 2 + n; i++) {
		sk_sa_print(&h->nodes[i].addr, a, sizeof(a));
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%ssip:bob@%s",
		                        i > 2 ? "," : "", a);
	}
	assert_string_equal(s->targets, want);
}

static void cancel_ringing(int n, uint64_t seed, bool record_route)
{
	struct ph_opts o = ph_opts(seed, n);
	o.proxy.record_route = record_route;
	struct seen_events seen = {0};
	o.proxy.on_event = keep_event;
	o.proxy.event_arg = &seen;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, n);
	for (int i = 2; i < 2 + n; i++)
		ph_phone(h, i, 10 + i, -1, 0);
	ph_call(h, SK_PROTO_UDP);
	ph_at(h, 1000, ph_act_cancel, BEARER);
	ph_run(h, 3000);
	/* "the element MUST immediately return a 200 (OK) response to the CANCEL" */
	long ok = ph_find(h, PH_PROXY, 0, "200/CANCEL", 1);
	assert_true(ok >= 0);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "200/CANCEL", NULL), 1);
	for (int i = 2; i < 2 + n; i++) {
		/* one CANCEL per pending branch, the caller's Reason copied (RFC 3326) */
		assert_int_equal(ph_count(h, PH_PROXY, i, "CANCEL", NULL), 1);
		assert_int_equal(ph_count(h, PH_PROXY, i, "CANCEL", BEARER), 1);
		assert_true(ok < ph_find(h, i, PH_PROXY, "200/CANCEL", 1));
		assert_int_equal(ph_count(h, i, PH_PROXY, "487/INVITE", NULL), 1);
		assert_int_equal(ph_count(h, PH_PROXY, i, "ACK", NULL),
		                 1); /* hop by hop (§17.1.1.3) */
		assert_int_equal(h->nodes[i].outcomes[SK_OUTCOME_CANCELLED], 1);
		assert_string_equal(h->nodes[i].reason, BEARER);
	}
	/* the caller gets exactly one 487, after every branch ended, and ACKs it */
	assert_int_equal(ph_count(h, PH_PROXY, 0, "487/INVITE", NULL), 1);
	assert_int_equal(ph_count(h, 0, PH_PROXY, "ACK", NULL), 1);
	for (int i = 2; i < 2 + n; i++)
		assert_true(ph_find(h, PH_PROXY, 0, "487/INVITE", 1) >
		            ph_find(h, i, PH_PROXY, "487/INVITE", 1));
	assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_CANCELLED], 1);
	struct sk_proxy_stats s = sk_proxy_stats(h->proxy);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.cancelled, 1);
	assert_int_equal(s.cancels_sent, (uint64_t)n);
	assert_int_equal(s.absorbed_487, (uint64_t)n - 1);
	assert_int_equal(s.forks, n > 1);
	assert_int_equal(s.sent_481, 0);
	assert_cancelled_event(h, &seen, n);
	ph_finish(h);
}

static void test_cancel_ringing1(void **state)
{
	(void)state;
	cancel_ringing(1, 100, false);
}

static void test_cancel_ringing2(void **state)
{
	(void)state;
	cancel_ringing(2, 101, true);
}

static void test_cancel_ringing5(void **state)
{
	(void)state;
	cancel_ringing(5, 102, false);
}

/* The same over TCP: the caller's CANCEL on its INVITE's connection (§9.1, §18.1.1). */
static void test_cancel_over_tcp(void **state)
{
	(void)state;
	struct ph *h =
	    ph_new(&(struct ph_opts){.seed = 103, .nodes = 4, .proxy.domain = PH_DOMAIN});
	ph_route(h, "bob", 2, 2);
	ph_phone(h, 2, 10, -1, 0);
	ph_phone(h, 3, 10, -1, 0);
	ph_call(h, SK_PROTO_TCP);
	ph_at(h, 500, ph_act_cancel, NULL);
	ph_run(h, 2000);
	assert_int_equal(ph_get(h, 0, PH_PROXY, "CANCEL", 1)->proto, SK_PROTO_TCP);
	assert_int_equal(ph_get(h, PH_PROXY, 0, "487/INVITE", 1)->proto, SK_PROTO_TCP);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "CANCEL", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "CANCEL", NULL), 1);
	assert_int_equal(sk_tp_stats(sk_stack_tp(h->nodes[0].st)).conns_opened, 1);
	assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_CANCELLED], 1);
	ph_finish(h);
}

/*
 * §16.10 via §9.1: a branch without a provisional yet is cancelled only once
 * one comes. Phone 2 rings at once, so the caller can cancel at 50 ms; phone
 * 3 says nothing until its transaction's 100 Trying (200 ms).
 */
static void test_cancel_waits_for_provisional(void **state)
{
	(void)state;
	struct ph *h =
	    ph_new(&(struct ph_opts){.seed = 104, .nodes = 4, .proxy.domain = PH_DOMAIN});
	ph_route(h, "bob", 2, 2);
	ph_phone(h, 2, 5, -1, 0);
	ph_phone(h, 3, -1, -1, 0);
	ph_call(h, SK_PROTO_UDP);
	ph_at(h, 50, ph_act_cancel, BEARER);
	ph_run(h, 2000);
	long c3 = ph_find(h, PH_PROXY, 3, "CANCEL", 1);
	long p3 = first_1xx(h, 3);
	assert_true(p3 >= 0 && c3 >= 0);
	assert_int_equal(h->trace.wire[p3].status, 100);
	assert_true(c3 > p3); /* never before */
	assert_true(ph_find(h, PH_PROXY, 2, "CANCEL", 1) < p3);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "CANCEL", BEARER), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "487/INVITE", NULL), 1);
	assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_CANCELLED], 1);
	assert_int_equal(h->nodes[3].outcomes[SK_OUTCOME_CANCELLED], 1);
	ph_finish(h);
}

/* Drops every provisional node 3 sends (a callee whose 1xx never arrive). */
static void drop_1xx_of_3(void *arg, struct sk_simnet_packet *p)
{
	struct ph *h = arg;
	if (sk_sa_same_host(&p->from, &h->nodes[3].addr) && ph_pkt_is(p, "SIP/2.0 1", "INVITE"))
		p->drop = true;
}

/*
 * A branch whose provisionals never arrive is never cancelled (§9.1: "if no
 * provisional response has been received, the CANCEL request MUST NOT be
 * sent"): it ends with Timer B (64*T1), then the caller gets its 487.
 */
static void test_cancel_no_provisional_timer_b(void **state)
{
	(void)state;
	struct ph *h =
	    ph_new(&(struct ph_opts){.seed = 105, .nodes = 4, .proxy.domain = PH_DOMAIN});
	h->filter = drop_1xx_of_3;
	h->filter_arg = h;
	ph_route(h, "bob", 2, 2);
	ph_phone(h, 2, 5, -1, 0);
	ph_phone(h, 3, -1, 40000, 480); /* gives up itself, long after */
	ph_call(h, SK_PROTO_UDP);
	ph_at(h, 500, ph_act_cancel, NULL);
	ph_run(h, 31000);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "487/INVITE", NULL), 0);
	ph_run(h, 2000);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "CANCEL", NULL), 0);
	const struct hw_wire *w = ph_get(h, PH_PROXY, 0, "487/INVITE", 1);
	assert_true(w->at >= 32000);
	assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_CANCELLED], 1);
	ph_finish(h);
}

/*
 * The callee's 200 crosses the caller's CANCEL, at offsets around the
 * CANCEL's arrival: either the CANCEL wins (one 487) or the 200 does (it
 * goes up, the caller ACKs it and hangs up with a BYE: ANSWERED_LATE), never
 * both, and never a 487 after a 2xx (§16.7 step 5, §9.1).
 */
static void test_cancel_crosses_200(void **state)
{
	(void)state;
	int won_by_200 = 0, won_by_cancel = 0, late = 0;
	for (int off = -6; off <= 6; off++) {
		struct ph *h = ph_new(&(struct ph_opts){
		    .seed = 200 + (uint64_t)(off + 6), .nodes = 5, .proxy.domain = PH_DOMAIN});
		ph_route(h, "bob", 2, 3);
		/* the INVITE reaches phone 2 at ~1 ms; the CANCEL leaves at 1000, reaches the
		 * proxy at ~1001 */
		ph_phone(h, 2, 5, 1000 + off, 0);
		ph_phone(h, 3, 5, -1, 0);
		ph_phone(h, 4, 5, -1, 0);
		ph_call(h, SK_PROTO_UDP);
		ph_at(h, 1000, ph_act_cancel, BEARER);
		ph_run(h, 3000);
		int ok, err;
		finals_up(h, &ok, &err);
		long ok_at = ph_find(h, PH_PROXY, 0, "200/INVITE", 1);
		struct hw_node *a = &h->nodes[0];
		if (ok) {
			won_by_200++;
			assert_int_equal(err, 0);
			assert_int_equal(ok, 1);
			assert_int_equal(ph_count(h, 0, 2, "ACK", NULL), 1);
			assert_int_equal(ph_count(h, 0, 2, "BYE", NULL), 1);
			assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED_LATE] +
			                     a->outcomes[SK_OUTCOME_ANSWERED],
			                 1);
			assert_int_equal(h->nodes[2].outcomes[SK_OUTCOME_ANSWERED], 1);
			/* a CANCEL after the 2xx went up changes nothing (§16.10) */
			if (ph_find(h, 0, PH_PROXY, "CANCEL", 1) > ok_at)
				assert_int_equal(sk_proxy_stats(h->proxy).cancelled, 0);
			/* the 200 came after the CANCEL reached the proxy: it still goes up, and
			 * the caller, who asked to cancel, ACKs and hangs up (§9.1) */
			if (sk_proxy_stats(h->proxy).cancelled) {
				late++;
				assert_int_equal(a->outcomes[SK_OUTCOME_ANSWERED_LATE], 1);
				assert_int_equal(ph_count(h, PH_PROXY, 2, "CANCEL", BEARER), 1);
			}
		} else {
			won_by_cancel++;
			assert_int_equal(err, 1);
			assert_int_equal(ph_count(h, PH_PROXY, 0, "487/INVITE", NULL), 1);
			assert_int_equal(a->outcomes[SK_OUTCOME_CANCELLED], 1);
			assert_int_equal(h->nodes[2].outcomes[SK_OUTCOME_CANCELLED], 1);
		}
		for (int i = 3; i <= 4; i++)
			assert_int_equal(h->nodes[i].outcomes[SK_OUTCOME_CANCELLED], 1);
		ph_finish(h);
	}
	assert_true(won_by_200 > 0 && won_by_cancel > 0 && late > 0);
}

/* ---- every order of provisional, final and CANCEL, on 1 to 5 branches ------------- */

struct order_run {
	int phones;
	int ring[5], final[5], code[5]; /* ms from the INVITE, -1 never */
	int cancel;
};

/*
 * Under heavy loss every provisional of a phone can be lost until Timer B
 * ends its branch (the INVITE sent 7 times, 64*T1): §9.1 forbids the CANCEL
 * then, and the phone rings until it gives up itself. The test hangs it up.
 */
static bool unheard(struct ph *h, int i)
{
	if (ph_count(h, PH_PROXY, i, "INVITE", NULL) < 7 || !h->nodes[i].call)
		return false;
	print_message("phone %d: no provisional reached the proxy before Timer B\n", i);
	sk_call_hangup(h->nodes[i].call);
	return true;
}

/* Invariants of one call through the proxy, whatever the order of events. */
static void check_invariants(struct ph *h, int phones, const char *what)
{
	int ok, err;
	finals_up(h, &ok, &err);
	struct hw_node *a = &h->nodes[0];
	long first_ok = ph_find(h, PH_PROXY, 0, "200/INVITE", 1);
	enum sk_call_outcome o = a->last_outcome;
	const char *bad = NULL;
	char why[96];
	/* §16.7 step 5: "either exactly one non-2xx response or one or more 2xx" */
	if ((ok && err) || (!ok && err != 1))
		bad = "2xx and non-2xx finals mixed, or several non-2xx";
	else if (first_ok >= 0 && ph_find(h, PH_PROXY, 0, "487/INVITE", 1) > first_ok)
		bad = "a 487 after a 2xx";
	else if (a->ended != 1)
		bad = "the caller's call did not end";
	else if (o != SK_OUTCOME_CANCELLED && o != SK_OUTCOME_ANSWERED &&
	         o != SK_OUTCOME_ANSWERED_LATE && o != SK_OUTCOME_REJECTED)
		bad = "the caller's outcome";
	else if ((o == SK_OUTCOME_CANCELLED) != (!ok && a->last_status == 487))
		bad = "cancelled without a 487";
	for (int i = 2; i < 2 + phones && !bad; i++) {
		/* at most one CANCEL per branch, never before its first provisional */
		long c = ph_find(h, PH_PROXY, i, "CANCEL", 1);
		snprintf(why, sizeof(why), "phone %d: several CANCELs, or one before a 1xx", i);
		if (cancels_to(h, i) > 1 || (c >= 0 && c < first_1xx(h, i)))
			bad = why;
		else if (h->nodes[i].ended != h->nodes[i].incoming && !unheard(h, i))
			bad = "a phone's call did not end";
	}
	if (bad) {
		ph_dump(h);
		fail_msg("%s: %s; caller %s (%d), %d 2xx and %d non-2xx up", what, bad,
		         sk_call_outcome_name(o), a->last_status, ok, err);
	}
}

static void order_run(const struct order_run *r, uint64_t seed, const struct sk_simnet_link *link,
                      const char *what)
{
	struct ph *h = ph_new(
	    &(struct ph_opts){.seed = seed, .nodes = 2 + r->phones, .proxy.domain = PH_DOMAIN});
	if (link)
		sk_simnet_set_link(h->w.sn, link);
	ph_route(h, "bob", 2, r->phones);
	for (int i = 0; i < r->phones; i++)
		ph_phone(h, 2 + i, r->ring[i], r->final[i], r->code[i] == 200 ? 0 : r->code[i]);
	ph_call(h, SK_PROTO_UDP);
	ph_at(h, (uint64_t)r->cancel, ph_act_cancel, BEARER);
	ph_run(h, 40000);
	check_invariants(h, r->phones, what);
	ph_finish(h);
}

/*
 * 1 to 5 branches, each with a provisional at 5 ms, 30 ms or never and a
 * final (200, 486, 603) at 20 ms, 40 ms or never, the caller cancelling at
 * 10, 25, 35 or 60 ms: every order of provisional, final and CANCEL on each
 * branch, from a seeded generator.
 */
static void test_every_order(void **state)
{
	(void)state;
	static const int rings[] = {5, 30, -1}, finals[] = {20, 40, -1}, codes[] = {200, 486, 603},
	                 cancels[] = {10, 25, 35, 60};
	struct sk_rng rng;
	sk_rng_seed(&rng, 7);
	for (int run = 0; run < 120; run++) {
		struct order_run r = {.phones = 1 + run % 5};
		char what[160];
		int k = snprintf(what, sizeof(what), "run %d:", run);
		for (int i = 0; i < r.phones; i++) {
			r.ring[i] = rings[sk_rng_below(&rng, 3)];
			r.final[i] = finals[sk_rng_below(&rng, 3)];
			r.code[i] = codes[sk_rng_below(&rng, 3)];
			k += snprintf(what + k, sizeof(what) - (size_t)k, " [ring %d, %d at %d]",
			              r.ring[i], r.code[i], r.final[i]);
		}
		r.cancel = cancels[sk_rng_below(&rng, 4)];
		snprintf(what + k, sizeof(what) - (size_t)k, " cancel at %d", r.cancel);
		struct sk_simnet_link link = {.delay_min_ms = 1, .delay_max_ms = 3};
		order_run(&r, 300 + (uint64_t)run, &link, what);
	}
}

/* ---- the unmatched CANCEL (§16.10, §16.11) ------------------------------------------ */

/*
 * A CANCEL that matches no response context: "It MUST statelessly forward the
 * CANCEL request". The next hop answers it (481, it has no such INVITE); that
 * answer is the only one the caller gets.
 */
static void test_unmatched_cancel_forwarded(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(400, 1);
	o.proxy.domain = NULL; /* a bare proxy: §16 routing for anyone, no relay policy */
	o.raw_mask = 1;
	struct ph *h = ph_new(&o);
	char buf[1024];
	ph_raw_send(h, 0, SK_PROTO_UDP,
	            ph_req(buf, sizeof(buf), "CANCEL", "sip:bob@10.0.0.3:5060", "nomatch@test", 1,
	                   70, NULL));
	ph_run(h, 500);
	const struct hw_wire *fw = ph_get(h, PH_PROXY, 2, "CANCEL", 1);
	assert_int_equal(fw->max_forwards, 69);
	assert_int_equal(ph_count(h, 2, PH_PROXY, "481/CANCEL", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "481/CANCEL", NULL), 1);
	int own = ph_count(h, PH_PROXY, 0, "200/CANCEL", NULL);
	if (own) {
		ph_dump(h);
		fail_msg("the proxy answered the CANCEL it forwarded statelessly with a 200 of its "
		         "own, then passed the next hop's 481: two finals for one CANCEL");
	}
	assert_int_equal(sk_proxy_stats(h->proxy).sent_481, 0);
	ph_finish(h);
}

/*
 * A raw caller's CANCEL with a branch of its own (not its INVITE's, §9.1)
 * matches nothing (§9.2): the ringing branches are not cancelled. Its real
 * CANCEL then is.
 */
static void test_cancel_wrong_branch(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(401, 2);
	o.raw_mask = 1;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 2);
	ph_phone(h, 2, 10, -1, 0);
	ph_phone(h, 3, 10, -1, 0);
	char buf[1024];
	struct sk_txn *inv =
	    ph_raw_send(h, 0, SK_PROTO_UDP,
	                ph_req(buf, sizeof(buf), "INVITE", PH_AOR, "wrong@test", 1, 70, NULL));
	ph_run(h, 500);
	ph_raw_send(h, 0, SK_PROTO_UDP,
	            ph_req(buf, sizeof(buf), "CANCEL", PH_AOR, "wrong@test", 1, 70, NULL));
	ph_run(h, 500);
	assert_int_equal(
	    ph_count(h, PH_PROXY, 2, "CANCEL", NULL) + ph_count(h, PH_PROXY, 3, "CANCEL", NULL), 0);
	assert_int_equal(sk_proxy_stats(h->proxy).cancelled, 0);
	assert_int_equal(h->nodes[2].cancelled + h->nodes[3].cancelled, 0);
	assert_true(ph_count(h, PH_PROXY, 0, "200/CANCEL", NULL) +
	                ph_count(h, PH_PROXY, 0, "481/CANCEL", NULL) <=
	            1);
	assert_int_equal(sk_txn_cancel(inv, NULL, NULL, NULL), SK_CANCEL_SENT);
	ph_run(h, 500);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "CANCEL", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "CANCEL", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "487/INVITE", NULL), 1);
	assert_int_equal(sk_proxy_stats(h->proxy).cancelled, 1);
	ph_finish(h);
}

/* cfg.cancel_481: the unmatched CANCEL is answered 481 (§9.2) and not forwarded. */
static void test_unmatched_cancel_481(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(402, 1);
	o.raw_mask = 1;
	o.proxy.cancel_481 = true;
	struct ph *h = ph_new(&o);
	char buf[1024];
	ph_raw_send(
	    h, 0, SK_PROTO_UDP,
	    ph_req(buf, sizeof(buf), "CANCEL", "sip:bob@10.0.0.3:5060", "n481@test", 1, 70, NULL));
	ph_run(h, 500);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "481/CANCEL", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "200/CANCEL", NULL), 0);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "CANCEL", NULL), 0);
	assert_int_equal(sk_proxy_stats(h->proxy).sent_481, 1);
	ph_finish(h);
}

/* ---- Timer C (§16.8) ---------------------------------------------------------------- */

static void ring_183(struct ph *h, void *arg)
{
	(void)arg;
	assert_non_null(h->nodes[2].call);
	assert_int_equal(sk_call_ring(h->nodes[2].call, 183), 0);
}

/*
 * Timer C fires on a branch that had a provisional: it is cancelled; the
 * caller is told 408 with a Reason. A later provisional (183) resets it
 * (§16.7 step 2).
 */
static void test_timer_c_ringing(void **state)
{
	(void)state;
	for (int reset = 0; reset <= 1; reset++) {
		struct ph_opts o = ph_opts(500 + (uint64_t)reset, 1);
		o.proxy.timer_c_ms = 5000;
		struct ph *h = ph_new(&o);
		ph_route(h, "bob", 2, 1);
		ph_phone(h, 2, 10, -1, 0);
		ph_call(h, SK_PROTO_UDP);
		if (reset)
			ph_at(h, 4000, ring_183, NULL);
		ph_run(h, 20000);
		const struct hw_wire *c = ph_get(h, PH_PROXY, 2, "CANCEL", 1);
		uint64_t due = reset ? 9000 : 5000;
		assert_true(c->at >= due && c->at < due + 50);
		assert_int_equal(ph_count(h, PH_PROXY, 2, "CANCEL", NULL), 1);
		assert_int_equal(h->nodes[2].outcomes[SK_OUTCOME_CANCELLED], 1);
		const struct hw_wire *f = ph_get(h, PH_PROXY, 0, "408/INVITE", 1);
		assert_non_null(strstr(f->reason, "cause=408"));
		assert_int_equal(ph_count(h, PH_PROXY, 0, "487/INVITE", NULL), 0);
		assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_REJECTED], 1);
		assert_int_equal(h->nodes[0].last_status, 408);
		ph_finish(h);
	}
}

/*
 * Timer C on a branch without any provisional: "the proxy MUST behave as if
 * the transaction received a 408": the only branch, so the caller gets 408.
 */
static void test_timer_c_no_provisional(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(502, 2);
	o.proxy.timer_c_ms = 5000;
	struct ph *h = ph_new(&o);
	h->filter = drop_1xx_of_3;
	h->filter_arg = h;
	ph_route(h, "bob", 3, 1);
	ph_phone(h, 3, 10, 40000, 480); /* rings (unheard), then gives up itself */
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 4900);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "408/INVITE", NULL), 0);
	ph_run(h, 200);
	const struct hw_wire *f = ph_get(h, PH_PROXY, 0, "408/INVITE", 1);
	assert_true(f->at >= 5000 && f->at < 5100);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "CANCEL", NULL), 0); /* §9.1 */
	assert_int_equal(h->nodes[0].last_status, 408);
	ph_finish(h);
}

/*
 * Timer C on a branch that got only the callee's 100 Trying: "If the client
 * transaction has received a provisional response, the proxy MUST generate a
 * CANCEL request matching that transaction" (§16.8); a 100 is a provisional
 * response (only the reset of §16.7 step 2 excludes it). Without the CANCEL
 * the phone rings for ever.
 */
static void test_timer_c_trying_only(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(503, 1);
	o.proxy.timer_c_ms = 5000;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 1);
	ph_phone(h, 2, -1, -1, 0); /* its transaction sends 100 Trying at 200 ms, nothing else */
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 10000);
	assert_int_equal(first_1xx(h, 2) >= 0 ? h->trace.wire[first_1xx(h, 2)].status : 0, 100);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "408/INVITE", NULL), 1);
	if (ph_count(h, PH_PROXY, 2, "CANCEL", NULL) != 1) {
		ph_dump(h);
		fail_msg("Timer C fired on a branch in Proceeding (100 Trying) without a CANCEL: "
		         "the phone rings on (%s)",
		         sk_call_state_name(sk_call_state(h->nodes[2].call)));
	}
	assert_int_equal(h->nodes[2].outcomes[SK_OUTCOME_CANCELLED], 1);
	ph_finish(h);
}

static void ring_3(struct ph *h, void *arg)
{
	(void)arg;
	assert_non_null(h->nodes[3].call);
	assert_int_equal(sk_call_ring(h->nodes[3].call, 180), 0);
}

/*
 * Timer C gives up one branch (5 s); the other rings on until the caller
 * cancels at 6 s. The caller's CANCEL took effect: its final is a 487 from
 * the context (§16.7 step 6: "the proxy MUST forward a response from the
 * responses stored in the response context"), not a 408 of the proxy's.
 */
static void test_timer_c_then_caller_cancel(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(504, 2);
	o.proxy.timer_c_ms = 5000;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 2);
	ph_phone(h, 2, 10, -1, 0);
	ph_phone(h, 3, 10, -1, 0);
	ph_call(h, SK_PROTO_UDP);
	ph_at(h, 4000, ring_3, NULL); /* Timer C of branch 3 again: 9 s */
	ph_at(h, 6000, ph_act_cancel, NULL);
	ph_run(h, 10000);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "CANCEL", "cause=408"), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "CANCEL", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "CANCEL", "cause=408"), 0);
	assert_int_equal(sk_proxy_stats(h->proxy).cancelled, 1);
	if (h->nodes[0].last_status != 487) {
		ph_dump(h);
		fail_msg("the caller cancelled, both branches answered 487, the caller got %d (%s)",
		         h->nodes[0].last_status, sk_call_outcome_name(h->nodes[0].last_outcome));
	}
	assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_CANCELLED], 1);
	ph_finish(h);
}

/* ---- sk_proxy_release ---------------------------------------------------------------- */

struct pending_seen {
	int n;
	char call_id[128];
	unsigned branches, pending_branches;
	int best;
	char state[16], branch_states[128];
};

static void on_pending(void *arg, const struct sk_proxy_call_info *c)
{
	struct pending_seen *s = arg;
	s->n++;
	snprintf(s->call_id, sizeof(s->call_id), "%s", c->call_id);
	s->branches = c->branches;
	s->pending_branches = c->pending_branches;
	s->best = c->best_status;
	snprintf(s->state, sizeof(s->state), "%s", c->state);
	snprintf(s->branch_states, sizeof(s->branch_states), "%s", c->branch_states);
	assert_non_null(strstr(c->to, "bob@" PH_DOMAIN));
	assert_non_null(strstr(c->from, "alice"));
}

static void act_release(struct ph *h, void *arg)
{
	struct pending_seen *s = arg;
	assert_int_equal(sk_proxy_release(h->proxy, s->call_id, 480, BEARER), 0);
}

/*
 * An operator (an IMS core losing the bearer) releases a ringing call: every
 * branch gets a CANCEL with the Reason, the caller a 480 with it, the 487s
 * are absorbed.
 */
static void test_release(void **state)
{
	(void)state;
	struct ph *h =
	    ph_new(&(struct ph_opts){.seed = 600, .nodes = 5, .proxy.domain = PH_DOMAIN});
	ph_route(h, "bob", 2, 3);
	for (int i = 2; i <= 4; i++)
		ph_phone(h, i, 10, -1, 0);
	struct sk_call *c = ph_call(h, SK_PROTO_UDP);
	ph_run(h, 500);
	struct pending_seen s = {0};
	assert_int_equal(sk_proxy_pending(h->proxy, on_pending, &s), 1);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.call_id, sk_call_id(c));
	assert_int_equal(s.branches, 3);
	assert_int_equal(s.pending_branches, 3);
	assert_int_equal(s.best, 0);
	assert_string_equal(s.state, "forking");
	assert_string_equal(s.branch_states, "pending,pending,pending");
	assert_int_equal(sk_proxy_release(h->proxy, "no-such-call", 480, BEARER), -SK_ENOTFOUND);
	assert_int_equal(sk_proxy_release(h->proxy, s.call_id, 480, "no reason;"), -SK_EINVAL);
	assert_int_equal(sk_proxy_release(h->proxy, s.call_id, 200, BEARER), -SK_EINVAL);
	assert_int_equal(sk_proxy_release(h->proxy, s.call_id, 480, BEARER), 0);
	assert_int_equal(sk_proxy_release(h->proxy, s.call_id, 480, BEARER), -SK_ENOTFOUND);
	ph_run(h, 2000);
	for (int i = 2; i <= 4; i++) {
		assert_int_equal(ph_count(h, PH_PROXY, i, "CANCEL", BEARER), 1);
		assert_int_equal(h->nodes[i].outcomes[SK_OUTCOME_CANCELLED], 1);
		assert_string_equal(h->nodes[i].reason, BEARER);
	}
	const struct hw_wire *f = ph_get(h, PH_PROXY, 0, "480/INVITE", 1);
	assert_string_equal(f->reason, BEARER);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "487/INVITE", NULL), 0);
	assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_REJECTED], 1);
	assert_int_equal(h->nodes[0].last_status, 480);
	assert_int_equal(sk_proxy_pending(h->proxy, NULL, NULL), 0);
	struct sk_proxy_stats st = sk_proxy_stats(h->proxy);
	assert_int_equal(st.released, 1);
	assert_int_equal(st.absorbed_487, 3);
	assert_int_equal(st.cancels_sent, 3);
	ph_finish(h);
}

/*
 * Release while a phone's 200 is on its way: the 200 reaches a proxy that has
 * answered 480 already. "After a final response has been sent on the server
 * transaction, the following responses MUST be forwarded immediately: Any 2xx
 * response to an INVITE request" (§16.7 step 5); "If the server transaction is
 * no longer available ... the element MUST forward the response statelessly"
 * (step 9).
 */
static void test_release_crosses_200(void **state)
{
	(void)state;
	struct ph *h =
	    ph_new(&(struct ph_opts){.seed = 601, .nodes = 4, .proxy.domain = PH_DOMAIN});
	ph_route(h, "bob", 2, 2);
	ph_phone(h, 2, 10, 1000, 0); /* INVITE at ~1 ms: the 200 leaves at ~1001 */
	ph_phone(h, 3, 10, -1, 0);
	struct sk_call *c = ph_call(h, SK_PROTO_UDP);
	struct pending_seen s = {0};
	snprintf(s.call_id, sizeof(s.call_id), "%s", sk_call_id(c));
	ph_at(h, 1001, act_release, &s);
	ph_run(h, 5000);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "480/INVITE", NULL), 1);
	assert_int_equal(ph_count(h, 2, PH_PROXY, "200/INVITE", NULL) >= 1, 1);
	assert_true(ph_find(h, 2, PH_PROXY, "200/INVITE", 1) > ph_find(h, PH_PROXY, 0, "480", 1));
	if (ph_count(h, PH_PROXY, 0, "200/INVITE", NULL) < 1) {
		ph_dump(h);
		fail_msg("phone 2's 200 came after the proxy's 480 and was not forwarded: "
		         "the phone's session is never ACKed by the caller");
	}
	/* the caller, its call already ended with the 480, ACKs that 2xx and hangs up
	 * (§13.2.2.4): phone 2's session does not stay up */
	assert_true(ph_count(h, 0, PH_PROXY, "ACK", NULL) + ph_count(h, 0, 2, "ACK", NULL) >= 1);
	assert_int_equal(ph_count(h, 0, PH_PROXY, "BYE", NULL) + ph_count(h, 0, 2, "BYE", NULL), 1);
	ph_finish(h);
}

/* ---- with loss, duplication and delay ------------------------------------------------- */

/*
 * 100 seeds (PH_SEEDS=N for more): 0-20 % loss, 5 % duplication, 1-100 ms delay, 2 to 5 phones
 * ringing at random, some answering, the caller cancelling at a random time.
 */
static void test_loss_sweep(void **state)
{
	(void)state;
	struct sk_rng rng;
	sk_rng_seed(&rng, 2024);
	int answered = 0, cancelled = 0;
	uint64_t lost = 0;
	int seeds = getenv("PH_SEEDS") ? atoi(getenv("PH_SEEDS")) : 100; /* longer hunts */
	for (int seed = 0; seed < seeds; seed++) {
		struct order_run r = {.phones = 2 + seed % 4};
		for (int i = 0; i < r.phones; i++) {
			r.ring[i] = sk_rng_below(&rng, 4) ? (int)sk_rng_below(&rng, 400) : -1;
			r.final[i] =
			    sk_rng_below(&rng, 3) ? -1 : 100 + (int)sk_rng_below(&rng, 3000);
			r.code[i] = 200;
		}
		r.cancel = (int)sk_rng_below(&rng, 3000);
		struct sk_simnet_link link = {.loss_pm = (uint32_t)(seed % 5) * 50,
		                              .dup_pm = 50,
		                              .delay_min_ms = 1,
		                              .delay_max_ms = 100};
		char what[64];
		snprintf(what, sizeof(what), "seed %d (loss %u permille)", seed, link.loss_pm);
		struct ph *h = ph_new(&(struct ph_opts){.seed = 1000 + (uint64_t)seed,
		                                        .nodes = 2 + r.phones,
		                                        .proxy.domain = PH_DOMAIN});
		sk_simnet_set_link(h->w.sn, &link);
		ph_route(h, "bob", 2, r.phones);
		for (int i = 0; i < r.phones; i++)
			ph_phone(h, 2 + i, r.ring[i], r.final[i], 0);
		ph_call(h, SK_PROTO_UDP);
		ph_at(h, (uint64_t)r.cancel, ph_act_cancel, BEARER);
		ph_run(h, 40000);
		enum sk_call_outcome o = h->nodes[0].last_outcome;
		if (o != SK_OUTCOME_CANCELLED && o != SK_OUTCOME_ANSWERED &&
		    o != SK_OUTCOME_ANSWERED_LATE) {
			ph_dump(h);
			fail_msg("%s: the caller's call ended %s", what, sk_call_outcome_name(o));
		}
		check_invariants(h, r.phones, what);
		answered += o != SK_OUTCOME_CANCELLED;
		cancelled += o == SK_OUTCOME_CANCELLED;
		lost += sk_simnet_stats(h->w.sn).lost;
		ph_finish(h);
	}
	print_message("loss sweep: %d answered, %d cancelled, %llu datagrams lost\n", answered,
	              cancelled, (unsigned long long)lost);
	assert_true(answered > 10 && cancelled > 10);
	assert_true(lost > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    PH_TEST(test_cancel_ringing1),
	    PH_TEST(test_cancel_ringing2),
	    PH_TEST(test_cancel_ringing5),
	    PH_TEST(test_cancel_over_tcp),
	    PH_TEST(test_cancel_waits_for_provisional),
	    PH_TEST(test_cancel_no_provisional_timer_b),
	    PH_TEST(test_cancel_crosses_200),
	    PH_TEST(test_every_order),
	    PH_TEST(test_unmatched_cancel_forwarded),
	    PH_TEST(test_cancel_wrong_branch),
	    PH_TEST(test_unmatched_cancel_481),
	    PH_TEST(test_timer_c_ringing),
	    PH_TEST(test_timer_c_no_provisional),
	    PH_TEST(test_timer_c_trying_only),
	    PH_TEST(test_timer_c_then_caller_cancel),
	    PH_TEST(test_release),
	    PH_TEST(test_release_crosses_200),
	    PH_TEST(test_loss_sweep),
	};
	return cmocka_run_group_tests_name("proxy cancel", tests, NULL, NULL);
}
