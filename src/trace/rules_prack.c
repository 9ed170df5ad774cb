/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reliable provisional responses (RFC 3262): each one (a 101-199 to an INVITE
 * with Require: 100rel and an RSeq) must be acknowledged by a PRACK in its
 * dialog whose RAck names its RSeq, CSeq number and method (§4, §7.2). The
 * PRACK is end to end, so it is looked for at any hop; a provisional seen
 * at several hops (a proxy forwarding it) or retransmitted is judged once.
 * Its absence is only a finding once the capture proves it: the callee
 * retransmitted it (no PRACK reached it within T1), the caller sent another
 * request after it, or the capture runs 64*T1 past it.
 */
#include <stdio.h>
#include <string.h>

#include "trace_int.h"

static bool is_method(const struct sk_msg *m, const char *name)
{
	return sk_str_caseeq_c(sk_msg_method(m), name);
}

/* The RSeq of a reliable provisional to an INVITE, 0 when it is none. */
static uint32_t reliable_rseq(const struct sk_trace_call *c, const struct sk_trace_msg *tm)
{
	const struct sk_msg *m = tm->msg;
	if (!m || sk_msg_is_request(m) || tm->txn < 0 || !c->txns[tm->txn].invite)
		return 0;
	int st = sk_msg_status(m);
	if (st <= 100 || st >= 200 || !sk_msg_list_has(m, SK_HDR_REQUIRE, "100rel"))
		return 0;
	return sk_trace_rseq(m);
}

/* A PRACK in the provisional's dialog whose RAck acknowledges it (§7.2). */
static bool pracked(const struct sk_trace_call *c, const struct sk_msg *prov, uint32_t rseq)
{
	const struct sk_cseq *cs = sk_msg_cseq(prov);
	struct sk_str ft = msg_from_tag(prov), tt = msg_to_tag(prov);
	for (size_t j = 0; j < c->nmsgs; j++) {
		const struct sk_msg *m = c->msgs[j].msg;
		uint32_t r, n;
		char method[16];
		if (!m || !sk_msg_is_request(m) || !is_method(m, "PRACK") ||
		    !sk_str_caseeq(msg_from_tag(m), ft) || !sk_str_caseeq(msg_to_tag(m), tt) ||
		    sk_trace_rack(m, &r, &n, method, sizeof(method)) < 0)
			continue;
		if (r == rseq && n == cs->num && sk_str_caseeq_c(cs->method, method))
			return true;
	}
	return false;
}

/* Provisional i (or an earlier copy of it at another hop) was judged already. */
static bool judged(const struct sk_trace_call *c, uint32_t i, uint32_t rseq)
{
	const struct sk_msg *m = c->msgs[i].msg;
	for (uint32_t j = 0; j < i; j++)
		if (reliable_rseq(c, &c->msgs[j]) == rseq &&
		    sk_str_caseeq(msg_to_tag(c->msgs[j].msg), msg_to_tag(m)) &&
		    sk_msg_status(c->msgs[j].msg) == sk_msg_status(m))
			return true;
	return false;
}

/* Proof that no PRACK is coming: a retransmission, a later request of the caller, or time. */
static int32_t proof(const struct sk_trace_call *c, const struct analysis *a, uint32_t i,
                     uint32_t rseq)
{
	const struct sk_trace_msg *p = &c->msgs[i];
	for (uint32_t j = i + 1; j < c->nmsgs; j++) {
		const struct sk_trace_msg *tm = &c->msgs[j];
		if (!tm->msg)
			continue;
		if (tm->retrans && reliable_rseq(c, tm) == rseq &&
		    sk_str_caseeq(msg_to_tag(tm->msg), msg_to_tag(p->msg)))
			return (int32_t)j; /* §3: retransmitted: no PRACK had come in T1 */
		if (sk_msg_is_request(tm->msg) && tm->from_host == p->to_host && !tm->retrans &&
		    !is_method(tm->msg, "PRACK"))
			return (int32_t)j; /* the caller went on (CANCEL, ACK, BYE) without it */
	}
	return sk_trace_covered(a, p->ts_us) ? (int32_t)i : -1;
}

void sk_trace_rules_prack(struct sk_trace_call *c, const struct analysis *a)
{
	for (uint32_t i = 0; i < c->nmsgs; i++) {
		const struct sk_trace_msg *tm = &c->msgs[i];
		uint32_t rseq = reliable_rseq(c, tm);
		if (!rseq || tm->retrans || judged(c, i, rseq) || pracked(c, tm->msg, rseq))
			continue;
		int32_t why = proof(c, a, i, rseq);
		if (why < 0)
			continue;
		const struct sk_cseq *cs = sk_msg_cseq(tm->msg);
		char after[64] = "";
		if (why != (int32_t)i)
			snprintf(after, sizeof(after),
			         c->msgs[why].retrans ? " (retransmitted: no PRACK came)"
			                              : ", though the caller went on with %s",
			         c->msgs[why].label);
		sk_trace_finding_add(
		    c, "prack.missing", i, why == (int32_t)i ? -1 : why,
		    "no PRACK with RAck %u %u %.*s acknowledged this reliable %d%s", (unsigned)rseq,
		    (unsigned)cs->num, (int)cs->method.len, cs->method.p, sk_msg_status(tm->msg),
		    after);
	}
}
