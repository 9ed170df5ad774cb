/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UAs on simnet for the UA core tests: N stacks on one virtual clock, node i
 * at 10.0.0.<i+1>:5060 over UDP and TCP. A node is either a UA (sk_ua on its
 * stack, with a recording sk_ua_events and a policy for incoming calls) or a
 * raw stack, a scripted peer whose transaction user is the test itself.
 * Every message a node sends or receives is kept (sk_tp_set_trace); packet
 * rules drop or delay chosen messages on the network (like sim_harness.h).
 */
#ifndef SK_UA_HARNESS_H
#define SK_UA_HARNESS_H

#include "sk_test.h"

#include "sipkit/ua.h"

#define UAH_MAX_NODES 4
#define UAH_MAX_RULES 8
#define UAH_MAX_ACTS  16

struct uah;
struct uah_node;

/* What a UA node does with an incoming call: times from the INVITE in ms, -1 never. */
struct uah_policy {
	int ring_ms;        /* a 180 */
	int answer_ms;      /* a 200, or the rejection below */
	int reject_code;    /* non-zero: answer_ms rejects with this code */
	bool reinvite_hold; /* re-INVITEs are left unanswered (else answered 200 at once) */
};

/* A message as the transport sent (out) or received it. */
struct uah_wire {
	bool out;
	struct sk_flow flow;
	uint64_t at;
	char *data;
	size_t len;
};

typedef void (*uah_raw_request_fn)(struct uah_node *n, struct sk_txn *st, const struct sk_msg *req,
                                   struct sk_txn *invite);
typedef void (*uah_raw_response_fn)(struct uah_node *n, struct sk_txn *ct,
                                    const struct sk_msg *resp);
typedef void (*uah_raw_ack_fn)(struct uah_node *n, struct sk_txn *ist, const struct sk_msg *ack);
typedef void (*uah_call_fn)(struct uah_node *n, struct sk_call *c, const struct sk_msg *m);

struct uah_node {
	struct uah *h;
	int idx;
	struct sk_stack *st;
	struct sk_ua *ua; /* NULL: a raw stack */
	struct sk_sa addr;
	/* UA nodes */
	struct uah_policy pol;
	struct sk_timer ring_t, answer_t;
	struct sk_call *pol_call; /* the call the policy timers act on */
	struct sk_call *call;     /* the last call; NULL once ended */
	char events[4096];        /* "incoming r180 ... ended:cancelled " */
	int incoming, responses, answered, cancelled, ended, reinvites;
	int outcomes[8]; /* ended calls by outcome */
	enum sk_call_outcome last_outcome;
	int last_status, last_reinvite_status;
	unsigned last_dialogs;
	char reason[256]; /* sk_call_reason at the last cancelled or ended event */
	uint64_t ended_at;
	uah_call_fn on_response, on_incoming, on_answered; /* test hooks, after recording */
	/* raw nodes */
	uah_raw_request_fn raw_request; /* NULL: uah_raw_default */
	uah_raw_response_fn raw_response;
	uah_raw_ack_fn raw_ack;
	int raw_acks, raw_failed, raw_strays, raw_last_status;
	struct sk_txn *raw_ist, *raw_ct;   /* last server INVITE, last client transaction */
	char raw_to[256], raw_target[160]; /* a raw caller's dialog: the 2xx's To and Contact */
	void *ctx;
	/* everything sent and received */
	struct uah_wire *wire;
	size_t nwire, capwire;
};

/* Packets whose first line starts with `start` (and CSeq method `cseq` when set). */
struct uah_rule {
	const char *start;
	const char *cseq;
	int from;       /* node index, -1 any */
	int drop_nth;   /* drop the nth match (1-based); -1 every match; 0 none */
	uint32_t delay; /* extra one-way delay, ms */
	int delay_nth;  /* 0: every match is delayed, else only the nth */
	int seen;
	uint64_t times[64]; /* when each match was sent, relative to the harness start */
};

