/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reliable provisional responses and PRACK (RFC 3262): the option tag
 * negotiation (§3, §4), the callee's reliable provisionals (RSeq, Require:
 * 100rel, retransmitted on T1 doubling until their PRACK, 5xx after 64*T1,
 * one unacknowledged at a time), PRACK matching by RAck (§7.2), and the
 * caller's PRACK for every in-order reliable provisional of every early
 * dialog (§4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua_int.h"

#define TAG_100REL "100rel"

const char *sk_100rel_name(enum sk_100rel m)
{
	static const char *const names[] = {"off", "supported", "required"};
	return (unsigned)m < sizeof(names) / sizeof(names[0]) ? names[m] : "?";
}

bool sk_call_100rel(const struct sk_call *c)
{
	return c->rel100_used;
}

static const struct sk_txn_times *times_of(const struct sk_call *c)
{
	return sk_stack_times(c->ua->stack);
}

/* 1*DIGIT as a 32-bit number (RFC 3262 §7.1, §7.2): 0 or -1. */
static int parse_u32(struct sk_str s, size_t *pos, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = *pos, start = i;
	while (i < s.len && s.p[i] >= '0' && s.p[i] <= '9' && i - start < 11)
		v = v * 10 + (uint64_t)(s.p[i++] - '0');
	if (i == start || v > UINT32_MAX || (i < s.len && s.p[i] >= '0' && s.p[i] <= '9'))
		return -1;
	*out = (uint32_t)v;
	*pos = i;
	return 0;
}

static void skip_lws(struct sk_str s, size_t *pos)
{
	while (*pos < s.len && (s.p[*pos] == ' ' || s.p[*pos] == '\t'))
		(*pos)++;
}

/* RSeq: response-num (§7.1); 0 when absent or malformed (RSeq is 1..2^32-1). */
static uint32_t rseq_of(const struct sk_msg *m)
{
	const struct sk_hdr *h = sk_msg_hdr_first(m, SK_HDR_RSEQ);
	uint32_t v = 0;
	size_t pos = 0;
	if (!h || parse_u32(h->value, &pos, &v) < 0 || pos != h->value.len)
		return 0;
	return v;
}

/* RAck: response-num LWS CSeq-num LWS Method (§7.2). */
struct rack {
	uint32_t rseq, cseq;
	struct sk_str method;
};

static int rack_of(const struct sk_msg *m, struct rack *r)
{
	const struct sk_hdr *h = sk_msg_hdr_first(m, SK_HDR_RACK);
	size_t pos = 0;
	if (!h || parse_u32(h->value, &pos, &r->rseq) < 0 || r->rseq == 0)
		return -SK_EMALFORMED;
	skip_lws(h->value, &pos);
	if (parse_u32(h->value, &pos, &r->cseq) < 0)
		return -SK_EMALFORMED;
	skip_lws(h->value, &pos);
	r->method = (struct sk_str){h->value.p + pos, h->value.len - pos};
	if (!r->method.len || memchr(r->method.p, ' ', r->method.len))
		return -SK_EMALFORMED;
	return 0;
}

/* ---- negotiation ------------------------------------------------------------ */

size_t sk_prack_unsupported(const struct sk_ua *ua, const struct sk_msg *req, char *buf,
                            size_t size)
{
	struct sk_list_iter it = {0};
	struct sk_str v;
	size_t n = 0, used = 0;
	if (size)
		buf[0] = '\0';
	/* §8.2.2.3: every tag we do not support goes into Unsupported; 100rel is ours
	 * unless switched off (RFC 3262 §3: then 420) */
	while (sk_msg_list_next(req, SK_HDR_REQUIRE, &it, &v) == 1) {
		if (ua->cfg.rel100 != SK_100REL_OFF && sk_str_caseeq_c(v, TAG_100REL))
			continue;
		int w = snprintf(buf + used, size - used, "%s%.*s", n ? ", " : "", (int)v.len, v.p);
		if (w < 0 || (size_t)w >= size - used) {
			buf[used] = '\0';
			return n ? n : 1;
		}
		used += (size_t)w;
		n++;
	}
	return n;
}

static bool asks_100rel(const struct sk_msg *m, enum sk_hdr_id id)
{
	return sk_msg_list_has(m, id, TAG_100REL);
}

bool sk_prack_needs_421(const struct sk_ua *ua, const struct sk_msg *invite)
{
	/* RFC 3261 §21.4.16: we insist on 100rel and the caller does not know it */
	return ua->cfg.rel100 == SK_100REL_REQUIRED && !asks_100rel(invite, SK_HDR_SUPPORTED) &&
	       !asks_100rel(invite, SK_HDR_REQUIRE);
}

const char *sk_prack_invite_hdr(const struct sk_ua *ua)
{
	/* RFC 3262 §4: Supported in every INVITE (SHOULD), Require to insist */
	switch (ua->cfg.rel100) {
	case SK_100REL_SUPPORTED: return "Supported: " TAG_100REL "\r\n";
	case SK_100REL_REQUIRED: return "Require: " TAG_100REL "\r\n";
	default: return "";
	}
}

/* ---- the callee: reliable provisionals (§3) --------------------------------- */

static void rel_stop(struct sk_call *c)
{
	struct rel_uas *r = &c->rel;
	sk_timer_stop(sk_stack_timers(c->ua->stack), &r->t);
	free(r->wire);
	r->wire = NULL;
	r->len = 0;
}

void sk_prack_uas_final(struct sk_call *c)
{
	/* §3: after a final the unacknowledged one is not retransmitted any more,
	 * but its PRACK is still answered 200 (unacked stays); nothing new is sent */
	rel_stop(c);
	c->rel.queued = 0;
}

static void rel_fired(void *arg);

void sk_prack_uas_start(struct sk_call *c, struct sk_txn *st, const struct sk_msg *invite,
                        uint32_t cseq)
{
	struct rel_uas *r = &c->rel;
	rel_stop(c);
	enum sk_100rel mode = c->ua->cfg.rel100;
	/* §3: MUST when required (else 420, done by the checks), MAY when supported:
	 * we do when our setting is `required` */
	bool required = asks_100rel(invite, SK_HDR_REQUIRE);
	bool supported = asks_100rel(invite, SK_HDR_SUPPORTED);
	*r = (struct rel_uas){.on = mode != SK_100REL_OFF &&
	                            (required || (supported && mode == SK_100REL_REQUIRED)),
	                      .st = st,
	                      .cseq = cseq};
	sk_timer_init(&r->t, rel_fired, c);
	if (r->on)
		c->rel100_used = true;
}

static int rel_send(struct sk_call *c, int code)
{
	struct rel_uas *r = &c->rel;
	char extra[300];
	/* §3: the first RSeq uniform in 1..2^31-1, then exactly one more each */
	uint32_t rseq =
	    r->started ? r->rseq + 1
	               : 1u + (uint32_t)sk_rng_below(sk_stack_rng(c->ua->stack), 0x7fffffffu - 1u);
	if (r->started && r->rseq == UINT32_MAX)
		return -SK_ESTATE; /* §3: RSeq never wraps */
	snprintf(extra, sizeof(extra), "Contact: <%s>\r\nRequire: " TAG_100REL "\r\nRSeq: %u\r\n",
	         c->contact, (unsigned)rseq);
	struct sk_str kept = {0};
	char *wire = NULL;
	int rc = sk_uas_respond(r->st, code, NULL, c->local_tag, extra, NULL, &kept, &wire);
	if (rc < 0) {
		free(wire);
		return rc;
	}
	if (!r->started)
		r->first = rseq;
	r->started = true;
	r->rseq = rseq;
	r->unacked = true;
	r->wire = wire;
	r->len = kept.len;
	r->interval = times_of(c)->t1;
	r->since = sk_stack_now(c->ua->stack);
	c->ua->st.rel1xx_sent++;
	sk_timer_start(sk_stack_timers(c->ua->stack), &r->t, r->interval);
	return 0;
}

int sk_prack_uas_ring(struct sk_call *c, struct sk_txn *st, int code)
{
	struct rel_uas *r = &c->rel;
	if (!r->on || st != r->st)
		return 1;
	/* §3: not a second one before the first (or the previous) is acknowledged:
	 * it waits, one slot, the newest code replacing an older one */
	if (r->unacked) {
		r->queued = code;
		return 0;
	}
	return rel_send(c, code);
}

static void rel_fired(void *arg)
{
	struct sk_call *c = arg;
	struct rel_uas *r = &c->rel;
	struct sk_ua *ua = c->ua;
	uint64_t now = sk_stack_now(ua->stack), limit = 64ull * times_of(c)->t1;
	if (now - r->since >= limit) {
		/* §3: no PRACK within 64*T1: the INVITE is rejected with a 5xx */
		sk_logf(sk_ua_log(ua), SK_LOG_WARN,
		        "ua %s: no PRACK for RSeq %u within 64*T1: INVITE rejected 500", c->call_id,
		        (unsigned)r->rseq);
		rel_stop(c);
		ua->st.prack_timeouts++;
		sk_ua_call_hold(c);
		sk_call_reject(c, 500, "Reliable Provisional Response Not Acknowledged");
		sk_ua_call_release(c);
		return;
	}
	/* §3: passed to the transaction again, T1 doubling, not capped at T2 */
	if (sk_txn_respond(r->st, (struct sk_str){r->wire, r->len}) == 0)
		ua->st.rel1xx_retransmits++;
	r->interval *= 2;
	uint64_t left = limit - (now - r->since);
	sk_timer_start(sk_stack_timers(ua->stack), &r->t, r->interval < left ? r->interval : left);
}

void sk_prack_request(struct sk_call *c, struct sk_txn *st, const struct sk_msg *req)
{
	struct rel_uas *r = &c->rel;
	struct rack ra;
	c->ua->st.pracks_received++;
	if (rack_of(req, &ra) < 0) { /* §7.2: RAck is mandatory in a PRACK */
		sk_uas_reject(c->ua, st, 400, NULL);
		return;
	}
	bool for_invite =
	    r->started && ra.cseq == r->cseq && sk_str_eq(ra.method, SK_STR_LIT("INVITE"));
	if (for_invite && r->unacked && ra.rseq == r->rseq) {
		/* §3: the matching PRACK: 200, retransmissions cease */
		rel_stop(c);
		r->unacked = false;
		sk_txn_reply(st, 200, NULL, NULL);
		int queued = r->queued;
		r->queued = 0;
		if (queued && !c->ended && r->st && sk_txn_status(r->st) < 200)
			rel_send(c, queued);
		return;
	}
	if (for_invite && ra.rseq >= r->first && ra.rseq <= r->rseq) {
		/* a PRACK for one acknowledged already (a second PRACK, not a
		 * retransmission, which the transaction absorbs): 200, nothing else */
		sk_txn_reply(st, 200, NULL, NULL);
		return;
	}
	sk_uas_reject(c->ua, st, 481, NULL); /* §3: matches no unacknowledged one */
}

/* ---- the caller: PRACK (§4) -------------------------------------------------- */

static int send_prack(struct sk_call *c, struct dialog *d, uint32_t rseq, uint32_t invite_cseq)
{
	struct sk_build *b;
	struct sk_target dst;
	struct sk_str wire;
	char rack[64];
	uint32_t cseq = ++c->local_cseq;
	snprintf(rack, sizeof(rack), "RAck: %u %u INVITE\r\n", (unsigned)rseq,
	         (unsigned)invite_cseq);
	/* §4, §7: a request in the early dialog of the provisional, as any other */
	int rc = sk_ua_dialog_request(c, d, "PRACK", cseq, rack, NULL, &b, &dst);
	if (rc < 0)
		return rc;
	if ((rc = sk_build_finish(b, &wire)) == 0)
		rc = sk_ua_request(c, wire, &dst, NULL);
	sk_build_free(b);
	if (rc == 0) {
		d->prack_pending = true;
		d->prack_cseq = cseq;
		c->ua->st.pracks_sent++;
	}
	return rc;
}

bool sk_prack_uac_provisional(struct sk_call *c, const struct sk_msg *resp)
{
	int code = sk_msg_status(resp);
	/* §4: 100rel in Require of a 101-199 marks it reliable; off: not ours to PRACK */
	if (code <= 100 || code >= 200 || c->ua->cfg.rel100 == SK_100REL_OFF ||
	    !asks_100rel(resp, SK_HDR_REQUIRE))
		return true;
	uint32_t rseq = rseq_of(resp);
	const struct sk_cseq *cs = sk_msg_cseq(resp);
	/* §4: it establishes the dialog; without a To tag or RSeq it cannot be PRACKed */
	struct dialog *d = rseq ? sk_ua_dialog_from_response(c, resp) : NULL;
	if (!d || !cs) {
		c->ua->st.rel1xx_discarded++;
		return false;
	}
	/* §4: the first sets the sequence; later ones must be exactly one higher:
	 * a retransmission (same or lower RSeq) or a jump is discarded unPRACKed.
	 * One PRACK of ours at a time per dialog: a hostile callee cannot make
	 * us hold more; the callee retransmits what we passed over */
	if ((d->rseq_set && (uint64_t)rseq != (uint64_t)d->rseq + 1) || d->prack_pending) {
		c->ua->st.rel1xx_discarded++;
		return false;
	}
	d->rseq = rseq;
	d->rseq_set = true;
	c->rel100_used = true;
	if (sk_msg_body(resp).len)
		c->oa_done = true; /* RFC 3262 §5: an answer in a reliable provisional */
	int rc = send_prack(c, d, rseq, cs->num);
	if (rc < 0)
		sk_logf(sk_ua_log(c->ua), SK_LOG_WARN, "ua %s: PRACK not sent: %s", c->call_id,
		        sk_strerror(rc));
	return true;
}

void sk_prack_uac_done(struct sk_call *c, struct sk_txn *ct, const struct sk_msg *resp)
{
	const struct sk_msg *req = resp ? resp : sk_txn_msg(ct);
	const struct sk_addr *to = req ? sk_msg_to(req) : NULL;
	const struct sk_cseq *cs = req ? sk_msg_cseq(req) : NULL;
	struct dialog *d = to && cs ? sk_ua_dialog_find(c, to->tag) : NULL;
	if (d && d->prack_pending && d->prack_cseq == cs->num)
		d->prack_pending = false;
	/* a PRACK answered 481 or lost changes nothing else: the INVITE goes on and
	 * ends with its own final (§3: the callee gives up with a 5xx) */
}
