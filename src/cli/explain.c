/* SPDX-License-Identifier: BSD-3-Clause */
/* sipkit explain: the reference for methods, response codes and headers, as text or JSON. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "explain.h"

#define WIDTH     100 /* text output wraps at this column */
#define MAX_WORDS 512 /* entries of all sources, for --list and suggestions */

/* ---- the built-in sources ------------------------------------------------- */

static const struct explain_methods *const method_tables[] = {
    &explain_methods_call,
    &explain_methods_other,
};
static const struct explain_responses *const response_tables[] = {
    &explain_responses_info,
    &explain_responses_4xx,
    &explain_responses_fail,
};
static const struct explain_headers *const header_tables[] = {
    &explain_headers_core,
    &explain_headers_ext,
    &explain_headers_ims,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool word_caseeq(const char *a, const char *b)
{
	return sk_str_caseeq(sk_str_c(a), sk_str_c(b));
}

static void add_section(struct explain_doc *d, const char *title, const char *text)
{
	if (d->n < EXPLAIN_MAX_SECTIONS)
		d->sec[d->n++] = (struct explain_section){.title = title, .text = text};
}

static void add_headers(struct explain_doc *d, const struct explain_hdr_use *h)
{
	if (d->n < EXPLAIN_MAX_SECTIONS)
		d->sec[d->n++] = (struct explain_section){.title = "Headers", .hdrs = h};
}

static void add_related(struct explain_doc *d, const char *const *words)
{
	if (d->n < EXPLAIN_MAX_SECTIONS)
		d->sec[d->n++] = (struct explain_section){.title = "Related", .words = words};
}

static const struct explain_method *method_at(size_t i)
{
	for (size_t t = 0; t < COUNT(method_tables); t++) {
		if (i < method_tables[t]->n)
			return &method_tables[t]->v[i];
		i -= method_tables[t]->n;
	}
	return NULL;
}

static size_t method_count(void)
{
	size_t n = 0;
	for (size_t t = 0; t < COUNT(method_tables); t++)
		n += method_tables[t]->n;
	return n;
}

static void method_get(size_t i, struct explain_doc *d)
{
	const struct explain_method *m = method_at(i);

	*d = (struct explain_doc){
	    .kind = "method", .name = m->name, .summary = m->summary, .ref = m->ref};
	add_section(d, "Purpose", m->purpose);
	add_section(d, "In the call flow", m->call_flow);
	add_section(d, "Direction", m->direction);
	add_headers(d, m->headers);
	add_section(d, "Body", m->body);
	add_section(d, "Normal responses", m->responses);
	add_section(d, "Common failures", m->failures);
	add_section(d, "Troubleshooting", m->troubleshooting);
	add_related(d, m->related);
}

static bool method_find(const char *word, struct explain_doc *d)
{
	for (size_t i = 0; i < method_count(); i++) {
		const struct explain_method *m = method_at(i);
		bool hit = word_caseeq(word, m->name);
		for (size_t a = 0; !hit && a < COUNT(m->alias) && m->alias[a]; a++)
			hit = word_caseeq(word, m->alias[a]);
		if (hit) {
			method_get(i, d);
			return true;
		}
	}
	return false;
}

static const char *const *method_aliases(size_t i)
{
	return method_at(i)->alias;
}

static const struct explain_response *response_at(size_t i)
{
	for (size_t t = 0; t < COUNT(response_tables); t++) {
		if (i < response_tables[t]->n)
			return &response_tables[t]->v[i];
		i -= response_tables[t]->n;
	}
	return NULL;
}

static size_t response_count(void)
{
	size_t n = 0;
	for (size_t t = 0; t < COUNT(response_tables); t++)
		n += response_tables[t]->n;
	return n;
}

static void response_get(size_t i, struct explain_doc *d)
{
	const struct explain_response *r = response_at(i);

	*d = (struct explain_doc){.kind = r->code ? "response" : "response class",
	                          .name = r->name,
	                          .phrase = r->phrase,
	                          .code = r->code,
	                          .summary = r->summary,
	                          .ref = r->ref};
	add_section(d, "Purpose", r->purpose);
	if (r->codes && d->n < EXPLAIN_MAX_SECTIONS)
		d->sec[d->n++] = (struct explain_section){.title = "Codes", .codes = r->codes};
	add_section(d, "In the call flow", r->call_flow);
	add_section(d, "Who sends it", r->who_sends);
	add_headers(d, r->headers);
	add_section(d, "What follows", r->what_follows);
	add_section(d, "Common failures", r->failures);
	add_section(d, "Troubleshooting", r->troubleshooting);
	add_related(d, r->related);
}

/* A status code as typed: three digits, 100..699; else 0. */
static int parse_code(const char *word)
{
	if (strlen(word) != 3 || !isdigit((unsigned char)word[0]) ||
	    !isdigit((unsigned char)word[1]) || !isdigit((unsigned char)word[2]))
		return 0;
	int code = atoi(word);
	return code >= 100 && code <= 699 ? code : 0;
}

static bool response_find(const char *word, struct explain_doc *d)
{
	int code = parse_code(word);

	for (size_t i = 0; code && i < response_count(); i++) {
		if (response_at(i)->code == code) {
			response_get(i, d);
			return true;
		}
	}
	/* a class entry ("3xx") answers its name and every other code of its class */
	for (size_t i = 0; i < response_count(); i++) {
		const struct explain_response *r = response_at(i);
		if (r->code ||
		    !(word_caseeq(word, r->name) || (code && code / 100 == r->name[0] - '0')))
			continue;
		response_get(i, d);
		d->asked_code = code;
		for (const struct explain_code *c = r->codes; c && c->code; c++)
			if (c->code == code)
				d->asked = c;
		return true;
	}
	return false;
}

static const struct explain_header *header_at(size_t i)
{
	for (size_t t = 0; t < COUNT(header_tables); t++) {
		if (i < header_tables[t]->n)
			return &header_tables[t]->v[i];
		i -= header_tables[t]->n;
	}
	return NULL;
}

static size_t header_count(void)
{
	size_t n = 0;
	for (size_t t = 0; t < COUNT(header_tables); t++)
		n += header_tables[t]->n;
	return n;
}

static void header_get(size_t i, struct explain_doc *d)
{
	const struct explain_header *h = header_at(i);

	*d = (struct explain_doc){
	    .kind = "header", .name = h->name, .summary = h->summary, .ref = h->ref};
	d->compact[0] = sk_hdr_compact(sk_hdr_lookup(h->name, strlen(h->name)));
	add_section(d, "What it is", h->what);
	add_section(d, "Grammar", h->grammar);
	add_section(d, "Who sets it", h->who_sets);
	add_section(d, "Inspect", h->inspect);
	add_related(d, h->related);
}

/* The header entry for a name as written in a message or typed: any case, compact forms. */
static long header_index(struct sk_str name)
{
	const char *canon = sk_hdr_name(sk_hdr_lookup(name.p, name.len));

	for (size_t i = 0; i < header_count(); i++) {
		const char *n = header_at(i)->name;
		if (canon ? word_caseeq(canon, n) : sk_str_caseeq_c(name, n))
			return (long)i;
	}
	return -1;
}

static bool header_find(const char *word, struct explain_doc *d)
{
	long i = header_index(sk_str_c(word));
	if (i < 0)
		return false;
	header_get((size_t)i, d);
	return true;
}

static const struct explain_source method_source = {
    .group = "methods",
    .kind = "method",
    .count = method_count,
    .get = method_get,
    .find = method_find,
    .aliases = method_aliases,
};
static const struct explain_source response_source = {
    .group = "responses",
    .kind = "response",
    .count = response_count,
    .get = response_get,
    .find = response_find,
};
static const struct explain_source header_source = {
    .group = "headers",
    .kind = "header",
    .count = header_count,
    .get = header_get,
    .find = header_find,
};

/*
 * Where words are looked up, in this order (the first source that finds a word answers);
 * --list shows them in this order too. This is the hook for more kinds of entries: to explain
 * the diagnostic codes of `sipkit check` (cancel.no_match ...), write a
 * `const struct explain_source` (explain.h) whose find() answers those codes and whose get()
 * fills the sections a finding needs, declare it in explain.h and add its address below.
 * `--check-refs` then checks its entries and their Related words like the others.
 */
static const struct explain_source *const sources[] = {
    &method_source,
    &response_source,
    &header_source,
    &explain_check_source,
};

/* ---- for sipkit decode ----------------------------------------------------- */

const char *explain_method_word(struct sk_str method)
{
	/* methods are case-sensitive on the wire (RFC 3261 §7.1) */
	for (size_t i = 0; i < method_count(); i++)
		if (sk_str_eq(method, sk_str_c(method_at(i)->name)))
			return method_at(i)->name;
	return NULL;
}

bool explain_status_has_entry(int status)
{
	for (size_t i = 0; i < response_count(); i++) {
		const struct explain_response *r = response_at(i);
		if (r->code ? r->code == status : status / 100 == r->name[0] - '0')
			return true;
	}
	return false;
}

const char *explain_header_word(struct sk_str name)
{
	long i = header_index(name);
	return i < 0 ? NULL : header_at((size_t)i)->name;
}

/* ---- text ------------------------------------------------------------------ */

/* Display columns of n bytes of UTF-8 (continuation bytes take none). */
static size_t columns(const char *s, size_t n)
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
		size_t wc = columns(p + i, w - i);
		if (!line_empty && col + 1 + wc > WIDTH) {
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

static void print_text(FILE *f, const struct explain_doc *d)
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

static void print_json(FILE *f, const char *word, const struct explain_doc *d)
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

static void print_list(FILE *f, bool json)
{
	static struct explain_doc docs[MAX_WORDS];
	bool first = true;

	if (json)
		fputc('[', f);
	for (size_t s = 0; s < COUNT(sources); s++) {
		size_t n = sources[s]->count();
		if (n > MAX_WORDS)
			n = MAX_WORDS;
		for (size_t i = 0; i < n; i++)
			sources[s]->get(i, &docs[i]);
		if (!strcmp(sources[s]->kind, "header")) /* headers read best in order */
			qsort(docs, n, sizeof(docs[0]), cmp_names);
		size_t namew = 0;
		for (size_t i = 0; i < n; i++)
			if (strlen(docs[i].name) > namew)
				namew = strlen(docs[i].name);
		if (!json)
			fprintf(f, "%s%s (%zu)\n", s ? "\n" : "", sources[s]->group, n);
		for (size_t i = 0; i < n; i++) {
			if (json) {
				fputs(first ? "{\"group\":" : ",{\"group\":", f);
				json_str(f, sources[s]->group);
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

/* ---- lookup, suggestions --------------------------------------------------- */

static bool lookup(const char *word, struct explain_doc *d)
{
	for (size_t s = 0; s < COUNT(sources); s++)
		if (sources[s]->find(word, d))
			return true;
	return false;
}

/* Case-insensitive edit distance, for words of up to 63 bytes. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[64];

	if (la > 63 || lb > 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost =
			    tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

struct suggestion {
	const char *word;
	size_t score;
};

static void consider(struct suggestion *best, const char *typed, const char *cand)
{
	size_t len = strlen(typed);
	size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
	size_t score = distance(typed, cand);

	if (len >= 3 && !strncasecmp(typed, cand, len)) /* a prefix: "P-Asserted" */
		score = 1;
	if (score > limit)
		return;
	for (size_t k = 0; k < 3; k++)
		if (best[k].word && !strcmp(best[k].word, cand))
			return;
	for (size_t k = 0; k < 3; k++) {
		if (!best[k].word || score < best[k].score) {
			for (size_t m = 2; m > k; m--)
				best[m] = best[m - 1];
			best[k] = (struct suggestion){cand, score};
			return;
		}
	}
}

static void suggest(FILE *f, const char *typed)
{
	struct suggestion best[3] = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
	struct explain_doc d;

	for (size_t s = 0; s < COUNT(sources); s++) {
		for (size_t i = 0; i < sources[s]->count(); i++) {
			sources[s]->get(i, &d);
			consider(best, typed, d.name);
			const char *const *al = sources[s]->aliases ? sources[s]->aliases(i) : NULL;
			for (size_t a = 0; al && al[a] && a < 3; a++)
				consider(best, typed, al[a]);
		}
	}
	if (!best[0].word) {
		fprintf(f, "'sipkit explain --list' shows every word\n");
		return;
	}
	size_t n = best[2].word ? 3 : best[1].word ? 2 : 1;
	fprintf(f, "did you mean %s", best[0].word);
	for (size_t k = 1; k < n; k++)
		fprintf(f, "%s%s", k + 1 < n ? ", " : " or ", best[k].word);
	fprintf(f, "?\n");
}

/* ---- --check-refs: every pointer of the reference leads to an entry ---------- */

static size_t check_text(const struct explain_doc *d, const struct explain_section *s)
{
	size_t bad = 0;
	if (!s->text || !*s->text) {
		printf("%s %s: section \"%s\" is empty\n", d->kind, d->name, s->title);
		return 1;
	}
	for (const char *p = s->text; p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n >= 2 && p[0] == ' ' && p[1] == ' ' && 2 + columns(p, n) > WIDTH) {
			printf("%s %s: a verbatim line of \"%s\" is wider than %d columns\n",
			       d->kind, d->name, s->title, WIDTH);
			bad++;
		}
		p = nl ? nl + 1 : NULL;
	}
	return bad;
}

static size_t check_doc(const struct explain_doc *d)
{
	struct explain_doc t;
	size_t bad = 0;

	if (!d->summary || !*d->summary || !d->ref || !*d->ref) {
		printf("%s %s: no summary or reference\n", d->kind, d->name);
		bad++;
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct explain_section *s = &d->sec[i];
		if (!s->hdrs && !s->codes && !s->words)
			bad += check_text(d, s);
		for (const struct explain_hdr_use *u = s->hdrs; u && u->name; u++) {
			/* the exact spelling, so that the table reads like the reference */
			if (!header_find(u->name, &t) || strcmp(t.name, u->name)) {
				printf("%s %s: header %s has no entry\n", d->kind, d->name,
				       u->name);
				bad++;
			}
		}
		for (const char *const *w = s->words; w && *w; w++) {
			if (!lookup(*w, &t)) {
				printf("%s %s: related word %s has no entry\n", d->kind, d->name,
				       *w);
				bad++;
			}
		}
		if (s->words && !*s->words) {
			printf("%s %s: no related words\n", d->kind, d->name);
			bad++;
		}
	}
	/* a header the parser knows must be spelt as the parser spells it */
	const char *canon = !strcmp(d->kind, "header")
	                        ? sk_hdr_name(sk_hdr_lookup(d->name, strlen(d->name)))
	                        : NULL;
	if (canon && strcmp(canon, d->name)) {
		printf("header %s: the parser spells it %s\n", d->name, canon);
		bad++;
	}
	/* the entry is found by its own name, and by no earlier source */
	if (!lookup(d->name, &t) || strcmp(t.name, d->name)) {
		printf("%s %s: looking it up finds %s\n", d->kind, d->name,
		       lookup(d->name, &t) ? t.name : "nothing");
		bad++;
	}
	return bad;
}

static int check_refs(void)
{
	struct explain_doc d;
	size_t bad = 0, total = 0;

	for (size_t s = 0; s < COUNT(sources); s++) {
		for (size_t i = 0; i < sources[s]->count(); i++) {
			sources[s]->get(i, &d);
			bad += check_doc(&d);
			total++;
		}
	}
	if (bad) {
		printf("sipkit explain: %zu problems in %zu entries\n", bad, total);
		return 1;
	}
	printf("sipkit explain:");
	for (size_t s = 0; s < COUNT(sources); s++)
		printf("%s %zu %s", s ? "," : "", sources[s]->count(), sources[s]->group);
	printf("; every reference resolves\n");
	return 0;
}

/* ---- command --------------------------------------------------------------- */

static void explain_usage(FILE *f)
{
	fprintf(f, "usage: sipkit explain [--json] WORD\n"
	           "       sipkit explain --list [--json]\n\n"
	           "The reference beside `sipkit check`: what a SIP method, a response code or a\n"
	           "header is for, where it sits in a VoIP or IMS call flow, its headers, the\n"
	           "usual failures and what to check, with the RFC and 3GPP clauses.\n\n"
	           "WORD is a method (INVITE, CANCEL, re-INVITE ...), a status code (487; any\n"
	           "3xx code, or 3xx) or a header (Via, or its compact form v), in any case.\n"
	           "  --list   every word with a one-line summary, grouped\n"
	           "  --json   one JSON object (with --list, an array)\n\n"
	           "Exit status: 0 found, 1 no entry for WORD, 64 bad usage.\n");
}

int cmd_explain(int argc, char **argv)
{
	const char *word = NULL;
	bool json = false, list = false;
	struct explain_doc d;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			explain_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--list")) {
			list = true;
		} else if (!strcmp(argv[i], "--check-refs")) { /* for the tests */
			return check_refs();
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "sipkit explain: unknown option %s\n", argv[i]);
			explain_usage(stderr);
			return EXIT_USAGE;
		} else if (word) {
			fprintf(stderr, "sipkit explain: one word at a time ('%s', then '%s')\n",
			        word, argv[i]);
			return EXIT_USAGE;
		} else {
			word = argv[i];
		}
	}
	if (list) {
		if (word) {
			fprintf(stderr, "sipkit explain: --list takes no word\n");
			return EXIT_USAGE;
		}
		print_list(stdout, json);
		return 0;
	}
	if (!word || !*word) {
		fprintf(stderr,
		        "sipkit explain: which word? (a method, a status code or a header)\n");
		explain_usage(stderr);
		return EXIT_USAGE;
	}
	/* a header name pasted from a trace keeps its colon: "Via:" */
	char trimmed[128];
	size_t len = strlen(word);
	while (len > 1 && (word[len - 1] == ':' || word[len - 1] == ' '))
		len--;
	snprintf(trimmed, sizeof(trimmed), "%.*s", (int)len, word);
	if (len >= sizeof(trimmed) || !lookup(trimmed, &d)) {
		fprintf(stderr, "sipkit explain: no entry for '%s'\n", word);
		suggest(stderr, word);
		return 1;
	}
	if (json)
		print_json(stdout, trimmed, &d);
	else
		print_text(stdout, &d);
	return 0;
}
