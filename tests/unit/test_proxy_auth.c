/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who may use the proxy, on simnet (issue 17; each case reproduces what a
 * stranger did to the proxy before the policy):
 *   - an open relay: with domains served, INVITE, OPTIONS, MESSAGE and
 *     REGISTER toward another host, through a Route header or a maddr, and
 *     unmatched CANCELs and ACKs, were forwarded for anyone: now 403 (481 for
 *     the CANCEL, nothing for the ACK), forwarded for a trusted source;
 *   - a request of a dialog passes only with our mark in its Route: a forged
 *     To tag and Route set is refused;
 *   - digest authentication (RFC 3261 §22, RFC 7616, RFC 8760): 401/407 with
 *     SHA-256 and MD5, the right password passes, a wrong one and an unknown
 *     user get the same challenge, another user's AOR is refused, nonce-count
 *     replays and old nonces get stale=true, failures block the source,
 *     CANCEL is never challenged, our credentials are not passed on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "proxy_harness.h"
#include "sipkit/auth.h"

#define PROXY_ADDR "10.0.0.2:5060"
#define PHONE_URI  "sip:carol@10.0.0.3:5060" /* node 2, a host outside our domain */

/* A request from raw node 0 with From/To of our choosing and extra lines. */
static struct sk_str req_as(char *buf, size_t size, const char *method, const char *ruri,
                            const char *from, const char *to, const char *call_id, unsigned cseq,
                            const char *extra)
{
	int k = snprintf(buf, size,
	                 "%s %s SIP/2.0\r\n"
	                 "Max-Forwards: 70\r\n"
	                 "From: <%s>;tag=raw%u\r\n"
	                 "To: %s%s%s\r\n"
	                 "Call-ID: %s\r\n"
	                 "CSeq: %u %s\r\n"
	                 "Contact: <sip:%s@10.0.0.1:5060>\r\n"
	                 "%s"
	                 "Content-Length: 0\r\n\r\n",
	                 method, ruri, from, cseq, to[0] == '<' ? "" : "<", to,
	                 to[0] == '<' ? "" : ">", call_id, cseq, method, "raw", extra ? extra : "");
	assert_true(k > 0 && (size_t)k < size);
	return (struct sk_str){buf, (size_t)k};
}

static void ask(struct ph *h, struct sk_str req, uint64_t ms)
{
	ph_raw_send(h, 0, SK_PROTO_UDP, req);
	ph_run(h, ms);
}

/* The status the proxy last answered node 0 for method. */
static int answered(struct ph *h, const char *what, int nth)
{
	return ph_find(h, PH_PROXY, 0, what, nth) >= 0;
}

/* ---- relaying ------------------------------------------------------------------ */

static struct ph *relay_world(uint64_t seed, const char *trust)
{
	struct ph_opts o = ph_opts(seed, 1);
	o.raw_mask = 1 | 1u << 2; /* node 2: a raw stack that would see what we relay */
	o.proxy.trust = trust;
	return ph_new(&o);
}

