/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Workers: N proxies, one per thread, on the same addresses (docs/workers.md).
 * Which worker handles a message (sk_workers_owner), and the hand-off of a
 * datagram from the worker whose socket the kernel chose to the one that owns
 * it: a bounded queue per worker, under a mutex, whose consumer's loop wakes
 * on an eventfd written only when the queue goes from empty to non-empty (one
 * write and one wakeup per burst, not per message).
 *
 * Why hash(Call-ID): the kernel spreads datagrams among SO_REUSEPORT sockets
 * by a hash of the peer's address and port, which a caller's CANCEL (§9.1:
 * sent like its INVITE) usually shares with its INVITE, but not always (a
 * caller with several sockets, a NAT rebinding, a B2BUA on another port), and
 * a BYE or ACK of the callee comes from another peer altogether. Every
 * request of a call carries the same Call-ID: all of them meet in its owner,
 * which is the worker that created the call's state. Responses come back to
 * the private port of the worker that sent the request (its Via's sent-by).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "proxy_int.h"

#define WORKERS_QUEUE_DEFAULT 4096
#define WORKERS_MAX_SHARED    16

/* ITEM_MSG: a message another worker received, to handle as if it came here;
 * ITEM_SEND: bytes another worker sends on a connection of ours (sk_tp_set_across);
 * ITEM_GONE: a connection of another worker we sent on broke (sk_tp_set_gone);
 * ITEM_CALL: a function to run on this worker's thread. */
enum item_kind { ITEM_MSG, ITEM_SEND, ITEM_GONE, ITEM_CALL };

struct item {
	struct item *next;
	enum item_kind kind;
	void (*fn)(void *arg); /* ITEM_CALL */
	void *arg;
	struct sk_flow flow; /* ITEM_MSG: as it was received; ITEM_SEND: the connection */
	size_t len;
	char buf[]; /* ITEM_MSG, ITEM_SEND: the message */
};

struct slot {
	struct sk_workers *ws;
	unsigned idx;
	pthread_mutex_t lock; /* the queue and stopped */
	struct item *head, **tail;
	size_t count; /* messages and sends queued (calls are not counted against queue_max) */
	bool stopped;
	int efd; /* eventfd: the queue went non-empty */
	struct sk_io io;
	struct sk_loop *loop;
	struct sk_tp *tp;
	atomic_uint_fast64_t handed_out, handed_in, refused_503, dropped;
	atomic_uint_fast64_t sent_across, sent_across_gone, sent_across_refused;
};

struct sk_workers {
	unsigned n;
	struct sk_tp_group *group; /* the workers' transports: connection ids, branches */
	size_t queue_max;
	struct sk_hash_key key;
	struct sk_sa shared[WORKERS_MAX_SHARED];
	size_t nshared;
	struct slot w[];
};

int sk_workers_new(struct sk_workers **out, const struct sk_workers_config *cfg)
{
	if (!out || !cfg || cfg->n < 1 || cfg->n > SK_WORKERS_MAX)
		return -SK_EINVAL;
	struct sk_workers *ws = calloc(1, sizeof(*ws) + cfg->n * sizeof(ws->w[0]));
	if (!ws)
		return -SK_ENOMEM;
	ws->n = cfg->n;
	ws->queue_max = cfg->queue_max ? cfg->queue_max : WORKERS_QUEUE_DEFAULT;
	if (cfg->key)
		ws->key = *cfg->key;
	else if (sk_hash_key_from_os(&ws->key) < 0) {
		free(ws);
		return -SK_EAGAIN;
	}
	int rc = ws->n > 1 ? sk_tp_group_new(&ws->group, ws->n) : 0;
	if (rc < 0) {
		free(ws);
		return rc;
	}
	for (unsigned i = 0; i < ws->n; i++) {
		struct slot *s = &ws->w[i];
		s->ws = ws;
		s->idx = i;
		s->tail = &s->head;
		s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (s->efd < 0 || pthread_mutex_init(&s->lock, NULL) != 0) {
			if (s->efd >= 0)
				close(s->efd);
			while (i-- > 0) {
				close(ws->w[i].efd);
				pthread_mutex_destroy(&ws->w[i].lock);
			}
			sk_tp_group_free(ws->group);
			free(ws);
			return -SK_ENOMEM;
		}
	}
	*out = ws;
	return 0;
}

static void free_items(struct item *it)
{
	while (it) {
		struct item *next = it->next;
		free(it);
		it = next;
	}
}

void sk_workers_free(struct sk_workers *ws)
{
	if (!ws)
		return;
	for (unsigned i = 0; i < ws->n; i++) {
		free_items(ws->w[i].head);
		close(ws->w[i].efd);
		pthread_mutex_destroy(&ws->w[i].lock);
	}
	sk_tp_group_free(ws->group);
	free(ws);
}

unsigned sk_workers_count(const struct sk_workers *ws)
{
	return ws->n;
}

int sk_workers_share(struct sk_workers *ws, const struct sk_sa *addr)
{
	if (!ws || !addr)
		return -SK_EINVAL;
	for (size_t i = 0; i < ws->nshared; i++)
		if (sk_sa_equal(&ws->shared[i], addr))
			return 0;
	if (ws->nshared == WORKERS_MAX_SHARED)
		return -SK_EFULL;
	ws->shared[ws->nshared++] = *addr;
	return 0;
}

static bool is_shared(const struct sk_workers *ws, const struct sk_sa *a)
{
	for (size_t i = 0; i < ws->nshared; i++)
		if (sk_sa_equal(&ws->shared[i], a))
			return true;
	return false;
}

unsigned sk_workers_owner_of(const struct sk_workers *ws, struct sk_str call_id)
{
	return (unsigned)(sk_hash(&ws->key, call_id.p, call_id.len) % ws->n);
}

unsigned sk_workers_owner(const struct sk_workers *ws, const struct sk_msg *m,
                          const struct sk_flow *flow, unsigned self)
{
	bool stream = flow->proto != SK_PROTO_UDP;
	if (sk_msg_is_request(m))
		/* §18.2.2: a request on a connection is answered on it, by its holder; a
		 * CANCEL comes on its INVITE's connection (§9.1) and meets it there */
		return stream ? self : sk_workers_owner_of(ws, sk_msg_call_id(m));
	if (!stream && !is_shared(ws, &flow->local))
		return self; /* on our private port: the answer to a request we sent */
	/* the worker whose branch it is sent the request (§17.1.3 matches the response
	 * there): on a connection, it may have sent across on one of ours */
	const struct sk_via *v = sk_msg_via(m, 0);
	int mark = v ? sk_tp_branch_owner(v->branch) : -1;
	if (mark >= 0 && (unsigned)mark < ws->n)
		return (unsigned)mark;
	return stream ? self : sk_workers_owner_of(ws, sk_msg_call_id(m));
}

/* ---- the queue ------------------------------------------------------------ */

/* Appends it unless the worker stopped or (a message, a send) its queue is full: 0,
 * -SK_EFULL, -SK_ESTATE. */
static int post(struct slot *s, struct item *it)
{
	bool wake;
	pthread_mutex_lock(&s->lock);
	if (s->stopped) {
		pthread_mutex_unlock(&s->lock);
		return -SK_ESTATE;
	}
	bool bounded = it->kind != ITEM_CALL; /* messages and sends: queue_max together */
	if (bounded && s->count >= s->ws->queue_max) {
		pthread_mutex_unlock(&s->lock);
		return -SK_EFULL;
	}
	wake = s->head == NULL;
	it->next = NULL;
	*s->tail = it;
	s->tail = &it->next;
	if (bounded)
		s->count++;
	pthread_mutex_unlock(&s->lock);
	if (wake) { /* the consumer reads the eventfd before it takes the queue */
		uint64_t one = 1;
		ssize_t w = write(s->efd, &one, sizeof(one));
		(void)w; /* EAGAIN only at 2^64 - 1 unread: the loop is awake then anyway */
	}
	return 0;
}

/* Takes everything queued, in order. */
static struct item *take_all(struct slot *s)
{
	pthread_mutex_lock(&s->lock);
	struct item *it = s->head;
	s->head = NULL;
	s->tail = &s->head;
	s->count = 0;
	pthread_mutex_unlock(&s->lock);
	return it;
}

static void on_queue(void *arg, unsigned events)
{
	struct slot *s = arg;
	uint64_t v;
	(void)events;
	/* first the eventfd, then the queue: a post after the take writes it again */
	ssize_t r = read(s->efd, &v, sizeof(v));
	(void)r;
	for (struct item *it = take_all(s), *next; it; it = next) {
		next = it->next;
		if (it->kind == ITEM_CALL) {
			it->fn(it->arg);
		} else if (it->kind == ITEM_GONE) {
			sk_tp_conn_gone(s->tp, it->flow.conn);
		} else if (it->kind == ITEM_SEND) {
			/* gone since the sender looked: counted, and its transaction ends on
			 * its timers, as after a lost datagram */
			if (sk_tp_send_own(s->tp, &it->flow, it->buf, it->len) < 0)
				atomic_fetch_add_explicit(&s->sent_across_gone, 1,
				                          memory_order_relaxed);
		} else {
			atomic_fetch_add_explicit(&s->handed_in, 1, memory_order_relaxed);
			sk_tp_inject(s->tp, it->buf, it->len, &it->flow);
		}
		free(it);
	}
}

/* §21.5.4: the owner cannot take it now; the caller may try again (a new Call-ID lands
 * elsewhere). Statelessly, from the worker that received it. */
static void reply_503(struct slot *s, struct sk_msg *m, const struct sk_flow *flow)
{
	struct sk_build *b;
	struct sk_str wire;
	struct sk_flow out;
	if (sk_tp_stamp_request(m, flow) < 0 || sk_build_response_to(&b, m, 503, NULL, NULL) < 0)
		return;
	if (sk_build_hdr(b, "Retry-After", SK_STR_LIT("5")) == 0 &&
	    sk_build_finish(b, &wire) == 0 && sk_tp_response_flow(s->tp, m, flow, &out) == 0)
		sk_tp_send(s->tp, &out, wire.p, wire.len);
	sk_build_free(b);
}

static bool steer(void *arg, struct sk_msg *m, const struct sk_flow *flow, const char *buf,
                  size_t len)
{
	struct slot *s = arg;
	struct sk_workers *ws = s->ws;
	unsigned owner = sk_workers_owner(ws, m, flow, s->idx);
	if (owner == s->idx)
		return false;
	struct item *it = malloc(sizeof(*it) + len);
	int rc = -SK_ENOMEM;
	if (it) {
		it->kind = ITEM_MSG;
		it->flow = *flow;
		/* a request on our private port: the owner answers from its socket on the
		 * shared address of that family (§18.2.2 sends to the Via, from any port) */
		for (size_t i = 0;
		     i < ws->nshared && flow->proto == SK_PROTO_UDP && !is_shared(ws, &flow->local);
		     i++)
			if (ws->shared[i].u.sa.sa_family == flow->local.u.sa.sa_family) {
				it->flow.local = ws->shared[i];
				break;
			}
		it->len = len;
		memcpy(it->buf, buf, len);
		rc = post(&ws->w[owner], it);
	}
	if (rc == 0) {
		atomic_fetch_add_explicit(&s->handed_out, 1, memory_order_relaxed);
		return true;
	}
	free(it);
	if (sk_msg_is_request(m) && !sk_str_eq(sk_msg_method(m), SK_STR_LIT("ACK"))) {
		atomic_fetch_add_explicit(&s->refused_503, 1, memory_order_relaxed);
		reply_503(s, m, flow);
	} else {
		atomic_fetch_add_explicit(&s->dropped, 1, memory_order_relaxed);
	}
	return true;
}

/*
 * Bytes worker s sends on a connection another worker holds (the group's
 * table has it open: checked by the transport): a copy to the owner's queue,
 * bounded as the messages handed over are. Full or stopped: the send fails
 * (-SK_EFULL, -SK_EIO), as a send on a full connection does.
 */
static int across(void *arg, unsigned owner, const struct sk_flow *flow, const char *buf,
                  size_t len)
{
	struct slot *s = arg;
	struct sk_workers *ws = s->ws;
	if (owner >= ws->n || owner == s->idx)
		return -SK_EINVAL;
	struct item *it = malloc(sizeof(*it) + len);
	if (!it)
		return -SK_ENOMEM;
	it->kind = ITEM_SEND;
	it->flow = *flow;
	it->len = len;
	memcpy(it->buf, buf, len);
	int rc = post(&ws->w[owner], it);
	if (rc < 0) {
		free(it);
		atomic_fetch_add_explicit(&s->sent_across_refused, 1, memory_order_relaxed);
		return rc == -SK_EFULL ? rc : -SK_EIO;
	}
	atomic_fetch_add_explicit(&s->sent_across, 1, memory_order_relaxed);
	return 0;
}

/*
 * A connection of worker s that others sent on broke: each of them hears of it
 * on its own thread, and its transactions on it fail at once (§17.1.4), as
 * worker s's do. A full queue loses the news: those transactions end on their
 * timers.
 */
static void gone(void *arg, uint64_t conn, uint64_t members)
{
	struct slot *s = arg;
	struct sk_workers *ws = s->ws;
	for (unsigned k = 0; k < ws->n; k++) {
		if (k == s->idx || !(members >> k & 1))
			continue;
		struct item *it = calloc(1, sizeof(*it));
		if (!it)
			continue;
		it->kind = ITEM_GONE;
		it->flow.conn = conn;
		if (post(&ws->w[k], it) < 0)
			free(it);
	}
}

int sk_workers_attach(struct sk_workers *ws, unsigned i, struct sk_tp *tp, struct sk_loop *loop)
{
	if (!ws || i >= ws->n || !tp || !loop)
		return -SK_EINVAL;
	struct slot *s = &ws->w[i];
	if (ws->group && sk_tp_set_group(tp, ws->group, i) < 0)
		return -SK_ESTATE;
	s->loop = loop;
	s->tp = tp;
	if (sk_loop_io_add(loop, &s->io, s->efd, SK_IO_READ, on_queue, s) < 0)
		return -SK_EIO;
	sk_tp_set_steer(s->tp, steer, s);
	sk_tp_set_across(s->tp, across, s);
	sk_tp_set_gone(s->tp, gone, s);
	return 0;
}

int sk_workers_call(struct sk_workers *ws, unsigned i, void (*fn)(void *arg), void *arg)
{
	if (!ws || i >= ws->n || !fn)
		return -SK_EINVAL;
	struct item *it = calloc(1, sizeof(*it));
	if (!it)
		return -SK_ENOMEM;
	it->kind = ITEM_CALL;
	it->fn = fn;
	it->arg = arg;
	int rc = post(&ws->w[i], it);
	if (rc < 0)
		free(it);
	return rc;
}

void sk_workers_stop(struct sk_workers *ws, unsigned i)
{
	if (!ws || i >= ws->n)
		return;
	struct slot *s = &ws->w[i];
	pthread_mutex_lock(&s->lock);
	s->stopped = true;
	pthread_mutex_unlock(&s->lock);
	for (struct item *it = take_all(s), *next; it; it = next) {
		next = it->next;
		if (it->kind == ITEM_CALL)
			it->fn(it->arg);
		else if (it->kind == ITEM_SEND)
			atomic_fetch_add_explicit(&s->sent_across_gone, 1, memory_order_relaxed);
		else if (it->kind == ITEM_MSG)
			atomic_fetch_add_explicit(&s->dropped, 1, memory_order_relaxed);
		free(it); /* ITEM_GONE: its transactions go with it */
	}
	if (s->loop)
		sk_loop_io_del(s->loop, &s->io);
	if (s->tp) { /* its connections leave the group's table: nobody sends on them */
		sk_tp_set_group(s->tp, NULL, 0); /* those that sent on them hear of it */
		sk_tp_set_steer(s->tp, NULL, NULL);
		sk_tp_set_across(s->tp, NULL, NULL);
		sk_tp_set_gone(s->tp, NULL, NULL);
	}
	s->loop = NULL;
	s->tp = NULL;
}

struct sk_workers_stats sk_workers_stats(struct sk_workers *ws, unsigned i)
{
	struct sk_workers_stats st = {0};
	if (!ws || i >= ws->n)
		return st;
	struct slot *s = &ws->w[i];
	st.handed_out = atomic_load_explicit(&s->handed_out, memory_order_relaxed);
	st.handed_in = atomic_load_explicit(&s->handed_in, memory_order_relaxed);
	st.refused_503 = atomic_load_explicit(&s->refused_503, memory_order_relaxed);
	st.dropped = atomic_load_explicit(&s->dropped, memory_order_relaxed);
	st.sent_across = atomic_load_explicit(&s->sent_across, memory_order_relaxed);
	st.sent_across_gone = atomic_load_explicit(&s->sent_across_gone, memory_order_relaxed);
	st.sent_across_refused =
	    atomic_load_explicit(&s->sent_across_refused, memory_order_relaxed);
	pthread_mutex_lock(&s->lock);
	st.queued = s->count;
	st.stopped = s->stopped;
	pthread_mutex_unlock(&s->lock);
	return st;
}
