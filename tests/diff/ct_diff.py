# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""
tests/diff/ct_diff.py: the same raw frames through nftables' conntrack and
through ward (xdp and tc), frame by frame; prints every frame where a path
disagrees with nftables (nf_conntrack_tcp_loose=1, Linux's default).

Each path is three namespaces, client -- firewall -- server, made by
run.sh; the client and server namespaces have no addresses (their kernels
never answer the injected frames), the firewall forwards between
10.91.1.0/24 and 10.91.2.0/24 with static neighbours. A frame is written
on an AF_PACKET socket in the client (or server) namespace and is said to
pass when it arrives at the far side within WAIT seconds.

Policy on every path: drop, but new TCP to 8080 and UDP to 5001 from the
client side; established and related both ways.

Usage (root, from run.sh): ct_diff.py PATHS_JSON [scripted|random]
  SEED=, N=: the random mode's seed and number of sequences.
Exit 0: no disagreement but the deliberate ones (docs/conntrack.md).
"""
import ctypes
import json
import os
import random
import select
import socket
import struct
import sys
import time

from scapy.all import Ether, IP, TCP, UDP, Raw, conf

conf.verb = 0
WAIT = float(os.environ.get("WAIT", "0.06"))
CLIENT, SERVER = "10.91.1.2", "10.91.2.2"
CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL("libc.so.6", use_errno=True)


def in_netns(name, fn):
    """Runs fn() inside network namespace name (sockets made there stay there)."""
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd = os.open("/var/run/netns/" + name, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns " + name)
        return fn()
    finally:
        libc.setns(own, CLONE_NEWNET)
        os.close(fd)
        os.close(own)


def raw_socket(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((ifname, 0))
    s.setblocking(False)
    return s


class Path:
    """One client -- firewall -- server path: inject on one end, watch the other."""

    def __init__(self, d):
        self.name = d["name"]
        self.c = in_netns(d["ns_c"], lambda: raw_socket(d["if_c"]))
        self.s = in_netns(d["ns_s"], lambda: raw_socket(d["if_s"]))
        self.mac = {"c": (d["mac_c"], d["mac_fc"]), "s": (d["mac_s"], d["mac_fs"])}

    def drain(self, sock):
        while select.select([sock], [], [], 0)[0]:
            sock.recv(65535)

    def send(self, direction, l3):
        """True when the IP packet l3 crossed the firewall."""
        src_mac, fw_mac = self.mac[direction]
        tx, rx = (self.c, self.s) if direction == "c" else (self.s, self.c)
        self.drain(rx)
        frame = bytes(Ether(src=src_mac, dst=fw_mac) / l3)
        tx.send(frame)
        want = bytes(l3[TCP if TCP in l3 else UDP])[:8]
        deadline = time.time() + WAIT
        while True:
            left = deadline - time.time()
            if left <= 0 or not select.select([rx], [], [], left)[0]:
                return False
            got = rx.recv(65535)
            if len(got) < 14 + 20 or got[12:14] != b"\x08\x00":
                continue
            ihl = (got[14] & 0x0f) * 4
            if got[14 + ihl:14 + ihl + 8] == want:
                return True


def seg(direction, sport, flags, seq=0, ack=0, data=0, bad_sum=False):
    src, dst = (CLIENT, SERVER) if direction == "c" else (SERVER, CLIENT)
    sp, dp = (sport, 8080) if direction == "c" else (8080, sport)
    t = TCP(sport=sp, dport=dp, flags=flags, seq=seq & 0xffffffff, ack=ack & 0xffffffff,
            window=64240)
    p = IP(src=src, dst=dst, ttl=64) / t
    if data:
        p = p / Raw(b"d" * data)
    if bad_sum:
        p = IP(bytes(p))
        p[TCP].chksum ^= 0x5555
    return p


def handshake(sport, ci=1000, si=5000):
    return [("c", "S", ci, 0), ("s", "SA", si, ci + 1), ("c", "A", ci + 1, si + 1)]


def frames_of(sport, steps):
    out = []
    for st in steps:
        d, f, seq, ack = st[:4]
        data = st[4] if len(st) > 4 else 0
        bad = len(st) > 5 and st[5]
        out.append(((d, f, seq, ack, data, bad), seg(d, sport, f, seq, ack, data, bad)))
    return out


# Scripted scenarios: name -> steps (direction, flags, seq, ack[, bytes[, bad sum]]).
def scenarios():
    hs = handshake(0)
    return {
        "handshake, data, close": hs + [
            ("c", "PA", 1001, 5001, 100), ("s", "A", 5001, 1101), ("s", "PA", 5001, 1101, 50),
            ("c", "FA", 1101, 5051), ("s", "FA", 5051, 1102), ("c", "A", 1102, 5052)],
        "port reuse after a lost connection": hs + [
            ("c", "PA", 1001, 5001, 10), ("s", "A", 5001, 1011),
            ("c", "S", 9000000, 0), ("s", "A", 5001, 1011), ("c", "R", 1011, 0),
            ("c", "S", 9000000, 0), ("s", "SA", 700000, 9000001), ("c", "A", 9000001, 700001)],
        "invalid flags on an established flow": hs + [
            ("c", "F", 1001, 0), ("c", "SF", 1001, 0), ("c", "", 1001, 0),
            ("c", "FPU", 1001, 0), ("c", "SR", 1001, 0), ("c", "FR", 1001, 0),
            ("c", "PA", 1001, 5001, 10)],
        "invalid flags without a flow": [
            ("c", "F", 1000, 0), ("c", "R", 1000, 0), ("c", "SF", 1000, 0),
            ("c", "SA", 1000, 1), ("c", "FA", 1000, 1), ("c", "", 1000, 0)],
        "a second SYN-ACK with other numbers": [
            ("c", "S", 1000, 0), ("s", "SA", 5000, 1001), ("s", "SA", 8000000, 1001),
            ("c", "A", 1001, 5001), ("c", "PA", 1001, 5001, 10)],
        "retransmitted SYN while half open": [
            ("c", "S", 1000, 0), ("s", "SA", 5000, 1001), ("c", "S", 1000, 0),
            ("s", "SA", 5000, 1001), ("c", "A", 1001, 5001)],
        "stray ACK, then a connect from its port": [
            ("c", "A", 7000, 9000), ("c", "S", 123456, 0), ("s", "SA", 5000, 123457),
            ("c", "A", 123457, 5001)],
        "corrupted exact RST": hs + [
            ("c", "R", 1001, 0, 0, True), ("c", "PA", 1001, 5001, 10), ("s", "A", 5001, 1011)],
        "a server in TIME_WAIT answers the SYN with a bare ACK": [
            ("c", "S", 1000, 0), ("s", "A", 5000, 3000000), ("c", "R", 3000000, 0),
            ("c", "S", 1000, 0), ("s", "SA", 8000, 1001), ("c", "A", 1001, 8001)],
        "unsolicited from the server side": [
            ("s", "S", 1000, 0), ("s", "A", 1000, 1000)],
    }


# Frames where ward differs from nf_conntrack on purpose (docs/conntrack.md,
# "Where ward is stricter than nf_conntrack on purpose"): (scenario, index).
DELIBERATE = set()


def run_steps(paths, name, sport, steps, show):
    frames = frames_of(sport, steps)
    bad = 0
    for i, (desc, pkt) in enumerate(frames):
        got = {p.name: p.send(desc[0], pkt) for p in paths}
        ref = got[paths[0].name]
        if any(v != ref for v in got.values()):
            tag = "deliberate" if (name, i) in DELIBERATE else "DISAGREE"
            bad += tag == "DISAGREE"
            print(f"{tag}: {name} #{i} {desc}: " +
                  " ".join(f"{k}={'pass' if v else 'drop'}" for k, v in got.items()))
        elif show:
            print(f"  {name} #{i} {desc}: all {'pass' if ref else 'drop'}")
    return bad


def random_steps(rng):
    ci, si = rng.randrange(1 << 32), rng.randrange(1 << 32)
    steps = handshake(0, ci, si) if rng.random() < 0.7 else []
    cseq, sseq = ci + 1, si + 1
    for _ in range(rng.randrange(3, 12)):
        d = rng.choice("cs")
        flags = rng.choice(["A", "PA", "PA", "FA", "R", "RA", "S", "SA", "F", "", "SF"])
        data = rng.choice([0, 0, 10, 100]) if "S" not in flags and "R" not in flags else 0
        seq, ack = (cseq, sseq) if d == "c" else (sseq, cseq)
        seq += rng.choice([0, 0, 0, -100, 100, 1 << 20])
        steps.append((d, flags, seq, ack, data, rng.random() < 0.05))
        if d == "c":
            cseq += data
        else:
            sseq += data
    return steps


def main():
    paths = [Path(d) for d in json.load(open(sys.argv[1]))]
    mode = sys.argv[2] if len(sys.argv) > 2 else "scripted"
    show = os.environ.get("VERBOSE") == "1"
    bad, sport = 0, 20000
    if mode == "scripted":
        for name, steps in scenarios().items():
            bad += run_steps(paths, name, sport, steps, show)
            sport += 1
    else:
        seed = int(os.environ.get("SEED", "1"))
        rng = random.Random(seed)
        n = int(os.environ.get("N", "50"))
        for k in range(n):
            bad += run_steps(paths, f"random seed {seed} #{k}", sport, random_steps(rng), show)
            sport += 1
    print(f"ct_diff: {bad} disagreement(s) not listed as deliberate")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
