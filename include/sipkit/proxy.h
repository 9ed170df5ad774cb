/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateful forking proxy (RFC 3261 §16) and registrar (§10) on a stack:
 * validation, loose routing, targets from the location service or static
 * routes, parallel or sequential forking, response contexts choosing the
 * best final, Timer C, and CANCEL hop by hop (§16.10): answered at once,
 * every pending branch cancelled with the Reason copied; a 2xx or 6xx on one
 * branch cancels the others (§16.7 step 10, RFC 3326).
 */
#ifndef SIPKIT_PROXY_H
#define SIPKIT_PROXY_H

#include "sipkit/stack.h"

struct sk_proxy;

enum sk_fork_mode {
	SK_FORK_PARALLEL,   /* every target at once */
	SK_FORK_SEQUENTIAL, /* q-value groups, highest first (§16.6 step 1, RFC 3261 §20.10) */
};

/* ---- location service (§10.3): behind an interface ------------------------ */

/** One binding of an address of record. */
struct sk_binding {
	char contact[256]; /* the Contact URI */
	char call_id[128]; /* of the REGISTER that made it (§10.3 step 7) */
	uint32_t cseq;
	uint16_t q;          /* q-value * 1000 (§20.10), 1000 when absent */
	uint64_t expires_at; /* stack clock, ms */
};

/** A location store; the embedded default keeps bindings in memory. */
struct sk_location_ops {
	/** Bindings of aor (canonical "user@host"), unexpired at now, into out[0..max); returns the
	 * count. */
	size_t (*lookup)(void *st, const char *aor, uint64_t now, struct sk_binding *out,
	                 size_t max);
	/** Adds or replaces the binding of aor with the same contact. 0 or -SK_ENOMEM/-SK_ETOOBIG
	 * (a limit of the AOR), -SK_EFULL (the store holds all the AORs it may, for now).
	 */
	int (*put)(void *st, const char *aor, const struct sk_binding *b);
	/** Removes the binding of aor with that contact (NULL: all of them). */
	void (*remove)(void *st, const char *aor, const char *contact);
	void (*free)(void *st);
};

struct sk_location {
	const struct sk_location_ops *ops;
	void *st;
};

/** The in-memory store: at most max_aors addresses of record, max_bindings each. */
int sk_location_memory(struct sk_location *loc, size_t max_aors, size_t max_bindings);
/** What the in-memory store holds, expired entries not yet swept included; false for
 * another store. Either pointer may be NULL. */
bool sk_location_memory_held(const struct sk_location *loc, uint64_t *bindings, size_t *aors);

/* ---- the proxy ----------------------------------------------------------- */

struct sk_proxy_config {
	struct sk_stack *stack;
	const char
	    *domain; /* requests for this host (or our addresses) are ours; NULL: addresses only */
	enum sk_fork_mode fork;
	bool record_route; /* add Record-Route (§16.6 step 4) */
	bool registrar;    /* answer REGISTER for our domain (§10.3) */
	bool cancel_481;   /* an unmatched CANCEL is answered 481 instead of forwarded (§16.11) */
	uint32_t timer_c_ms;      /* Timer C (§16.8), > 3 minutes; 0: 181000 */
	uint32_t branch_ms;       /* sequential forking: a group's time before the next; 0: 20000 */
	uint32_t min_expires;     /* registrar: shortest registration (423 below), 0: 60 */
	uint32_t max_expires;     /* registrar: longest, 0: 3600 */
	uint32_t default_expires; /* registrar: when the REGISTER gives none, 0: 3600 */
	uint32_t max_breadth;     /* RFC 5393: concurrent branches of a request without
	                           * Max-Breadth, all hops together; 0: 60 */
	uint32_t max_passes;      /* a request seen this many times already (our Vias in it) is a
	                           * loop, whatever its Request-URI: 482; 0: 8 */
	size_t max_pending;       /* requests in progress (no final sent yet) beyond which new
	                           * ones are answered 503 with Retry-After; 0: 50000 */
	uint32_t overload_queue_kb; /* unread bytes in the UDP receive queues (KB) from which
	                             * the proxy is overloaded: new requests 503; 0: 512 */
	uint32_t src_rate;          /* new requests a second one source may send before 503s (past
	                             * ten times that: silence); 0: 10000 */
	const char *trust; /* comma-separated CIDRs exempt from src_rate (peers, gateways) */
	struct sk_location location; /* ops NULL: the in-memory store; freed with the proxy */
};

struct sk_proxy_stats {
	uint64_t calls;          /* INVITEs proxied (response contexts) */
	uint64_t cancelled;      /* calls cancelled by the caller (a CANCEL that matched) */
	uint64_t cancels_sent;   /* CANCELs sent to branches */
	uint64_t absorbed_487;   /* 487s from cancelled branches not passed upstream */
	uint64_t sent_481;       /* CANCELs matching nothing answered 481 */
	uint64_t forks;          /* INVITEs forwarded to more than one target */
	uint64_t branches;       /* client transactions started */
	uint64_t released;       /* pending calls released by the proxy (Timer C, operator) */
	uint64_t loops;          /* requests answered 482: a loop or too many passes through us */
	uint64_t breadth_440;    /* requests answered 440 or targets not tried (RFC 5393) */
	uint64_t shed_503;       /* new requests answered 503: pending cap, overload, source rate */
	uint64_t dropped;        /* new requests not answered: a source past 10 x src_rate */
	uint64_t overloads;      /* times the proxy became overloaded */
	uint64_t strays_dropped; /* responses matching no transaction and not ours: dropped */
	uint64_t dns_fwd_dropped; /* stateless forwards (ACK, CANCEL) dropped: too many waiting
	                           * for DNS, or the next hop did not resolve */
	uint64_t registers, bindings;
	size_t pending; /* response contexts alive (until their transactions end) */
	size_t active;  /* of them, requests in progress: no final sent yet (max_pending) */
};

int sk_proxy_new(struct sk_proxy **out, const struct sk_proxy_config *cfg);
/** True while the proxy sheds new requests for its load (overload control). */
bool sk_proxy_overloaded(const struct sk_proxy *p);
/** Frees the proxy and its state without callbacks (free the stack after). NULL-safe. */
void sk_proxy_free(struct sk_proxy *p);
/** A static route: requests for user (any domain of ours) go to uris (comma-separated). */
int sk_proxy_route_add(struct sk_proxy *p, const char *user, const char *uris);
struct sk_proxy_stats sk_proxy_stats(const struct sk_proxy *p);

/** One pending call (a response context without a final response upstream). */
struct sk_proxy_call_info {
	const char *call_id, *from, *to;
	unsigned branches, pending_branches;
	uint64_t age_ms;
	int best_status;         /* best final received so far, 0: none */
	const char *state;       /* of the response context: forking, cancelled, declined */
	char branch_states[128]; /* each branch's, in order: "pending,cancelling,done" */
};
/** Calls fn for each pending call; returns how many. */
size_t sk_proxy_pending(const struct sk_proxy *p,
                        void (*fn)(void *arg, const struct sk_proxy_call_info *c), void *arg);
/**
 * Releases a pending call by Call-ID (an IMS core losing the bearer does
 * this): every branch is cancelled with reason (RFC 3326, e.g.
 * `RELEASE_CAUSE;cause=3;text="Media bearer loss"`), and the caller gets
 * status (e.g. 480) with the same Reason. -SK_ENOTFOUND when no such call
 * is pending, -SK_EINVAL for a malformed reason.
 */
int sk_proxy_release(struct sk_proxy *p, const char *call_id, int status, const char *reason);

#endif
