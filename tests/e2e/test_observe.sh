#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Observability with real traffic: /metrics parsed by prometheus_client's
# parser and checked to move by the right amounts, every flow log line
# parsed as JSON, one port-scan alert for one scan (also POSTed to a
# webhook), a SYN-flood alert, and a log flood held to its rate limit.
. "$(dirname "$0")/lib.sh"
MODE=${MODE:-xdp}
M=http://127.0.0.1:9669

e2e_topology
cat >"$TMP/ward.yaml" <<EOF2
interfaces:
  - { match: $DEV_B, role: lan, mode: $MODE }
defaults: { policy: drop, log: drops }
metrics: { listen: "127.0.0.1:9669" }
logs: { path: $TMP/flows.json, rate: 20/s }
alerts:
  port_scan: { ports: 20, window: 10s }
  syn_flood: { rate: 300/s }
  webhook: http://127.0.0.1:9700/alerts
rules:
  - { name: ping, proto: icmp, icmp_type: echo-request, action: accept }
  - { name: web, proto: tcp, port: 8080, action: accept, log: true }
EOF2
http_serve 8080
# The webhook receiver: one JSON body a line into hooks.json.
ip netns exec "$NS_B" /usr/bin/python3 -c "
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        open('$TMP/hooks.json', 'ab').write(body + b'\n')
        self.send_response(204); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(('127.0.0.1', 9700), H).serve_forever()
" &
BG_PIDS+=($!)
wardd_start "$TMP/ward.yaml"

scrape() { in_b /usr/bin/python3 "$ROOT/tests/e2e/metrics.py" "$M/metrics"; }
metric() {	# metric JSON KEY
	/usr/bin/python3 -c "import json,sys; print(int(json.loads(sys.argv[1]).get(sys.argv[2], -1)))" "$1" "$2"
}

# 1. The endpoint parses, and says what it should.
in_b curl -sf "$M/healthz" | grep -q '^ok' || fail "/healthz not ok"
m0=$(scrape) || fail "/metrics does not parse as Prometheus text"
[ "$(metric "$m0" "ward_interface_info{interface=$DEV_B,mode=$(case $MODE in auto) echo tc;; *) echo $MODE;; esac),role=lan}")" = 1 ] ||
	fail "ward_interface_info wrong: $m0"
[ "$(metric "$m0" ward_policy_generation)" = 1 ] || fail "ward_policy_generation"
[ "$(metric "$m0" ward_conntrack_max)" = 262144 ] || fail "ward_conntrack_max"
ok "/metrics parses; interface, generation and table size right"

# 2. Counters move by the right amounts.
for i in 1 2 3; do ping4 || fail "ping dropped"; done
for p in 7001 7002 7003 7004 7005; do tcp_ok $p && fail "tcp $p got through"; done
http_ok 8080 || fail "http dropped"
m1=$(scrape)
d=$(( $(metric "$m1" 'ward_rule_packets_total{rule=ping}') - $(metric "$m0" 'ward_rule_packets_total{rule=ping}') ))
[ "$d" = 6 ] || fail "3 pings must count 6 packets (request and reply), got $d"
d=$(( $(metric "$m1" 'ward_drops_total{reason=policy}') - $(metric "$m0" 'ward_drops_total{reason=policy}') ))
# nc -z sends one SYN and gives up after 1 s: maybe a retransmission too
[ "$d" -ge 5 ] && [ "$d" -le 10 ] || fail "5 refused connects must count 5-10 policy drops, got $d"
[ "$(metric "$m1" 'ward_rule_packets_total{rule=web}')" -ge 5 ] || fail "web rule counted too little"
[ "$(metric "$m1" 'ward_rule_bytes_total{rule=web}')" -gt 300 ] || fail "web rule bytes"
[ "$(metric "$m1" 'ward_conntrack_flows{answered=yes}')" -ge 1 ] ||
	fail "no answered flows in ward_conntrack_flows{answered=yes}"
ok "counters: 3 pings = 6 packets, refused connects counted, web bytes, flows"

