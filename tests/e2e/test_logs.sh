#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# wardctl logs (issue #7): the flow log's events through the API's
# FlowEvents stream. `logs -f -o json` started first shows the drop of a
# packet sent after it, as the flow log's JSON (CONTRACT.md names); Ctrl-C
# ends it with exit 0; `logs` without -f prints the recent events and ends;
# a reader that stops reading loses events (counted), and wardd goes on
# answering and deciding meanwhile; a Python gRPC client reads the same
# stream. MODE: xdp or tc (tc by default).
. "$(dirname "$0")/lib.sh"
MODE=${MODE:-tc}
SOCK=$TMP/run/ward.sock
export WARD_API=unix:$SOCK
followers() { ctl status -o json | json 'd.get("event_followers", 0)'; }

# wait_followers N: until wardd counts N followers of the stream.
wait_followers() {
	local i
	for i in $(seq 50); do
		[ "$(followers)" = "$1" ] && return 0
		sleep 0.1
	done
	fail "wardd has $(followers) event followers, expected $1"
}

cat >"$TMP/ward.yaml" <<EOF2
interfaces:
  - { match: $DEV_B, role: lan, mode: $MODE }
defaults:
  policy: accept
  log: drops
metrics:
  listen: 127.0.0.1:9669
logs:
  path: $TMP/flows.json
  rate: 1000000/s
rules:
  - name: no-telnet
    proto: tcp
    port: 23
    action: drop
  - name: no-discard
    proto: udp
    port: 9
    action: drop
EOF2

e2e_topology
tcp_serve 8080
wardd_start "$TMP/ward.yaml" --api "unix:$SOCK"

# A follower first, then the packet.
"$WARDCTL" logs -f -n 0 -o json >"$TMP/follow.out" 2>"$TMP/follow.err" &
LOGS_PID=$!
BG_PIDS+=($LOGS_PID)
wait_followers 1
in_a nc -z -w1 $IP_B 23 >/dev/null 2>&1 && fail "telnet got through the drop rule"
for i in $(seq 50); do
	grep -q '"no-telnet"' "$TMP/follow.out" && break
	sleep 0.1
done
grep -q '"no-telnet"' "$TMP/follow.out" ||
	fail "logs -f did not show the drop: $(cat "$TMP/follow.out" "$TMP/follow.err")"
grep '"no-telnet"' "$TMP/follow.out" | head -n1 >"$TMP/line.json"
/usr/bin/python3 - "$TMP/line.json" "$IP_A" "$IP_B" "$DEV_B" <<'PY' || fail "logs -f JSON: $(cat "$TMP/line.json")"
import json, sys
d = json.load(open(sys.argv[1]))
ip_a, ip_b, dev = sys.argv[2:5]
assert d["event"]["action"] == "drop", d
assert d["event"]["reason"] == "rule", d
assert d["rule"]["name"] == "no-telnet", d
assert d["network"] == {"transport": "tcp", "type": "ipv4"}, d
assert d["source"]["ip"] == ip_a and d["source"]["port"] > 0, d
assert d["destination"] == {"ip": ip_b, "port": 23}, d
assert d["observer"]["ingress"]["interface"]["name"] == dev, d
assert d["@timestamp"].endswith("Z"), d
PY
# The same line the flow log file has.
grep -qF "$(cat "$TMP/line.json")" "$TMP/flows.json" ||
	fail "the streamed event is not the flow log's line"
ok "logs -f -o json: the drop of a packet sent after it started, as the flow log has it"

kill -INT $LOGS_PID
rc=0
wait $LOGS_PID || rc=$?
[ "$rc" = 0 ] || fail "logs -f after Ctrl-C: exit $rc: $(cat "$TMP/follow.err")"
wait_followers 0
ok "Ctrl-C ends logs -f with exit 0; wardd lets the follower go"

# Without -f: the recent events, then the end.
in_a nc -z -w1 $IP_B 23 >/dev/null 2>&1 || true
sleep 0.3
timeout 5 "$WARDCTL" logs -n 5 -o json >"$TMP/recent.out" || fail "logs -n 5 did not end by itself"
n=$(grep -c '"no-telnet"' "$TMP/recent.out" || true)
[ "$n" -ge 2 ] || fail "logs -n 5: $n no-telnet events, expected 2 or more: $(cat "$TMP/recent.out")"
[ "$(wc -l <"$TMP/recent.out")" -le 5 ] || fail "logs -n 5 printed more than 5 lines"
timeout 5 "$WARDCTL" logs -n 1 >"$TMP/recent.txt" || fail "logs -n 1"
grep -q "drop .*rule .*tcp .*$IP_A:[0-9]* -> $IP_B:23 .*in $DEV_B .*rule no-telnet" "$TMP/recent.txt" ||
	fail "logs (text): $(cat "$TMP/recent.txt")"
