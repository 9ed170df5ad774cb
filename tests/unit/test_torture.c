/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conformance of the message parser against the SIP torture tests of RFC 4475
 * (tests/data/torture/{valid,invalid,semantic,extra,variants}) and RFC 5118
 * (tests/data/torture/ipv6: the raw archive bytes, and ipv6/wire: the same
 * messages with CRLF line ends and Content-Length recomputed).
 *
 * One cmocka test per message file of tests/data/torture/MANIFEST.tsv, named
 * after the file. What each test checks is data, not code: the expectations of
 * <file>.dat are in tests/data/torture/expect/<file>.expect (format in
 * tests/data/torture/expect/README), written from the RFC text, with the section
 * and the reasons as comments. This file is their interpreter:
 *   - accepted with the values its section describes, or rejected with an
 *     sk_parse_err naming the offending line and header, or flagged by sk_msg_check;
 *   - `roundtrip`: sk_msg_print, then sk_msg_parse again, gives the same start
 *     line, headers and typed values;
 *   - `frame`: sk_msg_frame on the whole file and on every prefix, each in a buffer
 *     of exactly that size so that ASan sees any read past the end.
 *
 * Checks are non-fatal (each failed one is printed with its expect file and line)
 * so that one test lists every deviation of its message; it fails at the end if any did.
 */
#include "sk_test.h"

#include <ctype.h>
#include <glob.h>

/* ======================================================================
 * Reporting
 * ====================================================================== */

static int g_fails;
static long g_checks;            /* expectations evaluated (all tests) */
static long g_prefixes;          /* of which sk_msg_frame on a prefix */
static const char *g_file = "-"; /* the message file */
static char g_where[300] = "-";  /* "expect/valid/wsinv.expect:12" */
static const char *g_text = "";  /* the expectation being checked */

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	char msg[1400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_error("    %s [%s] %s\n      (%.200s)\n", g_where, g_file, msg, g_text);
	g_fails++;
}

