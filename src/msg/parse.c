/* SPDX-License-Identifier: BSD-3-Clause */
/* Message parsing: start line, header lines, eager typed headers, body (RFC 3261 §7). */
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "msg_int.h"

struct sk_msg_limits sk_msg_limits_default(void)
{
	return (struct sk_msg_limits){
	    .max_msg_size = 65536,
	    .max_headers = 256,
	    .max_line_len = 8192,
	    .max_vias = 64,
	    .max_addrs = 128,
	};
}

/* ---- growable arrays, bounded by the limits ------------------------------ */

/*
 * First capacities: a typical INVITE or response (10 to 20 header lines, 2 to 4 Vias, a
 * Contact and a few Route or Record-Route values) fits without a realloc.
 */
#define FIRST_HDRS  32
#define FIRST_VIAS  4
#define FIRST_ADDRS 8

/* The limit is checked first: a message from the pool (msg_pool.c) may keep a capacity
 * larger than its new owner's limits allow. */
static int grow(void **arr, uint32_t *cap, uint32_t need, uint32_t limit, size_t elem,
                uint32_t first)
{
	uint32_t ncap;
	void *n;

	if (need > limit)
		return -SK_ETOOBIG;
	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : first;
	while (ncap < need)
		ncap *= 2;
	if (ncap > limit)
		ncap = limit;
	n = realloc(*arr, (size_t)ncap * elem);
	if (!n)
		return -SK_ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

/* ---- errors --------------------------------------------------------------- */

struct pctx {
	struct sk_msg *m;
	struct sk_parse_err *err;
	const char *buf;
	const char *end; /* end of the readable bytes */
	uint32_t line;
	bool shallow; /* SK_PARSE_SHALLOW */
};

static int fail(struct pctx *c, int rc, const char *at, const char *line_start, struct sk_str hdr,
                const char *why, int status)
{
	struct sk_parse_err *e = c->err;

	if (e) {
		e->line = c->line;
		e->col =
		    (at && line_start && at >= line_start) ? (uint32_t)(at - line_start) + 1 : 0;
		sk_str_cpy(e->hdr, sizeof(e->hdr), hdr);
		e->why = why;
		e->status = c->m->request ? status : 0;
	}
	return rc;
}

/* ---- start line (§7.1, §7.2) ------------------------------------------ */

static int parse_version(struct sk_str v, int *status)
{
	if (v.len == 7 && memcmp(v.p, "SIP/2.0", 7) == 0)
		return 0;
	/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; literals are case-insensitive */
	if (v.len < 7 || !sk_str_caseeq((struct sk_str){v.p, 4}, SK_STR_LIT("SIP/"))) {
		*status = 400;
		return -1;
	}
	struct lx l = {v.p + 4, v.p + v.len};
	if (lx_take(&l, LX_DIGIT).len == 0 || !lx_eat(&l, '.') || lx_take(&l, LX_DIGIT).len == 0 ||
	    !lx_done(&l)) {
		*status = 400;
		return -1;
	}
	if (!sk_str_eq(v, SK_STR_LIT("SIP/2.0")) && !sk_str_caseeq(v, SK_STR_LIT("SIP/2.0"))) {
		*status = 505; /* §8.2.2... answered by the UAS/proxy: Version Not Supported */
		return -1;
	}
	return 0;
}

static int parse_status_line(struct pctx *c, struct sk_str line)
{
	struct sk_msg *m = c->m;
	const char *sp = memchr(line.p, ' ', line.len);
	const char *end = line.p + line.len;
	int status;

	if (!sp)
		return fail(c, -SK_EMALFORMED, end, line.p, SK_STR_NULL,
		            "status line: missing status code", 0);
	m->version = (struct sk_str){line.p, (size_t)(sp - line.p)};
	if (parse_version(m->version, &status) < 0)
		return fail(c, -SK_EMALFORMED, line.p, line.p, SK_STR_NULL,
		            "status line: unsupported or malformed SIP version", 0);
	const char *code = sp + 1;
	const char *ce = code;
	while (ce < end && *ce >= '0' && *ce <= '9')
		ce++;
	if (ce - code != 3 || (ce < end && *ce != ' ')) /* Status-Code = 3DIGIT (§25.1) */
		return fail(c, -SK_EMALFORMED, code, line.p, SK_STR_NULL,
		            "status line: status code is not three digits", 0);
	m->status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
	if (m->status < 100)
		return fail(c, -SK_EMALFORMED, code, line.p, SK_STR_NULL,
		            "status line: status code below 100", 0);
	/* Reason-Phrase may be empty (RFC 4475 §3.1.1.13) and carry UTF-8 (§3.1.1.12) */
	m->phrase =
	    ce < end ? (struct sk_str){ce + 1, (size_t)(end - ce - 1)} : (struct sk_str){end, 0};
	return 0;
}

static int parse_request_line(struct pctx *c, struct sk_str line)
{
	struct sk_msg *m = c->m;
	const char *end = line.p + line.len;
	struct lx l = {line.p, end};
	const char *why = NULL;
	int status;

	m->request = true;
	m->method = lx_take(&l, LX_TOKEN);
	if (m->method.len == 0 || !lx_eat(&l, ' '))
		return fail(c, -SK_EMALFORMED, l.p, line.p, SK_STR_NULL,
		            "request line: method is not a token followed by SP", 400);
	if (l.p < end && *l.p == ' ')
		return fail(c, -SK_EMALFORMED, l.p, line.p, SK_STR_NULL,
		            "request line: more than one SP between elements (RFC 4475 §3.1.2.9)",
		            400);
	const char *u = l.p;
	const char *sp = memchr(u, ' ', (size_t)(end - u));
	if (!sp)
		return fail(c, -SK_EMALFORMED, end, line.p, SK_STR_NULL,
		            "request line: missing SIP version", 400);
	if (memchr(sp + 1, ' ', (size_t)(end - sp - 1)))
		return fail(
		    c, -SK_EMALFORMED, sp + 1, line.p, SK_STR_NULL,
		    "request line: more than three elements (whitespace in the Request-URI, "
		    "or trailing SP)",
		    400);
	m->ruri_str = (struct sk_str){u, (size_t)(sp - u)};
	m->version = (struct sk_str){sp + 1, (size_t)(end - sp - 1)};
	if (parse_version(m->version, &status) < 0)
		return fail(c, -SK_EMALFORMED, sp + 1, line.p, SK_STR_NULL,
		            status == 505 ? "request line: SIP version not supported"
		                          : "request line: malformed SIP version",
		            status);
	if (m->ruri_str.len && m->ruri_str.p[0] == '<')
		return fail(c, -SK_EMALFORMED, u, line.p, SK_STR_NULL,
		            "request line: Request-URI must not be enclosed in '<' '>'", 400);
	if (c->shallow)
		return 0;
	if (sk_uri_parse(&m->ruri, m->ruri_str, &why) < 0)
		return fail(c, -SK_EMALFORMED, u, line.p, SK_STR_NULL, why, 400);
	if ((m->ruri.scheme == SK_URI_SIP || m->ruri.scheme == SK_URI_SIPS) &&
	    sk_str_present(m->ruri.headers))
		return fail(c, -SK_EMALFORMED, u, line.p, SK_STR_NULL,
		            "request line: Request-URI must not carry headers (§19.1.1)", 400);
	return 0;
}

/* ---- typed headers parsed eagerly (what a proxy needs) --------------------- */

/* Steps over the ',' between list values; an empty value is an error (§7.3.1). */
static int next_list_value(struct lx *l, const char **why)
{
	if (lx_done(l))
		return 0;
	l->p++; /* ',' */
	lx_skip_ws(l);
	if (lx_done(l) || *l->p == ',') {
		*why = "empty value in a comma-separated list";
		return -SK_EMALFORMED;
	}
	return 1;
}

static int add_vias(struct pctx *c, struct sk_str value, uint32_t hi, const char **why)
{
	struct sk_msg *m = c->m;
	struct lx l = {value.p, value.p + value.len};
	int more;

	do {
		int rc = grow((void **)&m->vias, &m->vias_cap, m->nvias + 1, m->lim.max_vias,
		              sizeof(*m->vias), FIRST_VIAS);
		if (rc < 0) {
			*why = "too many Via values";
			return rc;
		}
		if (sk_msg_via_parse_at(&m->vias[m->nvias], &l, why) < 0)
			return -SK_EMALFORMED;
		m->vias[m->nvias++].hdr = hi;
		more = next_list_value(&l, why);
	} while (more > 0);
	return more;
}

/* Room for one more address; the per-kind index arrays follow the pool's size. */
static int grow_addrs(struct sk_msg *m)
{
	int rc = grow((void **)&m->addrs, &m->addrs_cap, m->naddrs + 1, m->lim.max_addrs,
	              sizeof(*m->addrs), FIRST_ADDRS);
	if (rc < 0)
		return rc;
	/* The index of every list follows the addresses' capacity; after a failed
	 * realloc it lags behind and is grown again on the next call. */
	if (m->idx_cap < m->addrs_cap) {
		for (int i = 0; i < AK__COUNT; i++) {
			void *n = realloc(m->lists[i].idx, m->addrs_cap * sizeof(uint16_t));
			if (!n)
				return -SK_ENOMEM;
			m->lists[i].idx = n;
		}
		m->idx_cap = m->addrs_cap;
	}
	return 0;
}

static int add_addrs(struct pctx *c, struct sk_str value, uint32_t hi, enum addr_kind k,
                     const char **why)
{
	struct sk_msg *m = c->m;
	struct addr_list *list = &m->lists[k];
	struct lx l = {value.p, value.p + value.len};
	int more;

	if (value.len == 0) {
		*why = "empty address list";
		return -SK_EMALFORMED;
	}
	do {
		int rc = grow_addrs(m);
		if (rc < 0) {
			*why = rc == -SK_ENOMEM ? "out of memory"
			                        : "too many Contact/Route/Record-Route values";
			return rc;
		}
		struct sk_addr *a = &m->addrs[m->naddrs];
		if (sk_msg_addr_parse_at(a, &l, k == AK_CONTACT, why) < 0)
			return -SK_EMALFORMED;
		bool had_star = list->n > 0 && m->addrs[list->idx[0]].star;
		if ((a->star && (!lx_done(&l) || list->n > 0)) || had_star) {
			*why = "Contact: '*' must be the only value (§10.2.2)";
			return -SK_EMALFORMED;
		}
		a->hdr = hi;
		list->idx[list->n++] = (uint16_t)m->naddrs++;
		more = next_list_value(&l, why);
	} while (more > 0);
	return more;
}

static int parse_cseq(struct sk_msg *m, struct sk_str v, const char **why)
{
	struct lx l = {v.p, v.p + v.len};
	uint64_t num;
	struct sk_str digits = lx_take(&l, LX_DIGIT);
	int rc = lx_u64(digits, UINT32_MAX, &num); /* §8.1.1.5: < 2**32 */

	if (rc < 0) {
		*why = rc == -SK_ETOOBIG ? "CSeq: sequence number exceeds 2**32-1"
		                         : "CSeq: missing sequence number";
		return -SK_EMALFORMED;
	}
	if (l.p >= l.end || !lx_wsp(*l.p)) {
		*why = "CSeq: expected LWS and a method";
		return -SK_EMALFORMED;
	}
	lx_skip_ws(&l);
	m->cseq.method = lx_take(&l, LX_TOKEN);
	if (m->cseq.method.len == 0 || !lx_done(&l)) {
		*why = "CSeq: method is not a token";
		return -SK_EMALFORMED;
	}
	m->cseq.num = (uint32_t)num;
	m->has_cseq = true;
	return 0;
}

static int parse_call_id(struct sk_msg *m, struct sk_str v, const char **why)
{
	/* callid = word [ "@" word ] (§25.1) */
	struct lx l = {v.p, v.p + v.len};

	if (lx_take(&l, LX_WORD).len == 0 || (lx_eat(&l, '@') && lx_take(&l, LX_WORD).len == 0) ||
	    !lx_done(&l)) {
		*why = "Call-ID: not a word [\"@\" word]";
		return -SK_EMALFORMED;
	}
	m->call_id = v;
	return 0;
}

/* A decimal number; *range_err set instead of failing when it is too large. */
LX_ALWAYS_INLINE int parse_number(struct sk_str v, uint64_t max, long *out, bool *range_err)
{
	uint64_t n;
	int rc = lx_u64(v, UINT64_MAX, &n);

	if (rc == -SK_EMALFORMED)
		return rc;
	if (rc == -SK_ETOOBIG || n > max) {
		*range_err = true;
		*out = -1;
		return 0;
	}
	*out = (long)n;
	return 0;
}

static int parse_typed(struct pctx *c, struct sk_hdr *h, uint32_t hi, const char **why)
{
	struct sk_msg *m = c->m;
	bool first = m->count[h->id] == 1;
	long n;

	if (c->shallow &&
	    (h->id == SK_HDR_CONTACT || h->id == SK_HDR_ROUTE || h->id == SK_HDR_RECORD_ROUTE ||
	     h->id == SK_HDR_FROM || h->id == SK_HDR_TO))
		return 0; /* kept as header values, not parsed into addresses */
	switch (h->id) {
	case SK_HDR_VIA: return add_vias(c, h->value, hi, why);
	case SK_HDR_CONTACT: return add_addrs(c, h->value, hi, AK_CONTACT, why);
	case SK_HDR_ROUTE: return add_addrs(c, h->value, hi, AK_ROUTE, why);
	case SK_HDR_RECORD_ROUTE: return add_addrs(c, h->value, hi, AK_RECORD_ROUTE, why);
	case SK_HDR_FROM:
	case SK_HDR_TO: {
		struct sk_addr tmp, *a = first ? (h->id == SK_HDR_FROM ? &m->from : &m->to) : &tmp;
		if (sk_addr_parse(a, h->value, false, why) < 0)
			return -SK_EMALFORMED;
		a->hdr = hi;
		if (first && h->id == SK_HDR_FROM)
			m->has_from = true;
		else if (first)
			m->has_to = true;
		return 0;
	}
	case SK_HDR_CALL_ID: return first ? parse_call_id(m, h->value, why) : 0;
	case SK_HDR_CSEQ: return first ? parse_cseq(m, h->value, why) : 0;
	case SK_HDR_MAX_FORWARDS: /* §20.22; > 255 treated as absent (RFC 4475 §3.1.2.4) */
		if (!first)
			return 0;
		if (parse_number(h->value, 255, &n, &m->mf_out_of_range) < 0) {
			*why = "Max-Forwards: not a number";
			return -SK_EMALFORMED;
		}
		m->max_forwards = (int)n;
		return 0;
	case SK_HDR_CONTENT_LENGTH: {
		bool big = false;
		if (parse_number(h->value, c->m->lim.max_msg_size, &n, &big) < 0 || big) {
			*why = big ? "Content-Length: larger than the message size limit"
			           : "Content-Length: not a non-negative number";
			return big ? -SK_ETOOBIG : -SK_EMALFORMED;
		}
		if (first)
			m->content_length = n;
		else if (n != m->content_length)
			m->cl_conflict = true;
		return 0;
	}
	case SK_HDR_CONTENT_TYPE:
		if (first)
			m->content_type = h->value;
		return 0;
	case SK_HDR_EXPIRES: /* §20.19: 0 .. 2**32-1; out of range -> default */
		if (first &&
		    parse_number(h->value, UINT32_MAX, &m->expires, &m->expires_out_of_range) < 0)
			m->expires_out_of_range = true;
		return 0;
	case SK_HDR_DATE: /* §20.17: rfc1123-date, always "GMT" */
		if (h->value.len < 4 || memcmp(h->value.p + h->value.len - 4, " GMT", 4) != 0) {
			*why = "Date: time zone must be GMT (§20.17, RFC 4475 §3.1.2.12)";
			return -SK_EMALFORMED;
		}
		return 0;
	default: return 0;
	}
}

/* ---- header lines ------------------------------------------------------- */

/* Copies a folded value into scratch with each LWS run that holds a line break
 * reduced to one SP (§7.3.1), and none at either end. */
static int unfold(struct sk_msg *m, struct sk_str *v)
{
	char *dst;

	/* sized once per message: all unfolded values together never exceed the input */
	if (m->scratch_cap < m->raw.len + 1) {
		char *n;
		if (m->scratch_used)
			return -SK_ENOMEM;
		n = realloc(m->scratch, m->raw.len + 1);
		if (!n)
			return -SK_ENOMEM;
		m->scratch = n;
		m->scratch_cap = m->raw.len + 1;
	}
	if (m->scratch_used + v->len > m->scratch_cap)
		return -SK_ENOMEM;
	dst = m->scratch + m->scratch_used;
	size_t o = 0;
	for (size_t i = 0; i < v->len; i++) {
		char ch = v->p[i];
		if (ch == '\r' || ch == '\n') {
			while (o > 0 && lx_wsp(dst[o - 1]))
				o--;
			while (i + 1 < v->len &&
			       (v->p[i + 1] == '\r' || v->p[i + 1] == '\n' || lx_wsp(v->p[i + 1])))
				i++;
			if (o > 0) /* a fold before the first character leaves nothing */
				dst[o++] = ' ';
			continue;
		}
		dst[o++] = ch;
	}
	while (o > 0 && lx_wsp(dst[o - 1]))
		o--; /* nor does one after the last */
	*v = (struct sk_str){dst, o};
	m->scratch_used += o;
	return 0;
}

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl : end;
}

