/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Calls we place (§13.2): the INVITE, its responses (early dialogs per remote
 * tag, the first 2xx confirming one, the others ACKed and hung up, §13.2.2.4),
 * CANCEL (§9.1) with its race against the callee's 2xx, re-INVITE (§14.1)
 * and BYE (§15.1.1).
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

/* A pre-loaded route (§8.1.2) names a loose router: ";lr" is added when missing. */
static int route_value(const char *route, char *buf, size_t size)
{
	struct sk_uri u;
	struct sk_str v;
	if (sk_uri_parse(&u, sk_str_c(route), NULL) < 0 ||
	    (u.scheme != SK_URI_SIP && u.scheme != SK_URI_SIPS))
		return -SK_EINVAL;
	int n = snprintf(buf, size, "<%s%s>", route, sk_uri_param(&u, "lr", &v) == 0 ? "" : ";lr");
	return n < 0 || (size_t)n >= size ? -SK_ETOOBIG : 0;
}

/* The INVITE of call c (again, after a challenge: CSeq c->local_cseq, with the
 * credential lines of extra; §22.2). */
static int build_invite(struct sk_call *c, const char *to, const char *route, const char *extra,
                        struct sk_str *wire, struct sk_build **bp)
{
	struct sk_build *b;
	int rc = sk_build_request(&b, SK_STR_LIT("INVITE"), sk_str_c(to));
	if (rc < 0)
		return rc;
	rc = sk_build_hdr(b, "Max-Forwards", SK_STR_LIT("70"));
	if (rc == 0 && route)
		rc = sk_build_hdr(b, "Route", sk_str_c(route));
	if (rc == 0)
		rc = sk_build_hdr(b, "From", sk_str_c(c->local_hdr));
	if (rc == 0)
		rc = sk_build_hdrf(b, "To", "<%s>", to);
	if (rc == 0)
		rc = sk_build_hdr(b, "Call-ID", sk_str_c(c->call_id));
	if (rc == 0)
		rc = sk_build_hdrf(b, "CSeq", "%u INVITE", (unsigned)c->local_cseq);
	if (rc == 0)
		rc = sk_build_hdrf(b, "Contact", "<%s>", c->contact);
	if (rc == 0)
		rc = sk_build_hdr(b, "Allow", SK_STR_LIT(ALLOW));
	if (rc == 0 && *sk_prack_invite_hdr(c->ua)) /* RFC 3262 §4 */
		rc = sk_build_hdr_lines(b, sk_prack_invite_hdr(c->ua));
	if (rc == 0)
		rc = sk_build_hdr(b, "User-Agent", sk_str_c(c->ua->agent));
	if (rc == 0 && extra)
		rc = sk_build_hdr_lines(b, extra);
	if (rc == 0)
		rc = sk_build_body(b, "application/sdp", c->sdp, strlen(c->sdp));
	if (rc == 0)
		rc = sk_build_finish(b, wire);
	if (rc < 0) {
		sk_build_free(b);
		return rc;
	}
	*bp = b;
	return 0;
}

/* With a password, what a retry needs (§22.2): credentials, Request-URI, Route. */
static int keep_credentials(struct sk_call *c, const struct sk_call_params *p, const char *from,
                            const char *route)
{
	char user[128];
	const char *name = p->auth_user;
	if (!p->password)
		return 0;
	if (!name) { /* the From URI's user part */
		struct sk_uri u;
		if (sk_uri_parse(&u, sk_str_c(from), NULL) < 0 || u.user.len == 0)
			return -SK_EINVAL;
		name = sk_str_cpy(user, sizeof(user), u.user);
	}
	int rc = sk_uac_auth_new(&c->auth, name, p->password);
	if (rc < 0)
		return rc;
	c->to_uri = strdup(p->to);
	c->route_hdr = route ? strdup(route) : NULL;
	return c->to_uri && (!route || c->route_hdr) ? 0 : -SK_ENOMEM;
}

/*
 * A 401/407 to the INVITE with credentials at hand (§22.2, §22.3): the INVITE
 * again, CSeq + 1 (§22.1), same Call-ID, From and To (no tag), Route and body,
 * a new branch (a new client transaction: the challenged one is done, the
 * transaction layer ACKed its final, §17.1.1.3). It is the call's INVITE from now
 * on: sk_call_cancel cancels it, never the challenged one.
 */
