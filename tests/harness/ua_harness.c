/* SPDX-License-Identifier: BSD-3-Clause */
/* UAs and raw stacks on simnet for the UA core tests (ua_harness.h). */
#include "ua_harness.h"

static void tap(void *arg, bool out, const struct sk_flow *flow, const char *buf, size_t len)
{
	struct hw_node *n = arg;
	hw_trace_add(&n->trace, ((struct uah *)n->h)->n, n->idx, out, flow, hw_now(n->w), buf, len);
}

void uah_init(struct uah *h, uint64_t seed, int n, unsigned raw_mask)
{
	memset(h, 0, sizeof(*h));
	assert_true(n <= UAH_MAX_NODES);
	hw_world_init(&h->w, seed);
	hw_rules_install(&h->w, &h->rules);
	h->n = n;
	for (int i = 0; i < n; i++) {
		struct hw_node *nd = &h->nodes[i];
		enum hw_kind kind = raw_mask & (1u << i) ? HW_RAW : HW_UA;
		hw_node_init(nd, &h->w, h, i, seed, NULL, kind, tap, nd);
		nd->raw_strict = true;
	}
}

void uah_free(struct uah *h)
{
	for (int i = 0; i < h->n; i++)
		hw_node_free(&h->nodes[i]);
	hw_world_free(&h->w);
}

void uah_run(struct uah *h, uint64_t ms)
{
	hw_run(&h->w, ms);
}

uint64_t uah_now(const struct uah *h)
{
	return hw_now(&h->w);
}

void uah_dump(struct uah *h)
{
	for (int i = 0; i < h->n; i++) {
		fprintf(stderr, "node %d: %s\n", i, h->nodes[i].events);
		sk_txl_dump(sk_stack_txl(h->nodes[i].st), stderr);
	}
}

void uah_finish(struct uah *h)
{
	hw_acts_stop(&h->w);
	uah_run(h, 5 * 60 * 1000);
	for (int i = 0; i < h->n; i++) {
		size_t txns = hw_node_txns(&h->nodes[i]), calls = hw_node_calls(&h->nodes[i]);
		if (txns || calls) {
			uah_dump(h);
			fail_msg("node %d: %zu calls and %zu transactions left", i, calls, txns);
		}
	}
	uah_free(h);
}

struct hw_rule *uah_rule(struct uah *h, const char *start, const char *cseq, int from)
{
	return hw_rule_add(&h->rules, start, cseq, from);
}

static void act_fired(void *arg)
{
	struct uah_act *a = arg;
	a->fn(a->h, a->arg);
}

void uah_at(struct uah *h, uint64_t ms, void (*fn)(struct uah *, void *), void *arg)
{
	struct uah_act *a = &h->acts[h->w.nacts];
	*a = (struct uah_act){.h = h, .fn = fn, .arg = arg};
	hw_at(&h->w, ms, act_fired, a);
}

/* ---- what went on the wire ------------------------------------------------- */

size_t uah_count(const struct hw_node *n, bool out, const char *start, const char *cseq)
{
	size_t k = 0;
	for (size_t i = 0; i < n->trace.nwire; i++) {
		const struct hw_wire *w = &n->trace.wire[i];
		k += w->out == out && hw_matches(w->data, w->len, start, cseq);
	}
	return k;
}

const struct hw_wire *uah_nth(const struct hw_node *n, bool out, const char *start,
                              const char *cseq, size_t nth)
{
	for (size_t i = 0; i < n->trace.nwire; i++) {
		const struct hw_wire *w = &n->trace.wire[i];
		if (w->out == out && hw_matches(w->data, w->len, start, cseq) && --nth == 0)
			return w;
	}
	return NULL;
}

size_t uah_index(const struct hw_node *n, const struct hw_wire *w)
{
	assert_non_null(w);
	return (size_t)(w - n->trace.wire);
}

void uah_assert_hdr(const struct sk_msg *m, const char *name, const char *want)
{
	if (!hw_has(m, name))
		fail_msg("no %s header", name);
	assert_str_view(hw_hdr(m, name), want);
}

void uah_assert_same_hdr(const struct sk_msg *a, const struct sk_msg *b, const char *name)
{
	struct sk_str x = hw_hdr(a, name), y = hw_hdr(b, name);
	if (!hw_has(a, name) || !sk_str_eq(x, y))
		fail_msg("%s: \"%.*s\" vs \"%.*s\"", name, (int)x.len, x.p, (int)y.len, y.p);
}

struct sk_msg *uah_sent(const struct hw_node *n, const char *start, const char *cseq, size_t nth)
{
	const struct hw_wire *w = uah_nth(n, true, start, cseq, nth);
	if (!w)
		fail_msg("node %d sent no %s #%zu", n->idx, start, nth);
	return hw_wire_parse(w);
}

