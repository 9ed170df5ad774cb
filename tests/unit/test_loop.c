/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event loop:
 *  - a readable pipe is dispatched with SK_IO_READ; a closed peer with SK_IO_ERROR
 *  - re-arming for write; deleting a watcher stops its events
 *  - a watcher deleted by another callback of the same pass is not called
 *  - on a virtual clock run_once never waits, and runs the timers due
 *  - a pass hook runs before the wait and after the timers of every pass,
 *    sees what a timer of the pass did, and may delete itself
 *  - on a real clock, sk_loop_run_while wakes once for lane timers a few ms apart
 */
#include <unistd.h>

#include "sk_test.h"

struct w {
	struct sk_loop *loop;
	struct sk_io io;
	struct w *victim;
	unsigned got;
	int calls;
};

static void on_io(void *arg, unsigned events)
{
	struct w *w = arg;
	char buf[16];
	w->got |= events;
	w->calls++;
	if (events & SK_IO_READ)
		(void)!read(w->io.fd, buf, sizeof(buf));
	if (w->victim)
		sk_loop_io_del(w->loop, &w->victim->io);
}

static struct sk_loop *new_loop(struct sk_clock **c)
{
	struct sk_loop *loop;
	assert_int_equal(sk_clock_new_virtual(c, 0), 0);
	assert_int_equal(sk_loop_new(&loop, *c), 0);
	return loop;
}

static void test_read_write_hangup(void **state)
{
	(void)state;
	struct sk_clock *c;
	struct sk_loop *loop = new_loop(&c);
	int p[2];
	struct w r = {.loop = loop}, wr = {.loop = loop};

	assert_int_equal(pipe(p), 0);
	assert_int_equal(sk_loop_io_add(loop, &r.io, p[0], SK_IO_READ, on_io, &r), 0);
	assert_int_equal(sk_loop_io_add(loop, &r.io, p[0], SK_IO_READ, on_io, &r), -SK_EINVAL);
	assert_int_equal(sk_loop_run_once(loop, -1), 0); /* nothing ready, no wait */
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(sk_loop_run_once(loop, -1), 1);
	assert_int_equal(r.got, SK_IO_READ);
	assert_int_equal(sk_loop_io_add(loop, &wr.io, p[1], 0, on_io, &wr), 0);
	assert_int_equal(sk_loop_run_once(loop, 0), 0);
	assert_int_equal(sk_loop_io_mod(loop, &wr.io, SK_IO_WRITE), 0);
	assert_int_equal(sk_loop_run_once(loop, 0), 1);
	assert_int_equal(wr.got, SK_IO_WRITE);
	sk_loop_io_del(loop, &wr.io);
	sk_loop_io_del(loop, &wr.io); /* twice is harmless */
	assert_int_equal(sk_loop_io_mod(loop, &wr.io, SK_IO_WRITE), -SK_EINVAL);
	close(p[1]);
	r.got = 0;
	assert_int_equal(sk_loop_run_once(loop, 0), 1);
	assert_true(r.got & SK_IO_ERROR); /* the writer went away */
	sk_loop_io_del(loop, &r.io);
	assert_int_equal(sk_loop_run_once(loop, 0), 0);
	close(p[0]);
	sk_loop_free(loop);
	sk_clock_free(c);
}

static void test_delete_during_dispatch(void **state)
{
	(void)state;
	struct sk_clock *c;
	struct sk_loop *loop = new_loop(&c);
	int p1[2], p2[2];
	struct w a = {.loop = loop}, b = {.loop = loop};

	assert_int_equal(pipe(p1), 0);
	assert_int_equal(pipe(p2), 0);
	a.victim = &b;
	b.victim = &a; /* whichever runs first removes the other */
	assert_int_equal(sk_loop_io_add(loop, &a.io, p1[0], SK_IO_READ, on_io, &a), 0);
	assert_int_equal(sk_loop_io_add(loop, &b.io, p2[0], SK_IO_READ, on_io, &b), 0);
	assert_int_equal(write(p1[1], "x", 1), 1);
	assert_int_equal(write(p2[1], "y", 1), 1);
	assert_int_equal(sk_loop_run_once(loop, 0), 1);
	assert_int_equal(a.calls + b.calls, 1);
	sk_loop_free(loop);
	sk_clock_free(c);
	for (int i = 0; i < 2; i++) {
		close(p1[i]);
		close(p2[i]);
	}
}

static int fired;
static void on_timer(void *arg)
{
	(void)arg;
	fired++;
}

static void test_timers_in_loop(void **state)
{
	(void)state;
	struct sk_clock *c;
	struct sk_loop *loop = new_loop(&c);
	struct sk_timer t;

	fired = 0;
	sk_timer_init(&t, on_timer, NULL);
	assert_int_equal(sk_timer_start(sk_loop_timers(loop), &t, 32000), 0);
	assert_int_equal(sk_loop_run_once(loop, -1), 0); /* 32 s pending: still no wait */
	assert_int_equal(sk_clock_set(c, 31999), 0);
	assert_int_equal(sk_loop_run_once(loop, -1), 0);
	assert_int_equal(sk_clock_set(c, 32000), 0);
	assert_int_equal(sk_loop_run_once(loop, -1), 1);
	assert_int_equal(fired, 1);
	sk_loop_free(loop);
	sk_clock_free(c);
}

