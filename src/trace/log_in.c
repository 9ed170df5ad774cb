/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP messages out of text logs: sipkit logs, SIPp -trace_msg logs, and a
 * file that holds one raw message. Read line by line through a fixed buffer;
 * an entry is held up to max_message (plus a little) bytes, the rest of an
 * oversized one is skipped, never stored.
 *
 * The sipkit log format
 * ---------------------
 * Each entry starts with a marker line
 *
 *     --- TIME PROTO SRC -> DST
 *
 * TIME is an ISO 8601 UTC time, with an optional fraction of up to nine
 * digits (2026-11-21T10:00:00.123456Z), or a decimal number of seconds
 * (12.345) for a relative log written by hand. PROTO is udp or tcp (any
 * case). SRC and DST are 1.2.3.4:5060 or [2001:db8::1]:5060. Fields are
 * separated by spaces or tabs.
 *
 * The message is the bytes between this marker line and the next one (or the
 * end of the file). If they contain no '\r' at all (a file written by hand
 * with LF line ends), every LF becomes CRLF first. Then, if the message's
 * header section can be framed with sk_msg_frame (RFC 3261 §18.3), the
 * message is exactly the framed length: the newline a writer adds after a
 * message is not part of it. Otherwise it is the whole block with trailing
 * blank lines removed (it will not parse, which is right).
 *
 * A line starting with "--- " inside a message body that is not complete yet
 * (its header section ended and its Content-Length asks for more bytes) is
 * body, not a marker. Any other line starting with "--- " must be a
 * well-formed marker line: reading stops with an error at one that is not.
 * Lines beginning with '#', and blank lines, before the first marker are
 * comments. The frame number of a message is its entry number (1-based).
 *
 * SIPp -trace_msg (SIPp 3.6.1, socket.cpp)
 * ----------------------------------------
 *     ----------------------------------------------- 2026-11-21 15:22:35.719311
 *     UDP message sent (509 bytes):
 *
 *     INVITE sip:service@127.0.0.1:5098 SIP/2.0
 *     ...
 *     ----------------------------------------------- 2026-11-21 15:22:35.720444
 *     UDP message received [309] bytes :
 *
 *     SIP/2.0 180 Ringing
 *     ...
 *
 * A separator line of dashes with SIPp's local time, a line "<TRANSPORT>
 * message sent (N bytes):" or "<TRANSPORT> message received [N] bytes :"
 * (TRANSPORT UDP, TCP, TLS or SCTP), an empty line, the N bytes of the
 * message and a newline. Other entries (errors, "control" messages of 3PCC
 * twins, notes) are skipped. The time is taken as written, as if it were UTC:
 * the log says nothing of its zone, and times stay right relative to each
 * other. Addresses are not in the log: sent is local -> peer, received is
 * peer -> local (family 0, trace.h). Frame numbers count the messages.
 */
#include <stdlib.h>
#include <string.h>

#include "input.h"

#define LINEBUF 65536 /* a line longer than this is read in pieces */
#define SLACK   4096  /* an entry holds its message plus this */

struct lines {
	FILE *f;
	char *buf;
	size_t pos, end;
	bool eof;
	bool mid;        /* the last piece did not end a line */
	uint64_t lineno; /* of the last piece */
};

struct block {
	char *p;
	size_t len, cap, limit;
	bool overflow; /* bytes past limit were not kept */
};

struct entry {
	int64_t ts_us;
	enum sk_trace_proto proto;
	struct sk_trace_addr src, dst;
	size_t n; /* SIPp: the byte count it announces */
};

enum sipp_state { SIPP_IDLE, SIPP_HEAD, SIPP_BLANK, SIPP_BODY };

struct sk_log_in {
	enum sk_trace_format fmt;
	const struct sk_trace_limits *lim;
	struct sk_trace_reader_stats *st;
	struct lines in;
	struct block blk;
	char *out; /* the message handed out */
	size_t outcap;
	bool have;        /* an entry is being read */
	struct entry cur; /* its marker */
	uint64_t entries; /* entries started (sipkit), messages (SIPp) */
	enum sipp_state sipp;
	int64_t sipp_ts;
	bool failed, done;
	uint64_t err_frame;
	char err[256];
};

