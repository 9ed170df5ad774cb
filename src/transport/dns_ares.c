/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The production DNS backend: c-ares on the stack's event loop. c-ares tells
 * which sockets to watch (its socket-state callback) and when it next needs
 * to run (ares_timeout); both become loop watchers and one timer, so nothing
 * blocks and no thread is started. Answers are parsed by c-ares
 * (ares_parse_*_reply) and turned into sk_dns_rr; the TTLs c-ares does not
 * give for SRV and NAPTR are read from the answer section here, bounded.
 */
#include <ares.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipkit/transport.h"

#define ARES_MAX_SOCKS 16 /* sockets c-ares holds at once: one per server and transport */

struct ares_query_rec {
	struct ares_query_rec *prev, *next;
	struct dns_ares *d;
	uint64_t id;
	enum sk_dns_type type;
	sk_dns_answer_fn fn; /* NULL once cancelled: the answer is dropped */
	void *arg;
	int early_err; /* answered from inside ares_query: delivered by `later` */
	struct sk_timer later;
};

struct ares_sock {
	struct dns_ares *d;
	struct sk_io io;
	int fd; /* -1: free */
};

struct dns_ares {
	ares_channel ch;
	struct sk_loop *loop;
	struct sk_timer timer;
	struct ares_sock socks[ARES_MAX_SOCKS];
	struct ares_query_rec *queries;
	uint64_t next_id;
	bool destroying;
	bool in_query; /* inside ares_query: an answer now must wait (the ops contract) */
};

/* ---- raw answers: the TTLs (RFC 1035 §4.1) ------------------------------------- */

/* Skips a domain name in wire form (labels or a compression pointer): the offset after it,
 * or 0 when it runs past the end. */
