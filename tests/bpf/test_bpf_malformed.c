// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/bpf/test_bpf_malformed.c: the cases of ward_bpf_test for packets
 * that are not what they claim (truncated, lengths past the frame, bad
 * header fields at every layer): all dropped, each for its reason, under
 * a policy that accepts everything. The harness is in bpf_harness.c,
 * main() in test_bpf.c.
 */
#include <stdlib.h>
#include <string.h>

#include "test_assert.h"
#include "pkt.h"
#include "bpf_harness.h"

/* ------------------------------------------------------------------ */
/* Malformed packets: all dropped under a policy that accepts everything. */

static const char accept_all_policy[] =
	"defaults:\n"
	"  policy: accept\n"
	"rules:\n"
	"  - name: accept-all\n"
	"    action: accept\n";

static const struct pkt_case malformed_cases[] = {
	{ "well-formed ipv4 tcp is accepted (the control)",
	  { .family = 4, .proto = P_TCP, .dport = 80 }, PASS(ACCEPT, "accept-all") },
	{ "well-formed ipv6 udp is accepted (the control)",
	  { .family = 6, .proto = P_UDP, .dport = 53 }, PASS(ACCEPT, "accept-all") },

	/* L2 */
	{ "14-byte frame whose 802.1Q tag is missing",
	  { .tags = QTAG, .family = 4, .proto = P_TCP, CUT_RAW(L2, 14) }, DROP(TRUNC_L2, NULL) },
	{ "14-byte frame whose 802.1ad tag is missing",
	  { .tags = { ETH_8021AD }, .family = 6, .proto = P_TCP, CUT_RAW(L2, 14) },
	  DROP(TRUNC_L2, NULL) },
	{ "frame ending inside its 802.1Q tag",
	  { .tags = QTAG, .family = 4, .proto = P_TCP, CUT_RAW(L2, 16) }, DROP(TRUNC_L2, NULL) },
	{ "18-byte frame whose inner tag is missing",
	  { .tags = QINQ, .family = 4, .proto = P_TCP, CUT_RAW(L2, 18) }, DROP(TRUNC_L2, NULL) },

	/* IPv4 */
	{ "14-byte frame of ethertype ipv4 and no header",
	  { .family = 4, .proto = P_TCP, CUT_RAW(L3, 0) }, DROP(BAD_IP4, NULL), SHORT_L3 },
	{ "ipv4 header truncated (19 bytes)",
	  { .family = 4, .proto = P_TCP, CUT_RAW(L3, 19) }, DROP(BAD_IP4, NULL), SHORT_L3 },
	/* Tagged, these reach tc's program too (skb->protocol is 802.1Q). */
	{ "802.1Q ipv4 header truncated",
	  { .tags = QTAG, .family = 4, .proto = P_UDP, CUT_RAW(L3, 12) }, DROP(BAD_IP4, NULL) },
	{ "18-byte 802.1Q frame of ethertype ipv4 and no header",
	  { .tags = QTAG, .family = 4, .proto = P_UDP, CUT_RAW(L3, 0) }, DROP(BAD_IP4, NULL) },
	{ "ipv4 IHL 4",
	  { .family = 4, .proto = P_TCP, .dport = 80, .patch = { SET8(L3, 0, 0x44) } },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 IHL 0",
	  { .family = 4, .proto = P_TCP, .dport = 80, .patch = { SET8(L3, 0, 0x40) } },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 total length one byte past the frame",
	  { .family = 4, .proto = P_TCP, .dport = 80, .patch = { ADD16(L3, 2, 1) } },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 total length 65535 in a short frame",
	  { .family = 4, .proto = P_UDP, .dport = 53, .patch = { SET16(L3, 2, 65535) } },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 total length (19) below IHL*4 (20)",
	  { .family = 4, .proto = P_TCP, .dport = 80, .patch = { SET16(L3, 2, 19) } },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 total length (20) below IHL*4 (24)",
	  { .family = 4, .proto = P_TCP, .dport = 80, .ip4_opts = 1, .patch = { SET16(L3, 2, 20) } },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 options (IHL 15) cut short at 40 bytes",
	  { .family = 4, .proto = P_TCP, .dport = 80, .ip4_opts = 10, CUT(L3, 40) },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 ethertype with version 6",
	  { .family = 4, .proto = P_TCP, .dport = 80, .patch = { SET8(L3, 0, 0x65) } },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 ethertype with version 0",
	  { .family = 4, .proto = P_TCP, .dport = 80, .patch = { SET8(L3, 0, 0x05) } },
	  DROP(BAD_IP4, NULL) },
	{ "ipv4 ethertype carrying an ipv6 header",
	  { .ethertype = ETH_IP, .family = 6, .proto = P_TCP, .dport = 80 }, DROP(BAD_IP4, NULL) },

	/* IPv6 */
	{ "14-byte frame of ethertype ipv6 and no header",
	  { .family = 6, .proto = P_TCP, CUT_RAW(L3, 0) }, DROP(BAD_IP6, NULL), SHORT_L3 },
	{ "ipv6 header truncated (39 bytes)",
	  { .family = 6, .proto = P_TCP, CUT_RAW(L3, 39) }, DROP(BAD_IP6, NULL), SHORT_L3 },
	{ "802.1ad+802.1Q ipv6 header truncated (39 bytes)",
	  { .tags = QINQ, .family = 6, .proto = P_TCP, CUT_RAW(L3, 39) }, DROP(BAD_IP6, NULL) },
	{ "ipv6 payload length one byte past the frame",
	  { .family = 6, .proto = P_TCP, .dport = 80, .patch = { ADD16(L3, 4, 1) } },
	  DROP(BAD_IP6, NULL) },
	{ "ipv6 payload length 65535 in a short frame",
	  { .family = 6, .proto = P_UDP, .dport = 53, .patch = { SET16(L3, 4, 65535) } },
	  DROP(BAD_IP6, NULL) },
	{ "ipv6 ethertype with version 4",
	  { .family = 6, .proto = P_TCP, .dport = 80, .patch = { SET8(L3, 0, 0x40) } },
	  DROP(BAD_IP6, NULL) },
	{ "ipv6 ethertype carrying an ipv4 header",
	  { .ethertype = ETH_IP6, .family = 4, .proto = P_TCP, .dport = 80, .payload = 40 },
	  DROP(BAD_IP6, NULL) },

	/* Extension headers */
	{ "ipv6 hop-by-hop cut after 1 byte",
	  { .family = 6, .ext = "h", .proto = P_TCP, CUT(L3, 41) }, DROP(BAD_IP6_EXT, NULL) },
	{ "ipv6 hop-by-hop announced, no byte of it present",
	  { .family = 6, .ext = "h", .proto = P_TCP, CUT(L3, 40) }, DROP(BAD_IP6_EXT, NULL) },
	{ "ipv6 second extension header cut",
	  { .family = 6, .ext = "hd", .proto = P_UDP, CUT(L3, 49) }, DROP(BAD_IP6_EXT, NULL) },
	{ "ipv6 fragment header cut after 7 bytes",
	  { .family = 6, .ext = "f", .ip6_frag = IP6_FRAG_OFF(8), .proto = P_UDP, CUT(L3, 47) },
	  DROP(BAD_IP6_EXT, NULL) },
	{ "ipv6 hop-by-hop claiming 88 bytes in a 28-byte payload",
	  { .family = 6, .ext = "h", .proto = P_TCP, .dport = 80, .patch = { SET8(L3, 41, 10) } },
	  DROP(BAD_IP6_EXT, NULL) },
	{ "ipv6 AH claiming more than the payload",
	  { .family = 6, .ext = "a", .proto = P_TCP, .dport = 80, .patch = { SET8(L3, 41, 40) } },
	  DROP(BAD_IP6_EXT, NULL) },
	{ "ipv6 non-first fragment header past the payload length",
	  { .family = 6, .ext = "f", .ip6_frag = IP6_FRAG_OFF(8), .proto = P_UDP, .payload = 20,
	    .patch = { SET16(L3, 4, 4) } }, DROP(BAD_IP6_EXT, NULL) },

	/* TCP */
	{ "ipv4 tcp header cut at 19 bytes",
	  { .family = 4, .proto = P_TCP, .dport = 80, CUT(L4, 19) }, DROP(BAD_L4, NULL) },
	{ "ipv4 tcp header present but outside the IP total length",
	  { .family = 4, .proto = P_TCP, .dport = 80, .patch = { ADD16(L3, 2, -1) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv4 tcp doff 4",
	  { .family = 4, .proto = P_TCP, .dport = 80, .payload = 20, .patch = { SET8(L4, 12, 0x40) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv4 tcp doff 0",
	  { .family = 4, .proto = P_TCP, .dport = 80, .patch = { SET8(L4, 12, 0x00) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv4 tcp doff 15 past the packet",
	  { .family = 4, .proto = P_TCP, .dport = 80, .payload = 10, .patch = { SET8(L4, 12, 0xf0) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv4 tcp doff 8 past the IP length, into Ethernet padding",
	  { .family = 4, .proto = P_TCP, .dport = 80, .pad_to = 100, .patch = { SET8(L4, 12, 0x80) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv4 first fragment too short for the tcp header",
	  { .family = 4, .proto = P_TCP, .dport = 80, .ip4_frag = IP4_MF, CUT(L4, 8) },
	  DROP(BAD_L4, NULL) },
	{ "ipv6 tcp header cut at 12 bytes",
	  { .family = 6, .proto = P_TCP, .dport = 80, CUT(L4, 12) }, DROP(BAD_L4, NULL) },
	{ "ipv6 tcp doff 15 past the packet",
	  { .family = 6, .proto = P_TCP, .dport = 80, .patch = { SET8(L4, 12, 0xf0) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv6 tcp after extension headers, cut",
	  { .family = 6, .ext = "hd", .proto = P_TCP, .dport = 80, CUT(L4, 10) }, DROP(BAD_L4, NULL) },

	/* UDP */
	{ "ipv4 udp length 7",
	  { .family = 4, .proto = P_UDP, .dport = 53, .payload = 10, .patch = { SET16(L4, 4, 7) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv4 udp length 0",
	  { .family = 4, .proto = P_UDP, .dport = 53, .patch = { SET16(L4, 4, 0) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv4 udp length one byte past the IP length",
	  { .family = 4, .proto = P_UDP, .dport = 53, .payload = 10, .patch = { ADD16(L4, 4, 1) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv4 udp length past the IP length, into Ethernet padding",
	  { .family = 4, .proto = P_UDP, .dport = 53, .payload = 2, .pad_to = 60,
	    .patch = { SET16(L4, 4, 20) } }, DROP(BAD_L4, NULL) },
	{ "ipv4 udp header cut at 7 bytes",
	  { .family = 4, .proto = P_UDP, .dport = 53, CUT(L4, 7) }, DROP(BAD_L4, NULL) },
	{ "ipv6 udp length 7",
	  { .family = 6, .proto = P_UDP, .dport = 53, .payload = 10, .patch = { SET16(L4, 4, 7) } },
	  DROP(BAD_L4, NULL) },
	{ "ipv6 udp length past the payload length",
	  { .family = 6, .proto = P_UDP, .dport = 53, .payload = 10, .patch = { ADD16(L4, 4, 1) } },
	  DROP(BAD_L4, NULL) },

	/* ICMP, SCTP */
	{ "ipv4 icmp of 7 bytes",
	  { .family = 4, .proto = P_ICMP, .icmp_type = 8, CUT(L4, 7) }, DROP(BAD_L4, NULL) },
	{ "ipv4 icmp of 4 bytes",
	  { .family = 4, .proto = P_ICMP, .icmp_type = 8, CUT(L4, 4) }, DROP(BAD_L4, NULL) },
	{ "ipv4 icmp of 0 bytes",
	  { .family = 4, .proto = P_ICMP, .icmp_type = 8, CUT(L4, 0) }, DROP(BAD_L4, NULL) },
	{ "ipv6 icmpv6 of 7 bytes",
	  { .family = 6, .proto = P_ICMP6, .icmp_type = 128, CUT(L4, 7) }, DROP(BAD_L4, NULL) },
	{ "ipv4 sctp header cut at 11 bytes",
	  { .family = 4, .proto = P_SCTP, .dport = 9899, CUT(L4, 11) }, DROP(BAD_L4, NULL) },
	{ "ipv6 sctp header cut at 8 bytes",
	  { .family = 6, .proto = P_SCTP, .dport = 9899, CUT(L4, 8) }, DROP(BAD_L4, NULL) },
};

void test_malformed(void)
{
	if (commit_test("malformed", accept_all_policy))
		run_cases("malformed", malformed_cases, ARRAY_SIZE(malformed_cases));
}
