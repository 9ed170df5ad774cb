/* SPDX-License-Identifier: BSD-3-Clause */
/** sipkit messages: parsing, typed headers, framing, building (RFC 3261 §7, §20, §25). */
#ifndef SIPKIT_MSG_H
#define SIPKIT_MSG_H

#include "sipkit/core.h"
#include "sipkit/uri.h"

/* ---- header names ------------------------------------------------------- */

/** Known header names; anything else is SK_HDR_OTHER and kept verbatim. */
enum sk_hdr_id {
	SK_HDR_OTHER = 0,
	SK_HDR_ACCEPT,
	SK_HDR_ACCEPT_CONTACT,
	SK_HDR_ACCEPT_ENCODING,
	SK_HDR_ACCEPT_LANGUAGE,
	SK_HDR_ALERT_INFO,
	SK_HDR_ALLOW,
	SK_HDR_ALLOW_EVENTS,
	SK_HDR_AUTHENTICATION_INFO,
	SK_HDR_AUTHORIZATION,
	SK_HDR_CALL_ID,
	SK_HDR_CALL_INFO,
	SK_HDR_CONTACT,
	SK_HDR_CONTENT_DISPOSITION,
	SK_HDR_CONTENT_ENCODING,
	SK_HDR_CONTENT_LANGUAGE,
	SK_HDR_CONTENT_LENGTH,
	SK_HDR_CONTENT_TYPE,
	SK_HDR_CSEQ,
	SK_HDR_DATE,
	SK_HDR_ERROR_INFO,
	SK_HDR_EVENT,
	SK_HDR_EXPIRES,
	SK_HDR_FROM,
	SK_HDR_IDENTITY,
	SK_HDR_IN_REPLY_TO,
	SK_HDR_MAX_FORWARDS,
	SK_HDR_MIME_VERSION,
	SK_HDR_MIN_EXPIRES,
	SK_HDR_MIN_SE,
	SK_HDR_ORGANIZATION,
	SK_HDR_P_ACCESS_NETWORK_INFO,
	SK_HDR_P_ASSERTED_IDENTITY,
	SK_HDR_P_CALLED_PARTY_ID,
	SK_HDR_P_CHARGING_VECTOR,
	SK_HDR_P_PREFERRED_IDENTITY,
	SK_HDR_PATH,
	SK_HDR_PRIORITY,
	SK_HDR_PRIVACY,
	SK_HDR_PROXY_AUTHENTICATE,
	SK_HDR_PROXY_AUTHORIZATION,
	SK_HDR_PROXY_REQUIRE,
	SK_HDR_RACK,
	SK_HDR_REASON,
	SK_HDR_RECORD_ROUTE,
	SK_HDR_REFER_TO,
	SK_HDR_REFERRED_BY,
	SK_HDR_REJECT_CONTACT,
	SK_HDR_REPLY_TO,
	SK_HDR_REQUEST_DISPOSITION,
	SK_HDR_REQUIRE,
	SK_HDR_RETRY_AFTER,
	SK_HDR_ROUTE,
	SK_HDR_RSEQ,
	SK_HDR_SECURITY_CLIENT,
	SK_HDR_SECURITY_SERVER,
	SK_HDR_SECURITY_VERIFY,
	SK_HDR_SERVER,
	SK_HDR_SERVICE_ROUTE,
	SK_HDR_SESSION_EXPIRES,
	SK_HDR_SUBJECT,
	SK_HDR_SUBSCRIPTION_STATE,
	SK_HDR_SUPPORTED,
	SK_HDR_TIMESTAMP,
	SK_HDR_TO,
	SK_HDR_UNSUPPORTED,
	SK_HDR_USER_AGENT,
	SK_HDR_VIA,
	SK_HDR_WARNING,
	SK_HDR_WWW_AUTHENTICATE,
	SK_HDR__COUNT
};