/* Each way a stranger used the proxy to reach a host outside its domain. */
static void test_no_open_relay(void **state)
{
	(void)state;
	struct ph *h = relay_world(700, NULL);
	char buf[1024];
	const char *from = "sip:mallory@evil.test", *to = "sip:carol@elsewhere.test";
	ask(h, req_as(buf, sizeof(buf), "INVITE", PHONE_URI, from, to, "r1@t", 1, NULL), 500);
	ask(h, req_as(buf, sizeof(buf), "OPTIONS", PHONE_URI, from, to, "r2@t", 1, NULL), 500);
	ask(h, req_as(buf, sizeof(buf), "MESSAGE", PHONE_URI, from, to, "r3@t", 1, NULL), 500);
	ask(h, req_as(buf, sizeof(buf), "REGISTER", "sip:10.0.0.3", to, to, "r4@t", 1, NULL), 500);
	/* a Route beyond ours, and a maddr: a request for our domain that goes elsewhere */
	ask(h,
	    req_as(buf, sizeof(buf), "INVITE", PH_AOR, from, PH_AOR, "r5@t", 1,
	           "Route: <sip:" PROXY_ADDR ";lr>, <sip:10.0.0.3:5060;lr>\r\n"),
	    500);
	ask(h,
	    req_as(buf, sizeof(buf), "INVITE", PH_AOR ";maddr=10.0.0.3", from, PH_AOR, "r6@t", 1,
	           NULL),
	    500);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "403", NULL), 6);
	assert_true(answered(h, "403/REGISTER", 1));
	/* CANCEL matching nothing: 481, not forwarded (§16.10); ACK: nothing */
	ask(h, req_as(buf, sizeof(buf), "CANCEL", PHONE_URI, from, to, "r7@t", 1, NULL), 500);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "481/CANCEL", NULL), 1);
	struct sk_str ack = req_as(buf, sizeof(buf), "ACK", PHONE_URI, from, to, "r8@t", 1, NULL);
	struct sk_target dst = {.proto = SK_PROTO_UDP, .addr = h->nodes[PH_PROXY].addr};
	assert_int_equal(sk_txl_send_stateless(sk_stack_txl(h->nodes[0].st), ack, &dst), 0);
	ph_run(h, 500);
	assert_int_equal(ph_count(h, PH_PROXY, 2, NULL, NULL), 0);
	assert_int_equal(sk_proxy_stats(h->proxy).relay_denied, 8);
	ph_finish(h);
}

/* The same requests from a trusted source (a peering proxy) are relayed. */
static void test_trusted_source_relays(void **state)
{
	(void)state;
	struct ph *h = relay_world(701, "10.0.0.1/32");
	char buf[1024];
	const char *from = "sip:peer@peer.test", *to = "sip:carol@elsewhere.test";
	ask(h, req_as(buf, sizeof(buf), "OPTIONS", PHONE_URI, from, to, "t1@t", 1, NULL), 500);
	ask(h, req_as(buf, sizeof(buf), "MESSAGE", PHONE_URI, from, to, "t2@t", 1, NULL), 500);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "OPTIONS", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "MESSAGE", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "403", NULL), 0);
	ph_finish(h);
}

/* No domain: the lab proxy of §16 relays anything, as before. */
static void test_open_proxy_without_domain(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(702, 1);
	o.raw_mask = 1 | 1u << 2;
	o.proxy.domain = NULL;
	struct ph *h = ph_new(&o);
	char buf[1024];
	ask(h,
	    req_as(buf, sizeof(buf), "OPTIONS", PHONE_URI, "sip:a@a.test", "sip:c@c.test", "o1@t",
	           1, NULL),
	    500);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "OPTIONS", NULL), 1);
	ph_finish(h);
}

/*
 * A request of a dialog passes when the Route value naming us carries the mark
 * our Record-Route gave the dialog; a To tag and a Route set anyone can write
 * do not open the relay.
 */
static void test_dialog_mark(void **state)
{
	(void)state;
	struct ph_opts o = ph_opts(703, 1);
	o.proxy.record_route = true;
	struct ph *h = ph_new(&o);
	ph_route(h, "bob", 2, 1);
	ph_phone(h, 2, 10, 100, 0); /* answers */
	struct sk_call *c = ph_call(h, SK_PROTO_UDP);
	assert_non_null(c);
	ph_run(h, 2000); /* answered, hung up after 500 ms: the BYE went through the mark */
	assert_int_equal(ph_count(h, PH_PROXY, 2, "BYE", NULL), 1);
	const struct hw_wire *inv = ph_get(h, PH_PROXY, 2, "INVITE", 1);
	struct sk_msg *m = hw_wire_parse(inv);
	const struct sk_addr *rr = sk_msg_addr(m, SK_HDR_RECORD_ROUTE, 0);
	struct sk_str mark;
	assert_non_null(rr);
	assert_int_equal(sk_uri_param(&rr->uri, "sk", &mark), 0);
	assert_int_equal(mark.len, 16);
	sk_msg_free(m);
	assert_int_equal(ph_count(h, PH_PROXY, -1, "403", NULL), 0);
	ph_finish(h);

	/* a forged dialog: To tag, our address in Route, then a victim */
	o = ph_opts(704, 1);
	o.raw_mask = 1 | 1u << 2;
	h = ph_new(&o);
	char buf[1024];
	ask(h,
	    req_as(buf, sizeof(buf), "MESSAGE", PHONE_URI, "sip:m@evil.test",
	           "<sip:carol@10.0.0.3>;tag=forged", "f1@t", 2,
	           "Route: <sip:" PROXY_ADDR ";lr;sk=0123456789abcdef>\r\n"),
	    500);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "MESSAGE", NULL), 0);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "403/MESSAGE", NULL), 1);
	ph_finish(h);
}

