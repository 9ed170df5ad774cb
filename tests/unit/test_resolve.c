/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RFC 3263 resolver on virtual time, answers from a table (no DNS server):
 *  - §4.1: NAPTR -> SRV -> A in that order; services we do not speak ignored;
 *    no NAPTR: _sip._udp then _sip._tcp; no SRV: A of the host, 5060, UDP
 *  - §4.2: a port skips NAPTR and SRV; a transport parameter skips NAPTR;
 *    an IP literal needs no DNS (answered at once)
 *  - RFC 2782: priority order; weights by the seeded generator (the same seed,
 *    the same order; over many draws each weight gets its share)
 *  - TTL: a second lookup before the TTL asks nothing, after it asks again;
 *    negative answers kept for negative_ttl; TTL 0 never kept
 *  - a query that never answers ends the lookup with -SK_ETIMEDOUT; a name
 *    that does not exist: -SK_ENOTFOUND "no such domain"
 *  - cancel: the callback never comes; bounds: 1000 SRV records, 16 targets,
 *    a full cache evicts its oldest, lookups and queries in flight capped
 *  - hostile answers: port 0, target ".", names past 255, huge TTLs
 */
#include <arpa/inet.h>

#include "sk_test.h"

struct env {
	struct sk_clock *clock;
	struct sk_timers *timers;
	struct sk_rng rng;
	struct sk_dns_backend dns;
	struct sk_resolver *r;
};

struct got {
	int calls, err;
	size_t n;
	struct sk_target t[SK_RESOLVE_MAX];
	char why[256];
};

static void env_init(struct env *e, uint64_t seed, const struct sk_resolver_config *base)
{
	memset(e, 0, sizeof(*e));
	assert_int_equal(sk_clock_new_virtual(&e->clock, 1000), 0);
	assert_int_equal(sk_timers_new(&e->timers, e->clock), 0);
	sk_rng_seed(&e->rng, seed);
	assert_int_equal(sk_dns_table_new(&e->dns, e->timers, 10), 0);
	struct sk_resolver_config c = base ? *base : (struct sk_resolver_config){0};
	c.timers = e->timers;
	c.rng = &e->rng;
	c.dns = e->dns;
	assert_int_equal(sk_resolver_new(&e->r, &c), 0);
}

static void env_free(struct env *e)
{
	sk_resolver_free(e->r);
	sk_timers_free(e->timers);
	sk_clock_free(e->clock);
}

static void add_a(struct env *e, const char *name, const char *ip, uint32_t ttl)
{
	struct sk_dns_rr rr = {.type = SK_DNS_A, .ttl = ttl};
	assert_int_equal(inet_pton(AF_INET, ip, rr.addr), 1);
	assert_int_equal(sk_dns_table_add(&e->dns, name, &rr), 0);
}

static void add_aaaa(struct env *e, const char *name, const char *ip, uint32_t ttl)
{
	struct sk_dns_rr rr = {.type = SK_DNS_AAAA, .ttl = ttl};
	assert_int_equal(inet_pton(AF_INET6, ip, rr.addr), 1);
	assert_int_equal(sk_dns_table_add(&e->dns, name, &rr), 0);
}

static void add_srv(struct env *e, const char *name, uint16_t prio, uint16_t weight, uint16_t port,
                    const char *target, uint32_t ttl)
{
	struct sk_dns_rr rr = {
	    .type = SK_DNS_SRV, .ttl = ttl, .priority = prio, .weight = weight, .port = port};
	snprintf(rr.name, sizeof(rr.name), "%s", target);
	assert_int_equal(sk_dns_table_add(&e->dns, name, &rr), 0);
}

static void add_naptr(struct env *e, const char *name, uint16_t order, uint16_t pref,
                      const char *flags, const char *service, const char *repl, uint32_t ttl)
{
	struct sk_dns_rr rr = {
	    .type = SK_DNS_NAPTR, .ttl = ttl, .order = order, .preference = pref};
	snprintf(rr.flags, sizeof(rr.flags), "%s", flags);
	snprintf(rr.service, sizeof(rr.service), "%s", service);
	snprintf(rr.name, sizeof(rr.name), "%s", repl);
	assert_int_equal(sk_dns_table_add(&e->dns, name, &rr), 0);
}

