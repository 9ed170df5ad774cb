/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy against a stranger with no credentials sending well-formed
 * requests, on simnet (each case reproduces an attack and failed before its
 * fix):
 *   - the fork loop of RFC 5393 §3: two users whose contacts point back at
 *     the proxy, each under other parameters, so that the Request-URI changes
 *     at every pass: the loop is caught when the request comes back for the
 *     same user (§16.3 step 4 on user, host and port), after 12 INVITEs, not
 *     3^Max-Forwards;
 *   - Max-Breadth (RFC 5393 §5.3): the branches of a request share it, the
 *     forwarded requests carry their part, targets beyond it are not tried,
 *     0 is answered 440, a malformed one 400;
 *   - a chain of spirals through users of the proxy: a request seen
 *     max_passes times already is answered 482;
 *   - pending calls bounded: past max_pending, 503 with Retry-After;
 *   - a source flooding past its rate: 503, then silence; a trusted one not;
 *   - overload: new requests 503 at once, CANCELs still served, recovery;
 *   - reflection: stray responses not relayed, finals to a spoofed source
 *     repeated 3 times, not until Timer H;
 *   - the registrar filled by one source: 403 to it, 503 to the others.
 */
#include "proxy_harness.h"

/* A raw caller (node 0) sends req to the proxy; the run goes on for ms. */
static void raw_ask(struct ph *h, struct sk_str req, uint64_t ms)
{
	ph_raw_send(h, 0, SK_PROTO_UDP, req);
	ph_run(h, ms);
}

/* The proxy's address (node PH_PROXY) as "host:port". */
static const char *proxy_addr(const struct ph *h)
{
	static char a[64];
	sk_sa_print(&h->nodes[PH_PROXY].addr, a, sizeof(a));
	return a;
}

/* user's targets: n URIs of other_user at the proxy, each with its own parameter. */
static void route_back(struct ph *h, const char *user, const char *other_user, int n)
{
	char uris[512];
	size_t used = 0;
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(uris + used, sizeof(uris) - used, "%ssip:%s@%s;x=%d",
		                         i ? "," : "", other_user, proxy_addr(h), i + 1);
	assert_true(used < sizeof(uris));
	assert_int_equal(sk_proxy_route_add(h->proxy, user, uris), 0);
}

/*
 * RFC 5393 §3: alice's three contacts are bob at the proxy, bob's are alice
 * at the proxy, each with a parameter of its own. One INVITE for alice: three
 * for bob, nine for alice again, and those nine are the loop (§16.3 step 4:
 * the same user, host and port, Call-ID, tags and CSeq as a request we have
 * forwarded): 482. Before, the changing parameters made every pass a new
 * spiral, and the INVITEs grew threefold per hop until Max-Forwards ran out.
 */
static void test_fork_loop_through_contacts(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(500, 1);
	o.raw_mask = 1;
	struct ph *h = ph_new(&o);
	route_back(h, "alice", "bob", 3);
	route_back(h, "bob", "alice", 3);
	char buf[1024], ruri[96];
	snprintf(ruri, sizeof(ruri), "sip:alice@%s", proxy_addr(h));
	raw_ask(h, ph_req(buf, sizeof(buf), "INVITE", ruri, "fork-loop@test", 1, 10, NULL), 40000);
	int self = ph_count(h, PH_PROXY, PH_PROXY, "INVITE", NULL);
	if (self != 12) {
		print_error("the proxy sent itself %d INVITEs (branches %llu), expected 12\n", self,
		            (unsigned long long)sk_proxy_stats(h->proxy).branches);
		fail_msg("fork loop not caught");
	}
	assert_int_equal(sk_proxy_stats(h->proxy).loops, 9);
	/* the caller hears the end: the best final of its branches */
	assert_int_equal(ph_count(h, PH_PROXY, 0, "482/INVITE", NULL), 1);
	ph_finish(h);
}

/* The Max-Breadth header of the nth INVITE the proxy sent to node `to`, 0 if none. */
static unsigned breadth_sent(struct ph *h, int to, int nth)
{
	struct sk_msg *m = hw_wire_parse(ph_get(h, PH_PROXY, to, "INVITE", nth));
	const struct sk_hdr *mb = sk_msg_hdr_find(m, "Max-Breadth");
	uint64_t v = 0;
	if (mb)
		assert_int_equal(sk_str_to_u64(mb->value, 1000, &v), 0);
	sk_msg_free(m);
	return (unsigned)v;
}

