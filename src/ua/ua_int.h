/* SPDX-License-Identifier: BSD-3-Clause */
/* UA core (internal to src/ua). */
#ifndef SK_UA_INT_H
#define SK_UA_INT_H

#include "sipkit/ua.h"

#define UA_MAX_ROUTES  16  /* route set entries kept per dialog */
#define UA_MAX_DIALOGS 16  /* early dialogs per call (forked INVITE) */
#define UA_REASON_MAX  256 /* Reason text kept per call */

/* A dialog (§12): its remote half; the local half is the call's. */
struct dialog {
	struct dialog *next;
	char *remote_tag;
	char *remote_hdr;    /* the peer's From/To value with its tag, as our To */
	char *remote_target; /* the peer's Contact URI (§12.1.1, §12.1.2) */
	char *routes[UA_MAX_ROUTES];
	unsigned nroutes;
	uint32_t remote_cseq;
	bool remote_cseq_set;
	bool confirmed;
	bool bye_sent;
	/* out: the ACK for this dialog's 2xx, sent again for each retransmission (§13.2.2.4) */
	char *ack;
	size_t ack_len;
	uint32_t ack_cseq;
	struct sk_flow ack_flow;
	/* out, RFC 3262 §4: the RSeq of the last in-order reliable provisional
	 * (kept until the final response), and our PRACK while it has no final */
	uint32_t rseq;
	bool rseq_set;
	bool prack_pending;
	uint32_t prack_cseq;
};

/*
 * in, RFC 3262 §3: the reliable provisionals of the INVITE being answered.
 * One is unacknowledged at a time; a later ring waits in `queued` (one code,
 * the newest) until its PRACK.
 */
struct rel_uas {
	bool on;      /* this INVITE gets reliable provisionals */
	bool unacked; /* the last one waits for its PRACK */
	bool started; /* rseq holds the last RSeq sent */
	uint32_t first, rseq;
	uint32_t cseq; /* the INVITE's: the RAck's CSeq-num */
	int queued;    /* a provisional waiting for the PRACK, 0: none */
	struct sk_txn *st;
	char *wire; /* the unacknowledged one, passed again to st */
	size_t len;
	struct sk_timer t;
	uint32_t interval;
	uint64_t since;
};

/* The server INVITE a call is answering: the initial one or a re-INVITE. */
struct pending_ist {
	struct sk_txn *st;
	uint32_t cseq;
	bool final_sent;
};

struct sk_call {
	struct sk_hnode node; /* in the UA's calls, by Call-ID */
	struct sk_ua *ua;
	uint8_t dir;     /* enum sk_call_dir */
	uint8_t state;   /* enum sk_call_state */
	uint8_t outcome; /* enum sk_call_outcome */
	bool ended;      /* the ended event has been given */
	bool cancel_asked;
	bool end_after_bye; /* the call ends with end_outcome when its BYEs are done */
	bool hangup_wanted; /* in: BYE as soon as the ACK for our 2xx comes (§15.1.1) */
	bool answered;      /* the answered event was given */
	uint8_t end_outcome;
	unsigned byes; /* BYEs sent and not yet answered */
	unsigned refs; /* transactions whose user is this call */
	int status;
	int reinvite_status;
	char *call_id;
	char *local_tag;
	char *local_hdr; /* our From/To value with our tag */
	char *contact;   /* our Contact URI */
	char *sdp;       /* our last session description */
	uint32_t local_cseq;
	unsigned ndialogs;
	struct dialog *dialogs; /* early and confirmed */
	struct dialog *dlg;     /* the confirmed one */
	/* out */
	struct sk_txn *ict;   /* the INVITE */
	struct sk_txn *re_ct; /* a re-INVITE we sent */
	uint32_t re_cseq;
	struct sk_target dst; /* where out-of-dialog requests go */
	/* out, with credentials: the INVITE rebuilt for each challenge (§22.2) */
	struct sk_uac_auth *auth;
	char *to_uri, *route_hdr;
	bool auth_window;    /* the 401/407 event is being given: its retry is not out yet */
	bool bye_challenged; /* our BYE got a 401/407 (answered once per realm, §22.1) */
	/* in */
	struct pending_ist ist, re_st;
	char *in_from_tag; /* the caller's From tag and the INVITE's CSeq (§8.2.2.2) */
	uint32_t in_cseq;
	/* a 2xx we sent, retransmitted until its ACK (§13.3.1.4) */
	char *resp2xx;
	size_t resp2xx_len;
	uint32_t resp2xx_cseq;
	struct sk_flow resp2xx_flow;
	struct sk_timer t2xx;
	uint32_t t2xx_interval;
	uint64_t t2xx_since;
	char reason[UA_REASON_MAX];
	void *user;
	struct rel_uas rel;
	bool rel100_used; /* out: a reliable provisional was PRACKed; in: rel.on */
	bool oa_done;     /* the INVITE's offer has its answer (RFC 3311 §5.1) */
};

