#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A rule's dry_run with a real wardd and real clients, in the hook MODE (xdp
# or tc; both, one after the other, when MODE is not set). Issue 14: trying
# a rule must never change a verdict.
# - policy drop, `wardctl rule add --dry-run` of a drop for tcp/22: nc to 22
#   still fails (IPv4 and IPv6), the flow log has a would-drop naming the
#   rule (and the policy's drop), ward_rule_packets_total{rule="try"} counts;
# - a dry-run drop added --before an accept: the service still answers, and
#   both rules count;
# - a dry-run reject: nothing is answered (the client times out as with any
#   drop), would-reject logged.
if [ -z "${MODE:-}" ]; then
	for m in xdp tc; do
		MODE=$m bash "$0" || exit $?	# 2 stays a test error
	done
	exit 0
fi
. "$(dirname "$0")/lib.sh"
export WARD_API=unix:$TMP/api.sock

e2e_topology
cat >"$TMP/ward.yaml" <<EOF2
interfaces:
  - { match: $DEV_B, role: lan, mode: $MODE }
defaults: { policy: drop, log: drops }
logs: { path: $TMP/flows.json }
metrics: { listen: "127.0.0.1:9669" }
rules:
  - { name: ping, proto: icmp, icmp_type: echo-request, action: accept }
  - { name: web, proto: tcp, port: 8080, action: accept }
EOF2
# Listeners behind every port: what closes one must be ward, not B's stack.
tcp_serve 22
tcp_serve 23
tcp_serve 8080
for i in $(seq 20); do tcp_ok 22 && tcp_ok 23 && break; sleep 0.1; done
tcp_ok 22 || fail "test: baseline tcp 22 to B fails without ward (nc in A, listener in B)"
tcp_ok 23 || fail "test: baseline tcp 23 to B fails without ward"
wardd_start "$TMP/ward.yaml"
ok "wardd up in mode $MODE"

gen() { ctl status -o json | json 'd["generation"]'; }
# metric NAME{labels}: its value on B's /metrics, 0 when absent.
metric() {
	in_b /usr/bin/python3 "$ROOT/tests/e2e/metrics.py" http://127.0.0.1:9669/metrics |
		json "d.get('$1', 0)" || fail "test: cannot scrape B's /metrics"
}
# flow_log PATTERN: wait up to 3 s for a flow log line matching PATTERN.
flow_log() {
	for i in $(seq 30); do
		grep -q -- "$1" "$TMP/flows.json" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

if tcp_ok 22; then fail "tcp 22 open under policy drop before any rule"; fi
tcp_ok 8080 || fail "tcp 8080 (rule web) closed"

# 1. The issue's case: a dry-run drop for a port the policy closes.
g=$(gen)
ctl rule add --name try --proto tcp --port 22 --action drop --dry-run >/dev/null ||
	fail "rule add --dry-run"
[ "$(gen)" = $((g + 1)) ] || fail "rule add did not make a new generation"
if tcp_ok 22; then fail "a dry-run drop rule opened tcp 22 (IPv4)"; fi
if tcp_ok 22 "$IP6_B"; then fail "a dry-run drop rule opened tcp 22 (IPv6)"; fi
flow_log '"action":"would-drop".*"rule":{"name":"try"}.*"port":22}' ||
	fail "no would-drop naming try in the flow log: $(tail -n3 "$TMP/flows.json" 2>/dev/null)"
grep -q '"action":"drop","reason":"policy"},"rule":{"name":"default"}.*"port":22}' \
	"$TMP/flows.json" || fail "the policy's drop of tcp 22 is not logged"
n=$(metric 'ward_rule_packets_total{rule=try}')
[ "${n%.*}" -ge 2 ] || fail "ward_rule_packets_total{rule=\"try\"} is $n after two connects"
ok "dry-run drop for tcp 22 under policy drop: still closed (v4, v6), would-drop logged, counted $n"

# 2. A dry-run drop before an accept: the accept still decides.
ctl rule add --name try-web --proto tcp --port 8080 --action drop --dry-run --before web \
	>/dev/null || fail "rule add --dry-run --before web"
w0=$(metric 'ward_rule_packets_total{rule=web}')
tcp_ok 8080 || fail "a dry-run drop before web closed tcp 8080"
flow_log '"action":"would-drop".*"rule":{"name":"try-web"}' ||
	fail "no would-drop naming try-web in the flow log"
n=$(metric 'ward_rule_packets_total{rule=try-web}')
w1=$(metric 'ward_rule_packets_total{rule=web}')
[ "${n%.*}" -ge 1 ] || fail "try-web not counted ($n)"
[ "${w1%.*}" -gt "${w0%.*}" ] || fail "web not counted ($w0 -> $w1)"
ok "dry-run drop before an accept: tcp 8080 still open, both rules counted"

# 3. A dry-run reject under policy drop: a drop, nothing answered.
ctl rule add --name try-rej --proto tcp --port 23 --action reject --dry-run >/dev/null ||
	fail "rule add --action reject --dry-run"
t0=$(date +%s%N)
rc=0
in_a nc -z -w2 $IP_B 23 >/dev/null 2>&1 || rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$rc" != 0 ] || fail "a dry-run reject rule opened tcp 23"
[ "$ms" -ge 1500 ] || fail "tcp 23 refused in $ms ms: the dry-run reject answered"
flow_log '"action":"would-reject".*"rule":{"name":"try-rej"}' ||
	fail "no would-reject naming try-rej in the flow log"
ok "dry-run reject under policy drop: dropped unanswered ($ms ms), would-reject logged"

# 4. The rule gone, nothing changed either.
ctl rule delete try >/dev/null || fail "rule delete try"
if tcp_ok 22; then fail "tcp 22 open after deleting the dry-run rule"; fi
ok "dry-run rules never changed a verdict in mode $MODE"
