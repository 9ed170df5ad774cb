/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The checker's intake: messages are parsed and grouped by Call-ID into
 * calls held in a hash table and a list by last activity. A call idle for
 * idle_ms of capture time, or the least recent one when max_calls are held,
 * is analysed (flow.c, rules*.c, outcome.c), reported and freed, so memory
 * follows the calls in flight and not the length of the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trace_int.h"

struct tcall {
	struct sk_trace_call pub;
	struct tcall *hnext;
	struct tcall *older, *newer; /* activity list */
	uint64_t hash;
	int64_t last_us;
	size_t msgs_cap;
};

struct sk_trace_checker {
	struct sk_trace_check_config cfg;
	sk_trace_report_fn fn;
	void *arg;
	struct tcall **buckets;
	size_t nbuckets, count;
	struct tcall *oldest, *newest;
	uint64_t next_index;
	int64_t now_us;
	struct sk_trace_totals totals;
};

static uint64_t hash_id(struct sk_str s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < s.len; i++)
		h = (h ^ (unsigned char)s.p[i]) * 0x100000001b3ull;
	return h;
}

int sk_trace_checker_new(struct sk_trace_checker **out, const struct sk_trace_check_config *cfg,
                         sk_trace_report_fn fn, void *arg)
{
	struct sk_trace_checker *c = calloc(1, sizeof(*c));
	if (!c)
		return -SK_ENOMEM;
	if (cfg)
		c->cfg = *cfg;
	if (!c->cfg.t1_ms)
		c->cfg.t1_ms = 500;
	if (!c->cfg.idle_ms)
		c->cfg.idle_ms = 300000;
	if (!c->cfg.max_calls)
		c->cfg.max_calls = 200000;
	if (!c->cfg.max_call_msgs)
		c->cfg.max_call_msgs = 2000;
	if (!c->cfg.limits.max_msg_size)
		c->cfg.limits = sk_msg_limits_default();
	c->nbuckets = 1024;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	if (!c->buckets) {
		free(c);
		return -SK_ENOMEM;
	}
	c->fn = fn;
	c->arg = arg;
	c->now_us = INT64_MIN;
	*out = c;
	return 0;
}

static void unlink_activity(struct sk_trace_checker *c, struct tcall *t)
{
	if (t->older)
		t->older->newer = t->newer;
	else
		c->oldest = t->newer;
	if (t->newer)
		t->newer->older = t->older;
	else
		c->newest = t->older;
	t->older = t->newer = NULL;
}

static void link_newest(struct sk_trace_checker *c, struct tcall *t)
{
	t->older = c->newest;
	t->newer = NULL;
	if (c->newest)
		c->newest->newer = t;
	else
		c->oldest = t;
	c->newest = t;
}

static void call_free(struct tcall *t)
{
	struct sk_trace_call *p = &t->pub;
	for (size_t i = 0; i < p->nmsgs; i++) {
		sk_msg_free(p->msgs[i].msg);
		free(p->msgs[i].raw);
	}
	free(p->msgs);
	free(p->hosts);
	free(p->txns);
	free(p->findings);
	free(p->call_id);
	free(t);
}

static bool has_invite(const struct sk_trace_call *p)
{
	for (size_t i = 0; i < p->nmsgs; i++) {
		const struct sk_msg *m = p->msgs[i].msg;
		if (m && sk_msg_is_request(m) &&
		    (sk_str_caseeq_c(sk_msg_method(m), "INVITE") ||
		     sk_str_caseeq_c(sk_msg_method(m), "CANCEL")))
			return true;
	}
	return false;
}

static void analyse(struct sk_trace_checker *c, struct sk_trace_call *p)
{
	struct analysis a = {
	    .cfg = &c->cfg, .end_us = c->now_us, .window_us = 64 * (int64_t)c->cfg.t1_ms * 1000};
	p->root = -1;
	p->first_prov_us = p->cancel_us = p->cancel_resp_us = p->final_us = -1;
	if (flow_build(p) < 0)
		return; /* out of memory: reported with its messages, unanalysed */
	rules_cancel(p, &a);
	rules_ack_reason(p, &a);
	rules_fork(p, &a);
	outcome_decide(p);
}

/* Analyses, reports and frees one call. */
static void report(struct sk_trace_checker *c, struct tcall *t)
{
	struct sk_trace_call *p = &t->pub;
	struct sk_trace_totals *tot = &c->totals;
	unlink_activity(c, t);
	for (struct tcall **pp = &c->buckets[t->hash & (c->nbuckets - 1)]; *pp; pp = &(*pp)->hnext)
		if (*pp == t) {
			*pp = t->hnext;
			break;
		}
	c->count--;
	bool invite = has_invite(p);
	if (invite || c->cfg.all) {
		analyse(c, p);
		p->index = ++c->next_index;
		tot->calls++;
		tot->outcomes[p->outcome]++;
		for (size_t i = 0; i < p->nfindings; i++) {
			tot->severity[p->findings[i].severity]++;
			tot->per_code[sk_trace_code_index(p->findings[i].code)]++;
		}
		if (c->fn)
			c->fn(c->arg, p);
	} else {
		tot->others++;
	}
	call_free(t);
}