/** Identifies a header name (full or compact form, any case). */
enum sk_hdr_id sk_hdr_lookup(const char *name, size_t len);
/** The canonical full name of a known header ("Call-ID"), NULL for SK_HDR_OTHER. */
const char *sk_hdr_name(enum sk_hdr_id id);
/** The compact form letter of a header (RFC 3261 §7.3.3), or 0. */
char sk_hdr_compact(enum sk_hdr_id id);

/** One header line as received; name and value are views (value trimmed, unfolded). */
struct sk_hdr {
	enum sk_hdr_id id;
	struct sk_str name;
	struct sk_str value;
	uint32_t line; /* 1-based line number in the message */
	uint32_t next; /* index of the next header with the same id, or UINT32_MAX */
};

/* ---- parameters --------------------------------------------------------- */

/**
 * Iterates ";name=value" parameter lists (generic-param, §25.1). *pos starts at 0.
 * Returns 1 with name/value set (value not present when the parameter has no '=';
 * quoted values include their quotes), 0 at the end.
 */
int sk_param_next(struct sk_str params, size_t *pos, struct sk_str *name, struct sk_str *value);
/** Finds a parameter by name (case-insensitive): 0 or -SK_ENOTFOUND. */
int sk_param_find(struct sk_str params, const char *name, struct sk_str *value);

/* ---- typed values ------------------------------------------------------- */

/** A Via value (§20.42): "SIP/2.0/UDP host:port;params". */
struct sk_via {
	struct sk_str raw;
	struct sk_str proto_name;    /* "SIP" */
	struct sk_str proto_version; /* "2.0" */
	struct sk_str transport;     /* "UDP", "TCP", or any token */
	struct sk_str host;          /* IPv6 references include brackets */
	struct sk_str port_str;
	struct sk_str params; /* without the first ';' */
	struct sk_str branch;
	struct sk_str received;
	struct sk_str rport; /* present without value: p set, len 0 (RFC 3581) */
	struct sk_str maddr;
	struct sk_str ttl;
	enum sk_host_type host_type;
	uint16_t port;
	uint32_t hdr; /* index of the header line it came from */
};

/** True when the branch starts with the RFC 3261 magic cookie (§8.1.1.7). */
bool sk_via_branch_is_3261(const struct sk_via *via);

/**
 * A name-addr or addr-spec with parameters: From, To, Contact, Route,
 * Record-Route, Reply-To, P-Asserted-Identity ... (§20.10, §20.20, §20.39).
 */
struct sk_addr {
	struct sk_str raw;
	struct sk_str display; /* as written, quotes included */
	struct sk_str params;  /* header parameters, after the URI, without first ';' */
	struct sk_str tag;     /* From/To tag */
	struct sk_str expires; /* Contact expires param */
	struct sk_str q;       /* Contact q param */
	struct sk_uri uri;
	bool angle; /* written as <uri> */
	bool star;  /* Contact: * */
	uint32_t hdr;
};

/** CSeq (§20.16). */
struct sk_cseq {
	uint32_t num;
	struct sk_str method;
};

/** One Reason value (RFC 3326 §2): protocol ;cause=N ;text="...". */
struct sk_reason {
	struct sk_str protocol; /* SIP, Q.850, RELEASE_CAUSE, any token */
	struct sk_str text;     /* without quotes, escapes not removed */
	struct sk_str params;   /* all params, without the first ';' */
	uint32_t cause;
	bool has_cause;
};

/** Parses a Reason header value into out[0..max); count in *n. */
int sk_reason_parse(struct sk_str value, struct sk_reason *out, size_t max, size_t *n,
                    const char **err_why);
/** Parses one addr value (name-addr or addr-spec with params). */
int sk_addr_parse(struct sk_addr *a, struct sk_str s, bool contact, const char **err_why);
/** Parses one Via value. */
int sk_via_parse(struct sk_via *v, struct sk_str s, const char **err_why);

/* ---- messages ----------------------------------------------------------- */

/** Parser limits; a stack holds one set. */
struct sk_msg_limits {
	uint32_t max_msg_size; /* bytes, default 65536 */
	uint32_t max_headers;  /* header lines, default 256 */
	uint32_t max_line_len; /* bytes per (unfolded) header line, default 8192 */
	uint32_t max_vias;     /* Via values, default 64 */
	uint32_t max_addrs;    /* Contact+Route+Record-Route values, default 128 */
};

