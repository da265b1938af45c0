/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/config/loader.c: ward.yaml -> struct pol_policy (config.h).
 *
 * libyaml's document API loads the file as a node graph that keeps every
 * node's mark, so each error can name its line. The sections are then read
 * in a fixed order (interfaces, defaults, sets, rules...), whatever their
 * order in the file: rules check in: against the interfaces and expand sets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "ward/abi.h"

#include "config.h"
#include "config_int.h"

#define CFG_FILE_MAX		(64 << 20)

const char cfg_embedded_default[] =
	"interfaces:\n"
	"  - match: \"*\"\n"
	"    mode: auto\n"
	"defaults:\n"
	"  policy: drop\n"
	"  dry_run: true\n"
	"  log: drops\n";

enum {
	TK_INTERFACES, TK_DEFAULTS, TK_SETS, TK_RULES,
	TK_CONNTRACK, TK_FQDN_SETS, TK_FQDN, TK_NAT, TK_SERVICES, TK_PLUGINS,
	TK_ALERTS, TK_API, TK_METRICS, TK_LOGS, TK_FLEET, TK_N
};

static const struct cfg_key cfg_top_keys[TK_N] = {
	[TK_INTERFACES]	= { "interfaces" },
	[TK_DEFAULTS]	= { "defaults" },
	[TK_SETS]	= { "sets" },
	[TK_RULES]	= { "rules" },
	[TK_CONNTRACK]	= { "conntrack" },
	[TK_FQDN_SETS]	= { "fqdn_sets" },
	[TK_FQDN]	= { "fqdn" },
	[TK_NAT]	= { "nat" },
	[TK_SERVICES]	= { "services", CFG_UNSUPPORTED },
	[TK_PLUGINS]	= { "plugins", CFG_UNSUPPORTED },
	[TK_ALERTS]	= { "alerts", 0 },
	[TK_API]	= { "api", 0 },
	[TK_METRICS]	= { "metrics", 0 },
	[TK_LOGS]	= { "logs", 0 },
	[TK_FLEET]	= { "fleet", CFG_UNSUPPORTED },
};

static int cfg_load(struct cfg_ctx *c, yaml_node_t *root)
{
	yaml_node_t *v[TK_N];
	int ret;

	if (!root || cfg_is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return cfg_err(c, root, "document",
			       "expected a mapping of sections (interfaces:, defaults:, sets:, rules:), got %s",
			       cfg_kind(root));
	ret = cfg_map_keys(c, root, "document", cfg_top_keys, TK_N, NULL, v);
	if (ret)
		return ret;

	/* Fixed order: rules need the interfaces (in:) and the sets ($name). */
	static const struct {
		int	key;
		int	(*read)(struct cfg_ctx *c, yaml_node_t *n);
	} sections[] = {
		{ TK_INTERFACES, cfg_interfaces }, { TK_DEFAULTS, cfg_defaults },
		{ TK_CONNTRACK, cfg_conntrack }, { TK_METRICS, cfg_metrics },
		{ TK_API, cfg_api }, { TK_LOGS, cfg_logs }, { TK_ALERTS, cfg_alerts },
		{ TK_SETS, cfg_sets }, { TK_FQDN_SETS, cfg_fqdn_sets }, { TK_FQDN, cfg_fqdn },
		{ TK_RULES, cfg_rules }, { TK_NAT, cfg_nat },
	};
	size_t i;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (!v[sections[i].key])
			continue;
		ret = sections[i].read(c, v[sections[i].key]);
		if (ret)
			return ret;
	}
	return 0;
}

static int cfg_yaml_err(struct cfg_ctx *c, const yaml_parser_t *parser)
{
	size_t line;

	if (parser->error == YAML_MEMORY_ERROR)
		return cfg_nomem(c);
	/* A reader error (bad UTF-8) has no problem mark, only the reader's. */
	line = parser->error == YAML_READER_ERROR ? parser->mark.line
						  : parser->problem_mark.line;
	if (!c->failed && c->err && c->errlen) {
		snprintf(c->err, c->errlen, "%s:%zu: yaml: %s", c->file, line + 1,
			 parser->problem ? parser->problem : "syntax error");
		cfg_sanitize(c->err);
	}
	c->failed = true;
	return -EINVAL;
}

