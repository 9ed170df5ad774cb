/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HEP decoding (hep.h). Versions 1 and 2 (as Kamailio's siptrace sends them
 * with hep_version 1 or 2, and captagent 4):
 *
 *   version(1) length(1) family(1) protocol(1) sport(2) dport(2)
 *   src, dst addresses (4 + 4 for AF_INET, 16 + 16 for AF_INET6)
 *   version 2 only: tv_sec(4) tv_usec(4) capture id(2) padding(2), in the
 *   sender's byte order, which is little-endian on every sender seen
 *   the payload
 *
 * where length is the size of the first two parts (16 or 40). Version 3:
 * "HEP3", the datagram's total length (2), then chunks of vendor(2) type(2)
 * length(2, the chunk's own 6 bytes included) and the value, all big-endian.
 * Vendor 0's types read here: 1 IP family, 2 IP protocol, 3/4 IPv4 source and
 * destination, 5/6 IPv6 ones, 7/8 ports, 9/10 time in seconds and
 * microseconds, 11 protocol type (1 = SIP), 12 capture id, 15 the payload,
 * 16 a compressed payload. Other types and other vendors' chunks are passed
 * over by their length. Family values are Linux's AF_INET (2) and AF_INET6
 * (10), as siptrace and heplify write them.
 *
 * Every length is checked against what is left before it is used: a chunk
 * shorter than its own header, one past the datagram's end, a total length
 * past the datagram, a known chunk of the wrong size are all malformed.
 */
#include <string.h>

#include "hep.h"

enum { HEP_AF_INET = 2, HEP_AF_INET6 = 10 };
enum { HEP_PROTO_SIP = 1 };
enum {
	CH_FAMILY = 0x0001,
	CH_IP_PROTO = 0x0002,
	CH_SRC4 = 0x0003,
	CH_DST4 = 0x0004,
	CH_SRC6 = 0x0005,
	CH_DST6 = 0x0006,
	CH_SPORT = 0x0007,
	CH_DPORT = 0x0008,
	CH_TS_SEC = 0x0009,
	CH_TS_USEC = 0x000a,
	CH_PROTO_TYPE = 0x000b,
	CH_CAPTURE_ID = 0x000c,
	CH_PAYLOAD = 0x000f,
	CH_COMPRESSED = 0x0010,
};
#define CHUNK_HDR 6
#define HEP3_HDR  6

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static void set_addr(struct sk_trace_addr *a, uint8_t family, const uint8_t *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->ip, ip, family == 4 ? 4 : 16);
	a->port = port;
}

const char *sk_hep_result_name(enum sk_hep_result r)
{
	switch (r) {
	case SK_HEP_MALFORMED: return "malformed";
	case SK_HEP_NOT_SIP: return "not SIP";
	case SK_HEP_COMPRESSED: return "compressed";
	case SK_HEP_SIP: return "SIP";
	default: return "not HEP";
	}
}

/* ---- versions 1 and 2 --------------------------------------------------------------- */

static enum sk_hep_result decode_v2(const uint8_t *p, size_t n, bool strict, struct sk_hep_msg *m)
{
	/* what a capture cannot tell from any other payload is "not HEP" there */
	const enum sk_hep_result bad = strict ? SK_HEP_MALFORMED : SK_HEP_NONE;
	if (n < 8)
		return bad;
	uint8_t version = p[0], hlen = p[1], family = p[2];
	size_t alen;
	if (family == HEP_AF_INET)
		alen = 4;
	else if (family == HEP_AF_INET6)
		alen = 16;
	else
		return bad;
	if (hlen != 8 + 2 * alen)
		return bad;
	size_t off = hlen + (version == 2 ? 12u : 0u);
	if (off >= n)
		return bad; /* cut in its header, or no payload */
	memset(m, 0, sizeof(*m));
	m->version = version;
	m->ip_proto = p[3];
	uint8_t fam = alen == 4 ? 4 : 6;
	set_addr(&m->src, fam, p + 8, be16(p + 4));
	set_addr(&m->dst, fam, p + 8 + alen, be16(p + 6));
	if (version == 2) {
		const uint8_t *t = p + hlen;
		uint32_t usec = le32(t + 4);
		if (usec >= 1000000)
			return bad;
		m->has_ts = true;
		m->ts_us = (int64_t)le32(t) * 1000000 + usec;
		m->capture_id = (uint32_t)(t[8] | t[9] << 8);
	}
	m->payload = (const char *)p + off;
	m->len = n - off;
	/* versions 1 and 2 carry only SIP: a payload that is not is someone else's bytes */
	if (sk_trace_sip_start(m->payload, m->len) != 1)
		return strict ? SK_HEP_NOT_SIP : SK_HEP_NONE;
	return SK_HEP_SIP;
}

