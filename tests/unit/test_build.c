/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building and printing messages:
 *  - responses copy Via (all, in order), From, To (+tag when asked), Call-ID, CSeq (§8.2.6)
 *  - CANCEL per §9.1: same Request-URI, Call-ID, From, To (no tag learned from a 1xx),
 *    CSeq number with CANCEL, exactly one Via equal to the INVITE's top Via, the Route set,
 *    no Require/Proxy-Require, optional Reason (RFC 3326)
 *  - ACK for a non-2xx per §17.1.1.3: top Via of the INVITE, To of the response
 *  - print -> parse yields the same values; Content-Length computed
 */
#include "sk_test.h"

#define CRLF "\r\n"

static const char invite[] =
    "INVITE sip:bob@biloxi.example.com;transport=tcp SIP/2.0" CRLF
    "Via: SIP/2.0/TCP pc33.atlanta.example.com:5061;branch=z9hG4bKnashds8;rport, "
    "SIP/2.0/UDP p0.example.com;branch=z9hG4bK0" CRLF
    "Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK1" CRLF "Max-Forwards: 69" CRLF
    "To: Bob <sip:bob@biloxi.example.com>" CRLF
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774" CRLF "Call-ID: a84b4c76e66710" CRLF
    "CSeq: 314159 INVITE" CRLF "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>" CRLF
    "Require: 100rel" CRLF "Proxy-Require: foo" CRLF "Timestamp: 54" CRLF
    "Content-Type: application/sdp" CRLF "Content-Length: 4" CRLF CRLF "v=0"
    "\n";

static const char ringing[] =
    "SIP/2.0 180 Ringing" CRLF
    "Via: SIP/2.0/TCP pc33.atlanta.example.com:5061;branch=z9hG4bKnashds8;rport=5061" CRLF
    "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf" CRLF
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774" CRLF "Call-ID: a84b4c76e66710" CRLF
    "CSeq: 314159 INVITE" CRLF CRLF;

static struct sk_msg *parse(const char *text, size_t len)
{
	struct sk_msg *m;
	struct sk_parse_err e;
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	if (sk_msg_parse(m, text, len, &e) != 0)
		fail_msg("parse: line %u %s: %s\n%.*s", e.line, e.hdr, e.why, (int)len, text);
	return m;
}

static struct sk_msg *finish(struct sk_build *b)
{
	struct sk_str out;
	assert_int_equal(sk_build_finish(b, &out), 0);
	return parse(out.p, out.len);
}

static void test_response_to(void **state)
{
	(void)state;
	struct sk_msg *req = parse(invite, strlen(invite));
	struct sk_build *b;

	assert_int_equal(sk_build_response_to(&b, req, 487, NULL, "a6c85cf"), 0);
	struct sk_msg *r = finish(b);
	assert_int_equal(sk_msg_status(r), 487);
	assert_str_view(sk_msg_reason_phrase(r), "Request Terminated");
	assert_int_equal(sk_msg_via_count(r), 3);
	assert_str_view(sk_msg_via(r, 1)->host, "p0.example.com");
	assert_str_view(sk_msg_via(r, 2)->branch, "z9hG4bK1");
	assert_str_view(sk_msg_to(r)->tag, "a6c85cf");
	assert_str_view(sk_msg_from(r)->tag, "1928301774");
	assert_int_equal(sk_msg_cseq(r)->num, 314159);
	assert_str_view(sk_msg_cseq(r)->method, "INVITE");
	assert_null(sk_msg_hdr_first(r, SK_HDR_TIMESTAMP));
	assert_int_equal(sk_msg_content_length(r), 0);
	sk_msg_free(r);
	sk_build_free(b);

	/* 100 Trying: no tag, Timestamp copied (§8.2.6.1) */
	assert_int_equal(sk_build_response_to(&b, req, 100, NULL, "a6c85cf"), 0);
	r = finish(b);
	assert_null(sk_msg_to(r)->tag.p);
	assert_non_null(sk_msg_hdr_first(r, SK_HDR_TIMESTAMP));
	sk_msg_free(r);
	sk_build_free(b);
	assert_int_equal(sk_build_response_to(&b, req, 99, NULL, NULL), -SK_EINVAL);
	assert_int_equal(sk_build_response_to(&b, req, 700, NULL, NULL), -SK_EINVAL);
	sk_msg_free(req);
}

