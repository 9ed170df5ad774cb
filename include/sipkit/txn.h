/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transaction layer (RFC 3261 §17, RFC 6026, RFC 4320): the four state
 * machines with their timers, request and response matching (with the
 * RFC 2543 fallback), and CANCEL (§9): the CANCEL of a client INVITE sent when
 * the time is right, and a received CANCEL handed up with the INVITE server
 * transaction it refers to.
 */
#ifndef SIPKIT_TXN_H
#define SIPKIT_TXN_H

#include <stdio.h>

#include "sipkit/core.h"
#include "sipkit/msg.h"
#include "sipkit/transport.h"

enum sk_txn_kind {
	SK_TXN_ICT,  /* INVITE client (§17.1.1) */
	SK_TXN_NICT, /* non-INVITE client (§17.1.2) */
	SK_TXN_IST,  /* INVITE server (§17.2.1) */
	SK_TXN_NIST, /* non-INVITE server (§17.2.2) */
};

enum sk_txn_state {
	SK_TXN_CALLING,
	SK_TXN_TRYING,
	SK_TXN_PROCEEDING,
	SK_TXN_COMPLETED,
	SK_TXN_CONFIRMED,
	SK_TXN_ACCEPTED, /* RFC 6026 */
	SK_TXN_TERMINATED,
};

const char *sk_txn_kind_name(enum sk_txn_kind k);
const char *sk_txn_state_name(enum sk_txn_state s);

/** T1, T2, T4 (§17, Table 4) and the 100 Trying delay (§17.2.1), in ms. */
struct sk_txn_times {
	uint32_t t1;      /* 500 */
	uint32_t t2;      /* 4000 */
	uint32_t t4;      /* 5000 */
	uint32_t trying;  /* 200 */
	uint32_t timer_d; /* 32000: > 32 s over unreliable transports (§17.1.1.2) */
};

/** The defaults of §17, Table 4. */
struct sk_txn_times sk_txn_times_default(void);

struct sk_txl;
struct sk_txn;

/*
 * Who hears what (re's sip_ctrans_request(..., resph, arg)): each transaction
 * reports to the object it works for through a handler and an argument of its
 * own, given when a client transaction is started or bound to a server
 * transaction by the core that received it. The handler's address also says
 * what the argument is (sk_txn_arg), so nothing downstream guesses at a void *.
 */
struct sk_txn_handler {
	/**
	 * A response on a client transaction: provisionals, the final, and in
	 * Accepted every further 2xx (RFC 6026 §7.2). Retransmitted non-2xx
	 * finals are absorbed (their ACK resent).
	 */
	void (*response)(void *arg, struct sk_txn *ct, const struct sk_msg *resp);
	/**
	 * The transaction failed: -SK_ETIMEDOUT (Timer B or F; no 408 is
	 * passed on, RFC 4320 §4.2; Timer H: no ACK came; a CANCELled INVITE
	 * without a final within 64*T1, §9.1) or -SK_EIO (transport error,
	 * §17.1.4, §17.2.4). terminated follows.
	 */
	void (*failed)(void *arg, struct sk_txn *t, int err);
	/** The transaction is gone: the object drops its pointer now. */
	void (*terminated)(void *arg, struct sk_txn *t);
};

/** What the core on top decides for a new request before any state is made for it. */
enum sk_admit {
	SK_ADMIT = 0,  /* a server transaction, handed up */
	SK_ADMIT_SHED, /* answered 503 with Retry-After statelessly (§21.5.4), nothing kept */
	SK_ADMIT_DROP, /* no answer at all: a source that keeps on after its 503s */
};

/** What the transaction layer hands to the core on top of it (UA or proxy). */
struct sk_txl_user {
	/**
	 * Optional: asked for each request that would make a new server
	 * transaction (never for a retransmission or an ACK), before anything is
	 * allocated for it: the place to shed load cheaply (overload control).
	 */
	enum sk_admit (*admit)(void *arg, const struct sk_msg *req, const struct sk_flow *flow);
	/**
	 * A new server transaction (retransmissions never come here). For a
	 * CANCEL, `invite` is the server transaction it matches (§9.2), or NULL:
	 * no such transaction (the core answers 481). The core answers with
	 * sk_txn_respond / sk_txn_reply, now or later, and binds the transaction
	 * to the object that will answer it (sk_txn_bind) to hear of its end.
	 */
	void (*request)(void *arg, struct sk_txn *st, const struct sk_msg *req,
	                struct sk_txn *invite);
	/**
	 * An ACK that is no retransmission: for a 2xx, passed through an INVITE
	 * server transaction in Accepted (RFC 6026 §7.1, ist set), or matching no
	 * transaction at all (ist NULL): the core finds its dialog.
	 */
	void (*ack)(void *arg, struct sk_txn *ist, const struct sk_msg *ack,
	            const struct sk_flow *flow);
	/** A response that matches no client transaction (e.g. a 2xx after Timer M). */
	void (*stray_response)(void *arg, const struct sk_msg *resp, const struct sk_flow *flow);
	void *arg;
};

