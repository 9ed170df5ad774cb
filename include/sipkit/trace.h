/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Offline analysis of SIP traffic (src/trace): SIP messages read out of
 * captures (pcap, pcapng through libpcap) and message logs, and written back;
 * calls, transactions and dialogs rebuilt from them; findings about their
 * cancellation with the stable codes of DESIGN.md.
 */
#ifndef SIPKIT_TRACE_H
#define SIPKIT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>

#include "sipkit/core.h"
#include "sipkit/msg.h"

/* ---- messages out of captures and logs ----------------------------------- */

/**
 * An endpoint as a capture shows it: family 4 or 6 with its address. A log
 * that names no addresses (SIPp's -trace_msg) gives family 0, and ip[0] says
 * which side: SK_TRACE_SIDE_LOCAL (the program that wrote the log) or
 * SK_TRACE_SIDE_PEER.
 */
struct sk_trace_addr {
	uint8_t family;
	uint8_t ip[16];
	uint16_t port;
};

enum { SK_TRACE_SIDE_LOCAL = 1, SK_TRACE_SIDE_PEER = 2 };

enum sk_trace_proto {
	SK_TRACE_UDP = 1,
	SK_TRACE_TCP,
	SK_TRACE_OTHER, /* a log that does not say */
	SK_TRACE_SCTP,  /* RFC 4168 */
};

/** One SIP message (or a candidate that did not parse) out of an input. */
struct sk_trace_pkt {
	uint64_t frame; /* capture: 1-based number of the frame that completed it; log: 1-based
	                   message number */
	int64_t ts_us;  /* that frame's time, microseconds since the epoch (a log's relative times:
	                   since 0) */
	struct sk_trace_addr src, dst;
	enum sk_trace_proto proto;
	const char *data; /* the message's bytes (a stream: one framed message); valid until the
	                     next read */
	size_t len;
	/* the identification of the IP packet that carried it (IPv4 ID, IPv6 fragment ID; the
	   inner header of a tunnel): a packet captured twice has the same one */
	uint32_t ip_id;
	bool has_ip_id; /* false: none to compare (a TCP stream, a log, unfragmented IPv6) */
};

enum sk_trace_format {
	SK_TRACE_FMT_PCAP = 1,
	SK_TRACE_FMT_PCAPNG,
	SK_TRACE_FMT_SIPKIT_LOG, /* "--- TIME PROTO SRC -> DST" then the message (see README) */
	SK_TRACE_FMT_SIPP_LOG,   /* SIPp -trace_msg */
	SK_TRACE_FMT_RAW,        /* a file holding one raw message */
};

struct sk_trace_reader_config {
	const uint16_t
	    *ports; /* SIP only on these ports (either end); none: recognised by content */
	size_t nports;
	size_t
	    max_streams; /* TCP streams tracked at once (0: 4096); the oldest idle one goes first */
	size_t max_stream_buf; /* bytes held per stream direction, out-of-order ones included (0:
	                          256 KiB) */
	size_t max_frag_bytes; /* bytes held for IP reassembly in all (0: 16 MiB) */
	size_t max_message;    /* largest SIP message (0: 64 KiB, as sk_msg_limits) */
};

/**
 * Why a packet (or a run of stream bytes, or a log entry) was not read as a
 * SIP message: every one that is not is counted under one of these (src/trace/
 * skip.c), and `sipkit check` prints the counts by their stable names. A
 * decoder that learns a new way to fail adds its reason before
 * SK_TRACE_SKIP_COUNT, with its name and summary in skip.c.
 */
