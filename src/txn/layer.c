/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transaction layer of one stack: input from the transport dispatched to
 * client or server transactions (§17.1.3, §17.2.3), the life cycle shared by
 * the four machines, and the debug dump.
 */
#include <stdlib.h>
#include <string.h>

#include "txn_int.h"

struct sk_txn_times sk_txn_times_default(void)
{
	return (struct sk_txn_times){
	    .t1 = 500, .t2 = 4000, .t4 = 5000, .trying = 200, .timer_d = 32000};
}

const char *sk_txn_kind_name(enum sk_txn_kind k)
{
	static const char *const names[] = {"ICT", "NICT", "IST", "NIST"};
	return (unsigned)k < 4 ? names[k] : "?";
}

const char *sk_txn_state_name(enum sk_txn_state s)
{
	static const char *const names[] = {"Calling",   "Trying",   "Proceeding", "Completed",
	                                    "Confirmed", "Accepted", "Terminated"};
	return (unsigned)s < 7 ? names[s] : "?";
}

bool sk_txn_method_is(struct sk_str a, const char *m)
{
	size_t n = strlen(m);
	return a.len == n && memcmp(a.p, m, n) == 0; /* methods are case-sensitive (§7.1) */
}

int sk_txl_new(struct sk_txl **out, const struct sk_txl_config *cfg, const struct sk_txl_user *user)
{
	if (!out || !cfg || !cfg->timers || !cfg->tp || !user)
		return -SK_EINVAL;
	struct sk_txl *txl = calloc(1, sizeof(*txl));
	if (!txl)
		return -SK_ENOMEM;
	txl->cfg = *cfg;
	if (!txl->cfg.times.t1)
		txl->cfg.times = sk_txn_times_default();
	if (!txl->cfg.max_transactions)
		txl->cfg.max_transactions = 1000000;
	txl->user = *user;
	if (sk_txn_table_init(txl, cfg->expected ? cfg->expected : 1024, cfg->key) < 0) {
		free(txl);
		return -SK_ENOMEM;
	}
	*out = txl;
	return 0;
}

static void txn_free(struct sk_txn *t)
{
	free(t->data);
	free(t->resp);
	free(t->to_tag);
	free(t->cancel_reason);
	sk_msg_free(t->msg_borrowed ? NULL : t->msg);
	free(t);
}

void sk_txl_free(struct sk_txl *txl)
{
	if (!txl)
		return;
	struct sk_htab_iter it;
	for (struct sk_hnode *n = sk_htab_iter_first(&it, &txl->tab); n;
	     n = sk_htab_iter_next(&it)) {
		struct sk_txn *t = sk_txn_of(n);
		sk_timer_stop(txl->cfg.timers, &t->tr);
		sk_timer_stop(txl->cfg.timers, &t->tt);
		txn_free(t);
	}
	sk_txn_table_free(txl);
	free(txl);
}

void sk_txl_set_user(struct sk_txl *txl, const struct sk_txl_user *user)
{
	txl->user = *user;
}

void sk_txl_set_compact(struct sk_txl *txl, bool on)
{
	txl->compact = on;
}

size_t sk_txl_count(const struct sk_txl *txl)
{
	return sk_htab_count(&txl->tab);
}

size_t sk_txl_max(const struct sk_txl *txl)
{
	return txl->cfg.max_transactions;
}

/* ---- life cycle ---------------------------------------------------------- */

void sk_txn_hold(struct sk_txn *t)
{
	t->busy++;
}

void sk_txn_release(struct sk_txn *t)
{
	if (--t->busy == 0 && t->state == SK_TXN_TERMINATED)
		txn_free(t);
}

