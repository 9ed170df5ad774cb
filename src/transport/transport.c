/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transport (RFC 3261 §18, RFC 3581): listeners, stream connections with
 * framing, reuse, caps and idle timeouts, the Via of outgoing requests, the
 * received/rport stamp on incoming ones, and where responses go. Bytes move
 * through a socket backend (net.h): OS sockets or simnet.
 *
 * What a stranger can hold is bounded, each bound in O(1) (DESIGN.md,
 * "Bounds"): accepted connections have a cap, and one per source address kept
 * in a keyed table; outgoing ones a cap of their own. Only a complete message
 * keeps a connection alive, and a message must be whole within header_ms of
 * its first byte: one byte now and then (slowloris) buys nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

struct listener {
	struct sk_tp *tp;
	struct sk_net_sock *sock;
	enum sk_proto proto;
	struct sk_sa addr;
	char sent_by[64]; /* "host:port" as our Vias write it */
	struct listener *next;
};

/* The accepted connections open from one IPv4 address or IPv6 /64. */
struct source {
	struct sk_hnode node; /* in tp->sources, hashed under tp->key */
	struct sk_sa host;    /* source_key: the address alone, zero elsewhere */
	uint32_t conns;
};

struct conn {
	struct sk_tp *tp;
	struct sk_net_sock *sock;
	uint64_t id;
	struct sk_sa remote, local;
	bool up;
	bool inbound;     /* accepted: the peer is the client, the one that pings */
	bool established; /* carried a complete message (ours are from the start) */
	bool dead;        /* closed during its own dispatch; freed when it returns */
	int dispatching;
	char *in; /* bytes received and not yet framed */
	size_t in_len, in_cap;
	struct sk_timer idle;   /* no complete message for idle_ms (idle_new_ms) */
	struct sk_timer header; /* a message begun and not whole for header_ms */
	struct source *src;     /* accepted ones: their source */
	struct sk_hnode by_id, by_remote;
	struct conn *prev, *next;
};

/* At most one log line a second per kind of event a stranger can repeat at will. */
struct ratelog {
	uint64_t at;    /* time of the last line */
	uint64_t quiet; /* events since, not logged */
	bool used;
};

struct sk_tp {
	struct sk_tp_config cfg;
	struct sk_tp_user user;
	struct sk_rng rng;
	struct sk_msg *msg; /* parse buffer, reused for every message */
	struct listener *listeners;
	struct conn *conns;
	uint64_t next_conn;
	struct sk_hash_key key;
	struct sk_htab sources, conn_ids, conn_remotes;
	struct ratelog log_refused, log_closed;
	struct sk_tp_stats st;
	sk_tp_trace_fn trace;
	void *trace_arg;
};

static const struct sk_net_up tp_up;

static void conn_limits_default(struct sk_tp_conn_limits *l)
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

/* The per-source table's key: the caller's (the stack's), else one of our own. */
static int key_init(struct sk_tp *tp, const struct sk_tp_config *cfg)
{
	if (cfg->key) {
		tp->key = *cfg->key;
		return 0;
	}
	if (cfg->seed) {
		/* a generator of its own, so that seeded branches replay as before */
		struct sk_rng kr;
		sk_rng_seed(&kr, cfg->seed ^ 0x50c4e75ULL);
		sk_hash_key_from_rng(&tp->key, &kr);
		return 0;
	}
	return sk_hash_key_from_os(&tp->key);
}

static void tp_tables_free(struct sk_tp *tp)
{
	sk_htab_free(&tp->sources);
	sk_htab_free(&tp->conn_ids);
	sk_htab_free(&tp->conn_remotes);
}

