/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One event per call and per REGISTER, for the log a person and a log shipper
 * follow (issue 17): who, to whom, where it went, how it ended, why and how
 * long it took. The proxy core fills struct sk_proxy_event; its user (the CLI)
 * writes it as logfmt or JSON. Nothing is built when nobody listens.
 */
#include <stdio.h>
#include <string.h>

#include "fork.h"

#define EV_URI_MAX 256

/* An address's URI as text, cut at size. */
static const char *uri_text(const struct sk_addr *a, char *buf, size_t size)
{
	return a ? sk_str_cpy(buf, size, a->uri.raw) : "";
}

static const char *source_text(const struct sk_flow *f, char *buf, size_t size)
{
	char a[64];
	if (!f)
		return "";
	sk_sa_print(&f->remote, a, sizeof(a));
	snprintf(buf, size, "%s:%s", f->proto == SK_PROTO_TCP ? "tcp" : "udp", a);
	return buf;
}

static const char *call_outcome(int status, bool cancelled)
{
	if (status >= 200 && status < 300)
		return "answered";
	if (cancelled && status == 487)
		return "cancelled";
	if (status == 408 || status == 0)
		return "timeout";
	if (status >= 500 && status < 600)
		return "failed";
	return "rejected";
}

void sk_proxy_event_call(struct sk_proxy *p, const struct sk_msg *req, const struct sk_flow *from,
                         int status, bool cancelled, const char *reason, uint64_t started,
                         const char *targets)
{
	if (!p->cfg.on_event || !req)
		return;
	char cid[128], fu[EV_URI_MAX], tu[EV_URI_MAX], src[80];
	struct sk_proxy_event ev = {
	    .kind = SK_PROXY_EV_CALL,
	    .call_id = sk_str_cpy(cid, sizeof(cid), sk_msg_call_id(req)),
	    .from = uri_text(sk_msg_from(req), fu, sizeof(fu)),
	    .to = uri_text(sk_msg_to(req), tu, sizeof(tu)),
	    .source = source_text(from, src, sizeof(src)),
	    .targets = targets ? targets : "",
	    .status = status,
	    .outcome = call_outcome(status, cancelled),
	    .reason = reason ? reason : "",
	    .duration_ms = sk_stack_now(p->stack) - started,
	};
	p->cfg.on_event(p->cfg.event_arg, &ev);
}

void sk_proxy_event_register(struct sk_proxy *p, const struct sk_msg *req,
                             const struct sk_flow *from, int status, const char *contacts,
                             unsigned bindings)
{
	if (!p->cfg.on_event || !req)
		return;
	char cid[128], fu[EV_URI_MAX], tu[EV_URI_MAX], src[80];
	struct sk_proxy_event ev = {
	    .kind = SK_PROXY_EV_REGISTER,
	    .call_id = sk_str_cpy(cid, sizeof(cid), sk_msg_call_id(req)),
	    .from = uri_text(sk_msg_from(req), fu, sizeof(fu)),
	    .to = uri_text(sk_msg_to(req), tu, sizeof(tu)),
	    .source = source_text(from, src, sizeof(src)),
	    .targets = contacts ? contacts : "",
	    .status = status,
	    .outcome = status >= 300 ? "refused"
	               : bindings    ? "registered"
	                             : "unregistered",
	    .reason = "",
	    .bindings = bindings,
	};
	p->cfg.on_event(p->cfg.event_arg, &ev);
}
