/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Response contexts (§16.7) and their branches: forwarding to every target
 * (§16.6) at once or by q-value groups, provisionals passed up, every 2xx
 * passed up at once, the best final sent when no branch is pending
 * (§16.7 step 6, fork_final.c), Timer C (§16.8), and CANCEL: the caller's passed to every
 * pending branch with its Reason (§16.10), and the other branches cancelled
 * when one answers 2xx or 6xx (§16.7 step 10, RFC 3326).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fork_int.h"

/* What the branches' client transactions and the context's server transaction report to. */
static const struct sk_txn_handler branch_handler, ctx_handler;

/* ---- the table of contexts, by Call-ID ------------------------------------- */

static uint64_t hash_call_id(const struct sk_proxy *p, struct sk_str id)
{
	return sk_hash(sk_stack_hash_key(p->stack), id.p, id.len);
}

int sk_proxy_fork_table_init(struct sk_proxy *p)
{
	return sk_htab_init(&p->ctxs, 1024);
}

static struct rctx *ctx_of(struct sk_hnode *n)
{
	return sk_container_of(n, struct rctx, node);
}

/* The final has gone up: nothing more goes up but 2xx (§16.7 step 5). */
static bool final_sent(const struct rctx *c)
{
	return c->state == CTX_ANSWERED || c->state == CTX_DONE;
}

void sk_proxy_fork_ctx_final(struct rctx *c, enum ctx_state state)
{
	if (!final_sent(c))
		c->p->active--;
	c->state = (uint8_t)state;
}

static void ctx_free(struct rctx *c)
{
	struct sk_proxy *p = c->p;
	struct sk_timers *ts = sk_stack_timers(p->stack);
	sk_htab_remove(&p->ctxs, &c->node);
	if (!final_sent(c))
		p->active--;
	sk_timer_stop(ts, &c->group);
	for (unsigned i = 0; i < c->nbr; i++) {
		sk_timer_stop(ts, &c->br[i].timer_c);
		if (c->br[i].ct)
			sk_txn_bind(c->br[i].ct, NULL, NULL);
		sk_resolve_cancel(sk_stack_resolver(p->stack), c->br[i].lookup);
		free(c->br[i].target);
		free(c->br[i].hops);
		free(c->br[i].flow);
	}
	if (c->st)
		sk_txn_bind(c->st, NULL, NULL);
	free(c->call_id);
	free(c->best_wire);
	free(c->auth);
	free(c->reason);
	free(c->warn);
	free(c);
}

void sk_proxy_fork_table_free(struct sk_proxy *p)
{
	struct sk_htab_iter it;
	for (struct sk_hnode *n = sk_htab_iter_first(&it, &p->ctxs); n; n = sk_htab_iter_next(&it))
		ctx_free(ctx_of(n));
	sk_htab_free(&p->ctxs);
}

/* The idiom of transactions and calls: hold while using, the last release frees. */
static void ctx_hold(struct rctx *c)
{
	c->holds++;
}

static void ctx_release(struct rctx *c)
{
	if (--c->holds == 0)
		ctx_free(c);
}

/* ---- CANCEL of branches ----------------------------------------------------- */

static void cancel_branch(struct branch *b, const char *reason)
{
	if (b->state == BRANCH_RESOLVING) {
		sk_proxy_fork_cancel_lookup(b); /* nothing was sent: fork_dns.c */
		return;
	}
	if (b->state != BRANCH_PENDING || !b->ct)
		return;
	/* §16.10: a branch with no provisional yet is cancelled when one comes
	 * (the transaction waits, §9.1), never before */
	int rc = sk_txn_cancel(b->ct, reason, NULL, NULL);
	if (rc == SK_CANCEL_SENT || rc == SK_CANCEL_DEFERRED) {
		b->state = BRANCH_CANCELLING;
		b->ctx->p->st.cancels_sent++;
	}
}

