/* SPDX-License-Identifier: BSD-3-Clause */
/* sipkit explain: an entry as text (wrapped at 100 columns) or JSON, and --list. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "explain.h"

#define MAX_WORDS 512 /* entries of one source, for --list */

/* ---- text ------------------------------------------------------------------ */

/* Display columns of n bytes of UTF-8 (continuation bytes take none). */
size_t explain_columns(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* The length snprintf produced into a buffer of `size` bytes (it may have truncated). */
static size_t printed(int n, size_t size)
{
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

/* Prints one paragraph p[0..n) wrapped: first line at column `indent`, the others at
 * `indent + hang`. `col0` columns are already printed on the current line (a table row):
 * the first word then follows them. A word longer than a line gets a line of its own. */
static void wrap_at(FILE *f, size_t col0, size_t indent, size_t hang, const char *p, size_t n)
{
	size_t col = col0, i = 0;
	bool first_line = true, line_empty = true;

	while (i < n) {
		while (i < n && p[i] == ' ')
			i++;
		size_t w = i;
		while (w < n && p[w] != ' ')
			w++;
		if (w == i)
			break;
		size_t wc = explain_columns(p + i, w - i);
		if (!line_empty && col + 1 + wc > EXPLAIN_WIDTH) {
			fputc('\n', f);
			col = 0;
			first_line = false;
			line_empty = true;
		}
		if (line_empty && col == 0) {
			size_t at = indent + (first_line ? 0 : hang);
			fprintf(f, "%*s", (int)at, "");
			col = at;
		} else if (!line_empty) {
			fputc(' ', f);
			col++;
		}
		fwrite(p + i, 1, w - i, f);
		col += wc;
		line_empty = false;
		i = w;
	}
	fputc('\n', f);
}

static void wrap(FILE *f, size_t indent, size_t hang, const char *p, size_t n)
{
	wrap_at(f, 0, indent, hang, p, n);
}

/* Width of a list marker at the start of a paragraph ("- ", "12. "), or 0. */
static size_t marker_len(const char *p, size_t n)
{
	if (n >= 2 && p[0] == '-' && p[1] == ' ')
		return 2;
	size_t i = 0;
	while (i < n && isdigit((unsigned char)p[i]))
		i++;
	return i && i + 1 < n && p[i] == '.' && p[i + 1] == ' ' ? i + 2 : 0;
}

static void text_paragraphs(FILE *f, size_t indent, const char *text)
{
	const char *p = text;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n >= 2 && p[0] == ' ' && p[1] == ' ')
			fprintf(f, "%*s%.*s\n", (int)indent, "", (int)n, p); /* verbatim */
		else if (n == 0)
			fputc('\n', f);
		else
			wrap(f, indent, marker_len(p, n), p, n);
		if (!nl)
			break;
		p = nl + 1;
	}
}

static const char *need_name(enum explain_need need)
{
	switch (need) {
	case EXPLAIN_REQUIRED: return "required";
	case EXPLAIN_OPTIONAL: return "optional";
	case EXPLAIN_CONDITIONAL: return "conditional";
	default: return "not allowed";
	}
}

static void text_headers(FILE *f, const struct explain_hdr_use *h)
{
	size_t namew = 12;
	for (const struct explain_hdr_use *u = h; u->name; u++)
		if (strlen(u->name) > namew)
			namew = strlen(u->name);
	/* "  Name  need         meaning", the meaning wrapped under itself */
	size_t mcol = 2 + namew + 2 + 11 + 2;
	for (const struct explain_hdr_use *u = h; u->name; u++) {
		fprintf(f, "  %-*s  %-11s  ", (int)namew, u->name, need_name(u->need));
		wrap_at(f, mcol, mcol, 0, u->meaning, strlen(u->meaning));
	}
}

static void text_codes(FILE *f, const struct explain_code *c)
{
	char line[512];
	for (; c->code; c++) {
		int n = snprintf(line, sizeof(line), "- %d %s: %s", c->code, c->phrase, c->meaning);
		wrap(f, 2, 2, line, printed(n, sizeof(line)));
	}
}

