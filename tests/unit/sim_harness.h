/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stacks on simnet for the transaction tests: a shared virtual clock, one
 * transport and transaction layer per node, and a recording transaction user
 * whose reactions each test chooses.
 */
#ifndef SK_SIM_HARNESS_H
#define SK_SIM_HARNESS_H

#include "sk_test.h"

#include "sipkit/transport.h"
#include "sipkit/txn.h"

#define SIM_MAX_NODES 4

struct node;
typedef void (*node_request_fn)(struct node *n, struct sk_txn *st, const struct sk_msg *req,
                                struct sk_txn *target);
typedef void (*node_response_fn)(struct node *n, struct sk_txn *ct, const struct sk_msg *resp);

struct node {
	struct sim *sim;
	int idx;
	struct sk_net *net;
	struct sk_tp *tp;
	struct sk_txl *txl;
	struct sk_sa addr;
	node_request_fn on_request;
	node_response_fn on_response;
	/* what happened */
	int requests, cancels, acks, acks_stray, strays, failed, terminated;
	int cancel_targets; /* CANCELs that found their INVITE */
	int resp[7];        /* responses received by class: resp[1] = 1xx ... */
	int last_status, last_err;
	char events[4096];            /* "INVITE 180 CANCEL ..." in order */
	struct sk_txn *st, *ct, *ist; /* last server txn, last client txn, last IST */
	int ict_done;                 /* the watched ICT terminated */
};

struct sim {
	struct sk_clock *clock;
	struct sk_timers *timers;
	struct sk_simnet *sn;
	struct node nodes[SIM_MAX_NODES];
	int n;
	struct sk_log log;
};

static inline void node_event(struct node *n, const char *fmt, ...)
{
	size_t used = strlen(n->events);
	va_list ap;
	va_start(ap, fmt);
	if (used + 2 < sizeof(n->events)) {
		vsnprintf(n->events + used, sizeof(n->events) - used - 1, fmt, ap);
		strcat(n->events, " ");
	}
	va_end(ap);
}

static const struct sk_txn_handler h_handler;

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

static void h_response(void *arg, struct sk_txn *ct, const struct sk_msg *resp)
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

static void h_failed(void *arg, struct sk_txn *t, int err)
{
	struct node *n = arg;
	n->failed++;
	n->last_err = err;
	struct sk_str m = sk_txn_method(t);
	node_event(n, "fail(%.*s,%s)", (int)m.len, m.p, sk_strerror(err));
}

static void h_terminated(void *arg, struct sk_txn *t)
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

/* Every transaction of a node reports to it: clients from their start, servers once seen. */
static const struct sk_txn_handler h_handler = {
    .response = h_response, .failed = h_failed, .terminated = h_terminated};

/* Cancels ict (§9.1); its CANCEL reports to the node that sent the INVITE. */
static inline int sim_cancel(struct sk_txn *ict, const char *reason)
{
	return sk_txn_cancel(ict, reason, &h_handler, sk_txn_arg(ict, &h_handler));
}

static void sim_log_line(void *arg, enum sk_log_level level, const char *line)
{
	(void)arg;
	(void)level;
	if (getenv("SK_TEST_LOG"))
		fprintf(stderr, "log: %s\n", line);
}

