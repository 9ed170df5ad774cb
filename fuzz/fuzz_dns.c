/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: DNS answers (RFC 1035 §4.1) as the resolver takes them.
 * The first byte picks the record type asked (A, AAAA, SRV, NAPTR), the rest
 * is the raw answer: parsed by c-ares through sk_dns_parse_answer (with our
 * own walk of the answer section for the TTLs, and of the authority section for
 * the SOA of a negative answer, RFC 2308), then the records go through
 * our code: the RFC 2782 order of SRV records, and a resolver on a virtual
 * clock whose table backend answers with them, so selection, the NAPTR
 * filter, the bounds and the cache (TTLs, expiry) see hostile values.
 * Oracles: every target has a port and an address family; at most
 * SK_RESOLVE_MAX targets; the lookup ends, once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipkit/transport.h"

struct done {
	int calls, err;
	size_t n;
};

static void on_done(void *arg, int err, const struct sk_resolve_result *res)
{
	struct done *d = arg;
	d->calls++;
	d->err = err;
	d->n = res->n;
	for (size_t i = 0; i < res->n; i++) {
		int fam = res->t[i].addr.u.sa.sa_family;
		if ((fam != AF_INET && fam != AF_INET6) || !sk_sa_port(&res->t[i].addr))
			abort();
	}
}

static void run_resolver(const struct sk_dns_rr *rr, size_t n, enum sk_dns_type type)
{
	struct sk_clock *clock;
	struct sk_timers *timers;
	struct sk_dns_backend dns;
	struct sk_resolver *r;
	struct sk_rng rng;
	if (sk_clock_new_virtual(&clock, 0) < 0)
		return;
	if (sk_timers_new(&timers, clock) < 0 || sk_dns_table_new(&dns, timers, 5) < 0) {
		sk_clock_free(clock);
		return;
	}
	sk_rng_seed(&rng, 1);
	/* where each type sits in a lookup of sip:f.test */
	const char *name = type == SK_DNS_NAPTR ? "f.test"
	                   : type == SK_DNS_SRV ? "_sip._udp.f.test"
	                                        : "f.test";
	for (size_t i = 0; i < n; i++) {
		sk_dns_table_add(&dns, name, &rr[i]);
		if (type == SK_DNS_SRV || type == SK_DNS_NAPTR) { /* their targets resolve */
			struct sk_dns_rr a = {
			    .type = SK_DNS_A, .ttl = rr[i].ttl, .addr = {127, 0, 0, 1}};
			if (rr[i].name[0])
				sk_dns_table_add(&dns, rr[i].name, &a);
		}
	}
	struct sk_resolver_config cfg = {
	    .timers = timers, .rng = &rng, .dns = dns, .cache_entries = 8, .max_ttl = 100};
	if (sk_resolver_new(&r, &cfg) < 0) {
		dns.ops->free(dns.be);
		sk_timers_free(timers);
		sk_clock_free(clock);
		return;
	}
	static const char *const uris[] = {"sip:f.test", "sip:f.test;transport=udp",
	                                   "sip:f.test:5062"};
	for (int round = 0; round < 2; round++) /* the second from the cache, or after expiry */
		for (size_t u = 0; u < 3; u++) {
			struct done d = {0};
			struct sk_target t[SK_RESOLVE_MAX];
			size_t nt = 0;
			struct sk_resolve_lookup *lk;
			int rc = sk_resolve_uri(r, sk_str_c(uris[u]), SK_PROTO_NONE, t, &nt, NULL,
			                        0, on_done, &d, &lk);
			if (rc == SK_RESOLVE_PENDING) {
				for (int i = 0; i < 100 && !d.calls; i++)
					sk_timers_advance(timers, 100);
				if (d.calls != 1 || d.n > SK_RESOLVE_MAX)
					abort();
			} else if (nt > SK_RESOLVE_MAX) {
				abort();
			}
			sk_timers_advance(timers, 60000 * (uint64_t)round);
		}
	sk_resolver_free(r);
	sk_timers_free(timers);
	sk_clock_free(clock);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum sk_dns_type types[] = {SK_DNS_A, SK_DNS_AAAA, SK_DNS_SRV, SK_DNS_NAPTR};
	if (size < 1 || size > 65536)
		return 0;
	enum sk_dns_type type = types[data[0] & 3];
	struct sk_dns_rr *rr = calloc(SK_DNS_MAX_RR, sizeof(*rr));
	size_t n = 0;
	if (!rr)
		return 0;
	volatile uint32_t neg = sk_dns_negative_ttl(data + 1, size - 1); /* the SOA walk */
	(void)neg;
	if (sk_dns_parse_answer(data + 1, size - 1, type, rr, SK_DNS_MAX_RR, &n) == 0) {
		if (n > SK_DNS_MAX_RR)
			abort();
		for (size_t i = 0; i < n; i++)
			if (rr[i].type != type || strlen(rr[i].name) >= SK_DNS_NAME_MAX)
				abort();
		if (type == SK_DNS_SRV) {
			struct sk_rng rng;
			sk_rng_seed(&rng, 7);
			sk_dns_srv_order(rr, n, &rng);
			for (size_t i = 1; i < n; i++)
				if (rr[i].priority < rr[i - 1].priority)
					abort();
		}
		run_resolver(rr, n, type);
	}
	free(rr);
	return 0;
}
