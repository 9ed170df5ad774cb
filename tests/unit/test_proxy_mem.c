/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a pending call leaves behind in the proxy's heap (issue 16: a pending
 * forked call costs at most 4 KiB), on simnet and virtual time:
 *  - listing the pending calls (sk_proxy_pending, what `sipkit ctl calls`
 *    and bench-proxy's memory section do) leaves the heap as it found it: a
 *    ringing call's server transaction keeps its INVITE's bytes, not a parse
 *    of them (a parse is about 6 KB; it was kept once listed);
 *  - the listing still names the call's From and To, read from the request.
 *
 * This binary is linked with -Wl,--wrap for malloc, calloc, realloc, free,
 * strdup and strndup (Makefile): while `counting`, the bytes allocated minus
 * the bytes freed (malloc_usable_size) are summed.
 */
#include <malloc.h>

#include "proxy_harness.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static bool counting;
static long long live; /* bytes allocated minus bytes freed while counting */

static void *counted(void *p)
{
	if (counting && p)
		live += (long long)malloc_usable_size(p);
	return p;
}

void *__wrap_malloc(size_t n)
{
	return counted(__real_malloc(n));
}

void *__wrap_calloc(size_t n, size_t size)
{
	return counted(__real_calloc(n, size));
}

void *__wrap_realloc(void *p, size_t n)
{
	if (counting && p)
		live -= (long long)malloc_usable_size(p);
	void *q = __real_realloc(p, n);
	if (!q && p && n && counting) /* p is left as it was */
		live += (long long)malloc_usable_size(p);
	return counted(q);
}

void __wrap_free(void *p)
{
	if (counting && p)
		live -= (long long)malloc_usable_size(p);
	__real_free(p);
}

char *__wrap_strdup(const char *s)
{
	return counted(__real_strdup(s));
}

char *__wrap_strndup(const char *s, size_t n)
{
	return counted(__real_strndup(s, n));
}

struct listed {
	int n;
	char call_id[128], from[160], to[160];
	unsigned branches;
};

static void on_listed(void *arg, const struct sk_proxy_call_info *c)
{
	struct listed *l = arg;
	l->n++;
	snprintf(l->call_id, sizeof(l->call_id), "%s", c->call_id);
	snprintf(l->from, sizeof(l->from), "%s", c->from);
	snprintf(l->to, sizeof(l->to), "%s", c->to);
	l->branches = c->branches;
}

/* Lists the pending calls; the heap's growth over the listing in *grew. */
static size_t list_counted(struct ph *h, struct listed *l, long long *grew)
{
	live = 0;
	counting = true;
	size_t n = sk_proxy_pending(h->proxy, on_listed, l);
	counting = false;
	*grew = live;
	return n;
}

/* A forked call ringing on two phones, listed twice: nothing kept either time. */
static void test_listing_keeps_nothing(void **state)
{
	(void)state;
	struct ph *h =
	    ph_new(&(struct ph_opts){.seed = 1600, .nodes = 4, .proxy.domain = PH_DOMAIN});
	ph_route(h, "bob", 2, 2);
	for (int i = 2; i <= 3; i++)
		ph_phone(h, i, 10, -1, 0); /* rings, never answers */
	struct sk_call *c = ph_call(h, SK_PROTO_UDP);
	ph_run(h, 500);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "180/INVITE", NULL), 2);
	for (int k = 0; k < 2; k++) {
		struct listed l = {0};
		long long grew = -1;
		assert_int_equal(list_counted(h, &l, &grew), 1);
		assert_int_equal(grew, 0);
		assert_int_equal(l.n, 1);
		assert_string_equal(l.call_id, sk_call_id(c));
		assert_int_equal(l.branches, 2);
		assert_non_null(strstr(l.from, "alice"));
		assert_non_null(strstr(l.to, "bob@" PH_DOMAIN));
	}
	/* the call ends as an operator's release ends it (test_proxy_cancel release) */
	assert_int_equal(sk_proxy_release(h->proxy, sk_call_id(c), 480, NULL), 0);
	ph_run(h, 2000);
	assert_int_equal(sk_proxy_pending(h->proxy, NULL, NULL), 0);
	ph_finish(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    PH_TEST(test_listing_keeps_nothing),
	};
	return cmocka_run_group_tests_name("proxy memory", tests, NULL, NULL);
}
