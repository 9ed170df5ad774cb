/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Typed values parsed alone: Reason (RFC 3326 §2, 3GPP TS 24.229 protocols),
 * Via (§20.42, RFC 3581), name-addr / addr-spec (§20.10), generic-params (§25.1).
 */
#include "sk_test.h"

static void test_reason(void **state)
{
	(void)state;
	struct sk_reason r[4];
	size_t n;
	const char *why;

	assert_int_equal(
	    sk_reason_parse(sk_str_c("SIP ;cause=200 ;text=\"Call completed elsewhere\""), r, 4, &n,
	                    &why),
	    0);
	assert_int_equal(n, 1);
	assert_str_view(r[0].protocol, "SIP");
	assert_true(r[0].has_cause);
	assert_int_equal(r[0].cause, 200);
	assert_str_view(r[0].text, "Call completed elsewhere");
	assert_int_equal(
	    sk_reason_parse(sk_str_c("Q.850;cause=16;text=\"Terminated\", "
	                             "RELEASE_CAUSE;cause=3;text=\"Media bearer loss\", "
	                             "FAILURE_CAUSE;cause=1;x-ext=\"v\""),
	                    r, 4, &n, &why),
	    0);
	assert_int_equal(n, 3);
	assert_str_view(r[1].protocol, "RELEASE_CAUSE");
	assert_int_equal(r[1].cause, 3);
	assert_str_view(r[2].params, "cause=1;x-ext=\"v\"");
	assert_null(r[2].text.p);
	/* text with a comma inside the quotes is one value */
	assert_int_equal(sk_reason_parse(sk_str_c("SIP;text=\"a, b\""), r, 4, &n, &why), 0);
	assert_int_equal(n, 1);
	assert_false(r[0].has_cause);
	static const char *const bad[] = {"",
	                                  ";cause=1",
	                                  "SIP;cause=",
	                                  "SIP;cause=x1",
	                                  "SIP;text=unquoted",
	                                  "SIP;;cause=1",
	                                  "SIP,",
	                                  "SIP;text=\"open",
	                                  "SIP;cause=99999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (sk_reason_parse(sk_str_c(bad[i]), r, 4, &n, &why) == 0)
			fail_msg("accepted Reason '%s'", bad[i]);
		assert_non_null(why);
	}
	assert_int_equal(sk_reason_parse(sk_str_c("A, B, C"), r, 2, &n, &why), -SK_ETOOBIG);
}

static void test_via(void **state)
{
	(void)state;
	struct sk_via v;
	const char *why;

	assert_int_equal(sk_via_parse(&v,
	                              sk_str_c("SIP / 2.0 / UDP   host.example.com : 5060 ; branch "
	                                       "= z9hG4bKa ; rport = 5061 ; received=192.0.2.1"),
	                              &why),
	                 0);
	assert_str_view(v.host, "host.example.com");
	assert_int_equal(v.port, 5060);
	assert_str_view(v.branch, "z9hG4bKa");
	assert_str_view(v.rport, "5061");
	assert_str_view(v.received, "192.0.2.1");
	assert_int_equal(
	    sk_via_parse(&v, sk_str_c("SIP/2.0/UDP 192.0.2.1;received=2001:db8::9:255"), &why), 0);
	assert_str_view(v.received, "2001:db8::9:255");
	assert_null(v.branch.p);
	assert_false(sk_via_branch_is_3261(&v));
	assert_int_equal(
	    sk_via_parse(&v, sk_str_c("SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK"), &why), 0);
	assert_true(sk_via_branch_is_3261(&v));
	static const char *const bad[] = {"SIP/2.0/UDP",
	                                  "SIP/2.0 host",
	                                  "SIP/2.0/UDP host:99999",
	                                  "SIP/2.0/UDP host;",
	                                  "SIP/2.0/UDP host;branch=",
	                                  "SIP/2.0/UDP host extra",
	                                  "SIP/2.0/UDPhost",
	                                  "/2.0/UDP h",
	                                  "SIP/2.0/UDP [::1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sk_via_parse(&v, sk_str_c(bad[i]), &why) == 0)
			fail_msg("accepted Via '%s'", bad[i]);
	}
}

