/* SPDX-License-Identifier: BSD-3-Clause */
/* URI parsing and comparison: sip, sips (RFC 3261 §19.1), tel (RFC 3966), opaque. */
#include <string.h>

#include "lex.h"
#include "sipkit/msg.h"
#include "sipkit/uri.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lx_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Consumes 1*(class / escaped); returns -1 on a bad %HH escape. */
LX_ALWAYS_INLINE int take_escaped(struct lx *l, uint16_t cls, struct sk_str *out)
{
	const char *s = l->p;

	for (;;) {
		lx_take(l, cls);
		if (l->p >= l->end || *l->p != '%')
			break;
		if (l->end - l->p < 3 || hexval(l->p[1]) < 0 || hexval(l->p[2]) < 0)
			return -1;
		l->p += 3;
	}
	*out = (struct sk_str){s, (size_t)(l->p - s)};
	return 0;
}

/* uri-parameters = *( ";" uri-parameter ), pname [ "=" pvalue ] (§25.1). */
LX_ALWAYS_INLINE int parse_uri_params(struct lx *l, struct sk_str *out, const char **why)
{
	const char *start = l->p;
	unsigned n = 0;

	*out = (struct sk_str){NULL, 0};
	while (lx_eat(l, ';')) {
		struct sk_str name, val;
		if (++n > SK_URI_MAX_PARAMS) {
			*why = "more URI parameters than the limit";
			return -SK_ETOOBIG;
		}
		if (take_escaped(l, LX_UNRES | LX_PARAM, &name) < 0 || name.len == 0) {
			*why = "empty or badly escaped URI parameter name";
			return -1;
		}
		if (lx_eat(l, '=')) {
			if (take_escaped(l, LX_UNRES | LX_PARAM, &val) < 0 || val.len == 0) {
				*why = "empty or badly escaped URI parameter value";
				return -1;
			}
		}
	}
	if (l->p > start)
		*out = (struct sk_str){start + 1, (size_t)(l->p - start - 1)};
	return 0;
}

/* headers = "?" header *( "&" header ), hname "=" hvalue (§25.1). */
static int parse_uri_headers(struct lx *l, struct sk_str *out, const char **why)
{
	const char *start;

	*out = (struct sk_str){NULL, 0};
	if (!lx_eat(l, '?'))
		return 0;
	start = l->p;
	unsigned n = 0;
	do {
		struct sk_str name, val;
		if (++n > SK_URI_MAX_PARAMS) {
			*why = "more URI headers than the limit";
			return -SK_ETOOBIG;
		}
		if (take_escaped(l, LX_UNRES | LX_HNV, &name) < 0 || name.len == 0 ||
		    !lx_eat(l, '=') || take_escaped(l, LX_UNRES | LX_HNV, &val) < 0) {
			*why = "malformed URI header";
			return -1;
		}
	} while (lx_eat(l, '&'));
	*out = (struct sk_str){start, (size_t)(l->p - start)};
	return 0;
}

static int parse_sip(struct sk_uri *uri, struct lx *l, const char **why)
{
	const char *at = memchr(l->p, '@', (size_t)(l->end - l->p));

	if (at) {
		struct lx u = {l->p, at};
		if (take_escaped(&u, LX_UNRES | LX_USER, &uri->user) < 0) {
			*why = "badly escaped user part";
			return -1;
		}
		if (lx_eat(&u, ':')) {
			if (take_escaped(&u, LX_UNRES | LX_PASS, &uri->password) < 0) {
				*why = "badly escaped password";
				return -1;
			}
		}
		if (u.p != at || uri->user.len == 0) {
			*why = "invalid character in the user part";
			return -1;
		}
		l->p = at + 1;
	}
	uri->host_type = (enum sk_host_type)lx_host(l, &uri->host);
	if (uri->host_type == SK_HOST_NONE) {
		*why = "missing or invalid host";
		return -1;
	}
	if (lx_port(l, &uri->port_str, &uri->port) < 0) {
		*why = "invalid port";
		return -1;
	}
	int rc = parse_uri_params(l, &uri->params, why);
	if (rc == 0)
		rc = parse_uri_headers(l, &uri->headers, why);
	if (rc < 0)
		return rc;
	if (!lx_done(l)) {
		*why = "unexpected character in URI";
		return -1;
	}
	return 0;
}

/* tel: telephone-subscriber with parameters (RFC 3966 §3, basic form). */
static int parse_tel(struct sk_uri *uri, struct lx *l, const char **why)
{
	uri->user = lx_take(l, LX_REASON);
	if (uri->user.len == 0) {
		*why = "empty telephone number";
		return -1;
	}
	int rc = parse_uri_params(l, &uri->params, why);
	if (rc < 0)
		return rc;
	if (!lx_done(l)) {
		*why = "unexpected character in tel URI";
		return -1;
	}
	return 0;
}

