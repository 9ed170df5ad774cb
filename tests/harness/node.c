/* SPDX-License-Identifier: BSD-3-Clause */
/* The nodes of the UA and proxy harnesses: UAs, raw stacks and bare stacks (node.h). */
#include "node.h"

#include "sipkit/stack.h"

void hw_node_event(struct hw_node *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	hw_vevent(n->events, sizeof(n->events), fmt, ap);
	va_end(ap);
}

static void start(struct hw_node *n, struct sk_timer *t, int ms)
{
	if (ms >= 0)
		sk_timer_start(n->w->timers, t, (uint64_t)ms);
}

static void stop_policy(struct hw_node *n)
{
	sk_timer_stop(n->w->timers, &n->ring_t);
	sk_timer_stop(n->w->timers, &n->answer_t);
}

/* ---- UA nodes: the recording events and the incoming-call policy ----------- */

static void ua_ring_fired(void *arg)
{
	struct hw_node *n = arg;
	if (n->pol_call)
		assert_int_equal(
		    sk_call_ring(n->pol_call, n->pol.ring_code ? n->pol.ring_code : 180), 0);
}

static void ua_answer_fired(void *arg)
{
	struct hw_node *n = arg;
	struct sk_call *c = n->pol_call;
	if (!c)
		return;
	sk_timer_stop(n->w->timers, &n->ring_t);
	if (n->pol.reject_code)
		assert_int_equal(sk_call_reject(c, n->pol.reject_code, NULL), 0);
	else
		assert_int_equal(sk_call_answer(c, NULL), 0);
}

static void ua_hangup_fired(void *arg)
{
	struct hw_node *n = arg;
	if (n->call && sk_call_state(n->call) == SK_CALL_CONFIRMED)
		sk_call_hangup(n->call);
}

static void ev_incoming(void *arg, struct sk_call *c, const struct sk_msg *invite)
{
	struct hw_node *n = arg;
	n->incoming++;
	n->call = c;
	n->pol_call = c;
	hw_node_event(n, "incoming");
	start(n, &n->ring_t, n->pol.ring_ms);
	start(n, &n->answer_t, n->pol.answer_ms);
	if (n->on_incoming)
		n->on_incoming(n, c, invite);
}

static void ev_reinvite(void *arg, struct sk_call *c, const struct sk_msg *invite)
{
	struct hw_node *n = arg;
	(void)invite;
	n->reinvites++;
	hw_node_event(n, "reinvite");
	if (!n->pol.reinvite_hold)
		assert_int_equal(sk_call_answer(c, NULL), 0);
}

static void ev_response(void *arg, struct sk_call *c, const struct sk_msg *resp)
{
	struct hw_node *n = arg;
	n->responses++;
	hw_node_event(n, "r%d", sk_msg_status(resp));
	if (n->on_response)
		n->on_response(n, c, resp);
}

static void ev_answered(void *arg, struct sk_call *c)
{
	struct hw_node *n = arg;
	n->answered++;
	hw_node_event(n, "answered");
	if (sk_call_dir(c) == SK_CALL_OUT)
		start(n, &n->hangup_t, n->hangup_ms);
	if (n->on_answered)
		n->on_answered(n, c, NULL);
}

static void ev_cancelled(void *arg, struct sk_call *c, const struct sk_msg *cancel)
{
	struct hw_node *n = arg;
	(void)cancel;
	n->cancelled++;
	snprintf(n->reason, sizeof(n->reason), "%s", sk_call_reason(c));
	hw_node_event(n, "cancelled");
}

static void ev_ended(void *arg, struct sk_call *c)
{
	struct hw_node *n = arg;
	enum sk_call_outcome o = sk_call_outcome(c);
	n->ended++;
	if ((unsigned)o < 8)
		n->outcomes[o]++;
	n->last_outcome = o;
	n->last_status = sk_call_status(c);
	n->last_reinvite_status = sk_call_reinvite_status(c);
	n->last_dialogs = sk_call_dialogs(c);
	n->ended_at = hw_now(n->w);
	if (sk_call_reason(c)[0])
		snprintf(n->reason, sizeof(n->reason), "%s", sk_call_reason(c));
	assert_int_equal(sk_call_state(c), SK_CALL_ENDED);
	hw_node_event(n, "ended:%s", sk_call_outcome_name(o));
	if (n->pol_call == c) {
		stop_policy(n);
		n->pol_call = NULL;
	}
	if (n->call == c) {
		sk_timer_stop(n->w->timers, &n->hangup_t);
		n->call = NULL;
	}
}

/* ---- raw nodes: the harness is the transaction user ---------------------- */

