#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench/gateway.sh: a filtering gateway between a LAN and a WAN, ward beside
# the kernel's forwarding with an nftables ruleset that does the same
# filtering, measured in one run: packet rate and one TCP stream's
# throughput.
#
#   OUT=dir [BUILD=build] [QUICK=1] [ROUNDS=3] ./bench/gateway.sh
#
# Per configuration three namespaces:
#   wb-<id>-l<k>  lan0 198.18.1.1/24, default via 198.18.1.254
#   wb-<id>-g<k>  gwl 198.18.1.254/24, gww 198.18.2.254/24, ip_forward=1
#   wb-<id>-w<k>  wan0 198.18.2.1/24, default via 198.18.2.254
# The filtering is the same everywhere: the LAN may open anything, the WAN
# nothing; replies of admitted flows come back (conntrack).
#   fwd        plain forwarding, no filter: the reference
#   nft        inet table, forward and input chains, policy drop, with
#              `ct state established,related accept` and LAN-side new accept
#   ward-tc    wardd on gwl (role lan) and gww (role wan) in tc mode,
#              default drop, `in: lan` accept; replies pass by conntrack
#   ward-xdp   the same in xdp mode
#   xdp-pass   an XDP program that passes everything on gwl and gww: what
#              XDP on a veth costs by itself, ward-xdp's reference
# The NAT gateway, the same filtering plus masquerade out of gww and a port
# forward (tcp 8080 -> 198.18.1.1:80) in:
#   nft-nat      nftables: the filter above plus an ip nat table
#                (masquerade in postrouting, dnat in prerouting)
#   ward-nat-tc  ward in tc mode with nat: (fast path: fib + bpf_redirect)
#   ward-nat-tc-stack  the same with fast_path: off: NAT at tc ingress and
#                egress, forwarding by the kernel (not in the default list)
#   ward-nat-xdp ward in xdp mode with nat: and fast_path: on (fib +
#                XDP_REDIRECT through a devmap). A veth takes redirected
#                frames only with NAPI, so lan0 and wan0 get GRO, and XDP
#                cannot finish a CHECKSUM_PARTIAL checksum, so lan0 and
#                wan0 compute theirs (tx off), as a NIC's wire would carry
#                them (docs/nat.md). ward-tc and ward-xdp keep the default
#                fast_path (auto), which redirects only for a policy with
#                nat:, so they forward through the kernel.
#
# Packet rate: the generator in the LAN sends 64-byte UDP to 198.18.2.1:9
# through gwl (GRO on for every configuration: a veth takes redirected
# frames only with NAPI); the rate is what reaches wan0 (rx_packets) over
# WIN seconds, on one core as in veth.sh (generator, gateway and WAN softirq
# all on GEN_CPU). forwarded/received at gwl must be 1.00.
# A packet-rate run in which others took more than BUSY_MAX % of GEN_CPU is
# repeated, up to RETRY times, and the least disturbed attempt is kept.
# TCP: one iperf3 stream LAN -> WAN, -t TCP_SECS -O 1, receiver's Gbit/s,
# GRO back off (the default), unpinned: client, server and the gateway's
# softirq share the two CPUs. Attaching XDP to a veth turns TSO off on its
# peer (`tcp-segmentation-offload: off [fixed]`), which halves TCP through
# veth: the reason ward's default on virtual links is tc.
#
# RX_SINK=1: the WAN host's wan0 runs an XDP program that counts and drops
# (bench_sink_drop), so the packet rate leaves out the receiver's own stack
# (which plain forwarding shows to be a large share of every row): the
# gateways' cost alone. No TCP then (nothing would answer).
#
# Output: $OUT/gateway.tsv
#   gwplan CONFIG                         (one per configuration)
#   gwpps CONFIG ROUND MPPS FORWARDED OTHER%
#   gwtcp CONFIG ROUND GBITS RETRANSMITS CLIENT_TSO
. "$(dirname "$0")/lib.sh"

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
	ROUNDS=${ROUNDS:-1}
	WARM=${WARM:-0.2}
	WIN=${WIN:-0.5}
	TCP_SECS=${TCP_SECS:-2}
