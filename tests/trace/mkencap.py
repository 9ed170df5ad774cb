#!/usr/bin/env python3
"""Writes pcaps of one SIP call (INVITE, 180, CANCEL, 200 CANCEL, 487, ACK, as a
phone and a PBX put them on the wire) wrapped in each encapsulation `sipkit
check` reads, and hostile or unreadable variants, with what each must give
(tests/trace/encap.sh checks them). Standard library only.

    python3 tests/trace/mkencap.py OUTDIR          the test captures and MANIFEST.tsv
    python3 tests/trace/mkencap.py --seeds DIR     small ones for fuzz/corpus

MANIFEST.tsv columns: file, exit status, outcome of the call, the skipped
counts of the JSON summary ("reason=count ..." or "-"), then extra options
(an outcome of "-": no call at all).
Addresses are documentation ranges (RFC 5737, RFC 3849): nothing is sent.
"""
import os
import struct
import sys

CALLER, PBX = "192.0.2.10", "198.51.100.20"
CALLER6, PBX6 = "2001:db8::10", "2001:db8::20"
OUT_A, OUT_B = "203.0.113.1", "203.0.113.2"  # tunnel ends
OUT_A6, OUT_B6 = "2001:db8:ffff::1", "2001:db8:ffff::2"
MAC_A, MAC_B = b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02"

# ---- the call -------------------------------------------------------------------


def sdp(host, port, extra=0):
    fam = "IP6" if ":" in host else "IP4"
    lines = ["v=0", "o=- 3711 3711 IN %s %s" % (fam, host), "s=call", "c=IN %s %s" % (fam, host),
             "t=0 0", "m=audio %d RTP/AVP 8 0 101" % port, "a=rtpmap:8 PCMA/8000",
             "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16",
             "a=ptime:20", "a=sendrecv"]
    lines += ["a=x-pad:%04d %s" % (i, "p" * 60) for i in range(extra)]
    return "\r\n".join(lines) + "\r\n"


def sip(start, hdrs, body=""):
    ctype = ["Content-Type: application/sdp"] if body else []
    text = "\r\n".join([start] + hdrs + ctype + ["Content-Length: %d" % len(body), "", ""])
    return (text + body).encode()


def call(a, b, transport="UDP", pad=0, cid="7f3c9a1e-5b2d@pbx.example"):
    """The messages of one cancelled call: (seconds, from_caller, bytes)."""
    ah = "[%s]" % a if ":" in a else a
    bh = "[%s]" % b if ":" in b else b
    via = "Via: SIP/2.0/%s %s:5060;rport;branch=z9hG4bK.4f1d2c" % (transport, ah)
    frm = "From: \"Alice\" <sip:201@%s>;tag=8d2a7b" % bh
    to = "To: <sip:305@%s>" % bh
    to_t = to + ";tag=as6e1f"
    common = ["Call-ID: %s" % cid]
    ua = ["User-Agent: Yealink SIP-T46S 66.86.0.15"]
    inv = sip("INVITE sip:305@%s SIP/2.0" % bh,
              [via, "Max-Forwards: 70", frm, to] + common +
              ["CSeq: 21 INVITE", "Contact: <sip:201@%s:5060>" % ah,
               "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS", "Supported: replaces, timer"] + ua,
              sdp(a, 11800, pad))
    ring = sip("SIP/2.0 180 Ringing",
               [via + ";received=%s" % a, frm, to_t] + common +
               ["CSeq: 21 INVITE", "Contact: <sip:305@%s:5060>" % bh, "Server: Asterisk PBX 18"])
    cancel = sip("CANCEL sip:305@%s SIP/2.0" % bh,
                 [via, "Max-Forwards: 70", frm, to] + common + ["CSeq: 21 CANCEL"] + ua)
    ok = sip("SIP/2.0 200 OK", [via + ";received=%s" % a, frm, to] + common +
             ["CSeq: 21 CANCEL", "Server: Asterisk PBX 18"])
    term = sip("SIP/2.0 487 Request Terminated", [via + ";received=%s" % a, frm, to_t] + common +
               ["CSeq: 21 INVITE", "Server: Asterisk PBX 18"])
    ack = sip("ACK sip:305@%s SIP/2.0" % bh, [via, "Max-Forwards: 70", frm, to_t] + common +
              ["CSeq: 21 ACK"] + ua)
    # a keep-alive OPTIONS 40 s on: the input then covers 64*T1 after the call
    opt = sip("OPTIONS sip:%s SIP/2.0" % bh,
              ["Via: SIP/2.0/%s %s:5060;branch=z9hG4bK.ka01" % (transport, ah),
               "Max-Forwards: 70", "From: <sip:201@%s>;tag=ka1" % bh, "To: <sip:%s>" % bh,
               "Call-ID: ka-1@phone", "CSeq: 1 OPTIONS"] + ua)
    return [(0.000, True, inv), (0.210, False, ring), (2.480, True, cancel), (2.495, False, ok),
            (2.500, False, term), (2.520, True, ack), (42.0, True, opt)]


