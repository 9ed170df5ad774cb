/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Requests we receive (§8.2, §12.2.2, §13.3, §9.2, §14.2, §15.1.2): the
 * checks a UAS makes before anything else, new calls, requests within a
 * dialog (481 for none), CANCEL (200, then 487 to the INVITE), the 2xx
 * retransmitted until its ACK, BYE and re-INVITE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua_int.h"

#define ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE"

static bool is_method(struct sk_str m, const char *name)
{
	return sk_str_eq(m, sk_str_c(name));
}

/* A response with extra header lines ("Name: value\r\n"...) and an optional SDP body. */
static int respond(struct sk_txn *st, int code, const char *reason, const char *tag,
                   const char *extra, const char *sdp, struct sk_str *kept, char **keep)
{
	const struct sk_msg *req = sk_txn_msg(st);
	struct sk_build *b;
	struct sk_str wire;
	if (!req)
		return -SK_ENOMEM;
	int rc = sk_build_response_to(&b, req, code, reason, tag);
	if (rc < 0)
		return rc;
	/* §12.1.1: a response that creates a dialog copies the Record-Route */
	if (code > 100 && code < 300 && tag)
		rc = sk_build_copy(b, req, SK_HDR_RECORD_ROUTE);
	if (rc == 0 && extra)
		rc = sk_build_hdr_lines(b, extra);
	if (rc == 0 && sdp)
		rc = sk_build_body(b, "application/sdp", sdp, strlen(sdp));
	if (rc == 0)
		rc = sk_build_finish(b, &wire);
	if (rc == 0)
		rc = sk_txn_respond(st, wire);
	if (rc == 0 && keep) {
		*keep = sk_ua_strdup(wire);
		kept->p = *keep;
		kept->len = *keep ? wire.len : 0;
	}
	sk_build_free(b);
	return rc;
}

static void reject(struct sk_ua *ua, struct sk_txn *st, int code, const char *extra)
{
	ua->st.rejected_requests++;
	if (code == 481)
		ua->st.resp_481++;
	char tag[17];
	sk_stack_token(ua->stack, tag, 16);
	respond(st, code, NULL, tag, extra, NULL, NULL, NULL);
}

int sk_uas_respond(struct sk_txn *st, int code, const char *reason, const char *tag,
                   const char *extra, const char *sdp, struct sk_str *kept, char **keep)
{
	return respond(st, code, reason, tag, extra, sdp, kept, keep);
}

void sk_uas_reject(struct sk_ua *ua, struct sk_txn *st, int code, const char *extra)
{
	reject(ua, st, code, extra);
}

/* ---- §8.2: what a UAS checks first ---------------------------------------- */

static bool known_method(struct sk_str m)
{
	static const char *const known[] = {"REGISTER", "PRACK",  "UPDATE",    "INFO",
	                                    "MESSAGE",  "REFER",  "SUBSCRIBE", "NOTIFY",
	                                    "PUBLISH",  "INVITE", "BYE",       "OPTIONS"};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (is_method(m, known[i]))
			return true;
	return false;
}

static bool allowed_method(struct sk_str m)
{
	return is_method(m, "INVITE") || is_method(m, "BYE") || is_method(m, "OPTIONS") ||
	       is_method(m, "PRACK") || is_method(m, "UPDATE"); /* RFC 3262, RFC 3311 */
}

