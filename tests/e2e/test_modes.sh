#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Hook selection: auto takes tc on a veth; xdp on a link without native XDP
# (a bridge) falls back to generic XDP; the mode taken is logged. Links the
# policy does not name are left alone.
. "$(dirname "$0")/lib.sh"

e2e_topology
in_b ip link add wt-dum0 type bridge
in_b ip link set wt-dum0 up
in_b ip link add wt-other type bridge
cat >"$TMP/ward.yaml" <<EOF2
interfaces:
  - { match: $DEV_B, mode: auto }
  - { match: "wt-dum*", mode: xdp }
defaults: { policy: accept }
EOF2
wardd_start "$TMP/ward.yaml"
grep -q "$DEV_B: attached (tc)" "$TMP/wardd.log" || fail "auto on veth did not take tc"
grep -q "wt-dum0: attached (xdp-generic)" "$TMP/wardd.log" || fail "no generic fallback logged"
in_b ip -d link show wt-dum0 | grep -q 'xdpgeneric' || fail "no generic XDP on wt-dum0"
if in_b ip -d link show wt-other | grep -q xdp; then fail "touched an unnamed link"; fi
ok "auto -> tc on veth, xdp -> generic on a bridge, others untouched"

# Switching a link's mode by reload replaces the hook without leaving the old one.
sed -i 's/mode: auto/mode: xdp/' "$TMP/ward.yaml"
wardd_signal HUP 'live'
sleep 0.2
in_b ip -d link show $DEV_B | grep -q 'prog/xdp' || fail "reload did not attach XDP"
if in_b tc filter show dev $DEV_B ingress | grep -q ward; then fail "old tc filter left"; fi
ok "mode change on reload: tc -> xdp, tc filter removed"
wardd_stop
