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
	char source[56];   /* address:port the REGISTER came from ("[v6]:port"), "" unknown */
	char transport[8]; /* transport it came over ("udp" ... "ws", "wss"), "" unknown */
	uint32_t cseq;
	uint16_t q;          /* q-value * 1000 (§20.10), 1000 when absent */
	uint64_t expires_at; /* stack clock, ms */
};

/** Called by the list operation for each binding, with its address of record. */
typedef void (*sk_location_list_fn)(void *arg, const char *aor, const struct sk_binding *b);

/**
 * A location store; the embedded default keeps bindings in memory. Every
 * operation may fail with -SK_EIO: the store could not be reached or answered
 * nonsense (a remote store's outage), which is distinct from "no binding" (0
 * bindings) and "full" (-SK_EFULL). Callers answer accordingly (500 with
 * Retry-After to a REGISTER, 480 to a call) and never block on a retry.
 */
struct sk_location_ops {
	/** Bindings of aor (canonical "user@host"), unexpired at now, into out[0..max), by q
	 * descending; returns the count, or -SK_EIO. */
	int (*lookup)(void *st, const char *aor, uint64_t now, struct sk_binding *out, size_t max);
	/** Adds or replaces the binding of aor with the same contact. 0 or -SK_ENOMEM/-SK_ETOOBIG
	 * (a limit of the AOR), -SK_EFULL (the store holds all the AORs it may, for now), -SK_EIO.
	 */
	int (*put)(void *st, const char *aor, const struct sk_binding *b);
	/** Removes the binding of aor with that contact (NULL: all of them); 0 or -SK_EIO. */
	int (*remove)(void *st, const char *aor, const char *contact);
	/**
	 * One bounded step of a walk over every binding: from *cursor (0: the start),
	 * calls fn for the unexpired bindings of a few AORs, about max of them (a step
	 * finishes the AORs it started), and sets *cursor to where the next step
	 * starts, 0 when the walk is over. Bindings added or removed meanwhile may be
	 * listed or not. Returns how many were listed, or -SK_EIO, or -SK_ETIMEDOUT
	 * (a remote store too slow to finish the step in its time: the walk stops).
	 */
	int (*list)(void *st, uint64_t now, uint64_t *cursor, size_t max, sk_location_list_fn fn,
	            void *arg);
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

/**
 * The in-memory store shared by several proxies in one process (the workers,
 * each a thread): every operation of inner under one mutex. Makes users
 * handles in out[0..users), one per proxy, each freed with its proxy; the last
 * one freed frees inner. 0, -SK_EINVAL, -SK_ENOMEM (inner is then freed).
 */
int sk_location_shared(struct sk_location *out, size_t users, struct sk_location inner);

/* ---- what happened, one event per call and per REGISTER ------------------------ */

enum sk_proxy_event_kind {
	SK_PROXY_EV_CALL,     /* an INVITE's final went upstream */
	SK_PROXY_EV_REGISTER, /* the registrar answered a REGISTER */
};

/** One line of the proxy's log of calls and registrations; the strings live for the call. */
struct sk_proxy_event {
	enum sk_proxy_event_kind kind;
	const char *call_id, *from, *to; /* From and To URIs */
	const char *source;              /* "udp:ADDR:PORT" the request came from */
	const char *targets;  /* call: its branches' Request-URIs; REGISTER: the contacts it
	                       * holds now; comma-separated, cut at 512 bytes */
	int status;           /* the final sent upstream (0: none, a non-INVITE that timed out) */
	const char *outcome;  /* call: answered, cancelled, rejected, timeout, failed;
	                       * REGISTER: registered, unregistered, refused */
	const char *reason;   /* the CANCEL's Reason (RFC 3326) or the proxy's own, "" if none */
	uint64_t duration_ms; /* from the request to its final */
	unsigned bindings;    /* REGISTER: bindings of the AOR after it */
};
/**
 * The Redis store (hiredis): bindings that survive a restart of the proxy
 * and that several proxies share. Synchronous with deadlines and a circuit
 * breaker: after a failure the store answers -SK_EIO at once for a backoff
 * period, then tries again by itself (src/proxy/redis_conn.c).
 */
struct sk_redis_breaker;
struct sk_location_redis_config {
	const char *url;              /* redis://HOST:PORT[/DB]; HOST resolved once, here */
	const struct sk_clock *clock; /* the stack's clock: expiry times, deadlines, backoff */
	const struct sk_log *log;     /* outages and recoveries; NULL: silent */
	size_t max_bindings;          /* per AOR, 0: 16, at most 64 */
	uint32_t connect_ms;          /* 0: 250 */
	uint32_t command_ms;          /* one command's round trip, 0: 250 */
	uint32_t backoff_ms;          /* no attempt after a failure, 0: 500; doubles ... */
	uint32_t backoff_max_ms;      /* ... up to this while failures go on, 0: 8 x backoff_ms */
	struct sk_redis_breaker *breaker; /* one breaker for several stores (workers); NULL: own */
};
/**
 * A circuit breaker that the Redis stores of several workers share (thread-safe):
 * an outage one of them sees opens it for all, and the first reply closes it for
 * all. Outlives the stores given it. 0 or -SK_ENOMEM.
 */
int sk_redis_breaker_new(struct sk_redis_breaker **out);
void sk_redis_breaker_free(struct sk_redis_breaker *b);
/** Makes a Redis store (no I/O yet): 0, -SK_EINVAL (a bad URL, a host that does not
 * resolve), -SK_ENOMEM. */
int sk_location_redis(struct sk_location *loc, const struct sk_location_redis_config *cfg);
/** A PING to a Redis store: 0, -SK_EIO (down), -SK_EINVAL (another store). */
int sk_location_redis_ping(const struct sk_location *loc);

/* ---- the proxy ----------------------------------------------------------- */

struct sk_proxy_config {
	struct sk_stack *stack;
	/* the served domains, comma-separated: requests for them (or our addresses) are
	 * ours, and requests beyond them are relayed only for trusted sources and
	 * authenticated users (403 otherwise); NULL: an open proxy that relays anything */
	const char *domain;
	/* users and their HA1s, "user:realm:HA1[:HA1-SHA-256]" a line (needs domain): every
	 * request not of a dialog of ours, from an untrusted source, is authenticated
	 * (§22; CANCEL and ACK never are); NULL: nobody is challenged */
	const char *users_file;
	/* the digest algorithms offered, in order: "MD5,SHA-256" (NULL), "SHA-256,MD5", "MD5" */
	const char *auth_algorithms;
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
	/* the failed authentications per source that block it, counted for several workers'
	 * proxies together (sk_proxy_auth_fails_new); NULL: this proxy's own */
	struct sk_proxy_auth_fails *auth_fails;
	/* the key of the MACs our Record-Route carries (its dialog mark, a WebSocket flow
	 * token), shared by proxies that read each other's (the workers: a request on a
	 * connection is handled by the worker holding it, not always the one that
	 * record-routed its dialog); NULL: the stack's */
	const struct sk_hash_key *dialog_key;
	struct sk_location location; /* ops NULL: the in-memory store; freed with the proxy */
	/* called once per call and per REGISTER (a log line); NULL: nothing */
	void (*on_event)(void *arg, const struct sk_proxy_event *ev);
	void *event_arg;
};

/**
 * Failed authentications per source, one table for several workers' proxies
 * (thread-safe): a source is blocked after its failures on all of them together.
 * key hashes the sources (one for all). Outlives the proxies given it.
 */
struct sk_proxy_auth_fails;
int sk_proxy_auth_fails_new(struct sk_proxy_auth_fails **out, const struct sk_hash_key *key);
void sk_proxy_auth_fails_free(struct sk_proxy_auth_fails *f);

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
	uint64_t relay_denied; /* requests beyond our domains refused (403), ACKs dropped */
	uint64_t challenges;   /* 401/407 sent */
	uint64_t auth_failed;  /* credentials that did not verify (unknown user or wrong) */
	uint64_t auth_refused; /* 403: a blocked source, or a user claiming another identity */
	uint64_t auth_blocked; /* sources blocked for their failed authentications */
	size_t pending;        /* response contexts alive (until their transactions end) */
	size_t active;         /* of them, requests in progress: no final sent yet (max_pending) */
};