/* One expectation: counted, and reported when not met. */
static bool expect(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool expect(bool ok, const char *fmt, ...)
{
	char msg[1400];
	va_list ap;

	g_checks++;
	if (ok)
		return true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	note("%s", msg);
	return false;
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

/* ======================================================================
 * Fixture: the message bytes (exact-size heap copies), messages, buffers
 * ====================================================================== */

struct tcase {
	char file[128]; /* "valid/wsinv.dat" */
	char sect[64];  /* "RFC4475 3.1.1.1" */
};

struct fx {
	const struct tcase *tc;
	char *file; /* the message file, exact size */
	size_t filelen;
	/* the subject: the file, or a variant of it ([replace], [slice]) */
	char *buf;
	size_t len;
	struct sk_msg *sm; /* subject message: m for the file, m3 for a variant */
	struct sk_msg *m2; /* the printed message, parsed again */
	struct sk_msg *m, *m3;
	int rc; /* 1: not parsed yet */
	struct sk_parse_err err;
	char *out; /* printed by roundtrip, exact size, no NUL */
	size_t outlen;
	char scratch[4096]; /* unescaped values */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f || sk_msg_new(&f->m, NULL) != 0 || sk_msg_new(&f->m2, NULL) != 0 ||
	    sk_msg_new(&f->m3, NULL) != 0)
		return -1;
	f->tc = *state;
	*state = f;
	g_fails = 0;
	g_file = f->tc->file;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	sk_msg_free(f->m);
	sk_msg_free(f->m2);
	sk_msg_free(f->m3);
	if (f->buf != f->file)
		free(f->buf);
	free(f->file);
	free(f->out);
	free(f);
	return 0;
}

/* A copy of p[0..n) in a buffer of exactly that size. */
static char *exact_copy(const char *p, size_t n)
{
	char *d = malloc(n ? n : 1);

	assert_non_null(d);
	memcpy(d, p, n);
	return d;
}

/* Makes d[0..n) the subject (taking it), with a fresh message. */
static void set_subject(struct fx *f, char *d, size_t n, struct sk_msg *m)
{
	if (f->buf != f->file)
		free(f->buf);
	f->buf = d;
	f->len = n;
	f->sm = m;
	f->rc = 1;
	memset(&f->err, 0, sizeof(f->err));
}

/* ======================================================================
 * Values: "quoted with C escapes"*N, hex:0A1B..., or a bare word
 * ====================================================================== */

struct vbuf {
	char s[8192];
	size_t n;
	bool bare; /* one bare word: may be a keyword (absent, empty, true ...) */
};

static bool vb_add(struct vbuf *v, const char *p, size_t n)
{
	if (v->n + n >= sizeof(v->s))
		return false;
	memcpy(v->s + v->n, p, n);
	v->n += n;
	v->s[v->n] = '\0';
	return true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One quoted string at p (after the quote); appends it, returns the end or NULL. */
static const char *parse_quoted(const char *p, struct vbuf *v)
{
	for (; *p && *p != '"'; p++) {
		char c = *p;
		if (c == '\\') {
			p++;
			switch (*p) {
			case 'r': c = '\r'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '0': c = '\0'; break;
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case 'x':
				if (hexval(p[1]) < 0 || hexval(p[2]) < 0)
					return NULL;
				c = (char)(hexval(p[1]) * 16 + hexval(p[2]));
				p += 2;
				break;
			default: return NULL;
			}
		}
		if (!vb_add(v, &c, 1))
			return NULL;
	}
	return *p == '"' ? p + 1 : NULL;
}

/*
 * Parses a value at p into v. A value is a bare word (up to white space, or to
 * `stop`), or a sequence of "quoted"[*N] and hex:HEX tokens, concatenated; with
 * `rest`, a bare value runs to `stop` or the end of the line (it may hold spaces).
 * Returns where it ended, NULL on a syntax error.
 */
static const char *parse_value(const char *p, char stop, bool rest, struct vbuf *v)
{
	v->n = 0;
	v->s[0] = '\0';
	v->bare = false;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '"' && strncmp(p, "hex:", 4) != 0) {
		const char *e = p;
		while (*e && *e != stop && (rest || (*e != ' ' && *e != '\t')))
			e++;
		size_t n = (size_t)(e - p);
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		v->bare = true;
		return vb_add(v, p, n) ? e : NULL;
	}
	for (;;) {
		if (*p == '"') {
			size_t from = v->n;
			p = parse_quoted(p + 1, v);
			if (!p)
				return NULL;
			if (*p == '*') {
				char *e;
				long times = strtol(p + 1, &e, 10);
				if (e == p + 1 || times < 1)
					return NULL;
				p = e;
				size_t one = v->n - from;
				for (long i = 1; i < times; i++)
					if (!vb_add(v, v->s + from, one))
						return NULL;
			}
		} else if (!strncmp(p, "hex:", 4)) {
			for (p += 4; hexval(p[0]) >= 0 && hexval(p[1]) >= 0; p += 2) {
				char c = (char)(hexval(p[0]) * 16 + hexval(p[1]));
				if (!vb_add(v, &c, 1))
					return NULL;
			}
		} else {
			return NULL;
		}
		const char *q = p;
		while (*q == ' ' || *q == '\t')
			q++;
		if (!*q || *q == stop || (*q != '"' && strncmp(q, "hex:", 4) != 0) ||
		    (!rest && q != p))
			return p;
		p = q;
	}
}

static bool is_kw(const struct vbuf *v, const char *kw)
{
	return v->bare && !strcmp(v->s, kw);
}

/* ======================================================================
 * Paths: what an expectation names in the message
 * ====================================================================== */

enum vkind { V_STR, V_INT, V_BOOL, V_NAME, V_URI, V_LIST };

struct val {
	enum vkind k;
	struct sk_str s; /* V_STR, V_NAME; V_URI: its text */
	bool found;      /* V_STR of a parameter: present, with or without value */
	long long i;     /* V_INT, V_BOOL */
	const struct sk_uri *uri;
	enum sk_hdr_id id; /* V_LIST */
};

static struct val str_val(struct sk_str s)
{
	return (struct val){.k = V_STR, .s = s, .found = s.p != NULL};
}
static struct val int_val(long long i)
{
	return (struct val){.k = V_INT, .i = i};
}
static struct val bool_val(bool b)
{
	return (struct val){.k = V_BOOL, .i = b};
}
static struct val name_val(const char *s)
{
	return (struct val){.k = V_NAME, .s = sk_str_c(s)};
}

/* One path segment: name, optional [index], optional (argument). */
struct seg {
	char name[32];
	long idx; /* -1: none */
	struct vbuf *arg;
	bool has_arg;
};

/* Reads the segment at *pp ("via[2]", "param(lr)", "uri"); false on a syntax error. */
static bool next_seg(const char **pp, struct seg *s)
{
	const char *p = *pp;
	size_t n = 0;

	s->idx = -1;
	s->has_arg = false;
	while (isalnum((unsigned char)*p) || *p == '_') {
		if (n + 1 >= sizeof(s->name))
			return false;
		s->name[n++] = *p++;
	}
	s->name[n] = '\0';
	if (!n)
		return false;
	if (*p == '(') {
		p = parse_value(p + 1, ')', true, s->arg);
		if (!p || *p != ')')
			return false;
		p++;
		s->has_arg = true;
	}
	if (*p == '[') {
		char *e;
		s->idx = strtol(p + 1, &e, 10);
		if (e == p + 1 || *e != ']' || s->idx < 0)
			return false;
		p = e + 1;
	}
	if (*p == '.')
		p++;
	else if (*p)
		return false;
	*pp = p;
	return true;
}

static const char *const scheme_names[] = {"none", "sip", "sips", "tel", "other"};
static const char *const host_names[] = {"none", "name", "ipv4", "ipv6"};

static const char *enum_name(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : "?";
}

static const char *hdr_id_name(enum sk_hdr_id id)
{
	return id == SK_HDR_OTHER ? "other" : sk_hdr_name(id);
}

/* A parameter in a ";a=b;c" list found by name: found/absent, value or no value. */
static struct val param_val(struct sk_str params, const char *name, bool uri,
                            const struct sk_uri *u)
{
	struct sk_str v = SK_STR_NULL;
	int rc = uri ? sk_uri_param(u, name, &v) : sk_param_find(params, name, &v);
	struct val r = str_val(rc == 0 ? v : SK_STR_NULL);
	r.found = rc == 0;
	return r;
}

/* The one parameter whose unescaped name is `name`; its value unescaped. */
static bool uparam_val(struct fx *f, struct sk_str params, const char *name, struct val *out)
{
	size_t pos = 0, hits = 0;
	struct sk_str pn, pv;
	char tmp[512];

	while (sk_param_next(params, &pos, &pn, &pv)) {
		int k = sk_uri_unescape(pn, tmp, sizeof(tmp));
		if (k < 0 || (size_t)k != strlen(name) || memcmp(tmp, name, (size_t)k) != 0)
			continue;
		hits++;
		*out = str_val(SK_STR_NULL);
		out->found = true;
		if (pv.p) {
			k = sk_uri_unescape(pv, f->scratch, sizeof(f->scratch));
			if (k < 0)
				return expect(false, "parameter %s: value %s does not unescape",
				              name, show(pv));
			out->s = (struct sk_str){f->scratch, (size_t)k};
		}
	}
	if (hits == 0) {
		*out = str_val(SK_STR_NULL);
		return true;
	}
	return expect(hits == 1, "%zu parameters unescape to the name %s, expected one", hits,
	              name);
}

/* Follows the rest of a path from a URI. */
static bool uri_field(struct fx *f, const struct sk_uri *u, struct seg *s, struct val *out)
{
	const char *n = s->name;
	if (!strcmp(n, "scheme"))
		*out = name_val(enum_name(scheme_names, 5, u->scheme));
	else if (!strcmp(n, "host_type"))
		*out = name_val(enum_name(host_names, 4, u->host_type));
	else if (!strcmp(n, "port"))
		*out = int_val(u->port);
	else if (!strcmp(n, "raw"))
		*out = str_val(u->raw);
	else if (!strcmp(n, "scheme_str"))
		*out = str_val(u->scheme_str);
	else if (!strcmp(n, "user"))
		*out = str_val(u->user);
	else if (!strcmp(n, "password"))
		*out = str_val(u->password);
	else if (!strcmp(n, "host"))
		*out = str_val(u->host);
	else if (!strcmp(n, "port_str"))
		*out = str_val(u->port_str);
	else if (!strcmp(n, "params"))
		*out = str_val(u->params);
	else if (!strcmp(n, "headers"))
		*out = str_val(u->headers);
	else if (!strcmp(n, "opaque"))
		*out = str_val(u->opaque);
	else if (!strcmp(n, "param") && s->has_arg)
		*out = param_val(u->params, s->arg->s, true, u);
	else if (!strcmp(n, "uparam") && s->has_arg)
		return uparam_val(f, u->params, s->arg->s, out);
	else
		return expect(false, "unknown URI field \"%s\"", n);
	return true;
}

static bool addr_field(struct fx *f, const struct sk_addr *a, struct seg *s, const char **pp,
                       struct val *out)
{
	const char *n = s->name;
	if (!strcmp(n, "uri")) {
		if (!**pp) {
			*out = (struct val){
			    .k = V_URI, .s = a->uri.raw, .uri = &a->uri, .found = true};
			return true;
		}
		if (!next_seg(pp, s))
			return expect(false, "bad path");
		return uri_field(f, &a->uri, s, out);
	}
	if (!strcmp(n, "raw"))
		*out = str_val(a->raw);
	else if (!strcmp(n, "display"))
		*out = str_val(a->display);
	else if (!strcmp(n, "params"))
		*out = str_val(a->params);
	else if (!strcmp(n, "tag"))
		*out = str_val(a->tag);
	else if (!strcmp(n, "expires"))
		*out = str_val(a->expires);
	else if (!strcmp(n, "q"))
		*out = str_val(a->q);
	else if (!strcmp(n, "angle"))
		*out = bool_val(a->angle);
	else if (!strcmp(n, "star"))
		*out = bool_val(a->star);
	else if (!strcmp(n, "param") && s->has_arg)
		*out = param_val(a->params, s->arg->s, false, NULL);
	else
		return expect(false, "unknown address field \"%s\"", n);
	return true;
}

static bool via_field(const struct sk_msg *m, const struct sk_via *v, struct seg *s,
                      struct val *out)
{
	const char *n = s->name;
	if (!strcmp(n, "host_type"))
		*out = name_val(enum_name(host_names, 4, v->host_type));
	else if (!strcmp(n, "port"))
		*out = int_val(v->port);
	else if (!strcmp(n, "line")) /* the line of the header it came from */
		*out = int_val(sk_msg_hdr_at(m, v->hdr) ? sk_msg_hdr_at(m, v->hdr)->line : 0);
	else if (!strcmp(n, "branch_is_3261"))
		*out = bool_val(sk_via_branch_is_3261(v));
	else if (!strcmp(n, "raw"))
		*out = str_val(v->raw);
	else if (!strcmp(n, "proto_name"))
		*out = str_val(v->proto_name);
	else if (!strcmp(n, "proto_version"))
		*out = str_val(v->proto_version);
	else if (!strcmp(n, "transport"))
		*out = str_val(v->transport);
	else if (!strcmp(n, "host"))
		*out = str_val(v->host);
	else if (!strcmp(n, "port_str"))
		*out = str_val(v->port_str);
	else if (!strcmp(n, "params"))
		*out = str_val(v->params);
	else if (!strcmp(n, "branch"))
		*out = str_val(v->branch);
	else if (!strcmp(n, "received"))
		*out = str_val(v->received);
	else if (!strcmp(n, "rport"))
		*out = str_val(v->rport);
	else if (!strcmp(n, "maddr"))
		*out = str_val(v->maddr);
	else if (!strcmp(n, "ttl"))
		*out = str_val(v->ttl);
	else
		return expect(false, "unknown Via field \"%s\"", n);
	return true;
}

/* The header id of an address list name: contact, route, record_route. */
static enum sk_hdr_id addr_list_id(const char *n)
{
	if (!strcmp(n, "contact"))
		return SK_HDR_CONTACT;
	if (!strcmp(n, "route"))
		return SK_HDR_ROUTE;
	if (!strcmp(n, "record_route"))
		return SK_HDR_RECORD_ROUTE;
	return SK_HDR_OTHER;
}

/* hdr(NAME)[k]: the k-th line of that header (by id for known names). */
static const struct sk_hdr *hdr_line(const struct sk_msg *m, const char *name, long k)
{
	const struct sk_hdr *h = sk_msg_hdr_find(m, name);
	for (long i = 0; h && i < k; i++)
		h = h->next == UINT32_MAX ? NULL : sk_msg_hdr_at(m, h->next);
	return h;
}

static bool body_field(struct fx *f, const struct sk_msg *m, const char *n, struct val *out)
{
	struct sk_str b = sk_msg_body(m);
	if (!strcmp(n, "len")) {
		*out = int_val((long long)b.len);
	} else if (!strcmp(n, "at_end")) { /* ends where the datagram ends */
		*out = bool_val(!b.p || b.p + b.len == f->buf + f->len);
	} else if (!strcmp(n, "follows_empty_line")) {
		const char *blank = memmem(f->buf, f->len, "\r\n\r\n", 4);
		*out = bool_val(blank && b.p == blank + 4);
	} else if (!strcmp(n, "bare_lf") || !strcmp(n, "nul")) {
		long long k = 0;
		for (size_t i = 0; i < b.len; i++)
			k += n[0] == 'n' ? b.p[i] == '\0'
			                 : b.p[i] == '\n' && (i == 0 || b.p[i - 1] != '\r');
		*out = int_val(k);
	} else {
		return expect(false, "unknown body field \"%s\"", n);
	}
	return true;
}

static int first_status_of(const struct sk_msg *m);

/* Resolves a path (first segment already read) on message m. */
static bool resolve_msg(struct fx *f, const struct sk_msg *m, struct seg *s, const char **pp,
                        struct val *out)
{
	const char *n = s->name;
	const struct sk_addr *a = NULL;
	enum sk_hdr_id lid;

	if (!strcmp(n, "is_request"))
		*out = bool_val(sk_msg_is_request(m));
	else if (!strcmp(n, "status"))
		*out = int_val(sk_msg_status(m));
	else if (!strcmp(n, "method"))
		*out = str_val(sk_msg_method(m));
	else if (!strcmp(n, "version"))
		*out = str_val(sk_msg_version(m));
	else if (!strcmp(n, "reason"))
		*out = str_val(sk_msg_reason_phrase(m));
	else if (!strcmp(n, "start_line"))
		*out = str_val(sk_msg_start_line(m));
	else if (!strcmp(n, "call_id"))
		*out = str_val(sk_msg_call_id(m));
	else if (!strcmp(n, "content_type"))
		*out = str_val(sk_msg_content_type(m));
	else if (!strcmp(n, "max_forwards"))
		*out = int_val(sk_msg_max_forwards(m));
	else if (!strcmp(n, "content_length"))
		*out = int_val(sk_msg_content_length(m));
	else if (!strcmp(n, "expires"))
		*out = int_val(sk_msg_expires(m));
	else if (!strcmp(n, "ruri")) {
		const struct sk_uri *u = sk_msg_ruri(m);
		if (!**pp) {
			*out = (struct val){
			    .k = V_URI, .s = sk_msg_ruri_str(m), .uri = u, .found = u != NULL};
			return true;
		}
		if (!expect(u != NULL, "no Request-URI"))
			return false;
		if (!next_seg(pp, s))
			return expect(false, "bad path");
		return uri_field(f, u, s, out);
	} else if (!strcmp(n, "to") || !strcmp(n, "from") ||
	           (lid = addr_list_id(n)) != SK_HDR_OTHER) {
		if (!strcmp(n, "to") || !strcmp(n, "from")) {
			a = n[0] == 't' ? sk_msg_to(m) : sk_msg_from(m);
			if (!**pp) { /* the header itself: present or absent */
				*out = str_val(a ? a->raw : SK_STR_NULL);
				out->found = a != NULL;
				return true;
			}
			if (!expect(a != NULL, "no %s", n[0] == 't' ? "To" : "From"))
				return false;
		} else {
			size_t i = s->idx < 0 ? 0 : (size_t)s->idx;
			a = sk_msg_addr(m, lid, i);
			if (!expect(a != NULL, "%s value #%zu absent (%zu values)",
			            sk_hdr_name(lid), i + 1, sk_msg_addr_count(m, lid)))
				return false;
		}
		if (!next_seg(pp, s))
			return expect(false, "bad path: an address needs a field");
		return addr_field(f, a, s, pp, out);
	} else if (!strcmp(n, "via")) {
		size_t i = s->idx < 0 ? 0 : (size_t)s->idx;
		const struct sk_via *v = sk_msg_via(m, i);
		if (!expect(v != NULL, "Via #%zu absent (%zu Via values)", i + 1,
		            sk_msg_via_count(m)))
			return false;
		if (!next_seg(pp, s))
			return expect(false, "bad path: a Via needs a field");
		return via_field(m, v, s, out);
	} else if (!strcmp(n, "cseq")) {
		const struct sk_cseq *c = sk_msg_cseq(m);
		if (!expect(c != NULL, "CSeq absent") || !next_seg(pp, s))
			return false;
		if (!strcmp(s->name, "num"))
			*out = int_val(c->num);
		else if (!strcmp(s->name, "method"))
			*out = str_val(c->method);
		else
			return expect(false, "unknown CSeq field \"%s\"", s->name);
	} else if (!strcmp(n, "hdr") && s->has_arg) {
		const struct sk_hdr *h = hdr_line(m, s->arg->s, s->idx < 0 ? 0 : s->idx);
		if (!**pp) { /* the header itself: present or absent */
			*out = str_val(h ? h->value : SK_STR_NULL);
			out->found = h != NULL;
			return true;
		}
		if (!expect(h != NULL, "no header %s", s->arg->s) || !next_seg(pp, s))
			return false;
		if (!strcmp(s->name, "value"))
			*out = str_val(h->value);
		else if (!strcmp(s->name, "name"))
			*out = str_val(h->name);
		else if (!strcmp(s->name, "line"))
			*out = int_val(h->line);
		else if (!strcmp(s->name, "id"))
			*out = name_val(hdr_id_name(h->id));
		else
			return expect(false, "unknown header field \"%s\"", s->name);
	} else if (!strcmp(n, "list") && s->has_arg) {
		enum sk_hdr_id id = sk_hdr_lookup(s->arg->s, strlen(s->arg->s));
		if (s->idx < 0) {
			*out = (struct val){.k = V_LIST, .id = id};
			return true;
		}
		struct sk_list_iter it = {0};
		struct sk_str v;
		long k = 0;
		while (sk_msg_list_next(m, id, &it, &v) && k < s->idx)
			k++;
		if (!expect(k == s->idx && v.p, "%s has no value #%ld", s->arg->s, s->idx + 1))
			return false;
		*out = str_val(v);
	} else if (!strcmp(n, "body")) {
		if (**pp) {
			if (!next_seg(pp, s))
				return expect(false, "bad path");
			return body_field(f, m, s->name, out);
		}
		*out = str_val(sk_msg_body(m));
	} else if (!strcmp(n, "raw")) {
		struct sk_str r = sk_msg_raw(m);
		if (**pp) {
			if (!next_seg(pp, s))
				return expect(false, "bad path");
			if (!strcmp(s->name, "len"))
				*out = int_val((long long)r.len);
			else if (!strcmp(s->name, "offset")) /* from the start of the datagram */
				*out = int_val(r.p ? r.p - f->buf : -1);
			else
				return expect(false, "unknown raw field \"%s\"", s->name);
			return true;
		}
		*out = str_val(r);
	} else if (!strcmp(n, "check") && !strcmp(*pp, "status")) {
		*pp += strlen(*pp);
		*out = int_val(first_status_of(m));
	} else {
		return expect(false, "unknown path \"%s\"", n);
	}
	return true;
}

/* Resolves a whole path on the subject; suffixes .unescaped and .len on strings. */
static bool resolve(struct fx *f, const char *path, struct val *out)
{
	static struct vbuf arg;
	struct seg s = {.arg = &arg};
	const char *p = path;

	if (!next_seg(&p, &s))
		return expect(false, "bad path \"%s\"", path);
	if (!strcmp(s.name, "file")) {
		*out = str_val((struct sk_str){f->buf, f->len});
	} else if (!strcmp(s.name, "printed")) {
		if (!expect(f->out != NULL, "nothing printed: `roundtrip` comes first"))
			return false;
		*out = str_val((struct sk_str){f->out, f->outlen});
	} else if (!strcmp(s.name, "lookup") && s.has_arg) {
		*out = name_val(hdr_id_name(sk_hdr_lookup(s.arg->s, strlen(s.arg->s))));
	} else if (!strcmp(s.name, "reparsed")) {
		if (!expect(f->out != NULL, "nothing reparsed: `roundtrip` comes first") ||
		    !next_seg(&p, &s) || !resolve_msg(f, f->m2, &s, &p, out))
			return false;
	} else if (!resolve_msg(f, f->sm, &s, &p, out)) {
		return false;
	}
	while (*p) {
		if (!next_seg(&p, &s) || out->k != V_STR)
			return expect(false, "bad path \"%s\"", path);
		if (!strcmp(s.name, "len")) {
			*out = int_val((long long)out->s.len);
		} else if (!strcmp(s.name, "unescaped")) {
			int k =
			    out->s.p ? sk_uri_unescape(out->s, f->scratch, sizeof(f->scratch)) : -1;
			if (!expect(k >= 0, "%s does not unescape", show(out->s)))
				return false;
			*out = str_val((struct sk_str){f->scratch, (size_t)k});
		} else {
			return expect(false, "unknown suffix \"%s\"", s.name);
		}
	}
	return true;
}

/* ======================================================================
 * Comparing a value with an expectation
 * ====================================================================== */

static bool parse_uri_lit(const struct vbuf *v, struct sk_uri *u)
{
	const char *why = NULL;
	return expect(sk_uri_parse(u, (struct sk_str){v->s, v->n}, &why) == 0,
	              "the expected URI %s does not parse: %s", show_mem(v->s, v->n),
	              why ? why : "");
}

static bool mem_has(struct sk_str h, const char *p, size_t n)
{
	return h.p && memmem(h.p, h.len, p, n) != NULL;
}

/* path OP value */
static void compare(struct fx *f, const char *path, const char *op, const struct vbuf *v)
{
	struct val a;
	const char *want = show_mem(v->s, v->n);

	if (!resolve(f, path, &a))
		return;
	if (!strcmp(op, "=uri") || !strcmp(op, "!=uri")) {
		struct sk_uri u;
		bool eq = op[0] == '=';
		if (!expect(a.k == V_URI && a.uri, "%s is no URI", path) || !parse_uri_lit(v, &u))
			return;
		expect(sk_uri_equal(a.uri, &u) == eq, "%s (%s) %s %s (RFC 3261 §19.1.4)", path,
		       show(a.s), eq ? "differs from" : "equals", want);
		return;
	}
	if (a.k == V_LIST) {
		bool has = sk_msg_list_has(f->sm, a.id, v->s);
		if (!strcmp(op, "has") || !strcmp(op, "lacks"))
			expect(has == (op[0] == 'h'), "%s %s %s", path, has ? "has" : "lacks",
			       want);
		else
			expect(false, "a list takes `has` or `lacks`");
		return;
	}
	if (a.k == V_INT || a.k == V_BOOL) {
		long long w;
		char *e;
		if (a.k == V_BOOL && (is_kw(v, "true") || is_kw(v, "false"))) {
			w = is_kw(v, "true");
		} else if (v->bare && v->s[0] == '@') { /* another number of the message */
			struct val b;
			if (!resolve(f, v->s + 1, &b) ||
			    !expect(b.k == V_INT, "%s is not a number", v->s + 1))
				return;
			w = b.i;
		} else {
			w = strtoll(v->s, &e, 10);
			if (!expect(v->bare && e != v->s && !*e, "expected a number, got %s", want))
				return;
		}
		if (!strcmp(op, "=") && a.k == V_BOOL)
			expect(a.i == w, "%s is %s, expected %s", path, a.i ? "true" : "false",
			       w ? "true" : "false");
		else if (!strcmp(op, "="))
			expect(a.i == w, "%s is %lld, expected %lld", path, a.i, w);
		else if (!strcmp(op, "!="))
			expect(a.i != w, "%s is %lld, expected anything else", path, a.i);
		else if (!strcmp(op, ">"))
			expect(a.i > w, "%s is %lld, expected more than %lld", path, a.i, w);
		else
			expect(false, "operator %s does not apply to a number", op);
		return;
	}
	struct sk_str s = a.s;
	bool eq;
	if (!strcmp(op, "=") && a.k != V_NAME && v->bare) {
		if (is_kw(v, "absent")) {
			expect(!a.found, "%s is %s, expected absent", path, show(s));
			return;
		}
		if (is_kw(v, "novalue")) {
			expect(a.found && !s.p, "%s is %s, expected present without a value", path,
			       a.found ? show(s) : "absent");
			return;
		}
		if (is_kw(v, "present")) {
			expect(a.found, "%s is absent, expected present", path);
			return;
		}
		if (is_kw(v, "empty")) {
			expect(s.p && !s.len, "%s is %s, expected present and empty", path,
			       show(s));
			return;
		}
	}
	if (!strcmp(op, "=") || !strcmp(op, "!=")) {
		eq = a.k == V_NAME ? sk_str_caseeq_c(s, v->s) : view_is(s, v->s, v->n);
		expect(eq == (op[0] == '='), "%s is %s, expected %s%s", path, show(s),
		       op[0] == '=' ? "" : "anything but ", want);
	} else if (!strcmp(op, "=i") || !strcmp(op, "!=i")) {
		eq = s.p && s.len == v->n && !strncasecmp(s.p, v->s, v->n);
		expect(eq == (op[0] == '='), "%s is %s, expected %s%s (ignoring case)", path,
		       show(s), op[0] == '=' ? "" : "anything but ", want);
	} else if (!strcmp(op, "starts")) {
		expect(s.p && s.len >= v->n && !memcmp(s.p, v->s, v->n),
		       "%s (%s) does not start with %s", path, show(s), want);
	} else if (!strcmp(op, "ends")) {
		expect(s.p && s.len >= v->n && !memcmp(s.p + s.len - v->n, v->s, v->n),
		       "%s (%s) does not end with %s", path, show(s), want);
	} else if (!strcmp(op, "has") || !strcmp(op, "lacks")) {
		eq = mem_has(s, v->s, v->n);
		expect(eq == (op[0] == 'h'), "%s (%s) %s %s", path, show(s),
		       eq ? "contains" : "does not contain", want);
	} else {
		expect(false, "unknown operator %s", op);
	}
}

/* ======================================================================
 * Parse outcome: accept, reject
 * ====================================================================== */

static void do_parse(struct fx *f, bool stream)
{
	memset(&f->err, 0, sizeof(f->err));
	f->rc = stream ? sk_msg_parse_stream(f->sm, f->buf, f->len, &f->err)
	               : sk_msg_parse(f->sm, f->buf, f->len, &f->err);
}

/* key=value arguments of reject/finding/frame: returns the value or NULL. */
static const char *arg_of(const char *args, const char *key, struct vbuf *v)
{
	size_t kl = strlen(key);
	for (const char *p = args; (p = strstr(p, key)) != NULL; p += kl)
		if ((p == args || p[-1] == ' ' || p[-1] == '\t') && p[kl] == '=') {
			if (!p[kl + 1] || p[kl + 1] == ' ' || p[kl + 1] == '\t') {
				v->n = 0; /* key= with nothing: empty */
				v->s[0] = '\0';
				return v->s;
			}
			return parse_value(p + kl + 1, 0, false, v) ? v->s : NULL;
		}
	return NULL;
}

static void check_reject(struct fx *f, const char *args)
{
	struct vbuf v;
	const char *why = f->err.why ? f->err.why : "(null)";

	if (!expect(f->rc < 0, "accepted, but the RFC says reject (%s)", args))
		return;
	if (arg_of(args, "line", &v))
		expect(f->err.line == (uint32_t)atol(v.s), "err.line is %u, expected %s (why: %s)",
		       f->err.line, v.s, why);
	if (arg_of(args, "hdr", &v))
		expect(!strcmp(f->err.hdr, v.s), "err.hdr is \"%s\", expected \"%s\" (why: %s)",
		       f->err.hdr, v.s, why);
	expect(f->err.why && f->err.why[0], "err.why is empty");
	if (arg_of(args, "status", &v))
		expect(f->err.status == atoi(v.s), "err.status is %d, expected %s (why: %s)",
		       f->err.status, v.s, why);
}

/* ======================================================================
 * Semantic findings (sk_msg_check)
 * ====================================================================== */

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

/* The status a UAS answers: the first finding with a status, 0 when none. */
static int first_status_of(const struct sk_msg *m)
{
	struct findings r = findings_of(m);
	for (size_t i = 0; i < r.n; i++)
		if (r.f[i].status)
			return r.f[i].status;
	return 0;
}

static void dump_findings(const struct findings *r)
{
	for (size_t i = 0; i < r->n; i++)
		print_error("      finding: issue %d status %d hdr \"%s\": %s\n", r->f[i].issue,
		            r->f[i].status, r->f[i].hdr, r->f[i].why ? r->f[i].why : "");
}

#define ISSUE(x)                                                                                   \
	{                                                                                          \
#x, x                                                                              \
	}
static const struct {
	const char *name;
	enum sk_msg_issue issue;
} issues[] = {
    ISSUE(SK_ISSUE_MISSING_HDR),        ISSUE(SK_ISSUE_DUPLICATE_HDR),
    ISSUE(SK_ISSUE_CL_CONFLICT),        ISSUE(SK_ISSUE_CSEQ_METHOD),
    ISSUE(SK_ISSUE_URI_SCHEME),         ISSUE(SK_ISSUE_MAX_FORWARDS_ZERO),
    ISSUE(SK_ISSUE_BRANCH_COOKIE_ONLY), ISSUE(SK_ISSUE_NO_BRANCH),
    ISSUE(SK_ISSUE_OUT_OF_RANGE),
};

/* finding ISSUE [hdr=H] status=N, or (want == false) no-finding ISSUE [hdr=H] */
static void check_finding(struct fx *f, const char *args, bool want)
{
	struct vbuf name, hv, st;
	const char *hdr = arg_of(args, "hdr", &hv);
	const struct sk_msg_finding *x = NULL;
	size_t k;

	if (!parse_value(args, 0, false, &name))
		name.s[0] = '\0';
	for (k = 0; k < sizeof(issues) / sizeof(issues[0]); k++)
		if (!strcmp(issues[k].name, name.s))
			break;
	if (!expect(k < sizeof(issues) / sizeof(issues[0]), "unknown issue \"%s\"", name.s))
		return;
	struct findings r = findings_of(f->sm);
	for (size_t i = 0; i < r.n && !x; i++)
		if (r.f[i].issue == issues[k].issue && (!hdr || !strcmp(r.f[i].hdr, hdr)))
			x = &r.f[i];
	if (!want) {
		if (!expect(!x, "sk_msg_check: unexpected %s for \"%s\"", name.s, hdr ? hdr : "*"))
			dump_findings(&r);
		return;
	}
	if (!expect(x != NULL, "sk_msg_check: no %s for \"%s\"", name.s, hdr ? hdr : "*")) {
		dump_findings(&r);
		return;
	}
	if (arg_of(args, "status", &st))
		expect(x->status == atoi(st.s),
		       "sk_msg_check: %s for \"%s\" has status %d, expected %s", name.s, x->hdr,
		       x->status, st.s);
	expect(x->why && x->why[0], "sk_msg_check: %s without a reason", name.s);
}

/* ======================================================================
 * Round trip: print, parse again, compare
 * ====================================================================== */

static void cmp_uri(const char *what, const struct sk_uri *a, const struct sk_uri *b)
{
	expect(a->scheme == b->scheme && sk_str_eq(a->raw, b->raw) && sk_str_eq(a->host, b->host) &&
	           a->port == b->port && sk_str_eq(a->user, b->user) &&
	           sk_str_eq(a->params, b->params) && sk_str_eq(a->headers, b->headers),
	       "round trip: %s URI %s became %s", what, show(a->raw), show(b->raw));
}

static void cmp_addr(const char *what, const struct sk_addr *a, const struct sk_addr *b)
{
	if (!a || !b) {
		expect(a == b, "round trip: %s present %d, after %d", what, a != NULL, b != NULL);
		return;
	}
	cmp_uri(what, &a->uri, &b->uri);
	expect(sk_str_eq(a->display, b->display) && sk_str_eq(a->tag, b->tag) &&
	           sk_str_eq(a->params, b->params) &&
	           sk_str_present(a->tag) == sk_str_present(b->tag) && a->angle == b->angle &&
	           a->star == b->star,
	       "round trip: %s %s became %s", what, show(a->raw), show(b->raw));
}

static size_t count_non_cl(const struct sk_msg *m)
{
	size_t n = 0;
	for (size_t i = 0; i < sk_msg_hdr_count(m); i++)
		if (sk_msg_hdr_at(m, i)->id != SK_HDR_CONTENT_LENGTH)
			n++;
	return n;
}

/* The same headers but Content-Length, in order, with the same values. */
static void cmp_headers(const struct sk_msg *a, const struct sk_msg *b)
{
	size_t na = count_non_cl(a), nb = count_non_cl(b);

	expect(na == nb, "round trip: %zu headers (without Content-Length) became %zu", na, nb);
	if (sk_msg_hdr_num(a, SK_HDR_CONTENT_LENGTH) == 1)
		expect(sk_msg_hdr_count(b) == sk_msg_hdr_count(a),
		       "round trip: %zu headers became %zu", sk_msg_hdr_count(a),
		       sk_msg_hdr_count(b));
	expect(sk_msg_hdr_num(b, SK_HDR_CONTENT_LENGTH) == 1,
	       "round trip: %zu Content-Length headers printed",
	       sk_msg_hdr_num(b, SK_HDR_CONTENT_LENGTH));
	expect(sk_msg_content_length(b) == (long)sk_msg_body(a).len,
	       "round trip: Content-Length %ld for a body of %zu bytes", sk_msg_content_length(b),
	       sk_msg_body(a).len);
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
		if (!expect(ha->id == hb->id && sk_str_eq(ha->value, hb->value) &&
		                (ha->id != SK_HDR_OTHER || sk_str_eq(ha->name, hb->name)),
		            "round trip: header %s: %s became %s: %s", show(ha->name),
		            show(ha->value), show(hb->name), show(hb->value)))
			break;
	}
}