# ---- packets ----------------------------------------------------------------------


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def aton(a):
    import socket
    return socket.inet_pton(socket.AF_INET6 if ":" in a else socket.AF_INET, a)


IP_ID = [0x3100]


def ip4(src, dst, proto, payload, ident=None, frag_off=0, more=False, tot=None):
    if ident is None:
        IP_ID[0] = (IP_ID[0] + 1) & 0xFFFF
        ident = IP_ID[0]
    fo = (frag_off // 8) | (0x2000 if more else 0)
    length = tot if tot is not None else 20 + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, length & 0xFFFF, ident, fo, 64, proto, 0,
                    aton(src), aton(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ip6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64, aton(src),
                       aton(dst)) + payload


def l4sum(src, dst, proto, seg):
    if ":" in src:
        pseudo = aton(src) + aton(dst) + struct.pack("!IxxxB", len(seg), proto)
    else:
        pseudo = aton(src) + aton(dst) + struct.pack("!xBH", proto, len(seg))
    return csum(pseudo + seg)


def udp(src, dst, sport, dport, payload):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = l4sum(src, dst, 17, seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b""):
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0) + payload
    c = l4sum(src, dst, 6, seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def ip_pkt(src, dst, proto, payload):
    return ip6(src, dst, proto, payload) if ":" in src else ip4(src, dst, proto, payload)


def eth(payload, etype=None):
    if etype is None:
        etype = 0x86DD if payload[0] >> 4 == 6 else 0x0800
    return MAC_B + MAC_A + struct.pack("!H", etype) + payload


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return ~crc & 0xFFFFFFFF


def sctp(sport, dport, chunks, vtag=0x1C2D3E4F):
    body = b"".join(chunks)
    pkt = struct.pack("!HHII", sport, dport, vtag, 0) + body
    c = crc32c(pkt)
    return pkt[:8] + struct.pack("<I", c) + pkt[12:]


def data_chunk(tsn, payload, flags=0x03, sid=0, ssn=0, ppid=0, length=None):
    """DATA (RFC 9260 §3.3.1): B (0x02) and E (0x01) mark a user message's ends."""
    ln = length if length is not None else 16 + len(payload)
    ch = struct.pack("!BBHIHHI", 0, flags, ln, tsn, sid, ssn, ppid) + payload
    return ch + b"\0" * (-len(ch) % 4)


# ---- the call on the wire ------------------------------------------------------------


def udp_packets(a, b, msgs):
    """(time, inner IP packet) for each message over UDP."""
    out = []
    for t, up, m in msgs:
        s, d = (a, b) if up else (b, a)
        out.append((t, ip_pkt(s, d, 17, udp(s, d, 5060, 5060, m))))
    return out


def tcp_packets(a, b, msgs, mss=1400):
    out = []
    seq = {True: 1000, False: 5000}
    t0 = -0.002
    out.append((t0, ip_pkt(a, b, 6, tcp(a, b, 40312, 5060, seq[True] - 1, 0, 0x02))))
    out.append((t0 + 0.0005, ip_pkt(b, a, 6, tcp(b, a, 5060, 40312, seq[False] - 1,
                                                   seq[True], 0x12))))
    for t, up, m in msgs:
        s, d = (a, b) if up else (b, a)
        sp, dp = (40312, 5060) if up else (5060, 40312)
        for i in range(0, len(m), mss):
            part = m[i:i + mss]
            out.append((t, ip_pkt(s, d, 6, tcp(s, d, sp, dp, seq[up], seq[not up], 0x18, part))))
            seq[up] = (seq[up] + len(part)) & 0xFFFFFFFF
    return out


def sctp_packets(a, b, msgs, mode="single"):
    """SIP over SCTP (RFC 4168): a message per DATA chunk, bundled, or fragmented."""
    out, tsn = [], {True: 100, False: 900}
    pending = []
    for t, up, m in msgs:
        s, d = (a, b) if up else (b, a)
        sp, dp = (5060, 5060)
        if mode == "fragmented":
            parts = [m[i:i + 300] for i in range(0, len(m), 300)]
            for i, part in enumerate(parts):
                fl = (0x02 if i == 0 else 0) | (0x01 if i == len(parts) - 1 else 0)
                ch = data_chunk(tsn[up], part, fl)
                tsn[up] += 1
                out.append((t, ip_pkt(s, d, 132, sctp(sp, dp, [ch]))))
        elif mode == "bundled" and pending and pending[-1][1] == up and t - pending[-1][0] < 0.01:
            # the CANCEL's 200 and the INVITE's 487 go out together: one packet, two chunks
            ch = data_chunk(tsn[up], m)
            tsn[up] += 1
            pt, _, prev = pending[-1]
            pending[-1] = (pt, up, prev + [ch])
            out[-1] = (pt, ip_pkt(s, d, 132, sctp(sp, dp, pending[-1][2])))
        else:
            ch = data_chunk(tsn[up], m)
            tsn[up] += 1
            out.append((t, ip_pkt(s, d, 132, sctp(sp, dp, [ch]))))
            pending.append((t, up, [ch]))
    return out


def fragment4(pkt, size=600):
    """An IPv4 packet cut into fragments of size bytes of payload (RFC 791)."""
    hdr, payload = pkt[:20], pkt[20:]
    ident, proto = struct.unpack("!H", hdr[4:6])[0], hdr[9]
    src, dst = hdr[12:16], hdr[16:20]
    import socket
    s, d = socket.inet_ntop(socket.AF_INET, src), socket.inet_ntop(socket.AF_INET, dst)
    out = []
    for off in range(0, len(payload), size):
        part = payload[off:off + size]
        out.append(ip4(s, d, proto, part, ident, off, off + size < len(payload)))
    return out


# ---- encapsulations: an inner IP packet into a link-layer frame -------------------------


def gre(inner_proto, payload, key=None, seq=None, checksum=False, ver=0, ack=None):
    flags = (0x8000 if checksum else 0) | (0x2000 if key is not None else 0) | \
        (0x1000 if seq is not None else 0) | (0x0080 if ack is not None else 0) | ver
    h = struct.pack("!HH", flags, inner_proto)
    opt = b""
    if checksum:
        opt += b"\0\0\0\0"
    if key is not None:
        opt += struct.pack("!I", key)
    if seq is not None:
        opt += struct.pack("!I", seq)
    if ack is not None:
        opt += struct.pack("!I", ack)
    pkt = h + opt + payload
    if checksum:
        c = csum(pkt)
        pkt = pkt[:4] + struct.pack("!H", c) + pkt[6:]
    return pkt


def ethertype_of(pkt):
    return 0x86DD if pkt[0] >> 4 == 6 else 0x0800


def over_gre(pkt, i, **kw):
    return eth(ip4(OUT_A, OUT_B, 47, gre(ethertype_of(pkt), pkt, **kw)))


def w_plain(pkt, i):
    return eth(pkt)


def w_gre(pkt, i):
    return over_gre(pkt, i)


def w_gre_key(pkt, i):
    return over_gre(pkt, i, key=0x0A0B0C0D)


def w_gre_seq_csum(pkt, i):
    return over_gre(pkt, i, key=7, seq=i, checksum=True)


def w_gre6(pkt, i):  # GRE over IPv6
    return eth(ip6(OUT_A6, OUT_B6, 47, gre(ethertype_of(pkt), pkt)))


def w_gre_ppp(pkt, i):
    """PPTP's enhanced GRE (RFC 2637 §4.1): version 1, key = payload length + call ID."""
    ppp = b"\xff\x03" + struct.pack("!H", 0x0021 if pkt[0] >> 4 == 4 else 0x0057) + pkt
    key = (len(ppp) << 16) | 0x4A21
    return eth(ip4(OUT_A, OUT_B, 47, gre(0x880B, ppp, key=key, seq=i, ver=1,
                                         ack=i if i % 2 else None)))


def w_gre_eth(pkt, i):  # transparent Ethernet bridging (0x6558), as in NVGRE or gretap
    return eth(ip4(OUT_A, OUT_B, 47, gre(0x6558, eth(pkt), key=0x100)))


def w_erspan1(pkt, i):
    return eth(ip4(OUT_A, OUT_B, 47, gre(0x88BE, eth(pkt))))


def w_erspan2(pkt, i):
    hdr = struct.pack("!HHI", (1 << 12) | 10, (0 << 13) | (3 << 11) | 0x17, 42)
    return eth(ip4(OUT_A, OUT_B, 47, gre(0x88BE, hdr + eth(pkt), seq=i)))


def w_erspan3(pkt, i):
    # version 2, VLAN 10; session 0x17; timestamp; SGT, P, FT 0, HW id, D, Gra, O=1
    hdr = struct.pack("!HHIHH", (2 << 12) | 10, 0x17, 123456 + i, 0, 0x0001)
    platform = struct.pack("!II", (3 << 26) | 5, 0x11223344)  # platform sub-header (O bit)
    return eth(ip4(OUT_A, OUT_B, 47, gre(0x22EB, hdr + platform + eth(pkt), seq=i)))


def w_ipip(pkt, i):
    return eth(ip4(OUT_A, OUT_B, 4 if pkt[0] >> 4 == 4 else 41, pkt))


def w_4in6(pkt, i):
    return eth(ip6(OUT_A6, OUT_B6, 4 if pkt[0] >> 4 == 4 else 41, pkt))


def w_vxlan(pkt, i):
    hdr = struct.pack("!II", 0x08000000, 5001 << 8)
    return eth(ip4(OUT_A, OUT_B, 17, udp(OUT_A, OUT_B, 49152 + i, 4789, hdr + eth(pkt))))


def w_geneve(pkt, i):
    opt = struct.pack("!HBB", 0x0102, 0x80, 1) + b"\x01\x02\x03\x04"  # one 4-byte option
    hdr = struct.pack("!BBHI", len(opt) // 4, 0, 0x6558, 7001 << 8) + opt
    return eth(ip4(OUT_A, OUT_B, 17, udp(OUT_A, OUT_B, 49152 + i, 6081, hdr + eth(pkt))))


def w_geneve_ip(pkt, i):  # Geneve carrying IP directly
    hdr = struct.pack("!BBHI", 0, 0, ethertype_of(pkt), 7002 << 8)
    return eth(ip4(OUT_A, OUT_B, 17, udp(OUT_A, OUT_B, 49152 + i, 6081, hdr + pkt)))


def mpls(pkt, labels):
    out = b""
    for k, lab in enumerate(labels):
        out += struct.pack("!I", (lab << 12) | ((1 if k == len(labels) - 1 else 0) << 8) | 64)
    return out + pkt


def w_mpls(pkt, i):
    return eth(mpls(pkt, [16004, 24001]), 0x8847)


def w_gre_mpls(pkt, i):
    return eth(ip4(OUT_A, OUT_B, 47, gre(0x8847, mpls(pkt, [30]))))


def w_vlan_gre(pkt, i):  # QinQ, then GRE
    tags = struct.pack("!HHHH", 100, 0x8100, 200, 0x0800)
    inner = ip4(OUT_A, OUT_B, 47, gre(ethertype_of(pkt), pkt))
    return MAC_B + MAC_A + struct.pack("!H", 0x88A8) + tags + inner


def nest_gre(pkt, depth):
    for _ in range(depth):
        pkt = ip4(OUT_A, OUT_B, 47, gre(0x0800, pkt))
    return pkt


def w_gre8(pkt, i):
    return eth(nest_gre(pkt, 8))


def w_gre9(pkt, i):
    return eth(nest_gre(pkt, 9))


# ---- writing ---------------------------------------------------------------------------


def pcap(path, frames, linktype=1, snap=262144):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snap, linktype))
        for t, fr, wire in frames:
            ts = 1765000000 + t
            sec = int(ts)
            usec = int(round((ts - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(fr), wire))
            f.write(fr)


def frames_of(pkts, wrap):
    return [(t, wrap(p, i), len(wrap(p, i))) for i, (t, p) in enumerate(pkts)]


CLEAN = "cancelled cleanly"


def cases():
    """(name, frames, exit, outcome, skipped, extra options)."""
    v4 = udp_packets(CALLER, PBX, call(CALLER, PBX))
    v6 = udp_packets(CALLER6, PBX6, call(CALLER6, PBX6))
    out = []
    for name, wrap in [("plain", w_plain), ("gre", w_gre), ("gre_key", w_gre_key),
                       ("gre_seq_csum", w_gre_seq_csum), ("gre_over_ipv6", w_gre6),
                       ("gre_ppp", w_gre_ppp), ("gre_eth", w_gre_eth), ("erspan1", w_erspan1),
                       ("erspan2", w_erspan2), ("erspan3", w_erspan3), ("ipip", w_ipip),
                       ("4in6", w_4in6), ("vxlan", w_vxlan), ("geneve", w_geneve),
                       ("geneve_ip", w_geneve_ip), ("mpls", w_mpls), ("gre_mpls", w_gre_mpls),
                       ("qinq_gre", w_vlan_gre), ("gre_8_deep", w_gre8)]:
        out.append((name, frames_of(v4, wrap), 0, CLEAN, "-", ""))
    out.append(("6in4", frames_of(v6, w_ipip), 0, CLEAN, "-", ""))
    out.append(("gre_ipv6_inner", frames_of(v6, w_gre), 0, CLEAN, "-", ""))
    # the INVITE, with a long SDP, fragmented inside the tunnel (the inner header's ID)
    big = udp_packets(CALLER, PBX, call(CALLER, PBX, pad=25))
    frag = []
    for t, p in big:
        for k, f in enumerate(fragment4(p) if len(p) > 1200 else [p]):
            frag.append((t + k * 1e-4, f))
    out.append(("gre_inner_fragments", frames_of(frag, w_gre), 0, CLEAN, "-", ""))
    out.append(("vxlan_inner_fragments", frames_of(frag, w_vxlan), 0, CLEAN, "-", ""))
    # hostile: nine tunnels deep is past the limit, every frame of it counted
    out.append(("gre_9_deep", frames_of(v4, w_gre9), 0, "-", "too_deep=7", ""))
    # SIP over SCTP (RFC 4168)
    for mode in ("single", "bundled", "fragmented"):
        out.append(("sctp_" + mode, frames_of(sctp_packets(CALLER, PBX, call(CALLER, PBX, "SCTP"),
                                                           mode), w_plain), 0, CLEAN, "-", ""))
    out.append(("sctp_gre", frames_of(sctp_packets(CALLER, PBX, call(CALLER, PBX, "SCTP")),
                                      w_gre), 0, CLEAN, "-", ""))
    out += hostile_sctp()
    out += unreadable(v4)
    return out


def hostile_sctp():
    msgs = call(CALLER, PBX, "SCTP")
    pk = sctp_packets(CALLER, PBX, msgs)
    bad = []
    # a chunk of length 0 (a naive reader loops on it forever), then one of length 2
    loop = ip4(CALLER, PBX, 132, sctp(5060, 5060, [struct.pack("!BBH", 0, 3, 0) + b"\0" * 12]))
    short = ip4(CALLER, PBX, 132, sctp(5060, 5060, [struct.pack("!BBH", 0, 3, 2) + b"\0" * 14]))
    # a chunk claiming 65535 bytes in a packet of 60
    absurd = ip4(CALLER, PBX, 132, sctp(5060, 5060, [data_chunk(7, b"INVITE", length=65535)]))
    # a message's middle fragment with no beginning
    orphan = ip4(CALLER, PBX, 132, sctp(5060, 5060, [data_chunk(5000, b"x" * 40, flags=0)]))
    # the common header cut short
    cut = ip4(CALLER, PBX, 132, b"\x13\xc4\x13\xc4\0\0")
    for k, p in enumerate([loop, short, absurd, orphan, cut]):
        bad.append((1.0 + k * 0.01, p))
    frames = frames_of(sorted(pk + bad, key=lambda x: x[0]), w_plain)
    return [("sctp_hostile", frames, 0, CLEAN, "sctp_malformed=4 malformed=1", "")]


def tls_record():
    hello = b"\x01\x00\x00\x2c\x03\x03" + b"\x5a" * 32 + b"\x00\x00\x02\x13\x01\x01\x00"
    return b"\x16\x03\x01" + struct.pack("!H", len(hello)) + hello


def unreadable(v4):
    out = []
    # beside the call: a TLS connection to 5061, an ARP, a ping, STUN on 5060, a frame cut by
    # the snapshot length, an unknown EtherType, GRE of an unknown protocol, ERSPAN cut short
    extra = []
    tl = tcp_packets(CALLER, PBX, [(0.5, True, tls_record()), (0.6, False, tls_record())])
    for t, p in tl:
        extra.append((t, eth(p), None))
    arp = MAC_B + b"\xff" * 6 + b"\x08\x06" + b"\x00\x01\x08\x00\x06\x04\x00\x01" + b"\0" * 20
    extra.append((0.7, arp, None))
    ping = ip4(CALLER, PBX, 1, b"\x08\x00\xf7\xff\x00\x00\x00\x00")
    extra.append((0.8, eth(ping), None))
    stun = b"\x00\x01\x00\x00\x21\x12\xa4\x42" + b"\x01" * 12
    extra.append((0.9, eth(ip4(CALLER, PBX, 17, udp(CALLER, PBX, 5060, 5060, stun))), None))
    keep = b"\r\n\r\n"
    extra.append((0.95, eth(ip4(CALLER, PBX, 17, udp(CALLER, PBX, 5060, 5060, keep))), None))
    opts = call(CALLER, PBX)[-1][2]
    cutf = eth(ip4(CALLER, PBX, 17, udp(CALLER, PBX, 5060, 5060, opts)))
    extra.append((1.0, cutf[:120], len(cutf)))
    extra.append((1.1, MAC_B + MAC_A + b"\x88\xb5" + b"\0" * 46, None))
    extra.append((1.2, eth(ip4(OUT_A, OUT_B, 47, gre(0x1234, b"\0" * 40))), None))
    extra.append((1.3, eth(ip4(OUT_A, OUT_B, 47, gre(0x88BE, b"\x10\x0a", seq=1))), None))
    frames = sorted(frames_of(v4, w_plain) + [(t, f, w or len(f)) for t, f, w in extra],
                    key=lambda x: x[0])
    out.append(("unreadable", frames, 0, CLEAN,
                "not_sip=1 tls=2 keepalive=1 not_ip=1 other_ip_proto=1 unknown_encap=2 "
                "truncated=1 malformed=1", ""))
    # a message over the limit: reported with the size its head declares, read when raised
    bigcall = call(CALLER, PBX, "TCP", pad=1100)
    tp = tcp_packets(CALLER, PBX, bigcall)
    out.append(("too_large", frames_of(tp, w_plain), 0, "no INVITE", "too_large=1", ""))
    out.append(("too_large_raised", frames_of(tp, w_plain), 0, CLEAN, "-",
                "--max-message 200000"))
    return out


def write_all(outdir):
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "MANIFEST.tsv"), "w") as man:
        for name, frames, rc, outcome, skipped, opts in cases():
            pcap(os.path.join(outdir, name + ".pcap"), frames)
            man.write("\t".join([name + ".pcap", str(rc), outcome, skipped, opts]) + "\n")


def write_seeds(outdir):
    """The first two messages of each case: small seeds for fuzz_capture."""
    os.makedirs(outdir, exist_ok=True)
    for name, frames, _, _, _, _ in cases():
        if name in ("plain", "too_large_raised"):
            continue
        keep = [f for f in frames if len(f[1]) < 2000][:3]
        pcap(os.path.join(outdir, "capture-" + name + ".pcap"), keep)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--seeds":
        write_seeds(sys.argv[2])
    elif len(sys.argv) == 2:
        write_all(sys.argv[1])
    else:
        sys.exit(__doc__)
