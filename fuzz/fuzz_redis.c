/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: what a Redis server (or something posing as one) sends
 * the Redis location store (src/proxy/location_redis.c, redis_conn.c).
 *
 * The input is one reply's bytes. It is decoded with the bounds of a
 * connection (sk_redis_decode: hiredis's reader behind our limits on bytes,
 * array elements and string sizes), then read as a lookup's reply
 * (sk_location_redis_bindings). Invariants: a decoded reply never holds more
 * elements or longer strings than the bounds allow; the bindings taken from
 * it are at most max, each with NUL-terminated fields of their size, a
 * non-empty contact, q <= 1000, an expiry after now, in q order.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/proxy/location_redis.h"
#include "fuzz_util.h"

#define FZ_MAX_ELEMENTS 4096
#define FZ_MAX_STRING   4096

static size_t count_elements(const redisReply *r, size_t depth)
{
	size_t n = 0;
	CHECK(depth < 16);
	if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
	    r->type == REDIS_REPLY_ERROR)
		CHECK(r->len <= FZ_MAX_STRING);
	if (r->type == REDIS_REPLY_ARRAY)
		for (size_t i = 0; i < r->elements; i++)
			n += 1 + count_elements(r->element[i], depth + 1);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sk_clock *clock;
	static struct sk_redis *r;
	if (!r) { /* one decoder for the run: no I/O, the URL is never connected to */
		struct sk_redis_config cfg = {.url = "redis://127.0.0.1:6379", .clock = NULL};
		CHECK(sk_clock_new_virtual(&clock, 1000) == 0);
		cfg.clock = clock;
		cfg.max_reply_elements = FZ_MAX_ELEMENTS;
		cfg.max_string = FZ_MAX_STRING;
		CHECK(sk_redis_new(&r, &cfg) == 0);
	}
	redisReply *rep = NULL;
	int rc = sk_redis_decode(r, (const char *)data, size, &rep);
	CHECK(rc == 0 || rc == -SK_EAGAIN || rc == -SK_EMALFORMED || rc == -SK_ENOMEM);
	CHECK((rc == 0) == (rep != NULL));
	if (!rep)
		return 0;
	CHECK(count_elements(rep, 0) <= FZ_MAX_ELEMENTS);
	struct sk_binding out[8];
	size_t bad = 0;
	uint64_t now = 5000;
	int n = sk_location_redis_bindings(rep, now, out, 8, &bad);
	CHECK(n >= -SK_EIO && n <= 8);
	for (int i = 0; i < n; i++) {
		const struct sk_binding *b = &out[i];
		CHECK(memchr(b->contact, '\0', sizeof(b->contact)) && b->contact[0]);
		CHECK(memchr(b->call_id, '\0', sizeof(b->call_id)));
		CHECK(memchr(b->source, '\0', sizeof(b->source)));
		CHECK(memchr(b->transport, '\0', sizeof(b->transport)));
		CHECK(b->q <= 1000 && b->expires_at > now);
		CHECK(i == 0 || out[i - 1].q >= b->q);
	}
	freeReplyObject(rep);
	return 0;
}
