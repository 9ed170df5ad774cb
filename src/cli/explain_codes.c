/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The diagnostic codes of `sipkit check` (DESIGN.md; the table is
 * src/trace/codes.c) as entries of `sipkit explain`: `sipkit explain
 * cancel.no_match` says what the finding means, its clause, and what to do.
 */
#include <string.h>
#include <strings.h>

#include "explain.h"
#include "sipkit/trace.h"

static const char *const related_cancel[] = {"CANCEL", "INVITE", "481", "487", "Via", NULL};
static const char *const related_ack[] = {"ACK", "487", "Via", NULL};
static const char *const related_fork[] = {"CANCEL", "Reason", "200", "487", NULL};
static const char *const related_reason[] = {"Reason", "CANCEL", "BYE", NULL};
static const char *const related_msg[] = {"400", NULL};

static const char *const *related(const char *code)
{
	if (!strncmp(code, "ack.", 4))
		return related_ack;
	if (!strncmp(code, "fork.", 5))
		return related_fork;
	if (!strncmp(code, "reason.", 7))
		return related_reason;
	if (!strncmp(code, "msg.", 4))
		return related_msg;
	if (!strncmp(code, "cancel.", 7))
		return related_cancel;
	return NULL;
}

static size_t code_count(void)
{
	size_t n = 0;
	while (sk_trace_code_at(n))
		n++;
	return n;
}

static void add(struct explain_doc *d, const char *title, const char *text)
{
	if (d->n < EXPLAIN_MAX_SECTIONS && text && *text)
		d->sec[d->n++] = (struct explain_section){.title = title, .text = text};
}

static void code_get(size_t i, struct explain_doc *d)
{
	const struct sk_trace_code *c = sk_trace_code_at(i);
	*d = (struct explain_doc){
	    .kind = "diagnostic", .name = c->code, .summary = c->summary, .ref = c->rfc};
	add(d, "Finding", c->summary);
	add(d, "Severity", sk_trace_severity_name(c->severity));
	add(d, "Likely cause", c->cause);
	add(d, "Inspect", c->inspect);
	add(d, "Next step", c->next);
	const char *const *words = related(c->code);
	if (words && d->n < EXPLAIN_MAX_SECTIONS)
		d->sec[d->n++] = (struct explain_section){.title = "Related", .words = words};
}

static bool code_find(const char *word, struct explain_doc *d)
{
	for (size_t i = 0; sk_trace_code_at(i); i++)
		if (!strcasecmp(word, sk_trace_code_at(i)->code)) {
			code_get(i, d);
			return true;
		}
	return false;
}

const struct explain_source explain_check_source = {
    .group = "diagnostics (sipkit check)",
    .kind = "diagnostic",
    .count = code_count,
    .get = code_get,
    .find = code_find,
};
