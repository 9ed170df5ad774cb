#!/usr/bin/env python3
"""Turn a real SIP capture into what a HEP collector captures: one HEP datagram per message.

Source: captures/ndpi/sip.pcap (nDPI's copy of Wireshark's sample SIP call). Every UDP
datagram of it whose payload starts with a SIP start line (the 81 messages; not the RTP, not
the 5-byte keep-alives) becomes, at the same time, an Ethernet / IPv4 / UDP datagram from
192.0.2.1:9060 to 192.0.2.2:9060 (documentation addresses; IPv4 and UDP checksums computed)
carrying the message as Kamailio's siptrace sends it with hep_mode_on:

  hep3.pcap  "HEP3", total length, then vendor-0 chunks: IP family 2, IP protocol 17, IPv4
             source and destination, source and destination ports, seconds, microseconds,
             protocol type 1 (SIP), capture id 2001, the payload (the message, unchanged)
  hep2.pcap  version 2, header length 16, family 2 (AF_INET), protocol 17, ports, addresses
             (network order), then seconds, microseconds, capture id and 2 bytes of padding in
             the sender's order (little-endian, as siptrace on x86 writes them), the message

The addresses, ports and times inside HEP are the original datagram's, so the verdict of each
is exactly that of ndpi/sip.pcap.

Run from anywhere: python3 tests/corpus/edit/hep.py (writes captures/edited/hep3.pcap, hep2.pcap).
"""
import os
import re
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapedit import CORPUS, OUT_A, OUT_B, eth, ip4, ipv4_of, read_pcap, udp, write_pcap  # noqa: E402

SOURCE = os.path.join(CORPUS, "ndpi", "sip.pcap")
START = re.compile(rb"^(SIP/2\.0 \d{3} |[A-Z]+ \S+ SIP/2\.0\r\n)")


def chunk(ctype, value):
    return struct.pack("!HHH", 0, ctype, 6 + len(value)) + value


def hep3(src, dst, sport, dport, sec, usec, payload):
    body = (chunk(1, b"\x02") + chunk(2, b"\x11") + chunk(3, src) + chunk(4, dst) +
            chunk(7, struct.pack("!H", sport)) + chunk(8, struct.pack("!H", dport)) +
            chunk(9, struct.pack("!I", sec)) + chunk(10, struct.pack("!I", usec)) +
            chunk(11, b"\x01") + chunk(12, struct.pack("!I", 2001)) + chunk(15, payload))
    return b"HEP3" + struct.pack("!H", 6 + len(body)) + body


def hep2(src, dst, sport, dport, sec, usec, payload):
    return (struct.pack("!BBBBHH", 2, 16, 2, 17, sport, dport) + src + dst +
            struct.pack("<IIHH", sec, usec, 2001, 0) + payload)


def main():
    linktype, records = read_pcap(SOURCE)
    assert linktype == 1, "the source is Ethernet"
    outs = {"hep3": [], "hep2": []}
    for i, (sec, usec, frame, wire) in enumerate(records):
        pkt = ipv4_of(frame)
        if pkt is None or pkt[9] != 17 or struct.unpack("!H", pkt[6:8])[0] & 0x3FFF:
            continue  # only whole UDP datagrams (the source has no fragments)
        ihl = (pkt[0] & 15) * 4
        total = struct.unpack("!H", pkt[2:4])[0]
        seg = pkt[ihl:total]
        sport, dport, ulen = struct.unpack("!HHH", seg[:6])
        payload = seg[8:ulen]
        if not START.match(payload):
            continue
        src, dst = pkt[12:16], pkt[16:20]
        for name, enc in (("hep3", hep3), ("hep2", hep2)):
            d = enc(src, dst, sport, dport, sec, usec, payload)
            outs[name].append((sec, usec, eth(ip4(OUT_A, OUT_B, 17, udp(OUT_A, OUT_B, 9060, 9060, d),
                                                  0x3000 + i), 0x0800)))
    for name, recs in outs.items():
        write_pcap(os.path.join(CORPUS, "edited", name + ".pcap"), recs)
        print("%s: %d HEP datagrams" % (name, len(recs)))


if __name__ == "__main__":
    main()
