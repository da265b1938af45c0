# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bench/lib.sh: what bench/veth.sh and bench/gateway.sh share: namespaces
# (all named wb-<id>-*), real wardd instances on a bpffs of our own, the
# live-frames generator, counters, timing, and cleanup on any exit.
#
# Sourced, not run. The caller sets BUILD (wardd, bench/wbgen,
# bench/sink.bpf.o) and OUT (where results go). Everything this starts is
# remembered by PID and ended by PID; namespaces are deleted and the bpffs
# unmounted on exit, also after a failure or ^C.

set -eu
WB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$WB_ROOT/build}
WARDD=${WARDD:-$BUILD/wardd}
WBGEN=$BUILD/bench/wbgen
SINK=$BUILD/bench/sink.bpf.o
WB_ID=${WB_ID:-$$}
WB_TMP=$(mktemp -d /tmp/wb-bench.XXXXXX)
WB_BPFFS=$WB_TMP/bpffs
# The generator and the receivers' softirq share this CPU (the bench-kit's
# "onecore" mode); wardd and the harness keep to the other one.
GEN_CPU=${GEN_CPU:-1}
HOUSE_CPU=${HOUSE_CPU:-0}
WB_NS=()
WB_PIDS=()
# The harness itself stays off GEN_CPU: there it would compete with a
# generator at nice -20 and be starved for seconds between two samples.
taskset -pc "$HOUSE_CPU" $$ >/dev/null
# For what should run where the scheduler likes (iperf3): every CPU again.
WB_ALL_CPUS=0-$(($(nproc) - 1))

wb_cleanup() {
	local p n
	for p in "${WB_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${WB_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	for n in "${WB_NS[@]}"; do
		ip netns del "$n" 2>/dev/null || true
	done
	if mountpoint -q "$WB_BPFFS" 2>/dev/null; then
		umount "$WB_BPFFS" || true
	fi
	rm -rf "$WB_TMP"
}
trap wb_cleanup EXIT
trap 'exit 130' INT TERM

wb_log() { echo "$(basename "$0"): $*" >&2; }
wb_die() { wb_log "$*"; exit 1; }

# Seconds since the epoch, ns resolution.
wb_now() { date +%s.%N; }

# wb_ns VAR NAME: a fresh namespace wb-<id>-NAME with lo up, its name in
# VAR. (Not printed: in a $(...) subshell it would not be remembered for
# the cleanup.)
wb_ns() {
	local n=wb-$WB_ID-$2
	ip netns add "$n"
	WB_NS+=("$n")
	ip -n "$n" link set lo up
	printf -v "$1" %s "$n"
}

# wb_veth NS1 DEV1 NS2 DEV2: a veth pair between two namespaces, both up.
wb_veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

wb_mac() { ip -n "$1" -br link show "$2" | awk '{ print $3 }'; }

# wb_ethstat NS DEV KEY: one ethtool -S counter (veth: per-queue XDP stats).
wb_ethstat() {
	ip netns exec "$1" ethtool -S "$2" | awk -v k="$3:" '$1 == k { print $2 }'
}

# wb_sysstat NS DEV NAME: /sys/class/net/DEV/statistics/NAME.
wb_sysstat() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }

# wb_sample CMD...: "time value", the time taken halfway through reading it.
wb_sample() {
	local t0 v t1
	t0=$(wb_now)
	v=$("$@")
	t1=$(wb_now)
	echo "$(echo "$t0 $t1" | awk '{ printf "%.6f", ($1 + $2) / 2 }') $v"
}

# wb_gen NS DEV DSTMAC SECONDS [wbgen args]: the generator in the
# background, pinned to GEN_CPU at nice -20; returns once it sends (its
# program loaded). WB_GEN_PID, output in $WB_TMP/gen.out. SECONDS is a cap:
# stop it with wb_gen_stop when the measurement is done.
wb_gen() {
	local ns=$1 dev=$2 mac=$3 secs=$4 i
	shift 4
	: >"$WB_TMP/gen.out"
	ip netns exec "$ns" nice -n -20 "$WBGEN" -i "$dev" -d "$mac" -t "$secs" \
		-c "$GEN_CPU" "$@" >"$WB_TMP/gen.out" 2>&1 &
	WB_GEN_PID=$!
	for i in $(seq 3000); do
		grep -q '^wbgen: sending' "$WB_TMP/gen.out" && return 0
		kill -0 "$WB_GEN_PID" 2>/dev/null || break
		sleep 0.01
	done
	cat "$WB_TMP/gen.out" >&2
	wb_die "the generator did not start"
}

wb_gen_wait() {
	if ! wait "$WB_GEN_PID"; then
		cat "$WB_TMP/gen.out" >&2
		wb_die "the generator failed"
	fi
}

wb_gen_stop() {
	kill -TERM "$WB_GEN_PID" 2>/dev/null || true
	wb_gen_wait
}

# CPU time (ns) of a task so far, from its schedstat: exact, unlike the
# tick-sampled /proc/stat.
wb_task_ns() { awk '{ print $1 }' "/proc/$1/schedstat" 2>/dev/null || echo 0; }

