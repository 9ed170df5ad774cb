/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A Redis connection for the location store, synchronous on purpose: the
 * store's operations are synchronous (the registrar and the proxy read
 * bindings in the middle of handling a request), as Kamailio's db_redis is
 * per worker. What keeps a Redis outage from stalling the event loop is a
 * deadline on everything and a circuit breaker:
 *  - connecting is bounded by connect_ms, a command's round trip by
 *    command_ms (poll on a non-blocking socket against the clock);
 *  - after a failure the connection is closed and no attempt is made for a
 *    backoff period (backoff_ms, doubling up to backoff_max_ms while the
 *    failures go on); meanwhile every command fails at once. So an outage
 *    costs each request nothing, costs the loop at most connect_ms +
 *    command_ms per backoff period, and the first command after the period
 *    reconnects by itself;
 *  - a reused connection found closed (EOF, reset: the server restarted
 *    between two commands) is reconnected once at once, within the same
 *    deadlines; the store's commands are idempotent.
 * Several workers (docs/workers.md) have a connection each but may share one
 * breaker: an outage seen by one opens it for all, so it costs the proxy one
 * deadline and one log line per backoff period, not one per worker, and the
 * first worker to get a reply closes it for all ("available again" once).
 * hiredis (Debian's 0.14) formats the commands and parses the replies; the
 * socket is ours, so that every read is bounded. That hiredis has no reader
 * limits, so this file sets its own: bytes of a reply (what is fed to the
 * reader), array elements of a reply at all levels together (checked before
 * hiredis allocates an array), and bytes of a string. A server breaking one
 * of them, or the protocol, is treated as down: its stream cannot be trusted.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "redis_conn.h"
#include "sipkit/proxy.h"

#define REDIS_READ_CHUNK 16384

/* The breaker's state, under its lock: a connection's own, or shared by workers'. */
struct sk_redis_breaker {
	pthread_mutex_t lock;
	bool down;         /* open: every command fails at once */
	uint64_t retry_at; /* clock: no attempt before this */
	uint32_t backoff;  /* the next pause; 0: the first (backoff_ms) */
};

struct sk_redis {
	struct sk_redis_config cfg;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	unsigned db;
	char name[300];
	int fd; /* -1: not connected */
	redisReader *reader;
	redisReplyObjectFunctions fns;         /* ours: the bounds, then hiredis's own */
	const redisReplyObjectFunctions *base; /* hiredis's defaults */
	size_t elements;                       /* of the reply being read */
	struct sk_redis_breaker own;           /* when no shared one is given */
	struct sk_redis_breaker *br;           /* own or shared */
};

int sk_redis_breaker_new(struct sk_redis_breaker **out)
{
	struct sk_redis_breaker *b = calloc(1, sizeof(*b));
	if (!b)
		return -SK_ENOMEM;
	if (pthread_mutex_init(&b->lock, NULL) != 0) {
		free(b);
		return -SK_ENOMEM;
	}
	*out = b;
	return 0;
}

void sk_redis_breaker_free(struct sk_redis_breaker *b)
{
	if (!b)
		return;
	pthread_mutex_destroy(&b->lock);
	free(b);
}

/* ---- the reader's bounds ------------------------------------------------------ */

static void *bounded_string(const redisReadTask *t, char *s, size_t len)
{
	struct sk_redis *r = t->privdata;
	if (len > r->cfg.max_string)
		return NULL; /* hiredis: "Out of memory" error, the reply is dropped */
	return r->base->createString(t, s, len);
}

static void *bounded_array(const redisReadTask *t, int n)
{
	struct sk_redis *r = t->privdata;
	/* checked before hiredis callocs n pointers: "*2000000000\r\n" costs nothing */
	if (n < 0 || (size_t)n > r->cfg.max_reply_elements - r->elements)
		return NULL;
	r->elements += (size_t)n;
	return r->base->createArray(t, n);
}

static void *bounded_integer(const redisReadTask *t, long long v)
{
	struct sk_redis *r = t->privdata;
	return r->base->createInteger(t, v);
}

static void *bounded_nil(const redisReadTask *t)
{
	struct sk_redis *r = t->privdata;
	return r->base->createNil(t);
}

/* A hiredis reader with hiredis's own objects behind our bounds. */
static redisReader *bounded_reader(struct sk_redis *r)
{
	redisReader *rd = redisReaderCreate();
	if (!rd)
		return NULL;
	r->base = rd->fn;
	r->fns = (redisReplyObjectFunctions){bounded_string, bounded_array, bounded_integer,
	                                     bounded_nil, r->base->freeObject};
	rd->fn = &r->fns;
	rd->privdata = r;
	return rd;
}

/*
 * One reply from bytes, with the bounds of a connection's replies: 0 and
 * *reply, -SK_EAGAIN (incomplete), -SK_EMALFORMED (the protocol or a bound
 * broken), -SK_ENOMEM. For captured replies and the fuzz target.
 */
int sk_redis_decode(struct sk_redis *r, const char *bytes, size_t len, redisReply **reply)
{
	*reply = NULL;
	if (len > r->cfg.max_reply_bytes)
		return -SK_EMALFORMED;
	redisReader *rd = bounded_reader(r);
	if (!rd)
		return -SK_ENOMEM;
	void *out = NULL;
	r->elements = 0;
	int rc =
	    redisReaderFeed(rd, bytes, len) == REDIS_OK && redisReaderGetReply(rd, &out) == REDIS_OK
	        ? 0
	        : -SK_EMALFORMED;
	redisReaderFree(rd);
	if (rc == 0 && !out)
		rc = -SK_EAGAIN;
	*reply = out;
	return rc;
}

/* ---- set-up --------------------------------------------------------------------- */

/* "redis://HOST:PORT[/DB]", HOST a name, IPv4 or [IPv6]; resolved here, once. */
static int parse_url(struct sk_redis *r, const char *url)
{
	char host[256], port[8] = "6379";
	const char *p = url;
	if (strncmp(p, "redis://", 8) != 0)
		return -SK_EINVAL;
	p += 8;
	const char *hend;
	if (*p == '[') {
		hend = strchr(p, ']');
		if (!hend)
			return -SK_EINVAL;
		p++;
	} else {
		hend = p + strcspn(p, ":/");
	}
	size_t hl = (size_t)(hend - p);
	if (!hl || hl >= sizeof(host))
		return -SK_EINVAL;
	memcpy(host, p, hl);
	host[hl] = '\0';
	p = hend + (*hend == ']');
	if (*p == ':') {
		size_t pl = strspn(++p, "0123456789");
		if (!pl || pl > 5)
			return -SK_EINVAL;
		memcpy(port, p, pl);
		port[pl] = '\0';
		p += pl;
		if (atoi(port) < 1 || atoi(port) > 65535)
			return -SK_EINVAL;
	}
	if (*p == '/' && p[1]) {
		size_t dl = strspn(++p, "0123456789");
		if (!dl || dl > 5 || p[dl])
			return -SK_EINVAL;
		r->db = (unsigned)atoi(p);
		p += dl;
	} else if (*p == '/') {
		p++;
	}
	if (*p)
		return -SK_EINVAL;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
		return -SK_EINVAL;
	memcpy(&r->addr, ai->ai_addr, ai->ai_addrlen);
	r->addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	snprintf(r->name, sizeof(r->name), "%s%s%s:%s/%u", strchr(host, ':') ? "[" : "", host,
	         strchr(host, ':') ? "]" : "", port, r->db);
	return 0;
}

int sk_redis_new(struct sk_redis **out, const struct sk_redis_config *cfg)
{
	if (!out || !cfg || !cfg->url || !cfg->clock)
		return -SK_EINVAL;
	struct sk_redis *r = calloc(1, sizeof(*r));
	if (!r)
		return -SK_ENOMEM;
	r->cfg = *cfg;
	r->cfg.url = NULL;
	r->fd = -1;
	if (!r->cfg.connect_ms)
		r->cfg.connect_ms = 250;
	if (!r->cfg.command_ms)
		r->cfg.command_ms = 250;
	if (!r->cfg.backoff_ms)
		r->cfg.backoff_ms = 500;
	if (r->cfg.backoff_max_ms < r->cfg.backoff_ms)
		r->cfg.backoff_max_ms = r->cfg.backoff_ms * 8;
	if (!r->cfg.max_reply_bytes)
		r->cfg.max_reply_bytes = 1 << 20;
	if (!r->cfg.max_reply_elements)
		r->cfg.max_reply_elements = 4096;
	if (!r->cfg.max_string)
		r->cfg.max_string = 4096;
	r->br = cfg->breaker ? cfg->breaker : &r->own;
	if (!cfg->breaker && pthread_mutex_init(&r->own.lock, NULL) != 0) {
		free(r);
		return -SK_ENOMEM;
	}
	int rc = parse_url(r, cfg->url);
	if (rc < 0) {
		if (!cfg->breaker)
			pthread_mutex_destroy(&r->own.lock);
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

static void conn_close(struct sk_redis *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	if (r->reader)
		redisReaderFree(r->reader);
	r->reader = NULL;
}

void sk_redis_free(struct sk_redis *r)
{
	if (!r)
		return;
	conn_close(r);
	if (r->br == &r->own)
		pthread_mutex_destroy(&r->own.lock);
	free(r);
}

const char *sk_redis_name(const struct sk_redis *r)
{
	return r->name;
}

/* ---- I/O against a deadline -------------------------------------------------------- */

/* Waits for events on the socket until deadline: 0, or -SK_ETIMEDOUT / -SK_EIO. */
static int wait_fd(struct sk_redis *r, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = sk_clock_now(r->cfg.clock);
		if (now >= deadline)
			return -SK_ETIMEDOUT;
		struct pollfd pfd = {.fd = r->fd, .events = events};
		int n = poll(&pfd, 1, (int)(deadline - now));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -SK_EIO;
	}
}

static int send_all(struct sk_redis *r, const char *buf, size_t len, uint64_t deadline)
{
	for (size_t off = 0; off < len;) {
		ssize_t w = send(r->fd, buf + off, len - off, MSG_NOSIGNAL);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			int rc = wait_fd(r, POLLOUT, deadline);
			if (rc < 0)
				return rc;
			continue;
		}
		return -SK_EIO;
	}
	return 0;
}

/* Reads one reply; -SK_EIO (closed, reset), -SK_ETIMEDOUT, -SK_EMALFORMED (protocol or bound). */
static int read_reply(struct sk_redis *r, redisReply **reply, uint64_t deadline)
{
	char buf[REDIS_READ_CHUNK];
	size_t fed = 0;
	void *out = NULL;
	r->elements = 0;
	for (;;) {
		if (redisReaderGetReply(r->reader, &out) != REDIS_OK)
			return -SK_EMALFORMED;
		if (out) {
			*reply = out;
			return 0;
		}
		size_t room = r->cfg.max_reply_bytes - fed;
		if (!room)
			return -SK_EMALFORMED;
		ssize_t n = recv(r->fd, buf, room < sizeof(buf) ? room : sizeof(buf), 0);
		if (n > 0) {
			fed += (size_t)n;
			if (redisReaderFeed(r->reader, buf, (size_t)n) != REDIS_OK)
				return -SK_EMALFORMED;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			int rc = wait_fd(r, POLLIN, deadline);
			if (rc < 0)
				return rc;
			continue;
		}
		if (n == 0)
			errno = ECONNRESET; /* the server closed the connection */
		return -SK_EIO;
	}
}

/* One command on the open connection. */
static int roundtrip(struct sk_redis *r, int argc, const char **argv, const size_t *lens,
                     redisReply **reply, uint64_t deadline)
{
	char *cmd = NULL;
	int len = redisFormatCommandArgv(&cmd, argc, argv, lens);
	if (len < 0)
		return -SK_ENOMEM;
	int rc = send_all(r, cmd, (size_t)len, deadline);
	redisFreeCommand(cmd);
	if (rc == 0)
		rc = read_reply(r, reply, deadline);
	return rc;
}

static int conn_open(struct sk_redis *r, uint64_t now)
{
	r->fd = socket(r->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->fd < 0)
		return -SK_EIO;
	int one = 1;
	setsockopt(r->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(r->fd, (struct sockaddr *)&r->addr, r->addrlen) < 0) {
		if (errno != EINPROGRESS)
			return -SK_EIO;
		int rc = wait_fd(r, POLLOUT, now + r->cfg.connect_ms);
		int err = 0;
		socklen_t el = sizeof(err);
		if (rc < 0)
			return rc;
		if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
			errno = err ? err : errno; /* for the log line */
			return -SK_EIO;
		}
	}
	r->reader = bounded_reader(r);
	if (!r->reader)
		return -SK_ENOMEM;
	if (r->db) {
		char db[16];
		snprintf(db, sizeof(db), "%u", r->db);
		const char *argv[] = {"SELECT", db};
		size_t lens[] = {6, strlen(db)};
		redisReply *rep = NULL;
		int rc =
		    roundtrip(r, 2, argv, lens, &rep, now + r->cfg.connect_ms + r->cfg.command_ms);
		bool ok = rc == 0 && rep->type == REDIS_REPLY_STATUS;
		if (rep)
			freeReplyObject(rep);
		if (!ok)
			return rc < 0 ? rc : -SK_EIO;
	}
	return 0;
}

