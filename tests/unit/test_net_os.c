/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OS-socket backend (src/transport/net_os.c), on loopback only:
 *  - UDP over IPv4 and IPv6: datagrams arrive with the sender's address
 *  - TCP: accepted and connected (never from inside tcp_connect), bytes both ways,
 *    4 MiB queued while connecting and on a full socket, in order and complete
 *  - a peer's close gives closed(0) once; a closed port gives connected(< 0)
 *  - closing a socket from inside its own upcall stops its dispatch (ASan)
 *  - freeing the backend closes leftover sockets (ASan leak check)
 *  - a datagram to a closed port: unreachable names that very destination
 *    (IP_RECVERR, the ICMP port unreachable loopback sends back)
 *  - datagrams are sent by the loop's pass hook (one sendmmsg a pass): one
 *    the kernel refuses comes up as unreachable from there, never from inside
 *    send_to, and the others of the pass still leave
 * IPv6 cases are skipped when ::1 cannot be bound.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>

#include "sk_test.h"

#include "../../src/transport/net.h"

/* What a socket's upcalls saw; hung on sk_net_sock.user. */
struct sink {
	char *buf;
	size_t len, cap;
	int streams, closed, closed_err;
	bool close_on_stream; /* close the socket from inside its first stream upcall */
};

struct env {
	struct sk_clock *clock;
	struct sk_loop *loop;
	struct sk_net *net;
	/* udp */
	int datagrams;
	struct sk_net_sock *dgram_sock;
	struct sk_sa from;
	char dgram[64];
	size_t dgram_len;
	bool close_on_datagram; /* close, then rebind (its fd number is reused) */
	struct sk_net_sock *closed, *sender, *rebound;
	/* tcp */
	int accepts, connects, connect_err;
	struct sk_net_sock *accepted, *listener;
	struct sk_sa peer;
	bool close_on_fail;
	struct sink srv, cli;
	/* icmp */
	int unreachables, unreachable_err;
	struct sk_sa unreachable_dst;
	struct sk_net_sock *unreachable_sock;
};

static void on_datagram(void *arg, struct sk_net_sock *s, const struct sk_sa *from, const char *buf,
                        size_t len)
{
	struct env *e = arg;
	assert_ptr_not_equal(s, e->closed); /* nothing after close */
	e->datagrams++;
	e->dgram_sock = s;
	e->from = *from;
	e->dgram_len = len < sizeof(e->dgram) ? len : sizeof(e->dgram);
	memcpy(e->dgram, buf, e->dgram_len);
	if (e->close_on_datagram) {
		struct sk_sa a = s->local;
		e->close_on_datagram = false;
		e->closed = s;
		s->net->ops->close(s);
		/* a new socket takes the closed one's fd, with a datagram waiting: a
		 * dispatch that went on reading the old fd would hand it up as s's */
		assert_int_equal(s->net->ops->udp_bind(s->net, &a, &e->rebound), 0);
		assert_int_equal(s->net->ops->send_to(e->sender, &e->rebound->local, "r", 1), 0);
	}
}

static void on_accepted(void *arg, struct sk_net_sock *listener, struct sk_net_sock *conn,
                        const struct sk_sa *peer)
{
	struct env *e = arg;
	e->accepts++;
	e->listener = listener;
	e->accepted = conn;
	e->peer = *peer;
	conn->user = &e->srv;
}

static void on_connected(void *arg, struct sk_net_sock *conn, int err)
{
	struct env *e = arg;
	e->connects++;
	e->connect_err = err;
	if (err < 0 && e->close_on_fail)
		conn->net->ops->close(conn); /* what the transport does */
}

static void on_stream(void *arg, struct sk_net_sock *conn, const char *buf, size_t len)
{
	struct sink *k = conn->user;
	(void)arg;
	assert_non_null(k);
	k->streams++;
	if (k->len + len > k->cap) {
		k->cap = (k->len + len) * 2;
		k->buf = realloc(k->buf, k->cap);
		assert_non_null(k->buf);
	}
	memcpy(k->buf + k->len, buf, len);
	k->len += len;
	if (k->close_on_stream)
		conn->net->ops->close(conn);
}

static void on_closed(void *arg, struct sk_net_sock *conn, int err)
{
	struct sink *k = conn->user;
	(void)arg;
	k->closed++;
	k->closed_err = err;
}