static int invite_again(struct sk_call *c)
{
	const char *lines;
	struct sk_build *b = NULL;
	struct sk_str wire;
	uint32_t cseq = c->local_cseq + 1;
	int rc = sk_uac_auth_lines(c->auth, c->ua->stack, "INVITE", c->to_uri, cseq, &lines);
	if (rc < 0)
		return rc;
	c->local_cseq = cseq;
	if ((rc = build_invite(c, c->to_uri, c->route_hdr, lines, &wire, &b)) == 0)
		rc = sk_ua_request(c, wire, &c->dst, &c->ict);
	sk_build_free(b);
	if (rc == 0) {
		c->state = SK_CALL_CALLING;
		c->status = 0;
	}
	return rc;
}

int sk_call_invite(struct sk_ua *ua, const struct sk_call_params *p, struct sk_call **out)
{
	if (!ua || !p || !p->to)
		return -SK_EINVAL;
	struct sk_target dst;
	struct sk_flow flow;
	char route[512], contact[160], host[64], call_id[96], from[256], tok[21];
	struct sk_uri to_uri;
	int rc;
	if (sk_uri_parse(&to_uri, sk_str_c(p->to), NULL) < 0 ||
	    (to_uri.scheme != SK_URI_SIP && to_uri.scheme != SK_URI_SIPS &&
	     to_uri.scheme != SK_URI_TEL))
		return -SK_EINVAL;
	/* §8.1.2: the first hop is the pre-loaded route, else the Request-URI */
	if (p->route) {
		if ((rc = route_value(p->route, route, sizeof(route))) < 0 ||
		    (!p->first_hop &&
		     (rc = sk_target_from_uri(&dst, sk_str_c(p->route), p->proto)) < 0))
			return rc;
	} else if (!p->first_hop &&
	           (rc = sk_target_from_uri(&dst, sk_str_c(p->to), p->proto)) < 0) {
		return rc;
	}
	if (p->first_hop)
		dst = *p->first_hop;
	if (p->proto) /* asked for: overrides a transport parameter */
		dst.proto = p->proto;
	/* our address as the transport will send from it: Contact, From, Call-ID */
	if ((rc = sk_tp_flow_for(sk_stack_tp(ua->stack), &dst, 1000, &flow)) < 0)
		return rc;
	if ((rc = sk_ua_contact(ua, &flow, contact, sizeof(contact))) < 0)
		return rc;
	sk_sa_host(&flow.local, host, sizeof(host));
	sk_stack_token(ua->stack, tok, 20);
	snprintf(call_id, sizeof(call_id), "%s@%s", tok, host);
	struct sk_call *c = sk_ua_call_new(ua, SK_CALL_OUT, call_id);
	if (!c)
		return -SK_ENOMEM;
	if (p->from)
		snprintf(from, sizeof(from), "%s", p->from);
	else
		snprintf(from, sizeof(from), strchr(host, ':') ? "sip:%s@[%s]" : "sip:%s@%s",
		         ua->user, host); /* an IPv6 reference in brackets (§25.1) */
	size_t n = strlen(from) + strlen(c->local_tag) + 8;
	c->dst = dst;
	c->user = p->user;
	c->local_cseq = 1;
	c->contact = strdup(contact);
	c->sdp = p->sdp ? strdup(p->sdp) : sk_ua_default_sdp(ua, &flow);
	if ((c->local_hdr = malloc(n)))
		snprintf(c->local_hdr, n, "<%s>;tag=%s", from, c->local_tag);
	struct sk_build *b = NULL;
	struct sk_str wire;
	rc = -SK_ENOMEM;
	if (c->contact && c->sdp && c->local_hdr &&
	    (rc = keep_credentials(c, p, from, p->route ? route : NULL)) == 0 &&
	    (rc = build_invite(c, p->to, p->route ? route : NULL, NULL, &wire, &b)) == 0)
		rc = sk_ua_request(c, wire, &dst, &c->ict);
	sk_build_free(b);
	if (rc < 0) {
		sk_ua_call_discard(c);
		return rc;
	}
	ua->st.calls_out++;
	if (out)
		*out = c;
	return 0;
}