/* ---- version 3 ------------------------------------------------------------------------ */

struct hep3 {
	uint8_t family, ip_proto, proto_type;
	bool has_proto_type, has_sec, has_usec, has_src4, has_dst4, has_src6, has_dst6;
	bool compressed;
	uint8_t src4[4], dst4[4], src6[16], dst6[16];
	uint16_t sport, dport;
	uint32_t sec, usec, capture_id;
	const uint8_t *payload;
	size_t len;
};

/* One chunk of vendor 0 with its value v of vlen bytes: false when its size is wrong. */
static bool chunk(struct hep3 *h, uint16_t type, const uint8_t *v, size_t vlen)
{
	switch (type) {
	case CH_FAMILY:
	case CH_IP_PROTO:
	case CH_PROTO_TYPE:
		if (vlen != 1)
			return false;
		if (type == CH_FAMILY)
			h->family = v[0];
		else if (type == CH_IP_PROTO)
			h->ip_proto = v[0];
		else
			h->proto_type = v[0];
		h->has_proto_type |= type == CH_PROTO_TYPE;
		return true;
	case CH_SRC4:
	case CH_DST4:
		if (vlen != 4)
			return false;
		memcpy(type == CH_SRC4 ? h->src4 : h->dst4, v, 4);
		*(type == CH_SRC4 ? &h->has_src4 : &h->has_dst4) = true;
		return true;
	case CH_SRC6:
	case CH_DST6:
		if (vlen != 16)
			return false;
		memcpy(type == CH_SRC6 ? h->src6 : h->dst6, v, 16);
		*(type == CH_SRC6 ? &h->has_src6 : &h->has_dst6) = true;
		return true;
	case CH_SPORT:
	case CH_DPORT:
		if (vlen != 2)
			return false;
		*(type == CH_SPORT ? &h->sport : &h->dport) = be16(v);
		return true;
	case CH_TS_SEC:
	case CH_TS_USEC:
	case CH_CAPTURE_ID:
		if (vlen != 4)
			return false;
		if (type == CH_TS_SEC) {
			h->sec = be32(v);
			h->has_sec = true;
		} else if (type == CH_TS_USEC) {
			h->usec = be32(v);
			h->has_usec = true;
		} else {
			h->capture_id = be32(v);
		}
		return true;
	case CH_PAYLOAD:
		h->payload = v;
		h->len = vlen;
		return true;
	case CH_COMPRESSED: h->compressed = true; return true;
	default: return true; /* keep-alive timer, auth key, correlation id, node name ... */
	}
}

static enum sk_hep_result decode_v3(const uint8_t *p, size_t n, struct sk_hep_msg *m)
{
	if (n < HEP3_HDR)
		return SK_HEP_MALFORMED;
	size_t total = be16(p + 4);
	if (total < HEP3_HDR || total > n)
		return SK_HEP_MALFORMED; /* cut, or a length that lies */
	struct hep3 h = {0};
	for (size_t off = HEP3_HDR; off < total;) {
		if (total - off < CHUNK_HDR)
			return SK_HEP_MALFORMED;
		uint16_t vendor = be16(p + off), type = be16(p + off + 2);
		size_t clen = be16(p + off + 4);
		/* a chunk shorter than its header would never move on: length 0 loops */
		if (clen < CHUNK_HDR || clen > total - off)
			return SK_HEP_MALFORMED;
		if (vendor == 0 && !chunk(&h, type, p + off + CHUNK_HDR, clen - CHUNK_HDR))
			return SK_HEP_MALFORMED;
		off += clen;
	}
	if (h.has_proto_type && h.proto_type != HEP_PROTO_SIP)
		return SK_HEP_NOT_SIP;
	if (!h.payload || !h.len)
		return h.compressed ? SK_HEP_COMPRESSED : SK_HEP_MALFORMED;
	memset(m, 0, sizeof(*m));
	m->version = 3;
	m->ip_proto = h.ip_proto;
	m->capture_id = h.capture_id;
	bool v4 = h.has_src4 && h.has_dst4, v6 = h.has_src6 && h.has_dst6;
	/* the family chunk says which pair to read; without it, the pair that is there */
	if (h.family == HEP_AF_INET || (!h.family && v4 && !v6)) {
		if (!v4)
			return SK_HEP_MALFORMED;
		set_addr(&m->src, 4, h.src4, h.sport);
		set_addr(&m->dst, 4, h.dst4, h.dport);
	} else if (h.family == HEP_AF_INET6 || (!h.family && v6)) {
		if (!v6)
			return SK_HEP_MALFORMED;
		set_addr(&m->src, 6, h.src6, h.sport);
		set_addr(&m->dst, 6, h.dst6, h.dport);
	} else {
		return SK_HEP_MALFORMED; /* no addresses, or a family we do not know */
	}
	if (h.has_sec) {
		if (h.usec >= 1000000)
			return SK_HEP_MALFORMED;
		m->has_ts = true;
		m->ts_us = (int64_t)h.sec * 1000000 + h.usec;
	}
	m->payload = (const char *)h.payload;
	m->len = h.len;
	/* without a protocol type, only what reads as SIP is taken for it */
	if (!h.has_proto_type && sk_trace_sip_start(m->payload, m->len) != 1)
		return SK_HEP_NOT_SIP;
	return SK_HEP_SIP;
}

