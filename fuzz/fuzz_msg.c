/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the datagram message parser and everything that reads a parsed
 * message (typed headers, lists, Reason, semantic checks), printing (print -> parse
 * must round-trip, and printing is idempotent) and building (response, CANCEL, ACK,
 * a header-by-header rebuild): whatever the builder produces must parse again.
 *
 * The input is parsed
 *   - with the default limits into a message reused across runs (like a transport),
 *   - with the limits of a profile chosen by the first byte (small limits exercise
 *     the limit paths; tighter limits may only add failures),
 *   - with sk_msg_parse_copy into a second reused message (must agree).
 * Invariant violations abort() after printing what went wrong.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipkit/msg.h"

#include "fuzz_util.h"

/* Prints a message that should have parsed (escaped) and aborts. */
static void die_parse(int line, const char *what, const char *p, size_t n,
                      const struct sk_parse_err *e)
{
	fprintf(stderr, "fuzz_msg.c:%d: %s did not parse: line %u col %u hdr \"%s\": %s\n", line,
	        what, e->line, e->col, e->hdr, e->why ? e->why : "(no reason)");
	fprintf(stderr, "---- %zu bytes ----\n", n);
	for (size_t i = 0; i < n && i < 4096; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\n')
			fputs("\\n\n", stderr);
		else if (c == '\r')
			fputs("\\r", stderr);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fputs("\n----\n", stderr);
	abort();
}

/*
 * SK_FUZZ_IGNORE=tag[,tag...] turns off the oracle checks with those tags, to keep
 * fuzzing past a known finding. Every check is on by default. Tags:
 *   idempotent  printing a re-parsed printout gives the same bytes
 *   to-nul      responses get a To tag even when the request's To holds a NUL byte
 *   star        Contact '*' is the only Contact value of the message
 */
/* Reads every byte of a view, so ASan checks that it points at live memory. */
/* A view that lies inside [base, base+len). */
static int inside(struct sk_str s, const char *base, size_t len)
{
	return s.p && s.p >= base && s.p + s.len <= base + len;
}

/* ---- messages reused across runs ---------------------------------------------- */

#define NPROF 8
/* Every profile is at most the defaults, field by field. */
static const struct sk_msg_limits profiles[NPROF] = {
    {65536, 256, 8192, 64, 128}, /* the defaults */
    {512, 8, 64, 2, 2},          {128, 4, 32, 1, 1},        {2048, 16, 256, 4, 4},
    {65536, 1, 8192, 1, 1},      {300, 256, 8192, 64, 128}, {65536, 256, 16, 64, 128},
    {65536, 0, 0, 0, 0},
};

/* Roomy limits for messages derived from the input (printing and building may add
 * a Content-Length line and canonical names make them longer). */
static const struct sk_msg_limits roomy = {1u << 22, 8192, 1u << 22, 8192, 8192};

static struct sk_msg *m_def, *m_copy, *m_prof[NPROF], *m_print, *m_print2, *m_built, *m_resp,
    *m_inv;

static const char static_invite[] =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
    "Contact: <sip:alice@192.0.2.101>\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static struct sk_msg *new_msg(const struct sk_msg_limits *lim)
{
	struct sk_msg *m = NULL;
	CHECK(sk_msg_new(&m, lim) == 0 && m);
	return m;
}

static void init(void)
{
	struct sk_parse_err e;

	m_def = new_msg(NULL);
	m_copy = new_msg(NULL);
	for (int i = 0; i < NPROF; i++)
		m_prof[i] = new_msg(&profiles[i]);
	m_print = new_msg(&roomy);
	m_print2 = new_msg(&roomy);
	m_built = new_msg(&roomy);
	m_resp = new_msg(&roomy);
	m_inv = new_msg(NULL);
	if (sk_msg_parse_copy(m_inv, static_invite, sizeof(static_invite) - 1, &e) != 0)
		die_parse(__LINE__, "static INVITE", static_invite, sizeof(static_invite) - 1, &e);
	CHECK(sk_msg_new(NULL, NULL) == -SK_EINVAL);
	CHECK(sk_msg_parse(NULL, "x", 1, NULL) == -SK_EINVAL);
	CHECK(sk_msg_parse_copy(m_copy, NULL, 0, NULL) == -SK_EINVAL);
	CHECK(sk_msg_parse(m_copy, NULL, 0, NULL) == -SK_EINVAL);
	CHECK(sk_msg_parse_stream(m_copy, NULL, 0, NULL) == -SK_EINVAL);
	sk_msg_free(NULL);
}

/* ---- walking a parsed message --------------------------------------------------- */

static const char *const uri_params[] = {"transport", "lr", "maddr", "user", "ttl", "method"};

static void walk_params(struct sk_str params)
{
	size_t pos = 0, prev = 0, k = 0;
	struct sk_str name, value;

	while (sk_param_next(params, &pos, &name, &value)) {
		CHECK(pos > prev || (k == 0 && pos > 0));
		CHECK(pos <= params.len);
		prev = pos;
		touch(name);
		touch(value);
		CHECK(++k <= params.len + 1);
	}
}

static void walk_uri(const struct sk_uri *u)
{
	char small[16];

	CHECK(u->scheme >= SK_URI_NONE && u->scheme <= SK_URI_OTHER);
	CHECK(u->host_type >= SK_HOST_NONE && u->host_type <= SK_HOST_IPV6);
	touch(u->raw);
	touch(u->scheme_str);
	touch(u->user);
	touch(u->password);
	touch(u->host);
	touch(u->port_str);
	touch(u->params);
	touch(u->headers);
	touch(u->opaque);
	if (u->scheme == SK_URI_SIP || u->scheme == SK_URI_SIPS)
		CHECK(u->host_type != SK_HOST_NONE && u->host.len > 0);
	if (!sk_str_present(u->port_str))
		CHECK(u->port == 0);
	for (size_t i = 0; i < sizeof(uri_params) / sizeof(uri_params[0]); i++) {
		struct sk_str v;
		if (sk_uri_param(u, uri_params[i], &v) == 0)
			touch(v);
	}
	walk_params(u->params);
	CHECK(sk_uri_print(u, small, sizeof(small)) == u->raw.len);
	CHECK(memchr(small, 0, sizeof(small)) != NULL);
}

static void walk_addr(const struct sk_addr *a, bool contact)
{
	struct sk_addr b;
	const char *why = NULL;

	touch(a->raw);
	touch(a->display);
	touch(a->params);
	touch(a->tag);
	touch(a->expires);
	touch(a->q);
	if (a->star) {
		CHECK(contact);
		return;
	}
	walk_uri(&a->uri);
	walk_params(a->params);
	/* parsing the value again gives the same result */
	CHECK(sk_addr_parse(&b, a->raw, contact, &why) == 0);
	CHECK(b.angle == a->angle && b.star == a->star);
	CHECK(sk_str_eq(b.tag, a->tag) && sk_str_eq(b.params, a->params));
	CHECK(b.uri.scheme == a->uri.scheme && sk_str_eq(b.uri.host, a->uri.host));
}

static void walk_via(const struct sk_via *v)
{
	struct sk_via w;
	const char *why = NULL;

	touch(v->raw);
	touch(v->proto_name);
	touch(v->proto_version);
	touch(v->transport);
	touch(v->host);
	touch(v->port_str);
	touch(v->params);
	touch(v->branch);
	touch(v->received);
	touch(v->rport);
	touch(v->maddr);
	touch(v->ttl);
	CHECK(v->host_type != SK_HOST_NONE);
	CHECK(v->proto_name.len && v->proto_version.len && v->transport.len && v->host.len);
	fuzz_sink += sk_via_branch_is_3261(v);
	walk_params(v->params);
	CHECK(sk_via_parse(&w, v->raw, &why) == 0);
	CHECK(sk_str_eq(w.branch, v->branch) && sk_str_eq(w.host, v->host) && w.port == v->port);
}

/* The reference header-name lookup: canonical names and compact letters. */
static enum sk_hdr_id ref_lookup(struct sk_str name)
{
	for (int id = 1; id < SK_HDR__COUNT; id++) {
		if (name.len == 1) {
			char c = sk_hdr_compact((enum sk_hdr_id)id);
			if (c && (name.p[0] == c || name.p[0] == c - 32))
				return (enum sk_hdr_id)id;
		} else if (sk_str_caseeq_c(name, sk_hdr_name((enum sk_hdr_id)id))) {
			return (enum sk_hdr_id)id;
		}
	}
	return SK_HDR_OTHER;
}

static const enum sk_hdr_id list_ids[] = {
    SK_HDR_REQUIRE,     SK_HDR_SUPPORTED, SK_HDR_ALLOW,        SK_HDR_PROXY_REQUIRE,
    SK_HDR_UNSUPPORTED, SK_HDR_ACCEPT,    SK_HDR_ALLOW_EVENTS, SK_HDR_OTHER,
};

static void walk_reasons(const struct sk_msg *m, size_t max)
{
	struct sk_reason rs[16];
	struct sk_parse_err e;
	size_t n = 12345;

	CHECK(max <= 16);
	int rc = sk_msg_reasons(m, rs, max, &n, &e);
	CHECK(n <= max);
	if (rc < 0)
		CHECK(e.why != NULL && e.line >= 1);
	for (size_t i = 0; i < n; i++) {
		touch(rs[i].protocol);
		touch(rs[i].text);
		touch(rs[i].params);
		CHECK(rs[i].protocol.len > 0);
		if (!rs[i].has_cause)
			CHECK(rs[i].cause == 0);
	}
}

/* Walks everything a reader of m can ask for; buf/len is what m was parsed from when
 * its views must point into it (NULL otherwise). */
static void walk(const struct sk_msg *m, const char *buf, size_t len)
{
	struct sk_str raw = sk_msg_raw(m);
	size_t nh = sk_msg_hdr_count(m);

	touch(raw);
	touch(sk_msg_start_line(m));
	touch(sk_msg_version(m));
	touch(sk_msg_body(m));
	if (buf) {
		CHECK(inside(raw, buf, len));
		CHECK(inside(sk_msg_start_line(m), buf, len));
		CHECK(inside(sk_msg_body(m), buf, len));
	}
	CHECK(sk_msg_start_line(m).len > 0);
	if (sk_msg_is_request(m)) {
		const struct sk_uri *u = sk_msg_ruri(m);
		CHECK(u != NULL);
		CHECK(sk_msg_method(m).len > 0);
		touch(sk_msg_method(m));
		touch(sk_msg_ruri_str(m));
		CHECK(sk_str_eq(u->raw, sk_msg_ruri_str(m)));
		walk_uri(u);
		CHECK(sk_msg_status(m) == 0);
	} else {
		CHECK(sk_msg_ruri(m) == NULL);
		CHECK(sk_msg_status(m) >= 100 && sk_msg_status(m) <= 999);
		touch(sk_msg_reason_phrase(m));
	}

	/* header lines, and the per-id chains */
	for (size_t i = 0; i < nh; i++) {
		const struct sk_hdr *h = sk_msg_hdr_at(m, i);
		CHECK(h != NULL);
		CHECK(h->name.len > 0);
		touch(h->name);
		touch(h->value);
		if (buf)
			CHECK(inside(h->name, buf, len));
		CHECK(h->line >= 2);
		CHECK(h->id == sk_hdr_lookup(h->name.p, h->name.len));
		CHECK(h->id == ref_lookup(h->name));
		if (h->id == SK_HDR_OTHER) {
			char name[128];
			if (h->name.len < sizeof(name)) {
				sk_str_cpy(name, sizeof(name), h->name);
				const struct sk_hdr *f = sk_msg_hdr_find(m, name);
				CHECK(f != NULL && f->id == SK_HDR_OTHER && f <= h);
				CHECK(sk_str_caseeq(f->name, h->name));
			}
		} else {
			CHECK(h->next == UINT32_MAX || (h->next > i && h->next < nh));
			if (h->next != UINT32_MAX)
				CHECK(sk_msg_hdr_at(m, h->next)->id == h->id);
		}
	}
	CHECK(sk_msg_hdr_at(m, nh) == NULL);
	for (int id = 1; id < SK_HDR__COUNT; id++) {
		size_t n = 0;
		const struct sk_hdr *prev = NULL;
		for (const struct sk_hdr *h = sk_msg_hdr_first(m, (enum sk_hdr_id)id); h;
		     h = h->next == UINT32_MAX ? NULL : sk_msg_hdr_at(m, h->next)) {
			CHECK(h->id == (enum sk_hdr_id)id);
			CHECK(!prev || h > prev);
			prev = h;
			CHECK(++n <= nh);
		}
		CHECK(n == sk_msg_hdr_num(m, (enum sk_hdr_id)id));
		const char *name = sk_hdr_name((enum sk_hdr_id)id);
		CHECK(name != NULL);
		CHECK(sk_msg_hdr_find(m, name) == sk_msg_hdr_first(m, (enum sk_hdr_id)id));
		char c = sk_hdr_compact((enum sk_hdr_id)id);
		if (c) {
			char s[2] = {c, 0};
			CHECK(sk_msg_hdr_find(m, s) == sk_msg_hdr_first(m, (enum sk_hdr_id)id));
		}
	}
	CHECK(sk_msg_hdr_first(m, SK_HDR_OTHER) == NULL);
	CHECK(sk_msg_hdr_first(m, SK_HDR__COUNT) == NULL);
	CHECK(sk_msg_hdr_num(m, SK_HDR__COUNT) == 0);

	/* Via */
	size_t nv = sk_msg_via_count(m);
	for (size_t i = 0; i < nv; i++) {
		const struct sk_via *v = sk_msg_via(m, i);
		CHECK(v != NULL);
		CHECK(v->hdr < nh && sk_msg_hdr_at(m, v->hdr)->id == SK_HDR_VIA);
		walk_via(v);
	}
	CHECK(sk_msg_via(m, nv) == NULL);
	CHECK((nv == 0) == (sk_msg_hdr_num(m, SK_HDR_VIA) == 0));

	/* From, To, Contact, Route, Record-Route */
	const struct sk_addr *from = sk_msg_from(m), *to = sk_msg_to(m);
	CHECK((from != NULL) == (sk_msg_hdr_num(m, SK_HDR_FROM) > 0));
	CHECK((to != NULL) == (sk_msg_hdr_num(m, SK_HDR_TO) > 0));
	if (from) {
		CHECK(from->hdr < nh && sk_msg_hdr_at(m, from->hdr)->id == SK_HDR_FROM);
		walk_addr(from, false);
	}
	if (to) {
		CHECK(to->hdr < nh && sk_msg_hdr_at(m, to->hdr)->id == SK_HDR_TO);
		walk_addr(to, false);
	}
	static const enum sk_hdr_id addr_ids[] = {SK_HDR_CONTACT, SK_HDR_ROUTE,
	                                          SK_HDR_RECORD_ROUTE};
	for (size_t k = 0; k < 3; k++) {
		enum sk_hdr_id id = addr_ids[k];
		size_t na = sk_msg_addr_count(m, id);
		for (size_t i = 0; i < na; i++) {
			const struct sk_addr *a = sk_msg_addr(m, id, i);
			CHECK(a != NULL);
			CHECK(a->hdr < nh && sk_msg_hdr_at(m, a->hdr)->id == id);
			if (a->star)
				CHECK(id == SK_HDR_CONTACT && (na == 1 || !on("star")));
			walk_addr(a, id == SK_HDR_CONTACT);
		}
		CHECK(sk_msg_addr(m, id, na) == NULL);
		CHECK((na == 0) == (sk_msg_hdr_num(m, id) == 0));
	}
	CHECK(sk_msg_addr_count(m, SK_HDR_VIA) == 0 && sk_msg_addr(m, SK_HDR_FROM, 0) == NULL);

	/* scalar headers */
	struct sk_str cid = sk_msg_call_id(m);
	touch(cid);
	CHECK(sk_str_present(cid) == (sk_msg_hdr_num(m, SK_HDR_CALL_ID) > 0));
	const struct sk_cseq *cs = sk_msg_cseq(m);
	CHECK((cs != NULL) == (sk_msg_hdr_num(m, SK_HDR_CSEQ) > 0));
	if (cs) {
		CHECK(cs->method.len > 0);
		touch(cs->method);
	}
	int mf = sk_msg_max_forwards(m);
	CHECK(mf >= -1 && mf <= 255);
	long cl = sk_msg_content_length(m);
	CHECK(cl >= -1);
	if (cl >= 0)
		CHECK((size_t)cl == sk_msg_body(m).len);
	touch(sk_msg_content_type(m));
	long ex = sk_msg_expires(m);
	CHECK(ex >= -1 && ex <= (long)UINT32_MAX);

	/* lists */
	for (size_t k = 0; k < sizeof(list_ids) / sizeof(list_ids[0]); k++) {
		struct sk_list_iter it = {0};
		struct sk_str v;
		size_t n = 0;
		while (sk_msg_list_next(m, list_ids[k], &it, &v)) {
			CHECK(v.len > 0);
			touch(v);
			CHECK(++n <= raw.len + 1);
		}
		CHECK(sk_msg_list_next(m, list_ids[k], &it, &v) == 0);
		if (list_ids[k] == SK_HDR_OTHER)
			CHECK(n == 0);
	}
	fuzz_sink += sk_msg_list_has(m, SK_HDR_REQUIRE, "100rel");
	fuzz_sink += sk_msg_list_has(m, SK_HDR_SUPPORTED, "timer");
	fuzz_sink += sk_msg_list_has(m, SK_HDR_ALLOW, "INVITE");

	/* Reason */
	walk_reasons(m, 16);
	walk_reasons(m, 1);
	walk_reasons(m, 0);

	/* semantic checks */
	struct sk_msg_finding f[12];
	size_t nf = sk_msg_check(m, f, 12);
	CHECK(sk_msg_check(m, NULL, 0) == nf);
	for (size_t i = 0; i < nf && i < 12; i++) {
		CHECK(f[i].issue >= SK_ISSUE_MISSING_HDR && f[i].issue <= SK_ISSUE_OUT_OF_RANGE);
		CHECK(f[i].why != NULL);
		CHECK(memchr(f[i].hdr, 0, sizeof(f[i].hdr)) != NULL);
		CHECK(f[i].status == 0 || (f[i].status >= 400 && f[i].status <= 599));
	}
	struct sk_msg_finding one;
	CHECK(sk_msg_check(m, &one, 1) == nf);
}

/* ---- printing ------------------------------------------------------------------- */

struct summary {
	bool request;
	int status;
	size_t hdrs_wo_cl, vias, contacts, routes, rroutes, body;
	bool from, to, cseq;
	uint32_t cseq_num;
};

static struct summary summarize(const struct sk_msg *m)
{
	const struct sk_cseq *cs = sk_msg_cseq(m);
	struct summary s = {
	    .request = sk_msg_is_request(m),
	    .status = sk_msg_status(m),
	    .hdrs_wo_cl = sk_msg_hdr_count(m) - sk_msg_hdr_num(m, SK_HDR_CONTENT_LENGTH),
	    .vias = sk_msg_via_count(m),
	    .contacts = sk_msg_addr_count(m, SK_HDR_CONTACT),
	    .routes = sk_msg_addr_count(m, SK_HDR_ROUTE),
	    .rroutes = sk_msg_addr_count(m, SK_HDR_RECORD_ROUTE),
	    .body = sk_msg_body(m).len,
	    .from = sk_msg_from(m) != NULL,
	    .to = sk_msg_to(m) != NULL,
	    .cseq = cs != NULL,
	    .cseq_num = cs ? cs->num : 0,
	};
	return s;
}

static bool same_summary(struct summary a, struct summary b)
{
	return a.request == b.request && a.status == b.status && a.hdrs_wo_cl == b.hdrs_wo_cl &&
	       a.vias == b.vias && a.contacts == b.contacts && a.routes == b.routes &&
	       a.rroutes == b.rroutes && a.body == b.body && a.from == b.from && a.to == b.to &&
	       a.cseq == b.cseq && a.cseq_num == b.cseq_num;
}

static char *print_msg(const struct sk_msg *m, size_t small, size_t *len)
{
	char tiny[64];

	if (small > sizeof(tiny))
		small = sizeof(tiny);
	size_t need = sk_msg_print(m, tiny, small);
	if (small)
		CHECK(tiny[need < small ? need : small - 1] == '\0');
	char *out = malloc(need + 1);
	CHECK(out != NULL);
	CHECK(sk_msg_print(m, out, need + 1) == need);
	CHECK(out[need] == '\0');
	if (small && need)
		CHECK(memcmp(tiny, out, (need < small ? need : small - 1)) == 0);
	*len = need;
	return out;
}

static void check_print(const struct sk_msg *m, size_t small)
{
	struct sk_parse_err e;
	size_t n, n2, skip, mlen;

	char *p = print_msg(m, small, &n);
	if (sk_msg_parse(m_print, p, n, &e) != 0)
		die_parse(__LINE__, "sk_msg_print output", p, n, &e);
	walk(m_print, p, n);
	CHECK(same_summary(summarize(m), summarize(m_print)));
	CHECK(sk_msg_hdr_num(m_print, SK_HDR_CONTENT_LENGTH) == 1);
	CHECK(sk_str_eq(sk_msg_body(m), sk_msg_body(m_print)));
	/* it carries a Content-Length, so it also parses and frames as a stream */
	if (sk_msg_parse_stream(m_print2, p, n, &e) != 0)
		die_parse(__LINE__, "sk_msg_print output (stream)", p, n, &e);
	int rc = sk_msg_frame(p, n, &roomy, &skip, &mlen, &e);
	CHECK(rc == 0 && skip == 0 && mlen == n);
	/* printing is idempotent */
	char *p2 = print_msg(m_print, small / 2, &n2);
	if (on("idempotent"))
		CHECK(n2 == n && memcmp(p, p2, n) == 0);
	free(p2);
	free(p);
}

/* ---- building ------------------------------------------------------------------- */

/* Finishes b and parses the result into into; it must parse (and frame) as a stream. */
static struct sk_str finish_parse(struct sk_build *b, struct sk_msg *into, const char *what)
{
	struct sk_str out;
	struct sk_parse_err e;
	size_t skip, mlen;

	CHECK(sk_build_finish(b, &out) == 0);
	CHECK(out.p && out.len > 0 && out.p[out.len] == '\0');
	if (sk_msg_parse_stream(into, out.p, out.len, &e) != 0)
		die_parse(__LINE__, what, out.p, out.len, &e);
	CHECK(sk_msg_frame(out.p, out.len, &roomy, &skip, &mlen, &e) == 0);
	CHECK(skip == 0 && mlen == out.len);
	walk(into, out.p, out.len);
	return out;
}

static const int codes[] = {100, 180, 183, 200, 202, 302, 404, 486, 487, 503, 603, 699, 199, 555};
static const char *const cancel_reasons[] = {
    NULL,
    "SIP;cause=200;text=\"Call completed elsewhere\"",
    "Q.850;cause=16;text=\"Terminated\"",
    "SIP;cause=487, Q.850;cause=31",
    "",
};

/* Copies a view into a C string when it has no NUL and fits. */
static bool cstr(char *dst, size_t size, struct sk_str s)
{
	if (s.len >= size || memchr(s.p, 0, s.len))
		return false;
	sk_str_cpy(dst, size, s);
	return true;
}

static bool has_mandatory(const struct sk_msg *m)
{
	return sk_msg_via_count(m) > 0 && sk_msg_from(m) && sk_msg_to(m) && sk_msg_cseq(m) &&
	       sk_str_present(sk_msg_call_id(m));
}

static void build_from_request(const struct sk_msg *req, const uint8_t *data, size_t size)
{
	struct sk_build *b = NULL;
	uint8_t sel = data[size - 1];
	int code = codes[(sel + size) % (sizeof(codes) / sizeof(codes[0]))];
	const char *to_tag = (sel & 0x40) ? "a6c85cf" : NULL;
	const char *phrase = (sel & 0x80) ? "Custom Phrase" : NULL;

	const struct sk_hdr *toh = sk_msg_hdr_first(req, SK_HDR_TO);
	if (toh && memchr(toh->value.p, 0, toh->value.len) && !on("to-nul"))
		to_tag = NULL;

	/* §8.2.6: the response */
	int rc = sk_build_response_to(&b, req, code, phrase, to_tag);
	if (rc != 0) {
		/* a copied value with a bare CR (a Via comment, Timestamp) is refused */
		CHECK(rc == -SK_EINVAL && !b);
		goto cancel;
	}
	finish_parse(b, m_resp, "sk_build_response_to output");
	CHECK(!sk_msg_is_request(m_resp) && sk_msg_status(m_resp) == code);
	CHECK(sk_msg_via_count(m_resp) == sk_msg_via_count(req));
	CHECK(sk_str_eq(sk_msg_call_id(m_resp), sk_msg_call_id(req)));
	CHECK((sk_msg_cseq(m_resp) != NULL) == (sk_msg_cseq(req) != NULL));
	if (sk_msg_cseq(req))
		CHECK(sk_msg_cseq(m_resp)->num == sk_msg_cseq(req)->num);
	CHECK((sk_msg_to(m_resp) != NULL) == (sk_msg_to(req) != NULL));
	if (sk_msg_to(req) && sk_str_present(sk_msg_to(req)->tag))
		CHECK(sk_str_eq(sk_msg_to(m_resp)->tag, sk_msg_to(req)->tag));
	else if (sk_msg_to(req) && code > 100 && to_tag)
		CHECK(sk_str_eq(sk_msg_to(m_resp)->tag, sk_str_c(to_tag)));

	/* §17.1.1.3: the ACK for that response (m_resp points into rb: keep it) */
	struct sk_build *rb = b;
	b = NULL;
	rc = sk_build_ack(&b, req, m_resp);
	if (!has_mandatory(req))
		CHECK(rc == -SK_EINVAL);
	if (rc != 0)
		CHECK(rc == -SK_EINVAL);
	if (rc == 0) {
		finish_parse(b, m_built, "sk_build_ack output");
		CHECK(sk_str_eq(sk_msg_method(m_built), SK_STR_LIT("ACK")));
		CHECK(sk_msg_via_count(m_built) == 1);
		CHECK(sk_str_eq(sk_msg_via(m_built, 0)->branch, sk_msg_via(req, 0)->branch));
		CHECK(sk_msg_cseq(m_built)->num == sk_msg_cseq(req)->num);
		CHECK(sk_str_eq(sk_msg_cseq(m_built)->method, SK_STR_LIT("ACK")));
		CHECK(sk_str_eq(sk_msg_to(m_built)->tag, sk_msg_to(m_resp)->tag));
		CHECK(sk_msg_addr_count(m_built, SK_HDR_ROUTE) ==
		      sk_msg_addr_count(req, SK_HDR_ROUTE));
		sk_build_free(b);
		b = NULL;
	}
	sk_build_free(rb);

cancel:;
	/* §9.1: the CANCEL, with a Reason (RFC 3326) of ours or the request's own */
	char own[512];
	const char *reason =
	    cancel_reasons[sel % (sizeof(cancel_reasons) / sizeof(cancel_reasons[0]))];
	const struct sk_hdr *rh = sk_msg_hdr_first(req, SK_HDR_REASON);
	if ((sel & 0x20) && rh && cstr(own, sizeof(own), rh->value))
		reason = own;
	rc = sk_build_cancel(&b, req, reason);
	if (rc == 0) {
		CHECK(has_mandatory(req));
		finish_parse(b, m_built, "sk_build_cancel output");
		CHECK(sk_str_eq(sk_msg_method(m_built), SK_STR_LIT("CANCEL")));
		CHECK(sk_str_eq(sk_msg_ruri_str(m_built), sk_msg_ruri_str(req)));
		CHECK(sk_msg_via_count(m_built) == 1);
		CHECK(sk_str_eq(sk_msg_via(m_built, 0)->raw, sk_msg_via(req, 0)->raw));
		CHECK(sk_msg_cseq(m_built)->num == sk_msg_cseq(req)->num);
		CHECK(sk_str_eq(sk_msg_cseq(m_built)->method, SK_STR_LIT("CANCEL")));
		CHECK(sk_str_eq(sk_msg_call_id(m_built), sk_msg_call_id(req)));
		CHECK(sk_msg_addr_count(m_built, SK_HDR_ROUTE) ==
		      sk_msg_addr_count(req, SK_HDR_ROUTE));
		CHECK(sk_msg_hdr_num(m_built, SK_HDR_REASON) == (reason && *reason ? 1u : 0u));
		if (reason && *reason) {
			struct sk_reason rs[8];
			size_t n = 0;
			CHECK(sk_msg_reasons(m_built, rs, 8, &n, NULL) == 0 && n >= 1);
		}
		sk_build_free(b);
		b = NULL;
	} else {
		CHECK(rc == -SK_EINVAL);
	}
}

/* Rebuilds the message header by header with the generic builder. */
static void rebuild(const struct sk_msg *m)
{
	struct sk_build *b = NULL;
	char phrase[256];
	int rc;

	if (sk_msg_is_request(m)) {
		rc = sk_build_request(&b, sk_msg_method(m), sk_msg_ruri_str(m));
		CHECK(rc == 0);
	} else {
		if (!cstr(phrase, sizeof(phrase), sk_msg_reason_phrase(m)))
			return;
		rc = sk_build_response(&b, sk_msg_status(m), phrase);
		if (rc != 0) {
			CHECK(rc == -SK_EINVAL);
			CHECK(sk_msg_status(m) > 699 || strchr(phrase, '\r'));
			return;
		}
	}
	size_t expect = 0;
	bool known[SK_HDR__COUNT] = {false};
	for (size_t i = 0; i < sk_msg_hdr_count(m); i++) {
		const struct sk_hdr *h = sk_msg_hdr_at(m, i);
		char name[128];
		if (h->id == SK_HDR_CONTENT_LENGTH)
			continue;
		if (h->id != SK_HDR_OTHER) {
			if (known[h->id])
				continue;
			known[h->id] = true;
			rc = sk_build_copy(b, m, h->id);
			if (rc == 0)
				expect += sk_msg_hdr_num(m, h->id);
		} else {
			if (!cstr(name, sizeof(name), h->name))
				goto out;
			rc = sk_build_hdr(b, name, h->value);
			if (rc == 0)
				expect++;
		}
		if (rc != 0) { /* a value with a bare CR cannot be written back */
			CHECK(rc == -SK_EINVAL);
			goto out;
		}
	}
	CHECK(sk_build_body(b, NULL, sk_msg_body(m).p, sk_msg_body(m).len) == 0);
	CHECK(sk_build_copy(b, m, SK_HDR_OTHER) == -SK_EINVAL);
	CHECK(sk_build_hdr(b, "Bad", SK_STR_LIT("a\r\nInjected: 1")) == -SK_EINVAL);
	finish_parse(b, m_built, "rebuilt message");
	CHECK(sk_msg_hdr_count(m_built) == expect + 1);
	CHECK(sk_str_eq(sk_msg_body(m_built), sk_msg_body(m)));
	CHECK(sk_msg_via_count(m_built) == sk_msg_via_count(m));
out:
	sk_build_free(b);
}

/* ---- the entry point ------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct sk_parse_err e, e2;
	const char *buf = (const char *)data;

	if (!ready) {
		init();
		ready = true;
	}
	if (size == 0) {
		CHECK(sk_msg_parse(m_def, buf, 0, &e) < 0);
		return 0;
	}

	/* default limits, zero-copy */
	int rc = sk_msg_parse(m_def, buf, size, &e);
	if (rc < 0) {
		CHECK(rc == -SK_EMALFORMED || rc == -SK_ETOOBIG || rc == -SK_ENOMEM);
		CHECK(e.why != NULL);
		CHECK(memchr(e.hdr, 0, sizeof(e.hdr)) != NULL);
		CHECK(e.status == 0 || (e.status >= 400 && e.status <= 599));
		/* what a server salvages to answer 400/505 parses and has a Via */
		if (sk_msg_salvage(m_copy, buf, size) == 0) {
			CHECK(sk_msg_via_count(m_copy) > 0);
			walk(m_copy, sk_msg_raw(m_copy).p, sk_msg_raw(m_copy).len);
		}
	} else {
		CHECK(rc == 0);
		walk(m_def, buf, size);
	}

	/* the same with a private copy: same verdict, same message */
	int rc2 = sk_msg_parse_copy(m_copy, buf, size, &e2);
	CHECK(rc2 == rc);
	if (rc == 0) {
		walk(m_copy, NULL, 0);
		CHECK(same_summary(summarize(m_def), summarize(m_copy)));
		CHECK(sk_str_eq(sk_msg_raw(m_def), sk_msg_raw(m_copy)));
	} else {
		CHECK(e2.line == e.line && e2.col == e.col && e2.why == e.why);
	}

	/* limits chosen by the first byte: tighter limits only add failures */
	unsigned prof = data[0] % NPROF;
	int rc3 = sk_msg_parse(m_prof[prof], buf, size, &e2);
	if (rc3 == 0) {
		CHECK(rc == 0);
		walk(m_prof[prof], buf, size);
		CHECK(same_summary(summarize(m_def), summarize(m_prof[prof])));
		CHECK(sk_msg_via_count(m_prof[prof]) <= profiles[prof].max_vias);
		CHECK(sk_msg_hdr_count(m_prof[prof]) <= profiles[prof].max_headers);
		CHECK(size <= profiles[prof].max_msg_size);
	} else {
		CHECK(e2.why != NULL);
		CHECK(rc3 == rc || rc3 == -SK_ETOOBIG);
	}
	if (rc != 0)
		return 0;

	/* print -> parse round trip */
	check_print(m_def, size % 70);

	/* derived messages */
	rebuild(m_def);
	if (sk_msg_is_request(m_def)) {
		build_from_request(m_def, data, size);
	} else {
		struct sk_build *b = NULL;
		CHECK(sk_build_response_to(&b, m_def, 200, NULL, "x") == -SK_EINVAL && !b);
		CHECK(sk_build_cancel(&b, m_def, NULL) == -SK_EINVAL);
		/* the ACK a UAC sends for this response to our INVITE */
		rc = sk_build_ack(&b, m_inv, m_def);
		if (!sk_msg_to(m_def))
			CHECK(rc == -SK_EINVAL);
		if (rc != 0)
			CHECK(rc == -SK_EINVAL);
		if (rc == 0) {
			finish_parse(b, m_built, "sk_build_ack output (fuzzed response)");
			CHECK(sk_str_eq(sk_msg_to(m_built)->tag, sk_msg_to(m_def)->tag));
			CHECK(sk_msg_addr_count(m_built, SK_HDR_ROUTE) == 2);
			sk_build_free(b);
		}
	}
	return 0;
}
