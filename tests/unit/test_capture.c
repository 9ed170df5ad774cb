/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Messages out of captures and logs (src/trace: reader, capture_in, pcapng_in,
 * ipfrag, tcp_stream, log_in, writer). Captures are built byte by byte here:
 *  - every link type: Ethernet (802.1Q, 802.1ad, QinQ), Linux cooked v1/v2,
 *    raw IP (101, 12, 14, 228, 229), BSD loopback in both byte orders
 *  - IPv4 options, IPv6 extension headers; IPv4 and IPv6 fragments in order,
 *    reversed, overlapping, duplicated, missing; expiry and budget
 *  - TCP: out of order, retransmitted, overlapping, several messages in one
 *    segment, one over three, mid-stream start, a gap, not SIP, wraparound,
 *    more streams than max_streams, a message without Content-Length
 *  - UDP recognition by content and by port; keep-alives
 *  - pcapng (two link types, simple packets, resolutions, big-endian)
 *  - truncated and corrupt captures, open errors
 *  - sipkit logs, SIPp -trace_msg logs (a real one), raw messages
 *  - the writer, read back: pcap and log, UDP and TCP, IPv4 and IPv6,
 *    a fragmented 5000-byte datagram, a 5000-byte TCP message
 */
#include <fcntl.h>
#include <unistd.h>

#include "sk_test.h"

#include "sipkit/trace.h"

#define CRLF "\r\n"

/* ---- messages ------------------------------------------------------------------------- */

static const char INV[] =
    "INVITE sip:bob@example.com SIP/2.0" CRLF
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1" CRLF
    "From: <sip:alice@example.com>;tag=a" CRLF "To: <sip:bob@example.com>" CRLF
    "Call-ID: c1@example.com" CRLF "CSeq: 1 INVITE" CRLF "Content-Length: 0" CRLF CRLF;
static const char RING[] =
    "SIP/2.0 180 Ringing" CRLF "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1" CRLF
    "Call-ID: c1@example.com" CRLF "CSeq: 1 INVITE" CRLF "Content-Length: 0" CRLF CRLF;
static const char CANCEL_BODY[] =
    "CANCEL sip:bob@example.com SIP/2.0" CRLF "Call-ID: c1@example.com" CRLF "CSeq: 1 CANCEL" CRLF
    "Content-Type: text/plain" CRLF "Content-Length: 5" CRLF CRLF "hello";

/* A message of exactly total bytes: a request with a body of 'x's. */
static char *big_msg(size_t total, char tag)
{
	char head[256];
	int hl = 0;
	size_t body = 0;
	for (int i = 0; i < 3; i++) { /* the header's length depends on the body's digits */
		hl = snprintf(head, sizeof(head),
		              "MESSAGE sip:bob@example.com SIP/2.0" CRLF "Call-ID: big-%c" CRLF
		              "CSeq: 1 MESSAGE" CRLF "Content-Length: %zu" CRLF CRLF,
		              tag, body);
		body = total - (size_t)hl;
	}
	char *m = malloc(total + 1);
	assert_non_null(m);
	memcpy(m, head, (size_t)hl);
	memset(m + hl, tag, body);
	m[total] = '\0';
	return m;
}

/* ---- frames ----------------------------------------------------------------------------- */

static const uint8_t A4[4] = {192, 0, 2, 1}, B4[4] = {192, 0, 2, 2}, C4[4] = {192, 0, 2, 3};
static const uint8_t A6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t B6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

static void w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void w32(uint8_t *p, uint32_t v)
{
	w16(p, (uint16_t)(v >> 16));
	w16(p + 2, (uint16_t)v);
}

static size_t udp_hdr(uint8_t *o, uint16_t sp, uint16_t dp, const void *d, size_t n)
{
	w16(o, sp);
	w16(o + 2, dp);
	w16(o + 4, (uint16_t)(8 + n));
	w16(o + 6, 0);
	memcpy(o + 8, d, n);
	return 8 + n;
}

enum { F_FIN = 1, F_SYN = 2, F_RST = 4, F_PSH = 8, F_ACK = 16 };

static size_t tcp_hdr(uint8_t *o, uint16_t sp, uint16_t dp, uint32_t seq, uint8_t flags,
                      const void *d, size_t n)
{
	memset(o, 0, 20);
	w16(o, sp);
	w16(o + 2, dp);
	w32(o + 4, seq);
	o[12] = 5 << 4;
	o[13] = flags;
	w16(o + 14, 65535);
	if (n)
		memcpy(o + 20, d, n);
	return 20 + n;
}

/* IPv4 with optlen bytes of options (NOPs); frag is the flags + offset/8 field. */
static size_t ip4_opts(uint8_t *o, const uint8_t *src, const uint8_t *dst, uint8_t proto,
                       uint16_t id, uint16_t frag, size_t optlen, const void *pl, size_t n)
{
	size_t ihl = 20 + optlen;
	memset(o, 0, ihl);
	o[0] = (uint8_t)(0x40 | ihl / 4);
	w16(o + 2, (uint16_t)(ihl + n));
	w16(o + 4, id);
	w16(o + 6, frag);
	o[8] = 64;
	o[9] = proto;
	memcpy(o + 12, src, 4);
	memcpy(o + 16, dst, 4);
	memset(o + 20, 1, optlen);
	memmove(o + ihl, pl, n);
	return ihl + n;
}

static size_t ip4(uint8_t *o, const uint8_t *src, const uint8_t *dst, uint8_t proto, const void *pl,
                  size_t n)
{
	return ip4_opts(o, src, dst, proto, 7, 0, 0, pl, n);
}

/* IPv6 whose payload (starting with next header nh) is pl. */
static size_t ip6(uint8_t *o, const uint8_t *src, const uint8_t *dst, uint8_t nh, const void *pl,
                  size_t n)
{
	memset(o, 0, 40);
	o[0] = 0x60;
	w16(o + 4, (uint16_t)n);
	o[6] = nh;
	o[7] = 64;
	memcpy(o + 8, src, 16);
	memcpy(o + 24, dst, 16);
	memmove(o + 40, pl, n);
	return 40 + n;
}

/* Link-layer framing of an IP packet for link type lt (variant picks a flavour). */
static size_t link_wrap(uint8_t *o, int lt, int variant, const uint8_t *ip, size_t n)
{
	size_t h = 0;
	bool v6 = ip[0] >> 4 == 6;
	switch (lt) {
	case 1:
		memset(o, 0, 12);
		o[5] = 1;
		o[11] = 2;
		h = 12;
		if (variant == 1) { /* 802.1Q */
			w16(o + h, 0x8100);
			w16(o + h + 2, 100);
			h += 4;
		} else if (variant == 2) { /* 802.1ad QinQ */
			w16(o + h, 0x88a8);
			w16(o + h + 2, 10);
			w16(o + h + 4, 0x8100);
			w16(o + h + 6, 20);
			h += 8;
		} else if (variant == 3) { /* pre-standard QinQ */
			w16(o + h, 0x9100);
			w16(o + h + 2, 10);
			h += 4;
		}
		w16(o + h, v6 ? 0x86dd : 0x0800);
		h += 2;
		break;
	case 113:
		memset(o, 0, 16);
		w16(o + 2, 1);
		w16(o + 14, v6 ? 0x86dd : 0x0800);
		h = 16;
		break;
	case 276:
		memset(o, 0, 20);
		w16(o, v6 ? 0x86dd : 0x0800);
		h = 20;
		break;
	case 0:
	case 108: {
		/* family word: variant 0 little-endian, 1 big-endian; AF_INET6 by variant */
		static const uint32_t af6[] = {24, 28, 30, 10};
		uint32_t fam = v6 ? af6[(variant >> 1) % 4] : 2;
		if (variant & 1 || lt == 108)
			w32(o, fam);
		else
			o[0] = (uint8_t)fam, o[1] = 0, o[2] = 0, o[3] = 0;
		h = 4;
		break;
	}
	default: break; /* raw */
	}
	memmove(o + h, ip, n);
	return h + n;
}

/* ---- capture files --------------------------------------------------------------------- */

struct capf {
	char path[64];
	FILE *f;
	bool be, ns;
};

static void wr32(struct capf *c, uint32_t v)
{
	uint8_t b[4];
	if (c->be)
		w32(b, v);
	else
		b[0] = (uint8_t)v, b[1] = (uint8_t)(v >> 8), b[2] = (uint8_t)(v >> 16),
		b[3] = (uint8_t)(v >> 24);
	fwrite(b, 1, 4, c->f);
}

static void wr16(struct capf *c, uint16_t v)
{
	uint8_t b[2];
	if (c->be)
		w16(b, v);
	else
		b[0] = (uint8_t)v, b[1] = (uint8_t)(v >> 8);
	fwrite(b, 1, 2, c->f);
}

