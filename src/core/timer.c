/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timers, ordered by deadline and then by start order, so that equal deadlines
 * always fire in the same order (a virtual-time test must replay identically).
 * No allocation per timer.
 *
 * A proxy at 1000 calls/s holds some 100,000 timers, each embedded in a
 * transaction somewhere in memory, and most of them long ones of a few fixed
 * lengths (Timers B, D, F, H and J run 64*T1, I and K run T4, C three minutes:
 * RFC 3261 §17, §16.8). Two structures:
 *
 *  - Lanes, for timers of 1 s or more: one FIFO list per length (8 lengths at a
 *    time, a lane is reassigned once empty). Timers of one length started on a
 *    clock that never goes back end in the order they started, so a lane is
 *    sorted by (deadline, start order) by construction: start, stop and fire
 *    are O(1) and touch the timer and its two neighbours only.
 *  - A 4-ary min-heap for the others (retransmissions, 100 Trying's delay,
 *    lengths no lane is free for): O(log n). It keeps each timer's key beside
 *    its pointer, so a comparison reads the array, never the timer.
 *
 * The next timer to fire is the least of the heap's top and the lanes' heads,
 * by (deadline, start order): the order is exact. A real loop may wake up to
 * 1/128 of a lane's length (8 to 250 ms) after its deadline (sk_timers_wake_in),
 * so that timers of 1 s and more that end close together fire in one wake-up,
 * not one each.
 *
 * Time: a real clock is read once per loop iteration (sk_timers_update_time,
 * as libuv's uv__update_time), not at every start, and every timer started
 * in one pass counts from the same "now". A virtual clock costs nothing to
 * read and a test may move it between two starts, so it is read as it stands.
 */
#include <stdlib.h>

#include "sipkit/core.h"

/* A pending heap timer: its key and where it is. */
struct entry {
	uint64_t deadline;
	uint64_t seq; /* start order: equal deadlines fire in the order they were set */
	struct sk_timer *t;
};

/* Timers of one length, in start order (a lane's are sorted by construction). */
struct lane {
	uint64_t delay; /* ms; meaningful while head is set */
	struct sk_timer *head, *tail;
};

#define ARITY       4
#define LANES       8
#define LANE_MIN_MS 1000 /* shorter ones (retransmissions) go to the heap */
/* How late a real loop may wake for a lane's timer: 1/128 of its length (< 1 %),
 * 8 ms to 250 ms. The longer the timers, the more of them fire per wake-up: at
 * 1000 calls/s, each lane of absorbing timers (D, I, J, K) costs 4 to 30 wake-ups
 * a second, not one per call. */
#define LANE_SLACK_MIN_MS 8
#define LANE_SLACK_MAX_MS 250

struct sk_timers {
	struct sk_clock *clock;
	bool is_virtual;
	uint64_t now; /* a real clock as last read */
	struct entry *heap;
	size_t n, cap;
	size_t in_lanes;
	struct lane lanes[LANES];
	uint64_t next_seq;
};

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
	for (size_t k = 0; k < LANES; k++)
		for (struct sk_timer *t = ts->lanes[k].head; t; t = t->next)
			t->lane = 0;
	free(ts->heap);
	free(ts);
}

void sk_timer_init(struct sk_timer *t, sk_timer_fn fn, void *arg)
{
	*t = (struct sk_timer){.fn = fn, .arg = arg};
}

bool sk_timer_pending(const struct sk_timer *t)
{
	return t->slot != 0 || t->lane != 0;
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
	return ts->n + ts->in_lanes;
}

