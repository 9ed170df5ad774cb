/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transport's stream connections (RFC 3261 §18, §18.3 framing, RFC 5923
 * reuse, RFC 5626 §3.5.1 and §4.4.1 keep-alives): their life, framing, reuse,
 * the caps on accepted, outgoing and per-source connections with their keyed
 * tables, and the idle and header timers.
 *
 * What a stranger can hold is bounded, each bound in O(1) (DESIGN.md,
 * "Bounds"): accepted connections have a cap, and one per source address kept
 * in a keyed table; outgoing ones a cap of their own. Only a complete message
 * keeps a connection alive, and a message must be whole within header_ms of
 * its first byte: one byte now and then (slowloris) buys nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "tp_int.h"

/* ---- connections --------------------------------------------------------- */

void sk_tp_conn_limits_default(struct sk_tp_conn_limits *l)
{
	if (!l->max_in)
		l->max_in = 2048;
	if (!l->max_out)
		l->max_out = 1024;
	if (!l->max_per_source)
		l->max_per_source = 64;
	if (!l->idle_ms)
		l->idle_ms = 120000;
	if (!l->idle_new_ms)
		l->idle_new_ms = 20000;
	if (!l->header_ms)
		l->header_ms = 10000;
}

static void idle_fired(void *arg);
static void header_fired(void *arg);

/*
 * The address of a, zero elsewhere (so keys compare and hash as bytes); with
 * the port for a connection's remote end, without it for a source. A source
 * on IPv6 is its /64: one host holds a whole /64 (RFC 4291 §2.5.1 interface
 * identifiers, SLAAC), so counting single addresses would cap nobody. IPv4
 * mapped into IPv6 stays one IPv4 address.
 */
void sk_tp_sa_key(const struct sk_sa *a, bool port, struct sk_sa *k)
{
	memset(k, 0, sizeof(*k));
	k->u.sa.sa_family = a->u.sa.sa_family;
	if (a->u.sa.sa_family == AF_INET) {
		k->u.in.sin_addr = a->u.in.sin_addr;
		k->u.in.sin_port = port ? a->u.in.sin_port : 0;
	} else if (a->u.sa.sa_family == AF_INET6) {
		const struct in6_addr *in6 = &a->u.in6.sin6_addr;
		size_t n = port || IN6_IS_ADDR_V4MAPPED(in6) ? 16 : 8;
		memcpy(k->u.in6.sin6_addr.s6_addr, in6->s6_addr, n);
		k->u.in6.sin6_port = port ? a->u.in6.sin6_port : 0;
	}
}

static uint64_t sa_hash(const struct sk_tp *tp, const struct sk_sa *k)
{
	return sk_hash(&tp->key, k, sizeof(*k));
}

static bool source_eq(const struct sk_hnode *n, const void *ctx)
{
	return !memcmp(&sk_container_of(n, struct source, node)->host, ctx, sizeof(struct sk_sa));
}

/* The source of peer: found in O(1) under the keyed hash, NULL when it holds none. */
static struct source *source_find(struct sk_tp *tp, const struct sk_sa *k, uint64_t h)
{
	struct sk_hnode *n = sk_htab_find(&tp->sources, h, source_eq, k);
	return n ? sk_container_of(n, struct source, node) : NULL;
}

/* One line now, or none until a second has passed; *quiet: lines left out since. */
bool sk_tp_ratelog_pass(struct sk_tp *tp, struct ratelog *r, uint64_t *quiet)
{
	uint64_t now = sk_timers_now(tp->cfg.timers);
	if (r->used && now - r->at < 1000) {
		r->quiet++;
		return false;
	}
	*quiet = r->quiet;
	r->at = now;
	r->quiet = 0;
	r->used = true;
	return true;
}

static uint32_t idle_ms(const struct conn *c)
{
	const struct sk_tp_conn_limits *l = &c->tp->cfg.conns;
	return c->established ? l->idle_ms : l->idle_new_ms;
}