/*
 * Bound the nesting before libyaml builds the document. Its scanner walks
 * every open flow level for each token, so 100,000 nested '[' take tens of
 * seconds to reject (issue 20), and a reload parses on wardd's main loop.
 * The event parser pulls tokens lazily: stopping at the first level past
 * CFG_MAX_NESTING leaves the rest of such a file unread, and a policy never
 * needs more than a handful of levels (rules: nests at most 8 levels of
 * rules, about 18 of YAML).
 */
static int cfg_check_depth(struct cfg_ctx *c, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, ret = 0;
	bool end = false;

	if (!yaml_parser_initialize(&parser))
		return cfg_nomem(c);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!end) {
		if (!yaml_parser_parse(&parser, &ev)) {
			ret = cfg_yaml_err(c, &parser);
			break;
		}
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > CFG_MAX_NESTING) {
				if (!c->failed && c->err && c->errlen)
					snprintf(c->err, c->errlen, "%s:%zu: nesting deeper than %d",
						 c->file, ev.start_mark.line + 1, CFG_MAX_NESTING);
				cfg_sanitize(c->err);
				c->failed = true;
				ret = -EINVAL;
				end = true;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			end = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return ret;
}

static void cfg_ctx_free(struct cfg_ctx *c)
{
	size_t i;

	for (i = 0; i < c->n_sets; i++) {
		free(c->sets[i].addrs);
		free(c->sets[i].ports);
	}
	free(c->sets);
	free(c->names);
}

int cfg_parse_string(const char *name, const char *text, size_t len,
		     struct pol_policy *out, char *err, size_t errlen)
{
	struct pol_policy pol = {
		.default_action = WARD_ACT_DROP,
		.log = POL_LOG_DROPS,
	};
	struct cfg_ctx c = {
		.file = name, .err = err, .errlen = errlen, .pol = &pol,
	};
	yaml_document_t doc, next;
	yaml_parser_t parser;
	yaml_node_t *root, *extra;
	int ret;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	ret = cfg_check_depth(&c, text, len);
	if (ret)
		return ret;
	if (!yaml_parser_initialize(&parser))
		return cfg_nomem(&c);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		ret = cfg_yaml_err(&c, &parser);
		goto out_parser;
	}
	c.doc = &doc;
	root = yaml_document_get_root_node(&doc);

	/* One policy per file: a second document would be silently ignored. */
	if (root) {
		if (!yaml_parser_load(&parser, &next)) {
			ret = cfg_yaml_err(&c, &parser);
			goto out_doc;
		}
		extra = yaml_document_get_root_node(&next);
		if (extra) {
			ret = cfg_err(&c, extra, "yaml",
				      "more than one document; a file holds one policy");
			yaml_document_delete(&next);
			goto out_doc;
		}
		yaml_document_delete(&next);
	}

	pol.source = strdup(name);
	if (!pol.source) {
		ret = cfg_nomem(&c);
		goto out_doc;
	}
	ret = cfg_load(&c, root);
	if (ret)
		goto out_pol;
	*out = pol;
	goto out_doc;

out_pol:
	pol_free(&pol);
out_doc:
	cfg_ctx_free(&c);
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	return ret;
}

int cfg_parse_file(const char *path, struct pol_policy *out, char *err, size_t errlen)
{
	size_t len = 0, cap = 0, got;
	char *buf = NULL;
	FILE *f;
	int ret;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-ret));
		return ret;
	}
	for (;;) {
		if (len == cap) {
			char *nb;

			if (cap >= CFG_FILE_MAX) {
				ret = -EFBIG;
				goto out_read;
			}
			cap = cap ? cap * 2 : 16384;
			nb = realloc(buf, cap);
			if (!nb) {
				ret = -ENOMEM;
				goto out_read;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got)
			continue;
		if (ferror(f)) {
			ret = errno ? -errno : -EIO;
			goto out_read;
		}
		break;
	}
	fclose(f);
	ret = cfg_parse_string(path, buf ? buf : "", len, out, err, errlen);
	free(buf);
	return ret;

out_read:
	if (err && errlen)
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-ret));
	free(buf);
	fclose(f);
	return ret;
}

int cfg_parse_added(const struct pol_policy *base, const struct pol_added *v, size_t n,
		    int *line, struct pol_policy *out, char *err, size_t errlen)
{
	char *doc;
	int ret;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	doc = cfg_added_doc(base, v, n, line);
	if (!doc)
		return -ENOMEM;
	ret = cfg_parse_string("api rules", doc, strlen(doc), out, err, errlen);
	free(doc);
	return ret;
}
