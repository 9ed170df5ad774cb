/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A call's transactions rebuilt from its messages, in capture order, with
 * the transaction layer's own rules (src/txn/match.c): a request joins the
 * server transaction it matches at its destination (§17.2.3, RFC 2543
 * fallback included), a CANCEL finds the transaction it cancels (§9.2), a
 * response its client transaction (§17.1.3). A transaction is a request at one
 * hop: the same INVITE forwarded by a proxy is a second transaction, linked to
 * the first as its parent through the Via the proxy pushed (§16.6 step 8).
 */
#include <stdlib.h>
#include <string.h>

#include "sipkit/txn.h"
#include "trace_int.h"

const struct sk_msg *sk_trace_flow_req(const struct sk_trace_call *c, const struct sk_trace_txn *t)
{
	return c->msgs[t->request].msg;
}

static bool is_method(const struct sk_msg *m, const char *name)
{
	return sk_str_caseeq_c(sk_msg_method(m), name);
}

static int32_t txn_new(struct sk_trace_call *c, size_t *cap, uint32_t i)
{
	if (c->ntxns == *cap) {
		size_t n = *cap ? *cap * 2 : 8;
		struct sk_trace_txn *nt = realloc(c->txns, n * sizeof(*nt));
		if (!nt)
			return -1;
		c->txns = nt;
		*cap = n;
	}
	const struct sk_msg *m = c->msgs[i].msg;
	struct sk_trace_txn *t = &c->txns[c->ntxns];
	memset(t, 0, sizeof(*t));
	sk_str_cpy(t->method, sizeof(t->method), sk_msg_method(m));
	t->invite = is_method(m, "INVITE");
	t->from_host = c->msgs[i].from_host;
	t->to_host = c->msgs[i].to_host;
	t->request = i;
	t->first_prov = t->final = t->first_2xx = t->ack = -1;
	t->cancel = t->parent = -1;
	t->requests = 1;
	return (int32_t)c->ntxns++;
}

/* The latest transaction at request i's destination that it belongs to. */
static int32_t find_server(const struct sk_trace_call *c, uint32_t i, bool for_cancel)
{
	const struct sk_trace_msg *tm = &c->msgs[i];
	for (size_t k = c->ntxns; k-- > 0;) {
		const struct sk_trace_txn *t = &c->txns[k];
		if (t->to_host != tm->to_host || t->ack2xx)
			continue;
		const struct sk_msg *orig = sk_trace_flow_req(c, t);
		if (for_cancel) {
			if (!is_method(orig, "CANCEL") && sk_txn_cancel_matches(orig, tm->msg))
				return (int32_t)k;
			continue;
		}
		struct sk_str final_tag = {0};
		if (t->final >= 0)
			final_tag = msg_to_tag(c->msgs[t->final].msg);
		if (sk_txn_request_matches(orig, tm->msg, final_tag))
			return (int32_t)k;
	}
	return -1;
}

/* The client transaction response i answers: sent to where it comes from. */
static int32_t find_client(const struct sk_trace_call *c, uint32_t i)
{
	const struct sk_trace_msg *tm = &c->msgs[i];
	for (size_t k = c->ntxns; k-- > 0;) {
		const struct sk_trace_txn *t = &c->txns[k];
		if (t->to_host == tm->from_host && !t->ack2xx &&
		    sk_txn_response_matches(sk_trace_flow_req(c, t), tm->msg))
			return (int32_t)k;
	}
	return -1;
}

