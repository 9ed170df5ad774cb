/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * hep-send: sends the SIP messages of a capture or log as HEP datagrams, as
 * a capture agent (Kamailio's siptrace, heplify) would, to a collector on
 * loopback: `sipkit check --hep` in tests/trace/run.sh and bench/check/hep.sh.
 *
 *   hep-send [--version 2|3] [--rate MSGS_PER_S] [--max N] [--hostile] FILE... udp:IP:PORT
 *   hep-send [--version 2|3] [--hostile] --pcap OUT FILE... udp:IP:PORT
 *   hep-send [--rate MSGS_PER_S] [--max N] FILE... tcp:IP:PORT   (HEP3 on one connection)
 *
 * Each message goes with the addresses, ports, transport and time the input
 * gives it (a log without addresses: 127.0.0.1:5060 for its writer, :5070 for
 * the peer). --rate paces the datagrams (default: 1000/s; 0: as fast as the
 * socket takes them); --max stops after N messages; the input is read once.
 * --hostile also sends, before each message, one of a set of broken or
 * foreign HEP datagrams (cut, a chunk of length 0, a compressed payload, RTCP,
 * a vendor chunk), which the collector must count and skip. The last line of
 * output says how many were sent: "sent N messages (M other datagrams) in S s".
 * --pcap writes the datagrams into a capture instead (raw IPv4, from
 * 127.0.0.1:40000 to the target's port, at each message's time), for the
 * reading of HEP inside captures.
 * Loopback only: the target must be in 127.0.0.0/8 or ::1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sipkit/core.h"
#include "sipkit/trace.h"

#define DGRAM_MAX 65535

struct out {
	uint8_t b[DGRAM_MAX];
	size_t n;
	bool full;
};

static void put(struct out *o, const void *d, size_t n)
{
	if (o->full || n > sizeof(o->b) - o->n) {
		o->full = true;
		return;
	}
	memcpy(o->b + o->n, d, n);
	o->n += n;
}

static void put16(struct out *o, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(o, b, 2);
}

static void put32le(struct out *o, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(o, b, 4);
}

static void chunk(struct out *o, uint16_t vendor, uint16_t type, const void *d, size_t n)
{
	put16(o, vendor);
	put16(o, type);
	put16(o, (uint16_t)(6 + n));
	put(o, d, n);
}

static void chunk8(struct out *o, uint16_t type, uint8_t v)
{
	chunk(o, 0, type, &v, 1);
}

static void chunk16(struct out *o, uint16_t type, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	chunk(o, 0, type, b, 2);
}

static void chunk32(struct out *o, uint16_t type, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	chunk(o, 0, type, b, 4);
}

/* A log without addresses: its writer at :5060, the peer at :5070, both on 127.0.0.1. */
static struct sk_trace_addr fix_addr(const struct sk_trace_addr *a)
{
	if (a->family)
		return *a;
	struct sk_trace_addr r = {.family = 4, .ip = {127, 0, 0, 1}};
	r.port = a->ip[0] == SK_TRACE_SIDE_LOCAL ? 5060 : 5070;
	return r;
}

/* HEP3 as siptrace writes it (its chunks in its order), payload type 15 or 16. */
static void hep3(struct out *o, const struct sk_trace_pkt *p, uint16_t payload_type,
                 uint8_t proto_type)
{
	struct sk_trace_addr s = fix_addr(&p->src), d = fix_addr(&p->dst);
	bool v6 = s.family == 6;
	o->n = 0;
	o->full = false;
	put(o, "HEP3", 4);
	put16(o, 0);
	chunk8(o, 1, v6 ? 10 : 2);
	chunk8(o, 2, p->proto == SK_TRACE_TCP ? 6 : 17);
	chunk(o, 0, v6 ? 5 : 3, s.ip, v6 ? 16 : 4);
	chunk(o, 0, v6 ? 6 : 4, d.ip, v6 ? 16 : 4);
	chunk16(o, 7, s.port);
	chunk16(o, 8, d.port);
	chunk32(o, 9, (uint32_t)(p->ts_us / 1000000));
	chunk32(o, 10, (uint32_t)(p->ts_us % 1000000));
	chunk8(o, 11, proto_type);
	chunk32(o, 12, 2001);
	chunk(o, 0, payload_type, p->data, p->len);
	o->b[4] = (uint8_t)(o->n >> 8);
	o->b[5] = (uint8_t)o->n;
}

/* HEP2 as siptrace writes it with hep_version 2 (time little-endian). */
static void hep2(struct out *o, const struct sk_trace_pkt *p)
{
	struct sk_trace_addr s = fix_addr(&p->src), d = fix_addr(&p->dst);
	bool v6 = s.family == 6;
	o->n = 0;
	o->full = false;
	uint8_t h[4] = {2, (uint8_t)(v6 ? 40 : 16), (uint8_t)(v6 ? 10 : 2),
	                (uint8_t)(p->proto == SK_TRACE_TCP ? 6 : 17)};
	put(o, h, 4);
	put16(o, s.port);
	put16(o, d.port);
	put(o, s.ip, v6 ? 16 : 4);
	put(o, d.ip, v6 ? 16 : 4);
	put32le(o, (uint32_t)(p->ts_us / 1000000));
	put32le(o, (uint32_t)(p->ts_us % 1000000));
	uint8_t cid[4] = {0xd1, 0x07, 0, 0};
	put(o, cid, 4);
	put(o, p->data, p->len);
}

/* The i-th foreign or broken datagram of --hostile, built around message p. */
static void hostile(struct out *o, const struct sk_trace_pkt *p, unsigned i)
{
	switch (i % 5) {
	case 0: /* cut: the total length says more than is sent */
		hep3(o, p, 15, 1);
		o->n -= p->len / 2 + 1;
		break;
	case 1: /* a chunk of length 0 after the header */
		o->n = 0;
		put(o, "HEP3", 4);
		put16(o, 18);
		chunk8(o, 1, 2);
		put16(o, 0), put16(o, 0x99), put16(o, 0);
		break;
	case 2: hep3(o, p, 16, 1); break; /* compressed */
	case 3: hep3(o, p, 15, 5); break; /* RTCP */
	default:                          /* not HEP at all */
		o->n = 0;
		put(o, "hello", 5);
		break;
	}
}

/* ---- --pcap: the datagrams as a capture ---------------------------------------------- */

static void le32(FILE *f, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	fwrite(b, 1, 4, f);
}

static void pcap_header(FILE *f)
{
	le32(f, 0xa1b2c3d4);
	uint8_t ver[4] = {2, 0, 4, 0};
	fwrite(ver, 1, 4, f);
	le32(f, 0);
	le32(f, 0);
	le32(f, 262144);
	le32(f, 101); /* LINKTYPE_RAW */
}

static void pcap_datagram(FILE *f, int64_t ts_us, uint16_t dport, const struct out *o)
{
	size_t n = 28 + o->n;
	if (n > 65535)
		return;
	le32(f, (uint32_t)(ts_us / 1000000));
	le32(f, (uint32_t)(ts_us % 1000000));
	le32(f, (uint32_t)n);
	le32(f, (uint32_t)n);
	uint8_t h[28] = {0x45,
	                 0,
	                 (uint8_t)(n >> 8),
	                 (uint8_t)n,
	                 0,
	                 0,
	                 0x40,
	                 0,
	                 64,
	                 17,
	                 0,
	                 0,
	                 127,
	                 0,
	                 0,
	                 1,
	                 127,
	                 0,
	                 0,
	                 1,
	                 0x9c,
	                 0x40,
	                 (uint8_t)(dport >> 8),
	                 (uint8_t)dport,
	                 (uint8_t)((o->n + 8) >> 8),
	                 (uint8_t)(o->n + 8),
	                 0,
	                 0};
	fwrite(h, 1, 28, f);
	fwrite(o->b, 1, o->n, f);
}

static int target(const char *spec, struct sockaddr_storage *ss, socklen_t *sl, bool *tcp)
{
	char host[64];
	const char *s = spec;
	*tcp = strncmp(s, "tcp:", 4) == 0;
	if (strncmp(s, "udp:", 4) != 0 && !*tcp)
		return -1;
	s += 4;
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	int port = atoi(colon + 1);
	if (port <= 0 || port > 65535)
		return -1;
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	size_t hl = strlen(host);
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1 ||
		    !IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
			return -1;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*s6);
		return 0;
	}
	/* loopback only: this sends load */
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1 ||
	    (ntohl(s4->sin_addr.s_addr) >> 24) != 127)
		return -1;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	*sl = sizeof(*s4);
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hep-send [--version 2|3] [--rate MSGS_PER_S] [--max N] [--hostile] "
	           "FILE... udp:127.0.0.1:PORT\n"
	           "       hep-send [--rate MSGS_PER_S] [--max N] FILE... tcp:127.0.0.1:PORT\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"version", required_argument, NULL, 'v'}, {"rate", required_argument, NULL, 'r'},
	    {"max", required_argument, NULL, 'm'},     {"hostile", no_argument, NULL, 'H'},
	    {"pcap", required_argument, NULL, 'p'},    {NULL, 0, NULL, 0}};
	int version = 3, c;
	double rate = 1000;
	unsigned long long max = 0;
	bool bad = false;
	const char *pcap_path = NULL;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'v': version = atoi(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'm': max = strtoull(optarg, NULL, 10); break;
		case 'H': bad = true; break;
		case 'p': pcap_path = optarg; break;
		default: usage(stderr); return 64;
		}
	}
	struct sockaddr_storage ss;
	socklen_t sl;
	bool tcp = false;
	if (argc - optind < 2 || (version != 2 && version != 3) || rate < 0 ||
	    target(argv[argc - 1], &ss, &sl, &tcp) < 0 ||
	    (tcp && (version != 3 || bad || pcap_path))) { /* a stream frames HEP3 only */
		usage(stderr);
		return 64;
	}
	FILE *pf = NULL;
	uint16_t dport = ntohs(((struct sockaddr_in *)&ss)->sin_port); /* same place in v6 */
	if (pcap_path) {
		if (!(pf = fopen(pcap_path, "wb"))) {
			perror(pcap_path);
			return 1;
		}
		pcap_header(pf);
		rate = 0;
	}
	int fd = socket(ss.ss_family, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("hep-send: socket");
		return 1;
	}
	if (tcp && connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		perror("hep-send: connect");
		close(fd);
		return 1;
	}
	struct sk_clock *clock;
	if (sk_clock_new_real(&clock) < 0)
		return 1;
	static struct out o;
	unsigned long long sent = 0, other = 0;
	uint64_t t0 = sk_clock_now(clock);
	int ret = 0;
	for (int i = optind; i < argc - 1 && !ret && (!max || sent < max); i++) {
		struct sk_trace_reader *r;
		char err[256];
		if (sk_trace_reader_open(&r, argv[i], NULL, err, sizeof(err)) < 0) {
			fprintf(stderr, "hep-send: %s: %s\n", argv[i], err);
			ret = 1;
			break;
		}
		struct sk_trace_pkt p;
		while ((!max || sent < max) && sk_trace_reader_next(r, &p) == 1) {
			/* pacing: never ahead of rate * elapsed; the clock has milliseconds */
			while (rate > 0 &&
			       (double)sent >= rate * (double)(sk_clock_now(clock) - t0) / 1e3) {
				struct timespec ns = {0, 200000};
				nanosleep(&ns, NULL);
			}
			if (bad) {
				hostile(&o, &p, (unsigned)sent);
				if (pf)
					pcap_datagram(pf, p.ts_us, dport, &o), other++;
				else if (sendto(fd, o.b, o.n, 0, (struct sockaddr *)&ss, sl) >= 0)
					other++;
			}
			if (version == 3)
				hep3(&o, &p, 15, 1);
			else
				hep2(&o, &p);
			if (o.full) {
				fprintf(stderr, "hep-send: a message of %zu bytes does not fit\n",
				        p.len);
				continue;
			}
			if (pf) {
				pcap_datagram(pf, p.ts_us, dport, &o);
				sent++;
				continue;
			}
			if (tcp) {
				if (write_all(fd, o.b, o.n) < 0) {
					perror("hep-send: write");
					ret = 1;
					break;
				}
				sent++;
				continue;
			}
			if (sendto(fd, o.b, o.n, 0, (struct sockaddr *)&ss, sl) < 0) {
				if (errno == ECONNREFUSED)
					continue; /* nobody listening yet; counted as not sent */
				perror("hep-send: sendto");
				ret = 1;
				break;
			}
			sent++;
		}
		sk_trace_reader_free(r);
	}
	double secs = (double)(sk_clock_now(clock) - t0) / 1e3;
	printf("sent %llu messages (%llu other datagrams) in %.3f s\n", sent, other, secs);
	sk_clock_free(clock);
	close(fd);
	if (pf && fclose(pf) != 0) {
		perror(pcap_path);
		ret = 1;
	}
	return ret;
}
