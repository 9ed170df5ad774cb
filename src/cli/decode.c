/* SPDX-License-Identifier: BSD-3-Clause */
/* sipkit decode: one message, field by field, as text or JSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "explain.h"

#define MAX_FINDINGS 16

static const char *host_type_name(enum sk_host_type t)
{
	switch (t) {
	case SK_HOST_NAME: return "name";
	case SK_HOST_IPV4: return "ipv4";
	case SK_HOST_IPV6: return "ipv6";
	default: return "none";
	}
}

static const char *scheme_name(const struct sk_uri *u)
{
	switch (u->scheme) {
	case SK_URI_SIP: return "sip";
	case SK_URI_SIPS: return "sips";
	case SK_URI_TEL: return "tel";
	default: return "other";
	}
}

/* ---- text ------------------------------------------------------------------ */

static void text_field(FILE *f, int indent, const char *name, struct sk_str v)
{
	if (!sk_str_present(v))
		return;
	fprintf(f, "%*s%s: %.*s\n", indent, "", name, (int)v.len, v.p);
}

static void text_uri(FILE *f, int indent, const struct sk_uri *u)
{
	fprintf(f, "%*suri: %.*s (%s)\n", indent, "", (int)u->raw.len, u->raw.p, scheme_name(u));
	indent += 2;
	if (u->scheme == SK_URI_OTHER) {
		text_field(f, indent, "opaque", u->opaque);
		return;
	}
	text_field(f, indent, u->scheme == SK_URI_TEL ? "number" : "user", u->user);
	text_field(f, indent, "password", u->password);
	if (u->host_type != SK_HOST_NONE)
		fprintf(f, "%*shost: %.*s (%s)\n", indent, "", (int)u->host.len, u->host.p,
		        host_type_name(u->host_type));
	if (u->port)
		fprintf(f, "%*sport: %u\n", indent, "", u->port);
	size_t pos = 0;
	struct sk_str n, v;
	while (sk_param_next(u->params, &pos, &n, &v))
		fprintf(f, "%*sparam: %.*s%s%.*s\n", indent, "", (int)n.len, n.p, v.p ? "=" : "",
		        (int)v.len, v.p ? v.p : "");
	text_field(f, indent, "headers", u->headers);
}

static void text_addr(FILE *f, const struct sk_addr *a)
{
	if (a->star) {
		fprintf(f, "      *: all bindings\n");
		return;
	}
	text_field(f, 6, "display", a->display);
	text_uri(f, 6, &a->uri);
	text_field(f, 6, "tag", a->tag);
	text_field(f, 6, "expires", a->expires);
	text_field(f, 6, "q", a->q);
	text_field(f, 6, "params", a->params);
}

static void text_via(FILE *f, const struct sk_via *v)
{
	fprintf(f, "      protocol: %.*s/%.*s/%.*s\n", (int)v->proto_name.len, v->proto_name.p,
	        (int)v->proto_version.len, v->proto_version.p, (int)v->transport.len,
	        v->transport.p);
	fprintf(f, "      sent-by: %.*s (%s)", (int)v->host.len, v->host.p,
	        host_type_name(v->host_type));
	if (v->port)
		fprintf(f, " port %u", v->port);
	fputc('\n', f);
	if (sk_str_present(v->branch))
		fprintf(f, "      branch: %.*s%s\n", (int)v->branch.len, v->branch.p,
		        sk_via_branch_is_3261(v) ? "" : " (no RFC 3261 magic cookie)");
	text_field(f, 6, "received", v->received);
	if (sk_str_present(v->rport))
		fprintf(f, "      rport: %.*s\n", (int)v->rport.len,
		        v->rport.len ? v->rport.p : "(requested)");
	text_field(f, 6, "maddr", v->maddr);
	text_field(f, 6, "ttl", v->ttl);
}

