/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The OS-socket backend of net.h: non-blocking UDP and TCP sockets watched by
 * an sk_loop. Everything above raw bytes (framing, caps, reuse) is conn.c's.
 *
 * Re-entrancy: any upcall may close any socket, the one being dispatched
 * included. A socket therefore counts the dispatches it is inside (depth);
 * close marks it dead, releases the fd and the watcher at once, and leaves the
 * free() to the outermost dispatch. Dispatch code re-checks `dead` after every
 * upcall and touches nothing (not even the backend) once it is set.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <linux/sock_diag.h>

#include "net.h"
#include "udp_batch.h"

#define STREAM_CHUNK   65536
#define BATCH_DGRAMS   64  /* per wakeup, so one busy socket cannot starve the others */
#define FLUSH_ROUNDS   256 /* sockets flushed per pass hook, however much failures queue */
#define BATCH_ACCEPTS  64
#define BATCH_READS    16 /* 1 MiB per wakeup and connection */
#define LISTEN_BACKLOG 128
#define OUT_KEEP       65536 /* a drained output buffer above this is given back */

enum os_kind { OS_UDP, OS_LISTENER, OS_CONN };
enum os_state { ST_CONNECTING, ST_UP, ST_BROKEN };

struct os_sock {
	struct sk_net_sock base; /* first: the transport sees only this */
	struct os_net *owner;
	struct os_sock *prev, *next; /* the backend's open sockets, for free() */
	struct sk_io io;
	int fd;
	enum os_kind kind;
	enum os_state state; /* connections only */
	struct sk_sa peer;   /* connections only, for log lines */
	int err;             /* once broken: what write() answers */
	unsigned depth;      /* dispatches in progress on this socket */
	bool dead;           /* closed; memory freed when depth drops to 0 */
	char *out;           /* unsent bytes are out[off, len) */
	size_t off, len, cap;
	struct sk_udp_txq *txq;     /* UDP: datagrams this pass sends, in one sendmmsg */
	struct os_sock *dirty_next; /* on owner->dirty: txq holds datagrams or failures */
	bool dirty;
};

struct os_net {
	struct sk_net base; /* first: sk_net_free and the transport see only this */
	struct sk_loop *loop;
	const struct sk_log *log;
	struct os_sock *socks;
	struct sk_udp_rx *rx;      /* recvmmsg's slots, for every UDP socket (one thread) */
	struct os_sock *dirty;     /* UDP sockets with something for the pass hook */
	struct sk_loop_hook flush; /* sends what a pass queued: flush_dirty */
	struct sk_udp_batch_stats bst;
	bool reuseport; /* SO_REUSEPORT on what binds: several stacks on one address */
};

static struct os_sock *os_of(struct sk_net_sock *s)
{
	return (struct os_sock *)s;
}

static struct os_net *net_of(struct sk_net *n)
{
	return (struct os_net *)n;
}

/* Local twins of sk_sa_len / sk_sa_print, so this file needs no other file of the layer. */
static socklen_t sa_len(const struct sk_sa *a)
{
	switch (a->u.sa.sa_family) {
	case AF_INET: return sizeof(a->u.in);
	case AF_INET6: return sizeof(a->u.in6);
	default: return 0;
	}
}

static const char *sa_str(const struct sk_sa *a, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (a->u.sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &a->u.in.sin_addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, ntohs(a->u.in.sin_port));
	} else {
		inet_ntop(AF_INET6, &a->u.in6.sin6_addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, ntohs(a->u.in6.sin6_port));
	}
	return buf;
}

static int so_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

static int get_local(struct os_sock *s)
{
	socklen_t len = sizeof(s->base.local.u);
	if (getsockname(s->fd, &s->base.local.u.sa, &len) < 0)
		return -errno;
	return 0;
}

static void on_io(void *arg, unsigned events);

/* Wraps fd and starts watching it; on failure fd is closed. */
static struct os_sock *sock_new(struct os_net *n, int fd, enum os_kind kind, unsigned events)
{
	struct os_sock *s = calloc(1, sizeof(*s));
	int one = 1;

