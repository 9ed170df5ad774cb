/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WebSocket (RFC 6455) as SIP uses it (RFC 7118): the frames, read and
 * written (masking, fragmentation, ping/pong, close; bounded frame and
 * message sizes), and the HTTP/1.1 upgrade that opens a connection (the
 * `sip` subprotocol). Part of the message layer: no sockets here, only bytes;
 * the transport (-l ws:) and the trace reader (sipkit check) sit on it.
 */
#ifndef SIPKIT_WS_H
#define SIPKIT_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sipkit/core.h"

/* ---- frames (RFC 6455 §5) ----------------------------------------------- */

enum sk_ws_opcode {
	SK_WS_CONT = 0x0,
	SK_WS_TEXT = 0x1,
	SK_WS_BINARY = 0x2,
	SK_WS_CLOSE = 0x8,
	SK_WS_PING = 0x9,
	SK_WS_PONG = 0xa,
};

/* Close status codes (RFC 6455 §7.4.1) the reader asks its caller to send. */
enum sk_ws_close_code {
	SK_WS_CLOSE_NORMAL = 1000,
	SK_WS_CLOSE_GOING_AWAY = 1001,
	SK_WS_CLOSE_PROTOCOL = 1002, /* a frame breaks the protocol (unmasked from a client...) */
	SK_WS_CLOSE_UNSUPPORTED = 1003,
	SK_WS_CLOSE_NO_STATUS = 1005, /* never sent: a close frame without a code */
	SK_WS_CLOSE_BAD_DATA = 1007,  /* a text message that is not UTF-8 */
	SK_WS_CLOSE_POLICY = 1008,
	SK_WS_CLOSE_TOO_BIG = 1009, /* a frame or message over the limits */
	SK_WS_CLOSE_ERROR = 1011,
};

/*
 * Who reads: the server reads a client's frames, which MUST be masked
 * (§5.1: an unmasked one closes the connection, 1002); a client reads the
 * server's, which MUST NOT be; an observer (a capture) reads both directions
 * and takes either.
 */
enum sk_ws_role { SK_WS_SERVER, SK_WS_CLIENT, SK_WS_OBSERVER };

/** Payload bytes of one frame, and of one message reassembled from fragments; 0: 65536. */
struct sk_ws_limits {
	uint32_t max_frame;
	uint32_t max_message;
};

/** One frame's header, as sk_ws_frame_parse reads it. */
struct sk_ws_frame {
	bool fin;
	uint8_t opcode; /* enum sk_ws_opcode */
	bool masked;
	uint8_t mask[4];
	uint64_t payload_len;
	size_t header_len; /* 2 to 14 bytes */
};

/**
 * Reads the header of the frame at buf (§5.2): 0; -SK_EAGAIN when more bytes
 * are needed for the header; -SK_EMALFORMED (RSV bits without an extension,
 * an unknown opcode, a control frame fragmented or over 125 bytes, a length
 * not in its shortest form or with the top bit set) or -SK_ETOOBIG (payload
 * over max_frame), with *close_code and *why. The payload is not needed.
 */
int sk_ws_frame_parse(const char *buf, size_t len, uint64_t max_frame, struct sk_ws_frame *f,
                      uint16_t *close_code, const char **why);

/**
 * Writes a frame header for a payload of len bytes into out (at least 14
 * bytes): its length. mask NULL: unmasked (a server's frames); else the
 * masking key (a client's, §5.3), which the caller applies with sk_ws_mask.
 */
size_t sk_ws_frame_header(char *out, uint8_t opcode, bool fin, uint64_t len, const uint8_t *mask);
/** XORs n bytes with the masking key, the first byte being payload byte offset (§5.3). */
void sk_ws_mask(char *p, size_t n, const uint8_t mask[4], uint64_t offset);
/** A close payload (§5.5.1): the code, then a reason cut to fit 125 bytes; its length. */
size_t sk_ws_close_payload(char *out, size_t size, uint16_t code, const char *reason);
/** True when the bytes are well-formed UTF-8 (RFC 3629), as text messages must be (§8.1). */
bool sk_ws_utf8_valid(const char *p, size_t n);

/* ---- the reader: a stream of frames into messages (§5.4, §5.5) ---------- */

