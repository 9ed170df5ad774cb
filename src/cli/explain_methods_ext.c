/* SPDX-License-Identifier: BSD-3-Clause */
/* sipkit explain: the other methods (OPTIONS, PRACK, UPDATE, MESSAGE, REFER, ...). */
#include "explain.h"

/* clang-format off */
static const struct explain_method table[] = {
	{
		.name = "OPTIONS",
		.ref = "RFC 3261 §11, §16.3",
		.summary =
			"asks a UA or server what it supports, without ringing; widely used as a "
			"keep-alive ping",
		.purpose =
			"OPTIONS queries capabilities: the answer says which methods (Allow), "
			"body types (Accept), encodings, languages and extensions (Supported) "
			"the target handles, and may carry an SDP of its media capabilities. A "
			"UAS answers as it would answer an INVITE at that moment (§11.2): 200 "
			"if it would accept a call, 486 if it is busy. In operations, OPTIONS is "
			"above all a health check: proxies, SBCs and load balancers ping their "
			"peers with it and take a peer out of rotation when the pings go "
			"unanswered. An OPTIONS whose Max-Forwards reaches 0 may be answered by "
			"the proxy itself (§16.3), which makes it a crude traceroute.",
		.call_flow =
			"Outside calls, periodically between servers, or inside a dialog to "
			"probe the peer. IMS: capability discovery between devices (RCS), and "
			"link supervision between P-CSCF, SBC and core.",
		.direction = "Any UA or proxy to any UA or server; outside or inside a dialog.",
		.headers = (const struct explain_hdr_use[]){
			{"Via", EXPLAIN_REQUIRED,
			 "As for any request."},
			{"Max-Forwards", EXPLAIN_REQUIRED,
			 "Hop limit; 0 lets a proxy answer it itself."},
			{"To", EXPLAIN_REQUIRED,
			 "The target."},
			{"From", EXPLAIN_REQUIRED,
			 "The sender, with tag."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "A new one per ping, usually."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Number and method OPTIONS."},
			{"Accept", EXPLAIN_OPTIONAL,
			 "Body types the sender wants in the answer (application/sdp)."},
			{"Contact", EXPLAIN_OPTIONAL,
			 "The sender's address."},
			{"Supported", EXPLAIN_OPTIONAL,
			 "The sender's extensions."},
			{"Allow", EXPLAIN_OPTIONAL,
			 "The sender's methods."},
			{"User-Agent", EXPLAIN_OPTIONAL,
			 "The sender's software."},
			{"Content-Length", EXPLAIN_CONDITIONAL,
			 "0; required over TCP and TLS."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.body = "Normally none.",
		.responses =
			"- 200 OK with Allow, Accept, Supported, perhaps an SDP body.\n"
			"- 404, 480, 486: the answer an INVITE would get now.\n"
			"- 483 Too Many Hops when Max-Forwards runs out (unless the proxy "
			"answers itself).\n"
			"- 405 or 501 when the target does not support OPTIONS.",
		.failures =
			"- No answer: the peer is down or unreachable, and the pinging proxy or "
			"SBC stops routing calls to it.\n"
			"- 401/407 to pings: the server challenges them; configure credentials "
			"or an exception.\n"
			"- 403 or 404 from a server that rejects unknown sources: pings fail "
			"while calls would work.\n"
			"- The answer comes from another address (a multi-homed server) and the "
			"pinger drops it.",
		.troubleshooting =
			"1. Does the target answer at all, and how fast (a good liveness and "
			"latency measure)?\n"
			"2. Compare its Allow and Supported with what your calls need (100rel, "
			"timer, UPDATE).\n"
			"3. For keep-alive failures, check firewall and NAT pinholes and the "
			"ping interval.",
		.related = (const char *const[]){
			"INVITE", "200", "483", "Allow", "Supported", "Accept", "Max-Forwards",
			NULL,
		},
	},
	{
		.name = "PRACK",
		.ref = "RFC 3262; RFC 3312; 3GPP TS 24.229 §5.1, §5.2",
		.summary =
			"acknowledges a reliable provisional response (100rel); may carry an SDP "
			"offer or answer",
		.purpose =
			"Provisional responses are normally unreliable: sent once, never "
			"acknowledged, possibly lost. With the 100rel extension a UAS sends a "
			"1xx (101 to 199; never 100) reliably: it carries \"Require: 100rel\" "
			"and an RSeq number, the UAS retransmits it (from T1, doubling, with no "
			"T2 cap) until a PRACK matches it, and rejects the INVITE with a 5xx if "
			"none came within 64*T1 (RFC 3262 §3). A PRACK matches when, within "
			"that early dialog, its RAck gives the response's RSeq, the INVITE's "
			"CSeq number and the method INVITE.\n"
			"\n"
			"PRACK is an ordinary request inside the early dialog the 1xx created, "
			"with its own transaction and its own 200. Its pair with the reliable "
			"1xx can carry an offer/answer exchange, which is what IMS preconditions "
			"are built on. The UAS must not send a second reliable provisional "
			"before the first one is acknowledged.",
		.call_flow =
			"IMS origination with preconditions (UEs support 100rel and "
			"precondition):\n"
			"  UE-A                                UE-B\n"
			"  INVITE (SDP: qos not yet reserved) ->\n"
			"         <---------------------------- 183 (Require: 100rel, RSeq: 1, "
			"SDP answer)\n"
			"  PRACK  (RAck: 1 1 INVITE)  -------->\n"
			"         <---------------------------- 200 (PRACK)\n"
			"  UPDATE (SDP: qos reserved) -------->\n"
			"         <---------------------------- 200 (UPDATE)\n"
			"         <---------------------------- 180 (often reliable: PRACK again)"
			"\n"
			"         <---------------------------- 200 (INVITE)\n"
			"  ACK    ---------------------------->\n"
			"VoIP: gateways use reliable 18x to make sure early-media SDP is not "
			"lost.",
		.direction =
			"Caller (the UAC of the INVITE) to callee, within the early dialog, "
			"along its route set (from the Record-Route of the reliable 1xx), to the "
			"Contact of that 1xx.",
		.headers = (const struct explain_hdr_use[]){
			{"RAck", EXPLAIN_REQUIRED,
			 "Which response it acknowledges: the 1xx's RSeq, the INVITE's CSeq "
			 "number, INVITE (e.g. \"RAck: 776656 1 INVITE\")."},
			{"To", EXPLAIN_REQUIRED,
			 "With the tag of that 1xx: each forked early dialog is PRACKed on its "
			 "own."},
			{"From", EXPLAIN_REQUIRED,
			 "The caller's, with tag."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "The call's."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "A new number in the caller's sequence (above the INVITE's), method "
			 "PRACK."},
			{"Via", EXPLAIN_REQUIRED,
			 "A new branch."},
			{"Max-Forwards", EXPLAIN_REQUIRED,
			 "Hop limit."},
			{"Route", EXPLAIN_CONDITIONAL,
			 "The early dialog's route set."},
			{"Content-Type", EXPLAIN_CONDITIONAL,
			 "application/sdp when the PRACK carries an answer or a new offer."},
			{"Content-Length", EXPLAIN_CONDITIONAL,
			 "Size of the body; required over TCP and TLS."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.body =
			"Optional SDP: the answer when the reliable 1xx carried the offer (an "
			"INVITE without SDP), or a new offer once the earlier exchange is "
			"complete (RFC 3262 §5).",
		.responses =
			"- 200 OK to the PRACK, with the answer if the PRACK carried an offer. "
			"The INVITE transaction goes on independently.",
		.failures =
			"- 481 to the PRACK: no unacknowledged reliable 1xx matches (wrong RAck, "
			"the To tag of another fork, or that 1xx was already PRACKed).\n"
			"- No PRACK: the 18x is retransmitted, and 64*T1 later the INVITE fails "
			"with a 5xx: a call that dies about 32 s after the 183.\n"
			"- 420 Bad Extension with \"Unsupported: 100rel\": the INVITE required "
			"100rel and the callee cannot.\n"
			"- The PRACK goes astray: the 18x had no Contact, or the caller ignored "
			"its Record-Route.\n"
			"- A CANCEL while PRACKs are in flight cancels only the INVITE; the "
			"PRACK is still answered.",
		.troubleshooting =
			"1. In the 18x: \"Require: 100rel\" and an RSeq; in the PRACK: RAck with "
			"that RSeq, the INVITE's CSeq number and INVITE.\n"
			"2. To tag of the PRACK = To tag of that 18x.\n"
			"3. CSeq of the PRACK is a new number, not the INVITE's.\n"
			"4. Retransmissions of the same 18x stop when the PRACK arrives; if they "
			"go on, it did not.\n"
			"5. Check Supported or Require 100rel in the INVITE.\n"
			"6. `sipkit check` reports a reliable 1xx never PRACKed (prack.missing) "
			"and marks its retransmissions.",
		.related = (const char *const[]){
			"INVITE", "UPDATE", "183", "180", "481", "RAck", "RSeq", "Require",
			"Supported", NULL,
		},
	},
	{
		.name = "UPDATE",
		.ref = "RFC 3311; RFC 3312; RFC 4028",
		.summary =
			"changes session parameters (SDP) without a re-INVITE, also before the "
			"call is answered",
		.purpose =
			"UPDATE lets a UA send a new offer in an early or confirmed dialog and "
			"get the answer at once, without touching the state of the dialog. Its "
			"main use is while the initial INVITE is still pending, when a re-INVITE "
			"is not allowed: IMS preconditions, changes of early media. It is a "
			"target refresh request (its Contact updates the remote target). In "
			"confirmed dialogs it also refreshes session timers (RFC 4028) without "
			"an offer. Because it must be answered immediately, RFC 3311 recommends "
			"re-INVITE for changes that need the user's approval.\n"
			"\n"
			"Offers must not overlap (RFC 3311 §5.2): an UPDATE with an offer that "
			"crosses the UAS's own unanswered offer gets 491; one that arrives while "
			"the UAS still owes an answer, or while an earlier UPDATE is unanswered, "
			"gets 500 with a Retry-After of 0 to 10 s.",
		.call_flow =
			"IMS preconditions: after INVITE, reliable 183 and PRACK, the caller's "
			"UPDATE says its QoS resources are reserved (a=curr:qos local sendrecv); "
			"the 200 to the UPDATE carries the callee's state; then the callee "
			"alerts (180) and answers (200). In confirmed dialogs: session refresh "
			"every half interval, when the refresher chose UPDATE.",
		.direction =
			"Either party within the dialog (early or confirmed), along the route "
			"set; only to a peer that listed UPDATE in its Allow.",
		.headers = (const struct explain_hdr_use[]){
			{"To", EXPLAIN_REQUIRED,
			 "The peer's URI and tag (the early dialog of that fork)."},
			{"From", EXPLAIN_REQUIRED,
			 "The sender's URI and tag."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "The dialog's."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "The sender's next number in the dialog."},
			{"Via", EXPLAIN_REQUIRED,
			 "A new branch."},
			{"Max-Forwards", EXPLAIN_REQUIRED,
			 "Hop limit."},
			{"Contact", EXPLAIN_REQUIRED,
			 "The sender's target: UPDATE is a target refresh request."},
			{"Route", EXPLAIN_CONDITIONAL,
			 "The dialog's route set."},
			{"Content-Type", EXPLAIN_CONDITIONAL,
			 "application/sdp with the new offer."},
			{"Content-Length", EXPLAIN_CONDITIONAL,
			 "Size of the offer; required over TCP and TLS."},
			{"Session-Expires", EXPLAIN_OPTIONAL,
			 "Refreshes the session timer."},
			{"Require", EXPLAIN_CONDITIONAL,
			 "precondition, when the exchange is part of a precondition negotiation."},
			{"Supported", EXPLAIN_OPTIONAL,
			 "The sender's extensions."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.body =
			"An SDP offer (the answer comes in the 200), or nothing for a pure "
			"session refresh.",
		.responses =
			"- 200 OK with the SDP answer.\n"
			"- 491 Request Pending: the offers crossed (glare); retry after the "
			"random delay of §14.1 of RFC 3261.\n"
			"- 500 with Retry-After: an earlier UPDATE or offer is still unanswered."
			"\n"
			"- 488 Not Acceptable Here: the new session is refused; the old one "
			"continues.",
		.failures =
			"- 405 or 501: the peer does not support UPDATE (its Allow did not list "
			"it).\n"
			"- 491 and 500 loops: a UA that sends a new offer before its previous "
			"one was answered (before the PRACK exchange finished, for example).\n"
			"- 481: the dialog is unknown to the peer; the dialog is over.\n"
			"- Precondition flows stuck: the UPDATE never sent, so the callee never "
			"rings.",
		.troubleshooting =
			"1. Is UPDATE in the peer's Allow (in its 18x or 200)?\n"
			"2. Was every earlier offer answered (INVITE/183, PRACK/200) before this "
			"UPDATE's offer?\n"
			"3. For preconditions, compare the a=curr and a=des lines of each offer "
			"and answer.\n"
			"4. In an early dialog, the To tag is that fork's.",
		.related = (const char *const[]){
			"PRACK", "re-INVITE", "INVITE", "183", "491", "500", "488",
			"Session-Expires", "Allow", "Contact", NULL,
		},
	},
	{
		.name = "MESSAGE",
		.ref = "RFC 3428; 3GPP TS 24.341 (SMS over IP); 3GPP TS 24.229",
		.summary =
			"delivers an instant message (pager mode) in its body; creates no dialog",
		.purpose =
			"MESSAGE carries a message (text, CPIM, an SMS) in its body to a user. "
			"Each one stands alone (pager mode): it is normally sent outside any "
			"dialog, may be sent inside one, and never creates one, so a MESSAGE "
			"carries no Contact (RFC 3428). A 200 means the message reached a user "
			"agent, not that someone read it; a 202 means a store-and-forward server "
			"or gateway accepted it for later delivery. A 2xx to a MESSAGE carries "
			"no body. Since MESSAGE has no congestion control of its own, a sender "
			"keeps it small (about 1300 bytes) unless the path is "
			"congestion-controlled (TCP, TLS).",
		.call_flow =
			"Standalone. IMS SMS over IP (TS 24.341): UE -> P-CSCF -> S-CSCF -> "
			"IP-SM-GW, with Content-Type application/vnd.3gpp.sms carrying the RP/TP "
			"layers of the short message; the delivery report comes back in a "
			"separate MESSAGE. RCS pager-mode chat uses message/cpim.",
		.direction = "Sender to recipient, usually outside a dialog.",
		.headers = (const struct explain_hdr_use[]){
			{"To", EXPLAIN_REQUIRED,
			 "The recipient."},
			{"From", EXPLAIN_REQUIRED,
			 "The sender, with tag."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "A new one per message, usually."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Number and method MESSAGE."},
			{"Via", EXPLAIN_REQUIRED,
			 "As for any request."},
			{"Max-Forwards", EXPLAIN_REQUIRED,
			 "Hop limit."},
			{"Content-Type", EXPLAIN_REQUIRED,
			 "The type of the message: text/plain, message/cpim, "
			 "application/vnd.3gpp.sms ..."},
			{"Content-Length", EXPLAIN_REQUIRED,
			 "Size of the message."},
			{"Contact", EXPLAIN_NOT_ALLOWED,
			 "MESSAGE creates no dialog (RFC 3428)."},
			{"Route", EXPLAIN_CONDITIONAL,
			 "Outbound proxy; IMS: P-CSCF and Service-Route."},
			{"P-Asserted-Identity", EXPLAIN_CONDITIONAL,
			 "IMS: the sender as asserted by the P-CSCF."},
			{"Accept-Contact", EXPLAIN_OPTIONAL,
			 "Which kind of device should get it (feature tags)."},
			{"Authorization", EXPLAIN_CONDITIONAL,
			 "Credentials after a 401."},
			{"Proxy-Authorization", EXPLAIN_CONDITIONAL,
			 "Credentials after a 407."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.body =
			"The message itself: text/plain, message/cpim (RCS), "
			"application/vnd.3gpp.sms (SMS over IP), application/im-iscomposing+xml "
			"(typing indication).",
		.responses =
			"- 200 OK: delivered to a user agent.\n"
			"- 202 Accepted: accepted for later delivery (store and forward, "
			"gateways).\n"
			"- 404, 480: recipient unknown or not reachable now.\n"
			"- 413 (too large), 415 (content type not supported; Accept in the "
			"answer lists what is).",
		.failures =
			"- 415: the recipient does not handle the body type.\n"
			"- Messages lost over UDP because they are too big and get fragmented.\n"
			"- A Contact in the MESSAGE, which some servers reject.\n"
			"- IMS SMS: the recipient not registered for SMS over IP; the IP-SM-GW "
			"then falls back to the circuit-switched domain.\n"
			"- Taking 200 for \"read\": read receipts need IMDN (RFC 5438).",
		.troubleshooting =
			"1. Content-Type matches the body (and the charset of text/plain).\n"
			"2. Size against transport: big messages belong on TCP or TLS.\n"
			"3. IMS SMS: read the RP and TP layers in the body; the real delivery "
			"result is in the report.\n"
			"4. Is the recipient registered, with the feature tags the service needs?",
		.related = (const char *const[]){
			"200", "202", "404", "480", "Content-Type", "Accept", "Accept-Contact",
			"P-Asserted-Identity", NULL,
		},
	},
	{
		.name = "REFER",
		.ref =
			"RFC 3515; RFC 3892 (Referred-By); RFC 3891 (Replaces); RFC 4488 "
			"(Refer-Sub); RFC 6665",
		.summary =
			"asks the recipient to send a request (usually an INVITE) to a third "
			"party: call transfer",
		.purpose =
			"REFER asks its recipient to contact the URI in Refer-To, by default "
			"with an INVITE; the URI may name another method and carry headers to "
			"put in that request, such as Replaces for an attended transfer. "
			"Accepting a REFER creates an implicit subscription to the \"refer\" "
			"event: the recipient reports the progress of the request it sends with "
			"NOTIFYs whose message/sipfrag bodies hold its status lines (\"SIP/2.0 "
			"100 Trying\", \"SIP/2.0 200 OK\"). \"Refer-Sub: false\" (RFC 4488) asks "
			"to skip that subscription.",
		.call_flow =
			"Blind transfer: A and B are in a call; B sends REFER (Refer-To: C) to A "
			"in the dialog; A answers 202, NOTIFYs \"100 Trying\", sends an INVITE "
			"to C with Referred-By: B, then NOTIFYs the outcome (\"200 OK\"); B "
			"hangs up with BYE. Attended transfer: B first calls C, then refers A to "
			"<sip:C?Replaces=...> so that A's INVITE to C replaces the B-C call. "
			"IMS: explicit call transfer is run by the MMTel AS (3GPP TS 24.629); "
			"REFER outside a dialog also asks a conference focus to invite a "
			"participant.",
		.direction =
			"Transferor to transferee, usually within the existing dialog (it can be "
			"sent outside one).",
		.headers = (const struct explain_hdr_use[]){
			{"Refer-To", EXPLAIN_REQUIRED,
			 "Exactly one: the target URI, with any method or headers (Replaces) "
			 "escaped inside it."},
			{"Referred-By", EXPLAIN_OPTIONAL,
			 "Who asks for the transfer; the transferee copies it into its INVITE."},
			{"Contact", EXPLAIN_REQUIRED,
			 "The sender's target; a REFER outside a dialog creates one."},
			{"To", EXPLAIN_REQUIRED,
			 "The transferee (with tag inside a dialog)."},
			{"From", EXPLAIN_REQUIRED,
			 "The transferor, with tag."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "The dialog's, or a new one outside a dialog."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "The next number; its value becomes the id of the refer event."},
			{"Via", EXPLAIN_REQUIRED,
			 "A new branch."},
			{"Max-Forwards", EXPLAIN_REQUIRED,
			 "Hop limit."},
			{"Route", EXPLAIN_CONDITIONAL,
			 "The dialog's route set."},
			{"Refer-Sub", EXPLAIN_OPTIONAL,
			 "false: no implicit subscription, no NOTIFYs (RFC 4488)."},
			{"Supported", EXPLAIN_OPTIONAL,
			 "norefersub, replaces ..."},
			{"Content-Length", EXPLAIN_CONDITIONAL,
			 "0; required over TCP and TLS."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.body = "Normally none.",
		.responses =
			"- 202 Accepted (RFC 3515; some UAs answer 200), then NOTIFYs with "
			"Event: refer and message/sipfrag bodies reporting the triggered request."
			"\n"
			"- 403 or 603: the transferee refuses.",
		.failures =
			"- 400: no Refer-To, or more than one.\n"
			"- 405 or 501: the peer does not support REFER (check its Allow).\n"
			"- 481: REFER in a dialog the peer does not know.\n"
			"- The final NOTIFY reports a failure (\"SIP/2.0 486 Busy Here\"): the "
			"transfer failed, and the transferor should take the call back.\n"
			"- Attended transfer: C answers 481 to the INVITE with Replaces because "
			"the dialog named does not match (tags swapped, or the call already "
			"ended).\n"
			"- Escaping errors in the Refer-To (\";\", \"=\", \"@\" of the embedded "
			"Replaces not escaped).",
		.troubleshooting =
			"1. Exactly one Refer-To, with its embedded headers escaped.\n"
			"2. After the 202: NOTIFYs with Event: refer (id = CSeq of the REFER "
			"when there are several), Subscription-State, and the sipfrag status "
			"line.\n"
			"3. Follow the triggered INVITE: Referred-By and Replaces present and "
			"right.\n"
			"4. Who hangs up, and when: the transferor after the final NOTIFY (or "
			"right after 202 for a blind transfer).",
		.related = (const char *const[]){
			"NOTIFY", "SUBSCRIBE", "INVITE", "202", "Refer-To", "Referred-By",
			"Replaces", "Refer-Sub", "Event", "Subscription-State", NULL,
		},
	},
	{
		.name = "SUBSCRIBE",
		.ref = "RFC 6665; RFC 3680 (reg event); 3GPP TS 24.229 §5.1.1, §5.2, §5.4",
		.summary =
			"asks for notifications of an event package (reg, presence, dialog ...) "
			"for a while",
		.purpose =
			"SUBSCRIBE creates, refreshes or ends a subscription to the state of a "
			"resource: the Event header names the package (reg, presence, dialog, "
			"message-summary ...), Expires the duration asked for. The notifier "
			"answers 200 and sends a NOTIFY with the current state at once, then one "
			"at every change. A subscription is a dialog (or a usage of one); it is "
			"refreshed with a SUBSCRIBE in that dialog before it expires, and "
			"\"Expires: 0\" ends it (it still gets a last NOTIFY, which makes a "
			"one-shot fetch possible).",
		.call_flow =
			"IMS: after registering, the UE subscribes to its own reg event at the "
			"S-CSCF (Event: reg, RFC 3680), and so does the P-CSCF; the S-CSCF then "
			"tells them of network-initiated deregistration, re-authentication "
			"requests and changes of the registered identities. VoIP: "
			"message-waiting indication (Event: message-summary), busy-lamp fields "
			"(Event: dialog), presence. REFER sets up the same kind of subscription "
			"implicitly.",
		.direction =
			"Subscriber to notifier: the first one outside any dialog, refreshes "
			"inside the subscription's dialog.",
		.headers = (const struct explain_hdr_use[]){
			{"Event", EXPLAIN_REQUIRED,
			 "The event package, and an id when several subscriptions share a dialog."},
			{"Expires", EXPLAIN_OPTIONAL,
			 "The duration asked for; 0 ends the subscription. The 200 says what was "
			 "granted."},
			{"Contact", EXPLAIN_REQUIRED,
			 "The subscriber's target for the NOTIFYs."},
			{"Accept", EXPLAIN_OPTIONAL,
			 "Body types wanted in the NOTIFYs (application/reginfo+xml, "
			 "application/pidf+xml ...)."},
			{"To", EXPLAIN_REQUIRED,
			 "The resource; with tag in a refresh."},
			{"From", EXPLAIN_REQUIRED,
			 "The subscriber, with tag."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "The subscription dialog's."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Next number."},
			{"Via", EXPLAIN_REQUIRED,
			 "A new branch."},
			{"Max-Forwards", EXPLAIN_REQUIRED,
			 "Hop limit."},
			{"Route", EXPLAIN_CONDITIONAL,
			 "IMS: the P-CSCF and the Service-Route from registration."},
			{"P-Asserted-Identity", EXPLAIN_CONDITIONAL,
			 "IMS: the subscriber, asserted by the P-CSCF."},
			{"Allow-Events", EXPLAIN_OPTIONAL,
			 "The packages the subscriber itself supports."},
			{"Supported", EXPLAIN_OPTIONAL,
			 "Extensions."},
			{"Content-Length", EXPLAIN_CONDITIONAL,
			 "Size of a filter body if any; required over TCP and TLS."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.body = "Normally none (some packages define filters).",
		.responses =
			"- 200 OK, with the granted Expires. RFC 3265 notifiers answered 202 "
			"when the subscription was pending; RFC 6665 dropped that use (the "
			"pending state is in the NOTIFY), and a subscriber treats a 202 like a "
			"200.\n"
			"- 489 Bad Event: the package is not supported (Allow-Events lists those "
			"that are).\n"
			"- 423 Interval Too Brief with Min-Expires.\n"
			"- 403, 404: not allowed, or no such resource.",
		.failures =
			"- The NOTIFY arrives before the 200 of the SUBSCRIBE: legal, and the "
			"subscriber must accept it.\n"
			"- 481 to a refresh: the subscription has expired or was lost; create a "
			"new one.\n"
			"- Refreshes not sent in time: the subscription lapses; in IMS the UE "
			"then misses deregistration notices.\n"
			"- A forked SUBSCRIBE can create several subscriptions, one per "
			"answering notifier.",
		.troubleshooting =
			"1. The same Event (package and id) in the SUBSCRIBE and its NOTIFYs.\n"
			"2. Expires granted in the 200 against the one asked, and the refresh "
			"schedule.\n"
			"3. The first NOTIFY right after the 200, with Subscription-State active "
			"or pending.\n"
			"4. Accept of the SUBSCRIBE against Content-Type of the NOTIFYs.",
		.related = (const char *const[]){
			"NOTIFY", "REFER", "REGISTER", "200", "202", "481", "Event",
			"Subscription-State", "Expires", "Allow-Events", "Min-Expires", NULL,
		},
	},
	{
		.name = "NOTIFY",
		.ref = "RFC 6665 §4.2; RFC 3515; RFC 3680",
		.summary =
			"reports the state of a subscription in its body; also ends the "
			"subscription",
		.purpose =
			"The notifier sends NOTIFY within the subscription's dialog: right after "
			"accepting a SUBSCRIBE (or a REFER), at every change of state, and when "
			"the subscription ends (\"Subscription-State: terminated\" with a "
			"reason). The body format belongs to the event package: "
			"application/reginfo+xml for reg, message/sipfrag for refer, "
			"application/pidf+xml for presence, application/dialog-info+xml for "
			"dialog, application/simple-message-summary for message waiting. The "
			"subscriber answers 200; a 481 tells the notifier the subscription no "
			"longer exists on the subscriber's side, and the notifier ends it.",
		.call_flow =
			"After SUBSCRIBE/200 or REFER/202. IMS: the S-CSCF's NOTIFY of the reg "
			"event gives the full state when the subscription starts; a later one "
			"with a contact in state terminated (event=deactivated or rejected) "
			"tells the UE it was deregistered by the network and must register "
			"again, or stop. Transfer: the transferee's NOTIFYs carry \"SIP/2.0 100 "
			"Trying\" and then the final status of its INVITE to the transfer target.",
		.direction = "Notifier to subscriber, within the subscription's dialog.",
		.headers = (const struct explain_hdr_use[]){
			{"Event", EXPLAIN_REQUIRED,
			 "The package and id of the subscription, as in the SUBSCRIBE (refer for "
			 "a REFER)."},
			{"Subscription-State", EXPLAIN_REQUIRED,
			 "active, pending or terminated, with expires, reason, retry-after."},
			{"Contact", EXPLAIN_REQUIRED,
			 "The notifier's target."},
			{"To", EXPLAIN_REQUIRED,
			 "The subscriber, with its tag."},
			{"From", EXPLAIN_REQUIRED,
			 "The notifier, with its tag."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "The subscription dialog's."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "The notifier's next number."},
			{"Via", EXPLAIN_REQUIRED,
			 "A new branch."},
			{"Max-Forwards", EXPLAIN_REQUIRED,
			 "Hop limit."},
			{"Route", EXPLAIN_CONDITIONAL,
			 "The dialog's route set."},
			{"Content-Type", EXPLAIN_CONDITIONAL,
			 "The package's body type, when there is a body."},
			{"Content-Length", EXPLAIN_CONDITIONAL,
			 "Size of the state; required over TCP and TLS."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.body = "The state of the resource, in the package's format (see Purpose).",
		.responses =
			"- 200 OK.\n"
			"- 481: no such subscription at the subscriber; the notifier ends it.",
		.failures =
			"- 481 because the subscription was recreated with a new dialog, or "
			"expired at the subscriber.\n"
			"- A NOTIFY before the 200 to the SUBSCRIBE that the subscriber wrongly "
			"rejects.\n"
			"- No Subscription-State: the NOTIFY is malformed and rejected.\n"
			"- A NOTIFY that is never answered (lost over UDP): the notifier gives "
			"the subscription up.\n"
			"- Terminated with reason deactivated or timeout: subscribe again at "
			"once; probation or giveup: again after retry-after; rejected, "
			"noresource or invariant: do not retry.",
		.troubleshooting =
			"1. Event and dialog (Call-ID, tags) match the subscription.\n"
			"2. Subscription-State and its expires against the SUBSCRIBE's Expires.\n"
			"3. The body type matches the package; read the state inside (the "
			"contact states of reginfo).\n"
			"4. For a transfer, the sipfrag status line is the result.",
		.related = (const char *const[]){
			"SUBSCRIBE", "REFER", "200", "481", "Event", "Subscription-State",
			"Content-Type", NULL,
		},
	},
	{
		.name = "INFO",
		.ref = "RFC 6086 (obsoletes RFC 2976)",
		.summary =
			"carries application data inside an INVITE dialog (Info Packages) "
			"without changing the session",
		.purpose =
			"INFO sends application information inside an invite dialog usage (early "
			"or confirmed) without changing the session or the dialog. RFC 6086 "
			"added Info Packages: the sender names the package in Info-Package, and "
			"only sends packages the peer has said it will take in Recv-Info "
			"(carried in the INVITE and its responses, in re-INVITEs, UPDATE and "
			"PRACK). A UA that gets an INFO for a package it did not accept answers "
			"469 Bad Info Package. Legacy INFO (RFC 2976, without Info-Package) is "
			"still common, notably for DTMF as application/dtmf-relay, a body no RFC "
			"defines.",
		.call_flow =
			"During a call (or an early dialog). VoIP: DTMF for IVRs and PBXs when "
			"RTP telephone-events (RFC 4733) are not used, requests for a video "
			"refresh. IMS: rarely; MMTel carries DTMF as RTP telephone-events.",
		.direction = "Either party, within the INVITE dialog.",
		.headers = (const struct explain_hdr_use[]){
			{"Info-Package", EXPLAIN_CONDITIONAL,
			 "The package of the body; absent only in legacy INFO."},
			{"To", EXPLAIN_REQUIRED,
			 "The peer's URI and tag."},
			{"From", EXPLAIN_REQUIRED,
			 "The sender's URI and tag."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "The dialog's."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "The sender's next number."},
			{"Via", EXPLAIN_REQUIRED,
			 "A new branch."},
			{"Max-Forwards", EXPLAIN_REQUIRED,
			 "Hop limit."},
			{"Route", EXPLAIN_CONDITIONAL,
			 "The dialog's route set."},
			{"Content-Type", EXPLAIN_CONDITIONAL,
			 "The type the package defines, when there is a body."},
			{"Content-Disposition", EXPLAIN_OPTIONAL,
			 "info-package: the body belongs to the Info Package."},
			{"Content-Length", EXPLAIN_CONDITIONAL,
			 "Size of the body; required over TCP and TLS."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.body =
			"The package's payload, or nothing. Legacy DTMF example: \"Signal=5\" "
			"and \"Duration=160\" lines in application/dtmf-relay.",
		.responses =
			"- 200 OK.\n"
			"- 469 Bad Info Package: a package the receiver did not accept (its "
			"Recv-Info lists those it does).\n"
			"- 481: no such dialog; 405 or 501: INFO not supported; 415: body type "
			"not supported.",
		.failures =
			"- DTMF lost in an IVR: one side sends INFO, the other expects RFC 4733 "
			"events in RTP (compare the SDP telephone-event lines with what is sent)."
			"\n"
			"- INFO outside a dialog, or with the wrong tags: 481.\n"
			"- A package sent that the peer never listed in Recv-Info: 469.",
		.troubleshooting =
			"1. What did the peer list in Recv-Info and Allow?\n"
			"2. For DTMF, agree on one method: RFC 4733 telephone-event (in the SDP) "
			"or INFO.\n"
			"3. Tags and route set as for any in-dialog request.",
		.related = (const char *const[]){
			"INVITE", "re-INVITE", "200", "481", "Info-Package", "Recv-Info",
			"Content-Type", "Content-Disposition", NULL,
		},
	},
};
/* clang-format on */

const struct explain_methods explain_methods_other = {table, sizeof(table) / sizeof(table[0])};