/* ---- lines ----------------------------------------------------------------------- */

/* The next piece of a line (with its LF), at most LINEBUF bytes: false at the end. */
static bool get_line(struct lines *l, const char **p, size_t *n, bool *at_start)
{
	for (;;) {
		char *nl = memchr(l->buf + l->pos, '\n', l->end - l->pos);
		if (nl || l->end - l->pos == LINEBUF || (l->eof && l->end > l->pos)) {
			size_t len = nl ? (size_t)(nl + 1 - (l->buf + l->pos)) : l->end - l->pos;
			*p = l->buf + l->pos;
			*n = len;
			*at_start = !l->mid;
			if (!l->mid)
				l->lineno++;
			l->mid = !nl;
			l->pos += len;
			return true;
		}
		if (l->eof)
			return false;
		if (l->pos) {
			memmove(l->buf, l->buf + l->pos, l->end - l->pos);
			l->end -= l->pos;
			l->pos = 0;
		}
		size_t got = fread(l->buf + l->end, 1, LINEBUF - l->end, l->f);
		l->end += got;
		if (got == 0)
			l->eof = true;
	}
}

/* Without its line end. */
static size_t trim_eol(const char *p, size_t n)
{
	if (n && p[n - 1] == '\n')
		n--;
	if (n && p[n - 1] == '\r')
		n--;
	return n;
}

static int block_add(struct block *b, const char *p, size_t n)
{
	if (b->len + n > b->limit) {
		b->overflow = true;
		n = b->limit - b->len;
	}
	if (b->len + n > b->cap) {
		size_t nc = b->cap ? b->cap : 4096;
		while (nc < b->len + n)
			nc *= 2;
		char *np = realloc(b->p, nc);
		if (!np)
			return -SK_ENOMEM;
		b->p = np;
		b->cap = nc;
	}
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static int out_reserve(struct sk_log_in *l, size_t n)
{
	if (n <= l->outcap)
		return 0;
	char *np = realloc(l->out, n);
	if (!np)
		return -SK_ENOMEM;
	l->out = np;
	l->outcap = n;
	return 0;
}

/* The block into l->out, LF turned into CRLF when it has no CR at all: its length. */
static int convert(struct sk_log_in *l, const char *p, size_t n, size_t *len)
{
	bool lf_only = !n || !memchr(p, '\r', n); /* an empty block may have no buffer */
	size_t lfs = 0;
	if (lf_only)
		for (size_t i = 0; i < n; i++)
			lfs += p[i] == '\n';
	if (out_reserve(l, n + lfs + 1) < 0)
		return -SK_ENOMEM;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (lf_only && p[i] == '\n')
			l->out[o++] = '\r';
		l->out[o++] = p[i];
	}
	*len = o;
	return 0;
}

/* ---- times and markers ---------------------------------------------------------- */

/* n digits at p: the value, or -1. */
static int64_t digits(const char *p, size_t n)
{
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* A fraction of a second after the '.': microseconds (further digits ignored), or -1. */
static int64_t fraction(const char *p, size_t n)
{
	int64_t us = 0;
	if (n == 0 || n > 9)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		if (i < 6)
			us = us * 10 + (p[i] - '0');
	}
	for (size_t i = n; i < 6; i++)
		us *= 10;
	return us;
}

/* "YYYY-MM-DD" at p, sep, "HH:MM:SS": the time in microseconds (UTC), or false. */
static bool civil_time(const char *p, size_t n, const char *seps, int64_t *us)
{
	if (n < 19 || p[4] != '-' || p[7] != '-' || !strchr(seps, p[10]) || p[13] != ':' ||
	    p[16] != ':')
		return false;
	int64_t y = digits(p, 4), mo = digits(p + 5, 2), d = digits(p + 8, 2);
	int64_t h = digits(p + 11, 2), mi = digits(p + 14, 2), s = digits(p + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    s < 0 || s > 60)
		return false;
	int64_t days = sk_trace_days_from_civil(y, (unsigned)mo, (unsigned)d);
	*us = ((days * 86400) + h * 3600 + mi * 60 + s) * 1000000;
	return true;
}

