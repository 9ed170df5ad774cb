#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A REGISTER over UDP on loopback, for tests/interop/redis.sh: sends one
REGISTER (RFC 3261 §10.2) and prints the final response's status line and
headers; retransmits like Timer E (500 ms doubling) for at most 4 s.

  sipreg.py PROXY_PORT USER CONTACT EXPIRES [CALL_ID CSEQ [Q]]

CONTACT '*' removes every binding (with EXPIRES 0); Q adds ;q=Q to the Contact. Exit 0 with a final
response, 2 without one. Loopback only: it binds and sends on 127.0.0.1.
"""
import random
import socket
import sys
import time


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 64
    port, user, contact, expires = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    call_id = sys.argv[5] if len(sys.argv) > 5 else "reg-%d@127.0.0.1" % random.getrandbits(48)
    cseq = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    q = ";q=%s" % sys.argv[7] if len(sys.argv) > 7 else ""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    lport = s.getsockname()[1]
    branch = "z9hG4bK-reg-%x" % random.getrandbits(48)
    c = "*" if contact == "*" else "<%s>%s" % (contact, q)
    req = (
        "REGISTER sip:127.0.0.1:%d SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s;rport\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:%s@127.0.0.1>;tag=%x\r\n"
        "To: <sip:%s@127.0.0.1>\r\n"
        "Call-ID: %s\r\n"
        "CSeq: %d REGISTER\r\n"
        "Contact: %s\r\n"
        "Expires: %s\r\n"
        "Content-Length: 0\r\n\r\n"
        % (port, lport, branch, user, random.getrandbits(32), user, call_id, cseq, c, expires)
    ).encode()
    deadline = time.monotonic() + 4.0
    wait = 0.5
    while time.monotonic() < deadline:
        s.sendto(req, ("127.0.0.1", port))
        end = min(deadline, time.monotonic() + wait)
        while time.monotonic() < end:
            s.settimeout(max(0.01, end - time.monotonic()))
            try:
                data, _ = s.recvfrom(65536)
            except socket.timeout:
                break
            text = data.decode("utf-8", "replace")
            head = text.split("\r\n\r\n", 1)[0]
            parts = head.split(" ", 2)
            if len(parts) < 2 or not parts[1].isdigit() or int(parts[1]) < 200:
                continue
            print(head.replace("\r\n", "\n"))
            return 0
        wait = min(wait * 2, 4.0)
    print("no final response", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
