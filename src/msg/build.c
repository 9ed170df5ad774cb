/* SPDX-License-Identifier: BSD-3-Clause */
/* Building messages: requests, responses (§8.2.6), CANCEL (§9.1), ACK (§17.1.1.3). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg_int.h"

/*
 * One buffer holds the whole message: the start line and headers, then, once
 * finished, the Content-Length line and the body. It is allocated with the
 * struct, sized by the caller's estimate where one is at hand (a forwarded
 * message is about as long as the one received), so that a typical message
 * costs one allocation and no copy at the end.
 */
struct sk_build {
	char *buf;       /* first, or a larger block once it outgrew it */
	size_t cap;      /* bytes of buf */
	size_t len;      /* start line and headers */
	size_t cl_len;   /* the Content-Length line and the empty line at buf + len, 0 until
	                  * finished (and again after a change) */
	size_t body_len; /* the body, at buf + len + cl_len */
	char first[];
};

/* The first buffer when the caller gives no size: a response or a CANCEL fits in it. */
#define BUILD_DEFAULT_SIZE 1024
/* "Content-Length: " 20 digits "\r\n\r\n" */
#define CONTENT_LENGTH_MAX 40

static int reserve(struct sk_build *b, size_t n)
{
	size_t used = b->len + b->cl_len + b->body_len;
	if (used + n + 1 <= b->cap)
		return 0;
	size_t cap = b->cap;
	while (cap < used + n + 1)
		cap *= 2;
	char *nb;
	if (b->buf == b->first) {
		if (!(nb = malloc(cap)))
			return -SK_ENOMEM;
		memcpy(nb, b->buf, used);
	} else if (!(nb = realloc(b->buf, cap))) {
		return -SK_ENOMEM;
	}
	b->buf = nb;
	b->cap = cap;
	return 0;
}

/* A change after sk_build_finish: the Content-Length line goes until the next finish. */
static void unfinish(struct sk_build *b)
{
	if (!b->cl_len)
		return;
	if (b->body_len)
		memmove(b->buf + b->len, b->buf + b->len + b->cl_len, b->body_len);
	b->cl_len = 0;
}

/* Room for n more bytes of headers, the body moved up to make it. */
static int open_gap(struct sk_build *b, size_t n)
{
	unfinish(b);
	if (reserve(b, n) < 0)
		return -SK_ENOMEM;
	if (b->body_len)
		memmove(b->buf + b->len + n, b->buf + b->len, b->body_len);
	return 0;
}