static void cmp_typed(const struct sk_msg *a, const struct sk_msg *b)
{
	expect(sk_msg_via_count(b) == sk_msg_via_count(a), "round trip: %zu Via values became %zu",
	       sk_msg_via_count(a), sk_msg_via_count(b));
	for (size_t i = 0; i < sk_msg_via_count(a) && i < sk_msg_via_count(b); i++) {
		const struct sk_via *va = sk_msg_via(a, i), *vb = sk_msg_via(b, i);
		expect(sk_str_eq(va->host, vb->host) && va->port == vb->port &&
		           sk_str_eq(va->transport, vb->transport) &&
		           sk_str_eq(va->branch, vb->branch) &&
		           sk_str_present(va->branch) == sk_str_present(vb->branch) &&
		           sk_str_eq(va->received, vb->received) && va->host_type == vb->host_type,
		       "round trip: Via #%zu %s became %s", i + 1, show(va->raw), show(vb->raw));
	}
	cmp_addr("From", sk_msg_from(a), sk_msg_from(b));
	cmp_addr("To", sk_msg_to(a), sk_msg_to(b));
	expect(sk_str_eq(sk_msg_call_id(a), sk_msg_call_id(b)) &&
	           sk_str_present(sk_msg_call_id(a)) == sk_str_present(sk_msg_call_id(b)),
	       "round trip: Call-ID %s became %s", show(sk_msg_call_id(a)),
	       show(sk_msg_call_id(b)));
	const struct sk_cseq *ca = sk_msg_cseq(a), *cb = sk_msg_cseq(b);
	expect((ca == NULL) == (cb == NULL) &&
	           (!ca || (ca->num == cb->num && sk_str_eq(ca->method, cb->method))),
	       "round trip: CSeq changed");
	expect(sk_msg_max_forwards(b) == sk_msg_max_forwards(a),
	       "round trip: Max-Forwards %d became %d", sk_msg_max_forwards(a),
	       sk_msg_max_forwards(b));
	expect(sk_str_eq(sk_msg_content_type(a), sk_msg_content_type(b)),
	       "round trip: Content-Type %s became %s", show(sk_msg_content_type(a)),
	       show(sk_msg_content_type(b)));
	static const enum sk_hdr_id lists[] = {SK_HDR_CONTACT, SK_HDR_ROUTE, SK_HDR_RECORD_ROUTE};
	for (size_t k = 0; k < 3; k++) {
		size_t c = sk_msg_addr_count(a, lists[k]);
		if (!expect(sk_msg_addr_count(b, lists[k]) == c,
		            "round trip: %zu %s values became %zu", c, sk_hdr_name(lists[k]),
		            sk_msg_addr_count(b, lists[k])))
			continue;
		for (size_t i = 0; i < c; i++)
			cmp_addr(sk_hdr_name(lists[k]), sk_msg_addr(a, lists[k], i),
			         sk_msg_addr(b, lists[k], i));
	}
	expect(sk_str_eq(sk_msg_body(a), sk_msg_body(b)),
	       "round trip: body of %zu bytes became %zu bytes", sk_msg_body(a).len,
	       sk_msg_body(b).len);
}