static void on_unreachable(void *arg, struct sk_net_sock *s, const struct sk_sa *dst, int err)
{
	struct env *e = arg;
	e->unreachables++;
	e->unreachable_sock = s;
	e->unreachable_dst = *dst;
	e->unreachable_err = err;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	assert_int_equal(sk_clock_new_real(&e->clock), 0);
	assert_int_equal(sk_loop_new(&e->loop, e->clock), 0);
	assert_int_equal(sk_net_os_new(&e->net, e->loop, NULL), 0);
	e->net->up = (struct sk_net_up){on_datagram, on_accepted, on_connected,
	                                on_stream,   on_closed,   on_unreachable};
	e->net->up_arg = e;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	e->net->ops->free(e->net); /* also closes what a failed test left open */
	sk_loop_free(e->loop);
	sk_clock_free(e->clock);
	free(e->srv.buf);
	free(e->cli.buf);
	free(e);
	return 0;
}

/* Runs the loop until cond holds, at most 200 passes of 50 ms. */
#define RUN_UNTIL(e, cond)                                                                         \
	do {                                                                                       \
		for (int i_ = 0; i_ < 200 && !(cond); i_++)                                        \
			assert_true(sk_loop_run_once((e)->loop, 50) >= 0);                         \
		assert_true(cond);                                                                 \
	} while (0)

/* Runs n short passes; returns how many callbacks ran. */
static int run_passes(struct env *e, int n)
{
	int ran = 0;
	for (int i = 0; i < n; i++) {
		int rc = sk_loop_run_once(e->loop, 10);
		assert_true(rc >= 0);
		ran += rc;
	}
	return ran;
}

static struct sk_sa loopback(int fam)
{
	struct sk_sa a;
	memset(&a, 0, sizeof(a));
	if (fam == AF_INET) {
		a.u.in.sin_family = AF_INET;
		a.u.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		a.u.in6.sin6_family = AF_INET6;
		a.u.in6.sin6_addr = in6addr_loopback;
	}
	return a;
}

static uint16_t port_of(const struct sk_sa *a)
{
	return ntohs(a->u.sa.sa_family == AF_INET ? a->u.in.sin_port : a->u.in6.sin6_port);
}

static void assert_same_sa(const struct sk_sa *a, const struct sk_sa *b)
{
	assert_int_equal(a->u.sa.sa_family, b->u.sa.sa_family);
	assert_int_equal(port_of(a), port_of(b));
	if (a->u.sa.sa_family == AF_INET)
		assert_memory_equal(&a->u.in.sin_addr, &b->u.in.sin_addr, 4);
	else
		assert_memory_equal(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, 16);
}

/* Binds UDP on loopback of fam; false (test skipped) when IPv6 is unavailable. */
static bool udp_bind(struct env *e, int fam, struct sk_net_sock **s)
{
	struct sk_sa a = loopback(fam);
	int rc = e->net->ops->udp_bind(e->net, &a, s);
	if (rc < 0 && fam == AF_INET6) {
		print_message("::1 unavailable (%s): IPv6 case skipped\n", strerror(-rc));
		return false;
	}
	assert_int_equal(rc, 0);
	assert_int_equal((*s)->local.u.sa.sa_family, fam);
	assert_int_not_equal(port_of(&(*s)->local), 0);
	assert_ptr_equal((*s)->net, e->net);
	return true;
}

static void udp_exchange(void **state, int fam)
{
	struct env *e = *state;
	struct sk_net_sock *a, *b;

	if (!udp_bind(e, fam, &a))
		skip();
	assert_true(udp_bind(e, fam, &b));
	assert_int_equal(e->net->ops->send_to(a, &b->local, "hello", 5), 0);
	RUN_UNTIL(e, e->datagrams == 1);
	assert_ptr_equal(e->dgram_sock, b);
	assert_same_sa(&e->from, &a->local);
	assert_int_equal(e->dgram_len, 5);
	assert_memory_equal(e->dgram, "hello", 5);
	/* and back, to the address it came from */
	assert_int_equal(e->net->ops->send_to(b, &e->from, "hi", 2), 0);
	RUN_UNTIL(e, e->datagrams == 2);
	assert_ptr_equal(e->dgram_sock, a);
	assert_same_sa(&e->from, &b->local);
	assert_int_equal(e->net->ops->pending(a), 0);
	assert_true(e->net->ops->write(a, "x", 1) < 0); /* not a connection */
	e->net->ops->close(a);
	e->net->ops->close(b);
}

static void test_udp_v4(void **state)
{
	udp_exchange(state, AF_INET);
}

