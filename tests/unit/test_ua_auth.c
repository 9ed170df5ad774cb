/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The caller answers Digest challenges (RFC 3261 §22.2, §22.3, RFC 7616, RFC 8760)
 * on simnet and virtual time. Node 0 is the caller (a UA with a password), node 1 a
 * scripted callee that challenges each INVITE as its script says and verifies the
 * credentials of every retry with the password:
 *  - challenge, retry, ring, cancel: the retry has CSeq + 1, the same Call-ID, From
 *    tag, To without tag and Route, a new branch; its CANCEL carries the retry's
 *    branch and CSeq, never the challenged INVITE's (§9.1); the call ends 487;
 *  - a 401 then a 407 (two realms): both credentials in the last retry, the reused
 *    nonce counted up (nc=2), and the ACK of the 2xx repeats them (§22.1);
 *  - a fresh nonce without stale=true: our credentials were refused, the call fails
 *    with that 401 (§22.1); stale=true: answered again; a server stale forever:
 *    bounded;
 *  - SHA-256 chosen over MD5 (RFC 8760 §2.4);
 *  - a cancel asked before the retry (deferred before the challenge, or from its
 *    response event): the INVITE is not sent again, the call ends rejected with the
 *    challenge, no CANCEL on the wire;
 *  - no password: a 407 ends the call.
 * After each, no call and no transaction is left on any node.
 */
#include "ua_harness.h"

#include "sipkit/auth.h"

#define PASSWORD "secret"

/* What the callee does with its nth INVITE (1-based). */
struct step {
	int code;          /* 401 or 407: challenge; 0: verify and go on (ring/answer policy) */
	const char *lines; /* challenge header lines */
};

struct challenger {
	const struct step *steps;
	int nsteps, invites;
	const struct step *bye_steps; /* the same for BYEs */
	int nbye, byes;
	int verified, refused; /* credential values checked at the callee */
	uint32_t last_nc[2];   /* per header kind of the last verified INVITE */
	char last_alg[16];
};

/* Checks every credential value of req with the password; returns how many verified. */
static int verify(struct challenger *ch, const struct sk_msg *req)
{
	static const enum sk_hdr_id ids[] = {SK_HDR_AUTHORIZATION, SK_HDR_PROXY_AUTHORIZATION};
	int ok = 0;
	for (int k = 0; k < 2; k++) {
		for (const struct sk_hdr *h = sk_msg_hdr_first(req, ids[k]); h;
		     h = h->next == UINT32_MAX ? NULL : sk_msg_hdr_at(req, h->next)) {
			struct sk_digest_credentials cr;
			char ha1[SK_DIGEST_HEX_MAX], resp[SK_DIGEST_HEX_MAX];
			assert_int_equal(sk_digest_credentials_parse(&cr, h->value), 0);
			assert_true(sk_str_eq(cr.uri, sk_msg_ruri_str(req)));
			assert_str_view(cr.username, "alice");
			assert_int_equal(
			    sk_digest_ha1(cr.alg, cr.username, cr.realm, sk_str_c(PASSWORD), ha1),
			    0);
			assert_int_equal(sk_digest_response(cr.alg, cr.sess, ha1, cr.nonce, cr.nc,
			                                    cr.cnonce, cr.qop, sk_msg_method(req),
			                                    cr.uri, resp),
			                 0);
			if (sk_digest_equal(cr.response, resp)) {
				ok++;
				ch->verified++;
			} else {
				ch->refused++;
			}
			ch->last_nc[k] = cr.nc_value;
			sk_str_cpy(ch->last_alg, sizeof(ch->last_alg),
			           sk_str_c(sk_digest_alg_name(cr.alg, cr.sess)));
		}
	}
	return ok;
}