/* ---- digest authentication ---------------------------------------------------- */

struct auth_world {
	struct ph *h;
	char users[64];
};

static void write_users(const char *path, const char *password_bob)
{
	char ha1[SK_DIGEST_HEX_MAX], ha256[SK_DIGEST_HEX_MAX];
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "# user:realm:HA1[:HA1-SHA-256]\n");
	const char *names[] = {"alice", "bob"}, *pw[] = {"alice-pw", password_bob};
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sk_digest_ha1(SK_DIGEST_MD5, sk_str_c(names[i]),
		                               sk_str_c(PH_DOMAIN), sk_str_c(pw[i]), ha1),
		                 0);
		assert_int_equal(sk_digest_ha1(SK_DIGEST_SHA256, sk_str_c(names[i]),
		                               sk_str_c(PH_DOMAIN), sk_str_c(pw[i]), ha256),
		                 0);
		fprintf(f, "%s:%s:%s:%s\n", names[i], PH_DOMAIN, ha1, ha256);
	}
	fclose(f);
}

static void auth_world_trusting(struct auth_world *aw, uint64_t seed, const char *trust)
{
	snprintf(aw->users, sizeof(aw->users), "/tmp/sk-users-%d-%llu", (int)getpid(),
	         (unsigned long long)seed);
	write_users(aw->users, "bob-pw");
	struct ph_opts o = ph_opts(seed, 1);
	o.raw_mask = 1;
	o.proxy.users_file = aw->users;
	o.proxy.registrar = true;
	o.proxy.trust = trust;
	aw->h = ph_new(&o);
}

static void auth_world(struct auth_world *aw, uint64_t seed)
{
	auth_world_trusting(aw, seed, NULL);
}

static void auth_done(struct auth_world *aw)
{
	ph_finish(aw->h);
	unlink(aw->users);
}

/* The challenge of the nth response `what` to node 0 (alg: the one to answer). */
static void challenge_of(struct ph *h, const char *what, int nth, enum sk_digest_alg alg,
                         char *nonce, size_t size, bool *stale)
{
	const struct hw_wire *w = ph_get(h, PH_PROXY, 0, what, nth);
	assert_non_null(w);
	struct sk_msg *m = hw_wire_parse(w);
	enum sk_hdr_id id = w->status == 401 ? SK_HDR_WWW_AUTHENTICATE : SK_HDR_PROXY_AUTHENTICATE;
	int seen = 0;
	for (const struct sk_hdr *x = sk_msg_hdr_first(m, id); x;
	     x = x->next == UINT32_MAX ? NULL : sk_msg_hdr_at(m, x->next)) {
		struct sk_digest_challenge ch;
		assert_int_equal(sk_digest_challenge_parse(&ch, x->value), 0);
		assert_true(ch.qop_auth);
		assert_true(sk_str_eq(ch.realm, sk_str_c(PH_DOMAIN)));
		seen |= 1 << ch.alg;
		if (ch.alg == alg) {
			sk_str_cpy(nonce, size, ch.nonce);
			*stale = ch.stale;
		}
	}
	assert_int_equal(seen, 1 << SK_DIGEST_MD5 | 1 << SK_DIGEST_SHA256); /* RFC 8760 §2.4 */
	/* MD5 first by default: clients that take the first challenge blindly (SIPp) */
	struct sk_digest_challenge first;
	assert_int_equal(sk_digest_challenge_parse(&first, sk_msg_hdr_first(m, id)->value), 0);
	assert_int_equal(first.alg, SK_DIGEST_MD5);
	sk_msg_free(m);
}

