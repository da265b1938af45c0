#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A flood of spoofed new flows must never lock legitimate users out (issue
# 25): one LAN client floods an allowed port from random source addresses
# (hping3 --flood --rand-source; a raw-socket flooder for IPv6, which
# hping3 lacks) while another LAN client fetches a page with curl and a
# connection held from before the flood keeps talking. The same experiment
# then runs through an nftables + nf_conntrack gateway in the same
# namespaces, and ward must let legitimate connections through at least
# about as often (both ratios are printed).
#
#   MODE=xdp|tc (default xdp)  FAMILY=4|6 (4)  KIND=udp|syn (udp)
#   QUICK=1: a 3 s flood into max_flows 65536 (make check); else 8 s into
#            the default 262,144, the issue's experiment
#
#   wt-f<id>  flooder  lan0 10.9.1.10/24 fd09:1::10/64
#   wt-c<id>  client   lan0 10.9.3.10/24 fd09:3::10/64 (curl, the held connection)
#   wt-s<id>  server   wan0 10.9.2.2/24  fd09:2::2/64  :8080 HTTP + echo
#   wt-b<id>  gateway  gwf 10.9.1.1 gwc 10.9.3.1 (lan), gws 10.9.2.1 (wan):
#             wardd, then nftables (nf_conntrack's table is global: a network
#             namespace cannot size it, so nftables keeps the host's
#             nf_conntrack_max, at least the 262,144 ward gets in the full run)
#
# The server answers the SYN flood with SYN-ACKs that the gateway cannot
# route (the sources are spoofed), as on the Internet: those half-open
# flows saw an answer, yet must stay expendable.
. "$(dirname "$0")/lib.sh"

MODE=${MODE:-xdp}
FAMILY=${FAMILY:-4}
KIND=${KIND:-udp}
QUICK=${QUICK:-0}
case $MODE in xdp|tc) ;; *) echo "MODE must be xdp or tc" >&2; exit 2 ;; esac
case $FAMILY in 4|6) ;; *) echo "FAMILY must be 4 or 6" >&2; exit 2 ;; esac
case $KIND in udp|syn) ;; *) echo "KIND must be udp or syn" >&2; exit 2 ;; esac
if [ "$QUICK" = 1 ]; then
	# Not smaller: a legitimate handshake must finish before the flood's
	# new flows push its own (unanswered until the last ACK) out of the
	# table; at 4096 slots that is ~15 ms under a 250 kpps flood, a
	# coin toss on a loaded machine, where 65536 gives it ~250 ms.
	FLOOD_S=3 MAX_FLOWS=65536
else
	FLOOD_S=8 MAX_FLOWS=262144
fi
AFTER=5		# curls after the flood
NS_F=wt-f$ID NS_C=wt-c$ID NS_S=wt-s$ID
if [ "$FAMILY" = 6 ]; then
	SRV=fd09:2::2 URL_HOST="[fd09:2::2]"
else
	SRV=10.9.2.2 URL_HOST=10.9.2.2
fi
[ "$KIND" = udp ] && PORT=5001 || PORT=8080
trap 'for n in $NS_F $NS_C $NS_S; do ip netns del $n 2>/dev/null; done; e2e_cleanup' EXIT
in_ns() { local n=$1; shift; ip netns exec "$n" "$@"; }

command -v hping3 >/dev/null || fail "test error: hping3 is not installed (apt-get install hping3)"

