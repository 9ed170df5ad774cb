/* SPDX-License-Identifier: BSD-3-Clause */
/* Via values (RFC 3261 §20.42, §18.2.1; RFC 3581 rport). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg_int.h"

#define MAGIC_COOKIE "z9hG4bK" /* RFC 3261 §8.1.1.7 */

bool sk_via_branch_is_3261(const struct sk_via *via)
{
	return via->branch.len >= 7 && memcmp(via->branch.p, MAGIC_COOKIE, 7) == 0;
}

int sk_msg_via_parse_at(struct sk_via *v, struct lx *l, const char **why)
{
	static const struct lx_want want[] = {
	    {"branch", 6, offsetof(struct sk_via, branch)},
	    {"received", 8, offsetof(struct sk_via, received)},
	    {"rport", 5, offsetof(struct sk_via, rport)},
	    {"maddr", 5, offsetof(struct sk_via, maddr)},
	    {"ttl", 3, offsetof(struct sk_via, ttl)},
	};
	const char *start = l->p;

	/* every field cleared (stores of the fields: cheaper than a memset here) */
	v->raw = v->proto_name = v->proto_version = v->transport = SK_STR_NULL;
	v->host = v->port_str = v->params = v->branch = SK_STR_NULL;
	v->received = v->rport = v->maddr = v->ttl = SK_STR_NULL;
	v->host_type = SK_HOST_NONE;
	v->port = 0;
	v->hdr = 0;
	/* sent-protocol = protocol-name SLASH protocol-version SLASH transport */
	if (l->end - l->p >= 8 && memcmp(l->p, "SIP/2.0/", 8) == 0) {
		/* what the general path below takes from the usual form */
		v->proto_name = (struct sk_str){l->p, 3};
		v->proto_version = (struct sk_str){l->p + 4, 3};
		l->p += 8;
	} else {
		v->proto_name = lx_take(l, LX_TOKEN);
		if (v->proto_name.len == 0 || !lx_eat_sep(l, '/')) {
			*why = "Via: expected protocol-name/version/transport";
			return -SK_EMALFORMED;
		}
		v->proto_version = lx_take(l, LX_TOKEN);
		if (v->proto_version.len == 0 || !lx_eat_sep(l, '/')) {
			*why = "Via: expected protocol-name/version/transport";
			return -SK_EMALFORMED;
		}
	}
	v->transport = lx_take(l, LX_TOKEN);
	if (v->transport.len == 0) {
		*why = "Via: missing transport";
		return -SK_EMALFORMED;
	}
	/* LWS between sent-protocol and sent-by is mandatory */
	if (lx_done(l) || !lx_wsp(*l->p)) {
		*why = "Via: missing sent-by";
		return -SK_EMALFORMED;
	}
	lx_skip_ws(l);
	v->host_type = (enum sk_host_type)lx_host(l, &v->host);
	if (v->host_type == SK_HOST_NONE) {
		*why = "Via: invalid sent-by host";
		return -SK_EMALFORMED;
	}
	/* LWS around the port colon is legal (RFC 4475 §3.1.1.1 wsinv) */
	const char *save = l->p;
	if (lx_eat_sep(l, ':')) {
		uint64_t port;
		v->port_str = lx_take(l, LX_DIGIT);
		if (lx_u64(v->port_str, 65535, &port) < 0) {
			*why = "Via: invalid port";
			return -SK_EMALFORMED;
		}
		v->port = (uint16_t)port;
	} else {
		l->p = save;
	}
	if (lx_params(l, &v->params, want, sizeof(want) / sizeof(want[0]), v) < 0) {
		*why = "Via: empty or malformed parameter";
		return -SK_EMALFORMED;
	}
	if (sk_str_present(v->branch) && v->branch.len == 0) {
		*why = "Via branch without a value";
		return -SK_EMALFORMED;
	}
	v->raw = (struct sk_str){start, (size_t)(l->p - start)};
	lx_skip_ws(l);
	/* a comment may follow (RFC 2543 heritage): skip it to the next value */
	if (!lx_done(l) && *l->p == '(') {
		const char *close = memchr(l->p, ')', (size_t)(l->end - l->p));
		if (!close) {
			*why = "Via: unterminated comment";
			return -SK_EMALFORMED;
		}
		l->p = close + 1;
		lx_skip_ws(l);
	}
	if (!lx_done(l) && *l->p != ',') {
		*why = "Via: unexpected character after sent-by or parameters";
		return -SK_EMALFORMED;
	}
	return 0;
}

