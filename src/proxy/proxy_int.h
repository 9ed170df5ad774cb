/* SPDX-License-Identifier: BSD-3-Clause */
/* Proxy core and registrar (internal to src/proxy). */
#ifndef SK_PROXY_INT_H
#define SK_PROXY_INT_H

#include "sipkit/proxy.h"

#define PROXY_MAX_TARGETS  16 /* branches per request */
#define PROXY_AOR_MAX      160
#define PROXY_MAX_ROUTES   256 /* static routes */
#define PROXY_MAX_BINDINGS 16  /* bindings per AOR looked up */
#define PROXY_MAX_TRUST    16  /* --trust CIDRs */
#define PROXY_G_UNTRUSTED  3   /* Timer G copies of a final to a source we cannot trust */

struct branch;
struct rctx;
struct sk_overload;
struct dns_fwd;

/* An address block: len 4 or 16 bytes of addr, the first bits of which count. */
struct sk_cidr {
	uint8_t addr[16];
	uint8_t len, bits;
};

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
	size_t active;       /* of them, those whose final has not gone up: in progress */
	struct sk_overload *ol;
	struct dns_fwd *dns_fwds; /* stateless forwards waiting for DNS (dns_fwd.c) */
	size_t ndns_fwds;
	char rr[160]; /* our Record-Route value per transport, "<sip:host:port;lr>" */
};

/* proxy.c */
const struct sk_log *sk_proxy_log(const struct sk_proxy *p);
/* True when uri names this proxy: our domain, or one of our listening addresses. */
bool sk_proxy_is_us(const struct sk_proxy *p, const struct sk_uri *uri);
/* Replies with extra header lines ("Name: value\r\n"...), statelessly tagged. */
int sk_proxy_reply(struct sk_proxy *p, struct sk_txn *st, int code, const char *reason,
                   const char *extra);

/* dns_fwd.c: a request forwarded without state (ACK for 2xx, CANCEL, §16.11) to hop,
 * resolved first (RFC 3263): at once from an IP or the cache, else after a lookup, at
 * most PROXY_MAX_DNS_FWDS waiting (more are dropped and counted). 0 or -errno. */
#define PROXY_MAX_DNS_FWDS 256
int sk_proxy_send_stateless(struct sk_proxy *p, struct sk_str hop, struct sk_str wire);
void sk_proxy_dns_fwd_free(struct sk_proxy *p);

/* registrar.c (§10.3) */
/* The address of record of a URI, "user@host" (host lower-case), for the location store. */
int sk_proxy_aor(const struct sk_uri *uri, char *buf, size_t size);
/* Answers a REGISTER whose Request-URI names our domain. */
void sk_proxy_registrar_request(struct sk_proxy *p, struct sk_txn *st, const struct sk_msg *req);

/* overload.c: overload control, per-source limits */
int sk_proxy_overload_init(struct sk_proxy *p);
void sk_proxy_overload_free(struct sk_overload *o);
/* The sk_txl_user admit callback (arg: the proxy). */
enum sk_admit sk_proxy_admit(void *arg, const struct sk_msg *req, const struct sk_flow *flow);
/* A REGISTER from `from` made a new address of record. */
void sk_proxy_source_new_aor(struct sk_proxy *p, const struct sk_sa *from);
/* True when from made so many new AORs lately that it filled the store: 403, not 503. */
bool sk_proxy_source_filled(struct sk_proxy *p, const struct sk_sa *from);
/* True when from is in one of the --trust CIDRs. */
bool sk_proxy_trusted(const struct sk_proxy *p, const struct sk_sa *from);
/* "10.0.0.0/8", "::1", "2001:db8::/32": 0 or -SK_EINVAL. */
int sk_cidr_parse(struct sk_cidr *c, const char *text);

#endif
