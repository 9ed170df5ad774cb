/* SPDX-License-Identifier: BSD-3-Clause */
/* Building messages: requests, responses (§8.2.6), CANCEL (§9.1), ACK (§17.1.1.3). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg_int.h"

struct sk_build {
	char *buf; /* start line and headers */
	size_t len, cap;
	char *body;
	size_t body_len;
	char *out; /* finished message */
	size_t out_len;
};

static int put(struct sk_build *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 512;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *nb = realloc(b->buf, cap);
		if (!nb)
			return -SK_ENOMEM;
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return 0;
}

static int puts_(struct sk_build *b, const char *s)
{
	return put(b, s, strlen(s));
}
static int put_str(struct sk_build *b, struct sk_str s)
{
	return put(b, s.p, s.len);
}

static int new_build(struct sk_build **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -SK_ENOMEM;
}

void sk_build_free(struct sk_build *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->body);
	free(b->out);
	free(b);
}

/* Values must not smuggle a line break into the message. */
static bool clean(struct sk_str s)
{
	return !memchr(s.p, '\r', s.len) && !memchr(s.p, '\n', s.len);
}

int sk_build_request(struct sk_build **out, struct sk_str method, struct sk_str ruri)
{
	int rc;

	if (!out || !method.len || !ruri.len || !clean(method) || !clean(ruri) ||
	    memchr(ruri.p, ' ', ruri.len))
		return -SK_EINVAL;
	if ((rc = new_build(out)) < 0)
		return rc;
	if (put_str(*out, method) || puts_(*out, " ") || put_str(*out, ruri) ||
	    puts_(*out, " SIP/2.0\r\n")) {
		sk_build_free(*out);
		*out = NULL;
		return -SK_ENOMEM;
	}
	return 0;
}

int sk_build_response(struct sk_build **out, int code, const char *reason)
{
	char line[64];
	int rc;

	if (!out || code < 100 || code > 699)
		return -SK_EINVAL;
	if (!reason)
		reason = sk_status_phrase(code);
	if (!clean(sk_str_c(reason)))
		return -SK_EINVAL;
	if ((rc = new_build(out)) < 0)
		return rc;
	snprintf(line, sizeof(line), "SIP/2.0 %d ", code);
	if (puts_(*out, line) || puts_(*out, reason) || puts_(*out, "\r\n")) {
		sk_build_free(*out);
		*out = NULL;
		return -SK_ENOMEM;
	}
	return 0;
}

int sk_build_hdr(struct sk_build *b, const char *name, struct sk_str value)
{
	if (!b || !name || !*name || !clean(value) || !clean(sk_str_c(name)))
		return -SK_EINVAL;
	if (puts_(b, name) || puts_(b, ": ") || put_str(b, value) || puts_(b, "\r\n"))
		return -SK_ENOMEM;
	return 0;
}

int sk_build_hdrf(struct sk_build *b, const char *name, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -SK_EINVAL;
	if ((size_t)n < sizeof(small))
		return sk_build_hdr(b, name, (struct sk_str){small, (size_t)n});
	char *big = malloc((size_t)n + 1);
	if (!big)
		return -SK_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	int rc = sk_build_hdr(b, name, (struct sk_str){big, (size_t)n});
	free(big);
	return rc;
}

int sk_build_hdr_lines(struct sk_build *b, const char *lines)
{
	for (const char *p = lines; p && *p;) {
		const char *colon = strchr(p, ':'), *eol = strstr(p, "\r\n");
		if (!colon || !eol || colon > eol || colon == p || colon - p >= 64)
			return -SK_EINVAL;
		char name[64];
		memcpy(name, p, (size_t)(colon - p));
		name[colon - p] = '\0';
		const char *v = colon + 1;
		while (*v == ' ')
			v++;
		int rc = sk_build_hdr(b, name, (struct sk_str){v, (size_t)(eol - v)});
		if (rc < 0)
			return rc;
		p = eol + 2;
	}
	return 0;
}

static const char *hdr_out_name(const struct sk_hdr *h, char *tmp, size_t tmpsize)
{
	const char *canon = sk_hdr_name(h->id);
	return canon ? canon : sk_str_cpy(tmp, tmpsize, h->name);
}

