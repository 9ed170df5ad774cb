/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transport layer (RFC 3261 §18, RFC 3581, RFC 3263 §4): UDP and TCP over IPv4
 * and IPv6, on OS sockets or on simnet, behind one interface.
 */
#ifndef SIPKIT_TRANSPORT_H
#define SIPKIT_TRANSPORT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sipkit/core.h"
#include "sipkit/msg.h"

/* ---- addresses ----------------------------------------------------------- */

/* WS: SIP over WebSocket (RFC 7118), on connections that a WebSocket client (a
 * browser) opened to us; never opened by us. WSS: the same over TLS (RFC 6455
 * §3 wss, RFC 7118 §5.2: Via transport "WSS"), a flow of its own so that the
 * sips rules can tell it from plain WS. */
enum sk_proto {
	SK_PROTO_NONE = 0,
	SK_PROTO_UDP = 1,
	SK_PROTO_TCP = 2,
	SK_PROTO_TLS = 3,
	SK_PROTO_WS = 4,
	SK_PROTO_WSS = 5
};

/** True for a protocol that runs on a connection (TCP, TLS, WS, WSS): reliable, framed (§18.3). */
static inline bool sk_proto_is_stream(enum sk_proto p)
{
	return p == SK_PROTO_TCP || p == SK_PROTO_TLS || p == SK_PROTO_WS || p == SK_PROTO_WSS;
}

/** True for WebSocket, plain or over TLS: a client's own connection, never opened by us. */
static inline bool sk_proto_is_ws(enum sk_proto p)
{
	return p == SK_PROTO_WS || p == SK_PROTO_WSS;
}

/** True for a protocol that runs over TLS (TLS, WSS): what a sips URI may go over (RFC 5630
 * §3.1.3, RFC 7118 §5.2). */
static inline bool sk_proto_is_secure(enum sk_proto p)
{
	return p == SK_PROTO_TLS || p == SK_PROTO_WSS;
}

/** The URI parameter that sends to us over p: "" (UDP), ";transport=tcp", ";transport=tls",
 * ";transport=ws" (WS and WSS alike, RFC 7118 §5.2). */
const char *sk_proto_uri_param(enum sk_proto p);
/** "udp" / "tcp" / "tls" / "ws" / "wss" (the command line's and the logs' form), "" for none. */
const char *sk_proto_lower(enum sk_proto p);
/** "UDP" / "TCP" / "TLS" / "WS" / "WSS" (the Via transport token; RFC 7118 §5.2), "" for none. */
const char *sk_proto_name(enum sk_proto p);
/** A Via transport token to a protocol (case-insensitive), SK_PROTO_NONE if unknown. */
enum sk_proto sk_proto_from_token(struct sk_str token);

/** An IPv4 or IPv6 socket address. */
struct sk_sa {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} u;
};

/** A numeric host (IPv4, IPv6 with or without brackets) and a port: 0 or -SK_EINVAL. */
int sk_sa_from_host(struct sk_sa *a, struct sk_str host, uint16_t port);
/** "HOST:PORT", "[V6]:PORT" or a bare host (default_port then): 0 or -SK_EINVAL. */
int sk_sa_parse(struct sk_sa *a, struct sk_str s, uint16_t default_port);
/** Same address and port. */
bool sk_sa_equal(const struct sk_sa *a, const struct sk_sa *b);
/** Same address, port aside. */
bool sk_sa_same_host(const struct sk_sa *a, const struct sk_sa *b);
uint16_t sk_sa_port(const struct sk_sa *a);
void sk_sa_set_port(struct sk_sa *a, uint16_t port);
socklen_t sk_sa_len(const struct sk_sa *a);
/** The host as a Via received value (IPv6 without brackets, RFC 3261 §25.1). */
size_t sk_sa_host(const struct sk_sa *a, char *buf, size_t size);
/** "1.2.3.4:5060" or "[::1]:5060". */
size_t sk_sa_print(const struct sk_sa *a, char *buf, size_t size);

/** Where to send a request: protocol (NONE: UDP, or TCP when too big) and address. */
struct sk_target {
	enum sk_proto proto;
	struct sk_sa addr;
	/* TLS: the name the server's certificate must carry (RFC 5922 §7.2: the URI's host,
	 * or the domain an SRV lookup started from); "": the address itself */
	char name[256];
};

