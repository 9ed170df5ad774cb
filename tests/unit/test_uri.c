/* SPDX-License-Identifier: BSD-3-Clause */
/* URI parsing and comparison (RFC 3261 §19.1, §19.1.4; RFC 3966; RFC 5118). */
#include "sk_test.h"

static struct sk_uri parse_ok(const char *s)
{
	struct sk_uri u;
	const char *why = NULL;
	int rc = sk_uri_parse(&u, sk_str_c(s), &why);
	if (rc != 0)
		fail_msg("%s: %s", s, why);
	return u;
}

static void parse_bad(const char *s)
{
	struct sk_uri u;
	const char *why = NULL;
	if (sk_uri_parse(&u, sk_str_c(s), &why) == 0)
		fail_msg("accepted bad URI %s", s);
	assert_non_null(why);
}

static void test_sip_parts(void **state)
{
	(void)state;
	struct sk_uri u =
	    parse_ok("sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr?subject=x&h=y");
	assert_int_equal(u.scheme, SK_URI_SIPS);
	assert_str_view(u.user, "alice");
	assert_str_view(u.password, "secret");
	assert_str_view(u.host, "atlanta.example.com");
	assert_int_equal(u.host_type, SK_HOST_NAME);
	assert_int_equal(u.port, 5061);
	assert_str_view(u.params, "transport=tcp;lr");
	assert_str_view(u.headers, "subject=x&h=y");
	struct sk_str v;
	assert_int_equal(sk_uri_param(&u, "TRANSPORT", &v), 0);
	assert_str_view(v, "tcp");
	assert_int_equal(sk_uri_param(&u, "lr", &v), 0);
	assert_null(v.p);
	assert_int_equal(sk_uri_param(&u, "maddr", &v), -SK_ENOTFOUND);
}

static void test_hosts(void **state)
{
	(void)state;
	struct sk_uri u = parse_ok("sip:192.0.2.1");
	assert_int_equal(u.host_type, SK_HOST_IPV4);
	assert_int_equal(u.port, 0);
	assert_null(u.port_str.p);
	u = parse_ok("sip:[2001:db8::10]:5070");
	assert_int_equal(u.host_type, SK_HOST_IPV6);
	assert_str_view(u.host, "[2001:db8::10]");
	assert_int_equal(u.port, 5070);
	/* RFC 5118 §4.3: the last group is part of the address */
	u = parse_ok("sip:user@[2001:db8::10:5070]");
	assert_str_view(u.host, "[2001:db8::10:5070]");
	assert_int_equal(u.port, 0);
	u = parse_ok("sip:[::ffff:192.0.2.2]");
	assert_int_equal(u.host_type, SK_HOST_IPV6);
	u = parse_ok("sip:example.com.");
	assert_int_equal(u.host_type, SK_HOST_NAME);
	parse_bad("sip:2001:db8::10"); /* RFC 5118 §4.2: no brackets */
	parse_bad("sip:user@1.2.3.999");
	parse_bad("sip:user@host:65536");
	parse_bad("sip:user@host:");
	parse_bad("sip:user@");
	parse_bad("sip:@host");
	parse_bad("sip:user@host;;lr");
	parse_bad("sip:user@host;a=");
	parse_bad("sip:us%4ger@host");
	parse_bad("sip:user@ho st");
	parse_bad("");
	parse_bad("sip");
	parse_bad("1sip:x");
}

static void test_user_with_semicolon(void **state)
{
	(void)state;
	/* RFC 4475 §3.1.1.9: ';' in the user part; params start after the host */
	struct sk_uri u = parse_ok("sip:user;par=u%40example.net@example.com;p2=v");
	assert_str_view(u.user, "user;par=u%40example.net");
	assert_str_view(u.host, "example.com");
	assert_str_view(u.params, "p2=v");
}

static void test_tel_and_other(void **state)
{
	(void)state;
	struct sk_uri u = parse_ok("tel:+1-201-555-0123;phone-context=example.com");
	assert_int_equal(u.scheme, SK_URI_TEL);
	assert_str_view(u.user, "+1-201-555-0123");
	assert_str_view(u.params, "phone-context=example.com");
	u = parse_ok("soap.beep://192.0.2.103:3002");
	assert_int_equal(u.scheme, SK_URI_OTHER);
	assert_str_view(u.scheme_str, "soap.beep");
	assert_str_view(u.opaque, "//192.0.2.103:3002");
	u = parse_ok("mailto:bob@example.com");
	assert_int_equal(u.scheme, SK_URI_OTHER);
	parse_bad("tel:");
	parse_bad("http:");
}