static const char *why(int rc)
{
	switch (rc) {
	case -SK_ETIMEDOUT: return "no answer in time";
	case -SK_EMALFORMED: return "a reply broke the protocol or a bound";
	case -SK_ENOMEM: return "out of memory";
	default: return strerror(errno ? errno : ECONNREFUSED);
	}
}

/* A failure opens the breaker for a backoff period, doubled while failures go on;
 * a worker failing in a period another one opened does not lengthen it. */
static void trip(struct sk_redis *r, int rc, uint64_t now)
{
	conn_close(r);
	struct sk_redis_breaker *b = r->br;
	pthread_mutex_lock(&b->lock);
	if (!b->down || now >= b->retry_at) {
		uint32_t pause = b->backoff ? b->backoff : r->cfg.backoff_ms;
		if (!b->down)
			sk_logf(r->cfg.log, SK_LOG_ERR,
			        "location: redis %s unavailable (%s): store errors for %u ms, then "
			        "retried",
			        r->name, why(rc), (unsigned)pause);
		b->down = true;
		b->retry_at = now + pause;
		b->backoff = pause > r->cfg.backoff_max_ms / 2 ? r->cfg.backoff_max_ms : pause * 2;
	}
	pthread_mutex_unlock(&b->lock);
}

/* A reply: the breaker closes (logged once, by whichever worker saw it first). */
static void recovered(struct sk_redis *r)
{
	struct sk_redis_breaker *b = r->br;
	pthread_mutex_lock(&b->lock);
	if (b->down)
		sk_logf(r->cfg.log, SK_LOG_WARN, "location: redis %s available again", r->name);
	b->down = false;
	b->backoff = 0;
	pthread_mutex_unlock(&b->lock);
}

