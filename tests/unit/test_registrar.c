/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The location store (src/proxy/location.c) on its own, with a clock the
 * tests move by hand; and the registrar (§10.3) through a whole proxy: a
 * proxy stack at 10.0.0.1 for example.com and a raw client stack at 10.0.0.2
 * on simnet, sharing one virtual clock. The client sends REGISTERs through
 * its transaction layer and the tests read the status and the Contact values
 * of each final response. The proxy is given a store the test made, so the
 * tests can also look at the bindings directly.
 */
#include "sk_test.h"

#include "sipkit/proxy.h"

/* ---- the location store ---------------------------------------------------- */

static struct sk_binding bnd(const char *contact, const char *call_id, uint32_t cseq, uint16_t q,
                             uint64_t expires_at)
{
	struct sk_binding b;
	memset(&b, 0, sizeof(b));
	snprintf(b.contact, sizeof(b.contact), "%s", contact);
	snprintf(b.call_id, sizeof(b.call_id), "%s", call_id);
	b.cseq = cseq;
	b.q = q;
	b.expires_at = expires_at;
	return b;
}

static int put(struct sk_location *l, const char *aor, struct sk_binding b)
{
	return l->ops->put(l->st, aor, &b);
}

/* The contacts of aor at now, in lookup order, as "c1 c2 ...". */
static const char *lookup_str(struct sk_location *l, const char *aor, uint64_t now, size_t max)
{
	static char out[4096];
	struct sk_binding b[64];
	size_t n = l->ops->lookup(l->st, aor, now, b, max < 64 ? max : 64);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strcat(out, i ? " " : "");
		strcat(out, b[i].contact);
	}
	return out;
}

static void test_loc_config(void **state)
{
	(void)state;
	struct sk_location l;
	assert_int_equal(sk_location_memory(&l, 0, 4), -SK_EINVAL);
	assert_int_equal(sk_location_memory(&l, 4, 0), -SK_EINVAL);
	assert_int_equal(sk_location_memory(NULL, 4, 4), -SK_EINVAL);
	assert_int_equal(sk_location_memory(&l, 4, 4), 0);
	/* keys and strings that do not fit */
	char long_aor[400];
	memset(long_aor, 'a', sizeof(long_aor) - 1);
	long_aor[sizeof(long_aor) - 1] = '\0';
	assert_int_equal(put(&l, long_aor, bnd("sip:a@h", "c", 1, 1000, 5000)), -SK_ETOOBIG);
	assert_int_equal(l.ops->lookup(l.st, long_aor, 0, NULL, 0), 0);
	l.ops->remove(l.st, long_aor, NULL);
	struct sk_binding b = bnd("sip:a@h", "c", 1, 1000, 5000);
	memset(b.contact, 'x', sizeof(b.contact)); /* no NUL */
	assert_int_equal(l.ops->put(l.st, "bob@h", &b), -SK_EINVAL);
	assert_int_equal(put(&l, "", bnd("sip:a@h", "c", 1, 1000, 5000)), -SK_EINVAL);
	assert_int_equal(put(&l, "bob@h", bnd("", "c", 1, 1000, 5000)), -SK_EINVAL);
	l.ops->free(l.st);
}

/* put adds, put of the same contact string replaces in place, remove one, remove all */
static void test_loc_put_replace_remove(void **state)
{
	(void)state;
	struct sk_location l;
	struct sk_binding out[8];
	assert_int_equal(sk_location_memory(&l, 16, 8), 0);
	assert_int_equal(put(&l, "bob@example.com", bnd("sip:b1@h", "c1", 1, 1000, 10000)), 0);
	assert_int_equal(put(&l, "bob@example.com", bnd("sip:b2@h", "c2", 7, 1000, 20000)), 0);
	assert_int_equal(put(&l, "carol@example.com", bnd("sip:c@h", "c3", 1, 1000, 10000)), 0);
	assert_string_equal(lookup_str(&l, "bob@example.com", 0, 8), "sip:b1@h sip:b2@h");
	assert_string_equal(lookup_str(&l, "carol@example.com", 0, 8), "sip:c@h");
	assert_string_equal(lookup_str(&l, "dave@example.com", 0, 8), "");
	/* replace: same place, new fields */
	assert_int_equal(put(&l, "bob@example.com", bnd("sip:b1@h", "c9", 9, 1000, 30000)), 0);
	assert_int_equal(l.ops->lookup(l.st, "bob@example.com", 0, out, 8), 2);
	assert_string_equal(out[0].contact, "sip:b1@h");
	assert_string_equal(out[0].call_id, "c9");
	assert_int_equal(out[0].cseq, 9);
	assert_int_equal(out[0].expires_at, 30000);
	assert_string_equal(out[1].call_id, "c2");
	/* strings are compared as they are: another spelling is another binding */
	assert_int_equal(put(&l, "bob@example.com", bnd("sip:b1@H", "c9", 9, 1000, 30000)), 0);
	assert_string_equal(lookup_str(&l, "bob@example.com", 0, 8), "sip:b1@h sip:b2@h sip:b1@H");
	l.ops->remove(l.st, "bob@example.com", "sip:b1@H");
	l.ops->remove(l.st, "bob@example.com", "sip:nothing@h");
	l.ops->remove(l.st, "nobody@example.com", "sip:b1@h");
	l.ops->remove(l.st, "bob@example.com", "sip:b1@h");
	assert_string_equal(lookup_str(&l, "bob@example.com", 0, 8), "sip:b2@h");
	assert_int_equal(put(&l, "bob@example.com", bnd("sip:b3@h", "c2", 8, 1000, 20000)), 0);
	l.ops->remove(l.st, "bob@example.com", NULL);
	assert_string_equal(lookup_str(&l, "bob@example.com", 0, 8), "");
	assert_string_equal(lookup_str(&l, "carol@example.com", 0, 8), "sip:c@h");
	l.ops->free(l.st);
}

