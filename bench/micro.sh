#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench/micro.sh: the data-plane micro-benchmark (ward_microbench), pinned
# to one CPU, RUNS times as separate processes; merges the runs into
# $OUT/micro.md and $OUT/micro.tsv.
#
#   OUT=dir BIN=path/to/ward_microbench [QUICK=1] [RUNS=3] [CPU=1] \
#       ./bench/micro.sh [ward_microbench options]
#
# With several runs a figure is the median of the runs' medians, and its
# range is that of the runs' medians; the ratio is the median of each run's
# own ratio (taken within one run, so slow periods of the VM cancel out).
# The merged micro.tsv has the same rows as one run's, medians in place.
set -eu
cd "$(dirname "$0")/.."

QUICK=${QUICK:-0}
CPU=${CPU:-1}
OUT=${OUT:?OUT must name the results directory}
BIN=${BIN:?BIN must name ward_microbench}
if [ "$QUICK" = 1 ]; then
	RUNS=1
	set -- -q "$@"
else
	RUNS=${RUNS:-3}
fi
case $RUNS in
''|*[!0-9]*|0) echo "micro.sh: RUNS must be a positive number" >&2; exit 2 ;;
esac
mkdir -p "$OUT"

# The control plane after a daemon restart over pinned maps: the first
# commit must find what the last daemon left in the classifier.
if [ "$QUICK" = 1 ]; then
	RESTART_NS=${RESTART_NS:-1000}
else
	RESTART_NS=${RESTART_NS:-1000,10000,100000}
fi

for i in $(seq 1 "$RUNS"); do
	echo "micro.sh: run $i of $RUNS: taskset -c $CPU ward_microbench $* -o micro-run$i.md -t micro-run$i.tsv" >&2
	taskset -c "$CPU" "$BIN" "$@" -o "$OUT/micro-run$i.md" -t "$OUT/micro-run$i.tsv" \
		>"$OUT/micro-run$i.txt"
	echo "micro.sh: run $i of $RUNS: taskset -c $CPU ward_microbench -R $RESTART_NS -t restart-run$i.tsv" >&2
	taskset -c "$CPU" "$BIN" -R "$RESTART_NS" -t "$OUT/restart-run$i.tsv" >/dev/null
	cat "$OUT/restart-run$i.tsv" >>"$OUT/micro-run$i.tsv"
done