static void test_cancel_rules(void **state)
{
	(void)state;
	struct sk_msg *inv = parse(invite, strlen(invite));
	struct sk_build *b;

	assert_int_equal(
	    sk_build_cancel(&b, inv, "SIP;cause=200;text=\"Call completed elsewhere\""), 0);
	struct sk_msg *c = finish(b);
	assert_str_view(sk_msg_method(c), "CANCEL");
	assert_str_view(sk_msg_ruri_str(c), "sip:bob@biloxi.example.com;transport=tcp");
	assert_int_equal(sk_msg_via_count(c), 1); /* exactly one Via: the INVITE's top one */
	assert_true(sk_str_eq(sk_msg_via(c, 0)->raw, sk_msg_via(inv, 0)->raw));
	assert_true(sk_str_eq(sk_msg_call_id(c), sk_msg_call_id(inv)));
	assert_true(sk_str_eq(sk_msg_from(c)->raw, sk_msg_from(inv)->raw));
	assert_true(sk_str_eq(sk_msg_to(c)->raw, sk_msg_to(inv)->raw));
	assert_null(sk_msg_to(c)->tag.p);
	assert_int_equal(sk_msg_cseq(c)->num, 314159);
	assert_str_view(sk_msg_cseq(c)->method, "CANCEL");
	assert_int_equal(sk_msg_addr_count(c, SK_HDR_ROUTE), 2);
	assert_str_view(sk_msg_addr(c, SK_HDR_ROUTE, 1)->uri.host, "p2.example.com");
	assert_null(sk_msg_hdr_first(c, SK_HDR_REQUIRE));
	assert_null(sk_msg_hdr_first(c, SK_HDR_PROXY_REQUIRE));
	assert_int_equal(sk_msg_body(c).len, 0);
	struct sk_reason r[2];
	size_t n;
	assert_int_equal(sk_msg_reasons(c, r, 2, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].cause, 200);
	struct sk_msg_finding fi[4];
	assert_int_equal(sk_msg_check(c, fi, 4), 0);
	sk_msg_free(c);
	sk_build_free(b);

	/* a 3GPP reason protocol is kept as is; a malformed Reason is refused */
	assert_int_equal(
	    sk_build_cancel(&b, inv, "RELEASE_CAUSE;cause=3;text=\"Media bearer loss\""), 0);
	sk_build_free(b);
	b = (struct sk_build *)0x1;
	assert_int_equal(sk_build_cancel(&b, inv, "SIP;cause=abc"), -SK_EINVAL);
	assert_null(b);
	assert_int_equal(sk_build_cancel(&b, inv, "SIP;text=\"x\"\r\nEvil: 1"), -SK_EINVAL);
	sk_msg_free(inv);
}

static void test_ack_for_non2xx(void **state)
{
	(void)state;
	struct sk_msg *inv = parse(invite, strlen(invite));
	struct sk_msg *resp = parse(ringing, strlen(ringing));
	struct sk_build *b;

	assert_int_equal(sk_build_ack(&b, inv, resp), 0);
	struct sk_msg *a = finish(b);
	assert_str_view(sk_msg_method(a), "ACK");
	assert_int_equal(sk_msg_via_count(a), 1);
	assert_str_view(sk_msg_via(a, 0)->branch, "z9hG4bKnashds8");
	assert_str_view(sk_msg_to(a)->tag, "a6c85cf"); /* To of the response */
	assert_str_view(sk_msg_cseq(a)->method, "ACK");
	assert_int_equal(sk_msg_cseq(a)->num, 314159);
	assert_int_equal(sk_msg_addr_count(a, SK_HDR_ROUTE), 2);
	sk_msg_free(a);
	sk_build_free(b);
	assert_int_equal(sk_build_ack(&b, inv, inv), -SK_EINVAL);
	assert_int_equal(sk_build_cancel(&b, resp, NULL), -SK_EINVAL);
	sk_msg_free(inv);
	sk_msg_free(resp);
}

