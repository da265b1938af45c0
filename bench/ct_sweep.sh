#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench/ct_sweep.sh: what the conntrack sweeper costs wardd, idle and with
# the table full, for several conntrack.max_flows (issue 25). A real wardd
# (XDP on a veth) in a namespace of its own; its CPU time is read from
# /proc/PID/schedstat over a window. Idle: no flow at all. Loaded:
# `hping3 --flood --rand-source --udp` opens ~90% of max_flows distinct UDP
# flows, then stops; they stay live (timeouts.udp 600 s) while
# the window runs, so the figure is the sweeper's cost for a full table with
# nothing expiring (the old sweeper walked it all the same). Then "expiry":
# the same flows with timeouts.udp 20 s, over a window that holds the moment
# they all expire.
#
#   BUILD=build [WARDD=path] [SIZES="262144 1048576 4194304"] [WINDOW=20] \
#       ./bench/ct_sweep.sh
#
# Prints one line per size: "max_flows N idle X% loaded Y% (F flows) expiry Z%".
# Needs root, build/wardd and hping3 (apt-get install hping3).
. "$(dirname "$0")/lib.sh"

SIZES=${SIZES:-262144 1048576 4194304}
WINDOW=${WINDOW:-20}

# wardd's CPU over WINDOW seconds, in percent of one CPU.
cpu_pct() {
	local a b
	a=$(wb_task_ns "$1")
	sleep "$WINDOW"
	b=$(wb_task_ns "$1")
	awk -v a="$a" -v b="$b" -v w="$WINDOW" 'BEGIN { printf "%.2f", (b - a) / 1e9 / w * 100 }'
}

flows_of() { # PID TAG: the flow count of a SIGUSR1 dump
	local log=$WB_TMP/wardd-$2.log n
	n=$(grep -c '^conntrack flows' "$log" || true)
	kill -USR1 "$1"
	wardd_wait_lines "$2" '^conntrack flows' "$n"
	awk '/^conntrack flows/ { v = $3 } END { print v + 0 }' "$log"
}

config() { # MAX UDP_TIMEOUT
	cat <<EOF
interfaces:
  - { match: sw0, role: lan, mode: xdp }
defaults: { policy: drop }
conntrack:
  max_flows: $1
  timeouts: { udp: $2 }
rules:
  - { name: udp-in, in: lan, proto: udp, port: 9, action: accept }
EOF
}

# fill NS_G MAX TAG PID: flows up to ~90% of MAX, then the flood stops.
# (wbgen's live frames make a new flow at a few thousand a second here:
# each of its calls waits for an RCU grace period; hping3 does ~150k.)
fill() {
	local want=$(($2 * 9 / 10)) n=0 i gen
	ip netns exec "$1" hping3 --flood --rand-source --udp -p 9 10.8.0.2 >/dev/null 2>&1 &
	gen=$!
	WB_PIDS+=("$gen")
	for i in $(seq 300); do
		sleep 1
		n=$(flows_of "$4" "$3")
		[ "$n" -ge "$want" ] && break
	done
	kill -INT "$gen"; wait "$gen" 2>/dev/null || true
	wb_log "max_flows $2: $n flows after ${i}s of flood"
	echo "$n"
}

run_size() { # MAX
	local max=$1 ns_g ns_w pid idle loaded flows expiry tag
	wb_ns ns_g "g$max"
	wb_ns ns_w "w$max"
	wb_veth "$ns_g" sg0 "$ns_w" sw0
	ip -n "$ns_w" addr add 10.8.0.2/24 dev sw0
	ip -n "$ns_g" addr add 10.8.0.1/24 dev sg0

	tag=s$max
	config "$max" 600 >"$WB_TMP/$tag.yaml"
	wardd_start "$ns_w" "$tag" "$WB_TMP/$tag.yaml"
	pid=$WB_WARDD_PID
	sleep 3
	idle=$(cpu_pct "$pid")
	flows=$(fill "$ns_g" "$max" "$tag" "$pid")
	sleep 2
	loaded=$(cpu_pct "$pid")
	kill -TERM "$pid"; wait "$pid" 2>/dev/null || true

	# Expiry: the same fill with 20 s UDP timeouts, a window over their end.
	tag=e$max
	config "$max" 20 >"$WB_TMP/$tag.yaml"
	wardd_start "$ns_w" "$tag" "$WB_TMP/$tag.yaml"
	pid=$WB_WARDD_PID
	fill "$ns_g" "$max" "$tag" "$pid" >/dev/null
	expiry=$(WINDOW=$((WINDOW + 20)) cpu_pct "$pid")
	kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
	echo "max_flows $max idle $idle% loaded $loaded% ($flows flows) expiry $expiry% (window $((WINDOW + 20)) s)"
	ip netns del "$ns_g"; ip netns del "$ns_w"
}

command -v hping3 >/dev/null || wb_die "hping3 missing: apt-get install hping3"
for s in $SIZES; do
	run_size "$s"
done
