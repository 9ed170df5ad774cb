/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading SIP messages out of captures and logs (internal to src/trace): the
 * pieces of sk_trace_reader shared by reader.c, capture_in.c, pcapng_in.c,
 * ipfrag.c, tcp_stream.c and log_in.c.
 */
#ifndef SK_TRACE_INPUT_H
#define SK_TRACE_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sipkit/trace.h"
#include "sipkit/ws.h"

/* The reader's limits with the defaults of trace.h filled in. */
struct sk_trace_limits {
	const uint16_t *ports;
	size_t nports;
	size_t max_streams;
	size_t max_stream_buf;
	size_t max_frag_bytes;
	size_t max_message;
	struct sk_msg_limits msg; /* for sk_msg_frame: max_msg_size = max_message */
};

/* The limits of cfg (NULL: all defaults), ports aside: the caller keeps a copy of those. */
void sk_trace_limits_init(struct sk_trace_limits *lim, const struct sk_trace_reader_config *cfg);

/* ---- messages waiting to be handed out ----------------------------------- */

/*
 * One frame can complete several messages (a TCP segment holding three, a
 * hole filled that releases a buffered run), so they wait here, as copies, in
 * the order they were completed. The bytes live in one arena that is emptied
 * when the queue runs dry: a message stays valid until the next read.
 */
struct sk_trace_qitem {
	struct sk_trace_pkt pkt; /* data unset: the bytes are at arena + off */
	size_t off;
};

struct sk_trace_queue {
	struct sk_trace_qitem *items;
	size_t n, head, cap;
	char *arena;
	size_t used, size;
};

/* Copies one message in: 0 or -SK_ENOMEM. */
int sk_trace_queue_push(struct sk_trace_queue *q, const struct sk_trace_pkt *meta, const char *data,
                        size_t len);
/* The oldest message waiting: true with *pkt filled (its bytes valid until the next push). */
bool sk_trace_queue_pop(struct sk_trace_queue *q, struct sk_trace_pkt *pkt);
/* Forgets everything; the memory is kept for reuse. */
void sk_trace_queue_clear(struct sk_trace_queue *q);
void sk_trace_queue_free(struct sk_trace_queue *q);

/* ---- what a SIP message starts with -------------------------------------- */

/*
 * Does buf begin with a SIP start line (RFC 3261 §7.1, §7.2)? A request line
 * is `token SP Request-URI SP SIP/2.0` and a status line `SIP/2.0 3DIGIT ...`,
 * ended by CRLF (a bare LF is taken too). Returns 1 yes, 0 no, -SK_EAGAIN when
 * buf is a prefix of one and more bytes could tell.
 */
int sk_trace_sip_start(const char *buf, size_t len);
/* Looser, for a file that holds one message: a request-like or status-like first line. */
bool sk_trace_sip_like(const char *buf, size_t len);

/* Does p begin with a TLS or DTLS record header? (skip.c) */
bool sk_trace_is_tls(const uint8_t *p, size_t n);

/* Parses "1.2.3.4:5060" or "[2001:db8::1]:5060": 0 or -SK_EMALFORMED. */
int sk_trace_addr_parse(struct sk_trace_addr *a, const char *s, size_t len);

/* Days since 1970-01-01 of a proleptic Gregorian date (no time zone, no global state). */
int64_t sk_trace_days_from_civil(int64_t y, unsigned m, unsigned d);

/* ---- IP fragments (ipfrag.c) --------------------------------------------- */

struct sk_ipfrag_key {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;  /* IPv4: the protocol field; IPv6: 0 (RFC 8200 keys on src, dst, id) */
	uint8_t src[16], dst[16];
	uint32_t id;
};

struct sk_ipfrag_in {
	uint32_t off;  /* byte offset of data in the original payload */
	bool more;     /* More Fragments flag */
	uint8_t proto; /* the upper protocol (IPv6: the Fragment header's Next Header) */
	const uint8_t *data;
	size_t len;
	int64_t ts_us;
};

struct sk_ipfrag;

int sk_ipfrag_new(struct sk_ipfrag **out, size_t budget, struct sk_trace_reader_stats *st);
void sk_ipfrag_free(struct sk_ipfrag *f);
/* The end of the input: every datagram still incomplete is counted as fragment_missing. */
void sk_ipfrag_finish(struct sk_ipfrag *f);
/*
 * Adds one fragment. Returns 1 when it completed its datagram: *out is the
 * payload (malloc'd, the caller frees it) of *out_len bytes and *proto its
 * upper protocol (that of the fragment at offset 0); 0 when held or dropped;
 * -SK_ENOMEM.
 */
