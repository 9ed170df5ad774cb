/* SPDX-License-Identifier: BSD-3-Clause */
/* sipkit explain: request failures from 400 to 408. */
#include "explain.h"

/* clang-format off */
static const struct explain_response table[] = {
	{
		.code = 400,
		.name = "400",
		.phrase = "Bad Request",
		.ref = "RFC 3261 §21.4.1, §8.1.1, §8.2; RFC 4475",
		.summary =
			"the request is malformed or lacks a mandatory header; the phrase or a "
			"Warning says what",
		.purpose =
			"The server could not understand the request: a syntax error, a missing "
			"mandatory header (To, From, CSeq, Call-ID, Max-Forwards, Via; §8.1.1), "
			"a Content-Length that does not fit the body, a broken parameter. The "
			"reason phrase should name the problem (\"Missing Call-ID header "
			"field\") and a Warning (code 399) may add details. Extensions also use "
			"400 for semantic errors, such as a REFER without exactly one Refer-To. "
			"4xx means: do not send the same request again unchanged.",
		.call_flow =
			"Right after the bad request, from the first element that parses it (a "
			"proxy or the UAS). sipkit's transport answers unparseable requests with "
			"400 and a \"Warning: 399\" saying why, when it can still read the Via, "
			"From, To, Call-ID and CSeq needed to address the response; if even the "
			"Via cannot be read, the request is dropped.",
		.who_sends = "Any proxy or UAS that parses the request.",
		.headers = (const struct explain_hdr_use[]){
			{"Warning", EXPLAIN_OPTIONAL,
			 "399 and the text of the problem."},
			{"Via", EXPLAIN_REQUIRED,
			 "Copied from the request, as far as it could be parsed."},
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
		.what_follows =
			"The ACK if the request was an INVITE. The client should fix the "
			"request, not resend it.",
		.failures =
			"- A NAT or ALG rewrote the SDP without fixing Content-Length.\n"
			"- Header syntax the peer's parser does not accept: folded lines, "
			"unusual whitespace, UTF-8 in display names, IPv6 addresses without "
			"brackets.\n"
			"- A UDP datagram truncated on the way (a message too big for the path)."
			"\n"
			"- A CANCEL, ACK or BYE built with missing or malformed fields.",
		.troubleshooting =
			"1. Read the reason phrase and the Warning.\n"
			"2. Run `sipkit decode` on the exact bytes: it gives line, column, "
			"header and reason.\n"
			"3. Compare Content-Length with the real body size, hop by hop, to find "
			"a rewriting middlebox.",
		.related = (const char *const[]){
			"Warning", "Content-Length", "Via", "481", "483", NULL,
		},
	},
	{
		.code = 401,
		.name = "401",
		.phrase = "Unauthorized",
		.ref =
			"RFC 3261 §21.4.2, §22.2, §22.4; RFC 3310 (Digest AKA); 3GPP TS "
			"24.229 §5.1.1, §5.4.1; 3GPP TS 33.203",
		.summary =
			"an authentication challenge from a UAS or registrar: retry with "
			"Authorization (IMS: AKA at REGISTER)",
		.purpose =
			"The UAS or registrar wants the client to authenticate. WWW-Authenticate "
			"carries the challenge: realm, nonce, algorithm (MD5, SHA-256; AKAv1-MD5 "
			"in IMS), qop, opaque. The client sends the request again with an "
			"Authorization header computed from its credentials and the CSeq "
			"incremented (§22.2). Proxies challenge with 407 instead. CANCEL and "
			"ACK are never challenged.\n"
			"\n"
			"IMS AKA: the S-CSCF gets an authentication vector from the HSS and "
			"answers the first REGISTER with 401, algorithm=AKAv1-MD5 and a nonce "
			"holding RAND and AUTN; it also gives the P-CSCF the integrity and "
			"ciphering keys (ik, ck), which the P-CSCF removes before passing the "
			"401 on and uses for the IPsec SAs, adding its Security-Server. The ISIM "
			"checks AUTN (the network proves itself) and computes RES, used as the "
			"password of the digest in the next REGISTER, sent over the new SAs.",
		.call_flow =
			"  UE                         S-CSCF (via P-CSCF, I-CSCF)\n"
			"  REGISTER ------------------>\n"
			"    <------------------------ 401 (WWW-Authenticate: AKA nonce; "
			"Security-Server from the P-CSCF)\n"
			"  REGISTER (Authorization) -->   over IPsec\n"
			"    <------------------------ 200\n"
			"VoIP: registrars challenge every new registration, often every refresh; "
			"a callee's UA may challenge an INVITE (the 401 to an INVITE is ACKed "
			"first).",
		.who_sends = "UASs and registrars (the S-CSCF in IMS).",
		.headers = (const struct explain_hdr_use[]){
			{"WWW-Authenticate", EXPLAIN_REQUIRED,
			 "The challenge."},
			{"Security-Server", EXPLAIN_CONDITIONAL,
			 "IMS: added by the P-CSCF to the 401 to REGISTER, its IPsec parameters."},
			EXPLAIN_HDRS_COPIED,
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"The same request with Authorization and CSeq + 1 (for an INVITE, after "
			"ACKing the 401).",
		.failures =
			"- A loop of 401s: wrong password or username, realm mismatch, a digest "
			"URI different from the Request-URI, nc not incremented with qop.\n"
			"- stale=true: the nonce expired; recompute with the new one, the "
			"password is fine.\n"
			"- An algorithm the client does not support (SHA-256).\n"
			"- IMS: AUTN rejected by the ISIM (MAC failure), or a sequence number "
			"out of range, answered with auts to resynchronise; the second REGISTER "
			"not sent over the SAs, or Security-Verify not equal to Security-Server; "
			"ck and ik leaking to the UE.\n"
			"- A 401 to a CANCEL: wrong, a CANCEL cannot be resubmitted (§9.2).",
		.troubleshooting =
			"1. Compare realm, nonce, uri, qop, nc and response between challenge "
			"and retry.\n"
			"2. Check the CSeq of the retry is one higher.\n"
			"3. Count the challenges: more than one per registration means the "
			"credentials are wrong.\n"
			"4. IMS: Security-Client, Security-Server and Security-Verify, and the "
			"ports of the second REGISTER.",
		.related = (const char *const[]){
			"407", "403", "REGISTER", "WWW-Authenticate", "Authorization",
			"Security-Server", "Security-Client", "Security-Verify", NULL,
		},
	},
	{
		.code = 403,
		.name = "403",
		.phrase = "Forbidden",
		.ref = "RFC 3261 §21.4.4, §15; 3GPP TS 24.229",
		.summary =
			"the server understood and refuses; credentials will not help, do not "
			"repeat",
		.purpose =
			"A policy refusal: the server knows who the client is (or does not need "
			"to) and will not do it: calling that destination is not allowed, the "
			"subscriber is barred, the identity may not register here, the request "
			"came from an unregistered contact. RFC 3261 also suggests 403 for a "
			"callee who rejects a call from the phone's UI before answering (§15). "
			"In IMS, typical sources are the S-CSCF refusing a registration (public "
			"identity not tied to the private one, roaming not allowed) and the "
			"P-CSCF refusing requests that do not come over the UE's security "
			"association.",
		.call_flow =
			"Right after the refused request; for an INVITE it is ACKed hop by hop.",
		.who_sends = "Registrars, proxies, application servers, UASs.",
		.headers = (const struct explain_hdr_use[]){
			{"Warning", EXPLAIN_OPTIONAL,
			 "A text with the reason."},
			EXPLAIN_HDRS_COPIED,
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows = "The ACK for an INVITE; the request should not be repeated.",
		.failures =
			"- Authenticated but not provisioned for the service or destination.\n"
			"- A P-Preferred-Identity or From the user does not own.\n"
			"- A UE that is not registered (or whose registration expired) calling "
			"through the P-CSCF.\n"
			"- Access control lists or SBC policies refusing the source address.",
		.troubleshooting =
			"1. Read the reason phrase and any Warning.\n"
			"2. Check the identities: From, P-Asserted-Identity, "
			"P-Preferred-Identity.\n"
			"3. Check the registration state of the user at that moment.\n"
			"4. Find which element sent it (Server header, source address of the "
			"response).",
		.related = (const char *const[]){
			"401", "407", "404", "REGISTER", "P-Asserted-Identity",
			"P-Preferred-Identity", "Warning", "Server", NULL,
		},
	},
	{
		.code = 404,
		.name = "404",
		.phrase = "Not Found",
		.ref = "RFC 3261 §21.4.5; 3GPP TS 24.229",
		.summary =
			"the user does not exist at this domain, or the domain is not served here",
		.purpose =
			"The server knows for sure that the user in the Request-URI does not "
			"exist in its domain, or that the domain is not one it handles. (For a "
			"user who exists but has no current location, 480 is the right answer; "
			"many servers send 404 anyway.) IMS: the I-CSCF answers 404 when the HSS "
			"does not know the called identity; a number that cannot be translated "
			"(ENUM) can end the same way.",
		.call_flow =
			"Right after the request, from the proxy, registrar or I-CSCF that "
			"looked the user up.",
		.who_sends =
			"Proxies, registrars, redirect servers, the I-CSCF; sometimes a UAS for "
			"an unknown user part.",
		.headers = (const struct explain_hdr_use[]){
			{"Warning", EXPLAIN_OPTIONAL,
			 "A text with the reason."},
			EXPLAIN_HDRS_COPIED,
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows = "The ACK for an INVITE.",
		.failures =
			"- Number format: missing country code or \"+\", no user=phone, tel: "
			"against sip:.\n"
			"- A wrong domain in the Request-URI, or a routing table missing an "
			"entry.\n"
			"- A user who is not registered, answered 404 where 480 would be right.",
		.troubleshooting =
			"1. Read the exact Request-URI at the hop that answered.\n"
			"2. Check number normalisation and routing tables.\n"
			"3. Check the registrations of that address-of-record.\n"
			"4. Find which element answered (Server header, source address).",
		.related = (const char *const[]){
			"480", "3xx", "403", "INVITE", "REGISTER", NULL,
		},
	},
	{
		.code = 407,
		.name = "407",
		.phrase = "Proxy Authentication Required",
		.ref = "RFC 3261 §21.4.8, §22.3, §16.7",
		.summary = "a proxy wants credentials: retry with Proxy-Authorization",
		.purpose =
			"Like 401, but the challenge comes from a proxy on the path (an outbound "
			"proxy, softswitch or SBC) in a Proxy-Authenticate header. The client "
			"sends the request again with a Proxy-Authorization for that realm and "
			"the CSeq incremented; same Call-ID and From tag, a new branch. Several "
			"proxies may challenge the same request, and a forking proxy gathers the "
			"challenges of its branches into one response (§16.7). The ACK for a "
			"2xx then carries the same credentials as the INVITE; CANCEL is never "
			"challenged.",
		.call_flow =
			"  caller            proxy\n"
			"  INVITE ------------>\n"
			"    <---------------- 407 (Proxy-Authenticate)\n"
			"  ACK    ------------>\n"
			"  INVITE (Proxy-Authorization, CSeq + 1) ------> ... onward",
		.who_sends = "Proxies.",
		.headers = (const struct explain_hdr_use[]){
			{"Proxy-Authenticate", EXPLAIN_REQUIRED,
			 "The proxy's challenge."},
			EXPLAIN_HDRS_COPIED,
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"The ACK (for an INVITE), then the request again with "
			"Proxy-Authorization.",
		.failures =
			"- The client answers with Authorization instead of Proxy-Authorization."
			"\n"
			"- Realm mismatch when several proxies challenge.\n"
			"- The retry reuses the old CSeq.\n"
			"- A nonce reused across calls and refused as stale.\n"
			"- Cancelling the first INVITE after its 407: it already has its final "
			"response, there is nothing to cancel.",
		.troubleshooting =
			"1. realm, nonce, qop, uri of the challenge against the retry.\n"
			"2. CSeq incremented, Proxy-Authorization present.\n"
			"3. Which proxy challenged (Via, Server, source address).",
		.related = (const char *const[]){
			"401", "INVITE", "ACK", "Proxy-Authenticate", "Proxy-Authorization", NULL,
		},
	},
	{
		.code = 408,
		.name = "408",
		.phrase = "Request Timeout",
		.ref = "RFC 3261 §21.4.9, §8.1.3.1, §16.8, §12.2.1.2; RFC 4320",
		.summary =
			"no final response in time: a server gave up, or a client transaction "
			"timed out (Timer B or F)",
		.purpose =
			"The server could not produce a response in time (for example, it could "
			"not locate the user). More often it is not sent at all but stands for a "
			"timeout: a client transaction whose Timer B (INVITE) or Timer F "
			"(non-INVITE) fires reports it to its user as a 408 (§8.1.3.1), and a "
			"proxy counts a branch that timed out as a 408 when it picks the "
			"response to forward (§16.8). RFC 4320: an element never sends a 408 to "
			"a non-INVITE request, since the client has given up by then. In a "
			"dialog, a 408 (or no answer) to a request ends the dialog (§12.2.1.2).",
		.call_flow =
			"An INVITE forked to a registered contact that no longer answers (phone "
			"off, NAT mapping gone): the proxy's Timer B fires after 64*T1 (32 s) "
			"and the branch counts as 408; if it was the only branch, the caller "
			"gets 408. A branch that got a provisional but nothing more for over 3 "
			"minutes is cancelled by Timer C instead (§16.8).",
		.who_sends =
			"Proxies (for a branch that timed out), UASs; or nobody, when the "
			"client's own transaction timed out.",
		.headers = (const struct explain_hdr_use[]){
			EXPLAIN_HDRS_COPIED,
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.what_follows =
			"The ACK for an INVITE. The request may be tried again later unchanged.",
		.failures =
			"- A registered contact that cannot be reached: calls fail after about "
			"32 s.\n"
			"- A firewall dropping the responses on one link.\n"
			"- A mid-dialog request (re-INVITE, UPDATE, BYE) timing out: the dialog "
			"is ended, the call drops.",
		.troubleshooting =
			"1. Find the link where the request is retransmitted without any answer."
			"\n"
			"2. 32 s from request to 408 points at Timer B with T1 = 500 ms.\n"
			"3. Check the reachability of the registered contact and the keep-alives "
			"of the UA.",
		.related = (const char *const[]){
			"INVITE", "480", "100", "503", "CANCEL", NULL,
		},
	},
};
/* clang-format on */

const struct explain_responses explain_responses_4xx = {table, sizeof(table) / sizeof(table[0])};
