/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sipkit demo. Until the UA core and the proxy exist, the demo walks through a
 * cancelled call (RFC 3665 §3.8 style: INVITE, 100, 180, CANCEL, 200, 487, ACK)
 * at the message layer: it decodes each bundled message, then derives the
 * CANCEL (§9.1) and the ACK for the 487 (§17.1.1.3) from the INVITE and shows
 * that they match what the flow carries, field by field.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CRLF "\r\n"

static const char invite[] =
    "INVITE sip:bob@biloxi.example.com SIP/2.0" CRLF
    "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9" CRLF
    "Max-Forwards: 70" CRLF "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl" CRLF
    "To: Bob <sip:bob@biloxi.example.com>" CRLF
    "Call-ID: 3848276298220188511@atlanta.example.com" CRLF "CSeq: 1 INVITE" CRLF
    "Route: <sip:ss1.atlanta.example.com;lr>" CRLF
    "Contact: <sip:alice@client.atlanta.example.com;transport=udp>" CRLF
    "Content-Type: application/sdp" CRLF "Content-Length: 0" CRLF CRLF;

static const char trying[] =
    "SIP/2.0 100 Trying" CRLF
    "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101" CRLF
    "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl" CRLF
    "To: Bob <sip:bob@biloxi.example.com>" CRLF
    "Call-ID: 3848276298220188511@atlanta.example.com" CRLF "CSeq: 1 INVITE" CRLF
    "Content-Length: 0" CRLF CRLF;

static const char ringing[] =
    "SIP/2.0 180 Ringing" CRLF
    "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101" CRLF
    "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl" CRLF
    "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356" CRLF
    "Call-ID: 3848276298220188511@atlanta.example.com" CRLF "CSeq: 1 INVITE" CRLF
    "Contact: <sip:bob@client.biloxi.example.com>" CRLF "Content-Length: 0" CRLF CRLF;

static const char cancel[] =
    "CANCEL sip:bob@biloxi.example.com SIP/2.0" CRLF
    "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9" CRLF
    "Max-Forwards: 70" CRLF "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl" CRLF
    "To: Bob <sip:bob@biloxi.example.com>" CRLF
    "Call-ID: 3848276298220188511@atlanta.example.com" CRLF "CSeq: 1 CANCEL" CRLF
    "Route: <sip:ss1.atlanta.example.com;lr>" CRLF
    "Reason: SIP;cause=487;text=\"Caller hung up\"" CRLF "Content-Length: 0" CRLF CRLF;

static const char cancel_ok[] =
    "SIP/2.0 200 OK" CRLF
    "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101" CRLF
    "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl" CRLF
    "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356" CRLF
    "Call-ID: 3848276298220188511@atlanta.example.com" CRLF "CSeq: 1 CANCEL" CRLF
    "Content-Length: 0" CRLF CRLF;

static const char terminated[] =
    "SIP/2.0 487 Request Terminated" CRLF
    "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101" CRLF
    "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl" CRLF
    "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356" CRLF
    "Call-ID: 3848276298220188511@atlanta.example.com" CRLF "CSeq: 1 INVITE" CRLF
    "Content-Length: 0" CRLF CRLF;

struct step {
	const char *dir;
	const char *text;
};

static const struct step flow[] = {
    {"alice -> bob  ", invite}, {"alice <- bob  ", trying},    {"alice <- bob  ", ringing},
    {"alice -> bob  ", cancel}, {"alice <- bob  ", cancel_ok}, {"alice <- bob  ", terminated},
};

/* One line of the ladder: direction, first line, branch and CSeq. */
static int ladder_line(const struct step *s, struct sk_msg *m)
{
	struct sk_parse_err err;

	if (sk_msg_parse(m, s->text, strlen(s->text), &err) < 0) {
		fprintf(stderr, "demo: bundled message does not parse: line %u: %s\n", err.line,
		        err.why);
		return -1;
	}
	struct sk_str sl = sk_msg_start_line(m);
	const struct sk_cseq *cs = sk_msg_cseq(m);
	const struct sk_via *v = sk_msg_via(m, 0);
	printf("  %s %-44.*s CSeq %u %.*s  branch %.*s\n", s->dir, (int)sl.len, sl.p, cs->num,
	       (int)cs->method.len, cs->method.p, (int)v->branch.len, v->branch.p);
	return 0;
}