/* Returns 0 when the request may go on, else the status sent. */
static int uas_check(struct sk_ua *ua, struct sk_txn *st, const struct sk_msg *req)
{
	struct sk_msg_finding f[8];
	size_t n = sk_msg_check(req, f, 8);
	char extra[512];
	for (size_t i = 0; i < n && i < 8; i++) {
		/* Max-Forwards 0 is a proxy's business (§16.3), a UAS takes the request */
		if (!f[i].status || f[i].issue == SK_ISSUE_MAX_FORWARDS_ZERO)
			continue;
		snprintf(extra, sizeof(extra), "%s",
		         f[i].status == 501 ? "Allow: " ALLOW "\r\n" : "");
		reject(ua, st, f[i].status, extra);
		return f[i].status;
	}
	struct sk_str m = sk_msg_method(req);
	/* §8.2.1: a method we do not implement: 405 if we know it, 501 if not; Allow in both */
	if (!allowed_method(m)) {
		int code = known_method(m) ? 405 : 501;
		reject(ua, st, code, "Allow: " ALLOW "\r\n");
		return code;
	}
	/* §8.2.2.3: every option tag in Require we do not support (all but
	 * 100rel, RFC 3262 §3): 420 listing them */
	char tags[400];
	if (sk_prack_unsupported(ua, req, tags, sizeof(tags))) {
		snprintf(extra, sizeof(extra), "Unsupported: %s\r\n", tags);
		reject(ua, st, 420, extra);
		return 420;
	}
	/* RFC 3262 §3 with --100rel required: a new INVITE that cannot PRACK gets 421 */
	const struct sk_addr *to = sk_msg_to(req);
	if (is_method(m, "INVITE") && to && !to->tag.len && sk_prack_needs_421(ua, req)) {
		reject(ua, st, 421, "Require: 100rel\r\n");
		return 421;
	}
	/* §8.2.3: a body we cannot read (only SDP, without content coding): 415 */
	struct sk_str ctype = sk_msg_content_type(req);
	const struct sk_hdr *enc = sk_msg_hdr_first(req, SK_HDR_CONTENT_ENCODING);
	if (sk_msg_body(req).len > 0 || sk_str_present(ctype)) {
		size_t tl = 0;
		while (tl < ctype.len && ctype.p[tl] != ';' && ctype.p[tl] != ' ' &&
		       ctype.p[tl] != '\t')
			tl++;
		if (!sk_str_caseeq_c((struct sk_str){ctype.p, tl}, "application/sdp")) {
			reject(ua, st, 415, "Accept: application/sdp\r\n");
			return 415;
		}
	}
	if (enc && !sk_str_caseeq_c(enc->value, "identity")) {
		reject(ua, st, 415, "Accept-Encoding: identity\r\n");
		return 415;
	}
	/* §21.4.7: our answer to an INVITE carries SDP; an Accept without it gets 406 */
	if (is_method(m, "INVITE") && sk_msg_hdr_first(req, SK_HDR_ACCEPT) &&
	    !sk_msg_list_has(req, SK_HDR_ACCEPT, "application/sdp") &&
	    !sk_msg_list_has(req, SK_HDR_ACCEPT, "application/*") &&
	    !sk_msg_list_has(req, SK_HDR_ACCEPT, "*/*")) {
		reject(ua, st, 406, "Accept: application/sdp\r\n");
		return 406;
	}
	return 0;
}

/* ---- the 2xx retransmitted until its ACK (§13.3.1.4) ----------------------- */

void sk_uas_stop_2xx(struct sk_call *c)
{
	sk_timer_stop(sk_stack_timers(c->ua->stack), &c->t2xx);
	free(c->resp2xx);
	c->resp2xx = NULL;
}

static void t2xx_fired(void *arg)
{
	struct sk_call *c = arg;
	struct sk_ua *ua = c->ua;
	const struct sk_txn_times *tm = sk_stack_times(ua->stack);
	uint64_t now = sk_stack_now(ua->stack);
	if (now - c->t2xx_since >= 64ull * tm->t1) {
		/* §13.3.1.4: no ACK in 64*T1: the dialog is confirmed, the session ends with a BYE
		 */
		sk_logf(sk_ua_log(ua), SK_LOG_WARN, "ua %s: no ACK for our 2xx: BYE", c->call_id);
		sk_uas_stop_2xx(c);
		sk_ua_call_hold(c);
		bool initial = !c->answered;
		c->answered = true;
		c->end_after_bye = true;
		c->end_outcome = initial ? SK_OUTCOME_TIMEOUT : SK_OUTCOME_ANSWERED;
		if (sk_ua_dialog_bye(c, c->dlg) < 0)
			sk_ua_call_end(c, (enum sk_call_outcome)c->end_outcome);
		sk_ua_call_release(c);
		return;
	}
	sk_tp_send(sk_stack_tp(ua->stack), &c->resp2xx_flow, c->resp2xx, c->resp2xx_len);
	c->t2xx_interval = c->t2xx_interval * 2 < tm->t2 ? c->t2xx_interval * 2 : tm->t2;
	uint64_t left = 64ull * tm->t1 - (now - c->t2xx_since);
	sk_timer_start(sk_stack_timers(ua->stack), &c->t2xx,
	               c->t2xx_interval < left ? c->t2xx_interval : left);
}