void sk_txn_terminate(struct sk_txn *t)
{
	struct sk_txl *txl = t->txl;
	if (t->state == SK_TXN_TERMINATED)
		return;
	t->state = SK_TXN_TERMINATED;
	sk_timer_stop(txl->cfg.timers, &t->tr);
	sk_timer_stop(txl->cfg.timers, &t->tt);
	sk_txn_table_remove(txl, t);
	if (t->cancel) {
		t->cancel->cancel = NULL;
		t->cancel = NULL;
	}
	sk_txn_hold(t);
	const struct sk_txn_handler *h = t->h;
	t->h = NULL; /* the last word: nothing of t's reaches its object again */
	if (h && h->terminated)
		h->terminated(t->arg, t);
	sk_txn_release(t);
}

void sk_txn_fail(struct sk_txn *t, int err)
{
	if (t->state == SK_TXN_TERMINATED)
		return;
	sk_txn_hold(t);
	if (t->h && t->h->failed)
		t->h->failed(t->arg, t, err);
	sk_txn_terminate(t);
	sk_txn_release(t);
}

void sk_txn_absorb(struct sk_txn *t, uint32_t ms)
{
	sk_timer_stop(t->txl->cfg.timers, &t->tr);
	if (ms == 0)
		sk_txn_terminate(t);
	else
		sk_timer_start(t->txl->cfg.timers, &t->tt, ms);
}

int sk_txn_send(struct sk_txn *t, const char *buf, size_t len)
{
	/* A failed write may report the lost connection, and end t, before it returns. */
	sk_txn_hold(t);
	int rc = sk_tp_send(t->txl->cfg.tp, &t->flow, buf, len);
	if (rc == 0 && t->state != SK_TXN_TERMINATED)
		sk_txn_table_reindex(t->txl, t); /* the send may have opened a connection */
	if (rc < 0) {
		sk_logf(t->txl->cfg.log, SK_LOG_WARN, "txn %.*s %.*s: transport error: %s",
		        (int)t->method.len, t->method.p, (int)t->branch.len, t->branch.p,
		        sk_strerror(rc));
		sk_txn_fail(t, -SK_EIO); /* nothing if the connection's loss already ended it */
		rc = -SK_EIO;
	}
	sk_txn_release(t);
	return rc;
}

/* ---- input --------------------------------------------------------------- */

void sk_txl_input(struct sk_txl *txl, struct sk_msg *m, const struct sk_flow *flow)
{
	if (sk_msg_is_request(m)) {
		sk_txn_server_request(txl, m, flow);
		return;
	}
	/* §17.1.3: the top Via's branch and the CSeq method */
	const struct sk_via *v = sk_msg_via(m, 0);
	struct sk_txn *t = sk_txn_table_find_client(txl, v->branch, sk_msg_cseq(m)->method);
	if (t) {
		sk_txn_client_response(t, m);
		return;
	}
	if (txl->user.stray_response)
		txl->user.stray_response(txl->user.arg, m, flow);
}

void sk_txl_conn_lost(struct sk_txl *txl, uint64_t conn, int err)
{
	sk_txn_table_conn_lost(txl, conn, err < 0 ? err : -SK_EIO);
}

static void tp_recv(void *arg, struct sk_msg *m, const struct sk_flow *flow)
{
	sk_txl_input(arg, m, flow);
}

static void tp_conn_lost(void *arg, uint64_t conn, int err)
{
	sk_txl_conn_lost(arg, conn, err);
}

void sk_txl_unreachable(struct sk_txl *txl, const struct sk_flow *flow, int err)
{
	sk_txn_table_unreachable(txl, flow, err < 0 ? err : -SK_EIO);
}

static void tp_unreachable(void *arg, const struct sk_flow *flow, int err)
{
	sk_txl_unreachable(arg, flow, err);
}

struct sk_tp_user sk_txl_tp_user(struct sk_txl *txl)
{
	return (struct sk_tp_user){
	    .recv = tp_recv, .conn_lost = tp_conn_lost, .unreachable = tp_unreachable, .arg = txl};
}

/* ---- accessors ----------------------------------------------------------- */

