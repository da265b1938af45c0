#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Stateless rules with real clients: accept and drop by CIDR, port and
# protocol, IPv4 and IPv6, in the hook MODE (xdp, tc or auto); then a SIGHUP
# reload that changes a verdict, and a bad file that changes nothing.
. "$(dirname "$0")/lib.sh"
MODE=${MODE:-xdp}

policy() {	# $1: action of the IPv4 ping rule
	cat <<EOF2
interfaces:
  - { match: $DEV_B, role: lan, mode: $MODE }
defaults:
  policy: drop
sets:
  clients: [10.77.0.0/24, "fd77::/64"]
rules:
  - name: ping-v4
    proto: icmp
    icmp_type: echo-request
    from: 10.77.0.1
    action: $1
  - name: ping-v6
    proto: icmpv6
    icmp_type: echo-request
    from: "fd77::/64"
    action: accept
  - name: web
    in: lan
    from: \$clients
    proto: tcp
    rules:
      - { name: http, port: 8080, action: accept }
      - { name: blocked-port, port: 8081, action: drop }
  - name: udp-range
    proto: udp
    port: "5300-5310"
    action: accept
EOF2
}

e2e_topology
policy accept >"$TMP/ward.yaml"
http_serve 8080
tcp_serve 8081
tcp_serve 9999
udp_serve 5305
udp_serve 5400
wardd_start "$TMP/ward.yaml"

case $MODE in
xdp)	in_b ip -d link show $DEV_B | grep -q 'prog/xdp' || fail "no XDP program on $DEV_B" ;;
tc|auto) in_b tc filter show dev $DEV_B ingress | grep -q ward_tc_ingress ||
		fail "no tc filter on $DEV_B"
	grep -q "$DEV_B: attached (tc)" "$TMP/wardd.log" || fail "mode not logged" ;;
esac
ok "attached in mode $MODE"

ping4 || fail "IPv4 ping from an accepted address dropped"
ping6 || fail "IPv6 ping accepted by CIDR dropped"
http_ok 8080 || fail "curl to accepted port 8080 (IPv4) failed"
http_ok 8080 "[$IP6_B]" || fail "curl to accepted port 8080 (IPv6) failed"
ok "accepted: ping v4/v6, http v4/v6"

if tcp_ok 8081; then fail "TCP to dropped port 8081 got through"; fi
if tcp_ok 9999; then fail "TCP to unlisted port 9999 got through (policy drop)"; fi
if tcp_ok 8081 $IP6_B; then fail "IPv6 TCP to dropped port 8081 got through"; fi
ok "dropped: tcp 8081 by rule, tcp 9999 by default policy, both families"

udp_ok 5305 || fail "UDP to accepted port range failed"
udp_ok 5305 $IP6_B || fail "IPv6 UDP to accepted port range failed"
if udp_ok 5400; then fail "UDP outside the range got through"; fi
ok "udp: range accepted, outside dropped"

[ "$(rule_packets http)" -gt 0 ] || fail "rule http counted no packets"
[ "$(rule_packets blocked-port)" -gt 0 ] || fail "rule blocked-port counted no packets"
[ "$(counter policy)" -gt 0 ] || fail "default-policy drops not counted"
# A rule counts every packet of the flows it decided: request in, reply out.
before=$(rule_packets ping-v4)
ping4
[ "$(rule_packets ping-v4)" -eq $((before + 2)) ] || fail "one ping must count exactly its two packets"
ok "counters: per rule and per drop reason"

# SIGHUP: the IPv4 ping rule now drops.
gen=$(generation)
policy drop >"$TMP/ward.yaml"
wardd_signal HUP "policy generation $((gen + 1)) live"
if ping4; then fail "after reload, IPv4 ping still accepted"; fi
ping6 || fail "after reload, IPv6 ping dropped"
http_ok 8080 || fail "after reload, http dropped"
ok "SIGHUP reload changed the verdict"

# A bad file: reported with FILE:LINE, and nothing changes.
gen=$(generation)
sed -i 's/action: accept/action: acept/' "$TMP/ward.yaml"
wardd_signal HUP 'reload failed'
grep -q "$TMP/ward.yaml:[0-9]*: action: " "$TMP/wardd.log" || fail "error without FILE:LINE"
[ "$(generation)" = "$gen" ] || fail "a bad file changed the generation"
if ping4; then fail "after a bad reload, IPv4 ping accepted"; fi
ping6 || fail "after a bad reload, IPv6 ping dropped"
http_ok 8080 || fail "after a bad reload, http dropped"
ok "bad config reported and changed nothing"
wardd_stop
