#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench/run.sh: the classifier micro-benchmark (build/ward_microbench),
# pinned to one CPU, RUNS times as separate processes; writes the merged
# tables to bench/results/micro-<date>.md and prints them.
#
#   ./bench/run.sh [ward_microbench options]
#   QUICK=1 ./bench/run.sh      quick mode (-q, one run, ~20 s): checks that
#                               every figure was produced, asserts no numbers
#   RUNS=3                      full runs to merge (default 3; QUICK: 1)
#   CPU=1                       the CPU to pin to (default 1, as the bench-kit)
#   BIN=path                    a prebuilt binary (default: make build/ward_microbench)
#
# With several runs a figure is the median of the runs' medians, and its
# range is that of the runs' medians; the ratio is the median of each run's
# own ratio (taken within one run, so slow periods of the VM cancel out).
set -eu
cd "$(dirname "$0")/.."

QUICK=${QUICK:-0}
CPU=${CPU:-1}
user_args="$*"
if [ "$QUICK" = 1 ]; then
	RUNS=1
	set -- -q "$@"
else
	RUNS=${RUNS:-3}
fi
case $RUNS in
''|*[!0-9]*|0) echo "run.sh: RUNS must be a positive number" >&2; exit 2 ;;
esac

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: BPF_PROG_TEST_RUN needs root" >&2
	exit 1
fi
if [ -z "${BIN:-}" ]; then
	BIN=build/ward_microbench
	make -s "$BIN"
fi

stamp=$(date -u +%Y%m%d-%H%M%S)
out=bench/results/micro-$stamp.md
if [ "$QUICK" = 1 ]; then
	out=bench/results/micro-$stamp-quick.md
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p bench/results

