/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipkit demo: the whole system on loopback in one process. A forking proxy
 * with its registrar, three phones registered for bob, a caller; three calls,
 * each drawn as a ladder with a verdict:
 *  1. the caller cancels while the three phones ring (§9.1, §16.10);
 *  2. one phone answers, the other two are cancelled with
 *     `Reason: SIP;cause=200;text="Call completed elsewhere"` (§16.7, RFC 3326);
 *  3. a phone answers just as the caller cancels: the caller ACKs the 2xx and
 *     hangs up with a BYE (§9.1, §13.2.2.4).
 * All stacks share one event loop, so equal timer deadlines fire in start
 * order: that is what makes the race of the third call happen every time.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tracefile.h"
#include "sipkit/proxy.h"
#include "sipkit/ua.h"

#define NODES      5 /* caller, proxy, three phones */
#define MAX_EVENTS 256
#define COL_WIDTH  15
#define AOR        "sip:bob@demo.sipkit"
#define CALLER_WHY "Q.850;cause=16;text=\"Normal call clearing\""
#define ELSEWHERE  "SIP;cause=200;text=\"Call completed elsewhere\""

static const char *const names[NODES] = {"alice", "proxy", "bob-1", "bob-2", "bob-3"};

struct event {
	uint64_t t;
	int from, to;
	char label[40];
	char reason[120]; /* its Reason header, if any */
	bool request;
	int status;
	char method[16]; /* request method or CSeq method */
};

struct demo;

struct node {
	struct demo *d;
	int idx;
	struct sk_net *net;
	struct sk_stack *stack;
	struct sk_ua *ua;
	struct sk_sa addr;
	struct sk_call *call; /* phones: the ringing call */
	struct sk_timer answer;
	bool answers;     /* this call, this phone answers after answer_ms */
	bool cancel_with; /* scenario 3: the caller cancels at the same deadline */
};

struct demo {
	struct sk_clock *clock;
	struct sk_loop *loop;
	struct sk_log log;
	struct node n[NODES];
	struct sk_proxy *proxy;
	struct sk_call *caller_call;
	struct sk_timer cancel;
	enum sk_call_outcome outcome;
	bool caller_done;
	unsigned phones_ended;
	uint64_t t0;
	struct event ev[MAX_EVENTS];
	size_t nev;
	uint32_t answer_ms, cancel_ms;
	struct sk_trace_checker *chk; /* sipkit check on the demo's own traffic */
	struct sk_trace_writer *tw;   /* --trace FILE */
	uint64_t frames;
	unsigned checked_bad; /* calls with error or warning findings */
};

static void log_line(void *arg, enum sk_log_level level, const char *line)
{
	(void)arg;
	if (level <= SK_LOG_WARN)
		fprintf(stderr, "sipkit demo: %s\n", line);
}

static int node_of(const struct demo *d, const struct sk_sa *a)
{
	for (int i = 0; i < NODES; i++)
		if (sk_sa_port(&d->n[i].addr) == sk_sa_port(a))
			return i;
	return -1;
}

