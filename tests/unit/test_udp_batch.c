/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The batch layer under the OS backend (src/transport/udp_batch.c), on plain
 * loopback sockets:
 *  - one recvmmsg reads every waiting datagram (up to a batch), with each
 *    sender's address; a short batch is the sign the queue is empty
 *  - one sendmmsg sends a pass's datagrams to several destinations, in order
 *  - the queue is bounded in datagrams and in bytes (-SK_EFULL), and refuses
 *    what no datagram can carry (-SK_EINVAL)
 *  - per datagram errors as sendto's: an ICMP port unreachable left pending
 *    by an earlier datagram costs a retry, not the next datagram; a datagram
 *    that cannot be sent (an IPv6 address on an IPv4 socket) is recorded as
 *    failed with its destination, and the rest of the batch still leaves
 *  - failures wait, bounded, until taken
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sk_test.h"

#include "../../src/transport/udp_batch.h"

struct sock {
	int fd;
	struct sk_sa addr;
};

static struct sk_sa loopback4(void)
{
	struct sk_sa a;
	memset(&a, 0, sizeof(a));
	a.u.in.sin_family = AF_INET;
	a.u.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static struct sock bound(bool recverr)
{
	struct sock s;
	int one = 1, rcvbuf = 1 << 20;
	s.addr = loopback4();
	s.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(s.fd >= 0);
	(void)setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (recverr)
		assert_int_equal(setsockopt(s.fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one)), 0);
	assert_int_equal(bind(s.fd, &s.addr.u.sa, sizeof(s.addr.u.in)), 0);
	socklen_t len = sizeof(s.addr.u);
	assert_int_equal(getsockname(s.fd, &s.addr.u.sa, &len), 0);
	return s;
}

static void send_one(const struct sock *from, const struct sock *to, const char *text)
{
	assert_int_equal(
	    sendto(from->fd, text, strlen(text), 0, &to->addr.u.sa, sizeof(to->addr.u.in)),
	    (ssize_t)strlen(text));
}

/* Waits (at most 1 s) until fd has something to read. */
static void readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 1000), 1);
}

/* The next datagram on fd, as a string. */
static const char *next_text(int fd, char *buf, size_t size)
{
	readable(fd);
	ssize_t r = recv(fd, buf, size - 1, MSG_DONTWAIT);
	assert_true(r >= 0);
	buf[r] = '\0';
	return buf;
}

static void test_rx_reads_a_batch(void **state)
{
	(void)state;
	struct sock a = bound(false), b = bound(false);
	struct sk_udp_rx *rx;
	struct sk_udp_batch_stats st = {0};
	char text[16];

	assert_int_equal(sk_udp_rx_new(&rx), 0);
	assert_int_equal(sk_udp_rx_read(rx, b.fd, &st), 0); /* nothing waiting: 0, not an error */
	assert_int_equal(st.rx_calls, 0);
	for (int i = 0; i < 5; i++) {
		snprintf(text, sizeof(text), "d%d", i);
		send_one(&a, &b, text);
	}
	readable(b.fd);
	assert_int_equal(sk_udp_rx_read(rx, b.fd, &st), 5);
	assert_int_equal(st.rx_calls, 1);
	assert_int_equal(st.rx_dgrams, 5);
	for (int i = 0; i < 5; i++) {
		size_t len;
		struct sk_sa from;
		bool trunc;
		const char *p = sk_udp_rx_get(rx, i, &len, &from, &trunc);
		snprintf(text, sizeof(text), "d%d", i);
		assert_int_equal(len, strlen(text));
		assert_memory_equal(p, text, len);
		assert_false(trunc);
		assert_int_equal(from.u.in.sin_port, a.addr.u.in.sin_port);
		assert_int_equal(from.u.in.sin_addr.s_addr, a.addr.u.in.sin_addr.s_addr);
	}
	assert_int_equal(sk_udp_rx_read(rx, b.fd, &st), 0);
	sk_udp_rx_free(rx);
	close(a.fd);
	close(b.fd);
}

