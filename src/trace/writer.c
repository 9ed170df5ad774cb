/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sk_trace_writer: messages written back as a capture or a sipkit log.
 *
 * The capture is a classic pcap (microseconds, LINKTYPE_ETHERNET) that shows
 * what a real one would: Ethernet, IPv4 (RFC 791) or IPv6 (RFC 8200), UDP
 * (RFC 768) or TCP (RFC 9293) with correct lengths and checksums. A UDP
 * datagram whose IP packet exceeds a 1500-byte MTU is cut into IP fragments
 * (IPv4 fragments; IPv6 Fragment headers). A TCP stream (one direction of a
 * connection) starts with a SYN (SYN-ACK for the direction that answers one
 * already written), then carries each message in segments of at
 * most 1460 bytes (1440 over IPv6) with running sequence numbers.
 * Addresses of family 0 (logs without addresses) are written as 127.0.0.1
 * (local) and 127.0.0.2 (peer), port 5060; a message of a log that does not
 * say its transport goes as UDP.
 *
 * The sipkit log is described in log_in.c: a marker line with the ISO time,
 * then the message's bytes, then a newline if they do not end with one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

#define MTU        1500
#define MSS4       1460
#define MSS6       1440
#define SNAPLEN    262144
#define W_STREAMS  256
#define FRAME_MAX  2048
#define ISO_MAX_US INT64_C(253402300799999999) /* 9999-12-31T23:59:59.999999Z */

struct wstream {
	struct sk_trace_addr src, dst;
	uint32_t next_seq;
	uint64_t used; /* last use, for replacement */
};

struct sk_trace_writer {
	FILE *f;
	enum sk_trace_format fmt;
	bool failed;
	uint16_t ip_id;   /* IPv4 identification */
	uint32_t frag_id; /* IPv6 fragment identification */
	uint32_t isn;     /* the next stream's initial sequence number */
	uint64_t tick;
	struct wstream streams[W_STREAMS];
	size_t nstreams;
	uint8_t frame[FRAME_MAX];
	uint8_t *dgram; /* a UDP datagram being fragmented */
	size_t dgram_cap;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void write_bytes(struct sk_trace_writer *w, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, w->f) != n)
		w->failed = true;
}

/* ---- checksums (RFC 1071) ----------------------------------------------------------- */

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (n)
		s += (uint32_t)p[0] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The pseudo-header of RFC 768 / RFC 9293 §3.1 (IPv4) or RFC 8200 §8.1 (IPv6). */
static uint32_t pseudo(const struct sk_trace_addr *src, const struct sk_trace_addr *dst,
                       uint8_t proto, size_t len)
{
	size_t al = src->family == 4 ? 4 : 16;
	uint32_t s = sum16(0, src->ip, al);
	s = sum16(s, dst->ip, al);
	return s + proto + (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
}

/* ---- frames --------------------------------------------------------------------------- */

static void record(struct sk_trace_writer *w, int64_t ts_us, const uint8_t *frame, size_t len)
{
	uint8_t h[16];
	if (ts_us < 0)
		ts_us = 0;
	int64_t sec = ts_us / 1000000;
	if (sec > UINT32_MAX)
		sec = UINT32_MAX;
	le32(h, (uint32_t)sec);
	le32(h + 4, (uint32_t)(ts_us % 1000000));
	le32(h + 8, (uint32_t)len);
	le32(h + 12, (uint32_t)len);
	write_bytes(w, h, sizeof(h));
	write_bytes(w, frame, len);
}

/*
 * Ethernet and IP headers into w->frame for plen bytes of IP payload: the
 * offset where the payload goes. frag: write a fragment (offset off, more).
 */
static size_t headers(struct sk_trace_writer *w, const struct sk_trace_addr *src,
                      const struct sk_trace_addr *dst, uint8_t proto, size_t plen, bool frag,
                      size_t off, bool more, uint32_t id)
{
	uint8_t *p = w->frame;
	static const uint8_t mac_dst[6] = {2, 0, 0, 0, 0, 2}, mac_src[6] = {2, 0, 0, 0, 0, 1};
	memcpy(p, mac_dst, 6);
	memcpy(p + 6, mac_src, 6);
	if (src->family == 4) {
		put16(p + 12, 0x0800);
		uint8_t *ip = p + 14;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + plen));
		put16(ip + 4, (uint16_t)id);
		put16(ip + 6, (uint16_t)((more ? 0x2000 : 0) | (off / 8)));
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 12, src->ip, 4);
		memcpy(ip + 16, dst->ip, 4);
		put16(ip + 10, fold(sum16(0, ip, 20)));
		return 34;
	}
	put16(p + 12, 0x86dd);
	uint8_t *ip = p + 14;
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)(plen + (frag ? 8 : 0)));
	ip[6] = frag ? 44 : proto;
	ip[7] = 64;
	memcpy(ip + 8, src->ip, 16);
	memcpy(ip + 24, dst->ip, 16);
	if (!frag)
		return 54;
	uint8_t *fh = ip + 40; /* RFC 8200 §4.5 */
	fh[0] = proto;
	fh[1] = 0;
	put16(fh + 2, (uint16_t)(off | (more ? 1 : 0)));
	put32(fh + 4, id);
	return 62;
}

