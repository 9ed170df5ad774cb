/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Server transactions: INVITE (§17.2.1, RFC 6026 §7.1) and non-INVITE
 * (§17.2.2, RFC 4320), and the matching of requests to them (§17.2.3),
 * CANCEL included (§9.2).
 *
 * A server transaction keeps the request's bytes and its key, not the parsed
 * message: it is parsed again only if the user asks for it later, which keeps
 * a million ringing INVITEs cheap.
 */
#include <stdlib.h>
#include <string.h>

#include "txn_int.h"

static struct sk_txn *server_new(struct sk_txl *txl, struct sk_msg *m, const struct sk_flow *flow)
{
	const struct sk_via *v = sk_msg_via(m, 0);
	struct sk_str raw = sk_msg_raw(m);
	struct sk_str method = sk_msg_method(m);
	struct sk_txn *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	/*
	 * One block: the match key (branch, sent-by host) first, then the request
	 * whose method opens it, so that matching among a million live
	 * transactions touches one or two cache lines of it, not its far end.
	 */
	t->data = malloc(v->branch.len + v->host.len + raw.len + 1);
	if (!t->data) {
		free(t);
		return NULL;
	}
	char *p = t->data;
	if (v->branch.len) /* RFC 2543 peers may send none */
		memcpy(p, v->branch.p, v->branch.len);
	t->branch = (struct sk_str){p, v->branch.len};
	p += v->branch.len;
	memcpy(p, v->host.p, v->host.len);
	t->sent_host = (struct sk_str){p, v->host.len};
	p += v->host.len;
	t->req = p;
	memcpy(p, raw.p, raw.len);
	t->req_len = (uint32_t)raw.len;
	t->method = (struct sk_str){p + (method.p - raw.p), method.len};
	t->sent_port = txn_via_port(v);
	t->txl = txl;
	t->server = true;
	t->rfc2543 = !sk_via_branch_is_3261(v);
	t->node.hash = t->rfc2543 ? sk_txn_hash_2543(txl, m) : sk_txn_hash_branch(txl, v->branch);
	t->reliable = sk_proto_is_stream(flow->proto);
	t->created = sk_timers_now(txl->cfg.timers);
	bool invite = sk_txn_method_is(method, "INVITE");
	t->kind = invite ? SK_TXN_IST : SK_TXN_NIST;
	t->state = invite ? SK_TXN_PROCEEDING : SK_TXN_TRYING;
	sk_timer_init(&t->tr, sk_txn_server_retransmit_fired, t);
	sk_timer_init(&t->tt, sk_txn_server_timeout_fired, t);
	t->src = flow->remote;
	sk_tp_response_flow(txl->cfg.tp, m, flow, &t->flow);
	/* The fallback compares whole fields: an RFC 2543 transaction keeps them parsed. */
	if (t->rfc2543 && !sk_txn_msg(t)) {
		free(t->data);
		free(t);
		return NULL;
	}
	return t;
}

/* t's request parsed again from its bytes, stamped as the transport stamped it. */
static struct sk_msg *parse_request(const struct sk_txn *t)
{
	struct sk_msg *m;
	struct sk_parse_err err;
	if (sk_msg_new(&m, NULL) < 0)
		return NULL;
	/* The copy is ours: parse it in place, then (a request received) stamp it
	 * as the transport did. A client's request is parsed again the same way. */
	struct sk_flow in = t->flow;
	in.remote = t->src;
	if (sk_msg_parse(m, t->req, t->req_len, &err) < 0 ||
	    (t->server && sk_tp_stamp_request(m, &in) < 0)) {
		sk_msg_free(m);
		return NULL;
	}
	return m;
}

const struct sk_msg *sk_txn_msg(struct sk_txn *t)
{
	if (t->msg || !t->req || t->compacted)
		return t->msg;
	t->msg = parse_request(t);
	return t->msg;
}

struct sk_msg *sk_txn_msg_copy(const struct sk_txn *t)
{
	if (!t->req || t->compacted)
		return NULL;
	return parse_request(t);
}

/* ---- sending responses --------------------------------------------------- */