static void test_udp_v6(void **state)
{
	udp_exchange(state, AF_INET6);
}

/* A listener and a connection to it, both ends up; false when fam is unavailable. */
static bool tcp_pair(struct env *e, int fam, struct sk_net_sock **lis, struct sk_net_sock **cli)
{
	struct sk_sa a = loopback(fam);
	int rc = e->net->ops->tcp_listen(e->net, &a, lis);
	if (rc < 0 && fam == AF_INET6) {
		print_message("::1 unavailable (%s): IPv6 case skipped\n", strerror(-rc));
		return false;
	}
	assert_int_equal(rc, 0);
	assert_int_not_equal(port_of(&(*lis)->local), 0);
	assert_int_equal(e->net->ops->tcp_connect(e->net, &(*lis)->local, cli), 0);
	assert_int_equal(e->connects, 0); /* never from inside tcp_connect */
	(*cli)->user = &e->cli;
	RUN_UNTIL(e, e->accepts == 1 && e->connects == 1);
	assert_int_equal(e->connect_err, 0);
	assert_ptr_equal(e->listener, *lis);
	assert_same_sa(&e->peer, &(*cli)->local);            /* the server sees our address */
	assert_same_sa(&e->accepted->local, &(*lis)->local); /* accepted on the listener's */
	return true;
}

static void tcp_both_ways(void **state, int fam)
{
	struct env *e = *state;
	struct sk_net_sock *lis, *cli;
	const struct sk_net_ops *ops = e->net->ops;

	if (!tcp_pair(e, fam, &lis, &cli))
		skip();
	assert_int_equal(ops->write(cli, "ping", 4), 0);
	assert_int_equal(ops->write(e->accepted, "pong!", 5), 0);
	RUN_UNTIL(e, e->srv.len == 4 && e->cli.len == 5);
	assert_memory_equal(e->srv.buf, "ping", 4);
	assert_memory_equal(e->cli.buf, "pong!", 5);
	assert_true(ops->send_to(cli, &lis->local, "x", 1) < 0); /* not a datagram socket */
	ops->close(cli);
	ops->close(e->accepted);
	ops->close(lis);
}

static void test_tcp_v4(void **state)
{
	tcp_both_ways(state, AF_INET);
}

static void test_tcp_v6(void **state)
{
	tcp_both_ways(state, AF_INET6);
}

#define BIG (4u << 20)

static char *pattern(uint32_t seed)
{
	char *p = malloc(BIG);
	assert_non_null(p);
	for (size_t i = 0; i < BIG; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (char)(seed >> 16);
	}
	return p;
}

/* 4 MiB each way: queued before the connection is up, and when the socket is full. */
static void test_tcp_large(void **state)
{
	struct env *e = *state;
	const struct sk_net_ops *ops = e->net->ops;
	struct sk_sa a = loopback(AF_INET);
	struct sk_net_sock *lis, *cli, *srv;
	char *up = pattern(1), *down = pattern(2);
	size_t max_pending = 0;

	assert_int_equal(ops->tcp_listen(e->net, &a, &lis), 0);
	assert_int_equal(ops->tcp_connect(e->net, &lis->local, &cli), 0);
	cli->user = &e->cli;
	assert_int_equal(ops->write(cli, up, BIG), 0);
	assert_int_equal(ops->pending(cli), BIG); /* still connecting: everything queued */
	RUN_UNTIL(e, e->accepts == 1);
	srv = e->accepted;
	assert_int_equal(ops->write(srv, down, BIG), 0);
	assert_true(ops->pending(srv) > 0); /* more than the socket takes at once */
	for (int i = 0; i < 400 && (e->srv.len < BIG || e->cli.len < BIG); i++) {
		size_t p = ops->pending(srv);
		max_pending = p > max_pending ? p : max_pending;
		assert_true(sk_loop_run_once(e->loop, 50) >= 0);
	}
	assert_true(max_pending > 0);
	assert_int_equal(e->connects, 1);
	assert_int_equal(e->connect_err, 0);
	assert_int_equal(e->srv.len, BIG);
	assert_int_equal(e->cli.len, BIG);
	assert_memory_equal(e->srv.buf, up, BIG);
	assert_memory_equal(e->cli.buf, down, BIG);
	assert_int_equal(ops->pending(cli), 0);
	assert_int_equal(ops->pending(srv), 0);
	free(up);
	free(down);
	ops->close(cli);
	ops->close(srv);
	ops->close(lis);
}