/** "udp:HOST:PORT", "tcp:HOST:PORT", "tls:HOST:PORT", "ws:HOST:PORT", "wss:HOST:PORT"
 * (DESIGN.md command-line form; TLS's port defaults to 5061, WS's to 80, WSS's to 443):
 * 0 or -SK_EINVAL. */
int sk_target_parse(struct sk_target *t, const char *s);
/**
 * Where a sip: or sips: URI sends a request: its maddr or host (numeric: no
 * DNS), its port or 5060 (5061 for TLS, RFC 3263 §4.2), its transport
 * parameter or dflt (NONE: UDP). A sips URI goes over TLS only (§26.2.2, RFC
 * 5630 §3.1.3: transport=tcp there means TLS over TCP). -SK_EINVAL for another
 * scheme, a name, an unknown transport, sips over UDP.
 */
int sk_target_from_uri(struct sk_target *t, struct sk_str uri, enum sk_proto dflt);

/**
 * The path a message came on or goes out on: protocol, our address, the peer's,
 * and for streams the connection (0: none yet). A CANCEL and an ACK for a
 * non-2xx reuse their INVITE's flow (§9.1, §17.1.1.3, RFC 3263 §4).
 */
struct sk_flow {
	enum sk_proto proto;
	struct sk_sa local, remote;
	uint64_t conn;
};

/* ---- socket backends ----------------------------------------------------- */

/** A socket backend for one stack: OS sockets on an event loop, or a simnet node. */
struct sk_net;

/** OS sockets (UDP, TCP; IPv4, IPv6) watched by loop. */
int sk_net_os_new(struct sk_net **out, struct sk_loop *loop, const struct sk_log *log);
/** Frees a backend and closes its sockets (NULL-safe). Free the transport first. */
void sk_net_free(struct sk_net *net);
/**
 * OS sockets only: the UDP sockets and TCP listeners bound from now on set
 * SO_REUSEPORT, so that several stacks (the proxy's workers, each a thread
 * with its own loop) listen on the same address and the kernel spreads the
 * datagrams and connections among them. Off by default: another process of
 * the same user could then bind the port too.
 */
void sk_net_os_set_reuseport(struct sk_net *net, bool on);

/**
 * simnet: an in-process network on a virtual clock between several stacks.
 * Datagrams can be lost, delayed, duplicated and so reordered, all from a
 * seeded generator; streams are delivered in order, possibly cut into pieces,
 * and can be dropped. Nothing leaves the process.
 */
struct sk_simnet;

struct sk_simnet_link {
	uint32_t loss_pm;      /* datagram loss, per mille */
	uint32_t dup_pm;       /* datagram duplication, per mille */
	uint32_t delay_min_ms; /* one-way delay, uniform in [min, max] */
	uint32_t delay_max_ms;
	uint32_t split_pm; /* stream writes cut in two pieces, per mille */
	/* A datagram to an address and port no socket is bound to comes back as an ICMP
	 * port unreachable to its sender (a host that answers for closed ports, RFC 1122
	 * §3.2.2.1); false: it is lost without a word (a firewall that drops). */
	bool icmp;
};

/** What a filter sees of one datagram or stream write, and may change. */
struct sk_simnet_packet {
	enum sk_proto proto;
	struct sk_sa from, to;
	const char *data;
	size_t len;
	bool drop;          /* set: lost (datagrams only) */
	uint32_t delay_ms;  /* one-way delay chosen; may be changed */
	uint32_t copies;    /* 1, or more to duplicate (datagrams only) */
	uint32_t drop_conn; /* set on a stream write: the connection breaks instead */
	bool unreachable;   /* set on a datagram: not delivered, and the sender's socket hears
	                     * an ICMP port unreachable for `to` (as from a closed port) */
};

/** Called for every packet before delivery; tests use it for targeted loss or reordering. */
typedef void (*sk_simnet_filter_fn)(void *arg, struct sk_simnet_packet *p);

int sk_simnet_new(struct sk_simnet **out, struct sk_timers *timers, uint64_t seed);
/** Frees the network; packets in flight are discarded. Free its nodes' stacks first. */
void sk_simnet_free(struct sk_simnet *sn);
/** Conditions for every packet. */
void sk_simnet_set_link(struct sk_simnet *sn, const struct sk_simnet_link *link);
void sk_simnet_set_filter(struct sk_simnet *sn, sk_simnet_filter_fn fn, void *arg);
/** A backend for one stack on this network. */
int sk_simnet_node(struct sk_simnet *sn, struct sk_net **out);
/** Breaks every stream connection with an end at addr (port 0: any port). Returns how many. */
size_t sk_simnet_drop_conns(struct sk_simnet *sn, const struct sk_sa *addr);
/** Packets delivered, lost, duplicated; and currently in flight. */
struct sk_simnet_stats {
	uint64_t sent, delivered, lost, duplicated, unreachable;
	size_t in_flight, sockets;
};
struct sk_simnet_stats sk_simnet_stats(const struct sk_simnet *sn);

