/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/bpf/test_fqdn.h: what the two files of ward_fqdn_test share: the
 * addresses of the cases, the data plane they run on, sending DNS messages
 * through a hook, reading what ward_fqdn_addrs learned, and checking the
 * counters. test_fqdn.c defines it all (and main); test_fqdn_track.c holds
 * the cases of query tracking, links, transports, the classifier and
 * commits. Only those two include it, after test_assert.h and dns_pkt.h.
 */
#ifndef WARD_TEST_FQDN_H
#define WARD_TEST_FQDN_H

#include <stdbool.h>
#include <stddef.h>
#include "dataplane.h"
#include "dns_pkt.h"

#define CLIENT		"192.0.2.10"
#define CLIENT6		"2001:db8::10"
#define RESOLVER	"198.51.100.53"
#define RESOLVER6	"2001:db8::53"
#define OTHER_DNS	"198.51.100.54"
#define CPORT		40000

extern struct dataplane dp;
/* The ifindexes of the client's (LAN) and the resolver's (WAN) links. */
extern int if_lan, if_wan;

enum { HOOK_XDP, HOOK_TC, HOOKS };

/* Frames through a hook: from a client on the LAN link (run), from a
 * resolver on the WAN link (run_wan); true when the hook passed it. */
bool run(int hook, const struct frame *f);
bool run_wan(int hook, const struct frame *f);
/* The host's own packet at tc egress, leaving by ifindex. */
void run_local_out(const struct frame *f, int ifindex);
/* A DNS message as a whole UDP datagram or TCP segment. to_resolver: a
 * query; else an answer from resolver. */
bool send_msg(int hook, bool tcp, const char *client, const char *resolver,
	      bool to_resolver, const struct msg *m);

void counters(__u64 out[WARD_CNT_MAX]);
/* The id of an FQDN set in the data plane, or -1. */
int set_id(const char *name);
/* Whether addr is learned for set; *out (when not NULL) its value. */
bool learned(const char *set, const char *addr, struct ward_fqdn_addr_val *out);
size_t n_learned(void);
/* Empties ward_fqdn_addrs and ward_fqdn_queries. */
void forget_all(void);

/* What a case expects: how many addresses are learned, and the counters. */
struct expect {
	size_t	learned;
	int	parsed, ignored, spoofed, malformed, fragment, trunc;
};

/* The counters moved from before as e says, and e->learned addresses in the map. */
void check(const char *what, int hook, const __u64 *before, const struct expect *e);
/* The usual exchange, through both hooks: a query for qname, then the answer ans over UDP. */
void exchange(const char *what, const char *qname, int qtype, const struct msg *ans,
	      const struct expect *e);
/* The header and question of an answer with an records to come. */
void answer(struct msg *m, __u16 id, const char *qname, int qtype, int an);

/* test_fqdn_track.c */
void test_spoofing(void);
void test_answer_link(void);
void test_transport(void);
void test_classifier(void);
void test_mutations(void);
void test_failed_commit(void);

#endif /* WARD_TEST_FQDN_H */