/* The hop record (parse once): spans into the INVITE's own bytes, unfolded values after it. */
static void test_hop_record(void **state)
{
	(void)state;
	struct sk_msg *inv = parse(invite, strlen(invite));
	size_t size = sk_hop_size(inv);
	struct sk_hop *h = malloc(size);
	assert_non_null(h);
	assert_int_equal(sk_hop_fill(h, size - 1, inv), -SK_EINVAL);
	assert_int_equal(sk_hop_fill(h, size, inv), 0);
	assert_int_equal(h->extra_len, 0);
	assert_int_equal(h->nroutes, 1); /* one line with two values */
	assert_str_view(sk_hop_str(h, invite, h->call_id), "a84b4c76e66710");
	assert_int_equal(h->cseq, 314159);
	/* the same CANCEL as from the parse, byte for byte */
	struct sk_build *b1, *b2;
	struct sk_str w1, w2;
	assert_int_equal(sk_build_cancel(&b1, inv, "SIP;cause=487"), 0);
	assert_int_equal(sk_build_cancel_hop(&b2, h, invite, "SIP;cause=487"), 0);
	assert_int_equal(sk_build_finish(b1, &w1), 0);
	assert_int_equal(sk_build_finish(b2, &w2), 0);
	assert_true(sk_str_eq(w1, w2));
	sk_build_free(b1);
	sk_build_free(b2);
	free(h);
	sk_msg_free(inv);

	/* folded From and Route (§7.3.1): their unfolded values travel in the record */
	static const char folded[] = "INVITE sip:bob@b.example.com SIP/2.0" CRLF
	                             "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKf1" CRLF
	                             "To: <sip:bob@b.example.com>" CRLF "From: Alice" CRLF
	                             " <sip:alice@a.example.com>;tag=9" CRLF "Call-ID: f@a" CRLF
	                             "CSeq: 7 INVITE" CRLF "Route: <sip:p1.example.com;lr>," CRLF
	                             "\t<sip:p2.example.com;lr>" CRLF "Content-Length: 0" CRLF CRLF;
	char *copy = strdup(folded);
	inv = parse(copy, strlen(copy));
	size = sk_hop_size(inv);
	h = malloc(size);
	assert_int_equal(sk_hop_fill(h, size, inv), 0);
	assert_true(h->extra_len > 0);
	sk_msg_free(inv); /* the record and the bytes are enough */
	assert_int_equal(sk_build_cancel_hop(&b1, h, copy, NULL), 0);
	struct sk_msg *c = finish(b1);
	assert_str_view(sk_msg_from(c)->tag, "9");
	assert_str_view(sk_msg_from(c)->uri.host, "a.example.com");
	assert_int_equal(sk_msg_addr_count(c, SK_HDR_ROUTE), 2);
	assert_str_view(sk_msg_addr(c, SK_HDR_ROUTE, 1)->uri.host, "p2.example.com");
	assert_str_view(sk_msg_cseq(c)->method, "CANCEL");
	sk_msg_free(c);
	sk_build_free(b1);
	free(h);
	free(copy);
}

/* The CANCEL built from text's hop record, the record filled from a full or a shallow parse. */
static struct sk_str cancel_via_hop(const char *text, bool shallow, struct sk_build **b)
{
	struct sk_msg *m;
	struct sk_parse_err e;
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	assert_int_equal(shallow ? sk_msg_parse_shallow(m, text, strlen(text), &e)
	                         : sk_msg_parse(m, text, strlen(text), &e),
	                 0);
	size_t size = sk_hop_size(m);
	assert_true(size > 0);
	struct sk_hop *h = malloc(size);
	assert_non_null(h);
	assert_int_equal(sk_hop_fill(h, size, m), 0);
	sk_msg_free(m);
	struct sk_str w;
	assert_int_equal(sk_build_cancel_hop(b, h, text, "SIP;cause=487"), 0);
	free(h);
	assert_int_equal(sk_build_finish(*b, &w), 0);
	return w;
}

/* sk_msg_parse_shallow (a proxy's own forwarded request): the same hop record as a full
 * parse, plain and folded; no Request-URI or address parsed, their header values kept. */