static enum sk_uri_scheme scheme_of(struct sk_str s)
{
	const char *p = s.p;

	/* scheme names are case-insensitive (§19.1.4) */
	if (s.len == 3 && (p[0] | 0x20) == 's' && (p[1] | 0x20) == 'i' && (p[2] | 0x20) == 'p')
		return SK_URI_SIP;
	if (s.len == 4 && (p[0] | 0x20) == 's' && (p[1] | 0x20) == 'i' && (p[2] | 0x20) == 'p' &&
	    (p[3] | 0x20) == 's')
		return SK_URI_SIPS;
	if (s.len == 3 && (p[0] | 0x20) == 't' && (p[1] | 0x20) == 'e' && (p[2] | 0x20) == 'l')
		return SK_URI_TEL;
	return SK_URI_OTHER;
}

int sk_uri_parse(struct sk_uri *uri, struct sk_str s, const char **err_why)
{
	const char *dummy;
	const char **why = err_why ? err_why : &dummy;
	struct lx l = lx_of(s);

	/* every field cleared (stores of the fields: cheaper than a memset here) */
	uri->scheme = SK_URI_NONE;
	uri->host_type = SK_HOST_NONE;
	uri->raw = s;
	uri->scheme_str = uri->user = uri->password = uri->host = SK_STR_NULL;
	uri->port_str = uri->params = uri->headers = uri->opaque = SK_STR_NULL;
	uri->port = 0;
	if (!s.p || s.len == 0) {
		*why = "empty URI";
		return -SK_EMALFORMED;
	}
	if (s.len >= 4 && (l.p[0] | 0x20) == 's' && (l.p[1] | 0x20) == 'i' &&
	    (l.p[2] | 0x20) == 'p' && l.p[3] == ':') {
		/* "sip:" in any case (c | 0x20 is 's', 'i' or 'p' only for that
		 * letter): what the general path below gives */
		uri->scheme_str = (struct sk_str){l.p, 3};
		uri->scheme = SK_URI_SIP;
		l.p += 4;
	} else {
		if (!lx_is((unsigned char)*l.p, LX_ALPHA)) {
			*why = "URI does not start with a scheme";
			return -SK_EMALFORMED;
		}
		uri->scheme_str = lx_take(&l, LX_SCHEME);
		if (!lx_eat(&l, ':')) {
			*why = "URI scheme not followed by ':'";
			return -SK_EMALFORMED;
		}
		uri->scheme = scheme_of(uri->scheme_str);
	}

	int rc = 0;
	switch (uri->scheme) {
	case SK_URI_SIP:
	case SK_URI_SIPS: rc = parse_sip(uri, &l, why); break;
	case SK_URI_TEL: rc = parse_tel(uri, &l, why); break;
	default: /* absoluteURI kept opaque (§19.1.1 / RFC 2396) */
		uri->opaque = (struct sk_str){l.p, (size_t)(l.end - l.p)};
		for (const char *p = l.p; p < l.end; p++)
			if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == '"')
				rc = -1;
		if (uri->opaque.len == 0)
			rc = -1;
		if (rc < 0)
			*why = "invalid character in URI";
		break;
	}
	if (rc == -SK_ETOOBIG)
		return rc;
	return rc < 0 ? -SK_EMALFORMED : 0;
}

int sk_uri_unescape(struct sk_str s, char *dst, size_t dstsize)
{
	size_t n = 0;

	for (size_t i = 0; i < s.len; i++) {
		char c = s.p[i];
		if (c == '%') {
			if (i + 2 >= s.len || hexval(s.p[i + 1]) < 0 || hexval(s.p[i + 2]) < 0)
				return -SK_EMALFORMED;
			c = (char)(hexval(s.p[i + 1]) * 16 + hexval(s.p[i + 2]));
			i += 2;
		}
		if (n >= dstsize)
			return -SK_ETOOBIG;
		dst[n++] = c;
	}
	return (int)n;
}

/* RFC 2396 "reserved": an escape of one of these is not the same as the character. */
static bool is_reserved(int c)
{
	return c && strchr(";/?:@&=+$,", c) != NULL;
}

/* Reads one character of an escaped string: its byte, and whether it stays an
 * escape (a reserved character written as %HH differs from the literal, §19.1.4). */
static size_t next_char(struct sk_str s, size_t i, int *c, bool *escaped)
{
	*c = (unsigned char)s.p[i];
	*escaped = false;
	if (*c == '%' && i + 2 < s.len && hexval(s.p[i + 1]) >= 0 && hexval(s.p[i + 2]) >= 0) {
		*c = hexval(s.p[i + 1]) * 16 + hexval(s.p[i + 2]);
		*escaped = is_reserved(*c);
		return 3;
	}
	return 1;
}

