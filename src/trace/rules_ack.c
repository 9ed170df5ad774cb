/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What must follow a final response: the ACK of a non-2xx final, hop by hop
 * in the INVITE's transaction (§17.1.1.3); the ACK and BYE of a 2xx that
 * crossed a CANCEL (§13.2.2.4, §15). And the messages themselves: Reason
 * values that do not parse (RFC 3326 §2), messages that do not parse at all.
 */
#include <stdio.h>
#include <string.h>

#include "trace_int.h"

#define MAX_UNPARSED_FINDINGS 5

/* A request of method after message i in the dialog of To tag `tag` (either direction). */
static int32_t dialog_request(const struct sk_trace_call *c, uint32_t after, const char *method,
                              struct sk_str tag, uint32_t cseq)
{
	for (uint32_t j = after + 1; j < c->nmsgs; j++) {
		const struct sk_msg *m = c->msgs[j].msg;
		if (!m || !sk_msg_is_request(m) || !sk_str_caseeq_c(sk_msg_method(m), method) ||
		    !sk_msg_cseq(m))
			continue;
		if (cseq && sk_msg_cseq(m)->num != cseq)
			continue;
		if (sk_str_caseeq(msg_to_tag(m), tag) || sk_str_caseeq(msg_from_tag(m), tag))
			return (int32_t)j;
	}
	return -1;
}

static void ack_of_final(struct sk_trace_call *c, const struct analysis *a, struct sk_trace_txn *t)
{
	uint32_t fi = (uint32_t)t->final;
	const struct sk_msg *inv = c->msgs[t->request].msg;
	/* an ACK to the same place for the same CSeq, but on another branch */
	for (uint32_t j = fi + 1; j < c->nmsgs; j++) {
		const struct sk_trace_msg *tm = &c->msgs[j];
		const struct sk_msg *m = tm->msg;
		if (!m || !sk_msg_is_request(m) || !sk_str_caseeq_c(sk_msg_method(m), "ACK") ||
		    tm->to_host != t->to_host || !sk_msg_cseq(m) || sk_msg_via_count(m) == 0 ||
		    sk_msg_cseq(m)->num != sk_msg_cseq(inv)->num ||
		    !sk_str_caseeq(msg_to_tag(m), msg_to_tag(c->msgs[fi].msg)))
			continue;
		struct sk_trace_finding *f = sk_trace_finding_add(
		    c, "ack.branch", j, (int32_t)t->request,
		    "the ACK for the %u is not in the INVITE's transaction: its top Via "
		    "differs, so the server retransmits the %u until Timer H",
		    t->final_status, t->final_status);
		sk_trace_finding_diff(f, "top Via branch", sk_msg_via(m, 0)->branch,
		                      sk_msg_via(inv, 0)->branch, "Via");
		return;
	}
	unsigned resent = 0;
	for (uint32_t j = fi + 1; j < c->nmsgs; j++)
		if (c->msgs[j].txn == (int32_t)(t - c->txns) && c->msgs[j].retrans &&
		    c->msgs[j].msg && sk_msg_status(c->msgs[j].msg) == t->final_status)
			resent++;
	if (sk_trace_covered(a, c->msgs[fi].ts_us) || resent >= 3)
		sk_trace_finding_add(c, "ack.missing", fi, (int32_t)t->request,
		                     "the %u to the INVITE was never ACKed%s", t->final_status,
		                     resent ? " (the server sent it again and again)" : "");
}

/* The 2xx that crossed a CANCEL was ACKed and BYE'd: the RFC's own race, handled; a note. */
static void resolved(struct sk_trace_call *c, struct sk_str tag)
{
	for (size_t i = 0; i < c->nfindings; i++) {
		struct sk_trace_finding *f = &c->findings[i];
		if (!strcmp(f->code->code, "cancel.answered_anyway") &&
		    sk_str_caseeq(msg_to_tag(c->msgs[f->msgs[0]].msg), tag))
			f->severity = SK_SEV_INFO;
	}
}

