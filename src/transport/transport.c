/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transport layer (RFC 3261 §18, RFC 3581): its life and listeners, the
 * Via of outgoing requests (§18.1.1), the received/rport stamp on incoming
 * ones (§18.2.1, RFC 3581 §4), where responses go (§18.2.2, RFC 3581 §4), and
 * the intake of every message: checked (§8.1.1, §18.1.2) and passed up, or a
 * malformed request answered (§8.2, RFC 4475). Stream connections (framing,
 * reuse, caps, timers) are conn.c's. Bytes move through a socket backend
 * (net.h): OS sockets or simnet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tp_int.h"

static const struct sk_net_up tp_up;

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
	sk_tp_conn_limits_default(&tp->cfg.conns);
	sk_tp_ws_config_default(&tp->cfg.ws);
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
	if (rc == 0)
		rc = sk_tp_tls_init(tp, cfg);
	/* the Origin list is copied: the caller's may not outlive us */
	if (rc == 0 && cfg->ws.origins && !(tp->cfg.ws.origins = strdup(cfg->ws.origins)))
		rc = -SK_ENOMEM;
	if (rc < 0 || sk_htab_init(&tp->sources, 64) < 0 || sk_htab_init(&tp->conn_ids, 64) < 0 ||
	    sk_htab_init(&tp->conn_remotes, 64) < 0 || sk_msg_new(&tp->msg, &tp->cfg.limits) < 0) {
		tp_tables_free(tp);
		sk_tp_tls_free(tp);
		free((char *)tp->cfg.ws.origins);
		free(tp);
		return rc < 0 ? rc : -SK_ENOMEM;
	}
	cfg->net->up = tp_up;
	cfg->net->up_arg = tp;
	*out = tp;
	return 0;
}

void sk_tp_set_user(struct sk_tp *tp, const struct sk_tp_user *user)
{
	tp->user = *user;
}

void sk_tp_free(struct sk_tp *tp)
{
	if (!tp)
		return;
	while (tp->conns)
		sk_tp_conn_free(tp->conns);
	while (tp->listeners) {
		struct listener *l = tp->listeners;
		tp->listeners = l->next;
		tp->cfg.net->ops->close(l->sock);
		free(l);
	}
	sk_msg_free(tp->msg);
	tp_tables_free(tp);
	free((char *)tp->cfg.ws.origins);
	sk_tp_tls_free(tp);
	free(tp);
}

