/* SPDX-License-Identifier: BSD-3-Clause */
/* Printing a parsed message in wire form; default reason phrases (§21). */
#include <stdio.h>
#include <string.h>

#include "msg_int.h"

struct out {
	char *dst;
	size_t size, len;
};

static void emit(struct out *o, const char *p, size_t n)
{
	if (o->len < o->size) {
		size_t room = o->size - o->len;
		memcpy(o->dst + o->len, p, n < room ? n : room);
	}
	o->len += n;
}

static void emit_str(struct out *o, struct sk_str s)
{
	emit(o, s.p, s.len);
}
static void emit_c(struct out *o, const char *s)
{
	emit(o, s, strlen(s));
}

size_t sk_msg_print(const struct sk_msg *m, char *dst, size_t dstsize)
{
	struct out o = {dst, dstsize, 0};
	char cl[48];

	emit_str(&o, m->start_line);
	emit_c(&o, "\r\n");
	for (uint32_t i = 0; i < m->nhdrs; i++) {
		const struct sk_hdr *h = &m->hdrs[i];
		const char *canon = sk_hdr_name(h->id);
		if (h->id == SK_HDR_CONTENT_LENGTH)
			continue; /* recomputed below */
		if (canon)
			emit_c(&o, canon);
		else
			emit_str(&o, h->name);
		emit_c(&o, ": ");
		emit_str(&o, h->value);
		emit_c(&o, "\r\n");
	}
	snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n\r\n", m->body.len);
	emit_c(&o, cl);
	emit_str(&o, m->body);
	if (dstsize)
		dst[o.len < dstsize ? o.len : dstsize - 1] = '\0';
	return o.len;
}

const char *sk_status_phrase(int code)
{
	switch (code) {
	case 100: return "Trying";
	case 180: return "Ringing";
	case 181: return "Call Is Being Forwarded";
	case 182: return "Queued";
	case 183: return "Session Progress";
	case 199: return "Early Dialog Terminated";
	case 200: return "OK";
	case 202: return "Accepted";
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Moved Temporarily";
	case 305: return "Use Proxy";
	case 380: return "Alternative Service";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 410: return "Gone";
	case 413: return "Request Entity Too Large";
	case 414: return "Request-URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Unsupported URI Scheme";
	case 420: return "Bad Extension";
	case 421: return "Extension Required";
	case 423: return "Interval Too Brief";
	case 430: return "Flow Failed";          /* RFC 5626 */
	case 440: return "Max-Breadth Exceeded"; /* RFC 5393 */
	case 480: return "Temporarily Unavailable";
	case 481: return "Call/Transaction Does Not Exist";
	case 482: return "Loop Detected";
	case 483: return "Too Many Hops";
	case 484: return "Address Incomplete";
	case 485: return "Ambiguous";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 488: return "Not Acceptable Here";
	case 491: return "Request Pending";
	case 493: return "Undecipherable";
	case 500: return "Server Internal Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Server Time-out";
	case 505: return "Version Not Supported";
	case 513: return "Message Too Large";
	case 600: return "Busy Everywhere";
	case 603: return "Decline";
	case 604: return "Does Not Exist Anywhere";
	case 606: return "Not Acceptable";
	default: return "";
	}
}