int sk_proxy_new(struct sk_proxy **out, const struct sk_proxy_config *cfg);
/** True while the proxy sheds new requests for its load (overload control). */
bool sk_proxy_overloaded(const struct sk_proxy *p);
/** Frees the proxy and its state without callbacks (free the stack after). NULL-safe. */
void sk_proxy_free(struct sk_proxy *p);
/** Reads the users file again (SIGHUP); the old users stay when it does not parse, with
 * why in err. 0, -SK_EINVAL. */
int sk_proxy_users_reload(struct sk_proxy *p, char *err, size_t errsize);
/** The users known (0 without a users file). */
size_t sk_proxy_users(const struct sk_proxy *p);
/** A static route: requests for user (any domain of ours) go to uris (comma-separated). */
int sk_proxy_route_add(struct sk_proxy *p, const char *user, const char *uris);
struct sk_proxy_stats sk_proxy_stats(const struct sk_proxy *p);
/** The proxy's location store (for listing bindings; owned by the proxy). */
const struct sk_location *sk_proxy_location(const struct sk_proxy *p);

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
/**
 * Stops taking new work: from now on every new request (not a CANCEL, not
 * one of a dialog) is answered 503 with Retry-After (§21.5.4) and counted in
 * shed_503, while what is in progress goes on. A worker about to stop.
 */
