/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP over WebSocket in the transport (RFC 7118, src/transport/ws_conn.c), on
 * simnet and a virtual clock; the client is a raw simnet socket that speaks
 * WebSocket with the message layer's framer, as a browser would:
 *  - the upgrade answered 101 with `sip`; a REGISTER in two masked fragments
 *    goes up once, on a WS flow; the response comes back on the connection as
 *    one unmasked text frame; Via transport WS
 *  - a ping is answered with a pong; a close with a close, and the connection
 *    is gone (conn_lost at once: nothing can come back, RFC 7118 §5)
 *  - an unmasked client frame closes with 1002, an absurd length with 1009
 *  - an Origin not in the list: 403; no `sip`: 400; the WebSocket cap: closed
 *  - an idle connection is pinged: a pong keeps it, silence closes it
 *  - no connection is ever opened to a WebSocket client: a flow to one that
 *    has gone does not exist (-SK_EIO)
 */
#include "sk_test.h"

#include "sipkit/transport.h"
#include "sipkit/ws.h"

#include "../../src/transport/net.h"

struct client {
	struct sk_net *net;
	struct sk_net_sock *s;
	bool closed;
	char in[8192];
	size_t in_len;
};

struct env {
	struct sk_clock *clock;
	struct sk_timers *timers;
	struct sk_simnet *sn;
	struct sk_net *net;
	struct sk_tp *tp;
	struct sk_sa addr;
	int msgs, lost;
	struct sk_flow flow;
	char last[2048];
	char received[64]; /* the top Via's received of the last message */
	struct client cl;
};

static void on_recv(void *arg, struct sk_msg *m, const struct sk_flow *flow)
{
	struct env *e = arg;
	struct sk_str raw = sk_msg_raw(m);
	e->msgs++;
	e->flow = *flow;
	snprintf(e->last, sizeof(e->last), "%.*s", (int)raw.len, raw.p);
	const struct sk_via *v = sk_msg_via(m, 0);
	sk_str_cpy(e->received, sizeof(e->received), v ? v->received : SK_STR_NULL);
}

static void on_lost(void *arg, uint64_t conn, int err)
{
	struct env *e = arg;
	(void)conn, (void)err;
	e->lost++;
}

static void cl_connected(void *arg, struct sk_net_sock *s, int err)
{
	(void)arg, (void)s;
	assert_int_equal(err, 0);
}

static void cl_stream(void *arg, struct sk_net_sock *s, const char *buf, size_t len)
{
	struct client *c = arg;
	(void)s;
	assert_true(c->in_len + len <= sizeof(c->in));
	memcpy(c->in + c->in_len, buf, len);
	c->in_len += len;
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

static struct env *env_new(const struct sk_ws_config *ws)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	assert_int_equal(sk_clock_new_virtual(&e->clock, 1000000), 0);
	assert_int_equal(sk_timers_new(&e->timers, e->clock), 0);
	assert_int_equal(sk_simnet_new(&e->sn, e->timers, 7), 0);
	assert_int_equal(sk_simnet_node(e->sn, &e->net), 0);
	struct sk_tp_config c = {.timers = e->timers, .net = e->net, .seed = 5};
	if (ws)
		c.ws = *ws;
	struct sk_tp_user u = {.recv = on_recv, .conn_lost = on_lost, .arg = e};
	assert_int_equal(sk_tp_new(&e->tp, &c, &u), 0);
	assert_int_equal(sk_sa_from_host(&e->addr, SK_STR_LIT("10.0.0.1"), 8080), 0);
	assert_int_equal(sk_tp_listen(e->tp, SK_PROTO_WS, &e->addr, NULL), 0);
	assert_int_equal(sk_simnet_node(e->sn, &e->cl.net), 0);
	e->cl.net->up = cl_up;
	e->cl.net->up_arg = &e->cl;
	return e;
}