struct sk_ua {
	struct sk_reg *regs; /* registrations (reg.c) */
	struct sk_ua_config cfg;
	struct sk_stack *stack;
	struct sk_htab calls; /* struct sk_call by Call-ID */
	struct sk_ua_stats st;
	char user[64];
	char agent[64];
};

/* ua.c: calls, their table and their life */
struct sk_call *sk_ua_call_new(struct sk_ua *ua, enum sk_call_dir dir, const char *call_id);
struct sk_call *sk_ua_call_find(struct sk_ua *ua, struct sk_str call_id, struct sk_str local_tag);
/* An incoming call by the caller's From tag and CSeq (merged requests, §8.2.2.2). */
struct sk_call *sk_ua_call_find_in(struct sk_ua *ua, struct sk_str call_id, struct sk_str from_tag,
                                   uint32_t cseq);
/* Frees a call that never got going (no transaction, no event). */
void sk_ua_call_discard(struct sk_call *c);
/* After a BYE of ours is answered or fails: ends the call when it waited for it. */
void sk_ua_call_bye_done(struct sk_call *c);
void sk_ua_call_hold(struct sk_call *c);
void sk_ua_call_release(struct sk_call *c);
/* Gives the ended event once; the call is freed when no transaction refers to it. */
void sk_ua_call_end(struct sk_call *c, enum sk_call_outcome outcome);
void sk_ua_call_reason_from(struct sk_call *c, const struct sk_msg *m);
char *sk_ua_strdup(struct sk_str s);
const struct sk_log *sk_ua_log(const struct sk_ua *ua);
/* A request through a new client transaction that reports to c (holding a reference). */
int sk_ua_request(struct sk_call *c, struct sk_str wire, const struct sk_target *dst,
                  struct sk_txn **out);
/* c answers server transaction st: st reports to it (holding a reference). */
void sk_ua_bind(struct sk_call *c, struct sk_txn *st);
/* The call that answers server transaction st, if one does. */
struct sk_call *sk_ua_call_of(const struct sk_txn *st);

/* dialog.c */
struct dialog *sk_ua_dialog_find(struct sk_call *c, struct sk_str remote_tag);
/* A dialog from a response with a To tag (§12.1.2) or from a request (§12.1.1). */
struct dialog *sk_ua_dialog_from_response(struct sk_call *c, const struct sk_msg *resp);
struct dialog *sk_ua_dialog_from_request(struct sk_call *c, const struct sk_msg *req);
void sk_ua_dialog_free(struct dialog *d);
/*
 * Builds a request in dialog d (§12.2.1.1): Request-URI and Route from the
 * remote target and route set, From/To/Call-ID, CSeq (cseq, method), and
 * the target it goes to. extra: more header lines ("Name: value\r\n"...).
 */
int sk_ua_dialog_request(struct sk_call *c, struct dialog *d, const char *method, uint32_t cseq,
                         const char *extra, const char *sdp, struct sk_build **out,
                         struct sk_target *dst);
/* Sends the ACK for a 2xx of dialog d (§13.2.2.4) and keeps it for retransmitted 2xx. */
int sk_ua_dialog_ack(struct sk_call *c, struct dialog *d, uint32_t cseq);
/* Sends a BYE in dialog d (§15.1.1). */
int sk_ua_dialog_bye(struct sk_call *c, struct dialog *d);
/* Our Contact for a flow (its local address and transport). */
int sk_ua_contact(struct sk_ua *ua, const struct sk_flow *flow, char *buf, size_t size);
/* A default audio offer or answer for our address. */
char *sk_ua_default_sdp(struct sk_ua *ua, const struct sk_flow *flow);

