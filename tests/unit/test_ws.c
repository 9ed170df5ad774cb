/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WebSocket frames and the opening handshake (RFC 6455, RFC 7118 §4.1):
 *  - the examples of RFC 6455 §5.7 read, masked and not, fragmented, ping/pong
 *  - every prefix of a frame needs more bytes (nothing consumed), never fails
 *  - a server refuses unmasked frames, a client masked ones (§5.1): 1002
 *  - absurd lengths fail from the header alone: 1009 (frame, message), 1002 (top bit,
 *    non-minimal), control frames over 125 bytes or fragmented: 1002
 *  - interleaved messages, continuation without a message: 1002; text not UTF-8: 1007
 *  - close frames: code and reason, invalid codes refused
 *  - the handshake: §1.3's accept value, the 101 with `sip`, refusals (400/426/431)
 */
#include "sk_test.h"

#include "sipkit/ws.h"

#define LIT(s) s, sizeof(s) - 1

static int next(struct sk_ws_reader *r, const char *b, size_t n, size_t *used,
                struct sk_ws_event *ev)
{
	return sk_ws_reader_next(r, b, n, used, ev);
}

static void test_rfc6455_examples(void **state)
{
	(void)state;
	struct sk_ws_reader cl, sv;
	struct sk_ws_event ev;
	size_t used;
	sk_ws_reader_init(&cl, SK_WS_CLIENT, NULL);
	sk_ws_reader_init(&sv, SK_WS_SERVER, NULL);
	/* §5.7: a single-frame unmasked text message */
	assert_int_equal(next(&cl, LIT("\x81\x05Hello"), &used, &ev), 0);
	assert_int_equal(used, 7);
	assert_int_equal(ev.kind, SK_WS_EV_MESSAGE);
	assert_int_equal(ev.opcode, SK_WS_TEXT);
	assert_str_view(ev.data, "Hello");
	/* a single-frame masked text message */
	assert_int_equal(next(&sv, LIT("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"), &used, &ev),
	                 0);
	assert_int_equal(used, 11);
	assert_str_view(ev.data, "Hello");
	/* a fragmented unmasked text message */
	assert_int_equal(next(&cl, LIT("\x01\x03Hel"), &used, &ev), 0);
	assert_int_equal(ev.kind, SK_WS_EV_FRAGMENT);
	/* a ping between the fragments is allowed (§5.4) */
	assert_int_equal(next(&cl, LIT("\x89\x05Hello"), &used, &ev), 0);
	assert_int_equal(ev.kind, SK_WS_EV_PING);
	assert_str_view(ev.data, "Hello");
	assert_int_equal(next(&cl, LIT("\x80\x02lo"), &used, &ev), 0);
	assert_int_equal(ev.kind, SK_WS_EV_MESSAGE);
	assert_str_view(ev.data, "Hello");
	/* a masked pong */
	assert_int_equal(next(&sv, LIT("\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"), &used, &ev),
	                 0);
	assert_int_equal(ev.kind, SK_WS_EV_PONG);
	assert_str_view(ev.data, "Hello");
	/* 256 bytes of binary in one unmasked frame (16-bit length) */
	char big[4 + 256];
	assert_int_equal(sk_ws_frame_header(big, SK_WS_BINARY, true, 256, NULL), 4);
	assert_memory_equal(big, "\x82\x7e\x01\x00", 4);
	memset(big + 4, 0xff, 256); /* binary: not UTF-8, and need not be */
	assert_int_equal(next(&cl, big, sizeof(big), &used, &ev), 0);
	assert_int_equal(ev.opcode, SK_WS_BINARY);
	assert_int_equal(ev.data.len, 256);
	assert_int_equal(cl.messages, 3);
	sk_ws_reader_free(&cl);
	sk_ws_reader_free(&sv);
}