/* More than a batch waiting: a full batch, then the rest (short: the queue is empty). */
static void test_rx_more_than_a_batch(void **state)
{
	(void)state;
	struct sock a = bound(false), b = bound(false);
	struct sk_udp_rx *rx;
	struct sk_udp_batch_stats st = {0};
	const int total = SK_UDP_RX_BATCH + 7;

	assert_int_equal(sk_udp_rx_new(&rx), 0);
	for (int i = 0; i < total; i++)
		send_one(&a, &b, "x");
	readable(b.fd);
	assert_int_equal(sk_udp_rx_read(rx, b.fd, &st), SK_UDP_RX_BATCH);
	assert_int_equal(sk_udp_rx_read(rx, b.fd, &st), 7);
	assert_int_equal(st.rx_dgrams, (uint64_t)total);
	assert_int_equal(st.rx_calls, 2);
	sk_udp_rx_free(rx);
	close(a.fd);
	close(b.fd);
}

static void test_tx_one_call_for_a_pass(void **state)
{
	(void)state;
	struct sock s = bound(true), b = bound(false), c = bound(false);
	struct sk_udp_txq *q;
	struct sk_udp_batch_stats st = {0};
	char text[16], got[64];

	assert_int_equal(sk_udp_txq_new(&q), 0);
	for (int i = 0; i < 10; i++) {
		snprintf(text, sizeof(text), "m%d", i);
		assert_int_equal(sk_udp_txq_push(q, i % 2 ? &c.addr : &b.addr, text, strlen(text)),
		                 0);
	}
	assert_int_equal(sk_udp_txq_len(q), 10);
	sk_udp_txq_flush(q, s.fd, &st);
	assert_int_equal(sk_udp_txq_len(q), 0);
	assert_int_equal(st.tx_calls, 1);
	assert_int_equal(st.tx_dgrams, 10);
	for (int i = 0; i < 10; i++) {
		snprintf(text, sizeof(text), "m%d", i);
		assert_string_equal(next_text(i % 2 ? c.fd : b.fd, got, sizeof(got)), text);
	}
	/* flushing an empty queue makes no call */
	sk_udp_txq_flush(q, s.fd, &st);
	assert_int_equal(st.tx_calls, 1);
	sk_udp_txq_free(q);
	close(s.fd);
	close(b.fd);
	close(c.fd);
}

static void test_tx_bounds(void **state)
{
	(void)state;
	struct sock s = bound(true), b = bound(false);
	struct sk_udp_txq *q;
	struct sk_udp_batch_stats st = {0};
	static char big[SK_UDP_MAX + 1];
	struct sk_sa none;

	memset(&none, 0, sizeof(none));
	assert_int_equal(sk_udp_txq_new(&q), 0);
	assert_int_equal(sk_udp_txq_push(q, &b.addr, big, SK_UDP_MAX + 1), -SK_EINVAL);
	assert_int_equal(sk_udp_txq_push(q, &none, "x", 1), -SK_EINVAL);
	for (int i = 0; i < SK_UDP_TX_BATCH; i++)
		assert_int_equal(sk_udp_txq_push(q, &b.addr, "x", 1), 0);
	assert_int_equal(sk_udp_txq_push(q, &b.addr, "x", 1), -SK_EFULL);
	sk_udp_txq_flush(q, s.fd, &st);
	assert_int_equal(st.tx_dgrams, SK_UDP_TX_BATCH);
	/* bytes: two datagrams of 40000 do not fit; an empty queue takes the largest */
	assert_int_equal(sk_udp_txq_push(q, &b.addr, big, 40000), 0);
	assert_int_equal(sk_udp_txq_push(q, &b.addr, big, 40000), -SK_EFULL);
	sk_udp_txq_flush(q, s.fd, &st);
	assert_int_equal(sk_udp_txq_push(q, &b.addr, big, SK_UDP_MAX), 0);
	sk_udp_txq_free(q); /* dropped with the queue (ASan: nothing leaks) */
	close(s.fd);
	close(b.fd);
}

/*
 * The datagram to a closed port draws an ICMP port unreachable, pending on
 * the socket (IP_RECVERR) when the next datagram of the batch is sent: that
 * send fails once with ECONNREFUSED and is made again, so every datagram to
 * the live peer arrives and none is reported failed.
 */