else
	ROUNDS=${ROUNDS:-3}
	WARM=${WARM:-0.5}
	WIN=${WIN:-2}
	TCP_SECS=${TCP_SECS:-5}
fi
CONFIGS=${CONFIGS:-"fwd nft ward-tc ward-xdp xdp-pass nft-nat ward-nat-tc ward-nat-xdp"}
RX_SINK=${RX_SINK:-0}
OUT=${OUT:?OUT must name the results directory}
TSV=$OUT/gateway.tsv
mkdir -p "$OUT"
: >"$TSV"
[ -x "$WBGEN" ] && [ -f "$SINK" ] && [ -x "$WARDD" ] ||
	wb_die "build first: make all && make -f bench/bench.mk (BUILD=$BUILD)"
command -v iperf3 >/dev/null || wb_die "iperf3 is not installed"

G_CFG=() LNS=() GNS=() WNS=() WPID=() IPERF=()

# Each wardd gets an API socket of its own: the default one may be another
# wardd's, and a socket that can't be bound is a startup failure.
gw_ward_yaml() { # MODE [nat [FAST_PATH]]
	local fp=
	[ "${2:-}" = nat ] && [ "$1" = xdp ] && fp=", fast_path: on"
	[ -n "${3:-}" ] && fp=", fast_path: $3"
	cat <<EOF
interfaces:
  - { match: gwl, role: lan, mode: $1$fp }
  - { match: gww, role: wan, mode: $1$fp }
defaults: { policy: drop, log: none }
api: { listen: "unix:$WB_TMP/api-gw-$RANDOM.sock" }
rules:
  - { name: lan-out, in: lan, action: accept }
EOF
	[ "${2:-}" = nat ] || return 0
	cat <<EOF
  - { name: web-in, in: wan, to: 198.18.1.1, proto: tcp, port: 80, action: accept }
nat:
  masquerade:
    - { out: wan, from: 198.18.1.0/24 }
  port_forward:
    - { in: wan, proto: tcp, port: 8080, to: "198.18.1.1:80" }
EOF
}

gw_nft_nat() {
	gw_nft
	cat <<'EOF'
table ip wbnat {
  chain pre_c { type nat hook prerouting priority dstnat;
    iifname "gww" tcp dport 8080 dnat to 198.18.1.1:80
  }
  chain post_c { type nat hook postrouting priority srcnat;
    oifname "gww" masquerade
  }
}
EOF
}

gw_nft() {
	cat <<'EOF'
table inet wb {
  chain forward_c { type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "gwl" ct state new accept
  }
  chain input_c { type filter hook input priority filter; policy drop;
    ct state established,related accept
    iifname { "lo", "gwl" } accept
  }
}
EOF
}

# nat_check K: the WAN host must see the gateway's address, not the LAN host's.
nat_check() {
	local k=$1 l=${LNS[$1]} w=${WNS[$1]} p
	ip netns exec "$w" /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('198.18.2.1', 4242)); s.settimeout(3)
d, a = s.recvfrom(64)
open('$WB_TMP/natsrc-$k', 'w').write(a[0])" &
	p=$!
	sleep 0.3
	ip netns exec "$l" /usr/bin/python3 -c "
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('198.18.2.1', 4242))"
	wait "$p" 2>/dev/null || true
	[ "$(cat "$WB_TMP/natsrc-$k" 2>/dev/null)" = 198.18.2.254 ] ||
		wb_die "gateway ${G_CFG[$k]}: the WAN saw '$(cat "$WB_TMP/natsrc-$k" 2>/dev/null)', not 198.18.2.254"
}

