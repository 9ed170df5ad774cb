/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conformance of the message parser against the SIP torture tests of RFC 4475
 * (tests/data/torture/{valid,invalid,semantic,extra,variants}) and RFC 5118
 * (tests/data/torture/ipv6: the raw archive bytes, and ipv6/wire: the same
 * messages with CRLF line ends and Content-Length recomputed).
 *
 * One cmocka test per message file, named after the file. Every test checks:
 *   - what RFC 4475 says about the message: accepted with the values its section
 *     describes, or rejected with an sk_parse_err naming the offending line and
 *     header, or accepted and flagged by sk_msg_check;
 *   - for every message that parses: sk_msg_print, then sk_msg_parse again, gives
 *     the same start line, headers and typed values (round trip);
 *   - sk_msg_frame (stream framing) on the whole file and on every prefix, each in
 *     a buffer of exactly that size so that ASan sees any read past the end;
 *     every proper prefix of a well-framed message is -SK_EAGAIN.
 *
 * Expectations are written from the RFC text, not from the parser's output.
 * Checks are non-fatal (each failed one is printed with its line) so that one test
 * lists every deviation of its message; the test fails at the end if any did.
 */
#include "sk_test.h"

/* ======================================================================
 * Non-fatal expectations
 * ====================================================================== */

static int g_fails;
static const char *g_file = "-";

