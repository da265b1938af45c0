# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# tests/e2e/fqdn_server.py PORT: the "internet" of the FQDN test. Accepts on
# every address routed to this namespace (AnyIP: `ip route add local ...`),
# IPv4 and IPv6, and echoes what it gets. One epoll loop: 2,000 connections
# in a row must never wait on the server (a full backlog looks like a drop).
import selectors
import socket
import sys

port = int(sys.argv[1])
sel = selectors.DefaultSelector()
for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    s.listen(4096)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, "listen")
print("listening", flush=True)
while True:
    for key, _ in sel.select():
        if key.data == "listen":
            try:
                c, _ = key.fileobj.accept()
            except OSError:
                continue
            c.setblocking(False)
            sel.register(c, selectors.EVENT_READ, "conn")
            continue
        try:
            d = key.fileobj.recv(4096)
        except OSError:
            d = b""
        if d:
            try:
                key.fileobj.send(d)
                continue
            except OSError:
                pass
        sel.unregister(key.fileobj)
        key.fileobj.close()
