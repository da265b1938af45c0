// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/lib/policy/pol_diff.c: what changes between two policies, by rule
 * name (see pol_edit.h). Apply answers with it, and keeps the live
 * generation when it is empty.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "pol_edit.h"

static bool str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* An empty list has no array (v is NULL), and memcmp of NULL is undefined
 * even for 0 bytes (UBSan, make sanitize). */
static bool mem_same(const void *a, const void *b, size_t n)
{
	return !n || !memcmp(a, b, n);
}

static bool rule_same(const struct pol_rule *a, const struct pol_rule *b)
{
	return str_same(a->in, b->in) &&
	       a->from.n == b->from.n && mem_same(a->from.v, b->from.v, a->from.n * sizeof(*a->from.v)) &&
	       a->to.n == b->to.n && mem_same(a->to.v, b->to.v, a->to.n * sizeof(*a->to.v)) &&
	       a->proto == b->proto && a->icmp_type == b->icmp_type && a->family == b->family &&
	       a->sport.n == b->sport.n &&
	       mem_same(a->sport.v, b->sport.v, a->sport.n * sizeof(*a->sport.v)) &&
	       a->dport.n == b->dport.n &&
	       mem_same(a->dport.v, b->dport.v, a->dport.n * sizeof(*a->dport.v)) &&
	       a->action == b->action && a->rate == b->rate && a->dry_run == b->dry_run &&
	       a->log == b->log && !a->n_children == !b->n_children;
}

static bool ifaces_same(const struct pol_policy *a, const struct pol_policy *b)
{
	size_t i;

	if (a->n_ifaces != b->n_ifaces)
		return false;
	for (i = 0; i < a->n_ifaces; i++)
		if (!str_same(a->ifaces[i].match, b->ifaces[i].match) ||
		    !str_same(a->ifaces[i].role, b->ifaces[i].role) ||
		    a->ifaces[i].mode != b->ifaces[i].mode)
			return false;
	return true;
}

/*
 * Which rules both policies have that moved: all but a longest run that
 * kept its order (patience sorting, n log n), so that moving one rule
 * reports that one rule.
 */
static void mark_moved(const size_t *old_order, size_t n, bool *moved)
{
	size_t *tail = calloc(n + 1, sizeof(*tail)), *prev = calloc(n + 1, sizeof(*prev));
	size_t len = 0, i, lo, hi, k;

	if (!tail || !prev) {
		for (i = 0; i < n; i++)
			moved[i] = false;
		goto out;
	}
	for (i = 0; i < n; i++) {
		lo = 0;
		hi = len;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (old_order[tail[mid]] < old_order[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		prev[i] = lo ? tail[lo - 1] : (size_t)-1;
		tail[lo] = i;
		if (lo == len)
			len++;
		moved[i] = true;
	}
	for (k = len ? tail[len - 1] : (size_t)-1; k != (size_t)-1; k = prev[k])
		moved[k] = false;
out:
	free(tail);
	free(prev);
}

static void settings_diff(const struct pol_policy *old, const struct pol_policy *new,
			  struct pol_diff *d)
{
	if (!ifaces_same(old, new))
		d->settings[d->n_settings++] = "interfaces";
	if (old->default_action != new->default_action || old->dry_run != new->dry_run ||
	    old->log != new->log || old->reject_rate != new->reject_rate)
		d->settings[d->n_settings++] = "defaults";
	if (memcmp(&old->conntrack, &new->conntrack, sizeof(old->conntrack)))
		d->settings[d->n_settings++] = "conntrack";
	if (old->alerts.scan_ports != new->alerts.scan_ports ||
	    old->alerts.scan_window != new->alerts.scan_window ||
	    old->alerts.syn_rate != new->alerts.syn_rate ||
	    !str_same(old->alerts.webhook, new->alerts.webhook))
		d->settings[d->n_settings++] = "alerts";
	if (!str_same(old->observe.metrics_listen, new->observe.metrics_listen))
		d->settings[d->n_settings++] = "metrics";
	if (!str_same(old->observe.log_path, new->observe.log_path) ||
	    old->observe.log_rate != new->observe.log_rate)
		d->settings[d->n_settings++] = "logs";
}

int pol_diff(const struct pol_policy *old, const struct pol_policy *new, struct pol_diff *d)
{
	struct pol_ent *vo = NULL, *vn = NULL, *order = NULL;
	size_t no, nn, i, n_common = 0, n_keep = 0;
	size_t *old_order = NULL;
	bool *moved = NULL;
	int ret = -ENOMEM;

	memset(d, 0, sizeof(*d));
	vo = pol_index(old, &no);
	vn = pol_index(new, &nn);
	order = calloc(nn ? nn : 1, sizeof(*order));
	old_order = calloc(nn ? nn : 1, sizeof(*old_order));
	moved = calloc(nn ? nn : 1, sizeof(*moved));
	d->added = calloc(nn ? nn : 1, sizeof(*d->added));
	d->changed = calloc(nn ? nn : 1, sizeof(*d->changed));
	d->removed = calloc(no ? no : 1, sizeof(*d->removed));
	if (!vo || !vn || !order || !old_order || !moved || !d->added || !d->changed ||
	    !d->removed)
		goto out;

	/* The new rules back in their order, to find the moved ones. */
	for (i = 0; i < nn; i++)
		order[vn[i].order] = vn[i];
	for (i = 0; i < nn; i++) {
		const struct pol_ent *o = pol_index_find(vo, no, order[i].name);

		if (!o) {
			d->added[d->n_added++] = order[i].name;
			continue;
		}
		n_common++;
		if (!rule_same(o->r, order[i].r) || !str_same(o->parent, order[i].parent)) {
			d->changed[d->n_changed++] = order[i].name;
			continue;
		}
		order[n_keep] = order[i];	/* n_keep <= i: that one was read */
		old_order[n_keep++] = o->order;
	}
	/* order[] now starts with the rules kept as they were, old_order their places. */
	mark_moved(old_order, n_keep, moved);
	for (i = 0; i < n_keep; i++)
		if (moved[i])
			d->changed[d->n_changed++] = order[i].name;
	d->unchanged = n_common - d->n_changed;
	for (i = 0; i < no; i++)
		if (!pol_index_find(vn, nn, vo[i].name))
			d->removed[d->n_removed++] = vo[i].name;
	settings_diff(old, new, d);
	ret = 0;
out:
	free(vo);
	free(vn);
	free(order);
	free(old_order);
	free(moved);
	return ret;
}

void pol_diff_free(struct pol_diff *d)
{
	free(d->added);
	free(d->changed);
	free(d->removed);
	memset(d, 0, sizeof(*d));
}