static void tmpname(char *path)
{
	strcpy(path, "/tmp/sk_capture_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}

static void pcap_open(struct capf *c, uint32_t lt)
{
	tmpname(c->path);
	c->f = fopen(c->path, "wb");
	assert_non_null(c->f);
	wr32(c, c->ns ? 0xa1b23c4d : 0xa1b2c3d4);
	wr16(c, 2);
	wr16(c, 4);
	wr32(c, 0);
	wr32(c, 0);
	wr32(c, 65535);
	wr32(c, lt);
}

static void pcap_add(struct capf *c, int64_t ts_us, const uint8_t *fr, size_t caplen, size_t len)
{
	wr32(c, (uint32_t)(ts_us / 1000000));
	wr32(c, (uint32_t)(ts_us % 1000000) * (c->ns ? 1000 : 1));
	wr32(c, (uint32_t)caplen);
	wr32(c, (uint32_t)len);
	fwrite(fr, 1, caplen, c->f);
}

static void capf_close(struct capf *c)
{
	assert_int_equal(fclose(c->f), 0);
}

/* ---- reading ---------------------------------------------------------------------------- */

#define GOT_MAX 64

struct got {
	size_t n;
	struct sk_trace_pkt p[GOT_MAX];
	char *data[GOT_MAX];
	int rc;
	uint64_t err_frame;
	char err[256];
	struct sk_trace_reader_stats st;
	enum sk_trace_format fmt;
	uint64_t done, total;
};

static void drain(struct sk_trace_reader *r, struct got *g)
{
	struct sk_trace_pkt pkt;
	int rc;
	memset(g, 0, sizeof(*g));
	g->fmt = sk_trace_reader_format(r);
	while ((rc = sk_trace_reader_next(r, &pkt)) == 1) {
		assert_true(g->n < GOT_MAX);
		g->p[g->n] = pkt;
		g->data[g->n] = malloc(pkt.len + 1);
		assert_non_null(g->data[g->n]);
		memcpy(g->data[g->n], pkt.data, pkt.len);
		g->data[g->n][pkt.len] = '\0';
		g->p[g->n].data = g->data[g->n];
		g->n++;
	}
	g->rc = rc;
	/* the end is sticky */
	assert_int_equal(sk_trace_reader_next(r, &pkt), rc);
	const char *e = sk_trace_reader_error(r, &g->err_frame);
	if (rc < 0)
		assert_non_null(e);
	else
		assert_null(e);
	snprintf(g->err, sizeof(g->err), "%s", e ? e : "");
	g->st = sk_trace_reader_stats(r);
	sk_trace_reader_progress(r, &g->done, &g->total);
	sk_trace_reader_free(r);
}

static void read_path(const char *path, const struct sk_trace_reader_config *cfg, struct got *g)
{
	struct sk_trace_reader *r;
	char err[256];
	int rc = sk_trace_reader_open(&r, path, cfg, err, sizeof(err));
	if (rc != 0)
		fail_msg("open %s: %s", path, err);
	drain(r, g);
}

static void read_capf(struct capf *c, const struct sk_trace_reader_config *cfg, struct got *g)
{
	read_path(c->path, cfg, g);
	unlink(c->path);
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->data[i]);
	g->n = 0;
}

static void expect_msg(const struct got *g, size_t i, const char *text, uint64_t frame,
                       int64_t ts_us, enum sk_trace_proto proto)
{
	if (i >= g->n)
		fail_msg("message %zu expected, only %zu", i, g->n);
	assert_str_view(((struct sk_str){g->p[i].data, g->p[i].len}), text);
	assert_int_equal(g->p[i].frame, frame);
	assert_int_equal(g->p[i].ts_us, ts_us);
	assert_int_equal(g->p[i].proto, proto);
}

static void expect_addr(const struct sk_trace_addr *a, const char *text)
{
	char buf[64];
	sk_trace_addr_print(a, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

/* A capture of frames of link type lt, each an IP packet, read back. */
static uint8_t frame_buf[140000], ip_buf[140000], l4_buf[140000];

/* ---- link types ------------------------------------------------------------------------- */

static void one_link(int lt, int variant, bool v6)
{
	struct capf c = {0};
	struct got g;
	size_t n = udp_hdr(l4_buf, 5060, 5070, INV, strlen(INV));
	n = v6 ? ip6(ip_buf, A6, B6, 17, l4_buf, n) : ip4(ip_buf, A4, B4, 17, l4_buf, n);
	n = link_wrap(frame_buf, lt, variant, ip_buf, n);
	pcap_open(&c, (uint32_t)lt);
	pcap_add(&c, 1700000000123456, frame_buf, n, n);
	capf_close(&c);
	read_capf(&c, NULL, &g);
	if (g.n != 1)
		fail_msg("link type %d variant %d v6 %d: %zu messages (%s)", lt, variant, v6, g.n,
		         g.err);
	expect_msg(&g, 0, INV, 1, 1700000000123456, SK_TRACE_UDP);
	expect_addr(&g.p[0].src, v6 ? "[2001:db8::1]:5060" : "192.0.2.1:5060");
	expect_addr(&g.p[0].dst, v6 ? "[2001:db8::2]:5070" : "192.0.2.2:5070");
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.st.frames, 1);
	assert_int_equal(g.st.messages, 1);
	assert_int_equal(g.st.not_sip, 0);
	assert_int_equal(g.fmt, SK_TRACE_FMT_PCAP);
	got_free(&g);
}

static void test_link_types(void **state)
{
	(void)state;
	for (int v6 = 0; v6 < 2; v6++) {
		for (int variant = 0; variant < 4; variant++)
			one_link(1, variant, v6); /* Ethernet, 802.1Q, 802.1ad, QinQ 0x9100 */
		one_link(113, 0, v6);             /* Linux cooked */
		one_link(276, 0, v6);             /* Linux cooked v2 */
		one_link(101, 0, v6);             /* LINKTYPE_RAW */
		one_link(12, 0, v6);              /* DLT_RAW */
		one_link(14, 0, v6);              /* DLT_RAW on OpenBSD */
		for (int variant = 0; variant < 8; variant++)
			one_link(0, variant,
			         v6); /* BSD loopback, both orders, AF_INET6 24/28/30/10 */
		one_link(108, 0, v6); /* OpenBSD loopback, network order */
		one_link(v6 ? 229 : 228, 0, v6); /* raw IPv4 / raw IPv6 */
	}
}

/* Classic pcap in both byte orders, microsecond and nanosecond. */
static void test_pcap_variants(void **state)
{
	(void)state;
	struct got g;
	for (int v = 0; v < 4; v++) {
		struct capf c = {.ns = v & 1, .be = (v & 2) != 0};
		size_t n = udp_hdr(l4_buf, 5060, 5060, INV, strlen(INV));
		n = link_wrap(frame_buf, 1, 0, ip_buf, ip4(ip_buf, A4, B4, 17, l4_buf, n));
		pcap_open(&c, 1);
		pcap_add(&c, 1700000000654321, frame_buf, n, n);
		capf_close(&c);
		read_capf(&c, NULL, &g);
		assert_int_equal(g.n, 1);
		expect_msg(&g, 0, INV, 1, 1700000000654321, SK_TRACE_UDP);
		got_free(&g);
	}
}

static void test_unsupported_link_type(void **state)
{
	(void)state;
	struct capf c = {0};
	struct sk_trace_reader *r;
	char err[256];
	pcap_open(&c, 147); /* LINKTYPE_USER0 */
	capf_close(&c);
	assert_int_equal(sk_trace_reader_open(&r, c.path, NULL, err, sizeof(err)), -SK_EIO);
	assert_non_null(strstr(err, "link type 147"));
	unlink(c.path);
}

/* IPv4 options, IPv6 extension headers, bytes after the IP packet, atomic fragments. */
static void test_ip_headers(void **state)
{
	(void)state;
	struct capf c = {0};
	struct got g;
	size_t n, u = udp_hdr(l4_buf, 5060, 5060, RING, strlen(RING));

	pcap_open(&c, 1);
	/* 1: IPv4 with 8 bytes of options, and an Ethernet FCS after the packet */
	n = ip4_opts(ip_buf, A4, B4, 17, 1, 0, 8, l4_buf, u);
	n = link_wrap(frame_buf, 1, 0, ip_buf, n);
	memset(frame_buf + n, 0xee, 4);
	pcap_add(&c, 1000000, frame_buf, n + 4, n + 4);
	/* 2: IPv6, hop-by-hop, routing and destination options, then UDP */
	uint8_t ext[40 + 512] = {0};
	ext[0] = 43; /* hop-by-hop (8 bytes) -> routing */
	ext[1] = 0;
	ext[8] = 60; /* routing (24 bytes) -> destination options */
	ext[9] = 2;
	ext[32] = 17; /* destination options (8 bytes) -> UDP */
	ext[33] = 0;
	memcpy(ext + 40, l4_buf, u);
	n = ip6(ip_buf, A6, B6, 0, ext, 40 + u);
	n = link_wrap(frame_buf, 1, 0, ip_buf, n);
	pcap_add(&c, 2000000, frame_buf, n, n);
	/* 3: IPv6 atomic fragment (offset 0, M 0: RFC 6946) */
	uint8_t fh[8 + 512] = {17, 0, 0, 0, 0, 0, 0, 9};
	memcpy(fh + 8, l4_buf, u);
	n = ip6(ip_buf, A6, B6, 44, fh, 8 + u);
	n = link_wrap(frame_buf, 1, 0, ip_buf, n);
	pcap_add(&c, 3000000, frame_buf, n, n);
	/* 4: IPv6 with no next header (59): not SIP */
	n = ip6(ip_buf, A6, B6, 59, "", 0);
	w16(ip_buf + 4, 0);
	n = link_wrap(frame_buf, 1, 0, ip_buf, n);
	pcap_add(&c, 4000000, frame_buf, n, n);
	/* 5: ARP: not SIP */
	memset(frame_buf, 0, 42);
	w16(frame_buf + 12, 0x0806);
	pcap_add(&c, 5000000, frame_buf, 42, 42);
	/* 6: ICMP: not SIP */
	n = ip4(ip_buf, A4, B4, 1, "\x08\0\0\0\0\0\0\0", 8);
	n = link_wrap(frame_buf, 1, 0, ip_buf, n);
	pcap_add(&c, 6000000, frame_buf, n, n);
	capf_close(&c);
	read_capf(&c, NULL, &g);
	assert_int_equal(g.n, 3);
	expect_msg(&g, 0, RING, 1, 1000000, SK_TRACE_UDP);
	expect_msg(&g, 1, RING, 2, 2000000, SK_TRACE_UDP);
	expect_addr(&g.p[1].src, "[2001:db8::1]:5060");
	expect_msg(&g, 2, RING, 3, 3000000, SK_TRACE_UDP);
	/* the IP identification, what tells a packet captured twice from a retransmission */
	assert_true(g.p[0].has_ip_id);
	assert_int_equal(g.p[0].ip_id, 1);
	assert_false(g.p[1].has_ip_id); /* IPv6 without a fragment header has none */
	assert_int_equal(g.st.frames, 6);
	assert_int_equal(g.st.not_sip, 3);
	assert_int_equal(g.st.fragments, 0);
	got_free(&g);
}

/* ---- IP fragments --------------------------------------------------------------------- */

/* An IPv4 fragment of the UDP datagram dg (off, len in bytes) as an Ethernet frame. */
static void add_frag4(struct capf *c, int64_t ts, const uint8_t *dg, size_t dglen, size_t off,
                      size_t len, uint16_t id)
{
	bool more = off + len < dglen;
	size_t n = ip4_opts(ip_buf, A4, B4, 17, id, (uint16_t)((more ? 0x2000 : 0) | off / 8), 0,
	                    dg + off, len);
	n = link_wrap(frame_buf, 1, 0, ip_buf, n);
	pcap_add(c, ts, frame_buf, n, n);
}

static void add_frag6(struct capf *c, int64_t ts, const uint8_t *dg, size_t dglen, size_t off,
                      size_t len, uint32_t id)
{
	static uint8_t fh[70000];
	bool more = off + len < dglen;
	fh[0] = 17;
	fh[1] = 0;
	w16(fh + 2, (uint16_t)(off | (more ? 1 : 0)));
	w32(fh + 4, id);
	memcpy(fh + 8, dg + off, len);
	size_t n = ip6(ip_buf, A6, B6, 44, fh, 8 + len);
	n = link_wrap(frame_buf, 1, 0, ip_buf, n);
	pcap_add(c, ts, frame_buf, n, n);
}

static void test_ipv4_fragments(void **state)
{
	(void)state;
	static uint8_t dg[4000];
	char *msg = big_msg(3000, 'f');
	size_t dl = udp_hdr(dg, 5060, 5060, msg, 3000); /* 3008 bytes: 1480 + 1480 + 48 */
	struct capf c = {0};
	struct got g;

	/* in order, reversed, overlapping, duplicated: each completes once */
	pcap_open(&c, 1);
	add_frag4(&c, 1000, dg, dl, 0, 1480, 1);
	add_frag4(&c, 2000, dg, dl, 1480, 1480, 1);
	add_frag4(&c, 3000, dg, dl, 2960, 48, 1); /* frame 3 completes it */
	add_frag4(&c, 4000, dg, dl, 2960, 48, 2);
	add_frag4(&c, 5000, dg, dl, 1480, 1480, 2);
	add_frag4(&c, 6000, dg, dl, 0, 1480, 2); /* frame 6 */
	add_frag4(&c, 7000, dg, dl, 0, 1480, 3);
	add_frag4(&c, 8000, dg, dl, 1000, 1960, 3); /* overlaps both neighbours */
	add_frag4(&c, 9000, dg, dl, 2960, 48, 3);   /* frame 9: complete */
	add_frag4(&c, 10000, dg, dl, 0, 1480, 4);
	add_frag4(&c, 11000, dg, dl, 0, 1480, 4); /* a duplicate */
	add_frag4(&c, 12000, dg, dl, 2960, 48, 4);
	add_frag4(&c, 13000, dg, dl, 1480, 1480, 4); /* frame 13 */
	add_frag4(&c, 14000, dg, dl, 1480, 1480, 4); /* after completion: a new, lone fragment */
	/* one missing: never completes */
	add_frag4(&c, 15000, dg, dl, 0, 1480, 5);
	add_frag4(&c, 16000, dg, dl, 2960, 48, 5);
	/* a non-last fragment of a length that is not a multiple of 8 */
	add_frag4(&c, 17000, dg, dl, 0, 1001, 6);
	capf_close(&c);
	read_capf(&c, NULL, &g);
	assert_int_equal(g.n, 4);
	expect_msg(&g, 0, msg, 3, 3000, SK_TRACE_UDP);
	expect_msg(&g, 1, msg, 6, 6000, SK_TRACE_UDP);
	expect_msg(&g, 2, msg, 9, 9000, SK_TRACE_UDP);
	expect_msg(&g, 3, msg, 13, 13000, SK_TRACE_UDP);
	expect_addr(&g.p[3].src, "192.0.2.1:5060");
	assert_int_equal(g.st.frames, 17);
	assert_int_equal(g.st.fragments, 17);
	assert_int_equal(g.st.reassembled, 4);
	/* the misshapen fragment; at the end, datagram 5 and the lone fragment of 4 are not
	 * forgotten: they are counted as never completed */
	assert_int_equal(g.st.skipped[SK_TRACE_SKIP_MALFORMED], 1);
	assert_int_equal(g.st.skipped[SK_TRACE_SKIP_FRAGMENT_MISSING], 2);
	assert_int_equal(g.st.dropped, 2);
	assert_int_equal(g.rc, 0);
	got_free(&g);
	free(msg);
}

static void test_ipv6_fragments(void **state)
{
	(void)state;
	static uint8_t dg[4000];
	char *msg = big_msg(3000, 's');
	size_t dl = udp_hdr(dg, 5060, 5062, msg, 3000); /* 3008 = 1448 + 1448 + 112 */
	struct capf c = {0};
	struct got g;

	pcap_open(&c, 1);
	add_frag6(&c, 1000, dg, dl, 0, 1448, 0x10000001);
	add_frag6(&c, 2000, dg, dl, 1448, 1448, 0x10000001);
	add_frag6(&c, 3000, dg, dl, 2896, 112, 0x10000001); /* frame 3 */
	add_frag6(&c, 4000, dg, dl, 2896, 112, 2);
	add_frag6(&c, 5000, dg, dl, 2896, 112, 2); /* an exact duplicate is ignored */
	add_frag6(&c, 6000, dg, dl, 1448, 1448, 2);
	add_frag6(&c, 7000, dg, dl, 0, 1448, 2); /* frame 7 */
	/* overlapping IPv6 fragments void the datagram (RFC 5722) */
	add_frag6(&c, 8000, dg, dl, 0, 1448, 3);
	add_frag6(&c, 9000, dg, dl, 1440, 1448, 3);
	add_frag6(&c, 10000, dg, dl, 2896, 112, 3);
	add_frag6(&c, 11000, dg, dl, 1448, 1448, 3); /* starts a new one, never complete */
	capf_close(&c);
	read_capf(&c, NULL, &g);
	assert_int_equal(g.n, 2);
	expect_msg(&g, 0, msg, 3, 3000, SK_TRACE_UDP);
	expect_msg(&g, 1, msg, 7, 7000, SK_TRACE_UDP);
	expect_addr(&g.p[1].src, "[2001:db8::1]:5060");
	expect_addr(&g.p[1].dst, "[2001:db8::2]:5062");
	assert_true(g.p[0].has_ip_id && g.p[1].has_ip_id); /* the fragment header's */
	assert_int_equal(g.p[0].ip_id, 0x10000001);
	assert_int_equal(g.p[1].ip_id, 2);
	assert_int_equal(g.st.fragments, 11);
	assert_int_equal(g.st.reassembled, 2);
	assert_int_equal(g.st.dropped, 1);
	got_free(&g);
	free(msg);
}

static void test_fragment_limits(void **state)
{
	(void)state;
	static uint8_t dg[4000];
	char *msg = big_msg(3000, 'e');
	size_t dl = udp_hdr(dg, 5060, 5060, msg, 3000);
	struct capf c = {0};
	struct got g;

	/* expiry: the rest comes 31 s after the first fragment */
	pcap_open(&c, 1);
	add_frag4(&c, 0, dg, dl, 0, 1480, 1);
	add_frag4(&c, 31000000, dg, dl, 1480, 1480, 1);
	add_frag4(&c, 31000001, dg, dl, 2960, 48, 1);
	/* the same within 30 s completes */
	add_frag4(&c, 40000000, dg, dl, 0, 1480, 2);
	add_frag4(&c, 69000000, dg, dl, 1480, 1480, 2);
	add_frag4(&c, 70000000, dg, dl, 2960, 48, 2);
	capf_close(&c);
	read_capf(&c, NULL, &g);
	assert_int_equal(g.n, 1);
	expect_msg(&g, 0, msg, 6, 70000000, SK_TRACE_UDP);
	/* the first, and at frame 5 the one frame 2 started */
	assert_int_equal(g.st.dropped, 2);
	got_free(&g);

	/* budget: room for one datagram in reassembly; a second one evicts the first */
	struct sk_trace_reader_config cfg = {.max_frag_bytes = 6000};
	pcap_open(&c, 1);
	add_frag4(&c, 1, dg, dl, 0, 1480, 1);
	add_frag4(&c, 2, dg, dl, 0, 1480, 2);
	add_frag4(&c, 3, dg, dl, 1480, 1480, 2); /* no room for both: 1 is given up */
	add_frag4(&c, 4, dg, dl, 2960, 48, 2);   /* 2 completes */
	add_frag4(&c, 5, dg, dl, 2960, 48, 1);   /* starts 1 anew */
	capf_close(&c);
	read_capf(&c, &cfg, &g);
	assert_int_equal(g.n, 1);
	expect_msg(&g, 0, msg, 4, 4, SK_TRACE_UDP);
	assert_int_equal(g.st.skipped[SK_TRACE_SKIP_OVER_LIMIT], 1);
	assert_int_equal(g.st.skipped[SK_TRACE_SKIP_FRAGMENT_MISSING], 1); /* 1, started anew */
	assert_int_equal(g.st.dropped, 2);
	got_free(&g);

	/* a budget smaller than one datagram's record: every fragment is dropped (and counted),
	 * unfragmented datagrams still come through */
	cfg.max_frag_bytes = 100;
	pcap_open(&c, 1);
	add_frag4(&c, 1, dg, dl, 0, 1480, 1);
	add_frag4(&c, 2, dg, dl, 1480, 1480, 1);
	add_frag4(&c, 3, dg, dl, 2960, 48, 1);
	static uint8_t whole[1024];
	size_t wl = udp_hdr(whole, 5060, 5060, INV, strlen(INV));
	add_frag4(&c, 4, whole, wl, 0, wl, 9); /* offset 0, no more fragments: not a fragment */
	capf_close(&c);
	read_capf(&c, &cfg, &g);
	assert_int_equal(g.n, 1);
	expect_msg(&g, 0, INV, 4, 4, SK_TRACE_UDP);
	assert_int_equal(g.st.fragments, 3);
	assert_int_equal(g.st.reassembled, 0);
	assert_int_equal(g.st.dropped, 3);
	got_free(&g);
	free(msg);
}

/* ---- TCP ---------------------------------------------------------------------------------- */

struct tcpw {
	struct capf c;
	int64_t ts;
	bool v6;
};

static void seg(struct tcpw *t, const uint8_t *src, const uint8_t *dst, uint16_t sp, uint16_t dp,
                uint32_t seq, uint8_t flags, const void *d, size_t n)
{
	size_t k = tcp_hdr(l4_buf, sp, dp, seq, flags, d, n);
	if (t->v6)
		k = ip6(ip_buf, src, dst, 6, l4_buf, k);
	else
		k = ip4(ip_buf, src, dst, 6, l4_buf, k);
	k = link_wrap(frame_buf, 1, 0, ip_buf, k);
	t->ts += 1000;
	pcap_add(&t->c, t->ts, frame_buf, k, k);
}

/* A to B, ports 40000 -> 5060 */
static void ab(struct tcpw *t, uint32_t seq, uint8_t flags, const void *d, size_t n)
{
	seg(t, t->v6 ? A6 : A4, t->v6 ? B6 : B4, 40000, 5060, seq, flags, d, n);
}

static void test_tcp_segments(void **state)
{
	(void)state;
	struct tcpw t = {0};
	struct got g;
	char three[1024];
	size_t lc = strlen(CANCEL_BODY);

	/* SYN, then three messages in one segment with keep-alives between */
	snprintf(three, sizeof(three), "%s" CRLF CRLF "%s%s", INV, RING, CANCEL_BODY);
	size_t l3 = strlen(three);
	pcap_open(&t.c, 1);
	ab(&t, 999, F_SYN, NULL, 0);            /* 1 */
	ab(&t, 1000, F_ACK | F_PSH, three, l3); /* 2: three messages */
	/* one message over three segments: it is frame 5's */
	ab(&t, 1000 + (uint32_t)l3, F_ACK, CANCEL_BODY, 10);                /* 3 */
	ab(&t, 1000 + (uint32_t)l3 + 10, F_ACK, CANCEL_BODY + 10, 40);      /* 4 */
	ab(&t, 1000 + (uint32_t)l3 + 50, F_ACK, CANCEL_BODY + 50, lc - 50); /* 5 */
	ab(&t, 1000 + (uint32_t)(l3 + lc), F_FIN | F_ACK, NULL, 0);         /* 6 */
	capf_close(&t.c);
	read_capf(&t.c, NULL, &g);
	assert_int_equal(g.n, 4);
	expect_msg(&g, 0, INV, 2, 2000, SK_TRACE_TCP);
	expect_msg(&g, 1, RING, 2, 2000, SK_TRACE_TCP);
	expect_msg(&g, 2, CANCEL_BODY, 2, 2000, SK_TRACE_TCP);
	expect_msg(&g, 3, CANCEL_BODY, 5, 5000, SK_TRACE_TCP);
	expect_addr(&g.p[3].src, "192.0.2.1:40000");
	expect_addr(&g.p[3].dst, "192.0.2.2:5060");
	assert_int_equal(g.st.tcp_retrans, 0);
	assert_int_equal(g.st.tcp_gaps, 0);
	assert_int_equal(g.st.dropped, 0);
	got_free(&g);
}

static void test_tcp_reorder_retrans_overlap(void **state)
{
	(void)state;
	struct tcpw t = {0};
	struct got g;
	size_t li = strlen(INV), lr = strlen(RING);
	uint32_t s = 5000;

	for (int v6 = 0; v6 < 2; v6++) {
		memset(&t, 0, sizeof(t));
		t.v6 = v6;
		pcap_open(&t.c, 1);
		ab(&t, s - 1, F_SYN, NULL, 0);                /* 1 */
		ab(&t, s + (uint32_t)li, F_ACK, RING, lr);    /* 2: early */
		ab(&t, s + 20, F_ACK, INV + 20, li - 20);     /* 3: early too */
		ab(&t, s + (uint32_t)li, F_ACK, RING, lr);    /* 4: held already */
		ab(&t, s, F_ACK, INV, 30);                    /* 5: fills, overlaps 3 */
		ab(&t, s, F_ACK, INV, li);                    /* 6: a retransmission */
		ab(&t, s + (uint32_t)li - 5, F_ACK, NULL, 0); /* 7: an ACK */
		ab(&t, s + (uint32_t)(li + lr) - 10, F_ACK, RING + lr - 10, 10); /* 8: old */
		ab(&t, s + (uint32_t)(li + lr), F_ACK, NULL, 0);                 /* 9: an ACK */
		/* a segment half old, half new: the new half is a message */
		char both[512];
		memcpy(both, RING + lr - 8, 8);
		memcpy(both + 8, CANCEL_BODY, strlen(CANCEL_BODY));
		ab(&t, s + (uint32_t)(li + lr) - 8, F_ACK, both, 8 + strlen(CANCEL_BODY)); /* 10 */
		capf_close(&t.c);
		read_capf(&t.c, NULL, &g);
		assert_int_equal(g.n, 3);
		/* both completed by frame 5, which filled the hole */
		expect_msg(&g, 0, INV, 5, 5000, SK_TRACE_TCP);
		expect_msg(&g, 1, RING, 5, 5000, SK_TRACE_TCP);
		expect_msg(&g, 2, CANCEL_BODY, 10, 10000, SK_TRACE_TCP);
		/* 4 (held already), 5 (overlap with 3 when drained), 6, 8, 10 */
		assert_int_equal(g.st.tcp_retrans, 5);
		assert_int_equal(g.st.tcp_gaps, 0);
		got_free(&g);
	}
}

static void test_tcp_midstream_and_gap(void **state)
{
	(void)state;
	struct tcpw t = {0};
	struct got g;
	size_t li = strlen(INV), lr = strlen(RING), lc = strlen(CANCEL_BODY);
	uint32_t s = 70000;

	pcap_open(&t.c, 1);
	/* no SYN: the capture starts in the middle of the INVITE */
	ab(&t, s, F_ACK, INV + 40, li - 40);              /* 1: tail of a message */
	ab(&t, s + (uint32_t)(li - 40), F_ACK, RING, lr); /* 2: a whole one */
	s += (uint32_t)(li - 40 + lr);
	/* a lost segment: the first 30 bytes of a 180 never come */
	ab(&t, s + 30, F_ACK, RING + 30, lr - 30);               /* 3: after the hole */
	ab(&t, s + (uint32_t)lr, F_ACK, INV, li);                /* 4 */
	ab(&t, s + (uint32_t)(lr + li), F_ACK, CANCEL_BODY, lc); /* 5 */
	capf_close(&t.c);
	read_capf(&t.c, NULL, &g);
	/* the 180 of frame 2; at the end the hole is given up: INVITE and CANCEL after it */
	assert_int_equal(g.n, 3);
	expect_msg(&g, 0, RING, 2, 2000, SK_TRACE_TCP);
	expect_msg(&g, 1, INV, 4, 4000, SK_TRACE_TCP);
	expect_msg(&g, 2, CANCEL_BODY, 5, 5000, SK_TRACE_TCP);
	assert_int_equal(g.st.tcp_gaps, 1);
	got_free(&g);

	/* a gap given up because the stream's budget is full */
	struct sk_trace_reader_config cfg = {.max_stream_buf = 1024};
	memset(&t, 0, sizeof(t));
	s = 1;
	pcap_open(&t.c, 1);
	ab(&t, s - 1, F_SYN, NULL, 0);     /* 1 */
	ab(&t, s, F_ACK, CANCEL_BODY, 20); /* 2 */
	/* bytes 20..lc lost; then more messages than the budget holds while waiting */
	uint32_t q = s + (uint32_t)lc;
	for (int i = 0; i < 12; i++) {
		ab(&t, q, F_ACK, INV, li); /* 3..14 */
		q += (uint32_t)li;
	}
	capf_close(&t.c);
	read_capf(&t.c, &cfg, &g);
	assert_int_equal(g.n, 12);
	for (size_t i = 0; i < 12; i++)
		assert_str_view(((struct sk_str){g.p[i].data, g.p[i].len}), INV);
	/* the held ones came out when the budget ran out, the rest each in its frame */
	assert_true(g.p[0].frame > 3 && g.p[0].frame < 14);
	assert_int_equal(g.p[11].frame, 14);
	assert_int_equal(g.st.tcp_gaps, 1);
	got_free(&g);
}

static void test_tcp_not_sip(void **state)
{
	(void)state;
	struct tcpw t = {0};
	struct got g;
	static const char http[] = "GET / HTTP/1.1" CRLF "Host: example.com" CRLF CRLF;
	static char junk[6000];
	memset(junk, 'j', sizeof(junk));
	for (size_t i = 0; i < sizeof(junk); i += 100)
		junk[i] = '\n';

	struct sk_trace_reader_config cfg = {.max_message = 4096};
	pcap_open(&t.c, 1);
	ab(&t, 0, F_SYN, NULL, 0);
	ab(&t, 1, F_ACK, http, strlen(http));                        /* not SIP at once */
	ab(&t, 1 + (uint32_t)strlen(http), F_ACK, INV, strlen(INV)); /* dropped unread */
	/* a stream seen from its middle: junk for more than max_message bytes */
	seg(&t, B4, A4, 80, 40001, 12345, F_ACK, junk, sizeof(junk));
	seg(&t, B4, A4, 80, 40001, 12345 + sizeof(junk), F_ACK, INV, strlen(INV));
	/* a SIP stream next to them */
	seg(&t, C4, B4, 40002, 5060, 77, F_SYN, NULL, 0);
	seg(&t, C4, B4, 40002, 5060, 78, F_ACK, INV, strlen(INV));
	capf_close(&t.c);
	read_capf(&t.c, &cfg, &g);
	assert_int_equal(g.n, 1);
	expect_msg(&g, 0, INV, 7, 7000, SK_TRACE_TCP);
	expect_addr(&g.p[0].src, "192.0.2.3:40002");
	assert_int_equal(g.st.not_sip, 2);
	got_free(&g);
}

static void test_tcp_wraparound(void **state)
{
	(void)state;
	struct tcpw t = {0};
	struct got g;
	size_t li = strlen(INV), lr = strlen(RING);
	uint32_t s = 0xffffffffu - 100; /* the INVITE crosses 2^32 */

	pcap_open(&t.c, 1);
	ab(&t, s - 1, F_SYN, NULL, 0);
	ab(&t, s + 50, F_ACK, INV + 50, li - 50);  /* early, across the wrap */
	ab(&t, s, F_ACK, INV, 50);                 /* fills */
	ab(&t, s + (uint32_t)li, F_ACK, RING, lr); /* past the wrap: seq is small */
	ab(&t, s + (uint32_t)li, F_ACK, RING, lr); /* retransmitted */
	ab(&t, s + (uint32_t)(li + lr), F_FIN | F_ACK, NULL, 0);
	ab(&t, s + (uint32_t)li, F_ACK, RING, lr); /* after the FIN: old */
	capf_close(&t.c);
	read_capf(&t.c, NULL, &g);
	assert_int_equal(g.n, 2);
	expect_msg(&g, 0, INV, 3, 3000, SK_TRACE_TCP);
	expect_msg(&g, 1, RING, 4, 4000, SK_TRACE_TCP);
	assert_int_equal(g.st.tcp_retrans, 2);
	assert_int_equal(g.st.tcp_gaps, 0);
	got_free(&g);
}

/* RST ends a stream (a message cut by it is lost); a new SYN on the same ports starts anew. */
static void test_tcp_rst_and_reuse(void **state)
{
	(void)state;
	struct tcpw t = {0};
	struct got g;
	size_t li = strlen(INV), lr = strlen(RING);

	pcap_open(&t.c, 1);
	ab(&t, 100, F_SYN, NULL, 0);                           /* 1 */
	ab(&t, 101, F_ACK, INV, li);                           /* 2 */
	ab(&t, 101 + (uint32_t)li, F_ACK, RING, 20);           /* 3: half a 180 */
	ab(&t, 121 + (uint32_t)li, F_RST, NULL, 0);            /* 4: reset */
	ab(&t, 121 + (uint32_t)li, F_ACK, RING + 20, lr - 20); /* 5: after the reset */
	ab(&t, 900000, F_SYN, NULL, 0);                        /* 6: a new connection */
	ab(&t, 900001, F_ACK, RING, lr);                       /* 7 */
	ab(&t, 900000, F_SYN, NULL, 0);                        /* 8: its SYN again */
	ab(&t, 900001 + (uint32_t)lr, F_ACK | F_FIN, CANCEL_BODY, strlen(CANCEL_BODY)); /* 9 */
	capf_close(&t.c);
	read_capf(&t.c, NULL, &g);
	assert_int_equal(g.n, 3);
	expect_msg(&g, 0, INV, 2, 2000, SK_TRACE_TCP);
	expect_msg(&g, 1, RING, 7, 7000, SK_TRACE_TCP);
	expect_msg(&g, 2, CANCEL_BODY, 9, 9000, SK_TRACE_TCP);
	/* the half 180 (cut by the reset) and the data after the reset */
	assert_int_equal(g.st.skipped[SK_TRACE_SKIP_TRUNCATED], 1);
	assert_int_equal(g.st.skipped[SK_TRACE_SKIP_MALFORMED], 1);
	assert_int_equal(g.st.tcp_retrans, 1); /* the SYN again */
	got_free(&g);
}

static void test_tcp_max_streams(void **state)
{
	(void)state;
	struct tcpw t = {0};
	struct got g;
	size_t li = strlen(INV);
	struct sk_trace_reader_config cfg = {.max_streams = 2};

	pcap_open(&t.c, 1);
	/* three streams, each a message in two halves; only two are tracked at once */
	for (uint16_t i = 0; i < 3; i++)
		seg(&t, A4, B4, (uint16_t)(41000 + i), 5060, 100, F_ACK, INV, 30); /* 1, 2, 3 */
	for (uint16_t i = 0; i < 3; i++)
		seg(&t, A4, B4, (uint16_t)(41000 + i), 5060, 130, F_ACK, INV + 30,
		    li - 30); /* 4, 5, 6 */
	/* two more streams: the first in two halves, around the other */
	seg(&t, A4, C4, 42000, 5060, 1, F_ACK, INV, 30);            /* 7 */
	seg(&t, A4, B4, 43000, 5060, 1, F_ACK, INV, li);            /* 8: evicts nothing pending */
	seg(&t, A4, C4, 42000, 5060, 31, F_ACK, INV + 30, li - 30); /* 9 */
	capf_close(&t.c);
	read_capf(&t.c, &cfg, &g);
	/*
	 * Stream 41000 is evicted by 41002 (frame 3): its half message is dropped; frame 4 starts
	 * it again mid-message (resync finds nothing). Stream 41001 is evicted by frame 4, and
	 * so on: frames 5 and 6 find their streams gone. Only 42000 and 43000 deliver.
	 */
	assert_int_equal(g.n, 2);
	expect_msg(&g, 0, INV, 8, 8000, SK_TRACE_TCP);
	expect_msg(&g, 1, INV, 9, 9000, SK_TRACE_TCP);
	assert_true(g.st.dropped >= 3);
	got_free(&g);
}

static void test_tcp_framing_errors(void **state)
{
	(void)state;
	struct tcpw t = {0};
	struct got g;
	static const char nocl[] =
	    "OPTIONS sip:bob@example.com SIP/2.0" CRLF "Call-ID: x" CRLF CRLF;
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s%s", nocl, RING);

	pcap_open(&t.c, 1);
	ab(&t, 0, F_SYN, NULL, 0);
	ab(&t, 1, F_ACK, buf, strlen(buf));
	capf_close(&t.c);
	read_capf(&t.c, NULL, &g);
	/* the message without Content-Length comes out as it is (it will not parse) */
	assert_int_equal(g.n, 2);
	expect_msg(&g, 0, nocl, 2, 2000, SK_TRACE_TCP);
	expect_msg(&g, 1, RING, 2, 2000, SK_TRACE_TCP);
	got_free(&g);
}

/* ---- UDP recognition ----------------------------------------------------------------- */

static void add_udp(struct capf *c, int64_t ts, uint16_t sp, uint16_t dp, const void *d, size_t n)
{
	size_t k = udp_hdr(l4_buf, sp, dp, d, n);
	k = ip4(ip_buf, A4, B4, 17, l4_buf, k);
	k = link_wrap(frame_buf, 1, 0, ip_buf, k);
	pcap_add(c, ts, frame_buf, k, k);
}

static void udp_capture(struct capf *c)
{
	static const uint8_t dns[] = {0x12, 0x34, 0x01, 0x00, 0,   1, 0, 0, 0, 0, 0,
	                              0,    3,    'w',  'w',  'w', 0, 0, 1, 0, 1};
	static const char text[] = "hello, not SIP\r\n";
	char ka_inv[512];
	snprintf(ka_inv, sizeof(ka_inv), CRLF CRLF "%s", INV);

	pcap_open(c, 1);
	add_udp(c, 1, 5060, 5060, INV, strlen(INV));           /* 1 */
	add_udp(c, 2, 40000, 53, dns, sizeof(dns));            /* 2: DNS */
	add_udp(c, 3, 5060, 5060, CRLF CRLF, 4);               /* 3: keep-alive */
	add_udp(c, 4, 5060, 5060, text, strlen(text));         /* 4: text on 5060 */
	add_udp(c, 5, 5080, 5090, RING, strlen(RING));         /* 5: SIP on other ports */
	add_udp(c, 6, 5060, 5060, ka_inv, strlen(ka_inv));     /* 6: keep-alive, then SIP */
	add_udp(c, 7, 5060, 5060, "\x00\x01\x00\x00", 4);      /* 7: STUN-like on 5060 */
	add_udp(c, 8, 5060, 5060, "INVITE sip:x SIP/2.0", 20); /* 8: no line end */
	capf_close(c);
}

static void test_udp_recognition(void **state)
{
	(void)state;
	struct capf c = {0};
	struct got g;

	/* by content */
	udp_capture(&c);
	read_capf(&c, NULL, &g);
	assert_int_equal(g.n, 3);
	expect_msg(&g, 0, INV, 1, 1, SK_TRACE_UDP);
	expect_msg(&g, 1, RING, 5, 5, SK_TRACE_UDP);
	expect_msg(&g, 2, INV, 6, 6, SK_TRACE_UDP);
	assert_int_equal(g.st.not_sip, 4); /* 2, 4, 7, 8 */
	got_free(&g);

	/* by port: everything textual on 5060 is a candidate, nothing elsewhere */
	uint16_t ports[] = {5061, 5060};
	struct sk_trace_reader_config cfg = {.ports = ports, .nports = 2};
	udp_capture(&c);
	read_capf(&c, &cfg, &g);
	assert_int_equal(g.n, 4);
	expect_msg(&g, 0, INV, 1, 1, SK_TRACE_UDP);
	expect_msg(&g, 1, "hello, not SIP\r\n", 4, 4, SK_TRACE_UDP);
	expect_msg(&g, 2, INV, 6, 6, SK_TRACE_UDP);
	expect_msg(&g, 3, "INVITE sip:x SIP/2.0", 8, 8, SK_TRACE_UDP);
	assert_int_equal(g.st.not_sip, 3); /* 2 and 5 (ports), 7 (binary) */
	got_free(&g);
}

/* ---- pcapng --------------------------------------------------------------------------------- */

struct ng {
	struct capf c;
};

static void ng_block(struct capf *c, uint32_t type, const uint8_t *body, size_t n)
{
	static const uint8_t pad[4] = {0};
	size_t padded = (n + 3) & ~(size_t)3;
	wr32(c, type);
	wr32(c, (uint32_t)(12 + padded));
	fwrite(body, 1, n, c->f);
	fwrite(pad, 1, padded - n, c->f);
	wr32(c, (uint32_t)(12 + padded));
}

static void put32x(const struct capf *c, uint8_t *p, uint32_t v)
{
	if (c->be)
		w32(p, v);
	else
		p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
		p[3] = (uint8_t)(v >> 24);
}

static void put16x(const struct capf *c, uint8_t *p, uint16_t v)
{
	if (c->be)
		w16(p, v);
	else
		p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

static void ng_shb(struct capf *c)
{
	uint8_t b[16];
	put32x(c, b, 0x1a2b3c4d);
	put16x(c, b + 4, 1);
	put16x(c, b + 6, 0);
	memset(b + 8, 0xff, 8);
	ng_block(c, 0x0a0d0d0a, b, sizeof(b));
}

static void ng_idb(struct capf *c, uint16_t lt, int tsresol)
{
	uint8_t b[20] = {0};
	size_t n = 8;
	put16x(c, b, lt);
	put32x(c, b + 4, 65535);
	if (tsresol >= 0) {
		put16x(c, b + 8, 9); /* if_tsresol */
		put16x(c, b + 10, 1);
		b[12] = (uint8_t)tsresol;
		n = 16; /* then opt_endofopt */
	}
	ng_block(c, 1, b, n + (tsresol >= 0 ? 4 : 0));
}

static void ng_epb(struct capf *c, uint32_t ifc, uint64_t ts, const uint8_t *d, size_t n)
{
	static uint8_t b[70000];
	put32x(c, b, ifc);
	put32x(c, b + 4, (uint32_t)(ts >> 32));
	put32x(c, b + 8, (uint32_t)ts);
	put32x(c, b + 12, (uint32_t)n);
	put32x(c, b + 16, (uint32_t)n);
	memcpy(b + 20, d, n);
	ng_block(c, 6, b, 20 + n);
}

static void ng_open(struct capf *c)
{
	tmpname(c->path);
	c->f = fopen(c->path, "wb");
	assert_non_null(c->f);
}

static size_t udp_frame(int lt, const char *msg, bool v6)
{
	size_t n = udp_hdr(l4_buf, 5060, 5060, msg, strlen(msg));
	n = v6 ? ip6(ip_buf, A6, B6, 17, l4_buf, n) : ip4(ip_buf, A4, B4, 17, l4_buf, n);
	return link_wrap(frame_buf, lt, 0, ip_buf, n);
}

static void test_pcapng(void **state)
{
	(void)state;
	struct capf c = {0};
	struct got g;

	for (int be = 0; be < 2; be++) {
		memset(&c, 0, sizeof(c));
		c.be = be;
		ng_open(&c);
		ng_shb(&c);
		ng_idb(&c, 1, -1);          /* 0: Ethernet, microseconds */
		ng_idb(&c, 113, 9);         /* 1: Linux cooked, nanoseconds */
		ng_idb(&c, 101, 0x80 | 20); /* 2: raw IP, 2^-20 s */
		size_t n = udp_frame(1, INV, false);
		ng_epb(&c, 0, 1700000000000001ull, frame_buf, n);
		uint8_t nrb[8] = {0}; /* a Name Resolution Block: skipped */
		ng_block(&c, 4, nrb, sizeof(nrb));
		n = udp_frame(113, RING, true);
		ng_epb(&c, 1, 1700000000000002000ull, frame_buf, n);
		n = udp_frame(101, INV, false);
		ng_epb(&c, 2, (3ull << 20) | (1ull << 19), frame_buf, n); /* 3.5 s */
		/* a Simple Packet Block: interface 0, the previous time */
		uint8_t spb[600];
		n = udp_frame(1, RING, false);
		put32x(&c, spb, (uint32_t)n);
		memcpy(spb + 4, frame_buf, n);
		ng_block(&c, 3, spb, 4 + n);
		/* a second section: interfaces start again */
		ng_shb(&c);
		ng_idb(&c, 229, -1);
		n = udp_frame(229, INV, true);
		ng_epb(&c, 0, 42, frame_buf, n);
		capf_close(&c);
		read_capf(&c, NULL, &g);
		if (g.rc)
			fail_msg("%s", g.err);
		assert_int_equal(g.fmt, SK_TRACE_FMT_PCAPNG);
		assert_int_equal(g.n, 5);
		expect_msg(&g, 0, INV, 1, 1700000000000001, SK_TRACE_UDP);
		expect_msg(&g, 1, RING, 2, 1700000000000002, SK_TRACE_UDP);
		expect_addr(&g.p[1].src, "[2001:db8::1]:5060");
		expect_msg(&g, 2, INV, 3, 3500000, SK_TRACE_UDP);
		expect_msg(&g, 3, RING, 4, 3500000, SK_TRACE_UDP);
		expect_msg(&g, 4, INV, 5, 42, SK_TRACE_UDP);
		assert_int_equal(g.st.frames, 5);
		got_free(&g);
	}
}

/* ---- broken captures ------------------------------------------------------------------------ */

static void test_truncated_and_corrupt(void **state)
{
	(void)state;
	struct capf c = {0};
	struct got g;
	size_t n = udp_frame(1, INV, false);

	/* classic pcap cut in the middle of the third record's data */
	pcap_open(&c, 1);
	pcap_add(&c, 1, frame_buf, n, n);
	pcap_add(&c, 2, frame_buf, n, n);
	pcap_add(&c, 3, frame_buf, n, n);
	capf_close(&c);
	assert_int_equal(truncate(c.path, 24 + 2 * (16 + (off_t)n) + 16 + 10), 0);
	read_capf(&c, NULL, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.rc, -SK_EIO);
	assert_int_equal(g.err_frame, 3);
	assert_non_null(strstr(g.err, "truncated"));
	got_free(&g);

	/* cut in a record header */
	pcap_open(&c, 1);
	pcap_add(&c, 1, frame_buf, n, n);
	capf_close(&c);
	assert_int_equal(truncate(c.path, 24 + 16 + (off_t)n + 7), 0);
	read_capf(&c, NULL, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.rc, -SK_EIO);
	assert_int_equal(g.err_frame, 2);
	got_free(&g);

	/* an absurd captured length */
	pcap_open(&c, 1);
	pcap_add(&c, 1, frame_buf, n, n);
	wr32(&c, 2);
	wr32(&c, 0);
	wr32(&c, 0x7fffffff);
	wr32(&c, 0x7fffffff);
	capf_close(&c);
	read_capf(&c, NULL, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.rc, -SK_EIO);
	assert_int_equal(g.err_frame, 2);
	got_free(&g);

	/* a frame cut by the snapshot length: its datagram is lost, nothing over-read */
	pcap_open(&c, 1);
	pcap_add(&c, 1, frame_buf, n - 20, n);
	pcap_add(&c, 2, frame_buf, n, n);
	capf_close(&c);
	read_capf(&c, NULL, &g);
	assert_int_equal(g.n, 1);
	expect_msg(&g, 0, INV, 2, 2, SK_TRACE_UDP);
	assert_int_equal(g.st.dropped, 1);
	got_free(&g);

	/* pcapng cut inside a block, and one whose trailing length differs */
	for (int k = 0; k < 2; k++) {
		memset(&c, 0, sizeof(c));
		ng_open(&c);
		ng_shb(&c);
		ng_idb(&c, 1, -1);
		ng_epb(&c, 0, 1, frame_buf, n);
		ng_epb(&c, 0, 2, frame_buf, n);
		if (k == 1) {
			wr32(&c, 6);
			wr32(&c, 32 + 12);
			for (int i = 0; i < 8; i++)
				wr32(&c, 0);
			wr32(&c, 99);
		}
		capf_close(&c);
		if (k == 0)
			assert_int_equal(
			    truncate(c.path, 28 + 20 + (32 + ((off_t)n + 3) / 4 * 4) + 40), 0);
		read_capf(&c, NULL, &g);
		assert_int_equal(g.n, k == 0 ? 1 : 2);
		assert_int_equal(g.rc, -SK_EIO);
		assert_int_equal(g.err_frame, k == 0 ? 2 : 3);
		assert_non_null(strstr(g.err, k == 0 ? "truncated" : "trailing length"));
		got_free(&g);
	}

	/* pcapng packet of an interface never described */
	memset(&c, 0, sizeof(c));
	ng_open(&c);
	ng_shb(&c);
	ng_epb(&c, 0, 1, frame_buf, n);
	capf_close(&c);
	read_capf(&c, NULL, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.rc, -SK_EIO);
	assert_int_equal(g.err_frame, 1);
	got_free(&g);
}

static void test_open_errors(void **state)
{
	(void)state;
	struct sk_trace_reader *r = NULL;
	char err[256], path[64];
	FILE *f;

	assert_int_equal(sk_trace_reader_open(&r, "/nonexistent/x.pcap", NULL, err, sizeof(err)),
	                 -SK_EIO);
	assert_non_null(strstr(err, "cannot open"));
	tmpname(path);
	assert_int_equal(sk_trace_reader_open(&r, path, NULL, err, sizeof(err)), -SK_EIO);
	assert_string_equal(err, "empty file");
	f = fopen(path, "wb");
	fputs("<html><body>hello</body></html>\n", f);
	fclose(f);
	assert_int_equal(sk_trace_reader_open(&r, path, NULL, err, sizeof(err)), -SK_EIO);
	assert_string_equal(err, "not a pcap, pcapng or SIP log, nor a SIP message: first bytes 3c "
	                         "68 74 6d 6c 3e 3c 62 (\"<html><b\")");
	f = fopen(path, "wb");
	fputs("# a log\n--- 12 udp 1.2.3.4 -> 1.2.3.5:5060\nOPTIONS sip:x SIP/2.0\n", f);
	fclose(f);
	assert_int_equal(sk_trace_reader_open(&r, path, NULL, err, sizeof(err)), -SK_EIO);
	assert_non_null(strstr(err, "line 2: malformed marker"));
	/* a pcapng whose first block is cut */
	f = fopen(path, "wb");
	fwrite("\x0a\x0d\x0d\x0a\x1c\0\0\0\x4d\x3c\x2b\x1a\1\0", 1, 14, f);
	fclose(f);
	assert_int_equal(sk_trace_reader_open(&r, path, NULL, err, sizeof(err)), -SK_EIO);
	assert_non_null(strstr(err, "pcapng"));
	/* a pcap whose file header is cut */
	f = fopen(path, "wb");
	fwrite("\xd4\xc3\xb2\xa1\2\0\4\0", 1, 8, f);
	fclose(f);
	assert_int_equal(sk_trace_reader_open(&r, path, NULL, err, sizeof(err)), -SK_EIO);
	assert_non_null(strstr(err, "pcap"));
	assert_int_equal(sk_trace_reader_open(&r, "/tmp", NULL, err, sizeof(err)), -SK_EIO);
	assert_int_equal(sk_trace_reader_open_mem(&r, "", 0, NULL, err, sizeof(err)), -SK_EIO);
	assert_string_equal(err, "empty file");
	unlink(path);
}

/* ---- logs --------------------------------------------------------------------------------- */

static void read_text(const char *text, struct got *g)
{
	struct sk_trace_reader *r;
	char err[256];
	size_t n = strlen(text);
	char *copy = malloc(n); /* exact size */
	assert_non_null(copy);
	memcpy(copy, text, n);
	if (sk_trace_reader_open_mem(&r, copy, n, NULL, err, sizeof(err)) != 0)
		fail_msg("open: %s", err);
	drain(r, g);
	free(copy);
}

static void test_sipkit_log(void **state)
{
	(void)state;
	struct got g;
	static const char log[] =
	    "# written by hand\n"
	    "\n"
	    "--- 2026-11-21T10:00:00.123456Z udp 192.0.2.1:5060 -> 192.0.2.2:5070\n"
	    "OPTIONS sip:bob@example.com SIP/2.0\n"
	    "Call-ID: o1\n"
	    "Content-Length: 0\n"
	    "\n"
	    "\n"
	    "---\t12.5  TCP [2001:db8::1]:5061 -> [2001:db8::2]:5060  \n"
	    "MESSAGE sip:bob@example.com SIP/2.0\n"
	    "Call-ID: m1\n"
	    "Content-Length: 14\n"
	    "\n"
	    "--- not a mark\n"
	    "\n"
	    "--- 13 udp 192.0.2.2:5070 -> 192.0.2.1:5060\n"
	    "SIP/2.0 200 OK\n"
	    "Call-ID: no-length\n"
	    "\n"
	    "\n"
	    "--- 2026-11-21T10:00:01Z udp 192.0.2.2:5070 -> 192.0.2.1:5060\n"
	    "--- 2026-11-21T10:00:02.5Z udp 192.0.2.2:5070 -> 192.0.2.1:5060\n"
	    "SIP/2.0 180 Ringing\n"
	    "Content-Length: 0\n"
	    "\n";
	read_text(log, &g);
	assert_int_equal(g.fmt, SK_TRACE_FMT_SIPKIT_LOG);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.n, 4);
	expect_msg(
	    &g, 0,
	    "OPTIONS sip:bob@example.com SIP/2.0\r\nCall-ID: o1\r\nContent-Length: 0\r\n\r\n", 1,
	    1795255200123456, SK_TRACE_UDP);
	expect_addr(&g.p[0].src, "192.0.2.1:5060");
	expect_addr(&g.p[0].dst, "192.0.2.2:5070");
	/* a "--- " line inside the body that Content-Length asks for is body */
	expect_msg(&g, 1,
	           "MESSAGE sip:bob@example.com SIP/2.0\r\nCall-ID: m1\r\nContent-Length: "
	           "14\r\n\r\n--- not a mark",
	           2, 12500000, SK_TRACE_TCP);
	expect_addr(&g.p[1].src, "[2001:db8::1]:5061");
	expect_addr(&g.p[1].dst, "[2001:db8::2]:5060");
	/* no Content-Length: the block without its trailing blank lines */
	expect_msg(&g, 2, "SIP/2.0 200 OK\r\nCall-ID: no-length\r\n", 3, 13000000, SK_TRACE_UDP);
	/* entry 4 is empty; entry 5 */
	expect_msg(&g, 3, "SIP/2.0 180 Ringing\r\nContent-Length: 0\r\n\r\n", 5, 1795255202500000,
	           SK_TRACE_UDP);
	assert_int_equal(g.st.frames, 5);
	assert_int_equal(g.st.messages, 4);
	assert_int_equal(g.st.not_sip, 1);
	got_free(&g);

	/* CRLF logs are taken as they are; a malformed marker stops reading after the entry */
	static const char crlf[] = "--- 1 udp 10.0.0.1:5060 -> 10.0.0.2:5060\n"
	                           "OPTIONS sip:x SIP/2.0\r\nl: 2\r\n\r\nab\n"
	                           "--- 2 udp 10.0.0.1:5060 -> 10.0.0.2\n"
	                           "OPTIONS sip:x SIP/2.0\r\nl: 0\r\n\r\n";
	read_text(crlf, &g);
	assert_int_equal(g.n, 1);
	expect_msg(&g, 0, "OPTIONS sip:x SIP/2.0\r\nl: 2\r\n\r\nab", 1, 1000000, SK_TRACE_UDP);
	assert_int_equal(g.rc, -SK_EIO);
	assert_int_equal(g.err_frame, 2);
	assert_string_equal(g.err, "sipkit log, line 6: malformed marker line (expected \"--- TIME "
	                           "udp|tcp SRC -> DST\")");
	got_free(&g);

	/* the sipkit check test traces of tests/data/trace use this format */
	char path[512];
	snprintf(path, sizeof(path), "%s/trace/clean_cancel.log",
	         getenv("SK_DATA") ? getenv("SK_DATA") : "tests/data");
	read_path(path, NULL, &g);
	assert_true(g.n >= 5);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.p[1].ts_us, 1000);
	got_free(&g);
}

static void test_sipp_log(void **state)
{
	(void)state;
	struct got g;
	char path[512];
	const char *dir = getenv("SK_DATA") ? getenv("SK_DATA") : "tests/data";

	/* a real log of `sipp -sn uac -trace_msg` (SIPp 3.6.1, UDP) */
	snprintf(path, sizeof(path), "%s/trace/sipp_trace_msg.log", dir);
	read_path(path, NULL, &g);
	assert_int_equal(g.fmt, SK_TRACE_FMT_SIPP_LOG);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.n, 6);
	static const size_t lens[6] = {509, 309, 468, 359, 359, 301};
	static const char *first[6] = {"INVITE sip:service@127.0.0.1:5098 SIP/2.0\r\n",
	                               "SIP/2.0 180 Ringing\r\n",
	                               "SIP/2.0 200 OK\r\n",
	                               "ACK sip:service@127.0.0.1:5098 SIP/2.0\r\n",
	                               "BYE sip:service@127.0.0.1:5098 SIP/2.0\r\n",
	                               "SIP/2.0 200 OK\r\n"};
	static const bool sent[6] = {true, false, false, true, true, false};
	/* 2026-11-21 15:22:35.719311, read as written */
	static const int64_t base = INT64_C(1795274555000000);
	static const int64_t us[6] = {719311, 719360, 720444, 720478, 726155, 726173};
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(g.p[i].len, lens[i]);
		assert_int_equal(memcmp(g.p[i].data, first[i], strlen(first[i])), 0);
		assert_int_equal(g.p[i].frame, i + 1);
		assert_int_equal(g.p[i].ts_us, base + us[i]);
		assert_int_equal(g.p[i].proto, SK_TRACE_UDP);
		expect_addr(&g.p[i].src, sent[i] ? "local" : "peer");
		expect_addr(&g.p[i].dst, sent[i] ? "peer" : "local");
		assert_int_equal(g.p[i].src.family, 0);
	}
	/* the INVITE ends with its SDP's last line, the newline SIPp adds is not in it */
	assert_int_equal(memcmp(g.p[0].data + 509 - 22, "a=rtpmap:0 PCMU/8000\r\n", 22), 0);
	got_free(&g);

	/* TCP, with the notes SIPp writes before the first entry */
	snprintf(path, sizeof(path), "%s/trace/sipp_trace_msg_tcp.log", dir);
	read_path(path, NULL, &g);
	assert_int_equal(g.fmt, SK_TRACE_FMT_SIPP_LOG);
	assert_int_equal(g.n, 6);
	assert_int_equal(g.p[0].len, 509);
	assert_int_equal(g.p[0].proto, SK_TRACE_TCP);
	assert_int_equal(g.p[5].len, 301);
	got_free(&g);

	/* notes between entries, skipped entries, a message past the limit */
	static const char log[] = "----------------------------------------------- 2026-01-02 "
	                          "03:04:05.000006\n"
	                          "UDP message sent (4 bytes):\n"
	                          "\n"
	                          "ab\r\n"
	                          "Problem EAGAIN on socket 6\n"
	                          "----------------------------------------------- 2026-01-02 "
	                          "03:04:06.000000\n"
	                          "Error sending raw message:\n\nxyz\n"
	                          "----------------------------------------------- 2026-01-02 "
	                          "03:04:07.000000\n"
	                          "TCP message received [5] bytes :\n"
	                          "\n"
	                          "hello\n";
	read_text(log, &g);
	assert_int_equal(g.n, 2);
	expect_msg(&g, 0, "ab\r\n", 1, INT64_C(1767323045000006), SK_TRACE_UDP);
	expect_msg(&g, 1, "hello", 2, INT64_C(1767323047000000), SK_TRACE_TCP);
	got_free(&g);
}