flood_topology() {
	local n
	for n in $NS_B $NS_F $NS_C $NS_S; do
		ip netns add "$n"
		ip -n "$n" link set lo up
	done
	e2e_link "$NS_F" lan0 "$NS_B" gwf
	e2e_link "$NS_C" lan0 "$NS_B" gwc
	e2e_link "$NS_S" wan0 "$NS_B" gws
	ip -n "$NS_F" addr add 10.9.1.10/24 dev lan0
	ip -n "$NS_C" addr add 10.9.3.10/24 dev lan0
	ip -n "$NS_S" addr add 10.9.2.2/24 dev wan0
	ip -n "$NS_B" addr add 10.9.1.1/24 dev gwf
	ip -n "$NS_B" addr add 10.9.3.1/24 dev gwc
	ip -n "$NS_B" addr add 10.9.2.1/24 dev gws
	ip -n "$NS_F" addr add fd09:1::10/64 dev lan0 nodad
	ip -n "$NS_C" addr add fd09:3::10/64 dev lan0 nodad
	ip -n "$NS_S" addr add fd09:2::2/64 dev wan0 nodad
	ip -n "$NS_B" addr add fd09:1::1/64 dev gwf nodad
	ip -n "$NS_B" addr add fd09:3::1/64 dev gwc nodad
	ip -n "$NS_B" addr add fd09:2::1/64 dev gws nodad
	for n in $NS_F $NS_C $NS_S; do
		ip -n "$n" route add default via "$(gw_of "$n" 4)"
		ip -n "$n" -6 route add default via "$(gw_of "$n" 6)"
	done
	in_ns "$NS_B" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	# Spoofed sources come in on gwf: no reverse path filter may eat them
	# before either firewall sees them (nf_conntrack only keeps a flow the
	# routing let through).
	for n in all default gwf gwc gws; do
		in_ns "$NS_B" sysctl -qw net.ipv4.conf.$n.rp_filter=0
	done
	mkdir -p "$BPFFS"
	mount -t bpf bpf "$BPFFS"
	# Link-local addresses (neighbour discovery) take a moment after link up.
	for n in $NS_F $NS_C; do
		in_ns "$n" ping -c1 -W2 10.9.2.2 >/dev/null || fail "baseline IPv4 ping from $n"
		in_ns "$n" ping -6 -c5 -i0.5 -W1 -w5 fd09:2::2 2>/dev/null | grep -q ' 0% packet loss\| [1-4]0% packet loss' ||
			fail "baseline IPv6 ping from $n"
	done
}

gw_of() { # NS FAMILY
	local net
	case $1 in $NS_F) net=1 ;; $NS_C) net=3 ;; *) net=2 ;; esac
	[ "$2" = 6 ] && echo "fd09:$net::1" || echo "10.9.$net.1"
}

ward_config() {
	cat <<EOF
interfaces:
  - { match: gwf, role: lan, mode: $MODE }
  - { match: gwc, role: lan, mode: $MODE }
  - { match: gws, role: wan, mode: $MODE }
defaults: { policy: drop }
conntrack: { max_flows: $MAX_FLOWS }
metrics: { listen: "127.0.0.1:9669" }
rules:
  - { name: web, in: lan, proto: tcp, port: 8080, action: accept }
  - { name: stream, in: lan, proto: udp, port: 5001, action: accept }
EOF
}

nft_ruleset() {
	cat <<EOF
table inet wt_flood {
	chain forward {
		type filter hook forward priority 0; policy drop;
		ct state established,related accept
		iifname { "gwf", "gwc" } tcp dport 8080 ct state new accept
		iifname { "gwf", "gwc" } udp dport 5001 ct state new accept
	}
}
EOF
}

# flood SECONDS: the attack, in the background; its pid in FLOOD_PID.
flood() {
	local secs=$1
	if [ "$FAMILY" = 6 ]; then
		in_ns "$NS_F" /usr/bin/python3 "$ROOT/tests/e2e/ct_flood.py" flood6 "$KIND" "$SRV" \
			"$PORT" "$secs" >"$TMP/flood.out" 2>&1 &
	else
		local kindarg=--udp
		[ "$KIND" = syn ] && kindarg=-S
		in_ns "$NS_F" timeout -s INT "$secs" hping3 --flood --rand-source $kindarg \
			-p "$PORT" "$SRV" >"$TMP/flood.out" 2>&1 &
	fi
	FLOOD_PID=$!
	BG_PIDS+=($FLOOD_PID)
}

# The flooder must have sent something, or the test proved nothing.
flood_check() {
	local sent
	if [ "$FAMILY" = 6 ]; then
		sent=$(awk '/^sent/ { print $2 }' "$TMP/flood.out")
	else
		sent=$(awk '/packets transmitted/ { print $1 }' "$TMP/flood.out")
	fi
	[ -n "$sent" ] && [ "$sent" -gt 1000 ] ||
		fail "test error: the flooder sent ${sent:-nothing}: $(tail -n3 "$TMP/flood.out")"
	echo "$sent"
}

curl_once() { in_ns "$NS_C" curl -s -m 2 -o /dev/null -g "http://$URL_HOST:8080/"; }