static struct conn *conn_new(struct sk_tp *tp, struct sk_net_sock *sock, enum sk_proto proto,
                             const struct sk_sa *remote, bool inbound)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->tp = tp;
	c->sock = sock;
	c->proto = proto;
	/* in a group, our index in the top byte: every member's ids unique together, and
	 * any member knows whose a connection is (transport.h) */
	c->id = (uint64_t)tp->owner << SK_TP_CONN_OWNER_SHIFT | ++tp->next_conn;
	/* an accepted one may be sent on by another member of our group (tp_group.c) */
	if (inbound && tp->group && sk_tp_group_add(tp->group, c->id, proto, remote) < 0) {
		free(c);
		return NULL;
	}
	c->remote = *remote;
	c->local = sock->local;
	c->inbound = inbound;
	/* ours carry what we send from the start; an accepted one has to earn the long idle
	 * timeout with a complete message */
	c->established = !inbound;
	sock->user = c;
	sk_timer_init(&c->idle, idle_fired, c);
	sk_timer_init(&c->header, header_fired, c);
	sk_timer_start(tp->cfg.timers, &c->idle, idle_ms(c));
	struct sk_sa k;
	sk_tp_sa_key(remote, true, &k);
	sk_htab_insert(&tp->conn_ids, &c->by_id, sk_hash(&tp->key, &c->id, sizeof(c->id)));
	sk_htab_insert(&tp->conn_remotes, &c->by_remote, sa_hash(tp, &k));
	c->next = tp->conns;
	if (tp->conns)
		tp->conns->prev = c;
	tp->conns = c;
	tp->st.conns++;
	if (inbound)
		tp->st.conns_in++;
	else
		tp->st.conns_out++;
	tp->st.conns_opened++;
	return c;
}

/* A source lives while it has connections (the table holds at most max_in). */
static void source_drop_empty(struct sk_tp *tp, struct source *src)
{
	if (src && !src->conns) {
		sk_htab_remove(&tp->sources, &src->node);
		tp->st.sources--;
		free(src);
	}
}

static void source_leave(struct sk_tp *tp, struct conn *c)
{
	struct source *src = c->src;
	c->src = NULL;
	if (src) {
		src->conns--;
		source_drop_empty(tp, src);
	}
}

/* Closes the socket and forgets the connection (later, if it is dispatching). */
void sk_tp_conn_free(struct conn *c)
{
	struct sk_tp *tp = c->tp;
	if (c->sock) {
		tp->cfg.net->ops->close(c->sock);
		c->sock = NULL;
		sk_timer_stop(tp->cfg.timers, &c->idle);
		sk_timer_stop(tp->cfg.timers, &c->header);
		sk_tp_tls_end(c);
		sk_htab_remove(&tp->conn_ids, &c->by_id);
		sk_htab_remove(&tp->conn_remotes, &c->by_remote);
		if (c->inbound && tp->group) /* no member sends on it from now on */
			sk_tp_group_remove(tp->group, c->id);
		source_leave(tp, c);
		sk_tp_ws_detach(c);
		if (c->prev)
			c->prev->next = c->next;
		else
			tp->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		tp->st.conns--;
		if (c->inbound)
			tp->st.conns_in--;
		else
			tp->st.conns_out--;
		tp->st.conns_closed++;
	}
	if (c->dispatching) {
		c->dead = true;
		return;
	}
	sk_tls_conn_free(c->tls);
	free(c->in);
	free(c);
}

/* A connection that failed: the transaction layer hears of it (§17.1.4). */
void sk_tp_conn_fail(struct conn *c, int err)
{
	struct sk_tp *tp = c->tp;
	uint64_t id = c->id;
	/* the members of our group that sent on it hear of it too (their transactions on it
	 * fail as ours do); taken from the table before the free, which finds it gone */
	uint64_t others =
	    c->inbound && tp->group && c->sock ? sk_tp_group_remove(tp->group, id) : 0;
	sk_tp_conn_free(c);
	if (tp->user.conn_lost)
		tp->user.conn_lost(tp->user.arg, id, err);
	if (others && tp->gone)
		tp->gone(tp->gone_arg, id, others);
}

static bool conn_id_eq(const struct sk_hnode *n, const void *ctx)
{
	return sk_container_of(n, struct conn, by_id)->id == *(const uint64_t *)ctx;
}

struct conn *sk_tp_conn_by_id(struct sk_tp *tp, uint64_t id)
{
	struct sk_hnode *n =
	    sk_htab_find(&tp->conn_ids, sk_hash(&tp->key, &id, sizeof(id)), conn_id_eq, &id);
	return n ? sk_container_of(n, struct conn, by_id) : NULL;
}

struct remote_key {
	enum sk_proto proto;
	const struct sk_sa *remote;
};

