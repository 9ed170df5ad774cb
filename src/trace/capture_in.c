/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frames into SIP messages: the frame loop over a classic pcap (libpcap) or a
 * pcapng (pcapng_in.c, since libpcap refuses interfaces of different link
 * types in one file), and the decoding of each frame: link layer (link_in.c),
 * IPv4 or IPv6 (fragments to ipfrag.c), tunnels (IP in IP here; GRE, ERSPAN,
 * VXLAN, Geneve and MPLS in encap.c), UDP datagrams (one message each), TCP
 * segments (to tcp_stream.c, which frames the byte streams) and SCTP packets
 * (to sctp_in.c). Every frame that gives no message is counted under the
 * reason why (skip.c).
 *
 * Nothing past a frame's captured length is read. A frame cut by the snapshot
 * length (caplen < len) lost its tail: a cut UDP datagram or IP fragment is
 * dropped, a cut TCP segment leaves a hole in its stream.
 */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "hep.h"
#include "input.h"

enum { IPP_HOPOPT = 0, IPP_IPIP = 4, IPP_TCP = 6, IPP_UDP = 17, IPP_IPV6 = 41 };
enum { IPP_ROUTING = 43, IPP_FRAGMENT = 44, IPP_GRE = 47, IPP_AH = 51, IPP_NONE = 59 };
enum { IPP_DSTOPTS = 60, IPP_SCTP = 132 };

/* IPv6 extension headers looked through, at most. */
#define MAX_IP6_EXT 16