struct sk_txl_config {
	struct sk_timers *timers;
	struct sk_tp *tp;
	const struct sk_log *log;
	struct sk_txn_times times;     /* zero: sk_txn_times_default() */
	size_t expected;               /* live transactions to size the table for, 0: 1024 */
	const struct sk_hash_key *key; /* of the table's hash (secret); NULL: from the OS */
	size_t max_transactions;       /* live ones, beyond which a new request outside a dialog
	                                * (not a CANCEL) is answered 503 statelessly; 0: 1000000 */
};

int sk_txl_new(struct sk_txl **out, const struct sk_txl_config *cfg,
               const struct sk_txl_user *user);
/** Frees the layer and every live transaction, without callbacks (NULL-safe). */
void sk_txl_free(struct sk_txl *txl);
/** The transport's recv: matches m to a transaction or creates one. */
void sk_txl_input(struct sk_txl *txl, struct sk_msg *m, const struct sk_flow *flow);
/** The transport's conn_lost: client transactions waiting on conn fail (§17.1.4). */
void sk_txl_conn_lost(struct sk_txl *txl, uint64_t conn, int err);
/** The transport's unreachable (an ICMP error for a UDP destination): the client
 * transactions sent from flow->local to exactly flow->remote that have had no response
 * yet fail with -SK_EIO (§17.1.4), in O(their number). */
void sk_txl_unreachable(struct sk_txl *txl, const struct sk_flow *flow, int err);
/** A struct sk_tp_user that feeds txl (set its arg to txl). */
struct sk_tp_user sk_txl_tp_user(struct sk_txl *txl);
/** Replaces the core on top (a stack is built before its core). */
void sk_txl_set_user(struct sk_txl *txl, const struct sk_txl_user *user);
/**
 * On: an INVITE client transaction keeps, once a provisional has come (it is
 * never sent again, §17.1.1.2), only what its CANCEL and ACK are built from
 * (the hop record and the bytes it names), not the whole request; sk_txn_msg
 * of it is then NULL. For a proxy, whose ringing branches are most of its
 * memory (issue 16); a UA that reads its requests back (PRACK) leaves it off.
 */
void sk_txl_set_compact(struct sk_txl *txl, bool on);
/** Live transactions. */
size_t sk_txl_count(const struct sk_txl *txl);
/** The most live transactions the layer holds before it sheds new requests. */
size_t sk_txl_max(const struct sk_txl *txl);
/**
 * Transactions still waiting for the peer: clients without a final response,
 * INVITE servers whose non-2xx final has no ACK yet. A walk over the table:
 * for a graceful stop, not for every message.
 */
size_t sk_txl_awaiting_peer(const struct sk_txl *txl);
/** One line per live transaction: kind, state, method, branch, last status, next timer. */
void sk_txl_dump(const struct sk_txl *txl, FILE *out);

/**
 * Starts a client transaction: req is a whole request without our Via; the
 * layer adds it (sent-by from the transport, a new z9hG4bK branch, rport),
 * chooses the transport (§18.1.1) and sends. h and arg hear of its responses
 * and its end (h may be NULL: nobody listens). On an error return nothing
 * was started and h is never called; on success h is called only from
 * later input and timers, never before this returns.
 */
int sk_txn_request(struct sk_txl *txl, struct sk_str req, const struct sk_target *dst,
                   const struct sk_txn_handler *h, void *arg, struct sk_txn **out);
/**
 * The same with ".suffix" after the random branch (a proxy's loop hash, §16.6 step 8),
 * for a req this stack composed from a parse (sk_build_forward_request): it is read
 * only for what the transaction keeps (sk_msg_parse_shallow), not checked again.
 */
int sk_txn_request_branch(struct sk_txl *txl, struct sk_str req, const struct sk_target *dst,
                          const struct sk_txn_handler *h, void *arg, const char *suffix,
                          struct sk_txn **out);
/**
 * Sends a request outside any transaction (an ACK for a 2xx, §13.2.2.4 and
 * §17.1.1.3), with a Via and new branch as above.
 */
int sk_txl_send_stateless(struct sk_txl *txl, struct sk_str req, const struct sk_target *dst);

/**
 * Composes such a stateless request without sending it: *wire (malloc'd, the
 * caller frees) is the request with our Via, *flow where it goes. A UA keeps
 * both to send the very same ACK for each retransmitted 2xx (§13.2.2.4).
 */
int sk_txl_prepare_stateless(struct sk_txl *txl, struct sk_str req, const struct sk_target *dst,
                             struct sk_flow *flow, char **wire, size_t *len);
/**
 * True for the branch of a request this layer sent statelessly (its MAC under
 * the layer's secret checks out): a response with it is an answer to us.
 */
bool sk_txl_branch_is_ours(const struct sk_txl *txl, struct sk_str branch);

