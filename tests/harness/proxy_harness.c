/* SPDX-License-Identifier: BSD-3-Clause */
/* A proxy between a caller and phones on simnet, for the proxy tests (proxy_harness.h). */
#include "proxy_harness.h"

uint64_t ph_now(const struct ph *h)
{
	return hw_now(&h->w);
}

static void tap(void *arg, bool out, const struct sk_flow *flow, const char *buf, size_t len)
{
	struct hw_node *n = arg;
	struct ph *h = n->h;
	if (out)
		hw_trace_add(&h->trace, h->n, n->idx, true, flow, ph_now(h), buf, len);
}

/* ---- the trace: every message sent ----------------------------------------- */

bool ph_is(const struct hw_wire *w, const char *what)
{
	if (what[0] >= '1' && what[0] <= '6') {
		if (w->request || w->status != atoi(what))
			return false;
		const char *slash = strchr(what, '/');
		return !slash || !strcmp(w->method, slash + 1);
	}
	return w->request && !strcmp(w->method, what);
}

bool ph_match(const struct hw_wire *w, int from, int to, const char *what, const char *reason_has)
{
	return (from < 0 || w->from == from) && (to < 0 || w->to == to) && ph_is(w, what) &&
	       (!reason_has || strstr(w->reason, reason_has));
}

int ph_count(const struct ph *h, int from, int to, const char *what, const char *reason_has)
{
	int k = 0;
	for (size_t i = 0; i < h->trace.nwire; i++)
		k += ph_match(&h->trace.wire[i], from, to, what, reason_has);
	return k;
}

long ph_find(const struct ph *h, int from, int to, const char *what, int nth)
{
	for (size_t i = 0; i < h->trace.nwire; i++)
		if (ph_match(&h->trace.wire[i], from, to, what, NULL) && --nth == 0)
			return (long)i;
	return -1;
}

const struct hw_wire *ph_get(const struct ph *h, int from, int to, const char *what, int nth)
{
	long i = ph_find(h, from, to, what, nth);
	if (i < 0)
		fail_msg("no %s #%d from node %d to node %d on the wire", what, nth, from, to);
	return &h->trace.wire[i];
}

void ph_dump(const struct ph *h)
{
	hw_trace_dump(&h->trace);
	for (int i = 0; i < h->n; i++) {
		fprintf(stderr, "node %d: %s\n", i, h->nodes[i].events);
		sk_txl_dump(sk_stack_txl(h->nodes[i].st), stderr);
	}
}

bool ph_pkt_is(const struct sk_simnet_packet *p, const char *start, const char *method)
{
	return hw_matches(p->data, p->len, start, method);
}

/* ---- set-up and tear-down ---------------------------------------------------- */

static void filter(void *arg, struct sk_simnet_packet *p)
{
	struct ph *h = arg;
	if (h->filter)
		h->filter(h->filter_arg, p);
}

struct ph_opts ph_opts(uint64_t seed, int phones)
{
	struct ph_opts o = {.seed = seed, .nodes = 2 + phones};
	o.proxy.domain = PH_DOMAIN;
	return o;
}

/* The harness of the running test, freed by ph_teardown should the test fail. */
static struct ph *ph_current;

struct ph *ph_new(const struct ph_opts *o)
{
	struct ph *h = calloc(1, sizeof(*h));
	assert_non_null(h);
	ph_current = h;
	assert_true(o->nodes >= 2 && o->nodes <= PH_MAX_NODES);
	hw_world_init(&h->w, o->seed);
	sk_simnet_set_filter(h->w.sn, filter, h);
	h->n = o->nodes;
	for (int i = 0; i < h->n; i++) {
		struct hw_node *nd = &h->nodes[i];
		enum hw_kind kind = i == PH_PROXY             ? HW_STACK
		                    : o->raw_mask & (1u << i) ? HW_RAW
		                                              : HW_UA;
		hw_node_init(nd, &h->w, h, i, o->seed, &o->times, kind, tap, nd);
		nd->hangup_ms = 500;
		snprintf(nd->raw_tag, sizeof(nd->raw_tag), "raw%d", i);
		if (i == PH_PROXY) {
			struct sk_proxy_config pc = o->proxy;
			pc.stack = nd->st;
			assert_int_equal(sk_proxy_new(&h->proxy, &pc), 0);
		}
	}
	return h;
}

void ph_free(struct ph *h)
{
	sk_proxy_free(h->proxy);
	for (int i = 0; i < h->n; i++)
		hw_node_free(&h->nodes[i]);
	hw_trace_free(&h->trace);
	hw_world_free(&h->w);
	if (ph_current == h)
		ph_current = NULL;
	free(h);
}