int sk_ipfrag_add(struct sk_ipfrag *f, const struct sk_ipfrag_key *k, const struct sk_ipfrag_in *in,
                  uint8_t **out, size_t *out_len, uint8_t *proto);

/* ---- TCP streams (tcp_stream.c) ------------------------------------------ */

enum { SK_TCP_FIN = 0x01, SK_TCP_SYN = 0x02, SK_TCP_RST = 0x04 };

struct sk_tcp_seg {
	struct sk_trace_addr src, dst;
	uint32_t seq;
	uint8_t flags;
	const uint8_t *data; /* the captured payload (a snaplen cut leaves a hole after it) */
	size_t len;
	uint64_t frame;
	int64_t ts_us;
};

struct sk_tcp_streams;

int sk_tcp_streams_new(struct sk_tcp_streams **out, const struct sk_trace_limits *lim,
                       struct sk_trace_queue *q, struct sk_trace_reader_stats *st);
void sk_tcp_streams_free(struct sk_tcp_streams *t);
/* One segment: the messages it completes go to the queue. 0 or -SK_ENOMEM. */
int sk_tcp_streams_segment(struct sk_tcp_streams *t, const struct sk_tcp_seg *s);
/*
 * End of input: takes the holes still open in one stream as lost and frames
 * what follows them. Returns 1 when a stream was flushed (call again), 0 when
 * none is left, -SK_ENOMEM.
 */
int sk_tcp_streams_flush_one(struct sk_tcp_streams *t);

/* ---- SIP over WebSocket in a TCP stream (ws_stream.c, RFC 7118) ---------- */

/** One direction of a WebSocket connection: its frames into messages. */
struct sk_trace_ws {
	struct sk_ws_reader rd;
};

/**
 * A stream's first bytes: 1 when they are a WebSocket upgrade for SIP (a
 * request offering `sip`, or a 101 selecting it), *used its length; 0 when
 * they are not; -SK_EAGAIN when that is not known yet.
 */
int sk_trace_ws_upgrade(const char *p, size_t n, size_t max, size_t *used);
/** A direction's reader, frames and messages bounded by max_message; NULL: no memory. */
struct sk_trace_ws *sk_trace_ws_new(size_t max_message);
void sk_trace_ws_free(struct sk_trace_ws *w);
/**
 * Takes one frame from p: 0 with *used (and *msg present when the frame
 * completed a message), -SK_EAGAIN when the frame is not whole, or an error:
 * a bad frame, after which the direction is not read further.
 */
int sk_trace_ws_next(struct sk_trace_ws *w, const char *p, size_t n, size_t *used,
                     struct sk_str *msg);

/* ---- frames into messages (capture_in.c) --------------------------------- */

/* Link types as written in pcap and pcapng files (LINKTYPE_*, tcpdump.org/linktypes.html). */
enum {
	LT_NULL = 0,     /* BSD loopback, host byte order family word */
	LT_ETHERNET = 1, /* Ethernet II, 802.1Q / 802.1ad tags */
	LT_RAW_12 = 12,  /* raw IP as DLT_RAW on most systems (DLT_LOOP on OpenBSD) */
	LT_RAW_14 = 14,  /* raw IP as DLT_RAW on OpenBSD */
	LT_RAW = 101,    /* LINKTYPE_RAW */
	LT_LOOP = 108,   /* OpenBSD loopback, network byte order family word */
	LT_SLL = 113,    /* Linux "cooked" capture */
	LT_IPV4 = 228,   /* raw IPv4 */
	LT_IPV6 = 229,   /* raw IPv6 */
	LT_SLL2 = 276,   /* Linux "cooked" capture v2 */
};

struct sk_capture;

/* A decoder without an input: frames go in with sk_capture_frame (tests, fuzzing). */
int sk_capture_new(struct sk_capture **out, const struct sk_trace_limits *lim,
                   struct sk_trace_queue *q, struct sk_trace_reader_stats *st);
/* Reads a pcap (libpcap) or pcapng from f, which it owns from now on (closed on failure). */
int sk_capture_open(struct sk_capture **out, FILE *f, enum sk_trace_format fmt,
                    const struct sk_trace_limits *lim, struct sk_trace_queue *q,
                    struct sk_trace_reader_stats *st, char *err, size_t errsize);
void sk_capture_free(struct sk_capture *c);
/*
 * Reads frames until some message is queued: 1; 0 at the end of the input
 * (streams flushed); -SK_EIO at a truncated or corrupt frame, once what came
 * before is out, with the reason in err and the frame in *err_frame; -SK_ENOMEM.
 */
