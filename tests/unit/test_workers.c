/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Workers (src/proxy/workers.c, docs/workers.md): who handles what, and the
 * hand-off between them. Cases:
 *  - the rule: every request of a call (INVITE, CANCEL, ACK, BYE) belongs to
 *    the worker hash(Call-ID) mod N, whichever worker received it and on
 *    which UDP address; a response on a worker's private port is its own, on
 *    a shared address the Call-ID's owner's; a stream stays where it is;
 *    Call-IDs spread over every worker
 *  - on loopback, two transports on one SO_REUSEPORT address: 64 requests
 *    from 64 source ports each handled once, by its owner, whichever socket
 *    the kernel chose (some handed over)
 *  - the owner's queue full: the receiving worker answers 503 with
 *    Retry-After (RFC 3261 §21.5.4), counted; the queue then delivers in order
 *  - the owner stopped: 503 for its requests, its ACKs dropped (never
 *    answered, §17), counted; the other worker's requests still served
 *  - a response goes to the worker its branch names (every worker's branches
 *    carry its index): on a connection and on a shared address, not on a
 *    private port; a request on a connection stays where it is
 *  - sends across on loopback: a TCP client accepted by one worker R; the
 *    other, O, finds R's connection by the client's address, and its send
 *    goes through R's queue to the client (sent_across); the client's
 *    response with O's branch, arriving on R's connection, is handed to O; a
 *    send while R's queue is full fails (sent_across_refused); one queued
 *    while R closes the connection is counted (sent_across_gone), and O
 *    knows the connection is gone at once; a client that resets its
 *    connection after O sent on it: O hears of it (its transactions on it
 *    fail at once, as R's do)
 *  - the shared in-memory location store: a binding put through one handle
 *    is found through another; the store goes with the last handle (ASan)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sk_test.h"

#include "sipkit/proxy.h"

static struct sk_msg *parse(const char *text)
{
	struct sk_msg *m;
	struct sk_parse_err err = {0};
	assert_int_equal(sk_msg_new(&m, NULL), 0);
	assert_int_equal(sk_msg_parse(m, text, strlen(text), &err), 0);
	return m;
}

static char *request(char *buf, size_t size, const char *method, const char *call_id)
{
	static unsigned branch; /* a new transaction each time */
	snprintf(buf, size,
	         "%s sip:bob@127.0.0.1 SIP/2.0\r\n"
	         "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-%u-%s;rport\r\n"
	         "Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\n"
	         "Call-ID: %s\r\nCSeq: 1 %s\r\nContent-Length: 0\r\n\r\n",
	         method, ++branch, method, call_id, method);
	return buf;
}

static struct sk_sa addr(const char *text)
{
	struct sk_sa a;
	assert_int_equal(sk_sa_parse(&a, sk_str_c(text), 5060), 0);
	return a;
}

static void test_owner_rule(void **state)
{
	(void)state;
	struct sk_workers *ws;
	struct sk_hash_key key = {1, 2};
	struct sk_workers_config cfg = {.n = 4, .key = &key};
	assert_int_equal(sk_workers_new(&ws, &cfg), 0);
	struct sk_sa shared = addr("127.0.0.1:5060"), priv = addr("127.0.0.1:40000");
	assert_int_equal(sk_workers_share(ws, &shared), 0);
	unsigned seen[4] = {0};
	char buf[600], id[32];
	for (int i = 0; i < 400; i++) {
		snprintf(id, sizeof(id), "call-%d@host", i);
		unsigned owner = sk_workers_owner_of(ws, sk_str_c(id));
		assert_true(owner < 4);
		seen[owner]++;
		const char *methods[] = {"INVITE", "CANCEL", "ACK", "BYE"};
		for (int k = 0; k < 4; k++) {
			struct sk_msg *m = parse(request(buf, sizeof(buf), methods[k], id));
			for (unsigned self = 0; self < 4; self++) {
				struct sk_flow on_shared = {
				    .proto = SK_PROTO_UDP, .local = shared, .remote = priv};
				struct sk_flow on_private = on_shared;
				on_private.local = priv;
				struct sk_flow on_tcp = on_shared;
				on_tcp.proto = SK_PROTO_TCP;
				assert_int_equal(sk_workers_owner(ws, m, &on_shared, self), owner);
				assert_int_equal(sk_workers_owner(ws, m, &on_private, self), owner);
				assert_int_equal(sk_workers_owner(ws, m, &on_tcp, self), self);
			}
			sk_msg_free(m);
		}
		snprintf(
		    buf, sizeof(buf),
		    "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKx\r\n"
		    "From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>;tag=2\r\n"
		    "Call-ID: %s\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		    id);
		struct sk_msg *r = parse(buf);
		struct sk_flow on_private = {
		    .proto = SK_PROTO_UDP, .local = priv, .remote = shared};
		struct sk_flow on_shared = on_private;
		on_shared.local = shared;
		struct sk_flow on_ws = on_shared;
		on_ws.proto = SK_PROTO_WS;
		for (unsigned self = 0; self < 4; self++) {
			assert_int_equal(sk_workers_owner(ws, r, &on_private, self), self);
			assert_int_equal(sk_workers_owner(ws, r, &on_shared, self), owner);
			assert_int_equal(sk_workers_owner(ws, r, &on_ws, self), self);
		}
		sk_msg_free(r);
		/* the branch of worker 2: its response, wherever it comes, but on a private
		 * port (that port's worker sent it) */
		char *b = strstr(buf, "z9hG4bKx");
		memmove(b + 10, b + 8, strlen(b + 8) + 1);
		memcpy(b, "z9hG4bKw02", 10);
		r = parse(buf);
		for (unsigned self = 0; self < 4; self++) {
			assert_int_equal(sk_workers_owner(ws, r, &on_private, self), self);
			assert_int_equal(sk_workers_owner(ws, r, &on_shared, self), 2);
			assert_int_equal(sk_workers_owner(ws, r, &on_ws, self), 2);
		}
		sk_msg_free(r);
	}
	for (int k = 0; k < 4; k++) /* 100 expected each */
		assert_true(seen[k] > 60);
	sk_workers_free(ws);
}

/* ---- two transports on one loopback address ------------------------------------ */

struct wk {
	struct sk_loop *loop;
	struct sk_net *net;
	struct sk_tp *tp;
	struct sk_sa priv;
	int got;
	char last_call_id[64];
	struct sk_sa last_local; /* where it came, as the worker handling it sees it */
	int lost;                /* connections lost (conn_lost) */
	uint64_t lost_conn;
};

struct rig {
	struct sk_clock *clock;
	struct sk_workers *ws;
	struct wk w[2];
	struct sk_sa shared;
};

static void on_recv(void *arg, struct sk_msg *m, const struct sk_flow *flow)
{
	struct wk *w = arg;
	struct sk_str id = sk_msg_call_id(m);
	w->got++;
	w->last_local = flow->local;
	snprintf(w->last_call_id, sizeof(w->last_call_id), "%.*s", (int)id.len, id.p);
}

static void on_lost(void *arg, uint64_t conn, int err)
{
	struct wk *w = arg;
	(void)err;
	w->lost++;
	w->lost_conn = conn;
}

static void rig_up(struct rig *r, size_t queue_max)
{
	memset(r, 0, sizeof(*r));
	struct sk_workers_config cfg = {.n = 2, .queue_max = queue_max};
	assert_int_equal(sk_clock_new_real(&r->clock), 0);
	assert_int_equal(sk_workers_new(&r->ws, &cfg), 0);
	for (int i = 0; i < 2; i++) {
		struct wk *w = &r->w[i];
		assert_int_equal(sk_loop_new(&w->loop, r->clock), 0);
		assert_int_equal(sk_net_os_new(&w->net, w->loop, NULL), 0);
		struct sk_tp_config tc = {.timers = sk_loop_timers(w->loop), .net = w->net};
		struct sk_tp_user u = {.recv = on_recv, .conn_lost = on_lost, .arg = w};
		assert_int_equal(sk_tp_new(&w->tp, &tc, &u), 0);
		struct sk_sa any = addr("127.0.0.1:0");
		assert_int_equal(sk_tp_listen(w->tp, SK_PROTO_UDP, &any, &w->priv), 0);
		sk_net_os_set_reuseport(w->net, true);
		assert_int_equal(
		    sk_tp_listen(w->tp, SK_PROTO_UDP, i ? &r->shared : &any, i ? NULL : &r->shared),
		    0);
		assert_int_equal(sk_workers_attach(r->ws, (unsigned)i, w->tp, w->loop), 0);
	}
	assert_int_equal(sk_workers_share(r->ws, &r->shared), 0);
}

static void wk_free(struct wk *w)
{
	sk_tp_free(w->tp);
	sk_net_free(w->net);
	sk_loop_free(w->loop);
	w->tp = NULL;
	w->net = NULL;
	w->loop = NULL;
}

static void rig_down(struct rig *r)
{
	for (unsigned i = 0; i < 2; i++) {
		if (r->w[i].loop)
			sk_workers_stop(r->ws, i);
		if (r->w[i].loop)
			wk_free(&r->w[i]);
	}
	sk_workers_free(r->ws);
	sk_clock_free(r->clock);
}

/* Runs the loops of the workers in mask until cond holds (bounded: 2 s of waiting). */
#define PUMP(r, mask, cond)                                                                        \
	do {                                                                                       \
		for (int spin_ = 0; spin_ < 2000 && !(cond); spin_++)                              \
			for (int i_ = 0; i_ < 2; i_++)                                             \
				if (((mask) >> i_) & 1)                                            \
					sk_loop_run_once((r)->w[i_].loop, 1);                      \
	} while (0)

static int client(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sk_sa any = addr("127.0.0.1:0");
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, &any.u.sa, sk_sa_len(&any)), 0);
	struct timeval tv = {.tv_usec = 200000}; /* what the test waits for is already sent */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void send_to(int fd, const struct sk_sa *to, const char *text)
{
	assert_int_equal(sendto(fd, text, strlen(text), 0, &to->u.sa, sk_sa_len(to)),
	                 (ssize_t)strlen(text));
}

/* A Call-ID owned by worker k, the n-th such. */
static void id_of(struct rig *r, unsigned k, int n, char *id, size_t size)
{
	for (int i = 0, found = 0;; i++) {
		snprintf(id, size, "id-%d-%u@test", i, k);
		if (sk_workers_owner_of(r->ws, sk_str_c(id)) == k && found++ == n)
			return;
	}
}

static void test_handoff_loopback(void **state)
{
	(void)state;
	struct rig r;
	char buf[600], id[32];
	rig_up(&r, 0);
	int expect[2] = {0, 0};
	for (int i = 0; i < 64; i++) {
		int fd = client(); /* a source port of its own: the kernel picks a socket */
		snprintf(id, sizeof(id), "spread-%d@test", i);
		unsigned owner = sk_workers_owner_of(r.ws, sk_str_c(id));
		expect[owner]++;
		send_to(fd, &r.shared, request(buf, sizeof(buf), "OPTIONS", id));
		PUMP(&r, 3, r.w[owner].got == expect[owner]);
		assert_int_equal(r.w[owner].got, expect[owner]);
		assert_string_equal(r.w[owner].last_call_id, id);
		close(fd);
	}
	/* a request on a worker's private port goes to its owner too, which sees it on the
	 * shared address (it has no socket on the other's port to answer from) */
	for (unsigned k = 0; k < 2; k++) {
		int fd = client();
		id_of(&r, 1 - k, 7, id, sizeof(id));
		expect[1 - k]++;
		send_to(fd, &r.w[k].priv, request(buf, sizeof(buf), "OPTIONS", id));
		PUMP(&r, 3, r.w[1 - k].got == expect[1 - k]);
		assert_int_equal(r.w[1 - k].got, expect[1 - k]);
		assert_true(sk_sa_equal(&r.w[1 - k].last_local, &r.shared));
		close(fd);
	}
	PUMP(&r, 3, false); /* nothing else arrives anywhere */
	assert_int_equal(r.w[0].got, expect[0]);
	assert_int_equal(r.w[1].got, expect[1]);
	struct sk_workers_stats s0 = sk_workers_stats(r.ws, 0), s1 = sk_workers_stats(r.ws, 1);
	assert_int_equal(s0.handed_out, s1.handed_in);
	assert_int_equal(s1.handed_out, s0.handed_in);
	assert_true(s0.handed_out + s1.handed_out > 0); /* 64 sources: some on the other socket */
	assert_int_equal(s0.refused_503 + s1.refused_503, 0);
	rig_down(&r);
}

static void test_queue_full_503(void **state)
{
	(void)state;
	struct rig r;
	char buf[600], id[32], in[1500];
	rig_up(&r, 2);
	int fd = client(); /* one source: one socket of the kernel's choice, R */
	id_of(&r, 0, 0, id, sizeof(id));
	send_to(fd, &r.shared, request(buf, sizeof(buf), "OPTIONS", id));
	PUMP(&r, 3, r.w[0].got == 1);
	assert_int_equal(r.w[0].got, 1);
	unsigned R = sk_workers_stats(r.ws, 1).handed_out ? 1 : 0, O = 1 - R;
	/* four requests for O while only R runs: two wait in O's queue, two get 503 */
	for (int n = 0; n < 4; n++) {
		id_of(&r, O, n, id, sizeof(id));
		send_to(fd, &r.shared, request(buf, sizeof(buf), "OPTIONS", id));
	}
	PUMP(&r, 1u << R, sk_workers_stats(r.ws, R).refused_503 == 2);
	assert_int_equal(sk_workers_stats(r.ws, R).refused_503, 2);
	assert_int_equal(sk_workers_stats(r.ws, O).queued, 2);
	for (int n = 0; n < 2; n++) {
		ssize_t got = recv(fd, in, sizeof(in) - 1, 0);
		assert_true(got > 0);
		in[got] = '\0';
		assert_non_null(strstr(in, "SIP/2.0 503 "));
		assert_non_null(strstr(in, "Retry-After: 5\r\n"));
	}
	int before = r.w[O].got;
	PUMP(&r, 3, r.w[O].got == before + 2);
	assert_int_equal(r.w[O].got, before + 2);
	id_of(&r, O, 1, id, sizeof(id)); /* the queue keeps the order */
	assert_string_equal(r.w[O].last_call_id, id);
	close(fd);
	rig_down(&r);
}

static void test_stopped_owner(void **state)
{
	(void)state;
	struct rig r;
	char buf[600], id[32], in[1500];
	rig_up(&r, 0);
	sk_workers_stop(r.ws, 1); /* worker 1 ends: its sockets close, the kernel sends to 0 */
	wk_free(&r.w[1]);
	assert_true(sk_workers_stats(r.ws, 1).stopped);
	assert_int_equal(sk_workers_call(r.ws, 1, NULL, NULL), -SK_EINVAL);
	int fd = client();
	id_of(&r, 1, 0, id, sizeof(id));
	send_to(fd, &r.shared, request(buf, sizeof(buf), "INVITE", id));
	PUMP(&r, 1, sk_workers_stats(r.ws, 0).refused_503 == 1);
	ssize_t got = recv(fd, in, sizeof(in) - 1, 0);
	assert_true(got > 0);
	in[got] = '\0';
	assert_non_null(strstr(in, "SIP/2.0 503 "));
	send_to(fd, &r.shared, request(buf, sizeof(buf), "ACK", id)); /* never answered */
	PUMP(&r, 1, sk_workers_stats(r.ws, 0).dropped == 1);
	assert_int_equal(sk_workers_stats(r.ws, 0).dropped, 1);
	id_of(&r, 0, 0, id, sizeof(id)); /* worker 0's own calls go on */
	send_to(fd, &r.shared, request(buf, sizeof(buf), "INVITE", id));
	PUMP(&r, 1, r.w[0].got == 1);
	assert_int_equal(r.w[0].got, 1);
	assert_true(recv(fd, in, sizeof(in), MSG_DONTWAIT) < 0); /* no answer to the ACK */
	close(fd);
	rig_down(&r);
}

static void call_fn(void *arg)
{
	(*(int *)arg)++;
}

static void test_calls_run_in_order(void **state)
{
	(void)state;
	struct rig r;
	int ran = 0;
	rig_up(&r, 1);
	/* operators' calls are not bounded by queue_max, and a stop runs those left */
	for (int i = 0; i < 3; i++)
		assert_int_equal(sk_workers_call(r.ws, 1, call_fn, &ran), 0);
	assert_int_equal(sk_workers_stats(r.ws, 1).queued, 0);
	PUMP(&r, 2, ran == 3);
	assert_int_equal(ran, 3);
	assert_int_equal(sk_workers_call(r.ws, 0, call_fn, &ran), 0);
	sk_workers_stop(r.ws, 0);
	assert_int_equal(ran, 4);
	assert_int_equal(sk_workers_call(r.ws, 0, call_fn, &ran), -SK_ESTATE);
	rig_down(&r);
}

/* A TCP client of the shared TCP address: connected, its first request sent. */
static int tcp_client(const struct sk_sa *to, const char *text)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, &to->u.sa, sk_sa_len(to)), 0);
	struct timeval tv = {.tv_usec = 500000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	return fd;
}

