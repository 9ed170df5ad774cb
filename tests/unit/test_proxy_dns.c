/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy with names (RFC 3263) on simnet and virtual time, the DNS a table
 * of records answering after 50 ms (no DNS server):
 *  - a static route to sip:gw.example.test: NAPTR -> SRV -> A, the call lands
 *    on the SRV target of the lowest priority; `ctl calls` shows "resolving"
 *  - §4.3 failover to the second SRV target: the first refuses TCP (transport
 *    error), the first is silent over UDP (Timer B on virtual time, not Timer
 *    C), the first answers 503
 *  - CANCEL while the branch resolves: 487 to the caller, nothing sent to any
 *    target, the late answer ignored; Timer C while it resolves: 408 with the
 *    Timer C Reason, nothing sent
 *  - a name that does not resolve: 604 with a Warning (§20.43) saying why, 504 when
 *    the DNS does not answer; forked to two such names: 404; one of them a phone
 *    that answers 486: the 486 goes up (a received final beats ours)
 *  - stateless forwarding (a CANCEL matching nothing) to a name: after the lookup
 */
#include <arpa/inet.h>

#include "proxy_harness.h"

#define GW "gw.example.test"

static struct sk_dns_backend dns_setup(struct ph *h, uint32_t delay_ms,
                                       const struct sk_resolver_config *cfg)
{
	struct sk_dns_backend dns;
	assert_int_equal(sk_dns_table_new(&dns, h->w.timers, delay_ms), 0);
	assert_int_equal(sk_stack_set_dns(h->nodes[PH_PROXY].st, dns, cfg), 0);
	return dns;
}

static void add_a(struct sk_dns_backend *d, const char *name, const char *ip)
{
	struct sk_dns_rr rr = {.type = SK_DNS_A, .ttl = 300};
	assert_int_equal(inet_pton(AF_INET, ip, rr.addr), 1);
	assert_int_equal(sk_dns_table_add(d, name, &rr), 0);
}

static void add_srv(struct sk_dns_backend *d, const char *name, uint16_t prio, uint16_t port,
                    const char *target)
{
	struct sk_dns_rr rr = {.type = SK_DNS_SRV, .ttl = 300, .priority = prio, .port = port};
	snprintf(rr.name, sizeof(rr.name), "%s", target);
	assert_int_equal(sk_dns_table_add(d, name, &rr), 0);
}

static void add_naptr(struct sk_dns_backend *d, const char *name, const char *service,
                      const char *repl)
{
	struct sk_dns_rr rr = {.type = SK_DNS_NAPTR, .ttl = 300, .order = 10, .preference = 10};
	snprintf(rr.flags, sizeof(rr.flags), "s");
	snprintf(rr.service, sizeof(rr.service), "%s", service);
	snprintf(rr.name, sizeof(rr.name), "%s", repl);
	assert_int_equal(sk_dns_table_add(d, name, &rr), 0);
}

/* gw.example.test: NAPTR to _sip._<proto>, SRV p1 (priority 10) then p2 (20). */
static void gw_zone(struct sk_dns_backend *d, const char *proto, const char *ip1, const char *ip2)
{
	char srv[64];
	snprintf(srv, sizeof(srv), "_sip._%s." GW, proto);
	add_naptr(d, GW, !strcmp(proto, "tcp") ? "SIP+D2T" : "SIP+D2U", srv);
	add_srv(d, srv, 10, 5060, "p1." GW);
	add_srv(d, srv, 20, 5060, "p2." GW);
	add_a(d, "p1." GW, ip1);
	add_a(d, "p2." GW, ip2);
}

struct listing {
	char states[128];
	size_t n;
};

static void list_one(void *arg, const struct sk_proxy_call_info *c)
{
	struct listing *l = arg;
	snprintf(l->states, sizeof(l->states), "%s", c->branch_states);
	l->n++;
}

static void test_naptr_srv_route(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(61, 2);
	struct ph *h = ph_new(&o);
	struct sk_dns_backend d = dns_setup(h, 50, NULL);
	gw_zone(&d, "udp", "10.0.0.3", "10.0.0.4");
	assert_int_equal(sk_proxy_route_add(h->proxy, "bob", "sip:bob@" GW), 0);
	ph_phone(h, 2, 100, 300, 0);
	ph_phone(h, 3, 100, 300, 0);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 60); /* NAPTR answered, SRV asked: still resolving */
	struct listing l = {0};
	sk_proxy_pending(h->proxy, list_one, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.states, "resolving");
	ph_run(h, 2000);
	assert_int_equal(h->nodes[0].last_status, 200);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "INVITE", NULL), 0);
	/* the second call: every answer from the cache, sent at once */
	uint64_t q = sk_dns_table_queries(&d);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 2000);
	assert_int_equal(sk_dns_table_queries(&d), q);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 2);
	ph_finish(h);
}

