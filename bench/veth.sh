#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench/veth.sh: how many 64-byte packets a second a receiver decides, ward
# beside nftables and iptables, all measured in one run.
#
#   OUT=dir [BUILD=build] [QUICK=1] [ROUNDS=3] ./bench/veth.sh
#
# Topology: one sender namespace wb-<id>-tx with a veth to each receiver
# namespace wb-<id>-r<k> (device wbr, 198.18.0.2/24). The sender runs the
# live-frames generator (bench/gen/wbgen): 60-byte IPv4/UDP frames (64 on
# the wire) from 198.18.0.1:1024 to 198.18.0.2:9, redirected into the veth.
# Nothing is threaded: the receiver's NAPI runs in the softirq of the CPU
# that sends (GEN_CPU), so a rate is what one core does for generator plus
# receiver (the bench-kit's "onecore" mode; the generator's share is about
# 24 ns a packet there). The rate counted is the receiving veth's
# rx_queue_0_xdp_packets (every frame its NAPI took off the ring, with or
# without an XDP program) over WIN seconds after WARM seconds of warm-up.
# Every run also reads the counter of the rule that must decide the packet
# and reports decided/received, which must be 1.00.
#
# Receivers (each in a namespace of its own, all set up before the first
# run, then measured round-robin, ROUNDS times, so that the slow and fast
# periods of this shared VM hit all of them alike):
#   xdp-drop      XDP program that counts and drops: the ceiling
#   stack         no filter, UDP to a closed port: the accept path's ceiling
#   ward-xdp      wardd, interface mode xdp
#   ward-tc       wardd, interface mode tc (N=1000 only)
#   nft-netdev    nftables netdev ingress chain, one rule per filler
#   nft-inet      nftables inet prerouting (priority 0), one rule per filler
#   nft-inet-set  the same with the fillers in one set: ip saddr @fill drop
#   nft-netdev-set  netdev ingress with the fillers in one set (issue 16's peer)
# A subset: RECV_LIST (of ward-xdp nft-netdev nft-inet iptables, default all
# four), SET_RECV (default nft-inet-set; add nft-netdev-set), PATH_LIST
# (default "deny accept").
#   iptables      iptables (Debian's: the nf_tables backend), raw PREROUTING
# N filler rules (source /32s in 10.0.0.0/8, which never match) come before
# the deciding rule, `udp dport 9`, which drops (deny path) or accepts
# (accept path). Accepted packets go on into the stack (UDP to a closed
# port) for every receiver alike. ward's accept path opens a flow with the
# first packet and then passes the rest as an established flow: conntrack,
# not the rules. The peers have no conntrack in these rulesets.
#
# Control plane: each deny-path ruleset is also applied three times and
# timed: wardd reloading its file (SIGHUP until the new generation is live:
# parse, compile, commit), `nft -f` of a file that starts with `flush
# ruleset`, `iptables-restore` of the table.
#
# A run in which others took more than BUSY_MAX % of GEN_CPU is repeated,
# up to RETRY times, and the least disturbed attempt is kept.
#
# Output: $OUT/veth.tsv, one line per run and per apply:
#   plan  RECEIVER PATH N                  (one per configuration)
#   veth  RECEIVER PATH N ROUND MPPS DECIDED GEN_MPPS OTHER%
# (OTHER: how much of GEN_CPU others took in the window: this VM is shared.)
#   apply RECEIVER N I MS
. "$(dirname "$0")/lib.sh"

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
	ROUNDS=${ROUNDS:-1}
	WARM=${WARM:-0.3}
	WIN=${WIN:-0.7}
	NS_LIST=${NS_LIST:-"1000"}
	SET_LIST=${SET_LIST:-"1000"}
	APPLIES=1
else
	ROUNDS=${ROUNDS:-3}
	WARM=${WARM:-0.5}
	WIN=${WIN:-2}
	NS_LIST=${NS_LIST:-"1 1000 10000 100000"}
	SET_LIST=${SET_LIST:-"1000 10000 100000"}
	APPLIES=3
fi
TC_N=${TC_N:-1000}
OUT=${OUT:?OUT must name the results directory}
TSV=$OUT/veth.tsv
mkdir -p "$OUT"
: >"$TSV"
[ -x "$WBGEN" ] && [ -f "$SINK" ] && [ -x "$WARDD" ] ||
	wb_die "build first: make all && make -f bench/bench.mk (BUILD=$BUILD)"

# --- the receivers' rulesets ------------------------------------------------

# ward.yaml for N fillers and the deciding rule.
ward_yaml() { # MODE PATH N TAG
	local verdict=drop policy=accept
	if [ "$2" = accept ]; then
		verdict=accept
		policy=drop
	fi
	echo "interfaces:"
	echo "  - { match: wbr, mode: $1 }"
	echo "defaults: { policy: $policy, log: none }"
	# A socket of its own: the default one may be another wardd's.
	echo "api: { listen: \"unix:$WB_TMP/api-$4.sock\" }"
	echo "rules:"
	wb_fill_addrs "$3" | sed 's/^/  - { from: /; s/$/, action: drop }/'
	echo "  - { name: decide, proto: udp, port: 9, action: $verdict }"
}