/* TIME of a marker: ISO 8601 UTC or decimal seconds. */
static bool marker_time(const char *p, size_t n, int64_t *us)
{
	if (n >= 20 && (p[n - 1] == 'Z' || p[n - 1] == 'z')) {
		if (!civil_time(p, n, "Tt", us))
			return false;
		if (n == 20)
			return true;
		int64_t f = p[19] == '.' ? fraction(p + 20, n - 21) : -1;
		if (f < 0)
			return false;
		*us += f;
		return true;
	}
	const char *dot = memchr(p, '.', n);
	size_t il = dot ? (size_t)(dot - p) : n;
	if (il == 0 || il > 12)
		return false;
	int64_t s = digits(p, il), f = 0;
	if (s < 0)
		return false;
	if (dot && (f = fraction(dot + 1, n - il - 1)) < 0)
		return false;
	*us = s * 1000000 + f;
	return true;
}

/* "--- TIME PROTO SRC -> DST" (line without its end). */
static bool parse_marker(const char *p, size_t n, struct entry *e)
{
	struct sk_str tok[7];
	size_t nt = 0, i = 0;

	while (i < n && nt < 7) {
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i == n)
			break;
		size_t s = i;
		while (i < n && p[i] != ' ' && p[i] != '\t')
			i++;
		tok[nt++] = (struct sk_str){p + s, i - s};
	}
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (nt != 6 || i != n || !sk_str_eq(tok[0], SK_STR_LIT("---")) ||
	    !sk_str_eq(tok[4], SK_STR_LIT("->")))
		return false;
	memset(e, 0, sizeof(*e));
	if (!marker_time(tok[1].p, tok[1].len, &e->ts_us))
		return false;
	if (sk_str_caseeq_c(tok[2], "udp"))
		e->proto = SK_TRACE_UDP;
	else if (sk_str_caseeq_c(tok[2], "tcp"))
		e->proto = SK_TRACE_TCP;
	else
		return false;
	return sk_trace_addr_parse(&e->src, tok[3].p, tok[3].len) == 0 &&
	       sk_trace_addr_parse(&e->dst, tok[5].p, tok[5].len) == 0;
}

bool sk_log_in_is_marker(const char *line, size_t len)
{
	struct entry e;
	return parse_marker(line, trim_eol(line, len), &e);
}

/* "-----... 2026-11-21 15:22:35.719311": the time, or false. */
static bool sipp_separator(const char *p, size_t n, int64_t *us)
{
	size_t i = 0;
	n = trim_eol(p, n);
	while (i < n && p[i] == '-')
		i++;
	if (i < 10 || i >= n || p[i] != ' ')
		return false;
	p += i + 1;
	n -= i + 1;
	/* older SIPp wrote a tab between date and time, and ':' before the fraction */
	if (!civil_time(p, n, " \t", us))
		return false;
	if (n == 19)
		return true;
	int64_t f = (p[19] == '.' || p[19] == ':') ? fraction(p + 20, n - 20) : -1;
	if (f < 0)
		return false;
	*us += f;
	return true;
}

/* "UDP message sent (509 bytes):" or "TCP message received [309] bytes :". */
static bool sipp_head(const char *p, size_t n, struct entry *e);

bool sk_log_in_is_sipp(const char *head, size_t n)
{
	const char *p = head, *end = head + n;
	int64_t us;
	struct entry e;

	/* SIPp writes notes ("Problem EAGAIN on socket ...") before its first entry too */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return false;
		if (sipp_separator(p, (size_t)(nl + 1 - p), &us)) {
			const char *h = nl + 1, *hn = memchr(h, '\n', (size_t)(end - h));
			return hn && sipp_head(h, (size_t)(hn + 1 - h), &e);
		}
		p = nl + 1;
	}
	return false;
}