# experiment NAME: the held connection, the flood, curls during and after.
# Sets OK_DURING/N_DURING, OK_AFTER, HELD, SENT.
experiment() {
	local name=$1 t_end
	rm -f "$TMP/stop"
	curl_once || fail "$name: curl before the flood failed"
	in_ns "$NS_C" /usr/bin/python3 "$ROOT/tests/e2e/ct_flood.py" hold "$SRV" 8080 "$TMP/stop" \
		>"$TMP/hold.out" 2>&1 &
	local hold_pid=$!
	BG_PIDS+=($hold_pid)
	sleep 0.5
	kill -0 $hold_pid 2>/dev/null || fail "test error: $name: the held connection did not start: $(cat "$TMP/hold.out")"
	flood "$FLOOD_S"
	sleep 0.5
	OK_DURING=0 N_DURING=0
	t_end=$(( $(date +%s) + FLOOD_S - 1 ))
	while [ "$(date +%s)" -lt "$t_end" ]; do
		N_DURING=$((N_DURING + 1))
		curl_once && OK_DURING=$((OK_DURING + 1))
		sleep 0.2
	done
	wait "$FLOOD_PID" 2>/dev/null || true
	SENT=$(flood_check)
	OK_AFTER=0
	for _ in $(seq $AFTER); do
		curl_once && OK_AFTER=$((OK_AFTER + 1))
	done
	touch "$TMP/stop"
	wait $hold_pid 2>/dev/null || true
	HELD=$(cat "$TMP/hold.out")
	echo "$name: flood sent $SENT packets; legit curl during the flood $OK_DURING/$N_DURING," \
	     "after $OK_AFTER/$AFTER; held connection: $HELD"
}

flood_topology
in_ns "$NS_S" /usr/bin/python3 "$ROOT/tests/e2e/ct_flood.py" serve 8080 >/dev/null 2>&1 &
BG_PIDS+=($!)
sleep 0.5

# ward
ward_config >"$TMP/ward.yaml"
wardd_start "$TMP/ward.yaml" --detach-on-exit
experiment "ward $MODE"
W_DURING=$OK_DURING W_N=$N_DURING W_AFTER=$OK_AFTER W_HELD=$HELD
m=$(in_ns "$NS_B" /usr/bin/python3 "$ROOT/tests/e2e/metrics.py" http://127.0.0.1:9669/metrics) ||
	fail "/metrics does not parse"
echo "ward metrics: $(echo "$m" | json '" ".join("%s=%d" % (k, v) for k, v in d.items() if k.startswith(("ward_conntrack", "ward_drops_total{reason=ct_full")))')"
wardd_stop

# nftables + nf_conntrack, same namespaces and rules
nft_ruleset | in_ns "$NS_B" nft -f - || fail "test error: nft ruleset"
experiment "nftables"
N_DURING_OK=$OK_DURING N_N=$N_DURING N_AFTER=$OK_AFTER N_HELD=$HELD
echo "nf_conntrack entries after: $(in_ns "$NS_B" cat /proc/sys/net/netfilter/nf_conntrack_count)"
in_ns "$NS_B" nft delete table inet wt_flood

echo "RESULT mode=$MODE family=$FAMILY kind=$KIND max_flows=$MAX_FLOWS flood=${FLOOD_S}s:" \
     "ward during $W_DURING/$W_N after $W_AFTER/$AFTER; nftables during $N_DURING_OK/$N_N after $N_AFTER/$AFTER"

case $N_HELD in held*) ;; *) fail "test error: the held connection was cut through nftables too ($N_HELD): the host is too loaded to judge" ;; esac
case $W_HELD in held*) ok "the connection held from before the flood was never cut ($W_HELD)" ;;
	*) fail "ward cut the held connection: $W_HELD" ;; esac
[ "$W_AFTER" -ge "$N_AFTER" ] && [ "$W_AFTER" -eq "$AFTER" ] ||
	fail "after the flood only $W_AFTER/$AFTER curls got through ward (nftables $N_AFTER/$AFTER)"
ok "after the flood every curl got through ($W_AFTER/$AFTER)"
# During the flood both compete with the flooder for the CPU: ward must do
# about as well as nftables (within one attempt in five), and not fail them all.
[ "$W_DURING" -gt 0 ] || fail "no curl got through ward during the flood (nftables $N_DURING_OK/$N_N)"
# QUICK (make check, a 3 s flood: four to nine attempts, so one attempt is
# 10-25 %): at most one failed attempt more than nftables. The issue's own
# experiment (QUICK unset) holds ward to one attempt in five.
if [ "$QUICK" = 1 ]; then
	[ $((W_N - W_DURING)) -le $((N_N - N_DURING_OK + 1)) ]
else
	[ $((W_DURING * 5 * N_N)) -ge $(( (N_DURING_OK * 5 - N_N) * W_N )) ]
fi || fail "during the flood ward let $W_DURING/$W_N curls through, nftables $N_DURING_OK/$N_N"
ok "during the flood $W_DURING/$W_N curls got through ward (nftables $N_DURING_OK/$N_N)"
