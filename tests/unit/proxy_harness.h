/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A proxy on simnet for the proxy tests (RFC 3261 §16): one sk_stack per node
 * on one virtual clock, node i at 10.0.0.<i+1>:5060 over UDP and TCP.
 * Node 0 is the caller (an sk_ua, or a raw stack), node 1 the proxy
 * (sk_proxy, domain "example.test"), nodes 2..6 phones: sk_ua with a policy
 * (ring after X ms, answer or reject after Y ms), or raw stacks whose
 * transaction user is the harness (a scripted peer: any status, two 2xx,
 * never a provisional ...). A trace tap on every node records every message
 * sent, with its first line, CSeq, Reason, To tag and top Via branch, so a
 * test asserts what crossed the wire and in which order.
 */
#ifndef SK_PROXY_HARNESS_H
#define SK_PROXY_HARNESS_H

#include "sk_test.h"

#include "sipkit/proxy.h"
#include "sipkit/ua.h"

#define PH_MAX_NODES 7
#define PH_PROXY     1 /* the proxy's node */
#define PH_MAX_ACTS  16
#define PH_DOMAIN    "example.test"
#define PH_AOR       "sip:bob@" PH_DOMAIN
#define PH_PROXY_URI "sip:10.0.0.2:5060" /* the caller's pre-loaded route */

struct ph;
struct ph_node;

/*
 * What a phone does with an incoming INVITE, times in ms from its arrival
 * (-1: never). The same for UA phones and raw phones.
 */
struct ph_policy {
	int ring_ms;       /* a provisional */
	int ring_code;     /* 0: 180 */
	int answer_ms;     /* the final: a 200, or reject_code */
	int reject_code;   /* non-zero: answer_ms sends this final instead of a 200 */
	const char *extra; /* raw phones: header lines added to the final ("Name: v\r\n") */
	int second_2xx_ms; /* raw phones: > 0, a second 2xx with another To tag then */
};

/* One message a node sent, as its transport's trace tap saw it. */
struct ph_wire {
	int from, to; /* node indexes, -1 for an address of no node */
	uint64_t at;  /* ms since the harness started */
	enum sk_proto proto;
	bool request;
	int status;
	char method[16]; /* a request's method; a response's CSeq method */
	uint32_t cseq;
	int max_forwards;
	char reason[256]; /* every Reason value, ", " between them */
	char to_tag[64];
	char branch[128]; /* of the top Via */
	char *data;
	size_t len;
};

struct ph_node {
	struct ph *h;
	int idx;
	struct sk_stack *st;
	struct sk_ua *ua; /* NULL: a raw stack (or the proxy) */
	struct sk_sa addr;
	struct ph_policy pol;
	struct sk_timer ring_t, answer_t, second_t, hangup_t;
	/* UA nodes */
	struct sk_call *pol_call; /* the incoming call the policy acts on */
	struct sk_call *call;     /* the last call; NULL once ended */
	int incoming, answered, cancelled, ended, responses;
	int outcomes[8];
	enum sk_call_outcome last_outcome;
	int last_status;
	unsigned last_dialogs;
	char reason[256]; /* sk_call_reason at the cancelled or ended event */
	int hangup_ms;    /* the caller hangs up this long after a 2xx; -1: never */
	/* raw nodes */
	struct sk_txn *raw_ist, *raw_ct;
	int raw_acks, raw_byes;
	int raw_finals; /* finals sent on INVITEs */
	/* what happened, in order: "incoming r180 cancelled ended:cancelled " */
	char events[2048];
};

struct ph_act {
	struct ph *h;
	struct sk_timer t;
	void (*fn)(struct ph *h, void *arg);
	void *arg;
};

struct ph_opts {
	uint64_t seed;
	int nodes;         /* 2 + the phones */
	unsigned raw_mask; /* bit i: node i is a raw stack */
	struct sk_proxy_config proxy;
	struct sk_txn_times times;
};