static void challenger_request(struct hw_node *n, struct sk_txn *st, const struct sk_msg *req,
                               struct sk_txn *invite)
{
	struct challenger *ch = n->ctx;
	if (sk_str_eq(sk_msg_method(req), SK_STR_LIT("BYE"))) {
		int i = ch->byes++;
		verify(ch, req);
		if (i < ch->nbye && ch->bye_steps[i].code) {
			assert_int_equal(sk_test_respond(st, ch->bye_steps[i].code, NULL,
			                                 ch->bye_steps[i].lines),
			                 0);
			return;
		}
	}
	if (sk_str_eq(sk_msg_method(req), SK_STR_LIT("REGISTER"))) {
		int i = ch->invites++;
		verify(ch, req);
		if (i < ch->nsteps && ch->steps[i].code) {
			assert_int_equal(
			    sk_test_respond(st, ch->steps[i].code, "chal", ch->steps[i].lines), 0);
			return;
		}
		/* §10.3 step 8: the bindings with their expiry */
		char extra[256];
		const struct sk_addr *ct = sk_msg_addr(req, SK_HDR_CONTACT, 0);
		long e = sk_msg_expires(req);
		assert_non_null(ct);
		snprintf(extra, sizeof(extra), "Contact: <%.*s>;expires=%ld\r\n",
		         (int)ct->uri.raw.len, ct->uri.raw.p, e > 60 ? 60 : e);
		assert_int_equal(sk_test_respond(st, 200, "reg", e ? extra : NULL), 0);
		return;
	}
	if (sk_str_eq(sk_msg_method(req), SK_STR_LIT("INVITE"))) {
		int i = ch->invites++;
		verify(ch, req);
		if (i < ch->nsteps && ch->steps[i].code) {
			assert_int_equal(
			    sk_test_respond(st, ch->steps[i].code, "chal", ch->steps[i].lines), 0);
			return;
		}
	}
	hw_raw_default(n, st, req, invite);
}

/* Node 0 a UA calling with credentials, node 1 the scripted challenger. */
static struct sk_call *auth_call(struct uah *h, struct challenger *ch, const char *password,
                                 const char *route)
{
	struct hw_node *a = &h->nodes[0], *b = &h->nodes[1];
	b->ctx = ch;
	b->raw_request = challenger_request;
	struct sk_call_params p = {.to = "sip:bob@10.0.0.2:5060",
	                           .from = "sip:alice@example.test",
	                           .route = route,
	                           .password = password};
	struct sk_call *c = NULL;
	assert_int_equal(sk_call_invite(a->ua, &p, &c), 0);
	a->call = c;
	return c;
}

#define PROXY_407                                                                                  \
	"Proxy-Authenticate: Digest realm=\"proxy.test\", nonce=\"pn1\", qop=\"auth\", "           \
	"algorithm=MD5\r\n"

static void test_retry_ring_cancel(void **state)
{
	(void)state;
	static const struct step steps[] = {{407, PROXY_407}};
	struct challenger ch = {.steps = steps, .nsteps = 1};
	struct uah h;
	uah_init(&h, 301, 2, 1u << 1);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 0, .answer_ms = -1};
	struct sk_call *c = auth_call(&h, &ch, PASSWORD, "sip:10.0.0.2:5060");
	uah_run(&h, 100);
	assert_int_equal(sk_call_state(c), SK_CALL_EARLY);
	assert_int_equal(sk_call_auth_answers(c), 1);
	assert_int_equal(ch.invites, 2);
	assert_int_equal(ch.verified, 1);
	assert_int_equal(ch.refused, 0);
	assert_int_equal(sk_call_cancel(c, NULL), SK_CANCEL_SENT);
	uah_run(&h, 100);
	assert_string_equal(a->events, "r407 r180 r487 ended:cancelled ");
	assert_int_equal(a->last_status, 487);

	struct sk_msg *inv1 = uah_sent(a, "INVITE", NULL, 1),
	              *inv2 = uah_sent(a, "INVITE", NULL, 2);
	struct sk_msg *ack1 = uah_sent(a, "ACK", NULL, 1), *can = uah_sent(a, "CANCEL", NULL, 1);
	/* the retry (§22.1, §8.1.3): CSeq + 1, same Call-ID, From, To and Route, a new branch */
	assert_int_equal(sk_msg_cseq(inv2)->num, sk_msg_cseq(inv1)->num + 1);
	assert_true(sk_str_eq(sk_msg_call_id(inv2), sk_msg_call_id(inv1)));
	uah_assert_same_hdr(inv2, inv1, "From");
	uah_assert_same_hdr(inv2, inv1, "To");
	assert_int_equal(sk_msg_to(inv2)->tag.len, 0);
	uah_assert_same_hdr(inv2, inv1, "Route");
	assert_false(sk_str_eq(sk_msg_via(inv2, 0)->branch, sk_msg_via(inv1, 0)->branch));
	assert_true(sk_str_eq(sk_msg_ruri_str(inv2), sk_msg_ruri_str(inv1)));
	assert_false(hw_has(inv1, "Proxy-Authorization"));
	assert_true(hw_has(inv2, "Proxy-Authorization"));
	assert_false(hw_has(inv2, "Authorization"));
	assert_true(sk_str_eq(sk_msg_body(inv2), sk_msg_body(inv1)));
	/* the 407 was ACKed by the challenged INVITE's transaction (§17.1.1.3) */
	assert_true(sk_str_eq(sk_msg_via(ack1, 0)->branch, sk_msg_via(inv1, 0)->branch));
	assert_int_equal(sk_msg_cseq(ack1)->num, sk_msg_cseq(inv1)->num);
	/* the CANCEL matches the retried INVITE, never the challenged one (§9.1) */
	assert_true(sk_str_eq(sk_msg_via(can, 0)->branch, sk_msg_via(inv2, 0)->branch));
	assert_int_equal(sk_msg_cseq(can)->num, sk_msg_cseq(inv2)->num);
	uah_assert_same_hdr(can, inv2, "Route");
	assert_false(hw_has(can, "Proxy-Authorization")); /* §22.1: a CANCEL is not challenged */
	assert_int_equal(uah_count(a, true, "CANCEL", NULL), 1);
	/* the callee: 200 to the CANCEL and 487 to the retried INVITE */
	assert_int_equal(uah_count(b, true, "SIP/2.0 200", "CANCEL"), 1);
	assert_int_equal(uah_count(b, true, "SIP/2.0 487", "INVITE"), 1);
	assert_int_equal(uah_count(a, true, "INVITE", NULL), 2);
	sk_msg_free(inv1);
	sk_msg_free(inv2);
	sk_msg_free(ack1);
	sk_msg_free(can);
	uah_finish(&h);
}

