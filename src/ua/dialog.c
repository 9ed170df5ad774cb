/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dialogs (§12): created from a response with a To tag (UAC, §12.1.2) or
 * from a request (UAS, §12.1.1); requests within them (§12.2.1.1) with the
 * route set, loose or strict; the ACK for a 2xx (§13.2.2.4) and BYE (§15.1.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua_int.h"

void sk_ua_dialog_free(struct dialog *d)
{
	if (!d)
		return;
	free(d->remote_tag);
	free(d->remote_hdr);
	free(d->remote_target);
	for (unsigned i = 0; i < d->nroutes; i++)
		free(d->routes[i]);
	free(d->ack);
	free(d);
}

struct dialog *sk_ua_dialog_find(struct sk_call *c, struct sk_str remote_tag)
{
	for (struct dialog *d = c->dialogs; d; d = d->next)
		if (sk_str_eq(sk_str_c(d->remote_tag), remote_tag))
			return d;
	return NULL;
}

static void routes_clear(struct dialog *d)
{
	for (unsigned i = 0; i < d->nroutes; i++)
		free(d->routes[i]);
	d->nroutes = 0;
}

/* The route set: Record-Route in order (UAS, §12.1.1) or reversed (UAC, §12.1.2). */
static void routes_set(struct dialog *d, const struct sk_msg *m, bool reverse)
{
	routes_clear(d);
	size_t n = sk_msg_addr_count(m, SK_HDR_RECORD_ROUTE);
	for (size_t i = 0; i < n && d->nroutes < UA_MAX_ROUTES; i++) {
		const struct sk_addr *a =
		    sk_msg_addr(m, SK_HDR_RECORD_ROUTE, reverse ? n - 1 - i : i);
		if (a && (d->routes[d->nroutes] = sk_ua_strdup(a->raw)))
			d->nroutes++;
	}
}

static void target_set(struct dialog *d, const struct sk_msg *m)
{
	const struct sk_addr *a = sk_msg_addr(m, SK_HDR_CONTACT, 0);
	if (!a || a->star)
		return;
	char *t = sk_ua_strdup(a->uri.raw);
	if (t) {
		free(d->remote_target);
		d->remote_target = t;
	}
}

static struct dialog *dialog_add(struct sk_call *c, struct sk_str tag, struct sk_str hdr)
{
	if (c->ndialogs >= UA_MAX_DIALOGS)
		return NULL;
	struct dialog *d = calloc(1, sizeof(*d));
	if (!d || !(d->remote_tag = sk_ua_strdup(tag)) || !(d->remote_hdr = sk_ua_strdup(hdr))) {
		sk_ua_dialog_free(d);
		return NULL;
	}
	d->next = c->dialogs;
	c->dialogs = d;
	c->ndialogs++;
	return d;
}

struct dialog *sk_ua_dialog_from_response(struct sk_call *c, const struct sk_msg *resp)
{
	const struct sk_addr *to = sk_msg_to(resp);
	if (!to || !sk_str_present(to->tag) || !to->tag.len)
		return NULL;
	int code = sk_msg_status(resp);
	struct dialog *d = sk_ua_dialog_find(c, to->tag);
	bool is_new = !d;
	if (!d && !(d = dialog_add(c, to->tag, to->raw)))
		return NULL;
	/* §12.1.2, and §13.2.2.4: a 2xx confirming an early dialog recomputes its
	 * route set; the target follows every Contact (a target refresh) */
	if (is_new || (code >= 200 && code < 300 && !d->confirmed))
		routes_set(d, resp, true);
	target_set(d, resp);
	return d;
}

struct dialog *sk_ua_dialog_from_request(struct sk_call *c, const struct sk_msg *req)
{
	const struct sk_addr *from = sk_msg_from(req);
	if (!from)
		return NULL;
	struct dialog *d = dialog_add(c, from->tag, from->raw);
	if (!d)
		return NULL;
	routes_set(d, req, false);
	target_set(d, req);
	/* an RFC 2543 caller may send no Contact (RFC 4475 §3.4.1): its From is
	 * where it can be reached */
	if (!d->remote_target && !(d->remote_target = sk_ua_strdup(from->uri.raw)))
		return NULL; /* d stays with the call, freed with it */
	d->remote_cseq = sk_msg_cseq(req)->num;
	d->remote_cseq_set = true;
	return d;
}

/* The URI inside a route value "<uri;lr>;params" and whether it is a loose router. */
static int route_uri(const char *route, struct sk_addr *a)
{
	if (sk_addr_parse(a, sk_str_c(route), false, NULL) < 0)
		return -SK_EMALFORMED;
	return 0;
}

static bool uri_is_loose(const struct sk_uri *u)
{
	struct sk_str v;
	return sk_uri_param(u, "lr", &v) == 0;
}

int sk_ua_dialog_request(struct sk_call *c, struct dialog *d, const char *method, uint32_t cseq,
                         const char *extra, const char *sdp, struct sk_build **out,
                         struct sk_target *dst)
{
	struct sk_ua *ua = c->ua;
	struct sk_str ruri;
	struct sk_addr first;
	unsigned from_route = 0;
	bool strict = false;
	if (!d->remote_target)
		return -SK_ESTATE;
	if (d->nroutes) {
		if (route_uri(d->routes[0], &first) < 0)
			return -SK_EMALFORMED;
		strict = !uri_is_loose(&first.uri);
	}
	/* §12.2.1.1: a loose first route keeps the remote target as Request-URI
	 * and the whole route set; a strict one becomes the Request-URI, and the
	 * remote target goes last in the Route header field */
	if (strict) {
		ruri = first.uri.raw;
		from_route = 1;
	} else {
		ruri = sk_str_c(d->remote_target);
	}
	/* the request goes to the first route, else to the remote target */
	struct sk_str hop = d->nroutes ? first.uri.raw : sk_str_c(d->remote_target);
	int rc = sk_target_from_uri(dst, hop, c->dst.proto);
	if (rc < 0)
		return rc;
	struct sk_build *b;
	if ((rc = sk_build_request(&b, sk_str_c(method), ruri)) < 0)
		return rc;
	rc = sk_build_hdr(b, "Max-Forwards", SK_STR_LIT("70"));
	for (unsigned i = from_route; rc == 0 && i < d->nroutes; i++)
		rc = sk_build_hdr(b, "Route", sk_str_c(d->routes[i]));
	if (rc == 0 && strict)
		rc = sk_build_hdrf(b, "Route", "<%s>", d->remote_target);
	if (rc == 0)
		rc = sk_build_hdr(b, "From", sk_str_c(c->local_hdr));
	if (rc == 0)
		rc = sk_build_hdr(b, "To", sk_str_c(d->remote_hdr));
	if (rc == 0)
		rc = sk_build_hdr(b, "Call-ID", sk_str_c(c->call_id));
	if (rc == 0)
		rc = sk_build_hdrf(b, "CSeq", "%u %s", (unsigned)cseq, method);
	if (rc == 0 && !strcmp(method, "INVITE"))
		rc = sk_build_hdrf(b, "Contact", "<%s>", c->contact);
	if (rc == 0)
		rc = sk_build_hdr(b, "User-Agent", sk_str_c(ua->agent));
	if (rc == 0 && extra)
		rc = sk_build_hdr_lines(b, extra);
	if (rc == 0 && sdp)
		rc = sk_build_body(b, "application/sdp", sdp, strlen(sdp));
	if (rc < 0) {
		sk_build_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

int sk_ua_dialog_ack(struct sk_call *c, struct dialog *d, uint32_t cseq)
{
	struct sk_ua *ua = c->ua;
	struct sk_build *b;
	struct sk_target dst;
	struct sk_str wire;
	/* §13.2.2.4: the ACK is built by the UA core, CSeq number of the INVITE,
	 * and goes straight to the transport; the same one answers each
	 * retransmission of the 2xx */
	/* §13.2.2.4, §22.1: the ACK duplicates the credentials of its INVITE */
	int rc = sk_ua_dialog_request(c, d, "ACK", cseq, sk_uac_auth_sent(c->auth, cseq), NULL, &b,
	                              &dst);
	if (rc < 0)
		return rc;
	if ((rc = sk_build_finish(b, &wire)) == 0) {
		free(d->ack);
		d->ack = NULL;
		rc = sk_txl_prepare_stateless(sk_stack_txl(ua->stack), wire, &dst, &d->ack_flow,
		                              &d->ack, &d->ack_len);
	}
	sk_build_free(b);
	if (rc < 0)
		return rc;
	d->ack_cseq = cseq;
	return sk_tp_send(sk_stack_tp(ua->stack), &d->ack_flow, d->ack, d->ack_len);
}

int sk_ua_dialog_bye(struct sk_call *c, struct dialog *d)
{
	struct sk_build *b;
	struct sk_target dst;
	struct sk_str wire;
	if (d->bye_sent)
		return 0;
	int rc = sk_ua_dialog_request(c, d, "BYE", ++c->local_cseq, NULL, NULL, &b, &dst);
	if (rc < 0)
		return rc;
	if ((rc = sk_build_finish(b, &wire)) == 0)
		rc = sk_ua_request(c, wire, &dst, NULL);
	sk_build_free(b);
	if (rc == 0) {
		d->bye_sent = true;
		c->byes++;
	}
	return rc;
}

int sk_ua_contact(struct sk_ua *ua, const struct sk_flow *flow, char *buf, size_t size)
{
	char a[64];
	sk_sa_print(&flow->local, a, sizeof(a));
	int n = snprintf(buf, size, "sip:%s@%s%s", ua->user, a, sk_proto_uri_param(flow->proto));
	return n < 0 || (size_t)n >= size ? -SK_ETOOBIG : 0;
}

char *sk_ua_default_sdp(struct sk_ua *ua, const struct sk_flow *flow)
{
	char host[64], *out = malloc(512);
	if (!out)
		return NULL;
	sk_sa_host(&flow->local, host, sizeof(host));
	bool v6 = flow->local.u.sa.sa_family == AF_INET6;
	uint64_t sess = sk_rng_below(sk_stack_rng(ua->stack), 1000000000);
	/* a session description is needed for the offer/answer of §13.2.1; media is out of scope */
	snprintf(out, 512,
	         "v=0\r\n"
	         "o=%s %llu %llu IN IP%c %s\r\n"
	         "s=sipkit\r\n"
	         "c=IN IP%c %s\r\n"
	         "t=0 0\r\n"
	         "m=audio %u RTP/AVP 0 8\r\n"
	         "a=rtpmap:0 PCMU/8000\r\n"
	         "a=rtpmap:8 PCMA/8000\r\n",
	         ua->user, (unsigned long long)sess, (unsigned long long)sess, v6 ? '6' : '4', host,
	         v6 ? '6' : '4', host, 10000u + 2u * (unsigned)(sess % 20000));
	return out;
}
