/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rules for a CANCEL (RFC 3261 §9.1, §9.2) and what must follow it: which
 * INVITE it cancels or was meant to, which field keeps it from matching, when
 * it was sent, and what answered it (200, 487, or a 2xx that crossed it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_int.h"

static int64_t ts(const struct sk_trace_call *c, int32_t i)
{
	return c->msgs[i].ts_us;
}

static const struct sk_msg *msg(const struct sk_trace_call *c, int32_t i)
{
	return c->msgs[i].msg;
}

static struct sk_str hdr_value(const struct sk_msg *m, enum sk_hdr_id id)
{
	const struct sk_hdr *h = sk_msg_hdr_first(m, id);
	return h ? h->value : (struct sk_str){0};
}

static struct sk_str num_str(char *buf, size_t size, uint32_t n)
{
	int len = snprintf(buf, size, "%u", n);
	return (struct sk_str){buf, len > 0 ? (size_t)len : 0};
}

/* The Route sets of two requests, value by value (§19.1.4 URI comparison). */
static bool same_routes(const struct sk_msg *a, const struct sk_msg *b)
{
	size_t n = sk_msg_addr_count(a, SK_HDR_ROUTE);
	if (n != sk_msg_addr_count(b, SK_HDR_ROUTE))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!sk_uri_equal(&sk_msg_addr(a, SK_HDR_ROUTE, i)->uri,
		                  &sk_msg_addr(b, SK_HDR_ROUTE, i)->uri))
			return false;
	return true;
}

/*
 * §9.1: the CANCEL's Request-URI, Call-ID, To, From and CSeq number equal the
 * INVITE's, tags included. Each difference is a finding with both values;
 * returns how many. `matched`: the server still finds the INVITE by branch.
 */
static int compare_fields(struct sk_trace_call *c, uint32_t ci, uint32_t ii, bool matched)
{
	const struct sk_msg *cm = msg(c, (int32_t)ci), *im = msg(c, (int32_t)ii);
	const char *why = matched ? "the server matched it by branch, but an RFC 2543 server "
	                            "would not"
	                          : "so the CANCEL finds no INVITE";
	int n = 0;
	struct sk_trace_finding *f;
	if (!sk_uri_equal(sk_msg_ruri(cm), sk_msg_ruri(im))) {
		f = sk_trace_finding_add(c, "cancel.field_mismatch", ci, (int32_t)ii,
		                         "the Request-URI differs from the INVITE's: %s", why);
		sk_trace_finding_diff(f, "Request-URI", sk_msg_ruri_str(cm), sk_msg_ruri_str(im),
		                      "");
		n++;
	}
	const struct sk_addr *cf = sk_msg_from(cm), *inf = sk_msg_from(im);
	if (!sk_uri_equal(&cf->uri, &inf->uri) || !sk_str_caseeq(cf->tag, inf->tag)) {
		f = sk_trace_finding_add(c, "cancel.field_mismatch", ci, (int32_t)ii,
		                         "From differs from the INVITE's%s: %s",
		                         sk_str_caseeq(cf->tag, inf->tag) ? "" : " (its tag)", why);
		sk_trace_finding_diff(f, "From", hdr_value(cm, SK_HDR_FROM),
		                      hdr_value(im, SK_HDR_FROM), "From");
		n++;
	}
	const struct sk_addr *ct = sk_msg_to(cm), *it = sk_msg_to(im);
	if (ct->tag.len && !it->tag.len) {
		f = sk_trace_finding_add(
		    c, "cancel.to_tag", ci, (int32_t)ii,
		    "the CANCEL's To has tag=%.*s, the INVITE's To has none: %s", (int)ct->tag.len,
		    ct->tag.p, why);
		sk_trace_finding_diff(f, "To", hdr_value(cm, SK_HDR_TO), hdr_value(im, SK_HDR_TO),
		                      "To");
		n++;
	} else if (!sk_uri_equal(&ct->uri, &it->uri) || !sk_str_caseeq(ct->tag, it->tag)) {
		f = sk_trace_finding_add(c, "cancel.field_mismatch", ci, (int32_t)ii,
		                         "To differs from the INVITE's: %s", why);
		sk_trace_finding_diff(f, "To", hdr_value(cm, SK_HDR_TO), hdr_value(im, SK_HDR_TO),
		                      "To");
		n++;
	}
	if (sk_msg_cseq(cm)->num != sk_msg_cseq(im)->num) {
		char a[16], b[16];
		f = sk_trace_finding_add(c, "cancel.field_mismatch", ci, (int32_t)ii,
		                         "the CSeq number differs from the INVITE's: %s", why);
		sk_trace_finding_diff(f, "CSeq number", num_str(a, sizeof(a), sk_msg_cseq(cm)->num),
		                      num_str(b, sizeof(b), sk_msg_cseq(im)->num), "CSeq");
		n++;
	}
	if (!same_routes(cm, im)) {
		f = sk_trace_finding_add(c, "cancel.route_mismatch", ci, (int32_t)ii,
		                         "the CANCEL's Route set differs from the INVITE's");
		sk_trace_finding_diff(f, "Route", hdr_value(cm, SK_HDR_ROUTE),
		                      hdr_value(im, SK_HDR_ROUTE), "Route");
		n++;
	}
	return n;
}

