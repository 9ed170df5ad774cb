/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipkit demo: the whole system on loopback in one process. A forking proxy
 * with its registrar, three phones registered for bob, a caller; three calls,
 * each drawn as a ladder with a verdict:
 *  1. the caller cancels while the three phones ring (§9.1, §16.10);
 *  2. one phone answers, the other two are cancelled with
 *     `Reason: SIP;cause=200;text="Call completed elsewhere"` (§16.7, RFC 3326);
 *  3. a phone answers just as the caller cancels: the caller ACKs the 2xx and
 *     hangs up with a BYE (§9.1, §13.2.2.4);
 *  4. the first again with the caller on TLS (§26.2, RFC 5922): her CANCEL
 *     and her ACK for the 487 go on the connection of her INVITE (§9.1,
 *     §17.1.1.3), the proxy's 200 and 487 come back on it (§18.2.2). Its
 *     certificates are made for the run (sk_tls_lab_make) and removed after;
 *     when they cannot be, the demo says why and runs the other three.
 * All stacks share one event loop, so equal timer deadlines fire in start
 * order: that is what makes the race of the third call happen every time.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tracefile.h"
#include "sipkit/proxy.h"
#include "sipkit/ua.h"

#define NODES      5  /* caller, proxy, three phones */
#define LEARNED    16 /* the ports of connections a node opened, for the ladder */
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
	bool tls;        /* sent over TLS */
};

struct demo;

struct node {
	struct demo *d;
	int idx;
	struct sk_net *net;
	struct sk_stack *stack;
	struct sk_ua *ua;
	struct sk_sa addr;
	struct sk_sa tls_addr; /* the TLS listener (caller and proxy) */
	struct sk_call *call;  /* phones: the ringing call */
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
	struct {
		uint16_t port;
		int node;
	} learned[LEARNED]; /* a TLS connection's local port: its node */
	size_t nlearned;
	char pki[64]; /* the run's certificates ("" when none could be made) */
	char ca_pem[80], proxy_pem[80], proxy_key[80];
	struct sk_tls_config tls_proxy, tls_caller;
	char why_no_tls[160];
};

static void log_line(void *arg, enum sk_log_level level, const char *line)
{
	(void)arg;
	if (level <= SK_LOG_WARN)
		fprintf(stderr, "sipkit demo: %s\n", line);
}

static int node_of(const struct demo *d, const struct sk_sa *a)
{
	uint16_t port = sk_sa_port(a);
	for (int i = 0; i < NODES; i++)
		if (sk_sa_port(&d->n[i].addr) == port ||
		    (sk_sa_port(&d->n[i].tls_addr) && sk_sa_port(&d->n[i].tls_addr) == port))
			return i;
	for (size_t k = 0; k < d->nlearned; k++)
		if (d->learned[k].port == port)
			return d->learned[k].node;
	return -1;
}

/* A connection a node opened (its port is ephemeral): known as that node's from now on. */
static void learn(struct demo *d, int node, const struct sk_flow *flow)
{
	if (!sk_proto_is_stream(flow->proto) || node_of(d, &flow->local) >= 0 ||
	    d->nlearned >= LEARNED)
		return;
	d->learned[d->nlearned].port = sk_sa_port(&flow->local);
	d->learned[d->nlearned++].node = node;
}

