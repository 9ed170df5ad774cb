/* SPDX-License-Identifier: BSD-3-Clause */
/* sipkit explain: the header fields of RFC 3261. */
#include "explain.h"

/* clang-format off */
static const struct explain_header table[] = {
	{
		.name = "Via",
		.ref = "RFC 3261 §20.42, §8.1.1.7, §16.6 (step 8), §17.2.3, §18.2; RFC 3581",
		.summary =
			"the path a request took, one value per hop; the top value's branch "
			"names the transaction",
		.what =
			"Every element that sends a request (the UAC, then each proxy) puts a "
			"Via on top with its transport, its sent-by address and a branch that "
			"identifies its transaction (\"z9hG4bK\" followed by something unique). "
			"Responses travel back along the Vias: each hop removes its own and "
			"sends the response to the next one down. The top Via's branch and "
			"sent-by are the transaction key (§17.2.3); that is why the CANCEL and "
			"the ACK for a non-2xx repeat the INVITE's top Via exactly, and why "
			"every other new request gets a new branch.",
		.grammar =
			"  Via: SIP/2.0/UDP "
			"host[:port];branch=z9hG4bK...[;rport[=port]][;received=addr][;maddr=...]"
			"\n"
			"  Several values: comma-separated or on several lines; compact form v.\n"
			"  rport without value asks the server to write the source port (RFC "
			"3581).",
		.who_sets =
			"The UAC adds the first Via; each proxy pushes its own (a stateless "
			"proxy derives its branch from the request, so that retransmissions get "
			"the same one). The server that receives the request adds received= when "
			"the source address differs from sent-by, and rport= when asked. "
			"Responses: the UAS copies all Vias unchanged; each proxy removes its "
			"own.",
		.inspect =
			"- The branch starts with z9hG4bK; without the cookie, the old RFC 2543 "
			"matching applies.\n"
			"- Retransmissions of a request, its CANCEL and the ACK for a non-2xx "
			"keep the branch; every other request (the ACK for a 2xx included) has a "
			"new one.\n"
			"- received and rport against sent-by reveal NAT; responses must go to "
			"received:rport or they are lost.\n"
			"- The number of Vias is the number of hops so far; your own host twice "
			"means a loop (482).\n"
			"- The transport in the Via must be the one actually used (UDP in the "
			"Via on a TCP connection sends responses astray).",
		.related = (const char *const[]){
			"CANCEL", "ACK", "481", "482", "Max-Forwards", "Record-Route", NULL,
		},
	},
	{
		.name = "From",
		.ref = "RFC 3261 §20.20, §8.1.1.3, §19.3; RFC 3323",
		.summary =
			"the request's originator (a logical identity) and its tag, half of the "
			"dialog id",
		.what =
			"The initiator of the request: a URI, an optional display name, and a "
			"tag chosen at random by the UAC. It is not used for routing. Within a "
			"dialog each side keeps its own From (the other side's From is its To). "
			"The CANCEL and the ACK copy it from the INVITE. Nobody vouches for it: "
			"in IMS the trusted caller identity is P-Asserted-Identity.",
		.grammar =
			"  From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\n"
			"  From: \"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=hyh8   "
			"(privacy, RFC 3323)\n"
			"  Compact form f.",
		.who_sets =
			"The UAC. Proxies leave it alone; B2BUAs and SBCs may rewrite it "
			"(privacy, topology hiding) and map the tags.",
		.inspect =
			"- A tag is present (always, in RFC 3261 requests).\n"
			"- The same tag in the CANCEL, the ACK and the BYE as in the INVITE.\n"
			"- A tag that changes across a B2BUA (each leg is its own dialog).\n"
			"- For caller-ID questions, look at P-Asserted-Identity and Privacy "
			"rather than From.",
		.related = (const char *const[]){
			"To", "Call-ID", "P-Asserted-Identity", "Privacy", "CANCEL", NULL,
		},
	},
	{
		.name = "To",
		.ref = "RFC 3261 §20.39, §8.1.1.2, §8.2.6.2, §12",
		.summary =
			"the intended recipient and, once it answers, its tag: the other half of "
			"the dialog id",
		.what =
			"The logical target of the request (normally the address-of-record). An "
			"initial request has no To tag; the UAS adds one to its responses (not "
			"necessarily to a 100), the same one for every response to that request. "
			"Forks answer with different tags, hence different early dialogs. "
			"In-dialog requests carry the peer's tag. The CANCEL copies the INVITE's "
			"To, without tag; the ACK for a non-2xx carries the tag of the response "
			"it acknowledges.",
		.grammar =
			"  To: \"Bob\" <sip:bob@biloxi.example.com>;tag=a6c85cf\n"
			"  Compact form t.",
		.who_sets =
			"The UAC sets the URI; the UAS adds the tag in responses. A proxy that "
			"answers itself (407, 487, a 481 to a CANCEL) adds its own tag.",
		.inspect =
			"- A tag in a request means it belongs to a dialog.\n"
			"- Different tags in the 1xx or 2xx of one INVITE mean several forks "
			"answered.\n"
			"- A CANCEL must not carry a tag (`sipkit check`: cancel.to_tag).\n"
			"- The 200 to a CANCEL and the 487 to the INVITE should carry the same "
			"tag (§9.2).",
		.related = (const char *const[]){
			"From", "Call-ID", "CANCEL", "ACK", "481", NULL,
		},
	},
	{
		.name = "Call-ID",
		.ref = "RFC 3261 §20.8, §8.1.1.4, §10.2",
		.summary = "identifies a call or a registration; the same in every message of it",
		.what =
			"A globally unique identifier chosen by the UAC (random, often with a "
			"host part). With the two tags it forms the dialog id. Every REGISTER a "
			"UA sends to one registrar uses the same Call-ID so that the registrar "
			"can order them by CSeq. The CANCEL and the ACK copy the INVITE's. The "
			"side that chose it \"owns\" it, which sets its back-off after a 491.",
		.grammar =
			"  Call-ID: f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.example.com\n"
			"  Compact form i. Case-sensitive; compared byte by byte.",
		.who_sets = "The UAC. Only B2BUAs change it, keeping a mapping between their legs.",
		.inspect =
			"- The same value in INVITE, CANCEL, ACK and BYE.\n"
			"- A different Call-ID on each side of a B2BUA or SBC: correlate with "
			"other values (IMS: the icid of P-Charging-Vector).\n"
			"- A registration that changes Call-ID at every refresh defeats CSeq "
			"ordering at the registrar.",
		.related = (const char *const[]){
			"From", "To", "CSeq", "CANCEL", "491", NULL,
		},
	},
	{
		.name = "CSeq",
		.ref = "RFC 3261 §20.16, §8.1.1.5, §12.2.1.1, §22.2",
		.summary =
			"sequence number and method of a request; a response carries its "
			"request's CSeq",
		.what =
			"Orders requests within a dialog and ties responses to their requests: "
			"the method tells which request a response answers (\"200 OK\" with "
			"\"CSeq: 1 CANCEL\" against \"487\" with \"CSeq: 1 INVITE\"). Each new "
			"request in a dialog takes the next number, except the ACK and the "
			"CANCEL, which reuse the INVITE's number with their own method. PRACK "
			"takes a new number. A REGISTER with the same Call-ID takes the next "
			"number, and so does a request sent again with credentials (§22.2).",
		.grammar =
			"  CSeq: 4711 INVITE\n"
			"  The number is a 32-bit unsigned integer; the first one of a dialog is "
			"below 2^31.",
		.who_sets =
			"The UAC (each UA keeps its own local sequence in a dialog); the UAS "
			"copies it into responses.",
		.inspect =
			"- Read the method of a response's CSeq before anything else.\n"
			"- CANCEL: the INVITE's number, method CANCEL (`sipkit check`: "
			"cancel.cseq_method).\n"
			"- ACK: the INVITE's number, method ACK.\n"
			"- In-dialog numbers that go down get 500.\n"
			"- The RAck of a PRACK contains the INVITE's CSeq.",
		.related = (const char *const[]){
			"CANCEL", "ACK", "PRACK", "RAck", "200", "500", NULL,
		},
	},
	{
		.name = "Max-Forwards",
		.ref = "RFC 3261 §20.22, §8.1.1.6, §16.3 (step 3), §16.6 (step 3)",
		.summary = "hop limit: each proxy takes one off, and 0 gets 483",
		.what =
			"An integer from 0 to 255. The UAC sets it (70 is the usual value); each "
			"proxy decrements it before forwarding; a request that arrives with 0 is "
			"not forwarded but answered 483 (an OPTIONS may be answered by the proxy "
			"itself). It bounds loops that loop detection did not catch.",
		.grammar = "  Max-Forwards: 70",
		.who_sets =
			"The UAC; every proxy decrements it. B2BUAs often start a new count, "
			"which hides loops.",
		.inspect =
			"- The initial value (some devices start far too low).\n"
			"- A decrease of exactly one per proxy along the path.\n"
			"- 0 gets 483; a CANCEL starts with a fresh value at every hop (it is a "
			"new request there).",
		.related = (const char *const[]){
			"483", "482", "Via", "OPTIONS", NULL,
		},
	},
	{
		.name = "Contact",
		.ref = "RFC 3261 §20.10, §8.1.1.8, §10.2.1, §12.1; RFC 3840; RFC 5626",
		.summary =
			"where to reach the sender directly: a dialog's remote target, a "
			"registered binding, or a redirect target",
		.what =
			"In requests and responses that create dialogs (INVITE, SUBSCRIBE, REFER "
			"and their 1xx and 2xx) it gives the URI that later in-dialog requests "
			"are sent to: the remote target. In REGISTER it lists the bindings to "
			"store, with expires, q, +sip.instance, reg-id and feature tags. In a "
			"3xx it lists where to try instead. \"*\" appears only in a REGISTER "
			"with Expires: 0. A MESSAGE has none.",
		.grammar =
			"  Contact: \"Bob\" "
			"<sip:bob@192.0.2.4:5060;transport=tcp>;expires=3600;q=0.7\n"
			"  Contact: *\n"
			"  Compact form m.",
		.who_sets =
			"The UAs. NAT helpers (ALGs, SBCs) may rewrite it; registrars return the "
			"current bindings in the 200 to REGISTER.",
		.inspect =
			"- Reachable from the other side: a private address behind NAT loses the "
			"ACK, the BYE and incoming calls.\n"
			"- The transport parameter matches what the UA listens on.\n"
			"- IMS: the protected port of the UE's security association, and feature "
			"tags such as +g.3gpp.icsi-ref and +sip.instance.\n"
			"- A 2xx to an INVITE carries exactly one Contact.",
		.related = (const char *const[]){
			"REGISTER", "INVITE", "3xx", "Record-Route", "Route", "Expires", NULL,
		},
	},
	{
		.name = "Route",
		.ref = "RFC 3261 §20.34, §12.2.1.1, §16.4, §16.12; RFC 3608",
		.summary =
			"the proxies a request must visit, in order: a dialog's route set, or a "
			"preloaded route",
		.what =
			"A list of URIs the request passes through before reaching its "
			"Request-URI. In a dialog it is the route set learnt from Record-Route "
			"(reversed on the caller's side). Outside a dialog it is a preloaded "
			"route: an outbound proxy, or in IMS the P-CSCF followed by the "
			"Service-Route learnt at registration. A loose router (lr parameter) "
			"keeps the Request-URI and removes its own Route entry (§16.4); a "
			"strict router (RFC 2543, no lr) puts the first Route into the "
			"Request-URI.",
		.grammar = "  Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>",
		.who_sets =
			"The UAC, from the route set or its configuration; each proxy removes "
			"the entry that names it.",
		.inspect =
			"- lr present on every entry (otherwise strict routing rewrites the "
			"Request-URI).\n"
			"- The first entry decides the next hop.\n"
			"- A CANCEL and the ACK for a non-2xx carry the INVITE's Route values "
			"(`sipkit check`: cancel.route_mismatch).\n"
			"- IMS: first the P-CSCF (its protected port), then the S-CSCF from "
			"Service-Route.",
		.related = (const char *const[]){
			"Record-Route", "Service-Route", "Path", "CANCEL", "ACK", NULL,
		},
	},
	{
		.name = "Record-Route",
		.ref = "RFC 3261 §20.30, §16.6 (step 4), §12.1.1, §12.1.2",
		.summary =
			"proxies that want to stay in the path of the dialog add themselves here",
		.what =
			"A proxy that adds a Record-Route to a request that creates a dialog "
			"(INVITE, SUBSCRIBE, REFER) asks to see the later requests of that "
			"dialog. The UAS copies the Record-Route values into its 1xx and 2xx, "
			"and both UAs build their route set from them. Without any, in-dialog "
			"requests (the ACK for a 2xx, BYE, re-INVITE) go directly from UA to UA.",
		.grammar =
			"  Record-Route: <sip:proxy.example.com;lr>\n"
			"  A proxy between two networks may add two values, one for each side "
			"(double record-routing).",
		.who_sets =
			"Proxies, in requests; the UAS copies them into responses in the same "
			"order.",
		.inspect =
			"- Present in both the INVITE and its 1xx and 2xx, in the same order.\n"
			"- lr present; addresses reachable from both sides (double "
			"record-routing across networks).\n"
			"- IMS: the P-CSCF and the S-CSCF record-route; if they are missing, the "
			"ACK and the BYE bypass them (charging, NAT, policy).",
		.related = (const char *const[]){
			"Route", "Contact", "ACK", "BYE", "re-INVITE", NULL,
		},
	},
	{
		.name = "Content-Length",
		.ref = "RFC 3261 §20.14, §18.3, §18.1.1",
		.summary = "size of the body in bytes; required for framing over TCP and TLS",
		.what =
			"The number of octets of the body. Over stream transports it is how the "
			"receiver finds the end of a message (§18.3), so it must be present, "
			"with 0 when there is no body. Over UDP, a value larger than what "
			"arrived makes the message be discarded, a smaller one truncates the "
			"body.",
		.grammar = "  Content-Length: 349\n  Compact form l.",
		.who_sets =
			"The sender of the message; any element that changes the body (an SBC or "
			"ALG rewriting SDP) must recompute it.",
		.inspect =
			"- It equals the number of bytes after the blank line.\n"
			"- A NAT helper that rewrote the SDP without fixing it (400 at the next "
			"hop).\n"
			"- Two Content-Length headers.\n"
			"- A CANCEL or BYE over TCP without \"Content-Length: 0\".",
		.related = (const char *const[]){
			"Content-Type", "400", NULL,
		},
	},
	{
		.name = "Content-Type",
		.ref = "RFC 3261 §20.15, §8.2.3",
		.summary =
			"the media type of the body (application/sdp, multipart/mixed, "
			"message/sipfrag ...)",
		.what =
			"Required whenever there is a body. Common values: application/sdp "
			"(sessions); multipart/mixed;boundary=... (SDP with a location object "
			"for emergency calls, or with ISUP); message/sipfrag (NOTIFY for REFER); "
			"application/pidf+xml (presence); application/reginfo+xml (reg event); "
			"application/vnd.3gpp.sms (SMS over IP); text/plain and message/cpim "
			"(MESSAGE).",
		.grammar =
			"  Content-Type: application/sdp\n"
			"  type/subtype followed by ;parameters (boundary, charset ...). Compact "
			"form c.",
		.who_sets = "The sender of the body.",
		.inspect =
			"- It matches the body actually sent.\n"
			"- The receiver accepts it (otherwise 415, with Accept listing what it "
			"takes).\n"
			"- Multipart boundaries, and the charset of text bodies.",
		.related = (const char *const[]){
			"Content-Length", "Content-Disposition", "Content-Encoding", "Accept",
			"488", NULL,
		},
	},
	{
		.name = "Content-Encoding",
		.ref = "RFC 3261 §20.12",
		.summary = "an encoding applied to the body (gzip); rare in practice",
		.what =
			"Says the body was encoded (compressed) and must be decoded before use "
			"according to Content-Type. A receiver that does not support the "
			"encoding answers 415 with Accept-Encoding.",
		.grammar = "  Content-Encoding: gzip\n  Compact form e.",
		.who_sets = "The sender of the body.",
		.inspect = "- Rarely seen; if present, check the receiver supports it.",
		.related = (const char *const[]){
			"Content-Type", "Content-Length", NULL,
		},
	},
	{
		.name = "Content-Disposition",
		.ref = "RFC 3261 §20.11; RFC 6086",
		.summary =
			"how the receiver should use the body: session, render, alert, icon, "
			"info-package",
		.what =
			"session (the default for SDP), render (show it), icon, alert (a ring "
			"tone), info-package (the body of an INFO belongs to its Info Package, "
			"RFC 6086), early-session. The handling parameter says whether the "
			"receiver may ignore a body type it does not understand (optional) or "
			"must reject the request (required, the default).",
		.grammar = "  Content-Disposition: session;handling=required",
		.who_sets = "The sender of the body.",
		.inspect =
			"- An unknown disposition with handling=required makes the request fail "
			"with 415.",
		.related = (const char *const[]){
			"Content-Type", "INFO", NULL,
		},
	},
	{
		.name = "Require",
		.ref = "RFC 3261 §20.32, §8.2.2.3, §9.1",
		.summary =
			"option tags the UAS must support to process the request (else 420 Bad "
			"Extension)",
		.what =
			"In a request: the extensions the UAS must apply (100rel, precondition, "
			"timer, sec-agree ...); a UAS that lacks one answers 420 with "
			"Unsupported. In a response: the extensions applied (100rel in a "
			"reliable 1xx, timer with Session-Expires in a 2xx). Proxies ignore it "
			"(they read Proxy-Require). A CANCEL must not carry it (§9.1).",
		.grammar = "  Require: 100rel, precondition",
		.who_sets = "The UAC in requests, the UAS in responses.",
		.inspect =
			"- A 420 with Unsupported names the tag that failed.\n"
			"- IMS: precondition and 100rel in UE INVITEs, sec-agree in REGISTER.\n"
			"- A CANCEL with Require (`sipkit check`: cancel.require).",
		.related = (const char *const[]){
			"Proxy-Require", "Supported", "Unsupported", "PRACK", "CANCEL", NULL,
		},
	},
	{
		.name = "Proxy-Require",
		.ref = "RFC 3261 §20.29, §16.3 (step 5), §9.1; RFC 3329",
		.summary = "option tags every proxy on the path must support (else 420)",
		.what =
			"Like Require, but for proxies: a proxy that does not support one of the "
			"tags answers 420 with Unsupported (§16.3). IMS uses \"Proxy-Require: "
			"sec-agree\" in REGISTER so that the P-CSCF applies the security "
			"agreement of RFC 3329. A CANCEL must not carry it.",
		.grammar = "  Proxy-Require: sec-agree",
		.who_sets = "The UAC.",
		.inspect =
			"- A 420 from a proxy, and its Unsupported value.\n"
			"- A CANCEL with Proxy-Require (cancel.require).",
		.related = (const char *const[]){
			"Require", "Unsupported", "Security-Client", "CANCEL", NULL,
		},
	},
	{
		.name = "Supported",
		.ref = "RFC 3261 §20.37, §8.2.4",
		.summary = "option tags the sender understands, which the other side may then use",
		.what =
			"Advertises extensions: 100rel, timer, replaces, norefersub, path, gruu, "
			"outbound, precondition, sec-agree, histinfo ... A UAS may apply an "
			"extension in its response only if the request listed it in Supported or "
			"Require (§8.2.4).",
		.grammar = "  Supported: 100rel, timer, replaces\n  Compact form k.",
		.who_sets = "UAs in requests and responses; registrars in responses.",
		.inspect =
			"- A reliable 1xx is possible only if the INVITE listed 100rel.\n"
			"- Session timers need timer; the Path mechanism needs path.",
		.related = (const char *const[]){
			"Require", "Unsupported", "Allow", "PRACK", "Path", NULL,
		},
	},
	{
		.name = "Unsupported",
		.ref = "RFC 3261 §20.40, §8.1.3.5",
		.summary = "in a 420 response: the option tags the server does not support",
		.what =
			"Lists the tags of Require or Proxy-Require that the server does not "
			"support. The client should try again without them, if it can do without "
			"the extension (§8.1.3.5).",
		.grammar = "  Unsupported: precondition",
		.who_sets = "The UAS or proxy answering 420.",
		.inspect =
			"- Compare with the Require and Proxy-Require of the request.\n"
			"- The retry should drop the extension, or the call should fail cleanly.",
		.related = (const char *const[]){
			"Require", "Proxy-Require", "Supported", NULL,
		},
	},
	{
		.name = "Allow",
		.ref = "RFC 3261 §20.5, §13.3.1.4, §21.4.6",
		.summary = "the methods the sender accepts",
		.what =
			"A list of methods. Mandatory in a 405 response; recommended in a 2xx to "
			"INVITE (§13.3.1.4), so that the caller knows whether it may use "
			"UPDATE, PRACK, INFO or REFER during the call. Also in the 200 to "
			"OPTIONS.",
		.grammar =
			"  Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE, REFER, "
			"NOTIFY, MESSAGE",
		.who_sets = "UAs.",
		.inspect =
			"- Before sending UPDATE, INFO or REFER, check the peer listed it.\n"
			"- ACK and CANCEL are always supported, listed or not.",
		.related = (const char *const[]){
			"Supported", "OPTIONS", "UPDATE", "INFO", "REFER", NULL,
		},
	},
	{
		.name = "Accept",
		.ref = "RFC 3261 §20.1, §21.4.13",
		.summary = "body types the sender can receive (application/sdp when absent)",
		.what =
			"In a request: the body types acceptable in the response, or in later "
			"requests of the dialog (SUBSCRIBE: the bodies of the NOTIFYs). In a "
			"415: the types the server takes. Without it, application/sdp is "
			"assumed. IMS UEs list application/3gpp-ims+xml so that they can receive "
			"the XML body of a 380 or 504.",
		.grammar = "  Accept: application/sdp, application/3gpp-ims+xml",
		.who_sets = "UAs.",
		.inspect =
			"- In 415 responses: what to send instead.\n"
			"- SUBSCRIBE's Accept against the Content-Type of the NOTIFYs.",
		.related = (const char *const[]){
			"Content-Type", "OPTIONS", "SUBSCRIBE", "488", NULL,
		},
	},
	{
		.name = "Expires",
		.ref = "RFC 3261 §20.19, §10.2.1.1, §13.2.1, §13.3.1; RFC 6665",
		.summary =
			"a lifetime in seconds: of a registration, a subscription, an "
			"invitation, or cached Contacts",
		.what =
			"REGISTER: the lifetime of every Contact without its own expires "
			"parameter; 0 removes them. SUBSCRIBE: the duration asked for, and in "
			"the 200 the duration granted; 0 ends the subscription. INVITE: how long "
			"the invitation stands: when it runs out, the caller cancels (§13.2.1) "
			"and the callee answers 487 (§13.3.1). In a 3xx: how long the Contacts "
			"may be cached.",
		.grammar = "  Expires: 3600",
		.who_sets = "The UAC; registrars and notifiers in their responses.",
		.inspect =
			"- Granted against requested, and refreshes scheduled before the end.\n"
			"- 423 Interval Too Brief with Min-Expires: the value asked is too short."
			"\n"
			"- An INVITE's Expires that ends the ringing after N seconds with a 487 "
			"the caller did not ask for.",
		.related = (const char *const[]){
			"REGISTER", "SUBSCRIBE", "Min-Expires", "Contact", "487", NULL,
		},
	},
	{
		.name = "Min-Expires",
		.ref = "RFC 3261 §20.23, §10.3; RFC 6665",
		.summary = "in a 423 Interval Too Brief: the shortest lifetime the server accepts",
		.what =
			"A registrar (or notifier) that finds the requested lifetime too short "
			"answers 423 with Min-Expires; the client asks again with at least that "
			"value.",
		.grammar = "  Min-Expires: 600",
		.who_sets = "Registrars and notifiers, in a 423.",
		.inspect =
			"- The retry uses at least Min-Expires; a client that retries with the "
			"same value loops.",
		.related = (const char *const[]){
			"Expires", "REGISTER", "SUBSCRIBE", NULL,
		},
	},
	{
		.name = "Authorization",
		.ref =
			"RFC 3261 §20.7, §22.2, §22.4; RFC 3310; RFC 7616; 3GPP TS 24.229 "
			"§5.1.1",
		.summary =
			"the client's credentials answering a 401 (WWW-Authenticate) from a UAS "
			"or registrar",
		.what =
			"The digest response computed from the challenge (realm, nonce) and the "
			"user's credentials. The client sends it in the retry after a 401 and "
			"may keep sending it in later requests to the same realm. IMS: the UE "
			"puts it in its very first REGISTER with username set to the private "
			"identity (IMPI) and empty nonce and response, so that the S-CSCF knows "
			"whom to challenge; the P-CSCF adds integrity-protected to say whether "
			"the request came over the security association.",
		.grammar =
			"  Authorization: Digest username=\"alice\", realm=\"example.com\", "
			"nonce=\"...\",\n"
			"      uri=\"sip:example.com\", response=\"...\", algorithm=MD5, "
			"qop=auth, nc=00000001, cnonce=\"...\"",
		.who_sets = "The UAC; in IMS the P-CSCF adds integrity-protected.",
		.inspect =
			"- realm and nonce equal the challenge's; uri equals the Request-URI.\n"
			"- nc increments with qop; the algorithm is one the server offered.\n"
			"- IMS: algorithm AKAv1-MD5, and auts when the UE resynchronises.",
		.related = (const char *const[]){
			"WWW-Authenticate", "401", "REGISTER", "Proxy-Authorization", NULL,
		},
	},
	{
		.name = "WWW-Authenticate",
		.ref = "RFC 3261 §20.44, §22.2; RFC 3310; 3GPP TS 33.203",
		.summary = "the challenge of a 401: realm, nonce, algorithm, qop",
		.what =
			"The UAS or registrar asks the client to authenticate. stale=true says "
			"the nonce has expired but the earlier credentials were right. IMS: "
			"algorithm=AKAv1-MD5 and a nonce carrying RAND and AUTN; between S-CSCF "
			"and P-CSCF the header also carries the keys ck and ik, which the P-CSCF "
			"removes before the UE sees it.",
		.grammar =
			"  WWW-Authenticate: Digest realm=\"example.com\", nonce=\"...\", "
			"algorithm=MD5, qop=\"auth\"\n"
			"  WWW-Authenticate: Digest realm=\"ims.example.com\", nonce=\"<base64 "
			"RAND|AUTN>\",\n"
			"      algorithm=AKAv1-MD5, qop=\"auth\"",
		.who_sets = "UASs and registrars (the S-CSCF); the P-CSCF strips ck and ik.",
		.inspect =
			"- stale=true: recompute with the new nonce.\n"
			"- An algorithm the client supports.\n"
			"- IMS: no ck or ik must reach the UE.",
		.related = (const char *const[]){
			"Authorization", "401", "Proxy-Authenticate", "Security-Server", NULL,
		},
	},
	{
		.name = "Proxy-Authorization",
		.ref = "RFC 3261 §20.28, §22.3, §13.2.2.4",
		.summary = "the client's credentials answering a 407 from a proxy",
		.what =
			"Like Authorization, for a proxy's challenge. Each proxy uses the value "
			"for its own realm and leaves the others. The ACK for a 2xx carries the "
			"same credentials as its INVITE (§13.2.2.4).",
		.grammar =
			"  Proxy-Authorization: Digest username=\"alice\", "
			"realm=\"atlanta.example.com\", nonce=\"...\",\n"
			"      uri=\"sip:bob@biloxi.example.com\", response=\"...\"",
		.who_sets = "The UAC.",
		.inspect =
			"- The realm of the proxy that challenged.\n"
			"- Not confused with Authorization (a 407 is answered with "
			"Proxy-Authorization).",
		.related = (const char *const[]){
			"Proxy-Authenticate", "407", "Authorization", NULL,
		},
	},
	{
		.name = "Proxy-Authenticate",
		.ref = "RFC 3261 §20.27, §22.3, §16.7",
		.summary = "the challenge of a 407 from a proxy",
		.what =
			"A proxy's digest challenge. When several proxies challenge, there may "
			"be several values; a forking proxy gathers the challenges of its "
			"branches into one response (§16.7).",
		.grammar =
			"  Proxy-Authenticate: Digest realm=\"atlanta.example.com\", "
			"nonce=\"...\", qop=\"auth\", algorithm=MD5",
		.who_sets = "Proxies.",
		.inspect = "- Which proxy (realm) challenged; answer each challenge.",
		.related = (const char *const[]){
			"Proxy-Authorization", "407", "WWW-Authenticate", NULL,
		},
	},
	{
		.name = "User-Agent",
		.ref = "RFC 3261 §20.41",
		.summary = "the software of the UAC (product and version), for interop diagnosis",
		.what =
			"Free text naming the client's software. Useful to tell which vendor and "
			"version is behind an interoperability problem; never a basis for "
			"security decisions.",
		.grammar = "  User-Agent: Softphone Beta1.5",
		.who_sets = "The UAC; SBCs sometimes remove it.",
		.inspect = "- Which product and version sent the request.",
		.related = (const char *const[]){
			"Server", "Warning", NULL,
		},
	},
	{
		.name = "Server",
		.ref = "RFC 3261 §20.35",
		.summary = "the software of the server that generated a response",
		.what =
			"Free text naming the software that produced the response: the quickest "
			"way to learn which element answered (the phone, a proxy, an SBC).",
		.grammar = "  Server: HomeServer v2",
		.who_sets = "The element generating the response.",
		.inspect = "- Which element really sent a 481, 403 or 503.",
		.related = (const char *const[]){
			"User-Agent", "Warning", NULL,
		},
	},
	{
		.name = "Warning",
		.ref = "RFC 3261 §20.43",
		.summary = "extra diagnostic in a response: a warn-code, the agent, a quoted text",
		.what =
			"Three-digit warn-codes: 300 to 399 describe session-description "
			"problems (300 incompatible network protocol, 301 network address "
			"formats, 302 transport protocol, 303 bandwidth units, 304 media type "
			"not available, 305 incompatible media format, 306 attribute not "
			"understood, 307 parameter not understood, 330 multicast not available, "
			"331 unicast not available, 370 insufficient bandwidth); 399 is anything "
			"else. The agent names the element that added it.",
		.grammar =
			"  Warning: 307 isi.edu \"Session parameter 'foo' not understood\"\n"
			"  Warning: 399 proxy.example.com \"Missing CSeq\"",
		.who_sets = "UASs and proxies, in responses (a 488 should carry one, §14.2).",
		.inspect =
			"- The agent tells which element complained; the text says why.\n"
			"- sipkit's 400 responses carry a 399 with the parse error.",
		.related = (const char *const[]){
			"488", "400", "Server", NULL,
		},
	},
	{
		.name = "Retry-After",
		.ref = "RFC 3261 §20.33, §14.2, §21.5.4",
		.summary = "when to try again: seconds, optionally a duration and a comment",
		.what =
			"In 404, 413, 480, 486, 500, 503, 600 and 603 responses: when the "
			"request may succeed. A 500 to an overlapping INVITE or UPDATE carries 0 "
			"to 10 s. A 503 means: do not send to this server for that long; a 503 "
			"without it is treated as a 500.",
		.grammar =
			"  Retry-After: 18000;duration=3600\n"
			"  Retry-After: 120 (I'm in a meeting)",
		.who_sets = "The server.",
		.inspect =
			"- Clients that all retry at the same second.\n"
			"- A 503 without Retry-After.",
		.related = (const char *const[]){
			"503", "500", "480", "486", NULL,
		},
	},
	{
		.name = "Subject",
		.ref = "RFC 3261 §20.36",
		.summary = "a short summary or the nature of the call or message",
		.what =
			"Free text the caller may attach to an INVITE or MESSAGE, for display. "
			"It has no protocol meaning.",
		.grammar = "  Subject: Project X\n  Compact form s.",
		.who_sets = "The UAC.",
		.inspect = "- Informational only; mind privacy when it is shown to the callee.",
		.related = (const char *const[]){
			"INVITE", "MESSAGE", NULL,
		},
	},
	{
		.name = "Alert-Info",
		.ref = "RFC 3261 §20.4; RFC 7462",
		.summary = "an alternative ring tone (in an INVITE) or ringback tone (in a 180)",
		.what =
			"A URI of a tone to play instead of the default: in an INVITE, how the "
			"callee's phone should ring; in a 180, what the caller should hear. PBXs "
			"use it for distinctive ringing (internal, external, priority) and "
			"auto-answer; RFC 7462 defines urn:alert values.",
		.grammar =
			"  Alert-Info: <http://www.example.com/sounds/moo.wav>\n"
			"  Alert-Info: <urn:alert:service:call-waiting>",
		.who_sets = "The UAC or a PBX or proxy on its behalf.",
		.inspect =
			"- Phones fetching tones from untrusted URLs (a security and privacy "
			"concern).\n"
			"- Vendor-specific values that the callee does not understand.",
		.related = (const char *const[]){
			"INVITE", "180", NULL,
		},
	},
};
/* clang-format on */

const struct explain_headers explain_headers_core = {table, sizeof(table) / sizeof(table[0])};
