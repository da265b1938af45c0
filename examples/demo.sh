#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make demo: ward on a server namespace between two client namespaces, real
# traffic from both, and what ward allowed and dropped. Cleans up after itself.
#
#   alice (10.88.1.2) --wd-trust-- server (wardd) --wd-guest-- mallory (10.88.2.2)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WARDD=$ROOT/build/wardd
S=wd-server A=wd-alice M=wd-mallory
TMP=$(mktemp -d /tmp/ward-demo.XXXXXX)
PIDS=()

# Runs under set -e: every step must be allowed to fail, or the first
# process that is already gone would end the cleanup early.
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	ip netns del $S 2>/dev/null || true
	ip netns del $A 2>/dev/null || true
	ip netns del $M 2>/dev/null || true
	if mountpoint -q "$TMP/bpffs" 2>/dev/null; then umount "$TMP/bpffs" || true; fi
	rm -rf "$TMP"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "make demo needs root (namespaces, BPF)" >&2; exit 1; }
for ns in $S $A $M; do ip netns add $ns; ip -n $ns link set lo up; done
ip link add wd-trust netns $S type veth peer name eth0 netns $A
ip link add wd-guest netns $S type veth peer name eth0 netns $M
ip -n $S addr add 10.88.1.1/24 dev wd-trust
ip -n $S addr add fd88:1::1/64 dev wd-trust nodad
ip -n $S addr add 10.88.2.1/24 dev wd-guest
ip -n $S addr add fd88:2::1/64 dev wd-guest nodad
ip -n $A addr add 10.88.1.2/24 dev eth0
ip -n $A addr add fd88:1::2/64 dev eth0 nodad
ip -n $M addr add 10.88.2.2/24 dev eth0
ip -n $M addr add fd88:2::2/64 dev eth0 nodad
for l in "$S wd-trust" "$S wd-guest" "$A eth0" "$M eth0"; do
	set -- $l; ip -n $1 link set $2 up
done

# Services on the server: HTTP on 80 and 8080, an "ssh" listener on 22.
mkdir -p "$TMP/www" "$TMP/bpffs"
echo "hello from the server" >"$TMP/www/index.html"
for port in 80 8080; do
	ip netns exec $S /usr/bin/python3 -m http.server --bind :: --directory "$TMP/www" \
		$port >/dev/null 2>&1 &
	PIDS+=($!)
done
ip netns exec $S nc -lk -s :: -p 22 </dev/null >/dev/null 2>&1 &
PIDS+=($!)
mount -t bpf bpf "$TMP/bpffs"

echo "== starting wardd with examples/demo.yaml"
ip netns exec $S "$WARDD" -d -c "$ROOT/examples/demo.yaml" -p "$TMP/bpffs/ward" \
	--api "unix:$TMP/ward.sock" \
	>"$TMP/wardd.log" 2>&1 &
WPID=$!
PIDS+=($WPID)
for i in $(seq 50); do grep -q 'ready:' "$TMP/wardd.log" && break; sleep 0.1; done
sed 's/^[^ ]* /  wardd: /' "$TMP/wardd.log"
sleep 0.5

try() {	# try WHO NS WHAT CMD...
	local who=$1 ns=$2 what=$3
	shift 3
	if ip netns exec "$ns" "$@" >/dev/null 2>&1; then
		printf '  %-8s %-34s ALLOWED\n' "$who" "$what"
	else
		printf '  %-8s %-34s dropped\n' "$who" "$what"
	fi
}

echo
echo "== traffic"
try alice $A "ping 10.88.1.1" ping -c1 -W1 10.88.1.1
try alice $A "ping6 fd88:1::1" ping -6 -c1 -W1 fd88:1::1
try alice $A "curl http://10.88.1.1/" curl -sf -m2 http://10.88.1.1/
try alice $A "curl http://10.88.1.1:8080/" curl -sf -m2 http://10.88.1.1:8080/
try alice $A "ssh (tcp 22) 10.88.1.1" nc -z -w1 10.88.1.1 22
try alice $A "ssh (tcp 22) [fd88:1::1]" nc -z -w1 fd88:1::1 22
try mallory $M "ping 10.88.2.1" ping -c1 -W1 10.88.2.1
try mallory $M "ping6 fd88:2::1" ping -6 -c1 -W1 fd88:2::1
try mallory $M "curl http://10.88.2.1/" curl -sf -m2 http://10.88.2.1/
try mallory $M "ssh (tcp 22) 10.88.2.1" nc -z -w1 10.88.2.1 22
try mallory $M "tcp 3306 10.88.2.1" nc -z -w1 10.88.2.1 3306

echo
echo "== wardctl status (the gRPC API)"
ip netns exec $S "$ROOT/build/wardctl" -s "unix:$TMP/ward.sock" status | sed 's/^/  /' || true
echo
echo "== Prometheus /metrics (rule counters)"
ip netns exec $S curl -s http://127.0.0.1:9669/metrics | grep '^ward_rule_packets_total' | sed 's/^/  /' || true

echo
echo "== what ward counted (SIGUSR1)"
kill -USR1 $WPID
sleep 0.5
grep -E '^(rule|drop|counter) ' "$TMP/wardd.log" | sed 's/^/  /'
kill $WPID
wait $WPID 2>/dev/null || true
echo
echo "demo done: namespaces removed"
