/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP Digest (src/msg/auth.c), RFC 3261 §22 and §25.1, RFC 7616, RFC 8760:
 *  - the RFC 7616 §3.9.1 examples (MD5 and SHA-256) and the RFC 2617 §3.5 example,
 *    challenges, credentials and responses byte for byte;
 *  - several challenges in one value (RFC 8760 §2.4): iterated, the strongest chosen;
 *  - sk_digest_authorize round trip: what the client writes parses and verifies;
 *  - -sess, no qop (RFC 2069 style), quoted-pairs, folding, case;
 *  - hostile values: unterminated quotes, 10,000 commas, a NUL, a parameter twice,
 *    nc not hex, absurd lengths: an error, never an over-read (ASan).
 */
#include "sk_test.h"

#include "sipkit/auth.h"

#define MUFASA_NONCE  "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define MUFASA_OPAQUE "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
#define MUFASA_CNONCE "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"

/* RFC 7616 §3.9.1: the two challenges of one 401, as one folded list value. */
static const char rfc7616_challenges[] = "Digest\r\n"
                                         "    realm=\"http-auth@example.org\",\r\n"
                                         "    qop=\"auth, auth-int\",\r\n"
                                         "    algorithm=SHA-256,\r\n"
                                         "    nonce=\"" MUFASA_NONCE "\",\r\n"
                                         "    opaque=\"" MUFASA_OPAQUE "\", Digest\r\n"
                                         "    realm=\"http-auth@example.org\",\r\n"
                                         "    qop=\"auth, auth-int\",\r\n"
                                         "    algorithm=MD5,\r\n"
                                         "    nonce=\"" MUFASA_NONCE "\",\r\n"
                                         "    opaque=\"" MUFASA_OPAQUE "\"";

static void test_rfc7616_challenge(void **state)
{
	(void)state;
	struct sk_digest_challenge c;
	struct sk_str v = sk_str_c(rfc7616_challenges), one;
	size_t pos = 0;

	assert_int_equal(sk_digest_challenge_next(v, &pos, &one), 1);
	assert_int_equal(sk_digest_challenge_parse(&c, one), 0);
	assert_str_view(c.realm, "http-auth@example.org");
	assert_str_view(c.nonce, MUFASA_NONCE);
	assert_str_view(c.opaque, MUFASA_OPAQUE);
	assert_int_equal(c.alg, SK_DIGEST_SHA256);
	assert_false(c.sess);
	assert_true(c.qop_auth && c.qop_auth_int && c.qop_present);
	assert_false(c.stale);
	assert_int_equal(sk_digest_challenge_next(v, &pos, &one), 1);
	assert_int_equal(sk_digest_challenge_parse(&c, one), 0);
	assert_int_equal(c.alg, SK_DIGEST_MD5);
	assert_int_equal(sk_digest_challenge_next(v, &pos, &one), 0);
	assert_int_equal(pos, v.len);

	/* parse alone reads the first; best picks SHA-256 wherever it stands */
	assert_int_equal(sk_digest_challenge_parse(&c, v), 0);
	assert_int_equal(c.alg, SK_DIGEST_SHA256);
	assert_int_equal(sk_digest_challenge_best(&c, v), 0);
	assert_int_equal(c.alg, SK_DIGEST_SHA256);
	assert_int_equal(sk_digest_challenge_best(&c, sk_str_c("Digest realm=\"r\", nonce=\"n\", "
	                                                       "algorithm=MD5, Digest realm=\"r\", "
	                                                       "nonce=\"m\", algorithm=SHA-256")),
	                 0);
	assert_int_equal(c.alg, SK_DIGEST_SHA256);
	assert_str_view(c.nonce, "m");
}

