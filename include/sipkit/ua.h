/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UA core (RFC 3261 §8, §12-§15, §9): calls placed and answered on a stack,
 * their dialogs (early ones per remote tag, the confirmed one), in-dialog
 * requests (ACK for a 2xx, BYE, re-INVITE) and CANCEL on both sides.
 *
 * The UA is the stack's transaction user. A call belongs to the UA; the
 * application holds its pointer from sk_call_invite or the incoming event
 * until the ended event, after which it must not touch it.
 */
#ifndef SIPKIT_UA_H
#define SIPKIT_UA_H

#include "sipkit/stack.h"

struct sk_ua;
struct sk_call;

enum sk_call_dir {
	SK_CALL_OUT, /* we sent the INVITE (UAC) */
	SK_CALL_IN,  /* we received it (UAS) */
};

enum sk_call_state {
	SK_CALL_CALLING,    /* out: INVITE sent, no response yet; in: not answered, no 1xx sent */
	SK_CALL_PROCEEDING, /* a provisional response (no dialog yet) */
	SK_CALL_EARLY,      /* an early dialog (a provisional with a To tag, §12.1) */
	SK_CALL_CONFIRMED,  /* a 2xx: the dialog is confirmed (in: the ACK may still be due) */
	SK_CALL_ENDED,
};

/** How a call ended (what `sipkit call` and `sipkit uas` print). */
enum sk_call_outcome {
	SK_OUTCOME_NONE = 0,
	SK_OUTCOME_ANSWERED,      /* a 2xx, later hung up by either side */
	SK_OUTCOME_CANCELLED,     /* out: our CANCEL took effect (487, or nothing in 64*T1); in: the
	                             caller cancelled */
	SK_OUTCOME_ANSWERED_LATE, /* out: a 2xx after our CANCEL: ACKed and a BYE sent (§9.1 race)
	                           */
	SK_OUTCOME_REJECTED,      /* a non-2xx final: out received, in sent */
	SK_OUTCOME_TIMEOUT,       /* out: no final (Timer B); in: no ACK for our 2xx (§13.3.1.4) */
	SK_OUTCOME_FAILED,        /* transport error, or the request could not be built */
};

const char *sk_call_outcome_name(enum sk_call_outcome o);
const char *sk_call_state_name(enum sk_call_state s);

/** What the UA tells the application. Every callback is optional. */
struct sk_ua_events {
	/**
	 * A new call (an INVITE outside any dialog that passed §8.2). Answer now
	 * or later with sk_call_ring / sk_call_answer / sk_call_reject. Without
	 * this callback calls are rejected with 480.
	 */
	void (*incoming)(void *arg, struct sk_call *c, const struct sk_msg *invite);
	/**
	 * A re-INVITE in an established dialog (§14.2), answered the same way.
	 * Without this callback it is answered 200 with the last local session.
	 */
	void (*reinvite)(void *arg, struct sk_call *c, const struct sk_msg *invite);
	/** out: each response to our INVITE or re-INVITE, provisional or final. */
	void (*response)(void *arg, struct sk_call *c, const struct sk_msg *resp);
	/** The call is set up: out, a 2xx came (and was ACKed); in, the ACK for our 2xx came. */
	void (*answered)(void *arg, struct sk_call *c);
	/**
	 * in: a CANCEL for the pending INVITE or re-INVITE (§9.2), already
	 * answered 200 and the INVITE 487. sk_call_reason() has its Reason.
	 * For the initial INVITE, ended follows.
	 */
	void (*cancelled)(void *arg, struct sk_call *c, const struct sk_msg *cancel);
	/** The call is over (sk_call_outcome says how); c is invalid after return. */
	void (*ended)(void *arg, struct sk_call *c);
	void *arg;
};

/**
 * Reliable provisional responses (RFC 3262). As caller: off sends no option
 * tag and PRACKs nothing; supported sends `Supported: 100rel` and PRACKs every
 * reliable provisional (§4); required sends `Require: 100rel`. As callee:
 * off rejects `Require: 100rel` with 420 (§3); supported sends provisionals
 * reliably when the INVITE requires it; required sends them reliably when
 * the INVITE supports or requires it, and answers 421 to one that does
 * neither (RFC 3261 §21.4.16).
 */
