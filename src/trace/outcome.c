/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The call as its caller lived it: the first INVITE of the call that no
 * proxy forwarded (no parent) is the caller's; its final response, and the
 * CANCEL that matched it (or missed it), decide the outcome. An INVITE that
 * got a 401/407 and was sent again with credentials (RFC 3261 §22.2, §22.3:
 * same Call-ID, CSeq + 1, a new transaction) hands the call over to its retry.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "trace_int.h"

static bool challenged(const struct sk_trace_txn *t)
{
	return t->final >= 0 && (t->final_status == 401 || t->final_status == 407);
}

/* The caller's INVITE; *challenges: the challenged ones before it. */
static int32_t find_root(const struct sk_trace_call *c, unsigned *challenges)
{
	int32_t any = -1, root = -1;
	*challenges = 0;
	for (size_t k = 0; k < c->ntxns; k++) {
		const struct sk_trace_txn *t = &c->txns[k];
		if (!t->invite || t->parent >= 0)
			continue;
		const struct sk_addr *to = sk_msg_to(sk_trace_flow_req(c, t));
		if (to && to->tag.len == 0) { /* an initial INVITE, not a re-INVITE */
			if (root < 0) {
				root = (int32_t)k;
			} else if (challenged(&c->txns[root]) &&
			           c->txns[root].from_host == t->from_host &&
			           t->request > c->txns[root].request) {
				root = (int32_t)k; /* the retry with credentials (§22.2) */
				(*challenges)++;
			}
			continue;
		}
		if (any < 0)
			any = (int32_t)k;
	}
	return root >= 0 ? root : any;
}

/* A CANCEL from the caller toward the root's destination that matched nothing. */
static int32_t missed_cancel(const struct sk_trace_call *c, const struct sk_trace_txn *root)
{
	for (size_t k = 0; k < c->ntxns; k++) {
		const struct sk_trace_txn *t = &c->txns[k];
		if (!strcmp(t->method, "CANCEL") && t->cancel < 0 &&
		    t->from_host == root->from_host && t->request > root->request)
			return (int32_t)k;
	}
	return -1;
}

/* Appends to buf at w, printf-like (formats checked at each call). The new end. */
static size_t say(char *buf, size_t size, size_t w, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static size_t say(char *buf, size_t size, size_t w, const char *fmt, ...)
{
	if (w >= size)
		return w;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + w, size - w, fmt, ap);
	va_end(ap);
	return n > 0 ? w + (size_t)n : w;
}

static size_t put(char *buf, size_t size, size_t w, const char *s)
{
	if (w >= size)
		return w;
	int n = snprintf(buf + w, size - w, "%s", s);
	return n > 0 ? w + (size_t)n : w;
}

/*
 * Cancelled cleanly (README, "Outcomes"): the CANCEL got its 200 (§9.2), the
 * INVITE ended 487 (§9.2: the UAS SHOULD answer it so), that 487 was ACKed
 * (§17.1.1.3), and no finding of the call is an error. Otherwise false, and
 * outcome_why says each thing that failed.
 */
static bool cancel_clean(struct sk_trace_call *c, const struct sk_trace_txn *t,
                         const struct sk_trace_txn *ct)
{
	char *b = c->outcome_why;
	size_t n = sizeof(c->outcome_why), w = 0;
	if (ct->final < 0)
		w = put(b, n, w, "; the CANCEL got no response");
	else if (ct->final_status >= 300)
		w = say(b, n, w, "; the CANCEL was answered %u, not 200", ct->final_status);
	if (t->final_status != 487)
		w = say(b, n, w, "; the INVITE ended %u, not 487", t->final_status);
	else if (t->ack < 0)
		w = put(b, n, w, "; the 487 was not ACKed in its transaction");
	size_t errors = 0;
	for (size_t i = 0; i < c->nfindings; i++) {
		const struct sk_trace_finding *f = &c->findings[i];
		bool again = false;
		for (size_t j = 0; j < i; j++)
			again |= c->findings[j].code == f->code;
		if (f->severity != SK_SEV_ERROR || again)
			continue;
		w = say(b, n, w, "%s%s", errors++ ? ", " : "; error findings: ", f->code->code);
	}
	if (w >= 2) /* drop the leading "; " */
		memmove(b, b + 2, strlen(b + 2) + 1);
	return w == 0;
}

/*
 * A non-2xx final other than 487 just after the CANCEL that rules.c did not
 * call cancel.wrong_final: the callee sent it before the CANCEL reached it
 * (the finals crossed), so the call failed with it and the CANCEL did nothing.
 */
static bool crossed_final(const struct sk_trace_call *c, const struct sk_trace_txn *t)
{
	if (t->final_status == 487)
		return false;
	for (size_t i = 0; i < c->nfindings; i++)
		if (!strcmp(c->findings[i].code->code, "cancel.wrong_final") &&
		    c->findings[i].msgs[0] == (uint32_t)t->final)
			return false;
	return true;
}

