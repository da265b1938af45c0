#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Idle connections can't lock out /metrics and /healthz (issue 20, item 3).
# 40 TCP connections to the metrics port are held open without a request,
# and 5 more send half a request and stall: curl still gets /healthz and
# /metrics at once, and wardd closes every one of the held connections
# within its request timeout (5 s, swept each second).
. "$(dirname "$0")/lib.sh"
IDLE=40
SLOW=5
METRICS=127.0.0.1:9669

e2e_topology
cat >"$TMP/ward.yaml" <<EOF
interfaces:
  - { match: $DEV_B, role: lan }
defaults:
  policy: accept
metrics:
  listen: $METRICS
EOF
wardd_start "$TMP/ward.yaml"

# The holder connects, says how many it holds, then waits for wardd to close
# each (EOF or reset) and writes how many it closed, and how fast.
in_b /usr/bin/python3 -c "
import select, socket, sys, time
socks = []
try:
    for i in range($IDLE + $SLOW):
        s = socket.create_connection(('${METRICS%:*}', ${METRICS#*:}), timeout=2)
        if i >= $IDLE:
            s.sendall(b'GET /metrics HTTP/1.1\r\nHost: x\r\n')
        socks.append(s)
except OSError as e:
    open('$TMP/held', 'w').write('error %d %s\n' % (len(socks), e))
    sys.exit(1)
open('$TMP/held', 'w').write('held %d\n' % len(socks))
start, open_ = time.monotonic(), set(socks)
while open_ and time.monotonic() - start < 15:
    r, _, _ = select.select(list(open_), [], [], 0.5)
    for s in r:
        try:
            if s.recv(4096):
                continue
        except OSError:
            pass
        open_.discard(s)
open('$TMP/closed', 'w').write('closed %d of %d in %.1f s\n' %
    (len(socks) - len(open_), len(socks), time.monotonic() - start))
" &
BG_PIDS+=($!)
for i in $(seq 50); do [ -s "$TMP/held" ] && break; sleep 0.1; done
grep -q "^held $((IDLE + SLOW))\$" "$TMP/held" 2>/dev/null ||
	fail "test error: could not hold $((IDLE + SLOW)) connections: $(cat "$TMP/held" 2>/dev/null)"
ok "holding $IDLE idle and $SLOW half-sent connections to $METRICS"

in_b curl -sf -m 3 "http://$METRICS/healthz" >"$TMP/healthz" ||
	fail "/healthz did not answer with $((IDLE + SLOW)) connections held"
grep -q '^ok: generation [0-9]' "$TMP/healthz" || fail "/healthz said: $(cat "$TMP/healthz")"
ok "/healthz answered: $(cat "$TMP/healthz")"
in_b curl -sf -m 3 "http://$METRICS/metrics" >"$TMP/metrics" ||
	fail "/metrics did not answer with the connections held"
grep -q '^ward_policy_generation [0-9]' "$TMP/metrics" || fail "/metrics has no ward_policy_generation"
ok "/metrics answered: $(wc -l <"$TMP/metrics") lines"

for i in $(seq 150); do [ -s "$TMP/closed" ] && break; sleep 0.1; done
[ -s "$TMP/closed" ] || fail "test error: the holder did not report"
grep -q "^closed $((IDLE + SLOW)) of $((IDLE + SLOW)) " "$TMP/closed" ||
	fail "wardd kept idle connections open: $(cat "$TMP/closed")"
ok "wardd closed the held connections: $(cat "$TMP/closed")"

# And it still serves after the sweep.
in_b curl -sf -m 3 "http://$METRICS/healthz" >/dev/null || fail "/healthz after the sweep"
ok "/healthz answers after the sweep"