int sk_ua_register(struct sk_ua *ua, const char *registrar, const char *aor, uint32_t expires)
{
	struct sk_target dst;
	struct sk_flow flow;
	struct sk_build *b;
	struct sk_str wire;
	char contact[160], tag[17], cid[48];
	if (!ua || !registrar || !aor)
		return -SK_EINVAL;
	int rc = sk_target_from_uri(&dst, sk_str_c(registrar), SK_PROTO_NONE);
	if (rc < 0 || (rc = sk_tp_flow_for(sk_stack_tp(ua->stack), &dst, 600, &flow)) < 0 ||
	    (rc = sk_ua_contact(ua, &flow, contact, sizeof(contact))) < 0)
		return rc;
	sk_stack_token(ua->stack, tag, 16);
	sk_stack_token(ua->stack, cid, 24);
	/* §10.2: Request-URI the registrar's domain, To and From the AOR */
	if ((rc = sk_build_request(&b, SK_STR_LIT("REGISTER"), sk_str_c(registrar))) < 0)
		return rc;
	rc = sk_build_hdr(b, "Max-Forwards", SK_STR_LIT("70"));
	if (rc == 0)
		rc = sk_build_hdrf(b, "From", "<%s>;tag=%s", aor, tag);
	if (rc == 0)
		rc = sk_build_hdrf(b, "To", "<%s>", aor);
	if (rc == 0)
		rc = sk_build_hdr(b, "Call-ID", sk_str_c(cid));
	if (rc == 0)
		rc = sk_build_hdr(b, "CSeq", SK_STR_LIT("1 REGISTER"));
	if (rc == 0)
		rc = sk_build_hdrf(b, "Contact", "<%s>", contact);
	if (rc == 0)
		rc = sk_build_hdrf(b, "Expires", "%u", (unsigned)expires);
	if (rc == 0)
		rc = sk_build_hdr(b, "User-Agent", sk_str_c(ua->agent));
	if (rc == 0 && (rc = sk_build_finish(b, &wire)) == 0)
		rc = sk_txn_request(sk_stack_txl(ua->stack), wire, &dst, NULL, NULL, NULL);
	sk_build_free(b);
	return rc;
}

int sk_call_cancel(struct sk_call *c, const char *reason)
{
	if (!c || c->dir != SK_CALL_OUT)
		return -SK_EINVAL;
	if (reason) { /* RFC 3326 §2: protocol *(;cause=N / ;text="..." / param) */
		struct sk_reason r[4];
		size_t n = 0;
		if (sk_reason_parse(sk_str_c(reason), r, 4, &n, NULL) < 0 || n == 0)
			return -SK_EINVAL;
	}
	if (c->ended)
		return -SK_ESTATE;
	/* a pending re-INVITE first (§14.1: it is cancelled like an INVITE, its
	 * To carries the tag); the dialog stays whatever happens */
	if (c->re_ct && !c->reinvite_status)
		return sk_txn_cancel(c->re_ct, reason, NULL, NULL);
	if (c->auth_window) { /* a 401/407 being answered: its retry will not go out */
		c->cancel_asked = true;
		return SK_CANCEL_DEFERRED;
	}
	if (!c->ict || c->dlg)
		return -SK_ESTATE; /* a final response came: nothing is sent (§9.1) */
	int rc = sk_txn_cancel(c->ict, reason, NULL, NULL);
	if (rc == SK_CANCEL_SENT || rc == SK_CANCEL_DEFERRED) {
		c->cancel_asked = true;
		c->ua->st.cancels_sent++;
	}
	return rc;
}

int sk_call_hangup(struct sk_call *c)
{
	if (!c || c->ended)
		return -SK_ESTATE;
	if (c->dir == SK_CALL_IN && !c->dlg)
		return sk_call_reject(c, 480, NULL);
	if (c->dir == SK_CALL_OUT && !c->dlg) {
		int rc = sk_call_cancel(c, NULL);
		return rc < 0 ? rc : 0;
	}
	if (c->dir == SK_CALL_IN && c->resp2xx && !c->answered) {
		c->hangup_wanted = true; /* §15.1.1: not before the ACK (or its timeout) */
		return 0;
	}
	/* §15.1.2: a re-INVITE we are still answering gets its final (487) first;
	 * left pending, its transaction and the peer's would never end */
	if (c->re_st.st && !c->re_st.final_sent)
		sk_call_reject(c, 487, NULL);
	c->end_after_bye = true;
	c->end_outcome = SK_OUTCOME_ANSWERED;
	int rc = sk_ua_dialog_bye(c, c->dlg);
	if (rc < 0)
		sk_ua_call_end(c, SK_OUTCOME_ANSWERED);
	return rc;
}

