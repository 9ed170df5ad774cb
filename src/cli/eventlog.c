/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy's log of calls and registrations (issue 17): one line per event,
 * logfmt (key=value, what people and Loki/Vector read) or JSON (one object a
 * line). Every value comes from the network, so nothing reaches the terminal
 * raw: control characters and the Unicode bidi overrides (which reorder what
 * a reader sees) are escaped in both formats.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "eventlog.h"

/* Bytes of a UTF-8 bidi override or isolate at p (U+202A-202E, U+2066-2069), else 0. */
static size_t bidi_len(const unsigned char *p, size_t left)
{
	if (left < 3 || p[0] != 0xe2)
		return 0;
	if (p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae)
		return 3;
	if (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 3;
	return 0;
}

/* A value escaped for a double-quoted string of either format into f. */
static void put_escaped(FILE *f, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t len = strlen(v);
	for (size_t i = 0; i < len; i++) {
		size_t b = bidi_len(p + i, len - i);
		if (b) {
			fprintf(f, "\\u20%02x",
			        (unsigned)(p[i + 1] == 0x80 ? p[i + 2] - 0x80
			                                    : p[i + 2] - 0x80 + 0x40));
			i += b - 1;
		} else if (p[i] == '"' || p[i] == '\\') {
			fprintf(f, "\\%c", p[i]);
		} else if (p[i] == '\n') {
			fputs("\\n", f);
		} else if (p[i] == '\r') {
			fputs("\\r", f);
		} else if (p[i] == '\t') {
			fputs("\\t", f);
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			fprintf(f, "\\u%04x", p[i]);
		} else {
			fputc(p[i], f);
		}
	}
}

/* logfmt: bare when it is a plain word, quoted otherwise (empty, spaces, '=', quotes...). */
static void put_logfmt(FILE *f, const char *key, const char *v)
{
	bool bare = *v != '\0';
	for (const unsigned char *p = (const unsigned char *)v; *p && bare; p++)
		bare = *p > ' ' && *p < 0x7f && *p != '"' && *p != '=' && *p != '\\';
	fprintf(f, " %s=", key);
	if (bare) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	put_escaped(f, v);
	fputc('"', f);
}

static void put_json(FILE *f, const char *key, const char *v)
{
	fprintf(f, ",\"%s\":\"", key);
	put_escaped(f, v);
	fputc('"', f);
}

void eventlog_write(FILE *f, enum eventlog_format fmt, const struct sk_proxy_event *ev)
{
	struct timespec ts;
	struct tm tm;
	char when[40];
	clock_gettime(CLOCK_REALTIME, &ts); /* a log line's time of day, nothing depends on it */
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + n, sizeof(when) - n, ".%03ldZ", ts.tv_nsec / 1000000);
	const char *event = ev->kind == SK_PROXY_EV_CALL ? "call" : "register";
	const char *keys[] = {"call_id", "from", "to", "src", "targets", "outcome", "reason"};
	const char *vals[] = {ev->call_id, ev->from,    ev->to,    ev->source,
	                      ev->targets, ev->outcome, ev->reason};
	if (fmt == EVENTLOG_JSON) {
		fprintf(f, "{\"ts\":\"%s\",\"event\":\"%s\"", when, event);
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			put_json(f, keys[i], vals[i]);
		fprintf(f, ",\"status\":%d", ev->status);
		if (ev->kind == SK_PROXY_EV_CALL)
			fprintf(f, ",\"duration_ms\":%llu}\n", (unsigned long long)ev->duration_ms);
		else
			fprintf(f, ",\"bindings\":%u}\n", ev->bindings);
	} else {
		fprintf(f, "ts=%s event=%s", when, event);
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			put_logfmt(f, keys[i], vals[i]);
		fprintf(f, " status=%d", ev->status);
		if (ev->kind == SK_PROXY_EV_CALL)
			fprintf(f, " duration_ms=%llu\n", (unsigned long long)ev->duration_ms);
		else
			fprintf(f, " bindings=%u\n", ev->bindings);
	}
	/* not flushed here: the caller flushes once per loop pass (cli/proxy.c) */
}
