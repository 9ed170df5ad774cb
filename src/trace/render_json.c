/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A call as one JSON object on one line (JSON Lines: one call per line, the
 * totals last); the schema is in the README. Strings from the capture are
 * hostile: control characters are escaped and bytes that are not UTF-8 are
 * written as the code points of the same values (Latin-1).
 */
#include <stdio.h>
#include <string.h>

#include "trace_int.h"

/* Length of the valid UTF-8 sequence at s (0: not one). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (s[0] >= 0xf8 || !len || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((len == 3 && s[0] == 0xe0 && s[1] < 0xa0) ||
	    (len == 4 && s[0] == 0xf0 && s[1] < 0x90) ||
	    (len == 4 && s[0] == 0xf4 && s[1] >= 0x90) ||
	    (len == 3 && s[0] == 0xed && s[1] >= 0xa0))
		return 0; /* overlong, past U+10FFFF, surrogates */
	return len;
}

static void json_str(FILE *f, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned char ch = s[i];
		if (ch == '"' || ch == '\\') {
			fputc('\\', f);
			fputc(ch, f);
		} else if (ch == '\n') {
			fputs("\\n", f);
		} else if (ch == '\r') {
			fputs("\\r", f);
		} else if (ch == '\t') {
			fputs("\\t", f);
		} else if (ch < 0x20 || ch == 0x7f) {
			fprintf(f, "\\u%04x", ch);
		} else if (ch >= 0x80) {
			size_t len = utf8_len(s + i, n - i);
			if (len) {
				fwrite(s + i, 1, len, f);
				i += len;
				continue;
			}
			fprintf(f, "\\u%04x", ch);
		} else {
			fputc(ch, f);
		}
		i++;
	}
	fputc('"', f);
}

static void json_cstr(FILE *f, const char *s)
{
	json_str(f, s, strlen(s));
}

static void json_sstr(FILE *f, struct sk_str s)
{
	json_str(f, s.p ? s.p : "", s.len);
}

static void json_ms(FILE *f, const char *name, int64_t us, bool comma)
{
	if (us < 0)
		fprintf(f, "\"%s\":null%s", name, comma ? "," : "");
	else
		fprintf(f, "\"%s\":%.3f%s", name, (double)us / 1e3, comma ? "," : "");
}

static void json_addr(FILE *f, const struct sk_trace_addr *a)
{
	char buf[64];
	sk_trace_addr_print(a, buf, sizeof(buf));
	json_cstr(f, buf);
}

static void message(FILE *f, const struct sk_trace_call *c, size_t i)
{
	const struct sk_trace_msg *m = &c->msgs[i];
	fprintf(f,
	        "{\"i\":%zu,\"frame\":%llu,\"file\":%u,\"ts\":%lld.%06lld,\"t\":%.6f,\"src\":", i,
	        (unsigned long long)m->frame, m->file, (long long)(m->ts_us / 1000000),
	        (long long)((m->ts_us % 1000000 + 1000000) % 1000000),
	        (double)(m->ts_us - c->msgs[0].ts_us) / 1e6);
	json_addr(f, &m->src);
	fputs(",\"dst\":", f);
	json_addr(f, &m->dst);
	fprintf(f, ",\"proto\":\"%s\",\"label\":", sk_trace_proto_name(m->proto));
	json_cstr(f, m->label);
	if (m->msg) {
		const struct sk_cseq *cs = sk_msg_cseq(m->msg);
		if (sk_msg_is_request(m->msg)) {
			fputs(",\"method\":", f);
			json_sstr(f, sk_msg_method(m->msg));
		} else {
			fprintf(f, ",\"status\":%d", sk_msg_status(m->msg));
		}
		if (cs) {
			fprintf(f, ",\"cseq\":%u,\"cseq_method\":", cs->num);
			json_sstr(f, cs->method);
		}
		if (sk_msg_via_count(m->msg)) {
			fputs(",\"branch\":", f);
			json_sstr(f, sk_msg_via(m->msg, 0)->branch);
		}
		struct sk_reason r[4];
		size_t n = 0;
		if (sk_msg_hdr_first(m->msg, SK_HDR_REASON) &&
		    sk_msg_reasons(m->msg, r, 4, &n, NULL) == 0) {
			fputs(",\"reasons\":[", f);
			for (size_t k = 0; k < n; k++) {
				char d[160];
				sk_trace_reason_describe(&r[k], d, sizeof(d));
				fprintf(f, "%s{\"protocol\":", k ? "," : "");
				json_sstr(f, r[k].protocol);
				if (r[k].has_cause)
					fprintf(f, ",\"cause\":%u", r[k].cause);
				fputs(",\"text\":", f);
				json_sstr(f, r[k].text);
				fputs(",\"meaning\":", f);
				json_cstr(f, d);
				fputc('}', f);
			}
			fputc(']', f);
		}
	} else {
		fputs(",\"error\":", f);
		json_cstr(f, m->error);
	}
	if (m->has_ip_id)
		fprintf(f, ",\"ip_id\":%u", m->ip_id);
	if (m->duplicate)
		fprintf(f, ",\"duplicate_of\":%u", m->dup_of);
	fprintf(f, ",\"txn\":%d,\"retransmission\":%s,\"text\":", m->txn,
	        m->retrans ? "true" : "false");
	json_str(f, m->raw, m->len);
	fputc('}', f);
}

