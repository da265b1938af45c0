#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Upgrades are part of the product: the previous release's wardd runs with
# an established TCP connection and a UDP flow through it, is killed with -9
# (its pins and programs stay), and this build's wardd starts on the same
# pins. The connection and the flow keep passing data both ways, though the
# policy drops everything the flows' replies could match (only conntrack
# lets them in); the log says what was carried over; wardctl ct list shows
# the flows. Then a pin of a layout this wardd does not know: it refuses
# with one line naming the map, exits 1 and changes nothing.
#
# PREV is the previous landed release; a release that lands updates it.
# MODE=xdp|tc.
. "$(dirname "$0")/lib.sh"
MODE=${MODE:-xdp}
PREV=${PREV:-651e04c}
NEW_WARDD=$WARDD
PREV_DIR=$TMP/prev

upgrade_cleanup() {
	if [ -d "$PREV_DIR" ]; then
		git -C "$ROOT" worktree remove --force "$PREV_DIR" >/dev/null 2>&1 || true
		git -C "$ROOT" worktree prune >/dev/null 2>&1 || true
	fi
	e2e_cleanup
}
E2E_CLEANUP=upgrade_cleanup
e2e_need git git
e2e_need make make
e2e_need bpftool bpftool

# A shallow clone has no previous release to build: nothing to upgrade
# from, so nothing to judge (said loudly, never a silent pass).
if ! git -C "$ROOT" cat-file -e "$PREV^{commit}" 2>/dev/null &&
   [ "$(git -C "$ROOT" rev-parse --is-shallow-repository)" = true ]; then
	echo "SKIP: the previous release $PREV is not in this shallow clone; no upgrade tested"
	exit 0
fi
echo "building the previous release $PREV (in $PREV_DIR)"
if ! git -C "$ROOT" worktree add --detach "$PREV_DIR" "$PREV" >"$TMP/prev-build.log" 2>&1 ||
   ! make -C "$PREV_DIR" -j2 build/wardd >>"$TMP/prev-build.log" 2>&1; then
	tail -n 20 "$TMP/prev-build.log" >&2
	e2e_error "could not build the previous release $PREV"
fi

e2e_topology
# Inbound: tcp/8080 only. The flows below are B's own, to A: their replies
# come in from A's ports 9000 and 5300 to B's ephemeral ports, which no
# rule admits, so only conntrack lets them in.
cat >"$TMP/ward.yaml" <<EOF2
interfaces:
  - { match: $DEV_B, mode: $MODE }
defaults: { policy: drop }
rules:
  - { name: web, proto: tcp, port: 8080, action: accept }
EOF2

# A: a TCP echo service on 9000 and a UDP one on 5300.
ip netns exec "$NS_A" /usr/bin/python3 -c "
import socket, threading
def tcp():
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(('$IP_A', 9000)); l.listen(4)
    while True:
        c, _ = l.accept()
        threading.Thread(target=lambda c=c: [c.sendall(d) for d in iter(lambda: c.recv(4096), b'')],
                         daemon=True).start()
threading.Thread(target=tcp, daemon=True).start()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(('$IP_A', 5300))
while True:
    d, a = u.recvfrom(2048)
    u.sendto(d, a)
" &
BG_PIDS+=($!)
sleep 0.5

# The previous release's wardd; its load may take longer than lib.sh's
# wardd_start waits (its verifier work is not ours to judge here).
ip netns exec "$NS_B" "$PREV_DIR/build/wardd" -d -c "$TMP/ward.yaml" -p "$PIN" \
	--api "unix:$TMP/api.sock" >"$TMP/wardd.log" 2>&1 &
WARDD_PID=$!
for i in $(seq 300); do
	grep -q 'ready:' "$TMP/wardd.log" && break
	kill -0 "$WARDD_PID" 2>/dev/null || fail "the previous release's wardd exited before ready"
	sleep 0.1