/* ---- the transport ------------------------------------------------------- */

struct sk_tp;

/** What the transport hands up (to the transaction layer). */
struct sk_tp_user {
	/**
	 * A message that parsed. A request's top Via already carries received and
	 * rport (§18.2.1, RFC 3581); a response's top Via named us (§18.1.2).
	 * m and flow are valid during the call only.
	 */
	void (*recv)(void *arg, struct sk_msg *m, const struct sk_flow *flow);
	/** A stream connection broke or could not be set up (§17.1.4, §17.2.4). */
	void (*conn_lost)(void *arg, uint64_t conn, int err);
	/**
	 * A datagram we sent on flow (UDP, from flow->local to flow->remote) was
	 * refused: the OS reported an ICMP port, host or network unreachable for
	 * exactly that address and port (§17.1.4 transport error; err -SK_EIO).
	 * May be NULL.
	 */
	void (*unreachable)(void *arg, const struct sk_flow *flow, int err);
	void *arg;
};

/**
 * What a stranger may hold of our stream connections, each 0 taking its
 * default. The defaults serve a real proxy untuned: Kamailio's
 * tcp_max_connections is 2048 and its tcp_connection_lifetime 120 s.
 * Accepted and outgoing connections have caps of their own, so that a flood
 * of accepted ones never stops the proxy from reaching a phone. Only a
 * complete message (or an RFC 5626 §4.4.1 ping on a connection that has
 * carried one) counts as activity, never a byte: a peer that drips a byte
 * now and then (slowloris) is closed by the header timeout.
 */
struct sk_tp_conn_limits {
	uint32_t max_in;         /* accepted connections open, 0: 2048 */
	uint32_t max_out;        /* connections we opened, 0: 1024 */
	uint32_t max_per_source; /* accepted ones per IPv4 address or IPv6 /64, 0: 64 */
	uint32_t idle_ms;        /* no complete message for this long: closed, 0: 120000 */
	uint32_t idle_new_ms;    /* the same for an accepted one that never sent any, 0: 20000 */
	uint32_t header_ms; /* a message must be whole this long after its first byte, 0: 10000 */
};

/**
 * TLS (RFC 3261 §26.2, RFC 5630, RFC 5922): what a transport needs to listen
 * on TLS (cert_file and key_file) and to open TLS connections (ca_file,
 * unless insecure). Files are PEM. TLS 1.2 and 1.3 only, renegotiation off.
 */
struct sk_tls_config {
	const char *cert_file; /* our certificate chain: a server's, or a client's for mutual TLS */
	const char *key_file;  /* its private key */
	const char *ca_file;   /* the CAs we trust for servers (and clients, with verify_client) */
	bool insecure;         /* outgoing: no verification of the server at all (labs only) */
	bool verify_client;    /* accepted: a client certificate signed by ca_file is required */
	uint32_t handshake_ms; /* a handshake must end this long after the connection, 0: 10000 */
	uint32_t max_handshakes; /* accepted handshakes in progress, more refused, 0: 256 */
	uint32_t max_pending;    /* plaintext held until a handshake ends, 0: 256 KiB */
};

/*
 * Throw-away certificates for labs, demos and tests (src/transport/tls_lab.c),
 * made with libcrypto at run time: a CA (san NULL, self-signed) or a leaf that
 * the CA written earlier as ca_base signs, valid from from_days to to_days
 * around now (negative: in the past). Written under dir as BASE.pem and
 * BASE.key (0600). 0, -SK_EINVAL, -SK_EIO (a file, or ca_base unreadable),
 * -SK_ENOMEM.
 */
struct sk_tls_lab_cert {
	const char *cn;  /* the subject's common name */
	const char *san; /* "DNS:sip.test,IP:127.0.0.1"; NULL: a CA */
	long from_days, to_days;
	long serial; /* 0: 1 */
};
int sk_tls_lab_make(const char *dir, const char *base, const struct sk_tls_lab_cert *spec,
                    const char *ca_base);

