/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HEP decoding (src/trace/hep.c) and HEP inside captures (capture_in.c):
 *  - version 3 as siptrace and heplify write it: IPv4 and IPv6, time, capture
 *    id, vendor chunks and unknown types passed over, a TCP original
 *  - versions 2 and 1 (no time), IPv4 and IPv6
 *  - hostile: chunk length 0 and 5, a chunk past the end, a total length of
 *    64 KiB on a short datagram, a known chunk of the wrong size, every cut of
 *    a good datagram, no addresses, microseconds past a second, compressed,
 *    another protocol type
 *  - in a pcap on any UDP port: read as the SIP it carries with HEP's time and
 *    addresses, skipped ones counted by reason, a v2-looking payload that is
 *    not HEP left to plain UDP, --port applied to the inner ports
 *  - the checker's tick: a call that ended is reported 64*T1 later, one that
 *    never ends after the idle time, with no message to move the clock
 */
#include "sk_test.h"

#include "sipkit/trace.h"

#include "../../src/trace/hep.h"

#define CRLF "\r\n"

static const char INV[] =
    "INVITE sip:bob@example.com SIP/2.0" CRLF
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1" CRLF
    "From: <sip:alice@example.com>;tag=a" CRLF "To: <sip:bob@example.com>" CRLF
    "Call-ID: c1@example.com" CRLF "CSeq: 1 INVITE" CRLF "Content-Length: 0" CRLF CRLF;

static const uint8_t A4[4] = {192, 0, 2, 1}, B4[4] = {192, 0, 2, 2};
static const uint8_t A6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t B6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

/* ---- building HEP ----------------------------------------------------------------------- */

struct buf {
	uint8_t b[70000];
	size_t n;
};

static void put(struct buf *o, const void *d, size_t n)
{
	assert_true(o->n + n <= sizeof(o->b));
	memcpy(o->b + o->n, d, n);
	o->n += n;
}

static void put16(struct buf *o, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(o, b, 2);
}

static void put32le(struct buf *o, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(o, b, 4);
}

static void chunk(struct buf *o, uint16_t vendor, uint16_t type, const void *d, size_t n)
{
	put16(o, vendor);
	put16(o, type);
	put16(o, (uint16_t)(6 + n));
	put(o, d, n);
}

static void chunk8(struct buf *o, uint16_t type, uint8_t v)
{
	chunk(o, 0, type, &v, 1);
}

static void chunk16(struct buf *o, uint16_t type, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	chunk(o, 0, type, b, 2);
}

static void chunk32(struct buf *o, uint16_t type, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	chunk(o, 0, type, b, 4);
}

static void hep3_begin(struct buf *o)
{
	o->n = 0;
	put(o, "HEP3", 4);
	put16(o, 0); /* set by hep3_end */
}

static void hep3_end(struct buf *o)
{
	o->b[4] = (uint8_t)(o->n >> 8);
	o->b[5] = (uint8_t)o->n;
}

/* A HEP3 datagram as Kamailio's siptrace writes it (the chunks in its order). */
static void hep3_sip(struct buf *o, bool v6, uint8_t ip_proto, const char *msg)
{
	hep3_begin(o);
	chunk8(o, 1, v6 ? 10 : 2);
	chunk8(o, 2, ip_proto);
	if (v6) {
		chunk(o, 0, 5, A6, 16);
		chunk(o, 0, 6, B6, 16);
	} else {
		chunk(o, 0, 3, A4, 4);
		chunk(o, 0, 4, B4, 4);
	}
	chunk16(o, 7, 5060);
	chunk16(o, 8, 5070);
	chunk32(o, 9, 1700000000);
	chunk32(o, 10, 123456);
	chunk8(o, 11, 1);
	chunk32(o, 12, 2001);
	chunk(o, 0, 15, msg, strlen(msg));
	hep3_end(o);
}