static void note_(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note_(int line, const char *fmt, ...)
{
	char msg[1400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_error("    test_torture.c:%d [%s] %s\n", line, g_file, msg);
	g_fails++;
}

/* A view rendered with C escapes (rotating static buffers). */
static const char *show_mem(const char *p, size_t len)
{
	static char bufs[6][700];
	static unsigned k;
	char *b = bufs[k++ % 6];
	size_t o = 0;

	if (!p)
		return "(absent)";
	b[o++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		if (o > 600) {
			o += (size_t)snprintf(b + o, sizeof(bufs[0]) - o, "...\" (%zu bytes)", len);
			return b;
		}
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			b[o++] = (char)c;
		else
			o += (size_t)snprintf(b + o, sizeof(bufs[0]) - o, "\\x%02X", c);
	}
	b[o++] = '"';
	b[o] = '\0';
	return b;
}

static const char *show(struct sk_str v)
{
	return show_mem(v.p, v.len);
}

static bool view_is(struct sk_str v, const char *p, size_t n)
{
	return v.p && v.len == n && (n == 0 || memcmp(v.p, p, n) == 0);
}

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			note_(__LINE__, "failed: %s", #c);                                         \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_)                                                                      \
			note_(__LINE__, "%s is %lld, expected %lld", #a, a_, b_);                  \
	} while (0)

/* view equals the C string (or the bytes p[0..n) for CHECK_MEM) */
#define CHECK_STR(view, cstr)                                                                      \
	do {                                                                                       \
		struct sk_str v_ = (view);                                                         \
		const char *c_ = (cstr);                                                           \
		if (!view_is(v_, c_, strlen(c_)))                                                  \
			note_(__LINE__, "%s is %s, expected %s", #view, show(v_),                  \
			      show_mem(c_, strlen(c_)));                                           \
	} while (0)

#define CHECK_MEM(view, ptr, n)                                                                    \
	do {                                                                                       \
		struct sk_str v_ = (view);                                                         \
		if (!view_is(v_, (ptr), (n)))                                                      \
			note_(__LINE__, "%s is %s, expected %s", #view, show(v_),                  \
			      show_mem((ptr), (n)));                                               \
	} while (0)

#define CHECK_ABSENT(view)                                                                         \
	do {                                                                                       \
		struct sk_str v_ = (view);                                                         \
		if (v_.p)                                                                          \
			note_(__LINE__, "%s is %s, expected absent", #view, show(v_));             \
	} while (0)

#define CHECK_PRESENT_EMPTY(view)                                                                  \
	do {                                                                                       \
		struct sk_str v_ = (view);                                                         \
		if (!v_.p || v_.len)                                                               \
			note_(__LINE__, "%s is %s, expected present and empty", #view, show(v_));  \
	} while (0)

/* Literal with embedded NULs: CHECK_LIT(view, "a\0b") */
#define CHECK_LIT(view, lit) CHECK_MEM(view, lit, sizeof(lit) - 1)

/* ======================================================================
 * Fixture: the message bytes (exact-size heap copy), two messages, buffers
 * ====================================================================== */

struct fx {
	char *buf;
	size_t len;
	struct sk_msg *m, *m2;
	char *out; /* printed by check_roundtrip, exact size, no NUL */
	size_t outlen;
	struct sk_parse_err err;
	int rc;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || sk_msg_new(&f->m, NULL) != 0 || sk_msg_new(&f->m2, NULL) != 0)
		return -1;
	*state = f;
	g_fails = 0;
	g_file = "-";
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	sk_msg_free(f->m);
	sk_msg_free(f->m2);
	free(f->buf);
	free(f->out);
	free(f);
	return 0;
}

static void finish(void)
{
	if (g_fails)
		fail_msg("%s: %d expectation(s) failed (listed above)", g_file, g_fails);
}

/* Loads tests/data/torture/<rel> into a buffer of exactly its size. */
static void load(struct fx *f, const char *rel)
{
	char path[256];
	size_t n;
	char *tmp;

	g_file = rel;
	snprintf(path, sizeof(path), "torture/%s", rel);
	tmp = sk_test_load(path, &n);
	assert_non_null(tmp);
	f->buf = malloc(n ? n : 1);
	assert_non_null(f->buf);
	memcpy(f->buf, tmp, n);
	free(tmp);
	f->len = n;
}

static int parse(struct fx *f)
{
	f->rc = sk_msg_parse(f->m, f->buf, f->len, &f->err);
	return f->rc;
}

/* The message must parse; nothing else can be checked if it does not. */
static struct sk_msg *must_parse(struct fx *f)
{
	if (parse(f) != 0)
		fail_msg("%s: sk_msg_parse rejected a message the RFC says must be accepted: "
		         "rc %d (%s), line %u col %u hdr \"%s\": %s",
		         g_file, f->rc, sk_strerror(f->rc), f->err.line, f->err.col, f->err.hdr,
		         f->err.why ? f->err.why : "(no reason)");
	return f->m;
}

/* The message must be rejected, the error naming line and header. */
static void check_reject(struct fx *f, uint32_t line, const char *hdr, int status)
{
	if (f->rc >= 0) {
		note_(__LINE__, "accepted, but the RFC says reject (line %u, header \"%s\")", line,
		      hdr);
		return;
	}
	if (f->err.line != line)
		note_(__LINE__, "err.line is %u, expected %u (why: %s)", f->err.line, line,
		      f->err.why ? f->err.why : "(null)");
	if (strcmp(f->err.hdr, hdr) != 0)
		note_(__LINE__, "err.hdr is \"%s\", expected \"%s\" (why: %s)", f->err.hdr, hdr,
		      f->err.why ? f->err.why : "(null)");
	if (!f->err.why || !f->err.why[0])
		note_(__LINE__, "err.why is empty");
	if (f->err.status != status)
		note_(__LINE__, "err.status is %d, expected %d (why: %s)", f->err.status, status,
		      f->err.why ? f->err.why : "(null)");
}

/*
 * The file with its first "from" replaced by "to", in a buffer of exactly that
 * size (for the variants an RFC section describes in words). Caller frees.
 */
static char *derive(const struct fx *f, const char *from, const char *to, size_t *len)
{
	const char *at = memmem(f->buf, f->len, from, strlen(from));
	size_t lf = strlen(from), lt = strlen(to), pre;
	char *d;

	assert_non_null(at);
	pre = (size_t)(at - f->buf);
	*len = f->len - lf + lt;
	d = malloc(*len);
	assert_non_null(d);
	memcpy(d, f->buf, pre);
	memcpy(d + pre, to, lt);
	memcpy(d + pre + lt, at + lf, f->len - pre - lf);
	return d;
}

/* ---- small accessors --------------------------------------------------- */

static struct sk_uri uri_of(const char *s)
{
	struct sk_uri u;
	const char *why = NULL;

	if (sk_uri_parse(&u, sk_str_c(s), &why) != 0)
		fail_msg("test URI %s does not parse: %s", s, why);
	return u;
}

/* Unescapes v and compares with the bytes p[0..n). */
static bool unescaped_is(struct sk_str v, const char *p, size_t n)
{
	char tmp[512];
	int k;

	if (!v.p)
		return false;
	k = sk_uri_unescape(v, tmp, sizeof(tmp));
	return k >= 0 && (size_t)k == n && memcmp(tmp, p, n) == 0;
}

#define CHECK_UNESC(view, lit)                                                                     \
	do {                                                                                       \
		struct sk_str v_ = (view);                                                         \
		if (!unescaped_is(v_, lit, sizeof(lit) - 1))                                       \
			note_(__LINE__, "%s (%s) does not unescape to %s", #view, show(v_),        \
			      show_mem(lit, sizeof(lit) - 1));                                     \
	} while (0)

static struct sk_str param_of(struct sk_str params, const char *name)
{
	struct sk_str v = SK_STR_NULL;

	if (sk_param_find(params, name, &v) != 0)
		return (struct sk_str){NULL, 0};
	return v;
}

static bool has_param(struct sk_str params, const char *name)
{
	return sk_param_find(params, name, NULL) == 0;
}

static struct sk_str uri_param_of(const struct sk_uri *u, const char *name)
{
	struct sk_str v = SK_STR_NULL;

	if (sk_uri_param(u, name, &v) != 0)
		return (struct sk_str){NULL, 0};
	return v;
}

static struct sk_str hdr_value(const struct sk_msg *m, const char *name)
{
	const struct sk_hdr *h = sk_msg_hdr_find(m, name);
	return h ? h->value : (struct sk_str){NULL, 0};
}

static const struct sk_via *via_at(const struct sk_msg *m, size_t i)
{
	const struct sk_via *v = sk_msg_via(m, i);
	if (!v)
		fail_msg("%s: Via #%zu absent (%zu Via values)", g_file, i + 1,
		         sk_msg_via_count(m));
	return v;
}

static const struct sk_addr *addr_at(const struct sk_msg *m, enum sk_hdr_id id, size_t i)
{
	const struct sk_addr *a = sk_msg_addr(m, id, i);
	if (!a)
		fail_msg("%s: %s value #%zu absent", g_file, sk_hdr_name(id), i + 1);
	return a;
}

static const struct sk_addr *must_to(const struct sk_msg *m)
{
	const struct sk_addr *a = sk_msg_to(m);
	if (!a)
		fail_msg("%s: no To", g_file);
	return a;
}

static const struct sk_addr *must_from(const struct sk_msg *m)
{
	const struct sk_addr *a = sk_msg_from(m);
	if (!a)
		fail_msg("%s: no From", g_file);
	return a;
}

static void check_cseq(const struct sk_msg *m, uint32_t num, const char *method)
{
	const struct sk_cseq *c = sk_msg_cseq(m);

	if (!c) {
		note_(__LINE__, "CSeq absent, expected %u %s", num, method);
		return;
	}
	CHECK_INT(c->num, num);
	CHECK_STR(c->method, method);
}

static void check_via(const struct sk_msg *m, size_t i, const char *transport, const char *host,
                      const char *branch)
{
	const struct sk_via *v = sk_msg_via(m, i);

	if (!v) {
		note_(__LINE__, "Via #%zu absent, expected %s %s", i + 1, transport, host);
		return;
	}
	CHECK_STR(v->proto_name, "SIP");
	CHECK_STR(v->proto_version, "2.0");
	CHECK_STR(v->transport, transport);
	CHECK_STR(v->host, host);
	if (branch)
		CHECK_STR(v->branch, branch);
	else
		CHECK_ABSENT(v->branch);
}

static size_t list_values(const struct sk_msg *m, enum sk_hdr_id id, struct sk_str *out, size_t max)
{
	struct sk_list_iter it = {0};
	struct sk_str v;
	size_t n = 0;

	while (sk_msg_list_next(m, id, &it, &v)) {
		if (n < max)
			out[n] = v;
		n++;
	}
	return n;
}

/* ---- semantic findings -------------------------------------------------- */

struct findings {
	struct sk_msg_finding f[32];
	size_t n;
};

static struct findings findings_of(const struct sk_msg *m)
{
	struct findings r;
	memset(&r, 0, sizeof(r));
	r.n = sk_msg_check(m, r.f, 32);
	if (r.n > 32)
		r.n = 32;
	return r;
}

static const struct sk_msg_finding *finding(const struct findings *r, enum sk_msg_issue issue,
                                            const char *hdr)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->f[i].issue == issue && (!hdr || strcmp(r->f[i].hdr, hdr) == 0))
			return &r->f[i];
	return NULL;
}

/* The status a UAS answers: the first finding with a status, 0 when none. */
static int first_status(const struct findings *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->f[i].status)
			return r->f[i].status;
	return 0;
}

static void dump_findings(const struct findings *r)
{
	for (size_t i = 0; i < r->n; i++)
		print_error("      finding: issue %d status %d hdr \"%s\": %s\n", r->f[i].issue,
		            r->f[i].status, r->f[i].hdr, r->f[i].why ? r->f[i].why : "");
}

#define CHECK_FINDING(r, issue_, hdr_, status_)                                                    \
	do {                                                                                       \
		const struct sk_msg_finding *x_ = finding(&(r), (issue_), (hdr_));                 \
		if (!x_) {                                                                         \
			note_(__LINE__, "sk_msg_check: no %s for \"%s\"", #issue_,                 \
			      (hdr_) ? (hdr_) : "*");                                              \
			dump_findings(&(r));                                                       \
		} else if (x_->status != (status_)) {                                              \
			note_(__LINE__, "sk_msg_check: %s for \"%s\" has status %d, expected %d",  \
			      #issue_, x_->hdr, x_->status, (status_));                            \
		} else if (!x_->why || !x_->why[0]) {                                              \
			note_(__LINE__, "sk_msg_check: %s without a reason", #issue_);             \
		}                                                                                  \
	} while (0)

#define CHECK_NO_FINDING(r, issue_, hdr_)                                                          \
	do {                                                                                       \
		if (finding(&(r), (issue_), (hdr_))) {                                             \
			note_(__LINE__, "sk_msg_check: unexpected %s for \"%s\"", #issue_,         \
			      (hdr_) ? (hdr_) : "*");                                              \
			dump_findings(&(r));                                                       \
		}                                                                                  \
	} while (0)

/* Nothing a UAS would refuse the message for. */
static void check_nothing_to_refuse(const struct sk_msg *m)
{
	struct findings r = findings_of(m);
	int st = first_status(&r);

	if (st) {
		note_(__LINE__, "sk_msg_check asks for status %d on a message RFC 4475 calls valid",
		      st);
		dump_findings(&r);
	}
}

/* ======================================================================
 * Round trip: print, parse again, compare
 * ====================================================================== */

static void cmp_uri(int line, const char *what, const struct sk_uri *a, const struct sk_uri *b)
{
	if (a->scheme != b->scheme || !sk_str_eq(a->raw, b->raw) || !sk_str_eq(a->host, b->host) ||
	    a->port != b->port || !sk_str_eq(a->user, b->user) ||
	    !sk_str_eq(a->params, b->params) || !sk_str_eq(a->headers, b->headers))
		note_(line, "round trip: %s URI %s became %s", what, show(a->raw), show(b->raw));
}

static void cmp_addr(int line, const char *what, const struct sk_addr *a, const struct sk_addr *b)
{
	if (!a || !b) {
		if (a != b)
			note_(line, "round trip: %s present %d, after %d", what, a != NULL,
			      b != NULL);
		return;
	}
	cmp_uri(line, what, &a->uri, &b->uri);
	if (!sk_str_eq(a->display, b->display) || !sk_str_eq(a->tag, b->tag) ||
	    !sk_str_eq(a->params, b->params) || sk_str_present(a->tag) != sk_str_present(b->tag) ||
	    a->angle != b->angle || a->star != b->star)
		note_(line, "round trip: %s %s became %s", what, show(a->raw), show(b->raw));
}

static size_t count_non_cl(const struct sk_msg *m)
{
	size_t n = 0;
	for (size_t i = 0; i < sk_msg_hdr_count(m); i++)
		if (sk_msg_hdr_at(m, i)->id != SK_HDR_CONTENT_LENGTH)
			n++;
	return n;
}

/*
 * sk_msg_print writes every header but Content-Length, then one Content-Length
 * computed from the body (msg.h). So the reparsed message must have the same
 * non-Content-Length headers, in order, with the same values, and exactly one
 * Content-Length equal to the body length. When the original had exactly one
 * Content-Length the header count is therefore the same.
 */
static void check_roundtrip(struct fx *f)
{
	const struct sk_msg *a = f->m;
	struct sk_msg *b = f->m2;
	struct sk_parse_err e;
	size_t n = sk_msg_print(a, NULL, 0);
	char *tmp = malloc(n + 1);

	assert_non_null(tmp);
	size_t n2 = sk_msg_print(a, tmp, n + 1);
	if (n2 != n)
		note_(__LINE__, "sk_msg_print: size %zu then %zu", n, n2);
	free(f->out);
	f->out = malloc(n ? n : 1); /* exact size: ASan sees over-reads */
	assert_non_null(f->out);
	memcpy(f->out, tmp, n);
	f->outlen = n;
	free(tmp);

	if (sk_msg_parse(b, f->out, n, &e) != 0) {
		note_(__LINE__,
		      "round trip: printed message does not parse: line %u hdr \"%s\": %s", e.line,
		      e.hdr, e.why ? e.why : "");
		return;
	}
	if (!sk_str_eq(sk_msg_start_line(a), sk_msg_start_line(b)))
		note_(__LINE__, "round trip: start line %s became %s", show(sk_msg_start_line(a)),
		      show(sk_msg_start_line(b)));
	CHECK_INT(sk_msg_is_request(b), sk_msg_is_request(a));
	CHECK(sk_str_eq(sk_msg_method(a), sk_msg_method(b)));
	CHECK(sk_str_eq(sk_msg_ruri_str(a), sk_msg_ruri_str(b)));
	CHECK_INT(sk_msg_status(b), sk_msg_status(a));
	CHECK(sk_str_eq(sk_msg_reason_phrase(a), sk_msg_reason_phrase(b)));

	/* headers */
	size_t na = count_non_cl(a), nb = count_non_cl(b);
	if (na != nb)
		note_(__LINE__, "round trip: %zu headers (without Content-Length) became %zu", na,
		      nb);
	if (sk_msg_hdr_num(a, SK_HDR_CONTENT_LENGTH) == 1)
		CHECK_INT(sk_msg_hdr_count(b), sk_msg_hdr_count(a));
	CHECK_INT(sk_msg_hdr_num(b, SK_HDR_CONTENT_LENGTH), 1);
	CHECK_INT(sk_msg_content_length(b), (long)sk_msg_body(a).len);
	for (size_t i = 0, j = 0; i < sk_msg_hdr_count(a) && j < sk_msg_hdr_count(b); i++, j++) {
		const struct sk_hdr *ha = sk_msg_hdr_at(a, i), *hb;
		if (ha->id == SK_HDR_CONTENT_LENGTH) {
			j--;
			continue;
		}
		while (j < sk_msg_hdr_count(b) && sk_msg_hdr_at(b, j)->id == SK_HDR_CONTENT_LENGTH)
			j++;
		if (j >= sk_msg_hdr_count(b))
			break;
		hb = sk_msg_hdr_at(b, j);
		if (ha->id != hb->id || !sk_str_eq(ha->value, hb->value) ||
		    (ha->id == SK_HDR_OTHER && !sk_str_eq(ha->name, hb->name))) {
			note_(__LINE__, "round trip: header %s: %s became %s: %s", show(ha->name),
			      show(ha->value), show(hb->name), show(hb->value));
			break;
		}
	}

	/* typed values */
	CHECK_INT(sk_msg_via_count(b), sk_msg_via_count(a));
	for (size_t i = 0; i < sk_msg_via_count(a) && i < sk_msg_via_count(b); i++) {
		const struct sk_via *va = sk_msg_via(a, i), *vb = sk_msg_via(b, i);
		if (!sk_str_eq(va->host, vb->host) || va->port != vb->port ||
		    !sk_str_eq(va->transport, vb->transport) ||
		    !sk_str_eq(va->branch, vb->branch) ||
		    sk_str_present(va->branch) != sk_str_present(vb->branch) ||
		    !sk_str_eq(va->received, vb->received) || va->host_type != vb->host_type)
			note_(__LINE__, "round trip: Via #%zu %s became %s", i + 1, show(va->raw),
			      show(vb->raw));
	}
	cmp_addr(__LINE__, "From", sk_msg_from(a), sk_msg_from(b));
	cmp_addr(__LINE__, "To", sk_msg_to(a), sk_msg_to(b));
	if (!sk_str_eq(sk_msg_call_id(a), sk_msg_call_id(b)) ||
	    sk_str_present(sk_msg_call_id(a)) != sk_str_present(sk_msg_call_id(b)))
		note_(__LINE__, "round trip: Call-ID %s became %s", show(sk_msg_call_id(a)),
		      show(sk_msg_call_id(b)));
	const struct sk_cseq *ca = sk_msg_cseq(a), *cb = sk_msg_cseq(b);
	if ((ca == NULL) != (cb == NULL) ||
	    (ca && (ca->num != cb->num || !sk_str_eq(ca->method, cb->method))))
		note_(__LINE__, "round trip: CSeq changed");
	CHECK_INT(sk_msg_max_forwards(b), sk_msg_max_forwards(a));
	CHECK(sk_str_eq(sk_msg_content_type(a), sk_msg_content_type(b)));
	static const enum sk_hdr_id lists[] = {SK_HDR_CONTACT, SK_HDR_ROUTE, SK_HDR_RECORD_ROUTE};
	for (size_t k = 0; k < 3; k++) {
		size_t c = sk_msg_addr_count(a, lists[k]);
		if (sk_msg_addr_count(b, lists[k]) != c) {
			note_(__LINE__, "round trip: %zu %s values became %zu", c,
			      sk_hdr_name(lists[k]), sk_msg_addr_count(b, lists[k]));
			continue;
		}
		for (size_t i = 0; i < c; i++)
			cmp_addr(__LINE__, sk_hdr_name(lists[k]), sk_msg_addr(a, lists[k], i),
			         sk_msg_addr(b, lists[k], i));
	}
	if (!sk_str_eq(sk_msg_body(a), sk_msg_body(b)))
		note_(__LINE__, "round trip: body of %zu bytes became %zu bytes",
		      sk_msg_body(a).len, sk_msg_body(b).len);
}

/* ======================================================================
 * Stream framing
 * ====================================================================== */

enum frame_want {
	FR_OK,    /* well framed: 0 and the message length */
	FR_AGAIN, /* a stream would wait for more bytes */
	FR_BAD,   /* framing impossible: close the connection */
	FR_ANY,   /* no expectation for the whole file (raw RFC 5118 archive bytes) */
};

/*
 * want_len: the framed length for FR_OK (0: the whole file). Every prefix is given
 * in its own buffer of exactly that size.
 */
static void check_frame(struct fx *f, enum frame_want want, size_t want_len)
{
	struct sk_parse_err e = {0};
	size_t skip = 99, mlen = 99;
	int full = sk_msg_frame(f->buf, f->len, NULL, &skip, &mlen, &e);

	if (want == FR_OK && !want_len)
		want_len = f->len;
	switch (want) {
	case FR_OK:
		if (full != 0)
			note_(__LINE__,
			      "sk_msg_frame(whole file) = %d (%s), expected 0 with %zu bytes", full,
			      e.why ? e.why : "", want_len);
		else if (skip != 0 || mlen != want_len)
			note_(__LINE__, "sk_msg_frame: skip %zu len %zu, expected 0 and %zu", skip,
			      mlen, want_len);
		break;
	case FR_AGAIN:
		if (full != -SK_EAGAIN)
			note_(__LINE__, "sk_msg_frame(whole file) = %d, expected -SK_EAGAIN", full);
		break;
	case FR_BAD:
		if (full != -SK_EMALFORMED)
			note_(__LINE__, "sk_msg_frame(whole file) = %d, expected -SK_EMALFORMED",
			      full);
		else if (strcmp(e.hdr, "Content-Length") != 0 || !e.why || !e.why[0])
			note_(__LINE__,
			      "sk_msg_frame error names \"%s\" (%s), expected Content-Length",
			      e.hdr, e.why ? e.why : "");
		break;
	case FR_ANY:
		if (full == 0 && skip == 0 && mlen <= f->len) {
			want = FR_OK; /* then every proper prefix must still be -SK_EAGAIN */
			want_len = mlen;
		} else if (full != -SK_EAGAIN && full != -SK_EMALFORMED && full != -SK_ETOOBIG) {
			note_(__LINE__, "sk_msg_frame(whole file) = %d, skip %zu, len %zu", full,
			      skip, mlen);
		}
		break;
	}

	/* growing prefixes, each in an exact-size buffer */
	int bad = 0;
	for (size_t k = 0; k <= f->len; k++) {
		char *p = malloc(k ? k : 1);
		assert_non_null(p);
		memcpy(p, f->buf, k);
		skip = mlen = 99;
		int rc = sk_msg_frame(p, k, NULL, &skip, &mlen, &e);
		free(p);
		bool ok;
		if (want == FR_OK)
			ok = k < want_len ? rc == -SK_EAGAIN
			                  : (rc == 0 && mlen == want_len && !skip);
		else
			ok = rc == -SK_EAGAIN || rc == full;
		if (!ok && bad++ == 0)
			note_(__LINE__,
			      "sk_msg_frame(prefix of %zu/%zu bytes) = %d (len %zu), expected %s",
			      k, f->len, rc, mlen,
			      want == FR_OK ? (k < want_len ? "-SK_EAGAIN" : "0")
			                    : "-SK_EAGAIN or the whole-file result");
	}
	if (bad > 1)
		note_(__LINE__, "... %d prefixes in all framed wrongly", bad);
}

/* ======================================================================
 * Shared shapes
 * ====================================================================== */

/* A request start line. */
static void check_request(const struct sk_msg *m, const char *method, const char *ruri)
{
	CHECK(sk_msg_is_request(m));
	CHECK_STR(sk_msg_method(m), method);
	CHECK_STR(sk_msg_ruri_str(m), ruri);
	CHECK_STR(sk_msg_version(m), "SIP/2.0");
	CHECK(sk_msg_ruri(m) != NULL);
}

/* The whole datagram is the message (no trailing octets). */
static void check_whole(const struct fx *f)
{
	struct sk_str raw = sk_msg_raw(f->m);
	if (raw.p != f->buf || raw.len != f->len)
		note_(__LINE__, "sk_msg_raw covers [%td, +%zu), expected the whole %zu bytes",
		      raw.p ? raw.p - f->buf : -1, raw.len, f->len);
}

/* Body of n bytes = Content-Length, ending at the end of the datagram. */
static void check_body(const struct fx *f, long n)
{
	struct sk_str b = sk_msg_body(f->m);
	CHECK_INT(sk_msg_content_length(f->m), n);
	CHECK_INT(b.len, n);
	if (b.p && b.p + b.len != f->buf + f->len)
		note_(__LINE__, "body does not end at the end of the datagram");
}

/* The SDP bodies of the RFC 4475 messages all start and end alike. */
static void check_sdp_body(const struct fx *f, long n)
{
	struct sk_str b = sk_msg_body(f->m);
	static const char tail[] = "a=rtpmap:31 LPC\r\n";
	check_body(f, n);
	CHECK(b.p && b.len >= 5 && memcmp(b.p, "v=0\r\n", 5) == 0);
	CHECK(b.p && b.len >= sizeof(tail) - 1 &&
	      memcmp(b.p + b.len - (sizeof(tail) - 1), tail, sizeof(tail) - 1) == 0);
}

/* ======================================================================
 * RFC 4475 §3.1.1: valid messages
 * ====================================================================== */

/* §3.1.1.1 A Short Tortuous INVITE */
static void t_wsinv(void **state)
{
	struct fx *f = *state;
	load(f, "valid/wsinv.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);

	check_request(m, "INVITE", "sip:vivekg@chair-dnrc.example.com;unknownparam");
	const struct sk_uri *ru = sk_msg_ruri(m);
	if (ru) {
		CHECK_INT(ru->scheme, SK_URI_SIP);
		CHECK_STR(ru->user, "vivekg");
		CHECK_STR(ru->host, "chair-dnrc.example.com");
		/* unknown Request-URI parameter, with no value */
		CHECK_STR(ru->params, "unknownparam");
		struct sk_str v;
		CHECK_INT(sk_uri_param(ru, "unknownparam", &v), 0);
		CHECK(v.p == NULL);
	}
	CHECK_INT(sk_msg_hdr_count(m), 14);

	/* "TO :" folded, LWS around ';' and '=' of the tag */
	const struct sk_addr *to = must_to(m);
	CHECK_STR(to->uri.raw, "sip:vivekg@chair-dnrc.example.com");
	CHECK_STR(to->uri.user, "vivekg");
	CHECK_STR(to->uri.host, "chair-dnrc.example.com");
	CHECK_STR(to->tag, "1918181833n");
	CHECK(!to->angle);
	CHECK_INT(sk_msg_hdr_first(m, SK_HDR_TO)->line, 2);

	/* escaped characters within quotes; the tag after folded ";" */
	const struct sk_addr *from = must_from(m);
	CHECK_STR(from->display, "\"J Rosenberg \\\\\\\"\"");
	CHECK_STR(from->uri.raw, "sip:jdrosen@example.com");
	CHECK_STR(from->tag, "98asjd8");
	CHECK(from->angle);
	CHECK_INT(sk_msg_hdr_first(m, SK_HDR_FROM)->line, 4);

	/* leading zeros */
	CHECK_INT(sk_msg_max_forwards(m), 68);
	check_cseq(m, 9, "INVITE");
	CHECK_STR(sk_msg_call_id(m), "wsinv.ndaksdj@192.0.2.1");
	CHECK_INT(sk_msg_hdr_first(m, SK_HDR_CSEQ)->line, 10);

	/* Via, then v: with two comma-separated values: three in all, in order */
	CHECK_INT(sk_msg_hdr_num(m, SK_HDR_VIA), 2);
	CHECK_INT(sk_msg_via_count(m), 3);
	check_via(m, 0, "UDP", "192.0.2.2", "390skdjuw");
	check_via(m, 1, "TCP", "spindle.example.com", "z9hG4bK9ikj8");
	check_via(m, 2, "UDP", "192.168.255.111", "z9hG4bK30239");
	if (sk_msg_via_count(m) == 3) {
		CHECK_INT(via_at(m, 0)->host_type, SK_HOST_IPV4);
		CHECK_INT(via_at(m, 1)->host_type, SK_HOST_NAME);
		CHECK_INT(via_at(m, 0)->port, 0);
		CHECK(!sk_via_branch_is_3261(via_at(m, 0)));
		CHECK(sk_via_branch_is_3261(via_at(m, 1)));
		CHECK(via_at(m, 1)->hdr == via_at(m, 2)->hdr);
		CHECK(via_at(m, 0)->hdr != via_at(m, 1)->hdr);
	}

	/* "s :" is an empty Subject */
	const struct sk_hdr *subj = sk_msg_hdr_first(m, SK_HDR_SUBJECT);
	CHECK(subj != NULL);
	if (subj) {
		CHECK_PRESENT_EMPTY(subj->value);
		CHECK_INT(subj->line, 15);
	}

	/* unknown headers are kept (the folded one unfolded, §7.3.1) */
	const struct sk_hdr *nf = sk_msg_hdr_find(m, "NewFangledHeader");
	CHECK(nf != NULL);
	if (nf) {
		CHECK_INT(nf->id, SK_HDR_OTHER);
		CHECK_STR(nf->name, "NewFangledHeader");
		CHECK_STR(nf->value, "newfangled value continued newfangled value");
		CHECK_INT(nf->line, 16);
	}
	const struct sk_hdr *uu = sk_msg_hdr_find(m, "UnknownHeaderWithUnusualValue");
	CHECK(uu != NULL);
	if (uu) {
		CHECK_INT(uu->id, SK_HDR_OTHER);
		CHECK_STR(uu->value, ";;,,;;,;");
	}
	CHECK_STR(sk_msg_content_type(m), "application/sdp");

	/* Route: unknown uri params, with and without value */
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_ROUTE), 1);
	if (sk_msg_addr_count(m, SK_HDR_ROUTE) == 1) {
		const struct sk_addr *r = addr_at(m, SK_HDR_ROUTE, 0);
		CHECK_STR(r->uri.raw,
		          "sip:services.example.com;lr;unknownwith=value;unknown-no-value");
		CHECK_STR(r->uri.host, "services.example.com");
		CHECK(r->angle);
		struct sk_str v;
		CHECK_INT(sk_uri_param(&r->uri, "lr", &v), 0);
		CHECK_STR(uri_param_of(&r->uri, "unknownwith"), "value");
		CHECK_INT(sk_uri_param(&r->uri, "unknown-no-value", &v), 0);
		CHECK(v.p == NULL);
	}

	/* m: (Contact), quoted display with escapes, params with LWS, q, param without value */
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 1);
	if (sk_msg_addr_count(m, SK_HDR_CONTACT) == 1) {
		const struct sk_addr *c = addr_at(m, SK_HDR_CONTACT, 0);
		CHECK_STR(c->display, "\"Quoted string \\\"\\\"\"");
		CHECK_STR(c->uri.raw, "sip:jdrosen@example.com");
		CHECK_STR(c->q, "0.33");
		CHECK_STR(param_of(c->params, "newparam"), "newvalue");
		CHECK(has_param(c->params, "secondparam"));
		CHECK_ABSENT(param_of(c->params, "secondparam"));
		CHECK_ABSENT(uri_param_of(&c->uri, "newparam"));
	}
	/* compact forms resolve to the same headers; names are kept as written */
	const struct sk_hdr *hm = sk_msg_hdr_find(m, "m");
	CHECK(hm != NULL && hm->id == SK_HDR_CONTACT);
	if (hm) {
		CHECK_STR(hm->name, "m");
		CHECK_INT(hm->line, 26);
	}
	const struct sk_hdr *hv = sk_msg_hdr_find(m, "v"); /* the first Via line */
	CHECK(hv != NULL && hv->id == SK_HDR_VIA);
	if (hv) {
		CHECK_STR(hv->name, "Via");
		CHECK_INT(hv->line, 12);
		CHECK(hv->next != UINT32_MAX);
		const struct sk_hdr *hv2 = sk_msg_hdr_at(m, hv->next);
		CHECK(hv2 != NULL);
		if (hv2) {
			CHECK_STR(hv2->name, "v");
			CHECK_INT(hv2->line, 22);
		}
	}
	check_sdp_body(f, 150);
	CHECK(sk_str_eq(sk_msg_raw(m), (struct sk_str){f->buf, f->len}));
	check_nothing_to_refuse(m);
	check_roundtrip(f);
	finish();
}

/* §3.1.1.2 Wide Range of Valid Characters */
static void t_intmeth(void **state)
{
	struct fx *f = *state;
	static const char method[] = "!interesting-Method0123456789_*+`.%indeed'~";
	static const char user[] = "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*";
	load(f, "valid/intmeth.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);

	check_request(m, method,
	              "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
	              ":&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com");
	const struct sk_uri *ru = sk_msg_ruri(m);
	if (ru) {
		CHECK_INT(ru->scheme, SK_URI_SIP);
		CHECK_STR(ru->user, user);
		CHECK_STR(ru->password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
		CHECK_STR(ru->host, "example.com");
		CHECK_ABSENT(ru->params);
	}
	/* % is no escape in a method: IN%56ITE-like methods are unknown methods */
	CHECK(!sk_str_eq(sk_msg_method(m), SK_STR_LIT("INVITE")));

	/* branch with every non-alphanum token character */
	CHECK_INT(sk_msg_via_count(m), 1);
	check_via(m, 0, "TCP", "host1.example.com", "z9hG4bK-.!%66*_+`'~");

	/* quoted-pair expansions including a quoted NUL, BEL and DEL */
	const struct sk_addr *to = must_to(m);
	CHECK_LIT(to->display, "\"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7F\"");
	CHECK_STR(to->uri.user, user);
	CHECK_STR(to->uri.host, "example.com");
	CHECK_ABSENT(to->tag);

	/* display name of several tokens; odd param name with a UTF-8 quoted value; odd tag */
	const struct sk_addr *from = must_from(m);
	CHECK_STR(from->display, "token1~` token2'+_ token3*%!.-");
	CHECK_STR(from->uri.raw, "sip:mundane@example.com");
	CHECK_STR(from->tag, "_token~1'+`*%!-.");
	CHECK_LIT(
	    param_of(from->params, "fromParam''~+*_!.-%"),
	    "\"\xD1\x80\xD0\xB0\xD0\xB1\xD0\xBE\xD1\x82\xD0\xB0\xD1\x8E\xD1\x89\xD0\xB8\xD0\xB9\"");

	/* word characters: % " ( ) < > [ ] { } are plain characters in a Call-ID */
	CHECK_STR(sk_msg_call_id(m), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
	check_cseq(m, 139122385, method);
	CHECK_INT(sk_msg_max_forwards(m), 255);

	/* extension header: token name with odd characters, UTF8-NONASCII value */
	const struct sk_hdr *x = sk_msg_hdr_find(m, "extensionHeader-!.%*+_`'~");
	CHECK(x != NULL);
	if (x) {
		CHECK_INT(x->id, SK_HDR_OTHER);
		CHECK_STR(x->name, "extensionHeader-!.%*+_`'~");
		CHECK_LIT(x->value, "\xEF\xBB\xBF\xE5\xA4\xA7\xE5\x81\x9C\xE9\x9B\xBB");
	}
	check_body(f, 0);
	check_whole(f);
	/* the method is unknown (a UAS answers 501) but CSeq matches it */
	struct findings r = findings_of(m);
	CHECK_NO_FINDING(r, SK_ISSUE_CSEQ_METHOD, NULL);
	check_roundtrip(f);
	finish();
}

/* §3.1.1.3 Valid Use of the % Escaping Mechanism */
static void t_esc01(void **state)
{
	struct fx *f = *state;
	load(f, "valid/esc01.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);

	check_request(m, "INVITE", "sip:sips%3Auser%40example.com@example.net");
	const struct sk_uri *ru = sk_msg_ruri(m);
	if (ru) {
		CHECK_STR(ru->host, "example.net");
		CHECK_UNESC(ru->user, "sips:user@example.com");
		struct sk_uri same = uri_of("sip:sips%3auser%40example.com@EXAMPLE.net");
		CHECK(sk_uri_equal(ru, &same));
	}
	const struct sk_addr *to = must_to(m);
	CHECK_UNESC(to->uri.user, "user");
	struct sk_uri plain_to = uri_of("sip:user@example.com");
	CHECK(sk_uri_equal(&to->uri, &plain_to));
	const struct sk_addr *from = must_from(m);
	CHECK_UNESC(from->uri.user, "I have spaces");
	CHECK_STR(from->tag, "938");
	CHECK_STR(sk_msg_call_id(m), "esc01.239409asdfakjkn23onasd0-3234");
	check_cseq(m, 234234, "INVITE");
	CHECK_INT(sk_msg_max_forwards(m), 87);
	check_via(m, 0, "UDP", "host5.example.net", "z9hG4bKkdjuw");
	CHECK_STR(sk_msg_content_type(m), "application/sdp"); /* compact "C:" */

	/* Contact: escapes in the user part and in the parameters; "name" is
	 * "value%41" after one unescaping, not "valueA" (no recursive unescaping) */
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 1);
	if (sk_msg_addr_count(m, SK_HDR_CONTACT) == 1) {
		const struct sk_addr *c = addr_at(m, SK_HDR_CONTACT, 0);
		CHECK_UNESC(c->uri.user, "caller");
		CHECK_STR(c->uri.host, "host5.example.net");
		CHECK_STR(c->uri.params, "%6C%72;n%61me=v%61lue%25%34%31");
		/* walk the parameters, unescaped */
		size_t pos = 0;
		struct sk_str pn, pv;
		int seen_lr = 0, seen_name = 0;
		while (sk_param_next(c->uri.params, &pos, &pn, &pv)) {
			if (unescaped_is(pn, "lr", 2) && !pv.p)
				seen_lr++;
			if (unescaped_is(pn, "name", 4) && unescaped_is(pv, "value%41", 8))
				seen_name++;
		}
		CHECK_INT(seen_lr, 1);
		CHECK_INT(seen_name, 1);
		/* the application treats %HH as the character (§3.1.1.3): looking the
		 * parameters up by their unescaped names finds them */
		struct sk_str v;
		CHECK_INT(sk_uri_param(&c->uri, "lr", &v), 0);
		CHECK(unescaped_is(uri_param_of(&c->uri, "name"), "value%41", 8));
		/* URI comparison unescapes once (RFC 3261 §19.1.4) */
		struct sk_uri eq1 = uri_of("sip:caller@host5.example.net;lr;name=value%2541");
		struct sk_uri ne1 = uri_of("sip:caller@host5.example.net;lr;name=valueA");
		CHECK(sk_uri_equal(&c->uri, &eq1));
		CHECK(!sk_uri_equal(&c->uri, &ne1));
	}
	check_sdp_body(f, 150);
	check_whole(f);
	check_nothing_to_refuse(m);
	check_roundtrip(f);
	finish();
}

/* §3.1.1.4 Escaped Nulls in URIs */
static void t_escnull(void **state)
{
	struct fx *f = *state;
	load(f, "valid/escnull.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);

	check_request(m, "REGISTER", "sip:example.com");
	const struct sk_addr *to = must_to(m), *from = must_from(m);
	CHECK_STR(to->uri.user, "null-%00-null");
	CHECK_UNESC(to->uri.user, "null-\0-null"); /* not shortened at the NUL */
	CHECK_UNESC(from->uri.user, "null-\0-null");
	CHECK_STR(from->tag, "839923423");
	CHECK(sk_uri_equal(&to->uri, &from->uri));
	struct sk_uri shorter = uri_of("sip:null-@example.com");
	CHECK(!sk_uri_equal(&to->uri, &shorter));
	CHECK_INT(sk_msg_max_forwards(m), 70);
	CHECK_STR(sk_msg_call_id(m), "escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd");
	check_cseq(m, 14398234, "REGISTER");
	check_via(m, 0, "UDP", "host5.example.com", "z9hG4bKkdjuw");

	/* two distinct contacts: one NUL, two NULs */
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 2);
	if (sk_msg_addr_count(m, SK_HDR_CONTACT) == 2) {
		const struct sk_addr *c0 = addr_at(m, SK_HDR_CONTACT, 0);
		const struct sk_addr *c1 = addr_at(m, SK_HDR_CONTACT, 1);
		CHECK_UNESC(c0->uri.user, "\0");
		CHECK_UNESC(c1->uri.user, "\0\0");
		CHECK_STR(c0->uri.host, "host5.example.com");
		CHECK(!sk_uri_equal(&c0->uri, &c1->uri));
		struct sk_uri empty_user = uri_of("sip:host5.example.com");
		CHECK(!sk_uri_equal(&c0->uri, &empty_user));
	}
	check_body(f, 0); /* "L:0" */
	check_whole(f);
	check_nothing_to_refuse(m);
	check_roundtrip(f);
	finish();
}

/* §3.1.1.5 Use of % When It Is Not an Escape */
static void t_esc02(void **state)
{
	struct fx *f = *state;
	load(f, "valid/esc02.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);

	/* an unknown method, not REGISTER */
	check_request(m, "RE%47IST%45R", "sip:registrar.example.com");
	CHECK(!sk_str_caseeq_c(sk_msg_method(m), "REGISTER"));
	const struct sk_addr *to = must_to(m), *from = must_from(m);
	CHECK_STR(to->display, "\"%Z%45\"");
	CHECK_STR(from->display, "\"%Z%45\"");
	CHECK_STR(to->uri.raw, "sip:resource@example.com");
	CHECK_STR(from->tag, "f232jadfj23");
	CHECK_STR(sk_msg_call_id(m), "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf");
	check_via(m, 0, "TCP", "host.example.com", "z9hG4bK209%fzsnel234");
	check_cseq(m, 29344, "RE%47IST%45R");
	CHECK_INT(sk_msg_max_forwards(m), 70);

	/* two Contact values, not three: C%6Fntact is another header */
	CHECK_INT(sk_msg_hdr_num(m, SK_HDR_CONTACT), 2);
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 2);
	if (sk_msg_addr_count(m, SK_HDR_CONTACT) == 2) {
		CHECK_STR(addr_at(m, SK_HDR_CONTACT, 0)->uri.raw, "sip:alias1@host1.example.com");
		CHECK_STR(addr_at(m, SK_HDR_CONTACT, 1)->uri.raw, "sip:alias3@host3.example.com");
	}
	CHECK_INT(sk_hdr_lookup("C%6Fntact", 9), SK_HDR_OTHER);
	const struct sk_hdr *x = sk_msg_hdr_find(m, "C%6Fntact");
	CHECK(x != NULL);
	if (x) {
		CHECK_INT(x->id, SK_HDR_OTHER);
		CHECK_STR(x->name, "C%6Fntact");
		CHECK_STR(x->value, "<sip:alias2@host2.example.com>");
		CHECK_INT(x->line, 9);
	}
	check_body(f, 0);
	check_whole(f);
	struct findings r = findings_of(m);
	CHECK_NO_FINDING(r, SK_ISSUE_CSEQ_METHOD, NULL);
	check_roundtrip(f);
	finish();
}

/* §3.1.1.6 Message with No LWS between Display Name and < */
static void t_lwsdisp(void **state)
{
	struct fx *f = *state;
	load(f, "valid/lwsdisp.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);

	check_request(m, "OPTIONS", "sip:user@example.com");
	const struct sk_addr *from = must_from(m);
	CHECK_STR(from->display, "caller");
	CHECK_STR(from->uri.raw, "sip:caller@example.com");
	CHECK(from->angle);
	CHECK_STR(from->tag, "323");
	CHECK_STR(must_to(m)->uri.raw, "sip:user@example.com");
	CHECK_INT(sk_msg_max_forwards(m), 70);
	CHECK_STR(sk_msg_call_id(m), "lwsdisp.1234abcd@funky.example.com");
	check_cseq(m, 60, "OPTIONS");
	check_via(m, 0, "UDP", "funky.example.com", "z9hG4bKkdjuw");
	check_body(f, 0);
	check_whole(f);
	check_nothing_to_refuse(m);
	check_roundtrip(f);
	finish();
}

/* A growing string for the long values of longreq. */
struct sb {
	char s[4096];
	size_t n;
};

static struct sb *sb_add(struct sb *b, const char *s, int times)
{
	size_t l = strlen(s);
	for (int i = 0; i < times; i++) {
		assert_true(b->n + l < sizeof(b->s));
		memcpy(b->s + b->n, s, l);
		b->n += l;
	}
	b->s[b->n] = '\0';
	return b;
}

/* §3.1.1.7 Long Values in Header Fields */
static void t_longreq(void **state)
{
	struct fx *f = *state;
	static struct sb b;
	load(f, "valid/longreq.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);

	check_request(m, "INVITE", "sip:user@example.com");

	/* To: long display name, long uri parameter names and values */
	const struct sk_addr *to = must_to(m);
	b.n = 0;
	sb_add(sb_add(sb_add(&b, "\"I have a user name of ", 1), "extreme", 10), " proportion\"",
	       1);
	CHECK_STR(to->display, b.s);
	CHECK_STR(to->uri.host, "example.com");
	CHECK_INT(to->uri.port, 6000);
	b.n = 0;
	sb_add(sb_add(sb_add(&b, "very", 1), "long", 20), "value", 1);
	CHECK_STR(uri_param_of(&to->uri, "unknownparam1"), b.s);
	b.n = 0;
	sb_add(sb_add(&b, "longparam", 1), "name", 25);
	CHECK_STR(uri_param_of(&to->uri, b.s), "shortvalue");
	b.n = 0;
	sb_add(sb_add(sb_add(&b, "very", 1), "long", 25), "ParameterNameWithNoValue", 1);
	struct sk_str v;
	CHECK_INT(sk_uri_param(&to->uri, b.s, &v), 0);
	CHECK_ABSENT(to->tag);

	/* F: long user, very long tag, long header parameter names and values */
	const struct sk_addr *from = must_from(m);
	b.n = 0;
	sb_add(&b, "amazinglylongcallername", 5);
	CHECK_STR(from->uri.user, b.s);
	CHECK_STR(from->uri.host, "example.net");
	b.n = 0;
	sb_add(sb_add(sb_add(&b, "12", 1), "982", 50), "424", 1);
	CHECK_STR(from->tag, b.s);
	{
		static struct sb name, val;
		name.n = val.n = 0;
		sb_add(sb_add(&name, "unknownheaderparam", 1), "name", 20);
		sb_add(sb_add(&val, "unknowheaderparam", 1), "value", 15);
		CHECK_STR(param_of(from->params, name.s), val.s);
		name.n = 0;
		sb_add(sb_add(&name, "unknownValueless", 1), "paramname", 10);
		CHECK(has_param(from->params, name.s));
	}

	/* Call-ID is one long token */
	b.n = 0;
	sb_add(sb_add(sb_add(&b, "longreq.one", 1), "really", 20), "longcallid", 1);
	CHECK_STR(sk_msg_call_id(m), b.s);
	check_cseq(m, 3882340, "INVITE");

	/* long unknown header name and value */
	{
		static struct sb name, val;
		name.n = val.n = 0;
		sb_add(sb_add(sb_add(&name, "Unknown-", 1), "Long", 20), "-Name", 1);
		sb_add(sb_add(sb_add(&val, "unknown-", 1), "long", 20), "-value; unknown-", 1);
		sb_add(sb_add(&val, "long", 20), "-parameter-name = unknown-", 1);
		sb_add(sb_add(&val, "long", 20), "-parameter-value", 1);
		const struct sk_hdr *h = sk_msg_hdr_find(m, name.s);
		CHECK(h != NULL);
		if (h) {
			CHECK_INT(h->id, SK_HDR_OTHER);
			CHECK_STR(h->value, val.s);
		}
	}

	/* many Via header lines: sip33 .. sip1, then host.example.com */
	CHECK_INT(sk_msg_hdr_num(m, SK_HDR_VIA), 34);
	CHECK_INT(sk_msg_via_count(m), 34);
	for (size_t i = 0; i < 33 && i < sk_msg_via_count(m); i++) {
		char host[32];
		snprintf(host, sizeof(host), "sip%zu.example.com", 33 - i);
		check_via(m, i, "TCP", host, NULL);
	}
	if (sk_msg_via_count(m) == 34) {
		b.n = 0;
		sb_add(sb_add(sb_add(&b, "very", 1), "long", 50), "branchvalue", 1);
		check_via(m, 33, "TCP", "host.example.com", b.s);
		CHECK_STR(via_at(m, 33)->received, "192.0.2.5");
	}
	CHECK_INT(sk_msg_max_forwards(m), 70);
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 1);
	if (sk_msg_addr_count(m, SK_HDR_CONTACT) == 1) {
		const struct sk_addr *c = addr_at(m, SK_HDR_CONTACT, 0);
		b.n = 0;
		sb_add(&b, "amazinglylongcallername", 5);
		CHECK_STR(c->uri.user, b.s);
		CHECK_STR(c->uri.host, "host5.example.net");
	}
	CHECK_STR(sk_msg_content_type(m), "application/sdp");
	check_sdp_body(f, 150);
	check_whole(f);
	check_roundtrip(f);
	finish();
}

/* §3.1.1.8 Extra Trailing Octets in a UDP Datagram */
static void t_dblreq(void **state)
{
	struct fx *f = *state;
	static const char first_req[] = "REGISTER sip:example.com SIP/2.0\r\n";
	load(f, "valid/dblreq.dat");
	/* the REGISTER is 300 bytes; after it come CRLF and an INVITE */
	char *inv = memmem(f->buf, f->len, "INVITE ", 7);
	assert_non_null(inv);
	size_t first_len = (size_t)(inv - f->buf) - 2;
	assert_int_equal(first_len, 300);
	check_frame(f, FR_OK, first_len);
	const struct sk_msg *m = must_parse(f);

	check_request(m, "REGISTER", "sip:example.com");
	CHECK(memcmp(f->buf, first_req, sizeof(first_req) - 1) == 0);
	CHECK_STR(must_to(m)->uri.raw, "sip:j.user@example.com");
	CHECK_STR(must_from(m)->tag, "43251j3j324");
	CHECK_INT(sk_msg_max_forwards(m), 8);
	CHECK_STR(sk_msg_call_id(m), "dblreq.0ha0isndaksdj99sdfafnl3lk233412"); /* "I:" */
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 1);
	if (sk_msg_addr_count(m, SK_HDR_CONTACT) == 1)
		CHECK_STR(addr_at(m, SK_HDR_CONTACT, 0)->uri.raw, "sip:j.user@host.example.com");
	check_cseq(m, 8, "REGISTER");
	CHECK_INT(sk_msg_via_count(m), 1);
	check_via(m, 0, "UDP", "192.0.2.125", "z9hG4bKkdjuw23492");

	/* only the REGISTER: its 8 headers, an empty body; the INVITE is ignored */
	CHECK_INT(sk_msg_hdr_count(m), 8);
	CHECK_INT(sk_msg_content_length(m), 0);
	CHECK_INT(sk_msg_body(m).len, 0);
	CHECK(sk_msg_hdr_first(m, SK_HDR_CONTENT_TYPE) == NULL);
	struct sk_str raw = sk_msg_raw(m);
	CHECK(raw.p == f->buf);
	CHECK_INT(raw.len, first_len);
	CHECK(raw.p && !memmem(raw.p, raw.len, "INVITE", 6));
	check_nothing_to_refuse(m);

	/* on a stream the same octets are the REGISTER, a CRLF keep-alive (RFC 5626
	 * §3.5.1), and an INVITE with a 150-byte body */
	{
		size_t rest = f->len - first_len, skip = 0, mlen = 0;
		char *d = malloc(rest);
		struct sk_parse_err e;
		assert_non_null(d);
		memcpy(d, f->buf + first_len, rest);
		CHECK_INT(sk_msg_frame(d, rest, NULL, &skip, &mlen, &e), 0);
		CHECK_INT(skip, 2);
		/* its header section, then Content-Length: 150 bytes */
		const char *hend = memmem(d, rest, "\r\n\r\n", 4);
		assert_non_null(hend);
		size_t inv_len = (size_t)(hend + 4 - (d + 2)) + 150;
		CHECK_INT(mlen, inv_len);
		if (sk_msg_parse_stream(f->m2, d + 2, inv_len, &e) != 0) {
			note_(__LINE__, "second request does not parse: %s", e.why ? e.why : "");
		} else {
			CHECK_STR(sk_msg_method(f->m2), "INVITE");
			CHECK_STR(sk_msg_call_id(f->m2), "dblreq.0ha0isnda977644900765@192.0.2.15");
			CHECK_INT(sk_msg_body(f->m2).len, 150);
		}
		free(d);
	}
	check_roundtrip(f);
	/* a proxy forwarding the REGISTER does not forward the INVITE octets */
	CHECK(f->out && !memmem(f->out, f->outlen, "INVITE", 6));
	finish();
}

/* §3.1.1.9 Semicolon-Separated Parameters in URI User Part */
static void t_semiuri(void **state)
{
	struct fx *f = *state;
	load(f, "valid/semiuri.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);

	check_request(m, "OPTIONS", "sip:user;par=u%40example.net@example.com");
	const struct sk_uri *ru = sk_msg_ruri(m);
	if (ru) {
		/* "The Request-URI will parse so that the user part is user;par=u@example.net" */
		CHECK_STR(ru->user, "user;par=u%40example.net");
		CHECK_UNESC(ru->user, "user;par=u@example.net");
		CHECK_STR(ru->host, "example.com");
		CHECK_ABSENT(ru->params); /* params start after the host: there are none */
		CHECK_ABSENT(uri_param_of(ru, "par"));
		/* RFC 3261 §19.1.4: only characters outside the "reserved" set are
		 * equivalent to their %HH form; ';' is reserved, 'p' is not */
		struct sk_uri same = uri_of("sip:user;%70ar=u%40example.net@EXAMPLE.com");
		struct sk_uri esc_semi = uri_of("sip:user%3Bpar=u%40example.net@example.com");
		CHECK(sk_uri_equal(ru, &same));
		CHECK(!sk_uri_equal(ru, &esc_semi));
	}
	CHECK_STR(must_to(m)->uri.raw, "sip:j_user@example.com");
	CHECK_STR(must_from(m)->tag, "33242");
	CHECK_INT(sk_msg_max_forwards(m), 3);
	CHECK_STR(sk_msg_call_id(m), "semiuri.0ha0isndaksdj");
	check_cseq(m, 8, "OPTIONS");
	check_via(m, 0, "UDP", "192.0.2.1", "z9hG4bKkdjuw");
	/* the message has no Contact (RFC 4475 §3.1.1.9) */
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 0);

	/* Accept folded over three lines: six values */
	static const char *const acc[] = {"application/sdp", "application/pkcs7-mime",
	                                  "multipart/mixed", "multipart/signed",
	                                  "message/sip",     "message/sipfrag"};
	struct sk_str vals[8];
	size_t n = list_values(m, SK_HDR_ACCEPT, vals, 8);
	CHECK_INT(n, 6);
	for (size_t i = 0; i < 6 && i < n; i++)
		CHECK_STR(vals[i], acc[i]);
	check_body(f, 0);
	check_whole(f);
	check_nothing_to_refuse(m);
	check_roundtrip(f);
	finish();
}

/* §3.1.1.10 Varied and Unknown Transport Types */
static void t_transports(void **state)
{
	struct fx *f = *state;
	load(f, "valid/transports.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);

	check_request(m, "OPTIONS", "sip:user@example.com");
	CHECK_INT(sk_msg_via_count(m), 5);
	check_via(m, 0, "UDP", "t1.example.com", "z9hG4bKkdjuw");
	check_via(m, 1, "SCTP", "t2.example.com", "z9hG4bKklasjdhf");
	check_via(m, 2, "TLS", "t3.example.com", "z9hG4bK2980unddj");
	check_via(m, 3, "UNKNOWN", "t4.example.com", "z9hG4bKasd0f3en");
	check_via(m, 4, "TCP", "t5.example.com", "z9hG4bK0a9idfnee");
	CHECK_STR(sk_msg_call_id(m), "transports.kijh4akdnaqjkwendsasfdj");
	CHECK_STR(must_from(m)->tag, "323");
	check_cseq(m, 60, "OPTIONS");
	CHECK(sk_msg_list_has(m, SK_HDR_ACCEPT, "application/sdp"));
	check_body(f, 0);
	check_whole(f);
	check_nothing_to_refuse(m);
	check_roundtrip(f);
	finish();
}

static size_t unhex(const char *hex, unsigned char *out, size_t max)
{
	size_t n = 0;
	int hi = -1;
	for (; *hex; hex++) {
		int d;
		if (*hex >= '0' && *hex <= '9')
			d = *hex - '0';
		else if (*hex >= 'A' && *hex <= 'F')
			d = *hex - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = d;
		} else {
			assert_true(n < max);
			out[n++] = (unsigned char)(hi * 16 + d);
			hi = -1;
		}
	}
	return n;
}

/* §3.1.1.11 Multipart MIME Message */
static void t_mpart01(void **state)
{
	struct fx *f = *state;
	/* the binary part, as the RFC prints it */
	static const char bin_hex[] = "3082015206092A86"
	                              "4886F70D010702A08201433082013F02"
	                              "01013109300706052B0E03021A300B06"
	                              "092A864886F70D010701318201203082"
	                              "011C020101307C3070310B3009060355"
	                              "04061302555331133011060355040813"
	                              "0A43616C69666F726E69613111300F06"
	                              "03550407130853616E204A6F7365310E"
	                              "300C060355040A130573697069743129"
	                              "3027060355040B132053697069742054"
	                              "65737420436572746966696361746520"
	                              "417574686F7269747902080195007102"
	                              "330113300706052B0E03021A300D0609"
	                              "2A864886F70D01010105000481808EF4"
	                              "66F948F0522DD2E5978E9D95AAE9F2FE"
	                              "15A06659716292E8DA2AA8D8350A68CE"
	                              "FFAE3CBD2BFF1675DDD5648E593DD647"
	                              "28F26220F7E941749E330D9A15EDABDB"
	                              "93D10C42102E7B7289D29CC0C9AE2EFB"
	                              "C7C0CFF9172F3B027E4FC027E1546DE4"
	                              "B6AA3ABB3E66CCCB5DD6C64B8383149C"
	                              "B8E6FF182D944FE57B65BC99D005";
	static const char part1[] = "--7a9cbec02ceef655\r\n"
	                            "Content-Type: text/plain\r\n"
	                            "Content-Transfer-Encoding: binary\r\n"
	                            "\r\n"
	                            "Hello\r\n"
	                            "--7a9cbec02ceef655\r\n"
	                            "Content-Type: application/octet-stream\r\n"
	                            "Content-Transfer-Encoding: binary\r\n"
	                            "\r\n";
	static const char last[] = "\r\n--7a9cbec02ceef655--\r\n";
	unsigned char bin[400];
	size_t nbin = unhex(bin_hex, bin, sizeof(bin));

	load(f, "valid/mpart01.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);

	check_request(m, "MESSAGE", "sip:kumiko@example.org");
	CHECK_INT(sk_msg_via_count(m), 1);
	check_via(m, 0, "UDP", "127.0.0.1", "z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-");
	if (sk_msg_via_count(m) == 1) {
		CHECK_INT(via_at(m, 0)->port, 5070);
		CHECK_PRESENT_EMPTY(via_at(m, 0)->rport);
	}
	CHECK_INT(sk_msg_max_forwards(m), 70);
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_ROUTE), 1);
	if (sk_msg_addr_count(m, SK_HDR_ROUTE) == 1) {
		const struct sk_addr *r = addr_at(m, SK_HDR_ROUTE, 0);
		CHECK_STR(r->uri.host, "127.0.0.1");
		CHECK_INT(r->uri.host_type, SK_HOST_IPV4);
		CHECK_INT(r->uri.port, 5080);
	}
	const struct sk_hdr *id = sk_msg_hdr_first(m, SK_HDR_IDENTITY);
	CHECK(id != NULL);
	if (id)
		CHECK_STR(id->value,
		          "r5mwreLuyDRYBi/0TiPwEsY3rEVsk/G2WxhgTV1PF7hHuLIK0YWVKZhKv9Mj8U"
		          "eXqkMVbnVq37CD+813gvYjcBUaZngQmXc9WNZSDNGCzA+fWl9MEUHWIZo1CeJe"
		          "bdY/XlgKeTa0Olvq0rt70Q5jiSfbqMJmQFteeivUhkMWYUA=");
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 1);
	if (sk_msg_addr_count(m, SK_HDR_CONTACT) == 1)
		CHECK_STR(addr_at(m, SK_HDR_CONTACT, 0)->uri.raw, "sip:fluffy@127.0.0.1:5070");
	CHECK_STR(must_to(m)->uri.raw, "sip:kumiko@example.org");
	CHECK_STR(must_from(m)->tag, "2fb0dcc9");
	CHECK_STR(sk_msg_call_id(m), "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..");
	check_cseq(m, 1, "MESSAGE");
	CHECK_STR(hdr_value(m, "Content-Transfer-Encoding"), "binary");
	CHECK_STR(sk_msg_content_type(m), "multipart/mixed;boundary=7a9cbec02ceef655");
	CHECK_STR(hdr_value(m, "Date"), "Sat, 15 Oct 2005 04:44:56 GMT");
	CHECK_STR(hdr_value(m, "User-Agent"), "SIPimp.org/0.2.5 (curses)");

	/* framing by Content-Length only: the body is exactly the two parts */
	check_body(f, 553);
	struct sk_str b = sk_msg_body(m);
	CHECK_INT(sizeof(part1) - 1 + nbin + sizeof(last) - 1, 553);
	if (b.p && b.len == 553) {
		CHECK(memcmp(b.p, part1, sizeof(part1) - 1) == 0);
		CHECK(memcmp(b.p + sizeof(part1) - 1, bin, nbin) == 0);
		CHECK(memcmp(b.p + b.len - (sizeof(last) - 1), last, sizeof(last) - 1) == 0);
		/* bare LF (not after CR) and NUL bytes inside the body */
		size_t bare_lf = 0, nul = 0;
		for (size_t i = 0; i < b.len; i++) {
			if (b.p[i] == '\n' && (i == 0 || b.p[i - 1] != '\r'))
				bare_lf++;
			if (b.p[i] == '\0')
				nul++;
		}
		CHECK(bare_lf > 0);
		CHECK(nul > 0);
	}
	check_whole(f);
	check_nothing_to_refuse(m);
	check_roundtrip(f);
	finish();
}

/* §3.1.1.12 Unusual Reason Phrase */
static void t_unreason(void **state)
{
	struct fx *f = *state;
	static const char phrase[] =
	    "= 2**3 * 5**2 "
	    "\xD0\xBD\xD0\xBE\x20\xD1\x81\xD1\x82\xD0\xBE\x20\xD0\xB4\xD0\xB5\xD0\xB2\xD1\x8F"
	    "\xD0\xBD\xD0\xBE\xD1\x81\xD1\x82\xD0\xBE\x20\xD0\xB4\xD0\xB5\xD0\xB2\xD1\x8F\xD1"
	    "\x82\xD1\x8C\x20\x2D\x20\xD0\xBF\xD1\x80\xD0\xBE\xD1\x81\xD1\x82\xD0\xBE\xD0\xB5";
	load(f, "valid/unreason.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);

	CHECK(!sk_msg_is_request(m));
	CHECK_INT(sk_msg_status(m), 200);
	CHECK_STR(sk_msg_version(m), "SIP/2.0");
	CHECK_LIT(sk_msg_reason_phrase(m), phrase);
	CHECK(sk_msg_ruri(m) == NULL);
	check_via(m, 0, "UDP", "192.0.2.198", "z9hG4bK1324923");
	CHECK_STR(sk_msg_call_id(m), "unreason.1234ksdfak3j2erwedfsASdf");
	check_cseq(m, 35, "INVITE");
	CHECK_STR(must_from(m)->tag, "11141343");
	CHECK_STR(must_to(m)->tag, "2229");
	CHECK_STR(sk_msg_content_type(m), "application/sdp");
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 1);
	check_sdp_body(f, 154);
	check_whole(f);
	check_nothing_to_refuse(m);
	check_roundtrip(f);
	finish();
}

/* §3.1.1.13 Empty Reason Phrase */
static void t_noreason(void **state)
{
	struct fx *f = *state;
	load(f, "valid/noreason.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);

	CHECK(!sk_msg_is_request(m));
	CHECK_INT(sk_msg_status(m), 100);
	CHECK_PRESENT_EMPTY(sk_msg_reason_phrase(m));
	CHECK_STR(sk_msg_start_line(m), "SIP/2.0 100 "); /* the required SP is kept */
	check_via(m, 0, "UDP", "192.0.2.105", "z9hG4bK2398ndaoe");
	CHECK_STR(sk_msg_call_id(m), "noreason.asndj203insdf99223ndf");
	check_cseq(m, 35, "INVITE");
	CHECK_STR(must_from(m)->tag, "39ansfi3");
	CHECK_STR(must_to(m)->tag, "902jndnke3");
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 1);
	check_body(f, 0);
	check_whole(f);
	check_nothing_to_refuse(m);
	check_roundtrip(f);
	finish();
}

/* ======================================================================
 * RFC 4475 §3.1.2: invalid messages
 * ====================================================================== */

/* §3.1.2.1 Extraneous Header Field Separators: the Via is the first bad line */
static void t_badinv01(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/badinv01.dat");
	check_frame(f, FR_OK, 0);
	parse(f);
	check_reject(f, 7, "Via", 400);
	finish();
}

/* §3.1.2.2 Content Length Larger Than Message */
static void t_clerr(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/clerr.dat");
	check_frame(f, FR_AGAIN, 0); /* over TCP: wait for more data */
	parse(f);
	check_reject(f, 10, "Content-Length", 400); /* over UDP: 400 */
	finish();
}

/* §3.1.2.3 Negative Content-Length */
static void t_ncl(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/ncl.dat");
	check_frame(f, FR_BAD, 0); /* not recoverable on a stream: close */
	parse(f);
	check_reject(f, 10, "Content-Length", 400);

	/* "The same behavior is appropriate for ... Content-Length: five" */
	size_t n;
	char *d = derive(f, "Content-Length: -999", "Content-Length: five", &n);
	struct sk_parse_err e = {0};
	size_t skip, mlen;
	if (sk_msg_parse(f->m2, d, n, &e) >= 0)
		note_(__LINE__, "Content-Length: five accepted");
	else if (e.line != 10 || strcmp(e.hdr, "Content-Length") != 0 || e.status != 400)
		note_(__LINE__, "Content-Length: five: line %u hdr \"%s\" status %d", e.line, e.hdr,
		      e.status);
	CHECK_INT(sk_msg_frame(d, n, NULL, &skip, &mlen, &e), -SK_EMALFORMED);
	free(d);
	finish();
}

/* §3.1.2.4 Request Scalar Fields with Overlarge Values: 400 because of the CSeq */
static void t_scalar02(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/scalar02.dat");
	check_frame(f, FR_OK, 0);
	parse(f);
	check_reject(f, 5, "CSeq", 400);

	/* "If only the Max-Forwards field were in error, the element could choose to
	 * process the request as if the field were absent. If only the expiry values
	 * were in error, ... the default values": msg.h says sipkit does so and reports
	 * SK_ISSUE_OUT_OF_RANGE */
	size_t n;
	char *d = derive(f, "CSeq: 36893488147419103232 REGISTER", "CSeq: 36 REGISTER", &n);
	struct sk_parse_err e;
	int rc = sk_msg_parse(f->m2, d, n, &e);
	if (rc != 0) {
		note_(__LINE__, "with a valid CSeq, rejected: line %u hdr \"%s\": %s", e.line,
		      e.hdr, e.why ? e.why : "");
	} else {
		CHECK_INT(sk_msg_max_forwards(f->m2), -1);
		CHECK_INT(sk_msg_expires(f->m2), -1);
		struct findings r = findings_of(f->m2);
		CHECK_FINDING(r, SK_ISSUE_OUT_OF_RANGE, "Max-Forwards", 0);
		CHECK_FINDING(r, SK_ISSUE_OUT_OF_RANGE, "Expires", 0);
		CHECK_INT(first_status(&r), 0);
		if (sk_msg_addr_count(f->m2, SK_HDR_CONTACT) == 1)
			CHECK_STR(sk_msg_addr(f->m2, SK_HDR_CONTACT, 0)->expires,
			          "280297596632815");
		else
			note_(__LINE__, "Contact count %zu",
			      sk_msg_addr_count(f->m2, SK_HDR_CONTACT));
	}
	free(d);
	finish();
}

/* §3.1.2.5 Response Scalar Fields with Overlarge Values: dropped */
static void t_scalarlg(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/scalarlg.dat");
	check_frame(f, FR_OK, 0);
	parse(f);
	check_reject(f, 5, "CSeq", 0); /* a response is not answered */
	finish();
}

/* §3.1.2.6 Unterminated Quoted String in Display Name */
static void t_quotbal(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/quotbal.dat");
	check_frame(f, FR_OK, 0);
	parse(f);
	check_reject(f, 2, "To", 400);
	finish();
}

/* §3.1.2.7 <> Enclosing Request-URI */
static void t_ltgtruri(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/ltgtruri.dat");
	check_frame(f, FR_OK, 0);
	parse(f);
	check_reject(f, 1, "", 400);
	finish();
}

/* §3.1.2.8 Malformed SIP Request-URI (embedded LWS) */
static void t_lwsruri(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/lwsruri.dat");
	check_frame(f, FR_OK, 0);
	parse(f);
	check_reject(f, 1, "", 400);
	finish();
}

/*
 * A liberal accept of a start line with extra SP is allowed as long as the SP
 * are not forwarded: then the elements are clean and the printed start line is
 * the canonical one.
 */
static void check_liberal_start_line(struct fx *f, const char *method, const char *ruri,
                                     const char *canonical)
{
	const struct sk_msg *m = f->m;
	check_request(m, method, ruri);
	check_roundtrip(f);
	if (f->out &&
	    (f->outlen < strlen(canonical) || memcmp(f->out, canonical, strlen(canonical)) != 0))
		note_(__LINE__, "liberal accept forwards the extra SP: printed start line is %s",
		      show(sk_msg_start_line(f->m2)));
}

/* §3.1.2.9 Multiple SP Separating Request-Line Elements */
static void t_lwsstart(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/lwsstart.dat");
	check_frame(f, FR_OK, 0);
	if (parse(f) == 0)
		check_liberal_start_line(f, "INVITE", "sip:user@example.com",
		                         "INVITE sip:user@example.com SIP/2.0\r\n");
	else
		check_reject(f, 1, "", 400);
	finish();
}

/* §3.1.2.10 SP Characters at End of Request-Line */
static void t_trws(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/trws.dat");
	check_frame(f, FR_OK, 0);
	if (parse(f) == 0)
		check_liberal_start_line(f, "OPTIONS", "sip:remote-target@example.com",
		                         "OPTIONS sip:remote-target@example.com SIP/2.0\r\n");
	else
		check_reject(f, 1, "", 400);
	finish();
}

/* §3.1.2.11 Escaped Headers in SIP Request-URI */
static void t_escruri(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/escruri.dat");
	check_frame(f, FR_OK, 0);
	if (parse(f) == 0) {
		/* liberal: only if the escaped headers are ignored */
		const struct sk_uri *ru = sk_msg_ruri(f->m);
		CHECK(ru != NULL);
		if (ru)
			CHECK_ABSENT(ru->headers);
		check_roundtrip(f);
	} else {
		check_reject(f, 1, "", 400);
	}
	finish();
}

/* §3.1.2.12 Invalid Time Zone in Date Header Field */
static void t_baddate(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/baddate.dat");
	check_frame(f, FR_OK, 0);
	if (parse(f) == 0) /* liberal: the Date is ignored */
		check_roundtrip(f);
	else
		check_reject(f, 8, "Date", 400);
	finish();
}

/* §3.1.2.13 Failure to Enclose name-addr URI in <> */
static void t_regbadct(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/regbadct.dat");
	check_frame(f, FR_OK, 0);
	if (parse(f) == 0) {
		/* liberal: the angle brackets are inferred, the URI keeps its header */
		CHECK_INT(sk_msg_addr_count(f->m, SK_HDR_CONTACT), 1);
		if (sk_msg_addr_count(f->m, SK_HDR_CONTACT) == 1)
			CHECK_STR(addr_at(f->m, SK_HDR_CONTACT, 0)->uri.headers,
			          "Route=%3Csip:sip.example.com%3E");
		check_roundtrip(f);
	} else {
		check_reject(f, 8, "Contact", 400);
	}
	finish();
}

/* §3.1.2.14 Spaces within addr-spec */
static void t_badaspec(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/badaspec.dat");
	check_frame(f, FR_OK, 0);
	if (parse(f) == 0) {
		/* liberal: the spaces are ignored */
		CHECK_STR(must_to(f->m)->uri.raw, "sip:t.watson@example.org");
		check_roundtrip(f);
	} else {
		check_reject(f, 5, "To", 400);
	}
	finish();
}

/* §3.1.2.15 Non-token Characters in Display Name (archive bytes: no final CRLF) */
static void t_baddn(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/baddn.dat");
	check_frame(f, FR_AGAIN, 0); /* the header section never ends */
	parse(f);
	check_reject(f, 4, "From", 400);
	finish();
}

/* §3.1.2.16 Unknown Protocol Version */
static void t_badvers(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/badvers.dat");
	check_frame(f, FR_OK, 0);
	parse(f);
	check_reject(f, 1, "", 505);
	finish();
}

/* §3.1.2.17 Start Line and CSeq Method Mismatch: parsed, then 400 */
static void t_mismatch01(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/mismatch01.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	check_request(m, "OPTIONS", "sip:user@example.com");
	check_cseq(m, 8, "INVITE");
	struct findings r = findings_of(m);
	CHECK_FINDING(r, SK_ISSUE_CSEQ_METHOD, "CSeq", 400);
	CHECK_INT(first_status(&r), 400);
	check_roundtrip(f);
	finish();
}

/* §3.1.2.18 Unknown Method with CSeq Method Mismatch: parsed, then 501 */
static void t_mismatch02(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/mismatch02.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	check_request(m, "NEWMETHOD", "sip:user@example.com");
	check_cseq(m, 8, "INVITE");
	check_body(f, 138);
	struct findings r = findings_of(m);
	CHECK_FINDING(r, SK_ISSUE_CSEQ_METHOD, "CSeq", 501);
	CHECK_INT(first_status(&r), 501);
	check_roundtrip(f);
	finish();
}

/* §3.1.2.19 Overlarge Response Code: dropped */
static void t_bigcode(void **state)
{
	struct fx *f = *state;
	load(f, "invalid/bigcode.dat");
	check_frame(f, FR_OK, 0);
	parse(f);
	check_reject(f, 1, "", 0);
	finish();
}

/* ======================================================================
 * RFC 4475 §3.2-3.4: parsed, then acted on above the parser
 * ====================================================================== */

/* §3.2.1 Missing Transaction Identifier */
static void t_badbranch(void **state)
{
	struct fx *f = *state;
	load(f, "semantic/badbranch.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	check_request(m, "OPTIONS", "sip:user@example.com");
	check_via(m, 0, "UDP", "192.0.2.1", "z9hG4bK");
	if (sk_msg_via_count(m))
		CHECK(sk_via_branch_is_3261(via_at(m, 0))); /* the prefix is there... */
	struct findings r = findings_of(m);
	CHECK_FINDING(r, SK_ISSUE_BRANCH_COOKIE_ONLY, "Via", 0); /* ...but no identifier */
	CHECK_NO_FINDING(r, SK_ISSUE_NO_BRANCH, NULL);
	CHECK_STR(sk_msg_call_id(m), "badbranch.sadonfo23i420jv0as0derf3j3n");
	check_roundtrip(f);
	finish();
}

/* §3.3.1 Missing Required Header Fields */
static void t_insuf(void **state)
{
	struct fx *f = *state;
	load(f, "semantic/insuf.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	check_request(m, "INVITE", "sip:user@example.com");
	CHECK(sk_msg_from(m) == NULL);
	CHECK(sk_msg_to(m) == NULL);
	CHECK_ABSENT(sk_msg_call_id(m));
	CHECK_INT(sk_msg_max_forwards(m), -1);
	check_cseq(m, 193942, "INVITE");
	/* a Via exists, so the 400 can be sent back */
	check_via(m, 0, "UDP", "192.0.2.95", "z9hG4bKkdj.insuf");
	check_sdp_body(f, 152);
	struct findings r = findings_of(m);
	CHECK_FINDING(r, SK_ISSUE_MISSING_HDR, "Call-ID", 400);
	CHECK_FINDING(r, SK_ISSUE_MISSING_HDR, "From", 400);
	CHECK_FINDING(r, SK_ISSUE_MISSING_HDR, "To", 400);
	CHECK_NO_FINDING(r, SK_ISSUE_MISSING_HDR, "Via");
	CHECK_NO_FINDING(r, SK_ISSUE_MISSING_HDR, "CSeq");
	CHECK_INT(first_status(&r), 400);
	check_roundtrip(f);
	finish();
}

/* §3.3.2 Request-URI with Unknown Scheme */
static void t_unkscm(void **state)
{
	struct fx *f = *state;
	load(f, "semantic/unkscm.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	check_request(m, "OPTIONS", "nobodyKnowsThisScheme:totallyopaquecontent");
	const struct sk_uri *ru = sk_msg_ruri(m);
	if (ru) {
		CHECK_INT(ru->scheme, SK_URI_OTHER);
		CHECK_STR(ru->scheme_str, "nobodyKnowsThisScheme");
		CHECK_STR(ru->opaque, "totallyopaquecontent");
	}
	/* the To looks routable but is no routing information */
	CHECK_INT(must_to(m)->uri.scheme, SK_URI_SIP);
	struct findings r = findings_of(m);
	CHECK_FINDING(r, SK_ISSUE_URI_SCHEME, NULL, 416);
	CHECK_INT(first_status(&r), 416);
	check_roundtrip(f);
	finish();
}

/* §3.3.3 Request-URI with Known but Atypical Scheme */
static void t_novelsc(void **state)
{
	struct fx *f = *state;
	load(f, "semantic/novelsc.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	check_request(m, "OPTIONS", "soap.beep://192.0.2.103:3002");
	const struct sk_uri *ru = sk_msg_ruri(m);
	if (ru) {
		CHECK_INT(ru->scheme, SK_URI_OTHER);
		CHECK_STR(ru->scheme_str, "soap.beep");
		CHECK_STR(ru->opaque, "//192.0.2.103:3002");
	}
	struct findings r = findings_of(m);
	CHECK_FINDING(r, SK_ISSUE_URI_SCHEME, NULL, 416);
	CHECK_INT(first_status(&r), 416);
	check_roundtrip(f);
	finish();
}

/* §3.3.4 Unknown URI Schemes in Header Fields */
static void t_unksm2(void **state)
{
	struct fx *f = *state;
	load(f, "semantic/unksm2.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	check_request(m, "REGISTER", "sip:example.com");
	const struct sk_addr *to = must_to(m), *from = must_from(m);
	CHECK_INT(to->uri.scheme, SK_URI_OTHER);
	CHECK_STR(to->uri.scheme_str, "isbn");
	CHECK_STR(to->uri.opaque, "2983792873");
	CHECK_INT(from->uri.scheme, SK_URI_OTHER);
	CHECK_STR(from->uri.scheme_str, "http");
	CHECK_STR(from->uri.opaque, "//www.example.com");
	CHECK_STR(from->tag, "3234233");
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 1);
	if (sk_msg_addr_count(m, SK_HDR_CONTACT) == 1) {
		const struct sk_addr *c = addr_at(m, SK_HDR_CONTACT, 0);
		CHECK_INT(c->uri.scheme, SK_URI_OTHER);
		CHECK_STR(c->uri.scheme_str, "name");
		CHECK_STR(c->uri.opaque, "John_Smith");
	}
	/* only the Request-URI scheme matters to the parser layer */
	struct findings r = findings_of(m);
	CHECK_NO_FINDING(r, SK_ISSUE_URI_SCHEME, NULL);
	check_roundtrip(f);
	finish();
}

/* §3.3.5 Proxy-Require and Require */
static void t_bext01(void **state)
{
	struct fx *f = *state;
	struct sk_str v[4];
	load(f, "semantic/bext01.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	check_request(m, "OPTIONS", "sip:user@example.com");
	CHECK(sk_msg_list_has(m, SK_HDR_REQUIRE, "nothingSupportsThis"));
	CHECK(sk_msg_list_has(m, SK_HDR_REQUIRE, "nothingSupportsThisEither"));
	CHECK(!sk_msg_list_has(m, SK_HDR_REQUIRE, "noProxiesSupportThis"));
	size_t n = list_values(m, SK_HDR_REQUIRE, v, 4);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(v[0], "nothingSupportsThis");
		CHECK_STR(v[1], "nothingSupportsThisEither");
	}
	CHECK(sk_msg_list_has(m, SK_HDR_PROXY_REQUIRE, "noProxiesSupportThis"));
	CHECK(sk_msg_list_has(m, SK_HDR_PROXY_REQUIRE, "norDoAnyProxiesSupportThis"));
	n = list_values(m, SK_HDR_PROXY_REQUIRE, v, 4);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(v[0], "noProxiesSupportThis");
		CHECK_STR(v[1], "norDoAnyProxiesSupportThis");
	}
	check_via(m, 0, "TLS", "fold-and-staple.example.com", "z9hG4bKkdjuw");
	check_roundtrip(f);
	finish();
}

/* §3.3.6 Unknown Content-Type */
static void t_invut(void **state)
{
	struct fx *f = *state;
	static const char body[] = "<audio>\r\n <pcmu port=\"443\"/>\r\n</audio>\r\n";
	load(f, "semantic/invut.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	check_request(m, "INVITE", "sip:user@example.com");
	CHECK_STR(sk_msg_content_type(m), "application/unknownformat");
	check_body(f, 40);
	CHECK_LIT(sk_msg_body(m), body);
	check_nothing_to_refuse(m); /* 415 is the UAS's business */
	check_roundtrip(f);
	finish();
}

/* §3.3.7 Unknown Authorization Scheme */
static void t_regaut01(void **state)
{
	struct fx *f = *state;
	load(f, "semantic/regaut01.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	check_request(m, "REGISTER", "sip:example.com");
	const struct sk_hdr *h = sk_msg_hdr_first(m, SK_HDR_AUTHORIZATION);
	CHECK(h != NULL);
	if (h)
		CHECK_STR(h->value, "NoOneKnowsThisScheme opaque-data=here");
	CHECK_INT(sk_msg_content_length(m), 0); /* "Content-Length:0" */
	check_nothing_to_refuse(m);
	check_roundtrip(f);
	/* forwarded unmodified */
	if (sk_msg_hdr_first(f->m2, SK_HDR_AUTHORIZATION))
		CHECK_STR(sk_msg_hdr_first(f->m2, SK_HDR_AUTHORIZATION)->value,
		          "NoOneKnowsThisScheme opaque-data=here");
	finish();
}

/* §3.3.8 Multiple Values in Single Value Required Fields */
static void t_multi01(void **state)
{
	struct fx *f = *state;
	load(f, "semantic/multi01.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	check_request(m, "INVITE", "sip:user@company.com");
	CHECK_INT(sk_msg_hdr_num(m, SK_HDR_CALL_ID), 2);
	CHECK_INT(sk_msg_hdr_num(m, SK_HDR_CSEQ), 2);
	CHECK_INT(sk_msg_hdr_num(m, SK_HDR_FROM), 2);
	CHECK_INT(sk_msg_hdr_num(m, SK_HDR_TO), 2);
	CHECK_INT(sk_msg_hdr_num(m, SK_HDR_MAX_FORWARDS), 2);
	/* typed accessors give the first of each (msg.h) */
	CHECK_STR(sk_msg_call_id(m), "multi01.98asdh@192.0.2.1");
	check_cseq(m, 5, "INVITE");
	CHECK_STR(must_from(m)->tag, "3413415");
	CHECK_STR(must_to(m)->uri.raw, "sip:user@example.com");
	CHECK_INT(sk_msg_max_forwards(m), 70);
	/* Contact is a list: two lines are fine */
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 2);
	struct findings r = findings_of(m);
	CHECK_FINDING(r, SK_ISSUE_DUPLICATE_HDR, "Call-ID", 400);
	CHECK_FINDING(r, SK_ISSUE_DUPLICATE_HDR, "CSeq", 400);
	CHECK_FINDING(r, SK_ISSUE_DUPLICATE_HDR, "From", 400);
	CHECK_FINDING(r, SK_ISSUE_DUPLICATE_HDR, "To", 400);
	CHECK_FINDING(r, SK_ISSUE_DUPLICATE_HDR, "Max-Forwards", 400);
	CHECK_NO_FINDING(r, SK_ISSUE_DUPLICATE_HDR, "Contact");
	CHECK_NO_FINDING(r, SK_ISSUE_DUPLICATE_HDR, "Via");
	CHECK_INT(first_status(&r), 400);
	/* the 154 body bytes end with an extra CRLF after the SDP */
	check_body(f, 154);
	CHECK(sk_msg_body(m).p && memcmp(sk_msg_body(m).p, "v=0\r\n", 5) == 0);
	check_roundtrip(f);
	finish();
}

/* §3.3.9 Multiple Content-Length Values */
static void t_mcl01(void **state)
{
	struct fx *f = *state;
	load(f, "semantic/mcl01.dat");
	check_frame(f, FR_BAD, 0); /* a stream cannot be framed: close */
	if (parse(f) == 0) {
		const struct sk_msg *m = f->m;
		check_request(m, "OPTIONS", "sip:user@example.com");
		CHECK_INT(sk_msg_hdr_num(m, SK_HDR_CONTENT_LENGTH), 2);
		struct findings r = findings_of(m);
		CHECK_FINDING(r, SK_ISSUE_CL_CONFLICT, "Content-Length", 400);
		CHECK_INT(first_status(&r), 400);
		check_roundtrip(f);
	} else {
		/* the parser may refuse the framing: the second value names it */
		check_reject(f, 9, "Content-Length", 400);
	}
	finish();
}

/* §3.3.10 200 OK Response with Broadcast Via Header Field Value */
static void t_bcast(void **state)
{
	struct fx *f = *state;
	load(f, "semantic/bcast.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	CHECK(!sk_msg_is_request(m));
	CHECK_INT(sk_msg_status(m), 200);
	CHECK_STR(sk_msg_reason_phrase(m), "OK");
	CHECK_INT(sk_msg_via_count(m), 2);
	check_via(m, 0, "UDP", "192.0.2.198", "z9hG4bK1324923");
	check_via(m, 1, "UDP", "255.255.255.255", "z9hG4bK1saber23");
	if (sk_msg_via_count(m) == 2)
		CHECK_INT(via_at(m, 1)->host_type, SK_HOST_IPV4);
	check_sdp_body(f, 154);
	check_roundtrip(f);
	finish();
}

/* §3.3.11 Max-Forwards of Zero */
static void t_zeromf(void **state)
{
	struct fx *f = *state;
	load(f, "semantic/zeromf.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	check_request(m, "OPTIONS", "sip:user@example.com");
	CHECK_INT(sk_msg_max_forwards(m), 0); /* present, zero: not "absent" (-1) */
	struct findings r = findings_of(m);
	CHECK_FINDING(r, SK_ISSUE_MAX_FORWARDS_ZERO, "Max-Forwards", 483);
	CHECK_INT(first_status(&r), 483);
	check_roundtrip(f);
	finish();
}

/* §3.3.12 REGISTER with a Contact Header Parameter */
static void t_cparam01(void **state)
{
	struct fx *f = *state;
	load(f, "semantic/cparam01.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	check_request(m, "REGISTER", "sip:example.com");
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 1);
	if (sk_msg_addr_count(m, SK_HDR_CONTACT) == 1) {
		const struct sk_addr *c = addr_at(m, SK_HDR_CONTACT, 0);
		CHECK(!c->angle);
		/* the parameter is a contact-param, not a url-param */
		CHECK_STR(c->uri.raw, "sip:+19725552222@gw1.example.net");
		CHECK_STR(c->uri.user, "+19725552222");
		CHECK_STR(c->uri.host, "gw1.example.net");
		CHECK_ABSENT(c->uri.params);
		CHECK_INT(sk_uri_param(&c->uri, "unknownparam", NULL), -SK_ENOTFOUND);
		CHECK_STR(c->params, "unknownparam");
		CHECK(has_param(c->params, "unknownparam"));
	}
	check_nothing_to_refuse(m);
	check_roundtrip(f);
	finish();
}

/* §3.3.13 REGISTER with a url-parameter */
static void t_cparam02(void **state)
{
	struct fx *f = *state;
	load(f, "semantic/cparam02.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	check_request(m, "REGISTER", "sip:example.com");
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 1);
	if (sk_msg_addr_count(m, SK_HDR_CONTACT) == 1) {
		const struct sk_addr *c = addr_at(m, SK_HDR_CONTACT, 0);
		CHECK(c->angle);
		/* the parameter belongs to the URI */
		CHECK_STR(c->uri.raw, "sip:+19725552222@gw1.example.net;unknownparam");
		CHECK_STR(c->uri.params, "unknownparam");
		struct sk_str v;
		CHECK_INT(sk_uri_param(&c->uri, "unknownparam", &v), 0);
		CHECK(!has_param(c->params, "unknownparam"));
	}
	check_nothing_to_refuse(m);
	check_roundtrip(f);
	finish();
}

/* §3.3.14 REGISTER with a URL Escaped Header */
static void t_regescrt(void **state)
{
	struct fx *f = *state;
	load(f, "semantic/regescrt.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	check_request(m, "REGISTER", "sip:example.com");
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 1); /* "M:" */
	if (sk_msg_addr_count(m, SK_HDR_CONTACT) == 1) {
		const struct sk_addr *c = addr_at(m, SK_HDR_CONTACT, 0);
		CHECK(c->angle);
		CHECK_STR(c->uri.user, "user");
		CHECK_STR(c->uri.host, "example.com");
		CHECK_STR(c->uri.headers, "Route=%3Csip:sip.example.com%3E");
		CHECK_STR(c->uri.raw, "sip:user@example.com?Route=%3Csip:sip.example.com%3E");
	}
	check_body(f, 0);
	check_nothing_to_refuse(m);
	check_roundtrip(f);
	finish();
}

/* §3.3.15 Unacceptable Accept Offering */
static void t_sdp01(void **state)
{
	struct fx *f = *state;
	struct sk_str v[4];
	load(f, "semantic/sdp01.dat");
	check_frame(f, FR_OK, 0);
	const struct sk_msg *m = must_parse(f);
	check_request(m, "INVITE", "sip:user@example.com");
	size_t n = list_values(m, SK_HDR_ACCEPT, v, 4);
	CHECK_INT(n, 1);
	if (n >= 1)
		CHECK_STR(v[0], "text/nobodyKnowsThis");
	CHECK(sk_msg_list_has(m, SK_HDR_ACCEPT, "text/nobodyKnowsThis"));
	CHECK(!sk_msg_list_has(m, SK_HDR_ACCEPT, "application/sdp"));
	CHECK(!sk_msg_list_has(m, SK_HDR_ACCEPT, "text")); /* not an accept-range of the list */
	CHECK_STR(sk_msg_content_type(m), "application/sdp");
	check_sdp_body(f, 150);
	check_roundtrip(f);
	finish();
}

/* §3.4.1 INVITE with RFC 2543 Syntax */
static void t_inv2543(void **state)
{
	struct fx *f = *state;
	load(f, "semantic/inv2543.dat");
	check_frame(f, FR_BAD, 0); /* a stream needs Content-Length (§18.3) */
	const struct sk_msg *m = must_parse(f);
	check_request(m, "INVITE", "sip:UserB@example.com");
	CHECK_INT(sk_msg_via_count(m), 1);
	check_via(m, 0, "UDP", "iftgw.example.com", NULL); /* no branch at all */
	CHECK_ABSENT(must_from(m)->tag);                   /* no From tag */
	CHECK_STR(must_from(m)->uri.raw, "sip:+13035551111@ift.client.example.net;user=phone");
	/* the To is an addr-spec without <>: ";user=phone" is a header parameter
	 * (RFC 3261 §20.10), unlike the From's, which is inside <> */
	CHECK_STR(must_to(m)->uri.raw, "sip:+16505552222@ss1.example.net");
	CHECK_STR(param_of(must_to(m)->params, "user"), "phone");
	CHECK_STR(uri_param_of(&must_from(m)->uri, "user"), "phone");
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_RECORD_ROUTE), 1);
	if (sk_msg_addr_count(m, SK_HDR_RECORD_ROUTE) == 1)
		CHECK_STR(uri_param_of(&addr_at(m, SK_HDR_RECORD_ROUTE, 0)->uri, "maddr"),
		          "ss1.example.com");
	CHECK_STR(sk_msg_call_id(m), "inv2543.1717@ift.client.example.com");
	check_cseq(m, 56, "INVITE");
	CHECK_INT(sk_msg_max_forwards(m), -1);   /* no Max-Forwards */
	CHECK_INT(sk_msg_content_length(m), -1); /* no Content-Length */
	/* the body is every octet after the empty line */
	struct sk_str b = sk_msg_body(m);
	const char *blank = memmem(f->buf, f->len, "\r\n\r\n", 4);
	assert_non_null(blank);
	CHECK(b.p == blank + 4);
	CHECK(b.p && b.p + b.len == f->buf + f->len);
	CHECK_INT(b.len, 105);
	check_whole(f);
	struct findings r = findings_of(m);
	CHECK_FINDING(r, SK_ISSUE_NO_BRANCH, "Via", 0);
	CHECK_INT(first_status(&r), 0); /* accepted for backward compatibility */
	/* over a stream the body cannot be delimited without Content-Length (§18.3) */
	struct sk_parse_err e;
	CHECK(sk_msg_parse_stream(f->m2, f->buf, f->len, &e) < 0);
	check_roundtrip(f);
	finish();
}

/* ======================================================================
 * Archive-only and derived files
 * ====================================================================== */

/* In the archive, described nowhere: no SIP version, a header line without ':' */
static void t_test_dat(void **state)
{
	struct fx *f = *state;
	load(f, "extra/test.dat");
	check_frame(f, FR_OK, 0);
	parse(f);
	check_reject(f, 1, "", 400);
	finish();
}

/* baddn with the final CRLF (not RFC bytes) */
static void t_baddn_crlf(void **state)
{
	struct fx *f = *state;
	load(f, "variants/baddn-crlf-terminated.dat");
	check_frame(f, FR_OK, 0);
	parse(f);
	check_reject(f, 4, "From", 400);
	finish();
}

/* ======================================================================
 * RFC 5118: IPv6 torture tests
 *
 * ipv6/wire/<name>.dat must give exactly what the RFC describes. The raw archive
 * files ipv6/<name>.dat (bare LF line ends, some without the final empty line,
 * some with a Content-Length that does not match) must either parse, with the same
 * facts, or be refused with an error about Content-Length; never crash.
 * ipv6-bad is refused in both forms.
 * ====================================================================== */

typedef void (*facts_fn)(const struct fx *f);

static bool body_has(const struct sk_msg *m, const char *s)
{
	struct sk_str b = sk_msg_body(m);
	return b.p && memmem(b.p, b.len, s, strlen(s)) != NULL;
}

static void check_v6_host(int line, const char *what, enum sk_host_type type, struct sk_str host,
                          const char *want)
{
	if (type != SK_HOST_IPV6 || !view_is(host, want, strlen(want)))
		note_(line, "%s: host %s type %d, expected IPv6 reference %s", what, show(host),
		      (int)type, want);
}

#define CHECK_V6(what, type, host, want) check_v6_host(__LINE__, what, type, host, want)

/* The body is as long as Content-Length says (the wire files were recomputed). */
static void check_v6_body(const struct fx *f, const char *const *lines, size_t n)
{
	const struct sk_msg *m = f->m;
	CHECK_INT(sk_msg_body(m).len, sk_msg_content_length(m));
	CHECK_STR(sk_msg_content_type(m), "application/sdp");
	for (size_t i = 0; i < n; i++)
		if (!body_has(m, lines[i]))
			note_(__LINE__, "the SDP body lacks \"%s\"", lines[i]);
}

/* What 4.1, 4.3 and 4.4 share, but for the Request-URI. */
static void v6_register_common(const struct sk_msg *m)
{
	CHECK_STR(must_to(m)->uri.raw, "sip:user@example.com");
	CHECK_STR(must_from(m)->tag, "81x2");
	CHECK_INT(sk_msg_via_count(m), 1);
	check_via(m, 0, "UDP", "[2001:db8::9:1]", "z9hG4bKas3-111");
	if (sk_msg_via_count(m) == 1) {
		CHECK_V6("Via", via_at(m, 0)->host_type, via_at(m, 0)->host, "[2001:db8::9:1]");
		CHECK_INT(via_at(m, 0)->port, 0);
	}
	CHECK_STR(sk_msg_call_id(m), "SSG9559905523997077@hlau_4100");
	CHECK_INT(sk_msg_max_forwards(m), 70);
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 1);
	if (sk_msg_addr_count(m, SK_HDR_CONTACT) == 1) {
		const struct sk_addr *c = addr_at(m, SK_HDR_CONTACT, 0);
		CHECK_STR(c->display, "\"Caller\"");
		CHECK_STR(c->uri.raw, "sip:caller@[2001:db8::1]");
		CHECK_STR(c->uri.user, "caller");
		CHECK_V6("Contact", c->uri.host_type, c->uri.host, "[2001:db8::1]");
	}
	check_cseq(m, 98176, "REGISTER");
	CHECK_INT(sk_msg_content_length(m), 0);
}

/* 4.1 Valid SIP Message with an IPv6 Reference */
static void f_ipv6_good(const struct fx *f)
{
	const struct sk_msg *m = f->m;
	check_request(m, "REGISTER", "sip:[2001:db8::10]");
	const struct sk_uri *ru = sk_msg_ruri(m);
	if (ru) {
		CHECK_V6("Request-URI", ru->host_type, ru->host, "[2001:db8::10]");
		CHECK_ABSENT(ru->user);
		CHECK_INT(ru->port, 0);
	}
	v6_register_common(m);
}

/* 4.3 Port Ambiguous in a SIP URI: ":5070" is the last group of the address */
static void f_port_ambiguous(const struct fx *f)
{
	const struct sk_msg *m = f->m;
	check_request(m, "REGISTER", "sip:[2001:db8::10:5070]");
	const struct sk_uri *ru = sk_msg_ruri(m);
	if (ru) {
		CHECK_V6("Request-URI", ru->host_type, ru->host, "[2001:db8::10:5070]");
		CHECK_INT(ru->port, 0);
		CHECK_ABSENT(ru->port_str);
		struct sk_uri with_port = uri_of("sip:[2001:db8::10]:5070");
		CHECK(!sk_uri_equal(ru, &with_port));
	}
	v6_register_common(m);
}

/* 4.4 Port Unambiguous in a SIP URI */
static void f_port_unambiguous(const struct fx *f)
{
	const struct sk_msg *m = f->m;
	check_request(m, "REGISTER", "sip:[2001:db8::10]:5070");
	const struct sk_uri *ru = sk_msg_ruri(m);
	if (ru) {
		CHECK_V6("Request-URI", ru->host_type, ru->host, "[2001:db8::10]");
		CHECK_INT(ru->port, 5070);
		CHECK_STR(ru->port_str, "5070");
	}
	v6_register_common(m);
}

/* 4.5 IPv6 Reference Delimiters in Via Header: received with '[' ']' */
static void f_received_with_delim(const struct fx *f)
{
	const struct sk_msg *m = f->m;
	check_request(m, "BYE", "sip:[2001:db8::10]");
	CHECK_V6("Request-URI", sk_msg_ruri(m)->host_type, sk_msg_ruri(m)->host, "[2001:db8::10]");
	CHECK_STR(must_to(m)->tag, "bd76ya");
	CHECK_STR(must_from(m)->tag, "81x2");
	CHECK_INT(sk_msg_via_count(m), 1);
	check_via(m, 0, "UDP", "[2001:db8::9:1]", "z9hG4bKas3-111");
	if (sk_msg_via_count(m) == 1) {
		const struct sk_via *v = via_at(m, 0);
		CHECK_V6("Via", v->host_type, v->host, "[2001:db8::9:1]");
		CHECK_STR(v->received, "[2001:db8::9:255]");
	}
	CHECK_STR(sk_msg_call_id(m), "SSG9559905523997077@hlau_4100");
	check_cseq(m, 321, "BYE");
}

/* 4.5 IPv6 Reference Delimiters in Via Header: received without them */
static void f_received_no_delim(const struct fx *f)
{
	const struct sk_msg *m = f->m;
	check_request(m, "OPTIONS", "sip:[2001:db8::10]");
	CHECK_INT(sk_msg_via_count(m), 1);
	check_via(m, 0, "UDP", "[2001:db8::9:1]", "z9hG4bKas3"); /* the param after received */
	if (sk_msg_via_count(m) == 1) {
		const struct sk_via *v = via_at(m, 0);
		CHECK_V6("Via", v->host_type, v->host, "[2001:db8::9:1]");
		CHECK_STR(v->received, "2001:db8::9:255");
	}
	CHECK_STR(sk_msg_call_id(m), "SSG95523997077@hlau_4100");
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 1);
	if (sk_msg_addr_count(m, SK_HDR_CONTACT) == 1) {
		const struct sk_addr *c = addr_at(m, SK_HDR_CONTACT, 0);
		CHECK_V6("Contact", c->uri.host_type, c->uri.host, "[2001:db8::9:1]");
	}
	check_cseq(m, 921, "OPTIONS");
}

/* 4.6 SIP Request with IPv6 Addresses in SDP Body */
static void f_ipv6_in_sdp(const struct fx *f)
{
	static const char *const sdp[] = {"o=assistant 971731711378798081 0 IN IP6 2001:db8::20",
	                                  "c=IN IP6 2001:db8::20"};
	const struct sk_msg *m = f->m;
	check_request(m, "INVITE", "sip:user@[2001:db8::10]");
	const struct sk_uri *ru = sk_msg_ruri(m);
	if (ru) {
		CHECK_STR(ru->user, "user");
		CHECK_V6("Request-URI", ru->host_type, ru->host, "[2001:db8::10]");
	}
	const struct sk_addr *to = must_to(m);
	CHECK_V6("To", to->uri.host_type, to->uri.host, "[2001:db8::10]");
	check_via(m, 0, "UDP", "[2001:db8::20]", "z9hG4bKas3-111");
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 1);
	if (sk_msg_addr_count(m, SK_HDR_CONTACT) == 1) {
		const struct sk_addr *c = addr_at(m, SK_HDR_CONTACT, 0);
		CHECK_V6("Contact", c->uri.host_type, c->uri.host, "[2001:db8::20]");
	}
	check_cseq(m, 8612, "INVITE");
	check_v6_body(f, sdp, 2);
}

/* 4.7 Multiple IP Addresses in SIP Headers */
static void f_mult_ip_in_header(const struct fx *f)
{
	const struct sk_msg *m = f->m;
	check_request(m, "BYE", "sip:user@host.example.net");
	CHECK_INT(sk_msg_via_count(m), 3);
	check_via(m, 0, "UDP", "[2001:db8::9:1]", "z9hG4bKas3-111");
	check_via(m, 1, "UDP", "192.0.2.1", "z9hG4bKjhja8781hjuaij65144");
	check_via(m, 2, "TCP", "[2001:db8::9:255]", "z9hG4bK451jj");
	if (sk_msg_via_count(m) == 3) {
		CHECK_V6("Via 1", via_at(m, 0)->host_type, via_at(m, 0)->host, "[2001:db8::9:1]");
		CHECK_INT(via_at(m, 0)->port, 6050);
		CHECK_INT(via_at(m, 1)->host_type, SK_HOST_IPV4);
		CHECK_V6("Via 3", via_at(m, 2)->host_type, via_at(m, 2)->host, "[2001:db8::9:255]");
		CHECK_STR(via_at(m, 2)->received, "192.0.2.200");
	}
	CHECK_STR(sk_msg_call_id(m), "997077@lau_4100");
	CHECK_STR(must_to(m)->tag, "9817--94");
	check_cseq(m, 89187, "BYE");
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 0); /* no Contact in this message */
}

/* 4.8 Multiple IP Addresses in SDP */
static void f_mult_ip_in_sdp(const struct fx *f)
{
	static const char *const sdp[] = {"c=IN IP4 192.0.2.1", "c=IN IP6 2001:db8::1",
	                                  "m=audio 22334 RTP/AVP 0", "m=video 6024 RTP/AVP 107"};
	const struct sk_msg *m = f->m;
	check_request(m, "INVITE", "sip:user@[2001:db8::10]");
	check_via(m, 0, "UDP", "[2001:db8::9:1]", "z9hG4bKas3-111");
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 1);
	if (sk_msg_addr_count(m, SK_HDR_CONTACT) == 1) {
		const struct sk_addr *c = addr_at(m, SK_HDR_CONTACT, 0);
		CHECK_V6("Contact", c->uri.host_type, c->uri.host, "[2001:db8::9:1]");
	}
	check_cseq(m, 8912, "INVITE");
	check_v6_body(f, sdp, 4);
}

/* 4.9 IPv4-Mapped IPv6 Addresses */
static void f_ipv4_mapped(const struct fx *f)
{
	static const char *const sdp[] = {
	    "o=assistant 971731711378798081 0 IN IP6 ::ffff:192.0.2.2",
	    "c=IN IP6 ::ffff:192.0.2.2"};
	const struct sk_msg *m = f->m;
	check_request(m, "INVITE", "sip:user@example.com");
	CHECK_STR(must_from(m)->uri.host, "east.example.com");
	CHECK_INT(sk_msg_via_count(m), 2);
	check_via(m, 0, "UDP", "[::ffff:192.0.2.10]", "z9hG4bKbh19");
	check_via(m, 1, "UDP", "[::ffff:192.0.2.2]", "z9hG4bKas3-111");
	if (sk_msg_via_count(m) == 2) {
		CHECK_V6("Via 1", via_at(m, 0)->host_type, via_at(m, 0)->host,
		         "[::ffff:192.0.2.10]");
		CHECK_INT(via_at(m, 0)->port, 19823);
		CHECK_V6("Via 2", via_at(m, 1)->host_type, via_at(m, 1)->host,
		         "[::ffff:192.0.2.2]");
	}
	CHECK_INT(sk_msg_addr_count(m, SK_HDR_CONTACT), 1);
	if (sk_msg_addr_count(m, SK_HDR_CONTACT) == 1) {
		const struct sk_addr *c = addr_at(m, SK_HDR_CONTACT, 0);
		CHECK_STR(c->display, "\"T. desk phone\"");
		CHECK_STR(c->uri.user, "ted");
		CHECK_V6("Contact", c->uri.host_type, c->uri.host, "[::ffff:192.0.2.2]");
	}
	check_cseq(m, 612, "INVITE");
	check_v6_body(f, sdp, 2);
}

/* 4.10 IPv6 Reference Bug in RFC 3261 ABNF */
static void v6_abnf_common(const struct sk_msg *m, const char *ref)
{
	char ruri[64];
	snprintf(ruri, sizeof(ruri), "sip:user@%s", ref);
	check_request(m, "OPTIONS", ruri);
	const struct sk_uri *ru = sk_msg_ruri(m);
	if (ru)
		CHECK_V6("Request-URI", ru->host_type, ru->host, ref);
	const struct sk_addr *to = must_to(m);
	CHECK_V6("To", to->uri.host_type, to->uri.host, ref);
	check_via(m, 0, "UDP", "lab1.east.example.com", "z9hG4bKas3-111");
	CHECK_STR(sk_msg_call_id(m), "G9559905523997077@hlau_4100");
	check_cseq(m, 689, "OPTIONS");
	CHECK_INT(sk_msg_max_forwards(m), 70);
	CHECK_INT(sk_msg_body(m).len, 0);
}

static void f_abnf_3_colons(const struct fx *f)
{
	v6_abnf_common(f->m, "[2001:db8:::192.0.2.1]");
}
static void f_abnf_2_colons(const struct fx *f)
{
	v6_abnf_common(f->m, "[2001:db8::192.0.2.1]");
}

/* ipv6/wire/<name>.dat: CRLF, well framed; must parse (but ipv6-bad) */
static void run_wire(struct fx *f, const char *name, facts_fn facts)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "ipv6/wire/%s.dat", name);
	load(f, rel);
	check_frame(f, FR_OK, 0);
	if (!facts) { /* 4.2: no brackets around the IPv6 address of the Request-URI */
		parse(f);
		check_reject(f, 1, "", 400);
		finish();
		return;
	}
	must_parse(f);
	facts(f);
	check_whole(f);
	check_roundtrip(f);
	finish();
}