enum sk_100rel {
	SK_100REL_OFF = 0,
	SK_100REL_SUPPORTED,
	SK_100REL_REQUIRED,
};

const char *sk_100rel_name(enum sk_100rel m);

struct sk_ua_config {
	struct sk_stack *stack;
	enum sk_100rel rel100;  /* zero: off */
	const char *user;       /* user part of our Contact and default From; NULL: "sipkit" */
	const char *user_agent; /* User-Agent and Server value; NULL: "sipkit" */
	struct sk_ua_events ev;
};

struct sk_ua_stats {
	uint64_t calls_out, calls_in, cancels_sent, cancels_received, answered_late;
	uint64_t resp_481, resp_487, rejected_requests; /* rejected: 4xx/5xx for bad requests */
	/* RFC 3262: reliable provisionals sent and retransmitted, PRACKs sent and
	 * received, reliable provisionals received and discarded (retransmitted or
	 * out of order, §4), INVITEs given up for want of a PRACK (§3), UPDATEs */
	uint64_t rel1xx_sent, rel1xx_retransmits, pracks_sent, pracks_received;
	uint64_t rel1xx_discarded, prack_timeouts, updates_received;
};

/** Creates the UA and makes it the stack's transaction user. */
int sk_ua_new(struct sk_ua **out, const struct sk_ua_config *cfg);
/** Frees the UA and its calls without callbacks (free the stack after). NULL-safe. */
void sk_ua_free(struct sk_ua *ua);
/** Calls not yet freed (including those ended but still closing their transactions). */
size_t sk_ua_calls(const struct sk_ua *ua);
struct sk_ua_stats sk_ua_stats(const struct sk_ua *ua);

/**
 * Registers our Contact for aor ("sip:bob@example.com") at the registrar
 * (a sip: URI, §10.2) for expires seconds (0: removes it). The answer is not
 * reported; the registration is not refreshed.
 */
int sk_ua_register(struct sk_ua *ua, const char *registrar, const char *aor, uint32_t expires);

/* ---- registrations that last (§10.2) -------------------------------------- */

struct sk_reg;

struct sk_reg_params {
	const char *registrar; /* Request-URI: "sip:example.com" or "sip:127.0.0.1:5060" */
	const char *aor;       /* To and From: "sip:alice@example.com" */
	uint32_t expires;      /* asked for (seconds); 0: 3600 */
	/* Digest credentials (§22.2): a 401/407 is answered as for a call; the
	 * refreshes carry them from the start. The user name is auth_user, else the
	 * AOR's user part. */
	const char *auth_user;
	const char *password;
	/**
	 * The outcome of each REGISTER: status 200-699 (after any challenge was
	 * answered), or -SK_ETIMEDOUT / -SK_EIO. After sk_reg_stop, the last one
	 * reports the removal; r is freed after that call returns.
	 */
	void (*done)(void *arg, struct sk_reg *r, int status);
	void *arg;
};

/**
 * Registers our Contact for p->aor and keeps it registered: refreshed before the
 * granted expiry (§10.2.4; same Call-ID, CSeq + 1), 423 answered with its
 * Min-Expires (§10.2.8), a failure retried 30 s later. The UA owns it.
 */
int sk_reg_start(struct sk_ua *ua, const struct sk_reg_params *p, struct sk_reg **out);
/** Removes the binding (Expires: 0, §10.2.2); done reports it, then r is freed. */
int sk_reg_stop(struct sk_reg *r);
/** The status of the last final response (0: none yet) and the expiry granted (s). */
int sk_reg_status(const struct sk_reg *r);
uint32_t sk_reg_expires(const struct sk_reg *r);
/** Registrations the UA still holds (stopped ones until their last transaction ends). */
size_t sk_ua_regs(const struct sk_ua *ua);

/* ---- calls we place (§13.2) ---------------------------------------------- */

