/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcapng (draft-ietf-opsawg-pcapng), read here rather than by libpcap because
 * libpcap refuses a file whose interfaces have different link types (an
 * Ethernet and a Linux cooked interface in one capture is common: tcpdump
 * -i any next to -i eth0 merged with mergecap).
 *
 * Blocks read: Section Header (byte order, interfaces reset), Interface
 * Description (link type, snapshot length, if_tsresol, if_tsoffset), Enhanced
 * Packet, Simple Packet and the obsolete Packet block. Others are skipped
 * without being held in memory. Every length is checked against the block.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

enum {
	BT_SHB = 0x0a0d0d0a,
	BT_IDB = 1,
	BT_PB = 2, /* obsolete Packet Block */
	BT_SPB = 3,
	BT_EPB = 6,
};

enum { OPT_END = 0, OPT_IF_TSRESOL = 9, OPT_IF_TSOFFSET = 14 };

/* Larger blocks we would have to hold are taken as corrupt (libpcap's bound is 16 MiB). */
#define MAX_BLOCK  (1u << 20)
#define MAX_CAPLEN 262144u /* libpcap's largest snapshot length */
#define MAX_IFACES 4096u
#define SKIP_CHUNK 65536u

struct ng_iface {
	int linktype;
	uint32_t snaplen;
	uint8_t tsresol;  /* if_tsresol: 10^-n, or 2^-n with the high bit */
	int64_t tsoff_us; /* if_tsoffset, in microseconds */
};

struct sk_pcapng {
	FILE *f;
	bool be; /* this section is big-endian */
	struct ng_iface *ifs;
	size_t nifs, ifcap;
	uint8_t *buf;
	size_t bufcap;
	int64_t last_ts; /* a Simple Packet has no time: it gets the previous one */
};

