/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy (RFC 3261 §16) on simnet, part 1: request validation (§16.3),
 * route processing (§16.4, §16.6 steps 2-8), forking to 1, 2 and 5 phones
 * with the 2xx cancelling the other branches (§16.7 steps 5 and 10,
 * RFC 3326), 2xx from two branches and two 2xx from one (RFC 6026 §7.3),
 * 6xx, the best final response (§16.7 step 6, 7), sequential forking by
 * q-value (§16.6). CANCEL, Timer C, release and loss: test_proxy_cancel.c.
 */
#include "proxy_harness.h"

#define ELSEWHERE "SIP;cause=200;text=\"Call completed elsewhere\""

/* A raw caller (node 0) sends req to the proxy; the run goes on for ms. */
static void raw_ask(struct ph *h, struct sk_str req, uint64_t ms)
{
	ph_raw_send(h, 0, SK_PROTO_UDP, req);
	ph_run(h, ms);
}

/* ---- §16.3 request validation ------------------------------------------------ */

/* §16.3 step 3: Max-Forwards 0 is never forwarded: 483, or for OPTIONS the proxy answers. */
static void test_max_forwards_zero(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(1, 1);
	o.raw_mask = 1;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 1);
	char buf[1024];
	raw_ask(h, ph_req(buf, sizeof(buf), "INVITE", PH_AOR, "mf0@test", 1, 0, NULL), 100);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "483/INVITE", NULL), 1);
	/* §16.3 step 3: "If the request was for OPTIONS, the element MAY act as the final
	 * recipient and respond per Section 11" */
	raw_ask(h, ph_req(buf, sizeof(buf), "OPTIONS", PH_AOR, "mf0o@test", 1, 0, NULL), 100);
	const struct hw_wire *ok = ph_get(h, PH_PROXY, 0, "200/OPTIONS", 1);
	struct sk_msg *m = hw_wire_parse(ok);
	assert_true(hw_hdr(m, "Allow").len > 0); /* §11.2 */
	sk_msg_free(m);
	/* nothing went further: not forwarded (MUST NOT) */
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 0);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "OPTIONS", NULL), 0);
	/* with Max-Forwards 1 the INVITE goes on, with 0 (§16.6 step 3) */
	raw_ask(h, ph_req(buf, sizeof(buf), "INVITE", PH_AOR, "mf1@test", 1, 1, NULL), 100);
	assert_int_equal(ph_get(h, PH_PROXY, 2, "INVITE", 1)->max_forwards, 0);
	assert_non_null(h->nodes[2].call);
	sk_call_hangup(h->nodes[2].call); /* 480: the raw caller's INVITE ends */
	ph_run(h, 100);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "480/INVITE", NULL), 1);
	ph_finish(h);
}

/* §16.3 step 2: a Request-URI scheme the proxy does not understand: 416; sips over TLS only. */
static void test_uri_scheme(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(2, 1);
	o.raw_mask = 1;
	struct ph *h = ph_new(&o);
	char buf[1024];
	raw_ask(h, ph_req(buf, sizeof(buf), "INVITE", "tel:+15551234567", "tel@test", 1, 70, NULL),
	        100);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "416/INVITE", NULL), 1);
	raw_ask(h,
	        ph_req(buf, sizeof(buf), "INVITE", "foo:bar@example.test", "foo@test", 1, 70, NULL),
	        100);
	/* an unknown scheme is still a URI (§19, absoluteURI): 416, not 400 */
	assert_int_equal(ph_count(h, PH_PROXY, 0, "416/INVITE", NULL), 2);
	assert_int_equal(ph_count(h, PH_PROXY, -1, "INVITE", NULL), 0);
	/* sips is routed (RFC 5630), but only over TLS (§26.2.2, RFC 5630 §3.1.2): the
	 * phone's route is a sip: UDP one, so 480 with a Warning, and nothing goes out */
	ph_route(h, "bob", 2, 1);
	raw_ask(
	    h,
	    ph_req(buf, sizeof(buf), "INVITE", "sips:bob@example.test", "sips@test", 1, 70, NULL),
	    100);
	const struct hw_wire *w = ph_get(h, PH_PROXY, 0, "480/INVITE", 1);
	assert_non_null(w);
	struct sk_msg *m = hw_wire_parse(w);
	struct sk_str warning = hw_hdr(m, "Warning");
	assert_non_null(memmem(warning.p, warning.len, "TLS", 3));
	sk_msg_free(m);
	assert_int_equal(ph_count(h, PH_PROXY, -1, "INVITE", NULL), 0);
	ph_finish(h);
}

/* §16.3 step 5: Proxy-Require with option tags we do not know: 420 with Unsupported. */
static void test_proxy_require(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(3, 1);
	o.raw_mask = 1;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 1);
	char buf[1024];
	raw_ask(h,
	        ph_req(buf, sizeof(buf), "INVITE", PH_AOR, "pr@test", 1, 70,
	               "Proxy-Require: foo, bar\r\nRequire: baz\r\n"),
	        100);
	const struct hw_wire *w = ph_get(h, PH_PROXY, 0, "420/INVITE", 1);
	struct sk_msg *m = hw_wire_parse(w);
	assert_str_view(hw_hdr(m, "Unsupported"), "foo, bar"); /* Require is the UAS's (§8.2.2.3) */
	sk_msg_free(m);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 0);
	ph_finish(h);
}