int sk_call_reinvite(struct sk_call *c, const char *sdp)
{
	/* §14.1: not while an INVITE is in progress, i.e. without its final (re_ct
	 * stays until Timer M or D, 32 s after the final); §15.1.1: nor once our
	 * BYE is out, the session is over */
	if (!c || c->ended || c->end_after_bye || !c->dlg || (c->re_ct && !c->reinvite_status) ||
	    (c->re_st.st && !c->re_st.final_sent) || (c->dir == SK_CALL_IN && !c->answered))
		return -SK_ESTATE;
	if (sdp) {
		char *s = strdup(sdp);
		if (!s)
			return -SK_ENOMEM;
		free(c->sdp);
		c->sdp = s;
	}
	struct sk_build *b;
	struct sk_target dst;
	struct sk_str wire;
	uint32_t cseq = ++c->local_cseq;
	int rc = sk_ua_dialog_request(c, c->dlg, "INVITE", cseq, "Allow: " ALLOW "\r\n", c->sdp, &b,
	                              &dst);
	if (rc < 0)
		return rc;
	if ((rc = sk_build_finish(b, &wire)) == 0)
		rc = sk_ua_request(c, wire, &dst, &c->re_ct);
	sk_build_free(b);
	if (rc == 0) {
		c->re_cseq = cseq;
		c->reinvite_status = 0;
	}
	return rc;
}

/* ---- responses ----------------------------------------------------------- */

static void event_response(struct sk_call *c, const struct sk_msg *resp)
{
	const struct sk_ua_events *ev = &c->ua->cfg.ev;
	if (ev->response && !c->ended)
		ev->response(ev->arg, c, resp);
}

/* A 2xx to the initial INVITE (§13.2.2.4). */
static void invite_2xx(struct sk_call *c, const struct sk_msg *resp, uint32_t cseq)
{
	const struct sk_addr *to = sk_msg_to(resp);
	if (c->dlg && to && sk_ua_dialog_find(c, to->tag) == c->dlg) {
		/* §13.2.2.4: a retransmission of the 2xx that confirmed our dialog,
		 * whose kept ACK a re-INVITE's has replaced: ACKed again; it is no
		 * other fork's 2xx to hang up, nor a target refresh */
		sk_ua_dialog_ack(c, c->dlg, cseq);
		return;
	}
	struct dialog *d = sk_ua_dialog_from_response(c, resp);
	if (!d) {
		sk_logf(sk_ua_log(c->ua), SK_LOG_WARN, "ua %s: 2xx without a To tag ignored",
		        c->call_id);
		return;
	}
	d->confirmed = true;
	int rc = sk_ua_dialog_ack(c, d, cseq);
	if (rc < 0)
		sk_logf(sk_ua_log(c->ua), SK_LOG_WARN, "ua %s: ACK not sent: %s", c->call_id,
		        sk_strerror(rc));
	if (c->dlg || c->ended) {
		/* another branch of a fork answered too, or a 2xx came after the call
		 * ended with a non-2xx: ACK it, then BYE it (§13.2.2.4) */
		sk_ua_dialog_bye(c, d);
		return;
	}
	c->dlg = d;
	c->status = sk_msg_status(resp);
	c->state = SK_CALL_CONFIRMED;
	event_response(c, resp);
	if (c->cancel_asked) {
		/* §9.1: the 2xx crossed our CANCEL; the call is up and must be torn down */
		c->ua->st.answered_late++;
		c->end_after_bye = true;
		c->end_outcome = SK_OUTCOME_ANSWERED_LATE;
		if (sk_ua_dialog_bye(c, d) < 0)
			sk_ua_call_end(c, SK_OUTCOME_ANSWERED_LATE);
		return;
	}
	c->answered = true;
	const struct sk_ua_events *ev = &c->ua->cfg.ev;
	if (ev->answered && !c->ended)
		ev->answered(ev->arg, c);
}

