#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# tests/e2e/test_impaired.sh: real transfers over an impaired link, through
# ward and through nftables in the same run (issue 26).
#
# This kernel has no netem, so build/ward_relay (tests/e2e/relay.c) makes the
# impaired link: per path one relay namespace bridges client <-> firewall and
# firewall <-> server, losing, duplicating, reordering and corrupting TCP and
# UDP frames. Three paths side by side, same addresses in their own
# namespaces:
#
#   client 10.93.1.2 -- relay -- [fc 10.93.1.1  firewall  fs 10.93.2.1] -- relay -- server 10.93.2.2
#
# with the firewall being nftables (inet forward chain, Linux conntrack,
# nf_conntrack_tcp_loose left at its default), ward xdp and ward tc: policy
# drop, new flows only from the client to tcp/8080, tcp/5201 and udp/5001.
# Each run fetches a 1 MB file with curl from python's http.server on 8080
# and runs iperf3 to 5201, path after path. Per path it counts transfers that
# never connected, that stalled (failed after connecting, or an iperf3
# second that moved no byte), and completed;
# at the end, ward's flows that never saw a reply and its drops by reason.
#
# Verdict: ward has no more never-connected and no more stalled transfers
# than nftables in the same run. nftables completing nothing is a test error
# (the relay or the setup is broken), as is a relay that saw offloaded
# (oversized) frames.
#
#   QUICK=1          3 short runs (iperf3 -t 2), for make check (~35 s)
#   RUNS=N SECS=S    runs (default 16) and iperf3 seconds (default 5)
#   LOSS= DUP= REORDER= GAP= CORRUPT=   the relay's impairment, percentages
#                    (GAP: frames a reordered frame is held behind)
#   SEED=            the relay's seed (same decisions for the same frames)
#   PATHS="nft xdp tc"   which paths (nft is the control: always run)
#   KEEP_GOING=1     print the table but never fail (for bench runs)
#   CAPTURE=DIR      the relays record every frame into and out of each
#                    firewall (pcap, DIR/PATH-...; tests/e2e/impaired_drops.py
#                    lists what a firewall dropped)
#   OUT=DIR          keep the transfer log, relay counters, wardd logs and
#                    flow logs there
set -eu
. "$(dirname "$0")/lib.sh"

RELAY=${RELAY:-$ROOT/build/ward_relay}
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then RUNS=${RUNS:-3}; SECS=${SECS:-2}; else RUNS=${RUNS:-16}; SECS=${SECS:-5}; fi
LOSS=${LOSS:-1} DUP=${DUP:-1} REORDER=${REORDER:-5} GAP=${GAP:-3} CORRUPT=${CORRUPT:-1} SEED=${SEED:-1}
PATHS=${PATHS:-"nft xdp tc"}
case " $PATHS " in *" nft "*) ;; *) PATHS="nft $PATHS" ;; esac
SIZE=1048576
SRV=10.93.2.2
NSS=()
MNTS=()

e2e_need iperf3 iperf3
e2e_need nft nftables
e2e_need ethtool ethtool
e2e_need ss iproute2
[ -x "$RELAY" ] || e2e_error "$RELAY not built (make all builds it)"
[ -x "$WARDD" ] || e2e_error "$WARDD not built (make all)"

imp_cleanup() {
	local n m
	for p in "${BG_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	for n in "${NSS[@]}"; do ip netns del "$n" 2>/dev/null || true; done
	for m in "${MNTS[@]}"; do mountpoint -q "$m" 2>/dev/null && umount "$m"; done
	e2e_cleanup
}
E2E_CLEANUP=imp_cleanup

ns() { echo "wt-i$1$ID-$2"; } # ROLE(c r f s) PATH
mac() { ip -n "$1" -o link show "$2" | sed 's/.*link\/ether \([^ ]*\).*/\1/'; }

# No offloads anywhere: the relay reads and writes single MTU frames, and a
# frame a socket left to checksum offload would carry a partial sum.
no_offload() { # NS DEV
	ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 || true
}