/*
 * WebSocket listeners (-l ws: and -l wss:, RFC 6455, RFC 7118; the caps count
 * both). Each zero takes its
 * default. An idle WebSocket connection is pinged (RFC 6455 §5.5.2) before
 * it is closed: a browser that answers keeps its connection, and so the
 * bindings it registered over it.
 */
struct sk_ws_config {
	const char *origins;    /* comma-separated Origin values allowed; NULL: any (§10.2) */
	uint32_t max_conns;     /* WebSocket connections open, 0: 1024 (within max_in) */
	uint32_t max_handshake; /* bytes of an upgrade request, 0: 8192 */
};

struct sk_tp_config {
	struct sk_timers *timers;
	struct sk_net *net;
	const struct sk_log *log;        /* NULL: silent */
	struct sk_msg_limits limits;     /* zero: sk_msg_limits_default() */
	struct sk_tp_conn_limits conns;  /* zero: the defaults above */
	struct sk_ws_config ws;          /* zero: the defaults above */
	uint32_t max_conn_buffer;        /* unsent bytes per connection, 0: 1 MiB */
	uint32_t udp_max;                /* requests above go over TCP (§18.1.1), 0: 1300 */
	uint64_t seed;                   /* branch generator; 0: seeded from the OS */
	const struct sk_hash_key *key;   /* the per-source table's; NULL: from seed or the OS */
	const struct sk_tls_config *tls; /* NULL: no TLS; its files are read at sk_tp_new */
};

struct sk_tp_stats {
	uint64_t rx_msgs, tx_msgs, rx_bad, rx_foreign_resp;
	uint64_t rx_unreachable; /* ICMP unreachable reports for datagrams we sent */
	uint64_t conns_opened, conns_closed;
	uint64_t conns_refused;  /* refused_in + refused_source + refused_out + refused_handshake */
	uint64_t refused_in;     /* accepted and closed at once: max_in reached */
	uint64_t refused_source; /* the same: the source's max_per_source reached */
	uint64_t refused_out;    /* not opened: max_out reached */
	uint64_t closed_idle;    /* closed by an idle timeout */
	uint64_t closed_header;  /* closed by the header timeout */
	uint64_t ws_upgrades;    /* WebSocket handshakes accepted */
	uint64_t ws_refused;     /* upgrade requests refused (malformed, origin, version, cap) */
	uint64_t ws_bad_frames;  /* connections closed for a bad frame (1002, 1007, 1009) */
	uint64_t ws_pings;       /* pings sent to idle WebSocket connections */
	size_t ws_conns;         /* WebSocket connections open (upgrade pending or done) */
	size_t wss_conns;        /* of those, the ones over TLS (-l wss:) */
	uint64_t wss_upgrades;   /* of ws_upgrades, the ones over TLS */
	uint64_t tls_up;         /* TLS handshakes that ended well (both directions) */
	uint64_t tls_failed;     /* TLS handshakes or sessions that failed (garbage, refused) */
	uint64_t closed_handshake;  /* TLS handshakes not done within handshake_ms */
	uint64_t refused_handshake; /* accepted and closed at once: max_handshakes in progress */
	size_t handshakes;          /* accepted TLS handshakes in progress */
	size_t conns, conns_in, conns_out;
	size_t sources; /* addresses (IPv6: /64s) with accepted connections open */
};

/** user may be NULL, then set with sk_tp_set_user before the first listen. */
int sk_tp_new(struct sk_tp **out, const struct sk_tp_config *cfg, const struct sk_tp_user *user);
/** Sets (or replaces) what the transport hands up to, e.g. sk_txl_tp_user(txl). */
void sk_tp_set_user(struct sk_tp *tp, const struct sk_tp_user *user);
/** Frees the transport and closes its sockets (NULL-safe). */
void sk_tp_free(struct sk_tp *tp);
/**
 * Listens on proto at addr (port 0: an ephemeral port). bound (may be NULL)
 * receives the address actually bound. The first listener of a protocol and
 * family gives the sent-by of requests sent from it.
 */
int sk_tp_listen(struct sk_tp *tp, enum sk_proto proto, const struct sk_sa *addr,
                 struct sk_sa *bound);
