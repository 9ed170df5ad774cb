#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes pcap captures of SIP over WebSocket (RFC 7118) for tests/trace/run.sh:

    mkws.py clean OUT.pcap   a browser (10.0.0.9:50123) calls through a proxy's ws
                             listener on port 8088 (not 80, not 5060: the upgrade is
                             recognised on any port) and cancels while it rings: the
                             upgrade and its 101, the INVITE masked and cut in two
                             frames across three TCP segments, a ping and its pong, the
                             proxy's answers unmasked (one of them binary), CANCEL,
                             200, 487, ACK; a second, plain UDP leg to the callee
    mkws.py bad OUT.pcap     the same upgrade, then a frame announcing 2^62 bytes:
                             nothing read from it, one bad frame counted
"""
import os
import struct
import sys

CLIENT = ("10.0.0.9", 50123)
PROXY = ("10.0.0.1", 8088)
PROXY_UDP = ("10.0.0.1", 5060)
CALLEE = ("10.0.0.2", 5060)


def ip(a):
    return bytes(int(x) for x in a.split("."))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Pcap:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.t = 1_700_000_000.0
        self.seq = {}

    def packet(self, src, dst, proto, l4):
        iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0,
                          ip(src[0]), ip(dst[0]))
        iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
        frame = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + iph + l4
        self.t += 0.01
        sec = int(self.t)
        self.f.write(struct.pack("<IIII", sec, int((self.t - sec) * 1e6), len(frame), len(frame)))
        self.f.write(frame)

    def udp(self, src, dst, data):
        self.packet(src, dst, 17, struct.pack("!HHHH", src[1], dst[1], 8 + len(data), 0) + data)

    def tcp(self, src, dst, data=b"", flags=0x18):
        key = (src, dst)
        seq = self.seq.setdefault(key, 1000 if src == CLIENT else 9000)
        ack = self.seq.get((dst, src), 0)
        hdr = struct.pack("!HHIIBBHHH", src[1], dst[1], seq, ack, 5 << 4, flags, 65535, 0, 0)
        self.packet(src, dst, 6, hdr + data)
        self.seq[key] = seq + len(data) + (1 if flags & 0x03 else 0)

    def handshake(self):
        self.tcp(CLIENT, PROXY, flags=0x02)
        self.tcp(PROXY, CLIENT, flags=0x12)
        self.tcp(CLIENT, PROXY, flags=0x10)


def frame(op, payload, masked, fin=True):
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | op])
    m = 0x80 if masked else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack(">H", n)
    else:
        head += bytes([m | 127]) + struct.pack(">Q", n)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


UPGRADE = (b"GET / HTTP/1.1\r\nHost: 10.0.0.1:8088\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           b"Origin: https://phone.example\r\nSec-WebSocket-Protocol: sip\r\n"
           b"Sec-WebSocket-Version: 13\r\n\r\n")
SWITCH = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n")


def msg(first, vias, cseq, extra="", to_tag=""):
    lines = [first] + ["Via: " + v for v in vias] + [
        "Max-Forwards: 70",
        "From: <sip:carol@sipkit.test>;tag=wsf1",
        "To: <sip:bob@sipkit.test>" + (";tag=" + to_tag if to_tag else ""),
        "Call-ID: ws-call-1@browser",
        "CSeq: " + cseq,
    ]
    if extra:
        lines.append(extra)
    return ("\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode()


VIA_B = "SIP/2.0/WS x7kd.invalid;branch=z9hG4bKws1;received=10.0.0.9;rport=50123"
VIA_P = "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKpx1"


def clean(path):
    p = Pcap(path)
    p.handshake()
    p.tcp(CLIENT, PROXY, UPGRADE)
    p.tcp(PROXY, CLIENT, SWITCH)
    inv = msg("INVITE sip:bob@sipkit.test SIP/2.0", [VIA_B.split(";received")[0]], "1 INVITE",
              "Contact: <sip:carol@x7kd.invalid;transport=ws>")
    wire = frame(1, inv[:100], True, fin=False) + frame(9, b"hb", True) + frame(0, inv[100:], True)
    p.tcp(CLIENT, PROXY, wire[:37])  # a frame header cut by the segment
    p.tcp(CLIENT, PROXY, wire[37:150])
    p.tcp(CLIENT, PROXY, wire[150:])
    p.tcp(PROXY, CLIENT, frame(10, b"hb", False))
    fwd = msg("INVITE sip:10.0.0.2 SIP/2.0", [VIA_P, VIA_B], "1 INVITE")
    p.udp(PROXY_UDP, CALLEE, fwd)
    p.udp(CALLEE, PROXY_UDP, msg("SIP/2.0 180 Ringing", [VIA_P, VIA_B], "1 INVITE", to_tag="b1"))
    p.tcp(PROXY, CLIENT, frame(2, msg("SIP/2.0 180 Ringing", [VIA_B], "1 INVITE", to_tag="b1"), False))
    cancel = msg("CANCEL sip:bob@sipkit.test SIP/2.0", [VIA_B.split(";received")[0]], "1 CANCEL")
    p.tcp(CLIENT, PROXY, frame(1, cancel, True))
    p.tcp(PROXY, CLIENT, frame(1, msg("SIP/2.0 200 OK", [VIA_B], "1 CANCEL", to_tag="p1"), False))
    p.udp(PROXY_UDP, CALLEE, msg("CANCEL sip:10.0.0.2 SIP/2.0", [VIA_P], "1 CANCEL"))
    p.udp(CALLEE, PROXY_UDP, msg("SIP/2.0 200 OK", [VIA_P], "1 CANCEL", to_tag="b1"))
    p.udp(CALLEE, PROXY_UDP, msg("SIP/2.0 487 Request Terminated", [VIA_P, VIA_B], "1 INVITE",
                                 to_tag="b1"))
    p.udp(PROXY_UDP, CALLEE, msg("ACK sip:10.0.0.2 SIP/2.0", [VIA_P], "1 ACK", to_tag="b1"))
    p.tcp(PROXY, CLIENT, frame(1, msg("SIP/2.0 487 Request Terminated", [VIA_B], "1 INVITE",
                                      to_tag="b1"), False))
    ack = msg("ACK sip:bob@sipkit.test SIP/2.0", [VIA_B.split(";received")[0]], "1 ACK",
              to_tag="b1")
    p.tcp(CLIENT, PROXY, frame(1, ack, True))


def bad(path):
    p = Pcap(path)
    p.handshake()
    p.tcp(CLIENT, PROXY, UPGRADE)
    p.tcp(PROXY, CLIENT, SWITCH)
    p.tcp(CLIENT, PROXY, b"\x81\xff\x40\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04" + b"A" * 64)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("clean", "bad"):
        sys.exit(__doc__)
    (clean if sys.argv[1] == "clean" else bad)(sys.argv[2])