/* Compares two escaped strings as §19.1.4 says; case-insensitive when asked. */
static bool escaped_eq(struct sk_str a, struct sk_str b, bool nocase)
{
	size_t i = 0, j = 0;

	while (i < a.len && j < b.len) {
		int ca, cb;
		bool ea, eb;
		i += next_char(a, i, &ca, &ea);
		j += next_char(b, j, &cb, &eb);
		if (nocase) {
			ca = lx_lower((char)ca);
			cb = lx_lower((char)cb);
		}
		if (ca != cb || ea != eb)
			return false;
	}
	return i == a.len && j == b.len;
}

/* Finds a URI parameter whose name equals name once unescaped (RFC 4475 §3.1.1.3). */
static int find_uri_param(struct sk_str params, struct sk_str name, struct sk_str *value)
{
	size_t pos = 0;
	struct sk_str n, v;

	while (sk_param_next(params, &pos, &n, &v)) {
		if (escaped_eq(n, name, true)) {
			*value = v;
			return 0;
		}
	}
	return -SK_ENOTFOUND;
}

/* §19.1.4: these parameters must match when present in either URI. */
static bool is_strict_param(struct sk_str name)
{
	static const char *const names[] = {"transport", "user", "ttl", "method", "maddr"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (escaped_eq(name, sk_str_c(names[i]), true))
			return true;
	return false;
}

/* Every parameter of a is matched in b: a parameter of the same name (unescaped)
 * with an equal value; one absent from b matters only for the strict names. A name
 * given twice matches if any of b's values for it does, so equality stays reflexive. */
static bool params_cover(struct sk_str a, struct sk_str b)
{
	size_t pos = 0;
	struct sk_str name, val;

	while (sk_param_next(a, &pos, &name, &val)) {
		size_t bpos = 0;
		bool named = false, matched = false;
		struct sk_str bn, bv;
		while (!matched && sk_param_next(b, &bpos, &bn, &bv)) {
			if (!escaped_eq(bn, name, true))
				continue;
			named = true;
			matched = escaped_eq(val, bv, true) && (val.p == NULL) == (bv.p == NULL);
		}
		if (named ? !matched : is_strict_param(name))
			return false;
	}
	return true;
}

static bool headers_cover(struct sk_str a, struct sk_str b)
{
	if (!a.p || !a.len)
		return true;
	if (!b.p)
		b = (struct sk_str){"", 0};
	const char *p = a.p, *end = a.p + a.len;

	while (p && p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *e = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(e - p));
		if (!eq)
			return false;
		struct sk_str hname = {p, (size_t)(eq - p)}, hval = {eq + 1, (size_t)(e - eq - 1)};
		bool found = false;
		const char *q = b.p, *bend = b.p + b.len;
		while (q && q < bend && !found) {
			const char *bamp = memchr(q, '&', (size_t)(bend - q));
			const char *be = bamp ? bamp : bend;
			const char *beq = memchr(q, '=', (size_t)(be - q));
			if (beq && escaped_eq(hname, (struct sk_str){q, (size_t)(beq - q)}, true) &&
			    escaped_eq(hval, (struct sk_str){beq + 1, (size_t)(be - beq - 1)},
			               false))
				found = true;
			q = bamp ? bamp + 1 : NULL;
		}
		if (!found)
			return false;
		p = amp ? amp + 1 : NULL;
	}
	return true;
}

int sk_uri_param(const struct sk_uri *uri, const char *name, struct sk_str *value)
{
	struct sk_str dummy;
	return find_uri_param(uri->params, sk_str_c(name), value ? value : &dummy);
}

bool sk_uri_equal(const struct sk_uri *a, const struct sk_uri *b)
{
	if (a->scheme != b->scheme)
		return false;
	if (a->scheme == SK_URI_OTHER)
		return sk_str_caseeq(a->scheme_str, b->scheme_str) &&
		       escaped_eq(a->opaque, b->opaque, false);
	if (!escaped_eq(a->user, b->user, false) || !escaped_eq(a->password, b->password, false))
		return false;
	if (a->scheme != SK_URI_TEL && !escaped_eq(a->host, b->host, true))
		return false;
	if (a->port != b->port) /* an explicit 5060 differs from none (§19.1.4) */
		return false;
	if (sk_str_present(a->port_str) != sk_str_present(b->port_str))
		return false;
	return params_cover(a->params, b->params) && params_cover(b->params, a->params) &&
	       headers_cover(a->headers, b->headers) && headers_cover(b->headers, a->headers);
}

size_t sk_uri_print(const struct sk_uri *uri, char *dst, size_t dstsize)
{
	if (dstsize)
		sk_str_cpy(dst, dstsize, uri->raw);
	return uri->raw.len;
}
