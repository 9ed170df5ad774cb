/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy's event log (src/cli/eventlog.c), logfmt and JSON, line by line:
 *  - the keys in order, the numbers, one line per event ending in '\n'
 *  - logfmt values bare when they are a plain word, quoted and escaped otherwise
 *  - escaped in both formats: '"', '\\', CR, LF, TAB, other control characters
 *    (\u00XX) and the Unicode bidi overrides and isolates (U+202A-202E,
 *    U+2066-2069); other UTF-8 passes as it is
 *  - a value longer than 1024 bytes escaped is cut between two characters, never
 *    inside a UTF-8 sequence or an escape, and marked "[cut]"; the line stays whole
 */
#include "sk_test.h"

#include "eventlog.h"

/* The line eventlog_write writes for ev, without its time (checked for its form). */
static char *line_of(enum eventlog_format fmt, const struct sk_proxy_event *ev)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	eventlog_write(f, fmt, ev);
	assert_int_equal(fclose(f), 0);
	assert_true(len > 0);
	assert_int_equal(buf[len - 1], '\n');
	assert_null(memchr(buf, '\n', len - 1)); /* one line */
	/* ts=2026-12-06T15:28:57.123Z or {"ts":"2026-12-06T15:28:57.123Z" */
	const char *ts = fmt == EVENTLOG_JSON ? "{\"ts\":\"" : "ts=";
	size_t tl = strlen(ts);
	assert_memory_equal(buf, ts, tl);
	const char *form = "dddd-dd-ddTdd:dd:dd.dddZ";
	for (size_t i = 0; form[i]; i++)
		if (form[i] == 'd' ? !(buf[tl + i] >= '0' && buf[tl + i] <= '9')
		                   : buf[tl + i] != form[i])
			fail_msg("time '%.24s' is not %s", buf + tl, form);
	memmove(buf, buf + tl + strlen(form), len - tl - strlen(form) + 1);
	return buf;
}

static const struct sk_proxy_event call = {
    .kind = SK_PROXY_EV_CALL,
    .call_id = "a84b4c76e66710",
    .from = "sip:alice@atlanta.example.com",
    .to = "sip:bob@biloxi.example.com",
    .source = "udp:10.0.0.1:5060",
    .targets = "sip:bob@10.0.0.2:5060,sip:bob@10.0.0.3:5060",
    .status = 487,
    .outcome = "cancelled",
    .reason = "SIP;cause=200;text=\"Call completed elsewhere\"",
    .duration_ms = 18446744073709551615u,
};

static void test_eventlog_call(void **state)
{
	(void)state;
	char *l = line_of(EVENTLOG_LOGFMT, &call);
	assert_string_equal(l,
	                    " event=call call_id=a84b4c76e66710 from=sip:alice@atlanta.example.com"
	                    " to=sip:bob@biloxi.example.com src=udp:10.0.0.1:5060"
	                    " targets=sip:bob@10.0.0.2:5060,sip:bob@10.0.0.3:5060"
	                    " outcome=cancelled reason=\"SIP;cause=200;text=\\\"Call completed"
	                    " elsewhere\\\"\" status=487 duration_ms=18446744073709551615\n");
	free(l);
	l = line_of(EVENTLOG_JSON, &call);
	assert_string_equal(l,
	                    "\",\"event\":\"call\",\"call_id\":\"a84b4c76e66710\","
	                    "\"from\":\"sip:alice@atlanta.example.com\","
	                    "\"to\":\"sip:bob@biloxi.example.com\",\"src\":\"udp:10.0.0.1:5060\","
	                    "\"targets\":\"sip:bob@10.0.0.2:5060,sip:bob@10.0.0.3:5060\","
	                    "\"outcome\":\"cancelled\",\"reason\":\"SIP;cause=200;text=\\\"Call "
	                    "completed elsewhere\\\"\",\"status\":487,"
	                    "\"duration_ms\":18446744073709551615}\n");
	free(l);
}

static void test_eventlog_register(void **state)
{
	(void)state;
	struct sk_proxy_event ev = {.kind = SK_PROXY_EV_REGISTER,
	                            .call_id = "r1",
	                            .from = "sip:a@h",
	                            .to = "sip:a@h",
	                            .source = "tcp:[fd00::1]:5080",
	                            .targets = "",
	                            .status = 0,
	                            .outcome = "registered",
	                            .reason = "",
	                            .bindings = 4294967295u};
	char *l = line_of(EVENTLOG_LOGFMT, &ev);
	assert_string_equal(l, " event=register call_id=r1 from=sip:a@h to=sip:a@h"
	                       " src=tcp:[fd00::1]:5080 targets=\"\" outcome=registered reason=\"\""
	                       " status=0 bindings=4294967295\n");
	free(l);
	ev.status = -1; /* not a status anyone sends, written as it is */
	l = line_of(EVENTLOG_JSON, &ev);
	assert_non_null(strstr(l, ",\"targets\":\"\",\"outcome\":\"registered\",\"reason\":\"\","
	                          "\"status\":-1,\"bindings\":4294967295}\n"));
	free(l);
}

