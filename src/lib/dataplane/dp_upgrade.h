/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/dataplane/dp_upgrade.h: pinned maps left by an older wardd
 * (dp_upgrade.c). Only dp_open.c uses it.
 */
#ifndef WARD_DP_UPGRADE_H
#define WARD_DP_UPGRADE_H

#include <stdbool.h>
#include "dataplane.h"

struct dp_upgrade {
	bool	counters_reset;	/* ward_counters was replaced: zeroes */
	bool	ct_adopt;	/* the flows predate the ring: adopt them */
};

/* Before load: every pinned map whose type or layout differs from this
 * wardd's is unpinned (so a new one is made), with a warning that names
 * it, says how it differs and what that drops. */
int dp_upgrade_pins(struct dataplane *dp, struct dp_upgrade *up);
/* After load: flows kept from an older wardd are marked answered where
 * they were, and the flow counts made right again. */
void dp_upgrade_adopt(struct dataplane *dp, const struct dp_upgrade *up);

#endif /* WARD_DP_UPGRADE_H */