static void test_rfc7616_credentials(void **state)
{
	(void)state;
	static const struct {
		enum sk_digest_alg alg;
		const char *name, *response;
	} ex[] = {{SK_DIGEST_MD5, "MD5", "8ca523f5e9506fed4657c9700eebdbec"},
	          {SK_DIGEST_SHA256, "SHA-256",
	           "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"}};

	for (size_t i = 0; i < 2; i++) {
		char value[1024], ha1[SK_DIGEST_HEX_MAX], resp[SK_DIGEST_HEX_MAX];
		struct sk_digest_credentials c;
		snprintf(value, sizeof(value),
		         "Digest username=\"Mufasa\",\r\n    realm=\"http-auth@example.org\",\r\n"
		         "    uri=\"/dir/index.html\",\r\n    algorithm=%s,\r\n"
		         "    nonce=\"" MUFASA_NONCE "\",\r\n    nc=00000001,\r\n"
		         "    cnonce=\"" MUFASA_CNONCE "\",\r\n    qop=auth,\r\n"
		         "    response=\"%s\",\r\n    opaque=\"" MUFASA_OPAQUE "\"",
		         ex[i].name, ex[i].response);
		assert_int_equal(sk_digest_credentials_parse(&c, sk_str_c(value)), 0);
		assert_str_view(c.username, "Mufasa");
		assert_str_view(c.realm, "http-auth@example.org");
		assert_str_view(c.uri, "/dir/index.html");
		assert_str_view(c.nonce, MUFASA_NONCE);
		assert_str_view(c.cnonce, MUFASA_CNONCE);
		assert_str_view(c.opaque, MUFASA_OPAQUE);
		assert_str_view(c.qop, "auth");
		assert_str_view(c.nc, "00000001");
		assert_int_equal(c.nc_value, 1);
		assert_int_equal(c.alg, ex[i].alg);
		assert_false(c.sess || c.quoted_pair || c.userhash);
		/* the server's check: HA1 from the password, the response recomputed */
		assert_int_equal(
		    sk_digest_ha1(c.alg, c.username, c.realm, sk_str_c("Circle of Life"), ha1), 0);
		assert_int_equal(sk_digest_response(c.alg, c.sess, ha1, c.nonce, c.nc, c.cnonce,
		                                    c.qop, sk_str_c("GET"), c.uri, resp),
		                 0);
		assert_string_equal(resp, ex[i].response);
		assert_true(sk_digest_equal(c.response, resp));
		resp[3] ^= 1;
		assert_false(sk_digest_equal(c.response, resp));
	}
}

