/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Branches whose next hop is a name (RFC 3263 §4): resolved before they are
 * sent (RESOLVING), their targets tried in order (§4.3 failover on a
 * transport error, a client transaction timeout or a 503), and the finals
 * the proxy itself sends when no branch brought one, each with a Warning
 * saying why (RFC 3261 §20.43). The response contexts are fork.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fork_int.h"

#define WARN_SIZE 200 /* a Warning value: "399 host \"text\"", cut to fit */

/*
 * A final of ours for the context when no branch brings one (§16.7 step 6
 * prefers any received), with a Warning saying why (§20.43, warn-code 399).
 */
void sk_proxy_fork_set_warn(struct rctx *c, const char *text)
{
	char host[64] = "";
	const struct sk_flow *in = c->st ? sk_txn_flow(c->st) : &c->up;
	if (!c->warn && !(c->warn = malloc(WARN_SIZE)))
		return; /* the final goes without its Warning */
	sk_proxy_warn_agent(c->p, in, host, sizeof(host));
	int n = snprintf(c->warn, WARN_SIZE, "399 %s \"", host);
	for (const char *t = text; *t && n > 0 && (size_t)n + 2 < WARN_SIZE; t++)
		c->warn[n++] = *t == '"' || *t == '\\' || (unsigned char)*t < 0x20 ? '\'' : *t;
	if (n > 0 && (size_t)n + 1 < WARN_SIZE) {
		c->warn[n++] = '"';
		c->warn[n] = '\0';
	}
}

void sk_proxy_fork_set_local(struct rctx *c, int code, const char *text)
{
	if (c->local && sk_proxy_fork_rank(code) >= sk_proxy_fork_rank(c->local))
		return; /* §16.7 step 6 among ours too; the first reason of a rank is kept */
	c->local = code;
	if (text)
		sk_proxy_fork_set_warn(c, text);
	else if (c->warn)
		c->warn[0] = '\0';
}

/* The next hop of b (§16.6 steps 6-7): the first Route left, else its target. */
static struct sk_str branch_hop(struct rctx *c, const struct branch *b)
{
	struct sk_forward fw;
	struct sk_str ruri, route;
	sk_proxy_preprocess(c->p, sk_txn_msg(c->st), &fw, &ruri, &route);
	return route.len ? route : sk_str_c(b->target);
}

/* The request came for a sips URI: every hop of it goes over TLS (RFC 3261 §26.2.2, RFC
 * 5630 §3.1.2), whatever the target it was retargeted to says. */
static bool sips_request(const struct rctx *c)
{
	const struct sk_msg *req = c->st ? sk_txn_msg(c->st) : NULL;
	return req && sk_msg_ruri(req) && sk_msg_ruri(req)->scheme == SK_URI_SIPS;
}

/*
 * The targets of b, in order; for a sips request the secure ones only, TLS or a secure
 * WebSocket (RFC 7118 §5.2; -SK_ENOTSUP: none). One block: the hops, then their names
 * (at most SK_RESOLVE_MAX of 255 bytes each).
 */
static int set_hops(struct rctx *c, struct branch *b, const struct sk_target *t, size_t n)
{
	free(b->hops);
	b->hops = NULL;
	b->nhops = b->hop = 0;
	bool tls_only = sips_request(c);
	size_t keep = 0, names = 0;
	if (n > SK_RESOLVE_MAX)
		n = SK_RESOLVE_MAX;
	for (size_t i = 0; i < n; i++)
		if (!tls_only || sk_proto_is_secure(t[i].proto)) {
			keep++;
			names += strnlen(t[i].name, sizeof(t[i].name) - 1);
		}
	if (!keep)
		return n ? -SK_ENOTSUP : -SK_ENOTFOUND;
	if (!(b->hops = malloc(keep * sizeof(*b->hops) + names)))
		return -SK_ENOMEM;
	char *name = (char *)(b->hops + keep);
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		if (tls_only && !sk_proto_is_secure(t[i].proto))
			continue;
		size_t len = strnlen(t[i].name, sizeof(t[i].name) - 1);
		memcpy(name + off, t[i].name, len);
		b->hops[b->nhops++] = (struct branch_hop){.addr = t[i].addr,
		                                          .proto = (uint8_t)t[i].proto,
		                                          .name_len = (uint8_t)len,
		                                          .name_off = (uint16_t)off};
		off += len;
	}
	return 0;
}