# Merges the runs' TSV files (see the header for what a figure is).
awk -F'\t' -v runs="$RUNS" -v md="$OUT/micro.md" -v tsv="$OUT/micro.tsv" '
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
FNR == 1 { run++; row = 0; crow = 0; mrow = 0; rrow = 0 }
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
$1 == "mem" {
	mrow = 1; mflows = $2; mmax = $3
	for (k = 4; k <= 7; k++) mv[k, run] = $k
}
$1 == "rs" {
	rrow++; nrs = rrow; rsn[rrow] = $2
	for (k = 3; k <= 5; k++) rv[rrow, k, run] = $k
}
END {
	print "| scenario | N rules | median ns | [range] | wall ns | shapes | ratio to first row [range] |" > md
	print "| --- | ---: | ---: | --- | ---: | ---: | --- |" > md
	for (r = 1; r <= nrows; r++) {
		for (i = 1; i <= runs; i++) { a[i] = m[r, i]; w[i] = wall[r, i] }
		mm = med(a, runs); mlo = a[1]; mhi = a[runs]; ww = med(w, runs)
		if (runs == 1) { mlo = lo[r, 1]; mhi = hi[r, 1] }
		ratio = "-"; rr = ""
		if (ref[r] != r || dep[r]) {
			for (i = 1; i <= runs; i++) q[i] = m[r, i] / m[ref[r], i]
			rr = med(q, runs)
			ratio = sprintf("%.2f", rr)
			if (runs > 1) ratio = ratio sprintf(" [%.2f-%.2f]", q[1], q[runs])
		}
		printf "| %s | %s | %.0f | [%.0f-%.0f] | %.1f | %s | %s |\n",
			scen[r], nlab[r], mm, mlo, mhi, ww, shp[r], ratio > md
		printf "dp\t%s\t%s\t%s\t%.1f\t%.1f\t%.1f\t%.2f\t%d\n", scen[r], nlab[r], shp[r],
			mm, mlo, mhi, ww, ref[r] - 1 > tsv
	}
	print "" > md
	print "Control plane, ms (median of the runs): `compile_policy`; first `dp_commit` into" > md
	print "a fresh data plane; re-commit of the same policy (slot swap, old slot cleared);" > md
	print "`dp_open` (object load and verification)." > md
	print "" > md
	print "| policy | N rules | entries | shapes | compile ms | commit ms | re-commit ms | load ms |" > md
	print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" > md
	for (r = 1; r <= ncrows; r++) {
		line = sprintf("| %s | %s | %s | %s |", pol[r], cn[r], ent[r], cshp[r])
		tline = sprintf("cp\t%s\t%s\t%s\t%s", pol[r], cn[r], ent[r], cshp[r])
		for (k = 6; k <= 9; k++) {
			for (i = 1; i <= runs; i++) a[i] = cv[r, k, i]
			v = med(a, runs)
			line = line sprintf(" %.1f |", v)
			tline = tline sprintf("\t%.1f", v)
		}
		print line > md
		print tline > tsv
	}
	if (nrs) {
		print "" > md
		print "After a daemon restart over its pinned maps (`ward_microbench -R`, blocklists),"  > md
		print "ms, median of the runs: commit into fresh maps, the first commit of the restarted" > md
		print "data plane (which must find and clear what the last one left), the next one." > md
		print "" > md
		print "| N rules | fresh commit ms | first commit after restart ms | next commit ms |" > md
		print "| ---: | ---: | ---: | ---: |" > md
		for (r = 1; r <= nrs; r++) {
			line = sprintf("| %s |", rsn[r]); tline = sprintf("rs\t%s", rsn[r])
			for (k = 3; k <= 5; k++) {
				for (i = 1; i <= runs; i++) a[i] = rv[r, k, i]
				v = med(a, runs)
				line = line sprintf(" %.1f |", v); tline = tline sprintf("\t%.1f", v)
			}
			print line > md
			print tline > tsv
		}
	}
	if (mrow) {
		for (k = 4; k <= 7; k++) {
			for (i = 1; i <= runs; i++) a[i] = mv[k, i]
			mvm[k] = med(a, runs); mlo2[k] = a[1]; mhi2[k] = a[runs]
		}
		print "" > md
		printf "Flow table memory: %d flows in a table of %d, filled with `bpf_map_update_batch`,\n", mflows, mmax > md
		print "median of the fills [range]. memlock: the map fdinfo (the kernel'"'"'s own accounting);" > md
		print "slab: growth of the slab objects in use (/proc/slabinfo) over the fill, what the" > md
		print "allocator really handed out; table total: the empty table (buckets) plus that." > md
		print "" > md
		print "| flows | memlock empty MiB | memlock full MiB | slab objects MiB [range] | B per flow (slab) | B per flow (memlock) | table total MiB |" > md
		print "| ---: | ---: | ---: | --- | ---: | ---: | ---: |" > md
		printf "| %d | %.1f | %.1f | %.1f [%.1f-%.1f] | %.0f | %.0f | %.1f |\n", mflows,
			mvm[4] / 1048576, mvm[5] / 1048576, mvm[6] / 1048576, mlo2[6] / 1048576,
			mhi2[6] / 1048576, mvm[6] / mflows, (mvm[5] - mvm[4]) / mflows,
			(mvm[4] + mvm[6]) / 1048576 > md
		printf "mem\t%d\t%d\t%.0f\t%.0f\t%.0f\t%.1f\n", mflows, mmax, mvm[4], mvm[5],
			mvm[6], mvm[7] > tsv
	}
	if (shapes_differ)
		print "\nWARNING: the number of shapes differed between runs." > md
}' $(seq -f "$OUT/micro-run%g.tsv" 1 "$RUNS")
echo "micro.sh: merged $RUNS runs into $OUT/micro.md" >&2
