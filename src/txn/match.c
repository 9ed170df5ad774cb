/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The matching rules of the transaction layer on messages alone: §17.1.3
 * (responses to client transactions), §17.2.3 (requests to server
 * transactions, with the RFC 2543 fallback) and §9.2 (a CANCEL to the
 * transaction it cancels). The table (table.c) applies them to live
 * transactions; the trace checker (src/trace) applies the same functions to
 * messages read from a capture, so both judge a CANCEL alike.
 */
#include <string.h>

#include "txn_int.h"

/* Top Vias "match" (§17.2.3 fallback): same transport, sent-by and branch. */
static bool same_via(const struct sk_via *a, const struct sk_via *b)
{
	return sk_str_caseeq(a->transport, b->transport) && sk_str_caseeq(a->host, b->host) &&
	       txn_via_port(a) == txn_via_port(b) && sk_str_caseeq(a->branch, b->branch);
}

bool sk_txn_2543_same_dialog_part(const struct sk_msg *a, const struct sk_msg *b)
{
	return sk_msg_cseq(a)->num == sk_msg_cseq(b)->num &&
	       sk_str_eq(sk_msg_call_id(a), sk_msg_call_id(b)) &&
	       sk_str_caseeq(sk_msg_from(a)->tag, sk_msg_from(b)->tag) &&
	       sk_uri_equal(sk_msg_ruri(a), sk_msg_ruri(b)) &&
	       same_via(sk_msg_via(a, 0), sk_msg_via(b, 0));
}

/* Parsed requests with the headers every rule reads; a capture may hold less. */
static bool usable(const struct sk_msg *m)
{
	return m && sk_msg_via_count(m) > 0 && sk_msg_cseq(m) && sk_msg_from(m) && sk_msg_to(m);
}

static bool same_key(const struct sk_msg *orig, const struct sk_msg *m)
{
	const struct sk_via *v = sk_msg_via(orig, 0);
	return txn_key_eq(v->branch, v->host, txn_via_port(v), sk_msg_via(m, 0));
}

bool sk_txn_request_matches(const struct sk_msg *orig, const struct sk_msg *m,
                            struct sk_str final_to_tag)
{
	if (!usable(orig) || !usable(m) || !sk_msg_is_request(orig) || !sk_msg_is_request(m))
		return false;
	struct sk_str om = sk_msg_method(orig), mm = sk_msg_method(m);
	bool is_ack = sk_txn_method_is(mm, "ACK");
	/* an ACK belongs to the INVITE's transaction (§17.2.3 last paragraph) */
	if (!(is_ack ? sk_txn_method_is(om, "INVITE") : sk_str_eq(om, mm)))
		return false;
	if (sk_via_branch_is_3261(sk_msg_via(orig, 0)))
		return sk_via_branch_is_3261(sk_msg_via(m, 0)) && same_key(orig, m);
	if (sk_via_branch_is_3261(sk_msg_via(m, 0)) || !sk_txn_2543_same_dialog_part(orig, m))
		return false;
	/* ACK: the To tag of the final response the transaction sent; others: the request's */
	return sk_str_caseeq(is_ack ? final_to_tag : sk_msg_to(orig)->tag, sk_msg_to(m)->tag);
}

bool sk_txn_cancel_matches(const struct sk_msg *orig, const struct sk_msg *c)
{
	if (!usable(orig) || !usable(c) || !sk_msg_is_request(orig) || !sk_msg_is_request(c))
		return false;
	struct sk_str om = sk_msg_method(orig);
	if (sk_txn_method_is(om, "CANCEL") || sk_txn_method_is(om, "ACK"))
		return false;
	if (sk_via_branch_is_3261(sk_msg_via(orig, 0)))
		return sk_via_branch_is_3261(sk_msg_via(c, 0)) && same_key(orig, c);
	return !sk_via_branch_is_3261(sk_msg_via(c, 0)) && sk_txn_2543_same_dialog_part(orig, c) &&
	       sk_str_caseeq(sk_msg_to(orig)->tag, sk_msg_to(c)->tag);
}

bool sk_txn_response_matches(const struct sk_msg *orig, const struct sk_msg *r)
{
	if (!usable(orig) || !r || sk_msg_via_count(r) == 0 || !sk_msg_cseq(r) ||
	    sk_msg_is_request(r))
		return false;
	/* §17.1.3: the top Via's branch, and the CSeq method (a CANCEL's 200 is not the INVITE's)
	 */
	return sk_str_caseeq(sk_msg_via(orig, 0)->branch, sk_msg_via(r, 0)->branch) &&
	       sk_str_eq(sk_msg_method(orig), sk_msg_cseq(r)->method);
}
