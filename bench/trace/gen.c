/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * bench-gen-capture: a large, realistic capture for `sipkit check` (bench/trace/run.sh).
 *
 *   bench-gen-capture --calls N --out FILE [--seed S] [--tcp-share PCT] [--ipv6-share PCT]
 *                     [--rate CPS] [--list FILE]
 *
 * Writes a pcap (sk_trace_writer, SK_TRACE_FMT_PCAP) of N IMS-like calls
 * offered at CPS calls/s (default 2000; Poisson arrivals), interleaved in time
 * as real traffic is: a call rings for seconds and talks for tens of seconds,
 * so thousands are in flight at once. Nothing is sent anywhere; the addresses
 * are loopback and documentation ones (127.0.0.0/8, 192.0.2.0/24,
 * 198.51.100.0/24, 2001:db8::/32).
 *
 * The INVITE is a VoLTE one (P-Asserted-Identity, P-Access-Network-Info,
 * P-Charging-Vector, feature tags, an SDP offer of about 900 bytes with EVS,
 * AMR-WB, AMR and preconditions: 2.2 KB in all), so over UDP it goes as two IP
 * fragments. A call is
 * over UDP (random caller and callee addresses and ports) or, for PCT % of
 * the calls (default 20), over TCP: persistent connections between a few
 * dozen address pairs, as between IMS nodes. IPV6 % of the calls (default 10)
 * are over IPv6.
 *
 * The flows, drawn per call (‰):
 *   400 cancel     INVITE, 100, 180 (or 183 with SDP), CANCEL with a Reason,
 *                  200, 487, ACK
 *   300 answer     INVITE, 100, 180/183, 200 with SDP, ACK, BYE (from either
 *                  side), 200
 *   150 fork       caller -> proxy -> two phones of the callee: both ring, one
 *                  answers, the proxy passes its 200 up and CANCELs the other
 *                  with Reason: SIP;cause=200;text="Call completed elsewhere"
 *                  (200, 487, ACK); the caller ACKs and later hangs up through
 *                  the proxy (Record-Route)
 *    50 cross      the callee's 200 crosses the caller's CANCEL (either order
 *                  at the capture point, 1-15 ms apart): 200 to the CANCEL,
 *                  then ACK and BYE
 *    34 naive      faulty: the first CANCEL has a new Via branch and gets 481
 *                  (the phone rings on); a correct one follows: 200, 487, ACK
 *    33 noack      faulty: the 487 is never ACKed (over UDP it is resent until
 *                  Timer H, 11 copies)
 *    33 no487      faulty: the CANCEL gets 200, the INVITE never a final response
 * Over UDP, about 4 % of the cancel and answer calls lose a message and show a
 * retransmission: the INVITE (the 100 came late), the CANCEL, the 487 or the
 * 2xx (the ACK came late), or the BYE. Each proxy also sends an OPTIONS keep-alive every second
 * (answered 200; a new Call-ID each, as dispatchers do), and they go on for
 * 33 s after the last call's last message, so that every call has 64*T1 of
 * capture after it (the checker judges a missing message only then).
 *
 * Deterministic: the same arguments give the same bytes. --list FILE writes
 * each call's Call-ID and flow ("cancel", "noack" ...) and transport, one a line.
 *
 * Output (stdout): what was written, then one `expect:` line with what
 * `sipkit check --summary` must report for it (outcomes, findings by code,
 * messages), which run.sh compares with the checker's summary.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sipkit/trace.h"

#define MAX_STEPS     48
#define EPOCH_US      INT64_C(1714557600000000) /* 2024-05-01T10:00:00Z */
#define MS            INT64_C(1000)
#define SEC           INT64_C(1000000)
#define T1            (500 * MS)
#define TAIL          (33 * SEC) /* keep-alives after the last call: > 64*T1 */
#define NPROXIES      4
#define DOMAIN        "ims.mnc001.mcc001.3gppnetwork.org"
#define ICSI          "urn%%3Aurn-7%%3A3gpp-service.ims.icsi.mmtel" /* in formats */
#define TCP_DIRECT    40 /* connections caller side -> callee side */
#define TCP_TO_PROXY  16 /* caller side -> proxy */
#define TCP_PER_PROXY 4  /* proxy -> phones, per proxy and family */

/* ---- randomness (splitmix64) ------------------------------------------------------------ */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rnd(r) >> 32) * n) >> 32);
}

static int64_t between(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd(r) % (uint64_t)(hi - lo + 1));
}

static bool chance(struct rng *r, uint32_t per_mille)
{
	return below(r, 1000) < per_mille;
}