static void text_typed(FILE *f, const struct sk_msg *m, const struct sk_hdr *h, size_t hi)
{
	switch (h->id) {
	case SK_HDR_VIA:
		for (size_t i = 0; i < sk_msg_via_count(m); i++) {
			const struct sk_via *v = sk_msg_via(m, i);
			if (v->hdr == hi) {
				fprintf(f, "    Via #%zu\n", i + 1);
				text_via(f, v);
			}
		}
		break;
	case SK_HDR_FROM:
	case SK_HDR_TO: {
		const struct sk_addr *a = h->id == SK_HDR_FROM ? sk_msg_from(m) : sk_msg_to(m);
		if (a && a->hdr == hi)
			text_addr(f, a);
		break;
	}
	case SK_HDR_CONTACT:
	case SK_HDR_ROUTE:
	case SK_HDR_RECORD_ROUTE:
		for (size_t i = 0; i < sk_msg_addr_count(m, h->id); i++) {
			const struct sk_addr *a = sk_msg_addr(m, h->id, i);
			if (a->hdr == hi) {
				fprintf(f, "    %s #%zu\n", sk_hdr_name(h->id), i + 1);
				text_addr(f, a);
			}
		}
		break;
	case SK_HDR_CSEQ: {
		const struct sk_cseq *c = sk_msg_cseq(m);
		if (c && sk_msg_hdr_first(m, SK_HDR_CSEQ) == h)
			fprintf(f, "      number: %u\n      method: %.*s\n", c->num,
			        (int)c->method.len, c->method.p);
		break;
	}
	case SK_HDR_REASON: {
		struct sk_reason r[16];
		size_t n = 0;
		if (sk_reason_parse(h->value, r, 16, &n, NULL) < 0) {
			fprintf(f, "      (malformed Reason)\n");
			break;
		}
		for (size_t i = 0; i < n; i++) {
			fprintf(f, "      protocol: %.*s", (int)r[i].protocol.len, r[i].protocol.p);
			if (r[i].has_cause)
				fprintf(f, "  cause: %u", r[i].cause);
			if (sk_str_present(r[i].text))
				fprintf(f, "  text: \"%.*s\"", (int)r[i].text.len, r[i].text.p);
			fputc('\n', f);
		}
		break;
	}
	default: break;
	}
}

