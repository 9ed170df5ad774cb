/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTML report (src/trace/render_html.c):
 *  - one page: one <html> ... </html>, one <script> (ours), no external URL
 *  - ids and classes the browser test uses: #msgtext, g.msg#c1-m{i}, template#c1-t{i},
 *    li.finding[data-code], a.frame[data-msg]
 *  - hostile message content comes out escaped; bytes that are not UTF-8 as \xNN;
 *    the page is valid UTF-8 whatever the capture held
 *  - the header a finding names is in a mark.hl (the top Via only; compact forms and
 *    folded lines too); a finding without header marks the start line
 */
#include "sk_test.h"

#include "sipkit/trace.h"

#define CRLF "\r\n"

#define CALL_ID "a84b\"4c'76<b>@127.0.0.1"

static const char invite[] =
    "INVITE sip:bob@127.0.0.1:5062 SIP/2.0" CRLF
    "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-inv1" CRLF "Max-Forwards: 70" CRLF
    "To: <sip:bob@127.0.0.1:5062>" CRLF "From: <sip:alice@127.0.0.1:5061>;tag=f1" CRLF
    "Call-ID: " CALL_ID CRLF "CSeq: 1 INVITE" CRLF "Contact: <sip:alice@127.0.0.1:5061>" CRLF
    "Subject: <script>alert(1)</script> caf\xff \"q\" 'a' </script>" CRLF
    "Content-Length: 0" CRLF CRLF;

static const char trying[] =
    "SIP/2.0 100 Trying" CRLF "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-inv1" CRLF
    "To: <sip:bob@127.0.0.1:5062>" CRLF "From: <sip:alice@127.0.0.1:5061>;tag=f1" CRLF
    "Call-ID: " CALL_ID CRLF "CSeq: 1 INVITE" CRLF "Content-Length: 0" CRLF CRLF;

static const char ringing[] =
    "SIP/2.0 180 Ringing" CRLF "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-inv1" CRLF
    "To: <sip:bob@127.0.0.1:5062>;tag=t2" CRLF "From: <sip:alice@127.0.0.1:5061>;tag=f1" CRLF
    "Call-ID: " CALL_ID CRLF "CSeq: 1 INVITE" CRLF "Contact: <sip:bob@127.0.0.1:5062>" CRLF
    "Content-Length: 0" CRLF CRLF;

/* a new branch: the callee finds no transaction and answers 481 */
static const char cancel[] =
    "CANCEL sip:bob@127.0.0.1:5062 SIP/2.0" CRLF
    "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-cxl2" CRLF "Max-Forwards: 70" CRLF
    "To: <sip:bob@127.0.0.1:5062>" CRLF "From: <sip:alice@127.0.0.1:5061>;tag=f1" CRLF
    "Call-ID: " CALL_ID CRLF "CSeq: 1 CANCEL" CRLF "Content-Length: 0" CRLF CRLF;

static const char no_txn[] =
    "SIP/2.0 481 Call/Transaction Does Not Exist" CRLF
    "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-cxl2" CRLF
    "To: <sip:bob@127.0.0.1:5062>;tag=t2" CRLF "From: <sip:alice@127.0.0.1:5061>;tag=f1" CRLF
    "Call-ID: " CALL_ID CRLF "CSeq: 1 CANCEL" CRLF "Content-Length: 0" CRLF CRLF;

static const char options[] =
    "OPTIONS sip:bob@127.0.0.1:5062 SIP/2.0" CRLF
    "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-opt9" CRLF "Max-Forwards: 70" CRLF
    "To: <sip:bob@127.0.0.1:5062>" CRLF "From: <sip:alice@127.0.0.1:5061>;tag=o1" CRLF
    "Call-ID: other@127.0.0.1" CRLF "CSeq: 1 OPTIONS" CRLF "Content-Length: 0" CRLF CRLF;

struct page {
	FILE *f;
	char *buf;
	size_t len;
	int calls;
};

static void on_call(void *arg, const struct sk_trace_call *call)
{
	struct page *p = arg;
	p->calls++;
	sk_trace_html_call(p->f, call);
}

static struct sk_trace_addr loopback(uint16_t port)
{
	struct sk_trace_addr a = {.family = 4, .ip = {127, 0, 0, 1}, .port = port};
	return a;
}

