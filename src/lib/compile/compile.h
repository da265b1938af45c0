/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/compile/compile.h: policy model -> map contents.
 *
 * The rule tree is flattened (a child's match is its own intersected with
 * its ancestors'), every leaf is expanded into classifier entries (lists and
 * port ranges multiply out), entries are grouped into tuples by match shape,
 * and tuples are ordered by the first rule they hold. The result is plain
 * data; dp_commit() (src/lib/dataplane/) writes it into a policy slot.
 *
 * Dry-run leaves never decide, so they get a classifier of their own, built
 * the same way: its tuples follow the main ones in hdr.tuples (the last
 * hdr.n_dry_tuples of them) and its entries follow in entries. Rule indices
 * are the leaves' places in the whole policy, so the data plane can tell a
 * dry-run rule that comes before the deciding rule from one after it.
 */
#ifndef WARD_COMPILE_H
#define WARD_COMPILE_H

#include <linux/types.h>
#include <stddef.h>
#include "ward/abi.h"
#include "policy.h"

/* Port ranges up to this span become exact entries (one shape); wider ones
 * become at most COMPILE_RANGE_BLOCKS aligned blocks of one size plus exact
 * ends (two shapes). Entries cost memory, shapes cost time on every packet. */
#define COMPILE_EXACT_PORT_SPAN	256
#define COMPILE_RANGE_BLOCKS	512

/* One slot's share of ward_cls. */
#define COMPILE_MAX_ENTRIES	(WARD_MAX_CLS / WARD_SLOTS)

struct cls_entry {
	struct ward_cls_key key;	/* key.tuple: tuple index, no slot bit */
	__u32	rule;
	/* Prefix expansion's note to itself (compile_cpe.c): the side (1 src,
	 * 2 dst) whose prefix length became cpe_plen. 0 once done. */
	__u8	cpe_side;
	__u8	cpe_plen;
};

/* Prefilter entries (compile_prefilter.c); key.slot is set at commit. */
struct pf_src {
	struct ward_pf_src_key key;
	struct ward_pf_val val;		/* val.stat set at commit */
};

struct pf_port {
	struct ward_pf_port_key key;
	struct ward_pf_val val;
};

struct compiled {
	struct ward_policy_hdr hdr;	/* generation is set at commit */
	struct ward_rule *rules;	/* indexed by rule (priority); stat set at commit */
	char	(*names)[WARD_RULE_NAME_MAX];
	size_t	n_rules;
	struct cls_entry *entries;
	size_t	n_entries;
	char	**zones;		/* zone id = index + 1 */
	size_t	n_zones;
	char	**if_names;		/* in_if id = index + 1 */
	size_t	n_if_names;
	struct ward_nat_policy nat;	/* the nat: section */
	/* to_fqdn: tuple.fqdn and an entry's dst[0] hold the set's index + 1
	 * in fqdn.sets; dp_commit() turns that into the set's pinned id. */
	struct pol_fqdn fqdn;			/* a copy of the policy's */
	struct pf_src *pf_src;		/* the prefilter: hdr.n_pf_src of them */
	size_t	n_pf_src;
	struct pf_port *pf_port;
	size_t	n_pf_port;
};

/* 0, or -EINVAL/-E2BIG/-ENOMEM with err saying which rule and why. */
int compile_policy(const struct pol_policy *pol, struct compiled *out,
		   char *err, size_t errlen);
void compiled_free(struct compiled *c);

/*
 * What a link of this name is to the rules: fills *out and returns the
 * interfaces: entry it matches, or NULL when ward should leave it alone.
 */
const struct pol_iface *compiled_iface(const struct compiled *c,
				       const struct pol_policy *pol,
				       const char *ifname, struct ward_iface *out);

#endif /* WARD_COMPILE_H */
