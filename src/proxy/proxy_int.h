/* SPDX-License-Identifier: BSD-3-Clause */
/* Proxy core and registrar (internal to src/proxy). */
#ifndef SK_PROXY_INT_H
#define SK_PROXY_INT_H

#include "sipkit/proxy.h"

#define PROXY_MAX_TARGETS  16 /* branches per request */
#define PROXY_AOR_MAX      160
#define PROXY_MAX_ROUTES   256 /* static routes */
#define PROXY_MAX_BINDINGS 16  /* bindings per AOR looked up */

struct branch;
struct rctx;

struct static_route {
	char user[64];
	char uris[512]; /* comma-separated */
};

struct sk_proxy {
	struct sk_proxy_config cfg;
	struct sk_stack *stack;
	struct sk_location loc;
	struct sk_proxy_stats st;
	struct static_route *routes;
	size_t nroutes;
	struct sk_htab ctxs; /* response contexts by Call-ID (struct rctx) */
	char rr[160];        /* our Record-Route value per transport, "<sip:host:port;lr>" */
};

/* proxy.c */
const struct sk_log *sk_proxy_log(const struct sk_proxy *p);
/* True when uri names this proxy: our domain, or one of our listening addresses. */
bool sk_proxy_is_us(const struct sk_proxy *p, const struct sk_uri *uri);
/* Replies with extra header lines ("Name: value\r\n"...), statelessly tagged. */
int sk_proxy_reply(struct sk_proxy *p, struct sk_txn *st, int code, const char *reason,
                   const char *extra);

/* registrar.c (§10.3) */
/* The address of record of a URI, "user@host" (host lower-case), for the location store. */
int sk_proxy_aor(const struct sk_uri *uri, char *buf, size_t size);
/* Answers a REGISTER whose Request-URI names our domain. */
void sk_proxy_registrar_request(struct sk_proxy *p, struct sk_txn *st, const struct sk_msg *req);

#endif
