/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stacks on simnet for the transaction tests: the shared world (world.h), one
 * transport and transaction layer per node, and a recording transaction user
 * whose reactions each test chooses. tests/harness/sim_harness.c.
 */
#ifndef SK_SIM_HARNESS_H
#define SK_SIM_HARNESS_H

#include "world.h"

#include "sipkit/transport.h"
#include "sipkit/txn.h"

#define SIM_MAX_NODES 4

struct node;
typedef void (*node_request_fn)(struct node *n, struct sk_txn *st, const struct sk_msg *req,
                                struct sk_txn *target);
typedef void (*node_response_fn)(struct node *n, struct sk_txn *ct, const struct sk_msg *resp);

struct node {
	struct sim *sim;
	int idx;
	struct sk_net *net;
	struct sk_tp *tp;
	struct sk_txl *txl;
	struct sk_sa addr;
	node_request_fn on_request;
	node_response_fn on_response;
	/* what happened */
	int requests, cancels, acks, acks_stray, strays, failed, terminated;
	int cancel_targets; /* CANCELs that found their INVITE */
	int resp[7];        /* responses received by class: resp[1] = 1xx ... */
	int last_status, last_err;
	char events[4096];            /* "INVITE 180 CANCEL ..." in order */
	struct sk_txn *st, *ct, *ist; /* last server txn, last client txn, last IST */
	int ict_done;                 /* the watched ICT terminated */
};

struct sim {
	struct hw_world w; /* clock, timers, simnet */
	struct node nodes[SIM_MAX_NODES];
	int n;
};

void node_event(struct node *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Every transaction of a node reports to it: clients from their start, servers once seen. */
extern const struct sk_txn_handler h_handler;
/* Its parts, for a test's own handler that records like the node's. */
void h_response(void *arg, struct sk_txn *ct, const struct sk_msg *resp);
void h_failed(void *arg, struct sk_txn *t, int err);
void h_terminated(void *arg, struct sk_txn *t);

/* Cancels ict (§9.1); its CANCEL reports to the node that sent the INVITE. */
int sim_cancel(struct sk_txn *ict, const char *reason);

/* Nodes listen on 10.0.0.<i+1>:5060, UDP and TCP (simnet: nothing leaves the process). */
void sim_init(struct sim *s, uint64_t seed, int nodes, const struct sk_txn_times *times);
/* The same, each layer holding at most max_transactions (0: the default). */
void sim_init_limited(struct sim *s, uint64_t seed, int nodes, const struct sk_txn_times *times,
                      size_t max_transactions);
void sim_free(struct sim *s);
/* Runs virtual time forward by ms, firing everything due on the way. */
void sim_run(struct sim *s, uint64_t ms);
/* Virtual time in ms since sim_init. */
uint64_t sim_now(const struct sim *s);

/* A request from node `from` to node `to`, without Via (the layer adds it). */
size_t sim_request(char *buf, size_t size, const char *method, const struct node *from,
                   const struct node *to, const char *call_id, unsigned cseq, const char *to_tag);
struct sk_target sim_target(const struct node *to, enum sk_proto proto);

/* ---- packet rules: targeted loss, delay and timing on simnet (world.h) ---- */

void sim_rules_install(struct sim *s, struct hw_rules *rs);
struct hw_rule *sim_rule_add(struct hw_rules *rs, const char *start, const char *cseq, int from);

#endif