int sk_tp_new(struct sk_tp **out, const struct sk_tp_config *cfg, const struct sk_tp_user *user)
{
	if (!out || !cfg || !cfg->timers || !cfg->net)
		return -SK_EINVAL;
	struct sk_tp *tp = calloc(1, sizeof(*tp));
	if (!tp)
		return -SK_ENOMEM;
	tp->cfg = *cfg;
	/* Each zero limit takes its default, not only an all-zero set: a caller that
	 * sets max_msg_size alone must not get max_headers 0, which no message passes. */
	struct sk_msg_limits def = sk_msg_limits_default();
	struct sk_msg_limits *lim = &tp->cfg.limits;
	if (!lim->max_msg_size)
		lim->max_msg_size = def.max_msg_size;
	if (!lim->max_headers)
		lim->max_headers = def.max_headers;
	if (!lim->max_line_len)
		lim->max_line_len = def.max_line_len;
	if (!lim->max_vias)
		lim->max_vias = def.max_vias;
	if (!lim->max_addrs)
		lim->max_addrs = def.max_addrs;
	conn_limits_default(&tp->cfg.conns);
	if (!tp->cfg.max_conn_buffer)
		tp->cfg.max_conn_buffer = 1u << 20;
	if (!tp->cfg.udp_max)
		tp->cfg.udp_max = 1300;
	tp->cfg.key = NULL; /* copied below: the caller's may not outlive us */
	if (user)
		tp->user = *user;
	if (cfg->seed)
		sk_rng_seed(&tp->rng, cfg->seed);
	else if (sk_rng_seed_os(&tp->rng) < 0) {
		free(tp);
		return -SK_EAGAIN;
	}
	int rc = key_init(tp, cfg);
	if (rc < 0 || sk_htab_init(&tp->sources, 64) < 0 || sk_htab_init(&tp->conn_ids, 64) < 0 ||
	    sk_htab_init(&tp->conn_remotes, 64) < 0 || sk_msg_new(&tp->msg, &tp->cfg.limits) < 0) {
		tp_tables_free(tp);
		free(tp);
		return rc < 0 ? rc : -SK_ENOMEM;
	}
	cfg->net->up = tp_up;
	cfg->net->up_arg = tp;
	*out = tp;
	return 0;
}

static void conn_free(struct conn *c);

void sk_tp_set_user(struct sk_tp *tp, const struct sk_tp_user *user)
{
	tp->user = *user;
}

void sk_tp_free(struct sk_tp *tp)
{
	if (!tp)
		return;
	while (tp->conns)
		conn_free(tp->conns);
	while (tp->listeners) {
		struct listener *l = tp->listeners;
		tp->listeners = l->next;
		tp->cfg.net->ops->close(l->sock);
		free(l);
	}
	sk_msg_free(tp->msg);
	tp_tables_free(tp);
	free(tp);
}

int sk_tp_listen(struct sk_tp *tp, enum sk_proto proto, const struct sk_sa *addr,
                 struct sk_sa *bound)
{
	const struct sk_net_ops *ops = tp->cfg.net->ops;
	if (proto != SK_PROTO_UDP && proto != SK_PROTO_TCP)
		return -SK_EINVAL;
	struct listener *l = calloc(1, sizeof(*l));
	if (!l)
		return -SK_ENOMEM;
	int rc = proto == SK_PROTO_UDP ? ops->udp_bind(tp->cfg.net, addr, &l->sock)
	                               : ops->tcp_listen(tp->cfg.net, addr, &l->sock);
	if (rc < 0) {
		char a[64];
		sk_sa_print(addr, a, sizeof(a));
		sk_logf(tp->cfg.log, SK_LOG_ERR, "transport: cannot listen on %s:%s (%d)",
		        sk_proto_name(proto), a, rc);
		free(l);
		return -SK_EIO; /* the backend's errno is in the log line (net.h) */
	}
	l->tp = tp;
	l->proto = proto;
	l->addr = l->sock->local;
	l->sock->user = l;
	sk_sa_print(&l->addr, l->sent_by, sizeof(l->sent_by));
	/* Appended: the first listener of a protocol and family gives the sent-by. */
	struct listener **pp = &tp->listeners;
	while (*pp)
		pp = &(*pp)->next;
	*pp = l;
	if (bound)
		*bound = l->addr;
	return 0;
}

/* ---- connections --------------------------------------------------------- */

static void idle_fired(void *arg);
static void header_fired(void *arg);

/*
 * The address of a, zero elsewhere (so keys compare and hash as bytes); with
 * the port for a connection's remote end, without it for a source. A source
 * on IPv6 is its /64: one host holds a whole /64 (RFC 4291 §2.5.1 interface
 * identifiers, SLAAC), so counting single addresses would cap nobody. IPv4
 * mapped into IPv6 stays one IPv4 address.
 */
static void sa_key(const struct sk_sa *a, bool port, struct sk_sa *k)
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
static bool ratelog_pass(struct sk_tp *tp, struct ratelog *r, uint64_t *quiet)
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

