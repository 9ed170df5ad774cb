/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-wrap-gre: copies a classic pcap of Ethernet frames (as bench-gen-capture
 * writes it), wrapping a share of its IP packets in GRE (RFC 2784) between two
 * tunnel ends: Ethernet, outer IPv4 (protocol 47), a 4-byte GRE header with the
 * inner EtherType, then the original IP packet untouched. For `make
 * bench-check`, which reads the plain and the wrapped capture side by side.
 *
 *   bench-wrap-gre --in FILE --out FILE [--share PCT] [--seed S]
 *
 * Which frames are wrapped is decided per frame by a hash of its index and the
 * seed: deterministic, about PCT % of the frames (default 20). Streams through
 * a fixed 256 KiB frame buffer: memory does not follow the capture's size.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FRAME (262144 + 64)
#define WRAP_LEN  (20 + 4) /* outer IPv4 header and GRE header */

static void die(const char *why)
{
	fprintf(stderr, "bench-wrap-gre: %s\n", why);
	exit(1);
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15u; /* splitmix64 */
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return x ^ (x >> 31);
}

static uint32_t rd32(const uint8_t *p, int swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static void wr32(uint8_t *p, uint32_t v, int swap)
{
	v = swap ? __builtin_bswap32(v) : v;
	memcpy(p, &v, 4);
}

/* The IPv4 header checksum (RFC 791 §3.1). */
static uint16_t ip_sum(const uint8_t *h)
{
	uint32_t s = 0;
	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* frame (Ethernet, caplen bytes) into out: returns the new length, or 0 when left as is */
static size_t wrap(const uint8_t *f, size_t caplen, uint8_t *out, uint16_t ident)
{
	if (caplen < 14 + 20)
		return 0;
	uint16_t et = (uint16_t)(f[12] << 8 | f[13]);
	if (et != 0x0800 && et != 0x86dd)
		return 0;
	size_t inner = caplen - 14;
	if (inner + WRAP_LEN > 65535)
		return 0;
	memcpy(out, f, 12); /* the same MAC addresses */
	out[12] = 0x08;
	out[13] = 0x00;
	uint8_t *ip = out + 14;
	static const uint8_t a[4] = {203, 0, 113, 1}, b[4] = {203, 0, 113, 2};
	size_t tot = WRAP_LEN + inner;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[4] = (uint8_t)(ident >> 8);
	ip[5] = (uint8_t)ident;
	ip[8] = 64;
	ip[9] = 47; /* GRE */
	memcpy(ip + 12, a, 4);
	memcpy(ip + 16, b, 4);
	uint16_t s = ip_sum(ip);
	ip[10] = (uint8_t)(s >> 8);
	ip[11] = (uint8_t)s;
	uint8_t *gre = ip + 20;
	gre[0] = gre[1] = 0; /* no checksum, key or sequence number; version 0 */
	gre[2] = f[12];
	gre[3] = f[13];
	memcpy(gre + 4, f + 14, inner);
	return 14 + tot;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"in", required_argument, NULL, 'i'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {"share", required_argument, NULL, 's'},
	                                     {"seed", required_argument, NULL, 'S'},
	                                     {NULL, 0, NULL, 0}};
	const char *in = NULL, *outp = NULL;
	unsigned long share = 20;
	uint64_t seed = 1;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': in = optarg; break;
		case 'o': outp = optarg; break;
		case 's': share = strtoul(optarg, NULL, 10); break;
		case 'S': seed = strtoull(optarg, NULL, 10); break;
		default: die("usage: bench-wrap-gre --in FILE --out FILE [--share PCT] [--seed S]");
		}
	}
	if (!in || !outp || share > 100)
		die("usage: bench-wrap-gre --in FILE --out FILE [--share PCT] [--seed S]");
	FILE *fi = fopen(in, "rb"), *fo = fopen(outp, "wb");
	if (!fi || !fo)
		die("cannot open the files");
	uint8_t gh[24];
	if (fread(gh, 1, 24, fi) != 24)
		die("not a pcap");
	int swap;
	if (memcmp(gh, "\xd4\xc3\xb2\xa1", 4) == 0)
		swap = 0; /* written on a little-endian host, as here */
	else if (memcmp(gh, "\xa1\xb2\xc3\xd4", 4) == 0)
		swap = 1;
	else
		die("not a classic microsecond pcap");
	if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
		swap = !swap;
	if (rd32(gh + 20, swap) != 1)
		die("not an Ethernet capture");
	if (fwrite(gh, 1, 24, fo) != 24)
		die("write failed");
	uint8_t *f = malloc(MAX_FRAME), *w = malloc(MAX_FRAME + WRAP_LEN);
	if (!f || !w)
		die("out of memory");
	uint64_t frames = 0, wrapped = 0;
	uint8_t rh[16];
	size_t got;
	while ((got = fread(rh, 1, 16, fi)) == 16) {
		size_t caplen = rd32(rh + 8, swap), wire = rd32(rh + 12, swap);
		if (caplen > MAX_FRAME || fread(f, 1, caplen, fi) != caplen)
			die("truncated or corrupt record");
		frames++;
		size_t n = 0;
		if (caplen == wire && mix(seed ^ frames) % 100 < share)
			n = wrap(f, caplen, w, (uint16_t)frames);
		if (n) {
			wrapped++;
			wr32(rh + 8, (uint32_t)n, swap);
			wr32(rh + 12, (uint32_t)n, swap);
		}
		if (fwrite(rh, 1, 16, fo) != 16 ||
		    fwrite(n ? w : f, 1, n ? n : caplen, fo) != (n ? n : caplen))
			die("write failed");
	}
	if (got)
		die("truncated record header");
	if (fclose(fo) != 0)
		die("write failed");
	fclose(fi);
	free(f);
	free(w);
	printf("wrapped %llu of %llu frames in GRE (%.1f %%)\n", (unsigned long long)wrapped,
	       (unsigned long long)frames, frames ? 100.0 * (double)wrapped / (double)frames : 0.0);
	return 0;
}
