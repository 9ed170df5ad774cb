/* SPDX-License-Identifier: BSD-3-Clause */
/* Lexical helpers for the RFC 3261 §25.1 grammar. */
#include "lex.h"

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "sipkit/uri.h"

/* clang-format off */
const uint16_t sk_lex_class[256] = {
	[33] = LX_TOKEN | LX_UNRES | LX_WORD, /* '!' */
	[34] = LX_WORD, /* '"' */
	[35] = LX_REASON, /* '#' */
	[36] = LX_USER | LX_PASS | LX_PARAM | LX_HNV, /* '$' */
	[37] = LX_TOKEN | LX_WORD, /* '%' */
	[38] = LX_USER | LX_PASS | LX_PARAM, /* '&' */
	[39] = LX_TOKEN | LX_UNRES | LX_WORD, /* "'" */
	[40] = LX_UNRES | LX_WORD | LX_REASON, /* '(' */
	[41] = LX_UNRES | LX_WORD | LX_REASON, /* ')' */
	[42] = LX_TOKEN | LX_UNRES | LX_WORD | LX_REASON, /* '*' */
	[43] = LX_TOKEN | LX_USER | LX_PASS | LX_PARAM | LX_HNV | LX_WORD | LX_SCHEME | LX_REASON, /* '+' */
	[44] = LX_USER | LX_PASS, /* ',' */
	[45] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_SCHEME | LX_REASON, /* '-' */
	[46] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_SCHEME | LX_REASON, /* '.' */
	[47] = LX_USER | LX_PARAM | LX_HNV | LX_WORD, /* '/' */
	[48] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_DIGIT | LX_SCHEME | LX_REASON, /* '0' */
	[49] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_DIGIT | LX_SCHEME | LX_REASON, /* '1' */
	[50] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_DIGIT | LX_SCHEME | LX_REASON, /* '2' */
	[51] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_DIGIT | LX_SCHEME | LX_REASON, /* '3' */
	[52] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_DIGIT | LX_SCHEME | LX_REASON, /* '4' */
	[53] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_DIGIT | LX_SCHEME | LX_REASON, /* '5' */
	[54] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_DIGIT | LX_SCHEME | LX_REASON, /* '6' */
	[55] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_DIGIT | LX_SCHEME | LX_REASON, /* '7' */
	[56] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_DIGIT | LX_SCHEME | LX_REASON, /* '8' */
	[57] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_DIGIT | LX_SCHEME | LX_REASON, /* '9' */
	[58] = LX_PARAM | LX_HNV | LX_WORD, /* ':' */
	[59] = LX_USER, /* ';' */
	[60] = LX_WORD, /* '<' */
	[61] = LX_USER | LX_PASS, /* '=' */
	[62] = LX_WORD, /* '>' */
	[63] = LX_USER | LX_HNV | LX_WORD, /* '?' */
	[65] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME | LX_REASON, /* 'A' */
	[66] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME | LX_REASON, /* 'B' */
	[67] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME | LX_REASON, /* 'C' */
	[68] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME | LX_REASON, /* 'D' */
	[69] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'E' */
	[70] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'F' */
	[71] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'G' */
	[72] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'H' */
	[73] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'I' */
	[74] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'J' */
	[75] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'K' */
	[76] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'L' */
	[77] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'M' */
	[78] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'N' */
	[79] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'O' */
	[80] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'P' */
	[81] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'Q' */
	[82] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'R' */
	[83] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'S' */
	[84] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'T' */
	[85] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'U' */
	[86] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'V' */
	[87] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME | LX_REASON, /* 'W' */
	[88] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'X' */
	[89] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'Y' */
	[90] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'Z' */
	[91] = LX_PARAM | LX_HNV | LX_WORD, /* '[' */
	[92] = LX_WORD, /* '\\' */
	[93] = LX_PARAM | LX_HNV | LX_WORD, /* ']' */
	[95] = LX_TOKEN | LX_UNRES | LX_WORD, /* '_' */
	[96] = LX_TOKEN | LX_WORD, /* '`' */
	[97] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME | LX_REASON, /* 'a' */
	[98] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME | LX_REASON, /* 'b' */
	[99] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME | LX_REASON, /* 'c' */
	[100] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME | LX_REASON, /* 'd' */
	[101] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'e' */
	[102] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'f' */
	[103] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'g' */
	[104] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'h' */
	[105] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'i' */
	[106] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'j' */
	[107] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'k' */
	[108] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'l' */
	[109] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'm' */
	[110] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'n' */
	[111] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'o' */
	[112] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME | LX_REASON, /* 'p' */
	[113] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'q' */
	[114] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'r' */
	[115] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 's' */
	[116] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 't' */
	[117] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'u' */
	[118] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'v' */
	[119] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME | LX_REASON, /* 'w' */
	[120] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'x' */
	[121] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'y' */
	[122] = LX_TOKEN | LX_UNRES | LX_HOST | LX_WORD | LX_ALPHA | LX_SCHEME, /* 'z' */
	[123] = LX_WORD, /* '{' */
	[125] = LX_WORD, /* '}' */
	[126] = LX_TOKEN | LX_UNRES | LX_WORD, /* '~' */
};
/* clang-format on */