static void fill(struct sk_build *b, const char *p, size_t n)
{
	if (n)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static int new_build(struct sk_build **out, size_t size)
{
	size_t cap = size > 64 ? size : 64;
	*out = malloc(sizeof(**out) + cap);
	if (!*out)
		return -SK_ENOMEM;
	**out = (struct sk_build){.buf = (*out)->first, .cap = cap};
	return 0;
}

void sk_build_free(struct sk_build *b)
{
	if (!b)
		return;
	if (b->buf != b->first)
		free(b->buf);
	free(b);
}

/* Values must not smuggle a line break into the message. */
static bool clean(struct sk_str s)
{
	return !memchr(s.p, '\r', s.len) && !memchr(s.p, '\n', s.len);
}

int sk_build_request_sized(struct sk_build **out, struct sk_str method, struct sk_str ruri,
                           size_t size)
{
	int rc;

	if (!out || !method.len || !ruri.len || !clean(method) || !clean(ruri) ||
	    memchr(ruri.p, ' ', ruri.len))
		return -SK_EINVAL;
	if ((rc = new_build(out, size)) < 0)
		return rc;
	if (open_gap(*out, method.len + 1 + ruri.len + sizeof(" SIP/2.0\r\n") - 1) < 0) {
		sk_build_free(*out);
		*out = NULL;
		return -SK_ENOMEM;
	}
	fill(*out, method.p, method.len);
	fill(*out, " ", 1);
	fill(*out, ruri.p, ruri.len);
	fill(*out, " SIP/2.0\r\n", sizeof(" SIP/2.0\r\n") - 1);
	return 0;
}

int sk_build_request(struct sk_build **out, struct sk_str method, struct sk_str ruri)
{
	return sk_build_request_sized(out, method, ruri, BUILD_DEFAULT_SIZE);
}

int sk_build_response_sized(struct sk_build **out, int code, const char *reason, size_t size)
{
	char line[64];
	int rc;

	if (!out || code < 100 || code > 699)
		return -SK_EINVAL;
	if (!reason)
		reason = sk_status_phrase(code);
	struct sk_str phrase = sk_str_c(reason);
	if (!clean(phrase))
		return -SK_EINVAL;
	if ((rc = new_build(out, size)) < 0)
		return rc;
	struct sk_fmt f; /* "SIP/2.0 %d " without printf: every response */
	sk_fmt_init(&f, line, sizeof(line));
	sk_fmt_str(&f, SK_STR_LIT("SIP/2.0 "));
	sk_fmt_u64(&f, (unsigned)code);
	sk_fmt_char(&f, ' ');
	if (open_gap(*out, f.len + phrase.len + 2) < 0) {
		sk_build_free(*out);
		*out = NULL;
		return -SK_ENOMEM;
	}
	fill(*out, line, f.len);
	fill(*out, phrase.p, phrase.len);
	fill(*out, "\r\n", 2);
	return 0;
}

int sk_build_response(struct sk_build **out, int code, const char *reason)
{
	return sk_build_response_sized(out, code, reason, BUILD_DEFAULT_SIZE);
}

int sk_build_hdr_view(struct sk_build *b, struct sk_str name, struct sk_str value)
{
	if (!b || !name.len || !clean(name) || !clean(value))
		return -SK_EINVAL;
	/* one reservation for the line, then its four parts */
	if (open_gap(b, name.len + 2 + value.len + 2) < 0)
		return -SK_ENOMEM;
	fill(b, name.p, name.len);
	fill(b, ": ", 2);
	fill(b, value.p, value.len);
	fill(b, "\r\n", 2);
	return 0;
}

int sk_build_hdr(struct sk_build *b, const char *name, struct sk_str value)
{
	if (!name)
		return -SK_EINVAL;
	return sk_build_hdr_view(b, sk_str_c(name), value);
}

int sk_build_hdr_u64(struct sk_build *b, const char *name, uint64_t v)
{
	char num[24];
	struct sk_fmt f;
	sk_fmt_init(&f, num, sizeof(num));
	sk_fmt_u64(&f, v);
	return sk_build_hdr(b, name, (struct sk_str){num, f.len});
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

struct sk_str sk_build_name_as_received(const struct sk_hdr *h)
{
	/* at most 127 bytes, up to a NUL: what a copy into a 128-byte C string kept */
	size_t max = h->name.len < 127 ? h->name.len : 127;
	return (struct sk_str){h->name.p, h->name.p ? strnlen(h->name.p, max) : 0};
}

static struct sk_str hdr_out_name(const struct sk_hdr *h)
{
	const char *canon = sk_hdr_name(h->id);
	return canon ? sk_str_c(canon) : sk_build_name_as_received(h);
}

int sk_build_copy(struct sk_build *b, const struct sk_msg *m, enum sk_hdr_id id)
{
	if (!b || !m || id == SK_HDR_OTHER)
		return -SK_EINVAL;
	for (const struct sk_hdr *h = sk_msg_hdr_first(m, id); h;
	     h = h->next == SK_NO_HDR ? NULL : &m->hdrs[h->next]) {
		int rc = sk_build_hdr_view(b, hdr_out_name(h), h->value);
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
	unfinish(b);
	b->body_len = 0; /* a second body replaces the first */
	/* room for the Content-Length line too: sk_build_finish then needs no more */
	if (reserve(b, len + CONTENT_LENGTH_MAX) < 0)
		return -SK_ENOMEM;
	if (len)
		memcpy(b->buf + b->len, body, len);
	b->body_len = len;
	return 0;
}

int sk_build_finish(struct sk_build *b, struct sk_str *out)
{
	char cl[CONTENT_LENGTH_MAX + 1];

	if (!b || !out)
		return -SK_EINVAL;
	unfinish(b);
	struct sk_fmt f; /* "Content-Length: %zu\r\n\r\n" without printf: every message */
	sk_fmt_init(&f, cl, sizeof(cl));
	sk_fmt_str(&f, SK_STR_LIT("Content-Length: "));
	sk_fmt_u64(&f, b->body_len);
	sk_fmt_str(&f, SK_STR_LIT("\r\n\r\n"));
	if (reserve(b, f.len) < 0)
		return -SK_ENOMEM;
	char *at = b->buf + b->len;
	if (b->body_len)
		memmove(at + f.len, at, b->body_len);
	memcpy(at, cl, f.len);
	b->cl_len = f.len;
	size_t total = b->len + b->cl_len + b->body_len;
	b->buf[total] = '\0';
	*out = (struct sk_str){b->buf, total};
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
	size_t nl = strlen(name);
	if (open_gap(b, nl + 2 + value.len + 5 + t.len + 2) < 0)
		return -SK_ENOMEM;
	fill(b, name, nl);
	fill(b, ": ", 2);
	fill(b, value.p, value.len);
	fill(b, ";tag=", 5);
	fill(b, t.p, t.len);
	fill(b, "\r\n", 2);
	return 0;
}

/* What sk_build_response_to makes of req, and room for a line or two a caller adds
 * (a Warning, a Retry-After, a Contact). */
static size_t response_size(const struct sk_msg *req, const char *reason, const char *to_tag)
{
	size_t n = 256 + (reason ? strlen(reason) : 32) + (to_tag ? strlen(to_tag) : 0);
	for (const struct sk_hdr *h = sk_msg_hdr_first(req, SK_HDR_VIA); h;
	     h = h->next == SK_NO_HDR ? NULL : &req->hdrs[h->next])
		n += sizeof("Via: \r\n") + h->value.len;
	n += hdr_value(req, SK_HDR_FROM).len + hdr_value(req, SK_HDR_TO).len;
	return n + req->call_id.len + hdr_value(req, SK_HDR_CSEQ).len;
}

int sk_build_response_to(struct sk_build **out, const struct sk_msg *req, int code,
                         const char *reason, const char *to_tag)
{
	struct sk_build *b;
	int rc;

	if (!out || !req || !req->request)
		return -SK_EINVAL;
	if ((rc = sk_build_response_sized(&b, code, reason, response_size(req, reason, to_tag))) <
	    0)
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
