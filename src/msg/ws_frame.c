/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WebSocket frames (RFC 6455 §5): headers read and written, masking, and the
 * reader that turns one direction of a connection into messages (§5.4
 * fragmentation, §5.5 control frames). Every length is checked against the
 * limits as soon as the header is read, so an absurd length costs nothing:
 * no byte is buffered for it and the connection closes with 1009.
 */
#include <stdlib.h>
#include <string.h>

#include "sipkit/ws.h"

#define WS_DEFAULT_LIMIT 65536u

static int fail(uint16_t *close_code, const char **why, uint16_t code, const char *text, int rc)
{
	*close_code = code;
	*why = text;
	return rc;
}

static bool opcode_known(uint8_t op)
{
	return op <= SK_WS_BINARY || (op >= SK_WS_CLOSE && op <= SK_WS_PONG);
}

int sk_ws_frame_parse(const char *buf, size_t len, uint64_t max_frame, struct sk_ws_frame *f,
                      uint16_t *close_code, const char **why)
{
	const unsigned char *b = (const unsigned char *)buf;
	if (len < 2)
		return -SK_EAGAIN;
	memset(f, 0, sizeof(*f));
	f->fin = b[0] & 0x80;
	f->opcode = b[0] & 0x0f;
	f->masked = b[1] & 0x80;
	/* §5.2: RSV1-3 MUST be 0 unless an extension says otherwise; we negotiate none */
	if (b[0] & 0x70)
		return fail(close_code, why, SK_WS_CLOSE_PROTOCOL, "reserved bits set",
		            -SK_EMALFORMED);
	if (!opcode_known(f->opcode))
		return fail(close_code, why, SK_WS_CLOSE_PROTOCOL, "unknown opcode",
		            -SK_EMALFORMED);
	uint64_t plen = b[1] & 0x7f;
	size_t hl = 2;
	if (plen == 126) {
		if (len < 4)
			return -SK_EAGAIN;
		plen = (uint64_t)b[2] << 8 | b[3];
		hl = 4;
		/* §5.2: "the minimal number of bytes MUST be used to encode the length" */
		if (plen < 126)
			return fail(close_code, why, SK_WS_CLOSE_PROTOCOL,
			            "length not in its shortest form", -SK_EMALFORMED);
	} else if (plen == 127) {
		if (len < 10)
			return -SK_EAGAIN;
		plen = 0;
		for (int i = 2; i < 10; i++)
			plen = plen << 8 | b[i];
		hl = 10;
		if (plen >> 63) /* §5.2: the most significant bit MUST be 0 */
			return fail(close_code, why, SK_WS_CLOSE_PROTOCOL,
			            "64-bit length with its top bit set", -SK_EMALFORMED);
		if (plen <= 0xffff)
			return fail(close_code, why, SK_WS_CLOSE_PROTOCOL,
			            "length not in its shortest form", -SK_EMALFORMED);
	}
	if (f->opcode >= SK_WS_CLOSE) {
		/* §5.5: control frames carry at most 125 bytes and are never fragmented */
		if (plen > 125)
			return fail(close_code, why, SK_WS_CLOSE_PROTOCOL,
			            "control frame over 125 bytes", -SK_EMALFORMED);
		if (!f->fin)
			return fail(close_code, why, SK_WS_CLOSE_PROTOCOL,
			            "fragmented control frame", -SK_EMALFORMED);
	}
	if (plen > max_frame)
		return fail(close_code, why, SK_WS_CLOSE_TOO_BIG, "frame over the size limit",
		            -SK_ETOOBIG);
	if (f->masked) {
		if (len < hl + 4)
			return -SK_EAGAIN;
		memcpy(f->mask, b + hl, 4);
		hl += 4;
	}
	f->payload_len = plen;
	f->header_len = hl;
	return 0;
}

size_t sk_ws_frame_header(char *out, uint8_t opcode, bool fin, uint64_t len, const uint8_t *mask)
{
	unsigned char *o = (unsigned char *)out;
	size_t n = 2;
	o[0] = (unsigned char)((fin ? 0x80 : 0) | (opcode & 0x0f));
	if (len < 126) {
		o[1] = (unsigned char)len;
	} else if (len <= 0xffff) {
		o[1] = 126;
		o[2] = (unsigned char)(len >> 8);
		o[3] = (unsigned char)len;
		n = 4;
	} else {
		o[1] = 127;
		for (int i = 0; i < 8; i++)
			o[2 + i] = (unsigned char)(len >> (56 - 8 * i));
		n = 10;
	}
	if (mask) {
		o[1] |= 0x80;
		memcpy(o + n, mask, 4);
		n += 4;
	}
	return n;
}