struct sk_capture {
	const struct sk_trace_limits *lim;
	struct sk_trace_queue *q;
	struct sk_trace_reader_stats *st;
	pcap_t *pcap;         /* classic pcap */
	int linktype;         /* its link type */
	struct sk_pcapng *ng; /* pcapng */
	struct sk_ipfrag *frag;
	struct sk_tcp_streams *tcp;
	struct sk_sctp *sctp;
	bool flushing, ended, failed;
	uint64_t err_frame;
	char err[256];
	/* the frame being decoded */
	uint64_t frame;
	int64_t ts_us;
	unsigned depth; /* tunnels entered (encap.c) */
	bool tunnelled; /* through one at least */
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A frame not read, counted under its reason (skip.c), then ignored. */
static void skip(struct sk_capture *c, enum sk_trace_skip why)
{
	sk_trace_skip_count(c->st, why);
}

/* Too short for its headers: a snaplen cut loses it, otherwise it is malformed. */
static void short_frame(struct sk_capture *c, bool truncated)
{
	skip(c, truncated ? SK_TRACE_SKIP_TRUNCATED : SK_TRACE_SKIP_MALFORMED);
}

static bool port_ok(const struct sk_capture *c, uint16_t sport, uint16_t dport)
{
	if (!c->lim->nports)
		return true;
	for (size_t i = 0; i < c->lim->nports; i++)
		if (c->lim->ports[i] == sport || c->lim->ports[i] == dport)
			return true;
	return false;
}

struct ip_ends {
	uint8_t family; /* 4 or 6 */
	const uint8_t *src, *dst;
	/* the packet's identification (RFC 791 §3.1; RFC 8200 §4.5 in a fragment header):
	   the same packet captured twice keeps it, a retransmission gets a new one */
	uint32_t ip_id;
	bool has_ip_id;
};

void sk_capture_skip(struct sk_capture *c, enum sk_trace_skip why)
{
	skip(c, why);
}

bool sk_capture_tunnel_enter(struct sk_capture *c)
{
	if (c->depth >= SK_TRACE_MAX_TUNNELS) {
		skip(c, SK_TRACE_SKIP_TOO_DEEP);
		return false;
	}
	c->depth++;
	c->tunnelled = true;
	return true;
}

void sk_capture_tunnel_leave(struct sk_capture *c)
{
	c->depth--;
}

static void set_addr(struct sk_trace_addr *a, const struct ip_ends *e, const uint8_t *ip,
                     uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = e->family;
	memcpy(a->ip, ip, e->family == 4 ? 4 : 16);
	a->port = port;
}

/* ---- UDP and TCP ----------------------------------------------------------------- */

static int udp(struct sk_capture *c, const struct ip_ends *e, const uint8_t *p, size_t n,
               bool truncated)
{
	if (n < 8) {
		short_frame(c, truncated);
		return 0;
	}
	uint16_t sport = be16(p), dport = be16(p + 2), ulen = be16(p + 4);
	if (ulen >= 8 && ulen <= n) {
		/* HEP goes to a collector's port, whatever it is: recognised by its header, and
		 * its SIP read with the addresses, ports and time it carries (hep.c) */
		struct sk_hep_msg hm;
		enum sk_hep_result hr = sk_hep_decode(p + 8, ulen - 8u, false, &hm);
		if (hr != SK_HEP_NONE)
			return sk_hep_deliver(c->lim, c->q, c->st, hr, &hm, c->frame, c->ts_us);
	}
	/* VXLAN and Geneve: their inner packets are filtered by port, not the tunnel */
	bool tunnel = dport == SK_ENCAP_VXLAN_PORT || dport == SK_ENCAP_GENEVE_PORT;
	if (!tunnel && !port_ok(c, sport, dport)) {
		skip(c, SK_TRACE_SKIP_OTHER_PORT);
		return 0;
	}
	if (ulen < 8 || ulen > n) {
		/* a datagram longer than what was captured lost its tail: never half a message */
		short_frame(c, truncated && ulen > n);
		return 0;
	}
	if (tunnel) {
		bool taken;
		int rc = sk_encap_udp(c, dport, p + 8, ulen - 8u, false, &taken);
		if (taken)
			return rc;
		if (!port_ok(c, sport, dport)) {
			skip(c, SK_TRACE_SKIP_OTHER_PORT);
			return 0;
		}
	}
	const char *msg = (const char *)p + 8;
	size_t len = ulen - 8u;
	/* CRLF keep-alives (RFC 5626 §3.5.1) before a message, or alone, are no message */
	while (len && (*msg == '\r' || *msg == '\n')) {
		msg++;
		len--;
	}
	if (!len) {
		skip(c, SK_TRACE_SKIP_KEEPALIVE);
		return 0;
	}
	if (sk_trace_is_tls((const uint8_t *)msg, len)) {
		skip(c, SK_TRACE_SKIP_TLS); /* DTLS */
		return 0;
	}
	if (c->lim->nports) {
		/* on a SIP port every datagram is a candidate, so that a malformed one is
		 * reported; binary ones (STUN keep-alives, RFC 5626 §4.4.2) are not */
		unsigned char b = (unsigned char)msg[0];
		if (b < 0x20 || b >= 0x7f) {
			skip(c, SK_TRACE_SKIP_NOT_SIP);
			return 0;
		}
	} else if (sk_trace_sip_start(msg, len) != 1) {
		skip(c, SK_TRACE_SKIP_NOT_SIP);
		return 0;
	}
	if (len > c->lim->max_message) {
		/* a datagram is one message (RFC 3261 §18.1.1): its size is the declared one */
		sk_trace_skip_too_large(c->st, len, c->frame);
		return 0;
	}
	struct sk_trace_pkt pkt = {.frame = c->frame,
	                           .ts_us = c->ts_us,
	                           .proto = SK_TRACE_UDP,
	                           .ip_id = e->ip_id,
	                           .has_ip_id = e->has_ip_id};
	set_addr(&pkt.src, e, e->src, sport);
	set_addr(&pkt.dst, e, e->dst, dport);
	return sk_trace_queue_push(c->q, &pkt, msg, len);
}

static int tcp(struct sk_capture *c, const struct ip_ends *e, const uint8_t *p, size_t n,
               bool truncated)
{
	if (n < 20) {
		short_frame(c, truncated);
		return 0;
	}
	size_t doff = (size_t)(p[12] >> 4) * 4;
	if (doff < 20 || doff > n) {
		short_frame(c, truncated);
		return 0;
	}
	uint16_t sport = be16(p), dport = be16(p + 2);
	if (!port_ok(c, sport, dport)) {
		skip(c, SK_TRACE_SKIP_OTHER_PORT);
		return 0;
	}
	struct sk_tcp_seg s = {
	    .seq = be32(p + 4),
	    .flags = p[13] & (SK_TCP_FIN | SK_TCP_SYN | SK_TCP_RST), /* same bits as the header */
	    .data = p + doff,
	    .len = n - doff,
	    .frame = c->frame,
	    .ts_us = c->ts_us,
	};
	set_addr(&s.src, e, e->src, sport);
	set_addr(&s.dst, e, e->dst, dport);
	return sk_tcp_streams_segment(c->tcp, &s);
}

/* SIP over SCTP (RFC 4168): the chunks are sctp_in.c's. */
static int sctp(struct sk_capture *c, const struct ip_ends *e, const uint8_t *p, size_t n,
                bool truncated)
{
	struct sk_sctp_pkt k = {.frame = c->frame, .ts_us = c->ts_us};
	set_addr(&k.src, e, e->src, 0);
	set_addr(&k.dst, e, e->dst, 0);
	return sk_sctp_packet(c->sctp, &k, p, n, truncated);
}

/* IP in IP (RFC 2003, RFC 4213 §3.5, RFC 2473): the inner header must be of its kind. */
static int ip_in_ip(struct sk_capture *c, unsigned version, const uint8_t *p, size_t n, bool cut)
{
	if (!sk_capture_tunnel_enter(c))
		return 0;
	int rc = sk_capture_ip(c, p, n, cut, version);
	sk_capture_tunnel_leave(c);
	return rc;
}

static int l4(struct sk_capture *c, const struct ip_ends *e, uint8_t proto, const uint8_t *p,
              size_t n, bool truncated)
{
	switch (proto) {
	case IPP_UDP: return udp(c, e, p, n, truncated);
	case IPP_TCP: return tcp(c, e, p, n, truncated);
	case IPP_SCTP: return sctp(c, e, p, n, truncated);
	case IPP_GRE: return sk_encap_gre(c, p, n, truncated);
	case IPP_IPIP: return ip_in_ip(c, 4, p, n, truncated);
	case IPP_IPV6: return ip_in_ip(c, 6, p, n, truncated);
	default: skip(c, SK_TRACE_SKIP_OTHER_IP_PROTO); return 0;
	}
}

/* ---- IPv4 (RFC 791) and IPv6 (RFC 8200) ------------------------------------------ */

static int ip6_walk(struct sk_capture *c, const struct ip_ends *e, uint8_t nh, const uint8_t *p,
                    size_t n, bool truncated, bool reassembled);

/* A fragment to the reassembly; a completed datagram goes on up. */
static int fragment(struct sk_capture *c, const struct ip_ends *e, const struct sk_ipfrag_key *k,
                    const struct sk_ipfrag_in *in)
{
	uint8_t *dg = NULL, proto = 0;
	size_t len = 0;

	c->st->fragments++;
	int rc = sk_ipfrag_add(c->frag, k, in, &dg, &len, &proto);
	if (rc <= 0)
		return rc;
	c->st->reassembled++;
	if (e->family == 4)
		rc = l4(c, e, proto, dg, len, false);
	else
		rc = ip6_walk(c, e, proto, dg, len, false, true);
	free(dg);
	return rc;
}

static int ip4(struct sk_capture *c, const uint8_t *p, size_t n, bool cut)
{
	if (n < 20) {
		short_frame(c, cut);
		return 0;
	}
	size_t ihl = (size_t)(p[0] & 15) * 4; /* options are skipped, never read */
	size_t tot = be16(p + 2);
	bool truncated = false;
	if (tot == 0 && p[9] == IPP_TCP)
		tot = n; /* TCP segmentation offload seen on the sending host: length unset */
	if (ihl < 20 || tot < ihl) {
		skip(c, SK_TRACE_SKIP_MALFORMED);
		return 0;
	}
	if (ihl > n) {
		short_frame(c, cut);
		return 0;
	}
	if (tot > n) {
		if (!cut) {
			skip(c, SK_TRACE_SKIP_MALFORMED); /* claims more bytes than the frame has */
			return 0;
		}
		truncated = true;
	} else {
		n = tot; /* Ethernet pads short frames: the padding is not payload */
	}
	struct ip_ends e = {4, p + 12, p + 16, be16(p + 4), true};
	uint16_t fo = be16(p + 6);
	bool more = (fo & 0x2000) != 0;
	uint32_t off = (uint32_t)(fo & 0x1fff) * 8;
	if (more || off) {
		if (truncated) {
			skip(c, SK_TRACE_SKIP_TRUNCATED); /* a fragment with a hole: never
			                                     reassembled */
			c->st->fragments++;
			return 0;
		}
		struct sk_ipfrag_key k = {.family = 4, .proto = p[9], .id = be16(p + 4)};
		memcpy(k.src, p + 12, 4);
		memcpy(k.dst, p + 16, 4);
		struct sk_ipfrag_in in = {off, more, p[9], p + ihl, n - ihl, c->ts_us};
		return fragment(c, &e, &k, &in);
	}
	return l4(c, &e, p[9], p + ihl, n - ihl, truncated);
}

/* The extension header chain (RFC 8200 §4), from next header nh at p. */
static int ip6_walk(struct sk_capture *c, const struct ip_ends *e, uint8_t nh, const uint8_t *p,
                    size_t n, bool truncated, bool reassembled)
{
	for (int i = 0; i < MAX_IP6_EXT; i++) {
		size_t hl;
		switch (nh) {
		case IPP_UDP:
		case IPP_TCP:
		case IPP_SCTP:
		case IPP_GRE:
		case IPP_IPIP:
		case IPP_IPV6: return l4(c, e, nh, p, n, truncated);
		case IPP_HOPOPT:
		case IPP_ROUTING:
		case IPP_DSTOPTS:
			if (n < 2) {
				short_frame(c, truncated);
				return 0;
			}
			hl = ((size_t)p[1] + 1) * 8;
			break;
		case IPP_AH: /* RFC 4302 §2.2: length in 32-bit words, minus 2 */
			if (n < 2) {
				short_frame(c, truncated);
				return 0;
			}
			hl = ((size_t)p[1] + 2) * 4;
			break;
		case IPP_FRAGMENT: {
			if (n < 8) {
				short_frame(c, truncated);
				return 0;
			}
			uint8_t fnh = p[0];
			uint16_t fo = be16(p + 2);
			uint32_t off = fo & 0xfff8u; /* 13-bit offset in 8-byte units, in place */
			bool more = fo & 1;
			if (!off && !more) {
				/* an atomic fragment (RFC 6946): not reassembled */
				nh = fnh;
				p += 8;
				n -= 8;
				continue;
			}
			if (reassembled) {
				/* a fragment inside a reassembled packet: nonsense */
				skip(c, SK_TRACE_SKIP_MALFORMED);
				return 0;
			}
			c->st->fragments += truncated;
			if (truncated) {
				skip(c, SK_TRACE_SKIP_TRUNCATED);
				return 0;
			}
			struct sk_ipfrag_key k = {.family = 6, .proto = 0, .id = be32(p + 4)};
			memcpy(k.src, e->src, 16);
			memcpy(k.dst, e->dst, 16);
			struct sk_ipfrag_in in = {off, more, fnh, p + 8, n - 8, c->ts_us};
			struct ip_ends fe = *e;
			fe.ip_id = k.id;
			fe.has_ip_id = true;
			return fragment(c, &fe, &k, &in);
		}
		default: /* IPP_NONE, ESP, ICMPv6 ... */
			skip(c, SK_TRACE_SKIP_OTHER_IP_PROTO);
			return 0;
		}
		if (hl > n) {
			short_frame(c, truncated);
			return 0;
		}
		nh = p[0];
		p += hl;
		n -= hl;
	}
	skip(c, SK_TRACE_SKIP_MALFORMED); /* more extension headers than any real packet has */
	return 0;
}

static int ip6(struct sk_capture *c, const uint8_t *p, size_t n, bool cut)
{
	if (n < 40) {
		short_frame(c, cut);
		return 0;
	}
	size_t plen = be16(p + 4);
	bool truncated = false;
	if (plen == 0 && p[6] == IPP_TCP)
		plen = n - 40; /* segmentation offload, as for IPv4 */
	if (plen == 0) {
		skip(c, SK_TRACE_SKIP_OTHER_IP_PROTO); /* a jumbogram (RFC 2675) or empty: no SIP */
		return 0;
	}
	if (40 + plen > n) {
		if (!cut) {
			skip(c, SK_TRACE_SKIP_MALFORMED);
			return 0;
		}
		truncated = true;
		plen = n - 40;
	}
	struct ip_ends e = {6, p + 8, p + 24, 0, false};
	return ip6_walk(c, &e, p[6], p + 40, plen, truncated, false);
}

int sk_capture_ip(struct sk_capture *c, const uint8_t *p, size_t n, bool cut, unsigned version)
{
	if (n < 1) {
		short_frame(c, cut);
		return 0;
	}
	unsigned v = p[0] >> 4;
	if (version && v != version)
		v = 0; /* IPv6 where the outer header said IPv4, say */
	switch (v) {
	case 4: return ip4(c, p, n, cut);
	case 6: return ip6(c, p, n, cut);
	default: skip(c, SK_TRACE_SKIP_MALFORMED); return 0;
	}
}

int sk_capture_frame(struct sk_capture *c, int lt, const uint8_t *p, size_t caplen, size_t wirelen,
                     uint64_t frame, int64_t ts_us)
{
	c->frame = frame;
	c->ts_us = ts_us;
	c->depth = 0;
	c->tunnelled = false;
	int rc = sk_capture_link(c, lt, p, caplen, caplen < wirelen);
	c->st->tunnelled += c->tunnelled;
	return rc;
}

/* ---- the frame loop --------------------------------------------------------------- */

/* libpcap hands out DLT_ values; those that differ from the file's LINKTYPE_ on this system. */
static int linktype_of_dlt(int dlt)
{
#ifdef DLT_RAW
	if (dlt == DLT_RAW)
		return LT_RAW;
#endif
#ifdef DLT_LOOP
	if (dlt == DLT_LOOP)
		return LT_LOOP;
#endif
	return dlt;
}

int sk_capture_new(struct sk_capture **out, const struct sk_trace_limits *lim,
                   struct sk_trace_queue *q, struct sk_trace_reader_stats *st)
{
	struct sk_capture *c = calloc(1, sizeof(*c));

