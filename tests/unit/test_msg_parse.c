/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Message parsing (RFC 3261 §7, §20, §25):
 *  - start lines: request, response, empty and UTF-8 reason phrases, versions
 *  - header lines: case-insensitive names, compact forms (§7.3.3), folding (§7.3.1),
 *    several values per line, unknown headers kept verbatim
 *  - body framing over datagrams (§18.3)
 *  - errors: line, column, header and reason; limits (size, headers, line, Vias)
 */
#include "sk_test.h"

#define CRLF "\r\n"

static struct sk_msg *parse_ok(const char *text)
{
	struct sk_msg *m;
	struct sk_parse_err err;
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	if (sk_msg_parse(m, text, strlen(text), &err) != 0)
		fail_msg("parse failed: line %u col %u hdr '%s': %s", err.line, err.col, err.hdr,
		         err.why);
	return m;
}

static struct sk_parse_err parse_bad(const char *text, const struct sk_msg_limits *lim, int want_rc)
{
	struct sk_msg *m;
	struct sk_parse_err err;
	assert_int_equal(sk_msg_new(&m, lim), 0);
	int rc = sk_msg_parse(m, text, strlen(text), &err);
	sk_msg_free(m);
	if (rc != want_rc)
		fail_msg("expected %d, got %d", want_rc, rc);
	assert_non_null(err.why);
	return err;
}

static const char invite[] =
    "INVITE sip:bob@biloxi.example.com SIP/2.0" CRLF
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport, "
    "SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKx;received=192.0.2.9;maddr=192.0.2.1;ttl=1" CRLF
    "v: SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bK3" CRLF "Max-Forwards: 70" CRLF
    "t: Bob <sip:bob@biloxi.example.com>" CRLF
    "f: \"Alice \\\"A\\\"\" <sip:alice@atlanta.example.com>;tag=1928301774" CRLF
    "i: a84b4c76e66710@pc33.atlanta.example.com" CRLF "CSeq: 314159 INVITE" CRLF
    "m: <sip:alice@pc33.atlanta.example.com>;expires=60;q=0.7, sip:alice@192.0.2.4" CRLF
    "Route: <sip:p1.example.com;lr>," CRLF " <sip:p2.example.com;lr>" CRLF
    "Record-Route: <sip:rr.example.com;lr>" CRLF "Supported: timer, 100rel" CRLF
    "Supported: path" CRLF "X-Custom:  keep   this  " CRLF
    "Reason: SIP;cause=200;text=\"Call completed elsewhere\", Q.850;cause=16" CRLF
    "c: application/sdp" CRLF "l: 5" CRLF CRLF "v=0" CRLF;

