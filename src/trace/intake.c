/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The checker's intake: messages are grouped by Call-ID into calls held in a
 * hash table, each call keeping only its messages' bytes (one buffer per call)
 * and where and when each was seen. A call whose last transaction has ended
 * (a 200 to its BYE, the ACK of a non-2xx final) is settled: it is reported
 * once idle for 64*T1, the time retransmissions may still take; any other
 * call after idle_ms. The least recent call goes early when max_calls are
 * held. A reported call is parsed again, analysed (expand.c, flow.c,
 * rules*.c, outcome.c), handed to the callback and freed, so memory follows
 * the calls in flight and not the length of the input.
 *
 * Call-IDs come from whoever wrote the capture: the table hashes them under a
 * key drawn from the OS (sk_hash), so no capture can pile its calls into one
 * chain. Nothing reported depends on the key: calls go out in activity order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trace_int.h"

struct tcall {
	struct sk_trace_call pub;    /* call_id and counters while held; the rest at analysis */
	struct sk_hnode hnode;       /* in calls, by Call-ID */
	struct tcall *older, *newer; /* its activity list */
	int64_t last_us;
	struct held *held;
	size_t nheld, held_cap;
	char *bytes; /* the messages' bytes, one after the other */
	size_t nbytes, bytes_cap;
	uint16_t invite_final; /* the last final status to an INVITE seen */
	bool answered;         /* a 2xx to an INVITE seen: settled only by a BYE's 2xx */
	bool acked;            /* the ACK of a non-2xx final seen */
	bool bye_done;         /* a 2xx to a BYE seen */
	bool settled;          /* in the settled list */
};

/* Calls by last activity, oldest first: one list per idle time. */
struct activity {
	struct tcall *oldest, *newest;
	int64_t idle_us;
};

#define EVICTED_RING 4096 /* Call-IDs reported early, to mark their continuation */

struct sk_trace_checker {
	struct sk_trace_check_config cfg;
	sk_trace_report_fn fn;
	void *arg;
	struct sk_htab calls; /* by Call-ID */
	struct sk_hash_key key;
	struct activity open, settled;
	uint64_t next_index;
	int64_t now_us;
	struct sk_msg *scratch; /* the intake's parse, reused */
	uint64_t evicted[EVICTED_RING];
	size_t nevicted;
	struct sk_trace_totals totals;
};

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
	c->open.idle_us = (int64_t)c->cfg.idle_ms * 1000;
	c->settled.idle_us = 64 * (int64_t)c->cfg.t1_ms * 1000;
	if (c->settled.idle_us > c->open.idle_us)
		c->settled.idle_us = c->open.idle_us;
	sk_hash_key_from_os(&c->key); /* weak without OS entropy, still works */
	if (sk_htab_init(&c->calls, 1024) < 0 || sk_msg_new(&c->scratch, &c->cfg.limits) < 0) {
		sk_htab_free(&c->calls);
		free(c);
		return -SK_ENOMEM;
	}
	c->fn = fn;
	c->arg = arg;
	c->now_us = INT64_MIN;
	*out = c;
	return 0;
}

static struct activity *list_of(struct sk_trace_checker *c, const struct tcall *t)
{
	return t->settled ? &c->settled : &c->open;
}

static void unlink_activity(struct sk_trace_checker *c, struct tcall *t)
{
	struct activity *l = list_of(c, t);
	if (t->older)
		t->older->newer = t->newer;
	else
		l->oldest = t->newer;
	if (t->newer)
		t->newer->older = t->older;
	else
		l->newest = t->older;
	t->older = t->newer = NULL;
}

static void link_newest(struct sk_trace_checker *c, struct tcall *t)
{
	struct activity *l = list_of(c, t);
	t->older = l->newest;
	t->newer = NULL;
	if (l->newest)
		l->newest->newer = t;
	else
		l->oldest = t;
	l->newest = t;
}

static void call_free(struct tcall *t)
{
	sk_trace_expand_free(&t->pub);
	free(t->held);
	free(t->bytes);
	free(t->pub.call_id);
	free(t);
}