enum sk_trace_skip {
	SK_TRACE_SKIP_NOT_SIP = 0,      /* a UDP, TCP or SCTP payload that is not SIP */
	SK_TRACE_SKIP_TLS,              /* TLS or DTLS records: encrypted, not read */
	SK_TRACE_SKIP_OTHER_PORT,       /* outside the ports given (--port) */
	SK_TRACE_SKIP_KEEPALIVE,        /* a CRLF keep-alive (RFC 5626 §3.5.1), no message */
	SK_TRACE_SKIP_NOT_IP,           /* a link-layer frame without IP (ARP, LLDP, STP ...) */
	SK_TRACE_SKIP_OTHER_IP_PROTO,   /* IP carrying neither UDP, TCP, SCTP nor a tunnel */
	SK_TRACE_SKIP_UNKNOWN_LINK,     /* a link type that is not decoded */
	SK_TRACE_SKIP_UNKNOWN_ENCAP,    /* an EtherType, GRE protocol or tunnel not decoded */
	SK_TRACE_SKIP_TOO_DEEP,         /* tunnels nested deeper than the limit */
	SK_TRACE_SKIP_TRUNCATED,        /* cut by the snapshot length, or by the stream's end */
	SK_TRACE_SKIP_MALFORMED,        /* link, IP, UDP, TCP or tunnel header inconsistent */
	SK_TRACE_SKIP_TOO_LARGE,        /* a SIP message larger than the limit (--max-message) */
	SK_TRACE_SKIP_FRAGMENT_MISSING, /* an IP datagram whose fragments never all came */
	SK_TRACE_SKIP_STREAM_GAP,       /* a TCP stream's bytes never captured (a hole) */
	SK_TRACE_SKIP_OVER_LIMIT,       /* reassembly memory or the stream table was full */
	SK_TRACE_SKIP_SCTP_MALFORMED,   /* SCTP chunks that loop, are empty, cut or misordered */
	SK_TRACE_SKIP_WS_BAD_FRAME,   /* a bad WebSocket frame: the rest of that direction unread */
	SK_TRACE_SKIP_HEP_MALFORMED,  /* a HEP datagram with a wrong or cut length or field */
	SK_TRACE_SKIP_HEP_NOT_SIP,    /* HEP carrying another protocol (RTCP, logs ...) */
	SK_TRACE_SKIP_HEP_COMPRESSED, /* HEP with a compressed payload (chunk 0x0010), not read */
	SK_TRACE_SKIP_COUNT
};

struct sk_trace_reader_stats {
	uint64_t frames;      /* frames (or log entries) read */
	uint64_t messages;    /* SIP messages handed out */
	uint64_t not_sip;     /* frames or stream bytes runs that were not SIP */
	uint64_t fragments;   /* IP fragments seen */
	uint64_t reassembled; /* IP datagrams rebuilt from fragments */
	uint64_t tcp_retrans; /* TCP segments already seen, in whole or part */
	uint64_t tcp_gaps;    /* stream holes never filled (bytes skipped to resynchronise) */
	uint64_t dropped;     /* frames or streams given up at a limit */
	uint64_t tunnelled;   /* frames read through at least one tunnel (GRE, VXLAN ...) */
	uint64_t skipped[SK_TRACE_SKIP_COUNT]; /* by reason (not_sip and dropped sum them up) */
	uint64_t too_large_max;   /* the largest declared size of a too_large message */
	uint64_t too_large_frame; /* its frame */
	/* HEP (v1, v2, v3): SIP messages read out of HEP datagrams, and the HEP datagrams
	 * skipped, by reason */
	uint64_t hep;
	uint64_t ws_streams;   /* TCP directions read as SIP over WebSocket (RFC 7118) */
	uint64_t live_dropped; /* live input: datagrams or frames the kernel dropped unread */
};

/** The stable snake_case name of a reason ("tls"), and one line for a person; NULL past the end. */
const char *sk_trace_skip_name(enum sk_trace_skip why);
const char *sk_trace_skip_summary(enum sk_trace_skip why);
/** The reason called name, or SK_TRACE_SKIP_COUNT. */
enum sk_trace_skip sk_trace_skip_find(const char *name);
/** Counts one thing not read, for why. */
void sk_trace_skip_count(struct sk_trace_reader_stats *st, enum sk_trace_skip why);
/** Counts one message too large to read, whose head declares (or shows) size bytes. */
void sk_trace_skip_too_large(struct sk_trace_reader_stats *st, uint64_t size, uint64_t frame);
/** Everything skipped, all reasons together. */
uint64_t sk_trace_skipped_total(const struct sk_trace_reader_stats *st);
/**
 * The size a message's head announces: its header section (up to and with the
 * empty line) plus its Content-Length (or compact l). Returns true with *size
 * when both are in buf[0, len); false otherwise, *size then being the bytes
 * seen (a lower bound).
 */
