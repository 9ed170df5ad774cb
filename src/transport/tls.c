/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS sessions on memory BIOs (tls.h): OpenSSL 3 never touches a socket, the
 * event loop moves the ciphertext. Contexts per role with the policy of RFC
 * 3261 §26.2 and RFC 5922 §7 (TLS 1.2 and 1.3 only, no renegotiation, the
 * server's name checked against subjectAltName without wildcards).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls.h"

/* Ciphertext fed and not yet turned into plaintext: a few records at most. A caller that
 * reads the plaintext after each feed never has more than one partial record here. */
#define TLS_MAX_UNREAD (4 * (16384 + 2048))

struct sk_tls_ctx {
	SSL_CTX *ssl;
	bool server, insecure, has_cert;
	uint32_t max_pending;
};

struct sk_tls_conn {
	SSL *ssl;
	BIO *rbio, *wbio; /* owned by ssl */
	enum sk_tls_state state;
	bool server;
	uint32_t max_pending;
	char *pending; /* plaintext written during the handshake */
	size_t pending_len, pending_cap;
	char err[200];
};

/* The first error OpenSSL queued, else fallback, into buf; the queue is emptied. */
static void ssl_reason(char *buf, size_t size, const char *what, const char *fallback)
{
	unsigned long e = ERR_get_error();
	char r[160];
	if (e)
		ERR_error_string_n(e, r, sizeof(r));
	snprintf(buf, size, "%s: %s", what, e ? r : fallback);
	ERR_clear_error();
}

static int ctx_load(struct sk_tls_ctx *t, const struct sk_tls_config *cfg, char *why,
                    size_t why_size)
{
	SSL_CTX *s = t->ssl;
	if (cfg->cert_file && cfg->cert_file[0]) {
		if (SSL_CTX_use_certificate_chain_file(s, cfg->cert_file) != 1) {
			ssl_reason(why, why_size, cfg->cert_file, "cannot load the certificate");
			return -SK_EINVAL;
		}
		const char *key =
		    cfg->key_file && cfg->key_file[0] ? cfg->key_file : cfg->cert_file;
		if (SSL_CTX_use_PrivateKey_file(s, key, SSL_FILETYPE_PEM) != 1) {
			ssl_reason(why, why_size, key, "cannot load the private key");
			return -SK_EINVAL;
		}
		if (SSL_CTX_check_private_key(s) != 1) {
			ssl_reason(why, why_size, key, "the key does not match the certificate");
			return -SK_EINVAL;
		}
		t->has_cert = true;
	}
	bool verify = t->server ? cfg->verify_client : !cfg->insecure;
	if (cfg->ca_file && cfg->ca_file[0]) {
		if (SSL_CTX_load_verify_locations(s, cfg->ca_file, NULL) != 1) {
			ssl_reason(why, why_size, cfg->ca_file, "cannot load the CA file");
			return -SK_EINVAL;
		}
		if (t->server && verify) {
			STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cfg->ca_file);
			if (names)
				SSL_CTX_set_client_CA_list(s, names);
		}
	} else if (verify && !t->server && SSL_CTX_set_default_verify_paths(s) != 1) {
		ssl_reason(why, why_size, "CA", "no CA file and no system CAs");
		return -SK_EINVAL;
	} else if (verify && t->server) {
		snprintf(why, why_size, "verifying clients needs a CA file");
		return -SK_EINVAL;
	}
	if (verify)
		SSL_CTX_set_verify(
		    s, SSL_VERIFY_PEER | (t->server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
	else
		SSL_CTX_set_verify(s, SSL_VERIFY_NONE, NULL);
	return 0;
}

int sk_tls_ctx_new(struct sk_tls_ctx **out, const struct sk_tls_config *cfg, bool server, char *why,
                   size_t why_size)
{
	char scratch[8];
	if (!why) {
		why = scratch;
		why_size = sizeof(scratch);
	}
	why[0] = 0;
	if (!out || !cfg)
		return -SK_EINVAL;
	struct sk_tls_ctx *t = calloc(1, sizeof(*t));
	if (!t)
		return -SK_ENOMEM;
	t->server = server;
	t->insecure = !server && cfg->insecure;
	t->max_pending = cfg->max_pending ? cfg->max_pending : 256u * 1024;
	ERR_clear_error();
	t->ssl = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (!t->ssl) {
		ssl_reason(why, why_size, "TLS", "cannot make a context");
		free(t);
		return -SK_ENOMEM;
	}
	/* RFC 8996: no TLS 1.0 or 1.1; renegotiation off (a peer cannot make us redo the
	 * expensive half of a handshake on an open connection); no compression (CRIME). */
	SSL_CTX_set_min_proto_version(t->ssl, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(t->ssl, TLS1_3_VERSION);
	SSL_CTX_set_options(t->ssl, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(t->ssl, SSL_MODE_RELEASE_BUFFERS);
	int rc = ctx_load(t, cfg, why, why_size);
	if (rc == 0 && server && !t->has_cert) {
		snprintf(why, why_size, "listening on TLS needs a certificate and a key");
		rc = -SK_EINVAL;
	}
	if (rc < 0) {
		sk_tls_ctx_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void sk_tls_ctx_free(struct sk_tls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ssl); /* sessions keep a reference of their own */
	free(ctx);
}

bool sk_tls_ctx_has_cert(const struct sk_tls_ctx *ctx)
{
	return ctx && ctx->has_cert;
}

/* RFC 5922 §7.2: the name from the URI (or the SRV domain) against subjectAltName, with no
 * wildcard (§7.2, "MUST NOT"); an address literal against iPAddress entries. */
static int conn_set_host(struct sk_tls_conn *c, const char *host)
{
	X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
	unsigned char tmp[16];
	char bare[64];
	size_t n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(bare)) {
		memcpy(bare, host + 1, n - 2);
		bare[n - 2] = 0;
		host = bare;
	}
	if (inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(vp, host) == 1 ? 0 : -SK_EINVAL;
	X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_WILDCARDS);
	if (SSL_set1_host(c->ssl, host) != 1)
		return -SK_EINVAL;
	/* RFC 6066 §3: SNI carries a host name, never an address */
	return SSL_set_tlsext_host_name(c->ssl, host) == 1 ? 0 : -SK_EINVAL;
}

static void conn_fail(struct sk_tls_conn *c, const char *what)
{
	long vr = SSL_get_verify_result(c->ssl);
	if (vr != X509_V_OK) {
		snprintf(c->err, sizeof(c->err), "certificate refused: %s",
		         X509_verify_cert_error_string(vr));
		ERR_clear_error();
	} else {
		ssl_reason(c->err, sizeof(c->err), what, "protocol error");
	}
	c->state = SK_TLS_FAILED;
}

/* An OpenSSL call's result: 0 (done, or waiting for the peer), or the session failed. */
static int conn_result(struct sk_tls_conn *c, int ret, const char *what)
{
	switch (SSL_get_error(c->ssl, ret)) {
	case SSL_ERROR_NONE:
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE: return 0;
	case SSL_ERROR_ZERO_RETURN: c->state = SK_TLS_CLOSED; return 0;
	default: conn_fail(c, what); return -SK_EIO;
	}
}

static int flush_pending(struct sk_tls_conn *c)
{
	size_t off = 0;
	while (off < c->pending_len) {
		size_t n = 0;
		int ret = SSL_write_ex(c->ssl, c->pending + off, c->pending_len - off, &n);
		if (ret != 1)
			return conn_result(c, ret, "write");
		off += n;
	}
	free(c->pending);
	c->pending = NULL;
	c->pending_len = c->pending_cap = 0;
	return 0;
}

/* Moves the handshake on as far as the bytes fed allow. */
static int step_handshake(struct sk_tls_conn *c)
{
	if (c->state != SK_TLS_HANDSHAKE)
		return c->state == SK_TLS_FAILED ? -SK_EIO : 0;
	ERR_clear_error();
	int ret = SSL_do_handshake(c->ssl);
	if (ret == 1) {
		c->state = SK_TLS_UP;
		return flush_pending(c);
	}
	return conn_result(c, ret, "handshake");
}

int sk_tls_conn_new(struct sk_tls_conn **out, struct sk_tls_ctx *ctx, const char *host)
{
	if (!out || !ctx)
		return -SK_EINVAL;
	bool named = host && host[0];
	if (!ctx->server && !named && !ctx->insecure)
		return -SK_EINVAL; /* RFC 5922 §7.2: nothing to check the server against */
	struct sk_tls_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return -SK_ENOMEM;
	c->server = ctx->server;
	c->max_pending = ctx->max_pending;
	ERR_clear_error();
	c->ssl = SSL_new(ctx->ssl);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	if (!c->ssl || !c->rbio || !c->wbio) {
		BIO_free(c->rbio);
		BIO_free(c->wbio);
		SSL_free(c->ssl);
		free(c);
		ERR_clear_error();
		return -SK_ENOMEM;
	}
	/* an empty memory BIO means "no more yet", not end of file */
	BIO_set_mem_eof_return(c->rbio, -1);
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	int rc = 0;
	if (c->server) {
		SSL_set_accept_state(c->ssl);
	} else {
		SSL_set_connect_state(c->ssl);
		if (named)
			rc = conn_set_host(c, host);
		if (rc == 0)
			rc = step_handshake(c); /* the ClientHello, ready to take */
	}
	if (rc < 0) {
		sk_tls_conn_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void sk_tls_conn_free(struct sk_tls_conn *c)
{
	if (!c)
		return;
	SSL_free(c->ssl);
	free(c->pending);
	free(c);
}

int sk_tls_conn_feed(struct sk_tls_conn *c, const char *buf, size_t len)
{
	if (c->state == SK_TLS_FAILED)
		return -SK_EIO;
	if (c->state == SK_TLS_CLOSED)
		return 0; /* after close_notify nothing counts (RFC 8446 §6.1) */
	if ((size_t)BIO_pending(c->rbio) > TLS_MAX_UNREAD)
		return -SK_ETOOBIG;
	while (len) {
		int chunk = len > 65536 ? 65536 : (int)len;
		if (BIO_write(c->rbio, buf, chunk) != chunk) {
			snprintf(c->err, sizeof(c->err), "out of memory");
			c->state = SK_TLS_FAILED;
			return -SK_ENOMEM;
		}
		buf += chunk;
		len -= (size_t)chunk;
	}
	return step_handshake(c);
}

int sk_tls_conn_read(struct sk_tls_conn *c, char *buf, size_t size, size_t *got)
{
	*got = 0;
	if (c->state == SK_TLS_FAILED)
		return -SK_EIO;
	if (c->state != SK_TLS_UP || !size)
		return 0;
	ERR_clear_error();
	int ret = SSL_read_ex(c->ssl, buf, size, got);
	if (ret == 1)
		return 0;
	*got = 0;
	return conn_result(c, ret, "read");
}

int sk_tls_conn_write(struct sk_tls_conn *c, const char *buf, size_t len)
{
	if (c->state == SK_TLS_FAILED || c->state == SK_TLS_CLOSED)
		return -SK_EIO;
	if (c->state == SK_TLS_HANDSHAKE) {
		if (c->pending_len + len > c->max_pending)
			return -SK_ETOOBIG;
		if (c->pending_len + len > c->pending_cap) {
			size_t ncap = c->pending_cap ? c->pending_cap : 4096;
			while (ncap < c->pending_len + len)
				ncap *= 2;
			char *n = realloc(c->pending, ncap);
			if (!n)
				return -SK_ENOMEM;
			c->pending = n;
			c->pending_cap = ncap;
		}
		memcpy(c->pending + c->pending_len, buf, len);
		c->pending_len += len;
		return 0;
	}
	ERR_clear_error();
	size_t off = 0;
	while (off < len) {
		size_t n = 0;
		int ret = SSL_write_ex(c->ssl, buf + off, len - off, &n);
		if (ret != 1)
			return conn_result(c, ret, "write") < 0 ? -SK_EIO : -SK_ESTATE;
		off += n;
	}
	return 0;
}

size_t sk_tls_conn_pending(const struct sk_tls_conn *c)
{
	return (size_t)BIO_ctrl_pending(c->wbio);
}

size_t sk_tls_conn_take(struct sk_tls_conn *c, char *buf, size_t size)
{
	size_t pend = sk_tls_conn_pending(c);
	int n = BIO_read(c->wbio, buf, (int)(size < pend ? size : pend));
	return n > 0 ? (size_t)n : 0;
}

void sk_tls_conn_shutdown(struct sk_tls_conn *c)
{
	if (c->state != SK_TLS_UP)
		return;
	ERR_clear_error();
	SSL_shutdown(c->ssl);
	ERR_clear_error();
}

enum sk_tls_state sk_tls_conn_state(const struct sk_tls_conn *c)
{
	return c->state;
}

const char *sk_tls_conn_error(const struct sk_tls_conn *c)
{
	return c->err;
}

const char *sk_tls_conn_version(const struct sk_tls_conn *c)
{
	return c->state == SK_TLS_UP || c->state == SK_TLS_CLOSED ? SSL_get_version(c->ssl) : "";
}

bool sk_tls_conn_peer_verified(const struct sk_tls_conn *c)
{
	if (c->state != SK_TLS_UP)
		return false;
	X509 *peer = SSL_get1_peer_certificate(c->ssl);
	bool ok = peer && SSL_get_verify_result(c->ssl) == X509_V_OK;
	X509_free(peer);
	return ok;
}