static bool breaker_open(struct sk_redis *r, uint64_t now)
{
	struct sk_redis_breaker *b = r->br;
	pthread_mutex_lock(&b->lock);
	bool open = b->down && now < b->retry_at;
	pthread_mutex_unlock(&b->lock);
	return open;
}

int sk_redis_command(struct sk_redis *r, int argc, const char **argv, const size_t *lens,
                     redisReply **reply)
{
	*reply = NULL;
	uint64_t now = sk_clock_now(r->cfg.clock);
	if (breaker_open(r, now))
		return -SK_EIO; /* the breaker is open: nothing tried, nothing waited for */
	bool reused = r->fd >= 0;
	int rc = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		errno = 0;
		if (r->fd < 0)
			rc = conn_open(r, now);
		if (rc == 0)
			rc = roundtrip(r, argc, argv, lens, reply, now + r->cfg.command_ms);
		if (rc == 0)
			break;
		conn_close(r);
		/* a connection that died while idle (the server restarted): once more, fresh */
		if (!(reused && attempt == 0 && rc == -SK_EIO))
			break;
		now = sk_clock_now(r->cfg.clock);
	}
	if (rc < 0) {
		trip(r, rc, sk_clock_now(r->cfg.clock));
		return -SK_EIO;
	}
	recovered(r);
	return 0;
}
