/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transport's private header (internal to src/transport): the structs that
 * transport.c (the layer, listeners, Via, response routing, intake) and conn.c
 * (stream connections) share, and the functions each calls in the other.
 */
#ifndef SK_TRANSPORT_TP_INT_H
#define SK_TRANSPORT_TP_INT_H

#include "net.h"
#include "tls.h"

struct listener {
	struct sk_tp *tp;
	struct sk_net_sock *sock;
	enum sk_proto proto;
	struct sk_sa addr;
	char sent_by[64]; /* "host:port" as our Vias write it */
	struct listener *next;
};

/* The accepted connections open from one IPv4 address or IPv6 /64. */
struct source {
	struct sk_hnode node; /* in tp->sources, hashed under tp->key */
	struct sk_sa host;    /* source_key: the address alone, zero elsewhere */
	uint32_t conns;
};

struct conn {
	struct sk_tp *tp;
	struct sk_net_sock *sock;
	enum sk_proto proto;     /* TCP, TLS, WS or WSS (WebSocket over TLS) */
	struct sk_tls_conn *tls; /* TLS: the session the bytes go through (conn_tls.c) */
	bool handshaking; /* TLS: handshake not done yet; accepted ones count in handshakes */
	struct sk_timer handshake; /* TLS: the handshake must end within handshake_ms */
	uint64_t id;
	struct sk_sa remote, local;
	bool up;
	bool inbound;     /* accepted: the peer is the client, the one that pings */
	bool established; /* carried a complete message (ours are from the start) */
	bool dead;        /* closed during its own dispatch; freed when it returns */
	int dispatching;
	char *in; /* bytes received and not yet framed */
	size_t in_len, in_cap;
	struct sk_timer idle;   /* no complete message for idle_ms (idle_new_ms) */
	struct sk_timer header; /* a message begun and not whole for header_ms */
	struct source *src;     /* accepted ones: their source */
	struct ws_conn *ws;     /* accepted on a ws: listener: its WebSocket state (ws_conn.c) */
	struct sk_hnode by_id, by_remote;
	struct conn *prev, *next;
};

/* At most one log line a second per kind of event a stranger can repeat at will. */
struct ratelog {
	uint64_t at;    /* time of the last line */
	uint64_t quiet; /* events since, not logged */
	bool used;
};

struct sk_tp {
	struct sk_tp_config cfg;
	struct sk_tp_user user;
	struct sk_rng rng;
	struct sk_msg *msg; /* parse buffer, reused for every message */
	struct listener *listeners;
	struct conn *conns;
	uint64_t next_conn;
	struct sk_hash_key key;
	struct sk_htab sources, conn_ids, conn_remotes;
	struct ratelog log_refused, log_closed, log_tls;
	struct sk_tls_ctx *tls_server; /* accepted TLS connections; NULL: none accepted */
	struct sk_tls_ctx *tls_client; /* outgoing ones; NULL: no TLS configured */
	uint32_t handshake_ms, max_handshakes;
	struct sk_tp_stats st;
	sk_tp_trace_fn trace;
	void *trace_arg;
	sk_tp_steer_fn steer; /* several stacks on one address: who handles what */
	void *steer_arg;
	struct sk_tp_group *group; /* NULL: alone (tp_group.c) */
	unsigned owner;            /* our index in it, the top byte of our connection ids */
	sk_tp_across_fn across;    /* a send on another member's connection */
	void *across_arg;
	sk_tp_gone_fn gone; /* one of ours that others sent on broke */
	void *gone_arg;
};

/* ---- conn.c: stream connections ------------------------------------------ */

/** The address of a, zero elsewhere, so that keys compare and hash as bytes: with its port
 * (a connection's far end) or without (a source: an IPv6 one is its /64). */
void sk_tp_sa_key(const struct sk_sa *a, bool port, struct sk_sa *k);
/** Gives each zero connection limit its default. */
void sk_tp_conn_limits_default(struct sk_tp_conn_limits *l);
/** Closes the socket and forgets the connection (later, if it is dispatching). */
void sk_tp_conn_free(struct conn *c);
/** The open connection with this id, in O(1); NULL when there is none. */
struct conn *sk_tp_conn_by_id(struct sk_tp *tp, uint64_t id);
/** An open connection of proto to remote (reuse, §18.1.1 / RFC 5923 §1), in O(1); NULL when
 * none. */
struct conn *sk_tp_conn_by_remote(struct sk_tp *tp, enum sk_proto proto,
                                  const struct sk_sa *remote);
/** Opens a connection of proto to remote (within the outgoing cap); TLS checks the server
 * against name (NULL: remote's address, RFC 5922 §7.2). NULL with *err set when it cannot. */
struct conn *sk_tp_conn_connect(struct sk_tp *tp, enum sk_proto proto, const struct sk_sa *remote,
                                const char *name, int *err);