/* q descending; equal q in the order first added, also after a replace; max keeps the best */
static void test_loc_q_order(void **state)
{
	(void)state;
	struct sk_location l;
	assert_int_equal(sk_location_memory(&l, 4, 8), 0);
	const char *aor = "bob@example.com";
	assert_int_equal(put(&l, aor, bnd("sip:a@h", "c", 1, 500, 9000)), 0);
	assert_int_equal(put(&l, aor, bnd("sip:b@h", "c", 1, 1000, 9000)), 0);
	assert_int_equal(put(&l, aor, bnd("sip:c@h", "c", 1, 500, 9000)), 0);
	assert_int_equal(put(&l, aor, bnd("sip:d@h", "c", 1, 700, 9000)), 0);
	assert_int_equal(put(&l, aor, bnd("sip:e@h", "c", 1, 1000, 9000)), 0);
	assert_int_equal(put(&l, aor, bnd("sip:f@h", "c", 1, 0, 9000)), 0);
	assert_string_equal(lookup_str(&l, aor, 0, 8),
	                    "sip:b@h sip:e@h sip:d@h sip:a@h sip:c@h sip:f@h");
	assert_string_equal(lookup_str(&l, aor, 0, 3), "sip:b@h sip:e@h sip:d@h");
	assert_string_equal(lookup_str(&l, aor, 0, 1), "sip:b@h");
	assert_string_equal(lookup_str(&l, aor, 0, 0), "");
	/* a changed q moves a binding to its new group, where it keeps its age */
	assert_int_equal(put(&l, aor, bnd("sip:c@h", "c", 2, 1000, 9000)), 0);
	assert_string_equal(lookup_str(&l, aor, 0, 8),
	                    "sip:b@h sip:c@h sip:e@h sip:d@h sip:a@h sip:f@h");
	l.ops->free(l.st);
}

/* expired bindings are not returned, and leave the store when touched */
static void test_loc_expiry(void **state)
{
	(void)state;
	struct sk_location l;
	assert_int_equal(sk_location_memory(&l, 2, 2), 0);
	const char *aor = "bob@example.com";
	assert_int_equal(put(&l, aor, bnd("sip:a@h", "c", 1, 1000, 60000)), 0);
	assert_int_equal(put(&l, aor, bnd("sip:b@h", "c", 1, 1000, 120000)), 0);
	assert_string_equal(lookup_str(&l, aor, 59999, 8), "sip:a@h sip:b@h");
	assert_string_equal(lookup_str(&l, aor, 60000, 8), "sip:b@h"); /* expires_at: gone */
	/* a's place is free again: the binding limit counts live bindings only */
	assert_int_equal(put(&l, aor, bnd("sip:c@h", "c", 1, 1000, 180000)), 0);
	assert_string_equal(lookup_str(&l, aor, 60000, 8), "sip:b@h sip:c@h");
	assert_int_equal(put(&l, aor, bnd("sip:d@h", "c", 1, 1000, 180000)), -SK_ETOOBIG);
	assert_string_equal(lookup_str(&l, aor, 200000, 8), "");
	/* the AOR is gone with its last binding; put uses the latest clock a lookup saw */
	assert_int_equal(put(&l, "x@h", bnd("sip:x@h", "c", 1, 1000, 300000)), 0);
	assert_int_equal(put(&l, "y@h", bnd("sip:y@h", "c", 1, 1000, 250000)), 0);
	assert_int_equal(put(&l, "z@h", bnd("sip:z@h", "c", 1, 1000, 300000)), -SK_EFULL);
	assert_string_equal(lookup_str(&l, "nobody@h", 260000, 8), ""); /* only moves the clock */
	/* y expired at 250000: a put that finds the table full sweeps it away */
	assert_int_equal(put(&l, "z@h", bnd("sip:z@h", "c", 1, 1000, 300000)), 0);
	assert_string_equal(lookup_str(&l, "x@h", 260000, 8), "sip:x@h");
	assert_string_equal(lookup_str(&l, "z@h", 260000, 8), "sip:z@h");
	assert_string_equal(lookup_str(&l, "y@h", 0, 8), ""); /* no way back: y was dropped */
	l.ops->free(l.st);
}

static void test_loc_limits(void **state)
{
	(void)state;
	struct sk_location l;
	assert_int_equal(sk_location_memory(&l, 2, 2), 0);
	assert_int_equal(put(&l, "a@h", bnd("sip:1@h", "c", 1, 1000, 9000)), 0);
	assert_int_equal(put(&l, "a@h", bnd("sip:2@h", "c", 1, 1000, 9000)), 0);
	assert_int_equal(put(&l, "a@h", bnd("sip:3@h", "c", 1, 1000, 9000)), -SK_ETOOBIG);
	assert_int_equal(put(&l, "a@h", bnd("sip:2@h", "c", 2, 1000, 9500)),
	                 0); /* a replace fits */
	assert_int_equal(put(&l, "b@h", bnd("sip:1@h", "c", 1, 1000, 9000)), 0);
	assert_int_equal(put(&l, "c@h", bnd("sip:1@h", "c", 1, 1000, 9000)), -SK_EFULL);
	l.ops->remove(l.st, "b@h", "sip:1@h"); /* its last binding: the AOR goes */
	assert_int_equal(put(&l, "c@h", bnd("sip:1@h", "c", 1, 1000, 9000)), 0);
	assert_string_equal(lookup_str(&l, "a@h", 0, 8), "sip:1@h sip:2@h");
	assert_string_equal(lookup_str(&l, "c@h", 0, 8), "sip:1@h");
	l.ops->free(l.st);
}

/* many AORs: the table grows, every one is found, everything is freed */
static void test_loc_many(void **state)
{
	(void)state;
	struct sk_location l;
	enum { N = 5000 };
	assert_int_equal(sk_location_memory(&l, N, 3), 0);
	char aor[64], c[64];
	for (int i = 0; i < N; i++) {
		snprintf(aor, sizeof(aor), "user%d@example.com", i);
		for (int k = 0; k < 3; k++) {
			snprintf(c, sizeof(c), "sip:u%d@10.0.%d.%d", i, k, i % 250);
			assert_int_equal(put(&l, aor, bnd(c, "c", 1, (uint16_t)(k * 100), 5000)),
			                 0);
		}
	}
	assert_int_equal(put(&l, "one-more@example.com", bnd("sip:x@h", "c", 1, 1000, 5000)),
	                 -SK_EFULL);
	struct sk_binding out[4];
	for (int i = 0; i < N; i++) {
		snprintf(aor, sizeof(aor), "user%d@example.com", i);
		assert_int_equal(l.ops->lookup(l.st, aor, 0, out, 4), 3);
		snprintf(c, sizeof(c), "sip:u%d@10.0.2.%d", i, i % 250);
		assert_string_equal(out[0].contact, c);
		if (i % 2)
			l.ops->remove(l.st, aor, NULL);
	}
	assert_int_equal(put(&l, "one-more@example.com", bnd("sip:x@h", "c", 1, 1000, 5000)), 0);
	l.ops->free(l.st); /* ASan: no leak */
}

