/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP Digest for SIP (RFC 3261 §22, grammar §25.1; RFC 7616; RFC 8760): challenges
 * and credentials parsed in place, HA1 and response through libcrypto's EVP (the
 * values written, the client's Authorization and the server's challenge: auth_write.c).
 *
 * Parsing is one pass over the value, every step bounded by its end: a value of any
 * length and any number of parameters costs time in proportion to its length and no
 * memory. Lenient where deployed peers are (RFC 7230 §7 empty list elements, quoted
 * or unquoted values for any parameter, names in any case, unknown parameters
 * ignored), strict where a lenient reading would be ambiguous (a known parameter
 * twice, nc not 8 hex digits, a NUL or another control character anywhere).
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "lex.h"
#include "sipkit/auth.h"

/* ---- lexing -------------------------------------------------------------------------- */

/* LWS = [*WSP CRLF] 1*WSP (§25.1); a fold with a bare LF is read the same. */
static const char *skip_lws(const char *p, const char *e)
{
	for (;;) {
		while (p < e && lx_wsp(*p))
			p++;
		if (e - p >= 3 && p[0] == '\r' && p[1] == '\n' && lx_wsp(p[2])) {
			p += 3;
			continue;
		}
		if (e - p >= 2 && p[0] == '\n' && lx_wsp(p[1])) {
			p += 2;
			continue;
		}
		return p;
	}
}

/*
 * A quoted-string at p (at its '"'): the end past the closing quote, *inner the bytes
 * between the quotes, *qp set when a quoted-pair is inside; NULL when unterminated or
 * when it holds CR, LF, NUL or another control character but HT (qdtext, §25.1; a
 * quoted-pair of CR, LF or NUL is refused too).
 */