/* "Authorization: ..." for user/password on nonce, with nonce count nc. */
static void credentials(char *out, size_t size, bool www, enum sk_digest_alg alg, const char *user,
                        const char *pw, const char *nonce, const char *method, const char *uri,
                        uint32_t nc)
{
	char ch_text[512], value[1024];
	snprintf(ch_text, sizeof(ch_text),
	         "Digest realm=\"%s\", nonce=\"%s\", qop=\"auth\", algorithm=%s", PH_DOMAIN, nonce,
	         alg == SK_DIGEST_SHA256 ? "SHA-256" : "MD5");
	struct sk_digest_challenge ch;
	assert_int_equal(sk_digest_challenge_parse(&ch, sk_str_c(ch_text)), 0);
	assert_int_equal(sk_digest_authorize(&ch, sk_str_c(user), sk_str_c(pw), sk_str_c(method),
	                                     sk_str_c(uri), sk_str_c("0a4f113b"), nc, value,
	                                     sizeof(value)),
	                 0);
	snprintf(out, size, "%s: %s\r\n", www ? "Authorization" : "Proxy-Authorization", value);
}

static void test_register_challenged(void **state)
{
	(void)state;
	struct auth_world aw;
	auth_world(&aw, 710);
	struct ph *h = aw.h;
	char buf[2048], cred[1200], nonce[128];
	bool stale;
	const char *reg_uri = "sip:" PH_DOMAIN;
	/* no credentials: 401 offering SHA-256 and MD5 */
	ask(h, req_as(buf, sizeof(buf), "REGISTER", reg_uri, PH_AOR, PH_AOR, "g1@t", 1, NULL), 500);
	challenge_of(h, "401/REGISTER", 1, SK_DIGEST_SHA256, nonce, sizeof(nonce), &stale);
	assert_false(stale);
	/* the right password, SHA-256: 200 */
	credentials(cred, sizeof(cred), true, SK_DIGEST_SHA256, "bob", "bob-pw", nonce, "REGISTER",
	            reg_uri, 1);
	ask(h, req_as(buf, sizeof(buf), "REGISTER", reg_uri, PH_AOR, PH_AOR, "g1@t", 2, cred), 500);
	if (!answered(h, "200/REGISTER", 1))
		ph_dump(h);
	assert_true(answered(h, "200/REGISTER", 1));
	assert_int_equal(sk_proxy_stats(h->proxy).registers, 1);
	/* the same credentials again (a replay, same nc): stale, not 200 */
	ask(h, req_as(buf, sizeof(buf), "REGISTER", reg_uri, PH_AOR, PH_AOR, "g1@t", 3, cred), 500);
	challenge_of(h, "401/REGISTER", 2, SK_DIGEST_MD5, nonce, sizeof(nonce), &stale);
	assert_true(stale);
	/* MD5 on the new nonce: 200 */
	credentials(cred, sizeof(cred), true, SK_DIGEST_MD5, "bob", "bob-pw", nonce, "REGISTER",
	            reg_uri, 1);
	ask(h, req_as(buf, sizeof(buf), "REGISTER", reg_uri, PH_AOR, PH_AOR, "g1@t", 4, cred), 500);
	assert_true(answered(h, "200/REGISTER", 2));
	/* alice's right password for bob's AOR: 403 (§10.3 step 3) */
	credentials(cred, sizeof(cred), true, SK_DIGEST_MD5, "alice", "alice-pw", nonce, "REGISTER",
	            reg_uri, 2);
	ask(h, req_as(buf, sizeof(buf), "REGISTER", reg_uri, PH_AOR, PH_AOR, "g2@t", 1, cred), 500);
	assert_true(answered(h, "403/REGISTER", 1));
	/* an old nonce (past its life) with the right password: stale=true */
	ph_run(h, 301000);
	credentials(cred, sizeof(cred), true, SK_DIGEST_MD5, "bob", "bob-pw", nonce, "REGISTER",
	            reg_uri, 3);
	ask(h, req_as(buf, sizeof(buf), "REGISTER", reg_uri, PH_AOR, PH_AOR, "g1@t", 5, cred), 500);
	challenge_of(h, "401/REGISTER", 3, SK_DIGEST_MD5, nonce, sizeof(nonce), &stale);
	assert_true(stale);
	auth_done(&aw);
}

