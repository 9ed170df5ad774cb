/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who may use the proxy (RFC 3261 §16.5 leaves the policy to the proxy;
 * this is the policy of Kamailio's default configuration).
 *
 * A proxy started without a domain is the lab proxy: it forwards anything by
 * the rules of §16. Once it serves named domains:
 *  - a request whose next hop is not ours (a Route value beyond our own, or a
 *    Request-URI outside our domains, a maddr parameter naming another host
 *    included) is forwarded only for a trusted source (--trust) or a local
 *    user who authenticated (auth.c); others get 403 "Relaying denied";
 *  - with a users file, every request that is not of a dialog we recorded
 *    is authenticated first (auth.c), CANCEL and ACK excepted (§22.1);
 *  - a request of a dialog passes without either check when the Route value
 *    naming us carries our mark: the Record-Route we put in the dialog's
 *    first request holds a MAC of the Call-ID under the stack's secret key
 *    (";sk=..."), so only a party to a dialog that went through us (or whoever
 *    saw its messages) can send through it. A To tag alone proves nothing:
 *    anyone can write one.
 * Every decision is O(1) in what a stranger sends, beyond the parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fork.h"

#define RR_MARK "sk" /* the Record-Route parameter carrying the dialog's MAC */

bool sk_proxy_serves(const struct sk_proxy *p, struct sk_str host)
{
	for (size_t i = 0; i < p->ndomains; i++)
		if (sk_str_caseeq_c(host, p->domains[i]))
			return true;
	return false;
}

bool sk_proxy_hop_is_us(const struct sk_proxy *p, const struct sk_uri *uri)
{
	struct sk_str maddr;
	if (uri->scheme != SK_URI_SIP && uri->scheme != SK_URI_SIPS)
		return false;
	/* §16.5: a maddr naming us is dropped, one naming another host is where it goes (§19.1.1)
	 */
	if (sk_uri_param(uri, "maddr", &maddr) == 0 && maddr.len)
		return sk_proxy_serves(p, maddr) ||
		       sk_tp_is_local(sk_stack_tp(p->stack), maddr, uri->port ? uri->port : 5060);
	return sk_proxy_is_us(p, uri);
}

/* The MAC of a dialog's Call-ID, as it goes in our Record-Route. */
static uint64_t dialog_mac(const struct sk_proxy *p, struct sk_str call_id)
{
	struct sk_hash_state s;
	sk_hash_init(&s, &p->dialog_key);
	sk_hash_update(&s, "record-route", 12); /* not any other use of the key */
	sk_hash_field(&s, call_id);
	return sk_hash_final(&s);
}

size_t sk_proxy_rr_mark(const struct sk_proxy *p, const struct sk_msg *req, char *buf, size_t size)
{
	if (!p->ndomains || size < 21) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	struct sk_fmt f; /* ";" RR_MARK "=%016llx": every Record-Route, no printf */
	sk_fmt_init(&f, buf, size);
	sk_fmt_str(&f, SK_STR_LIT(";" RR_MARK "="));
	sk_fmt_hex(&f, dialog_mac(p, sk_msg_call_id(req)), 16);
	return f.len;
}

/* The URI naming us that the request came through: the Route value we drop, or the
 * Request-URI a strict router before us made of our Record-Route. */
static const struct sk_uri *our_hop(const struct sk_msg *req, const struct sk_forward *fw)
{
	if (fw->drop_last_route)
		return sk_msg_ruri(req);
	if (fw->drop_routes)
		return &sk_msg_addr(req, SK_HDR_ROUTE, 0)->uri;
	return NULL;
}

bool sk_proxy_in_our_dialog(const struct sk_proxy *p, const struct sk_msg *req,
                            const struct sk_forward *fw)
{
	const struct sk_addr *to = sk_msg_to(req);
	const struct sk_uri *hop = our_hop(req, fw);
	struct sk_str mark;
	char want[24];
	if (!to || !to->tag.len || !hop || sk_uri_param(hop, RR_MARK, &mark) < 0 || mark.len != 16)
		return false;
	snprintf(want, sizeof(want), "%016llx",
	         (unsigned long long)dialog_mac(p, sk_msg_call_id(req)));
	unsigned char diff = 0; /* the whole mark, whatever it holds: no early exit */
	for (size_t i = 0; i < 16; i++)
		diff |= (unsigned char)(mark.p[i] ^ want[i]);
	return diff == 0;
}

bool sk_proxy_goes_out(const struct sk_proxy *p, const struct sk_uri *target, struct sk_str route)
{
	struct sk_uri r;
	if (route.len)
		return sk_uri_parse(&r, route, NULL) < 0 || !sk_proxy_hop_is_us(p, &r);
	return !sk_proxy_hop_is_us(p, target);
}

int sk_proxy_policy(struct sk_proxy *p, struct sk_txn *st, const struct sk_msg *req,
                    const struct sk_forward *fw, const struct sk_uri *target, struct sk_str route)
{
	const struct sk_flow *flow = sk_txn_flow(st);
	if (!p->ndomains || sk_proxy_trusted(p, &flow->remote) ||
	    sk_proxy_in_our_dialog(p, req, fw))
		return 0;
	bool out = sk_proxy_goes_out(p, target, route);
	bool authed = false;
	if (p->auth) {
		int rc = sk_proxy_auth_check(p, st, req, !out, &authed);
		if (rc)
			return rc; /* challenged, or refused */
	}
	if (out && !authed) {
		char from[64];
		p->st.relay_denied++;
		sk_sa_print(&flow->remote, from, sizeof(from));
		sk_logf(sk_proxy_log(p), SK_LOG_INFO, "proxy %.*s: relaying denied to %s",
		        (int)sk_msg_call_id(req).len, sk_msg_call_id(req).p, from);
		sk_proxy_reply(p, st, 403, "Relaying denied", NULL);
		return 403;
	}
	return 0;
}

bool sk_proxy_may_forward_stateless(struct sk_proxy *p, const struct sk_msg *req,
                                    const struct sk_flow *flow, const struct sk_forward *fw,
                                    const struct sk_uri *target, struct sk_str route)
{
	if (!p->ndomains || (flow && sk_proxy_trusted(p, &flow->remote)) ||
	    sk_proxy_in_our_dialog(p, req, fw) || !sk_proxy_goes_out(p, target, route))
		return true;
	p->st.relay_denied++;
	return false;
}

int sk_proxy_domains_set(struct sk_proxy *p, const char *list)
{
	size_t n = 0;
	for (const char *s = list; s && *s; s++)
		n += *s == ',';
	p->domains = calloc(n + 1, sizeof(*p->domains));
	if (!p->domains)
		return -SK_ENOMEM;
	const char *s = list;
	while (s && *s) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		while (len && (*s == ' ' || *s == '\t'))
			s++, len--;
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len >= sizeof(p->domains[0]))
			return -SK_EINVAL;
		if (len && !sk_proxy_serves(p, (struct sk_str){s, len})) {
			for (size_t i = 0; i < len; i++) /* hosts compare without case (§19.1.4) */
				p->domains[p->ndomains][i] =
				    (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
			p->ndomains++;
		}
		s = e ? e + 1 : NULL;
	}
	return 0;
}
