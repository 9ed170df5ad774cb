/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transport (src/transport/transport.c, conn.c), on simnet and a virtual clock:
 *  - received/rport on incoming requests (§18.2.1, RFC 3581 §4), responses whose
 *    top Via is not ours dropped (§18.1.2), where responses go (§18.2.2)
 *  - the flow of a request: TCP above 1300 bytes (§18.1.1), connection reuse,
 *    our Via, branches (§8.1.1.7)
 *  - TCP framing with every write cut in two, CRLF keep-alives and the
 *    ping/pong of RFC 5626 §3.5.1
 *  - garbage and oversize peers cut off while the others carry on; the
 *    connection cap; idle connections closed
 *  - refused and broken connections (conn_lost), UDP sends without a listener
 *  - UDP loss, duplication and a filter
 *  - a stranger's connections (section 11): 2,000 silent and 1,000 dripping
 *    ones from 100 addresses closed by the idle and header timeouts while
 *    legitimate clients are served; the per-source cap; outgoing connections
 *    still made with the inbound cap full; a slow honest message accepted
 * and a smoke test on OS sockets, 127.0.0.1 and ::1 only (IPv6 skipped when
 * ::1 cannot be bound). Nothing else leaves the process: simnet's 10.0.0.x and
 * fd00:: addresses are in-process.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "sk_test.h"

#include "sipkit/transport.h"

#include "../../src/transport/net.h"

/* ---- what a transport hands up ------------------------------------------- */

#define MAX_LOST 8

struct rec {
	struct sk_tp *tp; /* for the response flow of each request */
	int msgs, requests, responses;
	struct sk_flow flow;      /* of the last message */
	struct sk_flow resp_flow; /* sk_tp_response_flow of the last request */
	int resp_rc;
	size_t vias;
	bool has_received, has_rport;
	char received[64], rport[16];
	char via_line[512]; /* the first Via header line as sk_msg_print writes it */
	char via2[128];     /* the second Via value, raw */
	char seq[1024];     /* "CSeq-number:body " per message, in order */
	int lost;
	uint64_t lost_conn[MAX_LOST];
	int lost_err[MAX_LOST];
};

static void rec_recv(void *arg, struct sk_msg *m, const struct sk_flow *flow)
{
	struct rec *r = arg;
	r->msgs++;
	r->flow = *flow;
	if (sk_msg_is_request(m)) {
		r->requests++;
		r->resp_rc = sk_tp_response_flow(r->tp, m, flow, &r->resp_flow);
	} else {
		r->responses++;
	}
	const struct sk_via *v = sk_msg_via(m, 0);
	assert_non_null(v);
	r->vias = sk_msg_via_count(m);
	r->has_received = sk_str_present(v->received);
	r->has_rport = sk_str_present(v->rport);
	sk_str_cpy(r->received, sizeof(r->received), v->received);
	sk_str_cpy(r->rport, sizeof(r->rport), v->rport);
	r->via2[0] = '\0';
	if (r->vias > 1)
		sk_str_cpy(r->via2, sizeof(r->via2), sk_msg_via(m, 1)->raw);

	char out[8192];
	size_t n = sk_msg_print(m, out, sizeof(out));
	assert_true(n < sizeof(out));
	const char *via = strstr(out, "\r\nVia: ");
	r->via_line[0] = '\0';
	if (via) {
		via += 2;
		const char *e = strstr(via, "\r\n");
		assert_non_null(e);
		snprintf(r->via_line, sizeof(r->via_line), "%.*s", (int)(e - via), via);
	}
	const struct sk_cseq *cs = sk_msg_cseq(m);
	struct sk_str body = sk_msg_body(m);
	size_t used = strlen(r->seq);
	snprintf(r->seq + used, sizeof(r->seq) - used, "%u:%.*s ", (unsigned)cs->num, (int)body.len,
	         body.p ? body.p : "");
}

static void rec_lost(void *arg, uint64_t conn, int err)
{
	struct rec *r = arg;
	if (r->lost < MAX_LOST) {
		r->lost_conn[r->lost] = conn;
		r->lost_err[r->lost] = err;
	}
	r->lost++;
}

/* Log lines, each kept as "<level letter> <line>" (SK_TEST_LOG=1 also prints them). */
struct logcap {
	int warns; /* WARN and ERR lines */
	char text[16384];
};

static void log_line(void *arg, enum sk_log_level level, const char *line)
{
	struct logcap *c = arg;
	static const char letter[] = "EWID";
	if (level <= SK_LOG_WARN)
		c->warns++;
	size_t used = strlen(c->text);
	snprintf(c->text + used, sizeof(c->text) - used, "%c %s\n", letter[level & 3], line);
	if (getenv("SK_TEST_LOG"))
		fprintf(stderr, "log: %s\n", line);
}

/* A WARN (or ERR) line containing s. */
static bool warned(const struct logcap *c, const char *s)
{
	for (const char *line = c->text; *line;) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		const char *hit = memmem(line, n, s, strlen(s));
		if (hit && (line[0] == 'W' || line[0] == 'E'))
			return true;
		line += n + (end ? 1 : 0);
	}
	return false;
}

/* ---- stacks on simnet ---------------------------------------------------- */

#define MAX_STACKS 6
enum { L_UDP = 1, L_TCP = 2 };

struct stack {
	struct sk_net *net;
	struct sk_tp *tp;
	struct sk_sa addr;
	struct rec rec;
};

struct env {
	struct sk_clock *clock;
	struct sk_timers *timers;
	struct sk_simnet *sn;
	struct sk_log log;
	struct logcap cap;
	struct stack st[MAX_STACKS];
	int n;
	/* filter */
	int writes_from_a; /* stream writes leaving st[0]'s address */
	int writes_from_b; /* stream writes leaving st[1]'s host */
	char a_wrote[256];
	const char *drop_if;   /* datagrams containing this are lost */
	uint32_t stream_delay; /* nonzero: every stream write takes this delay */
	struct attackers *atk; /* raw sockets from many addresses (section 11), or NULL */
};

struct attackers;
static void atk_free(struct attackers *at);

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	assert_int_equal(sk_clock_new_virtual(&e->clock, 1000000), 0);
	assert_int_equal(sk_timers_new(&e->timers, e->clock), 0);
	assert_int_equal(sk_simnet_new(&e->sn, e->timers, 7), 0);
	e->log = (struct sk_log){.fn = log_line, .arg = &e->cap, .max = SK_LOG_DEBUG};
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	for (int i = 0; i < e->n; i++)
		sk_tp_free(e->st[i].tp);
	for (int i = 0; i < e->n; i++)
		sk_net_free(e->st[i].net);
	if (e->atk)
		atk_free(e->atk);
	sk_simnet_free(e->sn);
	sk_timers_free(e->timers);
	sk_clock_free(e->clock);
	free(e);
	return 0;
}

static struct sk_sa sa(const char *host, uint16_t port)
{
	struct sk_sa a;
	assert_int_equal(sk_sa_from_host(&a, sk_str_c(host), port), 0);
	return a;
}

/* A stack on simnet at host:port listening on protos; tweak gives the limits, caps, timeouts. */
static struct stack *add_stack(struct env *e, const char *host, uint16_t port, unsigned protos,
                               const struct sk_tp_config *tweak)
{
	assert_true(e->n < MAX_STACKS);
	struct stack *s = &e->st[e->n++];
	s->addr = sa(host, port);
	assert_int_equal(sk_simnet_node(e->sn, &s->net), 0);
	struct sk_tp_config c = tweak ? *tweak : (struct sk_tp_config){0};
	c.timers = e->timers;
	c.net = s->net;
	c.log = &e->log;
	c.seed = 100 + (uint64_t)e->n;
	struct sk_tp_user u = {.recv = rec_recv, .conn_lost = rec_lost, .arg = &s->rec};
	assert_int_equal(sk_tp_new(&s->tp, &c, &u), 0);
	s->rec.tp = s->tp;
	struct sk_sa bound;
	if (protos & L_UDP) {
		assert_int_equal(sk_tp_listen(s->tp, SK_PROTO_UDP, &s->addr, &bound), 0);
		assert_true(sk_sa_equal(&bound, &s->addr));
	}
	if (protos & L_TCP) {
		assert_int_equal(sk_tp_listen(s->tp, SK_PROTO_TCP, &s->addr, &bound), 0);
		assert_true(sk_sa_equal(&bound, &s->addr));
	}
	return s;
}

static void run(struct env *e, uint64_t ms)
{
	sk_timers_advance(e->timers, ms);
}

static void assert_sa(const struct sk_sa *a, const char *host, uint16_t port)
{
	struct sk_sa b = sa(host, port);
	char pa[64], pb[64];
	sk_sa_print(a, pa, sizeof(pa));
	sk_sa_print(&b, pb, sizeof(pb));
	if (!sk_sa_equal(a, &b))
		fail_msg("expected %s, got %s", pb, pa);
}

/* A request with the given Via value(s) and body. */
static size_t mk_req(char *buf, size_t size, const char *via, unsigned cseq, const char *body)
{
	int n = snprintf(buf, size,
	                 "OPTIONS sip:a@10.0.0.1 SIP/2.0\r\n"
	                 "Via: %s\r\n"
	                 "Max-Forwards: 70\r\n"
	                 "From: <sip:b@example.com>;tag=f%u\r\n"
	                 "To: <sip:a@example.com>\r\n"
	                 "Call-ID: call%u@test\r\n"
	                 "CSeq: %u OPTIONS\r\n"
	                 "Content-Length: %zu\r\n\r\n%s",
	                 via, cseq, cseq, cseq, strlen(body), body);
	assert_true(n > 0 && (size_t)n < size);
	return (size_t)n;
}

static size_t mk_resp(char *buf, size_t size, const char *via, unsigned cseq)
{
	int n = snprintf(buf, size,
	                 "SIP/2.0 200 OK\r\n"
	                 "Via: %s\r\n"
	                 "From: <sip:b@example.com>;tag=f%u\r\n"
	                 "To: <sip:a@example.com>;tag=t1\r\n"
	                 "Call-ID: call%u@test\r\n"
	                 "CSeq: %u OPTIONS\r\n"
	                 "Content-Length: 0\r\n\r\n",
	                 via, cseq, cseq, cseq);
	assert_true(n > 0 && (size_t)n < size);
	return (size_t)n;
}

/* Sends buf from s to `to` on proto, on the flow sk_tp_flow_for picks (reusing connections). */
static struct sk_flow send_to(struct stack *s, enum sk_proto proto, const struct sk_sa *to,
                              const char *buf, size_t len)
{
	struct sk_target t = {.proto = proto, .addr = *to};
	struct sk_flow f;
	assert_int_equal(sk_tp_flow_for(s->tp, &t, len, &f), 0);
	assert_int_equal(f.proto, proto);
	assert_int_equal(sk_tp_send(s->tp, &f, buf, len), 0);
	return f;
}