/* RFC 5393 §5.3: the concurrent branches share the request's breadth. */
static void test_max_breadth(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(501, 3);
	o.raw_mask = 1;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 3); /* phones 2, 3, 4 */
	for (int i = 2; i <= 4; i++)
		ph_phone(h, i, 10, -1, 486);
	char buf[1024];
	/* none given: ours, 60, shared by the three */
	raw_ask(h, ph_req(buf, sizeof(buf), "INVITE", PH_AOR, "mb-none@test", 1, 70, NULL), 2000);
	for (int i = 2; i <= 4; i++)
		assert_int_equal(breadth_sent(h, i, 1), 20);
	/* 2 for three targets: two branches of 1 each, the third not tried */
	raw_ask(
	    h, ph_req(buf, sizeof(buf), "INVITE", PH_AOR, "mb-2@test", 1, 70, "Max-Breadth: 2\r\n"),
	    2000);
	int sent = 0;
	for (int i = 2; i <= 4; i++)
		sent += ph_count(h, PH_PROXY, i, "INVITE", NULL);
	assert_int_equal(sent, 3 + 2);
	assert_int_equal(breadth_sent(h, 2, 2), 1);
	assert_int_equal(breadth_sent(h, 3, 2), 1);
	assert_int_equal(sk_proxy_stats(h->proxy).breadth_440, 1);
	/* 0: no branch at all (440); malformed: 400 */
	raw_ask(
	    h, ph_req(buf, sizeof(buf), "INVITE", PH_AOR, "mb-0@test", 1, 70, "Max-Breadth: 0\r\n"),
	    2000);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "440/INVITE", NULL), 1);
	raw_ask(h,
	        ph_req(buf, sizeof(buf), "INVITE", PH_AOR, "mb-bad@test", 1, 70,
	               "Max-Breadth: lots\r\n"),
	        2000);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "400/INVITE", NULL), 1);
	sent = 0;
	for (int i = 2; i <= 4; i++)
		sent += ph_count(h, PH_PROXY, i, "INVITE", NULL);
	assert_int_equal(sent, 5); /* neither was forwarded */
	ph_finish(h);
}

/*
 * A chain of users at the proxy, each routed to the next (u0 -> u1 -> ...):
 * every pass is a legitimate spiral, but a request that has been through us
 * max_passes times (8 by default) already is answered 482.
 */
static void test_too_many_passes(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(502, 1);
	o.raw_mask = 1;
	struct ph *h = ph_new(&o);
	char user[16], next[96], ruri[96], buf[1024];
	for (int i = 0; i < 12; i++) {
		snprintf(user, sizeof(user), "u%d", i);
		snprintf(next, sizeof(next), "sip:u%d@%s", i + 1, proxy_addr(h));
		assert_int_equal(sk_proxy_route_add(h->proxy, user, next), 0);
	}
	snprintf(ruri, sizeof(ruri), "sip:u0@%s", proxy_addr(h));
	raw_ask(h, ph_req(buf, sizeof(buf), "INVITE", ruri, "passes@test", 1, 70, NULL), 40000);
	assert_int_equal(ph_count(h, PH_PROXY, PH_PROXY, "INVITE", NULL), 8);
	assert_int_equal(sk_proxy_stats(h->proxy).loops, 1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "482/INVITE", NULL), 1);
	ph_finish(h);
}

/*
 * No limit on pending calls was the way to take the proxy's memory: past
 * max_pending the new INVITEs are answered 503 with Retry-After (§21.5.4) at
 * once; those held ring on, their CANCELs and Timer C work as ever.
 */
static void test_pending_cap(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(503, 1);
	o.raw_mask = 1;
	o.proxy.max_pending = 20;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 1);
	ph_phone(h, 2, 10, -1, 0); /* rings, never answers */
	char buf[1024], cid[32];
	for (int i = 0; i < 30; i++) {
		snprintf(cid, sizeof(cid), "pending-%d@test", i);
		ph_raw_send(h, 0, SK_PROTO_UDP,
		            ph_req(buf, sizeof(buf), "INVITE", PH_AOR, cid, 1, 70, NULL));
	}
	ph_run(h, 1000);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 20);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "503/INVITE", NULL), 10);
	struct sk_msg *m = hw_wire_parse(ph_get(h, PH_PROXY, 0, "503/INVITE", 1));
	const struct sk_hdr *ra = sk_msg_hdr_first(m, SK_HDR_RETRY_AFTER);
	assert_non_null(ra);
	assert_true(sk_str_eq(ra->value, SK_STR_LIT("5")));
	sk_msg_free(m);
	struct sk_proxy_stats st = sk_proxy_stats(h->proxy);
	assert_int_equal(st.pending, 20);
	assert_int_equal(st.shed_503, 10);
	/* Timer C ends the twenty (408 with a Reason to the caller), nothing left after */
	ph_run(h, 190000);
	assert_int_equal(sk_proxy_pending(h->proxy, NULL, NULL), 0);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "408/INVITE", NULL), 20);
	ph_finish(h);
}

