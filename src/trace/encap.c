/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tunnels between the link layer and the SIP packet: GRE (RFC 2784, keys and
 * sequence numbers of RFC 2890, PPTP's enhanced GRE of RFC 2637 carrying PPP),
 * ERSPAN types I, II and III (mirrored frames over GRE), VXLAN (RFC 7348),
 * Geneve (RFC 8926) and MPLS label stacks (RFC 3032, Ethernet pseudowires of
 * RFC 4448). IP-in-IP (RFC 2003, RFC 4213) is decoded by capture_in.c, which
 * hands the inner packet back to its own IP decoder.
 *
 * Each tunnel is one level: at most SK_TRACE_MAX_TUNNELS are looked through
 * per frame, the next is counted as too_deep, so a packet of GRE inside GRE
 * inside GRE costs bounded work. What is inside goes back through the same
 * decoders as a frame's outermost headers (an inner IPv4 fragment is
 * reassembled as an outer one), and the addresses a SIP message gets are
 * those of the innermost IP header.
 */
#include "input.h"

enum {
	ET_IPV4 = 0x0800,
	ET_IPV6 = 0x86dd,
	ET_TEB = 0x6558,      /* transparent Ethernet bridging: an Ethernet frame */
	ET_PPP = 0x880b,      /* PPP (PPTP) */
	ET_MPLS = 0x8847,     /* unicast */
	ET_MPLS_MC = 0x8848,  /* multicast */
	ET_ERSPAN_2 = 0x88be, /* ERSPAN type I (no header) and II */
	ET_ERSPAN_3 = 0x22eb, /* ERSPAN type III */
};

enum {
	GRE_C = 0x8000, /* checksum present (RFC 2784 §2.5) */
	GRE_R = 0x4000, /* routing present (RFC 1701): deprecated, not decoded */
	GRE_K = 0x2000, /* key present (RFC 2890 §2.1) */
	GRE_S = 0x1000, /* sequence number present (RFC 2890 §2.2) */
	GRE_A = 0x0080, /* acknowledgment number present (RFC 2637 §4.1) */
};

#define MAX_MPLS_LABELS 16

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Too short for its header: cut by the snapshot length, or malformed. */
static int short_hdr(struct sk_capture *c, bool cut)
{
	sk_capture_skip(c, cut ? SK_TRACE_SKIP_TRUNCATED : SK_TRACE_SKIP_MALFORMED);
	return 0;
}

/* ---- PPP inside PPTP's GRE (RFC 1661 §2, RFC 1662 §3.1) ---------------------------- */

static int ppp(struct sk_capture *c, const uint8_t *p, size_t n, bool cut)
{
	/* address and control (0xff 0x03), unless compressed away (RFC 1661 §6.6) */
	if (n >= 2 && p[0] == 0xff && p[1] == 0x03) {
		p += 2;
		n -= 2;
	}
	if (n < 1)
		return short_hdr(c, cut);
	uint16_t proto;
	if (p[0] & 1) { /* protocol field compression: one byte (RFC 1661 §6.5) */
		proto = p[0];
		p += 1;
		n -= 1;
	} else {
		if (n < 2)
			return short_hdr(c, cut);
		proto = be16(p);
		p += 2;
		n -= 2;
	}
	switch (proto) {
	case 0x0021: return sk_capture_ethertype(c, ET_IPV4, p, n, cut);
	case 0x0057: return sk_capture_ethertype(c, ET_IPV6, p, n, cut);
	default:
		/* LCP, IPCP, CHAP ... (0x8000 and up: control), or compressed data */
		sk_capture_skip(c, proto >= 0x8000 ? SK_TRACE_SKIP_NOT_IP
		                                   : SK_TRACE_SKIP_UNKNOWN_ENCAP);
		return 0;
	}
}

/* ---- ERSPAN (draft-foschiano-erspan) --------------------------------------------- */

/* Type II: version 1, then the mirrored Ethernet frame; T: the source cut the frame. */
static int erspan2(struct sk_capture *c, const uint8_t *p, size_t n, bool cut)
{
	if (n < 8)
		return short_hdr(c, cut);
	if (p[0] >> 4 != 1) {
		sk_capture_skip(c, SK_TRACE_SKIP_MALFORMED);
		return 0;
	}
	bool truncated = (p[2] & 0x04) != 0;
	return sk_capture_ethernet(c, p + 8, n - 8, cut || truncated);
}

/* Type III: version 2, 12 bytes, an 8-byte platform sub-header when O is set. */
static int erspan3(struct sk_capture *c, const uint8_t *p, size_t n, bool cut)
{
	if (n < 12)
		return short_hdr(c, cut);
	if (p[0] >> 4 != 2) {
		sk_capture_skip(c, SK_TRACE_SKIP_MALFORMED);
		return 0;
	}
	bool truncated = (p[2] & 0x04) != 0;
	unsigned ft = (p[10] >> 2) & 0x1f; /* frame type: 0 Ethernet, 2 IP */
	size_t hl = 12 + ((p[11] & 1) ? 8 : 0);
	if (n < hl)
		return short_hdr(c, cut);
	cut = cut || truncated;
	switch (ft) {
	case 0: return sk_capture_ethernet(c, p + hl, n - hl, cut);
	case 2: return sk_capture_ip(c, p + hl, n - hl, cut, 0);
	default: sk_capture_skip(c, SK_TRACE_SKIP_UNKNOWN_ENCAP); return 0;
	}
}

/* ---- GRE (RFC 2784, RFC 2890, RFC 2637) -------------------------------------------- */

