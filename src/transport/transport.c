/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transport (RFC 3261 §18, RFC 3581): listeners, stream connections with
 * framing, reuse, caps and idle timeouts, the Via of outgoing requests, the
 * received/rport stamp on incoming ones, and where responses go. Bytes move
 * through a socket backend (net.h): OS sockets or simnet.
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

struct conn {
	struct sk_tp *tp;
	struct sk_net_sock *sock;
	uint64_t id;
	struct sk_sa remote, local;
	bool up;
	bool inbound; /* accepted: the peer is the client, the one that pings */
	bool dead;    /* closed during its own dispatch; freed when it returns */
	int dispatching;
	char *in; /* bytes received and not yet framed */
	size_t in_len, in_cap;
	struct sk_timer idle;
	struct conn *prev, *next;
};

struct sk_tp {
	struct sk_tp_config cfg;
	struct sk_tp_user user;
	struct sk_rng rng;
	struct sk_msg *msg; /* parse buffer, reused for every message */
	struct listener *listeners;
	struct conn *conns;
	uint64_t next_conn;
	struct sk_tp_stats st;
	sk_tp_trace_fn trace;
	void *trace_arg;
};

static const struct sk_net_up tp_up;

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
	if (!tp->cfg.max_conns)
		tp->cfg.max_conns = 1024;
	if (!tp->cfg.max_conn_buffer)
		tp->cfg.max_conn_buffer = 1u << 20;
	if (!tp->cfg.idle_timeout_ms)
		tp->cfg.idle_timeout_ms = 120000;
	if (!tp->cfg.udp_max)
		tp->cfg.udp_max = 1300;
	if (user)
		tp->user = *user;
	if (cfg->seed)
		sk_rng_seed(&tp->rng, cfg->seed);
	else if (sk_rng_seed_os(&tp->rng) < 0) {
		free(tp);
		return -SK_EAGAIN;
	}
	if (sk_msg_new(&tp->msg, &tp->cfg.limits) < 0) {
		free(tp);
		return -SK_ENOMEM;
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

static struct conn *conn_new(struct sk_tp *tp, struct sk_net_sock *sock, const struct sk_sa *remote)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->tp = tp;
	c->sock = sock;
	c->id = ++tp->next_conn;
	c->remote = *remote;
	c->local = sock->local;
	sock->user = c;
	sk_timer_init(&c->idle, idle_fired, c);
	sk_timer_start(tp->cfg.timers, &c->idle, tp->cfg.idle_timeout_ms);
	c->next = tp->conns;
	if (tp->conns)
		tp->conns->prev = c;
	tp->conns = c;
	tp->st.conns++;
	tp->st.conns_opened++;
	return c;
}

/* Closes the socket and forgets the connection (later, if it is dispatching). */
static void conn_free(struct conn *c)
{
	struct sk_tp *tp = c->tp;
	if (c->sock) {
		tp->cfg.net->ops->close(c->sock);
		c->sock = NULL;
		sk_timer_stop(tp->cfg.timers, &c->idle);
		if (c->prev)
			c->prev->next = c->next;
		else
			tp->conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
		tp->st.conns--;
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

static struct conn *conn_by_id(struct sk_tp *tp, uint64_t id)
{
	for (struct conn *c = tp->conns; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

static struct conn *conn_by_remote(struct sk_tp *tp, const struct sk_sa *remote)
{
	for (struct conn *c = tp->conns; c; c = c->next)
		if (sk_sa_equal(&c->remote, remote))
			return c;
	return NULL;
}

static void idle_fired(void *arg)
{
	struct conn *c = arg;
	char a[64];
	sk_sa_print(&c->remote, a, sizeof(a));
	sk_logf(c->tp->cfg.log, SK_LOG_INFO, "transport: closing idle connection %llu to %s",
	        (unsigned long long)c->id, a);
	conn_free(c); /* not a failure: a response can still come on a new connection */
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
	(void)ls;
	if (tp->st.conns >= tp->cfg.max_conns) {
		char a[64];
		sk_sa_print(peer, a, sizeof(a));
		sk_logf(tp->cfg.log, SK_LOG_WARN,
		        "transport: refusing connection from %s: %u connections open", a,
		        (unsigned)tp->cfg.max_conns);
		tp->st.conns_refused++;
		tp->cfg.net->ops->close(cs);
		return;
	}
	struct conn *c = conn_new(tp, cs, peer);
	if (!c) {
		tp->cfg.net->ops->close(cs);
		return;
	}
	c->up = true;
	c->inbound = true;
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
	sk_timer_start(tp->cfg.timers, &c->idle, tp->cfg.idle_timeout_ms);

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
			break;
		}
		if (ping && c->sock)
			tp->cfg.net->ops->write(c->sock, "\r\n", 2);
		off += skip;
		if (rc == -SK_EAGAIN)
			break;
		if (rc < 0) {
			conn_reject(c, err.why ? err.why : "malformed stream");
			break; /* c is dead now, freed below */
		}
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
		if (tp->st.conns >= tp->cfg.max_conns) {
			tp->st.conns_refused++;
			sk_logf(tp->cfg.log, SK_LOG_WARN,
			        "transport: no new connection: %u connections open",
			        (unsigned)tp->cfg.max_conns);
			return -SK_ENOMEM;
		}
		struct sk_net_sock *s;
		if (ops->tcp_connect(tp->cfg.net, &flow->remote, &s) < 0)
			return -SK_EIO;
		c = conn_new(tp, s, &flow->remote);
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
	sk_timer_start(tp->cfg.timers, &c->idle, tp->cfg.idle_timeout_ms);
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