/* Compares one header of a derived message with the one the flow carries. */
static int same(const char *what, struct sk_str a, struct sk_str b)
{
	bool ok = sk_str_eq(a, b);
	printf("    %-12s %s  %.*s\n", what, ok ? "same" : "DIFFERS", (int)a.len, a.p);
	return ok ? 0 : 1;
}

static int compare_derived(const char *title, const char *wire, struct sk_str built)
{
	struct sk_msg *a, *b;
	int bad = 0;

	if (sk_msg_new(&a, NULL) < 0 || sk_msg_new(&b, NULL) < 0)
		return 1;
	if (sk_msg_parse(a, built.p, built.len, NULL) < 0 ||
	    sk_msg_parse(b, wire, strlen(wire), NULL) < 0) {
		sk_msg_free(a);
		sk_msg_free(b);
		return 1;
	}
	printf("\n  %s, derived by the stack from the INVITE:\n", title);
	bad += same("Request-URI", sk_msg_ruri_str(a), sk_msg_ruri_str(b));
	bad += same("top Via", sk_msg_via(a, 0)->raw, sk_msg_via(b, 0)->raw);
	bad += same("From", sk_msg_from(a)->raw, sk_msg_from(b)->raw);
	bad += same("To", sk_msg_to(a)->raw, sk_msg_to(b)->raw);
	bad += same("Call-ID", sk_msg_call_id(a), sk_msg_call_id(b));
	bad += same("CSeq", sk_msg_hdr_first(a, SK_HDR_CSEQ)->value,
	            sk_msg_hdr_first(b, SK_HDR_CSEQ)->value);
	if (sk_msg_addr_count(a, SK_HDR_ROUTE))
		bad += same("Route", sk_msg_addr(a, SK_HDR_ROUTE, 0)->raw,
		            sk_msg_addr(b, SK_HDR_ROUTE, 0)->raw);
	sk_msg_free(a);
	sk_msg_free(b);
	return bad;
}

int cmd_demo(int argc, char **argv)
{
	struct sk_msg *m, *inv, *resp;
	struct sk_build *bc = NULL, *ba = NULL;
	struct sk_str c, a;
	int bad = 0;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: sipkit demo\n\nWalks through a cancelled call at the message "
		       "layer: decodes the flow, derives CANCEL and ACK, checks them.\n");
		return 0;
	}
	if (sk_msg_new(&m, NULL) < 0 || sk_msg_new(&inv, NULL) < 0 || sk_msg_new(&resp, NULL) < 0)
		return 1;
	printf("sipkit demo: a cancelled call, message by message (RFC 3665 §3.8)\n\n");
	for (size_t i = 0; i < sizeof(flow) / sizeof(flow[0]); i++)
		if (ladder_line(&flow[i], m) < 0)
			bad++;

	if (sk_msg_parse(inv, invite, strlen(invite), NULL) < 0 ||
	    sk_msg_parse(resp, terminated, strlen(terminated), NULL) < 0 ||
	    sk_build_cancel(&bc, inv, "SIP;cause=487;text=\"Caller hung up\"") < 0 ||
	    sk_build_finish(bc, &c) < 0 || sk_build_ack(&ba, inv, resp) < 0 ||
	    sk_build_finish(ba, &a) < 0) {
		fprintf(stderr, "demo: could not derive CANCEL/ACK\n");
		bad++;
	} else {
		bad += compare_derived("CANCEL (§9.1)", cancel, c);
		printf("\n  the ACK for the 487 (§17.1.1.3), same branch as the INVITE, To from "
		       "the 487:\n");
		printf("%.*s", (int)a.len, a.p);
		printf("  decoded:\n");
		if (cli_decode_msg(stdout, "ack", a.p, a.len, NULL, false) != 0)
			bad++;
	}
	sk_build_free(bc);
	sk_build_free(ba);
	sk_msg_free(m);
	sk_msg_free(inv);
	sk_msg_free(resp);
	printf("\nresult: %s\n",
	       bad ? "FAILED" : "cancelled (487), CANCEL and ACK built per RFC 3261");
	return bad ? 1 : 0;
}