static struct tcall *call_find(struct sk_trace_checker *c, struct sk_str id, uint64_t h)
{
	for (struct tcall *t = c->buckets[h & (c->nbuckets - 1)]; t; t = t->hnext)
		if (t->hash == h && strlen(t->pub.call_id) == id.len &&
		    memcmp(t->pub.call_id, id.p, id.len) == 0)
			return t;
	return NULL;
}

static void grow(struct sk_trace_checker *c)
{
	size_t n = c->nbuckets * 2;
	struct tcall **nb = calloc(n, sizeof(*nb));
	if (!nb)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < c->nbuckets; i++)
		for (struct tcall *t = c->buckets[i], *next; t; t = next) {
			next = t->hnext;
			t->hnext = nb[t->hash & (n - 1)];
			nb[t->hash & (n - 1)] = t;
		}
	free(c->buckets);
	c->buckets = nb;
	c->nbuckets = n;
}

static struct tcall *call_new(struct sk_trace_checker *c, struct sk_str id, uint64_t h)
{
	struct tcall *t = calloc(1, sizeof(*t));
	if (!t || !(t->pub.call_id = malloc(id.len + 1)) ||
	    !(t->pub.hosts = calloc(MAX_HOSTS, sizeof(*t->pub.hosts)))) {
		if (t)
			free(t->pub.call_id);
		free(t);
		return NULL;
	}
	memcpy(t->pub.call_id, id.p, id.len);
	t->pub.call_id[id.len] = '\0';
	t->hash = h;
	if (c->count >= c->nbuckets)
		grow(c);
	t->hnext = c->buckets[h & (c->nbuckets - 1)];
	c->buckets[h & (c->nbuckets - 1)] = t;
	c->count++;
	if (c->count > c->totals.peak_calls)
		c->totals.peak_calls = c->count;
	link_newest(c, t);
	return t;
}

static uint16_t host_of(struct sk_trace_call *p, const struct sk_trace_addr *a)
{
	for (size_t i = 0; i < p->nhosts; i++)
		if (sk_trace_addr_eq(&p->hosts[i], a))
			return (uint16_t)i;
	if (p->nhosts == MAX_HOSTS)
		return MAX_HOSTS - 1;
	p->hosts[p->nhosts] = *a;
	return (uint16_t)p->nhosts++;
}

static void make_label(struct sk_trace_msg *tm)
{
	const struct sk_msg *m = tm->msg;
	if (!m) {
		snprintf(tm->label, sizeof(tm->label), "(unparsed)");
	} else if (sk_msg_is_request(m)) {
		sk_str_cpy(tm->label, sizeof(tm->label), sk_msg_method(m));
	} else {
		/* "180 Ringing", but "487 INVITE", "200 CANCEL": which request a final answers */
		const struct sk_cseq *cs = sk_msg_cseq(m);
		struct sk_str ph = sk_msg_reason_phrase(m);
		size_t w = 0;
		while (w < ph.len && ph.p[w] != ' ')
			w++;
		if (sk_msg_status(m) < 200 || !cs)
			snprintf(tm->label, sizeof(tm->label), "%d %.*s", sk_msg_status(m),
			         (int)(w < 20 ? w : 20), ph.p);
		else
			snprintf(tm->label, sizeof(tm->label), "%d %.*s", sk_msg_status(m),
			         (int)(cs->method.len < 20 ? cs->method.len : 20), cs->method.p);
	}
}

/* The Call-ID of a message that did not parse: the first Call-ID or i line that reads. */
static struct sk_str scan_call_id(const char *p, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t e = i;
		while (e < len && p[e] != '\n')
			e++;
		size_t n = e - i, name = 0;
		if (n > 8 && !strncasecmp(p + i, "Call-ID", 7))
			name = 7;
		else if (n > 2 && (p[i] == 'i' || p[i] == 'I') &&
		         (p[i + 1] == ':' || p[i + 1] == ' '))
			name = 1;
		if (name) {
			size_t v = i + name;
			while (v < e && (p[v] == ' ' || p[v] == '\t'))
				v++;
			if (v < e && p[v] == ':') {
				v++;
				while (v < e && (p[v] == ' ' || p[v] == '\t'))
					v++;
				size_t w = e;
				while (w > v &&
				       (p[w - 1] == '\r' || p[w - 1] == ' ' || p[w - 1] == '\t'))
					w--;
				if (w > v)
					return (struct sk_str){p + v, w - v};
			}
		}
		if (n == 0 || (n == 1 && p[i] == '\r'))
			break; /* the body starts */
		i = e + 1;
	}
	return (struct sk_str){0};
}