enum sk_hep_result sk_hep_decode(const uint8_t *p, size_t n, bool strict, struct sk_hep_msg *m)
{
	if (n >= 4 && memcmp(p, "HEP3", 4) == 0)
		return decode_v3(p, n, m);
	if (n >= 1 && (p[0] == 1 || p[0] == 2))
		return decode_v2(p, n, strict, m);
	return strict ? SK_HEP_MALFORMED : SK_HEP_NONE;
}

/* ---- into the reader's queue ------------------------------------------------------------ */

static bool port_listed(const struct sk_trace_limits *lim, uint16_t a, uint16_t b)
{
	if (!lim->nports)
		return true;
	for (size_t i = 0; i < lim->nports; i++)
		if (lim->ports[i] == a || lim->ports[i] == b)
			return true;
	return false;
}

int sk_hep_deliver(const struct sk_trace_limits *lim, struct sk_trace_queue *q,
                   struct sk_trace_reader_stats *st, enum sk_hep_result r,
                   const struct sk_hep_msg *m, uint64_t frame, int64_t ts_us)
{
	switch (r) {
	case SK_HEP_SIP: break;
	case SK_HEP_NOT_SIP: sk_trace_skip_count(st, SK_TRACE_SKIP_HEP_NOT_SIP); return 0;
	case SK_HEP_COMPRESSED: sk_trace_skip_count(st, SK_TRACE_SKIP_HEP_COMPRESSED); return 0;
	case SK_HEP_MALFORMED:
	default: sk_trace_skip_count(st, SK_TRACE_SKIP_HEP_MALFORMED); return 0;
	}
	if (!port_listed(lim, m->src.port, m->dst.port)) {
		sk_trace_skip_count(st, SK_TRACE_SKIP_OTHER_PORT);
		return 0;
	}
	const char *msg = m->payload;
	size_t len = m->len;
	/* CRLF keep-alives (RFC 5626 §3.5.1) copied by the agent are no message */
	while (len && (*msg == '\r' || *msg == '\n')) {
		msg++;
		len--;
	}
	if (!len) {
		sk_trace_skip_count(st, SK_TRACE_SKIP_KEEPALIVE);
		return 0;
	}
	if (len > lim->max_message) {
		sk_trace_skip_too_large(st, len, frame);
		return 0;
	}
	struct sk_trace_pkt pkt = {
	    .frame = frame,
	    .ts_us = m->has_ts ? m->ts_us : ts_us,
	    .src = m->src,
	    .dst = m->dst,
	    /* siptrace writes IPPROTO_IDP (22) for TLS and WebSocket: streams, as TCP */
	    .proto = m->ip_proto == 6 || m->ip_proto == 22 ? SK_TRACE_TCP : SK_TRACE_UDP,
	};
	st->hep++;
	return sk_trace_queue_push(q, &pkt, msg, len);
}

void sk_trace_totals_add_input(struct sk_trace_totals *t, const struct sk_trace_reader_stats *st)
{
	t->hep += st->hep;
	t->live_dropped += st->live_dropped;
}
