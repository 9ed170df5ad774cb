/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Secure WebSocket in the transport (-l wss:, RFC 6455 §3 and §4.1 over TLS,
 * RFC 7118), on simnet and a virtual clock, with a PKI made at run time
 * (pki.h); the client is a raw simnet socket with a TLS session of its own on
 * memory buffers (src/transport/tls.h) that speaks WebSocket with the message
 * layer's framer, as a browser would:
 *  - TLS, then the upgrade answered 101 inside it; a masked REGISTER goes up
 *    on a WSS flow (RFC 7118 §5.2), received stamped; the response comes back
 *    as one unmasked frame inside TLS; our Via on that flow says WSS; a ping
 *    gets its pong; counted in ws_* and wss_*; a close ends the flow at once;
 *    an idle connection pinged inside TLS, kept by a pong, closed without one
 *  - bad input, each bounded and counted: garbage before the handshake and a
 *    plain ws upgrade on the wss port (tls_failed, no upgrade), a handshake
 *    that never ends (closed at handshake_ms of virtual time, the handshake
 *    cap applies), an Origin not allowed (403 inside TLS)
 *  - the WebSocket cap counts ws and wss together
 *  - names and targets: "wss:" listens (port 443 by default), Via token WSS,
 *    URI transport "ws" for both, sips;transport=ws is WSS (RFC 7118 §5.2);
 *    no wss listener without a certificate
 */
#include "sk_test.h"

#include "pki.h"
#include "sipkit/transport.h"
#include "sipkit/ws.h"

#include "../../src/transport/net.h"
#include "../../src/transport/tls.h"

static struct sk_test_pki pki;

static const char *p(const char *name)
{
	static char bufs[16][512];
	static int i;
	i = (i + 1) % 16;
	return sk_test_pki_path(&pki, name, bufs[i], sizeof(bufs[i]));
}

struct client {
	struct sk_net *net;
	struct sk_net_sock *s;
	struct sk_tls_ctx *ctx;
	struct sk_tls_conn *tls; /* NULL: a client that speaks no TLS (plain bytes) */
	bool closed;
	char in[8192]; /* plaintext (or raw bytes without TLS) from the server */
	size_t in_len;
};

struct env {
	struct sk_clock *clock;
	struct sk_timers *timers;
	struct sk_simnet *sn;
	struct sk_net *net;
	struct sk_tp *tp;
	struct sk_sa addr, ws_addr;
	int msgs, lost;
	struct sk_flow flow;
	char received[64];
	struct client cl;
};

static void on_recv(void *arg, struct sk_msg *m, const struct sk_flow *flow)
{
	struct env *e = arg;
	e->msgs++;
	e->flow = *flow;
	const struct sk_via *v = sk_msg_via(m, 0);
	sk_str_cpy(e->received, sizeof(e->received), v ? v->received : SK_STR_NULL);
}

static void on_lost(void *arg, uint64_t conn, int err)
{
	struct env *e = arg;
	(void)conn, (void)err;
	e->lost++;
}

/* Whatever ciphertext the client's session has goes to the socket. */
static void cl_flush(struct client *c)
{
	char buf[16384];
	size_t n;
	while (c->tls && !c->closed && (n = sk_tls_conn_take(c->tls, buf, sizeof(buf))) > 0)
		assert_int_equal(c->s->net->ops->write(c->s, buf, n), 0);
}

static void cl_connected(void *arg, struct sk_net_sock *s, int err)
{
	(void)arg, (void)s;
	assert_int_equal(err, 0);
}

static void cl_keep(struct client *c, const char *buf, size_t len)
{
	assert_true(c->in_len + len <= sizeof(c->in));
	memcpy(c->in + c->in_len, buf, len);
	c->in_len += len;
}

