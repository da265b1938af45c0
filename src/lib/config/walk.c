/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/config/walk.c: walking libyaml's node graph, and the errors that
 * name the line of the node they are about ("FILE:LINE: field: message").
 *
 * Every key is looked up in a table of the keys its mapping takes
 * (cfg_map_keys), so a misspelt key is an error rather than silently
 * ignored (pfctl's grammar does the same by construction). Keys of
 * CONTRACT.md that this version does not implement are in the tables too,
 * marked unsupported, so users get a better message than "unknown key".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "ward/abi.h"

#include "config_int.h"

/* Errors */

int cfg_line(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

/*
 * Key names and values end up in the message as the user wrote them;
 * control characters there would garble a terminal or a log line.
 */
void cfg_sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int cfg_verr(struct cfg_ctx *c, int line, const char *field,
		    const char *fmt, va_list ap)
{
	int off;

	/* The first error is the one worth reading; later ones may be fallout. */
	if (c->failed)
		return -EINVAL;
	c->failed = true;
	if (!c->err || !c->errlen)
		return -EINVAL;
	off = snprintf(c->err, c->errlen, "%s:%d: %s: ", c->file, line, field);
	if (off >= 0 && (size_t)off < c->errlen)
		vsnprintf(c->err + off, c->errlen - off, fmt, ap);
	cfg_sanitize(c->err);
	return -EINVAL;
}

int cfg_err(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
		   const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = cfg_verr(c, cfg_line(n), field, fmt, ap);
	va_end(ap);
	return ret;
}

int cfg_nomem(struct cfg_ctx *c)
{
	if (!c->failed && c->err && c->errlen)
		snprintf(c->err, c->errlen, "%s: out of memory", c->file);
	c->failed = true;
	return -ENOMEM;
}

struct pol_policy *cfg_pol(struct cfg_ctx *c)
{
	return c->pol;
}

/* Nodes and scalars */

yaml_node_t *cfg_node(struct cfg_ctx *c, int idx)
{
	return yaml_document_get_node(c->doc, idx);
}

const char *cfg_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "a single value";
	}
}

bool cfg_is_null(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !strcmp(s, "") || !strcmp(s, "~") || !strcmp(s, "null") ||
	       !strcmp(s, "Null") || !strcmp(s, "NULL");
}

int cfg_str(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
		   const char **out)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE)
		return cfg_err(c, n, field, "expected a single value, got %s", cfg_kind(n));
	if (cfg_is_null(n))
		return cfg_err(c, n, field, "missing value");
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length)
		return cfg_err(c, n, field, "contains a NUL character");
	*out = s;
	return 0;
}

int cfg_bool(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
		    bool *out)
{
	const char *s;
	int ret;

	ret = cfg_str(c, n, field, &s);
	if (ret)
		return ret;
	if (!strcmp(s, "true"))
		*out = true;
	else if (!strcmp(s, "false"))
		*out = false;
	else
		return cfg_err(c, n, field, "expected true or false, got '%s'", s);
	return 0;
}

/* Decimal digits only: no sign, no hex, no YAML 1.1 octal or sexagesimal. */
int cfg_uint(const char *s, size_t len, unsigned long max,
		    unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	for (i = 0; i < len; i++) {
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = v;
	return 0;
}

/* Letters (lower case, or both), digits and the characters of punct; 1 to max. */
bool cfg_word(const char *s, const char *punct, bool upper, size_t max)
{
	size_t n = strlen(s);

	if (!n || n > max)
		return false;
	for (; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    (upper && *s >= 'A' && *s <= 'Z') || strchr(punct, *s))
			continue;
		return false;
	}
	return true;
}

/*
 * Reads a mapping whose keys come from a table: vals[i] (and keys[i] when
 * keys is not NULL) get the nodes of table entry i, NULL when absent.
 */