/*
 * svwar and svcrack: an unknown user and a wrong password get the same answer;
 * an INVITE to an existing and to an unknown user the same 407; ten failures
 * block the source.
 */
static void test_no_enumeration_and_throttle(void **state)
{
	(void)state;
	struct auth_world aw;
	auth_world(&aw, 711);
	struct ph *h = aw.h;
	char buf[2048], cred[1200], nonce[128];
	bool stale;
	ask(h, req_as(buf, sizeof(buf), "INVITE", PH_AOR, PH_AOR, PH_AOR, "e1@t", 1, NULL), 500);
	ask(h,
	    req_as(buf, sizeof(buf), "INVITE", "sip:nobody@" PH_DOMAIN, "sip:nobody@" PH_DOMAIN,
	           "sip:nobody@" PH_DOMAIN, "e2@t", 1, NULL),
	    500);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "407/INVITE", NULL), 2);
	challenge_of(h, "407/INVITE", 1, SK_DIGEST_MD5, nonce, sizeof(nonce), &stale);
	/* wrong password, unknown user: each a 401 alike */
	const char *reg_uri = "sip:" PH_DOMAIN;
	for (int i = 0; i < 9; i++) {
		bool unknown = i % 2;
		const char *aor = unknown ? "sip:nobody@" PH_DOMAIN : PH_AOR;
		credentials(cred, sizeof(cred), true, SK_DIGEST_MD5, unknown ? "nobody" : "bob",
		            "guess", nonce, "REGISTER", reg_uri, (uint32_t)i + 1);
		ask(h,
		    req_as(buf, sizeof(buf), "REGISTER", reg_uri, aor, aor, "e3@t", (unsigned)i + 1,
		           cred),
		    200);
	}
	assert_int_equal(ph_count(h, PH_PROXY, 0, "401/REGISTER", NULL), 9);
	assert_int_equal(sk_proxy_stats(h->proxy).auth_failed, 9);
	/* the tenth failure blocks: from then on 403, the right password included */
	credentials(cred, sizeof(cred), true, SK_DIGEST_MD5, "bob", "guess", nonce, "REGISTER",
	            reg_uri, 20);
	ask(h, req_as(buf, sizeof(buf), "REGISTER", reg_uri, PH_AOR, PH_AOR, "e3@t", 20, cred),
	    200);
	assert_int_equal(sk_proxy_stats(h->proxy).auth_blocked, 1);
	credentials(cred, sizeof(cred), true, SK_DIGEST_MD5, "bob", "bob-pw", nonce, "REGISTER",
	            reg_uri, 21);
	ask(h, req_as(buf, sizeof(buf), "REGISTER", reg_uri, PH_AOR, PH_AOR, "e3@t", 21, cred),
	    200);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "403/REGISTER", NULL), 1);
	assert_int_equal(sk_proxy_stats(h->proxy).registers, 0);
	auth_done(&aw);
}

/*
 * An authenticated INVITE is forwarded without our credentials; its CANCEL is
 * not challenged (§22.1) and cancels the branch; a From that is not the
 * authenticated user is refused.
 */