static bool earlier(const struct entry *a, const struct entry *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void place(struct sk_timers *ts, size_t i, struct entry e)
{
	ts->heap[i] = e;
	e.t->slot = (uint32_t)(i + 1);
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

static void lane_remove(struct sk_timers *ts, struct sk_timer *t)
{
	struct lane *l = &ts->lanes[t->lane - 1];
	if (t->prev)
		t->prev->next = t->next;
	else
		l->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		l->tail = t->prev;
	t->next = t->prev = NULL;
	t->lane = 0;
	ts->in_lanes--;
}

void sk_timer_stop(struct sk_timers *ts, struct sk_timer *t)
{
	size_t i;

	if (t->lane) {
		lane_remove(ts, t);
		return;
	}
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

/* The lane of timers delay_ms long: the one they have, or an empty one; NULL: none. */
static struct lane *lane_for(struct sk_timers *ts, uint64_t delay_ms)
{
	struct lane *free_lane = NULL;
	if (delay_ms < LANE_MIN_MS)
		return NULL;
	for (size_t k = 0; k < LANES; k++) {
		struct lane *l = &ts->lanes[k];
		if (l->head && l->delay == delay_ms)
			return l;
		if (!l->head && !free_lane)
			free_lane = l;
	}
	if (free_lane)
		free_lane->delay = delay_ms;
	return free_lane;
}

int sk_timer_start(struct sk_timers *ts, struct sk_timer *t, uint64_t delay_ms)
{
	sk_timer_stop(ts, t);
	struct lane *l = lane_for(ts, delay_ms);
	if (l) { /* at the tail: no timer of this length can end before one started earlier */
		t->deadline = sk_timers_now(ts) + delay_ms;
		t->seq = ts->next_seq++;
		t->lane = (uint8_t)(l - ts->lanes + 1);
		t->next = NULL;
		t->prev = l->tail;
		if (l->tail)
			l->tail->next = t;
		else
			l->head = t;
		l->tail = t;
		ts->in_lanes++;
		return 0;
	}
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
	if (!t->slot && !t->lane)
		return -1;
	uint64_t deadline = t->lane ? t->deadline : ts->heap[t->slot - 1].deadline;
	uint64_t now = sk_timers_now(ts);
	return deadline <= now ? 0 : (int64_t)(deadline - now);
}

static uint64_t lane_slack(uint64_t delay_ms)
{
	uint64_t s = delay_ms / 128;
	return s < LANE_SLACK_MIN_MS   ? LANE_SLACK_MIN_MS
	       : s > LANE_SLACK_MAX_MS ? LANE_SLACK_MAX_MS
	                               : s;
}

/* The timer that fires next, by (deadline, start order), and its deadline; NULL: none.
 * slack: how late a real loop may wake for it (a lane's), else 0. */
static struct sk_timer *first(const struct sk_timers *ts, uint64_t *deadline, uint64_t *slack)
{
	struct sk_timer *best = NULL;
	uint64_t d = 0, seq = 0;
	*slack = 0;
	if (ts->n) {
		best = ts->heap[0].t;
		d = ts->heap[0].deadline;
		seq = ts->heap[0].seq;
	}
	for (size_t k = 0; k < LANES; k++) {
		const struct sk_timer *h = ts->lanes[k].head;
		if (h && (!best || h->deadline < d || (h->deadline == d && h->seq < seq))) {
			best = ts->lanes[k].head;
			d = h->deadline;
			seq = h->seq;
			*slack = lane_slack(ts->lanes[k].delay);
		}
	}
	*deadline = d;
	return best;
}

int64_t sk_timers_next_in(const struct sk_timers *ts)
{
	uint64_t deadline, slack, now = sk_timers_now(ts);
	if (!first(ts, &deadline, &slack))
		return -1;
	return deadline <= now ? 0 : (int64_t)(deadline - now);
}

int64_t sk_timers_wake_in(const struct sk_timers *ts)
{
	uint64_t deadline, slack, now = sk_timers_now(ts);
	if (!first(ts, &deadline, &slack))
		return -1;
	/* the heap's earliest: it may come before the lane's deadline plus the slack */
	if (slack && ts->n && ts->heap[0].deadline < deadline + slack)
		slack = ts->heap[0].deadline - deadline;
	return deadline + slack <= now ? 0 : (int64_t)(deadline + slack - now);
}

size_t sk_timers_run(struct sk_timers *ts)
{
	return sk_timers_run_max(ts, SIZE_MAX);
}

size_t sk_timers_run_max(struct sk_timers *ts, size_t max)
{
	uint64_t now = sk_timers_now(ts); /* one time for the whole pass */
	size_t fired = 0;

	uint64_t deadline, slack;
	struct sk_timer *t;
	while (fired < max && (t = first(ts, &deadline, &slack)) && deadline <= now) {
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
	uint64_t deadline, slack;
	while (first(ts, &deadline, &slack) && deadline <= target) {
		sk_clock_set(ts->clock, deadline);
		fired += sk_timers_run(ts);
	}
	sk_clock_set(ts->clock, target);
	return fired + sk_timers_run(ts);
}