static void raw_reply(struct hw_node *n, struct sk_txn *st, int code, const char *tag)
{
	int rc = sk_txn_reply(st, code, NULL, tag);
	if (n->raw_strict)
		assert_int_equal(rc, 0);
}

/* A raw node's final on its INVITE (the second 2xx with another To tag): a 2xx has a Contact. */
static void raw_final(struct hw_node *n, int code, int which)
{
	char tag[24], contact[96], a[64];
	if (!n->raw_ist)
		return;
	snprintf(tag, sizeof(tag), "%s%s", n->raw_tag, which ? "b" : "");
	sk_sa_print(&n->addr, a, sizeof(a));
	snprintf(contact, sizeof(contact), "Contact: <sip:bob@%s>\r\n", a);
	int rc = sk_test_respond(n->raw_ist, code, tag, code < 300 ? contact : n->pol.extra);
	if (rc == 0)
		n->raw_finals++;
}

static void raw_ring_fired(void *arg)
{
	struct hw_node *n = arg;
	if (n->raw_ist && sk_txn_status(n->raw_ist) < 200)
		sk_txn_reply(n->raw_ist, n->pol.ring_code ? n->pol.ring_code : 180, NULL,
		             n->raw_tag);
}

static void raw_answer_fired(void *arg)
{
	struct hw_node *n = arg;
	if (n->raw_ist && sk_txn_status(n->raw_ist) < 200)
		raw_final(n, n->pol.reject_code ? n->pol.reject_code : 200, 0);
}

static void raw_second_fired(void *arg)
{
	raw_final(arg, 200, 1);
}

void hw_raw_default(struct hw_node *n, struct sk_txn *st, const struct sk_msg *req,
                    struct sk_txn *invite)
{
	struct sk_str m = sk_msg_method(req);
	if (sk_str_eq(m, SK_STR_LIT("INVITE"))) {
		start(n, &n->ring_t, n->pol.ring_ms);
		start(n, &n->answer_t, n->pol.answer_ms);
		if (n->pol.second_2xx_ms > 0)
			start(n, &n->second_t, n->pol.second_2xx_ms);
		return;
	}
	if (sk_str_eq(m, SK_STR_LIT("CANCEL"))) {
		if (!invite) {
			raw_reply(n, st, 481, "raw");
			return;
		}
		raw_reply(n, st, 200, "raw");
		/* §9.2: 487 to the INVITE when it has no final yet */
		if (sk_txn_kind(invite) == SK_TXN_IST && sk_txn_status(invite) < 200) {
			int rc = sk_txn_reply(invite, 487, NULL, n->raw_tag);
			if (n->raw_strict)
				assert_int_equal(rc, 0);
			if (rc == 0)
				n->raw_finals++;
			stop_policy(n);
		}
		return;
	}
	if (sk_str_eq(m, SK_STR_LIT("BYE")))
		n->raw_byes++;
	raw_reply(n, st, 200, "raw");
}

static void raw_on_request(void *arg, struct sk_txn *st, const struct sk_msg *req,
                           struct sk_txn *invite)
{
	struct hw_node *n = arg;
	sk_txn_bind(st, &hw_raw_handler, n);
	struct sk_str m = sk_msg_method(req);
	hw_node_event(n, "%.*s", (int)m.len, m.p);
	if (sk_txn_kind(st) == SK_TXN_IST)
		n->raw_ist = st;
	if (n->raw_request)
		n->raw_request(n, st, req, invite);
	else
		hw_raw_default(n, st, req, invite);
}

static void raw_on_ack(void *arg, struct sk_txn *ist, const struct sk_msg *ack,
                       const struct sk_flow *flow)
{
	struct hw_node *n = arg;
	(void)flow;
	n->raw_acks++;
	hw_node_event(n, "ACK");
	if (n->raw_ack)
		n->raw_ack(n, ist, ack);
}

static void raw_on_response(void *arg, struct sk_txn *ct, const struct sk_msg *resp)
{
	struct hw_node *n = arg;
	struct sk_str m = sk_txn_method(ct);
	n->raw_last_status = n->last_status = sk_msg_status(resp);
	hw_node_event(n, "%d/%.*s", sk_msg_status(resp), (int)m.len, m.p);
	if (n->raw_response)
		n->raw_response(n, ct, resp);
}

static void raw_on_stray(void *arg, const struct sk_msg *resp, const struct sk_flow *flow)
{
	struct hw_node *n = arg;
	(void)flow;
	n->raw_strays++;
	hw_node_event(n, "stray%d", sk_msg_status(resp));
}

