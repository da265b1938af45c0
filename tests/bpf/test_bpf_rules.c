// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_bpf_rules.c: the cases of ward_bpf_test for what a rule
 * matches: first match wins, CIDR edges of both families, port ranges and
 * sets, protocols, families, nested rules, zones and interfaces, and the
 * per-rule counters. One policy holds every rule. The harness is in
 * bpf_harness.c, main() in test_bpf.c.
 */
#include <stdlib.h>
#include <string.h>

#include "test_assert.h"
#include "pkt.h"
#include "bpf_harness.h"

/* ------------------------------------------------------------------ */
/* Rules */

static const char rules_policy[] =
	"interfaces:\n"
	"  - match: lo\n"
	"    role: lan\n"
	"  - match: \"@WAN@\"\n"
	"    role: wan\n"
	"sets:\n"
	"  web: [80, 443, 8000-8010]\n"
	"  blocked: [203.0.113.0/24, \"2001:db8:bad::/48\"]\n"
	"defaults:\n"
	"  policy: drop\n"
	"rules:\n"
	"  - name: blocked\n"
	"    from: $blocked\n"
	"    action: drop\n"
	/* First match wins, both ways round. */
	"  - name: fm-accept\n"
	"    proto: tcp\n"
	"    port: 1001\n"
	"    action: accept\n"
	"  - name: fm-drop\n"
	"    proto: tcp\n"
	"    port: 1001\n"
	"    action: drop\n"
	"  - name: fm-drop2\n"
	"    proto: tcp\n"
	"    port: 1002\n"
	"    action: drop\n"
	"  - name: fm-accept2\n"
	"    proto: tcp\n"
	"    port: 1002\n"
	"    action: accept\n"
	/* A narrow rule after a wide one of another shape, and the reverse. */
	"  - name: fm-wide-drop\n"
	"    proto: tcp\n"
	"    to: 10.40.0.0/16\n"
	"    action: drop\n"
	"  - name: fm-narrow-accept\n"
	"    proto: tcp\n"
	"    to: 10.40.1.1\n"
	"    port: 1003\n"
	"    action: accept\n"
	"  - name: fm-narrow-drop\n"
	"    proto: tcp\n"
	"    to: 10.41.1.1\n"
	"    port: 1003\n"
	"    action: drop\n"
	"  - name: fm-wide-accept\n"
	"    proto: tcp\n"
	"    to: 10.41.0.0/16\n"
	"    action: accept\n"
	/* CIDR */
	"  - name: v4-16\n"
	"    proto: udp\n"
	"    port: 2000\n"
	"    from: 10.1.0.0/16\n"
	"    action: accept\n"
	"  - name: v4-32\n"
	"    proto: udp\n"
	"    port: 2001\n"
	"    to: 10.9.9.9/32\n"
	"    action: accept\n"
	"  - name: v4-bare\n"
	"    proto: udp\n"
	"    port: 2001\n"
	"    to: 10.9.9.7\n"
	"    action: accept\n"
	"  - name: v4-0\n"
	"    proto: udp\n"
	"    port: 2002\n"
	"    from: 0.0.0.0/0\n"
	"    action: accept\n"
	"  - name: v4-23\n"
	"    proto: udp\n"
	"    port: 2004\n"
	"    to: 10.20.0.0/23\n"
	"    action: accept\n"
	"  - name: v4-from-to\n"
	"    proto: tcp\n"
	"    port: 2010\n"
	"    from: 10.30.0.0/24\n"
	"    to: 10.31.0.0/24\n"
	"    action: accept\n"
	"  - name: v6-48\n"
	"    proto: udp\n"
	"    port: 2000\n"
	"    from: \"2001:db8:1::/48\"\n"
	"    action: accept\n"
	"  - name: v6-128\n"
	"    proto: udp\n"
	"    port: 2001\n"
	"    to: \"2001:db8::9/128\"\n"
	"    action: accept\n"
	"  - name: v6-0\n"
	"    proto: udp\n"
	"    port: 2003\n"
	"    from: \"::/0\"\n"
	"    action: accept\n"
	"  - name: v6-57\n"
	"    proto: udp\n"
	"    port: 2004\n"
	"    to: \"2001:db8:0:80::/57\"\n"
	"    action: accept\n"
	"  - name: v6-127\n"
	"    proto: udp\n"
	"    port: 2005\n"
	"    to: \"2001:db8::4/127\"\n"
	"    action: accept\n"
	/* Ports */
	"  - name: p-range\n"
	"    proto: tcp\n"
	"    port: 3000-3010\n"
	"    action: accept\n"
	"  - name: p-exact\n"
	"    proto: tcp\n"
	"    port: 4000-4255\n"
	"    action: accept\n"
	"  - name: p-block\n"
	"    proto: tcp\n"
	"    port: 5000-5256\n"
	"    action: accept\n"
	"  - name: p-wide\n"
	"    proto: sctp\n"
	"    port: 1024-65535\n"
	"    action: accept\n"
	"  - name: p-list\n"
	"    proto: tcp\n"
	"    port: [6001, 6003, 6005-6006]\n"
	"    action: accept\n"
	"  - name: p-set\n"
	"    proto: tcp\n"
	"    to: 10.50.0.1\n"
	"    port: $web\n"
	"    action: accept\n"
	"  - name: p-sport\n"
	"    proto: udp\n"
	"    sport: 53\n"
	"    action: accept\n"
	"  - name: p-sport-dport\n"
	"    proto: tcp\n"
	"    sport: 1024-65535\n"
	"    port: 6100\n"
	"    action: accept\n"
	"  - name: p-zero\n"
	"    proto: udp\n"
	"    port: 0\n"
	"    action: accept\n"
	/* Protocols */
	"  - name: proto-any\n"
	"    to: 10.60.0.1\n"
	"    action: accept\n"
	"  - name: proto-udp\n"
	"    to: 10.60.0.2\n"
	"    proto: udp\n"
	"    action: accept\n"
	"  - name: proto-47\n"
	"    to: 10.60.0.3\n"
	"    proto: 47\n"
	"    action: accept\n"
	"  - name: icmp-echo\n"
	"    proto: icmp\n"
	"    icmp_type: echo-request\n"
	"    action: accept\n"
	"  - name: icmp-13\n"
	"    proto: icmp\n"
	"    icmp_type: 13\n"
	"    action: accept\n"
	"  - name: icmp-to-host\n"
	"    proto: icmp\n"
	"    to: 10.61.0.1\n"
	"    action: accept\n"
	"  - name: icmp6-echo\n"
	"    proto: icmpv6\n"
	"    icmp_type: echo-request\n"
	"    action: accept\n"
	/* Families */
	"  - name: fam4\n"
	"    family: ipv4\n"
	"    proto: tcp\n"
	"    port: 7001\n"
	"    action: accept\n"
	"  - name: fam6\n"
	"    family: ipv6\n"
	"    proto: tcp\n"
	"    port: 7002\n"
	"    action: accept\n"
	"  - name: fam-both\n"
	"    proto: tcp\n"
	"    port: 7003\n"
	"    action: accept\n"
	/* Nesting */
	"  - name: nest\n"
	"    from: 10.70.0.0/16\n"
	"    rules:\n"
	"      - name: nest-ssh\n"
	"        proto: tcp\n"
	"        port: 22\n"
	"        action: accept\n"
	"      - name: nest-mdns\n"
	"        proto: udp\n"
	"        port: 5353\n"
	"        action: drop\n"
	"  - name: after-nest\n"
	"    proto: tcp\n"
	"    port: [22, 23]\n"
	"    action: drop\n"
	"  - name: after-nest-mdns\n"
	"    proto: udp\n"
	"    port: 5353\n"
	"    action: accept\n"
	"  - name: deep\n"
	"    to: 10.72.0.0/16\n"
	"    rules:\n"
	"      - name: deep-tcp\n"
	"        proto: tcp\n"
	"        rules:\n"
	"          - name: deep-web\n"
	"            port: 8080\n"
	"            action: accept\n"
	"          - name: deep-wan\n"
	"            in: wan\n"
	"            port: 8081\n"
	"            action: accept\n"
	/* Zones and interface names */
	"  - name: z-lan\n"
	"    in: lan\n"
	"    proto: tcp\n"
	"    port: 7100\n"
	"    action: accept\n"
	"  - name: z-wan\n"
	"    in: wan\n"
	"    proto: tcp\n"
	"    port: 7101\n"
	"    action: accept\n"
	"  - name: z-if-lo\n"
	"    in: lo\n"
	"    proto: tcp\n"
	"    port: 7102\n"
	"    action: accept\n"
	"  - name: counted\n"
	"    proto: udp\n"
	"    port: 7300\n"
	"    action: accept\n";

