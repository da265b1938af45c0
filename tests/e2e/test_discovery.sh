#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Link discovery: links that appear after wardd started are attached at once
# (down or up) and filtered; deleted ones are forgotten; renames and
# re-creations are followed by ifindex; a link that refuses its mode is an
# error for that link only; 200 veth pairs coming and going leave no stale
# link, no leak and no warning; a socket overrun is made up for by a rescan;
# --detach-on-exit removes exactly what ward attached, discovered links too.
. "$(dirname "$0")/lib.sh"

# pair B_NAME A_NAME N: a veth between B and A, 10.78.N.2 (B) - 10.78.N.1 (A), up.
pair() {
	in_b ip link add "$1" type veth peer name "$2" netns "$NS_A"
	in_a ip addr add "10.78.$3.1/24" dev "$2"
	in_b ip addr add "10.78.$3.2/24" dev "$1"
	in_a ip link set "$2" up
	in_b ip link set "$1" up
}
pings() { in_a ping -c1 -W1 "10.78.$1.2" >/dev/null 2>&1; }

# wait_log PATTERN [N]: wait until PATTERN is in the log N times (default 1).
wait_log() {
	local i
	for i in $(seq 50); do
		[ "$(grep -c -- "$1" "$TMP/wardd.log" || true)" -ge "${2:-1}" ] && return 0
		sleep 0.1
	done
	fail "no '$1' in the log"
}

# links: wardd's own list (SIGUSR1), as "NAME IFINDEX MODE" lines.
links() {
	wardd_signal USR1 '^links [0-9]'
	awk '/^link / { cur = cur $2 " " $4 " " $6 "\n" }
	     /^links [0-9]/ { last = cur; cur = "" } END { printf "%s", last }' "$TMP/wardd.log"
}
# kern_links GLOB: "NAME IFINDEX" of B's links whose name matches GLOB.
kern_links() {
	local name idx
	in_b ip -o link show | awk -F': ' '{ split($2, n, "@"); print n[1], $1 }' |
	while read -r name idx; do
		case $name in $1) echo "$name $idx" ;; esac
	done | sort
}
ifindex() { in_b cat "/sys/class/net/$1/ifindex"; }
has_tc() { in_b tc filter show dev "$1" ingress 2>/dev/null | grep -q ward_tc_ingress; }
has_xdp() { in_b ip -d link show dev "$1" | grep -q 'name ward_xdp_ingres'; }
ms() { date -d "$1" +%s%3N; }	# a log timestamp in ms

e2e_topology
cat >"$TMP/ward.yaml" <<EOF2
interfaces:
  - { match: $DEV_B, mode: auto }
  - { match: "wt-d*", role: lan, mode: auto }
  - { match: "wt-br*", mode: xdp }
  - { match: "wt-x[0-9]*", mode: xdp }
  - { match: "wt-q*", mode: tc }
  - { match: "wt-[ck][0-9]*", mode: auto }
defaults: { policy: accept }
rules:
  - { name: no-lan-ping, in: lan, proto: icmp, icmp_type: echo-request, action: drop }
EOF2
wardd_start "$TMP/ward.yaml" --detach-on-exit
grep -q "$DEV_B: attached (tc)" "$TMP/wardd.log" || fail "$DEV_B not attached at start"

# --- create: a link made after wardd started is attached before it carries
# traffic, so the very first ping across it meets the rule.
t_add=$(date +%s%3N)
pair wt-d1 wt-e1 1
if pings 1; then fail "first ping across a new matching link got through"; fi
wait_log "wt-d1: attached (tc)"
t_att=$(ms "$(grep -m1 'wt-d1: attached' "$TMP/wardd.log" | cut -d' ' -f1)")
has_tc wt-d1 || fail "no tc program on wt-d1"
[ "$(rule_packets no-lan-ping)" -ge 1 ] || fail "the drop was not the rule's"
pair wt-n1 wt-o1 11
pings 11 || fail "a link the policy does not name is filtered"
if in_b tc qdisc show dev wt-n1 | grep -q clsact || has_xdp wt-n1; then
	fail "ward touched wt-n1, which the policy does not name"
fi
ok "create: wt-d1 attached $((t_att - t_add)) ms after the test started ip link add; first ping dropped by the rule; wt-n1 untouched"