static void start_2xx(struct sk_call *c, struct sk_txn *st, uint32_t cseq)
{
	const struct sk_txn_times *tm = sk_stack_times(c->ua->stack);
	c->resp2xx_flow = *sk_txn_flow(st);
	c->resp2xx_cseq = cseq;
	c->t2xx_since = sk_stack_now(c->ua->stack);
	/* over a reliable transport the 2xx is not resent, the ACK is still awaited */
	bool reliable = sk_proto_is_stream(c->resp2xx_flow.proto);
	c->t2xx_interval = reliable ? 64u * tm->t1 : tm->t1;
	sk_timer_init(&c->t2xx, t2xx_fired, c);
	sk_timer_start(sk_stack_timers(c->ua->stack), &c->t2xx, c->t2xx_interval);
}

/* ---- answering ----------------------------------------------------------- */

/* The INVITE being answered: a pending re-INVITE, else the initial one. */
static struct pending_ist *pending(struct sk_call *c)
{
	if (c->re_st.st && !c->re_st.final_sent)
		return &c->re_st;
	if (c->ist.st && !c->ist.final_sent)
		return &c->ist;
	return NULL;
}

int sk_call_ring(struct sk_call *c, int code)
{
	if (!c || code <= 100 || code >= 200)
		return -SK_EINVAL;
	struct pending_ist *p = pending(c);
	if (c->ended || !p)
		return -SK_ESTATE;
	/* RFC 3262 §3: reliably when the INVITE asked for it */
	int rc = sk_prack_uas_ring(c, p->st, code);
	if (rc == 1) {
		char extra[200];
		snprintf(extra, sizeof(extra), "Contact: <%s>\r\n", c->contact);
		rc = respond(p->st, code, NULL, c->local_tag, extra, NULL, NULL, NULL);
	}
	if (rc == 0 && p == &c->ist && c->state < SK_CALL_EARLY)
		c->state = SK_CALL_EARLY; /* §12.1.1: a provisional with our tag */
	return rc;
}

int sk_call_answer(struct sk_call *c, const char *sdp)
{
	if (!c)
		return -SK_EINVAL;
	struct pending_ist *p = pending(c);
	if (c->ended || !p)
		return -SK_ESTATE;
	if (sdp) {
		char *s = strdup(sdp);
		if (!s)
			return -SK_ENOMEM;
		free(c->sdp);
		c->sdp = s;
	}
	char extra[300];
	snprintf(extra, sizeof(extra), "Contact: <%s>\r\nAllow: %s\r\nServer: %s\r\n", c->contact,
	         ALLOW, c->ua->agent);
	sk_uas_stop_2xx(c);
	struct sk_str kept = {0};
	int rc = respond(p->st, 200, NULL, c->local_tag, extra, c->sdp, &kept, &c->resp2xx);
	if (rc < 0)
		return rc;
	p->final_sent = true;
	sk_prack_uas_final(c);
	c->resp2xx_len = kept.len;
	start_2xx(c, p->st, p->cseq);
	if (p == &c->ist) {
		c->status = 200;
		c->state = SK_CALL_CONFIRMED;
		c->dlg = c->dialogs;
		c->dlg->confirmed = true;
	} else {
		c->reinvite_status = 200;
	}
	return 0;
}

