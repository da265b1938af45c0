#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bench/report.sh: turns a results directory into tables and plots.
#
#   ./bench/report.sh DIR        tables: DIR/veth.md, DIR/gateway.md,
#                                DIR/control.md; plots: DIR/*.png
#   ./bench/report.sh -c DIR     only check that every figure was produced
#   ./bench/report.sh -m [DIR]   the history of `make bench-micro`: the
#                                runs in DIR (bench/results/micro-history)
#                                as DIR/history.tsv and DIR/history.png
#
# Reads DIR/micro.tsv (bench/micro.sh), DIR/veth.tsv (bench/veth.sh),
# DIR/gateway.tsv (bench/gateway.sh), whichever exist. A figure is the
# median over the rounds (or runs) with the range [min-max]; a ratio is taken
# within each round and its median and range are given.
#
# The check asserts that every figure the plan promised is there, non-empty
# and a number (a packet rate of exactly 0 is no measurement); it never
# judges a value. Exit status 1 and one line per missing figure otherwise.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
CHECK_ONLY=0

# --- the micro history ----------------------------------------------------------
# One line per run (date order), one column per case of the latest run.
micro_history() {
	local dir=$1 files
	files=$(ls "$dir"/*.json 2>/dev/null | sort) || true
	[ -n "$files" ] || { echo "report.sh: no runs in $dir" >&2; exit 1; }
	# shellcheck disable=SC2086
	jq -rs '(.[-1].cases | keys_unsorted) as $k |
		(["run"] + $k | @tsv),
		(.[] | . as $r | [(.date[5:16] + " " + .commit)] +
		 [$k[] | ($r.cases[.] // "-" | tostring)] | @tsv)' $files >"$dir/history.tsv"
	echo "report.sh: $dir/history.tsv ($(echo "$files" | wc -l) runs)"
	command -v gnuplot >/dev/null || { echo "report.sh: no gnuplot: no plot" >&2; return 0; }
	gnuplot <<-EOF
	f = '$dir/history.tsv'
	set terminal pngcairo size 1200,700
	set output '$dir/history.png'
	set datafile separator "\t"
	set datafile missing "-"
	set key outside right noenhanced
	set ylabel "ns per packet (test_run)"
	set xtics rotate by -45 noenhanced
	set grid ytics
	stats f skip 1 nooutput
	n = STATS_columns
	plot for [i=2:n] f using i:xtic(1) with linespoints title columnheader(i)
	EOF
	echo "report.sh: $dir/history.png"
}
if [ "${1:-}" = -m ]; then
	micro_history "${2:-$(dirname "$0")/results/micro-history}"
	exit 0
fi
if [ "${1:-}" = -c ]; then
	CHECK_ONLY=1
	shift
fi
DIR=${1:?usage: report.sh [-c] DIR}

# --- the check ----------------------------------------------------------------
check() {
	local bad=0 f
	f=$DIR/micro.tsv
	if [ -f "$f" ]; then
		awk -F'\t' '
		function num(s) { return s ~ /^-?[0-9]+(\.[0-9]+)?$/ }
		$1 == "dp" { n++; if ($2 == "" || $3 == "") bad = bad "\n  " $0
			for (i = 4; i <= 9; i++) if (!num($i)) bad = bad "\n  " $0 }
		$1 == "cp" { m++; for (i = 3; i <= 9; i++) if (!num($i)) bad = bad "\n  " $0 }
		$1 == "mem" { k++; for (i = 2; i <= 7; i++) if (!num($i)) bad = bad "\n  " $0 }
		$1 == "rs" { rs++; for (i = 2; i <= 5; i++) if (!num($i)) bad = bad "\n  " $0 }
		END {
			if (!n || !m || !k || !rs)
				bad = bad "\n  no data-plane, control-plane, restart or memory figures"
			if (bad != "") { print FILENAME ": missing or non-numeric:" bad; exit 1 }
		}' "$f" || bad=1
	else
		echo "$f: missing"
		bad=1
	fi
	f=$DIR/veth.tsv
	if [ -f "$f" ]; then
		awk -F'\t' '
		function num(s) { return s ~ /^-?[0-9]+(\.[0-9]+)?$/ }
		$1 == "rounds" { rounds = $2 }
		$1 == "plan" { plan[$2 "\t" $3 "\t" $4] = 1; np++ }
		$1 == "veth" { k = $2 "\t" $3 "\t" $4; got[k]++
			if (!num($6) || $6 + 0 == 0) bad = bad "\n  no rate: " $0
			if ($7 != "-" && !num($7)) bad = bad "\n  " $0 }
		$1 == "apply" { na++; if (!num($5)) bad = bad "\n  " $0 }
		END {
			if (!np || !rounds) bad = bad "\n  no plan"
			for (k in plan) if (got[k] != rounds)
				bad = bad sprintf("\n  %s: %d of %d rounds", k, got[k], rounds)
			if (!na) bad = bad "\n  no apply times"
			if (bad != "") { print FILENAME ": missing or non-numeric:" bad; exit 1 }
		}' "$f" || bad=1
	else
		echo "$f: missing"
		bad=1
	fi
	f=$DIR/gateway.tsv
	if [ -f "$f" ]; then
		awk -F'\t' '
		function num(s) { return s ~ /^-?[0-9]+(\.[0-9]+)?$/ }
		$1 == "rounds" { rounds = $2 }
		$1 == "gwplan" { plan[$2] = 1; np++ }
		$1 == "gwpps" { pps[$2]++; if (!num($4) || $4 + 0 == 0 || !num($5)) bad = bad "\n  " $0 }
		$1 == "gwtcp" { tcp[$2]++; if (!num($4) || $4 + 0 == 0 || !num($5)) bad = bad "\n  " $0 }
		END {
			if (!np || !rounds) bad = bad "\n  no plan"
			for (c in plan) if (pps[c] != rounds || tcp[c] != rounds)
				bad = bad sprintf("\n  %s: %d and %d of %d rounds", c, pps[c], tcp[c], rounds)
			if (bad != "") { print FILENAME ": missing or non-numeric:" bad; exit 1 }
		}' "$f" || bad=1
	else
		echo "$f: missing"
		bad=1
	fi
	return $bad
}

if [ "$CHECK_ONLY" = 1 ]; then
	check
	exit
fi

# Shared awk: sorting, medians, "med [lo-hi]".
AWK_LIB='
function sort(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
}
function med(a, n) { sort(a, n); return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
# v: space-separated values -> MED, LO, HI (globals)
function stats(v,    a, n) {
	n = split(v, a, " "); if (!n) { MED = LO = HI = ""; return 0 }
	MED = med(a, n); LO = a[1]; HI = a[n]; return n
}
function fmt(x) {
	if (x >= 100) return sprintf("%.0f", x)
	if (x >= 1) return sprintf("%.2f", x)
	if (x >= 0.01) return sprintf("%.4f", x)
	return sprintf("%.6f", x)
}
function range(v, unit) {
	if (!stats(v)) return "-"
	return fmt(MED) unit " [" fmt(LO) "-" fmt(HI) "]"
}
# The same for counts and milliseconds: whole numbers.
function irange(v) {
	if (!stats(v)) return "-"
	return sprintf("%.0f [%.0f-%.0f]", MED, LO, HI)
}
'

# --- veth ---------------------------------------------------------------------
veth_report() {
	awk -F'\t' -v dir="$DIR" "$AWK_LIB"'
	$1 == "plan" { k = $2 SUBSEP $3 SUBSEP $4
		if (!(k in seen)) { seen[k] = 1; recvs[$2] = 1; if ($4 > 0) ns[$4] = 1 } }
	$1 == "veth" { k = $2 SUBSEP $3 SUBSEP $4
		rate[k] = rate[k] " " $6; r[k, $5] = $6; rounds[$5] = 1
		if ($7 != "-") dec[k] = dec[k] " " $7
		if ($9 + 0 > other[k]) other[k] = $9 + 0 }
	$1 == "apply" { k = $2 SUBSEP $3; ap[k] = ap[k] " " $5; apn[$3] = 1; apr[$2] = 1 }
	END {
		order = "xdp-drop stack ward-xdp ward-tc nft-netdev nft-inet nft-inet-set iptables"
		nr = split(order, ro, " ")
		nn = 0; for (n in ns) nl[++nn] = n + 0; sort(nl, nn)
		md = dir "/veth.md"
		split("deny accept", paths, " ")
		for (pi = 1; pi <= 2; pi++) {
			p = paths[pi]; ceil = p == "deny" ? "xdp-drop" : "stack"
			printf "### %s path: Mpps [range] and ns per packet (one core: generator + receiver)\n\n", p > md
			hdr = "| receiver |"; sep = "| --- |"
			for (i = 1; i <= nn; i++) { hdr = hdr " N=" nl[i] " |"; sep = sep " ---: |" }
			print hdr > md; print sep > md
			for (j = 1; j <= nr; j++) {
				rc = ro[j]; if (!(rc in recvs)) continue
				if (rc == "xdp-drop" || rc == "stack") {
					k = rc SUBSEP p SUBSEP 0; if (!(k in rate)) continue
					stats(rate[k]); line = "| " rc " (ceiling, no rules) |"
					line = line " " fmt(MED) " [" fmt(LO) "-" fmt(HI) "] · " sprintf("%.0f", 1000 / MED) " ns |"
					for (i = 2; i <= nn; i++) line = line " |"
					print line > md; continue
				}
				line = "| " rc " |"; any = 0
				for (i = 1; i <= nn; i++) {
					k = rc SUBSEP p SUBSEP nl[i]
					if (k in rate) { stats(rate[k]); any = 1
						line = line " " fmt(MED) " [" fmt(LO) "-" fmt(HI) "] · " sprintf("%.0f", 1000 / MED) " ns |" }
					else line = line " - |"
				}
				if (any) print line > md
			}
			printf "\n### %s path: ward-xdp ÷ peer, packet rate (median of the per-round ratios [range]; > 1: ward faster)\n\n", p > md
			print hdr > md; print sep > md
			for (j = 1; j <= nr; j++) {
				rc = ro[j]; if (!(rc in recvs) || rc == "ward-xdp") continue
				line = "| ward-xdp ÷ " rc " |"; any = 0
				for (i = 1; i <= nn; i++) {
					kp = rc SUBSEP p SUBSEP (rc == ceil || rc == "xdp-drop" || rc == "stack" ? 0 : nl[i])
					kw = "ward-xdp" SUBSEP p SUBSEP nl[i]; v = ""
					for (rd in rounds) if ((kp, rd) in r && (kw, rd) in r && r[kp, rd] > 0)
						v = v " " r[kw, rd] / r[kp, rd]
					if (v != "") { stats(v); any = 1
						line = line sprintf(" %.2f [%.2f-%.2f] |", MED, LO, HI) }
					else line = line " - |"
				}
				if (any) print line > md
			}
			print "" > md
		}
		print "### Runs: decided/received (the deciding rule saw every packet) and the most of the generator'"'"'s CPU others took in a run\n" > md
		print "| receiver | path | N | rounds | decided/received [range] | max other % |" > md
		print "| --- | --- | ---: | ---: | --- | ---: |" > md
		for (pi = 1; pi <= 2; pi++) for (j = 1; j <= nr; j++) for (i = 0; i <= nn; i++) {
			p = paths[pi]; n = i ? nl[i] : 0; k = ro[j] SUBSEP p SUBSEP n
			if (!(k in rate)) continue
			c = stats(rate[k])
			printf "| %s | %s | %d | %d | %s | %.0f |\n", ro[j], p, n, c,
				(k in dec ? range(dec[k], "") : "-"), other[k] > md
		}

		# Plot data: N, then med lo hi for each receiver, "NaN" where none.
		for (pi = 1; pi <= 2; pi++) {
			p = paths[pi]; f = dir "/veth-" p ".dat"
			printf "# N" > f
			for (j = 1; j <= nr; j++) printf " %s_med %s_lo %s_hi", ro[j], ro[j], ro[j] > f
			print "" > f
			for (i = 1; i <= nn; i++) {
				printf "%d", nl[i] > f
				for (j = 1; j <= nr; j++) {
					k = ro[j] SUBSEP p SUBSEP nl[i]
					if (ro[j] == "xdp-drop" || ro[j] == "stack") k = ro[j] SUBSEP p SUBSEP 0
					if (k in rate) { stats(rate[k]); printf " %g %g %g", MED, LO, HI > f }
					else printf " NaN NaN NaN" > f
				}
				print "" > f
			}
		}
		# ns/packet per receiver and path at the middle rule count (1000 if run).
		mid = (1000 in ns) ? 1000 : nl[1]
		f = dir "/veth-ns.dat"
		printf "# receiver deny_med deny_lo deny_hi accept_med accept_lo accept_hi (N=%d)\n", mid > f
		for (j = 1; j <= nr; j++) {
			line = "\"" ro[j] "\""; any = 0
			for (pi = 1; pi <= 2; pi++) {
				n = (ro[j] == "xdp-drop" || ro[j] == "stack") ? 0 : mid
				k = ro[j] SUBSEP paths[pi] SUBSEP n
				if (k in rate) { stats(rate[k]); any = 1
					line = line sprintf(" %g %g %g", 1000 / MED, 1000 / HI, 1000 / LO) }
				else line = line " NaN NaN NaN"
			}
			if (any) print line > f
		}
		printf "%d\n", mid > (dir "/veth-ns.mid")

		# Control plane: applying a whole ruleset.
		md = dir "/control.md"
		nc = split("ward-xdp nft-netdev nft-inet nft-inet-set iptables", cr, " ")
		hdr = "| N rules |"; sep = "| ---: |"
		for (j = 1; j <= nc; j++) if (cr[j] in apr) { hdr = hdr " " cr[j] " ms |"; sep = sep " --- |" }
		print hdr > md; print sep > md
		na = 0; for (n in apn) al[++na] = n + 0; sort(al, na)
		for (i = 1; i <= na; i++) {
			line = "| " al[i] " |"
			for (j = 1; j <= nc; j++) if (cr[j] in apr)
				line = line " " irange(ap[cr[j] SUBSEP al[i]]) " |"
			print line > md
		}
	}' "$DIR/veth.tsv"
}

# --- gateway --------------------------------------------------------------------
gateway_report() {
	awk -F'\t' -v dir="$DIR" "$AWK_LIB"'
	$1 == "gwplan" { cfg[++nc] = $2 }
	$1 == "gwpps" { pps[$2] = pps[$2] " " $4; pr[$2, $3] = $4; fw[$2] = fw[$2] " " $5; rounds[$3] = 1
		if ($6 + 0 > other[$2]) other[$2] = $6 + 0 }
	$1 == "gwtcp" { tcp[$2] = tcp[$2] " " $4; tr[$2, $3] = $4; rt[$2] = rt[$2] " " $5; tso[$2] = $6 }
	function ratio(a, b, x,    v, rd) {
		v = ""
		for (rd in rounds) if ((a, rd) in x && (b, rd) in x && x[b, rd] > 0) v = v " " x[a, rd] / x[b, rd]
		if (!stats(v)) return "-"
		return sprintf("%.2f [%.2f-%.2f]", MED, LO, HI)
	}
	END {
		md = dir "/gateway.md"
		print "| gateway | forwarding Mpps [range] | ns/pkt | ÷ nft | forwarded/received | TCP Gbit/s [range] | ÷ nft | retransmits | client TSO |" > md
		print "| --- | --- | ---: | --- | --- | --- | --- | --- | --- |" > md
		f = dir "/gateway.dat"
		print "# config pps_med pps_lo pps_hi tcp_med tcp_lo tcp_hi" > f
		for (i = 1; i <= nc; i++) {
			c = cfg[i]
			stats(pps[c]); pm = MED; pl = LO; ph = HI
			stats(tcp[c]); tm = MED; tl = LO; th = HI
			# NAT configurations against nftables doing NAT.
			peer = c ~ /nat/ ? "nft-nat" : "nft"
			printf "| %s | %s | %.0f | %s | %s | %s | %s | %s | %s |\n", c, range(pps[c], ""),
				1000 / pm, (c == peer ? "-" : ratio(c, peer, pr)), range(fw[c], ""),
				range(tcp[c], ""), (c == peer ? "-" : ratio(c, peer, tr)),
				irange(rt[c]), tso[c] > md
			printf "\"%s\" %g %g %g %g %g %g\n", c, pm, pl, ph, tm, tl, th > f
		}
	}' "$DIR/gateway.tsv"
}

# --- micro: the plot of ns per path -------------------------------------------
micro_plot_data() {
	awk -F'\t' -v f="$DIR/micro-paths.dat" '
	$1 != "dp" { next }
	# One bar per path, at the largest rule count for the rule-dependent ones.
	{ key = $2; n = $3 }
	key ~ /^(worst position|no match|mixed, last rule|prefix blocklist, no match|established UDP|established TCP|new UDP|new TCP|dropped first packet)/ {
		if (n == "-" || n + 0 >= best[key]) { best[key] = n + 0; v[key] = $5 " " $6 " " $7; lab[key] = key " (N=" n ")" }
		next
	}
	key ~ /^(malformed|non-IP)/ { best[key] = 0; v[key] = $5 " " $6 " " $7; lab[key] = key }
	END {
		n = split("malformed IPv4 (parser drop)|non-IP frame (ARP, pass)|established UDP flow (conntrack hit)|established TCP flow (window tracked)|no match|worst position|mixed, last rule|prefix blocklist, no match|dropped first packet, one run at a time|new UDP flow (accept + create)|new TCP flow, SYN (accept + create)", o, "|")
		print "# path med lo hi" > f
		for (i = 1; i <= n; i++) if (o[i] in v) { split(v[o[i]], a, " "); printf "\"%s\" %s %s %s\n", lab[o[i]], a[1], a[2], a[3] > f }
	}' "$DIR/micro.tsv"
}

check || echo "report.sh: some figures are missing (above); the tables show what there is" >&2
[ -f "$DIR/veth.tsv" ] && veth_report
[ -f "$DIR/gateway.tsv" ] && gateway_report
[ -f "$DIR/micro.tsv" ] && micro_plot_data
if command -v gnuplot >/dev/null; then
	gnuplot -e "dir='$DIR'" "$HERE/plots.gp" 2>"$DIR/gnuplot.log" ||
		{ cat "$DIR/gnuplot.log" >&2; echo "report.sh: gnuplot failed" >&2; exit 1; }
else
	echo "report.sh: no gnuplot: no plots (apt-get install gnuplot-nox)" >&2
fi