/**
 * Chooses the flow of a request of about len bytes to dst: its protocol (TCP for
 * requests above udp_max on UDP, §18.1.1), the listener it leaves from, and for
 * TCP an open connection to dst if there is one (reuse): ours, else in a group
 * one another member accepted from dst.
 */
int sk_tp_flow_for(struct sk_tp *tp, const struct sk_target *dst, size_t len, struct sk_flow *flow);
/** Writes the Via value a request on flow carries: "SIP/2.0/UDP host:port;branch=...;rport". */
int sk_tp_via(struct sk_tp *tp, const struct sk_flow *flow, struct sk_str branch, char *buf,
              size_t size, size_t *len);
/** Fills buf with a new branch: the RFC 3261 magic cookie (§8.1.1.7), in a group "w" and the
 * member's index in two hex digits (sk_tp_branch_owner), then 96 random bits. */
size_t sk_tp_branch(struct sk_tp *tp, char *buf, size_t size);
/**
 * The flow a response to req (received on flow) goes back on (§18.2.2): the
 * request's connection for streams; otherwise maddr, received and rport.
 */
int sk_tp_response_flow(struct sk_tp *tp, const struct sk_msg *req, const struct sk_flow *in,
                        struct sk_flow *out);
/**
 * Sends bytes on flow. Streams: flow->conn if still open, else an open
 * connection to flow->remote, else a new one; flow->conn is updated. In a
 * group, another member's connection goes through the across hook while the
 * group's table has it open. Errors known at once are returned; later ones
 * arrive through conn_lost.
 */
int sk_tp_send(struct sk_tp *tp, struct sk_flow *flow, const char *buf, size_t len);
/**
 * Writes received and rport into the top Via of req as it came on flow
 * (§18.2.1, RFC 3581 §4). The transport does it for every request it hands up;
 * a layer that parses its own copy again calls it to see the same values.
 */
int sk_tp_stamp_request(struct sk_msg *req, const struct sk_flow *flow);
/** True when host:port (numeric) is one of our listening addresses. */
bool sk_tp_is_local(const struct sk_tp *tp, struct sk_str host, uint16_t port);
/** Bytes waiting, unread, in the receive queues of the UDP listeners: how far behind
 * the loop is (0 where the backend cannot tell, e.g. simnet). */
size_t sk_tp_rx_queued(const struct sk_tp *tp);
/** True while the stream connection is open (in a group: another member's accepted one too). */
bool sk_tp_conn_open(struct sk_tp *tp, uint64_t conn);
/** The protocol (TCP, TLS, WS, WSS) and far end of an open stream connection (in a group:
 * another member's accepted one too): 0 or -SK_ENOTFOUND. */
int sk_tp_conn_peer(struct sk_tp *tp, uint64_t conn, enum sk_proto *proto, struct sk_sa *remote);
/** Closes a stream connection (tests, operators). */
void sk_tp_conn_close(struct sk_tp *tp, uint64_t conn);
struct sk_tp_stats sk_tp_stats(const struct sk_tp *tp);

/**
 * A tap on every message: each one handed to the transport to send (out,
 * once sent) and each one received (before parsing, so malformed ones too).
 * For ladders and message logs; NULL fn removes it.
 */
typedef void (*sk_tp_trace_fn)(void *arg, bool out, const struct sk_flow *flow, const char *buf,
                               size_t len);
void sk_tp_set_trace(struct sk_tp *tp, sk_tp_trace_fn fn, void *arg);

/**
 * A steering hook, for several stacks on the same addresses (the proxy's
 * workers): called for every message received that parsed, before it is
 * stamped and handed up, with its bytes as received. Returns true when it
 * took the message (handed it to another stack, which gets it through
 * sk_tp_inject, or answered it); the transport then forgets it. NULL removes it.
 */
typedef bool (*sk_tp_steer_fn)(void *arg, struct sk_msg *m, const struct sk_flow *flow,
                               const char *buf, size_t len);
void sk_tp_set_steer(struct sk_tp *tp, sk_tp_steer_fn fn, void *arg);
/**
 * A message another stack's transport received and steered here: handled as
 * if it had arrived on flow (whose local address must be one this transport
 * listens on too: a response to it leaves from there), the hook not asked again.
 */
void sk_tp_inject(struct sk_tp *tp, const char *buf, size_t len, const struct sk_flow *flow);

#include "sipkit/tp_group.h" /* several transports in one process: the workers */
#include "sipkit/resolve.h"  /* RFC 3263: names to targets */

#endif