/* Every message a node sends: who to whom, what, and its Reason. */
static void trace(void *arg, bool out, const struct sk_flow *flow, const char *buf, size_t len)
{
	struct node *nd = arg;
	struct demo *d = nd->d;
	struct sk_msg *m;
	if (!out)
		return; /* each message once: as its sender sent it */
	struct sk_trace_pkt pkt;
	cli_trace_pkt(&pkt, d->clock, true, flow, buf, len);
	pkt.frame = ++d->frames;
	if (d->tw)
		sk_trace_writer_add(d->tw, &pkt);
	if (d->chk)
		sk_trace_checker_add(d->chk, &pkt, 0);
	if (d->nev >= MAX_EVENTS || sk_msg_new(&m, NULL) < 0)
		return;
	if (sk_msg_parse(m, buf, len, NULL) == 0) {
		struct event *e = &d->ev[d->nev++];
		memset(e, 0, sizeof(*e));
		e->t = sk_clock_now(d->clock) - d->t0;
		e->from = nd->idx;
		e->to = node_of(d, &flow->remote);
		e->request = sk_msg_is_request(m);
		const struct sk_cseq *cs = sk_msg_cseq(m);
		if (e->request) {
			sk_str_cpy(e->method, sizeof(e->method), sk_msg_method(m));
			memcpy(e->label, e->method, sizeof(e->method));
		} else {
			e->status = sk_msg_status(m);
			sk_str_cpy(e->method, sizeof(e->method),
			           cs ? cs->method : (struct sk_str){0});
			/* "180 Ringing", but "487 INVITE", "200 CANCEL": which request it answers
			 */
			struct sk_str ph = sk_msg_reason_phrase(m);
			size_t w = 0;
			while (w < ph.len && ph.p[w] != ' ')
				w++;
			if (e->status < 200)
				snprintf(e->label, sizeof(e->label), "%d %.*s", e->status, (int)w,
				         ph.p);
			else
				snprintf(e->label, sizeof(e->label), "%d %.15s", e->status,
				         cs ? e->method : "");
		}
		const struct sk_hdr *r = sk_msg_hdr_first(m, SK_HDR_REASON);
		if (r)
			sk_str_cpy(e->reason, sizeof(e->reason), r->value);
	}
	sk_msg_free(m);
}

/* ---- phones -------------------------------------------------------------- */

static void phone_answer(void *arg)
{
	struct node *nd = arg;
	if (nd->call)
		sk_call_answer(nd->call, NULL);
}

static void caller_cancel(void *arg)
{
	struct demo *d = arg;
	if (d->caller_call)
		sk_call_cancel(d->caller_call, CALLER_WHY);
}

static void phone_incoming(void *arg, struct sk_call *c, const struct sk_msg *invite)
{
	struct node *nd = arg;
	struct demo *d = nd->d;
	struct sk_timers *ts = sk_loop_timers(d->loop);
	(void)invite;
	nd->call = c;
	sk_call_ring(c, 180);
	if (nd->answers)
		sk_timer_start(ts, &nd->answer, d->answer_ms);
	/* the race: the caller's CANCEL is due at the very deadline of the answer,
	 * and timers with equal deadlines fire in start order */
	if (nd->cancel_with)
		sk_timer_start(ts, &d->cancel, d->answer_ms);
}

static void phone_ended(void *arg, struct sk_call *c)
{
	struct node *nd = arg;
	if (nd->call == c)
		nd->call = NULL;
	sk_timer_stop(sk_loop_timers(nd->d->loop), &nd->answer);
	nd->d->phones_ended++;
}

static void caller_answered(void *arg, struct sk_call *c)
{
	/* hang up at once: the demo is about the set-up */
	(void)arg;
	sk_call_hangup(c);
}

static void caller_ended(void *arg, struct sk_call *c)
{
	struct demo *d = arg;
	d->outcome = sk_call_outcome(c);
	d->caller_call = NULL;
	d->caller_done = true;
	sk_timer_stop(sk_loop_timers(d->loop), &d->cancel);
}

/* ---- set-up -------------------------------------------------------------- */

static int node_init(struct demo *d, int i)
{
	struct node *nd = &d->n[i];
	struct sk_target t;
	nd->d = d;
	nd->idx = i;
	int rc = sk_net_os_new(&nd->net, d->loop, &d->log);
	struct sk_stack_config sc = {
	    .timers = sk_loop_timers(d->loop), .net = nd->net, .log = &d->log};
	if (rc < 0 || (rc = sk_stack_new(&nd->stack, &sc)) < 0)
		return rc;
	sk_target_parse(&t, "udp:127.0.0.1:0");
	if ((rc = sk_stack_listen(nd->stack, &t, &nd->addr)) < 0)
		return rc;
	sk_tp_set_trace(sk_stack_tp(nd->stack), trace, nd);
	sk_timer_init(&nd->answer, phone_answer, nd);
	if (i == 1) {
		struct sk_proxy_config pc = {.stack = nd->stack,
		                             .domain = "demo.sipkit",
		                             .registrar = true,
		                             .record_route = true};
		return sk_proxy_new(&d->proxy, &pc);
	}
	struct sk_ua_config uc = {.stack = nd->stack, .user = names[i]};
	if (i == 0)
		uc.ev = (struct sk_ua_events){
		    .answered = caller_answered, .ended = caller_ended, .arg = d};
	else
		uc.ev = (struct sk_ua_events){
		    .incoming = phone_incoming, .ended = phone_ended, .arg = nd};
	return sk_ua_new(&nd->ua, &uc);
}