/** Plaintext from a connection: framed (§18.3), each message handed to sk_tp_handle_msg. */
void sk_tp_conn_intake(struct conn *c, const char *buf, size_t len);
/** True when a line of kind r may be logged now (one a second); *quiet: those held back. */
bool sk_tp_ratelog_pass(struct sk_tp *tp, struct ratelog *r, uint64_t *quiet);
/** A connection that failed: freed, the user hears of it through conn_lost (§17.1.4). */
void sk_tp_conn_fail(struct conn *c, int err);
/** Closes a connection for a reason a stranger can repeat (rate-limited log line). */
void sk_tp_conn_expire(struct conn *c, const char *why);
/** Sends on flow's connection, else one to its remote, opened within the outgoing cap;
 * sets flow->conn. */
int sk_tp_conn_send(struct sk_tp *tp, struct sk_flow *flow, const char *buf, size_t len);
/** In a group, a connection of another member (its id's owner byte is not ours). */
bool sk_tp_conn_foreign(const struct sk_tp *tp, uint64_t conn);
/** A send on another member's connection (flow->conn foreign): *sent set when the bytes went
 * to the across hook (its result returned); otherwise -SK_EIO (a WebSocket gone) or 0 with
 * flow->conn cleared (a TCP or TLS flow to send as one's own). */
int sk_tp_conn_across(struct sk_tp *tp, struct sk_flow *flow, const char *buf, size_t len,
                      bool *sent);
/** The stream upcalls of struct sk_net_up (net.h); arg is the transport. */
void sk_tp_conn_up_accepted(void *arg, struct sk_net_sock *ls, struct sk_net_sock *cs,
                            const struct sk_sa *peer);
void sk_tp_conn_up_connected(void *arg, struct sk_net_sock *s, int err);
void sk_tp_conn_up_stream(void *arg, struct sk_net_sock *s, const char *buf, size_t len);
void sk_tp_conn_up_closed(void *arg, struct sk_net_sock *s, int err);

/** The timers after a read (conn.c): whole message(s), a ping, a message begun. */
void sk_tp_conn_timers(struct conn *c, bool whole, bool pinged, bool partial);
/** Too much or garbage: the peer is cut off (a log line, rx_bad), its transactions told. */
void sk_tp_conn_reject(struct conn *c, const char *why);
/** A connection that failed: freed, and the transaction layer hears of it (§17.1.4). */
void sk_tp_conn_fail(struct conn *c, int err);

/* ---- ws_conn.c: WebSocket connections (RFC 6455, RFC 7118) ---------------- */

/** Gives each zero WebSocket setting its default. */
void sk_tp_ws_config_default(struct sk_ws_config *w);
/** An accepted connection on a ws: listener: its state, awaiting the upgrade request;
 * -SK_EFULL over the WebSocket cap, -SK_ENOMEM. */
int sk_tp_ws_attach(struct conn *c);
/** Frees the WebSocket state of a connection being freed. */
void sk_tp_ws_detach(struct conn *c);
/** The bytes in c->in: the upgrade request, then frames; each SIP message passed up. */
void sk_tp_ws_input(struct conn *c);
/** Sends one SIP message as one text frame (RFC 7118 §5.1): 0 or -SK_EIO. */
int sk_tp_ws_write(struct conn *c, const char *buf, size_t len);
/** The idle timer fired: true when a ping went out and the connection waits for its pong,
 * false when it must close (no handshake yet, or the last ping went unanswered). */
bool sk_tp_ws_idle(struct conn *c);
/* ---- conn_tls.c: TLS on stream connections ------------------------------ */

/** Makes the TLS contexts of cfg->tls (none without): 0 or -SK_EINVAL with a log line. */
int sk_tp_tls_init(struct sk_tp *tp, const struct sk_tp_config *cfg);
void sk_tp_tls_free(struct sk_tp *tp);
/** Starts the TLS session of a new connection (accepted: server; ours: client to name). */
int sk_tp_tls_start(struct conn *c, const char *name);
/** Ciphertext received on a TLS connection: fed, plaintext framed, replies flushed. */
void sk_tp_tls_stream(struct conn *c, const char *buf, size_t len);
/** Plaintext to send on a TLS connection: 0 or a negative error (the connection failed). */
int sk_tp_tls_write(struct conn *c, const char *buf, size_t len);
/** Ciphertext waiting in the session, not yet given to the socket. */
size_t sk_tp_tls_pending(const struct conn *c);
/** Frees the session of a connection going away (and its place among the handshakes). */
void sk_tp_tls_end(struct conn *c);

/* ---- transport.c: intake ------------------------------------------------- */

/** One message, a datagram or framed from a stream: parsed, stamped and passed up, or
 * dropped, or answered when it is a malformed request. */
void sk_tp_handle_msg(struct sk_tp *tp, const char *buf, size_t len, const struct sk_flow *flow,
                      bool stream);

#endif