static void send_c(struct stack *s, enum sk_proto proto, const struct sk_sa *to, const char *str)
{
	send_to(s, proto, to, str, strlen(str));
}

static void send_req(struct stack *s, enum sk_proto proto, const struct sk_sa *to, const char *via,
                     unsigned cseq, const char *body)
{
	char buf[2048];
	size_t len = mk_req(buf, sizeof(buf), via, cseq, body);
	send_to(s, proto, to, buf, len);
}

/* ---- 1. received and rport (§18.2.1, RFC 3581 §4) ------------------------ */

static void test_stamp_received_rport(void **state)
{
	struct env *e = *state;
	struct stack *a = add_stack(e, "10.0.0.1", 5060, L_UDP, NULL);
	struct stack *b = add_stack(e, "10.0.0.2", 5070, L_UDP, NULL);
	struct rec *r = &a->rec;

	/* sent-by a name: received */
	send_req(b, SK_PROTO_UDP, &a->addr, "SIP/2.0/UDP client.example.com:5070;branch=z9hG4bKa",
	         1, "");
	run(e, 5);
	assert_int_equal(r->requests, 1);
	assert_int_equal(r->flow.proto, SK_PROTO_UDP);
	assert_sa(&r->flow.remote, "10.0.0.2", 5070);
	assert_sa(&r->flow.local, "10.0.0.1", 5060);
	assert_int_equal(r->flow.conn, 0);
	assert_true(r->has_received);
	assert_string_equal(r->received, "10.0.0.2");
	assert_false(r->has_rport);
	assert_string_equal(
	    r->via_line,
	    "Via: SIP/2.0/UDP client.example.com:5070;branch=z9hG4bKa;received=10.0.0.2");

	/* sent-by another IP: received */
	send_req(b, SK_PROTO_UDP, &a->addr, "SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bKb", 2, "");
	run(e, 5);
	assert_int_equal(r->requests, 2);
	assert_string_equal(r->received, "10.0.0.2");
	assert_false(r->has_rport);
	assert_string_equal(r->via_line,
	                    "Via: SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bKb;received=10.0.0.2");

	/* rport without value: rport=<source port> and received, even with a matching host; the
	 * second Via on the same line is left alone */
	send_req(b, SK_PROTO_UDP, &a->addr,
	         "SIP/2.0/UDP a;rport;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2", 3, "");
	run(e, 5);
	assert_int_equal(r->requests, 3);
	assert_true(r->has_rport);
	assert_string_equal(r->rport, "5070");
	assert_true(r->has_received);
	assert_string_equal(r->received, "10.0.0.2");
	assert_int_equal(r->vias, 2);
	assert_string_equal(r->via2, "SIP/2.0/UDP b;branch=z9hG4bK2");
	assert_string_equal(r->via_line, "Via: SIP/2.0/UDP a;rport=5070;branch=z9hG4bK1;"
	                                 "received=10.0.0.2, SIP/2.0/UDP b;branch=z9hG4bK2");

	send_req(b, SK_PROTO_UDP, &a->addr, "SIP/2.0/UDP 10.0.0.2:5070;rport;branch=z9hG4bKc", 4,
	         "");
	run(e, 5);
	assert_int_equal(r->requests, 4);
	assert_string_equal(
	    r->via_line,
	    "Via: SIP/2.0/UDP 10.0.0.2:5070;rport=5070;branch=z9hG4bKc;received=10.0.0.2");

	/* sent-by is the source, no rport: untouched (§18.2.1 compares the host only) */
	send_req(b, SK_PROTO_UDP, &a->addr, "SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bKd", 5, "");
	run(e, 5);
	assert_int_equal(r->requests, 5);
	assert_false(r->has_received);
	assert_false(r->has_rport);
	assert_string_equal(r->via_line, "Via: SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bKd");
	send_req(b, SK_PROTO_UDP, &a->addr, "SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKe", 6, "");
	run(e, 5);
	assert_int_equal(r->requests, 6);
	assert_false(r->has_received);
	assert_string_equal(r->via_line, "Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKe");

	/* IPv6 source: received without brackets (§25.1), the sent-by keeps its brackets */
	struct stack *a6 = add_stack(e, "fd00::1", 5060, L_UDP, NULL);
	struct stack *b6 = add_stack(e, "fd00::2", 5062, L_UDP, NULL);
	send_req(b6, SK_PROTO_UDP, &a6->addr, "SIP/2.0/UDP [fd00::99]:5062;rport;branch=z9hG4bKf",
	         7, "");
	run(e, 5);
	r = &a6->rec;
	assert_int_equal(r->requests, 1);
	assert_sa(&r->flow.remote, "fd00::2", 5062);
	assert_string_equal(r->received, "fd00::2");
	assert_string_equal(r->rport, "5062");
	assert_string_equal(
	    r->via_line,
	    "Via: SIP/2.0/UDP [fd00::99]:5062;rport=5062;branch=z9hG4bKf;received=fd00::2");
	send_req(b6, SK_PROTO_UDP, &a6->addr, "SIP/2.0/UDP host.example.com;branch=z9hG4bKg", 8,
	         "");
	run(e, 5);
	assert_int_equal(r->requests, 2);
	assert_string_equal(r->received, "fd00::2");
	assert_string_equal(r->via_line,
	                    "Via: SIP/2.0/UDP host.example.com;branch=z9hG4bKg;received=fd00::2");
	send_req(b6, SK_PROTO_UDP, &a6->addr, "SIP/2.0/UDP [fd00::2]:5062;branch=z9hG4bKh", 9, "");
	run(e, 5);
	assert_int_equal(r->requests, 3);
	assert_false(r->has_received);
	assert_string_equal(r->via_line, "Via: SIP/2.0/UDP [fd00::2]:5062;branch=z9hG4bKh");

	assert_int_equal(sk_tp_stats(a->tp).rx_bad, 0);
	assert_int_equal(sk_tp_stats(a->tp).rx_msgs, 6);
}

/* ---- 2. responses not for us (§18.1.2) ----------------------------------- */

