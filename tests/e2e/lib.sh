# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# tests/e2e/lib.sh: namespaces, veths and a real wardd for end-to-end tests.
#
# Topology (e2e_topology): client namespace A <-> veth <-> namespace B, where
# wardd runs on B's end and protects B (a host firewall):
#   A: wt-a<id>  dev wt-xa  10.77.0.1/24  fd77::1/64
#   B: wt-b<id>  dev wt-xb  10.77.0.2/24  fd77::2/64
# A bpffs of the test's own is mounted on the host and handed to wardd, since
# `ip netns exec` gives each process a fresh /sys whose bpffs dies with it:
# pins must outlive a killed wardd for the restart tests.
# Everything is removed on exit, also when the test fails.
#
# Exit status: 0 passed, 1 failed (fail: a verdict on ward), 2 test error
# (e2e_error: the test's own tool did not work or a command is missing).
# run.sh reports the last as ERROR.

set -eu
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WARDD=${WARDD:-$ROOT/build/wardd}
ID=${ID:-$$}
NS_A=wt-a$ID
NS_B=wt-b$ID
DEV_A=wt-xa
DEV_B=wt-xb
IP_A=10.77.0.1
IP_B=10.77.0.2
IP6_A=fd77::1
IP6_B=fd77::2
TMP=$(mktemp -d /tmp/wt-e2e.XXXXXX)
BPFFS=$TMP/bpffs
PIN=$BPFFS/ward
WARDD_PID=
BG_PIDS=()
# A test with more to undo sets E2E_CLEANUP to its own function, which ends
# by calling e2e_cleanup.
E2E_CLEANUP=e2e_cleanup

e2e_cleanup() {
	local p
	for p in ${WARDD_PID:-} "${BG_PIDS[@]}"; do
		[ -n "$p" ] || continue
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
	mountpoint -q "$BPFFS" 2>/dev/null && umount "$BPFFS"
	rm -rf "$TMP"
}

# On exit: a test that stops without fail's message (set -e on a failed or
# missing command) says where, instead of ending with an empty message; a
# missing command is a test error. The verdict is a file, so that fail in
# a subshell counts too.
e2e_exit() { # RC COMMAND
	local rc=$1
	if [ "$rc" != 0 ] && [ ! -e "$TMP/verdict" ]; then
		if [ "$rc" = 127 ]; then
			echo "ERROR: test error: command not found in '$2' (make deps installs what tests need)" >&2
			rc=2
		else
			echo "FAIL: the test stopped at '$2' (exit $rc)" >&2
		fi
	fi
	"$E2E_CLEANUP"
	exit "$rc"
}
trap 'e2e_exit $? "$BASH_COMMAND"' EXIT

# e2e_error MESSAGE: the test could not do its job (a tool that did not
# work, a sniffer that captured nothing): no verdict on ward, exit 2.
e2e_error() {
	echo "ERROR: test error: $*" >&2
	: >"$TMP/verdict"
	exit 2
}

# e2e_need COMMAND PACKAGE: a tool the test calls is there, or a test error
# naming the Debian package that has it.
e2e_need() {
	command -v "$1" >/dev/null 2>&1 ||
		e2e_error "$1 not found: apt-get install $2 (make deps installs it)"
}

# What lib.sh's own helpers call: without them a probe that "did not get
# through" would read as ward blocking it.
e2e_need ip iproute2
e2e_need ping iputils-ping
e2e_need nc netcat-openbsd
e2e_need curl curl
e2e_need mountpoint util-linux
[ -x /usr/bin/python3 ] || e2e_error "/usr/bin/python3 not found: apt-get install python3"

fail() {
	echo "FAIL: $*" >&2
	: >"$TMP/verdict"
	if [ -f "$TMP/wardd.log" ]; then
		echo "--- wardd log" >&2
		tail -n 30 "$TMP/wardd.log" >&2
	fi
	exit 1
}

ok() { echo "ok: $*"; }