/*
 * sk_msg_print writes every header but Content-Length, then one Content-Length
 * computed from the body (msg.h). So the reparsed message must have the same
 * non-Content-Length headers, in order, with the same values, and exactly one
 * Content-Length equal to the body length.
 */
static void check_roundtrip(struct fx *f)
{
	const struct sk_msg *a = f->sm;
	struct sk_msg *b = f->m2;
	struct sk_parse_err e;
	size_t n = sk_msg_print(a, NULL, 0);
	char *tmp = malloc(n + 1);

	assert_non_null(tmp);
	size_t n2 = sk_msg_print(a, tmp, n + 1);
	expect(n2 == n, "sk_msg_print: size %zu then %zu", n, n2);
	free(f->out);
	f->out = exact_copy(tmp, n); /* exact size: ASan sees over-reads */
	f->outlen = n;
	free(tmp);

	if (!expect(sk_msg_parse(b, f->out, n, &e) == 0,
	            "round trip: printed message does not parse: line %u hdr \"%s\": %s", e.line,
	            e.hdr, e.why ? e.why : ""))
		return;
	expect(sk_str_eq(sk_msg_start_line(a), sk_msg_start_line(b)),
	       "round trip: start line %s became %s", show(sk_msg_start_line(a)),
	       show(sk_msg_start_line(b)));
	expect(sk_msg_is_request(b) == sk_msg_is_request(a),
	       "round trip: request/response changed");
	expect(sk_str_eq(sk_msg_method(a), sk_msg_method(b)), "round trip: method changed");
	expect(sk_str_eq(sk_msg_ruri_str(a), sk_msg_ruri_str(b)),
	       "round trip: Request-URI changed");
	expect(sk_msg_status(b) == sk_msg_status(a), "round trip: status changed");
	expect(sk_str_eq(sk_msg_reason_phrase(a), sk_msg_reason_phrase(b)),
	       "round trip: reason phrase changed");
	cmp_headers(a, b);
	cmp_typed(a, b);
}

