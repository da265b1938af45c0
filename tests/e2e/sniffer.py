#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""sniffer.py IFACE SECONDS FILTER [CONTROL] [--ready FILE]: prints how many
packets matching the BPF FILTER crossed IFACE (either way) in SECONDS.

A sniffer that did not work must never read as a verdict on ward, so:
- the filters are compiled first: scapy without libpcap logs "Cannot set
  filter" and captures every packet instead, which reads as "something got
  through";
- CONTROL, a filter for packets the test itself sends or expects in the
  same window, is captured beside FILTER. When a test relies on FILTER
  seeing nothing, a CONTROL that saw nothing too means the sniffer saw
  nothing at all: a test error, not a pass;
- --ready FILE is created once the sockets are open, so the caller starts
  its traffic when the capture is on, not after a guessed sleep.
A test error prints "test error: ..." on stderr and exits 2."""
import sys


def test_error(msg):
    print("test error: " + msg, file=sys.stderr)
    sys.exit(2)


def main(argv):
    ready = None
    if "--ready" in argv:
        i = argv.index("--ready")
        ready = argv[i + 1]
        del argv[i:i + 2]
    if len(argv) not in (3, 4):
        test_error("usage: sniffer.py IFACE SECONDS FILTER [CONTROL] [--ready FILE]")
    iface, secs, filters = argv[0], float(argv[1]), argv[2:]
    try:
        from scapy.all import conf, sniff
        from scapy.arch.common import compile_filter
    except ImportError as e:
        test_error(f"scapy not available ({e}): apt-get install python3-scapy")
    conf.verb = 0
    for f in filters:
        try:
            compile_filter(f, iface)
        except ImportError as e:
            test_error(f"sniffer cannot apply its filter ({e}): apt-get install libpcap0.8")
        except Exception as e:
            test_error(f"sniffer filter '{f}' on {iface}: {e}")
    socks = {}
    for label, f in zip(("match", "control"), filters):
        socks[conf.L2listen(iface=iface, filter=f)] = label
    if ready:
        open(ready, "w").close()
    pkts = sniff(opened_socket=socks, timeout=secs)
    for s in socks:
        s.close()
    seen = {label: 0 for label in socks.values()}
    for p in pkts:
        seen[p.sniffed_on] += 1
    if len(filters) == 2 and seen["control"] == 0:
        test_error(f"sniffer captured nothing (libpcap?): not even the control "
                   f"packets '{filters[1]}' on {iface} in {secs:g} s")
    print(seen["match"])


if __name__ == "__main__":
    main(sys.argv[1:])