int sk_capture_read(struct sk_capture *c, char *err, size_t errsize, uint64_t *err_frame);
/* True for the link types we decode (LINKTYPE_ values, as in a pcap or pcapng file). */
bool sk_capture_linktype_ok(int linktype);
/* One frame of caplen captured bytes out of wirelen: its SIP messages go to the queue. */
int sk_capture_frame(struct sk_capture *c, int linktype, const uint8_t *data, size_t caplen,
                     size_t wirelen, uint64_t frame, int64_t ts_us);

/* ---- inside a frame: shared by capture_in.c, encap.c and sctp_in.c -------- */

/* Tunnels looked through per frame, at most; the next one is counted as too_deep. */
#define SK_TRACE_MAX_TUNNELS 8
#define SK_ENCAP_VXLAN_PORT  4789 /* RFC 7348 §5 */
#define SK_ENCAP_GENEVE_PORT 6081 /* RFC 8926 §3.3 */

/* Counts the frame being decoded as not read, for why. */
void sk_capture_skip(struct sk_capture *c, enum sk_trace_skip why);
/* One tunnel level in (false, counted as too_deep: past SK_TRACE_MAX_TUNNELS), and out. */
bool sk_capture_tunnel_enter(struct sk_capture *c);
void sk_capture_tunnel_leave(struct sk_capture *c);
/* An IP packet (version 4 or 6 only, when not 0), an EtherType's payload, an Ethernet frame. */
int sk_capture_ip(struct sk_capture *c, const uint8_t *p, size_t n, bool cut, unsigned version);
int sk_capture_ethertype(struct sk_capture *c, uint16_t et, const uint8_t *p, size_t n, bool cut);
int sk_capture_ethernet(struct sk_capture *c, const uint8_t *p, size_t n, bool cut);
/* link_in.c: a frame of link type lt, from its first byte */
int sk_capture_link(struct sk_capture *c, int lt, const uint8_t *p, size_t caplen, bool cut);

/* encap.c: GRE (and ERSPAN, PPP over it), MPLS; VXLAN and Geneve (*taken: it was one) */
int sk_encap_gre(struct sk_capture *c, const uint8_t *p, size_t n, bool cut);
int sk_encap_mpls(struct sk_capture *c, const uint8_t *p, size_t n, bool cut);
int sk_encap_udp(struct sk_capture *c, uint16_t dport, const uint8_t *p, size_t n, bool cut,
                 bool *taken);

/* sctp_in.c: SIP over SCTP (RFC 4168) */
struct sk_sctp;
struct sk_sctp_pkt {
	struct sk_trace_addr src, dst; /* the IP ends; the ports are read from the packet */
	uint64_t frame;
	int64_t ts_us;
};
int sk_sctp_new(struct sk_sctp **out, const struct sk_trace_limits *lim, struct sk_trace_queue *q,
                struct sk_trace_reader_stats *st);
void sk_sctp_free(struct sk_sctp *s);
/* One SCTP packet (common header and chunks): its SIP messages go to the queue. */
int sk_sctp_packet(struct sk_sctp *s, const struct sk_sctp_pkt *k, const uint8_t *p, size_t n,
                   bool cut);
/* The end of the input: messages still missing fragments are counted as truncated. */
void sk_sctp_finish(struct sk_sctp *s);

/* ---- pcapng blocks (pcapng_in.c) ----------------------------------------- */

struct sk_pcapng;

struct sk_pcapng_frame {
	int linktype;
	const uint8_t *data;
	size_t caplen, wirelen;
	int64_t ts_us;
};

int sk_pcapng_open(struct sk_pcapng **out, FILE *f, char *err, size_t errsize);
void sk_pcapng_free(struct sk_pcapng *n);
/* The next packet: 1, 0 at the end, -SK_EIO with the reason in err. */
int sk_pcapng_next(struct sk_pcapng *n, struct sk_pcapng_frame *fr, char *err, size_t errsize);

/* ---- text logs (log_in.c) ------------------------------------------------ */

struct sk_log_in;

/* Reads a sipkit log, a SIPp -trace_msg log or one raw message from f (owned). */
int sk_log_in_open(struct sk_log_in **out, FILE *f, enum sk_trace_format fmt,
                   const struct sk_trace_limits *lim, struct sk_trace_reader_stats *st, char *err,
                   size_t errsize);
void sk_log_in_free(struct sk_log_in *l);
/* The next message: 1, 0 at the end, -SK_EIO with the reason in err and the entry in *frame. */
int sk_log_in_next(struct sk_log_in *l, struct sk_trace_pkt *pkt, char *err, size_t errsize,
                   uint64_t *frame);
/* Format detection: is this line a sipkit log marker? Do these first bytes start a SIPp log? */
bool sk_log_in_is_marker(const char *line, size_t len);
bool sk_log_in_is_sipp(const char *head, size_t len);

#endif
