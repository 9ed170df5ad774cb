/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow tokens for WebSocket clients (RFC 7118 §5, the technique of RFC 5626
 * §5.3): a browser's Contact names a host that exists nowhere (".invalid"),
 * so a request inside its dialog can reach it only over its own connection.
 * When the proxy record-routes a request that came from, or goes to, a
 * WebSocket client, the user part of its Record-Route names the connections
 * on either side of it: "ws-A-B-MAC" (A: the one the request came on, B: the
 * one it left on, 0 for a side that is no WebSocket; MAC: a keyed hash of
 * both under the stack's key, so a stranger cannot aim a request at another
 * client's connection). A later request of the dialog that brings that Route
 * back goes out on the token's other connection, whichever side it came from.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_int.h"

static uint64_t token_mac(const struct sk_proxy *p, uint64_t a, uint64_t b)
{
	uint64_t ab[2] = {a, b};
	return sk_hash(&p->dialog_key, ab, sizeof(ab));
}

size_t sk_proxy_flow_token(const struct sk_proxy *p, uint64_t a, uint64_t b, char *buf, size_t size)
{
	int n =
	    snprintf(buf, size, "ws-%" PRIx64 "-%" PRIx64 "-%016" PRIx64, a, b, token_mac(p, a, b));
	return n < 0 || (size_t)n >= size ? 0 : (size_t)n;
}

/* Reads "ws-A-B-MAC": true when it is well formed and the MAC is ours. */
static bool token_parse(const struct sk_proxy *p, struct sk_str user, uint64_t *a, uint64_t *b)
{
	char t[80], *end;
	if (user.len < 8 || user.len >= sizeof(t) || memcmp(user.p, "ws-", 3))
		return false;
	memcpy(t, user.p, user.len);
	t[user.len] = '\0';
	const char *s = t + 3;
	uint64_t v[3];
	for (int i = 0; i < 3; i++) {
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
		v[i] = strtoull(s, &end, 16);
		if (end - s > 16 || *end != (i < 2 ? '-' : '\0'))
			return false;
		s = end + 1;
	}
	*a = v[0];
	*b = v[1];
	return token_mac(p, v[0], v[1]) == v[2];
}

int sk_proxy_flow_hop(struct sk_proxy *p, const struct sk_msg *req, const struct sk_flow *in,
                      struct sk_target *dst)
{
	memset(dst, 0, sizeof(*dst));
	if (!sk_msg_addr_count(req, SK_HDR_ROUTE))
		return 0;
	const struct sk_uri *top = &sk_msg_addr(req, SK_HDR_ROUTE, 0)->uri;
	uint64_t a, b;
	if (!sk_proxy_is_us(p, top) || !token_parse(p, top->user, &a, &b))
		return 0;
	/* the other side than the one it came on; from elsewhere (a UDP peer), the
	 * WebSocket side */
	uint64_t from = sk_proto_is_ws(in->proto) ? in->conn : 0;
	uint64_t to = from && from == a ? b : from && from == b ? a : a ? a : b;
	if (!to || to == from)
		return 0; /* its own flow, or no WebSocket beyond: the Request-URI says where */
	enum sk_proto proto;
	if (sk_tp_conn_peer(sk_stack_tp(p->stack), to, &proto, &dst->addr) < 0 ||
	    !sk_proto_is_ws(proto))
		return -SK_ENOTFOUND; /* RFC 5626 §5.3: the flow is gone */
	/* WS or WSS, as the connection is: the sips rules read it */
	dst->proto = proto;
	return 1;
}