/* Version 2 (or 1: no time header) as siptrace writes it with hep_version 2. */
static void hep2_sip(struct buf *o, int version, bool v6, const char *msg)
{
	o->n = 0;
	uint8_t h[4] = {(uint8_t)version, (uint8_t)(v6 ? 40 : 16), (uint8_t)(v6 ? 10 : 2), 17};
	put(o, h, 4);
	put16(o, 5060);
	put16(o, 5070);
	put(o, v6 ? A6 : A4, v6 ? 16 : 4);
	put(o, v6 ? B6 : B4, v6 ? 16 : 4);
	if (version == 2) {
		put32le(o, 1700000000);
		put32le(o, 654321);
		uint8_t cid[4] = {0xd1, 0x07, 0, 0}; /* capture id 2001, little-endian, padding */
		put(o, cid, 4);
	}
	put(o, msg, strlen(msg));
}

static enum sk_hep_result decode(const struct buf *o, bool strict, struct sk_hep_msg *m)
{
	/* an exact-size copy, so that ASan sees any read past the datagram */
	uint8_t *d = malloc(o->n ? o->n : 1);
	assert_non_null(d);
	memcpy(d, o->b, o->n);
	enum sk_hep_result r = sk_hep_decode(d, o->n, strict, m);
	if (r == SK_HEP_SIP) {
		/* the payload points into the datagram */
		assert_true((const uint8_t *)m->payload >= d &&
		            (const uint8_t *)m->payload + m->len <= d + o->n);
		m->payload = (const char *)o->b + ((const uint8_t *)m->payload - d);
	}
	free(d);
	return r;
}

static void expect_addr(const struct sk_trace_addr *a, const char *text)
{
	char b[64];
	sk_trace_addr_print(a, b, sizeof(b));
	assert_string_equal(b, text);
}

static void expect_sip(const struct sk_hep_msg *m, const char *msg)
{
	assert_int_equal(m->len, strlen(msg));
	assert_memory_equal(m->payload, msg, m->len);
}

/* ---- the decoder ------------------------------------------------------------------------ */

static void test_v3(void **state)
{
	(void)state;
	struct buf o;
	struct sk_hep_msg m;

	hep3_sip(&o, false, 17, INV);
	for (int strict = 0; strict < 2; strict++) {
		assert_int_equal(decode(&o, strict, &m), SK_HEP_SIP);
		assert_int_equal(m.version, 3);
		assert_int_equal(m.ip_proto, 17);
		expect_addr(&m.src, "192.0.2.1:5060");
		expect_addr(&m.dst, "192.0.2.2:5070");
		assert_true(m.has_ts);
		assert_int_equal(m.ts_us, INT64_C(1700000000123456));
		assert_int_equal(m.capture_id, 2001);
		expect_sip(&m, INV);
	}

	hep3_sip(&o, true, 6, INV);
	assert_int_equal(decode(&o, false, &m), SK_HEP_SIP);
	expect_addr(&m.src, "[2001:db8::1]:5060");
	expect_addr(&m.dst, "[2001:db8::2]:5070");
	assert_int_equal(m.ip_proto, 6);
	expect_sip(&m, INV);

	/* heplify's order, a vendor chunk, unknown types (node name, correlation id), an auth
	 * key, no family chunk (told by the addresses), no time */
	hep3_begin(&o);
	chunk(&o, 0, 3, A4, 4);
	chunk(&o, 0, 4, B4, 4);
	chunk16(&o, 7, 5060);
	chunk16(&o, 8, 5070);
	chunk(&o, 0x0014, 3, "vendor's own", 12);
	chunk(&o, 0, 0x0013, "node-1", 6);
	chunk(&o, 0, 0x0011, "c1@example.com", 14);
	chunk(&o, 0, 0x000e, "", 0);
	chunk(&o, 0, 0x7777, "?", 1);
	chunk8(&o, 11, 1);
	chunk(&o, 0, 15, INV, strlen(INV));
	hep3_end(&o);
	assert_int_equal(decode(&o, true, &m), SK_HEP_SIP);
	expect_addr(&m.src, "192.0.2.1:5060");
	assert_false(m.has_ts);
	expect_sip(&m, INV);

	/* no protocol type: taken as SIP only when it reads as SIP */
	hep3_begin(&o);
	chunk8(&o, 1, 2);
	chunk(&o, 0, 3, A4, 4);
	chunk(&o, 0, 4, B4, 4);
	chunk(&o, 0, 15, INV, strlen(INV));
	hep3_end(&o);
	assert_int_equal(decode(&o, true, &m), SK_HEP_SIP);
	hep3_begin(&o);
	chunk8(&o, 1, 2);
	chunk(&o, 0, 3, A4, 4);
	chunk(&o, 0, 4, B4, 4);
	chunk(&o, 0, 15, "\x80\xc8 RTCP", 7);
	hep3_end(&o);
	assert_int_equal(decode(&o, true, &m), SK_HEP_NOT_SIP);

	/* trailing bytes after the total length are not read */
	hep3_sip(&o, false, 17, INV);
	put(&o, "junk", 4);
	assert_int_equal(decode(&o, true, &m), SK_HEP_SIP);
	expect_sip(&m, INV);
}

