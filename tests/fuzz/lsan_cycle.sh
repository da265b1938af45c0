#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tests/fuzz/lsan_cycle.sh: a wardd built with ASan+UBSan (make sanitize,
# WARDD=build-asan/wardd) goes through start, a reload that changes the
# policy, a reload that is refused (65 levels of nesting), and SIGTERM, in
# the namespaces of tests/e2e/lib.sh, enforcing on a real veth in XDP mode.
# Any AddressSanitizer, LeakSanitizer or UBSan report in its output fails
# the test, as does a policy that did not do what it said.
. "$(dirname "$0")/../e2e/lib.sh"
MODE=${MODE:-xdp}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

nm "$WARDD" 2>/dev/null | grep -q __asan_init ||
	fail "$WARDD is not built with ASan (make sanitize-build): test error"

e2e_topology
policy() {	# policy ACTION-FOR-PING
	cat >"$TMP/ward.yaml" <<EOF2
interfaces:
  - { match: $DEV_B, mode: $MODE }
defaults: { policy: accept }
rules:
  - { name: ping, proto: icmp, from: $IP_A, action: $1 }
EOF2
}

policy drop
wardd_start "$TMP/ward.yaml"
if ping4; then fail "denied ping got through"; fi
ok "ASan wardd started and enforces"

policy accept
kill -HUP "$WARDD_PID"
for i in $(seq 50); do ping4 && break; sleep 0.1; done
ping4 || fail "reload to accept did not let ping through"
ok "reload (SIGHUP) changed the policy"

{ printf 'rules: '; printf '[%.0s' $(seq 100000); } >"$TMP/ward.yaml"
wardd_signal HUP 'nesting deeper than 64'
ping4 || fail "a refused reload changed the policy"
ok "a reload of 100,000 nested [ was refused, policy kept"

kill -TERM "$WARDD_PID"
status=0
wait "$WARDD_PID" || status=$?
WARDD_PID=
if grep -E 'Sanitizer|runtime error:' "$TMP/wardd.log" >&2; then
	fail "sanitizer report from wardd (exit status $status)"
fi
[ "$status" -eq 0 ] || fail "wardd exited with status $status"
ok "SIGTERM: no leak, no sanitizer report"
