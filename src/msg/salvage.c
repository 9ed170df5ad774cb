/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What can be kept of a request that failed to parse, so that a server can
 * still answer it (400, 505: §8.2, RFC 4475 §3.1.2): the header lines a
 * response copies (§8.2.6.2: Via, From, To, Call-ID, CSeq) under a stand-in
 * request line. A line that does not parse is left out and parsing retried.
 */
#include <stdlib.h>
#include <string.h>

#include "msg_int.h"

#define SALVAGE_TRIES 6
#define START_LINE    "OPTIONS sip:salvaged.invalid SIP/2.0\r\n"
#define END_LINES     "Content-Length: 0\r\n\r\n"

static const enum sk_hdr_id wanted[] = {SK_HDR_VIA, SK_HDR_FROM, SK_HDR_TO, SK_HDR_CALL_ID,
                                        SK_HDR_CSEQ};

static size_t line_end(const char *buf, size_t len, size_t i)
{
	while (i < len && buf[i] != '\n')
		i++;
	return i < len ? i + 1 : len;
}

/* Copies the wanted header lines (with their folded continuations) not in `dropped`. */
static size_t collect(const char *buf, size_t len, const bool *dropped, char *out)
{
	size_t o = 0, i = line_end(buf, len, 0); /* past the start line */
	bool keep = false;
	memcpy(out, START_LINE, sizeof(START_LINE) - 1);
	o = sizeof(START_LINE) - 1;
	while (i < len) {
		size_t e = line_end(buf, len, i);
		const char *l = buf + i;
		size_t ll = e - i;
		if (ll <= 2 && (l[0] == '\r' || l[0] == '\n'))
			break; /* the end of the headers */
		if (l[0] == ' ' || l[0] == '\t') {
			/* a continuation of the line before (§7.3.1) */
		} else {
			size_t n = 0;
			while (n < ll && l[n] != ':' && l[n] != ' ' && l[n] != '\t')
				n++;
			enum sk_hdr_id id = sk_hdr_lookup(l, n);
			keep = false;
			for (size_t k = 0; k < sizeof(wanted) / sizeof(wanted[0]); k++)
				if (id == wanted[k] && !dropped[k])
					keep = true;
		}
		if (keep) {
			memcpy(out + o, l, ll);
			o += ll;
			if (l[ll - 1] != '\n') {
				memcpy(out + o, "\r\n", 2);
				o += 2;
			}
		}
		i = e;
	}
	memcpy(out + o, END_LINES, sizeof(END_LINES) - 1);
	return o + sizeof(END_LINES) - 1;
}

int sk_msg_salvage(struct sk_msg *m, const char *buf, size_t len)
{
	bool dropped[sizeof(wanted) / sizeof(wanted[0])] = {false};
	if (!m || !buf || (len >= 4 && !memcmp(buf, "SIP/", 4)))
		return -SK_EINVAL; /* a response is never answered */
	char *tmp = malloc(len + sizeof(START_LINE) + sizeof(END_LINES) + 4);
	if (!tmp)
		return -SK_ENOMEM;
	int rc = -SK_EMALFORMED;
	for (int t = 0; t < SALVAGE_TRIES; t++) {
		struct sk_parse_err err = {0};
		size_t n = collect(buf, len, dropped, tmp);
		rc = sk_msg_parse_copy(m, tmp, n, &err);
		if (rc == 0)
			break;
		/* leave out the header that failed, unless it is the Via (no Via, no answer) */
		enum sk_hdr_id bad =
		    err.hdr[0] ? sk_hdr_lookup(err.hdr, strlen(err.hdr)) : SK_HDR_OTHER;
		bool progress = false;
		for (size_t k = 1; k < sizeof(wanted) / sizeof(wanted[0]); k++)
			if (bad == wanted[k] && !dropped[k])
				dropped[k] = progress = true;
		if (!progress)
			break;
	}
	free(tmp);
	if (rc == 0 && !sk_msg_via_count(m))
		rc = -SK_EMALFORMED;
	return rc;
}
