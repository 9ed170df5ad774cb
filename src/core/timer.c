/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timers: a min-heap of embedded sk_timer, ordered by deadline and then by
 * start order, so that equal deadlines always fire in the same order (a
 * virtual-time test must replay identically). Start, stop: O(log n); no
 * allocation per timer, only the heap array grows.
 *
 * A proxy at 1000 calls/s holds some 100,000 timers (Timers D and J run 32 s,
 * §17), each embedded in a transaction somewhere in the heap memory. So the
 * heap keeps each timer's key (deadline, start order) beside its pointer: a
 * comparison reads the array, never the timer, and only a timer that moves is
 * touched (its slot). It is 4-ary: half the levels of a binary heap, and the
 * four children of a node sit in two cache lines.
 *
 * Time: a real clock is read once per loop iteration (sk_timers_update_time,
 * as libuv's uv__update_time), not at every start, and every timer started
 * in one pass counts from the same "now". A virtual clock costs nothing to
 * read and a test may move it between two starts, so it is read as it stands.
 */
#include <stdlib.h>

#include "sipkit/core.h"

/* A pending timer: its key and where it is. */
struct entry {
	uint64_t deadline;
	uint64_t seq; /* start order: equal deadlines fire in the order they were set */
	struct sk_timer *t;
};

struct sk_timers {
	struct sk_clock *clock;
	bool is_virtual;
	uint64_t now; /* a real clock as last read */
	struct entry *heap;
	size_t n, cap;
	uint64_t next_seq;
};

#define ARITY 4

int sk_timers_new(struct sk_timers **out, struct sk_clock *clock)
{
	if (!out || !clock)
		return -SK_EINVAL;
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -SK_ENOMEM;
	(*out)->clock = clock;
	(*out)->is_virtual = sk_clock_is_virtual(clock);
	(*out)->now = sk_clock_now(clock);
	return 0;
}

void sk_timers_free(struct sk_timers *ts)
{
	if (!ts)
		return;
	for (size_t i = 0; i < ts->n; i++)
		ts->heap[i].t->slot = 0;
	free(ts->heap);
	free(ts);
}

void sk_timer_init(struct sk_timer *t, sk_timer_fn fn, void *arg)
{
	*t = (struct sk_timer){.fn = fn, .arg = arg};
}

bool sk_timer_pending(const struct sk_timer *t)
{
	return t->slot != 0;
}
uint64_t sk_timers_now(const struct sk_timers *ts)
{
	return ts->is_virtual ? sk_clock_now(ts->clock) : ts->now;
}

void sk_timers_update_time(struct sk_timers *ts)
{
	ts->now = sk_clock_now(ts->clock);
}

size_t sk_timers_count(const struct sk_timers *ts)
{
	return ts->n;
}

static bool earlier(const struct entry *a, const struct entry *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void place(struct sk_timers *ts, size_t i, struct entry e)
{
	ts->heap[i] = e;
	e.t->slot = i + 1;
}

/* e into the hole at i, moved up to its place. */
static void sift_up(struct sk_timers *ts, size_t i, struct entry e)
{
	while (i > 0) {
		size_t parent = (i - 1) / ARITY;
		if (!earlier(&e, &ts->heap[parent]))
			break;
		place(ts, i, ts->heap[parent]);
		i = parent;
	}
	place(ts, i, e);
}

/* e into the hole at i, moved down to its place. */
static void sift_down(struct sk_timers *ts, size_t i, struct entry e)
{
	for (;;) {
		size_t first = ARITY * i + 1, best = first;
		if (first >= ts->n)
			break;
		size_t last = first + ARITY < ts->n ? first + ARITY : ts->n;
		for (size_t c = first + 1; c < last; c++)
			if (earlier(&ts->heap[c], &ts->heap[best]))
				best = c;
		if (!earlier(&ts->heap[best], &e))
			break;
		place(ts, i, ts->heap[best]);
		i = best;
	}
	place(ts, i, e);
}

void sk_timer_stop(struct sk_timers *ts, struct sk_timer *t)
{
	size_t i;

	if (!t->slot)
		return;
	i = t->slot - 1;
	t->slot = 0;
	ts->n--;
	if (i == ts->n)
		return;
	/* the last timer fills the hole, then moves up or down to its place */
	struct entry moved = ts->heap[ts->n];
	if (i > 0 && earlier(&moved, &ts->heap[(i - 1) / ARITY]))
		sift_up(ts, i, moved);
	else
		sift_down(ts, i, moved);
}

int sk_timer_start(struct sk_timers *ts, struct sk_timer *t, uint64_t delay_ms)
{
	sk_timer_stop(ts, t);
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 64;
		struct entry *h = realloc(ts->heap, cap * sizeof(*h));
		if (!h)
			return -SK_ENOMEM;
		ts->heap = h;
		ts->cap = cap;
	}
	struct entry e = {sk_timers_now(ts) + delay_ms, ts->next_seq++, t};
	sift_up(ts, ts->n++, e);
	return 0;
}

int64_t sk_timer_remaining(const struct sk_timers *ts, const struct sk_timer *t)
{
	if (!t->slot)
		return -1;
	uint64_t deadline = ts->heap[t->slot - 1].deadline, now = sk_timers_now(ts);
	return deadline <= now ? 0 : (int64_t)(deadline - now);
}

int64_t sk_timers_next_in(const struct sk_timers *ts)
{
	uint64_t now;

	if (!ts->n)
		return -1;
	now = sk_timers_now(ts);
	return ts->heap[0].deadline <= now ? 0 : (int64_t)(ts->heap[0].deadline - now);
}

size_t sk_timers_run(struct sk_timers *ts)
{
	return sk_timers_run_max(ts, SIZE_MAX);
}

size_t sk_timers_run_max(struct sk_timers *ts, size_t max)
{
	uint64_t now = sk_timers_now(ts); /* one time for the whole pass */
	size_t fired = 0;

	while (fired < max && ts->n && ts->heap[0].deadline <= now) {
		struct sk_timer *t = ts->heap[0].t;
		sk_timer_stop(ts, t);
		fired++;
		if (t->fn)
			t->fn(t->arg); /* may free t: touch it no more */
	}
	return fired;
}

size_t sk_timers_advance(struct sk_timers *ts, uint64_t ms)
{
	uint64_t target;
	size_t fired = 0;

	if (!sk_clock_is_virtual(ts->clock))
		return 0;
	target = sk_clock_now(ts->clock) + ms;
	fired += sk_timers_run(ts);
	while (ts->n && ts->heap[0].deadline <= target) {
		sk_clock_set(ts->clock, ts->heap[0].deadline);
		fired += sk_timers_run(ts);
	}
	sk_clock_set(ts->clock, target);
	return fired + sk_timers_run(ts);
}
