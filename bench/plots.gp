# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bench/plots.gp: the benchmark's plots, from the .dat files bench/report.sh
# writes. Run as: gnuplot -e "dir='RESULTS_DIR'" bench/plots.gp
# Every bar and point is a median; the error bars are the range of the runs.

set terminal pngcairo size 1100,700 font "DejaVu Sans,11" noenhanced
set grid
set key outside right top

# --- veth: Mpps against rule count, one line per receiver ----------------------
# Columns of veth-PATH.dat: N, then median, min, max for xdp-drop (2), stack
# (5), ward-xdp (8), ward-tc (11), nft-netdev (14), nft-inet (17),
# nft-inet-set (20), iptables (23).
set logscale xy
set xrange [0.6:170000]
set xtics ("1" 1, "10" 10, "100" 100, "1k" 1000, "10k" 10000, "100k" 100000)
set format y "%g"
set xlabel "filler rules before the deciding rule (N)"
set ylabel "Mpps (64-byte UDP, generator + receiver on one core)"

do for [p in "deny accept"] {
	f = dir."/veth-".p.".dat"
	set output dir."/veth-".p.".png"
	if (p eq "deny") {
		set title "veth, deny path: the deciding rule drops"
		ceil = 2; ceil_name = "bare XDP_DROP (ceiling)"
	} else {
		set title "veth, accept path: the deciding rule accepts (into the stack; ward: conntrack after the first packet)"
		ceil = 5; ceil_name = "no filter, the stack alone (ceiling)"
	}
	plot f using 1:ceil with lines dt 2 lw 2 lc rgb "gray40" title ceil_name, \
	     f using 1:8:9:10 with yerrorlines lw 2 pt 7 lc rgb "#d62728" title "ward, xdp", \
	     f using 1:11:12:13 with yerrorbars pt 5 ps 1.5 lc rgb "#ff7f0e" title "ward, tc", \
	     f using 1:14:15:16 with yerrorlines lw 2 pt 9 lc rgb "#1f77b4" title "nft netdev ingress", \
	     f using 1:17:18:19 with yerrorlines lw 2 pt 11 lc rgb "#2ca02c" title "nft inet prerouting", \
	     f using 1:20:21:22 with yerrorlines lw 2 pt 13 dt 3 lc rgb "#2ca02c" title "nft inet, set", \
	     f using 1:23:24:25 with yerrorlines lw 2 pt 3 lc rgb "#9467bd" title "iptables raw (nf_tables)"
}
unset logscale
unset xrange
unset xtics
set xtics
unset title

# --- horizontal bars: label, median, min, max -----------------------------------
set style fill solid 0.6 border -1
unset key
set ytics nomirror
set yrange [*:*] reverse
set offsets 0, 0, 0.6, 0.6

# micro: ns per packet per path of the data plane
f = dir."/micro-paths.dat"
set output dir."/micro-paths.png"
set title "ward data plane, ns per packet (bpf_prog_test_run, 64-byte frames)"
set xlabel "ns per packet (log scale)"
set ylabel ""
set logscale x
set xrange [1:3000]
plot f using (sqrt($2)):0:(1):2:($0 - 0.35):($0 + 0.35):ytic(1) with boxxyerror lc rgb "#d62728", \
     f using 2:0:3:4 with xerrorbars pt -1 lc rgb "black", \
     f using 4:0:(sprintf("  %.0f ns", $2)) with labels left
unset logscale x
set xrange [*:*]

# veth: ns per packet for each receiver, both paths
f = dir."/veth-ns.dat"
mid = system("cat ".dir."/veth-ns.mid")
set output dir."/veth-ns.png"
set title "veth, ns per packet (one core, generator included) at N=".mid." (ceilings: no rules)"
set key outside right top
set logscale x
set xrange [10:300000]
plot f using (sqrt($2)):($0 - 0.2):(1):2:($0 - 0.38):($0 - 0.02):ytic(1) with boxxyerror lc rgb "#1f77b4" title "deny path", \
     f using 2:($0 - 0.2):3:4 with xerrorbars pt -1 lc rgb "black" notitle, \
     f using 4:($0 - 0.2):(sprintf("  %.0f ns", $2)) with labels left notitle, \
     f using (sqrt($5)):($0 + 0.2):(1):5:($0 + 0.02):($0 + 0.38) with boxxyerror lc rgb "#2ca02c" title "accept path", \
     f using 5:($0 + 0.2):6:7 with xerrorbars pt -1 lc rgb "black" notitle, \
     f using 7:($0 + 0.2):(sprintf("  %.0f ns", $5)) with labels left notitle
unset logscale x
set xrange [*:*]
unset key

# gateway: forwarding rate and TCP throughput
f = dir."/gateway.dat"
set output dir."/gateway.png"
set multiplot layout 1, 2 title "filtering gateway lan -> gateway -> wan (veth)"
set title "forwarding, 64-byte UDP, one core"
set xlabel "Mpps"
set xrange [0:*]
plot f using ($2 / 2):0:(0):2:($0 - 0.35):($0 + 0.35):ytic(1) with boxxyerror lc rgb "#1f77b4", \
     f using 2:0:3:4 with xerrorbars pt -1 lc rgb "black"
set title "one TCP stream (iperf3)"
set xlabel "Gbit/s"
plot f using ($5 / 2):0:(0):5:($0 - 0.35):($0 + 0.35):ytic(1) with boxxyerror lc rgb "#2ca02c", \
     f using 5:0:6:7 with xerrorbars pt -1 lc rgb "black"
unset multiplot
