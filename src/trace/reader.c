/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sk_trace_reader: opens a capture or a log, tells its format by its first
 * bytes, and hands out the SIP messages in it one at a time. The input is
 * read as a stream (a pipe works); memory follows the configured limits,
 * never the size of the input.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "input.h"

/* Text formats are told from their first lines: at most this much is looked at. */
#define HEAD_MAX 65536

/*
 * A pipe cannot be rewound after its first bytes were looked at, so it is
 * read through this wrapper, which gives those bytes back first.
 */
struct head_cookie {
	FILE *in;
	unsigned char *head;
	size_t hlen, hpos;
	uint64_t count; /* bytes handed out: the progress of a pipe */
};

struct sk_trace_reader {
	struct sk_trace_limits lim;
	uint16_t *ports; /* a copy of the configured list */
	enum sk_trace_format fmt;
	struct sk_trace_reader_stats st;
	struct sk_trace_queue q;
	FILE *f;                /* the input, owned by cap or log once they have it */
	struct head_cookie *ck; /* set when f reads a pipe through the wrapper */
	uint64_t total;         /* input size, 0 when unknown */
	struct sk_capture *cap;
	struct sk_log_in *log;
	bool done, failed;
	uint64_t err_frame;
	char err[256];
};

/* ---- the message queue ----------------------------------------------------- */

int sk_trace_queue_push(struct sk_trace_queue *q, const struct sk_trace_pkt *meta, const char *data,
                        size_t len)
{
	if (q->n == q->cap) {
		size_t nc = q->cap ? q->cap * 2 : 16;
		struct sk_trace_qitem *ni = realloc(q->items, nc * sizeof(*ni));
		if (!ni)
			return -SK_ENOMEM;
		q->items = ni;
		q->cap = nc;
	}
	if (len > q->size - q->used) {
		size_t ns = q->size ? q->size : 4096;
		while (ns - q->used < len) {
			if (ns > SIZE_MAX / 2)
				return -SK_ENOMEM;
			ns *= 2;
		}
		char *na = realloc(q->arena, ns);
		if (!na)
			return -SK_ENOMEM;
		q->arena = na;
		q->size = ns;
	}
	struct sk_trace_qitem *it = &q->items[q->n++];
	it->pkt = *meta;
	it->pkt.data = NULL;
	it->pkt.len = len;
	it->off = q->used;
	if (len)
		memcpy(q->arena + q->used, data, len);
	q->used += len;
	return 0;
}

bool sk_trace_queue_pop(struct sk_trace_queue *q, struct sk_trace_pkt *pkt)
{
	if (q->head >= q->n)
		return false;
	struct sk_trace_qitem *it = &q->items[q->head++];
	*pkt = it->pkt;
	pkt->data = q->arena ? q->arena + it->off : "";
	return true;
}

void sk_trace_queue_clear(struct sk_trace_queue *q)
{
	q->n = q->head = 0;
	q->used = 0;
}

void sk_trace_queue_free(struct sk_trace_queue *q)
{
	free(q->items);
	free(q->arena);
	memset(q, 0, sizeof(*q));
}

/* ---- start lines (RFC 3261 §7.1, §7.2, §25.1) ------------------------------ */

/* token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
static bool is_token(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("-.!%*_+`'~", c) != NULL;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Case-insensitive compare of n bytes with a lower-case literal. */
static bool ci_eq(const char *p, const char *lit, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c | 0x20);
		if (c != lit[i])
			return false;
	}
	return true;
}

/* A start line is short; a "line" longer than this is not one. */
#define START_LINE_MAX 8192