setup_gw() { # K
	local k=$1 cfg=${G_CFG[$1]} l g w f=$WB_TMP/gw-$1
	wb_ns l "l$k"
	wb_ns g "g$k"
	wb_ns w "w$k"
	LNS[$k]=$l GNS[$k]=$g WNS[$k]=$w
	wb_veth "$l" lan0 "$g" gwl
	wb_veth "$g" gww "$w" wan0
	ip -n "$l" addr add 198.18.1.1/24 dev lan0
	ip -n "$g" addr add 198.18.1.254/24 dev gwl
	ip -n "$g" addr add 198.18.2.254/24 dev gww
	ip -n "$w" addr add 198.18.2.1/24 dev wan0
	ip -n "$l" route add default via 198.18.1.254
	ip -n "$w" route add default via 198.18.2.254
	ip netns exec "$g" sysctl -qw net.ipv4.ip_forward=1
	case $cfg in
	nft)
		gw_nft >"$f"
		ip netns exec "$g" nft -f "$f" ;;
	nft-nat)
		gw_nft_nat >"$f"
		ip netns exec "$g" nft -f "$f" ;;
	ward-tc|ward-xdp)
		gw_ward_yaml "${cfg#ward-}" >"$f"
		wardd_start "$g" "g$k" "$f"
		WPID[$k]=$WB_WARDD_PID ;;
	ward-nat-tc-stack)
		gw_ward_yaml tc nat off >"$f"
		wardd_start "$g" "g$k" "$f"
		WPID[$k]=$WB_WARDD_PID ;;
	ward-nat-tc|ward-nat-xdp)
		gw_ward_yaml "${cfg#ward-nat-}" nat >"$f"
		if [ "$cfg" = ward-nat-xdp ]; then
			ip netns exec "$l" ethtool -K lan0 gro on tx off >/dev/null
			ip netns exec "$w" ethtool -K wan0 gro on tx off >/dev/null
		fi
		wardd_start "$g" "g$k" "$f"
		WPID[$k]=$WB_WARDD_PID ;;
	xdp-pass)
		ip -n "$g" link set dev gwl xdpdrv obj "$SINK" sec xdp program bench_sink_pass
		ip -n "$g" link set dev gww xdpdrv obj "$SINK" sec xdp program bench_sink_pass ;;
	esac
	# Through the filter and back, which also resolves the neighbours the
	# generator's frames need.
	ip netns exec "$l" ping -c1 -W2 198.18.2.1 >/dev/null ||
		wb_die "gateway $cfg: the LAN cannot reach the WAN"
	if ip netns exec "$w" ping -c1 -W1 198.18.1.1 >/dev/null 2>&1 && [ "$cfg" != fwd ] &&
	   [ "$cfg" != xdp-pass ]; then
		wb_die "gateway $cfg: the WAN reached the LAN: not filtering"
	fi
	case $cfg in *nat*) nat_check "$k" ;; esac
	ip netns exec "$w" taskset -c "$WB_ALL_CPUS" iperf3 -s -B 198.18.2.1 >/dev/null 2>&1 &
	IPERF[$k]=$!
	WB_PIDS+=("$!")
	if [ "$RX_SINK" = 1 ]; then
		# The sink drops ARP too: the gateway's entry for the WAN host
		# must not age out, or the kernel's forwarding stops.
		ip -n "$g" neigh replace 198.18.2.1 lladdr "$(wb_mac "$w" wan0)" dev gww nud permanent
		ip -n "$w" link set dev wan0 xdpdrv obj "$SINK" sec xdp program bench_sink_drop
	fi
}

gro() { # K on|off
	ip netns exec "${GNS[$1]}" ethtool -K gwl gro "$2" >/dev/null
}

wan_rx() {
	if [ "$RX_SINK" = 1 ]; then
		wb_ethstat "${WNS[$1]}" wan0 rx_queue_0_xdp_packets
	else
		wb_sysstat "${WNS[$1]}" wan0 rx_packets
	fi
}
gw_rx() { wb_ethstat "${GNS[$1]}" gwl rx_queue_0_xdp_packets; }

# Until the gateway has forwarded what it took in.
wan_settle() { wb_settle wan_rx "$1"; }

