/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A call as text: a ladder with the hosts as columns (frame numbers and times
 * on the left, Reason values and retransmissions on the right), then the
 * findings, each with the fields that differ side by side and three lines for
 * a person. The totals close the report.
 */
#include <stdio.h>
#include <string.h>

#include "trace_int.h"

#define COL_MIN   18
#define COL_MAX   30
#define COL_FLOOR 10  /* narrower, a label no longer shows */
#define WIDTH     100 /* the ladder fits a terminal this wide */
#define LEFT      23  /* "  frame time  ": the columns start here */

static size_t col_width(const struct sk_trace_call *c)
{
	size_t w = COL_MIN;
	for (size_t i = 0; i < c->nhosts; i++) {
		char a[64];
		size_t n = sk_trace_addr_print(&c->hosts[i], a, sizeof(a)) + 2;
		w = n > w ? n : w;
	}
	for (size_t i = 0; i < c->nmsgs; i++) {
		size_t n = strlen(c->msgs[i].label) + 6;
		w = n > w ? n : w;
	}
	w = w < COL_MAX ? w : COL_MAX;
	if (c->nhosts > 1 && LEFT + (c->nhosts - 1) * w > WIDTH) {
		w = (WIDTH - LEFT) / (c->nhosts - 1);
		w = w > COL_FLOOR ? w : COL_FLOOR;
	}
	return w;
}

/* Every host's address fits over its column: else the columns get letters and a legend. */
static bool addresses_fit(const struct sk_trace_call *c, size_t cw)
{
	for (size_t i = 0; i + 1 < c->nhosts; i++) { /* the last column may run on */
		char a[64];
		if (sk_trace_addr_print(&c->hosts[i], a, sizeof(a)) + 1 > cw)
			return false;
	}
	return true;
}

/* A, B ... Z, then a ... z (MAX_HOSTS is 32). */
static char host_letter(size_t i)
{
	return (char)(i < 26 ? 'A' + i : 'a' + (i - 26));
}

/* A message of column i from or to another port than the column's (a TCP client's). */
static bool other_ports(const struct sk_trace_call *c)
{
	for (size_t k = 0; k < c->nmsgs; k++) {
		const struct sk_trace_msg *m = &c->msgs[k];
		if (m->src.port != c->hosts[m->from_host].port ||
		    m->dst.port != c->hosts[m->to_host].port)
			return true;
	}
	return false;
}

/* The legend: a letter per host, its address, and the other TCP ports it used. */
static void legend(FILE *f, const struct sk_trace_call *c)
{
	for (size_t i = 0; i < c->nhosts; i++) {
		char a[64];
		sk_trace_addr_print(&c->hosts[i], a, sizeof(a));
		fprintf(f, "%s %c  %s", i ? "      " : "hosts:", host_letter(i), a);
		uint16_t seen[4];
		size_t nseen = 0, more = 0;
		for (size_t k = 0; k < c->nmsgs; k++) {
			const struct sk_trace_msg *m = &c->msgs[k];
			const struct sk_trace_addr *ends[2] = {m->from_host == i ? &m->src : NULL,
			                                       m->to_host == i ? &m->dst : NULL};
			for (size_t e = 0; e < 2; e++) {
				if (!ends[e] || ends[e]->port == c->hosts[i].port)
					continue;
				bool dup = false;
				for (size_t s = 0; s < nseen; s++)
					dup |= seen[s] == ends[e]->port;
				if (dup)
					continue;
				if (nseen < 4)
					seen[nseen++] = ends[e]->port;
				else
					more++;
			}
		}
		for (size_t s = 0; s < nseen; s++)
			fprintf(f, "%s%u", s ? ", " : "  (and TCP from ports ", seen[s]);
		fprintf(f, "%s", nseen ? (more ? ", ...)" : ")") : "");
		fputc('\n', f);
	}
}