static void analyse(struct sk_trace_checker *c, struct sk_trace_call *p)
{
	struct analysis a = {.end_us = c->now_us, .window_us = 64 * (int64_t)c->cfg.t1_ms * 1000};
	p->root = -1;
	p->first_prov_us = p->cancel_us = p->cancel_resp_us = p->final_us = -1;
	if (sk_trace_flow_build(p) < 0)
		return; /* out of memory: reported with its messages, unanalysed */
	sk_trace_rules_cancel(p, &a);
	sk_trace_rules_ack_reason(p, &a);
	sk_trace_rules_fork(p, &a);
	sk_trace_rules_prack(p, &a);
	sk_trace_outcome_decide(p);
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

/* Analyses, reports and frees one call. */
static void report(struct sk_trace_checker *c, struct tcall *t)
{
	struct sk_trace_call *p = &t->pub;
	struct sk_trace_totals *tot = &c->totals;
	unlink_activity(c, t);
	sk_htab_remove(&c->calls, &t->hnode);
	p->files = c->cfg.files;
	p->nfiles = c->cfg.nfiles;
	if (sk_trace_expand_call(p, t->held, t->nheld, t->bytes, &c->cfg.limits) == 0 &&
	    (has_invite(p) || c->cfg.all)) {
		analyse(c, p);
		p->index = ++c->next_index;
		tot->calls++;
		tot->duplicates += p->duplicates;
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
	for (struct sk_hnode *n = sk_htab_first(&c->calls, h); n; n = sk_htab_next(n)) {
		struct tcall *t = sk_container_of(n, struct tcall, hnode);
		/* §20.8: Call-IDs compare byte for byte */
		if (strlen(t->pub.call_id) == id.len && memcmp(t->pub.call_id, id.p, id.len) == 0)
			return t;
	}
	return NULL;
}

static bool was_evicted(const struct sk_trace_checker *c, uint64_t h)
{
	size_t n = c->nevicted < EVICTED_RING ? c->nevicted : EVICTED_RING;
	for (size_t i = 0; i < n; i++)
		if (c->evicted[i] == h)
			return true;
	return false;
}

static struct tcall *call_new(struct sk_trace_checker *c, struct sk_str id, uint64_t h)
{
	struct tcall *t = calloc(1, sizeof(*t));
	if (!t || !(t->pub.call_id = malloc(id.len + 1))) {
		free(t);
		return NULL;
	}
	memcpy(t->pub.call_id, id.p, id.len);
	t->pub.call_id[id.len] = '\0';
	t->pub.partial = c->nevicted && was_evicted(c, h);
	sk_htab_insert(&c->calls, &t->hnode, h);
	if (sk_htab_count(&c->calls) > c->totals.peak_calls)
		c->totals.peak_calls = sk_htab_count(&c->calls);
	link_newest(c, t);
	return t;
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

/*
 * What the intake reads of a message: its Call-ID, and whether it settles or
 * reopens its call (§15.1.1: the 200 to a BYE ends the dialog; §17.1.1.3:
 * the ACK of a non-2xx final ends the INVITE; a new INVITE opens work again).
 */
static void settle(struct sk_trace_checker *c, struct tcall *t, const struct sk_msg *m)
{
	const struct sk_cseq *cs = sk_msg_cseq(m);
	if (!cs)
		return;
	if (sk_msg_is_request(m)) {
		if (sk_str_caseeq_c(sk_msg_method(m), "INVITE"))
			t->acked = false; /* a new INVITE (re-INVITE, new call): work again */
		else if (sk_str_caseeq_c(sk_msg_method(m), "ACK") && t->invite_final >= 300)
			t->acked = true;
	} else if (sk_msg_status(m) >= 200) {
		int st = sk_msg_status(m);
		if (sk_str_caseeq_c(cs->method, "INVITE")) {
			t->invite_final = (uint16_t)st;
			t->answered |= st < 300;
		} else if (sk_str_caseeq_c(cs->method, "BYE") && st < 300) {
			t->bye_done = true;
		}
	}
	/*
	 * An answered call ends with its BYE; one never answered with the ACK of
	 * its final, unless that final asks for the INVITE again: after a 401/407
	 * the credentials may come when a person has typed them (§22.2), after a
	 * 503 when its Retry-After has passed (§21.5.4), both longer than 64*T1.
	 */
	bool retry_due = t->invite_final == 401 || t->invite_final == 407 || t->invite_final == 503;
	bool settled = t->answered ? t->bye_done : t->acked && !retry_due;
	if (settled != t->settled) {
		unlink_activity(c, t);
		t->settled = settled;
		link_newest(c, t);
	}
}

static int hold(struct tcall *t, const struct sk_trace_pkt *pkt, uint32_t file)
{
	if (t->nheld == t->held_cap) {
		size_t n = t->held_cap ? t->held_cap + t->held_cap / 2 : 12;
		struct held *nh = realloc(t->held, n * sizeof(*nh));
		if (!nh)
			return -SK_ENOMEM;
		t->held = nh;
		t->held_cap = n;
	}
	if (t->nbytes + pkt->len > t->bytes_cap || !t->bytes) { /* an empty message too */
		/* calls are a few kilobytes: grow by half, so little is held unused */
		size_t n = t->bytes_cap ? t->bytes_cap : 4096;
		while (n < t->nbytes + pkt->len)
			n += n / 2;
		char *nb = realloc(t->bytes, n);
		if (!nb)
			return -SK_ENOMEM;
		t->bytes = nb;
		t->bytes_cap = n;
	}
	if (pkt->len)
		memcpy(t->bytes + t->nbytes, pkt->data, pkt->len);
	t->held[t->nheld++] = (struct held){.frame = pkt->frame,
	                                    .ts_us = pkt->ts_us,
	                                    .file = file,
	                                    .off = (uint32_t)t->nbytes,
	                                    .len = (uint32_t)pkt->len,
	                                    .ip_id = pkt->ip_id,
	                                    .has_ip_id = pkt->has_ip_id,
	                                    .proto = (uint8_t)pkt->proto,
	                                    .src = pkt->src,
	                                    .dst = pkt->dst};
	t->nbytes += pkt->len;
	return 0;
}

/* Reports the calls of l idle long enough before now. */
static void expire(struct sk_trace_checker *c, struct activity *l)
{
	while (l->oldest && l->oldest->last_us + l->idle_us < c->now_us)
		report(c, l->oldest);
}

/*
 * Why a message did not parse, for the summary: the first SK_TRACE_UNPARSED_WHYS
 * distinct reasons (the parser's text and header, not the line and column, so
 * that the same fault in many messages is one row), each with its count and
 * its first frame; the rest are only counted. O(1) per message.
 */
static void unparsed_why(struct sk_trace_totals *t, const struct sk_trace_pkt *pkt, uint32_t file,
                         const char *hdr, const char *why)
{
	char text[sizeof(t->unparsed_why[0].why)];
	bool named = !hdr[0] || !strncasecmp(why, hdr, strlen(hdr)); /* "CSeq: ..." says it */
	snprintf(text, sizeof(text), "%s%s%s%s", named ? "" : "header ", named ? "" : hdr,
	         named ? "" : ": ", why);
	for (size_t i = 0; i < t->nunparsed_why; i++)
		if (!strcmp(t->unparsed_why[i].why, text)) {
			t->unparsed_why[i].count++;
			return;
		}
	if (t->nunparsed_why == SK_TRACE_UNPARSED_WHYS) {
		t->unparsed_other++;
		return;
	}
	struct sk_trace_unparsed_why *u = &t->unparsed_why[t->nunparsed_why++];
	memcpy(u->why, text, sizeof(text));
	u->count = 1;
	u->frame = pkt->frame;
	u->file = file;
}

int sk_trace_checker_add(struct sk_trace_checker *c, const struct sk_trace_pkt *pkt, uint32_t file)
{
	if (pkt->len > c->cfg.limits.max_msg_size || pkt->len > UINT32_MAX / 2) {
		c->totals.messages++; /* the readers never hand out more than their limit */
		c->totals.unparsed++;
		unparsed_why(&c->totals, pkt, file, "", "larger than the message size limit");
		return 0;
	}
	if (pkt->ts_us > c->now_us)
		c->now_us = pkt->ts_us;
	expire(c, &c->settled);
	expire(c, &c->open);

	c->totals.messages++;
	struct sk_parse_err err;
	memset(&err, 0, sizeof(err));
	bool parsed = sk_msg_parse(c->scratch, pkt->data, pkt->len, &err) == 0 &&
	              sk_msg_call_id(c->scratch).len;
	struct sk_str id = parsed ? sk_msg_call_id(c->scratch) : scan_call_id(pkt->data, pkt->len);
	if (!parsed) {
		c->totals.unparsed++;
		unparsed_why(&c->totals, pkt, file, err.why ? err.hdr : "",
		             err.why ? err.why : "no Call-ID");
	}
	if (!id.len)
		id = SK_STR_LIT("(no Call-ID)");
	uint64_t h = sk_hash(&c->key, id.p, id.len);
	struct tcall *t = call_find(c, id, h);
	if (!t) {
		while (sk_htab_count(&c->calls) >= c->cfg.max_calls) {
			struct tcall *old = c->open.oldest;
			if (!old ||
			    (c->settled.oldest && c->settled.oldest->last_us < old->last_us))
				old = c->settled.oldest;
			c->totals.evicted++;
			c->evicted[c->nevicted++ % EVICTED_RING] = old->hnode.hash;
			report(c, old);
		}
		if (!(t = call_new(c, id, h)))
			return -SK_ENOMEM;
	}
	t->last_us = pkt->ts_us;
	unlink_activity(c, t);
	link_newest(c, t);
	if (t->nheld >= c->cfg.max_call_msgs) {
		t->pub.dropped++;
		return 0;
	}
	if (hold(t, pkt, file) < 0)
		return -SK_ENOMEM;
	if (parsed)
		settle(c, t, c->scratch);
	return 0;
}

void sk_trace_checker_tick(struct sk_trace_checker *c, int64_t now_us)
{
	/* the input's clock moves on without a message: calls idle since are complete */
	if (now_us > c->now_us)
		c->now_us = now_us;
	expire(c, &c->settled);
	expire(c, &c->open);
}

void sk_trace_checker_finish(struct sk_trace_checker *c)
{
	while (c->settled.oldest || c->open.oldest) {
		struct tcall *t = c->open.oldest;
		if (!t || (c->settled.oldest && c->settled.oldest->last_us < t->last_us))
			t = c->settled.oldest;
		report(c, t);
	}
}

const struct sk_trace_totals *sk_trace_checker_totals(const struct sk_trace_checker *c)
{
	return &c->totals;
}

void sk_trace_checker_free(struct sk_trace_checker *c)
{
	if (!c)
		return;
	struct activity *lists[] = {&c->open, &c->settled};
	for (size_t i = 0; i < 2; i++)
		while (lists[i]->oldest) {
			struct tcall *t = lists[i]->oldest;
			unlink_activity(c, t);
			call_free(t);
		}
	sk_msg_free(c->scratch);
	sk_htab_free(&c->calls);
	free(c);
}
