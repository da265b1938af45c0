#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A rule's rate: (new flows a second per source) with a real client: a
# burst of connects gets no more through than the bucket holds plus the
# rate, the rest time out; a connection opened before the burst keeps
# working; the trip raises one rate_limit alert (flow log, metrics) and the
# drops are counted under reason rate_limit.
. "$(dirname "$0")/lib.sh"
MODE=${MODE:-tc}
RATE=5

e2e_topology
cat >"$TMP/ward.yaml" <<EOF2
interfaces:
  - { match: $DEV_B, role: lan, mode: $MODE }
defaults: { policy: drop }
logs: { path: $TMP/flows.json }
rules:
  - { name: echo, proto: tcp, port: 7100, action: accept, rate: $RATE/s }
EOF2
# An echo server with a deep backlog: a refused or queued connect must be
# ward's doing, not the listener's.
ip netns exec "$NS_B" /usr/bin/python3 -c "
import socket, threading
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('::', 7100))
s.listen(256)
def echo(c):
    while True:
        d = c.recv(4096)
        if not d:
            return
        c.sendall(d)
while True:
    c, _ = s.accept()
    threading.Thread(target=echo, args=(c,), daemon=True).start()
" &
BG_PIDS+=($!)
sleep 0.3
wardd_start "$TMP/ward.yaml"

in_a /usr/bin/python3 - "$IP_B" "$RATE" >"$TMP/burst" <<'EOF2' || fail "burst: $(cat "$TMP/burst")"
import select, socket, sys, time
dst, rate = sys.argv[1], int(sys.argv[2])
time.sleep(1.1)          # the bucket is full again after wardd's start
first = socket.create_connection((dst, 7100), timeout=2)
t0 = time.monotonic()
# All at once, non-blocking; 0.5 s is less than the SYN retransmission (1 s).
socks = []
for i in range(30):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((dst, 7100))
    socks.append(s)
pending = list(socks)
ok = 0
while pending and time.monotonic() - t0 < 0.5:
    _, w, _ = select.select([], pending, [], 0.05)
    for s in w:
        pending.remove(s)
        ok += s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
elapsed = time.monotonic() - t0
# The first connect took a token; the bucket holds rate.
bound = rate + rate * elapsed + 1
first.sendall(b'still here')
alive = first.recv(64) == b'still here'
print('30 connects in %.1f s: %d through (bound %.0f); the older connection %s'
      % (elapsed, ok, bound, 'works' if alive else 'was cut'))
sys.exit(0 if 1 <= ok <= bound and ok < 30 and alive else 1)
EOF2
ok "$(cat "$TMP/burst")"

[ "$(counter rate_limit)" -ge 1 ] || fail "no drop counted under reason rate_limit"
for i in $(seq 30); do
	grep -q '"kind":"rate_limit"' "$TMP/flows.json" 2>/dev/null && break
	sleep 0.1
done
grep -q '"action":"alert","reason":"rate_limit"},"alert":{"kind":"rate_limit","rule":"echo","rate":'"$RATE" \
	"$TMP/flows.json" || fail "no rate_limit alert in the flow log: $(grep alert "$TMP/flows.json")"
[ "$(grep -c '"kind":"rate_limit"' "$TMP/flows.json")" = 1 ] ||
	fail "more than one alert per episode: $(grep -c '"kind":"rate_limit"' "$TMP/flows.json")"
m=$(in_b /usr/bin/python3 "$ROOT/tests/e2e/metrics.py" http://127.0.0.1:9669/metrics) ||
	fail "/metrics does not parse"
/usr/bin/python3 -c "
import json, sys
m = json.loads(sys.argv[1])
assert m['ward_alerts_total{kind=rate_limit}'] >= 1, m
assert m['ward_drops_total{reason=rate_limit}'] >= 1, m
" "$m" || fail "rate_limit metrics: $m"
ok "drops counted as rate_limit, one alert logged, ward_alerts_total{kind=rate_limit} moved"

# The API: rule add --rate, shown back by rule list.
ctl() { "$ROOT/build/wardctl" -s "unix:$TMP/api.sock" "$@"; }
ctl rule add --name api-rate --proto udp --port 7101 --action accept --rate 3/s >/dev/null ||
	fail "wardctl rule add --rate"
ctl rule list | grep -q 'api-rate.*accept rate 3/s' || fail "rule list: $(ctl rule list)"
[ "$(ctl rule list -o json | /usr/bin/python3 -c '
import json, sys
print([r["rate"] for r in json.load(sys.stdin)["rules"] if r["name"] == "api-rate"][0])')" = 3/s ] ||
	fail "rule list -o json has no rate"
ctl rule add --name bad-rate --proto udp --action accept --rate fast >/dev/null 2>"$TMP/err" &&
	fail "rule add --rate fast accepted"
grep -q "rate: expected a rate like 100/s" "$TMP/err" || fail "bad --rate: $(cat "$TMP/err")"
ok "wardctl rule add --rate: shown by rule list; a bad rate refused with the config's message"
