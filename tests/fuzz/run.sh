#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tests/fuzz/run.sh NAME...: replays tests/fuzz/corpus/NAME (the findings
# kept as regression cases), then fuzzes for FUZZ_SECONDS, for each NAME
# of config, api, dns, packet. Built by `make fuzz` (BUILD=build-fuzz).
#
# New inputs go to BUILD/fuzz-corpus/NAME (kept between runs), crashes to
# BUILD/fuzz-crash/. A crash, a leak or an input slower than 10 s fails
# the run; copy the input into tests/fuzz/corpus/NAME once it is fixed.
# dns and packet load BPF programs (root).
set -eu
cd "$(dirname "$0")/../.."

build=${BUILD:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
seeds=$build/fuzz-seeds
crash=$build/fuzz-crash
mkdir -p "$seeds" "$crash"
"$build/ward_fuzz_seeds" "$seeds"

fail=0
for name in "$@"; do
	bin=$build/fuzz_$name
	work=$build/fuzz-corpus/$name
	mkdir -p "$work" "tests/fuzz/corpus/$name"
	case $name in
	config) extra=(tests/config); max=65536 ;;
	*) extra=("$seeds/$name"); max=4096 ;;
	esac
	log=$build/fuzz-$name.log
	status=0
	"$bin" -max_total_time="$secs" -timeout=10 -max_len=$max -print_final_stats=1 \
		-artifact_prefix="$crash/$name-" \
		"$work" "tests/fuzz/corpus/$name" "${extra[@]}" >"$log" 2>&1 || status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1)
	if [ "$status" -ne 0 ]; then
		echo "fuzz $name: FAILED (status $status), see $log:"
		grep -E '^==[0-9]+==ERROR|SUMMARY|^[a-z]+: |Test unit written' "$log" | head -n 8
		fail=$((fail + 1))
	else
		echo "fuzz $name: ${runs:-0} inputs in ${secs}s, ${cov:-cov: ?} edges, no crash"
	fi
done
[ "$fail" -eq 0 ]