static void cl_stream(void *arg, struct sk_net_sock *s, const char *buf, size_t len)
{
	struct client *c = arg;
	(void)s;
	if (!c->tls) {
		cl_keep(c, buf, len);
		return;
	}
	if (sk_tls_conn_feed(c->tls, buf, len) < 0)
		return; /* the server's alert: our session failed, the close follows */
	char plain[4096];
	size_t got;
	do {
		got = 0;
		if (sk_tls_conn_read(c->tls, plain, sizeof(plain), &got) == 0 && got)
			cl_keep(c, plain, got);
	} while (got);
	cl_flush(c);
}

static void cl_closed(void *arg, struct sk_net_sock *s, int err)
{
	struct client *c = arg;
	(void)err;
	s->net->ops->close(s);
	c->closed = true;
}

static const struct sk_net_up cl_up = {
    .connected = cl_connected, .stream = cl_stream, .closed = cl_closed};

static void run(struct env *e, uint64_t ms)
{
	sk_timers_advance(e->timers, ms);
}

/* A transport listening on wss 10.0.0.1:8443 and ws 10.0.0.1:8080. */
static struct env *env_new(const struct sk_ws_config *ws, const struct sk_tls_config *tls)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	assert_int_equal(sk_clock_new_virtual(&e->clock, 1000000), 0);
	assert_int_equal(sk_timers_new(&e->timers, e->clock), 0);
	assert_int_equal(sk_simnet_new(&e->sn, e->timers, 17), 0);
	/* every stream write cut in two: records and frames arrive in pieces */
	struct sk_simnet_link link = {.delay_min_ms = 1, .delay_max_ms = 2, .split_pm = 1000};
	sk_simnet_set_link(e->sn, &link);
	assert_int_equal(sk_simnet_node(e->sn, &e->net), 0);
	static struct sk_tls_config srv;
	srv = (struct sk_tls_config){
	    .cert_file = p("server.pem"), .key_file = p("server.key"), .ca_file = p("ca.pem")};
	struct sk_tp_config c = {.timers = e->timers, .net = e->net, .seed = 5, .tls = &srv};
	if (tls)
		c.tls = tls;
	if (ws)
		c.ws = *ws;
	struct sk_tp_user u = {.recv = on_recv, .conn_lost = on_lost, .arg = e};
	assert_int_equal(sk_tp_new(&e->tp, &c, &u), 0);
	assert_int_equal(sk_sa_from_host(&e->addr, SK_STR_LIT("10.0.0.1"), 8443), 0);
	assert_int_equal(sk_sa_from_host(&e->ws_addr, SK_STR_LIT("10.0.0.1"), 8080), 0);
	assert_int_equal(sk_tp_listen(e->tp, SK_PROTO_WSS, &e->addr, NULL), 0);
	assert_int_equal(sk_tp_listen(e->tp, SK_PROTO_WS, &e->ws_addr, NULL), 0);
	assert_int_equal(sk_simnet_node(e->sn, &e->cl.net), 0);
	e->cl.net->up = cl_up;
	e->cl.net->up_arg = &e->cl;
	struct sk_sa from;
	assert_int_equal(sk_sa_from_host(&from, SK_STR_LIT("10.0.0.9"), 0), 0);
	struct sk_net_sock *udp;
	assert_int_equal(e->cl.net->ops->udp_bind(e->cl.net, &from, &udp), 0);
	struct sk_tls_config cc = {.ca_file = p("ca.pem")};
	char why[240];
	assert_int_equal(sk_tls_ctx_new(&e->cl.ctx, &cc, false, why, sizeof(why)), 0);
	return e;
}

static void cl_reset(struct env *e)
{
	sk_tls_conn_free(e->cl.tls);
	e->cl = (struct client){.net = e->cl.net, .ctx = e->cl.ctx};
}

static void env_free(struct env *e)
{
	sk_tp_free(e->tp);
	sk_net_free(e->net);
	sk_tls_conn_free(e->cl.tls);
	sk_tls_ctx_free(e->cl.ctx);
	sk_net_free(e->cl.net);
	sk_simnet_free(e->sn);
	sk_timers_free(e->timers);
	sk_clock_free(e->clock);
	free(e);
}