static bool sipp_head(const char *p, size_t n, struct entry *e)
{
	static const char sent[] = " message sent (", recv[] = " message received [";
	size_t i = 0;

	n = trim_eol(p, n);
	while (i < n && p[i] >= 'A' && p[i] <= 'Z')
		i++;
	struct sk_str tr = {p, i};
	bool is_sent;
	if (n - i >= sizeof(sent) - 1 && memcmp(p + i, sent, sizeof(sent) - 1) == 0) {
		is_sent = true;
		i += sizeof(sent) - 1;
	} else if (n - i >= sizeof(recv) - 1 && memcmp(p + i, recv, sizeof(recv) - 1) == 0) {
		is_sent = false;
		i += sizeof(recv) - 1;
	} else {
		return false; /* errors, "control" messages, notes */
	}
	size_t s = i;
	while (i < n && p[i] >= '0' && p[i] <= '9')
		i++;
	uint64_t v;
	if (sk_str_to_u64((struct sk_str){p + s, i - s}, SIZE_MAX / 2, &v) < 0)
		return false;
	static const char sent_end[] = " bytes):", recv_end[] = "] bytes :";
	const char *end = is_sent ? sent_end : recv_end;
	if (n - i != strlen(end) || memcmp(p + i, end, n - i) != 0)
		return false;
	memset(e, 0, sizeof(*e));
	e->n = (size_t)v;
	e->proto = sk_str_eq(tr, SK_STR_LIT("UDP"))   ? SK_TRACE_UDP
	           : sk_str_eq(tr, SK_STR_LIT("TCP")) ? SK_TRACE_TCP
	           : sk_str_eq(tr, SK_STR_LIT("TLS")) ? SK_TRACE_TCP
	                                              : SK_TRACE_OTHER;
	e->src.ip[0] = is_sent ? SK_TRACE_SIDE_LOCAL : SK_TRACE_SIDE_PEER;
	e->dst.ip[0] = is_sent ? SK_TRACE_SIDE_PEER : SK_TRACE_SIDE_LOCAL;
	return true;
}

/* ---- entries into messages ------------------------------------------------------ */

/* The end of the header section (after its empty line) in p[0, n), or 0. */
static size_t header_end(const char *p, size_t n)
{
	size_t i = 0;
	if (!n)
		return 0; /* p may be NULL: no arithmetic on it (C11 6.5.6p8) */
	while (i < n && (p[i] == '\r' || p[i] == '\n'))
		i++;
	for (const char *q = p + i; (q = memchr(q, '\n', (size_t)(p + n - q))) != NULL; q++) {
		if (q + 1 < p + n && q[1] == '\n')
			return (size_t)(q + 2 - p);
		if (q + 2 < p + n && q[1] == '\r' && q[2] == '\n')
			return (size_t)(q + 3 - p);
	}
	return 0;
}

/* sipkit log: is a "--- " line now inside a message body that is not complete? */
static int inside_body(struct sk_log_in *l, bool *inside)
{
	size_t len, skip, mlen;
	*inside = false;
	if (!header_end(l->blk.p, l->blk.len))
		return 0;
	int rc = convert(l, l->blk.p, l->blk.len, &len);
	if (rc < 0)
		return rc;
	*inside = sk_msg_frame(l->out, len, &l->lim->msg, &skip, &mlen, NULL) == -SK_EAGAIN;
	return 0;
}

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/* Without its trailing blank lines ("A\r\nB\r\n\r\n\r\n" is "A\r\nB\r\n"). */
static size_t strip_blank_tail(const char *p, size_t len)
{
	while (len) {
		size_t ce = trim_eol(p, len), ls = ce; /* the last line is p[ls, ce) */
		while (ls && p[ls - 1] != '\n')
			ls--;
		if (!blank(p + ls, ce - ls))
			break;
		len = ls;
	}
	return len;
}

/*
 * The entry just read, as a message in l->out: 1 with pkt filled, 0 when it
 * holds none (empty, or too large: counted).
 */
