/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP Digest values written (RFC 3261 §22, §25.1; RFC 7616): the client's credentials
 * answering a challenge, and the server's challenge. Every write is bounded by the
 * caller's buffer; what does not fit is -SK_ETOOBIG with nothing half-written.
 */
#include <stdio.h>
#include <string.h>

#include "sipkit/auth.h"

static bool alg_known(enum sk_digest_alg alg)
{
	return alg == SK_DIGEST_MD5 || alg == SK_DIGEST_SHA256;
}

/* ---- the client's answer --------------------------------------------------------------- */

/* A bounded writer: a write that does not fit marks it over. */
struct wbuf {
	char *p;
	size_t size, len;
	bool over;
};

static void w_bytes(struct wbuf *w, const char *s, size_t n)
{
	if (w->over || n >= w->size - w->len) {
		w->over = true;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
	w->p[w->len] = '\0';
}

static void w_str(struct wbuf *w, const char *s)
{
	w_bytes(w, s, strlen(s));
}

/* A quoted-string of v: '"' and '\' escaped (§25.1 quoted-pair). */
static void w_quoted(struct wbuf *w, struct sk_str v)
{
	w_bytes(w, "\"", 1);
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] == '"' || v.p[i] == '\\')
			w_bytes(w, "\\", 1);
		w_bytes(w, v.p + i, 1);
	}
	w_bytes(w, "\"", 1);
}

/* The longest realm or nonce the client unescapes to hash. */
#define DIGEST_VALUE_MAX 1024

/* A view's value for hashing: the view itself, or unescaped into buf. */
static int plain(struct sk_str v, bool qp, char *buf, struct sk_str *out)
{
	if (!qp) {
		*out = v;
		return 0;
	}
	int n = sk_digest_unquote(v, buf, DIGEST_VALUE_MAX);
	if (n < 0)
		return n;
	*out = (struct sk_str){buf, (size_t)n};
	return 0;
}

static bool quotable(struct sk_str v)
{
	for (size_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (c == '"' || c == '\\' || (c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

int sk_digest_authorize(const struct sk_digest_challenge *ch, struct sk_str user,
                        struct sk_str password, struct sk_str method, struct sk_str uri,
                        struct sk_str cnonce, uint32_t nc, char *out, size_t size)
{
	char realm_buf[DIGEST_VALUE_MAX], nonce_buf[DIGEST_VALUE_MAX];
	char ha1[SK_DIGEST_HEX_MAX], resp[SK_DIGEST_HEX_MAX], ncs[9];
	struct sk_str realm, nonce, qop = SK_STR_NULL, nc_str = SK_STR_NULL;
	struct wbuf w = {out, size, 0, false};
	int r;

	if (!ch || !out || size == 0 || !alg_known(ch->alg) || user.len == 0 || method.len == 0 ||
	    uri.len == 0 || !sk_str_present(ch->realm) || !sk_str_present(ch->nonce))
		return -SK_EINVAL;
	out[0] = '\0';
	if (ch->qop_auth) {
		qop = SK_STR_LIT("auth");
	} else if (ch->qop_present) {
		return -SK_ENOTSUP; /* auth-int only: it needs the body, which we do not hash */
	}
	bool need_cnonce = qop.len || ch->sess;
	if (need_cnonce && (cnonce.len == 0 || !quotable(cnonce) || (qop.len && nc == 0)))
		return -SK_EINVAL;
	if ((r = plain(ch->realm, ch->quoted_pair, realm_buf, &realm)) < 0 ||
	    (r = plain(ch->nonce, ch->quoted_pair, nonce_buf, &nonce)) < 0)
		return r;
	if (qop.len) {
		snprintf(ncs, sizeof(ncs), "%08x", (unsigned)nc);
		nc_str = (struct sk_str){ncs, 8};
	}
	if ((r = sk_digest_ha1(ch->alg, user, realm, password, ha1)) < 0 ||
	    (r = sk_digest_response(ch->alg, ch->sess, ha1, nonce, nc_str, cnonce, qop, method, uri,
	                            resp)) < 0)
		return r;
	/* realm, nonce and opaque go back as received (§22.4: unchanged), escapes and all */
	w_str(&w, "Digest username=");
	w_quoted(&w, user);
	w_str(&w, ", realm=\"");
	w_bytes(&w, ch->realm.p, ch->realm.len);
	w_str(&w, "\", nonce=\"");
	w_bytes(&w, ch->nonce.p, ch->nonce.len);
	w_str(&w, "\", uri=");
	w_quoted(&w, uri);
	w_str(&w, ", response=\"");
	w_str(&w, resp);
	w_str(&w, "\", algorithm=");
	w_str(&w, sk_digest_alg_name(ch->alg, ch->sess));
	if (need_cnonce) {
		w_str(&w, ", cnonce=\"");
		w_bytes(&w, cnonce.p, cnonce.len);
		w_str(&w, "\"");
	}
	if (sk_str_present(ch->opaque)) {
		w_str(&w, ", opaque=\"");
		w_bytes(&w, ch->opaque.p, ch->opaque.len);
		w_str(&w, "\"");
	}
	if (qop.len) {
		w_str(&w, ", qop=auth, nc=");
		w_str(&w, ncs);
	}
	if (w.over) {
		out[0] = '\0';
		return -SK_ETOOBIG;
	}
	return 0;
}

int sk_digest_challenge_format(const struct sk_digest_challenge *c, char *out, size_t size)
{
	struct wbuf w = {out, size, 0, false};

	if (!c || !out || size == 0 || !alg_known(c->alg) || !sk_str_present(c->realm) ||
	    !sk_str_present(c->nonce) || !quotable(c->realm) || !quotable(c->nonce) ||
	    !quotable(c->opaque) || !quotable(c->domain))
		return -SK_EINVAL;
	out[0] = '\0';
	w_str(&w, "Digest realm=\"");
	w_bytes(&w, c->realm.p, c->realm.len);
	w_str(&w, "\", nonce=\"");
	w_bytes(&w, c->nonce.p, c->nonce.len);
	w_str(&w, "\"");
	if (sk_str_present(c->opaque)) {
		w_str(&w, ", opaque=\"");
		w_bytes(&w, c->opaque.p, c->opaque.len);
		w_str(&w, "\"");
	}
	if (sk_str_present(c->domain)) {
		w_str(&w, ", domain=\"");
		w_bytes(&w, c->domain.p, c->domain.len);
		w_str(&w, "\"");
	}
	w_str(&w, ", algorithm=");
	w_str(&w, sk_digest_alg_name(c->alg, c->sess));
	if (c->qop_auth || c->qop_auth_int)
		w_str(&w, c->qop_auth && c->qop_auth_int ? ", qop=\"auth,auth-int\""
		          : c->qop_auth                  ? ", qop=\"auth\""
		                                         : ", qop=\"auth-int\"");
	if (c->stale)
		w_str(&w, ", stale=true");
	if (c->userhash)
		w_str(&w, ", userhash=true");
	if (w.over) {
		out[0] = '\0';
		return -SK_ETOOBIG;
	}
	return 0;
}
