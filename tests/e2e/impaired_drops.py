#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# tests/e2e/impaired_drops.py PREFIX: the TCP frames a firewall between two
# ward_relay links dropped, from the relay's captures (test_impaired.sh
# CAPTURE=DIR; PREFIX is DIR/PATH). A frame sent into the firewall on one
# side that never came out on the other was dropped. For each, it prints the
# flow's state as the frames that did pass show it, relative to the
# dropped frame: how far its sequence number is behind the sender's highest
# (td_end), how far its ack is behind the receiver's highest, the largest
# window each side advertised (scaled), and what the frame was (a
# retransmission, an old ACK, a FIN...).
import struct
import sys
from collections import Counter, defaultdict


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    off = 24
    while off + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack_from("<IIII", data, off)
        off += 16
        yield sec + usec / 1e6, data[off:off + caplen]
        off += caplen


def tcp(buf):
    if len(buf) < 54 or buf[12:14] != b"\x08\x00" or buf[23] != 6:
        return None
    ihl = (buf[14] & 15) * 4
    tot, ipid = struct.unpack_from("!HH", buf, 16)
    t = 14 + ihl
    sport, dport, seq, ack, off_flags, win = struct.unpack_from("!HHIIHH", buf, t)
    doff = (off_flags >> 12) * 4
    flags = off_flags & 0x3f
    wscale = None
    if flags & 2:
        o = t + 20
        while o < min(t + doff, len(buf)):
            kind = buf[o]
            if kind == 0:
                break
            if kind == 1:
                o += 1
                continue
            if o + 1 >= len(buf):
                break
            if kind == 3 and o + 2 < len(buf):
                wscale = buf[o + 2]
            o += max(buf[o + 1], 2)
    plen = tot - ihl - doff
    src, dst = buf[26:30], buf[30:34]
    key = (src, dst, ipid, sport, dport, seq, ack, off_flags, win, tot)
    return dict(key=key, csum=csum_ok(buf), src=src, dst=dst, sport=sport, dport=dport, seq=seq, ack=ack,
                flags=flags, win=win, plen=plen, wscale=wscale,
                end=(seq + plen + (1 if flags & 3 else 0)) & 0xffffffff)


def csum_ok(buf):
    """The TCP checksum of a fully captured IPv4 frame (None: truncated)."""
    ihl = (buf[14] & 15) * 4
    tot = struct.unpack_from("!H", buf, 16)[0]
    if len(buf) < 14 + tot:
        return None
    seg = buf[14 + ihl:14 + tot]
    data = buf[26:34] + struct.pack("!HH", 6, len(seg)) + seg
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return total == 0xffff


def fl(f):
    return "".join(c for c, b in zip("FSRPAU", (1, 2, 4, 8, 16, 32)) if f & b) or "-"


def rel(a, b):
    """a - b as a signed 32-bit difference."""
    d = (a - b) & 0xffffffff
    return d - (1 << 32) if d >= 1 << 31 else d


def main():
    prefix = sys.argv[1]
    show_all = "-a" in sys.argv
    sys.argv = [a for a in sys.argv if a != "-a"]
    sides = [("client->server", "rc>rf-out", "rg>rs-in"), ("server->client", "rs>rg-out", "rf>rc-in")]
    events = []  # (time, kind, seg): kind "in" sent into the firewall, "out" came out
    for name, into, outof in sides:
        for ts, b in frames("%s-%s.pcap" % (prefix, into)):
            s = tcp(b)
            if s:
                events.append((ts, 0, "in", s))
        for ts, b in frames("%s-%s.pcap" % (prefix, outof)):
            s = tcp(b)
            if s:
                events.append((ts, 1, "out", s))
    events.sort(key=lambda e: (e[0], e[1]))
    passed = Counter(e[3]["key"] for e in events if e[2] == "out")
    # Flow state from what passed, side = (src, sport) within the flow.
    st = defaultdict(lambda: dict(end=None, maxack=None, maxwin=0, scale=0, ws=None, fin=None, rst=False))
    drops = Counter()
    shown, limit = 0, int(sys.argv[2]) if len(sys.argv) > 2 else 40
    for ts, _, kind, s in events:
        snd = st[(s["src"], s["sport"], s["dst"], s["dport"])]
        rcv = st[(s["dst"], s["dport"], s["src"], s["sport"])]
        if kind == "in":
            if passed[s["key"]] > 0:
                passed[s["key"]] -= 1
                continue
            what = []
            if snd["end"] is not None:
                d = rel(s["end"], snd["end"])
                what.append("end %+d vs sender's highest" % d)
                if rcv["maxwin"]:
                    what.append("(%.1f receiver windows behind)" % (-d / rcv["maxwin"]))
            if s["plen"] > 0 and rcv["maxack"] is not None:
                what.append("end %+d vs receiver's highest ack" % rel(s["end"], rcv["maxack"]))
            if s["flags"] & 16 and rcv["end"] is not None:
                what.append("ack %+d vs receiver's highest end" % rel(s["ack"], rcv["end"]))
                if snd["maxwin"]:
                    what.append("(maxackwin %d)" % snd["maxwin"])
            if snd["maxack"] is not None and s["flags"] & 16:
                what.append("ack %+d vs own highest ack" % rel(s["ack"], snd["maxack"]))
            if s["csum"] is False:
                why = "corrupted (bad TCP checksum)"
            elif snd["rst"] or rcv["rst"]:
                why = "after a RST passed (flow closed)"
            elif s["plen"] > 0 and snd["end"] is not None and rel(s["end"], snd["end"]) > 0:
                # Ahead of anything that passed: dropped by the firewall,
                # or lost before the relay read it (rx_full in its counters).
                why = "data ahead of all that passed"
            elif s["plen"] > 0 and rcv["maxack"] is not None and rel(s["end"], rcv["maxack"]) <= 0:
                why = "data the receiver had acknowledged (late duplicate or spurious retransmission)"
            elif s["plen"] == 0 and snd["maxack"] is not None and rel(s["ack"], snd["maxack"]) < 0:
                why = "an old ACK (behind the sender's highest ack)"
            else:
                why = "other"
            what.append("=> " + why)
            drops[why] += 1
            if shown < limit and (why == "other" or show_all):
                shown += 1
                print("DROP %.6f %s:%d>%s:%d %s seq %d len %d ack %d win %d | %s" % (
                    ts, ".".join(map(str, s["src"])), s["sport"], ".".join(map(str, s["dst"])),
                    s["dport"], fl(s["flags"]), s["seq"], s["plen"], s["ack"], s["win"],
                    " ".join(what)))
            continue
        # Passed: update the sender's side as ward would.
        if s["flags"] & 4:
            snd["rst"] = True
        if s["flags"] & 2:
            snd["ws"] = s["wscale"]
        if snd["ws"] is not None and rcv["ws"] is not None and not s["flags"] & 2:
            win = s["win"] << snd["ws"]
        else:
            win = s["win"]
        snd["maxwin"] = max(snd["maxwin"], win)
        if snd["end"] is None or rel(s["end"], snd["end"]) > 0:
            snd["end"] = s["end"]
        if s["flags"] & 16 and (snd["maxack"] is None or rel(s["ack"], snd["maxack"]) > 0):
            snd["maxack"] = s["ack"]
    print("dropped TCP frames: %d" % sum(drops.values()))
    for k, n in sorted(drops.items()):
        print("  %s: %d" % (k, n))


main()
