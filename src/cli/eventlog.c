/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy's log of calls and registrations (issue 17): one line per event,
 * logfmt (key=value, what people and Loki/Vector read) or JSON (one object a
 * line). Every value comes from the network, so nothing reaches the terminal
 * raw: control characters and the Unicode bidi overrides (which reorder what
 * a reader sees) are escaped in both formats.
 *
 * A line is composed in a buffer on the stack and written with one fwrite:
 * a call's event is on every call's path, and stdio's per-character calls
 * cost more than the line. A value whose escaped form passes VALUE_MAX bytes
 * is cut between two characters (never inside a UTF-8 sequence or an escape)
 * and marked CUT_MARK; the buffer has room for every value at its maximum.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "eventlog.h"

#define VALUE_MAX 1024
#define CUT_MARK  "[cut]"
#define NVALUES   7
/* each value with its key and quotes, the time, the event, the status and the duration */
#define EVENT_LINE_MAX (NVALUES * (VALUE_MAX + 32) + 160)

/* Bytes of a UTF-8 bidi override or isolate at p (U+202A-202E, U+2066-2069), else 0;
 * p is NUL-terminated (a NUL never matches, so nothing past it is read). */
static size_t bidi_len(const unsigned char *p)
{
	if (p[0] != 0xe2)
		return 0;
	if (p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae)
		return 3;
	if (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 3;
	return 0;
}

/* Bytes of the character at p as it stands: a lead byte with its continuation bytes
 * (at most 4), else 1 (a stray byte passes as it did). */
static size_t char_len(const unsigned char *p)
{
	size_t want = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 1;
	size_t n = 1;
	while (n < want && (p[n] & 0xc0) == 0x80)
		n++;
	return n;
}

/* The escaped form of the character at p (not plain ASCII) into out, at most 6 bytes
 * or the character's own; *used: the input bytes it stands for. */
static size_t escape_one(const unsigned char *p, char *out, size_t *used)
{
	static const char hex[] = "0123456789abcdef";
	size_t b = bidi_len(p);
	*used = 1;
	if (b) { /* \u202a-\u202e, \u2066-\u2069 */
		unsigned low = p[1] == 0x80 ? p[2] - 0x80u : p[2] - 0x80u + 0x40u;
		*used = b;
		memcpy(out, "\\u20", 4);
		out[4] = hex[(low >> 4) & 0xf];
		out[5] = hex[low & 0xf];
		return 6;
	}
	switch (p[0]) {
	case '"':
	case '\\': out[0] = '\\', out[1] = (char)p[0]; return 2;
	case '\n': memcpy(out, "\\n", 2); return 2;
	case '\r': memcpy(out, "\\r", 2); return 2;
	case '\t': memcpy(out, "\\t", 2); return 2;
	default: break;
	}
	if (p[0] < 0x20 || p[0] == 0x7f) {
		memcpy(out, "\\u00", 4);
		out[4] = hex[p[0] >> 4];
		out[5] = hex[p[0] & 0xf];
		return 6;
	}
	*used = char_len(p);
	memcpy(out, p, *used);
	return *used;
}

/* Where a cut value ends: the mark then fits in VALUE_MAX. */
#define CUT_AT (VALUE_MAX - (sizeof(CUT_MARK) - 1))

/* The value in out cut at keep and marked: its length. */
static size_t mark_cut(char *out, size_t keep)
{
	memcpy(out + keep, CUT_MARK, sizeof(CUT_MARK) - 1);
	return keep + sizeof(CUT_MARK) - 1;
}

/*
 * v escaped into out (VALUE_MAX bytes): its length. *bare: v is a plain word, which
 * logfmt writes without quotes (its escaped form is then v itself). Plain ASCII is
 * copied in runs; past VALUE_MAX the value is cut at the last character boundary
 * that leaves room for CUT_MARK.
 */
static size_t escape_value(const char *v, char *out, bool *bare)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t n = 0, keep = 0; /* keep: the last boundary at or before CUT_AT */
	*bare = *p != '\0';
	while (*p) {
		const unsigned char *run = p;
		while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') {
			if (*p == ' ' || *p == '=')
				*bare = false;
			p++;
		}
		size_t rl = (size_t)(p - run), start = n;
		if (rl && n + rl > VALUE_MAX) { /* every byte of a run is a boundary */
			if (n < CUT_AT)
				memcpy(out + n, run, CUT_AT - n);
			return mark_cut(out, n <= CUT_AT ? CUT_AT : keep);
		}
		memcpy(out + n, run, rl);
		n += rl;
		if (start <= CUT_AT)
			keep = n < CUT_AT ? n : CUT_AT;
		if (!*p)
			break;
		char piece[8];
		size_t used, pn = escape_one(p, piece, &used);
		*bare = false;
		if (n + pn > VALUE_MAX)
			return mark_cut(out, keep);
		memcpy(out + n, piece, pn);
		n += pn;
		if (n <= CUT_AT)
			keep = n;
		p += used;
	}
	return n;
}

