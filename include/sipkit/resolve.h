/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Locating SIP servers (RFC 3263 §4): a SIP URI naming a host becomes an
 * ordered list of (transport, address, port) through NAPTR, SRV (RFC 2782)
 * and AAAA/A, asynchronously on the stack's timers, with answers cached for
 * their TTL on the stack clock. The DNS itself sits behind a small backend
 * interface: c-ares on the event loop in production, a table of records in
 * tests (virtual time, no DNS server). Included by transport.h.
 */
#ifndef SIPKIT_RESOLVE_H
#define SIPKIT_RESOLVE_H

#include "sipkit/core.h"

struct sk_loop;
struct sk_target;

/* ---- DNS records and the backend interface -------------------------------- */

enum sk_dns_type {
	SK_DNS_A = 1,
	SK_DNS_AAAA = 28,
	SK_DNS_SRV = 33,
	SK_DNS_NAPTR = 35,
};

#define SK_DNS_NAME_MAX 256 /* a domain name in text, NUL included (RFC 1035 §2.3.4: 253) */
#define SK_DNS_MAX_RR   64  /* records kept of one answer: those after are dropped */

/** One record of an answer: the fields of its type. */
struct sk_dns_rr {
	uint16_t type; /* enum sk_dns_type */
	uint32_t ttl;  /* seconds */
	/* A / AAAA */
	uint8_t addr[16];
	/* SRV (RFC 2782) */
	uint16_t priority, weight, port;
	/* NAPTR (RFC 3403 §4.1) */
	uint16_t order, preference;
	char flags[8];
	char service[32];
	/* SRV: the target; NAPTR: the replacement */
	char name[SK_DNS_NAME_MAX];
};

/** An answer: err 0 (n records, possibly none: no data), -SK_ENOTFOUND (no such
 * domain), -SK_ETIMEDOUT, -SK_EIO (server failure, refused, malformed). neg_ttl: for
 * "no such domain" and "no data", the seconds the answer's SOA lets it be kept
 * (RFC 2308 §5), 0 when it carried none. */
typedef void (*sk_dns_answer_fn)(void *arg, int err, const struct sk_dns_rr *rr, size_t n,
                                 uint32_t neg_ttl);

/**
 * A DNS client. query starts one query whose answer comes later through fn,
 * never from inside query (0), or fails at once (-errno, fn never called).
 * *id names it for cancel, after which fn is never called. free cancels all.
 */
struct sk_dns_ops {
	int (*query)(void *be, const char *name, enum sk_dns_type type, sk_dns_answer_fn fn,
	             void *arg, uint64_t *id);
	void (*cancel)(void *be, uint64_t id);
	void (*free)(void *be);
};

struct sk_dns_backend {
	const struct sk_dns_ops *ops;
	void *be;
};

/**
 * The c-ares backend on loop (its sockets are loop watchers, its timeouts a
 * timer): server NULL reads /etc/resolv.conf, else "udp:HOST:PORT" (one
 * server, numeric). timeout_ms per try (0: 2000), tries (0: 2).
 * 0, -SK_EINVAL (server), -SK_EIO (c-ares could not start), -SK_ENOMEM.
 */
int sk_dns_ares_new(struct sk_dns_backend *out, struct sk_loop *loop, const char *server,
                    uint32_t timeout_ms, uint32_t tries);

/**
 * Parses a raw DNS answer (RFC 1035 §4.1) with c-ares into records of type
 * (those of other types skipped), max at most; TTLs c-ares does not report
 * (SRV, NAPTR) are the smallest of the answer section. NAPTR records with a
 * regexp get an empty name (unusable for SIP). 0 (*n may be 0: no data) or
 * -SK_EMALFORMED. For the c-ares backend and fuzzing.
 */
int sk_dns_parse_answer(const unsigned char *abuf, size_t alen, enum sk_dns_type type,
                        struct sk_dns_rr *out, size_t max, size_t *n);
/** RFC 2308 §5: how long a negative answer may be kept, min(SOA TTL, SOA MINIMUM) of the
 * SOA in its authority section (seconds); 0 when it has none or it does not parse. */
uint32_t sk_dns_negative_ttl(const unsigned char *abuf, size_t alen);

/**
 * A backend answering from a table (tests, fuzzing): records added with
 * sk_dns_table_add answer after delay_ms of the timers' time; a name+type
 * with no record answers "no data", or "no such domain" when no record has
 * the name at all; a name+type marked silent never answers.
 */
