/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log lines rate-limited per kind (src/core/log.c), on a virtual clock:
 *  - a kind writes its burst, then rate lines per second; the rest are counted;
 *  - kinds are independent, and SK_LOG_ERR lines have their own budget;
 *  - the first line written after suppression says how many and over how long;
 *  - a full table of kinds: the newcomers share one budget; idle slots are reused;
 *  - no limiter: every line, as before;
 *  - the attack: 100,000 garbage datagrams in 100 s at a proxy on simnet write
 *    a bounded number of lines, and the counter accounts for the rest.
 */
#include "sk_test.h"

#include "sipkit/proxy.h"
#include "sipkit/stack.h"

struct cap {
	uint64_t lines, err;
	char last[600];
};

static void cap_line(void *arg, enum sk_log_level level, const char *line)
{
	struct cap *c = arg;
	c->lines++;
	c->err += level == SK_LOG_ERR;
	snprintf(c->last, sizeof(c->last), "%s", line);
	if (getenv("SK_TEST_LOG"))
		fprintf(stderr, "log: %s\n", line);
}

struct env {
	struct sk_clock *clock;
	struct sk_timers *timers;
	struct sk_log_limiter *lim;
	struct sk_log log;
	struct cap cap;
};

static void env_init(struct env *e, const struct sk_log_limits *tweak)
{
	memset(e, 0, sizeof(*e));
	assert_int_equal(sk_clock_new_virtual(&e->clock, 1000000), 0);
	assert_int_equal(sk_timers_new(&e->timers, e->clock), 0);
	struct sk_log_limits l = tweak ? *tweak : (struct sk_log_limits){0};
	l.timers = e->timers;
	assert_int_equal(sk_log_limiter_new(&e->lim, &l), 0);
	e->log =
	    (struct sk_log){.fn = cap_line, .arg = &e->cap, .max = SK_LOG_DEBUG, .limiter = e->lim};
}

static void env_free(struct env *e)
{
	sk_log_limiter_free(e->lim);
	sk_timers_free(e->timers);
	sk_clock_free(e->clock);
}

static void run(struct env *e, uint64_t ms)
{
	sk_timers_advance(e->timers, ms);
}

static void test_defaults_and_arguments(void **state)
{
	(void)state;
	struct sk_log_limiter *l = (void *)1;
	assert_int_equal(sk_log_limiter_new(&l, &(struct sk_log_limits){0}), -SK_EINVAL);
	assert_null(l);
	struct env e;
	env_init(&e, NULL);
	struct sk_log_limits big = {.timers = e.timers, .kinds = 5000};
	assert_int_equal(sk_log_limiter_new(&l, &big), -SK_EINVAL);
	struct sk_log_limiter_stats st = sk_log_limiter_stats(NULL);
	assert_int_equal(st.written + st.suppressed + st.kinds, 0);
	assert_int_equal(sk_log_suppressed_total(NULL), 0);
	sk_log_limiter_free(NULL);
	env_free(&e);
}

