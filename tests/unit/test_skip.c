/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Why packets are not read (src/trace/skip.c): every reason has a stable
 * snake_case name and a summary, counts add up in the older totals, a too
 * large message keeps its declared size, TLS records are told apart.
 */
#include "sk_test.h"

#include "sipkit/trace.h"

#define CRLF "\r\n"

static void test_names_stable(void **state)
{
	(void)state;
	/* part of the JSON schema: a rename breaks every consumer */
	assert_string_equal(sk_trace_skip_name(SK_TRACE_SKIP_NOT_SIP), "not_sip");
	assert_string_equal(sk_trace_skip_name(SK_TRACE_SKIP_TLS), "tls");
	assert_string_equal(sk_trace_skip_name(SK_TRACE_SKIP_TOO_LARGE), "too_large");
	assert_string_equal(sk_trace_skip_name(SK_TRACE_SKIP_TOO_DEEP), "too_deep");
	assert_string_equal(sk_trace_skip_name(SK_TRACE_SKIP_SCTP_MALFORMED), "sctp_malformed");
	assert_null(sk_trace_skip_name(SK_TRACE_SKIP_COUNT));
	assert_null(sk_trace_skip_summary(SK_TRACE_SKIP_COUNT));
	for (unsigned i = 0; i < SK_TRACE_SKIP_COUNT; i++) {
		const char *n = sk_trace_skip_name((enum sk_trace_skip)i);
		assert_non_null(n);
		assert_non_null(sk_trace_skip_summary((enum sk_trace_skip)i));
		assert_int_equal(sk_trace_skip_find(n), i);
		for (const char *p = n; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			            *p == '_');
	}
	assert_int_equal(sk_trace_skip_find("nonsense"), SK_TRACE_SKIP_COUNT);
	assert_int_equal(sk_trace_skip_find(NULL), SK_TRACE_SKIP_COUNT);
}

static void test_counts(void **state)
{
	(void)state;
	struct sk_trace_reader_stats st = {0};
	sk_trace_skip_count(&st, SK_TRACE_SKIP_TLS);
	sk_trace_skip_count(&st, SK_TRACE_SKIP_TLS);
	sk_trace_skip_count(&st, SK_TRACE_SKIP_TRUNCATED);
	sk_trace_skip_count(&st, SK_TRACE_SKIP_KEEPALIVE);
	sk_trace_skip_count(&st, SK_TRACE_SKIP_COUNT); /* ignored */
	sk_trace_skip_too_large(&st, 90000, 7);
	sk_trace_skip_too_large(&st, 70000, 9);
	assert_int_equal(st.skipped[SK_TRACE_SKIP_TLS], 2);
	assert_int_equal(st.skipped[SK_TRACE_SKIP_TOO_LARGE], 2);
	assert_int_equal(st.too_large_max, 90000);
	assert_int_equal(st.too_large_frame, 7);
	assert_int_equal(sk_trace_skipped_total(&st), 6);
	assert_int_equal(st.not_sip, 2); /* tls */
	assert_int_equal(st.dropped, 3); /* truncated, too_large twice */

	struct sk_trace_totals t = {0};
	sk_trace_totals_add_skipped(&t, &st);
	sk_trace_totals_add_skipped(&t, &st);
	assert_int_equal(t.skipped[SK_TRACE_SKIP_TLS], 4);
	assert_int_equal(t.too_large_max, 90000);
}

static void test_declared_size(void **state)
{
	(void)state;
	static const char head[] = "INVITE sip:b@example.com SIP/2.0" CRLF "Call-ID: x" CRLF
	                           "Content-Length: 100000" CRLF CRLF "v=0";
	static const char compact[] = "MESSAGE sip:b@example.com SIP/2.0" CRLF "l: 12" CRLF CRLF;
	static const char open_head[] = "INVITE sip:b@example.com SIP/2.0" CRLF "Call-ID: x" CRLF;
	static const char no_cl[] = "INVITE sip:b@example.com SIP/2.0" CRLF "Call-ID: x" CRLF CRLF;
	uint64_t size;
	assert_true(sk_trace_declared_size(head, strlen(head), &size));
	assert_int_equal(size, strlen(head) - 3 + 100000);
	assert_true(sk_trace_declared_size(compact, strlen(compact), &size));
	assert_int_equal(size, strlen(compact) + 12);
	assert_false(sk_trace_declared_size(open_head, strlen(open_head), &size));
	assert_int_equal(size, strlen(open_head)); /* what was seen: a lower bound */
	assert_false(sk_trace_declared_size(no_cl, strlen(no_cl), &size));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_stable),
	    cmocka_unit_test(test_counts),
	    cmocka_unit_test(test_declared_size),
	};
	return cmocka_run_group_tests_name("skip", tests, NULL, NULL);
}
