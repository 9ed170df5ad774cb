/* SPDX-License-Identifier: BSD-3-Clause */
/* The parsed message (internal to src/msg). */
#ifndef SK_MSG_INT_H
#define SK_MSG_INT_H

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
	uint32_t idx_cap; /* capacity of every lists[].idx (may lag addrs_cap after ENOMEM) */
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

/* Makes m read as an empty message (parse.c), as the parser does before each parse. */
void sk_msg_reset(struct sk_msg *m);

/*
 * Value parsers that start at l->p and stop after one value, at a top-level
 * ',' (left unconsumed) or at the end; trailing whitespace is skipped.
 */
int sk_msg_via_parse_at(struct sk_via *v, struct lx *l, const char **why);
int sk_msg_addr_parse_at(struct sk_addr *a, struct lx *l, bool contact, const char **why);

/*
 * sk_build_request and sk_build_response with the whole message's expected
 * size (start line, headers, Content-Length, body), so that it is built in one
 * allocation; a message that grows past it still grows.
 */
int sk_build_request_sized(struct sk_build **out, struct sk_str method, struct sk_str ruri,
                           size_t size);
int sk_build_response_sized(struct sk_build **out, int code, const char *reason, size_t size);
/* sk_build_hdr with v in decimal as the value (Max-Forwards, Max-Breadth), no printf. */
int sk_build_hdr_u64(struct sk_build *b, const char *name, uint64_t v);
/* sk_build_hdr with the name as a view (a received one: no copy to a C string). */
int sk_build_hdr_view(struct sk_build *b, struct sk_str name, struct sk_str value);
/* A received header's name as a copy writes it: as spelt, at most 127 bytes. */
struct sk_str sk_build_name_as_received(const struct sk_hdr *h);

/* Identifies a header name already known to be a token (O(1) on length and ends). */
enum sk_hdr_id sk_msg_hdr_lookup(const char *name, size_t len);

/* lower holds the lowercase name padded with NULs: 32 readable bytes, so a
 * name of up to 31 bytes compares as two 16-byte blocks (hdr_match_colon). */
struct hdr_slot {
	_Alignas(16) char lower[32];
	uint8_t len;
	uint8_t id;
};

/* The header names by hash of length and end letters (hdr.c, tools/gen_hdr_hash.py). */
extern const struct hdr_slot sk_msg_hdr_hash[256];

/*
 * Fast path for a header line at p (line end le, readable bytes up to end): when the line starts
 * with a known header name (any case) immediately followed by ':', returns its id and sets
 * *name_len; SK_HDR_OTHER otherwise (the caller then scans as usual). Inline: once a header.
 */
static inline uint32_t hdr_hash_of(const char *name, size_t len)
{
	return ((uint32_t)len * 47 + (uint32_t)(unsigned char)(name[0] | 0x20) * 38 +
	        (uint32_t)(unsigned char)(name[len - 1] | 0x20)) &
	       255;
}

#ifdef __SSE2__
/* The bytes of v with ASCII upper-case letters lowered (exactly: nothing else changes). */
static inline __m128i hdr_lower16(__m128i v)
{
	__m128i up = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
	                           _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
	return _mm_or_si128(v, _mm_and_si128(up, _mm_set1_epi8(0x20)));
}

/* The slot of a name of n bytes at p whose lowercased first 16 bytes are la
 * (and the next 16 lb, for names longer than 16), or NULL. */
static inline const struct hdr_slot *hdr_slot_of(const char *p, uint32_t n, __m128i la, __m128i lb)
{
	uint32_t k = hdr_hash_of(p, n);
	uint32_t want = (uint32_t)((1ull << n) - 1);

	for (;; k = (k + 1) & 255) {
		const struct hdr_slot *s = &sk_msg_hdr_hash[k];
		if (!s->len)
			return NULL;
		if (s->len != n)
			continue;
		const __m128i *w = (const __m128i *)(const void *)s->lower;
		uint32_t eq = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(la, _mm_load_si128(w)));
		if (n > 16)
			eq |= (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(lb, _mm_load_si128(w + 1)))
			      << 16;
		if ((eq & want) == want)
			return s;
	}
}

static inline enum sk_hdr_id hdr_match_colon(const char *p, const char *le, const char *end,
                                             size_t *name_len)
{
	const __m128i colon = _mm_set1_epi8(':');
	__m128i a, b;
	const struct hdr_slot *s;
	uint32_t m, n;

	/* the first ':' within the 16 or 32 bytes that can be read from p */
	if (end - p < 16)
		return SK_HDR_OTHER;
	a = _mm_loadu_si128((const __m128i *)(const void *)p);
	m = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a, colon));
	if (m) {
		n = (uint32_t)__builtin_ctz(m);
		if (n == 0 || (ptrdiff_t)n >= le - p)
			return SK_HDR_OTHER;
		s = hdr_slot_of(p, n, hdr_lower16(a), a);
	} else {
		if (end - p < 32)
			return SK_HDR_OTHER;
		b = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
		m = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(b, colon));
		if (!m)
			return SK_HDR_OTHER;
		n = 16 + (uint32_t)__builtin_ctz(m);
		if ((ptrdiff_t)n >= le - p)
			return SK_HDR_OTHER;
		s = hdr_slot_of(p, n, hdr_lower16(a), hdr_lower16(b));
	}
	if (!s)
		return SK_HDR_OTHER;
	*name_len = n;
	return (enum sk_hdr_id)s->id;
}
#else
static inline enum sk_hdr_id hdr_match_colon(const char *p, const char *le, const char *end,
                                             size_t *name_len)
{
	(void)p;
	(void)le;
	(void)end;
	(void)name_len;
	return SK_HDR_OTHER;
}
#endif

/* How sk_msg_parse_impl reads: a datagram or a stream's message, fully or shallow. */
enum sk_parse_mode {
	SK_PARSE_DATAGRAM = 0,
	SK_PARSE_STREAM = 1,  /* the header section must end with an empty line */
	SK_PARSE_SHALLOW = 2, /* sk_msg_parse_shallow: no URI or address parsed */
};

/* Parses the start line and headers of [p, end); sets body per framing mode. */
int sk_msg_parse_impl(struct sk_msg *m, const char *buf, size_t len, unsigned mode,
                      struct sk_parse_err *err);

#endif