static void test_unescape(void **state)
{
	(void)state;
	char buf[16];
	assert_int_equal(sk_uri_unescape(sk_str_c("a%00b%41"), buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "a\0bA", 4); /* %00 is data (RFC 4475 §3.1.1.4) */
	assert_int_equal(sk_uri_unescape(sk_str_c("%4"), buf, sizeof(buf)), -SK_EMALFORMED);
	assert_int_equal(sk_uri_unescape(sk_str_c("%zz"), buf, sizeof(buf)), -SK_EMALFORMED);
	assert_int_equal(sk_uri_unescape(sk_str_c("abc"), buf, 2), -SK_ETOOBIG);
}

static bool eq(const char *a, const char *b)
{
	struct sk_uri ua = parse_ok(a), ub = parse_ok(b);
	bool r1 = sk_uri_equal(&ua, &ub), r2 = sk_uri_equal(&ub, &ua);
	assert_int_equal(r1, r2); /* comparison is symmetric */
	return r1;
}

/* The examples of RFC 3261 §19.1.4 */
static void test_compare_rfc_examples(void **state)
{
	(void)state;
	assert_true(
	    eq("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));
	assert_true(eq("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
	assert_true(eq("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"));
	assert_true(eq("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"));
	assert_true(eq("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
	               "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"));
	assert_true(eq("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
	               "sip:alice@atlanta.com?priority=urgent&subject=project%20x"));
	assert_false(
	    eq("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"));
	assert_false(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
	assert_false(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"));
	assert_false(eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"));
	assert_false(eq("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"));
	assert_false(eq("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
	assert_false(eq("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"));
	assert_false(eq("sip:alice@example.com", "sips:alice@example.com"));
	/* only unreserved characters equal their escapes: %3B is not ';' (§19.1.4) */
	assert_false(eq("sip:user;par=x@example.com", "sip:user%3Bpar=x@example.com"));
	assert_true(eq("sip:user%3bpar=x@example.com", "sip:user%3Bpar=x@example.com"));
	/* escaped parameter names are the same parameters (RFC 4475 §3.1.1.3) */
	assert_true(eq("sip:a@example.com;%6C%72;n%61me=v", "sip:a@example.com;lr;name=v"));
	assert_false(eq("sip:a@example.com;n%61me=value%41", "sip:a@example.com;name=valueB"));
	assert_false(eq("sip:a@example.com;tr%61nsport=tcp", "sip:a@example.com"));
	struct sk_uri u = parse_ok("sip:a@example.com;%6C%72;n%61me=v");
	struct sk_str v;
	assert_int_equal(sk_uri_param(&u, "lr", &v), 0);
	assert_int_equal(sk_uri_param(&u, "name", &v), 0);
	assert_str_view(v, "v");
}

/* The comparison is quadratic in parameters: their number is bounded at parse time. */
static void test_param_limit(void **state)
{
	(void)state;
	char buf[16 + 4 * (SK_URI_MAX_PARAMS + 1)];
	struct sk_uri u;
	const char *why = NULL;
	int n = snprintf(buf, sizeof(buf), "sip:a@b.example");
	for (int i = 0; i < SK_URI_MAX_PARAMS; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ";p%d", i % 10);
	assert_int_equal(sk_uri_parse(&u, sk_str_c(buf), &why), 0);
	assert_true(sk_uri_equal(&u, &u));
	snprintf(buf + n, sizeof(buf) - (size_t)n, ";x");
	assert_int_equal(sk_uri_parse(&u, sk_str_c(buf), &why), -SK_ETOOBIG);
	assert_string_equal(why, "more URI parameters than the limit");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sip_parts),
	    cmocka_unit_test(test_hosts),
	    cmocka_unit_test(test_user_with_semicolon),
	    cmocka_unit_test(test_tel_and_other),
	    cmocka_unit_test(test_unescape),
	    cmocka_unit_test(test_compare_rfc_examples),
	    cmocka_unit_test(test_param_limit),
	};
	return cmocka_run_group_tests_name("uri", tests, NULL, NULL);
}
