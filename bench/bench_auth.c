/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * bench-auth: what Digest authentication costs per request (src/msg/auth.c).
 *
 *   bench-auth [--count N]
 *
 * Prints microseconds per operation, best of 5 rounds in thread CPU time:
 *
 *   auth parse-credentials <us>      sk_digest_credentials_parse of a SIP Authorization
 *   auth verify-md5 <us>             what a server does with it: HA1 from the users file
 *                                    given, sk_digest_response, sk_digest_equal (MD5)
 *   auth verify-sha256 <us>          the same with SHA-256
 *   auth authorize-md5 <us>          the client's answer: sk_digest_authorize (HA1 included)
 *   auth challenge-best <us>         sk_digest_challenge_best of a SHA-256 + MD5 401 value
 *
 * The nonce changes every iteration, so nothing is hoisted out of the loop. Timing is
 * never checked.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sipkit/auth.h"

#define ROUNDS 5

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile unsigned sink;

/* The credentials of request i, the nonce's last 8 characters its number. */
static int credentials(char *buf, size_t size, unsigned i, const char *alg, const char *resp)
{
	return snprintf(
	    buf, size,
	    "Digest username=\"alice\", realm=\"sip.example.test\", "
	    "nonce=\"Zx9kAAAAAABkZWFkYmVlZgAAAAA%08x\", uri=\"sip:bob@sip.example.test\", "
	    "response=\"%s\", algorithm=%s, cnonce=\"0a4f113b7c\", qop=auth, "
	    "nc=00000001, opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
	    i, resp, alg);
}

static double run(const char *what, unsigned long n, enum sk_digest_alg alg)
{
	char value[512], ha1[SK_DIGEST_HEX_MAX], resp[SK_DIGEST_HEX_MAX], out[1024];
	struct sk_digest_credentials c;
	struct sk_digest_challenge ch;
	double best = 1e30;
	const char *name = alg == SK_DIGEST_SHA256 ? "SHA-256" : "MD5";

	sk_digest_ha1(alg, sk_str_c("alice"), sk_str_c("sip.example.test"), sk_str_c("secret"),
	              ha1);
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_s();
		for (unsigned long i = 0; i < n; i++) {
			int len = credentials(value, sizeof(value), (unsigned)i, name,
			                      "6629fae49393a05397450978507c4ef1");
			struct sk_str v = {value, (size_t)len};
			if (!strcmp(what, "parse-credentials")) {
				sink += (unsigned)sk_digest_credentials_parse(&c, v) +
				        (unsigned)c.nc_value;
			} else if (!strcmp(what, "verify")) {
				sk_digest_credentials_parse(&c, v);
				sk_digest_response(c.alg, c.sess, ha1, c.nonce, c.nc, c.cnonce,
				                   c.qop, sk_str_c("INVITE"), c.uri, resp);
				sink += sk_digest_equal(c.response, resp);
			} else if (!strcmp(what, "authorize")) {
				snprintf(value, sizeof(value),
				         "Digest realm=\"sip.example.test\", nonce=\"n%08lx\", "
				         "qop=\"auth\"",
				         i);
				sk_digest_challenge_parse(&ch, sk_str_c(value));
				sink += (unsigned)sk_digest_authorize(
				    &ch, sk_str_c("alice"), sk_str_c("secret"), sk_str_c("INVITE"),
				    sk_str_c("sip:bob@sip.example.test"), sk_str_c("0a4f113b"), 1,
				    out, sizeof(out));
			} else {
				snprintf(value, sizeof(value),
				         "Digest realm=\"sip.example.test\", nonce=\"n%08lx\", "
				         "qop=\"auth\", "
				         "algorithm=SHA-256, Digest realm=\"sip.example.test\", "
				         "nonce=\"n%08lx\", qop=\"auth\", algorithm=MD5",
				         i, i);
				sink += (unsigned)sk_digest_challenge_best(&ch, sk_str_c(value));
			}
		}
		double t = (now_s() - t0) / (double)n;
		if (t < best)
			best = t;
	}
	return best * 1e6;
}

int main(int argc, char **argv)
{
	unsigned long n = 100000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc)
			n = strtoul(argv[++i], NULL, 10);
	}
	if (!n)
		n = 1;
	/* the loop's own cost: writing the credentials */
	printf("auth parse-credentials %.3f\n", run("parse-credentials", n, SK_DIGEST_MD5));
	printf("auth verify-md5 %.3f\n", run("verify", n, SK_DIGEST_MD5));
	printf("auth verify-sha256 %.3f\n", run("verify", n, SK_DIGEST_SHA256));
	printf("auth authorize-md5 %.3f\n", run("authorize", n, SK_DIGEST_MD5));
	printf("auth challenge-best %.3f\n", run("best", n, SK_DIGEST_MD5));
	return (int)(sink & 0);
}