# wardctl (it finds wardd by $WARD_API), and jq-less JSON: json EXPR reads a
# document on stdin and prints EXPR of it (d).
WARDCTL=${WARDCTL:-$ROOT/build/wardctl}
ctl() { "$WARDCTL" "$@"; }
json() { /usr/bin/python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

e2e_topology() {
	ip netns add "$NS_A"
	ip netns add "$NS_B"
	ip link add "$DEV_A" netns "$NS_A" type veth peer name "$DEV_B" netns "$NS_B"
	ip -n "$NS_A" addr add $IP_A/24 dev $DEV_A
	ip -n "$NS_B" addr add $IP_B/24 dev $DEV_B
	ip -n "$NS_A" addr add $IP6_A/64 dev $DEV_A nodad
	ip -n "$NS_B" addr add $IP6_B/64 dev $DEV_B nodad
	ip -n "$NS_A" link set lo up
	ip -n "$NS_B" link set lo up
	ip -n "$NS_A" link set $DEV_A up
	ip -n "$NS_B" link set $DEV_B up
	mkdir -p "$BPFFS"
	mount -t bpf bpf "$BPFFS"
	# Baseline: without ward, both families get through. A link just set up
	# may take a moment (carrier, neighbour discovery on a busy machine); one
	# that never carries a ping is the test's setup failing, not ward.
	e2e_baseline ping -c1 -W1 $IP_B || e2e_error "baseline IPv4 ping without ward"
	e2e_baseline ping -6 -c1 -W1 $IP6_B || e2e_error "baseline IPv6 ping without ward"
}
e2e_baseline() {
	local i
	for i in 1 2 3 4 5; do
		in_a "$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# wardd_start CONFIG [extra args]: start wardd in B and wait for "ready".
wardd_start() {
	local cfg=$1 i
	shift
	: >"$TMP/wardd.log"
	if [ "$cfg" = - ]; then
		ip netns exec "$NS_B" "$WARDD" -d -p "$PIN" --api "unix:$TMP/api.sock" "$@" >>"$TMP/wardd.log" 2>&1 &
	else
		ip netns exec "$NS_B" "$WARDD" -d -c "$cfg" -p "$PIN" --api "unix:$TMP/api.sock" "$@" >>"$TMP/wardd.log" 2>&1 &
	fi
	WARDD_PID=$!
	# Loading and verifying the programs takes seconds on a busy machine.
	for i in $(seq 200); do
		grep -q 'ready:' "$TMP/wardd.log" && return 0
		kill -0 "$WARDD_PID" 2>/dev/null || fail "wardd exited before ready"
		sleep 0.1
	done
	fail "wardd not ready after 20 s"
}

wardd_stop() {
	[ -n "${WARDD_PID:-}" ] || return 0
	kill -TERM "$WARDD_PID" 2>/dev/null || true
	wait "$WARDD_PID" 2>/dev/null || true
	WARDD_PID=
}

# wardd_signal SIG PATTERN: send SIG and wait for a log line matching PATTERN.
wardd_signal() {
	local sig=$1 pat=$2 n i
	n=$(grep -c -- "$pat" "$TMP/wardd.log" || true)
	kill -"$sig" "$WARDD_PID"
	for i in $(seq 50); do
		[ "$(grep -c -- "$pat" "$TMP/wardd.log" || true)" -gt "$n" ] && return 0
		sleep 0.1
	done
	fail "no '$pat' in the log after SIG$sig"
}

# stats: ask wardd for a counter dump (SIGUSR1) and keep the newest one.
stats() {
	wardd_signal USR1 'counter accept'
	awk '/ generation [0-9]+$|^generation [0-9]+$/ { buf = "" } { buf = buf $0 "\n" }
	     END { printf "%s", buf }' "$TMP/wardd.log" >"$TMP/stats"
}

# rule_packets NAME / counter NAME: from the newest dump.
rule_packets() {
	stats
	awk -v r="$1" '$1 == "rule" && $2 == r { print $4 }' "$TMP/stats" | tail -n1
}

counter() {
	stats
	awk -v c="$1" '($1 == "drop" || $1 == "counter") && $2 == c { print $3 }' \
		"$TMP/stats" | tail -n1
}

generation() {
	grep -o 'policy generation [0-9]* live' "$TMP/wardd.log" | tail -n1 | awk '{print $3}'
}

# Reachability probes from A; each returns 0 when the traffic got through.
ping4() { in_a ping -c1 -W1 $IP_B >/dev/null 2>&1; }
ping6() { in_a ping -6 -c1 -W1 $IP6_B >/dev/null 2>&1; }

# tcp_open PORT [ADDR]: a listener in B answers a connect from A.
tcp_serve() {
	local port=$1
	ip netns exec "$NS_B" nc -lk -s :: -p "$port" </dev/null >/dev/null 2>&1 &
	BG_PIDS+=($!)
}
tcp_ok() { in_a nc -z -w1 "${2:-$IP_B}" "$1" >/dev/null 2>&1; }

# udp_echo PORT: a UDP service in B that answers every datagram.
udp_serve() {
	local port=$1
	ip netns exec "$NS_B" /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(('::', $port))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(b'pong:' + d, a)
" &
	BG_PIDS+=($!)
	sleep 0.3
}
udp_ok() {
	local port=$1 addr=${2:-$IP_B}
	in_a /usr/bin/python3 -c "
import socket, sys
fam = socket.AF_INET6 if ':' in '$addr' else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(1)
s.sendto(b'ping', ('$addr', $port))
try:
    sys.exit(0 if s.recv(64) == b'pong:ping' else 1)
except socket.timeout:
    sys.exit(1)
"
}

# http_serve PORT: a real HTTP server in B (curl is the client).
http_serve() {
	local port=$1
	mkdir -p "$TMP/www"
	echo "hello from B" >"$TMP/www/index.html"
	ip netns exec "$NS_B" /usr/bin/python3 -m http.server --bind :: --directory "$TMP/www" "$port" \
		>/dev/null 2>&1 &
	BG_PIDS+=($!)
	sleep 0.5
}
http_ok() { in_a curl -s -m 2 -o /dev/null -g "http://${2:-$IP_B}:$1/"; }

# e2e_link NS1 DEV1 NS2 DEV2: a veth pair between two namespaces, both ends up.
e2e_link() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# e2e_sniff NS IFACE SECONDS FILTER CONTROL OUT: counts packets matching the
# BPF FILTER on IFACE for SECONDS, in the background (pid in SNIFF_PID),
# and returns once the capture is on. CONTROL matches packets the test
# sends or expects in that window: when it sees none, the sniffer saw
# nothing at all, which is a test error (tests/e2e/sniffer.py), never a
# pass. e2e_sniffed PID OUT then waits for it (in the test's own shell, not
# in a $(...)): OUT holds the count after it.
e2e_sniff() {
	rm -f "$6" "$6.ready"
	ip netns exec "$1" /usr/bin/python3 "$ROOT/tests/e2e/sniffer.py" "$2" "$3" "$4" "$5" \
		--ready "$6.ready" >"$6" 2>"$6.err" &
	SNIFF_PID=$!
	BG_PIDS+=($SNIFF_PID)
	local i
	for i in $(seq 100); do
		[ -e "$6.ready" ] && return 0
		kill -0 "$SNIFF_PID" 2>/dev/null || break
		sleep 0.1
	done
	e2e_error "sniffer on $1 $2 did not start: $(sniff_why "$6")"
}
e2e_sniffed() {
	local rc=0
	wait "$1" || rc=$?
	[ "$rc" = 0 ] && grep -qx '[0-9][0-9]*' "$2" ||
		e2e_error "sniffer (exit $rc): $(sniff_why "$2")"
}
sniff_why() { grep -v '^WARNING' "$1.err" | sed 's/^test error: //'; }
