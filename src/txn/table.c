/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transaction table: one hash table of client and server transactions,
 * chained through the transactions themselves (no allocation per entry),
 * doubled when it holds more entries than buckets. Keys (§17.1.3, §17.2.3):
 * the branch for RFC 3261 peers; Call-ID, From tag and CSeq number for the
 * RFC 2543 fallback, which then compares the remaining fields in full.
 */
#include <stdlib.h>
#include <string.h>

#include "txn_int.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

static uint64_t fnv_lower(uint64_t h, struct sk_str s)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32 : c)) * FNV_PRIME;
	}
	return h;
}

static uint64_t fnv(uint64_t h, struct sk_str s)
{
	for (size_t i = 0; i < s.len; i++)
		h = (h ^ (unsigned char)s.p[i]) * FNV_PRIME;
	return h;
}

/* Branches are tokens: compared without case (§7.3.1). */
uint64_t sk_txn_hash_branch(struct sk_str branch)
{
	return fnv_lower(FNV_OFFSET, branch);
}

uint64_t sk_txn_hash_2543(const struct sk_msg *m)
{
	uint64_t h = fnv(FNV_OFFSET ^ 2543, sk_msg_call_id(m)); /* Call-IDs are case-sensitive */
	h = fnv_lower(h, sk_msg_from(m)->tag);
	uint32_t num = sk_msg_cseq(m)->num;
	return fnv(h, (struct sk_str){(const char *)&num, sizeof(num)});
}

int sk_txn_table_init(struct sk_txl *txl, size_t expected)
{
	size_t n = 64;
	while (n < expected)
		n *= 2;
	txl->buckets = calloc(n, sizeof(*txl->buckets));
	if (!txl->buckets)
		return -SK_ENOMEM;
	txl->nbuckets = n;
	return 0;
}

void sk_txn_table_free(struct sk_txl *txl)
{
	free(txl->buckets);
	txl->buckets = NULL;
}

static void grow(struct sk_txl *txl)
{
	size_t n = txl->nbuckets * 2;
	struct sk_txn **nb = calloc(n, sizeof(*nb));
	if (!nb)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < txl->nbuckets; i++) {
		struct sk_txn *t = txl->buckets[i];
		while (t) {
			struct sk_txn *next = t->hnext;
			size_t b = t->hash & (n - 1);
			t->hnext = nb[b];
			nb[b] = t;
			t = next;
		}
	}
	free(txl->buckets);
	txl->buckets = nb;
	txl->nbuckets = n;
}

void sk_txn_table_insert(struct sk_txl *txl, struct sk_txn *t)
{
	if (txl->count >= txl->nbuckets)
		grow(txl);
	size_t b = t->hash & (txl->nbuckets - 1);
	t->hnext = txl->buckets[b];
	txl->buckets[b] = t;
	txl->count++;
}

void sk_txn_table_remove(struct sk_txl *txl, struct sk_txn *t)
{
	for (struct sk_txn **pp = &txl->buckets[t->hash & (txl->nbuckets - 1)]; *pp;
	     pp = &(*pp)->hnext)
		if (*pp == t) {
			*pp = t->hnext;
			t->hnext = NULL;
			txl->count--;
			return;
		}
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
		uint64_t h = sk_txn_hash_branch(v->branch);
		for (struct sk_txn *t = txl->buckets[h & (txl->nbuckets - 1)]; t; t = t->hnext)
			if (t->hash == h && t->server && sk_str_eq(t->method, method) &&
			    same_3261_key(t, v))
				return t;
		return NULL;
	}
	uint64_t h = sk_txn_hash_2543(m);
	for (struct sk_txn *t = txl->buckets[h & (txl->nbuckets - 1)]; t; t = t->hnext)
		if (t->hash == h && match_2543(t, m, method, is_ack))
			return t;
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
		uint64_t h = sk_txn_hash_branch(v->branch);
		for (t = txl->buckets[h & (txl->nbuckets - 1)]; t; t = t->hnext)
			if (t->hash == h && t->server && !sk_txn_method_is(t->method, "CANCEL") &&
			    same_3261_key(t, v))
				return t;
		return NULL;
	}
	uint64_t h = sk_txn_hash_2543(m);
	for (t = txl->buckets[h & (txl->nbuckets - 1)]; t; t = t->hnext)
		if (t->hash == h && t->rfc2543 && t->server && t->msg &&
		    !sk_txn_method_is(t->method, "CANCEL") &&
		    sk_txn_2543_same_dialog_part(t->msg, m) &&
		    sk_str_caseeq(sk_msg_to(t->msg)->tag, sk_msg_to(m)->tag))
			return t;
	return NULL;
}

struct sk_txn *sk_txn_table_find_client(struct sk_txl *txl, struct sk_str branch,
                                        struct sk_str method)
{
	uint64_t h = sk_txn_hash_branch(branch);
	for (struct sk_txn *t = txl->buckets[h & (txl->nbuckets - 1)]; t; t = t->hnext)
		if (t->hash == h && !t->server && sk_str_eq(t->method, method) &&
		    sk_str_caseeq(t->branch, branch))
			return t;
	return NULL;
}
