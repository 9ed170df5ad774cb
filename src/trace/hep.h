/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HEP, the Homer Encapsulation Protocol (internal to src/trace): the SIP
 * message a capture agent (Kamailio's siptrace, heplify, captagent) copied
 * into one datagram, with the addresses, ports and time it saw it with.
 * Versions 1 and 2 are a fixed header; version 3 is "HEP3", a total length
 * and typed chunks (vendor, type, length). Decoded by hep.c.
 */
#ifndef SK_TRACE_HEP_H
#define SK_TRACE_HEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "input.h"

/* What sk_hep_decode made of a datagram. */
enum sk_hep_result {
	SK_HEP_SIP = 1,         /* a SIP message: the sk_hep_msg is filled */
	SK_HEP_NONE = 0,        /* not HEP at all (a capture reads it as plain UDP) */
	SK_HEP_MALFORMED = -1,  /* HEP, but a length or a field is wrong: skipped */
	SK_HEP_NOT_SIP = -2,    /* HEP carrying something else (RTCP, logs, QoS ...) */
	SK_HEP_COMPRESSED = -3, /* the payload is compressed (chunk 0x0010): not read */
};

struct sk_hep_msg {
	uint8_t version;  /* 1, 2 or 3 */
	uint8_t ip_proto; /* the original transport: 17 UDP, 6 TCP, 132 SCTP ... */
	struct sk_trace_addr src, dst;
	bool has_ts; /* version 1 carries no time: the receiver's is used */
	int64_t ts_us;
	uint32_t capture_id;
	const char *payload; /* the SIP message, inside the datagram */
	size_t len;
};

/*
 * Decodes one datagram of n bytes. In a capture (strict false) a version 1
 * or 2 header is only taken as HEP when its fields agree with each other and
 * a SIP start line follows, since any UDP payload may begin with those bytes;
 * "HEP3" is always taken as HEP. On a HEP socket (strict true) everything is
 * meant to be HEP: what is not is SK_HEP_MALFORMED. Reads nothing past n;
 * the work is linear in n (chunks are at least 6 bytes).
 */
enum sk_hep_result sk_hep_decode(const uint8_t *p, size_t n, bool strict, struct sk_hep_msg *m);

/*
 * What a decoded datagram gives the reader: a skipped one is counted by its
 * reason in st; a SIP message goes to q (its time: HEP's own, else ts_us),
 * unless the configured ports name neither of its ends or it is larger than
 * max_message (counted). 0 or -SK_ENOMEM.
 */
int sk_hep_deliver(const struct sk_trace_limits *lim, struct sk_trace_queue *q,
                   struct sk_trace_reader_stats *st, enum sk_hep_result r,
                   const struct sk_hep_msg *m, uint64_t frame, int64_t ts_us);

/* "malformed", "not SIP", "compressed" for a negative result. */
const char *sk_hep_result_name(enum sk_hep_result r);

/*
 * HEP over TCP (hep_tcp.c), as Kamailio's siptrace sends it with
 * `duplicate_uri "sip:HOST:PORT;transport=tcp"` and heplify with -nt tcp: a
 * listening socket and its connections behind one epoll descriptor. Only
 * version 3 can be framed on a stream (its header holds the total length);
 * a connection whose bytes stop being HEP3 cannot be resynchronised and is
 * closed, counted hep_malformed. Bounded: SK_HEP_TCP_CONNS connections, each
 * with one buffer of the largest HEP3 message (65535 bytes). When all are
 * taken, a new connection replaces the one quiet the longest if it has sent
 * nothing for SK_HEP_TCP_IDLE_MS (a stranger's idle connections cannot lock
 * an agent out), else it is closed at once; either is counted over_limit.
 */
#define SK_HEP_TCP_CONNS   64
#define SK_HEP_TCP_IDLE_MS 5000
struct sk_hep_tcp;
/** Listens on addr. 0, or -SK_EIO / -SK_ENOMEM with the reason in err. */
int sk_hep_tcp_open(struct sk_hep_tcp **out, const struct sockaddr *addr, socklen_t len, char *err,
                    size_t errsize);
void sk_hep_tcp_free(struct sk_hep_tcp *h);
/** The descriptor to poll: readable when a connection or the listener is. */
int sk_hep_tcp_fd(const struct sk_hep_tcp *h);
/**
 * Reads what is ready now: each whole HEP3 message to deliver(arg, bytes, n),
 * whose negative return stops the read and is returned. 1 when something was
 * read, 0 when nothing was ready, -SK_EIO. What is skipped is counted in st.
 */
int sk_hep_tcp_read(struct sk_hep_tcp *h, uint64_t now_ms, struct sk_trace_reader_stats *st,
                    int (*deliver)(void *arg, const uint8_t *p, size_t n), void *arg);
/** Connections open now (for tests). */
size_t sk_hep_tcp_conns(const struct sk_hep_tcp *h);

#endif