/* outcome_why for a call whose CANCEL did not end it: failed first, or never ended. */
static void why_not_cancelled(struct sk_trace_call *c, const struct sk_trace_txn *t,
                              const struct sk_trace_txn *ct)
{
	if (!ct || t->cancel < 0 || c->outcome == SK_TRACE_OUT_CANCELLED ||
	    c->outcome == SK_TRACE_OUT_CANCELLED_UNCLEAN ||
	    c->outcome == SK_TRACE_OUT_ANSWERED_ANYWAY)
		return;
	char *b = c->outcome_why;
	size_t n = sizeof(c->outcome_why);
	if (c->outcome == SK_TRACE_OUT_FAILED)
		snprintf(b, n, "the INVITE's %u %s the CANCEL, which had no effect",
		         t->final_status,
		         (uint32_t)t->final < ct->request ? "came before" : "crossed");
	else if (ct->final < 0)
		snprintf(b, n, "the CANCEL got no response and the INVITE no final");
	else if (ct->final_status / 100 == 2)
		snprintf(b, n, "the CANCEL got its %u but the INVITE no final (no 487)",
		         ct->final_status);
	else
		snprintf(b, n, "the CANCEL was answered %u and the INVITE got no final",
		         ct->final_status);
}

void sk_trace_outcome_decide(struct sk_trace_call *c)
{
	unsigned challenges;
	int32_t r = find_root(c, &challenges);
	c->root = r;
	if (r < 0) {
		bool cancel = false;
		for (size_t k = 0; k < c->ntxns; k++)
			cancel |= !strcmp(c->txns[k].method, "CANCEL");
		c->outcome = SK_TRACE_OUT_NONE;
		snprintf(c->outcome_detail, sizeof(c->outcome_detail), "%s",
		         cancel ? "no INVITE in the input, only a CANCEL" : "no INVITE");
		return;
	}
	const struct sk_trace_txn *t = &c->txns[r];
	int64_t t0 = c->msgs[t->request].ts_us;
	int32_t missed = missed_cancel(c, t);
	const struct sk_trace_txn *ct = t->cancel >= 0 ? &c->txns[t->cancel]
	                                : missed >= 0  ? &c->txns[missed]
	                                               : NULL;
	if (t->first_prov >= 0)
		c->first_prov_us = c->msgs[t->first_prov].ts_us - t0;
	if (ct)
		c->cancel_us = c->msgs[ct->request].ts_us - t0;
	if (ct && ct->final >= 0)
		c->cancel_resp_us = c->msgs[ct->final].ts_us - t0;
	if (t->final >= 0)
		c->final_us = c->msgs[t->final].ts_us - t0;

	if (t->first_2xx >= 0)
		c->outcome = t->cancel >= 0 ? SK_TRACE_OUT_ANSWERED_ANYWAY : SK_TRACE_OUT_ANSWERED;
	else if (t->cancel >= 0 && t->final >= 0 && (uint32_t)t->final > ct->request &&
	         !crossed_final(c, t))
		c->outcome = cancel_clean(c, t, ct) ? SK_TRACE_OUT_CANCELLED
		                                    : SK_TRACE_OUT_CANCELLED_UNCLEAN;
	else if (missed >= 0 || t->final >= 0)
		c->outcome = SK_TRACE_OUT_FAILED;
	else
		c->outcome = SK_TRACE_OUT_UNFINISHED;
	why_not_cancelled(c, t, ct);
	char *b = c->outcome_detail;
	size_t n = sizeof(c->outcome_detail), w = 0;
	w = put(b, n, w, "INVITE");
	if (challenges)
		w = say(b, n, w, " (sent again with credentials after %u challenge%s)", challenges,
		        challenges == 1 ? "" : "s");
	if (c->first_prov_us >= 0)
		w = say(b, n, w, ", first provisional after %.3f s",
		        (double)c->first_prov_us / 1e6);
	if (ct) {
		w = say(b, n, w, ", CANCEL at %.3f s", (double)c->cancel_us / 1e6);
		if (c->first_prov_us >= 0 && c->cancel_us >= c->first_prov_us)
			w = say(b, n, w, " (%.3f s after the first provisional)",
			        (double)(c->cancel_us - c->first_prov_us) / 1e6);
		if (ct->final >= 0 && w < n) {
			int k = snprintf(b + w, n - w, ", %u to the CANCEL", ct->final_status);
			w += k > 0 ? (size_t)k : 0;
		}
		if (t->cancel < 0)
			w = put(b, n, w, ", which matched nothing");
	}
	if (t->final >= 0 && w < n) {
		int k = snprintf(b + w, n - w, ", %u to the INVITE at %.3f s", t->final_status,
		                 (double)c->final_us / 1e6);
		w += k > 0 ? (size_t)k : 0;
		if (ct && c->final_us >= c->cancel_us)
			w = say(b, n, w, " (%.3f s after the CANCEL)",
			        (double)(c->final_us - c->cancel_us) / 1e6);
	} else {
		w = put(b, n, w, ", no final response");
	}
}