/*
 * The attack of a full store: 100,000 AORs held (anyone may register), then
 * REGISTERs for new users. Each is refused in O(1): it sweeps a bounded
 * number of buckets, not the whole store (which cost 32 ms a packet), so
 * after the store has expired, one refused put has dropped a handful of AORs,
 * not all of them; the sweeps of later puts still make room.
 */
static void test_loc_full_is_o1(void **state)
{
	(void)state;
	struct sk_location l;
	enum { N = 100000 };
	assert_int_equal(sk_location_memory(&l, N, 1), 0);
	char aor[64];
	for (int i = 0; i < N; i++) {
		snprintf(aor, sizeof(aor), "user%d@example.com", i);
		assert_int_equal(put(&l, aor, bnd("sip:u@h", "c", 1, 1000, 60000)), 0);
	}
	size_t aors = 0;
	assert_int_equal(put(&l, "new@example.com", bnd("sip:n@h", "c", 1, 1000, 90000)),
	                 -SK_EFULL);
	assert_true(sk_location_memory_held(&l, NULL, &aors));
	assert_int_equal(aors, N);
	/* every binding has expired: one put still sweeps only a bounded part */
	assert_string_equal(lookup_str(&l, "nobody@example.com", 60000, 8), "");
	int rc = put(&l, "new@example.com", bnd("sip:n@h", "c", 1, 1000, 90000));
	assert_true(sk_location_memory_held(&l, NULL, &aors));
	assert_true(aors > N - 1000); /* a walk over the store would have left 1 */
	/* and the sweeps go round: puts make room, a bounded number of buckets each */
	int tries = 0;
	while (rc == -SK_EFULL && tries++ < N)
		rc = put(&l, "new@example.com", bnd("sip:n@h", "c", 1, 1000, 90000));
	assert_int_equal(rc, 0);
	assert_true(tries < 100); /* dozens of buckets per put: room comes soon */
	l.ops->free(l.st);
}

/* ---- the registrar through a proxy ----------------------------------------- */

struct rh {
	struct sk_clock *clock;
	struct sk_timers *timers;
	struct sk_simnet *sn;
	struct sk_stack *ps, *cs; /* proxy, client */
	struct sk_proxy *px;
	struct sk_location loc; /* the proxy's store (the proxy frees it) */
	struct sk_sa paddr, caddr;
	struct sk_log log;
	/* the last final response the client received */
	int status;
	char contacts[4096]; /* Contact values, ", "-separated */
	char min_expires[32], unsupported[128], retry_after[32];
	int finals;
	int invites;    /* INVITEs the client received (as the registered UA) */
	char ruri[256]; /* the Request-URI of the last one */
};

static void rh_log(void *arg, enum sk_log_level level, const char *line)
{
	(void)arg;
	(void)level;
	if (getenv("SK_TEST_LOG"))
		fprintf(stderr, "log: %s\n", line);
}

static void rh_record(struct rh *h, const struct sk_msg *resp)
{
	int code = sk_msg_status(resp);
	if (code < 200)
		return;
	h->finals++;
	h->status = code;
	h->contacts[0] = h->min_expires[0] = h->unsupported[0] = h->retry_after[0] = '\0';
	size_t used = 0;
	for (size_t i = 0; i < sk_msg_addr_count(resp, SK_HDR_CONTACT); i++) {
		struct sk_str raw = sk_msg_addr(resp, SK_HDR_CONTACT, i)->raw;
		used += (size_t)snprintf(h->contacts + used, sizeof(h->contacts) - used, "%s%.*s",
		                         i ? ", " : "", (int)raw.len, raw.p);
		assert_true(used < sizeof(h->contacts));
	}
	const struct sk_hdr *me = sk_msg_hdr_first(resp, SK_HDR_MIN_EXPIRES);
	if (me)
		sk_str_cpy(h->min_expires, sizeof(h->min_expires), me->value);
	const struct sk_hdr *ra = sk_msg_hdr_first(resp, SK_HDR_RETRY_AFTER);
	if (ra)
		sk_str_cpy(h->retry_after, sizeof(h->retry_after), ra->value);
	const struct sk_hdr *un = sk_msg_hdr_first(resp, SK_HDR_UNSUPPORTED);
	if (un)
		sk_str_cpy(h->unsupported, sizeof(h->unsupported), un->value);
	/* §10.3: a registrar MUST NOT include Record-Route in a response to REGISTER */
	assert_null(sk_msg_hdr_first(resp, SK_HDR_RECORD_ROUTE));
	if (code == 200) /* a To tag on every final (§8.2.6.2) */
		assert_true(sk_msg_to(resp)->tag.len > 0);
}

static void rh_response(void *arg, struct sk_txn *ct, const struct sk_msg *resp)
{
	(void)ct;
	rh_record(arg, resp);
}

/* the client is also the registered UA: an INVITE is answered 486 */
static const struct sk_txn_handler rh_handler;

static void rh_request(void *arg, struct sk_txn *st, const struct sk_msg *req, struct sk_txn *inv)
{
	struct rh *h = arg;
	sk_txn_bind(st, &rh_handler, h);
	(void)inv;
	if (sk_str_eq(sk_msg_method(req), SK_STR_LIT("INVITE"))) {
		h->invites++;
		sk_str_cpy(h->ruri, sizeof(h->ruri), sk_msg_ruri_str(req));
		sk_txn_reply(st, 486, NULL, "client");
		return;
	}
	sk_txn_reply(st, 200, NULL, "client");
}

