/* SPDX-License-Identifier: BSD-3-Clause */
/* name-addr / addr-spec values with parameters (RFC 3261 §20.10, §20.20, §25.1). */
#include <stddef.h>
#include <string.h>

#include "msg_int.h"

/* display-name = *(token LWS) / quoted-string; returns 1 when one was taken. */
static int take_display(struct lx *l, struct sk_str *display, const char **why)
{
	const char *s = l->p;

	if (l->p < l->end && *l->p == '"') {
		if (sk_lex_quoted(l, display) < 0) {
			*why = "unterminated quoted display name";
			return -1;
		}
		lx_skip_ws(l);
		if (l->p >= l->end || *l->p != '<') {
			*why = "quoted display name not followed by <URI>";
			return -1;
		}
		return 1;
	}
	const char *last = s;
	for (;;) {
		struct sk_str tok = lx_take(l, LX_TOKEN);
		if (tok.len == 0)
			break;
		last = l->p;
		lx_skip_ws(l);
	}
	if (l->p < l->end && *l->p == '<') {
		*display = (struct sk_str){s, (size_t)(last - s)};
		return 1;
	}
	/* not a name-addr: tokens followed by something else, e.g. a scheme ':' */
	if (memchr(l->p, '<', (size_t)(l->end - l->p)) && l->p > s && *l->p != ':') {
		*why = "display name with non-token characters must be quoted";
		return -1;
	}
	l->p = s;
	return 0;
}

int sk_msg_addr_parse_at(struct sk_addr *a, struct lx *l, bool contact, const char **why)
{
	static const struct lx_want want[] = {{"tag", 3, offsetof(struct sk_addr, tag)},
	                                      {"expires", 7, offsetof(struct sk_addr, expires)},
	                                      {"q", 1, offsetof(struct sk_addr, q)}};
	const char *start = l->p;
	struct sk_str uri;
	int rc;

	/* a->uri is cleared by sk_uri_parse, or here on the ways around it */
	a->raw = a->display = a->params = SK_STR_NULL;
	a->tag = a->expires = a->q = SK_STR_NULL;
	a->angle = a->star = false;
	a->hdr = 0;
	if (contact && l->p < l->end && *l->p == '*') { /* §20.10 */
		l->p++;
		memset(&a->uri, 0, sizeof(a->uri));
		a->raw = (struct sk_str){start, 1};
		a->star = true;
		lx_skip_ws(l);
		if (!lx_done(l) && *l->p != ',') {
			*why = "Contact: unexpected text after '*'";
			return -SK_EMALFORMED;
		}
		return 0;
	}
	rc = take_display(l, &a->display, why);
	if (rc < 0)
		goto bad_uri;
	if (rc == 1) {
		const char *gt;
		l->p++; /* '<' */
		gt = memchr(l->p, '>', (size_t)(l->end - l->p));
		if (!gt) {
			*why = "'<' without matching '>'";
			goto bad_uri;
		}
		uri = (struct sk_str){l->p, (size_t)(gt - l->p)};
		if (uri.len && (lx_wsp(uri.p[0]) || lx_wsp(uri.p[uri.len - 1]))) {
			*why = "whitespace between '<' '>' and the URI (RFC 4475 §3.1.2.14)";
			goto bad_uri;
		}
		a->angle = true;
		l->p = gt + 1;
	} else {
		/* addr-spec: a URI with ',', ';' or '?' must be in <> (§20), so the
		 * parameters after it are header parameters (§20.10) */
		const char *e = l->p;
		while (e < l->end && *e != ';' && *e != ',' && !lx_wsp(*e))
			e++;
		uri = (struct sk_str){l->p, (size_t)(e - l->p)};
		l->p = e;
	}
	if (sk_uri_parse(&a->uri, uri, why) < 0)
		return -SK_EMALFORMED;
	if (!a->angle && sk_str_present(a->uri.headers)) {
		*why = "URI with headers must be enclosed in '<' '>' (§20.10)";
		return -SK_EMALFORMED;
	}
	if (lx_params(l, &a->params, want, sizeof(want) / sizeof(want[0]), a) < 0) {
		*why = "empty or malformed header parameter";
		return -SK_EMALFORMED;
	}
	a->raw = (struct sk_str){start, (size_t)(l->p - start)};
	lx_skip_ws(l);
	if (!lx_done(l) && *l->p != ',') {
		*why = "unexpected text after the address";
		return -SK_EMALFORMED;
	}
	return 0;
bad_uri:
	memset(&a->uri, 0, sizeof(a->uri));
	return -SK_EMALFORMED;
}

int sk_addr_parse(struct sk_addr *a, struct sk_str s, bool contact, const char **err_why)
{
	const char *dummy;
	const char **why = err_why ? err_why : &dummy;
	struct lx l = lx_of(s);
	int rc = sk_msg_addr_parse_at(a, &l, contact, why);

	if (rc == 0 && !lx_done(&l)) {
		*why = "more than one address where one is allowed";
		rc = -SK_EMALFORMED;
	}
	return rc;
}