/* After a 2xx that crossed a CANCEL: one check per dialog (To tag) of the call. */
static void race(struct sk_trace_call *c, const struct analysis *a, struct sk_str *done,
                 size_t *ndone, size_t max)
{
	for (size_t k = 0; k < c->ntxns; k++) {
		const struct sk_trace_txn *t = &c->txns[k];
		if (!t->invite || t->cancel < 0 || t->first_2xx < 0)
			continue;
		const struct sk_trace_txn *ct = &c->txns[t->cancel];
		for (uint32_t j = (uint32_t)t->first_2xx; j < c->nmsgs; j++) {
			const struct sk_trace_msg *tm = &c->msgs[j];
			if (tm->txn != (int32_t)k || tm->retrans || !tm->msg ||
			    sk_msg_is_request(tm->msg) || sk_msg_status(tm->msg) >= 300 ||
			    sk_msg_status(tm->msg) < 200)
				continue;
			struct sk_str tag = msg_to_tag(tm->msg);
			bool seen = false;
			for (size_t d = 0; d < *ndone; d++)
				seen |= sk_str_caseeq(done[d], tag);
			if (seen || *ndone == max)
				continue;
			done[(*ndone)++] = tag;
			if (j < ct->request && c->msgs[ct->request].ts_us - tm->ts_us > 500000)
				continue; /* answered well before the CANCEL: cancel.after_final's
				             case */
			int32_t ack = dialog_request(c, j, "ACK", tag, sk_msg_cseq(tm->msg)->num);
			int32_t bye = dialog_request(c, j, "BYE", tag, 0);
			if (ack >= 0 && bye >= 0)
				resolved(c, tag);
			if ((ack < 0 || bye < 0) && sk_trace_covered(a, tm->ts_us))
				sk_trace_finding_add(
				    c, "cancel.race_unresolved", j, (int32_t)ct->request,
				    "the %d (To tag %.*s) got %s", sk_msg_status(tm->msg),
				    (int)tag.len, tag.p,
				    ack < 0 && bye < 0 ? "neither ACK nor BYE"
				    : ack < 0          ? "a BYE but no ACK"
				                       : "an ACK but no BYE: the call stays up");
		}
	}
}

void sk_trace_rules_ack_reason(struct sk_trace_call *c, const struct analysis *a)
{
	for (size_t k = 0; k < c->ntxns; k++) {
		struct sk_trace_txn *t = &c->txns[k];
		if (t->invite && t->final >= 0 && t->final_status >= 300 && t->ack < 0)
			ack_of_final(c, a, t);
	}
	struct sk_str done[16];
	size_t ndone = 0;
	race(c, a, done, &ndone, 16);

	unsigned unparsed = 0;
	for (uint32_t i = 0; i < c->nmsgs; i++) {
		const struct sk_trace_msg *tm = &c->msgs[i];
		if (tm->duplicate)
			continue; /* said once, for the first copy */
		if (!tm->msg) {
			if (unparsed++ < MAX_UNPARSED_FINDINGS)
				sk_trace_finding_add(c, "msg.unparsed", i, -1, "%s", tm->error);
			continue;
		}
		if (tm->retrans || !sk_msg_hdr_first(tm->msg, SK_HDR_REASON))
			continue;
		struct sk_reason r[8];
		size_t n = 0;
		struct sk_parse_err err;
		memset(&err, 0, sizeof(err));
		if (sk_msg_reasons(tm->msg, r, 8, &n, &err) < 0) {
			struct sk_trace_finding *f = sk_trace_finding_add(
			    c, "reason.malformed", i, -1, "%s",
			    err.why ? err.why : "the Reason header does not parse");
			if (f)
				snprintf(f->hdr, sizeof(f->hdr), "Reason");
		}
	}
}