/* b's hop i as the target the transport takes. */
static void hop_target(const struct branch *b, uint8_t i, struct sk_target *t)
{
	const struct branch_hop *h = &b->hops[i];
	const char *names = (const char *)(b->hops + b->nhops);
	t->proto = (enum sk_proto)h->proto;
	t->addr = h->addr;
	memcpy(t->name, names + h->name_off, h->name_len);
	t->name[h->name_len] = '\0';
}

/* Sends b to its targets from the current one on, the first that takes it (RFC 3263 §4.3). */
static int send_next(struct rctx *c, struct branch *b)
{
	int rc = -SK_EIO;
	char a[64];
	for (; b->hop < b->nhops; b->hop++) {
		struct sk_target t;
		hop_target(b, b->hop, &t);
		if ((rc = sk_proxy_fork_send(c, b, &t)) == 0)
			return 0;
		sk_sa_print(&b->hops[b->hop].addr, a, sizeof(a));
		sk_logf(sk_proxy_log(c->p), SK_LOG_INFO, "proxy %s: %s: not sent to %s: %s",
		        c->call_id, b->target, a, sk_strerror(rc));
	}
	return rc;
}

/* A sips request whose next hop is not over TLS: 480, saying why (RFC 5630 §3.1.2). */
static void not_tls(struct rctx *c, struct branch *b)
{
	static const char why[] = "a sips request goes over TLS only; its next hop is not TLS";
	sk_logf(sk_proxy_log(c->p), SK_LOG_INFO, "proxy %s: %s: %s (480)", c->call_id, b->target,
	        why);
	sk_proxy_fork_branch_done(b, 480);
	sk_proxy_fork_set_local(c, 480, why);
}

/* The next hop does not resolve: the branch ends with a final of ours saying why. */
static void dns_failed(struct rctx *c, struct branch *b, int err, const char *why)
{
	/* §21.6.4 604: the domain does not exist anywhere (the only target), 404 among
	 * several; §21.5.5 504: the DNS, a server we asked, did not answer in time */
	int status = err == -SK_ENOTFOUND   ? (c->nbr == 1 ? 604 : 404)
	             : err == -SK_ETIMEDOUT ? 504
	                                    : 503;
	sk_logf(sk_proxy_log(c->p), SK_LOG_INFO, "proxy %s: %s: %s (%d)", c->call_id, b->target,
	        why, status);
	sk_proxy_fork_branch_done(b, status);
	sk_proxy_fork_set_local(c, status, why);
}

/* The lookup of a RESOLVING branch ended: its targets are tried in order. */
static void on_resolved(void *arg, int err, const struct sk_resolve_result *res)
{
	struct branch *b = arg;
	struct rctx *c = b->ctx;
	b->lookup = NULL;
	b->state = BRANCH_PENDING;
	int hops = err < 0 || c->state != CTX_FORKING ? 0 : set_hops(c, b, res->t, res->n);
	if (err < 0) {
		dns_failed(c, b, err, res->why);
	} else if (hops == -SK_ENOTSUP) {
		not_tls(c, b);
	} else if (c->state != CTX_FORKING || hops < 0) {
		sk_proxy_fork_branch_done(b, 500);
	} else if (send_next(c, b) < 0) {
		sk_proxy_fork_branch_done(b, 503);
		sk_proxy_fork_set_local(c, 500, "no target of the next hop could be reached");
	}
	sk_proxy_fork_check_done(c);
	sk_proxy_fork_release(c); /* the lookup's */
}