static void cancel_others(struct rctx *c, const struct branch *keep, const char *reason)
{
	for (unsigned i = 0; i < c->nbr; i++)
		if (&c->br[i] != keep)
			cancel_branch(&c->br[i], reason);
}

static void start_group(struct rctx *c);

/* No branch pending: the next group (sequential), or the best final goes up. */
static void check_done(struct rctx *c)
{
	if (c->pending || final_sent(c))
		return;
	bool more = false;
	for (unsigned i = 0; i < c->nbr; i++)
		if (c->br[i].state == BRANCH_WAITING)
			more = true;
	if (more && c->state == CTX_FORKING) {
		start_group(c);
		if (c->pending)
			return;
	}
	sk_proxy_fork_send_best(c);
}

static void branch_done(struct branch *b, int status)
{
	if (b->state == BRANCH_WAITING)
		return;
	if (b->state == BRANCH_DONE)
		return;
	b->state = BRANCH_DONE;
	b->status = status;
	b->ctx->pending--;
	sk_timer_stop(sk_stack_timers(b->ctx->p->stack), &b->timer_c);
}

/* What fork_dns.c (names, failover) uses of this file. */
void sk_proxy_fork_branch_done(struct branch *b, int status)
{
	branch_done(b, status);
}

void sk_proxy_fork_check_done(struct rctx *c)
{
	check_done(c);
}

void sk_proxy_fork_hold(struct rctx *c)
{
	ctx_hold(c);
}

void sk_proxy_fork_release(struct rctx *c)
{
	ctx_release(c);
}

/* ---- forwarding to a branch (§16.6) ----------------------------------------- */

static void timer_c_fired(void *arg)
{
	struct branch *b = arg;
	struct rctx *c = b->ctx;
	if (b->state == BRANCH_DONE)
		return;
	/* §16.8: cancelled if it had a provisional, else as if a 408 came */
	c->timer_c = true;
	/* §16.8 "has received a provisional response": a 100 Trying too, which
	 * puts the client transaction in Proceeding */
	bool proceeding = b->ct && sk_txn_state(b->ct) == SK_TXN_PROCEEDING;
	ctx_hold(c);
	cancel_branch(b, "SIP;cause=408;text=\"Timer C\""); /* or when one comes (§9.1) */
	if (proceeding) {
		ctx_release(c);
		return;
	}
	branch_done(b, 408);
	check_done(c);
	ctx_release(c);
}