static void env_free(struct env *e)
{
	sk_tp_free(e->tp);
	sk_net_free(e->net);
	sk_net_free(e->cl.net);
	sk_simnet_free(e->sn);
	sk_timers_free(e->timers);
	sk_clock_free(e->clock);
	free(e);
}

static void cl_write(struct env *e, const char *buf, size_t len)
{
	if (!e->cl.closed)
		assert_int_equal(e->cl.s->net->ops->write(e->cl.s, buf, len), 0);
	run(e, 5);
}

/* A frame from the client, masked (or not, to misbehave). */
static void cl_frame(struct env *e, uint8_t op, bool fin, const char *p, size_t n, bool masked)
{
	static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
	char *f = malloc(14 + n);
	assert_non_null(f);
	size_t hl = sk_ws_frame_header(f, op, fin, n, masked ? key : NULL);
	memcpy(f + hl, p, n);
	if (masked)
		sk_ws_mask(f + hl, n, key, 0);
	cl_write(e, f, hl + n);
	free(f);
}

/* Connects and sends the upgrade request (origin NULL: none; protocol offered: sip or not). */
static void cl_upgrade(struct env *e, const char *origin, bool sip)
{
	char req[512];
	int n = sk_ws_http_request_write(req, sizeof(req), "10.0.0.1:8080", "/", origin,
	                                 "dGhlIHNhbXBsZSBub25jZQ==");
	assert_true(n > 0);
	if (!sip) {
		char *p = strstr(req, "Sec-WebSocket-Protocol: sip");
		memcpy(p + 24, "xyz", 3);
	}
	struct sk_sa from;
	assert_int_equal(sk_sa_from_host(&from, SK_STR_LIT("10.0.0.9"), 0), 0);
	struct sk_net_sock *u;
	assert_int_equal(e->cl.net->ops->udp_bind(e->cl.net, &from, &u), 0);
	assert_int_equal(e->cl.net->ops->tcp_connect(e->cl.net, &e->addr, &e->cl.s), 0);
	e->cl.s->user = &e->cl;
	run(e, 5);
	cl_write(e, req, (size_t)n);
}

/* The response of the upgrade, taken off the client's input. */
static int cl_status(struct env *e)
{
	struct sk_ws_http_resp resp;
	size_t used;
	const char *why;
	if (sk_ws_http_response_parse(e->cl.in, e->cl.in_len, 8192, &resp, &used, &why) < 0)
		return 0;
	if (resp.status == 101)
		assert_str_view(resp.protocol, "sip");
	memmove(e->cl.in, e->cl.in + used, e->cl.in_len - used);
	e->cl.in_len -= used;
	return resp.status;
}

/* The next frame the server sent: 0 with its event, or -SK_EAGAIN. */
static int cl_next(struct env *e, struct sk_ws_reader *r, struct sk_ws_event *ev)
{
	size_t used;
	int rc = sk_ws_reader_next(r, e->cl.in, e->cl.in_len, &used, ev);
	if (rc == 0) {
		/* the event's data may point into the input: copy before moving it */
		static char keep[4096];
		memcpy(keep, ev->data.p ? ev->data.p : "", ev->data.len);
		ev->data.p = keep;
		memmove(e->cl.in, e->cl.in + used, e->cl.in_len - used);
		e->cl.in_len -= used;
	}
	return rc;
}

static const char reg[] = "REGISTER sip:10.0.0.1 SIP/2.0\r\n"
                          "Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKws1\r\n"
                          "Max-Forwards: 70\r\n"
                          "From: <sip:alice@10.0.0.1>;tag=65bnmj\r\n"
                          "To: <sip:alice@10.0.0.1>\r\n"
                          "Call-ID: aiuy7k9njasd\r\n"
                          "CSeq: 1 REGISTER\r\n"
                          "Contact: <sip:alice@df7jal23ls0d.invalid;transport=ws>\r\n"
                          "\r\n"; /* RFC 7118 §5: no Content-Length needed */

