/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The entries of sipkit explain: the built-in tables (methods, responses,
 * headers) and the diagnostic codes of sipkit check, each behind a struct
 * explain_source; the lookup of a word, and the words sipkit decode points to.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "explain.h"

/* ---- the built-in sources ------------------------------------------------- */

static const struct explain_methods *const method_tables[] = {
    &explain_methods_register,
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
const struct explain_source explain_header_source = {
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
const struct explain_source *const explain_sources[] = {
    &method_source,
    &response_source,
    &explain_header_source,
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

const size_t explain_nsources = COUNT(explain_sources);

bool explain_lookup(const char *word, struct explain_doc *d)
{
	for (size_t s = 0; s < explain_nsources; s++)
		if (explain_sources[s]->find(word, d))
			return true;
	return false;
}