static bool parse_u32(struct sk_str s, size_t *pos, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = *pos, start = i;
	while (i < s.len && s.p[i] >= '0' && s.p[i] <= '9' && i - start < 11)
		v = v * 10 + (uint64_t)(s.p[i++] - '0');
	if (i == start || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	*pos = i;
	return true;
}

uint32_t sk_trace_rseq(const struct sk_msg *m)
{
	const struct sk_hdr *h = sk_msg_hdr_first(m, SK_HDR_RSEQ);
	uint32_t v = 0;
	size_t pos = 0;
	return h && parse_u32(h->value, &pos, &v) && pos == h->value.len ? v : 0;
}

int sk_trace_rack(const struct sk_msg *m, uint32_t *rseq, uint32_t *cseq, char *method, size_t size)
{
	/* RFC 3262 §7.2: response-num LWS CSeq-num LWS Method */
	const struct sk_hdr *h = sk_msg_hdr_first(m, SK_HDR_RACK);
	size_t pos = 0;
	if (!h || !parse_u32(h->value, &pos, rseq))
		return -1;
	while (pos < h->value.len && (h->value.p[pos] == ' ' || h->value.p[pos] == '\t'))
		pos++;
	if (!parse_u32(h->value, &pos, cseq))
		return -1;
	while (pos < h->value.len && (h->value.p[pos] == ' ' || h->value.p[pos] == '\t'))
		pos++;
	if (pos == h->value.len)
		return -1;
	sk_str_cpy(method, size, (struct sk_str){h->value.p + pos, h->value.len - pos});
	return 0;
}

/*
 * An earlier response of transaction k with the same status and To tag (and
 * the same RSeq: another reliable provisional is a new response, RFC 3262 §3).
 */
static bool seen_response(const struct sk_trace_call *c, int32_t k, uint32_t i)
{
	const struct sk_msg *m = c->msgs[i].msg;
	for (uint32_t j = c->txns[k].request; j < i; j++) {
		const struct sk_msg *o = c->msgs[j].msg;
		if (c->msgs[j].txn == k && o && !sk_msg_is_request(o) &&
		    sk_msg_status(o) == sk_msg_status(m) &&
		    sk_str_caseeq(msg_to_tag(o), msg_to_tag(m)) &&
		    sk_trace_rseq(o) == sk_trace_rseq(m))
			return true;
	}
	return false;
}

static void add_response(struct sk_trace_call *c, int32_t k, uint32_t i)
{
	struct sk_trace_txn *t = &c->txns[k];
	struct sk_trace_msg *tm = &c->msgs[i];
	int status = sk_msg_status(tm->msg);
	tm->txn = k;
	t->responses++;
	tm->retrans = seen_response(c, k, i);
	if (status < 200) {
		if (t->first_prov < 0)
			t->first_prov = (int32_t)i;
		return;
	}
	if (status < 300 && t->first_2xx < 0)
		t->first_2xx = (int32_t)i;
	if (t->final < 0) {
		t->final = (int32_t)i;
		t->final_status = (uint16_t)status;
	}
}

/* A proxy's forwarded request carries, under its own Via, the top Via of what it received. */
static void link_parents(struct sk_trace_call *c)
{
	for (size_t k = 0; k < c->ntxns; k++) {
		struct sk_trace_txn *t = &c->txns[k];
		const struct sk_msg *m = sk_trace_flow_req(c, t);
		if (t->ack2xx || sk_msg_via_count(m) < 2)
			continue;
		const struct sk_via *below = sk_msg_via(m, 1);
		for (size_t u = 0; u < k; u++) {
			const struct sk_trace_txn *p = &c->txns[u];
			const struct sk_via *top = sk_msg_via(sk_trace_flow_req(c, p), 0);
			if (!p->ack2xx && !strcmp(p->method, t->method) && below->branch.len &&
			    sk_str_caseeq(top->branch, below->branch) &&
			    sk_str_caseeq(top->host, below->host) && top->port == below->port) {
				t->parent = (int32_t)u;
				break;
			}
		}
	}
}

static void add_request(struct sk_trace_call *c, size_t *cap, uint32_t i)
{
	struct sk_trace_msg *tm = &c->msgs[i];
	const struct sk_msg *m = tm->msg;
	bool cancel = is_method(m, "CANCEL");
	int32_t k = find_server(c, i, false);
	if (k >= 0 && is_method(m, "ACK") && !is_method(sk_trace_flow_req(c, &c->txns[k]), "ACK")) {
		/* the ACK of a non-2xx final: part of the INVITE's transaction (§17.1.1.3) */
		struct sk_trace_txn *t = &c->txns[k];
		if (t->final >= 0 && t->final_status >= 300) {
			tm->txn = k;
			tm->retrans = t->ack >= 0;
			if (t->ack < 0)
				t->ack = (int32_t)i;
			return;
		}
		k = -1; /* a 2xx's ACK with the INVITE's branch: its own transaction below */
	}
	if (k >= 0) {
		tm->txn = k;
		tm->retrans = true;
		c->txns[k].requests++;
		return;
	}
	if (is_method(m, "ACK")) { /* the ACK of a 2xx, or a retransmission of one */
		for (size_t j = c->ntxns; j-- > 0;)
			if (c->txns[j].ack2xx && c->txns[j].to_host == tm->to_host &&
			    sk_str_caseeq(sk_msg_via(sk_trace_flow_req(c, &c->txns[j]), 0)->branch,
			                  sk_msg_via(m, 0)->branch)) {
				tm->txn = (int32_t)j;
				tm->retrans = true;
				c->txns[j].requests++;
				return;
			}
	}
	k = txn_new(c, cap, i);
	if (k < 0)
		return;
	tm->txn = k;
	c->txns[k].ack2xx = is_method(m, "ACK");
	if (cancel) {
		int32_t target = find_server(c, i, true);
		c->txns[k].cancel = target;
		if (target >= 0 && c->txns[target].cancel < 0)
			c->txns[target].cancel = k;
	}
}

/* Requests need the headers the matching rules read; a message without them stays alone. */
static bool matchable(const struct sk_msg *m)
{
	return m && sk_msg_via_count(m) > 0 && sk_msg_cseq(m) && sk_msg_from(m) && sk_msg_to(m);
}

static struct sk_trace_dialog *dialog_of(struct sk_trace_call *c, struct sk_str ft,
                                         struct sk_str tt, bool create, uint32_t i)
{
	for (size_t d = 0; d < c->ndialogs; d++) {
		struct sk_trace_dialog *dl = &c->dialogs[d];
		if (sk_str_caseeq_c(ft, dl->from_tag) && sk_str_caseeq_c(tt, dl->to_tag))
			return dl;
	}
	if (!create || c->ndialogs == SK_TRACE_MAX_DIALOGS || ft.len >= 48 || tt.len >= 48)
		return NULL;
	struct sk_trace_dialog *dl = &c->dialogs[c->ndialogs++];
	sk_str_cpy(dl->from_tag, sizeof(dl->from_tag), ft);
	sk_str_cpy(dl->to_tag, sizeof(dl->to_tag), tt);
	dl->first = (int32_t)i;
	dl->confirmed = dl->ended = -1;
	dl->status = 0;
	return dl;
}

/*
 * The dialogs (§12.1): a response to an INVITE with a To tag creates one (early
 * for a 1xx, confirmed by a 2xx), a non-2xx final ends an early one, a BYE
 * ends it (either side: its tags in either order).
 */
static void dialogs(struct sk_trace_call *c)
{
	for (uint32_t i = 0; i < c->nmsgs; i++) {
		const struct sk_trace_msg *tm = &c->msgs[i];
		const struct sk_msg *m = tm->msg;
		if (!m || !sk_msg_cseq(m))
			continue;
		struct sk_str ft = msg_from_tag(m), tt = msg_to_tag(m);
		if (!sk_msg_is_request(m)) {
			int st = sk_msg_status(m);
			if (tm->txn < 0 || !c->txns[tm->txn].invite || !tt.len || st == 100)
				continue;
			/* §12.2.1.1: a re-INVITE from the callee carries the dialog's tags the
			 * other way round; it is the same dialog, not a new one */
			struct sk_trace_dialog *dl = dialog_of(c, tt, ft, false, i);
			if (!dl)
				dl = dialog_of(c, ft, tt, true, i);
			if (!dl || dl->ended >= 0)
				continue;
			if (st >= 200 && st < 300 && dl->confirmed < 0)
				dl->confirmed = (int32_t)i;
			if (st >= 200 && !dl->status)
				dl->status = (uint16_t)st;
			if (st >= 300 && dl->confirmed < 0)
				dl->ended = (int32_t)i;
		} else if (is_method(m, "BYE")) {
			struct sk_trace_dialog *dl = dialog_of(c, ft, tt, false, i);
			if (!dl)
				dl = dialog_of(c, tt, ft, false, i);
			if (dl && dl->ended < 0)
				dl->ended = (int32_t)i;
		}
	}
}

int sk_trace_flow_build(struct sk_trace_call *c)
{
	size_t cap = 0;
	for (uint32_t i = 0; i < c->nmsgs; i++) {
		struct sk_trace_msg *tm = &c->msgs[i];
		if (!matchable(tm->msg) || tm->duplicate)
			continue; /* a packet captured twice went on the wire once: no
			             retransmission */
		if (sk_msg_is_request(tm->msg)) {
			add_request(c, &cap, i);
		} else {
			int32_t k = find_client(c, i);
			if (k >= 0)
				add_response(c, k, i);
		}
	}
	link_parents(c);
	dialogs(c);
	return 0;
}
