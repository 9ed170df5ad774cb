/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the wire saw and what it refused, on simnet and virtual time:
 *  - a response over TCP is traced on the request's connection, between its
 *    two ends, not towards the Via's sent-by (§18.2.2): traces show the wire
 *  - an ICMP unreachable for a UDP destination fails, at once and with
 *    -SK_EIO (§17.1.4), the client transactions to exactly that address and
 *    port that have heard nothing yet; not the ones to another port, not one
 *    that has a provisional (a forged or late ICMP cannot end it), not the
 *    server side; hundreds to one destination in one report (batches)
 *  - a proxy's branch to a closed UDP port: a transport error, a 503 in the
 *    response context (§16.9), a 500 to the caller (§16.7 step 6), at once
 *  - simnet's two ways of refusing a datagram: a filter's `unreachable` and a
 *    link whose closed ports answer (`icmp`)
 */
#include "proxy_harness.h"
#include "sim_harness.h"

static void ring(struct node *n, struct sk_txn *st, const struct sk_msg *req, struct sk_txn *target)
{
	(void)n;
	(void)req;
	(void)target;
	if (sk_txn_kind(st) == SK_TXN_IST)
		assert_int_equal(sk_txn_reply(st, 180, NULL, "b1"), 0);
}

static struct sk_txn *send_to(struct sim *s, int from, const struct sk_sa *to, const char *method,
                              enum sk_proto proto, const char *call_id)
{
	char buf[1024];
	/* the Request-URI names node 1; the datagram goes where `to` says */
	size_t len =
	    sim_request(buf, sizeof(buf), method, &s->nodes[from], &s->nodes[1], call_id, 1, NULL);
	struct sk_target dst = {.proto = proto, .addr = *to};
	struct sk_txn *t = NULL;
	assert_int_equal(sk_txn_request(s->nodes[from].txl, (struct sk_str){buf, len}, &dst,
	                                &h_handler, &s->nodes[from], &t),
	                 0);
	return t;
}

static struct sk_sa addr(const char *hostport)
{
	struct sk_sa a;
	assert_int_equal(sk_sa_parse(&a, sk_str_c(hostport), 5060), 0);
	return a;
}

/* ---- traces show the wire ------------------------------------------------ */

struct tap {
	int out;
	struct sk_flow last_out;
};

static void tap_fn(void *arg, bool out, const struct sk_flow *flow, const char *buf, size_t len)
{
	struct tap *t = arg;
	(void)buf;
	(void)len;
	if (out) {
		t->out++;
		t->last_out = *flow;
	}
}

static void tap_in(void *arg, bool out, const struct sk_flow *flow, const char *buf, size_t len)
{
	struct tap *t = arg;
	(void)buf;
	(void)len;
	if (!out)
		t->last_out = *flow; /* reused: the flow the request came in on */
}

static void test_tcp_response_traced_on_its_connection(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 31, 2, NULL);
	struct tap out = {0}, in = {0};
	s.nodes[1].on_request = ring;
	sk_tp_set_trace(s.nodes[1].tp, tap_fn, &out);
	send_to(&s, 0, &s.nodes[1].addr, "INVITE", SK_PROTO_TCP, "traced");
	sim_run(&s, 5);
	assert_int_equal(s.nodes[0].resp[1], 1);
	assert_int_equal(out.out, 1); /* the 180 */
	/* where the request came from: node 0's connection, from an ephemeral port */
	sk_tp_set_trace(s.nodes[1].tp, tap_in, &in);
	send_to(&s, 0, &s.nodes[1].addr, "OPTIONS", SK_PROTO_TCP, "traced2");
	sim_run(&s, 5);
	assert_int_equal(in.last_out.proto, SK_PROTO_TCP);
	assert_true(sk_sa_same_host(&in.last_out.remote, &s.nodes[0].addr));
	assert_int_not_equal(sk_sa_port(&in.last_out.remote), 5060);
	/* the 180 was traced between the connection's two ends, as it went */
	assert_int_equal(out.last_out.proto, SK_PROTO_TCP);
	assert_int_equal(out.last_out.conn, in.last_out.conn);
	assert_true(sk_sa_equal(&out.last_out.remote, &in.last_out.remote));
	assert_true(sk_sa_equal(&out.last_out.local, &in.last_out.local));
	sim_free(&s);
}