struct sk_call_params {
	const char *to;      /* Request-URI and To, e.g. "sip:bob@127.0.0.1:5070" */
	const char *from;    /* From URI; NULL: sip:<user>@<our address> */
	const char *route;   /* a pre-loaded Route (outbound proxy, §8.1.2); NULL: none */
	enum sk_proto proto; /* NONE: the URI's transport parameter, else UDP */
	const char *sdp;     /* offer; NULL: a default audio offer */
	void *user;
	/* Digest credentials (RFC 3261 §22.2, §22.3): with a password, a 401/407 to the
	 * INVITE is answered once per challenge (sk_call_auth_answers); without, it ends
	 * the call. The user name is auth_user, else the From URI's user part. */
	const char *auth_user;
	const char *password;
	/* where the INVITE goes, resolved already (RFC 3263, sk_resolve_uri); NULL: the
	 * route's or the Request-URI's numeric host */
	const struct sk_target *first_hop;
};

/** Sends an INVITE (§13.2.1). The call is in CALLING on success. */
int sk_call_invite(struct sk_ua *ua, const struct sk_call_params *p, struct sk_call **out);
/**
 * Cancels the pending INVITE (or pending re-INVITE) per §9.1, with an
 * optional Reason value (RFC 3326, e.g. `SIP;cause=200;text="..."` or
 * `RELEASE_CAUSE;cause=3`). Returns SK_CANCEL_SENT, SK_CANCEL_DEFERRED (no
 * provisional yet: sent when the first arrives), SK_CANCEL_ALREADY, or
 * -SK_ESTATE when a final response has come (nothing is sent), -SK_EINVAL
 * for a malformed reason. Asked from the response event of a 401/407 that
 * would be answered (or deferred before it came): the INVITE is not sent
 * again, the call ends rejected with that response (nothing was cancelled on
 * the wire), and SK_CANCEL_DEFERRED is returned.
 */
int sk_call_cancel(struct sk_call *c, const char *reason);
/**
 * Ends the call the way its state allows: BYE when confirmed (§15.1.1),
 * CANCEL when our INVITE is pending, 480 (or code) when an incoming call is
 * not answered yet.
 */
int sk_call_hangup(struct sk_call *c);
/** Sends a re-INVITE in the confirmed dialog (§14.1); one at a time (-SK_ESTATE). */
int sk_call_reinvite(struct sk_call *c, const char *sdp);

/* ---- calls we answer (§13.3) --------------------------------------------- */

/**
 * A provisional (180, 183) with our To tag: an early dialog (§13.3.1.1).
 * When the INVITE asked for 100rel it goes reliably (RFC 3262 §3: RSeq,
 * Require: 100rel, retransmitted until its PRACK); while one is
 * unacknowledged a later ring waits for the PRACK (the newest code wins).
 */
int sk_call_ring(struct sk_call *c, int code);
/** A 2xx with our session, retransmitted until the ACK comes (§13.3.1.4). */
int sk_call_answer(struct sk_call *c, const char *sdp);
/** A final non-2xx (300-699), reason NULL for the default phrase. */
int sk_call_reject(struct sk_call *c, int code, const char *reason);

/* ---- about a call -------------------------------------------------------- */

enum sk_call_dir sk_call_dir(const struct sk_call *c);
enum sk_call_state sk_call_state(const struct sk_call *c);
enum sk_call_outcome sk_call_outcome(const struct sk_call *c);
/** The final status of the INVITE: received (out) or sent (in); 0 none. */
int sk_call_status(const struct sk_call *c);
/** The Reason of the CANCEL (in) or BYE received, "" when none. */
const char *sk_call_reason(const struct sk_call *c);
const char *sk_call_id(const struct sk_call *c);
/** Dialogs the call has had: several when a forked INVITE came back from several phones. */
unsigned sk_call_dialogs(const struct sk_call *c);
/** The final status of the last re-INVITE (0: none yet). */
int sk_call_reinvite_status(const struct sk_call *c);
/** out: the 401/407 challenges the call answered by sending its INVITE again. */
unsigned sk_call_auth_answers(const struct sk_call *c);
/** True when the INVITE uses reliable provisionals (RFC 3262). */
bool sk_call_100rel(const struct sk_call *c);
/** True when a CANCEL was asked for (out) or received (in). */
bool sk_call_cancel_asked(const struct sk_call *c);
void *sk_call_user(const struct sk_call *c);
void sk_call_set_user(struct sk_call *c, void *user);

#endif