/* How far the hop's replies lag (request to first response), for races at the capture point. */
static int64_t race_window(const struct sk_trace_call *c, const struct sk_trace_txn *inv)
{
	int64_t w = 20000;
	int32_t first = inv->first_prov >= 0 ? inv->first_prov : inv->final;
	if (first >= 0) {
		int64_t rtt = ts(c, first) - ts(c, (int32_t)inv->request);
		if (2 * rtt > w)
			w = 2 * rtt;
	}
	return w < 500000 ? w : 500000;
}

/*
 * A CANCEL that matches nothing: the INVITE it was meant for is the one that
 * shares the most with it (same destination, branch, CSeq number, From tag).
 */
static int32_t near_miss(const struct sk_trace_call *c, const struct sk_trace_txn *ct)
{
	const struct sk_msg *cm = sk_trace_flow_req(c, ct);
	const struct sk_via *cv = sk_msg_via(cm, 0);
	int32_t best = -1;
	int best_score = -1;
	for (size_t k = 0; k < c->ntxns; k++) {
		const struct sk_trace_txn *t = &c->txns[k];
		if (!t->invite || t->request > ct->request)
			continue;
		const struct sk_msg *im = sk_trace_flow_req(c, t);
		const struct sk_via *iv = sk_msg_via(im, 0);
		int score = 0;
		score += t->to_host == ct->to_host ? 8 : 0;
		score += t->from_host == ct->from_host ? 2 : 0;
		score += sk_str_caseeq(iv->branch, cv->branch) ? 4 : 0;
		score += sk_msg_cseq(im)->num == sk_msg_cseq(cm)->num ? 2 : 0;
		score += sk_str_caseeq(sk_msg_from(im)->tag, sk_msg_from(cm)->tag) ? 1 : 0;
		if (score >= best_score) { /* ties: the latest */
			best_score = score;
			best = (int32_t)k;
		}
	}
	return best;
}

/*
 * The 487 that ended the INVITE a CANCEL cancelled, when that INVITE is not in
 * the input: a response 487 of CSeq "N INVITE" with the CANCEL's number and top
 * Via branch (§9.1: the CANCEL copies both). -1 when there is none.
 */
static int32_t outside_invite_487(const struct sk_trace_call *c, const struct sk_msg *cm)
{
	const struct sk_cseq *cc = sk_msg_cseq(cm);
	const struct sk_via *cv = sk_msg_via(cm, 0);
	for (size_t i = 0; i < c->nmsgs; i++) {
		const struct sk_msg *m = msg(c, (int32_t)i);
		const struct sk_cseq *cs = m ? sk_msg_cseq(m) : NULL;
		const struct sk_via *v = m && sk_msg_via_count(m) ? sk_msg_via(m, 0) : NULL;
		if (m && sk_msg_status(m) == 487 && cs && cs->num == cc->num &&
		    sk_str_eq(cs->method, SK_STR_LIT("INVITE")) && v && cv &&
		    sk_str_caseeq(v->branch, cv->branch))
			return (int32_t)i;
	}
	return -1;
}