void sk_ws_mask(char *p, size_t n, const uint8_t mask[4], uint64_t offset)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)(p[i] ^ mask[(offset + i) & 3]);
}

size_t sk_ws_close_payload(char *out, size_t size, uint16_t code, const char *reason)
{
	if (size < 2)
		return 0;
	out[0] = (char)(code >> 8);
	out[1] = (char)code;
	size_t n = reason ? strlen(reason) : 0;
	size_t room = (size < 125 ? size : 125) - 2;
	if (n > room)
		n = room;
	/* a cut reason must stay UTF-8 (§5.5.1): never end inside a sequence */
	while (n && !sk_ws_utf8_valid(reason, n))
		n--;
	if (n)
		memcpy(out + 2, reason, n);
	return 2 + n;
}

/* RFC 3629 §4: the well-formed sequences, overlong forms and surrogates excluded. */
bool sk_ws_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t k;
		unsigned lo = 0x80, hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return false;
		}
		if (n - i <= k)
			return false;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return false;
		for (size_t j = 2; j <= k; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
		i += k + 1;
	}
	return true;
}

/* ---- the reader ---------------------------------------------------------- */

void sk_ws_reader_init(struct sk_ws_reader *r, enum sk_ws_role role, const struct sk_ws_limits *lim)
{
	memset(r, 0, sizeof(*r));
	r->role = role;
	if (lim)
		r->lim = *lim;
	if (!r->lim.max_frame)
		r->lim.max_frame = WS_DEFAULT_LIMIT;
	if (!r->lim.max_message)
		r->lim.max_message = WS_DEFAULT_LIMIT;
}

void sk_ws_reader_free(struct sk_ws_reader *r)
{
	free(r->msg);
	r->msg = NULL;
	r->msg_len = r->msg_cap = 0;
	r->msg_opcode = 0;
}

static int reader_fail(struct sk_ws_reader *r, uint16_t code, const char *why, int rc)
{
	return fail(&r->close_code, &r->why, code, why, rc);
}

/* Appends a data frame's payload, unmasked, to the message being reassembled. */
static int append(struct sk_ws_reader *r, const char *p, size_t n, const struct sk_ws_frame *f)
{
	if (n > r->lim.max_message - r->msg_len)
		return reader_fail(r, SK_WS_CLOSE_TOO_BIG, "message over the size limit",
		                   -SK_ETOOBIG);
	if (r->msg_len + n > r->msg_cap) {
		size_t cap = r->msg_cap ? r->msg_cap : 1024;
		while (cap < r->msg_len + n)
			cap *= 2;
		if (cap > r->lim.max_message)
			cap = r->lim.max_message;
		char *m = realloc(r->msg, cap ? cap : 1);
		if (!m)
			return reader_fail(r, SK_WS_CLOSE_ERROR, "out of memory", -SK_ENOMEM);
		r->msg = m;
		r->msg_cap = cap;
	}
	if (n) {
		memcpy(r->msg + r->msg_len, p, n);
		if (f->masked)
			sk_ws_mask(r->msg + r->msg_len, n, f->mask, 0);
	}
	r->msg_len += n;
	return 0;
}