int cfg_map_keys(struct cfg_ctx *c, const yaml_node_t *map,
			const char *what, const struct cfg_key *table, size_t n,
			yaml_node_t **keys, yaml_node_t **vals)
{
	yaml_node_pair_t *p;
	size_t i;

	for (i = 0; i < n; i++) {
		vals[i] = NULL;
		if (keys)
			keys[i] = NULL;
	}
	if (map->type != YAML_MAPPING_NODE)
		return cfg_err(c, map, what, "expected a mapping, got %s", cfg_kind(map));

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = cfg_node(c, p->key);
		const char *name;

		if (k->type != YAML_SCALAR_NODE)
			return cfg_err(c, k, what, "a key must be a plain name, not %s",
				       cfg_kind(k));
		name = (const char *)k->data.scalar.value;
		for (i = 0; i < n; i++)
			if (!strcmp(name, table[i].name))
				break;
		if (i == n)
			return cfg_err(c, k, name, "unknown key");
		if (table[i].flags & CFG_UNSUPPORTED)
			return cfg_err(c, k, name, "not supported by this version of ward yet");
		if (vals[i])
			return cfg_err(c, k, name, "duplicate key");
		vals[i] = cfg_node(c, p->value);
		if (keys)
			keys[i] = k;
	}
	return 0;
}

int cfg_section(struct cfg_ctx *c, const yaml_node_t *map, const char *name,
		const struct cfg_key *table, size_t n, yaml_node_t **vals)
{
	if (cfg_is_null(map))
		return 1;
	return cfg_map_keys(c, map, name, table, n, NULL, vals);
}

/*
 * The entries of a section that is a list (type YAML_SEQUENCE_NODE) or a
 * mapping: 0 of them when it is left empty (null), an error naming want
 * ("a list of rules") when it is something else.
 */
int cfg_count(struct cfg_ctx *c, const yaml_node_t *n, yaml_node_type_t type,
	      const char *field, const char *want, size_t *count)
{
	*count = 0;
	if (cfg_is_null(n))
		return 0;
	if (n->type != type)
		return cfg_err(c, n, field, "expected %s, got %s", want, cfg_kind(n));
	if (type == YAML_SEQUENCE_NODE)
		*count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	else
		*count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	return 0;
}

/*
 * One of the words of a table that ends with a NULL name, as its value.
 * Anything else is "unknown WHAT 'x' (expected a, b or c)", the words the
 * table takes; a word marked CFG_UNSUPPORTED is known but not implemented.
 */
int cfg_choice(struct cfg_ctx *c, const yaml_node_t *n, const char *field,
	       const char *what, const struct cfg_choice *table, int *out)
{
	const struct cfg_choice *t;
	char expected[128];
	size_t len = 0, left = 0;
	const char *s;
	int ret;

	ret = cfg_str(c, n, field, &s);
	if (ret)
		return ret;
	for (t = table; t->name; t++) {
		if (strcmp(s, t->name))
			continue;
		if (t->flags & CFG_UNSUPPORTED)
			return cfg_err(c, n, field, "%s is not supported by this version of ward yet", s);
		*out = t->value;
		return 0;
	}
	for (t = table; t->name; t++)
		left += !(t->flags & CFG_UNSUPPORTED);
	expected[0] = '\0';
	for (t = table; t->name && len < sizeof(expected); t++) {
		if (t->flags & CFG_UNSUPPORTED)
			continue;
		left--;
		len += snprintf(expected + len, sizeof(expected) - len, "%s%s", t->name,
				left > 1 ? ", " : left == 1 ? " or " : "");
	}
	return cfg_err(c, n, field, "unknown %s '%s' (expected %s)", what, s, expected);
}

/* Items of a list, or the node itself when it is a single value. */
void cfg_items(yaml_node_t *n, yaml_node_item_t **start, size_t *count)
{
	if (n->type == YAML_SEQUENCE_NODE) {
		*start = n->data.sequence.items.start;
		*count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	} else {
		*start = NULL;
		*count = 1;
	}
}

yaml_node_t *cfg_item(struct cfg_ctx *c, yaml_node_t *n,
			     yaml_node_item_t *start, size_t i)
{
	return start ? cfg_node(c, start[i]) : n;
}

int cfg_grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 4;
	void *nv;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	nv = reallocarray(*v, ncap, size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}
