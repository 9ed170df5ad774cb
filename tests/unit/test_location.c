/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The location store's listing and what a binding records, and the proxy
 * when its store fails (struct sk_location_ops, include/sipkit/proxy.h):
 *  - list: a walk in bounded steps visits every unexpired binding once, with
 *    its AOR, in steps of about `max`; expired bindings are not listed (and
 *    are dropped on the way); an empty store ends at once;
 *  - a REGISTER through the proxy records where it came from (address:port,
 *    transport) and its Call-ID/CSeq in the binding;
 *  - a store that fails (-SK_EIO: a remote store's outage) makes REGISTER
 *    answer 500 with Retry-After (§21.5.1, §20.33), a call to the user 480
 *    with a Warning 399 naming the proxy (§20.43), never 404 and never
 *    silence; once the store is back, both are served again; a store that
 *    fails midway through a REGISTER (the put, the remove, the lookup for the
 *    200) gives 500 with Retry-After too.
 */
#include "proxy_harness.h"
#include "sk_test.h"

/* ---- the in-memory store's listing ------------------------------------------ */

struct listed {
	char text[8192];
	int n;
};

static void on_listed(void *arg, const char *aor, const struct sk_binding *b)
{
	struct listed *l = arg;
	size_t used = strlen(l->text);
	snprintf(l->text + used, sizeof(l->text) - used, " %s=%s", aor, b->contact);
	l->n++;
}

static struct sk_binding bnd(const char *contact, uint64_t expires_at)
{
	struct sk_binding b;
	memset(&b, 0, sizeof(b));
	snprintf(b.contact, sizeof(b.contact), "%s", contact);
	snprintf(b.call_id, sizeof(b.call_id), "cid");
	snprintf(b.source, sizeof(b.source), "192.0.2.1:5062");
	snprintf(b.transport, sizeof(b.transport), "tcp");
	b.cseq = 7;
	b.q = 500;
	b.expires_at = expires_at;
	return b;
}

static void test_list_walk(void **state)
{
	(void)state;
	struct sk_location l;
	assert_int_equal(sk_location_memory(&l, 1000, 4), 0);
	struct listed got = {{0}, 0};
	uint64_t cursor = 0;
	/* empty: over after a few steps (each visits at most max buckets) */
	int n0 = 0;
	do
		assert_int_equal(l.ops->list(l.st, 0, &cursor, 10, on_listed, &got), 0);
	while (cursor != 0 && ++n0 < 10);
	assert_int_equal(cursor, 0);
	assert_int_equal(l.ops->list(l.st, 0, NULL, 10, on_listed, &got), -SK_EINVAL);
	/* 200 AORs, two bindings each; those of every tenth AOR expire at 5000 */
	for (int i = 0; i < 200; i++) {
		char aor[32], c[64];
		snprintf(aor, sizeof(aor), "u%d@h", i);
		for (int k = 0; k < 2; k++) {
			snprintf(c, sizeof(c), "sip:u%d-%d@h", i, k);
			struct sk_binding b = bnd(c, i % 10 ? 100000 : 5000);
			assert_int_equal(l.ops->put(l.st, aor, &b), 0);
		}
	}
	int steps = 0, total = 0;
	do {
		int before = got.n;
		int n = l.ops->list(l.st, 6000, &cursor, 16, on_listed, &got);
		assert_true(n >= 0);
		assert_int_equal(n, got.n - before);
		/* a step finishes the AORs it started: at most max + a bucket's worth */
		assert_true(n <= 16 + 2 * 8);
		total += n;
		steps++;
		assert_true(steps < 1000);
	} while (cursor != 0);
	assert_int_equal(total, 180 * 2);
	assert_true(steps > 1);
	/* each unexpired binding once, none of the expired ones */
	for (int i = 0; i < 200; i++) {
		char want[64];
		snprintf(want, sizeof(want), " u%d@h=sip:u%d-1@h", i, i);
		if (i % 10)
			assert_non_null(strstr(got.text, want));
		else
			assert_null(strstr(got.text, want));
	}
	/* the expired ones were dropped on the way */
	uint64_t held;
	size_t aors;
	assert_true(sk_location_memory_held(&l, &held, &aors));
	assert_int_equal(held, 360);
	assert_int_equal(aors, 180);
	/* the fields come back as stored */
	struct sk_binding out[4];
	assert_int_equal(l.ops->lookup(l.st, "u1@h", 6000, out, 4), 2);
	assert_string_equal(out[0].source, "192.0.2.1:5062");
	assert_string_equal(out[0].transport, "tcp");
	assert_string_equal(out[0].call_id, "cid");
	assert_int_equal(out[0].cseq, 7);
	/* a field without its NUL is refused */
	struct sk_binding bad = bnd("sip:x@h", 100000);
	memset(bad.source, 'x', sizeof(bad.source));
	assert_int_equal(l.ops->put(l.st, "x@h", &bad), -SK_EINVAL);
	assert_int_equal(l.ops->remove(l.st, "u1@h", NULL), 0);
	assert_int_equal(l.ops->lookup(l.st, "u1@h", 6000, out, 4), 0);
	l.ops->free(l.st);
}

/* ---- a store that fails: the in-memory store behind a switch ----------------- */

struct flaky {
	struct sk_location mem;
	bool down;
	int calls_down; /* operations refused while down */
	int ops;        /* operations asked */
	int fail_at;    /* > 0: the store goes down at this operation (1: the first) */
};

/* Down for this operation? */
static bool is_down(struct flaky *f)
{
	if (f->fail_at && ++f->ops >= f->fail_at)
		f->down = true;
	if (f->down)
		f->calls_down++;
	return f->down;
}

static int fl_lookup(void *st, const char *aor, uint64_t now, struct sk_binding *out, size_t max)
{
	struct flaky *f = st;
	if (is_down(f))
		return -SK_EIO;
	return f->mem.ops->lookup(f->mem.st, aor, now, out, max);
}

static int fl_put(void *st, const char *aor, const struct sk_binding *b)
{
	struct flaky *f = st;
	if (is_down(f))
		return -SK_EIO;
	return f->mem.ops->put(f->mem.st, aor, b);
}

static int fl_remove(void *st, const char *aor, const char *contact)
{
	struct flaky *f = st;
	if (is_down(f))
		return -SK_EIO;
	return f->mem.ops->remove(f->mem.st, aor, contact);
}

static int fl_list(void *st, uint64_t now, uint64_t *cursor, size_t max, sk_location_list_fn fn,
                   void *arg)
{
	struct flaky *f = st;
	if (is_down(f))
		return -SK_EIO;
	return f->mem.ops->list(f->mem.st, now, cursor, max, fn, arg);
}

static void fl_free(void *st)
{
	struct flaky *f = st;
	f->mem.ops->free(f->mem.st);
	free(f);
}

static const struct sk_location_ops flaky_ops = {
    .lookup = fl_lookup, .put = fl_put, .remove = fl_remove, .list = fl_list, .free = fl_free};

/* Bob at phone node 2 registers from raw node 3 (its Contact names node 2). */
static void register_bob(struct ph *h, unsigned cseq, const char *contact, const char *expires)
{
	char buf[1024], c[64];
	int k = snprintf(buf, sizeof(buf),
	                 "REGISTER sip:" PH_DOMAIN " SIP/2.0\r\nMax-Forwards: 70\r\n"
	                 "From: <" PH_AOR ">;tag=r%u\r\nTo: <" PH_AOR ">\r\n"
	                 "Call-ID: reg-bob@test\r\nCSeq: %u REGISTER\r\n"
	                 "Contact: %s\r\nExpires: %s\r\nContent-Length: 0\r\n\r\n",
	                 cseq, cseq, contact ? contact : ph_uri(h, 2, c, sizeof(c)), expires);
	assert_true(k > 0 && (size_t)k < sizeof(buf));
	ph_raw_send(h, 3, SK_PROTO_UDP, (struct sk_str){buf, (size_t)k});
	ph_run(h, 200);
}

/* The text of the last message from `from` to `to` matching what, or "". */
static const char *last_text(struct ph *h, int from, int to, const char *what)
{
	static char text[4096];
	int n = ph_count(h, from, to, what, NULL);
	const struct hw_wire *w = n ? ph_get(h, from, to, what, n) : NULL;
	snprintf(text, sizeof(text), "%.*s", w ? (int)w->len : 0, w ? w->data : "");
	return text;
}

static void test_store_down(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(171, 2);
	o.raw_mask = 1u | 1u << 3; /* caller and registering node raw */
	o.proxy.domain = PH_DOMAIN;
	o.proxy.registrar = true;
	struct flaky *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(sk_location_memory(&f->mem, 100, 4), 0);
	o.proxy.location = (struct sk_location){&flaky_ops, f};
	struct ph *h = ph_new(&o);
	ph_phone(h, 2, 0, 10, 486);

	/* up: stored, with where it came from */
	register_bob(h, 1, NULL, "600");
	assert_int_equal(ph_count(h, PH_PROXY, 3, "200/REGISTER", NULL), 1);
	struct sk_binding b[4];
	assert_int_equal(f->mem.ops->lookup(f->mem.st, "bob@" PH_DOMAIN, ph_now(h), b, 4), 1);
	char src[64];
	sk_sa_print(&h->nodes[3].addr, src, sizeof(src));
	assert_string_equal(b[0].source, src);
	assert_string_equal(b[0].transport, "udp");
	assert_string_equal(b[0].call_id, "reg-bob@test");
	assert_int_equal(b[0].cseq, 1);

	/* down: REGISTER 500 with Retry-After, a call 480 with a Warning */
	f->down = true;
	register_bob(h, 2, NULL, "600");
	assert_int_equal(ph_count(h, PH_PROXY, 3, "500/REGISTER", NULL), 1);
	assert_non_null(strstr(last_text(h, PH_PROXY, 3, "500/REGISTER"), "\r\nRetry-After: "));
	char buf[1024];
	struct sk_str inv =
	    ph_req(buf, sizeof(buf), "INVITE", PH_AOR, "call-down@test", 1, 70, NULL);
	ph_raw_send(h, 0, SK_PROTO_UDP, inv);
	ph_run(h, 200);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "480/INVITE", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 0);
	assert_non_null(strstr(last_text(h, PH_PROXY, 0, "480/INVITE"),
	                       "\r\nWarning: 399 " PH_DOMAIN
	                       " \"location store unavailable\"\r\n"));
	/* a REGISTER removing everything fails the same way */
	register_bob(h, 3, "*", "0");
	assert_int_equal(ph_count(h, PH_PROXY, 3, "500/REGISTER", NULL), 2);
	assert_true(f->calls_down >= 3);

	/* back: the binding made before the outage is still there */
	f->down = false;
	register_bob(h, 4, NULL, "600");
	assert_int_equal(ph_count(h, PH_PROXY, 3, "200/REGISTER", NULL), 2);
	ph_raw_send(h, 0, SK_PROTO_UDP,
	            ph_req(buf, sizeof(buf), "INVITE", PH_AOR, "call-up@test", 1, 70, NULL));
	ph_run(h, 200);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 1);
	ph_finish(h);
}