static int take_control(struct sk_ws_reader *r, const struct sk_ws_frame *f, const char *p,
                        struct sk_ws_event *ev)
{
	size_t n = (size_t)f->payload_len;
	memcpy(r->ctrl, p, n);
	if (f->masked)
		sk_ws_mask(r->ctrl, n, f->mask, 0);
	ev->data = (struct sk_str){r->ctrl, n};
	if (f->opcode == SK_WS_PING) {
		ev->kind = SK_WS_EV_PING;
		return 0;
	}
	if (f->opcode == SK_WS_PONG) {
		ev->kind = SK_WS_EV_PONG;
		return 0;
	}
	ev->kind = SK_WS_EV_CLOSE;
	ev->close_code = SK_WS_CLOSE_NO_STATUS;
	ev->data = (struct sk_str){r->ctrl, 0};
	if (n == 0)
		return 0;
	/* §5.5.1: a body starts with a 2-byte code; §7.4.1: 1005, 1006 and 1015 are never
	 * sent, nor codes under 1000 or unassigned in 1012-2999 */
	uint16_t code = (uint16_t)((unsigned char)r->ctrl[0] << 8 | (unsigned char)r->ctrl[1]);
	bool valid = n >= 2 && ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
	                        (code >= 3000 && code <= 4999));
	if (!valid)
		return reader_fail(r, SK_WS_CLOSE_PROTOCOL, "close frame with an invalid status",
		                   -SK_EMALFORMED);
	if (!sk_ws_utf8_valid(r->ctrl + 2, n - 2))
		return reader_fail(r, SK_WS_CLOSE_BAD_DATA, "close reason not UTF-8",
		                   -SK_EMALFORMED);
	ev->close_code = code;
	ev->data = (struct sk_str){r->ctrl + 2, n - 2};
	return 0;
}

static int take_data(struct sk_ws_reader *r, const struct sk_ws_frame *f, const char *p,
                     struct sk_ws_event *ev)
{
	/* §5.4: a message is a first frame (text or binary) and continuations; no other
	 * data frame may come between them */
	if (f->opcode == SK_WS_CONT && !r->msg_opcode)
		return reader_fail(r, SK_WS_CLOSE_PROTOCOL, "continuation frame without a message",
		                   -SK_EMALFORMED);
	if (f->opcode != SK_WS_CONT && r->msg_opcode)
		return reader_fail(r, SK_WS_CLOSE_PROTOCOL,
		                   "new message before the last one was whole", -SK_EMALFORMED);
	if (f->opcode != SK_WS_CONT)
		r->msg_opcode = f->opcode;
	int rc = append(r, p, (size_t)f->payload_len, f);
	if (rc < 0)
		return rc;
	if (!f->fin) {
		ev->kind = SK_WS_EV_FRAGMENT;
		return 0;
	}
	/* §8.1: a text message is UTF-8, checked once it is whole (a character may span
	 * fragments) */
	if (r->msg_opcode == SK_WS_TEXT && !sk_ws_utf8_valid(r->msg, r->msg_len))
		return reader_fail(r, SK_WS_CLOSE_BAD_DATA, "text message not UTF-8",
		                   -SK_EMALFORMED);
	ev->kind = SK_WS_EV_MESSAGE;
	ev->opcode = r->msg_opcode;
	ev->data = (struct sk_str){r->msg ? r->msg : r->ctrl, r->msg_len};
	r->messages++;
	r->msg_opcode = 0;
	r->msg_len = 0;
	return 0;
}

int sk_ws_reader_next(struct sk_ws_reader *r, const char *buf, size_t len, size_t *used,
                      struct sk_ws_event *ev)
{
	struct sk_ws_frame f;
	*used = 0;
	memset(ev, 0, sizeof(*ev));
	int rc = sk_ws_frame_parse(buf, len, r->lim.max_frame, &f, &r->close_code, &r->why);
	if (rc < 0)
		return rc;
	/* §5.1: a server MUST close on an unmasked client frame, a client on a masked one */
	if (r->role == SK_WS_SERVER && !f.masked)
		return reader_fail(r, SK_WS_CLOSE_PROTOCOL, "unmasked frame from a client",
		                   -SK_EMALFORMED);
	if (r->role == SK_WS_CLIENT && f.masked)
		return reader_fail(r, SK_WS_CLOSE_PROTOCOL, "masked frame from a server",
		                   -SK_EMALFORMED);
	/* the whole message is bounded before its bytes come, not only each frame */
	if (f.opcode < SK_WS_CLOSE &&
	    f.payload_len > (uint64_t)r->lim.max_message - (r->msg_opcode ? r->msg_len : 0))
		return reader_fail(r, SK_WS_CLOSE_TOO_BIG, "message over the size limit",
		                   -SK_ETOOBIG);
	if (len - f.header_len < f.payload_len)
		return -SK_EAGAIN;
	const char *p = buf + f.header_len;
	rc = f.opcode >= SK_WS_CLOSE ? take_control(r, &f, p, ev) : take_data(r, &f, p, ev);
	if (rc < 0)
		return rc;
	r->frames++;
	*used = f.header_len + (size_t)f.payload_len;
	return 0;
}