static void test_register_and_answer(void **state)
{
	(void)state;
	struct env *e = env_new(NULL);
	cl_upgrade(e, "http://10.0.0.1", true);
	assert_int_equal(cl_status(e), 101);
	/* two fragments, a ping between them */
	cl_frame(e, SK_WS_TEXT, false, reg, 40, true);
	cl_frame(e, SK_WS_PING, true, "p1", 2, true);
	assert_int_equal(e->msgs, 0);
	cl_frame(e, SK_WS_CONT, true, reg + 40, sizeof(reg) - 1 - 40, true);
	assert_int_equal(e->msgs, 1);
	assert_int_equal(e->flow.proto, SK_PROTO_WS);
	assert_string_equal(e->received, "10.0.0.9"); /* §18.2.1: the Via's host is .invalid */
	struct sk_ws_reader r;
	struct sk_ws_event ev;
	sk_ws_reader_init(&r, SK_WS_CLIENT, NULL);
	assert_int_equal(cl_next(e, &r, &ev), 0);
	assert_int_equal(ev.kind, SK_WS_EV_PONG);
	assert_str_view(ev.data, "p1");
	/* the answer goes back on the connection, one unmasked text frame */
	static const char resp[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct sk_flow f = e->flow;
	assert_int_equal(sk_tp_send(e->tp, &f, resp, sizeof(resp) - 1), 0);
	run(e, 5);
	assert_int_equal(cl_next(e, &r, &ev), 0);
	assert_int_equal(ev.kind, SK_WS_EV_MESSAGE);
	assert_int_equal(ev.opcode, SK_WS_TEXT);
	assert_str_view(ev.data, resp);
	/* our Via on that flow says WS (RFC 7118 §5.2) */
	char via[256];
	size_t vl;
	assert_int_equal(sk_tp_via(e->tp, &f, SK_STR_LIT("z9hG4bKx"), via, sizeof(via), &vl), 0);
	assert_int_equal(strncmp(via, "SIP/2.0/WS 10.0.0.1:8080;", 25), 0);
	struct sk_tp_stats st = sk_tp_stats(e->tp);
	assert_int_equal(st.ws_upgrades, 1);
	assert_int_equal(st.ws_conns, 1);
	/* a close is answered with a close; the connection is gone, its transactions told */
	char cp[32];
	size_t cn = sk_ws_close_payload(cp, sizeof(cp), 1001, "tab closed");
	cl_frame(e, SK_WS_CLOSE, true, cp, cn, true);
	assert_int_equal(cl_next(e, &r, &ev), 0);
	assert_int_equal(ev.kind, SK_WS_EV_CLOSE);
	assert_int_equal(ev.close_code, 1001);
	assert_int_equal(e->lost, 1);
	assert_false(sk_tp_conn_open(e->tp, f.conn));
	assert_int_equal(sk_tp_stats(e->tp).ws_conns, 0);
	/* nothing opens a connection to a WebSocket client */
	struct sk_target t = {.proto = SK_PROTO_WS, .addr = f.remote};
	struct sk_flow nf;
	assert_int_equal(sk_tp_flow_for(e->tp, &t, 100, &nf), -SK_EIO);
	assert_int_equal(sk_tp_send(e->tp, &f, resp, sizeof(resp) - 1), -SK_EIO);
	sk_ws_reader_free(&r);
	env_free(e);
}

static void expect_closed_with(struct env *e, uint16_t code)
{
	struct sk_ws_reader r;
	struct sk_ws_event ev;
	sk_ws_reader_init(&r, SK_WS_CLIENT, NULL);
	assert_int_equal(cl_next(e, &r, &ev), 0);
	assert_int_equal(ev.kind, SK_WS_EV_CLOSE);
	assert_int_equal(ev.close_code, code);
	assert_true(e->cl.closed);
	assert_int_equal(sk_tp_stats(e->tp).ws_conns, 0);
	sk_ws_reader_free(&r);
}

static void test_bad_frames_close(void **state)
{
	(void)state;
	struct env *e = env_new(NULL);
	cl_upgrade(e, NULL, true);
	assert_int_equal(cl_status(e), 101);
	cl_frame(e, SK_WS_TEXT, true, reg, sizeof(reg) - 1, false); /* unmasked */
	assert_int_equal(e->msgs, 0);
	expect_closed_with(e, 1002);
	assert_int_equal(sk_tp_stats(e->tp).ws_bad_frames, 1);
	env_free(e);

	e = env_new(NULL);
	cl_upgrade(e, NULL, true);
	assert_int_equal(cl_status(e), 101);
	/* 2^62 bytes announced: refused from the header, nothing buffered */
	cl_write(e, "\x82\xff\x40\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04", 14);
	expect_closed_with(e, 1009);
	env_free(e);
}

static void test_upgrade_refused(void **state)
{
	(void)state;
	struct sk_ws_config ws = {.origins = "https://phone.example, http://10.0.0.1:8000"};
	struct env *e = env_new(&ws);
	cl_upgrade(e, "http://evil.example", true);
	assert_int_equal(cl_status(e), 403);
	assert_true(e->cl.closed);
	env_free(e);

	e = env_new(&ws);
	cl_upgrade(e, "HTTP://10.0.0.1:8000", true);
	assert_int_equal(cl_status(e), 101);
	env_free(e);

	e = env_new(NULL);
	cl_upgrade(e, NULL, false); /* no sip subprotocol (RFC 7118 §4.1) */
	assert_int_equal(cl_status(e), 400);
	assert_int_equal(sk_tp_stats(e->tp).ws_refused, 1);
	env_free(e);

	/* the WebSocket cap: the second connection is closed at once */
	struct sk_ws_config one = {.max_conns = 1};
	e = env_new(&one);
	cl_upgrade(e, NULL, true);
	assert_int_equal(cl_status(e), 101);
	struct client first = e->cl;
	e->cl = (struct client){.net = first.net};
	cl_upgrade(e, NULL, true);
	assert_true(e->cl.closed);
	assert_int_equal(sk_tp_stats(e->tp).ws_conns, 1);
	assert_int_equal(sk_tp_stats(e->tp).ws_refused, 1);
	env_free(e);
}

static void test_idle_ping(void **state)
{
	(void)state;
	struct env *e = env_new(NULL);
	struct sk_ws_reader r;
	struct sk_ws_event ev;
	sk_ws_reader_init(&r, SK_WS_CLIENT, NULL);
	cl_upgrade(e, NULL, true);
	assert_int_equal(cl_status(e), 101);
	cl_frame(e, SK_WS_TEXT, true, reg, sizeof(reg) - 1, true);
	assert_int_equal(e->msgs, 1);
	/* idle for 120 s: pinged, and the pong keeps the connection */
	for (int round = 0; round < 3; round++) {
		run(e, 120000);
		assert_int_equal(cl_next(e, &r, &ev), 0);
		assert_int_equal(ev.kind, SK_WS_EV_PING);
		cl_frame(e, SK_WS_PONG, true, ev.data.p, ev.data.len, true);
		assert_false(e->cl.closed);
	}
	assert_int_equal(sk_tp_stats(e->tp).ws_pings, 3);
	/* a ping unanswered: closed one idle period later */
	run(e, 120000);
	assert_int_equal(cl_next(e, &r, &ev), 0);
	assert_int_equal(ev.kind, SK_WS_EV_PING);
	assert_false(e->cl.closed);
	run(e, 120000);
	assert_true(e->cl.closed);
	assert_int_equal(sk_tp_stats(e->tp).closed_idle, 1);
	sk_ws_reader_free(&r);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_register_and_answer),
	    cmocka_unit_test(test_bad_frames_close),
	    cmocka_unit_test(test_upgrade_refused),
	    cmocka_unit_test(test_idle_ping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