/* The first '"', '\\', CR or LF in [p, e), or e. */
static inline const char *quoted_special(const char *p, const char *e)
{
#ifdef __SSE2__
	const __m128i dq = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
	while (e - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i hit =
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, dq), _mm_cmpeq_epi8(v, bs)),
		                 _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
		unsigned m = (unsigned)_mm_movemask_epi8(hit);
		if (m)
			return p + __builtin_ctz(m);
		p += 16;
	}
#endif
	while (p < e && *p != '"' && *p != '\\' && *p != '\r' && *p != '\n')
		p++;
	return p;
}

int sk_lex_quoted(struct lx *l, struct sk_str *out)
{
	const char *s = l->p;

	if (!lx_eat(l, '"'))
		return -1;
	for (;;) {
		l->p = quoted_special(l->p, l->end);
		if (l->p >= l->end)
			return -1;
		char c = *l->p;
		if (c == '\\') { /* quoted-pair: any char but CR/LF (§25.1) */
			if (l->p + 1 >= l->end || l->p[1] == '\r' || l->p[1] == '\n')
				return -1;
			l->p += 2;
			continue;
		}
		if (c != '"')
			return -1; /* CR or LF */
		l->p++;
		*out = (struct sk_str){s, (size_t)(l->p - s)};
		return 0;
	}
}

const char *sk_lex_next_comma(const char *p, const char *end)
{
	int angle = 0;

	while (p < end) {
		char c = *p;
		if (c == '"') {
			struct lx l = {p, end};
			struct sk_str q;
			if (sk_lex_quoted(&l, &q) < 0)
				return end;
			p = l.p;
			continue;
		}
		if (c == '<')
			angle = 1;
		else if (c == '>')
			angle = 0;
		else if (c == ',' && !angle)
			return p;
		p++;
	}
	return end;
}

/* IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each <= 255 */
static int is_ipv4(struct sk_str s)
{
	int dots = 0, digits = 0;
	unsigned val = 0;

	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];
		if (c == '.') {
			if (!digits)
				return 0;
			dots++;
			digits = 0;
			val = 0;
		} else if (c >= '0' && c <= '9') {
			val = val * 10 + (unsigned)(c - '0');
			if (++digits > 3 || val > 255)
				return 0;
		} else {
			return 0;
		}
	}
	return dots == 3 && digits;
}

/* IPv6reference (§25.1, RFC 5118 §4.10 tolerates the ":::" of the ABNF bug). */
static int scan_ipv6(struct lx *l)
{
	const char *p = l->p, *e = l->end;

	for (; p < e; p++) {
		unsigned char c = (unsigned char)*p;
		if (!((unsigned)(c - '0') < 10u || (unsigned)((c | 0x20) - 'a') < 6u || c == ':' ||
		      c == '.'))
			break;
	}
	ptrdiff_t n = p - l->p;
	l->p = p;
	return n >= 2 && n <= 45;
}

int sk_lex_host_ipv6(struct lx *l, struct sk_str *host)
{
	const char *s = l->p;

	l->p++; /* '[' */
	if (!scan_ipv6(l) || !lx_eat(l, ']'))
		return SK_HOST_NONE;
	*host = (struct sk_str){s, (size_t)(l->p - s)};
	return SK_HOST_IPV6;
}

int sk_lex_host_ipv4(struct sk_str host)
{
	return is_ipv4(host) ? SK_HOST_IPV4 : SK_HOST_NONE;
}

/* lx_port once l is at ':' */
int sk_lex_port_colon(struct lx *l, struct sk_str *port_str, uint16_t *port)
{
	uint32_t v = 0;

	*port = 0;
	l->p++; /* ':' */
	*port_str = lx_take(l, LX_DIGIT);
	if (port_str->len == 0 || port_str->len > 5)
		return -1;
	for (size_t i = 0; i < port_str->len; i++)
		v = v * 10 + (uint32_t)(port_str->p[i] - '0');
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}