static void test_kind_burst_then_rate(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, NULL); /* defaults: 10 at once, then 1 per second */
	for (int i = 0; i < 100; i++)
		sk_logf(&e.log, SK_LOG_WARN, "dropped datagram %d", i);
	assert_int_equal(e.cap.lines, SK_LOG_BURST);
	assert_string_equal(e.cap.last, "dropped datagram 9");
	assert_int_equal(sk_log_suppressed_total(&e.log), 90);

	run(&e, 999); /* not a whole line earned yet */
	sk_logf(&e.log, SK_LOG_WARN, "dropped datagram %d", 100);
	assert_int_equal(e.cap.lines, 10);
	run(&e, 1);
	sk_logf(&e.log, SK_LOG_WARN, "dropped datagram %d", 101);
	assert_int_equal(e.cap.lines, 11);
	assert_string_equal(e.cap.last,
	                    "dropped datagram 101 (91 similar lines suppressed in the last 1 s)");
	sk_logf(&e.log, SK_LOG_WARN, "dropped datagram %d", 102);
	assert_int_equal(e.cap.lines, 11);

	/* a minute of the same flood: one line a second, each with its count */
	for (int s = 0; s < 60; s++) {
		run(&e, 1000);
		for (int i = 0; i < 50; i++)
			sk_logf(&e.log, SK_LOG_WARN, "dropped datagram %d", i);
	}
	assert_int_equal(e.cap.lines, 11 + 60);
	assert_string_equal(e.cap.last,
	                    "dropped datagram 0 (49 similar lines suppressed in the last 1 s)");
	struct sk_log_limiter_stats st = sk_log_limiter_stats(e.lim);
	assert_int_equal(st.written, 71);
	assert_int_equal(st.suppressed, 92 + 60 * 49);
	assert_int_equal(st.kinds, 1);

	/* quiet for a while: the bucket fills up to the burst, no more */
	run(&e, 3600 * 1000);
	for (int i = 0; i < 20; i++)
		sk_logf(&e.log, SK_LOG_WARN, "dropped datagram %d", i);
	assert_int_equal(e.cap.lines, 71 + 10);
	assert_string_equal(e.cap.last, "dropped datagram 9");

	/* the count says over how long since the first suppressed (10 of them just now) */
	run(&e, 500);
	sk_logf(&e.log, SK_LOG_WARN, "dropped datagram %d", 0);
	run(&e, 59500);
	sk_logf(&e.log, SK_LOG_WARN, "dropped datagram %d", 1);
	assert_string_equal(e.cap.last,
	                    "dropped datagram 1 (11 similar lines suppressed in the last 60 s)");
	env_free(&e);
}

static void test_kinds_are_independent(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, &(struct sk_log_limits){.burst = 3, .rate = 2, .err_burst = 6, .err_rate = 4});
	for (int i = 0; i < 10; i++)
		sk_logf(&e.log, SK_LOG_WARN, "kind A %d", i);
	assert_int_equal(e.cap.lines, 3);
	for (int i = 0; i < 10; i++)
		sk_logf(&e.log, SK_LOG_INFO, "kind B %d", i);
	assert_int_equal(e.cap.lines, 6);
	/* the same format at another level is another kind */
	for (int i = 0; i < 10; i++)
		sk_logf(&e.log, SK_LOG_DEBUG, "kind A %d", i);
	assert_int_equal(e.cap.lines, 9);
	/* errors: their own, larger budget, still limited */
	for (int i = 0; i < 10; i++)
		sk_logf(&e.log, SK_LOG_ERR, "kind E %d", i);
	assert_int_equal(e.cap.lines, 15);
	assert_int_equal(e.cap.err, 6);
	assert_int_equal(sk_log_suppressed_total(&e.log), 7 + 7 + 7 + 4);

	run(&e, 1000); /* 2 lines a second, 4 for errors */
	for (int i = 0; i < 10; i++) {
		sk_logf(&e.log, SK_LOG_WARN, "kind A %d", i);
		sk_logf(&e.log, SK_LOG_ERR, "kind E %d", i);
	}
	assert_int_equal(e.cap.lines, 15 + 2 + 4);
	assert_int_equal(e.cap.err, 10);
	assert_string_equal(e.cap.last, "kind E 3");
	assert_int_equal(sk_log_limiter_stats(e.lim).kinds, 4);

	/* lines above the log's level are neither written nor counted */
	e.log.max = SK_LOG_WARN;
	uint64_t before = sk_log_suppressed_total(&e.log);
	for (int i = 0; i < 10; i++)
		sk_logf(&e.log, SK_LOG_DEBUG, "kind D %d", i);
	assert_int_equal(sk_log_suppressed_total(&e.log), before);
	assert_int_equal(sk_log_limiter_stats(e.lim).kinds, 4);
	env_free(&e);
}

