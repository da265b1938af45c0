#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# wardctl apply and the rules added through the API, against a real wardd
# (MODE: xdp or tc, tc by default): apply -f keeps them on top of the file
# and its summary names them and the ways to drop them; apply --diff
# --replace shows their removal and changes nothing; apply --replace drops
# them in the same swap (a flow only they allowed is refused by nc again)
# and names them; a file that takes an API rule's name is refused with the
# way out (--replace) and taken with it; locked mode refuses --replace.
. "$(dirname "$0")/lib.sh"
MODE=${MODE:-tc}
SOCK=$TMP/run/ward.sock
export WARD_API=unix:$SOCK

# wardd_up ARGS: wardd in B with the test's pins, ready within 30 s (on a
# shared, loaded machine loading the BPF programs alone can take over the
# 5 s lib.sh's wardd_start waits).
wardd_up() {
	: >"$TMP/wardd.log"
	ip netns exec "$NS_B" "$WARDD" -d -p "$PIN" "$@" >>"$TMP/wardd.log" 2>&1 &
	WARDD_PID=$!
	timeout 30 tail -n +1 -f --pid="$WARDD_PID" "$TMP/wardd.log" | grep -q -m1 'ready:' ||
		fail "wardd not ready after 30 s, or exited"
}

gen() { ctl status -o json | json 'd["generation"]'; }
rule_names() { ctl rule list -o json | json '" ".join(r["name"] for r in d["rules"])'; }

# ctl_fails PATTERN ARGS...: wardctl must exit 1 and say PATTERN on stderr.
ctl_fails() {
	local pat=$1 rc=0
	shift
	"$WARDCTL" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" = 1 ] || fail "wardctl $*: exit $rc, expected 1: $(cat "$TMP/err")"
	grep -q -- "$pat" "$TMP/err" || fail "wardctl $*: no '$pat' in: $(cat "$TMP/err")"
}

# has FILE TEXT: the output FILE says TEXT (a fixed string).
has() { grep -qF -- "$2" "$1" || fail "no '$2' in: $(cat "$1")"; }
hasnt() { ! grep -qF -- "$2" "$1" || fail "'$2' in: $(cat "$1")"; }

policy() {	# $1: extra rules
	cat <<EOF2
interfaces: [{ match: $DEV_B, role: lan, mode: $MODE }]
defaults: { policy: drop }
metrics: { listen: none }
logs: { path: none }
rules:
  - { name: web, in: lan, proto: tcp, port: 8080, action: accept }
${1:-}
EOF2
}

e2e_topology
policy >"$TMP/ward.yaml"
policy "  - { name: dns, proto: udp, port: 53, action: accept }" >"$TMP/new.yaml"
tcp_serve 8080
tcp_serve 8081
wardd_up -c "$TMP/ward.yaml" --api "unix:$SOCK"

# The listeners and nc work, and only the API rule opens 8081.
tcp_ok 8080 || fail "tcp 8080 (rule web) does not pass: test setup broken"
if tcp_ok 8081; then fail "tcp 8081 passes before any rule allows it"; fi
ctl rule add --name extra --in lan --proto tcp --port 8081 --action accept >/dev/null ||
	fail "rule add extra"
tcp_ok 8081 || fail "tcp 8081 refused with rule extra added"
ok "rule extra (API) opens tcp 8081, which the file drops"

# apply -f: extra stays, and the summary says so and how to drop it.
g=$(gen)
ctl apply -f "$TMP/new.yaml" >"$TMP/apply" || fail "apply: $(cat "$TMP/apply")"
has "$TMP/apply" "+ dns"
has "$TMP/apply" "generation $((g + 1)) live"
has "$TMP/apply" "1 rule added with wardctl rule add kept on top of $TMP/new.yaml: extra"
has "$TMP/apply" "wardctl apply -f $TMP/new.yaml --replace"
has "$TMP/apply" "wardctl rule clear"
hasnt "$TMP/apply" "- extra"
[ "$(rule_names)" = "web dns extra" ] || fail "rules after apply: $(rule_names)"
tcp_ok 8081 || fail "apply lost rule extra: tcp 8081 refused"
ctl apply -f "$TMP/new.yaml" -o json >"$TMP/json" || fail "apply -o json"
[ "$(json 'd["kept"], d["dropped"], d["same_policy"]' <"$TMP/json")" = "['extra'] [] True" ] ||
	fail "apply -o json: $(cat "$TMP/json")"
ok "apply -f keeps extra on top, names it with --replace and rule clear; -o json kept: [extra]"