# Attaching needs no carrier: a veth (tc, native XDP) and a bridge (generic
# XDP) that stay down get their program all the same.
in_b ip link add wt-d5 type veth peer name wt-e5
in_b ip link add wt-x5 type veth peer name wt-y5
in_b ip link add wt-br1 type bridge
wait_log "wt-d5: attached (tc)"
wait_log "wt-x5: attached (xdp)"
wait_log "wt-br1: attached (xdp-generic)"
grep -q "wt-br1: native XDP refused" "$TMP/wardd.log" || fail "no native refusal logged for wt-br1"
in_b ip link show wt-d5 | grep -q 'state DOWN' || fail "wt-d5 is not down"
has_tc wt-d5 || fail "no tc program on wt-d5 (down)"
has_xdp wt-x5 || fail "no XDP program on wt-x5 (down)"
in_b ip -d link show wt-br1 | grep -q xdpgeneric || fail "no generic XDP on wt-br1 (down)"
ok "attach on down links: tc (veth), native XDP (veth), generic XDP (bridge refuses native)"

# --- rename: out of the policy detaches, back in attaches, within keeps.
idx=$(ifindex wt-d1)
in_b ip link set wt-d1 down
in_b ip link set wt-d1 name wt-n2
in_b ip link set wt-n2 up
wait_log "wt-d1: detached (tc)"
if has_tc wt-n2; then fail "wt-n2 (renamed out of the policy) keeps the program"; fi
pings 1 || fail "ping across wt-n2 (no longer named) dropped"
in_b ip link set wt-n2 down
in_b ip link set wt-n2 name wt-d2
in_b ip link set wt-d2 up
wait_log "wt-d2: attached (tc)"
if pings 1; then fail "ping across wt-d2 (renamed into the policy) got through"; fi
in_b ip link set wt-d2 down
in_b ip link set wt-d2 name wt-d3
in_b ip link set wt-d3 up
wait_log "wt-d2: renamed wt-d3, still attached (tc)"
links | grep -qx "wt-d3 $idx tc" || fail "wardd does not know wt-d3 as ifindex $idx"
if pings 1; then fail "ping across wt-d3 got through"; fi
ok "rename: out of the policy -> detached, back in -> attached, within -> kept (ifindex $idx)"

# --- delete, and re-create under the same name at once.
in_b ip link del wt-d3
wait_log "wt-d3: deleted, forgotten (tc)"
if links | grep -q " $idx "; then fail "wardd still lists the deleted ifindex $idx"; fi
pair wt-d4 wt-e4 4
old=$(ifindex wt-d4)
wait_log "wt-d4: attached (tc)"
in_b ip link del wt-d4
pair wt-d4 wt-e4 4
new=$(ifindex wt-d4)
[ "$old" != "$new" ] || fail "the kernel reused ifindex $old"
wait_log "wt-d4: attached (tc)" 2
wait_log "wt-d4: deleted, forgotten (tc)"
links | grep -qx "wt-d4 $new tc" || fail "wardd does not list wt-d4 as ifindex $new"
if links | grep -q " $old "; then fail "wardd still lists the old wt-d4 ($old)"; fi
has_tc wt-d4 || fail "no tc program on the new wt-d4"
if pings 4; then fail "ping across the re-created wt-d4 got through"; fi
ok "delete forgotten; re-created wt-d4: ifindex $old -> $new, attached, policy applies"

# --- per-link errors: what refuses its mode is reported, alone.
# A plain ingress qdisc would take our egress filter on ingress: refused.
in_b ip link add wt-z1 type veth peer name wt-z2
in_b tc qdisc add dev wt-z1 ingress
in_b ip link set wt-z1 name wt-q1
wait_log "wt-q1: cannot attach in mode tc: an ingress qdisc"
in_b tc qdisc show dev wt-q1 | grep -q 'qdisc ingress' || fail "the ingress qdisc on wt-q1 was touched"
if in_b tc filter show dev wt-q1 ingress | grep -q ward; then fail "a ward filter on wt-q1"; fi
in_b ip link set wt-q1 up
in_b ip link set wt-q1 down
sleep 0.3
[ "$(grep -c 'wt-q1: cannot attach' "$TMP/wardd.log")" = 1 ] ||
	fail "wt-q1 refused again on each up/down"
# Another tool's XDP program on a link that moves in: left alone.
if command -v clang >/dev/null; then
	cat >"$TMP/pass.c" <<'EOF2'