static void no_match(struct sk_trace_call *c, struct sk_trace_txn *ct)
{
	char fr[32]; /* a frame as the texts name it: "14" or "2:14" */
	uint32_t ci = ct->request;
	const struct sk_msg *cm = msg(c, (int32_t)ci);
	char answer[48] = "";
	if (ct->final >= 0)
		snprintf(answer, sizeof(answer), " (answered %u)", ct->final_status);
	int32_t k = near_miss(c, ct);
	int32_t r487 = k < 0 && !c->partial && ct->final_status >= 200 && ct->final_status < 300
	                   ? outside_invite_487(c, cm)
	                   : -1;
	if (r487 >= 0) { /* a capture that started mid-call: proof, not a fault (issue 13) */
		sk_trace_finding_add(
		    c, "capture.invite_outside", ci, r487,
		    "the INVITE was sent before the capture started: the CANCEL got "
		    "%u and the INVITE 487 (frame %s), same branch and CSeq",
		    ct->final_status, sk_trace_frame_ref(c, &c->msgs[r487], fr, sizeof(fr)));
		return;
	}
	if (k < 0) {
		struct sk_trace_finding *f = sk_trace_finding_add(
		    c, "cancel.no_match", ci, -1,
		    c->partial ? "no INVITE in this part of the call%s: its start was "
		                 "reported earlier (more calls in flight than --max-calls)"
		               : "no INVITE of this call was seen before the CANCEL%s",
		    answer);
		if (f && c->partial)
			f->severity = SK_SEV_WARNING;
		return;
	}
	struct sk_trace_txn *it = &c->txns[k];
	uint32_t ii = it->request;
	const struct sk_msg *im = msg(c, (int32_t)ii);
	const struct sk_via *cv = sk_msg_via(cm, 0), *iv = sk_msg_via(im, 0);
	/* the headline first; its detail names the fields found below */
	struct sk_trace_finding *head =
	    sk_trace_finding_add(c, "cancel.no_match", ci, (int32_t)ii, "-");
	size_t first = c->nfindings;
	struct sk_trace_finding *f;
	if (it->to_host != ct->to_host || c->msgs[ii].proto != c->msgs[ci].proto) {
		char a[64], b[64], ours[80], theirs[80];
		sk_trace_addr_print(&c->msgs[ci].dst, a, sizeof(a));
		sk_trace_addr_print(&c->msgs[ii].dst, b, sizeof(b));
		int la = snprintf(ours, sizeof(ours), "%s %s",
		                  sk_trace_proto_name(c->msgs[ci].proto), a);
		int lb = snprintf(theirs, sizeof(theirs), "%s %s",
		                  sk_trace_proto_name(c->msgs[ii].proto), b);
		f = sk_trace_finding_add(
		    c, "cancel.destination", ci, (int32_t)ii,
		    "the CANCEL went to %s, the INVITE to %s: only the INVITE's next hop "
		    "has its transaction",
		    ours, theirs);
		sk_trace_finding_diff(f, "destination",
		                      (struct sk_str){ours, la > 0 ? (size_t)la : 0},
		                      (struct sk_str){theirs, lb > 0 ? (size_t)lb : 0}, "");
	}
	if (!sk_str_caseeq(cv->branch, iv->branch) || !sk_str_caseeq(cv->host, iv->host) ||
	    cv->port != iv->port) {
		bool branch = !sk_str_caseeq(cv->branch, iv->branch);
		f = sk_trace_finding_add(
		    c, "cancel.branch_mismatch", ci, (int32_t)ii,
		    branch ? "the CANCEL's top Via branch is not the INVITE's: the "
		             "server looks for a transaction with its branch and finds none"
		           : "the CANCEL's top Via sent-by is not the INVITE's: the "
		             "server's key is branch and sent-by together");
		sk_trace_finding_diff(f, branch ? "top Via branch" : "top Via sent-by",
		                      branch ? cv->branch : cv->host,
		                      branch ? iv->branch : iv->host, "Via");
	}
	compare_fields(c, ci, ii, false);
	if (!head)
		return;
	char what[128] = "";
	size_t w = 0;
	for (size_t i = first; i < c->nfindings && w < sizeof(what); i++)
		w += (size_t)snprintf(what + w, sizeof(what) - w, "%s%s", w ? ", " : "",
		                      c->findings[i].field);
	snprintf(
	    head->detail, sizeof(head->detail),
	    "the CANCEL matches no INVITE at its destination%s; it was meant for the INVITE of "
	    "frame %s, from which it differs in: %s",
	    answer, sk_trace_frame_ref(c, &c->msgs[ii], fr, sizeof(fr)),
	    w ? what : "nothing the matching rules read (an RFC 2543 To tag?)");
	if (first < c->nfindings) { /* the headline shows the first difference side by side */
		const struct sk_trace_finding *d = &c->findings[first];
		memcpy(head->field, d->field, sizeof(head->field));
		memcpy(head->ours, d->ours, sizeof(head->ours));
		memcpy(head->theirs, d->theirs, sizeof(head->theirs));
		memcpy(head->hdr, d->hdr, sizeof(head->hdr));
	}
}

/*
 * The INVITE sent again with credentials (§22.2: same Call-ID, From tag and hop,
 * CSeq + 1, a new branch) after it got its 401/407, before message ci; NULL if none.
 */