int sk_build_copy(struct sk_build *b, const struct sk_msg *m, enum sk_hdr_id id)
{
	char tmp[128];

	if (!b || !m || id == SK_HDR_OTHER)
		return -SK_EINVAL;
	for (const struct sk_hdr *h = sk_msg_hdr_first(m, id); h;
	     h = h->next == SK_NO_HDR ? NULL : &m->hdrs[h->next]) {
		int rc = sk_build_hdr(b, hdr_out_name(h, tmp, sizeof(tmp)), h->value);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int sk_build_body(struct sk_build *b, const char *type, const void *body, size_t len)
{
	int rc;

	if (!b || (len && !body))
		return -SK_EINVAL;
	if (type && (rc = sk_build_hdr(b, "Content-Type", sk_str_c(type))) < 0)
		return rc;
	free(b->body);
	b->body = NULL;
	b->body_len = 0;
	if (len) {
		b->body = malloc(len);
		if (!b->body)
			return -SK_ENOMEM;
		memcpy(b->body, body, len);
		b->body_len = len;
	}
	return 0;
}

int sk_build_finish(struct sk_build *b, struct sk_str *out)
{
	char cl[48];
	int n;

	if (!b || !out)
		return -SK_EINVAL;
	n = snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n\r\n", b->body_len);
	free(b->out);
	b->out_len = b->len + (size_t)n + b->body_len;
	b->out = malloc(b->out_len + 1);
	if (!b->out)
		return -SK_ENOMEM;
	memcpy(b->out, b->buf, b->len);
	memcpy(b->out + b->len, cl, (size_t)n);
	if (b->body_len)
		memcpy(b->out + b->len + n, b->body, b->body_len);
	b->out[b->out_len] = '\0';
	*out = (struct sk_str){b->out, b->out_len};
	return 0;
}

/* ---- messages derived from other messages -------------------------------- */

static struct sk_str hdr_value(const struct sk_msg *m, enum sk_hdr_id id)
{
	const struct sk_hdr *h = sk_msg_hdr_first(m, id);
	return h ? h->value : SK_STR_NULL;
}

/* "name: value;tag=tag", byte for byte (a value may contain NUL, so no printf). */
static int build_hdr_tagged(struct sk_build *b, const char *name, struct sk_str value,
                            const char *tag)
{
	struct sk_str t = sk_str_c(tag);

	if (!clean(value) || !clean(t) || memchr(tag, ';', t.len) || memchr(tag, ' ', t.len))
		return -SK_EINVAL;
	if (puts_(b, name) || puts_(b, ": ") || put_str(b, value) || puts_(b, ";tag=") ||
	    put_str(b, t) || puts_(b, "\r\n"))
		return -SK_ENOMEM;
	return 0;
}

int sk_build_response_to(struct sk_build **out, const struct sk_msg *req, int code,
                         const char *reason, const char *to_tag)
{
	struct sk_build *b;
	int rc;

	if (!out || !req || !req->request)
		return -SK_EINVAL;
	if ((rc = sk_build_response(&b, code, reason)) < 0)
		return rc;
	/* §8.2.6.2: Via (all, in order), From, Call-ID, CSeq copied; To copied */
	rc = sk_build_copy(b, req, SK_HDR_VIA);
	if (!rc && req->has_from)
		rc = sk_build_hdr(b, "From", hdr_value(req, SK_HDR_FROM));
	if (!rc && req->has_to) {
		struct sk_str to = hdr_value(req, SK_HDR_TO);
		/* §8.2.6.2: a tag is added when the request's To has none (not for 100) */
		if (code > 100 && to_tag && *to_tag && !sk_str_present(req->to.tag))
			rc = build_hdr_tagged(b, "To", to, to_tag);
		else
			rc = sk_build_hdr(b, "To", to);
	}
	if (!rc && sk_str_present(req->call_id))
		rc = sk_build_hdr(b, "Call-ID", req->call_id);
	if (!rc && req->has_cseq)
		rc = sk_build_hdr(b, "CSeq", hdr_value(req, SK_HDR_CSEQ));
	if (!rc && code == 100 && sk_msg_hdr_first(req, SK_HDR_TIMESTAMP)) /* §8.2.6.1 */
		rc = sk_build_copy(b, req, SK_HDR_TIMESTAMP);
	if (rc < 0) {
		sk_build_free(b);
		return rc;
	}
	*out = b;
	return 0;
}