static const char *scan_quoted(const char *p, const char *e, struct sk_str *inner, bool *qp)
{
	const char *s = ++p;

	while (p < e) {
		unsigned char c = (unsigned char)*p;
		if (c == '"') {
			*inner = (struct sk_str){s, (size_t)(p - s)};
			return p + 1;
		}
		if (c == '\\') {
			if (e - p < 2 || p[1] == '\r' || p[1] == '\n' || p[1] == '\0')
				return NULL;
			*qp = true;
			p += 2;
			continue;
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return NULL;
		p++;
	}
	return NULL;
}

/* One auth-param: name = ( token / quoted-string ), the value without its quotes. */
struct auth_param {
	struct sk_str name, value;
	bool quoted;
};

/* A cursor over the parameters of one challenge or credentials. */
struct ascan {
	const char *p, *e;
	bool qp;          /* a quoted value held a quoted-pair */
	bool after_comma; /* a comma came since the last parameter */
};

/*
 * The next auth-param: 1 with *ap, 0 at the end of this challenge (end of the value,
 * or s->p at the scheme of the next challenge), -1 when malformed.
 */
static int next_param(struct ascan *s, struct auth_param *ap)
{
	const char *p = s->p, *e = s->e;

	for (;;) { /* empty list elements (RFC 7230 §7): ",," and a trailing "," */
		p = skip_lws(p, e);
		if (p < e && *p == ',') {
			p++;
			s->after_comma = true;
			continue;
		}
		break;
	}
	if (p >= e) {
		s->p = p;
		return 0;
	}
	const char *ne = lx_scan(p, e, LX_TOKEN);
	if (ne == p)
		return -1;
	const char *q = skip_lws(ne, e);
	if (q >= e || *q != '=') {
		if (!s->after_comma)
			return -1; /* "Digest realm=x y" */
		s->p = p;          /* a token alone after a comma: the next challenge's scheme */
		return 0;
	}
	ap->name = (struct sk_str){p, (size_t)(ne - p)};
	q = skip_lws(q + 1, e);
	if (q < e && *q == '"') {
		q = scan_quoted(q, e, &ap->value, &s->qp);
		if (!q)
			return -1;
		ap->quoted = true;
	} else {
		const char *ve = lx_scan(q, e, LX_TOKEN);
		if (ve == q)
			return -1;
		ap->value = (struct sk_str){q, (size_t)(ve - q)};
		ap->quoted = false;
		q = ve;
	}
	q = skip_lws(q, e);
	if (q < e && *q != ',')
		return -1; /* text after a value */
	s->p = q;
	s->after_comma = false;
	return 1;
}

/* token68 (RFC 7235 §2.1), the other form a challenge of another scheme may take. */
static const char *scan_token68(const char *p, const char *e)
{
	const char *s = p;

	while (p < e && (lx_is((unsigned char)*p, LX_ALPHA | LX_DIGIT) || *p == '-' || *p == '.' ||
	                 *p == '_' || *p == '~' || *p == '+' || *p == '/'))
		p++;
	if (p == s)
		return NULL;
	while (p < e && *p == '=')
		p++;
	return p;
}

/*
 * Opens the challenge at s->p: its scheme in *scheme, s->p at its first parameter.
 * 1 when params follow, 0 for a scheme alone or with a token68 (s->p past it), -1
 * when malformed.
 */
static int open_scheme(struct ascan *s, struct sk_str *scheme)
{
	const char *p = skip_lws(s->p, s->e), *e = s->e;
	const char *ne = lx_scan(p, e, LX_TOKEN);

	if (ne == p)
		return -1;
	*scheme = (struct sk_str){p, (size_t)(ne - p)};
	const char *q = skip_lws(ne, e);
	if (q >= e || *q == ',') {
		s->p = q;
		return 0; /* a scheme alone ("NTLM") */
	}
	if (q == ne)
		return -1; /* the scheme must be followed by LWS */
	/* a parameter (token "=" ...) or a token68 */
	const char *te = lx_scan(q, e, LX_TOKEN), *after = skip_lws(te, e);
	if (te > q && after < e && *after == '=') {
		const char *v = skip_lws(after + 1, e);
		/* "abc==" is a token68 ending in '=', "abc=def" or "abc= def" a parameter */
		if (v < e && *v != ',' && *v != '=') {
			s->p = q;
			s->after_comma = false;
			return 1;
		}
	}
	const char *t = scan_token68(q, e);
	if (!t)
		return -1;
	t = skip_lws(t, e);
	if (t < e && *t != ',')
		return -1;
	s->p = t;
	return 0;
}

int sk_digest_challenge_next(struct sk_str value, size_t *pos, struct sk_str *one)
{
	struct lx all = lx_of(value);
	struct ascan s = {all.p, all.end, false, true};
	struct auth_param ap;
	struct sk_str scheme;
	int r;

	if (!pos || !one || *pos > (size_t)(all.end - all.p))
		return -SK_EINVAL;
	s.p += *pos;
	for (;;) { /* empty elements between challenges */
		s.p = skip_lws(s.p, s.e);
		if (s.p < s.e && *s.p == ',') {
			s.p++;
			continue;
		}
		break;
	}
	if (s.p >= s.e) {
		*pos = (size_t)(s.e - all.p);
		return 0;
	}
	const char *start = s.p;
	r = open_scheme(&s, &scheme);
	if (r < 0)
		goto malformed;
	const char *last = r == 0 ? s.p : scheme.p + scheme.len;
	while (r > 0 && (r = next_param(&s, &ap)) > 0)
		last = ap.quoted ? ap.value.p + ap.value.len + 1 : ap.value.p + ap.value.len;
	if (r < 0)
		goto malformed;
	*one = lx_trim((struct sk_str){start, (size_t)(last - start)});
	while (one->len && one->p[one->len - 1] == ',') /* a scheme alone stopped at its comma */
		one->len--;
	*one = lx_trim(*one);
	*pos = (size_t)(s.p - all.p);
	return 1;
malformed:
	*pos = (size_t)(s.e - all.p);
	return -SK_EINVAL;
}

/* ---- parameter values ------------------------------------------------------------------ */

static int parse_alg(struct sk_str v, enum sk_digest_alg *alg, bool *sess)
{
	static const struct {
		const char *name;
		enum sk_digest_alg alg;
		bool sess;
	} algs[] = {{"MD5", SK_DIGEST_MD5, false},
	            {"MD5-sess", SK_DIGEST_MD5, true},
	            {"SHA-256", SK_DIGEST_SHA256, false},
	            {"SHA-256-sess", SK_DIGEST_SHA256, true}};

	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (sk_str_caseeq_c(v, algs[i].name)) {
			*alg = algs[i].alg;
			*sess = algs[i].sess;
			return 0;
		}
	}
	return -SK_ENOTSUP; /* SHA-512-256 (RFC 7616), AKAv1-MD5 (RFC 3310), ... */
}