/*
 * §16.3 step 4 and §16.6 step 8: a static route that sends bob's requests
 * back to the proxy with the same Request-URI. The second arrival carries a
 * Via of ours with the same hash: 482, after one trip through ourselves. A
 * spiral (carol routed to dave at the proxy, then to phone 2) is no loop:
 * the Request-URI changed, so did the hash.
 */
static void test_loop_detected(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(4, 1);
	o.raw_mask = 1;
	struct ph *h = ph_new(&o);
	assert_int_equal(sk_proxy_route_add(h->proxy, "bob", "sip:bob@10.0.0.2:5060"), 0);
	assert_int_equal(sk_proxy_route_add(h->proxy, "carol", "sip:dave@10.0.0.2:5060"), 0);
	assert_int_equal(sk_proxy_route_add(h->proxy, "dave", "sip:bob@10.0.0.3:5060"), 0);
	char buf[1024];
	raw_ask(
	    h,
	    ph_req(buf, sizeof(buf), "INVITE", "sip:bob@10.0.0.2:5060", "loop@test", 1, 70, NULL),
	    1000);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "482/INVITE", NULL), 1);
	/* "If the request contains a Via header field with a sent-by value that equals a
	 * value placed into previous requests by the proxy, the request has been forwarded
	 * by this element before": the looped request's top Via is ours and carries the
	 * same hash, so it is the one to be refused; not forwarded a second time */
	int self = ph_count(h, PH_PROXY, PH_PROXY, "INVITE", NULL);
	if (self != 1) {
		ph_dump(h);
		fail_msg("the proxy sent the INVITE to itself %d times, expected once (the loop "
		         "is in the top Via of the second arrival)",
		         self);
	}
	/* the spiral */
	raw_ask(h,
	        ph_req(buf, sizeof(buf), "INVITE", "sip:carol@10.0.0.2:5060", "spiral@test", 1, 70,
	               NULL),
	        1000);
	assert_int_equal(ph_count(h, PH_PROXY, PH_PROXY, "INVITE", NULL), 2);
	struct sk_msg *m = hw_wire_parse(ph_get(h, PH_PROXY, 2, "INVITE", 1));
	assert_int_equal(sk_msg_via_count(m), 3); /* ours twice, the caller's */
	assert_int_equal(sk_msg_max_forwards(m), 68);
	sk_msg_free(m);
	assert_non_null(h->nodes[2].call);
	sk_call_hangup(h->nodes[2].call);
	ph_run(h, 100);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "480/INVITE", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "482/INVITE", NULL), 1);
	ph_finish(h);
}

/* §16.3 step 1 / §8.2.6.2: a request without Call-ID is answered 400 by the transport. */
static void test_missing_call_id(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(5, 1);
	o.raw_mask = 1;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 1);
	static const char req[] = "INVITE sip:bob@example.test SIP/2.0\r\n"
	                          "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKnocallid\r\n"
	                          "Max-Forwards: 70\r\n"
	                          "From: <sip:alice@10.0.0.1>;tag=a\r\n"
	                          "To: <sip:bob@example.test>\r\n"
	                          "CSeq: 1 INVITE\r\n"
	                          "Content-Length: 0\r\n\r\n";
	struct sk_flow flow = {
	    .proto = SK_PROTO_UDP, .local = h->nodes[0].addr, .remote = h->nodes[PH_PROXY].addr};
	assert_int_equal(sk_tp_send(sk_stack_tp(h->nodes[0].st), &flow, req, sizeof(req) - 1), 0);
	ph_run(h, 100);
	struct sk_msg *m = hw_wire_parse(ph_get(h, PH_PROXY, 0, "400/INVITE", 1));
	assert_non_null(strstr(hw_hdr(m, "Warning").p, "Call-ID")); /* the transport's, §20.43 */
	sk_msg_free(m);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "400/INVITE", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 0);
	assert_int_equal(sk_proxy_stats(h->proxy).calls, 0);
	ph_finish(h);
}

/* ---- §16.4, §16.6: routing ------------------------------------------------------ */

/*
 * A pre-loaded Route naming the proxy is removed (§16.4), the Request-URI is
 * the target's (§16.6 step 2), Max-Forwards one less (step 3), a Via of ours
 * on top (step 8). Without Record-Route the ACK and BYE go end to end.
 */
static void test_loose_route_no_rr(void **state)
{
	(void)state;
	struct ph *h = ph_new(&(struct ph_opts){.seed = 6, .nodes = 3, .proxy.domain = PH_DOMAIN});
	ph_route(h, "bob", 2, 1);
	ph_phone(h, 2, 10, 100, 0);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 2000);
	const struct hw_wire *in = ph_get(h, 0, PH_PROXY, "INVITE", 1);
	const struct hw_wire *out = ph_get(h, PH_PROXY, 2, "INVITE", 1);
	struct sk_msg *a = hw_wire_parse(in), *b = hw_wire_parse(out);
	assert_int_equal(sk_msg_addr_count(a, SK_HDR_ROUTE), 1);
	assert_int_equal(sk_msg_addr_count(b, SK_HDR_ROUTE), 0);
	assert_str_view(sk_msg_ruri_str(b), "sip:bob@10.0.0.3:5060");
	assert_int_equal(sk_msg_max_forwards(b), sk_msg_max_forwards(a) - 1);
	assert_int_equal(sk_msg_via_count(b), 2);
	assert_true(sk_via_branch_is_3261(sk_msg_via(b, 0)));
	assert_true(sk_str_eq(sk_msg_via(b, 1)->branch, sk_msg_via(a, 0)->branch));
	assert_int_equal(sk_msg_hdr_num(b, SK_HDR_RECORD_ROUTE), 0);
	assert_true(sk_str_eq(sk_msg_body(a), sk_msg_body(b))); /* step 1: body unchanged */
	sk_msg_free(a);
	sk_msg_free(b);
	assert_int_equal(h->nodes[0].answered, 1);
	/* end to end: the ACK and the BYE skip the proxy */
	assert_int_equal(ph_count(h, 0, PH_PROXY, "ACK", NULL), 0);
	assert_int_equal(ph_count(h, 0, 2, "ACK", NULL), 1);
	assert_int_equal(ph_count(h, -1, PH_PROXY, "BYE", NULL), 0);
	assert_int_equal(ph_count(h, 0, 2, "BYE", NULL), 1);
	assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(h->nodes[2].outcomes[SK_OUTCOME_ANSWERED], 1);
	ph_finish(h);
}