static void test_addr(void **state)
{
	(void)state;
	struct sk_addr a;
	const char *why;

	assert_int_equal(
	    sk_addr_parse(&a, sk_str_c("\"A, B\" <sip:a@example.com;lr>;tag=x;foo"), false, &why),
	    0);
	assert_str_view(a.display, "\"A, B\"");
	assert_str_view(a.uri.params, "lr");
	assert_str_view(a.tag, "x");
	assert_str_view(a.params, "tag=x;foo");
	/* addr-spec: the parameters are header parameters (§20.10) */
	assert_int_equal(sk_addr_parse(&a, sk_str_c("sip:a@example.com;tag=y"), false, &why), 0);
	assert_false(a.angle);
	assert_null(a.uri.params.p);
	assert_str_view(a.tag, "y");
	assert_int_equal(sk_addr_parse(&a, sk_str_c("*"), true, &why), 0);
	assert_true(a.star);
	assert_int_equal(sk_addr_parse(&a, sk_str_c("<tel:+15551234>"), false, &why), 0);
	assert_int_equal(a.uri.scheme, SK_URI_TEL);
	assert_int_equal(sk_addr_parse(&a,
	                               sk_str_c("Anonymous<sip:anonymous@anonymous.invalid>;tag=1"),
	                               false, &why),
	                 0);
	assert_str_view(a.display, "Anonymous");
	static const char *const bad[] = {"*",
	                                  "<sip:a@example.com",
	                                  "\"open <sip:a@b.c>",
	                                  "A, B <sip:a@b.c>",
	                                  "< sip:a@b.c>",
	                                  "<sip:a@b.c>;",
	                                  "<sip:a@b.c> junk",
	                                  "sip:a@b.c?x=y",
	                                  "",
	                                  "<>"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sk_addr_parse(&a, sk_str_c(bad[i]), false, &why) == 0)
			fail_msg("accepted address '%s'", bad[i]);
	}
}

static void test_params(void **state)
{
	(void)state;
	size_t pos = 0;
	struct sk_str n, v;
	struct sk_str p = sk_str_c("a=1; b ;c=\"x;y\";D=");
	assert_int_equal(sk_param_next(p, &pos, &n, &v), 1);
	assert_str_view(n, "a");
	assert_str_view(v, "1");
	assert_int_equal(sk_param_next(p, &pos, &n, &v), 1);
	assert_str_view(n, "b");
	assert_null(v.p);
	assert_int_equal(sk_param_next(p, &pos, &n, &v), 1);
	assert_str_view(v, "\"x;y\"");
	assert_int_equal(sk_param_next(p, &pos, &n, &v), 1);
	assert_str_view(n, "D");
	assert_int_equal(sk_param_next(p, &pos, &n, &v), 0);
	assert_int_equal(sk_param_find(p, "d", &v), 0);
	assert_int_equal(sk_param_find(p, "e", &v), -SK_ENOTFOUND);
	assert_int_equal(sk_param_find(SK_STR_NULL, "a", &v), -SK_ENOTFOUND);
}

static void test_numbers(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(sk_str_to_u64(sk_str_c("4294967295"), UINT32_MAX, &v), 0);
	assert_int_equal(v, 4294967295u);
	assert_int_equal(sk_str_to_u64(sk_str_c("4294967296"), UINT32_MAX, &v), -SK_ETOOBIG);
	assert_int_equal(sk_str_to_u64(sk_str_c("18446744073709551615"), UINT64_MAX, &v), 0);
	assert_int_equal(sk_str_to_u64(sk_str_c("18446744073709551616"), UINT64_MAX, &v),
	                 -SK_ETOOBIG);
	assert_int_equal(sk_str_to_u64(sk_str_c(""), 10, &v), -SK_EMALFORMED);
	assert_int_equal(sk_str_to_u64(sk_str_c("1a"), 10, &v), -SK_EMALFORMED);
	assert_string_equal(sk_strerror(-SK_EAGAIN), "more bytes needed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reason),  cmocka_unit_test(test_via),
	    cmocka_unit_test(test_addr),    cmocka_unit_test(test_params),
	    cmocka_unit_test(test_numbers),
	};
	return cmocka_run_group_tests_name("values", tests, NULL, NULL);
}
