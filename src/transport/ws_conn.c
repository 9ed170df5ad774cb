/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WebSocket connections (RFC 6455, RFC 7118): what a connection accepted on a
 * ws: listener does on top of conn.c's stream. First the HTTP upgrade request
 * (the `sip` subprotocol, the Origin checked against the configured list),
 * answered 101 or refused; then frames, each whole message one SIP message
 * passed up (RFC 7118 §5.1), pings answered, a close answered and the
 * connection closed. A bad frame closes the connection with the code that
 * says why (1002, 1007, 1009). What we send is one unmasked frame per message.
 *
 * An idle connection is pinged before it is closed (§5.5.2): a browser
 * answers pongs by itself, so a live phone keeps its connection and the
 * bindings tied to it, and a dead one is found out within two idle periods.
 * Connections to a WebSocket client are never opened by us (RFC 7118 §5): a
 * connection gone is a binding gone, so its transactions hear of it at once.
 *
 * On a wss: listener the same state sits on a TLS connection (conn_tls.c):
 * the handshake first, within its own timeout and cap, then everything above
 * on the plaintext; every byte we write goes through the session. The flow
 * is WSS (RFC 7118 §5.2), which a sips request may take and a WS flow never.
 */
#include <stdlib.h>
#include <string.h>

#include "sipkit/ws.h"

#include "tp_int.h"

struct ws_conn {
	bool open;     /* the 101 went out: frames from here on */
	bool ping_out; /* a ping of ours waits for its pong */
	struct sk_ws_reader rd;
};

void sk_tp_ws_config_default(struct sk_ws_config *w)
{
	if (!w->max_conns)
		w->max_conns = 1024;
	if (!w->max_handshake)
		w->max_handshake = 8192;
}

int sk_tp_ws_attach(struct conn *c)
{
	struct sk_tp *tp = c->tp;
	if (tp->st.ws_conns >= tp->cfg.ws.max_conns)
		return -SK_EFULL;
	struct ws_conn *ws = calloc(1, sizeof(*ws));
	if (!ws)
		return -SK_ENOMEM;
	/* one SIP message per WebSocket message (RFC 7118 §5.1): the message size limit
	 * bounds frames and messages alike */
	struct sk_ws_limits lim = {.max_frame = tp->cfg.limits.max_msg_size,
	                           .max_message = tp->cfg.limits.max_msg_size};
	sk_ws_reader_init(&ws->rd, SK_WS_SERVER, &lim);
	c->ws = ws;
	tp->st.ws_conns++;
	if (c->proto == SK_PROTO_WSS)
		tp->st.wss_conns++;
	return 0;
}

void sk_tp_ws_detach(struct conn *c)
{
	if (!c->ws)
		return;
	sk_ws_reader_free(&c->ws->rd);
	free(c->ws);
	c->ws = NULL;
	c->tp->st.ws_conns--;
	if (c->proto == SK_PROTO_WSS)
		c->tp->st.wss_conns--;
}

/* Bytes to the client: through the TLS session on wss, straight to the socket on ws. */
static int write_raw(struct conn *c, const char *buf, size_t len)
{
	if (!c->sock || !len)
		return 0;
	if (c->tls)
		return sk_tp_tls_write(c, buf, len);
	return c->tp->cfg.net->ops->write(c->sock, buf, len);
}

/* A control frame of ours (unmasked: we are the server, §5.1). */
static void write_control(struct conn *c, uint8_t opcode, const char *payload, size_t len)
{
	char f[14 + 125];
	if (len > 125)
		len = 125;
	size_t hl = sk_ws_frame_header(f, opcode, true, len, NULL);
	if (len)
		memcpy(f + hl, payload, len);
	write_raw(c, f, hl + len);
}

static void write_close(struct conn *c, uint16_t code, const char *why)
{
	char p[125];
	size_t n = sk_ws_close_payload(p, sizeof(p), code, why);
	write_control(c, SK_WS_CLOSE, p, n);
}

/* RFC 6455 §10.2: a server that serves only some pages checks the browser's Origin. */
static bool origin_allowed(const char *list, struct sk_str origin)
{
	if (!list || !*list)
		return true;
	if (!sk_str_present(origin))
		return false; /* a list was given: only browsers from those origins */
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		struct sk_str item = {p, n};
		while (item.len && item.p[0] == ' ')
			item.p++, item.len--;
		while (item.len && item.p[item.len - 1] == ' ')
			item.len--;
		/* RFC 6454 §6.2: the serialisation is lower case; compare without case */
		if (sk_str_caseeq(item, origin))
			return true;
		p = e ? e + 1 : p + n;
	}
	return false;
}

/*
 * The upgrade request (RFC 6455 §4.2): answered 101 (*off past it), or refused
 * and the connection closed; false until frames may be read.
 */