nft_ruleset() { # FAMILY(netdev|inet) FORM(linear|set) PATH N
	local verdict=drop
	[ "$3" = accept ] && verdict=accept
	echo "flush ruleset"
	echo "table $1 wb {"
	echo "  counter decide { }"
	if [ "$2" = set ]; then
		echo "  set fill { type ipv4_addr; elements = {"
		wb_fill_addrs "$4" | paste -sd,
		echo "  } }"
	fi
	if [ "$1" = netdev ]; then
		echo "  chain in { type filter hook ingress device \"wbr\" priority 0; policy accept;"
	else
		echo "  chain in { type filter hook prerouting priority 0; policy accept;"
	fi
	if [ "$2" = set ]; then
		echo "    ip saddr @fill drop"
	else
		wb_fill_addrs "$4" | sed 's/^/    ip saddr /; s/$/ drop/'
	fi
	echo "    udp dport 9 counter name \"decide\" $verdict"
	echo "  }"
	echo "}"
}

ipt_table() { # PATH N
	local verdict=DROP
	[ "$1" = accept ] && verdict=ACCEPT
	echo "*raw"
	echo ":PREROUTING ACCEPT [0:0]"
	echo ":OUTPUT ACCEPT [0:0]"
	wb_fill_addrs "$2" | sed 's/^/-A PREROUTING -s /; s/$/ -j DROP/'
	echo "-A PREROUTING -p udp --dport 9 -j $verdict"
	echo "COMMIT"
}

# --- per receiver: set up, apply once more (timed), count ------------------
# K: config index; RNS[K] its namespace; state in the arrays below.
C_RECV=() C_PATH=() C_N=() RNS=() TXDEV=() DMAC=() WPID=() RFILE=()

setup_rx() { # K
	local k=$1 ns
	wb_ns ns "r$k"
	RNS[$k]=$ns
	TXDEV[$k]=t$k
	wb_veth "$TX" "t$k" "$ns" wbr
	ip -n "$ns" addr add 198.18.0.2/24 dev wbr
	# veth takes redirected frames only into a peer with NAPI: an XDP
	# program or GRO. GRO on everywhere, so every receiver pays the same.
	ip netns exec "$ns" ethtool -K wbr gro on >/dev/null
	DMAC[$k]=$(wb_mac "$ns" wbr)
}

apply_rules() { # K: apply (or re-apply) the ruleset; prints ms
	local k=$1 ns=${RNS[$1]}
	case ${C_RECV[$k]} in
	nft-*)
		wb_ms ip netns exec "$ns" nft -f "${RFILE[$k]}" ;;
	iptables)
		wb_ms ip netns exec "$ns" iptables-restore "${RFILE[$k]}" ;;
	ward-*)
		wardd_reload_ms "r$k" "${WPID[$k]}" ;;
	esac
}

load_rx() { # K
	local k=$1 ns=${RNS[$1]} recv=${C_RECV[$1]} path=${C_PATH[$1]} n=${C_N[$1]}
	local f=$WB_TMP/rules-$1 i ms
	RFILE[$k]=$f
	case $recv in
	xdp-drop)
		ip -n "$ns" link set dev wbr xdpdrv obj "$SINK" sec xdp program bench_sink_drop
		return ;;
	stack)
		return ;;
	ward-xdp|ward-tc)
		ward_yaml "${recv#ward-}" "$path" "$n" "r$k" >"$f"
		wardd_start "$ns" "r$k" "$f"
		WPID[$k]=$WB_WARDD_PID ;;
	nft-netdev)
		nft_ruleset netdev linear "$path" "$n" >"$f" ;;
	nft-inet)
		nft_ruleset inet linear "$path" "$n" >"$f" ;;
	nft-inet-set)
		nft_ruleset inet set "$path" "$n" >"$f" ;;
	nft-netdev-set)
		nft_ruleset netdev set "$path" "$n" >"$f" ;;
	iptables)
		ipt_table "$path" "$n" >"$f" ;;
	esac
	# The first apply of a peer is timed like the others; wardd's start
	# loads the data plane too, so only its reloads are timed.
	if [ "$path" = deny ]; then
		for i in $(seq "$APPLIES"); do
			ms=$(apply_rules "$k")
			printf 'apply\t%s\t%s\t%s\t%s\n' "$recv" "$n" "$i" "$ms" >>"$TSV"
		done
	elif [ "${recv#ward-}" = "$recv" ]; then
		apply_rules "$k" >/dev/null
	fi
}