static void test_request(void **state)
{
	(void)state;
	struct sk_msg *m = parse_ok(invite);
	assert_true(sk_msg_is_request(m));
	assert_str_view(sk_msg_method(m), "INVITE");
	assert_str_view(sk_msg_ruri_str(m), "sip:bob@biloxi.example.com");
	assert_str_view(sk_msg_ruri(m)->user, "bob");
	assert_str_view(sk_msg_version(m), "SIP/2.0");

	/* Vias across a multi-value line and a compact-form line, in order */
	assert_int_equal(sk_msg_via_count(m), 3);
	const struct sk_via *v = sk_msg_via(m, 0);
	assert_str_view(v->transport, "UDP");
	assert_str_view(v->host, "pc33.atlanta.example.com");
	assert_int_equal(v->port, 0);
	assert_str_view(v->branch, "z9hG4bK776asdhds");
	assert_non_null(v->rport.p); /* present, no value (RFC 3581) */
	assert_int_equal(v->rport.len, 0);
	assert_true(sk_via_branch_is_3261(v));
	v = sk_msg_via(m, 1);
	assert_str_view(v->transport, "TCP");
	assert_str_view(v->host, "[2001:db8::1]");
	assert_int_equal(v->host_type, SK_HOST_IPV6);
	assert_int_equal(v->port, 5070);
	assert_str_view(v->received, "192.0.2.9");
	assert_str_view(v->maddr, "192.0.2.1");
	assert_str_view(v->ttl, "1");
	assert_null(v->rport.p);
	assert_int_equal(sk_msg_via(m, 2)->port, 5062);
	assert_int_equal(sk_msg_via(m, 0)->hdr, sk_msg_via(m, 1)->hdr);
	assert_null(sk_msg_via(m, 3));

	const struct sk_addr *a = sk_msg_from(m);
	assert_str_view(a->display, "\"Alice \\\"A\\\"\"");
	assert_str_view(a->tag, "1928301774");
	assert_str_view(a->uri.host, "atlanta.example.com");
	a = sk_msg_to(m);
	assert_str_view(a->display, "Bob");
	assert_null(a->tag.p);
	assert_str_view(sk_msg_call_id(m), "a84b4c76e66710@pc33.atlanta.example.com");
	assert_int_equal(sk_msg_cseq(m)->num, 314159);
	assert_str_view(sk_msg_cseq(m)->method, "INVITE");
	assert_int_equal(sk_msg_max_forwards(m), 70);
	assert_int_equal(sk_msg_content_length(m), 5);
	assert_str_view(sk_msg_content_type(m), "application/sdp");
	assert_str_view(sk_msg_body(m), "v=0" CRLF);

	assert_int_equal(sk_msg_addr_count(m, SK_HDR_CONTACT), 2);
	a = sk_msg_addr(m, SK_HDR_CONTACT, 0);
	assert_true(a->angle);
	assert_str_view(a->expires, "60");
	assert_str_view(a->q, "0.7");
	a = sk_msg_addr(m, SK_HDR_CONTACT, 1);
	assert_false(a->angle);
	assert_int_equal(a->uri.host_type, SK_HOST_IPV4);
	/* a folded Route line with two values */
	assert_int_equal(sk_msg_addr_count(m, SK_HDR_ROUTE), 2);
	assert_str_view(sk_msg_addr(m, SK_HDR_ROUTE, 1)->uri.host, "p2.example.com");
	assert_int_equal(sk_msg_addr_count(m, SK_HDR_RECORD_ROUTE), 1);
	assert_int_equal(sk_msg_addr_count(m, SK_HDR_VIA), 0);

	/* list headers across lines */
	assert_true(sk_msg_list_has(m, SK_HDR_SUPPORTED, "100REL"));
	assert_true(sk_msg_list_has(m, SK_HDR_SUPPORTED, "path"));
	assert_false(sk_msg_list_has(m, SK_HDR_SUPPORTED, "gruu"));
	assert_false(sk_msg_list_has(m, SK_HDR_REQUIRE, "timer"));
	assert_int_equal(sk_msg_hdr_num(m, SK_HDR_SUPPORTED), 2);

	/* unknown header kept verbatim (trimmed only) */
	const struct sk_hdr *h = sk_msg_hdr_find(m, "x-custom");
	assert_non_null(h);
	assert_int_equal(h->id, SK_HDR_OTHER);
	assert_str_view(h->value, "keep   this");
	assert_non_null(sk_msg_hdr_find(m, "From"));
	assert_non_null(sk_msg_hdr_find(m, "l"));
	assert_null(sk_msg_hdr_find(m, "Expires"));

	struct sk_reason r[4];
	size_t n;
	assert_int_equal(sk_msg_reasons(m, r, 4, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_str_view(r[0].protocol, "SIP");
	assert_int_equal(r[0].cause, 200);
	assert_str_view(r[0].text, "Call completed elsewhere");
	assert_str_view(r[1].protocol, "Q.850");
	assert_int_equal(r[1].cause, 16);

	/* the compact forms are mapped to their full names */
	assert_int_equal(sk_msg_hdr_first(m, SK_HDR_CALL_ID)->line, 7);
	struct sk_msg_finding fi[8];
	assert_int_equal(sk_msg_check(m, fi, 8), 0);
	sk_msg_free(m);
}

static void test_response(void **state)
{
	(void)state;
	struct sk_msg *m =
	    parse_ok("SIP/2.0 487 Request Terminated" CRLF
	             "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1" CRLF
	             "From: <sip:a@example.com>;tag=1" CRLF "To: <sip:b@example.com>;tag=2" CRLF
	             "Call-ID: x" CRLF "CSeq: 1 INVITE" CRLF CRLF);
	assert_false(sk_msg_is_request(m));
	assert_int_equal(sk_msg_status(m), 487);
	assert_str_view(sk_msg_reason_phrase(m), "Request Terminated");
	assert_null(sk_msg_ruri(m));
	assert_int_equal(sk_msg_content_length(m), -1);
	assert_int_equal(sk_msg_body(m).len, 0);
	sk_msg_free(m);
	/* §7.5: leading CRLFs are ignored; a datagram may lack the final empty line */
	m = parse_ok(CRLF CRLF "SIP/2.0 100 " CRLF "Call-ID: y" CRLF);
	assert_int_equal(sk_msg_status(m), 100);
	assert_int_equal(sk_msg_reason_phrase(m).len, 0);
	sk_msg_free(m);
}

static void test_bare_lf_and_body_to_end(void **state)
{
	(void)state;
	/* RFC 5118 archives use bare LF; RFC 2543 peers omit Content-Length over UDP */
	struct sk_msg *m =
	    parse_ok("MESSAGE sip:a@example.com SIP/2.0\nCall-ID: z\n\nhello\nworld");
	assert_int_equal(sk_msg_hdr_count(m), 1);
	assert_str_view(sk_msg_body(m), "hello\nworld");
	sk_msg_free(m);
}

static void test_errors_locate(void **state)
{
	(void)state;
	struct sk_parse_err e;

	e = parse_bad("INVITE sip:a@example.com SIP/2.0" CRLF "Call-ID: x" CRLF
	              "CSeq: one INVITE" CRLF CRLF,
	              NULL, -SK_EMALFORMED);
	assert_int_equal(e.line, 3);
	assert_string_equal(e.hdr, "CSeq");
	assert_int_equal(e.status, 400);
	e = parse_bad("INVITE sip:a@example.com SIP/2.0" CRLF "NoColonHere" CRLF CRLF, NULL,
	              -SK_EMALFORMED);
	assert_int_equal(e.line, 2);
	assert_string_equal(e.hdr, "NoColonHere");
	e = parse_bad("INVITE sip:a@example.com SIP/2.0" CRLF " leading: ws" CRLF CRLF, NULL,
	              -SK_EMALFORMED);
	assert_int_equal(e.line, 2);
	e = parse_bad("INVITE sip:a@example.com SIP/2.0" CRLF "Via: SIP/2.0/UDP" CRLF CRLF, NULL,
	              -SK_EMALFORMED);
	assert_string_equal(e.hdr, "Via");
	e = parse_bad("INVITE sip:a@example.com SIP/2.0" CRLF "Via: SIP/2.0/UDP h;branch" CRLF CRLF,
	              NULL, -SK_EMALFORMED);
	e = parse_bad("INVITE sip:a@example.com SIP/2.0" CRLF
	              "Contact: *, <sip:a@b.example>" CRLF CRLF,
	              NULL, -SK_EMALFORMED);
	assert_string_equal(e.hdr, "Contact");
	e = parse_bad("INVITE sip:a@example.com SIP/2.0" CRLF "Max-Forwards: -1" CRLF CRLF, NULL,
	              -SK_EMALFORMED);
	e = parse_bad("INVITE sip:a@example.com SIP/2.0" CRLF "Call-ID: a b" CRLF CRLF, NULL,
	              -SK_EMALFORMED);
	e = parse_bad("INVITE sip:a@example.com SIP/2.0", NULL, -SK_EMALFORMED);
	assert_int_equal(e.line, 1);
	e = parse_bad("", NULL, -SK_EMALFORMED);
	e = parse_bad("SIP/2.0 20 OK" CRLF CRLF, NULL, -SK_EMALFORMED);
	assert_int_equal(e.status, 0); /* a response is dropped, never answered */
	e = parse_bad("SIP/2.0 099 Low" CRLF CRLF, NULL, -SK_EMALFORMED);
	e = parse_bad("INVITE sip:a@example.com SIP/2.1" CRLF CRLF, NULL, -SK_EMALFORMED);
	assert_int_equal(e.status, 505);
	e = parse_bad("INVITE sip:a@example.com HTTP/1.1" CRLF CRLF, NULL, -SK_EMALFORMED);
	assert_int_equal(e.status, 400);
	e = parse_bad("INV(TE sip:a@example.com SIP/2.0" CRLF CRLF, NULL, -SK_EMALFORMED);
}

static void test_limits(void **state)
{
	(void)state;
	struct sk_msg_limits lim = sk_msg_limits_default();
	struct sk_parse_err e;
	char big[2048];

	lim.max_msg_size = 64;
	e = parse_bad(invite, &lim, -SK_ETOOBIG);
	lim = sk_msg_limits_default();
	lim.max_headers = 4;
	e = parse_bad(invite, &lim, -SK_ETOOBIG);
	assert_int_equal(e.line, 6);
	lim = sk_msg_limits_default();
	lim.max_vias = 2;
	e = parse_bad(invite, &lim, -SK_ETOOBIG);
	assert_string_equal(e.hdr, "v");
	lim = sk_msg_limits_default();
	lim.max_addrs = 2;
	e = parse_bad(invite, &lim, -SK_ETOOBIG);
	assert_string_equal(e.hdr, "Route");
	lim = sk_msg_limits_default();
	lim.max_line_len = 100;
	memset(big, 'a', sizeof(big));
	int n = snprintf(big, sizeof(big), "OPTIONS sip:a@example.com SIP/2.0" CRLF "X-Long: ");
	memset(big + n, 'a', 200);
	memcpy(big + n + 200, CRLF CRLF, 5);
	e = parse_bad(big, &lim, -SK_ETOOBIG);
	assert_string_equal(e.hdr, "X-Long");
	/* Content-Length larger than the size limit is refused, not allocated */
	e = parse_bad("OPTIONS sip:a@example.com SIP/2.0" CRLF "l: 99999999999" CRLF CRLF, NULL,
	              -SK_ETOOBIG);
}

static void test_reuse_and_copy(void **state)
{
	(void)state;
	struct sk_msg *m;
	char *copy = strdup(invite);
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sk_msg_parse(m, invite, strlen(invite), NULL), 0);
		assert_int_equal(sk_msg_via_count(m), 3);
		static const char ok[] = "SIP/2.0 200 OK" CRLF "Call-ID: q" CRLF CRLF;
		assert_int_equal(sk_msg_parse(m, ok, strlen(ok), NULL), 0);
		assert_int_equal(sk_msg_via_count(m), 0);
		assert_null(sk_msg_from(m));
		assert_null(sk_msg_cseq(m));
	}
	assert_int_equal(sk_msg_parse_copy(m, copy, strlen(copy), NULL), 0);
	memset(copy, 'x', strlen(copy)); /* the message keeps its own bytes */
	free(copy);
	assert_str_view(sk_msg_call_id(m), "a84b4c76e66710@pc33.atlanta.example.com");
	assert_str_view(sk_msg_addr(m, SK_HDR_ROUTE, 1)->uri.host, "p2.example.com");
	sk_msg_free(m);
	sk_msg_free(NULL);
}