done
grep -q 'ready:' "$TMP/wardd.log" || fail "the previous release's wardd not ready after 30 s"
if ping4; then fail "the previous release let a ping in (policy: drop)"; fi

# B: one TCP connection and one UDP flow, held open. Every 0.2 s each sends
# a numbered message and waits for its echo; a wait over 3 s ends the
# client. $TMP/held counts the round trips: "tcp N udp M".
ip netns exec "$NS_B" /usr/bin/python3 -u -c "
import socket, sys, time
t = socket.create_connection(('$IP_A', 9000), timeout=3)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(3)
u.connect(('$IP_A', 5300))
n = 0
while True:
    n += 1
    msg = b'%08d' % n
    try:
        t.sendall(msg)
        got = b''
        while len(got) < len(msg):
            d = t.recv(len(msg) - len(got))
            if not d:
                raise OSError('closed')
            got += d
        u.send(msg)
        ugot = u.recv(64)
    except OSError as e:
        print('FAIL', n, e, flush=True)
        sys.exit(1)
    if got != msg or ugot != msg:
        print('FAIL', n, 'wrong echo', flush=True)
        sys.exit(1)
    with open('$TMP/held.new', 'w') as f:
        f.write('tcp %d udp %d\n' % (n, n))
    import os; os.rename('$TMP/held.new', '$TMP/held')
    time.sleep(0.2)
" >"$TMP/held.log" 2>&1 &
held=$!
BG_PIDS+=($held)
round_trips() { awk '{ print $2 }' "$TMP/held" 2>/dev/null || echo 0; }
sleep 1.5
kill -0 $held 2>/dev/null || e2e_error "the held TCP/UDP client could not start: $(cat "$TMP/held.log")"
before=$(round_trips)
[ "${before:-0}" -ge 3 ] || fail "the previous release did not let the held flows through ($before round trips)"
for i in 1 2 3; do ping4 && fail "ping got in"; done
ok "previous release $PREV: held TCP and UDP flows exchanging ($before round trips), pings dropped"

kill -9 "$WARDD_PID"
wait "$WARDD_PID" 2>/dev/null || true
WARDD_PID=
sleep 0.5
wardd_start "$TMP/ward.yaml"
sleep 2
kill -0 $held 2>/dev/null || fail "the held flows died across the upgrade: $(cat "$TMP/held.log")"
after=$(round_trips)
[ "$after" -ge $((before + 5)) ] || fail "the held flows stopped after the upgrade ($before -> $after)"
ok "upgraded to this build: held TCP and UDP flows kept exchanging ($before -> $after round trips)"

# Which maps changed depends on PREV (for 651e04c: the counters, the
# policy maps, the fragments, and with ct-flood conntrack): whatever
# changed is said to be carried over, rebuilt or dropped, and the flows
# are always accounted for.
grep -Eq 'upgrade: conntrack: [0-9]+ flows (carried over \(layout|kept in place)' "$TMP/wardd.log" ||
	fail "the log does not say what became of the flows"
if grep -q 'upgrade: counters:' "$TMP/wardd.log"; then
	grep -q 'upgrade: counters: [0-9]* counters carried over (layout [0-9]* -> [0-9]*)' \
		"$TMP/wardd.log" || fail "the counters were not carried over: $(grep 'upgrade: counters' "$TMP/wardd.log")"
fi
if [ "$PREV" = 651e04c ]; then
	grep -q 'upgrade: counters: 49 counters carried over (layout 1 -> ' "$TMP/wardd.log" ||
		fail "the log does not say 651e04c's 49 counters were carried over"
	grep -q 'upgrade: ward_policy: rebuilt from the policy (layout 1 -> 2)' "$TMP/wardd.log" ||
		fail "the log does not say the policy maps were rebuilt"
fi
grep '^.*upgrade: ' "$TMP/wardd.log" | sed 's/^/  /'
ok "the log says what was carried over and what was rebuilt"