/* ---- ICMP unreachable ---------------------------------------------------- */

/* Datagrams to the address:port arg points to come back refused. */
static void refuse(void *arg, struct sk_simnet_packet *p)
{
	const struct sk_sa *a = arg;
	if (p->proto == SK_PROTO_UDP && sk_sa_equal(&p->to, a))
		p->unreachable = true;
}

/* A closed port on a host that answers for it: the INVITE fails at once, not at Timer B. */
static void test_udp_closed_port_fails_at_once(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 32, 2, NULL);
	sk_simnet_set_link(
	    s.w.sn, &(struct sk_simnet_link){.delay_min_ms = 1, .delay_max_ms = 1, .icmp = true});
	struct sk_sa closed = addr("10.0.0.9:5060");
	send_to(&s, 0, &closed, "INVITE", SK_PROTO_UDP, "closed");
	sim_run(&s, 5);
	assert_int_equal(s.nodes[0].failed, 1);
	assert_int_equal(s.nodes[0].last_err, -SK_EIO);
	assert_int_equal(sk_txl_count(s.nodes[0].txl), 0);
	assert_int_equal(sk_tp_stats(s.nodes[0].tp).rx_unreachable, 1);
	assert_int_equal(sk_simnet_stats(s.w.sn).unreachable, 1);
	/* without icmp the same datagram is lost in silence: Timer B, 64*T1 later */
	sk_simnet_set_link(s.w.sn, &(struct sk_simnet_link){.delay_min_ms = 1, .delay_max_ms = 1});
	send_to(&s, 0, &closed, "INVITE", SK_PROTO_UDP, "silent");
	sim_run(&s, 31000);
	assert_int_equal(s.nodes[0].failed, 1);
	sim_run(&s, 1100);
	assert_int_equal(s.nodes[0].failed, 2);
	assert_int_equal(s.nodes[0].last_err, -SK_ETIMEDOUT);
	sim_free(&s);
}

/*
 * Only exactly that destination: an INVITE to node 1 (refused), one to node
 * 2 (answered 180), one to node 1's host on another port (silent). The
 * refusal ends the first alone; a forged report for node 2 ends nothing (its
 * INVITE has a provisional); one for another port of node 1 ends nothing.
 */
