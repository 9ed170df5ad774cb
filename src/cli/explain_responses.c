/* SPDX-License-Identifier: BSD-3-Clause */
/* sipkit explain: provisional, success and redirection responses. */
#include "explain.h"

/* clang-format off */
static const struct explain_response table[] = {
	{
		.code = 100,
		.name = "100",
		.phrase = "Trying",
		.ref = "RFC 3261 §21.1.1, §17.2.1, §16.7 step 5; RFC 4320",
		.summary = "hop by hop: the next hop got the request and is working on it",
		.purpose =
			"100 Trying only says \"your request arrived here\". It stops the INVITE "
			"retransmissions of the previous hop over UDP and moves its INVITE "
			"client transaction to Proceeding, where Timer B no longer runs: from "
			"then on only Timer C at proxies (§16.8) and the caller's own patience "
			"end a call that never gets a final response. A stateful proxy never "
			"forwards a 100 (§16.7 step 5); it is never sent reliably (RFC 3262) "
			"and usually carries no To tag, so it creates no dialog. For the CANCEL "
			"rule of §9.1 it counts: once a 100 arrived, the caller may cancel.",
		.call_flow =
			"  caller       proxy        callee\n"
			"  INVITE ----> INVITE ---->\n"
			"    <---- 100    <---- 100 (only if it will not answer within 200 ms)\n"
			"The INVITE server transaction of every stateful element, proxy or UAS, "
			"sends a 100 unless its user will answer within 200 ms (§17.2.1); most "
			"proxies send it at once. IMS: each CSCF answers 100 to the INVITE it "
			"receives. For non-INVITE requests, RFC 4320 lets a server send a 100 "
			"only late (once the client's Timer E would have reached T2), since such "
			"requests are answered quickly anyway.",
		.who_sends = "The next stateful hop (proxy or UAS); never end to end.",
		.headers = (const struct explain_hdr_use[]){
			{"Via", EXPLAIN_REQUIRED,
			 "All the request's Via values, in order."},
			{"From", EXPLAIN_REQUIRED,
			 "Copied from the request."},
			{"To", EXPLAIN_REQUIRED,
			 "Copied; a tag is allowed but usually absent."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "Copied."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Copied: it tells which request is being worked on."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"More provisional responses from downstream (180, 183), then the final "
			"response.",
		.failures =
			"- No 100 at all on a UDP link: the INVITE is retransmitted (500 ms, 1 "
			"s, 2 s ...); the request is lost, goes to the wrong address, or is too "
			"big for UDP.\n"
			"- A 100 and then nothing for minutes: something downstream is stuck; "
			"the caller's Timer B no longer helps, and a proxy's Timer C (more than "
			"3 minutes) eventually cancels the branch.\n"
			"- INVITE retransmissions continuing after a 100 was sent: the 100 did "
			"not reach the caller (Via, rport, NAT).",
		.troubleshooting =
			"1. Time from each INVITE to its 100, hop by hop.\n"
			"2. Retransmissions of the INVITE after the 100 mean the 100 was lost on "
			"the way back.\n"
			"3. After a 100, a CANCEL is allowed; before it, §9.1 says wait.",
		.related = (const char *const[]){
			"INVITE", "180", "183", "CANCEL", "Via", NULL,
		},
	},
	{
		.code = 180,
		.name = "180",
		.phrase = "Ringing",
		.ref = "RFC 3261 §21.1.2, §13.3.1.1, §12.1; RFC 3262",
		.summary =
			"the callee is being alerted; creates an early dialog; the caller plays "
			"ringback",
		.purpose =
			"The UAS is alerting its user. With a To tag (always, from an RFC 3261 "
			"UAS) it creates an early dialog, so forked branches show up as several "
			"180s with different tags. The caller plays a local ringback tone unless "
			"early media arrives. A proxy forwards it upstream at once (§16.7 step "
			"5). It can be sent reliably (100rel: Require and RSeq, then PRACK). A "
			"UAS that will take more than 3 minutes to answer must repeat a non-100 "
			"provisional every minute so that proxies do not cancel it (§13.3.1.1).",
		.call_flow =
			"  INVITE -> 100 -> 180 -> then 200 (answered), 487 (cancelled), or a "
			"rejection\n"
			"IMS with preconditions: the 180 comes only after the resources are "
			"reserved (183, PRACK, UPDATE); it is often sent reliably and PRACKed "
			"too. P-Early-Media tells the caller whether to render network media "
			"instead of local ringback.",
		.who_sends =
			"The callee's UAS; forwarded by every proxy. An application server or a "
			"proxy may generate one.",
		.headers = (const struct explain_hdr_use[]){
			{"To", EXPLAIN_REQUIRED,
			 "With the UAS's tag: the early dialog."},
			{"Contact", EXPLAIN_REQUIRED,
			 "The callee's target, for PRACK, UPDATE or BYE in the early dialog."},
			{"Record-Route", EXPLAIN_CONDITIONAL,
			 "Copied from the INVITE: the early dialog's route set."},
			{"Require", EXPLAIN_CONDITIONAL,
			 "100rel when sent reliably."},
			{"RSeq", EXPLAIN_CONDITIONAL,
			 "The number of a reliable 180."},
			{"Allow", EXPLAIN_OPTIONAL,
			 "Methods the callee accepts (UPDATE, PRACK)."},
			{"P-Asserted-Identity", EXPLAIN_CONDITIONAL,
			 "IMS: the identity of the party being alerted."},
			{"Content-Type", EXPLAIN_CONDITIONAL,
			 "application/sdp when the 180 carries SDP (early media)."},
			{"Via", EXPLAIN_REQUIRED,
			 "Copied from the INVITE."},
			{"From", EXPLAIN_REQUIRED,
			 "Copied."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "Copied."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Copied: n INVITE."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"A PRACK if it was reliable; then the final response: 200 when answered, "
			"487 after the caller's CANCEL, 486/480/603 when rejected, or a CANCEL "
			"from a proxy whose Timer C fired.",
		.failures =
			"- No ringback at the caller: the 180 carried SDP (early media) but no "
			"RTP flows, or the caller ignores early media.\n"
			"- A CANCEL that copies the 180's To tag (`sipkit check`: "
			"cancel.to_tag): a CANCEL's To must be the INVITE's.\n"
			"- Several 180s after forking: each is an early dialog; the caller still "
			"sends one CANCEL per hop, without any tag.\n"
			"- A reliable 180 never PRACKed: the INVITE fails with 5xx after 64*T1.",
		.troubleshooting =
			"1. To tag and Contact present.\n"
			"2. If 100rel: RSeq and \"Require: 100rel\", and a PRACK follows.\n"
			"3. Time from the 180 to the final response.\n"
			"4. For ringback problems, look for SDP in the 180 and, in IMS, "
			"P-Early-Media.",
		.related = (const char *const[]){
			"INVITE", "183", "PRACK", "CANCEL", "200", "487", "RSeq", "Contact", NULL,
		},
	},
	{
		.code = 181,
		.name = "181",
		.phrase = "Call Is Being Forwarded",
		.ref = "RFC 3261 §21.1.3; 3GPP TS 24.604",
		.summary =
			"the call is being forwarded to another destination (diversion in "
			"progress)",
		.purpose =
			"Informational: a proxy, application server or UA tells the caller that "
			"the call is being diverted (forwarding unconditional, on busy, on no "
			"reply). The INVITE is not finished: a new destination will ring next. "
			"IMS: the MMTel AS sends it for communication diversion (3GPP TS "
			"24.604), usually with History-Info saying who diverted the call and why.",
		.call_flow =
			"Forwarding on no reply: INVITE -> 180 from the first phone -> the "
			"no-reply timer expires -> the AS cancels the first leg (CANCEL, 487 "
			"absorbed) -> 181 to the caller -> INVITE to the new target -> 180 -> "
			"200.",
		.who_sends =
			"The forwarding element: a proxy, an application server (MMTel AS), or a "
			"UA that forwards.",
		.headers = (const struct explain_hdr_use[]){
			{"To", EXPLAIN_REQUIRED,
			 "With a tag: an early dialog with the forwarding element."},
			{"Contact", EXPLAIN_OPTIONAL,
			 "The sender's target."},
			{"P-Asserted-Identity", EXPLAIN_CONDITIONAL,
			 "IMS: the identity of the diverting party."},
			{"Via", EXPLAIN_REQUIRED,
			 "Copied from the INVITE."},
			{"From", EXPLAIN_REQUIRED,
			 "Copied."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "Copied."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Copied: n INVITE."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"Provisional responses from the new destination (with a new To tag), "
			"then the final response.",
		.failures =
			"- The first leg is not cancelled cleanly: the first phone keeps ringing "
			"while the second one rings too.\n"
			"- The caller's UI treats the new To tag as a new call, or shows no "
			"progress.\n"
			"- Forwarding loops between two users, ending in 482 or 483.",
		.troubleshooting =
			"1. Look for the CANCEL (and its 487) on the first leg before the second "
			"INVITE.\n"
			"2. Read History-Info (or Diversion) for the reason of the diversion.\n"
			"3. Check the new early dialog's To tag and Contact.",
		.related = (const char *const[]){
			"180", "183", "3xx", "INVITE", "CANCEL", "487", NULL,
		},
	},
	{
		.code = 182,
		.name = "182",
		.phrase = "Queued",
		.ref = "RFC 3261 §21.1.4, §13.3.1.1, §16.8",
		.summary =
			"the callee is busy but the call waits in a queue; the final answer "
			"comes later",
		.purpose =
			"The called party cannot take the call now, but the server keeps the "
			"call in a queue rather than rejecting it; the reason phrase may say how "
			"many calls are ahead or how long the wait is. The server may send "
			"several 182s. Queued calls often last longer than 3 minutes: the "
			"repeated provisionals keep proxies from cancelling them on Timer C.",
		.call_flow =
			"Call centres and ACDs: INVITE -> 182 Queued (repeated) -> 180 when an "
			"agent's phone rings -> 200. A caller who gives up sends CANCEL and gets "
			"487.",
		.who_sends = "The UAS or queue server (ACD, PBX).",
		.headers = (const struct explain_hdr_use[]){
			{"To", EXPLAIN_REQUIRED,
			 "With a tag: an early dialog."},
			{"Contact", EXPLAIN_OPTIONAL,
			 "The queue's target."},
			{"Via", EXPLAIN_REQUIRED,
			 "Copied from the INVITE."},
			{"From", EXPLAIN_REQUIRED,
			 "Copied."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "Copied."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Copied: n INVITE."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"More 182s, then 180 and 200; or CANCEL and 487 when the caller gives up.",
		.failures =
			"- A proxy's Timer C cancels the queued call because no provisional "
			"arrived for more than 3 minutes.\n"
			"- The caller's UA gives up on its own timer.",
		.troubleshooting =
			"1. Interval between 182s: well under 3 minutes (one a minute is the "
			"rule of §13.3.1.1).\n"
			"2. When the caller abandons, a CANCEL and a 487 end the queued INVITE.",
		.related = (const char *const[]){
			"180", "183", "INVITE", "CANCEL", "487", NULL,
		},
	},
	{
		.code = 183,
		.name = "183",
		.phrase = "Session Progress",
		.ref = "RFC 3261 §21.1.5, §8.1.3.2; RFC 3262; RFC 3312; RFC 5009; 3GPP TS 24.229",
		.summary =
			"call progress with details: early media (SDP) or IMS preconditions, "
			"usually reliable (100rel)",
		.purpose =
			"183 conveys progress that no other 1xx describes; with an SDP body it "
			"sets up early media (announcements, ringback tones from the network or "
			"a PSTN gateway). A UAC treats any 1xx it does not know as 183 "
			"(§8.1.3.2). In IMS it is the first step of preconditions (RFC 3312): "
			"the callee answers the INVITE's offer in a reliable 183 (Require: "
			"100rel, precondition; RSeq) and says which resources it still has to "
			"reserve; P-Early-Media (RFC 5009) authorizes early media.",
		.call_flow =
			"  UE-A                         UE-B\n"
			"  INVITE (offer) ------------->\n"
			"    <------------------------- 183 (answer; Require: 100rel, "
			"precondition; RSeq)\n"
			"  PRACK ---------------------->\n"
			"    <------------------------- 200 (PRACK)\n"
			"  UPDATE (resources ready) --->\n"
			"    <------------------------- 200 (UPDATE)\n"
			"    <------------------------- 180, then 200 (INVITE)\n"
			"VoIP: gateways send 183 with SDP to play in-band ringback or \"number "
			"not in service\".",
		.who_sends =
			"The callee UAS, a PSTN gateway (MGCF in IMS), a media server or an "
			"application server.",
		.headers = (const struct explain_hdr_use[]){
			{"To", EXPLAIN_REQUIRED,
			 "With a tag: the early dialog."},
			{"Contact", EXPLAIN_REQUIRED,
			 "The target for PRACK and UPDATE."},
			{"Record-Route", EXPLAIN_CONDITIONAL,
			 "Copied from the INVITE."},
			{"Require", EXPLAIN_CONDITIONAL,
			 "100rel (reliable), precondition (IMS)."},
			{"RSeq", EXPLAIN_CONDITIONAL,
			 "The number of a reliable 183."},
			{"Allow", EXPLAIN_CONDITIONAL,
			 "A reliable 1xx with SDP should list UPDATE (RFC 3311 §4)."},
			{"Content-Type", EXPLAIN_CONDITIONAL,
			 "application/sdp: the answer, or early media."},
			{"P-Asserted-Identity", EXPLAIN_CONDITIONAL,
			 "IMS: the identity of the called party."},
			{"Via", EXPLAIN_REQUIRED,
			 "Copied from the INVITE."},
			{"From", EXPLAIN_REQUIRED,
			 "Copied."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "Copied."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Copied: n INVITE."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"PRACK (when reliable), UPDATE (preconditions), 180, then the final "
			"response; or CANCEL and 487.",
		.failures =
			"- Silent or one-way early media: SDP answered in the 183 but no RTP "
			"flows (NAT, gateway), or the caller does not render it (no "
			"P-Early-Media in IMS).\n"
			"- A reliable 183 never PRACKed: the INVITE fails with 5xx after 64*T1.\n"
			"- Preconditions never met: no UPDATE, or one whose SDP still shows "
			"resources missing; the call fails (580 Precondition Failure) or hangs.\n"
			"- A CANCEL during early media must still carry the INVITE's To without "
			"tag.",
		.troubleshooting =
			"1. SDP of the 183 against the INVITE's offer.\n"
			"2. Require, RSeq and the PRACK's RAck.\n"
			"3. IMS: the a=curr and a=des lines through 183, PRACK and UPDATE; "
			"P-Early-Media.",
		.related = (const char *const[]){
			"INVITE", "PRACK", "UPDATE", "180", "RSeq", "Require", "Content-Type", NULL,
		},
	},
	{
		.code = 200,
		.name = "200",
		.phrase = "OK",
		.ref = "RFC 3261 §21.2.1, §13.3.1.4, §9.2, §15; RFC 6026; RFC 3326",
		.summary =
			"success; to INVITE it answers the call (ACK needed), to CANCEL it only "
			"means the CANCEL was accepted",
		.purpose =
			"The request succeeded, and what that means depends on the method (read "
			"the CSeq first):\n"
			"- 200 to INVITE: the call is answered. It confirms a dialog (To tag), "
			"carries the SDP answer (or the offer, if the INVITE had none), the "
			"callee's Contact and the Record-Route set. The callee's UA core "
			"retransmits it (T1 doubling to T2) until the ACK arrives, for up to "
			"64*T1. It goes end to end: with RFC 6026, proxies forward it through "
			"their server transaction in the Accepted state, and forward a stray one "
			"statelessly. After forking, each answering branch sends its own, and "
			"each needs its own ACK.\n"
			"- 200 to CANCEL: this hop found the INVITE and will make it end. It "
			"says nothing about how the INVITE ends: expect its 487 next, or a 200 "
			"to the INVITE if the callee answered first. Each stateful hop sends its "
			"own.\n"
			"- 200 to BYE: the session is over. To REGISTER: the bindings held now. "
			"To SUBSCRIBE, NOTIFY, PRACK, UPDATE, MESSAGE, OPTIONS, INFO: the "
			"request was accepted.\n"
			"\n"
			"The Reason value SIP;cause=200;text=\"Call completed elsewhere\" that a "
			"forking proxy puts in the CANCELs of the losing branches refers to a "
			"200 to the INVITE on another branch.",
		.call_flow =
			"  caller         proxy          callee\n"
			"  INVITE ------> INVITE ------>\n"
			"    <--- 180       <--- 180\n"
			"    <--- 200       <--- 200 (INVITE)   the proxy cancels its other "
			"branches\n"
			"  ACK -------------------------->      end to end, new branch\n"
			"\n"
			"  CANCEL --->  <--- 200 (CANCEL)  ... <--- 487 (INVITE)  ACK\n"
			"IMS: the 200 to the INVITE passes every record-routing CSCF and AS; the "
			"200 to REGISTER carries Service-Route and P-Associated-URI.",
		.who_sends =
			"The UAS of the request. For CANCEL, each stateful hop (proxy or UAS) "
			"answers it itself.",
		.headers = (const struct explain_hdr_use[]){
			{"To", EXPLAIN_REQUIRED,
			 "With the UAS's tag; for a 200 to CANCEL, the same tag as in the "
			 "responses to the INVITE (§9.2)."},
			{"Contact", EXPLAIN_CONDITIONAL,
			 "200 to INVITE, SUBSCRIBE, REFER: the callee's target for the dialog; "
			 "200 to REGISTER: the bindings."},
			{"Record-Route", EXPLAIN_CONDITIONAL,
			 "200 to INVITE: copied from the request, in order."},
			{"Allow", EXPLAIN_OPTIONAL,
			 "Methods accepted in the dialog (recommended in a 200 to INVITE)."},
			{"Supported", EXPLAIN_OPTIONAL,
			 "Extensions the callee can use."},
			{"Require", EXPLAIN_CONDITIONAL,
			 "Extensions applied, such as timer with Session-Expires."},
			{"Content-Type", EXPLAIN_CONDITIONAL,
			 "application/sdp with the answer (or offer)."},
			{"Session-Expires", EXPLAIN_CONDITIONAL,
			 "The session timer chosen, with the refresher."},
			{"Expires", EXPLAIN_CONDITIONAL,
			 "200 to SUBSCRIBE: the granted duration."},
			{"Service-Route", EXPLAIN_CONDITIONAL,
			 "IMS, 200 to REGISTER: the route for the UE's own requests."},
			{"P-Associated-URI", EXPLAIN_CONDITIONAL,
			 "IMS, 200 to REGISTER: the registered public identities."},
			{"P-Asserted-Identity", EXPLAIN_CONDITIONAL,
			 "IMS: who answered."},
			{"Via", EXPLAIN_REQUIRED,
			 "Copied from the request."},
			{"From", EXPLAIN_REQUIRED,
			 "Copied."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "Copied."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Copied: tells which request succeeded."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"To INVITE: the ACK (end to end, new branch, same CSeq number), then "
			"media. To CANCEL: the INVITE's final response, normally 487. To the "
			"others: nothing.",
		.failures =
			"- The 200 to an INVITE retransmitted again and again: the ACK does not "
			"arrive; the callee sends BYE after 64*T1.\n"
			"- The 200 to a CANCEL read as \"call ended\": the INVITE is still open "
			"until its 487 (or 200).\n"
			"- A 200 to the INVITE after the caller's CANCEL (the race): the call is "
			"up; ACK it, then BYE (`sipkit check`: cancel.answered_anyway, "
			"cancel.race_unresolved).\n"
			"- Two 200s from a fork: ACK both, keep one, BYE the other.\n"
			"- A forking proxy forwards the 200 but does not cancel its other "
			"branches (fork.not_cancelled), or cancels them without a Reason "
			"(fork.no_reason): other phones ring on or show a missed call.\n"
			"- A 200 to INVITE without Contact: the ACK and the BYE cannot be routed.",
		.troubleshooting =
			"1. Read the CSeq method: a 200 to which request?\n"
			"2. To INVITE: To tag, Contact, Record-Route, SDP; then look for the ACK."
			"\n"
			"3. To CANCEL: look for the 487 to the INVITE that should follow.\n"
			"4. To REGISTER: the expires of each Contact.",
		.related = (const char *const[]){
			"INVITE", "ACK", "CANCEL", "BYE", "487", "202", "REGISTER", "Reason",
			"Contact", "Record-Route", NULL,
		},
	},
	{
		.code = 202,
		.name = "202",
		.phrase = "Accepted",
		.ref = "RFC 3515 (REFER); RFC 3428 (MESSAGE); RFC 6665",
		.summary =
			"accepted for processing, not done yet: REFER's usual answer; MESSAGE "
			"stored for later",
		.purpose =
			"The request was accepted but its result comes later. To REFER (RFC "
			"3515) it is the normal answer: the outcome of the referred request "
			"arrives in NOTIFYs. To MESSAGE (RFC 3428) it means a store-and-forward "
			"server or gateway took the message for later delivery. To SUBSCRIBE, "
			"RFC 3265 used it for a subscription pending authorization; RFC 6665 "
			"stopped that (the notifier answers 200, and a pending state shows in "
			"the NOTIFY's Subscription-State), and a subscriber treats a 202 like a "
			"200.",
		.call_flow =
			"Transfer: REFER -> 202 -> NOTIFY (\"SIP/2.0 100 Trying\") -> ... -> "
			"NOTIFY (\"SIP/2.0 200 OK\"). Messaging: MESSAGE -> 202 from a message "
			"store or gateway -> later delivery.",
		.who_sends =
			"The transferee (REFER), a store-and-forward server or gateway "
			"(MESSAGE), an RFC 3265 notifier (SUBSCRIBE).",
		.headers = (const struct explain_hdr_use[]){
			{"To", EXPLAIN_REQUIRED,
			 "With a tag: a REFER outside a dialog creates one."},
			{"Contact", EXPLAIN_CONDITIONAL,
			 "To REFER or SUBSCRIBE: the target for the subscription dialog."},
			{"Expires", EXPLAIN_CONDITIONAL,
			 "To SUBSCRIBE: the granted duration."},
			{"Via", EXPLAIN_REQUIRED,
			 "Copied from the request."},
			{"From", EXPLAIN_REQUIRED,
			 "Copied."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "Copied."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Copied."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"NOTIFYs for REFER and SUBSCRIBE; a delivery (or a delivery report) for "
			"MESSAGE.",
		.failures =
			"- A transferor that treats the 202 as \"transfer done\" and hangs up: "
			"the transfer can still fail; wait for the final NOTIFY.\n"
			"- REFER answered 200 by some stacks: accept either.",
		.troubleshooting =
			"1. After a 202 to REFER, look for NOTIFYs with Event: refer and their "
			"sipfrag bodies.\n"
			"2. For MESSAGE, the 202 says nothing about delivery to the user.",
		.related = (const char *const[]){
			"REFER", "MESSAGE", "SUBSCRIBE", "NOTIFY", "200", NULL,
		},
	},
	{
		.code = 0,
		.name = "3xx",
		.phrase = "Redirection",
		.ref =
			"RFC 3261 §21.3, §8.1.3.4, §8.3, §16.5; 3GPP TS 24.229 (380 and "
			"emergency calls)",
		.summary =
			"try the request again at the Contact(s) given (300, 301, 302, 305, 380)",
		.purpose =
			"A 3xx final response says the request should be tried elsewhere: the "
			"Contact header lists the new targets. It ends the transaction (the "
			"caller ACKs it hop by hop, like any non-2xx) and the client, or a proxy "
			"on its behalf, sends a new request to each Contact it chooses: a new "
			"transaction with a new branch, the Request-URI taken from the Contact "
			"(§8.1.3.4). A redirect server (§8.3) uses 3xx to stay out of the "
			"signalling path. Each URI is tried at most once, which stops two "
			"servers redirecting to each other forever.",
		.codes = (const struct explain_code[]){
			{300, "Multiple Choices",
			 "several Contacts for the same person or service; the UA (or its user) "
			 "picks one, often by q-value."},
			{301, "Moved Permanently",
			 "the user is no longer at this address; retry at the Contact and update "
			 "address books."},
			{302, "Moved Temporarily",
			 "retry at the Contact for now; it may be cached for the Expires given, "
			 "otherwise used once."},
			{305, "Use Proxy",
			 "send this one request again through the proxy in the Contact; only a "
			 "UAS may send it, and many clients refuse it for safety."},
			{380, "Alternative Service",
			 "the call failed but alternatives exist, described in the body; in IMS "
			 "the network uses it (with a 3GPP XML body) to tell the UE to place the "
			 "call again as an emergency call."},
			{0, NULL, NULL},
		},
		.call_flow =
			"  caller            redirect server / forwarding phone\n"
			"  INVITE  ------------->\n"
			"          <------------- 302 (Contact: <sip:bob@elsewhere>)\n"
			"  ACK     ------------->            (INVITE's branch)\n"
			"  INVITE  -------------------------> new target (new transaction)\n"
			"A proxy may recurse instead: it adds the Contacts to its target set and "
			"forwards the request there, and the caller never sees the 3xx (§16.5). "
			"IMS: the MMTel AS diverts calls by proxying, so UEs rarely see 3xx; 380 "
			"appears for emergency calls.",
		.who_sends =
			"Redirect servers, UAs doing call forwarding, and proxies that pass a "
			"3xx upstream without recursing.",
		.headers = (const struct explain_hdr_use[]){
			{"Contact", EXPLAIN_REQUIRED,
			 "The new targets, with q (preference) and expires."},
			{"Expires", EXPLAIN_OPTIONAL,
			 "How long the Contacts may be cached."},
			{"Content-Type", EXPLAIN_CONDITIONAL,
			 "380: the type of the body describing the alternative service."},
			{"Via", EXPLAIN_REQUIRED,
			 "Copied from the request."},
			{"From", EXPLAIN_REQUIRED,
			 "Copied."},
			{"To", EXPLAIN_REQUIRED,
			 "Copied, with the redirecting element's tag."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "Copied."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Copied."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"The ACK (hop by hop, the INVITE's branch), then a new request to the "
			"chosen Contact. After a 380 in IMS, an emergency call.",
		.failures =
			"- The caller does not recurse: the call simply fails with the 3xx.\n"
			"- Redirect loops between two servers: stopped only by trying each URI "
			"once (§8.1.3.4).\n"
			"- A Contact equal to the original Request-URI: a redirect server must "
			"not do that (§8.3).\n"
			"- Fraud: a 3xx pointing at a premium-rate number; limit what clients "
			"recurse on.\n"
			"- 305 ignored, as many clients do for safety.",
		.troubleshooting =
			"1. Read the Contact values and their q and expires.\n"
			"2. Who recursed: the caller (a new INVITE from it) or a proxy (no 3xx "
			"reaches the caller).\n"
			"3. Look for the ACK of the 3xx and for the new INVITE's Request-URI.\n"
			"4. Count redirections of one call to spot loops.",
		.related = (const char *const[]){
			"INVITE", "ACK", "181", "404", "480", "Contact", "Expires", NULL,
		},
	},
};
/* clang-format on */

const struct explain_responses explain_responses_info = {table, sizeof(table) / sizeof(table[0])};