static void rh_ack(void *arg, struct sk_txn *ist, const struct sk_msg *ack, const struct sk_flow *f)
{
	(void)arg;
	(void)ist;
	(void)ack;
	(void)f;
}

/* the answers to requests sent raw (reg_raw) */
static void rh_stray(void *arg, const struct sk_msg *resp, const struct sk_flow *f)
{
	(void)f;
	rh_record(arg, resp);
}

static void rh_failed(void *arg, struct sk_txn *t, int err)
{
	(void)arg;
	(void)t;
	fail_msg("client transaction failed: %s", sk_strerror(err));
}

static void rh_terminated(void *arg, struct sk_txn *t)
{
	(void)arg;
	(void)t;
}

static const struct sk_txn_handler rh_handler = {
    .response = rh_response, .failed = rh_failed, .terminated = rh_terminated};

static void rh_stack(struct rh *h, struct sk_stack **out, struct sk_sa *addr, const char *host,
                     uint64_t seed)
{
	struct sk_net *net;
	assert_int_equal(sk_sa_from_host(addr, sk_str_c(host), 5060), 0);
	assert_int_equal(sk_simnet_node(h->sn, &net), 0);
	struct sk_stack_config sc = {.timers = h->timers, .net = net, .log = &h->log, .seed = seed};
	assert_int_equal(sk_stack_new(out, &sc), 0);
	struct sk_target udp = {.proto = SK_PROTO_UDP, .addr = *addr};
	assert_int_equal(sk_stack_listen(*out, &udp, NULL), 0);
}

/* A proxy for example.com with the registrar on; max_* 0: the store the proxy
 * would make itself (100000 AORs, 16 bindings each). */
static void rh_init_store(struct rh *h, size_t max_aors, size_t max_bindings)
{
	memset(h, 0, sizeof(*h));
	h->log = (struct sk_log){.fn = rh_log, .max = SK_LOG_DEBUG};
	assert_int_equal(sk_clock_new_virtual(&h->clock, 1000000), 0);
	assert_int_equal(sk_timers_new(&h->timers, h->clock), 0);
	assert_int_equal(sk_simnet_new(&h->sn, h->timers, 7), 0);
	rh_stack(h, &h->ps, &h->paddr, "10.0.0.1", 11);
	rh_stack(h, &h->cs, &h->caddr, "10.0.0.2", 12);
	struct sk_txl_user u = {
	    .request = rh_request, .ack = rh_ack, .stray_response = rh_stray, .arg = h};
	sk_stack_set_user(h->cs, &u);
	assert_int_equal(sk_location_memory(&h->loc, max_aors ? max_aors : 100000,
	                                    max_bindings ? max_bindings : 16),
	                 0);
	struct sk_proxy_config cfg = {
	    .stack = h->ps, .domain = "example.com", .registrar = true, .location = h->loc};
	assert_int_equal(sk_proxy_new(&h->px, &cfg), 0);
}

static void rh_init(struct rh *h)
{
	rh_init_store(h, 0, 0);
}

static void rh_free(struct rh *h)
{
	sk_proxy_free(h->px);
	sk_stack_free(h->ps);
	sk_stack_free(h->cs);
	sk_simnet_free(h->sn);
	sk_timers_free(h->timers);
	sk_clock_free(h->clock);
}

static void rh_run(struct rh *h, uint64_t ms)
{
	sk_timers_advance(h->timers, ms);
}

/*
 * Sends a REGISTER for `to` (a To value) with the given Call-ID, CSeq and
 * extra header lines ("Contact: ...\r\nExpires: ...\r\n"), waits for the final
 * response and returns its status.
 */
static int reg_to(struct rh *h, const char *to, const char *call_id, unsigned cseq,
                  const char *extra)
{
	char req[4096];
	int n = snprintf(req, sizeof(req),
	                 "REGISTER sip:example.com SIP/2.0\r\n"
	                 "Max-Forwards: 70\r\n"
	                 "From: <sip:bob@example.com>;tag=f%u\r\n"
	                 "To: %s\r\n"
	                 "Call-ID: %s\r\n"
	                 "CSeq: %u REGISTER\r\n"
	                 "%s"
	                 "Content-Length: 0\r\n\r\n",
	                 cseq, to, call_id, cseq, extra ? extra : "");
	assert_true(n > 0 && (size_t)n < sizeof(req));
	struct sk_target dst = {.proto = SK_PROTO_UDP, .addr = h->paddr};
	int finals = h->finals;
	h->status = 0;
	assert_int_equal(sk_txn_request(sk_stack_txl(h->cs), (struct sk_str){req, (size_t)n}, &dst,
	                                &rh_handler, h, NULL),
	                 0);
	rh_run(h, 100);
	assert_int_equal(h->finals, finals + 1);
	return h->status;
}

/* A REGISTER our own parser would not send (a Contact "*" among others, which
 * the proxy's parser refuses too), written to the wire with a Via of its own. */
static int reg_raw(struct rh *h, const char *call_id, unsigned cseq, const char *extra)
{
	char req[4096];
	int n = snprintf(req, sizeof(req),
	                 "REGISTER sip:example.com SIP/2.0\r\n"
	                 "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-raw-%u;rport\r\n"
	                 "Max-Forwards: 70\r\n"
	                 "From: <sip:bob@example.com>;tag=f%u\r\n"
	                 "To: <sip:bob@example.com>\r\n"
	                 "Call-ID: %s\r\n"
	                 "CSeq: %u REGISTER\r\n"
	                 "%s"
	                 "Content-Length: 0\r\n\r\n",
	                 cseq, cseq, call_id, cseq, extra);
	assert_true(n > 0 && (size_t)n < sizeof(req));
	struct sk_target dst = {.proto = SK_PROTO_UDP, .addr = h->paddr};
	struct sk_flow flow;
	int finals = h->finals;
	h->status = 0;
	assert_int_equal(sk_tp_flow_for(sk_stack_tp(h->cs), &dst, (size_t)n, &flow), 0);
	assert_int_equal(sk_tp_send(sk_stack_tp(h->cs), &flow, req, (size_t)n), 0);
	rh_run(h, 100);
	assert_int_equal(h->finals, finals + 1);
	return h->status;
}

