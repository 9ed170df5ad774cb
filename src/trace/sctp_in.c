/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP over SCTP (RFC 4168): each SIP message is one SCTP user message,
 * carried by DATA chunks (RFC 9260 §3.3.1), several of which may share a
 * packet; a message larger than a packet is fragmented over DATA chunks of
 * consecutive TSNs, the first with the B flag, the last with E.
 *
 * A packet's chunks are walked by their lengths (padded to 4 bytes): a chunk
 * shorter than its own header (a reader that trusts a length of 0 loops on it
 * forever), longer than what is left, a DATA chunk without user data, or a
 * fragment that does not follow the one before it (missing TSN, no B) counts
 * once per packet as sctp_malformed and the rest of the packet is left. Work
 * is linear in the packet's bytes.
 *
 * Memory: at most MAX_PARTIALS messages are being reassembled at once (keyed
 * by addresses, ports and stream), each at most max_message bytes; a new one
 * beyond that evicts the least recently extended (over_limit), and one that
 * grows past max_message is too_large: its later fragments are dropped up to
 * its E.
 */
#include <stdlib.h>
#include <string.h>

#include "input.h"

#define MAX_PARTIALS 64

enum { CH_DATA = 0 };
enum { DATA_E = 0x01, DATA_B = 0x02, DATA_U = 0x04 };

struct partial {
	bool used, skipping; /* skipping: too large, dropped up to its E */
	struct sk_trace_addr src, dst;
	uint16_t sid;
	uint32_t next_tsn;
	char *buf;
	size_t len, cap;
	uint64_t last_frame;
};

struct sk_sctp {
	const struct sk_trace_limits *lim;
	struct sk_trace_queue *q;
	struct sk_trace_reader_stats *st;
	struct partial parts[MAX_PARTIALS];
};

int sk_sctp_new(struct sk_sctp **out, const struct sk_trace_limits *lim, struct sk_trace_queue *q,
                struct sk_trace_reader_stats *st)
{
	struct sk_sctp *s = calloc(1, sizeof(*s));
	if (!s)
		return -SK_ENOMEM;
	s->lim = lim;
	s->q = q;
	s->st = st;
	*out = s;
	return 0;
}

static void part_clear(struct partial *p)
{
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

void sk_sctp_free(struct sk_sctp *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < MAX_PARTIALS; i++)
		part_clear(&s->parts[i]);
	free(s);
}