int sk_call_reject(struct sk_call *c, int code, const char *reason)
{
	if (!c || code < 300 || code > 699)
		return -SK_EINVAL;
	struct pending_ist *p = pending(c);
	if (c->ended || !p)
		return -SK_ESTATE;
	int rc = respond(p->st, code, reason, c->local_tag, NULL, NULL, NULL, NULL);
	if (rc < 0)
		return rc;
	p->final_sent = true;
	sk_prack_uas_final(c);
	if (p == &c->re_st) {
		c->reinvite_status = code; /* the dialog goes on (§14.2) */
		return 0;
	}
	c->status = code;
	sk_ua_call_end(c, SK_OUTCOME_REJECTED);
	return 0;
}

/* ---- requests ------------------------------------------------------------ */

static void attach(struct sk_call *c, struct pending_ist *p, struct sk_txn *st, uint32_t cseq)
{
	p->st = st;
	p->cseq = cseq;
	p->final_sent = false;
	sk_ua_bind(c, st);
}

static void new_call(struct sk_ua *ua, struct sk_txn *st, const struct sk_msg *req)
{
	const struct sk_addr *from = sk_msg_from(req), *to = sk_msg_to(req);
	const struct sk_cseq *cs = sk_msg_cseq(req);
	/* §8.2.2.2: the same request by another path (a fork looping back): 482 */
	if (sk_ua_call_find_in(ua, sk_msg_call_id(req), from->tag, cs->num)) {
		reject(ua, st, 482, NULL);
		return;
	}
	/* §8.1.1.8: an INVITE's Contact is one URI (an RFC 2543 caller may have none) */
	const struct sk_addr *ct = sk_msg_addr(req, SK_HDR_CONTACT, 0);
	if (ct && ct->star) {
		reject(ua, st, 400, NULL);
		return;
	}
	char call_id[256], contact[160];
	sk_str_cpy(call_id, sizeof(call_id), sk_msg_call_id(req));
	struct sk_call *c = sk_ua_call_new(ua, SK_CALL_IN, call_id);
	if (!c) {
		sk_txn_reply(st, 500, NULL, NULL);
		return;
	}
	const struct sk_flow *flow = sk_txn_flow(st);
	size_t n = to->raw.len + strlen(c->local_tag) + 8;
	c->dst.proto = flow->proto;
	c->in_cseq = cs->num;
	c->in_from_tag = sk_ua_strdup(from->tag);
	c->contact =
	    sk_ua_contact(ua, flow, contact, sizeof(contact)) == 0 ? strdup(contact) : NULL;
	c->sdp = sk_ua_default_sdp(ua, flow);
	if ((c->local_hdr = malloc(n)))
		snprintf(c->local_hdr, n, "%.*s;tag=%s", (int)to->raw.len, to->raw.p, c->local_tag);
	if (!c->in_from_tag || !c->contact || !c->sdp || !c->local_hdr ||
	    !sk_ua_dialog_from_request(c, req)) {
		sk_ua_call_discard(c);
		sk_txn_reply(st, 500, NULL, NULL);
		return;
	}
	c->local_cseq = 1;
	attach(c, &c->ist, st, cs->num);
	sk_prack_uas_start(c, st, req, cs->num);
	ua->st.calls_in++;
	const struct sk_ua_events *ev = &ua->cfg.ev;
	sk_ua_call_hold(c);
	if (ev->incoming)
		ev->incoming(ev->arg, c, req);
	else
		sk_call_reject(c, 480, NULL);
	sk_ua_call_release(c);
}

