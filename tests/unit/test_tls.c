/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS sessions on memory buffers (src/transport/tls.c), a client and a server
 * pumped into each other in memory, with a PKI made at run time (pki.h):
 *  - the handshake, plaintext both ways, plaintext written before the end of
 *    the handshake held and sent after it
 *  - RFC 5922 §7.2: the server's name checked (DNS subjectAltName, an IP
 *    address literal), a mismatch refused, a wildcard never matching, an
 *    expired certificate and one from an untrusted CA refused; insecure mode
 *    accepting anything (labs)
 *  - mutual TLS: a client certificate required and verified, none refused
 *  - hostile bytes: garbage instead of a ClientHello, a truncated record
 *    (waits, nothing delivered), too much unread ciphertext, too much plaintext
 *    held during a handshake: each refused with a bounded cost
 */
#include "sk_test.h"

#include "pki.h"

#include "../../src/transport/tls.h"

static struct sk_test_pki pki;

static int pki_setup(void **state)
{
	(void)state;
	return sk_test_pki_make(&pki);
}

static int pki_teardown(void **state)
{
	(void)state;
	sk_test_pki_remove(&pki);
	return 0;
}

struct pair {
	struct sk_tls_ctx *sctx, *cctx;
	struct sk_tls_conn *srv, *cli;
	char srv_got[65536], cli_got[65536];
	size_t srv_len, cli_len;
	int srv_rc, cli_rc;
};

static const char *p(const char *name)
{
	static char bufs[8][512];
	static int i;
	i = (i + 1) % 8;
	return sk_test_pki_path(&pki, name, bufs[i], sizeof(bufs[i]));
}

/* Moves ciphertext from one end to the other and takes the plaintext out. */
static int move(struct sk_tls_conn *from, struct sk_tls_conn *to, char *got, size_t *got_len,
                size_t got_cap, int *rc)
{
	char buf[4096];
	int moved = 0;
	size_t n;
	while ((n = sk_tls_conn_take(from, buf, sizeof(buf))) > 0) {
		moved = 1;
		if (*rc == 0)
			*rc = sk_tls_conn_feed(to, buf, n);
	}
	size_t r;
	do {
		r = 0;
		if (sk_tls_conn_read(to, got + *got_len, got_cap - *got_len, &r) < 0 && *rc == 0)
			*rc = -SK_EIO;
		*got_len += r;
	} while (r);
	return moved;
}

static void pump(struct pair *pr)
{
	for (int i = 0; i < 20; i++) {
		int a = move(pr->cli, pr->srv, pr->srv_got, &pr->srv_len, sizeof(pr->srv_got),
		             &pr->srv_rc);
		int b = move(pr->srv, pr->cli, pr->cli_got, &pr->cli_len, sizeof(pr->cli_got),
		             &pr->cli_rc);
		if (!a && !b)
			return;
	}
}

/* A server with cert, a client trusting ca (NULL: insecure) expecting host. */
static void pair_open(struct pair *pr, const char *cert, const char *key, const char *ca,
                      const char *host, const struct sk_tls_config *more)
{
	memset(pr, 0, sizeof(*pr));
	struct sk_tls_config s = {.cert_file = p(cert), .key_file = p(key)};
	struct sk_tls_config c = {.ca_file = ca ? p(ca) : NULL, .insecure = !ca};
	if (more) {
		s.verify_client = more->verify_client;
		s.ca_file = more->verify_client ? p("ca.pem") : NULL;
		c.cert_file = more->cert_file;
		c.key_file = more->key_file;
		s.max_pending = c.max_pending = more->max_pending;
	}
	char why[200];
	assert_int_equal(sk_tls_ctx_new(&pr->sctx, &s, true, why, sizeof(why)), 0);
	assert_int_equal(sk_tls_ctx_new(&pr->cctx, &c, false, why, sizeof(why)), 0);
	assert_int_equal(sk_tls_conn_new(&pr->srv, pr->sctx, NULL), 0);
	assert_int_equal(sk_tls_conn_new(&pr->cli, pr->cctx, host), 0);
	assert_true(sk_tls_conn_pending(pr->cli) > 0); /* the ClientHello */
}

