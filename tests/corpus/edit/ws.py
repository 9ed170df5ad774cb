#!/usr/bin/env python3
"""Carry a real UDP SIP capture's messages over WebSocket (RFC 7118), as a browser phone would.

Source: captures/ndpi/sip.pcap (nDPI's copy of Wireshark's sample SIP call). Its 81 SIP
messages go between 192.168.1.2 (the phone) and two servers, 212.242.33.35 and 200.68.120.81.
Each pair becomes one TCP connection from the phone (port 50001 or 50002) to the server's port
5060: the handshake 3 ms before its first message, the HTTP upgrade (GET / with
Sec-WebSocket-Protocol: sip, Sec-WebSocket-Key) and its 101 (with the Sec-WebSocket-Accept
RFC 6455 §4.2.2 computes), then each message, at its original time and unchanged, as one text
frame: masked from the phone (RFC 6455 §5.3, a key per frame), unmasked from the server. The
phone's first INVITE is fragmented once (a text frame without FIN, then a continuation frame)
and its bytes cut over two TCP segments. Every segment is acknowledged; the IPv4 and TCP
checksums are computed. RTP and the 5-byte keep-alives are left out.

The messages keep the Via transport they were sent with (UDP): a capture cannot tell a
message's transport from its Via, and nothing in RFC 3261 makes that a fault of the call.

Run from anywhere: python3 tests/corpus/edit/ws.py (writes captures/edited/ws.pcap).
"""
import base64
import hashlib
import os
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapedit import CORPUS, aton, csum, eth, ip4, ipv4_of, read_pcap, write_pcap  # noqa: E402

SOURCE = os.path.join(CORPUS, "ndpi", "sip.pcap")
START = re.compile(rb"^(SIP/2\.0 \d{3} |[A-Z]+ \S+ SIP/2\.0\r\n)")
PHONE = "192.168.1.2"
SYN, ACK, PSH = 0x02, 0x10, 0x08


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b""):
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4,
                      flags, 64240, 0, 0) + payload
    pseudo = aton(src) + aton(dst) + struct.pack("!xBH", 6, len(seg))
    return seg[:16] + struct.pack("!H", csum(pseudo + seg)) + seg[18:]


def frame(payload, opcode, fin, mask_key):
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    m = 0x80 if mask_key else 0
    if n < 126:
        h = struct.pack("!BB", b0, m | n)
    elif n < 65536:
        h = struct.pack("!BBH", b0, m | 126, n)
    else:
        h = struct.pack("!BBQ", b0, m | 127, n)
    if not mask_key:
        return h + payload
    return h + mask_key + bytes(c ^ mask_key[i % 4] for i, c in enumerate(payload))


class Conn:
    def __init__(self, out, server, cport):
        self.out, self.server, self.cport = out, server, cport
        self.seq = {PHONE: 1000000 + cport * 1000, server: 7000000 + cport * 1000}
        self.ident = {PHONE: 0x100 * cport % 0xFFFF, server: 0x200 * cport % 0xFFFF}
        self.nkey = 0

    def ports(self, src):
        return (self.cport, 5060) if src == PHONE else (5060, self.cport)

    def send(self, t, src, flags, payload=b""):
        dst = self.server if src == PHONE else PHONE
        sport, dport = self.ports(src)
        a = self.seq[dst] if flags & ACK else 0
        self.ident[src] = (self.ident[src] + 1) & 0xFFFF
        pkt = ip4(src, dst, 6, tcp(src, dst, sport, dport, self.seq[src], a, flags, payload),
                  self.ident[src])
        self.out.append((t, eth(pkt, 0x0800)))
        self.seq[src] += len(payload) + (1 if flags & SYN else 0)

    def data(self, t, src, payload):
        self.send(t, src, PSH | ACK, payload)
        self.send(t + 0.0002, PHONE if src != PHONE else self.server, ACK)

    def open(self, t):
        key = base64.b64encode(hashlib.sha1(b"sipkit-corpus-%d" % self.cport).digest()[:16])
        accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
        self.send(t - 0.003, PHONE, SYN)
        self.send(t - 0.0029, self.server, SYN | ACK)
        self.send(t - 0.0028, PHONE, ACK)
        self.data(t - 0.0027, PHONE, b"GET / HTTP/1.1\r\nHost: %s:5060\r\nUpgrade: websocket\r\n"
                  b"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Protocol: sip\r\n"
                  b"Sec-WebSocket-Version: 13\r\nOrigin: http://192.168.1.2\r\n\r\n"
                  % (self.server.encode(), key))
        self.data(t - 0.0015, self.server, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  b"Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
                  b"Sec-WebSocket-Protocol: sip\r\n\r\n" % accept)

    def key(self):
        self.nkey += 1
        return hashlib.sha1(b"mask-%d-%d" % (self.cport, self.nkey)).digest()[:4]

    def message(self, t, src, msg, split):
        if src != PHONE:
            self.data(t, src, frame(msg, 1, True, None))
        elif not split:
            self.data(t, src, frame(msg, 1, True, self.key()))
        else:  # one message in two frames, and their bytes over two segments
            half = len(msg) // 2
            wire = frame(msg[:half], 1, False, self.key()) + frame(msg[half:], 0, True, self.key())
            cut = len(wire) // 3
            self.data(t, src, wire[:cut])
            self.data(t + 0.0001, src, wire[cut:])


def main():
    linktype, records = read_pcap(SOURCE)
    assert linktype == 1, "the source is Ethernet"
    out, conns, split_done = [], {}, False
    for sec, usec, fr, wire in records:
        pkt = ipv4_of(fr)
        if pkt is None or pkt[9] != 17:
            continue
        ihl = (pkt[0] & 15) * 4
        seg = pkt[ihl:struct.unpack("!H", pkt[2:4])[0]]
        payload = seg[8:struct.unpack("!H", seg[4:6])[0]]
        if not START.match(payload):
            continue
        src = ".".join(str(b) for b in pkt[12:16])
        dst = ".".join(str(b) for b in pkt[16:20])
        server = dst if src == PHONE else src
        assert PHONE in (src, dst)
        t = sec + usec / 1e6
        if server not in conns:
            conns[server] = Conn(out, server, 50001 + len(conns))
            conns[server].open(t)
        split = src == PHONE and payload.startswith(b"INVITE ") and not split_done
        split_done = split_done or split
        conns[server].message(t, src, payload, split)
    out.sort(key=lambda r: r[0])
    recs = []
    for t, f in out:
        sec = int(t)
        recs.append((sec, int(round((t - sec) * 1e6)), f))
    write_pcap(os.path.join(CORPUS, "edited", "ws.pcap"), recs)


if __name__ == "__main__":
    main()