static int reg(struct rh *h, const char *call_id, unsigned cseq, const char *extra)
{
	return reg_to(h, "<sip:bob@example.com>", call_id, cseq, extra);
}

/* The contacts of bob in the proxy's store, now, as "c1 c2 ...". */
static const char *bob_now(struct rh *h)
{
	return lookup_str(&h->loc, "bob@example.com", sk_stack_now(h->ps), 64);
}

static void test_reg_register(void **state)
{
	(void)state;
	struct rh h;
	rh_init(&h);
	/* no expiry asked: the default, 3600 */
	assert_int_equal(reg(&h, "c1", 1, "Contact: <sip:bob@10.0.0.2:5070>\r\n"), 200);
	assert_string_equal(h.contacts, "<sip:bob@10.0.0.2:5070>;expires=3600");
	assert_string_equal(bob_now(&h), "sip:bob@10.0.0.2:5070");
	struct sk_binding b[2];
	assert_int_equal(h.loc.ops->lookup(h.loc.st, "bob@example.com", sk_stack_now(h.ps), b, 2),
	                 1);
	assert_string_equal(b[0].call_id, "c1");
	assert_int_equal(b[0].cseq, 1);
	assert_int_equal(b[0].q, 1000);
	/* a second contact of the same AOR, another Call-ID (another UA) */
	assert_int_equal(reg(&h, "c2", 1, "Contact: sip:bob@10.0.0.3\r\nExpires: 600\r\n"), 200);
	assert_string_equal(h.contacts,
	                    "<sip:bob@10.0.0.2:5070>;expires=3600, <sip:bob@10.0.0.3>;expires=600");
	struct sk_proxy_stats s = sk_proxy_stats(h.px);
	assert_int_equal(s.registers, 2);
	assert_int_equal(s.bindings, 2);
	/* the To URI, canonicalised (§10.3 step 5): host case, an escaped
	 * unreserved character, URI parameters and the port do not matter */
	assert_int_equal(reg_to(&h, "<sip:%62ob@EXAMPLE.COM:5060;user=ip>", "c3", 1, NULL), 200);
	assert_string_equal(h.contacts,
	                    "<sip:bob@10.0.0.2:5070>;expires=3600, <sip:bob@10.0.0.3>;expires=600");
	/* and an escaped reserved character is not the character (§19.1.4): another AOR */
	assert_int_equal(reg_to(&h, "<sip:bob%40x@example.com>", "c3", 2, NULL), 200);
	assert_string_equal(h.contacts, "");
	/* a To with our address instead of the domain name is ours too */
	assert_int_equal(
	    reg_to(&h, "<sip:alice@10.0.0.1>", "c4", 1, "Contact: <sip:a@10.0.0.2>\r\n"), 200);
	assert_string_equal(lookup_str(&h.loc, "alice@10.0.0.1", sk_stack_now(h.ps), 8),
	                    "sip:a@10.0.0.2");
	rh_free(&h);
}

/* a refresh updates the one binding; its remaining time counts down on the stack clock */
static void test_reg_refresh(void **state)
{
	(void)state;
	struct rh h;
	rh_init(&h);
	assert_int_equal(reg(&h, "c1", 1, "Contact: <sip:bob@10.0.0.2>\r\nExpires: 600\r\n"), 200);
	assert_string_equal(h.contacts, "<sip:bob@10.0.0.2>;expires=600");
	rh_run(&h, 100000);
	assert_int_equal(reg(&h, "c1", 2, NULL), 200); /* a query */
	assert_string_equal(h.contacts, "<sip:bob@10.0.0.2>;expires=500");
	assert_int_equal(reg(&h, "c1", 3, "Contact: <sip:bob@10.0.0.2>\r\nExpires: 1800\r\n"), 200);
	assert_string_equal(h.contacts, "<sip:bob@10.0.0.2>;expires=1800");
	/* written otherwise but equal under §19.1.4 (host case): the same binding, as first written
	 */
	assert_int_equal(reg(&h, "c1", 4, "Contact: <sip:bob@host.EXAMPLE.com>\r\n"), 200);
	assert_int_equal(reg(&h, "c1", 5, "Contact: <sip:bob@HOST.example.com>;expires=900\r\n"),
	                 200);
	assert_string_equal(
	    h.contacts, "<sip:bob@10.0.0.2>;expires=1800, <sip:bob@host.EXAMPLE.com>;expires=900");
	/* expires 0 removes one binding */
	assert_int_equal(reg(&h, "c1", 6, "Contact: <sip:bob@10.0.0.2>;expires=0\r\n"), 200);
	assert_string_equal(h.contacts, "<sip:bob@host.EXAMPLE.com>;expires=900");
	assert_int_equal(sk_proxy_stats(h.px).bindings, 1);
	rh_free(&h);
}

/* past its expiry a binding is gone: from the store and from the 200 to a query */
static void test_reg_expiry(void **state)
{
	(void)state;
	struct rh h;
	rh_init(&h);
	assert_int_equal(
	    reg(&h, "c1", 1,
	        "Contact: <sip:bob@10.0.0.2>;expires=60, <sip:bob@10.0.0.3>;expires=120\r\n"),
	    200);
	assert_string_equal(h.contacts,
	                    "<sip:bob@10.0.0.2>;expires=60, <sip:bob@10.0.0.3>;expires=120");
	rh_run(&h, 59000);
	assert_string_equal(bob_now(&h), "sip:bob@10.0.0.2 sip:bob@10.0.0.3");
	rh_run(&h, 1000); /* 60.1 s after the REGISTER was answered */
	assert_string_equal(bob_now(&h), "sip:bob@10.0.0.3");
	assert_int_equal(reg(&h, "c1", 2, NULL), 200);
	assert_string_equal(h.contacts, "<sip:bob@10.0.0.3>;expires=60");
	rh_run(&h, 61000);
	assert_string_equal(bob_now(&h), "");
	assert_int_equal(reg(&h, "c1", 3, NULL), 200);
	assert_string_equal(h.contacts, "");
	assert_null(strstr(h.contacts, "sip:"));
	rh_free(&h);
}

