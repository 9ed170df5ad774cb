/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The WebSocket opening handshake (RFC 6455 §4, RFC 7118 §4.1): the client's
 * HTTP/1.1 upgrade request parsed, the server's 101 (or a refusal) written,
 * and the response parsed for clients and captures. Bounded: nothing is read
 * past max bytes, at most MAX_FIELDS header fields, no folded lines.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "sipkit/ws.h"

#define MAX_FIELDS 64

/* §1.3: the GUID every server appends to the client's key */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* The end of the header section (after its empty line) within the first max bytes. */
static int find_end(const char *buf, size_t len, size_t max, size_t *end)
{
	size_t n = len < max ? len : max;
	for (size_t i = 3; i < n; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' &&
		    buf[i - 3] == '\r') {
			*end = i + 1;
			return 0;
		}
	return len >= max ? -SK_ETOOBIG : -SK_EAGAIN;
}

static struct sk_str trim(struct sk_str s)
{
	while (s.len && (s.p[0] == ' ' || s.p[0] == '\t'))
		s.p++, s.len--;
	while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
		s.len--;
	return s;
}

/* True when the comma-separated list holds tok (case-insensitive, §4.2.1). */
static bool list_has(struct sk_str list, const char *tok)
{
	size_t i = 0;
	while (i <= list.len) {
		size_t j = i;
		while (j < list.len && list.p[j] != ',')
			j++;
		if (sk_str_caseeq_c(trim((struct sk_str){list.p + i, j - i}), tok))
			return true;
		i = j + 1;
	}
	return false;
}

/* The next line of [p, end) without its CRLF; false at the empty line or a bare LF. */
static bool next_line(const char **p, const char *end, struct sk_str *line, bool *bad)
{
	const char *s = *p;
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	if (!nl || nl == s || nl[-1] != '\r') {
		*bad = true;
		return false;
	}
	*line = (struct sk_str){s, (size_t)(nl - 1 - s)};
	*p = nl + 1;
	return line->len > 0;
}

static bool is_token_char(char c)
{
	return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?={}", c);
}

/*
 * Walks the header fields after the start line; fn sees each name and value.
 * -SK_EMALFORMED for a folded line (RFC 7230 §3.2.4), a field without a
 * colon or with a bad name, too many fields.
 */
static int each_field(const char *p, const char *end, const char **why,
                      void (*fn)(void *arg, struct sk_str name, struct sk_str value), void *arg)
{
	struct sk_str line;
	bool bad = false;
	unsigned n = 0;
	while (next_line(&p, end, &line, &bad)) {
		if (++n > MAX_FIELDS) {
			*why = "too many header fields";
			return -SK_EMALFORMED;
		}
		if (line.p[0] == ' ' || line.p[0] == '\t') {
			*why = "folded header line";
			return -SK_EMALFORMED;
		}
		const char *colon = memchr(line.p, ':', line.len);
		if (!colon || colon == line.p) {
			*why = "header field without a name and a colon";
			return -SK_EMALFORMED;
		}
		struct sk_str name = {line.p, (size_t)(colon - line.p)};
		for (size_t i = 0; i < name.len; i++)
			if (!is_token_char(name.p[i])) {
				*why = "bad header field name";
				return -SK_EMALFORMED;
			}
		fn(arg, name, trim((struct sk_str){colon + 1, line.len - name.len - 1}));
	}
	if (bad) {
		*why = "line not ended by CRLF";
		return -SK_EMALFORMED;
	}
	return 0;
}

static void req_field(void *arg, struct sk_str name, struct sk_str value)
{
	struct sk_ws_http_req *r = arg;
	if (sk_str_caseeq_c(name, "Host"))
		r->host = value;
	else if (sk_str_caseeq_c(name, "Origin"))
		r->origin = value;
	else if (sk_str_caseeq_c(name, "Sec-WebSocket-Key"))
		r->key = value;
	else if (sk_str_caseeq_c(name, "Sec-WebSocket-Version"))
		r->version = value;
	else if (sk_str_caseeq_c(name, "Upgrade"))
		r->upgrade_websocket = r->upgrade_websocket || list_has(value, "websocket");
	else if (sk_str_caseeq_c(name, "Connection"))
		r->connection_upgrade = r->connection_upgrade || list_has(value, "upgrade");
	else if (sk_str_caseeq_c(name, "Sec-WebSocket-Protocol")) {
		/* several fields make one list (RFC 7230 §3.2.2): the last one shown, any
		 * one offering sip counts */
		r->protocols = value;
		r->offers_sip = r->offers_sip || list_has(value, "sip");
	}
}

