/* SPDX-License-Identifier: BSD-3-Clause */
/* sipkit explain: the methods of a call (INVITE, re-INVITE, ACK, BYE, CANCEL). */
#include "explain.h"

/* clang-format off */
static const struct explain_method table[] = {
	{
		.name = "INVITE",
		.ref =
			"RFC 3261 §13, §17.1.1, §17.2.1; RFC 3264; RFC 3262; RFC 3312; 3GPP "
			"TS 24.229 §5.1, §5.2, §5.4",
		.summary =
			"starts a session: invites a callee with an SDP offer (or asks for one); "
			"CANCEL withdraws it",
		.purpose =
			"INVITE asks a user agent to join a session. The first INVITE of a call "
			"is sent outside any dialog to the callee's address-of-record (or a tel: "
			"number); proxies route it to the registered contacts of that user, and "
			"a forking proxy may try several at once. Each callee that answers with "
			"a To tag creates its own dialog: early with a 1xx, confirmed with a "
			"2xx. The INVITE usually carries the SDP offer (RFC 3264); without a "
			"body, the offer comes in the 2xx (or a reliable 1xx) and the answer in "
			"the ACK (or the PRACK).\n"
			"\n"
			"INVITE has transaction machines of its own (§17.1.1 client, §17.2.1 "
			"server) because it can stay pending for minutes while phones ring. That "
			"is why CANCEL exists for it, why its 2xx is acknowledged end to end by "
			"a separate ACK, and why a non-2xx final response is acknowledged hop by "
			"hop by the transaction layer. Once a provisional response arrives, the "
			"caller's Timer B no longer guards it: only the proxies' Timer C "
			"(§16.8) and the caller's own patience end a call that rings forever.",
		.call_flow =
			"VoIP, answered and cancelled:\n"
			"  caller          proxy           callee\n"
			"  INVITE  ------> INVITE  ------>\n"
			"          <------ 100\n"
			"          <------ 180     <------ 180 Ringing\n"
			"          <------ 200     <------ 200 OK          (answered)\n"
			"  ACK     ------------------------>               (end to end: new "
			"branch)\n"
			"  ...media... BYE / 200\n"
			"\n"
			"  or, while it rings:  CANCEL -> 200 (CANCEL) at each hop, then 487 "
			"(INVITE) and its ACK\n"
			"\n"
			"IMS (VoLTE/VoNR): UE -> P-CSCF -> S-CSCF of the caller (originating "
			"services, MMTel AS) -> I-CSCF of the callee's network -> S-CSCF of the "
			"callee (terminating services) -> P-CSCF -> UE. With preconditions (RFC "
			"3312) the INVITE's SDP says the resources are not reserved yet; the "
			"callee answers in a reliable 183 (Require: 100rel, precondition), the "
			"caller PRACKs, and an UPDATE reports the reserved resources before the "
			"callee rings (180) and answers (200).",
		.direction =
			"Caller (UAC) to callee (UAS), through proxies that may fork it. An "
			"INVITE inside a dialog is a re-INVITE (its own entry).",
		.headers = (const struct explain_hdr_use[]){
			{"Via", EXPLAIN_REQUIRED,
			 "One per hop; the top value's branch names this hop's INVITE "
			 "transaction, which the CANCEL and the ACK for a non-2xx reuse."},
			{"Max-Forwards", EXPLAIN_REQUIRED,
			 "Hop limit (70); each proxy takes one off, 0 gets 483."},
			{"From", EXPLAIN_REQUIRED,
			 "The caller and its tag, half of the dialog identifier; copied "
			 "unchanged into the CANCEL and the ACK."},
			{"To", EXPLAIN_REQUIRED,
			 "The callee's address, without tag; each answering UAS adds its own tag."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "Identifies the call; the same in the CANCEL, the ACK and every "
			 "in-dialog request."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Number N, method INVITE; the CANCEL is N CANCEL and the ACK N ACK."},
			{"Contact", EXPLAIN_REQUIRED,
			 "Where the caller can be reached directly: the callee's remote target "
			 "for in-dialog requests. IMS: the registered contact with feature tags "
			 "(+g.3gpp.icsi-ref for MMTel)."},
			{"Route", EXPLAIN_CONDITIONAL,
			 "A preloaded route: outbound proxy, or in IMS the P-CSCF and the "
			 "Service-Route from registration. Copied into the CANCEL and into the "
			 "ACK for a non-2xx."},
			{"Record-Route", EXPLAIN_CONDITIONAL,
			 "Added by proxies that want to see the rest of the dialog (BYE, "
			 "re-INVITE)."},
			{"Supported", EXPLAIN_OPTIONAL,
			 "Extensions the caller can use: 100rel, timer, replaces, precondition, "
			 "gruu."},
			{"Require", EXPLAIN_CONDITIONAL,
			 "Extensions the callee must apply (IMS: precondition, 100rel); 420 if "
			 "not supported."},
			{"Allow", EXPLAIN_OPTIONAL,
			 "Methods the caller accepts in the dialog (PRACK, UPDATE, INFO, REFER "
			 "...)."},
			{"Content-Type", EXPLAIN_CONDITIONAL,
			 "application/sdp, or multipart/mixed (SDP plus a location object for an "
			 "emergency call)."},
			{"Content-Length", EXPLAIN_CONDITIONAL,
			 "Size of the SDP; required over TCP and TLS."},
			{"Session-Expires", EXPLAIN_OPTIONAL,
			 "Session timer (RFC 4028): the call ends unless refreshed in time."},
			{"Expires", EXPLAIN_OPTIONAL,
			 "How long the invitation stands: the caller cancels, or the callee "
			 "answers 487, when it elapses."},
			{"Accept-Contact", EXPLAIN_OPTIONAL,
			 "Caller preferences; IMS voice calls carry the MMTel ICSI here."},
			{"P-Preferred-Identity", EXPLAIN_OPTIONAL,
			 "IMS UE: which of its registered identities it wants asserted."},
			{"P-Asserted-Identity", EXPLAIN_CONDITIONAL,
			 "Set by the P-CSCF (or a trusted proxy): the caller identity the "
			 "network vouches for."},
			{"P-Access-Network-Info", EXPLAIN_CONDITIONAL,
			 "IMS: the access network and cell of the UE."},
			{"P-Charging-Vector", EXPLAIN_CONDITIONAL,
			 "IMS: the charging identifier (icid) of the session."},
			{"Privacy", EXPLAIN_OPTIONAL,
			 "id or header: hide the caller's identity from the callee (CLIR)."},
			{"Authorization", EXPLAIN_CONDITIONAL,
			 "Credentials after a 401 from the callee's side."},
			{"Proxy-Authorization", EXPLAIN_CONDITIONAL,
			 "Credentials after a 407 from a proxy."},
			{"Replaces", EXPLAIN_CONDITIONAL,
			 "Attended transfer or call pickup: the dialog this call replaces (RFC "
			 "3891)."},
			{"Referred-By", EXPLAIN_CONDITIONAL,
			 "The INVITE was triggered by a REFER: who asked for it."},
			{"Alert-Info", EXPLAIN_OPTIONAL,
			 "A distinctive ring tone for the callee."},
			{"User-Agent", EXPLAIN_OPTIONAL,
			 "The caller's software."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.body =
			"An SDP offer (application/sdp) in most calls: c= and m= lines give the "
			"address, ports and codecs; IMS offers list AMR-WB or EVS and the "
			"precondition lines (a=curr, a=des). An INVITE without body asks the "
			"callee for the offer (\"late offer\"). An emergency call may carry "
			"multipart/mixed with the SDP and the caller's location.",
		.responses =
			"- 100 Trying: from the next stateful hop; stops the INVITE "
			"retransmissions; never forwarded.\n"
			"- 180 Ringing, 183 Session Progress: early dialogs (with a To tag); "
			"reliable with 100rel; 183 with SDP for early media or preconditions.\n"
			"- 200 OK: answered; the caller ACKs every 2xx, one per answering fork.\n"
			"- 3xx: redirected; the caller or a proxy tries the Contact instead.\n"
			"- 401 or 407: challenged; send it again with credentials and CSeq + 1.\n"
			"- 487 Request Terminated: the INVITE was cancelled; the normal end of a "
			"CANCEL, ACKed hop by hop.\n"
			"- 486, 480, 603, 404: rejected or not reachable.",
		.failures =
			"- INVITE retransmitted (500 ms, 1 s, 2 s ...) with no 100, then Timer B "
			"after 32 s: wrong address or port, a firewall, or an INVITE too big for "
			"UDP (over 1300 bytes it should go by TCP, §18.1.1).\n"
			"- The 200 retransmitted for 32 s and then a BYE from the callee: the "
			"ACK never arrived (Contact with a private address, Record-Route "
			"ignored).\n"
			"- 488 or 415: no common codec or unsupported SDP; 420: a Require tag "
			"the callee lacks.\n"
			"- Ringing for minutes, then 408 or 487: a proxy's Timer C fired and "
			"cancelled the branch.\n"
			"- Several 200s after forking: each must be ACKed; the unwanted ones "
			"hung up with BYE.\n"
			"- A 200 arriving after the caller's CANCEL: the call is up anyway; ACK "
			"it and send BYE.\n"
			"- IMS: 403 (not registered, identity not allowed), 183 never PRACKed "
			"(the callee answers 5xx after 64*T1), preconditions never met.",
		.troubleshooting =
			"1. Follow the top Via branch hop by hop: retransmissions keep it, and "
			"the CANCEL and the ACK for a non-2xx at each hop must carry the same "
			"one.\n"
			"2. Check that Max-Forwards decreases by one per proxy and that each "
			"Record-Route proxy appears in the 200 in the same order.\n"
			"3. Check that the Contact is reachable from the callee (NAT: compare "
			"with Via received/rport).\n"
			"4. A call that rings forever: look for the final response on every "
			"branch and for Timer C at proxies.\n"
			"5. No audio: compare the offer and the answer (c=, m= ports, codecs, "
			"a=sendrecv/inactive), not the SIP headers.\n"
			"6. IMS: P-Asserted-Identity added by the P-CSCF, Route towards the "
			"S-CSCF from Service-Route, 100rel and precondition in Supported or "
			"Require, then 183, PRACK, UPDATE.\n"
			"7. `sipkit check capture.pcap` lists what went wrong with the "
			"cancellation of each call.",
		.related = (const char *const[]){
			"re-INVITE", "ACK", "CANCEL", "BYE", "PRACK", "UPDATE", "100", "180", "183",
			"200", "487", "Via", "Contact", "Record-Route", NULL,
		},
	},
	{
		.name = "re-INVITE",
		.alias = {"reinvite", "re-invite"},
		.ref = "RFC 3261 §14, §12.2, §13.2.2.4; RFC 3264 §8; RFC 4028; RFC 6141",
		.summary =
			"an INVITE inside a dialog: changes the session (hold, codecs, media) or "
			"refreshes it",
		.purpose =
			"A re-INVITE is an INVITE sent within an existing dialog (its To carries "
			"the peer's tag). It renegotiates the session: hold and resume, adding "
			"or removing video, a codec change, a new media address, a switch to "
			"T.38 fax; it also refreshes a session timer (RFC 4028) and updates the "
			"remote target from its Contact. It never forks: its Request-URI is the "
			"peer's Contact.\n"
			"\n"
			"A failed re-INVITE leaves the session as it was before (§14.1): a 488, "
			"491 or 487 changes nothing. Only a 481, a 408 or no response at all "
			"means the dialog is gone, and the caller then ends it with BYE "
			"(§12.2.1.2). A re-INVITE can be cancelled like any INVITE while it is "
			"pending; its 487 again leaves the old session in place (RFC 6141 covers "
			"the corner cases).",
		.call_flow =
			"During a confirmed call, in either direction:\n"
			"  A                          B\n"
			"  re-INVITE (SDP a=sendonly) ->      hold\n"
			"            <--------------- 200 (SDP a=recvonly)\n"
			"  ACK       ---------------->\n"
			"VoIP: hold/resume, session refresh every half interval, fax "
			"switch-over. IMS: hold and resume through the MMTel AS, session "
			"refresh, codec or bearer changes; each re-INVITE follows the "
			"Record-Route set, so every CSCF and AS that record-routed sees it. "
			"Before the call is answered, UPDATE plays this role instead (a "
			"re-INVITE is not allowed while the first INVITE is pending).",
		.direction =
			"Either party to the other, within the dialog, along the route set "
			"(Route headers built from the Record-Route of the initial transaction).",
		.headers = (const struct explain_hdr_use[]){
			{"To", EXPLAIN_REQUIRED,
			 "The peer's URI and tag, as in the dialog."},
			{"From", EXPLAIN_REQUIRED,
			 "The sender's URI and tag, as in the dialog."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "The dialog's Call-ID."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "The sender's next number in this dialog, higher than any before; the "
			 "ACK reuses it."},
			{"Via", EXPLAIN_REQUIRED,
			 "A new branch: a new transaction."},
			{"Max-Forwards", EXPLAIN_REQUIRED,
			 "Hop limit."},
			{"Route", EXPLAIN_CONDITIONAL,
			 "The dialog's route set, when proxies record-routed."},
			{"Contact", EXPLAIN_REQUIRED,
			 "The sender's current target (it may change with this request)."},
			{"Content-Type", EXPLAIN_CONDITIONAL,
			 "application/sdp when the re-INVITE carries an offer."},
			{"Content-Length", EXPLAIN_CONDITIONAL,
			 "Size of the offer; required over TCP and TLS."},
			{"Session-Expires", EXPLAIN_CONDITIONAL,
			 "Refreshes the session timer and may renegotiate its interval and "
			 "refresher."},
			{"Supported", EXPLAIN_OPTIONAL,
			 "Extensions (timer, 100rel ...), as in the initial INVITE."},
			{"Allow", EXPLAIN_OPTIONAL,
			 "Methods the sender accepts."},
			{"Proxy-Authorization", EXPLAIN_CONDITIONAL,
			 "If a proxy in the route set challenges in-dialog requests."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.body =
			"A new SDP offer whose o= line keeps the session id and increments the "
			"version by one. A re-INVITE without body asks the peer for a fresh "
			"offer in the 200, answered in the ACK.",
		.responses =
			"- 200 OK with the SDP answer, then the ACK (end to end, same CSeq "
			"number).\n"
			"- 100 Trying; a UAS may skip 180 for a re-INVITE (§14.2).\n"
			"- 491 Request Pending when the two sides re-INVITE at the same time.\n"
			"- 488 Not Acceptable Here when the new session is refused (the old one "
			"continues).\n"
			"- 500 with Retry-After when the UAS is still answering an earlier "
			"INVITE of the dialog (§14.2).",
		.failures =
			"- 491 glare: both sides sent one; the side that owns the Call-ID "
			"retries after 2.1 to 4 s, the other after 0 to 2 s (§14.1).\n"
			"- 500 with Retry-After: a second INVITE before the first got its final "
			"response.\n"
			"- 481: the peer no longer knows the dialog (restart, wrong tags): the "
			"call is lost; send BYE.\n"
			"- 408 or no answer: the dialog is considered gone (calls dropping after "
			"a failed refresh).\n"
			"- SDP version not incremented, or a new session id: the peer ignores or "
			"rejects the change.\n"
			"- Sent straight to the Contact, skipping the route set: IMS nodes miss "
			"it (charging, policy).",
		.troubleshooting =
			"1. Compare tags and Call-ID with the 200 that confirmed the dialog.\n"
			"2. The CSeq number must grow; a lower one gets 500 (§12.2.2).\n"
			"3. Route set = Record-Route of the dialog (reversed on the caller's "
			"side); Request-URI = peer's Contact.\n"
			"4. SDP: o= version + 1; hold is a=sendonly or a=inactive (c=0.0.0.0 is "
			"the RFC 2543 habit).\n"
			"5. On 491 check the random back-off; two UAs retrying in lockstep have "
			"a broken timer.\n"
			"6. After the 200, look for the ACK (new branch, same CSeq number).",
		.related = (const char *const[]){
			"INVITE", "UPDATE", "ACK", "CANCEL", "BYE", "491", "488", "481", "500",
			"Session-Expires", "Contact", "Route", NULL,
		},
	},
	{
		.name = "ACK",
		.ref = "RFC 3261 §17.1.1.3 (non-2xx), §13.2.2.4 (2xx), §17.2.1; RFC 6026",
		.summary =
			"confirms the final response to an INVITE: hop by hop for a non-2xx, end "
			"to end for a 2xx",
		.purpose =
			"ACK completes the three-way handshake of an INVITE. It is never "
			"answered. There are two kinds, and mixing them up is a classic bug:\n"
			"- ACK for a non-2xx final response (3xx to 6xx, 487 after a CANCEL "
			"among them): part of the INVITE transaction. The client transaction at "
			"each hop builds it: same Request-URI, Call-ID, From and branch as the "
			"INVITE (a single Via, equal to the INVITE's top one), To with the tag "
			"of the response, CSeq with the INVITE's number and method ACK, the "
			"INVITE's Route headers, sent to the same address as the INVITE. A "
			"stateful proxy absorbs it: it does not forward it, it ACKs the response "
			"it got from downstream itself.\n"
			"- ACK for a 2xx: a transaction of its own (new branch), built by the "
			"caller's UA core and sent within the dialog, along the route set to the "
			"callee's Contact; proxies forward it like any in-dialog request. The "
			"caller sends it again each time a retransmitted 2xx arrives "
			"(§13.2.2.4), and once per 2xx when a forked INVITE is answered more "
			"than once.",
		.call_flow =
			"After every final response to an INVITE or a re-INVITE:\n"
			"  cancelled:  ... 487 (INVITE) <-- callee;  ACK (INVITE's branch) --> "
			"callee, at every hop\n"
			"  answered:   ... 200 (INVITE) <-- callee;  ACK (new branch) ------> "
			"callee, end to end\n"
			"IMS: the ACK for a 200 travels UE -> P-CSCF -> S-CSCF ... along the "
			"Record-Route set; it carries the SDP answer when the INVITE had no "
			"offer.",
		.direction =
			"Caller (the UAC of the INVITE) to callee. For a non-2xx, each hop "
			"generates its own towards the next hop; for a 2xx, one ACK goes end to "
			"end.",
		.headers = (const struct explain_hdr_use[]){
			{"Via", EXPLAIN_REQUIRED,
			 "Non-2xx: exactly the INVITE's top Via, same branch. 2xx: one new Via "
			 "with a new branch."},
			{"To", EXPLAIN_REQUIRED,
			 "With the tag of the response being acknowledged."},
			{"From", EXPLAIN_REQUIRED,
			 "Equal to the INVITE's, tag included."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "Equal to the INVITE's."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "The INVITE's number, method ACK."},
			{"Max-Forwards", EXPLAIN_REQUIRED,
			 "Hop limit."},
			{"Route", EXPLAIN_CONDITIONAL,
			 "Non-2xx: the INVITE's Route values. 2xx: the dialog's route set."},
			{"Contact", EXPLAIN_OPTIONAL,
			 "Rarely present; it does not change the remote target."},
			{"Authorization", EXPLAIN_CONDITIONAL,
			 "The ACK for a 2xx carries the same credentials as the INVITE."},
			{"Proxy-Authorization", EXPLAIN_CONDITIONAL,
			 "Likewise for proxy credentials."},
			{"Content-Type", EXPLAIN_CONDITIONAL,
			 "When the ACK carries the SDP answer (the offer came in the 2xx)."},
			{"Content-Length", EXPLAIN_CONDITIONAL,
			 "Size of that answer; required over TCP and TLS."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.body =
			"Only in an ACK for a 2xx that carried an SDP offer: the ACK must then "
			"carry the answer. A body in an ACK for a non-2xx is not recommended.",
		.responses =
			"None: ACK is never answered. The ACK for a 2xx stops the callee's 2xx "
			"retransmissions; the ACK for a non-2xx moves the callee's INVITE server "
			"transaction to Confirmed, where it absorbs any late ACK copies until "
			"Timer I.",
		.failures =
			"- No ACK for a 200: the callee resends the 200 (T1, doubling up to T2) "
			"for 64*T1 and then hangs up with BYE (§13.3.1.4): a call that drops "
			"after about 32 s. The ACK went to the wrong place (a Contact with a "
			"private address, Record-Route ignored) or the 200 never reached the "
			"caller (lost on the way back: Via, rport, NAT).\n"
			"- No ACK for a 487 or another non-2xx (`sipkit check`: ack.missing): "
			"the response is resent until Timer H (64*T1); the call is over anyway, "
			"but routing or the upstream transaction is broken.\n"
			"- ACK for a non-2xx with a new branch (ack.branch): it matches no "
			"INVITE transaction, so the final response keeps coming back until Timer "
			"H.\n"
			"- ACK for a 2xx with the INVITE's branch: some proxies take it as "
			"hop-by-hop and drop it.\n"
			"- ACK carrying the To tag of another fork: it confirms the wrong dialog.",
		.troubleshooting =
			"1. Find the response it acknowledges: its To tag must equal that "
			"response's.\n"
			"2. Non-2xx: branch, Request-URI and destination (address, port, "
			"transport) as the INVITE's at that hop.\n"
			"3. 2xx: Request-URI = Contact of the 200; Route = the 200's "
			"Record-Route, reversed; a new branch; CSeq number = the INVITE's.\n"
			"4. Count 200 retransmissions: they continue after the ACK only if it "
			"did not arrive.\n"
			"5. After a CANCEL race, a 200 that arrives is still ACKed, then the "
			"call is ended with BYE (cancel.race_unresolved when it is not).",
		.related = (const char *const[]){
			"INVITE", "re-INVITE", "200", "487", "BYE", "CANCEL", "Via", "CSeq",
			"Route", "Record-Route", NULL,
		},
	},
	{
		.name = "BYE",
		.ref = "RFC 3261 §15, §12.2; RFC 3326; 3GPP TS 24.229 §5.2",
		.summary = "ends a session and its dialog; sent within the dialog by either party",
		.purpose =
			"BYE ends the session of a dialog. It exists only within a dialog "
			"(§15): the caller may send it on a confirmed or an early dialog, the "
			"callee only on a confirmed one and only after the ACK of its 2xx "
			"arrived (or its server transaction timed out). The sender stops its "
			"media as soon as it sends the BYE. It is a non-INVITE request answered "
			"at once with 200; requests still pending on the dialog at the other "
			"side get 487 (§15.1.2).\n"
			"\n"
			"BYE is not a substitute for CANCEL: a BYE on an early dialog ends that "
			"one dialog, while the INVITE goes on ringing at the other forks. To "
			"give up a call that has not been answered, the caller sends CANCEL; to "
			"end one that has, BYE.",
		.call_flow =
			"End of a call from either side:\n"
			"  A                 B\n"
			"  BYE  -----------> (A stops media)\n"
			"       <----------- 200\n"
			"Also after a 2xx crossed the caller's CANCEL (ACK, then BYE), after an "
			"extra 2xx from another fork (ACK, then BYE that dialog), when a 2xx was "
			"never ACKed (the callee sends BYE after 64*T1), and when a session "
			"timer expires without refresh. IMS: a UE may add \"Reason: "
			"RELEASE_CAUSE;cause=1;text=\"User ends call\"\"; when the bearer is "
			"lost, the P-CSCF ends the call itself, towards both parties, with a "
			"RELEASE_CAUSE such as cause=3 \"Media bearer loss\".",
		.direction =
			"Either party to the other, within the dialog, along the route set; the "
			"Request-URI is the peer's Contact.",
		.headers = (const struct explain_hdr_use[]){
			{"To", EXPLAIN_REQUIRED,
			 "The peer's URI and tag."},
			{"From", EXPLAIN_REQUIRED,
			 "The sender's URI and tag."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "The dialog's Call-ID."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "The sender's next number in the dialog."},
			{"Via", EXPLAIN_REQUIRED,
			 "A new branch."},
			{"Max-Forwards", EXPLAIN_REQUIRED,
			 "Hop limit."},
			{"Route", EXPLAIN_CONDITIONAL,
			 "The dialog's route set, when proxies record-routed."},
			{"Reason", EXPLAIN_OPTIONAL,
			 "Why the call ends: SIP status, Q.850 cause from gateways (16 normal "
			 "clearing), 3GPP RELEASE_CAUSE."},
			{"Proxy-Authorization", EXPLAIN_CONDITIONAL,
			 "If a proxy in the route set challenges in-dialog requests."},
			{"P-Access-Network-Info", EXPLAIN_CONDITIONAL,
			 "IMS: the UE's access at the end of the call."},
			{"P-Charging-Vector", EXPLAIN_CONDITIONAL,
			 "IMS: the same icid as the INVITE, to close the charging records."},
			{"Content-Length", EXPLAIN_CONDITIONAL,
			 "0; required over TCP and TLS."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.body = "Normally none.",
		.responses =
			"- 200 OK: the session is over.\n"
			"- 481 Call/Transaction Does Not Exist: the peer knows no such dialog; "
			"the sender considers the session ended anyway, as after a 408 or no "
			"response (§15.1.1).",
		.failures =
			"- 481: crossing BYEs at the end of a call (harmless), wrong tags, or "
			"the peer restarted.\n"
			"- Calls that drop after about 32 s: BYE from the callee because its 200 "
			"was never ACKed.\n"
			"- Calls that drop at a fixed interval (15, 30 minutes): a session-timer "
			"refresh failed.\n"
			"- BYE sent straight to the Contact, skipping record-routing proxies: "
			"IMS charging and the SBC never see the end of the call, and a firewall "
			"may drop it.\n"
			"- The caller wanted to give up a ringing call and sent BYE on an early "
			"dialog: the other forks keep ringing. CANCEL was the request to send.\n"
			"- A 2xx that crossed the CANCEL was ACKed but never followed by BYE: "
			"the callee stays in a call (`sipkit check`: cancel.race_unresolved).",
		.troubleshooting =
			"1. Tags and Call-ID must match the dialog: compare with the 200 to the "
			"INVITE.\n"
			"2. Request-URI = the peer's Contact; Route = the dialog's route set.\n"
			"3. Read the Reason: who ended the call and why (SIP cause, Q.850 cause, "
			"RELEASE_CAUSE).\n"
			"4. Time from the 200 to the BYE: about 32 s means a missing ACK; the "
			"Session-Expires interval means a failed refresh.\n"
			"5. Requests pending on the dialog when the BYE arrived end with 487.",
		.related = (const char *const[]){
			"INVITE", "CANCEL", "ACK", "200", "481", "487", "Reason", "Route",
			"Session-Expires", NULL,
		},
	},
	{
		.name = "CANCEL",
		.ref =
			"RFC 3261 §9, §16.10, §17.2.3; RFC 3326; RFC 4320; RFC 6026; 3GPP TS "
			"24.229 §5.2",
		.summary =
			"withdraws a pending INVITE: each hop answers 200, and the INVITE then "
			"ends with 487",
		.purpose =
			"CANCEL asks the next hop to stop working on a request it has not "
			"answered with a final response yet; in practice, an INVITE that is "
			"still ringing (§9). For other methods it is pointless: they are "
			"answered at once, so a CANCEL would only race with the answer (§9.1). "
			"CANCEL is a transaction of its own (non-INVITE, with its own CSeq "
			"method) that refers to the INVITE's transaction; it ends neither a "
			"dialog nor a session (BYE does that).\n"
			"\n"
			"The receiving UAS looks for the INVITE transaction the CANCEL names: "
			"same top Via branch and sent-by as the INVITE, as if the method were "
			"not part of the key (§9.2, §17.2.3; for RFC 2543 peers without the "
			"z9hG4bK cookie: Request-URI, tags, Call-ID, CSeq number and top Via). "
			"If it finds it still pending, it answers 200 to the CANCEL and 487 "
			"Request Terminated to the INVITE. If the INVITE already got its final "
			"response, the CANCEL changes nothing (it still gets 200 if the "
			"transaction is found). If nothing matches: 481.\n"
			"\n"
			"CANCEL is hop by hop (§9, §16.10): a stateful proxy does not pass the "
			"caller's CANCEL on. It answers 200 itself and sends a CANCEL of its own "
			"on each of its pending branches, each built from that branch's INVITE "
			"(its Via branch, its Request-URI), passing on the caller's Reason. A "
			"branch that has not had a provisional response yet is cancelled only "
			"once one arrives (§9.1 applies to proxies too). A proxy without state "
			"for the INVITE forwards the CANCEL statelessly.",
		.call_flow =
			"  caller            proxy             callee\n"
			"  INVITE  --------> INVITE  -------->\n"
			"          <-------- 100\n"
			"          <-------- 180     <-------- 180 Ringing\n"
			"  CANCEL  -------->                             (the caller gives up)\n"
			"          <-------- 200 (CSeq n CANCEL)\n"
			"                    CANCEL  -------->           (the proxy's own, on "
			"its branch)\n"
			"                            <-------- 200 (CSeq n CANCEL)\n"
			"                            <-------- 487 (CSeq n INVITE)\n"
			"                    ACK     -------->           (hop by hop, INVITE's "
			"branch)\n"
			"          <-------- 487 (CSeq n INVITE)\n"
			"  ACK     -------->\n"
			"\n"
			"VoIP: the caller hangs up while it rings; a forking proxy cancels the "
			"branches that lost once one answers (Reason: SIP;cause=200;text=\"Call "
			"completed elsewhere\") or when a 6xx arrives (§16.7 step 10); a proxy "
			"whose Timer C fires cancels that branch (§16.8). IMS: the UE's CANCEL "
			"is answered hop by hop by the P-CSCF, the S-CSCF and so on, each "
			"cancelling its own branch; the P-CSCF cancels a call itself when the "
			"bearer is lost during setup (Reason: RELEASE_CAUSE, e.g. cause=3 "
			"\"Media bearer loss\"); an AS doing call forwarding on no reply cancels "
			"the first leg before trying the next target.",
		.direction =
			"From whoever sent the INVITE at that hop (the caller, or a proxy for "
			"its own branch) to the same next hop: same address, port and transport "
			"as the INVITE (§9.1). The callee never sends CANCEL; it rejects the "
			"INVITE instead.",
		.headers = (const struct explain_hdr_use[]){
			{"Via", EXPLAIN_REQUIRED,
			 "Exactly one value, equal to the top Via of the INVITE being cancelled "
			 "(same branch, same sent-by): the next hop matches on it. A new branch "
			 "gets 481."},
			{"From", EXPLAIN_REQUIRED,
			 "Equal to the INVITE's, tag included."},
			{"To", EXPLAIN_REQUIRED,
			 "Equal to the INVITE's: no To tag, even after a 180 carried one."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "Equal to the INVITE's."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "The INVITE's number with method CANCEL."},
			{"Max-Forwards", EXPLAIN_REQUIRED,
			 "A fresh value: the CANCEL is a new request at every hop."},
			{"Route", EXPLAIN_CONDITIONAL,
			 "The INVITE's Route values, so that stateless proxies route it the same "
			 "way (§9.1)."},
			{"Reason", EXPLAIN_OPTIONAL,
			 "Why: SIP;cause=200;text=\"Call completed elsewhere\" from a forking "
			 "proxy, Q.850 from a gateway, RELEASE_CAUSE from an IMS node; passed on "
			 "to the branches."},
			{"Require", EXPLAIN_NOT_ALLOWED,
			 "A CANCEL must not demand extensions (§9.1)."},
			{"Proxy-Require", EXPLAIN_NOT_ALLOWED,
			 "Likewise (§9.1)."},
			{"Authorization", EXPLAIN_NOT_ALLOWED,
			 "A CANCEL cannot be challenged: it could not be resubmitted (§9.2)."},
			{"Content-Length", EXPLAIN_CONDITIONAL,
			 "0; required over TCP and TLS."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.body = "None.",
		.responses =
			"- 200 OK to the CANCEL (CSeq n CANCEL), from the next hop: the INVITE "
			"was found and will be ended. It does not end the call: the INVITE still "
			"needs its own final response.\n"
			"- 487 Request Terminated to the INVITE (CSeq n INVITE), afterwards, on "
			"the INVITE's transaction; the caller ACKs it. The two responses differ "
			"only by CSeq method: read the CSeq, not just the status code.",
		.failures =
			"- 481 to the CANCEL: no INVITE matched at that hop. A new Via branch "
			"(cancel.branch_mismatch), another sent-by or port, a different "
			"Request-URI, From tag, Call-ID or CSeq number (cancel.field_mismatch), "
			"or the INVITE already long answered and gone (cancel.no_match). The "
			"INVITE keeps ringing.\n"
			"- A To tag copied from the 180 into the CANCEL (cancel.to_tag): the To "
			"must equal the INVITE's.\n"
			"- CANCEL sent before any provisional response, which §9.1 forbids "
			"(cancel.before_provisional): it can overtake the INVITE, get 481, and "
			"the phone rings anyway.\n"
			"- 200 to the CANCEL but never a 487 (cancel.no_487): an RFC 2543 UAS or "
			"a broken one; the caller gives the INVITE up 64*T1 after the CANCEL "
			"(§9.1).\n"
			"- The callee answered just before the CANCEL arrived: a 200 to the "
			"INVITE comes back (and a 200 or a 481 to the CANCEL). The call is up: "
			"ACK the 200, then BYE (cancel.answered_anyway, cancel.race_unresolved)."
			"\n"
			"- No answer to the CANCEL at all (cancel.no_response): sent to another "
			"address, port or transport than the INVITE (cancel.destination), or "
			"lost on UDP.\n"
			"- A forking proxy that forwards the 200 of one branch but never cancels "
			"the others (fork.not_cancelled), or cancels them without a Reason "
			"(fork.no_reason): the other phones ring on, or show a missed call.",
		.troubleshooting =
			"1. Put the CANCEL next to the INVITE of the same hop: top Via (branch "
			"and sent-by), Request-URI, From with tag, To without tag, Call-ID, CSeq "
			"number equal; CSeq method CANCEL.\n"
			"2. Check that a provisional (100 or later) had reached that hop before "
			"the CANCEL left.\n"
			"3. Check that it went to the same IP address, port and transport as the "
			"INVITE, with the same Route headers.\n"
			"4. Expect two responses: 200 (CSeq n CANCEL) and 487 (CSeq n INVITE), "
			"then an ACK for the 487 with the INVITE's branch.\n"
			"5. If a 200 to the INVITE shows up instead, look for the ACK and the "
			"BYE that must follow.\n"
			"6. At a forking proxy: one CANCEL per pending branch, each with that "
			"branch's Via branch and the caller's Reason (or cause=200 when another "
			"branch answered).\n"
			"7. `sipkit check capture.pcap` names the field that differs (the "
			"cancel.* codes).",
		.related = (const char *const[]){
			"INVITE", "487", "200", "481", "ACK", "BYE", "Reason", "Via", "CSeq", "To",
			NULL,
		},
	},
};
/* clang-format on */

const struct explain_methods explain_methods_call = {table, sizeof(table) / sizeof(table[0])};