/** The defaults above. */
struct sk_msg_limits sk_msg_limits_default(void);

/** Where and why parsing failed. */
struct sk_parse_err {
	uint32_t line;   /* 1-based; 0 when not tied to a line */
	uint32_t col;    /* 1-based column within the line, 0 if unknown */
	char hdr[48];    /* header name involved, "" for the start line */
	const char *why; /* static text */
	int status;      /* SIP status a server would answer (400, 505 ...), 0 for responses */
};

struct sk_msg;

/** Allocates an empty message with the given limits (NULL: defaults). */
int sk_msg_new(struct sk_msg **out, const struct sk_msg_limits *lim);
/** Frees a message (NULL-safe); its thread may keep it for its next sk_msg_new. */
void sk_msg_free(struct sk_msg *m);
/** Frees the messages this thread keeps for reuse (also done when the thread exits). */
void sk_msg_pool_drain(void);
/** How many freed messages this thread keeps for reuse (at most 16). */
size_t sk_msg_pool_size(void);

/**
 * Parses one datagram-framed message from buf (zero-copy: buf must outlive m).
 * Without Content-Length the body runs to the end of buf (§18.3, UDP only);
 * bytes after Content-Length are ignored. Reuses m; on error err says why.
 */
int sk_msg_parse(struct sk_msg *m, const char *buf, size_t len, struct sk_parse_err *err);
/** Like sk_msg_parse but for stream transports: Content-Length is mandatory. */
int sk_msg_parse_stream(struct sk_msg *m, const char *buf, size_t len, struct sk_parse_err *err);
/**
 * Like sk_msg_parse for bytes this stack composed itself (a request built from a
 * parse, our Via on top): the header lines are split and Via, CSeq, Call-ID and the
 * other scalar headers parsed, but neither the Request-URI nor the address headers
 * (From, To, Contact, Route, Record-Route): sk_msg_ruri, sk_msg_from, sk_msg_to and
 * the address lists are empty, their header values are there. About half a full
 * parse's work; never for bytes from the network.
 */
int sk_msg_parse_shallow(struct sk_msg *m, const char *buf, size_t len, struct sk_parse_err *err);
/** Like sk_msg_parse, but m keeps its own copy of the bytes. */
int sk_msg_parse_copy(struct sk_msg *m, const char *buf, size_t len, struct sk_parse_err *err);

/**
 * Stream framing (§18.3): finds the next message in buf. Leading CRLFs
 * (RFC 5626 §3.5.1 keep-alives) are counted in *skip. Returns 0 with the
 * message at buf+*skip of *msg_len bytes, -SK_EAGAIN when more bytes are
 * needed, -SK_EMALFORMED or -SK_ETOOBIG (the connection should be closed).
 */
int sk_msg_frame(const char *buf, size_t len, const struct sk_msg_limits *lim, size_t *skip,
                 size_t *msg_len, struct sk_parse_err *err);

bool sk_msg_is_request(const struct sk_msg *m);
/** Request method token (requests) or empty. */
struct sk_str sk_msg_method(const struct sk_msg *m);
/** Request-URI text and parsed form (requests). */
struct sk_str sk_msg_ruri_str(const struct sk_msg *m);
const struct sk_uri *sk_msg_ruri(const struct sk_msg *m);
/** Status code and reason phrase (responses). */
int sk_msg_status(const struct sk_msg *m);
struct sk_str sk_msg_reason_phrase(const struct sk_msg *m);
/** "SIP/2.0" as written. */
struct sk_str sk_msg_version(const struct sk_msg *m);
/** The whole message as parsed, the start line, and the body. */
struct sk_str sk_msg_raw(const struct sk_msg *m);
struct sk_str sk_msg_start_line(const struct sk_msg *m);
struct sk_str sk_msg_body(const struct sk_msg *m);