static void test_hdr_names(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum sk_hdr_id id;
	} cases[] = {
	    {"via", SK_HDR_VIA},
	    {"V", SK_HDR_VIA},
	    {"CALL-id", SK_HDR_CALL_ID},
	    {"i", SK_HDR_CALL_ID},
	    {"m", SK_HDR_CONTACT},
	    {"e", SK_HDR_CONTENT_ENCODING},
	    {"l", SK_HDR_CONTENT_LENGTH},
	    {"f", SK_HDR_FROM},
	    {"s", SK_HDR_SUBJECT},
	    {"k", SK_HDR_SUPPORTED},
	    {"t", SK_HDR_TO},
	    {"o", SK_HDR_EVENT},
	    {"u", SK_HDR_ALLOW_EVENTS},
	    {"c", SK_HDR_CONTENT_TYPE},
	    {"x", SK_HDR_SESSION_EXPIRES},
	    {"y", SK_HDR_IDENTITY},
	    {"r", SK_HDR_REFER_TO},
	    {"b", SK_HDR_REFERRED_BY},
	    {"p-asserted-identity", SK_HDR_P_ASSERTED_IDENTITY},
	    {"WWW-Authenticate", SK_HDR_WWW_AUTHENTICATE},
	    {"Reason", SK_HDR_REASON},
	    {"Reasons", SK_HDR_OTHER},
	    {"z", SK_HDR_OTHER},
	    {"C%6Fntact", SK_HDR_OTHER},
	    {"", SK_HDR_OTHER},
	    {"1", SK_HDR_OTHER},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (sk_hdr_lookup(cases[i].name, strlen(cases[i].name)) != cases[i].id)
			fail_msg("lookup(%s)", cases[i].name);
	for (int id = 1; id < SK_HDR__COUNT; id++) {
		const char *n = sk_hdr_name((enum sk_hdr_id)id);
		assert_non_null(n);
		assert_int_equal(sk_hdr_lookup(n, strlen(n)), id); /* every name round-trips */
		char c = sk_hdr_compact((enum sk_hdr_id)id);
		if (c)
			assert_int_equal(sk_hdr_lookup(&c, 1), id);
	}
	assert_null(sk_hdr_name(SK_HDR_OTHER));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request),
	    cmocka_unit_test(test_response),
	    cmocka_unit_test(test_bare_lf_and_body_to_end),
	    cmocka_unit_test(test_errors_locate),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_reuse_and_copy),
	    cmocka_unit_test(test_hdr_names),
	};
	return cmocka_run_group_tests_name("msg_parse", tests, NULL, NULL);
}
