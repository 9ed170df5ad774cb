/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One location store for the proxy's workers (threads): every operation of
 * the store inside under one mutex, so a phone registered through one worker
 * is found by all (docs/workers.md). Each worker's proxy holds a handle; the
 * last handle freed frees the store. The in-memory store's work per call is
 * O(1) or bounded by one AOR's bindings, so the lock is held that long only.
 *
 * What one lock does not give: the registrar's read-then-write of an AOR
 * (§10.3 steps 6-8) is two operations. Two REGISTERs of one AOR with
 * different Call-IDs handled at the same instant by two workers may
 * interleave, as they may across proxies sharing a Redis store; the REGISTERs
 * of one phone share a Call-ID and so one worker, which keeps §10.3's
 * Call-ID/CSeq ordering intact.
 */
#include <pthread.h>
#include <stdlib.h>

#include "proxy_int.h"

struct loc_shared {
	pthread_mutex_t lock;
	struct sk_location inner;
	size_t users; /* handles not yet freed */
};

static int sh_lookup(void *st, const char *aor, uint64_t now, struct sk_binding *out, size_t max)
{
	struct loc_shared *s = st;
	pthread_mutex_lock(&s->lock);
	int rc = s->inner.ops->lookup(s->inner.st, aor, now, out, max);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int sh_put(void *st, const char *aor, const struct sk_binding *b)
{
	struct loc_shared *s = st;
	pthread_mutex_lock(&s->lock);
	int rc = s->inner.ops->put(s->inner.st, aor, b);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int sh_remove(void *st, const char *aor, const char *contact)
{
	struct loc_shared *s = st;
	pthread_mutex_lock(&s->lock);
	int rc = s->inner.ops->remove(s->inner.st, aor, contact);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int sh_list(void *st, uint64_t now, uint64_t *cursor, size_t max, sk_location_list_fn fn,
                   void *arg)
{
	struct loc_shared *s = st;
	pthread_mutex_lock(&s->lock);
	int rc = s->inner.ops->list(s->inner.st, now, cursor, max, fn, arg);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static void sh_free(void *st)
{
	struct loc_shared *s = st;
	pthread_mutex_lock(&s->lock);
	bool last = --s->users == 0;
	pthread_mutex_unlock(&s->lock);
	if (!last)
		return;
	s->inner.ops->free(s->inner.st);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const struct sk_location_ops shared_ops = {
    .lookup = sh_lookup,
    .put = sh_put,
    .remove = sh_remove,
    .list = sh_list,
    .free = sh_free,
};

int sk_location_shared(struct sk_location *out, size_t users, struct sk_location inner)
{
	if (!out || !users || !inner.ops) {
		if (inner.ops)
			inner.ops->free(inner.st);
		return -SK_EINVAL;
	}
	struct loc_shared *s = calloc(1, sizeof(*s));
	if (!s || pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		inner.ops->free(inner.st);
		return -SK_ENOMEM;
	}
	s->inner = inner;
	s->users = users;
	for (size_t i = 0; i < users; i++)
		out[i] = (struct sk_location){.ops = &shared_ops, .st = s};
	return 0;
}

bool sk_location_shared_held(const struct sk_location *loc, uint64_t *bindings, size_t *aors)
{
	if (!loc || loc->ops != &shared_ops)
		return false;
	struct loc_shared *s = loc->st;
	pthread_mutex_lock(&s->lock);
	bool ok = sk_location_memory_held(&s->inner, bindings, aors);
	pthread_mutex_unlock(&s->lock);
	return ok;
}