/*
 * The store failing in the middle of a REGISTER (§10.3 step 7: processed
 * completely or not at all, as far as a store that fails allows): the put
 * after a successful lookup fails, or the lookup for the 200 does. Either way
 * the answer is 500 with Retry-After, never a 200 that lies.
 */
static void test_store_down_midway(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(173, 2);
	o.raw_mask = 1u | 1u << 3;
	o.proxy.domain = PH_DOMAIN;
	o.proxy.registrar = true;
	struct flaky *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(sk_location_memory(&f->mem, 100, 4), 0);
	o.proxy.location = (struct sk_location){&flaky_ops, f};
	struct ph *h = ph_new(&o);
	/* lookup, put, lookup: down at the put */
	f->fail_at = 2;
	register_bob(h, 1, NULL, "600");
	assert_int_equal(ph_count(h, PH_PROXY, 3, "500/REGISTER", NULL), 1);
	assert_non_null(strstr(last_text(h, PH_PROXY, 3, "500/REGISTER"), "\r\nRetry-After: "));
	/* down at the lookup for the 200: the binding is stored, the answer still 500 */
	f->down = false;
	f->ops = 0;
	f->fail_at = 3;
	register_bob(h, 2, NULL, "600");
	assert_int_equal(ph_count(h, PH_PROXY, 3, "500/REGISTER", NULL), 2);
	assert_int_equal(ph_count(h, PH_PROXY, 3, "200/REGISTER", NULL), 0);
	struct sk_binding b[4];
	assert_int_equal(f->mem.ops->lookup(f->mem.st, "bob@" PH_DOMAIN, ph_now(h), b, 4), 1);
	/* a removal (Expires: 0) whose remove fails: 500, the binding stays */
	f->down = false;
	f->ops = 0;
	f->fail_at = 2;
	register_bob(h, 3, NULL, "0");
	assert_int_equal(ph_count(h, PH_PROXY, 3, "500/REGISTER", NULL), 3);
	assert_int_equal(f->mem.ops->lookup(f->mem.st, "bob@" PH_DOMAIN, ph_now(h), b, 4), 1);
	ph_finish(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list_walk),
	    PH_TEST(test_store_down),
	    PH_TEST(test_store_down_midway),
	};
	return cmocka_run_group_tests_name("location", tests, NULL, NULL);
}
