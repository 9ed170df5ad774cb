/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Digest credentials of the requests we send (RFC 3261 §22.2, §22.3; RFC 7616;
 * RFC 8760): the challenges of a 401/407 kept per realm, answered once each, and
 * the Authorization / Proxy-Authorization lines of every retry.
 *
 * The rules:
 *  - every challenge of the response is looked at, WWW-Authenticate and
 *    Proxy-Authenticate alike (a forking proxy gathers them, §16.7 step 6), the
 *    strongest per header line (SHA-256 over MD5, RFC 8760 §2.4), one per realm;
 *  - a realm answered before for the same request (a refresh is a new one, its
 *    credentials sent before any challenge) is answered again only when its new
 *    challenge says
 *    stale=true; otherwise our credentials were refused and the request fails with
 *    that response (§22.1: "MUST NOT re-attempt requests with the credentials that
 *    have just been rejected (though the request may be retried if the nonce was
 *    stale)"); and at most AUTH_MAX_ANSWERS challenges per request in all, so a
 *    server that says stale=true forever cannot make us loop;
 *  - the credentials of every realm answered so far go into each retry (a 407
 *    from a proxy, then a 401 from the callee through it), the nonce count of a
 *    reused nonce counting up (RFC 7616 §3.4: nc is 1 for a nonce's first use);
 *  - the password never leaves this file: only the digest goes on the wire;
 *  - in-dialog requests carry no credentials until challenged (the BYE answers its
 *    own 401/407, uac.c); the ACK of a 2xx repeats the INVITE's (§22.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipkit/auth.h"
#include "ua_int.h"

#define AUTH_MAX_REALMS  4    /* realms per request: the proxies on the path and the callee */
#define AUTH_MAX_ANSWERS 6    /* challenges answered per request, stale ones included */
#define AUTH_LINE_MAX    2048 /* one Authorization value */

struct auth_realm {
	bool proxy; /* Proxy-Authorization (a Proxy-Authenticate challenge) */
	char *text; /* the challenge as received: ch's views point into it */
	struct sk_digest_challenge ch;
	uint32_t nc;   /* nonce count of the last use of ch.nonce */
	bool answered; /* challenged and answered for the request under way */
};

struct sk_uac_auth {
	char *user, *password;
	struct auth_realm realm[AUTH_MAX_REALMS];
	unsigned nrealms;
	unsigned answers; /* challenges answered */
	char *lines;      /* the credential lines of the request last sent */
	uint32_t lines_cseq;
};

int sk_uac_auth_new(struct sk_uac_auth **out, const char *user, const char *password)
{
	struct sk_uac_auth *a = calloc(1, sizeof(*a));
	if (!a || !user || !password || !(a->user = strdup(user)) ||
	    !(a->password = strdup(password))) {
		sk_uac_auth_free(a);
		return -SK_ENOMEM;
	}
	*out = a;
	return 0;
}

void sk_uac_auth_free(struct sk_uac_auth *a)
{
	if (!a)
		return;
	for (unsigned i = 0; i < a->nrealms; i++)
		free(a->realm[i].text);
	if (a->password) /* not left in freed memory */
		memset(a->password, 0, strlen(a->password));
	free(a->user);
	free(a->password);
	free(a->lines);
	free(a);
}

void sk_uac_auth_restart(struct sk_uac_auth *a)
{
	/* a new request (a refresh): the credentials go preemptively, and a challenge
	 * to them is a first one again */
	a->answers = 0;
	for (unsigned i = 0; i < a->nrealms; i++)
		a->realm[i].answered = false;
}

unsigned sk_uac_auth_answers(const struct sk_uac_auth *a)
{
	return a ? a->answers : 0;
}

static struct auth_realm *realm_find(struct sk_uac_auth *a, bool proxy, struct sk_str realm)
{
	for (unsigned i = 0; i < a->nrealms; i++)
		if (a->realm[i].proxy == proxy && sk_str_eq(a->realm[i].ch.realm, realm))
			return &a->realm[i];
	return NULL;
}

/* How much better challenge x is than y for the same realm (RFC 8760 §2.4). */
static bool stronger(const struct sk_digest_challenge *x, const struct sk_digest_challenge *y)
{
	int sx = (x->alg == SK_DIGEST_SHA256) * 2 + x->qop_auth;
	int sy = (y->alg == SK_DIGEST_SHA256) * 2 + y->qop_auth;
	return sx > sy;
}

/* The challenges of one response, the best per (kind, realm). */
struct picked {
	bool proxy;
	struct sk_str text;
	struct sk_digest_challenge ch;
};

static int pick(const struct sk_msg *resp, struct picked *p, unsigned *n)
{
	static const enum sk_hdr_id ids[] = {SK_HDR_PROXY_AUTHENTICATE, SK_HDR_WWW_AUTHENTICATE};
	*n = 0;
	for (size_t k = 0; k < 2; k++) {
		for (const struct sk_hdr *h = sk_msg_hdr_first(resp, ids[k]); h;
		     h = h->next == UINT32_MAX ? NULL : sk_msg_hdr_at(resp, h->next)) {
			struct sk_digest_challenge ch;
			struct sk_str one, best = SK_STR_NULL;
			size_t pos = 0;
			bool found = false;
			/* the strongest challenge we can answer on this line */
			if (sk_digest_challenge_best(&ch, h->value) < 0)
				continue;
			while (sk_digest_challenge_next(h->value, &pos, &one) == 1) {
				struct sk_digest_challenge x;
				if (sk_digest_challenge_parse(&x, one) == 0 &&
				    x.nonce.p == ch.nonce.p) {
					best = one;
					found = true;
					break;
				}
			}
			if (!found)
				continue;
			bool proxy = ids[k] == SK_HDR_PROXY_AUTHENTICATE;
			unsigned i = 0;
			while (i < *n &&
			       !(p[i].proxy == proxy && sk_str_eq(p[i].ch.realm, ch.realm)))
				i++;
			if (i == *n) {
				if (*n == AUTH_MAX_REALMS)
					return -SK_ETOOBIG;
				(*n)++;
			} else if (!stronger(&ch, &p[i].ch)) {
				continue;
			}
			p[i] = (struct picked){proxy, best, ch};
		}
	}
	return *n ? 0 : -SK_ENOTSUP;
}

int sk_uac_auth_challenge(struct sk_uac_auth *a, const struct sk_msg *resp, const char **why)
{
	struct picked p[AUTH_MAX_REALMS];
	unsigned n;
	int rc = pick(resp, p, &n);
	if (rc < 0) {
		*why = rc == -SK_ETOOBIG
		           ? "challenges from too many realms"
		           : "no Digest challenge we can answer (MD5 or SHA-256, qop auth)";
		return rc;
	}
	/* all or nothing: a realm we may not answer again fails the request */
	for (unsigned i = 0; i < n; i++) {
		struct auth_realm *r = realm_find(a, p[i].proxy, p[i].ch.realm);
		if (r && r->answered && !p[i].ch.stale) {
			*why = "credentials refused (challenged again without stale=true, §22.1)";
			return -SK_EINVAL;
		}
		if (!r && a->nrealms + 1 > AUTH_MAX_REALMS) {
			*why = "challenges from too many realms";
			return -SK_ETOOBIG;
		}
	}
	if (a->answers + n > AUTH_MAX_ANSWERS) {
		*why = "too many challenges for one request";
		return -SK_ETOOBIG;
	}
	for (unsigned i = 0; i < n; i++) {
		struct auth_realm *r = realm_find(a, p[i].proxy, p[i].ch.realm);
		char *text = sk_ua_strdup(p[i].text);
		if (!text) {
			*why = "out of memory";
			return -SK_ENOMEM;
		}
		if (!r) {
			r = &a->realm[a->nrealms++];
			r->proxy = p[i].proxy;
		}
		free(r->text);
		r->text = text;
		/* the views again, now into our copy */
		sk_digest_challenge_parse(&r->ch, sk_str_c(text));
		r->nc = 0;
		r->answered = true;
		a->answers++;
	}
	return 0;
}

int sk_uac_auth_lines(struct sk_uac_auth *a, struct sk_stack *st, const char *method,
                      const char *uri, uint32_t cseq, const char **lines)
{
	size_t size = (size_t)a->nrealms * (AUTH_LINE_MAX + 32) + 1, len = 0;
	char *buf = malloc(size), value[AUTH_LINE_MAX], cnonce[17];
	if (!buf)
		return -SK_ENOMEM;
	buf[0] = '\0';
	for (unsigned i = 0; i < a->nrealms; i++) {
		struct auth_realm *r = &a->realm[i];
		sk_stack_token(st, cnonce, 16);
		int rc = sk_digest_authorize(&r->ch, sk_str_c(a->user), sk_str_c(a->password),
		                             sk_str_c(method), sk_str_c(uri), sk_str_c(cnonce),
		                             r->nc + 1, value, sizeof(value));
		if (rc < 0) {
			free(buf);
			return rc;
		}
		r->nc++;
		int k = snprintf(buf + len, size - len, "%s: %s\r\n",
		                 r->proxy ? "Proxy-Authorization" : "Authorization", value);
		if (k < 0 || (size_t)k >= size - len) {
			free(buf);
			return -SK_ETOOBIG;
		}
		len += (size_t)k;
	}
	free(a->lines);
	a->lines = buf;
	a->lines_cseq = cseq;
	*lines = buf;
	return 0;
}

const char *sk_uac_auth_sent(const struct sk_uac_auth *a, uint32_t cseq)
{
	return a && a->lines && a->lines_cseq == cseq ? a->lines : NULL;
}

unsigned sk_uac_auth_realms(const struct sk_uac_auth *a)
{
	return a ? a->nrealms : 0;
}
