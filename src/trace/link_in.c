/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The link layer of a frame: Ethernet II with 802.1Q, 802.1ad and QinQ tags,
 * Linux cooked captures (SLL and SLL2), raw IP, BSD loopback; and the
 * EtherTypes inside (IPv4, IPv6, MPLS), which tunnels (encap.c) reach too.
 * Frames that carry no IP are counted as not_ip, EtherTypes not decoded as
 * unknown_encap, more stacked tags than MAX_VLAN_TAGS as too_deep.
 */
#include "input.h"

enum {
	ET_IPV4 = 0x0800,
	ET_IPV6 = 0x86dd,
	ET_VLAN = 0x8100,
	ET_QINQ = 0x88a8,
	ET_QINQ_OLD = 0x9100
};
enum { ET_MPLS = 0x8847, ET_MPLS_MC = 0x8848 };

/* Stacked VLAN tags looked through, at most. */
#define MAX_VLAN_TAGS 8

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Too short for its headers: a snaplen cut loses it, otherwise it is malformed. */
static void short_frame(struct sk_capture *c, bool truncated)
{
	sk_capture_skip(c, truncated ? SK_TRACE_SKIP_TRUNCATED : SK_TRACE_SKIP_MALFORMED);
}

/* EtherTypes of frames that carry no IP at all, and 802.3 lengths (LLC: STP, CDP ...). */
static bool et_not_ip(uint16_t et)
{
	switch (et) {
	case 0x0806: /* ARP */
	case 0x8035: /* RARP */
	case 0x8809: /* slow protocols: LACP */
	case 0x888e: /* 802.1X */
	case 0x88cc: /* LLDP */
	case 0x9000: /* loopback test */ return true;
	default: return et < 0x0600;
	}
}

int sk_capture_ethertype(struct sk_capture *c, uint16_t et, const uint8_t *p, size_t n, bool cut)
{
	/* 802.1Q, 802.1ad and the older QinQ tag: 2 bytes of tag, then the next type */
	for (int i = 0; i < MAX_VLAN_TAGS && (et == ET_VLAN || et == ET_QINQ || et == ET_QINQ_OLD);
	     i++) {
		if (n < 4) {
			short_frame(c, cut);
			return 0;
		}
		et = be16(p + 2);
		p += 4;
		n -= 4;
	}
	if (et == ET_VLAN || et == ET_QINQ || et == ET_QINQ_OLD) {
		sk_capture_skip(c, SK_TRACE_SKIP_TOO_DEEP);
		return 0;
	}
	switch (et) {
	case ET_IPV4: return sk_capture_ip(c, p, n, cut, 4);
	case ET_IPV6: return sk_capture_ip(c, p, n, cut, 6);
	case ET_MPLS:
	case ET_MPLS_MC: return sk_encap_mpls(c, p, n, cut);
	default:
		sk_capture_skip(c,
		                et_not_ip(et) ? SK_TRACE_SKIP_NOT_IP : SK_TRACE_SKIP_UNKNOWN_ENCAP);
		return 0;
	}
}

/* The BSD loopback family word, in either byte order (the capturing host's, or network). */
static int loopback(struct sk_capture *c, const uint8_t *p, size_t n, bool cut)
{
	if (n < 4) {
		short_frame(c, cut);
		return 0;
	}
	uint32_t v = le32(p) < 256 ? le32(p) : be32(p);
	switch (v) {
	case 2: return sk_capture_ip(c, p + 4, n - 4, cut, 4);  /* AF_INET everywhere */
	case 10:                                                /* AF_INET6: Linux */
	case 23:                                                /* Windows */
	case 24:                                                /* NetBSD, OpenBSD, BSD/OS */
	case 28:                                                /* FreeBSD, DragonFly */
	case 30: return sk_capture_ip(c, p + 4, n - 4, cut, 6); /* Darwin */
	default: sk_capture_skip(c, SK_TRACE_SKIP_UNKNOWN_ENCAP); return 0;
	}
}

int sk_capture_ethernet(struct sk_capture *c, const uint8_t *p, size_t n, bool cut)
{
	if (n < 14) {
		short_frame(c, cut);
		return 0;
	}
	return sk_capture_ethertype(c, be16(p + 12), p + 14, n - 14, cut);
}

bool sk_capture_linktype_ok(int lt)
{
	switch (lt) {
	case LT_NULL:
	case LT_ETHERNET:
	case LT_RAW_12:
	case LT_RAW_14:
	case LT_RAW:
	case LT_LOOP:
	case LT_SLL:
	case LT_IPV4:
	case LT_IPV6:
	case LT_SLL2: return true;
	default: return false;
	}
}

int sk_capture_link(struct sk_capture *c, int lt, const uint8_t *p, size_t caplen, bool cut)
{
	switch (lt) {
	case LT_ETHERNET:
		if (caplen < 14)
			break;
		return sk_capture_ethernet(c, p, caplen, cut);
	case LT_SLL: /* packet type, ARPHRD, address length, 8 bytes of address, protocol */
		if (caplen < 16)
			break;
		return sk_capture_ethertype(c, be16(p + 14), p + 16, caplen - 16, cut);
	case LT_SLL2: /* protocol, reserved, interface, ARPHRD, packet type, address */
		if (caplen < 20)
			break;
		return sk_capture_ethertype(c, be16(p), p + 20, caplen - 20, cut);
	case LT_RAW_12:
		/* DLT 12 is raw IP except on OpenBSD, where it is the loopback header */
		if (caplen >= 1 && (p[0] >> 4 == 4 || p[0] >> 4 == 6))
			return sk_capture_ip(c, p, caplen, cut, 0);
		return loopback(c, p, caplen, cut);
	case LT_RAW_14:
	case LT_RAW: return sk_capture_ip(c, p, caplen, cut, 0);
	case LT_IPV4: return sk_capture_ip(c, p, caplen, cut, 4);
	case LT_IPV6: return sk_capture_ip(c, p, caplen, cut, 6);
	case LT_NULL:
	case LT_LOOP: return loopback(c, p, caplen, cut);
	default: sk_capture_skip(c, SK_TRACE_SKIP_UNKNOWN_LINK); return 0;
	}
	short_frame(c, cut);
	return 0;
}
