/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The resolver's cache of DNS answers, keyed by name and type: each answer
 * kept for the smallest TTL of its records (RFC 1035 §3.2.1, RFC 2181 §5.2),
 * a negative one ("no such domain", "no data") for the time its SOA gives
 * (RFC 2308 §5), or negative_ttl when it carried none, on the stack clock. Bounded in entries; when
 * full the oldest goes, in O(1). And the RFC 2782 order of SRV records.
 */
#include <stdlib.h>
#include <string.h>

#include "resolve_int.h"

struct centry {
	struct sk_hnode node;
	struct centry *older, *newer; /* insertion order: the oldest is evicted */
	uint64_t expires;             /* stack ms */
	uint16_t type;
	int err;
	size_t n;
	char name[SK_DNS_NAME_MAX];
	struct sk_dns_rr rr[];
};

static uint64_t key_hash(const struct sk_resolver *r, const char *name, uint16_t type)
{
	struct sk_hash_state s;
	sk_hash_init(&s, &r->key);
	sk_hash_field(&s, sk_str_c(name));
	sk_hash_u64(&s, type);
	return sk_hash_final(&s);
}

struct ckey {
	const char *name;
	uint16_t type;
};

static bool centry_eq(const struct sk_hnode *n, const void *ctx)
{
	const struct centry *e = sk_container_of(n, struct centry, node);
	const struct ckey *k = ctx;
	return e->type == k->type && !strcmp(e->name, k->name);
}

static void centry_unlink(struct sk_resolver *r, struct centry *e)
{
	sk_htab_remove(&r->cache, &e->node);
	if (e->older)
		e->older->newer = e->newer;
	else
		r->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		r->newest = e->older;
	free(e);
}

void sk_resolve_cache_flush(struct sk_resolver *r)
{
	while (r->oldest)
		centry_unlink(r, r->oldest);
}

/* A fresh answer for name/type: 1 with *err, *rr, *n (the entry's, valid until the next
 * cache call), 0 when none (an expired one is dropped on the way). */
int sk_resolve_cache_get(struct sk_resolver *r, const char *name, uint16_t type, int *err,
                         const struct sk_dns_rr **rr, size_t *n)
{
	struct ckey k = {name, type};
	struct sk_hnode *h = sk_htab_find(&r->cache, key_hash(r, name, type), centry_eq, &k);
	if (!h) {
		r->st.cache_misses++;
		return 0;
	}
	struct centry *e = sk_container_of(h, struct centry, node);
	if (sk_timers_now(r->cfg.timers) >= e->expires) {
		centry_unlink(r, e);
		r->st.cache_misses++;
		return 0;
	}
	r->st.cache_hits++;
	*err = e->err;
	*rr = e->rr;
	*n = e->n;
	return 1;
}

/* Keeps an answer (err 0 or -SK_ENOTFOUND; others are not kept) for its TTL. */
void sk_resolve_cache_put(struct sk_resolver *r, const char *name, uint16_t type, int err,
                          const struct sk_dns_rr *rr, size_t n, uint32_t neg_ttl)
{
	if (err != 0 && err != -SK_ENOTFOUND)
		return;
	if (n > SK_DNS_MAX_RR)
		n = SK_DNS_MAX_RR;
	/* RFC 2308 §5: a negative answer for its SOA's time, else ours */
	uint64_t ttl =
	    neg_ttl ? (neg_ttl < r->cfg.max_ttl ? neg_ttl : r->cfg.max_ttl) : r->cfg.negative_ttl;
	if (n) {
		ttl = r->cfg.max_ttl;
		for (size_t i = 0; i < n; i++) /* the records used live as long as the shortest */
			if (rr[i].ttl < ttl)
				ttl = rr[i].ttl;
	}
	if (ttl == 0 || strlen(name) >= SK_DNS_NAME_MAX)
		return; /* RFC 1035 §3.2.1: TTL 0 is for this transaction only */
	struct ckey k = {name, type};
	uint64_t hash = key_hash(r, name, type);
	struct sk_hnode *old = sk_htab_find(&r->cache, hash, centry_eq, &k);
	if (old)
		centry_unlink(r, sk_container_of(old, struct centry, node));
	if (sk_htab_count(&r->cache) >= r->cfg.cache_entries && r->oldest) {
		centry_unlink(r, r->oldest);
		r->st.evictions++;
	}
	struct centry *e = malloc(sizeof(*e) + n * sizeof(e->rr[0]));
	if (!e)
		return;
	memset(e, 0, sizeof(*e));
	strcpy(e->name, name);
	e->type = type;
	e->err = err;
	e->n = n;
	if (n)
		memcpy(e->rr, rr, n * sizeof(rr[0]));
	e->expires = sk_timers_now(r->cfg.timers) + ttl * 1000;
	e->older = r->newest;
	if (r->newest)
		r->newest->newer = e;
	else
		r->oldest = e;
	r->newest = e;
	sk_htab_insert(&r->cache, &e->node, hash);
}

size_t sk_resolve_cache_count(const struct sk_resolver *r)
{
	return sk_htab_count(&r->cache);
}

/* ---- RFC 2782: the order of SRV records ---------------------------------------- */

static int by_priority(const void *a, const void *b)
{
	const struct sk_dns_rr *x = a, *y = b;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	/* weight 0 first within a priority (RFC 2782 "Usage rules"), then as they came:
	 * qsort is not stable, the name breaks ties so the order is reproducible */
	if ((x->weight == 0) != (y->weight == 0))
		return x->weight == 0 ? -1 : 1;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->port < y->port ? -1 : x->port > y->port;
}

void sk_dns_srv_order(struct sk_dns_rr *rr, size_t n, struct sk_rng *rng)
{
	if (n > 1)
		qsort(rr, n, sizeof(rr[0]), by_priority);
	for (size_t lo = 0; lo < n;) {
		size_t hi = lo;
		while (hi < n && rr[hi].priority == rr[lo].priority)
			hi++;
		/* RFC 2782: a running sum over those not yet ordered; a random number in
		 * [0, sum]; the first whose running sum reaches it goes next */
		for (size_t i = lo; i + 1 < hi; i++) {
			uint64_t sum = 0;
			for (size_t k = i; k < hi; k++)
				sum += rr[k].weight;
			uint64_t pick = rng ? sk_rng_below(rng, sum + 1) : 0, run = 0;
			size_t chosen = i;
			for (size_t k = i; k < hi; k++) {
				run += rr[k].weight;
				if (run >= pick) {
					chosen = k;
					break;
				}
			}
			if (chosen != i) { /* the others keep their order: weight 0 first */
				struct sk_dns_rr t = rr[chosen];
				memmove(&rr[i + 1], &rr[i], (chosen - i) * sizeof(rr[0]));
				rr[i] = t;
			}
		}
		lo = hi;
	}
}