static int add_header(struct pctx *c, const char *ls, const char *le, bool folded)
{
	struct sk_msg *m = c->m;
	const char *p = ls;
	const char *why = NULL;
	size_t nlen;
	enum sk_hdr_id id = hdr_match_colon(ls, le, c->end, &nlen);
	struct sk_str name;

	if (id != SK_HDR_OTHER) {
		/* a known name directly followed by ':' */
		name = (struct sk_str){ls, nlen};
		p = ls + nlen;
	} else {
		p = lx_scan(p, le, LX_TOKEN);
		name = (struct sk_str){ls, (size_t)(p - ls)};
		if (name.len == 0)
			return fail(c, -SK_EMALFORMED, ls, ls, SK_STR_NULL,
			            "header line does not start with a header name", 400);
		while (p < le && lx_wsp(*p))
			p++;
		if (p >= le || *p != ':')
			return fail(c, -SK_EMALFORMED, p, ls, name,
			            "header name not followed by ':'", 400);
		id = sk_msg_hdr_lookup(name.p, name.len);
	}
	struct sk_str value = lx_trim((struct sk_str){p + 1, (size_t)(le - p - 1)});
	if (folded) {
		if (unfold(m, &value) < 0)
			return fail(c, -SK_ENOMEM, ls, ls, name, "out of memory unfolding a header",
			            500);
	}
	if (value.len > m->lim.max_line_len)
		return fail(c, -SK_ETOOBIG, ls, ls, name, "header line longer than the limit", 400);
	int rc = grow((void **)&m->hdrs, &m->hdrs_cap, m->nhdrs + 1, m->lim.max_headers,
	              sizeof(*m->hdrs), FIRST_HDRS);
	if (rc < 0)
		return fail(c, rc, ls, ls, name, "more header lines than the limit", 400);
	uint32_t hi = m->nhdrs++;
	struct sk_hdr *h = &m->hdrs[hi];
	h->id = id;
	h->name = name;
	h->value = value;
	h->line = c->line;
	h->next = SK_NO_HDR;
	if (h->id != SK_HDR_OTHER) {
		if (m->first[h->id] == SK_NO_HDR)
			m->first[h->id] = hi;
		else
			m->hdrs[m->last[h->id]].next = hi;
		m->last[h->id] = hi;
		if (m->count[h->id] < UINT16_MAX)
			m->count[h->id]++;
		rc = parse_typed(c, h, hi, &why);
		if (rc < 0)
			return fail(c, rc, p + 1, ls, name, why, 400);
	}
	return 0;
}

