#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Stateful filtering on a host firewall (B) with inbound policy drop: B's own
# connections work (flows open at egress, replies pass), unsolicited inbound
# is refused, forged RSTs do not kill a live download, kill -9 of wardd in
# the middle of a transfer changes nothing, removing an accept rule cuts the
# flows it admitted, and a full flow table refuses new flows, not old ones.
. "$(dirname "$0")/lib.sh"
MODE=${MODE:-xdp}

policy() {	# $1: extra rules
	cat <<EOF2
interfaces:
  - { match: $DEV_B, mode: $MODE }
defaults: { policy: drop }
conntrack:
  max_flows: 1024
  timeouts: { udp: 3, udp_stream: 3 }
rules:
$1
  - { name: ping-in, proto: icmp, icmp_type: echo-request, action: accept }
EOF2
}

# A is the outside: a web server with a big file, a UDP echo, and a client.
in_a_serve_http() {
	mkdir -p "$TMP/wwwa"
	head -c 16M /dev/zero >"$TMP/wwwa/big"
	echo hello >"$TMP/wwwa/small"
	ip netns exec "$NS_A" /usr/bin/python3 -m http.server --bind :: --directory "$TMP/wwwa" 8000 \
		>/dev/null 2>&1 &
	BG_PIDS+=($!)
}
in_a_serve_udp() {
	ip netns exec "$NS_A" /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 5353))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(b'pong:' + d, a)
" &
	BG_PIDS+=($!)
}
b_udp_ok() {
	in_b /usr/bin/python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(b'q', ('$IP_A', 5353))
try:
    sys.exit(0 if s.recv(64) == b'pong:q' else 1)
except socket.timeout:
    sys.exit(1)
"
}

e2e_topology
policy "" >"$TMP/ward.yaml"
in_a_serve_http
in_a_serve_udp
tcp_serve 2222
sleep 0.5
wardd_start "$TMP/ward.yaml"

# 1. B's own flows: opened at egress, replies let in; no rule needed.
in_b curl -sf -m5 -o /dev/null "http://$IP_A:8000/small" || fail "B's own TCP download refused"
in_b curl -sf -m5 -g -o /dev/null "http://[$IP6_A]:8000/small" || fail "B's own IPv6 download refused"
b_udp_ok || fail "B's own UDP request got no answer"
in_b ping -c1 -W1 $IP_A >/dev/null || fail "B's own ping got no reply"
[ "$(counter ct_established)" -gt 0 ] || fail "no packet passed as part of a flow"
ok "outbound TCP (v4, v6), UDP and ping work with inbound policy drop"

# 2. Unsolicited inbound is refused; allowed inbound (ping) works.
if tcp_ok 2222; then fail "unsolicited inbound TCP got through"; fi
ping4 || fail "inbound ping (accepted by rule) dropped"
ok "unsolicited inbound TCP refused"

# 2b. ICMP errors: one about B's own flow passes as related (B's socket sees
#     "connection refused"); a forged one quoting no flow is refused.
rel=$(counter ct_related)
in_b /usr/bin/python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(('$IP_A', 5999))      # closed: A answers port unreachable
s.send(b'x')
s.settimeout(2)
try:
    s.recv(10)
except ConnectionRefusedError:
    sys.exit(0)
sys.exit(1)
" || fail "the port-unreachable about B's own UDP flow did not reach B"
[ "$(counter ct_related)" -gt "$rel" ] || fail "ICMP error not counted as related"
orphan=$(counter icmp_orphan)
drops=$(counter policy)
in_a /usr/bin/python3 - "$IP_A" "$IP_B" <<'PY'
import sys
from scapy.all import IP, UDP, ICMP, send, conf
conf.verb = 0
a, b = sys.argv[1], sys.argv[2]
# Quotes a UDP packet B never sent.
send(IP(src=a, dst=b) / ICMP(type=3, code=3) / IP(src=b, dst=a) / UDP(sport=40404, dport=53),
     iface="wt-xa")
PY
sleep 0.2
[ "$(counter icmp_orphan)" -gt "$orphan" ] || fail "forged ICMP error not seen as orphan"
[ "$(counter policy)" -gt "$drops" ] || fail "forged ICMP error was not dropped"
ok "ICMP error about a flow passed as related; a forged one dropped"

# 3. UDP flows expire: after the timeout A cannot reach B's port any more.
in_b /usr/bin/python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 6000))
s.sendto(b'hi', ('$IP_A', 6001))
" || true
sleep 0.2
in_a /usr/bin/python3 -c "
import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('$IP_B', 6000))"
sleep 4
before=$(counter policy)
in_a /usr/bin/python3 -c "
import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('$IP_B', 6000))"
sleep 0.2
[ "$(counter policy)" -gt "$before" ] || fail "a UDP reply after the flow's timeout was not refused"
ok "UDP flow expired after its timeout; late reply refused"

# 4. Forged RSTs during a live transfer: far outside the window (dropped,
#    counted) and in-window but inexact (passed, flow kept; B answers with a
#    challenge ACK). A paced sender in A keeps B's receive window open.
ip netns exec "$NS_A" /usr/bin/python3 -c "
import socket, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('0.0.0.0', 8100)); l.listen(1)
c, _ = l.accept()
for i in range(400):            # 400 x 8 KiB over ~6 s
    c.sendall(b'x' * 8192)
    time.sleep(0.015)
