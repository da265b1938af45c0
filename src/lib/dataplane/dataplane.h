/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/dataplane/dataplane.h: load, pin, attach, and the atomic policy
 * swap; one file per job beside it (dp_open.c, dp_commit.c, dp_hook.c,
 * dp_link.c, dp_stats.c, dp_conntrack.c; the FQDN and NAT maps in
 * dataplane_fqdn.c and dataplane_nat.c).
 *
 * The maps and programs live under a pin directory (WARD_PIN_DIR by
 * default) so that enforcement outlives the daemon: a restarted daemon
 * reuses the pinned maps, keeps the live policy until it has written its
 * own into the other slot, and replaces the programs on their links in
 * place. Only this module touches the maps.
 */
#ifndef WARD_DATAPLANE_H
#define WARD_DATAPLANE_H

#include <linux/types.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include "ward/abi.h"
#include "compile.h"

struct ward_bpf;
struct dp_migration;

/* A link ward runs on, or is about to. */
struct dp_link {
	int	ifindex;
	char	name[IF_NAMESIZE];
	enum pol_mode want;		/* what the config asks for */
	enum pol_fast_path fast_path;	/* interfaces: fast_path */
	__u8	mode;			/* WARD_MODE_* in effect (NONE: not attached) */
	struct ward_iface info;		/* zone and name ids for the rules */
};

struct dataplane {
	struct ward_bpf *skel;
	char	pin_dir[256];
	__u32	active_slot;
	__u64	generation;
	struct dp_link *links;		/* attached */
	size_t	n_links;
	/* Keys of the live slot, to clear it after the next swap; unknown
	 * (NULL with known false) after a restart, then found by a scan. */
	struct cls_entry *live_entries;
	size_t	n_live_entries;
	bool	live_known;
	bool	inactive_clean;
	struct ward_rule_name *names;	/* mmap of ward_rule_names */
	int	ncpus;
	__u32	max_flows;		/* size of the flow table */
	__u32	stat_hi;		/* highest stat index that has a name */
	__u32	ct_timeout[WARD_CT_TO_MAX];	/* of the live policy */
	bool	nat_on;			/* the live policy has a nat: section */
	struct ward_ct_key nat_cursor;	/* dp_nat_sweep's */
	bool	nat_cursor_valid;
	struct ward_ct_ctl *ct_ctl;	/* mmap of ward_ct_ctl (ct_pressure.h) */
	struct ward_ct_fifo_ent *ct_fifo;	/* mmap of ward_ct_fifo */
	__u32	ct_fifo_size;
	/* ct_sweep.c's walk of the table: its batch cursor and buffers. */
	__u32	walk_cursor;
	bool	walk_started;
	__u64	walk_next;		/* CLOCK_MONOTONIC ns of the next step */
	struct ward_ct_key *walk_keys;
	struct ward_ct_val *walk_vals;
	struct dp_migration *migration;	/* pins of older layouts, until the swap */
};

/* Mounts bpffs under the pin directory's parent if needed, loads the
 * programs and reuses or creates the pinned maps. With pin_dir NULL nothing
 * is pinned (tests and benchmarks: the state goes with the process). */
int dp_open(struct dataplane *dp, const char *pin_dir, __u32 max_flows);

/* Once the new programs are attached (after the first dp_commit and
 * dp_attach): carries over what the old programs wrote meanwhile, puts the
 * maps of a newer layout in place of the older pins, records the layouts
 * in ward_meta and logs what was carried and dropped (dp_migrate.c). */
int dp_upgrade_finish(struct dataplane *dp);

/* Writes c into the inactive slot (links give the interface ids) and makes
 * it live with one map write. On error the live policy is untouched. */
int dp_commit(struct dataplane *dp, const struct compiled *c,
	      const struct dp_link *links, size_t n_links);

/* Attaches to every link of want[] and detaches from attached links that are
 * no longer wanted. A link that refuses its mode is logged and skipped.
 * Returns the number of links that failed. */
int dp_attach(struct dataplane *dp, struct dp_link *want, size_t n_want);

/* Closes; with detach, removes exactly the programs ward attached and the pins. */
void dp_close(struct dataplane *dp, bool detach);

/* Links of this namespace that the policy names (never lo). Caller frees. */
int dp_scan_links(const struct compiled *c, const struct pol_policy *pol,
		  struct dp_link **out, size_t *n_out);

/*
 * One link at a time, for link discovery: links are known by ifindex, never
 * by name, so a rename or a re-created link of the same name is never
 * confused with what ward attached before.
 *
 * dp_link_match: what the policy wants on the link of this index and name;
 * false when the policy does not name it (ward leaves it alone).
 */
bool dp_link_match(const struct compiled *c, const struct pol_policy *pol,
		   int ifindex, const char *name, struct dp_link *out);

/* Attaches to one link (new, renamed, re-created) or re-attaches it in
 * place. 0, -ENODEV when the link went away meanwhile (logged at debug level
 * only: links come and go), or another -errno (logged as a warning, and
 * whatever ward had on the link keeps enforcing). */
int dp_link_attach(struct dataplane *dp, struct dp_link *l);

/* Forgets an attached link. With detach (the policy no longer names it),
 * removes our programs from it; a deleted link took them along. */
void dp_link_forget(struct dataplane *dp, int ifindex, bool detach);

/* Forgets an attached link that moved to another namespace. Its tc filters
 * went with its qdiscs; an XDP program stays on it there (warned about). */
void dp_link_moved(struct dataplane *dp, int ifindex);

/* The attached link of this index, or NULL. */
const struct dp_link *dp_link_find(const struct dataplane *dp, int ifindex);

/* One line per attached link ("link NAME ifindex N mode M"), then "links N". */
void dp_print_links(const struct dataplane *dp, FILE *f);

void dp_print_stats(struct dataplane *dp, FILE *f);

/* Live flows (the sweeper is ct_sweep.h). */
size_t dp_ct_count(struct dataplane *dp);
/* The flow is gone to the data plane already (timed out); now is
 * CLOCK_MONOTONIC ns. */
bool dp_ct_expired(const struct dataplane *dp, const struct ward_ct_key *k,
		   const struct ward_ct_val *v, __u64 now);
/* The flow's timeout in its state, in ns; false before any policy. */
bool dp_ct_timeout_ns(const struct dataplane *dp, const struct ward_ct_key *k,
		      const struct ward_ct_val *v, __u64 *ns);
/* One batch of the flow table from cursor (NULL: the start) into keys
 * and vals (room for *count; *count is what came); next is where the next
 * batch starts. 0: more to come, 1: that was the last, -ENOSPC: the next
 * hash bucket holds more than *count, else -errno. */
int dp_ct_read(struct dataplane *dp, const __u32 *cursor, __u32 *next,
	       struct ward_ct_key *keys, struct ward_ct_val *vals, __u32 *count);
/* Empties the flow table; *flushed says how many went (also on error). */
int dp_ct_flush(struct dataplane *dp, __u64 *flushed);

/* Sums of the per-CPU counters, indexed by WARD_CNT_*. */
int dp_read_counters(struct dataplane *dp, __u64 out[WARD_CNT_MAX]);

/* Calls cb for every named rule (and "default") with its totals. */
int dp_read_rule_stats(struct dataplane *dp,
		       void (*cb)(const char *name, __u64 packets, __u64 bytes, void *arg),
		       void *arg);

/* The ring buffer of flow log records and alerts. */
int dp_events_fd(struct dataplane *dp);
const char *dp_counter_name(int counter);
const char *dp_mode_name(int mode);

#endif /* WARD_DATAPLANE_H */