__attribute__((section("xdp"), used)) int wt_pass(void *ctx) { return 2; }
char _license[] __attribute__((section("license"), used)) = "GPL";
EOF2
	clang -O2 -target bpf -c "$TMP/pass.c" -o "$TMP/pass.o"
	in_a ip link add wt-y7 type veth peer name wt-y8
	in_a ip link set wt-y7 xdpgeneric obj "$TMP/pass.o" sec xdp
	in_a ip link set wt-y7 netns "$NS_B"
	in_b ip link set wt-y7 name wt-x7
	wait_log "wt-x7: cannot attach in mode xdp: another XDP program"
	in_b ip -d link show wt-x7 | grep -q 'name wt_pass' || fail "the foreign XDP program on wt-x7 was replaced"
	ok "per-link errors: ingress qdisc (tc) and a foreign XDP program (xdp) refused, once each"
else
	ok "per-link errors: ingress qdisc (tc) refused once (no clang: foreign XDP case skipped)"
fi
pair wt-d6 wt-e6 6
wait_log "wt-d6: attached (tc)"
if pings 6; then fail "ping across wt-d6 got through"; fi
has_tc "$DEV_B" && has_tc wt-d4 || fail "a refused link disturbed the others"
ok "the others are unaffected: wt-d6 attached after, $DEV_B and wt-d4 keep theirs"

# --- links that change namespace: one moving in is attached; one moving
# out is forgotten. tc filters go with the qdisc; an XDP program survives
# the move, out of ward's reach: that is a warning (see docs/discovery.md).
in_a ip link add wt-d8 type veth peer name wt-e8
in_a ip link set wt-d8 netns "$NS_B"
wait_log "wt-d8: attached (tc)"
has_tc wt-d8 || fail "no tc program on wt-d8, moved in"
in_b ip link add wt-x9 type veth peer name wt-y9
wait_log "wt-x9: attached (xdp)"
in_b ip link set wt-d8 netns "$NS_A"
in_b ip link set wt-x9 netns "$NS_A"
wait_log "wt-d8: moved to another namespace, forgotten (tc)"
wait_log "wt-x9: moved to another namespace; ward's XDP program went along"
if in_a tc filter show dev wt-d8 ingress 2>/dev/null | grep -q ward; then
	fail "ward's tc program went along with wt-d8"
fi
if links | grep -q '^wt-[xd][89] '; then fail "wardd still lists a link that moved out"; fi
ok "namespace moves: moved in -> attached; moved out -> forgotten (XDP one warned about)"