static bool handshake(struct conn *c, size_t *off)
{
	struct sk_tp *tp = c->tp;
	struct sk_ws_http_req req;
	size_t used = 0;
	int status = 0;
	const char *why = NULL;
	char out[512];
	int rc = sk_ws_http_request_parse(c->in, c->in_len, tp->cfg.ws.max_handshake, &req, &used,
	                                  &status, &why);
	if (rc == -SK_EAGAIN)
		return false;
	if (rc == 0 && !origin_allowed(tp->cfg.ws.origins, req.origin)) {
		rc = -SK_EMALFORMED;
		status = 403;
		why = "Origin not allowed";
	}
	if (rc < 0) {
		char a[64];
		tp->st.ws_refused++;
		int n = sk_ws_http_refuse_write(out, sizeof(out), status, why);
		if (n > 0)
			write_raw(c, out, (size_t)n);
		sk_sa_print(&c->remote, a, sizeof(a));
		sk_logf(tp->cfg.log, SK_LOG_INFO,
		        "transport: ws: refusing the upgrade from %s: %d %s", a, status,
		        why ? why : "");
		sk_tp_conn_free(c);
		return false;
	}
	int n = sk_ws_http_accept_write(out, sizeof(out), &req);
	if (n < 0) {
		sk_tp_conn_reject(c, "cannot write the 101");
		return false;
	}
	write_raw(c, out, (size_t)n);
	c->ws->open = true;
	tp->st.ws_upgrades++;
	if (c->proto == SK_PROTO_WSS)
		tp->st.wss_upgrades++;
	*off = used;
	return true;
}

/* A frame that breaks the protocol or the limits: the close code says why (§7.4.1). */
static void bad_frame(struct conn *c)
{
	struct ws_conn *ws = c->ws;
	c->tp->st.ws_bad_frames++;
	write_close(c, ws->rd.close_code, ws->rd.why);
	sk_tp_conn_reject(c, ws->rd.why ? ws->rd.why : "bad WebSocket frame");
}

/* Reads frames from c->in + *off; whole: a SIP message went up; pinged: a ping or pong. */
static void read_frames(struct conn *c, size_t *off, bool *whole, bool *pinged)
{
	struct sk_tp *tp = c->tp;
	struct ws_conn *ws = c->ws;
	/* WS or WSS: the protocol of the listener it came on (RFC 7118 §5.2) */
	struct sk_flow flow = {
	    .proto = c->proto, .local = c->local, .remote = c->remote, .conn = c->id};
	while (!c->dead && *off < c->in_len) {
		struct sk_ws_event ev;
		size_t used;
		int rc = sk_ws_reader_next(&ws->rd, c->in + *off, c->in_len - *off, &used, &ev);
		if (rc == -SK_EAGAIN)
			return;
		if (rc < 0) {
			bad_frame(c);
			return;
		}
		*off += used;
		switch (ev.kind) {
		case SK_WS_EV_MESSAGE:
			/* RFC 7118 §5.1: one SIP message per WebSocket message, so its end is
			 * the message's and Content-Length is not needed: parsed as a datagram */
			*whole = true;
			sk_tp_handle_msg(tp, ev.data.p, ev.data.len, &flow, false);
			break;
		case SK_WS_EV_PING: /* §5.5.2: a pong with the same payload */
			write_control(c, SK_WS_PONG, ev.data.p, ev.data.len);
			*pinged = true;
			break;
		case SK_WS_EV_PONG:
			ws->ping_out = false;
			*pinged = true;
			break;
		case SK_WS_EV_CLOSE:
			/* §5.5.1: answer with a close, then the server closes the TCP connection
			 * (§7.1.1); its transactions fail now, nothing can come back (RFC 7118 §5)
			 */
			write_close(c,
			            ev.close_code == SK_WS_CLOSE_NO_STATUS ? SK_WS_CLOSE_NORMAL
			                                                   : ev.close_code,
			            NULL);
			sk_tp_conn_fail(c, -SK_EIO);
			return;
		case SK_WS_EV_FRAGMENT: break;
		}
	}
}

void sk_tp_ws_input(struct conn *c)
{
	struct ws_conn *ws = c->ws;
	size_t off = 0;
	bool whole = false, pinged = false;
	c->dispatching++;
	if (ws->open || handshake(c, &off))
		read_frames(c, &off, &whole, &pinged);
	c->dispatching--;
	if (c->dead) {
		if (!c->dispatching)
			sk_tp_conn_free(c);
		return;
	}
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
	if (!c->in_len) {
		/* an idle connection holds no buffer: thousands of idle browsers cost little */
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
	}
	if (!ws->rd.msg_opcode && ws->rd.msg) {
		sk_ws_reader_free(&ws->rd);
	}
	sk_tp_conn_timers(c, whole, pinged, c->in_len > 0 || ws->rd.msg_opcode);
}

int sk_tp_ws_write(struct conn *c, const char *buf, size_t len)
{
	char hdr[14];
	if (!c->ws->open)
		return -SK_EIO;
	/* RFC 7118 §5.1: text frames for UTF-8, binary otherwise (a body may be anything) */
	uint8_t op = sk_ws_utf8_valid(buf, len) ? SK_WS_TEXT : SK_WS_BINARY;
	size_t hl = sk_ws_frame_header(hdr, op, true, len, NULL);
	if (c->tls) {
		/* one TLS record for the frame, not one for its header and one for the rest */
		char *f = malloc(hl + len);
		if (!f)
			return -SK_ENOMEM;
		memcpy(f, hdr, hl);
		memcpy(f + hl, buf, len);
		int rc = write_raw(c, f, hl + len);
		free(f);
		return rc < 0 ? -SK_EIO : 0;
	}
	if (write_raw(c, hdr, hl) < 0 || write_raw(c, buf, len) < 0)
		return -SK_EIO;
	return 0;
}

bool sk_tp_ws_idle(struct conn *c)
{
	struct ws_conn *ws = c->ws;
	if (!ws->open || !c->established || ws->ping_out)
		return false;
	write_control(c, SK_WS_PING, "sipkit", 6);
	ws->ping_out = true;
	c->tp->st.ws_pings++;
	return true;
}
