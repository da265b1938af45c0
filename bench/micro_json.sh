#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench/micro_json.sh: one ward_microbench run into bench/results/micro.json
# (what `make bench-micro` runs), compared with the run before it.
#
#   [BUILD=build] [CPU=1] [MICRO_ARGS="-q -M 0"] ./bench/micro_json.sh
#
# micro.json: {"date", "kernel", "commit", "args", "cases": {CASE: ns}},
# CASE is the scenario and, where it has one, "/N" its rule count; ns is the
# kernel-reported ns per packet, the median over the rounds. A copy goes to
# bench/results/micro-history/DATE-COMMIT.json; `bench/report.sh -m` plots
# that history. The previous micro.json is compared case by case on stdout.
# Figures are the machine's of the moment (a shared VM): compare runs of one
# sitting, and read a difference under ~5 % as noise.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
OUT=${OUT:-$ROOT/bench/results}
CPU=${CPU:-1}
MICRO_ARGS=${MICRO_ARGS:-"-q -M 0"}
JSON=$OUT/micro.json
mkdir -p "$OUT/micro-history"
tsv=$(mktemp)
trap 'rm -f "$tsv" "$JSON.new"' EXIT

eval "set -- $MICRO_ARGS"	# quoted words stay whole: -c \"no match\"
taskset -c "$CPU" "$BUILD/ward_microbench" "$@" -t "$tsv" >/dev/null
commit=$(git -C "$ROOT" rev-parse --short HEAD)
git -C "$ROOT" diff --quiet HEAD -- bpf include src bench || commit="$commit-dirty"
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
awk -F'\t' -v date="$date" -v kernel="$(uname -r)" -v commit="$commit" \
	-v args="$MICRO_ARGS" '
	function q(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
	BEGIN { printf "{\n  \"date\": %s,\n  \"kernel\": %s,\n  \"commit\": %s,\n  \"args\": %s,\n  \"cases\": {", q(date), q(kernel), q(commit), q(args) }
	$1 == "dp" { name = $3 == "-" ? $2 : $2 "/" $3
		printf "%s\n    %s: %s", n++ ? "," : "", q(name), $5 + 0 }
	END { print "\n  }\n}" }' "$tsv" >"$JSON.new"
jq -e '.cases | length > 0' "$JSON.new" >/dev/null ||
	{ echo "micro_json.sh: no figures in the run" >&2; exit 1; }

if [ -f "$JSON" ]; then
	echo "# ns/packet: $(jq -r '"\(.commit) (\(.date))"' "$JSON") -> $commit ($date)"
	jq -r --slurpfile new "$JSON.new" '
		.cases as $old | $new[0].cases | to_entries[] |
		[.key, ($old[.key] // "-"), .value,
		 (if $old[.key] then ((.value - $old[.key]) * 100 / $old[.key] | floor | tostring) + " %"
		  else "new" end)] | @tsv' "$JSON" | column -t -s "$(printf '\t')"
fi
mv "$JSON.new" "$JSON"
cp "$JSON" "$OUT/micro-history/$(date -u +%Y%m%d-%H%M%S)-$commit.json"
echo "micro_json.sh: wrote $JSON"