static void pair_close(struct pair *pr)
{
	sk_tls_conn_free(pr->srv);
	sk_tls_conn_free(pr->cli);
	sk_tls_ctx_free(pr->sctx);
	sk_tls_ctx_free(pr->cctx);
}

static void test_handshake_and_data(void **state)
{
	(void)state;
	struct pair pr;
	pair_open(&pr, "server.pem", "server.key", "ca.pem", "sip.test", NULL);
	/* written before the handshake ends: held, then sent */
	assert_int_equal(sk_tls_conn_write(pr.cli, "OPTIONS ", 8), 0);
	assert_int_equal(sk_tls_conn_state(pr.cli), SK_TLS_HANDSHAKE);
	pump(&pr);
	assert_int_equal(pr.srv_rc, 0);
	assert_int_equal(pr.cli_rc, 0);
	assert_int_equal(sk_tls_conn_state(pr.cli), SK_TLS_UP);
	assert_int_equal(sk_tls_conn_state(pr.srv), SK_TLS_UP);
	assert_string_equal(sk_tls_conn_version(pr.cli), "TLSv1.3");
	assert_true(sk_tls_conn_peer_verified(pr.cli));
	assert_int_equal(sk_tls_conn_write(pr.cli, "sip:x SIP/2.0", 13), 0);
	assert_int_equal(sk_tls_conn_write(pr.srv, "SIP/2.0 200 OK", 14), 0);
	pump(&pr);
	assert_int_equal(pr.srv_len, 21);
	assert_memory_equal(pr.srv_got, "OPTIONS sip:x SIP/2.0", 21);
	assert_int_equal(pr.cli_len, 14);
	assert_memory_equal(pr.cli_got, "SIP/2.0 200 OK", 14);
	/* a message larger than one record (16 KiB) arrives whole */
	static char big[40000];
	memset(big, 'x', sizeof(big));
	assert_int_equal(sk_tls_conn_write(pr.srv, big, sizeof(big)), 0);
	pump(&pr);
	assert_int_equal(pr.cli_len, 14 + sizeof(big));
	/* close_notify: the other end sees the session closed */
	sk_tls_conn_shutdown(pr.cli);
	pump(&pr);
	assert_int_equal(sk_tls_conn_state(pr.srv), SK_TLS_CLOSED);
	assert_int_equal(sk_tls_conn_write(pr.srv, "x", 1), -SK_EIO);
	pair_close(&pr);
}

/* The client refuses the server: its state FAILED with a reason, the server hears an alert. */
static void expect_refused(const char *cert, const char *key, const char *host, const char *why)
{
	struct pair pr;
	pair_open(&pr, cert, key, "ca.pem", host, NULL);
	assert_int_equal(sk_tls_conn_write(pr.cli, "INVITE", 6), 0);
	pump(&pr);
	assert_int_equal(pr.cli_rc, -SK_EIO);
	assert_int_equal(sk_tls_conn_state(pr.cli), SK_TLS_FAILED);
	if (!strstr(sk_tls_conn_error(pr.cli), why))
		fail_msg("%s for %s: \"%s\" does not say \"%s\"", cert, host,
		         sk_tls_conn_error(pr.cli), why);
	assert_int_equal(pr.srv_len, 0); /* nothing of ours reached a server we refused */
	assert_int_equal(sk_tls_conn_write(pr.cli, "x", 1), -SK_EIO);
	pair_close(&pr);
}

static void test_names(void **state)
{
	(void)state;
	struct pair pr;
	/* RFC 5922 §7.2: an address literal against iPAddress */
	pair_open(&pr, "server.pem", "server.key", "ca.pem", "127.0.0.1", NULL);
	pump(&pr);
	assert_int_equal(sk_tls_conn_state(pr.cli), SK_TLS_UP);
	pair_close(&pr);
	pair_open(&pr, "server.pem", "server.key", "ca.pem", "[::1]", NULL);
	pump(&pr);
	assert_int_equal(sk_tls_conn_state(pr.cli), SK_TLS_UP);
	pair_close(&pr);
	expect_refused("server.pem", "server.key", "other.test", "mismatch");
	expect_refused("server.pem", "server.key", "10.1.2.3", "mismatch");
	/* §7.2: "wildcard ... MUST NOT" match */
	expect_refused("wild.pem", "wild.key", "a.test", "mismatch");
}