static void test_shallow_parse(void **state)
{
	(void)state;
	static const char folded[] =
	    "INVITE sip:bob@b.example.com SIP/2.0" CRLF
	    "v: SIP/2.0/UDP p.example.com;branch=z9hG4bKx1.0a0b0c0d" CRLF
	    "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKf1" CRLF "t: <sip:bob@b.example.com>" CRLF
	    "From: Alice" CRLF " <sip:alice@a.example.com>;tag=9" CRLF "i: f@a" CRLF
	    "CSeq: 7 INVITE" CRLF "Route: <sip:p1.example.com;lr>," CRLF
	    "\t<sip:p2.example.com;lr>" CRLF "Contact: <sip:a@10.0.0.1>" CRLF
	    "Max-Forwards: 69" CRLF "Content-Length: 0" CRLF CRLF;
	const char *texts[] = {invite, folded};
	for (size_t i = 0; i < 2; i++) {
		struct sk_build *b1, *b2;
		struct sk_str full = cancel_via_hop(texts[i], false, &b1);
		struct sk_str shallow = cancel_via_hop(texts[i], true, &b2);
		assert_true(sk_str_eq(full, shallow));
		sk_build_free(b1);
		sk_build_free(b2);
	}
	struct sk_msg *m;
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	assert_int_equal(sk_msg_parse_shallow(m, folded, strlen(folded), NULL), 0);
	assert_str_view(sk_msg_method(m), "INVITE");
	assert_int_equal(sk_msg_via_count(m), 2);
	assert_str_view(sk_msg_via(m, 0)->branch, "z9hG4bKx1.0a0b0c0d");
	assert_int_equal(sk_msg_cseq(m)->num, 7);
	assert_str_view(sk_msg_call_id(m), "f@a");
	assert_int_equal(sk_msg_max_forwards(m), 69);
	assert_null(sk_msg_from(m));
	assert_null(sk_msg_to(m));
	assert_int_equal(sk_msg_addr_count(m, SK_HDR_CONTACT), 0);
	assert_non_null(sk_msg_hdr_first(m, SK_HDR_FROM));
	assert_non_null(sk_msg_hdr_first(m, SK_HDR_ROUTE));
	assert_int_equal(sk_msg_ruri(m)->host.len, 0);
	/* the same message parsed whole afterwards: nothing of the shallow pass is left */
	assert_int_equal(sk_msg_parse(m, folded, strlen(folded), NULL), 0);
	assert_non_null(sk_msg_from(m));
	assert_int_equal(sk_msg_addr_count(m, SK_HDR_ROUTE), 2);
	assert_str_view(sk_msg_ruri(m)->host, "b.example.com");
	sk_msg_free(m);
}