/* §16.6 step 4: Record-Route with lr; the dialog's ACK and BYE then pass the proxy. */
static void test_record_route(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(7, 1);
	o.proxy.record_route = true;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 1);
	ph_phone(h, 2, 10, 100, 0);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 2000);
	struct sk_msg *b = hw_wire_parse(ph_get(h, PH_PROXY, 2, "INVITE", 1));
	assert_int_equal(sk_msg_addr_count(b, SK_HDR_RECORD_ROUTE), 1);
	const struct sk_addr *rr = sk_msg_addr(b, SK_HDR_RECORD_ROUTE, 0);
	struct sk_str lr;
	assert_int_equal(sk_uri_param(&rr->uri, "lr", &lr), 0);
	assert_str_view(rr->uri.host, "10.0.0.2");
	/* byte for byte: our address, lr, the dialog's MAC (policy.c) */
	assert_str_view(rr->raw, "<sip:10.0.0.2:5060;lr;sk=24fd8e32cd625af7>");
	sk_msg_free(b);
	/* §16.7 step 9: the 2xx goes up with its Record-Route */
	struct sk_msg *ok = hw_wire_parse(ph_get(h, PH_PROXY, 0, "200/INVITE", 1));
	assert_int_equal(sk_msg_addr_count(ok, SK_HDR_RECORD_ROUTE), 1);
	assert_int_equal(sk_msg_via_count(ok), 1); /* step 3: our Via removed */
	sk_msg_free(ok);
	assert_int_equal(ph_count(h, 0, PH_PROXY, "ACK", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "ACK", NULL), 1);
	assert_int_equal(ph_count(h, 0, 2, "ACK", NULL), 0);
	assert_int_equal(ph_count(h, 0, PH_PROXY, "BYE", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "BYE", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "200/BYE", NULL), 1);
	/* the forwarded ACK and BYE have our Route removed (§16.4) */
	struct sk_msg *bye = hw_wire_parse(ph_get(h, PH_PROXY, 2, "BYE", 1));
	assert_int_equal(sk_msg_addr_count(bye, SK_HDR_ROUTE), 0);
	assert_str_view(sk_msg_ruri_str(bye), "sip:bob@10.0.0.3:5060");
	sk_msg_free(bye);
	assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_ANSWERED], 1);
	ph_finish(h);
}

/* The dialog mark of the Record-Route a proxy of this seed writes for one INVITE, with the
 * key given (NULL: the stack's own). */
static void rr_mark_of(uint64_t seed, const struct sk_hash_key *key, char *out, size_t size)
{
	struct ph_opts o = ph_opts(seed, 1);
	o.proxy.record_route = true;
	o.proxy.dialog_key = key;
	o.raw_mask = 1;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 1);
	ph_phone(h, 2, 10, -1, 0);
	char buf[1024];
	raw_ask(h, ph_req(buf, sizeof(buf), "INVITE", PH_AOR, "mark@test", 1, 70, NULL), 200);
	struct sk_msg *b = hw_wire_parse(ph_get(h, PH_PROXY, 2, "INVITE", 1));
	struct sk_str mark;
	assert_int_equal(sk_uri_param(&sk_msg_addr(b, SK_HDR_RECORD_ROUTE, 0)->uri, "sk", &mark),
	                 0);
	snprintf(out, size, "%.*s", (int)mark.len, mark.p);
	sk_msg_free(b);
	ph_free(h);
}

/*
 * The workers: a request inside a dialog that comes on a connection is handled
 * by the worker holding it, which need not be the one that record-routed the
 * dialog. Proxies given one dialog key (sk_proxy_config) write the same mark
 * for a dialog, whatever their stacks' keys; without it each writes its own.
 */
static void test_dialog_key_shared(void **state)
{
	(void)state;
	struct sk_hash_key key = {0x1234, 0x5678};
	char a[32], b[32], own_a[32], own_b[32];
	rr_mark_of(7, &key, a, sizeof(a));
	rr_mark_of(8, &key, b, sizeof(b));
	rr_mark_of(7, NULL, own_a, sizeof(own_a));
	rr_mark_of(8, NULL, own_b, sizeof(own_b));
	assert_string_equal(a, b);
	assert_string_not_equal(own_a, own_b);
	assert_string_not_equal(a, own_a);
}

