/* SPDX-License-Identifier: BSD-3-Clause */
/* The Redis location store's reply parsing (internal to src/proxy; the fuzz target uses it). */
#ifndef SK_LOCATION_REDIS_H
#define SK_LOCATION_REDIS_H

#include "redis_conn.h"
#include "sipkit/proxy.h"

/* The bindings of a lookup's reply (c, i, s, q, src, tp, pttl per binding) into
 * out[0..max), by q descending then contact: the count (malformed ones skipped,
 * counted in *bad), or -SK_EIO for a reply of the wrong shape. */
int sk_location_redis_bindings(const redisReply *rep, uint64_t now, struct sk_binding *out,
                               size_t max, size_t *bad);

#endif
