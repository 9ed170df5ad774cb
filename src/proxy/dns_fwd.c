/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateless forwarding (§16.11: the ACK for a 2xx, a CANCEL that matches
 * nothing) to a next hop that is a name (RFC 3263 §4). An IP literal or a
 * name the cache holds goes at once; otherwise the request waits for the
 * lookup, copied, and goes to the first target (there is no transaction to
 * fail over with: an ACK or CANCEL lost is retransmitted by its sender).
 * At most PROXY_MAX_DNS_FWDS wait: a flood of ACKs toward names nobody
 * resolves cannot hold memory; those beyond are dropped and counted, as are
 * those whose name does not resolve.
 */
#include <stdlib.h>
#include <string.h>

#include "proxy_int.h"

struct dns_fwd {
	struct dns_fwd *prev, *next;
	struct sk_proxy *p;
	struct sk_resolve_lookup *lookup;
	size_t len;
	char wire[];
};

static void unlink_fwd(struct sk_proxy *p, struct dns_fwd *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		p->dns_fwds = f->next;
	if (f->next)
		f->next->prev = f->prev;
	p->ndns_fwds--;
}

static void on_resolved(void *arg, int err, const struct sk_resolve_result *res)
{
	struct dns_fwd *f = arg;
	struct sk_proxy *p = f->p;
	unlink_fwd(p, f);
	if (err < 0 || !res->n ||
	    sk_txl_send_stateless(sk_stack_txl(p->stack), (struct sk_str){f->wire, f->len},
	                          &res->t[0]) < 0)
		p->st.dns_fwd_dropped++;
	free(f);
}

int sk_proxy_send_stateless(struct sk_proxy *p, struct sk_str hop, struct sk_str wire)
{
	struct sk_target t[SK_RESOLVE_MAX];
	size_t n;
	struct sk_resolver *r = sk_stack_resolver(p->stack);
	if (sk_resolve_needs_dns(hop) && r && p->ndns_fwds >= PROXY_MAX_DNS_FWDS) {
		p->st.dns_fwd_dropped++;
		return -SK_EFULL;
	}
	struct dns_fwd *f = malloc(sizeof(*f) + wire.len);
	if (!f)
		return -SK_ENOMEM;
	f->p = p;
	f->len = wire.len;
	memcpy(f->wire, wire.p, wire.len);
	int rc = sk_resolve_uri(r, hop, SK_PROTO_NONE, t, &n, NULL, 0, on_resolved, f, &f->lookup);
	if (rc == SK_RESOLVE_PENDING) {
		f->prev = NULL;
		f->next = p->dns_fwds;
		if (p->dns_fwds)
			p->dns_fwds->prev = f;
		p->dns_fwds = f;
		p->ndns_fwds++;
		return 0;
	}
	free(f);
	if (rc < 0) {
		if (sk_resolve_needs_dns(hop))
			p->st.dns_fwd_dropped++;
		return rc;
	}
	return sk_txl_send_stateless(sk_stack_txl(p->stack), wire, &t[0]);
}

void sk_proxy_dns_fwd_free(struct sk_proxy *p)
{
	while (p->dns_fwds) {
		struct dns_fwd *f = p->dns_fwds;
		unlink_fwd(p, f);
		sk_resolve_cancel(sk_stack_resolver(p->stack), f->lookup);
		free(f);
	}
}