	if (!s || sk_loop_io_add(n->loop, &s->io, fd, events, on_io, s) < 0) {
		free(s);
		close(fd);
		return NULL;
	}
	/* SIP messages are written whole: Nagle would only delay them */
	if (kind == OS_CONN)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->base.net = &n->base;
	s->owner = n;
	s->fd = fd;
	s->kind = kind;
	s->next = n->socks;
	if (n->socks)
		n->socks->prev = s;
	n->socks = s;
	return s;
}

static void undirty(struct os_net *n, struct os_sock *s)
{
	if (!s->dirty)
		return;
	for (struct os_sock **pp = &n->dirty; *pp; pp = &(*pp)->dirty_next) {
		if (*pp == s) {
			*pp = s->dirty_next;
			break;
		}
	}
	s->dirty = false;
}

static void os_close(struct sk_net_sock *bs)
{
	struct os_sock *s = os_of(bs);
	struct os_net *n;

	if (!s || s->dead)
		return;
	n = s->owner;
	s->dead = true;
	if (s->txq) {
		/* what was queued still leaves; its failures have nobody to go to */
		sk_udp_txq_flush(s->txq, s->fd, &n->bst);
		sk_udp_txq_free(s->txq);
		s->txq = NULL;
		undirty(n, s);
	}
	sk_loop_io_del(n->loop, &s->io);
	close(s->fd);
	if (s->prev)
		s->prev->next = s->next;
	else
		n->socks = s->next;
	if (s->next)
		s->next->prev = s->prev;
	free(s->out);
	s->out = NULL;
	if (s->depth == 0)
		free(s);
}

/* A UDP socket or a TCP listener bound to addr, watched for reading. */
static int open_bound(struct sk_net *net, const struct sk_sa *addr, enum os_kind kind,
                      struct sk_net_sock **out)
{
	int one = 1, fd, rc, fam;
	struct os_sock *s;
	char a[64];

