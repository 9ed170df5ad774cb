/* SPDX-License-Identifier: BSD-3-Clause */
/* name-addr / addr-spec values with parameters (RFC 3261 §20.10, §20.20, §25.1). */
#include <string.h>

#include "lex.h"
#include "sipkit/msg.h"

/* display-name = *(token LWS) / quoted-string; returns 1 when one was taken. */
static int take_display(struct lx *l, struct sk_str *display, const char **why)
{
	const char *s = l->p;

	if (l->p < l->end && *l->p == '"') {
		if (lx_quoted(l, display) < 0) {
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

static void addr_known_params(struct sk_addr *a)
{
	size_t pos = 0;
	struct sk_str name, val;

	while (sk_param_next(a->params, &pos, &name, &val)) {
		if (sk_str_caseeq_c(name, "tag"))
			a->tag = val.p ? val : (struct sk_str){name.p + name.len, 0};
		else if (sk_str_caseeq_c(name, "expires"))
			a->expires = val;
		else if (sk_str_caseeq_c(name, "q"))
			a->q = val;
	}
}

int sk_addr_parse(struct sk_addr *a, struct sk_str s, bool contact, const char **err_why)
{
	const char *dummy;
	const char **why = err_why ? err_why : &dummy;
	struct lx l = {s.p, s.p + s.len};
	struct sk_str uri;
	int rc;

	memset(a, 0, sizeof(*a));
	a->raw = s;
	if (contact && s.len == 1 && s.p[0] == '*') { /* §20.10 */
		a->star = true;
		return 0;
	}
	rc = take_display(&l, &a->display, why);
	if (rc < 0)
		return -SK_EMALFORMED;
	if (rc == 1) {
		const char *gt;
		l.p++; /* '<' */
		gt = memchr(l.p, '>', (size_t)(l.end - l.p));
		if (!gt) {
			*why = "'<' without matching '>'";
			return -SK_EMALFORMED;
		}
		uri = (struct sk_str){l.p, (size_t)(gt - l.p)};
		if (uri.len && (lx_wsp(uri.p[0]) || lx_wsp(uri.p[uri.len - 1]))) {
			*why = "whitespace between '<' '>' and the URI (RFC 4475 §3.1.2.14)";
			return -SK_EMALFORMED;
		}
		a->angle = true;
		l.p = gt + 1;
	} else {
		/* addr-spec: parameters after it are header parameters (§20.10) */
		const char *e = l.p;
		while (e < l.end && *e != ';' && !lx_wsp(*e))
			e++;
		uri = (struct sk_str){l.p, (size_t)(e - l.p)};
		l.p = e;
	}
	if (sk_uri_parse(&a->uri, uri, why) < 0)
		return -SK_EMALFORMED;
	if (!a->angle && sk_str_present(a->uri.headers)) {
		*why = "URI with headers must be enclosed in '<' '>' (§20.10)";
		return -SK_EMALFORMED;
	}
	if (lx_params(&l, &a->params) < 0) {
		*why = "empty or malformed header parameter";
		return -SK_EMALFORMED;
	}
	lx_skip_ws(&l);
	if (!lx_done(&l)) {
		*why = "unexpected text after the address";
		return -SK_EMALFORMED;
	}
	addr_known_params(a);
	return 0;
}
