/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A held call made ready for analysis: each message parsed (its bytes stay in
 * the call's buffer, the parse is zero-copy over them), its hosts numbered in
 * order of appearance (the ladder's columns), its label written. Only the
 * call being analysed is expanded, so the parse of every message does not
 * have to be held while calls are in flight.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_int.h"

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

static int expand_msg(struct sk_trace_msg *tm, const struct sk_msg_limits *lim)
{
	struct sk_parse_err err;
	if (sk_msg_new(&tm->msg, lim) < 0)
		return -SK_ENOMEM;
	memset(&err, 0, sizeof(err));
	if (sk_msg_parse(tm->msg, tm->raw, tm->len, &err) == 0 && sk_msg_call_id(tm->msg).len) {
		make_label(tm);
		return 0;
	}
	if (err.why)
		snprintf(tm->error, sizeof(tm->error), "line %u, column %u%s%s: %s", err.line,
		         err.col, err.hdr[0] ? ", header " : "", err.hdr, err.why);
	else
		snprintf(tm->error, sizeof(tm->error), "no Call-ID");
	sk_msg_free(tm->msg);
	tm->msg = NULL;
	make_label(tm);
	return 0;
}

/*
 * A TCP connection's client end is an ephemeral port, not the host's SIP
 * address: a request over TCP whose top Via sent-by port is not its source
 * port came from one (§18.2.1: sent-by is where the sender listens; §18.2.2:
 * responses go back on the connection). Such an end takes the column of
 * the address its Via names (same IP, the Via's port), so a host that opens
 * several connections stays one column.
 */
struct alias {
	struct sk_trace_addr from, to;
};
#define MAX_ALIASES 16

static size_t find_aliases(const struct sk_trace_call *p, struct alias *al)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nmsgs && n < MAX_ALIASES; i++) {
		const struct sk_trace_msg *tm = &p->msgs[i];
		if (tm->proto != SK_TRACE_TCP || !tm->msg || !sk_msg_is_request(tm->msg) ||
		    !sk_msg_via_count(tm->msg))
			continue;
		const struct sk_via *v = sk_msg_via(tm->msg, 0);
		uint16_t port = v->port ? v->port
		                : sk_str_caseeq_c(v->transport, "TLS")
		                    ? 5061
		                    : 5060; /* §18.1.1, §19.1.2 */
		if (port == tm->src.port)
			continue;
		bool known = false;
		for (size_t k = 0; k < n; k++)
			known |= sk_trace_addr_eq(&al[k].from, &tm->src);
		if (known)
			continue;
		al[n].from = tm->src;
		al[n].to = tm->src;
		al[n].to.port = port;
		n++;
	}
	return n;
}

static const struct sk_trace_addr *column_addr(const struct alias *al, size_t n,
                                               const struct sk_trace_msg *tm,
                                               const struct sk_trace_addr *a)
{
	if (tm->proto == SK_TRACE_TCP)
		for (size_t k = 0; k < n; k++)
			if (sk_trace_addr_eq(&al[k].from, a))
				return &al[k].to;
	return a;
}

/*
 * The same packet captured twice (a bridge and its port, "any" with a VLAN
 * interface, a mirror of both directions): the same bytes between the same
 * ends with the same IP identification, within DUP_WINDOW_US. A
 * retransmission is a new packet (a new identification) and T1 later. Looked
 * for among the last DUP_LOOKBACK messages only: O(1) per message.
 */
#define DUP_WINDOW_US 5000
#define DUP_LOOKBACK  32

static int32_t duplicate_of(const struct sk_trace_call *p, size_t i)
{
	const struct sk_trace_msg *tm = &p->msgs[i];
	if (!tm->has_ip_id)
		return -1;
	for (size_t j = i, steps = 0; j-- > 0 && steps < DUP_LOOKBACK; steps++) {
		const struct sk_trace_msg *o = &p->msgs[j];
		if (tm->ts_us - o->ts_us > DUP_WINDOW_US)
			break;
		if (o->has_ip_id && o->ip_id == tm->ip_id && o->proto == tm->proto &&
		    o->len == tm->len && sk_trace_addr_eq(&o->src, &tm->src) &&
		    sk_trace_addr_eq(&o->dst, &tm->dst) && memcmp(o->raw, tm->raw, tm->len) == 0)
			return o->duplicate ? (int32_t)o->dup_of : (int32_t)j;
	}
	return -1;
}

int sk_trace_expand_call(struct sk_trace_call *p, const struct held *h, size_t n, char *bytes,
                         const struct sk_msg_limits *lim)
{
	p->msgs = calloc(n ? n : 1, sizeof(*p->msgs));
	p->hosts = calloc(MAX_HOSTS, sizeof(*p->hosts));
	p->dialogs = calloc(SK_TRACE_MAX_DIALOGS, sizeof(*p->dialogs));
	if (!p->msgs || !p->hosts || !p->dialogs)
		return -SK_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct sk_trace_msg *tm = &p->msgs[i];
		tm->frame = h[i].frame;
		tm->ts_us = h[i].ts_us;
		tm->file = h[i].file;
		tm->src = h[i].src;
		tm->dst = h[i].dst;
		tm->proto = (enum sk_trace_proto)h[i].proto;
		tm->raw = bytes + h[i].off;
		tm->len = h[i].len;
		tm->ip_id = h[i].ip_id;
		tm->has_ip_id = h[i].has_ip_id;
		tm->txn = -1;
		p->nmsgs = i + 1;
		int32_t first = duplicate_of(p, i);
		tm->duplicate = first >= 0;
		tm->dup_of = first >= 0 ? (uint32_t)first : 0;
		p->duplicates += tm->duplicate;
		if (expand_msg(tm, lim) < 0)
			return -SK_ENOMEM;
	}
	/* the columns, once every message is parsed (the Vias name the TCP hosts) */
	struct alias al[MAX_ALIASES];
	size_t nal = find_aliases(p, al);
	for (size_t i = 0; i < n; i++) {
		struct sk_trace_msg *tm = &p->msgs[i];
		tm->from_host = host_of(p, column_addr(al, nal, tm, &tm->src));
		tm->to_host = host_of(p, column_addr(al, nal, tm, &tm->dst));
	}
	return 0;
}

void sk_trace_expand_free(struct sk_trace_call *p)
{
	for (size_t i = 0; i < p->nmsgs; i++)
		sk_msg_free(p->msgs[i].msg);
	free(p->msgs);
	free(p->hosts);
	free(p->txns);
	free(p->findings);
	free(p->dialogs);
	p->dialogs = NULL;
	p->ndialogs = 0;
	p->msgs = NULL;
	p->hosts = NULL;
	p->txns = NULL;
	p->findings = NULL;
	p->nmsgs = p->nhosts = p->ntxns = p->nfindings = 0;
}