	if (!net || !addr || !out || !sa_len(addr))
		return -SK_EINVAL;
	fam = addr->u.sa.sa_family;
	fd = socket(fam, (kind == OS_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC,
	            0);
	if (fd < 0)
		return -errno;
	/* V6ONLY: v4 traffic always has its own socket, never v4-mapped peers on a v6 one.
	 * SO_REUSEADDR: a restarted stack must not wait out TIME_WAIT to listen again. */
	/* A proxy's UDP socket takes bursts from many peers: a larger receive
	 * buffer than the default 208 KB (the kernel caps it at rmem_max) keeps
	 * datagrams from being dropped while the loop is busy; best effort. */
	if (kind == OS_UDP) {
		int rcvbuf = 4 << 20;
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		/* ICMP errors for datagrams we send, each with the destination it was
		 * for, on the socket's error queue (ip(7), ipv6(7)): an unconnected
		 * socket hears of nothing otherwise. Best effort. */
		if (fam == AF_INET)
			(void)setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
		else
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
	}
	/* SO_REUSEPORT (Linux 3.9): the workers' sockets on one address, the kernel
	 * spreading datagrams and connections by a hash of the peer's address */
	if (net_of(net)->reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if ((fam == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    (kind == OS_LISTENER &&
	     setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) ||
	    bind(fd, &addr->u.sa, sa_len(addr)) < 0 ||
	    (kind == OS_LISTENER && listen(fd, LISTEN_BACKLOG) < 0)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	s = sock_new(net_of(net), fd, kind, SK_IO_READ);
	if (!s)
		return -SK_ENOMEM;
	if (kind == OS_UDP &&
	    (sk_udp_txq_new(&s->txq) < 0 || (!s->owner->rx && sk_udp_rx_new(&s->owner->rx) < 0))) {
		os_close(&s->base);
		return -SK_ENOMEM;
	}
	rc = get_local(s); /* port 0: the kernel's choice */
	if (rc < 0) {
		os_close(&s->base);
		return rc;
	}
	sk_logf(s->owner->log, SK_LOG_DEBUG, "net: %s on %s",
	        kind == OS_UDP ? "udp" : "tcp listening", sa_str(&s->base.local, a, sizeof(a)));
	*out = &s->base;
	return 0;
}

static int os_udp_bind(struct sk_net *net, const struct sk_sa *addr, struct sk_net_sock **out)
{
	return open_bound(net, addr, OS_UDP, out);
}

static int os_tcp_listen(struct sk_net *net, const struct sk_sa *addr, struct sk_net_sock **out)
{
	return open_bound(net, addr, OS_LISTENER, out);
}

static int os_tcp_connect(struct sk_net *net, const struct sk_sa *to, struct sk_net_sock **out)
{
	struct os_net *n = net_of(net);
	struct os_sock *s;
	int fd, rc, fam;

	if (!net || !to || !out || !sa_len(to))
		return -SK_EINVAL;
	fam = to->u.sa.sa_family;
	fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* EINTR: the connection goes on asynchronously, like EINPROGRESS */
	if (connect(fd, &to->u.sa, sa_len(to)) < 0 && errno != EINPROGRESS && errno != EINTR) {
		rc = -errno;
		close(fd);
		return rc;
	}
	/* even an immediate success is reported from the loop, never from here:
	 * the caller has not yet attached its object to the socket */
	s = sock_new(n, fd, OS_CONN, SK_IO_READ | SK_IO_WRITE);
	if (!s)
		return -SK_ENOMEM;
	s->state = ST_CONNECTING;
	s->peer = *to;
	(void)get_local(s); /* known once connect() bound it; refreshed when up */
	*out = &s->base;
	return 0;
}

/*
 * A datagram is queued, not sent: the pass hook (flush_dirty) sends what the
 * pass queued on each socket with one sendmmsg. A queue that fills is sent at
 * once. Errors then come per datagram, as sendto's would: a destination
 * refused or unroutable goes up as unreachable from the hook, never from
 * inside this call (the caller is in the middle of its own work).
 */
static int os_send_to(struct sk_net_sock *bs, const struct sk_sa *to, const char *buf, size_t len)
{
	struct os_sock *s = os_of(bs);
	struct os_net *n;
	int rc;

	if (!s || s->kind != OS_UDP || s->dead || !to || !sa_len(to) || (!buf && len))
		return -SK_EINVAL;
	n = s->owner;
	rc = sk_udp_txq_push(s->txq, to, buf, len);
	if (rc == -SK_EFULL) {
		sk_udp_txq_flush(s->txq, s->fd, &n->bst);
		rc = sk_udp_txq_push(s->txq, to, buf, len);
	}
	if (rc < 0)
		return rc == -SK_EINVAL ? -EMSGSIZE : rc;
	if (!s->dirty) {
		s->dirty = true;
		s->dirty_next = n->dirty;
		n->dirty = s;
	}
	return 0;
}

/* The pass hook: every socket's queue sent, then its failures passed up (which
 * may queue more, on any socket, or close any socket). */
static void flush_dirty(void *arg)
{
	struct os_net *n = arg;
	struct sk_net *net = &n->base;
	char a[64];

	for (int round = 0; round < FLUSH_ROUNDS && n->dirty; round++) {
		struct os_sock *s = n->dirty;
		struct sk_sa to;
		int err;

		n->dirty = s->dirty_next;
		s->dirty = false;
		s->depth++;
		sk_udp_txq_flush(s->txq, s->fd, &n->bst);
		while (!s->dead && sk_udp_txq_failure(s->txq, &to, &err)) {
			sk_logf(n->log, SK_LOG_DEBUG, "net: udp to %s: %s",
			        sa_str(&to, a, sizeof(a)), strerror(-err));
			if (net->up.unreachable)
				net->up.unreachable(net->up_arg, &s->base, &to, err);
		}
		if (--s->depth == 0 && s->dead)
			free(s);
	}
}

static int set_watch(struct os_sock *s, unsigned events)
{
	if (s->io.events == events)
		return 0;
	return sk_loop_io_mod(s->owner->loop, &s->io, events);
}

static int out_append(struct os_sock *s, const char *buf, size_t len)
{
	size_t have = s->len - s->off;

	if (len > SIZE_MAX / 2 - have)
		return -SK_ENOMEM;
	if (s->off && s->len + len > s->cap) { /* slide down before growing */
		memmove(s->out, s->out + s->off, have);
		s->off = 0;
		s->len = have;
	}
	if (s->len + len > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *p;
		while (cap < s->len + len)
			cap *= 2;
		p = realloc(s->out, cap);
		if (!p)
			return -SK_ENOMEM;
		s->out = p;
		s->cap = cap;
	}
	memcpy(s->out + s->len, buf, len);
	s->len += len;
	return 0;
}

/* Writes what the kernel takes; 0 (maybe with bytes left) or -errno. */
static int send_some(int fd, const char *buf, size_t len, size_t *done)
{
	while (*done < len) {
		ssize_t w = send(fd, buf + *done, len - *done, MSG_NOSIGNAL);
		if (w >= 0)
			*done += (size_t)w;
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		else if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static int flush(struct os_sock *s)
{
	size_t done = 0;
	int rc;

	if (s->off < s->len) {
		rc = send_some(s->fd, s->out + s->off, s->len - s->off, &done);
		if (rc < 0)
			return rc;
		s->off += done;
	}
	if (s->off == s->len) {
		s->off = s->len = 0;
		if (s->cap > OUT_KEEP) { /* one big burst must not pin its memory for good */
			free(s->out);
			s->out = NULL;
			s->cap = 0;
		}
	}
	return set_watch(s, SK_IO_READ | (s->off < s->len ? SK_IO_WRITE : 0u));
}

static int os_write(struct sk_net_sock *bs, const char *buf, size_t len)
{
	struct os_sock *s = os_of(bs);
	size_t done = 0;
	int rc;

	if (!s || s->kind != OS_CONN || (!buf && len))
		return -SK_EINVAL;
	if (s->state == ST_BROKEN)
		return s->err;
	if (len == 0)
		return 0;
	/* a direct write only when nothing is queued, or the bytes would pass it */
	if (s->state == ST_UP && s->off == s->len) {
		rc = send_some(s->fd, buf, len, &done);
		if (rc < 0 || done == len)
			return rc;
	}
	rc = out_append(s, buf + done, len - done);
	if (rc < 0)
		return rc;
	return s->state == ST_UP ? set_watch(s, SK_IO_READ | SK_IO_WRITE) : 0;
}

static size_t os_pending(const struct sk_net_sock *bs)
{
	const struct os_sock *s = (const struct os_sock *)bs;
	return s && s->kind == OS_CONN ? s->len - s->off : 0;
}

/*
 * The connection is over: one last upcall (connected with an error while it was
 * still connecting, closed otherwise), and no events until the transport closes it
 * (epoll reports hang-ups even with no events asked, so the watcher goes).
 */
static void conn_break(struct os_sock *s, int err)
{
	struct sk_net *net = &s->owner->base;
	enum os_state was = s->state;
	char a[64];

	s->state = ST_BROKEN;
	s->err = err < 0 ? err : -EPIPE;
	sk_loop_io_del(s->owner->loop, &s->io);
	sk_logf(s->owner->log, SK_LOG_DEBUG, "net: tcp with %s %s: %s",
	        sa_str(&s->peer, a, sizeof(a)), was == ST_CONNECTING ? "connect failed" : "closed",
	        err ? strerror(-err) : "by peer");
	if (was == ST_CONNECTING)
		net->up.connected(net->up_arg, &s->base, err < 0 ? err : -ECONNREFUSED);
	else
		net->up.closed(net->up_arg, &s->base, err);
}

/* Reads what is there; false when the socket is closed, dead or broken. */
static bool conn_read(struct os_sock *s, unsigned events)
{
	struct sk_net *net = &s->owner->base;
	char buf[STREAM_CHUNK];

	for (int i = 0; i < BATCH_READS; i++) {
		ssize_t r = recv(s->fd, buf, sizeof(buf), 0);
		if (r > 0) {
			net->up.stream(net->up_arg, &s->base, buf, (size_t)r);
			if (s->dead)
				return false;
		} else if (r == 0) {
			conn_break(s, 0);
			return false;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			/* a hang-up with nothing to read: the error, if any, is in SO_ERROR */
			if (events & SK_IO_ERROR) {
				int err = so_error(s->fd);
				conn_break(s, err ? -err : -ECONNRESET);
				return false;
			}
			return true;
		} else if (errno != EINTR) {
			conn_break(s, -errno);
			return false;
		}
	}
	return true; /* more may be waiting: level-triggered, it comes next pass */
}

static void conn_event(struct os_sock *s, unsigned events)
{
	int rc;

	if (s->state == ST_BROKEN)
		return;
	if (s->state == ST_CONNECTING) {
		struct sk_net *net = &s->owner->base;
		int err = so_error(s->fd);
		if (err || (events & SK_IO_ERROR)) {
			conn_break(s, err ? -err : -ECONNREFUSED);
			return;
		}
		if (!(events & SK_IO_WRITE))
			return; /* writable is the sign the handshake completed */
		s->state = ST_UP;
		(void)get_local(s);
		net->up.connected(net->up_arg, &s->base, 0);
		if (s->dead)
			return;
	}
	if ((events & (SK_IO_READ | SK_IO_ERROR)) && !conn_read(s, events))
		return;
	if (!(events & SK_IO_WRITE))
		return;
	/* also flushes what was queued while connecting, and re-arms the watch */
	rc = flush(s);
	if (rc < 0)
		conn_break(s, rc);
}

/* An ICMP error that says nobody takes datagrams at the destination. */
static bool is_unreachable(const struct sock_extended_err *ee)
{
	if (ee->ee_origin != SO_EE_ORIGIN_ICMP && ee->ee_origin != SO_EE_ORIGIN_ICMP6)
		return false;
	switch (ee->ee_errno) {
	case ECONNREFUSED: /* port unreachable */
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case EACCES: /* administratively prohibited (ICMPv6) */ return true;
	default: return false; /* EMSGSIZE (path MTU), time exceeded: no verdict on the peer */
	}
}

/*
 * The error queue (IP_RECVERR): each entry is one ICMP error, its
 * sock_extended_err in a control message and, in msg_name, the destination
 * of the datagram it quotes. Unreachables go up with that destination; false
 * when the socket was closed by an upcall.
 */
static bool udp_errqueue(struct os_sock *s)
{
	struct sk_net *net = &s->owner->base;
	char data[64], ctl[512], a[64];

	for (int i = 0; i < BATCH_DGRAMS; i++) {
		struct sk_sa dst;
		struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
		struct msghdr mh = {.msg_name = &dst.u,
		                    .msg_namelen = sizeof(dst.u),
		                    .msg_iov = &iov,
		                    .msg_iovlen = 1,
		                    .msg_control = ctl,
		                    .msg_controllen = sizeof(ctl)};
		memset(&dst, 0, sizeof(dst));
		ssize_t r = recvmsg(s->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return true; /* EAGAIN: the queue is empty */
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (!((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)))
				continue;
			struct sock_extended_err ee;
			memcpy(&ee, CMSG_DATA(c), sizeof(ee));
			if (!is_unreachable(&ee) || !sa_len(&dst)) {
				sk_logf(s->owner->log, SK_LOG_DEBUG,
				        "net: udp icmp error ignored: %s",
				        strerror((int)ee.ee_errno));
				continue;
			}
			sk_logf(s->owner->log, SK_LOG_DEBUG, "net: udp to %s: %s",
			        sa_str(&dst, a, sizeof(a)), strerror((int)ee.ee_errno));
			if (net->up.unreachable)
				net->up.unreachable(net->up_arg, &s->base, &dst, -(int)ee.ee_errno);
			if (s->dead)
				return false;
		}
	}
	return true;
}

static void udp_event(struct os_sock *s, unsigned events)
{
	struct os_net *n = s->owner;
	struct sk_net *net = &n->base;
	const struct sk_log *log = n->log;
	char a[64];

	if (events & SK_IO_ERROR) {
		if (!udp_errqueue(s))
			return;
		int err = so_error(s->fd); /* reading it clears it; the queue said who */
		if (err)
			sk_logf(log, SK_LOG_DEBUG, "net: udp error: %s", strerror(err));
	}
	/* one recvmmsg reads what is waiting; a short batch says the queue is empty,
	 * so no read ends in EAGAIN */
	for (int got = 0, tries = 0; got < BATCH_DGRAMS && tries < BATCH_DGRAMS; tries++) {
		int r = sk_udp_rx_read(n->rx, s->fd, &n->bst);
		if (r < 0) {
			/* an ICMP error from an earlier send, also on the error queue (read
			 * above, with its destination) */
			if (r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -ENETUNREACH) {
				sk_logf(log, SK_LOG_DEBUG, "net: udp error ignored: %s",
				        strerror(-r));
				continue;
			}
			sk_logf(log, SK_LOG_WARN, "net: udp receive: %s", strerror(-r));
			return;
		}
		for (int i = 0; i < r; i++) {
			struct sk_sa from;
			size_t len;
			bool truncated;
			const char *buf = sk_udp_rx_get(n->rx, i, &len, &from, &truncated);
			if (truncated) {
				sk_logf(log, SK_LOG_WARN,
				        "net: datagram of over %d bytes from %s dropped",
				        SK_UDP_MAX, sa_str(&from, a, sizeof(a)));
				continue;
			}
			net->up.datagram(net->up_arg, &s->base, &from, buf, len);
			if (s->dead)
				return;
		}
		if (r < SK_UDP_RX_BATCH)
			return;
		got += r;
	}
}

static void listener_event(struct os_sock *s)
{
	struct os_net *n = s->owner;
	char a[64];

	for (int i = 0; i < BATCH_ACCEPTS; i++) {
		struct sk_sa peer;
		socklen_t plen = sizeof(peer.u);
		struct os_sock *c;
		int fd;

		memset(&peer, 0, sizeof(peer));
		fd = accept4(s->fd, &peer.u.sa, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* EMFILE and the like: the pending connection stays queued and is
			 * retried next pass */
			sk_logf(n->log, SK_LOG_WARN, "net: accept: %s", strerror(errno));
			return;
		}
		c = sock_new(n, fd, OS_CONN, SK_IO_READ);
		if (!c) {
			sk_logf(n->log, SK_LOG_WARN, "net: connection from %s refused: no memory",
			        sa_str(&peer, a, sizeof(a)));
			continue;
		}
		c->state = ST_UP;
		c->peer = peer;
		(void)get_local(c);
		sk_logf(n->log, SK_LOG_DEBUG, "net: tcp accepted from %s",
		        sa_str(&peer, a, sizeof(a)));
		n->base.up.accepted(n->base.up_arg, &s->base, &c->base, &peer);
		if (s->dead)
			return;
	}
}

static void on_io(void *arg, unsigned events)
{
	struct os_sock *s = arg;

	s->depth++;
	switch (s->kind) {
	case OS_UDP: udp_event(s, events); break;
	case OS_LISTENER: listener_event(s); break;
	case OS_CONN: conn_event(s, events); break;
	}
	if (--s->depth == 0 && s->dead)
		free(s); /* closed by an upcall: everything else was released by close */
}

static void os_free(struct sk_net *net)
{
	struct os_net *n = net_of(net);
	if (!n)
		return;
	while (n->socks) /* leftovers: the transport should have closed them */
		os_close(&n->socks->base);
	sk_loop_hook_del(n->loop, &n->flush);
	sk_udp_rx_free(n->rx);
	free(n);
}

/* What waits in the kernel's receive queue (SO_MEMINFO, Linux 4.12: the memory
 * the queued datagrams take, their overhead included): how far behind we read. */
static size_t os_rx_queued(const struct sk_net_sock *bs)
{
	const struct os_sock *s = (const struct os_sock *)(const void *)bs;
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);
	if (getsockopt(s->fd, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0 ||
	    len <= SK_MEMINFO_RMEM_ALLOC * sizeof(uint32_t))
		return 0;
	return mem[SK_MEMINFO_RMEM_ALLOC];
}

static const struct sk_net_ops os_ops = {
    .udp_bind = os_udp_bind,
    .tcp_listen = os_tcp_listen,
    .tcp_connect = os_tcp_connect,
    .send_to = os_send_to,
    .write = os_write,
    .pending = os_pending,
    .rx_queued = os_rx_queued,
    .close = os_close,
    .free = os_free,
};

void sk_net_os_set_reuseport(struct sk_net *net, bool on)
{
	if (net && net->ops == &os_ops)
		net_of(net)->reuseport = on;
}

int sk_net_os_new(struct sk_net **out, struct sk_loop *loop, const struct sk_log *log)
{
	struct os_net *n;

	if (!out || !loop)
		return -SK_EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -SK_ENOMEM;
	n->base.ops = &os_ops;
	n->loop = loop;
	n->log = log;
	if (sk_loop_hook_add(loop, &n->flush, flush_dirty, n) < 0) {
		free(n);
		return -SK_EINVAL;
	}
	*out = &n->base;
	return 0;
}
