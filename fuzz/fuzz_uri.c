/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: URIs (RFC 3261 §19.1, RFC 3966, RFC 5118), and the value parsers
 * that share its lexer: name-addr / addr-spec, Via, Reason, generic parameters.
 *
 * The whole input is parsed as a URI: when it parses it must equal itself (§19.1.4
 * comparison is reflexive) and a copy of itself at another address, its escapes must
 * unescape, and "<" input ">" must parse as a name-addr with the same URI. The input
 * is also split at its first LF (or in the middle) into two URIs whose comparison
 * must be symmetric. The same bytes go to sk_addr_parse, sk_via_parse,
 * sk_reason_parse, sk_uri_unescape, sk_param_next and sk_str_to_u64.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipkit/msg.h"

#include "fuzz_util.h"
#include "sipkit/uri.h"

/*
 * SK_FUZZ_IGNORE=tag[,tag...] turns off the oracle checks with those tags, to keep
 * fuzzing past a known finding. Every check is on by default. Tags:
 *   reflexive    sk_uri_equal(u, u) for every parsed URI
 *   u64-errcode  sk_str_to_u64 says EMALFORMED (not ETOOBIG) for a non-number
 */
static int inside(struct sk_str s, struct sk_str in)
{
	return !s.p || (s.p >= in.p && s.p + s.len <= in.p + in.len);
}

/* ---- generic parameters ---------------------------------------------------------- */

static void walk_params(struct sk_str params)
{
	size_t pos = 0, k = 0;
	struct sk_str name, value;

	while (sk_param_next(params, &pos, &name, &value)) {
		CHECK(pos <= params.len);
		CHECK(inside(name, params) && inside(value, params));
		touch(name);
		touch(value);
		CHECK(++k <= params.len + 1); /* pos always advances */
	}
}

/* ---- unescaping ------------------------------------------------------------------ */

static bool has_pct(struct sk_str s)
{
	return s.len && memchr(s.p, '%', s.len);
}

/* Unescapes s; checks the size contract. Returns the length, or the error. */
static int unescape_checked(struct sk_str s)
{
	char *dst = malloc(s.len + 1);
	CHECK(dst != NULL);
	int n = sk_uri_unescape(s, dst, s.len);
	if (n >= 0) {
		CHECK((size_t)n <= s.len);
		if (!has_pct(s))
			CHECK((size_t)n == s.len && (s.len == 0 || memcmp(dst, s.p, s.len) == 0));
		/* an exact-size buffer is enough; one byte less is too small */
		char *exact = malloc((size_t)n + 1);
		CHECK(exact != NULL);
		CHECK(sk_uri_unescape(s, exact, (size_t)n) == n);
		CHECK(n == 0 || memcmp(exact, dst, (size_t)n) == 0);
		if (n > 0)
			CHECK(sk_uri_unescape(s, exact, (size_t)n - 1) == -SK_ETOOBIG);
		free(exact);
	} else {
		CHECK(n == -SK_EMALFORMED);
		CHECK(has_pct(s));
	}
	free(dst);
	return n;
}

/* ---- URIs ------------------------------------------------------------------------- */

static const char *const pnames[] = {"transport", "lr",     "maddr",         "user",
                                     "ttl",       "method", "phone-context", ""};

static void walk_uri(const struct sk_uri *u, struct sk_str in)
{
	char small[8], big[256];

	CHECK(u->scheme > SK_URI_NONE && u->scheme <= SK_URI_OTHER);
	CHECK(sk_str_eq(u->raw, in));
	const struct sk_str parts[] = {u->scheme_str, u->user,   u->password, u->host,
	                               u->port_str,   u->params, u->headers,  u->opaque};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		CHECK(inside(parts[i], in));
		touch(parts[i]);
	}
	CHECK(u->scheme_str.len > 0);
	switch (u->scheme) {
	case SK_URI_SIP:
	case SK_URI_SIPS:
		CHECK(u->host_type != SK_HOST_NONE && u->host.len > 0);
		if (u->host_type == SK_HOST_IPV6)
			CHECK(u->host.p[0] == '[' && u->host.p[u->host.len - 1] == ']');
		/* everything the parser accepted as escaped must unescape */
		CHECK(unescape_checked(u->user) >= 0);
		CHECK(unescape_checked(u->password) >= 0);
		CHECK(unescape_checked(u->params) >= 0);
		CHECK(unescape_checked(u->headers) >= 0);
		break;
	case SK_URI_TEL: CHECK(u->user.len > 0); break;
	default: CHECK(u->opaque.len > 0); break;
	}
	if (!sk_str_present(u->port_str))
		CHECK(u->port == 0);
	else
		CHECK(u->port_str.len >= 1 && u->port_str.len <= 5);
	for (size_t i = 0; i < sizeof(pnames) / sizeof(pnames[0]); i++) {
		struct sk_str v;
		if (sk_uri_param(u, pnames[i], &v) == 0) {
			CHECK(inside(v, u->params));
			touch(v);
		}
	}
	walk_params(u->params);
	CHECK(sk_uri_print(u, NULL, 0) == u->raw.len);
	CHECK(sk_uri_print(u, small, sizeof(small)) == u->raw.len);
	CHECK(memchr(small, 0, sizeof(small)) != NULL);
	CHECK(sk_uri_print(u, big, sizeof(big)) == u->raw.len);
}

