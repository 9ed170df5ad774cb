/* SPDX-License-Identifier: BSD-3-Clause */
/* Transaction layers on simnet with a recording transaction user (sim_harness.h). */
#include "sim_harness.h"

void node_event(struct node *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	hw_vevent(n->events, sizeof(n->events), fmt, ap);
	va_end(ap);
}

static void h_request(void *arg, struct sk_txn *st, const struct sk_msg *req, struct sk_txn *target)
{
	struct node *n = arg;
	struct sk_str m = sk_msg_method(req);
	sk_txn_bind(st, &h_handler, n);
	n->requests++;
	n->st = st;
	if (sk_txn_kind(st) == SK_TXN_IST)
		n->ist = st;
	if (m.len == 6 && !memcmp(m.p, "CANCEL", 6)) {
		n->cancels++;
		if (target)
			n->cancel_targets++;
	}
	node_event(n, "%.*s", (int)m.len, m.p);
	if (n->on_request)
		n->on_request(n, st, req, target);
}

static void h_ack(void *arg, struct sk_txn *ist, const struct sk_msg *ack, const struct sk_flow *f)
{
	struct node *n = arg;
	(void)ack;
	(void)f;
	if (ist)
		n->acks++;
	else
		n->acks_stray++;
	node_event(n, ist ? "ACK" : "ACK(stray)");
}

void h_response(void *arg, struct sk_txn *ct, const struct sk_msg *resp)
{
	struct node *n = arg;
	int code = sk_msg_status(resp);
	n->resp[code / 100]++;
	n->last_status = code;
	struct sk_str m = sk_txn_method(ct);
	node_event(n, "%d/%.*s", code, (int)m.len, m.p);
	if (n->on_response)
		n->on_response(n, ct, resp);
}

static void h_stray(void *arg, const struct sk_msg *resp, const struct sk_flow *f)
{
	struct node *n = arg;
	(void)f;
	n->strays++;
	node_event(n, "stray%d", sk_msg_status(resp));
}

void h_failed(void *arg, struct sk_txn *t, int err)
{
	struct node *n = arg;
	n->failed++;
	n->last_err = err;
	struct sk_str m = sk_txn_method(t);
	node_event(n, "fail(%.*s,%s)", (int)m.len, m.p, sk_strerror(err));
}

void h_terminated(void *arg, struct sk_txn *t)
{
	struct node *n = arg;
	n->terminated++;
	if (t == n->st)
		n->st = NULL;
	if (t == n->ist)
		n->ist = NULL;
	if (t == n->ct) {
		n->ct = NULL;
		n->ict_done = 1;
	}
}

const struct sk_txn_handler h_handler = {
    .response = h_response, .failed = h_failed, .terminated = h_terminated};

int sim_cancel(struct sk_txn *ict, const char *reason)
{
	return sk_txn_cancel(ict, reason, &h_handler, sk_txn_arg(ict, &h_handler));
}

void sim_init(struct sim *s, uint64_t seed, int nodes, const struct sk_txn_times *times)
{
	sim_init_limited(s, seed, nodes, times, 0);
}

void sim_init_limited(struct sim *s, uint64_t seed, int nodes, const struct sk_txn_times *times,
                      size_t max_transactions)
{
	memset(s, 0, sizeof(*s));
	hw_world_init(&s->w, seed);
	s->n = nodes;
	for (int i = 0; i < nodes; i++) {
		struct node *n = &s->nodes[i];
		n->sim = s;
		n->idx = i;
		hw_node_addr(&n->addr, i);
		assert_int_equal(sk_simnet_node(s->w.sn, &n->net), 0);
		struct sk_tp_config tc = {.timers = s->w.timers,
		                          .net = n->net,
		                          .log = &s->w.log,
		                          .seed = hw_node_seed(seed, i)};
		struct sk_txl_config xc = {
		    .timers = s->w.timers, .log = &s->w.log, .max_transactions = max_transactions};
		if (times)
			xc.times = *times;
		struct sk_txl_user u = {
		    .request = h_request, .ack = h_ack, .stray_response = h_stray, .arg = n};
		assert_int_equal(sk_tp_new(&n->tp, &tc, NULL), 0);
		xc.tp = n->tp;
		assert_int_equal(sk_txl_new(&n->txl, &xc, &u), 0);
		struct sk_tp_user up = sk_txl_tp_user(n->txl);
		sk_tp_set_user(n->tp, &up);
		assert_int_equal(sk_tp_listen(n->tp, SK_PROTO_UDP, &n->addr, NULL), 0);
		assert_int_equal(sk_tp_listen(n->tp, SK_PROTO_TCP, &n->addr, NULL), 0);
	}
}

void sim_free(struct sim *s)
{
	for (int i = 0; i < s->n; i++) {
		sk_txl_free(s->nodes[i].txl);
		sk_tp_free(s->nodes[i].tp);
		sk_net_free(s->nodes[i].net);
	}
	hw_world_free(&s->w);
}

void sim_run(struct sim *s, uint64_t ms)
{
	hw_run(&s->w, ms);
}

uint64_t sim_now(const struct sim *s)
{
	return hw_now(&s->w);
}

size_t sim_request(char *buf, size_t size, const char *method, const struct node *from,
                   const struct node *to, const char *call_id, unsigned cseq, const char *to_tag)
{
	char fa[64], ta[64];
	sk_sa_print(&from->addr, fa, sizeof(fa));
	sk_sa_print(&to->addr, ta, sizeof(ta));
	int n = snprintf(buf, size,
	                 "%s sip:bob@%s SIP/2.0\r\n"
	                 "Max-Forwards: 70\r\n"
	                 "From: <sip:alice@%s>;tag=a%u\r\n"
	                 "To: <sip:bob@%s>%s%s\r\n"
	                 "Call-ID: %s\r\n"
	                 "CSeq: %u %s\r\n"
	                 "Contact: <sip:alice@%s>\r\n"
	                 "Content-Length: 0\r\n\r\n",
	                 method, ta, fa, cseq, ta, to_tag ? ";tag=" : "", to_tag ? to_tag : "",
	                 call_id, cseq, method, fa);
	return (size_t)n;
}

struct sk_target sim_target(const struct node *to, enum sk_proto proto)
{
	return (struct sk_target){.proto = proto, .addr = to->addr};
}

void sim_rules_install(struct sim *s, struct hw_rules *rs)
{
	hw_rules_install(&s->w, rs);
}

struct hw_rule *sim_rule_add(struct hw_rules *rs, const char *start, const char *cseq, int from)
{
	return hw_rule_add(rs, start, cseq, from);
}
