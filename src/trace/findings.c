/* SPDX-License-Identifier: BSD-3-Clause */
/* Findings of a call: a code, the messages involved, and what differs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_int.h"

const char *sk_trace_frame_ref(const struct sk_trace_call *c, const struct sk_trace_msg *m,
                               char *buf, size_t size)
{
	if (m->file || c->nfiles > 1)
		snprintf(buf, size, "%u:%llu", m->file + 1, (unsigned long long)m->frame);
	else
		snprintf(buf, size, "%llu", (unsigned long long)m->frame);
	return buf;
}

struct sk_trace_finding *sk_trace_finding_add(struct sk_trace_call *c, const char *code,
                                              uint32_t m0, int32_t m1, const char *fmt, ...)
{
	const struct sk_trace_code *sc = sk_trace_code_find(code);
	if (!sc || c->nfindings >= MAX_FINDINGS)
		return NULL;
	if (!c->findings) {
		c->findings = calloc(MAX_FINDINGS, sizeof(*c->findings));
		if (!c->findings)
			return NULL;
	}
	struct sk_trace_finding *f = &c->findings[c->nfindings++];
	memset(f, 0, sizeof(*f));
	f->code = sc;
	f->severity = sc->severity;
	f->msgs[f->nmsgs++] = m0;
	if (m1 >= 0)
		f->msgs[f->nmsgs++] = (uint32_t)m1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
	return f;
}

void sk_trace_finding_diff(struct sk_trace_finding *f, const char *field, struct sk_str ours,
                           struct sk_str theirs, const char *hdr)
{
	if (!f)
		return;
	snprintf(f->field, sizeof(f->field), "%s", field);
	sk_str_cpy(f->ours, sizeof(f->ours), ours);
	sk_str_cpy(f->theirs, sizeof(f->theirs), theirs);
	snprintf(f->hdr, sizeof(f->hdr), "%s", hdr ? hdr : "");
}

bool sk_trace_covered(const struct analysis *a, int64_t t_us)
{
	return a->end_us - t_us >= a->window_us;
}
