/* SPDX-License-Identifier: BSD-3-Clause */
/* sipkit explain: header fields of SIP extensions (Reason, 100rel, events, transfer ...). */
#include "explain.h"

/* clang-format off */
static const struct explain_header table[] = {
	{
		.name = "Reason",
		.ref =
			"RFC 3326 §2; RFC 6432; 3GPP TS 24.229 §7.2A.18; RFC 3261 §16.7 (step "
			"10), §16.10",
		.summary =
			"why a request (CANCEL, BYE) was sent: a SIP status, a Q.850 cause, or a "
			"3GPP release cause",
		.what =
			"An informational header that says why a CANCEL or a BYE (or another "
			"request in a dialog) was sent. It never changes how the request is "
			"processed (RFC 3326). Each value names a protocol and a cause in that "
			"protocol; there is at most one value per protocol:\n"
			"- SIP: cause is a SIP status code. SIP;cause=200;text=\"Call completed "
			"elsewhere\" is what a forking proxy puts in the CANCELs to the branches "
			"that lost once one answered: phones then show no missed call. cause=600 "
			"or 603 tells branches they were cancelled because another answered 6xx."
			"\n"
			"- Q.850: an ISDN cause from a PSTN gateway (16 normal call clearing, 17 "
			"user busy, 21 call rejected); RFC 6432 also allows it in responses.\n"
			"- 3GPP protocols (TS 24.229): RELEASE_CAUSE (1 User ends call, 2 "
			"RTP/RTCP time-out, 3 Media bearer loss, 4 SIP timeout - no ACK, 5 SIP "
			"response time-out, 6 Call-setup time-out), FAILURE_CAUSE and others. "
			"Any token is a valid protocol and must be kept.\n"
			"\n"
			"A proxy that cancels its branches because the caller cancelled passes "
			"the caller's Reason on.",
		.grammar =
			"  Reason: protocol ;cause=N ;text=\"...\"        several values "
			"comma-separated, one per protocol\n"
			"  Reason: SIP ;cause=200 ;text=\"Call completed elsewhere\"\n"
			"  Reason: Q.850 ;cause=16 ;text=\"Terminated\"\n"
			"  Reason: RELEASE_CAUSE ;cause=3 ;text=\"Media bearer loss\"",
		.who_sets =
			"The element that starts the CANCEL or BYE: a UA, a forking proxy "
			"(cause=200 after a 2xx on another branch), the P-CSCF (RELEASE_CAUSE "
			"when the bearer is lost), gateways (Q.850), application servers. "
			"Proxies copy the caller's Reason into the CANCELs they send downstream.",
		.inspect =
			"- On the CANCELs to the losing branches of a fork: present, with "
			"cause=200 \"Call completed elsewhere\" (`sipkit check`: fork.no_reason)."
			"\n"
			"- Syntax: a protocol token, then ;cause= digits and ;text= a quoted "
			"string (`sipkit check`: reason.malformed).\n"
			"- Secondary devices showing a missed call: the CANCEL came without "
			"Reason.\n"
			"- IMS: RELEASE_CAUSE in a BYE or CANCEL from the P-CSCF separates "
			"bearer loss from a user hang-up.\n"
			"- Gateways sending both SIP and Q.850 values in one header.",
		.related = (const char *const[]){
			"CANCEL", "BYE", "487", "200", "603", NULL,
		},
	},
	{
		.name = "RAck",
		.ref = "RFC 3262 §7.2",
		.summary = "in a PRACK: which reliable provisional response it acknowledges",
		.what =
			"Three values: the RSeq of the reliable 1xx, the CSeq number of the "
			"request it answered (the INVITE's) and that request's method. The UAS "
			"matches it against its unacknowledged reliable provisionals; no match "
			"gets 481.",
		.grammar = "  RAck: 776656 1 INVITE          response-num CSeq-num method",
		.who_sets = "The UAC of the INVITE, when it builds the PRACK.",
		.inspect =
			"- The first number equals the 1xx's RSeq.\n"
			"- The second is the INVITE's CSeq number, not the PRACK's.\n"
			"- The method is INVITE (case-sensitive).",
		.related = (const char *const[]){
			"RSeq", "PRACK", "183", "481", NULL,
		},
	},
	{
		.name = "RSeq",
		.ref = "RFC 3262 §3, §7.1",
		.summary = "the sequence number of a reliable provisional response (100rel)",
		.what =
			"The first reliable 1xx of a request gets a random value from 1 to "
			"2^31-1; each further reliable 1xx of the same request takes the next "
			"value. Retransmissions keep their value. It lets the UAC see order and "
			"duplicates, and the PRACK echoes it in RAck.",
		.grammar = "  RSeq: 988789",
		.who_sets =
			"The UAS, in reliable 1xx responses (together with \"Require: 100rel\").",
		.inspect =
			"- Present exactly when \"Require: 100rel\" is.\n"
			"- One more for each new reliable 1xx.\n"
			"- The same RSeq seen again and again: the PRACK is not arriving.",
		.related = (const char *const[]){
			"RAck", "PRACK", "Require", "180", "183", NULL,
		},
	},
	{
		.name = "Event",
		.ref = "RFC 6665 §8.2.1; RFC 3515",
		.summary =
			"names the event package of a SUBSCRIBE or NOTIFY (reg, presence, "
			"dialog, refer ...)",
		.what =
			"The package, and an id parameter when one dialog carries several "
			"subscriptions (for REFER, the id is the CSeq number of the REFER). "
			"Mandatory in SUBSCRIBE and NOTIFY.",
		.grammar = "  Event: reg\n  Event: refer;id=93809824\n  Compact form o.",
		.who_sets =
			"The subscriber in SUBSCRIBE; the notifier copies it into NOTIFY; "
			"\"refer\" for the implicit subscription of a REFER.",
		.inspect =
			"- The same package and id in the SUBSCRIBE and its NOTIFYs.\n"
			"- A package the notifier does not support gets 489 with Allow-Events.",
		.related = (const char *const[]){
			"SUBSCRIBE", "NOTIFY", "REFER", "Allow-Events", "Subscription-State", NULL,
		},
	},
	{
		.name = "Subscription-State",
		.ref = "RFC 6665 §4.1.3, §8.2.3",
		.summary =
			"in a NOTIFY: active, pending or terminated, with expires, reason and "
			"retry-after",
		.what =
			"The state of the subscription. active: authorized; pending: waiting for "
			"authorization; terminated: over, with a reason: deactivated or timeout "
			"(subscribe again now), probation or giveup (again after retry-after), "
			"rejected, noresource or invariant (do not try again). expires gives the "
			"time left.",
		.grammar =
			"  Subscription-State: active;expires=3600\n"
			"  Subscription-State: terminated;reason=timeout",
		.who_sets = "The notifier.",
		.inspect =
			"- The reason of a terminated subscription, and whether the subscriber "
			"acts on it.\n"
			"- expires against the SUBSCRIBE's Expires.",
		.related = (const char *const[]){
			"NOTIFY", "SUBSCRIBE", "Event", "Expires", NULL,
		},
	},
	{
		.name = "Allow-Events",
		.ref = "RFC 6665 §8.2.2",
		.summary = "the event packages the sender supports (also in a 489 Bad Event)",
		.what =
			"Lists the packages a UA or server accepts subscriptions for; a 489 Bad "
			"Event lists the supported ones here.",
		.grammar = "  Allow-Events: presence, dialog, refer\n  Compact form u.",
		.who_sets = "UAs and notifiers.",
		.inspect = "- Check it before subscribing to a package.",
		.related = (const char *const[]){
			"Event", "SUBSCRIBE", "NOTIFY", NULL,
		},
	},
	{
		.name = "Refer-To",
		.ref = "RFC 3515 §2.1",
		.summary =
			"in a REFER: the URI the recipient should contact (it may embed Replaces "
			"and other headers)",
		.what =
			"Exactly one, in every REFER. The URI may carry a method parameter and "
			"headers for the request to send, escaped inside it: an attended "
			"transfer embeds a Replaces that way. Angle brackets are needed when the "
			"URI has parameters or headers.",
		.grammar =
			"  Refer-To: <sip:carol@chicago.example.com>\n"
			"  Refer-To: "
			"<sip:carol@chicago.example.com?Replaces=12345%40host%3Bto-tag%3D12%3"
			"Bfrom-tag%3D34>\n"
			"  Compact form r.",
		.who_sets = "The transferor.",
		.inspect =
			"- Exactly one value.\n"
			"- Escaping of the embedded headers (%3B for \";\", %3D for \"=\", %40 "
			"for \"@\").\n"
			"- B2BUAs that rewrite the URI and break the embedded Replaces.",
		.related = (const char *const[]){
			"REFER", "Referred-By", "Replaces", "NOTIFY", NULL,
		},
	},
	{
		.name = "Referred-By",
		.ref = "RFC 3892",
		.summary =
			"who asked for a referral (transfer); copied from the REFER into the "
			"triggered INVITE",
		.what =
			"Names the party that sent the REFER, so that the transfer target knows "
			"who sent the call its way; it may be authenticated with a signed body "
			"(RFC 3892).",
		.grammar = "  Referred-By: <sip:bob@biloxi.example.com>\n  Compact form b.",
		.who_sets =
			"The transferor in the REFER; the transferee copies it into the INVITE.",
		.inspect = "- Present in the triggered INVITE when it was in the REFER.",
		.related = (const char *const[]){
			"REFER", "Refer-To", "INVITE", NULL,
		},
	},
	{
		.name = "Replaces",
		.ref = "RFC 3891",
		.summary =
			"in an INVITE: replace an existing dialog (attended transfer, call "
			"pickup)",
		.what =
			"Names a dialog at the recipient by its Call-ID and tags. The recipient "
			"accepts the new INVITE in place of that dialog, which it then ends "
			"(BYE). If no dialog matches, it answers 481. The option tag is replaces "
			"(in Supported).",
		.grammar =
			"  Replaces: 98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff\n"
			"  Also found escaped inside a Refer-To URI.",
		.who_sets =
			"The UA sending the INVITE (the transferee after a REFER, or a phone "
			"picking up a call).",
		.inspect =
			"- The tags as the recipient sees them: to-tag is the recipient's own "
			"tag of that dialog.\n"
			"- A 481 to the INVITE: the named dialog does not exist (any more).",
		.related = (const char *const[]){
			"REFER", "Refer-To", "INVITE", "481", NULL,
		},
	},
	{
		.name = "Refer-Sub",
		.ref = "RFC 4488",
		.summary = "in a REFER: false asks for no implicit subscription (no NOTIFYs)",
		.what =
			"\"Refer-Sub: false\" in a REFER asks the recipient not to create the "
			"refer subscription; a recipient that agrees echoes it in the 2xx and "
			"sends no NOTIFYs. Support is shown with the option tag norefersub.",
		.grammar = "  Refer-Sub: false",
		.who_sets = "The transferor (in the REFER) and the transferee (in its 2xx).",
		.inspect = "- Without the echo in the 2xx, NOTIFYs will still come.",
		.related = (const char *const[]){
			"REFER", "NOTIFY", "Supported", NULL,
		},
	},
	{
		.name = "Session-Expires",
		.ref = "RFC 4028",
		.summary =
			"session timer: the session ends unless refreshed within this interval; "
			"says who refreshes",
		.what =
			"A number of seconds and a refresher (uac or uas). The refresher sends a "
			"re-INVITE or an UPDATE before the interval runs out (at half of it is "
			"usual); without a refresh, either side ends the session with BYE "
			"shortly before expiry. It clears calls left hanging by a crash. The 2xx "
			"carries the interval and refresher finally chosen (\"Require: timer\" "
			"when the UAC supports it). A proxy may lower the interval, never below "
			"Min-SE; a value too small gets 422 with Min-SE.",
		.grammar = "  Session-Expires: 1800;refresher=uac\n  Compact form x.",
		.who_sets =
			"The UAC proposes; proxies may lower it; the UAS settles it in the 2xx.",
		.inspect =
			"- refresher in the 2xx, and refreshes arriving every half interval.\n"
			"- Calls dropping exactly at the interval: the refresh was not sent, or "
			"failed (405 or 481 to an UPDATE).\n"
			"- \"Supported: timer\" in the INVITE.",
		.related = (const char *const[]){
			"Min-SE", "re-INVITE", "UPDATE", "BYE", "Supported", NULL,
		},
	},
	{
		.name = "Min-SE",
		.ref = "RFC 4028",
		.summary =
			"the shortest session interval an element accepts (90 s at least); sent "
			"with a 422",
		.what =
			"Tells the others the smallest Session-Expires this element will take. A "
			"UAS or proxy that receives a smaller one answers 422 Session Interval "
			"Too Small with its Min-SE, and the UAC tries again with a larger "
			"interval.",
		.grammar = "  Min-SE: 90",
		.who_sets = "UACs and proxies in requests; the UAS or proxy in a 422.",
		.inspect = "- After a 422, the retry's Session-Expires is at least Min-SE.",
		.related = (const char *const[]){
			"Session-Expires", "re-INVITE", "UPDATE", NULL,
		},
	},
	{
		.name = "Accept-Contact",
		.ref = "RFC 3841; RFC 3840; 3GPP TS 24.229",
		.summary =
			"caller preferences: which kind of device should receive the request "
			"(feature tags)",
		.what =
			"Feature predicates (RFC 3840 feature tags) that the proxy matches "
			"against the Contacts registered for the target, to prefer or require "
			"devices that support a service. IMS voice calls carry the MMTel ICSI, "
			"so that they reach devices registered for MMTel; require and explicit "
			"make the preference mandatory.",
		.grammar =
			"  Accept-Contact: "
			"*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel\"\n"
			"  Compact form a.",
		.who_sets = "The UAC (the UE), or an application server.",
		.inspect =
			"- Are the Contacts of the callee registered with the same feature tags?"
			"\n"
			"- require and explicit turning a preference into a reason to skip "
			"devices.",
		.related = (const char *const[]){
			"Reject-Contact", "Request-Disposition", "Contact", "REGISTER", "INVITE",
			NULL,
		},
	},
	{
		.name = "Reject-Contact",
		.ref = "RFC 3841",
		.summary = "caller preferences: devices that must not receive the request",
		.what =
			"Feature predicates; a Contact registered with matching feature tags is "
			"left out of the target set.",
		.grammar = "  Reject-Contact: *;actor=\"msg-taker\";video\n  Compact form j.",
		.who_sets = "The UAC.",
		.inspect =
			"- A call that reaches none of the callee's devices: check what was "
			"rejected.",
		.related = (const char *const[]){
			"Accept-Contact", "Request-Disposition", "Contact", NULL,
		},
	},
	{
		.name = "Request-Disposition",
		.ref = "RFC 3841",
		.summary =
			"caller preferences for proxies: proxy or redirect, fork or not, cancel "
			"or not, parallel or sequential",
		.what =
			"Tokens that ask proxies how to handle the request: proxy or redirect, "
			"cancel or no-cancel, fork or no-fork, recurse or no-recurse, parallel "
			"or sequential, queue or no-queue. \"no-cancel\" asks a forking proxy "
			"not to cancel the other branches when one answers 2xx, so the caller "
			"receives every 2xx.",
		.grammar = "  Request-Disposition: proxy, recurse, parallel\n  Compact form d.",
		.who_sets = "The UAC.",
		.inspect =
			"- A forked call whose other branches were not cancelled: did the caller "
			"ask for no-cancel?",
		.related = (const char *const[]){
			"Accept-Contact", "Reject-Contact", "CANCEL", NULL,
		},
	},
	{
		.name = "Info-Package",
		.ref = "RFC 6086",
		.summary = "in an INFO: the Info Package its body belongs to",
		.what =
			"Names the package of an INFO request. The sender may only use packages "
			"that the receiver listed in Recv-Info; otherwise the receiver answers "
			"469 Bad Info Package. Legacy INFO (RFC 2976) has no Info-Package.",
		.grammar = "  Info-Package: foo",
		.who_sets = "The sender of the INFO.",
		.inspect = "- The package appears in the peer's Recv-Info.",
		.related = (const char *const[]){
			"INFO", "Recv-Info", "Content-Disposition", NULL,
		},
	},
	{
		.name = "Recv-Info",
		.ref = "RFC 6086",
		.summary = "the Info Packages a UA is willing to receive in INFO requests",
		.what =
			"Carried in the INVITE and its responses, in re-INVITEs, UPDATE and "
			"PRACK; an empty Recv-Info means no package at all. It is the list the "
			"peer's Info-Package values must come from; a 469 response lists the "
			"receiver's packages here.",
		.grammar = "  Recv-Info: foo, bar\n  Recv-Info:",
		.who_sets = "UAs in an INVITE dialog.",
		.inspect = "- What each side advertised, against the INFOs that follow.",
		.related = (const char *const[]){
			"INFO", "Info-Package", NULL,
		},
	},
	{
		.name = "Identity",
		.ref = "RFC 8224; RFC 8588 (SHAKEN)",
		.summary = "a signed assertion of the caller's identity (STIR/SHAKEN PASSporT)",
		.what =
			"A JSON Web Token (PASSporT) signed by the originating service provider, "
			"covering the calling and called numbers, a timestamp and, with SHAKEN, "
			"an attestation level (A, B, C). The terminating side verifies it with "
			"the certificate named in its info parameter.",
		.grammar =
			"  Identity: "
			"eyJhbGciOiJFUzI1NiIs...;info=<https://cert.example.org/p.cer>;alg=ES"
			"256;ppt=\"shaken\"\n"
			"  Compact form y.",
		.who_sets =
			"The originating provider's authentication service; verified at the "
			"terminating side.",
		.inspect =
			"- The attestation level and whether verification passed (a failed "
			"verification may end in 438).\n"
			"- The time stamp (stale tokens are refused).\n"
			"- Intermediate nodes that drop the header.",
		.related = (const char *const[]){
			"P-Asserted-Identity", "From", "INVITE", NULL,
		},
	},
	{
		.name = "Privacy",
		.ref = "RFC 3323; RFC 3325; 3GPP TS 24.607",
		.summary =
			"the privacy the user asks for: id, header, session, user, none, critical",
		.what =
			"Values: id (remove P-Asserted-Identity when leaving the trust domain, "
			"RFC 3325), header (hide headers that reveal identity or address), "
			"session (anonymize the media), user (user-level privacy), none (no "
			"privacy), critical (fail the request rather than go without the privacy "
			"asked). Caller-ID restriction in IMS (OIR, 3GPP TS 24.607) uses "
			"\"Privacy: id\" with an anonymous From.",
		.grammar = "  Privacy: id;header",
		.who_sets = "The UAC (the user's choice); a privacy service (a proxy) applies it.",
		.inspect =
			"- A restricted caller whose P-Asserted-Identity still leaks at the "
			"interconnect.\n"
			"- Inside the trust domain, an anonymous From with P-Asserted-Identity "
			"present is normal.\n"
			"- critical making calls fail where the network cannot provide privacy.",
		.related = (const char *const[]){
			"P-Asserted-Identity", "P-Preferred-Identity", "From", NULL,
		},
	},
};
/* clang-format on */

const struct explain_headers explain_headers_ext = {table, sizeof(table) / sizeof(table[0])};