static void test_unreachable_exact_destination(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 33, 3, NULL);
	s.nodes[1].on_request = ring;
	s.nodes[2].on_request = ring;
	struct sk_sa refused = s.nodes[1].addr;
	sk_simnet_set_filter(s.w.sn, refuse, &refused);
	struct sk_sa other_port = addr("10.0.0.2:5070");
	send_to(&s, 0, &s.nodes[2].addr, "INVITE", SK_PROTO_UDP, "alive");
	send_to(&s, 0, &other_port, "INVITE", SK_PROTO_UDP, "other-port");
	sim_run(&s, 5);
	assert_int_equal(s.nodes[0].resp[1], 1); /* node 2 rings */
	send_to(&s, 0, &s.nodes[1].addr, "INVITE", SK_PROTO_UDP, "refused");
	sim_run(&s, 5);
	assert_int_equal(s.nodes[0].failed, 1);
	assert_int_equal(s.nodes[0].last_err, -SK_EIO);
	assert_int_equal(sk_txl_count(s.nodes[0].txl), 2);
	/* forged reports: the ringing one and an unknown port end nothing */
	struct sk_flow forged = {
	    .proto = SK_PROTO_UDP, .local = s.nodes[0].addr, .remote = s.nodes[2].addr};
	sk_txl_unreachable(s.nodes[0].txl, &forged, -SK_EIO);
	forged.remote = addr("10.0.0.2:5071");
	sk_txl_unreachable(s.nodes[0].txl, &forged, -SK_EIO);
	/* nor a report for the silent one that names another of our addresses */
	forged.remote = other_port;
	forged.local = addr("10.0.0.1:5999");
	sk_txl_unreachable(s.nodes[0].txl, &forged, -SK_EIO);
	assert_int_equal(s.nodes[0].failed, 1);
	assert_int_equal(sk_txl_count(s.nodes[0].txl), 2);
	/* the true one for the silent destination ends it */
	forged.local = s.nodes[0].addr;
	sk_txl_unreachable(s.nodes[0].txl, &forged, -SK_EIO);
	assert_int_equal(s.nodes[0].failed, 2);
	assert_int_equal(sk_txl_count(s.nodes[0].txl), 1);
	/* a server transaction is never ended by it: node 2's INVITE server */
	struct sk_flow to_caller = {
	    .proto = SK_PROTO_UDP, .local = s.nodes[2].addr, .remote = s.nodes[0].addr};
	size_t before = sk_txl_count(s.nodes[2].txl);
	sk_txl_unreachable(s.nodes[2].txl, &to_caller, -SK_EIO);
	assert_int_equal(sk_txl_count(s.nodes[2].txl), before);
	assert_int_equal(s.nodes[2].failed, 0);
	sim_free(&s);
}

/* 300 transactions to one dead destination and one to the next port: one report ends the 300. */
static void test_unreachable_many(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 34, 2, NULL);
	struct sk_sa dead = addr("10.0.0.9:5060"), next = addr("10.0.0.9:5061");
	char id[32];
	for (int i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "many-%d", i);
		send_to(&s, 0, &dead, i % 2 ? "INVITE" : "OPTIONS", SK_PROTO_UDP, id);
	}
	send_to(&s, 0, &next, "OPTIONS", SK_PROTO_UDP, "next");
	sim_run(&s, 5);
	assert_int_equal(sk_txl_count(s.nodes[0].txl), 301);
	struct sk_flow f = {.proto = SK_PROTO_UDP, .local = s.nodes[0].addr, .remote = dead};
	sk_txl_unreachable(s.nodes[0].txl, &f, -SK_EIO);
	assert_int_equal(s.nodes[0].failed, 300);
	assert_int_equal(sk_txl_count(s.nodes[0].txl), 1);
	/* the other port's times out on its own (Timer F) */
	sim_run(&s, 33000);
	assert_int_equal(s.nodes[0].failed, 301);
	assert_int_equal(s.nodes[0].last_err, -SK_ETIMEDOUT);
	assert_int_equal(sk_txl_count(s.nodes[0].txl), 0);
	sim_free(&s);
}

/* The proxy forwards to a closed UDP port: the caller has its answer at once, not at Timer C/B. */
static void test_proxy_branch_unreachable(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(35, 0);
	struct ph *h = ph_new(&o);
	sk_simnet_set_link(
	    h->w.sn, &(struct sk_simnet_link){.delay_min_ms = 1, .delay_max_ms = 1, .icmp = true});
	assert_int_equal(sk_proxy_route_add(h->proxy, "bob", "sip:bob@10.0.0.9:5060"), 0);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 50);
	if (h->nodes[0].last_status != 500) {
		ph_dump(h);
		fail_msg("the caller got %d within 50 ms; a closed port is a transport error, a "
		         "503 (§16.9) sent up as 500",
		         h->nodes[0].last_status);
	}
	ph_finish(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tcp_response_traced_on_its_connection),
	    cmocka_unit_test(test_udp_closed_port_fails_at_once),
	    cmocka_unit_test(test_unreachable_exact_destination),
	    cmocka_unit_test(test_unreachable_many),
	    cmocka_unit_test(test_proxy_branch_unreachable),
	};
	return cmocka_run_group_tests_name("paths", tests, NULL, NULL);
}
