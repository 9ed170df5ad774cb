/* SPDX-License-Identifier: BSD-3-Clause */
/* Stream framing (RFC 3261 §18.3; RFC 5626 §3.5.1 CRLF keep-alives). */
#include <string.h>

#include "lex.h"
#include "sipkit/msg.h"

static int frame_err(struct sk_parse_err *err, int rc, uint32_t line, const char *hdr,
                     const char *why)
{
	if (err) {
		memset(err, 0, sizeof(*err));
		err->line = line;
		sk_str_cpy(err->hdr, sizeof(err->hdr), sk_str_c(hdr));
		err->why = why;
		err->status = 400;
	}
	return rc;
}

/* Content-Length from one header line, if it is one: 1 found, 0 not, -1 bad. */
static int line_content_length(const char *ls, const char *le, uint64_t max, uint64_t *out)
{
	const char *p = ls;

	while (p < le && lx_is((unsigned char)*p, LX_TOKEN))
		p++;
	if (sk_hdr_lookup(ls, (size_t)(p - ls)) != SK_HDR_CONTENT_LENGTH)
		return 0;
	while (p < le && lx_wsp(*p))
		p++;
	if (p >= le || *p != ':')
		return -1;
	struct sk_str v = {p + 1, (size_t)(le - p - 1)};
	/* folded values: treat CR/LF as whitespace */
	while (v.len && (lx_wsp(v.p[0]) || v.p[0] == '\r' || v.p[0] == '\n')) {
		v.p++;
		v.len--;
	}
	while (v.len &&
	       (lx_wsp(v.p[v.len - 1]) || v.p[v.len - 1] == '\r' || v.p[v.len - 1] == '\n'))
		v.len--;
	int rc = sk_str_to_u64(v, max, out);
	return rc == 0 ? 1 : (rc == -SK_ETOOBIG ? -2 : -1);
}

int sk_msg_frame(const char *buf, size_t len, const struct sk_msg_limits *lim, size_t *skip,
                 size_t *msg_len, struct sk_parse_err *err)
{
	struct sk_msg_limits def = sk_msg_limits_default();
	const char *p, *end, *start;
	uint64_t cl = 0;
	bool have_cl = false;
	uint32_t line = 0;

	if (!buf || !skip || !msg_len)
		return -SK_EINVAL;
	if (!lim)
		lim = &def;
	p = buf;
	end = buf + len;
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	*skip = (size_t)(p - buf);
	*msg_len = 0;
	start = p;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		line++;
		if ((size_t)(nl - start) >= lim->max_msg_size)
			return frame_err(err, -SK_ETOOBIG, line, "",
			                 "header section larger than the message size limit");
		if (nl == p || (nl == p + 1 && *p == '\r')) { /* the empty line */
			if (line == 1)
				break; /* unreachable: leading CRLFs were skipped */
			if (!have_cl)
				return frame_err(
				    err, -SK_EMALFORMED, line, "Content-Length",
				    "Content-Length is mandatory on stream transports (§18.3)");
			size_t total = (size_t)(nl + 1 - start) + (size_t)cl;
			if (total > lim->max_msg_size)
				return frame_err(err, -SK_ETOOBIG, line, "Content-Length",
				                 "message larger than the size limit");
			if ((size_t)(end - start) < total)
				return -SK_EAGAIN;
			*msg_len = total;
			return 0;
		}
		if (line > 1 && !lx_wsp(*p)) {
			/* a header line, possibly folded: only its first physical line matters
			 * for the name; the value of a folded Content-Length is rare but legal */
			const char *le = nl;
			while (le + 1 < end && lx_wsp(le[1])) {
				const char *n2 = memchr(le + 1, '\n', (size_t)(end - le - 1));
				if (!n2)
					return -SK_EAGAIN;
				le = n2;
			}
			if (le + 1 >= end)
				return -SK_EAGAIN; /* a continuation line may still come */
			uint64_t v;
			int rc = line_content_length(p, le, lim->max_msg_size, &v);
			if (rc == -2)
				return frame_err(
				    err, -SK_ETOOBIG, line, "Content-Length",
				    "Content-Length larger than the message size limit");
			if (rc < 0)
				return frame_err(err, -SK_EMALFORMED, line, "Content-Length",
				                 "Content-Length is not a non-negative number");
			if (rc == 1) {
				if (have_cl && v != cl)
					return frame_err(err, -SK_EMALFORMED, line,
					                 "Content-Length",
					                 "several different Content-Length values");
				cl = v;
				have_cl = true;
			}
			nl = le;
		}
		p = nl + 1;
	}
	if ((size_t)(end - start) >= lim->max_msg_size)
		return frame_err(err, -SK_ETOOBIG, line, "",
		                 "header section larger than the message size limit");
	return -SK_EAGAIN;
}