# apply --diff --replace: extra's removal shown, nothing changed.
g=$(gen)
ctl apply -f "$TMP/new.yaml" --diff --replace >"$TMP/diff" || fail "apply --diff --replace"
has "$TMP/diff" "- extra"
has "$TMP/diff" "0 added, 1 removed, 0 changed, 2 unchanged; not applied (--diff)"
has "$TMP/diff" "1 rule added with wardctl rule add would be dropped: extra"
has "$TMP/diff" "$TMP/new.yaml would be the whole policy"
hasnt "$TMP/diff" "kept"
ctl apply -f "$TMP/new.yaml" --diff --replace -o json >"$TMP/json" || fail "apply --diff --replace -o json"
[ "$(json 'd["applied"], d["removed"], d["kept"], d["dropped"]' <"$TMP/json")" = \
  "False ['extra'] [] ['extra']" ] || fail "apply --diff --replace -o json: $(cat "$TMP/json")"
[ "$(gen)" = "$g" ] || fail "apply --diff --replace moved the generation to $(gen)"
[ "$(rule_names)" = "web dns extra" ] || fail "apply --diff --replace changed the rules: $(rule_names)"
tcp_ok 8081 || fail "apply --diff --replace dropped rule extra: tcp 8081 refused"
ok "apply --diff --replace shows '- extra', changes nothing"

# apply --replace: the file is the whole policy, in one swap.
ctl apply -f "$TMP/new.yaml" --replace >"$TMP/apply" || fail "apply --replace: $(cat "$TMP/apply")"
has "$TMP/apply" "- extra"
has "$TMP/apply" "generation $((g + 1)) live"
has "$TMP/apply" "1 rule added with wardctl rule add dropped: extra"
has "$TMP/apply" "$TMP/new.yaml is the whole policy"
[ "$(gen)" = $((g + 1)) ] || fail "apply --replace: generation $(gen), expected one swap to $((g + 1))"
[ "$(rule_names)" = "web dns" ] || fail "rules after apply --replace: $(rule_names)"
tcp_ok 8080 || fail "apply --replace: tcp 8080 (rule web) refused"
if tcp_ok 8081; then fail "tcp 8081 passes after apply --replace dropped rule extra"; fi
ctl apply -f "$TMP/new.yaml" --replace -o json >"$TMP/json" || fail "apply --replace again"
[ "$(json 'd["kept"], d["dropped"], d["same_policy"]' <"$TMP/json")" = "[] [] True" ] ||
	fail "apply --replace with no API rules: $(cat "$TMP/json")"
ok "apply --replace drops extra in one swap (tcp 8081 refused again), names it as dropped"

# A file that takes an API rule's name: refused, pointing to --replace;
# taken with it.
ctl rule add --name dns2 --proto udp --port 5353 --action accept >/dev/null || fail "rule add dns2"
policy "  - { name: dns2, proto: tcp, port: 8081, action: accept }" >"$TMP/clash.yaml"
g=$(gen)
ctl_fails "has a rule of that name.*or apply with --replace" apply -f "$TMP/clash.yaml"
[ "$(gen)" = "$g" ] || fail "a refused apply moved the generation"
ctl apply -f "$TMP/clash.yaml" --replace >"$TMP/apply" || fail "apply --replace of the clash: $(cat "$TMP/apply")"
has "$TMP/apply" "1 rule added with wardctl rule add dropped: dns2"
[ "$(ctl rule list -o json | json '[r["origin"] for r in d["rules"] if r["name"] == "dns2"][0]')" = \
  "$TMP/clash.yaml:7" ] || fail "dns2 is not the file's after apply --replace: $(ctl rule list)"
tcp_ok 8081 || fail "the file's dns2 (tcp 8081) is not live"
ok "a file taking an API rule's name: refused with '--replace' as the way out, taken with it"

# Locked: --replace is a mutation like any apply.
wardd_stop
wardd_up -c "$TMP/ward.yaml" --api "unix:$SOCK" --api-locked
g=$(gen)
ctl_fails "the API is locked" apply -f "$TMP/new.yaml" --replace
ctl apply -f "$TMP/new.yaml" --diff --replace >"$TMP/diff" || fail "locked: apply --diff --replace refused"
has "$TMP/diff" "not applied (--diff)"
[ "$(gen)" = "$g" ] || fail "locked: the generation moved"
[ "$(rule_names)" = "web" ] || fail "locked: the rules changed: $(rule_names)"
ok "locked: apply --replace refused, --diff --replace served"