const char *sk_digest_alg_name(enum sk_digest_alg alg, bool sess)
{
	switch (alg) {
	case SK_DIGEST_MD5: return sess ? "MD5-sess" : "MD5";
	case SK_DIGEST_SHA256: return sess ? "SHA-256-sess" : "SHA-256";
	default: return "";
	}
}

/* qop-options (§25.1, RFC 7616 §3.3): a quoted comma list of tokens, unknown ones ignored. */
static void parse_qop_options(struct sk_str v, struct sk_digest_challenge *c)
{
	const char *p = v.p, *e = v.p + v.len;

	c->qop_present = true;
	while (p < e) {
		p = skip_lws(p, e);
		const char *te = lx_scan(p, e, LX_TOKEN);
		struct sk_str t = {p, (size_t)(te - p)};
		if (sk_str_caseeq_c(t, "auth"))
			c->qop_auth = true;
		else if (sk_str_caseeq_c(t, "auth-int"))
			c->qop_auth_int = true;
		p = te;
		while (p < e && *p != ',')
			p++;
		if (p < e)
			p++;
	}
}

/* Marks parameter i seen: false when it was already (a parameter twice). */
static bool once(unsigned *seen, unsigned i)
{
	if (*seen & (1u << i))
		return false;
	*seen |= 1u << i;
	return true;
}

/* Looks name up in names[]: its index, or -1 for a parameter we do not know. */
static int param_index(struct sk_str name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sk_str_caseeq_c(name, names[i]))
			return (int)i;
	return -1;
}

/* ---- challenges ------------------------------------------------------------------------ */

enum { CH_REALM, CH_NONCE, CH_OPAQUE, CH_DOMAIN, CH_STALE, CH_ALG, CH_QOP, CH_USERHASH };
static const char *const ch_names[] = {"realm", "nonce",     "opaque", "domain",
                                       "stale", "algorithm", "qop",    "userhash"};

/* Parses one challenge (the text sk_digest_challenge_next gave): 0, -SK_EINVAL,
 * -SK_ENOTSUP; *digest says whether its scheme was Digest at all. */
static int parse_challenge(struct sk_digest_challenge *c, struct sk_str one, bool *digest)
{
	struct lx all = lx_of(one);
	struct ascan s = {all.p, all.end, false, false};
	struct auth_param ap;
	struct sk_str scheme;
	unsigned seen = 0;
	int r, alg_err = 0;

	memset(c, 0, sizeof(*c));
	*digest = false;
	r = open_scheme(&s, &scheme);
	if (r < 0)
		return -SK_EINVAL;
	if (!sk_str_caseeq_c(scheme, "Digest"))
		return -SK_EINVAL;
	*digest = true;
	c->alg = SK_DIGEST_MD5; /* RFC 7616 §3.3: MD5 when absent */
	while (r > 0 && (r = next_param(&s, &ap)) > 0) {
		int i = param_index(ap.name, ch_names, sizeof(ch_names) / sizeof(ch_names[0]));
		if (i < 0)
			continue;
		if (!once(&seen, (unsigned)i))
			return -SK_EINVAL;
		switch (i) {
		case CH_REALM: c->realm = ap.value; break;
		case CH_NONCE: c->nonce = ap.value; break;
		case CH_OPAQUE: c->opaque = ap.value; break;
		case CH_DOMAIN: c->domain = ap.value; break;
		case CH_STALE: c->stale = sk_str_caseeq_c(ap.value, "true"); break;
		case CH_ALG: alg_err = parse_alg(ap.value, &c->alg, &c->sess); break;
		case CH_QOP: parse_qop_options(ap.value, c); break;
		case CH_USERHASH: c->userhash = sk_str_caseeq_c(ap.value, "true"); break;
		}
	}
	if (r < 0 || s.p < s.e)
		return -SK_EINVAL; /* malformed, or a second challenge in the text */
	if (!sk_str_present(c->realm) || !sk_str_present(c->nonce))
		return -SK_EINVAL; /* both required (§25.1 digest-cln, RFC 7616 §3.3) */
	c->quoted_pair = s.qp;
	if (alg_err) {
		c->alg = SK_DIGEST_NONE;
		return alg_err;
	}
	return 0;
}