static void test_send_across(void **state)
{
	(void)state;
	struct rig r;
	char buf[600], in[1500];
	struct sk_sa tcp = addr("127.0.0.1:0");
	rig_up(&r, 1);
	assert_int_equal(sk_tp_listen(r.w[0].tp, SK_PROTO_TCP, &tcp, &tcp), 0);
	assert_int_equal(sk_tp_listen(r.w[1].tp, SK_PROTO_TCP, &tcp, NULL), 0);
	int fd = tcp_client(&tcp, request(buf, sizeof(buf), "REGISTER", "reg@test"));
	struct sk_sa mine;
	socklen_t ml = sizeof(mine.u);
	assert_int_equal(getsockname(fd, &mine.u.sa, &ml), 0);
	PUMP(&r, 3, r.w[0].got + r.w[1].got == 1); /* a request on a connection: kept */
	assert_int_equal(r.w[0].got + r.w[1].got, 1);
	unsigned R = r.w[1].got ? 1 : 0, O = 1 - R;
	/* O reaches the client over R's connection, through R's queue */
	struct sk_target t = {.proto = SK_PROTO_TCP, .addr = mine};
	struct sk_flow f;
	assert_int_equal(sk_tp_flow_for(r.w[O].tp, &t, 100, &f), 0);
	assert_int_equal(sk_tp_conn_owner(f.conn), R);
	char br[64];
	size_t bl = sk_tp_branch(r.w[O].tp, br, sizeof(br));
	snprintf(buf, sizeof(buf),
	         "OPTIONS sip:c@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:%u;branch=%.*s\r\n"
	         "Max-Forwards: 70\r\nFrom: <sip:o@test>;tag=1\r\nTo: <sip:c@test>\r\n"
	         "Call-ID: across@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
	         (unsigned)sk_sa_port(&tcp), (int)bl, br);
	assert_int_equal(sk_tp_send(r.w[O].tp, &f, buf, strlen(buf)), 0);
	assert_int_equal(sk_workers_stats(r.ws, O).sent_across, 1);
	/* R's queue holds one: the next send fails at once */
	assert_int_equal(sk_tp_send(r.w[O].tp, &f, buf, strlen(buf)), -SK_EFULL);
	assert_int_equal(sk_workers_stats(r.ws, O).sent_across_refused, 1);
	PUMP(&r, 1u << R, sk_workers_stats(r.ws, R).queued == 0);
	ssize_t got = recv(fd, in, sizeof(in) - 1, 0);
	assert_true(got > 0);
	in[got] = '\0';
	assert_non_null(strstr(in, "Call-ID: across@test"));
	/* the client's response, on R's connection, goes to O: its branch says so */
	snprintf(buf, sizeof(buf),
	         "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1:%u;branch=%.*s\r\n"
	         "From: <sip:o@test>;tag=1\r\nTo: <sip:c@test>;tag=2\r\n"
	         "Call-ID: across@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
	         (unsigned)sk_sa_port(&tcp), (int)bl, br);
	int before = r.w[O].got;
	assert_int_equal(write(fd, buf, strlen(buf)), (ssize_t)strlen(buf));
	PUMP(&r, 3, r.w[O].got == before + 1);
	assert_int_equal(r.w[O].got, before + 1);
	assert_string_equal(r.w[O].last_call_id, "across@test");
	assert_int_equal(sk_workers_stats(r.ws, R).handed_out, 1);
	/* a send queued while R closes the connection: not written, counted by R */
	assert_int_equal(sk_tp_send(r.w[O].tp, &f, buf, strlen(buf)), 0);
	sk_tp_conn_close(r.w[R].tp, f.conn);
	assert_false(sk_tp_conn_open(r.w[O].tp, f.conn)); /* O knows at once */
	PUMP(&r, 1u << R, sk_workers_stats(r.ws, R).sent_across_gone == 1);
	assert_int_equal(sk_workers_stats(r.ws, R).sent_across_gone, 1);
	assert_int_equal(sk_workers_stats(r.ws, O).sent_across, 2);
	close(fd);
	/* a client that resets its connection after the other worker sent on it */
	fd = tcp_client(&tcp, request(buf, sizeof(buf), "REGISTER", "reg2@test"));
	assert_int_equal(getsockname(fd, &mine.u.sa, &ml), 0);
	int had = r.w[0].got + r.w[1].got;
	PUMP(&r, 3, r.w[0].got + r.w[1].got == had + 1);
	t.addr = mine;
	for (unsigned k = 0; k < 2; k++) /* the worker that did not accept it finds it */
		if (sk_tp_flow_for(r.w[k].tp, &t, 100, &f) == 0 && sk_tp_conn_owner(f.conn) != k)
			O = k, R = 1 - k;
	assert_int_equal(sk_tp_conn_owner(f.conn), R);
	assert_int_equal(sk_tp_send(r.w[O].tp, &f, buf, strlen(buf)), 0);
	PUMP(&r, 1u << R, sk_workers_stats(r.ws, R).queued == 0);
	struct linger rst = {.l_onoff = 1, .l_linger = 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	close(fd);
	int lost = r.w[O].lost;
	PUMP(&r, 3, r.w[O].lost == lost + 1);
	assert_int_equal(r.w[O].lost, lost + 1);
	assert_int_equal(r.w[O].lost_conn, f.conn);
	rig_down(&r);
}

static void test_shared_location(void **state)
{
	(void)state;
	struct sk_location inner, h[3];
	assert_int_equal(sk_location_memory(&inner, 100, 4), 0);
	assert_int_equal(sk_location_shared(h, 3, inner), 0);
	struct sk_binding b = {
	    .contact = "sip:bob@127.0.0.1:5071", .cseq = 1, .q = 1000, .expires_at = 60000};
	assert_int_equal(h[0].ops->put(h[0].st, "bob@example.test", &b), 0);
	struct sk_binding out[4];
	assert_int_equal(h[2].ops->lookup(h[2].st, "bob@example.test", 1000, out, 4), 1);
	assert_string_equal(out[0].contact, b.contact);
	uint64_t held = 0;
	assert_true(sk_location_memory_held(&h[1], &held, NULL));
	assert_int_equal(held, 1);
	for (int i = 0; i < 3; i++)
		h[i].ops->free(h[i].st); /* the last one frees the store: ASan's leak check */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_owner_rule),         cmocka_unit_test(test_handoff_loopback),
	    cmocka_unit_test(test_queue_full_503),     cmocka_unit_test(test_stopped_owner),
	    cmocka_unit_test(test_calls_run_in_order), cmocka_unit_test(test_send_across),
	    cmocka_unit_test(test_shared_location),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