/* ipv6/<name>.dat: archive bytes; parse, or fail on Content-Length; never crash */
static void run_raw(struct fx *f, const char *name, facts_fn facts)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "ipv6/%s.dat", name);
	load(f, rel);
	check_frame(f, FR_ANY, 0);
	parse(f);
	if (!facts) {
		check_reject(f, 1, "", 400);
	} else if (f->rc == 0) {
		facts(f);
		check_roundtrip(f);
	} else if (strcmp(f->err.hdr, "Content-Length") != 0 || !f->err.why || !f->err.why[0]) {
		note_(__LINE__,
		      "rejected for a reason other than Content-Length: line %u hdr \"%s\": %s",
		      f->err.line, f->err.hdr, f->err.why ? f->err.why : "(null)");
	}
	finish();
}

#define V6_TESTS(X)                                                                                \
	X(ipv6_good, "ipv6-good", f_ipv6_good)                                                     \
	X(ipv6_bad, "ipv6-bad", NULL)                                                              \
	X(port_ambiguous, "port-ambiguous", f_port_ambiguous)                                      \
	X(port_unambiguous, "port-unambiguous", f_port_unambiguous)                                \
	X(received_with_delim, "via-received-param-with-delim", f_received_with_delim)             \
	X(received_no_delim, "via-received-param-no-delim", f_received_no_delim)                   \
	X(ipv6_in_sdp, "ipv6-in-sdp", f_ipv6_in_sdp)                                               \
	X(mult_ip_in_header, "mult-ip-in-header", f_mult_ip_in_header)                             \
	X(mult_ip_in_sdp, "mult-ip-in-sdp", f_mult_ip_in_sdp)                                      \
	X(ipv4_mapped, "ipv4-mapped-ipv6", f_ipv4_mapped)                                          \
	X(abnf_3_colons, "ipv6-bug-abnf-3-colons", f_abnf_3_colons)                                \
	X(abnf_2_colons, "ipv6-correct-abnf-2-colons", f_abnf_2_colons)