# build_path P: the four namespaces, two links through the relay, routes.
build_path() {
	local p=$1 c r f s n
	c=$(ns c "$p") r=$(ns r "$p") f=$(ns f "$p") s=$(ns s "$p")
	for n in "$c" "$r" "$f" "$s"; do
		ip netns add "$n"
		NSS+=("$n")
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip -n "$n" link set lo up
	done
	e2e_link "$c" c0 "$r" rc
	e2e_link "$r" rf "$f" fc
	e2e_link "$f" fs "$r" rg
	e2e_link "$r" rs "$s" s0
	for n in "$c c0" "$r rc" "$r rf" "$f fc" "$f fs" "$r rg" "$r rs" "$s s0"; do
		# shellcheck disable=SC2086
		no_offload $n
	done
	ip -n "$c" addr add 10.93.1.2/24 dev c0
	ip -n "$f" addr add 10.93.1.1/24 dev fc
	ip -n "$f" addr add 10.93.2.1/24 dev fs
	ip -n "$s" addr add $SRV/24 dev s0
	ip -n "$c" route add default via 10.93.1.1
	ip -n "$s" route add default via 10.93.2.1
	# Static neighbours: address resolution is not what is measured.
	ip -n "$c" neigh replace 10.93.1.1 lladdr "$(mac "$f" fc)" dev c0 nud permanent
	ip -n "$f" neigh replace 10.93.1.2 lladdr "$(mac "$c" c0)" dev fc nud permanent
	ip -n "$f" neigh replace $SRV lladdr "$(mac "$s" s0)" dev fs nud permanent
	ip -n "$s" neigh replace 10.93.2.1 lladdr "$(mac "$f" fs)" dev s0 nud permanent
	ip netns exec "$f" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.fc.rp_filter=0 net.ipv4.conf.fs.rp_filter=0
	ip netns exec "$r" "$RELAY" -l "$LOSS" -d "$DUP" -r "$REORDER" -g "$GAP" -c "$CORRUPT" \
		-s "$SEED" -S "$TMP/relay-$p.stats" ${CAPTURE:+-w "$CAPTURE/$p"} rc:rf rg:rs 2>"$TMP/relay-$p.err" &
	BG_PIDS+=($!)
	echo $! >"$TMP/relay-$p.pid"
	# Servers: a 1 MB file over HTTP (iperf3 servers start per transfer).
	ip netns exec "$s" /usr/bin/python3 -m http.server --bind $SRV --directory "$TMP/www" 8080 \
		>/dev/null 2>&1 &
	BG_PIDS+=($!)
}

nft_firewall() {
	local f
	f=$(ns f nft)
	ip netns exec "$f" nft -f - <<'EOF'
table inet wt_impaired {
	chain forward {
		type filter hook forward priority 0; policy drop;
		ct state established,related accept
		ct state invalid counter drop
		iifname "fc" tcp dport { 8080, 5201 } ct state new accept
		iifname "fc" udp dport 5001 ct state new accept
	}
}
EOF
	echo "nft: nf_conntrack_tcp_loose=$(ip netns exec "$f" sysctl -n net.netfilter.nf_conntrack_tcp_loose)" \
		"nf_conntrack_checksum=$(ip netns exec "$f" sysctl -n net.netfilter.nf_conntrack_checksum)"
}

ward_firewall() { # MODE
	local mode=$1 f i
	f=$(ns f "$mode")
	mkdir -p "$TMP/bpffs-$mode"
	mount -t bpf bpf "$TMP/bpffs-$mode"
	MNTS+=("$TMP/bpffs-$mode")
	cat >"$TMP/ward-$mode.yaml" <<EOF
interfaces:
  - { match: fc, role: lan, mode: $mode }
  - { match: fs, role: wan, mode: $mode }
defaults: { policy: drop }
metrics: { listen: "127.0.0.1:9669" }
logs: { path: $TMP/flows-$mode.json }
rules:
  - { name: http, in: lan, proto: tcp, port: 8080, action: accept }
  - { name: iperf, in: lan, proto: tcp, port: 5201, action: accept }
  - { name: udp, in: lan, proto: udp, port: 5001, action: accept }
EOF
	: >"$TMP/wardd-$mode.log"
	ip netns exec "$f" "$WARDD" -d -c "$TMP/ward-$mode.yaml" -p "$TMP/bpffs-$mode/ward" \
		--api "unix:$TMP/api-$mode.sock" >"$TMP/wardd-$mode.log" 2>&1 &
	BG_PIDS+=($!)
	for i in $(seq 300); do
		grep -q 'ready:' "$TMP/wardd-$mode.log" && break
		kill -0 "${BG_PIDS[-1]}" 2>/dev/null || { cat "$TMP/wardd-$mode.log" >&2; fail "wardd ($mode) exited before ready"; }
		sleep 0.1
	done
	grep -q 'ready:' "$TMP/wardd-$mode.log" || fail "wardd ($mode) not ready after 30 s"
	for i in $(seq 50); do
		metrics "$mode" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	e2e_error "wardd ($mode): no /metrics on 127.0.0.1:9669"
}