/* Parses s (at its own heap copy, so ASan bounds it exactly). Returns 0 on success. */
static int parse_uri(struct sk_uri *u, struct sk_str s)
{
	const char *why = NULL;
	int rc = sk_uri_parse(u, s, &why);

	if (rc == 0)
		walk_uri(u, s);
	else
		/* malformed, or past SK_URI_MAX_PARAMS parameters or headers */
		CHECK((rc == -SK_EMALFORMED || rc == -SK_ETOOBIG) && why != NULL);
	return rc;
}

static char *dup_bytes(const char *p, size_t n)
{
	char *d = malloc(n ? n : 1);
	CHECK(d != NULL);
	if (n)
		memcpy(d, p, n);
	return d;
}

/* ---- name-addr, Via, Reason ------------------------------------------------------ */

static void addr(struct sk_str s, bool contact)
{
	struct sk_addr a, b;
	const char *why = NULL;

	if (sk_addr_parse(&a, s, contact, &why) != 0) {
		CHECK(why != NULL);
		return;
	}
	/* raw is the value without trailing whitespace */
	CHECK(a.raw.p == s.p && a.raw.len <= s.len);
	for (size_t i = a.raw.len; i < s.len; i++)
		CHECK(s.p[i] == ' ' || s.p[i] == '\t');
	const struct sk_str parts[] = {a.display, a.params, a.tag, a.expires, a.q};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		CHECK(inside(parts[i], s));
		touch(parts[i]);
	}
	if (a.star) {
		CHECK(contact && a.raw.len == 1 && a.raw.p[0] == '*');
		return;
	}
	walk_uri(&a.uri, a.uri.raw);
	CHECK(inside(a.uri.raw, s));
	CHECK(sk_uri_equal(&a.uri, &a.uri) || !on("reflexive"));
	walk_params(a.params);
	CHECK(sk_addr_parse(&b, s, contact, NULL) == 0);
	CHECK(b.angle == a.angle && sk_str_eq(b.tag, a.tag));
}

static void via(struct sk_str s)
{
	struct sk_via v;
	const char *why = NULL;

	if (sk_via_parse(&v, s, &why) != 0) {
		CHECK(why != NULL);
		return;
	}
	const struct sk_str parts[] = {v.proto_name, v.proto_version, v.transport, v.host,
	                               v.port_str,   v.params,        v.branch,    v.received,
	                               v.rport,      v.maddr,         v.ttl};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		CHECK(inside(parts[i], s));
		touch(parts[i]);
	}
	CHECK(v.proto_name.len && v.proto_version.len && v.transport.len && v.host.len);
	CHECK(v.host_type != SK_HOST_NONE);
	if (sk_str_present(v.branch))
		CHECK(v.branch.len > 0);
	fuzz_sink += sk_via_branch_is_3261(&v);
	walk_params(v.params);
}

