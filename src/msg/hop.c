/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hop record of a request (struct sk_hop): where the fields a CANCEL
 * (§9.1) and the ACK of a non-2xx final (§17.1.1.3) copy lie in its bytes,
 * and those two requests built from it, so that a pending transaction parses
 * its request once, when it is sent.
 */
#include <stdlib.h>
#include <string.h>

#include "msg_int.h"

/* The Route values, in order: each header line's value (§20.34, §16.12.1). */
static const struct sk_hdr *next_route(const struct sk_msg *m, const struct sk_hdr *h)
{
	if (!h)
		return sk_msg_hdr_first(m, SK_HDR_ROUTE);
	return h->next == SK_NO_HDR ? NULL : &m->hdrs[h->next];
}

static bool inside(struct sk_str raw, struct sk_str v)
{
	return v.p >= raw.p && v.p + v.len <= raw.p + raw.len;
}

/* The request's values, in the order fill() stores them; false when one is missing. */
static bool values(const struct sk_msg *m, struct sk_str v[5])
{
	const struct sk_hdr *from = sk_msg_hdr_first(m, SK_HDR_FROM);
	const struct sk_hdr *to = sk_msg_hdr_first(m, SK_HDR_TO);
	if (!m->request || !m->nvias || !from || !to || !m->has_cseq || !sk_str_present(m->call_id))
		return false;
	v[0] = m->ruri_str;
	v[1] = m->vias[0].raw;
	v[2] = from->value;
	v[3] = to->value;
	v[4] = m->call_id;
	return true;
}

size_t sk_hop_size(const struct sk_msg *req)
{
	struct sk_str v[5], raw;
	if (!req || !values(req, v))
		return 0;
	raw = sk_msg_raw(req);
	size_t n = sizeof(struct sk_hop), extra = 0;
	for (int i = 0; i < 5; i++)
		extra += inside(raw, v[i]) ? 0 : v[i].len;
	for (const struct sk_hdr *h = next_route(req, NULL); h; h = next_route(req, h)) {
		n += sizeof(struct sk_span);
		extra += inside(raw, h->value) ? 0 : h->value.len;
	}
	return n + extra;
}

/* A span for v: into raw, or copied after the spans (unfolded values). */
static struct sk_span span_of(struct sk_hop *h, char *extra, struct sk_str raw, struct sk_str v)
{
	if (inside(raw, v))
		return (struct sk_span){(uint32_t)(v.p - raw.p), (uint32_t)v.len};
	struct sk_span s = {SK_SPAN_EXTRA | h->extra_len, (uint32_t)v.len};
	if (v.len)
		memcpy(extra + h->extra_len, v.p, v.len);
	h->extra_len += (uint32_t)v.len;
	return s;
}

int sk_hop_fill(struct sk_hop *h, size_t size, const struct sk_msg *req)
{
	struct sk_str v[5];
	if (!h || !req || size != sk_hop_size(req) || !values(req, v))
		return -SK_EINVAL;
	struct sk_str raw = sk_msg_raw(req);
	h->nroutes = 0;
	for (const struct sk_hdr *r = next_route(req, NULL); r; r = next_route(req, r))
		h->nroutes++;
	h->extra_len = 0;
	char *extra = (char *)&h->route[h->nroutes];
	struct sk_span *fields[5] = {&h->ruri, &h->via, &h->from, &h->to, &h->call_id};
	for (int i = 0; i < 5; i++)
		*fields[i] = span_of(h, extra, raw, v[i]);
	h->cseq = req->cseq.num;
	uint32_t i = 0;
	for (const struct sk_hdr *r = next_route(req, NULL); r; r = next_route(req, r))
		h->route[i++] = span_of(h, extra, raw, r->value);
	return 0;
}

struct sk_str sk_hop_str(const struct sk_hop *h, const char *raw, struct sk_span s)
{
	if (s.off & SK_SPAN_EXTRA)
		return (struct sk_str){
		    (const char *)&h->route[h->nroutes] + (s.off & ~SK_SPAN_EXTRA), s.len};
	return (struct sk_str){raw + s.off, s.len};
}

/* The bytes of what build_hop_request makes, and extra (a Reason) after it. */
static size_t hop_request_size(const struct sk_hop *h, struct sk_str to, size_t extra)
{
	/* start line, the names, CSeq's number and method, Max-Forwards, Content-Length */
	size_t n = 160 + extra + to.len;
	n += h->ruri.len + h->via.len + h->from.len + h->call_id.len;
	for (uint32_t i = 0; i < h->nroutes; i++)
		n += sizeof("Route: \r\n") + h->route[i].len;
	return n;
}

