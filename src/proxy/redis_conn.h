/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A blocking Redis connection with deadlines and a circuit breaker, for the
 * Redis location store (location_redis.c). Internal to src/proxy.
 */
#ifndef SK_REDIS_CONN_H
#define SK_REDIS_CONN_H

#include <hiredis/hiredis.h>

#include "sipkit/core.h"

struct sk_redis;

struct sk_redis_config {
	const char *url; /* redis://HOST:PORT[/DB] */
	const struct sk_clock *clock;
	const struct sk_log *log;
	uint32_t connect_ms, command_ms;     /* deadlines: connecting, one command's round trip */
	uint32_t backoff_ms, backoff_max_ms; /* the breaker: first pause, longest pause */
	size_t max_reply_bytes;              /* bytes of one reply */
	size_t max_reply_elements;           /* array elements of one reply, all levels */
	size_t max_string;                   /* bytes of one string of a reply */
	struct sk_redis_breaker *breaker;    /* shared with other connections; NULL: its own */
};

/** Parses the URL and resolves its host (once, here): 0, -SK_EINVAL, -SK_ENOMEM. No I/O. */
int sk_redis_new(struct sk_redis **out, const struct sk_redis_config *cfg);
void sk_redis_free(struct sk_redis *r);
/**
 * Sends one command (argv[0..argc), lengths given) and reads its reply into
 * *reply (free it with freeReplyObject; a Redis error reply is a reply).
 * -SK_EIO when no reply could be had by the deadline, the connection failed,
 * or the reply broke a bound or the protocol; the connection is then closed
 * and, for a backoff period, every command fails at once with -SK_EIO (the
 * breaker is open): an outage costs the event loop at most connect_ms +
 * command_ms per backoff period. A connection found dead when reused (the
 * server restarted) is reconnected once at once.
 */
int sk_redis_command(struct sk_redis *r, int argc, const char **argv, const size_t *lens,
                     redisReply **reply);
/** One reply decoded from bytes with the same bounds: 0, -SK_EAGAIN (incomplete),
 * -SK_EMALFORMED, -SK_ENOMEM. No I/O. */
int sk_redis_decode(struct sk_redis *r, const char *bytes, size_t len, redisReply **reply);
/** The URL's host:port/db, for messages. */
const char *sk_redis_name(const struct sk_redis *r);

#endif
