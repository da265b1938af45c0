#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Conntrack as Linux's nf_conntrack has it, with real sockets (issue 26):
#  1. a client that lost its connection without a FIN or RST getting out
#     connects again from the same source port (the SYN reaches the server,
#     whose challenge ACK makes the client reset the old connection);
#  2. a stray ACK (scapy) does not lock the port pair: a connect from that
#     port afterwards succeeds;
#  3. a corrupted RST with the exact sequence number, injected into a live
#     connection, is dropped as bad_checksum and the connection lives;
#  4. a client reconnects from the port of a connection the server closed
#     first and still holds in TIME_WAIT: when the server does not take the
#     SYN as new, it answers with a bare ACK of the old connection, which
#     must pass for the client's RST to end the TIME_WAIT.
# A is the client, B the server behind ward (policy drop, tcp/8080 and
# tcp/8081 allowed).
# MODE=xdp|tc.
. "$(dirname "$0")/lib.sh"
MODE=${MODE:-xdp}
PORT=8080
TW_PORT=8081
TW_BYTES=$((32 << 20))

cat >"$TMP/ward.yaml" <<EOF2
interfaces:
  - { match: $DEV_B, mode: $MODE }
defaults: { policy: drop }
rules:
  - { name: app, proto: tcp, port: $PORT, action: accept }
  - { name: closer, proto: tcp, port: $TW_PORT, action: accept }
EOF2

# serve_py PORT CODE: a threaded server in B on PORT; the Python CODE
# defines serve(c), run for each connection.
serve_py() {
	ip netns exec "$NS_B" /usr/bin/python3 -c "
import socket, threading
$2
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('0.0.0.0', $1)); l.listen(16)
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
" &
	BG_PIDS+=($!)
}

# B: a server that echoes what it reads and keeps every connection open.
serve_echo() {
	serve_py $PORT "
def serve(c):
    try:
        while True:
            d = c.recv(4096)
            if not d:
                break
            c.sendall(d)
    except OSError:
        pass                    # the lost connection, reset at last
"
}

# B: a server that reads TW_BYTES, answers and closes first, so that it
# holds the connection in TIME_WAIT.
serve_closer() {
	serve_py $TW_PORT "
def serve(c):
    n = 0
    try:
        while n < $TW_BYTES:
            d = c.recv(1 << 20)
            if not d:
                break
            n += len(d)
        c.sendall(b'done')
    except OSError:
        pass
    c.close()
"
}

# client_py SPORT DPORT TIMEOUT CODE: a connect from A's port SPORT to B's
# DPORT, then the Python CODE (socket s, within TIMEOUT s); exit 0 when it
# worked.
client_py() {
	in_a /usr/bin/python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$IP_A', $1))
s.settimeout($3)
try:
    s.connect(('$IP_B', $2))
$4
except OSError as e:
    print('connect from $1:', e, file=sys.stderr)
    sys.exit(1)
"
}

# connect_from SPORT TIMEOUT: one echo round trip.
connect_from() {
	client_py "$1" $PORT "$2" "
    s.sendall(b'ping')
    sys.exit(0 if s.recv(16) == b'ping' else 1)"
}

# closed_by_server SPORT: send TW_BYTES, then wait for B to close (5 s).
closed_by_server() {
	client_py "$1" $TW_PORT 5 "
    s.sendall(b'x' * $TW_BYTES)
    got = b''
    while True:
        d = s.recv(16)
        if not d:
            break
        got += d
    sys.exit(0 if got == b'done' else 1)"
}

e2e_topology
serve_echo
serve_closer
sleep 0.3
wardd_start "$TMP/ward.yaml"
connect_from 40100 3 || fail "a plain connect to the allowed port failed"
ok "plain connect through ward ($MODE)"

# 1. A loses its connection: its FIN and RST can't leave A (an nft rule in
#    A drops them), then ss -K destroys the socket. B still has it.
in_a nft -f - <<EOF2
table inet wt_lose {
	chain out {
		type filter hook output priority 0;
		tcp dport $PORT tcp flags & (fin | rst) != 0 drop
	}
}
EOF2
in_a /usr/bin/python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$IP_A', 40200))
s.connect(('$IP_B', $PORT))
s.sendall(b'x'); s.recv(4)
time.sleep(30)
" &
lost=$!
BG_PIDS+=($lost)
for i in $(seq 30); do
	in_b ss -tnH state established "( sport = :$PORT and dport = :40200 )" | grep -q . && break
	sleep 0.1