static bool conn_remote_eq(const struct sk_hnode *n, const void *ctx)
{
	const struct remote_key *k = ctx;
	const struct conn *c = sk_container_of(n, struct conn, by_remote);
	return c->proto == k->proto && sk_sa_equal(&c->remote, k->remote);
}

/* An open connection of proto to remote (reuse, §18.1.1 / RFC 5923 §1), in O(1): a TCP one
 * never stands in for TLS, nor the other way round (RFC 5630 §3.1.2). */
struct conn *sk_tp_conn_by_remote(struct sk_tp *tp, enum sk_proto proto, const struct sk_sa *remote)
{
	struct sk_sa k;
	sk_tp_sa_key(remote, true, &k);
	struct remote_key rk = {proto, remote};
	struct sk_hnode *n = sk_htab_find(&tp->conn_remotes, sa_hash(tp, &k), conn_remote_eq, &rk);
	return n ? sk_container_of(n, struct conn, by_remote) : NULL;
}

/* A connection closed by one of its timers: not a failure, a response can still come on a
 * new connection (§18.2.2); the line is rate-limited, strangers make as many as they like. */
void sk_tp_conn_expire(struct conn *c, const char *why)
{
	struct sk_tp *tp = c->tp;
	uint64_t quiet;
	if (sk_tp_ratelog_pass(tp, &tp->log_closed, &quiet)) {
		char a[64];
		sk_sa_print(&c->remote, a, sizeof(a));
		sk_logf(tp->cfg.log, SK_LOG_INFO,
		        "transport: closing %s connection %llu to %s (%llu more not logged)", why,
		        (unsigned long long)c->id, a, (unsigned long long)quiet);
	}
	sk_tp_conn_free(c);
}

static void idle_fired(void *arg)
{
	struct conn *c = arg;
	/* a WebSocket client is asked first (RFC 6455 §5.5.2): its pong keeps it */
	if (c->ws && sk_tp_ws_idle(c)) {
		sk_timer_start(c->tp->cfg.timers, &c->idle, idle_ms(c));
		return;
	}
	c->tp->st.closed_idle++;
	sk_tp_conn_expire(c, "idle");
}

/* A message begun header_ms ago is still not whole: a slow sender (slowloris) or a broken
 * one; either way it holds a connection it does not use. */
static void header_fired(void *arg)
{
	struct conn *c = arg;
	c->tp->st.closed_header++;
	sk_tp_conn_expire(c, c->established ? "stalled" : "stalled new");
}

bool sk_tp_conn_foreign(const struct sk_tp *tp, uint64_t conn)
{
	return tp->group && sk_tp_conn_owner(conn) != tp->owner;
}

bool sk_tp_conn_open(struct sk_tp *tp, uint64_t conn)
{
	if (conn && sk_tp_conn_foreign(tp, conn))
		return sk_tp_group_conn(tp->group, conn, NULL, NULL);
	return conn && sk_tp_conn_by_id(tp, conn);
}

int sk_tp_conn_peer(struct sk_tp *tp, uint64_t conn, enum sk_proto *proto, struct sk_sa *remote)
{
	if (conn && sk_tp_conn_foreign(tp, conn))
		return sk_tp_group_conn(tp->group, conn, proto, remote) ? 0 : -SK_ENOTFOUND;
	struct conn *c = conn ? sk_tp_conn_by_id(tp, conn) : NULL;
	if (!c)
		return -SK_ENOTFOUND;
	*proto = c->proto;
	*remote = c->remote;
	return 0;
}

void sk_tp_conn_close(struct sk_tp *tp, uint64_t conn)
{
	struct conn *c = sk_tp_conn_by_id(tp, conn);
	if (c)
		sk_tp_conn_free(c);
}

/* ---- receiving ----------------------------------------------------------- */