/* ======================================================================
 * Stream framing
 * ====================================================================== */

/*
 * frame ok [len=N] [skip=N] | again | bad | any: the whole subject, then every
 * prefix in its own buffer of exactly that size. ok: 0 with N bytes (default: all)
 * after `skip` bytes, and -SK_EAGAIN for every shorter prefix; again: -SK_EAGAIN;
 * bad: -SK_EMALFORMED naming Content-Length; any (raw RFC 5118 archive bytes): no
 * expectation for the whole, but once it frames, its prefixes must wait. For
 * again/bad/any a prefix gives -SK_EAGAIN or the whole-file result.
 */
static void check_frame(struct fx *f, const char *args)
{
	struct vbuf kind, v;
	struct sk_parse_err e = {0};
	size_t skip = 99, mlen = 99, want_len = f->len, want_skip = 0;
	int full = sk_msg_frame(f->buf, f->len, NULL, &skip, &mlen, &e);
	bool ok_kind;

	if (!parse_value(args, 0, false, &kind))
		kind.s[0] = '\0';
	if (arg_of(args, "skip", &v))
		want_skip = (size_t)atol(v.s);
	if (arg_of(args, "len", &v))
		want_len = (size_t)atol(v.s);
	else
		want_len -= want_skip;
	ok_kind = !strcmp(kind.s, "ok");
	if (ok_kind) {
		if (expect(full == 0, "sk_msg_frame(whole) = %d (%s), expected 0 with %zu bytes",
		           full, e.why ? e.why : "", want_len))
			expect(skip == want_skip && mlen == want_len,
			       "sk_msg_frame: skip %zu len %zu, expected %zu and %zu", skip, mlen,
			       want_skip, want_len);
	} else if (!strcmp(kind.s, "again")) {
		expect(full == -SK_EAGAIN, "sk_msg_frame(whole) = %d, expected -SK_EAGAIN", full);
	} else if (!strcmp(kind.s, "bad")) {
		if (expect(full == -SK_EMALFORMED,
		           "sk_msg_frame(whole) = %d, expected -SK_EMALFORMED", full))
			expect(!strcmp(e.hdr, "Content-Length") && e.why && e.why[0],
			       "sk_msg_frame error names \"%s\" (%s), expected Content-Length",
			       e.hdr, e.why ? e.why : "");
	} else if (!strcmp(kind.s, "any")) {
		if (full == 0 && skip == 0 && mlen <= f->len) {
			ok_kind = true; /* then every proper prefix must still be -SK_EAGAIN */
			want_len = mlen;
		} else {
			expect(full == -SK_EAGAIN || full == -SK_EMALFORMED || full == -SK_ETOOBIG,
			       "sk_msg_frame(whole) = %d, skip %zu, len %zu", full, skip, mlen);
		}
	} else {
		expect(false, "frame takes ok, again, bad or any");
		return;
	}

	/* growing prefixes, each in an exact-size buffer */
	int bad = 0;
	for (size_t k = 0; k <= f->len; k++) {
		char *p = exact_copy(f->buf, k);
		skip = mlen = 99;
		int rc = sk_msg_frame(p, k, NULL, &skip, &mlen, &e);
		free(p);
		bool ok;
		if (ok_kind)
			ok = k < want_skip + want_len
			         ? rc == -SK_EAGAIN
			         : (rc == 0 && mlen == want_len && skip == want_skip);
		else
			ok = rc == -SK_EAGAIN || rc == full;
		g_checks++;
		g_prefixes++;
		if (!ok && bad++ == 0)
			note("sk_msg_frame(prefix of %zu/%zu bytes) = %d (len %zu), expected %s", k,
			     f->len, rc, mlen,
			     ok_kind ? (k < want_skip + want_len ? "-SK_EAGAIN" : "0")
			             : "-SK_EAGAIN or the whole-file result");
	}
	if (bad > 1)
		note("... %d prefixes in all framed wrongly", bad);
}