uint32_t uah_wire_cseq(const struct hw_wire *w)
{
	struct sk_msg *m = hw_wire_parse(w);
	uint32_t n = sk_msg_cseq(m)->num;
	sk_msg_free(m);
	return n;
}

const char *uah_wire_to_tag(const struct hw_wire *w, char *buf, size_t size)
{
	struct sk_msg *m = hw_wire_parse(w);
	sk_str_cpy(buf, size, sk_msg_to(m)->tag);
	sk_msg_free(m);
	return buf;
}

/* ---- requests of raw nodes, calls of UA nodes -------------------------------- */

struct sk_str uah_req(char *buf, size_t size, const char *method, const char *ruri,
                      const char *from, const char *to, const char *call_id, unsigned cseq,
                      const char *cseq_method, const char *extra)
{
	int k = snprintf(buf, size,
	                 "%s %s SIP/2.0\r\n"
	                 "Max-Forwards: 70\r\n"
	                 "From: %s\r\n"
	                 "To: %s\r\n"
	                 "Call-ID: %s\r\n"
	                 "CSeq: %u %s\r\n"
	                 "%s"
	                 "Content-Length: 0\r\n\r\n",
	                 method, ruri, from, to, call_id, cseq, cseq_method ? cseq_method : method,
	                 extra ? extra : "");
	assert_true(k > 0 && (size_t)k < size);
	return (struct sk_str){buf, (size_t)k};
}

struct sk_txn *uah_raw_send(struct hw_node *n, const struct hw_node *to, enum sk_proto proto,
                            struct sk_str req)
{
	return hw_raw_send(n, &to->addr, proto, req);
}

void uah_raw_ack_2xx(struct hw_node *n, const struct sk_msg *resp, const struct hw_node *to)
{
	const struct sk_addr *ct = sk_msg_addr(resp, SK_HDR_CONTACT, 0);
	char buf[1024], from[256], call_id[128];
	assert_non_null(ct);
	sk_str_cpy(n->raw_target, sizeof(n->raw_target), ct->uri.raw);
	sk_str_cpy(n->raw_to, sizeof(n->raw_to), hw_hdr(resp, "To"));
	sk_str_cpy(from, sizeof(from), hw_hdr(resp, "From"));
	sk_str_cpy(call_id, sizeof(call_id), sk_msg_call_id(resp));
	struct sk_str ack = uah_req(buf, sizeof(buf), "ACK", n->raw_target, from, n->raw_to,
	                            call_id, sk_msg_cseq(resp)->num, NULL, NULL);
	struct sk_target dst = {.proto = SK_PROTO_UDP, .addr = to->addr};
	assert_int_equal(sk_txl_send_stateless(sk_stack_txl(n->st), ack, &dst), 0);
}

void uah_raw_ack_hook(struct hw_node *n, struct sk_txn *ct, const struct sk_msg *resp)
{
	struct uah *h = n->h;
	if (sk_str_eq(sk_txn_method(ct), SK_STR_LIT("INVITE")) && sk_msg_status(resp) / 100 == 2)
		uah_raw_ack_2xx(n, resp, &h->nodes[1]);
}

int uah_ask(struct uah *h, struct sk_str req, struct sk_msg **resp)
{
	struct hw_node *a = &h->nodes[0], *b = &h->nodes[1];
	size_t before = uah_count(a, false, "SIP/2.0", NULL);
	uah_raw_send(a, b, SK_PROTO_UDP, req);
	uah_run(h, 20);
	size_t after = uah_count(a, false, "SIP/2.0", NULL);
	assert_true(after > before);
	if (resp)
		*resp = hw_wire_parse(uah_nth(a, false, "SIP/2.0", NULL, after));
	return a->raw_last_status;
}

const char *uah_uri(const struct hw_node *n, char *buf, size_t size)
{
	char a[64];
	sk_sa_print(&n->addr, a, sizeof(a));
	snprintf(buf, size, "sip:%s@%s", n->idx == 0 ? "alice" : "bob", a);
	return buf;
}

struct sk_call *uah_call(struct hw_node *from, const struct hw_node *to, enum sk_proto proto)
{
	char uri[96];
	struct sk_call_params p = {.to = uah_uri(to, uri, sizeof(uri)), .proto = proto};
	struct sk_call *c = NULL;
	assert_int_equal(sk_call_invite(from->ua, &p, &c), 0);
	assert_non_null(c);
	assert_int_equal(sk_call_dir(c), SK_CALL_OUT);
	assert_int_equal(sk_call_state(c), SK_CALL_CALLING);
	from->call = c;
	return c;
}
