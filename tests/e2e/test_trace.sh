#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# wardctl trace: for a table of flows (zones, ports and port ranges, tcp,
# udp, icmp, IPv4 and IPv6, a dry-run rule, the default policy), what trace
# says is what real traffic from namespace A meets: the same verdict (the
# flow gets through or not) and the same deciding rule (its counter, or the
# policy drop counter, moves). Tracing opens no flow and moves no counter.
# Bad input is refused with a message. MODE: xdp or tc (tc by default).
. "$(dirname "$0")/lib.sh"
MODE=${MODE:-tc}
SOCK=$TMP/run/ward.sock
export WARD_API=unix:$SOCK

cat >"$TMP/ward.yaml" <<EOF2
interfaces:
  - { match: $DEV_B, role: lan, mode: $MODE }
  - { match: "wt-nowan*", role: wan }
defaults:
  policy: drop
metrics:
  listen: none
logs:
  path: none
rules:
  - name: ping4
    family: ipv4
    proto: icmp
    icmp_type: echo-request
    action: accept
  - name: ping6
    from: fd77::/64
    proto: icmpv6
    icmp_type: echo-request
    action: accept
  - name: block-a
    from: $IP_A
    proto: tcp
    port: 9005
    action: drop
  - name: web
    in: lan
    proto: tcp
    port: [8080, "9000-9010"]
    action: accept
  - name: web-wan
    in: wan
    proto: tcp
    port: 8081
    action: accept
  - name: dns
    proto: udp
    port: 53
    action: accept
  - name: try
    proto: tcp
    port: 7000
    action: drop
    dry_run: true
  - name: v6-web
    to: $IP6_B
    proto: tcp
    port: 8443
    action: accept
  - name: no-telnet
    proto: tcp
    port: 2323
    action: reject
  - name: limited
    proto: tcp
    port: 8088
    rate: 50/s
    action: accept
EOF2

e2e_topology
for p in 8080 9003 9005 8081 7000 8443 2323 8088; do tcp_serve $p; done
udp_serve 53
udp_serve 54
wardd_start "$TMP/ward.yaml" --api "unix:$SOCK"

# rule_hits NAME: packets the rule decided so far; "default": policy drops.
rule_hits() {
	if [ "$1" = default ]; then
		ctl status -o json | json 'd["drops"]["policy"]'
	else
		ctl rule list -o json | json "sum(r['packets'] for t in d['rules'] for r in [t] + t.get('rules', []) if r['name'] == '$1')"
	fi
}

# case WANT_RULE WANT_VERDICT PROBE -- TRACE ARGS: trace, then the real thing.
n=0
case_() {
	local want_rule=$1 want=$2 probe=$3 got rule verdict before after reached
	shift 4
	ctl trace "$@" -o json >"$TMP/trace.json" || fail "trace $*: $(cat "$TMP/trace.json")"
	rule=$(json 'd["rule"] or "default"' <"$TMP/trace.json")
	verdict=$(json 'd["verdict"]' <"$TMP/trace.json")
	[ "$rule" = "$want_rule" ] && [ "$verdict" = "$want" ] ||
		fail "trace $*: $rule $verdict, expected $want_rule $want"
	before=$(rule_hits "$rule")
	reached=drop
	if eval "$probe"; then reached=pass; fi
	after=$(rule_hits "$rule")
	# reject: not delivered either (the client is told at once).
	[ "$reached" = "$verdict" ] || { [ "$verdict" = reject ] && [ "$reached" = drop ]; } ||
		fail "trace $* says $verdict by $rule, but real traffic ($probe): $reached"
	[ "$after" -gt "$before" ] ||
		fail "trace $* says $rule decides, but its counter stayed at $after after $probe"
	n=$((n + 1))
	ok "trace $*: $rule -> $verdict; $probe agrees ($rule $before -> $after)"
}

