/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stateful proxy's branches (§16.6 forwarding, linked by the Via it pushed):
 * a 2xx on one branch must cancel the others, saying why (§16.7 step 10,
 * RFC 3326); a CANCEL from upstream must cancel every branch still pending
 * (§16.10). A branch with no provisional yet is cancelled only once one
 * arrives (§9.1), so only branches that had one are judged.
 */
#include <string.h>

#include "trace_int.h"

/* Branch x had no final response yet at message i. */
static bool pending_at(const struct sk_trace_txn *x, uint32_t i)
{
	return x->request < i && (x->final < 0 || x->final > (int32_t)i);
}

static void after_2xx(struct sk_trace_call *c, const struct analysis *a, size_t u)
{
	/* the first branch that answered, and the 2xx the proxy passed up */
	const struct sk_trace_txn *won = NULL;
	for (size_t k = 0; k < c->ntxns; k++) {
		const struct sk_trace_txn *x = &c->txns[k];
		if (x->parent == (int32_t)u && x->invite && x->first_2xx >= 0 &&
		    (!won || x->first_2xx < won->first_2xx))
			won = x;
	}
	if (!won || c->txns[u].first_2xx < 0)
		return;
	uint32_t w = (uint32_t)won->first_2xx;
	for (size_t k = 0; k < c->ntxns; k++) {
		const struct sk_trace_txn *x = &c->txns[k];
		if (x == won || x->parent != (int32_t)u || !x->invite || !pending_at(x, w) ||
		    x->first_prov < 0)
			continue;
		if (x->cancel < 0) {
			char to[64];
			sk_trace_addr_print(&c->hosts[x->to_host], to, sizeof(to));
			if (sk_trace_covered(a, c->msgs[w].ts_us) || x->final >= 0)
				sk_trace_finding_add(
				    c, "fork.not_cancelled", x->request, (int32_t)w,
				    "the branch to %s was still pending when another branch "
				    "answered %u, and the proxy never cancelled it",
				    to, won->final_status);
			continue;
		}
		uint32_t ci = c->txns[x->cancel].request;
		const struct sk_msg *cm = c->msgs[ci].msg;
		if (ci > w && !sk_msg_hdr_first(cm, SK_HDR_REASON)) {
			struct sk_trace_finding *f = sk_trace_finding_add(
			    c, "fork.no_reason", ci, (int32_t)w,
			    "the proxy cancelled this branch after a 2xx on another, "
			    "without a Reason");
			if (f)
				strcpy(f->hdr, "Reason");
		}
	}
}

static void after_cancel(struct sk_trace_call *c, const struct analysis *a, size_t u)
{
	char fr[32]; /* a frame as the texts name it: "14" or "2:14" */
	const struct sk_trace_txn *ut = &c->txns[u];
	if (ut->cancel < 0)
		return;
	const struct sk_trace_txn *cu = &c->txns[ut->cancel];
	/* the proxy answered the CANCEL, so it took it on (§16.10) */
	if (cu->final < 0 || cu->final_status != 200)
		return;
	uint32_t ci = cu->request;
	for (size_t k = 0; k < c->ntxns; k++) {
		const struct sk_trace_txn *x = &c->txns[k];
		if (x->parent != (int32_t)u || !x->invite || !pending_at(x, ci) ||
		    x->first_prov < 0 || x->cancel >= 0)
			continue;
		if (sk_trace_covered(a, c->msgs[ci].ts_us) || x->final >= 0)
			sk_trace_finding_add(
			    c, "cancel.not_forwarded", x->request, (int32_t)ci,
			    "the proxy answered the CANCEL of frame %s with 200 but never "
			    "cancelled this branch",
			    sk_trace_frame_ref(c, &c->msgs[ci], fr, sizeof(fr)));
	}
}

void sk_trace_rules_fork(struct sk_trace_call *c, const struct analysis *a)
{
	for (size_t u = 0; u < c->ntxns; u++) {
		if (!c->txns[u].invite)
			continue;
		after_2xx(c, a, u);
		after_cancel(c, a, u);
	}
}