static void test_v2_v1(void **state)
{
	(void)state;
	struct buf o;
	struct sk_hep_msg m;

	hep2_sip(&o, 2, false, INV);
	for (int strict = 0; strict < 2; strict++) {
		assert_int_equal(decode(&o, strict, &m), SK_HEP_SIP);
		assert_int_equal(m.version, 2);
		assert_int_equal(m.ip_proto, 17);
		expect_addr(&m.src, "192.0.2.1:5060");
		expect_addr(&m.dst, "192.0.2.2:5070");
		assert_true(m.has_ts);
		assert_int_equal(m.ts_us, INT64_C(1700000000654321));
		assert_int_equal(m.capture_id, 2001);
		expect_sip(&m, INV);
	}
	hep2_sip(&o, 2, true, INV);
	assert_int_equal(decode(&o, false, &m), SK_HEP_SIP);
	expect_addr(&m.src, "[2001:db8::1]:5060");
	expect_addr(&m.dst, "[2001:db8::2]:5070");
	expect_sip(&m, INV);

	hep2_sip(&o, 1, false, INV);
	assert_int_equal(decode(&o, false, &m), SK_HEP_SIP);
	assert_int_equal(m.version, 1);
	assert_false(m.has_ts);
	expect_sip(&m, INV);

	/* header length that does not fit the family; unknown family; cut in the header;
	 * microseconds past a second; a payload that is not SIP */
	hep2_sip(&o, 2, false, INV);
	o.b[1] = 40;
	assert_int_equal(decode(&o, false, &m), SK_HEP_NONE);
	assert_int_equal(decode(&o, true, &m), SK_HEP_MALFORMED);
	hep2_sip(&o, 2, false, INV);
	o.b[2] = 7;
	assert_int_equal(decode(&o, true, &m), SK_HEP_MALFORMED);
	hep2_sip(&o, 2, false, INV);
	o.n = 27;
	assert_int_equal(decode(&o, false, &m), SK_HEP_NONE);
	assert_int_equal(decode(&o, true, &m), SK_HEP_MALFORMED);
	hep2_sip(&o, 2, false, INV);
	o.b[20] = 0x40, o.b[21] = 0x42, o.b[22] = 0x0f; /* 1000000 us */
	assert_int_equal(decode(&o, true, &m), SK_HEP_MALFORMED);
	hep2_sip(&o, 2, false, "\x80\xc8 RTCP, or anything");
	assert_int_equal(decode(&o, false, &m), SK_HEP_NONE);
	assert_int_equal(decode(&o, true, &m), SK_HEP_NOT_SIP);
}