/*
 * §16.6 step 6: the next hop is a strict router (no lr): the Request-URI goes
 * last into Route, the strict router's URI becomes the Request-URI, and the
 * request goes to it (step 7).
 */
static void test_strict_next_hop(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(8, 5);
	o.proxy.domain = NULL; /* a bare proxy: §16 routing for anyone, no relay policy */
	o.raw_mask = 1 | 1u << 6;
	struct ph *h = ph_new(&o);
	h->nodes[6].pol = (struct hw_policy){.ring_ms = -1, .answer_ms = 50, .reject_code = 486};
	char buf[1024];
	raw_ask(h,
	        ph_req(buf, sizeof(buf), "INVITE", "sip:bob@10.0.0.3:5060", "strict@test", 1, 70,
	               "Route: <sip:10.0.0.2:5060;lr>, <sip:10.0.0.7:5060>\r\n"),
	        500);
	struct sk_msg *m = hw_wire_parse(ph_get(h, PH_PROXY, 6, "INVITE", 1));
	assert_str_view(sk_msg_ruri_str(m), "sip:10.0.0.7:5060");
	assert_int_equal(sk_msg_addr_count(m, SK_HDR_ROUTE), 1);
	assert_str_view(sk_msg_addr(m, SK_HDR_ROUTE, 0)->uri.raw, "sip:bob@10.0.0.3:5060");
	sk_msg_free(m);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 0);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "486/INVITE", NULL), 1);
	ph_finish(h);
}

/*
 * §16.4: the previous hop was a strict router: the Request-URI is our
 * Record-Route URI; the real one is the last Route value, which is removed.
 */
static void test_strict_previous_hop(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(9, 1);
	o.proxy.domain = NULL; /* a bare proxy: §16 routing for anyone, no relay policy */
	o.raw_mask = 1 | 1u << 2;
	struct ph *h = ph_new(&o);
	h->nodes[2].pol = (struct hw_policy){.ring_ms = -1, .answer_ms = 50, .reject_code = 486};
	char buf[1024];
	raw_ask(h,
	        ph_req(buf, sizeof(buf), "INVITE", "sip:10.0.0.2:5060;lr", "strictprev@test", 1, 70,
	               "Route: <sip:bob@10.0.0.3:5060>\r\n"),
	        500);
	struct sk_msg *m = hw_wire_parse(ph_get(h, PH_PROXY, 2, "INVITE", 1));
	assert_str_view(sk_msg_ruri_str(m), "sip:bob@10.0.0.3:5060");
	assert_int_equal(sk_msg_addr_count(m, SK_HDR_ROUTE), 0);
	sk_msg_free(m);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "486/INVITE", NULL), 1);
	ph_finish(h);
}

/* ---- forking: one phone answers ------------------------------------------------------- */

/*
 * n phones ring; phone 2+n-1 answers: every 180 goes up (§16.7 step 5), the
 * 200 goes up, each other branch gets exactly one CANCEL with "Call completed
 * elsewhere" (§16.7 step 10, RFC 3326), their 487s are absorbed.
 */
static void fork_answer(int n, uint64_t seed)
{
	struct ph_opts o = ph_opts(seed, n);
	o.proxy.record_route = n == 2;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, n);
	int winner = 2 + n - 1;
	for (int i = 2; i < 2 + n; i++)
		ph_phone(h, i, 10 + i, i == winner ? 400 : -1, 0);
	if (n == 5)
		h->nodes[3].pol.ring_code = 183; /* session progress: forwarded the same */
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 3000);
	/* each branch its own Via branch (§16.6 step 8) */
	for (int i = 2; i < 2 + n; i++)
		for (int k = i + 1; k < 2 + n; k++)
			assert_string_not_equal(ph_get(h, PH_PROXY, i, "INVITE", 1)->branch,
			                        ph_get(h, PH_PROXY, k, "INVITE", 1)->branch);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "180/INVITE", NULL), n == 5 ? 4 : n);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "183/INVITE", NULL), n == 5);
	assert_true(ph_count(h, PH_PROXY, 0, "100/INVITE", NULL) <= 1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "200/INVITE", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "487", NULL), 0);
	for (int i = 2; i < 2 + n; i++) {
		struct hw_node *p = &h->nodes[i];
		int want = i == winner ? 0 : 1;
		assert_int_equal(ph_count(h, PH_PROXY, i, "CANCEL", NULL), want);
		assert_int_equal(ph_count(h, PH_PROXY, i, "CANCEL", ELSEWHERE), want);
		if (want) {
			assert_int_equal(p->outcomes[SK_OUTCOME_CANCELLED], 1);
			assert_string_equal(p->reason, ELSEWHERE);
			assert_int_equal(ph_count(h, i, PH_PROXY, "487/INVITE", NULL), 1);
			assert_int_equal(ph_count(h, PH_PROXY, i, "ACK", NULL), 1); /* hop by hop */
			/* the CANCEL came after the 2xx went up */
			assert_true(ph_find(h, PH_PROXY, i, "CANCEL", 1) >
			            ph_find(h, winner, PH_PROXY, "200/INVITE", 1));
		}
	}
	assert_int_equal(h->nodes[0].answered, 1);
	assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(h->nodes[winner].outcomes[SK_OUTCOME_ANSWERED], 1);
	struct sk_proxy_stats s = sk_proxy_stats(h->proxy);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.forks, n > 1);
	assert_int_equal(s.branches, (uint64_t)n + (n == 2 ? 1 : 0)); /* + the BYE, record-routed */
	assert_int_equal(s.cancels_sent, (uint64_t)n - 1);
	assert_int_equal(s.absorbed_487, (uint64_t)n - 1);
	assert_int_equal(s.cancelled, 0);
	ph_finish(h);
}