size_t sk_msg_hdr_count(const struct sk_msg *m);
const struct sk_hdr *sk_msg_hdr_at(const struct sk_msg *m, size_t i);
/** First header of an id, or NULL; follow ->next with sk_msg_hdr_at. */
const struct sk_hdr *sk_msg_hdr_first(const struct sk_msg *m, enum sk_hdr_id id);
/** Number of header lines of an id. */
size_t sk_msg_hdr_num(const struct sk_msg *m, enum sk_hdr_id id);
/** First header with this name (any case; compact forms resolved), or NULL. */
const struct sk_hdr *sk_msg_hdr_find(const struct sk_msg *m, const char *name);

size_t sk_msg_via_count(const struct sk_msg *m);
const struct sk_via *sk_msg_via(const struct sk_msg *m, size_t i);
/**
 * What a server transport writes into the top Via of a request it received
 * (§18.2.1, RFC 3581 §4): received (present: set or replaced) and, when the
 * Via has an rport parameter and rport >= 0, its value. The header line is
 * rewritten in the message's own memory; accessors, printing and copying see
 * the new value. 0, -SK_EINVAL (no Via) or -SK_ENOMEM.
 */
int sk_msg_via_stamp(struct sk_msg *m, struct sk_str received, int32_t rport);
/** From and To (first of each), NULL when absent. */
const struct sk_addr *sk_msg_from(const struct sk_msg *m);
const struct sk_addr *sk_msg_to(const struct sk_msg *m);
/** Contact, Route and Record-Route values, in order across header lines. */
size_t sk_msg_addr_count(const struct sk_msg *m, enum sk_hdr_id id);
const struct sk_addr *sk_msg_addr(const struct sk_msg *m, enum sk_hdr_id id, size_t i);
/** Call-ID (empty view with p NULL when absent). */
struct sk_str sk_msg_call_id(const struct sk_msg *m);
/** CSeq, NULL when absent. */
const struct sk_cseq *sk_msg_cseq(const struct sk_msg *m);
/** Max-Forwards value, or -1 when absent. */
int sk_msg_max_forwards(const struct sk_msg *m);
/** Content-Length value, or -1 when absent. */
long sk_msg_content_length(const struct sk_msg *m);
/** Content-Type value (trimmed), empty view when absent. */
struct sk_str sk_msg_content_type(const struct sk_msg *m);
/** Expires header value, or -1 when absent. */
long sk_msg_expires(const struct sk_msg *m);

/**
 * Option-tag / token list headers (Require, Proxy-Require, Supported,
 * Unsupported, Allow, Accept ...): iterates comma-separated values across
 * all lines of that id. *it starts at {0}. Returns 1 with a value, 0 at the end.
 */
struct sk_list_iter {
	uint32_t hdr;
	size_t pos;
	bool started;
};
int sk_msg_list_next(const struct sk_msg *m, enum sk_hdr_id id, struct sk_list_iter *it,
                     struct sk_str *value);
/** True when the list header id contains token (case-insensitive). */
bool sk_msg_list_has(const struct sk_msg *m, enum sk_hdr_id id, const char *token);
/**
 * Joins into buf (NUL-terminated) with ", ": every line of header id as
 * written (sk_msg_hdr_join: Reason values keep their quoted text whole), or
 * every value of a list header (sk_msg_list_join: option tags of Require).
 * Only whole values go in; the first that does not fit ends the list.
 * Returns the number of values written.
 */
size_t sk_msg_hdr_join(const struct sk_msg *m, enum sk_hdr_id id, char *buf, size_t size);
size_t sk_msg_list_join(const struct sk_msg *m, enum sk_hdr_id id, char *buf, size_t size);
/** All Reason values of all Reason lines, in order. */
int sk_msg_reasons(const struct sk_msg *m, struct sk_reason *out, size_t max, size_t *n,
                   struct sk_parse_err *err);

/* ---- semantic checks (what a UAS or proxy must refuse) ------------------ */