measure_pps() { # K ROUND
	local k=$1 r=$2 s0 s1 x0 x1 w0 w1 g0 g1 q0 q1 b0 b1 mac line
	mac=$(wb_mac "${GNS[$k]}" gwl)
	x0=$(gw_rx "$k")
	w0=$(wan_rx "$k")
	wb_gen "${LNS[$k]}" lan0 "$mac" "$(awk -v a="$WARM" -v b="$WIN" 'BEGIN { print a + b + 10 }')" \
		-s 198.18.1.1 -D 198.18.2.1
	sleep "$WARM"
	g0=$(wb_task_ns "$WB_GEN_PID")
	q0=$(wb_task_ns "$WB_KSOFTIRQD")
	b0=$(wb_cpu_busy "$GEN_CPU")
	s0=$(wb_sample wan_rx "$k")
	sleep "$WIN"
	s1=$(wb_sample wan_rx "$k")
	g1=$(wb_task_ns "$WB_GEN_PID")
	q1=$(wb_task_ns "$WB_KSOFTIRQD")
	b1=$(wb_cpu_busy "$GEN_CPU")
	wb_gen_stop
	w1=$(wan_settle "$k")
	x1=$(gw_rx "$k")
	# forwarded/received over the whole run, so that both counters cover
	# the same packets.
	line=$(awk -v s0="$s0" -v s1="$s1" -v rx="$((x1 - x0))" -v tx="$((w1 - w0))" \
		   -v own="$((g1 - g0 + q1 - q0))" -v busy="$((b1 - b0))" 'BEGIN {
		split(s0, a, " "); split(s1, b, " ")
		t = b[1] - a[1]
		fwd = b[2] - a[2]
		other = 100 * (busy * 1e7 - own) / (t * 1e9)
		printf "%.4f\t%.3f\t%.0f", fwd / t / 1e6, (rx > 0 ? tx / rx : 0), (other < 0 ? 0 : other) }')
	MEASURED=$(printf 'gwpps\t%s\t%s\t%s' "${G_CFG[$k]}" "$r" "$line")
	MEASURED_OTHER=$(echo "$line" | cut -f3)
	echo "$line" | awk -v c="${G_CFG[$k]}" -v r="$r" -F'\t' '{
		printf "gateway: round %s %-9s forwarding %8.4f Mpps %6.0f ns/pkt  forwarded/received %s  other %s%%\n",
			r, c, $1, ($1 > 0 ? 1000 / $1 : 0), $2, $3 }' >&2
}

measure_tcp() { # K ROUND
	local k=$1 r=$2 out=$WB_TMP/iperf.out tso line
	tso=$(ip netns exec "${LNS[$k]}" ethtool -k lan0 |
		awk '$1 == "tcp-segmentation-offload:" { print $2 }')
	if ! ip netns exec "${LNS[$k]}" taskset -c "$WB_ALL_CPUS" \
	     iperf3 -c 198.18.2.1 -t "$TCP_SECS" -O 1 -f m \
	     >"$out" 2>&1; then
		cat "$out" >&2
		wb_die "gateway ${G_CFG[$k]}: iperf3 failed"
	fi
	# "[  5]   0.00-5.00 sec  7.1 GBytes  12200 Mbits/sec  12   sender"
	line=$(awk '/sender$/ { rt = $(NF - 1) } /receiver$/ { mb = $(NF - 2) }
		END { printf "%.2f\t%d", mb / 1000, rt }' "$out")
	printf 'gwtcp\t%s\t%s\t%s\t%s\n' "${G_CFG[$k]}" "$r" "$line" "$tso" >>"$TSV"
	echo "$line" | awk -v c="${G_CFG[$k]}" -v r="$r" -v tso="$tso" -F'\t' '{
		printf "gateway: round %s %-9s TCP %6.2f Gbit/s  retransmits %s  client TSO %s\n",
			r, c, $1, $2, tso }' >&2
}

printf 'rounds\t%s\n' "$ROUNDS" >>"$TSV"
for c in $CONFIGS; do
	G_CFG+=("$c")
	printf 'gwplan\t%s\n' "$c" >>"$TSV"
done
t0=$(date +%s)
for k in "${!G_CFG[@]}"; do
	setup_gw "$k"
	gro "$k" on
done
wb_log "set up ${#G_CFG[@]} gateways in $(($(date +%s) - t0)) s"
for r in $(seq "$ROUNDS"); do
	for k in "${!G_CFG[@]}"; do
		wb_measure_retry "$TSV" measure_pps "$k" "$r"
	done
done
[ "$RX_SINK" = 1 ] && ROUNDS_TCP=0 || ROUNDS_TCP=$ROUNDS
for k in "${!G_CFG[@]}"; do
	gro "$k" off
done
for r in $(seq "$ROUNDS_TCP"); do
	for k in "${!G_CFG[@]}"; do
		measure_tcp "$k" "$r"
	done
done
wb_log "done in $(($(date +%s) - t0)) s"