# Busy jiffies (USER_HZ) of one CPU so far.
wb_cpu_busy() { awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

# The softirq thread of GEN_CPU: receive work the generator's syscalls
# could not finish lands there.
WB_KSOFTIRQD=$(ps -eo pid,comm | awk -v c="ksoftirqd/$GEN_CPU" '$2 == c { print $1 }')

# The generator's own rate, as it printed it.
wb_gen_rate() { sed -n 's/.*rate=\([0-9.]*\) Mpps.*/\1/p' "$WB_TMP/gen.out"; }

wb_bpffs() {
	if ! mountpoint -q "$WB_BPFFS" 2>/dev/null; then
		mkdir -p "$WB_BPFFS"
		mount -t bpf bpf "$WB_BPFFS"
	fi
}

# wardd_start NS TAG CONFIG: a real wardd in NS with pins of its own,
# pinned to HOUSE_CPU; waits for "ready:". Its PID is in WB_WARDD_PID, its
# log is $WB_TMP/wardd-TAG.log.
wardd_start() {
	local ns=$1 tag=$2 cfg=$3 log=$WB_TMP/wardd-$2.log pid i
	wb_bpffs
	: >"$log"
	ip netns exec "$ns" taskset -c "$HOUSE_CPU" "$WARDD" -d -c "$cfg" \
		-p "$WB_BPFFS/$tag" >>"$log" 2>&1 &
	pid=$!
	WB_PIDS+=("$pid")
	for i in $(seq 600); do
		if grep -q 'ready:' "$log"; then
			WB_WARDD_PID=$pid
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 20 "$log" >&2
	wb_die "wardd $tag did not come up"
}

# wardd_wait_lines TAG PATTERN N: until the log holds more than N lines
# matching PATTERN (at most 60 s).
wardd_wait_lines() {
	local log=$WB_TMP/wardd-$1.log i
	for i in $(seq 6000); do
		[ "$(grep -c -- "$2" "$log" || true)" -gt "$3" ] && return 0
		sleep 0.01
	done
	wb_die "wardd $1: no '$2' in the log"
}

# wardd_reload_ms TAG PID: SIGHUP, and the ms until the new policy is live
# (parse, compile, commit: what applying a policy costs the daemon).
wardd_reload_ms() {
	local n t0 t1
	n=$(grep -c 'policy generation [0-9]* live' "$WB_TMP/wardd-$1.log" || true)
	t0=$(date +%s%N)
	kill -HUP "$2"
	wardd_wait_lines "$1" 'policy generation [0-9]* live' "$n"
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

# wardd_rule_packets TAG PID RULE: the rule's packet count, from a SIGUSR1
# counter dump.
wardd_rule_packets() {
	local log=$WB_TMP/wardd-$1.log n
	n=$(grep -c '^conntrack flows' "$log" || true)
	kill -USR1 "$2"
	wardd_wait_lines "$1" '^conntrack flows' "$n"
	awk -v r="$3" '$1 == "rule" && $2 == r { v = $4 } END { print v + 0 }' "$log"
}

# Filler addresses: N distinct /32s in 10.0.0.0/8, which no test packet
# comes from (the packets are in 198.18.0.0/15, RFC 2544).
wb_fill_addrs() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
		printf "10.%d.%d.%d\n", int(i / 65536), int(i / 256) % 256, i % 256 }'
}

# This VM is shared: a run in which others took more than BUSY_MAX % of
# GEN_CPU is repeated, up to RETRY more times, and the least disturbed
# attempt is kept (the bench-kit's advice: the best of several runs is the
# closest estimate of uncontended capacity).
if [ "${QUICK:-0}" = 1 ]; then
	RETRY=${RETRY:-0}
else
	RETRY=${RETRY:-1}
fi
BUSY_MAX=${BUSY_MAX:-20}

# wb_measure_retry TSV FUNC ARGS...: FUNC sets MEASURED (a TSV line) and
# MEASURED_OTHER (percent); the kept line is appended to TSV.
wb_measure_retry() {
	local tsv=$1 fn=$2 best= best_other=1000 i
	shift 2
	for i in $(seq $((RETRY + 1))); do
		"$fn" "$@"
		if [ "$MEASURED_OTHER" -lt "$best_other" ]; then
			best=$MEASURED
			best_other=$MEASURED_OTHER
		fi
		[ "$MEASURED_OTHER" -le "$BUSY_MAX" ] && break
		[ "$i" -le "$RETRY" ] && wb_log "others took $MEASURED_OTHER% of CPU $GEN_CPU: again"
	done
	printf '%s\n' "$best" >>"$tsv"
}

# wb_ms CMD...: run it, print how long it took in ms (its output discarded).
wb_ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

# wb_settle CMD ARGS...: CMD's output once it stops changing (read every
# 0.1 s, at most 5 s): a counter that the last frames still move.
wb_settle() {
	local a b i
	a=$("$@")
	for i in $(seq 50); do
		sleep 0.1
		b=$("$@")
		[ "$a" = "$b" ] && break
		a=$b
	done
	echo "$a"
}