static void test_untrusted(void **state)
{
	(void)state;
	expect_refused("expired.pem", "expired.key", "sip.test", "expired");
	expect_refused("rogue.pem", "rogue.key", "sip.test", "local issuer");
	/* no name and not insecure: nothing to check the server against */
	struct sk_tls_ctx *c;
	struct sk_tls_conn *conn;
	struct sk_tls_config cfg = {.ca_file = p("ca.pem")};
	assert_int_equal(sk_tls_ctx_new(&c, &cfg, false, NULL, 0), 0);
	assert_int_equal(sk_tls_conn_new(&conn, c, NULL), -SK_EINVAL);
	sk_tls_ctx_free(c);
}

static void test_insecure(void **state)
{
	(void)state;
	struct pair pr;
	pair_open(&pr, "rogue.pem", "rogue.key", NULL, "whatever.test", NULL);
	pump(&pr);
	assert_int_equal(sk_tls_conn_state(pr.cli), SK_TLS_UP);
	assert_false(sk_tls_conn_peer_verified(pr.cli));
	pair_close(&pr);
}

static void test_bad_config(void **state)
{
	(void)state;
	struct sk_tls_ctx *c;
	char why[200];
	struct sk_tls_config none = {0};
	assert_int_equal(sk_tls_ctx_new(&c, &none, true, why, sizeof(why)), -SK_EINVAL);
	assert_non_null(strstr(why, "certificate"));
	struct sk_tls_config missing = {.cert_file = "/nonexistent.pem"};
	assert_int_equal(sk_tls_ctx_new(&c, &missing, true, why, sizeof(why)), -SK_EINVAL);
	assert_non_null(strstr(why, "/nonexistent.pem"));
	struct sk_tls_config mismatch = {.cert_file = p("server.pem"), .key_file = p("client.key")};
	assert_int_equal(sk_tls_ctx_new(&c, &mismatch, true, why, sizeof(why)), -SK_EINVAL);
	struct sk_tls_config noca = {
	    .cert_file = p("server.pem"), .key_file = p("server.key"), .verify_client = true};
	assert_int_equal(sk_tls_ctx_new(&c, &noca, true, why, sizeof(why)), -SK_EINVAL);
}

static void test_mutual(void **state)
{
	(void)state;
	struct pair pr;
	struct sk_tls_config with = {
	    .verify_client = true, .cert_file = p("client.pem"), .key_file = p("client.key")};
	pair_open(&pr, "server.pem", "server.key", "ca.pem", "sip.test", &with);
	assert_int_equal(sk_tls_conn_write(pr.cli, "REGISTER", 8), 0);
	pump(&pr);
	assert_int_equal(sk_tls_conn_state(pr.srv), SK_TLS_UP);
	assert_true(sk_tls_conn_peer_verified(pr.srv));
	assert_int_equal(pr.srv_len, 8);
	pair_close(&pr);
	/* no client certificate: the server refuses, nothing is delivered */
	struct sk_tls_config without = {.verify_client = true};
	pair_open(&pr, "server.pem", "server.key", "ca.pem", "sip.test", &without);
	assert_int_equal(sk_tls_conn_write(pr.cli, "REGISTER", 8), 0);
	pump(&pr);
	assert_int_equal(sk_tls_conn_state(pr.srv), SK_TLS_FAILED);
	assert_int_equal(pr.srv_len, 0);
	assert_int_not_equal(sk_tls_conn_state(pr.cli), SK_TLS_UP);
	pair_close(&pr);
}