void sk_tp_conn_up_accepted(void *arg, struct sk_net_sock *ls, struct sk_net_sock *cs,
                            const struct sk_sa *peer)
{
	struct sk_tp *tp = arg;
	const struct sk_tp_conn_limits *lim = &tp->cfg.conns;
	const struct listener *l = ls->user;
	enum sk_proto proto = l ? l->proto : SK_PROTO_TCP;
	struct sk_sa k;
	sk_tp_sa_key(peer, false, &k);
	uint64_t h = sa_hash(tp, &k);
	struct source *src = source_find(tp, &k, h);
	const char *why = NULL;
	uint32_t limit = 0;
	/* Refused at once, in O(1): a connection we cannot keep costs nothing to keep. */
	if (tp->st.conns_in >= lim->max_in) {
		tp->st.refused_in++;
		why = "accepted connections open";
		limit = lim->max_in;
	} else if (src && src->conns >= lim->max_per_source) {
		tp->st.refused_source++;
		why = "connections open from that source";
		limit = lim->max_per_source;
	} else if (sk_proto_is_secure(proto) && tp->st.handshakes >= tp->max_handshakes) {
		/* the costly part of TLS is the handshake: a cap on those in progress keeps a
		 * flood of ClientHellos from taking the CPU and memory of established peers */
		tp->st.refused_handshake++;
		why = "TLS handshakes in progress";
		limit = tp->max_handshakes;
	} else if (sk_proto_is_secure(proto) && !tp->tls_server) {
		tp->st.refused_in++;
		why = "certificates to accept TLS with";
	}
	if (why) {
		uint64_t quiet;
		tp->st.conns_refused++;
		if (sk_tp_ratelog_pass(tp, &tp->log_refused, &quiet)) {
			char a[64];
			sk_sa_print(peer, a, sizeof(a));
			sk_logf(tp->cfg.log, SK_LOG_WARN,
			        "transport: refusing connection from %s: %u %s (%llu more refused, "
			        "not logged)",
			        a, (unsigned)limit, why, (unsigned long long)quiet);
		}
		tp->cfg.net->ops->close(cs);
		return;
	}
	if (!src) {
		src = calloc(1, sizeof(*src));
		if (!src) {
			tp->cfg.net->ops->close(cs);
			return;
		}
		src->host = k;
		sk_htab_insert(&tp->sources, &src->node, h);
		tp->st.sources++;
	}
	struct conn *c = conn_new(tp, cs, proto, peer, true);
	if (!c) {
		source_drop_empty(tp, src);
		tp->cfg.net->ops->close(cs);
		return;
	}
	c->src = src;
	src->conns++;
	c->up = true;
	/* wss (RFC 6455 §3, RFC 7118): TLS first, then the upgrade and frames on its
	 * plaintext, exactly as on ws; the WebSocket cap counts both */
	if (sk_proto_is_ws(proto) && sk_tp_ws_attach(c) < 0) {
		/* over the WebSocket cap: closed at once, as over the others */
		tp->st.conns_refused++;
		tp->st.ws_refused++;
		sk_tp_conn_free(c);
	} else if (sk_proto_is_secure(proto) && sk_tp_tls_start(c, NULL) < 0) {
		sk_tp_conn_free(c);
	}
}

void sk_tp_conn_up_connected(void *arg, struct sk_net_sock *s, int err)
{
	struct conn *c = s->user;
	(void)arg;
	if (err < 0) {
		char a[64];
		sk_sa_print(&c->remote, a, sizeof(a));
		sk_logf(c->tp->cfg.log, SK_LOG_WARN, "transport: connection to %s failed (%d)", a,
		        err);
		sk_tp_conn_fail(c, -SK_EIO);
		return;
	}
	c->up = true;
	c->local = s->local;
}

/* Too much or garbage: the peer is cut off, the others carry on. */
void sk_tp_conn_reject(struct conn *c, const char *why)
{
	char a[64];
	sk_sa_print(&c->remote, a, sizeof(a));
	sk_logf(c->tp->cfg.log, SK_LOG_WARN, "transport: disconnecting %s: %s", a, why);
	c->tp->st.rx_bad++;
	sk_tp_conn_fail(c, -SK_EIO);
}

/*
 * The timers after a read. whole: at least one message completed; pinged: a
 * keep-alive ping came (RFC 5626 §4.4.1); partial: a message has begun and is
 * not whole. A message resets the idle timer and makes the connection an
 * established one; a ping keeps an established connection only (an accepted
 * one that never sent a message has nothing to keep alive). The header timer
 * runs from the first byte of a message until it is whole: more bytes of the
 * same message never restart it.
 */
