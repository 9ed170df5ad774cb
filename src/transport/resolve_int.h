/* SPDX-License-Identifier: BSD-3-Clause */
/* The resolver's private header (internal to src/transport): resolve.c, resolve_cache.c. */
#ifndef SK_TRANSPORT_RESOLVE_INT_H
#define SK_TRANSPORT_RESOLVE_INT_H

#include "sipkit/transport.h"

struct centry;
struct lookup_query;

struct sk_resolver {
	struct sk_resolver_config cfg;
	struct sk_resolver_stats st;
	struct sk_hash_key key;
	struct sk_htab cache; /* struct centry by name and type */
	struct centry *oldest, *newest;
	struct sk_resolve_lookup *lookups; /* pending, for free */
};

int sk_resolve_cache_get(struct sk_resolver *r, const char *name, uint16_t type, int *err,
                         const struct sk_dns_rr **rr, size_t *n);
void sk_resolve_cache_put(struct sk_resolver *r, const char *name, uint16_t type, int err,
                          const struct sk_dns_rr *rr, size_t n, uint32_t neg_ttl);
void sk_resolve_cache_flush(struct sk_resolver *r);
size_t sk_resolve_cache_count(const struct sk_resolver *r);

#endif
