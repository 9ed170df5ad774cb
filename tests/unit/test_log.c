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

/* ---- the attack: garbage datagrams at a proxy on simnet ---------------------- */

#define ATTACK_DATAGRAMS 100000
#define ATTACK_MS        100000

static const char *const attack_methods[] = {"INVITE", "OPTIONS", "REGISTER", "BYE", "CANCEL"};

/* A well-formed request from the attacker at 10.0.0.1 to the proxy's domain. */
static size_t attack_request(char *buf, size_t size, struct sk_rng *r, unsigned n)
{
	const char *m = attack_methods[sk_rng_below(r, 5)];
	int len = snprintf(buf, size,
	                   "%s sip:bob@example.test SIP/2.0\r\n"
	                   "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK%08x\r\n"
	                   "Max-Forwards: 70\r\n"
	                   "From: <sip:eve@example.test>;tag=t%u\r\n"
	                   "To: <sip:bob@example.test>\r\n"
	                   "Call-ID: c%u@10.0.0.1\r\n"
	                   "CSeq: %u %s\r\n"
	                   "Contact: <sip:eve@10.0.0.1:5060>\r\n"
	                   "Content-Length: 0\r\n\r\n",
	                   m, n, n, n, n % 1000 + 1, m);
	return (size_t)len;
}

/* Datagram n of the attack: seeded garbage of six sorts, deterministic. */
static size_t attack_datagram(char *buf, size_t size, struct sk_rng *r, unsigned n)
{
	size_t len = attack_request(buf, size, r, n);
	switch (sk_rng_below(r, 6)) {
	case 0: /* random bytes */
		len = 1 + (size_t)sk_rng_below(r, 700);
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)sk_rng_below(r, 256);
		break;
	case 1: /* a request with a few bytes changed */
		for (uint64_t k = 1 + sk_rng_below(r, 8); k > 0; k--)
			buf[sk_rng_below(r, len)] = (char)sk_rng_below(r, 256);
		break;
	case 2: /* a request cut short */ len = 1 + (size_t)sk_rng_below(r, len - 1); break;
	case 3: { /* a request without one of its header lines */
		char *line = buf, *end = buf + len;
		for (uint64_t k = 1 + sk_rng_below(r, 7); k > 0 && line < end; k--)
			line = strstr(line, "\r\n") + 2;
		char *next = strstr(line, "\r\n");
		if (next && next + 2 < end) {
			memmove(line, next + 2, (size_t)(end - next - 2));
			len -= (size_t)(next + 2 - line);
		}
		break;
	}
	case 4: /* a response nobody asked for */
		len =
		    (size_t)snprintf(buf, size,
		                     "SIP/2.0 200 OK\r\n"
		                     "Via: SIP/2.0/UDP 10.9.9.9:5060;branch=z9hG4bK%u\r\n"
		                     "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\n"
		                     "Call-ID: r%u\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		                     n, n);
		break;
	default: /* a request line and printable junk */
		len = (size_t)snprintf(buf, size, "%s sip:%u@example.test SIP/2.0\r\n",
		                       attack_methods[n % 5], n);
		for (uint64_t k = sk_rng_below(r, 300); k > 0 && len < size - 1; k--)
			buf[len++] = (char)(' ' + sk_rng_below(r, 95));
		break;
	}
	return len;
}

static void attack_recv(void *arg, struct sk_msg *m, const struct sk_flow *flow)
{
	(void)arg;
	(void)m;
	(void)flow;
}

/* Lines the proxy's log callback received (and what its limiter suppressed). */
static struct sk_log_limiter_stats attack(bool limited, uint64_t *lines)
{
	struct env e;
	env_init(&e, NULL); /* the defaults of the command-line programs */
	if (!limited)
		e.log.limiter = NULL;
	struct sk_simnet *sn;
	struct sk_net *pnet, *anet;
	struct sk_sa paddr, aaddr;
	assert_int_equal(sk_simnet_new(&sn, e.timers, 42), 0);
	assert_int_equal(sk_sa_from_host(&paddr, sk_str_c("10.0.0.2"), 5060), 0);
	assert_int_equal(sk_sa_from_host(&aaddr, sk_str_c("10.0.0.1"), 5060), 0);

	assert_int_equal(sk_simnet_node(sn, &pnet), 0);
	struct sk_stack *st;
	struct sk_stack_config sc = {.timers = e.timers, .net = pnet, .log = &e.log, .seed = 9};
	assert_int_equal(sk_stack_new(&st, &sc), 0);
	struct sk_target where = {.proto = SK_PROTO_UDP, .addr = paddr};
	assert_int_equal(sk_stack_listen(st, &where, NULL), 0);
	struct sk_proxy *p;
	struct sk_proxy_config pc = {.stack = st, .domain = "example.test", .registrar = true};
	assert_int_equal(sk_proxy_new(&p, &pc), 0);

	assert_int_equal(sk_simnet_node(sn, &anet), 0);
	struct sk_tp *atp;
	struct sk_tp_config ac = {.timers = e.timers, .net = anet, .seed = 5};
	struct sk_tp_user au = {.recv = attack_recv};
	assert_int_equal(sk_tp_new(&atp, &ac, &au), 0);
	assert_int_equal(sk_tp_listen(atp, SK_PROTO_UDP, &aaddr, NULL), 0);

	struct sk_rng r;
	sk_rng_seed(&r, 2026);
	char buf[1024];
	for (unsigned n = 0; n < ATTACK_DATAGRAMS; n++) {
		struct sk_flow f = {.proto = SK_PROTO_UDP, .local = aaddr, .remote = paddr};
		size_t len = attack_datagram(buf, sizeof(buf), &r, n);
		assert_int_equal(sk_tp_send(atp, &f, buf, len), 0);
		if ((n + 1) % (ATTACK_DATAGRAMS / ATTACK_MS) == 0)
			run(&e, 1);
	}
	run(&e, 64 * 500); /* what the garbage left behind times out */
	assert_true(sk_tp_stats(sk_stack_tp(st)).rx_bad > ATTACK_DATAGRAMS / 2);

	struct sk_log_limiter_stats ls = sk_log_limiter_stats(e.log.limiter);
	*lines = e.cap.lines;
	sk_proxy_free(p);
	sk_stack_free(st);
	sk_tp_free(atp);
	sk_net_free(anet);
	sk_simnet_free(sn);
	env_free(&e);
	return ls;
}

static void test_attack_bounded(void **state)
{
	(void)state;
	uint64_t all, written;
	/* without a limiter (before): about a line per datagram */
	attack(false, &all);
	/* with the defaults: a bounded number, the rest counted */
	struct sk_log_limiter_stats ls = attack(true, &written);
	if (getenv("SK_TEST_LOG") || written >= 2000)
		fprintf(stderr,
		        "attack: %llu lines unlimited; limited: %llu written, %llu suppressed, %zu "
		        "kinds\n",
		        (unsigned long long)all, (unsigned long long)written,
		        (unsigned long long)ls.suppressed, ls.kinds);
	assert_true(all > ATTACK_DATAGRAMS / 2);
	assert_true(written < 2000);
	assert_int_equal(ls.written, written);
	assert_int_equal(written + ls.suppressed, all);
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
	    cmocka_unit_test(test_attack_bounded),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