static void test_long_line_keeps_count(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, &(struct sk_log_limits){.burst = 1});
	char big[2000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sk_logf(&e.log, SK_LOG_WARN, "long %s", big);
	assert_int_equal(strlen(e.cap.last), 511);
	sk_logf(&e.log, SK_LOG_WARN, "long %s", big);
	run(&e, 1000);
	sk_logf(&e.log, SK_LOG_WARN, "long %s", big);
	assert_int_equal(strlen(e.cap.last), 511);
	const char *sfx = " (1 similar lines suppressed in the last 1 s)";
	assert_string_equal(e.cap.last + 511 - strlen(sfx), sfx);
	env_free(&e);
}

/* Distinct kinds: distinct format strings, as distinct call sites have. */
#define NKINDS 40
static char kind_fmt[NKINDS][16];

static void log_kind(struct env *e, int k)
{
	sk_logf(&e->log, SK_LOG_WARN, kind_fmt[k], k);
}

static void test_table_full(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, &(struct sk_log_limits){.kinds = 4, .burst = 2});
	for (int k = 0; k < NKINDS; k++)
		snprintf(kind_fmt[k], sizeof(kind_fmt[k]), "kind %%d");
	/* 40 kinds, 4 slots: 4 kinds have their own budget, the others share one */
	for (int round = 0; round < 5; round++)
		for (int k = 0; k < NKINDS; k++)
			log_kind(&e, k);
	struct sk_log_limiter_stats st = sk_log_limiter_stats(e.lim);
	assert_int_equal(st.kinds, 4);
	assert_int_equal(st.written, 4 * 2 + 2);
	assert_int_equal(st.suppressed, 5 * NKINDS - st.written);
	assert_int_equal(st.shared, 5 * (NKINDS - 4));

	/* the shared budget's next line counts the other kinds' lines */
	run(&e, 1000);
	int other = -1;
	for (int k = 0; k < NKINDS && other < 0; k++) {
		uint64_t shared = sk_log_limiter_stats(e.lim).shared;
		log_kind(&e, k);
		if (sk_log_limiter_stats(e.lim).shared > shared)
			other = k;
	}
	assert_true(other >= 0);
	assert_non_null(strstr(e.cap.last, "lines of other kinds suppressed in the last 1 s)"));
	env_free(&e);

	/* slots whose bucket is full again and owe no count are reused */
	env_init(&e, &(struct sk_log_limits){.kinds = 4, .burst = 2});
	for (int k = 0; k < 4; k++)
		log_kind(&e, k);
	assert_int_equal(sk_log_limiter_stats(e.lim).kinds, 4);
	log_kind(&e, 4); /* every slot still owes a token: shared */
	assert_int_equal(sk_log_limiter_stats(e.lim).shared, 1);
	run(&e, 1000);
	for (int k = 4; k < 8; k++)
		log_kind(&e, k);
	st = sk_log_limiter_stats(e.lim);
	assert_int_equal(st.shared, 1);
	assert_int_equal(st.written, 9);
	assert_int_equal(st.suppressed, 0);
	env_free(&e);
}

static void test_no_limiter_writes_everything(void **state)
{
	(void)state;
	struct cap c = {0};
	struct sk_log log = {.fn = cap_line, .arg = &c, .max = SK_LOG_DEBUG};
	for (int i = 0; i < 10000; i++)
		sk_logf(&log, SK_LOG_WARN, "line %d", i);
	assert_int_equal(c.lines, 10000);
	assert_string_equal(c.last, "line 9999");
	assert_int_equal(sk_log_suppressed_total(&log), 0);
	sk_logf(NULL, SK_LOG_ERR, "nothing %d", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_and_arguments),
	    cmocka_unit_test(test_kind_burst_then_rate),
	    cmocka_unit_test(test_kinds_are_independent),
	    cmocka_unit_test(test_long_line_keeps_count),
	    cmocka_unit_test(test_table_full),
	    cmocka_unit_test(test_no_limiter_writes_everything),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