/* Parses a copy of pkt into tm; on failure keeps the error, and the Call-ID if one reads. */
static int take(struct sk_trace_checker *c, struct sk_trace_msg *tm, const struct sk_trace_pkt *pkt,
                struct sk_str *call_id)
{
	struct sk_parse_err err;
	tm->raw = malloc(pkt->len ? pkt->len : 1);
	if (!tm->raw)
		return -SK_ENOMEM;
	memcpy(tm->raw, pkt->data, pkt->len);
	tm->len = pkt->len;
	if (sk_msg_new(&tm->msg, &c->cfg.limits) < 0)
		return -SK_ENOMEM;
	memset(&err, 0, sizeof(err));
	if (sk_msg_parse(tm->msg, tm->raw, tm->len, &err) == 0 && sk_msg_call_id(tm->msg).len) {
		*call_id = sk_msg_call_id(tm->msg);
		return 0;
	}
	if (err.why)
		snprintf(tm->error, sizeof(tm->error), "line %u, column %u%s%s: %s", err.line,
		         err.col, err.hdr[0] ? ", header " : "", err.hdr, err.why);
	else
		snprintf(tm->error, sizeof(tm->error), "no Call-ID");
	sk_msg_free(tm->msg);
	tm->msg = NULL;
	struct sk_str id = scan_call_id(tm->raw, tm->len);
	if (id.len)
		*call_id = id;
	return 0;
}

int sk_trace_checker_add(struct sk_trace_checker *c, const struct sk_trace_pkt *pkt, uint32_t file)
{
	struct sk_trace_msg tm;
	struct sk_str id = SK_STR_LIT("(no Call-ID)");
	memset(&tm, 0, sizeof(tm));
	if (pkt->ts_us > c->now_us)
		c->now_us = pkt->ts_us;
	/* calls idle long enough are over: report them before they grow the table */
	int64_t idle_us = (int64_t)c->cfg.idle_ms * 1000;
	while (c->oldest && c->oldest->last_us + idle_us < c->now_us)
		report(c, c->oldest);

	c->totals.messages++;
	int rc = take(c, &tm, pkt, &id);
	if (rc < 0 || id.len == 0)
		id = SK_STR_LIT("(no Call-ID)");
	if (!tm.msg)
		c->totals.unparsed++;
	uint64_t h = hash_id(id);
	struct tcall *t = rc < 0 ? NULL : call_find(c, id, h);
	if (!t && rc == 0) {
		while (c->count >= c->cfg.max_calls && c->oldest) {
			c->totals.evicted++;
			report(c, c->oldest);
		}
		t = call_new(c, id, h);
	}
	if (!t) {
		sk_msg_free(tm.msg);
		free(tm.raw);
		return -SK_ENOMEM;
	}
	struct sk_trace_call *p = &t->pub;
	t->last_us = pkt->ts_us;
	unlink_activity(c, t);
	link_newest(c, t);
	if (p->nmsgs >= c->cfg.max_call_msgs) {
		p->dropped++;
		sk_msg_free(tm.msg);
		free(tm.raw);
		return 0;
	}
	if (p->nmsgs == t->msgs_cap) {
		size_t n = t->msgs_cap ? t->msgs_cap * 2 : 8;
		struct sk_trace_msg *nm = realloc(p->msgs, n * sizeof(*nm));
		if (!nm) {
			sk_msg_free(tm.msg);
			free(tm.raw);
			return -SK_ENOMEM;
		}
		p->msgs = nm;
		t->msgs_cap = n;
	}
	tm.frame = pkt->frame;
	tm.ts_us = pkt->ts_us;
	tm.file = file;
	tm.src = pkt->src;
	tm.dst = pkt->dst;
	tm.proto = pkt->proto;
	tm.from_host = host_of(p, &pkt->src);
	tm.to_host = host_of(p, &pkt->dst);
	tm.txn = -1;
	make_label(&tm);
	p->msgs[p->nmsgs++] = tm;
	return 0;
}

void sk_trace_checker_finish(struct sk_trace_checker *c)
{
	while (c->oldest)
		report(c, c->oldest);
}

const struct sk_trace_totals *sk_trace_checker_totals(const struct sk_trace_checker *c)
{
	return &c->totals;
}

void sk_trace_checker_free(struct sk_trace_checker *c)
{
	if (!c)
		return;
	while (c->oldest) {
		struct tcall *t = c->oldest;
		unlink_activity(c, t);
		call_free(t);
	}
	free(c->buckets);
	free(c);
}