/* ---- the message ------------------------------------------------------------- */

static void reset(struct sk_msg *m)
{
	m->scratch_used = 0;
	m->request = false;
	m->start_line = m->method = m->ruri_str = m->version = m->phrase = m->body = SK_STR_NULL;
	m->ruri.scheme = SK_URI_NONE;
	m->ruri.host_type = SK_HOST_NONE;
	m->ruri.raw = m->ruri.scheme_str = m->ruri.user = m->ruri.password = SK_STR_NULL;
	m->ruri.host = m->ruri.port_str = m->ruri.params = m->ruri.headers = SK_STR_NULL;
	m->ruri.opaque = SK_STR_NULL;
	m->ruri.port = 0;
	m->status = 0;
	m->nhdrs = 0;
	memset(m->first, 0xff, sizeof(m->first));
	memset(m->count, 0, sizeof(m->count));
	m->nvias = 0;
	m->naddrs = 0;
	for (int k = 0; k < AK__COUNT; k++)
		m->lists[k].n = 0;
	m->has_from = m->has_to = m->has_cseq = false;
	m->call_id = SK_STR_NULL;
	m->max_forwards = -1;
	m->mf_out_of_range = false;
	m->content_length = -1;
	m->cl_conflict = false;
	m->expires = -1;
	m->expires_out_of_range = false;
	m->content_type = SK_STR_NULL;
}