static void test_tcp_peer_close(void **state)
{
	struct env *e = *state;
	const struct sk_net_ops *ops = e->net->ops;
	struct sk_net_sock *lis, *cli;

	assert_true(tcp_pair(e, AF_INET, &lis, &cli));
	assert_int_equal(ops->write(cli, "bye", 3), 0);
	ops->close(cli);
	RUN_UNTIL(e, e->srv.closed == 1);
	assert_int_equal(e->srv.closed_err, 0);
	assert_int_equal(e->srv.len, 3); /* data before the close is delivered first */
	/* once, and no more events (not even hang-ups) before the transport closes it */
	assert_int_equal(run_passes(e, 5), 0);
	assert_int_equal(e->srv.closed, 1);
	assert_true(ops->write(e->accepted, "x", 1) < 0);
	ops->close(e->accepted);
	assert_int_equal(e->cli.closed, 0); /* closed by us: no upcall */
	ops->close(lis);
}

/* A port nothing listens on: one a listener just gave back. */
static void test_tcp_refused(void **state)
{
	struct env *e = *state;
	const struct sk_net_ops *ops = e->net->ops;
	struct sk_sa a = loopback(AF_INET);
	struct sk_net_sock *lis, *cli;
	int rc;

	assert_int_equal(ops->tcp_listen(e->net, &a, &lis), 0);
	a = lis->local;
	ops->close(lis);
	e->close_on_fail = true; /* closed inside its own connected upcall */
	rc = ops->tcp_connect(e->net, &a, &cli);
	if (rc < 0) { /* refused at once: allowed, with no socket */
		assert_int_equal(rc, -ECONNREFUSED);
		return;
	}
	assert_int_equal(e->connects, 0);
	cli->user = &e->cli;
	assert_int_equal(ops->write(cli, "queued", 6), 0);
	RUN_UNTIL(e, e->connects == 1);
	assert_int_equal(e->connect_err, -ECONNREFUSED);
	run_passes(e, 3);
	assert_int_equal(e->connects, 1);
	assert_int_equal(e->cli.closed, 0);
}

/* Closing a socket inside its own upcall, with more input waiting behind. */
static void test_close_in_upcall(void **state)
{
	struct env *e = *state;
	const struct sk_net_ops *ops = e->net->ops;
	struct sk_net_sock *a, *b, *lis, *cli;
	static char chunk[256 * 1024];

	assert_true(udp_bind(e, AF_INET, &a));
	assert_true(udp_bind(e, AF_INET, &b));
	for (int i = 0; i < 5; i++)
		assert_int_equal(ops->send_to(a, &b->local, "d", 1), 0);
	e->close_on_datagram = true;
	e->sender = a;
	RUN_UNTIL(e, e->datagrams == 2);
	assert_ptr_equal(e->dgram_sock, e->rebound); /* b's other four went with it */
	assert_memory_equal(e->dgram, "r", 1);
	run_passes(e, 3);
	assert_int_equal(e->datagrams, 2);
	ops->close(a);
	ops->close(e->rebound);
	e->closed = NULL; /* its memory may now be reused */

	assert_true(tcp_pair(e, AF_INET, &lis, &cli));
	e->srv.close_on_stream = true;
	memset(chunk, 'c', sizeof(chunk));
	assert_int_equal(ops->write(cli, chunk, sizeof(chunk)), 0);
	ops->close(cli); /* EOF behind the data: nothing more may reach the closed end */
	RUN_UNTIL(e, e->srv.streams == 1);
	run_passes(e, 3);
	assert_int_equal(e->srv.streams, 1);
	assert_int_equal(e->srv.closed, 0);
	ops->close(lis);
}

/* The backend closes what is left open: no leak, no stale watcher. */
static void test_free_with_open_sockets(void **state)
{
	struct env *e = *state;
	struct sk_net_sock *u, *lis, *cli;

	assert_true(udp_bind(e, AF_INET, &u));
	assert_true(tcp_pair(e, AF_INET, &lis, &cli));
	assert_int_equal(e->net->ops->write(cli, "left", 4), 0);
	e->net->ops->free(e->net);
	assert_int_equal(sk_net_os_new(&e->net, e->loop, NULL), 0); /* for teardown */
	assert_int_equal(sk_loop_run_once(e->loop, 0), 0);          /* nothing watched */
}

/*
 * A datagram to a port nobody binds: the kernel answers with an ICMP port
 * unreachable, which comes up at once with the destination it quotes, for
 * the socket that sent; the socket goes on working.
 */