bool sk_trace_declared_size(const char *buf, size_t len, uint64_t *size);

struct sk_trace_reader;

/**
 * Opens a capture or a log; its format is told by its first bytes. "-" is
 * stdin. Returns 0, or -SK_EIO (cannot open, or not a capture or log we
 * read) with the reason written to err.
 */
int sk_trace_reader_open(struct sk_trace_reader **out, const char *path,
                         const struct sk_trace_reader_config *cfg, char *err, size_t errsize);
/**
 * The same over len bytes in memory (a capture, a log or a message), which
 * must stay valid until sk_trace_reader_free. For tests and fuzzing.
 */
int sk_trace_reader_open_mem(struct sk_trace_reader **out, const void *data, size_t len,
                             const struct sk_trace_reader_config *cfg, char *err, size_t errsize);
/**
 * The next SIP message: 1 with *pkt filled, 0 at the end of the input, or
 * -SK_EIO when reading stopped at a truncated or corrupt frame
 * (sk_trace_reader_error says where). Messages returned before stay valid
 * results: the caller checks them.
 */
int sk_trace_reader_next(struct sk_trace_reader *r, struct sk_trace_pkt *pkt);
/** Why reading stopped, and at which frame (1-based; the first frame not read). */
const char *sk_trace_reader_error(const struct sk_trace_reader *r, uint64_t *frame);
enum sk_trace_format sk_trace_reader_format(const struct sk_trace_reader *r);
/** Bytes of the input consumed so far, and its size (0 when unknown: a pipe). */
void sk_trace_reader_progress(const struct sk_trace_reader *r, uint64_t *done, uint64_t *total);
struct sk_trace_reader_stats sk_trace_reader_stats(const struct sk_trace_reader *r);
void sk_trace_reader_free(struct sk_trace_reader *r);

/* ---- live input --------------------------------------------------------- */

/**
 * Messages as they arrive: HEP (v1, v2, v3) received on a UDP socket, or
 * frames captured from a network interface through libpcap (decoded as a
 * capture file's). Non-blocking: the caller waits on sk_trace_live_fd.
 */
struct sk_trace_live_config {
	const char *hep;    /* "udp:HOST:PORT" (IPv6: "udp:[::1]:9060"), or NULL */
	const char *iface;  /* an interface to capture from ("lo", "any"), or NULL */
	const char *filter; /* a BPF filter for iface (pcap-filter(7)), or NULL */
	struct sk_trace_reader_config reader;
};
struct sk_trace_live;
/** Opens exactly one of hep and iface. 0, or -SK_EIO with the reason in err. */
int sk_trace_live_open(struct sk_trace_live **out, const struct sk_trace_live_config *cfg,
                       struct sk_clock *clock, char *err, size_t errsize);
/** The descriptor to poll for reading. */
int sk_trace_live_fd(const struct sk_trace_live *l);
/** "udp:127.0.0.1:9060" or the interface's name. */
const char *sk_trace_live_name(const struct sk_trace_live *l);
/**
 * The next message: 1 with *pkt filled (valid until the next call), 0 when
 * none is waiting (or, after sk_trace_live_end, none is left), -SK_EIO when
 * the socket or the capture failed, -SK_ENOMEM.
 */
int sk_trace_live_next(struct sk_trace_live *l, struct sk_trace_pkt *pkt);
/** Input stops: what the kernel already holds, then what the TCP streams still hold,
 * come out of sk_trace_live_next; then it returns 0. */
void sk_trace_live_end(struct sk_trace_live *l);
struct sk_trace_reader_stats sk_trace_live_stats(const struct sk_trace_live *l);
void sk_trace_live_free(struct sk_trace_live *l);

/**
 * Writes messages as a capture (SK_TRACE_FMT_PCAP: Ethernet, IPv4 or IPv6,
 * UDP datagrams, or TCP segments with running sequence numbers per stream)
 * or as a sipkit log (SK_TRACE_FMT_SIPKIT_LOG). For the phones and the proxy's
 * --trace option, and for tests and benchmarks that need captures.
 */