struct uah_act {
	struct uah *h;
	struct sk_timer t;
	void (*fn)(struct uah *h, void *arg);
	void *arg;
};

struct uah {
	struct sk_clock *clock;
	struct sk_timers *timers;
	struct sk_simnet *sn;
	struct uah_node nodes[UAH_MAX_NODES];
	int n;
	uint64_t t0;
	struct sk_log log;
	struct uah_rule rules[UAH_MAX_RULES];
	int nrules;
	struct uah_act acts[UAH_MAX_ACTS];
	int nacts;
};

/* ---- recording ----------------------------------------------------------- */

static inline void uah_event(struct uah_node *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void uah_event(struct uah_node *n, const char *fmt, ...)
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

static inline uint64_t uah_now(const struct uah *h)
{
	return sk_clock_now(h->clock) - h->t0;
}

static void uah_trace(void *arg, bool out, const struct sk_flow *flow, const char *buf, size_t len)
{
	struct uah_node *n = arg;
	if (n->nwire == n->capwire) {
		size_t cap = n->capwire ? n->capwire * 2 : 64;
		struct uah_wire *w = realloc(n->wire, cap * sizeof(*w));
		assert_non_null(w);
		n->wire = w;
		n->capwire = cap;
	}
	struct uah_wire *w = &n->wire[n->nwire++];
	w->out = out;
	w->flow = *flow;
	w->at = uah_now(n->h);
	w->len = len;
	w->data = malloc(len + 1);
	assert_non_null(w->data);
	memcpy(w->data, buf, len);
	w->data[len] = '\0';
}

/* ---- UA nodes: the recording events and the incoming-call policy ----------- */

static void uah_ring_fired(void *arg)
{
	struct uah_node *n = arg;
	if (n->pol_call)
		assert_int_equal(sk_call_ring(n->pol_call, 180), 0);
}

static void uah_answer_fired(void *arg)
{
	struct uah_node *n = arg;
	struct sk_call *c = n->pol_call;
	if (!c)
		return;
	sk_timer_stop(sk_stack_timers(n->st), &n->ring_t);
	if (n->pol.reject_code)
		assert_int_equal(sk_call_reject(c, n->pol.reject_code, NULL), 0);
	else
		assert_int_equal(sk_call_answer(c, NULL), 0);
}

static void uah_ev_incoming(void *arg, struct sk_call *c, const struct sk_msg *invite)
{
	struct uah_node *n = arg;
	n->incoming++;
	n->call = c;
	n->pol_call = c;
	uah_event(n, "incoming");
	if (n->pol.ring_ms >= 0)
		sk_timer_start(sk_stack_timers(n->st), &n->ring_t, (uint64_t)n->pol.ring_ms);
	if (n->pol.answer_ms >= 0)
		sk_timer_start(sk_stack_timers(n->st), &n->answer_t, (uint64_t)n->pol.answer_ms);
	if (n->on_incoming)
		n->on_incoming(n, c, invite);
}

static void uah_ev_reinvite(void *arg, struct sk_call *c, const struct sk_msg *invite)
{
	struct uah_node *n = arg;
	(void)invite;
	n->reinvites++;
	uah_event(n, "reinvite");
	if (!n->pol.reinvite_hold)
		assert_int_equal(sk_call_answer(c, NULL), 0);
}

static void uah_ev_response(void *arg, struct sk_call *c, const struct sk_msg *resp)
{
	struct uah_node *n = arg;
	n->responses++;
	uah_event(n, "r%d", sk_msg_status(resp));
	if (n->on_response)
		n->on_response(n, c, resp);
}

static void uah_ev_answered(void *arg, struct sk_call *c)
{
	struct uah_node *n = arg;
	n->answered++;
	uah_event(n, "answered");
	if (n->on_answered)
		n->on_answered(n, c, NULL);
}

static void uah_ev_cancelled(void *arg, struct sk_call *c, const struct sk_msg *cancel)
{
	struct uah_node *n = arg;
	(void)cancel;
	n->cancelled++;
	snprintf(n->reason, sizeof(n->reason), "%s", sk_call_reason(c));
	uah_event(n, "cancelled");
}

static void uah_ev_ended(void *arg, struct sk_call *c)
{
	struct uah_node *n = arg;
	enum sk_call_outcome o = sk_call_outcome(c);
	n->ended++;
	if ((unsigned)o < 8)
		n->outcomes[o]++;
	n->last_outcome = o;
	n->last_status = sk_call_status(c);
	n->last_reinvite_status = sk_call_reinvite_status(c);
	n->last_dialogs = sk_call_dialogs(c);
	n->ended_at = uah_now(n->h);
	if (sk_call_reason(c)[0])
		snprintf(n->reason, sizeof(n->reason), "%s", sk_call_reason(c));
	assert_int_equal(sk_call_state(c), SK_CALL_ENDED);
	uah_event(n, "ended:%s", sk_call_outcome_name(o));
	if (n->pol_call == c) {
		sk_timer_stop(sk_stack_timers(n->st), &n->ring_t);
		sk_timer_stop(sk_stack_timers(n->st), &n->answer_t);
		n->pol_call = NULL;
	}
	if (n->call == c)
		n->call = NULL;
}

/* ---- raw nodes: the test is the transaction user ------------------------- */

/* BYE, OPTIONS, INFO ...: 200; CANCEL: 200 and 487 (§9.2) or 481; INVITE: nothing. */
static inline void uah_raw_default(struct uah_node *n, struct sk_txn *st, const struct sk_msg *req,
                                   struct sk_txn *invite)
{
	(void)n;
	struct sk_str m = sk_msg_method(req);
	if (sk_str_eq(m, SK_STR_LIT("INVITE")))
		return;
	if (sk_str_eq(m, SK_STR_LIT("CANCEL"))) {
		if (!invite) {
			assert_int_equal(sk_txn_reply(st, 481, NULL, "raw"), 0);
			return;
		}
		assert_int_equal(sk_txn_reply(st, 200, NULL, "raw"), 0);
		if (sk_txn_kind(invite) == SK_TXN_IST && sk_txn_status(invite) < 200)
			assert_int_equal(sk_txn_reply(invite, 487, NULL, "raw"), 0);
		return;
	}
	assert_int_equal(sk_txn_reply(st, 200, NULL, "raw"), 0);
}

static const struct sk_txn_handler uah_raw_handler;

static void uah_raw_on_request(void *arg, struct sk_txn *st, const struct sk_msg *req,
                               struct sk_txn *invite)
{
	struct uah_node *n = arg;
	sk_txn_bind(st, &uah_raw_handler, n);
	struct sk_str m = sk_msg_method(req);
	uah_event(n, "%.*s", (int)m.len, m.p);
	if (sk_txn_kind(st) == SK_TXN_IST)
		n->raw_ist = st;
	if (n->raw_request)
		n->raw_request(n, st, req, invite);
	else
		uah_raw_default(n, st, req, invite);
}

static void uah_raw_on_ack(void *arg, struct sk_txn *ist, const struct sk_msg *ack,
                           const struct sk_flow *flow)
{
	struct uah_node *n = arg;
	(void)flow;
	n->raw_acks++;
	uah_event(n, "ACK");
	if (n->raw_ack)
		n->raw_ack(n, ist, ack);
}

static void uah_raw_on_response(void *arg, struct sk_txn *ct, const struct sk_msg *resp)
{
	struct uah_node *n = arg;
	struct sk_str m = sk_txn_method(ct);
	n->raw_last_status = sk_msg_status(resp);
	uah_event(n, "%d/%.*s", sk_msg_status(resp), (int)m.len, m.p);
	if (n->raw_response)
		n->raw_response(n, ct, resp);
}

static void uah_raw_on_stray(void *arg, const struct sk_msg *resp, const struct sk_flow *flow)
{
	struct uah_node *n = arg;
	(void)flow;
	n->raw_strays++;
	uah_event(n, "stray%d", sk_msg_status(resp));
}

static void uah_raw_on_failed(void *arg, struct sk_txn *t, int err)
{
	struct uah_node *n = arg;
	(void)t;
	(void)err;
	n->raw_failed++;
}

static void uah_raw_on_terminated(void *arg, struct sk_txn *t)
{
	struct uah_node *n = arg;
	if (n->raw_ist == t)
		n->raw_ist = NULL;
	if (n->raw_ct == t)
		n->raw_ct = NULL;
}

static const struct sk_txn_handler uah_raw_handler = {.response = uah_raw_on_response,
                                                      .failed = uah_raw_on_failed,
                                                      .terminated = uah_raw_on_terminated};

/* ---- packet rules --------------------------------------------------------- */

static inline bool uah_cseq_is(const char *data, size_t len, const char *method)
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

static inline bool uah_matches(const char *data, size_t len, const char *start, const char *cseq)
{
	size_t sl = strlen(start);
	return len >= sl && !memcmp(data, start, sl) && (!cseq || uah_cseq_is(data, len, cseq));
}

static void uah_filter(void *arg, struct sk_simnet_packet *p)
{
	struct uah *h = arg;
	for (int i = 0; i < h->nrules; i++) {
		struct uah_rule *r = &h->rules[i];
		if (!uah_matches(p->data, p->len, r->start, r->cseq))
			continue;
		if (r->from >= 0 && !sk_sa_same_host(&p->from, &h->nodes[r->from].addr))
			continue;
		if (r->seen < 64)
			r->times[r->seen] = uah_now(h);
		r->seen++;
		if (r->drop_nth == -1 || r->drop_nth == r->seen)
			p->drop = true;
		if (!r->delay_nth || r->delay_nth == r->seen)
			p->delay_ms += r->delay;
	}
}

static inline struct uah_rule *uah_rule(struct uah *h, const char *start, const char *cseq,
                                        int from)
{
	assert_true(h->nrules < UAH_MAX_RULES);
	struct uah_rule *r = &h->rules[h->nrules++];
	memset(r, 0, sizeof(*r));
	r->start = start;
	r->cseq = cseq;
	r->from = from;
	return r;
}

/* ---- timed test actions ---------------------------------------------------- */

static void uah_act_fired(void *arg)
{
	struct uah_act *a = arg;
	a->fn(a->h, a->arg);
}

/* Runs fn(h, arg) ms from now (virtual time). */
static inline struct uah_act *uah_at(struct uah *h, uint64_t ms, void (*fn)(struct uah *, void *),
                                     void *arg)
{
	assert_true(h->nacts < UAH_MAX_ACTS);
	struct uah_act *a = &h->acts[h->nacts++];
	a->h = h;
	a->fn = fn;
	a->arg = arg;
	sk_timer_init(&a->t, uah_act_fired, a);
	assert_int_equal(sk_timer_start(h->timers, &a->t, ms), 0);
	return a;
}

/* ---- set-up and tear-down -------------------------------------------------- */

static void uah_log_line(void *arg, enum sk_log_level level, const char *line)
{
	(void)arg;
	(void)level;
	if (getenv("SK_TEST_LOG"))
		fprintf(stderr, "log: %s\n", line);
}

/* n nodes; bit i of raw_mask makes node i a raw stack instead of a UA. */
static inline void uah_init(struct uah *h, uint64_t seed, int n, unsigned raw_mask)
{
	memset(h, 0, sizeof(*h));
	assert_true(n <= UAH_MAX_NODES);
	assert_int_equal(sk_clock_new_virtual(&h->clock, 1000000), 0);
	assert_int_equal(sk_timers_new(&h->timers, h->clock), 0);
	assert_int_equal(sk_simnet_new(&h->sn, h->timers, seed), 0);
	sk_simnet_set_filter(h->sn, uah_filter, h);
	h->log = (struct sk_log){.fn = uah_log_line, .max = SK_LOG_DEBUG};
	h->t0 = sk_clock_now(h->clock);
	h->n = n;
	for (int i = 0; i < n; i++) {
		struct uah_node *nd = &h->nodes[i];
		char host[32];
		struct sk_net *net;
		nd->h = h;
		nd->idx = i;
		nd->pol = (struct uah_policy){.ring_ms = -1, .answer_ms = -1};
		sk_timer_init(&nd->ring_t, uah_ring_fired, nd);
		sk_timer_init(&nd->answer_t, uah_answer_fired, nd);
		snprintf(host, sizeof(host), "10.0.0.%d", i + 1);
		assert_int_equal(sk_sa_from_host(&nd->addr, sk_str_c(host), 5060), 0);
		assert_int_equal(sk_simnet_node(h->sn, &net), 0);
		struct sk_stack_config sc = {.timers = h->timers,
		                             .net = net,
		                             .log = &h->log,
		                             .seed = seed * 31 + (uint64_t)i + 1};
		assert_int_equal(sk_stack_new(&nd->st, &sc), 0);
		struct sk_target udp = {.proto = SK_PROTO_UDP, .addr = nd->addr};
		struct sk_target tcp = {.proto = SK_PROTO_TCP, .addr = nd->addr};
		assert_int_equal(sk_stack_listen(nd->st, &udp, NULL), 0);
		assert_int_equal(sk_stack_listen(nd->st, &tcp, NULL), 0);
		sk_tp_set_trace(sk_stack_tp(nd->st), uah_trace, nd);
		if (raw_mask & (1u << i)) {
			struct sk_txl_user u = {.request = uah_raw_on_request,
			                        .ack = uah_raw_on_ack,
			                        .stray_response = uah_raw_on_stray,
			                        .arg = nd};
			sk_stack_set_user(nd->st, &u);
			continue;
		}
		struct sk_ua_config uc = {.stack = nd->st,
		                          .user = i == 0 ? "alice" : "bob",
		                          .ev = {.incoming = uah_ev_incoming,
		                                 .reinvite = uah_ev_reinvite,
		                                 .response = uah_ev_response,
		                                 .answered = uah_ev_answered,
		                                 .cancelled = uah_ev_cancelled,
		                                 .ended = uah_ev_ended,
		                                 .arg = nd}};
		assert_int_equal(sk_ua_new(&nd->ua, &uc), 0);
	}
}

static inline void uah_free(struct uah *h)
{
	for (int i = 0; i < h->n; i++) {
		struct uah_node *nd = &h->nodes[i];
		sk_ua_free(nd->ua);
		sk_stack_free(nd->st);
		for (size_t k = 0; k < nd->nwire; k++)
			free(nd->wire[k].data);
		free(nd->wire);
	}
	sk_simnet_free(h->sn);
	sk_timers_free(h->timers);
	sk_clock_free(h->clock);
}

/* Runs virtual time forward by ms, firing everything due on the way. */
static inline void uah_run(struct uah *h, uint64_t ms)
{
	sk_timers_advance(h->timers, ms);
}

static inline void uah_dump(struct uah *h)
{
	for (int i = 0; i < h->n; i++) {
		fprintf(stderr, "node %d: %s\n", i, h->nodes[i].events);
		sk_txl_dump(sk_stack_txl(h->nodes[i].st), stderr);
	}
}

/* Lets every timer run out, then: no call and no transaction left anywhere. */
static inline void uah_finish(struct uah *h)
{
	for (int i = 0; i < h->nacts; i++)
		sk_timer_stop(h->timers, &h->acts[i].t);
	uah_run(h, 5 * 60 * 1000);
	for (int i = 0; i < h->n; i++) {
		struct uah_node *nd = &h->nodes[i];
		size_t txns = sk_txl_count(sk_stack_txl(nd->st));
		size_t calls = nd->ua ? sk_ua_calls(nd->ua) : 0;
		if (txns || calls) {
			uah_dump(h);
			fail_msg("node %d: %zu calls and %zu transactions left", i, calls, txns);
		}
	}
	uah_free(h);
}

/* ---- what went on the wire ------------------------------------------------- */

static inline size_t uah_count(const struct uah_node *n, bool out, const char *start,
                               const char *cseq)
{
	size_t k = 0;
	for (size_t i = 0; i < n->nwire; i++)
		if (n->wire[i].out == out &&
		    uah_matches(n->wire[i].data, n->wire[i].len, start, cseq))
			k++;
	return k;
}

/* The nth (1-based) message sent (out) or received matching start and cseq, or NULL. */
static inline const struct uah_wire *uah_nth(const struct uah_node *n, bool out, const char *start,
                                             const char *cseq, size_t nth)
{
	for (size_t i = 0; i < n->nwire; i++)
		if (n->wire[i].out == out &&
		    uah_matches(n->wire[i].data, n->wire[i].len, start, cseq) && --nth == 0)
			return &n->wire[i];
	return NULL;
}

/* Index in n->wire of a message (its order among everything the node saw). */
static inline size_t uah_index(const struct uah_node *n, const struct uah_wire *w)
{
	assert_non_null(w);
	return (size_t)(w - n->wire);
}

/* A parsed copy of a message (sk_msg_free it). */
static inline struct sk_msg *uah_parse(const struct uah_wire *w)
{
	struct sk_msg *m;
	struct sk_parse_err err = {0};
	assert_non_null(w);
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	if (sk_msg_parse_copy(m, w->data, w->len, &err) < 0)
		fail_msg("unparsable: %s\n%s", err.why ? err.why : "?", w->data);
	return m;
}

/* The value of the first header of this name ("" when absent: check with uah_has). */
static inline struct sk_str uah_hdr(const struct sk_msg *m, const char *name)
{
	const struct sk_hdr *hd = sk_msg_hdr_find(m, name);
	return hd ? hd->value : SK_STR_LIT("");
}

static inline bool uah_has(const struct sk_msg *m, const char *name)
{
	return sk_msg_hdr_find(m, name) != NULL;
}

/* ---- checks on messages ------------------------------------------------------ */

static inline void uah_assert_hdr(const struct sk_msg *m, const char *name, const char *want)
{
	if (!uah_has(m, name))
		fail_msg("no %s header", name);
	assert_str_view(uah_hdr(m, name), want);
}

static inline void uah_assert_same_hdr(const struct sk_msg *a, const struct sk_msg *b,
                                       const char *name)
{
	struct sk_str x = uah_hdr(a, name), y = uah_hdr(b, name);
	if (!uah_has(a, name) || !sk_str_eq(x, y))
		fail_msg("%s: \"%.*s\" vs \"%.*s\"", name, (int)x.len, x.p, (int)y.len, y.p);
}

/* The nth message node n sent matching start and cseq, parsed (sk_msg_free it). */
static inline struct sk_msg *uah_sent(const struct uah_node *n, const char *start, const char *cseq,
                                      size_t nth)
{
	const struct uah_wire *w = uah_nth(n, true, start, cseq, nth);
	if (!w)
		fail_msg("node %d sent no %s #%zu", n->idx, start, nth);
	return uah_parse(w);
}

/* The CSeq number of a message on the wire. */
static inline uint32_t uah_wire_cseq(const struct uah_wire *w)
{
	struct sk_msg *m = uah_parse(w);
	uint32_t n = sk_msg_cseq(m)->num;
	sk_msg_free(m);
	return n;
}

/* The To tag of a message on the wire, copied into buf. */
static inline const char *uah_wire_to_tag(const struct uah_wire *w, char *buf, size_t size)
{
	struct sk_msg *m = uah_parse(w);
	sk_str_cpy(buf, size, sk_msg_to(m)->tag);
	sk_msg_free(m);
	return buf;
}

/* ---- requests of raw nodes --------------------------------------------------- */

/* A raw node's request (without Via: the transaction layer adds it). */
static inline struct sk_str uah_req(char *buf, size_t size, const char *method, const char *ruri,
                                    const char *from, const char *to, const char *call_id,
                                    unsigned cseq, const char *cseq_method, const char *extra)
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

/* Sends req from raw node n to node `to` in a new client transaction. */
static inline struct sk_txn *uah_raw_send(struct uah_node *n, const struct uah_node *to,
                                          enum sk_proto proto, struct sk_str req)
{
	struct sk_target dst = {.proto = proto, .addr = to->addr};
	struct sk_txn *t = NULL;
	assert_int_equal(sk_txn_request(sk_stack_txl(n->st), req, &dst, &uah_raw_handler, n, &t),
	                 0);
	n->raw_ct = t;
	return t;
}

/*
 * A raw caller's ACK for a 2xx (§13.2.2.4): to the Contact of the 2xx, with
 * its To; the dialog's To and remote target are kept in n->raw_to/raw_target.
 */
static inline void uah_raw_ack_2xx(struct uah_node *n, const struct sk_msg *resp,
                                   const struct uah_node *to)
{
	const struct sk_addr *ct = sk_msg_addr(resp, SK_HDR_CONTACT, 0);
	char buf[1024], from[256], call_id[128];
	assert_non_null(ct);
	sk_str_cpy(n->raw_target, sizeof(n->raw_target), ct->uri.raw);
	sk_str_cpy(n->raw_to, sizeof(n->raw_to), uah_hdr(resp, "To"));
	sk_str_cpy(from, sizeof(from), uah_hdr(resp, "From"));
	sk_str_cpy(call_id, sizeof(call_id), sk_msg_call_id(resp));
	struct sk_str ack = uah_req(buf, sizeof(buf), "ACK", n->raw_target, from, n->raw_to,
	                            call_id, sk_msg_cseq(resp)->num, NULL, NULL);
	struct sk_target dst = {.proto = SK_PROTO_UDP, .addr = to->addr};
	assert_int_equal(sk_txl_send_stateless(sk_stack_txl(n->st), ack, &dst), 0);
}

/* A raw caller's response hook: every 2xx to its INVITEs ACKed, to node 1. */
static inline void uah_raw_ack_hook(struct uah_node *n, struct sk_txn *ct,
                                    const struct sk_msg *resp)
{
	if (sk_str_eq(sk_txn_method(ct), SK_STR_LIT("INVITE")) && sk_msg_status(resp) / 100 == 2)
		uah_raw_ack_2xx(n, resp, &n->h->nodes[1]);
}

/* Sends a request (without Via) from raw node 0 to node 1; returns the final status. */
static inline int uah_ask(struct uah *h, struct sk_str req, struct sk_msg **resp)
{
	struct uah_node *a = &h->nodes[0], *b = &h->nodes[1];
	size_t before = uah_count(a, false, "SIP/2.0", NULL);
	uah_raw_send(a, b, SK_PROTO_UDP, req);
	uah_run(h, 20);
	size_t after = uah_count(a, false, "SIP/2.0", NULL);
	assert_true(after > before);
	if (resp)
		*resp = uah_parse(uah_nth(a, false, "SIP/2.0", NULL, after));
	return a->raw_last_status;
}

/* The URI of a UA node, e.g. "sip:bob@10.0.0.2:5060". */
static inline const char *uah_uri(const struct uah_node *n, char *buf, size_t size)
{
	char a[64];
	sk_sa_print(&n->addr, a, sizeof(a));
	snprintf(buf, size, "sip:%s@%s", n->idx == 0 ? "alice" : "bob", a);
	return buf;
}

/* Places a call from UA node `from` to node `to`; returns the call. */
static inline struct sk_call *uah_call(struct uah_node *from, const struct uah_node *to,
                                       enum sk_proto proto)
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

#endif
