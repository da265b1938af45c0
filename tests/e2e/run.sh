#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs every e2e test (root: they make network namespaces); the rules test
# once per attach mode.
set -u
cd "$(dirname "$0")"
pass=0 failed=0 errors=0 names=()

# Exit 1 is a verdict on ward (FAIL); exit 2 says the test's own tool did
# not work (ERROR, lib.sh's e2e_error): both fail the run, told apart.
run() {	# run NAME ENV... SCRIPT
	local name=$1 out rc=0
	shift
	out=$(env "$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
		echo "PASS $name"
		return
	fi
	if [ "$rc" -eq 2 ]; then
		errors=$((errors + 1))
		echo "ERROR $name (the test could not run its tools: no verdict on ward)"
	else
		failed=$((failed + 1))
		echo "FAIL $name"
	fi
	names+=("$name")
	echo "$out" | sed 's/^/    /'
}

for mode in xdp tc auto; do
	run "rules ($mode)" MODE=$mode bash ./test_rules.sh
done
for mode in xdp tc; do
	run "restart ($mode)" MODE=$mode bash ./test_restart.sh
	run "conntrack ($mode)" MODE=$mode bash ./test_conntrack.sh
	run "fqdn ($mode)" MODE=$mode bash ./test_fqdn.sh
	run "ct_linux ($mode)" MODE=$mode bash ./test_ct_linux.sh
done
# The spoofed-flood test, short (QUICK=1): each hook, family and kind once.
for combo in "xdp 4 udp" "xdp 6 syn" "tc 4 syn" "tc 6 udp"; do
	set -- $combo
	run "ct_flood ($1 ipv$2 $3)" QUICK=1 MODE=$1 FAMILY=$2 KIND=$3 bash ./test_ct_flood.sh
done
for t in test_*.sh; do
	case $t in test_rules.sh|test_restart.sh|test_conntrack.sh|test_fqdn.sh|test_ct_linux.sh|test_ct_flood.sh) continue ;; esac
	run "${t%.sh}" bash "./$t"
done
echo "e2e: $pass passed, $failed failed, $errors test errors"
[ "$failed" -eq 0 ] && [ "$errors" -eq 0 ]