# What is measured is fixed now: a later `make` in this tree (by anyone)
# must not change the binary between runs, nor the record of it.
cp "$BIN" "$tmp/ward_microbench"
bin_sum=$(sha256sum "$tmp/ward_microbench" | cut -c1-16)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo uncommitted)
if [ "$commit" != uncommitted ] &&
   [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	commit="$commit (with uncommitted changes)"
fi
if [ "$commit" != uncommitted ] && [ -n "$(git status --porcelain -- bench 2>/dev/null)" ]; then
	commit="$commit; bench/ itself not committed"
fi

cmd="taskset -c $CPU $BIN $* -o RUN.md -t RUN.tsv"
for i in $(seq 1 "$RUNS"); do
	echo "run.sh: run $i of $RUNS: ${cmd//RUN/run$i}" >&2
	taskset -c "$CPU" "$tmp/ward_microbench" "$@" -o "$tmp/run$i.md" \
		-t "$tmp/run$i.tsv" >"$tmp/run$i.txt"
done

# Every figure must be there and be a number; the values are not judged.
check_figures() {
	awk -F'\t' '
	function num(s) { return s ~ /^-?[0-9]+(\.[0-9]+)?$/ }
	$1 == "dp" { n++; if (NF != 9 || $2 == "" || $3 == "") bad = bad "\n" $0
		for (i = 4; i <= 9; i++) if (!num($i)) bad = bad "\n" $0 }
	$1 == "cp" { m++; if (NF != 9) bad = bad "\n" $0
		for (i = 3; i <= 9; i++) if (!num($i)) bad = bad "\n" $0 }
	END {
		if (!n || !m) { print FILENAME ": no figures" > "/dev/stderr"; exit 1 }
		if (bad != "") { print FILENAME ": missing or non-numeric figures:" bad > "/dev/stderr"; exit 1 }
		print n " " m
	}' "$1"
}
shape=
for i in $(seq 1 "$RUNS"); do
	got=$(check_figures "$tmp/run$i.tsv")
	if [ -n "$shape" ] && [ "$got" != "$shape" ]; then
		echo "run.sh: run $i has $got rows, run 1 had $shape" >&2
		exit 1
	fi
	shape=$got
done

# Merges the runs' TSV files (see the header for what a figure is).
merge() {
	awk -F'\t' -v runs="$RUNS" '
	function sort(a, n,    i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
	}
	function med(a, n) {
		sort(a, n)
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	FNR == 1 { run++; row = 0; crow = 0 }
	$1 == "dp" {
		row++; nrows = row
		scen[row] = $2; nlab[row] = $3; shp[row] = $4; ref[row] = $9 + 1
		m[row, run] = $5; lo[row, run] = $6; hi[row, run] = $7; wall[row, run] = $8
		if (shp[row] != $4) shapes_differ = 1
		if (ref[row] != row) dep[ref[row]] = 1
	}
	$1 == "cp" {
		crow++; ncrows = crow
		pol[crow] = $2; cn[crow] = $3; ent[crow] = $4; cshp[crow] = $5
		for (k = 6; k <= 9; k++) cv[crow, k, run] = $k
	}
	END {
		print "| scenario | N rules | median ns | [min-max] | wall ns | shapes | ratio to first row [range] |"
		print "| --- | ---: | ---: | --- | ---: | ---: | --- |"
		for (r = 1; r <= nrows; r++) {
			for (i = 1; i <= runs; i++) { a[i] = m[r, i]; w[i] = wall[r, i] }
			mm = med(a, runs); mlo = a[1]; mhi = a[runs]; ww = med(w, runs)
			if (runs == 1) { mlo = lo[r, 1]; mhi = hi[r, 1] }
			ratio = "-"
			if (ref[r] != r || dep[r]) {
				for (i = 1; i <= runs; i++) q[i] = m[r, i] / m[ref[r], i]
				ratio = sprintf("%.2f", med(q, runs))
				if (runs > 1) ratio = ratio sprintf(" [%.2f-%.2f]", q[1], q[runs])
			}
			printf "| %s | %s | %.0f | [%.0f-%.0f] | %.1f | %s | %s |\n",
				scen[r], nlab[r], mm, mlo, mhi, ww, shp[r], ratio
		}
		print ""
		print "Control plane, ms (median of the runs): `compile_policy`; first `dp_commit` into"
		print "a fresh data plane; re-commit of the same policy (slot swap, old slot cleared)."
		print ""
		print "| policy | N rules | entries | shapes | compile ms | commit ms | re-commit ms | load ms |"
		print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
		for (r = 1; r <= ncrows; r++) {
			line = sprintf("| %s | %s | %s | %s |", pol[r], cn[r], ent[r], cshp[r])
			for (k = 6; k <= 9; k++) {
				for (i = 1; i <= runs; i++) a[i] = cv[r, k, i]
				line = line sprintf(" %.1f |", med(a, runs))
			}
			print line
		}
		if (shapes_differ)
			print "\nWARNING: the number of shapes differed between runs."
	}' "$@"
}

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
env_cmd="RUNS=$RUNS CPU=$CPU"
if [ "$QUICK" = 1 ]; then
	env_cmd="QUICK=1 CPU=$CPU"
fi
{
	echo "# ward classifier micro-benchmark"
	echo
	echo "- date: $started (start)"
	echo "- kernel: $(uname -r)"
	echo "- CPU: $cpu_model, $(nproc) online; pinned to CPU $CPU"
	echo "- commit: $commit"
	echo "- binary: $BIN, sha256 $bin_sum (it embeds the BPF object)"
	echo "- command: \`$env_cmd ./bench/run.sh${user_args:+ $user_args}\`, i.e. $RUNS x \`$cmd\`"
	if [ "$QUICK" = 1 ]; then
		echo "- QUICK mode: few runs per figure, for checking only; do not quote these numbers"
	fi
	echo
	if [ "$RUNS" -gt 1 ]; then
		echo "Data plane, ns per packet: median of $RUNS runs' medians [range of the runs' medians];"
		echo "each run's median is over its rounds of \`bpf_prog_test_run_opts\`; see the runs below."
	else
		echo "Data plane, ns per packet: median over rounds [min-max over rounds]."
	fi
	echo
	# shellcheck disable=SC2046
	merge $(seq -f "$tmp/run%g.tsv" 1 "$RUNS")
	for i in $(seq 1 "$RUNS"); do
		echo
		echo "## Run $i"
		echo
		cat "$tmp/run$i.md"
	done
} >"$out"

cat "$out"
echo >&2
echo "run.sh: wrote $out" >&2
