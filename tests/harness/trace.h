/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet trace recorder of the harnesses: every message a transport's
 * trace tap saw, with its first line, CSeq, Max-Forwards, Reason, To tag and
 * top Via branch, so that a test asserts what crossed the wire and in which
 * order; the ladder for a failing test. tests/harness/trace.c.
 */
#ifndef SK_HARNESS_TRACE_H
#define SK_HARNESS_TRACE_H

#include "sk_test.h"

#include "sipkit/transport.h"

/* One message a node sent (out) or received. */
struct hw_wire {
	bool out;
	struct sk_flow flow;
	int from, to; /* node indexes, -1 for an address of no node */
	uint64_t at;  /* ms since the harness started */
	enum sk_proto proto;
	bool request;
	int status;
	char method[16]; /* a request's method; a response's CSeq method */
	uint32_t cseq;
	int max_forwards;
	char reason[256]; /* every Reason value, ", " between them */
	char to_tag[64];
	char branch[128]; /* of the top Via */
	char *data;
	size_t len;
};

struct hw_trace {
	struct hw_wire *wire;
	size_t nwire, capwire;
};

/* Node `node` (of `nodes` at 10.0.0.x) sent (out) or received a message at `at`. */
struct hw_wire *hw_trace_add(struct hw_trace *t, int nodes, int node, bool out,
                             const struct sk_flow *flow, uint64_t at, const char *buf, size_t len);
void hw_trace_free(struct hw_trace *t);
/* The ladder: every message, one line each, to stderr. */
void hw_trace_dump(const struct hw_trace *t);

/* A parsed copy of a message on the wire (sk_msg_free it). */
struct sk_msg *hw_wire_parse(const struct hw_wire *w);
/* The value of the first header of this name, "" when absent (check with hw_has). */
struct sk_str hw_hdr(const struct sk_msg *m, const char *name);
bool hw_has(const struct sk_msg *m, const char *name);

#endif
