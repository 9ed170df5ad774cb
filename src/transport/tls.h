/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS on memory buffers (internal to src/transport): OpenSSL 3 driven by the
 * bytes the event loop already moves, so nothing ever blocks on a socket.
 * The caller feeds the ciphertext it received (sk_tls_conn_feed), takes the
 * plaintext that came out (sk_tls_conn_read), writes plaintext
 * (sk_tls_conn_write) and sends whatever ciphertext is waiting
 * (sk_tls_conn_take), after every call. Stream connections (conn.c) carry SIP
 * over it; WebSocket over TLS (wss) can carry its frames the same way.
 *
 * TLS 1.2 and 1.3 only, renegotiation off (RFC 3261 §26.2.1 asks for TLS; RFC
 * 8996 retires 1.0 and 1.1). A client verifies the server's chain against the
 * CA file and its name against the target's host (RFC 5922 §7.2: DNS names of
 * subjectAltName, else the CN; IP addresses against iPAddress entries), unless
 * the context was made insecure. Every buffer is bounded: a peer that sends
 * more than it lets us deliver is cut off, never buffered without end.
 */
#ifndef SK_TRANSPORT_TLS_H
#define SK_TRANSPORT_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "sipkit/transport.h"

/** A TLS context: certificates, CA and policy, shared by every connection of one role. */
struct sk_tls_ctx;

/**
 * Makes the context of one role (server: accepted connections; client:
 * outgoing ones) from cfg. On failure, why (may be NULL) receives a line
 * saying which file or setting OpenSSL refused. -SK_EINVAL or -SK_ENOMEM.
 */
int sk_tls_ctx_new(struct sk_tls_ctx **out, const struct sk_tls_config *cfg, bool server, char *why,
                   size_t why_size);
/** Frees a context (NULL-safe); connections made from it hold their own reference. */
void sk_tls_ctx_free(struct sk_tls_ctx *ctx);
/** True when the context has a certificate and key (a server needs one; a client may). */
bool sk_tls_ctx_has_cert(const struct sk_tls_ctx *ctx);

enum sk_tls_state {
	SK_TLS_HANDSHAKE = 0, /* in progress: written plaintext waits for the end of it */
	SK_TLS_UP,            /* done and verified: plaintext flows */
	SK_TLS_CLOSED,        /* the peer sent close_notify: nothing more comes */
	SK_TLS_FAILED,        /* a fatal error: sk_tls_conn_error says what; close the conn */
};

/** One TLS session on memory buffers. */
struct sk_tls_conn;

/**
 * A new session of ctx's role. A client names the host it expects (RFC 5922
 * §7.2): a domain name (also sent as SNI, RFC 6066 §3) or a numeric address;
 * NULL or "" leaves the name unchecked (only where the context is insecure,
 * else -SK_EINVAL). The client's first flight is ready at once (sk_tls_conn_take).
 */
int sk_tls_conn_new(struct sk_tls_conn **out, struct sk_tls_ctx *ctx, const char *host);
/** Frees a session (NULL-safe). */
void sk_tls_conn_free(struct sk_tls_conn *c);

/**
 * Feeds len bytes of ciphertext from the peer and advances the handshake.
 * 0; -SK_EIO when the session failed now (state FAILED: garbage, a refused
 * certificate, an alert, renegotiation); -SK_ETOOBIG when the peer sent more
 * than the session holds undelivered (take the plaintext out first).
 */
int sk_tls_conn_feed(struct sk_tls_conn *c, const char *buf, size_t len);
/**
 * Takes plaintext out: *got bytes (0: none now). 0 or -SK_EIO on a fatal
 * error. Call it until *got is 0 after each feed.
 */
int sk_tls_conn_read(struct sk_tls_conn *c, char *buf, size_t size, size_t *got);
/**
 * Writes plaintext: encrypted at once when the session is up, else held until
 * the handshake ends (at most max_pending bytes, then -SK_ETOOBIG). -SK_EIO
 * once closed or failed.
 */
int sk_tls_conn_write(struct sk_tls_conn *c, const char *buf, size_t len);
/** Ciphertext waiting to be sent to the peer, in bytes. */
size_t sk_tls_conn_pending(const struct sk_tls_conn *c);
/** Takes up to size bytes of waiting ciphertext: how many were copied. */
size_t sk_tls_conn_take(struct sk_tls_conn *c, char *buf, size_t size);
/** Queues close_notify (sent with the next take). */
void sk_tls_conn_shutdown(struct sk_tls_conn *c);
enum sk_tls_state sk_tls_conn_state(const struct sk_tls_conn *c);
/** Why the session failed (OpenSSL's reason or the verification's), "" while it has not. */
const char *sk_tls_conn_error(const struct sk_tls_conn *c);
/** The protocol agreed ("TLSv1.3"), "" before the handshake ends. */
const char *sk_tls_conn_version(const struct sk_tls_conn *c);
/** True when the peer presented a certificate that was verified (mutual TLS on a server). */
bool sk_tls_conn_peer_verified(const struct sk_tls_conn *c);

#endif