/* §9.2 */
static void cancel(struct sk_ua *ua, struct sk_txn *st, const struct sk_msg *req,
                   struct sk_txn *invite)
{
	ua->st.cancels_received++;
	if (!invite) { /* matches no transaction: 481 */
		reject(ua, st, 481, NULL);
		return;
	}
	struct sk_call *c = sk_txn_kind(invite) == SK_TXN_IST ? sk_ua_call_of(invite) : NULL;
	sk_txn_reply(st, 200, NULL, c ? c->local_tag : NULL);
	if (!c || c->ended)
		return; /* a CANCEL of a non-INVITE, or of an INVITE answered: 200 and nothing else
		         */
	struct pending_ist *p = c->ist.st == invite     ? &c->ist
	                        : c->re_st.st == invite ? &c->re_st
	                                                : NULL;
	if (!p || p->final_sent)
		return;
	sk_ua_call_hold(c);
	sk_ua_call_reason_from(c, req);
	c->cancel_asked = true;
	if (respond(invite, 487, NULL, c->local_tag, NULL, NULL, NULL, NULL) == 0)
		ua->st.resp_487++;
	p->final_sent = true;
	const struct sk_ua_events *ev = &ua->cfg.ev;
	if (ev->cancelled)
		ev->cancelled(ev->arg, c, req);
	if (p == &c->ist) {
		c->status = 487;
		sk_ua_call_end(c, SK_OUTCOME_CANCELLED);
	} else {
		c->reinvite_status = 487; /* a cancelled re-INVITE leaves the dialog as it was */
	}
	sk_ua_call_release(c);
}

static void bye(struct sk_call *c, struct sk_txn *st, const struct sk_msg *req)
{
	sk_txn_reply(st, 200, NULL, NULL);
	if (c->ended)
		return;
	sk_ua_call_reason_from(c, req);
	/* §15.1.2: a BYE in an early dialog ends the pending INVITE with 487 */
	struct pending_ist *p = pending(c);
	if (p) {
		respond(p->st, 487, NULL, c->local_tag, NULL, NULL, NULL, NULL);
		p->final_sent = true;
	}
	c->answered = true;
	sk_ua_call_end(c, c->dlg ? SK_OUTCOME_ANSWERED : SK_OUTCOME_CANCELLED);
}

static void reinvite(struct sk_call *c, struct dialog *d, struct sk_txn *st,
                     const struct sk_msg *req)
{
	/* §15.1.1, §15.1.2: our BYE is out, the session is over: a re-INVITE that
	 * crossed it is terminated by it (487), not left pending for ever */
	if (c->end_after_bye) {
		reject(c->ua, st, 487, NULL);
		return;
	}
	/* §14.2: one INVITE at a time in each direction: 491 while ours is in
	 * progress, i.e. has no final yet (re_ct stays while Accepted or
	 * Completed, long after it is over) */
	if (c->re_ct && !c->reinvite_status) {
		reject(c->ua, st, 491, NULL);
		return;
	}
	if (pending(c) || (c->resp2xx && !c->answered) || c->ended) {
		reject(c->ua, st, 500, "Retry-After: 1\r\n");
		return;
	}
	const struct sk_addr *ct = sk_msg_addr(req, SK_HDR_CONTACT, 0);
	if (ct && !ct->star) { /* a target refresh (§12.2.2) */
		char *t = sk_ua_strdup(ct->uri.raw);
		if (t) {
			free(d->remote_target);
			d->remote_target = t;
		}
	}
	attach(c, &c->re_st, st, sk_msg_cseq(req)->num);
	sk_prack_uas_start(c, st, req, sk_msg_cseq(req)->num);
	const struct sk_ua_events *ev = &c->ua->cfg.ev;
	sk_ua_call_hold(c);
	if (ev->reinvite)
		ev->reinvite(ev->arg, c, req);
	else
		sk_call_answer(c, NULL);
	sk_ua_call_release(c);
}

static void options(struct sk_ua *ua, struct sk_txn *st, const char *tag)
{
	char t[17];
	if (!tag) {
		sk_stack_token(ua->stack, t, 16);
		tag = t;
	}
	respond(st, 200, NULL, tag,
	        "Allow: " ALLOW "\r\nAccept: application/sdp\r\nAccept-Encoding: identity\r\n",
	        NULL, NULL, NULL);
}