/* §20.10: q orders the bindings, in the 200 and in the store */
static void test_reg_q_order(void **state)
{
	(void)state;
	struct rh h;
	rh_init(&h);
	assert_int_equal(reg(&h, "c1", 1,
	                     "Contact: <sip:a@10.0.0.2>;q=0.5, <sip:b@10.0.0.2>\r\n"
	                     "Contact: <sip:c@10.0.0.2>;q=0.75, <sip:d@10.0.0.2>;q=0.500\r\n"
	                     "Contact: <sip:e@10.0.0.2>;q=1.0, <sip:f@10.0.0.2>;q=0\r\n"),
	                 200);
	assert_string_equal(h.contacts, "<sip:b@10.0.0.2>;expires=3600, "
	                                "<sip:e@10.0.0.2>;expires=3600, "
	                                "<sip:c@10.0.0.2>;expires=3600;q=0.75, "
	                                "<sip:a@10.0.0.2>;expires=3600;q=0.5, "
	                                "<sip:d@10.0.0.2>;expires=3600;q=0.5, "
	                                "<sip:f@10.0.0.2>;expires=3600;q=0");
	assert_string_equal(bob_now(&h), "sip:b@10.0.0.2 sip:e@10.0.0.2 sip:c@10.0.0.2 "
	                                 "sip:a@10.0.0.2 sip:d@10.0.0.2 sip:f@10.0.0.2");
	/* a malformed q is refused, and nothing of that request is applied */
	assert_int_equal(reg(&h, "c1", 2, "Contact: <sip:g@10.0.0.2>, <sip:a@10.0.0.2>;q=1.5\r\n"),
	                 400);
	assert_int_equal(reg(&h, "c1", 3, "Contact: <sip:a@10.0.0.2>;q=.5\r\n"), 400);
	assert_int_equal(reg(&h, "c1", 4, "Contact: <sip:a@10.0.0.2>;q=0.1234\r\n"), 400);
	assert_null(strstr(bob_now(&h), "sip:g@"));
	rh_free(&h);
}

/* §10.2.2, §10.3 step 6: "*" removes everything, only alone and with Expires: 0 */
static void test_reg_star(void **state)
{
	(void)state;
	struct rh h;
	rh_init(&h);
	assert_int_equal(reg(&h, "c1", 1, "Contact: <sip:a@10.0.0.2>, <sip:b@10.0.0.3>\r\n"), 200);
	assert_int_equal(reg(&h, "c1", 2, "Contact: *\r\nExpires: 5\r\n"), 400);
	assert_int_equal(reg(&h, "c1", 3, "Contact: *\r\n"), 400);
	/* "*" among other values: refused by the parser already (§10.2.2), still a 400 */
	assert_int_equal(reg_raw(&h, "c1", 4, "Contact: *, <sip:a@10.0.0.2>\r\nExpires: 0\r\n"),
	                 400);
	assert_int_equal(
	    reg_raw(&h, "c1", 5, "Contact: <sip:c@10.0.0.2>\r\nContact: *\r\nExpires: 0\r\n"), 400);
	assert_string_equal(bob_now(&h), "sip:a@10.0.0.2 sip:b@10.0.0.3");
	/* step 6: a binding of this Call-ID with a CSeq not lower: the request fails */
	assert_int_equal(reg(&h, "c1", 1, "Contact: *\r\nExpires: 0\r\n"), 500);
	assert_string_equal(bob_now(&h), "sip:a@10.0.0.2 sip:b@10.0.0.3");
	assert_int_equal(reg(&h, "c1", 6, "Contact: *\r\nExpires: 0\r\n"), 200);
	assert_string_equal(h.contacts, "");
	assert_string_equal(bob_now(&h), "");
	assert_int_equal(sk_proxy_stats(h.px).bindings, 0);
	/* another Call-ID removes them whatever its CSeq */
	assert_int_equal(reg(&h, "c1", 7, "Contact: <sip:a@10.0.0.2>\r\n"), 200);
	assert_int_equal(reg(&h, "other", 1, "Contact: *\r\nExpires: 0\r\n"), 200);
	assert_string_equal(bob_now(&h), "");
	rh_free(&h);
}

/* §10.3 step 7: 423 with Min-Expires below the minimum; above the maximum, the maximum */
static void test_reg_interval(void **state)
{
	(void)state;
	struct rh h;
	rh_init(&h);
	assert_int_equal(reg(&h, "c1", 1, "Contact: <sip:a@10.0.0.2>\r\nExpires: 30\r\n"), 423);
	assert_string_equal(h.min_expires, "60");
	assert_int_equal(reg(&h, "c1", 2, "Contact: <sip:a@10.0.0.2>;expires=59\r\n"), 423);
	assert_string_equal(h.min_expires, "60");
	/* one brief Contact among several: all of the request is refused */
	assert_int_equal(
	    reg(&h, "c1", 3,
	        "Contact: <sip:a@10.0.0.2>;expires=600, <sip:b@10.0.0.2>;expires=1\r\n"),
	    423);
	assert_string_equal(bob_now(&h), "");
	assert_int_equal(reg(&h, "c1", 4, "Contact: <sip:a@10.0.0.2>;expires=60\r\n"), 200);
	assert_string_equal(h.contacts, "<sip:a@10.0.0.2>;expires=60");
	/* 0 is a removal, never 423 */
	assert_int_equal(reg(&h, "c1", 5, "Contact: <sip:a@10.0.0.2>\r\nExpires: 0\r\n"), 200);
	assert_string_equal(h.contacts, "");
	/* clamped to 3600 (§10.3 step 7: "MAY choose an expiration less than requested") */
	assert_int_equal(reg(&h, "c1", 6, "Contact: <sip:a@10.0.0.2>\r\nExpires: 7200\r\n"), 200);
	assert_string_equal(h.contacts, "<sip:a@10.0.0.2>;expires=3600");
	/* §10.2: beyond 2**32-1 counts as 2**32-1; malformed counts as 3600 */
	assert_int_equal(reg(&h, "c1", 7, "Contact: <sip:a@10.0.0.2>;expires=99999999999\r\n"),
	                 200);
	assert_string_equal(h.contacts, "<sip:a@10.0.0.2>;expires=3600");
	assert_int_equal(
	    reg(&h, "c1", 8, "Contact: <sip:b@10.0.0.2>;expires=soon\r\nExpires: 100\r\n"), 200);
	assert_string_equal(h.contacts,
	                    "<sip:a@10.0.0.2>;expires=3600, <sip:b@10.0.0.2>;expires=3600");
	/* an Expires header out of range (§20.19) is ignored: the default */
	assert_int_equal(reg(&h, "c1", 9, "Contact: <sip:c@10.0.0.2>\r\nExpires: 4294967296\r\n"),
	                 200);
	assert_string_equal(h.contacts, "<sip:a@10.0.0.2>;expires=3600, "
	                                "<sip:b@10.0.0.2>;expires=3600, "
	                                "<sip:c@10.0.0.2>;expires=3600");
	rh_free(&h);
}