/* Sends b's request to dst in a new client transaction (§16.6 steps 2-10). */
static int send_branch(struct rctx *c, struct branch *b, const struct sk_target *dst)
{
	struct sk_proxy *p = c->p;
	const struct sk_msg *req = c->st ? sk_txn_msg(c->st) : NULL;
	struct sk_forward fw;
	struct sk_str ruri, route;
	struct sk_build *bld;
	struct sk_str wire;
	char rr[160], tail[300], hash[9];
	if (!req)
		return -SK_ENOMEM;
	sk_proxy_preprocess(p, req, &fw, &ruri, &route);
	struct sk_str hop = route;
	if (!route.len) {
		fw.ruri = sk_str_c(b->target); /* §16.6 step 2 */
		hop = fw.ruri;
	} else {
		struct sk_uri ru;
		struct sk_str lr;
		/* §16.6 step 6: a strict next hop becomes the Request-URI, the
		 * Request-URI the last Route value */
		if (sk_uri_parse(&ru, route, NULL) == 0 && sk_uri_param(&ru, "lr", &lr) < 0) {
			snprintf(tail, sizeof(tail), "<%.*s>", (int)ruri.len, ruri.p);
			fw.route_tail = tail;
			fw.ruri = route;
			fw.drop_routes++;
		}
	}
	if (p->cfg.record_route) { /* §16.6 step 4: a URI that resolves to us, lr */
		struct sk_flow rr_side = *sk_txn_flow(c->st), out;
		char a[64], mark[24], token[80] = "";
		/* a WebSocket client on either side: its connection named in the user part,
		 * so that the dialog's later requests find it (flow_token.c) */
		uint64_t from = sk_proto_is_ws(rr_side.proto) ? rr_side.conn : 0, to = 0;
		if (sk_proto_is_ws(dst->proto) &&
		    sk_tp_flow_for(sk_stack_tp(p->stack), dst, 0, &out) == 0)
			to = out.conn;
		if ((from || to) && sk_proxy_flow_token(p, from, to, token, sizeof(token) - 1))
			strcat(token, "@");
		/* from a browser (RFC 7118), the side that can reach us again is the next
		 * hop's: its listener goes in the Record-Route */
		if (sk_proto_is_ws(rr_side.proto) &&
		    sk_tp_flow_for(sk_stack_tp(p->stack), dst, 0, &rr_side) < 0)
			rr_side = *sk_txn_flow(c->st);
		sk_sa_print(&rr_side.local, a, sizeof(a));
		sk_proxy_rr_mark(p, req, mark, sizeof(mark)); /* the dialog's own (policy.c) */
		struct sk_fmt f; /* "<sip:%s%s;lr%s%s>" without printf: every call */
		sk_fmt_init(&f, rr, sizeof(rr));
		sk_fmt_str(&f, SK_STR_LIT("<sip:"));
		sk_fmt_cstr(&f, token);
		sk_fmt_cstr(&f, a);
		sk_fmt_str(&f, SK_STR_LIT(";lr"));
		sk_fmt_cstr(&f, sk_proto_uri_param(rr_side.proto));
		sk_fmt_cstr(&f, mark);
		sk_fmt_char(&f, '>');
		fw.record_route = rr;
	}
	(void)hop;
	int rc;
	fw.drop_hdr = sk_proxy_auth_consumed(p, req); /* our credentials stop here */
	fw.max_breadth = c->branch_breadth;           /* RFC 5393 §5.3 */
	if ((rc = sk_build_forward_request(&bld, req, &fw)) < 0)
		return rc;
	sk_proxy_loop_tag(c->loop_hash, hash); /* §16.6 step 8, after the branch's '.' */
	if ((rc = sk_build_finish(bld, &wire)) == 0)
		rc = sk_txn_request_branch(sk_stack_txl(p->stack), wire, dst, &branch_handler, b,
		                           hash, &b->ct);
	sk_build_free(bld);
	if (rc == 0) {
		ctx_hold(c);
		p->st.branches++;
		if (c->invite)
			sk_timer_start(sk_stack_timers(p->stack), &b->timer_c, p->cfg.timer_c_ms);
	}
	return rc;
}

int sk_proxy_fork_send(struct rctx *c, struct branch *b, const struct sk_target *dst)
{
	return send_branch(c, b, dst);
}

static void group_fired(void *arg);

/*
 * Starts the next group of waiting branches: all of them (parallel), or those
 * of the highest q left (sequential). RFC 5393 §5.3: the branches of a group
 * run together, so they share the request's Max-Breadth, each at least 1;
 * the targets of the group beyond it are not tried (440). A later group runs
 * alone and gets the whole breadth again.
 */