done
in_b ss -tnH state established "( sport = :$PORT and dport = :40200 )" | grep -q . ||
	fail "test error: the connection to lose never came up"
in_a ss -K dst $IP_B dport = $PORT sport = 40200 >/dev/null 2>&1 ||
	fail "test error: ss -K could not destroy A's socket"
kill -9 "$lost" 2>/dev/null || true
wait "$lost" 2>/dev/null || true
in_a nft delete table inet wt_lose
in_b ss -tnH state established "( sport = :$PORT and dport = :40200 )" | grep -q . ||
	fail "test error: B lost the connection too (the FIN or RST got out)"
ign=$(counter tcp_ignored)
connect_from 40200 8 || fail "reconnect from the same port after a lost connection"
[ "$(counter tcp_ignored)" -gt "$ign" ] || fail "the SYN on the old flow was not passed as tcp_ignored"
ok "a client that lost its connection reconnects from the same port"

# 2. A stray ACK from a port (late, duplicated, forged) is picked up as a
#    flow; a connect from that port must still get through.
in_a /usr/bin/python3 - "$IP_A" "$IP_B" "$PORT" <<'PY'
import sys
from scapy.all import IP, TCP, send, conf
conf.verb = 0
a, b, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
send(IP(src=a, dst=b) / TCP(sport=40300, dport=port, flags="A", seq=1000, ack=5000),
     iface="wt-xa")
PY
sleep 0.2
connect_from 40300 5 || fail "connect from a port that sent a stray ACK"
ok "a stray ACK does not block its port"

# 3. A corrupted RST with the exact sequence number into a live connection.
in_a /usr/bin/python3 - "$IP_A" "$IP_B" "$PORT" <<'PY' || fail "the connection died of a corrupted RST"
import socket, sys, threading, time
from scapy.all import IP, TCP, send, sniff, conf
conf.verb = 0
a, b, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((a, 40400))
s.settimeout(3)
s.connect((b, port))
got = []
t = threading.Thread(target=lambda: got.extend(sniff(
    iface="wt-xa", count=1, timeout=3,
    lfilter=lambda p: TCP in p and p[TCP].sport == port and p[TCP].dport == 40400
    and len(p[TCP].payload) > 0)))
t.start()
time.sleep(0.5)
s.sendall(b'hello')
if s.recv(16) != b'hello':
    sys.exit(1)
t.join()
if not got:
    print("test error: sniffed no echo from B", file=sys.stderr)
    sys.exit(2)
exact = got[0][TCP].ack          # B's RCV.NXT: what an exact RST carries
send(IP(src=a, dst=b) / TCP(sport=40400, dport=port, flags="R", seq=exact, chksum=0xdead),
     iface="wt-xa")
time.sleep(0.3)
s.sendall(b'still')
sys.exit(0 if s.recv(16) == b'still' else 1)
PY
[ "$(counter bad_checksum)" -gt 0 ] || fail "the corrupted RST was not counted as bad_checksum"
ok "a corrupted exact RST is dropped (bad_checksum) and the connection lives"

# 4. B closes first and keeps (B:8081, A:40500) in TIME_WAIT. Without TCP
#    timestamps B takes a SYN for that pair as new only when its ISN is past
#    the old connection's end; Linux's ISN grows by ~16 M a second, so
#    after TW_BYTES sent within two seconds it is not: B answers the SYN with
#    a bare ACK of the old connection, A resets it (RFC 9293 3.10.7.3),
#    the RST ends the TIME_WAIT, and A's retransmitted SYN connects.
in_a sysctl -qw net.ipv4.tcp_timestamps=0 || fail "test error: cannot turn off A's TCP timestamps"
closed_by_server 40500 || fail "test error: the first connection to the closing server failed"
ign=$(counter tcp_ignored)
for round in 1 2 3 4 5; do
	in_b ss -tnH state time-wait "( sport = :$TW_PORT and dport = :40500 )" | grep -q . ||
		fail "test error: B holds no TIME_WAIT for port 40500 before reconnect $round"
	closed_by_server 40500 || fail "reconnect $round from a port B holds in TIME_WAIT"
done
[ "$(counter tcp_ignored)" -gt "$ign" ] ||
	fail "test error: B never answered a SYN from TIME_WAIT with an ACK (nothing ignored)"
ok "5 reconnects from a port the server holds in TIME_WAIT (ACKs ignored: $(( $(counter tcp_ignored) - ign )))"

wardd_stop
echo "PASS test_ct_linux ($MODE)"