static void test_401_then_407(void **state)
{
	(void)state;
	static const struct step steps[] = {
	    {401, "WWW-Authenticate: Digest realm=\"bob.test\", nonce=\"bn1\", qop=\"auth\"\r\n"},
	    {407, PROXY_407},
	};
	struct challenger ch = {.steps = steps, .nsteps = 2};
	struct uah h;
	uah_init(&h, 302, 2, 1u << 1);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 0, .answer_ms = 20};
	a->hangup_ms = 10;
	struct sk_call *c = auth_call(&h, &ch, PASSWORD, NULL);
	uah_run(&h, 200);
	assert_int_equal(ch.invites, 3);
	/* the second retry carries both: the callee's realm again (nc 2) and the proxy's */
	assert_int_equal(ch.verified, 1 + 2);
	assert_int_equal(ch.refused, 0);
	assert_int_equal(ch.last_nc[0], 2);
	assert_int_equal(ch.last_nc[1], 1);
	assert_string_equal(a->events, "r401 r407 r180 r200 answered ended:answered ");
	(void)c;
	struct sk_msg *inv3 = uah_sent(a, "INVITE", NULL, 3), *ack = uah_sent(a, "ACK", "ACK", 3);
	assert_int_equal(sk_msg_cseq(inv3)->num, 3);
	/* §13.2.2.4, §22.1: the ACK of the 2xx has the INVITE's credentials */
	assert_int_equal(sk_msg_cseq(ack)->num, 3);
	uah_assert_same_hdr(ack, inv3, "Authorization");
	uah_assert_same_hdr(ack, inv3, "Proxy-Authorization");
	sk_msg_free(inv3);
	sk_msg_free(ack);
	uah_finish(&h);
}

