/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the kernel charges here for a SIP-sized datagram on loopback (issue 16):
 * CPU ns per sendto, recvfrom, sendmmsg and recvmmsg (per call and per
 * datagram, batches of 2 and 32) and per epoll_wait with one ready socket,
 * then the physical floor of a cancelled call through the proxy: the
 * datagrams it must read and write times their cost, one by one and batched.
 *
 *   build/bench-syscalls [--size BYTES] [--rounds N]
 *
 * CPU time of this thread (CLOCK_THREAD_CPUTIME_ID), so a busy machine
 * stretches the wall time, not the figures. On loopback a send also pays for
 * the delivery into the receiver's queue (the softirq runs in the sender's
 * syscall), as the proxy's sends to SIPp and the callees do.
 * Not a test: it measures and prints; exit 1 only if a socket cannot be made.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH_MAX 32
#define QUEUED    256 /* datagrams queued per round, well inside the receive buffer */

/* Datagrams a cancelled call costs the proxy (INVITE, 180, CANCEL, 200, 487, ACK
 * with the callees ringing at once, so no 100 Trying of ours, §17.2.1):
 *   one branch: in INVITE 180 CANCEL 200 487 ACK, out INVITE 180 200 CANCEL ACK 487
 *   two branches: in INVITE 180x2 CANCEL 200x2 487x2 ACK, out INVITE x2 180x2 200
 *                 CANCEL x2 ACK x2 487 */
static const struct {
	const char *name;
	int in, out;
} calls[] = {{"1branch", 6, 6}, {"2branch", 9, 10}};

