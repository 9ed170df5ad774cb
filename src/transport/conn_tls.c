/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS on the transport's stream connections (RFC 3261 §26.2, RFC 5630, RFC
 * 5922): the contexts of a transport, and for each TLS connection its session
 * (tls.c) between the socket and the framing of conn.c. A TLS connection is a
 * TCP connection in every other way: the same caps, reuse, framing, idle and
 * header timers; and two bounds of its own: a handshake must end within
 * handshake_ms (a client that never finishes holds nothing for longer), and
 * at most max_handshakes accepted ones may be in progress at once.
 */
#include <stdio.h>
#include <string.h>

#include "tp_int.h"

static void handshake_fired(void *arg);

int sk_tp_tls_init(struct sk_tp *tp, const struct sk_tp_config *cfg)
{
	const struct sk_tls_config *t = cfg->tls;
	char why[240];
	if (!t)
		return 0;
	tp->handshake_ms = t->handshake_ms ? t->handshake_ms : 10000;
	tp->max_handshakes = t->max_handshakes ? t->max_handshakes : 256;
	int rc = sk_tls_ctx_new(&tp->tls_client, t, false, why, sizeof(why));
	if (rc == 0 && t->cert_file && t->cert_file[0])
		rc = sk_tls_ctx_new(&tp->tls_server, t, true, why, sizeof(why));
	if (rc < 0) {
		sk_logf(tp->cfg.log, SK_LOG_ERR, "transport: TLS: %s", why);
		sk_tp_tls_free(tp);
		return rc;
	}
	if (t->insecure)
		sk_logf(tp->cfg.log, SK_LOG_WARN,
		        "transport: TLS: INSECURE: servers are not verified, anyone can pose as "
		        "them (labs only)");
	return 0;
}

void sk_tp_tls_free(struct sk_tp *tp)
{
	sk_tls_ctx_free(tp->tls_client);
	sk_tls_ctx_free(tp->tls_server);
	tp->tls_client = tp->tls_server = NULL;
}

/* Gives the socket whatever ciphertext the session has for the peer. */
static void tls_flush(struct conn *c)
{
	char buf[16384];
	size_t n;
	while (c->sock && (n = sk_tls_conn_take(c->tls, buf, sizeof(buf))) > 0)
		if (c->tp->cfg.net->ops->write(c->sock, buf, n) < 0)
			return; /* the socket's close upcall follows */
}

static void handshake_done(struct conn *c)
{
	struct sk_tp *tp = c->tp;
	if (!c->handshaking)
		return;
	c->handshaking = false;
	sk_timer_stop(tp->cfg.timers, &c->handshake);
	if (c->inbound)
		tp->st.handshakes--;
}

int sk_tp_tls_start(struct conn *c, const char *name)
{
	struct sk_tp *tp = c->tp;
	char host[64];
	if (!c->inbound && (!name || !name[0])) {
		/* RFC 5922 §7.2 names the URI's host; for an address that is the address */
		sk_sa_host(&c->remote, host, sizeof(host));
		name = host;
	}
	int rc = sk_tls_conn_new(&c->tls, c->inbound ? tp->tls_server : tp->tls_client,
	                         c->inbound ? NULL : name);
	if (rc < 0)
		return rc;
	c->handshaking = true;
	if (c->inbound)
		tp->st.handshakes++;
	sk_timer_init(&c->handshake, handshake_fired, c);
	sk_timer_start(tp->cfg.timers, &c->handshake, tp->handshake_ms);
	tls_flush(c); /* a client's ClientHello, queued until the connection is up */
	return 0;
}

void sk_tp_tls_end(struct conn *c)
{
	if (c->tls)
		handshake_done(c);
}

/* A client that never finishes its handshake, or a server that never answers: closed at
 * handshake_ms; ours are a transport error for what waits on them (§17.1.4). */
static void handshake_fired(void *arg)
{
	struct conn *c = arg;
	c->tp->st.closed_handshake++;
	if (c->inbound)
		sk_tp_conn_expire(c, "unfinished TLS");
	else
		sk_tp_conn_fail(c, -SK_ETIMEDOUT);
}

/* The session failed: the alert goes out, the connection closes; ours fail what waits. */
static void tls_failed(struct conn *c)
{
	struct sk_tp *tp = c->tp;
	uint64_t quiet;
	tp->st.tls_failed++;
	tls_flush(c);
	if (sk_tp_ratelog_pass(tp, &tp->log_tls, &quiet)) {
		char a[64];
		sk_sa_print(&c->remote, a, sizeof(a));
		sk_logf(tp->cfg.log, SK_LOG_WARN,
		        "transport: TLS %s %s failed: %s (%llu more not logged)",
		        c->inbound ? "from" : "to", a, sk_tls_conn_error(c->tls),
		        (unsigned long long)quiet);
	}
	tp->st.rx_bad++;
	sk_tp_conn_fail(c, -SK_EIO);
}

void sk_tp_tls_stream(struct conn *c, const char *buf, size_t len)
{
	struct sk_tp *tp = c->tp;
	int rc = sk_tls_conn_feed(c->tls, buf, len);
	if (rc < 0) {
		tls_failed(c);
		return;
	}
	if (c->handshaking && sk_tls_conn_state(c->tls) == SK_TLS_UP) {
		handshake_done(c);
		tp->st.tls_up++;
	}
	/* Plaintext out, framed as on TCP; held alive across the calls up (a message handed
	 * up may close the connection: then it is freed here, after the loop). */
	char plain[16384];
	size_t got = 0;
	c->dispatching++;
	do {
		if (sk_tls_conn_read(c->tls, plain, sizeof(plain), &got) < 0) {
			c->dispatching--;
			tls_failed(c);
			return;
		}
		if (got)
			sk_tp_conn_intake(c, plain, got);
	} while (got && !c->dead);
	c->dispatching--;
	if (c->dead) {
		if (!c->dispatching)
			sk_tp_conn_free(c);
		return;
	}
	tls_flush(c); /* the handshake's next flight, or what TLS 1.3 sends after it */
	if (sk_tls_conn_state(c->tls) == SK_TLS_CLOSED)
		sk_tp_conn_free(c); /* close_notify: an orderly close, as a TCP FIN */
}

int sk_tp_tls_write(struct conn *c, const char *buf, size_t len)
{
	int rc = sk_tls_conn_write(c->tls, buf, len);
	tls_flush(c);
	return rc;
}

size_t sk_tp_tls_pending(const struct conn *c)
{
	return sk_tls_conn_pending(c->tls);
}
