/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transaction table: every live client and server transaction in the
 * stack's keyed hash table (sk_htab), and an index of them by TCP connection.
 * Keys (§17.1.3, §17.2.3): the branch for RFC 3261 peers, hashed without case;
 * Call-ID, From tag and CSeq number for the RFC 2543 fallback, which then
 * compares the remaining fields in full. The hash key is secret, so a peer
 * choosing branches cannot fill one chain.
 *
 * The connection index: each connection that carries live transactions has a
 * txl_conn listing them, so a lost connection ends its own transactions in
 * O(their number) (§17.1.4, §17.2.4), not by a walk over the whole table.
 * Client transactions over UDP are listed the same way by their destination
 * (address and port), so an ICMP unreachable for it ends exactly those.
 */
#include <stdlib.h>
#include <string.h>

#include "txn_int.h"

struct txl_conn {
	struct sk_hnode node;
	uint64_t id;      /* a TCP connection; 0: a UDP destination */
	struct sk_sa dst; /* UDP: the destination in key form (dst_key), zero elsewhere */
	size_t n;
	struct sk_txn *head;
};

/* Branches are tokens: compared without case (§7.3.1). */
uint64_t sk_txn_hash_branch(const struct sk_txl *txl, struct sk_str branch)
{
	return sk_hash_case(&txl->key, branch.p, branch.len);
}

uint64_t sk_txn_hash_2543(const struct sk_txl *txl, const struct sk_msg *m)
{
	struct sk_hash_state s;
	sk_hash_init(&s, &txl->key);
	sk_hash_field(&s, sk_msg_call_id(m)); /* Call-IDs are case-sensitive */
	sk_hash_field_case(&s, sk_msg_from(m)->tag);
	sk_hash_u64(&s, sk_msg_cseq(m)->num);
	return sk_hash_final(&s);
}

int sk_txn_table_init(struct sk_txl *txl, size_t expected, const struct sk_hash_key *key)
{
	if (key)
		txl->key = *key;
	else
		sk_hash_key_from_os(&txl->key); /* weak but usable when the OS has none */
	if (sk_htab_init(&txl->tab, expected) < 0)
		return -SK_ENOMEM;
	if (sk_htab_init(&txl->conns, 64) < 0) {
		sk_htab_free(&txl->tab);
		return -SK_ENOMEM;
	}
	return 0;
}

static uint64_t hash_conn(const struct sk_txl *txl, uint64_t id)
{
	return sk_hash(&txl->key, &id, sizeof(id));
}

/* The address and port of a, zero elsewhere: compared and hashed as bytes. */
static void dst_key(const struct sk_sa *a, struct sk_sa *k)
{
	memset(k, 0, sizeof(*k));
	k->u.sa.sa_family = a->u.sa.sa_family;
	if (a->u.sa.sa_family == AF_INET) {
		k->u.in.sin_addr = a->u.in.sin_addr;
		k->u.in.sin_port = a->u.in.sin_port;
	} else if (a->u.sa.sa_family == AF_INET6) {
		k->u.in6.sin6_addr = a->u.in6.sin6_addr;
		k->u.in6.sin6_port = a->u.in6.sin6_port;
	}
}

static uint64_t hash_dst(const struct sk_txl *txl, const struct sk_sa *k)
{
	return sk_hash(&txl->key, k, sizeof(*k));
}

static struct txl_conn *conn_find(const struct sk_txl *txl, uint64_t id)
{
	uint64_t h = hash_conn(txl, id);
	for (struct sk_hnode *n = sk_htab_first(&txl->conns, h); n; n = sk_htab_next(n)) {
		struct txl_conn *c = sk_container_of(n, struct txl_conn, node);
		if (c->id == id)
			return c;
	}
	return NULL;
}

static struct txl_conn *dst_find(const struct sk_txl *txl, const struct sk_sa *k)
{
	uint64_t h = hash_dst(txl, k);
	for (struct sk_hnode *n = sk_htab_first(&txl->conns, h); n; n = sk_htab_next(n)) {
		struct txl_conn *c = sk_container_of(n, struct txl_conn, node);
		if (!c->id && !memcmp(&c->dst, k, sizeof(*k)))
			return c;
	}
	return NULL;
}

void sk_txn_table_free(struct sk_txl *txl)
{
	struct sk_htab_iter it;
	for (struct sk_hnode *n = sk_htab_iter_first(&it, &txl->conns); n;
	     n = sk_htab_iter_next(&it))
		free(sk_container_of(n, struct txl_conn, node));
	sk_htab_free(&txl->conns);
	sk_htab_free(&txl->tab);
}

