#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# FQDN rules (docs/fqdn.md), on a gateway: a LAN client resolves names with
# dnsmasq in the WAN namespace and connects to what it got. ward learns the
# addresses from the answers as they pass, in the data plane:
#   - 2,000 resolve-then-connect loops with no delay: 0 first-connection failures
#   - TTL expiry: allowed at once, blocked after TTL + grace, while an
#     established connection lives on
#   - a spoofed answer for a query never sent teaches nothing
#   - a LAN client's forgery of its own query's answer, on its own link,
#     teaches nothing (resolver on the WAN, and on the gateway)
#   - a CNAME from a non-matching question into a matching name stays blocked
#   - 50 A records (EDNS over UDP, and glibc's truncated answer + TCP retry),
#     AAAA, DNS over TCP, an unmatched name blocked
#   - kill -9 of wardd between the answer and the connection changes nothing,
#     learning goes on while it is dead, and a restart keeps what was learned
#
#   LAN wt-a<id> 10.77.0.1 --- wt-xb 10.77.0.2 [wardd, forwards] 10.78.0.1 wt-wb --- wt-wc 10.78.0.2 WAN wt-c<id>
#   WAN: dnsmasq on 10.78.0.2, an echo server on every address of 198.18.0.0/16
#   and 2001:db8:100::/64 (AnyIP), port 443.
. "$(dirname "$0")/lib.sh"
MODE=${MODE:-xdp}
LOOPS=${LOOPS:-2000}
NS_C=wt-c$ID
RESOLVER=10.78.0.2
PORT=443
HERE=$(cd "$(dirname "$0")" && pwd)

fqdn_cleanup() {
	ip netns del "$NS_C" 2>/dev/null || true
	rm -rf "/etc/netns/$NS_A"
	e2e_cleanup
}
E2E_CLEANUP=fqdn_cleanup
e2e_need dnsmasq dnsmasq-base
e2e_need dig bind9-dnsutils

in_c() { ip netns exec "$NS_C" "$@"; }
client() { in_a /usr/bin/python3 "$HERE/fqdn_client.py" "$@"; }
# blocked ADDR: a connection to ADDR:443 from the LAN does not open.
connects() { in_a nc -z -w1 "$1" $PORT >/dev/null 2>&1; }

e2e_topology
ip netns add "$NS_C"
ip link add wt-wb netns "$NS_B" type veth peer name wt-wc netns "$NS_C"
in_b ip addr add 10.78.0.1/24 dev wt-wb
in_b ip addr add fd78::1/64 dev wt-wb nodad
in_b ip link set wt-wb up
in_b sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
in_c ip link set lo up
in_c ip addr add $RESOLVER/24 dev wt-wc
in_c ip addr add fd78::2/64 dev wt-wc nodad
in_c ip link set wt-wc up
in_c ip route add 10.77.0.0/24 via 10.78.0.1
in_c ip -6 route add fd77::/64 via fd78::1
in_c ip route add local 198.18.0.0/16 dev lo
in_c ip -6 route add local 2001:db8:100::/64 dev lo
in_a ip route add default via $IP_B
in_b ip route add default via $RESOLVER
in_b ip -6 route add default via fd78::2
in_a ip -6 route add default via $IP6_B
mkdir -p "/etc/netns/$NS_A"
echo "nameserver $RESOLVER" >"/etc/netns/$NS_A/resolv.conf"

