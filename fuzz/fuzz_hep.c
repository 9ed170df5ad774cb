/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: HEP datagrams (src/trace/hep.c).
 *
 *  1. The input is one datagram, decoded as on a HEP socket (strict) and as
 *     a capture would (not strict), in a buffer of its exact size so that
 *     ASan sees any read past it, and handed to the reader's queue.
 *  2. The same bytes as the payload of a UDP datagram in a raw IPv4 frame,
 *     to the frame decoder (capture_in.c), with and without a port list.
 *
 * Invariants: a SIP result points inside the datagram with 0 < len, has
 * IPv4 or IPv6 ends and microseconds below a second; a capture never takes
 * for HEP what a HEP socket would call malformed unless it starts "HEP3";
 * every queued message is within max_message; skips are counted once per
 * datagram; nothing leaks, it ends.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipkit/trace.h"

#include "../src/trace/hep.h"
#include "../src/trace/input.h"
#include "fuzz_util.h"

static void check_msg(const uint8_t *d, size_t n, const struct sk_hep_msg *m)
{
	CHECK((const uint8_t *)m->payload >= d && m->len > 0);
	CHECK((const uint8_t *)m->payload + m->len <= d + n);
	touch((struct sk_str){m->payload, m->len});
	CHECK(m->src.family == 4 || m->src.family == 6);
	CHECK(m->src.family == m->dst.family);
	CHECK(m->version >= 1 && m->version <= 3);
	if (m->has_ts)
		CHECK(m->ts_us >= 0 && m->ts_us % 1000000 < 1000000);
}

/* HEP datagrams skipped for what they are (the skip reasons of their own) */
static uint64_t skips(const struct sk_trace_reader_stats *st)
{
	return st->skipped[SK_TRACE_SKIP_HEP_MALFORMED] + st->skipped[SK_TRACE_SKIP_HEP_NOT_SIP] +
	       st->skipped[SK_TRACE_SKIP_HEP_COMPRESSED];
}

/* 1. one datagram */
static void as_datagram(const uint8_t *data, size_t size)
{
	uint8_t *d = malloc(size ? size : 1);
	CHECK(d != NULL);
	memcpy(d, data, size);
	struct sk_hep_msg m;
	enum sk_hep_result strict = sk_hep_decode(d, size, true, &m);
	CHECK(strict != SK_HEP_NONE);
	if (strict == SK_HEP_SIP)
		check_msg(d, size, &m);

	struct sk_trace_reader_config cfg = {.max_message = 512};
	struct sk_trace_limits lim;
	sk_trace_limits_init(&lim, &cfg);
	struct sk_trace_reader_stats st = {0};
	struct sk_trace_queue q = {0};
	CHECK(sk_hep_deliver(&lim, &q, &st, strict, &m, 1, 42) == 0);
	struct sk_trace_pkt p;
	size_t got = 0;
	while (sk_trace_queue_pop(&q, &p)) {
		CHECK(p.len > 0 && p.len <= 512);
		touch((struct sk_str){p.data, p.len});
		got++;
	}
	/* one datagram: one message handed out, or skipped for exactly one reason */
	CHECK(got + sk_trace_skipped_total(&st) == 1);
	CHECK(st.hep == got);
	sk_trace_queue_free(&q);

	enum sk_hep_result loose = sk_hep_decode(d, size, false, &m);
	if (loose == SK_HEP_SIP) {
		check_msg(d, size, &m);
		CHECK(strict == SK_HEP_SIP); /* what a capture takes, a HEP socket takes too */
	}
	if (loose != SK_HEP_NONE)
		CHECK(loose == strict || (size >= 4 && memcmp(d, "HEP3", 4) == 0));
	free(d);
}

/* 2. inside a captured UDP datagram */
static void as_frame(const uint8_t *data, size_t size)
{
	if (size > 65535 - 28)
		return;
	static const uint16_t ports[] = {5060};
	size_t n = 28 + size;
	uint8_t *fr = malloc(n);
	CHECK(fr != NULL);
	static const uint8_t ip[20] = {0x45, 0, 0,   0, 0, 1, 0,   0, 64, 17,
	                               0,    0, 127, 0, 0, 1, 127, 0, 0,  1};
	memcpy(fr, ip, 20);
	fr[2] = (uint8_t)(n >> 8), fr[3] = (uint8_t)n;
	uint8_t udp[8] = {0x9c, 0x40, 0x23, 0x64, (uint8_t)((size + 8) >> 8), (uint8_t)(size + 8),
	                  0,    0}; /* 40000 -> 9060 */
	memcpy(fr + 20, udp, 8);
	memcpy(fr + 28, data, size);
	for (int withports = 0; withports < 2; withports++) {
		struct sk_trace_reader_config cfg = {0};
		if (withports) {
			cfg.ports = ports;
			cfg.nports = 1;
		}
		struct sk_trace_limits lim;
		sk_trace_limits_init(&lim, &cfg);
		lim.ports = cfg.ports;
		lim.nports = cfg.nports;
		struct sk_trace_reader_stats st = {0};
		struct sk_trace_queue q = {0};
		struct sk_capture *c;
		CHECK(sk_capture_new(&c, &lim, &q, &st) == 0);
		CHECK(sk_capture_frame(c, 101, fr, n, n, 1, 7) == 0);
		struct sk_trace_pkt p;
		size_t got = 0;
		while (sk_trace_queue_pop(&q, &p)) {
			CHECK(p.len > 0 && p.len <= lim.max_message);
			touch((struct sk_str){p.data, p.len});
			CHECK(p.frame == 1);
			got++;
		}
		CHECK(got <= 1);
		CHECK(st.hep <= got && skips(&st) <= 1);
		sk_capture_free(c);
		sk_trace_queue_free(&q);
	}
	free(fr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_datagram(data, size);
	as_frame(data, size);
	return 0;
}