# 3. The flow log: every line is JSON with ECS fields.
sleep 0.5
/usr/bin/python3 - "$TMP/flows.json" "$IP_A" "$IP_B" <<'PY' || fail "flow log check failed"
import json, sys
path, a, b = sys.argv[1:]
lines = [json.loads(l) for l in open(path)]      # every line parses
acc = [l for l in lines if l["event"]["action"] == "accept"]
drops = [l for l in lines if l["event"]["action"] == "drop"]
assert any(l["rule"]["name"] == "web" and l["destination"]["port"] == 8080 and
           l["source"]["ip"] == a and l["network"]["transport"] == "tcp" and
           l["network"]["type"] == "ipv4" for l in acc), "no accept line for rule web"
assert not any(l["rule"]["name"] == "ping" for l in acc), "ping has no log: true but was logged"
# Some drops have no ports (IPv6 multicast listener reports, say).
assert len([l for l in drops if l["event"]["reason"] == "policy" and
            l["destination"].get("port") in range(7001, 7006)]) >= 5, "refused connects not logged"
for l in lines:
    assert l["@timestamp"].endswith("Z") and "observer" in l
PY
ok "flow log: $(wc -l <"$TMP/flows.json") lines, all JSON, accept and drop records right"

# 4. A port scan (100 ports, well within 10 s) raises exactly one alert.
in_a /usr/bin/python3 -c "
import socket
for p in range(20000, 20100):
    s = socket.socket(); s.setblocking(False)
    try: s.connect(('$IP_B', p))
    except BlockingIOError: pass
    s.close()
"
sleep 1
m2=$(scrape)
[ "$(metric "$m2" 'ward_alerts_total{kind=port_scan}')" = 1 ] || fail "expected exactly one port_scan alert: $(metric "$m2" 'ward_alerts_total{kind=port_scan}')"
[ "$(grep -c '"kind":"port_scan"' "$TMP/flows.json")" = 1 ] || fail "port_scan alert lines"
grep '"kind":"port_scan"' "$TMP/flows.json" | /usr/bin/python3 -c "
import json, sys
l = json.loads(sys.stdin.read())
assert l['event']['action'] == 'alert' and l['source']['ip'] == '$IP_A', l
" || fail "port_scan alert line lacks fields"
for i in $(seq 30); do [ -s "$TMP/hooks.json" ] && break; sleep 0.1; done
grep -q '"kind":"port_scan"' "$TMP/hooks.json" || fail "webhook did not receive the alert"
ok "port scan of 100 ports: exactly one alert, logged and POSTed to the webhook"

# 5. A SYN flood (scapy, ~2000 SYNs in well under two seconds) raises syn_flood.
in_a /usr/bin/python3 - "$IP_A" "$IP_B" <<'PY'
import sys
from scapy.all import Ether, IP, TCP, sendp, conf, get_if_hwaddr, getmacbyip
conf.verb = 0
a, b = sys.argv[1:]
dst = getmacbyip(b)
pkts = [Ether(dst=dst) / IP(src=a, dst=b) / TCP(sport=30000 + i % 30000, dport=443, flags="S", seq=i)
        for i in range(2000)]
sendp(pkts, iface="wt-xa")
PY
sleep 2
m3=$(scrape)
[ "$(metric "$m3" 'ward_alerts_total{kind=syn_flood}')" -ge 1 ] || fail "no syn_flood alert"
grep -q '"kind":"syn_flood"' "$TMP/flows.json" || fail "no syn_flood log line"
ok "SYN flood: syn_flood alert raised"

# 6. The log flood stayed within the rate limit (20 records/s per rule and CPU).
drops=$(grep -c '"reason":"policy"' "$TMP/flows.json")
[ "$(metric "$m3" ward_log_suppressed_total)" -gt 1000 ] || fail "flood records not suppressed"
[ "$drops" -lt 400 ] || fail "the flood wrote $drops drop lines: no rate limit"
ok "log flood: $drops drop lines written, $(metric "$m3" ward_log_suppressed_total) suppressed"
wardd_stop