/* The part shared by CANCEL and ACK: one Via (the top one), From, To, Call-ID,
 * CSeq with the request's number, Max-Forwards, and the Route set. */
static int build_hop_request(struct sk_build **out, const struct sk_hop *h, const char *raw,
                             const char *method, struct sk_str to, size_t extra)
{
	struct sk_build *b;
	int rc;

	if (!out || !h || !raw)
		return -SK_EINVAL;
	if ((rc = sk_build_request_sized(&b, sk_str_c(method), sk_hop_str(h, raw, h->ruri),
	                                 hop_request_size(h, to, extra))) < 0)
		return rc;
	rc = sk_build_hdr(b, "Via", sk_hop_str(h, raw, h->via));
	if (!rc)
		rc = sk_build_hdr(b, "From", sk_hop_str(h, raw, h->from));
	if (!rc)
		rc = sk_build_hdr(b, "To", to);
	if (!rc)
		rc = sk_build_hdr(b, "Call-ID", sk_hop_str(h, raw, h->call_id));
	if (!rc) { /* "%u %s" without printf: every CANCEL and ACK */
		char cseq[48];
		struct sk_fmt f;
		sk_fmt_init(&f, cseq, sizeof(cseq));
		sk_fmt_u64(&f, h->cseq);
		sk_fmt_char(&f, ' ');
		sk_fmt_cstr(&f, method);
		rc = sk_build_hdr(b, "CSeq", (struct sk_str){cseq, f.len});
	}
	if (!rc)
		rc = sk_build_hdr(b, "Max-Forwards", SK_STR_LIT("70"));
	for (uint32_t i = 0; !rc && i < h->nroutes; i++)
		rc = sk_build_hdr(b, "Route", sk_hop_str(h, raw, h->route[i]));
	if (rc < 0) {
		sk_build_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

int sk_build_cancel_hop(struct sk_build **out, const struct sk_hop *h, const char *raw,
                        const char *reason)
{
	if (!h)
		return -SK_EINVAL;
	/* §9.1: To exactly as in the request, never a tag learned from a response */
	size_t extra = reason ? sizeof("Reason: \r\n") + strlen(reason) : 0;
	int rc = build_hop_request(out, h, raw, "CANCEL", sk_hop_str(h, raw, h->to), extra);
	if (rc == 0 && reason && *reason) { /* RFC 3326 */
		size_t n;
		struct sk_reason tmp[8];
		if (sk_reason_parse(sk_str_c(reason), tmp, 8, &n, NULL) < 0)
			rc = -SK_EINVAL;
		else
			rc = sk_build_hdr(*out, "Reason", sk_str_c(reason));
		if (rc < 0) {
			sk_build_free(*out);
			*out = NULL;
		}
	}
	return rc;
}

int sk_build_ack_hop(struct sk_build **out, const struct sk_hop *h, const char *raw,
                     const struct sk_msg *resp)
{
	const struct sk_hdr *to = resp ? sk_msg_hdr_first(resp, SK_HDR_TO) : NULL;
	if (!h || !resp || resp->request || !resp->has_to || !to)
		return -SK_EINVAL;
	/* §17.1.1.3: To equal to the To of the response being acknowledged */
	return build_hop_request(out, h, raw, "ACK", to->value, 0);
}

/* The same from a parsed request: its record, made for the occasion. */
static int build_from_msg(struct sk_build **out, const struct sk_msg *inv, const char *reason,
                          const struct sk_msg *resp)
{
	size_t size = sk_hop_size(inv);
	if (!size)
		return -SK_EINVAL;
	struct sk_hop *h = malloc(size);
	if (!h)
		return -SK_ENOMEM;
	int rc = sk_hop_fill(h, size, inv);
	if (rc == 0)
		rc = resp ? sk_build_ack_hop(out, h, sk_msg_raw(inv).p, resp)
		          : sk_build_cancel_hop(out, h, sk_msg_raw(inv).p, reason);
	free(h);
	return rc;
}

int sk_build_cancel(struct sk_build **out, const struct sk_msg *invite, const char *reason)
{
	return build_from_msg(out, invite, reason, NULL);
}

int sk_build_ack(struct sk_build **out, const struct sk_msg *invite, const struct sk_msg *resp)
{
	if (!invite || !resp || resp->request || !resp->has_to)
		return -SK_EINVAL;
	return build_from_msg(out, invite, NULL, resp);
}