struct sk_trace_writer;
int sk_trace_writer_open(struct sk_trace_writer **out, const char *path, enum sk_trace_format fmt);
int sk_trace_writer_add(struct sk_trace_writer *w, const struct sk_trace_pkt *pkt);
/** Hands what is buffered to the OS, so that a reader of the file sees every message
 * added so far, each whole (a live trace): 0 or -SK_EIO. */
int sk_trace_writer_flush(struct sk_trace_writer *w);
/** Flushes and closes; 0 or -SK_EIO when a write failed. */
int sk_trace_writer_close(struct sk_trace_writer *w);

/** "udp", "tcp" or "sip"; and "1.2.3.4:5060", "[::1]:5060", "local" or "peer". */
const char *sk_trace_proto_name(enum sk_trace_proto p);
size_t sk_trace_addr_print(const struct sk_trace_addr *a, char *buf, size_t size);
bool sk_trace_addr_eq(const struct sk_trace_addr *a, const struct sk_trace_addr *b);

/* ---- calls, transactions and findings ------------------------------------ */

/*
 * The checker groups messages by Call-ID; within a call it rebuilds the hosts
 * (columns of a ladder), the transactions at each hop with the transaction
 * layer's own matching rules (sk_txn_request_matches and friends), and for
 * each CANCEL the INVITE it cancels or the near miss it was meant for. When a
 * call has been idle for a while (capture time), or at the end, it is
 * analysed, handed to the report callback and freed: memory follows the calls
 * in flight, not the size of the input.
 */

enum sk_trace_severity { SK_SEV_INFO = 0, SK_SEV_WARNING, SK_SEV_ERROR };

enum sk_trace_outcome {
	SK_TRACE_OUT_NONE = 0,  /* no INVITE in this Call-ID (REGISTER, OPTIONS ...) */
	SK_TRACE_OUT_ANSWERED,  /* a 2xx, no CANCEL */
	SK_TRACE_OUT_CANCELLED, /* cancelled cleanly: CANCEL answered 2xx, INVITE 487, ACKed,
	                           no error finding in the call */
	SK_TRACE_OUT_CANCELLED_UNCLEAN, /* cancelled, not clean: outcome_why says what failed */
	SK_TRACE_OUT_ANSWERED_ANYWAY,   /* cancelled, but a 2xx set the call up */
	SK_TRACE_OUT_FAILED,     /* a non-2xx final without CANCEL, or a CANCEL that missed */
	SK_TRACE_OUT_UNFINISHED, /* no final response in the input */
	SK_TRACE_OUT_COUNT
};

/** A diagnostic code of DESIGN.md, with the text a person reads. */
struct sk_trace_code {
	const char *code;                /* "cancel.no_match" */
	enum sk_trace_severity severity; /* its usual severity */
	const char *rfc;                 /* "RFC 3261 §9.2" */
	const char *summary;             /* one line */
	const char *cause;               /* likely cause */
	const char *inspect;             /* what to inspect */
	const char *next;                /* next step */
};

/** The code named so (NULL: none), and the i-th one (NULL past the end). */
const struct sk_trace_code *sk_trace_code_find(const char *code);
const struct sk_trace_code *sk_trace_code_at(size_t i);
size_t sk_trace_code_index(const struct sk_trace_code *c);
#define SK_TRACE_CODES_MAX 64

#define SK_TRACE_FINDING_MSGS 4
struct sk_trace_finding {
	const struct sk_trace_code *code;
	enum sk_trace_severity severity;
	uint32_t
	    msgs[SK_TRACE_FINDING_MSGS]; /* messages involved (indexes in the call); [0] offends */
	uint8_t nmsgs;
	char detail[256]; /* what happened in this call */
	char field[32];   /* the field that differs ("top Via branch"), or "" */
	char ours[160],
	    theirs[160]; /* its value in msgs[0], and in msgs[1] where it should equal */
	char hdr[32];    /* the header to highlight in msgs[0] ("Via"), or "" */
};

