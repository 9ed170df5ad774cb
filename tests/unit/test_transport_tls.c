/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP over TLS in the transport (src/transport/conn_tls.c), on simnet and a
 * virtual clock, with a PKI made at run time (pki.h):
 *  - a request over TLS (Via SIP/2.0/TLS, flow TLS), its response back on
 *    the same connection (§18.2.2, RFC 5630 §3.1.2), every write cut in two
 *  - RFC 5922 §7.2: a server whose certificate does not carry the target's
 *    name refused, what waited on the connection told (conn_lost), nothing
 *    delivered; sips: and ;transport=tls targets (port 5061, the URI's host)
 *  - bounded: a client that never finishes its handshake closed at
 *    handshake_ms of virtual time; handshakes in progress capped; SIP in
 *    clear on the TLS port (garbage instead of a ClientHello) cut off; a TLS
 *    listener without a certificate refusing connections
 */
#include "sk_test.h"

#include "pki.h"
#include "sipkit/transport.h"

static struct sk_test_pki pki;

static const char *p(const char *name)
{
	static char bufs[8][512];
	static int i;
	i = (i + 1) % 8;
	return sk_test_pki_path(&pki, name, bufs[i], sizeof(bufs[i]));
}

struct rec {
	struct sk_tp *tp;
	int requests, responses, lost;
	int lost_err;
	struct sk_flow flow;
	char via[200];
};

static void rec_recv(void *arg, struct sk_msg *m, const struct sk_flow *flow)
{
	struct rec *r = arg;
	r->flow = *flow;
	sk_str_cpy(r->via, sizeof(r->via), sk_msg_via(m, 0)->raw);
	if (!sk_msg_is_request(m)) {
		r->responses++;
		return;
	}
	r->requests++;
	/* answered at once, on the flow the transport chooses (§18.2.2) */
	struct sk_build *b;
	struct sk_str wire;
	struct sk_flow out;
	assert_int_equal(sk_build_response_to(&b, m, 200, NULL, NULL), 0);
	assert_int_equal(sk_build_finish(b, &wire), 0);
	assert_int_equal(sk_tp_response_flow(r->tp, m, flow, &out), 0);
	assert_int_equal(sk_tp_send(r->tp, &out, wire.p, wire.len), 0);
	sk_build_free(b);
}

static void rec_lost(void *arg, uint64_t conn, int err)
{
	struct rec *r = arg;
	(void)conn;
	r->lost++;
	r->lost_err = err;
}

struct node {
	struct sk_net *net;
	struct sk_tp *tp;
	struct sk_sa addr;
	struct rec rec;
};

struct env {
	struct sk_clock *clock;
	struct sk_timers *timers;
	struct sk_simnet *sn;
	struct node n[8];
	int count;
};

static struct sk_sa sa(const char *host, uint16_t port)
{
	struct sk_sa a;
	assert_int_equal(sk_sa_from_host(&a, sk_str_c(host), port), 0);
	return a;
}

static void log_line(void *arg, enum sk_log_level level, const char *line)
{
	(void)arg;
	(void)level;
	if (getenv("SK_TEST_LOG"))
		fprintf(stderr, "log: %s\n", line);
}

static const struct sk_log test_log = {.fn = log_line, .max = SK_LOG_DEBUG};

/* A node at host listening on proto at port; tls: its TLS settings (NULL: none). */
static struct node *add_node(struct env *e, const char *host, uint16_t port, enum sk_proto proto,
                             const struct sk_tls_config *tls)
{
	struct node *nd = &e->n[e->count++];
	nd->addr = sa(host, port);
	assert_int_equal(sk_simnet_node(e->sn, &nd->net), 0);
	struct sk_tp_config c = {.timers = e->timers,
	                         .net = nd->net,
	                         .log = &test_log,
	                         .seed = 50 + (uint64_t)e->count,
	                         .tls = tls};
	struct sk_tp_user u = {.recv = rec_recv, .conn_lost = rec_lost, .arg = &nd->rec};
	assert_int_equal(sk_tp_new(&nd->tp, &c, &u), 0);
	nd->rec.tp = nd->tp;
	assert_int_equal(sk_tp_listen(nd->tp, proto, &nd->addr, NULL), 0);
	return nd;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	assert_int_equal(sk_clock_new_virtual(&e->clock, 1000000), 0);
	assert_int_equal(sk_timers_new(&e->timers, e->clock), 0);
	assert_int_equal(sk_simnet_new(&e->sn, e->timers, 11), 0);
	/* every stream write cut in two: records arrive in pieces */
	struct sk_simnet_link link = {.delay_min_ms = 1, .delay_max_ms = 3, .split_pm = 1000};
	sk_simnet_set_link(e->sn, &link);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	for (int i = 0; i < e->count; i++)
		sk_tp_free(e->n[i].tp);
	for (int i = 0; i < e->count; i++)
		sk_net_free(e->n[i].net);
	sk_simnet_free(e->sn);
	sk_timers_free(e->timers);
	sk_clock_free(e->clock);
	free(e);
	return 0;
}

static void run(struct env *e, uint64_t ms)
{
	sk_timers_advance(e->timers, ms);
}

/* Sends an OPTIONS from `from` to dst with our Via; returns sk_tp_send's result. */
static int send_options(struct node *from, const struct sk_target *dst)
{
	struct sk_flow flow;
	int rc = sk_tp_flow_for(from->tp, dst, 500, &flow);
	if (rc < 0)
		return rc;
	char via[256], branch[64], req[1024];
	size_t vlen;
	size_t blen = sk_tp_branch(from->tp, branch, sizeof(branch));
	assert_int_equal(
	    sk_tp_via(from->tp, &flow, (struct sk_str){branch, blen}, via, sizeof(via), &vlen), 0);
	int n = snprintf(req, sizeof(req),
	                 "OPTIONS sip:bob@sip.test SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\n"
	                 "From: <sip:alice@sip.test>;tag=1\r\nTo: <sip:bob@sip.test>\r\n"
	                 "Call-ID: tls-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
	                 via);
	return sk_tp_send(from->tp, &flow, req, (size_t)n);
}

static const struct sk_tls_config *server_tls(const char *cert, const char *key)
{
	static struct sk_tls_config s;
	s = (struct sk_tls_config){
	    .cert_file = p(cert), .key_file = p(key), .ca_file = p("ca.pem")};
	return &s;
}

static const struct sk_tls_config *client_tls(void)
{
	static struct sk_tls_config c;
	c = (struct sk_tls_config){.ca_file = p("ca.pem")};
	return &c;
}

static void test_request_and_response(void **state)
{
	struct env *e = *state;
	struct node *srv =
	    add_node(e, "127.0.0.1", 5061, SK_PROTO_TLS, server_tls("server.pem", "server.key"));
	struct node *cli = add_node(e, "127.0.0.2", 5061, SK_PROTO_TLS, client_tls());
	struct sk_target dst;
	assert_int_equal(sk_target_from_uri(&dst, sk_str_c("sips:bob@127.0.0.1"), SK_PROTO_NONE),
	                 0);
	assert_int_equal(dst.proto, SK_PROTO_TLS);
	assert_int_equal(sk_sa_port(&dst.addr), 5061);
	assert_string_equal(dst.name, "127.0.0.1");
	assert_int_equal(send_options(cli, &dst), 0);
	run(e, 100);
	assert_int_equal(srv->rec.requests, 1);
	assert_int_equal(srv->rec.flow.proto, SK_PROTO_TLS);
	assert_non_null(strstr(srv->rec.via, "SIP/2.0/TLS 127.0.0.2:5061"));
	assert_int_equal(cli->rec.responses, 1);
	assert_int_equal(cli->rec.flow.proto, SK_PROTO_TLS);
	struct sk_tp_stats s = sk_tp_stats(srv->tp), c = sk_tp_stats(cli->tp);
	assert_int_equal(s.tls_up, 1);
	assert_int_equal(c.tls_up, 1);
	assert_int_equal(s.conns, 1); /* the response went back on the request's connection */
	assert_int_equal(c.conns, 1);
	assert_int_equal(s.handshakes, 0);
	/* a second request reuses the connection: no second handshake */
	assert_int_equal(send_options(cli, &dst), 0);
	run(e, 100);
	assert_int_equal(srv->rec.requests, 2);
	assert_int_equal(sk_tp_stats(cli->tp).tls_up, 1);
	assert_int_equal(sk_tp_stats(cli->tp).conns_opened, 1);
	/* a TCP connection to the same address is not a TLS one (RFC 5630 §3.1.2) */
	struct sk_target tcp = dst;
	tcp.proto = SK_PROTO_TCP;
	struct sk_flow f;
	assert_int_equal(sk_tp_flow_for(cli->tp, &tcp, 100, &f), -SK_ENOTFOUND);
}

static void test_name_mismatch(void **state)
{
	struct env *e = *state;
	struct node *srv =
	    add_node(e, "127.0.0.1", 5061, SK_PROTO_TLS, server_tls("server.pem", "server.key"));
	struct node *cli = add_node(e, "127.0.0.2", 5061, SK_PROTO_TLS, client_tls());
	struct sk_target dst;
	assert_int_equal(
	    sk_target_from_uri(&dst, sk_str_c("sip:bob@127.0.0.1;transport=tls"), SK_PROTO_NONE),
	    0);
	assert_int_equal(dst.proto, SK_PROTO_TLS);
	snprintf(dst.name, sizeof(dst.name), "other.test"); /* as an SRV lookup for it would */
	assert_int_equal(send_options(cli, &dst), 0);
	run(e, 100);
	assert_int_equal(srv->rec.requests, 0);
	assert_int_equal(cli->rec.lost, 1);
	assert_int_equal(cli->rec.lost_err, -SK_EIO);
	assert_int_equal(sk_tp_stats(cli->tp).tls_failed, 1);
	assert_int_equal(sk_tp_stats(cli->tp).conns, 0);
	run(e, 100);
	assert_int_equal(sk_tp_stats(srv->tp).conns, 0); /* the server heard the alert */
	/* an untrusted certificate too */
	struct node *rogue =
	    add_node(e, "127.0.0.3", 5061, SK_PROTO_TLS, server_tls("rogue.pem", "rogue.key"));
	dst.addr = rogue->addr;
	snprintf(dst.name, sizeof(dst.name), "sip.test"); /* its name, but from the rogue CA */
	assert_int_equal(send_options(cli, &dst), 0);
	run(e, 100);
	assert_int_equal(rogue->rec.requests, 0);
	assert_int_equal(cli->rec.lost, 2);
}

/* Opens a silent TCP connection from a to the server (a zero-byte write connects). */
static void open_silent(struct node *a, const struct node *srv)
{
	struct sk_flow f = {.proto = SK_PROTO_TCP, .local = a->addr, .remote = srv->addr};
	assert_int_equal(sk_tp_send(a->tp, &f, "", 0), 0);
}

/* Strangers' raw TCP connections to the TLS port, from transports without TLS. */
static void test_stalled_and_capped(void **state)
{
	struct env *e = *state;
	struct sk_tls_config t = *server_tls("server.pem", "server.key");
	t.handshake_ms = 5000;
	t.max_handshakes = 3;
	struct node *srv = add_node(e, "127.0.0.1", 5061, SK_PROTO_TLS, &t);
	/* five clients that connect and never send a ClientHello: three handshakes wait, two
	 * connections are refused at once */
	for (int i = 0; i < 5; i++) {
		char host[32];
		snprintf(host, sizeof(host), "10.0.1.%d", i + 1);
		open_silent(add_node(e, host, 5060, SK_PROTO_TCP, NULL), srv);
	}
	run(e, 100);
	struct sk_tp_stats s = sk_tp_stats(srv->tp);
	assert_int_equal(s.handshakes, 3);
	assert_int_equal(s.refused_handshake, 2);
	assert_int_equal(s.conns, 3);
	/* each closed at handshake_ms of virtual time, the place freed */
	run(e, 4800);
	assert_int_equal(sk_tp_stats(srv->tp).closed_handshake, 0);
	run(e, 200);
	s = sk_tp_stats(srv->tp);
	assert_int_equal(s.closed_handshake, 3);
	assert_int_equal(s.handshakes, 0);
	assert_int_equal(s.conns, 0);
	/* and an honest client is served again */
	struct node *cli = add_node(e, "127.0.0.2", 5061, SK_PROTO_TLS, client_tls());
	struct sk_target dst = {.proto = SK_PROTO_TLS, .addr = srv->addr};
	assert_int_equal(send_options(cli, &dst), 0);
	run(e, 100);
	assert_int_equal(srv->rec.requests, 1);
	assert_int_equal(cli->rec.responses, 1);
}

/* SIP in clear on the TLS port: not a ClientHello, cut off at once. */
static void test_clear_text_on_tls_port(void **state)
{
	struct env *e = *state;
	struct node *srv =
	    add_node(e, "127.0.0.1", 5061, SK_PROTO_TLS, server_tls("server.pem", "server.key"));
	struct node *cli = add_node(e, "127.0.0.2", 5060, SK_PROTO_TCP, NULL);
	struct sk_target dst = {.proto = SK_PROTO_TCP, .addr = srv->addr};
	assert_int_equal(send_options(cli, &dst), 0);
	run(e, 100);
	assert_int_equal(srv->rec.requests, 0);
	struct sk_tp_stats s = sk_tp_stats(srv->tp);
	assert_int_equal(s.tls_failed, 1);
	assert_int_equal(s.conns, 0);
	assert_int_equal(s.handshakes, 0);
	assert_int_equal(cli->rec.responses, 0);
}

static void test_no_certificate(void **state)
{
	struct env *e = *state;
	/* a TLS listener of a client-only transport: its Vias' sent-by, no connections */
	struct node *srv = add_node(e, "127.0.0.1", 5061, SK_PROTO_TLS, client_tls());
	struct node *cli = add_node(e, "127.0.0.2", 5061, SK_PROTO_TLS, client_tls());
	struct sk_target dst = {.proto = SK_PROTO_TLS, .addr = srv->addr};
	assert_int_equal(send_options(cli, &dst), 0);
	run(e, 100);
	assert_int_equal(srv->rec.requests, 0);
	assert_int_equal(sk_tp_stats(srv->tp).refused_in, 1);
	assert_int_equal(cli->rec.lost, 1);
	/* a transport with no TLS at all cannot listen on it */
	struct sk_net *net;
	struct sk_tp *tp;
	assert_int_equal(sk_simnet_node(e->sn, &net), 0);
	struct sk_tp_config c = {.timers = e->timers, .net = net, .seed = 9};
	assert_int_equal(sk_tp_new(&tp, &c, NULL), 0);
	struct sk_sa a = sa("127.0.0.9", 5061);
	assert_int_equal(sk_tp_listen(tp, SK_PROTO_TLS, &a, NULL), -SK_EINVAL);
	sk_tp_free(tp);
	sk_net_free(net);
	/* bad files: the transport is not made */
	struct sk_tls_config bad = {.cert_file = "/nonexistent.pem"};
	assert_int_equal(sk_simnet_node(e->sn, &net), 0);
	c = (struct sk_tp_config){.timers = e->timers, .net = net, .seed = 9, .tls = &bad};
	assert_int_equal(sk_tp_new(&tp, &c, NULL), -SK_EINVAL);
	sk_net_free(net);
}

static void test_targets(void **state)
{
	(void)state;
	struct sk_target t;
	assert_int_equal(sk_target_parse(&t, "tls:127.0.0.1"), 0);
	assert_int_equal(t.proto, SK_PROTO_TLS);
	assert_int_equal(sk_sa_port(&t.addr), 5061);
	assert_int_equal(
	    sk_target_from_uri(&t, sk_str_c("sips:a@[::1]:5071;transport=tcp"), SK_PROTO_UDP), 0);
	assert_int_equal(t.proto, SK_PROTO_TLS);
	assert_int_equal(sk_sa_port(&t.addr), 5071);
	assert_string_equal(t.name, "[::1]");
	assert_int_equal(
	    sk_target_from_uri(&t, sk_str_c("sips:a@127.0.0.1;transport=udp"), SK_PROTO_NONE),
	    -SK_EINVAL);
	assert_string_equal(sk_proto_name(SK_PROTO_TLS), "TLS");
	assert_int_equal(sk_proto_from_token(sk_str_c("tls")), SK_PROTO_TLS);
	assert_true(sk_proto_is_stream(SK_PROTO_TLS));
}

static int pki_setup(void **state)
{
	(void)state;
	return sk_test_pki_make(&pki);
}

static int pki_teardown(void **state)
{
	(void)state;
	sk_test_pki_remove(&pki);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_request_and_response, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_name_mismatch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stalled_and_capped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clear_text_on_tls_port, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_certificate, setup, teardown),
	    cmocka_unit_test(test_targets),
	};
	return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