static void test_v3_hostile(void **state)
{
	(void)state;
	struct buf o, good;
	struct sk_hep_msg m;

	hep3_sip(&good, false, 17, INV);

	/* every cut of a good datagram, with its total length fixed or left as it was */
	for (size_t n = 0; n < good.n; n++) {
		o = good;
		o.n = n;
		enum sk_hep_result r = decode(&o, true, &m);
		assert_true(r == SK_HEP_MALFORMED);
		if (n >= 6) {
			hep3_end(
			    &o); /* the total says n: a chunk is cut, or the payload is missing */
			r = decode(&o, true, &m);
			assert_true(r == SK_HEP_MALFORMED);
		}
	}

	/* chunk length 0, and 5 (shorter than its own header): never an endless loop */
	for (uint16_t bad = 0; bad < 6; bad++) {
		hep3_begin(&o);
		chunk8(&o, 1, 2);
		put16(&o, 0);
		put16(&o, 0x0099);
		put16(&o, bad);
		put(&o, "xxxxxxxxxxxx", 12);
		hep3_end(&o);
		assert_int_equal(decode(&o, true, &m), SK_HEP_MALFORMED);
	}

	/* a chunk past the end (the payload claims 100 bytes more) */
	o = good;
	size_t pl = o.n - strlen(INV) - 6; /* the payload chunk's header */
	uint16_t clen = (uint16_t)(6 + strlen(INV) + 100);
	o.b[pl + 4] = (uint8_t)(clen >> 8), o.b[pl + 5] = (uint8_t)clen;
	assert_int_equal(decode(&o, true, &m), SK_HEP_MALFORMED);

	/* a total length of 64 KiB - 1 on a short datagram, and one below the header */
	o = good;
	o.b[4] = 0xff, o.b[5] = 0xff;
	assert_int_equal(decode(&o, true, &m), SK_HEP_MALFORMED);
	o.b[4] = 0, o.b[5] = 5;
	assert_int_equal(decode(&o, true, &m), SK_HEP_MALFORMED);

	/* a datagram of 64 KiB - 1 full of 6-byte unknown chunks: read to its end */
	hep3_begin(&o);
	chunk8(&o, 1, 2);
	chunk(&o, 0, 3, A4, 4);
	chunk(&o, 0, 4, B4, 4);
	chunk(&o, 0, 15, INV, strlen(INV));
	while (o.n + 6 <= 65535)
		chunk(&o, 0, 0x0100, "", 0);
	hep3_end(&o);
	assert_int_equal(decode(&o, true, &m), SK_HEP_SIP);
	expect_sip(&m, INV);

	/* known chunks of the wrong size */
	const uint16_t types[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		for (size_t sz = 0; sz <= 17; sz++) {
			static const uint8_t z[17];
			size_t right = types[i] <= 2 || types[i] == 11 ? 1
			               : types[i] <= 4                 ? 4
			               : types[i] <= 6                 ? 16
			               : types[i] <= 8                 ? 2
			                                               : 4;
			if (sz == right)
				continue;
			hep3_begin(&o);
			chunk(&o, 0, types[i], z, sz);
			chunk8(&o, 1, 2);
			chunk(&o, 0, 3, A4, 4);
			chunk(&o, 0, 4, B4, 4);
			chunk(&o, 0, 15, INV, strlen(INV));
			hep3_end(&o);
			assert_int_equal(decode(&o, true, &m), SK_HEP_MALFORMED);
		}
	}

	/* family without its addresses; no addresses at all; a family we do not know */
	const int fams[] = {2, 10, 0, 99};
	for (size_t i = 0; i < 4; i++) {
		hep3_begin(&o);
		if (fams[i])
			chunk8(&o, 1, (uint8_t)fams[i]);
		if (fams[i] == 10 || fams[i] == 99)
			chunk(&o, 0, 3, A4, 4), chunk(&o, 0, 4, B4, 4);
		chunk(&o, 0, 15, INV, strlen(INV));
		hep3_end(&o);
		assert_int_equal(decode(&o, true, &m), SK_HEP_MALFORMED);
	}

	/* microseconds past a second */
	hep3_begin(&o);
	chunk8(&o, 1, 2);
	chunk(&o, 0, 3, A4, 4);
	chunk(&o, 0, 4, B4, 4);
	chunk32(&o, 9, 1);
	chunk32(&o, 10, 1000000);
	chunk(&o, 0, 15, INV, strlen(INV));
	hep3_end(&o);
	assert_int_equal(decode(&o, true, &m), SK_HEP_MALFORMED);

	/* compressed; another protocol type (5: RTCP); an empty payload; none */
	hep3_begin(&o);
	chunk8(&o, 1, 2);
	chunk(&o, 0, 3, A4, 4);
	chunk(&o, 0, 4, B4, 4);
	chunk8(&o, 11, 1);
	chunk(&o, 0, 16, "\x1f\x8b\x08\x00", 4);
	hep3_end(&o);
	assert_int_equal(decode(&o, true, &m), SK_HEP_COMPRESSED);
	hep3_sip(&o, false, 17, INV);
	o.b[6 + 7 + 7 + 10 + 10 + 8 + 8 + 10 + 10 + 6] = 5; /* the protocol type's value */
	assert_int_equal(decode(&o, true, &m), SK_HEP_NOT_SIP);
	hep3_sip(&o, false, 17, "");
	assert_int_equal(decode(&o, true, &m), SK_HEP_MALFORMED);
	hep3_begin(&o);
	chunk8(&o, 1, 2);
	hep3_end(&o);
	assert_int_equal(decode(&o, true, &m), SK_HEP_MALFORMED);

	/* not HEP at all */
	memcpy(o.b, "HEP", 3);
	o.n = 3;
	assert_int_equal(decode(&o, false, &m), SK_HEP_NONE);
	assert_int_equal(decode(&o, true, &m), SK_HEP_MALFORMED);
	o.n = 0;
	assert_int_equal(decode(&o, false, &m), SK_HEP_NONE);
	memcpy(o.b, INV, strlen(INV));
	o.n = strlen(INV);
	assert_int_equal(decode(&o, false, &m), SK_HEP_NONE);
	assert_string_equal(sk_hep_result_name(SK_HEP_COMPRESSED), "compressed");
}