static void text_words(FILE *f, const char *const *w)
{
	char line[1024];
	size_t n = 0;
	for (; *w && n < sizeof(line) - 64; w++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", n ? ", " : "", *w);
	wrap(f, 2, 0, line, n);
}

static void text_asked(FILE *f, const struct explain_doc *d)
{
	char line[512];
	int n;
	if (d->asked)
		n = snprintf(line, sizeof(line), "%d %s is one of the %s codes: %s", d->asked->code,
		             d->asked->phrase, d->name, d->asked->meaning);
	else
		n = snprintf(line, sizeof(line),
		             "%d is not a defined %s code: a client treats a code it does not know "
		             "as the x00 of its class (RFC 3261 §8.1.3.2).",
		             d->asked_code, d->name);
	fputc('\n', f);
	wrap(f, 0, 0, line, printed(n, sizeof(line)));
}

void explain_print_text(FILE *f, const struct explain_doc *d)
{
	char head[512];
	int n = snprintf(head, sizeof(head), "%s%s%s%s%s%s - %s", d->name, d->phrase ? " " : "",
	                 d->phrase ? d->phrase : "", d->compact[0] ? " (compact form " : "",
	                 d->compact, d->compact[0] ? ")" : "", d->summary);
	wrap(f, 0, 2, head, printed(n, sizeof(head)));
	n = snprintf(head, sizeof(head), "%s; %s", d->kind, d->ref);
	wrap(f, 2, 0, head, printed(n, sizeof(head)));
	if (d->asked_code)
		text_asked(f, d);
	for (size_t i = 0; i < d->n; i++) {
		const struct explain_section *s = &d->sec[i];
		fprintf(f, "\n%s\n", s->title);
		if (s->text)
			text_paragraphs(f, 2, s->text);
		if (s->hdrs)
			text_headers(f, s->hdrs);
		if (s->codes)
			text_codes(f, s->codes);
		if (s->words)
			text_words(f, s->words);
	}
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_str(FILE *f, const char *s)
{
	cli_json_str(f, sk_str_c(s));
}

/* "In the call flow" -> "in_the_call_flow" */
static void json_key(FILE *f, const char *title)
{
	fputc('"', f);
	for (const char *p = title; *p; p++)
		fputc(isalnum((unsigned char)*p) ? tolower((unsigned char)*p) : '_', f);
	fputs("\":", f);
}

static void json_code(FILE *f, const struct explain_code *c)
{
	fprintf(f, "{\"code\":%d,\"phrase\":", c->code);
	json_str(f, c->phrase);
	fputs(",\"meaning\":", f);
	json_str(f, c->meaning);
	fputc('}', f);
}

static void json_section(FILE *f, const struct explain_section *s)
{
	fputc(',', f);
	json_key(f, s->title);
	if (s->text) {
		json_str(f, s->text);
	} else if (s->hdrs) {
		fputc('[', f);
		for (const struct explain_hdr_use *u = s->hdrs; u->name; u++) {
			fputs(u == s->hdrs ? "{\"name\":" : ",{\"name\":", f);
			json_str(f, u->name);
			fprintf(f, ",\"need\":\"%s\",\"meaning\":", need_name(u->need));
			json_str(f, u->meaning);
			fputc('}', f);
		}
		fputc(']', f);
	} else if (s->codes) {
		fputc('[', f);
		for (const struct explain_code *c = s->codes; c->code; c++) {
			if (c != s->codes)
				fputc(',', f);
			json_code(f, c);
		}
		fputc(']', f);
	} else {
		fputc('[', f);
		for (const char *const *w = s->words; w && *w; w++) {
			if (w != s->words)
				fputc(',', f);
			json_str(f, *w);
		}
		fputc(']', f);
	}
}

void explain_print_json(FILE *f, const char *word, const struct explain_doc *d)
{
	fputs("{\"word\":", f);
	json_str(f, word);
	fputs(",\"kind\":", f);
	json_str(f, d->kind);
	fputs(",\"name\":", f);
	json_str(f, d->name);
	if (d->code)
		fprintf(f, ",\"code\":%d", d->code);
	if (d->phrase) {
		fputs(",\"phrase\":", f);
		json_str(f, d->phrase);
	}
	if (d->compact[0])
		fprintf(f, ",\"compact\":\"%s\"", d->compact);
	fputs(",\"summary\":", f);
	json_str(f, d->summary);
	fputs(",\"ref\":", f);
	json_str(f, d->ref);
	if (d->asked) {
		fputs(",\"asked\":", f);
		json_code(f, d->asked);
	} else if (d->asked_code) {
		fprintf(f, ",\"asked\":{\"code\":%d}", d->asked_code);
	}
	for (size_t i = 0; i < d->n; i++)
		json_section(f, &d->sec[i]);
	fputs("}\n", f);
}

/* ---- --list -------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
	const struct explain_doc *x = a, *y = b;
	return strcasecmp(x->name, y->name);
}

void explain_print_list(FILE *f, bool json)
{
	static struct explain_doc docs[MAX_WORDS];
	bool first = true;

	if (json)
		fputc('[', f);
	for (size_t s = 0; s < explain_nsources; s++) {
		size_t n = explain_sources[s]->count();
		if (n > MAX_WORDS)
			n = MAX_WORDS;
		for (size_t i = 0; i < n; i++)
			explain_sources[s]->get(i, &docs[i]);
		if (!strcmp(explain_sources[s]->kind, "header")) /* headers read best in order */
			qsort(docs, n, sizeof(docs[0]), cmp_names);
		size_t namew = 0;
		for (size_t i = 0; i < n; i++)
			if (strlen(docs[i].name) > namew)
				namew = strlen(docs[i].name);
		if (!json)
			fprintf(f, "%s%s (%zu)\n", s ? "\n" : "", explain_sources[s]->group, n);
		for (size_t i = 0; i < n; i++) {
			if (json) {
				fputs(first ? "{\"group\":" : ",{\"group\":", f);
				json_str(f, explain_sources[s]->group);
				fputs(",\"word\":", f);
				json_str(f, docs[i].name);
				fputs(",\"summary\":", f);
				json_str(f, docs[i].summary);
				fputc('}', f);
				first = false;
				continue;
			}
			char line[512];
			int len = snprintf(line, sizeof(line), "%s%s%s",
			                   docs[i].phrase ? docs[i].phrase : "",
			                   docs[i].phrase ? ": " : "", docs[i].summary);
			fprintf(f, "  %-*s  ", (int)namew, docs[i].name);
			wrap_at(f, namew + 4, namew + 4, 0, line, printed(len, sizeof(line)));
		}
	}
	if (json)
		fputs("]\n", f);
}
