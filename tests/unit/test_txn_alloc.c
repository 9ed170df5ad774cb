/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every allocation of a transaction's life, failed one at a time (§17).
 *
 * This binary is linked with -Wl,--wrap for malloc, calloc, realloc, strdup
 * and strndup (Makefile), so every allocation of the library can be made to
 * fail. Each scenario runs once to count its allocations, then once per
 * allocation with that one failing. Whatever fails, on simnet and virtual
 * time:
 *   - every transaction ends: once the timers have run out, both tables are
 *     empty (an error path that leaves a machine in a state with no timer
 *     shows up here);
 *   - a client INVITE that was started is heard of to its end: a final
 *     response or a failure, then its termination; one whose start failed is
 *     never heard of (sk_txn_request's contract);
 *   - nothing leaks (LeakSanitizer at exit) and nothing is touched after free.
 * The test users retry what they could not do (a reply, a CANCEL), as a
 * transaction user that wants its call to end must.
 */
#include "sim_harness.h"

/* ---- allocation failure injection ----------------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static bool counting; /* allocations are counted (and may fail) */
static long allocs;   /* allocations counted so far */
static long fail_at;  /* the allocation that fails (1-based), 0: none */
static int failures;  /* allocations made to fail */

static bool fail_now(void)
{
	if (!counting)
		return false;
	if (++allocs != fail_at)
		return false;
	failures++;
	return true;
}

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return fail_now() ? NULL : __real_strndup(s, n);
}

/* ---- test users that retry ------------------------------------------------- */

#define MAX_PENDING 16

/* A reply the server's user could not send yet, tried again every RETRY_MS. */
struct pending_reply {
	struct sk_txn *st;
	int code;
	bool only_if_pending; /* a 487: only while the INVITE has no final */
};

enum scenario { SC_CANCEL, SC_CANCEL_EARLY, SC_REJECT, SC_ANSWER, SC_OPTIONS };

#define RETRY_MS 20
/* A phone stops ringing by itself (a CANCEL lost for good over TCP, or never
 * made into a transaction, would leave it ringing for ever otherwise). */
#define RING_MS 60000

struct world {
	struct sim s;
	enum scenario sc;
	enum sk_proto proto;
	struct pending_reply pend[MAX_PENDING];
	int npend;
	struct sk_timer retry;
	struct sk_txn *ringing; /* the INVITE the callee rings for, until RING_MS */
	struct sk_timer no_answer;
	bool cancel_wanted; /* the caller's cancel, tried until asked */
	bool started;       /* the client transaction was started */
	int heard_final;    /* finals the caller got for it */
};

static struct world *W;

static void forget_reply(struct sk_txn *t)
{
	for (int i = 0; i < W->npend; i++)
		if (W->pend[i].st == t)
			W->pend[i--] = W->pend[--W->npend];
}

static void reply_or_retry(struct sk_txn *st, int code, bool only_if_pending)
{
	if (only_if_pending && sk_txn_status(st) >= 200)
		return;
	if (sk_txn_reply(st, code, NULL, "b1") == 0 || sk_txn_state(st) == SK_TXN_TERMINATED)
		return;
	assert_true(W->npend < MAX_PENDING);
	W->pend[W->npend++] =
	    (struct pending_reply){.st = st, .code = code, .only_if_pending = only_if_pending};
}

/* The server's transactions report here first, so that a reply waiting for a
 * retry is forgotten with its transaction. */
static void srv_terminated(void *arg, struct sk_txn *t)
{
	forget_reply(t);
	if (t == W->ringing)
		W->ringing = NULL;
	h_handler.terminated(arg, t);
}

static const struct sk_txn_handler srv_handler = {
    .response = h_response, .failed = h_failed, .terminated = srv_terminated};

static void serve(struct node *n, struct sk_txn *st, const struct sk_msg *req,
                  struct sk_txn *target)
{
	(void)req;
	sk_txn_bind(st, &srv_handler, n);
	if (sk_str_caseeq_c(sk_txn_method(st), "CANCEL")) {
		/* §9.2: 200 to the CANCEL, 487 to the INVITE if it is still pending */
		reply_or_retry(st, target ? 200 : 481, false);
		if (target && sk_txn_kind(target) == SK_TXN_IST)
			reply_or_retry(target, 487, true);
		return;
	}
	switch (W->sc) {
	case SC_CANCEL:
	case SC_CANCEL_EARLY:
		reply_or_retry(st, 180, false);
		if (sk_txn_state(st) != SK_TXN_TERMINATED) { /* a send can end it */
			W->ringing = st;
			sk_timer_start(W->s.w.timers, &W->no_answer, RING_MS);
		}
		break;
	case SC_REJECT: reply_or_retry(st, 486, false); break;
	case SC_ANSWER:
	case SC_OPTIONS: reply_or_retry(st, 200, false); break;
	}
}

static void try_cancel(void)
{
	struct node *a = &W->s.nodes[0];
	if (!W->cancel_wanted || !a->ct)
		return;
	int rc = sim_cancel(a->ct, "SIP;cause=487;text=\"gone\"");
	if (rc >= 0 || rc == -SK_ESTATE)
		W->cancel_wanted = false; /* asked, or too late: a final came */
}