/* ---- inside a capture ------------------------------------------------------------------- */

static void le32(struct buf *o, uint32_t v)
{
	put32le(o, v);
}

static void le16(struct buf *o, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	put(o, b, 2);
}

/* One frame of raw IPv4 (LINKTYPE_RAW) carrying a UDP datagram. */
static void add_udp(struct buf *cap, int64_t ts, uint16_t sp, uint16_t dp, const struct buf *pl)
{
	size_t n = 20 + 8 + pl->n;
	le32(cap, (uint32_t)(ts / 1000000));
	le32(cap, (uint32_t)(ts % 1000000));
	le32(cap, (uint32_t)n);
	le32(cap, (uint32_t)n);
	uint8_t ip[20] = {
	    0x45, 0, (uint8_t)(n >> 8), (uint8_t)n, 0, 1, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0,
	    0,    1};
	put(cap, ip, 20);
	put16(cap, sp);
	put16(cap, dp);
	put16(cap, (uint16_t)(8 + pl->n));
	put16(cap, 0);
	put(cap, pl->b, pl->n);
}

static struct buf cap, dg;

static void cap_begin(void)
{
	cap.n = 0;
	le32(&cap, 0xa1b2c3d4);
	le16(&cap, 2);
	le16(&cap, 4);
	le32(&cap, 0);
	le32(&cap, 0);
	le32(&cap, 65535);
	le32(&cap, 101);
}

