// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_bpf_parser.c: the cases of ward_bpf_test for the packet
 * parser: every branch of L2 (VLAN tags), IPv4, IPv6 and its extension
 * headers, fragments and the link layer that passes whatever the rules
 * say (ARP, neighbour discovery), under small policies that tell the
 * branches apart. The harness is in bpf_harness.c, main() in test_bpf.c.
 */
#include <stdlib.h>
#include <string.h>

#include "test_assert.h"
#include "pkt.h"
#include "bpf_harness.h"

/* ------------------------------------------------------------------ */
/* Parser branches */

static const char parser_policy[] =
	"interfaces:\n"
	"  - match: lo\n"
	"    role: lan\n"
	"defaults:\n"
	"  policy: drop\n"
	"rules:\n"
	"  - name: tcp80\n"
	"    proto: tcp\n"
	"    port: 80\n"
	"    action: accept\n"
	"  - name: udp53\n"
	"    proto: udp\n"
	"    port: 53\n"
	"    action: accept\n"
	"  - name: sctp9899\n"
	"    proto: sctp\n"
	"    port: 9899\n"
	"    action: accept\n"
	"  - name: icmp-echo\n"
	"    proto: icmp\n"
	"    icmp_type: echo-request\n"
	"    action: accept\n"
	"  - name: icmp6-echo\n"
	"    proto: icmpv6\n"
	"    icmp_type: echo-request\n"
	"    action: accept\n"
	/* Address-only rules: what a non-first fragment can still match. */
	"  - name: frag-host\n"
	"    from: 192.0.2.77\n"
	"    action: accept\n"
	"  - name: frag-host6\n"
	"    from: \"2001:db8::77\"\n"
	"    action: accept\n";