/* What goes right of the arrow: decoded Reasons, a retransmission, a parse error. */
static void annotate(FILE *f, const struct sk_trace_call *c, const struct sk_trace_msg *m)
{
	if (m->retrans)
		fprintf(f, "  (retransmission)");
	if (m->duplicate) {
		char fr[32];
		fprintf(f, "  (duplicate: the packet of frame %s captured again)",
		        sk_trace_frame_ref(c, &c->msgs[m->dup_of], fr, sizeof(fr)));
		return;
	}
	if (!m->msg) {
		fprintf(f, "  does not parse: %s", m->error);
		return;
	}
	/* RFC 3262: a reliable provisional and the PRACK that acknowledges it */
	uint32_t rseq = sk_trace_rseq(m->msg), rn, cn;
	char method[16];
	if (rseq && !sk_msg_is_request(m->msg))
		fprintf(f, "  reliable, RSeq %u", (unsigned)rseq);
	else if (sk_msg_is_request(m->msg) &&
	         sk_trace_rack(m->msg, &rn, &cn, method, sizeof(method)) == 0)
		fprintf(f, "  RAck %u %u %s", (unsigned)rn, (unsigned)cn, method);
	struct sk_reason r[4];
	size_t n = 0;
	if (!sk_msg_hdr_first(m->msg, SK_HDR_REASON) || sk_msg_reasons(m->msg, r, 4, &n, NULL) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char d[160];
		sk_trace_reason_describe(&r[i], d, sizeof(d));
		fprintf(f, "%s%s", i ? "; " : "  Reason: ", d);
	}
}

static void ladder(FILE *f, const struct sk_trace_call *c)
{
	size_t cw = col_width(c), nh = c->nhosts ? c->nhosts : 1;
	size_t width = (nh - 1) * cw + 1;
	char line[MAX_HOSTS * COL_MAX + 2];
	int64_t t0 = c->nmsgs ? c->msgs[0].ts_us : 0;
	bool letters = !addresses_fit(c, cw) || other_ports(c);

	if (letters) /* IPv6, or many hosts: the columns are A, B, C ... */
		legend(f, c);
	fprintf(f, "  %8s %9s  ", "frame", "time");
	for (size_t i = 0; i < c->nhosts; i++) {
		char a[64];
		if (letters)
			snprintf(a, sizeof(a), "%c", host_letter(i));
		else
			sk_trace_addr_print(&c->hosts[i], a, sizeof(a));
		fprintf(f, "%-*.*s", i + 1 < c->nhosts ? (int)cw : 0, (int)cw - 1, a);
	}
	fputc('\n', f);
	for (size_t k = 0; k < c->nmsgs; k++) {
		const struct sk_trace_msg *m = &c->msgs[k];
		memset(line, ' ', width);
		line[width] = '\0';
		for (size_t i = 0; i < nh; i++)
			line[i * cw] = '|';
		size_t a = m->from_host * cw, b = m->to_host * cw;
		if (a != b) {
			size_t lo = a < b ? a : b, hi = a < b ? b : a;
			for (size_t x = lo + 1; x < hi; x++)
				line[x] = m->retrans ? '.' : '-';
			line[b > a ? hi - 1 : lo + 1] = b > a ? '>' : '<';
			size_t ll = strlen(m->label), room = hi - lo - 3;
			if (ll > room)
				ll = room;
			memcpy(line + lo + 2 + (room - ll) / 2, m->label, ll);
		}
		size_t end = width;
		while (end && line[end - 1] == ' ')
			end--;
		line[end] = '\0';
		char fr[32];
		sk_trace_frame_ref(c, m, fr, sizeof(fr));
		fprintf(f, "  %8s %9.3f  %s", fr, (double)(m->ts_us - t0) / 1e6, line);
		if (a == b)
			fprintf(f, "  %s (to itself)", m->label);
		annotate(f, c, m);
		fputc('\n', f);
	}
	if (c->dropped)
		fprintf(f, "  ... and %llu more messages, not kept (per-call limit)\n",
		        (unsigned long long)c->dropped);
}