static void retry_fired(void *arg)
{
	(void)arg;
	/* one at a time from the list itself: a reply may end other transactions
	 * (a lost connection), which forget their entries as they go */
	for (int n = W->npend; n > 0 && W->npend > 0; n--) {
		struct pending_reply p = W->pend[0];
		W->pend[0] = W->pend[--W->npend];
		reply_or_retry(p.st, p.code, p.only_if_pending);
	}
	try_cancel();
	sk_timer_start(W->s.w.timers, &W->retry, RETRY_MS);
}

static void no_answer_fired(void *arg)
{
	(void)arg;
	if (W->ringing)
		reply_or_retry(W->ringing, 480, true);
}

static void caller_response(struct node *n, struct sk_txn *ct, const struct sk_msg *resp)
{
	if (ct == n->ct && sk_msg_status(resp) >= 200)
		W->heard_final++;
}

/* ---- one run ---------------------------------------------------------------- */

/* Runs the scenario with allocation fail_at failing; returns the allocations counted. */
static long run(enum scenario sc, enum sk_proto proto, long fail)
{
	struct world w = {.sc = sc, .proto = proto};
	W = &w;
	/* every run from the same start: the messages the last one freed are not reused */
	sk_msg_pool_drain();
	sim_init(&w.s, 7, 2, NULL);
	struct node *a = &w.s.nodes[0], *b = &w.s.nodes[1];
	b->on_request = serve;
	a->on_response = caller_response;
	sk_timer_init(&w.retry, retry_fired, NULL);
	sk_timer_init(&w.no_answer, no_answer_fired, NULL);
	sk_timer_start(w.s.w.timers, &w.retry, RETRY_MS);

	const char *method = sc == SC_OPTIONS ? "OPTIONS" : "INVITE";
	char buf[1024];
	size_t len = sim_request(buf, sizeof(buf), method, a, b, "alloc@test", 1, NULL);
	struct sk_target dst = sim_target(b, proto);
	allocs = 0;
	failures = 0;
	fail_at = fail;
	counting = true;
	struct sk_txn *t = NULL;
	int rc = sk_txn_request(a->txl, (struct sk_str){buf, len}, &dst, &h_handler, a, &t);
	w.started = rc == 0;
	a->ct = t;
	if (sc == SC_CANCEL_EARLY) { /* before any provisional: sent on the first (§9.1) */
		w.cancel_wanted = true;
		try_cancel();
	}
	sim_run(&w.s, 10);
	if (sc == SC_CANCEL) {
		w.cancel_wanted = true;
		try_cancel();
	}
	sim_run(&w.s, 200000); /* every timer of §17 has run out */
	counting = false;
	sk_timer_stop(w.s.w.timers, &w.retry);
	sk_timer_stop(w.s.w.timers, &w.no_answer);

	char what[96];
	snprintf(what, sizeof(what), "scenario %d over %s, allocation %ld failing", (int)sc,
	         sk_proto_name(proto), fail);
	if (sk_txl_count(a->txl) || sk_txl_count(b->txl)) {
		print_error("%s: %zu and %zu transactions left\n", what, sk_txl_count(a->txl),
		            sk_txl_count(b->txl));
		sk_txl_dump(a->txl, stderr);
		sk_txl_dump(b->txl, stderr);
		fail_msg("a transaction did not end");
	}
	if (w.started) {
		if (!a->ict_done || (!w.heard_final && !a->failed)) {
			print_error("%s: started, ended %d, finals %d, failures %d\n", what,
			            a->ict_done, w.heard_final, a->failed);
			fail_msg("the caller did not hear its transaction end");
		}
	} else if (a->ict_done || a->failed || a->terminated) {
		print_error("%s: not started but heard of\n", what);
		fail_msg("a transaction that failed to start was heard of");
	}
	long n = allocs;
	sim_free(&w.s);
	W = NULL;
	return n;
}

static void sweep(enum scenario sc, enum sk_proto proto)
{
	long n = run(sc, proto, 0);
	assert_true(n > 0);
	int injected = 0;
	for (long k = 1; k <= n; k++) {
		run(sc, proto, k);
		injected += failures;
	}
	assert_int_equal(injected, n); /* each run did fail its allocation */
	print_message("    %s over %s: %ld allocations, each failed once\n",
	              sc == SC_OPTIONS ? "OPTIONS" : "INVITE", sk_proto_name(proto), n);
}

static void test_cancel_udp(void **state)
{
	(void)state;
	sweep(SC_CANCEL, SK_PROTO_UDP);
}

static void test_cancel_tcp(void **state)
{
	(void)state;
	sweep(SC_CANCEL, SK_PROTO_TCP);
}

static void test_cancel_before_provisional(void **state)
{
	(void)state;
	sweep(SC_CANCEL_EARLY, SK_PROTO_UDP);
}

static void test_rejected_invite_ack(void **state)
{
	(void)state;
	sweep(SC_REJECT, SK_PROTO_UDP);
}

static void test_answered_invite(void **state)
{
	(void)state;
	sweep(SC_ANSWER, SK_PROTO_UDP);
}

static void test_non_invite(void **state)
{
	(void)state;
	sweep(SC_OPTIONS, SK_PROTO_UDP);
	sweep(SC_OPTIONS, SK_PROTO_TCP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cancel_udp),
	    cmocka_unit_test(test_cancel_tcp),
	    cmocka_unit_test(test_cancel_before_provisional),
	    cmocka_unit_test(test_rejected_invite_ack),
	    cmocka_unit_test(test_answered_invite),
	    cmocka_unit_test(test_non_invite),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