static void test_raw(void **state)
{
	(void)state;
	struct got g;

	read_text("OPTIONS sip:bob@example.com SIP/2.0\nCall-ID: r1\n\n", &g);
	assert_int_equal(g.fmt, SK_TRACE_FMT_RAW);
	assert_int_equal(g.n, 1);
	expect_msg(&g, 0, "OPTIONS sip:bob@example.com SIP/2.0\r\nCall-ID: r1\r\n\r\n", 1, 0,
	           SK_TRACE_OTHER);
	expect_addr(&g.p[0].src, "peer");
	expect_addr(&g.p[0].dst, "local");
	assert_int_equal(g.st.frames, 1);
	got_free(&g);

	/* a torture message is taken as it is, CRs and all */
	size_t len;
	char *m = sk_test_load("torture/valid/wsinv.dat", &len);
	read_text(m, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.p[0].len, len);
	assert_int_equal(memcmp(g.p[0].data, m, len), 0);
	got_free(&g);
	free(m);

	/* larger than max_message: an error, never a truncated message */
	struct sk_trace_reader *r;
	char err[256];
	char *b = big_msg(5000, 'r');
	struct sk_trace_reader_config cfg = {.max_message = 4096};
	assert_int_equal(sk_trace_reader_open_mem(&r, b, 5000, &cfg, err, sizeof(err)), 0);
	drain(r, &g);
	assert_int_equal(g.n, 0);
	assert_int_equal(g.rc, -SK_EIO);
	assert_int_equal(g.err_frame, 1);
	assert_string_equal(g.err, "message larger than 4096 bytes");
	free(b);
}

