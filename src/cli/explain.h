/* SPDX-License-Identifier: BSD-3-Clause */
/* sipkit explain: the reference tables (methods, responses, headers) and their lookup (internal).
 */
#ifndef SK_CLI_EXPLAIN_H
#define SK_CLI_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sipkit/core.h"

/*
 * Text fields are paragraphs separated by '\n'; the renderer wraps each one at 100 columns.
 * A paragraph starting with "- " or "1. " is a list item (continuation lines are indented
 * under its text); one starting with two spaces is printed as is (ladders, grammar); an
 * empty one is a blank line.
 */

/* How a header appears in a given method or response. */
enum explain_need {
	EXPLAIN_REQUIRED,
	EXPLAIN_OPTIONAL,
	EXPLAIN_CONDITIONAL,
	EXPLAIN_NOT_ALLOWED,
};

/* One row of an entry's "Headers" table; arrays end with a row whose name is NULL.
 * Every name has its own header entry (sipkit explain --check-refs enforces it). */
struct explain_hdr_use {
	const char *name; /* canonical header name */
	enum explain_need need;
	const char *meaning; /* what the header means for this method or response */
};

/* A request method; re-INVITE has its own entry. */
struct explain_method {
	const char *name; /* "INVITE", "re-INVITE" */
	const char
	    *alias[4];       /* other spellings that find it ("reinvite"); at most 3, NULL-padded */
	const char *ref;     /* the defining documents and clauses */
	const char *summary; /* one line for --list */
	const char *purpose; /* "Purpose" */
	const char *call_flow;                 /* "In the call flow" (VoIP and IMS) */
	const char *direction;                 /* "Direction" */
	const struct explain_hdr_use *headers; /* "Headers" */
	const char *body;                      /* "Body" */
	const char *responses;                 /* "Normal responses" */
	const char *failures;                  /* "Common failures" */
	const char *troubleshooting;           /* "Troubleshooting" (a checklist) */
	const char *const *related;            /* "Related": words with an entry, NULL-terminated */
};

/* One code of a class entry (the 3xx entry covers 300, 301, 302, 305, 380). */
struct explain_code {
	int code;
	const char *phrase;
	const char *meaning;
};

/* A response code, or a class of them. */
struct explain_response {
	int code;           /* 487; 0 for a class entry */
	const char *name;   /* "487", "3xx" */
	const char *phrase; /* "Request Terminated", "Redirection" */
	const char *ref;
	const char *summary;
	const char *purpose;                   /* "Purpose" */
	const struct explain_code *codes;      /* "Codes" (class entries only), ends with code 0 */
	const char *call_flow;                 /* "In the call flow" */
	const char *who_sends;                 /* "Who sends it" */
	const struct explain_hdr_use *headers; /* "Headers" */
	const char *what_follows;              /* "What follows" */
	const char *failures;                  /* "Common failures" */
	const char *troubleshooting;           /* "Troubleshooting" */
	const char *const *related;            /* "Related" */
};

/* A header field. */
struct explain_header {
	const char *name; /* canonical, as sk_hdr_name() spells it when it knows the header */
	const char *ref;
	const char *summary;
	const char *what;     /* "What it is" */
	const char *grammar;  /* "Grammar" */
	const char *who_sets; /* "Who sets it" */
	const char *inspect;  /* "Inspect" */
	const char *const *related;
};

/* The tables, one per file (explain_methods*.c, explain_responses*.c, explain_headers*.c). */
struct explain_methods {
	const struct explain_method *v;
	size_t n;
};
struct explain_responses {
	const struct explain_response *v;
	size_t n;
};
struct explain_headers {
	const struct explain_header *v;
	size_t n;
};
extern const struct explain_methods explain_methods_register; /* explain_methods_register.c */
extern const struct explain_methods explain_methods_call;     /* explain_methods.c */
extern const struct explain_methods explain_methods_other;    /* explain_methods_ext.c */
extern const struct explain_responses explain_responses_info; /* explain_responses.c */
extern const struct explain_responses explain_responses_4xx;  /* explain_responses_4xx.c */
extern const struct explain_responses explain_responses_fail; /* explain_responses_fail.c */
extern const struct explain_headers explain_headers_core;     /* explain_headers.c */
extern const struct explain_headers explain_headers_ext;      /* explain_headers_ext.c */
extern const struct explain_headers explain_headers_ims;      /* explain_headers_ims.c */

