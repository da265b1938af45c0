/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * include/ward/abi.h: everything that crosses the kernel/user boundary.
 *
 * Map keys and values, verdicts, drop reasons and limits shared by bpf/ and
 * src/. It is the only header both sides include; it must stay free of
 * pointers, bool and enum-typed fields, and every struct has its size pinned.
 * Userspace includes <linux/types.h> first; bpf/ gets the types from vmlinux.h.
 */
#ifndef WARD_ABI_H
#define WARD_ABI_H

#define WARD_PIN_DIR		"/sys/fs/bpf/ward"

/* Limits. Changing one changes map layouts: pinned maps of an older build
 * are then refused at load and must be removed (wardd --reset). */
#define WARD_MAX_TUPLES		128	/* distinct match shapes per policy */
#define WARD_MAX_RULES		131072	/* leaf rules per policy slot */
#define WARD_MAX_CLS		(1 << 22)	/* classifier entries, both slots */
#define WARD_MAX_IFACES		1024
#define WARD_RULE_NAME_MAX	64
#define WARD_SLOTS		2	/* active + the one being written */

/* Index 0 of the rule stats is the default policy's pseudo-rule. */
#define WARD_STAT_DEFAULT	0

/* Actions a rule or the default policy can take. */
#define WARD_ACT_ACCEPT		1
#define WARD_ACT_DROP		2

/* ward_rule.flags and ward_policy_hdr.flags */
#define WARD_RF_DRY_RUN		(1 << 0)	/* decide and count, then pass */
#define WARD_RF_LOG		(1 << 1)

/* ward_tuple.flags: which optional key fields the shape matches on. */
#define WARD_TF_PROTO		(1 << 0)
#define WARD_TF_IN_ZONE		(1 << 1)
#define WARD_TF_IN_IF		(1 << 2)

/* Address family codes used in keys (not AF_*: BPF has no libc). */
#define WARD_FAM_V4		4
#define WARD_FAM_V6		6

/*
 * Per-CPU counters, indexed by these. Drop reasons first: every packet the
 * data plane drops bumps exactly one of them.
 */
#define WARD_CNT_DROP_RULE		0	/* a rule said drop */
#define WARD_CNT_DROP_POLICY		1	/* no rule, defaults.policy drop */
#define WARD_CNT_DROP_TRUNC_L2		2	/* shorter than its L2 headers */
#define WARD_CNT_DROP_BAD_IP4		3	/* IHL < 5, bad total length, truncated */
#define WARD_CNT_DROP_BAD_IP6		4	/* truncated header or payload length */
#define WARD_CNT_DROP_BAD_IP6_EXT	5	/* extension header chain truncated or too long */
#define WARD_CNT_DROP_BAD_L4		6	/* TCP/UDP/ICMP header truncated or bad length */
#define WARD_CNT_DROP_INTERNAL		7	/* map missing: fail closed */
#define WARD_CNT_DROP_MAX		8	/* first non-drop counter */
#define WARD_CNT_PASS_NON_IP		8	/* ARP, LLDP...: not ours to decide */
#define WARD_CNT_PASS_ND		9	/* IPv6 neighbour discovery */
#define WARD_CNT_WOULD_DROP		10	/* dry-run: would have dropped */
#define WARD_CNT_FRAGMENT		11	/* non-first fragment, classified without ports */
#define WARD_CNT_ACCEPT			12
#define WARD_CNT_MAX			13

/*
 * Classifier: tuple space search. A tuple is a match shape (family, which
 * fields, prefix lengths as masks); every rule entry of that shape sits in
 * ward_cls under its masked fields. The data plane walks the tuples of the
 * active slot in order of their best (lowest) rule and keeps the lowest rule
 * index found, stopping once no tuple can beat it. Cost is one hash lookup
 * per tuple, whatever the number of rules.
 */
