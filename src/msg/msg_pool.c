/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocating and freeing parsed messages, with a small free list per thread.
 *
 * A proxy parses a message per datagram and frees it a few microseconds later; a fresh
 * struct sk_msg (1.8 KB, calloc'd) whose header, Via and address arrays are then grown by
 * realloc cost about a tenth of a cancelled call's user-space instructions (issue 16). So
 * sk_msg_free keeps the message on its thread's free list, arrays and all, and sk_msg_new
 * hands it back cleared exactly as calloc would leave it, with the arrays' capacity kept
 * (the parser re-parses into a used message anyway: sk_msg_reset in parse.c), then made
 * to read as an empty message, as a fresh one is.
 *
 * Each thread runs at most one event loop (src/proxy/workers.c), so the list is per thread
 * and needs no lock. It is bounded twice, so its memory is O(1) whatever peers send: at most
 * POOL_KEEP messages, and a message whose buffers grew past POOL_MAX_BYTES (a peer's
 * message of hundreds of headers) is freed, not kept: at most POOL_KEEP * (sizeof(struct
 * sk_msg) + POOL_MAX_BYTES), about 225 KB, per thread.
 *
 * A kept message is poisoned under AddressSanitizer, so touching it after sk_msg_free is
 * still reported as a use after free would be. A thread's list is freed when the thread
 * exits (a pthread key's destructor), the list of the thread that ends the process at
 * exit (atexit), and sk_msg_pool_drain frees the calling thread's list at once.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "msg_int.h"

#if defined(__SANITIZE_ADDRESS__)
#define SK_MSG_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SK_MSG_POOL_ASAN 1
#endif
#endif
#ifdef SK_MSG_POOL_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define POOL_KEEP      16    /* messages kept per thread */
#define POOL_MAX_BYTES 12288 /* a message whose buffers hold more is freed, not kept */

enum pool_state {
	POOL_UNARMED, /* nothing kept yet */
	POOL_ARMED,   /* the thread-exit destructor is registered for this thread */
	POOL_CLOSED,  /* the thread or the process is ending: nothing is kept any more */
};

struct msg_pool {
	struct sk_msg *kept[POOL_KEEP];
	unsigned n;
	enum pool_state state;
};

static _Thread_local struct msg_pool pool;
static pthread_key_t pool_key;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static bool pool_key_ok;

/* ---- poisoning ------------------------------------------------------------------ */

static void set_poison(const void *p, size_t n, bool poisoned)
{
#ifdef SK_MSG_POOL_ASAN
	if (!p || !n)
		return;
	if (poisoned)
		ASAN_POISON_MEMORY_REGION(p, n);
	else
		ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
	(void)p;
	(void)n;
	(void)poisoned;
#endif
}

/* The message and every buffer it keeps, by the sizes its capacities say. */
static void poison_msg(struct sk_msg *m, bool poisoned)
{
	if (!poisoned)
		set_poison(m, sizeof(*m), false);
	set_poison(m->own, m->own_cap, poisoned);
	set_poison(m->scratch, m->scratch_cap, poisoned);
	set_poison(m->hdrs, (size_t)m->hdrs_cap * sizeof(*m->hdrs), poisoned);
	set_poison(m->vias, (size_t)m->vias_cap * sizeof(*m->vias), poisoned);
	set_poison(m->addrs, (size_t)m->addrs_cap * sizeof(*m->addrs), poisoned);
	for (int k = 0; k < AK__COUNT; k++)
		set_poison(m->lists[k].idx, (size_t)m->idx_cap * sizeof(uint16_t), poisoned);
	if (poisoned)
		set_poison(m, sizeof(*m), true);
}

/* ---- the messages ------------------------------------------------------------ */

static size_t kept_bytes(const struct sk_msg *m)
{
	return m->own_cap + m->scratch_cap + (size_t)m->hdrs_cap * sizeof(*m->hdrs) +
	       (size_t)m->vias_cap * sizeof(*m->vias) + (size_t)m->addrs_cap * sizeof(*m->addrs) +
	       (size_t)m->idx_cap * sizeof(uint16_t) * AK__COUNT;
}

static void free_msg(struct sk_msg *m)
{
	free(m->own);
	free(m->scratch);
	free(m->stamp);
	free(m->hdrs);
	free(m->vias);
	free(m->addrs);
	for (int k = 0; k < AK__COUNT; k++)
		free(m->lists[k].idx);
	free(m);
}

/* Every field zero, as calloc gives, but the reusable buffers and their capacities. */
static void clear_keeping_buffers(struct sk_msg *m)
{
	char *own = m->own, *scratch = m->scratch;
	size_t own_cap = m->own_cap, scratch_cap = m->scratch_cap;
	struct sk_hdr *hdrs = m->hdrs;
	struct sk_via *vias = m->vias;
	struct sk_addr *addrs = m->addrs;
	uint32_t hdrs_cap = m->hdrs_cap, vias_cap = m->vias_cap, addrs_cap = m->addrs_cap;
	uint32_t idx_cap = m->idx_cap;
	uint16_t *idx[AK__COUNT];
	for (int k = 0; k < AK__COUNT; k++)
		idx[k] = m->lists[k].idx;

	memset(m, 0, sizeof(*m));
	m->own = own;
	m->own_cap = own_cap;
	m->scratch = scratch;
	m->scratch_cap = scratch_cap;
	m->hdrs = hdrs;
	m->hdrs_cap = hdrs_cap;
	m->vias = vias;
	m->vias_cap = vias_cap;
	m->addrs = addrs;
	m->addrs_cap = addrs_cap;
	m->idx_cap = idx_cap;
	for (int k = 0; k < AK__COUNT; k++)
		m->lists[k].idx = idx[k];
}

/* ---- the pool --------------------------------------------------------------------- */

static void drain(struct msg_pool *p)
{
	while (p->n > 0) {
		struct sk_msg *m = p->kept[--p->n];
		poison_msg(m, false);
		free_msg(m);
	}
}

/* Closed as well as drained: a message freed later in the thread's end (by another key's
 * destructor) is freed at once, not kept where nothing would free it. */
static void on_thread_exit(void *arg)
{
	struct msg_pool *p = arg;
	drain(p);
	p->state = POOL_CLOSED;
}

/* The thread that ends the process (by exit or by returning from main) runs no key
 * destructor: an atexit handler frees its list, before LeakSanitizer's own check. */
static void on_process_exit(void)
{
	drain(&pool);
	pool.state = POOL_CLOSED;
}

static void make_key(void)
{
	pool_key_ok = pthread_key_create(&pool_key, on_thread_exit) == 0;
	if (pool_key_ok && atexit(on_process_exit) != 0) {
		pthread_key_delete(pool_key);
		pool_key_ok = false;
	}
}

/* Registers this thread's list for freeing at thread exit; false if it cannot be. */
static bool arm(void)
{
	if (pool.state != POOL_UNARMED)
		return pool.state == POOL_ARMED;
	pthread_once(&pool_once, make_key);
	if (!pool_key_ok || pthread_setspecific(pool_key, &pool) != 0)
		return false;
	pool.state = POOL_ARMED;
	return true;
}

static bool put(struct sk_msg *m)
{
	if (pool.n == POOL_KEEP || kept_bytes(m) > POOL_MAX_BYTES || !arm())
		return false;
	/* written fresh by sk_msg_via_stamp each time: nothing to reuse */
	free(m->stamp);
	m->stamp = NULL;
	m->stamp_cap = 0;
	poison_msg(m, true);
	pool.kept[pool.n++] = m;
	return true;
}

static struct sk_msg *take(void)
{
	if (pool.n == 0)
		return NULL;
	struct sk_msg *m = pool.kept[--pool.n];
	poison_msg(m, false);
	clear_keeping_buffers(m);
	return m;
}

int sk_msg_new(struct sk_msg **out, const struct sk_msg_limits *lim)
{
	struct sk_msg *m;

	if (!out)
		return -SK_EINVAL;
	m = take();
	if (!m)
		m = calloc(1, sizeof(*m));
	if (!m)
		return -SK_ENOMEM;
	/* read before any parse, it is an empty message, not a view of its last one */
	sk_msg_reset(m);
	m->lim = lim ? *lim : sk_msg_limits_default();
	*out = m;
	return 0;
}

void sk_msg_free(struct sk_msg *m)
{
	if (!m)
		return;
	if (!put(m))
		free_msg(m);
}

void sk_msg_pool_drain(void)
{
	drain(&pool);
}

size_t sk_msg_pool_size(void)
{
	return pool.n;
}
