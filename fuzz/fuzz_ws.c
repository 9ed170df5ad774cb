/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: WebSocket (RFC 6455) frames and the opening handshake.
 *
 * Byte 0 picks the reader's role (server, client, observer) and its limits;
 * the rest is one direction of a connection: an optional HTTP upgrade request
 * (parsed; when accepted, the 101 written and parsed back), then frames.
 * The frames are read
 *   1. from one buffer, frame after frame, until more bytes are needed or an error;
 *   2. as a socket would give them: in chunks whose sizes derive from the data,
 *      the reader called after every chunk on what is buffered.
 * Both must see the same events in the same order (kind, opcode, data) and end
 * with the same verdict. Every promise of sk_ws_reader_next is checked: nothing
 * consumed unless 0, a consumed frame within the input, messages within the limits,
 * text messages UTF-8, an error with a close code of 1002, 1007 or 1009 and a why.
 * Every whole message is written again as masked fragments and read back by a
 * server reader: the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sipkit/ws.h"

#include "fuzz_util.h"

static const struct sk_ws_limits lims[4] = {{0, 0}, {125, 300}, {1000, 1000}, {16, 65536}};

struct trail {
	uint64_t h; /* a running hash of the events */
	size_t events;
	int verdict;
};

static void mix(struct trail *t, uint64_t v)
{
	t->h = (t->h ^ v) * 0x100000001b3ULL;
}

static void record(struct trail *t, const struct sk_ws_event *ev)
{
	mix(t, ev->kind);
	mix(t, ev->opcode);
	mix(t, ev->close_code);
	mix(t, ev->data.len);
	for (size_t i = 0; i < ev->data.len; i++)
		mix(t, (unsigned char)ev->data.p[i]);
	t->events++;
}

/* A whole message, written again as masked fragments of 1 + (len % 7) * 10 bytes. */
static void round_trip(const struct sk_ws_event *ev)
{
	size_t n = ev->data.len, frag = 1 + (n % 7) * 10;
	size_t nfr = n ? (n + frag - 1) / frag : 1;
	char *buf = malloc(nfr * 14 + n + 1);
	CHECK(buf != NULL);
	const uint8_t key[4] = {(uint8_t)n, 0x5a, 0xa5, (uint8_t)(n >> 8)};
	size_t w = 0;
	for (size_t off = 0, i = 0; i < nfr; i++, off += frag) {
		size_t k = n - off < frag ? n - off : frag;
		w += sk_ws_frame_header(buf + w, i ? SK_WS_CONT : ev->opcode, i + 1 == nfr, k, key);
		memcpy(buf + w, ev->data.p + off, k);
		sk_ws_mask(buf + w, k, key, 0);
		w += k;
	}
	struct sk_ws_limits big = {65536, 65536};
	struct sk_ws_reader r;
	struct sk_ws_event back;
	size_t used, at = 0;
	sk_ws_reader_init(&r, SK_WS_SERVER, &big);
	for (;;) {
		CHECK(sk_ws_reader_next(&r, buf + at, w - at, &used, &back) == 0);
		at += used;
		if (back.kind == SK_WS_EV_MESSAGE)
			break;
		CHECK(back.kind == SK_WS_EV_FRAGMENT);
	}
	CHECK(at == w);
	CHECK(back.opcode == ev->opcode && back.data.len == n);
	CHECK(n == 0 || memcmp(back.data.p, ev->data.p, n) == 0);
	sk_ws_reader_free(&r);
	free(buf);
}

/* Calls the reader and checks what it promises. */
static int step(struct sk_ws_reader *r, const char *buf, size_t len, size_t *used,
                struct sk_ws_event *ev)
{
	int rc = sk_ws_reader_next(r, buf, len, used, ev);
	if (rc != 0) {
		CHECK(*used == 0);
		if (rc != -SK_EAGAIN) {
			CHECK(rc == -SK_EMALFORMED || rc == -SK_ETOOBIG || rc == -SK_ENOMEM);
			CHECK(r->why != NULL);
			CHECK(r->close_code == 1002 || r->close_code == 1007 ||
			      r->close_code == 1009 || r->close_code == 1011);
		}
		return rc;
	}
	CHECK(*used >= 2 && *used <= len);
	CHECK(*used - 2 <= (size_t)r->lim.max_frame + 12);
	touch(ev->data);
	if (ev->kind == SK_WS_EV_MESSAGE) {
		CHECK(ev->opcode == SK_WS_TEXT || ev->opcode == SK_WS_BINARY);
		CHECK(ev->data.len <= r->lim.max_message);
		CHECK(ev->opcode != SK_WS_TEXT || sk_ws_utf8_valid(ev->data.p, ev->data.len));
	} else if (ev->kind == SK_WS_EV_CLOSE || ev->kind == SK_WS_EV_PING ||
	           ev->kind == SK_WS_EV_PONG) {
		CHECK(ev->data.len <= 125);
	}
	return 0;
}