struct ward_tuple {
	__be32	src_mask[4];
	__be32	dst_mask[4];
	__be16	sport_mask;
	__be16	dport_mask;	/* ICMP: the type sits in dport */
	__u8	family;		/* WARD_FAM_V4 or WARD_FAM_V6 */
	__u8	flags;		/* WARD_TF_* */
	__u16	pad;
	__u32	min_rule;	/* lowest rule index in this tuple */
	__u32	pad2;
};
_Static_assert(sizeof(struct ward_tuple) == 48, "ward_tuple is ABI");

struct ward_cls_key {
	__u16	tuple;		/* slot << 15 | tuple index */
	__u8	family;
	__u8	proto;
	__u16	in_if;		/* interface name id, 0 when not matched */
	__u8	in_zone;	/* zone id, 0 when not matched */
	__u8	pad;
	__be16	sport;
	__be16	dport;
	__u32	pad2;
	__be32	src[4];		/* IPv4 in src[0] */
	__be32	dst[4];
};
_Static_assert(sizeof(struct ward_cls_key) == 48, "ward_cls_key is ABI");

#define WARD_CLS_SLOT_SHIFT	15

/* Value of ward_cls: the first (lowest) rule index with this key. */
struct ward_cls_val {
	__u32	rule;
};
_Static_assert(sizeof(struct ward_cls_val) == 4, "ward_cls_val is ABI");

/* ward_rules[slot * WARD_MAX_RULES + rule] */
struct ward_rule {
	__u8	action;		/* WARD_ACT_* */
	__u8	flags;		/* WARD_RF_* */
	__u16	pad;
	__u32	stat;		/* index into ward_rule_stats */
};
_Static_assert(sizeof(struct ward_rule) == 8, "ward_rule is ABI");

/* ward_policy[slot]: one compiled policy generation's header. */
struct ward_policy_hdr {
	__u64	generation;
	__u32	n_tuples;
	__u8	default_action;	/* WARD_ACT_* */
	__u8	flags;		/* WARD_RF_DRY_RUN: global dry-run */
	__u16	pad;
	struct ward_tuple tuples[WARD_MAX_TUPLES];
};
_Static_assert(sizeof(struct ward_policy_hdr) == 16 + 48 * WARD_MAX_TUPLES,
	       "ward_policy_hdr is ABI");

/* ward_state[0]: which slot the data plane reads. One write switches policy. */
struct ward_state {
	__u32	active_slot;
	__u32	pad;
	__u64	generation;
};
_Static_assert(sizeof(struct ward_state) == 16, "ward_state is ABI");

/* ward_ifaces: per slot, what an ingress interface is to the rules. */
struct ward_iface_key {
	__u32	ifindex;
	__u32	slot;
};
_Static_assert(sizeof(struct ward_iface_key) == 8, "ward_iface_key is ABI");

struct ward_iface {
	__u16	in_if;		/* interface name id (0: no rule names it) */
	__u8	in_zone;	/* zone id of its role (0: none) */
	__u8	mode;		/* WARD_MODE_* it is attached in */
};
_Static_assert(sizeof(struct ward_iface) == 4, "ward_iface is ABI");

#define WARD_MODE_NONE		0
#define WARD_MODE_XDP_NATIVE	1
#define WARD_MODE_XDP_GENERIC	2
#define WARD_MODE_TC		3

/* ward_rule_stats (per-CPU): packets and bytes of a rule, summed by userspace. */
struct ward_stat {
	__u64	packets;
	__u64	bytes;
};
_Static_assert(sizeof(struct ward_stat) == 16, "ward_stat is ABI");

/* ward_rule_names[stat]: the name a stat index belongs to, so a restarted
 * daemon keeps counting each rule where it left off. Empty: free. */
struct ward_rule_name {
	char	name[WARD_RULE_NAME_MAX];
};
_Static_assert(sizeof(struct ward_rule_name) == WARD_RULE_NAME_MAX, "ABI");

#endif /* WARD_ABI_H */