	if (!c)
		return -SK_ENOMEM;
	c->lim = lim;
	c->q = q;
	c->st = st;
	if (sk_ipfrag_new(&c->frag, lim->max_frag_bytes, st) < 0 ||
	    sk_tcp_streams_new(&c->tcp, lim, q, st) < 0 || sk_sctp_new(&c->sctp, lim, q, st) < 0) {
		sk_capture_free(c);
		return -SK_ENOMEM;
	}
	*out = c;
	return 0;
}

int sk_capture_open(struct sk_capture **out, FILE *f, enum sk_trace_format fmt,
                    const struct sk_trace_limits *lim, struct sk_trace_queue *q,
                    struct sk_trace_reader_stats *st, char *err, size_t errsize)
{
	struct sk_capture *c;
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	int rc = sk_capture_new(&c, lim, q, st);

	if (rc < 0) {
		fclose(f);
		return rc;
	}
	if (fmt == SK_TRACE_FMT_PCAPNG) {
		rc = sk_pcapng_open(&c->ng, f, err, errsize); /* closes f on failure */
		if (rc < 0)
			goto fail;
	} else {
		/* microseconds whatever the file has: libpcap scales nanosecond captures */
		c->pcap =
		    pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
		if (!c->pcap) {
			fclose(f);
			snprintf(err, errsize, "pcap: %s", ebuf);
			rc = -SK_EIO;
			goto fail;
		}
		c->linktype = linktype_of_dlt(pcap_datalink(c->pcap));
		if (!sk_capture_linktype_ok(c->linktype)) {
			const char *name = pcap_datalink_val_to_name(pcap_datalink(c->pcap));
			snprintf(err, errsize,
			         "pcap: link type %d (%s) not supported (Ethernet, Linux cooked v1 "
			         "and v2, raw IP, BSD loopback)",
			         c->linktype, name ? name : "unknown");
			rc = -SK_EIO;
			goto fail;
		}
	}
	*out = c;
	return 0;
fail:
	sk_capture_free(c);
	return rc;
}

void sk_capture_free(struct sk_capture *c)
{
	if (!c)
		return;
	if (c->pcap)
		pcap_close(c->pcap);
	sk_pcapng_free(c->ng);
	sk_ipfrag_free(c->frag);
	sk_tcp_streams_free(c->tcp);
	sk_sctp_free(c->sctp);
	free(c);
}

/* The next frame: 1, 0 at the end of the input, -SK_EIO (c->err says why). */
static int next_frame(struct sk_capture *c, int *lt, const uint8_t **data, size_t *caplen,
                      size_t *wirelen, int64_t *ts_us)
{
	if (c->ng) {
		struct sk_pcapng_frame fr;
		int rc = sk_pcapng_next(c->ng, &fr, c->err, sizeof(c->err));
		if (rc == 1) {
			*lt = fr.linktype;
			*data = fr.data;
			*caplen = fr.caplen;
			*wirelen = fr.wirelen;
			*ts_us = fr.ts_us;
		}
		return rc;
	}
	if (!c->pcap)
		return 0; /* frames are handed in by sk_capture_frame */
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc = pcap_next_ex(c->pcap, &h, &d);
	if (rc == 1) {
		*lt = c->linktype;
		*data = d;
		*caplen = h->caplen;
		*wirelen = h->len;
		*ts_us = (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;
		return 1;
	}
	if (rc == PCAP_ERROR_BREAK)
		return 0; /* end of the file */
	snprintf(c->err, sizeof(c->err), "pcap: %s", pcap_geterr(c->pcap));
	return -SK_EIO;
}

int sk_capture_read(struct sk_capture *c, char *err, size_t errsize, uint64_t *err_frame)
{
	for (;;) {
		int rc;
		if (c->ended)
			goto end;
		if (c->flushing) {
			rc = sk_tcp_streams_flush_one(c->tcp);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				c->ended = true;
				goto end;
			}
			if (c->q->head < c->q->n)
				return 1;
			continue;
		}
		int lt = 0;
		const uint8_t *data = NULL;
		size_t caplen = 0, wirelen = 0;
		int64_t ts = 0;
		rc = next_frame(c, &lt, &data, &caplen, &wirelen, &ts);
		if (rc == 1) {
			c->st->frames++;
			rc = sk_capture_frame(c, lt, data, caplen, wirelen, c->st->frames, ts);
			if (rc < 0)
				return rc;
			if (c->q->head < c->q->n)
				return 1;
			continue;
		}
		/* the end, or a truncated or corrupt frame: what the streams hold still counts */
		if (rc < 0) {
			c->failed = true;
			c->err_frame = c->st->frames + 1;
		}
		/* what never completed is counted, not forgotten */
		sk_ipfrag_finish(c->frag);
		sk_sctp_finish(c->sctp);
		c->flushing = true;
	}
end:
	if (!c->failed)
		return 0;
	snprintf(err, errsize, "%s", c->err);
	*err_frame = c->err_frame;
	return -SK_EIO;
}
