#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs every e2e test (root: they make network namespaces); the rules test
# once per attach mode.
set -u
cd "$(dirname "$0")"
pass=0 failed=0 names=()

run() {	# run NAME ENV... SCRIPT
	local name=$1 out
	shift
	out=$(env "$@" 2>&1)
	if [ $? -eq 0 ]; then
		pass=$((pass + 1))
		echo "PASS $name"
	else
		failed=$((failed + 1))
		names+=("$name")
		echo "FAIL $name"
		echo "$out" | sed 's/^/    /'
	fi
}

for mode in xdp tc auto; do
	run "rules ($mode)" MODE=$mode bash ./test_rules.sh
done
for mode in xdp tc; do
	run "restart ($mode)" MODE=$mode bash ./test_restart.sh
	run "conntrack ($mode)" MODE=$mode bash ./test_conntrack.sh
	run "fqdn ($mode)" MODE=$mode bash ./test_fqdn.sh
done
for t in test_*.sh; do
	case $t in test_rules.sh|test_restart.sh|test_conntrack.sh|test_fqdn.sh) continue ;; esac
	run "${t%.sh}" bash "./$t"
done
echo "e2e: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