static void run_until(struct demo *d, bool (*done)(struct demo *), uint64_t max_ms)
{
	uint64_t end = sk_clock_now(d->clock) + max_ms;
	while (!done(d) && sk_clock_now(d->clock) < end) {
		int64_t next = sk_timers_next_in(sk_loop_timers(d->loop));
		sk_loop_run_once(d->loop, next >= 0 && next < 50 ? (int)next : 50);
	}
}

static bool registered(struct demo *d)
{
	return sk_proxy_stats(d->proxy).bindings >= 3;
}

static bool call_over(struct demo *d)
{
	return d->caller_done && d->phones_ended >= 3;
}

/* ---- the ladder ------------------------------------------------------------ */

static void draw(const struct demo *d)
{
	printf("   time  ");
	for (int i = 0; i < NODES; i++)
		printf("%-*s", i < NODES - 1 ? COL_WIDTH : 0, names[i]);
	printf("\n");
	for (size_t k = 0; k < d->nev; k++) {
		const struct event *e = &d->ev[k];
		char line[NODES * COL_WIDTH + 1];
		memset(line, ' ', sizeof(line) - 1);
		line[sizeof(line) - 1] = '\0';
		for (int i = 0; i < NODES; i++)
			line[i * COL_WIDTH] = '|';
		if (e->to >= 0 && e->to != e->from) {
			int a = e->from * COL_WIDTH, b = e->to * COL_WIDTH;
			int lo = a < b ? a : b, hi = a < b ? b : a;
			for (int x = lo + 1; x < hi; x++)
				line[x] = '-';
			line[b > a ? hi - 1 : lo + 1] = b > a ? '>' : '<';
			size_t ll = strlen(e->label);
			int room = hi - lo - 3;
			if ((int)ll > room)
				ll = (size_t)room;
			memcpy(line + lo + 2 + (room - (int)ll) / 2, e->label, ll);
		}
		size_t end = strlen(line);
		while (end && line[end - 1] == ' ')
			end--;
		line[end] = '\0';
		printf(" %4llu ms %s%s%s\n", (unsigned long long)e->t, line,
		       e->reason[0] ? "  Reason: " : "", e->reason);
	}
}

/* Messages from a to b of a method (requests) or status (responses, with the CSeq method). */
static int count(const struct demo *d, int from, int to, const char *method, int status,
                 const char *reason_has)
{
	int n = 0;
	for (size_t k = 0; k < d->nev; k++) {
		const struct event *e = &d->ev[k];
		if (e->from != from || e->to != to || strcmp(e->method, method) ||
		    (status ? e->status != status : !e->request))
			continue;
		if (reason_has && !strstr(e->reason, reason_has))
			continue;
		n++;
	}
	return n;
}

/* ---- the three calls ------------------------------------------------------- */