static void on_done(void *arg, int err, const struct sk_resolve_result *res)
{
	struct got *g = arg;
	g->calls++;
	g->err = err;
	g->n = res->n;
	memcpy(g->t, res->t, res->n * sizeof(res->t[0]));
	snprintf(g->why, sizeof(g->why), "%s", res->why);
}

/* Resolves uri to completion on virtual time (at most 60 s): the error; g holds the rest. */
static int resolve(struct env *e, const char *uri, struct got *g)
{
	memset(g, 0, sizeof(*g));
	struct sk_resolve_lookup *lk;
	int rc = sk_resolve_uri(e->r, sk_str_c(uri), SK_PROTO_NONE, g->t, &g->n, g->why,
	                        sizeof(g->why), on_done, g, &lk);
	if (rc != SK_RESOLVE_PENDING)
		return rc;
	assert_int_equal(g->calls, 0); /* never from inside the call */
	for (int i = 0; i < 600 && !g->calls; i++)
		sk_timers_advance(e->timers, 100);
	assert_int_equal(g->calls, 1);
	return g->err;
}

static const char *tgt(const struct sk_target *t, char *buf, size_t size)
{
	char a[64];
	sk_sa_print(&t->addr, a, sizeof(a));
	snprintf(buf, size, "%s:%s", sk_proto_lower(t->proto), a);
	return buf;
}