static void test_fork1_answer(void **state)
{
	(void)state;
	fork_answer(1, 11);
}

static void test_fork2_answer(void **state)
{
	(void)state;
	fork_answer(2, 12);
}

static void test_fork5_answer(void **state)
{
	(void)state;
	fork_answer(5, 13);
}

/* Two phones answer at once: both 2xx go up (§16.7 step 5); the caller ACKs and BYEs one. */
static void test_two_branches_answer(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(14, 3);
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 3);
	ph_phone(h, 2, 10, 300, 0);
	ph_phone(h, 3, 10, 300, 0);
	ph_phone(h, 4, 10, -1, 0);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 3000);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "200/INVITE", NULL), 2);
	assert_int_equal(ph_count(h, PH_PROXY, 4, "CANCEL", ELSEWHERE), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "487", NULL), 0);
	assert_int_equal(ph_count(h, 0, 2, "ACK", NULL) + ph_count(h, 0, 3, "ACK", NULL), 2);
	assert_int_equal(ph_count(h, 0, 2, "BYE", NULL) + ph_count(h, 0, 3, "BYE", NULL), 2);
	assert_int_equal(h->nodes[0].last_dialogs, 3); /* three early dialogs, two confirmed */
	assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(h->nodes[2].outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(h->nodes[3].outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(h->nodes[4].outcomes[SK_OUTCOME_CANCELLED], 1);
	ph_finish(h);
}

/* A branch (a forking element behind it) sends two 2xx with two To tags: both go up. */
static void test_two_2xx_one_branch(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(15, 2);
	o.raw_mask = 1u << 2;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 2);
	h->nodes[2].pol = (struct hw_policy){.ring_ms = 10, .answer_ms = 200, .second_2xx_ms = 250};
	ph_phone(h, 3, 10, -1, 0);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 3000);
	assert_int_equal(ph_count(h, 2, PH_PROXY, "200/INVITE", NULL), 2);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "200/INVITE", NULL), 2);
	assert_string_not_equal(ph_get(h, PH_PROXY, 0, "200/INVITE", 1)->to_tag,
	                        ph_get(h, PH_PROXY, 0, "200/INVITE", 2)->to_tag);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "CANCEL", ELSEWHERE), 1); /* once */
	assert_int_equal(h->nodes[2].raw_acks, 2);
	assert_int_equal(h->nodes[2].raw_byes, 2);
	assert_int_equal(h->nodes[0].last_dialogs, 3); /* three early dialogs, two confirmed */
	assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_ANSWERED], 1);
	ph_finish(h);
}

/*
 * §16.7 step 5 and 10: a 6xx is not forwarded at once; the other branches
 * are cancelled, the Reason saying why (RFC 3326), and the 603 goes up once
 * every branch has ended.
 */
static void test_6xx_cancels_others(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(16, 3);
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 3);
	ph_phone(h, 2, 10, -1, 0);
	ph_phone(h, 3, 10, -1, 0);
	ph_phone(h, 4, 10, 300, 603);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 3000);
	for (int i = 2; i <= 3; i++) {
		assert_int_equal(ph_count(h, PH_PROXY, i, "CANCEL", NULL), 1);
		assert_int_equal(ph_count(h, PH_PROXY, i, "CANCEL", "SIP;cause=603"), 1);
		assert_int_equal(h->nodes[i].outcomes[SK_OUTCOME_CANCELLED], 1);
		/* the 603 went up after this branch's 487 came */
		assert_true(ph_find(h, PH_PROXY, 0, "603/INVITE", 1) >
		            ph_find(h, i, PH_PROXY, "487/INVITE", 1));
	}
	assert_int_equal(ph_count(h, PH_PROXY, 4, "CANCEL", NULL), 0);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "603/INVITE", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "487", NULL), 0);
	assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_REJECTED], 1);
	assert_int_equal(h->nodes[0].last_status, 603);
	assert_int_equal(sk_proxy_stats(h->proxy).absorbed_487, 2);
	ph_finish(h);
}

/* ---- §16.7 step 6, 7: the best final ----------------------------------------------- */

/* Proxy to caller: final responses to the INVITE. */
static int finals_up(const struct ph *h)
{
	int k = 0;
	for (size_t i = 0; i < h->trace.nwire; i++) {
		const struct hw_wire *w = &h->trace.wire[i];
		k += w->from == PH_PROXY && w->to == 0 && w->status >= 200 &&
		     !strcmp(w->method, "INVITE");
	}
	return k;
}

/* Raw phones 2 and 3 answer code_a at 100 ms and code_b at 200 ms: the caller's final. */
static struct ph *best_run(uint64_t seed, int code_a, const char *extra_a, int code_b,
                           const char *extra_b)
{
	struct ph_opts o = ph_opts(seed, 2);
	o.raw_mask = 3u << 2;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 2);
	h->nodes[2].pol = (struct hw_policy){
	    .ring_ms = 10, .answer_ms = 100, .reject_code = code_a, .extra = extra_a};
	h->nodes[3].pol = (struct hw_policy){
	    .ring_ms = 10, .answer_ms = 200, .reject_code = code_b, .extra = extra_b};
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 2000);
	assert_int_equal(finals_up(h), 1); /* §16.7 step 5: exactly one non-2xx */
	return h;
}