/* "SIP/2.0 ddd": the status of a response the user wrote, 0 if it is none. */
static int status_of(struct sk_str r)
{
	if (r.len < 12 || !sk_str_caseeq_c((struct sk_str){r.p, 8}, "SIP/2.0 "))
		return 0;
	int code = 0;
	for (int i = 8; i < 11; i++) {
		if (r.p[i] < '0' || r.p[i] > '9')
			return 0;
		code = code * 10 + (r.p[i] - '0');
	}
	return code >= 100 && code <= 699 && r.p[11] == ' ' ? code : 0;
}

static int keep_response(struct sk_txn *t, struct sk_str r)
{
	char *copy = malloc(r.len);
	if (!copy)
		return -SK_ENOMEM;
	memcpy(copy, r.p, r.len);
	free(t->resp);
	t->resp = copy;
	t->resp_len = (uint32_t)r.len;
	return 0;
}

/* RFC 2543 peers ACK with the To tag of our final: keep it for matching (§17.2.3). */
static int keep_to_tag(struct sk_txn *t, struct sk_str r)
{
	struct sk_msg *m;
	struct sk_parse_err err;
	int rc = sk_msg_new(&m, NULL);
	if (rc < 0)
		return rc;
	if ((rc = sk_msg_parse(m, r.p, r.len, &err)) == 0 && sk_msg_to(m)) {
		struct sk_str tag = sk_msg_to(m)->tag;
		free(t->to_tag);
		t->to_tag = tag.len ? strndup(tag.p, tag.len) : NULL;
	}
	sk_msg_free(m);
	return rc;
}

int sk_txn_respond(struct sk_txn *t, struct sk_str r)
{
	if (!t || !t->server || !r.p)
		return -SK_EINVAL;
	int code = status_of(r);
	if (!code)
		return -SK_EINVAL;
	struct sk_txl *txl = t->txl;
	const struct sk_txn_times *tm = &txl->cfg.times;
	bool invite = t->kind == SK_TXN_IST;
	enum sk_txn_state st = (enum sk_txn_state)t->state;
	if (st == SK_TXN_ACCEPTED) {
		if (code < 200 || code >= 300)
			return -SK_ESTATE;
		return sk_txn_send(t, r.p, r.len); /* RFC 6026 §7.1: 2xx pass through in Accepted */
	}
	if (st != SK_TXN_PROCEEDING && st != SK_TXN_TRYING)
		return -SK_ESTATE;
	if (!invite && code > 100 && code < 200)
		return -SK_EINVAL; /* RFC 4320 §4.1: no provisional but 100 to a non-INVITE */
	int rc = keep_response(t, r);
	if (rc == 0 && t->rfc2543 && code >= 200)
		rc = keep_to_tag(t, r);
	if (rc < 0)
		return rc;
	t->tu_answered = true;
	t->status = (uint16_t)code;
	sk_txn_hold(t);
	if (code < 200) {
		if (!invite)
			t->state = SK_TXN_PROCEEDING;
		if (invite)
			sk_timer_stop(txl->cfg.timers, &t->tr); /* no 100 of our own now */
	} else if (invite && code < 300) {
		t->state = SK_TXN_ACCEPTED;
		sk_timer_stop(txl->cfg.timers, &t->tr);
		sk_timer_start(txl->cfg.timers, &t->tt, 64u * tm->t1); /* Timer L */
	} else if (invite) {
		t->state = SK_TXN_COMPLETED;
		sk_timer_stop(txl->cfg.timers, &t->tr);
		if (!t->reliable) {
			t->interval = tm->t1;
			sk_timer_start(txl->cfg.timers, &t->tr, t->interval); /* Timer G */
		}
		sk_timer_start(txl->cfg.timers, &t->tt, 64u * tm->t1); /* Timer H */
	} else {
		t->state = SK_TXN_COMPLETED;
	}
	rc = sk_txn_send(t, t->resp, t->resp_len);
	if (rc == 0 && !invite && code >= 200)
		sk_txn_absorb(t, t->reliable ? 0 : 64u * tm->t1); /* Timer J */
	sk_txn_release(t);
	return rc;
}