# Names: h0..h<LOOPS> each its own address (every loop is a real race);
# big: 50 A records; ttl3: TTL 3; v6: AAAA; alias.other.test: a CNAME into
# the matching zone; www.other.test: matches no set.
/usr/bin/python3 - "$TMP/hosts" "$LOOPS" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    for i in range(n + 10):
        f.write("198.18.%d.%d h%d.fq.test\n" % (1 + i // 250, 1 + i % 250, i))
    for i in range(210):
        f.write("198.18.%d.%d k%d.fq.test\n" % (101 + i // 250, 1 + i % 250, i))
    for i in range(50):
        f.write("198.18.220.%d big.fq.test\n" % (1 + i))
    for i in range(50):
        f.write("198.18.221.%d big2.fq.test\n" % (1 + i))
PY
in_c dnsmasq --no-daemon --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
	--bind-interfaces --listen-address=$RESOLVER --user=root --group=root --pid-file= \
	--addn-hosts="$TMP/hosts" --local-ttl=300 --dns-forward-max=1000 \
	--host-record=ttl3.fq.test,198.18.210.3,3 \
	--host-record=v6.fq.test,2001:db8:100::6 \
	--host-record=tcp.fq.test,198.18.210.10 \
	--host-record=kill1.fq.test,198.18.210.21 --host-record=kill2.fq.test,198.18.210.22 \
	--host-record=target.fq.test,198.18.210.30 --cname=alias.other.test,target.fq.test \
	--host-record=www.other.test,198.18.210.40 \
	>"$TMP/dnsmasq.log" 2>&1 &
BG_PIDS+=($!)
# A resolver on the gateway itself (a local cache): its answers leave at the
# LAN link's tc egress, never crossing the WAN.
in_b dnsmasq --no-daemon --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
	--bind-interfaces --listen-address=$IP_B --user=root --group=root --pid-file= \
	--host-record=local.fq.test,198.18.210.70 >"$TMP/dnsmasq-local.log" 2>&1 &
BG_PIDS+=($!)
in_c /usr/bin/python3 "$HERE/fqdn_server.py" $PORT >"$TMP/server.log" 2>&1 &
BG_PIDS+=($!)
for i in $(seq 50); do
	grep -q listening "$TMP/server.log" && in_a dig +short +time=1 +tries=1 @$RESOLVER h0.fq.test | grep -q . && break
	sleep 0.1
done
in_a dig +short @$RESOLVER h0.fq.test | grep -q 198.18.1.1 || fail "baseline: dnsmasq does not answer"
connects 198.18.9.9 || { cat "$TMP/server.log"; in_a ip route; fail "baseline: the WAN server is not reachable without ward"; }

cat >"$TMP/ward.yaml" <<EOF2
interfaces:
  - { match: $DEV_B, role: lan, mode: $MODE }
  - { match: wt-wb, role: wan, mode: $MODE }
defaults: { policy: drop, log: none }
metrics: { listen: "127.0.0.1:9669" }
logs: { path: $TMP/flows.json, rate: 1000/s }
fqdn_sets:
  test: ["*.fq.test"]
fqdn:
  resolvers: [$RESOLVER, $IP_B]
  grace: 2s
rules:
  - { name: dns, in: lan, to: $RESOLVER, proto: [udp, tcp], port: 53, action: accept }
  - { name: dns-local, in: lan, to: $IP_B, proto: udp, port: 53, action: accept }
  - { name: web, in: lan, to_fqdn: \$test, proto: tcp, port: $PORT, action: accept, log: true }
EOF2
# proto takes one value: two rules.
sed -i 's/proto: \[udp, tcp\], port: 53, action: accept }/proto: udp, port: 53, action: accept }\n  - { name: dns-tcp, in: lan, to: '$RESOLVER', proto: tcp, port: 53, action: accept }/' "$TMP/ward.yaml"
wardd_start "$TMP/ward.yaml"

# Nothing learned yet: blocked.
if connects 198.18.1.1; then fail "an address no answer taught is reachable"; fi
ok "unresolved address blocked"

# 1. The race: resolve and connect at once, every name new.
client race h%d.fq.test $LOOPS $PORT >"$TMP/race.txt" 2>"$TMP/race.err" || fail "race client: $(cat "$TMP/race.err")"
grep -q "^failures 0 of $LOOPS$" "$TMP/race.txt" ||
	fail "first connections failed: $(cat "$TMP/race.txt"); $(head -5 "$TMP/race.err")"
ok "$LOOPS resolve-then-connect loops: 0 first-connection failures"

# 2. TTL 3 + grace 2: allowed at once, a connection held across expiry
# lives on, a new one after expiry is blocked.
in_a dig +short @$RESOLVER ttl3.fq.test | grep -q 198.18.210.3 || fail "ttl3 not resolved"
connects 198.18.210.3 || fail "ttl3: not allowed right after the answer"
client hold 198.18.210.3 $PORT 8 >"$TMP/hold.txt" 2>&1 &
hold=$!
sleep 1
connects 198.18.210.3 || fail "ttl3: not allowed 1 s after the answer"
sleep 5.5
if connects 198.18.210.3; then fail "ttl3: still allowed after TTL + grace"; fi
# A reload re-checks every flow against the new generation: expiry is
# for new flows only, so the established one must survive that too.
wardd_signal HUP 'policy generation'
wait $hold || fail "ttl3: the established connection died at expiry or reload: $(cat "$TMP/hold.txt")"
ok "TTL 3 + grace 2: allowed, blocked after expiry, established connection lived on (and through a reload)"

# 3. A spoofed answer from the resolver's own address, for a query the
# client never sent, teaches nothing. It goes to a port the client has
# talked to the resolver from, so that conntrack lets it in: only the
# query tracking stands between it and the map.
spoofed_before=$(counter fqdn_spoofed)
in_a dig +short -b 10.77.0.1#40000 @$RESOLVER www.other.test >/dev/null
in_c /usr/bin/python3 - <<'PY'
from scapy.all import IP, UDP, DNS, DNSQR, DNSRR, send
ans = DNS(id=4242, qr=1, aa=1, rd=1, ra=1, qd=DNSQR(qname="spoof.fq.test"),
          an=DNSRR(rrname="spoof.fq.test", type="A", ttl=300, rdata="198.18.210.50"))
send(IP(src="10.78.0.2", dst="10.77.0.1") / UDP(sport=53, dport=40000) / ans, verbose=0)
PY
sleep 0.3
if connects 198.18.210.50; then fail "a spoofed answer taught its address"; fi
[ "$(counter fqdn_spoofed)" -gt "${spoofed_before:-0}" ] || fail "spoofed answer not counted"
ok "spoofed answer ignored and counted"

# 3b. A LAN client forges the answer to its own query (it knows the id and
# port) and sends it on its own link to the gateway: conntrack takes it for
# the reply, but an answer never comes back on the link its query came in
# on. The resolver's answers to these queries are dropped so that the
# forgery comes first; the genuine answer, from the WAN, still teaches.
forge() { in_a /usr/bin/python3 "$HERE/fqdn_forge.py" "$@"; }
gw_mac=$(in_b cat /sys/class/net/$DEV_B/address)
in_c nft -f - <<'NFT'
table inet wt_fqdn_forge {
	chain c {
		type filter hook input priority 0; udp sport 40001 udp dport 53 drop
	}
}
NFT
in_b nft -f - <<'NFT'
table inet wt_fqdn_forge {
	chain c {
		type filter hook output priority 0; udp sport 53 udp dport 40002 drop
	}
}
NFT
# forged RESOLVER PORT ID NAME ADDR: a query from PORT, then its forged
# answer with A = ADDR on the client's link; fails unless it taught
# nothing and was counted spoofed.
forged() {
	local before
	before=$(counter fqdn_spoofed)
	forge query "$1" "$2" "$3" "$4"
	sleep 0.3
	forge forge "$1" $IP_A "$2" "$3" "$4" "$5" $DEV_A "$gw_mac"
	sleep 0.3
	if connects "$5"; then fail "a LAN client's forged answer of $1 on its own link taught $5"; fi
	[ "$(counter fqdn_spoofed)" -gt "${before:-0}" ] || fail "the forged answer of $1 was not counted spoofed"
}
forged $RESOLVER 40001 4343 forged.fq.test 198.18.210.55
in_c /usr/bin/python3 "$HERE/fqdn_forge.py" answer $RESOLVER $IP_A 40001 4343 forged.fq.test 198.18.210.56
sleep 0.3
connects 198.18.210.56 || fail "the genuine answer from the WAN link, after a forgery, taught nothing"
# The same with the resolver on the gateway: its answers leave at the LAN
# link's tc egress, the forgery comes in at the LAN link's ingress.
forged $IP_B 40002 4344 forged2.fq.test 198.18.210.57
in_c nft delete table inet wt_fqdn_forge
in_b nft delete table inet wt_fqdn_forge
ok "a LAN client's forged answer on its own link teaches nothing (WAN and gateway resolver), counted; the genuine one still teaches"

# 4. CNAME: the question decides, not the chain.
in_a dig +short @$RESOLVER alias.other.test | grep -q 198.18.210.30 || fail "alias not resolved"
if connects 198.18.210.30; then fail "CNAME from a non-matching name taught its target"; fi
in_a dig +short @$RESOLVER www.other.test | grep -q 198.18.210.40 || fail "www.other.test not resolved"
if connects 198.18.210.40; then fail "a name of no set was allowed"; fi
ok "CNAME from a non-matching question and an unmatched name stay blocked"

# 5. 50 A records: EDNS over UDP (dig), and glibc without EDNS: a truncated
# UDP answer, then the same query over TCP.
[ "$(in_a dig +short @$RESOLVER big.fq.test | wc -l)" = 50 ] || fail "big: not 50 records"
n=0
for i in $(seq 1 50); do connects 198.18.220.$i && n=$((n + 1)); done
[ $n = 50 ] || fail "50-record answer: only $n of 50 addresses allowed"
# Without EDNS the resolver truncates (TC), and glibc retries over TCP.
in_a dig +noedns +ignore @$RESOLVER big2.fq.test | grep -q 'flags:.* tc' ||
	fail "the resolver does not truncate big2 without EDNS: the TCP retry is not tested"
client all big2.fq.test $PORT >"$TMP/big2.txt" 2>&1 || fail "big2: $(cat "$TMP/big2.txt")"
grep -q "^connected 50 of 50$" "$TMP/big2.txt" || fail "glibc truncated + TCP retry: $(cat "$TMP/big2.txt")"
ok "50 A records over UDP with EDNS, and truncated UDP + TCP retry: 50 of 50"

# 6. AAAA and DNS over TCP.
in_a dig +short AAAA @$RESOLVER v6.fq.test | grep -q 2001:db8:100::6 || fail "v6 not resolved"
connects 2001:db8:100::6 || fail "AAAA: learned address not allowed"
if connects 2001:db8:100::7; then fail "AAAA: an address not in the answer allowed"; fi
in_a dig +tcp +short @$RESOLVER tcp.fq.test | grep -q 198.18.210.10 || fail "tcp.fq.test not resolved over TCP"
connects 198.18.210.10 || fail "an answer over TCP taught nothing"
ok "AAAA and DNS over TCP learned"
in_a dig +short @$IP_B local.fq.test | grep -q 198.18.210.70 || fail "the gateway's own resolver does not answer"
connects 198.18.210.70 || fail "an answer of the gateway's own resolver (tc egress) taught nothing"
ok "an answer from a resolver on the gateway itself learned at egress"

# 7. Visible: wardctl fqdn list, /metrics, the flow log.
WARDCTL=$ROOT/build/wardctl
"$WARDCTL" -s "unix:$TMP/api.sock" fqdn list -o json >"$TMP/list.json" || fail "wardctl fqdn list failed"
/usr/bin/python3 - "$TMP/list.json" <<'PY' || fail "wardctl fqdn list -o json: $(head -c 400 "$TMP/list.json")"
import json, sys
d = json.load(open(sys.argv[1]))
s = [x for x in d["sets"] if x["name"] == "test"][0]
assert s["names"] == ["*.fq.test"], s["names"]
allowed = {a["address"]: a for a in s["allowed"]}
a = allowed["198.18.210.10"]
assert a["ttl"] == 300 and 0 < a["expires_in_s"] <= 302, a
assert "2001:db8:100::6" in allowed
assert "198.18.210.40" not in allowed and "198.18.210.30" not in allowed
assert s["addresses"] == len(s["allowed"]) and d["grace_s"] == 2
PY
"$WARDCTL" -s "unix:$TMP/api.sock" fqdn list | grep -q '^test  *198.18.210.10  *300s' ||
	fail "wardctl fqdn list (table): $("$WARDCTL" -s "unix:$TMP/api.sock" fqdn list | head -5)"
m=$(in_b /usr/bin/python3 "$ROOT/tests/e2e/metrics.py" http://127.0.0.1:9669/metrics) || fail "/metrics"
/usr/bin/python3 - "$m" $LOOPS <<'PY' || fail "fqdn metrics: $m"
import json, sys
m, n = json.loads(sys.argv[1]), int(sys.argv[2])
assert m["ward_fqdn_addresses{set=test}"] >= n + 100, m["ward_fqdn_addresses{set=test}"]
assert m["ward_fqdn_answers_total{result=parsed}"] >= n
assert m["ward_fqdn_answers_total{result=spoofed}"] >= 1
assert m["ward_fqdn_learned_total"] >= n + 100
PY
grep -q '"action":"fqdn-learn"},"dns":{"question":{"name":"tcp.fq.test"},"resolved_ip":\["198.18.210.10"\]}' "$TMP/flows.json" ||
	fail "no fqdn-learn line for tcp.fq.test in the flow log: $(grep -m2 fqdn-learn "$TMP/flows.json")"
if grep -q '"name":"alias.other.test"' "$TMP/flows.json"; then fail "an unmatched name was logged as learned"; fi
ok "wardctl fqdn list (table, json), ward_fqdn_* metrics and fqdn-learn flow log lines"

# 8. kill -9 between the answer and the connection; learning while dead;
# a restart keeps what was learned.
in_a dig +short @$RESOLVER kill1.fq.test | grep -q 198.18.210.21 || fail "kill1 not resolved"
kill -9 "$WARDD_PID"
wait "$WARDD_PID" 2>/dev/null || true
WARDD_PID=
connects 198.18.210.21 || fail "kill -9 after the answer: connection blocked"
in_a dig +short @$RESOLVER kill2.fq.test | grep -q 198.18.210.22 || fail "kill2 not resolved"
connects 198.18.210.22 || fail "learning stopped with wardd dead"
client race k%d.fq.test 200 $PORT >"$TMP/race2.txt" 2>"$TMP/race2.err" || true
grep -q "^failures 0 of 200$" "$TMP/race2.txt" || fail "race with wardd dead: $(cat "$TMP/race2.txt")"
wardd_start "$TMP/ward.yaml"
connects 198.18.210.21 && connects 198.18.210.22 || fail "restart dropped learned addresses"
if connects 198.18.210.40; then fail "restart: unmatched name allowed"; fi
ok "kill -9: learning went on without wardd (200 loops, 0 failures); restart kept it"

# 9. Reloads: the same sets keep what they learned; a set whose names
# changed starts empty (what it learned may no longer match).
wardd_signal HUP 'policy generation'
connects 198.18.210.21 || fail "a reload with the same sets dropped learned addresses"
sed -i 's/test: \["\*.fq.test"\]/test: ["*.fq.test", "extra.example"]/' "$TMP/ward.yaml"
wardd_signal HUP 'policy generation'
if connects 198.18.210.21; then fail "a set whose names changed kept its addresses"; fi
in_a dig +short @$RESOLVER kill1.fq.test | grep -q 198.18.210.21 || fail "kill1 not resolved"
connects 198.18.210.21 || fail "the changed set does not learn"
ok "reload: unchanged set kept its addresses; a changed set was emptied and learns again"

# 10. A reload without the set: its addresses leave the pinned map.
learned() { bpftool -j map dump pinned "$PIN/ward_fqdn_addrs" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
[ "$(learned)" -gt 0 ] || fail "nothing learned before the set is removed"
sed -i '/^fqdn_sets:/,/^fqdn:/{/^  test:/d}; /to_fqdn/d' "$TMP/ward.yaml"
wardd_signal HUP 'policy generation'
[ "$(learned)" = 0 ] || fail "a removed set's addresses stayed: $(learned)"
grep -q 'fqdn set test removed' "$TMP/wardd.log" || fail "the removal was not logged"
ok "reload without the set: its learned addresses dropped"
