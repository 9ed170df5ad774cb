/* SPDX-License-Identifier: BSD-3-Clause */
/* The parsed message (internal to src/msg). */
#ifndef SK_MSG_INT_H
#define SK_MSG_INT_H

#include "lex.h"
#include "sipkit/msg.h"

#define SK_NO_HDR UINT32_MAX

/* The three multi-valued address headers a proxy parses eagerly. */
enum addr_kind { AK_CONTACT, AK_ROUTE, AK_RECORD_ROUTE, AK__COUNT };

struct addr_list {
	uint16_t *idx; /* indexes into sk_msg.addrs */
	uint32_t n;
};

struct sk_msg {
	struct sk_msg_limits lim;
	struct sk_str raw;
	char *own; /* copy of the bytes for sk_msg_parse_copy */
	size_t own_cap;
	char *scratch; /* unfolded header values (only when folding occurs) */
	size_t scratch_cap, scratch_used;
	char *stamp; /* the top Via header value rewritten by sk_msg_via_stamp */
	size_t stamp_cap;

	bool request;
	struct sk_str start_line, method, ruri_str, version, phrase, body;
	struct sk_uri ruri;
	int status;

	struct sk_hdr *hdrs;
	uint32_t nhdrs, hdrs_cap;
	uint32_t first[SK_HDR__COUNT];
	uint32_t last[SK_HDR__COUNT];
	uint16_t count[SK_HDR__COUNT];

	struct sk_via *vias;
	uint32_t nvias, vias_cap;
	struct sk_addr *addrs;
	uint32_t naddrs, addrs_cap;
	struct addr_list lists[AK__COUNT];

	struct sk_addr from, to;
	bool has_from, has_to;
	struct sk_str call_id;
	struct sk_cseq cseq;
	bool has_cseq;
	int max_forwards;     /* -1 absent or out of range */
	bool mf_out_of_range; /* RFC 4475 §3.1.2.4: treated as absent */
	long content_length;  /* -1 absent */
	bool cl_conflict;     /* several different values (RFC 4475 §3.3.9) */
	long expires;         /* -1 absent or out of range */
	bool expires_out_of_range;
	struct sk_str content_type;
};

/*
 * Value parsers that start at l->p and stop after one value, at a top-level
 * ',' (left unconsumed) or at the end; trailing whitespace is skipped.
 */
int via_parse_at(struct sk_via *v, struct lx *l, const char **why);
int addr_parse_at(struct sk_addr *a, struct lx *l, bool contact, const char **why);

/* Identifies a header name already known to be a token (O(1) on length and ends). */
enum sk_hdr_id hdr_lookup(const char *name, size_t len);

/*
 * Fast path for a header line at p (line end le, readable bytes up to end): when the line starts
 * with a known header name (any case) immediately followed by ':', returns its id and sets
 * *name_len; SK_HDR_OTHER otherwise (the caller then scans as usual).
 */
enum sk_hdr_id hdr_match_colon(const char *p, const char *le, const char *end, size_t *name_len);

/* Parses the start line and headers of [p, end); sets body per framing mode. */
int sk_msg_parse_impl(struct sk_msg *m, const char *buf, size_t len, bool stream,
                      struct sk_parse_err *err);

#endif