int ph_teardown(void **state)
{
	(void)state;
	if (ph_current)
		ph_free(ph_current);
	return 0;
}

void ph_run(struct ph *h, uint64_t ms)
{
	hw_run(&h->w, ms);
}

static void act_fired(void *arg)
{
	struct ph_act *a = arg;
	a->fn(a->h, a->arg);
}

void ph_at(struct ph *h, uint64_t ms, void (*fn)(struct ph *, void *), void *arg)
{
	struct ph_act *a = &h->acts[h->w.nacts];
	*a = (struct ph_act){.h = h, .fn = fn, .arg = arg};
	hw_at(&h->w, ms, act_fired, a);
}

int ph_leftovers(struct ph *h, bool print)
{
	int bad = 0;
	for (int i = 0; i < h->n; i++) {
		size_t txns = hw_node_txns(&h->nodes[i]), calls = hw_node_calls(&h->nodes[i]);
		size_t pend = i == PH_PROXY ? sk_proxy_stats(h->proxy).pending : 0;
		if (txns || calls || pend) {
			bad++;
			if (print)
				fprintf(stderr,
				        "node %d: %zu calls, %zu transactions, %zu contexts left\n",
				        i, calls, txns, pend);
		}
	}
	return bad;
}

void ph_finish(struct ph *h)
{
	hw_acts_stop(&h->w);
	ph_run(h, 6 * 60 * 1000);
	if (getenv("PH_DUMP")) /* the ladder of every run */
		ph_dump(h);
	if (ph_leftovers(h, true)) {
		ph_dump(h);
		fail_msg("state left after every timer ran out");
	}
	ph_free(h);
}

/* ---- routes, calls, registrations -------------------------------------------- */

const char *ph_uri(const struct ph *h, int i, char *buf, size_t size)
{
	char a[64];
	sk_sa_print(&h->nodes[i].addr, a, sizeof(a));
	snprintf(buf, size, "sip:%s@%s", i == 0 ? "alice" : "bob", a);
	return buf;
}

void ph_route(struct ph *h, const char *user, int first, int n)
{
	char uris[512] = "", one[96];
	for (int i = first; i < first + n; i++) {
		strcat(uris, i > first ? "," : "");
		strcat(uris, ph_uri(h, i, one, sizeof(one)));
	}
	assert_int_equal(sk_proxy_route_add(h->proxy, user, uris), 0);
}

struct sk_call *ph_call(struct ph *h, enum sk_proto proto)
{
	struct sk_call_params p = {.to = PH_AOR, .route = PH_PROXY_URI, .proto = proto};
	struct sk_call *c = NULL;
	assert_int_equal(sk_call_invite(h->nodes[0].ua, &p, &c), 0);
	h->nodes[0].call = c;
	return c;
}

void ph_act_cancel(struct ph *h, void *reason)
{
	struct sk_call *c = h->nodes[0].call;
	if (c) {
		int rc = sk_call_cancel(c, reason);
		assert_true(rc >= 0 || rc == -SK_ESTATE);
	}
}

struct sk_str ph_req(char *buf, size_t size, const char *method, const char *ruri,
                     const char *call_id, unsigned cseq, int mf, const char *extra)
{
	char mfl[32] = "";
	if (mf >= 0)
		snprintf(mfl, sizeof(mfl), "Max-Forwards: %d\r\n", mf);
	int k = snprintf(buf, size,
	                 "%s %s SIP/2.0\r\n"
	                 "%s"
	                 "From: <sip:alice@10.0.0.1>;tag=rawcaller\r\n"
	                 "To: <" PH_AOR ">\r\n"
	                 "Call-ID: %s\r\n"
	                 "CSeq: %u %s\r\n"
	                 "Contact: <sip:alice@10.0.0.1:5060>\r\n"
	                 "%s"
	                 "Content-Length: 0\r\n\r\n",
	                 method, ruri, mfl, call_id, cseq, method, extra ? extra : "");
	assert_true(k > 0 && (size_t)k < size);
	return (struct sk_str){buf, (size_t)k};
}

struct sk_txn *ph_raw_send(struct ph *h, int n, enum sk_proto proto, struct sk_str req)
{
	return hw_raw_send(&h->nodes[n], &h->nodes[PH_PROXY].addr, proto, req);
}

void ph_phone(struct ph *h, int i, int ring_ms, int answer_ms, int reject_code)
{
	h->nodes[i].pol.ring_ms = ring_ms;
	h->nodes[i].pol.answer_ms = answer_ms;
	h->nodes[i].pol.reject_code = reject_code;
}