static struct conn *conn_new(struct sk_tp *tp, struct sk_net_sock *sock, const struct sk_sa *remote,
                             bool inbound)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->tp = tp;
	c->sock = sock;
	c->id = ++tp->next_conn;
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
	sa_key(remote, true, &k);
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
static void conn_free(struct conn *c)
{
	struct sk_tp *tp = c->tp;
	if (c->sock) {
		tp->cfg.net->ops->close(c->sock);
		c->sock = NULL;
		sk_timer_stop(tp->cfg.timers, &c->idle);
		sk_timer_stop(tp->cfg.timers, &c->header);
		sk_htab_remove(&tp->conn_ids, &c->by_id);
		sk_htab_remove(&tp->conn_remotes, &c->by_remote);
		source_leave(tp, c);
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
	free(c->in);
	free(c);
}

/* A connection that failed: the transaction layer hears of it (§17.1.4). */
static void conn_fail(struct conn *c, int err)
{
	struct sk_tp *tp = c->tp;
	uint64_t id = c->id;
	conn_free(c);
	if (tp->user.conn_lost)
		tp->user.conn_lost(tp->user.arg, id, err);
}

static bool conn_id_eq(const struct sk_hnode *n, const void *ctx)
{
	return sk_container_of(n, struct conn, by_id)->id == *(const uint64_t *)ctx;
}

static struct conn *conn_by_id(struct sk_tp *tp, uint64_t id)
{
	struct sk_hnode *n =
	    sk_htab_find(&tp->conn_ids, sk_hash(&tp->key, &id, sizeof(id)), conn_id_eq, &id);
	return n ? sk_container_of(n, struct conn, by_id) : NULL;
}

static bool conn_remote_eq(const struct sk_hnode *n, const void *ctx)
{
	return sk_sa_equal(&sk_container_of(n, struct conn, by_remote)->remote, ctx);
}

/* An open connection to remote (reuse, §18.1.1 / RFC 5923 §1), in O(1). */
static struct conn *conn_by_remote(struct sk_tp *tp, const struct sk_sa *remote)
{
	struct sk_sa k;
	sa_key(remote, true, &k);
	struct sk_hnode *n =
	    sk_htab_find(&tp->conn_remotes, sa_hash(tp, &k), conn_remote_eq, remote);
	return n ? sk_container_of(n, struct conn, by_remote) : NULL;
}

/* A connection closed by one of its timers: not a failure, a response can still come on a
 * new connection (§18.2.2); the line is rate-limited, strangers make as many as they like. */
static void conn_expire(struct conn *c, const char *why)
{
	struct sk_tp *tp = c->tp;
	uint64_t quiet;
	if (ratelog_pass(tp, &tp->log_closed, &quiet)) {
		char a[64];
		sk_sa_print(&c->remote, a, sizeof(a));
		sk_logf(tp->cfg.log, SK_LOG_INFO,
		        "transport: closing %s connection %llu to %s (%llu more not logged)", why,
		        (unsigned long long)c->id, a, (unsigned long long)quiet);
	}
	conn_free(c);
}

static void idle_fired(void *arg)
{
	struct conn *c = arg;
	c->tp->st.closed_idle++;
	conn_expire(c, "idle");
}

/* A message begun header_ms ago is still not whole: a slow sender (slowloris) or a broken
 * one; either way it holds a connection it does not use. */
static void header_fired(void *arg)
{
	struct conn *c = arg;
	c->tp->st.closed_header++;
	conn_expire(c, c->established ? "stalled" : "stalled new");
}

bool sk_tp_conn_open(struct sk_tp *tp, uint64_t conn)
{
	return conn && conn_by_id(tp, conn);
}

void sk_tp_conn_close(struct sk_tp *tp, uint64_t conn)
{
	struct conn *c = conn_by_id(tp, conn);
	if (c)
		conn_free(c);
}

/* ---- receiving ----------------------------------------------------------- */

static bool numeric_host_is(struct sk_str host, const struct sk_sa *a)
{
	struct sk_sa h;
	return sk_sa_from_host(&h, host, 0) == 0 && sk_sa_same_host(&h, a);
}

/* §18.2.1 and RFC 3581 §4: received when sent-by is not the source, or rport asked. */
int sk_tp_stamp_request(struct sk_msg *m, const struct sk_flow *flow)
{
	const struct sk_via *v = sk_msg_via(m, 0);
	if (!v)
		return -SK_EINVAL;
	bool want_rport = sk_str_present(v->rport);
	if (!want_rport && numeric_host_is(v->host, &flow->remote) && !sk_str_present(v->received))
		return 0;
	char host[64];
	size_t n = sk_sa_host(&flow->remote, host, sizeof(host));
	return sk_msg_via_stamp(m, (struct sk_str){host, n},
	                        want_rport ? (int32_t)sk_sa_port(&flow->remote) : -1);
}

/* §18.1.2: a response whose top Via we did not write is discarded. */
static bool via_is_ours(struct sk_tp *tp, const struct sk_via *v)
{
	return sk_tp_is_local(tp, v->host, v->port ? v->port : 5060);
}

size_t sk_tp_rx_queued(const struct sk_tp *tp)
{
	size_t n = 0;
	const struct sk_net_ops *ops = tp->cfg.net->ops;
	if (!ops->rx_queued)
		return 0;
	for (const struct listener *l = tp->listeners; l; l = l->next)
		if (l->proto == SK_PROTO_UDP)
			n += ops->rx_queued(l->sock);
	return n;
}

bool sk_tp_is_local(const struct sk_tp *tp, struct sk_str host, uint16_t port)
{
	struct sk_sa h;
	if (sk_sa_from_host(&h, host, port) < 0)
		return false;
	for (struct listener *l = tp->listeners; l; l = l->next)
		if (sk_sa_equal(&l->addr, &h))
			return true;
	return false;
}

/*
 * A request that cannot go up is answered here when its Via can be read
 * (§8.2, RFC 4475 §3.1.2 and §3.3.1: 400, or 505 for another SIP version),
 * statelessly, with a Warning (§20.43, 399) saying why. Never an ACK (§17).
 */
static void answer_bad_request(struct sk_tp *tp, struct sk_msg *m, bool parsed, const char *buf,
                               size_t len, const struct sk_flow *flow, int status, const char *why)
{
	if (len >= 4 && (!memcmp(buf, "ACK ", 4) || !memcmp(buf, "SIP/", 4)))
		return;
	if (!parsed && sk_msg_salvage(m, buf, len) < 0)
		return;
	if (!sk_msg_via_count(m) || sk_tp_stamp_request(m, flow) < 0)
		return;
	struct sk_build *b;
	struct sk_str wire;
	struct sk_flow out;
	char host[64], text[160];
	sk_sa_host(&flow->local, host, sizeof(host));
	snprintf(text, sizeof(text), "%s", why ? why : "malformed request");
	for (char *p = text; *p; p++)
		if (*p == '"' || *p == '\\')
			*p = '\'';
	if (sk_build_response_to(&b, m, status >= 400 ? status : 400, NULL, NULL) < 0)
		return;
	if (sk_build_hdrf(b, "Warning", "399 %s \"%s\"", host, text) == 0 &&
	    sk_build_finish(b, &wire) == 0 && sk_tp_response_flow(tp, m, flow, &out) == 0)
		sk_tp_send(tp, &out, wire.p, wire.len);
	sk_build_free(b);
}

static void handle_msg(struct sk_tp *tp, const char *buf, size_t len, const struct sk_flow *flow,
                       bool stream)
{
	struct sk_msg *m = tp->msg;
	struct sk_parse_err err = {0};
	char a[64];
	if (tp->trace)
		tp->trace(tp->trace_arg, false, flow, buf, len);
	int rc = stream ? sk_msg_parse_stream(m, buf, len, &err) : sk_msg_parse(m, buf, len, &err);
	bool parsed = rc == 0;
	if (rc == 0 && (!sk_msg_via_count(m) || !sk_msg_cseq(m) ||
	                !sk_str_present(sk_msg_call_id(m)) || !sk_msg_from(m) || !sk_msg_to(m))) {
		err.why = "no Via, CSeq, Call-ID, From or To: cannot be matched to a transaction";
		err.status = 400; /* §8.1.1: mandatory headers */
		rc = -SK_EMALFORMED;
	}
	if (rc < 0) {
		tp->st.rx_bad++;
		sk_sa_print(&flow->remote, a, sizeof(a));
		sk_logf(tp->cfg.log, SK_LOG_WARN,
		        "transport: dropped %zu bytes from %s:%s: line %u: %s", len,
		        sk_proto_name(flow->proto), a, (unsigned)err.line,
		        err.why ? err.why : sk_strerror(rc));
		if (rc == -SK_EMALFORMED && (!parsed || sk_msg_is_request(m)))
			answer_bad_request(tp, m, parsed, buf, len, flow, err.status, err.why);
		return;
	}
	if (sk_msg_is_request(m)) {
		if (sk_tp_stamp_request(m, flow) < 0)
			return;
	} else if (!via_is_ours(tp, sk_msg_via(m, 0))) {
		tp->st.rx_foreign_resp++;
		sk_logf(tp->cfg.log, SK_LOG_DEBUG, "transport: response not for us (top Via %.*s)",
		        (int)sk_msg_via(m, 0)->raw.len, sk_msg_via(m, 0)->raw.p);
		return;
	}
	tp->st.rx_msgs++;
	if (tp->user.recv)
		tp->user.recv(tp->user.arg, m, flow);
}

static void up_datagram(void *arg, struct sk_net_sock *s, const struct sk_sa *from, const char *buf,
                        size_t len)
{
	struct sk_tp *tp = arg;
	struct listener *l = s->user;
	/* RFC 5626 §3.5.1: a bare CRLF keep-alive is no message */
	size_t crlf = 0;
	while (crlf < len && (buf[crlf] == '\r' || buf[crlf] == '\n'))
		crlf++;
	if (crlf == len)
		return;
	struct sk_flow flow = {.proto = SK_PROTO_UDP, .local = l->addr, .remote = *from};
	handle_msg(tp, buf, len, &flow, false);
}

static void up_accepted(void *arg, struct sk_net_sock *ls, struct sk_net_sock *cs,
                        const struct sk_sa *peer)
{
	struct sk_tp *tp = arg;
	const struct sk_tp_conn_limits *lim = &tp->cfg.conns;
	(void)ls;
	struct sk_sa k;
	sa_key(peer, false, &k);
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
	}
	if (why) {
		uint64_t quiet;
		tp->st.conns_refused++;
		if (ratelog_pass(tp, &tp->log_refused, &quiet)) {
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
	struct conn *c = conn_new(tp, cs, peer, true);
	if (!c) {
		source_drop_empty(tp, src);
		tp->cfg.net->ops->close(cs);
		return;
	}
	c->src = src;
	src->conns++;
	c->up = true;
}

static void up_connected(void *arg, struct sk_net_sock *s, int err)
{
	struct conn *c = s->user;
	(void)arg;
	if (err < 0) {
		char a[64];
		sk_sa_print(&c->remote, a, sizeof(a));
		sk_logf(c->tp->cfg.log, SK_LOG_WARN, "transport: connection to %s failed (%d)", a,
		        err);
		conn_fail(c, -SK_EIO);
		return;
	}
	c->up = true;
	c->local = s->local;
}

/* Too much or garbage: the peer is cut off, the others carry on. */
static void conn_reject(struct conn *c, const char *why)
{
	char a[64];
	sk_sa_print(&c->remote, a, sizeof(a));
	sk_logf(c->tp->cfg.log, SK_LOG_WARN, "transport: disconnecting %s: %s", a, why);
	c->tp->st.rx_bad++;
	conn_fail(c, -SK_EIO);
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
static void conn_timers(struct conn *c, bool whole, bool pinged, bool partial)
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

static void up_stream(void *arg, struct sk_net_sock *s, const char *buf, size_t len)
{
	struct sk_tp *tp = arg;
	struct conn *c = s->user;
	size_t cap_limit = (size_t)tp->cfg.limits.max_msg_size + 4096;
	if (c->in_len + len > cap_limit) {
		/* More than one message's worth unframed: the framer would have cut it. */
		conn_reject(c, "more unframed bytes than the message size limit");
		return;
	}
	if (c->in_len + len > c->in_cap) {
		size_t ncap = c->in_cap ? c->in_cap : 4096;
		while (ncap < c->in_len + len)
			ncap *= 2;
		char *n = realloc(c->in, ncap);
		if (!n) {
			conn_reject(c, "out of memory");
			return;
		}
		c->in = n;
		c->in_cap = ncap;
	}
	memcpy(c->in + c->in_len, buf, len);
	c->in_len += len;
	/* No timer moves for bytes: a complete message or ping resets the idle one, the
	 * header one runs from a message's first byte (conn_timers). */
	bool whole = false, pinged = false, crlf_only = false;

	struct sk_flow flow = {
	    .proto = SK_PROTO_TCP, .local = c->local, .remote = c->remote, .conn = c->id};
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
			conn_reject(c, err.why ? err.why : "malformed stream");
			break; /* c is dead now, freed below */
		}
		whole = true;
		handle_msg(tp, c->in + off, mlen, &flow, true);
		off += mlen;
	}
	c->dispatching--;
	if (c->dead) {
		if (!c->dispatching)
			conn_free(c);
		return;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	conn_timers(c, whole, pinged, c->in_len > 0 && !crlf_only);
}

static void up_closed(void *arg, struct sk_net_sock *s, int err)
{
	struct conn *c = s->user;
	(void)arg;
	if (err < 0)
		conn_fail(c, -SK_EIO);
	else
		conn_free(c); /* an orderly close: responses may come on a new connection */
}

static const struct sk_net_up tp_up = {
    .datagram = up_datagram,
    .accepted = up_accepted,
    .connected = up_connected,
    .stream = up_stream,
    .closed = up_closed,
};

/* ---- sending ------------------------------------------------------------- */

static struct listener *listener_for(struct sk_tp *tp, enum sk_proto proto, int family)
{
	for (struct listener *l = tp->listeners; l; l = l->next)
		if (l->proto == proto && l->addr.u.sa.sa_family == family)
			return l;
	return NULL;
}

static struct listener *listener_exact(struct sk_tp *tp, enum sk_proto proto, const struct sk_sa *a)
{
	for (struct listener *l = tp->listeners; l; l = l->next)
		if (l->proto == proto && sk_sa_equal(&l->addr, a))
			return l;
	return NULL;
}

/* The listener at a, else the first of its family (a stream's local end is ephemeral). */
static struct listener *listener_at(struct sk_tp *tp, enum sk_proto proto, const struct sk_sa *a)
{
	struct listener *l = listener_exact(tp, proto, a);
	return l ? l : listener_for(tp, proto, a->u.sa.sa_family);
}

int sk_tp_flow_for(struct sk_tp *tp, const struct sk_target *dst, size_t len, struct sk_flow *flow)
{
	enum sk_proto proto = dst->proto ? dst->proto : SK_PROTO_UDP;
	int family = dst->addr.u.sa.sa_family;
	/* §18.1.1: larger than 1300 bytes with an unknown path MTU: a congestion-controlled
	 * transport */
	if (proto == SK_PROTO_UDP && len > tp->cfg.udp_max &&
	    listener_for(tp, SK_PROTO_TCP, family))
		proto = SK_PROTO_TCP;
	struct listener *l = listener_for(tp, proto, family);
	if (!l)
		return -SK_ENOTFOUND;
	*flow = (struct sk_flow){.proto = proto, .local = l->addr, .remote = dst->addr};
	if (proto == SK_PROTO_TCP) {
		struct conn *c = conn_by_remote(tp, &dst->addr);
		flow->conn = c ? c->id : 0;
	}
	return 0;
}

size_t sk_tp_branch(struct sk_tp *tp, char *buf, size_t size)
{
	uint64_t a = sk_rng_next(&tp->rng), b = sk_rng_next(&tp->rng);
	int n =
	    snprintf(buf, size, "z9hG4bK%016llx%08x", (unsigned long long)a, (unsigned)(b >> 32));
	return n < 0 ? 0 : (size_t)n;
}

int sk_tp_via(struct sk_tp *tp, const struct sk_flow *flow, struct sk_str branch, char *buf,
              size_t size, size_t *len)
{
	struct listener *l = listener_at(tp, flow->proto, &flow->local);
	if (!l)
		return -SK_ENOTFOUND;
	int n = snprintf(buf, size, "SIP/2.0/%s %s;branch=%.*s;rport", sk_proto_name(flow->proto),
	                 l->sent_by, (int)branch.len, branch.p);
	if (n < 0 || (size_t)n >= size)
		return -SK_ETOOBIG;
	*len = (size_t)n;
	return 0;
}

int sk_tp_response_flow(struct sk_tp *tp, const struct sk_msg *req, const struct sk_flow *in,
                        struct sk_flow *out)
{
	const struct sk_via *v = sk_msg_via(req, 0);
	(void)tp;
	*out = *in;
	if (!v)
		return -SK_EINVAL;
	uint16_t port = v->port ? v->port : 5060;
	struct sk_sa dst;
	if (in->proto == SK_PROTO_TCP) {
		/* §18.2.2: the connection the request came on; failing that, received and sent-by
		 * port */
		if (sk_sa_from_host(&dst, sk_str_present(v->received) ? v->received : v->host,
		                    port) == 0)
			out->remote = dst;
		return 0;
	}
	if (sk_str_present(v->maddr) && sk_sa_from_host(&dst, v->maddr, port) == 0) {
		out->remote = dst; /* §18.2.2: multicast to maddr, port from sent-by */
		return 0;
	}
	uint64_t rport;
	if (v->rport.len && sk_str_to_u64(v->rport, 65535, &rport) == 0 && rport)
		port = (uint16_t)rport; /* RFC 3581 §4 */
	if (sk_sa_from_host(&dst, sk_str_present(v->received) ? v->received : v->host, port) == 0)
		out->remote = dst;
	return 0;
}

static int send_stream(struct sk_tp *tp, struct sk_flow *flow, const char *buf, size_t len)
{
	const struct sk_net_ops *ops = tp->cfg.net->ops;
	struct conn *c = flow->conn ? conn_by_id(tp, flow->conn) : NULL;
	if (!c)
		c = conn_by_remote(tp, &flow->remote);
	if (!c) {
		/* our own cap: accepted connections, however many, never count against it */
		if (tp->st.conns_out >= tp->cfg.conns.max_out) {
			uint64_t quiet;
			tp->st.conns_refused++;
			tp->st.refused_out++;
			if (ratelog_pass(tp, &tp->log_refused, &quiet))
				sk_logf(
				    tp->cfg.log, SK_LOG_WARN,
				    "transport: no new connection: %u outgoing connections open "
				    "(%llu more refused, not logged)",
				    (unsigned)tp->cfg.conns.max_out, (unsigned long long)quiet);
			return -SK_EFULL;
		}
		struct sk_net_sock *s;
		if (ops->tcp_connect(tp->cfg.net, &flow->remote, &s) < 0)
			return -SK_EIO;
		c = conn_new(tp, s, &flow->remote, false);
		if (!c) {
			ops->close(s);
			return -SK_ENOMEM;
		}
	}
	flow->conn = c->id;
	if (ops->pending(c->sock) + len > tp->cfg.max_conn_buffer) {
		conn_reject(c, "peer does not read: send buffer full");
		return -SK_EIO;
	}
	if (ops->write(c->sock, buf, len) < 0) {
		conn_fail(c, -SK_EIO);
		return -SK_EIO;
	}
	/* What we send keeps a connection in use, but only one that has earned it: an
	 * accepted one that never completed a message keeps its short timeout. */
	if (c->established)
		sk_timer_start(tp->cfg.timers, &c->idle, idle_ms(c));
	return 0;
}

int sk_tp_send(struct sk_tp *tp, struct sk_flow *flow, const char *buf, size_t len)
{
	int rc;
	if (flow->proto == SK_PROTO_TCP) {
		rc = send_stream(tp, flow, buf, len);
	} else if (flow->proto == SK_PROTO_UDP) {
		/* A datagram leaves from the very address its flow names (its Via's sent-by,
		 * where the response comes back): no other listener stands in for it. */
		struct listener *l = listener_exact(tp, SK_PROTO_UDP, &flow->local);
		if (!l)
			return -SK_ENOTFOUND;
		rc = tp->cfg.net->ops->send_to(l->sock, &flow->remote, buf, len) < 0 ? -SK_EIO : 0;
	} else {
		return -SK_EINVAL;
	}
	if (rc == 0) {
		tp->st.tx_msgs++;
		if (tp->trace) {
			/* a stream leaves from its connection's address, not the listener's */
			struct sk_flow shown = *flow;
			struct conn *c =
			    flow->proto == SK_PROTO_TCP ? conn_by_id(tp, flow->conn) : NULL;
			if (c && c->local.u.sa.sa_family)
				shown.local = c->local;
			tp->trace(tp->trace_arg, true, &shown, buf, len);
		}
	}
	return rc;
}

void sk_tp_set_trace(struct sk_tp *tp, sk_tp_trace_fn fn, void *arg)
{
	tp->trace = fn;
	tp->trace_arg = arg;
}

struct sk_tp_stats sk_tp_stats(const struct sk_tp *tp)
{
	return tp->st;
}