/* uac.c: calls we place */
void sk_uac_response(struct sk_call *c, struct sk_txn *ct, const struct sk_msg *resp);
void sk_uac_failed(struct sk_call *c, struct sk_txn *ct, int err);
/* A 2xx matching no transaction (after Timer M): the same ACK again. */
void sk_uac_stray_2xx(struct sk_ua *ua, const struct sk_msg *resp);

/* uac_auth.c: Digest credentials of the requests we send (§22.2, §22.3) */
struct sk_uac_auth;
int sk_uac_auth_new(struct sk_uac_auth **out, const char *user, const char *password);
void sk_uac_auth_free(struct sk_uac_auth *a);
/* Takes in the challenges of a 401/407: 0 when the request is to be sent again,
 * else an error and why (credentials refused, nothing we can answer, too many). */
int sk_uac_auth_challenge(struct sk_uac_auth *a, const struct sk_msg *resp, const char **why);
/* The credential lines ("Proxy-Authorization: ...\r\n"...) for a request; *lines stays
 * valid until the next call, sk_uac_auth_sent gives it again for that CSeq. */
int sk_uac_auth_lines(struct sk_uac_auth *a, struct sk_stack *st, const char *method,
                      const char *uri, uint32_t cseq, const char **lines);
const char *sk_uac_auth_sent(const struct sk_uac_auth *a, uint32_t cseq);
/* A new request (a REGISTER refresh): no realm counts as answered for it yet. */
void sk_uac_auth_restart(struct sk_uac_auth *a);
/* Realms whose credentials go into the next request. */
unsigned sk_uac_auth_realms(const struct sk_uac_auth *a);
unsigned sk_uac_auth_answers(const struct sk_uac_auth *a);

/* reg.c: frees every registration (sk_ua_free) */
void sk_ua_regs_free(struct sk_ua *ua);

/* uas.c: requests we receive */
void sk_uas_request(struct sk_ua *ua, struct sk_txn *st, const struct sk_msg *req,
                    struct sk_txn *invite);
void sk_uas_ack(struct sk_ua *ua, struct sk_txn *ist, const struct sk_msg *ack);
void sk_uas_failed(struct sk_call *c, struct sk_txn *st, int err);
void sk_uas_terminated(struct sk_call *c, struct sk_txn *st);
void sk_uas_stop_2xx(struct sk_call *c);
/* A response on st with our To tag, extra header lines and an optional SDP body. */
int sk_uas_respond(struct sk_txn *st, int code, const char *reason, const char *tag,
                   const char *extra, const char *sdp, struct sk_str *kept, char **keep);
void sk_uas_reject(struct sk_ua *ua, struct sk_txn *st, int code, const char *extra);

/* prack.c: reliable provisionals and PRACK (RFC 3262) */
/* The Require option tags of req we do not support, joined into buf; 0: none. */
size_t sk_prack_unsupported(const struct sk_ua *ua, const struct sk_msg *req, char *buf,
                            size_t size);
/* A new INVITE we must answer 421 (we require 100rel, it does not support it). */
bool sk_prack_needs_421(const struct sk_ua *ua, const struct sk_msg *invite);
/* The option tag header line of our INVITEs, "" for none. */
const char *sk_prack_invite_hdr(const struct sk_ua *ua);
/* in: the INVITE st (CSeq cseq) is now the one answered: negotiates 100rel. */
void sk_prack_uas_start(struct sk_call *c, struct sk_txn *st, const struct sk_msg *invite,
                        uint32_t cseq);
/* in: sends provisional code on st reliably when negotiated; 1: not ours to send. */
int sk_prack_uas_ring(struct sk_call *c, struct sk_txn *st, int code);
/* in: the INVITE got its final: retransmissions stop, nothing more is queued (§3). */
void sk_prack_uas_final(struct sk_call *c);
/* in: a PRACK in dialog d (§3): 200, 481 or 400. */
void sk_prack_request(struct sk_call *c, struct sk_txn *st, const struct sk_msg *req);
/* out: a provisional to our INVITE; false: discard it (a retransmission or out of order, §4). */
bool sk_prack_uac_provisional(struct sk_call *c, const struct sk_msg *resp);
/* out: the final or failure of one of our PRACKs (resp NULL: it failed). */
void sk_prack_uac_done(struct sk_call *c, struct sk_txn *ct, const struct sk_msg *resp);

/* update.c: UPDATE in early and confirmed dialogs (RFC 3311) */
void sk_update_request(struct sk_call *c, struct dialog *d, struct sk_txn *st,
                       const struct sk_msg *req);

#endif