/** sk_txn_cancel results */
enum sk_cancel_result {
	SK_CANCEL_SENT = 0,     /* the CANCEL is out */
	SK_CANCEL_DEFERRED = 1, /* no provisional yet: sent when the first arrives (§9.1) */
	SK_CANCEL_ALREADY = 2,  /* asked before: still one CANCEL */
};
/**
 * Cancels a client INVITE transaction (§9.1): a CANCEL built from the INVITE
 * (Request-URI, Call-ID, From, To, CSeq number, the one top Via, Route set;
 * optional Reason, RFC 3326), sent on the INVITE's flow, now or on the first
 * provisional. h and arg hear of the CANCEL's own transaction (NULL: nobody;
 * its 200 ends nothing, §9.1). Returns an sk_cancel_result, or -SK_ESTATE
 * when a final response has come (nothing is sent), or an error, after which
 * the cancel may be asked again. Once asked, no final within 64*T1 of the
 * CANCEL ends the INVITE with -SK_ETIMEDOUT, whether the CANCEL could be
 * sent or not.
 */
int sk_txn_cancel(struct sk_txn *ict, const char *reason, const struct sk_txn_handler *h,
                  void *arg);
/** The CANCEL client transaction of an INVITE client transaction, while it lives. */
struct sk_txn *sk_txn_cancel_txn(const struct sk_txn *ict);
/** True once a CANCEL of ict went out (§9.1: not before a provisional). */
bool sk_txn_cancel_sent(const struct sk_txn *ict);

/**
 * Sends a response on a server transaction (wire bytes, e.g. from
 * sk_build_response_to on sk_txn_msg). A 2xx to an INVITE moves it to
 * Accepted, where further 2xx may be sent (RFC 6026 §7.1). -SK_ESTATE when
 * the state allows no such response; -SK_EINVAL for a provisional other than
 * 100 to a non-INVITE (RFC 4320 §4.1).
 */
int sk_txn_respond(struct sk_txn *st, struct sk_str resp);
/**
 * An INVITE server transaction retransmits its non-2xx final on Timer G at
 * most n times (§17.2.1 says until Timer H): for a source that may be
 * spoofed, so that one INVITE cannot make us send a dozen copies to a victim.
 * A retransmitted INVITE still gets the final again, so a real client is not
 * left without it.
 */
void sk_txn_limit_retransmits(struct sk_txn *st, unsigned n);
/** Builds a response to the request per §8.2.6 (to_tag added unless 100) and sends it. */
int sk_txn_reply(struct sk_txn *st, int code, const char *reason, const char *to_tag);

/** The request of the transaction (a server's is parsed again on first use). */
const struct sk_msg *sk_txn_msg(struct sk_txn *t);
/**
 * The request parsed again into a message the caller frees (sk_msg_free), t left as it
 * was: a look at a pending transaction that keeps no parsed copy alive with it (NULL:
 * no request kept, or no memory).
 */
struct sk_msg *sk_txn_msg_copy(const struct sk_txn *t);
enum sk_txn_kind sk_txn_kind(const struct sk_txn *t);
enum sk_txn_state sk_txn_state(const struct sk_txn *t);
/** The request method, the branch, the last status sent or received (0: none). */
struct sk_str sk_txn_method(const struct sk_txn *t);
struct sk_str sk_txn_branch(const struct sk_txn *t);
/** The request as t keeps it: a server's as received, byte for byte (offsets into the
 * message a request handler was given hold in it); empty once compacted. */
struct sk_str sk_txn_request_bytes(const struct sk_txn *t);
int sk_txn_status(const struct sk_txn *t);
/** The flow: where a client's request went; where a server's responses go. */
const struct sk_flow *sk_txn_flow(const struct sk_txn *t);
/** Binds t to the object that answers it (a server transaction) or replaces
 * its listener; h NULL unbinds: no callback of t's reaches anyone again. */
void sk_txn_bind(struct sk_txn *t, const struct sk_txn_handler *h, void *arg);
/** The argument t was bound with, when its handler is h; NULL otherwise. */
void *sk_txn_arg(const struct sk_txn *t, const struct sk_txn_handler *h);

/* ---- the matching rules on messages alone (src/txn/match.c) ------------- */

/*
 * The rules the table applies to live transactions, for code that holds only
 * messages (the trace checker reading a capture).
 */

/**
 * §17.2.3: request m belongs to the server transaction request orig created
 * (an ACK to an INVITE's). For RFC 2543 peers the fallback compares the
 * Request-URI, From tag, Call-ID, CSeq number, top Via and the To tag: for an
 * ACK, final_to_tag, the To tag of the final response that transaction sent.
 */
bool sk_txn_request_matches(const struct sk_msg *orig, const struct sk_msg *m,
                            struct sk_str final_to_tag);
/** §9.2: CANCEL c cancels the server transaction orig (not a CANCEL or an ACK) created. */
bool sk_txn_cancel_matches(const struct sk_msg *orig, const struct sk_msg *c);
/** §17.1.3: response r belongs to the client transaction that sent orig. */
bool sk_txn_response_matches(const struct sk_msg *orig, const struct sk_msg *r);

#endif