int sk_digest_challenge_parse(struct sk_digest_challenge *c, struct sk_str value)
{
	struct sk_str one;
	size_t pos = 0;
	bool digest;

	if (!c)
		return -SK_EINVAL;
	memset(c, 0, sizeof(*c));
	if (sk_digest_challenge_next(value, &pos, &one) != 1)
		return -SK_EINVAL;
	return parse_challenge(c, one, &digest);
}

/* How good an answerable challenge is: algorithm first, then qop=auth over none. */
static int strength(const struct sk_digest_challenge *c)
{
	if (c->qop_present && !c->qop_auth)
		return 0; /* auth-int only, or qop values we do not know */
	return (c->alg == SK_DIGEST_SHA256 ? 4 : 2) + (c->qop_auth ? 1 : 0);
}

int sk_digest_challenge_best(struct sk_digest_challenge *c, struct sk_str value)
{
	struct sk_digest_challenge cur;
	struct sk_str one;
	size_t pos = 0;
	int r, best = 0, bad = 0;

	if (!c)
		return -SK_EINVAL;
	memset(c, 0, sizeof(*c));
	while ((r = sk_digest_challenge_next(value, &pos, &one)) == 1) {
		bool digest;
		int pr = parse_challenge(&cur, one, &digest);
		if (pr == -SK_EINVAL && digest)
			bad = 1; /* a malformed Digest challenge among others */
		if (pr < 0)
			continue;
		int st = strength(&cur);
		if (st > best) {
			best = st;
			*c = cur;
		}
	}
	if (r < 0)
		return -SK_EINVAL;
	if (best)
		return 0;
	return bad ? -SK_EINVAL : -SK_ENOTSUP;
}

/* ---- credentials ----------------------------------------------------------------------- */

enum {
	CR_USERNAME,
	CR_REALM,
	CR_NONCE,
	CR_URI,
	CR_RESPONSE,
	CR_CNONCE,
	CR_OPAQUE,
	CR_QOP,
	CR_NC,
	CR_ALG,
	CR_USERHASH
};
static const char *const cr_names[] = {"username", "realm",     "nonce",   "uri",
                                       "response", "cnonce",    "opaque",  "qop",
                                       "nc",       "algorithm", "userhash"};

/* nonce-count = 8LHEX (§25.1); upper-case hex accepted, 0 refused (counts start at 1). */
static int parse_nc(struct sk_str v, uint32_t *out)
{
	uint32_t n = 0;

	if (v.len != 8)
		return -SK_EINVAL;
	for (size_t i = 0; i < 8; i++) {
		char c = lx_lower(v.p[i]);
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return -SK_EINVAL;
		n = n << 4 | d;
	}
	if (n == 0)
		return -SK_EINVAL;
	*out = n;
	return 0;
}