static int scenario(struct demo *d, int which)
{
	static const char *const titles[] = {
	    "1. alice cancels while the three phones of bob ring",
	    "2. bob-2 answers: the proxy cancels bob-1 and bob-3, saying why",
	    "3. the race: bob-1 answers just as alice cancels"};
	char route[80], a[64];
	d->nev = 0;
	d->caller_done = false;
	d->phones_ended = 0;
	/* timers count from the time the loop last read: now, as the call starts */
	sk_timers_update_time(sk_loop_timers(d->loop));
	d->t0 = sk_clock_now(d->clock);
	for (int i = 2; i < NODES; i++) {
		d->n[i].answers = (which == 2 && i == 3) || (which == 3 && i == 2);
		d->n[i].cancel_with = which == 3 && i == 2;
	}
	sk_sa_print(&d->n[1].addr, a, sizeof(a));
	snprintf(route, sizeof(route), "sip:%s", a);
	struct sk_call_params p = {.to = AOR, .route = route};
	printf("\n%s\n\n", titles[which - 1]);
	if (sk_call_invite(d->n[0].ua, &p, &d->caller_call) < 0) {
		printf("verdict: FAIL (the INVITE could not be sent)\n");
		return 1;
	}
	if (which == 1)
		sk_timer_start(sk_loop_timers(d->loop), &d->cancel, d->cancel_ms);
	run_until(d, call_over, 10000);
	run_until(d, call_over, 300); /* the last ACKs and 200s */
	uint64_t settle = sk_clock_now(d->clock) + 100;
	while (sk_clock_now(d->clock) < settle)
		sk_loop_run_once(d->loop, 20);
	draw(d);
	bool ok;
	char why[300];
	if (which == 1) {
		int c2 = count(d, 1, 2, "CANCEL", 0, "Q.850;cause=16"),
		    c3 = count(d, 1, 3, "CANCEL", 0, "Q.850;cause=16"),
		    c4 = count(d, 1, 4, "CANCEL", 0, "Q.850;cause=16");
		int up487 = count(d, 1, 0, "INVITE", 487, NULL),
		    ok200 = count(d, 1, 0, "CANCEL", 200, NULL);
		ok = c2 == 1 && c3 == 1 && c4 == 1 && up487 == 1 && ok200 == 1 &&
		     d->outcome == SK_OUTCOME_CANCELLED;
		snprintf(
		    why, sizeof(why),
		    "one CANCEL to each phone with alice's Reason (%d %d %d), 200 to her CANCEL "
		    "(%d), one 487 to her (%d), the phones' 487s absorbed: %s",
		    c2, c3, c4, ok200, up487, sk_call_outcome_name(d->outcome));
	} else if (which == 2) {
		int c2 = count(d, 1, 2, "CANCEL", 0, ELSEWHERE),
		    c4 = count(d, 1, 4, "CANCEL", 0, ELSEWHERE);
		int up487 = count(d, 1, 0, "INVITE", 487, NULL),
		    up200 = count(d, 1, 0, "INVITE", 200, NULL);
		ok = c2 == 1 && c4 == 1 && up487 == 0 && up200 >= 1 &&
		     d->outcome == SK_OUTCOME_ANSWERED;
		snprintf(
		    why, sizeof(why),
		    "bob-1 and bob-3 cancelled with \"Call completed elsewhere\" (%d %d), the 200 "
		    "passed to alice, no 487 to her (%d): %s",
		    c2, c4, up487, sk_call_outcome_name(d->outcome));
	} else {
		int acks = count(d, 0, 1, "ACK", 0, NULL), byes = count(d, 0, 1, "BYE", 0, NULL);
		int cancels = count(d, 0, 1, "CANCEL", 0, NULL);
		ok = cancels == 1 && acks >= 1 && byes == 1 &&
		     d->outcome == SK_OUTCOME_ANSWERED_LATE;
		snprintf(
		    why, sizeof(why),
		    "alice's CANCEL (%d) crossed bob-1's 200; she ACKed it (%d) and hung up with a "
		    "BYE (%d): %s",
		    cancels, acks, byes,
		    d->outcome == SK_OUTCOME_ANSWERED_LATE ? "answered before cancel took effect"
		                                           : sk_call_outcome_name(d->outcome));
	}
	printf("verdict: %s: %s\n", ok ? "ok" : "FAIL", why);
	return ok ? 0 : 1;
}

/* A call the checker found fault with is shown in full: the demo's traffic must be clean. */
static void checked(void *arg, const struct sk_trace_call *c)
{
	struct demo *d = arg;
	for (size_t i = 0; i < c->nfindings; i++)
		if (c->findings[i].severity != SK_SEV_INFO) {
			d->checked_bad++;
			sk_trace_render_text(stdout, c);
			return;
		}
}

