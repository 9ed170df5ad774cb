/* SPDX-License-Identifier: BSD-3-Clause */
/* The stack context: transport and transaction layer assembled on one clock. */
#include <stdlib.h>

#include "sipkit/stack.h"

struct sk_stack {
	struct sk_stack_config cfg;
	struct sk_net *net;
	struct sk_tp *tp;
	struct sk_txl *txl;
	struct sk_rng rng;
	struct sk_hash_key key; /* every table of the stack's hashes under it */
	struct sk_resolver *resolver;
};

/* Until a user is set, requests are dropped unanswered and responses ignored. */
static void no_request(void *arg, struct sk_txn *st, const struct sk_msg *req, struct sk_txn *inv)
{
	(void)arg;
	(void)req;
	(void)inv;
	sk_txn_reply(st, 503, NULL, NULL);
}

int sk_stack_new(struct sk_stack **out, const struct sk_stack_config *cfg)
{
	if (!out || !cfg || !cfg->timers || !cfg->net)
		return -SK_EINVAL;
	struct sk_stack *st = calloc(1, sizeof(*st));
	if (!st)
		return -SK_ENOMEM;
	st->cfg = *cfg;
	st->net = cfg->net;
	if (!st->cfg.times.t1)
		st->cfg.times = sk_txn_times_default();
	int rc;
	if (cfg->seed) {
		/* a generator of its own: the key takes nothing from the one that
		 * makes branches and tags, so seeded runs replay as before */
		struct sk_rng kr;
		sk_rng_seed(&st->rng, cfg->seed ^ 0x5eed5eed5eedULL);
		sk_rng_seed(&kr, cfg->seed ^ 0x4ea54ea54ea5ULL);
		sk_hash_key_from_rng(&st->key, &kr);
	} else if ((rc = sk_rng_seed_os(&st->rng)) < 0 ||
	           (rc = sk_hash_key_from_os(&st->key)) < 0) {
		goto fail;
	}
	struct sk_tp_config tc = {.timers = cfg->timers,
	                          .net = cfg->net,
	                          .log = cfg->log,
	                          .limits = cfg->limits,
	                          .conns = cfg->conns,
	                          .ws = cfg->ws,
	                          .seed = cfg->seed,
	                          .key = &st->key,
	                          .tls = cfg->tls};
	if ((rc = sk_tp_new(&st->tp, &tc, NULL)) < 0)
		goto fail;
	struct sk_txl_config xc = {.timers = cfg->timers,
	                           .tp = st->tp,
	                           .log = cfg->log,
	                           .times = st->cfg.times,
	                           .expected = cfg->expected,
	                           .max_transactions = cfg->max_transactions,
	                           .key = &st->key};
	struct sk_txl_user u = {.request = no_request};
	if ((rc = sk_txl_new(&st->txl, &xc, &u)) < 0)
		goto fail;
	struct sk_tp_user up = sk_txl_tp_user(st->txl);
	sk_tp_set_user(st->tp, &up);
	*out = st;
	return 0;
fail:
	sk_tp_free(st->tp);
	free(st);
	return rc;
}

void sk_stack_free(struct sk_stack *st)
{
	if (!st)
		return;
	sk_resolver_free(st->resolver);
	sk_txl_free(st->txl);
	sk_tp_free(st->tp);
	sk_net_free(st->net);
	free(st);
}

int sk_stack_listen(struct sk_stack *st, const struct sk_target *where, struct sk_sa *bound)
{
	return sk_tp_listen(st->tp, where->proto, &where->addr, bound);
}

void sk_stack_set_user(struct sk_stack *st, const struct sk_txl_user *user)
{
	sk_txl_set_user(st->txl, user);
}

struct sk_tp *sk_stack_tp(const struct sk_stack *st)
{
	return st->tp;
}

int sk_stack_set_dns(struct sk_stack *st, struct sk_dns_backend dns,
                     const struct sk_resolver_config *cfg)
{
	struct sk_resolver_config rc = cfg ? *cfg : (struct sk_resolver_config){0};
	struct sk_resolver *r;
	if (!st || !dns.ops) {
		if (dns.ops && dns.ops->free)
			dns.ops->free(dns.be);
		return -SK_EINVAL;
	}
	rc.timers = st->cfg.timers;
	rc.rng = &st->rng;
	rc.log = st->cfg.log;
	rc.dns = dns;
	int err = sk_resolver_new(&r, &rc);
	if (err < 0) {
		if (dns.ops->free)
			dns.ops->free(dns.be);
		return err;
	}
	sk_resolver_free(st->resolver);
	st->resolver = r;
	return 0;
}

struct sk_resolver *sk_stack_resolver(const struct sk_stack *st)
{
	return st->resolver;
}

struct sk_txl *sk_stack_txl(const struct sk_stack *st)
{
	return st->txl;
}

struct sk_timers *sk_stack_timers(const struct sk_stack *st)
{
	return st->cfg.timers;
}

const struct sk_hash_key *sk_stack_hash_key(const struct sk_stack *st)
{
	return &st->key;
}

struct sk_rng *sk_stack_rng(struct sk_stack *st)
{
	return &st->rng;
}

const struct sk_log *sk_stack_log(const struct sk_stack *st)
{
	return st->cfg.log;
}

const struct sk_txn_times *sk_stack_times(const struct sk_stack *st)
{
	return &st->cfg.times;
}

uint64_t sk_stack_now(const struct sk_stack *st)
{
	return sk_timers_now(st->cfg.timers);
}

void sk_stack_token(struct sk_stack *st, char *buf, size_t n)
{
	static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	for (size_t i = 0; i < n; i++)
		buf[i] = alphabet[sk_rng_below(&st->rng, 36)];
	buf[n] = '\0';
}