static int64_t frame_of(const struct sk_trace_call *c, int32_t i)
{
	return i < 0 ? -1 : (int64_t)c->msgs[i].frame;
}

static void txn(FILE *f, const struct sk_trace_call *c, size_t k)
{
	const struct sk_trace_txn *t = &c->txns[k];
	fprintf(f, "{\"i\":%zu,\"method\":", k);
	json_cstr(f, t->ack2xx ? "ACK (2xx)" : t->method);
	fputs(",\"client\":", f);
	json_addr(f, &c->hosts[t->from_host]);
	fputs(",\"server\":", f);
	json_addr(f, &c->hosts[t->to_host]);
	fprintf(f,
	        ",\"request\":%u,\"first_provisional\":%d,\"final\":%d,\"final_status\":%u,"
	        "\"first_2xx\":%d,\"ack\":%d,\"cancel\":%d,\"parent\":%d,\"requests\":%u,"
	        "\"responses\":%u,\"request_frame\":%llu,\"final_frame\":%lld}",
	        t->request, t->first_prov, t->final, t->final_status, t->first_2xx, t->ack,
	        t->cancel, t->parent, t->requests, t->responses,
	        (unsigned long long)c->msgs[t->request].frame, (long long)frame_of(c, t->final));
}

static void finding(FILE *f, const struct sk_trace_call *c, const struct sk_trace_finding *fd)
{
	const struct sk_trace_code *sc = fd->code;
	fputs("{\"code\":", f);
	json_cstr(f, sc->code);
	fprintf(f, ",\"severity\":\"%s\",\"messages\":[", sk_trace_severity_name(fd->severity));
	for (size_t i = 0; i < fd->nmsgs; i++)
		fprintf(f, "%s%u", i ? "," : "", fd->msgs[i]);
	fputs("],\"frames\":[", f);
	for (size_t i = 0; i < fd->nmsgs; i++)
		fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)c->msgs[fd->msgs[i]].frame);
	fputs("],\"rfc\":", f);
	json_cstr(f, sc->rfc);
	fputs(",\"detail\":", f);
	json_cstr(f, fd->detail);
	if (fd->field[0]) {
		fputs(",\"field\":", f);
		json_cstr(f, fd->field);
		fputs(",\"ours\":", f);
		json_cstr(f, fd->ours);
		fputs(",\"theirs\":", f);
		json_cstr(f, fd->theirs);
	}
	if (fd->hdr[0]) {
		fputs(",\"header\":", f);
		json_cstr(f, fd->hdr);
	}
	fputs(",\"cause\":", f);
	json_cstr(f, sc->cause);
	fputs(",\"inspect\":", f);
	json_cstr(f, sc->inspect);
	fputs(",\"next\":", f);
	json_cstr(f, sc->next);
	fputc('}', f);
}

/* The names of the inputs the call's messages came from, in order of first message. */
static void files(FILE *f, const struct sk_trace_call *c)
{
	uint32_t seen[16];
	size_t nseen = 0;
	for (size_t i = 0; i < c->nmsgs && c->files; i++) {
		bool known = false;
		for (size_t k = 0; k < nseen; k++)
			known |= seen[k] == c->msgs[i].file;
		if (known || nseen == 16 || c->msgs[i].file >= c->nfiles)
			continue;
		if (nseen)
			fputc(',', f);
		seen[nseen++] = c->msgs[i].file;
		json_cstr(f, c->files[c->msgs[i].file]);
	}
}