enum sk_ws_event_kind {
	SK_WS_EV_FRAGMENT, /* a data frame taken, its message not whole yet */
	SK_WS_EV_MESSAGE,  /* a whole text or binary message: data, opcode */
	SK_WS_EV_PING,     /* data: the payload, for the pong */
	SK_WS_EV_PONG,
	SK_WS_EV_CLOSE, /* close_code (1005 when absent), data: the reason */
};

struct sk_ws_event {
	enum sk_ws_event_kind kind;
	uint8_t opcode;     /* SK_WS_TEXT or SK_WS_BINARY for a message */
	struct sk_str data; /* valid until the reader's next call */
	uint16_t close_code;
};

/** Reassembles the messages of one direction of one connection. */
struct sk_ws_reader {
	enum sk_ws_role role;
	struct sk_ws_limits lim;
	uint8_t msg_opcode; /* of the message being reassembled, 0: none */
	char *msg;          /* its payload so far, unmasked */
	size_t msg_len, msg_cap;
	char ctrl[125];      /* a control frame's payload, unmasked */
	uint16_t close_code; /* after an error: the code to close with */
	const char *why;     /* after an error: why, for a log line */
	uint64_t frames, messages;
};

/** Prepares a reader (lim NULL or zeros: the defaults); it allocates only as messages come. */
void sk_ws_reader_init(struct sk_ws_reader *r, enum sk_ws_role role,
                       const struct sk_ws_limits *lim);
/** Frees what a reader holds (it can be initialised again). */
void sk_ws_reader_free(struct sk_ws_reader *r);
/**
 * Takes at most one frame from buf. 0: *used bytes consumed, *ev says what
 * the frame was. -SK_EAGAIN: the frame is not whole yet, nothing consumed
 * (its header was checked: an absurd length fails at once, not after the
 * bytes). Otherwise the connection must close with r->close_code (1002,
 * 1007, 1009) for r->why: -SK_EMALFORMED (masking against the role,
 * continuation without a message, a new message inside one, a bad close
 * payload, text that is not UTF-8), -SK_ETOOBIG (a frame or message over
 * the limits), -SK_ENOMEM.
 */
int sk_ws_reader_next(struct sk_ws_reader *r, const char *buf, size_t len, size_t *used,
                      struct sk_ws_event *ev);

/* ---- the opening handshake (RFC 6455 §4, RFC 7118 §4.1) ------------------ */

/** What an upgrade request says; views into the bytes parsed. */
struct sk_ws_http_req {
	struct sk_str method, path, host, origin, key, version, protocols;
	bool upgrade_websocket;  /* Upgrade: websocket */
	bool connection_upgrade; /* Connection: ... Upgrade ... */
	bool offers_sip;         /* "sip" among Sec-WebSocket-Protocol's values */
};

/**
 * Parses an HTTP/1.1 upgrade request at buf. 0: *used is the length of the
 * request (through its empty line); -SK_EAGAIN: not whole and under max
 * bytes; otherwise it is refused with *status (400; 426 for another
 * WebSocket version, §4.4; 431 when no empty line within max) and *why.
 * A request that is no WebSocket upgrade or offers no `sip` subprotocol
 * (RFC 7118 §4.1) is refused too (400).
 */
int sk_ws_http_request_parse(const char *buf, size_t len, size_t max, struct sk_ws_http_req *req,
                             size_t *used, int *status, const char **why);

/** Sec-WebSocket-Accept for a key (§4.2.2 item 5.4): base64(SHA-1(key GUID)), 28 chars + NUL. */
int sk_ws_accept_value(struct sk_str key, char out[29]);

/** The 101 answer to req with the `sip` subprotocol: its length, or -SK_ETOOBIG. */
int sk_ws_http_accept_write(char *buf, size_t size, const struct sk_ws_http_req *req);
/** A refusal (400, 403, 426, 431, 503) that closes the connection: its length or -SK_ETOOBIG. */
int sk_ws_http_refuse_write(char *buf, size_t size, int status, const char *why);

/** What an upgrade response says. */
struct sk_ws_http_resp {
	int status;
	struct sk_str accept, protocol;
};

/** Parses an HTTP/1.1 response at buf as sk_ws_http_request_parse does a request. */
int sk_ws_http_response_parse(const char *buf, size_t len, size_t max, struct sk_ws_http_resp *resp,
                              size_t *used, const char **why);

/** A client's upgrade request offering `sip` (tests, captures): its length or -SK_ETOOBIG. */
int sk_ws_http_request_write(char *buf, size_t size, const char *host, const char *path,
                             const char *origin, const char *key);

#endif