#define V6_FN(id, name, facts)                                                                     \
	static void w_##id(void **state)                                                           \
	{                                                                                          \
		run_wire(*state, name, facts);                                                     \
	}                                                                                          \
	static void r_##id(void **state)                                                           \
	{                                                                                          \
		run_raw(*state, name, facts);                                                      \
	}
V6_TESTS(V6_FN)

#define T(name, fn)                                                                                \
	{                                                                                          \
		name, fn, setup, teardown, NULL                                                    \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T("valid/wsinv.dat", t_wsinv),
	    T("valid/intmeth.dat", t_intmeth),
	    T("valid/esc01.dat", t_esc01),
	    T("valid/escnull.dat", t_escnull),
	    T("valid/esc02.dat", t_esc02),
	    T("valid/lwsdisp.dat", t_lwsdisp),
	    T("valid/longreq.dat", t_longreq),
	    T("valid/dblreq.dat", t_dblreq),
	    T("valid/semiuri.dat", t_semiuri),
	    T("valid/transports.dat", t_transports),
	    T("valid/mpart01.dat", t_mpart01),
	    T("valid/unreason.dat", t_unreason),
	    T("valid/noreason.dat", t_noreason),
	    T("invalid/badinv01.dat", t_badinv01),
	    T("invalid/clerr.dat", t_clerr),
	    T("invalid/ncl.dat", t_ncl),
	    T("invalid/scalar02.dat", t_scalar02),
	    T("invalid/scalarlg.dat", t_scalarlg),
	    T("invalid/quotbal.dat", t_quotbal),
	    T("invalid/ltgtruri.dat", t_ltgtruri),
	    T("invalid/lwsruri.dat", t_lwsruri),
	    T("invalid/lwsstart.dat", t_lwsstart),
	    T("invalid/trws.dat", t_trws),
	    T("invalid/escruri.dat", t_escruri),
	    T("invalid/baddate.dat", t_baddate),
	    T("invalid/regbadct.dat", t_regbadct),
	    T("invalid/badaspec.dat", t_badaspec),
	    T("invalid/baddn.dat", t_baddn),
	    T("invalid/badvers.dat", t_badvers),
	    T("invalid/mismatch01.dat", t_mismatch01),
	    T("invalid/mismatch02.dat", t_mismatch02),
	    T("invalid/bigcode.dat", t_bigcode),
	    T("semantic/badbranch.dat", t_badbranch),
	    T("semantic/insuf.dat", t_insuf),
	    T("semantic/unkscm.dat", t_unkscm),
	    T("semantic/novelsc.dat", t_novelsc),
	    T("semantic/unksm2.dat", t_unksm2),
	    T("semantic/bext01.dat", t_bext01),
	    T("semantic/invut.dat", t_invut),
	    T("semantic/regaut01.dat", t_regaut01),
	    T("semantic/multi01.dat", t_multi01),
	    T("semantic/mcl01.dat", t_mcl01),
	    T("semantic/bcast.dat", t_bcast),
	    T("semantic/zeromf.dat", t_zeromf),
	    T("semantic/cparam01.dat", t_cparam01),
	    T("semantic/cparam02.dat", t_cparam02),
	    T("semantic/regescrt.dat", t_regescrt),
	    T("semantic/sdp01.dat", t_sdp01),
	    T("semantic/inv2543.dat", t_inv2543),
	    T("extra/test.dat", t_test_dat),
	    T("variants/baddn-crlf-terminated.dat", t_baddn_crlf),
	};
#define V6_ENTRIES(id, name, facts)                                                                \
	T("ipv6/wire/" name ".dat", w_##id), T("ipv6/" name ".dat", r_##id),
	const struct CMUnitTest v6[] = {V6_TESTS(V6_ENTRIES)};
	int failed = cmocka_run_group_tests_name("torture (RFC 4475)", tests, NULL, NULL);
	return failed + cmocka_run_group_tests_name("torture IPv6 (RFC 5118)", v6, NULL, NULL);
}
