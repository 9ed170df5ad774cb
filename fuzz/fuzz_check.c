/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the trace checker (src/trace: flow, rules, outcome) and
 * its text and JSON renderers.
 *
 * The input is a sequence of messages separated by the byte 0x1e; the first
 * byte of each record says where it goes: bits 0-1 the source host and 2-3
 * the destination host (of four loopback addresses), bit 4 TCP, bits 5-7 how
 * far its time moves on (0 to 7 seconds, in steps: 0, 1 ms, 10 ms, 100 ms,
 * 1 s, 2 s, 10 s, 40 s). An input without 0x1e is one message. Every call is
 * rendered (to a memory stream) and checked: findings point at messages of
 * their call, each transaction's indexes are in range. The checker holds at
 * most four calls and 64 messages per call, so eviction and the per-call
 * limit run too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipkit/trace.h"

#include "fuzz_util.h"

static void check_call(void *arg, const struct sk_trace_call *c)
{
	FILE *out = arg;
	CHECK(c->nhosts <= 32);
	for (size_t i = 0; i < c->nmsgs; i++) {
		CHECK(c->msgs[i].from_host < c->nhosts && c->msgs[i].to_host < c->nhosts);
		CHECK(c->msgs[i].txn < (int32_t)c->ntxns);
	}
	for (size_t k = 0; k < c->ntxns; k++) {
		const struct sk_trace_txn *t = &c->txns[k];
		CHECK(t->request < c->nmsgs);
		CHECK(t->final < (int32_t)c->nmsgs && t->first_prov < (int32_t)c->nmsgs);
		CHECK(t->cancel < (int32_t)c->ntxns && t->parent < (int32_t)c->ntxns);
	}
	for (size_t i = 0; i < c->nfindings; i++) {
		CHECK(c->findings[i].nmsgs >= 1 && c->findings[i].nmsgs <= SK_TRACE_FINDING_MSGS);
		for (size_t j = 0; j < c->findings[i].nmsgs; j++)
			CHECK(c->findings[i].msgs[j] < c->nmsgs);
	}
	CHECK(c->root < (int32_t)c->ntxns);
	CHECK(c->ndialogs <= SK_TRACE_MAX_DIALOGS);
	for (size_t d = 0; d < c->ndialogs; d++)
		CHECK(c->dialogs[d].first < (int32_t)c->nmsgs &&
		      c->dialogs[d].confirmed < (int32_t)c->nmsgs &&
		      c->dialogs[d].ended < (int32_t)c->nmsgs);
	sk_trace_render_text(out, c);
	sk_trace_render_json(out, c);
	sk_trace_html_call(out, c);
}

static const int64_t steps_us[8] = {0, 1000, 10000, 100000, 1000000, 2000000, 10000000, 40000000};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct sk_trace_checker *chk;
	struct sk_trace_check_config cfg = {.max_calls = 4, .max_call_msgs = 64, .idle_ms = 20000};
	if (!out)
		return 0;
	if (sk_trace_checker_new(&chk, &cfg, check_call, out) < 0) {
		fclose(out);
		free(buf);
		return 0;
	}
	bool records = memchr(data, 0x1e, size) != NULL;
	int64_t now = 1000000000000;
	uint64_t frame = 0;
	for (size_t pos = 0; pos < size || (!records && pos == 0 && size == 0);) {
		const uint8_t *end = records ? memchr(data + pos, 0x1e, size - pos) : NULL;
		size_t n = end ? (size_t)(end - (data + pos)) : size - pos;
		uint8_t meta = records && n ? data[pos] : 0;
		const uint8_t *msg = data + pos + (records && n ? 1 : 0);
		size_t mlen = records && n ? n - 1 : n;
		struct sk_trace_pkt pkt = {
		    .frame = ++frame, .data = (const char *)msg, .len = mlen};
		now += steps_us[meta >> 5];
		pkt.ts_us = now;
		pkt.src = (struct sk_trace_addr){
		    .family = 4, .ip = {127, 0, 0, 1}, .port = 5060 + (meta & 3)};
		pkt.dst = (struct sk_trace_addr){
		    .family = 4, .ip = {127, 0, 0, 1}, .port = 5060 + ((meta >> 2) & 3)};
		pkt.proto = meta & 0x10 ? SK_TRACE_TCP : SK_TRACE_UDP;
		sk_trace_checker_add(chk, &pkt, 0);
		pos += n + (end ? 1 : 0);
		if (!n && !end)
			break;
	}
	sk_trace_checker_finish(chk);
	const struct sk_trace_totals *t = sk_trace_checker_totals(chk);
	CHECK(t->messages == frame);
	sk_trace_render_totals_text(out, t);
	sk_trace_render_totals_json(out, t);
	sk_trace_checker_free(chk);
	fclose(out);
	free(buf);
	return 0;
}