static void test_refused_then_stale(void **state)
{
	(void)state;
	/* a fresh nonce without stale: the credentials were refused, the call fails */
	static const struct step refused[] = {
	    {401, "WWW-Authenticate: Digest realm=\"bob.test\", nonce=\"n1\"\r\n"},
	    {401, "WWW-Authenticate: Digest realm=\"bob.test\", nonce=\"n2\"\r\n"},
	};
	struct challenger ch = {.steps = refused, .nsteps = 2};
	struct uah h;
	uah_init(&h, 303, 2, 1u << 1);
	struct hw_node *a = &h.nodes[0];
	h.nodes[1].pol = (struct hw_policy){.ring_ms = 0, .answer_ms = -1};
	struct sk_call *c = auth_call(&h, &ch, PASSWORD, NULL);
	uah_run(&h, 100);
	assert_int_equal(ch.invites, 2);
	assert_string_equal(a->events, "r401 r401 ended:rejected ");
	assert_int_equal(a->last_status, 401);
	assert_int_equal(a->last_outcome, SK_OUTCOME_REJECTED);
	assert_int_equal(uah_count(a, true, "ACK", NULL), 2);
	(void)c;
	uah_finish(&h);

	/* the same with stale=true: answered again, then the call goes on */
	static const struct step stale[] = {
	    {401, "WWW-Authenticate: Digest realm=\"bob.test\", nonce=\"n1\", qop=\"auth\"\r\n"},
	    {401, "WWW-Authenticate: Digest realm=\"bob.test\", nonce=\"n2\", stale=TRUE, "
	          "qop=\"auth\"\r\n"},
	};
	struct challenger ch2 = {.steps = stale, .nsteps = 2};
	uah_init(&h, 304, 2, 1u << 1);
	a = &h.nodes[0];
	h.nodes[1].pol = (struct hw_policy){.ring_ms = 0, .answer_ms = 10};
	a->hangup_ms = 10;
	c = auth_call(&h, &ch2, PASSWORD, NULL);
	uah_run(&h, 200);
	assert_int_equal(ch2.invites, 3);
	assert_int_equal(ch2.verified, 2);
	assert_int_equal(ch2.last_nc[0], 1); /* a new nonce counts from 1 */
	assert_string_equal(a->events, "r401 r401 r180 r200 answered ended:answered ");
	uah_finish(&h);

	/* a server that says stale=true forever: a bounded number of retries */
	static const struct step forever[] = {
	    {401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"x\", stale=true\r\n"},
	    {401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"x\", stale=true\r\n"},
	    {401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"x\", stale=true\r\n"},
	    {401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"x\", stale=true\r\n"},
	    {401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"x\", stale=true\r\n"},
	    {401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"x\", stale=true\r\n"},
	    {401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"x\", stale=true\r\n"},
	    {401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"x\", stale=true\r\n"},
	    {401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"x\", stale=true\r\n"},
	};
	struct challenger ch3 = {.steps = forever, .nsteps = 9};
	uah_init(&h, 305, 2, 1u << 1);
	a = &h.nodes[0];
	c = auth_call(&h, &ch3, PASSWORD, NULL);
	uah_run(&h, 200);
	assert_true(ch3.invites >= 2 && ch3.invites <= 7);
	assert_int_equal(a->last_outcome, SK_OUTCOME_REJECTED);
	assert_int_equal(a->last_status, 401);
	uah_finish(&h);
}

static void test_sha256_preferred(void **state)
{
	(void)state;
	/* RFC 8760 §2.4: SHA-256 first, MD5 for old clients; here in the other order */
	static const struct step steps[] = {
	    {401, "WWW-Authenticate: Digest realm=\"bob.test\", nonce=\"m\", algorithm=MD5, "
	          "qop=\"auth\"\r\n"
	          "WWW-Authenticate: Digest realm=\"bob.test\", nonce=\"s\", algorithm=SHA-256, "
	          "qop=\"auth\"\r\n"},
	};
	struct challenger ch = {.steps = steps, .nsteps = 1};
	struct uah h;
	uah_init(&h, 306, 2, 1u << 1);
	h.nodes[1].pol = (struct hw_policy){.ring_ms = 0, .answer_ms = -1};
	struct sk_call *c = auth_call(&h, &ch, PASSWORD, NULL);
	uah_run(&h, 100);
	assert_int_equal(ch.verified, 1);
	assert_string_equal(ch.last_alg, "SHA-256");
	struct sk_msg *inv2 = uah_sent(&h.nodes[0], "INVITE", NULL, 2);
	assert_int_equal(sk_msg_hdr_num(inv2, SK_HDR_AUTHORIZATION), 1);
	sk_msg_free(inv2);
	assert_int_equal(sk_call_cancel(c, NULL), SK_CANCEL_SENT);
	uah_run(&h, 100);
	assert_int_equal(h.nodes[0].last_outcome, SK_OUTCOME_CANCELLED);
	uah_finish(&h);
}