static void test_eventlog_escapes(void **state)
{
	(void)state;
	struct sk_proxy_event ev = call;
	/* ESC, BEL, DEL, TAB, CR, LF, a quote, a backslash, U+202E, U+2066, U+2069, é, U+1F600 */
	ev.reason = "a\x1b]0;x\x07\x7f\t\r\n\"\\ \xe2\x80\xae|\xe2\x81\xa6|\xe2\x81\xa9 \xc3\xa9 "
	            "\xf0\x9f\x98\x80 \xe2\x80\xa9";
	static const char want[] = "\"a\\u001b]0;x\\u0007\\u007f\\t\\r\\n\\\"\\\\ \\u202e|\\u2066|"
	                           "\\u2069 \xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa9\"";
	char *l = line_of(EVENTLOG_LOGFMT, &ev);
	char *at = strstr(l, " reason=");
	assert_non_null(at);
	assert_memory_equal(at + 8, want, strlen(want));
	assert_string_equal(at + 8 + strlen(want),
	                    " status=487 duration_ms=18446744073709551615\n");
	free(l);
	l = line_of(EVENTLOG_JSON, &ev);
	at = strstr(l, ",\"reason\":");
	assert_non_null(at);
	assert_memory_equal(at + 10, want, strlen(want));
	free(l);
	/* logfmt: a plain word is bare, '=' or a space quotes it */
	ev.reason = "a=b";
	l = line_of(EVENTLOG_LOGFMT, &ev);
	assert_non_null(strstr(l, " reason=\"a=b\" "));
	free(l);
}

/* A value of n copies of unit, written into the reason; what came out between the quotes. */
static char *cut_reason(enum eventlog_format fmt, const char *unit, size_t n, size_t *len)
{
	size_t ul = strlen(unit);
	char *v = malloc(ul * n + 1);
	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		memcpy(v + i * ul, unit, ul);
	v[ul * n] = '\0';
	struct sk_proxy_event ev = call;
	ev.reason = v;
	char *l = line_of(fmt, &ev);
	free(v);
	const char *key = fmt == EVENTLOG_JSON ? ",\"reason\":\"" : " reason=\"";
	char *at = strstr(l, key);
	assert_non_null(at);
	at += strlen(key);
	char *end = strstr(at, fmt == EVENTLOG_JSON ? "\",\"status\":487," : "\" status=487 ");
	assert_non_null(end);
	*len = (size_t)(end - at);
	memmove(l, at, *len);
	l[*len] = '\0';
	return l;
}

static void test_eventlog_cut(void **state)
{
	(void)state;
	size_t len;
	/* 1024 bytes escaped fit exactly: not cut */
	char *v = cut_reason(EVENTLOG_LOGFMT, "a b ", 256, &len);
	assert_int_equal(len, 1024);
	assert_null(strstr(v, "[cut]"));
	free(v);
	/* one more: cut, marked, 1024 bytes in all */
	v = cut_reason(EVENTLOG_JSON, "a b ", 257, &len);
	assert_int_equal(len, 1024);
	assert_string_equal(v + len - 5, "[cut]");
	free(v);
	/* é (2 bytes) never split: 509 whole ones and the mark */
	v = cut_reason(EVENTLOG_JSON, "\xc3\xa9", 600, &len);
	assert_int_equal(len, 509 * 2 + 5);
	assert_string_equal(v + 1018, "[cut]");
	free(v);
	/* U+1F600 (4 bytes): 254 whole ones */
	v = cut_reason(EVENTLOG_LOGFMT, "\xf0\x9f\x98\x80", 300, &len);
	assert_int_equal(len, 254 * 4 + 5);
	assert_string_equal(v + 1016, "[cut]");
	free(v);
	/* an escape (6 bytes) never split: 169 of \u0001 (1014 bytes), then the mark */
	char unit[3] = {'\x01', 0};
	v = cut_reason(EVENTLOG_LOGFMT, unit, 400, &len);
	assert_int_equal(len, 169 * 6 + 5);
	assert_memory_equal(v + 1008, "\\u0001[cut]", 11);
	free(v);
	/* a bare logfmt word is cut the same way and stays a word */
	char *big = malloc(3001);
	assert_non_null(big);
	memset(big, 'w', 3000);
	big[3000] = '\0';
	struct sk_proxy_event ev = call;
	ev.call_id = big;
	char *l = line_of(EVENTLOG_LOGFMT, &ev);
	char *at = strstr(l, " call_id=");
	assert_non_null(at);
	assert_memory_equal(at + 9 + 1019, "[cut] from=sip:alice", 20);
	free(l);
	/* every value at once past the limit: each cut, the line whole */
	ev = (struct sk_proxy_event){.kind = SK_PROXY_EV_CALL,
	                             .call_id = big,
	                             .from = big,
	                             .to = big,
	                             .source = big,
	                             .targets = big,
	                             .outcome = big,
	                             .reason = big};
	l = line_of(EVENTLOG_JSON, &ev);
	size_t cuts = 0;
	for (const char *p = l; (p = strstr(p, "[cut]")); p++)
		cuts++;
	assert_int_equal(cuts, 7);
	assert_non_null(strstr(l, "[cut]\",\"status\":0,\"duration_ms\":0}\n"));
	free(l);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_eventlog_call),
	    cmocka_unit_test(test_eventlog_register),
	    cmocka_unit_test(test_eventlog_escapes),
	    cmocka_unit_test(test_eventlog_cut),
	};
	return cmocka_run_group_tests_name("eventlog", tests, NULL, NULL);
}
