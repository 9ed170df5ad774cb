/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-thread pool of parsed messages (src/msg/msg_pool.c, issue 16):
 *  - a message from the pool parses exactly as a fresh one: different messages in
 *    sequence (big then small, folded, failing, copied, stamped), every view and
 *    typed value compared; before any parse both read as an empty message
 *  - the new owner's limits hold though the message kept a larger capacity
 *  - at most 16 messages kept; a message whose buffers grew past the bound (a
 *    message of 200 header lines) is freed, not kept
 *  - each thread has its own pool, freed when the thread exits (LeakSanitizer
 *    would report it otherwise); a message freed later in the thread's end (by
 *    another key's destructor) is freed, not kept; sk_msg_pool_drain empties the caller's
 *  - under AddressSanitizer, reading a message after sk_msg_free is still
 *    reported (a child process is made to do it and must die)
 *  - a typical forwarded INVITE (17 header lines, 3 Vias) parses into a fresh message
 *    without growing an array (realloc wrapped and counted, Makefile), and into a
 *    message from the pool without allocating at all
 */
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sk_test.h"

#define CRLF "\r\n"

/* ---- allocations counted: this binary is linked with -Wl,--wrap for these ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static long allocs, grows; /* any allocation; a realloc of an existing block */

void *__wrap_malloc(size_t n)
{
	allocs++;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	allocs++;
	return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	allocs++;
	grows += p != NULL;
	return __real_realloc(p, n);
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static const char big_invite[] =
    "INVITE sip:bob@biloxi.example.com SIP/2.0" CRLF
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport, "
    "SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bKx;received=192.0.2.9;maddr=192.0.2.1;ttl=1" CRLF
    "v: SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bK3" CRLF
    "Via: SIP/2.0/UDP 192.0.2.8;branch=z9hG4bK4, SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK5" CRLF
    "Max-Forwards: 70" CRLF "t: Bob <sip:bob@biloxi.example.com>" CRLF
    "f: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774" CRLF
    "i: a84b4c76e66710@pc33.atlanta.example.com" CRLF "CSeq: 314159 INVITE" CRLF
    "m: <sip:alice@pc33.atlanta.example.com>;expires=60;q=0.7, sip:alice@192.0.2.4" CRLF
    "Route: <sip:p1.example.com;lr>," CRLF " <sip:p2.example.com;lr>" CRLF
    "Route: <sip:p3.example.com;lr>, <sip:p4.example.com;lr>, <sip:p5.example.com;lr>" CRLF
    "Record-Route: <sip:rr1.example.com;lr>, <sip:rr2.example.com;lr>" CRLF
    "Record-Route: <sip:rr3.example.com;lr>, <sip:rr4.example.com;lr>" CRLF
    "Supported: timer, 100rel" CRLF "Supported: path" CRLF "X-Custom:  keep   this  " CRLF
    "Reason: SIP;cause=200;text=\"Call completed elsewhere\"" CRLF "Expires: 120" CRLF "X-A: 1" CRLF
    "X-B: 2" CRLF "X-C: 3" CRLF "X-D: 4" CRLF "X-E: 5" CRLF "X-F: 6" CRLF "X-G: 7" CRLF
    "X-H: 8" CRLF "X-I: 9" CRLF "X-J: 10" CRLF "X-K: 11" CRLF "X-L: 12" CRLF "X-M: 13" CRLF
    "X-N: 14" CRLF "X-O: 15" CRLF "X-P: 16" CRLF "X-Q: 17" CRLF "X-R: 18" CRLF
    "c: application/sdp" CRLF "l: 5" CRLF CRLF "v=0" CRLF;

static const char small_response[] =
    "SIP/2.0 180 Ringing" CRLF "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1" CRLF
    "From: <sip:a@x>;tag=1" CRLF "To: <sip:b@y>;tag=2" CRLF "Call-ID: c1" CRLF "CSeq: 1 INVITE" CRLF
    "Content-Length: 0" CRLF CRLF;

static const char folded_options[] =
    "OPTIONS sip:carol@chicago.example.com SIP/2.0" CRLF
    "Via: SIP/2.0/UDP pc33.atlanta.example.com" CRLF "  ;branch=z9hG4bKhjhs8ass877" CRLF
    "Max-Forwards: 70" CRLF "To: <sip:carol@chicago.example.com>" CRLF "From: Alice" CRLF
    "\t<sip:alice@atlanta.example.com>;tag=1928301774" CRLF "Call-ID: a84b4c76e66710" CRLF
    "CSeq: 63104 OPTIONS" CRLF "Accept: application/sdp" CRLF "Content-Length: 0" CRLF CRLF;

static const char bad_request[] =
    "INVITE sip:bob@b SIP/2.0" CRLF "Via: SIP/2.0/UDP h;branch=z9hG4bKb" CRLF
    "CSeq: nonsense" CRLF CRLF;

static const char no_headers[] = "SIP/2.0 200 OK" CRLF CRLF;

/* ---- a message described through every accessor, by value ---------------------------- */

struct text {
	char b[32768];
	size_t n;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(t->b + t->n, sizeof(t->b) - t->n, fmt, ap);
	va_end(ap);
	assert_true(k >= 0 && (size_t)k < sizeof(t->b) - t->n);
	t->n += (size_t)k;
}

static void put_str(struct text *t, const char *label, struct sk_str s)
{
	if (s.p)
		put(t, "%s[%.*s]", label, (int)s.len, s.p);
	else
		put(t, "%s(absent)", label);
}

static void put_uri(struct text *t, const struct sk_uri *u)
{
	if (!u) {
		put(t, " uri(none)");
		return;
	}
	put(t, " uri %d %d", (int)u->scheme, (int)u->host_type);
	put_str(t, " raw", u->raw);
	put_str(t, " user", u->user);
	put_str(t, " host", u->host);
	put_str(t, " params", u->params);
	put(t, " port %u", u->port);
}

static void put_addr(struct text *t, const struct sk_addr *a)
{
	if (!a) {
		put(t, " addr(none)\n");
		return;
	}
	put_str(t, " addr", a->raw);
	put_str(t, " display", a->display);
	put_str(t, " params", a->params);
	put_str(t, " tag", a->tag);
	put_str(t, " expires", a->expires);
	put_str(t, " q", a->q);
	put(t, " %d %d %u", a->angle, a->star, a->hdr);
	put_uri(t, &a->uri);
	put(t, "\n");
}

static void describe(struct text *t, const struct sk_msg *m)
{
	static const enum sk_hdr_id lists[] = {SK_HDR_CONTACT, SK_HDR_ROUTE, SK_HDR_RECORD_ROUTE};
	t->n = 0;
	put(t, "request %d status %d", sk_msg_is_request(m), sk_msg_status(m));
	put_str(t, " start", sk_msg_start_line(m));
	put_str(t, " method", sk_msg_method(m));
	put_str(t, " ruri", sk_msg_ruri_str(m));
	put_uri(t, sk_msg_ruri(m));
	put_str(t, " version", sk_msg_version(m));
	put_str(t, " phrase", sk_msg_reason_phrase(m));
	put_str(t, " raw", sk_msg_raw(m));
	put_str(t, " body", sk_msg_body(m));
	put(t, "\n");
	for (size_t i = 0; i < sk_msg_hdr_count(m); i++) {
		const struct sk_hdr *h = sk_msg_hdr_at(m, i);
		put(t, "hdr %d line %u next %u", (int)h->id, h->line, h->next);
		put_str(t, " name", h->name);
		put_str(t, " value", h->value);
		put(t, "\n");
	}
	for (int id = 0; id < SK_HDR__COUNT; id++) {
		const struct sk_hdr *h = sk_msg_hdr_first(m, (enum sk_hdr_id)id);
		put(t, "%d:%zu:%ld ", id, sk_msg_hdr_num(m, (enum sk_hdr_id)id),
		    h ? (long)(h - sk_msg_hdr_at(m, 0)) : -1L);
	}
	put(t, "\n");
	for (size_t i = 0; i < sk_msg_via_count(m); i++) {
		const struct sk_via *v = sk_msg_via(m, i);
		put_str(t, "via", v->raw);
		put_str(t, " transport", v->transport);
		put_str(t, " host", v->host);
		put_str(t, " params", v->params);
		put_str(t, " branch", v->branch);
		put_str(t, " received", v->received);
		put_str(t, " rport", v->rport);
		put_str(t, " maddr", v->maddr);
		put_str(t, " ttl", v->ttl);
		put(t, " %d %u %u\n", (int)v->host_type, v->port, v->hdr);
	}
	put(t, "via(past) %d\n", sk_msg_via(m, sk_msg_via_count(m)) != NULL);
	put_addr(t, sk_msg_from(m));
	put_addr(t, sk_msg_to(m));
	for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++)
		for (size_t i = 0; i < sk_msg_addr_count(m, lists[k]); i++)
			put_addr(t, sk_msg_addr(m, lists[k], i));
	put_str(t, "call-id", sk_msg_call_id(m));
	const struct sk_cseq *cs = sk_msg_cseq(m);
	if (cs) {
		put(t, " cseq %u", cs->num);
		put_str(t, " ", cs->method);
	} else {
		put(t, " cseq(none)");
	}
	put(t, " mf %d cl %ld exp %ld", sk_msg_max_forwards(m), sk_msg_content_length(m),
	    sk_msg_expires(m));
	put_str(t, " ctype", sk_msg_content_type(m));
	struct sk_msg_finding f[8];
	size_t nf = sk_msg_check(m, f, 8);
	put(t, " findings %zu", nf);
	for (size_t i = 0; i < nf && i < 8; i++)
		put(t, " (%d %d %s %s)", (int)f[i].issue, f[i].status, f[i].hdr, f[i].why);
	put(t, "\n");
}