static void decode_text(FILE *f, const struct sk_msg *m, const struct sk_msg_finding *fi, size_t nf)
{
	if (sk_msg_is_request(m)) {
		struct sk_str meth = sk_msg_method(m);
		fprintf(f, "request: %.*s\n", (int)meth.len, meth.p);
		text_uri(f, 2, sk_msg_ruri(m));
		/* a re-INVITE cannot be told from one message: INVITE */
		const char *word = explain_method_word(meth);
		if (word)
			fprintf(f, "  see: sipkit explain %s\n", word);
	} else {
		struct sk_str ph = sk_msg_reason_phrase(m);
		fprintf(f, "response: %d %.*s\n", sk_msg_status(m), (int)ph.len, ph.p);
		if (explain_status_has_entry(sk_msg_status(m)))
			fprintf(f, "  see: sipkit explain %d\n", sk_msg_status(m));
	}
	fprintf(f, "headers: %zu\n", sk_msg_hdr_count(m));
	for (size_t i = 0; i < sk_msg_hdr_count(m); i++) {
		const struct sk_hdr *h = sk_msg_hdr_at(m, i);
		const char *canon = sk_hdr_name(h->id);
		/* a compact or oddly cased name is followed by its canonical one */
		bool alias = canon && !sk_str_eq(h->name, sk_str_c(canon));
		fprintf(f, "  [%u] %.*s%s%s%s: %.*s\n", h->line, (int)h->name.len, h->name.p,
		        alias ? " (" : "", alias ? canon : "", alias ? ")" : "", (int)h->value.len,
		        h->value.p);
		const char *word = explain_header_word(h->name);
		if (word)
			fprintf(f, "      see: sipkit explain %s\n", word);
		text_typed(f, m, h, i);
	}
	struct sk_str body = sk_msg_body(m), ct = sk_msg_content_type(m);
	fprintf(f, "body: %zu bytes%s%.*s%s\n", body.len, ct.len ? " (" : "", (int)ct.len,
	        ct.p ? ct.p : "", ct.len ? ")" : "");
	for (size_t i = 0; i < nf; i++) {
		fprintf(f, "note: %s%s%s", fi[i].hdr, fi[i].hdr[0] ? ": " : "", fi[i].why);
		if (fi[i].status)
			fprintf(f, " -> %d %s", fi[i].status, sk_status_phrase(fi[i].status));
		fputc('\n', f);
	}
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_kv(FILE *f, const char *k, struct sk_str v, bool *first)
{
	if (!sk_str_present(v))
		return;
	fprintf(f, "%s\"%s\":", *first ? "" : ",", k);
	cli_json_str(f, v);
	*first = false;
}

static void json_uri(FILE *f, const struct sk_uri *u)
{
	bool first = true;
	fputc('{', f);
	json_kv(f, "text", u->raw, &first);
	fprintf(f, ",\"scheme\":\"%s\"", scheme_name(u));
	json_kv(f, "user", u->user, &first);
	json_kv(f, "password", u->password, &first);
	json_kv(f, "host", u->host, &first);
	if (u->host_type != SK_HOST_NONE)
		fprintf(f, ",\"host_type\":\"%s\"", host_type_name(u->host_type));
	if (u->port)
		fprintf(f, ",\"port\":%u", u->port);
	json_kv(f, "params", u->params, &first);
	json_kv(f, "headers", u->headers, &first);
	json_kv(f, "opaque", u->opaque, &first);
	fputc('}', f);
}

static void json_addr(FILE *f, const struct sk_addr *a)
{
	bool first = true;
	fputc('{', f);
	json_kv(f, "text", a->raw, &first);
	if (a->star) {
		fputs(",\"star\":true}", f);
		return;
	}
	json_kv(f, "display", a->display, &first);
	fputs(",\"uri\":", f);
	json_uri(f, &a->uri);
	json_kv(f, "tag", a->tag, &first);
	json_kv(f, "expires", a->expires, &first);
	json_kv(f, "q", a->q, &first);
	json_kv(f, "params", a->params, &first);
	fputc('}', f);
}

static void json_via(FILE *f, const struct sk_via *v)
{
	bool first = true;
	fputc('{', f);
	json_kv(f, "text", v->raw, &first);
	json_kv(f, "protocol", v->proto_name, &first);
	json_kv(f, "version", v->proto_version, &first);
	json_kv(f, "transport", v->transport, &first);
	json_kv(f, "host", v->host, &first);
	if (v->port)
		fprintf(f, ",\"port\":%u", v->port);
	json_kv(f, "branch", v->branch, &first);
	json_kv(f, "received", v->received, &first);
	json_kv(f, "rport", v->rport, &first);
	json_kv(f, "maddr", v->maddr, &first);
	json_kv(f, "ttl", v->ttl, &first);
	json_kv(f, "params", v->params, &first);
	fputc('}', f);
}

static void json_addr_list(FILE *f, const struct sk_msg *m, enum sk_hdr_id id, const char *key)
{
	fprintf(f, ",\"%s\":[", key);
	for (size_t i = 0; i < sk_msg_addr_count(m, id); i++) {
		if (i)
			fputc(',', f);
		json_addr(f, sk_msg_addr(m, id, i));
	}
	fputc(']', f);
}

static void decode_json(FILE *f, const char *name, const struct sk_msg *m,
                        const struct sk_msg_finding *fi, size_t nf)
{
	fputs("{\"file\":", f);
	cli_json_str(f, sk_str_c(name));
	fputs(",\"valid\":true", f);
	if (sk_msg_is_request(m)) {
		fputs(",\"type\":\"request\",\"method\":", f);
		cli_json_str(f, sk_msg_method(m));
		fputs(",\"request_uri\":", f);
		json_uri(f, sk_msg_ruri(m));
		const char *word = explain_method_word(sk_msg_method(m));
		if (word)
			fprintf(f, ",\"explain\":\"%s\"", word);
	} else {
		fprintf(f, ",\"type\":\"response\",\"status\":%d,\"reason\":", sk_msg_status(m));
		cli_json_str(f, sk_msg_reason_phrase(m));
		if (explain_status_has_entry(sk_msg_status(m)))
			fprintf(f, ",\"explain\":\"%d\"", sk_msg_status(m));
	}
	fputs(",\"headers\":[", f);
	for (size_t i = 0; i < sk_msg_hdr_count(m); i++) {
		const struct sk_hdr *h = sk_msg_hdr_at(m, i);
		fprintf(f, "%s{\"line\":%u,\"name\":", i ? "," : "", h->line);
		cli_json_str(f, h->name);
		if (sk_hdr_name(h->id))
			fprintf(f, ",\"canonical\":\"%s\"", sk_hdr_name(h->id));
		fputs(",\"value\":", f);
		cli_json_str(f, h->value);
		const char *word = explain_header_word(h->name);
		if (word)
			fprintf(f, ",\"explain\":\"%s\"", word);
		fputc('}', f);
	}
	fputs("],\"via\":[", f);
	for (size_t i = 0; i < sk_msg_via_count(m); i++) {
		if (i)
			fputc(',', f);
		json_via(f, sk_msg_via(m, i));
	}
	fputc(']', f);
	if (sk_msg_from(m)) {
		fputs(",\"from\":", f);
		json_addr(f, sk_msg_from(m));
	}
	if (sk_msg_to(m)) {
		fputs(",\"to\":", f);
		json_addr(f, sk_msg_to(m));
	}
	if (sk_str_present(sk_msg_call_id(m))) {
		fputs(",\"call_id\":", f);
		cli_json_str(f, sk_msg_call_id(m));
	}
	if (sk_msg_cseq(m)) {
		fprintf(f, ",\"cseq\":{\"number\":%u,\"method\":", sk_msg_cseq(m)->num);
		cli_json_str(f, sk_msg_cseq(m)->method);
		fputc('}', f);
	}
	if (sk_msg_max_forwards(m) >= 0)
		fprintf(f, ",\"max_forwards\":%d", sk_msg_max_forwards(m));
	json_addr_list(f, m, SK_HDR_CONTACT, "contact");
	json_addr_list(f, m, SK_HDR_ROUTE, "route");
	json_addr_list(f, m, SK_HDR_RECORD_ROUTE, "record_route");
	struct sk_reason r[16];
	size_t nr = 0;
	if (sk_msg_reasons(m, r, 16, &nr, NULL) == 0 && nr) {
		fputs(",\"reason\":[", f);
		for (size_t i = 0; i < nr; i++) {
			fprintf(f, "%s{\"protocol\":", i ? "," : "");
			cli_json_str(f, r[i].protocol);
			if (r[i].has_cause)
				fprintf(f, ",\"cause\":%u", r[i].cause);
			if (sk_str_present(r[i].text)) {
				fputs(",\"text\":", f);
				cli_json_str(f, r[i].text);
			}
			fputc('}', f);
		}
		fputc(']', f);
	}
	fprintf(f, ",\"body\":{\"length\":%zu", sk_msg_body(m).len);
	if (sk_msg_content_type(m).len) {
		fputs(",\"type\":", f);
		cli_json_str(f, sk_msg_content_type(m));
	}
	fputs("},\"notes\":[", f);
	for (size_t i = 0; i < nf; i++) {
		fprintf(f, "%s{\"header\":", i ? "," : "");
		cli_json_str(f, sk_str_c(fi[i].hdr));
		fputs(",\"why\":", f);
		cli_json_str(f, sk_str_c(fi[i].why));
		fprintf(f, ",\"status\":%d}", fi[i].status);
	}
	fputs("]}\n", f);
}

static void report_error(const char *name, const struct sk_parse_err *e, bool json)
{
	if (json) {
		fputs("{\"file\":", stdout);
		cli_json_str(stdout, sk_str_c(name));
		fprintf(stdout, ",\"valid\":false,\"error\":{\"line\":%u,\"column\":%u,\"header\":",
		        e->line, e->col);
		cli_json_str(stdout, sk_str_c(e->hdr));
		fputs(",\"why\":", stdout);
		cli_json_str(stdout, sk_str_c(e->why ? e->why : "malformed"));
		fprintf(stdout, ",\"status\":%d}}\n", e->status);
	}
	fprintf(stderr, "sipkit decode: %s: line %u", name, e->line);
	if (e->col)
		fprintf(stderr, ", column %u", e->col);
	if (e->hdr[0])
		fprintf(stderr, ", header %s", e->hdr);
	fprintf(stderr, ": %s", e->why ? e->why : "malformed message");
	if (e->status)
		fprintf(stderr, " (a server answers %d %s)", e->status,
		        sk_status_phrase(e->status));
	fputc('\n', stderr);
}

int cli_decode_msg(FILE *f, const char *name, const char *buf, size_t len,
                   const struct sk_msg_limits *lim, bool json)
{
	struct sk_msg *m;
	struct sk_parse_err err;
	struct sk_msg_finding fi[MAX_FINDINGS];

	if (sk_msg_new(&m, lim) < 0)
		return EXIT_DATAERR;
	if (sk_msg_parse(m, buf, len, &err) < 0) {
		report_error(name, &err, json);
		sk_msg_free(m);
		return EXIT_DATAERR;
	}
	size_t nf = sk_msg_check(m, fi, MAX_FINDINGS);
	if (nf > MAX_FINDINGS)
		nf = MAX_FINDINGS;
	if (json)
		decode_json(f, name, m, fi, nf);
	else
		decode_text(f, m, fi, nf);
	sk_msg_free(m);
	return 0;
}

static void decode_usage(FILE *f)
{
	fprintf(f, "usage: sipkit decode [--json] [--max-size BYTES] [FILE|-]\n\n"
	           "Decodes one SIP message (a datagram's worth of bytes) field by field.\n"
	           "Exit status: 0 well-formed, 65 malformed (the reason on stderr),\n"
	           "66 unreadable input, 64 bad usage.\n");
}

int cmd_decode(int argc, char **argv)
{
	const char *path = "-";
	bool json = false;
	size_t max = sk_msg_limits_default().max_msg_size;
	char *buf = NULL;
	size_t len = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			decode_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--max-size") && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (*end || v == 0 || v > 16u * 1024 * 1024) {
				fprintf(stderr, "sipkit decode: --max-size takes 1..16777216\n");
				return EXIT_USAGE;
			}
			max = v;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "sipkit decode: unknown option %s\n", argv[i]);
			decode_usage(stderr);
			return EXIT_USAGE;
		} else {
			path = argv[i];
		}
	}
	int rc = cli_read_file(path, max, &buf, &len);
	if (rc == -SK_ETOOBIG) {
		fprintf(stderr,
		        "sipkit decode: %s: message larger than the limit of %zu bytes; refused, "
		        "not truncated (raise it with --max-size)\n",
		        path, max);
		free(buf);
		return EXIT_DATAERR;
	}
	if (rc < 0) {
		fprintf(stderr, "sipkit decode: %s: %s\n", path, strerror(-rc));
		return EXIT_NOINPUT;
	}
	struct sk_msg_limits lim = sk_msg_limits_default();
	lim.max_msg_size = (uint32_t)max;
	FILE *out = json ? stdout : cli_safe_stream(stdout); /* a terminal's safety, safe_out.c */
	rc = cli_decode_msg(out, path, buf, len, &lim, json);
	if (out != stdout)
		fclose(out);
	free(buf);
	return rc;
}
