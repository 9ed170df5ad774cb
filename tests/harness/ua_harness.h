/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UAs on simnet for the UA core tests: N nodes (node.h) in one world, node i
 * at 10.0.0.<i+1>:5060 over UDP and TCP. A node is either a UA (sk_ua on its
 * stack, with recording events and a policy for incoming calls) or a raw
 * stack, a scripted peer whose transaction user is the test itself.
 * Every message a node sends or receives is kept in its trace (trace.h);
 * packet rules drop or delay chosen messages on the network (world.h).
 * tests/harness/ua_harness.c.
 */
#ifndef SK_UA_HARNESS_H
#define SK_UA_HARNESS_H

#include "node.h"

#define UAH_MAX_NODES 4

struct uah;

struct uah_act {
	struct uah *h;
	void (*fn)(struct uah *h, void *arg);
	void *arg;
};

struct uah {
	struct hw_world w; /* clock, timers, simnet */
	struct hw_node nodes[UAH_MAX_NODES];
	int n;
	struct hw_rules rules;
	struct uah_act acts[HW_MAX_ACTS];
};

/* n nodes; bit i of raw_mask makes node i a raw stack instead of a UA. */
void uah_init(struct uah *h, uint64_t seed, int n, unsigned raw_mask);
void uah_free(struct uah *h);
/* Runs virtual time forward by ms, firing everything due on the way. */
void uah_run(struct uah *h, uint64_t ms);
uint64_t uah_now(const struct uah *h);
void uah_dump(struct uah *h);
/* Lets every timer run out, then: no call and no transaction left anywhere. */
void uah_finish(struct uah *h);

/* A packet rule on the network (world.h). */
struct hw_rule *uah_rule(struct uah *h, const char *start, const char *cseq, int from);
/* Runs fn(h, arg) ms from now (virtual time). */
void uah_at(struct uah *h, uint64_t ms, void (*fn)(struct uah *, void *), void *arg);

/* ---- what went on the wire ------------------------------------------------- */

size_t uah_count(const struct hw_node *n, bool out, const char *start, const char *cseq);
/* The nth (1-based) message sent (out) or received matching start and cseq, or NULL. */
const struct hw_wire *uah_nth(const struct hw_node *n, bool out, const char *start,
                              const char *cseq, size_t nth);
/* Index in n's trace of a message (its order among everything the node saw). */
size_t uah_index(const struct hw_node *n, const struct hw_wire *w);
void uah_assert_hdr(const struct sk_msg *m, const char *name, const char *want);
void uah_assert_same_hdr(const struct sk_msg *a, const struct sk_msg *b, const char *name);
/* The nth message node n sent matching start and cseq, parsed (sk_msg_free it). */
struct sk_msg *uah_sent(const struct hw_node *n, const char *start, const char *cseq, size_t nth);
/* The CSeq number of a message on the wire. */
uint32_t uah_wire_cseq(const struct hw_wire *w);
/* The To tag of a message on the wire, copied into buf. */
const char *uah_wire_to_tag(const struct hw_wire *w, char *buf, size_t size);

/* ---- requests of raw nodes, calls of UA nodes -------------------------------- */

/* A raw node's request (without Via: the transaction layer adds it). */
struct sk_str uah_req(char *buf, size_t size, const char *method, const char *ruri,
                      const char *from, const char *to, const char *call_id, unsigned cseq,
                      const char *cseq_method, const char *extra);
/* Sends req from raw node n to node `to` in a new client transaction. */
struct sk_txn *uah_raw_send(struct hw_node *n, const struct hw_node *to, enum sk_proto proto,
                            struct sk_str req);
/*
 * A raw caller's ACK for a 2xx (§13.2.2.4): to the Contact of the 2xx, with
 * its To; the dialog's To and remote target are kept in n->raw_to/raw_target.
 */
void uah_raw_ack_2xx(struct hw_node *n, const struct sk_msg *resp, const struct hw_node *to);
/* A raw caller's response hook: every 2xx to its INVITEs ACKed, to node 1. */
void uah_raw_ack_hook(struct hw_node *n, struct sk_txn *ct, const struct sk_msg *resp);
/* Sends a request (without Via) from raw node 0 to node 1; returns the final status. */
int uah_ask(struct uah *h, struct sk_str req, struct sk_msg **resp);
/* The URI of a UA node, e.g. "sip:bob@10.0.0.2:5060". */
const char *uah_uri(const struct hw_node *n, char *buf, size_t size);
/* Places a call from UA node `from` to node `to`; returns the call. */
struct sk_call *uah_call(struct hw_node *from, const struct hw_node *to, enum sk_proto proto);

#endif