static size_t skip_name(const unsigned char *b, size_t len, size_t off)
{
	for (unsigned labels = 0; off < len && labels < 128; labels++) {
		unsigned c = b[off];
		if (c == 0)
			return off + 1;
		if ((c & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if (c & 0xc0)
			return 0; /* the extended label types of RFC 6891 are not names */
		off += 1 + c;
	}
	return 0;
}

/* The smallest TTL of the answer records of type (seconds), UINT32_MAX when none. */
static uint32_t answer_min_ttl(const unsigned char *b, size_t len, uint16_t type)
{
	uint32_t ttl = UINT32_MAX;
	if (len < 12)
		return ttl;
	unsigned qd = (unsigned)b[4] << 8 | b[5], an = (unsigned)b[6] << 8 | b[7];
	size_t off = 12;
	for (unsigned i = 0; i < qd && off; i++) {
		off = skip_name(b, len, off);
		off = off && off + 4 <= len ? off + 4 : 0;
	}
	for (unsigned i = 0; i < an && off; i++) {
		off = skip_name(b, len, off);
		if (!off || off + 10 > len)
			break;
		uint16_t t = (uint16_t)(b[off] << 8 | b[off + 1]);
		uint32_t v = (uint32_t)b[off + 4] << 24 | (uint32_t)b[off + 5] << 16 |
		             (uint32_t)b[off + 6] << 8 | b[off + 7];
		size_t rdlen = (size_t)b[off + 8] << 8 | b[off + 9];
		if (v > 0x7fffffffu) /* RFC 2181 §8: the top bit set means 0 */
			v = 0;
		if (t == type && v < ttl)
			ttl = v;
		off += 10 + rdlen;
		if (off > len)
			break;
	}
	return ttl;
}

uint32_t sk_dns_negative_ttl(const unsigned char *b, size_t len)
{
	if (len < 12 || len > 65535)
		return 0;
	unsigned qd = (unsigned)b[4] << 8 | b[5], an = (unsigned)b[6] << 8 | b[7];
	unsigned ns = (unsigned)b[8] << 8 | b[9];
	size_t off = 12;
	for (unsigned i = 0; i < qd && off; i++) {
		off = skip_name(b, len, off);
		off = off && off + 4 <= len ? off + 4 : 0;
	}
	for (unsigned i = 0; i < an + ns && off; i++) {
		off = skip_name(b, len, off);
		if (!off || off + 10 > len)
			return 0;
		uint16_t t = (uint16_t)(b[off] << 8 | b[off + 1]);
		uint32_t ttl = (uint32_t)b[off + 4] << 24 | (uint32_t)b[off + 5] << 16 |
		               (uint32_t)b[off + 6] << 8 | b[off + 7];
		size_t rdlen = (size_t)b[off + 8] << 8 | b[off + 9], rd = off + 10;
		if (rd + rdlen > len)
			return 0;
		if (i >= an && t == 6 /* SOA */) {
			/* MNAME, RNAME, then SERIAL REFRESH RETRY EXPIRE MINIMUM (RFC 1035 §3.3.13)
			 */
			size_t p = skip_name(b, rd + rdlen, rd);
			p = p ? skip_name(b, rd + rdlen, p) : 0;
			if (!p || p + 20 > rd + rdlen)
				return 0;
			uint32_t min = (uint32_t)b[p + 16] << 24 | (uint32_t)b[p + 17] << 16 |
			               (uint32_t)b[p + 18] << 8 | b[p + 19];
			if (ttl > 0x7fffffffu) /* RFC 2181 §8 */
				ttl = 0;
			return ttl < min ? ttl : min;
		}
		off = rd + rdlen;
	}
	return 0;
}

static void copy_name(char *dst, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= SK_DNS_NAME_MAX) { /* longer than a name can be: unusable */
		dst[0] = '\0';
		return;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	if (n && dst[n - 1] == '.')
		dst[n - 1] = '\0';
}

int sk_dns_parse_answer(const unsigned char *abuf, size_t alen, enum sk_dns_type type,
                        struct sk_dns_rr *out, size_t max, size_t *n)
{
	*n = 0;
	if (alen > 65535)
		return -SK_EMALFORMED;
	int len = (int)alen, rc;
	uint32_t ttl = answer_min_ttl(abuf, alen, (uint16_t)type);
	if (type == SK_DNS_A) {
		struct ares_addrttl a[SK_DNS_MAX_RR];
		int na = SK_DNS_MAX_RR;
		if ((rc = ares_parse_a_reply(abuf, len, NULL, a, &na)) != ARES_SUCCESS)
			return rc == ARES_ENODATA ? 0 : -SK_EMALFORMED;
		for (int i = 0; i < na && *n < max; i++) {
			struct sk_dns_rr *r = &out[(*n)++];
			memset(r, 0, sizeof(*r));
			r->type = SK_DNS_A;
			r->ttl = a[i].ttl < 0 ? 0 : (uint32_t)a[i].ttl;
			memcpy(r->addr, &a[i].ipaddr, 4);
		}
		return 0;
	}
	if (type == SK_DNS_AAAA) {
		struct ares_addr6ttl a[SK_DNS_MAX_RR];
		int na = SK_DNS_MAX_RR;
		if ((rc = ares_parse_aaaa_reply(abuf, len, NULL, a, &na)) != ARES_SUCCESS)
			return rc == ARES_ENODATA ? 0 : -SK_EMALFORMED;
		for (int i = 0; i < na && *n < max; i++) {
			struct sk_dns_rr *r = &out[(*n)++];
			memset(r, 0, sizeof(*r));
			r->type = SK_DNS_AAAA;
			r->ttl = a[i].ttl < 0 ? 0 : (uint32_t)a[i].ttl;
			memcpy(r->addr, &a[i].ip6addr, 16);
		}
		return 0;
	}
	if (type == SK_DNS_SRV) {
		struct ares_srv_reply *srv = NULL;
		if ((rc = ares_parse_srv_reply(abuf, len, &srv)) != ARES_SUCCESS)
			return rc == ARES_ENODATA ? 0 : -SK_EMALFORMED;
		for (struct ares_srv_reply *s = srv; s && *n < max; s = s->next) {
			struct sk_dns_rr *r = &out[(*n)++];
			memset(r, 0, sizeof(*r));
			r->type = SK_DNS_SRV;
			r->ttl = ttl == UINT32_MAX ? 0 : ttl;
			r->priority = s->priority;
			r->weight = s->weight;
			r->port = s->port;
			copy_name(r->name, s->host);
		}
		ares_free_data(srv);
		return 0;
	}
	if (type == SK_DNS_NAPTR) {
		struct ares_naptr_reply *na = NULL;
		if ((rc = ares_parse_naptr_reply(abuf, len, &na)) != ARES_SUCCESS)
			return rc == ARES_ENODATA ? 0 : -SK_EMALFORMED;
		for (struct ares_naptr_reply *s = na; s && *n < max; s = s->next) {
			struct sk_dns_rr *r = &out[(*n)++];
			memset(r, 0, sizeof(*r));
			r->type = SK_DNS_NAPTR;
			r->ttl = ttl == UINT32_MAX ? 0 : ttl;
			r->order = s->order;
			r->preference = s->preference;
			snprintf(r->flags, sizeof(r->flags), "%s", (const char *)s->flags);
			snprintf(r->service, sizeof(r->service), "%s", (const char *)s->service);
			/* a regexp rewrite is not how SIP uses NAPTR (§4.1): unusable */
			if (s->regexp && s->regexp[0])
				r->name[0] = '\0';
			else
				copy_name(r->name, s->replacement);
		}
		ares_free_data(na);
		return 0;
	}
	return -SK_EINVAL;
}

/* ---- c-ares on the loop ----------------------------------------------------------- */

static void rearm(struct dns_ares *d)
{
	struct timeval tv;
	struct sk_timers *ts = sk_loop_timers(d->loop);
	if (d->destroying)
		return;
	if (ares_timeout(d->ch, NULL, &tv)) {
		uint64_t ms = (uint64_t)tv.tv_sec * 1000 + ((uint64_t)tv.tv_usec + 999) / 1000;
		sk_timer_start(ts, &d->timer, ms);
	} else {
		sk_timer_stop(ts, &d->timer);
	}
}

static void on_timer(void *arg)
{
	struct dns_ares *d = arg;
	ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	rearm(d);
}

static void on_io(void *arg, unsigned events)
{
	struct ares_sock *s = arg;
	struct dns_ares *d = s->d;
	int fd = s->fd;
	ares_process_fd(d->ch, events & (SK_IO_READ | SK_IO_ERROR) ? fd : ARES_SOCKET_BAD,
	                events & SK_IO_WRITE ? fd : ARES_SOCKET_BAD);
	rearm(d);
}

static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns_ares *d = data;
	struct ares_sock *s = NULL, *free_slot = NULL;
	for (int i = 0; i < ARES_MAX_SOCKS; i++) {
		if (d->socks[i].fd == fd)
			s = &d->socks[i];
		else if (d->socks[i].fd < 0 && !free_slot)
			free_slot = &d->socks[i];
	}
	unsigned ev = (readable ? SK_IO_READ : 0) | (writable ? SK_IO_WRITE : 0);
	if (!ev) {
		if (s) {
			sk_loop_io_del(d->loop, &s->io);
			s->fd = -1;
		}
		return;
	}
	if (s) {
		sk_loop_io_mod(d->loop, &s->io, ev);
		return;
	}
	if (!free_slot) /* more sockets than we watch: its queries time out */
		return;
	free_slot->fd = fd;
	if (sk_loop_io_add(d->loop, &free_slot->io, fd, ev, on_io, free_slot) < 0)
		free_slot->fd = -1;
}

static int err_of(int status)
{
	switch (status) {
	case ARES_SUCCESS:
	case ARES_ENODATA: return 0;
	case ARES_ENOTFOUND: return -SK_ENOTFOUND;
	case ARES_ETIMEOUT: return -SK_ETIMEDOUT;
	default: return -SK_EIO;
	}
}

static void unlink_query(struct dns_ares *d, struct ares_query_rec *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		d->queries = q->next;
	if (q->next)
		q->next->prev = q->prev;
	sk_timer_stop(sk_loop_timers(d->loop), &q->later);
}

/* An answer c-ares gave from inside ares_query (no server, a bad name), now. */
static void on_later(void *arg)
{
	struct ares_query_rec *q = arg;
	sk_dns_answer_fn fn = q->fn;
	void *fa = q->arg;
	int err = q->early_err;
	unlink_query(q->d, q);
	free(q);
	if (fn)
		fn(fa, err, NULL, 0, 0);
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	(void)timeouts;
	struct ares_query_rec *q = arg;
	struct dns_ares *d = q->d;
	if (d->in_query && !d->destroying) {
		/* c-ares 1.18 has no cache: what comes at once is a failure */
		q->early_err = err_of(status) ? err_of(status) : -SK_EIO;
		sk_timer_start(sk_loop_timers(d->loop), &q->later, 0);
		return;
	}
	unlink_query(d, q);
	if (!q->fn || d->destroying) {
		free(q);
		return;
	}
	struct sk_dns_rr rr[SK_DNS_MAX_RR];
	size_t n = 0;
	int err = err_of(status);
	if (status == ARES_SUCCESS && abuf && alen > 0 &&
	    sk_dns_parse_answer(abuf, (size_t)alen, q->type, rr, SK_DNS_MAX_RR, &n) < 0)
		err = -SK_EIO; /* a malformed answer */
	/* RFC 2308: a negative answer's SOA says how long it holds */
	uint32_t neg = (err == -SK_ENOTFOUND || (!err && !n)) && abuf && alen > 0
	                   ? sk_dns_negative_ttl(abuf, (size_t)alen)
	                   : 0;
	sk_dns_answer_fn fn = q->fn;
	void *fa = q->arg;
	free(q);
	fn(fa, err, rr, err ? 0 : n, neg);
}

static int ares_query_start(void *be, const char *name, enum sk_dns_type type, sk_dns_answer_fn fn,
                            void *arg, uint64_t *id)
{
	struct dns_ares *d = be;
	struct ares_query_rec *q = calloc(1, sizeof(*q));
	if (!q)
		return -SK_ENOMEM;
	q->d = d;
	q->id = ++d->next_id;
	q->type = type;
	q->fn = fn;
	q->arg = arg;
	sk_timer_init(&q->later, on_later, q);
	q->next = d->queries;
	if (d->queries)
		d->queries->prev = q;
	d->queries = q;
	*id = q->id;
	/* ares_query, not ares_search: a SIP host is used as written, no search domains */
	d->in_query = true;
	ares_query(d->ch, name, 1 /* C_IN */, (int)type, on_answer, q);
	d->in_query = false;
	rearm(d);
	return 0;
}

static void ares_query_cancel(void *be, uint64_t id)
{
	struct dns_ares *d = be;
	for (struct ares_query_rec *q = d->queries; q; q = q->next)
		if (q->id == id) {
			q->fn = NULL; /* c-ares cannot drop one query: its answer is ignored */
			return;
		}
}

static void ares_backend_free(void *be)
{
	struct dns_ares *d = be;
	d->destroying = true;
	ares_destroy(d->ch); /* every query's callback runs, with nothing to call */
	for (int i = 0; i < ARES_MAX_SOCKS; i++)
		if (d->socks[i].fd >= 0)
			sk_loop_io_del(d->loop, &d->socks[i].io);
	sk_timer_stop(sk_loop_timers(d->loop), &d->timer);
	while (d->queries) { /* those answered early, waiting for their timer */
		struct ares_query_rec *q = d->queries;
		unlink_query(d, q);
		free(q);
	}
	free(d);
	ares_library_cleanup();
}

static const struct sk_dns_ops ares_ops = {
    .query = ares_query_start, .cancel = ares_query_cancel, .free = ares_backend_free};

static int set_server(struct dns_ares *d, const char *server)
{
	struct sk_target t;
	if (sk_target_parse(&t, server) < 0)
		return -SK_EINVAL;
	struct ares_addr_port_node node = {.family = t.addr.u.sa.sa_family};
	if (node.family == AF_INET)
		node.addr.addr4 = t.addr.u.in.sin_addr;
	else
		memcpy(&node.addr.addr6, &t.addr.u.in6.sin6_addr, 16);
	node.udp_port = node.tcp_port = sk_sa_port(&t.addr);
	return ares_set_servers_ports(d->ch, &node) == ARES_SUCCESS ? 0 : -SK_EIO;
}

int sk_dns_ares_new(struct sk_dns_backend *out, struct sk_loop *loop, const char *server,
                    uint32_t timeout_ms, uint32_t tries)
{
	struct sk_target t;
	if (!out || !loop || (server && sk_target_parse(&t, server) < 0))
		return -SK_EINVAL;
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
		return -SK_EIO;
	struct dns_ares *d = calloc(1, sizeof(*d));
	if (!d) {
		ares_library_cleanup();
		return -SK_ENOMEM;
	}
	d->loop = loop;
	for (int i = 0; i < ARES_MAX_SOCKS; i++) {
		d->socks[i].fd = -1;
		d->socks[i].d = d;
	}
	sk_timer_init(&d->timer, on_timer, d);
	struct ares_options o = {.sock_state_cb = sock_state,
	                         .sock_state_cb_data = d,
	                         .timeout = timeout_ms ? (int)timeout_ms : 2000,
	                         .tries = tries ? (int)tries : 2,
	                         .flags = server && t.proto == SK_PROTO_TCP ? ARES_FLAG_USEVC : 0};
	int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
	if (ares_init_options(&d->ch, &o, mask) != ARES_SUCCESS) {
		free(d);
		ares_library_cleanup();
		return -SK_EIO;
	}
	if (server && set_server(d, server) < 0) {
		ares_destroy(d->ch);
		free(d);
		ares_library_cleanup();
		return -SK_EINVAL;
	}
	out->ops = &ares_ops;
	out->be = d;
	return 0;
}