/* What an empty message reads as: no start line, no headers, every typed value absent. */
void sk_msg_reset(struct sk_msg *m)
{
	reset(m);
}

static int parse_body(struct pctx *c, const char *body, const char *end, bool stream)
{
	struct sk_msg *m = c->m;
	size_t avail = (size_t)(end - body);

	/* errors below are about the Content-Length line, not the empty line */
	if (m->first[SK_HDR_CONTENT_LENGTH] != SK_NO_HDR)
		c->line = m->hdrs[m->first[SK_HDR_CONTENT_LENGTH]].line;

	if (m->content_length < 0) {
		if (stream)
			return fail(c, -SK_EMALFORMED, NULL, NULL, SK_STR_LIT("Content-Length"),
			            "Content-Length is mandatory on stream transports (§18.3)",
			            400);
		/* §18.3: over UDP the body runs to the end of the datagram */
		m->body = (struct sk_str){body, avail};
	} else if ((size_t)m->content_length > avail) {
		return fail(c, -SK_EMALFORMED, NULL, NULL, SK_STR_LIT("Content-Length"),
		            "Content-Length exceeds the bytes received (RFC 4475 §3.1.2.2)", 400);
	} else {
		/* bytes after the body are discarded (§18.3, RFC 4475 §3.1.1.8) */
		m->body = (struct sk_str){body, (size_t)m->content_length};
	}
	m->raw.len = (size_t)(m->body.p + m->body.len - m->raw.p);
	return 0;
}

