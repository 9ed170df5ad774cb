/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A response context's final (§16.7 steps 6 and 7): the best of the branches'
 * finals by rank, sent up once no branch is pending, with every challenge of
 * the other 401/407s; or a final of the proxy's own when no branch brought one
 * (Timer C's 408 with its Reason, RFC 3326; a DNS failure's with its Warning).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fork_int.h"

int sk_proxy_fork_rank(int code)
{
	if (code >= 600)
		return 0;
	if (code >= 400 && code < 500 &&
	    (code == 401 || code == 407 || code == 415 || code == 420 || code == 484))
		return 1 + 4 * 10;
	return 1 + (code / 100) * 10 + 1;
}

void sk_proxy_fork_keep_auth(struct rctx *c, const struct sk_msg *resp)
{
	/* §16.7 step 7: every challenge goes up in the one 401/407 */
	for (uint32_t i = 0; i < sk_msg_hdr_count(resp); i++) {
		const struct sk_hdr *h = sk_msg_hdr_at(resp, i);
		if (h->id != SK_HDR_WWW_AUTHENTICATE && h->id != SK_HDR_PROXY_AUTHENTICATE)
			continue;
		const char *name =
		    h->id == SK_HDR_WWW_AUTHENTICATE ? "WWW-Authenticate" : "Proxy-Authenticate";
		size_t need = strlen(name) + 4 + h->value.len;
		if (c->auth_len + need > 16384)
			return;
		char *a = realloc(c->auth, c->auth_len + need + 1);
		if (!a)
			return;
		c->auth = a;
		c->auth_len += (size_t)snprintf(a + c->auth_len, need + 1, "%s: %.*s\r\n", name,
		                                (int)h->value.len, h->value.p);
	}
}

/* The challenges of the other 401/407s, those the best one lacks (§16.7 step 7). */
static int add_challenges(struct sk_build *b, const struct sk_msg *best, const char *auth,
                          size_t len)
{
	const char *p = auth, *end = auth + len;
	while (p && p < end) {
		const char *eol = memchr(p, '\r', (size_t)(end - p));
		const char *colon = memchr(p, ':', (size_t)(end - p));
		if (!eol || !colon || colon > eol)
			break;
		struct sk_str name = {p, (size_t)(colon - p)};
		struct sk_str value = {colon + 2, (size_t)(eol - colon - 2)};
		bool have = false;
		for (uint32_t i = 0; i < sk_msg_hdr_count(best) && !have; i++)
			have = sk_str_eq(sk_msg_hdr_at(best, i)->value, value);
		char nm[32];
		sk_str_cpy(nm, sizeof(nm), name);
		if (!have) {
			int rc = sk_build_hdr(b, nm, value);
			if (rc < 0)
				return rc;
		}
		p = eol + 2;
	}
	return 0;
}

void sk_proxy_fork_send_best(struct rctx *c)
{
	struct sk_proxy *p = c->p;
	bool cancelled = c->state == CTX_CANCELLED;
	sk_proxy_fork_ctx_final(c, CTX_DONE);
	if (!c->st)
		return;
	int up = sk_proxy_fork_status_up(c, cancelled);
	sk_proxy_fork_event(c, up, cancelled,
	                    up == 408 && c->timer_c ? "SIP;cause=408;text=\"Timer C\"" : NULL);
	if (c->timer_c && !cancelled && c->invite && (!c->best_wire || c->best == 487)) {
		/* the proxy ended it: a final error with a Reason saying why (RFC 3326) */
		sk_proxy_reply(
		    p, c->st, 408, NULL,
		    "Reason: SIP;cause=408;text=\"Timer C: no final response in time\"\r\n");
		return;
	}
	char warn[240] = "";
	if (c->warn && c->warn[0])
		snprintf(warn, sizeof(warn), "Warning: %s\r\n", c->warn);
	if (!c->best_wire && c->local && (c->local != 487 || cancelled)) {
		sk_proxy_reply(p, c->st, c->local, NULL, warn);
		return;
	}
	if (!c->best_wire && c->best == 503) {
		sk_proxy_reply(p, c->st, 500, NULL, warn[0] ? warn : NULL);
		return;
	}
	if (!c->best_wire) {
		/* no final at all: every branch timed out or failed; RFC 4320: a
		 * non-INVITE gets no 408 of ours, its own client times out */
		if (c->invite)
			sk_proxy_reply(p, c->st, 408, NULL, warn[0] ? warn : NULL);
		return;
	}
	struct sk_msg *m = NULL;
	const struct sk_msg *best = c->best_msg; /* best_wire's own parse, when at hand */
	struct sk_build *b = NULL;
	struct sk_str wire;
	if (!best) {
		if (sk_msg_new(&m, NULL) < 0)
			return;
		if (sk_msg_parse(m, c->best_wire, c->best_len, NULL) == 0)
			best = m;
	}
	if (best) {
		if (c->best == 503) { /* §16.7 step 6: a 503 goes up as a 500 */
			sk_proxy_reply(p, c->st, 500, NULL, NULL);
		} else if (sk_build_forward_response(&b, best) < 0) {
			/* it cannot go up as it came (no Via of the caller's left in it): the
			 * caller still gets that status, from us */
			sk_proxy_reply(p, c->st, c->best, NULL, NULL);
		} else {
			int rc = 0;
			if (c->best == 401 || c->best == 407)
				rc = add_challenges(b, best, c->auth, c->auth_len);
			if (rc == 0 && sk_build_finish(b, &wire) == 0) {
				if (c->best == 487 && p->st.absorbed_487)
					p->st.absorbed_487--; /* this one goes up */
				sk_txn_respond(c->st, wire);
			}
		}
	}
	sk_build_free(b);
	sk_msg_free(m);
}
