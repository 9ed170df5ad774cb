/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a whole stack (transport + transaction layer) on simnet
 * fed hostile datagrams and streams.
 *
 * The input is cut at each "\xff\xfe" into up to 8 messages. Each is sent over
 * UDP to the stack (twice: a retransmission), 100 ms of virtual time apart, and
 * the whole input is streamed over one TCP connection in chunks whose sizes
 * derive from the data. When a piece parses as an INVITE, its CANCEL (§9.1)
 * is sent too. The stack's user answers every INVITE with 180, every CANCEL
 * with 200 (and 487 to its INVITE), everything else with 200; what is still
 * ringing at the end gets 408. Invariants: nothing crashes or leaks, and once
 * the timers have run out the transaction table is empty.
 * Everything stays inside simnet: no byte reaches a real network.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sipkit/transport.h"
#include "sipkit/txn.h"

#include "fuzz_util.h"

#define MAX_PIECES  8
#define MAX_RINGING 64

struct fz {
	struct sk_txn *ringing[MAX_RINGING];
	size_t nringing;
};

static void forget(struct fz *f, struct sk_txn *t)
{
	for (size_t i = 0; i < f->nringing; i++)
		if (f->ringing[i] == t)
			f->ringing[i] = f->ringing[--f->nringing];
}

static const struct sk_txn_handler fz_handler;

static void on_request(void *arg, struct sk_txn *st, const struct sk_msg *req, struct sk_txn *inv)
{
	struct fz *f = arg;
	sk_txn_bind(st, &fz_handler, f);
	(void)req;
	if (sk_txn_kind(st) == SK_TXN_IST) {
		sk_txn_reply(st, 180, NULL, "fz");
		if (f->nringing < MAX_RINGING)
			f->ringing[f->nringing++] = st;
		else
			sk_txn_reply(st, 486, NULL, "fz");
		return;
	}
	if (sk_str_caseeq_c(sk_txn_method(st), "CANCEL")) {
		sk_txn_reply(st, inv ? 200 : 481, NULL, "fz");
		if (inv && sk_txn_kind(inv) == SK_TXN_IST && sk_txn_status(inv) < 200)
			sk_txn_reply(inv, 487, NULL, "fz");
		return;
	}
	sk_txn_reply(st, 200, NULL, "fz");
}

static void on_terminated(void *arg, struct sk_txn *t)
{
	forget(arg, t);
}

static const struct sk_txn_handler fz_handler = {.terminated = on_terminated};

static void send_udp(struct sk_tp *peer, const struct sk_sa *from, const struct sk_sa *to,
                     const char *p, size_t n)
{
	struct sk_flow flow = {.proto = SK_PROTO_UDP, .local = *from, .remote = *to};
	sk_tp_send(peer, &flow, p, n);
}

/* A parsed INVITE gets its CANCEL, as a caller would send it. */
static void send_cancel_of(struct sk_tp *peer, const struct sk_sa *from, const struct sk_sa *to,
                           const char *p, size_t n)
{
	struct sk_msg *m;
	struct sk_parse_err err;
	if (sk_msg_new(&m, NULL) < 0)
		return;
	if (sk_msg_parse(m, p, n, &err) == 0 && sk_msg_is_request(m) &&
	    sk_str_caseeq_c(sk_msg_method(m), "INVITE") && sk_msg_via_count(m)) {
		struct sk_build *b;
		struct sk_str wire;
		if (sk_build_cancel(&b, m, "SIP;cause=487") == 0) {
			if (sk_build_finish(b, &wire) == 0)
				send_udp(peer, from, to, wire.p, wire.len);
			sk_build_free(b);
		}
	}
	sk_msg_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sk_clock *clock;
	struct sk_timers *timers;
	struct sk_simnet *sn;
	struct sk_net *net_stack, *net_peer;
	struct sk_tp *tp, *peer;
	struct sk_txl *txl;
	struct fz f = {0};
	struct sk_sa a_stack, a_peer;
	const char *buf = (const char *)data;

	CHECK(sk_clock_new_virtual(&clock, 0) == 0);
	CHECK(sk_timers_new(&timers, clock) == 0);
	CHECK(sk_simnet_new(&sn, timers, size) == 0);
	CHECK(sk_simnet_node(sn, &net_stack) == 0 && sk_simnet_node(sn, &net_peer) == 0);
	CHECK(sk_sa_parse(&a_stack, SK_STR_LIT("10.9.0.1:5060"), 5060) == 0);
	CHECK(sk_sa_parse(&a_peer, SK_STR_LIT("10.9.0.2:5060"), 5060) == 0);
	struct sk_tp_config tc = {.timers = timers, .net = net_stack, .seed = 1};
	CHECK(sk_tp_new(&tp, &tc, NULL) == 0);
	tc.net = net_peer;
	CHECK(sk_tp_new(&peer, &tc, NULL) == 0); /* hears the answers, hands nothing up */
	struct sk_txl_config xc = {.timers = timers, .tp = tp};
	struct sk_txl_user u = {.request = on_request, .arg = &f};
	CHECK(sk_txl_new(&txl, &xc, &u) == 0);
	struct sk_tp_user up = sk_txl_tp_user(txl);
	sk_tp_set_user(tp, &up);
	CHECK(sk_tp_listen(tp, SK_PROTO_UDP, &a_stack, NULL) == 0);
	CHECK(sk_tp_listen(tp, SK_PROTO_TCP, &a_stack, NULL) == 0);
	CHECK(sk_tp_listen(peer, SK_PROTO_UDP, &a_peer, NULL) == 0);
	CHECK(sk_tp_listen(peer, SK_PROTO_TCP, &a_peer, NULL) == 0);

	/* datagrams, each twice, then its CANCEL when it is an INVITE */
	size_t start = 0, pieces = 0;
	for (size_t i = 0; i <= size && pieces < MAX_PIECES; i++) {
		bool cut = i + 1 < size && data[i] == 0xff && data[i + 1] == 0xfe;
		if (!cut && i != size)
			continue;
		if (i > start) {
			send_udp(peer, &a_peer, &a_stack, buf + start, i - start);
			sk_timers_advance(timers, 100);
			send_udp(peer, &a_peer, &a_stack, buf + start, i - start);
			sk_timers_advance(timers, 100);
			send_cancel_of(peer, &a_peer, &a_stack, buf + start, i - start);
			sk_timers_advance(timers, 100);
		}
		pieces++;
		start = i + 2;
		i++;
	}
	/* the whole input as one stream, in chunks */
	struct sk_flow flow = {.proto = SK_PROTO_TCP, .local = a_peer, .remote = a_stack};
	for (size_t off = 0; off < size;) {
		size_t chunk = 1 + (size_t)data[off] * 7;
		if (chunk > size - off)
			chunk = size - off;
		if (sk_tp_send(peer, &flow, buf + off, chunk) < 0)
			break;
		off += chunk;
		sk_timers_advance(timers, 5);
	}
	sk_timers_advance(timers, 1000);
	while (f.nringing) /* hang up what still rings */
		CHECK(sk_txn_reply(f.ringing[f.nringing - 1], 408, NULL, "fz") <= 0 &&
		      (forget(&f, f.ringing[f.nringing - 1]), true));
	sk_timers_advance(timers, 10 * 60 * 1000);
	CHECK(sk_txl_count(txl) == 0);

	sk_txl_free(txl);
	sk_tp_free(tp);
	sk_tp_free(peer);
	sk_net_free(net_stack);
	sk_net_free(net_peer);
	sk_simnet_free(sn);
	sk_timers_free(timers);
	sk_clock_free(clock);
	return 0;
}