metrics() { ip netns exec "$(ns f "$1")" curl -sf -m 5 http://127.0.0.1:9669/metrics; }
metric() { # MODE NAME{LABELS}: its value, 0 when absent
	metrics "$1" | awk -v m="$2" '$1 == m { v = $2 } END { printf "%d\n", v + 0 }'
}

# curl_run P: echo one of connect, stall, ok.
curl_run() {
	local p=$1 out rc=0
	out=$(ip netns exec "$(ns c "$p")" curl -s -o /dev/null --connect-timeout 15 -m 60 \
		-w '%{http_code} %{size_download} %{time_connect}' "http://$SRV:8080/blob") || rc=$?
	echo "$p curl rc=$rc $out" >>"$TMP/transfers.log"
	set -- $out
	if [ "$rc" = 0 ] && [ "${1:-}" = 200 ] && [ "${2:-}" = $SIZE ]; then
		echo ok
	elif [ "$rc" = 7 ] || [ "${3:-0.000000}" = 0.000000 ]; then
		echo connect
	else
		echo stall
	fi
}

# listening NS PORT: wait until a server listens (a loaded machine takes
# seconds to start python); a refused connect is the test's race, not ward.
listening() {
	local i
	for i in $(seq 100); do
		ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.1
	done
	e2e_error "no server listening on port $2 in $1 after 10 s"
}

# iperf_run P: echo one of connect, stall, ok (a fresh one-off server each).
iperf_run() {
	local p=$1 s spid rc=0 verdict
	s=$(ns s "$p")
	ip netns exec "$s" iperf3 -s -1 -B $SRV -p 5201 >/dev/null 2>&1 &
	spid=$!
	BG_PIDS+=($spid)
	listening "$s" 5201
	ip netns exec "$(ns c "$p")" timeout $((SECS + 40)) iperf3 -c $SRV -p 5201 -t "$SECS" -J \
		--connect-timeout 15000 >"$TMP/iperf.json" 2>&1 || rc=$?
	kill -9 "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	verdict=$(/usr/bin/python3 - "$TMP/iperf.json" "$rc" <<'PY'
import json, sys
rc = int(sys.argv[2])
try:
    d = json.load(open(sys.argv[1]))
except ValueError:
    d = {}
err = d.get("error", "")
recv = d.get("end", {}).get("sum_received", {}).get("bytes", 0)
idle = sum(1 for i in d.get("intervals", []) if i.get("sum", {}).get("bytes", 1) == 0)
if rc == 0 and not err and recv > 0:
    # A second that moved no byte is a stall the user sees, even if the
    # transfer went on afterwards.
    v = "stall" if idle else "ok"
elif "unable to connect" in err or ("connect" in err and not d.get("intervals")):
    v = "connect"
else:
    v = "stall"
print(v, idle, recv, repr(err))
PY
)
	echo "$p iperf3 rc=$rc $verdict" >>"$TMP/transfers.log"
	echo "$verdict" | awk '{ print $1, $2 }'
}

declare -A N
count() { N[$1]=$(( ${N[$1]:-0} + 1 )); }

mkdir -p "$TMP/www" ${CAPTURE:+"$CAPTURE"}
head -c $SIZE /dev/urandom >"$TMP/www/blob"
: >"$TMP/transfers.log"
echo "impairment: loss $LOSS% dup $DUP% reorder $REORDER% (gap $GAP) corrupt $CORRUPT% seed $SEED, both links, both directions"
echo "runs: $RUNS x (curl 1 MB, iperf3 ${SECS} s) per path; paths: $PATHS"
for p in $PATHS; do build_path "$p"; done
for p in $PATHS; do
	case $p in
	nft) nft_firewall ;;
	xdp|tc) ward_firewall "$p" ;;
	*) e2e_error "PATHS: '$p' is not nft, xdp or tc" ;;
	esac
done
# Baseline through each path: the client reaches the server at all.
for p in $PATHS; do
	listening "$(ns s "$p")" 8080
	ip netns exec "$(ns c "$p")" curl -s -o /dev/null -m 10 --retry 3 "http://$SRV:8080/" ||
		{ [ "$p" = nft ] && e2e_error "baseline: no HTTP through the nftables path (relay or setup broken)"; true; }
done

