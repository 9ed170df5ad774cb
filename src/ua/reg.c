/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Registrations that last (§10.2): REGISTER with our Contact, a 401/407 answered
 * with Digest credentials (§22.2, uac_auth.c), 423 answered with its Min-Expires
 * (§10.2.8), the binding refreshed before the expiry the registrar granted
 * (§10.2.4: same Call-ID, CSeq + 1, one REGISTER at a time, §10.2), and removed
 * with Expires: 0 when stopped (§10.2.2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua_int.h"

#define REG_DEFAULT_EXPIRES 3600
#define REG_RETRY_MS        30000 /* after a failure */
#define REG_MAX_423         2     /* Min-Expires raises per REGISTER */

struct sk_reg {
	struct sk_reg *next;
	struct sk_ua *ua;
	char *registrar, *aor, *call_id, *from_tag, *contact;
	struct sk_target dst;
	struct sk_uac_auth *auth;
	void (*done)(void *arg, struct sk_reg *r, int status);
	void *arg;
	uint32_t cseq, expires, granted;
	int status;
	unsigned refs;         /* transactions that report to it */
	unsigned raises;       /* 423s answered for the REGISTER under way */
	struct sk_txn *ct;     /* the REGISTER under way */
	bool stopping;         /* the removal is wanted (sent when nothing else is pending) */
	bool removal_sent;     /* a REGISTER with Expires: 0 went out */
	bool finished;         /* the removal was reported: freed once refs is 0 */
	struct sk_timer timer; /* refresh, or retry */
};

static void reg_free(struct sk_reg *r)
{
	struct sk_reg **pp = &r->ua->regs;
	while (*pp && *pp != r)
		pp = &(*pp)->next;
	if (*pp)
		*pp = r->next;
	sk_timer_stop(sk_stack_timers(r->ua->stack), &r->timer);
	sk_uac_auth_free(r->auth);
	free(r->registrar);
	free(r->aor);
	free(r->call_id);
	free(r->from_tag);
	free(r->contact);
	free(r);
}

void sk_ua_regs_free(struct sk_ua *ua)
{
	while (ua->regs)
		reg_free(ua->regs);
}

size_t sk_ua_regs(const struct sk_ua *ua)
{
	size_t n = 0;
	for (const struct sk_reg *r = ua ? ua->regs : NULL; r; r = r->next)
		n++;
	return n;
}

int sk_reg_status(const struct sk_reg *r)
{
	return r ? r->status : 0;
}

uint32_t sk_reg_expires(const struct sk_reg *r)
{
	return r ? r->granted : 0;
}

static void on_response(void *arg, struct sk_txn *ct, const struct sk_msg *resp);
static void on_failed(void *arg, struct sk_txn *ct, int err);
static void on_terminated(void *arg, struct sk_txn *t);
static const struct sk_txn_handler reg_handler = {
    .response = on_response, .failed = on_failed, .terminated = on_terminated};

/* One REGISTER (CSeq + 1), with the credentials we hold (§22.1: after a challenge,
 * and preemptively on refreshes). */
static int send_register(struct sk_reg *r, uint32_t expires)
{
	struct sk_ua *ua = r->ua;
	struct sk_build *b;
	struct sk_str wire;
	const char *lines = NULL;
	uint32_t cseq = r->cseq + 1;
	int rc;
	if (r->auth && sk_uac_auth_realms(r->auth) &&
	    (rc = sk_uac_auth_lines(r->auth, ua->stack, "REGISTER", r->registrar, cseq, &lines)) <
	        0)
		return rc;
	/* §10.2: Request-URI the registrar's domain, To and From the AOR */
	if ((rc = sk_build_request(&b, SK_STR_LIT("REGISTER"), sk_str_c(r->registrar))) < 0)
		return rc;
	rc = sk_build_hdr(b, "Max-Forwards", SK_STR_LIT("70"));
	if (rc == 0)
		rc = sk_build_hdrf(b, "From", "<%s>;tag=%s", r->aor, r->from_tag);
	if (rc == 0)
		rc = sk_build_hdrf(b, "To", "<%s>", r->aor);
	if (rc == 0)
		rc = sk_build_hdr(b, "Call-ID", sk_str_c(r->call_id));
	if (rc == 0)
		rc = sk_build_hdrf(b, "CSeq", "%u REGISTER", (unsigned)cseq);
	if (rc == 0)
		rc = sk_build_hdrf(b, "Contact", "<%s>", r->contact);
	if (rc == 0)
		rc = sk_build_hdrf(b, "Expires", "%u", (unsigned)expires);
	if (rc == 0)
		rc = sk_build_hdr(b, "User-Agent", sk_str_c(ua->agent));
	if (rc == 0 && lines)
		rc = sk_build_hdr_lines(b, lines);
	if (rc == 0 && (rc = sk_build_finish(b, &wire)) == 0)
		rc =
		    sk_txn_request(sk_stack_txl(ua->stack), wire, &r->dst, &reg_handler, r, &r->ct);
	sk_build_free(b);
	if (rc < 0)
		return rc;
	r->refs++;
	r->cseq = cseq;
	r->removal_sent = expires == 0;
	return 0;
}

/* A new REGISTER: a refresh, a retry or the removal. */
static int register_again(struct sk_reg *r)
{
	if (r->auth)
		sk_uac_auth_restart(r->auth);
	r->raises = 0;
	return send_register(r, r->stopping ? 0 : r->expires);
}

static void report(struct sk_reg *r, int status)
{
	if (r->stopping && !r->removal_sent) {
		/* stopped while another REGISTER was under way: now the removal */
		int rc = register_again(r);
		if (rc == 0)
			return;
		status = rc;
	}
	bool last = r->stopping;
	r->status = status;
	if (last)
		r->finished = true;
	if (r->done)
		r->done(r->arg, r, status);
	if (last && r->refs == 0)
		reg_free(r);
}

static void timer_fired(void *arg)
{
	struct sk_reg *r = arg;
	int rc = register_again(r);
	if (rc < 0) {
		sk_logf(sk_ua_log(r->ua), SK_LOG_WARN, "ua: REGISTER for %s not sent: %s", r->aor,
		        sk_strerror(rc));
		if (r->stopping)
			report(r, rc);
		else
			sk_timer_start(sk_stack_timers(r->ua->stack), &r->timer, REG_RETRY_MS);
	}
}

/* The expiry the registrar granted our Contact (§10.2.4): its expires parameter in the
 * 2xx, else the Expires header, else what we asked. */
static uint32_t granted(const struct sk_reg *r, const struct sk_msg *resp)
{
	struct sk_uri ours;
	uint64_t v;
	if (sk_uri_parse(&ours, sk_str_c(r->contact), NULL) == 0) {
		for (size_t i = 0; i < sk_msg_addr_count(resp, SK_HDR_CONTACT); i++) {
			const struct sk_addr *a = sk_msg_addr(resp, SK_HDR_CONTACT, i);
			if (a && !a->star && sk_uri_equal(&a->uri, &ours) &&
			    sk_str_to_u64(a->expires, UINT32_MAX, &v) == 0)
				return (uint32_t)v;
		}
	}
	long e = sk_msg_expires(resp);
	return e >= 0 ? (uint32_t)e : r->expires;
}

static void registered(struct sk_reg *r, const struct sk_msg *resp, int code)
{
	r->granted = granted(r, resp);
	if (r->granted == 0) { /* the registrar took nothing: try again later */
		sk_timer_start(sk_stack_timers(r->ua->stack), &r->timer, REG_RETRY_MS);
	} else {
		/* refresh ahead of the expiry: half of a short one, 32 s before a long one */
		uint64_t s = r->granted > 64 ? r->granted - 32 : r->granted / 2 + 1;
		sk_timer_start(sk_stack_timers(r->ua->stack), &r->timer, s * 1000);
	}
	report(r, code);
}

static void on_response(void *arg, struct sk_txn *ct, const struct sk_msg *resp)
{
	struct sk_reg *r = arg;
	int code = sk_msg_status(resp);
	if (ct != r->ct || code < 200)
		return;
	r->ct = NULL;
	const char *why = NULL;
	if ((code == 401 || code == 407) && r->auth &&
	    sk_uac_auth_challenge(r->auth, resp, &why) == 0 &&
	    send_register(r, r->stopping ? 0 : r->expires) == 0)
		return; /* §22.2: the same REGISTER again, CSeq + 1, same Call-ID */
	if (why)
		sk_logf(sk_ua_log(r->ua), SK_LOG_WARN, "ua: %d to REGISTER for %s not answered: %s",
		        code, r->aor, why);
	const struct sk_hdr *min = sk_msg_hdr_first(resp, SK_HDR_MIN_EXPIRES);
	uint64_t m;
	if (code == 423 && !r->stopping && min && r->raises < REG_MAX_423 &&
	    sk_str_to_u64(min->value, UINT32_MAX, &m) == 0 && m > r->expires) {
		r->expires = (uint32_t)m; /* §10.2.8 */
		r->raises++;
		if (send_register(r, r->expires) == 0)
			return;
	}
	if (code < 300 && !r->stopping) {
		registered(r, resp, code);
		return;
	}
	if (code < 300)
		r->granted = 0; /* the removal, or a REGISTER whose binding is removed next */
	if (!r->stopping)
		sk_timer_start(sk_stack_timers(r->ua->stack), &r->timer, REG_RETRY_MS);
	report(r, code);
}

static void on_failed(void *arg, struct sk_txn *ct, int err)
{
	struct sk_reg *r = arg;
	if (ct != r->ct)
		return;
	r->ct = NULL;
	if (!r->stopping)
		sk_timer_start(sk_stack_timers(r->ua->stack), &r->timer, REG_RETRY_MS);
	report(r, err);
}

static void on_terminated(void *arg, struct sk_txn *t)
{
	struct sk_reg *r = arg;
	if (r->ct == t)
		r->ct = NULL;
	if (--r->refs == 0 && r->finished)
		reg_free(r);
}

int sk_reg_start(struct sk_ua *ua, const struct sk_reg_params *p, struct sk_reg **out)
{
	struct sk_flow flow;
	struct sk_uri aor;
	char contact[160], tag[17], cid[25], user[128];
	if (!ua || !p || !p->registrar || !p->aor || sk_uri_parse(&aor, sk_str_c(p->aor), NULL) < 0)
		return -SK_EINVAL;
	struct sk_reg *r = calloc(1, sizeof(*r));
	if (!r)
		return -SK_ENOMEM;
	r->ua = ua;
	r->done = p->done;
	r->arg = p->arg;
	r->expires = p->expires ? p->expires : REG_DEFAULT_EXPIRES;
	sk_timer_init(&r->timer, timer_fired, r);
	int rc = sk_target_from_uri(&r->dst, sk_str_c(p->registrar), SK_PROTO_NONE);
	if (rc == 0 && (rc = sk_tp_flow_for(sk_stack_tp(ua->stack), &r->dst, 600, &flow)) == 0)
		rc = sk_ua_contact(ua, &flow, contact, sizeof(contact));
	if (rc == 0 && p->password) {
		const char *name = p->auth_user;
		if (!name && aor.user.len)
			name = sk_str_cpy(user, sizeof(user), aor.user);
		rc = name ? sk_uac_auth_new(&r->auth, name, p->password) : -SK_EINVAL;
	}
	sk_stack_token(ua->stack, tag, 16);
	sk_stack_token(ua->stack, cid, 24);
	if (rc == 0 && (!(r->registrar = strdup(p->registrar)) || !(r->aor = strdup(p->aor)) ||
	                !(r->call_id = strdup(cid)) || !(r->from_tag = strdup(tag)) ||
	                !(r->contact = strdup(contact))))
		rc = -SK_ENOMEM;
	r->next = ua->regs;
	ua->regs = r;
	if (rc == 0)
		rc = send_register(r, r->expires);
	if (rc < 0) {
		reg_free(r);
		return rc;
	}
	if (out)
		*out = r;
	return 0;
}

int sk_reg_stop(struct sk_reg *r)
{
	if (!r || r->stopping)
		return -SK_ESTATE;
	r->stopping = true;
	sk_timer_stop(sk_stack_timers(r->ua->stack), &r->timer);
	if (r->ct) /* §10.2: one REGISTER at a time: the removal follows its final */
		return 0;
	int rc = register_again(r);
	if (rc < 0) {
		r->finished = true;
		if (r->refs == 0)
			reg_free(r);
	}
	return rc;
}
