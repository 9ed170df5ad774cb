/* SPDX-License-Identifier: BSD-3-Clause */
/* Response contexts and their branches (internal to fork.c and fork_dns.c). */
#ifndef SK_PROXY_FORK_INT_H
#define SK_PROXY_FORK_INT_H

#include "fork.h"

/*
 * A branch: WAITING (a later sequential group) -> [RESOLVING (its next hop is
 * a name: RFC 3263 lookup, nothing sent yet)] -> PENDING (forwarded) ->
 * CANCELLING (a CANCEL asked: sent, or waiting for a provisional, §9.1) ->
 * DONE (its final, a timeout or a transport error); PENDING -> DONE directly
 * when it ends uncancelled; RESOLVING -> DONE when the name does not resolve
 * or the branch is cancelled meanwhile (a 487 of ours, nothing sent).
 * RFC 3263 §4.3: a transport error, a timeout of the client transaction or a
 * 503 sends the branch on to the next target of its list, with a new client
 * transaction; the list exhausted, the branch ends with what it got.
 */
enum branch_state {
	BRANCH_WAITING,
	BRANCH_PENDING,
	BRANCH_CANCELLING,
	BRANCH_DONE,
	BRANCH_RESOLVING
};

/*
 * A response context: FORKING while its branches may all end, until a 2xx
 * goes up (ANSWERED: the others are cancelled), a 6xx comes (DECLINED: the
 * others are cancelled, the best final waits for their ends), the caller
 * cancels (CANCELLED: every branch is cancelled), or the final goes up
 * (DONE). A 2xx after the final (Timer C, release) still makes it ANSWERED.
 */
enum ctx_state { CTX_FORKING, CTX_CANCELLED, CTX_DECLINED, CTX_ANSWERED, CTX_DONE };

/*
 * A next hop of a branch (RFC 3263 §4.3: tried in order), kept compactly: a
 * ringing branch holds its list for failover, and a struct sk_target is 288
 * bytes of which the TLS name (RFC 5922 §7.2) is mostly empty. The names
 * follow the array in the same block.
 */
struct branch_hop {
	struct sk_sa addr;
	uint8_t proto;     /* enum sk_proto */
	uint8_t name_len;  /* 0: none (the address itself) */
	uint16_t name_off; /* from the end of the array */
};

struct branch {
	uint8_t state; /* enum branch_state */
	uint16_t q;
	int status;
	struct rctx *ctx;
	struct sk_txn *ct;
	char *target; /* its Request-URI */
	struct sk_timer timer_c;
	struct sk_resolve_lookup *lookup; /* while RESOLVING */
	struct branch_hop *hops;          /* where its next hop resolved to (RFC 3263 §4.3) */
	uint8_t nhops, hop;               /* how many, the one in use */
	struct sk_target *flow; /* NULL, or the only flow its target is reached on (RFC 7118) */
};

struct rctx {
	uint8_t state; /* enum ctx_state */
	bool invite;
	bool timer_c; /* a branch was given up by Timer C: the caller is told why */
	unsigned nbr, pending;
	unsigned holds; /* its transactions (server, branches) and callers mid-call: freed at 0 */
	struct sk_hnode node; /* in the proxy's contexts, by Call-ID */
	struct sk_proxy *p;
	struct sk_txn *st;
	uint64_t created;
	uint32_t loop_hash;      /* §16.6 step 8, in every branch's Via */
	uint32_t breadth;        /* RFC 5393: the Max-Breadth the request came with (or ours) */
	uint32_t branch_breadth; /* each branch of the group being started gets this */
	char *call_id;
	int best;
	char *best_wire; /* the best final so far, as received */
	size_t best_len;
	char *auth;   /* WWW-/Proxy-Authenticate lines of every 401/407 (§16.7 step 7) */
	char *reason; /* the CANCEL\'s Reason, for the call\'s event */
	size_t auth_len;
	int local;             /* a final of ours (DNS, cancelled while resolving) when none came */
	char *warn;            /* why, as a Warning value (§20.43): `399 host "text"`; NULL:
	                        * none (allocated when set: most calls never need one) */
	struct sk_timer group; /* sequential forking: the current group's time */
	struct sk_flow up;     /* where the server transaction's responses go */
	/* From and To URIs in the server transaction's request bytes, for the call's
	 * event and `sipkit ctl calls` without a parse (events.c); len 0: not there */
	struct sk_span from_uri, to_uri;
	/* the best final's parse while branch_response handles it (send_best
	 * forwards it without parsing best_wire again), else NULL */
	const struct sk_msg *best_msg;
	struct branch br[];
};

/* fork.c, for fork_dns.c */
void sk_proxy_fork_branch_done(struct branch *b, int status);
/* No branch pending: the next group, or the best final goes up. */
void sk_proxy_fork_check_done(struct rctx *c);
/* The hold idiom: the last release frees the context. */
void sk_proxy_fork_hold(struct rctx *c);
void sk_proxy_fork_release(struct rctx *c);
/* To ANSWERED or DONE: the request is no longer in progress (p->active counts those). */
void sk_proxy_fork_ctx_final(struct rctx *c, enum ctx_state state);

/* fork_final.c: the final that goes up (§16.7 steps 6 and 7) */
/* Lower is better: 6xx, then the lowest class; in 4xx, 401 407 415 420 484 first. */
int sk_proxy_fork_rank(int code);
/* Keeps a 401/407's challenges: every one goes up in the one 401/407 (§16.7 step 7). */
void sk_proxy_fork_keep_auth(struct rctx *c, const struct sk_msg *resp);
/* No branch pending: the best final, or one of the proxy's own, goes up; the call's event. */
void sk_proxy_fork_send_best(struct rctx *c);
/* Sends b's request to dst in a new client transaction (§16.6). */
int sk_proxy_fork_send(struct rctx *c, struct branch *b, const struct sk_target *dst);

/* fork_dns.c: next hops that are names (RFC 3263), failover, our own finals */
/* The Warning (§20.43, 399) of the final the proxy sends, saying why. */
void sk_proxy_fork_set_warn(struct rctx *c, const char *text);
/* A final of ours for when no branch brings one, kept by §16.7 rank, with its Warning. */
void sk_proxy_fork_set_local(struct rctx *c, int code, const char *text);
/* Forwards b: resolved (RESOLVING while a lookup runs), sent to its first target. */
int sk_proxy_fork_forward(struct rctx *c, struct branch *b);
/* RFC 3263 §4.3: b on to its next target; false when none is left. */
bool sk_proxy_fork_failover(struct rctx *c, struct branch *b);
/* A RESOLVING branch cancelled: ends as a 487 of ours, its lookup's answer never comes. */
void sk_proxy_fork_cancel_lookup(struct branch *b);

/* events.c: the call's event as its final goes up (status, targets, the CANCEL's Reason
 * or reason); what send_best sends up (0: nothing, a non-INVITE that timed out). */
void sk_proxy_fork_event(struct rctx *c, int status, bool cancelled, const char *reason);
int sk_proxy_fork_status_up(const struct rctx *c, bool cancelled);

#endif
