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
		tm->from_host = host_of(p, &tm->src);
		tm->to_host = host_of(p, &tm->dst);
		tm->txn = -1;
		p->nmsgs = i + 1;
		if (expand_msg(tm, lim) < 0)
			return -SK_ENOMEM;
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