/* ---- the writer ------------------------------------------------------------------------ */

static struct sk_trace_addr addr(int fam, const uint8_t *ip, uint16_t port)
{
	struct sk_trace_addr a = {.family = (uint8_t)fam, .port = port};
	memcpy(a.ip, ip, fam == 4 ? 4 : 16);
	return a;
}

static void test_writer_roundtrip(void **state)
{
	(void)state;
	char path[64];
	struct sk_trace_writer *w;
	struct got g;
	char *big = big_msg(5000, 'w'), *big2 = big_msg(5000, 'v');
	struct sk_trace_pkt in[] = {
	    {1, 1000001, addr(4, A4, 5060), addr(4, B4, 5070), SK_TRACE_UDP, INV, 0, 0, false},
	    {2, 1000002, addr(6, A6, 5060), addr(6, B6, 5070), SK_TRACE_UDP, RING, 0, 0, false},
	    {3, 1000003, addr(4, A4, 40000), addr(4, B4, 5060), SK_TRACE_TCP, INV, 0, 0, false},
	    {4, 1000004, addr(6, B6, 5060), addr(6, A6, 40000), SK_TRACE_TCP, RING, 0, 0, false},
	    {5, 1000005, addr(4, A4, 5060), addr(4, B4, 5070), SK_TRACE_UDP, big, 5000, 0, false},
	    {6, 1000006, addr(4, A4, 40000), addr(4, B4, 5060), SK_TRACE_TCP, big2, 5000, 0, false},
	    {7, 1000007, addr(6, A6, 5060), addr(6, B6, 5070), SK_TRACE_UDP, big2, 5000, 0, false},
	    {8, 1000008, {0}, {0}, SK_TRACE_OTHER, CANCEL_BODY, 0, 0, false},
	};
	size_t nin = sizeof(in) / sizeof(in[0]);
	in[7].src.ip[0] = SK_TRACE_SIDE_PEER;
	in[7].dst.ip[0] = SK_TRACE_SIDE_LOCAL;
	for (size_t i = 0; i < nin; i++)
		if (!in[i].len)
			in[i].len = strlen(in[i].data);

	for (int fmt = 0; fmt < 2; fmt++) {
		tmpname(path);
		assert_int_equal(sk_trace_writer_open(
		                     &w, path, fmt ? SK_TRACE_FMT_SIPKIT_LOG : SK_TRACE_FMT_PCAP),
		                 0);
		for (size_t i = 0; i < nin; i++)
			assert_int_equal(sk_trace_writer_add(w, &in[i]), 0);
		assert_int_equal(sk_trace_writer_close(w), 0);
		read_path(path, NULL, &g);
		unlink(path);
		assert_int_equal(g.rc, 0);
		assert_int_equal(g.n, nin);
		for (size_t i = 0; i < nin; i++) {
			assert_int_equal(g.p[i].len, in[i].len);
			assert_int_equal(memcmp(g.p[i].data, in[i].data, in[i].len), 0);
			assert_int_equal(g.p[i].ts_us, in[i].ts_us);
			if (i < 7) {
				assert_true(sk_trace_addr_eq(&g.p[i].src, &in[i].src));
				assert_true(sk_trace_addr_eq(&g.p[i].dst, &in[i].dst));
				assert_int_equal(g.p[i].proto, in[i].proto);
			}
		}
		/* addresses of family 0 become loopback addresses, port 5060 */
		expect_addr(&g.p[7].src, "127.0.0.2:5060");
		expect_addr(&g.p[7].dst, "127.0.0.1:5060");
		assert_int_equal(g.p[7].proto, SK_TRACE_UDP);
		if (fmt == 0) {
			assert_int_equal(g.fmt, SK_TRACE_FMT_PCAP);
			/* 5008 bytes of UDP: 4 IPv4 fragments of 1480; over IPv6, 4 of 1448 */
			assert_int_equal(g.st.fragments, 8);
			assert_int_equal(g.st.reassembled, 2);
			/* the TCP message of 5000 bytes was 4 segments, the last one completed it;
			 * frames: 1 2 | 3 SYN 4 | 5 SYN 6 | 7-10 frags | 11-14 segs | 15-18 | 19 */
			assert_int_equal(g.st.frames, 19);
			assert_int_equal(g.p[0].frame, 1);
			assert_int_equal(g.p[2].frame, 4);
			assert_int_equal(g.p[3].frame, 6);
			assert_int_equal(g.p[4].frame, 10);
			assert_int_equal(g.p[5].frame, 14);
			assert_int_equal(g.p[6].frame, 18);
			assert_int_equal(g.st.tcp_gaps + g.st.tcp_retrans + g.st.dropped, 0);
		} else {
			assert_int_equal(g.fmt, SK_TRACE_FMT_SIPKIT_LOG);
			assert_int_equal(g.p[3].frame, 4);
		}
		got_free(&g);
	}
	free(big);
	free(big2);
}

