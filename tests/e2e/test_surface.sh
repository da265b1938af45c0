#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The API's surfaces stay byte-identical across refactors: for the example
# policies (examples/demo.yaml and the tests/config/*.in a running wardd
# takes), what `wardctl rule list -o json`, `status -o json` (less what
# changes from run to run), `trace -o json`, `apply --diff -o json` and the
# normalized YAML of the policy with rules added over the API
# (`validate --print`) say, and the messages of refused requests, compared
# with tests/e2e/golden/. The mode is tc (the goldens name it); the XDP
# path shows nothing else here. GOLDEN_UPDATE=1 writes the golden files.
. "$(dirname "$0")/lib.sh"
MODE=tc
SOCK=$TMP/run/ward.sock
export WARD_API=unix:$SOCK
GOLDEN=$ROOT/tests/e2e/golden
OUT=$TMP/surface
mkdir -p "$OUT"

# What differs between runs: the test's temporary directory and ifindexes,
# flow and packet counts of the host's own traffic, the API's address.
scrub() {
	/usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
def walk(o):
	if isinstance(o, dict):
		for k in ("ifindex", "flows", "counters", "drops", "listen", "packets", "bytes",
			  "event_followers", "events_dropped", "max_flows", "version"):
			o.pop(k, None)
		for v in o.values():
			walk(v)
	elif isinstance(o, list):
		for v in o:
			walk(v)
walk(d)
print(json.dumps(d, indent=1, sort_keys=True))' | sed "s|$TMP|TMP|g"
}

# save NAME CMD...: run wardctl, keep its scrubbed JSON answer as NAME.
save() {
	local name=$1
	shift
	ctl "$@" >"$OUT/$name.raw" 2>"$OUT/$name.err" || fail "wardctl $*: $(cat "$OUT/$name.err")"
	if [ "${1:-}" = validate ]; then
		sed "s|$TMP|TMP|g" "$OUT/$name.raw" >"$OUT/$name"
	else
		scrub <"$OUT/$name.raw" >"$OUT/$name" || fail "wardctl $*: not JSON: $(cat "$OUT/$name.raw")"
	fi
}

base() {
	cat <<EOF2
interfaces: [{ match: $DEV_B, role: lan, mode: $MODE }]
defaults: { policy: drop }
metrics: { listen: none }
logs: { path: none }
rules:
  - { name: ping, proto: icmp, icmp_type: echo-request, action: accept }
  - { name: web, in: lan, proto: tcp, port: [8080, "9000-9010"], action: accept }
EOF2
}

e2e_topology
base >"$TMP/ward.yaml"
wardd_start "$TMP/ward.yaml" --api "unix:$SOCK"
cd "$ROOT"

# The file's policy, then rules added over the API, in every form the
# request can take, and the YAML they become merged with the file.
save base-rules.json rule list -o json
save base-status.json status -o json
ctl rule add --name api-drop --src 10.77.0.0/24 --dst $IP_B --proto tcp --port 8081 \
	--sport 1000-2000 --action drop --log >/dev/null || fail "rule add api-drop"
ctl rule add --name api-first --before web --in lan --proto udp --port 53 --port 5353 \
	--action accept --dry-run >/dev/null || fail "rule add api-first"
ctl rule add --name api-v6 --family ipv6 --proto icmpv6 --icmp-type echo-request \
	--rate 10/s --action reject >/dev/null || fail "rule add api-v6"
ctl rule add --name api:x/y.z --src fd77::/64 --action accept >/dev/null ||
	fail "rule add api:x/y.z"
# Refused requests: the messages are a surface too.
refused() {
	local name=$1 rc=0
	shift
	ctl "$@" >/dev/null 2>"$OUT/$name.raw" || rc=$?
	[ "$rc" != 0 ] || fail "wardctl $*: accepted"
	{ sed "s|$TMP|TMP|g" "$OUT/$name.raw"; echo "exit $rc"; } >"$OUT/$name"
}
refused refused-name.txt rule add --name 'api "quoted": x' --action accept
refused refused-dup.txt rule add --name web --action accept
refused refused-before.txt rule add --name x --before nosuch --action accept
refused refused-zone.txt rule add --name x --in nosuch --action accept
refused refused-port.txt rule add --name x --proto tcp --port 99999 --action accept
refused refused-delete.txt rule delete web
save api-rules.json rule list -o json
save api-status.json status -o json
save api-merged.yaml validate -f "$TMP/ward.yaml" --print
for t in "--in lan --src $IP_A --dst $IP_B --proto tcp --dport 8081 --sport 1500" \
	 "--in lan --src $IP_A --dst $IP_B --proto udp --dport 53" \
	 "--in lan --src $IP_A --dst $IP_B --proto tcp --dport 9005" \
	 "--src $IP6_A --dst $IP6_B --proto icmpv6 --icmp-type echo-request" \
	 "--in lan --src 192.0.2.1 --dst $IP_B --proto tcp --dport 22"; do
	n=$((${n:-0} + 1))
	# shellcheck disable=SC2086
	save trace-$n.json trace $t -o json
done
ctl rule delete api-first >/dev/null || fail "rule delete api-first"
save api-deleted.json rule list -o json

# Each example policy: the diff from what is live, then applied (it keeps
# the API's rules), then its rules and status. A fixed list, in order: each
# diff depends on the policy before it, so a config test added later must
# not shift the sequence the goldens were recorded with.
for f in examples/demo.yaml tests/config/0[1-8].in tests/config/80-nat.in \
	 tests/config/90-reject.in; do
	case $f in */fail*) continue ;; esac
	n=$(basename "$f" | sed 's/\.[a-z]*$//')
	if ! ctl apply -f "$f" --diff -o json >"$OUT/x" 2>&1; then
		echo "skip: $f is not a policy wardd takes here: $(head -c 200 "$OUT/x")"
		continue
	fi
	save "$n-diff.json" apply -f "$f" --diff -o json
	save "$n-apply.json" apply -f "$f" -o json
	save "$n-rules.json" rule list -o json
	save "$n-status.json" status -o json
done
ctl rule clear >/dev/null || fail "rule clear"
save cleared-rules.json rule list -o json

if [ "${GOLDEN_UPDATE:-}" = 1 ]; then
	rm -rf "$GOLDEN"
	mkdir -p "$GOLDEN"
	for f in "$OUT"/*; do
		case $f in *.raw|*.err|*/x) continue ;; esac
		cp "$f" "$GOLDEN/"
	done
	ok "golden files written to $GOLDEN ($(ls "$GOLDEN" | wc -l))"
	exit 0
fi
[ -d "$GOLDEN" ] || fail "no $GOLDEN: run with GOLDEN_UPDATE=1 on a known-good build"
for g in "$GOLDEN"/*; do
	[ -f "$OUT/$(basename "$g")" ] || fail "$(basename "$g"): not produced this run"
	diff -u "$g" "$OUT/$(basename "$g")" >&2 || fail "$(basename "$g") differs from the golden"
done
ok "$(ls "$GOLDEN" | wc -l) surfaces byte-identical to tests/e2e/golden ($MODE)"
