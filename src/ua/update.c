/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UPDATE (RFC 3311) in early and confirmed dialogs, as a minimal IMS phone
 * answers it: a target refresh (§5.2, RFC 3261 §12.2.2) that leaves the
 * session as it is. Without a body: 200. With an offer: our current session
 * as the answer when the offer keeps the media lines (count and types, in
 * order), so nothing changes on our side (RFC 3264 §8: the same o= version);
 * an offer that adds, removes or retypes a stream is refused 488 with a
 * Warning and the session stays as it was (§5.2). The offer/answer state
 * rules of §5.2 come first: 491 while our offer has no answer, 500 with
 * Retry-After while the peer's has none from us.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua_int.h"

#define UPDATE_MAX_MEDIA 16

/* The media types of the m= lines of an SDP, in order (at most max); the count. */
static size_t media_types(struct sk_str sdp, struct sk_str *out, size_t max)
{
	size_t n = 0, i = 0;
	while (i < sdp.len) {
		size_t e = i;
		while (e < sdp.len && sdp.p[e] != '\n')
			e++;
		if (e - i > 2 && sdp.p[i] == 'm' && sdp.p[i + 1] == '=') {
			size_t t = i + 2;
			while (t < e && sdp.p[t] != ' ' && sdp.p[t] != '\r')
				t++;
			if (n < max)
				out[n] = (struct sk_str){sdp.p + i + 2, t - i - 2};
			n++;
		}
		i = e + 1;
	}
	return n;
}

static bool same_media(struct sk_str offer, const char *ours)
{
	struct sk_str a[UPDATE_MAX_MEDIA], b[UPDATE_MAX_MEDIA];
	size_t na = media_types(offer, a, UPDATE_MAX_MEDIA);
	size_t nb = media_types(sk_str_c(ours), b, UPDATE_MAX_MEDIA);
	if (na != nb || na == 0 || na > UPDATE_MAX_MEDIA)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!sk_str_caseeq(a[i], b[i]))
			return false;
	return true;
}

void sk_update_request(struct sk_call *c, struct dialog *d, struct sk_txn *st,
                       const struct sk_msg *req)
{
	struct sk_ua *ua = c->ua;
	char extra[300];
	ua->st.updates_received++;
	bool offer = sk_msg_body(req).len > 0;
	/* the INVITE's offer has its answer: in a reliable provisional or the 2xx */
	bool answered = c->oa_done || c->dlg;
	if (offer && !answered && c->dir == SK_CALL_OUT) {
		sk_uas_reject(ua, st, 491, NULL); /* §5.2: our offer is still unanswered */
		return;
	}
	if (offer && !answered) {
		/* §5.2: an offer of theirs we have not answered yet */
		snprintf(extra, sizeof(extra), "Retry-After: %u\r\n",
		         (unsigned)sk_rng_below(sk_stack_rng(ua->stack), 11));
		sk_uas_reject(ua, st, 500, extra);
		return;
	}
	if (offer && !same_media(sk_msg_body(req), c->sdp)) {
		sk_uas_reject(ua, st, 488, "Warning: 304 sipkit \"Media type not available\"\r\n");
		return;
	}
	/* §5.2, RFC 3261 §12.2.2: a target refresh */
	const struct sk_addr *ct = sk_msg_addr(req, SK_HDR_CONTACT, 0);
	if (ct && !ct->star) {
		char *t = sk_ua_strdup(ct->uri.raw);
		if (t) {
			free(d->remote_target);
			d->remote_target = t;
		}
	}
	/* §5.2: the 2xx carries our Contact (and the answer to an offer) */
	snprintf(extra, sizeof(extra), "Contact: <%s>\r\n", c->contact);
	sk_uas_respond(st, 200, NULL, NULL, extra, offer ? c->sdp : NULL, NULL, NULL);
}