/* §4.3: the first target refuses the TCP connection: the second gets the INVITE. */
static void test_failover_transport_error(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(62, 1);
	struct ph *h = ph_new(&o);
	struct sk_dns_backend d = dns_setup(h, 50, NULL);
	gw_zone(&d, "tcp", "10.0.0.9", "10.0.0.3"); /* nothing listens at 10.0.0.9 */
	assert_int_equal(sk_proxy_route_add(h->proxy, "bob", "sip:bob@" GW), 0);
	ph_phone(h, 2, 100, 300, 0);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 3000);
	if (h->nodes[0].last_status != 200) {
		ph_dump(h);
		fail_msg("the caller got %d, not the second target's 200", h->nodes[0].last_status);
	}
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 1);
	ph_finish(h);
}

/* Drops everything sent to 10.0.0.3: a silent first target. */
static void drop_to_first(void *arg, struct sk_simnet_packet *p)
{
	(void)arg;
	struct sk_sa a;
	sk_sa_from_host(&a, SK_STR_LIT("10.0.0.3"), 5060);
	if (sk_sa_same_host(&p->to, &a))
		p->drop = true;
}

/* §4.3: a silent first target: Timer B (64*T1 on virtual time), then the second. */
static void test_failover_timeout(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(63, 2);
	struct ph *h = ph_new(&o);
	struct sk_dns_backend d = dns_setup(h, 50, NULL);
	gw_zone(&d, "udp", "10.0.0.3", "10.0.0.4");
	assert_int_equal(sk_proxy_route_add(h->proxy, "bob", "sip:bob@" GW), 0);
	ph_phone(h, 3, 100, 300, 0);
	h->filter = drop_to_first;
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 31000);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "INVITE", NULL), 0); /* not before Timer B */
	ph_run(h, 3000);
	if (h->nodes[0].last_status != 200) {
		ph_dump(h);
		fail_msg("the caller got %d, not the second target's 200", h->nodes[0].last_status);
	}
	assert_int_equal(ph_count(h, PH_PROXY, 3, "INVITE", NULL), 1);
	h->filter = NULL;
	ph_finish(h);
}

/* §4.3: a 503 from the first target: the second answers; the 503 never goes up. */
static void test_failover_503(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(64, 2);
	struct ph *h = ph_new(&o);
	struct sk_dns_backend d = dns_setup(h, 50, NULL);
	gw_zone(&d, "udp", "10.0.0.3", "10.0.0.4");
	assert_int_equal(sk_proxy_route_add(h->proxy, "bob", "sip:bob@" GW), 0);
	ph_phone(h, 2, -1, 100, 503);
	ph_phone(h, 3, 100, 300, 0);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 3000);
	assert_int_equal(h->nodes[0].last_status, 200);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "INVITE", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "500", NULL), 0);
	ph_finish(h);
}

/* Every target fails: the best seen goes up (a 503 as 500, §16.7 step 6), with a Warning. */
static void test_all_targets_fail(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(65, 0);
	struct ph *h = ph_new(&o);
	struct sk_dns_backend d = dns_setup(h, 50, NULL);
	gw_zone(&d, "tcp", "10.0.0.9", "10.0.0.10");
	assert_int_equal(sk_proxy_route_add(h->proxy, "bob", "sip:bob@" GW), 0);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 3000);
	assert_int_equal(h->nodes[0].last_status, 500);
	struct sk_msg *m = hw_wire_parse(ph_get(h, PH_PROXY, 0, "500", 1));
	assert_str_view(hw_hdr(m, "Warning"),
	                "399 example.test \"none of the 2 targets of sip:bob@" GW
	                " answered (transport errors)\"");
	sk_msg_free(m);
	ph_finish(h);
}

/* CANCEL while the branch resolves: 487, nothing sent anywhere, the late answer ignored. */
static void test_cancel_while_resolving(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(66, 1);
	struct ph *h = ph_new(&o);
	struct sk_dns_backend d = dns_setup(h, 2000, NULL);
	gw_zone(&d, "udp", "10.0.0.3", "10.0.0.4");
	assert_int_equal(sk_proxy_route_add(h->proxy, "bob", "sip:bob@" GW), 0);
	ph_phone(h, 2, 100, 300, 0);
	ph_call(h, SK_PROTO_UDP);
	ph_at(h, 500, ph_act_cancel, NULL);
	ph_run(h, 10000);
	if (h->nodes[0].last_status != 487) {
		ph_dump(h);
		fail_msg("the caller got %d, not 487", h->nodes[0].last_status);
	}
	assert_int_equal(ph_count(h, PH_PROXY, 2, NULL, NULL), 0);
	assert_int_equal(ph_count(h, PH_PROXY, 3, NULL, NULL), 0);
	assert_int_equal(sk_resolver_stats(sk_stack_resolver(h->nodes[PH_PROXY].st)).pending, 0);
	ph_finish(h);
}

