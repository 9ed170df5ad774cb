/* SPDX-License-Identifier: BSD-3-Clause */
/* sipkit explain: failure responses from 480 to 603. */
#include "explain.h"

/* clang-format off */
static const struct explain_response table[] = {
	{
		.code = 480,
		.name = "480",
		.phrase = "Temporarily Unavailable",
		.ref = "RFC 3261 §21.4.18, §16.7; 3GPP TS 24.229",
		.summary =
			"the callee is known but cannot be reached now (not registered, do not "
			"disturb)",
		.purpose =
			"The callee's system was reached but the user is unavailable: not logged "
			"in, do-not-disturb, or in a state that rules out calls; or a proxy or "
			"registrar knows the user but has no current contact for it (no "
			"registration). Retry-After may say when to try again and the reason "
			"phrase should say why. The user might be reachable elsewhere, so a "
			"forking proxy keeps its other branches going. In IMS it is the usual "
			"answer for a subscriber who is not registered, when no service for "
			"unregistered users (voicemail) takes the call.",
		.call_flow =
			"INVITE -> (100) -> 480 -> ACK. With forking, the 480 of one branch is "
			"held by the proxy until the others end, and forwarded only if it is the "
			"best response.",
		.who_sends =
			"A UAS (do-not-disturb), a proxy or registrar without bindings, the "
			"terminating S-CSCF or an AS.",
		.headers = (const struct explain_hdr_use[]){
			{"Retry-After", EXPLAIN_OPTIONAL,
			 "When the callee may be available."},
			{"Warning", EXPLAIN_OPTIONAL,
			 "Why."},
			EXPLAIN_HDRS_COPIED,
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"The ACK for an INVITE. The caller may retry later or be diverted "
			"(voicemail).",
		.failures =
			"- The registration expired because the phone stopped refreshing, or its "
			"NAT binding died.\n"
			"- Do-not-disturb left on.\n"
			"- A no-answer timer in a server ending calls with 480 where the caller "
			"expected 408 or 487.",
		.troubleshooting =
			"1. Look up the registrations of the address-of-record at the time of "
			"the call.\n"
			"2. Read the reason phrase and the Retry-After.\n"
			"3. Find which element answered (Server header, source address).",
		.related = (const char *const[]){
			"404", "408", "486", "3xx", "REGISTER", "Retry-After", NULL,
		},
	},
	{
		.code = 481,
		.name = "481",
		.phrase = "Call/Transaction Does Not Exist",
		.ref =
			"RFC 3261 §21.4.19, §9.2, §12.2.2, §12.2.1.2, §15.1; RFC 3262 §3; "
			"RFC 6665; RFC 5057",
		.summary =
			"the request matches no dialog or transaction here: a CANCEL, BYE, PRACK "
			"or in-dialog request that lost its way",
		.purpose =
			"The UAS has no transaction (for a CANCEL) or no dialog (for BYE, "
			"re-INVITE, UPDATE, PRACK, INFO, NOTIFY, REFER and other in-dialog "
			"requests) that the request matches. For a CANCEL it means no INVITE "
			"with the CANCEL's top Via branch and sent-by (or, for RFC 2543 peers, "
			"the same Request-URI, tags, Call-ID, CSeq number and top Via) is "
			"pending at this hop: the INVITE, if it exists elsewhere, keeps ringing. "
			"For an in-dialog request it means the dialog is gone for the peer: the "
			"sender ends its side (§12.2.1.2; for an INVITE dialog, with BYE; after "
			"a 481 to a BYE, the session is simply over, §15.1.1). RFC 5057 refines "
			"which usage of a shared dialog a 481 ends. RFC 2543 called it \"Call "
			"Leg/Transaction Does Not Exist\".",
		.call_flow =
			"- CANCEL -> 481 at the hop where matching failed; the caller still has "
			"a ringing INVITE, and may send a correct CANCEL, or wait for Timer C or "
			"its own 64*T1 limit.\n"
			"- BYE -> 481 when the peer already ended the call (crossing BYEs) or "
			"the tags are wrong.\n"
			"- PRACK -> 481 when no unacknowledged reliable provisional matches (RFC "
			"3262 §3).\n"
			"- NOTIFY -> 481 when the subscriber has no such subscription; the "
			"notifier ends it (RFC 6665).\n"
			"- IMS: a CSCF or AS that lost its dialog state (restart) answers 481 to "
			"in-dialog requests.",
		.who_sends =
			"The UAS of the request. A stateful proxy that finds no INVITE for a "
			"CANCEL normally forwards the CANCEL statelessly (§16.10); some answer "
			"481 themselves (sipkit proxy with --cancel-481).",
		.headers = (const struct explain_hdr_use[]){
			{"To", EXPLAIN_REQUIRED,
			 "Copied, with a tag (the UAS adds one if the request had none)."},
			{"Warning", EXPLAIN_OPTIONAL,
			 "Some stacks say which field did not match."},
			{"Via", EXPLAIN_REQUIRED,
			 "Copied from the request."},
			{"From", EXPLAIN_REQUIRED,
			 "Copied."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "Copied."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Copied: read the method to know which request failed."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"After a 481 to a CANCEL: nothing for the CANCEL; watch the INVITE, "
			"still pending. After a 481 to a BYE: the call is over. After a 481 to a "
			"re-INVITE: the ACK, then a BYE.",
		.failures =
			"- A CANCEL built with a new Via branch (a new transaction id) instead "
			"of the INVITE's (`sipkit check`: cancel.branch_mismatch).\n"
			"- A CANCEL from another port or interface (sent-by differs), or sent to "
			"another server than the INVITE (DNS picked another one) "
			"(cancel.destination).\n"
			"- A Request-URI, From tag, Call-ID or CSeq number different from the "
			"INVITE's (cancel.field_mismatch): fatal for RFC 2543 matching and for "
			"strict UASs.\n"
			"- A CANCEL that overtook its INVITE: sent before any provisional "
			"(cancel.before_provisional), or reordered on UDP.\n"
			"- The INVITE already answered and its transaction gone. With RFC 6026 "
			"the transaction lingers 64*T1 in Accepted, and the CANCEL gets 200 "
			"instead.\n"
			"- A B2BUA or topology-hiding SBC that changes branches without mapping "
			"the CANCEL to its own INVITE.\n"
			"- A BYE with the tags swapped, a BYE to a restarted peer, a PRACK with "
			"a wrong RAck.",
		.troubleshooting =
			"1. Read the CSeq method: which request got the 481?\n"
			"2. For a CANCEL, compare it with the INVITE at the same hop: top Via "
			"branch and sent-by, Request-URI, From tag, Call-ID, CSeq number, To "
			"without tag. The first difference is the cause.\n"
			"3. Check that the CANCEL went to the INVITE's address, port and "
			"transport.\n"
			"4. Check the timing: was there a provisional before the CANCEL; was the "
			"INVITE already answered?\n"
			"5. For in-dialog requests, the dialog id is Call-ID, local tag and "
			"remote tag: compare with the response that created the dialog; look for "
			"a restart of the peer.\n"
			"6. `sipkit check capture.pcap` reports cancel.no_match with the field "
			"that differs.",
		.related = (const char *const[]){
			"CANCEL", "INVITE", "BYE", "PRACK", "NOTIFY", "487", "200", "Via", "CSeq",
			"To", NULL,
		},
	},
	{
		.code = 482,
		.name = "482",
		.phrase = "Loop Detected",
		.ref = "RFC 3261 §21.4.20, §16.3 (step 4), §8.2.2.2; RFC 5393",
		.summary =
			"the request came back to a proxy it already passed, or reached a UAS "
			"twice by different paths",
		.purpose =
			"Two situations. A loop (§16.3 step 4): a proxy finds its own address "
			"in a Via of the request, and the branch it put there shows the request "
			"has not changed since (same Request-URI and routing inputs): it went "
			"round in a circle. A request that comes back changed (retargeted) is a "
			"spiral and is allowed. A merged request (§8.2.2.2): a UAS receives a "
			"request without To tag with the From tag, Call-ID and CSeq of one it "
			"already has, but another top Via branch, because forked copies "
			"converged on it; it answers 482 to the second copy.",
		.call_flow =
			"Misrouting between two servers (A sends to B, B sends back to A with "
			"the same Request-URI); a user registered through two proxies, or a "
			"phone reached both directly and through a group it is in, so that two "
			"branches of one fork meet at the same phone.",
		.who_sends = "Proxies (loops) and UASs (merged requests).",
		.headers = (const struct explain_hdr_use[]){
			EXPLAIN_HDRS_COPIED,
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"The ACK for an INVITE. For a forking proxy it is one failed branch "
			"among others.",
		.failures =
			"- Routing loops between servers (without loop detection they end in 483 "
			"instead).\n"
			"- Duplicate registrations of one phone, or groups that include a member "
			"twice.\n"
			"- A middlebox that rewrites Via and breaks the loop check.",
		.troubleshooting =
			"1. List the Via values of the looped request: the same host appearing "
			"twice shows the circle.\n"
			"2. Compare the Request-URI at each pass: changed means a spiral, "
			"unchanged a loop.\n"
			"3. Merged requests: two INVITEs with the same Call-ID, From tag and "
			"CSeq but different top Via branches at one UAS.",
		.related = (const char *const[]){
			"483", "Via", "Max-Forwards", "INVITE", NULL,
		},
	},
	{
		.code = 483,
		.name = "483",
		.phrase = "Too Many Hops",
		.ref = "RFC 3261 §21.4.21, §16.3 (step 3), §8.1.1.6",
		.summary = "Max-Forwards reached 0: too many hops, usually a loop",
		.purpose =
			"A proxy (or UAS) received a request with Max-Forwards 0 and must not "
			"forward it (§16.3 step 3): it answers 483, except that an OPTIONS may "
			"be answered as if it were the destination. Each proxy takes one off "
			"Max-Forwards (the UAC starts at 70), so 483 usually means a loop, or a "
			"device that starts the count too low for a long path.",
		.call_flow =
			"A request bouncing between misconfigured servers until the count runs "
			"out. B2BUAs that reset Max-Forwards hide loops from it, which then run "
			"unbounded.",
		.who_sends = "The proxy or UAS where Max-Forwards is 0.",
		.headers = (const struct explain_hdr_use[]){
			{"Via", EXPLAIN_REQUIRED,
			 "Copied from the request: shows the path taken."},
			{"From", EXPLAIN_REQUIRED,
			 "Copied."},
			{"To", EXPLAIN_REQUIRED,
			 "Copied, with a tag."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "Copied."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Copied."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows = "The ACK for an INVITE.",
		.failures =
			"- Routing loops.\n"
			"- An initial value too low for a long IMS path (P-CSCF, S-CSCF, "
			"application servers, I-CSCF, the terminating S-CSCF and its servers, "
			"P-CSCF: easily more than ten hops).\n"
			"- Chains of B2BUAs each passing the count on.",
		.troubleshooting =
			"1. Initial value at the UAC.\n"
			"2. Count the Via values and look for repeated hosts.\n"
			"3. Check each hop takes exactly one off.",
		.related = (const char *const[]){
			"482", "Max-Forwards", "Via", "OPTIONS", NULL,
		},
	},
	{
		.code = 486,
		.name = "486",
		.phrase = "Busy Here",
		.ref = "RFC 3261 §21.4.24, §16.7; 3GPP TS 24.604",
		.summary =
			"the callee's device is busy; the user may be reachable elsewhere (600 "
			"means busy everywhere)",
		.purpose =
			"The callee's end system was reached but will not take another call "
			"there. Retry-After may say when to try again. Because the user may be "
			"reachable elsewhere, a forking proxy keeps its other branches ringing "
			"(a 600 Busy Everywhere would stop them). Call forwarding on busy acts "
			"on it (in IMS, the MMTel AS, 3GPP TS 24.604).",
		.call_flow =
			"INVITE -> (180) -> 486 -> ACK; then perhaps voicemail. Phones send it "
			"when all lines are in use and call waiting is off, and some when the "
			"user presses \"reject\" (others send 603).",
		.who_sends =
			"The callee's UAS; also proxies, SBCs or application servers enforcing "
			"call limits.",
		.headers = (const struct explain_hdr_use[]){
			{"Retry-After", EXPLAIN_OPTIONAL,
			 "When to try again."},
			{"Warning", EXPLAIN_OPTIONAL,
			 "Why."},
			EXPLAIN_HDRS_COPIED,
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows = "The ACK; forwarding on busy, or the caller hears busy tone.",
		.failures =
			"- A phone stuck busy because an earlier call never ended: a 200 that "
			"crossed a CANCEL and was never followed by BYE (`sipkit check`: "
			"cancel.race_unresolved), a lost BYE.\n"
			"- Call counters in an SBC or PBX not decremented after failed calls.\n"
			"- 486 used where 603 (decline everywhere) was meant, or the reverse.",
		.troubleshooting =
			"1. Look for a call still up at the callee from an earlier attempt.\n"
			"2. Check call-waiting and line settings of the phone.\n"
			"3. Find which element answered (Server header, source address).",
		.related = (const char *const[]){
			"603", "480", "INVITE", "CANCEL", "Retry-After", NULL,
		},
	},
	{
		.code = 487,
		.name = "487",
		.phrase = "Request Terminated",
		.ref =
			"RFC 3261 §21.4.25, §9.2, §15.1.2, §16.7, §17.1.1.3; RFC 3326; RFC "
			"6432",
		.summary =
			"the INVITE was cancelled (or ended by BYE) before its final answer: the "
			"normal end of a cancelled call",
		.purpose =
			"487 is the final response to a request that was stopped before it was "
			"answered: the INVITE that a CANCEL matched (§9.2), or requests still "
			"pending on a dialog when a BYE ended it (§15.1.2). It never answers "
			"the CANCEL itself: the CANCEL gets 200, the INVITE gets 487, and only "
			"the CSeq method tells the two apart. Being a non-2xx final response to "
			"an INVITE, it is ACKed hop by hop with the INVITE's branch. In a "
			"cancelled forked call every branch's UAS sends its 487; the proxy "
			"absorbs them and sends one final response upstream once all its "
			"branches have ended: 487 when the caller cancelled. A cancelled "
			"re-INVITE also ends with 487, and the session stays as it was.",
		.call_flow =
			"  caller          proxy           callee\n"
			"  CANCEL -------->\n"
			"    <------------ 200 (CSeq n CANCEL)\n"
			"                  CANCEL -------->\n"
			"                    <------------ 200 (CSeq n CANCEL)\n"
			"                    <------------ 487 (CSeq n INVITE)\n"
			"                  ACK    -------->   INVITE's branch at this hop\n"
			"    <------------ 487 (CSeq n INVITE)\n"
			"  ACK    -------->                   INVITE's branch at this hop\n"
			"IMS: a cancelled VoLTE call: each CSCF answers the CANCEL hop by hop; "
			"the callee's UE sends 487 and it travels back through each CSCF. An "
			"application server forwarding on no reply cancels the first leg and "
			"does not pass that leg's 487 to the caller: it tries the next target.",
		.who_sends =
			"The UAS of the INVITE (the callee). A forking proxy forwards one 487 "
			"upstream once all its branches are done; some proxies answer 487 "
			"themselves for a branch that never sent a provisional and so could not "
			"be cancelled yet.",
		.headers = (const struct explain_hdr_use[]){
			{"To", EXPLAIN_REQUIRED,
			 "With the UAS's tag: the same as in the 200 to the CANCEL (§9.2)."},
			{"Via", EXPLAIN_REQUIRED,
			 "Copied from the INVITE."},
			{"From", EXPLAIN_REQUIRED,
			 "Copied."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "Copied."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Copied: n INVITE (not CANCEL)."},
			{"Reason", EXPLAIN_OPTIONAL,
			 "Some servers say why the INVITE ended (RFC 6432 allows Q.850 causes in "
			 "responses)."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"The ACK at each hop (the INVITE's branch, the 487's To tag). The call "
			"attempt is over; if another branch answered 200 first, the call is up "
			"instead.",
		.failures =
			"- 200 to the CANCEL but never a 487 (`sipkit check`: cancel.no_487): an "
			"RFC 2543 UAS or a broken one; the caller gives up the INVITE 64*T1 "
			"after the CANCEL.\n"
			"- The 487 not ACKed (ack.missing) or ACKed with a new branch "
			"(ack.branch): the UAS resends it until Timer H (32 s).\n"
			"- A proxy that forwards a 487 from a cancelled branch although another "
			"branch answered: the caller must get the 200, and the losing branches' "
			"487s are absorbed.\n"
			"- A caller that gets 487 without having cancelled: a proxy cancelled "
			"the branch (Timer C), an application server did, or the INVITE's "
			"Expires ran out at the callee; the Reason of the downstream CANCEL, if "
			"any, says why.\n"
			"- A 487 sent in answer to the CANCEL itself (wrong: the CANCEL gets "
			"200).",
		.troubleshooting =
			"1. Pair the responses: 200 (CSeq n CANCEL) and 487 (CSeq n INVITE), "
			"with the same To tag.\n"
			"2. Check the ACK at each hop: the INVITE's branch, the 487's To tag.\n"
			"3. Find who cancelled, and read the CANCEL's Reason.\n"
			"4. On a forked call the caller gets at most one 487, and none if a "
			"branch answered.\n"
			"5. `sipkit check`: cancel.no_487, ack.missing, ack.branch.",
		.related = (const char *const[]){
			"CANCEL", "INVITE", "ACK", "200", "481", "BYE", "Reason", NULL,
		},
	},
	{
		.code = 488,
		.name = "488",
		.phrase = "Not Acceptable Here",
		.ref = "RFC 3261 §21.4.26, §14.2, §20.43; RFC 3264; RFC 3311",
		.summary =
			"the session description (SDP) is not acceptable here: no common codec, "
			"media or transport",
		.purpose =
			"The offer cannot be accepted at this destination (606 would say: "
			"anywhere). A body may describe what is supported, and a Warning with a "
			"3xx warn-code should say what failed: 304 media type not available, 305 "
			"incompatible media format, 370 insufficient bandwidth and so on "
			"(§20.43). For a re-INVITE or UPDATE, 488 refuses the change and the "
			"session goes on as before (§14.2). In IMS, a P-CSCF or S-CSCF may "
			"answer 488 when the offer breaks local policy (codecs or bandwidth not "
			"allowed).",
		.call_flow =
			"INVITE (offer) -> 488 -> ACK; the caller may try again with another "
			"offer. Mid-call: re-INVITE (T.38, video) -> 488 -> ACK, the call "
			"continues unchanged.",
		.who_sends =
			"The callee's UAS, a gateway, an SBC, or a policy-enforcing proxy "
			"(P-CSCF, S-CSCF).",
		.headers = (const struct explain_hdr_use[]){
			{"Warning", EXPLAIN_OPTIONAL,
			 "A 3xx warn-code naming the SDP problem."},
			{"Accept", EXPLAIN_OPTIONAL,
			 "Body types acceptable."},
			{"Content-Type", EXPLAIN_CONDITIONAL,
			 "application/sdp when it describes what would work."},
			EXPLAIN_HDRS_COPIED,
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows = "The ACK; perhaps a new attempt with another offer.",
		.failures =
			"- No common codec (G.711 only against AMR-WB or EVS only).\n"
			"- Secure against plain RTP (RTP/SAVP against RTP/AVP), fmtp or ptime "
			"conflicts.\n"
			"- IPv4 against IPv6 media addresses.\n"
			"- A T.38 or video re-INVITE refused by the other side.\n"
			"- Bandwidth (b=AS) above what policy allows.",
		.troubleshooting =
			"1. Read the Warning.\n"
			"2. Compare the offer's m= lines, profiles, codecs and fmtp with what "
			"the callee supports (its OPTIONS answer, earlier calls).\n"
			"3. Check any SBC or transcoder in the path.",
		.related = (const char *const[]){
			"INVITE", "re-INVITE", "UPDATE", "Warning", "Content-Type", "Accept", NULL,
		},
	},
	{
		.code = 491,
		.name = "491",
		.phrase = "Request Pending",
		.ref = "RFC 3261 §21.4.27, §14.1, §14.2; RFC 3311 §5.2",
		.summary =
			"glare: a re-INVITE or UPDATE crossed another one in the same dialog; "
			"retry after a random delay",
		.purpose =
			"The UAS received an INVITE on a dialog while its own INVITE on that "
			"dialog was pending (§14.2), or an UPDATE with an offer while its own "
			"offer was unanswered (RFC 3311 §5.2). Both requests crossed; the one "
			"answered 491 is retried after a random delay T: 2.1 to 4 s for the side "
			"that owns the Call-ID (it chose the Call-ID, i.e. sent the initial "
			"INVITE), 0 to 2 s for the other side, in steps of 10 ms (§14.1). The "
			"session stays as it was.",
		.call_flow =
			"  A                              B\n"
			"  re-INVITE (hold) ----->                  the two requests cross\n"
			"             <----- re-INVITE (hold)\n"
			"  491 (to B's) --------->\n"
			"             <----- 491 (to A's)\n"
			"  each ACKs the 491 it got; after T, the side with the shorter delay "
			"tries again\n"
			"Common causes: both users press hold, a session refresh crossing a "
			"hold, an AS re-INVITE crossing a UE's.",
		.who_sends = "The UAS of the re-INVITE or UPDATE.",
		.headers = (const struct explain_hdr_use[]){
			{"Via", EXPLAIN_REQUIRED,
			 "Copied from the request."},
			{"From", EXPLAIN_REQUIRED,
			 "Copied."},
			{"To", EXPLAIN_REQUIRED,
			 "Copied."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "Copied."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Copied."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"The ACK (for a re-INVITE); a new attempt after the random delay, if "
			"still wanted.",
		.failures =
			"- Both sides retrying after the same delay, again and again.\n"
			"- A UA that retries at once.\n"
			"- 491 confused with 500: a 500 with Retry-After means the UAS is still "
			"handling an earlier request from the same side; 491 means two requests "
			"crossed.",
		.troubleshooting =
			"1. Find the two crossing requests: same Call-ID, opposite directions, "
			"overlapping in time.\n"
			"2. Find who owns the Call-ID (who sent the initial INVITE) and check "
			"each side's delay.",
		.related = (const char *const[]){
			"re-INVITE", "UPDATE", "500", "INVITE", NULL,
		},
	},
	{
		.code = 500,
		.name = "500",
		.phrase = "Server Internal Error",
		.ref = "RFC 3261 §21.5.1, §14.2, §12.2.2, §16.7; RFC 3311 §5.2; RFC 3262 §3",
		.summary =
			"the server failed; also the answer to overlapping INVITEs or UPDATEs, "
			"and a proxy's stand-in for 503",
		.purpose =
			"The server met an unexpected condition. The client may retry after a "
			"few seconds, and a Retry-After says when if the condition is temporary. "
			"It also has precise uses: a second INVITE on a dialog before the first "
			"got its final response (§14.2, with Retry-After of 0 to 10 s); an "
			"UPDATE that overlaps an unanswered offer or UPDATE (RFC 3311 §5.2); an "
			"in-dialog request whose CSeq is lower than the last one (§12.2.2); a "
			"proxy whose branches all answered 503 forwards 500 instead (§16.7); a "
			"reliable provisional never PRACKed ends the INVITE with a 5xx (RFC 3262 "
			"§3).",
		.call_flow = "Right after the failed request; ACKed hop by hop for an INVITE.",
		.who_sends = "Any server.",
		.headers = (const struct explain_hdr_use[]){
			{"Retry-After", EXPLAIN_OPTIONAL,
			 "When to retry (always present for overlapping INVITE or UPDATE)."},
			{"Warning", EXPLAIN_OPTIONAL,
			 "Details."},
			EXPLAIN_HDRS_COPIED,
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows = "The ACK for an INVITE; a retry after Retry-After.",
		.failures =
			"- Software faults in the server (see its logs).\n"
			"- A CSeq going backwards in a dialog after a restart or through a B2BUA."
			"\n"
			"- Overlapping re-INVITEs or UPDATEs from one side.\n"
			"- A 183 or 180 sent reliably and never PRACKed.\n"
			"- 503s from downstream, converted by a proxy.",
		.troubleshooting =
			"1. Retry-After present: look for an overlapping request.\n"
			"2. Compare CSeq numbers of in-dialog requests.\n"
			"3. Look for a missing PRACK after a reliable provisional.\n"
			"4. Look further downstream for 503s.",
		.related = (const char *const[]){
			"503", "491", "re-INVITE", "UPDATE", "PRACK", "Retry-After", NULL,
		},
	},
	{
		.code = 503,
		.name = "503",
		.phrase = "Service Unavailable",
		.ref = "RFC 3261 §21.5.4, §16.7, §16.9, §8.1.3.1; RFC 3263",
		.summary =
			"the server is overloaded or in maintenance: try another one "
			"(Retry-After says for how long)",
		.purpose =
			"The server cannot handle the request for now. A client (UAC or proxy) "
			"should try another server (the next DNS SRV target, RFC 3263) and stay "
			"away from this one for Retry-After seconds; without Retry-After, it "
			"treats the 503 as a 500. A proxy does not forward a 503 upstream unless "
			"every request would fail the same way; when all its branches answered "
			"503 it sends 500 (§16.7). A transport error when sending (connection "
			"refused, ICMP unreachable) is treated as a 503 too (§8.1.3.1, §16.9).",
		.call_flow =
			"Right after the request, or synthesized locally by the client on a "
			"transport error. IMS: an overloaded P-CSCF or S-CSCF; the UE waits "
			"Retry-After before registering again.",
		.who_sends =
			"An overloaded server or one in maintenance; or nobody on the wire, when "
			"the client's transport failed.",
		.headers = (const struct explain_hdr_use[]){
			{"Retry-After", EXPLAIN_OPTIONAL,
			 "How long to stay away from this server."},
			{"Warning", EXPLAIN_OPTIONAL,
			 "Details."},
			EXPLAIN_HDRS_COPIED,
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows = "The ACK for an INVITE; failover to another server; back-off.",
		.failures =
			"- A proxy that passes 503 upstream makes the caller avoid the whole "
			"proxy.\n"
			"- Every client retrying at the same moment after Retry-After.\n"
			"- Channel or licence limits on an SBC or PBX reported as 503.\n"
			"- A transport error shown as a 503 that never crossed the wire.",
		.troubleshooting =
			"1. Did the 503 come off the wire, or was it made locally from a "
			"transport error?\n"
			"2. Read Retry-After, and check failover to the next server.\n"
			"3. Check load, licences and channel counts of the element that sent it.",
		.related = (const char *const[]){
			"500", "408", "Retry-After", "INVITE", "REGISTER", NULL,
		},
	},
	{
		.code = 603,
		.name = "603",
		.phrase = "Decline",
		.ref = "RFC 3261 §21.6.2, §16.7 (steps 5 and 10); RFC 3326",
		.summary =
			"the callee declines the call everywhere: a forking proxy stops all "
			"other branches",
		.purpose =
			"The callee's machine was reached and the user explicitly does not want "
			"the call, with no other place to try; Retry-After may say when to call "
			"again. 6xx responses are global: a forking proxy that receives one "
			"cancels all its pending branches, creates no new ones (§16.7 steps 5 "
			"and 10), and forwards the 6xx once the branches have ended. The CANCELs "
			"it sends tell the other phones why, with a Reason such as "
			"SIP;cause=603;text=\"Decline\". A phone's reject button sends 603 (or "
			"486, which only refuses on that one device).",
		.call_flow =
			"  caller        proxy          phone-1        phone-2\n"
			"  INVITE ---->\n"
			"                INVITE ------>\n"
			"                INVITE ---------------------->\n"
			"                  <---------- 603 (phone-1 rejects)\n"
			"                ACK --------->\n"
			"                CANCEL (Reason: SIP;cause=603;text=\"Decline\") -> "
			"phone-2\n"
			"                  <-------------------------- 200 (CANCEL), 487 (INVITE)"
			"\n"
			"                ACK ------------------------->\n"
			"    <---------- 603\n"
			"  ACK ------->",
		.who_sends =
			"The callee's UAS (the user rejects), call-screening servers (anonymous "
			"call rejection), PBXs.",
		.headers = (const struct explain_hdr_use[]){
			{"Retry-After", EXPLAIN_OPTIONAL,
			 "When the callee may accept a call."},
			EXPLAIN_HDRS_COPIED,
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"The ACK; the proxy's CANCELs to the other branches; the caller's call "
			"fails.",
		.failures =
			"- Other branches keep ringing after the 603: the proxy does not cancel "
			"on a 6xx.\n"
			"- A user's reject ending the ringing on all of the user's devices: that "
			"is what 6xx means; 486 refuses on one device only.\n"
			"- Gateways mapping 603 and 486 to Q.850 causes (21 call rejected, 17 "
			"user busy) the wrong way.",
		.troubleshooting =
			"1. Did the proxy cancel the other branches when the 603 arrived, and "
			"with which Reason?\n"
			"2. Look for the ACK of the 603 at each hop.\n"
			"3. Check the cause mapping at gateways.",
		.related = (const char *const[]){
			"486", "480", "CANCEL", "Reason", "INVITE", NULL,
		},
	},
};
/* clang-format on */

const struct explain_responses explain_responses_fail = {table, sizeof(table) / sizeof(table[0])};
