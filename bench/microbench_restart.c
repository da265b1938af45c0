// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench/microbench_restart.c: the control plane's apply time when wardd
 * restarts over its pinned maps. The restarted data plane does not know
 * which classifier keys the previous daemon left in either slot, so its
 * first commit clears them by walking ward_cls; this times that commit
 * against the fresh one and the one after it.
 *
 * The maps are pinned under /sys/fs/bpf/ward-microbench-PID and unpinned
 * again at the end; nothing is attached.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "compile.h"
#include "dataplane.h"
#include "microbench.h"

static int timed_commit(struct dataplane *dp, const struct compiled *c, double *ms)
{
	double t0 = mb_now_ms();
	int err = dp_commit(dp, c, NULL, 0);

	*ms = mb_now_ms() - t0;
	return err;
}

int mb_restart_run(struct mb_restart *r)
{
	struct pol_policy pol;
	struct compiled comp;
	struct dataplane dp;
	char pin[64], err[256] = "";
	int ret;

	snprintf(pin, sizeof(pin), "/sys/fs/bpf/ward-microbench-%d", (int)getpid());
	ret = mb_policy_build(&pol, MB_POL_BLOCKLIST, r->n, 0);
	if (ret)
		return ret;
	ret = compile_policy(&pol, &comp, err, sizeof(err));
	pol_free(&pol);
	if (ret) {
		fprintf(stderr, "compiling blocklist/%u: %s\n", r->n, err);
		return ret;
	}

	ret = dp_open(&dp, pin, 0);
	if (ret)
		goto out_free;
	ret = timed_commit(&dp, &comp, &r->first_ms);
	/* A daemon that stops leaves its maps, and the policy, pinned. */
	dp_close(&dp, false);
	if (ret)
		goto out_unpin;
	ret = dp_open(&dp, pin, 0);
	if (ret)
		goto out_unpin;
	ret = timed_commit(&dp, &comp, &r->adopted_ms);
	if (!ret)
		ret = timed_commit(&dp, &comp, &r->next_ms);
	dp_close(&dp, true);
	goto out_free;

out_unpin:
	/* Reopen only to remove the pins. */
	if (!dp_open(&dp, pin, 0))
		dp_close(&dp, true);
out_free:
	compiled_free(&comp);
	if (ret)
		fprintf(stderr, "restart %u: %s\n", r->n, strerror(-ret));
	return ret;
}
