/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: HTTP Digest values (src/msg/auth.c; RFC 3261 §25.1, RFC 7616).
 *
 * The whole input is read as a WWW-Authenticate value (its challenges iterated, each
 * parsed, the best chosen) and as an Authorization value. Invariants:
 *   views       every view of a parsed struct lies inside the input
 *   iterate     sk_digest_challenge_next always advances and ends
 *   nc          nc_value is the hex of nc, and 0 only when nc is absent
 *   roundtrip   a challenge that parses is answered by sk_digest_authorize, and the
 *               answer parses as credentials and verifies with the same password
 *   unquote     every quoted view unescapes into a buffer its own size
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sipkit/auth.h"

#include "fuzz_util.h"

static int inside(struct sk_str s, struct sk_str in)
{
	return !s.p || (s.p >= in.p && s.p + s.len <= in.p + in.len);
}

static void check_unquote(struct sk_str v)
{
	char *buf = malloc(v.len + 1);
	CHECK(buf != NULL);
	int n = sk_digest_unquote(v, buf, v.len + 1);
	CHECK(n >= 0 && (size_t)n <= v.len);
	CHECK(strlen(buf) <= (size_t)n); /* a NUL inside stops strlen only */
	free(buf);
}

/* Answers c and checks the answer verifies with the same password. */
static void roundtrip(const struct sk_digest_challenge *c)
{
	static char out[1 << 17];
	struct sk_digest_credentials cr;
	char ha1[SK_DIGEST_HEX_MAX], resp[SK_DIGEST_HEX_MAX];
	char *realm = malloc(c->realm.len + 1), *nonce = malloc(c->nonce.len + 1);

	CHECK(realm && nonce);
	int r = sk_digest_authorize(c, sk_str_c("alice"), sk_str_c("secret"), sk_str_c("INVITE"),
	                            sk_str_c("sip:bob@example.test"), sk_str_c("0a4f113b"), 1, out,
	                            sizeof(out));
	if (r == 0 && on("roundtrip")) {
		CHECK(sk_digest_credentials_parse(&cr, sk_str_c(out)) == 0);
		CHECK(cr.alg == c->alg && cr.sess == c->sess);
		CHECK(sk_digest_unquote(cr.realm, realm, c->realm.len + 1) >= 0);
		int nl = sk_digest_unquote(cr.nonce, nonce, c->nonce.len + 1);
		CHECK(nl >= 0);
		CHECK(sk_digest_ha1(cr.alg, cr.username, sk_str_c(realm), sk_str_c("secret"),
		                    ha1) == 0);
		CHECK(sk_digest_response(cr.alg, cr.sess, ha1, (struct sk_str){nonce, (size_t)nl},
		                         cr.nc, cr.cnonce, cr.qop, sk_str_c("INVITE"), cr.uri,
		                         resp) == 0);
		CHECK(sk_digest_equal(cr.response, resp));
	} else {
		CHECK(r == 0 || r == -SK_ETOOBIG || r == -SK_ENOTSUP || r == -SK_EINVAL);
	}
	free(realm);
	free(nonce);
}

static void challenges(struct sk_str in)
{
	struct sk_digest_challenge c;
	struct sk_str one;
	size_t pos = 0, prev = 0, k = 0;
	int r;

	while ((r = sk_digest_challenge_next(in, &pos, &one)) == 1) {
		CHECK(pos > prev && pos <= in.len);
		CHECK(inside(one, in) && one.len > 0);
		prev = pos;
		CHECK(++k <= in.len);
		r = sk_digest_challenge_parse(&c, one);
		CHECK(r == 0 || r == -SK_EINVAL || r == -SK_ENOTSUP);
		if (r != 0)
			continue;
		const struct sk_str v[] = {c.realm, c.nonce, c.opaque, c.domain};
		for (size_t i = 0; i < 4; i++) {
			CHECK(inside(v[i], one));
			touch(v[i]);
			check_unquote(v[i]);
		}
		CHECK(c.alg == SK_DIGEST_MD5 || c.alg == SK_DIGEST_SHA256);
		roundtrip(&c);
	}
	CHECK(r == 0 || r == -SK_EINVAL);
	r = sk_digest_challenge_best(&c, in);
	CHECK(r == 0 || r == -SK_EINVAL || r == -SK_ENOTSUP);
	if (r == 0)
		CHECK(inside(c.realm, in) && inside(c.nonce, in));
}

static void credentials(struct sk_str in)
{
	struct sk_digest_credentials c;
	int r = sk_digest_credentials_parse(&c, in);

	CHECK(r == 0 || r == -SK_EINVAL || r == -SK_ENOTSUP);
	if (r != 0)
		return;
	const struct sk_str v[] = {c.username, c.realm,  c.nonce, c.uri, c.response,
	                           c.cnonce,   c.opaque, c.qop,   c.nc};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK(inside(v[i], in));
		touch(v[i]);
		check_unquote(v[i]);
	}
	if (on("nc")) {
		CHECK(sk_str_present(c.nc) == (c.nc_value != 0));
		if (c.nc_value) {
			char hex[9];
			snprintf(hex, sizeof(hex), "%08x", c.nc_value);
			CHECK(c.nc.len == 8 && strncasecmp(hex, c.nc.p, 8) == 0);
		}
	}
	/* the server's computation on whatever was received */
	char ha1[SK_DIGEST_HEX_MAX], resp[SK_DIGEST_HEX_MAX];
	CHECK(sk_digest_ha1(c.alg, c.username, c.realm, sk_str_c("pw"), ha1) == 0);
	r = sk_digest_response(c.alg, c.sess, ha1, c.nonce, c.nc, c.cnonce, c.qop,
	                       sk_str_c("REGISTER"), c.uri, resp);
	CHECK(r == 0 || r == -SK_EINVAL || r == -SK_ENOTSUP);
	if (r == 0)
		(void)sk_digest_equal(c.response, resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_str in = {(const char *)data, size};

	challenges(in);
	credentials(in);
	return 0;
}