/** Facts about a syntactically parsed message that a server must act on. */
enum sk_msg_issue {
	SK_ISSUE_MISSING_HDR = 1,    /* mandatory header absent (§8.1.1) -> 400 */
	SK_ISSUE_DUPLICATE_HDR,      /* single-value header repeated -> 400 */
	SK_ISSUE_CL_CONFLICT,        /* several different Content-Lengths -> 400 */
	SK_ISSUE_CSEQ_METHOD,        /* CSeq method != request method -> 400 */
	SK_ISSUE_URI_SCHEME,         /* Request-URI scheme not supported -> 416 */
	SK_ISSUE_MAX_FORWARDS_ZERO,  /* Max-Forwards 0 -> a proxy answers 483 */
	SK_ISSUE_BRANCH_COOKIE_ONLY, /* branch is just "z9hG4bK" (RFC 4475 §3.2.1) */
	SK_ISSUE_NO_BRANCH,          /* RFC 2543 peer: no 3261 branch, fall back */
	SK_ISSUE_OUT_OF_RANGE,       /* Max-Forwards > 255, Expires >= 2**32: ignored */
};

struct sk_msg_finding {
	enum sk_msg_issue issue;
	int status;      /* what a UAS answers, 0 when nothing */
	char hdr[48];    /* header concerned */
	const char *why; /* static text */
};

/**
 * Lists the semantic findings of a parsed message into out[0..max); returns how
 * many there are (may exceed max). The first with a status is what a UAS answers.
 */
size_t sk_msg_check(const struct sk_msg *m, struct sk_msg_finding *out, size_t max);

/**
 * For a request that failed to parse: parses into m (its own copy) a stand-in
 * request holding only the header lines a response copies (Via, From, To,
 * Call-ID, CSeq, §8.2.6.2) that parse, so a server can still answer 400 or
 * 505. Returns 0, -SK_EMALFORMED when no Via survives, -SK_EINVAL for a response.
 */
int sk_msg_salvage(struct sk_msg *m, const char *buf, size_t len);

/* ---- building and printing (§8.1.1, §8.2.6, §9.1, §17.1.1.3) ------------ */

/** A message being built; headers are appended in order. */
struct sk_build;