static void conn_link(struct sk_txl *txl, struct sk_txn *t)
{
	uint64_t id = t->flow.conn;
	bool udp_client = t->flow.proto == SK_PROTO_UDP && !t->server;
	struct sk_sa k;
	if (!udp_client && (!id || !sk_proto_is_stream(t->flow.proto)))
		return;
	if (udp_client) {
		id = 0;
		dst_key(&t->flow.remote, &k);
	}
	struct txl_conn *c = udp_client ? dst_find(txl, &k) : conn_find(txl, id);
	if (!c) {
		if (!(c = calloc(1, sizeof(*c)))) {
			/* unindexed: a lost connection leaves it to its own timers */
			sk_logf(txl->cfg.log, SK_LOG_WARN,
			        "txn: out of memory for a connection index");
			return;
		}
		c->id = id;
		if (udp_client)
			c->dst = k;
		sk_htab_insert(&txl->conns, &c->node,
		               udp_client ? hash_dst(txl, &k) : hash_conn(txl, id));
	}
	t->conn = c;
	t->cprev = NULL;
	t->cnext = c->head;
	if (c->head)
		c->head->cprev = t;
	c->head = t;
	c->n++;
}

static void conn_unlink(struct sk_txl *txl, struct sk_txn *t)
{
	struct txl_conn *c = t->conn;
	if (!c)
		return;
	if (t->cprev)
		t->cprev->cnext = t->cnext;
	else
		c->head = t->cnext;
	if (t->cnext)
		t->cnext->cprev = t->cprev;
	t->conn = NULL;
	t->cnext = t->cprev = NULL;
	if (--c->n == 0) {
		sk_htab_remove(&txl->conns, &c->node);
		free(c);
	}
}

void sk_txn_table_insert(struct sk_txl *txl, struct sk_txn *t)
{
	sk_htab_insert(&txl->tab, &t->node, t->node.hash);
	conn_link(txl, t);
}

void sk_txn_table_remove(struct sk_txl *txl, struct sk_txn *t)
{
	sk_htab_remove(&txl->tab, &t->node);
	conn_unlink(txl, t);
}

void sk_txn_table_reindex(struct sk_txl *txl, struct sk_txn *t)
{
	uint64_t now = sk_proto_is_stream(t->flow.proto) ? t->flow.conn : 0;
	if ((t->conn ? t->conn->id : 0) == now)
		return;
	conn_unlink(txl, t);
	conn_link(txl, t);
}

/*
 * Who a broken connection ends (§17.1.4, §17.2.4): a client still waiting for
 * its final, a server that still has a response to deliver on it. Those in
 * Accepted or Confirmed carry on: an ACK or a 2xx may come on a new connection.
 */
static bool conn_lost_ends(const struct sk_txn *t)
{
	if (t->state == SK_TXN_TERMINATED)
		return false;
	if (!t->server)
		return t->state < SK_TXN_COMPLETED;
	return t->state == SK_TXN_TRYING || t->state == SK_TXN_PROCEEDING ||
	       t->state == SK_TXN_COMPLETED;
}

/*
 * Who an ICMP unreachable for a UDP destination ends (§17.1.4): a client
 * transaction that sent from that very listener and has heard nothing from
 * the destination yet (Calling, or Trying). One that has a response has the
 * proof the peer lives: a late or forged ICMP does not end it; its timers do.
 */
static bool unreachable_ends(const struct sk_txn *t, const struct sk_flow *flow)
{
	return !t->server &&
	       (t->state == SK_TXN_CALLING || (t->state == SK_TXN_TRYING && !t->status)) &&
	       sk_sa_equal(&t->flow.local, &flow->local);
}

#define CONN_BATCH 64

/*
 * Contract: every transaction on the list (conn, or the UDP destination of
 * flow) that ends_fn says ends fails with err, in batches held across the
 * callbacks (which may end any transaction, and free the list with its last
 * one); no allocation, so it works out of memory. A pass resumes after the
 * last transaction it left alive, while that one is still on the list, so
 * the whole costs O(transactions on the list).
 */
static void fail_listed(struct sk_txl *txl, uint64_t conn, const struct sk_flow *flow, int err)
{
	struct sk_txn *resume = NULL; /* held: the last one left alive */
	struct sk_sa k;
	if (flow)
		dst_key(&flow->remote, &k);
	for (;;) {
		struct txl_conn *c = flow ? dst_find(txl, &k) : conn_find(txl, conn);
		struct sk_txn *batch[CONN_BATCH], *t = NULL;
		size_t n = 0;
		if (c)
			t = resume && resume->conn == c ? resume->cnext : c->head;
		for (; t && n < CONN_BATCH; t = t->cnext) {
			if (flow ? unreachable_ends(t, flow) : conn_lost_ends(t)) {
				sk_txn_hold(t);
				batch[n++] = t;
			} else {
				if (resume)
					sk_txn_release(resume);
				sk_txn_hold(t);
				resume = t;
			}
		}
		for (size_t i = 0; i < n; i++) {
			sk_txn_fail(batch[i], err);
			sk_txn_release(batch[i]);
		}
		if (!n)
			break;
	}
	if (resume)
		sk_txn_release(resume);
}