/* ======================================================================
 * The interpreter: one expectation file, line by line
 * ====================================================================== */

enum when { ALWAYS, IF_ACCEPTED, IF_REJECTED };

struct run {
	enum when when;
	bool skip; /* the subject did not parse: its other expectations are moot */
	int depth; /* include nesting */
	int lines; /* expectations read */
};

static void run_file(struct fx *f, struct run *r, const char *rel);

/* request METHOD RURI: the start line of a request. */
static void check_request(struct fx *f, const char *args)
{
	struct vbuf meth, ruri;
	const char *p = parse_value(args, 0, false, &meth);

	if (!expect(p && parse_value(p, 0, true, &ruri), "request takes METHOD RURI"))
		return;
	compare(f, "is_request", "=", &(struct vbuf){.s = "true", .n = 4, .bare = true});
	compare(f, "method", "=", &meth);
	compare(f, "ruri", "=", &ruri);
	compare(f, "version", "=", &(struct vbuf){.s = "SIP/2.0", .n = 7});
	expect(sk_msg_ruri(f->sm) != NULL, "the Request-URI did not parse");
}

/* via[i] is TRANSPORT HOST BRANCH|absent: a SIP/2.0 Via value. */
static void check_via_is(struct fx *f, const char *path, const char *args)
{
	static const char *const fields[] = {"transport", "host", "branch"};
	struct vbuf v;
	char sub[600];
	const char *p = args;
	struct val dummy;

	snprintf(sub, sizeof(sub), "%s.raw", path);
	if (!resolve(f, sub, &dummy)) /* absent: said once */
		return;
	snprintf(sub, sizeof(sub), "%s.proto_name", path);
	compare(f, sub, "=", &(struct vbuf){.s = "SIP", .n = 3});
	snprintf(sub, sizeof(sub), "%s.proto_version", path);
	compare(f, sub, "=", &(struct vbuf){.s = "2.0", .n = 3});
	for (size_t i = 0; i < 3; i++) {
		p = p ? parse_value(p, 0, i == 2, &v) : NULL;
		if (!expect(p && v.n, "`via[i] is` takes TRANSPORT HOST BRANCH|absent"))
			return;
		snprintf(sub, sizeof(sub), "%s.%s", path, fields[i]);
		compare(f, sub, "=", &v);
	}
}