/* Every message a node sends: who to whom, what, and its Reason. */
static void trace(void *arg, bool out, const struct sk_flow *flow, const char *buf, size_t len)
{
	struct node *nd = arg;
	struct demo *d = nd->d;
	struct sk_msg *m;
	if (!out)
		return; /* each message once: as its sender sent it */
	learn(d, nd->idx, flow);
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
		e->tls = flow->proto == SK_PROTO_TLS;
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
	if (d->pki[0] && i <= 1) /* TLS: the caller verifies the proxy's certificate */
		sc.tls = i == 0 ? &d->tls_caller : &d->tls_proxy;
	if (rc < 0 || (rc = sk_stack_new(&nd->stack, &sc)) < 0)
		return rc;
	sk_target_parse(&t, "udp:127.0.0.1:0");
	if ((rc = sk_stack_listen(nd->stack, &t, &nd->addr)) < 0)
		return rc;
	/* the proxy's TLS listener; the caller's is her Via's sent-by (§18.1.1) */
	sk_target_parse(&t, "tls:127.0.0.1:0");
	if (d->pki[0] && i <= 1 && (rc = sk_stack_listen(nd->stack, &t, &nd->tls_addr)) < 0)
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
		sk_loop_run_once(d->loop, 50); /* it wakes for its timers itself */
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
	    "3. the race: bob-1 answers just as alice cancels",
	    "4. the same cancel with alice on TLS: her CANCEL and ACK on her INVITE's connection"};
	char route[96], a[64];
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
	sk_sa_print(which == 4 ? &d->n[1].tls_addr : &d->n[1].addr, a, sizeof(a));
	snprintf(route, sizeof(route), "sip:%s%s", a, which == 4 ? ";transport=tls" : "");
	struct sk_call_params p = {.to = AOR, .route = route};
	printf("\n%s\n\n", titles[which - 1]);
	if (sk_call_invite(d->n[0].ua, &p, &d->caller_call) < 0) {
		printf("verdict: FAIL (the INVITE could not be sent)\n");
		return 1;
	}
	if (which == 1 || which == 4)
		sk_timer_start(sk_loop_timers(d->loop), &d->cancel, d->cancel_ms);
	run_until(d, call_over, 10000);
	run_until(d, call_over, 300); /* the last ACKs and 200s */
	uint64_t settle = sk_clock_now(d->clock) + 100;
	while (sk_clock_now(d->clock) < settle)
		sk_loop_run_once(d->loop, 20);
	draw(d);
	bool ok;
	char why[300];
	if (which == 1 || which == 4) {
		int c2 = count(d, 1, 2, "CANCEL", 0, "Q.850;cause=16"),
		    c3 = count(d, 1, 3, "CANCEL", 0, "Q.850;cause=16"),
		    c4 = count(d, 1, 4, "CANCEL", 0, "Q.850;cause=16");
		int up487 = count(d, 1, 0, "INVITE", 487, NULL),
		    ok200 = count(d, 1, 0, "CANCEL", 200, NULL);
		ok = c2 == 1 && c3 == 1 && c4 == 1 && up487 == 1 && ok200 == 1 &&
		     d->outcome == SK_OUTCOME_CANCELLED;
		int plain = 0, tls = 0; /* alice's leg: all TLS in the fourth call, none before */
		for (size_t k = 0; k < d->nev; k++)
			if (d->ev[k].from == 0 || d->ev[k].to == 0)
				d->ev[k].tls ? tls++ : plain++;
		ok = ok && (which == 4 ? plain == 0 && tls >= 5 : tls == 0);
		char leg[80] = "";
		if (which == 4)
			snprintf(leg, sizeof(leg), "; alice's %d messages on TLS, %d not", tls,
			         plain);
		snprintf(
		    why, sizeof(why),
		    "one CANCEL to each phone with alice's Reason (%d %d %d), 200 to her CANCEL "
		    "(%d), one 487 to her (%d), the phones' 487s absorbed%s: %s",
		    c2, c3, c4, ok200, up487, leg, sk_call_outcome_name(d->outcome));
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

/* ---- the fourth call's certificates ------------------------------------------ */

static const char *const pki_files[] = {"ca.pem", "ca.key", "proxy.pem", "proxy.key"};

/* A CA and the proxy's certificate for 127.0.0.1, in a directory of the run's own. */
static void pki_make(struct demo *d)
{
	const char *tmp = getenv("TMPDIR");
	char path[sizeof(d->pki)];
	snprintf(path, sizeof(path), "%s/sipkit-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (strlen(path) + sizeof("/proxy.pem") > sizeof(path) || !mkdtemp(path)) {
		snprintf(d->why_no_tls, sizeof(d->why_no_tls), "no directory for its certificates");
		return;
	}
	memcpy(d->pki, path, sizeof(path));
	struct sk_tls_lab_cert ca = {.cn = "sipkit demo CA", .from_days = -1, .to_days = 1};
	struct sk_tls_lab_cert proxy = {
	    .cn = "proxy.demo.sipkit", .san = "IP:127.0.0.1", .from_days = -1, .to_days = 1};
	int rc = sk_tls_lab_make(d->pki, "ca", &ca, NULL);
	if (rc == 0)
		rc = sk_tls_lab_make(d->pki, "proxy", &proxy, "ca");
	if (rc < 0) {
		snprintf(d->why_no_tls, sizeof(d->why_no_tls),
		         "its certificates could not be made (%s)", sk_strerror(rc));
		return;
	}
	snprintf(d->ca_pem, sizeof(d->ca_pem), "%s/ca.pem", d->pki);
	snprintf(d->proxy_pem, sizeof(d->proxy_pem), "%s/proxy.pem", d->pki);
	snprintf(d->proxy_key, sizeof(d->proxy_key), "%s/proxy.key", d->pki);
	d->tls_proxy = (struct sk_tls_config){.cert_file = d->proxy_pem, .key_file = d->proxy_key};
	d->tls_caller = (struct sk_tls_config){.ca_file = d->ca_pem}; /* verified, as by default */
}

static void pki_remove(struct demo *d)
{
	char path[sizeof(d->pki) + 16];
	if (!d->pki[0])
		return;
	for (size_t i = 0; i < sizeof(pki_files) / sizeof(pki_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", d->pki, pki_files[i]);
		unlink(path);
	}
	rmdir(d->pki);
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
		    "three phones registered for %s, and a caller. Four calls, each drawn as\n"
		    "a ladder with a verdict: a cancel while all ring, an answer that cancels the\n"
		    "other phones with a Reason, an answer crossing the caller's CANCEL, and the\n"
		    "cancel again with the caller on TLS (certificates made for the run).\n"
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
	pki_make(d);
	if (!d->why_no_tls[0] && !d->pki[0])
		snprintf(d->why_no_tls, sizeof(d->why_no_tls), "no certificates");
	if (d->why_no_tls[0])
		d->pki[0] = '\0';
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
	int calls = d->pki[0] ? 4 : 3;
	for (int s = 1; s <= calls; s++)
		bad += scenario(d, s);
	if (calls == 3)
		printf("\n4. over TLS: not run: %s\n", d->why_no_tls);
	printf("\n%d of %d calls went as RFC 3261 says\n", calls - bad, calls);
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
	pki_remove(d);
	free(d);
	return bad ? 1 : 0;
}