struct sk_trace_msg {
	uint64_t frame;
	int64_t ts_us;
	uint32_t file; /* index of the input among those checked */
	struct sk_trace_addr src, dst;
	enum sk_trace_proto proto;
	char *raw; /* the message's bytes (owned by the call) */
	size_t len;
	struct sk_msg *msg; /* NULL when it did not parse: error says why */
	char error[128];
	uint16_t from_host, to_host; /* columns: indexes in the call's hosts */
	int32_t txn;                 /* its transaction, -1: none (a stray response) */
	bool retrans;                /* a retransmission of a message already seen at this hop */
	bool duplicate;  /* the same packet captured again (a second copy, not sent twice) */
	uint32_t dup_of; /* then the first copy's index */
	uint32_t ip_id;  /* its IP packet's identification, when has_ip_id */
	bool has_ip_id;
	char label[48]; /* "INVITE", "180 Ringing", "487 INVITE", "200 CANCEL" */
};

struct sk_trace_txn {
	char method[16];
	bool invite;
	bool ack2xx;                 /* the ACK for a 2xx: a transaction of its own (§17.1.1.3) */
	uint16_t from_host, to_host; /* client -> server */
	uint32_t request;            /* first request message */
	int32_t first_prov, final, first_2xx, ack; /* message indexes, -1: none */
	uint16_t final_status;
	uint32_t requests, responses; /* retransmissions included */
	int32_t cancel; /* INVITE: the CANCEL transaction that cancels it; CANCEL: the INVITE; -1 */
	int32_t parent; /* the transaction a proxy forwarded this one from, -1 */
};

/** A dialog (§12) of the call: From tag and To tag, as its responses and BYE show it. */
struct sk_trace_dialog {
	char from_tag[48], to_tag[48];
	int32_t first;     /* the response that created it (early: a 1xx with a To tag) */
	int32_t confirmed; /* its 2xx, -1: never confirmed */
	int32_t ended;     /* its final non-2xx (early dialog gone) or its BYE, -1: still up */
	uint16_t status;   /* the final status it got, 0: none */
};
#define SK_TRACE_MAX_DIALOGS 16

struct sk_trace_call {
	uint64_t index; /* 1-based, in order of first message */
	char *call_id;
	struct sk_trace_msg *msgs;
	size_t nmsgs;
	uint64_t dropped; /* messages past the per-call limit: counted, not kept */
	bool partial;     /* its start was reported before (more calls in flight than max_calls) */
	struct sk_trace_addr *hosts;
	size_t nhosts;
	struct sk_trace_txn *txns;
	size_t ntxns;
	struct sk_trace_finding *findings;
	size_t nfindings;
	struct sk_trace_dialog *dialogs; /* at most SK_TRACE_MAX_DIALOGS */
	size_t ndialogs;
	const char *const *files; /* the names of the inputs (sk_trace_check_config), or NULL */
	size_t nfiles;
	uint64_t duplicates; /* messages that are a packet captured again (duplicate) */
	enum sk_trace_outcome outcome;
	char outcome_detail[256]; /* one line: the caller's hop, with timing */
	char outcome_why[192];    /* why a cancelled call is not clean, "" when nothing to say */
	int32_t root;             /* the caller's INVITE transaction, -1 */
	/* timing at the caller's hop, microseconds from the INVITE; -1: did not happen */
	int64_t first_prov_us, cancel_us, cancel_resp_us, final_us;
};

struct sk_trace_check_config {
	uint32_t t1_ms;   /* T1 (0: 500 ms); 64*T1 windows follow from it */
	uint32_t idle_ms; /* a call with no message for this long is reported (0: 300 s) */
	size_t max_calls; /* calls held at once (0: 200000); the least recent is reported early */
	size_t max_call_msgs; /* messages kept per call (0: 2000) */
	bool all;             /* report Call-IDs without an INVITE too */
	struct sk_msg_limits limits;
	const char *const *files; /* the inputs' names by file index, for the reports (optional) */
	size_t nfiles;
};

/* Why messages did not parse: the first few distinct reasons, each with its count. */
#define SK_TRACE_UNPARSED_WHYS 8
struct sk_trace_unparsed_why {
	char why[112];  /* "header CSeq: ...", "no Call-ID", "larger than 65536 bytes" */
	uint64_t count; /* messages with this reason */
	uint64_t frame; /* the first one: its frame and input */
	uint32_t file;
};