static void start_group(struct rctx *c)
{
	struct sk_proxy *p = c->p;
	bool seq = p->cfg.fork == SK_FORK_SEQUENTIAL;
	int q = -1;
	unsigned group = 0;
	for (unsigned i = 0; i < c->nbr; i++) {
		const struct branch *b = &c->br[i];
		if (b->state != BRANCH_WAITING)
			continue;
		if (seq && q >= 0 && b->q != q)
			break;
		q = b->q;
		group++;
	}
	if (!group)
		return;
	unsigned run = group < c->breadth ? group : c->breadth;
	c->branch_breadth = c->breadth / run;
	bool more = false;
	unsigned started = 0;
	q = -1;
	ctx_hold(c);
	for (unsigned i = 0; i < c->nbr; i++) {
		struct branch *b = &c->br[i];
		if (b->state != BRANCH_WAITING)
			continue;
		/* sequential: the highest q left (the targets are sorted), all at once otherwise */
		if (seq && q >= 0 && b->q != q) {
			more = true;
			break;
		}
		q = b->q;
		b->state = BRANCH_PENDING;
		c->pending++;
		if (started++ >= run) {
			p->st.breadth_440++;
			sk_logf(sk_proxy_log(p), SK_LOG_INFO,
			        "proxy %s: %s not tried: Max-Breadth %u (RFC 5393)", c->call_id,
			        b->target, (unsigned)c->breadth);
			branch_done(b, 440);
			continue;
		}
		int rc = sk_proxy_fork_forward(c, b);
		if (rc < 0) {
			char why[160];
			sk_logf(sk_proxy_log(p), SK_LOG_WARN, "proxy %s: not forwarded to %s: %s",
			        c->call_id, b->target, sk_strerror(rc));
			branch_done(b, rc == -SK_EIO ? 503 : 500);
			snprintf(why, sizeof(why), "not forwarded: %s", sk_strerror(rc));
			sk_proxy_fork_set_local(c, 500,
			                        why); /* ours, not a 408 nobody waited for */
		}
	}
	if (more && c->pending)
		sk_timer_start(sk_stack_timers(p->stack), &c->group, p->cfg.branch_ms);
	ctx_release(c);
}

static void group_fired(void *arg)
{
	struct rctx *c = arg;
	if (c->state != CTX_FORKING)
		return; /* no next group: the branches' own finals end the context */
	ctx_hold(c);
	/* the group had its time: its branches are cancelled, their finals still
	 * to come (§16.7 step 6: the best goes up once every client transaction
	 * has ended), and the next group starts */
	for (unsigned i = 0; i < c->nbr; i++)
		cancel_branch(&c->br[i], NULL); /* those pending */
	start_group(c);
	check_done(c);
	ctx_release(c);
}

/* Where a's URI lies in req's bytes (the server transaction keeps the same bytes); len 0
 * when it is not in them (an unfolded value) or req has no such header. */
static struct sk_span uri_span(const struct sk_msg *req, const struct sk_addr *a)
{
	struct sk_str raw = sk_msg_raw(req);
	if (!a || !a->uri.raw.len || a->uri.raw.p < raw.p ||
	    a->uri.raw.p + a->uri.raw.len > raw.p + raw.len)
		return (struct sk_span){0, 0};
	return (struct sk_span){(uint32_t)(a->uri.raw.p - raw.p), (uint32_t)a->uri.raw.len};
}

