/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reliable provisional responses (RFC 3262): each one (a 101-199 to an INVITE
 * with Require: 100rel and an RSeq) must be acknowledged by a PRACK in its
 * dialog whose RAck names its RSeq, CSeq number and method (§4, §7.2). The
 * PRACK is end to end, so it is looked for at any hop; a provisional seen
 * at several hops (a proxy forwarding it) or retransmitted is judged once.
 * Its absence is only a finding once the capture proves it: the callee
 * retransmitted it (no PRACK reached it within T1); or, where this capture
 * is on the PRACK's path (its first hop, the provisional's last Record-Route
 * or else its Contact, is where the INVITE went at this hop), the caller
 * sent another request after it or the capture runs 64*T1 past it. A PRACK
 * that a Record-Route or the Contact sends around the capture point is not
 * missing for want of being seen.
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

/*
 * A PRACK in the provisional's dialog whose RAck acknowledges it (§7.2): its
 * index, or -1. *near is the first PRACK of the dialog that names the RSeq but
 * not the CSeq (a B2BUA passing its other leg's RAck on), or -1.
 */
static int32_t find_prack(const struct sk_trace_call *c, const struct sk_trace_msg *p,
                          uint32_t rseq, int32_t *near)
{
	const struct sk_msg *prov = p->msg;
	const struct sk_cseq *cs = sk_msg_cseq(prov);
	bool near_at_hop = false;
	struct sk_str ft = msg_from_tag(prov), tt = msg_to_tag(prov);
	*near = -1;
	for (size_t j = 0; j < c->nmsgs; j++) {
		const struct sk_msg *m = c->msgs[j].msg;
		uint32_t r, n;
		char method[16];
		if (!m || !sk_msg_is_request(m) || !is_method(m, "PRACK") ||
		    !sk_str_caseeq(msg_from_tag(m), ft) || !sk_str_caseeq(msg_to_tag(m), tt) ||
		    sk_trace_rack(m, &r, &n, method, sizeof(method)) < 0)
			continue;
		if (r == rseq && n == cs->num && sk_str_caseeq_c(cs->method, method))
			return (int32_t)j;
		/* one sent back at the provisional's own hop says more than one elsewhere */
		bool at_hop =
		    c->msgs[j].from_host == p->to_host && c->msgs[j].to_host == p->from_host;
		if (r == rseq && (*near < 0 || (at_hop && !near_at_hop))) {
			*near = (int32_t)j;
			near_at_hop = at_hop;
		}
	}
	return -1;
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

/* "host:port" of an addr's URI (5060 when it has none). */
static void uri_hop(const struct sk_addr *a, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s:%u", (int)a->uri.host.len, a->uri.host.p,
	         a->uri.port ? a->uri.port : 5060u);
}

/*
 * Whether the PRACK passes the element that received provisional p. The
 * caller (a hop with no parent) sends it to its first route, the last
 * Record-Route, else to the Contact (§12.1.2, §12.2.1.1): on this capture's
 * path when that is where the INVITE went. A proxy (a forwarded INVITE) sees
 * it only when it record-routed (§16.6 step 4).
 */
static bool on_prack_path(const struct sk_trace_call *c, const struct sk_trace_msg *p)
{
	const struct sk_msg *m = p->msg;
	const struct sk_trace_txn *t = &c->txns[p->txn];
	size_t n = sk_msg_addr_count(m, SK_HDR_RECORD_ROUTE);
	char hop[96], at[96];
	if (t->parent >= 0) {
		sk_trace_addr_print(&c->hosts[p->to_host], at, sizeof(at));
		for (size_t i = 0; i < n; i++) {
			uri_hop(sk_msg_addr(m, SK_HDR_RECORD_ROUTE, i), hop, sizeof(hop));
			if (!strcmp(hop, at))
				return true;
		}
		return false;
	}
	const struct sk_addr *a =
	    n ? sk_msg_addr(m, SK_HDR_RECORD_ROUTE, n - 1) : sk_msg_addr(m, SK_HDR_CONTACT, 0);
	if (!a || a->star)
		return false;
	uri_hop(a, hop, sizeof(hop));
	sk_trace_addr_print(&c->hosts[t->to_host], at, sizeof(at));
	return !strcmp(hop, at);
}

/* Proof that no PRACK is coming: a retransmission, a later request of the caller, or time. */
static int32_t proof(const struct sk_trace_call *c, const struct analysis *a, uint32_t i,
                     uint32_t rseq)
{
	const struct sk_trace_msg *p = &c->msgs[i];
	bool on_path = on_prack_path(c, p);
	for (uint32_t j = i + 1; j < c->nmsgs; j++) {
		const struct sk_trace_msg *tm = &c->msgs[j];
		if (!tm->msg)
			continue;
		if (tm->retrans && reliable_rseq(c, tm) == rseq &&
		    sk_str_caseeq(msg_to_tag(tm->msg), msg_to_tag(p->msg)))
			return (int32_t)j; /* §3: retransmitted: no PRACK had come in T1 */
		if (on_path && sk_msg_is_request(tm->msg) && tm->from_host == p->to_host &&
		    !tm->retrans && !is_method(tm->msg, "PRACK"))
			return (int32_t)j; /* the caller went on (CANCEL, ACK, BYE) without it */
	}
	return on_path && sk_trace_covered(a, p->ts_us) ? (int32_t)i : -1;
}

/* Reliable provisionals judged per call: each costs a walk over the call, and a
 * real call has a handful (a hostile capture is not made quadratic by them). */
#define PRACK_MAX_JUDGED 64

void sk_trace_rules_prack(struct sk_trace_call *c, const struct analysis *a)
{
	char fr[32]; /* a frame as the texts name it: "14" or "2:14" */
	unsigned judged_n = 0;
	for (uint32_t i = 0; i < c->nmsgs && judged_n < PRACK_MAX_JUDGED; i++) {
		const struct sk_trace_msg *tm = &c->msgs[i];
		uint32_t rseq = reliable_rseq(c, tm);
		if (!rseq || tm->retrans || tm->duplicate)
			continue;
		judged_n++;
		int32_t near;
		if (judged(c, i, rseq) || find_prack(c, tm, rseq, &near) >= 0)
			continue;
		int32_t why = proof(c, a, i, rseq);
		if (why < 0)
			continue;
		const struct sk_cseq *cs = sk_msg_cseq(tm->msg);
		char after[96] = "";
		uint32_t r, n;
		char method[16];
		if (near >= 0 &&
		    sk_trace_rack(c->msgs[near].msg, &r, &n, method, sizeof(method)) == 0) {
			/* the PRACK that came closest is the lead, more than the proof */
			snprintf(after, sizeof(after),
			         "; the PRACK of frame %s reads RAck %u %u %s",
			         sk_trace_frame_ref(c, &c->msgs[near], fr, sizeof(fr)), (unsigned)r,
			         (unsigned)n, method);
			why = near;
		} else if (why != (int32_t)i) {
			snprintf(after, sizeof(after),
			         c->msgs[why].retrans ? " (retransmitted: no PRACK came)"
			                              : ", though the caller went on with %s",
			         c->msgs[why].label);
		}
		sk_trace_finding_add(
		    c, "prack.missing", i, why == (int32_t)i ? -1 : why,
		    "no PRACK with RAck %u %u %.*s acknowledged this reliable %d%s", (unsigned)rseq,
		    (unsigned)cs->num, (int)cs->method.len, cs->method.p, sk_msg_status(tm->msg),
		    after);
	}
}
