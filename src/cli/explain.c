/* SPDX-License-Identifier: BSD-3-Clause */
/* sipkit explain: the reference for methods, response codes, headers and check findings;
 * the command, suggestions for unknown words, and --check-refs. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "explain.h"

/* ---- suggestions ------------------------------------------------------------ */

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

	for (size_t s = 0; s < explain_nsources; s++) {
		for (size_t i = 0; i < explain_sources[s]->count(); i++) {
			explain_sources[s]->get(i, &d);
			consider(best, typed, d.name);
			const char *const *al =
			    explain_sources[s]->aliases ? explain_sources[s]->aliases(i) : NULL;
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
		if (n >= 2 && p[0] == ' ' && p[1] == ' ' &&
		    2 + explain_columns(p, n) > EXPLAIN_WIDTH) {
			printf("%s %s: a verbatim line of \"%s\" is wider than %d columns\n",
			       d->kind, d->name, s->title, EXPLAIN_WIDTH);
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
			if (!explain_header_source.find(u->name, &t) || strcmp(t.name, u->name)) {
				printf("%s %s: header %s has no entry\n", d->kind, d->name,
				       u->name);
				bad++;
			}
		}
		for (const char *const *w = s->words; w && *w; w++) {
			if (!explain_lookup(*w, &t)) {
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
	if (!explain_lookup(d->name, &t) || strcmp(t.name, d->name)) {
		printf("%s %s: looking it up finds %s\n", d->kind, d->name,
		       explain_lookup(d->name, &t) ? t.name : "nothing");
		bad++;
	}
	return bad;
}

static int check_refs(void)
{
	struct explain_doc d;
	size_t bad = 0, total = 0;

	for (size_t s = 0; s < explain_nsources; s++) {
		for (size_t i = 0; i < explain_sources[s]->count(); i++) {
			explain_sources[s]->get(i, &d);
			bad += check_doc(&d);
			total++;
		}
	}
	if (bad) {
		printf("sipkit explain: %zu problems in %zu entries\n", bad, total);
		return 1;
	}
	printf("sipkit explain:");
	for (size_t s = 0; s < explain_nsources; s++)
		printf("%s %zu %s", s ? "," : "", explain_sources[s]->count(),
		       explain_sources[s]->group);
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
		explain_print_list(stdout, json);
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
	if (len >= sizeof(trimmed) || !explain_lookup(trimmed, &d)) {
		fprintf(stderr, "sipkit explain: no entry for '%s'\n", word);
		suggest(stderr, word);
		return 1;
	}
	if (json)
		explain_print_json(stdout, trimmed, &d);
	else
		explain_print_text(stdout, &d);
	return 0;
}