static void in_dialog(struct sk_ua *ua, struct sk_txn *st, const struct sk_msg *req)
{
	const struct sk_addr *from = sk_msg_from(req), *to = sk_msg_to(req);
	struct sk_call *c = sk_ua_call_find(ua, sk_msg_call_id(req), to->tag);
	struct sk_str m = sk_msg_method(req);
	/* RFC 3262 §3: a PRACK is answered after the INVITE's final too (a CANCEL
	 * or a 2xx crossed it), while the call lingers */
	bool prack = is_method(m, "PRACK");
	struct dialog *d = c && (!c->ended || prack) ? sk_ua_dialog_find(c, from->tag) : NULL;
	if (!d) { /* §12.2.2 */
		reject(ua, st, 481, NULL);
		return;
	}
	/* §12.2.2: lower than the remote sequence number: out of order, 500 */
	uint32_t cseq = sk_msg_cseq(req)->num;
	if (d->remote_cseq_set && cseq < d->remote_cseq) {
		reject(ua, st, 500, NULL);
		return;
	}
	d->remote_cseq = cseq;
	d->remote_cseq_set = true;
	if (c->dlg && d != c->dlg) {
		/* §13.2.2.4, §15.1.2: a dialog that is not the call's (a fork's 2xx we
		 * ACKed and hung up): its BYE ends that dialog alone, not the call;
		 * nothing else is taken in it */
		if (is_method(m, "BYE"))
			sk_txn_reply(st, 200, NULL, NULL);
		else
			reject(ua, st, 481, NULL);
		return;
	}
	sk_ua_call_hold(c);
	if (is_method(m, "BYE"))
		bye(c, st, req);
	else if (is_method(m, "INVITE"))
		reinvite(c, d, st, req);
	else if (prack)
		sk_prack_request(c, st, req);
	else if (is_method(m, "UPDATE"))
		sk_update_request(c, d, st, req);
	else
		options(ua, st, NULL);
	sk_ua_call_release(c);
}

void sk_uas_request(struct sk_ua *ua, struct sk_txn *st, const struct sk_msg *req,
                    struct sk_txn *invite)
{
	struct sk_str m = sk_msg_method(req);
	if (is_method(m, "CANCEL")) {
		cancel(ua, st, req, invite);
		return;
	}
	if (uas_check(ua, st, req))
		return;
	const struct sk_addr *to = sk_msg_to(req);
	if (sk_str_present(to->tag) && to->tag.len) {
		in_dialog(ua, st, req);
		return;
	}
	if (is_method(m, "INVITE"))
		new_call(ua, st, req);
	else if (is_method(m, "OPTIONS"))
		options(ua, st, NULL);
	else
		reject(ua, st, 481, NULL); /* a BYE outside any dialog */
}

void sk_uas_ack(struct sk_ua *ua, struct sk_txn *ist, const struct sk_msg *ack)
{
	const struct sk_addr *to = sk_msg_to(ack);
	struct sk_call *c = ist ? sk_ua_call_of(ist) : NULL;
	if (!c && to)
		c = sk_ua_call_find(ua, sk_msg_call_id(ack), to->tag);
	if (!c || !c->resp2xx || sk_msg_cseq(ack)->num != c->resp2xx_cseq)
		return; /* a retransmitted ACK, or one for nothing we sent */
	sk_uas_stop_2xx(c);
	if (c->answered)
		return;
	c->answered = true;
	sk_ua_call_hold(c);
	const struct sk_ua_events *ev = &ua->cfg.ev;
	if (ev->answered && !c->ended)
		ev->answered(ev->arg, c);
	if (c->hangup_wanted && !c->ended)
		sk_call_hangup(c);
	sk_ua_call_release(c);
}

void sk_uas_failed(struct sk_call *c, struct sk_txn *st, int err)
{
	struct pending_ist *p = c->ist.st == st ? &c->ist : NULL;
	/* Timer H (no ACK for a non-2xx) changes nothing for the call; a transport
	 * error before any final ends it */
	if (p && !p->final_sent && err == -SK_EIO)
		sk_ua_call_end(c, SK_OUTCOME_FAILED);
}

void sk_uas_terminated(struct sk_call *c, struct sk_txn *st)
{
	if (c->ist.st == st)
		c->ist.st = NULL;
	if (c->re_st.st == st)
		c->re_st.st = NULL;
}