static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int udp_socket(struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), buf = 8 << 20;
	socklen_t len = sizeof(*a);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)a, sizeof(*a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

struct env {
	int tx, rx, ep;
	struct sockaddr_in to;
	char *buf;
	size_t size;
	struct mmsghdr mm[BATCH_MAX];
	struct iovec iov[BATCH_MAX];
	char (*slots)[65536];
};

/* ns per datagram sent with batches of `batch` (1: sendto), and the calls made */
static double send_round(struct env *e, int batch)
{
	double t0 = cpu_ns();
	for (int sent = 0; sent < QUEUED; sent += batch) {
		if (batch == 1) {
			if (sendto(e->tx, e->buf, e->size, 0, (struct sockaddr *)&e->to,
			           sizeof(e->to)) < 0)
				return -1;
			continue;
		}
		for (int i = 0; i < batch; i++) {
			e->iov[i] = (struct iovec){e->buf, e->size};
			e->mm[i].msg_hdr = (struct msghdr){.msg_name = &e->to,
			                                   .msg_namelen = sizeof(e->to),
			                                   .msg_iov = &e->iov[i],
			                                   .msg_iovlen = 1};
		}
		if (sendmmsg(e->tx, e->mm, (unsigned)batch, 0) != batch)
			return -1;
	}
	return (cpu_ns() - t0) / QUEUED;
}

/* ns per datagram read with batches of `batch` (1: recvfrom) until QUEUED are read */
static double recv_round(struct env *e, int batch)
{
	struct sockaddr_in from;
	socklen_t flen;
	double t0 = cpu_ns();
	int got = 0;
	while (got < QUEUED) {
		if (batch == 1) {
			flen = sizeof(from);
			if (recvfrom(e->rx, e->slots[0], sizeof(e->slots[0]), 0,
			             (struct sockaddr *)&from, &flen) < 0)
				return -1;
			got++;
			continue;
		}
		for (int i = 0; i < batch; i++) {
			e->iov[i] = (struct iovec){e->slots[i], sizeof(e->slots[i])};
			e->mm[i].msg_hdr = (struct msghdr){.msg_iov = &e->iov[i], .msg_iovlen = 1};
		}
		int n = recvmmsg(e->rx, e->mm, (unsigned)batch, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return -1;
		got += n;
	}
	return (cpu_ns() - t0) / QUEUED;
}

/* Drains whatever is left on rx (after a failed round). */
static void drain(struct env *e)
{
	while (recv(e->rx, e->slots[0], sizeof(e->slots[0]), MSG_DONTWAIT) >= 0)
		;
}

int main(int argc, char **argv)
{
	struct env e = {.size = 700};
	int rounds = 400;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--size") && i + 1 < argc)
			e.size = (size_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--size BYTES] [--rounds N]\n", argv[0]);
			return 2;
		}
	}
	if (e.size < 1 || e.size > 65000 || rounds < 1)
		return 2;
	struct sockaddr_in a;
	e.tx = udp_socket(&a);
	e.rx = udp_socket(&e.to);
	e.ep = epoll_create1(0);
	e.buf = calloc(1, e.size);
	e.slots = malloc(sizeof(*e.slots) * BATCH_MAX);
	if (e.tx < 0 || e.rx < 0 || e.ep < 0 || !e.buf || !e.slots) {
		fprintf(stderr, "bench-syscalls: %s\n", strerror(errno));
		return 1;
	}
	struct epoll_event ev = {.events = EPOLLIN}, out[4];
	epoll_ctl(e.ep, EPOLL_CTL_ADD, e.rx, &ev);

	const int batches[] = {1, 2, 32};
	double send_ns[3] = {0}, recv_ns[3] = {0}, ep_ns = 0;
	int ok[3] = {0};
	for (int r = 0; r < rounds; r++) {
		for (int b = 0; b < 3; b++) {
			double s = send_round(&e, batches[b]);
			/* epoll_wait with a ready socket: what every loop pass pays once */
			double t0 = cpu_ns();
			for (int i = 0; i < 16; i++)
				(void)epoll_wait(e.ep, out, 4, 0);
			ep_ns += (cpu_ns() - t0) / 16;
			double v = s < 0 ? -1 : recv_round(&e, batches[b]);
			if (s < 0 || v < 0) {
				drain(&e);
				continue;
			}
			send_ns[b] += s;
			recv_ns[b] += v;
			ok[b]++;
		}
	}
	ep_ns /= rounds * 3;
	printf("syscalls: %zu-byte datagrams on loopback, %d rounds of %d, CPU ns of this thread\n",
	       e.size, rounds, QUEUED);
	const char *sname[] = {"sendto", "sendmmsg-2", "sendmmsg-32"};
	const char *rname[] = {"recvfrom", "recvmmsg-2", "recvmmsg-32"};
	for (int b = 0; b < 3; b++) {
		if (!ok[b])
			continue;
		printf("syscall %-12s %7.0f ns/datagram %7.0f ns/call\n", sname[b],
		       send_ns[b] / ok[b], send_ns[b] / ok[b] * batches[b]);
		printf("syscall %-12s %7.0f ns/datagram %7.0f ns/call\n", rname[b],
		       recv_ns[b] / ok[b], recv_ns[b] / ok[b] * batches[b]);
	}
	printf("syscall %-12s %7.0f ns/call (one ready socket)\n", "epoll_wait", ep_ns);
	/* the floor: every datagram read and written, nothing else; one by one with an
	 * epoll_wait per datagram read (a quiet proxy), or batched (32) with none */
	if (ok[0] && ok[2]) {
		double s1 = send_ns[0] / ok[0], r1 = recv_ns[0] / ok[0];
		double s32 = send_ns[2] / ok[2], r32 = recv_ns[2] / ok[2];
		for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
			double one = calls[i].out * s1 + calls[i].in * (r1 + ep_ns);
			double batched = calls[i].out * s32 + calls[i].in * r32;
			printf("floor %s datagrams in %d out %d cpu_s_per_1000 one_by_one %.4f "
			       "batched "
			       "%.4f\n",
			       calls[i].name, calls[i].in, calls[i].out, one / 1e6, batched / 1e6);
		}
	}
	close(e.tx);
	close(e.rx);
	close(e.ep);
	free(e.buf);
	free(e.slots);
	return 0;
}