/* the expires parameter of a Contact wins over the Expires header (§10.3 step 7) */
static void test_reg_expires_param(void **state)
{
	(void)state;
	struct rh h;
	rh_init(&h);
	assert_int_equal(reg(&h, "c1", 1,
	                     "Contact: <sip:a@10.0.0.2>;expires=300, <sip:b@10.0.0.2>\r\n"
	                     "Expires: 120\r\n"),
	                 200);
	assert_string_equal(h.contacts,
	                    "<sip:a@10.0.0.2>;expires=300, <sip:b@10.0.0.2>;expires=120");
	/* addr-spec form: parameters after the URI are header parameters (§20.10) */
	assert_int_equal(
	    reg(&h, "c1", 2, "Contact: sip:c@10.0.0.2;expires=200\r\nExpires: 120\r\n"), 200);
	assert_string_equal(h.contacts,
	                    "<sip:a@10.0.0.2>;expires=300, <sip:b@10.0.0.2>;expires=120, "
	                    "<sip:c@10.0.0.2>;expires=200");
	rh_free(&h);
}

/* §10.3 step 7: the Call-ID and CSeq order; a failed request changes nothing */
static void test_reg_cseq_order(void **state)
{
	(void)state;
	struct rh h;
	rh_init(&h);
	assert_int_equal(reg(&h, "c1", 5, "Contact: <sip:a@10.0.0.2>\r\nExpires: 600\r\n"), 200);
	assert_int_equal(reg(&h, "c1", 4, "Contact: <sip:a@10.0.0.2>\r\nExpires: 900\r\n"), 500);
	assert_int_equal(reg(&h, "c1", 5, "Contact: <sip:a@10.0.0.2>\r\nExpires: 900\r\n"), 500);
	assert_int_equal(reg(&h, "c1", 4, "Contact: <sip:a@10.0.0.2>;expires=0\r\n"), 500);
	/* atomic: the new binding before the failing one is not added either */
	assert_int_equal(reg(&h, "c1", 3, "Contact: <sip:new@10.0.0.2>, <sip:a@10.0.0.2>\r\n"),
	                 500);
	assert_int_equal(reg(&h, "c1", 6, NULL), 200);
	assert_string_equal(h.contacts, "<sip:a@10.0.0.2>;expires=600");
	struct sk_binding b[2];
	assert_int_equal(h.loc.ops->lookup(h.loc.st, "bob@example.com", sk_stack_now(h.ps), b, 2),
	                 1);
	assert_int_equal(b[0].cseq, 5); /* a query records nothing */
	/* another Call-ID: accepted whatever its CSeq, and recorded */
	assert_int_equal(reg(&h, "c2", 1, "Contact: <sip:a@10.0.0.2>\r\nExpires: 900\r\n"), 200);
	assert_string_equal(h.contacts, "<sip:a@10.0.0.2>;expires=900");
	assert_int_equal(h.loc.ops->lookup(h.loc.st, "bob@example.com", sk_stack_now(h.ps), b, 2),
	                 1);
	assert_string_equal(b[0].call_id, "c2");
	assert_int_equal(b[0].cseq, 1);
	/* now c1 is the other Call-ID */
	assert_int_equal(reg(&h, "c1", 2, "Contact: <sip:a@10.0.0.2>\r\nExpires: 300\r\n"), 200);
	assert_string_equal(h.contacts, "<sip:a@10.0.0.2>;expires=300");
	rh_free(&h);
}

/* limits: the registrar's 16 bindings per AOR and a smaller store: 500; a store full of AORs: 503
 */
