#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The gRPC API through wardctl against a real wardd (MODE: xdp or tc, tc by
# default): rule add then traffic blocked, delete then allowed; bad input
# refused with a message and nothing changed; validate with FILE:LINE;
# apply of a new file changes verdicts and keeps the API's rules, a SIGHUP
# too; ct list pages through 2,000 UDP flows with a cursor; ct flush; a
# Python client generated from ward.proto; locked mode refuses every
# mutation; exit 2 when wardd is not there or the socket is not ours.
. "$(dirname "$0")/lib.sh"
MODE=${MODE:-tc}
SOCK=$TMP/run/ward.sock
export WARD_API=unix:$SOCK


# ctl_fails CODE PATTERN ARGS...: wardctl must exit CODE and say PATTERN on stderr.
ctl_fails() {
	local code=$1 pat=$2 rc=0
	shift 2
	"$WARDCTL" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" = "$code" ] || fail "wardctl $*: exit $rc, expected $code: $(cat "$TMP/err")"
	grep -q -- "$pat" "$TMP/err" || fail "wardctl $*: no '$pat' in: $(cat "$TMP/err")"
}

gen() { ctl status -o json | json 'd["generation"]'; }
rule_names() { ctl rule list -o json | json '" ".join(r["name"] for r in d["rules"])'; }

policy() {	# $1: action of rule web (tcp 8080)
	cat <<EOF2
interfaces:
  - { match: $DEV_B, role: lan, mode: $MODE }
defaults:
  policy: accept
conntrack:
  timeouts: { udp: 300 }
metrics:
  listen: none
logs:
  path: none
rules:
  - name: ping
    proto: icmp
    icmp_type: echo-request
    action: accept
  - name: web
    in: lan
    proto: tcp
    port: 8080
    action: $1
EOF2
}

e2e_topology
policy accept >"$TMP/ward.yaml"
tcp_serve 8080
tcp_serve 8081
wardd_start "$TMP/ward.yaml" --api "unix:$SOCK"

[ "$(stat -c %a "$SOCK")" = 660 ] || fail "socket mode $(stat -c %a "$SOCK"), expected 660"
ctl status >"$TMP/status" || fail "wardctl status"
grep -q "$DEV_B" "$TMP/status" || fail "status does not list $DEV_B: $(cat "$TMP/status")"
[ "$(ctl status -o json | json 'd["interfaces"][0]["mode"]')" = "$MODE" ] ||
	fail "status -o json: mode is not $MODE"
ok "status over unix:$SOCK (mode 660): $DEV_B in $MODE, generation $(gen)"

# A client generated from ward.proto in another language.
mkdir -p "$TMP/py"
/usr/bin/python3 -m grpc_tools.protoc -I"$ROOT/api" --python_out="$TMP/py" \
	--grpc_python_out="$TMP/py" ward/v1/ward.proto || fail "grpc_tools.protoc on ward.proto"
/usr/bin/python3 "$ROOT/tests/e2e/api_client.py" "$SOCK" "$TMP/py" \
	--expect-rule ping --expect-rule web || fail "python client"

# rule add, then traffic blocked; delete, then allowed.
ping4 || fail "baseline ping"
tcp_ok 8081 || fail "baseline tcp 8081"
g=$(gen)
ctl rule add --name block-8081 --proto tcp --port 8081 --action drop >/dev/null ||
	fail "rule add block-8081"
[ "$(gen)" = $((g + 1)) ] || fail "rule add did not make one new generation"
if tcp_ok 8081; then fail "tcp 8081 passes after rule add --action drop"; fi
tcp_ok 8080 || fail "tcp 8080 dropped by a rule for 8081"
# At the end the rule cannot beat an accept above it: --before puts it there.
ctl rule add --name no-ping --proto icmp --icmp-type echo-request --src $IP_A \
	--action drop --before ping >/dev/null || fail "rule add --before ping"
if ping4; then fail "ping passes after a drop rule --before ping"; fi
ping6 || fail "IPv6 ping dropped by an IPv4 rule"
[ "$(rule_names)" = "no-ping ping web block-8081" ] || fail "rule order: $(rule_names)"
ctl rule list | grep -q "block-8081.*api" || fail "rule list does not mark API rules"
ok "rule add: tcp 8081 and ping blocked, --before placed no-ping first"

# Bad input: a message naming what is wrong, and nothing changes.
g=$(gen)
ctl_fails 1 "from: 10.77.0.1/8 has host bits set" \
	rule add --name bad --src 10.77.0.1/8 --action drop
ctl_fails 1 "a rule named ping exists" rule add --name ping --action drop
ctl_fails 1 "before: no rule named nosuch" rule add --name x --action drop --before nosuch
ctl_fails 1 "action: unknown action 'deny'" rule add --name x --action deny
ctl_fails 1 "in: unknown zone or interface 'wan'" rule add --name x --in wan --action drop
ctl_fails 1 "ping comes from $TMP/ward.yaml:" rule delete ping
ctl_fails 1 "no rule named nosuch" rule delete nosuch
[ "$(gen)" = "$g" ] || fail "refused calls changed the generation"
[ "$(rule_names)" = "no-ping ping web block-8081" ] || fail "refused calls changed the rules"
if ping4; then fail "ping passes after refused calls"; fi
ok "bad input refused (INVALID_ARGUMENT and friends), nothing changed"