static void finding(FILE *f, const struct sk_trace_call *c, const struct sk_trace_finding *fd)
{
	const struct sk_trace_code *sc = fd->code;
	fprintf(f, "  %-7s %s  frames", sk_trace_severity_name(fd->severity), sc->code);
	int64_t t0 = c->msgs[0].ts_us;
	for (size_t i = 0; i < fd->nmsgs; i++) {
		char fr[32];
		sk_trace_frame_ref(c, &c->msgs[fd->msgs[i]], fr, sizeof(fr));
		fprintf(f, "%s %s (%.3f s)", i ? "," : "", fr,
		        (double)(c->msgs[fd->msgs[i]].ts_us - t0) / 1e6);
	}
	if (sc->rfc[0])
		fprintf(f, "  %s", sc->rfc);
	fprintf(f, "\n          %s\n", fd->detail);
	if (fd->field[0] && (fd->ours[0] || fd->theirs[0])) {
		const struct sk_trace_msg *m0 = &c->msgs[fd->msgs[0]];
		const struct sk_trace_msg *m1 = fd->nmsgs > 1 ? &c->msgs[fd->msgs[1]] : NULL;
		fprintf(f, "          %s:  %s \"%s\"  |  %s \"%s\"\n", fd->field, m0->label,
		        fd->ours, m1 ? m1->label : "expected", fd->theirs);
	}
	fprintf(f, "          cause:   %s\n          inspect: %s\n          next:    %s\n",
	        sc->cause, sc->inspect, sc->next);
}

/* "from: 1 a.pcap, 2 b.pcap": the inputs the call's messages came from, numbered as in the
 * ladder's "file:frame". */
static void files_line(FILE *f, const struct sk_trace_call *c)
{
	uint32_t seen[8];
	size_t nseen = 0;
	bool more = false;
	for (size_t i = 0; i < c->nmsgs; i++) {
		bool known = false;
		for (size_t k = 0; k < nseen; k++)
			known |= seen[k] == c->msgs[i].file;
		if (known)
			continue;
		if (nseen == 8) {
			more = true;
			continue;
		}
		seen[nseen++] = c->msgs[i].file;
	}
	fprintf(f, "from:");
	for (size_t k = 0; k < nseen; k++)
		fprintf(f, "%s %u %s", k ? "," : "", seen[k] + 1,
		        seen[k] < c->nfiles ? c->files[seen[k]] : "?");
	fprintf(f, "%s\n", more ? ", ..." : "");
}

void sk_trace_render_text(FILE *f, const struct sk_trace_call *c)
{
	fprintf(f, "call %llu  Call-ID %s  (%zu message%s, %zu host%s)\n",
	        (unsigned long long)c->index, c->call_id, c->nmsgs, c->nmsgs == 1 ? "" : "s",
	        c->nhosts, c->nhosts == 1 ? "" : "s");
	if (c->nfiles > 1) /* several inputs: where this call was found (frames: "file:frame") */
		files_line(f, c);
	fprintf(f, "outcome: %s: %s\n", sk_trace_outcome_name(c->outcome), c->outcome_detail);
	if (c->outcome_why[0])
		fprintf(f, "why: %s\n", c->outcome_why);
	for (size_t d = 0; d < c->ndialogs; d++) {
		const struct sk_trace_dialog *dl = &c->dialogs[d];
		fprintf(f, "%s tags %s/%s: %s", d ? ";" : "dialogs:", dl->from_tag, dl->to_tag,
		        dl->confirmed >= 0 ? "confirmed" : "early");
		if (dl->ended >= 0) {
			char fr[32];
			sk_trace_frame_ref(c, &c->msgs[dl->ended], fr, sizeof(fr));
			fprintf(f, ", ended by %s (frame %s)", c->msgs[dl->ended].label, fr);
		}
	}
	fprintf(f, "%s\n", c->ndialogs ? "\n" : "");
	ladder(f, c);
	if (c->nfindings) {
		fprintf(f, "\nfindings:\n");
		for (size_t i = 0; i < c->nfindings; i++)
			finding(f, c, &c->findings[i]);
	} else {
		fprintf(f, "\nfindings: none\n");
	}
	fputc('\n', f);
}

/* Why messages did not parse: each reason with its count and first frame. */
static void unparsed_text(FILE *f, const struct sk_trace_totals *t)
{
	if (!t->nunparsed_why)
		return;
	fprintf(f, "  did not parse:\n");
	for (size_t i = 0; i < t->nunparsed_why; i++) {
		const struct sk_trace_unparsed_why *u = &t->unparsed_why[i];
		char fr[32];
		if (u->file)
			snprintf(fr, sizeof(fr), "%u:%llu", u->file + 1,
			         (unsigned long long)u->frame);
		else
			snprintf(fr, sizeof(fr), "%llu", (unsigned long long)u->frame);
		fprintf(f, "  %8llu  %s (first: frame %s)\n", (unsigned long long)u->count, u->why,
		        fr);
	}
	if (t->unparsed_other)
		fprintf(f, "  %8llu  for other reasons\n", (unsigned long long)t->unparsed_other);
}