int sk_msg_parse_impl(struct sk_msg *m, const char *buf, size_t len, unsigned mode,
                      struct sk_parse_err *err)
{
	struct pctx c = {.m = m,
	                 .err = err,
	                 .buf = buf,
	                 .end = buf ? buf + len : NULL,
	                 .line = 1,
	                 .shallow = mode & SK_PARSE_SHALLOW};
	bool stream = mode & SK_PARSE_STREAM;
	const char *p, *end;
	int rc;

	if (err)
		memset(err, 0, sizeof(*err));
	reset(m);
	if (!buf)
		return -SK_EINVAL;
	p = buf;
	end = buf + len;
	if (len > m->lim.max_msg_size)
		return fail(&c, -SK_ETOOBIG, NULL, NULL, SK_STR_NULL,
		            "message larger than the size limit", 0);
	/* §7.5: CRLF before the start line is ignored */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	m->raw = (struct sk_str){p, (size_t)(end - p)};
	if (p == end)
		return fail(&c, -SK_EMALFORMED, NULL, NULL, SK_STR_NULL, "empty message", 0);

	const char *le = line_end(p, end);
	if (le == end)
		return fail(&c, -SK_EMALFORMED, end, p, SK_STR_NULL, "start line not terminated",
		            0);
	struct sk_str line = {p, (size_t)(le - p)};
	if (line.len && line.p[line.len - 1] == '\r')
		line.len--;
	m->start_line = line;
	/* "SIP/" in any case: c | 0x20 is 's', 'i' or 'p' only for that letter */
	if (line.len >= 4 && (line.p[0] | 0x20) == 's' && (line.p[1] | 0x20) == 'i' &&
	    (line.p[2] | 0x20) == 'p' && line.p[3] == '/')
		rc = parse_status_line(&c, line);
	else
		rc = parse_request_line(&c, line);
	if (rc < 0)
		return rc;
	p = le + 1;