/* Connects to `to`; with tls, the handshake runs (the server's name is sip.test). */
static void cl_connect(struct env *e, const struct sk_sa *to, bool tls)
{
	assert_int_equal(e->cl.net->ops->tcp_connect(e->cl.net, to, &e->cl.s), 0);
	e->cl.s->user = &e->cl;
	if (tls) {
		assert_int_equal(sk_tls_conn_new(&e->cl.tls, e->cl.ctx, "sip.test"), 0);
		cl_flush(&e->cl);
	}
	run(e, 20);
}

/* Plaintext to the server: through the session when there is one, else raw. */
static void cl_write(struct env *e, const char *buf, size_t len)
{
	if (e->cl.closed)
		return;
	if (e->cl.tls) {
		assert_int_equal(sk_tls_conn_write(e->cl.tls, buf, len), 0);
		cl_flush(&e->cl);
	} else {
		assert_int_equal(e->cl.s->net->ops->write(e->cl.s, buf, len), 0);
	}
	run(e, 10);
}

static void cl_frame(struct env *e, uint8_t op, const char *data, size_t n)
{
	static const uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
	char f[2048];
	assert_true(n + 14 <= sizeof(f));
	size_t hl = sk_ws_frame_header(f, op, true, n, key);
	memcpy(f + hl, data, n);
	sk_ws_mask(f + hl, n, key, 0);
	cl_write(e, f, hl + n);
}

static void cl_upgrade(struct env *e, const char *origin)
{
	char req[512];
	int n = sk_ws_http_request_write(req, sizeof(req), "sip.test:8443", "/", origin,
	                                 "dGhlIHNhbXBsZSBub25jZQ==");
	assert_true(n > 0);
	cl_write(e, req, (size_t)n);
}

static int cl_status(struct env *e)
{
	struct sk_ws_http_resp resp;
	size_t used;
	const char *why;
	if (sk_ws_http_response_parse(e->cl.in, e->cl.in_len, 8192, &resp, &used, &why) < 0)
		return 0;
	memmove(e->cl.in, e->cl.in + used, e->cl.in_len - used);
	e->cl.in_len -= used;
	return resp.status;
}

static int cl_next(struct env *e, struct sk_ws_reader *r, struct sk_ws_event *ev)
{
	size_t used;
	int rc = sk_ws_reader_next(r, e->cl.in, e->cl.in_len, &used, ev);
	if (rc == 0) {
		static char keep[4096];
		memcpy(keep, ev->data.p ? ev->data.p : "", ev->data.len);
		ev->data.p = keep;
		memmove(e->cl.in, e->cl.in + used, e->cl.in_len - used);
		e->cl.in_len -= used;
	}
	return rc;
}

static const char reg[] = "REGISTER sips:sip.test SIP/2.0\r\n"
                          "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKwss1\r\n"
                          "Max-Forwards: 70\r\n"
                          "From: <sips:alice@sip.test>;tag=65bnmj\r\n"
                          "To: <sips:alice@sip.test>\r\n"
                          "Call-ID: wss-1\r\n"
                          "CSeq: 1 REGISTER\r\n"
                          "Contact: <sips:alice@df7jal23ls0d.invalid;transport=ws>\r\n"
                          "\r\n";