static const struct sk_trace_txn *retry_of(const struct sk_trace_call *c,
                                           const struct sk_trace_txn *it, uint32_t ci)
{
	if (it->final < 0 || it->final > (int32_t)ci ||
	    (it->final_status != 401 && it->final_status != 407))
		return NULL;
	for (size_t k = 0; k < c->ntxns; k++) {
		const struct sk_trace_txn *t = &c->txns[k];
		if (t == it || !t->invite || t->from_host != it->from_host ||
		    t->to_host != it->to_host || t->request <= it->request || t->request >= ci)
			continue;
		const struct sk_addr *to = sk_msg_to(sk_trace_flow_req(c, t));
		if (to && to->tag.len == 0)
			return t;
	}
	return NULL;
}

/*
 * §9.2: once the CANCEL matched, the UAS SHOULD end the INVITE with 487. A
 * non-2xx final other than 487 that comes after the CANCEL's 200, or later
 * than the hop's response time after the CANCEL (so it did not cross it),
 * means the server (or a proxy on the way, §16.7) ended it another way: a
 * 408 from a timer, a 480, a 5xx.
 */
static void wrong_final(struct sk_trace_call *c, const struct sk_trace_txn *ct,
                        const struct sk_trace_txn *it, bool crossed)
{
	uint32_t ci = ct->request;
	if (crossed || it->final < 0 || it->final < (int32_t)ci || it->final_status < 300 ||
	    it->final_status == 487)
		return;
	bool after_200 = ct->final >= 0 && ct->final_status < 300 && it->final > ct->final;
	int64_t gap = ts(c, it->final) - ts(c, (int32_t)ci);
	if (!after_200 && gap <= race_window(c, it))
		return; /* sent before the CANCEL arrived, most likely */
	sk_trace_finding_add(c, "cancel.wrong_final", it->final, (int32_t)ci,
	                     "the INVITE ended %u, not 487, %.3f s after the CANCEL%s",
	                     it->final_status, (double)gap / 1e6,
	                     after_200 ? " and after the CANCEL's 200" : "");
}

static void cancel_timing(struct sk_trace_call *c, const struct analysis *a,
                          struct sk_trace_txn *ct, struct sk_trace_txn *it)
{
	char fr[32]; /* a frame as the texts name it: "14" or "2:14" */
	const struct sk_trace_txn *retry = retry_of(c, it, ct->request);
	if (retry) {
		/* §9.1: the CANCEL must be built from the INVITE it cancels, which is now
		 * the retry; this one leaves the retry ringing (its timing against the
		 * challenged INVITE says nothing more) */
		sk_trace_finding_add(
		    c, "cancel.challenged_invite", ct->request, (int32_t)retry->request,
		    "the CANCEL carries the branch and CSeq of the INVITE that got %u, not those "
		    "of "
		    "its retry with credentials (frame %s), which it leaves ringing",
		    it->final_status,
		    sk_trace_frame_ref(c, &c->msgs[retry->request], fr, sizeof(fr)));
		return;
	}
	uint32_t ci = ct->request, ii = it->request;
	int64_t tc = ts(c, (int32_t)ci);
	bool crossed = false;
	if (it->first_prov < 0 || it->first_prov > (int32_t)ci) {
		sk_trace_finding_add(
		    c, "cancel.before_provisional", ci, (int32_t)ii,
		    "the CANCEL left %.3f s after the INVITE, before any provisional "
		    "response to it",
		    (double)(tc - ts(c, (int32_t)ii)) / 1e6);
	}
	if (it->final >= 0 && it->final < (int32_t)ci) {
		int64_t gap = tc - ts(c, it->final);
		if (gap > race_window(c, it))
			sk_trace_finding_add(
			    c, "cancel.after_final", ci, it->final,
			    "the CANCEL left %.3f s after the INVITE's final response %u",
			    (double)gap / 1e6, it->final_status);
		else
			crossed = true; /* the final was on its way to the caller */
	}
	/* what answered it */
	if (ct->final < 0) {
		bool later = it->final > (int32_t)ci;
		if (sk_trace_covered(a, tc) || later)
			sk_trace_finding_add(
			    c, "cancel.no_response", ci, (int32_t)ii, "no response to the CANCEL%s",
			    later ? ", though the INVITE got its final after it" : "");
	} else if (ct->final_status == 481 && !crossed &&
	           (it->final < 0 || it->final > (int32_t)ci)) {
		sk_trace_finding_add(
		    c, "cancel.no_match", ci, ct->final,
		    "answered 481 although it matches the INVITE of frame %s by §9.2: the "
		    "server did not have that INVITE (the CANCEL overtook it, or the server "
		    "matches by other fields)",
		    sk_trace_frame_ref(c, &c->msgs[ii], fr, sizeof(fr)));
	} else if (ct->final_status >= 300 && ct->final_status != 481) {
		/* §9.2: a CANCEL that matched is answered 200 by the server itself; a
		 * 408, 5xx or other refusal leaves the INVITE pending and the phone ringing */
		sk_trace_finding_add(
		    c, "cancel.rejected", ct->final, (int32_t)ci,
		    "the CANCEL was answered %u instead of 200: the INVITE of "
		    "frame %s %s",
		    ct->final_status, sk_trace_frame_ref(c, &c->msgs[ii], fr, sizeof(fr)),
		    it->final > (int32_t)ci ? "went on until its own final" : "was left pending");
	} else if (ct->final_status >= 200 && ct->final_status < 300 && it->invite) {
		int64_t t200 = ts(c, ct->final);
		if (it->final < 0 ? sk_trace_covered(a, t200)
		                  : ts(c, it->final) - t200 > a->window_us)
			sk_trace_finding_add(c, "cancel.no_487", ci, ct->final,
			                     "the CANCEL got %u but the INVITE %s",
			                     ct->final_status,
			                     it->final < 0 ? "never got a final response"
			                                   : "got its final only after 64*T1");
	}
	wrong_final(c, ct, it, crossed);
	/* a 2xx after the CANCEL (or crossing it): the call was set up anyway */
	if (it->first_2xx >= 0 && (it->first_2xx > (int32_t)ci || crossed))
		sk_trace_finding_add(
		    c, "cancel.answered_anyway", it->first_2xx, (int32_t)ci,
		    "%u to the INVITE %.3f s %s the CANCEL: the call is set up and needs "
		    "ACK and BYE",
		    sk_msg_status(msg(c, it->first_2xx)),
		    (double)llabs(ts(c, it->first_2xx) - tc) / 1e6,
		    it->first_2xx > (int32_t)ci ? "after" : "before (crossing)");
}