static void test_in_capture(void **state)
{
	(void)state;
	cap_begin();
	hep3_sip(&dg, false, 17, INV); /* 1: HEP3 to port 9060 */
	add_udp(&cap, 5000000, 40000, 9060, &dg);
	hep2_sip(&dg, 2, true, INV); /* 2: HEP2 to an unusual port */
	add_udp(&cap, 6000000, 40000, 7777, &dg);
	hep3_begin(&dg); /* 3: compressed */
	chunk8(&dg, 1, 2);
	chunk(&dg, 0, 3, A4, 4);
	chunk(&dg, 0, 4, B4, 4);
	chunk(&dg, 0, 16, "\x1f\x8b", 2);
	hep3_end(&dg);
	add_udp(&cap, 7000000, 40000, 9060, &dg);
	hep3_sip(&dg, false, 17, INV); /* 4: malformed: cut */
	dg.n -= 10;
	add_udp(&cap, 8000000, 40000, 9060, &dg);
	hep3_sip(&dg, false, 17, INV); /* 5: RTCP */
	dg.b[6 + 7 + 7 + 10 + 10 + 8 + 8 + 10 + 10 + 6] = 5;
	add_udp(&cap, 9000000, 40000, 9060, &dg);
	hep2_sip(&dg, 2, false, "\x80 not sip"); /* 6: looks like v2, is not: plain UDP */
	add_udp(&cap, 10000000, 40000, 5060, &dg);
	hep3_sip(&dg, false, 6, INV); /* 7: a TCP original, version 1 (no time) after it */
	add_udp(&cap, 11000000, 40000, 9060, &dg);
	hep2_sip(&dg, 1, false, INV);
	add_udp(&cap, 12000000, 40000, 9060, &dg);

	for (int with_ports = 0; with_ports < 2; with_ports++) {
		/* --port 5070 names the inner destination: the HEP is still read */
		static const uint16_t ports[] = {5070};
		struct sk_trace_reader_config cfg = {0};
		if (with_ports) {
			cfg.ports = ports;
			cfg.nports = 1;
		}
		struct sk_trace_reader *r;
		char err[256];
		assert_int_equal(sk_trace_reader_open_mem(&r, cap.b, cap.n, &cfg, err, sizeof(err)),
		                 0);
		struct sk_trace_pkt p;
		assert_int_equal(sk_trace_reader_next(r, &p), 1);
		assert_int_equal(p.frame, 1);
		assert_int_equal(p.ts_us, INT64_C(1700000000123456)); /* HEP's time */
		expect_addr(&p.src, "192.0.2.1:5060");
		expect_addr(&p.dst, "192.0.2.2:5070");
		assert_int_equal(p.proto, SK_TRACE_UDP);
		assert_memory_equal(p.data, INV, strlen(INV));
		assert_int_equal(sk_trace_reader_next(r, &p), 1);
		assert_int_equal(p.frame, 2);
		assert_int_equal(p.ts_us, INT64_C(1700000000654321));
		expect_addr(&p.src, "[2001:db8::1]:5060");
		assert_int_equal(sk_trace_reader_next(r, &p), 1);
		assert_int_equal(p.frame, 7);
		assert_int_equal(p.proto, SK_TRACE_TCP);
		assert_int_equal(sk_trace_reader_next(r, &p), 1);
		assert_int_equal(p.frame, 8);
		assert_int_equal(p.ts_us, 12000000); /* version 1: the frame's time */
		assert_int_equal(sk_trace_reader_next(r, &p), 0);
		struct sk_trace_reader_stats st = sk_trace_reader_stats(r);
		assert_int_equal(st.hep, 4);
		assert_int_equal(st.skipped[SK_TRACE_SKIP_HEP_COMPRESSED], 1);
		assert_int_equal(st.skipped[SK_TRACE_SKIP_HEP_MALFORMED], 1);
		assert_int_equal(st.skipped[SK_TRACE_SKIP_HEP_NOT_SIP], 1);
		/* frame 6: plain UDP to 5060, outside --port 5070 when it is given */
		assert_int_equal(
		    st.skipped[with_ports ? SK_TRACE_SKIP_OTHER_PORT : SK_TRACE_SKIP_NOT_SIP], 1);
		assert_int_equal(st.not_sip, 4); /* with the three HEP not read */
		sk_trace_reader_free(r);
	}

	/* --port 5061 names neither inner end: nothing is read, all counted */
	static const uint16_t other[] = {5061};
	struct sk_trace_reader_config cfg = {.ports = other, .nports = 1};
	struct sk_trace_reader *r;
	char err[256];
	assert_int_equal(sk_trace_reader_open_mem(&r, cap.b, cap.n, &cfg, err, sizeof(err)), 0);
	struct sk_trace_pkt p;
	assert_int_equal(sk_trace_reader_next(r, &p), 0);
	struct sk_trace_reader_stats st = sk_trace_reader_stats(r);
	assert_int_equal(st.skipped[SK_TRACE_SKIP_OTHER_PORT], 5); /* 4 in HEP, frame 6 */
	assert_int_equal(st.skipped[SK_TRACE_SKIP_HEP_MALFORMED], 1);
	assert_int_equal(st.not_sip, 8);
	sk_trace_reader_free(r);
}