void sk_proxy_fork_start(struct sk_proxy *p, struct sk_txn *st, const struct sk_msg *req,
                         char (*targets)[256], const uint16_t *q, const struct sk_target *flows,
                         size_t n)
{
	size_t nbr = n ? n : 1;
	struct rctx *c = calloc(1, sizeof(*c) + nbr * sizeof(struct branch));
	struct sk_str cid = sk_msg_call_id(req);
	if (!c || !(c->call_id = malloc(cid.len + 1))) {
		free(c);
		sk_proxy_reply(p, st, 500, NULL, NULL);
		return;
	}
	memcpy(c->call_id, cid.p, cid.len);
	c->call_id[cid.len] = '\0';
	c->p = p;
	c->st = st;
	c->holds = 1; /* its server transaction's, released when that ends */
	c->nbr = (unsigned)nbr;
	c->invite = sk_str_eq(sk_msg_method(req), SK_STR_LIT("INVITE"));
	c->loop_hash = sk_proxy_loop_hash(p, req);
	int64_t mb = sk_proxy_breadth(p, req);
	c->breadth = mb > 0 ? (uint32_t)mb : 1; /* 0 and malformed were answered before */
	c->created = sk_stack_now(p->stack);
	c->from_uri = uri_span(req, sk_msg_from(req));
	c->to_uri = uri_span(req, sk_msg_to(req));
	sk_timer_init(&c->group, group_fired, c);
	/* the targets, highest q first (stable), for sequential groups */
	for (size_t i = 0; i < nbr; i++) {
		struct branch *b = &c->br[i];
		b->ctx = c;
		sk_timer_init(&b->timer_c, timer_c_fired, b);
		/* a binding's or a flow token's connection (flow_token.c), or none */
		const struct sk_target *flow = n ? &flows[i] : &flows[0];
		if (n) {
			b->target = strdup(targets[i]);
			b->q = q[i];
		} else {
			struct sk_forward fw;
			struct sk_str ruri, route;
			sk_proxy_preprocess(p, req, &fw, &ruri, &route);
			b->target = malloc(ruri.len + 1);
			if (b->target) {
				memcpy(b->target, ruri.p, ruri.len);
				b->target[ruri.len] = '\0';
			}
		}
		/* kept only when there is one: most branches have none */
		if (b->target && flow->proto != SK_PROTO_NONE) {
			if ((b->flow = malloc(sizeof(*flow)))) {
				*b->flow = *flow;
			} else {
				free(b->target); /* out of memory: counts as a 500 (below) */
				b->target = NULL;
			}
		}
	}
	for (size_t i = 1; i < nbr; i++)
		for (size_t k = i; k > 0 && c->br[k].q > c->br[k - 1].q; k--) {
			struct branch t = c->br[k];
			c->br[k] = c->br[k - 1];
			c->br[k - 1] = t;
		}
	for (size_t i = 0; i < nbr; i++) /* the timers' arguments after the sort */
		sk_timer_init(&c->br[i].timer_c, timer_c_fired, &c->br[i]);
	sk_htab_insert(&p->ctxs, &c->node, hash_call_id(p, cid));
	p->active++;
	sk_txn_bind(st, &ctx_handler, c);
	c->up = *sk_txn_flow(st);
	if (c->invite)
		p->st.calls++;
	if (nbr > 1)
		p->st.forks++;
	for (size_t i = 0; i < nbr; i++) {
		if (c->br[i].target)
			continue;
		c->br[i].state = BRANCH_PENDING; /* out of memory: this one counts as a 500 */
		c->pending++;
		branch_done(&c->br[i], 500);
	}
	ctx_hold(c);
	start_group(c);
	check_done(c);
	ctx_release(c);
}

/* ---- responses ------------------------------------------------------------- */

static void pass_up(struct rctx *c, const struct sk_msg *resp)
{
	struct sk_build *b;
	struct sk_str wire;
	int code = sk_msg_status(resp);
	if (sk_build_forward_response(&b, resp) < 0)
		return;
	if (sk_build_finish(b, &wire) == 0) {
		int rc = c->st ? sk_txn_respond(c->st, wire) : -SK_ESTATE;
		/* §16.7 step 5: a 2xx after our own final (release, Timer C) still goes
		 * up; without the server transaction, statelessly (step 9) */
		if (rc == -SK_ESTATE && c->invite && code >= 200 && code < 300) {
			struct sk_flow f = c->up;
			sk_tp_send(sk_stack_tp(c->p->stack), &f, wire.p, wire.len);
		}
	}
	sk_build_free(b);
}

