/* SPDX-License-Identifier: BSD-3-Clause */
/* The trace checker (internal to src/trace). */
#ifndef SK_TRACE_INT_H
#define SK_TRACE_INT_H

#include "sipkit/trace.h"

#define MAX_HOSTS    32 /* columns of a ladder; more endpoints share the last one */
#define MAX_FINDINGS 64 /* per call */

/* What the analysis needs beyond the call: the capture clock and the 64*T1 window. */
struct analysis {
	int64_t end_us;    /* the latest time in the input so far */
	int64_t window_us; /* 64*T1 */
};

/* The tags of a message's To and From ("" when it has no such header). */
static inline struct sk_str msg_to_tag(const struct sk_msg *m)
{
	const struct sk_addr *to = sk_msg_to(m);
	return to ? to->tag : (struct sk_str){0};
}

static inline struct sk_str msg_from_tag(const struct sk_msg *m)
{
	const struct sk_addr *from = sk_msg_from(m);
	return from ? from->tag : (struct sk_str){0};
}

/* A message held until its call is analysed: where and when, and its bytes in the call's buffer. */
struct held {
	uint64_t frame;
	int64_t ts_us;
	uint32_t file, off, len;
	uint32_t ip_id;
	bool has_ip_id;
	uint8_t proto;
	struct sk_trace_addr src, dst;
};

/* expand.c: a held call parsed for analysis, and freed after it */
int sk_trace_expand_call(struct sk_trace_call *p, const struct held *h, size_t n, char *bytes,
                         const struct sk_msg_limits *lim);
void sk_trace_expand_free(struct sk_trace_call *p);

/* flow.c: transactions, their responses, proxies' branches (sk_txn_*_matches) */
int sk_trace_flow_build(struct sk_trace_call *c);
/* The request message of transaction t. */
const struct sk_msg *sk_trace_flow_req(const struct sk_trace_call *c, const struct sk_trace_txn *t);

/* rules.c and rules_fork.c: the findings; outcome.c: the caller's outcome */
void sk_trace_rules_cancel(struct sk_trace_call *c, const struct analysis *a);
void sk_trace_rules_ack_reason(struct sk_trace_call *c, const struct analysis *a);
void sk_trace_rules_fork(struct sk_trace_call *c, const struct analysis *a);
/* rules_prack.c: reliable provisionals and their PRACK (RFC 3262) */
void sk_trace_rules_prack(struct sk_trace_call *c, const struct analysis *a);
/* flow.c: RSeq of a response (0: none), RAck of a PRACK (0 or -1) */
uint32_t sk_trace_rseq(const struct sk_msg *m);
int sk_trace_rack(const struct sk_msg *m, uint32_t *rseq, uint32_t *cseq, char *method,
                  size_t size);
void sk_trace_outcome_decide(struct sk_trace_call *c);

/* findings.c */
struct sk_trace_finding *sk_trace_finding_add(struct sk_trace_call *c, const char *code,
                                              uint32_t m0, int32_t m1, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void sk_trace_finding_diff(struct sk_trace_finding *f, const char *field, struct sk_str ours,
                           struct sk_str theirs, const char *hdr);
/*
 * How a text names the message of frame i: "14", or "2:14" (input 2, frame 14)
 * when several inputs were checked, as the ladders and findings do; returns buf.
 */
const char *sk_trace_frame_ref(const struct sk_trace_call *c, const struct sk_trace_msg *m,
                               char *buf, size_t size);
/* True when the input runs on at least 64*T1 past t (a missing message is then missing). */
bool sk_trace_covered(const struct analysis *a, int64_t t_us);

#endif