/* A message written masked, read back by a server, for every length form. */
static void test_round_trip(void **state)
{
	(void)state;
	static const size_t sizes[] = {0, 1, 125, 126, 65535, 65536, 70000};
	const uint8_t key[4] = {1, 2, 3, 0xfe};
	struct sk_ws_limits lim = {.max_frame = 100000, .max_message = 100000};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		char *buf = malloc(14 + n);
		assert_non_null(buf);
		size_t hl = sk_ws_frame_header(buf, SK_WS_BINARY, true, n, key);
		assert_int_equal(hl, (n < 126 ? 2 : n <= 65535 ? 4 : 10) + 4);
		for (size_t j = 0; j < n; j++)
			buf[hl + j] = (char)(j * 7);
		sk_ws_mask(buf + hl, n, key, 0);
		struct sk_ws_reader r;
		struct sk_ws_event ev;
		size_t used;
		sk_ws_reader_init(&r, SK_WS_SERVER, &lim);
		/* every prefix: more bytes needed, nothing consumed */
		for (size_t cut = 0; cut < hl + n; cut += cut < 20 ? 1 : 4099)
			assert_int_equal(next(&r, buf, cut, &used, &ev), -SK_EAGAIN);
		assert_int_equal(next(&r, buf, hl + n, &used, &ev), 0);
		assert_int_equal(used, hl + n);
		assert_int_equal(ev.data.len, n);
		for (size_t j = 0; j < n; j++)
			assert_int_equal((unsigned char)ev.data.p[j], (unsigned char)(j * 7));
		sk_ws_reader_free(&r);
		free(buf);
	}
}

static void expect_close(enum sk_ws_role role, const struct sk_ws_limits *lim, const char *b,
                         size_t n, int rc, uint16_t code)
{
	struct sk_ws_reader r;
	struct sk_ws_event ev;
	size_t used = 99;
	sk_ws_reader_init(&r, role, lim);
	int got = next(&r, b, n, &used, &ev);
	if (got != rc || r.close_code != code)
		fail_msg("expected %d/%u, got %d/%u (%s)", rc, code, got, r.close_code,
		         r.why ? r.why : "");
	assert_int_equal(used, 0);
	assert_non_null(r.why);
	sk_ws_reader_free(&r);
}

static void test_bad_frames(void **state)
{
	(void)state;
	struct sk_ws_limits small = {.max_frame = 1000, .max_message = 1500};
	/* §5.1: unmasked from a client, masked from a server */
	expect_close(SK_WS_SERVER, NULL, LIT("\x81\x05Hello"), -SK_EMALFORMED, 1002);
	expect_close(SK_WS_CLIENT, NULL, LIT("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"),
	             -SK_EMALFORMED, 1002);
	/* absurd lengths, known from the header: 2^63-1 and 2^62 bytes announced */
	expect_close(SK_WS_SERVER, NULL, LIT("\x82\xff\x7f\xff\xff\xff\xff\xff\xff\xff"),
	             -SK_ETOOBIG, 1009);
	expect_close(SK_WS_OBSERVER, NULL, LIT("\x82\x7f\x40\x00\x00\x00\x00\x00\x00\x00"),
	             -SK_ETOOBIG, 1009);
	/* the top bit of a 64-bit length, a length not in its shortest form */
	expect_close(SK_WS_OBSERVER, NULL, LIT("\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x01"),
	             -SK_EMALFORMED, 1002);
	expect_close(SK_WS_OBSERVER, NULL, LIT("\x82\x7e\x00\x05Hello"), -SK_EMALFORMED, 1002);
	expect_close(SK_WS_OBSERVER, NULL, LIT("\x82\x7f\x00\x00\x00\x00\x00\x00\x00\x05Hello"),
	             -SK_EMALFORMED, 1002);
	/* over the frame limit */
	expect_close(SK_WS_OBSERVER, &small, LIT("\x82\x7e\x03\xe9"), -SK_ETOOBIG, 1009);
	/* RSV bits, unknown opcodes */
	expect_close(SK_WS_OBSERVER, NULL, LIT("\xc1\x00"), -SK_EMALFORMED, 1002);
	expect_close(SK_WS_OBSERVER, NULL, LIT("\x83\x00"), -SK_EMALFORMED, 1002);
	expect_close(SK_WS_OBSERVER, NULL, LIT("\x8b\x00"), -SK_EMALFORMED, 1002);
	/* control frames: over 125 bytes, fragmented */
	expect_close(SK_WS_OBSERVER, NULL, LIT("\x89\x7e\x00\x7e"), -SK_EMALFORMED, 1002);
	expect_close(SK_WS_OBSERVER, NULL, LIT("\x09\x00"), -SK_EMALFORMED, 1002);
	/* continuation without a message */
	expect_close(SK_WS_OBSERVER, NULL, LIT("\x80\x02lo"), -SK_EMALFORMED, 1002);
	/* text that is not UTF-8 (an overlong '/', a lone continuation byte, a surrogate) */
	expect_close(SK_WS_OBSERVER, NULL, LIT("\x81\x02\xc0\xaf"), -SK_EMALFORMED, 1007);
	expect_close(SK_WS_OBSERVER, NULL, LIT("\x81\x01\x80"), -SK_EMALFORMED, 1007);
	expect_close(SK_WS_OBSERVER, NULL, LIT("\x81\x03\xed\xa0\x80"), -SK_EMALFORMED, 1007);
	/* a close frame with one byte, with a code never sent, with a reason not UTF-8 */
	expect_close(SK_WS_OBSERVER, NULL, LIT("\x88\x01\x03"), -SK_EMALFORMED, 1002);
	expect_close(SK_WS_OBSERVER, NULL, LIT("\x88\x02\x03\xed"), -SK_EMALFORMED, 1002);
	expect_close(SK_WS_OBSERVER, NULL, LIT("\x88\x03\x03\xe8\xff"), -SK_EMALFORMED, 1007);
}