static double unit(struct rng *r)
{
	return (double)(rnd(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- calls ------------------------------------------------------------------------------- */

enum flow { F_CANCEL, F_ANSWER, F_FORK, F_CROSS, F_NAIVE, F_NOACK, F_NO487, F_KEEPALIVE, F__N };

static const char *const flow_names[F__N] = {"cancel", "answer", "fork",  "cross",
                                             "naive",  "noack",  "no487", "keepalive"};
static const unsigned flow_weights[F_KEEPALIVE] = {400, 300, 150, 50, 34, 33, 33};

enum kind {
	K_INVITE,
	K_100,
	K_180,
	K_183,
	K_200_INVITE,
	K_CANCEL,
	K_200_CANCEL,
	K_481_CANCEL,
	K_487,
	K_ACK,     /* of a non-2xx final: the INVITE's branch */
	K_ACK_2XX, /* a transaction of its own */
	K_BYE,
	K_200_BYE,
	K_OPTIONS,
	K_200_OPTIONS,
};

/* step.arg */
enum {
	A_TAG2 = 1,   /* on the caller's leg of a fork: the response carries phone 2's tag */
	A_NAIVE = 2,  /* the CANCEL on a new branch, and its 481 */
	A_CALLEE = 4, /* the BYE comes from the callee */
};

struct step {
	int64_t t;
	uint8_t kind, leg, arg;
};

/*
 * A hop: a = the client side (the caller, or the proxy on a branch), b = the
 * server side (the callee, the proxy, or a phone). Branches are numbers written
 * in hex after the magic cookie.
 */
struct leg {
	struct sk_trace_addr a, b;
	char a_sentby[56], b_sentby[56]; /* host:port for Via, Contact, Route, R-URI */
	char b_ip[48];                   /* for the SDP */
	uint64_t br_inv, br_ack, br_bye, br_naive;
	uint64_t tag; /* the server side's To tag */
	uint32_t callee_bye_cseq;
	uint16_t rtp;
};

struct call {
	uint64_t no; /* ties in the heap: creation order */
	uint8_t flow, nlegs, nsteps, cur;
	bool tcp, v6;
	uint8_t reason, ua, cell;
	struct leg leg[3];
	uint64_t cid, ftag, icid;
	uint32_t caller_num, callee_num;
	uint32_t sess;
	uint16_t rtp;
	char caller_ip[48];
	struct step steps[MAX_STEPS];
};

struct gen {
	struct rng rng;
	uint64_t seed;
	unsigned tcp_share, v6_share;
	double rate;
	struct sk_trace_writer *w;
	FILE *list; /* --list: "Call-ID flow" per call */
	struct call **heap;
	size_t nheap, heap_cap;
	uint64_t next_no;
	uint64_t live; /* real calls in the heap */
	int64_t last_call_t;
	/* counts */
	uint64_t flows[F__N], tcp_calls, v6_calls, retrans_calls, messages, ka_messages;
	uint64_t peak_live;
	char *buf, *body;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "bench-gen-capture: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* ---- addresses --------------------------------------------------------------------------- */

static void v4(struct sk_trace_addr *a, unsigned b0, unsigned b1, unsigned b2, unsigned b3,
               uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->ip[0] = (uint8_t)b0;
	a->ip[1] = (uint8_t)b1;
	a->ip[2] = (uint8_t)b2;
	a->ip[3] = (uint8_t)b3;
	a->port = port;
}

/* 2001:db8:g:h::i */
static void v6(struct sk_trace_addr *a, unsigned g, unsigned h, unsigned i, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = 6;
	a->ip[0] = 0x20;
	a->ip[1] = 0x01;
	a->ip[2] = 0x0d;
	a->ip[3] = 0xb8;
	a->ip[4] = (uint8_t)(g >> 8);
	a->ip[5] = (uint8_t)g;
	a->ip[6] = (uint8_t)(h >> 8);
	a->ip[7] = (uint8_t)h;
	a->ip[14] = (uint8_t)(i >> 8);
	a->ip[15] = (uint8_t)i;
	a->port = port;
}

/* "192.0.2.1" or "[2001:db8::1]" */
static void host_str(const struct sk_trace_addr *a, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];
	inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->ip, ip, sizeof(ip));
	snprintf(buf, size, a->family == 4 ? "%s" : "[%s]", ip);
}

/* The address as a URI or Via shows it: with its listening port (5060 for a TCP client). */
static void sentby(const struct sk_trace_addr *a, bool tcp_client, char *buf, size_t size)
{
	char h[48];
	host_str(a, h, sizeof(h));
	snprintf(buf, size, "%s:%u", h, tcp_client ? 5060u : (unsigned)a->port);
}

static void proxy_addr(struct sk_trace_addr *a, unsigned p, bool is_v6, uint16_t port)
{
	if (is_v6)
		v6(a, 0, 0, 1 + p, port);
	else
		v4(a, 198, 51, 100, 1 + p, port);
}

/* A phone or UE over UDP: anywhere in 127/8 or 2001:db8:a::/48, any port. */
static void ue_addr(struct rng *r, struct sk_trace_addr *a, bool is_v6)
{
	uint16_t port = chance(r, 500) ? 5060 : (uint16_t)between(r, 1024, 65535);
	if (is_v6)
		v6(a, 0xa, below(r, 65536), 1 + below(r, 65535), port);
	else
		v4(a, 127, 1 + below(r, 254), below(r, 256), 1 + below(r, 254), port);
}

/* A callee-side node over UDP (an IMS core or a peer). */
static void peer_addr(struct rng *r, struct sk_trace_addr *a, bool is_v6)
{
	uint16_t port = chance(r, 800) ? 5060 : 5080;
	if (is_v6)
		v6(a, 0xb, below(r, 256), 1 + below(r, 65535), port);
	else if (chance(r, 500))
		v4(a, 192, 0, 2, 1 + below(r, 199), port);
	else
		v4(a, 198, 51, 100, 20 + below(r, 80), port);
}

/*
 * The persistent TCP connections (client, server). Every eighth is IPv6. They
 * stay under the writer's 256 streams: 2 * (40 + 16 + 4*2*4) = 176.
 */
static void tcp_direct(unsigned i, struct sk_trace_addr *cl, struct sk_trace_addr *sv)
{
	if (i % 8 == 7) {
		v6(cl, 0xc, 0, 100 + i, (uint16_t)(40000 + i * 37));
		v6(sv, 0xd, 0, 100 + i % 16, 5060);
	} else {
		v4(cl, 192, 0, 2, 200 + i % 50, (uint16_t)(40000 + i * 37));
		v4(sv, 198, 51, 100, 150 + i % 16, 5060);
	}
}

static void tcp_to_proxy(unsigned i, struct sk_trace_addr *cl, struct sk_trace_addr *sv,
                         unsigned *proxy)
{
	*proxy = i % NPROXIES;
	bool is_v6 = i % 8 == 7;
	if (is_v6)
		v6(cl, 0xc, 1, 100 + i, (uint16_t)(41000 + i * 37));
	else
		v4(cl, 192, 0, 2, 200 + 50 + i % 4, (uint16_t)(41000 + i * 37));
	proxy_addr(sv, *proxy, is_v6, 5060);
}

static void tcp_from_proxy(unsigned proxy, bool is_v6, unsigned j, struct sk_trace_addr *cl,
                           struct sk_trace_addr *sv)
{
	proxy_addr(cl, proxy, is_v6, (uint16_t)(42000 + proxy * 100 + j * 7 + (is_v6 ? 50 : 0)));
	if (is_v6)
		v6(sv, 0xe, proxy, 10 + j, 5060);
	else
		v4(sv, 198, 51, 100, 100 + proxy * 8 + j, 5060);
}

/* ---- scripts ------------------------------------------------------------------------------ */

static void add(struct call *c, int64_t t, enum kind k, unsigned leg, unsigned arg)
{
	if (c->nsteps == MAX_STEPS)
		die("internal: too many steps in a %s call", flow_names[c->flow]);
	c->steps[c->nsteps++] = (struct step){t, (uint8_t)k, (uint8_t)leg, (uint8_t)arg};
}

/* Stable: steps at the same time keep the order they were added in. */
static void sort_steps(struct call *c)
{
	for (size_t i = 1; i < c->nsteps; i++) {
		struct step s = c->steps[i];
		size_t j = i;
		for (; j > 0 && c->steps[j - 1].t > s.t; j--)
			c->steps[j] = c->steps[j - 1];
		c->steps[j] = s;
	}
}

static int64_t ring_time(struct rng *r, int64_t lo, int64_t hi)
{
	/* mostly short, some long: the mean of two uniforms leans to the middle */
	return (between(r, lo, hi) + between(r, lo, hi)) / 2;
}

static void fill_leg(struct gen *g, struct leg *l, bool tcp_client)
{
	sentby(&l->a, tcp_client, l->a_sentby, sizeof(l->a_sentby));
	sentby(&l->b, false, l->b_sentby, sizeof(l->b_sentby));
	host_str(&l->b, l->b_ip, sizeof(l->b_ip));
	if (l->b_ip[0] == '[') { /* the SDP wants the bare address */
		size_t n = strlen(l->b_ip);
		memmove(l->b_ip, l->b_ip + 1, n - 2);
		l->b_ip[n - 2] = '\0';
	}
	l->br_inv = rnd(&g->rng);
	l->br_ack = rnd(&g->rng);
	l->br_bye = rnd(&g->rng);
	l->br_naive = rnd(&g->rng);
	l->tag = rnd(&g->rng);
	l->callee_bye_cseq = 1 + below(&g->rng, 1000);
	l->rtp = (uint16_t)(10000 + 2 * below(&g->rng, 20000));
}

/* Addresses of the call's legs: UDP anywhere, TCP on the persistent connections. */
static void place(struct gen *g, struct call *c)
{
	struct rng *r = &g->rng;
	if (c->flow == F_FORK) {
		unsigned p;
		if (c->tcp) {
			unsigned i;
			do
				i = below(r, TCP_TO_PROXY);
			while ((i % 8 == 7) != c->v6);
			tcp_to_proxy(i, &c->leg[0].a, &c->leg[0].b, &p);
			unsigned j1 = below(r, TCP_PER_PROXY), j2 = below(r, TCP_PER_PROXY - 1);
			j2 += j2 >= j1;
			tcp_from_proxy(p, c->v6, j1, &c->leg[1].a, &c->leg[1].b);
			tcp_from_proxy(p, c->v6, j2, &c->leg[2].a, &c->leg[2].b);
		} else {
			p = below(r, NPROXIES);
			ue_addr(r, &c->leg[0].a, c->v6);
			proxy_addr(&c->leg[0].b, p, c->v6, 5060);
			for (int k = 1; k <= 2; k++) {
				proxy_addr(&c->leg[k].a, p, c->v6, 5060);
				ue_addr(r, &c->leg[k].b, c->v6);
			}
		}
		c->nlegs = 3;
	} else {
		if (c->tcp) {
			unsigned i;
			do
				i = below(r, TCP_DIRECT);
			while ((i % 8 == 7) != c->v6);
			tcp_direct(i, &c->leg[0].a, &c->leg[0].b);
		} else {
			ue_addr(r, &c->leg[0].a, c->v6);
			peer_addr(r, &c->leg[0].b, c->v6);
		}
		c->nlegs = 1;
	}
	for (unsigned k = 0; k < c->nlegs; k++)
		fill_leg(g, &c->leg[k], c->tcp);
	host_str(&c->leg[0].a, c->caller_ip, sizeof(c->caller_ip));
	if (c->caller_ip[0] == '[') {
		size_t n = strlen(c->caller_ip);
		memmove(c->caller_ip, c->caller_ip + 1, n - 2);
		c->caller_ip[n - 2] = '\0';
	}
}

/* The caller's side of a single hop up to the first provisional; returns its time. */
static int64_t setup(struct rng *r, struct call *c, int64_t t0, int64_t d, bool retrans_inv)
{
	add(c, t0, K_INVITE, 0, 0);
	int64_t t100 = t0 + d + between(r, 200, 3 * MS);
	if (retrans_inv) { /* the 100 was late: the INVITE again at T1 */
		add(c, t0 + T1, K_INVITE, 0, 0);
		t100 = t0 + T1 + d + between(r, 200, 3 * MS);
	}
	add(c, t100, K_100, 0, 0);
	int64_t tp = t100 + between(r, 80 * MS, 2500 * MS);
	add(c, tp, chance(r, 300) ? K_183 : K_180, 0, 0);
	return tp;
}

/* CANCEL at tc, its 200 and the 487, then the ACK (unless noack); returns the 487's time. */
static int64_t cancel_seq(struct rng *r, struct call *c, int64_t tc, int64_t d, bool udp,
                          int retrans, bool ack)
{
	add(c, tc, K_CANCEL, 0, 0);
	int64_t t200 = tc + 2 * d + between(r, 100, 2 * MS);
	if (retrans == 1) { /* the CANCEL again, its 200 after it */
		add(c, tc + T1, K_CANCEL, 0, 0);
		t200 = tc + T1 + 2 * d + between(r, 100, 2 * MS);
	}
	add(c, t200, K_200_CANCEL, 0, 0);
	int64_t t487 = t200 + between(r, 50, 2 * MS);
	add(c, t487, K_487, 0, 0);
	if (!ack) {
		if (udp) /* Timer G until Timer H: 0.5 1 2 4 4 ... s apart, 11 copies in all */
			for (int64_t t = t487, gap = T1;
			     t + gap<t487 + 64 * T1; t += gap, gap = gap * 2> 8 * T1 ? 8 * T1
			                                                             : gap * 2)
				add(c, t + gap, K_487, 0, 0);
		return t487;
	}
	int64_t tack = t487 + 2 * d + between(r, 100, 2 * MS);
	if (retrans == 2) { /* the ACK was lost: the 487 again */
		add(c, t487 + T1, K_487, 0, 0);
		tack = t487 + T1 + 2 * d + between(r, 100, 2 * MS);
	}
	add(c, tack, K_ACK, 0, 0);
	return t487;
}

/* 200 at t2, ACK, talk, BYE, 200 on a single hop. */
static void answer_seq(struct rng *r, struct call *c, int64_t t2, int64_t d, int retrans,
                       bool callee_may_hang_up, int64_t talk_lo, int64_t talk_hi)
{
	add(c, t2, K_200_INVITE, 0, 0);
	int64_t tack = t2 + 2 * d + between(r, 100, 2 * MS);
	if (retrans == 3) { /* the ACK was late: the 200 again */
		add(c, t2 + T1, K_200_INVITE, 0, 0);
		tack = t2 + T1 + 2 * d + between(r, 100, 2 * MS);
	}
	add(c, tack, K_ACK_2XX, 0, 0);
	int64_t tb = tack + ring_time(r, talk_lo, talk_hi);
	unsigned who = callee_may_hang_up && chance(r, 400) ? A_CALLEE : 0;
	add(c, tb, K_BYE, 0, who);
	int64_t t200 = tb + 2 * d + between(r, 100, 2 * MS);
	if (retrans == 4) {
		add(c, tb + T1, K_BYE, 0, who);
		t200 = tb + T1 + 2 * d + between(r, 100, 2 * MS);
	}
	add(c, t200, K_200_BYE, 0, who);
}

static void script(struct gen *g, struct call *c, int64_t t0)
{
	struct rng *r = &g->rng;
	bool udp = !c->tcp;
	int64_t d = c->tcp ? between(r, 1 * MS, 10 * MS) : between(r, 1 * MS, 20 * MS);
	/* retransmission: 1 CANCEL, 2 487, 3 2xx, 4 BYE; 5 INVITE */
	int retrans = udp && chance(r, 40) ? 1 + (int)below(r, 5) : 0;
	bool rinv = retrans == 5;
	int64_t tp, tc, t2;

	switch (c->flow) {
	case F_CANCEL:
		if (retrans == 3 || retrans == 4)
			retrans = 0;
		tp = setup(r, c, t0, d, rinv);
		tc = tp + ring_time(r, 500 * MS, 12 * SEC);
		cancel_seq(r, c, tc, d, udp, retrans, true);
		break;
	case F_ANSWER:
		if (retrans == 1 || retrans == 2)
			retrans = 0;
		tp = setup(r, c, t0, d, rinv);
		t2 = tp + ring_time(r, 1 * SEC, 10 * SEC);
		answer_seq(r, c, t2, d, retrans, true, 2 * SEC, 40 * SEC);
		break;
	case F_CROSS: {
		retrans = 0;
		tp = setup(r, c, t0, d, false);
		int64_t tx = tp + ring_time(r, 1 * SEC, 10 * SEC),
		        delta = between(r, 1 * MS, 15 * MS);
		int64_t t200 = tx, tcan = tx + delta;
		if (chance(r, 500)) { /* the CANCEL first at the capture point */
			tcan = tx;
			t200 = tx + delta;
		}
		add(c, t200, K_200_INVITE, 0, 0);
		add(c, tcan, K_CANCEL, 0, 0);
		add(c, tcan + 2 * d + between(r, 100, 2 * MS), K_200_CANCEL, 0, 0);
		int64_t tack = t200 + 2 * d + between(r, 100, 2 * MS);
		add(c, tack, K_ACK_2XX, 0, 0);
		int64_t tb = tack + between(r, 1 * MS, 50 * MS); /* it wanted to hang up */
		add(c, tb, K_BYE, 0, 0);
		add(c, tb + 2 * d + between(r, 100, 2 * MS), K_200_BYE, 0, 0);
		break;
	}
	case F_NAIVE: {
		retrans = 0;
		tp = setup(r, c, t0, d, false);
		tc = tp + ring_time(r, 500 * MS, 8 * SEC);
		add(c, tc, K_CANCEL, 0, A_NAIVE);
		add(c, tc + 2 * d + between(r, 100, 2 * MS), K_481_CANCEL, 0, A_NAIVE);
		cancel_seq(r, c, tc + between(r, 300 * MS, 2 * SEC), d, udp, 0, true);
		break;
	}
	case F_NOACK:
		retrans = 0;
		tp = setup(r, c, t0, d, false);
		tc = tp + ring_time(r, 500 * MS, 12 * SEC);
		cancel_seq(r, c, tc, d, udp, 0, false);
		break;
	case F_NO487:
		retrans = 0;
		tp = setup(r, c, t0, d, false);
		tc = tp + ring_time(r, 500 * MS, 12 * SEC);
		add(c, tc, K_CANCEL, 0, 0);
		add(c, tc + 2 * d + between(r, 100, 2 * MS), K_200_CANCEL, 0, 0);
		break;
	case F_FORK: {
		retrans = 0;
		int64_t p = between(r, 200, 2 * MS); /* the proxy's processing */
		int64_t d1 = between(r, 1 * MS, 15 * MS), d2 = between(r, 1 * MS, 15 * MS);
		add(c, t0, K_INVITE, 0, 0);
		add(c, t0 + p, K_100, 0, 0);
		add(c, t0 + p + 50, K_INVITE, 1, 0);
		add(c, t0 + p + 100, K_INVITE, 2, 0);
		add(c, t0 + p + 50 + 2 * d1, K_100, 1, 0);
		add(c, t0 + p + 100 + 2 * d2, K_100, 2, 0);
		int64_t t1 = t0 + between(r, 100 * MS, 2500 * MS);
		int64_t tt2 = t0 + between(r, 100 * MS, 2500 * MS);
		add(c, t1, K_180, 1, 0);
		add(c, t1 + p, K_180, 0, 0);
		add(c, tt2, K_180, 2, 0);
		add(c, tt2 + p, K_180, 0, A_TAG2);
		int64_t ta = (t1 > tt2 ? t1 : tt2) + ring_time(r, 1 * SEC, 10 * SEC);
		add(c, ta, K_200_INVITE, 1, 0);
		add(c, ta + p, K_200_INVITE, 0, 0);
		int64_t tc2 = ta + p + 50;
		add(c, tc2, K_CANCEL, 2, 0);
		int64_t t200c = tc2 + 2 * d2 + between(r, 100, 2 * MS);
		add(c, t200c, K_200_CANCEL, 2, 0);
		int64_t t487 = t200c + between(r, 50, 1 * MS);
		add(c, t487, K_487, 2, 0);
		add(c, t487 + p, K_ACK, 2, 0);
		int64_t tack = ta + p + 2 * d + between(r, 100, 2 * MS);
		add(c, tack, K_ACK_2XX, 0, 0);
		add(c, tack + p, K_ACK_2XX, 1, 0);
		int64_t tb = tack + ring_time(r, 2 * SEC, 40 * SEC);
		add(c, tb, K_BYE, 0, 0);
		add(c, tb + p, K_BYE, 1, 0);
		int64_t t200 = tb + p + 2 * d1 + between(r, 100, 2 * MS);
		add(c, t200, K_200_BYE, 1, 0);
		add(c, t200 + p, K_200_BYE, 0, 0);
		break;
	}
	default: break;
	}
	if (retrans)
		g->retrans_calls++;
	sort_steps(c);
}

static struct call *call_new(struct gen *g, int64_t t0)
{
	struct call *c = calloc(1, sizeof(*c));
	if (!c)
		die("out of memory");
	struct rng *r = &g->rng;
	c->no = g->next_no++;
	unsigned x = below(r, 1000), acc = 0;
	c->flow = F_NO487;
	for (unsigned f = 0; f < F_KEEPALIVE; f++) {
		acc += flow_weights[f];
		if (x < acc) {
			c->flow = (uint8_t)f;
			break;
		}
	}
	c->tcp = below(r, 100) < g->tcp_share;
	c->v6 = below(r, 100) < g->v6_share;
	c->cid = rnd(r);
	c->ftag = rnd(r);
	c->icid = rnd(r);
	c->caller_num = below(r, 10000000);
	c->callee_num = below(r, 10000000);
	c->sess = (uint32_t)rnd(r);
	c->rtp = (uint16_t)(10000 + 2 * below(r, 20000));
	c->reason = (uint8_t)below(r, 4);
	c->ua = (uint8_t)below(r, 3);
	c->cell = (uint8_t)below(r, 250);
	place(g, c);
	script(g, c, t0);
	if (g->list)
		fprintf(g->list, "%016llx@%s %s%s%s\n", (unsigned long long)c->cid, c->caller_ip,
		        flow_names[c->flow], c->tcp ? " tcp" : " udp", c->v6 ? " ipv6" : "");
	g->flows[c->flow]++;
	g->tcp_calls += c->tcp;
	g->v6_calls += c->v6;
	return c;
}

/* An OPTIONS keep-alive from proxy p to its peer, and the 200. */
static struct call *keepalive_new(struct gen *g, int64_t t0, unsigned p)
{
	struct call *c = calloc(1, sizeof(*c));
	if (!c)
		die("out of memory");
	c->no = g->next_no++;
	c->flow = F_KEEPALIVE;
	c->nlegs = 1;
	c->cid = rnd(&g->rng);
	c->ftag = rnd(&g->rng);
	proxy_addr(&c->leg[0].a, p, false, 5060);
	v4(&c->leg[0].b, 192, 0, 2, 254, 5060);
	fill_leg(g, &c->leg[0], false);
	add(c, t0, K_OPTIONS, 0, 0);
	add(c, t0 + between(&g->rng, 300, 3 * MS), K_200_OPTIONS, 0, 0);
	g->flows[F_KEEPALIVE]++;
	return c;
}

/* ---- the heap of calls by the time of their next message ------------------------------------ */

static bool earlier(const struct call *a, const struct call *b)
{
	int64_t ta = a->steps[a->cur].t, tb = b->steps[b->cur].t;
	return ta < tb || (ta == tb && a->no < b->no);
}

static void heap_push(struct gen *g, struct call *c)
{
	if (g->nheap == g->heap_cap) {
		size_t n = g->heap_cap ? g->heap_cap * 2 : 4096;
		struct call **nh = realloc(g->heap, n * sizeof(*nh));
		if (!nh)
			die("out of memory");
		g->heap = nh;
		g->heap_cap = n;
	}
	size_t i = g->nheap++;
	while (i > 0 && earlier(c, g->heap[(i - 1) / 2])) {
		g->heap[i] = g->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	g->heap[i] = c;
}

static struct call *heap_pop(struct gen *g)
{
	struct call *top = g->heap[0], *last = g->heap[--g->nheap];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		const struct call *best = last;
		if (l < g->nheap && earlier(g->heap[l], best)) {
			m = l;
			best = g->heap[l];
		}
		if (l + 1 < g->nheap && earlier(g->heap[l + 1], best))
			m = l + 1;
		if (m == i)
			break;
		g->heap[i] = g->heap[m];
		i = m;
	}
	if (g->nheap)
		g->heap[i] = last;
	return top;
}

/* ---- messages ------------------------------------------------------------------------------ */

struct out {
	char *p;
	size_t n, cap;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->n)
		die("internal: message buffer too small");
	o->n += (size_t)n;
}

static const char *tp_name(const struct call *c)
{
	return c->tcp ? "TCP" : "UDP";
}

static const char *const user_agents[] = {"Samsung IMS 6.0", "iOS/17.4 (21E219) iPhone",
                                          "Pixel IMS/14 (UP1A.231005.007)"};

static const char *const cancel_reasons[] = {
    "Q.850;cause=16;text=\"Normal call clearing\"",
    "RELEASE_CAUSE;cause=1;text=\"User ends call\"",
    "Q.850;cause=31;text=\"Normal, unspecified\"",
    "SIP;cause=487;text=\"Originator canceled\"",
};

static uint64_t branch_of(const struct leg *l, enum kind k, unsigned arg)
{
	if (k == K_ACK_2XX)
		return l->br_ack;
	if (k == K_BYE || k == K_200_BYE)
		return l->br_bye;
	if (arg & A_NAIVE)
		return l->br_naive;
	return l->br_inv;
}

/*
 * The Via headers of a request of kind k on leg L, or of its response: the
 * caller's; on a branch the proxy's above the caller's. A CANCEL (and ACK of a
 * 487) the proxy makes itself carries its Via alone.
 */
static void vias(struct out *o, const struct call *c, unsigned L, enum kind k, unsigned arg)
{
	const struct leg *l = &c->leg[L];
	if ((k == K_BYE || k == K_200_BYE) && (arg & A_CALLEE)) {
		put(o, "Via: SIP/2.0/%s %s;branch=z9hG4bK%016llx\r\n", tp_name(c), l->b_sentby,
		    (unsigned long long)l->br_bye);
		return;
	}
	put(o, "Via: SIP/2.0/%s %s;branch=z9hG4bK%016llx%s\r\n", tp_name(c), l->a_sentby,
	    (unsigned long long)branch_of(l, k, arg), L == 0 && !c->tcp ? ";rport" : "");
	bool own = k == K_CANCEL || k == K_200_CANCEL || k == K_ACK;
	if (L > 0 && !own)
		put(o, "Via: SIP/2.0/%s %s;branch=z9hG4bK%016llx;rport\r\n", tp_name(c),
		    c->leg[0].a_sentby, (unsigned long long)branch_of(&c->leg[0], k, arg));
}

/* The To tag of leg L's callee side; on the caller's leg of a fork, the phone's. */
static uint64_t callee_tag(const struct call *c, unsigned L, unsigned arg)
{
	if (c->flow == F_FORK && L == 0)
		return c->leg[arg & A_TAG2 ? 2 : 1].tag;
	return c->leg[L].tag;
}

static void from_to(struct out *o, const struct call *c, uint64_t totag, bool swap)
{
	char from[160], to[160];
	snprintf(from, sizeof(from), "<sip:+1555%07u@" DOMAIN ">;tag=%016llx", c->caller_num,
	         (unsigned long long)c->ftag);
	if (totag)
		snprintf(to, sizeof(to), "<sip:+1555%07u@" DOMAIN ";user=phone>;tag=%016llx",
		         c->callee_num, (unsigned long long)totag);
	else
		snprintf(to, sizeof(to), "<sip:+1555%07u@" DOMAIN ";user=phone>", c->callee_num);
	put(o, "From: %s\r\nTo: %s\r\n", swap ? to : from, swap ? from : to);
}

static void call_id(struct out *o, const struct call *c)
{
	put(o, "Call-ID: %016llx@%s\r\n", (unsigned long long)c->cid, c->caller_ip);
}

/* The initial request's Request-URI on leg L: the number, or the phone's contact. */
static void ruri_initial(char *buf, size_t size, const struct call *c, unsigned L)
{
	if (L == 0)
		snprintf(buf, size, "sip:+1555%07u@" DOMAIN ";user=phone", c->callee_num);
	else
		snprintf(buf, size, "sip:+1555%07u@%s", c->callee_num, c->leg[L].b_sentby);
}

static void sdp_offer(struct out *o, const struct call *c)
{
	char ipv = c->v6 ? '6' : '4';
	put(o,
	    "v=0\r\no=- %u 1 IN IP%c %s\r\ns=-\r\nc=IN IP%c %s\r\nb=AS:80\r\nb=RS:0\r\n"
	    "b=RR:2000\r\nt=0 0\r\n",
	    c->sess, ipv, c->caller_ip, ipv, c->caller_ip);
	put(o,
	    "m=audio %u RTP/AVP 118 116 107 111 110 100 101\r\nb=AS:80\r\nb=RS:0\r\nb=RR:2000\r\n"
	    "a=rtpmap:118 EVS/16000\r\n"
	    "a=fmtp:118 br=5.9-24.4;bw=nb-swb;max-red=0;cmr=1\r\n"
	    "a=rtpmap:116 AMR-WB/16000/1\r\n"
	    "a=fmtp:116 mode-change-capability=2;max-red=0\r\n"
	    "a=rtpmap:107 AMR-WB/16000/1\r\n"
	    "a=fmtp:107 octet-align=1;mode-change-capability=2;max-red=0\r\n"
	    "a=rtpmap:111 AMR/8000/1\r\n"
	    "a=fmtp:111 mode-change-capability=2;max-red=0\r\n"
	    "a=rtpmap:110 AMR/8000/1\r\n"
	    "a=fmtp:110 octet-align=1;mode-change-capability=2;max-red=0\r\n"
	    "a=rtpmap:100 telephone-event/16000\r\na=fmtp:100 0-15\r\n"
	    "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
	    "a=curr:qos local none\r\na=curr:qos remote none\r\n"
	    "a=des:qos mandatory local sendrecv\r\na=des:qos optional remote sendrecv\r\n"
	    "a=ptime:20\r\na=maxptime:240\r\na=sendrecv\r\na=rtcp:%u\r\n",
	    c->rtp, c->rtp + 1);
}

static void sdp_answer(struct out *o, const struct call *c, const struct leg *l)
{
	char ipv = c->v6 ? '6' : '4';
	put(o,
	    "v=0\r\no=- %u 1 IN IP%c %s\r\ns=-\r\nc=IN IP%c %s\r\nb=AS:49\r\nb=RS:0\r\n"
	    "b=RR:2000\r\nt=0 0\r\nm=audio %u RTP/AVP 116 100\r\nb=AS:49\r\n"
	    "a=rtpmap:116 AMR-WB/16000/1\r\na=fmtp:116 mode-change-capability=2;max-red=0\r\n"
	    "a=rtpmap:100 telephone-event/16000\r\na=fmtp:100 0-15\r\n"
	    "a=curr:qos local sendrecv\r\na=curr:qos remote none\r\n"
	    "a=des:qos mandatory local sendrecv\r\na=des:qos mandatory remote sendrecv\r\n"
	    "a=conf:qos remote sendrecv\r\n"
	    "a=ptime:20\r\na=maxptime:240\r\na=sendrecv\r\na=rtcp:%u\r\n",
	    (uint32_t)l->tag, ipv, l->b_ip, ipv, l->b_ip, l->rtp, l->rtp + 1);
}

static void body(struct out *o, const char *type, const struct out *b)
{
	if (!b || !b->n) {
		put(o, "Content-Length: 0\r\n\r\n");
		return;
	}
	put(o, "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n", type, b->n);
	if (o->cap - o->n <= b->n)
		die("internal: message buffer too small");
	memcpy(o->p + o->n, b->p, b->n);
	o->n += b->n;
}

static void charging(struct out *o, const struct call *c)
{
	put(o,
	    "P-Charging-Vector: icid-value=%016llx.%u;icid-generated-at=%s;"
	    "orig-ioi=" DOMAIN "\r\n",
	    (unsigned long long)c->icid, c->sess % 100000, c->caller_ip);
}

static void render_invite(struct out *o, struct out *b, const struct call *c, unsigned L)
{
	char ruri[160];
	ruri_initial(ruri, sizeof(ruri), c, L);
	put(o, "INVITE %s SIP/2.0\r\n", ruri);
	vias(o, c, L, K_INVITE, 0);
	put(o, "Max-Forwards: %d\r\n", L == 0 ? 70 : 69);
	if (L == 0)
		put(o, "Route: <sip:%s;lr%s>\r\n", c->leg[0].b_sentby,
		    c->tcp ? ";transport=tcp" : "");
	else
		put(o, "Record-Route: <sip:%s;lr%s>\r\n", c->leg[0].b_sentby,
		    c->tcp ? ";transport=tcp" : "");
	from_to(o, c, 0, false);
	call_id(o, c);
	put(o, "CSeq: 1 INVITE\r\n");
	put(o,
	    "Contact: <sip:+1555%07u@%s%s>;+sip.instance=\"<urn:gsma:imei:35209900-%06u-0>\";"
	    "+g.3gpp.icsi-ref=\"" ICSI "\";audio\r\n",
	    c->caller_num, c->leg[0].a_sentby, c->tcp ? ";transport=tcp" : "",
	    c->caller_num % 1000000);
	put(o, "P-Asserted-Identity: <sip:+1555%07u@" DOMAIN ">\r\n", c->caller_num);
	put(o, "P-Access-Network-Info: 3GPP-E-UTRAN-FDD;utran-cell-id-3gpp=00101%04X%05X\r\n",
	    c->cell, (unsigned)(c->cid & 0xfffff));
	charging(o, c);
	put(o, "P-Preferred-Service: urn:urn-7:3gpp-service.ims.icsi.mmtel\r\n"
	       "P-Early-Media: supported\r\n"
	       "Accept-Contact: *;+g.3gpp.icsi-ref=\"" ICSI "\"\r\n"
	       "Allow: INVITE, ACK, OPTIONS, CANCEL, BYE, UPDATE, INFO, REFER, NOTIFY, MESSAGE, "
	       "PRACK\r\n"
	       "Supported: 100rel, timer, histinfo, precondition, replaces\r\n"
	       "Session-Expires: 1800\r\nMin-SE: 90\r\n"
	       "Accept: application/sdp, application/3gpp-ims+xml\r\n");
	put(o, "User-Agent: %s\r\n", user_agents[c->ua]);
	b->n = 0;
	sdp_offer(b, c);
	body(o, "application/sdp", b);
}

/* A response on leg L to a request of the INVITE transaction, or to a CANCEL or BYE. */
static void render_response(struct out *o, struct out *b, const struct call *c, unsigned L,
                            enum kind k, unsigned arg)
{
	static const struct {
		int code;
		const char *phrase, *method;
	} st[] = {
	    [K_100] = {100, "Trying", "INVITE"},
	    [K_180] = {180, "Ringing", "INVITE"},
	    [K_183] = {183, "Session Progress", "INVITE"},
	    [K_200_INVITE] = {200, "OK", "INVITE"},
	    [K_200_CANCEL] = {200, "OK", "CANCEL"},
	    [K_481_CANCEL] = {481, "Call/Transaction Does Not Exist", "CANCEL"},
	    [K_487] = {487, "Request Terminated", "INVITE"},
	    [K_200_BYE] = {200, "OK", "BYE"},
	};
	bool fork_branch = c->flow == F_FORK;
	unsigned phone = L ? L : arg & A_TAG2 ? 2 : 1; /* whose answer, in a fork */
	const struct leg *cl = fork_branch ? &c->leg[phone] : &c->leg[L];
	put(o, "SIP/2.0 %d %s\r\n", st[k].code, st[k].phrase);
	enum kind req = k == K_200_BYE                           ? K_BYE
	                : k == K_200_CANCEL || k == K_481_CANCEL ? K_CANCEL
	                                                         : K_INVITE;
	vias(o, c, L, req, arg);
	bool dialog = k == K_180 || k == K_183 || k == K_200_INVITE;
	if (dialog && fork_branch)
		put(o, "Record-Route: <sip:%s;lr%s>\r\n", c->leg[0].b_sentby,
		    c->tcp ? ";transport=tcp" : "");
	if (k == K_200_BYE && (arg & A_CALLEE)) {
		from_to(o, c, c->leg[L].tag, true);
		call_id(o, c);
		put(o, "CSeq: %u BYE\r\n", c->leg[L].callee_bye_cseq);
	} else {
		from_to(o, c, k == K_100 ? 0 : callee_tag(c, L, arg), false);
		call_id(o, c);
		put(o, "CSeq: %u %s\r\n", k == K_200_BYE ? 2u : 1u, st[k].method);
	}
	if (dialog) {
		put(o, "Contact: <sip:+1555%07u@%s%s>;+g.3gpp.icsi-ref=\"" ICSI "\"\r\n",
		    c->callee_num, cl->b_sentby, c->tcp ? ";transport=tcp" : "");
		put(o, "P-Asserted-Identity: <sip:+1555%07u@" DOMAIN ">\r\n", c->callee_num);
		charging(o, c);
		put(o, "Allow: INVITE, ACK, OPTIONS, CANCEL, BYE, UPDATE, INFO, PRACK\r\n");
	}
	if (k == K_183)
		put(o, "P-Early-Media: sendrecv\r\n");
	if (k == K_200_INVITE)
		put(o, "Supported: timer, 100rel\r\nRequire: timer\r\n"
		       "Session-Expires: 1800;refresher=uac\r\n");
	if (k != K_100)
		put(o, "Server: %s\r\n", user_agents[(c->ua + phone) % 3]);
	b->n = 0;
	if (k == K_183 || k == K_200_INVITE)
		sdp_answer(b, c, cl);
	body(o, "application/sdp", b);
}

/* CANCEL or the ACK of a non-2xx final: the INVITE's Request-URI, top Via, Route. */
static void render_cancel_ack(struct out *o, const struct call *c, unsigned L, enum kind k,
                              unsigned arg)
{
	char ruri[160];
	ruri_initial(ruri, sizeof(ruri), c, L);
	const char *m = k == K_CANCEL ? "CANCEL" : "ACK";
	put(o, "%s %s SIP/2.0\r\n", m, ruri);
	vias(o, c, L, k, arg);
	put(o, "Max-Forwards: 70\r\n");
	if (L == 0)
		put(o, "Route: <sip:%s;lr%s>\r\n", c->leg[0].b_sentby,
		    c->tcp ? ";transport=tcp" : "");
	from_to(o, c, k == K_ACK ? c->leg[L].tag : 0, false);
	call_id(o, c);
	put(o, "CSeq: 1 %s\r\n", m);
	if (k == K_CANCEL)
		put(o, "Reason: %s\r\n",
		    L > 0 ? "SIP;cause=200;text=\"Call completed elsewhere\""
		          : cancel_reasons[c->reason]);
	put(o, "Content-Length: 0\r\n\r\n");
}

/* In-dialog requests (ACK of a 2xx, BYE): to the answering phone's Contact, by the route set. */
static void render_dialog(struct out *o, const struct call *c, unsigned L, enum kind k,
                          unsigned arg)
{
	const char *m = k == K_ACK_2XX ? "ACK" : "BYE";
	if (arg & A_CALLEE) { /* the callee hangs up: toward the caller's Contact */
		put(o, "BYE sip:+1555%07u@%s%s SIP/2.0\r\n", c->caller_num, c->leg[0].a_sentby,
		    c->tcp ? ";transport=tcp" : "");
		vias(o, c, L, K_BYE, arg);
		put(o, "Max-Forwards: 70\r\n");
		from_to(o, c, c->leg[L].tag, true);
		call_id(o, c);
		put(o, "CSeq: %u BYE\r\n", c->leg[L].callee_bye_cseq);
		put(o, "Reason: Q.850;cause=16;text=\"Normal call clearing\"\r\n");
		put(o, "Content-Length: 0\r\n\r\n");
		return;
	}
	const struct leg *answered = c->flow == F_FORK ? &c->leg[1] : &c->leg[0];
	put(o, "%s sip:+1555%07u@%s%s SIP/2.0\r\n", m, c->callee_num, answered->b_sentby,
	    c->tcp ? ";transport=tcp" : "");
	vias(o, c, L, k, arg);
	put(o, "Max-Forwards: %d\r\n", L == 0 ? 70 : 69);
	if (c->flow == F_FORK && L == 0)
		put(o, "Route: <sip:%s;lr%s>\r\n", c->leg[0].b_sentby,
		    c->tcp ? ";transport=tcp" : "");
	from_to(o, c, answered->tag, false);
	call_id(o, c);
	put(o, "CSeq: %u %s\r\n", k == K_ACK_2XX ? 1u : 2u, m);
	if (k == K_BYE) {
		put(o, "Reason: Q.850;cause=16;text=\"Normal call clearing\"\r\n");
		put(o, "User-Agent: %s\r\n", user_agents[c->ua]);
	}
	put(o, "Content-Length: 0\r\n\r\n");
}

static void render_options(struct out *o, const struct call *c, bool response)
{
	const struct leg *l = &c->leg[0];
	if (response)
		put(o, "SIP/2.0 200 OK\r\n");
	else
		put(o, "OPTIONS sip:%s SIP/2.0\r\n", l->b_sentby);
	put(o, "Via: SIP/2.0/UDP %s;branch=z9hG4bK%016llx\r\n", l->a_sentby,
	    (unsigned long long)l->br_inv);
	if (!response)
		put(o, "Max-Forwards: 70\r\n");
	put(o, "From: <sip:keepalive@%s>;tag=%016llx\r\n", l->a_sentby,
	    (unsigned long long)c->ftag);
	put(o, "To: <sip:%s>%s", l->b_sentby, response ? ";tag=" : "\r\n");
	if (response)
		put(o, "%016llx\r\n", (unsigned long long)l->tag);
	put(o, "Call-ID: ka-%016llx@%s\r\nCSeq: 1 OPTIONS\r\n", (unsigned long long)c->cid,
	    l->a_sentby);
	if (response)
		put(o, "Allow: INVITE, ACK, OPTIONS, CANCEL, BYE\r\nAccept: application/sdp\r\n");
	put(o, "Content-Length: 0\r\n\r\n");
}

static void emit(struct gen *g, const struct call *c, const struct step *s)
{
	struct out o = {g->buf, 0, 16384}, b = {g->body, 0, 4096};
	enum kind k = (enum kind)s->kind;
	unsigned L = s->leg;
	bool from_client;
	switch (k) {
	case K_INVITE:
		render_invite(&o, &b, c, L);
		from_client = true;
		break;
	case K_CANCEL:
	case K_ACK:
		render_cancel_ack(&o, c, L, k, s->arg);
		from_client = true;
		break;
	case K_ACK_2XX:
	case K_BYE:
		render_dialog(&o, c, L, k, s->arg);
		from_client = !(s->arg & A_CALLEE);
		break;
	case K_OPTIONS:
	case K_200_OPTIONS:
		render_options(&o, c, k == K_200_OPTIONS);
		from_client = k == K_OPTIONS;
		break;
	default:
		render_response(&o, &b, c, L, k, s->arg);
		from_client = k == K_200_BYE && (s->arg & A_CALLEE);
		break;
	}
	const struct leg *l = &c->leg[L];
	struct sk_trace_pkt pkt = {
	    .ts_us = EPOCH_US + s->t,
	    .src = from_client ? l->a : l->b,
	    .dst = from_client ? l->b : l->a,
	    .proto = c->tcp ? SK_TRACE_TCP : SK_TRACE_UDP,
	    .data = o.p,
	    .len = o.n,
	};
	int rc = sk_trace_writer_add(g->w, &pkt);
	if (rc < 0)
		die("writing failed (%d): %s", rc, rc == -SK_EIO ? "disk full?" : "bad message");
	if (c->flow == F_KEEPALIVE)
		g->ka_messages++;
	else
		g->messages++;
}

/* ---- main ---------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f, "usage: bench-gen-capture --calls N --out FILE [--seed S] [--tcp-share PCT]\n"
	           "                         [--ipv6-share PCT] [--rate CPS] [--list FILE]\n"
	           "Writes a pcap of N interleaved IMS-like calls (see bench/trace/gen.c).\n");
}

static unsigned long long num(const char *s, const char *opt, unsigned long long max)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v > max || s[0] == '-')
		die("bad %s '%s'", opt, s);
	return v;
}

static double elapsed(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"calls", required_argument, NULL, 'n'},
	                                     {"out", required_argument, NULL, 'o'},
	                                     {"seed", required_argument, NULL, 's'},
	                                     {"tcp-share", required_argument, NULL, 't'},
	                                     {"ipv6-share", required_argument, NULL, '6'},
	                                     {"rate", required_argument, NULL, 'r'},
	                                     {"list", required_argument, NULL, 'l'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	struct gen g = {.seed = 1, .tcp_share = 20, .v6_share = 10, .rate = 2000};
	unsigned long long calls = 0;
	const char *out = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': calls = num(optarg, "--calls", 100000000); break;
		case 'o': out = optarg; break;
		case 's': g.seed = num(optarg, "--seed", UINT64_MAX); break;
		case 't': g.tcp_share = (unsigned)num(optarg, "--tcp-share", 100); break;
		case '6': g.v6_share = (unsigned)num(optarg, "--ipv6-share", 100); break;
		case 'r': g.rate = (double)num(optarg, "--rate", 1000000); break;
		case 'l':
			if (!(g.list = fopen(optarg, "w")))
				die("%s: cannot write: %s", optarg, strerror(errno));
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 64;
		}
	}
	if (!calls || !out || optind != argc || g.rate <= 0) {
		usage(stderr);
		return 64;
	}
	g.rng.s = g.seed * 0x2545f4914f6cdd1dull + 0x1234567;
	g.buf = malloc(16384);
	g.body = malloc(4096);
	if (!g.buf || !g.body)
		die("out of memory");
	if (sk_trace_writer_open(&g.w, out, SK_TRACE_FMT_PCAP) < 0)
		die("%s: cannot write: %s", out, strerror(errno));

	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	uint64_t created = 0;
	int64_t next_arrival = 0, next_ka = 0;
	for (;;) {
		bool ka_on = created < calls || g.live || next_ka <= g.last_call_t + TAIL;
		int64_t ta = created < calls ? next_arrival : INT64_MAX;
		int64_t tk = ka_on ? next_ka : INT64_MAX;
		int64_t th = g.nheap ? g.heap[0]->steps[g.heap[0]->cur].t : INT64_MAX;
		if (ta == INT64_MAX && tk == INT64_MAX && th == INT64_MAX)
			break;
		if (ta <= th && ta <= tk) {
			heap_push(&g, call_new(&g, ta));
			created++;
			g.live++;
			if (g.live > g.peak_live)
				g.peak_live = g.live;
			double u = unit(&g.rng);
			next_arrival += (int64_t)(-log(1.0 - u) / g.rate * 1e6);
			continue;
		}
		if (tk <= th) {
			for (unsigned p = 0; p < NPROXIES; p++)
				heap_push(&g, keepalive_new(&g, tk + p * 1000, p));
			next_ka += SEC;
			continue;
		}
		struct call *cl = heap_pop(&g);
		emit(&g, cl, &cl->steps[cl->cur]);
		if (cl->flow != F_KEEPALIVE && cl->steps[cl->cur].t > g.last_call_t)
			g.last_call_t = cl->steps[cl->cur].t;
		if (++cl->cur < cl->nsteps) {
			heap_push(&g, cl);
		} else {
			if (cl->flow != F_KEEPALIVE)
				g.live--;
			free(cl);
		}
	}
	if (sk_trace_writer_close(g.w) < 0)
		die("%s: write failed (disk full?)", out);
	double secs = elapsed(&start);
	struct stat sb;
	unsigned long long bytes = stat(out, &sb) == 0 ? (unsigned long long)sb.st_size : 0;

	const uint64_t *f = g.flows;
	printf(
	    "bench-gen-capture: %s: %llu calls (cancel %llu, answer %llu, fork %llu, cross %llu, "
	    "naive %llu, noack %llu, no487 %llu; %llu over TCP, %llu over IPv6, %llu with a "
	    "retransmission), %llu messages + %llu keep-alive messages, %llu bytes, %.1f s of "
	    "traffic, %llu calls in flight at most; written in %.1f s\n",
	    out, calls, (unsigned long long)f[F_CANCEL], (unsigned long long)f[F_ANSWER],
	    (unsigned long long)f[F_FORK], (unsigned long long)f[F_CROSS],
	    (unsigned long long)f[F_NAIVE], (unsigned long long)f[F_NOACK],
	    (unsigned long long)f[F_NO487], (unsigned long long)g.tcp_calls,
	    (unsigned long long)g.v6_calls, (unsigned long long)g.retrans_calls,
	    (unsigned long long)g.messages, (unsigned long long)g.ka_messages, bytes,
	    (double)(g.last_call_t + TAIL) / 1e6, (unsigned long long)g.peak_live, secs);
	/* what `sipkit check --summary` must say about it */
	/* a naive CANCEL or a 487 never ACKed: cancelled, but not cleanly (an error finding) */
	printf("expect: calls=%llu messages=%llu others=%llu answered=%llu cancelled=%llu "
	       "cancelled_unclean=%llu answered_anyway=%llu failed=0 unfinished=%llu errors=%llu "
	       "warnings=0 notes=%llu "
	       "cancel.no_match=%llu cancel.branch_mismatch=%llu ack.missing=%llu "
	       "cancel.no_487=%llu cancel.answered_anyway=%llu\n",
	       calls, (unsigned long long)(g.messages + g.ka_messages),
	       (unsigned long long)f[F_KEEPALIVE], (unsigned long long)(f[F_ANSWER] + f[F_FORK]),
	       (unsigned long long)f[F_CANCEL], (unsigned long long)(f[F_NAIVE] + f[F_NOACK]),
	       (unsigned long long)f[F_CROSS], (unsigned long long)f[F_NO487],
	       (unsigned long long)(2 * f[F_NAIVE] + f[F_NOACK] + f[F_NO487]),
	       (unsigned long long)f[F_CROSS], (unsigned long long)f[F_NAIVE],
	       (unsigned long long)f[F_NAIVE], (unsigned long long)f[F_NOACK],
	       (unsigned long long)f[F_NO487], (unsigned long long)f[F_CROSS]);
	if (g.list && fclose(g.list) != 0)
		die("--list: write failed");
	free(g.heap);
	free(g.buf);
	free(g.body);
	return 0;
}
