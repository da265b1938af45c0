# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# tests/e2e/fqdn_client.py: the LAN client of the FQDN test. Resolves with
# the system resolver (glibc, the namespace's resolv.conf) and connects at
# once, as tight client code does.
#
#   race FORMAT N PORT    resolve FORMAT % 0 .. FORMAT % (N-1), connect to each
#                         address right away; prints "failures F of N"
#   all NAME PORT [FAM]   resolve NAME (4 or 6), connect to every address;
#                         prints "connected C of A"
#   hold ADDR PORT SECS   connect, wait SECS, then echo through the
#                         connection; exit 0 if the echo came back
#
# A dropped first SYN is retransmitted only after 1 s: a connect that does
# not complete within 0.5 s counts as a first-connection failure.
import socket
import sys
import time

TIMEOUT = 0.5


def connect(fam, addr, port):
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    try:
        s.connect((addr, port))
        return s
    except OSError:
        s.close()
        return None


def race(prefix, n, port):
    fails = 0
    for i in range(n):
        name = prefix % i
        try:
            ai = socket.getaddrinfo(name, port, socket.AF_INET, socket.SOCK_STREAM)
        except socket.gaierror as e:
            print("resolve %s: %s" % (name, e), file=sys.stderr)
            fails += 1
            continue
        s = connect(socket.AF_INET, ai[0][4][0], port)
        if s is None:
            fails += 1
            print("first connection to %s (%s) failed" % (name, ai[0][4][0]), file=sys.stderr)
        else:
            s.close()
    print("failures %d of %d" % (fails, n))


def all_addrs(name, port, fam):
    af = socket.AF_INET6 if fam == "6" else socket.AF_INET
    ai = socket.getaddrinfo(name, port, af, socket.SOCK_STREAM)
    addrs = sorted({a[4][0] for a in ai})
    ok = 0
    for a in addrs:
        s = connect(af, a, port)
        if s is not None:
            ok += 1
            s.close()
    print("connected %d of %d" % (ok, len(addrs)))


def hold(addr, port, secs):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = connect(fam, addr, port)
    if s is None:
        print("connect failed")
        sys.exit(2)
    print("connected", flush=True)
    time.sleep(secs)
    s.settimeout(2)
    try:
        s.send(b"still here")
        sys.exit(0 if s.recv(64) == b"still here" else 1)
    except OSError:
        sys.exit(1)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "race":
        race(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "all":
        all_addrs(sys.argv[2], int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "4")
    elif cmd == "hold":
        hold(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