static void test_fragments_bounded(void **state)
{
	(void)state;
	struct sk_ws_limits lim = {.max_frame = 1000, .max_message = 1500};
	struct sk_ws_reader r;
	struct sk_ws_event ev;
	size_t used;
	char f[4 + 1000];
	sk_ws_reader_init(&r, SK_WS_OBSERVER, &lim);
	sk_ws_frame_header(f, SK_WS_TEXT, false, 1000, NULL);
	memset(f + 4, 'a', 1000);
	assert_int_equal(next(&r, f, sizeof(f), &used, &ev), 0);
	assert_int_equal(ev.kind, SK_WS_EV_FRAGMENT);
	/* a new message inside one */
	struct sk_ws_reader r2 = r;
	assert_int_equal(next(&r2, LIT("\x81\x01x"), &used, &ev), -SK_EMALFORMED);
	assert_int_equal(r2.close_code, 1002);
	/* the message limit, from the continuation's header alone */
	sk_ws_frame_header(f, SK_WS_CONT, true, 501, NULL);
	assert_int_equal(next(&r, f, 4, &used, &ev), -SK_ETOOBIG);
	assert_int_equal(r.close_code, 1009);
	sk_ws_reader_free(&r);
}

static void test_close(void **state)
{
	(void)state;
	struct sk_ws_reader r;
	struct sk_ws_event ev;
	size_t used;
	char p[125], f[14 + 125];
	sk_ws_reader_init(&r, SK_WS_OBSERVER, NULL);
	assert_int_equal(next(&r, LIT("\x88\x00"), &used, &ev), 0);
	assert_int_equal(ev.kind, SK_WS_EV_CLOSE);
	assert_int_equal(ev.close_code, 1005);
	size_t n = sk_ws_close_payload(p, sizeof(p), 1001, "going away");
	size_t hl = sk_ws_frame_header(f, SK_WS_CLOSE, true, n, NULL);
	memcpy(f + hl, p, n);
	assert_int_equal(next(&r, f, hl + n, &used, &ev), 0);
	assert_int_equal(ev.close_code, 1001);
	assert_str_view(ev.data, "going away");
	/* a reason too long is cut to fit 125 bytes, never inside a character */
	char reason[200];
	for (size_t i = 0; i + 2 < sizeof(reason); i += 2)
		memcpy(reason + i, "\xc3\xa9", 2);
	reason[198] = '\0';
	n = sk_ws_close_payload(p, sizeof(p), 1000, reason);
	assert_true(n <= 125);
	assert_true(sk_ws_utf8_valid(p + 2, n - 2));
	assert_int_equal(n, 124);
	sk_ws_reader_free(&r);
}

static const char upgrade[] = "GET /sip HTTP/1.1\r\n"
                              "Host: 127.0.0.1:8080\r\n"
                              "Upgrade: websocket\r\n"
                              "Connection: keep-alive, Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Origin: http://127.0.0.1:8000\r\n"
                              "Sec-WebSocket-Protocol: chat, sip\r\n"
                              "Sec-WebSocket-Version: 13\r\n"
                              "\r\n";

