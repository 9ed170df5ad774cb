/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Why a packet was not read: one count per reason, under stable names that
 * `sipkit check` prints in its text and JSON summaries. A tool that skips
 * input says how much and why; a reader never drops a packet in silence.
 */
#include <string.h>
#include <strings.h>

#include "input.h"

struct skip_reason {
	const char *name;
	const char *summary;
	bool dropped; /* given up on (truncated, too large, a limit); else: not SIP to begin with */
};

/* Indexed by enum sk_trace_skip; the names are part of the JSON schema: never renamed. */
static const struct skip_reason reasons[SK_TRACE_SKIP_COUNT] = {
    [SK_TRACE_SKIP_NOT_SIP] = {"not_sip", "UDP, TCP or SCTP payload that is not SIP", false},
    [SK_TRACE_SKIP_TLS] = {"tls", "TLS or DTLS records (encrypted, not read)", false},
    [SK_TRACE_SKIP_OTHER_PORT] = {"other_port", "outside the ports given with --port", false},
    [SK_TRACE_SKIP_KEEPALIVE] = {"keepalive", "CRLF keep-alives (RFC 5626), no message", false},
    [SK_TRACE_SKIP_NOT_IP] = {"not_ip", "link-layer frames without IP (ARP, LLDP ...)", false},
    [SK_TRACE_SKIP_OTHER_IP_PROTO] = {"other_ip_proto",
                                      "IP carrying no UDP, TCP, SCTP or tunnel (ICMP ...)", false},
    [SK_TRACE_SKIP_UNKNOWN_LINK] = {"unknown_link", "link types not decoded", false},
    [SK_TRACE_SKIP_UNKNOWN_ENCAP] = {"unknown_encap",
                                     "EtherTypes, GRE protocols or tunnels not decoded", false},
    [SK_TRACE_SKIP_TOO_DEEP] = {"too_deep", "tunnels nested deeper than 8", true},
    [SK_TRACE_SKIP_TRUNCATED] = {"truncated", "cut by the snapshot length or the end of a stream",
                                 true},
    [SK_TRACE_SKIP_MALFORMED] = {"malformed", "link, IP, UDP, TCP or tunnel headers inconsistent",
                                 false},
    [SK_TRACE_SKIP_TOO_LARGE] = {"too_large", "SIP messages larger than --max-message", true},
    [SK_TRACE_SKIP_FRAGMENT_MISSING] = {"fragment_missing",
                                        "IP datagrams whose fragments never all came", true},
    [SK_TRACE_SKIP_STREAM_GAP] = {"stream_gap", "TCP stream bytes never captured (holes)", true},
    [SK_TRACE_SKIP_OVER_LIMIT] = {"over_limit",
                                  "reassembly memory or the TCP stream table was full", true},
    [SK_TRACE_SKIP_SCTP_MALFORMED] = {"sctp_malformed",
                                      "SCTP chunks looping, empty, cut or out of order", true},
    [SK_TRACE_SKIP_WS_BAD_FRAME] = {"ws_bad_frame",
                                    "bad WebSocket frames (the rest of that direction unread)",
                                    true},
    [SK_TRACE_SKIP_HEP_MALFORMED] = {"hep_malformed", "HEP datagrams with a wrong or cut length",
                                     false},
    [SK_TRACE_SKIP_HEP_NOT_SIP] = {"hep_not_sip", "HEP carrying another protocol (RTCP, logs ...)",
                                   false},
    [SK_TRACE_SKIP_HEP_COMPRESSED] = {"hep_compressed", "HEP with a compressed payload (not read)",
                                      false},
};

const char *sk_trace_skip_name(enum sk_trace_skip why)
{
	return (unsigned)why < SK_TRACE_SKIP_COUNT ? reasons[why].name : NULL;
}

const char *sk_trace_skip_summary(enum sk_trace_skip why)
{
	return (unsigned)why < SK_TRACE_SKIP_COUNT ? reasons[why].summary : NULL;
}

