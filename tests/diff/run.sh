#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# tests/diff/run.sh: the differential test of conntrack. Builds three
# client -- firewall -- server paths in namespaces (nftables with Linux's
# conntrack, ward in xdp mode, ward in tc mode), then replays the same raw
# frames through each with ct_diff.py and prints every frame where ward and
# nftables disagree.
#
#   tests/diff/run.sh [scripted|random]     SEED=, N= for random; VERBOSE=1
#
# Exit 0 when every disagreement is one docs/conntrack.md lists as
# deliberate. Needs root, nft, /usr/bin/python3 with scapy, build/wardd.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WARDD=${WARDD:-$ROOT/build/wardd}
MODE_RUN=${1:-scripted}
ID=${ID:-$$}
TMP=$(mktemp -d /tmp/wt-diff.XXXXXX)
PIDS=()
NSS=()

cleanup() {
	local p n
	for p in "${PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	for n in "${NSS[@]}"; do
		ip netns del "$n" 2>/dev/null || true
	done
	for p in "$TMP"/bpffs-*; do
		mountpoint -q "$p" 2>/dev/null && umount "$p"
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

mac() { ip -n "$1" -o link show "$2" | sed 's/.*link\/ether \([^ ]*\).*/\1/'; }

# path K NAME: namespaces wt-d{c,f,s}ID-K, links c0 -- fc and s0 -- fs.
path() {
	local k=$1 name=$2 c=wt-dc$ID-$1 f=wt-df$ID-$1 s=wt-ds$ID-$1
	ip netns add "$c"; NSS+=("$c")
	ip netns add "$f"; NSS+=("$f")
	ip netns add "$s"; NSS+=("$s")
	ip link add c0 netns "$c" type veth peer name fc netns "$f"
	ip link add s0 netns "$s" type veth peer name fs netns "$f"
	for n in "$c" "$f" "$s"; do ip -n "$n" link set lo up; done
	ip -n "$c" link set c0 up
	ip -n "$s" link set s0 up
	ip -n "$f" link set fc up
	ip -n "$f" link set fs up
	ip -n "$f" addr add 10.91.1.1/24 dev fc
	ip -n "$f" addr add 10.91.2.1/24 dev fs
	ip -n "$f" neigh replace 10.91.1.2 lladdr "$(mac "$c" c0)" dev fc nud permanent
	ip -n "$f" neigh replace 10.91.2.2 lladdr "$(mac "$s" s0)" dev fs nud permanent
	ip netns exec "$f" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.fc.rp_filter=0 net.ipv4.conf.fs.rp_filter=0
	# No addresses in the end namespaces: their kernels never answer.
	ip netns exec "$c" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$s" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	printf '%s{"name": "%s", "ns_c": "%s", "if_c": "c0", "ns_s": "%s", "if_s": "s0", "mac_c": "%s", "mac_fc": "%s", "mac_s": "%s", "mac_fs": "%s"}' \
		"$([ "$k" = 0 ] || echo ,)" "$name" "$c" "$s" "$(mac "$c" c0)" "$(mac "$f" fc)" \
		"$(mac "$s" s0)" "$(mac "$f" fs)" >>"$TMP/paths.json"
}

nft_path() {
	local f=wt-df$ID-$1
	ip netns exec "$f" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=1 2>/dev/null || true
	ip netns exec "$f" nft -f - <<'EOF'
table inet wt_diff {
	chain through {
		type filter hook forward priority 0; policy drop;
		ct state established,related accept
		ct state new iifname "fc" tcp dport 8080 accept
		ct state new iifname "fc" udp dport 5001 accept
	}
}
EOF
}

ward_path() {
	local k=$1 mode=$2 f=wt-df$ID-$1 i
	mkdir -p "$TMP/bpffs-$k"
	mount -t bpf bpf "$TMP/bpffs-$k"
	cat >"$TMP/ward-$k.yaml" <<EOF
interfaces:
  - { match: fc, role: lan, mode: $mode }
  - { match: fs, role: wan, mode: $mode }
defaults: { policy: drop }
rules:
  - { name: app, in: lan, proto: tcp, port: 8080, action: accept }
  - { name: udp, in: lan, proto: udp, port: 5001, action: accept }
EOF
	: >"$TMP/wardd-$k.log"
	ip netns exec "$f" "$WARDD" -d -c "$TMP/ward-$k.yaml" -p "$TMP/bpffs-$k/ward" \
		--api "unix:$TMP/api-$k.sock" >"$TMP/wardd-$k.log" 2>&1 &
	PIDS+=($!)
	for i in $(seq 300); do
		grep -q 'ready:' "$TMP/wardd-$k.log" && return 0
		sleep 0.1
	done
	echo "ct_diff: test error: wardd ($mode) not ready" >&2
	cat "$TMP/wardd-$k.log" >&2
	exit 2
}

echo "[" >"$TMP/paths.json"
path 0 nft
path 1 ward-xdp
path 2 ward-tc
echo "]" >>"$TMP/paths.json"
nft_path 0
ward_path 1 xdp
ward_path 2 tc
/usr/bin/python3 "$ROOT/tests/diff/ct_diff.py" "$TMP/paths.json" "$MODE_RUN"
