/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A proxy on simnet for the proxy tests (RFC 3261 §16): nodes (node.h) in one
 * world, node i at 10.0.0.<i+1>:5060 over UDP and TCP.
 * Node 0 is the caller (an sk_ua, or a raw stack), node 1 the proxy
 * (sk_proxy, domain "example.test"), nodes 2..6 phones: sk_ua with a policy
 * (ring after X ms, answer or reject after Y ms), or raw stacks whose
 * transaction user is the harness (a scripted peer: any status, two 2xx,
 * never a provisional ...). The trace (trace.h) records every message sent,
 * with its first line, CSeq, Reason, To tag and top Via branch, so a test
 * asserts what crossed the wire and in which order.
 * tests/harness/proxy_harness.c.
 */
#ifndef SK_PROXY_HARNESS_H
#define SK_PROXY_HARNESS_H

#include "node.h"

#include "sipkit/proxy.h"

#define PH_MAX_NODES 7
#define PH_PROXY     1 /* the proxy's node */
#define PH_DOMAIN    "example.test"
#define PH_AOR       "sip:bob@" PH_DOMAIN
#define PH_PROXY_URI "sip:10.0.0.2:5060" /* the caller's pre-loaded route */

struct ph;

struct ph_act {
	struct ph *h;
	void (*fn)(struct ph *h, void *arg);
	void *arg;
};

struct ph_opts {
	uint64_t seed;
	int nodes;         /* 2 + the phones */
	unsigned raw_mask; /* bit i: node i is a raw stack */
	struct sk_proxy_config proxy;
	struct sk_txn_times times;
};

struct ph {
	struct hw_world w; /* clock, timers, simnet */
	struct hw_node nodes[PH_MAX_NODES];
	int n;
	struct sk_proxy *proxy;
	struct hw_trace trace; /* every message sent */
	struct ph_act acts[HW_MAX_ACTS];
	sk_simnet_filter_fn filter; /* a test's own packet filter, or NULL */
	void *filter_arg;
};

uint64_t ph_now(const struct ph *h);

/* ---- the trace: every message sent ----------------------------------------- */

/*
 * Does w match `what`: a method ("INVITE", "CANCEL"), a status ("487", any
 * CSeq method) or a status and method ("200/CANCEL")?
 */
bool ph_is(const struct hw_wire *w, const char *what);
bool ph_match(const struct hw_wire *w, int from, int to, const char *what, const char *reason_has);
/* Messages sent from `from` to `to` (-1: any) matching what and a Reason substring. */
int ph_count(const struct ph *h, int from, int to, const char *what, const char *reason_has);
/* Index in the trace of the nth (1-based) such message, -1 when there is none. */
long ph_find(const struct ph *h, int from, int to, const char *what, int nth);
const struct hw_wire *ph_get(const struct ph *h, int from, int to, const char *what, int nth);
/* The ladder: every message sent, and each node's events, for a failing test. */
void ph_dump(const struct ph *h);
/* For packet filters: does a packet start with `start` and have CSeq method `method`? */
bool ph_pkt_is(const struct sk_simnet_packet *p, const char *start, const char *method);

/* ---- set-up and tear-down ---------------------------------------------------- */

/* Default options: a caller, the proxy, `phones` UA phones that never answer. */
struct ph_opts ph_opts(uint64_t seed, int phones);
struct ph *ph_new(const struct ph_opts *o);
void ph_free(struct ph *h);
/* cmocka teardown: what a failed test left behind. */
int ph_teardown(void **state);
#define PH_TEST(f) cmocka_unit_test_teardown(f, ph_teardown)
void ph_run(struct ph *h, uint64_t ms);
/* Runs fn(h, arg) ms from now (virtual time). */
void ph_at(struct ph *h, uint64_t ms, void (*fn)(struct ph *, void *), void *arg);
/* What is left once every timer has run out: 0 when nothing, else printed. */
int ph_leftovers(struct ph *h, bool print);
/* Lets every timer run out; then no call, transaction or response context is left. */
void ph_finish(struct ph *h);

/* ---- routes, calls, registrations -------------------------------------------- */

/* The URI of node i, "sip:bob@10.0.0.<i+1>:5060". */
const char *ph_uri(const struct ph *h, int i, char *buf, size_t size);
/* A static route of `user` to phones first .. first+n-1. */
void ph_route(struct ph *h, const char *user, int first, int n);
/* Caller (UA node 0) calls sip:bob@example.test through the proxy (a pre-loaded Route). */
struct sk_call *ph_call(struct ph *h, enum sk_proto proto);
/* The caller's CANCEL as a timed action (arg: the Reason or NULL). */
void ph_act_cancel(struct ph *h, void *reason);
/* A raw node's request (without Via: the layer adds it); mf < 0: no Max-Forwards. */
struct sk_str ph_req(char *buf, size_t size, const char *method, const char *ruri,
                     const char *call_id, unsigned cseq, int mf, const char *extra);
/* Sends req from raw node n to the proxy in a new client transaction. */
struct sk_txn *ph_raw_send(struct ph *h, int n, enum sk_proto proto, struct sk_str req);
/* Phones with a policy: ring after ring_ms, answer (or reject with code) after answer_ms. */
void ph_phone(struct ph *h, int i, int ring_ms, int answer_ms, int reject_code);

#endif