static void test_invite_authenticated_and_cancelled(void **state)
{
	(void)state;
	struct auth_world aw;
	auth_world(&aw, 712);
	struct ph *h = aw.h;
	ph_route(h, "bob", 2, 1); /* node 2: a phone that rings and never answers */
	ph_phone(h, 2, 10, -1, 0);
	char buf[2048], cred[1200], nonce[128];
	bool stale;
	const char *alice = "sip:alice@" PH_DOMAIN;
	ask(h, req_as(buf, sizeof(buf), "INVITE", PH_AOR, alice, PH_AOR, "i1@t", 1, NULL), 500);
	challenge_of(h, "407/INVITE", 1, SK_DIGEST_SHA256, nonce, sizeof(nonce), &stale);
	credentials(cred, sizeof(cred), false, SK_DIGEST_SHA256, "alice", "alice-pw", nonce,
	            "INVITE", PH_AOR, 1);
	struct sk_str inv =
	    req_as(buf, sizeof(buf), "INVITE", PH_AOR, alice, PH_AOR, "i1@t", 2, cred);
	struct sk_txn *t = ph_raw_send(h, 0, SK_PROTO_UDP, inv);
	assert_non_null(t);
	ph_run(h, 500);
	const struct hw_wire *fwd = ph_get(h, PH_PROXY, 2, "INVITE", 1);
	assert_non_null(fwd);
	assert_null(strstr(fwd->data, "Proxy-Authorization"));
	assert_int_equal(ph_count(h, 2, PH_PROXY, "180/INVITE", NULL), 1);
	/* the CANCEL carries no credentials and needs none */
	assert_int_equal(sk_txn_cancel(t, NULL, NULL, NULL), 0);
	ph_run(h, 2000);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "200/CANCEL", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "CANCEL", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "487/INVITE", NULL), 1);
	/* bob's From with alice's credentials: 403 */
	credentials(cred, sizeof(cred), false, SK_DIGEST_SHA256, "alice", "alice-pw", nonce,
	            "INVITE", PH_AOR, 2);
	ask(h, req_as(buf, sizeof(buf), "INVITE", PH_AOR, PH_AOR, PH_AOR, "i2@t", 1, cred), 500);
	assert_int_equal(ph_count(h, PH_PROXY, 0, "403/INVITE", NULL), 1);
	assert_int_equal(ph_count(h, PH_PROXY, 2, "INVITE", NULL), 1);
	auth_done(&aw);
}

/* §16.5: a user with no binding is 480, an unknown one 404, each with a Warning saying why. */
static void test_no_target(void **state)
{
	(void)state;
	struct auth_world aw;
	auth_world_trusting(&aw, 714, "10.0.0.1/32"); /* a peer: past the challenge */
	struct ph *h = aw.h;
	char buf[2048];
	const char *alice = "sip:alice@" PH_DOMAIN, *nobody = "sip:nobody@" PH_DOMAIN;
	ask(h, req_as(buf, sizeof(buf), "INVITE", alice, "sip:p@peer.test", alice, "n1@t", 1, NULL),
	    500);
	ask(h,
	    req_as(buf, sizeof(buf), "INVITE", nobody, "sip:p@peer.test", nobody, "n2@t", 1, NULL),
	    500);
	const char *want[2][2] = {{"480/INVITE", "no registered contact"},
	                          {"404/INVITE", "no such user"}};
	for (int i = 0; i < 2; i++) {
		const struct hw_wire *w = ph_get(h, PH_PROXY, 0, want[i][0], 1);
		assert_non_null(w);
		struct sk_msg *m = hw_wire_parse(w);
		const struct sk_hdr *warn = sk_msg_hdr_find(m, "Warning");
		assert_non_null(warn);
		char v[128];
		sk_str_cpy(v, sizeof(v), warn->value);
		assert_non_null(strstr(v, want[i][1]));
		assert_int_equal(strncmp(v, "399 ", 4), 0);
		sk_msg_free(m);
	}
	auth_done(&aw);
}

/* A users file that does not parse stops the start; a reload that fails keeps the users. */
static void test_users_file(void **state)
{
	(void)state;
	struct auth_world aw;
	auth_world(&aw, 713);
	assert_int_equal(sk_proxy_users(aw.h->proxy), 2);
	FILE *f = fopen(aw.users, "w");
	fprintf(f, "carol:" PH_DOMAIN ":not-hex\n");
	fclose(f);
	char err[300];
	assert_int_equal(sk_proxy_users_reload(aw.h->proxy, err, sizeof(err)), -SK_EINVAL);
	assert_non_null(strstr(err, ":1:"));
	assert_int_equal(sk_proxy_users(aw.h->proxy), 2);
	auth_done(&aw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    PH_TEST(test_no_open_relay),
	    PH_TEST(test_trusted_source_relays),
	    PH_TEST(test_open_proxy_without_domain),
	    PH_TEST(test_dialog_mark),
	    PH_TEST(test_register_challenged),
	    PH_TEST(test_no_enumeration_and_throttle),
	    PH_TEST(test_invite_authenticated_and_cancelled),
	    PH_TEST(test_no_target),
	    PH_TEST(test_users_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