/* §4.1: the key is 16 random bytes in base64: 22 characters and "==" */
static bool key_valid(struct sk_str k)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (k.len != 24 || k.p[22] != '=' || k.p[23] != '=')
		return false;
	for (size_t i = 0; i < 22; i++)
		if (!memchr(b64, k.p[i], sizeof(b64) - 1))
			return false;
	return true;
}

static int refuse(int *status, const char **why, int st, const char *text)
{
	*status = st;
	*why = text;
	return -SK_EMALFORMED;
}

int sk_ws_http_request_parse(const char *buf, size_t len, size_t max, struct sk_ws_http_req *req,
                             size_t *used, int *status, const char **why)
{
	size_t end;
	memset(req, 0, sizeof(*req));
	*used = 0;
	int rc = find_end(buf, len, max, &end);
	if (rc == -SK_EAGAIN)
		return rc;
	if (rc < 0) {
		*status = 431;
		*why = "request header fields too large";
		return rc;
	}
	const char *p = buf, *e = buf + end;
	struct sk_str line;
	bool bad = false;
	if (!next_line(&p, e, &line, &bad))
		return refuse(status, why, 400, "no request line");
	/* RFC 7230 §3.1.1: method SP request-target SP HTTP-version */
	const char *sp1 = memchr(line.p, ' ', line.len);
	const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', line.len - (size_t)(sp1 + 1 - line.p)) : NULL;
	if (!sp1 || !sp2 || sp2 == sp1 + 1)
		return refuse(status, why, 400, "malformed request line");
	req->method = (struct sk_str){line.p, (size_t)(sp1 - line.p)};
	req->path = (struct sk_str){sp1 + 1, (size_t)(sp2 - sp1 - 1)};
	struct sk_str version = {sp2 + 1, line.len - (size_t)(sp2 + 1 - line.p)};
	if (each_field(p, e, why, req_field, req) < 0) {
		*status = 400;
		return -SK_EMALFORMED;
	}
	/* §4.2.1: GET, HTTP/1.1 or later, Host, Upgrade: websocket, Connection: Upgrade, a
	 * key, version 13 */
	if (!sk_str_eq(req->method, SK_STR_LIT("GET")))
		return refuse(status, why, 400, "not a GET");
	if (!sk_str_eq(version, SK_STR_LIT("HTTP/1.1")))
		return refuse(status, why, 400, "not HTTP/1.1");
	if (!sk_str_present(req->host))
		return refuse(status, why, 400, "no Host");
	if (!req->upgrade_websocket || !req->connection_upgrade)
		return refuse(status, why, 400, "not a WebSocket upgrade");
	if (!key_valid(req->key))
		return refuse(status, why, 400, "missing or malformed Sec-WebSocket-Key");
	if (!sk_str_eq(req->version, SK_STR_LIT("13")))
		return refuse(status, why, 426, "unsupported Sec-WebSocket-Version (13 only)");
	if (!req->offers_sip) /* RFC 7118 §4.1 */
		return refuse(status, why, 400, "no sip subprotocol offered");
	*used = end;
	return 0;
}

int sk_ws_accept_value(struct sk_str key, char out[29])
{
	unsigned char in[128], md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (key.len + sizeof(ws_guid) - 1 > sizeof(in))
		return -SK_EINVAL;
	memcpy(in, key.p, key.len);
	memcpy(in + key.len, ws_guid, sizeof(ws_guid) - 1);
	if (!EVP_Digest(in, key.len + sizeof(ws_guid) - 1, md, &mdlen, EVP_sha1(), NULL) ||
	    mdlen != 20)
		return -SK_ENOMEM;
	/* 20 bytes in base64: 28 characters and the NUL */
	return EVP_EncodeBlock((unsigned char *)out, md, 20) == 28 ? 0 : -SK_ENOMEM;
}