/** Starts a request "METHOD ruri SIP/2.0". */
int sk_build_request(struct sk_build **out, struct sk_str method, struct sk_str ruri);
/** Starts a response "SIP/2.0 code reason" (reason NULL: the default phrase). */
int sk_build_response(struct sk_build **out, int code, const char *reason);
void sk_build_free(struct sk_build *b);
/** Appends a header line "name: value". */
int sk_build_hdr(struct sk_build *b, const char *name, struct sk_str value);
/** Appends a header formatted with printf rules. */
int sk_build_hdrf(struct sk_build *b, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/**
 * Appends header lines written "Name: value\r\n..." (a TU's extra headers:
 * Contact, Allow, Unsupported ...). -SK_EINVAL for text not in that form.
 */
int sk_build_hdr_lines(struct sk_build *b, const char *lines);
/** Copies every header line of id from m, in order (name canonical). */
int sk_build_copy(struct sk_build *b, const struct sk_msg *m, enum sk_hdr_id id);
/** Sets the body and its Content-Type (type NULL: no Content-Type). */
int sk_build_body(struct sk_build *b, const char *type, const void *body, size_t len);
/**
 * Finishes: appends Content-Length (computed) and the body. The result is in
 * b's own buffer: valid until sk_build_free or the next change to b (which a
 * later sk_build_finish counts again).
 */
int sk_build_finish(struct sk_build *b, struct sk_str *out);

/**
 * A response to req per §8.2.6.1: Via (all), From, To (adding to_tag when the
 * request's To has none and code > 100), Call-ID, CSeq; Timestamp for 100.
 */
int sk_build_response_to(struct sk_build **out, const struct sk_msg *req, int code,
                         const char *reason, const char *to_tag);
/* ---- what CANCEL and ACK copy from their request (§9.1, §17.1.1.3) ------- */

/** A run of bytes at off (see struct sk_hop), len long. */
struct sk_span {
	uint32_t off, len;
};

/**
 * Where the fields a CANCEL or an ACK copies from its INVITE lie: Request-URI,
 * top Via value, From and To values, Call-ID, CSeq number, Route values. A
 * pending client transaction keeps its request's bytes and this record, not a
 * parse (a parse is several KB; a proxy holds one request per branch of every
 * ringing call). Spans are offsets into the request's bytes, or, for a value
 * the parser had to unfold (§7.3.1), SK_SPAN_EXTRA + an offset into the bytes
 * that follow route[] in the same block.
 */
struct sk_hop {
	struct sk_span ruri, via, from, to, call_id;
	uint32_t cseq;
	uint32_t nroutes;
	uint32_t extra_len;
	struct sk_span route[]; /* nroutes, then extra_len bytes */
};
#define SK_SPAN_EXTRA 0x80000000u

/** The size of the sk_hop of request req, 0 when it lacks a field a CANCEL needs. */
size_t sk_hop_size(const struct sk_msg *req);
/** Fills h (of sk_hop_size(req) bytes) from req: 0, or -SK_EINVAL. */
int sk_hop_fill(struct sk_hop *h, size_t size, const struct sk_msg *req);
/** A value of h: raw is the request's bytes h was filled from (its sk_msg_raw). */
struct sk_str sk_hop_str(const struct sk_hop *h, const char *raw, struct sk_span s);
/** sk_build_cancel from the record of the INVITE and its bytes. */
int sk_build_cancel_hop(struct sk_build **out, const struct sk_hop *h, const char *raw,
                        const char *reason);
/** sk_build_ack from the record of the INVITE and its bytes. */
int sk_build_ack_hop(struct sk_build **out, const struct sk_hop *h, const char *raw,
                     const struct sk_msg *resp);

/**
 * A CANCEL for invite per §9.1: same Request-URI, Call-ID, From, To and CSeq
 * number (method CANCEL), one Via equal to the INVITE's top Via, the INVITE's
 * Route set, and a Reason (RFC 3326) when reason is non-NULL.
 */
int sk_build_cancel(struct sk_build **out, const struct sk_msg *invite, const char *reason);
/**
 * The ACK for a non-2xx final response per §17.1.1.3: the INVITE's Request-URI,
 * Call-ID, From, top Via and Route set, the response's To, CSeq number with ACK.
 */
int sk_build_ack(struct sk_build **out, const struct sk_msg *invite, const struct sk_msg *resp);

/** How a proxy passes a request on (§16.6). */
struct sk_forward {
	struct sk_str ruri;       /* the new Request-URI; empty: unchanged */
	const char *record_route; /* a Record-Route value added on top, e.g. "<sip:p;lr>" */
	size_t drop_routes;       /* Route values removed from the top (§16.4: ours) */
	bool
	    drop_last_route; /* the last Route value removed (§16.4, strict-router compatibility) */
	const char *route_tail; /* a Route value appended (strict-router compatibility) */
	uint32_t max_breadth; /* RFC 5393 §5.3: the copy's Max-Breadth, replacing any; 0: as is */
	const struct sk_hdr *drop_hdr; /* a header line of req not copied (credentials we used) */
};

/**
 * A copy of req to forward: the Request-URI replaced, Max-Forwards one less
 * (70 when absent), the Record-Route added above the others, the first
 * drop_routes Route values removed; every other line and the body as
 * received. The Via of the next hop is added by the transaction layer.
 */
int sk_build_forward_request(struct sk_build **out, const struct sk_msg *req,
                             const struct sk_forward *fw);
/** A copy of a response without its top Via value, to pass upstream (§16.7 step 3). */
int sk_build_forward_response(struct sk_build **out, const struct sk_msg *resp);

/**
 * Prints a parsed message in wire form with canonical header names and a
 * recomputed Content-Length. Returns the size needed (may exceed dstsize).
 */
size_t sk_msg_print(const struct sk_msg *m, char *dst, size_t dstsize);

/** The default reason phrase of a status code (§21), "" if unknown. */
const char *sk_status_phrase(int code);

#endif
