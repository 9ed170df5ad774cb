/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream framing (RFC 3261 §18.3, RFC 5626 §3.5.1):
 *  - a message ends Content-Length bytes after the empty line; Content-Length is mandatory
 *  - CRLF keep-alives between messages are skipped
 *  - "need more bytes" (-SK_EAGAIN) is told apart from "malformed" and "too big"
 */
#include "sk_test.h"

#define CRLF "\r\n"

static const char two[] = CRLF CRLF CRLF CRLF /* keep-alive ping */
    "MESSAGE sip:a@example.com SIP/2.0" CRLF "Via: SIP/2.0/TCP h.example.com;branch=z9hG4bK1" CRLF
    "l: 5" CRLF CRLF "hello" CRLF CRLF "SIP/2.0 200 OK" CRLF "Content-Length:\t0" CRLF CRLF;

static void test_two_messages_and_keepalives(void **state)
{
	(void)state;
	size_t skip, len, off = 0;
	struct sk_msg *m;
	struct sk_parse_err e;

	assert_int_equal(sk_msg_new(&m, NULL), 0);
	assert_int_equal(sk_msg_frame(two, strlen(two), NULL, &skip, &len, &e), 0);
	assert_int_equal(skip, 8);
	assert_int_equal(sk_msg_parse_stream(m, two + skip, len, &e), 0);
	assert_str_view(sk_msg_body(m), "hello");
	off = skip + len;
	assert_int_equal(sk_msg_frame(two + off, strlen(two) - off, NULL, &skip, &len, &e), 0);
	assert_int_equal(skip, 4);
	assert_int_equal(sk_msg_parse_stream(m, two + off + skip, len, &e), 0);
	assert_int_equal(sk_msg_status(m), 200);
	off += skip + len;
	assert_int_equal(off, strlen(two));
	/* only keep-alives: more bytes needed, all of them skippable */
	assert_int_equal(sk_msg_frame(CRLF CRLF, 4, NULL, &skip, &len, &e), -SK_EAGAIN);
	assert_int_equal(skip, 4);
	sk_msg_free(m);
}

static void test_every_prefix_needs_more(void **state)
{
	(void)state;
	size_t skip, len, full;
	assert_int_equal(sk_msg_frame(two, strlen(two), NULL, &skip, &len, NULL), 0);
	full = skip + len;
	for (size_t n = 0; n < full; n++) {
		char *cut = malloc(n ? n : 1); /* exact size: ASan catches any over-read */
		memcpy(cut, two, n);
		int rc = sk_msg_frame(cut, n, NULL, &skip, &len, NULL);
		if (rc != -SK_EAGAIN)
			fail_msg("prefix of %zu bytes: rc %d", n, rc);
		free(cut);
	}
}

static void test_malformed_and_limits(void **state)
{
	(void)state;
	size_t skip, len;
	struct sk_parse_err e;
	struct sk_msg_limits lim = sk_msg_limits_default();
	static const char nocl[] = "OPTIONS sip:a@example.com SIP/2.0" CRLF "Via: x" CRLF CRLF;
	static const char neg[] =
	    "OPTIONS sip:a@example.com SIP/2.0" CRLF "Content-Length: -1" CRLF CRLF;
	static const char two_cl[] =
	    "OPTIONS sip:a@example.com SIP/2.0" CRLF "l: 1" CRLF "l: 2" CRLF CRLF "ab";
	static const char huge[] = "OPTIONS sip:a@example.com SIP/2.0" CRLF "l: 70000" CRLF CRLF;

	assert_int_equal(sk_msg_frame(nocl, strlen(nocl), NULL, &skip, &len, &e), -SK_EMALFORMED);
	assert_string_equal(e.hdr, "Content-Length");
	assert_int_equal(sk_msg_frame(neg, strlen(neg), NULL, &skip, &len, &e), -SK_EMALFORMED);
	assert_int_equal(e.line, 2);
	assert_int_equal(sk_msg_frame(two_cl, strlen(two_cl), NULL, &skip, &len, &e),
	                 -SK_EMALFORMED);
	assert_int_equal(sk_msg_frame(huge, strlen(huge), NULL, &skip, &len, &e), -SK_ETOOBIG);
	/* a peer that never ends its headers is cut off at the size limit */
	lim.max_msg_size = 256;
	char *junk = malloc(300);
	memset(junk, 'A', 300);
	assert_int_equal(sk_msg_frame(junk, 200, &lim, &skip, &len, &e), -SK_EAGAIN);
	assert_int_equal(sk_msg_frame(junk, 300, &lim, &skip, &len, &e), -SK_ETOOBIG);
	free(junk);
	/* a folded Content-Length still frames */
	static const char folded[] =
	    "OPTIONS sip:a@example.com SIP/2.0" CRLF "Content-Length:" CRLF " 2" CRLF CRLF "ok";
	assert_int_equal(sk_msg_frame(folded, strlen(folded), NULL, &skip, &len, &e), 0);
	assert_int_equal(len, strlen(folded));
}

static void test_stream_parse_requires_cl(void **state)
{
	(void)state;
	struct sk_msg *m;
	struct sk_parse_err e;
	static const char nocl[] = "OPTIONS sip:a@example.com SIP/2.0" CRLF "Call-ID: c" CRLF CRLF;
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	assert_int_equal(sk_msg_parse_stream(m, nocl, strlen(nocl), &e), -SK_EMALFORMED);
	assert_string_equal(e.hdr, "Content-Length");
	assert_int_equal(sk_msg_parse(m, nocl, strlen(nocl), &e), 0); /* fine over UDP */
	sk_msg_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_two_messages_and_keepalives),
	    cmocka_unit_test(test_every_prefix_needs_more),
	    cmocka_unit_test(test_malformed_and_limits),
	    cmocka_unit_test(test_stream_parse_requires_cl),
	};
	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
