/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --trace FILE of the phones, the proxy and the demo: every message the
 * transport sends or receives, written as a pcap capture (FILE ending in
 * .pcap) or a sipkit log (anything else), for `sipkit check` or Wireshark;
 * written through, message by message, so it can be read while it grows.
 */
#include <string.h>

#include "cli.h"
#include "tracefile.h"

int cli_trace_open(struct sk_trace_writer **w, const char *path, const char *prog)
{
	size_t n = strlen(path);
	bool pcap = n > 5 && !strcmp(path + n - 5, ".pcap");
	int rc = sk_trace_writer_open(w, path, pcap ? SK_TRACE_FMT_PCAP : SK_TRACE_FMT_SIPKIT_LOG);
	if (rc < 0)
		fprintf(stderr, "%s: %s: cannot write the trace: %s\n", prog, path,
		        sk_strerror(rc));
	return rc;
}

static void addr_of(struct sk_trace_addr *t, const struct sk_sa *a)
{
	memset(t, 0, sizeof(*t));
	if (a->u.sa.sa_family == AF_INET) {
		t->family = 4;
		memcpy(t->ip, &a->u.in.sin_addr, 4);
	} else if (a->u.sa.sa_family == AF_INET6) {
		t->family = 6;
		memcpy(t->ip, &a->u.in6.sin6_addr, 16);
	}
	t->port = sk_sa_port(a);
}

void cli_trace_pkt(struct sk_trace_pkt *pkt, const struct sk_clock *clock, bool out,
                   const struct sk_flow *flow, const char *buf, size_t len)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->data = buf;
	pkt->len = len;
	pkt->ts_us = sk_clock_wall_us(clock);
	pkt->proto = sk_proto_is_stream(flow->proto) ? SK_TRACE_TCP : SK_TRACE_UDP;
	addr_of(out ? &pkt->src : &pkt->dst, &flow->local);
	addr_of(out ? &pkt->dst : &pkt->src, &flow->remote);
}

void cli_trace_write(struct sk_trace_writer *w, const struct sk_clock *clock, bool out,
                     const struct sk_flow *flow, const char *buf, size_t len)
{
	struct sk_trace_pkt pkt;
	if (!w)
		return;
	cli_trace_pkt(&pkt, clock, out, flow, buf, len);
	/* Written through: a trace of a running proxy or phone can be copied or followed
	 * (tail -f, sipkit check) at any time and holds every message handled so far,
	 * each whole; one write(2) per message is small beside its send or receive. */
	if (sk_trace_writer_add(w, &pkt) == 0)
		sk_trace_writer_flush(w);
}