/* ---- stdin, progress, addresses ------------------------------------------------------ */

static void test_stdin_and_progress(void **state)
{
	(void)state;
	struct capf c = {0};
	struct got g;
	size_t n = udp_frame(1, INV, false);
	static uint8_t file[8192];

	pcap_open(&c, 1);
	pcap_add(&c, 1, frame_buf, n, n);
	pcap_add(&c, 2, frame_buf, n, n);
	capf_close(&c);
	FILE *f = fopen(c.path, "rb");
	size_t flen = fread(file, 1, sizeof(file), f);
	fclose(f);

	/* a file: progress from its position, total from its size */
	read_path(c.path, NULL, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.total, flen);
	assert_int_equal(g.done, flen);
	got_free(&g);
	unlink(c.path);

	/* the same in memory */
	struct sk_trace_reader *r;
	char err[256];
	uint8_t *copy = malloc(flen);
	memcpy(copy, file, flen);
	assert_int_equal(sk_trace_reader_open_mem(&r, copy, flen, NULL, err, sizeof(err)), 0);
	drain(r, &g);
	assert_int_equal(g.n, 2);
	expect_msg(&g, 1, INV, 2, 2, SK_TRACE_UDP);
	assert_int_equal(g.total, flen);
	assert_int_equal(g.done, flen);
	got_free(&g);
	free(copy);

	/* a pipe on stdin: the first bytes looked at are read again */
	int p[2], saved = dup(STDIN_FILENO);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], file, flen), (ssize_t)flen);
	close(p[1]);
	dup2(p[0], STDIN_FILENO);
	close(p[0]);
	read_path("-", NULL, &g);
	dup2(saved, STDIN_FILENO);
	close(saved);
	assert_int_equal(g.n, 2);
	expect_msg(&g, 1, INV, 2, 2, SK_TRACE_UDP);
	assert_int_equal(g.total, 0);
	assert_int_equal(g.done, flen);
	got_free(&g);

	/* and a log through a pipe */
	static const char log[] =
	    "--- 1 udp 10.0.0.1:5060 -> 10.0.0.2:5060\nOPTIONS sip:x SIP/2.0\n"
	    "l: 0\n\n";
	saved = dup(STDIN_FILENO);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], log, strlen(log)), (ssize_t)strlen(log));
	close(p[1]);
	dup2(p[0], STDIN_FILENO);
	close(p[0]);
	read_path("-", NULL, &g);
	dup2(saved, STDIN_FILENO);
	close(saved);
	assert_int_equal(g.n, 1);
	expect_msg(&g, 0, "OPTIONS sip:x SIP/2.0\r\nl: 0\r\n\r\n", 1, 1000000, SK_TRACE_UDP);
	got_free(&g);
}