/* n INVITEs from raw node `from`, each a call of its own (Call-ID tag-i). */
static void invites_from(struct ph *h, int from, const char *tag, int n)
{
	char buf[1024], cid[48];
	for (int i = 0; i < n; i++) {
		snprintf(cid, sizeof(cid), "%s-%d@test", tag, i);
		ph_raw_send(h, from, SK_PROTO_UDP,
		            ph_req(buf, sizeof(buf), "INVITE", PH_AOR, cid, 1, 70, NULL));
	}
}

/*
 * A source at 50 times its rate (src_rate 5 a second, 250 INVITEs at once):
 * five go through, the next 45 are answered 503 with Retry-After, the rest
 * get silence (it does not listen to its 503s), and so do its retransmissions
 * until the silence ends; another source goes through meanwhile; a trusted
 * one is never limited.
 */
static void test_source_flood(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(504, 3);
	o.raw_mask = 1u | 1u << 4;
	o.proxy.src_rate = 5;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 1);
	ph_phone(h, 2, 0, -1, 486); /* rejects at once */
	invites_from(h, 0, "flood", 250);
	ph_run(h, 100);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 5);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "503/INVITE", NULL), 45);
	struct sk_proxy_stats st = sk_proxy_stats(h->proxy);
	assert_int_equal(st.shed_503, 45);
	assert_int_equal(st.dropped, 200);
	/* another source is not held to the flooder's account */
	invites_from(h, 4, "polite", 3);
	ph_run(h, 100);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 8);
	/* the flooder's retransmissions (T1 = 500 ms) still meet silence */
	ph_run(h, 900);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "503/INVITE", NULL), 45);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 8);
	ph_free(h);

	/* the same flood from a trusted source (--trust 10.0.0.0/24): all go through */
	o.proxy.trust = "192.0.2.0/24,10.0.0.0/24";
	h = ph_new(&o);
	ph_route(h, "bob", 2, 1);
	ph_phone(h, 2, 0, -1, 486);
	invites_from(h, 0, "trusted", 100);
	ph_run(h, 100);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 100);
	assert_int_equal(sk_proxy_stats(h->proxy).shed_503, 0);
	ph_free(h);

	/* a trust list that does not parse: the proxy is not made */
	struct sk_proxy *p = NULL;
	h = ph_new(&o);
	struct sk_proxy_config bad = {.stack = h->nodes[3].st, .trust = "10.0.0.0/33"};
	assert_int_equal(sk_proxy_new(&p, &bad), -SK_EINVAL);
	ph_free(h);
}

/*
 * Overload (here from pending requests near the cap: 9 of max_pending 10;
 * the UDP receive queue is the other signal, which simnet does not have):
 * a new INVITE is answered 503 at once, a CANCEL of a pending call still
 * goes through (200, then the branch's 487 up); once the load has been low
 * for 200 ms, new requests are taken again.
 */
static void test_overload_sheds_new_not_cancel(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(505, 1);
	o.raw_mask = 1;
	o.proxy.max_pending = 10;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 1);
	ph_phone(h, 2, 10, -1, 0); /* rings */
	invites_from(h, 0, "load", 8);
	ph_run(h, 100);
	assert_false(sk_proxy_overloaded(h->proxy));
	char buf[1024];
	struct sk_txn *ninth =
	    ph_raw_send(h, 0, SK_PROTO_UDP,
	                ph_req(buf, sizeof(buf), "INVITE", PH_AOR, "ninth@test", 1, 70, NULL));
	ph_run(h, 100);
	assert_true(sk_proxy_overloaded(h->proxy));
	assert_int_equal(sk_proxy_stats(h->proxy).overloads, 1);
	invites_from(h, 0, "shed", 1);
	ph_run(h, 100);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "503/INVITE", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 9);
	/* the caller gives up one call: its CANCEL is no new work */
	assert_int_equal(sk_txn_cancel(ninth, NULL, NULL, NULL), SK_CANCEL_SENT);
	ph_run(h, 100);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "200/CANCEL", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "487/INVITE", NULL), 1);
	/* Timer C ends the others; the contexts go with their transactions, the
	 * load falls, and after 200 ms of calm the proxy takes calls again */
	ph_run(h, 240000);
	assert_false(sk_proxy_overloaded(h->proxy));
	invites_from(h, 0, "after", 1);
	ph_run(h, 100);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 10);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "503/INVITE", NULL), 1);
	ph_finish(h);
}