static void add(struct sk_trace_checker *c, uint64_t frame, int64_t ms, bool to_callee,
                const char *text, size_t len)
{
	struct sk_trace_pkt pkt = {.frame = frame,
	                           .ts_us = ms * 1000,
	                           .src = loopback(to_callee ? 5061 : 5062),
	                           .dst = loopback(to_callee ? 5062 : 5061),
	                           .proto = SK_TRACE_UDP,
	                           .data = text,
	                           .len = len};
	assert_int_equal(sk_trace_checker_add(c, &pkt, 0), 0);
}

/* Renders the branch mismatch call through the checker into p (a NUL-terminated page). */
static void render_checked(struct page *p)
{
	struct sk_trace_checker *c;
	memset(p, 0, sizeof(*p));
	p->f = open_memstream(&p->buf, &p->len);
	assert_non_null(p->f);
	assert_int_equal(sk_trace_checker_new(&c, NULL, on_call, p), 0);
	sk_trace_html_begin(p->f, "check <branch_mismatch.log> & \"more\"");
	add(c, 1, 0, true, invite, sizeof(invite) - 1);
	add(c, 2, 10, false, trying, sizeof(trying) - 1);
	add(c, 3, 200, false, ringing, sizeof(ringing) - 1);
	add(c, 4, 2000, true, cancel, sizeof(cancel) - 1);
	add(c, 5, 2010, false, no_txn, sizeof(no_txn) - 1);
	add(c, 6, 40000, true, options, sizeof(options) - 1);
	sk_trace_checker_finish(c);
	sk_trace_html_end(p->f, sk_trace_checker_totals(c));
	sk_trace_checker_free(c);
	assert_int_equal(fclose(p->f), 0);
	assert_int_equal(p->calls, 1);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The text between <template id="ID"> and its </template>, as a new string. */
static char *template_of(const char *page, const char *id)
{
	char open[64];
	snprintf(open, sizeof(open), "<template id=\"%s\">", id);
	const char *s = strstr(page, open);
	if (!s)
		fail_msg("no %s", open);
	s += strlen(open);
	const char *e = strstr(s, "</template>");
	assert_non_null(e);
	return strndup(s, (size_t)(e - s));
}

static bool utf8_valid(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = s[i] < 0x80             ? 1
		           : (s[i] & 0xe0) == 0xc0 ? 2
		           : (s[i] & 0xf0) == 0xe0 ? 3
		                                   : 4;
		if (s[i] >= 0xf8 || (s[i] >= 0x80 && s[i] < 0xc2) || i + k > n)
			return false;
		for (size_t j = 1; j < k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
		i += k;
	}
	return true;
}

static void assert_has(const char *page, const char *needle)
{
	if (!strstr(page, needle))
		fail_msg("page lacks: %s", needle);
}

static void assert_starts(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)) != 0)
		fail_msg("expected to start with: %s\ngot: %.*s", prefix, (int)strlen(prefix), s);
}

static void test_page_structure(void **state)
{
	(void)state;
	struct page p;
	render_checked(&p);
	const char *s = p.buf;
	assert_starts(s, "<!DOCTYPE html>\n<html");
	assert_int_equal(count(s, "<html"), 1);
	assert_int_equal(count(s, "</html>"), 1);
	assert_string_equal(s + p.len - 8, "</html>\n");
	assert_int_equal(count(s, "<body"), 1);
	assert_int_equal(count(s, "</body>"), 1);
	assert_int_equal(count(s, "<script"), 1); /* ours, and nothing out of the capture */
	assert_int_equal(count(s, "</script>"), 1);
	assert_int_equal(count(s, "<svg"), 1);
	assert_int_equal(count(s, "</svg>"), 1);
	assert_int_equal(count(s, "<section class=\"call"), 1);
	assert_int_equal(count(s, "</section>"), 2); /* the call, the totals */
	assert_has(s, "id=\"msgtext\"");
	assert_has(s, "id=\"panel\"");
	assert_has(s, "id=\"totals\"");
	for (int i = 0; i < 5; i++) {
		char id[32];
		snprintf(id, sizeof(id), "id=\"c1-m%d\"", i);
		assert_has(s, id);
		snprintf(id, sizeof(id), "<template id=\"c1-t%d\">", i);
		assert_has(s, id);
	}
	assert_null(strstr(s, "id=\"c1-m5\"")); /* the OPTIONS is another Call-ID, not shown */
	assert_has(s, "class=\"msg err\" id=\"c1-m3\"");
	assert_has(s, "data-frame=\"4\"");
	assert_has(s, "class=\"finding error\"");
	assert_has(s, "data-code=\"cancel.branch_mismatch\"");
	assert_has(s, "data-msg=\"c1-m3\"");
	assert_has(s, "<td class=\"ours\">z9hG4bK-cxl2</td><td class=\"theirs\">z9hG4bK-inv1</td>");
	assert_has(s, "<tr data-code=\"cancel.branch_mismatch\">");
	assert_has(s, "127.0.0.1:5061");
	/* nothing loads from anywhere: no URL, no src, in-page links only */
	assert_null(strstr(s, "http:"));
	assert_null(strstr(s, "https:"));
	assert_null(strstr(s, " src="));
	assert_null(strstr(s, "url("));
	assert_int_equal(count(s, " href=\""), count(s, " href=\"#"));
	free(p.buf);
}

