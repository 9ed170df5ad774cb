/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Clocks and timers on virtual time:
 *  - a virtual clock moves only when told, never backwards
 *  - timers fire in deadline order; equal deadlines in start order (deterministic replays)
 *  - restart, stop (also from inside a callback), self-restart from a callback
 *  - sk_timers_advance stops at every deadline so callbacks see their own time
 *  - many timers (heap order under random start/stop, each one's time left); lanes
 *    of fixed lengths mixed with the heap, more lengths than lanes; a real loop's
 *    slack past a long timer's deadline, none past a short one's
 *  - on a real clock, the time read once per loop iteration: every timer started in
 *    one pass counts from it (libuv's uv__update_time); wall time of both clocks
 */
#include <time.h>

#include "sk_test.h"

struct rec {
	struct sk_timers *ts;
	struct sk_clock *clock;
	char log[64];
	size_t n;
	uint64_t at[64];
};

struct probe {
	struct sk_timer t;
	struct rec *r;
	char name;
	struct sk_timer *stop_other;
	uint64_t again; /* restart itself after this many ms, once */
};

static void on_fire(void *arg)
{
	struct probe *p = arg;
	struct rec *r = p->r;
	if (r->n < sizeof(r->log) - 1) {
		r->at[r->n] = sk_clock_now(r->clock);
		r->log[r->n++] = p->name;
		r->log[r->n] = '\0';
	}
	if (p->stop_other)
		sk_timer_stop(r->ts, p->stop_other);
	if (p->again) {
		uint64_t d = p->again;
		p->again = 0;
		assert_int_equal(sk_timer_start(r->ts, &p->t, d), 0);
	}
}

static void setup_rec(struct rec *r, uint64_t start)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(sk_clock_new_virtual(&r->clock, start), 0);
	assert_int_equal(sk_timers_new(&r->ts, r->clock), 0);
}

static void probe(struct probe *p, struct rec *r, char name)
{
	memset(p, 0, sizeof(*p));
	p->r = r;
	p->name = name;
	sk_timer_init(&p->t, on_fire, p);
}

static void test_virtual_clock(void **state)
{
	(void)state;
	struct sk_clock *c, *real;
	assert_int_equal(sk_clock_new_virtual(&c, 1000), 0);
	assert_true(sk_clock_is_virtual(c));
	assert_int_equal(sk_clock_now(c), 1000);
	assert_int_equal(sk_clock_set(c, 1500), 0);
	assert_int_equal(sk_clock_now(c), 1500);
	assert_int_equal(sk_clock_set(c, 1499), -SK_EINVAL); /* monotonic */
	assert_int_equal(sk_clock_new_real(&real), 0);
	assert_false(sk_clock_is_virtual(real));
	assert_int_equal(sk_clock_set(real, 5), -SK_EINVAL);
	uint64_t a = sk_clock_now(real), b = sk_clock_now(real);
	assert_true(b >= a);
	sk_clock_free(c);
	sk_clock_free(real);
	sk_clock_free(NULL);
}

static void test_order_and_ties(void **state)
{
	(void)state;
	struct rec r;
	struct probe a, b, c, d;
	setup_rec(&r, 0);
	probe(&a, &r, 'a');
	probe(&b, &r, 'b');
	probe(&c, &r, 'c');
	probe(&d, &r, 'd');
	assert_int_equal(sk_timer_start(r.ts, &c.t, 500), 0);
	assert_int_equal(sk_timer_start(r.ts, &a.t, 100), 0);
	assert_int_equal(sk_timer_start(r.ts, &d.t, 500), 0); /* same deadline as c, later */
	assert_int_equal(sk_timer_start(r.ts, &b.t, 100), 0);
	assert_int_equal(sk_timers_count(r.ts), 4);
	assert_int_equal(sk_timers_next_in(r.ts), 100);
	assert_int_equal(sk_timers_run(r.ts), 0); /* nothing due yet */
	assert_int_equal(sk_timers_advance(r.ts, 99), 0);
	assert_int_equal(sk_timers_next_in(r.ts), 1);
	assert_int_equal(sk_timers_advance(r.ts, 1000), 4);
	assert_string_equal(r.log, "abcd");
	assert_int_equal(r.at[0], 100);
	assert_int_equal(r.at[2], 500); /* each fired at its own time */
	assert_int_equal(sk_clock_now(r.clock), 1099);
	assert_int_equal(sk_timers_next_in(r.ts), -1);
	assert_false(sk_timer_pending(&a.t));
	sk_timers_free(r.ts);
	sk_clock_free(r.clock);
}

static void test_restart_and_stop(void **state)
{
	(void)state;
	struct rec r;
	struct probe a, b, c;
	setup_rec(&r, 10);
	probe(&a, &r, 'a');
	probe(&b, &r, 'b');
	probe(&c, &r, 'c');
	assert_int_equal(sk_timer_start(r.ts, &a.t, 100), 0);
	assert_int_equal(sk_timer_start(r.ts, &b.t, 200), 0);
	assert_int_equal(sk_timer_start(r.ts, &c.t, 300), 0);
	assert_int_equal(sk_timer_start(r.ts, &a.t, 400), 0); /* restart: moves, not doubled */
	assert_int_equal(sk_timers_count(r.ts), 3);
	sk_timer_stop(r.ts, &b.t);
	sk_timer_stop(r.ts, &b.t); /* twice is harmless */
	c.stop_other = &a.t;       /* c's callback cancels a */
	c.again = 50;              /* and c restarts itself once */
	assert_int_equal(sk_timers_advance(r.ts, 1000), 2);
	assert_string_equal(r.log, "cc");
	assert_int_equal(r.at[0], 310);
	assert_int_equal(r.at[1], 360);
	assert_int_equal(sk_timers_count(r.ts), 0);
	/* freeing a set with pending timers leaves them stopped */
	assert_int_equal(sk_timer_start(r.ts, &a.t, 5), 0);
	sk_timers_free(r.ts);
	assert_false(sk_timer_pending(&a.t));
	sk_clock_free(r.clock);
}

/* A small deterministic generator for the stress test. */
static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

struct cnt {
	uint64_t last_deadline, last_seq;
	size_t fired;
	struct sk_clock *clock;
};

struct item {
	struct sk_timer t;
	struct cnt *c;
	uint64_t deadline, seq; /* as the test started it */
};

/* Starts it delay ms from now, noting the key the set must order it by. */
static void start_item(struct sk_timers *ts, struct item *it, uint64_t delay, uint64_t *seq)
{
	it->deadline = sk_timers_now(ts) + delay;
	it->seq = (*seq)++;
	assert_int_equal(sk_timer_start(ts, &it->t, delay), 0);
	assert_int_equal(sk_timer_remaining(ts, &it->t), (int64_t)delay);
}

static void on_item(void *arg)
{
	struct item *it = arg;
	struct cnt *c = it->c;
	/* (deadline, start order) never goes backwards */
	if (!(it->deadline > c->last_deadline ||
	      (it->deadline == c->last_deadline && it->seq > c->last_seq) || c->fired == 0))
		fail_msg("fired (%llu, %llu) after (%llu, %llu)", (unsigned long long)it->deadline,
		         (unsigned long long)it->seq, (unsigned long long)c->last_deadline,
		         (unsigned long long)c->last_seq);
	if (it->deadline != sk_clock_now(c->clock))
		fail_msg("deadline %llu fired at %llu (seq %llu)", (unsigned long long)it->deadline,
		         (unsigned long long)sk_clock_now(c->clock), (unsigned long long)it->seq);
	assert_false(sk_timer_pending(&it->t));
	c->last_deadline = it->deadline;
	c->last_seq = it->seq;
	c->fired++;
}

static void test_many_timers(void **state)
{
	(void)state;
	enum { N = 100000 };
	struct item *items = calloc(N, sizeof(*items));
	struct cnt c = {0};
	struct sk_timers *ts;
	uint32_t seed = 42;
	size_t stopped = 0;
	uint64_t seq = 0;

	assert_int_equal(sk_clock_new_virtual(&c.clock, 0), 0);
	assert_int_equal(sk_timers_new(&ts, c.clock), 0);
	for (size_t i = 0; i < N; i++) {
		items[i].c = &c;
		sk_timer_init(&items[i].t, on_item, &items[i]);
		start_item(ts, &items[i], lcg(&seed) % 64000, &seq);
	}
	for (size_t i = 0; i < N; i += 3) { /* stop a third, restart some */
		sk_timer_stop(ts, &items[i].t);
		assert_int_equal(sk_timer_remaining(ts, &items[i].t), -1);
		if (i % 2)
			start_item(ts, &items[i], lcg(&seed) % 64000, &seq);
		else
			stopped++;
	}
	assert_int_equal(sk_timers_count(ts), N - stopped);
	assert_int_equal(sk_timers_advance(ts, 64000), N - stopped);
	assert_int_equal(c.fired, N - stopped);
	assert_int_equal(sk_timers_count(ts), 0);
	sk_timers_free(ts);
	sk_clock_free(c.clock);
	free(items);
}
/* Fixed lengths as a transaction layer uses them (lanes) mixed with short and odd ones
 * (the heap), more lengths than there are lanes, the clock moving between starts:
 * every timer fires once, at its deadline, in (deadline, start order). */
static void test_lanes_and_heap(void **state)
{
	(void)state;
	enum { N = 60000 };
	static const uint64_t lengths[] = {32000, 5000, 180000, 500,   1000,  2000,  4000, 200,
	                                   64000, 7000, 9000,   11000, 13000, 32000, 5000};
	struct item *items = calloc(N, sizeof(*items));
	struct cnt c = {0};
	struct sk_timers *ts;
	uint32_t seed = 7;
	uint64_t seq = 0;
	size_t expected = 0; /* fires to come */

	assert_int_equal(sk_clock_new_virtual(&c.clock, 1000), 0);
	assert_int_equal(sk_timers_new(&ts, c.clock), 0);
	for (size_t i = 0; i < N; i++) {
		items[i].c = &c;
		sk_timer_init(&items[i].t, on_item, &items[i]);
		uint32_t r = lcg(&seed);
		uint64_t len = r % 8 == 0 ? 1000 + r % 50000 : lengths[r % 15];
		start_item(ts, &items[i], len, &seq);
		expected++;
		if (i % 97 == 0) /* time passes between starts (and timers fire), as in a loop */
			expected -= sk_timers_advance(ts, r % 3);
	}
	for (size_t i = 0; i < N; i += 5) { /* stop some: heads, tails, middles */
		expected -= sk_timer_pending(&items[i].t);
		sk_timer_stop(ts, &items[i].t);
		sk_timer_stop(ts, &items[i].t); /* twice: harmless */
		assert_false(sk_timer_pending(&items[i].t));
		if (i % 3 == 0) {
			start_item(ts, &items[i], lengths[i % 15], &seq);
			expected++;
		}
	}
	assert_int_equal(sk_timers_count(ts), expected);
	size_t before = c.fired;
	assert_int_equal(sk_timers_advance(ts, 300000), expected);
	assert_int_equal(c.fired - before, expected);
	assert_int_equal(sk_timers_count(ts), 0);
	assert_int_equal(sk_timers_next_in(ts), -1);
	assert_int_equal(sk_timers_wake_in(ts), -1);
	sk_timers_free(ts);
	sk_clock_free(c.clock);
	free(items);
}

/* A real loop may sleep a few ms past a long timer's deadline (timers ending close
 * together fire in one wake-up), never past a short one's. */
static void test_wake_slack(void **state)
{
	(void)state;
	struct rec r;
	struct probe lng, shrt;
	setup_rec(&r, 0);
	probe(&lng, &r, 'L');
	probe(&shrt, &r, 'S');
	assert_int_equal(sk_timer_start(r.ts, &lng.t, 5000), 0);
	assert_int_equal(sk_timers_next_in(r.ts), 5000);
	int64_t wake = sk_timers_wake_in(r.ts);
	assert_true(wake > 5000 && wake <= 5050); /* under 1 % late */
	assert_int_equal(sk_timers_advance(r.ts, 4800), 0);
	/* a short one due within the slack: the wake-up is exact for it */
	assert_int_equal(sk_timer_start(r.ts, &shrt.t, 203), 0);
	assert_int_equal(sk_timers_next_in(r.ts), 200);
	assert_int_equal(sk_timers_wake_in(r.ts), 203);
	assert_int_equal(sk_timers_advance(r.ts, 1000), 2);
	assert_string_equal(r.log, "LS"); /* on virtual time, each at its deadline */
	assert_int_equal(r.at[0], 5000);
	assert_int_equal(r.at[1], 5003);
	/* the slack grows with the length, up to 250 ms; a 1-s timer's is 8 ms */
	struct probe d32, one;
	probe(&d32, &r, 'D');
	assert_int_equal(sk_timer_start(r.ts, &d32.t, 32000), 0);
	wake = sk_timers_wake_in(r.ts);
	assert_true(wake > 32000 + 100 && wake <= 32000 + 250);
	probe(&one, &r, 'O');
	assert_int_equal(sk_timer_start(r.ts, &one.t, 1000), 0);
	assert_int_equal(sk_timers_wake_in(r.ts), 1008);
	assert_int_equal(sk_timers_advance(r.ts, 40000), 2);
	assert_string_equal(r.log, "LSOD");
	sk_timers_free(r.ts);
	sk_clock_free(r.clock);
}

static void test_real_clock_read_once(void **state)
{
	(void)state;
	struct sk_clock *real, *v;
	struct sk_timers *ts;
	struct sk_timer a, b;
	assert_int_equal(sk_clock_new_real(&real), 0);
	assert_int_equal(sk_timers_new(&ts, real), 0);
	sk_timer_init(&a, NULL, NULL);
	sk_timer_init(&b, NULL, NULL);

	uint64_t t0 = sk_timers_now(ts);
	assert_int_equal(sk_timer_start(ts, &a, 10), 0);
	nanosleep(&(struct timespec){.tv_nsec = 3000000}, NULL);
	assert_int_equal(sk_timers_now(ts), t0); /* not read again within the pass */
	assert_int_equal(sk_timer_start(ts, &b, 10), 0);
	assert_int_equal(sk_timer_remaining(ts, &a), 10); /* both at t0 + 10 */
	assert_int_equal(sk_timer_remaining(ts, &b), 10);
	assert_int_equal(sk_timers_run(ts), 0);
	sk_timers_update_time(ts); /* the loop's next iteration */
	assert_true(sk_timers_now(ts) >= t0 + 3);
	sk_timers_free(ts);

	/* wall time: the OS's for a real clock, its own for a virtual one */
	assert_true(sk_clock_wall_us(real) > INT64_C(1700000000000000)); /* after 2023 */
	assert_int_equal(sk_clock_new_virtual(&v, 1500), 0);
	assert_int_equal(sk_clock_wall_us(v), 1500000);
	sk_clock_free(v);
	sk_clock_free(real);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_virtual_clock),        cmocka_unit_test(test_order_and_ties),
	    cmocka_unit_test(test_restart_and_stop),     cmocka_unit_test(test_many_timers),
	    cmocka_unit_test(test_lanes_and_heap),       cmocka_unit_test(test_wake_slack),
	    cmocka_unit_test(test_real_clock_read_once),
	};
	return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
