/* SPDX-License-Identifier: BSD-3-Clause */
/* The packet trace recorder of the harnesses (trace.h). */
#include "trace.h"

#include "world.h"

/* The node at an address (10.0.0.<i+1>), -1 for none. */
static int node_of(int nodes, const struct sk_sa *a)
{
	for (int i = 0; i < nodes; i++) {
		struct sk_sa addr;
		hw_node_addr(&addr, i);
		if (sk_sa_same_host(&addr, a))
			return i;
	}
	return -1;
}

static void summarize(struct hw_wire *w)
{
	struct sk_msg *m;
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	if (sk_msg_parse(m, w->data, w->len, NULL) == 0) {
		w->request = sk_msg_is_request(m);
		w->status = w->request ? 0 : sk_msg_status(m);
		const struct sk_cseq *cs = sk_msg_cseq(m);
		if (cs) {
			w->cseq = cs->num;
			sk_str_cpy(w->method, sizeof(w->method), cs->method);
		}
		if (w->request)
			sk_str_cpy(w->method, sizeof(w->method), sk_msg_method(m));
		w->max_forwards = sk_msg_max_forwards(m);
		size_t used = 0;
		for (const struct sk_hdr *r = sk_msg_hdr_first(m, SK_HDR_REASON); r;
		     r = r->next == UINT32_MAX ? NULL : sk_msg_hdr_at(m, r->next)) {
			int k = snprintf(w->reason + used, sizeof(w->reason) - used, "%s%.*s",
			                 used ? ", " : "", (int)r->value.len, r->value.p);
			if (k < 0 || (size_t)k >= sizeof(w->reason) - used)
				break;
			used += (size_t)k;
		}
		if (sk_msg_to(m))
			sk_str_cpy(w->to_tag, sizeof(w->to_tag), sk_msg_to(m)->tag);
		if (sk_msg_via_count(m))
			sk_str_cpy(w->branch, sizeof(w->branch), sk_msg_via(m, 0)->branch);
	}
	sk_msg_free(m);
}

struct hw_wire *hw_trace_add(struct hw_trace *t, int nodes, int node, bool out,
                             const struct sk_flow *flow, uint64_t at, const char *buf, size_t len)
{
	if (t->nwire == t->capwire) {
		size_t cap = t->capwire ? t->capwire * 2 : 64;
		struct hw_wire *w = realloc(t->wire, cap * sizeof(*w));
		assert_non_null(w);
		t->wire = w;
		t->capwire = cap;
	}
	struct hw_wire *w = &t->wire[t->nwire++];
	int peer = node_of(nodes, &flow->remote);
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->flow = *flow;
	w->from = out ? node : peer;
	w->to = out ? peer : node;
	w->at = at;
	w->proto = flow->proto;
	w->max_forwards = -1;
	w->data = malloc(len + 1);
	assert_non_null(w->data);
	memcpy(w->data, buf, len);
	w->data[len] = '\0';
	w->len = len;
	summarize(w);
	return w;
}

void hw_trace_free(struct hw_trace *t)
{
	for (size_t k = 0; k < t->nwire; k++)
		free(t->wire[k].data);
	free(t->wire);
	memset(t, 0, sizeof(*t));
}

void hw_trace_dump(const struct hw_trace *t)
{
	for (size_t i = 0; i < t->nwire; i++) {
		const struct hw_wire *w = &t->wire[i];
		const char *eol = strchr(w->data, '\r');
		int l = eol ? (int)(eol - w->data) : (int)w->len;
		fprintf(stderr, "%3zu %6llu ms %d -> %d %.*s%s%s%s  %s\n", i,
		        (unsigned long long)w->at, w->from, w->to, l, w->data,
		        w->request ? "" : " (", w->request ? "" : w->method, w->request ? "" : ")",
		        w->reason);
	}
}

struct sk_msg *hw_wire_parse(const struct hw_wire *w)
{
	struct sk_msg *m;
	struct sk_parse_err err = {0};
	assert_non_null(w);
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	if (sk_msg_parse_copy(m, w->data, w->len, &err) < 0)
		fail_msg("unparsable: %s\n%s", err.why ? err.why : "?", w->data);
	return m;
}

struct sk_str hw_hdr(const struct sk_msg *m, const char *name)
{
	const struct sk_hdr *hd = sk_msg_hdr_find(m, name);
	return hd ? hd->value : SK_STR_LIT("");
}

bool hw_has(const struct sk_msg *m, const char *name)
{
	return sk_msg_hdr_find(m, name) != NULL;
}
