/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Datagrams in batches: recvmmsg and sendmmsg (udp_batch.h). Linux since 2.6.33
 * and 3.0; glibc declares them with _GNU_SOURCE, which the build defines.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "udp_batch.h"

#define RX_SLOT  (SK_UDP_MAX + 1) /* one byte more: a longer datagram shows as truncated */
#define TX_TRIES 3

static socklen_t sa_len(const struct sk_sa *a)
{
	switch (a->u.sa.sa_family) {
	case AF_INET: return sizeof(a->u.in);
	case AF_INET6: return sizeof(a->u.in6);
	default: return 0;
	}
}

/* ---- receiving ----------------------------------------------------------- */

struct sk_udp_rx {
	struct mmsghdr mm[SK_UDP_RX_BATCH];
	struct iovec iov[SK_UDP_RX_BATCH];
	struct sk_sa from[SK_UDP_RX_BATCH];
	char *slots; /* SK_UDP_RX_BATCH * RX_SLOT */
};

int sk_udp_rx_new(struct sk_udp_rx **out)
{
	struct sk_udp_rx *rx = calloc(1, sizeof(*rx));
	if (!rx)
		return -SK_ENOMEM;
	/* malloc, not calloc: pages a datagram never reached are never touched */
	rx->slots = malloc((size_t)SK_UDP_RX_BATCH * RX_SLOT);
	if (!rx->slots) {
		free(rx);
		return -SK_ENOMEM;
	}
	for (int i = 0; i < SK_UDP_RX_BATCH; i++)
		rx->iov[i] =
		    (struct iovec){.iov_base = rx->slots + (size_t)i * RX_SLOT, .iov_len = RX_SLOT};
	*out = rx;
	return 0;
}

void sk_udp_rx_free(struct sk_udp_rx *rx)
{
	if (!rx)
		return;
	free(rx->slots);
	free(rx);
}

