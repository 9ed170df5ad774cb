/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HEP version 3 over TCP for `sipkit check --hep tcp:HOST:PORT` (hep.h): a
 * collector's socket, as Homer's heplify-server offers one. A stream is cut
 * into messages by the total length in each HEP3 header; every message is
 * then decoded as a datagram would be (hep.c). Work per byte is constant and
 * memory is bounded by SK_HEP_TCP_CONNS buffers of one message each.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "hep.h"

#define HEP3_MAX      65535 /* the total length is 16 bits */
#define HEP3_HEADER   6     /* "HEP3" and the total length */
#define EVENTS_AT_ONE 16

struct hep_conn {
	int fd; /* -1: a free slot */
	uint8_t *buf;
	size_t len;
	uint64_t last_ms; /* when it last sent anything (or was accepted) */
};

struct sk_hep_tcp {
	int ep, lfd;
	struct hep_conn c[SK_HEP_TCP_CONNS];
	size_t nconns;
};

int sk_hep_tcp_open(struct sk_hep_tcp **out, const struct sockaddr *addr, socklen_t len, char *err,
                    size_t errsize)
{
	struct sk_hep_tcp *h = calloc(1, sizeof(*h));
	if (!h)
		return -SK_ENOMEM;
	h->lfd = -1;
	for (size_t i = 0; i < SK_HEP_TCP_CONNS; i++)
		h->c[i].fd = -1;
	int one = 1;
	h->ep = epoll_create1(EPOLL_CLOEXEC);
	if (h->ep >= 0)
		h->lfd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->lfd >= 0)
		(void)setsockopt(h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL}; /* NULL: the listener */
	if (h->ep < 0 || h->lfd < 0 || bind(h->lfd, addr, len) < 0 || listen(h->lfd, 64) < 0 ||
	    epoll_ctl(h->ep, EPOLL_CTL_ADD, h->lfd, &ev) < 0) {
		snprintf(err, errsize, "cannot listen: %s", strerror(errno));
		sk_hep_tcp_free(h);
		return -SK_EIO;
	}
	*out = h;
	return 0;
}

static void conn_close(struct sk_hep_tcp *h, struct hep_conn *c)
{
	close(c->fd); /* leaves the epoll set with it */
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = 0;
	h->nconns--;
}

void sk_hep_tcp_free(struct sk_hep_tcp *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < SK_HEP_TCP_CONNS; i++)
		if (h->c[i].fd >= 0)
			conn_close(h, &h->c[i]);
	if (h->lfd >= 0)
		close(h->lfd);
	if (h->ep >= 0)
		close(h->ep);
	free(h);
}

int sk_hep_tcp_fd(const struct sk_hep_tcp *h)
{
	return h->ep;
}

size_t sk_hep_tcp_conns(const struct sk_hep_tcp *h)
{
	return h->nconns;
}

/* A free slot, or the one quiet longest if quiet for SK_HEP_TCP_IDLE_MS (closed, counted). */
static struct hep_conn *free_slot(struct sk_hep_tcp *h, uint64_t now_ms,
                                  struct sk_trace_reader_stats *st)
{
	struct hep_conn *quiet = NULL;
	for (size_t k = 0; k < SK_HEP_TCP_CONNS; k++) {
		if (h->c[k].fd < 0)
			return &h->c[k];
		if (!quiet || h->c[k].last_ms < quiet->last_ms)
			quiet = &h->c[k];
	}
	if (now_ms - quiet->last_ms < SK_HEP_TCP_IDLE_MS)
		return NULL;
	if (quiet->len)
		sk_trace_skip_count(st, SK_TRACE_SKIP_TRUNCATED); /* the message it held */
	sk_trace_skip_count(st, SK_TRACE_SKIP_OVER_LIMIT);
	conn_close(h, quiet);
	return quiet;
}

/* New connections, into free slots; past the bound, closed at once and counted. */
static void accept_all(struct sk_hep_tcp *h, uint64_t now_ms, struct sk_trace_reader_stats *st)
{
	for (int i = 0; i < EVENTS_AT_ONE; i++) {
		int fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct hep_conn *c = free_slot(h, now_ms, st);
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
		if (!c || epoll_ctl(h->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			sk_trace_skip_count(st, SK_TRACE_SKIP_OVER_LIMIT);
			continue;
		}
		c->fd = fd;
		c->last_ms = now_ms;
		h->nconns++;
	}
}

/*
 * The whole messages at the start of c's buffer, each to deliver; what is
 * left is an incomplete one. 1 when the bytes are not HEP3 (the stream is
 * lost), else 0 or deliver's negative return.
 */
static int frame(struct hep_conn *c, struct sk_trace_reader_stats *st,
                 int (*deliver)(void *, const uint8_t *, size_t), void *arg)
{
	size_t at = 0;
	int rc = 0;
	while (rc >= 0 && c->len - at >= HEP3_HEADER) {
		const uint8_t *p = c->buf + at;
		size_t total = (size_t)p[4] << 8 | p[5];
		if (memcmp(p, "HEP3", 4) != 0 || total < HEP3_HEADER) {
			sk_trace_skip_count(st, SK_TRACE_SKIP_HEP_MALFORMED);
			return 1;
		}
		if (c->len - at < total)
			break;
		st->frames++;
		rc = deliver(arg, p, total);
		at += total;
	}
	memmove(c->buf, c->buf + at, c->len - at);
	c->len -= at;
	return rc < 0 ? rc : 0;
}

/* What c has to read. 0, or deliver's negative return. */
static int conn_read(struct sk_hep_tcp *h, struct hep_conn *c, uint64_t now_ms,
                     struct sk_trace_reader_stats *st,
                     int (*deliver)(void *, const uint8_t *, size_t), void *arg)
{
	if (!c->buf && !(c->buf = malloc(HEP3_MAX)))
		return -SK_ENOMEM;
	ssize_t n = read(c->fd, c->buf + c->len, HEP3_MAX - c->len);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (n <= 0) { /* the sender closed (or reset): a message it cut is counted */
		if (c->len)
			sk_trace_skip_count(st, SK_TRACE_SKIP_TRUNCATED);
		conn_close(h, c);
		return 0;
	}
	c->len += (size_t)n;
	c->last_ms = now_ms;
	int rc = frame(c, st, deliver, arg);
	if (rc == 1) {
		conn_close(h, c);
		return 0;
	}
	return rc;
}

int sk_hep_tcp_read(struct sk_hep_tcp *h, uint64_t now_ms, struct sk_trace_reader_stats *st,
                    int (*deliver)(void *arg, const uint8_t *p, size_t n), void *arg)
{
	struct epoll_event ev[EVENTS_AT_ONE];
	int n = epoll_wait(h->ep, ev, EVENTS_AT_ONE, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -SK_EIO;
	for (int i = 0; i < n; i++) {
		struct hep_conn *c = ev[i].data.ptr;
		if (!c) {
			accept_all(h, now_ms, st);
			continue;
		}
		if (c->fd < 0)
			continue; /* closed by an earlier event of this round */
		int rc = conn_read(h, c, now_ms, st, deliver, arg);
		if (rc < 0)
			return rc;
	}
	return n > 0;
}