/* "skipped 12 packets: 7 tls, 5 not_sip": what the readers did not read, and why. */
static void render_skipped(FILE *f, const struct sk_trace_totals *t)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < SK_TRACE_SKIP_COUNT; i++)
		total += t->skipped[i];
	if (!total)
		return;
	fprintf(f, "  skipped %llu packet%s:", (unsigned long long)total, total == 1 ? "" : "s");
	const char *sep = " ";
	for (unsigned i = 0; i < SK_TRACE_SKIP_COUNT; i++)
		if (t->skipped[i]) {
			fprintf(f, "%s%llu %s", sep, (unsigned long long)t->skipped[i],
			        sk_trace_skip_name((enum sk_trace_skip)i));
			sep = ", ";
		}
	fputc('\n', f);
	if (t->skipped[SK_TRACE_SKIP_TOO_LARGE])
		fprintf(
		    f,
		    "  too_large: the largest declares %llu bytes (frame %llu), over the limit of "
		    "%zu; --max-message raises it\n",
		    (unsigned long long)t->too_large_max, (unsigned long long)t->too_large_frame,
		    t->max_message);
}

void sk_trace_render_totals_text(FILE *f, const struct sk_trace_totals *t)
{
	fprintf(f,
	        "summary: %llu call%s checked, %llu message%s (%llu did not parse), %llu other "
	        "Call-ID%s without INVITE\n",
	        (unsigned long long)t->calls, t->calls == 1 ? "" : "s",
	        (unsigned long long)t->messages, t->messages == 1 ? "" : "s",
	        (unsigned long long)t->unparsed, (unsigned long long)t->others,
	        t->others == 1 ? "" : "s");
	unparsed_text(f, t);
	if (t->duplicates)
		fprintf(f,
		        "  %llu message%s captured twice (same packet: same bytes and IP "
		        "identification within 5 ms), shown as duplicates, not retransmissions\n",
		        (unsigned long long)t->duplicates, t->duplicates == 1 ? "" : "s");
	fprintf(f, "  %-32s %8s\n", "outcome", "calls");
	for (int o = SK_TRACE_OUT_ANSWERED; o < SK_TRACE_OUT_COUNT; o++)
		fprintf(f, "  %-32s %8llu\n", sk_trace_outcome_name((enum sk_trace_outcome)o),
		        (unsigned long long)t->outcomes[o]);
	if (t->outcomes[SK_TRACE_OUT_NONE])
		fprintf(f, "  %-32s %8llu\n", sk_trace_outcome_name(SK_TRACE_OUT_NONE),
		        (unsigned long long)t->outcomes[SK_TRACE_OUT_NONE]);
	fprintf(f, "  findings: %llu error%s, %llu warning%s, %llu note%s\n",
	        (unsigned long long)t->severity[SK_SEV_ERROR],
	        t->severity[SK_SEV_ERROR] == 1 ? "" : "s",
	        (unsigned long long)t->severity[SK_SEV_WARNING],
	        t->severity[SK_SEV_WARNING] == 1 ? "" : "s",
	        (unsigned long long)t->severity[SK_SEV_INFO],
	        t->severity[SK_SEV_INFO] == 1 ? "" : "s");
	for (size_t i = 0; sk_trace_code_at(i); i++)
		if (t->per_code[i])
			fprintf(f, "  %-32s %8llu  %s\n", sk_trace_code_at(i)->code,
			        (unsigned long long)t->per_code[i], sk_trace_code_at(i)->summary);
	fprintf(f, "  at most %zu calls held at once\n", t->peak_calls);
	render_skipped(f, t);
	if (t->hep) /* what HEP carried that was not read is among the skipped, hep_* */
		fprintf(f, "  HEP: %llu messages read\n", (unsigned long long)t->hep);
	if (t->live_dropped)
		fprintf(f, "  %llu packets dropped by the kernel before they were read\n",
		        (unsigned long long)t->live_dropped);
	if (t->evicted)
		fprintf(f, "  %llu calls were reported early: more than the calls held at once\n",
		        (unsigned long long)t->evicted);
}