static void test_hostile_content_escaped(void **state)
{
	(void)state;
	struct page p;
	render_checked(&p);
	const char *s = p.buf;
	assert_null(strstr(s, "<script>alert"));
	assert_null(strstr(s, "<b>"));
	assert_null(memchr(s, 0xff, p.len));
	assert_true(utf8_valid((const unsigned char *)s, p.len));
	assert_has(s, "&lt;script&gt;alert(1)&lt;/script&gt; caf<span class=\"bad\">\\xFF</span> "
	              "&quot;q&quot; &#39;a&#39; &lt;/script&gt;");
	/* in attributes and headings too */
	assert_has(s, "data-call-id=\"a84b&quot;4c&#39;76&lt;b&gt;@127.0.0.1\"");
	assert_has(s, "<title>check &lt;branch_mismatch.log&gt; &amp; &quot;more&quot;</title>");
	free(p.buf);
}

static void test_offending_header_marked(void **state)
{
	(void)state;
	struct page p;
	render_checked(&p);
	/* the CANCEL: its top Via (cancel.branch_mismatch), its start line (cancel.no_match) */
	char *t = template_of(p.buf, "c1-t3");
	/* both findings name its top Via (cancel.no_match shows the first difference) */
	assert_starts(t, "CANCEL sip:bob@127.0.0.1:5062 SIP/2.0\n<mark class=\"hl\" "
	                 "title=\"cancel.no_match cancel.branch_mismatch\">Via: SIP/2.0/UDP "
	                 "127.0.0.1:5061;branch=z9hG4bK-cxl2</mark>\nMax-Forwards: 70\n");
	assert_int_equal(count(t, "<mark"), 1);
	assert_int_equal(count(t, "</mark>"), 1);
	assert_null(strstr(t, "\r"));
	free(t);
	/* the INVITE it should have matched: its Via too */
	t = template_of(p.buf, "c1-t0");
	assert_has(t, "\">Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-inv1</mark>");
	free(t);
	/* the 100 Trying is in no finding: nothing marked */
	t = template_of(p.buf, "c1-t1");
	assert_null(strstr(t, "<mark"));
	assert_has(t, "SIP/2.0 100 Trying\nVia: ");
	free(t);
	free(p.buf);
}