static void test_register_over_wss(void **state)
{
	(void)state;
	struct env *e = env_new(NULL, NULL);
	cl_connect(e, &e->addr, true);
	assert_int_equal(sk_tls_conn_state(e->cl.tls), SK_TLS_UP);
	cl_upgrade(e, "https://sip.test");
	assert_int_equal(cl_status(e), 101);
	cl_frame(e, SK_WS_TEXT, reg, sizeof(reg) - 1);
	assert_int_equal(e->msgs, 1);
	assert_int_equal(e->flow.proto, SK_PROTO_WSS); /* RFC 7118 §5.2: told apart from WS */
	assert_string_equal(e->received, "10.0.0.9");
	/* the answer on the connection, one unmasked text frame inside TLS */
	static const char resp[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct sk_flow f = e->flow;
	assert_int_equal(sk_tp_send(e->tp, &f, resp, sizeof(resp) - 1), 0);
	run(e, 10);
	struct sk_ws_reader r;
	struct sk_ws_event ev;
	sk_ws_reader_init(&r, SK_WS_CLIENT, NULL);
	assert_int_equal(cl_next(e, &r, &ev), 0);
	assert_int_equal(ev.kind, SK_WS_EV_MESSAGE);
	assert_int_equal(ev.opcode, SK_WS_TEXT);
	assert_str_view(ev.data, resp);
	/* a ping inside TLS gets its pong */
	cl_frame(e, SK_WS_PING, "p2", 2);
	assert_int_equal(cl_next(e, &r, &ev), 0);
	assert_int_equal(ev.kind, SK_WS_EV_PONG);
	/* our Via on that flow says WSS, with the wss listener's sent-by */
	char via[256];
	size_t vl;
	assert_int_equal(sk_tp_via(e->tp, &f, SK_STR_LIT("z9hG4bKx"), via, sizeof(via), &vl), 0);
	assert_int_equal(strncmp(via, "SIP/2.0/WSS 10.0.0.1:8443;", 26), 0);
	/* a target to the client finds its connection, as WSS, never as WS */
	struct sk_target t = {.proto = SK_PROTO_WSS, .addr = f.remote};
	struct sk_flow nf;
	assert_int_equal(sk_tp_flow_for(e->tp, &t, 100, &nf), 0);
	assert_int_equal(nf.conn, f.conn);
	t.proto = SK_PROTO_WS;
	assert_int_equal(sk_tp_flow_for(e->tp, &t, 100, &nf), -SK_EIO);
	enum sk_proto proto;
	struct sk_sa remote;
	assert_int_equal(sk_tp_conn_peer(e->tp, f.conn, &proto, &remote), 0);
	assert_int_equal(proto, SK_PROTO_WSS);
	struct sk_tp_stats st = sk_tp_stats(e->tp);
	assert_int_equal(st.ws_upgrades, 1);
	assert_int_equal(st.wss_upgrades, 1);
	assert_int_equal(st.ws_conns, 1);
	assert_int_equal(st.wss_conns, 1);
	assert_int_equal(st.tls_up, 1);
	/* a close: answered, the connection gone, its transactions told at once */
	char cp[32];
	size_t cn = sk_ws_close_payload(cp, sizeof(cp), 1001, "tab closed");
	cl_frame(e, SK_WS_CLOSE, cp, cn);
	assert_int_equal(cl_next(e, &r, &ev), 0);
	assert_int_equal(ev.kind, SK_WS_EV_CLOSE);
	assert_int_equal(e->lost, 1);
	st = sk_tp_stats(e->tp);
	assert_int_equal(st.ws_conns, 0);
	assert_int_equal(st.wss_conns, 0);
	assert_int_equal(sk_tp_send(e->tp, &f, resp, sizeof(resp) - 1), -SK_EIO);
	sk_ws_reader_free(&r);
	env_free(e);
}

/* An idle wss connection is pinged inside TLS (RFC 6455 §5.5.2): a pong keeps it. */
static void test_idle_ping_over_wss(void **state)
{
	(void)state;
	struct env *e = env_new(NULL, NULL);
	cl_connect(e, &e->addr, true);
	cl_upgrade(e, NULL);
	assert_int_equal(cl_status(e), 101);
	cl_frame(e, SK_WS_TEXT, reg, sizeof(reg) - 1);
	assert_int_equal(e->msgs, 1);
	struct sk_ws_reader r;
	struct sk_ws_event ev;
	sk_ws_reader_init(&r, SK_WS_CLIENT, NULL);
	run(e, 120000);
	assert_int_equal(cl_next(e, &r, &ev), 0);
	assert_int_equal(ev.kind, SK_WS_EV_PING);
	cl_frame(e, SK_WS_PONG, ev.data.p, ev.data.len);
	run(e, 120000);
	assert_int_equal(cl_next(e, &r, &ev), 0);
	assert_int_equal(ev.kind, SK_WS_EV_PING);
	assert_false(e->cl.closed);
	run(e, 120000); /* that one unanswered: closed */
	assert_true(e->cl.closed);
	struct sk_tp_stats st = sk_tp_stats(e->tp);
	assert_int_equal(st.ws_pings, 2);
	assert_int_equal(st.closed_idle, 1);
	assert_int_equal(st.wss_conns, 0);
	sk_ws_reader_free(&r);
	env_free(e);
}

/* Garbage, or a plain ws upgrade, where a ClientHello belongs: cut off, counted. */
static void test_not_tls_on_wss_port(void **state)
{
	(void)state;
	struct env *e = env_new(NULL, NULL);
	cl_connect(e, &e->addr, false);
	cl_write(e, "\x16\x03\x01\xff\xff garbage garbage garbage", 28);
	run(e, 50);
	assert_true(e->cl.closed);
	struct sk_tp_stats st = sk_tp_stats(e->tp);
	assert_int_equal(st.tls_failed, 1);
	assert_int_equal(st.conns, 0);
	assert_int_equal(st.ws_conns, 0);
	assert_int_equal(st.handshakes, 0);

	cl_reset(e);
	cl_connect(e, &e->addr, false);
	cl_upgrade(e, NULL); /* what a ws client sends, on the wss port */
	run(e, 50);
	assert_true(e->cl.closed);
	st = sk_tp_stats(e->tp);
	assert_int_equal(st.tls_failed, 2);
	assert_int_equal(st.ws_upgrades, 0);
	assert_int_equal(e->msgs, 0);
	/* no 101 came back in clear: nothing but (at most) a TLS alert */
	assert_null(memmem(e->cl.in, e->cl.in_len, "HTTP/1.1", 8));
	env_free(e);
}

/* A handshake that never ends holds its place until handshake_ms, within the cap. */
static void test_stalled_handshake(void **state)
{
	(void)state;
	static struct sk_tls_config t;
	t = (struct sk_tls_config){.cert_file = p("server.pem"),
	                           .key_file = p("server.key"),
	                           .ca_file = p("ca.pem"),
	                           .handshake_ms = 3000,
	                           .max_handshakes = 2};
	struct env *e = env_new(NULL, &t);
	struct client first[3];
	for (int i = 0; i < 3; i++) {
		cl_connect(e, &e->addr, false);
		cl_write(e, "\x16\x03\x01", 3); /* a record header, never its body */
		first[i] = e->cl;
		cl_reset(e);
	}
	struct sk_tp_stats st = sk_tp_stats(e->tp);
	assert_int_equal(st.handshakes, 2);
	assert_int_equal(st.refused_handshake, 1);
	assert_true(first[2].closed);
	run(e, 2900);
	assert_int_equal(sk_tp_stats(e->tp).closed_handshake, 0);
	run(e, 200);
	st = sk_tp_stats(e->tp);
	assert_int_equal(st.closed_handshake, 2);
	assert_int_equal(st.handshakes, 0);
	assert_int_equal(st.ws_conns, 0);
	assert_int_equal(st.conns, 0);
	/* an honest client is served again */
	cl_reset(e);
	cl_connect(e, &e->addr, true);
	cl_upgrade(e, NULL);
	assert_int_equal(cl_status(e), 101);
	env_free(e);
}

static void test_origin_and_cap(void **state)
{
	(void)state;
	struct sk_ws_config ws = {.origins = "https://phone.example", .max_conns = 1};
	struct env *e = env_new(&ws, NULL);
	cl_connect(e, &e->addr, true);
	cl_upgrade(e, "https://evil.example");
	assert_int_equal(cl_status(e), 403); /* said inside TLS */
	run(e, 10);
	assert_true(e->cl.closed);
	assert_int_equal(sk_tp_stats(e->tp).ws_refused, 1);

	/* one WebSocket connection at most, ws and wss together: a ws one holds the place */
	cl_reset(e);
	cl_connect(e, &e->ws_addr, false);
	cl_upgrade(e, "https://phone.example");
	assert_int_equal(cl_status(e), 101);
	struct client ws_client = e->cl;
	cl_reset(e);
	cl_connect(e, &e->addr, true);
	assert_true(e->cl.closed);
	struct sk_tp_stats st = sk_tp_stats(e->tp);
	assert_int_equal(st.ws_conns, 1);
	assert_int_equal(st.wss_conns, 0);
	assert_int_equal(st.ws_refused, 2);
	assert_int_equal(st.handshakes, 0);
	(void)ws_client;
	env_free(e);
}

static void test_names_and_targets(void **state)
{
	(void)state;
	struct sk_target t;
	assert_int_equal(sk_target_parse(&t, "wss:127.0.0.1"), 0);
	assert_int_equal(t.proto, SK_PROTO_WSS);
	assert_int_equal(sk_sa_port(&t.addr), 443); /* RFC 6455 §3 */
	assert_int_equal(sk_target_parse(&t, "ws:127.0.0.1:8080"), 0);
	assert_int_equal(t.proto, SK_PROTO_WS);
	assert_string_equal(sk_proto_name(SK_PROTO_WSS), "WSS");
	assert_string_equal(sk_proto_lower(SK_PROTO_WSS), "wss");
	/* RFC 7118 §5.2: one URI transport value for both */
	assert_string_equal(sk_proto_uri_param(SK_PROTO_WSS), ";transport=ws");
	assert_int_equal(sk_proto_from_token(sk_str_c("wss")), SK_PROTO_WSS);
	assert_true(sk_proto_is_stream(SK_PROTO_WSS));
	assert_true(sk_proto_is_ws(SK_PROTO_WSS) && sk_proto_is_ws(SK_PROTO_WS));
	assert_true(sk_proto_is_secure(SK_PROTO_WSS) && sk_proto_is_secure(SK_PROTO_TLS));
	assert_false(sk_proto_is_secure(SK_PROTO_WS));
	assert_int_equal(
	    sk_target_from_uri(&t, sk_str_c("sips:a@127.0.0.1:8443;transport=ws"), SK_PROTO_NONE),
	    0);
	assert_int_equal(t.proto, SK_PROTO_WSS);
	assert_int_equal(
	    sk_target_from_uri(&t, sk_str_c("sip:a@127.0.0.1:8080;transport=ws"), SK_PROTO_NONE),
	    0);
	assert_int_equal(t.proto, SK_PROTO_WS);
	/* no wss listener without a certificate: it could serve nobody */
	struct sk_clock *clock;
	struct sk_timers *timers;
	struct sk_simnet *sn;
	struct sk_net *net;
	struct sk_tp *tp;
	assert_int_equal(sk_clock_new_virtual(&clock, 1000), 0);
	assert_int_equal(sk_timers_new(&timers, clock), 0);
	assert_int_equal(sk_simnet_new(&sn, timers, 3), 0);
	assert_int_equal(sk_simnet_node(sn, &net), 0);
	struct sk_tls_config client_only = {.ca_file = p("ca.pem")};
	struct sk_tp_config c = {.timers = timers, .net = net, .seed = 3, .tls = &client_only};
	assert_int_equal(sk_tp_new(&tp, &c, NULL), 0);
	struct sk_sa a;
	assert_int_equal(sk_sa_from_host(&a, SK_STR_LIT("10.0.0.1"), 8443), 0);
	assert_int_equal(sk_tp_listen(tp, SK_PROTO_WSS, &a, NULL), -SK_EINVAL);
	sk_tp_free(tp);
	sk_net_free(net);
	sk_simnet_free(sn);
	sk_timers_free(timers);
	sk_clock_free(clock);
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
	    cmocka_unit_test(test_register_over_wss),   cmocka_unit_test(test_idle_ping_over_wss),
	    cmocka_unit_test(test_not_tls_on_wss_port), cmocka_unit_test(test_stalled_handshake),
	    cmocka_unit_test(test_origin_and_cap),      cmocka_unit_test(test_names_and_targets),
	};
	return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