static int credential_param(struct sk_digest_credentials *c, int i, struct sk_str v, int *alg_err)
{
	struct sk_str *const views[] = {
	    [CR_USERNAME] = &c->username, [CR_REALM] = &c->realm,       [CR_NONCE] = &c->nonce,
	    [CR_URI] = &c->uri,           [CR_RESPONSE] = &c->response, [CR_CNONCE] = &c->cnonce,
	    [CR_OPAQUE] = &c->opaque,     [CR_QOP] = &c->qop,           [CR_NC] = &c->nc};

	switch (i) {
	case CR_NC: c->nc = v; return parse_nc(v, &c->nc_value);
	case CR_ALG: *alg_err = parse_alg(v, &c->alg, &c->sess); return 0;
	case CR_USERHASH: c->userhash = sk_str_caseeq_c(v, "true"); return 0;
	case CR_QOP:
		/* message-qop is one token (§25.1) */
		if (v.len == 0 || lx_scan(v.p, v.p + v.len, LX_TOKEN) != v.p + v.len)
			return -SK_EINVAL;
		c->qop = v;
		return 0;
	default: *views[i] = v; return 0;
	}
}

int sk_digest_credentials_parse(struct sk_digest_credentials *c, struct sk_str value)
{
	struct lx all = lx_of(value);
	struct ascan s = {all.p, all.end, false, false};
	struct auth_param ap;
	struct sk_str scheme;
	unsigned seen = 0;
	int r, alg_err = 0;

	if (!c)
		return -SK_EINVAL;
	memset(c, 0, sizeof(*c));
	c->alg = SK_DIGEST_MD5;
	r = open_scheme(&s, &scheme);
	if (r <= 0 || !sk_str_caseeq_c(scheme, "Digest"))
		return -SK_EINVAL;
	while ((r = next_param(&s, &ap)) > 0) {
		int i = param_index(ap.name, cr_names, sizeof(cr_names) / sizeof(cr_names[0]));
		if (i < 0)
			continue;
		if (!once(&seen, (unsigned)i))
			return -SK_EINVAL;
		if (credential_param(c, i, ap.value, &alg_err) < 0)
			return -SK_EINVAL;
	}
	if (r < 0 || s.p < s.e)
		return -SK_EINVAL;
	/* RFC 7616 §3.4: username, realm, nonce, uri and response are required; with a
	 * qop, cnonce and nc too (§3.4, RFC 2617 §3.2.2) */
	if (!sk_str_present(c->username) || !sk_str_present(c->realm) ||
	    !sk_str_present(c->nonce) || !sk_str_present(c->uri) || !sk_str_present(c->response))
		return -SK_EINVAL;
	if (sk_str_present(c->qop) && (!sk_str_present(c->cnonce) || !sk_str_present(c->nc)))
		return -SK_EINVAL;
	c->quoted_pair = s.qp;
	if (alg_err) {
		c->alg = SK_DIGEST_NONE;
		return alg_err;
	}
	return 0;
}

int sk_digest_unquote(struct sk_str span, char *out, size_t size)
{
	size_t n = 0;

	if (!out || size == 0)
		return -SK_ETOOBIG;
	for (size_t i = 0; i < span.len; i++) {
		char c = span.p[i];
		if (c == '\\' && i + 1 < span.len)
			c = span.p[++i];
		if (n + 1 >= size)
			return -SK_ETOOBIG;
		out[n++] = c;
	}
	out[n] = '\0';
	return (int)n;
}

/* ---- hashing --------------------------------------------------------------------------- */

static const EVP_MD *md_of(enum sk_digest_alg alg)
{
	switch (alg) {
	case SK_DIGEST_MD5: return EVP_md5();
	case SK_DIGEST_SHA256: return EVP_sha256();
	default: return NULL;
	}
}

static size_t hex_len(enum sk_digest_alg alg)
{
	return alg == SK_DIGEST_MD5 ? 32 : alg == SK_DIGEST_SHA256 ? 64 : 0;
}

