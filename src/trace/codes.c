/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The diagnostic codes of `sipkit check` (DESIGN.md, "Trace diagnostics"):
 * stable names users and tests grep for, each with the clause it comes from
 * and three lines for a person. New codes go at the end; none changes meaning.
 */
#include <string.h>

#include "sipkit/trace.h"

static const struct sk_trace_code codes[] = {
    {"cancel.no_match", SK_SEV_ERROR, "RFC 3261 §9.2",
     "a CANCEL matches no pending INVITE (answered 481 or would be)",
     "the CANCEL was not built from the INVITE it meant to cancel (new branch, other "
     "Request-URI or tags), or it went to an element that never saw that INVITE",
     "compare the CANCEL with the INVITE field by field: top Via branch and sent-by, "
     "Request-URI, Call-ID, From tag, To, CSeq number",
     "build the CANCEL from the INVITE as §9.1 says: copy Request-URI, Call-ID, To, From, "
     "CSeq number and the top Via (same branch), and send it where the INVITE went"},
    {"cancel.branch_mismatch", SK_SEV_ERROR, "RFC 3261 §9.1, §17.2.3",
     "the CANCEL's top Via branch differs from the INVITE's at that hop",
     "the sender gave the CANCEL a new transaction (new branch) instead of the INVITE's: "
     "a server matches a CANCEL by the branch, so it finds nothing and answers 481",
     "the branch parameter of the top Via in both requests, at the same hop",
     "reuse the INVITE's top Via (branch included) in the CANCEL; in a stack, build the "
     "CANCEL from the INVITE client transaction, not as a new request"},
    {"cancel.field_mismatch", SK_SEV_WARNING, "RFC 3261 §9.1",
     "Request-URI, Call-ID, From (with tag), To, or CSeq number differs from the INVITE",
     "the CANCEL was composed from the dialog state or a response rather than copied from "
     "the INVITE; RFC 2543 servers match on these fields and will answer 481",
     "the field shown side by side in both requests",
     "copy these fields byte for byte from the INVITE being cancelled"},
    {"cancel.to_tag", SK_SEV_WARNING, "RFC 3261 §9.1",
     "the CANCEL's To carries a tag the INVITE did not have (copied from a provisional)",
     "the To header was taken from a 18x response, which adds the callee's tag",
     "the To header of the CANCEL, the INVITE and the provisional responses",
     "take To from the INVITE, without the tag a provisional added"},
    {"cancel.cseq_method", SK_SEV_ERROR, "RFC 3261 §9.1",
     "the CSeq method of the CANCEL is not CANCEL",
     "the CSeq header was copied whole from the INVITE; only its number must be kept",
     "the CSeq header of the CANCEL", "keep the INVITE's CSeq number and set the method to CANCEL"},
    {"cancel.before_provisional", SK_SEV_ERROR, "RFC 3261 §9.1",
     "CANCEL sent before any provisional response to the INVITE",
     "the caller gave up (or a timer fired) before the callee said anything; the CANCEL "
     "may overtake the INVITE, match nothing and leave the INVITE ringing",
     "the time between the INVITE, its first provisional and the CANCEL at this hop",
     "hold the CANCEL until a provisional arrives (or let Timer B end the INVITE); "
     "proxies apply the same rule per branch (§16.10)"},
    {"cancel.after_final", SK_SEV_WARNING, "RFC 3261 §9.1",
     "CANCEL sent after the INVITE already had a final response",
     "the caller had the final response when it cancelled (it has no effect), or the "
     "response was lost on its way to the caller",
     "whether the final response reached the CANCEL's sender, and how long before",
     "do not cancel a request that has its final response; send ACK (and BYE after a 2xx)"},
    {"cancel.challenged_invite", SK_SEV_ERROR, "RFC 3261 §9.1, §22.2",
     "the CANCEL targets the INVITE that was challenged (401/407), not its retry with "
     "credentials",
     "the caller sent the INVITE again with credentials (CSeq + 1, a new branch) but built "
     "its CANCEL from the first one: the retry is never cancelled and keeps ringing",
     "the top Via branch and the CSeq of the CANCEL, of the challenged INVITE and of its retry",
     "build the CANCEL from the INVITE last sent: its branch, its CSeq number, its Route set"},
    {"cancel.non_invite", SK_SEV_WARNING, "RFC 3261 §9.1",
     "a CANCEL aimed at a request other than INVITE",
     "CANCEL was sent for a non-INVITE request, which a server answers at once anyway",
     "the request the CANCEL matches (CSeq number and branch)",
     "do not CANCEL non-INVITE requests; let their transaction time out"},
    {"cancel.require", SK_SEV_ERROR, "RFC 3261 §9.1", "the CANCEL carries Require or Proxy-Require",
     "headers were copied from the INVITE wholesale; a CANCEL cannot be rejected with 420, "
     "so extensions must not be required for it",
     "the Require and Proxy-Require headers of the CANCEL",
     "leave Require and Proxy-Require out of CANCEL requests"},
    {"cancel.route_mismatch", SK_SEV_ERROR, "RFC 3261 §9.1",
     "the CANCEL's Route set differs from the INVITE's",
     "the CANCEL was routed by another rule than the INVITE, so it may reach an element "
     "that has no transaction for it",
     "the Route headers of both requests, in order",
     "copy the INVITE's Route headers into the CANCEL"},
    {"cancel.destination", SK_SEV_ERROR, "RFC 3261 §9.1",
     "CANCEL sent to another address, port or transport than the INVITE",
     "the CANCEL was resolved again (DNS, a new connection) and went elsewhere; stateful "
     "proxies cancel hop by hop and only the INVITE's next hop knows it",
     "destination address, port and transport of both requests",
     "send the CANCEL on the same flow as the INVITE (same connection for TCP)"},
    {"cancel.no_response", SK_SEV_ERROR, "RFC 3261 §9.2, §17.1.2", "no response to the CANCEL",
     "the CANCEL was lost, or the server ignored it; the caller cannot tell if the "
     "callee stopped ringing",
     "the path of the CANCEL and its retransmissions (Timer E), and the server's logs",
     "check the server received the CANCEL; every CANCEL gets a final response (200 or 481)"},
    {"cancel.no_487", SK_SEV_ERROR, "RFC 3261 §9.2",
     "the CANCEL got 200 but the INVITE never got a final response (within 64*T1)",
     "the server accepted the CANCEL but did not terminate the INVITE: the phone may still "
     "ring, and the caller's INVITE transaction only ends by Timer C or B",
     "whether the server sent 487 (or any final) to the INVITE, and whether it was lost",
     "the UAS must answer the INVITE 487 after a 200 to CANCEL; a proxy must forward the "
     "final response its branches return"},
    {"cancel.answered_anyway", SK_SEV_WARNING, "RFC 3261 §9.1, §15",
     "a 2xx to the INVITE arrived after the CANCEL: the call was set up (needs ACK and BYE)",
     "the callee answered as the CANCEL was on its way (a race the RFC allows); the call "
     "is now established",
     "the times of the 2xx and the CANCEL; the ACK and BYE that must follow",
     "the caller must ACK the 2xx and then send BYE; nothing is wrong if it did"},
    {"cancel.race_unresolved", SK_SEV_ERROR, "RFC 3261 §13.2.2.4, §15",
     "after a 2xx that crossed a CANCEL, no ACK or no BYE followed",
     "the caller forgot the call once it cancelled, leaving the callee connected with no "
     "one on the other end (it will resend the 2xx, then hang up by itself)",
     "the ACK and BYE for the 2xx's dialog (its To tag)",
     "after cancelling, a UAC must still ACK a 2xx and then end that dialog with BYE"},
    {"ack.missing", SK_SEV_ERROR, "RFC 3261 §17.1.1.3",
     "a 487 (or other non-2xx final) to the INVITE was never ACKed",
     "the caller's INVITE transaction did not ACK, or the ACK was lost; the server "
     "retransmits the final until Timer H",
     "retransmissions of the final response and any ACK on this hop",
     "every non-2xx final to an INVITE is ACKed hop by hop by the client transaction"},
    {"ack.branch", SK_SEV_ERROR, "RFC 3261 §17.1.1.3",
     "the ACK for a non-2xx final uses another branch than the INVITE",
     "the ACK was built as a new request; for a non-2xx final it belongs to the INVITE's "
     "transaction and must carry its branch",
     "the top Via branch of the INVITE and of the ACK",
     "build the ACK from the INVITE (same top Via, same branch, CSeq method ACK)"},
    {"fork.not_cancelled", SK_SEV_ERROR, "RFC 3261 §16.7 step 10",
     "a proxy forwarded a 2xx from one branch but did not CANCEL the other pending branches",
     "the proxy does not track its branches, or lost them; the other phones ring on",
     "the branches the proxy forked this INVITE to, and which were still pending at the 2xx",
     "a stateful proxy must CANCEL every pending branch once one returns a 2xx"},
    {"fork.no_reason", SK_SEV_WARNING, "RFC 3326 §2; 3GPP TS 24.229 §5.2.10",
     "branches cancelled after a 2xx elsewhere carry no Reason header",
     "the proxy cancelled the other branches without saying why: their phones log a missed "
     "call instead of \"answered elsewhere\"",
     "the CANCELs the proxy sent after the 2xx",
     "add Reason: SIP;cause=200;text=\"Call completed elsewhere\" to those CANCELs"},
    {"reason.malformed", SK_SEV_WARNING, "RFC 3326 §2",
     "a Reason header does not parse (protocol ;cause=N ;text=\"...\")",
     "the Reason value was written by hand or by a buggy stack: receivers may drop it",
     "the Reason header, against protocol *(;cause=DIGITS / ;text=quoted-string)",
     "write it as e.g. SIP;cause=200;text=\"Call completed elsewhere\""},
    {"cancel.not_forwarded", SK_SEV_ERROR, "RFC 3261 §16.10",
     "a proxy answered a CANCEL but did not cancel a branch still pending",
     "the proxy answers CANCEL hop by hop but forgot a branch (or forwarded the CANCEL "
     "somewhere else); that phone rings on",
     "the branches of the INVITE at the proxy and the CANCELs it sent after the 200",
     "on a CANCEL, a stateful proxy must CANCEL every pending client transaction"},
    {"msg.unparsed", SK_SEV_INFO, "RFC 3261 §7, §25", "a SIP message in the input does not parse",
     "a malformed message (its sender's bug), or a capture cut short (snap length, lost "
     "segment)",
     "the error under the message: line, header and why",
     "if the message is whole, its sender must fix it; a server answers such a request 400"},
    {"capture.truncated", SK_SEV_ERROR, "pcap / pcapng file format",
     "the input is truncated or corrupt; reading stopped at a frame",
     "the capture was cut (disk full, tcpdump killed) or damaged in a copy",
     "the frame number where reading stopped",
     "everything before that frame was checked; capture again to see the rest"},
    {"prack.missing", SK_SEV_WARNING, "RFC 3262 §4, §3",
     "a reliable provisional response (Require: 100rel, RSeq) was never acknowledged by a PRACK",
     "the caller does not implement 100rel although it offered it (Supported or Require: "
     "100rel), discarded the provisional, or its PRACK was lost or sent elsewhere; the "
     "callee retransmits the provisional and rejects the INVITE with a 5xx after 64*T1",
     "the provisional's RSeq and CSeq, and any PRACK in its dialog (its RAck must read "
     "RSeq, CSeq number, method); the provisional's retransmissions",
     "the caller must answer every in-order reliable provisional with a PRACK in its early "
     "dialog; a caller that cannot must not send Supported: 100rel"},
    {"capture.invite_outside", SK_SEV_INFO, "RFC 3261 §9.1, §9.2",
     "the INVITE a CANCEL cancelled is not in the capture, but the CANCEL's 2xx and the "
     "INVITE's 487 show that it matched",
     "the capture started after the INVITE (a ring buffer, a capture started mid-call)",
     "the CANCEL's 2xx, and the 487 with the CANCEL's branch and CSeq number",
     "nothing to fix in the call; capture from before the INVITE to check the CANCEL "
     "against it field by field"},
    {"cancel.rejected", SK_SEV_ERROR, "RFC 3261 §9.2, §17.1.2.2",
     "a CANCEL that matched its INVITE was answered 408, 5xx or another error, not 200",
     "the server or a proxy refused the CANCEL (overload, a timeout of its own CANCEL "
     "downstream, a bug): the INVITE stays pending, the phone may ring on until the "
     "INVITE's own timers end it",
     "the response to the CANCEL, and whether the INVITE got its 487 after it",
     "a CANCEL that matches an INVITE is answered 200 by the element itself (§9.2; §16.10 "
     "for a proxy); find why this element refused it, and retry or let Timer B end the "
     "INVITE"},
    {"cancel.wrong_final", SK_SEV_WARNING, "RFC 3261 §9.2",
     "the INVITE ended with another non-2xx final than 487 after the CANCEL",
     "the callee or a proxy did not turn the CANCEL into a 487: a timer fired (408), the "
     "callee rejected the call anyway (480, 486, 603), or a proxy passed another branch's "
     "final up",
     "the final response to the INVITE after the CANCEL and the CANCEL's 200, at each hop",
     "a UAS that accepts a CANCEL SHOULD answer the INVITE 487 (§9.2); a proxy forwards the "
     "best final of its branches, which are 487 once they are all cancelled"},
};