static void test_tx_pending_icmp_costs_a_retry(void **state)
{
	(void)state;
	struct sock s = bound(true), live = bound(false), gone = bound(false);
	struct sk_udp_txq *q;
	struct sk_udp_batch_stats st = {0};
	struct sk_sa to, closed = gone.addr;
	char got[64];
	int err;

	close(gone.fd);
	assert_int_equal(sk_udp_txq_new(&q), 0);
	assert_int_equal(sk_udp_txq_push(q, &closed, "lost", 4), 0);
	assert_int_equal(sk_udp_txq_push(q, &live.addr, "a", 1), 0);
	assert_int_equal(sk_udp_txq_push(q, &live.addr, "b", 1), 0);
	sk_udp_txq_flush(q, s.fd, &st);
	assert_string_equal(next_text(live.fd, got, sizeof(got)), "a");
	assert_string_equal(next_text(live.fd, got, sizeof(got)), "b");
	assert_int_equal(st.tx_dgrams, 3);
	assert_int_equal(st.tx_failed, 0);
	assert_false(sk_udp_txq_failure(q, &to, &err));
	sk_udp_txq_free(q);
	close(s.fd);
	close(live.fd);
}

/*
 * A datagram the kernel refuses outright (an IPv6 destination on an IPv4
 * socket) is recorded with its destination and error; the datagrams after it
 * still leave, in order.
 */
static void test_tx_failure_per_datagram(void **state)
{
	(void)state;
	struct sock s = bound(true), b = bound(false);
	struct sk_udp_txq *q;
	struct sk_udp_batch_stats st = {0};
	struct sk_sa v6, to;
	char got[64];
	int err;

	memset(&v6, 0, sizeof(v6));
	v6.u.in6.sin6_family = AF_INET6;
	v6.u.in6.sin6_addr = in6addr_loopback;
	v6.u.in6.sin6_port = htons(9);
	assert_int_equal(sk_udp_txq_new(&q), 0);
	assert_int_equal(sk_udp_txq_push(q, &b.addr, "1", 1), 0);
	assert_int_equal(sk_udp_txq_push(q, &v6, "x", 1), 0);
	assert_int_equal(sk_udp_txq_push(q, &b.addr, "2", 1), 0);
	sk_udp_txq_flush(q, s.fd, &st);
	assert_string_equal(next_text(b.fd, got, sizeof(got)), "1");
	assert_string_equal(next_text(b.fd, got, sizeof(got)), "2");
	assert_int_equal(st.tx_dgrams, 2);
	assert_int_equal(st.tx_failed, 1);
	assert_true(sk_udp_txq_failure(q, &to, &err));
	assert_int_equal(to.u.sa.sa_family, AF_INET6);
	assert_int_equal(ntohs(to.u.in6.sin6_port), 9);
	assert_true(err < 0);
	assert_false(sk_udp_txq_failure(q, &to, &err));
	sk_udp_txq_free(q);
	close(s.fd);
	close(b.fd);
}

/* Failures not taken wait for the next flush's, up to a batch of them. */
static void test_tx_failures_bounded(void **state)
{
	(void)state;
	struct sock s = bound(true);
	struct sk_udp_txq *q;
	struct sk_udp_batch_stats st = {0};
	struct sk_sa v6, to;
	int err, n = 0;

	memset(&v6, 0, sizeof(v6));
	v6.u.in6.sin6_family = AF_INET6;
	v6.u.in6.sin6_addr = in6addr_loopback;
	assert_int_equal(sk_udp_txq_new(&q), 0);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < SK_UDP_TX_BATCH; i++)
			assert_int_equal(sk_udp_txq_push(q, &v6, "x", 1), 0);
		sk_udp_txq_flush(q, s.fd, &st);
	}
	assert_int_equal(st.tx_failed, 2 * SK_UDP_TX_BATCH);
	while (sk_udp_txq_failure(q, &to, &err))
		n++;
	assert_int_equal(n, SK_UDP_TX_BATCH);
	sk_udp_txq_free(q);
	close(s.fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rx_reads_a_batch),
	    cmocka_unit_test(test_rx_more_than_a_batch),
	    cmocka_unit_test(test_tx_one_call_for_a_pass),
	    cmocka_unit_test(test_tx_bounds),
	    cmocka_unit_test(test_tx_pending_icmp_costs_a_retry),
	    cmocka_unit_test(test_tx_failure_per_datagram),
	    cmocka_unit_test(test_tx_failures_bounded),
	};
	return cmocka_run_group_tests_name("udp_batch", tests, NULL, NULL);
}