/* Timer C while the branch resolves (a DNS that never answers, a query timeout beyond it). */
static void test_timer_c_while_resolving(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(67, 1);
	struct ph *h = ph_new(&o);
	struct sk_resolver_config rc = {.query_timeout_ms = 300000};
	struct sk_dns_backend d = dns_setup(h, 50, &rc);
	assert_int_equal(sk_dns_table_fail(&d, GW, SK_DNS_NAPTR, 0), 0);
	assert_int_equal(sk_proxy_route_add(h->proxy, "bob", "sip:bob@" GW), 0);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 185000);
	if (h->nodes[0].last_status != 408) {
		ph_dump(h);
		fail_msg("the caller got %d, not Timer C's 408", h->nodes[0].last_status);
	}
	assert_int_equal(ph_count(h, PH_PROXY, 0, "408", "Timer C"), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 2, NULL, NULL), 0);
	ph_finish(h);
}

/* A name that does not resolve: 604, never silence nor a fake 408, with a Warning. */
static void test_no_such_domain(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(68, 0);
	struct ph *h = ph_new(&o);
	dns_setup(h, 50, NULL);
	assert_int_equal(sk_proxy_route_add(h->proxy, "bob", "sip:bob@nowhere.invalid"), 0);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 2000);
	assert_int_equal(h->nodes[0].last_status, 604);
	const struct hw_wire *w = ph_get(h, PH_PROXY, 0, "604", 1);
	assert_non_null(w);
	struct sk_msg *m = hw_wire_parse(w);
	assert_str_view(hw_hdr(m, "Warning"),
	                "399 example.test \"DNS: no such domain nowhere.invalid\"");
	sk_msg_free(m);
	/* the DNS does not answer at all: 504, with a Warning */
	struct sk_dns_backend d2 =
	    dns_setup(h, 50, &(struct sk_resolver_config){.query_timeout_ms = 2000});
	assert_int_equal(sk_dns_table_fail(&d2, "nowhere.invalid", SK_DNS_NAPTR, 0), 0);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 5000);
	assert_int_equal(h->nodes[0].last_status, 504);
	ph_finish(h);
}

/* Forked to two names, neither resolves: 404 (not a 604 that would end the search), with
 * the Warning; one of them a phone that answers 486: its 486 goes up, not ours. */
static void test_no_such_domain_forked(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(70, 1);
	struct ph *h = ph_new(&o);
	struct sk_dns_backend d = dns_setup(h, 50, NULL);
	add_a(&d, "busy.example.test", "10.0.0.3");
	assert_int_equal(sk_proxy_route_add(h->proxy, "bob", "sip:bob@a.invalid,sip:bob@b.invalid"),
	                 0);
	assert_int_equal(sk_proxy_route_add(h->proxy, "carol",
	                                    "sip:carol@a.invalid,sip:carol@busy.example.test:5060"),
	                 0);
	ph_phone(h, 2, -1, 100, 486);
	ph_call(h, SK_PROTO_UDP);
	ph_run(h, 2000);
	assert_int_equal(h->nodes[0].last_status, 404);
	struct sk_msg *m = hw_wire_parse(ph_get(h, PH_PROXY, 0, "404", 1));
	assert_str_view(hw_hdr(m, "Warning"), "399 example.test \"DNS: no such domain a.invalid\"");
	sk_msg_free(m);
	struct sk_call_params p = {.to = "sip:carol@" PH_DOMAIN, .route = PH_PROXY_URI};
	assert_int_equal(sk_call_invite(h->nodes[0].ua, &p, &h->nodes[0].call), 0);
	ph_run(h, 2000);
	assert_int_equal(h->nodes[0].last_status, 486);
	ph_finish(h);
}

/* A CANCEL matching nothing, forwarded statelessly (§16.10) to a name: after the lookup
 * (from a peer: a stranger's is not relayed beyond our domain, policy.c). */
static void test_stateless_to_name(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(69, 1);
	o.raw_mask = 1 | 1 << 2;
	o.proxy.trust = "10.0.0.1/32";
	struct ph *h = ph_new(&o);
	struct sk_dns_backend d = dns_setup(h, 50, NULL);
	gw_zone(&d, "udp", "10.0.0.3", "10.0.0.4");
	char buf[1024];
	ph_raw_send(h, 0, SK_PROTO_UDP,
	            ph_req(buf, sizeof(buf), "CANCEL", "sip:bob@" GW, "sl@test", 1, 70, NULL));
	ph_run(h, 1000);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "CANCEL", NULL), 1);
	ph_finish(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    PH_TEST(test_naptr_srv_route),         PH_TEST(test_failover_transport_error),
	    PH_TEST(test_failover_timeout),        PH_TEST(test_failover_503),
	    PH_TEST(test_all_targets_fail),        PH_TEST(test_cancel_while_resolving),
	    PH_TEST(test_timer_c_while_resolving), PH_TEST(test_no_such_domain),
	    PH_TEST(test_no_such_domain_forked),   PH_TEST(test_stateless_to_name),
	};
	return cmocka_run_group_tests_name("proxy_dns", tests, NULL, NULL);
}