static int best_of(uint64_t seed, int code_a, const char *extra_a, int code_b, const char *extra_b)
{
	struct ph *h = best_run(seed, code_a, extra_a, code_b, extra_b);
	int got = h->nodes[0].last_status;
	ph_finish(h);
	return got;
}

static void test_best_response(void **state)
{
	(void)state;
	/* "It MUST choose from the 6xx class responses if any exist" */
	assert_int_equal(best_of(20, 486, NULL, 603, NULL), 603);
	assert_int_equal(best_of(21, 603, NULL, 404, NULL), 603);
	/* "SHOULD choose from the lowest response class" */
	assert_int_equal(best_of(22, 500, NULL, 404, NULL), 404);
	assert_int_equal(best_of(23, 486, NULL, 302, "Contact: <sip:x@10.0.0.9>\r\n"), 302);
	/* 486 and 404: "MAY select any response within that chosen class" */
	int any = best_of(24, 486, NULL, 404, NULL);
	assert_true(any == 486 || any == 404);
	/* "SHOULD give preference to ... 401, 407, 415, 420, and 484" */
	assert_int_equal(best_of(25, 484, NULL, 486, NULL), 484);
	assert_int_equal(best_of(26, 404, NULL, 415, NULL), 415);
	assert_int_equal(best_of(27, 420, "Unsupported: foo\r\n", 480, NULL), 420);
	/* "If the only response that was received is a 503, the proxy SHOULD generate a 500" */
	assert_int_equal(best_of(28, 503, NULL, 503, NULL), 500);
}

/* §16.7 step 7: a 401 and a 407 from two branches: every challenge goes up in one. */
static void test_auth_merged(void **state)
{
	(void)state;
	struct ph *h = best_run(30, 401, "WWW-Authenticate: Digest realm=\"a\", nonce=\"1\"\r\n",
	                        407, "Proxy-Authenticate: Digest realm=\"b\", nonce=\"2\"\r\n");
	int got = h->nodes[0].last_status;
	assert_true(got == 401 || got == 407);
	const struct hw_wire *w = ph_get(h, PH_PROXY, 0, got == 401 ? "401" : "407", 1);
	struct sk_msg *m = hw_wire_parse(w);
	assert_str_view(hw_hdr(m, "WWW-Authenticate"), "Digest realm=\"a\", nonce=\"1\"");
	assert_str_view(hw_hdr(m, "Proxy-Authenticate"), "Digest realm=\"b\", nonce=\"2\"");
	assert_int_equal(sk_msg_hdr_num(m, SK_HDR_WWW_AUTHENTICATE), 1);
	assert_int_equal(sk_msg_hdr_num(m, SK_HDR_PROXY_AUTHENTICATE), 1);
	sk_msg_free(m);
	ph_finish(h);
}

/*
 * §16.9: a transport error on a branch counts as a 503; alone in the context,
 * the 503 goes up as a 500 (§16.7 step 6).
 */
static void test_transport_error_503(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(31, 0);
	struct ph *h = ph_new(&o);
	/* nothing listens at 10.0.0.9: the TCP connection is refused */
	assert_int_equal(sk_proxy_route_add(h->proxy, "bob", "sip:bob@10.0.0.9:5060;transport=tcp"),
	                 0);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 2000);
	if (h->nodes[0].last_status != 500) {
		ph_dump(h);
		fail_msg("the caller got %d; a transport error is a 503 (§16.9), sent up as 500",
		         h->nodes[0].last_status);
	}
	ph_finish(h);
}

/* A REGISTER of phone i for PH_AOR with a q-value (NULL: none), as sk_ua_register sends it. */
static void ph_register(struct ph *h, int i, const char *q)
{
	char buf[1024], a[64], cid[32];
	sk_sa_print(&h->nodes[i].addr, a, sizeof(a));
	snprintf(cid, sizeof(cid), "reg%d@test", i);
	int k = snprintf(buf, sizeof(buf),
	                 "REGISTER sip:" PH_DOMAIN " SIP/2.0\r\n"
	                 "Max-Forwards: 70\r\n"
	                 "From: <" PH_AOR ">;tag=r%d\r\n"
	                 "To: <" PH_AOR ">\r\n"
	                 "Call-ID: %s\r\n"
	                 "CSeq: 1 REGISTER\r\n"
	                 "Contact: <sip:bob@%s>%s%s\r\n"
	                 "Expires: 3600\r\n"
	                 "Content-Length: 0\r\n\r\n",
	                 i, cid, a, q ? ";q=" : "", q ? q : "");
	assert_true(k > 0 && (size_t)k < sizeof(buf));
	struct sk_target dst = {.proto = SK_PROTO_UDP, .addr = h->nodes[PH_PROXY].addr};
	assert_int_equal(sk_txn_request(sk_stack_txl(h->nodes[i].st),
	                                (struct sk_str){buf, (size_t)k}, &dst, NULL, NULL, NULL),
	                 0);
}

/* ---- sequential forking by q-value (§16.6, §20.10) ----------------------------------- */