static void test_rfc2617_example(void **state)
{
	(void)state;
	/* RFC 2617 §3.5 (its errata: the password that gives this response is
	 * "Circle Of Life"); no algorithm parameter: MD5 */
	static const char value[] =
	    "Digest username=\"Mufasa\",\n"
	    "                 realm=\"testrealm@host.com\",\n"
	    "                 nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\n"
	    "                 uri=\"/dir/index.html\",\n"
	    "                 qop=auth,\n"
	    "                 nc=00000001,\n"
	    "                 cnonce=\"0a4f113b\",\n"
	    "                 response=\"6629fae49393a05397450978507c4ef1\",\n"
	    "                 opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
	struct sk_digest_credentials c;
	struct sk_digest_challenge ch;
	char ha1[SK_DIGEST_HEX_MAX], resp[SK_DIGEST_HEX_MAX];

	assert_int_equal(sk_digest_credentials_parse(&c, sk_str_c(value)), 0);
	assert_int_equal(c.alg, SK_DIGEST_MD5);
	assert_int_equal(
	    sk_digest_ha1(SK_DIGEST_MD5, c.username, c.realm, sk_str_c("Circle Of Life"), ha1), 0);
	assert_int_equal(sk_digest_response(SK_DIGEST_MD5, false, ha1, c.nonce, c.nc, c.cnonce,
	                                    c.qop, sk_str_c("GET"), c.uri, resp),
	                 0);
	assert_string_equal(resp, "6629fae49393a05397450978507c4ef1");
	assert_true(sk_digest_equal(c.response, resp));
	assert_true(sk_digest_equal(sk_str_c("6629FAE49393A05397450978507C4EF1"), resp));
	assert_false(sk_digest_equal(sk_str_c("6629fae49393a05397450978507c4ef"), resp));
	assert_false(sk_digest_equal(SK_STR_NULL, resp));

	/* the client side of the same exchange writes the same response */
	assert_int_equal(
	    sk_digest_challenge_parse(&ch, sk_str_c("Digest realm=\"testrealm@host.com\", "
	                                            "qop=\"auth,auth-int\", "
	                                            "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
	                                            "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"")),
	    0);
	char out[512];
	assert_int_equal(sk_digest_authorize(&ch, sk_str_c("Mufasa"), sk_str_c("Circle Of Life"),
	                                     sk_str_c("GET"), sk_str_c("/dir/index.html"),
	                                     sk_str_c("0a4f113b"), 1, out, sizeof(out)),
	                 0);
	assert_string_equal(out,
	                    "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
	                    "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
	                    "uri=\"/dir/index.html\", "
	                    "response=\"6629fae49393a05397450978507c4ef1\", algorithm=MD5, "
	                    "cnonce=\"0a4f113b\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", "
	                    "qop=auth, nc=00000001");
	/* one byte short of room: -SK_ETOOBIG and nothing half-written */
	size_t need = strlen(out) + 1;
	assert_int_equal(sk_digest_authorize(&ch, sk_str_c("Mufasa"), sk_str_c("Circle Of Life"),
	                                     sk_str_c("GET"), sk_str_c("/dir/index.html"),
	                                     sk_str_c("0a4f113b"), 1, out, need - 1),
	                 -SK_ETOOBIG);
	assert_string_equal(out, "");
}

/* What sk_digest_authorize writes verifies at a server for every algorithm and qop. */
static void test_authorize_roundtrip(void **state)
{
	(void)state;
	static const char *const challenges[] = {
	    "Digest realm=\"sip.test\", nonce=\"abc\", qop=\"auth\", algorithm=SHA-256",
	    "Digest realm=\"sip.test\", nonce=\"abc\", algorithm=MD5-sess, qop=auth",
	    "Digest realm=\"sip.test\", nonce=\"abc\", algorithm=sha-256-SESS",
	    "Digest realm=\"sip.test\", nonce=\"abc\"", /* RFC 2069: no qop, no cnonce */
	    "digest REALM=\"sip.test\" , NONCE = \"abc\" ,stale=TRUE",
	    "Digest realm=\"sip.\\\"te\\st\", nonce=\"a\\bc\"", /* quoted-pairs */
	};
	for (size_t i = 0; i < sizeof(challenges) / sizeof(challenges[0]); i++) {
		struct sk_digest_challenge ch;
		struct sk_digest_credentials cr;
		char out[1024], ha1[SK_DIGEST_HEX_MAX], resp[SK_DIGEST_HEX_MAX];
		char realm[64], nonce[64], user[64];
		assert_int_equal(sk_digest_challenge_parse(&ch, sk_str_c(challenges[i])), 0);
		assert_int_equal(sk_digest_authorize(&ch, sk_str_c("al\"ice"), sk_str_c("secret"),
		                                     sk_str_c("INVITE"),
		                                     sk_str_c("sip:bob@sip.test"),
		                                     sk_str_c("0123abcd"), 7, out, sizeof(out)),
		                 0);
		assert_int_equal(sk_digest_credentials_parse(&cr, sk_str_c(out)), 0);
		assert_int_equal(cr.alg, ch.alg);
		assert_int_equal(cr.sess, ch.sess);
		assert_true(cr.quoted_pair); /* the username's quote is escaped */
		assert_int_equal(sk_digest_unquote(cr.username, user, sizeof(user)), 6);
		assert_string_equal(user, "al\"ice");
		assert_true(sk_digest_unquote(cr.realm, realm, sizeof(realm)) >= 0);
		assert_true(sk_digest_unquote(cr.nonce, nonce, sizeof(nonce)) >= 0);
		assert_int_equal(
		    sk_digest_ha1(cr.alg, sk_str_c(user), sk_str_c(realm), sk_str_c("secret"), ha1),
		    0);
		assert_int_equal(sk_digest_response(cr.alg, cr.sess, ha1, sk_str_c(nonce), cr.nc,
		                                    cr.cnonce, cr.qop, sk_str_c("INVITE"), cr.uri,
		                                    resp),
		                 0);
		assert_true(sk_digest_equal(cr.response, resp));
		if (ch.qop_auth) {
			assert_int_equal(cr.nc_value, 7);
			assert_str_view(cr.qop, "auth");
		} else {
			assert_null(cr.nc.p);
			assert_null(cr.qop.p);
		}
		/* the wrong password does not verify */
		assert_int_equal(
		    sk_digest_ha1(cr.alg, sk_str_c(user), sk_str_c(realm), sk_str_c("secreT"), ha1),
		    0);
		assert_int_equal(sk_digest_response(cr.alg, cr.sess, ha1, sk_str_c(nonce), cr.nc,
		                                    cr.cnonce, cr.qop, sk_str_c("INVITE"), cr.uri,
		                                    resp),
		                 0);
		assert_false(sk_digest_equal(cr.response, resp));
	}
	/* realm with a quoted-pair: echoed as received, hashed unescaped */
	struct sk_digest_challenge ch;
	assert_int_equal(sk_digest_challenge_parse(&ch, sk_str_c(challenges[5])), 0);
	assert_true(ch.quoted_pair);
	assert_str_view(ch.realm, "sip.\\\"te\\st");
	char u[16];
	assert_int_equal(sk_digest_unquote(ch.realm, u, sizeof(u)), 9);
	assert_string_equal(u, "sip.\"test");
	assert_int_equal(sk_digest_unquote(ch.realm, u, 9), -SK_ETOOBIG);
	assert_int_equal(sk_digest_challenge_parse(&ch, sk_str_c(challenges[4])), 0);
	assert_true(ch.stale);
}

static void test_choices(void **state)
{
	(void)state;
	struct sk_digest_challenge c;
	char out[512];

	/* an algorithm we lack: -SK_ENOTSUP, and best passes over it */
	assert_int_equal(
	    sk_digest_challenge_parse(
	        &c, sk_str_c("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256")),
	    -SK_ENOTSUP);
	assert_int_equal(sk_digest_challenge_parse(
	                     &c, sk_str_c("Digest realm=\"r\", nonce=\"n\", algorithm=AKAv1-MD5")),
	                 -SK_ENOTSUP);
	assert_int_equal(sk_digest_challenge_best(&c, sk_str_c("Digest realm=\"r\", nonce=\"n\", "
	                                                       "algorithm=SHA-512-256, Basic "
	                                                       "realm=\"x\", Digest realm=\"r\", "
	                                                       "nonce=\"m\"")),
	                 0);
	assert_int_equal(c.alg, SK_DIGEST_MD5);
	assert_str_view(c.nonce, "m");
	assert_int_equal(sk_digest_challenge_best(&c, sk_str_c("Basic realm=\"x\"")), -SK_ENOTSUP);
	assert_int_equal(sk_digest_challenge_best(&c, sk_str_c("Negotiate abc==, NTLM")),
	                 -SK_ENOTSUP);
	/* auth-int only: nothing a client without the body can answer */
	assert_int_equal(sk_digest_challenge_parse(
	                     &c, sk_str_c("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"")),
	                 0);
	assert_int_equal(sk_digest_authorize(&c, sk_str_c("u"), sk_str_c("p"), sk_str_c("INVITE"),
	                                     sk_str_c("sip:x"), sk_str_c("c"), 1, out, sizeof(out)),
	                 -SK_ENOTSUP);
	assert_int_equal(sk_digest_challenge_best(
	                     &c, sk_str_c("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"")),
	                 -SK_ENOTSUP);
	/* qop=auth over none at the same algorithm; unknown parameters ignored */
	assert_int_equal(sk_digest_challenge_best(
	                     &c, sk_str_c("Digest realm=\"r\", nonce=\"a\", x-y=z, Digest "
	                                  "realm=\"r\", nonce=\"b\", qop=\"auth\", charset=UTF-8")),
	                 0);
	assert_str_view(c.nonce, "b");
	/* the server's helpers refuse what cannot be computed */
	char ha1[SK_DIGEST_HEX_MAX], resp[SK_DIGEST_HEX_MAX];
	assert_int_equal(
	    sk_digest_ha1(SK_DIGEST_NONE, sk_str_c("u"), sk_str_c("r"), sk_str_c("p"), ha1),
	    -SK_EINVAL);
	assert_int_equal(
	    sk_digest_ha1(SK_DIGEST_MD5, sk_str_c("u"), sk_str_c("r"), sk_str_c("p"), ha1), 0);
	assert_int_equal(sk_digest_response(SK_DIGEST_SHA256, false, ha1, sk_str_c("n"),
	                                    SK_STR_NULL, SK_STR_NULL, SK_STR_NULL,
	                                    sk_str_c("INVITE"), sk_str_c("sip:x"), resp),
	                 -SK_EINVAL); /* an MD5 HA1 for SHA-256 */
	assert_int_equal(sk_digest_response(SK_DIGEST_MD5, false, ha1, sk_str_c("n"),
	                                    sk_str_c("00000001"), sk_str_c("c"),
	                                    sk_str_c("auth-int"), sk_str_c("INVITE"),
	                                    sk_str_c("sip:x"), resp),
	                 -SK_ENOTSUP);
	assert_int_equal(sk_digest_response(SK_DIGEST_MD5, false, ha1, sk_str_c("n"), SK_STR_NULL,
	                                    SK_STR_NULL, sk_str_c("auth"), sk_str_c("INVITE"),
	                                    sk_str_c("sip:x"), resp),
	                 -SK_EINVAL); /* qop without nc and cnonce */
	assert_string_equal(sk_digest_alg_name(SK_DIGEST_SHA256, true), "SHA-256-sess");
}

static void test_hostile(void **state)
{
	(void)state;
	struct sk_digest_challenge c;
	struct sk_digest_credentials cr;
	static const char *const bad_challenges[] = {
	    "",
	    "Digest",
	    "Digest realm=\"r\"",                                  /* no nonce */
	    "Digest nonce=\"n\"",                                  /* no realm */
	    "Digest realm=\"r, nonce=\"n\"",                       /* unterminated */
	    "Digest realm=\"r\", nonce=\"n",                       /* unterminated at the end */
	    "Digest realm=\"r\", nonce=\"n\", realm=\"s\"",        /* a parameter twice */
	    "Digest realm=\"r\", nonce=\"n\", NONCE=\"m\"",        /* twice, other case */
	    "Digest realm=\"r\" nonce=\"n\"",                      /* no comma */
	    "Digest realm=\"r\", nonce=",                          /* no value */
	    "Digest realm=\"r\", nonce=\"n\", =x",                 /* no name */
	    "Digest realm=\"r\", nonce=\"n\"x",                    /* text after a value */
	    "Digest realm=\"r\", nonce=\"n\\",                     /* a quoted-pair cut */
	    "Digest realm=\"r\r\n\", nonce=\"n\"",                 /* CRLF in quotes */
	    "Basic realm=\"r\"",                                   /* not Digest */
	    "Digestrealm=\"r\", nonce=\"n\"",                      /* no LWS */
	    "Digest realm=\"r\", nonce=\"n\", Digest realm=\"s\"", /* parse: first only */
	};
	for (size_t i = 0; i < sizeof(bad_challenges) / sizeof(bad_challenges[0]); i++) {
		int r = sk_digest_challenge_parse(&c, sk_str_c(bad_challenges[i]));
		if (i == sizeof(bad_challenges) / sizeof(bad_challenges[0]) - 1) {
			assert_int_equal(r, 0); /* the second is for _next */
			continue;
		}
		if (r != -SK_EINVAL)
			fail_msg("challenge '%s': %d", bad_challenges[i], r);
	}
	/* a NUL inside a value, and one between parameters */
	static const char nul1[] = "Digest realm=\"r\0x\", nonce=\"n\"";
	static const char nul2[] = "Digest realm=\"r\",\0 nonce=\"n\"";
	assert_int_equal(sk_digest_challenge_parse(&c, (struct sk_str){nul1, sizeof(nul1) - 1}),
	                 -SK_EINVAL);
	assert_int_equal(sk_digest_challenge_parse(&c, (struct sk_str){nul2, sizeof(nul2) - 1}),
	                 -SK_EINVAL);

	static const char *const bad_credentials[] = {
	    "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\"", /* no response */
	    "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0\", "
	    "nc=0000000g, cnonce=\"c\", qop=auth", /* nc not hex */
	    "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0\", "
	    "nc=1, cnonce=\"c\", qop=auth", /* nc not 8 digits */
	    "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0\", "
	    "nc=00000000, cnonce=\"c\", qop=auth", /* nc 0 */
	    "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0\", "
	    "qop=auth", /* qop without cnonce and nc */
	    "Digest username=\"u\", username=\"v\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", "
	    "response=\"0\"", /* twice */
	    "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0\", "
	    "qop=\"auth int\", cnonce=\"c\", nc=00000001", /* qop not a token */
	    "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0\", "
	    "Digest username=\"v\"", /* a second credentials */
	    "Digest",
	    "",
	};
	for (size_t i = 0; i < sizeof(bad_credentials) / sizeof(bad_credentials[0]); i++) {
		int r = sk_digest_credentials_parse(&cr, sk_str_c(bad_credentials[i]));
		if (r != -SK_EINVAL)
			fail_msg("credentials '%s': %d", bad_credentials[i], r);
	}
	assert_int_equal(sk_digest_credentials_parse(
	                     &cr, sk_str_c("Digest username=\"u\", realm=\"r\", nonce=\"n\", "
	                                   "uri=\"sip:x\", response=\"0\", algorithm=SHA-512")),
	                 -SK_ENOTSUP);
	/* the largest nc */
	assert_int_equal(sk_digest_credentials_parse(
	                     &cr, sk_str_c("Digest username=\"u\", realm=\"r\", nonce=\"n\", "
	                                   "uri=\"sip:x\", response=\"0\", nc=FFFFFFFF, "
	                                   "cnonce=\"c\", qop=auth")),
	                 0);
	assert_int_equal(cr.nc_value, 0xffffffffu);

	/* 10,000 commas: empty list elements, read in one pass */
	size_t n = 10000;
	char *big = malloc(n + 64);
	assert_non_null(big);
	int len = snprintf(big, 64, "Digest realm=\"r\"");
	memset(big + len, ',', n);
	memcpy(big + len + n, "nonce=\"n\"", 9);
	struct sk_str bv = {big, (size_t)len + n + 9};
	assert_int_equal(sk_digest_challenge_parse(&c, bv), 0);
	assert_str_view(c.nonce, "n");
	size_t pos = 0, count = 0;
	struct sk_str one;
	while (sk_digest_challenge_next(bv, &pos, &one) == 1)
		count++;
	assert_int_equal(count, 1);
	/* only commas: no challenge at all */
	memset(big, ',', n);
	pos = 0;
	assert_int_equal(sk_digest_challenge_next((struct sk_str){big, n}, &pos, &one), 0);
	free(big);

	/* an absurd length: a 1 MB nonce parses (a view), the client refuses to unescape
	 * one that long, and an unterminated one is refused without reading past it */
	size_t huge = 1u << 20;
	char *h = malloc(huge);
	assert_non_null(h);
	len = snprintf(h, 64, "Digest realm=\"r\", nonce=\"");
	memset(h + len, 'a', huge - (size_t)len);
	assert_int_equal(sk_digest_challenge_parse(&c, (struct sk_str){h, huge}), -SK_EINVAL);
	h[huge - 1] = '"';
	assert_int_equal(sk_digest_challenge_parse(&c, (struct sk_str){h, huge}), 0);
	assert_int_equal(c.nonce.len, huge - (size_t)len - 1);
	char out[256];
	assert_int_equal(sk_digest_authorize(&c, sk_str_c("u"), sk_str_c("p"), sk_str_c("INVITE"),
	                                     sk_str_c("sip:x"), SK_STR_NULL, 0, out, sizeof(out)),
	                 -SK_ETOOBIG);
	h[len + 5] = '\\';
	assert_int_equal(sk_digest_challenge_parse(&c, (struct sk_str){h, huge}), 0);
	assert_true(c.quoted_pair);
	assert_int_equal(sk_digest_authorize(&c, sk_str_c("u"), sk_str_c("p"), sk_str_c("INVITE"),
	                                     sk_str_c("sip:x"), SK_STR_NULL, 0, out, sizeof(out)),
	                 -SK_ETOOBIG);
	free(h);

	/* every prefix of a valid value: an answer, never an over-read (exact-size copies) */
	const char *full = "Digest username=\"u\\\"v\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", "
	                   "response=\"0123\", nc=00000001, cnonce=\"c\", qop=auth, "
	                   "algorithm=SHA-256-sess, opaque=\"o\"";
	for (size_t k = 0; k <= strlen(full); k++) {
		char *cp = malloc(k ? k : 1);
		assert_non_null(cp);
		memcpy(cp, full, k);
		struct sk_str pv = {cp, k};
		(void)sk_digest_credentials_parse(&cr, pv);
		(void)sk_digest_challenge_best(&c, pv);
		free(cp);
	}
	assert_int_equal(sk_digest_credentials_parse(&cr, sk_str_c(full)), 0);
	assert_true(cr.sess && cr.quoted_pair);
}

/* The server's challenge: written, then parsed back to the same values. */
static void test_challenge_format(void **state)
{
	(void)state;
	struct sk_digest_challenge c = {.realm = SK_STR_LIT("sip.test"),
	                                .nonce = SK_STR_LIT("MTcwMDAwMDAwMDphYmM="),
	                                .opaque = SK_STR_LIT("o1"),
	                                .alg = SK_DIGEST_SHA256,
	                                .qop_auth = true,
	                                .stale = true},
	                           back;
	char out[256];
	assert_int_equal(sk_digest_challenge_format(&c, out, sizeof(out)), 0);
	assert_string_equal(out, "Digest realm=\"sip.test\", nonce=\"MTcwMDAwMDAwMDphYmM=\", "
	                         "opaque=\"o1\", algorithm=SHA-256, qop=\"auth\", stale=true");
	assert_int_equal(sk_digest_challenge_parse(&back, sk_str_c(out)), 0);
	assert_int_equal(back.alg, SK_DIGEST_SHA256);
	assert_true(back.qop_auth && !back.qop_auth_int && back.stale);
	assert_str_view(back.realm, "sip.test");
	assert_str_view(back.opaque, "o1");
	assert_int_equal(sk_digest_challenge_format(&c, out, 20), -SK_ETOOBIG);
	assert_string_equal(out, "");
	c.realm = SK_STR_LIT("a\"b");
	assert_int_equal(sk_digest_challenge_format(&c, out, sizeof(out)), -SK_EINVAL);
	c.realm = SK_STR_LIT("r");
	c.alg = SK_DIGEST_NONE;
	assert_int_equal(sk_digest_challenge_format(&c, out, sizeof(out)), -SK_EINVAL);
	c.alg = SK_DIGEST_MD5;
	c.opaque = SK_STR_NULL;
	c.qop_auth = c.stale = false;
	assert_int_equal(sk_digest_challenge_format(&c, out, sizeof(out)), 0);
	assert_string_equal(out,
	                    "Digest realm=\"r\", nonce=\"MTcwMDAwMDAwMDphYmM=\", algorithm=MD5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc7616_challenge), cmocka_unit_test(test_rfc7616_credentials),
	    cmocka_unit_test(test_rfc2617_example),   cmocka_unit_test(test_authorize_roundtrip),
	    cmocka_unit_test(test_choices),           cmocka_unit_test(test_challenge_format),
	    cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests_name("auth", tests, NULL, NULL);
}