static int written(int n, size_t size)
{
	return n < 0 || (size_t)n >= size ? -SK_ETOOBIG : n;
}

int sk_ws_http_accept_write(char *buf, size_t size, const struct sk_ws_http_req *req)
{
	char accept[29];
	if (sk_ws_accept_value(req->key, accept) < 0)
		return -SK_EINVAL;
	/* §4.2.2 item 5; RFC 7118 §4.1: the server selects "sip" */
	return written(snprintf(buf, size,
	                        "HTTP/1.1 101 Switching Protocols\r\n"
	                        "Upgrade: websocket\r\n"
	                        "Connection: Upgrade\r\n"
	                        "Sec-WebSocket-Accept: %s\r\n"
	                        "Sec-WebSocket-Protocol: sip\r\n"
	                        "\r\n",
	                        accept),
	               size);
}

static const char *status_text(int status)
{
	switch (status) {
	case 403: return "Forbidden";
	case 426: return "Upgrade Required";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	default: return "Bad Request";
	}
}

int sk_ws_http_refuse_write(char *buf, size_t size, int status, const char *why)
{
	const char *text = why ? why : status_text(status);
	size_t n = strlen(text);
	/* §4.4: a server that does not speak the client's version names its own */
	return written(snprintf(buf, size,
	                        "HTTP/1.1 %d %s\r\n"
	                        "%s"
	                        "Connection: close\r\n"
	                        "Content-Type: text/plain\r\n"
	                        "Content-Length: %zu\r\n"
	                        "\r\n%s",
	                        status, status_text(status),
	                        status == 426 ? "Sec-WebSocket-Version: 13\r\n" : "", n, text),
	               size);
}

static void resp_field(void *arg, struct sk_str name, struct sk_str value)
{
	struct sk_ws_http_resp *r = arg;
	if (sk_str_caseeq_c(name, "Sec-WebSocket-Accept"))
		r->accept = value;
	else if (sk_str_caseeq_c(name, "Sec-WebSocket-Protocol"))
		r->protocol = value;
}

int sk_ws_http_response_parse(const char *buf, size_t len, size_t max, struct sk_ws_http_resp *resp,
                              size_t *used, const char **why)
{
	size_t end;
	memset(resp, 0, sizeof(*resp));
	*used = 0;
	int rc = find_end(buf, len, max, &end);
	if (rc < 0) {
		*why = rc == -SK_EAGAIN ? "incomplete" : "response header fields too large";
		return rc;
	}
	const char *p = buf, *e = buf + end;
	struct sk_str line;
	bool bad = false;
	/* RFC 7230 §3.1.2: HTTP-version SP 3DIGIT SP reason */
	if (!next_line(&p, e, &line, &bad) || line.len < 12 || memcmp(line.p, "HTTP/1.", 7) ||
	    line.p[8] != ' ') {
		*why = "malformed status line";
		return -SK_EMALFORMED;
	}
	uint64_t st;
	if (sk_str_to_u64((struct sk_str){line.p + 9, 3}, 999, &st) < 0 || st < 100) {
		*why = "malformed status code";
		return -SK_EMALFORMED;
	}
	resp->status = (int)st;
	if (each_field(p, e, why, resp_field, resp) < 0)
		return -SK_EMALFORMED;
	*used = end;
	return 0;
}

int sk_ws_http_request_write(char *buf, size_t size, const char *host, const char *path,
                             const char *origin, const char *key)
{
	char org[300] = "";
	if (origin)
		snprintf(org, sizeof(org), "Origin: %s\r\n", origin);
	return written(snprintf(buf, size,
	                        "GET %s HTTP/1.1\r\n"
	                        "Host: %s\r\n"
	                        "Upgrade: websocket\r\n"
	                        "Connection: Upgrade\r\n"
	                        "Sec-WebSocket-Key: %s\r\n"
	                        "Sec-WebSocket-Version: 13\r\n"
	                        "Sec-WebSocket-Protocol: sip\r\n"
	                        "%s\r\n",
	                        path, host, key, org),
	               size);
}
