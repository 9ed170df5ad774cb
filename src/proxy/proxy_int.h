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
#define PROXY_DOMAIN_MAX   128 /* a --domain name and its NUL */

struct branch;
struct rctx;
struct sk_overload;
struct sk_proxy_auth;
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
	struct sk_hash_key dialog_key; /* cfg.dialog_key's, else the stack's */
	struct sk_location loc;
	struct sk_proxy_stats st;
	struct static_route *routes;
	size_t nroutes;
	struct sk_htab ctxs; /* response contexts by Call-ID (struct rctx) */
	size_t active;       /* of them, those whose final has not gone up: in progress */
	struct sk_overload *ol;
	char (*domains)[PROXY_DOMAIN_MAX]; /* served, lower-case; none: the open lab proxy */
	size_t ndomains;
	struct sk_proxy_auth *auth; /* users and nonces; NULL: nobody is challenged */
	struct dns_fwd *dns_fwds;   /* stateless forwards waiting for DNS (dns_fwd.c) */
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

/* The warn-agent of our Warning headers (§20.43): our first domain, else our address. */
void sk_proxy_warn_agent(const struct sk_proxy *p, const struct sk_flow *in, char *buf,
                         size_t size);
/* dns_fwd.c: a request forwarded without state (ACK for 2xx, CANCEL, §16.11) to hop,
 * resolved first (RFC 3263): at once from an IP or the cache, else after a lookup, at
 * most PROXY_MAX_DNS_FWDS waiting (more are dropped and counted). 0 or -errno. */
#define PROXY_MAX_DNS_FWDS 256
int sk_proxy_send_stateless(struct sk_proxy *p, struct sk_str hop, struct sk_str wire);
void sk_proxy_dns_fwd_free(struct sk_proxy *p);

/* flow_token.c: flow tokens of WebSocket clients in our Record-Route (RFC 7118 §5,
 * RFC 5626 §5.3) */
/* The user part naming connections a (the request's) and b (the next hop's), 0: none;
 * its length, 0 when it does not fit. */
size_t sk_proxy_flow_token(const struct sk_proxy *p, uint64_t a, uint64_t b, char *buf,
                           size_t size);
/* A request whose top Route is ours with a flow token goes out on the token's other
 * connection: 1 with dst (proto WS, its far end); 0 when the token says nothing (none,
 * or the Request-URI's way is the one); -SK_ENOTFOUND when that connection is gone. */
int sk_proxy_flow_hop(struct sk_proxy *p, const struct sk_msg *req, const struct sk_flow *in,
                      struct sk_target *dst);

/* registrar.c (§10.3) */
/* The address of record of a URI, "user@host" (host lower-case), for the location store. */
int sk_proxy_aor(const struct sk_uri *uri, char *buf, size_t size);
/* Answers a REGISTER whose Request-URI names our domain. */
void sk_proxy_registrar_request(struct sk_proxy *p, struct sk_txn *st, const struct sk_msg *req);

/* store.c: the location store unavailable (-SK_EIO): 500 with Retry-After to a REGISTER,
 * 480 with a Warning to another request. */
int sk_proxy_reply_store_down(struct sk_proxy *p, struct sk_txn *st, bool registering);

/* location_shared.c: what the in-memory store inside the workers' shared one holds;
 * false for another store. */
bool sk_location_shared_held(const struct sk_location *loc, uint64_t *bindings, size_t *aors);

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

/* policy.c: who may use the proxy (§16.5) */
/* Sets the served domains from a comma-separated list. */
int sk_proxy_domains_set(struct sk_proxy *p, const char *list);
/* True when host is one of the served domains. */
bool sk_proxy_serves(const struct sk_proxy *p, struct sk_str host);
/* True when a request sent to uri comes to us: a maddr naming us, or no maddr and a URI of ours. */
bool sk_proxy_hop_is_us(const struct sk_proxy *p, const struct sk_uri *uri);
/* The parameter our Record-Route carries for req's dialog (";sk=MAC"), "" without domains. */
size_t sk_proxy_rr_mark(const struct sk_proxy *p, const struct sk_msg *req, char *buf, size_t size);
/* True for a request of a dialog whose Route value naming us carries our mark. */
bool sk_proxy_in_our_dialog(const struct sk_proxy *p, const struct sk_msg *req,
                            const struct sk_forward *fw);
/* True when the next hop (route, else target) is not us. */
bool sk_proxy_goes_out(const struct sk_proxy *p, const struct sk_uri *target, struct sk_str route);
/* Authentication and relaying for a request about to be proxied: 0 to go on, else
 * the status it was answered (401/407 challenge, 403). */
int sk_proxy_policy(struct sk_proxy *p, struct sk_txn *st, const struct sk_msg *req,
                    const struct sk_forward *fw, const struct sk_uri *target, struct sk_str route);
/* For an ACK or CANCEL forwarded without state (§16.11): may it go where it goes? */
bool sk_proxy_may_forward_stateless(struct sk_proxy *p, const struct sk_msg *req,
                                    const struct sk_flow *flow, const struct sk_forward *fw,
                                    const struct sk_uri *target, struct sk_str route);

/* auth.c: digest authentication of the users file's users (§22) */
/* algs: "MD5,SHA-256" (NULL), "SHA-256,MD5"...: the challenges offered, in order. */
/* shared: the failed authentications counted for several workers (NULL: its own table) */
int sk_proxy_auth_init(struct sk_proxy *p, const char *path, const char *algs,
                       struct sk_proxy_auth_fails *shared, char *err, size_t errsize);
void sk_proxy_auth_free(struct sk_proxy_auth *a);
/* 0: authenticated (*authed) or nothing to authenticate; else the status answered. */
int sk_proxy_auth_check(struct sk_proxy *p, struct sk_txn *st, const struct sk_msg *req, bool local,
                        bool *authed);
/* True when aor ("user@domain", as sk_proxy_aor makes it) is a user of the users file. */
bool sk_proxy_user_known(const struct sk_proxy *p, const char *aor);
/* The Proxy-Authorization line of ours in req (not passed on), or NULL. */
const struct sk_hdr *sk_proxy_auth_consumed(const struct sk_proxy *p, const struct sk_msg *req);

/* events.c: one event per call and per REGISTER (cfg.on_event) */
void sk_proxy_event_register(struct sk_proxy *p, const struct sk_msg *req,
                             const struct sk_flow *from, int status, const char *contacts,
                             unsigned bindings);

#endif
