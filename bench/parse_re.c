/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * libre harness. sip_msg_decode works on an mbuf (the message is copied into
 * one reused mbuf, as a receive path would read it there); it splits every
 * header line, and comma-separated values of list headers such as Via,
 * Route, Record-Route and Contact, into a hash of name/value views, and
 * decodes eagerly only the start line (Request-URI), the first Via, From, To
 * (with tags), CSeq and Content-Type; Call-ID, Max-Forwards and
 * Content-Length are kept as text. It also draws a random 64-bit tag per
 * message (rand_u64, through OpenSSL's RAND_bytes). The other Via values and
 * every Route, Record-Route and Contact value are decoded here with
 * sip_via_decode and sip_addr_decode. libre's Via sent-by is one view
 * ("host:port"; sip_via_decode only fills the address for numeric hosts), so
 * the harness splits it itself. libre's uri_decode reads any "scheme:rest" as
 * sip's "user@host", so a tel: URI (RFC 3966, no host) comes out with its
 * number as the host: the harness counts a host for sip and sips URIs only, as
 * the other parsers report it.
 */
#include <stdio.h>
#include <string.h>

#include <re.h>

#include "bench_parse.h"

struct re_state {
	struct mbuf *mb;
};

static int re_init(void **state)
{
	struct re_state *st;

	if (libre_init() != 0)
		return -1;
	st = mem_zalloc(sizeof(*st), NULL);
	if (!st)
		return -1;
	st->mb = mbuf_alloc(65536);
	if (!st->mb) {
		mem_deref(st);
		return -1;
	}
	*state = st;
	return 0;
}

static void re_fini(void *state)
{
	struct re_state *st = state;

	mem_deref(st->mb);
	mem_deref(st);
	libre_close();
}

struct apply_ctx {
	struct bench_fields *f;
	uint32_t n;
	int err;
};

/* The host length of a URI, 0 for a scheme without a host (tel: above). */
static uint32_t uri_host_len(const struct uri *u)
{
	if (pl_strcasecmp(&u->scheme, "sip") != 0 && pl_strcasecmp(&u->scheme, "sips") != 0)
		return 0;
	return (uint32_t)u->host.l;
}

/* Splits a sent-by view "host[:port]" ("[v6]:port" for IPv6). */
static void sentby_fields(const struct pl *s, struct bench_fields *f)
{
	const char *p = s->p, *end = s->p + s->l, *colon = NULL;

	if (s->l && p[0] == '[') {
		const char *rb = memchr(p, ']', s->l);
		if (rb) {
			f->via_host_len += (uint32_t)(rb - p - 1);
			if (rb + 1 < end && rb[1] == ':')
				f->via_port_sum += bench_u32n(rb + 2, (size_t)(end - rb - 2));
			return;
		}
	}
	colon = memchr(p, ':', s->l);
	if (colon) {
		f->via_host_len += (uint32_t)(colon - p);
		f->via_port_sum += bench_u32n(colon + 1, (size_t)(end - colon - 1));
	} else {
		f->via_host_len += (uint32_t)s->l;
	}
}

static bool via_h(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	struct apply_ctx *c = arg;
	struct sip_via via;

	(void)msg;
	c->err = sip_via_decode(&via, &hdr->val);
	if (c->err)
		return true;
	c->n++;
	sentby_fields(&via.sentby, c->f);
	c->f->branch_len += (uint32_t)via.branch.l;
	return false;
}

static bool addr_h(const struct sip_hdr *hdr, const struct sip_msg *msg, void *arg)
{
	struct apply_ctx *c = arg;
	struct sip_addr addr;

	(void)msg;
	c->err = sip_addr_decode(&addr, &hdr->val);
	if (c->err)
		return true;
	c->n++;
	c->f->uri_host_len += uri_host_len(&addr.uri);
	c->f->uri_port_sum += addr.uri.port;
	return false;
}

static int addr_list(const struct sip_msg *msg, enum sip_hdrid id, struct bench_fields *f,
                     uint32_t *count, char *err, size_t errlen)
{
	struct apply_ctx c = {.f = f};

	sip_msg_hdr_apply(msg, true, id, addr_h, &c);
	if (c.err) {
		snprintf(err, errlen, "sip_addr_decode(header id %d): %s", (int)id,
		         strerror(c.err));
		return -1;
	}
	*count = c.n;
	return 0;
}

static int re_parse_one(void *state, const char *buf, size_t len, struct bench_fields *f, char *err,
                        size_t errlen)
{
	struct re_state *st = state;
	struct sip_msg *msg = NULL;
	struct apply_ctx c = {.f = f};
	int rc;

	mbuf_rewind(st->mb);
	rc = mbuf_write_mem(st->mb, (const uint8_t *)buf, len);
	if (rc) {
		snprintf(err, errlen, "mbuf_write_mem: %s", strerror(rc));
		return -1;
	}
	st->mb->pos = 0;
	rc = sip_msg_decode(&msg, st->mb);
	if (rc) {
		snprintf(err, errlen, "sip_msg_decode: %s", strerror(rc));
		return -1;
	}
	if (!pl_isset(&msg->from.val) || !pl_isset(&msg->to.val) || !pl_isset(&msg->callid) ||
	    !pl_isset(&msg->cseq.met) || !pl_isset(&msg->via.sentby)) {
		snprintf(err, errlen, "missing Via, From, To, Call-ID or CSeq");
		goto fail;
	}

	if (msg->req) {
		f->method_len = (uint32_t)msg->met.l;
		f->ruri_host_len = uri_host_len(&msg->uri);
		f->ruri_port = msg->uri.port;
	} else {
		f->status = msg->scode;
	}

	sip_msg_hdr_apply(msg, true, SIP_HDR_VIA, via_h, &c);
	if (c.err) {
		snprintf(err, errlen, "sip_via_decode: %s", strerror(c.err));
		goto fail;
	}
	f->vias = c.n;

	f->from_tag_len = (uint32_t)msg->from.tag.l;
	f->to_tag_len = (uint32_t)msg->to.tag.l;
	f->addr_host_len = uri_host_len(&msg->from.uri) + uri_host_len(&msg->to.uri);
	f->call_id_len = (uint32_t)msg->callid.l;
	f->cseq = msg->cseq.num;
	f->cseq_method_len = (uint32_t)msg->cseq.met.l;
	f->max_forwards = pl_isset(&msg->maxfwd) ? (int32_t)pl_u32(&msg->maxfwd) : -1;
	f->content_length = pl_isset(&msg->clen) ? (int32_t)pl_u32(&msg->clen) : -1;

	if (addr_list(msg, SIP_HDR_ROUTE, f, &f->routes, err, errlen) ||
	    addr_list(msg, SIP_HDR_RECORD_ROUTE, f, &f->record_routes, err, errlen) ||
	    addr_list(msg, SIP_HDR_CONTACT, f, &f->contacts, err, errlen))
		goto fail;

	mem_deref(msg);
	return 0;
fail:
	mem_deref(msg);
	return -1;
}

const struct bench_parser bench_libre = {
    .name = "libre",
    .init = re_init,
    .parse = re_parse_one,
    .fini = re_fini,
};