static void branch_response(void *arg, struct sk_txn *ct, const struct sk_msg *resp)
{
	struct branch *b = arg;
	struct rctx *c = b->ctx;
	struct sk_proxy *p = c->p;
	int code = sk_msg_status(resp);
	if (ct != b->ct)
		return; /* a target the branch moved on from (RFC 3263 §4.3) */
	ctx_hold(c);
	if (code == 503 && sk_proxy_fork_failover(c, b)) {
		ctx_release(c);
		return;
	}
	if (code < 200) {
		if (code > 100) { /* §16.7 step 5: 100 absorbed, the others go up */
			if (b->state != BRANCH_DONE) /* §16.8: Timer C starts again */
				sk_timer_start(sk_stack_timers(p->stack), &b->timer_c,
				               p->cfg.timer_c_ms);
			if (!final_sent(c))
				pass_up(c, resp);
		}
	} else if (code < 300) {
		/* §16.7 step 5: every 2xx goes up at once, from every branch */
		branch_done(b, code);
		bool first = c->state != CTX_ANSWERED;
		sk_proxy_fork_ctx_final(c, CTX_ANSWERED);
		sk_timer_stop(sk_stack_timers(p->stack), &c->group);
		pass_up(c, resp);
		if (first) { /* §16.7 step 10, RFC 3326 */
			sk_proxy_fork_event(c, code, false, NULL);
			cancel_others(c, b, "SIP;cause=200;text=\"Call completed elsewhere\"");
		}
	} else {
		if (code == 487)
			p->st.absorbed_487++; /* until it is the one passed up */
		if (b->state != BRANCH_DONE) {
			/* a 487 of a branch we cancelled on our own (group time, Timer C)
			 * is no answer of the callee's: not a candidate */
			bool ours = code == 487 && b->state == BRANCH_CANCELLING &&
			            c->state != CTX_CANCELLED;
			branch_done(b, code);
			if (!final_sent(c) && !ours) {
				if (code == 401 || code == 407)
					sk_proxy_fork_keep_auth(c, resp);
				/* of two finals with the same status the latest (§16.7 step 6
				 * leaves the choice): the last branch's, at hand when it ends
				 * the call, goes up without a parse of a stored copy */
				if (!c->best_wire ||
				    sk_proxy_fork_rank(code) < sk_proxy_fork_rank(c->best) ||
				    code == c->best) {
					struct sk_str raw = sk_msg_raw(resp);
					char *w = malloc(raw.len);
					if (w) {
						memcpy(w, raw.p, raw.len);
						free(c->best_wire);
						c->best_wire = w;
						c->best_len = raw.len;
						c->best = code;
						c->best_msg = resp;
					}
				}
			}
			if (code >= 600 && c->state == CTX_FORKING) {
				/* §16.7 step 5 and 10: no more branches; the others are cancelled,
				 * why in the Reason */
				char reason[160], text[100];
				sk_str_cpy(text, sizeof(text), sk_msg_reason_phrase(resp));
				for (char *x = text; *x; x++)
					if (*x == '"' || *x == '\\')
						*x = '\'';
				c->state = CTX_DECLINED;
				struct sk_fmt r; /* RFC 3326: SIP;cause=%d;text="%s" */
				sk_fmt_init(&r, reason, sizeof(reason));
				sk_fmt_str(&r, SK_STR_LIT("SIP;cause="));
				sk_fmt_u64(&r, (unsigned)code);
				sk_fmt_str(&r, SK_STR_LIT(";text=\""));
				sk_fmt_cstr(&r, text);
				sk_fmt_char(&r, '"');
				cancel_others(c, b, reason);
			}
			check_done(c);
			c->best_msg = NULL; /* resp is the caller's, gone after this */
		}
	}
	ctx_release(c);
}

static void branch_failed(void *arg, struct sk_txn *t, int err)
{
	struct branch *b = arg;
	struct rctx *c = b->ctx;
	if (t != b->ct)
		return;
	ctx_hold(c);
	if ((err == -SK_EIO || err == -SK_ETIMEDOUT) && sk_proxy_fork_failover(c, b)) {
		ctx_release(c);
		return;
	}
	/* §16.7: a timeout counts as a 408, a transport error as a 503 */
	if (b->state != BRANCH_DONE) {
		if (b->nhops > 1 &&
		    !(c->warn && c->warn[0])) { /* RFC 3263 §4.3: the list is exhausted */
			char why[160];
			snprintf(why, sizeof(why), "none of the %u targets of %.100s answered (%s)",
			         (unsigned)b->nhops, b->target,
			         err == -SK_ETIMEDOUT ? "timeouts" : "transport errors");
			sk_proxy_fork_set_warn(c, why);
		}
		branch_done(b, err == -SK_ETIMEDOUT ? 408 : 503);
		/* §16.9: a transport error is a 503 in the context (a 500 up, §16.7 step 6) */
		if (err != -SK_ETIMEDOUT && !c->best)
			c->best = 503;
		check_done(c);
	}
	ctx_release(c);
}

