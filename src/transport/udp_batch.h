/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Datagrams in batches (internal to src/transport, used by net_os.c): one
 * recvmmsg reads what a readiness event finds waiting, one sendmmsg sends what
 * one loop pass queued (issue 16: a syscall per datagram was most of the
 * proxy's CPU). Everything here works on a plain fd; the sockets, the loop and
 * the upcalls are net_os.c's.
 */
#ifndef SK_TRANSPORT_UDP_BATCH_H
#define SK_TRANSPORT_UDP_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sipkit/transport.h"

#define SK_UDP_MAX      65535 /* larger datagrams are dropped */
#define SK_UDP_RX_BATCH 32    /* datagrams one recvmmsg reads */
#define SK_UDP_TX_BATCH 64    /* datagrams queued on a socket before it is flushed at once */
#define SK_UDP_TX_BYTES 65536 /* bytes queued on a socket before it is flushed at once */

/* Syscalls and datagrams, for tests and `sipkit ctl stats`. */
struct sk_udp_batch_stats {
	uint64_t rx_calls, rx_dgrams; /* recvmmsg calls that returned datagrams, and those */
	uint64_t tx_calls, tx_dgrams; /* sendmmsg/sendto calls, datagrams that left */
	uint64_t tx_failed;           /* datagrams given up: reported to the failed callback */
	uint64_t tx_dropped;          /* datagrams lost to a full send buffer (EAGAIN, ENOBUFS) */
};

/* ---- receiving ----------------------------------------------------------- */

/**
 * Room for one recvmmsg: SK_UDP_RX_BATCH slots of SK_UDP_MAX + 1 bytes (so a
 * datagram over the limit shows as truncated). The slots are allocated once,
 * untouched pages cost no memory; one per backend, shared by its sockets.
 */
struct sk_udp_rx;

int sk_udp_rx_new(struct sk_udp_rx **out);
void sk_udp_rx_free(struct sk_udp_rx *rx);
/**
 * Reads up to SK_UDP_RX_BATCH datagrams waiting on fd (never waits): their
 * count (0: none waiting), or -errno (ECONNREFUSED and the like: an ICMP error
 * for an earlier datagram, pending on the socket; reading again goes on).
 * Fewer than SK_UDP_RX_BATCH means the queue was empty.
 */
int sk_udp_rx_read(struct sk_udp_rx *rx, int fd, struct sk_udp_batch_stats *st);
/** Datagram i of the last read: its bytes and sender; *truncated when it was over SK_UDP_MAX. */
const char *sk_udp_rx_get(const struct sk_udp_rx *rx, int i, size_t *len, struct sk_sa *from,
                          bool *truncated);

/* ---- sending ------------------------------------------------------------- */

/**
 * Datagrams queued on one socket, sent together by sk_udp_txq_flush. The
 * copies live in one buffer of SK_UDP_TX_BYTES (allocated with the queue):
 * a queue's memory is fixed, whatever its load.
 */
struct sk_udp_txq;

int sk_udp_txq_new(struct sk_udp_txq **out);
/** Frees the queue; datagrams still in it are dropped (NULL-safe). */
void sk_udp_txq_free(struct sk_udp_txq *q);
/** Datagrams queued and not yet sent. */
size_t sk_udp_txq_len(const struct sk_udp_txq *q);
/**
 * Queues a copy of buf for `to`: 0; -SK_EINVAL for no address family or a
 * datagram over SK_UDP_MAX; -SK_EFULL when the queue has no room for it
 * (flush, then push again: an empty queue takes any datagram up to SK_UDP_MAX).
 */
int sk_udp_txq_push(struct sk_udp_txq *q, const struct sk_sa *to, const char *buf, size_t len);
/**
 * Sends everything queued on fd, in order, with as few sendmmsg calls as the
 * kernel allows, and empties the queue. Per datagram, as a single sendto
 * would: an ICMP error left pending by an earlier datagram (ECONNREFUSED,
 * EHOSTUNREACH, ENETUNREACH, EHOSTDOWN) fails one send and clears, so that
 * datagram is sent again (3 tries); a full buffer (EAGAIN, ENOBUFS) loses it,
 * counted; any other error, or a destination still refused after the tries,
 * is recorded for sk_udp_txq_failure (at most SK_UDP_TX_BATCH are kept; more
 * are counted only). Nothing is called back: the caller reports failures
 * when it is safe to, since reporting one may queue more datagrams.
 */
void sk_udp_txq_flush(struct sk_udp_txq *q, int fd, struct sk_udp_batch_stats *st);
/** Takes the oldest recorded failure: its destination and -errno; false when none is left. */
bool sk_udp_txq_failure(struct sk_udp_txq *q, struct sk_sa *to, int *err);

#endif