# --- churn: 200 veth pairs, both ends named by the policy, made and deleted
# as fast as ip -batch goes; eight stay, four of them re-created by name.
settle() {	# GLOB: until wardd's list of GLOB links is the kernel's
	local i
	for i in $(seq 100); do
		[ "$(links | awk '{ print $1, $2 }' | while read -r n x; do
			case $n in $1) echo "$n $x" ;; esac; done | sort)" = "$(kern_links "$1")" ] &&
			return 0
		sleep 0.2
	done
	fail "wardd's links never matched the kernel's: $(links | tr '\n' ' ')"
}
check_all() {	# GLOB: every such link has the program, the map has no stale entry
	local n x m
	kern_links "$1" >"$TMP/kern"
	while read -r n x; do has_tc "$n" || fail "$n ($x) has no program"; done <"$TMP/kern"
	m=$(bpftool map dump pinned "$PIN/ward_ifaces" -j |
	    python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
	[ "$m" = "$(links | wc -l)" ] || fail "ward_ifaces holds $m entries for $(links | wc -l) links"
}
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$WARDD_PID/status"; }
fds() { ls "/proc/$WARDD_PID/fd" | wc -l; }

for i in $(seq 200); do
	echo "link add wt-c$i type veth peer name wt-k$i"
	echo "link set wt-c$i up"
	echo "link set wt-k$i up"
	[ "$i" -le 8 ] || echo "link del wt-c$((i - 8))"
done >"$TMP/churn"
for i in 193 195 197 199; do
	echo "link del wt-c$i"
	echo "link add wt-c$i type veth peer name wt-k$i"
done >>"$TMP/churn"
rss0=$(rss) fds0=$(fds) mark=$(wc -l <"$TMP/wardd.log")
t0=$(date +%s%3N)
in_b ip -batch "$TMP/churn"
t1=$(date +%s%3N)
settle 'wt-[ck][0-9]*'
t2=$(date +%s%3N)
[ "$(kern_links 'wt-[ck][0-9]*' | wc -l)" = 16 ] || fail "expected 16 churn links to remain"
check_all 'wt-[ck][0-9]*'
rss1=$(rss) fds1=$(fds)
# Anything but attach/forget lines and the dumps is a warning here.
tail -n +"$((mark + 1))" "$TMP/wardd.log" |
	grep -Ev ': attached \((tc|xdp)\)$|: deleted, forgotten \(tc\)$|^link |^links |^(generation|rule|drop|counter|conntrack) ' \
	>"$TMP/unexpected" || true
[ ! -s "$TMP/unexpected" ] || fail "unexpected log lines under churn: $(head -3 "$TMP/unexpected")"
# fds are exact: every socket ward opens for an attach is closed again.
# RSS: nothing ward keeps per link outlives the link, and every code path
# already ran above, so the only growth is pages touched for the first time
# (malloc's arena, stack). 128 KiB (32 pages) of slack for that; a leak of
# 320 B per attach (408 of them) or 80 B per event (some 1600) goes past it.
# A leaked list entry is caught exactly by the list checks above.
[ "$fds1" = "$fds0" ] || fail "fd count $fds0 -> $fds1"
[ "$rss1" -le $((rss0 + 128)) ] || fail "RSS grew $rss0 -> $rss1 KiB"
attached=$(tail -n +"$((mark + 1))" "$TMP/wardd.log" | grep -c ': attached (' || true)
echo "churn: 200 pairs + 4 re-creations in $((t1 - t0)) ms, wardd settled $((t2 - t1)) ms later;" \
	"$attached attaches; RSS $rss0 -> $rss1 KiB, fds $fds0 -> $fds1"
ok "churn: 16 links left, all attached, none stale, no warning, no leak"

# --- overrun: wardd stopped while links come and go and one link's MTU
# flips 20000 times; the kernel drops events; on SIGCONT wardd rescans.
{
	for i in $(seq 201 240); do
		echo "link add wt-c$i type veth peer name wt-k$i"
		[ "$i" -le 230 ] || echo "link del wt-c$((i - 30))"
	done
	echo "link del wt-c193"
	echo "link add wt-f0 type veth peer name wt-g0"
	for i in $(seq 20000); do echo "link set wt-f0 mtu $((1400 + i % 2))"; done
} >"$TMP/overrun"
kill -STOP "$WARDD_PID"
in_b ip -batch "$TMP/overrun" || { kill -CONT "$WARDD_PID"; fail "ip -batch failed"; }
kill -CONT "$WARDD_PID"
wait_log "link events overran the socket buffer; rescanning the links"
settle 'wt-[ck][0-9]*'
check_all 'wt-[ck][0-9]*'
# One more step of malloc's heap is allowed here: glibc grows it by the
# request plus M_TOP_PAD (128 KiB), so where the first step falls depends
# on the heap's layout at rss0, not on a leak (40,000 flow events through
# the log and the API's feed move RSS by 0 KiB).
[ "$(rss)" -le $((rss0 + 256)) ] && [ "$(fds)" = "$fds0" ] ||
	fail "leak after the rescan: RSS $rss0 -> $(rss) KiB, fds $fds0 -> $(fds)"
ok "overrun: rescanned, $(kern_links 'wt-[ck][0-9]*' | wc -l) links in line, no leak"

# --- exit: exactly ward's programs go, discovered links' too.
wardd_stop
for dev in $(in_b ls /sys/class/net); do
	if in_b tc filter show dev "$dev" ingress 2>/dev/null | grep -q ward ||
	   in_b tc filter show dev "$dev" egress 2>/dev/null | grep -q ward || has_xdp "$dev"; then
		fail "a ward program is left on $dev after --detach-on-exit"
	fi
done
in_b tc qdisc show dev wt-q1 | grep -q 'qdisc ingress' || fail "the ingress qdisc on wt-q1 went"
if [ -f "$TMP/pass.o" ]; then
	in_b ip -d link show wt-x7 | grep -q 'name wt_pass' || fail "the foreign XDP program on wt-x7 went"
fi
pings 6 || fail "wt-d6 still filters after exit"
ok "--detach-on-exit: no ward program left on any link; foreign ones stay"
