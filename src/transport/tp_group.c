/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A group of transports in one process (the proxy's workers, each a thread):
 * the table of the connections its members accepted, which every member
 * reads, and the mark a member's branches carry (transport.h, "several
 * transports in one process"; docs/workers.md).
 *
 * Why a table of accepted connections only: those are the ones a member may
 * have to send on for another (a browser's WebSocket, RFC 7118 §5; a phone
 * reachable only over the connection it registered on). A connection we
 * open, any member can open as well, and keeps to its own member.
 *
 * Every operation holds the mutex for one O(1) step of a keyed hash table
 * (sk_htab grows a bucket at a time): a connection accepted or closed, a
 * send across checked, a contact's connection looked up.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tp_int.h"

/* An accepted connection of some member, as every member sees it. */
struct gconn {
	struct sk_hnode by_id, by_remote;
	uint64_t id;
	uint64_t users; /* bit i: member i sent on it (told if it breaks) */
	enum sk_proto proto;
	struct sk_sa remote; /* sk_tp_sa_key form, with the port */
};

struct sk_tp_group {
	pthread_mutex_t lock;
	unsigned n;
	struct sk_hash_key key; /* the far ends are a stranger's choice */
	struct sk_htab ids, remotes;
};

int sk_tp_group_new(struct sk_tp_group **out, unsigned n)
{
	if (!out || n < 2 || n > SK_TP_GROUP_MAX)
		return -SK_EINVAL;
	struct sk_tp_group *g = calloc(1, sizeof(*g));
	if (!g)
		return -SK_ENOMEM;
	g->n = n;
	if (sk_hash_key_from_os(&g->key) < 0) {
		free(g);
		return -SK_EAGAIN;
	}
	if (pthread_mutex_init(&g->lock, NULL) != 0 || sk_htab_init(&g->ids, 256) < 0 ||
	    sk_htab_init(&g->remotes, 256) < 0) {
		sk_htab_free(&g->ids);
		free(g);
		return -SK_ENOMEM;
	}
	*out = g;
	return 0;
}

void sk_tp_group_free(struct sk_tp_group *g)
{
	if (!g)
		return;
	/* members leave it empty; what a test left is freed all the same */
	struct sk_htab_iter it;
	for (struct sk_hnode *n = sk_htab_iter_first(&it, &g->ids); n; n = sk_htab_iter_next(&it))
		free(sk_container_of(n, struct gconn, by_id));
	sk_htab_free(&g->ids);
	sk_htab_free(&g->remotes);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

static uint64_t id_hash(const struct sk_tp_group *g, uint64_t id)
{
	return sk_hash(&g->key, &id, sizeof(id));
}

static uint64_t remote_hash(const struct sk_tp_group *g, enum sk_proto proto, const struct sk_sa *k)
{
	struct {
		struct sk_sa k;
		uint32_t proto;
	} key;
	memset(&key, 0, sizeof(key));
	key.k = *k;
	key.proto = (uint32_t)proto;
	return sk_hash(&g->key, &key, sizeof(key));
}

static bool id_eq(const struct sk_hnode *n, const void *ctx)
{
	return sk_container_of(n, struct gconn, by_id)->id == *(const uint64_t *)ctx;
}

struct remote_ctx {
	enum sk_proto proto;
	const struct sk_sa *k;
};

static bool remote_eq(const struct sk_hnode *n, const void *ctx)
{
	const struct remote_ctx *r = ctx;
	const struct gconn *c = sk_container_of(n, struct gconn, by_remote);
	return c->proto == r->proto && !memcmp(&c->remote, r->k, sizeof(*r->k));
}

/* Under the lock. */
static struct gconn *find_id(struct sk_tp_group *g, uint64_t id)
{
	struct sk_hnode *n = sk_htab_find(&g->ids, id_hash(g, id), id_eq, &id);
	return n ? sk_container_of(n, struct gconn, by_id) : NULL;
}

int sk_tp_group_add(struct sk_tp_group *g, uint64_t conn, enum sk_proto proto,
                    const struct sk_sa *remote)
{
	struct gconn *c = calloc(1, sizeof(*c));
	if (!c)
		return -SK_ENOMEM;
	c->id = conn;
	c->proto = proto;
	sk_tp_sa_key(remote, true, &c->remote);
	pthread_mutex_lock(&g->lock);
	sk_htab_insert(&g->ids, &c->by_id, id_hash(g, conn));
	sk_htab_insert(&g->remotes, &c->by_remote, remote_hash(g, proto, &c->remote));
	pthread_mutex_unlock(&g->lock);
	return 0;
}

uint64_t sk_tp_group_remove(struct sk_tp_group *g, uint64_t conn)
{
	uint64_t users = 0;
	pthread_mutex_lock(&g->lock);
	struct gconn *c = find_id(g, conn);
	if (c) {
		sk_htab_remove(&g->ids, &c->by_id);
		sk_htab_remove(&g->remotes, &c->by_remote);
		users = c->users;
	}
	pthread_mutex_unlock(&g->lock);
	free(c);
	return users;
}

bool sk_tp_group_use(struct sk_tp_group *g, uint64_t conn, unsigned member, enum sk_proto *proto)
{
	pthread_mutex_lock(&g->lock);
	struct gconn *c = find_id(g, conn);
	if (c && member < g->n)
		c->users |= (uint64_t)1 << member;
	if (c && proto)
		*proto = c->proto;
	pthread_mutex_unlock(&g->lock);
	return c != NULL;
}

bool sk_tp_group_conn(struct sk_tp_group *g, uint64_t conn, enum sk_proto *proto,
                      struct sk_sa *remote)
{
	pthread_mutex_lock(&g->lock);
	struct gconn *c = find_id(g, conn);
	if (c && proto)
		*proto = c->proto;
	if (c && remote)
		*remote = c->remote;
	pthread_mutex_unlock(&g->lock);
	return c != NULL;
}

uint64_t sk_tp_group_conn_to(struct sk_tp_group *g, enum sk_proto proto, const struct sk_sa *remote)
{
	struct sk_sa k;
	sk_tp_sa_key(remote, true, &k);
	struct remote_ctx rc = {proto, &k};
	uint64_t id = 0;
	pthread_mutex_lock(&g->lock);
	struct sk_hnode *n = sk_htab_find(&g->remotes, remote_hash(g, proto, &k), remote_eq, &rc);
	if (n)
		id = sk_container_of(n, struct gconn, by_remote)->id;
	pthread_mutex_unlock(&g->lock);
	return id;
}

size_t sk_tp_group_count(struct sk_tp_group *g)
{
	pthread_mutex_lock(&g->lock);
	size_t n = sk_htab_count(&g->ids);
	pthread_mutex_unlock(&g->lock);
	return n;
}

int sk_tp_branch_owner(struct sk_str branch)
{
	static const char mark[] = "z9hG4bKw"; /* §8.1.1.7's cookie, then ours */
	size_t ml = sizeof(mark) - 1;
	if (branch.len < ml + 2 || memcmp(branch.p, mark, ml))
		return -1;
	int v = 0;
	for (size_t i = ml; i < ml + 2; i++) {
		char c = branch.p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v < SK_TP_GROUP_MAX ? v : -1;
}

int sk_tp_set_group(struct sk_tp *tp, struct sk_tp_group *g, unsigned idx)
{
	if (!tp || (g && idx >= g->n))
		return -SK_EINVAL;
	if (g && tp->conns)
		return -SK_ESTATE; /* ids already given out without the owner's byte */
	/* leaving: our connections go from the table, and the members that sent on them
	 * hear of it as of a connection that broke (nothing of theirs goes on them now) */
	for (struct conn *c = tp->conns; c && tp->group; c = c->next) {
		uint64_t others = c->inbound ? sk_tp_group_remove(tp->group, c->id) : 0;
		if (others && tp->gone)
			tp->gone(tp->gone_arg, c->id, others);
	}
	tp->group = g;
	tp->owner = g ? idx : 0;
	return 0;
}

void sk_tp_set_across(struct sk_tp *tp, sk_tp_across_fn fn, void *arg)
{
	tp->across = fn;
	tp->across_arg = arg;
}

void sk_tp_set_gone(struct sk_tp *tp, sk_tp_gone_fn fn, void *arg)
{
	tp->gone = fn;
	tp->gone_arg = arg;
}

void sk_tp_conn_gone(struct sk_tp *tp, uint64_t conn)
{
	if (tp->user.conn_lost)
		tp->user.conn_lost(tp->user.arg, conn, -SK_EIO);
}
