#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A SIP phone over WebSocket (RFC 6455, RFC 7118) as a browser is one, for the
interop tests: standard library only, loopback only, every wait bounded.

    HOST:PORT may be wss:HOST:PORT: secure WebSocket (TLS first, RFC 6455 §3), the
    server verified against the CA file in $WSPHONE_CA (not at all without it);
    the Via then says WSS, the Contact transport=ws (RFC 7118 §5.2).

    wsphone.py ring HOST:PORT USER DOMAIN READY_FILE
        upgrades (subprotocol sip, masked frames), REGISTERs USER@DOMAIN with a
        Contact at a .invalid host, writes READY_FILE, then answers the first
        INVITE with 180, its CANCEL with 200 and the INVITE with 487, waits for
        the ACK, and closes the connection with a close frame (1000). Exit 0
        when all of that happened, 1 otherwise (the reason on stderr).
    wsphone.py answer HOST:PORT USER DOMAIN READY_FILE
        registers as ring does, answers the first INVITE with 180 and 200, and
        must then get the ACK and a BYE (answered 200) over its connection: the
        proxy's flow token at work (RFC 7118 §5). Exit 0 when it did.
    wsphone.py serve ring|answer|leave HOST:PORT USER DOMAIN READY_FILE N
        registers as ring does, then serves N calls, several at once (one
        state per Call-ID): ring answers each INVITE with 180, its CANCEL with
        200 and the INVITE with 487, and waits for the ACK; answer answers 180
        and 200 and must get the ACK and a BYE (answered 200); leave answers
        the first INVITE with 180 and leaves at once (a tab closed while it
        rings). Then closes with a close frame (1000). Exit 0 when all N calls
        went so (within 60 s).
        HOST:PORT may also be tcp:HOST:PORT: plain SIP over TCP (RFC 3261
        §18.3, framed by Content-Length), the Contact naming the connection's
        own local address and port, where nobody listens (a phone behind NAT:
        the proxy reaches it over this connection or not at all).
    wsphone.py raw HOST:PORT HEXBYTES
        upgrades, sends the bytes as they are, prints the close code the server
        answers with (or "closed" / "open"), for the bad-frame cases.
    wsphone.py bytes HOST:PORT HEXBYTES
        a plain TCP connection that sends the bytes (no upgrade, no TLS) and
        prints "closed" when the server closes it within 10 s, else "open".
    wsphone.py stall HOST:PORT N
        N plain TCP connections that never send a byte (a TLS handshake that
        never ends); prints how many the server closed within 10 s.