int sk_trace_sip_start(const char *buf, size_t len)
{
	static const char ver[] = "sip/2.0";
	const size_t vlen = sizeof(ver) - 1;
	const char *nl = memchr(buf, '\n', len < START_LINE_MAX ? len : START_LINE_MAX);
	size_t n = nl ? (size_t)(nl - buf) : len;
	/* without its line end yet, a prefix may still become a start line */
	int more = (!nl && len < START_LINE_MAX) ? -SK_EAGAIN : 0;

	/* the SIP-Version is case-insensitive (§7.1: "SIP/2.0" as written, compared as tokens) */
	size_t k = n < vlen + 1 ? n : vlen + 1;
	if (k && ci_eq(buf, "sip/2.0 ", k)) {
		/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF */
		for (size_t i = vlen + 1; i < vlen + 4; i++) {
			if (i >= n)
				return more;
			if (!is_digit(buf[i]))
				return 0;
		}
		if (n > vlen + 4 && buf[vlen + 4] != ' ' && buf[vlen + 4] != '\r')
			return 0;
		return nl ? 1 : more;
	}
	/* Request-Line = Method SP Request-URI SP SIP-Version CRLF */
	size_t i = 0;
	while (i < n && is_token((unsigned char)buf[i]))
		i++;
	if (i == n)
		return more;
	if (i == 0 || buf[i] != ' ')
		return 0;
	if (!nl)
		return more;
	size_t e = n;
	if (e && buf[e - 1] == '\r')
		e--;
	/* method SP at least one byte of URI SP version */
	if (e < i + 2 + 1 + vlen || buf[e - vlen - 1] != ' ' || !ci_eq(buf + e - vlen, ver, vlen))
		return 0;
	for (size_t j = i + 1; j < e - vlen - 1; j++) {
		unsigned char c = (unsigned char)buf[j];
		if (c < 0x21 || c == 0x7f)
			return 0; /* no controls or spaces inside the Request-URI */
	}
	return 1;
}

bool sk_trace_sip_like(const char *buf, size_t len)
{
	while (len && (*buf == '\r' || *buf == '\n')) {
		buf++;
		len--;
	}
	const char *nl = memchr(buf, '\n', len < START_LINE_MAX ? len : START_LINE_MAX);
	size_t n = nl ? (size_t)(nl - buf) : len;
	if (n > START_LINE_MAX)
		return false;
	if (n >= 5 && ci_eq(buf, "sip/", 4) && is_digit(buf[4]))
		return true;
	/* a method-like token, a space, then a SIP version further on or a URI's scheme */
	size_t i = 0;
	while (i < n && is_token((unsigned char)buf[i]))
		i++;
	if (i == 0 || i >= n || buf[i] != ' ')
		return false;
	for (size_t j = i; j + 5 <= n; j++)
		if (buf[j] == ' ' && ci_eq(buf + j + 1, "sip/", 4))
			return true;
	size_t k = i + 1; /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" (RFC 3986) */
	if (k >= n || !((buf[k] | 0x20) >= 'a' && (buf[k] | 0x20) <= 'z'))
		return false;
	while (k < n && (((buf[k] | 0x20) >= 'a' && (buf[k] | 0x20) <= 'z') || is_digit(buf[k]) ||
	                 buf[k] == '+' || buf[k] == '-' || buf[k] == '.'))
		k++;
	return k < n && buf[k] == ':';
}

/* ---- input ------------------------------------------------------------------ */

static ssize_t head_read(void *cookie, char *buf, size_t size)
{
	struct head_cookie *ck = cookie;
	size_t n = 0;

	if (ck->hpos < ck->hlen) {
		n = ck->hlen - ck->hpos < size ? ck->hlen - ck->hpos : size;
		memcpy(buf, ck->head + ck->hpos, n);
		ck->hpos += n;
	} else {
		n = fread(buf, 1, size, ck->in);
		if (n == 0 && ferror(ck->in))
			return -1;
	}
	ck->count += n;
	return (ssize_t)n;
}

static int head_close(void *cookie)
{
	struct head_cookie *ck = cookie;
	int rc = fclose(ck->in);
	free(ck->head);
	free(ck);
	return rc;
}

