/* SPDX-License-Identifier: BSD-3-Clause */
/* Character classes and scanners of the RFC 3261 §25.1 grammar (internal). */
#ifndef SK_MSG_LEX_H
#define SK_MSG_LEX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sipkit/core.h"
#include "sipkit/uri.h"

enum {
	LX_TOKEN = 1 << 0, /* token: alphanum - . ! % * _ + ` ' ~ */
	LX_UNRES = 1 << 1, /* unreserved: alphanum mark */
	LX_USER = 1 << 2,  /* user-unreserved: & = + $ , ; ? / */
	LX_PASS = 1 << 3,  /* password extras: & = + $ , */
	LX_PARAM = 1 << 4, /* param-unreserved: [ ] / : & + $ */
	LX_HNV = 1 << 5,   /* hnv-unreserved: [ ] / ? : + $ */
	LX_HOST = 1 << 6,  /* hostname / IPv4 chars: alphanum - . */
	LX_WORD = 1 << 7,  /* word (Call-ID): token plus ( ) < > : \ " / [ ] ? { } */
	LX_DIGIT = 1 << 8,
	LX_ALPHA = 1 << 9,
	LX_SCHEME = 1 << 10, /* scheme: alphanum + - . */
	LX_REASON = 1 << 11, /* tel-subscriber characters and visual separators */
};

extern const uint16_t sk_lex_class[256];

static inline int lx_is(unsigned char c, uint16_t cls)
{
	return (sk_lex_class[c] & cls) != 0;
}
static inline int lx_wsp(char c)
{
	return c == ' ' || c == '\t';
}
static inline char lx_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c | 0x20) : c;
}

/* sk_str_to_u64 with an inline fast path for the usual short numbers (same results). */
static inline int lx_u64(struct sk_str s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s.len == 0 || s.len > 9)
		return sk_str_to_u64(s, max, out);
	for (size_t i = 0; i < s.len; i++) {
		unsigned d = (unsigned)(unsigned char)s.p[i] - '0';
		if (d > 9)
			return -SK_EMALFORMED;
		v = v * 10 + d;
	}
	if (v > max)
		return -SK_ETOOBIG;
	*out = v;
	return 0;
}

/* For the small scanners whose callers pass a constant class: inlined, they
 * cost a third less (GCC and Clang otherwise keep some out of line). */
#if defined(__GNUC__)
#define LX_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define LX_ALWAYS_INLINE static inline
#endif

/* Scanning cursor over [p, end). */
struct lx {
	const char *p;
	const char *end;
};

/* The end of the run of SP/HT starting at p (bounded by e). */
static inline const char *lx_scan_ws(const char *p, const char *e)
{
	while (p < e && lx_wsp(*p))
		p++;
	return p;
}

/* The end of the run of chars of a class starting at p (bounded by e). */
static inline const char *lx_scan(const char *p, const char *e, uint16_t cls)
{
	/* four at a time while they fit; the byte that ends the run is found once */
	while (e - p >= 4) {
		if (!(sk_lex_class[(unsigned char)p[0]] & cls))
			return p;
		if (!(sk_lex_class[(unsigned char)p[1]] & cls))
			return p + 1;
		if (!(sk_lex_class[(unsigned char)p[2]] & cls))
			return p + 2;
		if (!(sk_lex_class[(unsigned char)p[3]] & cls))
			return p + 3;
		p += 4;
	}
	while (p < e && lx_is((unsigned char)*p, cls))
		p++;
	return p;
}

static inline void lx_skip_ws(struct lx *l)
{
	l->p = lx_scan_ws(l->p, l->end);
}

/* Consumes a run of chars of a class; returns its view (len 0 if none). */
static inline struct sk_str lx_take(struct lx *l, uint16_t cls)
{
	const char *s = l->p;
	l->p = lx_scan(s, l->end, cls);
	return (struct sk_str){s, (size_t)(l->p - s)};
}

/* Consumes one char c (after optional WSP both sides when sws): 1 if found. */
static inline int lx_eat(struct lx *l, char c)
{
	if (l->p < l->end && *l->p == c) {
		l->p++;
		return 1;
	}
	return 0;
}

static inline int lx_eat_sep(struct lx *l, char c)
{
	const char *save = l->p;
	lx_skip_ws(l);
	if (lx_eat(l, c)) {
		lx_skip_ws(l);
		return 1;
	}
	l->p = save;
	return 0;
}

static inline int lx_done(const struct lx *l)
{
	return l->p >= l->end;
}

/* A cursor over a view; a view without bytes (p NULL) reads as "". */
static inline struct lx lx_of(struct sk_str s)
{
	const char *p = s.p ? s.p : "";
	return (struct lx){p, p + (s.p ? s.len : 0)};
}

/* Consumes a quoted-string (§25.1) incl. quotes: 0, or -1 if unterminated. */
int sk_lex_quoted(struct lx *l, struct sk_str *out);

/* Parameters a caller wants picked out while a list is validated. */
struct lx_want {
	char name[8]; /* lowercase, NUL-padded: compared as one 8-byte word */
	uint8_t len;  /* 1..8 */
	uint16_t off; /* of the struct sk_str in the caller's struct, set to the value;
	               * a name without '=' gives p set, len 0 */
};