static void test_builder_rejects_injection(void **state)
{
	(void)state;
	struct sk_build *b;
	assert_int_equal(
	    sk_build_request(&b, SK_STR_LIT("OPTIONS"), SK_STR_LIT("sip:a@example.com")), 0);
	assert_int_equal(sk_build_hdr(b, "Subject", SK_STR_LIT("hi\r\nVia: x")), -SK_EINVAL);
	assert_int_equal(sk_build_hdr(b, "Bad\nName", SK_STR_LIT("x")), -SK_EINVAL);
	assert_int_equal(sk_build_hdrf(b, "Subject", "%s-%d", "long", 42), 0);
	char longv[600];
	memset(longv, 'a', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	assert_int_equal(sk_build_hdrf(b, "X-Long", "%s", longv), 0);
	assert_int_equal(sk_build_body(b, "text/plain", "hello", 5), 0);
	struct sk_msg *m = finish(b);
	assert_str_view(sk_msg_body(m), "hello");
	assert_str_view(sk_msg_hdr_find(m, "Subject")->value, "long-42");
	assert_int_equal(sk_msg_hdr_find(m, "X-Long")->value.len, 599);
	sk_msg_free(m);
	sk_build_free(b);
	assert_int_equal(sk_build_request(&b, SK_STR_LIT("OPTIONS"), SK_STR_LIT("sip:a b")),
	                 -SK_EINVAL);
}

static void test_print_roundtrip(void **state)
{
	(void)state;
	struct sk_msg *m = parse(invite, strlen(invite));
	char buf[4096];
	size_t n = sk_msg_print(m, buf, sizeof(buf));
	assert_true(n < sizeof(buf));
	struct sk_msg *p = parse(buf, n);
	assert_true(sk_str_eq(sk_msg_start_line(m), sk_msg_start_line(p)));
	assert_int_equal(sk_msg_hdr_count(m), sk_msg_hdr_count(p));
	assert_int_equal(sk_msg_via_count(p), 3);
	for (size_t i = 0; i < 3; i++)
		assert_true(sk_str_eq(sk_msg_via(m, i)->branch, sk_msg_via(p, i)->branch));
	assert_true(sk_str_eq(sk_msg_from(m)->tag, sk_msg_from(p)->tag));
	assert_true(sk_str_eq(sk_msg_body(m), sk_msg_body(p)));
	assert_int_equal(sk_msg_content_length(p), 4);
	/* a short buffer: the size needed is still reported, output NUL-terminated */
	char small[16];
	assert_int_equal(sk_msg_print(m, small, sizeof(small)), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	sk_msg_free(m);
	sk_msg_free(p);
}

/* The one buffer: a header after the body, a second finish after a change, a second body,
 * and a message many times the size of the first buffer, each byte for byte. */
static void test_builder_buffer(void **state)
{
	(void)state;
	struct sk_build *b;
	struct sk_str out;
	assert_int_equal(sk_build_request(&b, SK_STR_LIT("MESSAGE"), SK_STR_LIT("sip:b@h")), 0);
	assert_int_equal(sk_build_hdr(b, "Call-ID", SK_STR_LIT("c1")), 0);
	assert_int_equal(sk_build_body(b, "text/plain", "hello", 5), 0);
	assert_int_equal(sk_build_hdr(b, "CSeq", SK_STR_LIT("1 MESSAGE")), 0);
	assert_int_equal(sk_build_finish(b, &out), 0);
	static const char first[] =
	    "MESSAGE sip:b@h SIP/2.0" CRLF "Call-ID: c1" CRLF "Content-Type: text/plain" CRLF
	    "CSeq: 1 MESSAGE" CRLF "Content-Length: 5" CRLF CRLF "hello";
	assert_int_equal(out.len, strlen(first));
	assert_string_equal(out.p, first);
	/* a change after finishing: the next finish counts again */
	assert_int_equal(sk_build_hdr(b, "Subject", SK_STR_LIT("s")), 0);
	assert_int_equal(sk_build_body(b, NULL, "hello, world", 12), 0);
	assert_int_equal(sk_build_finish(b, &out), 0);
	assert_int_equal(sk_build_finish(b, &out), 0);
	static const char second[] =
	    "MESSAGE sip:b@h SIP/2.0" CRLF "Call-ID: c1" CRLF "Content-Type: text/plain" CRLF
	    "CSeq: 1 MESSAGE" CRLF "Subject: s" CRLF "Content-Length: 12" CRLF CRLF "hello, world";
	assert_int_equal(out.len, strlen(second));
	assert_string_equal(out.p, second);
	/* no body after a body: Content-Length 0 */
	assert_int_equal(sk_build_body(b, NULL, NULL, 0), 0);
	assert_int_equal(sk_build_finish(b, &out), 0);
	assert_non_null(strstr(out.p, "Subject: s" CRLF "Content-Length: 0" CRLF CRLF));
	assert_int_equal(out.p[out.len - 1], '\n');
	sk_build_free(b);

	/* 200 headers of 100 bytes and a 20,000-byte body, around a header added after it */
	size_t cap = 64 * 1024, len = 0;
	char *want = malloc(cap), *body = malloc(20000), value[101];
	assert_non_null(want);
	assert_non_null(body);
	for (size_t i = 0; i < 20000; i++)
		body[i] = (char)('a' + i % 26);
	memset(value, 'v', 100);
	value[100] = '\0';
	assert_int_equal(sk_build_response(&b, 200, NULL), 0);
	len += (size_t)snprintf(want + len, cap - len, "SIP/2.0 200 OK" CRLF);
	for (int i = 0; i < 200; i++) {
		if (i == 100)
			assert_int_equal(sk_build_body(b, NULL, body, 20000), 0);
		assert_int_equal(sk_build_hdr(b, "X-Filler", sk_str_c(value)), 0);
		len += (size_t)snprintf(want + len, cap - len, "X-Filler: %s" CRLF, value);
	}
	len += (size_t)snprintf(want + len, cap - len, "Content-Length: 20000" CRLF CRLF);
	memcpy(want + len, body, 20000);
	len += 20000;
	assert_int_equal(sk_build_finish(b, &out), 0);
	assert_int_equal(out.len, len);
	assert_memory_equal(out.p, want, len);
	assert_int_equal(out.p[out.len], '\0');
	sk_build_free(b);
	free(want);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_response_to),
	    cmocka_unit_test(test_cancel_rules),
	    cmocka_unit_test(test_ack_for_non2xx),
	    cmocka_unit_test(test_hop_record),
	    cmocka_unit_test(test_shallow_parse),
	    cmocka_unit_test(test_builder_rejects_injection),
	    cmocka_unit_test(test_print_roundtrip),
	    cmocka_unit_test(test_builder_buffer),
	};
	return cmocka_run_group_tests_name("build", tests, NULL, NULL);
}