static void raw_on_failed(void *arg, struct sk_txn *t, int err)
{
	struct hw_node *n = arg;
	(void)t;
	n->raw_failed++;
	hw_node_event(n, "failed:%s", sk_strerror(err));
}

static void raw_on_terminated(void *arg, struct sk_txn *t)
{
	struct hw_node *n = arg;
	if (n->raw_ist == t) {
		n->raw_ist = NULL;
		stop_policy(n);
		sk_timer_stop(n->w->timers, &n->second_t);
	}
	if (n->raw_ct == t)
		n->raw_ct = NULL;
}

const struct sk_txn_handler hw_raw_handler = {
    .response = raw_on_response, .failed = raw_on_failed, .terminated = raw_on_terminated};

struct sk_txn *hw_raw_send(struct hw_node *n, const struct sk_sa *to, enum sk_proto proto,
                           struct sk_str req)
{
	struct sk_target dst = {.proto = proto, .addr = *to};
	struct sk_txn *t = NULL;
	assert_int_equal(sk_txn_request(sk_stack_txl(n->st), req, &dst, &hw_raw_handler, n, &t), 0);
	n->raw_ct = t;
	return t;
}

/* ---- set-up and tear-down -------------------------------------------------- */

static void make_ua(struct hw_node *n, enum sk_100rel rel100)
{
	struct sk_ua_config uc = {.stack = n->st,
	                          .rel100 = rel100,
	                          .user = n->idx == 0 ? "alice" : "bob",
	                          .ev = {.incoming = ev_incoming,
	                                 .reinvite = ev_reinvite,
	                                 .response = ev_response,
	                                 .answered = ev_answered,
	                                 .cancelled = ev_cancelled,
	                                 .ended = ev_ended,
	                                 .arg = n}};
	assert_int_equal(sk_ua_new(&n->ua, &uc), 0);
}

void hw_node_init(struct hw_node *n, struct hw_world *w, void *h, int idx, uint64_t seed,
                  const struct sk_txn_times *times, enum hw_kind kind, sk_tp_trace_fn trace,
                  void *trace_arg)
{
	struct sk_net *net;
	memset(n, 0, sizeof(*n));
	n->h = h;
	n->w = w;
	n->idx = idx;
	n->pol = (struct hw_policy){.ring_ms = -1, .answer_ms = -1};
	n->hangup_ms = -1;
	snprintf(n->raw_tag, sizeof(n->raw_tag), "raw");
	bool raw = kind == HW_RAW;
	sk_timer_init(&n->ring_t, raw ? raw_ring_fired : ua_ring_fired, n);
	sk_timer_init(&n->answer_t, raw ? raw_answer_fired : ua_answer_fired, n);
	sk_timer_init(&n->second_t, raw_second_fired, n);
	sk_timer_init(&n->hangup_t, ua_hangup_fired, n);
	hw_node_addr(&n->addr, idx);
	assert_int_equal(sk_simnet_node(w->sn, &net), 0);
	struct sk_stack_config sc = {
	    .timers = w->timers, .net = net, .log = &w->log, .seed = hw_node_seed(seed, idx)};
	if (times)
		sc.times = *times;
	assert_int_equal(sk_stack_new(&n->st, &sc), 0);
	struct sk_target udp = {.proto = SK_PROTO_UDP, .addr = n->addr};
	struct sk_target tcp = {.proto = SK_PROTO_TCP, .addr = n->addr};
	assert_int_equal(sk_stack_listen(n->st, &udp, NULL), 0);
	assert_int_equal(sk_stack_listen(n->st, &tcp, NULL), 0);
	sk_tp_set_trace(sk_stack_tp(n->st), trace, trace_arg);
	if (kind == HW_RAW) {
		struct sk_txl_user u = {.request = raw_on_request,
		                        .ack = raw_on_ack,
		                        .stray_response = raw_on_stray,
		                        .arg = n};
		sk_stack_set_user(n->st, &u);
	} else if (kind == HW_UA) {
		make_ua(n, SK_100REL_OFF);
	}
}

void hw_node_set_100rel(struct hw_node *n, enum sk_100rel rel100)
{
	assert_non_null(n->ua);
	assert_int_equal(sk_ua_calls(n->ua), 0);
	sk_ua_free(n->ua);
	n->ua = NULL;
	make_ua(n, rel100);
}

void hw_node_free(struct hw_node *n)
{
	sk_ua_free(n->ua);
	sk_stack_free(n->st);
	hw_trace_free(&n->trace);
}

size_t hw_node_calls(const struct hw_node *n)
{
	return n->ua ? sk_ua_calls(n->ua) : 0;
}

size_t hw_node_txns(const struct hw_node *n)
{
	return sk_txl_count(sk_stack_txl(n->st));
}