void sk_sctp_finish(struct sk_sctp *s)
{
	/* messages whose last fragment never came: lost with what was not captured */
	for (size_t i = 0; s && i < MAX_PARTIALS; i++)
		if (s->parts[i].used) {
			if (!s->parts[i].skipping)
				sk_trace_skip_count(s->st, SK_TRACE_SKIP_TRUNCATED);
			part_clear(&s->parts[i]);
		}
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool port_ok(const struct sk_sctp *s, uint16_t sport, uint16_t dport)
{
	if (!s->lim->nports)
		return true;
	for (size_t i = 0; i < s->lim->nports; i++)
		if (s->lim->ports[i] == sport || s->lim->ports[i] == dport)
			return true;
	return false;
}

/* The message of one stream being reassembled (NULL: none). */
static struct partial *part_find(struct sk_sctp *s, const struct sk_trace_addr *src,
                                 const struct sk_trace_addr *dst, uint16_t sid)
{
	for (size_t i = 0; i < MAX_PARTIALS; i++) {
		struct partial *p = &s->parts[i];
		if (p->used && p->sid == sid && sk_trace_addr_eq(&p->src, src) &&
		    sk_trace_addr_eq(&p->dst, dst))
			return p;
	}
	return NULL;
}

/* A free slot, or the least recently extended one given up (over_limit). */
static struct partial *part_new(struct sk_sctp *s)
{
	struct partial *old = &s->parts[0];
	for (size_t i = 0; i < MAX_PARTIALS; i++) {
		if (!s->parts[i].used)
			return &s->parts[i];
		if (s->parts[i].last_frame < old->last_frame)
			old = &s->parts[i];
	}
	sk_trace_skip_count(s->st, SK_TRACE_SKIP_OVER_LIMIT);
	part_clear(old);
	return old;
}

/* A whole user message: SIP, or counted as something else. */
static int deliver(struct sk_sctp *s, const struct sk_sctp_pkt *k, const char *msg, size_t len)
{
	while (len && (*msg == '\r' || *msg == '\n')) {
		msg++;
		len--;
	}
	if (!len) {
		sk_trace_skip_count(s->st, SK_TRACE_SKIP_KEEPALIVE);
		return 0;
	}
	if (len > s->lim->max_message) {
		uint64_t size;
		sk_trace_declared_size(msg, len, &size);
		sk_trace_skip_too_large(s->st, size > len ? size : len, k->frame);
		return 0;
	}
	if (sk_trace_sip_start(msg, len) != 1) {
		sk_trace_skip_count(s->st, SK_TRACE_SKIP_NOT_SIP);
		return 0;
	}
	struct sk_trace_pkt pkt = {.frame = k->frame,
	                           .ts_us = k->ts_us,
	                           .src = k->src,
	                           .dst = k->dst,
	                           .proto = SK_TRACE_SCTP};
	return sk_trace_queue_push(s->q, &pkt, msg, len);
}

/* Appends a fragment; gives the message up as too_large past the limit. */
static int part_append(struct sk_sctp *s, struct partial *p, const uint8_t *d, size_t n,
                       uint64_t frame)
{
	p->last_frame = frame;
	if (p->skipping)
		return 0;
	if (p->len + n > s->lim->max_message) {
		uint64_t size;
		sk_trace_declared_size(p->buf, p->len, &size);
		sk_trace_skip_too_large(s->st, size > p->len + n ? size : p->len + n, frame);
		free(p->buf);
		p->buf = NULL;
		p->len = p->cap = 0;
		p->skipping = true;
		return 0;
	}
	if (p->len + n > p->cap) {
		size_t nc = p->cap ? p->cap : 1024;
		while (nc < p->len + n)
			nc *= 2;
		char *nb = realloc(p->buf, nc);
		if (!nb)
			return -SK_ENOMEM;
		p->buf = nb;
		p->cap = nc;
	}
	memcpy(p->buf + p->len, d, n);
	p->len += n;
	return 0;
}

/*
 * One DATA chunk's user data: a whole message, the first fragment of one, or
 * the next. Returns 0, 1 when it broke the order of fragments, -SK_ENOMEM.
 */
static int data_chunk(struct sk_sctp *s, const struct sk_sctp_pkt *k, uint8_t flags, uint32_t tsn,
                      uint16_t sid, const uint8_t *d, size_t n)
{
	struct partial *p = part_find(s, &k->src, &k->dst, sid);
	bool begin = flags & DATA_B, end = flags & DATA_E;

	if (begin && end) {
		if (p && !(flags & DATA_U)) {
			/* an ordered message while another was unfinished: that one lost its end */
			part_clear(p);
			sk_trace_skip_count(s->st, SK_TRACE_SKIP_TRUNCATED);
		}
		return deliver(s, k, (const char *)d, n);
	}
	if (begin) {
		if (p) {
			if (tsn == p->next_tsn - 1 || p->next_tsn - tsn < 0x80000000u)
				return 0; /* its first fragment again: a retransmission */
			part_clear(p);
			sk_trace_skip_count(s->st, SK_TRACE_SKIP_TRUNCATED);
		} else {
			p = part_new(s);
		}
		p->used = true;
		p->src = k->src;
		p->dst = k->dst;
		p->sid = sid;
		p->next_tsn = tsn + 1;
		return part_append(s, p, d, n, k->frame);
	}
	if (!p)
		return 1; /* a middle or last fragment of nothing */
	if (tsn != p->next_tsn) {
		if (p->next_tsn - tsn - 1 < 0x80000000u)
			return 0; /* an earlier TSN again: a retransmission */
		part_clear(p);    /* a fragment is missing: TSNs of a message are consecutive */
		return 1;
	}
	p->next_tsn = tsn + 1;
	int rc = part_append(s, p, d, n, k->frame);
	if (rc < 0 || !end)
		return rc;
	if (!p->skipping)
		rc = deliver(s, k, p->buf, p->len);
	part_clear(p);
	return rc;
}

int sk_sctp_packet(struct sk_sctp *s, const struct sk_sctp_pkt *in, const uint8_t *p, size_t n,
                   bool cut)
{
	if (n < 12) {
		sk_trace_skip_count(s->st, cut ? SK_TRACE_SKIP_TRUNCATED : SK_TRACE_SKIP_MALFORMED);
		return 0;
	}
	struct sk_sctp_pkt k = *in;
	k.src.port = be16(p);
	k.dst.port = be16(p + 2);
	if (!port_ok(s, k.src.port, k.dst.port)) {
		sk_trace_skip_count(s->st, SK_TRACE_SKIP_OTHER_PORT);
		return 0;
	}
	/* the CRC32c is not checked: captures taken on the sender see it before offload */
	size_t off = 12;
	while (off < n) {
		if (n - off < 4) {
			sk_trace_skip_count(s->st, cut ? SK_TRACE_SKIP_TRUNCATED
			                               : SK_TRACE_SKIP_SCTP_MALFORMED);
			return 0;
		}
		const uint8_t *ch = p + off;
		uint8_t type = ch[0], flags = ch[1];
		size_t len = be16(ch + 2);
		if (len < 4) {
			/* shorter than its own header: the next chunk would be this one again */
			sk_trace_skip_count(s->st, SK_TRACE_SKIP_SCTP_MALFORMED);
			return 0;
		}
		if (len > n - off) {
			sk_trace_skip_count(s->st, cut ? SK_TRACE_SKIP_TRUNCATED
			                               : SK_TRACE_SKIP_SCTP_MALFORMED);
			return 0;
		}
		if (type == CH_DATA) {
			if (len <= 16) { /* no user data: a protocol violation (RFC 9260 §6.2) */
				sk_trace_skip_count(s->st, SK_TRACE_SKIP_SCTP_MALFORMED);
				return 0;
			}
			int rc =
			    data_chunk(s, &k, flags, be32(ch + 4), be16(ch + 8), ch + 16, len - 16);
			if (rc < 0)
				return rc;
			if (rc == 1) {
				sk_trace_skip_count(s->st, SK_TRACE_SKIP_SCTP_MALFORMED);
				return 0;
			}
		}
		/* INIT, SACK, HEARTBEAT ...: the association's own, no SIP in them */
		size_t padded = (len + 3) & ~(size_t)3;
		off += padded < n - off ? padded : n - off;
	}
	return 0;
}