ctl rule delete no-ping >/dev/null || fail "rule delete no-ping"
ping4 || fail "ping still dropped after rule delete"
ctl rule delete block-8081 >/dev/null || fail "rule delete block-8081"
tcp_ok 8081 || fail "tcp 8081 still dropped after rule delete"
ok "rule delete: ping and tcp 8081 pass again"

# validate: FILE:LINE: field: message, exit 1.
policy accept >"$TMP/bad.yaml"
line=$(grep -n 'action: accept' "$TMP/bad.yaml" | tail -n1 | cut -d: -f1)
sed -i "${line}s/action: accept/action: acept/" "$TMP/bad.yaml"
ctl_fails 1 "^$TMP/bad.yaml:$line: action: unknown action 'acept'" validate -f "$TMP/bad.yaml"
ctl validate -f "$TMP/ward.yaml" | grep -q ": ok, 2 rules" || fail "validate of a good file"
ctl validate -f "$TMP/ward.yaml" --print | grep -q "name: web" || fail "validate --print"
ok "validate: $TMP/bad.yaml:$line reported, exit 1; a good file passes"

# apply: the diff first, then the swap; the API's rules stay on top of it.
ctl rule add --name block-8081 --proto tcp --port 8081 --action drop >/dev/null ||
	fail "rule add before apply"
policy drop >"$TMP/ward2.yaml"
printf '  - { name: dns, proto: udp, port: 5353, action: accept }\n' >>"$TMP/ward2.yaml"
g=$(gen)
ctl apply -f "$TMP/ward2.yaml" --diff >"$TMP/diff" || fail "apply --diff"
grep -q '^~ web$' "$TMP/diff" && grep -q '^+ dns$' "$TMP/diff" &&
	grep -q 'not applied' "$TMP/diff" && [ "$(grep -c '^[-+~]' "$TMP/diff")" = 2 ] ||
	fail "apply --diff: $(cat "$TMP/diff")"
[ "$(gen)" = "$g" ] || fail "apply --diff changed the generation"
tcp_ok 8080 || fail "apply --diff changed a verdict"
ctl apply -f "$TMP/ward2.yaml" >"$TMP/diff" || fail "apply"
grep -q "generation $((g + 1)) live" "$TMP/diff" || fail "apply: $(cat "$TMP/diff")"
if tcp_ok 8080; then fail "tcp 8080 passes after applying a file that drops it"; fi
if tcp_ok 8081; then fail "apply lost the API's rule block-8081"; fi
[ "$(ctl status -o json | json 'd["policy_source"]')" = "$TMP/ward2.yaml" ] ||
	fail "status does not name the applied file"
ok "apply: diff shown first (~ web, + dns), then tcp 8080 dropped; API rule kept"

# The same policy again (only a comment added): nothing swapped.
g=$(gen)
{ echo "# the same rules"; cat "$TMP/ward2.yaml"; } >"$TMP/same.yaml"
ctl apply -f "$TMP/same.yaml" >"$TMP/diff" || fail "apply of the same policy"
grep -q "0 added, 0 removed, 0 changed, .*the same policy: generation $g stays live" "$TMP/diff" ||
	fail "apply of the same policy: $(cat "$TMP/diff")"
[ "$(gen)" = "$g" ] || fail "apply of the same policy bumped the generation to $(gen)"
[ "$(ctl status -o json | json 'd["policy_source"]')" = "$TMP/same.yaml" ] ||
	fail "status does not name the file applied last"
if tcp_ok 8080; then fail "apply of the same policy changed a verdict"; fi
ok "apply of the same policy: generation $g stays, the file is the live text"

cp "$TMP/ward2.yaml" "$TMP/bad2.yaml"
echo "  - { name: broken, proto: tcp, port: 99999, action: drop }" >>"$TMP/bad2.yaml"
line=$(wc -l <"$TMP/bad2.yaml")
g=$(gen)
ctl_fails 1 "^wardctl: $TMP/bad2.yaml:$line: port: 99999 is out of range" apply -f "$TMP/bad2.yaml"
[ "$(gen)" = "$g" ] || fail "a bad apply changed the generation"
if tcp_ok 8080; then fail "a bad apply changed a verdict"; fi
ok "apply of a bad file: FILE:LINE, exit 1, nothing changed"

# SIGHUP reads the file (-c) again; the API's rules stay: one policy.
wardd_signal HUP "policy generation $((g + 1)) live"
tcp_ok 8080 || fail "SIGHUP did not bring back $TMP/ward.yaml"
if tcp_ok 8081; then fail "SIGHUP lost the API's rule block-8081"; fi
[ "$(ctl rule clear)" = "1 rules removed; generation $((g + 2)) live" ] || fail "rule clear"
tcp_ok 8081 || fail "tcp 8081 dropped after rule clear"
ok "SIGHUP keeps the API's rules; rule clear removes them"

