#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# wardctl top (issue #7): with an iperf3 flow running through ward and a
# stream of dropped datagrams, `top -n 1 -o json` lists the iperf3 data
# flow first (most bytes a second), its rule with a packet rate above 0 and
# the drops a second by reason; the text view shows the same. MODE: xdp or
# tc (tc by default).
. "$(dirname "$0")/lib.sh"
e2e_need iperf3 iperf3
MODE=${MODE:-tc}
SOCK=$TMP/run/ward.sock
export WARD_API=unix:$SOCK

cat >"$TMP/ward.yaml" <<EOF2
interfaces:
  - { match: $DEV_B, role: lan, mode: $MODE }
defaults:
  policy: accept
metrics:
  listen: none
logs:
  path: none
rules:
  - name: iperf
    proto: tcp
    port: 5201
    action: accept
  - name: no-discard
    proto: udp
    port: 9
    action: drop
EOF2

e2e_topology
wardd_start "$TMP/ward.yaml" --api "unix:$SOCK"

ip netns exec "$NS_B" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
BG_PIDS+=($!)
sleep 0.5
# A modest rate: the point is a flow that moves, not a benchmark.
in_a iperf3 -c $IP_B -p 5201 -t 15 -b 50M >"$TMP/iperf.out" 2>&1 &
BG_PIDS+=($!)
# Dropped datagrams, a few hundred a second, while top samples.
in_a /usr/bin/python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + 15
while time.time() < end:
    s.sendto(b'x', ('$IP_B', 9))
    time.sleep(0.002)
" 2>/dev/null &
BG_PIDS+=($!)
in_a ping -c 20 -i 0.2 $IP_B >/dev/null 2>&1 &
BG_PIDS+=($!)
sleep 2

ctl top -n 1 -d 1 -o json >"$TMP/top.json" || fail "top -n 1 -o json: $(cat "$TMP/top.json")"
/usr/bin/python3 - "$TMP/top.json" "$IP_A" "$IP_B" <<'PY' || fail "top -n 1 -o json: $(cat "$TMP/top.json")"
import json, sys
d = json.load(open(sys.argv[1]))
ip_a, ip_b = sys.argv[2:4]
f = d["flows"][0]
assert (f["proto"], f["src"], f["dst"], f["dport"]) == ("tcp", ip_a, ip_b, 5201), f
assert f["rule"] == "iperf" and f["bytes_per_s"] > 1000000, f
# The next flows move less.
assert all(g["bytes_per_s"] <= f["bytes_per_s"] for g in d["flows"][1:]), d["flows"]
rules = {r["name"]: r for r in d["rules"]}
assert rules["iperf"]["packets_per_s"] > 0 and rules["iperf"]["bytes_per_s"] > 0, rules
assert rules["no-discard"]["packets_per_s"] > 0, rules
drops = {r["reason"]: r for r in d["drops"]}
assert drops["rule"]["per_s"] > 0, drops
assert 900 <= d["interval_ms"] <= 3000, d["interval_ms"]
print("iperf3 flow %.1f MB/s, %d pkt/s; rule iperf %d pkt/s; drops by rule %d/s" % (
    f["bytes_per_s"] / 1e6, f["packets_per_s"], rules["iperf"]["packets_per_s"],
    drops["rule"]["per_s"]))
PY
ok "top -n 1 -o json: the iperf3 flow first, rule and drop rates above 0"

ctl top -n 1 -d 0.5 >"$TMP/top.txt" || fail "top -n 1 (text)"
grep -q "^PROTO *SOURCE *DESTINATION" "$TMP/top.txt" || fail "top: no flow table: $(cat "$TMP/top.txt")"
awk '/^PROTO/ { getline; print; exit }' "$TMP/top.txt" | grep -q "tcp *$IP_A:[0-9]* *$IP_B:5201 .* iperf" ||
	fail "top (text): the iperf3 flow is not first: $(cat "$TMP/top.txt")"
grep -q "^iperf " "$TMP/top.txt" || fail "top (text): no rule iperf: $(cat "$TMP/top.txt")"
grep -q "^rule " "$TMP/top.txt" || fail "top (text): no drops by rule: $(cat "$TMP/top.txt")"
! grep -q $'\033' "$TMP/top.txt" || fail "top into a file: ANSI escapes"
ok "top -n 1 (text): flows, rules and drops; no escapes into a file"

# Bad input: a clear message, exit 1.
rc=0
ctl top -d 0 2>"$TMP/err" || rc=$?
[ "$rc" = 1 ] && grep -q "top -d 0: expected seconds" "$TMP/err" || fail "top -d 0: exit $rc: $(cat "$TMP/err")"
ok "top -d 0 refused: $(head -n1 "$TMP/err")"