static int finish(struct sk_log_in *l, struct sk_trace_pkt *pkt)
{
	const char *msg;
	size_t len = 0, skip, mlen;

	l->have = false;
	l->st->frames++;
	memset(pkt, 0, sizeof(*pkt));
	pkt->frame = l->entries;
	pkt->ts_us = l->cur.ts_us;
	pkt->src = l->cur.src;
	pkt->dst = l->cur.dst;
	pkt->proto = l->cur.proto;

	if (l->fmt == SK_TRACE_FMT_SIPP_LOG) {
		/* the N bytes announced, before the newline SIPp adds */
		len = l->blk.len;
		if (len && l->blk.p[len - 1] == '\n')
			len--;
		if (l->cur.n > l->lim->max_message) {
			sk_trace_skip_too_large(l->st, l->cur.n, pkt->frame);
			return 0;
		}
		if (len > l->cur.n)
			len = l->cur.n;
		if (out_reserve(l, len + 1) < 0)
			return -SK_ENOMEM;
		if (len)
			memcpy(l->out, l->blk.p, len);
		msg = l->out;
	} else {
		int rc = convert(l, l->blk.p, l->blk.len, &len);
		if (rc < 0)
			return rc;
		msg = l->out;
		if (l->fmt == SK_TRACE_FMT_SIPKIT_LOG &&
		    sk_msg_frame(l->out, len, &l->lim->msg, &skip, &mlen, NULL) == 0) {
			msg += skip;
			len = mlen;
		} else if (l->fmt == SK_TRACE_FMT_SIPKIT_LOG) {
			while (len && (*msg == '\r' || *msg == '\n')) {
				msg++;
				len--;
			}
			len = strip_blank_tail(msg, len);
		}
		if ((l->blk.overflow && l->fmt == SK_TRACE_FMT_RAW) || len > l->lim->max_message) {
			uint64_t size;
			sk_trace_declared_size(msg, len, &size);
			sk_trace_skip_too_large(l->st, size > len ? size : len, pkt->frame);
			if (l->fmt == SK_TRACE_FMT_RAW) {
				snprintf(l->err, sizeof(l->err), "message larger than %zu bytes",
				         l->lim->max_message);
				l->failed = true;
				l->err_frame = 1;
			}
			return 0;
		}
	}
	if (!len) {
		sk_trace_skip_count(l->st, SK_TRACE_SKIP_NOT_SIP); /* an entry with no message */
		return 0;
	}
	pkt->data = msg;
	pkt->len = len;
	return 1;
}

/* Starts the next entry's block. */
static void begin(struct sk_log_in *l, const struct entry *e)
{
	l->cur = *e;
	l->have = true;
	l->entries++;
	l->blk.len = 0;
	l->blk.overflow = false;
	l->blk.limit = l->lim->max_message + SLACK;
}

static void set_err(struct sk_log_in *l, uint64_t frame, const char *what)
{
	snprintf(l->err, sizeof(l->err), "%s, line %llu: %s",
	         l->fmt == SK_TRACE_FMT_SIPKIT_LOG ? "sipkit log" : "SIPp log",
	         (unsigned long long)l->in.lineno, what);
	l->failed = true;
	l->err_frame = frame;
}

/* One line of a sipkit log: 1 with a finished entry in pkt, 0 to go on, or < 0. */
static int sipkit_line(struct sk_log_in *l, const char *p, size_t n, bool at_start,
                       struct sk_trace_pkt *pkt)
{
	if (at_start && n >= 4 && memcmp(p, "---", 3) == 0 && (p[3] == ' ' || p[3] == '\t')) {
		bool inside = false;
		int rc = l->have ? inside_body(l, &inside) : 0;
		if (rc < 0)
			return rc;
		if (!inside) {
			struct entry e;
			if (!parse_marker(p, trim_eol(p, n), &e)) {
				set_err(l, l->entries + 1,
				        "malformed marker line (expected \"--- TIME udp|tcp SRC -> "
				        "DST\")");
				return l->have ? finish(l, pkt) : 0;
			}
			rc = l->have ? finish(l, pkt) : 0;
			begin(l, &e);
			return rc;
		}
	}
	if (l->have)
		return block_add(&l->blk, p, n);
	if (at_start && (p[0] == '#' || blank(p, trim_eol(p, n))))
		return 0; /* comments before the first marker */
	if (!at_start)
		return 0; /* the rest of a long comment line */
	set_err(l, 1, "text before the first marker line");
	return 0;
}

