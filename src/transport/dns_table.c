/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A DNS backend that answers from a table of records after a fixed delay on
 * the stack's timers: the resolver's tests (and fuzzing) run on virtual time
 * without a DNS server. A name with no record at all is "no such domain"; a
 * name with records of other types only is "no data" (RFC 2308 §2.2).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sipkit/transport.h"

struct table_rec {
	char name[SK_DNS_NAME_MAX];
	struct sk_dns_rr rr;
	int fail; /* a failure entry: 0 silent, else the error answered */
	bool is_fail;
};

struct table_query {
	struct table_query *next;
	struct dns_table *t;
	uint64_t id;
	char name[SK_DNS_NAME_MAX];
	enum sk_dns_type type;
	sk_dns_answer_fn fn;
	void *arg;
	struct sk_timer timer;
	bool silent;
};

struct dns_table {
	struct sk_timers *timers;
	uint32_t delay_ms;
	struct table_rec *recs;
	size_t n, cap;
	struct table_query *queries;
	uint64_t next_id, count;
};

static void unlink_query(struct dns_table *t, struct table_query *q)
{
	for (struct table_query **pp = &t->queries; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	sk_timer_stop(t->timers, &q->timer);
	free(q);
}

static void answer(void *arg)
{
	struct table_query *q = arg;
	struct dns_table *t = q->t;
	size_t n = 0;
	bool known = false;
	int err = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct table_rec *r = &t->recs[i];
		if (strcasecmp(r->name, q->name))
			continue;
		known = true;
		if (r->is_fail && r->rr.type == q->type)
			err = r->fail;
		else if (!r->is_fail && r->rr.type == q->type)
			n++;
	}
	struct sk_dns_rr *rr = n ? malloc(n * sizeof(*rr)) : NULL;
	size_t k = 0;
	for (size_t i = 0; rr && i < t->n; i++)
		if (!t->recs[i].is_fail && t->recs[i].rr.type == q->type &&
		    !strcasecmp(t->recs[i].name, q->name))
			rr[k++] = t->recs[i].rr;
	if (n && !rr)
		err = -SK_EIO;
	sk_dns_answer_fn fn = q->fn;
	void *qarg = q->arg;
	unlink_query(t, q);
	if (err)
		fn(qarg, err, NULL, 0, 0);
	else
		fn(qarg, known ? 0 : -SK_ENOTFOUND, rr, known ? k : 0, 0);
	free(rr);
}

static int table_query(void *be, const char *name, enum sk_dns_type type, sk_dns_answer_fn fn,
                       void *arg, uint64_t *id)
{
	struct dns_table *t = be;
	struct table_query *q = calloc(1, sizeof(*q));
	if (!q)
		return -SK_ENOMEM;
	t->count++;
	q->t = t;
	q->id = ++t->next_id;
	strncpy(q->name, name, sizeof(q->name) - 1);
	q->type = type;
	q->fn = fn;
	q->arg = arg;
	for (size_t i = 0; i < t->n; i++)
		if (t->recs[i].is_fail && t->recs[i].rr.type == type && !t->recs[i].fail &&
		    !strcasecmp(t->recs[i].name, name))
			q->silent = true;
	sk_timer_init(&q->timer, answer, q);
	if (!q->silent)
		sk_timer_start(t->timers, &q->timer, t->delay_ms);
	q->next = t->queries;
	t->queries = q;
	*id = q->id;
	return 0;
}

static void table_cancel(void *be, uint64_t id)
{
	struct dns_table *t = be;
	for (struct table_query *q = t->queries; q; q = q->next)
		if (q->id == id) {
			unlink_query(t, q);
			return;
		}
}

static void table_free(void *be)
{
	struct dns_table *t = be;
	while (t->queries)
		unlink_query(t, t->queries);
	free(t->recs);
	free(t);
}

static const struct sk_dns_ops table_ops = {
    .query = table_query, .cancel = table_cancel, .free = table_free};

int sk_dns_table_new(struct sk_dns_backend *out, struct sk_timers *timers, uint32_t delay_ms)
{
	struct dns_table *t = calloc(1, sizeof(*t));
	if (!t)
		return -SK_ENOMEM;
	t->timers = timers;
	t->delay_ms = delay_ms;
	out->ops = &table_ops;
	out->be = t;
	return 0;
}

static struct table_rec *table_push(struct dns_table *t, const char *name)
{
	if (strlen(name) >= SK_DNS_NAME_MAX)
		return NULL;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct table_rec *r = realloc(t->recs, cap * sizeof(*r));
		if (!r)
			return NULL;
		t->recs = r;
		t->cap = cap;
	}
	struct table_rec *r = &t->recs[t->n++];
	memset(r, 0, sizeof(*r));
	strcpy(r->name, name);
	return r;
}

int sk_dns_table_add(struct sk_dns_backend *b, const char *name, const struct sk_dns_rr *rr)
{
	struct table_rec *r = table_push(b->be, name);
	if (!r)
		return -SK_ENOMEM;
	r->rr = *rr;
	return 0;
}

int sk_dns_table_fail(struct sk_dns_backend *b, const char *name, enum sk_dns_type type, int err)
{
	struct table_rec *r = table_push(b->be, name);
	if (!r)
		return -SK_ENOMEM;
	r->is_fail = true;
	r->rr.type = (uint16_t)type;
	r->fail = err;
	return 0;
}

uint64_t sk_dns_table_queries(const struct sk_dns_backend *b)
{
	return ((const struct dns_table *)b->be)->count;
}

void sk_dns_table_clear(struct sk_dns_backend *b)
{
	((struct dns_table *)b->be)->n = 0;
}