struct ph {
	struct sk_clock *clock;
	struct sk_timers *timers;
	struct sk_simnet *sn;
	struct ph_node nodes[PH_MAX_NODES];
	int n;
	struct sk_proxy *proxy;
	uint64_t t0;
	struct sk_log log;
	struct ph_wire *wire;
	size_t nwire, capwire;
	struct ph_act acts[PH_MAX_ACTS];
	int nacts;
	sk_simnet_filter_fn filter; /* a test's own packet filter, or NULL */
	void *filter_arg;
};

static inline void ph_event(struct ph_node *n, const char *fmt, ...)
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

static inline uint64_t ph_now(const struct ph *h)
{
	return sk_clock_now(h->clock) - h->t0;
}

/* The node at an address (10.0.0.<i+1>), -1 for none. */
static inline int ph_node_of(const struct ph *h, const struct sk_sa *a)
{
	for (int i = 0; i < h->n; i++)
		if (sk_sa_same_host(&h->nodes[i].addr, a))
			return i;
	return -1;
}

/* ---- the trace tap: every message sent ----------------------------------- */

static void ph_trace(void *arg, bool out, const struct sk_flow *flow, const char *buf, size_t len)
{
	struct ph_node *n = arg;
	struct ph *h = n->h;
	if (!out)
		return;
	if (h->nwire == h->capwire) {
		size_t cap = h->capwire ? h->capwire * 2 : 256;
		struct ph_wire *w = realloc(h->wire, cap * sizeof(*w));
		assert_non_null(w);
		h->wire = w;
		h->capwire = cap;
	}
	struct ph_wire *w = &h->wire[h->nwire++];
	memset(w, 0, sizeof(*w));
	w->from = n->idx;
	w->to = ph_node_of(h, &flow->remote);
	w->at = ph_now(h);
	w->proto = flow->proto;
	w->max_forwards = -1;
	w->data = malloc(len + 1);
	assert_non_null(w->data);
	memcpy(w->data, buf, len);
	w->data[len] = '\0';
	w->len = len;
	struct sk_msg *m;
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	if (sk_msg_parse(m, w->data, len, NULL) == 0) {
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

/*
 * Does w match `what`: a method ("INVITE", "CANCEL"), a status ("487", any
 * CSeq method) or a status and method ("200/CANCEL")?
 */
static inline bool ph_is(const struct ph_wire *w, const char *what)
{
	if (what[0] >= '1' && what[0] <= '6') {
		if (w->request || w->status != atoi(what))
			return false;
		const char *slash = strchr(what, '/');
		return !slash || !strcmp(w->method, slash + 1);
	}
	return w->request && !strcmp(w->method, what);
}

static inline bool ph_match(const struct ph_wire *w, int from, int to, const char *what,
                            const char *reason_has)
{
	return (from < 0 || w->from == from) && (to < 0 || w->to == to) && ph_is(w, what) &&
	       (!reason_has || strstr(w->reason, reason_has));
}

/* Messages sent from `from` to `to` (-1: any) matching what and a Reason substring. */
static inline int ph_count(const struct ph *h, int from, int to, const char *what,
                           const char *reason_has)
{
	int k = 0;
	for (size_t i = 0; i < h->nwire; i++)
		k += ph_match(&h->wire[i], from, to, what, reason_has);
	return k;
}

/* Index in the wire log of the nth (1-based) such message, -1 when there is none. */
static inline long ph_find(const struct ph *h, int from, int to, const char *what, int nth)
{
	for (size_t i = 0; i < h->nwire; i++)
		if (ph_match(&h->wire[i], from, to, what, NULL) && --nth == 0)
			return (long)i;
	return -1;
}

static inline const struct ph_wire *ph_get(const struct ph *h, int from, int to, const char *what,
                                           int nth)
{
	long i = ph_find(h, from, to, what, nth);
	if (i < 0)
		fail_msg("no %s #%d from node %d to node %d on the wire", what, nth, from, to);
	return &h->wire[i];
}

/* A parsed copy of a message on the wire (sk_msg_free it). */
static inline struct sk_msg *ph_parse(const struct ph_wire *w)
{
	struct sk_msg *m;
	struct sk_parse_err err = {0};
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	if (sk_msg_parse_copy(m, w->data, w->len, &err) < 0)
		fail_msg("unparsable: %s\n%s", err.why ? err.why : "?", w->data);
	return m;
}

/* The value of header `name` in a parsed message, "" when absent. */
static inline struct sk_str ph_hdr(const struct sk_msg *m, const char *name)
{
	const struct sk_hdr *hd = sk_msg_hdr_find(m, name);
	return hd ? hd->value : SK_STR_LIT("");
}

/* The ladder: every message sent, for a failing test. */
static inline void ph_dump(const struct ph *h)
{
	for (size_t i = 0; i < h->nwire; i++) {
		const struct ph_wire *w = &h->wire[i];
		const char *eol = strchr(w->data, '\r');
		int l = eol ? (int)(eol - w->data) : (int)w->len;
		fprintf(stderr, "%3zu %6llu ms %d -> %d %.*s%s%s%s  %s\n", i,
		        (unsigned long long)w->at, w->from, w->to, l, w->data,
		        w->request ? "" : " (", w->request ? "" : w->method, w->request ? "" : ")",
		        w->reason);
	}
	for (int i = 0; i < h->n; i++) {
		fprintf(stderr, "node %d: %s\n", i, h->nodes[i].events);
		sk_txl_dump(sk_stack_txl(h->nodes[i].st), stderr);
	}
}

/* ---- UA nodes: recording events and the phones' policy --------------------- */

static void ph_ring_fired(void *arg)
{
	struct ph_node *n = arg;
	int code = n->pol.ring_code ? n->pol.ring_code : 180;
	if (n->pol_call)
		assert_int_equal(sk_call_ring(n->pol_call, code), 0);
}

static void ph_answer_fired(void *arg)
{
	struct ph_node *n = arg;
	struct sk_call *c = n->pol_call;
	if (!c)
		return;
	sk_timer_stop(n->h->timers, &n->ring_t);
	if (n->pol.reject_code)
		assert_int_equal(sk_call_reject(c, n->pol.reject_code, NULL), 0);
	else
		assert_int_equal(sk_call_answer(c, NULL), 0);
}

static void ph_hangup_fired(void *arg)
{
	struct ph_node *n = arg;
	if (n->call && sk_call_state(n->call) == SK_CALL_CONFIRMED)
		sk_call_hangup(n->call);
}

static void ph_ev_incoming(void *arg, struct sk_call *c, const struct sk_msg *invite)
{
	struct ph_node *n = arg;
	(void)invite;
	n->incoming++;
	n->call = c;
	n->pol_call = c;
	ph_event(n, "incoming");
	if (n->pol.ring_ms >= 0)
		sk_timer_start(n->h->timers, &n->ring_t, (uint64_t)n->pol.ring_ms);
	if (n->pol.answer_ms >= 0)
		sk_timer_start(n->h->timers, &n->answer_t, (uint64_t)n->pol.answer_ms);
}

static void ph_ev_response(void *arg, struct sk_call *c, const struct sk_msg *resp)
{
	struct ph_node *n = arg;
	(void)c;
	n->responses++;
	ph_event(n, "r%d", sk_msg_status(resp));
}

static void ph_ev_answered(void *arg, struct sk_call *c)
{
	struct ph_node *n = arg;
	n->answered++;
	ph_event(n, "answered");
	if (sk_call_dir(c) == SK_CALL_OUT && n->hangup_ms >= 0)
		sk_timer_start(n->h->timers, &n->hangup_t, (uint64_t)n->hangup_ms);
}

static void ph_ev_cancelled(void *arg, struct sk_call *c, const struct sk_msg *cancel)
{
	struct ph_node *n = arg;
	(void)cancel;
	n->cancelled++;
	snprintf(n->reason, sizeof(n->reason), "%s", sk_call_reason(c));
	ph_event(n, "cancelled");
}

static void ph_ev_ended(void *arg, struct sk_call *c)
{
	struct ph_node *n = arg;
	enum sk_call_outcome o = sk_call_outcome(c);
	n->ended++;
	if ((unsigned)o < 8)
		n->outcomes[o]++;
	n->last_outcome = o;
	n->last_status = sk_call_status(c);
	n->last_dialogs = sk_call_dialogs(c);
	if (sk_call_reason(c)[0])
		snprintf(n->reason, sizeof(n->reason), "%s", sk_call_reason(c));
	ph_event(n, "ended:%s", sk_call_outcome_name(o));
	if (n->pol_call == c) {
		sk_timer_stop(n->h->timers, &n->ring_t);
		sk_timer_stop(n->h->timers, &n->answer_t);
		n->pol_call = NULL;
	}
	if (n->call == c) {
		sk_timer_stop(n->h->timers, &n->hangup_t);
		n->call = NULL;
	}
}

/* ---- raw nodes: scripted peers --------------------------------------------- */

static inline void ph_raw_tag(const struct ph_node *n, char *buf, size_t size, int which)
{
	snprintf(buf, size, "raw%d%s", n->idx, which ? "b" : "");
}

/* A raw phone's final on its INVITE: a 2xx carries a Contact. */
static inline void ph_raw_final(struct ph_node *n, int code, int which)
{
	char tag[16], contact[96], a[64];
	if (!n->raw_ist)
		return;
	ph_raw_tag(n, tag, sizeof(tag), which);
	sk_sa_print(&n->addr, a, sizeof(a));
	snprintf(contact, sizeof(contact), "Contact: <sip:bob@%s>\r\n", a);
	int rc = sk_test_respond(n->raw_ist, code, tag, code < 300 ? contact : n->pol.extra);
	if (rc == 0)
		n->raw_finals++;
}

static void ph_raw_ring_fired(void *arg)
{
	struct ph_node *n = arg;
	char tag[16];
	ph_raw_tag(n, tag, sizeof(tag), 0);
	if (n->raw_ist && sk_txn_status(n->raw_ist) < 200)
		sk_txn_reply(n->raw_ist, n->pol.ring_code ? n->pol.ring_code : 180, NULL, tag);
}

static void ph_raw_answer_fired(void *arg)
{
	struct ph_node *n = arg;
	if (n->raw_ist && sk_txn_status(n->raw_ist) < 200)
		ph_raw_final(n, n->pol.reject_code ? n->pol.reject_code : 200, 0);
}

static void ph_raw_second_fired(void *arg)
{
	struct ph_node *n = arg;
	ph_raw_final(n, 200, 1);
}

static const struct sk_txn_handler ph_raw_handler;

static void ph_raw_on_request(void *arg, struct sk_txn *st, const struct sk_msg *req,
                              struct sk_txn *invite)
{
	struct ph_node *n = arg;
	sk_txn_bind(st, &ph_raw_handler, n);
	struct sk_str m = sk_msg_method(req);
	ph_event(n, "%.*s", (int)m.len, m.p);
	if (sk_str_eq(m, SK_STR_LIT("INVITE"))) {
		n->raw_ist = st;
		if (n->pol.ring_ms >= 0)
			sk_timer_start(n->h->timers, &n->ring_t, (uint64_t)n->pol.ring_ms);
		if (n->pol.answer_ms >= 0)
			sk_timer_start(n->h->timers, &n->answer_t, (uint64_t)n->pol.answer_ms);
		if (n->pol.second_2xx_ms > 0)
			sk_timer_start(n->h->timers, &n->second_t, (uint64_t)n->pol.second_2xx_ms);
		return;
	}
	if (sk_str_eq(m, SK_STR_LIT("CANCEL"))) {
		if (!invite) {
			sk_txn_reply(st, 481, NULL, "raw");
			return;
		}
		sk_txn_reply(st, 200, NULL, "raw");
		/* §9.2: 487 to the INVITE when it has no final yet */
		if (sk_txn_kind(invite) == SK_TXN_IST && sk_txn_status(invite) < 200) {
			char tag[16];
			ph_raw_tag(n, tag, sizeof(tag), 0);
			if (sk_txn_reply(invite, 487, NULL, tag) == 0)
				n->raw_finals++;
			sk_timer_stop(n->h->timers, &n->ring_t);
			sk_timer_stop(n->h->timers, &n->answer_t);
		}
		return;
	}
	if (sk_str_eq(m, SK_STR_LIT("BYE")))
		n->raw_byes++;
	sk_txn_reply(st, 200, NULL, "raw");
}

static void ph_raw_on_ack(void *arg, struct sk_txn *ist, const struct sk_msg *ack,
                          const struct sk_flow *flow)
{
	struct ph_node *n = arg;
	(void)ist;
	(void)ack;
	(void)flow;
	n->raw_acks++;
	ph_event(n, "ACK");
}

static void ph_raw_on_response(void *arg, struct sk_txn *ct, const struct sk_msg *resp)
{
	struct ph_node *n = arg;
	struct sk_str m = sk_txn_method(ct);
	ph_event(n, "%d/%.*s", sk_msg_status(resp), (int)m.len, m.p);
	n->last_status = sk_msg_status(resp);
}

static void ph_raw_on_stray(void *arg, const struct sk_msg *resp, const struct sk_flow *flow)
{
	(void)flow;
	ph_event(arg, "stray%d", sk_msg_status(resp));
}

static void ph_raw_on_failed(void *arg, struct sk_txn *t, int err)
{
	(void)t;
	ph_event(arg, "failed:%s", sk_strerror(err));
}

static void ph_raw_on_terminated(void *arg, struct sk_txn *t)
{
	struct ph_node *n = arg;
	if (n->raw_ist == t) {
		n->raw_ist = NULL;
		sk_timer_stop(n->h->timers, &n->ring_t);
		sk_timer_stop(n->h->timers, &n->answer_t);
		sk_timer_stop(n->h->timers, &n->second_t);
	}
	if (n->raw_ct == t)
		n->raw_ct = NULL;
}

static const struct sk_txn_handler ph_raw_handler = {
    .response = ph_raw_on_response, .failed = ph_raw_on_failed, .terminated = ph_raw_on_terminated};

/* ---- timed actions ---------------------------------------------------------- */

static void ph_act_fired(void *arg)
{
	struct ph_act *a = arg;
	a->fn(a->h, a->arg);
}

/* Runs fn(h, arg) ms from now (virtual time). */
static inline void ph_at(struct ph *h, uint64_t ms, void (*fn)(struct ph *, void *), void *arg)
{
	assert_true(h->nacts < PH_MAX_ACTS);
	struct ph_act *a = &h->acts[h->nacts++];
	a->h = h;
	a->fn = fn;
	a->arg = arg;
	sk_timer_init(&a->t, ph_act_fired, a);
	assert_int_equal(sk_timer_start(h->timers, &a->t, ms), 0);
}

/* ---- set-up and tear-down ------------------------------------------------------- */

static void ph_log_line(void *arg, enum sk_log_level level, const char *line)
{
	(void)arg;
	(void)level;
	if (getenv("SK_TEST_LOG"))
		fprintf(stderr, "log: %s\n", line);
}

static void ph_filter(void *arg, struct sk_simnet_packet *p)
{
	struct ph *h = arg;
	if (h->filter)
		h->filter(h->filter_arg, p);
}

/* For packet filters: does a packet start with `start` and have CSeq method `method`? */
static inline bool ph_pkt_is(const struct sk_simnet_packet *p, const char *start,
                             const char *method)
{
	size_t sl = strlen(start), ml = strlen(method);
	if (p->len < sl || memcmp(p->data, start, sl))
		return false;
	const char *c = memmem(p->data, p->len, "\r\nCSeq:", 7), *end = p->data + p->len;
	if (!c)
		return false;
	for (c += 7; c < end && (*c == ' ' || (*c >= '0' && *c <= '9'));)
		c++;
	return (size_t)(end - c) > ml && !memcmp(c, method, ml) && c[ml] == '\r';
}

/* Default options: a caller, the proxy, `phones` UA phones that never answer. */
static inline struct ph_opts ph_opts(uint64_t seed, int phones)
{
	struct ph_opts o = {.seed = seed, .nodes = 2 + phones};
	o.proxy.domain = PH_DOMAIN;
	return o;
}

/* The harness of the running test, freed by ph_teardown should the test fail. */
static struct ph *ph_current;

static inline struct ph *ph_new(const struct ph_opts *o)
{
	struct ph *h = calloc(1, sizeof(*h));
	assert_non_null(h);
	ph_current = h;
	assert_true(o->nodes >= 2 && o->nodes <= PH_MAX_NODES);
	assert_int_equal(sk_clock_new_virtual(&h->clock, 1000000), 0);
	assert_int_equal(sk_timers_new(&h->timers, h->clock), 0);
	assert_int_equal(sk_simnet_new(&h->sn, h->timers, o->seed), 0);
	sk_simnet_set_filter(h->sn, ph_filter, h);
	h->log = (struct sk_log){.fn = ph_log_line, .max = SK_LOG_DEBUG};
	h->t0 = sk_clock_now(h->clock);
	h->n = o->nodes;
	for (int i = 0; i < h->n; i++) {
		struct ph_node *nd = &h->nodes[i];
		char host[32];
		struct sk_net *net;
		nd->h = h;
		nd->idx = i;
		nd->pol = (struct ph_policy){.ring_ms = -1, .answer_ms = -1};
		nd->hangup_ms = 500;
		bool raw = o->raw_mask & (1u << i);
		sk_timer_init(&nd->ring_t, raw ? ph_raw_ring_fired : ph_ring_fired, nd);
		sk_timer_init(&nd->answer_t, raw ? ph_raw_answer_fired : ph_answer_fired, nd);
		sk_timer_init(&nd->second_t, ph_raw_second_fired, nd);
		sk_timer_init(&nd->hangup_t, ph_hangup_fired, nd);
		snprintf(host, sizeof(host), "10.0.0.%d", i + 1);
		assert_int_equal(sk_sa_from_host(&nd->addr, sk_str_c(host), 5060), 0);
		assert_int_equal(sk_simnet_node(h->sn, &net), 0);
		struct sk_stack_config sc = {.timers = h->timers,
		                             .net = net,
		                             .log = &h->log,
		                             .times = o->times,
		                             .seed = o->seed * 31 + (uint64_t)i + 1};
		assert_int_equal(sk_stack_new(&nd->st, &sc), 0);
		struct sk_target udp = {.proto = SK_PROTO_UDP, .addr = nd->addr};
		struct sk_target tcp = {.proto = SK_PROTO_TCP, .addr = nd->addr};
		assert_int_equal(sk_stack_listen(nd->st, &udp, NULL), 0);
		assert_int_equal(sk_stack_listen(nd->st, &tcp, NULL), 0);
		sk_tp_set_trace(sk_stack_tp(nd->st), ph_trace, nd);
		if (i == PH_PROXY) {
			struct sk_proxy_config pc = o->proxy;
			pc.stack = nd->st;
			assert_int_equal(sk_proxy_new(&h->proxy, &pc), 0);
			continue;
		}
		if (raw) {
			struct sk_txl_user u = {.request = ph_raw_on_request,
			                        .ack = ph_raw_on_ack,
			                        .stray_response = ph_raw_on_stray,
			                        .arg = nd};
			sk_stack_set_user(nd->st, &u);
			continue;
		}
		struct sk_ua_config uc = {.stack = nd->st,
		                          .user = i == 0 ? "alice" : "bob",
		                          .ev = {.incoming = ph_ev_incoming,
		                                 .response = ph_ev_response,
		                                 .answered = ph_ev_answered,
		                                 .cancelled = ph_ev_cancelled,
		                                 .ended = ph_ev_ended,
		                                 .arg = nd}};
		assert_int_equal(sk_ua_new(&nd->ua, &uc), 0);
	}
	return h;
}

static inline void ph_free(struct ph *h)
{
	sk_proxy_free(h->proxy);
	for (int i = 0; i < h->n; i++) {
		sk_ua_free(h->nodes[i].ua);
		sk_stack_free(h->nodes[i].st);
	}
	for (size_t k = 0; k < h->nwire; k++)
		free(h->wire[k].data);
	free(h->wire);
	sk_simnet_free(h->sn);
	sk_timers_free(h->timers);
	sk_clock_free(h->clock);
	if (ph_current == h)
		ph_current = NULL;
	free(h);
}

/* cmocka teardown: what a failed test left behind. */
static inline int ph_teardown(void **state)
{
	(void)state;
	if (ph_current)
		ph_free(ph_current);
	return 0;
}

#define PH_TEST(f) cmocka_unit_test_teardown(f, ph_teardown)

static inline void ph_run(struct ph *h, uint64_t ms)
{
	sk_timers_advance(h->timers, ms);
}

/* What is left once every timer has run out: 0 when nothing, else printed. */
static inline int ph_leftovers(struct ph *h, bool print)
{
	int bad = 0;
	for (int i = 0; i < h->n; i++) {
		struct ph_node *nd = &h->nodes[i];
		size_t txns = sk_txl_count(sk_stack_txl(nd->st));
		size_t calls = nd->ua ? sk_ua_calls(nd->ua) : 0;
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

/* Lets every timer run out; then no call, transaction or response context is left. */
static inline void ph_finish(struct ph *h)
{
	for (int i = 0; i < h->nacts; i++)
		sk_timer_stop(h->timers, &h->acts[i].t);
	ph_run(h, 6 * 60 * 1000);
	if (getenv("PH_DUMP")) /* the ladder of every run */
		ph_dump(h);
	if (ph_leftovers(h, true)) {
		ph_dump(h);
		fail_msg("state left after every timer ran out");
	}
	ph_free(h);
}

/* ---- routes, calls, registrations ---------------------------------------------- */

/* The URI of node i, "sip:bob@10.0.0.<i+1>:5060". */
static inline const char *ph_uri(const struct ph *h, int i, char *buf, size_t size)
{
	char a[64];
	sk_sa_print(&h->nodes[i].addr, a, sizeof(a));
	snprintf(buf, size, "sip:%s@%s", i == 0 ? "alice" : "bob", a);
	return buf;
}

/* A static route of `user` to phones first .. first+n-1. */
static inline void ph_route(struct ph *h, const char *user, int first, int n)
{
	char uris[512] = "", one[96];
	for (int i = first; i < first + n; i++) {
		strcat(uris, i > first ? "," : "");
		strcat(uris, ph_uri(h, i, one, sizeof(one)));
	}
	assert_int_equal(sk_proxy_route_add(h->proxy, user, uris), 0);
}

/* Caller (UA node 0) calls sip:bob@example.test through the proxy (a pre-loaded Route). */
static inline struct sk_call *ph_call(struct ph *h, enum sk_proto proto)
{
	struct sk_call_params p = {.to = PH_AOR, .route = PH_PROXY_URI, .proto = proto};
	struct sk_call *c = NULL;
	assert_int_equal(sk_call_invite(h->nodes[0].ua, &p, &c), 0);
	h->nodes[0].call = c;
	return c;
}

/* The caller's CANCEL as a timed action (arg: the Reason or NULL). */
static inline void ph_act_cancel(struct ph *h, void *reason)
{
	struct sk_call *c = h->nodes[0].call;
	if (c) {
		int rc = sk_call_cancel(c, reason);
		assert_true(rc >= 0 || rc == -SK_ESTATE);
	}
}

/* A raw node's request (without Via: the transaction layer adds it); mf < 0: no
 * Max-Forwards. */
static inline struct sk_str ph_req(char *buf, size_t size, const char *method, const char *ruri,
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

/* Sends req from raw node n to the proxy in a new client transaction. */
static inline struct sk_txn *ph_raw_send(struct ph *h, int n, enum sk_proto proto,
                                         struct sk_str req)
{
	struct sk_target dst = {.proto = proto, .addr = h->nodes[PH_PROXY].addr};
	struct sk_txn *t = NULL;
	assert_int_equal(sk_txn_request(sk_stack_txl(h->nodes[n].st), req, &dst, &ph_raw_handler,
	                                &h->nodes[n], &t),
	                 0);
	h->nodes[n].raw_ct = t;
	return t;
}

/* Phones with a policy: ring after ring_ms, answer (or reject with code) after answer_ms. */
static inline void ph_phone(struct ph *h, int i, int ring_ms, int answer_ms, int reject_code)
{
	h->nodes[i].pol.ring_ms = ring_ms;
	h->nodes[i].pol.answer_ms = answer_ms;
	h->nodes[i].pol.reject_code = reject_code;
}

#endif