With $WSPHONE_LOG set, ring and answer append the upgrade's answer and every
SIP message they send (">>>") and receive ("<<<") to that file.
"""
import base64
import os
import re
import select
import socket
import ssl
import struct
import sys
import time

TIMEOUT = 10.0


def secure(hostport):
    """(hostport without its wss: prefix, True) for secure WebSocket."""
    if hostport.startswith("wss:"):
        return hostport[4:], True
    return hostport, False


def upgrade(hostport):
    hostport, tls = secure(hostport)
    host, port = hostport.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    if tls:
        ctx = ssl.create_default_context(cafile=os.environ.get("WSPHONE_CA") or None)
        if not os.environ.get("WSPHONE_CA"):
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname=host)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET / HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n"
               f"Origin: http://{host}\r\n\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("wsphone: closed during the upgrade")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    trace("<<<", head.decode("utf-8", "replace") + "\r\n")
    if not head.startswith(b"HTTP/1.1 101"):
        raise SystemExit("wsphone: upgrade refused: " + head.split(b"\r\n")[0].decode())
    return s, rest


def frame(op, payload, fin=True):
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | op])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class Reader:
    def __init__(self, sock, rest):
        self.s, self.buf = sock, rest

    def next(self):
        """(opcode, payload) of the next whole frame; None when the peer closed."""
        while True:
            if len(self.buf) >= 2:
                n = self.buf[1] & 0x7F
                hl = 2 + (2 if n == 126 else 8 if n == 127 else 0)
                if len(self.buf) >= hl:
                    if n == 126:
                        n = struct.unpack(">H", self.buf[2:4])[0]
                    elif n == 127:
                        n = struct.unpack(">Q", self.buf[2:10])[0]
                    if self.buf[1] & 0x80:
                        raise SystemExit("wsphone: masked frame from the server (RFC 6455 §5.1)")
                    if len(self.buf) >= hl + n:
                        op, data = self.buf[0] & 0x0F, self.buf[hl:hl + n]
                        self.buf = self.buf[hl + n:]
                        return op, data
            chunk = self.s.recv(65536)
            if not chunk:
                return None
            self.buf += chunk


def trace(way, text):
    if os.environ.get("WSPHONE_LOG"):
        with open(os.environ["WSPHONE_LOG"], "a") as f:
            f.write("%s %.3f\n%s\n" % (way, time.time(), text.replace("\r\n", "\n")))


def send_sip(s, text):
    trace(">>>", text)
    s.sendall(frame(1, text.encode()))


def header(msg, name):
    m = re.search(r"^" + name + r":\s*(.*?)\r?$", msg, re.M | re.I)
    return m.group(1).strip() if m else ""


SDP = ("v=0\r\no=ws 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def response(req, code, text, to_tag=None, contact=None):
    vias = [v.rstrip("\r") for v in re.findall(r"^((?:Via|v):.*)$", req, re.M | re.I)]
    to = header(req, "To") + (f";tag={to_tag}" if to_tag and "tag=" not in header(req, "To") else "")
    rr = [v.rstrip("\r") for v in re.findall(r"^(Record-Route:.*)$", req, re.M | re.I)]
    extra = "".join(r + "\r\n" for r in rr) if contact else ""
    body = SDP if contact else ""
    if contact:
        extra += "Contact: <%s>\r\nContent-Type: application/sdp\r\n" % contact
    return ("SIP/2.0 %d %s\r\n%s\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\n"
            "%sContent-Length: %d\r\n\r\n%s" % (code, text, "\r\n".join(vias), header(req, "From"),
                                               to, header(req, "Call-ID"), header(req, "CSeq"),
                                               extra, len(body), body))


def ring(hostport, user, domain, ready, mode="cancel"):
    via = "WSS" if secure(hostport)[1] else "WS"
    s, rest = upgrade(hostport)
    rd = Reader(s, rest)
    inv = "x" + os.urandom(4).hex()
    reg = (f"REGISTER sip:{domain} SIP/2.0\r\n"
           f"Via: SIP/2.0/{via} {inv}.invalid;branch=z9hG4bK{os.urandom(6).hex()}\r\n"
           f"Max-Forwards: 70\r\nFrom: <sip:{user}@{domain}>;tag={os.urandom(4).hex()}\r\n"
           f"To: <sip:{user}@{domain}>\r\nCall-ID: {os.urandom(8).hex()}\r\nCSeq: 1 REGISTER\r\n"
           f"Contact: <sip:{user}@{inv}.invalid;transport=ws>\r\nExpires: 600\r\n\r\n")
    send_sip(s, reg)
    deadline = time.time() + TIMEOUT
    invite = None
    state = "register"
    while time.time() < deadline:
        f = rd.next()
        if f is None:
            raise SystemExit(f"wsphone: the server closed the connection ({state})")
        op, data = f
        if op == 9:
            s.sendall(frame(10, data))
            continue
        if op not in (1, 2):
            continue
        msg = data.decode("utf-8", "replace")
        trace("<<<", msg)
        first = msg.split("\r\n", 1)[0]
        if state == "register":
            if first.startswith("SIP/2.0 200") and "REGISTER" in header(msg, "CSeq"):
                open(ready, "w").write("registered\n")
                state = "wait-invite"
            elif first.startswith("SIP/2.0 "):
                raise SystemExit("wsphone: REGISTER answered " + first)
        elif first.startswith("INVITE ") and state == "wait-invite":
            invite = msg
            send_sip(s, response(msg, 180, "Ringing", "ws1"))
            state = "ringing"
            if mode == "answer":
                contact = f"sip:{user}@{inv}.invalid;transport=ws"
                send_sip(s, response(msg, 200, "OK", "ws1", contact))
                state = "answered"
        elif first.startswith("ACK ") and state == "answered":
            state = "wait-bye"
        elif first.startswith("BYE ") and state == "wait-bye":
            send_sip(s, response(msg, 200, "OK", "ws1"))
            s.sendall(frame(8, struct.pack(">H", 1000) + b"done"))
            f = rd.next()
            if f is None or f[0] != 8:
                raise SystemExit("wsphone: no close frame in answer to ours")
            s.close()
            return 0
        elif first.startswith("CANCEL ") and state == "ringing":
            send_sip(s, response(msg, 200, "OK"))
            send_sip(s, response(invite, 487, "Request Terminated", "ws1"))
            state = "wait-ack"
        elif first.startswith("ACK ") and state == "wait-ack":
            s.sendall(frame(8, struct.pack(">H", 1000) + b"done"))
            f = rd.next()
            if f is None or f[0] != 8:
                raise SystemExit("wsphone: no close frame in answer to ours")
            s.close()
            return 0
    raise SystemExit(f"wsphone: timed out ({state})")


class TcpConn:
    """Plain SIP over TCP with the interface serve() uses: messages framed by
    Content-Length (RFC 3261 §18.3)."""

    def __init__(self, hostport):
        host, port = hostport.rsplit(":", 1)
        self.s = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        self.buf = b""

    def local(self):
        return "%s:%d" % self.s.getsockname()[:2]

    def send(self, text):
        trace(">>>", text)
        self.s.sendall(text.encode())

    def next(self):
        """The next SIP message as text; None when the peer closed."""
        while True:
            head_end = self.buf.find(b"\r\n\r\n")
            if head_end >= 0:
                head = self.buf[:head_end].decode("utf-8", "replace")
                m = re.search(r"^(?:Content-Length|l)\s*:\s*(\d+)", head, re.M | re.I)
                n = int(m.group(1)) if m else 0
                if len(self.buf) >= head_end + 4 + n:
                    msg = self.buf[:head_end + 4 + n].decode("utf-8", "replace")
                    self.buf = self.buf[head_end + 4 + n:].lstrip(b"\r\n")
                    return msg
            chunk = self.s.recv(65536)
            if not chunk:
                return None
            self.buf += chunk

    def close(self):
        self.s.close()


class WsConn:
    """SIP over WebSocket with the same interface: one message per frame."""

    def __init__(self, hostport):
        self.s, rest = upgrade(hostport)
        self.rd = Reader(self.s, rest)

    def send(self, text):
        send_sip(self.s, text)

    def next(self):
        while True:
            f = self.rd.next()
            if f is None:
                return None
            op, data = f
            if op == 9:
                self.s.sendall(frame(10, data))
            elif op == 8:
                return None
            elif op in (1, 2):
                return data.decode("utf-8", "replace")

    def close(self):
        self.s.sendall(frame(8, struct.pack(">H", 1000) + b"done"))
        f = self.rd.next()
        while f is not None and f[0] != 8:  # until the server's close frame
            f = self.rd.next()
        if f is None:
            raise SystemExit("wsphone: no close frame in answer to ours")
        self.s.close()


def serve(mode, hostport, user, domain, ready, n):
    """N calls, each in its own state by Call-ID (they may overlap)."""
    tcp = hostport.startswith("tcp:")
    c = TcpConn(hostport[4:]) if tcp else WsConn(hostport)
    if tcp:
        via, host, param = "TCP", c.local(), "tcp"
    else:
        via = "WSS" if secure(hostport)[1] else "WS"
        host, param = "x" + os.urandom(4).hex() + ".invalid", "ws"
    contact = f"sip:{user}@{host};transport={param}"
    c.send(f"REGISTER sip:{domain} SIP/2.0\r\n"
           f"Via: SIP/2.0/{via} {host};branch=z9hG4bK{os.urandom(6).hex()}\r\n"
           f"Max-Forwards: 70\r\nFrom: <sip:{user}@{domain}>;tag={os.urandom(4).hex()}\r\n"
           f"To: <sip:{user}@{domain}>\r\nCall-ID: {os.urandom(8).hex()}\r\n"
           f"CSeq: 1 REGISTER\r\nContact: <{contact}>\r\nExpires: 600\r\n"
           f"Content-Length: 0\r\n\r\n")
    calls, done, registered = {}, 0, False
    deadline = time.time() + 60
    c.s.settimeout(TIMEOUT)
    while time.time() < deadline and done < int(n):
        msg = c.next()
        if msg is None:
            raise SystemExit(f"wsphone: the server closed the connection ({done} calls done)")
        trace("<<<", msg)
        first = msg.split("\r\n", 1)[0]
        cid = header(msg, "Call-ID")
        state = calls.get(cid)
        if not registered:
            if first.startswith("SIP/2.0 200") and "REGISTER" in header(msg, "CSeq"):
                open(ready, "w").write("registered\n")
                registered = True
            elif first.startswith("SIP/2.0 ") and not first.startswith("SIP/2.0 1"):
                raise SystemExit("wsphone: REGISTER answered " + first)
        elif first.startswith("INVITE ") and state is None:
            tag = os.urandom(4).hex()
            c.send(response(msg, 180, "Ringing", tag))
            if mode == "answer":
                c.send(response(msg, 200, "OK", tag, contact))
                calls[cid] = ["answered", msg, tag]
            elif mode == "leave":
                calls[cid] = ["done", msg, tag]
                done += 1
            else:
                calls[cid] = ["ringing", msg, tag]
        elif first.startswith("CANCEL ") and state and state[0] == "ringing":
            c.send(response(msg, 200, "OK"))
            c.send(response(state[1], 487, "Request Terminated", state[2]))
            state[0] = "wait-ack"
        elif first.startswith("ACK ") and state and state[0] == "wait-ack":
            state[0] = "done"
            done += 1
        elif first.startswith("ACK ") and state and state[0] == "answered":
            state[0] = "wait-bye"
        elif first.startswith("BYE ") and state and state[0] == "wait-bye":
            c.send(response(msg, 200, "OK", state[2]))
            state[0] = "done"
            done += 1
        elif first.startswith(("OPTIONS ", "BYE ", "INFO ")):
            c.send(response(msg, 481 if first.startswith("BYE") else 200, "OK"))
    if done < int(n):
        states = sorted(v[0] for v in calls.values() if v[0] != "done")
        raise SystemExit(f"wsphone: timed out: {done} of {n} calls done, left {states}")
    print(done)
    c.close()
    return 0


def raw(hostport, hexbytes):
    s, rest = upgrade(hostport)
    s.sendall(bytes.fromhex(hexbytes))
    rd = Reader(s, rest)
    try:
        f = rd.next()
    except socket.timeout:
        print("open")
        return 0
    if f is None:
        print("closed")
    elif f[0] == 8 and len(f[1]) >= 2:
        print(struct.unpack(">H", f[1][:2])[0])
    else:
        print("frame %d" % f[0])
    return 0


def plain(hostport):
    host, port = hostport.rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=TIMEOUT)


def closed_within(socks, seconds):
    """How many of socks the server closes (EOF or reset) within seconds."""
    live, closed, deadline = list(socks), 0, time.time() + seconds
    while live and time.time() < deadline:
        ready, _, _ = select.select(live, [], [], max(0.0, deadline - time.time()))
        for s in ready:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                closed += 1
                live.remove(s)
                s.close()
    for s in live:
        s.close()
    return closed


def send_bytes(hostport, hexbytes):
    s = plain(hostport)
    s.sendall(bytes.fromhex(hexbytes))
    print("closed" if closed_within([s], TIMEOUT) == 1 else "open")
    return 0


def stall(hostport, n):
    socks = [plain(hostport) for _ in range(int(n))]
    print(closed_within(socks, TIMEOUT))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "bytes":
        sys.exit(send_bytes(*sys.argv[2:]))
    if len(sys.argv) == 4 and sys.argv[1] == "stall":
        sys.exit(stall(*sys.argv[2:]))
    if len(sys.argv) == 6 and sys.argv[1] in ("ring", "answer"):
        sys.exit(ring(*sys.argv[2:], mode="cancel" if sys.argv[1] == "ring" else "answer"))
    if len(sys.argv) == 8 and sys.argv[1] == "serve" and sys.argv[2] in ("ring", "answer", "leave"):
        sys.exit(serve(*sys.argv[2:]))
    if len(sys.argv) == 4 and sys.argv[1] == "raw":
        sys.exit(raw(*sys.argv[2:]))
    sys.exit(__doc__)
