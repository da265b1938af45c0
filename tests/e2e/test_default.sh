#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# With no file, wardd runs the embedded default: every interface but lo, in
# dry-run with policy drop. Traffic passes, and what would be dropped is counted.
. "$(dirname "$0")/lib.sh"

e2e_topology
http_serve 8080
wardd_start -
grep -q "$DEV_B: attached" "$TMP/wardd.log" || fail "default did not attach to $DEV_B"
if grep -q 'lo: attached' "$TMP/wardd.log"; then fail "attached to loopback"; fi
before=$(counter would_drop)
ping4 || fail "dry-run dropped a ping"
ping6 || fail "dry-run dropped an IPv6 ping"
http_ok 8080 || fail "dry-run dropped HTTP"
after=$(counter would_drop)
[ "$after" -gt "$before" ] || fail "would-drop not counted ($before -> $after)"
[ "$(counter policy)" = 0 ] || fail "dry-run counted a real drop"
ok "embedded default: dry-run passes traffic, counts $((after - before)) would-drops"
wardd_stop