/* H(parts[0] ":" parts[1] ":" ...) in lower-case hex (RFC 7616 §3.4.1 KD and H). */
static int hash_parts(enum sk_digest_alg alg, const struct sk_str *parts, size_t n,
                      char out[SK_DIGEST_HEX_MAX])
{
	static const char hex[] = "0123456789abcdef";
	const EVP_MD *md = md_of(alg);
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	int ok;

	if (!md)
		return -SK_EINVAL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -SK_ENOMEM;
	ok = EVP_DigestInit_ex(ctx, md, NULL);
	for (size_t i = 0; ok && i < n; i++) {
		if (i > 0)
			ok = EVP_DigestUpdate(ctx, ":", 1);
		if (ok && parts[i].len)
			ok = EVP_DigestUpdate(ctx, parts[i].p, parts[i].len);
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, d, &dlen);
	EVP_MD_CTX_free(ctx);
	if (!ok || dlen * 2 != hex_len(alg))
		return -SK_ENOTSUP; /* e.g. MD5 refused by a FIPS provider */
	for (unsigned i = 0; i < dlen; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * dlen] = '\0';
	return 0;
}

int sk_digest_ha1(enum sk_digest_alg alg, struct sk_str user, struct sk_str realm,
                  struct sk_str password, char out[SK_DIGEST_HEX_MAX])
{
	const struct sk_str parts[] = {user, realm, password};

	if (!out || !md_of(alg))
		return -SK_EINVAL;
	return hash_parts(alg, parts, 3, out);
}

int sk_digest_response(enum sk_digest_alg alg, bool sess, const char *ha1, struct sk_str nonce,
                       struct sk_str nc, struct sk_str cnonce, struct sk_str qop,
                       struct sk_str method, struct sk_str uri, char out[SK_DIGEST_HEX_MAX])
{
	char a1[SK_DIGEST_HEX_MAX], a2[SK_DIGEST_HEX_MAX];
	int r;

	if (!out || !ha1 || !md_of(alg) || strnlen(ha1, SK_DIGEST_HEX_MAX) != hex_len(alg))
		return -SK_EINVAL;
	struct sk_str h1 = {ha1, hex_len(alg)};
	if (sess) { /* RFC 7616 §3.4.2: A1 = H(user:realm:passwd) ":" nonce ":" cnonce */
		if (cnonce.len == 0)
			return -SK_EINVAL;
		const struct sk_str sp[] = {h1, nonce, cnonce};
		if ((r = hash_parts(alg, sp, 3, a1)) < 0)
			return r;
		h1 = (struct sk_str){a1, hex_len(alg)};
	}
	if (qop.len && sk_str_caseeq_c(qop, "auth-int"))
		return -SK_ENOTSUP; /* A2 would need H(entity-body) */
	if (qop.len && !sk_str_caseeq_c(qop, "auth"))
		return -SK_EINVAL;
	const struct sk_str a2p[] = {method, uri}; /* RFC 7616 §3.4.3, qop=auth or none */
	if ((r = hash_parts(alg, a2p, 2, a2)) < 0)
		return r;
	const struct sk_str h2 = {a2, hex_len(alg)};
	if (qop.len == 0) { /* RFC 2617 §3.2.2.1: KD(H(A1), nonce ":" H(A2)) */
		const struct sk_str kd[] = {h1, nonce, h2};
		return hash_parts(alg, kd, 3, out);
	}
	if (nc.len == 0 || cnonce.len == 0)
		return -SK_EINVAL;
	const struct sk_str kd[] = {h1, nonce, nc, cnonce, qop, h2};
	return hash_parts(alg, kd, 6, out);
}

bool sk_digest_equal(struct sk_str got, const char *want)
{
	size_t n;
	unsigned diff = 0;

	if (!want || !got.p)
		return false;
	n = strlen(want);
	if (n == 0 || got.len != n)
		return false; /* the length is public: 32 or 64 */
	for (size_t i = 0; i < n; i++) {
		unsigned g = (unsigned char)got.p[i], w = (unsigned char)want[i];
		/* A-F read as a-f, without a branch on the secret-dependent byte */
		g |= (unsigned)(g - 'A' < 6u) << 5;
		w |= (unsigned)(w - 'A' < 6u) << 5;
		diff |= g ^ w;
	}
	return diff == 0;
}