/* A challenge the call can answer (credentials given, no cancel asked). */
static bool challenge_taken(struct sk_call *c, const struct sk_msg *resp)
{
	const char *why = NULL;
	if (!c->auth || c->cancel_asked)
		return false;
	if (sk_uac_auth_challenge(c->auth, resp, &why) < 0) {
		sk_logf(sk_ua_log(c->ua), SK_LOG_WARN, "ua %s: %d not answered: %s", c->call_id,
		        sk_msg_status(resp), why);
		return false;
	}
	return true;
}

static void invite_response(struct sk_call *c, const struct sk_msg *resp, int code, uint32_t cseq)
{
	if (code < 200) {
		/* RFC 3262 §4: a reliable one is PRACKed; a retransmitted or
		 * out-of-order one goes no further */
		if (!sk_prack_uac_provisional(c, resp))
			return;
		if (c->state == SK_CALL_CALLING)
			c->state = SK_CALL_PROCEEDING;
		/* §12.1.2, §13.2.2.1: each provisional with a new To tag is an early dialog */
		if (code > 100 && sk_ua_dialog_from_response(c, resp) && !c->dlg)
			c->state = SK_CALL_EARLY;
		event_response(c, resp);
	} else if (code < 300) {
		invite_2xx(c, resp, cseq);
	} else if (!c->dlg) {
		/* the transaction ACKs it (§17.1.1.3) */
		bool retry = (code == 401 || code == 407) && challenge_taken(c, resp);
		c->status = code;
		c->auth_window = retry;
		event_response(c, resp);
		c->auth_window = false;
		/* a cancel asked before the retry went out (deferred before the challenge
		 * came, or from this event): the INVITE is not sent again (§9.1: nothing
		 * to cancel is better than a new INVITE to cancel); the call ends with
		 * the challenge, which is what went on the wire (issue 15) */
		if (retry && !c->cancel_asked && !c->ended) {
			int rc = invite_again(c);
			if (rc == 0)
				return;
			sk_logf(sk_ua_log(c->ua), SK_LOG_WARN, "ua %s: INVITE not sent again: %s",
			        c->call_id, sk_strerror(rc));
		}
		sk_ua_call_end(c, c->cancel_asked && code == 487 ? SK_OUTCOME_CANCELLED
		                                                 : SK_OUTCOME_REJECTED);
	}
}

static void reinvite_response(struct sk_call *c, const struct sk_msg *resp, int code, uint32_t cseq)
{
	if (code >= 200 && code < 300) {
		c->reinvite_status = code;
		const struct sk_addr *ct = sk_msg_addr(resp, SK_HDR_CONTACT, 0);
		if (ct && !ct->star) { /* a target refresh (§12.2.1.2) */
			char *t = sk_ua_strdup(ct->uri.raw);
			if (t) {
				free(c->dlg->remote_target);
				c->dlg->remote_target = t;
			}
		}
		sk_ua_dialog_ack(c, c->dlg, cseq);
	} else if (code >= 300) {
		/* the dialog goes on with the previous session (§14.1) */
		c->reinvite_status = code;
		if (code == 481 || code == 408) {
			/* §14.1: the dialog is gone at the other end */
			c->end_after_bye = true;
			c->end_outcome = SK_OUTCOME_ANSWERED;
			sk_ua_dialog_bye(c, c->dlg);
		}
	}
	event_response(c, resp);
}

/*
 * A 401/407 to our BYE, with credentials at hand (§22.2, §22.3: a proxy or the
 * peer challenging in-dialog requests): the BYE again in its dialog, CSeq + 1, with
 * the credentials of every realm so far. A BYE is a new request: the INVITE's
 * realms count as not yet answered for it, its own challenge only once.
 */