static void read_whole(enum sk_ws_role role, const struct sk_ws_limits *lim, const char *buf,
                       size_t len, struct trail *t)
{
	struct sk_ws_reader r;
	struct sk_ws_event ev;
	size_t used, at = 0;
	int rc;
	sk_ws_reader_init(&r, role, lim);
	while ((rc = step(&r, buf + at, len - at, &used, &ev)) == 0) {
		record(t, &ev);
		if (ev.kind == SK_WS_EV_MESSAGE)
			round_trip(&ev);
		at += used;
	}
	t->verdict = rc;
	sk_ws_reader_free(&r);
}

static void read_chunked(enum sk_ws_role role, const struct sk_ws_limits *lim, const char *buf,
                         size_t len, struct trail *t)
{
	struct sk_ws_reader r;
	struct sk_ws_event ev;
	char *in = malloc(len + 1);
	size_t have = 0, fed = 0, used;
	int rc = -SK_EAGAIN;
	CHECK(in != NULL);
	sk_ws_reader_init(&r, role, lim);
	while (fed < len && (rc == -SK_EAGAIN || rc == 0)) {
		size_t chunk = 1 + (unsigned char)buf[fed] % 37;
		if (chunk > len - fed)
			chunk = len - fed;
		memcpy(in + have, buf + fed, chunk);
		have += chunk;
		fed += chunk;
		while ((rc = step(&r, in, have, &used, &ev)) == 0) {
			record(t, &ev);
			memmove(in, in + used, have - used);
			have -= used;
		}
	}
	t->verdict = len ? rc : -SK_EAGAIN;
	sk_ws_reader_free(&r);
	free(in);
}

static size_t handshake(const char *buf, size_t len)
{
	struct sk_ws_http_req req;
	size_t used = 0;
	int status = 0;
	const char *why = NULL;
	int rc = sk_ws_http_request_parse(buf, len, 8192, &req, &used, &status, &why);
	if (rc == 0) {
		CHECK(used > 0 && used <= len);
		touch(req.path);
		touch(req.origin);
		touch(req.protocols);
		char out[512];
		int n = sk_ws_http_accept_write(out, sizeof(out), &req);
		CHECK(n > 0);
		struct sk_ws_http_resp resp;
		size_t rused;
		CHECK(sk_ws_http_response_parse(out, (size_t)n, 8192, &resp, &rused, &why) == 0);
		CHECK(resp.status == 101 && rused == (size_t)n && resp.accept.len == 28);
		return used;
	}
	CHECK(used == 0);
	if (rc != -SK_EAGAIN) {
		CHECK(why != NULL);
		CHECK(status == 400 || status == 426 || status == 431);
		char out[512];
		CHECK(sk_ws_http_refuse_write(out, sizeof(out), status, why) > 0);
	}
	/* the same bytes as a response: bounded, never a crash */
	struct sk_ws_http_resp resp;
	(void)sk_ws_http_response_parse(buf, len, 8192, &resp, &used, &why);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum sk_ws_role role = (enum sk_ws_role)(data[0] % 3);
	const struct sk_ws_limits *lim = &lims[(data[0] >> 2) & 3];
	const char *buf = (const char *)data + 1;
	size_t len = size - 1;
	size_t hs = handshake(buf, len);
	buf += hs;
	len -= hs;
	struct trail whole = {0xcbf29ce484222325ULL, 0, 0}, chunked = whole;
	read_whole(role, lim, buf, len, &whole);
	read_chunked(role, lim, buf, len, &chunked);
	CHECK(whole.events == chunked.events);
	CHECK(whole.h == chunked.h);
	CHECK(whole.verdict == chunked.verdict);
	return 0;
}
