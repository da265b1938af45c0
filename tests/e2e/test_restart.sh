#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The data plane outlives the daemon: kill -9 while a denied ping flood and
# allowed HTTP run, restart, and not one denied packet may get through; the
# restarted wardd adopts the pinned state (generation, rule counters). Then
# SIGTERM leaves enforcement in place, and --detach-on-exit removes exactly
# what ward attached.
. "$(dirname "$0")/lib.sh"
MODE=${MODE:-xdp}

e2e_topology
cat >"$TMP/ward.yaml" <<EOF2
interfaces:
  - { match: $DEV_B, mode: $MODE }
defaults: { policy: accept }
rules:
  - { name: no-ping, proto: icmp, from: $IP_A, action: drop }
EOF2
http_serve 8080
wardd_start "$TMP/ward.yaml"
if ping4; then fail "denied ping got through"; fi
before=$(rule_packets no-ping)

# 300 pings over 3 s; wardd is killed after 0.5 s and back after 1.5 s.
in_a ping -i 0.01 -c 300 -W1 $IP_B >"$TMP/flood.txt" 2>&1 &
flood=$!
sleep 0.5
kill -9 "$WARDD_PID"
wait "$WARDD_PID" 2>/dev/null || true
WARDD_PID=
http_ok 8080 || fail "allowed traffic stopped while wardd was dead"
sleep 1
wardd_start "$TMP/ward.yaml"
wait $flood || true
grep -q '300 packets transmitted, 0 received' "$TMP/flood.txt" ||
	fail "denied pings got through across kill -9 and restart: $(grep transmitted "$TMP/flood.txt")"
ok "kill -9 + restart: 0 of 300 denied pings got through"

grep -q 'adopted pinned state: generation 1' "$TMP/wardd.log" || fail "restart did not adopt the pinned state"
[ "$(generation)" = 2 ] || fail "generation did not continue (got $(generation))"
after=$(rule_packets no-ping)
[ "$after" -ge $((before + 300)) ] || fail "rule counter restarted: $before -> $after"
http_ok 8080 || fail "allowed traffic dropped after restart"
ok "restart adopted generation and counters ($before -> $after)"

wardd_stop
if ping4; then fail "SIGTERM stopped enforcement"; fi
http_ok 8080 || fail "allowed traffic dropped after SIGTERM"
ok "SIGTERM: data plane keeps enforcing"

wardd_start "$TMP/ward.yaml" --detach-on-exit
wardd_stop
ping4 || fail "--detach-on-exit left the program attached"
if in_b ip -d link show $DEV_B | grep -q 'prog/xdp'; then fail "XDP program left"; fi
if in_b tc filter show dev $DEV_B ingress | grep -q ward; then fail "tc filter left"; fi
[ ! -e "$PIN" ] || fail "pins left in $PIN"
ok "--detach-on-exit removed programs and pins"