static void reason(struct sk_str s)
{
	struct sk_reason r[64];
	size_t n = 777;
	const char *why = NULL;

	int rc = sk_reason_parse(s, r, 64, &n, &why);
	CHECK(n <= 64);
	if (rc != 0) {
		CHECK((rc == -SK_EMALFORMED || rc == -SK_ETOOBIG) && why != NULL);
		return;
	}
	CHECK(n >= 1);
	for (size_t i = 0; i < n; i++) {
		CHECK(r[i].protocol.len > 0);
		CHECK(inside(r[i].protocol, s) && inside(r[i].text, s) && inside(r[i].params, s));
		touch(r[i].text);
		touch(r[i].params);
		if (!r[i].has_cause)
			CHECK(r[i].cause == 0);
		walk_params(r[i].params);
	}
	/* exactly n slots suffice; n-1 do not */
	size_t n2 = 0;
	CHECK(sk_reason_parse(s, r, n, &n2, NULL) == 0 && n2 == n);
	CHECK(sk_reason_parse(s, r, n - 1, &n2, NULL) == -SK_ETOOBIG && n2 == n - 1);
}

/* ---- numbers ---------------------------------------------------------------------- */

static void number(struct sk_str s)
{
	static const uint64_t maxes[] = {0, 9, 255, 65535, UINT32_MAX, UINT64_MAX};
	bool digits = s.len > 0;
	unsigned __int128 ref = 0;

	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			digits = false;
		else if (ref <= (unsigned __int128)UINT64_MAX)
			ref = ref * 10 + (unsigned)(s.p[i] - '0');
	}
	for (size_t k = 0; k < sizeof(maxes) / sizeof(maxes[0]); k++) {
		uint64_t v = 12345;
		int rc = sk_str_to_u64(s, maxes[k], &v);
		if (!digits)
			CHECK(rc == -SK_EMALFORMED || (rc == -SK_ETOOBIG && !on("u64-errcode")));
		else if (ref > maxes[k])
			CHECK(rc == -SK_ETOOBIG);
		else
			CHECK(rc == 0 && v == (uint64_t)ref);
	}
}

/* ---- the entry point ------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *whole = dup_bytes((const char *)data, size);
	struct sk_str in = {whole, size};
	struct sk_uri u, u2, a, b;

	/* the whole input as one URI: reflexive, also against a copy elsewhere */
	if (parse_uri(&u, in) == 0) {
		bool refl = on("reflexive");
		CHECK(sk_uri_equal(&u, &u) || !refl);
		char *copy = dup_bytes(whole, size);
		CHECK(parse_uri(&u2, (struct sk_str){copy, size}) == 0);
		CHECK((sk_uri_equal(&u, &u2) && sk_uri_equal(&u2, &u)) || !refl);
		/* "<" uri ">" is a name-addr with the same URI */
		char *angle = malloc(size + 2);
		CHECK(angle != NULL);
		angle[0] = '<';
		memcpy(angle + 1, whole, size);
		angle[size + 1] = '>';
		struct sk_addr ad;
		const char *why = NULL;
		int rc = sk_addr_parse(&ad, (struct sk_str){angle, size + 2}, false, &why);
		if (rc != 0)
			fprintf(stderr, "<uri> refused: %s\n", why ? why : "?");
		CHECK(rc == 0);
		CHECK(ad.angle && sk_str_eq(ad.uri.raw, in));
		CHECK(sk_uri_equal(&ad.uri, &u) || !refl);
		free(angle);
		free(copy);
	}

	/* two URIs split from the input: comparison is symmetric */
	const char *nl = memchr(whole, '\n', size);
	size_t cut = nl ? (size_t)(nl - whole) : size / 2;
	size_t rest = nl ? cut + 1 : cut;
	char *pa = dup_bytes(whole, cut);
	char *pb = dup_bytes(whole + rest, size - rest);
	struct sk_str sa = {pa, cut}, sb = {pb, size - rest};
	int ra = parse_uri(&a, sa), rb = parse_uri(&b, sb);
	if (ra == 0 && rb == 0) {
		bool ab = sk_uri_equal(&a, &b), ba = sk_uri_equal(&b, &a);
		CHECK(ab == ba);
		if (ab)
			CHECK(a.scheme == b.scheme && a.port == b.port);
	}
	if (ra == 0 && on("reflexive"))
		CHECK(sk_uri_equal(&a, &a));
	if (rb == 0 && on("reflexive"))
		CHECK(sk_uri_equal(&b, &b));

	/* the same bytes as the other values that embed URIs and parameters */
	addr(in, false);
	addr(in, true);
	addr(sa, false);
	via(in);
	via(sa);
	reason(in);
	reason(sb);
	unescape_checked(in);
	walk_params(in);
	number(in);
	number(sa);

	free(pa);
	free(pb);
	free(whole);
	return 0;
}