static uint16_t rd16(const struct sk_pcapng *n, const uint8_t *p)
{
	return n->be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t rd32(const struct sk_pcapng *n, const uint8_t *p)
{
	if (n->be)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* The reason into err, checked against its arguments like printf's. -SK_EIO. */
static int fail(char *err, size_t errsize, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
	return -SK_EIO;
}

static int truncated(char *err, size_t errsize)
{
	return fail(err, errsize, "pcapng: truncated file (it ends inside a block)");
}

static int reserve(struct sk_pcapng *n, size_t len)
{
	if (len <= n->bufcap)
		return 0;
	uint8_t *b = realloc(n->buf, len);
	if (!b)
		return -SK_ENOMEM;
	n->buf = b;
	n->bufcap = len;
	return 0;
}

/* Reads exactly len bytes: 1, 0 when the file ends before the first, -1 when it ends inside. */
static int read_exact(struct sk_pcapng *n, uint8_t *p, size_t len)
{
	size_t got = fread(p, 1, len, n->f);
	if (got == len)
		return 1;
	return got == 0 ? 0 : -1;
}

/* Microseconds from a timestamp in the interface's units. */
static int64_t ts_us(uint64_t t, uint8_t res)
{
	uint64_t us;
	unsigned e = res & 0x7f;

	if (!(res & 0x80)) {
		/* 10^-e seconds per unit */
		uint64_t p10 = 1;
		if (e <= 6) {
			for (unsigned i = e; i < 6; i++)
				p10 *= 10;
			us = t > UINT64_MAX / p10 ? UINT64_MAX : t * p10;
		} else {
			if (e - 6 > 19)
				return 0;
			for (unsigned i = 6; i < e; i++)
				p10 *= 10;
			us = t / p10;
		}
	} else {
		/* 2^-e seconds per unit: whole seconds, then the fraction, without overflow */
		uint64_t sec = e >= 64 ? 0 : t >> e;
		uint64_t frac = e >= 64 ? t : t & ((UINT64_C(1) << e) - 1);
		unsigned fe = e;
		if (fe > 40) {
			frac >>= fe - 40;
			fe = 40;
		}
		us = sec > UINT64_MAX / 1000000 ? UINT64_MAX
		                                : sec * 1000000 + ((frac * 1000000) >> fe);
	}
	return us > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)us;
}

static int shb(struct sk_pcapng *n, const uint8_t *b, size_t len, char *err, size_t errsize)
{
	if (len < 16)
		return fail(err, errsize, "pcapng: section header block too short (%lu bytes)",
		            (unsigned long)len);
	if (rd16(n, b + 4) != 1)
		return fail(err, errsize, "pcapng: section of major version %u not supported",
		            (unsigned)rd16(n, b + 4));
	n->nifs = 0; /* interfaces are numbered per section */
	return 0;
}

static int idb(struct sk_pcapng *n, const uint8_t *b, size_t len, char *err, size_t errsize)
{
	if (len < 8)
		return fail(err, errsize,
		            "pcapng: interface description block too short (%lu bytes)",
		            (unsigned long)len);
	if (n->nifs >= MAX_IFACES)
		return fail(err, errsize, "pcapng: more than %u interfaces", MAX_IFACES);
	if (n->nifs == n->ifcap) {
		size_t nc = n->ifcap ? n->ifcap * 2 : 4;
		struct ng_iface *ni = realloc(n->ifs, nc * sizeof(*ni));
		if (!ni)
			return -SK_ENOMEM;
		n->ifs = ni;
		n->ifcap = nc;
	}
	struct ng_iface *i = &n->ifs[n->nifs++];
	i->linktype = rd16(n, b);
	i->snaplen = rd32(n, b + 4);
	i->tsresol = 6;
	i->tsoff_us = 0;
	/* options: code, length, value padded to 32 bits */
	size_t o = 8;
	while (o + 4 <= len) {
		uint16_t code = rd16(n, b + o), olen = rd16(n, b + o + 2);
		o += 4;
		if (code == OPT_END || olen > len - o)
			break;
		if (code == OPT_IF_TSRESOL && olen >= 1) {
			i->tsresol = b[o];
		} else if (code == OPT_IF_TSOFFSET && olen >= 8) {
			uint64_t v = n->be ? (uint64_t)rd32(n, b + o) << 32 | rd32(n, b + o + 4)
			                   : (uint64_t)rd32(n, b + o + 4) << 32 | rd32(n, b + o);
			int64_t s = (int64_t)v;
			if (s > -INT64_MAX / 2000000 && s < INT64_MAX / 2000000)
				i->tsoff_us = s * 1000000;
		}
		o += ((size_t)olen + 3) & ~(size_t)3;
	}
	return 0;
}

static const struct ng_iface *iface(const struct sk_pcapng *n, uint32_t id, char *err,
                                    size_t errsize)
{
	if (id >= n->nifs) {
		fail(err, errsize, "pcapng: packet of interface %lu, which no block described",
		     (unsigned long)id);
		return NULL;
	}
	return &n->ifs[id];
}

static int64_t add_ts(int64_t a, int64_t b)
{
	if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return a + b;
}

/* A packet block: 1 with fr filled, or -SK_EIO. */
static int packet(struct sk_pcapng *n, uint32_t type, const uint8_t *b, size_t len,
                  struct sk_pcapng_frame *fr, char *err, size_t errsize)
{
	const struct ng_iface *i;
	uint32_t caplen, wirelen;
	size_t hdr;
	uint64_t t;

	if (type == BT_SPB) {
		if (len < 4)
			return fail(err, errsize, "pcapng: simple packet block too short");
		if (!(i = iface(n, 0, err, errsize)))
			return -SK_EIO;
		hdr = 4;
		wirelen = rd32(n, b);
		caplen = wirelen;
		if (i->snaplen && caplen > i->snaplen)
			caplen = i->snaplen;
		if (caplen > len - hdr)
			caplen = (uint32_t)(len - hdr);
		fr->ts_us = n->last_ts;
	} else {
		hdr = 20;
		if (len < hdr)
			return fail(err, errsize, "pcapng: packet block too short (%lu bytes)",
			            (unsigned long)len);
		uint32_t id = type == BT_EPB ? rd32(n, b) : rd16(n, b);
		if (!(i = iface(n, id, err, errsize)))
			return -SK_EIO;
		t = (uint64_t)rd32(n, b + 4) << 32 | rd32(n, b + 8);
		caplen = rd32(n, b + 12);
		wirelen = rd32(n, b + 16);
		if (caplen > MAX_CAPLEN)
			return fail(err, errsize,
			            "pcapng: corrupt packet block: captured length %lu is absurd",
			            (unsigned long)caplen);
		if (caplen > len - hdr)
			return fail(
			    err, errsize,
			    "pcapng: corrupt packet block: captured length %lu exceeds the block",
			    (unsigned long)caplen);
		fr->ts_us = add_ts(ts_us(t, i->tsresol), i->tsoff_us);
		n->last_ts = fr->ts_us;
	}
	fr->linktype = i->linktype;
	fr->data = b + hdr;
	fr->caplen = caplen;
	fr->wirelen = wirelen < caplen ? caplen : wirelen;
	return 1;
}

/* Reads and forgets len bytes: 0 or -1 when the file ends first. */
static int skip(struct sk_pcapng *n, uint64_t len)
{
	if (reserve(n, SKIP_CHUNK) < 0)
		return -1;
	while (len) {
		size_t k = len < SKIP_CHUNK ? (size_t)len : SKIP_CHUNK;
		if (fread(n->buf, 1, k, n->f) != k)
			return -1;
		len -= k;
	}
	return 0;
}

/* Blocks up to the next packet (1), the end (0), or with first set the first block, an SHB (2). */
static int next_block(struct sk_pcapng *n, struct sk_pcapng_frame *fr, char *err, size_t errsize,
                      bool first)
{
	for (;;) {
		uint8_t h[12];
		int rc = read_exact(n, h, 8);
		if (rc == 0)
			return 0;
		if (rc < 0)
			return truncated(err, errsize);
		uint32_t type = rd32(n, h), len;
		size_t have = 8;
		if (first && type != BT_SHB)
			return fail(err, errsize,
			            "pcapng: the file does not start with a section header");
		if (type == BT_SHB) {
			/* the byte-order magic says how to read this section, its length included
			 */
			if (read_exact(n, h + 8, 4) != 1)
				return truncated(err, errsize);
			have = 12;
			if (memcmp(h + 8, "\x1a\x2b\x3c\x4d", 4) == 0)
				n->be = true;
			else if (memcmp(h + 8, "\x4d\x3c\x2b\x1a", 4) == 0)
				n->be = false;
			else
				return fail(err, errsize,
				            "pcapng: bad byte-order magic in a section header");
		}
		len = rd32(n, h + 4);
		if (len < 12 || len % 4 != 0 || (type == BT_SHB && len < 28))
			return fail(err, errsize, "pcapng: corrupt block: total length %lu",
			            (unsigned long)len);
		size_t body = len - 12; /* between the length and its copy at the end */
		bool keep = type == BT_SHB || type == BT_IDB || type == BT_EPB || type == BT_SPB ||
		            type == BT_PB;
		if (!keep) {
			uint8_t tail[4];
			if (skip(n, body) < 0 || read_exact(n, tail, 4) != 1)
				return truncated(err, errsize);
			if (rd32(n, tail) != len)
				return fail(err, errsize,
				            "pcapng: corrupt block: trailing length differs (%lu)",
				            (unsigned long)len);
			continue;
		}
		if (len > MAX_BLOCK)
			return fail(err, errsize, "pcapng: corrupt block: %lu bytes is too large",
			            (unsigned long)len);
		if (reserve(n, len) < 0)
			return -SK_ENOMEM;
		memcpy(n->buf, h, have);
		if (read_exact(n, n->buf + have, len - have) != 1)
			return truncated(err, errsize);
		if (rd32(n, n->buf + len - 4) != len)
			return fail(err, errsize,
			            "pcapng: corrupt block: trailing length differs (%lu)",
			            (unsigned long)len);
		const uint8_t *b = n->buf + 8;
		switch (type) {
		case BT_SHB: rc = shb(n, b, body, err, errsize); break;
		case BT_IDB: rc = idb(n, b, body, err, errsize); break;
		default: return packet(n, type, b, body, fr, err, errsize);
		}
		if (rc < 0)
			return rc;
		if (first)
			return 2;
	}
}

int sk_pcapng_next(struct sk_pcapng *n, struct sk_pcapng_frame *fr, char *err, size_t errsize)
{
	return next_block(n, fr, err, errsize, false);
}

int sk_pcapng_open(struct sk_pcapng **out, FILE *f, char *err, size_t errsize)
{
	struct sk_pcapng *n = calloc(1, sizeof(*n));
	struct sk_pcapng_frame fr;
	int rc;

	if (!n) {
		fclose(f);
		return -SK_ENOMEM;
	}
	n->f = f;
	/* the section header is read now: a file that only starts like one fails at open */
	rc = next_block(n, &fr, err, errsize, true);
	if (rc != 2) {
		if (rc == 0)
			fail(err, errsize, "pcapng: empty section");
		sk_pcapng_free(n);
		return rc == -SK_ENOMEM ? rc : -SK_EIO;
	}
	*out = n;
	return 0;
}

void sk_pcapng_free(struct sk_pcapng *n)
{
	if (!n)
		return;
	fclose(n->f);
	free(n->ifs);
	free(n->buf);
	free(n);
}