/* Nodes listen on 10.0.0.<i+1>:5060, UDP and TCP (simnet: nothing leaves the process). */
static inline void sim_init(struct sim *s, uint64_t seed, int nodes,
                            const struct sk_txn_times *times)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(sk_clock_new_virtual(&s->clock, 1000000), 0);
	assert_int_equal(sk_timers_new(&s->timers, s->clock), 0);
	assert_int_equal(sk_simnet_new(&s->sn, s->timers, seed), 0);
	s->log = (struct sk_log){.fn = sim_log_line, .max = SK_LOG_DEBUG};
	s->n = nodes;
	for (int i = 0; i < nodes; i++) {
		struct node *n = &s->nodes[i];
		char host[32];
		n->sim = s;
		n->idx = i;
		snprintf(host, sizeof(host), "10.0.0.%d", i + 1);
		assert_int_equal(sk_sa_from_host(&n->addr, sk_str_c(host), 5060), 0);
		assert_int_equal(sk_simnet_node(s->sn, &n->net), 0);
		struct sk_tp_config tc = {.timers = s->timers,
		                          .net = n->net,
		                          .log = &s->log,
		                          .seed = seed * 31 + (uint64_t)i + 1};
		struct sk_txl_config xc = {.timers = s->timers, .log = &s->log};
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

static inline void sim_free(struct sim *s)
{
	for (int i = 0; i < s->n; i++) {
		sk_txl_free(s->nodes[i].txl);
		sk_tp_free(s->nodes[i].tp);
		sk_net_free(s->nodes[i].net);
	}
	sk_simnet_free(s->sn);
	sk_timers_free(s->timers);
	sk_clock_free(s->clock);
}

/* Runs virtual time forward by ms, firing everything due on the way. */
static inline void sim_run(struct sim *s, uint64_t ms)
{
	sk_timers_advance(s->timers, ms);
}

static inline uint64_t sim_now(const struct sim *s)
{
	return sk_clock_now(s->clock);
}

/* A request from node `from` to node `to`, without Via (the layer adds it). */
static inline size_t sim_request(char *buf, size_t size, const char *method,
                                 const struct node *from, const struct node *to,
                                 const char *call_id, unsigned cseq, const char *to_tag)
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

static inline struct sk_target sim_target(const struct node *to, enum sk_proto proto)
{
	return (struct sk_target){.proto = proto, .addr = to->addr};
}

/* ---- packet rules: targeted loss, delay and timing on simnet ------------- */

#define SIM_MAX_RULES 8

/* Packets whose first line starts with `start` (and CSeq method `cseq`, when set). */
struct sim_rule {
	const char *start;
	const char *cseq;
	int from;       /* node index, -1 any */
	int drop_nth;   /* drop the nth match (1-based); -1 every match; 0 none */
	uint32_t delay; /* extra one-way delay, ms */
	int seen;
	uint64_t times[128]; /* when each match was sent */
};

struct sim_rules {
	struct sim *sim;
	struct sim_rule r[SIM_MAX_RULES];
	int n;
};

static inline bool sim_cseq_is(const char *data, size_t len, const char *method)
{
	const char *end = data + len;
	for (const char *p = data; p + 6 < end; p++) {
		if ((p == data || p[-1] == '\n') && !strncasecmp(p, "CSeq:", 5)) {
			const char *q = p + 5;
			while (q < end && (*q == ' ' || (*q >= '0' && *q <= '9')))
				q++;
			size_t ml = strlen(method);
			return (size_t)(end - q) > ml && !memcmp(q, method, ml) &&
			       (q[ml] == '\r' || q[ml] == '\n');
		}
	}
	return false;
}

static void sim_rules_filter(void *arg, struct sk_simnet_packet *p)
{
	struct sim_rules *rs = arg;
	for (int i = 0; i < rs->n; i++) {
		struct sim_rule *r = &rs->r[i];
		size_t sl = strlen(r->start);
		if (p->len < sl || memcmp(p->data, r->start, sl))
			continue;
		if (r->cseq && !sim_cseq_is(p->data, p->len, r->cseq))
			continue;
		if (r->from >= 0 && !sk_sa_same_host(&p->from, &rs->sim->nodes[r->from].addr))
			continue;
		if (r->seen < 128)
			r->times[r->seen] = sk_clock_now(rs->sim->clock);
		r->seen++;
		if (r->drop_nth == -1 || r->drop_nth == r->seen)
			p->drop = true;
		p->delay_ms += r->delay;
	}
}

static inline struct sim_rule *sim_rule_add(struct sim_rules *rs, const char *start,
                                            const char *cseq, int from)
{
	assert_true(rs->n < SIM_MAX_RULES);
	struct sim_rule *r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	r->start = start;
	r->cseq = cseq;
	r->from = from;
	return r;
}

static inline void sim_rules_install(struct sim *s, struct sim_rules *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->sim = s;
	sk_simnet_set_filter(s->sn, sim_rules_filter, rs);
}

#endif