# ct list: 2,000 UDP flows, a page of at most 500 at a time.
in_a /usr/bin/python3 -c "
import socket
for i in range(2000):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('$IP_A', 30000 + i))
    s.sendto(b'x', ('$IP_B', 5353))
    s.close()
"
cursor= pages=0
: >"$TMP/flows"
while :; do
	ctl ct list --limit 500 ${cursor:+--cursor "$cursor"} -o json >"$TMP/page" ||
		fail "ct list --limit 500 (page $pages)"
	n=$(json 'len(d["flows"])' <"$TMP/page")
	[ "$n" -le 500 ] || fail "a page of --limit 500 held $n flows"
	json '"\n".join("%s %s %d %s %d" % (f["proto"], f["src"], f["sport"], f["dst"], f["dport"])
		for f in d["flows"])' <"$TMP/page" | sed '/^$/d' >>"$TMP/flows"
	cursor=$(json 'd["next_cursor"]' <"$TMP/page")
	pages=$((pages + 1))
	[ -n "$cursor" ] || break
	[ $pages -lt 100 ] || fail "ct list: no end after 100 pages"
done
udp=$(grep -c "^udp $IP_A [0-9]* $IP_B 5353$" "$TMP/flows" || true)
dups=$(sort "$TMP/flows" | uniq -d | wc -l)
[ "$udp" = 2000 ] || fail "ct list pages held $udp of the 2000 UDP flows"
[ "$dups" = 0 ] || fail "ct list pages repeated $dups flows"
[ $pages -ge 4 ] || fail "2000 flows in $pages pages of at most 500"
all=$(ctl ct list --page-size 128 -o json | json 'sum(f["dport"] == 5353 for f in d["flows"])')
[ "$all" = 2000 ] || fail "ct list (pages of 128) found $all UDP flows"
sel=$(ctl ct list --src $IP_A/32 --dst $IP_B -o json |
      json 'len([f for f in d["flows"] if f["src"] == "'$IP_A'" and f["dst"] == "'$IP_B'"]) == len(d["flows"]) and len(d["flows"])')
[ "$sel" -ge 2000 ] || fail "ct list --src --dst: $sel"
ctl ct list --limit 5 | grep -q '^more: wardctl ct list --cursor ' || fail "ct list --limit 5: no way on"
ok "ct list: 2000 UDP flows in $pages pages of <= 500, none twice; filters; table"

ctl ct flush | grep -q "flows flushed" || fail "ct flush"
left=$(ctl ct list -o json | json 'sum(f["dport"] == 5353 for f in d["flows"])')
[ "$left" = 0 ] || fail "ct flush left $left UDP flows"
ok "ct flush: the flow table is empty"

# Daemon gone: exit 2 and a hint; a socket left by a killed wardd too.
wardd_stop
ctl_fails 2 "is wardd running? it listens on unix:$SOCK" status
wardd_start "$TMP/ward.yaml" --api "unix:$SOCK"
kill -9 "$WARDD_PID"
wait "$WARDD_PID" 2>/dev/null || true
WARDD_PID=
[ -S "$SOCK" ] || fail "the killed wardd's socket is gone: no stale socket to test"
ctl_fails 2 "Connection refused; is wardd running?" rule list
ok "wardd stopped or killed: exit 2, 'is wardd running?'"

# Locked: every mutating call refused with PERMISSION_DENIED; reads served.
wardd_start "$TMP/ward.yaml" --api "unix:$SOCK" --api-locked
g=$(gen)
names=$(rule_names)
ctl_fails 1 "the API is locked" rule add --name x --action drop
ctl_fails 1 "the API is locked" rule delete web
ctl_fails 1 "the API is locked" rule clear
ctl_fails 1 "the API is locked" apply -f "$TMP/ward2.yaml"
ctl_fails 1 "the API is locked" ct flush
ctl apply -f "$TMP/ward2.yaml" --diff | grep -q 'not applied' || fail "locked: apply --diff refused"
[ "$(gen)" = "$g" ] || fail "locked: the generation moved"
[ "$(rule_names)" = "$names" ] || fail "locked: the rules changed"
tcp_ok 8080 || fail "locked: a verdict changed"
[ "$(ctl status -o json | json 'd["locked"]')" = True ] || fail "locked: status does not say so"
/usr/bin/python3 "$ROOT/tests/e2e/api_client.py" "$SOCK" "$TMP/py" --locked ||
	fail "python client, locked"
ok "locked: mutations refused with PERMISSION_DENIED, nothing changed"

# A socket we may not open: exit 2, and it says so (0660, root's).
chmod 711 "$TMP"
rc=0
setpriv --reuid=nobody --regid=nogroup --clear-groups "$WARDCTL" status >/dev/null \
	2>"$TMP/err" || rc=$?
chmod 700 "$TMP"
[ "$rc" = 2 ] || fail "as nobody: exit $rc, expected 2"
grep -q "permission denied on $SOCK" "$TMP/err" || fail "as nobody: $(cat "$TMP/err")"
ok "permission denied on the socket: exit 2, says so"
wardd_stop