int sk_dns_table_new(struct sk_dns_backend *out, struct sk_timers *timers, uint32_t delay_ms);
/** Adds a record answering name/rr->type. 0 or -SK_ENOMEM. */
int sk_dns_table_add(struct sk_dns_backend *b, const char *name, const struct sk_dns_rr *rr);
/** name/type never answers (err 0), or answers err (-SK_EIO ...). */
int sk_dns_table_fail(struct sk_dns_backend *b, const char *name, enum sk_dns_type type, int err);
/** Queries the table received so far (all types). */
uint64_t sk_dns_table_queries(const struct sk_dns_backend *b);
/** Removes every record and failure (a test changes the zone). */
void sk_dns_table_clear(struct sk_dns_backend *b);

/* ---- the resolver ---------------------------------------------------------- */

#define SK_RESOLVE_MAX 16 /* targets of one lookup */

struct sk_resolver;

struct sk_resolver_config {
	struct sk_timers *timers;  /* the stack clock: TTLs and query timeouts */
	struct sk_rng *rng;        /* SRV weights (RFC 2782): the stack's, seeded in tests */
	const struct sk_log *log;  /* NULL: silent */
	struct sk_dns_backend dns; /* owned: freed with the resolver */
	uint32_t cache_entries;    /* name+type answers cached, oldest evicted; 0: 4096 */
	uint32_t max_ttl;          /* seconds an answer is kept at most; 0: 3600 */
	uint32_t negative_ttl;     /* seconds a "no such domain" or "no data" without an SOA
	                            * is kept (with one: its TTL, RFC 2308, up to max_ttl); 0: 30 */
	uint32_t max_queries;      /* queries in flight; 0: 256 */
	uint32_t max_lookups;      /* lookups in progress; 0: 1024 */
	uint32_t query_timeout_ms; /* a query not answered by then fails the lookup; 0: 5000 */
	bool no_ipv6;              /* no AAAA queries */
};

struct sk_resolver_stats {
	uint64_t lookups, queries, cache_hits, cache_misses, evictions, timeouts, failures;
	uint64_t refused; /* lookups refused: max_lookups or max_queries reached */
	size_t cached, in_flight, pending;
};

int sk_resolver_new(struct sk_resolver **out, const struct sk_resolver_config *cfg);
/** Frees the resolver (NULL-safe): pending lookups end without their callback. */
void sk_resolver_free(struct sk_resolver *r);
struct sk_resolver_stats sk_resolver_stats(const struct sk_resolver *r);

/** The outcome of a lookup: targets in the order to try them (RFC 3263 §4.3). */
struct sk_resolve_result {
	size_t n;
	struct sk_target *t; /* points into the lookup's storage: valid during the callback */
	char why[256];       /* on an error: what failed, for a Warning ("no such domain x") */
};

/** The end of a lookup: err 0 with res->n >= 1, or -SK_ENOTFOUND (the name does
 * not resolve), -SK_ETIMEDOUT (the DNS did not answer), -SK_EIO (server failure). */
typedef void (*sk_resolve_fn)(void *arg, int err, const struct sk_resolve_result *res);

struct sk_resolve_lookup;

#define SK_RESOLVE_PENDING 1

/**
 * Where a SIP URI's request goes (RFC 3263 §4): for a numeric host or maddr,
 * or an answer the cache holds whole, out[0..*n) is filled now and 0 is
 * returned; else SK_RESOLVE_PENDING: fn comes later (never from inside this
 * call) unless *lk is cancelled first. dflt is the transport with no
 * transport parameter (NONE: per §4.1). Errors now: -SK_EINVAL (not a sip
 * URI, sips, an unknown transport), -SK_ENOTFOUND (a cached negative answer;
 * why filled), -SK_EFULL (too many lookups or queries in flight).
 * r NULL: only numeric hosts (-SK_EINVAL for a name).
 */
int sk_resolve_uri(struct sk_resolver *r, struct sk_str uri, enum sk_proto dflt,
                   struct sk_target *out, size_t *n, char *why, size_t why_size, sk_resolve_fn fn,
                   void *arg, struct sk_resolve_lookup **lk);
/** 0 when sk_resolve_uri can take uri (a sip URI with a known transport and a numeric or
 * name host), else -SK_EINVAL: for configured routes, checked before any DNS. */
int sk_resolve_check(struct sk_str uri);
/** True when uri's next hop (maddr or host) is a name that needs DNS. */
bool sk_resolve_needs_dns(struct sk_str uri);
/** Ends a pending lookup: its callback never comes (NULL-safe). */
void sk_resolve_cancel(struct sk_resolver *r, struct sk_resolve_lookup *lk);
/** Forgets every cached answer. */
void sk_resolver_flush(struct sk_resolver *r);

/**
 * RFC 2782 order of SRV records (all of type SRV): by priority, and within a
 * priority by weighted random selection from rng (weight 0 records first in
 * the running sum, so they are chosen rarely but can be). Sorts rr in place.
 */
void sk_dns_srv_order(struct sk_dns_rr *rr, size_t n, struct sk_rng *rng);

#endif