static void branch_terminated(void *arg, struct sk_txn *t)
{
	struct branch *b = arg;
	if (b->ct == t) { /* not one the branch moved on from */
		b->ct = NULL;
		sk_timer_stop(sk_stack_timers(b->ctx->p->stack), &b->timer_c);
	}
	ctx_release(b->ctx);
}

/* The server transaction is gone: its context lives on while branches do. */
static void ctx_terminated(void *arg, struct sk_txn *t)
{
	(void)t;
	struct rctx *c = arg;
	c->st = NULL;
	ctx_release(c);
}

static const struct sk_txn_handler branch_handler = {
    .response = branch_response, .failed = branch_failed, .terminated = branch_terminated};
static const struct sk_txn_handler ctx_handler = {.terminated = ctx_terminated};

/* ---- CANCEL (§16.10), release, listing --------------------------------------- */

bool sk_proxy_fork_cancel(struct sk_proxy *p, struct sk_txn *st, const struct sk_msg *cancel,
                          struct sk_txn *invite)
{
	struct rctx *c = sk_txn_arg(invite, &ctx_handler);
	if (!c)
		return false;
	/* answered at once, hop by hop */
	sk_proxy_reply(p, st, 200, NULL, NULL);
	if (c->state != CTX_FORKING && c->state != CTX_DECLINED)
		return true; /* answered, or cancelled already */
	c->state = CTX_CANCELLED;
	p->st.cancelled++;
	/* RFC 3326: the caller's Reason goes to every branch */
	char reason[512];
	size_t n = sk_msg_hdr_join(cancel, SK_HDR_REASON, reason, sizeof(reason));
	if (n && !c->reason)
		c->reason = strdup(reason); /* NULL: the event goes without it */
	ctx_hold(c);
	cancel_others(c, NULL, n ? reason : NULL);
	check_done(c);
	ctx_release(c);
	return true;
}

static struct rctx *find_pending(const struct sk_proxy *p, const char *call_id)
{
	struct sk_str id = sk_str_c(call_id);
	for (struct sk_hnode *n = sk_htab_first(&p->ctxs, hash_call_id(p, id)); n;
	     n = sk_htab_next(n)) {
		struct rctx *c = ctx_of(n);
		if (c->invite && !final_sent(c) && c->st && !strcmp(c->call_id, call_id))
			return c;
	}
	return NULL;
}

int sk_proxy_release(struct sk_proxy *p, const char *call_id, int status, const char *reason)
{
	struct sk_reason r[4];
	size_t n = 0;
	char extra[600];
	if (!p || !call_id || status < 300 || status > 699 ||
	    (reason && (sk_reason_parse(sk_str_c(reason), r, 4, &n, NULL) < 0 || !n)) ||
	    (reason && strlen(reason) > 500))
		return -SK_EINVAL;
	struct rctx *c = find_pending(p, call_id);
	if (!c)
		return -SK_ENOTFOUND;
	ctx_hold(c);
	cancel_others(c, NULL, reason);
	snprintf(extra, sizeof(extra), "%s%s%s", reason ? "Reason: " : "", reason ? reason : "",
	         reason ? "\r\n" : "");
	sk_proxy_fork_ctx_final(c, CTX_DONE);
	p->st.released++;
	sk_proxy_reply(p, c->st, status, NULL, extra);
	ctx_release(c);
	return 0;
}