enum how { PARSE, PARSE_COPY, PARSE_STAMP };

/* Parses text into m as `how` says; the return code and the error go into t too. */
static void parse_and_describe(struct text *t, struct sk_msg *m, const char *text, enum how how)
{
	struct sk_parse_err err;
	int rc = how == PARSE_COPY ? sk_msg_parse_copy(m, text, strlen(text), &err)
	                           : sk_msg_parse(m, text, strlen(text), &err);
	if (rc == 0 && how == PARSE_STAMP)
		rc = sk_msg_via_stamp(m, SK_STR_LIT("192.0.2.200"), 5099);
	describe(t, m);
	put(t, "rc %d err %u %u [%s] %s %d\n", rc, err.line, err.col, err.hdr,
	    err.why ? err.why : "-", err.status);
}

static struct text fresh_t, pooled_t;

/* text parsed into a fresh message and into one that already parsed `before` */
static void same_as_fresh(const char *before, const char *text, enum how how)
{
	struct sk_msg *m;

	sk_msg_pool_drain();
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	parse_and_describe(&fresh_t, m, text, how);
	sk_msg_free(m);

	sk_msg_pool_drain();
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	assert_int_equal(sk_msg_parse_copy(m, before, strlen(before), NULL) < 0,
	                 before == bad_request);
	sk_msg_free(m);
	assert_int_equal(sk_msg_pool_size(), 1);
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	assert_int_equal(sk_msg_pool_size(), 0); /* it is the message that parsed `before` */
	parse_and_describe(&pooled_t, m, text, how);
	sk_msg_free(m);
	if (strcmp(fresh_t.b, pooled_t.b) != 0)
		fail_msg("a message from the pool parsed differently:\nfresh:\n%s\npooled:\n%s",
		         fresh_t.b, pooled_t.b);
}