	/* header lines until the empty line; a datagram may end without it */
	while (p < end) {
		c.line++;
		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
			p += *p == '\r' ? 2 : 1;
			return parse_body(&c, p, end, stream);
		}
		if (lx_wsp(*p))
			return fail(&c, -SK_EMALFORMED, p, p, SK_STR_NULL,
			            "line starts with whitespace but continues no header", 400);
		const char *ls = p;
		uint32_t first_line = c.line;
		bool folded = false;
		le = line_end(p, end);
		/* a following line that starts with SP/HT continues this one (§7.3.1) */
		while (le + 1 < end && lx_wsp(le[1])) {
			folded = true;
			c.line++;
			le = line_end(le + 1, end);
		}
		const char *ve = le;
		if (ve > ls && ve[-1] == '\r')
			ve--;
		uint32_t last_line = c.line;
		c.line = first_line;
		rc = add_header(&c, ls, ve, folded);
		if (rc < 0)
			return rc;
		c.line = last_line;
		p = le < end ? le + 1 : end;
	}
	if (stream)
		return fail(&c, -SK_EMALFORMED, end, NULL, SK_STR_NULL,
		            "header section not closed by an empty line", 400);
	m->body = (struct sk_str){end, 0};
	if (m->content_length > 0) {
		c.line = m->hdrs[m->first[SK_HDR_CONTENT_LENGTH]].line;
		return fail(&c, -SK_EMALFORMED, NULL, NULL, SK_STR_LIT("Content-Length"),
		            "Content-Length exceeds the bytes received", 400);
	}
	return 0;
}