/* Trims SP/HT on both ends. */
static inline struct sk_str lx_trim(struct sk_str s)
{
	while (s.len && lx_wsp(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && lx_wsp(s.p[s.len - 1]))
		s.len--;
	return s;
}

/* Finds the next top-level ',' (outside quotes and <>), from p; end if none. */
const char *sk_lex_next_comma(const char *p, const char *end);

int sk_lex_host_ipv6(struct lx *l, struct sk_str *host);
int sk_lex_host_ipv4(struct sk_str host);

/* Parses a host (name, IPv4, [IPv6]) at l; returns its type or SK_HOST_NONE. */
LX_ALWAYS_INLINE int lx_host(struct lx *l, struct sk_str *host)
{
	const char *s = l->p;

	if (l->p < l->end && *l->p == '[')
		return sk_lex_host_ipv6(l, host);
	*host = lx_take(l, LX_HOST);
	if (host->len == 0 || s[0] == '-' || s[0] == '.')
		return SK_HOST_NONE;
	/* the last label decides: toplabel starts with ALPHA (§25.1), so a name whose
	 * last label starts with a digit can only be an IPv4address */
	size_t end = host->len;
	if (s[end - 1] == '.')
		end--; /* a fully qualified name may end with '.' */
	size_t top = end;
	while (top > 0 && s[top - 1] != '.')
		top--;
	if (top < end && lx_is((unsigned char)s[top], LX_ALPHA))
		return SK_HOST_NAME;
	return sk_lex_host_ipv4(*host);
}

int sk_lex_port_colon(struct lx *l, struct sk_str *port_str, uint16_t *port);

/* Parses an optional ":port" (1*DIGIT <= 65535): 0, or -1 malformed. */
static inline int lx_port(struct lx *l, struct sk_str *port_str, uint16_t *port)
{
	if (l->p < l->end && *l->p == ':')
		return sk_lex_port_colon(l, port_str, port);
	*port = 0;
	*port_str = (struct sk_str){NULL, 0};
	return 0;
}

/* Stores val in the wanted parameter called name, if one is (ASCII case-insensitive:
 * for token characters, c | 0x20 is a lowercase letter only when c is that letter
 * in either case, and the wanted names are letters). e bounds what may be read. */
LX_ALWAYS_INLINE void lx_match_want(struct sk_str name, struct sk_str val, const char *e,
                                    const struct lx_want *want, size_t nwant, void *base)
{
	static const unsigned char ones[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint64_t k = 0, mask;

	if (name.len > 8)
		return;
	if (e - name.p >= 8) {
		memcpy(&k, name.p, 8);
		memcpy(&mask, ones + 8 - name.len, 8);
		k = (k | 0x2020202020202020ull) & mask;
	} else {
		unsigned char b[8] = {0};
		for (size_t i = 0; i < name.len; i++)
			b[i] = (unsigned char)(name.p[i] | 0x20);
		memcpy(&k, b, 8);
	}
	for (size_t i = 0; i < nwant; i++) {
		uint64_t w;
		memcpy(&w, want[i].name, 8);
		if (want[i].len == name.len && w == k) {
			struct sk_str *dst = (struct sk_str *)(void *)((char *)base + want[i].off);
			*dst = val.p ? val : (struct sk_str){name.p + name.len, 0};
			return;
		}
	}
}

/*
 * Consumes generic-params ";name[=value]" (§25.1); returns the view without the
 * first ';' in *out. Values may be tokens, hosts (incl. IPv6 references) or
 * quoted strings. Parameters named in want[0..nwant) are stored in base as they
 * pass. Returns 0, or -1 on an empty or malformed parameter. Inline: the callers'
 * tables are constants.
 */
LX_ALWAYS_INLINE int lx_params(struct lx *l, struct sk_str *out, const struct lx_want *want,
                               size_t nwant, void *base)
{
	const char *p = l->p, *e = l->end, *start = NULL, *last = p;

	for (;;) {
		/* SWS ";" SWS, with a fast path for the usual ";name" */
		const char *q = p;
		if (q < e && *q != ';')
			q = lx_scan_ws(q, e);
		if (q >= e || *q != ';')
			break;
		q++;
		if (q < e && (*q == ' ' || *q == '\t'))
			q = lx_scan_ws(q, e);
		if (!start)
			start = q;
		const char *ne = lx_scan(q, e, LX_TOKEN);
		if (ne == q)
			return -1; /* ";;" or "; " with no name: RFC 4475 §3.1.2.1 */
		struct sk_str name = {q, (size_t)(ne - q)};
		struct sk_str v = {NULL, 0};
		p = ne;
		q = (p < e && *p != '=') ? lx_scan_ws(p, e) : p;
		if (q < e && *q == '=') {
			q = lx_scan_ws(q + 1, e);
			if (q < e && *q == '"') {
				struct lx sub = {q, e};
				if (sk_lex_quoted(&sub, &v) < 0)
					return -1;
				p = sub.p;
			} else if (q < e && *q == '[') {
				struct lx sub = {q, e};
				if (lx_host(&sub, &v) != SK_HOST_IPV6)
					return -1;
				p = sub.p;
			} else {
				/* gen-value = token / host / quoted-string; plus the
				 * characters IPv6 addresses need (RFC 5118 §4.5). */
				p = lx_scan(q, e, LX_TOKEN | LX_PARAM);
				if (p == q)
					return -1;
				v = (struct sk_str){q, (size_t)(p - q)};
			}
		}
		if (nwant)
			lx_match_want(name, v, e, want, nwant, base);
		last = p;
	}
	l->p = last;
	*out = start ? (struct sk_str){start, (size_t)(last - start)} : (struct sk_str){l->p, 0};
	return 0;
}

#endif