static void cancel_on_challenge(struct hw_node *n, struct sk_call *c, const struct sk_msg *m)
{
	int code = sk_msg_status(m);
	if (code == 401 || code == 407)
		assert_int_equal(sk_call_cancel(c, NULL), SK_CANCEL_DEFERRED);
	(void)n;
}

static void test_cancel_during_challenge(void **state)
{
	(void)state;
	static const struct step steps[] = {{407, PROXY_407}};
	/* asked from the 407's response event: the retry is not sent */
	struct challenger ch = {.steps = steps, .nsteps = 1};
	struct uah h;
	uah_init(&h, 307, 2, 1u << 1);
	struct hw_node *a = &h.nodes[0];
	h.nodes[1].pol = (struct hw_policy){.ring_ms = 0, .answer_ms = -1};
	a->on_response = cancel_on_challenge;
	struct sk_call *c = auth_call(&h, &ch, PASSWORD, NULL);
	(void)c;
	uah_run(&h, 100);
	assert_string_equal(a->events, "r407 ended:rejected ");
	assert_int_equal(a->last_status, 407);
	assert_int_equal(uah_count(a, true, "INVITE", NULL), 1);
	assert_int_equal(uah_count(a, true, "CANCEL", NULL), 0);
	assert_int_equal(sk_ua_stats(a->ua).cancels_sent, 0);
	uah_finish(&h);

	/* asked before the challenge came (deferred: no provisional yet, §9.1) */
	struct challenger ch2 = {.steps = steps, .nsteps = 1};
	uah_init(&h, 308, 2, 1u << 1);
	a = &h.nodes[0];
	uah_rule(&h, "SIP/2.0 407", NULL, 1)->delay = 50;
	c = auth_call(&h, &ch2, PASSWORD, NULL);
	uah_run(&h, 10);
	assert_int_equal(sk_call_cancel(c, NULL), SK_CANCEL_DEFERRED);
	uah_run(&h, 100);
	assert_string_equal(a->events, "r407 ended:rejected ");
	assert_int_equal(uah_count(a, true, "INVITE", NULL), 1);
	assert_int_equal(uah_count(a, true, "CANCEL", NULL), 0);
	uah_finish(&h);
}

static void test_no_password(void **state)
{
	(void)state;
	static const struct step steps[] = {{407, PROXY_407}};
	struct challenger ch = {.steps = steps, .nsteps = 1};
	struct uah h;
	uah_init(&h, 309, 2, 1u << 1);
	struct sk_call *c = auth_call(&h, &ch, NULL, NULL);
	uah_run(&h, 100);
	assert_string_equal(h.nodes[0].events, "r407 ended:rejected ");
	assert_int_equal(ch.invites, 1);
	(void)c;
	uah_finish(&h);

	/* only a challenge we cannot answer (auth-int, an unknown algorithm): rejected */
	static const struct step odd[] = {
	    {401, "WWW-Authenticate: Digest realm=\"r\", nonce=\"x\", qop=\"auth-int\"\r\n"
	          "WWW-Authenticate: Digest realm=\"r\", nonce=\"y\", algorithm=SHA-512-256\r\n"}};
	struct challenger ch2 = {.steps = odd, .nsteps = 1};
	uah_init(&h, 310, 2, 1u << 1);
	c = auth_call(&h, &ch2, PASSWORD, NULL);
	uah_run(&h, 100);
	assert_string_equal(h.nodes[0].events, "r401 ended:rejected ");
	assert_int_equal(ch2.invites, 1);
	uah_finish(&h);
}

struct regs_seen {
	int done, last;
	char trail[128];
};

static void reg_done(void *arg, struct sk_reg *r, int status)
{
	struct regs_seen *rs = arg;
	(void)r;
	rs->done++;
	rs->last = status;
	size_t n = strlen(rs->trail);
	snprintf(rs->trail + n, sizeof(rs->trail) - n, "%d ", status);
}