void sk_trace_rules_cancel(struct sk_trace_call *c, const struct analysis *a)
{
	for (size_t k = 0; k < c->ntxns; k++) {
		struct sk_trace_txn *ct = &c->txns[k];
		if (strcmp(ct->method, "CANCEL"))
			continue;
		uint32_t ci = ct->request;
		const struct sk_msg *cm = msg(c, (int32_t)ci);
		if (!sk_str_caseeq_c(sk_msg_cseq(cm)->method, "CANCEL")) {
			char want[48];
			int n = snprintf(want, sizeof(want), "%u CANCEL", sk_msg_cseq(cm)->num);
			struct sk_trace_finding *f = sk_trace_finding_add(
			    c, "cancel.cseq_method", ci, -1, "the CANCEL's CSeq method is %.*s",
			    (int)sk_msg_cseq(cm)->method.len, sk_msg_cseq(cm)->method.p);
			sk_trace_finding_diff(f, "CSeq", hdr_value(cm, SK_HDR_CSEQ),
			                      (struct sk_str){want, n > 0 ? (size_t)n : 0}, "CSeq");
		}
		const struct sk_hdr *req = sk_msg_hdr_first(cm, SK_HDR_REQUIRE);
		if (!req)
			req = sk_msg_hdr_first(cm, SK_HDR_PROXY_REQUIRE);
		if (req) {
			struct sk_trace_finding *f = sk_trace_finding_add(
			    c, "cancel.require", ci, -1, "the CANCEL carries %.*s: %.*s",
			    (int)req->name.len, req->name.p, (int)req->value.len, req->value.p);
			if (f)
				snprintf(f->hdr, sizeof(f->hdr), "%.*s", (int)req->name.len,
				         req->name.p);
		}
		if (ct->cancel < 0) {
			no_match(c, ct);
			continue;
		}
		struct sk_trace_txn *it = &c->txns[ct->cancel];
		if (!it->invite) {
			sk_trace_finding_add(c, "cancel.non_invite", ci, (int32_t)it->request,
			                     "the CANCEL matches a %s, not an INVITE", it->method);
			continue;
		}
		compare_fields(c, ci, it->request, true);
		if (c->msgs[ci].proto != c->msgs[it->request].proto) {
			struct sk_trace_finding *f =
			    sk_trace_finding_add(c, "cancel.destination", ci, (int32_t)it->request,
			                         "the CANCEL went over %s, the INVITE over %s",
			                         sk_trace_proto_name(c->msgs[ci].proto),
			                         sk_trace_proto_name(c->msgs[it->request].proto));
			(void)f;
		}
		cancel_timing(c, a, ct, it);
	}
}
