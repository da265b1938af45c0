#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench/run.sh: the whole benchmark suite, ward beside nftables and
# iptables, in one run (root).
#
#   ./bench/run.sh              everything, full length (~15 min): results in
#                               bench/results/<stamp>/, plots also in bench/plots/
#   QUICK=1 ./bench/run.sh      a short version of every benchmark (< 2 min),
#                               a smoke test: fails only when a figure is
#                               missing, never on a value; results in a
#                               temporary directory (kept with OUT=dir)
#
#   env: BUILD=build   where the binaries are (built here unless BUILD_SKIP=1)
#        ONLY="micro veth gateway"   a subset
#        RUNS=3        micro-benchmark runs;  ROUNDS=3  veth/gateway rounds
#        OUT=dir       results directory
#
# Parts (each says in its header what it measures and how):
#   bench/micro.sh     BPF_PROG_TEST_RUN: ns per packet for every path of the
#                      data plane, control plane apply time, flow memory
#   bench/veth.sh      64-byte packet rate over veth: ward, nft, iptables
#   bench/gateway.sh   forwarding gateway: packet rate and TCP, ward vs nft
#   bench/report.sh    tables, plots, and the check that every figure exists
# The binaries are copied before the first measurement, so that a rebuild
# of BUILD by anyone meanwhile changes nothing in this run.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)

QUICK=${QUICK:-0}
BUILD=${BUILD:-build}
ONLY=${ONLY:-"micro veth gateway"}
export QUICK

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: needs root (BPF, namespaces)" >&2
	exit 1
fi
if [ "${BUILD_SKIP:-0}" != 1 ]; then
	make -s BUILD="$BUILD" "$BUILD/ward_microbench" "$BUILD/wardd"
	make -s -f bench/bench.mk BUILD="$BUILD"
fi

stamp=$(date -u +%Y%m%d-%H%M%S)
out_given=0
if [ -n "${OUT:-}" ]; then
	mkdir -p "$OUT"
	OUT=$(cd "$OUT" && pwd)
	keep=1
	out_given=1
elif [ "$QUICK" = 1 ]; then
	OUT=$(mktemp -d /tmp/wb-quick.XXXXXX)
	keep=0
else
	OUT=$ROOT/bench/results/$stamp
	mkdir -p "$OUT"
	keep=1
fi
FROZEN=$(mktemp -d /tmp/wb-bin.XXXXXX)
cleanup() {
	rm -rf "$FROZEN"
	[ "$keep" = 1 ] || rm -rf "$OUT"
}
trap cleanup EXIT

# What is measured is fixed now.
mkdir -p "$FROZEN/bench"
cp "$BUILD/ward_microbench" "$BUILD/wardd" "$FROZEN/"
cp "$BUILD/bench/wbgen" "$BUILD/bench/sink.bpf.o" "$FROZEN/bench/"
bin_sum=$(cat "$FROZEN/ward_microbench" "$FROZEN/wardd" | sha256sum | cut -c1-16)

started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
t0=$(date +%s)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] &&
   [ -n "$(git status --porcelain --untracked-files=no -- . ':!bench' 2>/dev/null)" ]; then
	commit="$commit (with uncommitted changes outside bench/)"
fi
if [ "$commit" != unknown ] && [ -n "$(git status --porcelain -- bench 2>/dev/null)" ]; then
	commit="$commit; bench/ as in this tree, not as committed"
fi
cmd="./bench/run.sh"
[ "$QUICK" = 1 ] && cmd="QUICK=1 $cmd"
[ "$ONLY" != "micro veth gateway" ] && cmd="ONLY=\"$ONLY\" $cmd"

for part in $ONLY; do
	case $part in
	micro)
		OUT=$OUT BIN=$FROZEN/ward_microbench ./bench/micro.sh ;;
	veth)
		OUT=$OUT BUILD=$FROZEN ./bench/veth.sh ;;
	gateway)
		OUT=$OUT BUILD=$FROZEN ./bench/gateway.sh ;;
	*)
		echo "run.sh: unknown part $part" >&2
		exit 2 ;;
	esac
done
secs=$(($(date +%s) - t0))

./bench/report.sh "$OUT"
{
	echo "<!-- SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) -->"
	echo "# ward benchmark suite"
	echo
	echo "- date: $started (start), $((secs / 60)) min $((secs % 60)) s"
	echo "- kernel: $(uname -r)"
	echo "- CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) online"
	echo "- commit: $commit"
	echo "- binaries: sha256 $bin_sum (ward_microbench and wardd; they embed the BPF object)"
	echo "- command: \`$cmd\`"
	if [ "$QUICK" = 1 ]; then
		echo "- QUICK: a smoke test; few and short runs, do not quote these numbers"
	fi
	for part in micro veth gateway; do
		case " $ONLY " in *" $part "*) ;; *) continue ;; esac
		echo
		case $part in
		micro)
			echo "## Data plane micro-benchmark (bench/micro.sh)"
			echo
			cat "$OUT/micro.md" ;;
		veth)
			echo "## Packet rate over veth (bench/veth.sh)"
			echo
			cat "$OUT/veth.md"
			echo
			echo "### Control plane: applying the whole deny-path ruleset, ms, median [range]"
			echo
			cat "$OUT/control.md" ;;
		gateway)
			echo "## Filtering gateway (bench/gateway.sh)"
			echo
			cat "$OUT/gateway.md" ;;
		esac
	done
} >"$OUT/report.md"

if ! ./bench/report.sh -c "$OUT"; then
	echo "run.sh: FAIL: figures missing; results in $OUT" >&2
	keep=1
	exit 1
fi
# The latest full run's plots are the ones RESULTS.md shows.
if [ "$QUICK" != 1 ] && [ "$ONLY" = "micro veth gateway" ] && [ "$out_given" = 0 ]; then
	mkdir -p bench/plots
	cp "$OUT"/*.png bench/plots/ 2>/dev/null || true
fi
cat "$OUT/report.md"
echo >&2
echo "run.sh: every figure produced in $secs s; results in $OUT" >&2