int sk_txn_reply(struct sk_txn *t, int code, const char *reason, const char *to_tag)
{
	if (!t || !t->server)
		return -SK_EINVAL;
	bool was_parsed = t->msg != NULL;
	const struct sk_msg *req = sk_txn_msg(t);
	if (!req)
		return -SK_ENOMEM;
	sk_txn_hold(t); /* the response may end t (Timer J is zero over TCP) */
	struct sk_build *b = NULL;
	struct sk_str wire;
	int rc = sk_build_response_to(&b, req, code, reason, to_tag);
	if (rc == 0 && (rc = sk_build_finish(b, &wire)) == 0)
		rc = sk_txn_respond(t, wire);
	sk_build_free(b);
	/*
	 * A parse made only for this reply is dropped again: a ringing INVITE
	 * answered later keeps its bytes, not a parsed copy (3x the memory).
	 * An RFC 2543 transaction needs its parse for matching.
	 */
	if (!was_parsed && t->msg && !t->rfc2543 && !t->msg_borrowed &&
	    t->state != SK_TXN_TERMINATED) {
		sk_msg_free(t->msg);
		t->msg = NULL;
	}
	sk_txn_release(t);
	return rc;
}

void sk_txn_limit_retransmits(struct sk_txn *st, unsigned n)
{
	if (st && st->kind == SK_TXN_IST)
		st->g_max = (uint8_t)(n > 255 ? 255 : n ? n : 1);
}

/* ---- requests ------------------------------------------------------------ */

/* A retransmission of the request: the last response again, or nothing. */
static void retransmitted(struct sk_txn *t)
{
	switch (t->state) {
	case SK_TXN_PROCEEDING: /* IST with a provisional, NIST with its 100 */
	case SK_TXN_COMPLETED:
		if (t->resp)
			sk_txn_send(t, t->resp, t->resp_len);
		break;
	default: break; /* Trying, Confirmed, Accepted: absorbed (RFC 6026 §7.1 for the last) */
	}
}

/* An ACK matching an INVITE server transaction (§17.2.1, RFC 6026 §7.1). */
static void ist_ack(struct sk_txn *t, struct sk_msg *m, const struct sk_flow *flow)
{
	struct sk_txl *txl = t->txl;
	if (t->state == SK_TXN_COMPLETED) {
		t->state = SK_TXN_CONFIRMED;
		sk_timer_stop(txl->cfg.timers, &t->tt);
		sk_txn_absorb(t, t->reliable ? 0 : txl->cfg.times.t4); /* Timer I */
	} else if (t->state == SK_TXN_ACCEPTED && txl->user.ack) {
		txl->user.ack(txl->user.arg, t, m, flow);
	}
}

static void hand_up(struct sk_txl *txl, struct sk_txn *t, struct sk_msg *m, struct sk_txn *target)
{
	/* During the callback the user's sk_txn_msg is the message itself. */
	bool had = t->msg != NULL;
	if (!had) {
		t->msg = m;
		t->msg_borrowed = true;
	}
	if (txl->user.request)
		txl->user.request(txl->user.arg, t, m, target);
	if (t->msg_borrowed) {
		t->msg = NULL;
		t->msg_borrowed = false;
	}
}

/*
 * No state could be kept for m: a 503 with Retry-After (§21.5.4), statelessly,
 * so that the client tries again or elsewhere instead of waiting out Timer B
 * or F. Best effort: it needs memory too.
 */
static void reply_unavailable(struct sk_txl *txl, struct sk_msg *m, const struct sk_flow *flow)
{
	struct sk_build *b;
	struct sk_str wire;
	struct sk_flow out;
	if (sk_build_response_to(&b, m, 503, NULL, NULL) < 0)
		return;
	if (sk_build_hdr(b, "Retry-After", SK_STR_LIT("5")) == 0 &&
	    sk_build_finish(b, &wire) == 0 && sk_tp_response_flow(txl->cfg.tp, m, flow, &out) == 0)
		sk_tp_send(txl->cfg.tp, &out, wire.p, wire.len);
	sk_build_free(b);
}