/* Bytes from node `from` straight to the proxy over UDP, no transaction of its own. */
static void raw_bytes(struct ph *h, int from, const char *msg)
{
	struct sk_flow f = {
	    .proto = SK_PROTO_UDP, .local = h->nodes[from].addr, .remote = h->nodes[PH_PROXY].addr};
	assert_int_equal(sk_tp_send(sk_stack_tp(h->nodes[from].st), &f, msg, strlen(msg)), 0);
}

/*
 * Reflection. (1) Responses that match no transaction, their second Via
 * naming a victim (node 3): §18.2.2 would relay them there; only answers to
 * what we forwarded statelessly (a MAC in our branch) are, the rest dropped.
 * (2) An INVITE from a source that never ACKs (spoofed): its 404 goes out
 * once and 3 times more on Timer G, not 11 times until Timer H.
 */
static void test_reflection(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(506, 2);
	o.raw_mask = 1u | 1u << 3;
	struct ph *h = ph_new(&o);
	char msg[1024], victim[64], proxy[64];
	sk_sa_print(&h->nodes[3].addr, victim, sizeof(victim));
	snprintf(proxy, sizeof(proxy), "%s", proxy_addr(h));
	for (int i = 0; i < 100; i++) {
		snprintf(msg, sizeof(msg),
		         "SIP/2.0 %d OK\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKx%d.s0badcafe\r\n"
		         "Via: SIP/2.0/UDP %s;branch=z9hG4bKvictim%d\r\n"
		         "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: r%d\r\n"
		         "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		         i % 2 ? 200 : 486, proxy, i, victim, i, i);
		raw_bytes(h, 0, msg);
	}
	ph_run(h, 1000);
	assert_int_equal(
	    ph_count(h, PH_PROXY, 3, "200", NULL) + ph_count(h, PH_PROXY, 3, "486", NULL), 0);
	assert_int_equal(sk_proxy_stats(h->proxy).strays_dropped, 100);

	snprintf(msg, sizeof(msg),
	         "INVITE sip:nobody@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bKspoof1\r\n"
	         "Max-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:nobody@x>\r\n"
	         "Call-ID: spoof@test\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
	         proxy, victim);
	raw_bytes(h, 3, msg);
	ph_run(h, 40000);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "404/INVITE", NULL), 1 + 3);
	ph_finish(h);
}

/* A REGISTER of user@example.test from raw node `from` (Contact at that node). */
static void register_user(struct ph *h, int from, int user)
{
	char buf[1024], a[64];
	sk_sa_print(&h->nodes[from].addr, a, sizeof(a));
	int k = snprintf(buf, sizeof(buf),
	                 "REGISTER sip:" PH_DOMAIN " SIP/2.0\r\nMax-Forwards: 70\r\n"
	                 "From: <sip:u%d@" PH_DOMAIN ">;tag=r%d\r\nTo: <sip:u%d@" PH_DOMAIN ">\r\n"
	                 "Call-ID: reg-%d-%d@test\r\nCSeq: 1 REGISTER\r\n"
	                 "Contact: <sip:u%d@%s>\r\nExpires: 3600\r\nContent-Length: 0\r\n\r\n",
	                 user, user, user, from, user, user, a);
	assert_true(k > 0 && (size_t)k < sizeof(buf));
	ph_raw_send(h, from, SK_PROTO_UDP, (struct sk_str){buf, (size_t)k});
}

/*
 * The registrar filled by one stranger (anyone may register): its store of
 * 1000 AORs full, the source that registered 1000 new users within the minute
 * gets 403 for the next one, another source 503 with Retry-After (the load
 * passes as bindings expire). Each answer is decided in O(1).
 */
static void test_registrar_filled(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(507, 2);
	o.raw_mask = 1u | 1u << 3;
	o.proxy.domain = PH_DOMAIN;
	o.proxy.registrar = true;
	assert_int_equal(sk_location_memory(&o.proxy.location, 1000, 4), 0);
	struct ph *h = ph_new(&o);
	for (int i = 0; i < 1000; i++) {
		register_user(h, 0, i);
		if (i % 100 == 99)
			ph_run(h, 50);
	}
	ph_run(h, 500);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "200/REGISTER", NULL), 1000);
	register_user(h, 0, 1000);
	register_user(h, 3, 1001);
	ph_run(h, 500);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "403/REGISTER", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "503/REGISTER", NULL), 1);
	ph_finish(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fork_loop_through_contacts),
	    cmocka_unit_test(test_max_breadth),
	    cmocka_unit_test(test_too_many_passes),
	    cmocka_unit_test(test_pending_cap),
	    cmocka_unit_test(test_source_flood),
	    cmocka_unit_test(test_overload_sheds_new_not_cancel),
	    cmocka_unit_test(test_reflection),
	    cmocka_unit_test(test_registrar_filled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
