/* SPDX-License-Identifier: BSD-3-Clause */
/* Message validation: the semantic checks of a parsed message, what a UAS or proxy must refuse
 * (§8.2, §16.3), for sk_msg_check. */
#include <string.h>

#include "msg_int.h"

struct findings {
	struct sk_msg_finding *out;
	size_t max, n;
};

static void add(struct findings *f, enum sk_msg_issue issue, int status, const char *hdr,
                const char *why)
{
	if (f->n < f->max) {
		struct sk_msg_finding *x = &f->out[f->n];
		x->issue = issue;
		x->status = status;
		sk_str_cpy(x->hdr, sizeof(x->hdr), sk_str_c(hdr));
		x->why = why;
	}
	f->n++;
}

/* Headers that may appear once only (§7.3.1: not a comma-separated list). */
static const enum sk_hdr_id single_valued[] = {
    SK_HDR_CALL_ID,      SK_HDR_CSEQ,         SK_HDR_FROM,    SK_HDR_TO,
    SK_HDR_MAX_FORWARDS, SK_HDR_CONTENT_TYPE, SK_HDR_EXPIRES, SK_HDR_MIN_EXPIRES,
    SK_HDR_DATE,         SK_HDR_RSEQ,         SK_HDR_RACK,    SK_HDR_SESSION_EXPIRES,
};

static bool is_known_method(struct sk_str m)
{
	static const char *const methods[] = {
	    "INVITE", "ACK",  "BYE",     "CANCEL", "OPTIONS",   "REGISTER", "PRACK",
	    "UPDATE", "INFO", "MESSAGE", "REFER",  "SUBSCRIBE", "NOTIFY",   "PUBLISH"};
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (sk_str_eq(m, sk_str_c(methods[i])))
			return true;
	return false;
}

size_t sk_msg_check(const struct sk_msg *m, struct sk_msg_finding *out, size_t max)
{
	struct findings f = {out, max, 0};

	/* §8.1.1: To, From, CSeq, Call-ID, Max-Forwards, Via are mandatory in requests;
	 * responses need the first five but Max-Forwards */
	if (!m->nvias)
		add(&f, SK_ISSUE_MISSING_HDR, 400, "Via", "mandatory header missing");
	if (!m->has_from)
		add(&f, SK_ISSUE_MISSING_HDR, 400, "From", "mandatory header missing");
	if (!m->has_to)
		add(&f, SK_ISSUE_MISSING_HDR, 400, "To", "mandatory header missing");
	if (!sk_str_present(m->call_id))
		add(&f, SK_ISSUE_MISSING_HDR, 400, "Call-ID", "mandatory header missing");
	if (!m->has_cseq)
		add(&f, SK_ISSUE_MISSING_HDR, 400, "CSeq", "mandatory header missing");
	for (size_t i = 0; i < sizeof(single_valued) / sizeof(single_valued[0]); i++)
		if (m->count[single_valued[i]] > 1)
			add(&f, SK_ISSUE_DUPLICATE_HDR, 400, sk_hdr_name(single_valued[i]),
			    "single-valued header appears more than once");
	if (m->cl_conflict)
		add(&f, SK_ISSUE_CL_CONFLICT, 400, "Content-Length",
		    "several different Content-Length values: framing is ambiguous");
	if (m->request) {
		if (m->has_cseq && !sk_str_eq(m->cseq.method, m->method))
			add(&f, SK_ISSUE_CSEQ_METHOD, is_known_method(m->method) ? 400 : 501,
			    "CSeq", "CSeq method differs from the request method (§8.1.1.5)");
		if (m->ruri.scheme == SK_URI_OTHER)
			add(&f, SK_ISSUE_URI_SCHEME, 416, "",
			    "Request-URI scheme not supported (§8.2.2.1)");
		if (m->max_forwards == 0)
			add(&f, SK_ISSUE_MAX_FORWARDS_ZERO, 483, "Max-Forwards",
			    "Max-Forwards is 0: a proxy answers 483, a UAS processes it (§16.3)");
		if (m->mf_out_of_range)
			add(&f, SK_ISSUE_OUT_OF_RANGE, 0, "Max-Forwards",
			    "Max-Forwards above 255: treated as absent (RFC 4475 §3.1.2.4)");
	}
	if (m->expires_out_of_range)
		add(&f, SK_ISSUE_OUT_OF_RANGE, 0, "Expires",
		    "Expires not a number below 2**32: the default expiry applies (§20.19)");
	if (m->nvias) {
		const struct sk_via *v = &m->vias[0];
		if (!sk_str_present(v->branch) || !sk_via_branch_is_3261(v))
			add(&f, SK_ISSUE_NO_BRANCH, 0, "Via",
			    "top Via has no RFC 3261 branch: RFC 2543 matching applies (§17.2.3)");
		else if (v->branch.len == 7)
			add(&f, SK_ISSUE_BRANCH_COOKIE_ONLY, 0, "Via",
			    "branch is only the magic cookie: not unique, RFC 2543 matching "
			    "or 400 (RFC 4475 §3.2.1)");
	}
	return f.n;
}