declare -A WIN0
for run in $(seq "$RUNS"); do
	line="run $run:"
	for p in $PATHS; do
		[ "$p" = nft ] || WIN0[$p]=$(metric "$p" 'ward_drops_total{reason="tcp_window"}')
		v=$(curl_run "$p")
		count "$p.curl.$v"
		set -- $(iperf_run "$p")
		count "$p.iperf.$1"
		N[$p.idle]=$(( ${N[$p.idle]:-0} + $2 ))
		line="$line $p curl=$v iperf=$1"
		if [ "$p" != nft ]; then
			w=$(( $(metric "$p" 'ward_drops_total{reason="tcp_window"}') - ${WIN0[$p]} ))
			line="$line tcp_window+$w"
		fi
	done
	echo "$line"
done

# Relay counters (SIGTERM makes it write them).
for p in $PATHS; do
	kill -TERM "$(cat "$TMP/relay-$p.pid")" 2>/dev/null || true
done
sleep 0.3

echo
printf '| path | never connected | stalled/failed | completed | iperf3 seconds with 0 bytes | unanswered flows at the end | tcp_window drops | bad_checksum drops | tcp_invalid drops |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for p in $PATHS; do
	for k in connect stall ok; do
		N[$p.$k]=$(( ${N[$p.curl.$k]:-0} + ${N[$p.iperf.$k]:-0} ))
	done
	if [ "$p" = nft ]; then
		inv=$(ip netns exec "$(ns f nft)" nft list table inet wt_impaired | awk '/invalid counter/ { print $6 }')
		extra="- | - | - | ct invalid: ${inv:-?} |"
	else
		extra="$(metric "$p" 'ward_conntrack_flows{answered="no"}') | $(metric "$p" 'ward_drops_total{reason="tcp_window"}') | $(metric "$p" 'ward_drops_total{reason="bad_checksum"}') | $(metric "$p" 'ward_drops_total{reason="tcp_invalid"}') |"
	fi
	printf '| %s | %d (curl %d, iperf3 %d) | %d (curl %d, iperf3 %d) | %d of %d | %d | %s\n' "$p" \
		"${N[$p.connect]}" "${N[$p.curl.connect]:-0}" "${N[$p.iperf.connect]:-0}" \
		"${N[$p.stall]}" "${N[$p.curl.stall]:-0}" "${N[$p.iperf.stall]:-0}" \
		"${N[$p.ok]}" $((2 * RUNS)) "${N[$p.idle]:-0}" "$extra"
done
echo
for p in $PATHS; do
	[ -s "$TMP/relay-$p.stats" ] || e2e_error "relay ($p) wrote no counters: $(cat "$TMP/relay-$p.err")"
	sed "s/^/relay $p: /" "$TMP/relay-$p.stats"
done
for p in $PATHS; do
	[ "$p" = nft ] || metrics "$p" | grep '^ward_drops_total' | grep -v ' 0$' | sed "s/^/ward $p: /" || true
done
if [ -n "${OUT:-}" ]; then
	mkdir -p "$OUT"
	cp "$TMP"/transfers.log "$TMP"/relay-*.stats "$TMP"/wardd-*.log "$OUT"/ 2>/dev/null || true
	cp "$TMP"/flows-*.json "$OUT"/ 2>/dev/null || true
fi
if grep -q 'oversize [1-9]' "$TMP"/relay-*.stats; then
	e2e_error "the relay saw offloaded (oversized) frames: ethtool -K did not take"
fi
[ "${N[nft.ok]}" -gt 0 ] ||
	{ cat "$TMP/transfers.log" >&2; e2e_error "nftables completed no transfer: the relay or the setup is broken"; }

[ "${KEEP_GOING:-0}" = 1 ] && { echo "KEEP_GOING=1: no verdict"; exit 0; }
for p in $PATHS; do
	[ "$p" = nft ] && continue
	[ "${N[$p.connect]}" -le "${N[nft.connect]}" ] ||
		{ grep "^$p " "$TMP/transfers.log" >&2; fail "ward $p: ${N[$p.connect]} transfers never connected, nftables ${N[nft.connect]}"; }
	[ "${N[$p.stall]}" -le "${N[nft.stall]}" ] ||
		{ grep "^$p " "$TMP/transfers.log" >&2; fail "ward $p: ${N[$p.stall]} transfers stalled or failed, nftables ${N[nft.stall]}"; }
done
echo "PASS test_impaired (paths: $PATHS)"