# How many packets the deciding rule (or program) has seen; "-": no counter.
decided() { # K
	local k=$1 ns=${RNS[$1]}
	case ${C_RECV[$k]} in
	xdp-drop)
		wb_ethstat "$ns" wbr rx_queue_0_xdp_drops ;;
	stack)
		echo - ;;
	ward-*)
		wardd_rule_packets "r$k" "${WPID[$k]}" decide ;;
	nft-netdev*)
		ip netns exec "$ns" nft list counter netdev wb decide |
			awk '$1 == "packets" { print $2 }' ;;
	nft-inet*)
		ip netns exec "$ns" nft list counter inet wb decide |
			awk '$1 == "packets" { print $2 }' ;;
	iptables)
		ip netns exec "$ns" iptables -t raw -L PREROUTING $((C_N[$k] + 1)) -vnx |
			awk '{ print $1 }' ;;
	esac
}

rx_frames() { wb_ethstat "${RNS[$1]}" wbr rx_queue_0_xdp_packets; }

# Until the receiver has taken every frame off its ring (a slow one needs
# a while for the last 256).
rx_settle() { wb_settle rx_frames "$1"; }

measure() { # K ROUND
	local k=$1 r=$2 rx0 rx1 d0 d1 s0 s1 g0 g1 q0 q1 b0 b1 line
	rx0=$(rx_frames "$k")
	d0=$(decided "$k")
	wb_gen "$TX" "${TXDEV[$k]}" "${DMAC[$k]}" "$(awk -v a="$WARM" -v b="$WIN" 'BEGIN { print a + b + 10 }')"
	sleep "$WARM"
	g0=$(wb_task_ns "$WB_GEN_PID")
	q0=$(wb_task_ns "$WB_KSOFTIRQD")
	b0=$(wb_cpu_busy "$GEN_CPU")
	s0=$(wb_sample rx_frames "$k")
	sleep "$WIN"
	s1=$(wb_sample rx_frames "$k")
	g1=$(wb_task_ns "$WB_GEN_PID")
	q1=$(wb_task_ns "$WB_KSOFTIRQD")
	b1=$(wb_cpu_busy "$GEN_CPU")
	wb_gen_stop
	rx1=$(rx_settle "$k")
	d1=$(decided "$k")
	# other: the share of GEN_CPU that went neither to the generator nor to
	# its softirq thread in the window (other sessions; /proc/stat ticks).
	line=$(awk -v s0="$s0" -v s1="$s1" -v rx="$((rx1 - rx0))" -v d0="$d0" -v d1="$d1" \
		   -v g="$(wb_gen_rate)" -v own="$((g1 - g0 + q1 - q0))" -v busy="$((b1 - b0))" 'BEGIN {
		split(s0, a, " "); split(s1, b, " ")
		t = b[1] - a[1]
		mpps = (b[2] - a[2]) / t / 1e6
		dec = (d0 == "-" || rx <= 0) ? "-" : sprintf("%.3f", (d1 - d0) / rx)
		other = 100 * (busy * 1e7 - own) / (t * 1e9)
		printf "%.4f\t%s\t%s\t%.0f", mpps, dec, g, (other < 0 ? 0 : other) }')
	MEASURED=$(printf 'veth\t%s\t%s\t%s\t%s\t%s' "${C_RECV[$k]}" "${C_PATH[$k]}" \
		"${C_N[$k]}" "$r" "$line")
	MEASURED_OTHER=$(echo "$line" | cut -f4)
	echo "$line" | awk -v c="${C_RECV[$k]} ${C_PATH[$k]} N=${C_N[$k]}" -v r="$r" -F'\t' '{
		printf "veth: round %s %-28s %8.4f Mpps %7.0f ns/pkt  decided/received %s  other %s%%\n",
			r, c, $1, ($1 > 0 ? 1000 / $1 : 0), $2, $4 }' >&2
}

# --- the plan ----------------------------------------------------------------
add_cfg() { # RECEIVER PATH N
	local k=${#C_RECV[@]}
	C_RECV[$k]=$1
	C_PATH[$k]=$2
	C_N[$k]=$3
	printf 'plan\t%s\t%s\t%s\n' "$1" "$2" "$3" >>"$TSV"
}

add_cfg xdp-drop deny 0
add_cfg stack accept 0
for path in ${PATH_LIST:-deny accept}; do
	for n in $NS_LIST; do
		for recv in ${RECV_LIST:-ward-xdp nft-netdev nft-inet iptables}; do
			add_cfg "$recv" "$path" "$n"
		done
		[ "$n" = "$TC_N" ] && add_cfg ward-tc "$path" "$n"
	done
	for n in $SET_LIST; do
		for recv in ${SET_RECV:-nft-inet-set}; do
			add_cfg "$recv" "$path" "$n"
		done
	done
done

printf 'rounds\t%s\n' "$ROUNDS" >>"$TSV"
wb_ns TX tx
t0=$(date +%s)
wb_log "setting up ${#C_RECV[@]} receivers"
for k in "${!C_RECV[@]}"; do
	setup_rx "$k"
	load_rx "$k"
done
wb_log "set up in $(($(date +%s) - t0)) s; $ROUNDS rounds of ${WIN} s windows"
for r in $(seq "$ROUNDS"); do
	for k in "${!C_RECV[@]}"; do
		wb_measure_retry "$TSV" measure "$k" "$r"
	done
done
wb_log "done in $(($(date +%s) - t0)) s"