static void udp_unreachable(struct env *e, int fam)
{
	struct sk_net_sock *s, *gone;
	if (!udp_bind(e, fam, &s) || !udp_bind(e, fam, &gone))
		return;
	struct sk_sa dst = gone->local; /* a port just freed: nothing listens there */
	e->net->ops->close(gone);
	struct sk_net_sock *t;
	assert_true(udp_bind(e, fam, &t));
	assert_int_equal(e->net->ops->send_to(s, &dst, "x", 1), 0);
	/* before the loop reads the error (on loopback it is already there): a datagram to
	 * someone else still leaves, the earlier destination's error is not its own */
	assert_int_equal(e->net->ops->send_to(s, &t->local, "y", 1), 0);
	RUN_UNTIL(e, e->unreachables == 1 && e->datagrams == 1);
	assert_ptr_equal(e->unreachable_sock, s);
	assert_same_sa(&e->unreachable_dst, &dst);
	assert_int_equal(e->unreachable_err, -ECONNREFUSED);
	assert_ptr_equal(e->dgram_sock, t);
	/* the socket still takes datagrams */
	assert_int_equal(e->net->ops->send_to(t, &s->local, "z", 1), 0);
	RUN_UNTIL(e, e->datagrams == 2);
	assert_ptr_equal(e->dgram_sock, s);
	assert_int_equal(e->unreachables, 1);
	e->net->ops->close(t);
	e->net->ops->close(s);
}

static void test_udp_unreachable_v4(void **state)
{
	udp_unreachable(*state, AF_INET);
}

static void test_udp_unreachable_v6(void **state)
{
	udp_unreachable(*state, AF_INET6);
}

static void test_udp_send_failure_from_pass(void **state)
{
	struct env *e = *state;
	struct sk_net_sock *s, *t;
	struct sk_sa v6 = loopback(AF_INET6);

	v6.u.in6.sin6_port = htons(9);
	assert_true(udp_bind(e, AF_INET, &s));
	assert_true(udp_bind(e, AF_INET, &t));
	assert_int_equal(e->net->ops->send_to(s, &v6, "x", 1), 0); /* queued */
	assert_int_equal(e->net->ops->send_to(s, &t->local, "y", 1), 0);
	assert_int_equal(e->unreachables, 0);
	RUN_UNTIL(e, e->unreachables == 1 && e->datagrams == 1);
	assert_ptr_equal(e->unreachable_sock, s);
	assert_same_sa(&e->unreachable_dst, &v6);
	assert_true(e->unreachable_err < 0);
	assert_int_equal(e->dgram_len, 1);
	assert_memory_equal(e->dgram, "y", 1);
	/* queued, then the socket closed: the datagram still leaves */
	assert_int_equal(e->net->ops->send_to(s, &t->local, "z", 1), 0);
	e->net->ops->close(s);
	RUN_UNTIL(e, e->datagrams == 2);
	assert_memory_equal(e->dgram, "z", 1);
	e->net->ops->close(t);
}

static int log_lines;
static void count_log(void *arg, enum sk_log_level level, const char *line)
{
	(void)arg;
	(void)level;
	assert_true(strncmp(line, "net: ", 5) == 0);
	log_lines++;
}

static void test_bad_arguments_and_log(void **state)
{
	struct env *e = *state;
	struct sk_log log = {.fn = count_log, .max = SK_LOG_DEBUG};
	struct sk_net *n;
	struct sk_net_sock *s;
	struct sk_sa a;

	assert_int_equal(sk_net_os_new(NULL, e->loop, NULL), -SK_EINVAL);
	assert_int_equal(sk_net_os_new(&n, e->loop, &log), 0);
	memset(&a, 0, sizeof(a));
	assert_int_equal(n->ops->udp_bind(n, &a, &s), -SK_EINVAL); /* AF_UNSPEC */
	a = loopback(AF_INET);
	assert_int_equal(n->ops->udp_bind(n, &a, &s), 0);
	assert_true(log_lines > 0);
	n->ops->close(s);
	n->ops->free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_udp_v4, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_udp_v6, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_v4, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_v6, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_large, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_peer_close, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tcp_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_close_in_upcall, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_free_with_open_sockets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_arguments_and_log, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_udp_unreachable_v4, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_udp_unreachable_v6, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_udp_send_failure_from_pass, setup, teardown),
	};
	return cmocka_run_group_tests_name("net_os", tests, NULL, NULL);
}