static int write_udp(struct sk_trace_writer *w, const struct sk_trace_pkt *pkt,
                     const struct sk_trace_addr *src, const struct sk_trace_addr *dst)
{
	size_t ulen = 8 + pkt->len, iph = src->family == 4 ? 20 : 40;
	if (ulen > 65535)
		return -SK_ETOOBIG;
	if (ulen > w->dgram_cap) {
		uint8_t *nd = realloc(w->dgram, ulen);
		if (!nd)
			return -SK_ENOMEM;
		w->dgram = nd;
		w->dgram_cap = ulen;
	}
	uint8_t *u = w->dgram;
	put16(u, src->port);
	put16(u + 2, dst->port);
	put16(u + 4, (uint16_t)ulen);
	put16(u + 6, 0);
	if (pkt->len)
		memcpy(u + 8, pkt->data, pkt->len);
	uint16_t ck = fold(sum16(pseudo(src, dst, 17, ulen), u, ulen));
	put16(u + 6, ck ? ck : 0xffff); /* 0 means "no checksum" (RFC 768) */

	if (iph + ulen <= MTU) {
		size_t o = headers(w, src, dst, 17, ulen, false, 0, false, w->ip_id++);
		memcpy(w->frame + o, u, ulen);
		record(w, pkt->ts_us, w->frame, o + ulen);
		return 0;
	}
	/* fragments carry multiples of 8 bytes, but the last (RFC 791, RFC 8200 §4.5) */
	size_t per = ((MTU - iph - (src->family == 6 ? 8 : 0)) / 8) * 8;
	uint32_t id = src->family == 4 ? w->ip_id++ : ++w->frag_id;
	for (size_t off = 0; off < ulen; off += per) {
		size_t n = ulen - off < per ? ulen - off : per;
		size_t o = headers(w, src, dst, 17, n, true, off, off + n < ulen, id);
		memcpy(w->frame + o, u + off, n);
		record(w, pkt->ts_us, w->frame, o + n);
	}
	return 0;
}

static void tcp_segment(struct sk_trace_writer *w, int64_t ts_us, const struct sk_trace_addr *src,
                        const struct sk_trace_addr *dst, uint32_t seq, uint32_t ack, uint8_t flags,
                        const char *data, size_t n)
{
	size_t o = headers(w, src, dst, 6, 20 + n, false, 0, false, w->ip_id++);
	uint8_t *t = w->frame + o;
	memset(t, 0, 20);
	put16(t, src->port);
	put16(t + 2, dst->port);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	if (n)
		memcpy(t + 20, data, n);
	put16(t + 16, fold(sum16(pseudo(src, dst, 6, 20 + n), t, 20 + n)));
	record(w, ts_us, w->frame, o + 20 + n);
}

static struct wstream *stream(struct sk_trace_writer *w, const struct sk_trace_addr *src,
                              const struct sk_trace_addr *dst, bool create, bool *created)
{
	struct wstream *s = NULL;
	for (size_t i = 0; i < w->nstreams; i++)
		if (sk_trace_addr_eq(&w->streams[i].src, src) &&
		    sk_trace_addr_eq(&w->streams[i].dst, dst))
			s = &w->streams[i];
	*created = false;
	if (s || !create)
		return s;
	if (w->nstreams < W_STREAMS) {
		s = &w->streams[w->nstreams++];
	} else { /* the least recently used gives its place; its next message starts anew */
		s = &w->streams[0];
		for (size_t i = 1; i < W_STREAMS; i++)
			if (w->streams[i].used < s->used)
				s = &w->streams[i];
	}
	s->src = *src;
	s->dst = *dst;
	s->next_seq = w->isn;
	w->isn += 0x01000193u; /* spread the streams over the sequence space */
	*created = true;
	return s;
}

static int write_tcp(struct sk_trace_writer *w, const struct sk_trace_pkt *pkt,
                     const struct sk_trace_addr *src, const struct sk_trace_addr *dst)
{
	enum { SYN = 0x02, PSH = 0x08, ACK = 0x10 };
	bool created, unused;
	struct wstream *s = stream(w, src, dst, true, &created);
	struct wstream *back = stream(w, dst, src, false, &unused);
	size_t mss = src->family == 4 ? MSS4 : MSS6;

	s->used = ++w->tick;
	if (created) {
		/* the answering side of a connection already seen opens with SYN-ACK (RFC 9293
		 * §3.5): one connection, not a second one opened from the other end */
		tcp_segment(w, pkt->ts_us, src, dst, s->next_seq, back ? back->next_seq : 0,
		            (uint8_t)(back ? SYN | ACK : SYN), NULL, 0);
		s->next_seq++;
	}
	for (size_t off = 0; off < pkt->len; off += mss) {
		size_t n = pkt->len - off < mss ? pkt->len - off : mss;
		uint32_t ack = back ? back->next_seq : 0;
		tcp_segment(w, pkt->ts_us, src, dst, s->next_seq, ack,
		            (uint8_t)(ACK | (off + n == pkt->len ? PSH : 0)), pkt->data + off, n);
		s->next_seq += (uint32_t)n;
	}
	return 0;
}