enum sk_txn_kind sk_txn_kind(const struct sk_txn *t)
{
	return (enum sk_txn_kind)t->kind;
}
enum sk_txn_state sk_txn_state(const struct sk_txn *t)
{
	return (enum sk_txn_state)t->state;
}
struct sk_str sk_txn_method(const struct sk_txn *t)
{
	return t->method;
}
struct sk_str sk_txn_request_bytes(const struct sk_txn *t)
{
	if (!t->req || t->compacted)
		return SK_STR_NULL;
	return (struct sk_str){t->req, t->req_len};
}
struct sk_str sk_txn_branch(const struct sk_txn *t)
{
	return t->branch;
}
int sk_txn_status(const struct sk_txn *t)
{
	return t->status;
}
const struct sk_flow *sk_txn_flow(const struct sk_txn *t)
{
	return &t->flow;
}
void sk_txn_bind(struct sk_txn *t, const struct sk_txn_handler *h, void *arg)
{
	if (t->state == SK_TXN_TERMINATED)
		return; /* its terminated callback has been given: it can have no listener */
	t->h = h;
	t->arg = h ? arg : NULL;
}
void *sk_txn_arg(const struct sk_txn *t, const struct sk_txn_handler *h)
{
	return t && h && t->h == h ? t->arg : NULL;
}
bool sk_txn_cancel_sent(const struct sk_txn *ict)
{
	return ict && ict->kind == SK_TXN_ICT && ict->cancel_sent;
}

struct sk_txn *sk_txn_cancel_txn(const struct sk_txn *ict)
{
	return ict->kind == SK_TXN_ICT ? ict->cancel : NULL;
}

size_t sk_txl_awaiting_peer(const struct sk_txl *txl)
{
	size_t n = 0;
	struct sk_htab_iter it;
	for (struct sk_hnode *x = sk_htab_iter_first(&it, &txl->tab); x;
	     x = sk_htab_iter_next(&it)) {
		const struct sk_txn *t = sk_txn_of(x);
		if (t->server ? t->kind == SK_TXN_IST && t->state == SK_TXN_COMPLETED
		              : t->state < SK_TXN_COMPLETED)
			n++;
	}
	return n;
}

/* ---- debug dump ---------------------------------------------------------- */

static int64_t next_timer(const struct sk_txn *t)
{
	int64_t best = -1;
	const struct sk_timer *ts[2] = {&t->tr, &t->tt};
	for (int i = 0; i < 2; i++) {
		int64_t in = sk_timer_remaining(t->txl->cfg.timers, ts[i]);
		if (in >= 0 && (best < 0 || in < best))
			best = in;
	}
	return best;
}

void sk_txl_dump(const struct sk_txl *txl, FILE *out)
{
	uint64_t now = sk_timers_now(txl->cfg.timers);
	fprintf(out, "%zu live transactions\n", sk_htab_count(&txl->tab));
	struct sk_htab_iter it;
	for (struct sk_hnode *x = sk_htab_iter_first(&it, &txl->tab); x;
	     x = sk_htab_iter_next(&it)) {
		const struct sk_txn *t = sk_txn_of(x);
		char remote[64];
		sk_sa_print(&t->flow.remote, remote, sizeof(remote));
		int64_t next = next_timer(t);
		/* the bytes kept besides the struct: request (or hop record's), last response */
		unsigned kept = (t->req ? t->req_len : 0u) + (t->resp ? t->resp_len : 0u);
		fprintf(out, "%-4s %-10s %-9.*s %-3u %s:%s branch=%.*s%s age=%llums kept=%u next=",
		        sk_txn_kind_name(t->kind), sk_txn_state_name(t->state), (int)t->method.len,
		        t->method.p, (unsigned)t->status, sk_proto_name(t->flow.proto), remote,
		        (int)t->branch.len, t->branch.p, t->rfc2543 ? " (2543)" : "",
		        (unsigned long long)(now - t->created), kept);
		if (next < 0)
			fprintf(out, "-\n");
		else
			fprintf(out, "%lldms\n", (long long)next);
	}
}