/* One line of a SIPp log: as sipkit_line. */
static int sipp_line(struct sk_log_in *l, const char *p, size_t n, bool at_start,
                     struct sk_trace_pkt *pkt)
{
	int64_t ts;
	struct entry e;

	if (at_start && sipp_separator(p, n, &ts)) {
		int rc = l->have ? finish(l, pkt) : 0;
		l->sipp = SIPP_HEAD;
		l->sipp_ts = ts;
		return rc;
	}
	switch (l->sipp) {
	case SIPP_HEAD:
		l->sipp = SIPP_IDLE;
		if (at_start && sipp_head(p, n, &e)) {
			e.ts_us = l->sipp_ts;
			begin(l, &e);
			l->blk.limit = (e.n < l->lim->max_message ? e.n : l->lim->max_message) + 1;
			l->sipp = SIPP_BLANK;
		}
		return 0;
	case SIPP_BLANK:
		l->sipp = SIPP_BODY;
		if (at_start && trim_eol(p, n) == 0)
			return 0;
		return block_add(&l->blk, p, n);
	case SIPP_BODY: return block_add(&l->blk, p, n);
	case SIPP_IDLE: return 0;
	}
	return 0;
}

int sk_log_in_next(struct sk_log_in *l, struct sk_trace_pkt *pkt, char *err, size_t errsize,
                   uint64_t *frame)
{
	const char *p;
	size_t n;
	bool at_start;
	int rc = 0;

	while (!l->done) {
		if (l->failed && !l->have)
			break;
		if (!get_line(&l->in, &p, &n, &at_start)) {
			l->done = true;
			if (ferror(l->in.f)) {
				snprintf(l->err, sizeof(l->err), "read error");
				l->failed = true;
				l->err_frame = l->entries + 1;
			}
			if (l->have) {
				rc = finish(l, pkt);
				if (rc != 0)
					return rc;
			}
			break;
		}
		switch (l->fmt) {
		case SK_TRACE_FMT_SIPKIT_LOG: rc = sipkit_line(l, p, n, at_start, pkt); break;
		case SK_TRACE_FMT_SIPP_LOG: rc = sipp_line(l, p, n, at_start, pkt); break;
		default: rc = block_add(&l->blk, p, n); break;
		}
		if (rc != 0)
			return rc;
	}
	if (!l->failed)
		return 0;
	snprintf(err, errsize, "%s", l->err);
	*frame = l->err_frame;
	return -SK_EIO;
}

int sk_log_in_open(struct sk_log_in **out, FILE *f, enum sk_trace_format fmt,
                   const struct sk_trace_limits *lim, struct sk_trace_reader_stats *st, char *err,
                   size_t errsize)
{
	struct sk_log_in *l = calloc(1, sizeof(*l));

	(void)err;
	(void)errsize;
	if (!l || !(l->in.buf = malloc(LINEBUF))) {
		free(l);
		fclose(f);
		return -SK_ENOMEM;
	}
	l->in.f = f;
	l->fmt = fmt;
	l->lim = lim;
	l->st = st;
	if (fmt == SK_TRACE_FMT_RAW) {
		/* the whole file is one entry, from the peer to us */
		struct entry e = {.proto = SK_TRACE_OTHER};
		e.src.ip[0] = SK_TRACE_SIDE_PEER;
		e.dst.ip[0] = SK_TRACE_SIDE_LOCAL;
		begin(l, &e);
		l->blk.limit = lim->max_message;
	}
	*out = l;
	return 0;
}

void sk_log_in_free(struct sk_log_in *l)
{
	if (!l)
		return;
	fclose(l->in.f);
	free(l->in.buf);
	free(l->blk.p);
	free(l->out);
	free(l);
}