/* Reads up to want bytes (more than a plain fread may give from a pipe). */
static size_t read_full(FILE *f, unsigned char *buf, size_t want)
{
	size_t got = 0;
	while (got < want) {
		size_t n = fread(buf + got, 1, want - got, f);
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

/* The reason into err, printf-like (formats checked at each call). -SK_EIO. */
static int seterr(char *err, size_t errsize, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int seterr(char *err, size_t errsize, const char *fmt, ...)
{
	if (err && errsize) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errsize, fmt, ap);
		va_end(ap);
	}
	return -SK_EIO;
}

static bool is_blank_or_comment(const unsigned char *p, size_t n)
{
	if (n && p[0] == '#')
		return true;
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/* The format of a text input from its first bytes, or 0 with the reason in err. */
static enum sk_trace_format text_format(const unsigned char *h, size_t n, char *err, size_t errsize)
{
	const unsigned char *p = h, *end = h + n;
	size_t lineno = 0;

	/* sipkit log: comments and blank lines, then a marker line */
	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		if (ll >= 4 && memcmp(p, "---", 3) == 0 && (p[3] == ' ' || p[3] == '\t')) {
			if (sk_log_in_is_marker((const char *)p, ll))
				return SK_TRACE_FMT_SIPKIT_LOG;
			if (err && errsize)
				snprintf(err, errsize,
				         "sipkit log, line %zu: malformed marker line (expected "
				         "\"--- TIME udp|tcp SRC -> DST\")",
				         lineno);
			return 0;
		}
		if (!is_blank_or_comment(p, ll))
			break;
		if (!nl)
			break;
		p = nl + 1;
	}
	/* SIPp: a separator of dashes with a time, then "UDP message sent (N bytes):" */
	if (sk_log_in_is_sipp((const char *)h, n))
		return SK_TRACE_FMT_SIPP_LOG;
	if (sk_trace_sip_like((const char *)h, n))
		return SK_TRACE_FMT_RAW;
	if (err && errsize) {
		char hex[64] = "", txt[16] = "";
		size_t k = n < 8 ? n : 8, o = 0;
		for (size_t i = 0; i < k; i++) {
			o += (size_t)snprintf(hex + o, sizeof(hex) - o, "%s%02x", i ? " " : "",
			                      h[i]);
			txt[i] = (h[i] >= 0x20 && h[i] < 0x7f) ? (char)h[i] : '.';
		}
		txt[k] = '\0';
		snprintf(
		    err, errsize,
		    "not a pcap, pcapng or SIP log, nor a SIP message: first bytes %s (\"%s\")",
		    hex, txt);
	}
	return 0;
}

void sk_trace_limits_init(struct sk_trace_limits *lim, const struct sk_trace_reader_config *cfg)
{
	memset(lim, 0, sizeof(*lim));
	if (cfg) {
		lim->max_streams = cfg->max_streams;
		lim->max_stream_buf = cfg->max_stream_buf;
		lim->max_frag_bytes = cfg->max_frag_bytes;
		lim->max_message = cfg->max_message;
	}
	if (!lim->max_streams)
		lim->max_streams = 4096;
	if (lim->max_streams > (1u << 20))
		lim->max_streams = 1u << 20;
	if (!lim->max_stream_buf)
		lim->max_stream_buf = 256 * 1024;
	if (!lim->max_frag_bytes)
		lim->max_frag_bytes = 16 * 1024 * 1024;
	if (!lim->max_message)
		lim->max_message = 65536;
	/* a message is framed by sk_msg_frame, whose limit is 32 bits */
	if (lim->max_message > (1u << 30))
		lim->max_message = 1u << 30;
	/* a stream direction holds a whole message at least, when the limit was raised */
	if (lim->max_message > 65536 && lim->max_stream_buf < lim->max_message + 4096)
		lim->max_stream_buf = lim->max_message + 4096;
	lim->msg = sk_msg_limits_default();
	lim->msg.max_msg_size = (uint32_t)lim->max_message;
}

static int open_file(struct sk_trace_reader **out, FILE *f, uint64_t total,
                     const struct sk_trace_reader_config *cfg, char *err, size_t errsize)
{
	unsigned char *head = malloc(HEAD_MAX);
	struct sk_trace_reader *r = calloc(1, sizeof(*r));
	enum sk_trace_format fmt = 0;
	size_t n;
	int rc = -SK_EIO;

	if (!head || !r) {
		rc = -SK_ENOMEM;
		seterr(err, errsize, "out of memory");
		goto fail;
	}
	sk_trace_limits_init(&r->lim, cfg);
	if (cfg && cfg->nports) {
		if (!cfg->ports || cfg->nports > 65536) {
			rc = -SK_EINVAL;
			seterr(err, errsize, "bad port list");
			goto fail;
		}
		r->ports = malloc(cfg->nports * sizeof(*r->ports));
		if (!r->ports) {
			rc = -SK_ENOMEM;
			goto fail;
		}
		memcpy(r->ports, cfg->ports, cfg->nports * sizeof(*r->ports));
		r->lim.ports = r->ports;
		r->lim.nports = cfg->nports;
	}
	r->total = total;

	/* four bytes tell a capture: looking further could block on a live pipe */
	n = read_full(f, head, 4);
	if (n == 4) {
		static const unsigned char magics[][4] = {
		    {0xa1, 0xb2, 0xc3, 0xd4},
		    {0xd4, 0xc3, 0xb2, 0xa1}, /* pcap, microseconds */
		    {0xa1, 0xb2, 0x3c, 0x4d},
		    {0x4d, 0x3c, 0xb2, 0xa1}, /* pcap, nanoseconds */
		    {0xa1, 0xb2, 0xcd, 0x34},
		    {0x34, 0xcd, 0xb2, 0xa1}, /* Kuznetzov's patched pcap */
		};
		for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
			if (memcmp(head, magics[i], 4) == 0)
				fmt = SK_TRACE_FMT_PCAP;
		if (memcmp(head, "\x0a\x0d\x0d\x0a", 4) == 0)
			fmt = SK_TRACE_FMT_PCAPNG;
	}
	if (!fmt) {
		n += read_full(f, head + n, HEAD_MAX - n);
		if (ferror(f)) {
			seterr(err, errsize, "cannot read: %s", strerror(errno));
			goto fail;
		}
		if (n == 0) {
			seterr(err, errsize, "empty file");
			goto fail;
		}
		fmt = text_format(head, n, err, errsize);
		if (!fmt)
			goto fail;
	}
	r->fmt = fmt;

	/* back to the first byte: rewind a file, wrap a pipe */
	if (fseeko(f, 0, SEEK_SET) != 0) {
		struct head_cookie *ck = calloc(1, sizeof(*ck));
		FILE *w;
		if (!ck) {
			rc = -SK_ENOMEM;
			goto fail;
		}
		ck->in = f;
		ck->head = head;
		ck->hlen = n;
		w = fopencookie(ck, "rb",
		                (cookie_io_functions_t){.read = head_read, .close = head_close});
		if (!w) {
			free(ck);
			rc = -SK_ENOMEM;
			goto fail;
		}
		head = NULL; /* the cookie has it, and f */
		f = w;
		r->ck = ck;
	}
	free(head);
	head = NULL;
	r->f = f;

	if (fmt == SK_TRACE_FMT_PCAP || fmt == SK_TRACE_FMT_PCAPNG)
		rc = sk_capture_open(&r->cap, f, fmt, &r->lim, &r->q, &r->st, err, errsize);
	else
		rc = sk_log_in_open(&r->log, f, fmt, &r->lim, &r->st, err, errsize);
	f = NULL; /* closed by the opener, or owned by the source */
	if (rc < 0)
		goto fail;
	*out = r;
	return 0;
fail:
	free(head);
	if (f)
		fclose(f);
	if (r) {
		free(r->ports);
		free(r);
	}
	return rc;
}

int sk_trace_reader_open(struct sk_trace_reader **out, const char *path,
                         const struct sk_trace_reader_config *cfg, char *err, size_t errsize)
{
	struct stat st;
	uint64_t total = 0;
	FILE *f;

	if (err && errsize)
		err[0] = '\0';
	if (!out || !path)
		return -SK_EINVAL;
	*out = NULL;
	if (strcmp(path, "-") == 0) {
		int fd = dup(STDIN_FILENO);
		f = fd >= 0 ? fdopen(fd, "rb") : NULL;
		if (!f && fd >= 0)
			close(fd);
	} else {
		f = fopen(path, "rb");
	}
	if (!f)
		return seterr(err, errsize, "cannot open: %s", strerror(errno));
	if (fstat(fileno(f), &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			fclose(f);
			return seterr(err, errsize, "is a directory");
		}
		if (S_ISREG(st.st_mode))
			total = (uint64_t)st.st_size;
	}
	return open_file(out, f, total, cfg, err, errsize);
}

int sk_trace_reader_open_mem(struct sk_trace_reader **out, const void *data, size_t len,
                             const struct sk_trace_reader_config *cfg, char *err, size_t errsize)
{
	FILE *f;

	if (err && errsize)
		err[0] = '\0';
	if (!out || (!data && len))
		return -SK_EINVAL;
	*out = NULL;
	if (len == 0)
		return seterr(err, errsize, "empty file");
	/* fmemopen does not write through a "rb" stream: the cast only fits its prototype */
	f = fmemopen((void *)(uintptr_t)data, len, "rb");
	if (!f)
		return seterr(err, errsize, "cannot open: %s", strerror(errno));
	return open_file(out, f, len, cfg, err, errsize);
}

int sk_trace_reader_next(struct sk_trace_reader *r, struct sk_trace_pkt *pkt)
{
	if (!r || !pkt)
		return -SK_EINVAL;
	for (;;) {
		if (sk_trace_queue_pop(&r->q, pkt)) {
			r->st.messages++;
			return 1;
		}
		if (r->done)
			return r->failed ? -SK_EIO : 0;
		sk_trace_queue_clear(&r->q);
		int rc;
		if (r->log) {
			rc = sk_log_in_next(r->log, pkt, r->err, sizeof(r->err), &r->err_frame);
			if (rc == 1) {
				r->st.messages++;
				return 1;
			}
		} else {
			rc = sk_capture_read(r->cap, r->err, sizeof(r->err), &r->err_frame);
			if (rc == 1)
				continue;
		}
		if (rc == -SK_ENOMEM && !r->err[0])
			snprintf(r->err, sizeof(r->err), "out of memory");
		r->done = true;
		r->failed = rc < 0;
		if (r->failed && !r->err_frame)
			r->err_frame = r->st.frames + 1;
	}
}

const char *sk_trace_reader_error(const struct sk_trace_reader *r, uint64_t *frame)
{
	if (frame)
		*frame = r && r->failed ? r->err_frame : 0;
	return r && r->failed ? r->err : NULL;
}

enum sk_trace_format sk_trace_reader_format(const struct sk_trace_reader *r)
{
	return r ? r->fmt : 0;
}

void sk_trace_reader_progress(const struct sk_trace_reader *r, uint64_t *done, uint64_t *total)
{
	uint64_t d = 0;

	if (r && r->ck) {
		d = r->ck->count;
	} else if (r && r->f) {
		off_t o = ftello(r->f);
		d = o > 0 ? (uint64_t)o : 0;
	}
	if (r && r->total && d > r->total)
		d = r->total;
	if (r && r->done && r->total)
		d = r->total;
	if (done)
		*done = d;
	if (total)
		*total = r ? r->total : 0;
}

struct sk_trace_reader_stats sk_trace_reader_stats(const struct sk_trace_reader *r)
{
	struct sk_trace_reader_stats z = {0};
	return r ? r->st : z;
}

void sk_trace_reader_free(struct sk_trace_reader *r)
{
	if (!r)
		return;
	sk_capture_free(r->cap);
	sk_log_in_free(r->log);
	sk_trace_queue_free(&r->q);
	free(r->ports);
	free(r);
}