/*
 * What the renderer prints: an entry of any kind as a list of titled sections. A source
 * fills one from its own tables; text, JSON and the reference check work on this alone.
 */
#define EXPLAIN_MAX_SECTIONS 12

struct explain_section {
	const char *title;                  /* "Purpose"; the JSON key is derived from it */
	const char *text;                   /* paragraphs, or NULL */
	const struct explain_hdr_use *hdrs; /* a Headers table, or NULL */
	const struct explain_code *codes;   /* a Codes table, or NULL */
	const char *const *words;           /* a Related list, or NULL */
};

struct explain_doc {
	const char *kind;    /* "method", "response", "header" */
	const char *name;    /* the entry's canonical word */
	const char *summary; /* one line */
	const char *ref;
	const char *phrase; /* a response's reason phrase, or NULL */
	int code;           /* a response's code; 0 otherwise (and for a class entry) */
	char compact[2];    /* a header's compact form ("v"), or "" */
	int asked_code;     /* the code asked for when a class entry answered (302), or 0 */
	const struct explain_code *asked; /* its row in the class entry, or NULL if not listed */
	size_t n;
	struct explain_section sec[EXPLAIN_MAX_SECTIONS];
};

/*
 * A source of entries. `sipkit explain` tries its sources in order (explain.c, `sources[]`):
 * methods, responses, headers. Another kind of entry, such as the diagnostic codes of
 * `sipkit check` (cancel.no_match ...), plugs in by defining one of these, for example
 *     extern const struct explain_source explain_check_source;   (declared here)
 * with .group = "diagnostics", .kind = "diagnostic", find() answering "cancel.no_match", get()
 * filling sections such as "Finding", "Likely cause", "Inspect", "Next step", "Related", and
 * adding &explain_check_source at the end of `sources[]` in explain.c.
 */
struct explain_source {
	const char *group; /* heading in --list ("methods") */
	const char *kind;  /* "method" */
	size_t (*count)(void);
	/* fills d with entry i (0 <= i < count()) */
	void (*get)(size_t i, struct explain_doc *d);
	/* finds word (as typed: any case, aliases, compact forms ...); fills d; false if none */
	bool (*find)(const char *word, struct explain_doc *d);
	/* other words that find entry i (for suggestions); NULL-terminated, or NULL */
	const char *const *(*aliases)(size_t i);
};

/* The diagnostic codes of `sipkit check` (explain_codes.c). */
extern const struct explain_source explain_check_source;

/*
 * The header lines every response copies from its request (RFC 3261 §8.2.6.2),
 * as the first rows of a response's Headers table.
 */
/* clang-format off */
#define EXPLAIN_HDRS_COPIED                                       \
	{"Via", EXPLAIN_REQUIRED, "Copied from the request."},    \
	{"From", EXPLAIN_REQUIRED, "Copied."},                    \
	{"To", EXPLAIN_REQUIRED, "Copied, with a tag."},          \
	{"Call-ID", EXPLAIN_REQUIRED, "Copied."},                 \
	{"CSeq", EXPLAIN_REQUIRED, "Copied."}
/* clang-format on */

/* explain_sources.c: every source, in lookup and --list order; a word's entry */
extern const struct explain_source *const explain_sources[];
extern const size_t explain_nsources;
extern const struct explain_source explain_header_source;
bool explain_lookup(const char *word, struct explain_doc *d);

/* explain_render.c: text wraps at this column */
#define EXPLAIN_WIDTH 100
size_t explain_columns(const char *s, size_t n); /* display columns of UTF-8 text */
void explain_print_text(FILE *f, const struct explain_doc *d);
void explain_print_json(FILE *f, const char *word, const struct explain_doc *d);
void explain_print_list(FILE *f, bool json);

/* For `sipkit decode`: the word that explains a method, a status or a header, or NULL. */
const char *explain_method_word(struct sk_str method);
bool explain_status_has_entry(int status);
const char *explain_header_word(struct sk_str name);

#endif