/* ---- the checker's tick (live input) -------------------------------------------------- */

static void on_call(void *arg, const struct sk_trace_call *call)
{
	(void)call;
	(*(int *)arg)++;
}

static void feed(struct sk_trace_checker *c, int64_t ms, bool to_callee, const char *text)
{
	struct sk_trace_addr a = {.family = 4, .ip = {127, 0, 0, 1}, .port = 5061};
	struct sk_trace_addr b = {.family = 4, .ip = {127, 0, 0, 1}, .port = 5062};
	struct sk_trace_pkt pkt = {.ts_us = ms * 1000,
	                           .src = to_callee ? a : b,
	                           .dst = to_callee ? b : a,
	                           .proto = SK_TRACE_UDP,
	                           .data = text,
	                           .len = strlen(text)};
	assert_int_equal(sk_trace_checker_add(c, &pkt, 0), 0);
}

#define HDRS(cseq)                                                                                 \
	"Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1" CRLF "From: <sip:a@x>;tag=a" CRLF       \
	"To: <sip:b@x>" CRLF "Call-ID: tick" CRLF "CSeq: " cseq CRLF "Content-Length: 0" CRLF CRLF
#define HDRS_TO(cseq)                                                                              \
	"Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1" CRLF "From: <sip:a@x>;tag=a" CRLF       \
	"To: <sip:b@x>;tag=b" CRLF "Call-ID: tick" CRLF "CSeq: " cseq CRLF                         \
	"Content-Length: 0" CRLF CRLF

static void test_checker_tick(void **state)
{
	(void)state;
	int reported = 0;
	struct sk_trace_check_config cfg = {.t1_ms = 100, .idle_ms = 10000};
	struct sk_trace_checker *c;
	assert_int_equal(sk_trace_checker_new(&c, &cfg, on_call, &reported), 0);
	/* a call cancelled cleanly, ended by the ACK of its 487: reported 64*T1 after */
	feed(c, 1000, true, "INVITE sip:b@x SIP/2.0" CRLF HDRS("1 INVITE"));
	feed(c, 1010, false, "SIP/2.0 180 Ringing" CRLF HDRS_TO("1 INVITE"));
	feed(c, 2000, true, "CANCEL sip:b@x SIP/2.0" CRLF HDRS("1 CANCEL"));
	feed(c, 2010, false, "SIP/2.0 200 OK" CRLF HDRS_TO("1 CANCEL"));
	feed(c, 2020, false, "SIP/2.0 487 Request Terminated" CRLF HDRS_TO("1 INVITE"));
	feed(c, 2030, true, "ACK sip:b@x SIP/2.0" CRLF HDRS_TO("1 ACK"));
	sk_trace_checker_tick(c, INT64_C(2030000) + 6000000);
	assert_int_equal(reported, 0);
	sk_trace_checker_tick(c, INT64_C(1000)); /* the clock never goes back */
	assert_int_equal(reported, 0);
	sk_trace_checker_tick(c, INT64_C(2030000) + 6500000);
	assert_int_equal(reported, 1);
	assert_int_equal(sk_trace_checker_totals(c)->outcomes[SK_TRACE_OUT_CANCELLED], 1);
	/* a call that never ends: reported after idle_ms of nothing */
	feed(c, 20000, true, "INVITE sip:b@x SIP/2.0" CRLF HDRS("1 INVITE"));
	sk_trace_checker_tick(c, INT64_C(29000000));
	assert_int_equal(reported, 1);
	sk_trace_checker_tick(c, INT64_C(30001000));
	assert_int_equal(reported, 2);
	sk_trace_checker_finish(c);
	assert_int_equal(reported, 2);
	sk_trace_checker_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v3),           cmocka_unit_test(test_v2_v1),
	    cmocka_unit_test(test_v3_hostile),   cmocka_unit_test(test_in_capture),
	    cmocka_unit_test(test_checker_tick),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