/* sipkit check's view of the three calls, from every message the demo sent. */
static int check_summary(struct demo *d)
{
	sk_trace_checker_finish(d->chk);
	const struct sk_trace_totals *t = sk_trace_checker_totals(d->chk);
	printf("\nsipkit check on the demo's %llu messages: %llu calls (%llu cancelled cleanly, "
	       "%llu answered, %llu cancelled but answered anyway), %llu errors, %llu warnings\n",
	       (unsigned long long)t->messages, (unsigned long long)t->calls,
	       (unsigned long long)t->outcomes[SK_TRACE_OUT_CANCELLED],
	       (unsigned long long)t->outcomes[SK_TRACE_OUT_ANSWERED],
	       (unsigned long long)t->outcomes[SK_TRACE_OUT_ANSWERED_ANYWAY],
	       (unsigned long long)t->severity[SK_SEV_ERROR],
	       (unsigned long long)t->severity[SK_SEV_WARNING]);
	return d->checked_bad ? 1 : 0;
}

int cmd_demo(int argc, char **argv)
{
	const char *trace_path = NULL;
	if (argc == 3 && !strcmp(argv[1], "--trace")) {
		trace_path = argv[2];
	} else if (argc > 1) {
		bool help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");
		printf(
		    "usage: sipkit demo [--trace FILE]\n\n"
		    "The whole system on loopback in one process: a forking proxy and registrar,\n"
		    "three phones registered for %s, and a caller. Three calls, each drawn as\n"
		    "a ladder with a verdict: a cancel while all ring, an answer that cancels the\n"
		    "other phones with a Reason, and an answer crossing the caller's CANCEL.\n"
		    "sipkit check then reads every message the demo sent and must find nothing\n"
		    "wrong; --trace FILE writes them (a pcap capture when FILE ends in .pcap).\n"
		    "Exit 0 when every verdict is ok.\n",
		    AOR);
		return help ? 0 : EXIT_USAGE;
	}
	struct demo *d = calloc(1, sizeof(*d));
	int rc = -SK_ENOMEM, bad = 0;
	if (!d)
		return 1;
	d->log = (struct sk_log){.fn = log_line, .max = SK_LOG_WARN};
	d->answer_ms = 400;
	d->cancel_ms = 400;
	sk_timer_init(&d->cancel, caller_cancel, d);
	if (trace_path && cli_trace_open(&d->tw, trace_path, "sipkit demo") < 0) {
		free(d);
		return 1;
	}
	struct sk_trace_check_config cc = {0};
	sk_trace_checker_new(&d->chk, &cc, checked, d);
	if ((rc = sk_clock_new_real(&d->clock)) == 0 && (rc = sk_loop_new(&d->loop, d->clock)) == 0)
		for (int i = 0; i < NODES && rc == 0; i++)
			rc = node_init(d, i);
	if (rc < 0) {
		fprintf(stderr, "sipkit demo: cannot start on loopback: %s\n", sk_strerror(rc));
		bad = 1;
		goto out;
	}
	printf("sipkit demo: a forking proxy (%s:%u), three phones registered for %s, a caller\n",
	       "127.0.0.1", (unsigned)sk_sa_port(&d->n[1].addr), AOR);
	char reg[80], a[64];
	sk_sa_print(&d->n[1].addr, a, sizeof(a));
	snprintf(reg, sizeof(reg), "sip:%s", a);
	for (int i = 2; i < NODES; i++)
		sk_ua_register(d->n[i].ua, reg, AOR, 3600);
	run_until(d, registered, 3000);
	if (!registered(d)) {
		fprintf(stderr, "sipkit demo: the phones did not register\n");
		bad = 1;
		goto out;
	}
	for (int s = 1; s <= 3; s++)
		bad += scenario(d, s);
	printf("\n%d of 3 calls went as RFC 3261 says\n", 3 - bad);
	if (d->chk)
		bad += check_summary(d);
out:
	sk_trace_checker_free(d->chk);
	if (d->tw && sk_trace_writer_close(d->tw) < 0) {
		fprintf(stderr, "sipkit demo: %s: writing the trace failed\n", trace_path);
		bad = 1;
	}
	for (int i = NODES - 1; i >= 0; i--) {
		sk_ua_free(d->n[i].ua);
		if (i == 1)
			sk_proxy_free(d->proxy);
		if (d->n[i].stack)
			sk_stack_free(d->n[i].stack);
		else
			sk_net_free(d->n[i].net);
	}
	sk_loop_free(d->loop);
	sk_clock_free(d->clock);
	free(d);
	return bad ? 1 : 0;
}