enum sk_trace_skip sk_trace_skip_find(const char *name)
{
	for (unsigned i = 0; name && i < SK_TRACE_SKIP_COUNT; i++)
		if (strcmp(reasons[i].name, name) == 0)
			return (enum sk_trace_skip)i;
	return SK_TRACE_SKIP_COUNT;
}

void sk_trace_skip_count(struct sk_trace_reader_stats *st, enum sk_trace_skip why)
{
	if ((unsigned)why >= SK_TRACE_SKIP_COUNT)
		return;
	st->skipped[why]++;
	/* the older totals: keep-alives and stream holes were never counted in them */
	if (why == SK_TRACE_SKIP_KEEPALIVE || why == SK_TRACE_SKIP_STREAM_GAP)
		return;
	if (reasons[why].dropped)
		st->dropped++;
	else
		st->not_sip++;
}

void sk_trace_skip_too_large(struct sk_trace_reader_stats *st, uint64_t size, uint64_t frame)
{
	sk_trace_skip_count(st, SK_TRACE_SKIP_TOO_LARGE);
	if (size > st->too_large_max) {
		st->too_large_max = size;
		st->too_large_frame = frame;
	}
}

uint64_t sk_trace_skipped_total(const struct sk_trace_reader_stats *st)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < SK_TRACE_SKIP_COUNT; i++)
		n += st->skipped[i];
	return n;
}

void sk_trace_totals_add_skipped(struct sk_trace_totals *t, const struct sk_trace_reader_stats *st)
{
	for (unsigned i = 0; i < SK_TRACE_SKIP_COUNT; i++)
		t->skipped[i] += st->skipped[i];
	if (st->too_large_max > t->too_large_max) {
		t->too_large_max = st->too_large_max;
		t->too_large_frame = st->too_large_frame;
	}
}

/* Content-Length's value on the header line [p, e) when it is one ("l" compact, §7.3.3). */
static bool content_length_line(const char *p, const char *e, uint64_t *v)
{
	const char *colon = memchr(p, ':', (size_t)(e - p));
	if (!colon)
		return false;
	const char *ne = colon;
	while (ne > p && (ne[-1] == ' ' || ne[-1] == '\t'))
		ne--;
	size_t nl = (size_t)(ne - p);
	if (!((nl == 14 && strncasecmp(p, "Content-Length", 14) == 0) ||
	      (nl == 1 && (*p == 'l' || *p == 'L'))))
		return false;
	const char *q = colon + 1;
	while (q < e && (*q == ' ' || *q == '\t'))
		q++;
	uint64_t n = 0;
	bool any = false;
	for (; q < e && *q >= '0' && *q <= '9'; q++) {
		any = true;
		if (n < (UINT64_MAX - 9) / 10)
			n = n * 10 + (uint64_t)(*q - '0');
	}
	*v = n;
	return any;
}

bool sk_trace_declared_size(const char *buf, size_t len, uint64_t *size)
{
	const char *p = buf, *end = buf + len;
	uint64_t cl = 0;
	bool have = false;

	*size = len;
	if (!len)
		return false; /* buf may be NULL */
	for (bool first = true; p < end; first = false) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return false;
		if (nl == p || (nl == p + 1 && *p == '\r')) {
			if (!have)
				return false;
			*size = (uint64_t)(nl + 1 - buf) + cl;
			return true;
		}
		uint64_t v;
		if (!first && content_length_line(p, nl, &v)) {
			cl = v;
			have = true;
		}
		p = nl + 1;
	}
	return false;
}

bool sk_trace_is_tls(const uint8_t *p, size_t n)
{
	/* a record header (RFC 8446 §5.1): content type 20-23, legacy version 3.x; DTLS
	 * (RFC 9147 §4): types up to 25, versions 254.255, 254.253 and 254.252 */
	if (n < 3 || p[0] < 20 || p[0] > 25)
		return false;
	if (p[1] == 3 && p[2] <= 4 && p[0] <= 23)
		return true;
	return p[1] == 254 && p[2] >= 252;
}
