/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the proxy says about its calls: one event per call and per REGISTER,
 * for the log a person and a log shipper follow (issue 17), and the pending
 * calls `sipkit ctl calls` lists. An event says who, to whom, where it went,
 * how it ended, why and how long it took. The proxy core fills struct
 * sk_proxy_event; its user (the CLI) writes it as logfmt or JSON. Nothing is
 * built when nobody listens.
 */
#include <stdio.h>
#include <string.h>

#include "fork_int.h"

#define EV_URI_MAX 256

/* An address's URI as text, cut at size ("" when there is none). */
static const char *uri_text(const struct sk_addr *a, char *buf, size_t size)
{
	if (!a) {
		buf[0] = '\0';
		return buf;
	}
	return sk_str_cpy(buf, size, a->uri.raw);
}

static const char *source_text(const struct sk_flow *f, char *buf, size_t size)
{
	if (!f)
		return "";
	struct sk_fmt t; /* "%s:%s": once a call, no printf */
	sk_fmt_init(&t, buf, size);
	sk_fmt_cstr(&t, sk_proto_lower(f->proto));
	sk_fmt_char(&t, ':');
	sk_sa_print(&f->remote, buf + t.len, size - t.len);
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

/*
 * A call's From and To URIs from the spans its context kept into the server
 * transaction's bytes (fork.c): no parse of the INVITE again. A span that is not
 * there (an unfolded value) falls back to a parse, of a copy that is freed here
 * (sk_txn_msg would keep a parsed INVITE, about 6 KB, alive with the call).
 */
static void call_uris(const struct rctx *c, char *from, char *to, size_t size)
{
	struct sk_str raw = c->st ? sk_txn_request_bytes(c->st) : SK_STR_NULL;
	from[0] = to[0] = '\0';
	if (raw.len && c->from_uri.len && c->to_uri.len &&
	    (size_t)c->from_uri.off + c->from_uri.len <= raw.len &&
	    (size_t)c->to_uri.off + c->to_uri.len <= raw.len) {
		sk_str_cpy(from, size, (struct sk_str){raw.p + c->from_uri.off, c->from_uri.len});
		sk_str_cpy(to, size, (struct sk_str){raw.p + c->to_uri.off, c->to_uri.len});
		return;
	}
	struct sk_msg *m = c->st ? sk_txn_msg_copy(c->st) : NULL;
	uri_text(m ? sk_msg_from(m) : NULL, from, size);
	uri_text(m ? sk_msg_to(m) : NULL, to, size);
	sk_msg_free(m);
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

/* ---- a response context's call (fork.c) ---------------------------------------- */

/* The call's event (events.c) as its final goes up: status, targets, the CANCEL's Reason. */
void sk_proxy_fork_event(struct rctx *c, int status, bool cancelled, const char *reason)
{
	struct sk_proxy *p = c->p;
	if (!p->cfg.on_event || !c->invite || !c->st)
		return;
	char targets[512];
	struct sk_fmt t; /* "a,b,...", cut at 512 bytes, without printf: every call */
	sk_fmt_init(&t, targets, sizeof(targets));
	for (unsigned i = 0; i < c->nbr && !t.overflow; i++) {
		if (!c->br[i].target)
			continue;
		if (t.len)
			sk_fmt_char(&t, ',');
		sk_fmt_cstr(&t, c->br[i].target);
	}
	char fu[EV_URI_MAX], tu[EV_URI_MAX], src[80];
	call_uris(c, fu, tu, sizeof(fu));
	struct sk_proxy_event ev = {
	    .kind = SK_PROXY_EV_CALL,
	    .call_id = c->call_id,
	    .from = fu,
	    .to = tu,
	    .source = source_text(&c->up, src, sizeof(src)),
	    .targets = targets,
	    .status = status,
	    .outcome = call_outcome(status, cancelled),
	    .reason = reason      ? reason
	              : c->reason ? c->reason
	                          : "",
	    .duration_ms = sk_stack_now(p->stack) - c->created,
	};
	p->cfg.on_event(p->cfg.event_arg, &ev);
}

/* What send_best sends up (0: nothing, a non-INVITE that timed out). */
int sk_proxy_fork_status_up(const struct rctx *c, bool cancelled)
{
	if (c->timer_c && !cancelled && c->invite && (!c->best_wire || c->best == 487))
		return 408;
	if (!c->best_wire && c->local && (c->local != 487 || cancelled))
		return c
		    ->local; /* a final of ours (send_best): a DNS failure, a closed WebSocket */
	if (!c->best_wire)
		return c->best == 503 ? 500 : c->invite ? 408 : 0;
	return c->best == 503 ? 500 : c->best;
}

/* ---- the pending calls, as sipkit ctl calls lists them ---------------------------- */

static const char *branch_state_name(enum branch_state s)
{
	static const char *const names[] = {"waiting", "pending", "cancelling", "done",
	                                    "resolving"};
	return (unsigned)s < 5 ? names[s] : "?";
}

static const char *ctx_state_name(enum ctx_state s)
{
	static const char *const names[] = {"forking", "cancelled", "declined", "answered", "done"};
	return (unsigned)s < 5 ? names[s] : "?";
}

size_t sk_proxy_pending(const struct sk_proxy *p,
                        void (*fn)(void *arg, const struct sk_proxy_call_info *c), void *arg)
{
	size_t n = 0;
	uint64_t now = sk_stack_now(p->stack);
	struct sk_htab_iter it;
	for (struct sk_hnode *x = sk_htab_iter_first(&it, &p->ctxs); x;
	     x = sk_htab_iter_next(&it)) {
		const struct rctx *c = sk_container_of(x, struct rctx, node);
		if (!c->invite || c->state == CTX_ANSWERED || c->state == CTX_DONE || !c->st)
			continue;
		n++;
		if (!fn)
			continue;
		char from[160], to[160];
		call_uris(c, from, to, sizeof(from));
		struct sk_proxy_call_info info = {.call_id = c->call_id,
		                                  .from = from,
		                                  .to = to,
		                                  .branches = c->nbr,
		                                  .pending_branches = c->pending,
		                                  .age_ms = now - c->created,
		                                  .best_status = c->best,
		                                  .state = ctx_state_name(c->state)};
		size_t used = 0;
		for (unsigned k = 0; k < c->nbr && used < sizeof(info.branch_states); k++) {
			int w =
			    snprintf(info.branch_states + used, sizeof(info.branch_states) - used,
			             "%s%s", k ? "," : "", branch_state_name(c->br[k].state));
			used += w > 0 ? (size_t)w : 0;
		}
		fn(arg, &info);
	}
	return n;
}