/* logfmt: bare when it is a plain word, quoted otherwise (empty, spaces, '=', quotes...). */
static void put_logfmt(struct sk_fmt *f, const char *key, const char *v)
{
	char out[VALUE_MAX];
	bool bare;
	size_t n = escape_value(v, out, &bare);
	sk_fmt_char(f, ' ');
	sk_fmt_cstr(f, key);
	sk_fmt_str(f, bare ? SK_STR_LIT("=") : SK_STR_LIT("=\""));
	sk_fmt_str(f, (struct sk_str){out, n});
	if (!bare)
		sk_fmt_char(f, '"');
}

static void put_json(struct sk_fmt *f, const char *key, const char *v)
{
	char out[VALUE_MAX];
	bool bare;
	size_t n = escape_value(v, out, &bare);
	sk_fmt_str(f, SK_STR_LIT(",\""));
	sk_fmt_cstr(f, key);
	sk_fmt_str(f, SK_STR_LIT("\":\""));
	sk_fmt_str(f, (struct sk_str){out, n});
	sk_fmt_char(f, '"');
}

static void put_2digits(struct sk_fmt *f, int v)
{
	sk_fmt_char(f, (char)('0' + v / 10 % 10));
	sk_fmt_char(f, (char)('0' + v % 10));
}

/* "%Y-%m-%dT%H:%M:%S.mmmZ", UTC */
static void put_time(struct sk_fmt *f)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts); /* a log line's time of day, nothing depends on it */
	gmtime_r(&ts.tv_sec, &tm);
	sk_fmt_u64(f, (uint64_t)(tm.tm_year + 1900));
	sk_fmt_char(f, '-');
	put_2digits(f, tm.tm_mon + 1);
	sk_fmt_char(f, '-');
	put_2digits(f, tm.tm_mday);
	sk_fmt_char(f, 'T');
	put_2digits(f, tm.tm_hour);
	sk_fmt_char(f, ':');
	put_2digits(f, tm.tm_min);
	sk_fmt_char(f, ':');
	put_2digits(f, tm.tm_sec);
	sk_fmt_char(f, '.');
	int ms = (int)(ts.tv_nsec / 1000000);
	sk_fmt_char(f, (char)('0' + ms / 100));
	put_2digits(f, ms % 100);
	sk_fmt_char(f, 'Z');
}

static void put_int(struct sk_fmt *f, int v)
{
	if (v < 0)
		sk_fmt_char(f, '-');
	sk_fmt_u64(f, v < 0 ? -(uint64_t)v : (uint64_t)v);
}

void eventlog_write(FILE *out, enum eventlog_format fmt, const struct sk_proxy_event *ev)
{
	char line[EVENT_LINE_MAX];
	struct sk_fmt f;
	sk_fmt_init(&f, line, sizeof(line));
	bool json = fmt == EVENTLOG_JSON, call = ev->kind == SK_PROXY_EV_CALL;
	const char *keys[NVALUES] = {"call_id", "from",    "to",    "src",
	                             "targets", "outcome", "reason"};
	const char *vals[NVALUES] = {ev->call_id, ev->from,    ev->to,    ev->source,
	                             ev->targets, ev->outcome, ev->reason};
	sk_fmt_cstr(&f, json ? "{\"ts\":\"" : "ts=");
	put_time(&f);
	sk_fmt_cstr(&f, json ? "\",\"event\":\"" : " event=");
	sk_fmt_cstr(&f, call ? "call" : "register");
	if (json)
		sk_fmt_char(&f, '"');
	for (size_t i = 0; i < NVALUES; i++)
		(json ? put_json : put_logfmt)(&f, keys[i], vals[i]);
	sk_fmt_cstr(&f, json ? ",\"status\":" : " status=");
	put_int(&f, ev->status);
	if (call) {
		sk_fmt_cstr(&f, json ? ",\"duration_ms\":" : " duration_ms=");
		sk_fmt_u64(&f, ev->duration_ms);
	} else {
		sk_fmt_cstr(&f, json ? ",\"bindings\":" : " bindings=");
		sk_fmt_u64(&f, ev->bindings);
	}
	sk_fmt_cstr(&f, json ? "}\n" : "\n");
	fwrite(line, 1, f.len, out);
	/* not flushed here: the caller writes the lines of LOG_FLUSH_MS at once (cli/proxy.c) */
}