static const struct pkt_case parser_cases[] = {
	/* Ethernet + IPv4 */
	{ "ipv4 tcp dport 80 matches",
	  { .family = 4, .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "ipv4 tcp dport 81 falls to the default",
	  { .family = 4, .proto = P_TCP, .dport = 81 }, DROP(POLICY, "default") },
	{ "ipv4 tcp with options (doff 8) matches",
	  { .family = 4, .proto = P_TCP, .dport = 80, .tcp_opts = 3, .payload = 100 },
	  PASS(ACCEPT, "tcp80") },
	{ "ipv4 tcp sport 80 is not dport 80",
	  { .family = 4, .proto = P_TCP, .sport = 80, .dport = 40000 }, DROP(POLICY, "default") },
	{ "ipv4 udp dport 53 matches",
	  { .family = 4, .proto = P_UDP, .dport = 53, .payload = 30 }, PASS(ACCEPT, "udp53") },
	{ "ipv4 udp dport 54 falls to the default",
	  { .family = 4, .proto = P_UDP, .dport = 54 }, DROP(POLICY, "default") },
	{ "ipv4 udp padded to the 60-byte Ethernet minimum matches",
	  { .family = 4, .proto = P_UDP, .dport = 53, .payload = 2, .pad_to = 60 },
	  PASS(ACCEPT, "udp53") },
	{ "ipv4 sctp dport 9899 matches",
	  { .family = 4, .proto = P_SCTP, .dport = 9899, .payload = 16 }, PASS(ACCEPT, "sctp9899") },
	{ "ipv4 sctp dport 9900 falls to the default",
	  { .family = 4, .proto = P_SCTP, .dport = 9900 }, DROP(POLICY, "default") },
	{ "ipv4 udp dport 9899 is not sctp",
	  { .family = 4, .proto = P_UDP, .dport = 9899 }, DROP(POLICY, "default") },
	{ "ipv4 icmp echo-request matches",
	  { .family = 4, .proto = P_ICMP, .icmp_type = 8, .payload = 56 }, PASS(ACCEPT, "icmp-echo") },
	{ "ipv4 icmp echo-reply falls to the default",
	  { .family = 4, .proto = P_ICMP, .icmp_type = 0, .payload = 56 }, DROP(POLICY, "default") },
	{ "ipv4 options (IHL 6) tcp 80 matches on ports",
	  { .family = 4, .proto = P_TCP, .dport = 80, .ip4_opts = 1 }, PASS(ACCEPT, "tcp80") },
	{ "ipv4 options (IHL 15) tcp 80 matches on ports",
	  { .family = 4, .proto = P_TCP, .dport = 80, .ip4_opts = 10 }, PASS(ACCEPT, "tcp80") },
	{ "ipv4 options (IHL 15) tcp 81 falls to the default",
	  { .family = 4, .proto = P_TCP, .dport = 81, .ip4_opts = 10 }, DROP(POLICY, "default") },
	{ "ipv4 options (IHL 7) udp 53 matches on ports",
	  { .family = 4, .proto = P_UDP, .dport = 53, .ip4_opts = 2 }, PASS(ACCEPT, "udp53") },
	{ "ipv4 DF set is not a fragment",
	  { .family = 4, .proto = P_TCP, .dport = 80, .ip4_frag = 0x4000 }, PASS(ACCEPT, "tcp80") },

	/* VLAN tags */
	{ "802.1Q ipv4 tcp 80 matches like untagged",
	  { .tags = QTAG, .family = 4, .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "802.1Q ipv4 tcp 81 falls to the default",
	  { .tags = QTAG, .family = 4, .proto = P_TCP, .dport = 81 }, DROP(POLICY, "default") },
	{ "802.1ad+802.1Q ipv4 tcp 80 matches like untagged",
	  { .tags = QINQ, .family = 4, .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "802.1ad+802.1Q ipv4 tcp 81 falls to the default",
	  { .tags = QINQ, .family = 4, .proto = P_TCP, .dport = 81 }, DROP(POLICY, "default") },
	{ "802.1Q+802.1Q ipv4 udp 53 matches like untagged",
	  { .tags = { ETH_8021Q, ETH_8021Q }, .family = 4, .proto = P_UDP, .dport = 53 },
	  PASS(ACCEPT, "udp53") },
	{ "802.1Q ipv6 udp 53 matches like untagged",
	  { .tags = QTAG, .family = 6, .proto = P_UDP, .dport = 53 }, PASS(ACCEPT, "udp53") },
	{ "802.1ad+802.1Q ipv6 tcp 80 matches like untagged",
	  { .tags = QINQ, .family = 6, .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "802.1ad+802.1Q ipv4 icmp echo-request matches",
	  { .tags = QINQ, .family = 4, .proto = P_ICMP, .icmp_type = 8 }, PASS(ACCEPT, "icmp-echo") },
	{ "a third tag is dropped, not looked behind",
	  { .tags = { ETH_8021AD, ETH_8021Q, ETH_8021Q }, .family = 4, .proto = P_TCP, .dport = 80 },
	  DROP(TRUNC_L2, NULL) },
	{ "a third 802.1ad tag is dropped",
	  { .tags = { ETH_8021AD, ETH_8021AD, ETH_8021AD }, .family = 6, .proto = P_UDP, .dport = 53 },
	  DROP(TRUNC_L2, NULL) },
	{ "802.1Q arp passes",
	  { .tags = QTAG, .ethertype = ETH_ARP, .payload = 28 }, PASS(PASS_NON_IP, NULL) },

	/* IPv6 */
	{ "ipv6 tcp dport 80 matches",
	  { .family = 6, .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "ipv6 tcp dport 81 falls to the default",
	  { .family = 6, .proto = P_TCP, .dport = 81 }, DROP(POLICY, "default") },
	{ "ipv6 udp dport 53 matches",
	  { .family = 6, .proto = P_UDP, .dport = 53, .payload = 40 }, PASS(ACCEPT, "udp53") },
	{ "ipv6 sctp dport 9899 matches",
	  { .family = 6, .proto = P_SCTP, .dport = 9899 }, PASS(ACCEPT, "sctp9899") },
	{ "ipv6 icmpv6 echo-request matches",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 128, .payload = 56 }, PASS(ACCEPT, "icmp6-echo") },
	{ "ipv6 icmpv6 echo-reply falls to the default",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 129, .payload = 56 }, DROP(POLICY, "default") },
	{ "ipv6 icmpv6 type 8 is not icmp echo-request",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 8 }, DROP(POLICY, "default") },
	{ "ipv6 hop-by-hop+dstopts+routing tcp 80 matches on ports",
	  { .family = 6, .ext = "hdr", .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "ipv6 hop-by-hop+dstopts+routing tcp 81 falls to the default",
	  { .family = 6, .ext = "hdr", .proto = P_TCP, .dport = 81 }, DROP(POLICY, "default") },
	{ "ipv6 hop-by-hop+routing+dstopts udp 53 matches on ports",
	  { .family = 6, .ext = "hrd", .proto = P_UDP, .dport = 53 }, PASS(ACCEPT, "udp53") },
	{ "ipv6 AH tcp 80 matches on ports",
	  { .family = 6, .ext = "a", .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "ipv6 hop-by-hop+AH+dstopts icmpv6 echo-request matches",
	  { .family = 6, .ext = "had", .proto = P_ICMP6, .icmp_type = 128 }, PASS(ACCEPT, "icmp6-echo") },
	{ "ipv6 7 extension headers, tcp 80 matches",
	  { .family = 6, .ext = "hdddddd", .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "ipv6 8 extension headers (WARD_IP6_EXT_MAX), tcp 80 matches",
	  { .family = 6, .ext = "hddddddd", .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "tcp80") },
	{ "ipv6 9 extension headers are refused",
	  { .family = 6, .ext = "hdddddddd", .proto = P_TCP, .dport = 80 }, DROP(BAD_IP6_EXT, NULL) },
	{ "ipv6 L4 header past 1024 bytes of extension headers is refused",
	  { .family = 6, .ext = "H", .proto = P_TCP, .dport = 80 }, DROP(BAD_IP6_EXT, NULL) },
	{ "ipv6 no-next-header is classified on addresses",
	  { .family = 6, .src = "2001:db8::77", .proto = P_NONE, .payload = 8 },
	  PASS(ACCEPT, "frag-host6") },
	{ "ipv6 esp is classified on addresses",
	  { .family = 6, .src = "2001:db8::77", .proto = P_ESP, .payload = 32 },
	  PASS(ACCEPT, "frag-host6") },

	/* Fragments */
	{ "ipv4 first fragment (MF, offset 0) matches on ports",
	  { .family = 4, .proto = P_TCP, .dport = 80, .ip4_frag = IP4_MF }, PASS(ACCEPT, "tcp80") },
	{ "ipv4 non-first fragment: a port rule does not match it",
	  { .family = 4, .proto = P_TCP, .dport = 80, .ip4_frag = IP4_MF | IP4_FRAG_OFF(1480) },
	  DROP(POLICY, "default"), FRAG },
	{ "ipv4 last fragment: a port rule does not match it",
	  { .family = 4, .proto = P_UDP, .dport = 53, .ip4_frag = IP4_FRAG_OFF(8) },
	  DROP(POLICY, "default"), FRAG },
	{ "ipv4 non-first fragment at the highest offset (8191)",
	  { .family = 4, .proto = P_UDP, .dport = 53, .ip4_frag = IP4_FRAG_OFF(65528) },
	  DROP(POLICY, "default"), FRAG },
	{ "ipv4 non-first fragment at offset 32768 (only the top offset bit)",
	  { .family = 4, .proto = P_UDP, .dport = 53, .ip4_frag = IP4_FRAG_OFF(32768) },
	  DROP(POLICY, "default"), FRAG },
	{ "ipv4 non-first fragment: an address-only rule matches it",
	  { .family = 4, .src = "192.0.2.77", .proto = P_TCP, .dport = 80,
	    .ip4_frag = IP4_MF | IP4_FRAG_OFF(1480) }, PASS(ACCEPT, "frag-host"), FRAG },
	{ "ipv4 non-first fragment of icmp: the type rule does not match it",
	  { .family = 4, .proto = P_ICMP, .icmp_type = 8, .ip4_frag = IP4_FRAG_OFF(1480) },
	  DROP(POLICY, "default"), FRAG },
	{ "ipv6 first fragment (M, offset 0) matches on ports",
	  { .family = 6, .ext = "f", .ip6_frag = IP6_MF, .proto = P_TCP, .dport = 80 },
	  PASS(ACCEPT, "tcp80") },
	{ "ipv6 non-first fragment: a port rule does not match it",
	  { .family = 6, .ext = "f", .ip6_frag = IP6_FRAG_OFF(1448) | IP6_MF, .proto = P_TCP,
	    .dport = 80 }, DROP(POLICY, "default"), FRAG },
	{ "ipv6 non-first fragment after hop-by-hop: a port rule does not match it",
	  { .family = 6, .ext = "hf", .ip6_frag = IP6_FRAG_OFF(1448), .proto = P_UDP, .dport = 53 },
	  DROP(POLICY, "default"), FRAG },
	{ "ipv6 non-first fragment at the highest offset (8191)",
	  { .family = 6, .ext = "f", .ip6_frag = IP6_FRAG_OFF(65528), .proto = P_UDP, .dport = 53 },
	  DROP(POLICY, "default"), FRAG },
	{ "ipv6 non-first fragment at offset 32768 (only the top offset bit)",
	  { .family = 6, .ext = "f", .ip6_frag = IP6_FRAG_OFF(32768), .proto = P_UDP, .dport = 53 },
	  DROP(POLICY, "default"), FRAG },
	{ "ipv6 non-first fragment: an address-only rule matches it",
	  { .family = 6, .src = "2001:db8::77", .ext = "f", .ip6_frag = IP6_FRAG_OFF(1448),
	    .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "frag-host6"), FRAG },

	/* Not ours to decide */
	{ "arp passes",
	  { .ethertype = ETH_ARP, .payload = 28 }, PASS(PASS_NON_IP, NULL) },
	{ "lldp passes",
	  { .ethertype = ETH_LLDP, .payload = 40 }, PASS(PASS_NON_IP, NULL) },
	{ "ipv6 neighbour solicitation passes under policy drop",
	  { ND(135, "ff02::1:ff00:2"), .payload = 16 }, PASS(PASS_ND, NULL) },
};

/* Everything is dropped by a rule, and still the link layer works. */
static const char drop_all_policy[] =
	"defaults:\n"
	"  policy: accept\n"
	"rules:\n"
	"  - name: drop-all\n"
	"    action: drop\n";

static const struct pkt_case drop_all_cases[] = {
	{ "ipv4 tcp is dropped by the rule",
	  { .family = 4, .proto = P_TCP, .dport = 80 }, DROP(RULE, "drop-all") },
	{ "ipv6 udp is dropped by the rule",
	  { .family = 6, .proto = P_UDP, .dport = 53 }, DROP(RULE, "drop-all") },
	{ "ipv4 gre is dropped by the rule",
	  { .family = 4, .proto = P_GRE, .payload = 20 }, DROP(RULE, "drop-all") },
	{ "arp passes",
	  { .ethertype = ETH_ARP, .payload = 28 }, PASS(PASS_NON_IP, NULL) },
	{ "router solicitation (133) passes",
	  { ND(133, "ff02::2") }, PASS(PASS_ND, NULL) },
	{ "router advertisement (134) passes",
	  { ND(134, "ff02::1"), .payload = 8 }, PASS(PASS_ND, NULL) },
	{ "neighbour solicitation (135) passes",
	  { ND(135, "ff02::1:ff00:2"), .payload = 16 }, PASS(PASS_ND, NULL) },
	{ "neighbour advertisement (136) passes",
	  { ND(136, "fe80::2"), .payload = 16 }, PASS(PASS_ND, NULL) },
	{ "redirect (137) passes",
	  { ND(137, "fe80::2"), .payload = 32 }, PASS(PASS_ND, NULL) },
	{ "802.1Q neighbour solicitation passes",
	  { .tags = QTAG, ND(135, "ff02::1:ff00:2"), .payload = 16 },
	  PASS(PASS_ND, NULL) },
	{ "neighbour solicitation after hop-by-hop passes",
	  { .ext = "h", ND(135, "ff02::1:ff00:2"), .payload = 16 },
	  PASS(PASS_ND, NULL) },
	{ "icmpv6 echo-request is dropped by the rule",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 128 }, DROP(RULE, "drop-all") },
	{ "icmpv6 132 (below the ND range) is dropped by the rule",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 132 }, DROP(RULE, "drop-all") },
	{ "icmpv6 138 (above the ND range) is dropped by the rule",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 138 }, DROP(RULE, "drop-all") },
	{ "a non-first fragment starting with 135 is not ND",
	  { .family = 6, .ext = "f", .ip6_frag = IP6_FRAG_OFF(8), .proto = P_ICMP6,
	    .icmp_type = 135 }, DROP(RULE, "drop-all"), FRAG },
	{ "a neighbour solicitation shorter than 8 bytes is malformed, not ND",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 135, .cut_at = PKT_AT_L4, .cut_off = 4,
	    .cut_fix = true }, DROP(BAD_L4, NULL) },
	/* IPv4 protocol 58 is not ICMPv6: ND exists only in IPv6. */
	{ "ipv4 protocol 58 with an ND type is not ND",
	  { .family = 4, .proto = P_ICMP6, .icmp_type = 135, .payload = 16 }, DROP(RULE, "drop-all") },
};

void test_parser(void)
{
	if (commit_test("parser", parser_policy))
		run_cases("parser", parser_cases, ARRAY_SIZE(parser_cases));
}

void test_drop_all(void)
{
	if (commit_test("drop-all", drop_all_policy))
		run_cases("drop-all", drop_all_cases, ARRAY_SIZE(drop_all_cases));
}