static void test_garbage(void **state)
{
	(void)state;
	struct pair pr;
	pair_open(&pr, "server.pem", "server.key", "ca.pem", "sip.test", NULL);
	/* SIP in clear on a TLS port: not a record */
	const char *sip = "INVITE sip:bob@sip.test SIP/2.0\r\n\r\n";
	assert_int_equal(sk_tls_conn_feed(pr.srv, sip, strlen(sip)), -SK_EIO);
	assert_int_equal(sk_tls_conn_state(pr.srv), SK_TLS_FAILED);
	assert_true(strlen(sk_tls_conn_error(pr.srv)) > 0);
	assert_int_equal(sk_tls_conn_feed(pr.srv, "x", 1), -SK_EIO);
	pair_close(&pr);

	/* a truncated ClientHello: waits for the rest, delivers nothing, holds little */
	pair_open(&pr, "server.pem", "server.key", "ca.pem", "sip.test", NULL);
	char hello[2048];
	size_t n = sk_tls_conn_take(pr.cli, hello, sizeof(hello));
	assert_true(n > 20);
	assert_int_equal(sk_tls_conn_feed(pr.srv, hello, n - 10), 0);
	assert_int_equal(sk_tls_conn_state(pr.srv), SK_TLS_HANDSHAKE);
	assert_int_equal(sk_tls_conn_pending(pr.srv), 0);
	/* the rest, then a handshake record cut short and garbage inside a record */
	assert_int_equal(sk_tls_conn_feed(pr.srv, hello + n - 10, 10), 0);
	assert_true(sk_tls_conn_pending(pr.srv) > 0); /* ServerHello */
	static const char bad_record[] = {0x16, 0x03, 0x03, 0x00, 0x05, 'x', 'x', 'x', 'x', 'x'};
	sk_tls_conn_feed(pr.srv, bad_record, sizeof(bad_record));
	assert_int_equal(sk_tls_conn_state(pr.srv), SK_TLS_FAILED);
	pair_close(&pr);

	/* junk records where the ClientHello should be: refused at once */
	pair_open(&pr, "server.pem", "server.key", "ca.pem", "sip.test", NULL);
	static char junk[30000];
	memset(junk, 0x17, sizeof(junk));
	assert_int_equal(sk_tls_conn_feed(pr.srv, junk, sizeof(junk)), -SK_EIO);
	pair_close(&pr);

	/* a peer that sends faster than its plaintext is taken out: refused once a few
	 * records wait undelivered, never buffered without end */
	pair_open(&pr, "server.pem", "server.key", "ca.pem", "sip.test", NULL);
	pump(&pr);
	assert_int_equal(sk_tls_conn_state(pr.srv), SK_TLS_UP);
	static char big[200000];
	assert_int_equal(sk_tls_conn_write(pr.cli, big, sizeof(big)), 0);
	int rc = 0;
	size_t fed = 0, n2;
	while (rc == 0 && (n2 = sk_tls_conn_take(pr.cli, junk, sizeof(junk))) > 0) {
		rc = sk_tls_conn_feed(pr.srv, junk, n2);
		fed += rc == 0 ? n2 : 0;
	}
	assert_int_equal(rc, -SK_ETOOBIG);
	assert_true(fed < 120000);
	pair_close(&pr);
}

static void test_pending_cap(void **state)
{
	(void)state;
	struct pair pr;
	struct sk_tls_config small = {.max_pending = 1000};
	pair_open(&pr, "server.pem", "server.key", "ca.pem", "sip.test", &small);
	char buf[600] = {0};
	assert_int_equal(sk_tls_conn_write(pr.cli, buf, sizeof(buf)), 0);
	assert_int_equal(sk_tls_conn_write(pr.cli, buf, sizeof(buf)), -SK_ETOOBIG);
	pump(&pr);
	assert_int_equal(pr.srv_len, sizeof(buf));
	pair_close(&pr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_handshake_and_data),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_untrusted),
	    cmocka_unit_test(test_insecure),
	    cmocka_unit_test(test_bad_config),
	    cmocka_unit_test(test_mutual),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_pending_cap),
	};
	return cmocka_run_group_tests(tests, pki_setup, pki_teardown);
}