static struct ph *seq_init(uint64_t seed, uint32_t branch_ms)
{
	struct ph_opts o = ph_opts(seed, 3);
	o.proxy.registrar = true;
	o.proxy.fork = SK_FORK_SEQUENTIAL;
	o.proxy.branch_ms = branch_ms;
	struct ph *h = ph_new(&o);
	ph_register(h, 2, "0.9");
	ph_register(h, 3, "0.5");
	ph_register(h, 4, "0.5");
	ph_run(h, 100);
	assert_int_equal(sk_proxy_stats(h->proxy).bindings, 3);
	assert_int_equal(ph_count(h, PH_PROXY, -1, "200/REGISTER", NULL), 3);
	return h;
}

/* Group 2 (q 0.5) only after group 1 (q 0.9) ended with a non-2xx; then 3 answers. */
static void test_sequential_after_failure(void **state)
{
	(void)state;
	struct ph *h = seq_init(40, 0);
	ph_phone(h, 2, 10, 300, 486);
	ph_phone(h, 3, 10, 300, 0);
	ph_phone(h, 4, 10, -1, 0);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 100);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "INVITE", NULL), 0);
	assert_int_equal(ph_count(h, PH_PROXY, 4, "INVITE", NULL), 0);
	ph_run(h, 3000);
	long fail1 = ph_find(h, 2, PH_PROXY, "486/INVITE", 1);
	assert_true(fail1 >= 0);
	assert_true(ph_find(h, PH_PROXY, 3, "INVITE", 1) > fail1);
	assert_true(ph_find(h, PH_PROXY, 4, "INVITE", 1) > fail1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "486", NULL), 0); /* not the best yet */
	assert_int_equal(ph_count(h, PH_PROXY, 0, "200/INVITE", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 4, "CANCEL", ELSEWHERE), 1);
	assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(h->nodes[3].outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(h->nodes[4].outcomes[SK_OUTCOME_CANCELLED], 1);
	ph_finish(h);
}

/* A group that rings too long (branch_ms) is given up (cancelled) for the next one. */
static void test_sequential_branch_time(void **state)
{
	(void)state;
	struct ph *h = seq_init(41, 2000);
	ph_phone(h, 2, 10, -1, 0);
	ph_phone(h, 3, 10, 100, 0);
	ph_phone(h, 4, -1, -1, 0);
	uint64_t t = ph_now(h);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 1900);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "INVITE", NULL), 0);
	ph_run(h, 2000);
	const struct hw_wire *inv3 = ph_get(h, PH_PROXY, 3, "INVITE", 1);
	assert_true(inv3->at >= t + 2000);
	assert_true(ph_find(h, PH_PROXY, 2, "CANCEL", 1) >= 0);
	assert_int_equal(h->nodes[2].outcomes[SK_OUTCOME_CANCELLED], 1);
	assert_int_equal(h->nodes[0].answered, 1);
	assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(h->nodes[4].outcomes[SK_OUTCOME_CANCELLED], 1);
	ph_finish(h);
}

/* §16.7 step 5: after a 6xx, "it MUST NOT create any new branches in this context". */
static void test_sequential_6xx_stops(void **state)
{
	(void)state;
	struct ph *h = seq_init(42, 0);
	ph_phone(h, 2, 10, 300, 603);
	ph_phone(h, 3, 10, 100, 0);
	ph_phone(h, 4, 10, 100, 0);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 3000);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "INVITE", NULL), 0);
	assert_int_equal(ph_count(h, PH_PROXY, 4, "INVITE", NULL), 0);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "603/INVITE", NULL), 1);
	assert_int_equal(h->nodes[0].last_status, 603);
	ph_finish(h);
}

/* Delays every 487 node 2 sends by 300 ms (a slow callee). */
static void slow_487_of_2(void *arg, struct sk_simnet_packet *p)
{
	struct ph *h = arg;
	if (sk_sa_same_host(&p->from, &h->nodes[2].addr) && ph_pkt_is(p, "SIP/2.0 487", "INVITE"))
		p->delay_ms += 300;
}

/*
 * §16.10: the caller cancels while the first group rings: no later group is
 * started, and the caller's final is the cancelled branch's 487 even when it
 * comes after the group's time (branch_ms) is up.
 */
static void test_sequential_cancel(void **state)
{
	(void)state;
	for (int slow = 0; slow <= 1; slow++) {
		struct ph *h = seq_init(43 + (uint64_t)slow, 2000);
		if (slow) {
			h->filter = slow_487_of_2;
			h->filter_arg = h;
		}
		ph_phone(h, 2, 10, -1, 0);
		ph_phone(h, 3, 10, 100, 0);
		ph_phone(h, 4, 10, 100, 0);
		ph_call(h, SK_PROTO_UDP);
		ph_at(h, slow ? 1900 : 1000, ph_act_cancel, NULL);
		ph_run(h, 5000);
		assert_int_equal(ph_count(h, PH_PROXY, 2, "CANCEL", NULL), 1);
		assert_int_equal(ph_count(h, PH_PROXY, 3, "INVITE", NULL), 0);
		assert_int_equal(ph_count(h, PH_PROXY, 4, "INVITE", NULL), 0);
		if (h->nodes[0].last_status != 487) {
			ph_dump(h);
			fail_msg("%s: the caller's final is %d, not the cancelled branch's 487",
			         slow ? "487 after branch_ms" : "487 in time",
			         h->nodes[0].last_status);
		}
		assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_CANCELLED], 1);
		ph_finish(h);
	}
}

