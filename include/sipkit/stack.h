/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stack: one transport and one transaction layer on one clock, with the
 * limits, timer values and random generator they share (DESIGN.md: no global
 * state; a test creates several in one process). A UA core or a proxy core
 * sits on top as the transaction user.
 */
#ifndef SIPKIT_STACK_H
#define SIPKIT_STACK_H

#include "sipkit/core.h"
#include "sipkit/msg.h"
#include "sipkit/transport.h"
#include "sipkit/txn.h"

struct sk_stack_config {
	struct sk_timers *timers;        /* the clock: sk_loop_timers(loop) or a virtual clock's */
	struct sk_net *net;              /* OS sockets or a simnet node; the stack frees it */
	const struct sk_log *log;        /* NULL: silent */
	struct sk_msg_limits limits;     /* zero: defaults */
	struct sk_txn_times times;       /* zero: RFC 3261 Table 4 */
	uint64_t seed;                   /* branches, tags, Call-IDs; 0: from the OS */
	size_t expected;                 /* live transactions to size tables for; 0: 1024 */
	size_t max_transactions;         /* see sk_txl_config; 0: 1000000 */
	struct sk_tp_conn_limits conns;  /* caps and timeouts of TCP connections; zero: defaults */
	struct sk_ws_config ws;          /* WebSocket listeners (RFC 7118); zero: defaults */
	const struct sk_tls_config *tls; /* TLS certificates and policy; NULL: no TLS */
};

struct sk_stack;

int sk_stack_new(struct sk_stack **out, const struct sk_stack_config *cfg);
/** Frees the transaction layer, the transport and the net (NULL-safe), without callbacks. */
void sk_stack_free(struct sk_stack *st);
/** Listens on "udp:HOST:PORT" / "tcp:..." (port 0: ephemeral); bound may be NULL. */
int sk_stack_listen(struct sk_stack *st, const struct sk_target *where, struct sk_sa *bound);
/** Sets the transaction user (the UA or proxy core). */
void sk_stack_set_user(struct sk_stack *st, const struct sk_txl_user *user);

struct sk_tp *sk_stack_tp(const struct sk_stack *st);
struct sk_txl *sk_stack_txl(const struct sk_stack *st);
struct sk_timers *sk_stack_timers(const struct sk_stack *st);
/** The secret key of the stack's hash tables (transactions, calls, contexts). */
const struct sk_hash_key *sk_stack_hash_key(const struct sk_stack *st);
struct sk_rng *sk_stack_rng(struct sk_stack *st);
const struct sk_log *sk_stack_log(const struct sk_stack *st);
const struct sk_txn_times *sk_stack_times(const struct sk_stack *st);
uint64_t sk_stack_now(const struct sk_stack *st);
/**
 * Gives the stack a resolver (RFC 3263) over dns, which the stack then owns
 * (freed with it, or here on failure); cfg (may be NULL) sets its bounds, its
 * timers, generator and log are the stack's. Replaces any resolver before.
 * 0, -SK_EINVAL, -SK_ENOMEM.
 */
int sk_stack_set_dns(struct sk_stack *st, struct sk_dns_backend dns,
                     const struct sk_resolver_config *cfg);
/** The stack's resolver, NULL when it was given no DNS: IP literals only. */
struct sk_resolver *sk_stack_resolver(const struct sk_stack *st);
/** Writes n random characters of [0-9a-z] and a NUL (tags, Call-IDs; §19.3: >= 32 bits). */
void sk_stack_token(struct sk_stack *st, char *buf, size_t n);

#endif