ok "logs -n 5: the recent events, then exit; text: $(cat "$TMP/recent.txt")"

# The stream from a client of another gRPC implementation (Python's,
# generated from ward.proto): recent events, then a new one, then cancel.
mkdir -p "$TMP/py"
/usr/bin/python3 -m grpc_tools.protoc -I"$ROOT/api" --python_out="$TMP/py" \
	--grpc_python_out="$TMP/py" ward/v1/ward.proto || fail "grpc_tools.protoc on ward.proto"
/usr/bin/python3 - "$SOCK" "$TMP/py" "$NS_A" "$IP_B" <<'PY' || fail "python FlowEvents"
import json, subprocess, sys, threading
sys.path.insert(0, sys.argv[2])
import grpc
from ward.v1 import ward_pb2 as pb, ward_pb2_grpc as rpc
sock, _, ns, ip_b = sys.argv[1:5]
with grpc.insecure_channel("unix:" + sock) as ch:
    stub = rpc.WardStub(ch)
    recent = list(stub.FlowEvents(pb.FlowEventsRequest(recent=3), timeout=10))
    assert 1 <= len(recent) <= 3 and all(json.loads(e.json)["rule"]["name"] == "no-telnet"
                                         for e in recent), recent
    call = stub.FlowEvents(pb.FlowEventsRequest(follow=True))
    threading.Timer(1.0, lambda: subprocess.run(
        ["ip", "netns", "exec", ns, "nc", "-z", "-w1", ip_b, "23"])).start()
    e = next(call)
    assert (e.action, e.rule, e.dport, e.proto) == ("drop", "no-telnet", 23, "tcp"), e
    call.cancel()
    # Followers are bounded: 64 at once, the next one is refused by name.
    import time
    calls = [stub.FlowEvents(pb.FlowEventsRequest(follow=True)) for _ in range(64)]
    for _ in range(100):
        st = stub.Status(pb.StatusRequest(), timeout=5)
        if st.event_followers == 64:
            break
        time.sleep(0.05)
    assert st.event_followers == 64, st.event_followers
    try:
        next(stub.FlowEvents(pb.FlowEventsRequest(follow=True), timeout=5))
        raise AssertionError("a 65th follower was accepted")
    except grpc.RpcError as err:
        assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, err
        assert "64 followers already" in err.details(), err.details()
    for c in calls:
        c.cancel()
print("ok: python FlowEvents: %d recent, then %s %s -> %s:%d; a 65th follower refused"
      % (len(recent), e.action, e.src, e.dst, e.dport))
PY

# A reader that stops reading: its queue fills, events are dropped and
# counted; wardd answers and decides meanwhile.
mkfifo "$TMP/stuck"
"$WARDCTL" logs -f -n 0 -o json >"$TMP/stuck" 2>/dev/null &
STUCK_PID=$!
BG_PIDS+=($STUCK_PID)
exec 7<>"$TMP/stuck"	# opened, never read: wardctl blocks once the pipe is full
wait_followers 1
in_a /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(30000):
    s.sendto(b'x', ('$IP_B', 9))
"
dropped=0
for i in $(seq 50); do
	dropped=$(timeout 5 "$WARDCTL" status -o json | json 'd.get("events_dropped", 0)') ||
		fail "wardd did not answer status while a reader is stuck"
	[ "$dropped" -gt 0 ] && break
	sleep 0.1
done
[ "$dropped" -gt 0 ] || fail "a stuck reader lost no events (events_dropped $dropped)"
m=$(in_b curl -s -m 2 http://127.0.0.1:9669/metrics | awk '$1 == "ward_log_stream_dropped_total" { print $2 }')
[ -n "$m" ] && [ "$m" -gt 0 ] || fail "ward_log_stream_dropped_total: '$m'"
tcp_ok 8080 || fail "traffic not decided while a reader is stuck"
kill -9 $STUCK_PID 2>/dev/null || true
exec 7>&-
wait_followers 0
ok "a stuck reader: $dropped events dropped and counted (ward_log_stream_dropped_total $m), wardd kept answering and forwarding"