#define NCODES (sizeof(codes) / sizeof(codes[0]))
_Static_assert(NCODES <= SK_TRACE_CODES_MAX, "raise SK_TRACE_CODES_MAX");

const struct sk_trace_code *sk_trace_code_find(const char *code)
{
	for (size_t i = 0; i < NCODES; i++)
		if (!strcmp(codes[i].code, code))
			return &codes[i];
	return NULL;
}

const struct sk_trace_code *sk_trace_code_at(size_t i)
{
	return i < NCODES ? &codes[i] : NULL;
}

size_t sk_trace_code_index(const struct sk_trace_code *c)
{
	return (size_t)(c - codes);
}

const char *sk_trace_severity_name(enum sk_trace_severity s)
{
	return s == SK_SEV_ERROR ? "error" : s == SK_SEV_WARNING ? "warning" : "info";
}

const char *sk_trace_outcome_name(enum sk_trace_outcome o)
{
	static const char *const names[SK_TRACE_OUT_COUNT] = {"no INVITE",
	                                                      "answered",
	                                                      "cancelled cleanly",
	                                                      "cancelled, not clean",
	                                                      "cancelled but answered anyway",
	                                                      "failed",
	                                                      "unfinished"};
	return (unsigned)o < SK_TRACE_OUT_COUNT ? names[o] : "?";
}
