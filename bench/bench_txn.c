/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * bench-txn: what the transaction layer costs, in time and memory.
 *
 *   bench-txn [--count N] [--live N] [--corpus DIR]
 *
 * One stack (sk_tp on a simnet node, sk_txl) on a virtual clock: timers cost
 * what they cost, nothing sleeps. The simnet link drops every datagram at
 * once (loss_pm 1000), so what the layer sends goes nowhere, and requests and
 * responses are fed straight into the layer the way the transport does it:
 * sk_msg_parse, sk_tp_stamp_request for a request, sk_txl_input. Each
 * transaction has its own top Via branch and Call-ID (12 hex digits of a
 * counter written over the template's), so every one is new to the layer.
 *
 * Life cycles, N transactions each (--count; by default a number that takes
 * about 2 s here), virtual time moving STEP_MS per transaction, so that in
 * steady state the transactions of the last T4 (IST) or 32 s (NIST, ICT) are
 * live, waiting for their last timer. The run is cut in ROUNDS+1 slices; the
 * first warms up, the best of the others is reported:
 *
 *   txn server-lifecycle <txn/s>   IMS INVITE in; the user answers 180 and 486
 *                                  in the request callback; the INVITE again
 *                                  (486 resent); the ACK (Confirmed); Timer I
 *   txn server-lifecycle-late      the same, the 486 sent after the callback
 *                                  (the stored INVITE is parsed again then)
 *   txn nist-lifecycle             REGISTER in, 200 in the callback, the
 *                                  REGISTER again (200 resent), Timer J
 *   txn client-lifecycle           sk_txn_request(INVITE without Via and
 *                                  Record-Route), 180 and 487 in (the layer
 *                                  sends the ACK), Timer D
 *   txn <name>-ns <ns/txn>         the same figure as time per transaction
 *   txn parse-only-<ist|nist|ict>  sk_msg_parse alone of the messages fed in
 *                                  per transaction, to subtract
 *
 * Memory and matching with many live INVITE server transactions (--live,
 * default 1,000,000), each in Proceeding after its user answered 180:
 *
 *   txn invite-bytes <B>           the INVITE, which each one keeps a copy of
 *   txn ringing-bytes <B>          the 180, which each one keeps to resend
 *   txn live-ist-bytes <B/txn>     heap in use (mallinfo2) after minus before
 *                                  creating them, divided by their number
 *   txn live-ist-create <s>        wall time to feed them in
 *   txn live-ist-create-sys <s>    of which in the kernel (first touch of the pages)
 *   txn live-ist-free <s>          wall time of sk_txl_free on them
 *   txn lookup-1M <ns>             sk_txl_input of an INVITE retransmission of a
 *                                  random one of the --live (already parsed
 *                                  and stamped): matched, 180 resent
 *   txn lookup-1k <ns>             the same with 1,000 live
 *
 * A problem (a transaction not matched, an unexpected callback, one left
 * over) prints an "error" line and makes the exit status 1. Timing is never
 * checked.
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>

#include "sipkit/core.h"
#include "sipkit/msg.h"
#include "sipkit/transport.h"
#include "sipkit/txn.h"

#define ROUNDS       5
#define STEP_MS      1      /* virtual time per transaction: 1,000 new per second */
#define DRAIN_MS     300000 /* longer than any transaction's last timer */
#define KEY_DIGITS   12     /* hex digits of the counter in branch and Call-ID */
#define LOOKUP_BATCH 256    /* retransmissions parsed before each timed batch */
#define LOOKUPS      (1u << 19)
#define SMALL_LIVE   1000
#define TO_TAG       "bench-uas-8f2a"
#define COOKIE_LEN   7 /* "z9hG4bK" */

/* ---- one stack ----------------------------------------------------------- */

/* What the user (the request callback) answers a new server transaction. */
enum answer {
	ANSWER_BUSY, /* 180, then 486 Busy Here */
	ANSWER_RING, /* 180 only */
	ANSWER_OK,   /* 200 (non-INVITE) */
};

struct stack {
	struct sk_clock *clock;
	struct sk_timers *timers;
	struct sk_simnet *sn;
	struct sk_net *net;
	struct sk_tp *tp;
	struct sk_txl *txl;
	struct sk_flow flow;  /* every message comes in on it */
	struct sk_target dst; /* client requests go there */
	struct sk_msg *m;     /* the transport's message, reused */
	enum answer answer;
	struct sk_txn *last; /* the last new server transaction */
	uint64_t requests, responses, terminated, errors;
};

static const struct sk_txn_handler bench_handler;

static void on_request(void *arg, struct sk_txn *st, const struct sk_msg *req,
                       struct sk_txn *invite)
{
	struct stack *s = arg;
	sk_txn_bind(st, &bench_handler, s);
	int rc = 0;
	(void)req;
	(void)invite;
	s->requests++;
	s->last = st;
	switch (s->answer) {
	case ANSWER_BUSY:
		if ((rc = sk_txn_reply(st, 180, NULL, TO_TAG)) == 0)
			rc = sk_txn_reply(st, 486, NULL, TO_TAG);
		break;
	case ANSWER_RING: rc = sk_txn_reply(st, 180, NULL, TO_TAG); break;
	case ANSWER_OK: rc = sk_txn_reply(st, 200, NULL, TO_TAG); break;
	}
	if (rc < 0)
		s->errors++;
}

/* Every ACK here is for a non-2xx final: absorbed by its transaction, never handed up. */
static void on_ack(void *arg, struct sk_txn *ist, const struct sk_msg *ack,
                   const struct sk_flow *flow)
{
	struct stack *s = arg;
	(void)ist;
	(void)ack;
	(void)flow;
	s->errors++;
}

static void on_response(void *arg, struct sk_txn *ct, const struct sk_msg *resp)
{
	struct stack *s = arg;
	(void)ct;
	(void)resp;
	s->responses++;
}

static void on_stray(void *arg, const struct sk_msg *resp, const struct sk_flow *flow)
{
	struct stack *s = arg;
	(void)resp;
	(void)flow;
	s->errors++;
}

static void on_failed(void *arg, struct sk_txn *t, int err)
{
	struct stack *s = arg;
	(void)t;
	(void)err;
	s->errors++;
}

static void on_terminated(void *arg, struct sk_txn *t)
{
	struct stack *s = arg;
	(void)t;
	s->terminated++;
}

static const struct sk_txn_handler bench_handler = {
    .response = on_response, .failed = on_failed, .terminated = on_terminated};

static void stack_free(struct stack *s)
{
	sk_msg_free(s->m);
	sk_txl_free(s->txl);
	sk_tp_free(s->tp);
	sk_net_free(s->net);
	sk_simnet_free(s->sn);
	sk_timers_free(s->timers);
	sk_clock_free(s->clock);
	memset(s, 0, sizeof(*s));
}

/* We are 10.0.0.1:5060 (UDP only, so no request moves to TCP for its size); the peer 10.0.0.2. */
static int stack_new(struct stack *s, enum answer answer)
{
	struct sk_sa local, remote;
	struct sk_simnet_link link = {.loss_pm = 1000};
	struct sk_txl_user u = {
	    .request = on_request, .ack = on_ack, .stray_response = on_stray, .arg = s};
	struct sk_tp_user up;

	memset(s, 0, sizeof(*s));
	s->answer = answer;
	if (sk_sa_from_host(&local, SK_STR_LIT("10.0.0.1"), 5060) < 0 ||
	    sk_sa_from_host(&remote, SK_STR_LIT("10.0.0.2"), 5060) < 0)
		return -1;
	if (sk_clock_new_virtual(&s->clock, 1000000) < 0 ||
	    sk_timers_new(&s->timers, s->clock) < 0 || sk_simnet_new(&s->sn, s->timers, 1) < 0 ||
	    sk_simnet_node(s->sn, &s->net) < 0)
		goto fail;
	sk_simnet_set_link(s->sn, &link);
	struct sk_tp_config tc = {.timers = s->timers, .net = s->net, .seed = 1};
	if (sk_tp_new(&s->tp, &tc, NULL) < 0)
		goto fail;
	/* the live-ist measurement holds a million: above the layer's default cap */
	struct sk_txl_config xc = {.timers = s->timers, .tp = s->tp, .max_transactions = 4000000};
	if (sk_txl_new(&s->txl, &xc, &u) < 0)
		goto fail;
	up = sk_txl_tp_user(s->txl);
	sk_tp_set_user(s->tp, &up);
	if (sk_tp_listen(s->tp, SK_PROTO_UDP, &local, NULL) < 0 || sk_msg_new(&s->m, NULL) < 0)
		goto fail;
	s->flow = (struct sk_flow){.proto = SK_PROTO_UDP, .local = local, .remote = remote};
	s->dst = (struct sk_target){.proto = SK_PROTO_UDP, .addr = remote};
	return 0;
fail:
	stack_free(s);
	return -1;
}

/* What the transport does with a datagram: parse, stamp a request, hand it up. */
static void input(struct stack *s, const char *buf, size_t len)
{
	struct sk_parse_err err;
	if (sk_msg_parse(s->m, buf, len, &err) < 0 ||
	    (sk_msg_is_request(s->m) && sk_tp_stamp_request(s->m, &s->flow) < 0)) {
		s->errors++;
		return;
	}
	sk_txl_input(s->txl, s->m, &s->flow);
}

/* The parse alone, for the parse-only figures. */
static void parse(struct stack *s, const char *buf, size_t len)
{
	struct sk_parse_err err;
	if (sk_msg_parse(s->m, buf, len, &err) < 0)
		s->errors++;
}

/* ---- messages ------------------------------------------------------------ */

/*
 * A message whose top Via branch (if it has a Via) and Call-ID carry a key:
 * KEY_DIGITS hex digits written over the template's, after the branch's
 * magic cookie and at the start of the Call-ID, so the size never changes.
 */
struct tpl {
	char *buf;
	size_t len;
	size_t branch_at, branch_len; /* the whole branch value; branch_len 0: no Via */
	size_t callid_at;
};

static void put_hex(char *p, uint64_t v)
{
	for (int i = KEY_DIGITS - 1; i >= 0; i--) {
		p[i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	}
}

static void tpl_key(struct tpl *t, uint64_t key)
{
	if (t->branch_len)
		put_hex(t->buf + t->branch_at + COOKIE_LEN, key);
	put_hex(t->buf + t->callid_at, key);
}

static void tpl_free(struct tpl *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

static bool within(const struct tpl *t, struct sk_str s)
{
	return s.p >= t->buf && s.p + s.len <= t->buf + t->len;
}

/* Takes a copy of buf and finds where the keys go. */
static int tpl_init(struct tpl *t, const char *what, const char *buf, size_t len)
{
	struct sk_msg *m;
	struct sk_parse_err err = {0};
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (!(t->buf = malloc(len + 1)) || sk_msg_new(&m, NULL) < 0) {
		fprintf(stderr, "bench-txn: out of memory\n");
		return -1;
	}
	memcpy(t->buf, buf, len);
	t->buf[len] = '\0';
	t->len = len;
	if (sk_msg_parse(m, t->buf, t->len, &err) < 0) {
		fprintf(stderr, "bench-txn: %s: line %u: %s\n", what, err.line,
		        err.why ? err.why : "parse error");
		goto out;
	}
	if (sk_msg_via_count(m)) {
		const struct sk_via *v = sk_msg_via(m, 0);
		if (!sk_via_branch_is_3261(v) || v->branch.len < COOKIE_LEN + KEY_DIGITS ||
		    !within(t, v->branch)) {
			fprintf(stderr,
			        "bench-txn: %s: the top Via needs a z9hG4bK branch of %d "
			        "characters or more\n",
			        what, COOKIE_LEN + KEY_DIGITS);
			goto out;
		}
		t->branch_at = (size_t)(v->branch.p - t->buf);
		t->branch_len = v->branch.len;
	}
	struct sk_str cid = sk_msg_call_id(m);
	if (cid.len < KEY_DIGITS || !within(t, cid)) {
		fprintf(stderr, "bench-txn: %s: needs a Call-ID of %d characters or more\n", what,
		        KEY_DIGITS);
		goto out;
	}
	t->callid_at = (size_t)(cid.p - t->buf);
	rc = 0;
out:
	sk_msg_free(m);
	return rc;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!fp || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0 || !(buf = malloc((size_t)n + 1)) ||
	    fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		perror(path);
		free(buf);
		if (fp)
			fclose(fp);
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* A header line named name (or its compact form c, 0: none). */
static bool hdr_is(const char *l, size_t n, const char *name, char c)
{
	size_t k = strlen(name);
	if (n > k && strncasecmp(l, name, k) == 0 && (l[k] == ':' || l[k] == ' ' || l[k] == '\t'))
		return true;
	return c && n > 1 && (l[0] | 0x20) == c && (l[1] == ':' || l[1] == ' ' || l[1] == '\t');
}

/* The request without its Via and Record-Route lines: what a UAC hands to sk_txn_request. */
static size_t strip_hdrs(char *buf, size_t len)
{
	size_t in = 0, out = 0;
	bool skipping = false, body = false;

	while (in < len) {
		const char *eol = memchr(buf + in, '\n', len - in);
		size_t n = eol ? (size_t)(eol - (buf + in)) + 1 : len - in;
		const char *l = buf + in;
		if (!body) {
			if (n <= 2 && (l[0] == '\r' || l[0] == '\n'))
				body = true;
			else if (l[0] != ' ' && l[0] != '\t') /* not a continuation */
				skipping =
				    hdr_is(l, n, "Via", 'v') || hdr_is(l, n, "Record-Route", 0);
		}
		if (body || !skipping) {
			memmove(buf + out, l, n);
			out += n;
		}
		in += n;
	}
	return out;
}

/* Builds a response to req into a template. */
static int response_tpl(struct tpl *t, const char *what, const struct sk_msg *req, int code)
{
	struct sk_build *b;
	struct sk_str wire;
	int rc = sk_build_response_to(&b, req, code, NULL, TO_TAG);
	if (rc < 0) {
		fprintf(stderr, "bench-txn: %s: %s\n", what, sk_strerror(rc));
		return -1;
	}
	if ((rc = sk_build_finish(b, &wire)) == 0)
		rc = tpl_init(t, what, wire.p, wire.len);
	sk_build_free(b);
	return rc < 0 ? -1 : 0;
}

struct msgs {
	struct tpl inv;  /* the IMS INVITE, from an S-CSCF */
	struct tpl ack;  /* its ACK for a 486 (sk_build_ack) */
	struct tpl reg;  /* the IMS REGISTER, from a P-CSCF */
	struct tpl cinv; /* the INVITE without Via and Record-Route, for sk_txn_request */
	struct tpl r180; /* 180 and 487 to cinv as the layer sends it */
	struct tpl r487;
	size_t ringing_len; /* the 180 the server sends to inv */
};

static void msgs_free(struct msgs *x)
{
	tpl_free(&x->inv);
	tpl_free(&x->ack);
	tpl_free(&x->reg);
	tpl_free(&x->cinv);
	tpl_free(&x->r180);
	tpl_free(&x->r487);
}

/* The ACK a client transaction sends for our 486 (§17.1.1.3): the INVITE's top Via only. */
static int make_ack(struct msgs *x)
{
	struct sk_msg *inv = NULL, *resp = NULL;
	struct sk_build *b = NULL;
	struct sk_parse_err err;
	struct sk_str wire;
	struct tpl r486 = {0};
	int rc = -1;

	if (sk_msg_new(&inv, NULL) < 0 || sk_msg_new(&resp, NULL) < 0 ||
	    sk_msg_parse(inv, x->inv.buf, x->inv.len, &err) < 0 ||
	    response_tpl(&r486, "486", inv, 486) < 0 ||
	    sk_msg_parse(resp, r486.buf, r486.len, &err) < 0 || sk_build_ack(&b, inv, resp) < 0 ||
	    sk_build_finish(b, &wire) < 0)
		fprintf(stderr, "bench-txn: cannot build the ACK\n");
	else
		rc = tpl_init(&x->ack, "ACK", wire.p, wire.len);
	sk_build_free(b);
	tpl_free(&r486);
	sk_msg_free(inv);
	sk_msg_free(resp);
	return rc;
}

/*
 * 180 and 487 to the client INVITE as the layer sends it (our Via, its branch
 * overwritten per transaction), built by the peer from the request as it
 * received it (stamped with received and rport).
 */
static int make_client_responses(struct msgs *x)
{
	struct stack s;
	struct sk_txn *ct = NULL;
	struct sk_msg *req = NULL;
	struct sk_parse_err err;
	int rc = -1;

	if (stack_new(&s, ANSWER_OK) < 0)
		return -1;
	if (sk_txn_request(s.txl, (struct sk_str){x->cinv.buf, x->cinv.len}, &s.dst, &bench_handler,
	                   &s, &ct) < 0 ||
	    !ct || sk_msg_new(&req, NULL) < 0) {
		fprintf(stderr, "bench-txn: sk_txn_request failed\n");
		goto out;
	}
	struct sk_str raw = sk_msg_raw(sk_txn_msg(ct));
	struct sk_flow at_peer = {
	    .proto = SK_PROTO_UDP, .local = s.flow.remote, .remote = s.flow.local};
	if (sk_msg_parse_copy(req, raw.p, raw.len, &err) < 0 ||
	    sk_tp_stamp_request(req, &at_peer) < 0) {
		fprintf(stderr, "bench-txn: the request sent does not parse\n");
		goto out;
	}
	if (response_tpl(&x->r180, "180", req, 180) < 0 ||
	    response_tpl(&x->r487, "487", req, 487) < 0)
		goto out;
	if (x->r180.branch_len != sk_txn_branch(ct).len ||
	    x->r487.branch_len != sk_txn_branch(ct).len) {
		fprintf(stderr, "bench-txn: the responses' branch is not the request's\n");
		goto out;
	}
	rc = 0;
out:
	sk_msg_free(req);
	stack_free(&s);
	return rc;
}

static int load_msgs(struct msgs *x, const char *dir)
{
	char path[4096];
	size_t len;
	char *buf;
	int rc;

	memset(x, 0, sizeof(*x));
	snprintf(path, sizeof(path), "%s/01-invite.sip", dir);
	if (!(buf = read_file(path, &len)))
		return -1;
	rc = tpl_init(&x->inv, path, buf, len);
	if (rc == 0) {
		len = strip_hdrs(buf, len);
		rc = tpl_init(&x->cinv, "INVITE without Via", buf, len);
	}
	free(buf);
	if (rc < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/10-register.sip", dir);
	if (!(buf = read_file(path, &len)))
		return -1;
	rc = tpl_init(&x->reg, path, buf, len);
	free(buf);
	if (rc < 0 || make_ack(x) < 0 || make_client_responses(x) < 0)
		return -1;
	return 0;
}

/* ---- life cycles --------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef void (*step_fn)(struct stack *s, struct msgs *x, uint64_t key);

/* INVITE (180, 486 in the callback), INVITE again (486 resent), ACK (Confirmed). */
static void ist_busy(struct stack *s, struct msgs *x, uint64_t key)
{
	tpl_key(&x->inv, key);
	input(s, x->inv.buf, x->inv.len);
	input(s, x->inv.buf, x->inv.len);
	tpl_key(&x->ack, key);
	input(s, x->ack.buf, x->ack.len);
	sk_timers_advance(s->timers, STEP_MS);
}

/* INVITE (180 in the callback), INVITE again (180 resent), 486 later, ACK. */
static void ist_late(struct stack *s, struct msgs *x, uint64_t key)
{
	tpl_key(&x->inv, key);
	s->last = NULL;
	input(s, x->inv.buf, x->inv.len);
	input(s, x->inv.buf, x->inv.len);
	if (!s->last || sk_txn_reply(s->last, 486, NULL, TO_TAG) < 0)
		s->errors++;
	tpl_key(&x->ack, key);
	input(s, x->ack.buf, x->ack.len);
	sk_timers_advance(s->timers, STEP_MS);
}

static void ist_parse(struct stack *s, struct msgs *x, uint64_t key)
{
	tpl_key(&x->inv, key);
	parse(s, x->inv.buf, x->inv.len);
	parse(s, x->inv.buf, x->inv.len);
	tpl_key(&x->ack, key);
	parse(s, x->ack.buf, x->ack.len);
}

/* REGISTER (200 in the callback), REGISTER again (200 resent). */
static void nist(struct stack *s, struct msgs *x, uint64_t key)
{
	tpl_key(&x->reg, key);
	input(s, x->reg.buf, x->reg.len);
	input(s, x->reg.buf, x->reg.len);
	sk_timers_advance(s->timers, STEP_MS);
}

static void nist_parse(struct stack *s, struct msgs *x, uint64_t key)
{
	tpl_key(&x->reg, key);
	parse(s, x->reg.buf, x->reg.len);
	parse(s, x->reg.buf, x->reg.len);
}

/* sk_txn_request(INVITE), 180 in, 487 in (the layer ACKs). */
static void ict(struct stack *s, struct msgs *x, uint64_t key)
{
	struct sk_txn *ct;
	tpl_key(&x->cinv, key);
	if (sk_txn_request(s->txl, (struct sk_str){x->cinv.buf, x->cinv.len}, &s->dst,
	                   &bench_handler, s, &ct) < 0) {
		s->errors++;
		return;
	}
	struct sk_str branch = sk_txn_branch(ct);
	if (branch.len != x->r180.branch_len) {
		s->errors++;
		return;
	}
	memcpy(x->r180.buf + x->r180.branch_at, branch.p, branch.len);
	memcpy(x->r487.buf + x->r487.branch_at, branch.p, branch.len);
	put_hex(x->r180.buf + x->r180.callid_at, key);
	put_hex(x->r487.buf + x->r487.callid_at, key);
	input(s, x->r180.buf, x->r180.len);
	input(s, x->r487.buf, x->r487.len);
	sk_timers_advance(s->timers, STEP_MS);
}

static void ict_parse(struct stack *s, struct msgs *x, uint64_t key)
{
	put_hex(x->r180.buf + x->r180.callid_at, key);
	put_hex(x->r487.buf + x->r487.callid_at, key);
	parse(s, x->r180.buf, x->r180.len);
	parse(s, x->r487.buf, x->r487.len);
}

/* count steps in ROUNDS+1 slices; the first warms up. The best slice, in ns per step. */
static double run_slices(struct stack *s, struct msgs *x, step_fn fn, uint64_t count, uint64_t *key)
{
	uint64_t slice = count / (ROUNDS + 1);
	double best = 0;

	if (!slice)
		slice = 1;
	for (int r = 0; r <= ROUNDS; r++) {
		double t0 = now_s(), ns;
		for (uint64_t i = 0; i < slice; i++)
			fn(s, x, (*key)++);
		ns = (now_s() - t0) * 1e9 / (double)slice;
		if (r > 0 && (best == 0 || ns < best))
			best = ns;
	}
	return best;
}

static uint64_t problems;

static void problem(const char *fig, const char *what, uint64_t got, uint64_t want)
{
	printf("error %s: %s %llu, expected %llu\n", fig, what, (unsigned long long)got,
	       (unsigned long long)want);
	problems++;
}

/*
 * One life-cycle figure: `count` transactions, then virtual time until every
 * one is gone. Every transaction must have come to the user once (server) or
 * brought it its responses (client), sent what it should, and ended.
 */
static int lifecycle(const char *name, step_fn fn, enum answer answer, struct msgs *x,
                     uint64_t count, uint64_t sends_per_txn, bool client)
{
	struct stack s;
	uint64_t key = 1, n;
	double ns;

	if (stack_new(&s, answer) < 0)
		return -1;
	ns = run_slices(&s, x, fn, count, &key);
	n = key - 1;
	sk_timers_advance(s.timers, DRAIN_MS);
	struct sk_simnet_stats st = sk_simnet_stats(s.sn);
	if (s.errors)
		problem(name, "errors (failed, stray, unexpected callbacks)", s.errors, 0);
	if (client && s.responses != 2 * n)
		problem(name, "responses", s.responses, 2 * n);
	if (!client && s.requests != n)
		problem(name, "new server transactions", s.requests, n);
	if (s.terminated != n)
		problem(name, "terminated", s.terminated, n);
	if (sk_txl_count(s.txl) != 0)
		problem(name, "left over", sk_txl_count(s.txl), 0);
	if (st.sent != sends_per_txn * n || st.lost != st.sent)
		problem(name, "datagrams sent", st.sent, sends_per_txn * n);
	printf("txn %s %.0f txn/s\n", name, 1e9 / ns);
	printf("txn %s-ns %.0f ns/txn\n", name, ns);
	fflush(stdout);
	stack_free(&s);
	return 0;
}

static int parse_only(const char *name, step_fn fn, struct msgs *x, uint64_t count)
{
	struct stack s;
	uint64_t key = 1;
	double ns;

	if (stack_new(&s, ANSWER_OK) < 0)
		return -1;
	ns = run_slices(&s, x, fn, count, &key);
	if (s.errors)
		problem(name, "parse errors", s.errors, 0);
	printf("txn %s %.0f ns/txn\n", name, ns);
	fflush(stdout);
	stack_free(&s);
	return 0;
}

/* ---- many live INVITE server transactions --------------------------------- */

static double sys_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static size_t last_len;

static void record_len(void *arg, struct sk_simnet_packet *p)
{
	(void)arg;
	last_len = p->len;
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/*
 * sk_txl_input of INVITE retransmissions of random live transactions (keys
 * 1..n): LOOKUP_BATCH of them parsed and stamped, then handed in under the
 * clock. Each is matched (no new transaction) and resends its 180.
 */
static int lookups(const char *name, struct stack *s, struct msgs *x, uint64_t n)
{
	struct sk_msg *pool[LOOKUP_BATCH] = {0};
	char *bufs[LOOKUP_BATCH] = {0};
	uint64_t rng = 0x9e3779b97f4a7c15ull, done = 0, requests = s->requests;
	size_t live = sk_txl_count(s->txl);
	struct sk_simnet_stats st0 = sk_simnet_stats(s->sn), st1;
	struct sk_parse_err err;
	double t = 0;
	int rc = -1;

	for (int i = 0; i < LOOKUP_BATCH; i++) {
		if (!(bufs[i] = malloc(x->inv.len)) || sk_msg_new(&pool[i], NULL) < 0)
			goto out;
		memcpy(bufs[i], x->inv.buf, x->inv.len);
	}
	while (done < LOOKUPS) {
		for (int i = 0; i < LOOKUP_BATCH; i++) {
			uint64_t key = 1 + rng_next(&rng) % n;
			put_hex(bufs[i] + x->inv.branch_at + COOKIE_LEN, key);
			put_hex(bufs[i] + x->inv.callid_at, key);
			if (sk_msg_parse(pool[i], bufs[i], x->inv.len, &err) < 0 ||
			    sk_tp_stamp_request(pool[i], &s->flow) < 0)
				goto out;
		}
		double t0 = now_s();
		for (int i = 0; i < LOOKUP_BATCH; i++)
			sk_txl_input(s->txl, pool[i], &s->flow);
		t += now_s() - t0;
		done += LOOKUP_BATCH;
	}
	st1 = sk_simnet_stats(s->sn);
	if (s->requests != requests)
		problem(name, "retransmissions taken for new requests", s->requests - requests, 0);
	if (st1.sent - st0.sent != done)
		problem(name, "180s resent", st1.sent - st0.sent, done);
	if (sk_txl_count(s->txl) != live)
		problem(name, "live transactions", sk_txl_count(s->txl), live);
	printf("txn %s %.0f ns\n", name, t * 1e9 / (double)done);
	fflush(stdout);
	rc = 0;
out:
	if (rc < 0)
		fprintf(stderr, "bench-txn: %s: out of memory or parse error\n", name);
	for (int i = 0; i < LOOKUP_BATCH; i++) {
		sk_msg_free(pool[i]);
		free(bufs[i]);
	}
	return rc;
}

/* n live INVITE server transactions (keys 1..n), each answered 180 in the callback. */
static int fill(struct stack *s, struct msgs *x, uint64_t n)
{
	for (uint64_t key = 1; key <= n; key++) {
		tpl_key(&x->inv, key);
		input(s, x->inv.buf, x->inv.len);
	}
	return s->errors ? -1 : 0;
}

static int live_ists(struct msgs *x, uint64_t n)
{
	struct stack s;
	size_t before, after;
	double t0, s0, t_create, s_create, t_free;

	if (stack_new(&s, ANSWER_RING) < 0)
		return -1;
	/*
	 * One transaction (key 0) before the first count: the reused message and
	 * the timer heap have their size, and the filter sees the 180's.
	 */
	sk_simnet_set_filter(s.sn, record_len, NULL);
	tpl_key(&x->inv, 0);
	input(&s, x->inv.buf, x->inv.len);
	sk_simnet_set_filter(s.sn, NULL, NULL);
	x->ringing_len = last_len;

	before = heap_in_use();
	t0 = now_s();
	s0 = sys_s();
	if (fill(&s, x, n) < 0)
		problem("live-ist", "errors", s.errors, 0);
	t_create = now_s() - t0;
	s_create = sys_s() - s0;
	after = heap_in_use();
	if (sk_txl_count(s.txl) != n + 1)
		problem("live-ist", "live transactions", sk_txl_count(s.txl), n + 1);
	printf("txn live-ist-count %llu txn\n", (unsigned long long)n);
	printf("txn invite-bytes %zu B\n", x->inv.len);
	printf("txn ringing-bytes %zu B\n", x->ringing_len);
	printf("txn live-ist-bytes %.0f B/txn\n",
	       after > before ? (double)(after - before) / (double)n : 0.0);
	printf("txn live-ist-create %.2f s\n", t_create);
	printf("txn live-ist-create-sys %.2f s\n", s_create);
	fflush(stdout);
	if (lookups("lookup-1M", &s, x, n) < 0) {
		stack_free(&s);
		return -1;
	}
	t0 = now_s();
	stack_free(&s);
	t_free = now_s() - t0;
	printf("txn live-ist-free %.2f s\n", t_free);
	fflush(stdout);

	/* The same lookups with few live: what the size of the table costs. */
	if (stack_new(&s, ANSWER_RING) < 0)
		return -1;
	if (fill(&s, x, SMALL_LIVE) < 0)
		problem("lookup-1k", "errors", s.errors, 0);
	int rc = lookups("lookup-1k", &s, x, SMALL_LIVE);
	stack_free(&s);
	return rc;
}

/* ---- main ---------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: bench-txn [--count N] [--live N] [--corpus DIR]\n"
	                "  --count N   transactions per life-cycle figure (default: about 2 s "
	                "each)\n"
	                "  --live N    live INVITE server transactions (default 1000000, 0: "
	                "skip)\n"
	                "  --corpus D  where 01-invite.sip and 10-register.sip are "
	                "(default bench/corpus)\n");
}

static int parse_count(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || v > (1ull << 40))
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = "bench/corpus";
	/* About 2 s of life cycles each on the machine this was written on. */
	uint64_t n_ist = 240000, n_late = 170000, n_nist = 480000, n_ict = 330000;
	uint64_t live = 1000000, count = 0;
	struct msgs x;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) {
			if (parse_count(argv[++i], &count) < 0 || count == 0) {
				usage();
				return 2;
			}
			n_ist = n_late = n_nist = n_ict = count;
		} else if (strcmp(argv[i], "--live") == 0 && i + 1 < argc) {
			if (parse_count(argv[++i], &live) < 0) {
				usage();
				return 2;
			}
		} else if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else {
			usage();
			return 2;
		}
	}
	if (load_msgs(&x, dir) < 0) {
		msgs_free(&x);
		return 2;
	}
	printf("messages: INVITE %zu B (%s/01-invite.sip), ACK %zu B, REGISTER %zu B, client "
	       "INVITE %zu B + Via, 180 %zu B, 487 %zu B\n",
	       x.inv.len, dir, x.ack.len, x.reg.len, x.cinv.len, x.r180.len, x.r487.len);
	fflush(stdout);

	/* IST: 180, 486, 486 again; late: 180, 180 again, 486. NIST: 200, 200. ICT: INVITE, ACK. */
	if (lifecycle("server-lifecycle", ist_busy, ANSWER_BUSY, &x, n_ist, 3, false) < 0 ||
	    lifecycle("server-lifecycle-late", ist_late, ANSWER_RING, &x, n_late, 3, false) < 0 ||
	    parse_only("parse-only-ist", ist_parse, &x, n_ist) < 0 ||
	    lifecycle("nist-lifecycle", nist, ANSWER_OK, &x, n_nist, 2, false) < 0 ||
	    parse_only("parse-only-nist", nist_parse, &x, n_nist) < 0 ||
	    lifecycle("client-lifecycle", ict, ANSWER_OK, &x, n_ict, 2, true) < 0 ||
	    parse_only("parse-only-ict", ict_parse, &x, n_ict) < 0 ||
	    (live && live_ists(&x, live) < 0)) {
		fprintf(stderr, "bench-txn: set-up failed\n");
		msgs_free(&x);
		return 2;
	}
	msgs_free(&x);
	if (problems) {
		fprintf(stderr, "bench-txn: %llu problem(s): see the error lines\n",
		        (unsigned long long)problems);
		return 1;
	}
	return 0;
}
