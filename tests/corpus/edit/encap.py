#!/usr/bin/env python3
"""Wrap every frame of a real SIP capture into tunnels no public capture shows carrying SIP.

Source: captures/ndpi/sip.pcap (nDPI's copy of Wireshark's sample SIP call: 112 Ethernet
frames, 81 SIP messages over UDP, RTP and keep-alives). Each frame, with its timestamp, is
wrapped unchanged (its inner headers and checksums are the original bytes) into:

  erspan1.pcap  Ethernet / IPv4 / GRE (0x88BE, no sequence number) / the original Ethernet frame
                (ERSPAN type I: no ERSPAN header)
  erspan2.pcap  Ethernet / IPv4 / GRE (sequence number, 0x88BE) / ERSPAN type II (session 23,
                VLAN 10) / the original Ethernet frame
  erspan3.pcap  Ethernet / IPv4 / GRE (sequence number, 0x22EB) / ERSPAN type III with a
                timestamp and its platform-specific sub-header (O bit) / the original frame
  vxlan.pcap    Ethernet / IPv4 / UDP to 4789 (checksum zero, RFC 7348 §5) / VXLAN VNI 5001 /
                the original frame
  geneve.pcap   Ethernet / IPv4 / UDP to 6081 (checksum zero, RFC 8926 §3.3) / Geneve VNI 7001
                with one 4-byte option, protocol 0x6558 / the original frame
  mpls.pcap     Ethernet 0x8847 / MPLS labels 16004, 24001 (bottom of stack) / the original IPv4
                packet
  4in6.pcap     Ethernet / IPv6 (next header 4) / the original IPv4 packet (RFC 2473)

The outer addresses are documentation ones (192.0.2.0/24, 2001:db8::/32); the outer IPv4
header checksums are computed. The SIP inside is the original's, byte for byte, so the verdict
of each edited capture is exactly that of ndpi/sip.pcap.

Run from anywhere: python3 tests/corpus/edit/encap.py (writes captures/edited/*.pcap).
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapedit import (CORPUS, OUT_A, OUT_A6, OUT_B, OUT_B6, eth, ip4, ip6, ipv4_of,  # noqa: E402
                      read_pcap, udp, write_pcap)

SOURCE = os.path.join(CORPUS, "ndpi", "sip.pcap")


def gre(proto, payload, seq):
    if seq is None:
        return struct.pack("!HH", 0, proto) + payload
    return struct.pack("!HHI", 0x1000, proto, seq) + payload  # S bit: sequence number present


def erspan1(frame, i):
    return eth(ip4(OUT_A, OUT_B, 47, gre(0x88BE, frame, None), 0x2000 + i), 0x0800)


def erspan2(frame, i):
    # ver 1, VLAN 10; COS 0, En 3 (frames kept their tags), T 0, session 23; index 42
    hdr = struct.pack("!HHI", (1 << 12) | 10, (3 << 11) | 23, 42)
    return eth(ip4(OUT_A, OUT_B, 47, gre(0x88BE, hdr + frame, i), 0x4000 + i), 0x0800)


def erspan3(frame, i, usec):
    # ver 2, VLAN 10; COS 0, BSO 0, T 0, session 23; timestamp (microseconds); SGT 0;
    # P 0, FT 0 (Ethernet), HW id 5, D 0, Gra 0 (100 us), O 1: a platform sub-header follows
    hdr = struct.pack("!HHIHH", (2 << 12) | 10, 23, usec & 0xFFFFFFFF, 0, (5 << 4) | 1)
    platform = struct.pack("!II", (3 << 26) | 5, 0x11223344)  # Platf ID 3: port ID 5, timestamp
    return eth(ip4(OUT_A, OUT_B, 47, gre(0x22EB, hdr + platform + frame, i), 0x5000 + i),
               0x0800)


def vxlan(frame, i):
    hdr = struct.pack("!II", 0x08000000, 5001 << 8)
    return eth(ip4(OUT_A, OUT_B, 17, udp(OUT_A, OUT_B, 49152 + i % 1000, 4789, hdr + frame,
                                         zero_checksum=True), 0x6000 + i), 0x0800)


def geneve(frame, i):
    opt = struct.pack("!HBB", 0x0102, 0x80, 1) + b"\x01\x02\x03\x04"  # class, type, length 1
    hdr = struct.pack("!BBHI", len(opt) // 4, 0, 0x6558, 7001 << 8) + opt
    return eth(ip4(OUT_A, OUT_B, 17, udp(OUT_A, OUT_B, 49152 + i % 1000, 6081, hdr + frame,
                                         zero_checksum=True), 0x7000 + i), 0x0800)


def mpls(packet, i):
    labels = struct.pack("!II", (16004 << 12) | 64, (24001 << 12) | (1 << 8) | 64)
    return eth(labels + packet, 0x8847)


def in6(packet, i):
    return eth(ip6(OUT_A6, OUT_B6, 4, packet), 0x86DD)


def main():
    linktype, records = read_pcap(SOURCE)
    assert linktype == 1, "the source is Ethernet"
    out_dir = os.path.join(CORPUS, "edited")
    os.makedirs(out_dir, exist_ok=True)
    outs = {n: [] for n in ("erspan1", "erspan2", "erspan3", "vxlan", "geneve", "mpls", "4in6")}
    for i, (sec, usec, frame, wire) in enumerate(records):
        assert len(frame) == wire, "frames are whole"
        outs["erspan1"].append((sec, usec, erspan1(frame, i)))
        outs["erspan2"].append((sec, usec, erspan2(frame, i)))
        outs["erspan3"].append((sec, usec, erspan3(frame, i, sec * 1000000 + usec)))
        outs["vxlan"].append((sec, usec, vxlan(frame, i)))
        outs["geneve"].append((sec, usec, geneve(frame, i)))
        packet = ipv4_of(frame)
        assert packet is not None, "every frame of the source is IPv4"
        packet = packet[:struct.unpack("!H", packet[2:4])[0]]  # without the Ethernet padding
        outs["mpls"].append((sec, usec, mpls(packet, i)))
        outs["4in6"].append((sec, usec, in6(packet, i)))
    for name, recs in outs.items():
        write_pcap(os.path.join(out_dir, name + ".pcap"), recs)


if __name__ == "__main__":
    main()
