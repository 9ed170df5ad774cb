/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UA core of one stack: the table of calls (by Call-ID and local tag),
 * the life of a call, and the dispatch of what the transaction layer hands
 * up to the caller side (uac.c) or the callee side (uas.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua_int.h"

const char *sk_call_outcome_name(enum sk_call_outcome o)
{
	static const char *const names[] = {"none",     "answered", "cancelled", "answered-late",
	                                    "rejected", "timeout",  "failed"};
	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}

const char *sk_call_state_name(enum sk_call_state s)
{
	static const char *const names[] = {"calling", "proceeding", "early", "confirmed", "ended"};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

char *sk_ua_strdup(struct sk_str s)
{
	char *p = malloc(s.len + 1);
	if (p) {
		if (s.len)
			memcpy(p, s.p, s.len);
		p[s.len] = '\0';
	}
	return p;
}

const struct sk_log *sk_ua_log(const struct sk_ua *ua)
{
	return sk_stack_log(ua->stack);
}

/* ---- the table of calls -------------------------------------------------- */

static uint64_t hash_call_id(const struct sk_ua *ua, struct sk_str id)
{
	return sk_hash(sk_stack_hash_key(ua->stack), id.p, id.len); /* Call-IDs: case-sensitive */
}

static struct sk_call *call_of(struct sk_hnode *n)
{
	return sk_container_of(n, struct sk_call, node);
}

struct sk_call *sk_ua_call_new(struct sk_ua *ua, enum sk_call_dir dir, const char *call_id)
{
	struct sk_call *c = calloc(1, sizeof(*c));
	char tag[17];
	sk_stack_token(ua->stack, tag, 16);
	if (!c || !(c->call_id = strdup(call_id)) || !(c->local_tag = strdup(tag))) {
		if (c)
			free(c->call_id);
		free(c);
		return NULL;
	}
	c->ua = ua;
	c->dir = (uint8_t)dir;
	c->state = SK_CALL_CALLING;
	sk_timer_init(&c->t2xx, NULL, c);
	sk_timer_init(&c->rel.t, NULL, c);
	sk_htab_insert(&ua->calls, &c->node, hash_call_id(ua, sk_str_c(call_id)));
	return c;
}

struct sk_call *sk_ua_call_find(struct sk_ua *ua, struct sk_str call_id, struct sk_str local_tag)
{
	for (struct sk_hnode *n = sk_htab_first(&ua->calls, hash_call_id(ua, call_id)); n;
	     n = sk_htab_next(n)) {
		struct sk_call *c = call_of(n);
		if (sk_str_eq(sk_str_c(c->call_id), call_id) &&
		    sk_str_eq(sk_str_c(c->local_tag), local_tag))
			return c;
	}
	return NULL;
}

struct sk_call *sk_ua_call_find_in(struct sk_ua *ua, struct sk_str call_id, struct sk_str from_tag,
                                   uint32_t cseq)
{
	for (struct sk_hnode *n = sk_htab_first(&ua->calls, hash_call_id(ua, call_id)); n;
	     n = sk_htab_next(n)) {
		struct sk_call *c = call_of(n);
		if (c->dir == SK_CALL_IN && c->in_cseq == cseq &&
		    sk_str_eq(sk_str_c(c->call_id), call_id) &&
		    sk_str_eq(sk_str_c(c->in_from_tag), from_tag))
			return c;
	}
	return NULL;
}

static void call_free(struct sk_call *c)
{
	struct sk_ua *ua = c->ua;
	sk_htab_remove(&ua->calls, &c->node);
	sk_timer_stop(sk_stack_timers(ua->stack), &c->t2xx);
	sk_prack_uas_final(c);
	while (c->dialogs) {
		struct dialog *d = c->dialogs;
		c->dialogs = d->next;
		sk_ua_dialog_free(d);
	}
	free(c->call_id);
	free(c->local_tag);
	free(c->local_hdr);
	free(c->contact);
	free(c->sdp);
	free(c->in_from_tag);
	free(c->resp2xx);
	sk_uac_auth_free(c->auth);
	free(c->to_uri);
	free(c->route_hdr);
	free(c);
}

void sk_ua_call_hold(struct sk_call *c)
{
	c->refs++;
}

void sk_ua_call_release(struct sk_call *c)
{
	if (--c->refs == 0 && c->ended)
		call_free(c);
}

void sk_ua_call_discard(struct sk_call *c)
{
	c->ended = true;
	c->refs++;
	sk_ua_call_release(c);
}

void sk_ua_call_bye_done(struct sk_call *c)
{
	if (c->byes)
		c->byes--;
	if (!c->byes && c->end_after_bye)
		sk_ua_call_end(c, (enum sk_call_outcome)c->end_outcome);
}

void sk_ua_call_end(struct sk_call *c, enum sk_call_outcome outcome)
{
	if (c->ended)
		return;
	c->ended = true;
	c->outcome = (uint8_t)outcome;
	c->state = SK_CALL_ENDED;
	sk_uas_stop_2xx(c);
	sk_prack_uas_final(c);
	const struct sk_ua_events *ev = &c->ua->cfg.ev;
	sk_ua_call_hold(c);
	if (ev->ended)
		ev->ended(ev->arg, c);
	sk_ua_call_release(c);
}

void sk_ua_call_reason_from(struct sk_call *c, const struct sk_msg *m)
{
	/* RFC 3326: every Reason value, in order, as the application shows them */
	sk_msg_hdr_join(m, SK_HDR_REASON, c->reason, sizeof(c->reason));
}

/* ---- what the transaction layer hands up ---------------------------------- */

static void on_response(void *arg, struct sk_txn *ct, const struct sk_msg *resp)
{
	struct sk_call *c = arg;
	sk_ua_call_hold(c);
	sk_uac_response(c, ct, resp);
	sk_ua_call_release(c);
}

static void on_uac_failed(void *arg, struct sk_txn *ct, int err)
{
	struct sk_call *c = arg;
	sk_ua_call_hold(c);
	sk_uac_failed(c, ct, err);
	sk_ua_call_release(c);
}

static void on_uas_failed(void *arg, struct sk_txn *st, int err)
{
	struct sk_call *c = arg;
	sk_ua_call_hold(c);
	sk_uas_failed(c, st, err);
	sk_ua_call_release(c);
}

static void on_terminated(void *arg, struct sk_txn *t)
{
	struct sk_call *c = arg;
	if (c->ict == t)
		c->ict = NULL;
	if (c->re_ct == t)
		c->re_ct = NULL;
	sk_uas_terminated(c, t);
	sk_ua_call_release(c);
}

/* The requests a call sends, and those it answers: each holds a reference to it. */
static const struct sk_txn_handler uac_handler = {
    .response = on_response, .failed = on_uac_failed, .terminated = on_terminated};
static const struct sk_txn_handler ua_uas_handler = {.failed = on_uas_failed,
                                                     .terminated = on_terminated};

int sk_ua_request(struct sk_call *c, struct sk_str wire, const struct sk_target *dst,
                  struct sk_txn **out)
{
	struct sk_txn *t = NULL;
	/* on an error nothing was started and no callback comes: no reference taken */
	int rc = sk_txn_request(sk_stack_txl(c->ua->stack), wire, dst, &uac_handler, c, &t);
	if (rc == 0)
		sk_ua_call_hold(c);
	if (out)
		*out = rc == 0 ? t : NULL;
	return rc;
}

void sk_ua_bind(struct sk_call *c, struct sk_txn *st)
{
	sk_txn_bind(st, &ua_uas_handler, c);
	sk_ua_call_hold(c);
}

struct sk_call *sk_ua_call_of(const struct sk_txn *st)
{
	return sk_txn_arg(st, &ua_uas_handler);
}

static void on_request(void *arg, struct sk_txn *st, const struct sk_msg *req,
                       struct sk_txn *invite)
{
	sk_uas_request(arg, st, req, invite);
}

static void on_ack(void *arg, struct sk_txn *ist, const struct sk_msg *ack,
                   const struct sk_flow *flow)
{
	(void)flow;
	sk_uas_ack(arg, ist, ack);
}

static void on_stray(void *arg, const struct sk_msg *resp, const struct sk_flow *flow)
{
	(void)flow;
	const struct sk_cseq *cs = sk_msg_cseq(resp);
	int code = sk_msg_status(resp);
	if (code >= 200 && code < 300 && cs && sk_str_eq(cs->method, SK_STR_LIT("INVITE")))
		sk_uac_stray_2xx(arg, resp);
}

int sk_ua_new(struct sk_ua **out, const struct sk_ua_config *cfg)
{
	if (!out || !cfg || !cfg->stack)
		return -SK_EINVAL;
	struct sk_ua *ua = calloc(1, sizeof(*ua));
	if (!ua)
		return -SK_ENOMEM;
	ua->cfg = *cfg;
	ua->stack = cfg->stack;
	snprintf(ua->user, sizeof(ua->user), "%s", cfg->user ? cfg->user : "sipkit");
	snprintf(ua->agent, sizeof(ua->agent), "%s", cfg->user_agent ? cfg->user_agent : "sipkit");
	ua->cfg.user = ua->user;
	ua->cfg.user_agent = ua->agent;
	if (sk_htab_init(&ua->calls, 256) < 0) {
		free(ua);
		return -SK_ENOMEM;
	}
	struct sk_txl_user u = {
	    .request = on_request, .ack = on_ack, .stray_response = on_stray, .arg = ua};
	sk_stack_set_user(ua->stack, &u);
	*out = ua;
	return 0;
}

void sk_ua_free(struct sk_ua *ua)
{
	if (!ua)
		return;
	struct sk_htab_iter it;
	for (struct sk_hnode *n = sk_htab_iter_first(&it, &ua->calls); n;
	     n = sk_htab_iter_next(&it))
		call_free(call_of(n));
	sk_htab_free(&ua->calls);
	sk_ua_regs_free(ua);
	free(ua);
}

size_t sk_ua_calls(const struct sk_ua *ua)
{
	return sk_htab_count(&ua->calls);
}

struct sk_ua_stats sk_ua_stats(const struct sk_ua *ua)
{
	return ua->st;
}

/* ---- about a call -------------------------------------------------------- */

enum sk_call_dir sk_call_dir(const struct sk_call *c)
{
	return (enum sk_call_dir)c->dir;
}

enum sk_call_state sk_call_state(const struct sk_call *c)
{
	return (enum sk_call_state)c->state;
}

enum sk_call_outcome sk_call_outcome(const struct sk_call *c)
{
	return (enum sk_call_outcome)c->outcome;
}

int sk_call_status(const struct sk_call *c)
{
	return c->status;
}

const char *sk_call_reason(const struct sk_call *c)
{
	return c->reason;
}

const char *sk_call_id(const struct sk_call *c)
{
	return c->call_id;
}

unsigned sk_call_dialogs(const struct sk_call *c)
{
	return c->ndialogs;
}

int sk_call_reinvite_status(const struct sk_call *c)
{
	return c->reinvite_status;
}

unsigned sk_call_auth_answers(const struct sk_call *c)
{
	return sk_uac_auth_answers(c->auth);
}

bool sk_call_cancel_asked(const struct sk_call *c)
{
	return c->cancel_asked;
}

void *sk_call_user(const struct sk_call *c)
{
	return c->user;
}

void sk_call_set_user(struct sk_call *c, void *user)
{
	c->user = user;
}