static void test_naptr_srv_a(void **state)
{
	(void)state;
	struct env e;
	struct got g;
	char b[80];
	env_init(&e, 1, NULL);
	/* TCP first by NAPTR order; a TLS service and an "a" flag record ignored */
	add_naptr(&e, "example.test", 10, 10, "s", "SIP+D2T", "_sip._tcp.example.test", 300);
	add_naptr(&e, "example.test", 20, 10, "s", "SIP+D2U", "_sip._udp.example.test", 300);
	add_naptr(&e, "example.test", 5, 10, "s", "SIPS+D2T", "_sips._tcp.example.test", 300);
	add_naptr(&e, "example.test", 1, 10, "s", "E2U+email", "_mail.example.test", 300);
	add_srv(&e, "_sip._tcp.example.test", 10, 0, 5070, "b.example.test", 300);
	add_srv(&e, "_sip._udp.example.test", 10, 0, 5080, "a.example.test", 300);
	add_srv(&e, "_sips._tcp.example.test", 1, 0, 5061, "a.example.test", 300);
	add_a(&e, "a.example.test", "127.0.0.11", 300);
	add_a(&e, "b.example.test", "127.0.0.12", 300);
	assert_int_equal(resolve(&e, "sip:bob@Example.TEST", &g), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(tgt(&g.t[0], b, sizeof(b)), "tcp:127.0.0.12:5070");
	assert_string_equal(tgt(&g.t[1], b, sizeof(b)), "udp:127.0.0.11:5080");
	/* a transport parameter: no NAPTR, its SRV only */
	uint64_t q0 = sk_dns_table_queries(&e.dns);
	sk_resolver_flush(e.r);
	assert_int_equal(resolve(&e, "sip:bob@example.test;transport=udp", &g), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(tgt(&g.t[0], b, sizeof(b)), "udp:127.0.0.11:5080");
	assert_int_equal(sk_dns_table_queries(&e.dns) - q0, 3); /* SRV, A, AAAA */
	/* a port: A of the host only (§4.2), none: -SK_ENOTFOUND */
	add_a(&e, "example.test", "127.0.0.10", 300);
	assert_int_equal(resolve(&e, "sip:bob@example.test:5099", &g), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(tgt(&g.t[0], b, sizeof(b)), "udp:127.0.0.10:5099");
	/* an IP literal: at once, no query */
	q0 = sk_dns_table_queries(&e.dns);
	assert_int_equal(resolve(&e, "sip:bob@127.0.0.1:5062;transport=tcp", &g), 0);
	assert_int_equal(g.calls, 0);
	assert_string_equal(tgt(&g.t[0], b, sizeof(b)), "tcp:127.0.0.1:5062");
	assert_int_equal(sk_dns_table_queries(&e.dns), q0);
	/* RFC 5630 §3.1.3, RFC 3263 §4.1: a sips URI takes SIPS+D2T alone, over TLS, and the
	 * server must prove the URI's domain, not the SRV target (RFC 5922 §7.2) */
	sk_resolver_flush(e.r);
	assert_int_equal(resolve(&e, "sips:bob@example.test", &g), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(tgt(&g.t[0], b, sizeof(b)), "tls:127.0.0.11:5061");
	assert_string_equal(g.t[0].name, "example.test");
	assert_int_equal(resolve(&e, "sips:bob@example.test;transport=udp", &g), -SK_EINVAL);
	/* an IP literal: TLS on 5061, the address is the name to check */
	assert_int_equal(resolve(&e, "sips:bob@127.0.0.1", &g), 0);
	assert_string_equal(tgt(&g.t[0], b, sizeof(b)), "tls:127.0.0.1:5061");
	assert_string_equal(g.t[0].name, "127.0.0.1");
	env_free(&e);
}

static void test_no_naptr_no_srv(void **state)
{
	(void)state;
	struct env e;
	struct got g;
	char b[80];
	env_init(&e, 1, NULL);
	/* no NAPTR: _sip._udp first, then _sip._tcp */
	add_srv(&e, "_sip._tcp.two.test", 1, 0, 5070, "h.two.test", 60);
	add_srv(&e, "_sip._udp.two.test", 1, 0, 5060, "h.two.test", 60);
	add_a(&e, "h.two.test", "127.0.0.2", 60);
	add_aaaa(&e, "h.two.test", "::1", 60);
	assert_int_equal(resolve(&e, "sip:two.test", &g), 0);
	assert_int_equal(g.n, 4);
	assert_string_equal(tgt(&g.t[0], b, sizeof(b)), "udp:127.0.0.2:5060");
	assert_string_equal(tgt(&g.t[1], b, sizeof(b)), "udp:[::1]:5060");
	assert_string_equal(tgt(&g.t[2], b, sizeof(b)), "tcp:127.0.0.2:5070");
	/* no SRV: the host's own address, 5060, UDP (§4.2) */
	add_a(&e, "plain.test", "127.0.0.3", 60);
	assert_int_equal(resolve(&e, "sip:alice@plain.test", &g), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(tgt(&g.t[0], b, sizeof(b)), "udp:127.0.0.3:5060");
	/* sips without NAPTR: _sips._tcp (§4.2); without SRV: the host on 5061 */
	add_srv(&e, "_sips._tcp.two.test", 1, 0, 5071, "h.two.test", 60);
	assert_int_equal(resolve(&e, "sips:two.test", &g), 0);
	assert_string_equal(tgt(&g.t[0], b, sizeof(b)), "tls:127.0.0.2:5071");
	assert_string_equal(g.t[0].name, "two.test");
	assert_int_equal(resolve(&e, "sip:alice@plain.test;transport=tls", &g), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(tgt(&g.t[0], b, sizeof(b)), "tls:127.0.0.3:5061");
	/* nothing at all */
	assert_int_equal(resolve(&e, "sip:bob@example.invalid", &g), -SK_ENOTFOUND);
	assert_string_equal(g.why, "DNS: no such domain example.invalid");
	/* a name with SRV whose targets have no address */
	add_srv(&e, "_sip._udp.dangling.test", 1, 0, 5060, "gone.dangling.test", 60);
	assert_int_equal(resolve(&e, "sip:dangling.test", &g), -SK_ENOTFOUND);
	assert_non_null(strstr(g.why, "no address for dangling.test"));
	env_free(&e);
}

/* The order of 3 SRV records of one priority under a seed, as a string "abc". */
static void srv_orders(uint64_t seed, char (*out)[4], int n)
{
	struct sk_rng rng;
	sk_rng_seed(&rng, seed);
	for (int k = 0; k < n; k++) {
		struct sk_dns_rr rr[4] = {
		    {.type = SK_DNS_SRV, .priority = 1, .weight = 60, .name = "a"},
		    {.type = SK_DNS_SRV, .priority = 1, .weight = 30, .name = "b"},
		    {.type = SK_DNS_SRV, .priority = 1, .weight = 10, .name = "c"},
		    {.type = SK_DNS_SRV, .priority = 0, .weight = 0, .name = "z"},
		};
		sk_dns_srv_order(rr, 4, &rng);
		assert_string_equal(rr[0].name, "z"); /* the lowest priority first, always */
		for (int i = 0; i < 3; i++)
			out[k][i] = rr[i + 1].name[0];
		out[k][3] = '\0';
	}
}

static void test_srv_weights(void **state)
{
	(void)state;
	static char a[3000][4], b[3000][4];
	srv_orders(42, a, 3000);
	srv_orders(42, b, 3000);
	int first[3] = {0};
	for (int k = 0; k < 3000; k++) {
		assert_string_equal(a[k], b[k]); /* the same seed, the same choices */
		first[a[k][0] - 'a']++;
	}
	/* RFC 2782: chosen first in proportion to weight (60/30/10 of 3000, loosely) */
	assert_in_range(first[0], 1600, 2000);
	assert_in_range(first[1], 700, 1100);
	assert_in_range(first[2], 150, 450);
	/* another seed: another sequence */
	srv_orders(43, b, 3000);
	int same = 0;
	for (int k = 0; k < 3000; k++)
		same += !strcmp(a[k], b[k]);
	assert_true(same < 3000);
	/* weight 0 among others is still chosen, rarely */
	struct sk_rng rng;
	sk_rng_seed(&rng, 7);
	int zero_first = 0;
	for (int k = 0; k < 2000; k++) {
		struct sk_dns_rr rr[2] = {
		    {.type = SK_DNS_SRV, .priority = 1, .weight = 100, .name = "x"},
		    {.type = SK_DNS_SRV, .priority = 1, .weight = 0, .name = "y"},
		};
		sk_dns_srv_order(rr, 2, &rng);
		zero_first += rr[0].name[0] == 'y';
	}
	assert_in_range(zero_first, 1, 100);
}

static void test_ttl(void **state)
{
	(void)state;
	struct env e;
	struct got g;
	env_init(&e, 1, &(struct sk_resolver_config){.negative_ttl = 25});
	add_srv(&e, "_sip._udp.ttl.test", 1, 0, 5060, "h.ttl.test", 100);
	add_a(&e, "h.ttl.test", "127.0.0.5", 30); /* the shortest counts */
	add_a(&e, "h.ttl.test", "127.0.0.6", 50);
	assert_int_equal(resolve(&e, "sip:ttl.test;transport=udp", &g), 0);
	assert_int_equal(g.n, 2);
	uint64_t q = sk_dns_table_queries(&e.dns);
	/* before the TTL: from the cache, at once, no query */
	sk_timers_advance(e.timers, 20000);
	assert_int_equal(resolve(&e, "sip:ttl.test;transport=udp", &g), 0);
	assert_int_equal(g.calls, 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(sk_dns_table_queries(&e.dns), q);
	/* after 30 s: A asked again (and the AAAA "no data", older than 25 s), SRV not */
	sk_timers_advance(e.timers, 11000);
	assert_int_equal(resolve(&e, "sip:ttl.test;transport=udp", &g), 0);
	assert_int_equal(g.calls, 1);
	assert_int_equal(sk_dns_table_queries(&e.dns) - q, 2);
	/* TTL 0: never kept */
	add_a(&e, "zero.test", "127.0.0.7", 0);
	q = sk_dns_table_queries(&e.dns);
	assert_int_equal(resolve(&e, "sip:zero.test:5060", &g), 0);
	assert_int_equal(resolve(&e, "sip:zero.test:5060", &g), 0);
	assert_int_equal(g.calls, 1);
	assert_int_equal(sk_dns_table_queries(&e.dns) - q, 3); /* A twice, AAAA "no data" kept */
	/* a negative answer is kept for negative_ttl: the second lookup fails at once */
	assert_int_equal(resolve(&e, "sip:nx.test:5060", &g), -SK_ENOTFOUND);
	assert_int_equal(g.calls, 1);
	assert_int_equal(resolve(&e, "sip:nx.test:5060", &g), -SK_ENOTFOUND);
	assert_int_equal(g.calls, 0);
	assert_string_equal(g.why, "DNS: no such domain nx.test");
	/* a huge TTL is held to max_ttl (3600 s) */
	add_a(&e, "long.test", "127.0.0.8", 0x7fffffff);
	assert_int_equal(resolve(&e, "sip:long.test:5060", &g), 0);
	sk_timers_advance(e.timers, 3601 * 1000);
	q = sk_dns_table_queries(&e.dns);
	assert_int_equal(resolve(&e, "sip:long.test:5060", &g), 0);
	assert_int_equal(g.calls, 1);
	assert_true(sk_dns_table_queries(&e.dns) > q);
	env_free(&e);
}

static void test_timeout_and_cancel(void **state)
{
	(void)state;
	struct env e;
	struct got g;
	env_init(&e, 1, &(struct sk_resolver_config){.query_timeout_ms = 3000});
	assert_int_equal(sk_dns_table_fail(&e.dns, "slow.test", SK_DNS_NAPTR, 0), 0);
	uint64_t t0 = sk_timers_now(e.timers);
	assert_int_equal(resolve(&e, "sip:slow.test", &g), -SK_ETIMEDOUT);
	assert_true(sk_timers_now(e.timers) - t0 >= 3000);
	assert_string_equal(g.why, "DNS: no answer for slow.test NAPTR");
	/* a server failure on NAPTR counts as none (§4.1 fallback) */
	assert_int_equal(sk_dns_table_fail(&e.dns, "sf.test", SK_DNS_NAPTR, -SK_EIO), 0);
	add_a(&e, "sf.test", "127.0.0.9", 60);
	assert_int_equal(resolve(&e, "sip:sf.test", &g), 0);
	assert_int_equal(g.n, 1);
	/* cancelled: no callback, nothing left in flight */
	memset(&g, 0, sizeof(g));
	struct sk_resolve_lookup *lk;
	assert_int_equal(sk_resolve_uri(e.r, sk_str_c("sip:other.test"), SK_PROTO_NONE, g.t, &g.n,
	                                NULL, 0, on_done, &g, &lk),
	                 SK_RESOLVE_PENDING);
	sk_resolve_cancel(e.r, lk);
	sk_timers_advance(e.timers, 10000);
	assert_int_equal(g.calls, 0);
	struct sk_resolver_stats s = sk_resolver_stats(e.r);
	assert_int_equal(s.in_flight, 0);
	assert_int_equal(s.pending, 0);
	/* freed with lookups pending: no callback either */
	assert_int_equal(sk_resolve_uri(e.r, sk_str_c("sip:third.test"), SK_PROTO_NONE, g.t, &g.n,
	                                NULL, 0, on_done, &g, &lk),
	                 SK_RESOLVE_PENDING);
	env_free(&e);
	assert_int_equal(g.calls, 0);
}

static void test_bounds(void **state)
{
	(void)state;
	struct env e;
	struct got g;
	env_init(&e, 1, &(struct sk_resolver_config){.cache_entries = 8, .max_lookups = 4});
	/* 1000 SRV records, hostile among them: at most 16 targets, none unusable */
	char name[300];
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "h%d.big.test", i % 40);
		add_srv(&e, "_sip._udp.big.test", (uint16_t)(i % 3), (uint16_t)(i * 7),
		        i % 5 == 0 ? 0 : (uint16_t)(5060 + i), i % 11 == 0 ? "." : name, 60);
	}
	memset(name, 'x', 299);
	name[299] = '\0';
	add_srv(&e, "_sip._udp.big.test", 0, 0, 5060, name, 60); /* longer than a name */
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "h%d.big.test", i);
		add_a(&e, name, "127.0.0.20", 60);
	}
	assert_int_equal(resolve(&e, "sip:big.test;transport=udp", &g), 0);
	assert_int_equal(g.n, SK_RESOLVE_MAX);
	for (size_t i = 0; i < g.n; i++)
		assert_int_not_equal(sk_sa_port(&g.t[i].addr), 0);
	/* a full cache evicts its oldest: bounded at 8 */
	struct sk_resolver_stats s = sk_resolver_stats(e.r);
	assert_true(s.cached <= 8);
	assert_true(s.evictions > 0);
	/* lookups in progress capped */
	struct got gs[5];
	struct sk_resolve_lookup *lk[5];
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "sip:l%d.test", i);
		assert_int_equal(sk_resolve_uri(e.r, sk_str_c(name), SK_PROTO_NONE, gs[i].t,
		                                &gs[i].n, NULL, 0, on_done, &gs[i], &lk[i]),
		                 SK_RESOLVE_PENDING);
	}
	assert_int_equal(sk_resolve_uri(e.r, sk_str_c("sip:l5.test"), SK_PROTO_NONE, gs[4].t,
	                                &gs[4].n, NULL, 0, on_done, &gs[4], &lk[4]),
	                 -SK_EFULL);
	for (int i = 0; i < 4; i++)
		sk_resolve_cancel(e.r, lk[i]);
	/* a host name that is no name */
	assert_int_equal(resolve(&e, "sip:bob@bad!host", &g), -SK_EINVAL);
	assert_int_equal(resolve(&e, "sip:bob@999.1.2.3", &g), -SK_EINVAL); /* RFC 1123 §2.1 */
	assert_int_equal(sk_resolve_check(SK_STR_LIT("sip:10.0.0.300")), -SK_EINVAL);
	assert_int_equal(sk_resolve_check(SK_STR_LIT("sip:gw.example.test;transport=tcp")), 0);
	assert_int_equal(sk_resolve_check(SK_STR_LIT("sip:gw.example.test;transport=sctp")),
	                 -SK_EINVAL);
	assert_true(sk_resolve_needs_dns(SK_STR_LIT("sip:a@gw.example.test")));
	assert_false(sk_resolve_needs_dns(SK_STR_LIT("sip:a@127.0.0.1;maddr=10.0.0.1")));
	assert_true(sk_resolve_needs_dns(SK_STR_LIT("sip:a@127.0.0.1;maddr=gw.test")));
	env_free(&e);
}

/* ---- raw answers through c-ares and our TTL walk (RFC 1035 §4.1) ------------------- */

struct wire {
	uint8_t b[65536];
	size_t len;
	size_t an_at; /* the ANCOUNT field */
};

static void put8(struct wire *w, unsigned v)
{
	if (w->len < sizeof(w->b))
		w->b[w->len++] = (uint8_t)v;
}

static void put16(struct wire *w, unsigned v)
{
	put8(w, v >> 8);
	put8(w, v & 0xff);
}

static void put32(struct wire *w, uint32_t v)
{
	put16(w, v >> 16);
	put16(w, v & 0xffff);
}

static void put_name(struct wire *w, const char *n)
{
	while (*n) {
		const char *dot = strchr(n, '.');
		size_t l = dot ? (size_t)(dot - n) : strlen(n);
		put8(w, (unsigned)l);
		for (size_t i = 0; i < l; i++)
			put8(w, (uint8_t)n[i]);
		n += l + (dot ? 1 : 0);
	}
	put8(w, 0);
}

/* A response header and the question qname/qtype; answers are added after. */
static void wire_start(struct wire *w, const char *qname, unsigned qtype, unsigned rcode)
{
	w->len = 0;
	put16(w, 0x1234);
	put16(w, 0x8180 | rcode);
	put16(w, 1);
	w->an_at = w->len;
	put16(w, 0);
	put16(w, 0);
	put16(w, 0);
	put_name(w, qname);
	put16(w, qtype);
	put16(w, 1);
}

/* An answer record named by a pointer to the question; rdata written by the caller. */
static size_t wire_rr(struct wire *w, unsigned type, uint32_t ttl)
{
	unsigned an = (unsigned)w->b[w->an_at] << 8 | w->b[w->an_at + 1];
	w->b[w->an_at] = (uint8_t)((an + 1) >> 8);
	w->b[w->an_at + 1] = (uint8_t)((an + 1) & 0xff);
	put16(w, 0xc00c);
	put16(w, type);
	put16(w, 1);
	put32(w, ttl);
	size_t at = w->len;
	put16(w, 0); /* rdlength, fixed by wire_rr_end */
	return at;
}

static void wire_rr_end(struct wire *w, size_t at)
{
	size_t len = w->len - at - 2;
	w->b[at] = (uint8_t)(len >> 8);
	w->b[at + 1] = (uint8_t)(len & 0xff);
}

static void wire_srv(struct wire *w, uint32_t ttl, unsigned prio, unsigned weight, unsigned port,
                     const char *target)
{
	size_t at = wire_rr(w, SK_DNS_SRV, ttl);
	put16(w, prio);
	put16(w, weight);
	put16(w, port);
	put_name(w, target);
	wire_rr_end(w, at);
}

static void test_parse_hostile(void **state)
{
	(void)state;
	static struct wire w;
	static struct sk_dns_rr rr[SK_DNS_MAX_RR];
	size_t n;
	/* 1000 SRV records in one answer: SK_DNS_MAX_RR kept, the smallest TTL for all */
	wire_start(&w, "_sip._udp.big.test", SK_DNS_SRV, 0);
	for (int i = 0; i < 1000; i++)
		wire_srv(&w, i == 500 ? 7 : 3600, (unsigned)i % 5, 10, 5060, "t.big.test");
	assert_int_equal(sk_dns_parse_answer(w.b, w.len, SK_DNS_SRV, rr, SK_DNS_MAX_RR, &n), 0);
	assert_int_equal(n, SK_DNS_MAX_RR);
	assert_int_equal(rr[0].ttl, 7);
	assert_string_equal(rr[0].name, "t.big.test");
	/* TTLs 0 and 2^32-1 (top bit set: 0, RFC 2181 §8) */
	wire_start(&w, "_sip._udp.t.test", SK_DNS_SRV, 0);
	wire_srv(&w, 0xffffffffu, 1, 1, 0, "t.test"); /* port 0 too */
	assert_int_equal(sk_dns_parse_answer(w.b, w.len, SK_DNS_SRV, rr, SK_DNS_MAX_RR, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rr[0].ttl, 0);
	assert_int_equal(rr[0].port, 0);
	/* a target longer than a name may be (4 labels of 63 and one more): c-ares refuses
	 * the answer or we drop the name, never more than SK_DNS_NAME_MAX */
	char longname[400];
	memset(longname, 'a', sizeof(longname));
	for (int i = 63; i < 390; i += 64)
		longname[i] = '.';
	longname[390] = '\0';
	wire_start(&w, "_sip._udp.l.test", SK_DNS_SRV, 0);
	wire_srv(&w, 60, 1, 1, 5060, longname);
	int rc = sk_dns_parse_answer(w.b, w.len, SK_DNS_SRV, rr, SK_DNS_MAX_RR, &n);
	assert_true(rc == -SK_EMALFORMED || (n == 1 && rr[0].name[0] == '\0'));
	/* a CNAME to itself for an A query: no address, no loop */
	wire_start(&w, "loop.test", SK_DNS_A, 0);
	size_t at = wire_rr(&w, 5 /* CNAME */, 60);
	put16(&w, 0xc00c);
	wire_rr_end(&w, at);
	rc = sk_dns_parse_answer(w.b, w.len, SK_DNS_A, rr, SK_DNS_MAX_RR, &n);
	assert_true(rc == -SK_EMALFORMED || n == 0);
	/* a compression pointer to itself in an answer name */
	wire_start(&w, "p.test", SK_DNS_SRV, 0);
	size_t self = w.len;
	w.b[w.an_at + 1] = 1;
	put16(&w, 0xc000 | (unsigned)self);
	rc = sk_dns_parse_answer(w.b, w.len, SK_DNS_SRV, rr, SK_DNS_MAX_RR, &n);
	assert_true(rc == -SK_EMALFORMED || n == 0);
	/* NAPTR: a regexp rewrite and a non-SIP service come through, unusable */
	wire_start(&w, "n.test", SK_DNS_NAPTR, 0);
	at = wire_rr(&w, SK_DNS_NAPTR, 60);
	put16(&w, 10);
	put16(&w, 10);
	put8(&w, 1);
	put8(&w, 'u');
	put8(&w, 7);
	for (const char *c = "E2U+sip"; *c; c++)
		put8(&w, (uint8_t)*c);
	put8(&w, 14);
	for (const char *c = "!^.*$!sip:x@y!"; *c; c++)
		put8(&w, (uint8_t)*c);
	put8(&w, 0);
	wire_rr_end(&w, at);
	assert_int_equal(sk_dns_parse_answer(w.b, w.len, SK_DNS_NAPTR, rr, SK_DNS_MAX_RR, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rr[0].name, "");
	assert_string_equal(rr[0].service, "E2U+sip");
	/* RFC 2308 §5: NXDOMAIN with an SOA (TTL 600, MINIMUM 120): 120 s; none: 0 */
	wire_start(&w, "nx.test", SK_DNS_A, 3);
	assert_int_equal(sk_dns_negative_ttl(w.b, w.len), 0);
	w.b[9] = 1; /* NSCOUNT */
	put16(&w, 0xc00c);
	put16(&w, 6);
	put16(&w, 1);
	put32(&w, 600);
	size_t rd = w.len;
	put16(&w, 0);
	put_name(&w, "ns.test");
	put_name(&w, "hostmaster.test");
	for (int i = 0; i < 4; i++)
		put32(&w, 1000);
	put32(&w, 120);
	wire_rr_end(&w, rd);
	assert_int_equal(sk_dns_negative_ttl(w.b, w.len), 120);
	assert_int_equal(sk_dns_negative_ttl(w.b, w.len - 1), 0); /* cut short */
	/* truncated and empty input */
	assert_int_equal(sk_dns_parse_answer(w.b, 5, SK_DNS_NAPTR, rr, SK_DNS_MAX_RR, &n),
	                 -SK_EMALFORMED);
	assert_int_equal(sk_dns_parse_answer(w.b, 0, SK_DNS_A, rr, SK_DNS_MAX_RR, &n),
	                 -SK_EMALFORMED);
}

/* c-ares on a real loop: a server that refuses (nothing on the port) ends the lookup
 * with an error, through the socket watchers and the timer; nothing is left behind. */
static void test_ares_refused(void **state)
{
	(void)state;
	struct sk_clock *clock;
	struct sk_loop *loop;
	struct sk_rng rng;
	struct sk_resolver *r;
	struct sk_dns_backend dns;
	struct got g = {0};
	assert_int_equal(sk_clock_new_real(&clock), 0);
	assert_int_equal(sk_loop_new(&loop, clock), 0);
	sk_rng_seed(&rng, 1);
	assert_int_equal(sk_dns_ares_new(&dns, loop, "udp:127.0.0.1:9", 200, 1), 0);
	struct sk_resolver_config c = {
	    .timers = sk_loop_timers(loop), .rng = &rng, .dns = dns, .query_timeout_ms = 3000};
	assert_int_equal(sk_resolver_new(&r, &c), 0);
	struct sk_resolve_lookup *lk;
	assert_int_equal(sk_resolve_uri(r, sk_str_c("sip:bob@refused.test:5060"), SK_PROTO_NONE,
	                                g.t, &g.n, NULL, 0, on_done, &g, &lk),
	                 SK_RESOLVE_PENDING);
	for (int i = 0; i < 1000 && !g.calls; i++)
		sk_loop_run_once(loop, 50);
	assert_int_equal(g.calls, 1);
	assert_true(g.err == -SK_EIO || g.err == -SK_ETIMEDOUT);
	/* a bad server is refused at once */
	assert_int_equal(sk_dns_ares_new(&dns, loop, "udp:nowhere:53", 0, 0), -SK_EINVAL);
	sk_resolver_free(r);
	sk_loop_free(loop);
	sk_clock_free(clock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_naptr_srv_a),        cmocka_unit_test(test_no_naptr_no_srv),
	    cmocka_unit_test(test_srv_weights),        cmocka_unit_test(test_ttl),
	    cmocka_unit_test(test_timeout_and_cancel), cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_parse_hostile),      cmocka_unit_test(test_ares_refused),
	};
	return cmocka_run_group_tests_name("resolve", tests, NULL, NULL);
}