/*
 * A WebSocket binding is reached over the connection it registered on, or not
 * at all (RFC 7118 §5: nobody can open a connection to a browser). That
 * connection gone, the binding is unusable: the branch ends at once with 480
 * (§21.4.18, Temporarily Unavailable), not after Timer B or C.
 */
static int forward_on_flow(struct rctx *c, struct branch *b)
{
	int rc = set_hops(c, b, b->flow, 1);
	if (rc == -SK_ENOTSUP) { /* a sips request: a plain WebSocket is no TLS hop (WSS is) */
		not_tls(c, b);
		return 0;
	}
	if (rc < 0)
		return rc;
	if (send_next(c, b) == 0)
		return 0;
	/* inside a dialog, the flow of a token: 430 Flow Failed (RFC 5626 §5.3) */
	const struct sk_addr *to = sk_msg_to(sk_txn_msg(c->st));
	int code = to && to->tag.len ? 430 : 480;
	sk_logf(sk_proxy_log(c->p), SK_LOG_INFO,
	        "proxy %s: %s: its WebSocket connection is gone (%d)", c->call_id, b->target, code);
	sk_proxy_fork_branch_done(b, code);
	sk_proxy_fork_set_local(c, code, "the contact's WebSocket connection is closed");
	return 0;
}

/*
 * Forwards b: its next hop resolved (RFC 3263 §4), then sent to the first
 * target that takes it. A name the cache cannot answer makes it RESOLVING
 * (Timer C runs meanwhile); 0 then, or once sent or ended with a final of ours.
 */
int sk_proxy_fork_forward(struct rctx *c, struct branch *b)
{
	struct sk_proxy *p = c->p;
	struct sk_target t[SK_RESOLVE_MAX];
	size_t n = 0;
	char why[256];
	if (!c->st || !sk_txn_msg(c->st))
		return -SK_ENOMEM;
	if (b->flow && sk_proto_is_ws(b->flow->proto))
		return forward_on_flow(c, b);
	int rc = sk_resolve_uri(sk_stack_resolver(p->stack), branch_hop(c, b), SK_PROTO_NONE, t, &n,
	                        why, sizeof(why), on_resolved, b, &b->lookup);
	if (rc == SK_RESOLVE_PENDING) {
		b->state = BRANCH_RESOLVING;
		sk_proxy_fork_hold(c);
		if (c->invite)
			sk_timer_start(sk_stack_timers(p->stack), &b->timer_c, p->cfg.timer_c_ms);
		return 0;
	}
	if (rc == -SK_ENOTFOUND || rc == -SK_ETIMEDOUT || rc == -SK_EFULL) {
		dns_failed(c, b, rc, why[0] ? why : "DNS: too many lookups in progress");
		return 0;
	}
	if (rc < 0)
		return rc;
	if ((rc = set_hops(c, b, t, n)) == -SK_ENOTSUP) {
		not_tls(c, b);
		return 0;
	}
	if (rc < 0)
		return rc;
	return send_next(c, b);
}

/*
 * RFC 3263 §4.3: a transport error, a timeout of the client transaction or a
 * 503 moves the branch to its next target with a new client transaction;
 * false when none is left (or the context no longer forks).
 */
bool sk_proxy_fork_failover(struct rctx *c, struct branch *b)
{
	if (b->state != BRANCH_PENDING || c->state != CTX_FORKING || b->hop + 1 >= b->nhops)
		return false;
	b->hop++;
	sk_logf(sk_proxy_log(c->p), SK_LOG_INFO, "proxy %s: %s: trying target %u of %u", c->call_id,
	        b->target, (unsigned)b->hop + 1, (unsigned)b->nhops);
	return send_next(c, b) == 0;
}

void sk_proxy_fork_cancel_lookup(struct branch *b)
{
	struct rctx *c = b->ctx;
	sk_resolve_cancel(sk_stack_resolver(c->p->stack), b->lookup);
	b->lookup = NULL;
	sk_proxy_fork_branch_done(b, 487);
	sk_proxy_fork_set_local(c, 487, NULL);
	c->holds--; /* the lookup's hold; every caller holds the context too */
}