/* A call made by hand: what captures can hold beyond what the checker produces. */
static void test_odd_messages(void **state)
{
	(void)state;
	static const char raw0[] = "INVITE sip:b@h SIP/2.0\r\n"
	                           "v: SIP/2.0/UDP h1;branch=z9hG4bK1\r\n"
	                           "Via: SIP/2.0/UDP h0;branch=z9hG4bK0\r\n"
	                           "Route: <sip:p1;lr>,\r\n"
	                           "  <sip:p2;lr>\r\n"
	                           "X-Nul: a\0b\rc\x01\xc2\x85\xed\xa0\x80\xf0\x9f\x98\x80\r\n"
	                           "\r\n"
	                           "Via: in the body, not a header";
	static const char raw1[] = "\xff\xfe garbage </template><script>x</script>";
	struct sk_trace_addr hosts[2] = {loopback(5061), loopback(5062)};
	struct sk_trace_msg msgs[2] = {{.frame = 7,
	                                .ts_us = 1500000,
	                                .src = hosts[0],
	                                .dst = hosts[1],
	                                .proto = SK_TRACE_TCP,
	                                .raw = (char *)raw0,
	                                .len = sizeof(raw0) - 1,
	                                .from_host = 0,
	                                .to_host = 1,
	                                .txn = -1,
	                                .label = "INVITE"},
	                               {.frame = 9,
	                                .ts_us = 1000,
	                                .file = 1,
	                                .src = hosts[1],
	                                .dst = hosts[1],
	                                .proto = SK_TRACE_UDP,
	                                .raw = (char *)raw1,
	                                .len = sizeof(raw1) - 1,
	                                .error = "line 1: <bad> \"start\"",
	                                .from_host = 1,
	                                .to_host = 7,
	                                .txn = -1,
	                                .retrans = true,
	                                .duplicate = true, /* a rendering test: both marks */
	                                .dup_of = 0,
	                                .label = "(unparsed)"}};
	struct sk_trace_finding fd[3] = {{.code = sk_trace_code_find("cancel.branch_mismatch"),
	                                  .severity = SK_SEV_ERROR,
	                                  .msgs = {0, 1},
	                                  .nmsgs = 2,
	                                  .detail = "d<1>",
	                                  .hdr = "Via"},
	                                 {.code = sk_trace_code_find("cancel.route_mismatch"),
	                                  .severity = SK_SEV_WARNING,
	                                  .msgs = {0},
	                                  .nmsgs = 1,
	                                  .field = "Route",
	                                  .ours = "<x>",
	                                  .hdr = "route"},
	                                 {.code = sk_trace_code_find("cancel.no_match"),
	                                  .severity = SK_SEV_ERROR,
	                                  .msgs = {1},
	                                  .nmsgs = 1}};
	struct sk_trace_call call = {.index = 42,
	                             .call_id = (char *)"x",
	                             .msgs = msgs,
	                             .nmsgs = 2,
	                             .hosts = hosts,
	                             .nhosts = 2,
	                             .findings = fd,
	                             .nfindings = 3,
	                             .outcome = SK_TRACE_OUT_FAILED,
	                             .root = -1};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	sk_trace_html_call(f, &call);
	assert_int_equal(fclose(f), 0);
	assert_true(utf8_valid((const unsigned char *)buf, len));
	assert_int_equal(strlen(buf), len); /* the NUL became text */
	assert_int_equal(count(buf, "<template"), 2);
	assert_int_equal(count(buf, "</template>"), 2);
	assert_null(strstr(buf, "<script"));
	assert_has(buf, "class=\"msg err\" id=\"c42-m0\"");
	assert_has(buf, "class=\"msg err retrans dup\" id=\"c42-m1\"");
	assert_has(buf, "(duplicate: the packet of frame 7 captured again)");
	assert_has(buf, "data-frame=\"2:9\"");
	assert_has(buf, "data-t=\"-1.499\"");
	assert_has(buf, "data-error=\"line 1: &lt;bad&gt; &quot;start&quot;\"");
	assert_has(buf, "<td class=\"ours\">&lt;x&gt;</td>");
	assert_has(buf, "<section class=\"call o-failed\" id=\"c42\"");

	char *t = template_of(buf, "c42-t0");
	/* compact "v:" is the top Via: marked; the second Via is not */
	assert_has(t, "SIP/2.0\n<mark class=\"hl\" title=\"cancel.branch_mismatch\">v: SIP/2.0/UDP "
	              "h1;branch=z9hG4bK1</mark>\nVia: SIP/2.0/UDP h0");
	/* a folded header is marked whole */
	assert_has(t, "<mark class=\"hl\" title=\"cancel.route_mismatch\">Route: "
	              "&lt;sip:p1;lr&gt;,\n  &lt;sip:p2;lr&gt;</mark>\nX-Nul");
	/* NUL, bare CR, C0 and C1 controls, a surrogate; an emoji passes */
	assert_has(t, "a<span class=\"bad\">\\x00</span>b<span class=\"bad\">\\x0D</span>c"
	              "<span class=\"bad\">\\x01</span><span class=\"bad\">\\u0085</span>"
	              "<span class=\"bad\">\\xED</span><span class=\"bad\">\\xA0</span>"
	              "<span class=\"bad\">\\x80</span>\xf0\x9f\x98\x80\n\nVia: in the body");
	assert_int_equal(count(t, "<mark"), 2);
	free(t);
	/* not parsed, no hdr: the start line is marked */
	t = template_of(buf, "c42-t1");
	/* the Via named by cancel.branch_mismatch is not there: the start line instead */
	assert_starts(t,
	              "<mark class=\"hl\" title=\"cancel.branch_mismatch cancel.no_match\">"
	              "<span class=\"bad\">\\xFF</span><span class=\"bad\">\\xFE</span> garbage");
	assert_has(t, "garbage &lt;/template&gt;&lt;script&gt;x&lt;/script&gt;</mark>");
	free(t);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_page_structure),
	    cmocka_unit_test(test_hostile_content_escaped),
	    cmocka_unit_test(test_offending_header_marked),
	    cmocka_unit_test(test_odd_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