void sk_trace_render_json(FILE *f, const struct sk_trace_call *c)
{
	fprintf(f, "{\"call\":%llu,\"call_id\":", (unsigned long long)c->index);
	json_cstr(f, c->call_id);
	fputs(",\"outcome\":", f);
	json_cstr(f, sk_trace_outcome_name(c->outcome));
	fputs(",\"outcome_detail\":", f);
	json_cstr(f, c->outcome_detail);
	fputs(",\"outcome_why\":", f);
	if (c->outcome_why[0])
		json_cstr(f, c->outcome_why);
	else
		fputs("null", f);
	fputs(",\"timing_ms\":{", f);
	json_ms(f, "first_provisional", c->first_prov_us, true);
	json_ms(f, "cancel", c->cancel_us, true);
	json_ms(f, "cancel_response", c->cancel_resp_us, true);
	json_ms(f, "final", c->final_us, true);
	json_ms(f, "cancel_after_provisional",
	        c->cancel_us >= 0 && c->first_prov_us >= 0 ? c->cancel_us - c->first_prov_us : -1,
	        true);
	json_ms(f, "final_after_cancel",
	        c->cancel_us >= 0 && c->final_us >= c->cancel_us ? c->final_us - c->cancel_us : -1,
	        false);
	fputs("},\"files\":[", f);
	files(f, c);
	fputs("],\"hosts\":[", f);
	for (size_t i = 0; i < c->nhosts; i++) {
		if (i)
			fputc(',', f);
		json_addr(f, &c->hosts[i]);
	}
	fputs("],\"messages\":[", f);
	for (size_t i = 0; i < c->nmsgs; i++) {
		if (i)
			fputc(',', f);
		message(f, c, i);
	}
	fprintf(f, "],\"dropped\":%llu,\"root\":%d,\"transactions\":[",
	        (unsigned long long)c->dropped, c->root);
	for (size_t k = 0; k < c->ntxns; k++) {
		if (k)
			fputc(',', f);
		txn(f, c, k);
	}
	fputs("],\"dialogs\":[", f);
	for (size_t d = 0; d < c->ndialogs; d++) {
		const struct sk_trace_dialog *dl = &c->dialogs[d];
		fprintf(f, "%s{\"from_tag\":", d ? "," : "");
		json_cstr(f, dl->from_tag);
		fputs(",\"to_tag\":", f);
		json_cstr(f, dl->to_tag);
		fprintf(f, ",\"first\":%d,\"confirmed\":%d,\"ended\":%d,\"status\":%u}", dl->first,
		        dl->confirmed, dl->ended, dl->status);
	}
	fputs("],\"findings\":[", f);
	for (size_t i = 0; i < c->nfindings; i++) {
		if (i)
			fputc(',', f);
		finding(f, c, &c->findings[i]);
	}
	fputs("]}\n", f);
}

void sk_trace_render_totals_json(FILE *f, const struct sk_trace_totals *t)
{
	fprintf(f,
	        "{\"summary\":{\"calls\":%llu,\"messages\":%llu,\"unparsed\":%llu,\"others\":%llu,"
	        "\"errors\":%llu,\"warnings\":%llu,\"notes\":%llu,\"peak_calls\":%zu,"
	        "\"outcomes\":{",
	        (unsigned long long)t->calls, (unsigned long long)t->messages,
	        (unsigned long long)t->unparsed, (unsigned long long)t->others,
	        (unsigned long long)t->severity[SK_SEV_ERROR],
	        (unsigned long long)t->severity[SK_SEV_WARNING],
	        (unsigned long long)t->severity[SK_SEV_INFO], t->peak_calls);
	for (int o = 0; o < SK_TRACE_OUT_COUNT; o++)
		fprintf(f, "%s\"%s\":%llu", o ? "," : "",
		        sk_trace_outcome_name((enum sk_trace_outcome)o),
		        (unsigned long long)t->outcomes[o]);
	fprintf(f, "},\"duplicates\":%llu,\"unparsed_why\":[", (unsigned long long)t->duplicates);
	for (size_t i = 0; i < t->nunparsed_why; i++) {
		const struct sk_trace_unparsed_why *u = &t->unparsed_why[i];
		fputs(i ? ",{\"why\":" : "{\"why\":", f);
		json_cstr(f, u->why);
		fprintf(f, ",\"count\":%llu,\"frame\":%llu,\"file\":%u}",
		        (unsigned long long)u->count, (unsigned long long)u->frame, u->file);
	}
	fprintf(f, "],\"unparsed_other\":%llu,\"findings\":{",
	        (unsigned long long)t->unparsed_other);
	bool first = true;
	for (size_t i = 0; sk_trace_code_at(i); i++)
		if (t->per_code[i]) {
			fprintf(f, "%s\"%s\":%llu", first ? "" : ",", sk_trace_code_at(i)->code,
			        (unsigned long long)t->per_code[i]);
			first = false;
		}
	/* by the stable names of skip.c; only the reasons that occurred */
	fputs("},\"skipped\":{", f);
	first = true;
	for (unsigned i = 0; i < SK_TRACE_SKIP_COUNT; i++)
		if (t->skipped[i]) {
			fprintf(f, "%s\"%s\":%llu", first ? "" : ",",
			        sk_trace_skip_name((enum sk_trace_skip)i),
			        (unsigned long long)t->skipped[i]);
			first = false;
		}
	fputc('}', f);
	if (t->skipped[SK_TRACE_SKIP_TOO_LARGE])
		fprintf(f, ",\"too_large\":{\"largest\":%llu,\"frame\":%llu,\"limit\":%zu}",
		        (unsigned long long)t->too_large_max,
		        (unsigned long long)t->too_large_frame, t->max_message);
	if (t->hep)
		fprintf(f, ",\"hep\":{\"messages\":%llu}", (unsigned long long)t->hep);
	if (t->live_dropped)
		fprintf(f, ",\"live_dropped\":%llu", (unsigned long long)t->live_dropped);
	fputs("}}\n", f);
}