void sk_txn_table_conn_lost(struct sk_txl *txl, uint64_t conn, int err)
{
	fail_listed(txl, conn, NULL, err);
}

void sk_txn_table_unreachable(struct sk_txl *txl, const struct sk_flow *flow, int err)
{
	if (flow->proto == SK_PROTO_UDP)
		fail_listed(txl, 0, flow, err);
}

/* §17.2.3 steps 1 and 2: branch and sent-by (match.c). */
static bool same_3261_key(const struct sk_txn *t, const struct sk_via *v)
{
	return !t->rfc2543 && txn_key_eq(t->branch, t->sent_host, t->sent_port, v);
}

static bool to_tag_is(const struct sk_msg *m, const char *tag)
{
	struct sk_str t = sk_msg_to(m)->tag;
	return tag ? sk_str_caseeq_c(t, tag) : t.len == 0;
}

static bool match_2543(const struct sk_txn *t, const struct sk_msg *m, struct sk_str method,
                       bool is_ack)
{
	if (!t->rfc2543 || !t->server || !t->msg || !sk_str_eq(t->method, method))
		return false;
	if (!sk_txn_2543_same_dialog_part(t->msg, m))
		return false;
	/* ACK: the To tag of the response the transaction sent; others: the request's */
	if (is_ack)
		return to_tag_is(m, t->to_tag);
	return sk_str_caseeq(sk_msg_to(t->msg)->tag, sk_msg_to(m)->tag);
}

struct sk_txn *sk_txn_table_find_server(struct sk_txl *txl, const struct sk_msg *m,
                                        struct sk_str method)
{
	const struct sk_via *v = sk_msg_via(m, 0);
	bool is_ack = sk_txn_method_is(sk_msg_method(m), "ACK");
	if (sk_via_branch_is_3261(v)) {
		uint64_t h = sk_txn_hash_branch(txl, v->branch);
		for (struct sk_hnode *n = sk_htab_first(&txl->tab, h); n; n = sk_htab_next(n)) {
			struct sk_txn *t = sk_txn_of(n);
			if (t->server && sk_str_eq(t->method, method) && same_3261_key(t, v))
				return t;
		}
		return NULL;
	}
	uint64_t h = sk_txn_hash_2543(txl, m);
	for (struct sk_hnode *n = sk_htab_first(&txl->tab, h); n; n = sk_htab_next(n))
		if (match_2543(sk_txn_of(n), m, method, is_ack))
			return sk_txn_of(n);
	return NULL;
}

struct sk_txn *sk_txn_table_find_cancel_target(struct sk_txl *txl, const struct sk_msg *m)
{
	const struct sk_via *v = sk_msg_via(m, 0);
	/* An INVITE first: that is what a CANCEL is for (§9.2). */
	struct sk_txn *t = sk_txn_table_find_server(txl, m, SK_STR_LIT("INVITE"));
	if (t)
		return t;
	if (sk_via_branch_is_3261(v)) {
		uint64_t h = sk_txn_hash_branch(txl, v->branch);
		for (struct sk_hnode *n = sk_htab_first(&txl->tab, h); n; n = sk_htab_next(n)) {
			t = sk_txn_of(n);
			if (t->server && !sk_txn_method_is(t->method, "CANCEL") &&
			    same_3261_key(t, v))
				return t;
		}
		return NULL;
	}
	uint64_t h = sk_txn_hash_2543(txl, m);
	for (struct sk_hnode *n = sk_htab_first(&txl->tab, h); n; n = sk_htab_next(n)) {
		t = sk_txn_of(n);
		if (t->rfc2543 && t->server && t->msg && !sk_txn_method_is(t->method, "CANCEL") &&
		    sk_txn_2543_same_dialog_part(t->msg, m) &&
		    sk_str_caseeq(sk_msg_to(t->msg)->tag, sk_msg_to(m)->tag))
			return t;
	}
	return NULL;
}

struct sk_txn *sk_txn_table_find_client(struct sk_txl *txl, struct sk_str branch,
                                        struct sk_str method)
{
	uint64_t h = sk_txn_hash_branch(txl, branch);
	for (struct sk_hnode *n = sk_htab_first(&txl->tab, h); n; n = sk_htab_next(n)) {
		struct sk_txn *t = sk_txn_of(n);
		if (!t->server && sk_str_eq(t->method, method) && sk_str_caseeq(t->branch, branch))
			return t;
	}
	return NULL;
}