static void test_addr(void **state)
{
	(void)state;
	char buf[64];
	struct sk_trace_addr a = addr(4, A4, 5060), b = addr(6, A6, 5061), l = {0}, p = {0};
	l.ip[0] = SK_TRACE_SIDE_LOCAL;
	p.ip[0] = SK_TRACE_SIDE_PEER;
	expect_addr(&a, "192.0.2.1:5060");
	expect_addr(&b, "[2001:db8::1]:5061");
	expect_addr(&l, "local");
	expect_addr(&p, "peer");
	assert_int_equal(sk_trace_addr_print(&b, buf, 6), 5);
	assert_string_equal(buf, "[2001");
	assert_true(sk_trace_addr_eq(&a, &a));
	assert_false(sk_trace_addr_eq(&a, &b));
	assert_false(sk_trace_addr_eq(&l, &p));
	struct sk_trace_addr a2 = a;
	a2.port = 5070;
	assert_false(sk_trace_addr_eq(&a, &a2));
	assert_string_equal(sk_trace_proto_name(SK_TRACE_UDP), "udp");
	assert_string_equal(sk_trace_proto_name(SK_TRACE_TCP), "tcp");
	assert_string_equal(sk_trace_proto_name(SK_TRACE_OTHER), "sip");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_link_types),
	    cmocka_unit_test(test_pcap_variants),
	    cmocka_unit_test(test_unsupported_link_type),
	    cmocka_unit_test(test_ip_headers),
	    cmocka_unit_test(test_ipv4_fragments),
	    cmocka_unit_test(test_ipv6_fragments),
	    cmocka_unit_test(test_fragment_limits),
	    cmocka_unit_test(test_tcp_segments),
	    cmocka_unit_test(test_tcp_reorder_retrans_overlap),
	    cmocka_unit_test(test_tcp_midstream_and_gap),
	    cmocka_unit_test(test_tcp_not_sip),
	    cmocka_unit_test(test_tcp_wraparound),
	    cmocka_unit_test(test_tcp_rst_and_reuse),
	    cmocka_unit_test(test_tcp_max_streams),
	    cmocka_unit_test(test_tcp_framing_errors),
	    cmocka_unit_test(test_udp_recognition),
	    cmocka_unit_test(test_pcapng),
	    cmocka_unit_test(test_truncated_and_corrupt),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_sipkit_log),
	    cmocka_unit_test(test_sipp_log),
	    cmocka_unit_test(test_raw),
	    cmocka_unit_test(test_writer_roundtrip),
	    cmocka_unit_test(test_stdin_and_progress),
	    cmocka_unit_test(test_addr),
	};
	return cmocka_run_group_tests_name("capture", tests, NULL, NULL);
}