int sk_msg_parse(struct sk_msg *m, const char *buf, size_t len, struct sk_parse_err *err)
{
	if (!m)
		return -SK_EINVAL;
	return sk_msg_parse_impl(m, buf, len, SK_PARSE_DATAGRAM, err);
}

int sk_msg_parse_shallow(struct sk_msg *m, const char *buf, size_t len, struct sk_parse_err *err)
{
	if (!m)
		return -SK_EINVAL;
	return sk_msg_parse_impl(m, buf, len, SK_PARSE_SHALLOW, err);
}

int sk_msg_parse_stream(struct sk_msg *m, const char *buf, size_t len, struct sk_parse_err *err)
{
	if (!m)
		return -SK_EINVAL;
	return sk_msg_parse_impl(m, buf, len, SK_PARSE_STREAM, err);
}

int sk_msg_parse_copy(struct sk_msg *m, const char *buf, size_t len, struct sk_parse_err *err)
{
	if (!m || !buf)
		return -SK_EINVAL;
	if (len > m->lim.max_msg_size) {
		reset(m);
		return sk_msg_parse_impl(m, buf, len, SK_PARSE_DATAGRAM, err);
	}
	if (len > m->own_cap) {
		char *n = realloc(m->own, len ? len : 1);
		if (!n)
			return -SK_ENOMEM;
		m->own = n;
		m->own_cap = len;
	}
	if (len)
		memcpy(m->own, buf, len);
	return sk_msg_parse_impl(m, m->own, len, SK_PARSE_DATAGRAM, err);
}