static int gre_in(struct sk_capture *c, const uint8_t *p, size_t n, bool cut)
{
	if (n < 4)
		return short_hdr(c, cut);
	uint16_t flags = be16(p), proto = be16(p + 2);
	unsigned ver = flags & 7;
	if (ver > 1 || (flags & GRE_R)) {
		/* version 0 (RFC 2784) and 1 (PPTP) only; source routes (RFC 1701) are obsolete */
		sk_capture_skip(c, ver > 1 ? SK_TRACE_SKIP_MALFORMED : SK_TRACE_SKIP_UNKNOWN_ENCAP);
		return 0;
	}
	/* PPTP (RFC 2637 §4.1): always a key (payload length and call ID), always PPP */
	if (ver == 1 && (!(flags & GRE_K) || proto != ET_PPP)) {
		sk_capture_skip(c, SK_TRACE_SKIP_MALFORMED);
		return 0;
	}
	size_t hl = 4;
	hl += (flags & GRE_C) ? 4 : 0; /* checksum and reserved1 */
	hl += (flags & GRE_K) ? 4 : 0;
	hl += (flags & GRE_S) ? 4 : 0;
	hl += (ver == 1 && (flags & GRE_A)) ? 4 : 0;
	if (n < hl)
		return short_hdr(c, cut);
	p += hl;
	n -= hl;
	if (ver == 1) {
		/* the key's high half is the payload length: an acknowledgment alone has none */
		size_t plen = be16(p - hl + 4);
		if (!plen) {
			sk_capture_skip(c, SK_TRACE_SKIP_NOT_SIP);
			return 0;
		}
		if (plen < n)
			n = plen;
		return ppp(c, p, n, cut);
	}
	switch (proto) {
	case ET_TEB: return sk_capture_ethernet(c, p, n, cut);
	case ET_ERSPAN_2:
		/* type I has no sequence number and no header of its own (RFC 2890 S bit) */
		return (flags & GRE_S) ? erspan2(c, p, n, cut) : sk_capture_ethernet(c, p, n, cut);
	case ET_ERSPAN_3: return erspan3(c, p, n, cut);
	case ET_PPP: return ppp(c, p, n, cut);
	default: return sk_capture_ethertype(c, proto, p, n, cut); /* IP, MPLS, or counted */
	}
}

int sk_encap_gre(struct sk_capture *c, const uint8_t *p, size_t n, bool cut)
{
	if (!sk_capture_tunnel_enter(c))
		return 0;
	int rc = gre_in(c, p, n, cut);
	sk_capture_tunnel_leave(c);
	return rc;
}

/* ---- MPLS (RFC 3032) --------------------------------------------------------------- */

static int mpls_in(struct sk_capture *c, const uint8_t *p, size_t n, bool cut)
{
	for (int i = 0;; i++) {
		if (i == MAX_MPLS_LABELS) {
			sk_capture_skip(c, SK_TRACE_SKIP_TOO_DEEP);
			return 0;
		}
		if (n < 4)
			return short_hdr(c, cut);
		bool bottom = (p[2] & 0x01) != 0;
		p += 4;
		n -= 4;
		if (bottom)
			break;
	}
	if (n < 1)
		return short_hdr(c, cut);
	/* the payload says what it is by its first nibble (RFC 4385 §2: 0 is a control word) */
	switch (p[0] >> 4) {
	case 4:
	case 6: return sk_capture_ip(c, p, n, cut, 0);
	case 0:
		if (n < 4)
			return short_hdr(c, cut);
		return sk_capture_ethernet(c, p + 4, n - 4, cut); /* an Ethernet pseudowire */
	default: sk_capture_skip(c, SK_TRACE_SKIP_UNKNOWN_ENCAP); return 0;
	}
}

int sk_encap_mpls(struct sk_capture *c, const uint8_t *p, size_t n, bool cut)
{
	if (!sk_capture_tunnel_enter(c))
		return 0;
	int rc = mpls_in(c, p, n, cut);
	sk_capture_tunnel_leave(c);
	return rc;
}

/* ---- VXLAN (RFC 7348) and Geneve (RFC 8926) over UDP -------------------------------- */

/* A VXLAN header: the I flag set (a valid VNI), the reserved flag bits clear. */
static bool vxlan_like(const uint8_t *p, size_t n)
{
	return n >= 8 && (p[0] & 0x08) &&
	       !(p[0] & 0x77); /* G (0x80): group policy, RFC 7348 ext. */
}

/* A Geneve header: version 0, options within the datagram, a protocol we follow. */
static bool geneve_like(const uint8_t *p, size_t n)
{
	if (n < 8 || p[0] >> 6 != 0)
		return false;
	size_t hl = 8 + (size_t)(p[0] & 0x3f) * 4;
	uint16_t proto = be16(p + 2);
	return hl <= n && (proto == ET_TEB || proto == ET_IPV4 || proto == ET_IPV6);
}

int sk_encap_udp(struct sk_capture *c, uint16_t dport, const uint8_t *p, size_t n, bool cut,
                 bool *taken)
{
	*taken = false;
	if (dport == SK_ENCAP_VXLAN_PORT && vxlan_like(p, n)) {
		*taken = true;
		if (!sk_capture_tunnel_enter(c))
			return 0;
		int rc = sk_capture_ethernet(c, p + 8, n - 8, cut);
		sk_capture_tunnel_leave(c);
		return rc;
	}
	if (dport == SK_ENCAP_GENEVE_PORT && geneve_like(p, n)) {
		*taken = true;
		if (!sk_capture_tunnel_enter(c))
			return 0;
		size_t hl = 8 + (size_t)(p[0] & 0x3f) * 4;
		uint16_t proto = be16(p + 2);
		int rc = proto == ET_TEB ? sk_capture_ethernet(c, p + hl, n - hl, cut)
		                         : sk_capture_ethertype(c, proto, p + hl, n - hl, cut);
		sk_capture_tunnel_leave(c);
		return rc;
	}
	return 0;
}