/* count WHAT = N */
static void check_count(struct fx *f, const char *what, const char *n)
{
	static struct vbuf arg;
	struct seg s = {.arg = &arg};
	const char *p = what;
	size_t got;
	enum sk_hdr_id id;

	if (!expect(next_seg(&p, &s) && !*p, "bad count \"%s\"", what))
		return;
	if (!strcmp(s.name, "hdr") && !s.has_arg) {
		got = sk_msg_hdr_count(f->sm);
	} else if (!strcmp(s.name, "hdr")) {
		id = sk_hdr_lookup(s.arg->s, strlen(s.arg->s));
		got = sk_msg_hdr_num(f->sm, id);
	} else if (!strcmp(s.name, "via")) {
		got = sk_msg_via_count(f->sm);
	} else if ((id = addr_list_id(s.name)) != SK_HDR_OTHER) {
		got = sk_msg_addr_count(f->sm, id);
	} else if (!strcmp(s.name, "list") && s.has_arg) {
		struct sk_list_iter it = {0};
		struct sk_str v;
		id = sk_hdr_lookup(s.arg->s, strlen(s.arg->s));
		for (got = 0; sk_msg_list_next(f->sm, id, &it, &v);)
			got++;
	} else {
		expect(false, "cannot count \"%s\"", what);
		return;
	}
	expect(got == (size_t)atol(n), "count %s is %zu, expected %s", what, got, n);
}

/* [replace "from" "to"] / [slice OFF [LEN]]: a variant of the file becomes the subject. */
static void new_subject(struct fx *f, const char *hdr)
{
	struct vbuf a, b;
	char *d;
	size_t n;

	if (!strncmp(hdr, "replace ", 8)) {
		const char *p = parse_value(hdr + 8, 0, false, &a);
		if (!expect(p && parse_value(p, 0, false, &b), "[replace \"from\" \"to\"]"))
			return;
		const char *at = memmem(f->file, f->filelen, a.s, a.n);
		if (!expect(at != NULL, "%s is not in the file", show_mem(a.s, a.n)))
			return;
		size_t pre = (size_t)(at - f->file);
		n = f->filelen - a.n + b.n;
		d = malloc(n);
		assert_non_null(d);
		memcpy(d, f->file, pre);
		memcpy(d + pre, b.s, b.n);
		memcpy(d + pre + b.n, at + a.n, f->filelen - pre - a.n);
	} else if (!strncmp(hdr, "slice ", 6)) {
		char *e;
		size_t off = (size_t)strtoul(hdr + 6, &e, 10);
		n = *e ? (size_t)strtoul(e, NULL, 10) : f->filelen - off;
		if (!expect(off + n <= f->filelen, "[slice] beyond the file"))
			return;
		d = exact_copy(f->file + off, n);
	} else {
		expect(false, "unknown section [%s]", hdr);
		return;
	}
	set_subject(f, d, n, f->m3);
}