void sk_tp_conn_timers(struct conn *c, bool whole, bool pinged, bool partial)
{
	struct sk_timers *ts = c->tp->cfg.timers;
	if (whole)
		c->established = true;
	if (whole || (pinged && c->established))
		sk_timer_start(ts, &c->idle, idle_ms(c));
	if (!partial)
		sk_timer_stop(ts, &c->header);
	else if (whole || !sk_timer_pending(&c->header))
		sk_timer_start(ts, &c->header, c->tp->cfg.conns.header_ms);
}

void sk_tp_conn_up_stream(void *arg, struct sk_net_sock *s, const char *buf, size_t len)
{
	struct conn *c = s->user;
	(void)arg;
	if (c->tls)
		sk_tp_tls_stream(c, buf, len);
	else
		sk_tp_conn_intake(c, buf, len);
}

void sk_tp_conn_intake(struct conn *c, const char *buf, size_t len)
{
	struct sk_tp *tp = c->tp;
	size_t cap_limit = (size_t)tp->cfg.limits.max_msg_size + 4096;
	if (c->in_len + len > cap_limit) {
		/* More than one message's worth unframed: the framer would have cut it. */
		sk_tp_conn_reject(c, "more unframed bytes than the message size limit");
		return;
	}
	if (c->in_len + len > c->in_cap) {
		size_t ncap = c->in_cap ? c->in_cap : 4096;
		while (ncap < c->in_len + len)
			ncap *= 2;
		char *n = realloc(c->in, ncap);
		if (!n) {
			sk_tp_conn_reject(c, "out of memory");
			return;
		}
		c->in = n;
		c->in_cap = ncap;
	}
	memcpy(c->in + c->in_len, buf, len);
	c->in_len += len;
	if (c->ws) {
		sk_tp_ws_input(c); /* the upgrade, then frames (ws_conn.c) */
		return;
	}
	/* No timer moves for bytes: a complete message or ping resets the idle one, the
	 * header one runs from a message's first byte (conn_timers). */
	bool whole = false, pinged = false, crlf_only = false;

	struct sk_flow flow = {
	    .proto = c->proto, .local = c->local, .remote = c->remote, .conn = c->id};
	size_t off = 0;
	c->dispatching++;
	while (!c->dead && off < c->in_len) {
		size_t skip = 0, mlen = 0;
		struct sk_parse_err err = {0};
		int rc =
		    sk_msg_frame(c->in + off, c->in_len - off, &tp->cfg.limits, &skip, &mlen, &err);
		/*
		 * RFC 5626 §3.5.1, §4.4.1: a double-CRLF ping from the client of the
		 * connection gets a single-CRLF pong. On a connection we opened, CRLFs
		 * are pongs to our pings: two of them are no ping to answer.
		 */
		bool ping = c->inbound && skip >= 4 && memmem(c->in + off, skip, "\r\n\r\n", 4);
		if (rc == -SK_EAGAIN && !ping && off + skip == c->in_len) {
			/* Only CRLFs so far: a ping cut by the stream ("\r\n\r" + "\n") is
			 * whole only with the next read, so its last 3 bytes wait for it. */
			off += skip > 3 ? skip - 3 : 0;
			crlf_only = true;
			break;
		}
		if (ping && c->sock)
			tp->cfg.net->ops->write(c->sock, "\r\n", 2);
		pinged = pinged || ping;
		off += skip;
		if (rc == -SK_EAGAIN)
			break;
		if (rc < 0) {
			sk_tp_conn_reject(c, err.why ? err.why : "malformed stream");
			break; /* c is dead now, freed below */
		}
		whole = true;
		sk_tp_handle_msg(tp, c->in + off, mlen, &flow, true);
		off += mlen;
	}
	c->dispatching--;
	if (c->dead) {
		if (!c->dispatching)
			sk_tp_conn_free(c);
		return;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	sk_tp_conn_timers(c, whole, pinged, c->in_len > 0 && !crlf_only);
}

void sk_tp_conn_up_closed(void *arg, struct sk_net_sock *s, int err)
{
	struct conn *c = s->user;
	(void)arg;
	/* a WebSocket client's connection is never opened again by us (RFC 7118 §5): what
	 * was to go back on it fails now; a server that closes before our TLS handshake
	 * ends refused us: a transport error */
	if (err < 0 || c->ws || (c->handshaking && !c->inbound))
		sk_tp_conn_fail(c, -SK_EIO);
	else
		sk_tp_conn_free(c); /* an orderly close: responses may come on a new connection */
}

/* ---- sending ------------------------------------------------------------- */

struct conn *sk_tp_conn_connect(struct sk_tp *tp, enum sk_proto proto, const struct sk_sa *remote,
                                const char *name, int *err)
{
	const struct sk_net_ops *ops = tp->cfg.net->ops;
	/* our own cap: accepted connections, however many, never count against it */
	if (tp->st.conns_out >= tp->cfg.conns.max_out) {
		uint64_t quiet;
		tp->st.conns_refused++;
		tp->st.refused_out++;
		if (sk_tp_ratelog_pass(tp, &tp->log_refused, &quiet))
			sk_logf(tp->cfg.log, SK_LOG_WARN,
			        "transport: no new connection: %u outgoing connections open "
			        "(%llu more refused, not logged)",
			        (unsigned)tp->cfg.conns.max_out, (unsigned long long)quiet);
		*err = -SK_EFULL;
		return NULL;
	}
	if (proto == SK_PROTO_TLS && !tp->tls_client) {
		*err = -SK_ENOTSUP; /* no TLS configured */
		return NULL;
	}
	struct sk_net_sock *s;
	if (ops->tcp_connect(tp->cfg.net, remote, &s) < 0) {
		*err = -SK_EIO;
		return NULL;
	}
	struct conn *c = conn_new(tp, s, proto, remote, false);
	if (!c) {
		ops->close(s);
		*err = -SK_ENOMEM;
		return NULL;
	}
	if (proto == SK_PROTO_TLS && (*err = sk_tp_tls_start(c, name)) < 0) {
		sk_tp_conn_free(c);
		return NULL;
	}
	return c;
}

/*
 * Another member's connection: the bytes go to it through the across hook
 * when the group's table has the connection open (-SK_EIO at once when it has
 * not, as for a closed one of ours: a WebSocket is reached over it or not at
 * all). A TCP or TLS flow whose connection went is sent as one of ours whose
 * connection went: on another to its far end, else a new one.
 */
int sk_tp_conn_across(struct sk_tp *tp, struct sk_flow *flow, const char *buf, size_t len,
                      bool *sent)
{
	enum sk_proto proto;
	*sent = false;
	if (sk_tp_group_use(tp->group, flow->conn, tp->owner, &proto) && proto == flow->proto) {
		*sent = true;
		return tp->across ? tp->across(tp->across_arg, sk_tp_conn_owner(flow->conn), flow,
		                               buf, len)
		                  : -SK_EIO;
	}
	if (sk_proto_is_ws(flow->proto))
		return -SK_EIO;
	flow->conn = 0;
	return 0;
}

int sk_tp_conn_send(struct sk_tp *tp, struct sk_flow *flow, const char *buf, size_t len)
{
	const struct sk_net_ops *ops = tp->cfg.net->ops;
	struct conn *c = flow->conn ? sk_tp_conn_by_id(tp, flow->conn) : NULL;
	if (c && c->proto != flow->proto)
		c = NULL;
	if (!c)
		c = sk_tp_conn_by_remote(tp, flow->proto, &flow->remote);
	/* a WebSocket flow goes on the client's own connection or nowhere (RFC 7118 §5) */
	if (sk_proto_is_ws(flow->proto) && (!c || !c->ws))
		return -SK_EIO;
	if (!sk_proto_is_ws(flow->proto) && c && c->ws)
		c = NULL;
	int rc = 0;
	if (!c && !(c = sk_tp_conn_connect(tp, flow->proto, &flow->remote, NULL, &rc)))
		return rc;
	flow->conn = c->id;
	if (ops->pending(c->sock) + (c->tls ? sk_tp_tls_pending(c) : 0) + len >
	    tp->cfg.max_conn_buffer) {
		sk_tp_conn_reject(c, "peer does not read: send buffer full");
		return -SK_EIO;
	}
	if (c->ws    ? sk_tp_ws_write(c, buf, len) < 0
	    : c->tls ? sk_tp_tls_write(c, buf, len) < 0
	             : ops->write(c->sock, buf, len) < 0) {
		sk_tp_conn_fail(c, -SK_EIO);
		return -SK_EIO;
	}
	/* What we send keeps a connection in use, but only one that has earned it: an
	 * accepted one that never completed a message keeps its short timeout. */
	if (c->established)
		sk_timer_start(tp->cfg.timers, &c->idle, idle_ms(c));
	return 0;
}