static int bye_again(struct sk_call *c, const struct sk_msg *resp)
{
	const struct sk_addr *to = sk_msg_to(resp);
	struct dialog *d = to ? sk_ua_dialog_find(c, to->tag) : NULL;
	const char *why = NULL, *lines;
	if (!c->auth || !d || !d->remote_target)
		return -SK_EINVAL;
	if (!c->bye_challenged) {
		sk_uac_auth_restart(c->auth);
		c->bye_challenged = true;
	}
	if (sk_uac_auth_challenge(c->auth, resp, &why) < 0) {
		sk_logf(sk_ua_log(c->ua), SK_LOG_WARN, "ua %s: %d to BYE not answered: %s",
		        c->call_id, sk_msg_status(resp), why);
		return -SK_EINVAL;
	}
	struct sk_build *b;
	struct sk_target dst;
	struct sk_str wire;
	uint32_t cseq = ++c->local_cseq;
	/* the digest-uri is the BYE's Request-URI: the remote target (§12.2.1.1) */
	int rc = sk_uac_auth_lines(c->auth, c->ua->stack, "BYE", d->remote_target, cseq, &lines);
	if (rc == 0 && (rc = sk_ua_dialog_request(c, d, "BYE", cseq, lines, NULL, &b, &dst)) == 0) {
		if ((rc = sk_build_finish(b, &wire)) == 0)
			rc = sk_ua_request(c, wire, &dst, NULL);
		sk_build_free(b);
	}
	return rc;
}

void sk_uac_response(struct sk_call *c, struct sk_txn *ct, const struct sk_msg *resp)
{
	int code = sk_msg_status(resp);
	const struct sk_cseq *cs = sk_msg_cseq(resp);
	const struct sk_addr *to = sk_msg_to(resp);
	if (is_method(sk_txn_method(ct), "INVITE")) {
		/* a retransmitted 2xx (RFC 6026 §7.2: passed up while Accepted) gets
		 * the very same ACK again (§13.2.2.4) */
		struct dialog *d = to ? sk_ua_dialog_find(c, to->tag) : NULL;
		if (code >= 200 && code < 300 && d && d->ack && d->ack_cseq == cs->num) {
			sk_tp_send(sk_stack_tp(c->ua->stack), &d->ack_flow, d->ack, d->ack_len);
			return;
		}
		if (ct == c->ict)
			invite_response(c, resp, code, cs->num);
		else if (ct == c->re_ct && c->dlg)
			reinvite_response(c, resp, code, cs->num);
		return;
	}
	if (is_method(sk_txn_method(ct), "BYE") && code >= 200) {
		if ((code == 401 || code == 407) && bye_again(c, resp) == 0)
			return; /* the BYE is still under way, with credentials */
		sk_ua_call_bye_done(c);
	} else if (is_method(sk_txn_method(ct), "PRACK") && code >= 200) {
		sk_prack_uac_done(c, ct, resp);
	}
}

void sk_uac_failed(struct sk_call *c, struct sk_txn *ct, int err)
{
	if (ct == c->ict) {
		if (c->dlg || c->ended)
			return;
		/* §9.1: no final within 64*T1 of the CANCEL: the call ends as cancelled;
		 * a cancel asked but never sent (no provisional came, §9.1) is no
		 * cancel: the outcome follows what went on the wire */
		sk_ua_call_end(c, c->cancel_asked && sk_txn_cancel_sent(ct) ? SK_OUTCOME_CANCELLED
		                  : err == -SK_ETIMEDOUT                    ? SK_OUTCOME_TIMEOUT
		                                                            : SK_OUTCOME_FAILED);
	} else if (ct == c->re_ct) {
		c->reinvite_status = 408;
		if (c->dlg && !c->ended) { /* §14.1: a 408 ends the dialog */
			c->end_after_bye = true;
			c->end_outcome = SK_OUTCOME_ANSWERED;
			sk_ua_dialog_bye(c, c->dlg);
		}
	} else if (is_method(sk_txn_method(ct), "BYE")) {
		sk_ua_call_bye_done(c);
	} else if (is_method(sk_txn_method(ct), "PRACK")) {
		sk_prack_uac_done(c, ct, NULL);
	}
}

void sk_uac_stray_2xx(struct sk_ua *ua, const struct sk_msg *resp)
{
	const struct sk_addr *from = sk_msg_from(resp), *to = sk_msg_to(resp);
	if (!from || !to)
		return;
	struct sk_call *c = sk_ua_call_find(ua, sk_msg_call_id(resp), from->tag);
	struct dialog *d = c && c->dir == SK_CALL_OUT ? sk_ua_dialog_find(c, to->tag) : NULL;
	if (d && d->ack && d->ack_cseq == sk_msg_cseq(resp)->num)
		sk_tp_send(sk_stack_tp(ua->stack), &d->ack_flow, d->ack, d->ack_len);
}