/* Delays every 200 to an INVITE node 2 sends by 200 ms. */
static void slow_200_of_2(void *arg, struct sk_simnet_packet *p)
{
	struct ph *h = arg;
	if (sk_sa_same_host(&p->from, &h->nodes[2].addr) && ph_pkt_is(p, "SIP/2.0 200", "INVITE"))
		p->delay_ms += 200;
}

/*
 * The first group's time is up just as phone 2 answers: its 200 crosses the
 * proxy's CANCEL and arrives after phone 3 (the next group) said 486. The
 * branch of phone 2 was still pending: no final may go up before it ends
 * (§16.7 step 6: "all client transactions in this response context have
 * been terminated"), and its 2xx goes up (step 5).
 */
static void test_sequential_late_2xx(void **state)
{
	(void)state;
	struct ph *h = seq_init(46, 2000);
	h->filter = slow_200_of_2;
	h->filter_arg = h;
	ph_phone(h, 2, 10, 1999, 0); /* INVITE at ~102 ms, 200 at ~2101, the CANCEL at ~2102 */
	ph_phone(h, 3, -1, 50, 486);
	ph_phone(h, 4, -1, 50, 486);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 5000);
	/* phone 2 had answered when the CANCEL came: 200 to it, no 487 (§9.2) */
	assert_int_equal(ph_count(h, 2, PH_PROXY, "200/CANCEL", NULL), 1);
	assert_int_equal(ph_count(h, 2, PH_PROXY, "487/INVITE", NULL), 0);
	assert_int_equal(ph_count(h, 3, PH_PROXY, "486/INVITE", NULL), 1);
	if (ph_count(h, PH_PROXY, 0, "486/INVITE", NULL) || h->nodes[0].answered != 1) {
		ph_dump(h);
		fail_msg("the 486 went up while phone 2's branch was pending; its 200 was %s",
		         ph_count(h, PH_PROXY, 0, "200/INVITE", NULL) ? "forwarded after" : "lost");
	}
	assert_int_equal(h->nodes[2].outcomes[SK_OUTCOME_ANSWERED], 1);
	ph_finish(h);
}

/* Phones registered with sk_ua_register (§10.2): the INVITE forks to every binding. */
static void test_fork_registered(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(44, 3);
	o.proxy.registrar = true;
	struct ph *h = ph_new(&o);
	for (int i = 2; i <= 4; i++)
		assert_int_equal(sk_ua_register(h->nodes[i].ua, PH_PROXY_URI, PH_AOR, 3600), 0);
	ph_run(h, 100);
	assert_int_equal(sk_proxy_stats(h->proxy).bindings, 3);
	ph_phone(h, 2, 10, -1, 0);
	ph_phone(h, 3, 10, 200, 0);
	ph_phone(h, 4, 10, -1, 0);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 2000);
	for (int i = 2; i <= 4; i++)
		assert_int_equal(ph_count(h, PH_PROXY, i, "INVITE", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "CANCEL", ELSEWHERE), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 4, "CANCEL", ELSEWHERE), 1);
	assert_int_equal(h->nodes[0].outcomes[SK_OUTCOME_ANSWERED], 1);
	assert_int_equal(sk_proxy_stats(h->proxy).forks, 1);
	ph_finish(h);
}

/*
 * A forked non-INVITE (OPTIONS to bob, two phones): "a stateful proxy will
 * forward exactly one final response to a non-INVITE request" (§16.7 step 5);
 * no CANCEL for a non-INVITE (§9.1).
 */
static void test_fork_non_invite(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(45, 2);
	o.raw_mask = 1;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 2);
	char buf[1024];
	raw_ask(h, ph_req(buf, sizeof(buf), "OPTIONS", PH_AOR, "opt@test", 1, 70, NULL), 1000);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "OPTIONS", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "OPTIONS", NULL), 1);
	assert_int_equal(ph_count(h, 2, PH_PROXY, "200/OPTIONS", NULL), 1);
	assert_int_equal(ph_count(h, 3, PH_PROXY, "200/OPTIONS", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "200/OPTIONS", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, -1, "CANCEL", NULL), 0);
	assert_int_equal(sk_proxy_stats(h->proxy).calls, 0);
	ph_finish(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    PH_TEST(test_max_forwards_zero),      PH_TEST(test_uri_scheme),
	    PH_TEST(test_proxy_require),          PH_TEST(test_loop_detected),
	    PH_TEST(test_missing_call_id),        PH_TEST(test_loose_route_no_rr),
	    PH_TEST(test_record_route),           PH_TEST(test_dialog_key_shared),
	    PH_TEST(test_strict_next_hop),        PH_TEST(test_strict_previous_hop),
	    PH_TEST(test_fork1_answer),           PH_TEST(test_fork2_answer),
	    PH_TEST(test_fork5_answer),           PH_TEST(test_two_branches_answer),
	    PH_TEST(test_two_2xx_one_branch),     PH_TEST(test_6xx_cancels_others),
	    PH_TEST(test_best_response),          PH_TEST(test_auth_merged),
	    PH_TEST(test_transport_error_503),    PH_TEST(test_sequential_after_failure),
	    PH_TEST(test_sequential_branch_time), PH_TEST(test_sequential_6xx_stops),
	    PH_TEST(test_sequential_cancel),      PH_TEST(test_sequential_late_2xx),
	    PH_TEST(test_fork_registered),        PH_TEST(test_fork_non_invite),
	};
	return cmocka_run_group_tests_name("proxy", tests, NULL, NULL);
}