static const struct pkt_case rules_cases[] = {
	/* First match wins */
	{ "accept before drop: the accept wins", TCP4(1001), PASS(ACCEPT, "fm-accept") },
	{ "drop before accept: the drop wins", TCP4(1002), DROP(RULE, "fm-drop2") },
	{ "accept before drop, ipv6", TCP6(1001), PASS(ACCEPT, "fm-accept") },
	{ "wide drop before a narrow accept of another shape: the drop wins",
	  TCP4(1003, .dst = "10.40.1.1"), DROP(RULE, "fm-wide-drop") },
	{ "narrow drop before a wide accept of another shape: the drop wins",
	  TCP4(1003, .dst = "10.41.1.1"), DROP(RULE, "fm-narrow-drop") },
	{ "the wide accept still takes the rest of its prefix",
	  TCP4(1004, .dst = "10.41.1.1"), PASS(ACCEPT, "fm-wide-accept") },
	{ "a $set of both families, first rule, beats later accepts (ipv4)",
	  TCP4(1001, .src = "203.0.113.200"), DROP(RULE, "blocked") },
	{ "a $set of both families, first rule, beats later accepts (ipv6)",
	  UDP6(2003, .src = "2001:db8:bad:ffff::1"), DROP(RULE, "blocked") },
	{ "just outside the $set's ipv4 prefix",
	  TCP4(1001, .src = "203.0.114.0"), PASS(ACCEPT, "fm-accept") },
	{ "just outside the $set's ipv6 prefix",
	  UDP6(2003, .src = "2001:db8:bae::1"), PASS(ACCEPT, "v6-0") },

	/* CIDR, IPv4 */
	{ "from /16: first address", UDP4(2000, .src = "10.1.0.0"), PASS(ACCEPT, "v4-16") },
	{ "from /16: last address", UDP4(2000, .src = "10.1.255.255"), PASS(ACCEPT, "v4-16") },
	{ "from /16: one below", UDP4(2000, .src = "10.0.255.255"), DROP(POLICY, "default") },
	{ "from /16: one above", UDP4(2000, .src = "10.2.0.0"), DROP(POLICY, "default") },
	{ "from /16: right prefix, other port", UDP4(1999, .src = "10.1.2.3"), DROP(POLICY, "default") },
	{ "to /32: the address", UDP4(2001, .dst = "10.9.9.9"), PASS(ACCEPT, "v4-32") },
	{ "to /32: one below", UDP4(2001, .dst = "10.9.9.8"), DROP(POLICY, "default") },
	{ "to /32: one above", UDP4(2001, .dst = "10.9.9.10"), DROP(POLICY, "default") },
	{ "to a bare address (/32)", UDP4(2001, .dst = "10.9.9.7"), PASS(ACCEPT, "v4-bare") },
	{ "to /32 is to, not from", UDP4(2001, .src = "10.9.9.9", .dst = "10.9.9.1"),
	  DROP(POLICY, "default") },
	{ "from /0 takes any ipv4", UDP4(2002, .src = "255.255.255.255"), PASS(ACCEPT, "v4-0") },
	{ "from /0 takes 0.0.0.0", UDP4(2002, .src = "0.0.0.0"), PASS(ACCEPT, "v4-0") },
	{ "ipv4 /0 does not take ipv6", UDP6(2002), DROP(POLICY, "default") },
	{ "to /23: last address", UDP4(2004, .dst = "10.20.1.255"), PASS(ACCEPT, "v4-23") },
	{ "to /23: one above", UDP4(2004, .dst = "10.20.2.0"), DROP(POLICY, "default") },
	{ "to /23: one below", UDP4(2004, .dst = "10.19.255.255"), DROP(POLICY, "default") },
	{ "from and to both inside", TCP4(2010, .src = "10.30.0.5", .dst = "10.31.0.5"),
	  PASS(ACCEPT, "v4-from-to") },
	{ "from inside, to outside", TCP4(2010, .src = "10.30.0.5", .dst = "10.32.0.5"),
	  DROP(POLICY, "default") },
	{ "from outside, to inside", TCP4(2010, .src = "10.29.0.5", .dst = "10.31.0.5"),
	  DROP(POLICY, "default") },

	/* CIDR, IPv6 */
	{ "from /48: inside", UDP6(2000, .src = "2001:db8:1:ffff:ffff:ffff:ffff:ffff"),
	  PASS(ACCEPT, "v6-48") },
	{ "from /48: outside", UDP6(2000, .src = "2001:db8:2::"), DROP(POLICY, "default") },
	{ "from /48: ipv4 of the same port is not it", UDP4(2000), DROP(POLICY, "default") },
	{ "to /128: the address", UDP6(2001, .dst = "2001:db8::9"), PASS(ACCEPT, "v6-128") },
	{ "to /128: one below", UDP6(2001, .dst = "2001:db8::8"), DROP(POLICY, "default") },
	{ "to /128: one above", UDP6(2001, .dst = "2001:db8::a"), DROP(POLICY, "default") },
	{ "to /128: differs only in the first word", UDP6(2001, .dst = "2001:db9::9"),
	  DROP(POLICY, "default") },
	{ "from ::/0 takes any ipv6", UDP6(2003, .src = "fe80::1"), PASS(ACCEPT, "v6-0") },
	{ "ipv6 /0 does not take ipv4", UDP4(2003), DROP(POLICY, "default") },
	{ "to /57 (partial second word): inside", UDP6(2004, .dst = "2001:db8:0:ff::1"),
	  PASS(ACCEPT, "v6-57") },
	{ "to /57: just below", UDP6(2004, .dst = "2001:db8:0:7f:ffff::"), DROP(POLICY, "default") },
	{ "to /57: just above", UDP6(2004, .dst = "2001:db8:0:100::"), DROP(POLICY, "default") },
	{ "to /127: both addresses", UDP6(2005, .dst = "2001:db8::5"), PASS(ACCEPT, "v6-127") },
	{ "to /127: the other one", UDP6(2005, .dst = "2001:db8::4"), PASS(ACCEPT, "v6-127") },
	{ "to /127: outside", UDP6(2005, .dst = "2001:db8::6"), DROP(POLICY, "default") },

	/* Ports */
	{ "range 3000-3010: 2999", TCP4(2999), DROP(POLICY, "default") },
	{ "range 3000-3010: 3000", TCP4(3000), PASS(ACCEPT, "p-range") },
	{ "range 3000-3010: 3005", TCP4(3005), PASS(ACCEPT, "p-range") },
	{ "range 3000-3010: 3010", TCP4(3010), PASS(ACCEPT, "p-range") },
	{ "range 3000-3010: 3011", TCP4(3011), DROP(POLICY, "default") },
	{ "exact-expanded 4000-4255: 3999", TCP4(3999), DROP(POLICY, "default") },
	{ "exact-expanded 4000-4255: 4000", TCP4(4000), PASS(ACCEPT, "p-exact") },
	{ "exact-expanded 4000-4255: 4127", TCP6(4127), PASS(ACCEPT, "p-exact") },
	{ "exact-expanded 4000-4255: 4255", TCP4(4255), PASS(ACCEPT, "p-exact") },
	{ "exact-expanded 4000-4255: 4256", TCP4(4256), DROP(POLICY, "default") },
	{ "blocks 5000-5256: 4999", TCP4(4999), DROP(POLICY, "default") },
	{ "blocks 5000-5256: 5000", TCP4(5000), PASS(ACCEPT, "p-block") },
	{ "blocks 5000-5256: 5119", TCP4(5119), PASS(ACCEPT, "p-block") },
	{ "blocks 5000-5256: 5120", TCP4(5120), PASS(ACCEPT, "p-block") },
	{ "blocks 5000-5256: 5255", TCP4(5255), PASS(ACCEPT, "p-block") },
	{ "blocks 5000-5256: 5256", TCP4(5256), PASS(ACCEPT, "p-block") },
	{ "blocks 5000-5256: 5257", TCP6(5257), DROP(POLICY, "default") },
	{ "wide 1024-65535: 1023", SCTP4(1023), DROP(POLICY, "default") },
	{ "wide 1024-65535: 1024", SCTP4(1024), PASS(ACCEPT, "p-wide") },
	{ "wide 1024-65535: 2047", SCTP4(2047), PASS(ACCEPT, "p-wide") },
	{ "wide 1024-65535: 32767", SCTP4(32767), PASS(ACCEPT, "p-wide") },
	{ "wide 1024-65535: 32768", SCTP4(32768), PASS(ACCEPT, "p-wide") },
	{ "wide 1024-65535: 65535", SCTP4(65535), PASS(ACCEPT, "p-wide") },
	{ "wide 1024-65535: 0", SCTP4(0), DROP(POLICY, "default") },
	{ "wide 1024-65535: 512", SCTP4(512), DROP(POLICY, "default") },
	{ "list: 6001", TCP4(6001), PASS(ACCEPT, "p-list") },
	{ "list: 6002", TCP4(6002), DROP(POLICY, "default") },
	{ "list: 6003", TCP4(6003), PASS(ACCEPT, "p-list") },
	{ "list: 6004", TCP4(6004), DROP(POLICY, "default") },
	{ "list: 6005", TCP4(6005), PASS(ACCEPT, "p-list") },
	{ "list: 6006", TCP4(6006), PASS(ACCEPT, "p-list") },
	{ "list: 6007", TCP4(6007), DROP(POLICY, "default") },
	{ "$set of ports: 80", TCP4(80, .dst = "10.50.0.1"), PASS(ACCEPT, "p-set") },
	{ "$set of ports: 443", TCP4(443, .dst = "10.50.0.1"), PASS(ACCEPT, "p-set") },
	{ "$set of ports: 8010", TCP4(8010, .dst = "10.50.0.1"), PASS(ACCEPT, "p-set") },
	{ "$set of ports: 81", TCP4(81, .dst = "10.50.0.1"), DROP(POLICY, "default") },
	{ "$set of ports: 8011", TCP4(8011, .dst = "10.50.0.1"), DROP(POLICY, "default") },
	{ "$set of ports, other host", TCP4(80, .dst = "10.50.0.2"), DROP(POLICY, "default") },
	{ "sport 53, any dport", UDP4(9999, .sport = 53), PASS(ACCEPT, "p-sport") },
	{ "sport 53, ipv6", UDP6(9999, .sport = 53), PASS(ACCEPT, "p-sport") },
	{ "sport 54", UDP4(9999, .sport = 54), DROP(POLICY, "default") },
	{ "dport 53 is not sport 53", UDP4(53, .sport = 9999), DROP(POLICY, "default") },
	{ "sport 1024-65535 + dport 6100: sport 1024", TCP4(6100, .sport = 1024),
	  PASS(ACCEPT, "p-sport-dport") },
	{ "sport 1024-65535 + dport 6100: sport 65535", TCP4(6100, .sport = 65535),
	  PASS(ACCEPT, "p-sport-dport") },
	{ "sport 1024-65535 + dport 6100: sport 1023", TCP4(6100, .sport = 1023),
	  DROP(POLICY, "default") },
	{ "sport 1024-65535 + dport 6100: dport 6101", TCP4(6101, .sport = 2000),
	  DROP(POLICY, "default") },
	{ "port 0", UDP4(0), PASS(ACCEPT, "p-zero") },

	/* Protocols */
	{ "proto any: tcp", TCP4(1, .dst = "10.60.0.1"), PASS(ACCEPT, "proto-any") },
	{ "proto any: udp", UDP4(1, .dst = "10.60.0.1"), PASS(ACCEPT, "proto-any") },
	{ "proto any: icmp", { .family = 4, .proto = P_ICMP, .icmp_type = 3, .dst = "10.60.0.1" },
	  PASS(ACCEPT, "proto-any") },
	{ "proto any: gre", { .family = 4, .proto = P_GRE, .dst = "10.60.0.1", .payload = 24 },
	  PASS(ACCEPT, "proto-any") },
	{ "proto any: a non-first fragment",
	  TCP4(1, .dst = "10.60.0.1", .ip4_frag = IP4_FRAG_OFF(800)), PASS(ACCEPT, "proto-any"), FRAG },
	{ "proto udp: udp", UDP4(1, .dst = "10.60.0.2"), PASS(ACCEPT, "proto-udp") },
	{ "proto udp: tcp", TCP4(1, .dst = "10.60.0.2"), DROP(POLICY, "default") },
	{ "proto udp: a non-first udp fragment",
	  UDP4(1, .dst = "10.60.0.2", .ip4_frag = IP4_FRAG_OFF(800)), PASS(ACCEPT, "proto-udp"), FRAG },
	{ "proto 47: gre", { .family = 4, .proto = P_GRE, .dst = "10.60.0.3", .payload = 24 },
	  PASS(ACCEPT, "proto-47") },
	{ "proto 47: udp", UDP4(47, .dst = "10.60.0.3"), DROP(POLICY, "default") },
	{ "icmp echo-request", { .family = 4, .proto = P_ICMP, .icmp_type = 8 },
	  PASS(ACCEPT, "icmp-echo") },
	{ "icmp echo-reply", { .family = 4, .proto = P_ICMP, .icmp_type = 0 },
	  DROP(POLICY, "default") },
	{ "icmp type 13 by number", { .family = 4, .proto = P_ICMP, .icmp_type = 13 },
	  PASS(ACCEPT, "icmp-13") },
	{ "icmp type 14", { .family = 4, .proto = P_ICMP, .icmp_type = 14 },
	  DROP(POLICY, "default") },
	{ "icmp any type to one host", { .family = 4, .proto = P_ICMP, .icmp_type = 11,
	  .dst = "10.61.0.1" }, PASS(ACCEPT, "icmp-to-host") },
	{ "tcp dport 8 is not icmp echo-request", TCP4(8), DROP(POLICY, "default") },
	{ "icmpv6 echo-request", { .family = 6, .proto = P_ICMP6, .icmp_type = 128 },
	  PASS(ACCEPT, "icmp6-echo") },
	{ "icmpv6 echo-reply", { .family = 6, .proto = P_ICMP6, .icmp_type = 129 },
	  DROP(POLICY, "default") },

	/* Families */
	{ "family ipv4: ipv4", TCP4(7001), PASS(ACCEPT, "fam4") },
	{ "family ipv4: ipv6", TCP6(7001), DROP(POLICY, "default") },
	{ "family ipv6: ipv6", TCP6(7002), PASS(ACCEPT, "fam6") },
	{ "family ipv6: ipv4", TCP4(7002), DROP(POLICY, "default") },
	{ "no family: ipv4", TCP4(7003), PASS(ACCEPT, "fam-both") },
	{ "no family: ipv6", TCP6(7003), PASS(ACCEPT, "fam-both") },

	/* Nesting */
	{ "a child inside its parent's match", TCP4(22, .src = "10.70.1.1"),
	  PASS(ACCEPT, "nest-ssh") },
	{ "the same packet outside the parent: the child does not apply",
	  TCP4(22, .src = "10.80.1.1"), DROP(RULE, "after-nest") },
	{ "inside the parent, no child matches: the next top-level rule decides",
	  TCP4(23, .src = "10.70.1.1"), DROP(RULE, "after-nest") },
	{ "a drop child inside its parent", UDP4(5353, .src = "10.70.9.9"), DROP(RULE, "nest-mdns") },
	{ "the drop child outside its parent", UDP4(5353, .src = "10.71.9.9"),
	  PASS(ACCEPT, "after-nest-mdns") },
	{ "inside the parent, matched by nothing", UDP4(5354, .src = "10.70.9.9"),
	  DROP(POLICY, "default") },
	{ "two levels deep", TCP4(8080, .dst = "10.72.3.4"), PASS(ACCEPT, "deep-web") },
	{ "two levels deep, middle level's proto not met", UDP4(8080, .dst = "10.72.3.4"),
	  DROP(POLICY, "default") },
	{ "two levels deep, top level's prefix not met", TCP4(8080, .dst = "10.73.3.4"),
	  DROP(POLICY, "default") },
	{ "two levels deep, in: wan child, on wan", TCP4(8081, .dst = "10.72.3.4"), ON(L_WAN),
	  PASS(ACCEPT, "deep-wan") },
	{ "two levels deep, in: wan child, on lan", TCP4(8081, .dst = "10.72.3.4"),
	  DROP(POLICY, "default") },

	/* Zones and interfaces */
	{ "in: lan, on lo (lan)", TCP4(7100), PASS(ACCEPT, "z-lan") },
	{ "in: lan, on wan", TCP4(7100), ON(L_WAN), DROP(POLICY, "default") },
	{ "in: lan, on an unlisted link", TCP4(7100), ON(L_NONE), DROP(POLICY, "default") },
	{ "in: wan, on wan", TCP4(7101), ON(L_WAN), PASS(ACCEPT, "z-wan") },
	{ "in: wan, on wan, ipv6", TCP6(7101), ON(L_WAN), PASS(ACCEPT, "z-wan") },
	{ "in: wan, on lo (lan)", TCP4(7101), DROP(POLICY, "default") },
	{ "in: wan, on an unlisted link", TCP4(7101), ON(L_NONE), DROP(POLICY, "default") },
	{ "in: lo (an interface name), on lo", TCP4(7102), PASS(ACCEPT, "z-if-lo") },
	{ "in: lo (an interface name), on wan", TCP4(7102), ON(L_WAN), DROP(POLICY, "default") },
	{ "a rule without in: on an unlisted link", TCP4(7003), ON(L_NONE), PASS(ACCEPT, "fam-both") },
	/* A rule's dry_run (it counts, and never decides): tests/bpf/test_dryrun.c. */
};