int sk_via_parse(struct sk_via *v, struct sk_str s, const char **err_why)
{
	const char *dummy;
	const char **why = err_why ? err_why : &dummy;
	struct lx l = lx_of(s);
	int rc = sk_msg_via_parse_at(v, &l, why);

	if (rc == 0 && !lx_done(&l)) {
		*why = "Via: more than one value";
		rc = -SK_EMALFORMED;
	}
	return rc;
}

/* Appends s to the stamp buffer at *n (the caller sized it). */
static void put(char *dst, size_t *n, struct sk_str s)
{
	memcpy(dst + *n, s.p, s.len);
	*n += s.len;
}

int sk_msg_via_stamp(struct sk_msg *m, struct sk_str received, int32_t rport)
{
	if (!m || m->nvias == 0)
		return -SK_EINVAL;
	struct sk_via *v = &m->vias[0];
	struct sk_hdr *h = &m->hdrs[v->hdr];
	char num[16];
	int numlen = rport >= 0 ? snprintf(num, sizeof(num), "%d", (int)(rport & 0xffff)) : 0;

	/* Worst case: the old value, ";received=" and the address, "=" and a port. */
	size_t need = h->value.len + 10 + received.len + 1 + (size_t)numlen + 1;
	/*
	 * The new value goes to a fresh buffer: h->value may live in the old
	 * stamp (a second stamp), which is freed only once it has been read.
	 */
	char *out = malloc(need);
	if (!out)
		return -SK_ENOMEM;
	size_t n = 0;
	put(out, &n, (struct sk_str){h->value.p, (size_t)(v->raw.p - h->value.p)});
	/* sent-protocol and sent-by: everything before the first ';' of the params */
	const char *params_start = v->raw.p + v->raw.len;
	if (v->params.len) {
		/* back from the first parameter to its ';' (LWS may sit between) */
		const char *q = v->params.p;
		while (q > v->raw.p && q[-1] != ';')
			q--;
		if (q > v->raw.p)
			params_start = q - 1;
	}
	put(out, &n, (struct sk_str){v->raw.p, (size_t)(params_start - v->raw.p)});
	size_t pos = 0;
	struct sk_str name, value;
	bool rport_done = false;
	while (sk_param_next(v->params, &pos, &name, &value) == 1) {
		if (sk_str_present(received) && sk_str_caseeq_c(name, "received"))
			continue;
		out[n++] = ';';
		put(out, &n, name);
		if (rport >= 0 && !rport_done && sk_str_caseeq_c(name, "rport")) {
			rport_done = true; /* only the first: the buffer holds one value */
			out[n++] = '=';
			put(out, &n, (struct sk_str){num, (size_t)numlen});
		} else if (sk_str_present(value)) {
			out[n++] = '=';
			put(out, &n, value);
		}
	}
	if (sk_str_present(received)) {
		put(out, &n, SK_STR_LIT(";received="));
		put(out, &n, received);
	}
	const char *tail = v->raw.p + v->raw.len;
	put(out, &n, (struct sk_str){tail, (size_t)(h->value.p + h->value.len - tail)});

	free(m->stamp);
	m->stamp = out;
	m->stamp_cap = need;
	h->value = (struct sk_str){out, n};
	const char *why;
	struct lx l = lx_of(h->value);
	lx_skip_ws(&l);
	uint32_t hdr = v->hdr;
	if (sk_msg_via_parse_at(v, &l, &why) < 0)
		return -SK_EINVAL; /* cannot happen: the value was valid and only params changed */
	v->hdr = hdr;
	return 0;
}