static void test_reg_limits(void **state)
{
	(void)state;
	struct rh h;
	char extra[2048];
	size_t used = 0;
	rh_init(&h);
	for (int i = 0; i < 17; i++)
		used += (size_t)snprintf(extra + used, sizeof(extra) - used,
		                         "Contact: <sip:u%d@10.0.0.2>\r\n", i);
	assert_int_equal(reg(&h, "c1", 1, extra), 500);
	assert_string_equal(bob_now(&h), "");
	/* 16 fit; one more does not, a removal and an addition together do */
	char *last = strstr(extra, "Contact: <sip:u16@");
	*last = '\0';
	assert_int_equal(reg(&h, "c1", 2, extra), 200);
	assert_int_equal(reg(&h, "c1", 3, "Contact: <sip:u16@10.0.0.2>\r\n"), 500);
	assert_int_equal(
	    reg(&h, "c1", 4, "Contact: <sip:u16@10.0.0.2>, <sip:u0@10.0.0.2>;expires=0\r\n"), 200);
	assert_non_null(strstr(h.contacts, "<sip:u16@10.0.0.2>"));
	assert_null(strstr(h.contacts, "<sip:u0@10.0.0.2>"));
	assert_int_equal(sk_proxy_stats(h.px).bindings, 16);
	/* more Contact values than a REGISTER may carry */
	used = 0;
	for (int i = 0; i < 33; i++)
		used += (size_t)snprintf(extra + used, sizeof(extra) - used,
		                         "Contact: <sip:u%d@10.0.0.2>;expires=0\r\n", i);
	assert_int_equal(reg(&h, "c1", 5, extra), 500);
	rh_free(&h);

	/* a store with room for 2 bindings and 2 AORs: it refuses, the registrar
	 * puts everything back (§10.3 step 7) and answers 500 */
	rh_init_store(&h, 2, 2);
	assert_int_equal(reg(&h, "c1", 1, "Contact: <sip:a@10.0.0.2>;q=0.5, <sip:b@10.0.0.2>\r\n"),
	                 200);
	assert_int_equal(
	    reg(&h, "c1", 2,
	        "Contact: <sip:a@10.0.0.2>;expires=100, <sip:c@10.0.0.2>;expires=200\r\n"),
	    500);
	assert_int_equal(reg(&h, "c1", 3, NULL), 200);
	assert_string_equal(h.contacts,
	                    "<sip:b@10.0.0.2>;expires=3600, <sip:a@10.0.0.2>;expires=3600;q=0.5");
	assert_int_equal(reg_to(&h, "<sip:carol@example.com>", "c2", 1, "Contact: <sip:c@h>\r\n"),
	                 200);
	/* the store is full of AORs: try later (§21.5.4), not a failed update */
	assert_int_equal(reg_to(&h, "<sip:dave@example.com>", "c3", 1, "Contact: <sip:d@h>\r\n"),
	                 503);
	assert_string_equal(h.retry_after, "60");
	/* once carol's binding is gone, dave fits */
	assert_int_equal(
	    reg_to(&h, "<sip:carol@example.com>", "c2", 2, "Contact: *\r\nExpires: 0\r\n"), 200);
	assert_int_equal(reg_to(&h, "<sip:dave@example.com>", "c3", 2, "Contact: <sip:d@h>\r\n"),
	                 200);
	rh_free(&h);
}

/* step 5: a To that is no SIP URI (RFC 4475 §3.3.4), or not of our domain */
static void test_reg_bad_to(void **state)
{
	(void)state;
	struct rh h;
	rh_init(&h);
	assert_int_equal(reg_to(&h, "isbn:2983792873", "c1", 1, "Contact: <name:John_Smith>\r\n"),
	                 400);
	assert_int_equal(reg_to(&h, "<tel:+15551234>", "c1", 2, "Contact: <sip:a@10.0.0.2>\r\n"),
	                 400);
	assert_int_equal(
	    reg_to(&h, "<sip:bob@elsewhere.org>", "c1", 3, "Contact: <sip:a@10.0.0.2>\r\n"), 404);
	assert_int_equal(sk_proxy_stats(h.px).registers, 0);
	/* sips is the same AOR as sip; any Contact scheme may be registered (§10.2.1) */
	assert_int_equal(
	    reg_to(&h, "<sips:bob@example.com>", "c1", 4, "Contact: <mailto:bob@example.com>\r\n"),
	    200);
	assert_string_equal(bob_now(&h), "mailto:bob@example.com");
	rh_free(&h);
}

/* step 2: Require is processed as a UAS does (§8.2.2.3): 420 with Unsupported */
static void test_reg_require(void **state)
{
	(void)state;
	struct rh h;
	rh_init(&h);
	assert_int_equal(
	    reg(&h, "c1", 1,
	        "Require: path, gruu\r\nRequire: foo\r\nContact: <sip:a@10.0.0.2>\r\n"),
	    420);
	assert_string_equal(h.unsupported, "path, gruu, foo");
	assert_string_equal(bob_now(&h), "");
	/* Supported is only information */
	assert_int_equal(reg(&h, "c1", 2, "Supported: path\r\nContact: <sip:a@10.0.0.2>\r\n"), 200);
	rh_free(&h);
}

/* the proxy finds what the registrar stored: the same AOR for the Request-URI */
static void test_reg_then_invite(void **state)
{
	(void)state;
	struct rh h;
	rh_init(&h);
	assert_int_equal(reg(&h, "c1", 1, "Contact: <sip:bob@10.0.0.2:5060>\r\n"), 200);
	const char *invite = "INVITE sip:%62ob@Example.COM:5060 SIP/2.0\r\n"
	                     "Max-Forwards: 70\r\n"
	                     "From: <sip:alice@example.com>;tag=a1\r\n"
	                     "To: <sip:bob@example.com>\r\n"
	                     "Call-ID: inv1\r\n"
	                     "CSeq: 1 INVITE\r\n"
	                     "Contact: <sip:alice@10.0.0.2>\r\n"
	                     "Content-Length: 0\r\n\r\n";
	struct sk_target dst = {.proto = SK_PROTO_UDP, .addr = h.paddr};
	int finals = h.finals;
	assert_int_equal(
	    sk_txn_request(sk_stack_txl(h.cs), sk_str_c(invite), &dst, &rh_handler, &h, NULL), 0);
	rh_run(&h, 1000);
	assert_int_equal(h.invites, 1);
	assert_string_equal(h.ruri, "sip:bob@10.0.0.2:5060");
	assert_int_equal(h.finals, finals + 1);
	assert_int_equal(h.status, 486);
	rh_run(&h, 40000); /* let the transactions end */
	rh_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_loc_config),      cmocka_unit_test(test_loc_put_replace_remove),
	    cmocka_unit_test(test_loc_q_order),     cmocka_unit_test(test_loc_expiry),
	    cmocka_unit_test(test_loc_limits),      cmocka_unit_test(test_loc_many),
	    cmocka_unit_test(test_loc_full_is_o1),  cmocka_unit_test(test_reg_register),
	    cmocka_unit_test(test_reg_refresh),     cmocka_unit_test(test_reg_expiry),
	    cmocka_unit_test(test_reg_q_order),     cmocka_unit_test(test_reg_star),
	    cmocka_unit_test(test_reg_interval),    cmocka_unit_test(test_reg_expires_param),
	    cmocka_unit_test(test_reg_cseq_order),  cmocka_unit_test(test_reg_limits),
	    cmocka_unit_test(test_reg_bad_to),      cmocka_unit_test(test_reg_require),
	    cmocka_unit_test(test_reg_then_invite),
	};
	return cmocka_run_group_tests_name("registrar", tests, NULL, NULL);
}