int sk_tp_listen(struct sk_tp *tp, enum sk_proto proto, const struct sk_sa *addr,
                 struct sk_sa *bound)
{
	const struct sk_net_ops *ops = tp->cfg.net->ops;
	if (proto != SK_PROTO_UDP && !sk_proto_is_stream(proto))
		return -SK_EINVAL;
	if (proto == SK_PROTO_TLS && !tp->tls_client) {
		sk_logf(tp->cfg.log, SK_LOG_ERR,
		        "transport: cannot listen on TLS: no TLS configured");
		return -SK_EINVAL;
	}
	/* wss is only ever accepted (RFC 7118 §5): without a certificate it could serve
	 * nobody, and no Via of ours needs its sent-by */
	if (proto == SK_PROTO_WSS && !tp->tls_server) {
		sk_logf(tp->cfg.log, SK_LOG_ERR,
		        "transport: cannot listen on WSS: no certificate and key (--tls-cert, "
		        "--tls-key)");
		return -SK_EINVAL;
	}
	struct listener *l = calloc(1, sizeof(*l));
	if (!l)
		return -SK_ENOMEM;
	/* A TLS listener without a certificate still gives our TLS Vias their sent-by; the
	 * connections it accepts are refused (conn.c) */
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

/* One message; a datagram may be steered to another stack first (sk_tp_set_steer), and is
 * then traced by the stack that handles it, not twice. */
static void handle_msg(struct sk_tp *tp, const char *buf, size_t len, const struct sk_flow *flow,
                       bool stream, bool may_steer)
{
	struct sk_msg *m = tp->msg;
	struct sk_parse_err err = {0};
	char a[64];
	bool steer = may_steer && tp->steer;
	if (tp->trace && !steer)
		tp->trace(tp->trace_arg, false, flow, buf, len);
	int rc = stream ? sk_msg_parse_stream(m, buf, len, &err) : sk_msg_parse(m, buf, len, &err);
	bool parsed = rc == 0;
	if (rc == 0 && (!sk_msg_via_count(m) || !sk_msg_cseq(m) ||
	                !sk_str_present(sk_msg_call_id(m)) || !sk_msg_from(m) || !sk_msg_to(m))) {
		err.why = "no Via, CSeq, Call-ID, From or To: cannot be matched to a transaction";
		err.status = 400; /* §8.1.1: mandatory headers */
		rc = -SK_EMALFORMED;
	}
	if (steer) {
		if (rc == 0 && tp->steer(tp->steer_arg, m, flow, buf, len))
			return;
		if (tp->trace)
			tp->trace(tp->trace_arg, false, flow, buf, len);
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

void sk_tp_handle_msg(struct sk_tp *tp, const char *buf, size_t len, const struct sk_flow *flow,
                      bool stream)
{
	/* the steering hook sees streams too: a request on one stays with the stack that
	 * holds its connection (its responses go back on it), a response may be for a client
	 * transaction of another stack that sent on it (sk_tp_set_across) */
	handle_msg(tp, buf, len, flow, stream, true);
}

void sk_tp_inject(struct sk_tp *tp, const char *buf, size_t len, const struct sk_flow *flow)
{
	handle_msg(tp, buf, len, flow, false, false);
}

void sk_tp_set_steer(struct sk_tp *tp, sk_tp_steer_fn fn, void *arg)
{
	tp->steer = fn;
	tp->steer_arg = arg;
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
	sk_tp_handle_msg(tp, buf, len, &flow, false);
}

/*
 * The OS says a datagram we sent from listener l to dst met an ICMP
 * unreachable: passed up as a transport error for that exact flow (§17.1.4),
 * never for a host or a port range. Who may fail for it is the user's rule
 * (the transaction layer: its client transactions to dst that heard nothing yet).
 */
static void up_unreachable(void *arg, struct sk_net_sock *s, const struct sk_sa *dst, int err)
{
	struct sk_tp *tp = arg;
	struct listener *l = s->user;
	char a[64];
	if (!l || l->proto != SK_PROTO_UDP)
		return;
	tp->st.rx_unreachable++;
	sk_sa_print(dst, a, sizeof(a));
	sk_logf(tp->cfg.log, SK_LOG_DEBUG, "transport: udp:%s unreachable (%s)", a,
	        strerror(err < 0 ? -err : err));
	struct sk_flow flow = {.proto = SK_PROTO_UDP, .local = l->addr, .remote = *dst};
	if (tp->user.unreachable)
		tp->user.unreachable(tp->user.arg, &flow, -SK_EIO);
}

static const struct sk_net_up tp_up = {
    .datagram = up_datagram,
    .unreachable = up_unreachable,
    .accepted = sk_tp_conn_up_accepted,
    .connected = sk_tp_conn_up_connected,
    .stream = sk_tp_conn_up_stream,
    .closed = sk_tp_conn_up_closed,
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
	if (sk_proto_is_stream(proto)) {
		struct conn *c = sk_tp_conn_by_remote(tp, proto, &dst->addr);
		bool fits = c && sk_proto_is_ws(proto) == (c->ws != NULL);
		int rc = 0;
		if (!fits)
			c = NULL;
		/* in a group, another member's accepted connection to dst (a browser, a phone
		 * behind NAT: reachable over it only) is as good as one of ours */
		uint64_t other =
		    !c && tp->group ? sk_tp_group_conn_to(tp->group, proto, &dst->addr) : 0;
		/* RFC 5922 §7.2: a TLS connection checks the server against the target's name,
		 * known here only: opened now (the first send follows at once) */
		if (!c && !other && proto == SK_PROTO_TLS &&
		    !(c = sk_tp_conn_connect(tp, proto, &dst->addr, dst->name[0] ? dst->name : NULL,
		                             &rc)))
			return rc;
		flow->conn = c ? c->id : other;
		/* RFC 7118 §5: no connection is opened to a WebSocket client; without its own
		 * connection the flow does not exist */
		if (sk_proto_is_ws(proto) && !flow->conn)
			return -SK_EIO;
	}
	return 0;
}

size_t sk_tp_branch(struct sk_tp *tp, char *buf, size_t size)
{
	uint64_t a = sk_rng_next(&tp->rng), b = sk_rng_next(&tp->rng);
	struct sk_fmt f; /* every request sends one: no printf ("z9hG4bK%016llx%08x") */
	sk_fmt_init(&f, buf, size);
	sk_fmt_str(&f, SK_STR_LIT("z9hG4bK")); /* §8.1.1.7: the magic cookie */
	if (tp->group) { /* "w" and our index: whose transaction a response is for */
		sk_fmt_char(&f, 'w');
		sk_fmt_hex(&f, tp->owner, 2);
	}
	sk_fmt_hex(&f, a, 16);
	sk_fmt_hex(&f, b >> 32, 8);
	return f.len;
}

int sk_tp_via(struct sk_tp *tp, const struct sk_flow *flow, struct sk_str branch, char *buf,
              size_t size, size_t *len)
{
	struct listener *l = listener_at(tp, flow->proto, &flow->local);
	if (!l)
		return -SK_ENOTFOUND;
	struct sk_fmt f; /* "SIP/2.0/%s %s;branch=%.*s;rport", without printf: every request */
	sk_fmt_init(&f, buf, size);
	sk_fmt_str(&f, SK_STR_LIT("SIP/2.0/"));
	sk_fmt_cstr(&f, sk_proto_name(flow->proto));
	sk_fmt_char(&f, ' ');
	sk_fmt_cstr(&f, l->sent_by);
	sk_fmt_str(&f, SK_STR_LIT(";branch="));
	sk_fmt_str(&f, branch);
	sk_fmt_str(&f, SK_STR_LIT(";rport")); /* RFC 3581 §3 */
	return sk_fmt_done(&f, len);
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
	if (sk_proto_is_ws(in->proto))
		return 0; /* RFC 7118 §5: the client's connection, its far end, nothing else */
	if (sk_proto_is_stream(in->proto)) {
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

int sk_tp_send(struct sk_tp *tp, struct sk_flow *flow, const char *buf, size_t len)
{
	int rc;
	if (sk_proto_is_stream(flow->proto) && flow->conn && sk_tp_conn_foreign(tp, flow->conn)) {
		bool across; /* the owner writes, counts and traces it (sk_tp_send_own) */
		if ((rc = sk_tp_conn_across(tp, flow, buf, len, &across)) < 0 || across)
			return rc;
	}
	if (sk_proto_is_stream(flow->proto)) {
		rc = sk_tp_conn_send(tp, flow, buf, len);
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
			/* What went on the wire: a stream goes between its connection's two
			 * ends, not from the listener to the Via's sent-by (§18.2.2: a
			 * response goes back on the request's connection, whose far end is
			 * the peer's ephemeral port). */
			struct sk_flow shown = *flow;
			struct conn *c = sk_proto_is_stream(flow->proto)
			                     ? sk_tp_conn_by_id(tp, flow->conn)
			                     : NULL;
			if (c && c->local.u.sa.sa_family)
				shown.local = c->local;
			if (c && c->remote.u.sa.sa_family)
				shown.remote = c->remote;
			tp->trace(tp->trace_arg, true, &shown, buf, len);
		}
	}
	return rc;
}

int sk_tp_send_own(struct sk_tp *tp, const struct sk_flow *flow, const char *buf, size_t len)
{
	struct sk_flow f = *flow;
	/* this connection or none: the sender chose it, and a new one to its far end (a
	 * client's ephemeral port) would reach nobody */
	if (!sk_proto_is_stream(f.proto) || sk_tp_conn_foreign(tp, f.conn) ||
	    !sk_tp_conn_by_id(tp, f.conn))
		return -SK_ENOTFOUND;
	return sk_tp_send(tp, &f, buf, len);
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