/* A mass expiry is spread over passes: at most 1024 timers a pass, the rest due at once. */
static void test_mass_expiry_spread(void **state)
{
	(void)state;
	enum { N = 5000 };
	struct sk_clock *c;
	struct sk_loop *loop = new_loop(&c);
	struct sk_timer *t = calloc(N, sizeof(*t));
	assert_non_null(t);
	fired = 0;
	for (int i = 0; i < N; i++) {
		sk_timer_init(&t[i], on_timer, NULL);
		assert_int_equal(sk_timer_start(sk_loop_timers(loop), &t[i], 1000), 0);
	}
	assert_int_equal(sk_clock_set(c, 1000), 0);
	int passes = 0;
	while (fired < N) {
		int ran = sk_loop_run_once(loop, -1);
		assert_true(ran > 0 && ran <= 1024);
		passes++;
		if (fired < N)
			assert_int_equal(sk_timers_next_in(sk_loop_timers(loop)), 0);
	}
	assert_int_equal(passes, 5);
	free(t);
	sk_loop_free(loop);
	sk_clock_free(c);
}

/*
 * On a real clock, timers of 1 s and more that end a few ms apart fire in one
 * wake-up (the lane slack, sk_timers_wake_in), also when a caller runs the loop
 * with sk_loop_run_while: eight lanes of 1000..1007 ms, all fired at one "now".
 * A runner that waited for the next deadline itself would fire them in up to
 * eight passes, a ms apart.
 */
struct lane_fire {
	struct sk_timers *ts;
	uint64_t at[8];
	int n;
};

static void on_lane_timer(void *arg)
{
	struct lane_fire *lf = arg;
	lf->at[lf->n++] = sk_timers_now(lf->ts);
}

static bool lanes_pending(void *arg)
{
	return ((struct lane_fire *)arg)->n < 8;
}

static void test_run_while_coalesces_lane_timers(void **state)
{
	(void)state;
	struct sk_clock *c;
	struct sk_loop *loop;
	struct sk_timer t[8];
	assert_int_equal(sk_clock_new_real(&c), 0);
	assert_int_equal(sk_loop_new(&loop, c), 0);
	struct lane_fire lf = {.ts = sk_loop_timers(loop)};
	sk_timers_update_time(lf.ts);
	uint64_t t0 = sk_timers_now(lf.ts);
	for (int i = 0; i < 8; i++) {
		sk_timer_init(&t[i], on_lane_timer, &lf);
		assert_int_equal(sk_timer_start(lf.ts, &t[i], 1000 + (uint64_t)i), 0);
	}
	sk_loop_run_while(loop, lanes_pending, &lf, 3000, 2000); /* no poll mid-way */
	assert_int_equal(lf.n, 8);
	for (int i = 1; i < 8; i++)
		assert_int_equal(lf.at[i], lf.at[0]); /* one pass */
	assert_true(lf.at[0] >= t0 + 1007);           /* and none before its deadline */
	sk_loop_free(loop);
	sk_clock_free(c);
}

struct hooked {
	struct sk_loop *loop;
	struct sk_loop_hook h;
	int runs, timer_seen, stop_after;
	bool timer_fired;
};

static void on_hook(void *arg)
{
	struct hooked *k = arg;
	k->runs++;
	if (k->timer_fired)
		k->timer_seen++;
	k->timer_fired = false;
	if (k->runs == k->stop_after)
		sk_loop_hook_del(k->loop, &k->h);
}

static void on_hooked_timer(void *arg)
{
	((struct hooked *)arg)->timer_fired = true;
}

static void test_pass_hook(void **state)
{
	(void)state;
	struct sk_clock *c;
	struct sk_loop *loop = new_loop(&c);
	struct hooked k = {.loop = loop, .stop_after = 5};
	struct sk_timer t;

	memset(&k.h, 0, sizeof(k.h));
	assert_int_equal(sk_loop_hook_add(loop, &k.h, on_hook, &k), 0);
	assert_int_equal(sk_loop_hook_add(loop, &k.h, on_hook, &k), -SK_EINVAL); /* twice */
	assert_int_equal(sk_loop_run_once(loop, -1), 0);
	assert_int_equal(k.runs, 2); /* before the wait, after the pass */
	sk_timer_init(&t, on_hooked_timer, &k);
	assert_int_equal(sk_timer_start(sk_loop_timers(loop), &t, 10), 0);
	assert_int_equal(sk_clock_set(c, 10), 0);
	assert_int_equal(sk_loop_run_once(loop, -1), 1);
	assert_int_equal(k.runs, 4);
	assert_int_equal(k.timer_seen, 1); /* the pass's own timer, seen at its end */
	assert_int_equal(sk_loop_run_once(loop, -1), 0);
	assert_int_equal(k.runs, 5); /* deleted itself on its fifth run */
	assert_false(k.h.active);
	assert_int_equal(sk_loop_run_once(loop, -1), 0);
	assert_int_equal(k.runs, 5);
	sk_loop_hook_del(loop, &k.h); /* inactive: nothing */
	sk_loop_free(loop);
	sk_clock_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_write_hangup),
	    cmocka_unit_test(test_delete_during_dispatch),
	    cmocka_unit_test(test_timers_in_loop),
	    cmocka_unit_test(test_mass_expiry_spread),
	    cmocka_unit_test(test_pass_hook),
	    cmocka_unit_test(test_run_while_coalesces_lane_timers),
	};
	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