# The old counters mapped by name, not by index: the pings the previous
# release dropped are still "policy" drops; ct_new (moved by four) counts
# the two held flows.
[ "$(counter policy)" -ge 3 ] || fail "drops by policy not carried over: $(counter policy)"
[ "$(counter ct_new)" -ge 2 ] || fail "ct_new not carried over: $(counter ct_new)"
ok "counters carried by name: policy $(counter policy), ct_new $(counter ct_new)"

# Flows carried over answered count as answered (where the metric exists).
in_b curl -s -m 2 http://127.0.0.1:9669/metrics >"$TMP/metrics" || e2e_error "no /metrics to read"
if grep -q '^ward_conntrack_flows{answered="yes"}' "$TMP/metrics"; then
	yes=$(awk -F' ' '/^ward_conntrack_flows\{answered="yes"\}/ { print $2 }' "$TMP/metrics")
	[ "${yes%.*}" -ge 2 ] || fail "carried flows not counted as answered: $(grep ward_conntrack_flows "$TMP/metrics")"
	ok "ward_conntrack_flows{answered=\"yes\"} $yes: the carried flows count as answered"
fi

export WARD_API=unix:$TMP/api.sock
ctl ct list --dst "$IP_A" >"$TMP/ct.txt" || fail "wardctl ct list failed"
grep -q ':9000' "$TMP/ct.txt" || fail "wardctl ct list does not show the held TCP flow: $(cat "$TMP/ct.txt")"
grep -q ':5300' "$TMP/ct.txt" || fail "wardctl ct list does not show the held UDP flow: $(cat "$TMP/ct.txt")"
ok "wardctl ct list shows the carried flows"

# A restart of this build over its own pins: nothing to upgrade.
kill -9 "$WARDD_PID"
wait "$WARDD_PID" 2>/dev/null || true
WARDD_PID=
wardd_start "$TMP/ward.yaml"
if grep -q 'upgrade:' "$TMP/wardd.log"; then fail "a restart of the same build upgraded: $(grep upgrade: "$TMP/wardd.log")"; fi
sleep 1
kill -0 $held 2>/dev/null || fail "the held flows died across a plain restart: $(cat "$TMP/held.log")"
ok "restart of the same build: layouts recorded, nothing to upgrade"
wardd_stop

# A pin of a layout no release had: a ward_ct with 64-byte values.
PIN2=$BPFFS/unknown
mkdir -p "$PIN2"
bpftool map create "$PIN2/ward_ct" type hash key 40 value 64 entries 1024 name ward_ct flags 1 ||
	e2e_error "bpftool could not create the fake map"
ls -la "$PIN2" >"$TMP/pins.before"
bpftool map show pinned "$PIN2/ward_ct" >>"$TMP/pins.before"
rc=0
ip netns exec "$NS_B" "$NEW_WARDD" -d -c "$TMP/ward.yaml" -p "$PIN2" --api "unix:$TMP/api2.sock" \
	>"$TMP/refuse.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "wardd over an unknown layout exited $rc, not 1: $(cat "$TMP/refuse.log")"
[ "$(grep -c 'ward_ct' "$TMP/refuse.log")" = 1 ] &&
	grep -q "pinned map ward_ct in $PIN2: layout unknown.*--reset" "$TMP/refuse.log" ||
	fail "no one clear line naming ward_ct and --reset: $(cat "$TMP/refuse.log")"
ls -la "$PIN2" >"$TMP/pins.after"
bpftool map show pinned "$PIN2/ward_ct" >>"$TMP/pins.after"
cmp -s "$TMP/pins.before" "$TMP/pins.after" || fail "the refusal changed the pin directory: $(diff "$TMP/pins.before" "$TMP/pins.after")"
echo "  $(grep ward_ct "$TMP/refuse.log")"
ok "unknown layout refused: one line naming ward_ct, exit 1, pin directory unchanged"