case_ ping4 pass ping4 -- --in lan --src $IP_A --dst $IP_B --proto icmp
case_ ping6 pass ping6 -- --in lan --src $IP6_A --dst $IP6_B --proto icmpv6 --icmp-type echo-request
case_ web pass "tcp_ok 8080" -- --in lan --src $IP_A --dst $IP_B --dport 8080
case_ web pass "tcp_ok 9003" -- --in $DEV_B --src $IP_A --dst $IP_B --proto tcp --dport 9003
case_ block-a drop "tcp_ok 9005" -- --in lan --src $IP_A --dst $IP_B --proto tcp --dport 9005
case_ default drop "tcp_ok 8081" -- --in lan --src $IP_A --dst $IP_B --proto tcp --dport 8081
case_ dns pass "udp_ok 53" -- --in lan --src $IP_A --dst $IP_B --proto udp --dport 53
case_ default drop "udp_ok 54" -- --in lan --src $IP_A --dst $IP_B --proto udp --dport 54
# try is a dry-run drop: it never decides, the policy (drop) does.
case_ default drop "tcp_ok 7000" -- --in lan --src $IP_A --dst $IP_B --proto tcp --dport 7000
case_ v6-web pass "tcp_ok 8443 $IP6_B" -- --in lan --src $IP6_A --dst $IP6_B --proto tcp --dport 8443
case_ default drop "tcp_ok 8081 $IP6_B" -- --in lan --src $IP6_A --dst $IP6_B --proto tcp --dport 8081
case_ no-telnet reject "tcp_ok 2323" -- --in lan --src $IP_A --dst $IP_B --dport 2323
case_ limited pass "tcp_ok 8088" -- --in lan --src $IP_A --dst $IP_B --dport 8088
ok "$n cases: trace agrees with real traffic, verdict and deciding rule"

# Trace only: a zone no link has (the rules' zone id), and a dry-run rule.
ctl trace --in wan --src 192.0.2.1 --dst $IP_B --dport 8081 -o json >"$TMP/t.json"
[ "$(json 'd["rule"], d["zone"], d["verdict"]' <"$TMP/t.json")" = "web-wan wan pass" ] ||
	fail "trace --in wan: $(cat "$TMP/t.json")"
ctl trace --in lan --src $IP_A --dst $IP_B --dport 7000 -o json >"$TMP/t.json"
[ "$(json '" ".join([str(d["dry_run"]), d["rule"] or "default"] + ["%s/%s/%s" % (x["rule"], x["event"], x["log"]) for x in d["dry_run_rules"]])' <"$TMP/t.json")" = \
  "False default try/would-drop/True" ] ||
	fail "trace of the dry-run rule try: $(cat "$TMP/t.json")"
ctl trace --in lan --src $IP_A --dst $IP_B --dport 7000 >"$TMP/t.txt"
grep -q "^default policy: drop" "$TMP/t.txt" &&
	grep -q "^dry-run rule try: drop, counts it and logs would-drop (decides nothing)" "$TMP/t.txt" ||
	fail "trace (text) of a dry-run rule: $(cat "$TMP/t.txt")"
ctl trace --src $IP6_A --dst $IP6_B --proto icmpv6 --icmp-type neighbor-solicitation | grep -q "neighbour discovery" ||
	fail "trace of neighbour discovery"
[ "$(ctl trace --in lan --src $IP_A --dst $IP_B --dport 8088 -o json | json 'd["rate"]')" = 50 ] ||
	fail "trace of rule limited: no rate 50"
ok "trace: zone without a link, dry-run, neighbour discovery, a rule's rate"

# Tracing changes nothing: no flow, no counter.
flows=$(ctl status -o json | json 'd["flows"]')
hits=$(rule_hits web)
pol=$(rule_hits default)
for i in $(seq 20); do
	ctl trace --in lan --src 10.77.0.99 --dst $IP_B --dport 8080 >/dev/null
	ctl trace --in lan --src 10.77.0.99 --dst $IP_B --dport 1 >/dev/null
done
[ "$(ctl status -o json | json 'd["flows"]')" = "$flows" ] || fail "trace opened flows"
[ "$(rule_hits web)" = "$hits" ] && [ "$(rule_hits default)" = "$pol" ] || fail "trace moved counters"
ok "40 traces: no flow opened, no counter moved"

# Bad input: exit 1, the field named.
ctl_fails() {
	local pat=$1 rc=0
	shift
	ctl "$@" >/dev/null 2>"$TMP/err" || rc=$?
	[ "$rc" = 1 ] && grep -q -- "$pat" "$TMP/err" || fail "wardctl $*: exit $rc: $(cat "$TMP/err")"
}
ctl_fails "in: no zone or interface named dmz" trace --in dmz --src $IP_A --dst $IP_B --dport 80
ctl_fails "src: '10.0.0.0/8' is not an IPv4 or IPv6 address (a flow has one address" trace --src 10.0.0.0/8 --dst $IP_B --dport 80
ctl_fails "dst: fd77::2 is IPv6 but src" trace --src $IP_A --dst $IP6_B --dport 80
ctl_fails "dport: missing" trace --src $IP_A --dst $IP_B --proto udp
ctl_fails "icmp_type: 'echo' is not an ICMP type" trace --src $IP_A --dst $IP_B --proto icmp --icmp-type echo
ctl_fails "trace --dport 70000: expected a count from 0 to 65535" trace --src $IP_A --dst $IP_B --dport 70000
ok "trace: bad input refused, the field named"