static void test_parses_as_fresh(void **state)
{
	(void)state;
	const char *msgs[] = {big_invite, small_response, folded_options, bad_request, no_headers};
	size_t n = sizeof(msgs) / sizeof(msgs[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			same_as_fresh(msgs[i], msgs[j], PARSE);
			same_as_fresh(msgs[i], msgs[j], PARSE_COPY);
			same_as_fresh(msgs[i], msgs[j], PARSE_STAMP);
		}
	sk_msg_pool_drain();
}

/* Before any parse, a message from the pool reads as a fresh one: empty. */
static void test_unparsed_as_fresh(void **state)
{
	(void)state;
	struct sk_msg *m;

	sk_msg_pool_drain();
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	describe(&fresh_t, m);
	assert_int_equal(sk_msg_parse(m, big_invite, strlen(big_invite), NULL), 0);
	assert_int_equal(sk_msg_via_stamp(m, SK_STR_LIT("192.0.2.1"), 1), 0);
	sk_msg_free(m);
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	describe(&pooled_t, m);
	assert_string_equal(pooled_t.b, fresh_t.b);
	assert_null(sk_msg_hdr_first(m, SK_HDR_VIA));
	assert_int_equal(sk_msg_content_length(m), -1);
	sk_msg_free(m);
	sk_msg_pool_drain();
}

/* A message kept with room for many lines still stops at its new owner's limits. */
static void test_limits_of_new_owner(void **state)
{
	(void)state;
	struct sk_msg *m;
	struct sk_parse_err err;
	struct sk_msg_limits lim = sk_msg_limits_default();

	sk_msg_pool_drain();
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	assert_int_equal(sk_msg_parse(m, big_invite, strlen(big_invite), NULL), 0);
	sk_msg_free(m);
	lim.max_headers = 8;
	lim.max_vias = 2;
	lim.max_addrs = 2;
	assert_int_equal(sk_msg_new(&m, &lim), 0);
	assert_int_equal(sk_msg_pool_size(), 0);
	assert_int_equal(sk_msg_parse(m, big_invite, strlen(big_invite), &err), -SK_ETOOBIG);
	assert_string_equal(err.why, "too many Via values");
	lim.max_vias = 64;
	sk_msg_free(m);
	assert_int_equal(sk_msg_new(&m, &lim), 0);
	assert_int_equal(sk_msg_parse(m, big_invite, strlen(big_invite), &err), -SK_ETOOBIG);
	assert_string_equal(err.why, "more header lines than the limit");
	sk_msg_free(m);
	sk_msg_pool_drain();
}

static void test_bounds(void **state)
{
	(void)state;
	struct sk_msg *m[20];

	sk_msg_pool_drain();
	for (size_t i = 0; i < 20; i++) {
		assert_int_equal(sk_msg_new(&m[i], NULL), 0);
		assert_int_equal(sk_msg_parse(m[i], big_invite, strlen(big_invite), NULL), 0);
	}
	for (size_t i = 0; i < 20; i++) {
		sk_msg_free(m[i]);
		assert_int_equal(sk_msg_pool_size(), i < 16 ? i + 1 : 16);
	}
	sk_msg_pool_drain();
	assert_int_equal(sk_msg_pool_size(), 0);

	/* 200 header lines: 9,600 bytes of header array alone, past the bound with the copy */
	static char huge[200 * 16 + 256];
	size_t n = (size_t)snprintf(huge, sizeof(huge), "%s", small_response);
	n -= 2; /* before the empty line */
	for (int i = 0; i < 200; i++)
		n += (size_t)snprintf(huge + n, sizeof(huge) - n, "X-%03d: v" CRLF, i);
	n += (size_t)snprintf(huge + n, sizeof(huge) - n, CRLF);
	struct sk_msg *big;
	assert_int_equal(sk_msg_new(&big, NULL), 0);
	assert_int_equal(sk_msg_parse_copy(big, huge, n, NULL), 0);
	assert_int_equal(sk_msg_hdr_count(big), 206);
	sk_msg_free(big);
	assert_int_equal(sk_msg_pool_size(), 0);
	/* a message of ordinary size is kept */
	assert_int_equal(sk_msg_new(&big, NULL), 0);
	assert_int_equal(sk_msg_parse(big, big_invite, strlen(big_invite), NULL), 0);
	sk_msg_free(big);
	assert_int_equal(sk_msg_pool_size(), 1);
	sk_msg_pool_drain();
}

static void *thread_frees(void *arg)
{
	size_t *kept = arg;
	struct sk_msg *m[3];
	for (size_t i = 0; i < 3; i++) {
		if (sk_msg_new(&m[i], NULL) < 0 ||
		    sk_msg_parse(m[i], small_response, strlen(small_response), NULL) < 0)
			return NULL;
	}
	for (size_t i = 0; i < 3; i++)
		sk_msg_free(m[i]);
	*kept = sk_msg_pool_size();
	return NULL; /* the three kept messages are freed as the thread ends */
}

static void test_per_thread(void **state)
{
	(void)state;
	pthread_t th;
	size_t kept = 0;
	struct sk_msg *m;

	sk_msg_pool_drain();
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	sk_msg_free(m);
	assert_int_equal(pthread_create(&th, NULL, thread_frees, &kept), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(kept, 3);
	assert_int_equal(sk_msg_pool_size(), 1); /* this thread's, untouched */
	sk_msg_pool_drain();
}

/* A message freed by a key destructor that runs after the pool's (a key made later) */
static pthread_key_t late_key;
static size_t kept_late = 99;

static void free_late(void *arg)
{
	sk_msg_free(arg);
	kept_late = sk_msg_pool_size();
}

static void *thread_frees_late(void *arg)
{
	(void)arg;
	struct sk_msg *armer, *late;
	if (sk_msg_new(&armer, NULL) < 0 || sk_msg_new(&late, NULL) < 0)
		return NULL;
	sk_msg_free(armer); /* this thread's pool now has its destructor */
	pthread_setspecific(late_key, late);
	return NULL;
}

static void test_freed_during_thread_exit(void **state)
{
	(void)state;
	pthread_t th;
	struct sk_msg *m;

	/* the pool's key exists before late_key: its destructor runs first */
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	sk_msg_free(m);
	sk_msg_pool_drain();
	assert_int_equal(pthread_key_create(&late_key, free_late), 0);
	assert_int_equal(pthread_create(&th, NULL, thread_frees_late, NULL), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(kept_late, 0); /* freed, not kept in a pool nothing will free */
	pthread_key_delete(late_key);
}

static void test_use_after_free_reported(void **state)
{
	(void)state;
#ifdef UNDER_ASAN
	struct sk_msg *m;
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	assert_int_equal(sk_msg_parse(m, small_response, strlen(small_response), NULL), 0);
	const struct sk_hdr *h = sk_msg_hdr_at(m, 0);
	fflush(NULL);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* AddressSanitizer's report is expected: keep it out of the test's output */
		if (!freopen("/dev/null", "w", stderr))
			_exit(3);
		sk_msg_free(m);
		volatile int status = sk_msg_status(m); /* the message itself */
		(void)status;
		_exit(0);
	}
	int ws;
	assert_int_equal(waitpid(child, &ws, 0), child);
	assert_false(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	assert_false(WIFEXITED(ws) && WEXITSTATUS(ws) == 3);
	fflush(NULL);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		if (!freopen("/dev/null", "w", stderr))
			_exit(3);
		sk_msg_free(m);
		volatile size_t len = h->value.len; /* its header array */
		(void)len;
		_exit(0);
	}
	assert_int_equal(waitpid(child, &ws, 0), child);
	assert_false(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	assert_false(WIFEXITED(ws) && WEXITSTATUS(ws) == 3);
	sk_msg_free(m);
	sk_msg_pool_drain();
#else
	skip();
#endif
}

static const char typical_invite[] =
    "INVITE sip:bob@192.0.2.20:5060 SIP/2.0" CRLF
    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-d8754z-1" CRLF
    "Via: SIP/2.0/UDP 192.0.2.5:5060;received=192.0.2.5;branch=z9hG4bK-524287-1" CRLF
    "Via: SIP/2.0/UDP 198.51.100.7:5062;rport=5062;branch=z9hG4bK-3" CRLF "Max-Forwards: 68" CRLF
    "Record-Route: <sip:192.0.2.10;lr>" CRLF "Record-Route: <sip:192.0.2.5;lr>" CRLF
    "Contact: <sip:alice@198.51.100.7:5062>" CRLF "To: <sip:bob@example.com>" CRLF
    "From: \"Alice\" <sip:alice@example.com>;tag=9fxced76sl" CRLF
    "Call-ID: 3848276298220188511@198.51.100.7" CRLF "CSeq: 1 INVITE" CRLF
    "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO" CRLF
    "Supported: replaces, timer" CRLF "User-Agent: softphone 1.0" CRLF "Session-Expires: 1800" CRLF
    "Content-Type: application/sdp" CRLF "Content-Length: 4" CRLF CRLF "v=0" CRLF;

static void test_typical_invite_no_growth(void **state)
{
	(void)state;
	struct sk_msg *m;

	sk_msg_pool_drain();
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	grows = 0;
	assert_int_equal(sk_msg_parse(m, typical_invite, strlen(typical_invite), NULL), 0);
	assert_int_equal(sk_msg_hdr_count(m), 17);
	assert_int_equal(sk_msg_via_count(m), 3);
	assert_int_equal(grows, 0);
	sk_msg_free(m);
	allocs = 0;
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	assert_int_equal(sk_msg_parse(m, typical_invite, strlen(typical_invite), NULL), 0);
	assert_int_equal(sk_msg_parse(m, small_response, strlen(small_response), NULL), 0);
	sk_msg_free(m);
	assert_int_equal(allocs, 0);
	sk_msg_pool_drain();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parses_as_fresh),
	    cmocka_unit_test(test_unparsed_as_fresh),
	    cmocka_unit_test(test_limits_of_new_owner),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_per_thread),
	    cmocka_unit_test(test_freed_during_thread_exit),
	    cmocka_unit_test(test_use_after_free_reported),
	    cmocka_unit_test(test_typical_invite_no_growth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
