"""Reading and writing classic pcap files, and the IP/UDP headers the edits need.

Standard library only. Used by the scripts of tests/corpus/edit/, which wrap the frames of a
real capture of the corpus into an encapsulation no public capture shows with SIP inside.
IPv4 header checksums and UDP checksums are computed (or zeroed where the protocol allows it).
"""
import os
import socket
import struct

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "captures")

# Outer addresses of the added tunnel: documentation ranges (RFC 5737, RFC 3849), never sent to.
OUT_A, OUT_B = "192.0.2.1", "192.0.2.2"
OUT_A6, OUT_B6 = "2001:db8::1", "2001:db8::2"
MAC_A, MAC_B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")


def read_pcap(path):
    """(sec, usec, frame, wire length) of each record, and the link type."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(end + "I", data[20:24])[0]
    out, off = [], 24
    while off + 16 <= len(data):
        sec, usec, caplen, wire = struct.unpack(end + "IIII", data[off:off + 16])
        out.append((sec, usec, data[off + 16:off + 16 + caplen], wire))
        off += 16 + caplen
    return linktype, out


def write_pcap(path, records, linktype=1):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for sec, usec, frame in records:
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            f.write(frame)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def aton(a):
    return socket.inet_pton(socket.AF_INET6 if ":" in a else socket.AF_INET, a)


def ip4(src, dst, proto, payload, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0x4000, 64,
                    proto, 0, aton(src), aton(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ip6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64, aton(src),
                       aton(dst)) + payload


def udp(src, dst, sport, dport, payload, zero_checksum=False):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    if zero_checksum:
        return seg
    pseudo = aton(src) + aton(dst) + struct.pack("!xBH", 17, len(seg))
    c = csum(pseudo + seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def eth(payload, etype):
    return MAC_B + MAC_A + struct.pack("!H", etype) + payload


def ipv4_of(frame):
    """The IPv4 packet of an untagged Ethernet frame, or None."""
    if len(frame) > 14 and frame[12:14] == b"\x08\x00":
        return frame[14:]
    return None
