#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Memory per idle WebSocket connection of `sipkit proxy -l ws:` (a benchmark,
not a test: nothing is asserted). `make bench-ws-idle` runs it.

    ws_idle.py SIPKIT [N]

Starts the proxy (the build without sanitizers) on loopback with caps raised
for one source, opens N WebSocket connections to it (default 2000), each
upgraded with the `sip` subprotocol and carrying one OPTIONS (so it is an
established connection that the proxy keeps, not a new one closed after 20 s),
then measures the proxy's resident memory (VmRSS) and heap (the change in
/proc/PID/smaps_rollup's Private_Dirty) against the same figures before the
first connection, and does the same with N plain TCP connections for
comparison. The kernel's socket buffers are not in these figures. Bounded:
every wait has a timeout, the proxy is stopped by its PID at the end.
"""
import base64
import os
import resource
import signal
import socket
import subprocess
import sys
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def mem(pid):
    rss = dirty = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Private_Dirty:"):
                dirty = int(line.split()[1])
    return rss * 1024, dirty * 1024


def options(i, transport, port):
    return ("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n"
            "Via: SIP/2.0/%s b%d.invalid;branch=z9hG4bKi%d\r\nMax-Forwards: 70\r\n"
            "From: <sip:u%d@127.0.0.1>;tag=t%d\r\nTo: <sip:127.0.0.1>\r\nCall-ID: idle%d\r\n"
            "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" % (port, transport, i, i, i, i, i)).encode()


def ws_frame(payload):
    mask = os.urandom(4)
    n = len(payload)
    head = b"\x81" + (bytes([0x80 | n]) if n < 126 else bytes([0xFE]) + n.to_bytes(2, "big"))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def read_until(s, what, deadline):
    buf = b""
    while what not in buf:
        if time.time() > deadline:
            raise SystemExit("ws_idle: no answer in time")
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit("ws_idle: the proxy closed a connection")
        buf += chunk
    return buf


def open_ws(port, i, udp_port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: sip\r\n\r\n" % key).encode())
    deadline = time.time() + 10
    read_until(s, b"\r\n\r\n", deadline)
    s.sendall(ws_frame(options(i, "WS", udp_port)))
    read_until(s, b"SIP/2.0 200", deadline)
    return s


def open_tcp(port, i):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(options(i, "TCP", port))
    read_until(s, b"SIP/2.0 200", time.time() + 10)
    return s


def measure(pid, n, opener):
    before = mem(pid)
    conns = []
    t0 = time.time()
    for i in range(n):
        conns.append(opener(i))
    time.sleep(0.5)
    after = mem(pid)
    secs = time.time() - t0
    for s in conns:
        s.close()
    time.sleep(0.5)
    return before, after, secs


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    sipkit = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) == 3 else 2000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 2 * n + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < n + 64:
        sys.exit("ws_idle: only %d file descriptors; lower N" % want)
    udp, tcp, ws = free_port(), free_port(), free_port()
    cap = str(n + 100)
    proxy = subprocess.Popen(
        ["timeout", "-k", "5", "300", sipkit, "proxy", "-l", "udp:127.0.0.1:%d" % udp,
         "-l", "tcp:127.0.0.1:%d" % tcp, "-l", "ws:127.0.0.1:%d" % ws, "--ctl",
         "/tmp/sk_ws_idle_%d.sock" % os.getpid(), "--tcp-max-in", str(2 * n + 100),
         "--tcp-max-per-source", cap, "--ws-max-conns", cap],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 10
        while proxy.stderr.readline().find(b"ws:127.0.0.1") < 0:
            if time.time() > deadline or proxy.poll() is not None:
                sys.exit("ws_idle: the proxy did not start")
        pid = int(subprocess.check_output(["pgrep", "-P", str(proxy.pid)]).split()[0])
        print("sipkit proxy (%s), %d idle connections of each kind, one OPTIONS each" % (sipkit, n))
        for name, opener in (("websocket", lambda i: open_ws(ws, i, udp)),
                             ("tcp", lambda i: open_tcp(tcp, i))):
            (rss0, d0), (rss1, d1), secs = measure(pid, n, opener)
            print("%-9s  RSS %6.1f -> %6.1f MiB: %5.0f bytes/connection; private dirty "
                  "%5.0f bytes/connection (opened in %.1f s)" %
                  (name, rss0 / 2**20, rss1 / 2**20, (rss1 - rss0) / n, (d1 - d0) / n, secs))
    finally:
        proxy.send_signal(signal.SIGTERM)
        try:
            proxy.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proxy.kill()
            proxy.wait()


if __name__ == "__main__":
    main()