void sk_txn_server_request(struct sk_txl *txl, struct sk_msg *m, const struct sk_flow *flow)
{
	struct sk_str method = sk_msg_method(m);
	bool is_ack = sk_txn_method_is(method, "ACK");
	struct sk_txn *t = sk_txn_table_find_server(txl, m, is_ack ? SK_STR_LIT("INVITE") : method);
	if (t) {
		sk_txn_hold(t);
		if (is_ack)
			ist_ack(t, m, flow);
		else
			retransmitted(t);
		sk_txn_release(t);
		return;
	}
	if (is_ack) {
		/* an ACK for a 2xx: its own transaction, for the user's dialog (§17.1.1.3) */
		if (txl->user.ack)
			txl->user.ack(txl->user.arg, NULL, m, flow);
		return;
	}
	/* Bounded (issue: a stranger must not make us hold unbounded state): new
	 * work is shed, never a CANCEL (§9.2: it ends state) or a request of a
	 * dialog; retransmissions matched above. */
	if (sk_txl_count(txl) >= txl->cfg.max_transactions && !sk_txn_method_is(method, "CANCEL") &&
	    !sk_msg_to(m)->tag.len) {
		sk_logf(txl->cfg.log, SK_LOG_WARN,
		        "txn: %zu transactions: new request refused (503)", sk_txl_count(txl));
		reply_unavailable(txl, m, flow);
		return;
	}
	enum sk_admit admit = txl->user.admit ? txl->user.admit(txl->user.arg, m, flow) : SK_ADMIT;
	if (admit != SK_ADMIT) {
		if (admit == SK_ADMIT_SHED)
			reply_unavailable(txl, m, flow);
		return;
	}
	t = server_new(txl, m, flow);
	if (!t) {
		sk_logf(txl->cfg.log, SK_LOG_ERR, "txn: out of memory for a server transaction");
		reply_unavailable(txl, m, flow);
		return;
	}
	sk_txn_table_insert(txl, t);
	struct sk_txn *target = NULL;
	if (sk_txn_method_is(method, "CANCEL"))
		target = sk_txn_table_find_cancel_target(txl, m); /* §9.2 */
	if (t->kind == SK_TXN_IST)
		sk_timer_start(txl->cfg.timers, &t->tr, txl->cfg.times.trying); /* §17.2.1 */
	else /* the client gives up at Timer F: so do we, should the user never answer */
		sk_timer_start(txl->cfg.timers, &t->tt,
		               64u * txl->cfg.times.t1 + txl->cfg.times.t4);
	sk_txn_hold(t);
	if (target)
		sk_txn_hold(target);
	hand_up(txl, t, m, target);
	if (target)
		sk_txn_release(target);
	sk_txn_release(t);
}

/* ---- timers -------------------------------------------------------------- */

/* §17.2.1: 100 Trying when the user is silent for 200 ms; Timer G. */
void sk_txn_server_retransmit_fired(void *arg)
{
	struct sk_txn *t = arg;
	struct sk_txl *txl = t->txl;
	sk_txn_hold(t);
	if (t->state == SK_TXN_PROCEEDING && t->kind == SK_TXN_IST && !t->tu_answered) {
		sk_txn_reply(t, 100, NULL, NULL);
	} else if (t->state == SK_TXN_COMPLETED && t->kind == SK_TXN_IST) {
		uint32_t t2 = txl->cfg.times.t2;
		if (t->g_max && t->g_sent++ >= t->g_max) {
			sk_txn_release(t);
			return; /* Timer H still ends it; the client's retransmissions still get it
			         */
		}
		t->interval = t->interval * 2 < t2 ? t->interval * 2 : t2;
		if (sk_txn_send(t, t->resp, t->resp_len) == 0)
			sk_timer_start(txl->cfg.timers, &t->tr, t->interval);
	}
	sk_txn_release(t);
}

/*
 * H: no ACK (the user hears of it); I, J, L: the end; a non-INVITE the user
 * never answered. An INVITE may ring as long as its user wants (Timer C is a
 * proxy's, §16.8).
 */
void sk_txn_server_timeout_fired(void *arg)
{
	struct sk_txn *t = arg;
	if ((t->state == SK_TXN_COMPLETED && t->kind == SK_TXN_IST) ||
	    t->state == SK_TXN_PROCEEDING || t->state == SK_TXN_TRYING)
		sk_txn_fail(t, -SK_ETIMEDOUT);
	else
		sk_txn_terminate(t);
}