/* The address written for an endpoint; family 0 becomes a loopback address. */
static void resolve(struct sk_trace_addr *out, const struct sk_trace_addr *a)
{
	*out = *a;
	if (a->family == 4 || a->family == 6)
		return;
	memset(out, 0, sizeof(*out));
	out->family = 4;
	out->ip[0] = 127;
	out->ip[3] = a->ip[0] == SK_TRACE_SIDE_LOCAL ? 1 : 2;
	out->port = 5060;
}

/* ---- the sipkit log ------------------------------------------------------------------- */

/* Howard Hinnant's civil_from_days, the inverse of sk_trace_days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int write_log(struct sk_trace_writer *w, const struct sk_trace_pkt *pkt,
                     const struct sk_trace_addr *src, const struct sk_trace_addr *dst)
{
	char s[64], d[64];
	int64_t us = pkt->ts_us < 0 ? 0 : pkt->ts_us > ISO_MAX_US ? ISO_MAX_US : pkt->ts_us;
	int64_t days = us / 86400000000, rem = us % 86400000000, y;
	unsigned mo, dd;

	civil_from_days(days, &y, &mo, &dd);
	sk_trace_addr_print(src, s, sizeof(s));
	sk_trace_addr_print(dst, d, sizeof(d));
	if (fprintf(w->f, "--- %04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ %s %s -> %s\n",
	            (long long)y, mo, dd, (long long)(rem / 3600000000),
	            (long long)(rem / 60000000 % 60), (long long)(rem / 1000000 % 60),
	            (long long)(rem % 1000000), pkt->proto == SK_TRACE_TCP ? "tcp" : "udp", s,
	            d) < 0)
		w->failed = true;
	write_bytes(w, pkt->data, pkt->len);
	if (!pkt->len || pkt->data[pkt->len - 1] != '\n')
		write_bytes(w, "\n", 1);
	return 0;
}

/* ---- the API ---------------------------------------------------------------------------- */

int sk_trace_writer_open(struct sk_trace_writer **out, const char *path, enum sk_trace_format fmt)
{
	struct sk_trace_writer *w;
	FILE *f;

	if (!out || !path || (fmt != SK_TRACE_FMT_PCAP && fmt != SK_TRACE_FMT_SIPKIT_LOG))
		return -SK_EINVAL;
	*out = NULL;
	if (strcmp(path, "-") == 0) {
		int fd = dup(STDOUT_FILENO);
		f = fd >= 0 ? fdopen(fd, "wb") : NULL;
		if (!f && fd >= 0)
			close(fd);
	} else {
		f = fopen(path, "wb");
	}
	if (!f)
		return -SK_EIO;
	w = calloc(1, sizeof(*w));
	if (!w) {
		fclose(f);
		return -SK_ENOMEM;
	}
	w->f = f;
	w->fmt = fmt;
	w->isn = 1000;
	if (fmt == SK_TRACE_FMT_PCAP) {
		uint8_t h[24] = {0};
		le32(h, 0xa1b2c3d4); /* microseconds, written little-endian */
		h[4] = 2;            /* version 2.4 */
		h[6] = 4;
		le32(h + 16, SNAPLEN);
		le32(h + 20, 1); /* LINKTYPE_ETHERNET */
		write_bytes(w, h, sizeof(h));
	}
	if (w->failed) {
		fclose(f);
		free(w);
		return -SK_EIO;
	}
	*out = w;
	return 0;
}

int sk_trace_writer_add(struct sk_trace_writer *w, const struct sk_trace_pkt *pkt)
{
	struct sk_trace_addr src, dst;
	int rc;

	if (!w || !pkt || (!pkt->data && pkt->len))
		return -SK_EINVAL;
	resolve(&src, &pkt->src);
	resolve(&dst, &pkt->dst);
	if (src.family != dst.family)
		return -SK_EINVAL;
	if (w->fmt == SK_TRACE_FMT_SIPKIT_LOG)
		rc = write_log(w, pkt, &src, &dst);
	else if (pkt->proto == SK_TRACE_TCP)
		rc = write_tcp(w, pkt, &src, &dst);
	else
		rc = write_udp(w, pkt, &src, &dst);
	if (rc < 0)
		return rc;
	return w->failed ? -SK_EIO : 0;
}

int sk_trace_writer_flush(struct sk_trace_writer *w)
{
	if (!w)
		return -SK_EINVAL;
	if (fflush(w->f) != 0)
		w->failed = true;
	return w->failed ? -SK_EIO : 0;
}

int sk_trace_writer_close(struct sk_trace_writer *w)
{
	if (!w)
		return 0;
	bool failed = w->failed;
	if (fclose(w->f) != 0)
		failed = true;
	free(w->dgram);
	free(w);
	return failed ? -SK_EIO : 0;
}
