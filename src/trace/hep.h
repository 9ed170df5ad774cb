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

#endif
