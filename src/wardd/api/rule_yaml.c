// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardd/api/rule_yaml.c: a RuleAdd request written as one item of a
 * rules: list, in ward.yaml's words, for the merge of pol_edit.h to parse.
 */
#include <stdlib.h>
#include "api_int.h"

/* TODO(layout): replace by the config writer */

static void yaml_list(struct pol_buf *b, const char *key, char **v, size_t n)
{
	size_t i;

	if (!n)
		return;
	pol_buf_put(b, "    %s: [", key);
	for (i = 0; i < n; i++) {
		if (i)
			pol_buf_put(b, ", ");
		pol_buf_quote(b, v[i]);
	}
	pol_buf_put(b, "]\n");
}

static void yaml_str(struct pol_buf *b, const char *key, const char *s)
{
	if (!s[0])
		return;
	pol_buf_put(b, "    %s: ", key);
	pol_buf_quote(b, s);
	pol_buf_put(b, "\n");
}

/* The request as one item of a rules: list, in ward.yaml's words. */
char *api_rule_yaml(const Ward__V1__Rule *q)
{
	struct pol_buf b = {};

	pol_buf_put(&b, "  - name: ");
	pol_buf_quote(&b, q->name);
	pol_buf_put(&b, "\n");
	yaml_str(&b, "in", q->in);
	yaml_list(&b, "from", q->src, q->n_src);
	yaml_list(&b, "to", q->dst, q->n_dst);
	yaml_str(&b, "family", q->family);
	yaml_str(&b, "proto", q->proto);
	yaml_list(&b, "port", q->port, q->n_port);
	yaml_list(&b, "sport", q->sport, q->n_sport);
	yaml_str(&b, "icmp_type", q->icmp_type);
	yaml_str(&b, "action", q->action);
	yaml_str(&b, "rate", q->rate);
	if (q->dry_run)
		pol_buf_put(&b, "    dry_run: true\n");
	if (q->log)
		pol_buf_put(&b, "    log: true\n");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