/* REGISTER challenged (§10.2, §22.2): answered, refreshed with credentials, removed. */
static void test_register_challenged(void **state)
{
	(void)state;
	static const struct step steps[] = {
	    {401, "WWW-Authenticate: Digest realm=\"reg.test\", nonce=\"r1\", qop=\"auth\", "
	          "algorithm=SHA-256\r\n"},
	    {0, NULL}, /* the answer: 200 */
	    {0, NULL}, /* the first refresh, credentials sent at once: 200 */
	    {401, "WWW-Authenticate: Digest realm=\"reg.test\", nonce=\"r2\", qop=\"auth\", "
	          "algorithm=SHA-256, stale=true\r\n"}, /* the second: the nonce went stale */
	};
	struct challenger ch = {.steps = steps, .nsteps = 4};
	struct regs_seen rs = {0};
	struct uah h;
	uah_init(&h, 311, 2, 1u << 1);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->ctx = &ch;
	b->raw_request = challenger_request;
	struct sk_reg_params p = {.registrar = "sip:10.0.0.2:5060",
	                          .aor = "sip:alice@reg.test",
	                          .expires = 600,
	                          .password = PASSWORD,
	                          .done = reg_done,
	                          .arg = &rs};
	struct sk_reg *r = NULL;
	assert_int_equal(sk_reg_start(a->ua, &p, &r), 0);
	uah_run(&h, 100);
	assert_int_equal(rs.done, 1);
	assert_int_equal(rs.last, 200);
	assert_int_equal(sk_reg_expires(r), 60); /* what the registrar granted */
	assert_int_equal(ch.invites, 2);
	assert_int_equal(ch.verified, 1);
	struct sk_msg *r1 = uah_sent(a, "REGISTER", NULL, 1),
	              *r2 = uah_sent(a, "REGISTER", NULL, 2);
	assert_int_equal(sk_msg_cseq(r2)->num, sk_msg_cseq(r1)->num + 1);
	assert_true(sk_str_eq(sk_msg_call_id(r2), sk_msg_call_id(r1)));
	uah_assert_same_hdr(r2, r1, "From");
	assert_false(hw_has(r1, "Authorization"));
	assert_true(hw_has(r2, "Authorization"));
	sk_msg_free(r1);
	sk_msg_free(r2);
	/* refreshed before the 60 s granted, same Call-ID, credentials at once (nc 2) */
	uah_run(&h, 31000);
	assert_int_equal(ch.invites, 3);
	assert_int_equal(ch.verified, 2);
	assert_int_equal(ch.last_nc[0], 2);
	assert_int_equal(rs.done, 2);
	/* the next refresh meets a stale nonce: answered again (nc 1 for the new one) */
	uah_run(&h, 31000);
	assert_int_equal(ch.invites, 5);
	assert_int_equal(ch.verified, 4);
	assert_int_equal(ch.last_nc[0], 1);
	assert_int_equal(rs.done, 3);
	assert_int_equal(rs.last, 200);
	struct sk_msg *r5 = uah_sent(a, "REGISTER", NULL, 5);
	assert_int_equal(sk_msg_cseq(r5)->num, 5);
	sk_msg_free(r5);
	/* removed: Expires 0, with credentials; reported, then freed */
	assert_int_equal(sk_reg_stop(r), 0);
	uah_run(&h, 100);
	assert_int_equal(rs.done, 4);
	assert_string_equal(rs.trail, "200 200 200 200 ");
	struct sk_msg *r6 = uah_sent(a, "REGISTER", NULL, 6);
	assert_int_equal(sk_msg_expires(r6), 0);
	assert_true(hw_has(r6, "Authorization"));
	sk_msg_free(r6);
	assert_int_equal(ch.refused, 0);
	uah_run(&h, 40000);
	assert_int_equal(sk_ua_regs(a->ua), 0);
	uah_finish(&h);

	/* wrong password: refused after one answer, retried 30 s later, stopped */
	static const struct step always[] = {
	    {401, "WWW-Authenticate: Digest realm=\"reg.test\", nonce=\"a\"\r\n"},
	    {401, "WWW-Authenticate: Digest realm=\"reg.test\", nonce=\"b\"\r\n"},
	    {401, "WWW-Authenticate: Digest realm=\"reg.test\", nonce=\"c\"\r\n"},
	    {401, "WWW-Authenticate: Digest realm=\"reg.test\", nonce=\"d\"\r\n"},
	    {401, "WWW-Authenticate: Digest realm=\"reg.test\", nonce=\"e\"\r\n"},
	    {401, "WWW-Authenticate: Digest realm=\"reg.test\", nonce=\"f\"\r\n"},
	};
	struct challenger ch2 = {.steps = always, .nsteps = 6};
	struct regs_seen rs2 = {0};
	uah_init(&h, 312, 2, 1u << 1);
	a = &h.nodes[0];
	h.nodes[1].ctx = &ch2;
	h.nodes[1].raw_request = challenger_request;
	p.password = "wrong";
	p.arg = &rs2;
	assert_int_equal(sk_reg_start(a->ua, &p, &r), 0);
	uah_run(&h, 100);
	assert_int_equal(ch2.invites, 2);
	assert_int_equal(ch2.refused, 1);
	assert_string_equal(rs2.trail, "401 ");
	uah_run(&h, 30000);
	assert_int_equal(ch2.invites, 4);
	assert_string_equal(rs2.trail, "401 401 ");
	assert_int_equal(sk_reg_stop(r), 0);
	uah_run(&h, 100);
	/* the removal: the server's next step (the script's fifth: 401) and its answer */
	assert_int_equal(ch2.invites, 6);
	assert_string_equal(rs2.trail, "401 401 401 ");
	uah_run(&h, 40000);
	assert_int_equal(sk_ua_regs(a->ua), 0);
	uah_finish(&h);
}

