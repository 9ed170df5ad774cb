/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP over WebSocket inside a capture (RFC 7118): the HTTP upgrade that turns
 * a TCP connection into WebSocket, recognised on any port from its own bytes
 * (a request offering the `sip` subprotocol, or a 101 answer selecting it),
 * each direction on its own; then the frames of that direction, unmasked and
 * reassembled by the message layer's reader (an observer: masked frames from
 * the client, unmasked ones from the server), each whole message one SIP
 * message (text or binary). A frame the reader refuses (an absurd length, a
 * reserved bit, a control frame too long...) ends the reading of that
 * direction; the caller counts it. Work and memory are the reader's: bounded
 * by the message size limit, judged from each frame's header.
 */
#include <stdlib.h>
#include <string.h>

#include "sipkit/ws.h"

#include "input.h"

static bool prefix_of(const char *p, size_t n, const char *word)
{
	size_t w = strlen(word);
	return !memcmp(p, word, n < w ? n : w);
}

int sk_trace_ws_upgrade(const char *p, size_t n, size_t max, size_t *used)
{
	*used = 0;
	if (!n)
		return -SK_EAGAIN;
	bool req = prefix_of(p, n, "GET "), resp = prefix_of(p, n, "HTTP/1.1 101");
	if (!req && !resp)
		return 0;
	if (n < 12)
		return -SK_EAGAIN;
	const char *why;
	int rc;
	if (req) {
		struct sk_ws_http_req r;
		int status;
		rc = sk_ws_http_request_parse(p, n, max, &r, used, &status, &why);
	} else {
		struct sk_ws_http_resp r;
		rc = sk_ws_http_response_parse(p, n, max, &r, used, &why);
		/* RFC 7118 §4.1: the server selects sip; another protocol is not SIP */
		if (rc == 0 && !sk_str_caseeq_c(r.protocol, "sip"))
			rc = -SK_EMALFORMED;
	}
	if (rc == -SK_EAGAIN)
		return -SK_EAGAIN;
	if (rc < 0) {
		*used = 0;
		return 0;
	}
	return 1;
}

struct sk_trace_ws *sk_trace_ws_new(size_t max_message)
{
	struct sk_trace_ws *w = malloc(sizeof(*w));
	if (!w)
		return NULL;
	struct sk_ws_limits lim = {.max_frame = (uint32_t)max_message,
	                           .max_message = (uint32_t)max_message};
	sk_ws_reader_init(&w->rd, SK_WS_OBSERVER, &lim);
	return w;
}

void sk_trace_ws_free(struct sk_trace_ws *w)
{
	if (w) {
		sk_ws_reader_free(&w->rd);
		free(w);
	}
}

int sk_trace_ws_next(struct sk_trace_ws *w, const char *p, size_t n, size_t *used,
                     struct sk_str *msg)
{
	struct sk_ws_event ev;
	*msg = SK_STR_NULL;
	int rc = sk_ws_reader_next(&w->rd, p, n, used, &ev);
	if (rc < 0)
		return rc;
	if (ev.kind == SK_WS_EV_MESSAGE)
		*msg = ev.data;
	return 0;
}
