/* SPDX-License-Identifier: BSD-3-Clause */
/* sipkit explain: REGISTER, the method before every call (RFC 3261 §10, IMS registration). */
#include "explain.h"

/* clang-format off */
static const struct explain_method table[] = {
	{
		.name = "REGISTER",
		.ref =
			"RFC 3261 §10; RFC 3327 (Path); RFC 3608 (Service-Route); RFC 3329; "
			"3GPP TS 24.229 §5.1.1, §5.2.2, §5.4.1; 3GPP TS 33.203",
		.summary =
			"binds an address-of-record to contact addresses at a registrar; in IMS "
			"it also authenticates the UE (AKA)",
		.purpose =
			"REGISTER tells a registrar where a user can be reached: it adds, "
			"refreshes or removes bindings from the address-of-record in To to the "
			"URIs in Contact, each for a lifetime in seconds. The Request-URI names "
			"the registrar's domain only (sip:example.com, no user part). A REGISTER "
			"without Contact only asks for the current bindings; \"Contact: *\" with "
			"\"Expires: 0\" removes them all. The registrar applies the request "
			"whole or not at all (§10.3) and its 200 lists every binding it now "
			"holds, each with the lifetime it granted.\n"
			"\n"
			"In IMS, registration is also where the UE is authenticated (IMS AKA "
			"with the ISIM), where the IPsec security associations between UE and "
			"P-CSCF are set up (sec-agree, RFC 3329), where the P-CSCF records "
			"itself with Path and learns the S-CSCF's Service-Route, and where the "
			"network tells the UE which public identities are registered with it "
			"(P-Associated-URI).",
		.call_flow =
			"VoIP: a phone registers when it starts and refreshes before the binding "
			"expires; a proxy routes incoming calls to the registered Contacts. The "
			"first REGISTER is usually challenged:\n"
			"  UA                        registrar\n"
			"  REGISTER ---------------->\n"
			"           <---------------- 401 (WWW-Authenticate)\n"
			"  REGISTER (Authorization) ->\n"
			"           <---------------- 200 (Contact;expires=3600)\n"
			"\n"
			"IMS (UE, P-CSCF, I-CSCF, S-CSCF): the I-CSCF asks the HSS which S-CSCF "
			"serves the user; the S-CSCF challenges with AKA; the second REGISTER "
			"arrives over the new IPsec SAs:\n"
			"  UE -> P-CSCF -> I-CSCF -> S-CSCF\n"
			"  REGISTER  Authorization: username=IMPI (no response yet), "
			"Security-Client\n"
			"  <- 401    WWW-Authenticate: algorithm=AKAv1-MD5, nonce=RAND+AUTN; "
			"Security-Server\n"
			"  REGISTER  (over IPsec) Authorization with the RES-based response, "
			"Security-Verify\n"
			"  <- 200    Service-Route, P-Associated-URI, Path\n"
			"  then: SUBSCRIBE to the reg event of the user (RFC 3680), NOTIFY with "
			"the registration state\n"
			"The S-CSCF then registers the user at application servers (third-party "
			"REGISTER, per the iFC).",
		.direction =
			"A user agent (or a third party on its behalf) to the registrar, outside "
			"any dialog, usually through an outbound proxy (the P-CSCF in IMS).",
		.headers = (const struct explain_hdr_use[]){
			{"To", EXPLAIN_REQUIRED,
			 "The address-of-record being registered (IMS: the public user identity, "
			 "IMPU)."},
			{"From", EXPLAIN_REQUIRED,
			 "Who registers: the same AOR as To, unless a third party registers on "
			 "the user's behalf."},
			{"Call-ID", EXPLAIN_REQUIRED,
			 "The same for every REGISTER a UA sends to one registrar, so the "
			 "registrar can order them by CSeq (§10.2)."},
			{"CSeq", EXPLAIN_REQUIRED,
			 "Incremented by one for each REGISTER with that Call-ID; the registrar "
			 "refuses one older than what it stored."},
			{"Via", EXPLAIN_REQUIRED,
			 "As for any request; received/rport added by the registrar's side show "
			 "the NAT mapping."},
			{"Max-Forwards", EXPLAIN_REQUIRED,
			 "Hop limit, usually 70."},
			{"Contact", EXPLAIN_CONDITIONAL,
			 "The bindings to add or refresh (expires and q parameters, "
			 "+sip.instance, reg-id, feature tags such as +g.3gpp.icsi-ref); absent "
			 "for a query; \"*\" with Expires: 0 removes all."},
			{"Expires", EXPLAIN_OPTIONAL,
			 "Lifetime for every Contact without its own expires parameter; 0 "
			 "unregisters."},
			{"Authorization", EXPLAIN_CONDITIONAL,
			 "Credentials after a 401. In IMS, already in the first REGISTER with "
			 "username set to the private identity (IMPI) and an empty response."},
			{"Supported", EXPLAIN_OPTIONAL,
			 "path, gruu, outbound, sec-agree: what the UA can use."},
			{"Require", EXPLAIN_CONDITIONAL,
			 "IMS: sec-agree, asking for the security agreement of RFC 3329."},
			{"Proxy-Require", EXPLAIN_CONDITIONAL,
			 "IMS: sec-agree, so that the P-CSCF applies it."},
			{"Security-Client", EXPLAIN_CONDITIONAL,
			 "IMS: the IPsec parameters the UE offers (first REGISTER, repeated "
			 "later)."},
			{"Security-Verify", EXPLAIN_CONDITIONAL,
			 "IMS: in the protected REGISTER, the UE's copy of the Security-Server "
			 "it received."},
			{"Path", EXPLAIN_CONDITIONAL,
			 "Added by the P-CSCF (or an edge proxy) so that requests to this "
			 "contact come back through it (RFC 3327)."},
			{"P-Access-Network-Info", EXPLAIN_CONDITIONAL,
			 "IMS: the access the UE registers from (LTE cell, NR, Wi-Fi)."},
			{"P-Charging-Vector", EXPLAIN_CONDITIONAL,
			 "IMS: charging identifiers added by the P-CSCF."},
			{"User-Agent", EXPLAIN_OPTIONAL,
			 "The phone's software, useful in interop cases."},
			{"Content-Length", EXPLAIN_CONDITIONAL,
			 "0: REGISTER normally has no body; required over TCP and TLS."},
			{NULL, EXPLAIN_REQUIRED, NULL},
		},
		.body = "Normally none.",
		.responses =
			"- 200 OK: the bindings now held, one Contact each with the granted "
			"expires (it may be shorter than asked); in IMS also Service-Route (the "
			"route for the UE's own requests), P-Associated-URI (its registered "
			"identities, the default first) and Path echoed.\n"
			"- 401 Unauthorized: the normal first answer; retry with Authorization, "
			"CSeq + 1.\n"
			"- 423 Interval Too Brief with Min-Expires: the lifetime asked is too "
			"short; retry with at least Min-Expires.",
		.failures =
			"- 401 again and again: wrong password or realm, the retry computed with "
			"an old nonce (stale=true only needs a new computation, not a new "
			"password), or the digest URI differs from the Request-URI.\n"
			"- IMS: the ISIM rejects AUTN (network authentication fails) or the "
			"sequence number is out of range, and the UE answers the challenge with "
			"an auts parameter to resynchronise; the protected REGISTER not sent "
			"over the negotiated ports, or Security-Verify not equal to "
			"Security-Server.\n"
			"- 403 Forbidden: the identity may not register here (IMPU not "
			"associated with the IMPI, barred, roaming not allowed).\n"
			"- 404 Not Found: unknown user or domain at the registrar (IMS: the HSS "
			"does not know the user).\n"
			"- 420 Bad Extension: a Require or Proxy-Require tag (sec-agree, path) "
			"not supported on the way.\n"
			"- Incoming calls never arrive although the 200 came back: the Contact "
			"carries a private address behind NAT, or the NAT binding expired "
			"between refreshes (keep-alives, RFC 5626 outbound).\n"
			"- 503 with Retry-After from an overloaded registrar: back off, try "
			"another server.",
		.troubleshooting =
			"1. Request-URI without user part; To = the AOR; Call-ID constant and "
			"CSeq + 1 across retries and refreshes.\n"
			"2. Compare the Contact with the address the REGISTER came from (Via "
			"received/rport): a mismatch means NAT, and the registrar must learn the "
			"public address or the UA must use outbound.\n"
			"3. On 401: realm, nonce, algorithm and qop of the challenge, then the "
			"same values in the Authorization of the retry.\n"
			"4. IMS: first REGISTER with Authorization (IMPI), Security-Client, "
			"Require and Proxy-Require sec-agree; 401 with algorithm=AKAv1-MD5 and "
			"Security-Server; second REGISTER on the protected ports with "
			"Security-Verify; 200 with Service-Route and P-Associated-URI.\n"
			"5. Check the expires granted in the 200 and that refreshes come before "
			"it runs out.\n"
			"6. After registration in IMS, a SUBSCRIBE to the reg event keeps the UE "
			"informed of network-initiated deregistration.",
		.related = (const char *const[]){
			"401", "403", "404", "200", "Contact", "Expires", "Min-Expires",
			"Authorization", "WWW-Authenticate", "Path", "Service-Route",
			"P-Associated-URI", "Security-Client", "Security-Server", "Security-Verify",
			"SUBSCRIBE", NULL,
		},
	},
};
/* clang-format on */

const struct explain_methods explain_methods_register = {table, sizeof(table) / sizeof(table[0])};