c.close()
" &
BG_PIDS+=($!)
sleep 0.3
in_b /usr/bin/python3 -c "
import socket, sys
s = socket.create_connection(('$IP_A', 8100), timeout=10)
n = 0
while True:
    d = s.recv(65536)
    if not d:
        break
    n += len(d)
sys.exit(0 if n == 400 * 8192 else 1)
" &
xfer=$!
BG_PIDS+=($xfer)
sleep 1
win_before=$(counter tcp_window)
# The sniffer and the forger are the test's tools: when they do not work
# (no libpcap to apply the filter, nothing captured) it is a test error.
rc=0
in_a /usr/bin/python3 - "$IP_A" "$IP_B" 2>"$TMP/forge.err" <<'PY' || rc=$?
import sys
from scapy.all import IP, TCP, sniff, send, conf
from scapy.arch.common import compile_filter
conf.verb = 0
a, b = sys.argv[1], sys.argv[2]
flt = f"tcp and src host {b} and dst host {a} and dst port 8100"
try:
    compile_filter(flt, "wt-xa")
except ImportError as e:
    sys.exit(f"sniffer cannot apply its filter ({e}): apt-get install libpcap0.8")
# B's latest ACK: its ack is B's RCV.NXT, the only sequence number a RST may
# carry to be taken (RFC 5961); its window says what is in the window. The
# transfer is live, so B is acking: nothing captured is the sniffer's fault.
acks = sniff(filter=flt, count=1, timeout=5, iface="wt-xa")
if not acks:
    sys.exit("sniffer captured nothing (libpcap?): no ACK of the live transfer in 5 s")
ackpkt = acks[0]
rcv_nxt, port = ackpkt[TCP].ack, ackpkt[TCP].sport
far = (rcv_nxt + (1 << 30)) & 0xffffffff
send(IP(src=a, dst=b) / TCP(sport=8100, dport=port, flags="R", seq=far), count=3, iface="wt-xa")
send(IP(src=a, dst=b) / TCP(sport=8100, dport=port, flags="R", seq=(rcv_nxt + 100) & 0xffffffff),
     iface="wt-xa")
PY
[ "$rc" = 0 ] || e2e_error "forging the RSTs: $(grep -v '^WARNING' "$TMP/forge.err")"
wait $xfer || fail "the transfer died or came short: a forged RST got through"
[ "$(counter tcp_window)" -ge $((win_before + 3)) ] || fail "out-of-window RSTs not counted"
[ "$(counter rst_inexact)" -ge 1 ] || fail "in-window inexact RST not counted"
ok "forged RSTs: 3 out-of-window dropped, 1 inexact passed, transfer complete"

# 5. kill -9 of wardd during a transfer: it completes, nothing unadmitted
#    gets in meanwhile, and a restarted wardd adopts the flows.
in_b curl -sf -m30 --limit-rate 4M -o "$TMP/big2.out" "http://$IP_A:8000/big" &
dl=$!
BG_PIDS+=($dl)
sleep 1
kill -9 "$WARDD_PID"
wait "$WARDD_PID" 2>/dev/null || true
WARDD_PID=
if tcp_ok 2222; then fail "unsolicited TCP got in while wardd was dead"; fi
sleep 1
wardd_start "$TMP/ward.yaml"
wait $dl || fail "the download died across kill -9 and restart"
[ "$(stat -c %s "$TMP/big2.out")" = $((16 * 1024 * 1024)) ] || fail "download incomplete"
grep -q 'adopted pinned state' "$TMP/wardd.log" || fail "restart did not adopt the pinned state"
ok "kill -9 mid-transfer: download completed, restart adopted the flows"

# 6. Revocation: an accepted inbound connection is cut when its rule goes.
policy "  - { name: svc, proto: tcp, port: 2222, action: accept }" >"$TMP/ward.yaml"
wardd_signal HUP 'live'
exec 7> >(in_a /usr/bin/python3 -u -c "
import socket, sys, time
s = socket.create_connection(('$IP_B', 2222), timeout=2)
for i in range(60):
    try:
        s.sendall(b'x' * 100)
    except OSError:
        break
    time.sleep(0.1)
" 2>/dev/null)
sleep 1
flows=$(counter revoked)
policy "" >"$TMP/ward.yaml"
wardd_signal HUP 'live'
sleep 1
[ "$(counter revoked)" -gt "$flows" ] || fail "removing the accept rule did not cut the live connection"
exec 7>&-
ok "removing an accept rule cut the connection it admitted"

# 7. Table pressure: 1024 flows at most; a flood of new flows is refused and
#    counted, while an established flow keeps working.
policy "  - { name: udp-in, proto: udp, port: 7000-9999, action: accept }" >"$TMP/ward.yaml"
wardd_signal HUP 'live'
in_b curl -sf -m20 --limit-rate 2M -o /dev/null "http://$IP_A:8000/big" &
dl=$!
BG_PIDS+=($dl)
sleep 0.5
in_a /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for port in range(7000, 9500):
    s.sendto(b'x', ('$IP_B', port))
"
[ "$(counter ct_full)" -gt 0 ] || fail "a full flow table did not refuse new flows"
wait $dl || fail "an established download died while the table was full"
ok "full table: $(counter ct_full) new flows refused, established download unharmed"
wardd_stop
