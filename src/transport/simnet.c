/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * simnet: an in-process network on a virtual clock. Every packet is a timer
 * on the shared timer set, so delivery order is a pure function of the seed,
 * the link conditions and the filter: a race found once replays forever.
 *
 * Sockets are found by id or address at delivery time, never by pointer, so a
 * socket closed while packets to it are in flight is simply not found.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"

enum sim_kind { SIM_UDP, SIM_LISTEN, SIM_CONN };
enum pkt_kind {
	PKT_DGRAM,
	PKT_CONNECT,
	PKT_CONNECTED,
	PKT_REFUSED,
	PKT_SEG,
	PKT_FIN,
	PKT_RST,
	PKT_ICMP, /* port unreachable for a datagram of socket dst_id sent to `to` */
};

struct sim_node;

struct sim_sock {
	struct sk_net_sock base;
	struct sim_node *node;
	enum sim_kind kind;
	uint64_t id;
	uint64_t peer_id; /* connection: the other end */
	struct sk_sa peer;
	bool up;
	uint64_t last_arrival; /* stream: segments arrive in order, never before this */
	struct sim_sock *next;
};

struct sim_node {
	struct sk_net net;
	struct sk_simnet *sn;
};

struct sim_pkt {
	struct sk_timer timer;
	struct sk_simnet *sn;
	struct sim_pkt *prev, *next;
	enum pkt_kind kind;
	uint64_t dst_id; /* 0 for datagrams: found by address */
	uint64_t src_id;
	struct sk_sa from, to;
	size_t len;
	char data[];
};

struct sk_simnet {
	struct sk_timers *timers;
	struct sk_rng rng;
	struct sk_simnet_link link;
	sk_simnet_filter_fn filter;
	void *filter_arg;
	struct sim_sock *socks;
	struct sim_pkt *flight;
	uint64_t next_id;
	uint16_t next_port;
	struct sk_simnet_stats st;
};

static const struct sk_net_ops sim_ops;

/* ---- sockets ------------------------------------------------------------- */

