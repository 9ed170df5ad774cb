/* SPDX-License-Identifier: BSD-3-Clause */
/* Response contexts and forking (internal to src/proxy). */
#ifndef SK_PROXY_FORK_H
#define SK_PROXY_FORK_H

#include "proxy_int.h"

/* proxy.c: shared with fork.c */
uint32_t sk_proxy_loop_hash(const struct sk_proxy *p, const struct sk_msg *req);
/* The hash as it follows the '.' ending our branches (§16.6 step 8): 8 hex digits into
 * out (9 bytes); send_branch writes it, is_loop looks for it. */
void sk_proxy_loop_tag(uint32_t hash, char out[9]);
/* RFC 5393 §5.3: the request's Max-Breadth, ours when it has none; -1: malformed. */
int64_t sk_proxy_breadth(const struct sk_proxy *p, const struct sk_msg *req);
/* §16.4 on req: fw gets the Route values to drop; next_ruri the Request-URI
 * after strict-router compatibility; next_route the first Route left (or empty). */
void sk_proxy_preprocess(struct sk_proxy *p, const struct sk_msg *req, struct sk_forward *fw,
                         struct sk_str *next_ruri, struct sk_str *next_route);

/* fork.c */
int sk_proxy_fork_table_init(struct sk_proxy *p);
void sk_proxy_fork_table_free(struct sk_proxy *p);
/*
 * A response context for server transaction st (§16.7) and its branches: one
 * per target (targets NULL: the Request-URI after §16.4), in q-value groups
 * when sequential. flows[i].proto, when set, is the only flow target i may
 * be reached on (a WebSocket binding's connection, RFC 7118 §5).
 */
void sk_proxy_fork_start(struct sk_proxy *p, struct sk_txn *st, const struct sk_msg *req,
                         char (*targets)[256], const uint16_t *q, const struct sk_target *flows,
                         size_t n);
/* §16.10: a CANCEL for invite; false when invite has no response context. */
bool sk_proxy_fork_cancel(struct sk_proxy *p, struct sk_txn *st, const struct sk_msg *cancel,
                          struct sk_txn *invite);

#endif