void sk_proxy_drain(struct sk_proxy *p);

/* ---- workers: several proxies on the same addresses, one per thread --------------- */

/*
 * N stacks (one per thread, each with its own loop and proxy) on the same
 * listening addresses (SO_REUSEPORT: the kernel spreads datagrams by the
 * peer's address, connections as they come). Who handles what
 * (docs/workers.md):
 *  - a datagram on a shared address belongs to worker hash(Call-ID) mod N, so
 *    the INVITE, its CANCEL and ACK, and every request of a call meet in one
 *    worker whatever socket the kernel chose; a worker that receives another's
 *    datagram hands its bytes over through the owner's bounded queue (its loop
 *    wakes on an eventfd);
 *  - each worker sends its requests from a UDP port of its own, the sent-by of
 *    its Vias, so their responses come back to it (§18.2.2): a response
 *    arriving there is its own, a request there is steered as above;
 *  - a request on a stream stays with the worker holding its connection
 *    (§18.2.2: its responses go back on it); a response, on a stream or a
 *    shared address, goes to the worker its top Via's branch names (every
 *    worker's branches carry its index, sk_tp_branch_owner), else as before;
 *  - a worker sending on a connection another worker holds (a browser's
 *    WebSocket, a phone behind NAT: the workers' transports are one group,
 *    sk_tp_set_group) passes the bytes through the holder's queue, which
 *    writes them (sk_tp_set_across); a connection known closed fails the
 *    send at once, one closed before the holder writes is counted; one that
 *    breaks is told to the workers that sent on it (sk_tp_set_gone), whose
 *    transactions on it fail at once.
 * A full queue or a stopped owner: a request is answered 503 with Retry-After
 * by the worker that received it (never an ACK), anything else is dropped;
 * both are counted.
 */
struct sk_workers;

#define SK_WORKERS_MAX 64

struct sk_workers_config {
	unsigned n;                    /* workers, 1..SK_WORKERS_MAX */
	size_t queue_max;              /* messages and sends waiting per worker's queue, 0: 4096 */
	const struct sk_hash_key *key; /* the Call-ID hash's key; NULL: drawn from the OS */
};

struct sk_workers_stats {
	uint64_t handed_out;  /* messages this worker received and passed to their owner */
	uint64_t handed_in;   /* messages it handled for another worker's socket */
	uint64_t refused_503; /* requests it answered 503: the owner's queue full or stopped */
	uint64_t dropped;     /* other messages it could not pass, or left in its queue at stop */
	uint64_t sent_across; /* sends on another worker's connection it passed to that worker */
	uint64_t sent_across_gone;    /* sends passed to it whose connection had closed before
	                               * it could write them (dropped, counted here) */
	uint64_t sent_across_refused; /* sends it could not pass: the owner's queue full or
	                               * the owner stopped (the send failed) */
	size_t queued;                /* waiting in its queue now */
	bool stopped;
};

int sk_workers_new(struct sk_workers **out, const struct sk_workers_config *cfg);
/** Frees the set; every worker must have stopped (sk_workers_stop). NULL-safe. */
void sk_workers_free(struct sk_workers *ws);
unsigned sk_workers_count(const struct sk_workers *ws);
/** Declares a listening UDP address shared by all workers (up to 16). Before they run. */
int sk_workers_share(struct sk_workers *ws, const struct sk_sa *addr);
/**
 * Worker i's transport (sk_stack_tp) and loop: the transport steers what it
 * receives, joins the workers' group (with more than one worker: before it
 * holds a connection) and sends across through the queues; the loop wakes for
 * its queue. On the thread that will run the loop, or before it starts.
 */
int sk_workers_attach(struct sk_workers *ws, unsigned i, struct sk_tp *tp, struct sk_loop *loop);
/**
 * Who handles message m received on flow by worker self: self, or another
 * worker (the rule above), whether that one runs or not.
 */
unsigned sk_workers_owner(const struct sk_workers *ws, const struct sk_msg *m,
                          const struct sk_flow *flow, unsigned self);
/** The worker that owns the calls of this Call-ID. */
unsigned sk_workers_owner_of(const struct sk_workers *ws, struct sk_str call_id);
/**
 * Runs fn(arg) on worker i's thread, from its loop, after what is queued
 * before it (operators' commands; not bounded by queue_max). 0, or -SK_ESTATE
 * when i stopped (fn is then never called).
 */
int sk_workers_call(struct sk_workers *ws, unsigned i, void (*fn)(void *arg), void *arg);
/**
 * Worker i stops, on its own thread, before its stack and loop are freed:
 * nothing is passed to it any more (the others answer its requests 503); the
 * messages still in its queue are dropped (counted), the calls in it run now.
 */
void sk_workers_stop(struct sk_workers *ws, unsigned i);
struct sk_workers_stats sk_workers_stats(struct sk_workers *ws, unsigned i);

#endif