int sk_udp_rx_read(struct sk_udp_rx *rx, int fd, struct sk_udp_batch_stats *st)
{
	for (int i = 0; i < SK_UDP_RX_BATCH; i++) {
		/* the kernel rewrites the lengths and flags: set again for every call */
		rx->mm[i].msg_hdr = (struct msghdr){.msg_name = &rx->from[i].u,
		                                    .msg_namelen = sizeof(rx->from[i].u),
		                                    .msg_iov = &rx->iov[i],
		                                    .msg_iovlen = 1};
		rx->mm[i].msg_len = 0;
	}
	for (;;) {
		int n = recvmmsg(fd, rx->mm, SK_UDP_RX_BATCH, MSG_DONTWAIT, NULL);
		if (n >= 0) {
			if (n > 0 && st) {
				st->rx_calls++;
				st->rx_dgrams += (uint64_t)n;
			}
			return n;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

const char *sk_udp_rx_get(const struct sk_udp_rx *rx, int i, size_t *len, struct sk_sa *from,
                          bool *truncated)
{
	const struct mmsghdr *m = &rx->mm[i];
	*len = m->msg_len;
	*truncated = (m->msg_hdr.msg_flags & MSG_TRUNC) || m->msg_len > SK_UDP_MAX;
	memset(from, 0, sizeof(*from));
	if (m->msg_hdr.msg_namelen <= sizeof(from->u))
		memcpy(&from->u, &rx->from[i].u, m->msg_hdr.msg_namelen);
	return rx->iov[i].iov_base;
}

/* ---- sending ------------------------------------------------------------- */

struct failure {
	struct sk_sa to;
	int err;
};

struct sk_udp_txq {
	size_t n, used; /* datagrams queued, bytes of buf they take */
	struct mmsghdr mm[SK_UDP_TX_BATCH];
	struct iovec iov[SK_UDP_TX_BATCH];
	struct sk_sa to[SK_UDP_TX_BATCH];
	struct failure fail[SK_UDP_TX_BATCH]; /* recorded by flush, taken by sk_udp_txq_failure */
	size_t nfail, fail_next;
	char buf[SK_UDP_TX_BYTES];
};

int sk_udp_txq_new(struct sk_udp_txq **out)
{
	/* malloc: the copy buffer's pages are touched only as far as datagrams reach */
	struct sk_udp_txq *q = malloc(sizeof(*q));
	if (!q)
		return -SK_ENOMEM;
	q->n = q->used = q->nfail = q->fail_next = 0;
	*out = q;
	return 0;
}

void sk_udp_txq_free(struct sk_udp_txq *q)
{
	free(q);
}

size_t sk_udp_txq_len(const struct sk_udp_txq *q)
{
	return q->n;
}

int sk_udp_txq_push(struct sk_udp_txq *q, const struct sk_sa *to, const char *buf, size_t len)
{
	if (!sa_len(to) || len > SK_UDP_MAX || (!buf && len))
		return -SK_EINVAL;
	if (q->n == SK_UDP_TX_BATCH || len > sizeof(q->buf) - q->used)
		return -SK_EFULL;
	size_t i = q->n++;
	if (len)
		memcpy(q->buf + q->used, buf, len);
	q->to[i] = *to;
	q->iov[i] = (struct iovec){.iov_base = q->buf + q->used, .iov_len = len};
	q->mm[i].msg_hdr = (struct msghdr){.msg_name = &q->to[i].u,
	                                   .msg_namelen = sa_len(to),
	                                   .msg_iov = &q->iov[i],
	                                   .msg_iovlen = 1};
	q->used += len;
	return 0;
}

static void record_failure(struct sk_udp_txq *q, size_t i, int err, struct sk_udp_batch_stats *st)
{
	if (st)
		st->tx_failed++;
	if (q->nfail < SK_UDP_TX_BATCH)
		q->fail[q->nfail++] = (struct failure){.to = q->to[i], .err = err};
}

/* An ICMP error for some earlier datagram, pending on the socket (IP_RECVERR):
 * it fails whichever send comes next, once. */
static bool maybe_pending_icmp(int err)
{
	return err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH || err == EHOSTDOWN;
}

void sk_udp_txq_flush(struct sk_udp_txq *q, int fd, struct sk_udp_batch_stats *st)
{
	size_t i = 0;
	int tries = 0;

	/* failures recorded by an earlier flush and not taken are kept, ahead */
	if (q->fail_next == q->nfail)
		q->fail_next = q->nfail = 0;
	while (i < q->n) {
		int sent;
		/* one datagram: sendto, which is cheaper than sendmmsg's setup for one */
		if (q->n - i == 1)
			sent = sendto(fd, q->iov[i].iov_base, q->iov[i].iov_len, MSG_NOSIGNAL,
			              &q->to[i].u.sa, q->mm[i].msg_hdr.msg_namelen) >= 0
			           ? 1
			           : -1;
		else
			sent = sendmmsg(fd, &q->mm[i], (unsigned)(q->n - i), MSG_NOSIGNAL);
		if (st)
			st->tx_calls++;
		if (sent > 0) {
			/* a short count: datagram i + sent met an error, which the next
			 * call (starting with it) reports, or clears if it was pending */
			if (st)
				st->tx_dgrams += (uint64_t)sent;
			i += (size_t)sent;
			tries = 0;
			continue;
		}
		int err = errno;
		if (err == EINTR)
			continue;
		if (maybe_pending_icmp(err) && ++tries < TX_TRIES)
			continue;
		tries = 0;
		if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
			/* no queue for datagrams beyond the kernel's: the loss is recovered
			 * by retransmission, as for a datagram lost on the way */
			if (st)
				st->tx_dropped++;
		} else {
			record_failure(q, i, -err, st);
		}
		i++;
	}
	q->n = q->used = 0;
}

bool sk_udp_txq_failure(struct sk_udp_txq *q, struct sk_sa *to, int *err)
{
	if (q->fail_next >= q->nfail) {
		q->fail_next = q->nfail = 0;
		return false;
	}
	*to = q->fail[q->fail_next].to;
	*err = q->fail[q->fail_next].err;
	q->fail_next++;
	return true;
}