/* IPv4 classifier entries of a rule and the distinct dport masks they use. */
static size_t rule_entries_v4(const char *name, size_t *n_exact)
{
	size_t i, n = 0;
	long idx = -1;

	*n_exact = 0;
	for (i = 0; i < live.comp.n_rules; i++)
		if (!strcmp(live.comp.names[i], name))
			idx = (long)i;
	if (idx < 0)
		return 0;
	for (i = 0; i < live.comp.n_entries; i++) {
		const struct cls_entry *e = &live.comp.entries[i];

		if ((long)e->rule != idx || e->key.family != WARD_FAM_V4)
			continue;
		n++;
		if (live.comp.hdr.tuples[e->key.tuple].dport_mask == 0xffff)
			(*n_exact)++;
	}
	return n;
}

/*
 * The port cases above claim to test an exact-expanded range, a range of
 * power-of-two blocks and a wide one: make sure the compiler made them so,
 * or they would test something else than they say.
 */
static void test_port_shapes(void)
{
	size_t n, exact;

	test_start("rules: the port ranges compiled as the cases assume");
	n = rule_entries_v4("p-exact", &exact);
	ASSERT_EQ(n, 256, "4000-4255: one entry per port");
	ASSERT_EQ(exact, 256, "4000-4255: all exact");
	/* 257 ports: blocks of one port are as many entries as 512 blocks allow */
	n = rule_entries_v4("p-block", &exact);
	ASSERT_EQ(n, 257, "5000-5256: one entry per port");
	ASSERT_EQ(exact, 257, "5000-5256: all exact");
	/* 504 aligned blocks of 128 */
	n = rule_entries_v4("p-wide", &exact);
	ASSERT_EQ(n, 504, "1024-65535: blocks");
	ASSERT_EQ(exact, 0, "1024-65535: no single port");
	test_end();
}