static struct sim_sock *find_id(struct sk_simnet *sn, uint64_t id)
{
	for (struct sim_sock *s = sn->socks; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

static struct sim_sock *find_bound(struct sk_simnet *sn, enum sim_kind kind, const struct sk_sa *a)
{
	for (struct sim_sock *s = sn->socks; s; s = s->next)
		if (s->kind == kind && sk_sa_equal(&s->base.local, a))
			return s;
	return NULL;
}

static bool port_used(struct sk_simnet *sn, const struct sk_sa *a)
{
	for (struct sim_sock *s = sn->socks; s; s = s->next)
		if (sk_sa_equal(&s->base.local, a))
			return true;
	return false;
}

static struct sim_sock *sock_new(struct sim_node *node, enum sim_kind kind,
                                 const struct sk_sa *local)
{
	struct sk_simnet *sn = node->sn;
	struct sim_sock *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->base.net = &node->net;
	s->base.local = *local;
	s->node = node;
	s->kind = kind;
	s->id = ++sn->next_id;
	s->next = sn->socks;
	sn->socks = s;
	sn->st.sockets++;
	return s;
}

static void sock_unlink(struct sim_sock *s)
{
	struct sk_simnet *sn = s->node->sn;
	for (struct sim_sock **pp = &sn->socks; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			sn->st.sockets--;
			return;
		}
}

/* An ephemeral port on local's address that no socket uses. */
static int ephemeral(struct sk_simnet *sn, struct sk_sa *local)
{
	for (int tries = 0; tries < 30000; tries++) {
		uint16_t port = sn->next_port++;
		if (sn->next_port < 32768)
			sn->next_port = 32768;
		sk_sa_set_port(local, port);
		if (!port_used(sn, local))
			return 0;
	}
	return -SK_ENOMEM;
}

static int bind_common(struct sk_net *n, enum sim_kind kind, const struct sk_sa *addr,
                       struct sk_net_sock **out)
{
	struct sim_node *node = (struct sim_node *)n;
	struct sk_sa local = *addr;
	if (local.u.sa.sa_family != AF_INET && local.u.sa.sa_family != AF_INET6)
		return -SK_EINVAL;
	if (sk_sa_port(&local) == 0) {
		if (ephemeral(node->sn, &local) < 0)
			return -SK_ENOMEM;
	} else if (find_bound(node->sn, kind, &local)) {
		return -EADDRINUSE;
	}
	struct sim_sock *s = sock_new(node, kind, &local);
	if (!s)
		return -SK_ENOMEM;
	*out = &s->base;
	return 0;
}

static int sim_udp_bind(struct sk_net *n, const struct sk_sa *addr, struct sk_net_sock **out)
{
	return bind_common(n, SIM_UDP, addr, out);
}

static int sim_tcp_listen(struct sk_net *n, const struct sk_sa *addr, struct sk_net_sock **out)
{
	return bind_common(n, SIM_LISTEN, addr, out);
}

/* ---- packets ------------------------------------------------------------- */

static void deliver(void *arg);

static uint32_t draw_delay(struct sk_simnet *sn)
{
	uint32_t lo = sn->link.delay_min_ms, hi = sn->link.delay_max_ms;
	if (hi <= lo)
		return lo;
	return lo + (uint32_t)sk_rng_below(&sn->rng, (uint64_t)(hi - lo) + 1);
}

static bool chance(struct sk_simnet *sn, uint32_t pm)
{
	return pm && sk_rng_below(&sn->rng, 1000) < pm;
}

static struct sim_pkt *pkt_new(struct sk_simnet *sn, enum pkt_kind kind, const char *data,
                               size_t len)
{
	struct sim_pkt *p = malloc(sizeof(*p) + len);
	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->sn = sn;
	p->kind = kind;
	p->len = len;
	if (len)
		memcpy(p->data, data, len);
	sk_timer_init(&p->timer, deliver, p);
	return p;
}

static int pkt_launch(struct sim_pkt *p, uint64_t delay_ms)
{
	struct sk_simnet *sn = p->sn;
	if (sk_timer_start(sn->timers, &p->timer, delay_ms) < 0) {
		free(p);
		return -SK_ENOMEM;
	}
	p->next = sn->flight;
	if (sn->flight)
		sn->flight->prev = p;
	sn->flight = p;
	sn->st.in_flight++;
	return 0;
}

static void pkt_unlink(struct sim_pkt *p)
{
	struct sk_simnet *sn = p->sn;
	if (p->prev)
		p->prev->next = p->next;
	else
		sn->flight = p->next;
	if (p->next)
		p->next->prev = p->prev;
	sn->st.in_flight--;
}

/*
 * Sends a control or data packet along a connection, in order behind what the
 * connection already has in flight.
 */
static int stream_send(struct sim_sock *s, enum pkt_kind kind, const char *data, size_t len,
                       uint32_t delay)
{
	struct sk_simnet *sn = s->node->sn;
	uint64_t now = sk_timers_now(sn->timers);
	uint64_t at = now + delay;
	if (at < s->last_arrival)
		at = s->last_arrival;
	s->last_arrival = at;
	struct sim_pkt *p = pkt_new(sn, kind, data, len);
	if (!p)
		return -SK_ENOMEM;
	p->dst_id = s->peer_id;
	p->src_id = s->id;
	p->from = s->base.local;
	p->to = s->peer;
	return pkt_launch(p, at - now);
}

static void reset_pair(struct sk_simnet *sn, uint64_t a, uint64_t b)
{
	uint64_t ids[2] = {a, b};
	for (int i = 0; i < 2; i++) {
		struct sim_sock *s = find_id(sn, ids[i]);
		if (!s || s->kind != SIM_CONN)
			continue;
		s->peer_id = 0; /* nothing more reaches the other end */
		struct sim_pkt *p = pkt_new(sn, PKT_RST, NULL, 0);
		if (!p)
			continue;
		p->dst_id = s->id;
		pkt_launch(p, 0);
	}
}

/* An ICMP port unreachable back to the socket that sent a datagram to `to`. */
static void icmp_back(struct sk_simnet *sn, uint64_t sender, const struct sk_sa *to)
{
	struct sim_pkt *r = pkt_new(sn, PKT_ICMP, NULL, 0);
	if (!r)
		return;
	r->dst_id = sender;
	r->to = *to;
	pkt_launch(r, draw_delay(sn));
}

static void deliver_dgram(struct sk_simnet *sn, struct sim_pkt *p)
{
	struct sim_sock *s = find_bound(sn, SIM_UDP, &p->to);
	if (!s) {
		sn->st.unreachable++;
		if (sn->link.icmp)
			icmp_back(sn, p->src_id, &p->to);
		return;
	}
	sn->st.delivered++;
	struct sim_node *node = s->node;
	node->net.up.datagram(node->net.up_arg, &s->base, &p->from, p->data, p->len);
}

static void deliver_connect(struct sk_simnet *sn, struct sim_pkt *p)
{
	struct sim_sock *l = find_bound(sn, SIM_LISTEN, &p->to);
	struct sim_sock *client = find_id(sn, p->src_id);
	if (!client)
		return; /* gave up meanwhile */
	if (!l) {
		struct sim_pkt *r = pkt_new(sn, PKT_REFUSED, NULL, 0);
		if (r) {
			r->dst_id = client->id;
			pkt_launch(r, draw_delay(sn));
		}
		return;
	}
	struct sim_sock *s = sock_new(l->node, SIM_CONN, &p->to);
	if (!s)
		return;
	s->id = p->dst_id; /* reserved by the client at connect time */
	s->peer_id = client->id;
	s->peer = p->from;
	s->up = true;
	struct sim_node *node = l->node;
	node->net.up.accepted(node->net.up_arg, &l->base, &s->base, &p->from);
	struct sim_pkt *c = pkt_new(sn, PKT_CONNECTED, NULL, 0);
	if (c) {
		c->dst_id = client->id;
		pkt_launch(c, draw_delay(sn));
	}
}

static void deliver(void *arg)
{
	struct sim_pkt *p = arg;
	struct sk_simnet *sn = p->sn;
	pkt_unlink(p);
	if (p->kind == PKT_DGRAM) {
		deliver_dgram(sn, p);
	} else if (p->kind == PKT_CONNECT) {
		deliver_connect(sn, p);
	} else {
		struct sim_sock *s = find_id(sn, p->dst_id);
		struct sim_node *node = s ? s->node : NULL;
		if (!s) {
			/* the receiving end is gone */
		} else if (p->kind == PKT_CONNECTED) {
			s->up = true;
			node->net.up.connected(node->net.up_arg, &s->base, 0);
		} else if (p->kind == PKT_REFUSED) {
			node->net.up.connected(node->net.up_arg, &s->base, -ECONNREFUSED);
		} else if (p->kind == PKT_SEG) {
			sn->st.delivered++;
			node->net.up.stream(node->net.up_arg, &s->base, p->data, p->len);
		} else if (p->kind == PKT_FIN) {
			s->peer_id = 0;
			node->net.up.closed(node->net.up_arg, &s->base, 0);
		} else if (p->kind == PKT_RST) {
			s->peer_id = 0;
			node->net.up.closed(node->net.up_arg, &s->base, -ECONNRESET);
		} else if (p->kind == PKT_ICMP && s->kind == SIM_UDP && node->net.up.unreachable) {
			node->net.up.unreachable(node->net.up_arg, &s->base, &p->to, -ECONNREFUSED);
		}
	}
	free(p);
}

/* ---- operations ---------------------------------------------------------- */

static int sim_send_to(struct sk_net_sock *bs, const struct sk_sa *to, const char *buf, size_t len)
{
	struct sim_sock *s = (struct sim_sock *)bs;
	struct sk_simnet *sn = s->node->sn;
	struct sk_simnet_packet view = {
	    .proto = SK_PROTO_UDP,
	    .from = s->base.local,
	    .to = *to,
	    .data = buf,
	    .len = len,
	    .delay_ms = draw_delay(sn),
	    .copies = chance(sn, sn->link.dup_pm) ? 2 : 1,
	    .drop = chance(sn, sn->link.loss_pm),
	};
	sn->st.sent++;
	if (sn->filter)
		sn->filter(sn->filter_arg, &view);
	if (view.drop) {
		sn->st.lost++;
		return 0; /* UDP: the sender never knows */
	}
	if (view.unreachable) {
		sn->st.unreachable++;
		icmp_back(sn, s->id, to); /* and the sender hears of it, later */
		return 0;
	}
	if (view.copies > 1)
		sn->st.duplicated += view.copies - 1;
	for (uint32_t i = 0; i < view.copies && i < 16; i++) {
		struct sim_pkt *p = pkt_new(sn, PKT_DGRAM, buf, len);
		if (!p)
			return -SK_ENOMEM;
		p->from = s->base.local;
		p->to = *to;
		p->src_id = s->id;
		if (pkt_launch(p, (uint64_t)view.delay_ms + i) < 0)
			return -SK_ENOMEM;
	}
	return 0;
}

static int sim_tcp_connect(struct sk_net *n, const struct sk_sa *to, struct sk_net_sock **out)
{
	struct sim_node *node = (struct sim_node *)n;
	struct sk_simnet *sn = node->sn;
	struct sk_sa local = {0};
	/* Our side takes the address of one of this node's sockets of the same family. */
	for (struct sim_sock *o = sn->socks; o; o = o->next)
		if (o->node == node && o->base.local.u.sa.sa_family == to->u.sa.sa_family &&
		    o->kind != SIM_CONN) {
			local = o->base.local;
			break;
		}
	if (local.u.sa.sa_family == 0)
		return -ENETUNREACH;
	if (ephemeral(sn, &local) < 0)
		return -SK_ENOMEM;
	struct sim_sock *s = sock_new(node, SIM_CONN, &local);
	if (!s)
		return -SK_ENOMEM;
	s->peer = *to;
	s->peer_id = ++sn->next_id; /* the accepting end will take this id */
	uint32_t delay = draw_delay(sn);
	struct sim_pkt *p = pkt_new(sn, PKT_CONNECT, NULL, 0);
	if (!p || (p->from = local, p->to = *to, p->src_id = s->id, p->dst_id = s->peer_id,
	           pkt_launch(p, delay)) < 0) {
		sock_unlink(s);
		free(s);
		return -SK_ENOMEM;
	}
	/* Bytes written while connecting travel behind the connect: with a shorter delay
	 * they would reach an accepting end that does not exist yet, and be lost. */
	s->last_arrival = sk_timers_now(sn->timers) + delay;
	*out = &s->base;
	return 0;
}

static int sim_write(struct sk_net_sock *bs, const char *buf, size_t len)
{
	struct sim_sock *s = (struct sim_sock *)bs;
	struct sk_simnet *sn = s->node->sn;
	if (s->kind != SIM_CONN || !s->peer_id)
		return -EPIPE;
	if (!len)
		return 0; /* as on TCP, nothing to send: no empty segment for the peer to read */
	struct sk_simnet_packet view = {
	    .proto = SK_PROTO_TCP,
	    .from = s->base.local,
	    .to = s->peer,
	    .data = buf,
	    .len = len,
	    .delay_ms = draw_delay(sn),
	    .copies = 1,
	};
	sn->st.sent++;
	if (sn->filter)
		sn->filter(sn->filter_arg, &view);
	if (view.drop_conn) {
		reset_pair(sn, s->id, s->peer_id);
		return 0; /* the break is noticed later, as on a real network */
	}
	size_t cut = len;
	if (len > 1 && chance(sn, sn->link.split_pm))
		cut = 1 + (size_t)sk_rng_below(&sn->rng, len - 1);
	int rc = stream_send(s, PKT_SEG, buf, cut, view.delay_ms);
	if (rc == 0 && cut < len)
		rc = stream_send(s, PKT_SEG, buf + cut, len - cut, view.delay_ms);
	return rc;
}

static size_t sim_pending(const struct sk_net_sock *s)
{
	(void)s;
	return 0; /* simnet has no send window: every write is in flight at once */
}

static void sim_close(struct sk_net_sock *bs)
{
	struct sim_sock *s = (struct sim_sock *)bs;
	if (s->kind == SIM_CONN && s->peer_id)
		stream_send(s, PKT_FIN, NULL, 0, draw_delay(s->node->sn));
	sock_unlink(s);
	free(s);
}

static void sim_free(struct sk_net *n)
{
	struct sim_node *node = (struct sim_node *)n;
	struct sk_simnet *sn = node->sn;
	for (struct sim_sock **pp = &sn->socks; *pp;) {
		struct sim_sock *s = *pp;
		if (s->node == node) {
			*pp = s->next;
			sn->st.sockets--;
			free(s);
		} else {
			pp = &s->next;
		}
	}
	free(node);
}

static const struct sk_net_ops sim_ops = {
    .udp_bind = sim_udp_bind,
    .tcp_listen = sim_tcp_listen,
    .tcp_connect = sim_tcp_connect,
    .send_to = sim_send_to,
    .write = sim_write,
    .pending = sim_pending,
    .close = sim_close,
    .free = sim_free,
};

/* ---- the network --------------------------------------------------------- */

int sk_simnet_new(struct sk_simnet **out, struct sk_timers *timers, uint64_t seed)
{
	if (!out || !timers)
		return -SK_EINVAL;
	struct sk_simnet *sn = calloc(1, sizeof(*sn));
	if (!sn)
		return -SK_ENOMEM;
	sn->timers = timers;
	sk_rng_seed(&sn->rng, seed);
	sn->link = (struct sk_simnet_link){.delay_min_ms = 1, .delay_max_ms = 1};
	sn->next_port = 32768;
	*out = sn;
	return 0;
}

void sk_simnet_free(struct sk_simnet *sn)
{
	if (!sn)
		return;
	while (sn->flight) {
		struct sim_pkt *p = sn->flight;
		sk_timer_stop(sn->timers, &p->timer);
		pkt_unlink(p);
		free(p);
	}
	while (sn->socks) {
		struct sim_sock *s = sn->socks;
		sn->socks = s->next;
		free(s);
	}
	free(sn);
}

void sk_simnet_set_link(struct sk_simnet *sn, const struct sk_simnet_link *link)
{
	sn->link = *link;
}

void sk_simnet_set_filter(struct sk_simnet *sn, sk_simnet_filter_fn fn, void *arg)
{
	sn->filter = fn;
	sn->filter_arg = arg;
}

int sk_simnet_node(struct sk_simnet *sn, struct sk_net **out)
{
	struct sim_node *node = calloc(1, sizeof(*node));
	if (!node)
		return -SK_ENOMEM;
	node->net.ops = &sim_ops;
	node->sn = sn;
	*out = &node->net;
	return 0;
}

size_t sk_simnet_drop_conns(struct sk_simnet *sn, const struct sk_sa *addr)
{
	size_t n = 0;
	bool any_port = sk_sa_port(addr) == 0;
	for (struct sim_sock *s = sn->socks; s; s = s->next) {
		if (s->kind != SIM_CONN || !s->peer_id)
			continue;
		bool hit =
		    any_port
		        ? sk_sa_same_host(&s->base.local, addr) || sk_sa_same_host(&s->peer, addr)
		        : sk_sa_equal(&s->base.local, addr) || sk_sa_equal(&s->peer, addr);
		if (hit) {
			reset_pair(sn, s->id, s->peer_id);
			n++;
		}
	}
	return n;
}

struct sk_simnet_stats sk_simnet_stats(const struct sk_simnet *sn)
{
	return sn->st;
}
