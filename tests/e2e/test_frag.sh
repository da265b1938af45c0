#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Fragments and neighbour discovery through a real wardd, in the hook MODE
# (xdp or tc; both, one after the other, when MODE is not set), under
# policy drop:
# - a 3000-byte UDP datagram (three fragments on a 1500-byte link) to an
#   allowed port arrives whole, IPv4 and IPv6 (frag_pass counted); to a
#   denied port it does not (its later fragments dropped as frag_denied);
# - IPv6 still finds its neighbours: ping6 after both neighbour caches are
#   flushed (the NS, NA and the NUD probes cross ward);
# - a forged NS and RA with hop limit 64 (scapy) are dropped and counted
#   under nd_invalid, and B's neighbour cache does not learn from them.
if [ -z "${MODE:-}" ]; then
	for m in xdp tc; do
		MODE=$m bash "$0" || exit $?	# 2 stays a test error
	done
	exit 0
fi
. "$(dirname "$0")/lib.sh"
BIG=3000

e2e_topology
cat >"$TMP/ward.yaml" <<EOF2
interfaces:
  - { match: $DEV_B, role: lan, mode: $MODE }
defaults: { policy: drop }
rules:
  - { name: big-udp, proto: udp, port: 5001, action: accept }
  - { name: ping6, proto: icmpv6, icmp_type: echo-request, action: accept }
EOF2

# size_serve PORT: a UDP service in B that answers each datagram with its
# size; on 5002 too, so that what keeps a datagram out is ward, not B.
size_serve() {
	ip netns exec "$NS_B" /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(('::', $1))
while True:
    d, a = s.recvfrom(65535)
    s.sendto(b'got %d' % len(d), a)
" &
	BG_PIDS+=($!)
}
size_serve 5001
size_serve 5002
sleep 0.3

# big_udp ADDR PORT: sends one $BIG-byte datagram from A; prints what came
# back ("got N") or "timeout". Exit 2: the client itself failed.
big_udp() {
	in_a /usr/bin/python3 - "$1" "$2" "$BIG" <<'EOF2'
import socket, sys
addr, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
try:
    s.sendto(b'x' * size, (addr, port))
except OSError as e:
    print('send failed: %s' % e)
    sys.exit(2)
try:
    print(s.recv(64).decode())
except socket.timeout:
    print('timeout')
EOF2
}

# Baseline without ward: the datagram arrives and goes as fragments.
for addr in $IP_B $IP6_B; do
	r=$(big_udp $addr 5001) || fail "test client: $r"
	[ "$r" = "got $BIG" ] || fail "baseline without ward, $addr: $r"
done
ok "baseline: $BIG-byte datagrams arrive without ward"

wardd_start "$TMP/ward.yaml"
ok "wardd up in mode $MODE"

# 1. Over the MTU, to an allowed port: arrives whole.
pass0=$(counter frag_pass)
for addr in $IP_B $IP6_B; do
	r=$(big_udp $addr 5001) || fail "test client: $r"
	[ "$r" = "got $BIG" ] || fail "$BIG-byte datagram to allowed $addr:5001: $r"
done
pass1=$(counter frag_pass)
# Two later fragments a datagram, two datagrams.
[ "$((pass1 - pass0))" -ge 4 ] || fail "frag_pass moved by $((pass1 - pass0)), expected >= 4"
ok "$BIG-byte datagrams to udp/5001 arrive, IPv4 and IPv6 (frag_pass +$((pass1 - pass0)))"

# 2. To a denied port: nothing arrives, its later fragments are dropped.
den0=$(counter frag_denied)
for addr in $IP_B $IP6_B; do
	r=$(big_udp $addr 5002) || fail "test client: $r"
	[ "$r" = timeout ] || fail "$BIG-byte datagram to denied $addr:5002: $r"
done
den1=$(counter frag_denied)
[ "$((den1 - den0))" -ge 4 ] || fail "frag_denied moved by $((den1 - den0)), expected >= 4"
ok "$BIG-byte datagrams to udp/5002 do not arrive (frag_denied +$((den1 - den0)))"

# 3. Neighbour discovery still works: with both caches empty, ping6 needs
# an NS and an NA to cross (and B's reply, a probe of its own).
in_a ip -6 neigh flush dev $DEV_A
in_b ip -6 neigh flush dev $DEV_B
nd0=$(counter pass_nd)
ping6 || fail "ping6 after flushing the neighbour caches"
nd1=$(counter pass_nd)
[ "$((nd1 - nd0))" -ge 1 ] || fail "pass_nd did not move: was it ND that crossed?"
ok "ping6 with empty neighbour caches under policy drop (pass_nd +$((nd1 - nd0)))"

# 4. Forged ND with hop limit 64 (it could only come from beyond the link):
# dropped, counted, and B learns nothing from it.
inv0=$(counter nd_invalid)
mac_b=$(in_b cat /sys/class/net/$DEV_B/address)
in_a /usr/bin/python3 - "$DEV_A" "$mac_b" "$IP6_B" <<'EOF2' || fail "scapy could not send"
import sys
from scapy.all import Ether, IPv6, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6NDOptSrcLLAddr, sendp, conf
conf.verb = 0
dev, mac_b, b = sys.argv[1:4]
fake = '02:66:66:66:66:66'
ns = (Ether(src=fake, dst=mac_b) / IPv6(src='fd77::66', dst=b, hlim=64) /
      ICMPv6ND_NS(tgt=b) / ICMPv6NDOptSrcLLAddr(lladdr=fake))
ra = (Ether(src=fake, dst='33:33:00:00:00:01') / IPv6(src='fe80::66', dst='ff02::1', hlim=64) /
      ICMPv6ND_RA() / ICMPv6NDOptSrcLLAddr(lladdr=fake))
sendp([ns, ns, ra], iface=dev)
EOF2
sleep 0.3
inv1=$(counter nd_invalid)
[ "$((inv1 - inv0))" -ge 3 ] || fail "nd_invalid moved by $((inv1 - inv0)), expected >= 3"
if in_b ip -6 neigh show dev $DEV_B | grep -q 'fd77::66\|fe80::66'; then
	fail "B learned a neighbour from forged ND: $(in_b ip -6 neigh show dev $DEV_B)"
fi
ok "forged NS and RA with hop limit 64: dropped (nd_invalid +$((inv1 - inv0)))"
