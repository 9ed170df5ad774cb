/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client transactions: INVITE (§17.1.1, RFC 6026 §7.2) and non-INVITE
 * (§17.1.2, RFC 4320), and the CANCEL of a client INVITE (§9.1).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txn_int.h"

#define VIA_MAX 256

/* The request with our Via inserted after the request line. */
static int compose(struct sk_txl *txl, struct sk_str req, const struct sk_flow *flow,
                   struct sk_str branch, char **out, size_t *out_len)
{
	const char *eol = memchr(req.p, '\n', req.len);
	if (!eol)
		return -SK_EMALFORMED;
	size_t head = (size_t)(eol + 1 - req.p);
	char via[VIA_MAX];
	size_t via_len;
	int rc = sk_tp_via(txl->cfg.tp, flow, branch, via, sizeof(via), &via_len);
	if (rc < 0)
		return rc;
	size_t n = req.len + via_len + 7;
	char *buf = malloc(n);
	if (!buf)
		return -SK_ENOMEM;
	memcpy(buf, req.p, head);
	memcpy(buf + head, "Via: ", 5);
	memcpy(buf + head + 5, via, via_len);
	memcpy(buf + head + 5 + via_len, "\r\n", 2);
	memcpy(buf + head + 7 + via_len, req.p + head, req.len - head);
	*out = buf;
	*out_len = n;
	return 0;
}

/* The MAC of a stateless request's branch, under the layer's secret key. */
static uint32_t stateless_mac(const struct sk_txl *txl, const char *branch, size_t len)
{
	uint64_t h = sk_hash(&txl->key, branch, len);
	return (uint32_t)(h ^ (h >> 32));
}

/*
 * A request sent without a transaction (a CANCEL or ACK a proxy passes on,
 * §16.11) carries a branch "RANDOM.sMAC": the responses to it, which no
 * transaction awaits, are known for answers to us by the MAC alone, and
 * anything else that matches no transaction can be dropped (a stranger's
 * responses are not relayed to a Via of its choosing).
 */
