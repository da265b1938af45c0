#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Helpers of test_ct_flood.sh.

    ct_flood.py serve PORT          TCP on [::]:PORT: an HTTP GET gets a page and
                                    the connection closes (curl's case); any other
                                    first line is echoed, line by line, for as long
                                    as the peer holds the connection
    ct_flood.py hold ADDR PORT STOP a held connection: a line every 0.2 s, each
                                    echoed within 3 s, until the file STOP exists;
                                    prints "held N" (exit 0) or "cut after N: why"
    ct_flood.py flood6 KIND DST PORT SECONDS
                                    hping3 --flood --rand-source for IPv6 (hping3
                                    has no IPv6): KIND udp or syn, from random
                                    sources in 2000::/3, through a raw socket;
                                    prints "sent N distinct D"
"""
import os
import random
import socket
import socketserver
import struct
import sys
import time


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        first = self.rfile.readline()
        if first.startswith(b"GET "):
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            body = b"hello through the firewall\n"
            self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(body), body))
            return
        line = first
        while line:
            self.wfile.write(line)
            line = self.rfile.readline()


class Server(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6
    allow_reuse_address = True
    daemon_threads = True


def serve(port):
    Server(("::", int(port)), Handler).serve_forever()


def hold(addr, port, stop):
    s = socket.create_connection((addr, int(port)), timeout=5)
    s.settimeout(3)
    f = s.makefile("rb")
    n = 0
    while not os.path.exists(stop):
        msg = b"hold %d\n" % n
        try:
            s.sendall(msg)
            back = f.readline()
        except OSError as e:
            print("cut after %d: %s" % (n, e))
            return 1
        if back != msg:
            print("cut after %d: got %r" % (n, back))
            return 1
        n += 1
        time.sleep(0.2)
    print("held %d" % n)
    return 0


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def packet6(kind, src, dst, port):
    sport = random.randint(1024, 65535)
    if kind == "udp":
        l4 = struct.pack("!HHHH", sport, port, 8 + 4, 0) + b"ward"
        proto = 17
        ck = 6
    else:
        l4 = struct.pack("!HHIIBBHHH", sport, port, random.getrandbits(32), 0,
                         5 << 4, 0x02, 64240, 0, 0)
        proto = 6
        ck = 16
    pseudo = src + dst + struct.pack("!IxxxB", len(l4), proto)
    c = csum(pseudo + l4) or 0xFFFF
    l4 = l4[:ck] + struct.pack("!H", c) + l4[ck + 2:]
    ip6 = struct.pack("!IHBB", 6 << 28, len(l4), proto, 64) + src + dst
    return ip6 + l4


def flood6(kind, dst, port, seconds):
    dstb = socket.inet_pton(socket.AF_INET6, dst)
    # A pool of distinct spoofed flows, built before the clock starts.
    pool = []
    for _ in range(60000):
        src = bytes([0x20 | random.getrandbits(4)]) + random.getrandbits(120).to_bytes(15, "big")
        pool.append(packet6(kind, src, dstb, int(port)))
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    end = time.monotonic() + float(seconds)
    sent = 0
    dest = (dst, 0)
    while time.monotonic() < end:
        for p in pool[sent % len(pool):] if sent % len(pool) else pool:
            try:
                s.sendto(p, dest)
            except OSError:
                pass
            sent += 1
            if not sent % 4096 and time.monotonic() >= end:
                break
    print("sent %d distinct %d" % (sent, min(sent, len(pool))))
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "serve":
        return serve(argv[2])
    if len(argv) == 5 and argv[1] == "hold":
        return hold(argv[2], argv[3], argv[4])
    if len(argv) == 6 and argv[1] == "flood6" and argv[2] in ("udp", "syn"):
        return flood6(argv[2], argv[3], argv[4], argv[5])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
