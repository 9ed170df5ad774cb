/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: SIP messages out of captures and logs (src/trace input).
 *
 *  1. The input is a file in memory (pcap, pcapng, sipkit log, SIPp log, a raw
 *     message, or anything else), read with sk_trace_reader_open_mem under
 *     several configurations (defaults; small limits; a port list).
 *  2. The input is also a sequence of frames handed straight to the frame
 *     decoder, each in a buffer of its exact captured size, so that ASan sees
 *     any read past a frame (libpcap's own buffers are larger than a frame):
 *       byte 0: link type (index into a table) and configuration;
 *       then per frame: 2 bytes of length (big-endian), 1 byte of flags
 *       (bit 0: cut by the snapshot length), 1 byte of time step, the bytes.
 *
 * Invariants: every message is inside sane bounds (0 < len <= max_message,
 * every byte readable), frame numbers start at 1 and never decrease for UDP,
 * the reader's count matches, an error comes with a reason and a frame, the
 * end is sticky, progress stays within the input, nothing leaks, it ends.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipkit/trace.h"

#include "../src/trace/input.h"
#include "fuzz_util.h"

#define NCFG 3

static const uint16_t sip_ports[] = {5060, 5061};

static struct sk_trace_reader_config config(unsigned i)
{
	struct sk_trace_reader_config c = {0};
	if (i == 1) {
		c.max_streams = 2;
		c.max_stream_buf = 2048;
		c.max_frag_bytes = 4096;
		c.max_message = 1024;
	} else if (i == 2) {
		c.ports = sip_ports;
		c.nports = 2;
		c.max_message = 300;
	}
	return c;
}

struct seen {
	size_t max_message;
	uint64_t last_udp_frame, count;
	bool log;
};

static void check_pkt(struct seen *s, const struct sk_trace_pkt *p)
{
	CHECK(p->len > 0 && p->len <= s->max_message);
	CHECK(p->data != NULL);
	touch((struct sk_str){p->data, p->len});
	CHECK(p->frame >= 1);
	CHECK(p->proto == SK_TRACE_UDP || p->proto == SK_TRACE_TCP || p->proto == SK_TRACE_OTHER ||
	      p->proto == SK_TRACE_SCTP);
	CHECK(p->src.family == 0 || p->src.family == 4 || p->src.family == 6);
	CHECK(p->src.family == p->dst.family || s->log);
	if (p->proto == SK_TRACE_UDP && !s->log) {
		CHECK(p->frame >= s->last_udp_frame);
		s->last_udp_frame = p->frame;
	}
	char buf[64];
	CHECK(sk_trace_addr_print(&p->src, buf, sizeof(buf)) < sizeof(buf));
	s->count++;
}

/* 1. the input as a file */
static void as_file(const uint8_t *data, size_t size, unsigned ci)
{
	struct sk_trace_reader_config cfg = config(ci);
	struct sk_trace_reader *r;
	char err[256];
	int rc = sk_trace_reader_open_mem(&r, data, size, &cfg, err, sizeof(err));
	if (rc < 0) {
		CHECK(rc == -SK_EIO || rc == -SK_ENOMEM);
		CHECK(memchr(err, 0, sizeof(err)) && err[0]);
		return;
	}
	enum sk_trace_format fmt = sk_trace_reader_format(r);
	CHECK(fmt >= SK_TRACE_FMT_PCAP && fmt <= SK_TRACE_FMT_RAW);
	struct seen s = {.max_message = cfg.max_message ? cfg.max_message : 65536,
	                 .log = fmt != SK_TRACE_FMT_PCAP && fmt != SK_TRACE_FMT_PCAPNG};
	struct sk_trace_pkt p;
	while ((rc = sk_trace_reader_next(r, &p)) == 1) {
		check_pkt(&s, &p);
		CHECK(s.count <= size + 1); /* every message takes bytes of the input */
	}
	CHECK(rc == 0 || rc == -SK_EIO);
	CHECK(sk_trace_reader_next(r, &p) == rc);
	uint64_t frame = 0;
	const char *why = sk_trace_reader_error(r, &frame);
	if (rc < 0)
		CHECK(why && why[0] && frame >= 1);
	else
		CHECK(!why);
	struct sk_trace_reader_stats st = sk_trace_reader_stats(r);
	CHECK(st.messages == s.count);
	uint64_t done, total;
	sk_trace_reader_progress(r, &done, &total);
	CHECK(total == size && done <= total);
	sk_trace_reader_free(r);
}

/* 2. the input as frames for the decoder */
static void as_frames(const uint8_t *data, size_t size)
{
	static const int lts[] = {1, 113, 276, 101, 12, 14, 228, 229, 0, 108};
	if (size < 1)
		return;
	int lt = lts[data[0] % 10];
	struct sk_trace_reader_config cfg = config((data[0] / 10) % NCFG);
	struct sk_trace_limits lim;
	sk_trace_limits_init(&lim, &cfg);
	lim.ports = cfg.ports;
	lim.nports = cfg.nports;
	struct sk_trace_reader_stats st = {0};
	struct sk_trace_queue q = {0};
	struct sk_capture *c;
	CHECK(sk_capture_new(&c, &lim, &q, &st) == 0);
	struct seen s = {.max_message = lim.max_message};
	struct sk_trace_pkt p;
	size_t off = 1;
	uint64_t frame = 0;
	int64_t ts = 0;
	while (off + 4 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		bool cut = data[off + 2] & 1;
		ts += data[off + 3] * INT64_C(250000); /* up to a minute between frames */
		off += 4;
		if (len > size - off)
			len = size - off;
		uint8_t *fr = malloc(len ? len : 1);
		CHECK(fr != NULL);
		memcpy(fr, data + off, len);
		off += len;
		sk_trace_queue_clear(&q);
		CHECK(sk_capture_frame(c, lt, fr, len, cut ? len + 100 : len, ++frame, ts) == 0);
		free(fr); /* nothing may point into a frame once it is decoded */
		while (sk_trace_queue_pop(&q, &p))
			check_pkt(&s, &p);
	}
	/* the end: the streams are flushed */
	char err[64];
	uint64_t ef;
	int rc;
	sk_trace_queue_clear(&q);
	while ((rc = sk_capture_read(c, err, sizeof(err), &ef)) == 1) {
		while (sk_trace_queue_pop(&q, &p)) {
			/* a flushed stream's message belongs to a frame already seen */
			CHECK(p.frame <= frame);
			CHECK(p.len > 0 && p.len <= s.max_message);
			touch((struct sk_str){p.data, p.len});
		}
		sk_trace_queue_clear(&q);
	}
	CHECK(rc == 0);
	sk_capture_free(c);
	sk_trace_queue_free(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (unsigned i = 0; i < NCFG; i++)
		as_file(data, size, i);
	as_frames(data, size);
	return 0;
}
