// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardd/api/policy.c: Validate and Apply: a policy's text checked as
 * Apply would read it, its diff from the live one (pol_edit.h), and made
 * live.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api_int.h"
#include "compile.h"
#include "config.h"
#include "log.h"

static const char *src_name(const char *name)
{
	return name && name[0] ? name : "<api>";
}

/* cfg_print into a string. */
static char *policy_text(struct api_arena *ar, const struct pol_policy *pol)
{
	char *p = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&p, &len);

	if (!f)
		return NULL;
	cfg_print(pol, f);
	if (fclose(f))
		return NULL;
	return ar_keep(ar, p);
}

void m_validate(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	const Ward__V1__ValidateRequest *q = (const Ward__V1__ValidateRequest *)in;
	struct api_arena *ar = &r->ar;
	Ward__V1__ValidateResponse *m = ar_alloc(ar, 1, sizeof(*m));
	const char *name = src_name(q->name);
	struct wardd_src src = { .name = (char *)name, .text = q->text, .len = strlen(q->text) };
	struct pol_policy pol = {};
	struct compiled comp = {};
	char err[CFG_ERR_MAX];

	if (!m) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ward__v1__validate_response__init(m);
	r->out = &m->base;
	m->errors = ar_alloc(ar, 1, sizeof(*m->errors));
	if (!m->errors) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	/* As Apply would read it: with the API's rules merged in. */
	if (api_parse(a->w, &src, &pol, err, sizeof(err))) {
		m->errors[m->n_errors++] = ar_strdup(ar, err);
		return;
	}
	if (compile_policy(&pol, &comp, err, sizeof(err))) {
		m->errors[m->n_errors++] = ar_printf(ar, "%s: %s", name, err);
		pol_free(&pol);
		return;
	}
	compiled_free(&comp);
	m->valid = true;
	m->rules = (uint32_t)pol.n_rules;
	m->normalized = policy_text(ar, &pol);
	if (!m->normalized)
		m->normalized = "";
	pol_free(&pol);
}

const char *api_locked_why(struct api *a)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
		 "the API is locked (api.locked / wardd --api-locked): %s is the only source of truth; edit it and reload wardd (SIGHUP)",
		 a->w->config_path ? a->w->config_path : "the policy file");
	return buf;
}

/*
 * An Apply that changes nothing the data plane sees (every rule and setting
 * as it was: only comments, order of keys or the name differ) keeps the
 * live generation, so that GitOps loops applying the same file do not
 * re-check every flow each time. The text becomes the live one all the same.
 */
static int apply_same(struct wardd *w, const struct wardd_src *src, struct api_reply *r)
{
	struct wardd_src copy;
	char *name;

	name = strdup(src->name);
	if (!name || api_src_dup(src, &copy)) {
		free(name);
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return -ENOMEM;
	}
	api_src_free(&w->live_src);
	w->live_src = copy;
	free(w->pol.source);
	w->pol.source = name;
	return 0;
}

static char **names_copy(struct api_arena *ar, const char **v, size_t n, size_t *n_out)
{
	char **c = ar_alloc(ar, n, sizeof(*c));
	size_t i;

	for (i = 0; c && i < n; i++)
		c[i] = ar_strdup(ar, v[i]);
	*n_out = c ? n : 0;
	return c;
}

/* The names of the rules added with RuleAdd, as Apply keeps or drops them. */
static char **added_names(struct api_arena *ar, const struct pol_added *v, size_t n,
			  size_t *n_out)
{
	char **c = ar_alloc(ar, n, sizeof(*c));
	size_t i;

	for (i = 0; c && i < n; i++)
		c[i] = ar_strdup(ar, v[i].name);
	*n_out = c ? n : 0;
	return c;
}

/*
 * The text of an Apply as a policy: the API's rules on top of it, or, with
 * replace, the text alone (pol_apply_added). 0 or -errno with err set.
 */
static int apply_parse(struct api *a, const struct wardd_src *src, bool replace,
		       struct pol_policy *pol, char *err, size_t errlen)
{
	int ret;