/* A BYE challenged (a proxy or the peer authenticating in-dialog requests): sent again
 * once with credentials, CSeq + 1; a second challenge ends it. */
static void test_bye_challenged(void **state)
{
	(void)state;
	static const struct step steps[] = {{407, PROXY_407}};
	static const struct step bye_steps[] = {
	    {401, "WWW-Authenticate: Digest realm=\"bob.test\", nonce=\"b1\", qop=\"auth\"\r\n"}};
	struct challenger ch = {.steps = steps, .nsteps = 1, .bye_steps = bye_steps, .nbye = 1};
	struct uah h;
	uah_init(&h, 313, 2, 1u << 1);
	struct hw_node *a = &h.nodes[0], *b = &h.nodes[1];
	b->pol = (struct hw_policy){.ring_ms = 0, .answer_ms = 10};
	a->hangup_ms = 10;
	auth_call(&h, &ch, PASSWORD, NULL);
	uah_run(&h, 200);
	assert_int_equal(ch.byes, 2);
	assert_int_equal(b->raw_byes, 1); /* the second one was answered 200 */
	/* INVITE 2 verified, BYE 2: the callee's realm and the proxy's again */
	assert_int_equal(ch.verified, 1 + 2);
	assert_int_equal(ch.refused, 0);
	assert_string_equal(a->events, "r407 r180 r200 answered ended:answered ");
	struct sk_msg *bye1 = uah_sent(a, "BYE", NULL, 1), *bye2 = uah_sent(a, "BYE", NULL, 2);
	assert_int_equal(sk_msg_cseq(bye2)->num, sk_msg_cseq(bye1)->num + 1);
	assert_true(hw_has(bye2, "Authorization"));
	uah_assert_same_hdr(bye2, bye1, "To");
	assert_false(hw_has(bye1, "Authorization"));
	sk_msg_free(bye1);
	sk_msg_free(bye2);
	uah_finish(&h);

	/* challenged twice: not answered again, the call still ends */
	static const struct step twice[] = {
	    {401, "WWW-Authenticate: Digest realm=\"bob.test\", nonce=\"b1\"\r\n"},
	    {401, "WWW-Authenticate: Digest realm=\"bob.test\", nonce=\"b2\"\r\n"}};
	struct challenger ch2 = {.steps = steps, .nsteps = 1, .bye_steps = twice, .nbye = 2};
	uah_init(&h, 314, 2, 1u << 1);
	a = &h.nodes[0];
	h.nodes[1].pol = (struct hw_policy){.ring_ms = 0, .answer_ms = 10};
	a->hangup_ms = 10;
	auth_call(&h, &ch2, PASSWORD, NULL);
	uah_run(&h, 200);
	assert_int_equal(ch2.byes, 2);
	assert_string_equal(a->events, "r407 r180 r200 answered ended:answered ");
	uah_finish(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_retry_ring_cancel),       cmocka_unit_test(test_401_then_407),
	    cmocka_unit_test(test_refused_then_stale),      cmocka_unit_test(test_sha256_preferred),
	    cmocka_unit_test(test_cancel_during_challenge), cmocka_unit_test(test_no_password),
	    cmocka_unit_test(test_register_challenged),     cmocka_unit_test(test_bye_challenged),
	};
	return cmocka_run_group_tests_name("ua_auth", tests, NULL, NULL);
}