bool sk_txl_branch_is_ours(const struct sk_txl *txl, struct sk_str branch)
{
	const char *dot = branch.len > 10 ? branch.p + branch.len - 10 : NULL;
	if (!dot || dot[0] != '.' || dot[1] != 's')
		return false;
	uint32_t want = stateless_mac(txl, branch.p, (size_t)(dot - branch.p)), got = 0;
	for (int i = 2; i < 10; i++) {
		char c = dot[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (v < 0)
			return false;
		got = got << 4 | (uint32_t)v;
	}
	return got == want;
}

/*
 * Chooses the flow (§18.1.1: by the size with our Via) and composes the
 * request; suffix NULL: a stateless request (its branch gets a MAC).
 */
static int prepare(struct sk_txl *txl, struct sk_str req, const struct sk_target *dst,
                   struct sk_flow *flow, char *branch, size_t branch_size, const char *suffix,
                   char **out, size_t *out_len)
{
	size_t blen = sk_tp_branch(txl->cfg.tp, branch, branch_size);
	char mac[16];
	if (!suffix) { /* stateless: the branch vouches for itself (sk_txl_branch_is_ours) */
		struct sk_fmt m;
		sk_fmt_init(&m, mac, sizeof(mac));
		sk_fmt_char(&m, 's');
		sk_fmt_hex(&m, stateless_mac(txl, branch, blen), 8);
		suffix = mac;
	}
	if (*suffix) {           /* e.g. a proxy's loop-detection hash (§16.6 step 8) */
		struct sk_fmt f; /* ".%s" after the branch, without printf: every request */
		sk_fmt_init(&f, branch + blen, branch_size - blen);
		sk_fmt_char(&f, '.');
		sk_fmt_cstr(&f, suffix);
		size_t n;
		if (sk_fmt_done(&f, &n) < 0)
			return -SK_EINVAL;
		blen += n;
	}
	int rc = sk_tp_flow_for(txl->cfg.tp, dst, req.len + VIA_MAX / 2, flow);
	if (rc < 0)
		return rc;
	return compose(txl, req, flow, (struct sk_str){branch, blen}, out, out_len);
}

/* The hop record's room at the head of a client's block, kept aligned for the request after it. */
static size_t hop_room(size_t hop_size)
{
	return (hop_size + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
}

/*
 * A client transaction on its own copy of wire; method and branch are views
 * into wire. An INVITE (inv set: wire parsed) also keeps the hop record its
 * CANCEL and ACK are built from (§9.1, §17.1.1.3): a pending transaction keeps
 * its request as bytes and that record, never a parse (a parse is several
 * KB; a proxy holds one request per branch of every ringing call).
 */
static struct sk_txn *client_new(struct sk_txl *txl, struct sk_str wire, struct sk_str method,
                                 struct sk_str branch, const struct sk_msg *inv,
                                 const struct sk_flow *flow)
{
	size_t hop_size = inv ? sk_hop_size(inv) : 0, room = hop_room(hop_size);
	if (inv && !hop_size)
		return NULL;
	struct sk_txn *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->data = malloc(room + (wire.len ? wire.len : 1));
	if (!t->data) {
		free(t);
		return NULL;
	}
	if (inv) {
		t->hop = (struct sk_hop *)(void *)t->data; /* malloc'd: aligned */
		sk_hop_fill(t->hop, hop_size, inv);
	}
	t->req = t->data + room;
	memcpy(t->req, wire.p, wire.len);
	t->req_len = (uint32_t)wire.len;
	t->txl = txl;
	t->flow = *flow;
	t->method = (struct sk_str){t->req + (method.p - wire.p), method.len};
	t->branch = (struct sk_str){t->req + (branch.p - wire.p), branch.len};
	t->node.hash = sk_txn_hash_branch(txl, t->branch);
	t->reliable = sk_proto_is_stream(flow->proto);
	t->created = sk_timers_now(txl->cfg.timers);
	bool invite = sk_txn_method_is(t->method, "INVITE");
	t->kind = invite ? SK_TXN_ICT : SK_TXN_NICT;
	t->state = invite ? SK_TXN_CALLING : SK_TXN_TRYING;
	sk_timer_init(&t->tr, sk_txn_client_retransmit_fired, t);
	sk_timer_init(&t->tt, sk_txn_client_timeout_fired, t);
	return t;
}

/* A span of the hop record moved to its place in the compact bytes at *at. */
static struct sk_span keep_span(struct sk_span s, const char *raw, char *out, size_t *at)
{
	if (s.off & SK_SPAN_EXTRA) /* unfolded: in the record itself, copied with it */
		return s;
	memcpy(out + *at, raw + s.off, s.len);
	struct sk_span moved = {(uint32_t)*at, s.len};
	*at += s.len;
	return moved;
}

/*
 * An ICT that is Proceeding sends its request no more (§17.1.1.2: Timer A ends
 * with the first provisional): its CANCEL (§9.1) and the ACK of a non-2xx final
 * (§17.1.1.3) are built from the hop record, which names the Request-URI, top
 * Via, From, To, Call-ID and Route values. Those bytes and the record are kept
 * in a new block; the rest of the INVITE (its other headers, the body) goes.
 * Nothing changes when anything is out of the ordinary (a parse held, a branch
 * outside the Via's bytes) or memory is short.
 */
static void compact(struct sk_txn *t)
{
	struct sk_hop *h = t->hop;
	if (!t->txl->compact || !h || t->msg || t->compacted)
		return;
	if ((h->via.off & SK_SPAN_EXTRA) || t->branch.p < t->req + h->via.off ||
	    t->branch.p + t->branch.len > t->req + h->via.off + h->via.len)
		return;
	size_t hs =
	    offsetof(struct sk_hop, route) + h->nroutes * sizeof(struct sk_span) + h->extra_len;
	size_t room = hop_room(hs), bytes = 0;
	struct sk_span *spans[] = {&h->ruri, &h->via, &h->from, &h->to, &h->call_id};
	for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++)
		if (!(spans[i]->off & SK_SPAN_EXTRA))
			bytes += spans[i]->len;
	for (uint32_t i = 0; i < h->nroutes; i++)
		if (!(h->route[i].off & SK_SPAN_EXTRA))
			bytes += h->route[i].len;
	char *data = malloc(room + (bytes ? bytes : 1));
	if (!data)
		return;
	struct sk_hop *nh = (struct sk_hop *)(void *)data; /* malloc'd: aligned */
	memcpy(nh, h, hs);
	char *out = data + room;
	size_t at = 0;
	size_t branch_in_via = (size_t)(t->branch.p - (t->req + h->via.off));
	nh->ruri = keep_span(h->ruri, t->req, out, &at);
	nh->via = keep_span(h->via, t->req, out, &at);
	nh->from = keep_span(h->from, t->req, out, &at);
	nh->to = keep_span(h->to, t->req, out, &at);
	nh->call_id = keep_span(h->call_id, t->req, out, &at);
	for (uint32_t i = 0; i < h->nroutes; i++)
		nh->route[i] = keep_span(h->route[i], t->req, out, &at);
	t->branch = (struct sk_str){out + nh->via.off + branch_in_via, t->branch.len};
	t->method = SK_STR_LIT("INVITE");
	free(t->data);
	t->data = data;
	t->hop = nh;
	t->req = out;
	t->req_len = (uint32_t)at;
	t->compacted = true;
}

/*
 * A client transaction on buf, parsed once in place: what it is, and for an INVITE its
 * hop record. shallow: buf is a request the proxy composed from a
 * parse (sk_txn_request_branch), read only for what the transaction and its hop
 * record need (sk_msg_parse_shallow); otherwise it is parsed whole, and a request
 * that does not parse is not sent.
 */
static struct sk_txn *client_from_wire(struct sk_txl *txl, const char *buf, size_t len,
                                       const struct sk_flow *flow, bool shallow, int *rc)
{
	struct sk_msg *m;
	struct sk_parse_err err = {0};
	struct sk_txn *t = NULL;
	if ((*rc = sk_msg_new(&m, NULL)) < 0)
		return NULL;
	if ((*rc = shallow ? sk_msg_parse_shallow(m, buf, len, &err)
	                   : sk_msg_parse(m, buf, len, &err)) == 0 &&
	    (!sk_msg_is_request(m) || !sk_msg_cseq(m) ||
	     sk_txn_method_is(sk_msg_method(m), "ACK"))) {
		/* an ACK is never a transaction (§17.1.1.3): sk_txl_send_stateless */
		err.why = "not a request with a CSeq, or an ACK";
		*rc = -SK_EINVAL;
	}
	if (*rc == 0) {
		bool invite = sk_txn_method_is(sk_msg_method(m), "INVITE");
		t = client_new(txl, (struct sk_str){buf, len}, sk_msg_method(m),
		               sk_msg_via(m, 0)->branch, invite ? m : NULL, flow);
		if (!t)
			*rc = -SK_ENOMEM;
	} else {
		sk_logf(txl->cfg.log, SK_LOG_ERR, "txn: request not sent: %s",
		        err.why ? err.why : sk_strerror(*rc));
	}
	sk_msg_free(m);
	return t;
}

/* Starts the machine: Timer A or E when unreliable, B or F always (§17.1.1.2, §17.1.2.2). */
static int client_start(struct sk_txn *t)
{
	struct sk_txl *txl = t->txl;
	const struct sk_txn_times *tm = &txl->cfg.times;
	sk_txn_table_insert(txl, t);
	sk_txn_hold(t);
	int rc = sk_txn_send(t, t->req, t->req_len);
	if (rc == 0) {
		if (!t->reliable) {
			t->interval = tm->t1;
			sk_timer_start(txl->cfg.timers, &t->tr, t->interval);
		}
		sk_timer_start(txl->cfg.timers, &t->tt, 64u * tm->t1);
	}
	sk_txn_release(t);
	return rc;
}

static int request(struct sk_txl *txl, struct sk_str req, const struct sk_target *dst,
                   const struct sk_txn_handler *h, void *arg, const char *suffix, bool shallow,
                   struct sk_txn **out)
{
	if (!txl || !req.p || !dst)
		return -SK_EINVAL;
	char branch[96], *buf;
	size_t len;
	struct sk_flow flow;
	int rc =
	    prepare(txl, req, dst, &flow, branch, sizeof(branch), suffix ? suffix : "", &buf, &len);
	if (rc < 0)
		return rc;
	struct sk_txn *t = client_from_wire(txl, buf, len, &flow, shallow, &rc);
	free(buf);
	if (!t)
		return rc;
	sk_txn_hold(t);
	/* bound only once it is out: a send that fails at once ends t unheard,
	 * and the caller learns it from rc alone */
	rc = client_start(t);
	if (rc == 0)
		sk_txn_bind(t, h, arg);
	if (out)
		*out = rc == 0 ? t : NULL;
	sk_txn_release(t);
	return rc;
}

int sk_txn_request(struct sk_txl *txl, struct sk_str req, const struct sk_target *dst,
                   const struct sk_txn_handler *h, void *arg, struct sk_txn **out)
{
	return request(txl, req, dst, h, arg, NULL, false, out);
}

int sk_txn_request_branch(struct sk_txl *txl, struct sk_str req, const struct sk_target *dst,
                          const struct sk_txn_handler *h, void *arg, const char *suffix,
                          struct sk_txn **out)
{
	return request(txl, req, dst, h, arg, suffix, true, out);
}

int sk_txl_prepare_stateless(struct sk_txl *txl, struct sk_str req, const struct sk_target *dst,
                             struct sk_flow *flow, char **wire, size_t *len)
{
	char branch[64];
	if (!txl || !req.p || !dst || !flow || !wire || !len)
		return -SK_EINVAL;
	return prepare(txl, req, dst, flow, branch, sizeof(branch), NULL, wire, len);
}

int sk_txl_send_stateless(struct sk_txl *txl, struct sk_str req, const struct sk_target *dst)
{
	char branch[64], *buf;
	size_t len;
	struct sk_flow flow;
	int rc = prepare(txl, req, dst, &flow, branch, sizeof(branch), NULL, &buf, &len);
	if (rc < 0)
		return rc;
	rc = sk_tp_send(txl->cfg.tp, &flow, buf, len);
	free(buf);
	return rc;
}

/* ---- CANCEL (§9.1) ------------------------------------------------------- */

/*
 * The CANCEL: a non-INVITE client transaction on the INVITE's branch and flow.
 * Contract: on an error before anything is sent, nothing has changed (the
 * Reason is kept for another try); once the CANCEL transaction exists, the
 * INVITE is given up if no final comes within 64*T1 (§9.1), even when the
 * CANCEL itself could not be sent.
 */
static int send_cancel(struct sk_txn *ict)
{
	struct sk_txl *txl = ict->txl;
	struct sk_build *b;
	struct sk_str wire;
	int rc = sk_build_cancel_hop(&b, ict->hop, ict->req, ict->cancel_reason);
	if (rc < 0)
		return rc;
	struct sk_txn *c = NULL;
	if ((rc = sk_build_finish(b, &wire)) == 0) {
		/* "CANCEL" opens it; the INVITE's branch is in the Via line after it */
		const char *eol = memchr(wire.p, '\n', wire.len);
		const char *br = eol ? memmem(eol, (size_t)(wire.p + wire.len - eol), ict->branch.p,
		                              ict->branch.len)
		                     : NULL;
		rc = -SK_EINVAL;
		if (br)
			c = client_new(txl, wire, (struct sk_str){wire.p, 6},
			               (struct sk_str){br, ict->branch.len}, NULL, &ict->flow);
		if (br && !c)
			rc = -SK_ENOMEM;
	}
	sk_build_free(b);
	if (!c)
		return rc;
	free(ict->cancel_reason);
	ict->cancel_reason = NULL;
	c->cancel = ict;
	ict->cancel = c;
	/* §9.1: no final within 64*T1 of the CANCEL: the INVITE is given up */
	sk_timer_start(txl->cfg.timers, &ict->tt, 64u * txl->cfg.times.t1);
	sk_txn_hold(c);
	rc = client_start(c);
	if (rc == 0) {
		sk_txn_bind(c, ict->cancel_h, ict->cancel_arg);
		ict->cancel_sent = true; /* ict is held by whoever asked (callers of send_cancel) */
	}
	sk_txn_release(c);
	return rc;
}

int sk_txn_cancel(struct sk_txn *ict, const char *reason, const struct sk_txn_handler *h, void *arg)
{
	if (!ict || ict->kind != SK_TXN_ICT)
		return -SK_EINVAL;
	if (ict->state >= SK_TXN_COMPLETED)
		return -SK_ESTATE; /* a final has come: nothing to cancel (§9.1) */
	if (ict->cancel_asked)
		return SK_CANCEL_ALREADY;
	char *copy = NULL;
	if (reason && !(copy = strdup(reason)))
		return -SK_ENOMEM; /* nothing asked: the caller may try again */
	ict->cancel_reason = copy;
	ict->cancel_h = h;
	ict->cancel_arg = h ? arg : NULL;
	ict->cancel_asked = true;
	if (ict->state == SK_TXN_CALLING)
		return SK_CANCEL_DEFERRED; /* §9.1: not before a provisional */
	sk_txn_hold(ict); /* a failed send can end the INVITE too (its connection is lost) */
	int rc = send_cancel(ict);
	if (rc < 0 && !ict->cancel && ict->state != SK_TXN_TERMINATED) {
		/* not sent: as if never asked (a CANCEL that did go out keeps it asked) */
		ict->cancel_asked = false;
		free(ict->cancel_reason);
		ict->cancel_reason = NULL;
	}
	sk_txn_release(ict);
	return rc < 0 ? rc : SK_CANCEL_SENT;
}

/* ---- responses ----------------------------------------------------------- */

static void to_tu(struct sk_txn *t, const struct sk_msg *m)
{
	if (t->h && t->h->response)
		t->h->response(t->arg, t, m);
}

/* §17.1.1.3: the ACK for a non-2xx final, on the INVITE's branch and flow. */
static int send_ack(struct sk_txn *t, const struct sk_msg *resp)
{
	struct sk_build *b;
	struct sk_str wire;
	int rc = sk_build_ack_hop(&b, t->hop, t->req, resp);
	if (rc < 0)
		return rc;
	if ((rc = sk_build_finish(b, &wire)) == 0) {
		free(t->resp);
		t->resp = malloc(wire.len);
		if (t->resp) {
			memcpy(t->resp, wire.p, wire.len);
			t->resp_len = (uint32_t)wire.len;
		} else {
			rc = -SK_ENOMEM;
		}
	}
	sk_build_free(b);
	return rc < 0 ? rc : sk_txn_send(t, t->resp, t->resp_len);
}

/*
 * An INVITE client transaction in Completed answers each retransmission of its final
 * with the same ACK, and does nothing else for Timer D's 32 s (§17.1.1.2): its request
 * and hop record go, and its branch becomes a view into that ACK, whose Via is the
 * INVITE's (§17.1.1.3). What a proxy keeps per ended branch for those 32 s falls to the
 * struct and the ACK.
 */
static void keep_only_ack(struct sk_txn *t)
{
	if (!t->txl->compact || !t->resp || t->msg || !t->data || !t->branch.len)
		return;
	const char *b = memmem(t->resp, t->resp_len, t->branch.p, t->branch.len);
	if (!b)
		return;
	t->branch = (struct sk_str){b, t->branch.len};
	t->method = SK_STR_LIT("INVITE");
	free(t->data);
	t->data = NULL;
	t->hop = NULL;
	t->req = NULL;
	t->req_len = 0;
	t->compacted = true;
}

static void ict_response(struct sk_txn *t, const struct sk_msg *m, int code)
{
	struct sk_txl *txl = t->txl;
	const struct sk_txn_times *tm = &txl->cfg.times;
	switch (t->state) {
	case SK_TXN_CALLING:
	case SK_TXN_PROCEEDING:
		t->status = (uint16_t)code;
		if (code < 200) {
			sk_timer_stop(txl->cfg.timers, &t->tr);
			if (t->state == SK_TXN_CALLING) {
				t->state = SK_TXN_PROCEEDING;
				sk_timer_stop(txl->cfg.timers,
				              &t->tt); /* Timer B ends with Calling */
				compact(t);
			}
			to_tu(t, m);
			if (t->cancel_asked && !t->cancel && t->state == SK_TXN_PROCEEDING &&
			    send_cancel(t) < 0 && !t->cancel) {
				/* asked, but it cannot be built: the INVITE still ends (§9.1) */
				sk_logf(txl->cfg.log, SK_LOG_ERR, "txn: CANCEL not sent");
				sk_timer_start(txl->cfg.timers, &t->tt, 64u * tm->t1);
			}
		} else if (code < 300) {
			t->state = SK_TXN_ACCEPTED; /* RFC 6026 §7.2 */
			sk_timer_stop(txl->cfg.timers, &t->tr);
			sk_timer_start(txl->cfg.timers, &t->tt, 64u * tm->t1); /* Timer M */
			to_tu(t, m);
		} else {
			t->state = SK_TXN_COMPLETED;
			sk_timer_stop(txl->cfg.timers, &t->tr);
			sk_timer_stop(txl->cfg.timers, &t->tt);
			/* An ACK that cannot be built is tried again on the next
			 * retransmission of the final; one that the transport refused
			 * has ended t (§17.1.4). Either way the final goes up, and
			 * Timer D ends t. */
			if (send_ack(t, m) < 0 && t->state == SK_TXN_TERMINATED)
				return;
			to_tu(t, m);
			if (t->state == SK_TXN_COMPLETED && !t->reliable)
				keep_only_ack(t);
			sk_txn_absorb(t, t->reliable ? 0 : tm->timer_d); /* Timer D */
		}
		break;
	case SK_TXN_COMPLETED:
		if (code >= 300 && t->resp)
			sk_txn_send(t, t->resp,
			            t->resp_len); /* the same ACK for each retransmission */
		else if (code >= 300)
			send_ack(t, m); /* it could not be built the first time */
		else if (code >= 200 && code < 300)
			/* a 2xx after a non-2xx final (a proxy that gave up on a branch
			 * passes a late answer on, §16.7 step 5): the TU ACKs and ends it */
			to_tu(t, m);
		break;
	case SK_TXN_ACCEPTED:
		if (code >= 200 && code < 300)
			to_tu(t, m); /* every 2xx: the TU ACKs each (RFC 6026 §7.2) */
		break;
	default: break;
	}
}

static void nict_response(struct sk_txn *t, const struct sk_msg *m, int code)
{
	struct sk_txl *txl = t->txl;
	if (t->state != SK_TXN_TRYING && t->state != SK_TXN_PROCEEDING)
		return; /* Completed absorbs retransmissions */
	t->status = (uint16_t)code;
	if (code < 200) {
		t->state = SK_TXN_PROCEEDING;
		to_tu(t, m);
		return;
	}
	t->state = SK_TXN_COMPLETED;
	sk_timer_stop(txl->cfg.timers, &t->tr);
	sk_timer_stop(txl->cfg.timers, &t->tt);
	to_tu(t, m);
	sk_txn_absorb(t, t->reliable ? 0 : txl->cfg.times.t4); /* Timer K */
}

void sk_txn_client_response(struct sk_txn *t, const struct sk_msg *m)
{
	int code = sk_msg_status(m);
	sk_txn_hold(t);
	if (t->kind == SK_TXN_ICT)
		ict_response(t, m, code);
	else
		nict_response(t, m, code);
	sk_txn_release(t);
}

/* ---- timers -------------------------------------------------------------- */

/* Timer A (doubling) or E (doubling up to T2; T2 in Proceeding). */
void sk_txn_client_retransmit_fired(void *arg)
{
	struct sk_txn *t = arg;
	struct sk_txl *txl = t->txl;
	const struct sk_txn_times *tm = &txl->cfg.times;
	struct sk_str raw = {t->req, t->req_len};
	if (t->kind == SK_TXN_ICT) {
		if (t->state != SK_TXN_CALLING)
			return;
		t->interval *= 2;
	} else {
		if (t->state == SK_TXN_TRYING)
			t->interval = t->interval * 2 < tm->t2 ? t->interval * 2 : tm->t2;
		else if (t->state == SK_TXN_PROCEEDING)
			t->interval = tm->t2;
		else
			return;
	}
	sk_txn_hold(t);
	if (sk_txn_send(t, raw.p, raw.len) == 0)
		sk_timer_start(txl->cfg.timers, &t->tr, t->interval);
	sk_txn_release(t);
}

/* B, F (and §9.1's 64*T1 after a CANCEL): failure; D, K, M: the end. */
void sk_txn_client_timeout_fired(void *arg)
{
	struct sk_txn *t = arg;
	if (t->state == SK_TXN_CALLING || t->state == SK_TXN_TRYING ||
	    t->state == SK_TXN_PROCEEDING)
		sk_txn_fail(t, -SK_ETIMEDOUT);
	else
		sk_txn_terminate(t);
}