static void test_handshake(void **state)
{
	(void)state;
	struct sk_ws_http_req req;
	size_t used;
	int status = 0;
	const char *why = NULL;
	char out[512], v[29];
	/* §1.3's example */
	assert_int_equal(sk_ws_accept_value(SK_STR_LIT("dGhlIHNhbXBsZSBub25jZQ=="), v), 0);
	assert_string_equal(v, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	for (size_t cut = 0; cut < sizeof(upgrade) - 1; cut++)
		assert_int_equal(
		    sk_ws_http_request_parse(upgrade, cut, 8192, &req, &used, &status, &why),
		    -SK_EAGAIN);
	assert_int_equal(sk_ws_http_request_parse(LIT(upgrade), 8192, &req, &used, &status, &why),
	                 0);
	assert_int_equal(used, sizeof(upgrade) - 1);
	assert_true(req.offers_sip);
	assert_str_view(req.origin, "http://127.0.0.1:8000");
	assert_str_view(req.path, "/sip");
	int n = sk_ws_http_accept_write(out, sizeof(out), &req);
	assert_true(n > 0);
	assert_non_null(strstr(out, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
	assert_non_null(strstr(out, "Sec-WebSocket-Protocol: sip\r\n"));
	struct sk_ws_http_resp resp;
	assert_int_equal(sk_ws_http_response_parse(out, (size_t)n, 8192, &resp, &used, &why), 0);
	assert_int_equal(resp.status, 101);
	assert_str_view(resp.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	assert_str_view(resp.protocol, "sip");
	/* the client's request, as written, parses */
	n = sk_ws_http_request_write(out, sizeof(out), "h", "/", NULL, "AAAAAAAAAAAAAAAAAAAAAA==");
	assert_true(n > 0);
	assert_int_equal(sk_ws_http_request_parse(out, (size_t)n, 8192, &req, &used, &status, &why),
	                 0);
}

static void expect_refused(const char *text, size_t max, int rc, int status)
{
	struct sk_ws_http_req req;
	size_t used;
	int st = 0;
	const char *why = NULL;
	int got = sk_ws_http_request_parse(text, strlen(text), max, &req, &used, &st, &why);
	if (got != rc || st != status)
		fail_msg("expected %d/%d, got %d/%d (%s) for %s", rc, status, got, st,
		         why ? why : "", text);
	assert_non_null(why);
}

static void test_handshake_refused(void **state)
{
	(void)state;
	char t[1024];
	struct {
		const char *from, *to;
		int status;
	} cases[] = {
	    {"Sec-WebSocket-Protocol: chat, sip", "Sec-WebSocket-Protocol: chat", 400},
	    {"Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8", 426},
	    {"Upgrade: websocket", "Upgrade: h2c", 400},
	    {"keep-alive, Upgrade", "keep-alive", 400},
	    {"dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ", 400},
	    {"GET /sip", "POST /sip", 400},
	    {"Host: 127.0.0.1:8080", "X: y", 400},
	    {"Origin: http", " folded", 400},
	    {"HTTP/1.1", "HTTP/1.0", 400},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *at = strstr(upgrade, cases[i].from);
		assert_non_null(at);
		snprintf(t, sizeof(t), "%.*s%s%s", (int)(at - upgrade), upgrade, cases[i].to,
		         at + strlen(cases[i].from));
		expect_refused(t, 8192, -SK_EMALFORMED, cases[i].status);
	}
	/* no empty line within the limit */
	expect_refused(upgrade, 64, -SK_ETOOBIG, 431);
	/* a bare LF */
	expect_refused("GET / HTTP/1.1\nHost: x\r\n\r\n", 8192, -SK_EMALFORMED, 400);
	char out[256];
	int n = sk_ws_http_refuse_write(out, sizeof(out), 426, NULL);
	assert_true(n > 0);
	assert_non_null(strstr(out, "Sec-WebSocket-Version: 13\r\n"));
	assert_int_equal(sk_ws_http_refuse_write(out, 20, 403, "origin not allowed"), -SK_ETOOBIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc6455_examples),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_bad_frames),
	    cmocka_unit_test(test_fragments_bounded),
	    cmocka_unit_test(test_close),
	    cmocka_unit_test(test_handshake),
	    cmocka_unit_test(test_handshake_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
