/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The socket layer under the transport (internal to src/transport): two
 * backends, OS sockets (net_os.c) and simnet (simnet.c), implement these
 * operations; the transport (transport.c, conn.c) owns everything above raw
 * bytes: framing, connection reuse, caps, idle timeouts, Via handling.
 */
#ifndef SK_TRANSPORT_NET_H
#define SK_TRANSPORT_NET_H

#include "sipkit/transport.h"

struct sk_net_sock;

/**
 * Calls from a backend into its transport; arg is up_arg. They are set before
 * the first socket exists. Backend errors are negative errno values; the
 * transport turns every one into -SK_EIO with a log line.
 */
struct sk_net_up {
	/** A datagram arrived on a UDP socket. */
	void (*datagram)(void *arg, struct sk_net_sock *s, const struct sk_sa *from,
	                 const char *buf, size_t len);
	/** A listener accepted conn from peer. The transport adopts it or closes it. */
	void (*accepted)(void *arg, struct sk_net_sock *listener, struct sk_net_sock *conn,
	                 const struct sk_sa *peer);
	/** An outgoing connection is up (err 0) or failed (err < 0: the transport then closes
	 * conn). */
	void (*connected)(void *arg, struct sk_net_sock *conn, int err);
	/** Bytes arrived on a connection. */
	void (*stream)(void *arg, struct sk_net_sock *conn, const char *buf, size_t len);
	/** The peer closed or the connection broke (err 0 or < 0); conn must then be closed. */
	void (*closed)(void *arg, struct sk_net_sock *conn, int err);
	/**
	 * A datagram sent from UDP socket s to dst met an ICMP error the OS reported
	 * (port, host or network unreachable; err a negative errno). dst is the
	 * address and port the datagram was sent to, as quoted in the ICMP error.
	 */
	void (*unreachable)(void *arg, struct sk_net_sock *s, const struct sk_sa *dst, int err);
};

/** Common head of every backend socket. */
struct sk_net_sock {
	struct sk_net *net;
	void *user; /* the transport's own object for this socket */
	struct sk_sa local;
};

struct sk_net_ops {
	/** Binds a UDP socket (port 0: ephemeral); s->local is the bound address. */
	int (*udp_bind)(struct sk_net *n, const struct sk_sa *addr, struct sk_net_sock **out);
	/** Listens for TCP connections. */
	int (*tcp_listen)(struct sk_net *n, const struct sk_sa *addr, struct sk_net_sock **out);
	/** Starts a TCP connection to `to`; `connected` always follows later, never from inside
	 * this call. */
	int (*tcp_connect)(struct sk_net *n, const struct sk_sa *to, struct sk_net_sock **out);
	/** Sends one datagram: 0 or a negative error. */
	int (*send_to)(struct sk_net_sock *s, const struct sk_sa *to, const char *buf, size_t len);
	/** Queues bytes on a connection (also before it is up): 0 or a negative error. */
	int (*write)(struct sk_net_sock *s, const char *buf, size_t len);
	/** Bytes queued on a connection and not yet written. */
	size_t (*pending)(const struct sk_net_sock *s);
	/** Bytes received on a socket and not yet read (the kernel's queue); NULL: 0. */
	size_t (*rx_queued)(const struct sk_net_sock *s);
	/** Closes any socket, dropping unsent bytes; no upcall follows for it. */
	void (*close)(struct sk_net_sock *s);
	/** Frees the backend, closing sockets still open. */
	void (*free)(struct sk_net *n);
};

struct sk_net {
	const struct sk_net_ops *ops;
	struct sk_net_up up;
	void *up_arg;
};

#endif