/* One logical line (comments and continuations already removed). */
static void run_line(struct fx *f, struct run *r, char *line)
{
	char word[512], op[16];
	const char *rest;
	size_t n = 0;
	int depth = 0;
	bool q = false;

	g_text = line;
	if (line[0] == '[') {
		char *end = strrchr(line, ']');
		if (!expect(end != NULL, "unterminated section"))
			return;
		*end = '\0';
		if (!strcmp(line + 1, "accepted") || !strcmp(line + 1, "rejected")) {
			r->when = line[1] == 'a' ? IF_ACCEPTED : IF_REJECTED;
			expect(f->rc != 1, "[%s] before parse", line + 1);
		} else if (!strcmp(line + 1, "always")) {
			r->when = ALWAYS;
		} else {
			new_subject(f, line + 1);
			r->when = ALWAYS;
			r->skip = false;
		}
		return;
	}
	if (r->skip || (r->when == IF_ACCEPTED && f->rc != 0) ||
	    (r->when == IF_REJECTED && f->rc >= 0))
		return;
	r->lines++;
	/* the first word, which may hold quoted arguments: hdr("a b") */
	for (rest = line; *rest && (q || depth || (*rest != ' ' && *rest != '\t')); rest++) {
		if (*rest == '"' && (rest == line || rest[-1] != '\\'))
			q = !q;
		depth += !q && *rest == '(' ? 1 : !q && *rest == ')' ? -1 : 0;
		if (n + 1 < sizeof(word))
			word[n++] = *rest;
	}
	word[n] = '\0';
	while (*rest == ' ' || *rest == '\t')
		rest++;

	if (!strcmp(word, "frame")) {
		check_frame(f, rest);
	} else if (!strcmp(word, "parse") || !strcmp(word, "accept") || !strcmp(word, "reject")) {
		do_parse(f, !strncmp(rest, "stream", 6));
		if (word[0] == 'r')
			check_reject(f, rest);
		else if (word[0] == 'a' &&
		         !expect(f->rc == 0,
		                 "sk_msg_parse rejected a message the RFC says must be accepted: "
		                 "rc %d (%s), line %u col %u hdr \"%s\": %s",
		                 f->rc, sk_strerror(f->rc), f->err.line, f->err.col, f->err.hdr,
		                 f->err.why ? f->err.why : "(no reason)"))
			r->skip = true;
	} else if (!strcmp(word, "roundtrip")) {
		check_roundtrip(f);
	} else if (!strcmp(word, "whole")) {
		struct sk_str raw = sk_msg_raw(f->sm);
		expect(raw.p == f->buf && raw.len == f->len,
		       "sk_msg_raw covers [%td, +%zu), expected the whole %zu bytes",
		       raw.p ? raw.p - f->buf : -1, raw.len, f->len);
	} else if (!strcmp(word, "finding") || !strcmp(word, "no-finding")) {
		check_finding(f, rest, word[0] == 'f');
	} else if (!strcmp(word, "request")) {
		check_request(f, rest);
	} else if (!strcmp(word, "include")) {
		if (expect(r->depth < 4, "include nested too deep")) {
			r->depth++;
			run_file(f, r, rest);
			r->depth--;
		}
	} else if (!strcmp(word, "count")) {
		char what[256];
		const char *eq = strchr(rest, '=');
		if (!expect(eq && (size_t)(eq - rest) < sizeof(what), "count WHAT = N"))
			return;
		snprintf(what, sizeof(what), "%.*s", (int)(eq - rest), rest);
		for (n = strlen(what); n && what[n - 1] == ' '; n--)
			what[n - 1] = '\0';
		check_count(f, what, eq + 1);
	} else {
		/* PATH OP VALUE */
		struct vbuf v;
		for (n = 0; rest[n] && rest[n] != ' ' && n + 1 < sizeof(op); n++)
			op[n] = rest[n];
		op[n] = '\0';
		if (!strcmp(op, "is") && !strncmp(word, "via", 3)) {
			check_via_is(f, word, rest + n);
			return;
		}
		if (!expect(n && parse_value(rest + n, 0, true, &v), "expected PATH OP VALUE"))
			return;
		compare(f, word, op, &v);
	}
}

/*
 * Reads tests/data/torture/expect/<rel>: '#' starts a comment line, a line ending
 * in '\' continues on the next one.
 */
static void run_file(struct fx *f, struct run *r, const char *rel)
{
	char path[300], *text, *line, *save = NULL, where[300];
	size_t len;
	int lineno = 0, start = 0;
	static char logical[16384];
	size_t ln = 0;

	snprintf(path, sizeof(path), "torture/expect/%s", rel);
	text = sk_test_load(path, &len);
	snprintf(where, sizeof(where), "%s", g_where);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		/* strtok_r skips empty lines: count them */
		for (const char *p = line - 2; p >= text && *p == '\n' && p[1] == '\n'; p--)
			lineno++;
		while (*line == ' ' || *line == '\t')
			line++;
		size_t l = strlen(line);
		while (l && (line[l - 1] == ' ' || line[l - 1] == '\t' || line[l - 1] == '\r'))
			line[--l] = '\0';
		if (!l || line[0] == '#')
			continue;
		if (!ln)
			start = lineno;
		bool more = line[l - 1] == '\\';
		if (more)
			line[--l] = '\0';
		if (ln + l + 2 < sizeof(logical)) {
			memcpy(logical + ln, line, l);
			ln += l;
		}
		logical[ln] = '\0';
		if (more)
			continue;
		snprintf(g_where, sizeof(g_where), "expect/%s:%d", rel, start);
		run_line(f, r, logical);
		ln = 0;
	}
	snprintf(g_where, sizeof(g_where), "%s", where);
	free(text);
}

/* ======================================================================
 * The tests: one per message file of the manifest
 * ====================================================================== */

static void test_message(void **state)
{
	struct fx *f = *state;
	char path[300], rel[300];
	size_t n;
	struct run r = {0};

	snprintf(path, sizeof(path), "torture/%s", f->tc->file);
	char *tmp = sk_test_load(path, &n);
	f->file = exact_copy(tmp, n);
	f->filelen = n;
	free(tmp);
	set_subject(f, f->file, n, f->m);

	/* valid/wsinv.dat -> valid/wsinv.expect */
	snprintf(rel, sizeof(rel), "%s", f->tc->file);
	char *dot = strrchr(rel, '.');
	if (dot)
		*dot = '\0';
	strncat(rel, ".expect", sizeof(rel) - strlen(rel) - 1);
	snprintf(g_where, sizeof(g_where), "expect/%s", rel);
	run_file(f, &r, rel);
	g_text = "";
	if (r.lines == 0)
		fail_msg("%s: no expectations in expect/%s", f->tc->file, rel);
	if (g_fails)
		fail_msg("%s (%s): %d expectation(s) failed (listed above)", f->tc->file,
		         f->tc->sect, g_fails);
}

static struct tcase *add_case(struct tcase **cases, size_t *n, size_t *cap, const char *file,
                              const char *sect)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*cases = realloc(*cases, *cap * sizeof(**cases));
		assert_non_null(*cases);
	}
	struct tcase *c = &(*cases)[(*n)++];
	snprintf(c->file, sizeof(c->file), "%s", file);
	snprintf(c->sect, sizeof(c->sect), "%s", sect);
	return c;
}

/* The manifest's files; a row with a '*' names every file its pattern matches. */
static size_t read_manifest(struct tcase **cases)
{
	const char *dir = getenv("SK_DATA");
	char path[600], line[1024];
	size_t n = 0, cap = 0;

	snprintf(path, sizeof(path), "%s/torture/MANIFEST.tsv", dir ? dir : "tests/data");
	FILE *mf = fopen(path, "r");
	if (!mf) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(1);
	}
	while (fgets(line, sizeof(line), mf)) {
		char *save = NULL, *file = strtok_r(line, "\t", &save);
		char *sect = strtok_r(NULL, "\t", &save);
		if (!file || !sect || !strcmp(file, "file"))
			continue;
		if (!strchr(file, '*')) {
			add_case(cases, &n, &cap, file, sect);
			continue;
		}
		glob_t g;
		size_t pre = strlen(dir ? dir : "tests/data") + strlen("/torture/");
		snprintf(path, sizeof(path), "%s/torture/%s", dir ? dir : "tests/data", file);
		if (glob(path, 0, NULL, &g) == 0)
			for (size_t i = 0; i < g.gl_pathc; i++)
				add_case(cases, &n, &cap, g.gl_pathv[i] + pre, sect);
		globfree(&g);
	}
	fclose(mf);
	return n;
}

int main(void)
{
	struct tcase *cases = NULL;
	size_t n = read_manifest(&cases);
	struct CMUnitTest *tests = calloc(n ? n : 1, sizeof(*tests));

	assert_non_null(tests);
	for (size_t i = 0; i < n; i++)
		tests[i] =
		    (struct CMUnitTest){cases[i].file, test_message, setup, teardown, &cases[i]};
	int failed = _cmocka_run_group_tests("torture (RFC 4475, RFC 5118)", tests, n, NULL, NULL);
	print_message("torture: %ld expectations evaluated in %zu messages (%ld of them framing "
	              "a prefix)\n",
	              g_checks, n, g_prefixes);
	if (n < 75) {
		print_error("torture: only %zu messages in the manifest\n", n);
		failed++;
	}
	free(tests);
	free(cases);
	return failed;
}