struct sk_trace_totals {
	uint64_t messages, unparsed, calls, others; /* others: Call-IDs without INVITE */
	uint64_t outcomes[SK_TRACE_OUT_COUNT];
	uint64_t severity[3];
	uint64_t per_code[SK_TRACE_CODES_MAX];
	uint64_t evicted; /* calls reported early at max_calls */
	size_t peak_calls;
	struct sk_trace_unparsed_why unparsed_why[SK_TRACE_UNPARSED_WHYS];
	size_t nunparsed_why;
	uint64_t unparsed_other; /* did not parse for a reason past the first few */
	uint64_t duplicates;     /* messages that were the same packet captured again */
	/* what the readers skipped (sipkit check adds each input's sk_trace_reader_stats) */
	uint64_t skipped[SK_TRACE_SKIP_COUNT];
	uint64_t too_large_max, too_large_frame;
	size_t max_message; /* the readers' message size limit, when too_large is reported */
	/* what the readers counted (sipkit check adds them with sk_trace_totals_add_input):
	 * messages read out of HEP, HEP datagrams skipped by reason, live input the kernel
	 * dropped unread */
	uint64_t hep, live_dropped;
};
/** Adds a reader's (or a live input's) HEP and drop counts to the totals. */
void sk_trace_totals_add_input(struct sk_trace_totals *t, const struct sk_trace_reader_stats *st);
/** Adds what a reader skipped to the totals. */
void sk_trace_totals_add_skipped(struct sk_trace_totals *t, const struct sk_trace_reader_stats *st);

/** Called once per analysed call; the call is freed when it returns. */
typedef void (*sk_trace_report_fn)(void *arg, const struct sk_trace_call *call);

struct sk_trace_checker;
int sk_trace_checker_new(struct sk_trace_checker **out, const struct sk_trace_check_config *cfg,
                         sk_trace_report_fn fn, void *arg);
/** Takes one message (copied); calls idle for idle_ms before pkt's time are reported first. */
int sk_trace_checker_add(struct sk_trace_checker *c, const struct sk_trace_pkt *pkt, uint32_t file);
/**
 * Live input: the input's clock has reached now_us (the time base of the
 * messages' ts_us) with no message; the calls idle long enough by then are
 * reported, as sk_trace_checker_add would before a message of that time.
 */
void sk_trace_checker_tick(struct sk_trace_checker *c, int64_t now_us);
/** Reports every call still held. */
void sk_trace_checker_finish(struct sk_trace_checker *c);
const struct sk_trace_totals *sk_trace_checker_totals(const struct sk_trace_checker *c);
void sk_trace_checker_free(struct sk_trace_checker *c);

const char *sk_trace_severity_name(enum sk_trace_severity s);
const char *sk_trace_outcome_name(enum sk_trace_outcome o);
/**
 * A Reason value for a person: 'SIP 200 (OK) "Call completed elsewhere"',
 * "Q.850 16 (Normal call clearing)", "RELEASE_CAUSE 3 (Media bearer loss, 3GPP
 * TS 24.229)": the cause's name when known, then the text when it says more.
 */
size_t sk_trace_reason_describe(const struct sk_reason *r, char *buf, size_t size);

/* ---- rendering ------------------------------------------------------------ */

/** A call as text: its ladder (hosts as columns), then its findings. */
void sk_trace_render_text(FILE *f, const struct sk_trace_call *call);
/** A call as one JSON object on one line (schema in the README). */
void sk_trace_render_json(FILE *f, const struct sk_trace_call *call);
/** The totals: outcomes, findings by code (text, or one JSON object on one line). */
void sk_trace_render_totals_text(FILE *f, const struct sk_trace_totals *t);
void sk_trace_render_totals_json(FILE *f, const struct sk_trace_totals *t);

/**
 * One self-contained HTML page (no external assets): begin writes the head,
 * styles and script; each call adds an SVG ladder whose messages show their
 * full text when clicked, the offending header highlighted, and its findings
 * linked to their messages; end adds the totals and closes the page.
 */
void sk_trace_html_begin(FILE *f, const char *title);
void sk_trace_html_call(FILE *f, const struct sk_trace_call *call);
void sk_trace_html_end(FILE *f, const struct sk_trace_totals *t);

#endif