	ret = cfg_parse_string(src->name, src->text, src->len, pol, err, errlen);
	if (ret)
		return ret;
	ret = pol_apply_added(pol, a->rules, a->n_rules, replace, cfg_parse_added, err, errlen);
	if (ret)
		pol_free(pol);
	return ret;
}

/* The diff of pol_edit.h as the API's Diff message. 0 or -ENOMEM. */
static int diff_msg(const struct pol_policy *old, const struct pol_policy *new,
		    struct api_arena *ar, Ward__V1__Diff *d)
{
	struct pol_diff pd;
	size_t i;
	int ret;

	ret = pol_diff(old, new, &pd);
	if (!ret) {
		d->added = names_copy(ar, pd.added, pd.n_added, &d->n_added);
		d->changed = names_copy(ar, pd.changed, pd.n_changed, &d->n_changed);
		d->removed = names_copy(ar, pd.removed, pd.n_removed, &d->n_removed);
		d->settings = ar_alloc(ar, POL_DIFF_SETTINGS_MAX, sizeof(char *));
		for (i = 0; d->settings && i < pd.n_settings; i++)
			d->settings[d->n_settings++] = (char *)pd.settings[i];
		d->unchanged = (uint32_t)pd.unchanged;
		ret = ar->oom ? -ENOMEM : 0;
	}
	pol_diff_free(&pd);
	return ret;
}

void m_apply(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	const Ward__V1__ApplyRequest *q = (const Ward__V1__ApplyRequest *)in;
	struct wardd *w = a->w;
	struct api_arena *ar = &r->ar;
	Ward__V1__ApplyResponse *m = ar_alloc(ar, 1, sizeof(*m));
	Ward__V1__Diff *d = ar_alloc(ar, 1, sizeof(*d));
	const char *name = src_name(q->name);
	struct wardd_src src = { .name = (char *)name, .text = q->text, .len = strlen(q->text) };
	struct pol_policy pol = {};
	struct compiled comp = {};
	char err[CFG_ERR_MAX];

	if (a->locked && !q->dry_run) {
		reply_err(r, GRPC_STATUS_PERMISSION_DENIED, "%s", api_locked_why(a));
		return;
	}
	if (!m || !d) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ward__v1__apply_response__init(m);
	ward__v1__diff__init(d);
	m->diff = d;
	if (apply_parse(a, &src, q->replace, &pol, err, sizeof(err))) {
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT, "%s", err);
		return;
	}
	/* Named before a replace frees them. */
	if (q->replace)
		m->dropped = added_names(ar, a->rules, a->n_rules, &m->n_dropped);
	else
		m->kept = added_names(ar, a->rules, a->n_rules, &m->n_kept);
	if (ar->oom || diff_msg(&w->pol, &pol, ar, d)) {
		pol_free(&pol);
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	if (q->dry_run) {
		/* What the compiler refuses is an error of the file too. */
		if (compile_policy(&pol, &comp, err, sizeof(err))) {
			reply_err(r, GRPC_STATUS_INVALID_ARGUMENT, "%s: %s", name, err);
			pol_free(&pol);
			return;
		}
		compiled_free(&comp);
		pol_free(&pol);
		m->generation = w->dp.generation;
		r->out = &m->base;
		return;
	}
	pol_free(&pol);
	if (!d->n_added && !d->n_removed && !d->n_changed && !d->n_settings) {
		if (apply_same(w, &src, r))
			return;
		m->applied = true;
		m->unchanged = true;
		m->generation = w->dp.generation;
		pr_info("api: applied %s: the same policy; generation %llu stays live\n", name,
			(unsigned long long)m->generation);
		r->out = &m->base;
		return;
	}
	/* replace: the API's rules go in the same swap, as rule clear's do. */
	if (api_change(a, &src, NULL, 0, q->replace, r))
		return;
	m->applied = true;
	m->generation = w->dp.generation;
	pr_info("api: applied %s: generation %llu, %zu added, %zu removed, %zu changed; %zu API rules %s\n",
		name, (unsigned long long)m->generation, d->n_added, d->n_removed, d->n_changed,
		q->replace ? m->n_dropped : m->n_kept, q->replace ? "dropped" : "kept");
	r->out = &m->base;
}
