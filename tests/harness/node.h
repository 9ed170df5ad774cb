/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A node of the UA and proxy harnesses: one sk_stack on the world's simnet at
 * 10.0.0.<i+1>:5060 (UDP and TCP), either
 *  - a UA (sk_ua with recording events and a policy for incoming calls),
 *  - a raw stack, a scripted peer whose transaction user is the harness
 *    (hw_raw_default, or the test's own hooks), or
 *  - a bare stack for the harness to build on (the proxy).
 * tests/harness/node.c.
 */
#ifndef SK_HARNESS_NODE_H
#define SK_HARNESS_NODE_H

#include "trace.h"
#include "world.h"

#include "sipkit/ua.h"

struct hw_node;

/*
 * What a node does with an incoming INVITE, times in ms from its arrival
 * (-1: never); the same for UA and raw nodes.
 */
struct hw_policy {
	int ring_ms;        /* a provisional */
	int ring_code;      /* 0: 180 */
	int answer_ms;      /* the final: a 200, or reject_code */
	int reject_code;    /* non-zero: answer_ms sends this final instead of a 200 */
	bool reinvite_hold; /* UA: re-INVITEs are left unanswered (else answered 200 at once) */
	const char *extra;  /* raw: header lines added to a non-2xx final ("Name: v\r\n") */
	int second_2xx_ms;  /* raw: > 0, a second 2xx with another To tag then */
};

enum hw_kind { HW_UA, HW_RAW, HW_STACK };

typedef void (*hw_raw_request_fn)(struct hw_node *n, struct sk_txn *st, const struct sk_msg *req,
                                  struct sk_txn *invite);
typedef void (*hw_raw_response_fn)(struct hw_node *n, struct sk_txn *ct, const struct sk_msg *resp);
typedef void (*hw_raw_ack_fn)(struct hw_node *n, struct sk_txn *ist, const struct sk_msg *ack);
typedef void (*hw_call_fn)(struct hw_node *n, struct sk_call *c, const struct sk_msg *m);

struct hw_node {
	void *h; /* the harness (struct uah, struct ph) */
	struct hw_world *w;
	int idx;
	struct sk_stack *st;
	struct sk_ua *ua; /* NULL: a raw or bare stack */
	struct sk_sa addr;
	struct hw_policy pol;
	struct sk_timer ring_t, answer_t, second_t, hangup_t;
	/* what happened, in order: "incoming r180 cancelled ended:cancelled " */
	char events[4096];
	/* UA nodes */
	struct sk_call *pol_call; /* the incoming call the policy acts on */
	struct sk_call *call;     /* the last call; NULL once ended */
	int incoming, responses, answered, cancelled, ended, reinvites;
	int outcomes[8]; /* ended calls by outcome */
	enum sk_call_outcome last_outcome;
	int last_status, last_reinvite_status;
	unsigned last_dialogs;
	char reason[256]; /* sk_call_reason at the last cancelled or ended event */
	uint64_t ended_at;
	int hangup_ms; /* a caller hangs up this long after a 2xx; -1: never */
	hw_call_fn on_response, on_incoming, on_answered; /* test hooks, after recording */
	/* raw nodes */
	hw_raw_request_fn raw_request; /* NULL: hw_raw_default */
	hw_raw_response_fn raw_response;
	hw_raw_ack_fn raw_ack;
	bool raw_strict;  /* the default replies must succeed */
	char raw_tag[16]; /* the To tag of its answers to INVITEs */
	int raw_acks, raw_byes, raw_failed, raw_strays, raw_last_status;
	int raw_finals;                    /* finals sent on INVITEs */
	struct sk_txn *raw_ist, *raw_ct;   /* last server INVITE, last client transaction */
	char raw_to[256], raw_target[160]; /* a raw caller's dialog: the 2xx's To and Contact */
	void *ctx;
	struct hw_trace trace; /* for a harness that keeps a trace per node */
};

/* Node idx of the world, its stack's transport traced to trace(trace_arg). */
void hw_node_init(struct hw_node *n, struct hw_world *w, void *h, int idx, uint64_t seed,
                  const struct sk_txn_times *times, enum hw_kind kind, sk_tp_trace_fn trace,
                  void *trace_arg);
void hw_node_free(struct hw_node *n);
/* A UA node made again with this 100rel setting (RFC 3262); no call may be live. */
void hw_node_set_100rel(struct hw_node *n, enum sk_100rel rel100);
void hw_node_event(struct hw_node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Calls and transactions left on a node. */
size_t hw_node_calls(const struct hw_node *n);
size_t hw_node_txns(const struct hw_node *n);

/* Raw nodes: BYE, OPTIONS ...: 200; CANCEL: 200 and 487 (§9.2) or 481; INVITE: the policy. */
void hw_raw_default(struct hw_node *n, struct sk_txn *st, const struct sk_msg *req,
                    struct sk_txn *invite);
/* Every transaction of a raw node reports to it. */
extern const struct sk_txn_handler hw_raw_handler;
/* Sends req (without Via: the layer adds it) from raw node n in a new client transaction. */
struct sk_txn *hw_raw_send(struct hw_node *n, const struct sk_sa *to, enum sk_proto proto,
                           struct sk_str req);

#endif