/* Packet and byte counters over several packets and BPF_PROG_TEST_RUN repeats. */
static void test_counters_exact(void)
{
	static const __u16 sizes[] = { 0, 18, 100, 1000 };
	struct pkt_case c = { "counted", UDP4(7300), PASS(ACCEPT, "counted") };
	__u64 pk0, by0, pk, by, want_by = 0;
	long idx;
	size_t i;

	test_start("rules: packet and byte counters add up exactly over sizes and repeats");
	idx = stat_of("counted");
	if (!ASSERT_GE(idx, 0, "stat of 'counted'")) {
		test_end();
		return;
	}
	read_stat(idx, &pk0, &by0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct pkt k;

		c.pkt.payload = sizes[i];
		if (!ASSERT_OK(pkt_build(&c.pkt, &k), "pkt_build"))
			break;
		/* 3 runs through XDP, 2 through tc, all in one test_run each. */
		ASSERT_EQ(run_hook(&c, &k, true, 3), V_PASS, "xdp x3");
		ASSERT_EQ(run_hook(&c, &k, false, 2), V_PASS, "tc x2");
		want_by += 5ull * k.len;
	}
	read_stat(idx, &pk, &by);
	ASSERT_EQ(pk - pk0, 5 * ARRAY_SIZE(sizes), "packets");
	ASSERT_EQ(by - by0, want_by, "bytes");
	/* The frame length, L2 header included: 4 sizes of 14+20+8+payload. */
	ASSERT_EQ(want_by, 5ull * (4 * 42 + 0 + 18 + 100 + 1000), "bytes are frame lengths");
	test_end();
}

void test_rules(void)
{
	if (!commit_test("rules", rules_policy))
		return;
	run_cases("rules", rules_cases, ARRAY_SIZE(rules_cases));
	test_port_shapes();
	test_counters_exact();
}
