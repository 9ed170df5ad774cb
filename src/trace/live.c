/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live input for the checker: HEP datagrams received on a UDP socket (as
 * Kamailio's siptrace, heplify or captagent send them to a collector), HEP3
 * messages on TCP connections to a listening socket (hep_tcp.c), or
 * frames captured from a network interface through libpcap. Both are read
 * without blocking, when the caller's poll says the descriptor is readable,
 * and give the same sk_trace_pkt as a capture file: the frame decoding is
 * capture_in.c's, the HEP decoding hep.c's.
 *
 * Work and memory per datagram or frame are those of the file readers: one
 * receive buffer of 64 KiB, the queue of what one frame completed, the TCP
 * streams and IP fragments within their configured limits. What the kernel
 * dropped before it was read is counted (SO_RXQ_OVFL, pcap_stats).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hep.h"
#include "input.h"

#define RECV_BUF      65536              /* larger than any UDP payload */
#define SOCK_RCVBUF   (32 * 1024 * 1024) /* HEP arriving while the checker judges calls */
#define PCAP_SNAPLEN  262144
#define PCAP_BUFFER   (8 * 1024 * 1024)
#define FRAMES_AT_ONE 64 /* frames decoded per call before the caller gets control back */

struct sk_trace_live {
	struct sk_trace_limits lim;
	uint16_t *ports;
	struct sk_trace_reader_stats st;
	struct sk_trace_queue q;
	struct sk_clock *clock;
	char name[80];
	/* HEP */
	int fd;
	struct sk_hep_tcp *tcp; /* --hep tcp: */
	uint8_t *buf;
	uint32_t last_ovfl; /* the socket's drop counter as last seen */
	/* interface */
	pcap_t *pcap;
	int linktype;
	struct sk_capture *cap;
	bool ending, drained, ended;
	uint64_t drain_left; /* datagrams or frames still read once input ends */
};

static int fail(char *err, size_t errsize, const char *fmt, const char *a, const char *b)
{
	snprintf(err, errsize, fmt, a, b);
	return -SK_EIO;
}

static int open_hep(struct sk_trace_live *l, const char *spec, char *err, size_t errsize)
{
	struct sk_trace_addr a;
	bool tcp = strncmp(spec, "tcp:", 4) == 0;
	if ((!tcp && strncmp(spec, "udp:", 4) != 0) ||
	    sk_trace_addr_parse(&a, spec + 4, strlen(spec + 4)) < 0)
		return fail(err, errsize,
		            "--hep '%s': expected udp:HOST:PORT or tcp:HOST:PORT (an IPv4 address, "
		            "or %s)",
		            spec, "an IPv6 one in brackets");
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	if (a.family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(a.port);
		memcpy(&s4->sin_addr, a.ip, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a.port);
		memcpy(&s6->sin6_addr, a.ip, 16);
		sl = sizeof(*s6);
	}
	if (tcp) {
		char why[200] = "";
		int rc = sk_hep_tcp_open(&l->tcp, (struct sockaddr *)&ss, sl, why, sizeof(why));
		if (rc < 0)
			return rc == -SK_ENOMEM ? rc
			                        : fail(err, errsize, "--hep %s: %s", spec, why);
		l->fd = sk_hep_tcp_fd(l->tcp);
		snprintf(l->name, sizeof(l->name), "%s", spec);
		return 0;
	}
	l->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		return fail(err, errsize, "--hep %s: socket: %s", spec, strerror(errno));
	int one = 1, rcv = SOCK_RCVBUF;
	/* best effort: the kernel caps SO_RCVBUF at rmem_max, which root may pass (FORCE);
	 * older kernels lack the drop counter */
	if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		(void)setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	(void)setsockopt(l->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	if (bind(l->fd, (struct sockaddr *)&ss, sl) < 0)
		return fail(err, errsize, "--hep %s: cannot listen: %s", spec, strerror(errno));
	if (!(l->buf = malloc(RECV_BUF)))
		return -SK_ENOMEM;
	snprintf(l->name, sizeof(l->name), "%s", spec);
	return 0;
}

static int open_iface(struct sk_trace_live *l, const char *iface, const char *filter, char *err,
                      size_t errsize)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	if (!(l->pcap = pcap_create(iface, ebuf)))
		return fail(err, errsize, "--live %s: %s", iface, ebuf);
	pcap_set_snaplen(l->pcap, PCAP_SNAPLEN);
	pcap_set_promisc(l->pcap, 0);
	pcap_set_buffer_size(l->pcap, PCAP_BUFFER);
	/* each packet as it comes: a call is judged as soon as it ends, not a buffer later */
	pcap_set_immediate_mode(l->pcap, 1);
	int rc = pcap_activate(l->pcap);
	if (rc < 0)
		return fail(err, errsize, "--live %s: %s", iface, pcap_geterr(l->pcap));
	l->linktype = pcap_datalink(l->pcap);
	if (!sk_capture_linktype_ok(l->linktype)) {
		const char *n = pcap_datalink_val_to_name(l->linktype);
		return fail(err, errsize, "--live %s: link type %s not supported", iface,
		            n ? n : "unknown");
	}
	if (filter) {
		struct bpf_program prog;
		if (pcap_compile(l->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
			return fail(err, errsize, "--filter '%s': %s", filter,
			            pcap_geterr(l->pcap));
		rc = pcap_setfilter(l->pcap, &prog);
		pcap_freecode(&prog);
		if (rc < 0)
			return fail(err, errsize, "--filter '%s': %s", filter,
			            pcap_geterr(l->pcap));
	}
	if (pcap_setnonblock(l->pcap, 1, ebuf) < 0)
		return fail(err, errsize, "--live %s: %s", iface, ebuf);
	l->fd = pcap_get_selectable_fd(l->pcap);
	if (l->fd < 0)
		return fail(err, errsize, "--live %s: %s", iface, "no descriptor to wait on");
	snprintf(l->name, sizeof(l->name), "%s", iface);
	return sk_capture_new(&l->cap, &l->lim, &l->q, &l->st);
}

int sk_trace_live_open(struct sk_trace_live **out, const struct sk_trace_live_config *cfg,
                       struct sk_clock *clock, char *err, size_t errsize)
{
	struct sk_trace_live *l = calloc(1, sizeof(*l));
	if (!l)
		return -SK_ENOMEM;
	l->fd = -1;
	l->clock = clock;
	sk_trace_limits_init(&l->lim, &cfg->reader);
	if (cfg->reader.nports) {
		if (!(l->ports = malloc(cfg->reader.nports * sizeof(*l->ports)))) {
			free(l);
			return -SK_ENOMEM;
		}
		memcpy(l->ports, cfg->reader.ports, cfg->reader.nports * sizeof(*l->ports));
		l->lim.ports = l->ports;
		l->lim.nports = cfg->reader.nports;
	}
	int rc;
	if ((cfg->hep != NULL) == (cfg->iface != NULL))
		rc = fail(err, errsize, "%s%s", "one live input: a HEP socket or an interface", "");
	else if (cfg->hep)
		rc = open_hep(l, cfg->hep, err, errsize);
	else
		rc = open_iface(l, cfg->iface, cfg->filter, err, errsize);
	if (rc < 0) {
		if (rc == -SK_ENOMEM)
			snprintf(err, errsize, "out of memory");
		sk_trace_live_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

void sk_trace_live_free(struct sk_trace_live *l)
{
	if (!l)
		return;
	if (l->pcap)
		pcap_close(l->pcap); /* its descriptor with it */
	else if (l->tcp)
		sk_hep_tcp_free(l->tcp); /* its descriptor with it */
	else if (l->fd >= 0)
		close(l->fd);
	sk_capture_free(l->cap);
	sk_trace_queue_free(&l->q);
	free(l->buf);
	free(l->ports);
	free(l);
}

int sk_trace_live_fd(const struct sk_trace_live *l)
{
	return l->fd;
}

const char *sk_trace_live_name(const struct sk_trace_live *l)
{
	return l->name;
}

/* The socket's count of datagrams dropped for want of buffer (SO_RXQ_OVFL), as it rises. */
static void note_overflow(struct sk_trace_live *l, struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SO_RXQ_OVFL)
			continue;
		uint32_t v;
		memcpy(&v, CMSG_DATA(c), sizeof(v));
		l->st.live_dropped += (uint32_t)(v - l->last_ovfl);
		l->last_ovfl = v;
	}
}

/* One HEP datagram into the queue: 1 one was read, 0 none waiting, -SK_EIO, -SK_ENOMEM. */
static int recv_hep(struct sk_trace_live *l)
{
	struct iovec iov = {l->buf, RECV_BUF};
	union {
		char b[CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = {.msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = ctl.b,
	                    .msg_controllen = sizeof(ctl.b)};
	ssize_t n = recvmsg(l->fd, &mh, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		/* an ICMP error queued on the socket by a send elsewhere is not ours to stop on */
		if (errno == ECONNREFUSED)
			return 1;
		return -SK_EIO;
	}
	note_overflow(l, &mh);
	l->st.frames++;
	struct sk_hep_msg m;
	enum sk_hep_result r = sk_hep_decode(l->buf, (size_t)n, true, &m);
	int rc =
	    sk_hep_deliver(&l->lim, &l->q, &l->st, r, &m, l->st.frames, sk_clock_wall_us(l->clock));
	return rc < 0 ? rc : 1;
}

/* One HEP3 message cut from a TCP stream: decoded and delivered as a datagram is. */
static int deliver_tcp(void *arg, const uint8_t *p, size_t n)
{
	struct sk_trace_live *l = arg;
	struct sk_hep_msg m;
	enum sk_hep_result r = sk_hep_decode(p, n, true, &m);
	return sk_hep_deliver(&l->lim, &l->q, &l->st, r, &m, l->st.frames,
	                      sk_clock_wall_us(l->clock));
}

/* What the TCP connections hold now into the queue: 1 some was read, 0 none. */
static int recv_hep_tcp(struct sk_trace_live *l)
{
	return sk_hep_tcp_read(l->tcp, sk_clock_now(l->clock), &l->st, deliver_tcp, l);
}

/* Frames from the interface into the queue: 1 some were read, 0 none waiting, -SK_EIO... */
static int recv_frames(struct sk_trace_live *l)
{
	int got = 0;
	for (int i = 0; i < FRAMES_AT_ONE && l->q.head >= l->q.n; i++) {
		struct pcap_pkthdr *h;
		const u_char *d;
		int rc = pcap_next_ex(l->pcap, &h, &d);
		if (rc == 0)
			break;
		if (rc < 0)
			return -SK_EIO;
		got = 1;
		l->st.frames++;
		int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
		rc = sk_capture_frame(l->cap, l->linktype, d, h->caplen, h->len, l->st.frames, ts);
		if (rc < 0)
			return rc;
	}
	return got;
}

int sk_trace_live_next(struct sk_trace_live *l, struct sk_trace_pkt *pkt)
{
	for (;;) {
		if (sk_trace_queue_pop(&l->q, pkt)) {
			l->st.messages++;
			return 1;
		}
		sk_trace_queue_clear(&l->q);
		if (l->ended)
			return 0;
		int rc;
		if (l->ending && !l->drained) {
			/* what the kernel already holds was sent before the stop: read it, up to
			 * what its buffer can hold, then no more */
			rc = l->drain_left-- ? (l->pcap  ? recv_frames(l)
			                        : l->tcp ? recv_hep_tcp(l)
			                                 : recv_hep(l))
			                     : 0;
			if (rc < 0)
				return rc;
			if (rc == 0)
				l->drained = true;
			continue;
		}
		if (l->ending) {
			/* the streams' held bytes, framed past their holes (capture_in.c) */
			char err[64];
			uint64_t frame;
			rc = l->cap ? sk_capture_read(l->cap, err, sizeof(err), &frame) : 0;
			if (rc <= 0)
				l->ended = true;
			if (rc < 0)
				return rc;
			continue;
		}
		rc = l->pcap ? recv_frames(l) : l->tcp ? recv_hep_tcp(l) : recv_hep(l);
		if (rc <= 0)
			return rc;
	}
}

void sk_trace_live_end(struct sk_trace_live *l)
{
	l->ending = true;
	/* a full receive buffer of the smallest datagrams or frames, at most */
	l->drain_left = (l->pcap ? PCAP_BUFFER : SOCK_RCVBUF) / 64;
}

struct sk_trace_reader_stats sk_trace_live_stats(const struct sk_trace_live *l)
{
	struct sk_trace_reader_stats st = l->st;
	struct pcap_stat ps;
	if (l->pcap && pcap_stats(l->pcap, &ps) == 0)
		st.live_dropped += (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	return st;
}