static void test_foreign_response_dropped(void **state)
{
	struct env *e = *state;
	struct stack *a = add_stack(e, "10.0.0.1", 5060, L_UDP | L_TCP, NULL);
	struct stack *b = add_stack(e, "10.0.0.2", 5060, L_UDP, NULL);
	char buf[1024];
	const char *foreign[] = {
	    "SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK1",          /* another host */
	    "SIP/2.0/UDP 10.0.0.1:5061;branch=z9hG4bK2",          /* our host, another port */
	    "SIP/2.0/UDP proxy.example.com:5060;branch=z9hG4bK3", /* a name we never write */
	    "SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK4, SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK5",
	};
	for (unsigned i = 0; i < 4; i++) {
		size_t len = mk_resp(buf, sizeof(buf), foreign[i], i + 1);
		send_to(b, SK_PROTO_UDP, &a->addr, buf, len);
		run(e, 5);
		assert_int_equal(sk_tp_stats(a->tp).rx_foreign_resp, i + 1);
	}
	assert_int_equal(a->rec.msgs, 0);
	assert_int_equal(sk_tp_stats(a->tp).rx_msgs, 0);

	/* naming us, with the port or without (5060) */
	size_t len =
	    mk_resp(buf, sizeof(buf),
	            "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK6;rport=5060;received=10.0.0.1", 6);
	send_to(b, SK_PROTO_UDP, &a->addr, buf, len);
	run(e, 5);
	assert_int_equal(a->rec.responses, 1);
	assert_int_equal(a->rec.requests, 0);
	/* a response is not stamped: its Via is printed as it came */
	assert_string_equal(
	    a->rec.via_line,
	    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK6;rport=5060;received=10.0.0.1");
	len = mk_resp(buf, sizeof(buf), "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK7", 7);
	send_to(b, SK_PROTO_UDP, &a->addr, buf, len);
	run(e, 5);
	assert_int_equal(a->rec.responses, 2);
	assert_string_equal(a->rec.seq, "6: 7: ");
	struct sk_tp_stats st = sk_tp_stats(a->tp);
	assert_int_equal(st.rx_foreign_resp, 4);
	assert_int_equal(st.rx_msgs, 2);
	assert_int_equal(st.rx_bad, 0);
}

/* ---- 3. where responses go (§18.2.2, RFC 3581 §4) ------------------------ */

/* The response flow of a request with this top Via arriving on in. */
static struct sk_flow resp_flow(struct sk_tp *tp, const char *via, const struct sk_flow *in,
                                bool stamp)
{
	char buf[1024];
	size_t len = mk_req(buf, sizeof(buf), via, 1, "");
	struct sk_msg *m;
	struct sk_parse_err err;
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	assert_int_equal(sk_msg_parse(m, buf, len, &err), 0);
	if (stamp)
		assert_int_equal(sk_tp_stamp_request(m, in), 0);
	struct sk_flow out;
	memset(&out, 0xa5, sizeof(out));
	int rc = sk_tp_response_flow(tp, m, in, &out);
	sk_msg_free(m);
	assert_int_equal(rc, 0);
	return out;
}

static void test_response_flow(void **state)
{
	struct env *e = *state;
	struct stack *a = add_stack(e, "10.0.0.1", 5060, L_UDP | L_TCP, NULL);
	struct sk_flow in = {
	    .proto = SK_PROTO_UDP, .local = a->addr, .remote = sa("10.0.0.2", 33333)};
	struct sk_flow out;

	/* received and rport: received:rport */
	out = resp_flow(a->tp,
	                "SIP/2.0/UDP client.example.com:5080;received=10.0.0.7;rport=40000;"
	                "branch=z9hG4bK1",
	                &in, false);
	assert_int_equal(out.proto, SK_PROTO_UDP);
	assert_sa(&out.local, "10.0.0.1", 5060);
	assert_sa(&out.remote, "10.0.0.7", 40000);
	assert_int_equal(out.conn, 0);
	/* received without rport: received:sent-by port, 5060 by default */
	out = resp_flow(a->tp,
	                "SIP/2.0/UDP client.example.com:5080;received=10.0.0.7;branch=z9hG4bK1",
	                &in, false);
	assert_sa(&out.remote, "10.0.0.7", 5080);
	out = resp_flow(a->tp, "SIP/2.0/UDP client.example.com;received=10.0.0.7;branch=z9hG4bK1",
	                &in, false);
	assert_sa(&out.remote, "10.0.0.7", 5060);
	/* neither: sent-by */
	out = resp_flow(a->tp, "SIP/2.0/UDP 10.0.0.8:5090;branch=z9hG4bK1", &in, false);
	assert_sa(&out.remote, "10.0.0.8", 5090);
	/* maddr: maddr and the sent-by port, before received and rport */
	out = resp_flow(a->tp,
	                "SIP/2.0/UDP client.example.com:5090;maddr=239.1.2.3;ttl=1;"
	                "received=10.0.0.7;rport=4000;branch=z9hG4bK1",
	                &in, false);
	assert_sa(&out.remote, "239.1.2.3", 5090);
	out = resp_flow(a->tp, "SIP/2.0/UDP client.example.com;maddr=239.1.2.3;branch=z9hG4bK1",
	                &in, false);
	assert_sa(&out.remote, "239.1.2.3", 5060);
	/* IPv6 received (written without brackets) */
	out = resp_flow(a->tp,
	                "SIP/2.0/UDP h.example.com;received=fd00::7;rport=4444;branch=z9hG4bK1",
	                &in, false);
	assert_sa(&out.remote, "fd00::7", 4444);
	/* as stamped by the transport: back to the source, port included */
	out = resp_flow(a->tp, "SIP/2.0/UDP h.example.com:5080;rport;branch=z9hG4bK1", &in, true);
	assert_sa(&out.remote, "10.0.0.2", 33333);
	/* stamped without rport: source address, sent-by port (no NAT help asked for) */
	out = resp_flow(a->tp, "SIP/2.0/UDP h.example.com:5080;branch=z9hG4bK1", &in, true);
	assert_sa(&out.remote, "10.0.0.2", 5080);

	/* TCP: the request's connection; its address (received, sent-by port) only if it is gone */
	struct sk_flow tin = {
	    .proto = SK_PROTO_TCP, .local = a->addr, .remote = sa("10.0.0.2", 40001), .conn = 7};
	out = resp_flow(a->tp, "SIP/2.0/TCP h.example.com:5062;rport;branch=z9hG4bK1", &tin, true);
	assert_int_equal(out.proto, SK_PROTO_TCP);
	assert_int_equal(out.conn, 7);
	assert_sa(&out.local, "10.0.0.1", 5060);
	assert_sa(&out.remote, "10.0.0.2", 5062);

	/* no Via at all */
	struct sk_msg *m;
	struct sk_parse_err err;
	const char *novia = "OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n";
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	assert_int_equal(sk_msg_parse(m, novia, strlen(novia), &err), 0);
	assert_int_equal(sk_tp_response_flow(a->tp, m, &in, &out), -SK_EINVAL);
	assert_int_equal(sk_tp_stamp_request(m, &in), -SK_EINVAL);
	sk_msg_free(m);

	/* end to end: the response flow the transport computes for a request it received */
	struct stack *b = add_stack(e, "10.0.0.2", 5070, L_UDP, NULL);
	send_req(b, SK_PROTO_UDP, &a->addr, "SIP/2.0/UDP b.example.com:5999;rport;branch=z9hG4bK9",
	         1, "");
	run(e, 5);
	assert_int_equal(a->rec.requests, 1);
	assert_int_equal(a->rec.resp_rc, 0);
	assert_sa(&a->rec.resp_flow.remote, "10.0.0.2", 5070);
	assert_sa(&a->rec.resp_flow.local, "10.0.0.1", 5060);
}

/* ---- 4. the flow of a request, Via and branch (§18.1.1, §8.1.1.7) ---------- */

static void test_flow_for_via_branch(void **state)
{
	struct env *e = *state;
	struct stack *a = add_stack(e, "10.0.0.1", 5060, L_UDP | L_TCP, NULL);
	struct stack *b = add_stack(e, "10.0.0.2", 5060, L_UDP | L_TCP, NULL);
	struct stack *c = add_stack(e, "10.0.0.3", 5060, L_UDP, NULL);
	struct sk_target udp_b = {.proto = SK_PROTO_UDP, .addr = b->addr};
	struct sk_target tcp_b = {.proto = SK_PROTO_TCP, .addr = b->addr};
	struct sk_target any_b = {.proto = SK_PROTO_NONE, .addr = b->addr};
	struct sk_flow f;

	/* §18.1.1: above 1300 bytes to a UDP target, TCP when we can */
	assert_int_equal(sk_tp_flow_for(a->tp, &udp_b, 1301, &f), 0);
	assert_int_equal(f.proto, SK_PROTO_TCP);
	assert_sa(&f.local, "10.0.0.1", 5060);
	assert_sa(&f.remote, "10.0.0.2", 5060);
	assert_int_equal(f.conn, 0);
	assert_int_equal(sk_tp_flow_for(a->tp, &udp_b, 1300, &f), 0);
	assert_int_equal(f.proto, SK_PROTO_UDP);
	assert_sa(&f.local, "10.0.0.1", 5060);
	assert_int_equal(sk_tp_flow_for(a->tp, &any_b, 5000, &f), 0);
	assert_int_equal(f.proto, SK_PROTO_TCP);
	assert_int_equal(sk_tp_flow_for(a->tp, &any_b, 200, &f), 0);
	assert_int_equal(f.proto, SK_PROTO_UDP);
	/* no TCP listener: stays UDP; an explicit TCP target cannot be served */
	assert_int_equal(sk_tp_flow_for(c->tp, &udp_b, 5000, &f), 0);
	assert_int_equal(f.proto, SK_PROTO_UDP);
	assert_sa(&f.local, "10.0.0.3", 5060);
	assert_int_equal(sk_tp_flow_for(c->tp, &tcp_b, 100, &f), -SK_ENOTFOUND);
	/* no listener of the family */
	struct sk_target v6 = {.proto = SK_PROTO_UDP, .addr = sa("fd00::2", 5060)};
	assert_int_equal(sk_tp_flow_for(a->tp, &v6, 100, &f), -SK_ENOTFOUND);

	/* reuse: once a connection to B exists, every flow to B names it */
	struct sk_flow f1;
	assert_int_equal(sk_tp_flow_for(a->tp, &tcp_b, 100, &f1), 0);
	assert_int_equal(f1.conn, 0);
	char buf[1024];
	size_t len = mk_req(buf, sizeof(buf), "SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK1", 1, "");
	assert_int_equal(sk_tp_send(a->tp, &f1, buf, len), 0);
	assert_int_not_equal(f1.conn, 0);
	assert_true(sk_tp_conn_open(a->tp, f1.conn));
	run(e, 10);
	assert_int_equal(b->rec.requests, 1);
	uint64_t at_b = b->rec.flow.conn;
	assert_int_not_equal(at_b, 0);
	assert_int_equal(sk_tp_flow_for(a->tp, &tcp_b, 100, &f), 0);
	assert_int_equal(f.conn, f1.conn);
	assert_int_equal(sk_tp_flow_for(a->tp, &udp_b, 2000, &f), 0); /* big: TCP, same one */
	assert_int_equal(f.proto, SK_PROTO_TCP);
	assert_int_equal(f.conn, f1.conn);
	len = mk_req(buf, sizeof(buf), "SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK2", 2, "");
	assert_int_equal(sk_tp_send(a->tp, &f, buf, len), 0);
	run(e, 10);
	assert_int_equal(b->rec.requests, 2);
	assert_int_equal(b->rec.flow.conn, at_b); /* the same connection at B too */
	assert_int_equal(sk_tp_stats(a->tp).conns_opened, 1);
	assert_int_equal(sk_tp_stats(b->tp).conns_opened, 1);

	/* our Via: the listener's sent-by, the branch, rport */
	char via[256];
	size_t vlen = 0;
	struct sk_str br = SK_STR_LIT("z9hG4bKabc");
	assert_int_equal(sk_tp_via(a->tp, &f, br, via, sizeof(via), &vlen), 0);
	assert_string_equal(via, "SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bKabc;rport");
	assert_int_equal(vlen, strlen(via));
	assert_int_equal(sk_tp_flow_for(a->tp, &udp_b, 100, &f), 0);
	assert_int_equal(sk_tp_via(a->tp, &f, br, via, sizeof(via), &vlen), 0);
	assert_string_equal(via, "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKabc;rport");
	assert_int_equal(sk_tp_via(a->tp, &f, br, via, 20, &vlen), -SK_ETOOBIG);
	struct stack *a6 = add_stack(e, "fd00::1", 5080, L_UDP, NULL);
	assert_int_equal(sk_tp_flow_for(a6->tp, &v6, 100, &f), 0);
	assert_int_equal(sk_tp_via(a6->tp, &f, br, via, sizeof(via), &vlen), 0);
	assert_string_equal(via, "SIP/2.0/UDP [fd00::1]:5080;branch=z9hG4bKabc;rport");

	/* branches: the magic cookie, then 96 random bits; never twice the same */
	char b1[64], b2[64];
	size_t n1 = sk_tp_branch(a->tp, b1, sizeof(b1));
	size_t n2 = sk_tp_branch(a->tp, b2, sizeof(b2));
	assert_int_equal(n1, strlen(b1));
	assert_int_equal(n2, strlen(b2));
	assert_int_equal(n1, 7 + 24);
	assert_memory_equal(b1, "z9hG4bK", 7);
	assert_memory_equal(b2, "z9hG4bK", 7);
	assert_string_not_equal(b1, b2);
	char b3[64];
	sk_tp_branch(b->tp, b3, sizeof(b3)); /* another stack, another generator */
	assert_string_not_equal(b1, b3);
	assert_string_not_equal(b2, b3);
}

/* ---- 5. TCP framing, keep-alives, ping/pong (§18.3, RFC 5626 §3.5.1) ----- */

static void filter_watch(void *arg, struct sk_simnet_packet *p)
{
	struct env *e = arg;
	if (p->proto == SK_PROTO_TCP && e->n > 0 && sk_sa_equal(&p->from, &e->st[0].addr)) {
		size_t used = strlen(e->a_wrote);
		e->writes_from_a++;
		snprintf(e->a_wrote + used, sizeof(e->a_wrote) - used, "%.*s|", (int)p->len,
		         p->data);
	}
	if (p->proto == SK_PROTO_TCP && e->n > 1 && sk_sa_same_host(&p->from, &e->st[1].addr))
		e->writes_from_b++;
	if (p->proto == SK_PROTO_TCP && e->stream_delay)
		p->delay_ms = e->stream_delay;
	if (p->proto == SK_PROTO_UDP && e->drop_if &&
	    memmem(p->data, p->len, e->drop_if, strlen(e->drop_if)))
		p->drop = true;
}

static void test_tcp_framing_split(void **state)
{
	struct env *e = *state;
	sk_simnet_set_link(e->sn, &(struct sk_simnet_link){
	                              .delay_min_ms = 1, .delay_max_ms = 1, .split_pm = 1000});
	sk_simnet_set_filter(e->sn, filter_watch, e);
	struct stack *a = add_stack(e, "10.0.0.1", 5060, L_TCP, NULL);
	struct stack *b = add_stack(e, "10.0.0.2", 5060, L_TCP, NULL);
	const char *via = "SIP/2.0/TCP 10.0.0.2:5060;rport;branch=z9hG4bK1";
	char m2[1024], m3[1024], two[2048];

	send_req(b, SK_PROTO_TCP, &a->addr, via, 1, "one");
	send_c(b, SK_PROTO_TCP, &a->addr, "\r\n"); /* a keep-alive between messages */
	size_t l2 = mk_req(m2, sizeof(m2), via, 2, "two");
	size_t l3 = mk_req(m3, sizeof(m3), via, 3, "");
	memcpy(two, m2, l2);
	memcpy(two + l2, m3, l3);
	send_to(b, SK_PROTO_TCP, &a->addr, two, l2 + l3); /* two messages in one write */
	send_c(b, SK_PROTO_TCP, &a->addr, "\r\n\r\n");    /* a ping */
	send_req(b, SK_PROTO_TCP, &a->addr, via, 4, "four");
	send_req(b, SK_PROTO_TCP, &a->addr, via, 5, "a\r\n\r\nb"); /* CRLFCRLF in a body */
	run(e, 20);

	assert_int_equal(a->rec.requests, 5);
	assert_string_equal(a->rec.seq, "1:one 2:two 3: 4:four 5:a\r\n\r\nb ");
	struct sk_tp_stats st = sk_tp_stats(a->tp);
	assert_int_equal(st.rx_bad, 0);
	assert_int_equal(st.rx_msgs, 5);
	assert_int_equal(st.conns, 1);
	/* every write was cut in two: the framer put the pieces back together */
	struct sk_simnet_stats ns = sk_simnet_stats(e->sn);
	assert_int_equal(ns.delivered, 2 * ns.sent);
	/* one ping, one pong, nothing else from A */
	assert_int_equal(e->writes_from_a, 1);
	assert_string_equal(e->a_wrote, "\r\n|");
	assert_int_equal(b->rec.msgs, 0); /* B skipped the pong */
	assert_int_equal(sk_tp_stats(b->tp).rx_bad, 0);
	/* on a stream, rport is the connection's source port */
	assert_int_equal(a->rec.flow.proto, SK_PROTO_TCP);
	assert_int_not_equal(a->rec.flow.conn, 0);
	char port[16];
	snprintf(port, sizeof(port), "%u", (unsigned)sk_sa_port(&a->rec.flow.remote));
	assert_string_equal(a->rec.rport, port);
	assert_string_equal(a->rec.received, "10.0.0.2");

	/* a ping alone, then one cut after each byte: each gets its pong */
	e->a_wrote[0] = '\0';
	e->writes_from_a = 0;
	send_c(b, SK_PROTO_TCP, &a->addr, "\r\n\r\n");
	run(e, 5);
	assert_int_equal(e->writes_from_a, 1);
	send_c(b, SK_PROTO_TCP, &a->addr, "\r");
	send_c(b, SK_PROTO_TCP, &a->addr, "\n");
	send_c(b, SK_PROTO_TCP, &a->addr, "\r");
	run(e, 5);
	assert_int_equal(e->writes_from_a, 1);
	send_c(b, SK_PROTO_TCP, &a->addr, "\n");
	run(e, 5);
	assert_int_equal(e->writes_from_a, 2);
	assert_string_equal(e->a_wrote, "\r\n|\r\n|");
	/* and the stream goes on */
	send_req(b, SK_PROTO_TCP, &a->addr, via, 6, "six");
	run(e, 5);
	assert_int_equal(a->rec.requests, 6);
	assert_int_equal(sk_tp_stats(a->tp).rx_bad, 0);

	/* B opened the connection: the CRLFs it gets are pongs, never pings to answer, however
	 * many come (RFC 5626 §4.4.1: the client pings, the server pongs) */
	assert_int_equal(e->writes_from_b, 12); /* our writes only */
	struct sk_flow back = a->rec.flow;
	assert_int_equal(sk_tp_send(a->tp, &back, "\r\n\r\n", 4), 0);
	assert_int_equal(back.conn, a->rec.flow.conn);
	run(e, 5);
	assert_int_equal(e->writes_from_b, 12);
	assert_int_equal(b->rec.msgs, 0);
	assert_int_equal(sk_tp_stats(b->tp).rx_bad, 0);
}

/* Bytes written while the connection is being set up arrive, even when the link is faster
 * for them than for the connection setup. */
static void test_tcp_write_while_connecting(void **state)
{
	struct env *e = *state;
	sk_simnet_set_link(e->sn, &(struct sk_simnet_link){.delay_min_ms = 20, .delay_max_ms = 20});
	sk_simnet_set_filter(e->sn, filter_watch, e);
	e->stream_delay = 1; /* data segments 1 ms, the connect 20 ms */
	struct stack *a = add_stack(e, "10.0.0.1", 5060, L_TCP, NULL);
	struct stack *b = add_stack(e, "10.0.0.2", 5060, L_TCP, NULL);
	const char *via = "SIP/2.0/TCP 10.0.0.2:5060;rport;branch=z9hG4bK1";
	send_req(b, SK_PROTO_TCP, &a->addr, via, 1, "one");
	send_req(b, SK_PROTO_TCP, &a->addr, via, 2, "two");
	run(e, 19);
	assert_int_equal(a->rec.msgs, 0);
	run(e, 1);
	assert_int_equal(a->rec.requests, 2);
	assert_string_equal(a->rec.seq, "1:one 2:two ");
}

/* ---- 6. garbage and oversize peers --------------------------------------- */

static void test_tcp_garbage_peer(void **state)
{
	struct env *e = *state;
	struct stack *a = add_stack(e, "10.0.0.1", 5060, L_TCP, NULL);
	struct stack *b = add_stack(e, "10.0.0.2", 5060, L_TCP, NULL);
	struct stack *c = add_stack(e, "10.0.0.3", 5060, L_TCP, NULL);
	struct stack *d = add_stack(e, "10.0.0.4", 5060, L_TCP, NULL);
	const char *via = "SIP/2.0/TCP x.example.com;branch=z9hG4bK1";

	send_req(c, SK_PROTO_TCP, &a->addr, via, 1, "c");
	run(e, 5);
	assert_int_equal(a->rec.requests, 1);
	uint64_t c_conn = a->rec.flow.conn;
	struct sk_flow bflow = send_to(b, SK_PROTO_TCP, &a->addr, "x", 0); /* connect only */
	run(e, 5);
	assert_int_equal(sk_tp_stats(a->tp).conns, 2);
	assert_int_equal(e->cap.warns, 0);

	send_c(b, SK_PROTO_TCP, &a->addr, "GARBAGE\r\n\r\n");
	run(e, 5);
	assert_int_equal(a->rec.lost, 1);
	assert_int_equal(a->rec.lost_err[0], -SK_EIO);
	assert_int_not_equal(a->rec.lost_conn[0], c_conn);
	assert_false(sk_tp_conn_open(a->tp, a->rec.lost_conn[0]));
	assert_true(warned(&e->cap, "disconnecting 10.0.0.2:"));
	assert_int_equal(e->cap.warns, 1);
	assert_int_equal(sk_tp_stats(a->tp).rx_bad, 1);
	assert_int_equal(sk_tp_stats(a->tp).conns, 1);
	assert_int_equal(sk_tp_stats(a->tp).conns_closed, 1);
	assert_false(sk_tp_conn_open(b->tp, bflow.conn)); /* B saw its connection go */
	assert_int_equal(sk_tp_stats(b->tp).conns, 0);

	/* the other peer carries on, on its connection */
	send_req(c, SK_PROTO_TCP, &a->addr, via, 2, "c2");
	run(e, 5);
	assert_int_equal(a->rec.requests, 2);
	assert_int_equal(a->rec.flow.conn, c_conn);

	/* a header without its colon where framing needs it: cut off as well */
	send_c(d, SK_PROTO_TCP, &a->addr, "OPTIONS sip:a@b SIP/2.0\r\nContent-Length 0\r\n\r\n");
	run(e, 5);
	assert_int_equal(a->rec.lost, 2);
	assert_int_equal(a->rec.lost_err[1], -SK_EIO);
	assert_true(warned(&e->cap, "disconnecting 10.0.0.4:"));
	assert_int_equal(sk_tp_stats(a->tp).conns, 1);

	/* B connects again and is served */
	send_req(b, SK_PROTO_TCP, &a->addr, via, 3, "b");
	run(e, 5);
	assert_int_equal(a->rec.requests, 3);
	assert_int_not_equal(a->rec.flow.conn, c_conn);
	assert_string_equal(a->rec.seq, "1:c 2:c2 3:b ");

	/* a message that frames but does not parse is dropped, and only it: the stream is
	 * still in step, so the connection stays */
	uint64_t b_conn = a->rec.flow.conn;
	char bad[1024];
	int n = snprintf(bad, sizeof(bad),
	                 "OPTIONS sip:a@b SIP/2.0\r\nVia: %s\r\nNoColonHere\r\n"
	                 "Content-Length: 0\r\n\r\n",
	                 via);
	send_to(b, SK_PROTO_TCP, &a->addr, bad, (size_t)n);
	send_req(b, SK_PROTO_TCP, &a->addr, via, 4, "b2");
	run(e, 5);
	assert_int_equal(sk_tp_stats(a->tp).rx_bad, 3);
	assert_true(warned(&e->cap, "dropped"));
	assert_true(sk_tp_conn_open(a->tp, b_conn));
	assert_int_equal(a->rec.requests, 4);
	assert_int_equal(a->rec.flow.conn, b_conn);
	assert_int_equal(a->rec.lost, 2);
}

static void test_tcp_oversize_peer(void **state)
{
	struct env *e = *state;
	/* only the size: the other limits keep their defaults */
	struct sk_tp_config small = {.limits = {.max_msg_size = 2048}};
	struct stack *a = add_stack(e, "10.0.0.1", 5060, L_TCP, &small);
	struct stack *b = add_stack(e, "10.0.0.2", 5060, L_TCP, NULL);
	struct stack *c = add_stack(e, "10.0.0.3", 5060, L_TCP, NULL);
	const char *via = "SIP/2.0/TCP x.example.com;branch=z9hG4bK1";

	send_req(b, SK_PROTO_TCP, &a->addr, via, 1, "fits");
	send_req(c, SK_PROTO_TCP, &a->addr, via, 2, "fits too");
	run(e, 5);
	assert_int_equal(a->rec.requests, 2);
	assert_int_equal(sk_tp_stats(a->tp).rx_bad, 0);
	uint64_t c_conn = a->rec.flow.conn;

	/* 5000 bytes of one header, in 1000-byte writes, never finished */
	char chunk[1000];
	memset(chunk, 'a', sizeof(chunk));
	const char *head = "OPTIONS sip:a@b SIP/2.0\r\nX-Long: ";
	send_c(b, SK_PROTO_TCP, &a->addr, head);
	for (int i = 0; i < 5; i++) /* all at once: after the cut B would reconnect */
		send_to(b, SK_PROTO_TCP, &a->addr, chunk, sizeof(chunk));
	run(e, 5);
	assert_int_equal(a->rec.lost, 1);
	assert_int_equal(a->rec.lost_err[0], -SK_EIO);
	assert_int_not_equal(a->rec.lost_conn[0], c_conn);
	assert_true(warned(&e->cap, "disconnecting 10.0.0.2:"));
	assert_true(warned(&e->cap, "size limit"));
	assert_int_equal(sk_tp_stats(a->tp).conns, 1);
	assert_int_equal(sk_tp_stats(b->tp).conns, 0);

	/* a Content-Length beyond the limit: cut off at once */
	char big[256];
	int n = snprintf(big, sizeof(big),
	                 "OPTIONS sip:a@b SIP/2.0\r\nVia: %s\r\nContent-Length: 4000\r\n\r\n", via);
	send_to(b, SK_PROTO_TCP, &a->addr, big, (size_t)n);
	run(e, 5);
	assert_int_equal(a->rec.lost, 2);
	assert_int_equal(sk_tp_stats(a->tp).conns, 1);

	/* C was never disturbed */
	send_req(c, SK_PROTO_TCP, &a->addr, via, 3, "still here");
	run(e, 5);
	assert_int_equal(a->rec.requests, 3);
	assert_int_equal(a->rec.flow.conn, c_conn);
	assert_string_equal(a->rec.seq, "1:fits 2:fits too 3:still here ");
}

/* ---- 7. the connection cap ------------------------------------------------ */

static void test_conn_cap(void **state)
{
	struct env *e = *state;
	struct sk_tp_config cap = {.conns.max_in = 2};
	struct stack *a = add_stack(e, "10.0.0.1", 5060, L_UDP | L_TCP, &cap);
	struct stack *b = add_stack(e, "10.0.0.2", 5060, L_TCP, NULL);
	struct stack *c = add_stack(e, "10.0.0.3", 5060, L_TCP, NULL);
	struct stack *d = add_stack(e, "10.0.0.4", 5060, L_TCP, NULL);
	struct stack *x = add_stack(e, "10.0.0.5", 5060, L_TCP, NULL);
	const char *via = "SIP/2.0/TCP x.example.com;branch=z9hG4bK1";

	struct sk_flow bf = send_to(b, SK_PROTO_TCP, &a->addr, "", 0);
	send_req(b, SK_PROTO_TCP, &a->addr, via, 1, "b");
	run(e, 5);
	send_req(c, SK_PROTO_TCP, &a->addr, via, 2, "c");
	run(e, 5);
	send_req(d, SK_PROTO_TCP, &a->addr, via, 3, "d");
	run(e, 5);
	struct sk_tp_stats st = sk_tp_stats(a->tp);
	assert_int_equal(st.conns, 2);
	assert_int_equal(st.conns_opened, 2);
	assert_int_equal(st.conns_refused, 1);
	assert_int_equal(st.refused_in, 1);
	assert_true(warned(&e->cap, "refusing connection from 10.0.0.4:"));
	assert_string_equal(a->rec.seq, "1:b 2:c ");
	assert_int_equal(sk_tp_stats(d->tp).conns, 0); /* D's connection was closed */

	/* the two admitted ones work */
	send_req(b, SK_PROTO_TCP, &a->addr, via, 4, "b");
	send_req(c, SK_PROTO_TCP, &a->addr, via, 5, "c");
	run(e, 5);
	assert_string_equal(a->rec.seq, "1:b 2:c 4:b 5:c ");

	/* an outgoing one does not compete with them: it has a cap of its own */
	struct sk_target tx = {.proto = SK_PROTO_TCP, .addr = x->addr};
	struct sk_flow f;
	char buf[1024];
	size_t len = mk_req(buf, sizeof(buf), "SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK9", 9, "");
	assert_int_equal(sk_tp_flow_for(a->tp, &tx, len, &f), 0);
	assert_int_equal(sk_tp_send(a->tp, &f, buf, len), 0);
	run(e, 5);
	assert_int_equal(x->rec.requests, 1);
	st = sk_tp_stats(a->tp);
	assert_int_equal(st.conns, 3);
	assert_int_equal(st.conns_in, 2);
	assert_int_equal(st.conns_out, 1);
	assert_int_equal(st.conns_refused, 1);

	/* once B leaves, there is room again for D */
	sk_tp_conn_close(b->tp, bf.conn);
	run(e, 5);
	assert_int_equal(sk_tp_stats(a->tp).conns_in, 1);
	send_req(d, SK_PROTO_TCP, &a->addr, via, 10, "d");
	run(e, 5);
	assert_string_equal(a->rec.seq, "1:b 2:c 4:b 5:c 10:d ");
	assert_int_equal(sk_tp_stats(a->tp).conns_in, 2);
	assert_int_equal(a->rec.lost, 0);

	/* the outgoing cap: one here, and the second target is refused at once */
	struct sk_tp_config one = {.conns.max_out = 1};
	struct stack *o = add_stack(e, "10.0.0.6", 5060, L_TCP, &one);
	send_req(o, SK_PROTO_TCP, &a->addr, via, 11, "o");
	assert_int_equal(sk_tp_flow_for(o->tp, &tx, len, &f), 0);
	assert_int_equal(sk_tp_send(o->tp, &f, buf, len), -SK_EFULL);
	assert_int_equal(f.conn, 0);
	st = sk_tp_stats(o->tp);
	assert_int_equal(st.conns_out, 1);
	assert_int_equal(st.refused_out, 1);
	assert_int_equal(st.conns_refused, 1);
	assert_true(warned(&e->cap, "no new connection: 1 outgoing connections open"));
}

/* ---- 8. idle connections --------------------------------------------------- */

static void test_idle_timeout(void **state)
{
	struct env *e = *state;
	struct sk_tp_config idle = {.conns.idle_ms = 1000};
	struct stack *a = add_stack(e, "10.0.0.1", 5060, L_TCP, &idle);
	struct stack *b = add_stack(e, "10.0.0.2", 5060, L_TCP, NULL);
	struct stack *c = add_stack(e, "10.0.0.3", 5060, L_TCP, NULL);
	const char *via = "SIP/2.0/TCP x.example.com;branch=z9hG4bK1";

	/* t = 0: one message each; they arrive at t = 1 */
	send_req(b, SK_PROTO_TCP, &a->addr, via, 1, "b");
	run(e, 1);
	uint64_t b_conn = a->rec.flow.conn;
	send_req(c, SK_PROTO_TCP, &a->addr, via, 2, "c");
	run(e, 1);
	uint64_t c_conn = a->rec.flow.conn;
	assert_int_not_equal(b_conn, c_conn);
	/* t = 2. B says nothing more; C speaks every 500 ms */
	unsigned seq = 3;
	for (int i = 0; i < 6; i++) {
		run(e, 498);
		send_req(c, SK_PROTO_TCP, &a->addr, via, seq++, "c");
		run(e, 2);
		if (i == 0) {
			/* t = 502 */
			assert_true(sk_tp_conn_open(a->tp, b_conn));
		}
		if (i == 1) {
			/* t = 1002: B's went at t = 1001, a second after its last byte */
			assert_false(sk_tp_conn_open(a->tp, b_conn));
			assert_int_equal(sk_tp_stats(a->tp).conns_closed, 1);
		}
		assert_true(sk_tp_conn_open(a->tp, c_conn));
	}
	/* t = 3002 */
	assert_int_equal(a->rec.requests, 8);
	assert_int_equal(a->rec.flow.conn, c_conn);
	assert_non_null(strstr(e->cap.text, "I transport: closing idle connection"));
	struct sk_tp_stats st = sk_tp_stats(a->tp);
	assert_int_equal(st.conns, 1);
	assert_int_equal(st.conns_closed, 1);
	assert_int_equal(sk_tp_stats(b->tp).conns, 0); /* B saw the close */
	assert_int_equal(a->rec.lost, 0);              /* not a failure */
	assert_int_equal(b->rec.lost, 0);

	/* and C's goes too once it falls silent: its last bytes came at t = 3001 */
	run(e, 998);
	assert_true(sk_tp_conn_open(a->tp, c_conn));
	run(e, 1);
	assert_false(sk_tp_conn_open(a->tp, c_conn));
	assert_int_equal(sk_tp_stats(a->tp).conns_closed, 2);
	assert_int_equal(sk_tp_stats(a->tp).conns, 0);
}

/* ---- 9. transport errors -------------------------------------------------- */

static void test_transport_errors(void **state)
{
	struct env *e = *state;
	sk_simnet_set_link(e->sn, &(struct sk_simnet_link){.delay_min_ms = 5, .delay_max_ms = 5});
	struct stack *a = add_stack(e, "10.0.0.1", 5060, L_UDP | L_TCP, NULL);
	struct stack *b = add_stack(e, "10.0.0.2", 5060, L_TCP, NULL);
	char buf[1024];
	size_t len = mk_req(buf, sizeof(buf), "SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK1", 1, "");

	/* nothing listens: the connect goes 5 ms, the refusal 5 ms back */
	struct sk_sa nowhere = sa("10.0.0.9", 5060);
	struct sk_flow f = send_to(a, SK_PROTO_TCP, &nowhere, buf, len);
	assert_int_not_equal(f.conn, 0);
	run(e, 9);
	assert_int_equal(a->rec.lost, 0);
	assert_true(sk_tp_conn_open(a->tp, f.conn));
	run(e, 1);
	assert_int_equal(a->rec.lost, 1);
	assert_int_equal(a->rec.lost_conn[0], f.conn);
	assert_int_equal(a->rec.lost_err[0], -SK_EIO);
	assert_false(sk_tp_conn_open(a->tp, f.conn));
	assert_true(warned(&e->cap, "connection to 10.0.0.9:5060 failed"));
	/* B listens on TCP only, on another port than the one tried */
	struct sk_sa b_other_port = sa("10.0.0.2", 5099);
	f = send_to(a, SK_PROTO_TCP, &b_other_port, buf, len);
	run(e, 10);
	assert_int_equal(a->rec.lost, 2);
	assert_int_equal(a->rec.lost_conn[1], f.conn);

	/* a connection broken under way: both ends hear of it */
	f = send_to(a, SK_PROTO_TCP, &b->addr, buf, len);
	run(e, 10);
	assert_int_equal(b->rec.requests, 1);
	uint64_t at_b = b->rec.flow.conn;
	struct sk_sa b_any = sa("10.0.0.2", 0);
	assert_int_equal(sk_simnet_drop_conns(e->sn, &b_any), 1);
	run(e, 1);
	assert_int_equal(a->rec.lost, 3);
	assert_int_equal(a->rec.lost_conn[2], f.conn);
	assert_int_equal(a->rec.lost_err[2], -SK_EIO);
	assert_int_equal(b->rec.lost, 1);
	assert_int_equal(b->rec.lost_conn[0], at_b);
	assert_int_equal(b->rec.lost_err[0], -SK_EIO);
	assert_false(sk_tp_conn_open(a->tp, f.conn));
	assert_false(sk_tp_conn_open(b->tp, at_b));
	assert_int_equal(sk_simnet_drop_conns(e->sn, &b_any), 0);

	/* broken, and written to before the reset arrives: the send fails, reported once */
	f = send_to(a, SK_PROTO_TCP, &b->addr, buf, len);
	run(e, 10);
	assert_int_equal(b->rec.requests, 2);
	assert_int_equal(sk_simnet_drop_conns(e->sn, &b->addr), 1);
	assert_int_equal(sk_tp_send(a->tp, &f, buf, len), -SK_EIO);
	run(e, 10);
	assert_int_equal(a->rec.lost, 4);
	assert_int_equal(b->rec.lost, 2);

	/* UDP from an address we do not listen on, or without any UDP listener */
	struct sk_flow u = {
	    .proto = SK_PROTO_UDP, .local = sa("10.0.0.1", 5999), .remote = b->addr};
	assert_true(sk_tp_send(a->tp, &u, buf, len) < 0);
	u.local = sa("10.0.0.77", 5060);
	assert_true(sk_tp_send(a->tp, &u, buf, len) < 0);
	u.local = sa("fd00::1", 5060);
	assert_true(sk_tp_send(a->tp, &u, buf, len) < 0);
	u.local = b->addr;
	u.remote = a->addr;
	assert_true(sk_tp_send(b->tp, &u, buf, len) < 0); /* B has no UDP listener */
	u.proto = SK_PROTO_NONE;
	assert_int_equal(sk_tp_send(b->tp, &u, buf, len), -SK_EINVAL);
	/* from the listener itself it goes */
	u = (struct sk_flow){.proto = SK_PROTO_UDP, .local = a->addr, .remote = a->addr};
	uint64_t tx = sk_tp_stats(a->tp).tx_msgs;
	assert_int_equal(sk_tp_send(a->tp, &u, buf, len), 0);
	assert_int_equal(sk_tp_stats(a->tp).tx_msgs, tx + 1);
	run(e, 10);
	assert_int_equal(a->rec.requests, 1); /* to itself */
}

/* ---- 10. UDP loss, duplication, filter ------------------------------------ */

static void test_udp_loss_dup_filter(void **state)
{
	struct env *e = *state;
	struct stack *a = add_stack(e, "10.0.0.1", 5060, L_UDP, NULL);
	struct stack *b = add_stack(e, "10.0.0.2", 5060, L_UDP, NULL);
	const char *via = "SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1";

	sk_simnet_set_link(
	    e->sn, &(struct sk_simnet_link){.delay_min_ms = 1, .delay_max_ms = 1, .loss_pm = 1000});
	for (unsigned i = 1; i <= 5; i++)
		send_req(b, SK_PROTO_UDP, &a->addr, via, i, "");
	run(e, 10);
	assert_int_equal(a->rec.msgs, 0);
	struct sk_simnet_stats ns = sk_simnet_stats(e->sn);
	assert_int_equal(ns.sent, 5);
	assert_int_equal(ns.lost, 5);
	assert_int_equal(ns.delivered, 0);
	assert_int_equal(ns.in_flight, 0);
	assert_int_equal(sk_tp_stats(b->tp).tx_msgs, 5); /* the sender never knows */

	sk_simnet_set_link(
	    e->sn, &(struct sk_simnet_link){.delay_min_ms = 1, .delay_max_ms = 1, .dup_pm = 1000});
	for (unsigned i = 1; i <= 5; i++)
		send_req(b, SK_PROTO_UDP, &a->addr, via, i, "");
	run(e, 10);
	assert_int_equal(a->rec.requests, 10);
	assert_string_equal(a->rec.seq, "1: 2: 3: 4: 5: 1: 2: 3: 4: 5: ");
	ns = sk_simnet_stats(e->sn);
	assert_int_equal(ns.sent, 10);
	assert_int_equal(ns.duplicated, 5);
	assert_int_equal(ns.delivered, 10);

	/* the filter loses exactly the third */
	sk_simnet_set_link(e->sn, &(struct sk_simnet_link){.delay_min_ms = 1, .delay_max_ms = 1});
	sk_simnet_set_filter(e->sn, filter_watch, e);
	e->drop_if = "CSeq: 3 ";
	a->rec.seq[0] = '\0';
	for (unsigned i = 1; i <= 5; i++)
		send_req(b, SK_PROTO_UDP, &a->addr, via, i, "");
	run(e, 10);
	assert_string_equal(a->rec.seq, "1: 2: 4: 5: ");
	ns = sk_simnet_stats(e->sn);
	assert_int_equal(ns.lost, 6);
	assert_int_equal(ns.delivered, 14);
	assert_int_equal(sk_tp_stats(a->tp).rx_bad, 0);

	/* datagrams to a port nobody binds are unreachable, and say nothing */
	struct sk_sa closed = sa("10.0.0.1", 5999);
	send_req(b, SK_PROTO_UDP, &closed, via, 6, "");
	run(e, 10);
	assert_int_equal(sk_simnet_stats(e->sn).unreachable, 1);
	assert_int_equal(b->rec.lost, 0);
}

/* ---- 11. a stranger with many connections (issue: TCP limits) ------------ */

/*
 * Attackers are raw simnet sockets (net.h), one node per source address: they
 * connect and then write what they like, byte by byte, which a transport of
 * ours would never do. The server under attack runs with default settings.
 */
#define ATK_MAX_SRC   128
#define ATK_MAX_CONNS 3200

struct atk_conn {
	struct attackers *at;
	struct sk_net_sock *s;
	bool closed; /* by the server (refused or timed out) */
};

struct attackers {
	struct sk_net *net[ATK_MAX_SRC];
	struct sk_sa src[ATK_MAX_SRC];
	int nsrc;
	struct atk_conn c[ATK_MAX_CONNS];
	size_t n, closed;
};

static void atk_accepted(void *arg, struct sk_net_sock *ls, struct sk_net_sock *cs,
                         const struct sk_sa *peer)
{
	(void)arg, (void)ls, (void)peer;
	cs->net->ops->close(cs);
}

static void atk_gone(struct atk_conn *c)
{
	if (c->closed)
		return;
	c->s->net->ops->close(c->s);
	c->closed = true;
	c->at->closed++;
}

static void atk_connected(void *arg, struct sk_net_sock *s, int err)
{
	(void)arg;
	if (err < 0)
		atk_gone(s->user);
}

static void atk_stream(void *arg, struct sk_net_sock *s, const char *buf, size_t len)
{
	(void)arg, (void)s, (void)buf, (void)len; /* attackers do not read */
}

static void atk_closed(void *arg, struct sk_net_sock *s, int err)
{
	(void)arg, (void)err;
	atk_gone(s->user);
}

static const struct sk_net_up atk_up = {.accepted = atk_accepted,
                                        .connected = atk_connected,
                                        .stream = atk_stream,
                                        .closed = atk_closed};

static struct attackers *atk_new(struct env *e)
{
	struct attackers *at = calloc(1, sizeof(*at));
	assert_non_null(at);
	e->atk = at;
	return at;
}

static void atk_free(struct attackers *at)
{
	for (int i = 0; i < at->nsrc; i++)
		sk_net_free(at->net[i]);
	free(at);
}

/* A source address of its own: a node with one UDP socket there (connections leave from it). */
static int atk_source(struct env *e, struct attackers *at, const char *host)
{
	assert_true(at->nsrc < ATK_MAX_SRC);
	int i = at->nsrc++;
	assert_int_equal(sk_simnet_node(e->sn, &at->net[i]), 0);
	at->net[i]->up = atk_up;
	at->net[i]->up_arg = at;
	at->src[i] = sa(host, 5060);
	struct sk_net_sock *u;
	assert_int_equal(at->net[i]->ops->udp_bind(at->net[i], &at->src[i], &u), 0);
	return i;
}

/* Opens n connections from source src to `to`; returns the index of the first. */
static size_t atk_connect(struct attackers *at, int src, const struct sk_sa *to, size_t n)
{
	size_t first = at->n;
	for (size_t k = 0; k < n; k++) {
		assert_true(at->n < ATK_MAX_CONNS);
		struct atk_conn *c = &at->c[at->n++];
		c->at = at;
		assert_int_equal(at->net[src]->ops->tcp_connect(at->net[src], to, &c->s), 0);
		c->s->user = c;
	}
	return first;
}

static void atk_write(struct atk_conn *c, const char *buf, size_t len)
{
	if (!c->closed)
		assert_int_equal(c->s->net->ops->write(c->s, buf, len), 0);
}

/* Connections the attackers still hold. */
static size_t atk_open(const struct attackers *at)
{
	return at->n - at->closed;
}

/* A answers the request it got last, on the flow the transport gives (§18.2.2). */
static void answer_last(struct stack *a, unsigned cseq)
{
	char buf[1024];
	size_t len = mk_resp(buf, sizeof(buf), a->rec.via_line + 5, cseq);
	struct sk_flow f = a->rec.resp_flow;
	assert_int_equal(a->rec.resp_rc, 0);
	assert_int_equal(sk_tp_send(a->tp, &f, buf, len), 0);
}

/*
 * 2,000 connections that never say anything and 1,000 that drip one byte of a
 * request every 5 s, from 100 addresses (slowloris), against a transport with
 * default limits, while a UDP client and a TCP client that connected first
 * send a request every second and every 5 s. Every legitimate request gets
 * through and is answered; the header timeout (10 s after a message's first
 * byte) and the idle timeout of connections that never completed a message
 * (20 s) close every attacker connection; only the TCP client's remains.
 */
static void test_tcp_flood_slowloris(void **state)
{
	struct env *e = *state;
	struct stack *a = add_stack(e, "10.0.0.1", 5060, L_UDP | L_TCP, NULL);
	struct stack *u = add_stack(e, "10.0.0.2", 5060, L_UDP, NULL);
	struct stack *t = add_stack(e, "10.0.0.3", 5060, L_TCP, NULL);
	struct attackers *at = atk_new(e);
	unsigned cseq = 1;
	int u_sent = 0, t_sent = 0;

	send_req(t, SK_PROTO_TCP, &a->addr, "SIP/2.0/TCP 10.0.0.3:5060;branch=z9hG4bKt0", cseq++,
	         "");
	run(e, 5);
	assert_int_equal(a->rec.requests, 1);
	answer_last(a, 1);
	t_sent++;
	uint64_t t_conn = a->rec.flow.conn;

	/* from each address 30 connections: 20 silent ones, then 10 drippers (k >= 20) */
	for (int s = 0; s < 100; s++) {
		char host[32];
		snprintf(host, sizeof(host), "10.1.0.%d", 1 + s);
		atk_connect(at, atk_source(e, at, host), &a->addr, 30);
	}
#define DRIPPER(i) ((i) % 30 >= 20)
	run(e, 5);
	size_t held_idle = 0, held_drip = 0;
	for (size_t i = 0; i < at->n; i++)
		if (!at->c[i].closed)
			*(DRIPPER(i) ? &held_drip : &held_idle) += 1;
	size_t held_peak = sk_tp_stats(a->tp).conns;
	print_message("held after the flood: %zu silent and %zu dripping of %zu connections "
	              "(+1 legitimate)\n",
	              held_idle, held_drip, at->n);
	/* the inbound cap (2048) is full: the rest were refused at once */
	assert_int_equal(held_peak, 2048);
	assert_int_equal(held_idle + held_drip, 2047);

	static const char drip[] = "OPTIONS sip:a@10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP x;branch=z";
	for (int sec = 0; sec < 40; sec++) {
		struct sk_tp_stats now = sk_tp_stats(a->tp);
		if (sec == 16) {
			/* every dripper's first byte came by t = 5 s: gone 10 s later, bytes
			 * since notwithstanding; the silent ones have 20 s */
			assert_int_equal(now.closed_header, held_drip);
			assert_int_equal(now.closed_idle, 0);
			assert_int_equal(now.conns, 1 + held_idle);
		}
		if (sec == 21)
			assert_int_equal(now.conns, 1);
		/* every dripper writes its next byte once every 5 s */
		for (size_t i = 0; i < at->n; i++)
			if (DRIPPER(i) && (int)(i % 5) == sec % 5)
				atk_write(&at->c[i], &drip[(sec / 5) % (sizeof(drip) - 1)], 1);
		char via[128];
		snprintf(via, sizeof(via), "SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKu%u", cseq);
		int before = a->rec.requests;
		send_req(u, SK_PROTO_UDP, &a->addr, via, cseq, "");
		run(e, 2);
		assert_int_equal(a->rec.requests, before + 1);
		assert_int_equal(a->rec.flow.proto, SK_PROTO_UDP);
		answer_last(a, cseq++);
		u_sent++;
		if (sec % 5 == 0) {
			snprintf(via, sizeof(via), "SIP/2.0/TCP 10.0.0.3:5060;branch=z9hG4bKt%u",
			         cseq);
			send_req(t, SK_PROTO_TCP, &a->addr, via, cseq, "");
			run(e, 2);
			assert_int_equal(a->rec.requests, before + 2);
			assert_int_equal(a->rec.flow.conn, t_conn);
			answer_last(a, cseq++);
			t_sent++;
		}
		run(e, 1000 - (sec % 5 == 0 ? 4 : 2));
	}
	/* t = 40 s: every attacker connection was closed by the server */
	struct sk_tp_stats st = sk_tp_stats(a->tp);
	print_message("held after the timeouts: %zu (attackers %zu)\n", st.conns, atk_open(at));
	assert_int_equal(atk_open(at), 0);
	assert_int_equal(st.conns, 1);
	assert_int_equal(st.sources, 1); /* the TCP client's */
	assert_int_equal(st.closed_header, held_drip);
	assert_int_equal(st.closed_idle, held_idle);
	assert_int_equal(st.refused_in, 3000 - 2047);
	assert_int_equal(st.refused_source, 0);
	assert_true(sk_tp_conn_open(a->tp, t_conn));
	run(e, 5);
	assert_int_equal(u->rec.responses, u_sent);
	assert_int_equal(t->rec.responses, t_sent);
	assert_int_equal(a->rec.lost, 0);
#undef DRIPPER
}

/*
 * One address opens more connections than the per-source cap (default 64):
 * the ones beyond it are closed at once and counted, while another address
 * still connects and is served.
 */
static void test_tcp_per_source_cap(void **state)
{
	struct env *e = *state;
	struct stack *a = add_stack(e, "10.0.0.1", 5060, L_TCP, NULL);
	struct stack *b = add_stack(e, "10.0.0.2", 5060, L_TCP, NULL);
	struct attackers *at = atk_new(e);
	int src = atk_source(e, at, "10.9.9.9");
	atk_connect(at, src, &a->addr, 100);
	run(e, 5);
	struct sk_tp_stats st = sk_tp_stats(a->tp);
	assert_int_equal(st.conns, 64);
	assert_int_equal(atk_open(at), 64);
	assert_int_equal(st.conns_refused, 36);
	assert_int_equal(st.refused_source, 36);
	assert_int_equal(st.sources, 1);
	assert_true(warned(&e->cap, "refusing connection from 10.9.9.9:"));
	assert_true(warned(&e->cap, "64 connections open from that source"));
	/* another source is not held back by the first */
	send_req(b, SK_PROTO_TCP, &a->addr, "SIP/2.0/TCP 10.0.0.2:5060;branch=z9hG4bKb1", 1, "b");
	run(e, 5);
	assert_string_equal(a->rec.seq, "1:b ");
	assert_int_equal(sk_tp_stats(a->tp).conns, 65);
	/* once the source's connections go, it may connect again */
	for (size_t i = 0; i < at->n; i++)
		atk_gone(&at->c[i]);
	run(e, 5);
	assert_int_equal(sk_tp_stats(a->tp).conns, 1);
	assert_int_equal(sk_tp_stats(a->tp).sources, 1); /* B's; 10.9.9.9 is forgotten */
	atk_connect(at, src, &a->addr, 1);
	run(e, 5);
	assert_int_equal(atk_open(at), 1);
	assert_int_equal(sk_tp_stats(a->tp).conns, 2);
}

/*
 * The inbound cap (default 2048) is full of strangers' connections: a request
 * to a new TCP target still gets its own outgoing connection, because
 * outgoing connections have a cap of their own; a new inbound one is refused.
 */
static void test_tcp_inbound_full_outbound_ok(void **state)
{
	struct env *e = *state;
	struct stack *a = add_stack(e, "10.0.0.1", 5060, L_TCP, NULL);
	struct stack *x = add_stack(e, "10.0.0.5", 5060, L_TCP, NULL);
	struct attackers *at = atk_new(e);
	for (int s = 0; s < 40; s++) {
		char host[32];
		snprintf(host, sizeof(host), "10.2.0.%d", 1 + s);
		atk_connect(at, atk_source(e, at, host), &a->addr, 60);
	}
	run(e, 5);
	assert_int_equal(atk_open(at), 2048);
	uint64_t refused = sk_tp_stats(a->tp).conns_refused;
	assert_int_equal(refused, 40 * 60 - 2048);
	assert_int_equal(sk_tp_stats(a->tp).refused_in, refused);

	send_req(a, SK_PROTO_TCP, &x->addr, "SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bKo1", 1, "o");
	run(e, 5);
	assert_string_equal(x->rec.seq, "1:o ");
	assert_int_equal(sk_tp_stats(a->tp).conns, 2049);
	assert_int_equal(sk_tp_stats(a->tp).conns_out, 1);
	assert_int_equal(sk_tp_stats(a->tp).conns_refused, refused);
	/* ... and the response comes back on it */
	answer_last(x, 1);
	run(e, 5);
	assert_int_equal(a->rec.responses, 1);
	assert_int_equal(a->rec.lost, 0);
}

/*
 * A slow but honest client: one request in three segments 2 s apart (4 s from
 * its first byte to its last) is accepted under the default header timeout,
 * and the connection then lives on as an established one.
 */
static void test_tcp_slow_message_ok(void **state)
{
	struct env *e = *state;
	struct stack *a = add_stack(e, "10.0.0.1", 5060, L_TCP, NULL);
	struct attackers *at = atk_new(e);
	int src = atk_source(e, at, "10.0.0.7");
	size_t i = atk_connect(at, src, &a->addr, 1);
	char buf[1024];
	size_t len =
	    mk_req(buf, sizeof(buf), "SIP/2.0/TCP 10.0.0.7:5060;branch=z9hG4bKs1", 1, "slow");
	size_t third = len / 3;
	run(e, 5000); /* silent for 5 s first */
	atk_write(&at->c[i], buf, third);
	run(e, 2000);
	atk_write(&at->c[i], buf + third, third);
	run(e, 2000);
	atk_write(&at->c[i], buf + 2 * third, len - 2 * third);
	run(e, 5);
	assert_string_equal(a->rec.seq, "1:slow ");
	assert_int_equal(atk_open(at), 1);
	assert_int_equal(sk_tp_stats(a->tp).rx_bad, 0);
	/* established: a minute of silence is no reason to close it */
	run(e, 60000);
	assert_int_equal(atk_open(at), 1);
}

/* ---- 12. OS sockets on loopback ------------------------------------------- */

struct os_env {
	struct sk_clock *clock;
	struct sk_loop *loop;
	struct sk_log log;
	struct logcap cap;
	struct stack st[2];
	struct sk_sa udp[2], tcp[2]; /* bound */
};

static void os_free_env(struct os_env *o)
{
	for (int i = 0; i < 2; i++)
		sk_tp_free(o->st[i].tp);
	for (int i = 0; i < 2; i++)
		sk_net_free(o->st[i].net);
	sk_loop_free(o->loop);
	sk_clock_free(o->clock);
	free(o);
}

/* Runs the loop until cond holds, at most 100 passes of 50 ms. */
#define OS_RUN_UNTIL(o, cond)                                                                      \
	do {                                                                                       \
		for (int i_ = 0; i_ < 100 && !(cond); i_++)                                        \
			assert_true(sk_loop_run_once((o)->loop, 50) >= 0);                         \
		assert_true(cond);                                                                 \
	} while (0)

static int os_teardown(void **state)
{
	if (*state)
		os_free_env(*state);
	*state = NULL;
	return 0;
}

/*
 * Two transports on one loop, UDP and TCP on host port 0, kept in *state for
 * os_teardown; NULL when host cannot be bound.
 */
static struct os_env *os_env_new(void **state, const char *host)
{
	struct os_env *o = calloc(1, sizeof(*o));
	assert_non_null(o);
	*state = o;
	assert_int_equal(sk_clock_new_real(&o->clock), 0);
	assert_int_equal(sk_loop_new(&o->loop, o->clock), 0);
	o->log = (struct sk_log){.fn = log_line, .arg = &o->cap, .max = SK_LOG_DEBUG};
	for (int i = 0; i < 2; i++) {
		struct stack *s = &o->st[i];
		assert_int_equal(sk_net_os_new(&s->net, o->loop, &o->log), 0);
		struct sk_tp_config c = {.timers = sk_loop_timers(o->loop),
		                         .net = s->net,
		                         .log = &o->log,
		                         .seed = 500 + (uint64_t)i};
		struct sk_tp_user u = {.recv = rec_recv, .conn_lost = rec_lost, .arg = &s->rec};
		assert_int_equal(sk_tp_new(&s->tp, &c, &u), 0);
		s->rec.tp = s->tp;
		s->addr = sa(host, 0);
		int rc = sk_tp_listen(s->tp, SK_PROTO_UDP, &s->addr, &o->udp[i]);
		if (rc < 0 && strchr(host, ':')) {
			print_message("%s unavailable (%s): IPv6 case skipped\n", host,
			              sk_strerror(rc));
			os_teardown(state);
			return NULL;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(sk_tp_listen(s->tp, SK_PROTO_TCP, &s->addr, &o->tcp[i]), 0);
		assert_int_not_equal(sk_sa_port(&o->udp[i]), 0);
		assert_int_not_equal(sk_sa_port(&o->tcp[i]), 0);
		assert_true(sk_sa_same_host(&o->udp[i], &s->addr));
	}
	return o;
}

/* B (st[1]) sends a request to A (st[0]) over proto with its own Via; A answers on the flow
 * the transport gives for responses; B gets the answer. */
static void os_round_trip(struct os_env *o, enum sk_proto proto, const char *host)
{
	struct stack *a = &o->st[0], *b = &o->st[1];
	struct sk_target t = {.proto = proto,
	                      .addr = proto == SK_PROTO_UDP ? o->udp[0] : o->tcp[0]};
	struct sk_flow f;
	assert_int_equal(sk_tp_flow_for(b->tp, &t, 500, &f), 0);
	assert_int_equal(f.proto, proto);
	char branch[64], via[256], buf[2048];
	size_t blen = sk_tp_branch(b->tp, branch, sizeof(branch));
	size_t vlen;
	assert_int_equal(
	    sk_tp_via(b->tp, &f, (struct sk_str){branch, blen}, via, sizeof(via), &vlen), 0);
	size_t len = mk_req(buf, sizeof(buf), via, 1, "ping");
	int before = a->rec.requests, resp_before = b->rec.responses;
	assert_int_equal(sk_tp_send(b->tp, &f, buf, len), 0);
	OS_RUN_UNTIL(o, a->rec.requests == before + 1);

	struct rec *r = &a->rec;
	assert_int_equal(r->flow.proto, proto);
	assert_string_equal(r->seq + strlen(r->seq) - 7, "1:ping ");
	/* our Via asked for rport: received and rport are the source of the request */
	assert_true(r->has_received);
	assert_string_equal(r->received, host);
	assert_true(r->has_rport);
	char port[16];
	snprintf(port, sizeof(port), "%u", (unsigned)sk_sa_port(&r->flow.remote));
	assert_string_equal(r->rport, port);
	if (proto == SK_PROTO_UDP) {
		assert_true(sk_sa_equal(&r->flow.remote, &o->udp[1]));
		assert_true(sk_sa_equal(&r->flow.local, &o->udp[0]));
	} else {
		assert_int_not_equal(r->flow.conn, 0);
		assert_true(sk_sa_same_host(&r->flow.remote, &o->tcp[1]));
	}
	/* the answer, on the response flow, with the stamped Via */
	assert_int_equal(r->resp_rc, 0);
	struct sk_flow rf = r->resp_flow;
	if (proto == SK_PROTO_UDP) {
		assert_true(sk_sa_equal(&rf.remote, &o->udp[1])); /* received:rport */
	} else {
		/* the request's connection, from B's ephemeral port; failing it, B's sent-by */
		assert_int_equal(rf.conn, r->flow.conn);
		assert_false(sk_sa_equal(&r->flow.remote, &o->tcp[1]));
		assert_true(sk_sa_equal(&rf.remote, &o->tcp[1]));
	}
	len = mk_resp(buf, sizeof(buf), r->via_line + 5, 1);
	assert_int_equal(sk_tp_send(a->tp, &rf, buf, len), 0);
	if (proto == SK_PROTO_TCP)
		assert_int_equal(rf.conn, r->flow.conn); /* on the request's connection */
	OS_RUN_UNTIL(o, b->rec.responses == resp_before + 1);
	assert_int_equal(b->rec.flow.proto, proto);
	if (proto == SK_PROTO_TCP)
		assert_int_equal(b->rec.flow.conn, f.conn);
	assert_int_equal(sk_tp_stats(b->tp).rx_foreign_resp, 0);
	assert_int_equal(sk_tp_stats(a->tp).rx_bad + sk_tp_stats(b->tp).rx_bad, 0);
}

static void test_os_loopback_v4(void **state)
{
	struct os_env *o = os_env_new(state, "127.0.0.1");
	assert_non_null(o);
	os_round_trip(o, SK_PROTO_UDP, "127.0.0.1");
	os_round_trip(o, SK_PROTO_TCP, "127.0.0.1");
	os_round_trip(o, SK_PROTO_TCP, "127.0.0.1"); /* the connection is reused */
	assert_int_equal(sk_tp_stats(o->st[1].tp).conns_opened, 1);
	assert_int_equal(o->st[0].rec.lost + o->st[1].rec.lost, 0);
}

static void test_os_loopback_v6(void **state)
{
	struct os_env *o = os_env_new(state, "::1");
	if (!o)
		return;
	os_round_trip(o, SK_PROTO_UDP, "::1");
	os_round_trip(o, SK_PROTO_TCP, "::1");
	assert_int_equal(o->st[0].rec.lost + o->st[1].rec.lost, 0);
}

/* An address as text, as inet_ntop and "%s:%u" wrote it: "[v6]:port", cut as snprintf cuts. */
/* A host as the OS reads it: sk_sa_from_host's dotted quads agree with inet_pton's. */
static void test_sa_from_host_as_inet_pton(void **state)
{
	(void)state;
	static const char *hosts[] = {"127.0.0.1",  "0.0.0.0",   "255.255.255.255", "10.0.0.1",
	                              "1.2.3.4",    "256.1.1.1", "01.2.3.4",        "1.2.3",
	                              "1.2.3.4.5",  "1..2.3",    "1.2.3.4 ",        " 1.2.3.4",
	                              "1.2.3.04",   "1.2.3.",    ".1.2.3",          "1.2.3.a",
	                              "9999.1.1.1", "0.0.0.00",  "192.168.100.200", "1.2.3.400",
	                              "::1",        "[::1]",     "example.com",     "1.2.3.4a"};
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		struct sk_sa a;
		struct in_addr want;
		int rc = sk_sa_from_host(&a, sk_str_c(hosts[i]), 5060);
		if (inet_pton(AF_INET, hosts[i], &want) == 1) {
			assert_int_equal(rc, 0);
			assert_int_equal(a.u.sa.sa_family, AF_INET);
			assert_int_equal(a.u.in.sin_addr.s_addr, want.s_addr);
			assert_int_equal(ntohs(a.u.in.sin_port), 5060);
		} else {
			assert_true(rc < 0 || a.u.sa.sa_family == AF_INET6);
		}
	}
}

static void test_sa_print(void **state)
{
	(void)state;
	static const struct {
		const char *host;
		uint16_t port;
		const char *want;
	} cases[] = {
	    {"0.0.0.0", 0, "0.0.0.0:0"},
	    {"10.0.0.1", 5060, "10.0.0.1:5060"},
	    {"255.255.255.255", 65535, "255.255.255.255:65535"},
	    {"192.168.100.9", 5, "192.168.100.9:5"},
	    {"fd00::1", 5080, "[fd00::1]:5080"},
	    {"::ffff:10.0.0.1", 5060, "[::ffff:10.0.0.1]:5060"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sk_sa a = sa(cases[i].host, cases[i].port);
		char buf[64], host[64];
		assert_int_equal(sk_sa_print(&a, buf, sizeof(buf)), strlen(cases[i].want));
		assert_string_equal(buf, cases[i].want);
		sk_sa_host(&a, host, sizeof(host));
		assert_non_null(strstr(cases[i].want, host));
	}
	/* exactly room for the text, then one byte short: cut, still a C string */
	struct sk_sa a = sa("255.255.255.255", 65535);
	char fit[22], cut[21];
	assert_int_equal(sk_sa_print(&a, fit, sizeof(fit)), 21);
	assert_string_equal(fit, "255.255.255.255:65535");
	assert_int_equal(sk_sa_print(&a, cut, sizeof(cut)), 20);
	assert_string_equal(cut, "255.255.255.255:6553");
	assert_int_equal(sk_sa_host(&a, cut, 4), 3);
	assert_string_equal(cut, "255");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_stamp_received_rport),
	    T(test_foreign_response_dropped),
	    T(test_response_flow),
	    T(test_flow_for_via_branch),
	    T(test_tcp_framing_split),
	    T(test_tcp_write_while_connecting),
	    T(test_tcp_garbage_peer),
	    T(test_tcp_oversize_peer),
	    T(test_conn_cap),
	    T(test_idle_timeout),
	    T(test_transport_errors),
	    T(test_udp_loss_dup_filter),
	    T(test_tcp_flood_slowloris),
	    T(test_tcp_per_source_cap),
	    T(test_tcp_inbound_full_outbound_ok),
	    T(test_tcp_slow_message_ok),
	    cmocka_unit_test(test_sa_print),
	    cmocka_unit_test(test_sa_from_host_as_inet_pton),
	    cmocka_unit_test_teardown(test_os_loopback_v4, os_teardown),
	    cmocka_unit_test_teardown(test_os_loopback_v6, os_teardown),
	};
#undef T
	return cmocka_run_group_tests_name("transport", tests, NULL, NULL);
}
