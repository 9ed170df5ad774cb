#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the parser benchmark corpus (bench/corpus/*.sip) and checks it.

    python3 bench/gen_corpus.py [DIR]          write the corpus (default bench/corpus)
    python3 bench/gen_corpus.py --check [DIR]  verify every file of DIR

Every message is written with CRLF line ends; "Content-Length: @" (or "l: @")
is replaced by the byte length of the body. --check verifies CRLF framing,
that Content-Length matches the body, and that only documentation addresses
appear (example.com, 192.0.2.0/24, 2001:db8::/32).

Two calls of one IMS subscriber (Alice, UE at 2001:db8::10 behind the P-CSCF
pcscf1.example.com, S-CSCF scscf1.example.com, MMTel AS as1.example.com) to
Bob (192.0.2.20): call 1 is answered and hung up, call 2 is cancelled while
ringing; plus a registration challenge and a compact-form OPTIONS. Each
message is as seen on one hop of the path (the comment above it says which).
"""
import ipaddress
import os
import re
import sys

UE = "[2001:db8::10]"
UE_IP = "2001:db8::10"
PCSCF = "pcscf1.example.com"
SCSCF = "scscf1.example.com"
BOB_IP = "192.0.2.20"
ICSI = 'urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel'
INSTANCE = '"<urn:gsma:imei:35209900-176148-0>"'

CALL1 = "a84b4c76e66710-3c2f7e9d@" + UE_IP
CALL2 = "b93c5d87f77821-4d3a8f0e@" + UE_IP
FROM_TAG1 = "1928301774"
FROM_TAG2 = "6d2c8a1e"
TO_TAG1 = "314159-bob"
TO_TAG2 = "271828-bob"

BR_UE1 = "z9hG4bK776asdhds"
BR_PC1 = "z9hG4bK-pc1-4b43c2ff8.1"
BR_SC1 = "z9hG4bK-sc1-0a9f27c.0"
BR_UE2 = "z9hG4bKnashds8"
BR_PC2 = "z9hG4bK-pc1-9c1e7b3a.1"

ALLOW = "INVITE, ACK, CANCEL, BYE, PRACK, UPDATE, INFO, MESSAGE, REFER, NOTIFY, OPTIONS"

SDP_OFFER = [
    "v=0",
    "o=- 1027933615 1027933615 IN IP6 " + UE_IP,
    "s=-",
    "c=IN IP6 " + UE_IP,
    "b=AS:41",
    "b=RS:512",
    "b=RR:1537",
    "t=0 0",
    "m=audio 49152 RTP/AVP 116 107 97 105 100",
    "b=AS:41",
    "a=rtpmap:116 AMR-WB/16000/1",
    "a=fmtp:116 mode-change-capability=2;max-red=220",
    "a=rtpmap:107 AMR-WB/16000/1",
    "a=fmtp:107 octet-align=1;mode-change-capability=2;max-red=220",
    "a=rtpmap:97 AMR/8000/1",
    "a=fmtp:97 mode-change-capability=2;max-red=220",
    "a=rtpmap:105 telephone-event/16000",
    "a=fmtp:105 0-15",
    "a=rtpmap:100 telephone-event/8000",
    "a=fmtp:100 0-15",
    "a=curr:qos local none",
    "a=curr:qos remote none",
    "a=des:qos mandatory local sendrecv",
    "a=des:qos optional remote sendrecv",
    "a=sendrecv",
    "a=ptime:20",
    "a=maxptime:240",
]

SDP_ANSWER = [
    "v=0",
    "o=bob 2890844527 2890844528 IN IP4 " + BOB_IP,
    "s=-",
    "c=IN IP4 " + BOB_IP,
    "b=AS:41",
    "t=0 0",
    "m=audio 50000 RTP/AVP 116 105",
    "b=AS:41",
    "a=rtpmap:116 AMR-WB/16000/1",
    "a=fmtp:116 mode-change-capability=2;max-red=220",
    "a=rtpmap:105 telephone-event/16000",
    "a=fmtp:105 0-15",
    "a=curr:qos local sendrecv",
    "a=curr:qos remote sendrecv",
    "a=des:qos mandatory local sendrecv",
    "a=des:qos mandatory remote sendrecv",
    "a=sendrecv",
    "a=ptime:20",
]

UE_CONTACT = ("<sip:+15555550100@" + UE + ":5060;transport=udp>"
              ";+sip.instance=" + INSTANCE +
              ';+g.3gpp.icsi-ref="' + ICSI + '"'
              ";audio;video;+g.3gpp.mid-call;+g.3gpp.srvcc-alerting;+g.3gpp.ps2cs-srvcc-orig-pre-alerting")
BOB_CONTACT = ('<sip:bob@' + BOB_IP + ':5060;transport=udp>'
               ';+g.3gpp.icsi-ref="' + ICSI + '";audio')
FROM1 = '"Alice" <sip:+15555550100@example.com;user=phone>;tag=' + FROM_TAG1
TO1 = "<sip:+15555550123@example.com;user=phone>"
FROM2 = '"Alice" <sip:+15555550100@example.com;user=phone>;tag=' + FROM_TAG2
TO2 = "<sip:+15555550123@example.com;user=phone>"
RURI = "sip:+15555550123@example.com;user=phone"

MESSAGES = {}

# An IMS originating INVITE as the MMTel AS receives it from the S-CSCF (ISC):
# the S-CSCF routes it through the AS and back to itself (two Route values)
# and has record-routed, like the P-CSCF before it.
VIAS1 = [
    "Via: SIP/2.0/UDP " + SCSCF + ":6060;branch=" + BR_SC1,
    "Via: SIP/2.0/UDP " + PCSCF + ":5060;branch=" + BR_PC1,
    "Via: SIP/2.0/UDP " + UE + ":5060;received=" + UE_IP + ";rport=5060;branch=" + BR_UE1,
]
RR_SC = "<sip:mo@" + SCSCF + ":6060;lr>"
RR_PC = "<sip:" + PCSCF + ":5060;lr>"

MESSAGES["01-invite.sip"] = ([
    "INVITE " + RURI + " SIP/2.0",
] + VIAS1 + [
    "Max-Forwards: 68",
    "Route: <sip:mmtel@as1.example.com;lr>",
    "Route: <sip:" + SCSCF + ":6060;lr;odi=4a9c2e71b3>",
    "Record-Route: " + RR_SC,
    "Record-Route: " + RR_PC,
    "From: " + FROM1,
    "To: " + TO1,
    "Call-ID: " + CALL1,
    "CSeq: 1 INVITE",
    "Contact: " + UE_CONTACT,
    "P-Asserted-Identity: \"Alice\" <sip:+15555550100@example.com;user=phone>",
    "P-Asserted-Identity: <tel:+15555550100>",
    "P-Access-Network-Info: 3GPP-E-UTRAN-FDD;utran-cell-id-3gpp=0010100010019B01;network-provided",
    'P-Charging-Vector: icid-value="AyretyU0dm+6O2IrT5tAFrbHLso=023551024";orig-ioi=example.com',
    "P-Asserted-Service: urn:urn-7:3gpp-service.ims.icsi.mmtel",
    "Privacy: none",
    "Supported: 100rel, timer, histinfo, precondition",
    "Require: precondition",
    "Allow: " + ALLOW,
    'Accept-Contact: *;+g.3gpp.icsi-ref="' + ICSI + '";explicit;require',
    "Session-Expires: 1800;refresher=uac",
    "Min-SE: 90",
    "Accept: application/sdp, application/3gpp-ims+xml",
    "User-Agent: ExampleUE/4.2 (IMS)",
    "Content-Type: application/sdp",
    "Content-Length: @",
], SDP_OFFER)

# The AS's 100 Trying back to the S-CSCF (all three Via values).
MESSAGES["02-trying.sip"] = ([
    "SIP/2.0 100 Trying",
] + VIAS1 + [
    "From: " + FROM1,
    "To: " + TO1,
    "Call-ID: " + CALL1,
    "CSeq: 1 INVITE",
    "Content-Length: @",
], None)

# The 180 as the AS passes it back to the S-CSCF; two Via values on one line,
# as some proxies fold them.
MESSAGES["03-ringing.sip"] = ([
    "SIP/2.0 180 Ringing",
    VIAS1[0],
    VIAS1[1] + ", " + VIAS1[2][len("Via: "):],
    "Record-Route: " + RR_SC,
    "Record-Route: " + RR_PC,
    "From: " + FROM1,
    "To: " + TO1 + ";tag=" + TO_TAG1,
    "Call-ID: " + CALL1,
    "CSeq: 1 INVITE",
    "Contact: " + BOB_CONTACT,
    "P-Asserted-Identity: <sip:+15555550123@example.com;user=phone>",
    "Allow: " + ALLOW,
    "Require: 100rel",
    "RSeq: 1",
    "Content-Length: @",
], None)

# The 200 with the SDP answer, from the AS to the S-CSCF; two Record-Route
# values on one line.
MESSAGES["04-ok-invite.sip"] = ([
    "SIP/2.0 200 OK",
] + VIAS1 + [
    "Record-Route: " + RR_SC + ", " + RR_PC,
    "From: " + FROM1,
    "To: " + TO1 + ";tag=" + TO_TAG1,
    "Call-ID: " + CALL1,
    "CSeq: 1 INVITE",
    "Contact: " + BOB_CONTACT,
    "P-Asserted-Identity: <sip:+15555550123@example.com;user=phone>",
    "Allow: " + ALLOW,
    "Supported: 100rel, timer",
    "Require: timer",
    "Session-Expires: 1800;refresher=uac",
    "Server: ExampleAS/2.1",
    "Content-Type: application/sdp",
    "Content-Length: @",
], SDP_ANSWER)

# Call 2, cancelled while ringing: the UE's CANCEL on its Service-Route.
MESSAGES["05-cancel.sip"] = ([
    "CANCEL " + RURI + " SIP/2.0",
    "Via: SIP/2.0/UDP " + UE + ":5060;branch=" + BR_UE2,
    "Max-Forwards: 70",
    "Route: <sip:" + PCSCF + ":5060;lr>",
    "Route: <sip:orig@" + SCSCF + ":6060;lr>",
    "From: " + FROM2,
    "To: " + TO2,
    "Call-ID: " + CALL2,
    "CSeq: 1 CANCEL",
    'Reason: SIP;cause=487;text="Request Terminated"',
    "User-Agent: ExampleUE/4.2 (IMS)",
    "Content-Length: @",
], None)

# The P-CSCF's 200 to the CANCEL (hop by hop), as the UE receives it.
MESSAGES["06-ok-cancel.sip"] = ([
    "SIP/2.0 200 OK",
    "Via: SIP/2.0/UDP " + UE + ":5060;received=" + UE_IP + ";rport=5060;branch=" + BR_UE2,
    "From: " + FROM2,
    "To: " + TO2 + ";tag=" + TO_TAG2,
    "Call-ID: " + CALL2,
    "CSeq: 1 CANCEL",
    "Content-Length: @",
], None)

# The 487 to call 2's INVITE as the P-CSCF receives it from the S-CSCF.
MESSAGES["07-terminated.sip"] = ([
    "SIP/2.0 487 Request Terminated",
    "Via: SIP/2.0/UDP " + PCSCF + ":5060;branch=" + BR_PC2,
    "Via: SIP/2.0/UDP " + UE + ":5060;received=" + UE_IP + ";rport=5060;branch=" + BR_UE2,
    "From: " + FROM2,
    "To: " + TO2 + ";tag=" + TO_TAG2,
    "Call-ID: " + CALL2,
    "CSeq: 1 INVITE",
    "Server: ExampleAS/2.1",
    "Content-Length: @",
], None)

# The UE's ACK for the 487 (RFC 3261 §17.1.1.3): same branch as the INVITE.
MESSAGES["08-ack.sip"] = ([
    "ACK " + RURI + " SIP/2.0",
    "Via: SIP/2.0/UDP " + UE + ":5060;branch=" + BR_UE2,
    "Max-Forwards: 70",
    "Route: <sip:" + PCSCF + ":5060;lr>",
    "Route: <sip:orig@" + SCSCF + ":6060;lr>",
    "From: " + FROM2,
    "To: " + TO2 + ";tag=" + TO_TAG2,
    "Call-ID: " + CALL2,
    "CSeq: 1 ACK",
    "Content-Length: @",
], None)

# Call 1 hung up by Alice, as the P-CSCF forwards the BYE on the route set
# learned from the 200 (minus its own entry).
MESSAGES["09-bye.sip"] = ([
    "BYE sip:bob@" + BOB_IP + ":5060;transport=udp SIP/2.0",
    "Via: SIP/2.0/UDP " + PCSCF + ":5060;branch=" + BR_PC1.replace("4b43", "77e1"),
    "Via: SIP/2.0/UDP " + UE + ":5060;received=" + UE_IP + ";rport=5060;branch=z9hG4bK-bye-99a1",
    "Max-Forwards: 69",
    "Route: " + RR_SC,
    "From: " + FROM1,
    "To: " + TO1 + ";tag=" + TO_TAG1,
    "Call-ID: " + CALL1,
    "CSeq: 2 BYE",
    'Reason: Q.850;cause=16;text="Normal call clearing"',
    "P-Access-Network-Info: 3GPP-E-UTRAN-FDD;utran-cell-id-3gpp=0010100010019B01",
    "User-Agent: ExampleUE/4.2 (IMS)",
    "Content-Length: @",
], None)

# Initial IMS registration as the P-CSCF forwards it (Path added).
MESSAGES["10-register.sip"] = ([
    "REGISTER sip:example.com SIP/2.0",
    "Via: SIP/2.0/UDP " + PCSCF + ":5060;branch=z9hG4bK-pc1-reg-51ad0c.1",
    "Via: SIP/2.0/UDP " + UE + ":5060;received=" + UE_IP + ";rport=5060;branch=z9hG4bKreg0001a",
    "Max-Forwards: 69",
    "Path: <sip:term@" + PCSCF + ":5060;lr>",
    "From: <sip:+15555550100@example.com>;tag=4fa3",
    "To: <sip:+15555550100@example.com>",
    "Call-ID: reg-5f8e2c41a9@" + UE_IP,
    "CSeq: 1 REGISTER",
    "Contact: <sip:+15555550100@" + UE + ":5060>;expires=600000;+sip.instance=" + INSTANCE +
    ';+g.3gpp.icsi-ref="' + ICSI + '";+g.3gpp.smsip;audio;video',
    'Authorization: Digest username="001010000000001@example.com", realm="example.com", '
    'nonce="", uri="sip:example.com", response=""',
    "P-Access-Network-Info: 3GPP-E-UTRAN-FDD;utran-cell-id-3gpp=0010100010019B01",
    "P-Visited-Network-ID: \"visited.example.com\"",
    "P-Charging-Vector: icid-value=\"AyretyU0dm+6O2IrT5tAFrbHLso=023551025\"",
    "Require: path",
    "Supported: path, gruu, sec-agree",
    "Allow: " + ALLOW,
    "Expires: 600000",
    "User-Agent: ExampleUE/4.2 (IMS)",
    "Content-Length: @",
], None)

# The S-CSCF's Digest challenge as the P-CSCF receives it.
MESSAGES["11-unauthorized.sip"] = ([
    "SIP/2.0 401 Unauthorized",
    "Via: SIP/2.0/UDP " + PCSCF + ":5060;branch=z9hG4bK-pc1-reg-51ad0c.1",
    "Via: SIP/2.0/UDP " + UE + ":5060;received=" + UE_IP + ";rport=5060;branch=z9hG4bKreg0001a",
    "From: <sip:+15555550100@example.com>;tag=4fa3",
    "To: <sip:+15555550100@example.com>;tag=a6c85cf",
    "Call-ID: reg-5f8e2c41a9@" + UE_IP,
    "CSeq: 1 REGISTER",
    'WWW-Authenticate: Digest realm="example.com", '
    'nonce="Y2hhbGxlbmdlLW5vbmNlLWZvci10aGUtYmVuY2htYXJr", '
    'opaque="5ccc069c403ebaf9f0171e9517f40e41", algorithm=MD5, qop="auth"',
    "Server: ExampleSCSCF/3.0",
    "Content-Length: @",
], None)

# Compact header forms (RFC 3261 §7.3.3), as in a keep-alive OPTIONS over TCP.
MESSAGES["12-options-compact.sip"] = ([
    "OPTIONS sip:bob@" + BOB_IP + ":5060 SIP/2.0",
    "v: SIP/2.0/TCP client.example.com:5060;branch=z9hG4bKhjhs8ass877",
    "Max-Forwards: 70",
    "f: <sip:alice@example.com>;tag=88sja8x",
    "t: <sip:bob@example.com>",
    "i: 9f1c2d3e4b5a6978@client.example.com",
    "CSeq: 42 OPTIONS",
    "m: <sip:alice@client.example.com:5060;transport=tcp>",
    "k: timer",
    "Accept: application/sdp",
    "l: @",
], None)


def render(lines, body):
    body_bytes = b""
    if body is not None:
        body_bytes = ("\r\n".join(body) + "\r\n").encode("ascii")
    out = []
    for line in lines:
        if line.endswith(": @"):
            line = line[:-1] + str(len(body_bytes))
        out.append(line)
    return ("\r\n".join(out) + "\r\n\r\n").encode("ascii") + body_bytes


def check_file(path):
    """Returns a list of problems of one corpus file."""
    data = open(path, "rb").read()
    errs = []
    if re.search(rb"(?<!\r)\n", data) or re.search(rb"\r(?!\n)", data):
        errs.append("bare LF or CR (lines must end in CRLF)")
    sep = data.find(b"\r\n\r\n")
    if sep < 0:
        return errs + ["no empty line after the headers"]
    head, body = data[:sep].decode("ascii"), data[sep + 4:]
    cl = [l.split(":", 1)[1].strip() for l in head.split("\r\n")[1:]
          if re.match(r"(?i)(content-length|l)\s*:", l)]
    if len(cl) != 1:
        errs.append("%d Content-Length headers" % len(cl))
    elif int(cl[0]) != len(body):
        errs.append("Content-Length %s but body is %d bytes" % (cl[0], len(body)))
    text = data.decode("ascii")
    for m in re.finditer(r"(?<![\w.:])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.])", text):
        if ipaddress.ip_address(m.group(1)) not in ipaddress.ip_network("192.0.2.0/24"):
            errs.append("non-documentation IPv4 " + m.group(1))
    for m in re.finditer(r"(?i)(?<![\w:])([0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7})(?![\w:])", text):
        try:
            a = ipaddress.ip_address(m.group(1))
        except ValueError:
            continue
        if a not in ipaddress.ip_network("2001:db8::/32"):
            errs.append("non-documentation IPv6 " + m.group(1))
    hosts = re.findall(r"(?i)\bsips?:(?:[^@<>;\s]*@)?(\[[0-9a-f:.]+\]|[a-z0-9.-]+)", text)
    hosts += re.findall(r"(?i)SIP/2\.0/[a-z]+ +(\[[0-9a-f:.]+\]|[a-z0-9.-]+)", text)
    hosts += re.findall(r"(?i)\b((?:[a-z0-9-]+\.)+(?:com|net|org|edu|gov|info|io))\b", text)
    for host in hosts:
        h = host.strip("[]").lower()
        try:
            ipaddress.ip_address(h)
            continue  # checked above
        except ValueError:
            pass
        if h != "example.com" and not h.endswith(".example.com"):
            errs.append("non-documentation domain " + h)
    return sorted(set(errs), key=errs.index)


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    d = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    if not check:
        os.makedirs(d, exist_ok=True)
        for name, (lines, body) in MESSAGES.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(render(lines, body))
    bad = 0
    for name in sorted(os.listdir(d)):
        path = os.path.join(d, name)
        if not os.path.isfile(path):
            continue
        errs = check_file(path)
        size = os.path.getsize(path)
        print("%-26s %5d bytes  %s" % (name, size, "ok" if not errs else "; ".join(errs)))
        bad += bool(errs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
