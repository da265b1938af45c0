// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/wardctl/out.c: see out.h. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "out.h"

struct table {
	size_t	ncol;
	char	**cells;	/* row-major, headers first */
	size_t	nrow, cap;	/* rows, headers included */
	size_t	*width;
	size_t	col;		/* next cell of the last row */
};

static char *dupf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

struct table *table_new(size_t ncol, const char *const *headers)
{
	struct table *t = calloc(1, sizeof(*t));
	size_t i;

	if (!t)
		return NULL;
	t->ncol = ncol;
	t->width = calloc(ncol, sizeof(*t->width));
	t->cap = 16;
	t->cells = calloc(t->cap * ncol, sizeof(*t->cells));
	if (!t->width || !t->cells) {
		table_free(t);
		return NULL;
	}
	for (i = 0; i < ncol; i++)
		t->cells[i] = strdup(headers[i]);
	t->nrow = 1;
	return t;
}

void table_next(struct table *t)
{
	char **nc;

	if (!t)
		return;
	if (t->nrow == t->cap) {
		nc = reallocarray(t->cells, t->cap * 2 * t->ncol, sizeof(*nc));
		if (!nc)
			return;
		memset(nc + t->cap * t->ncol, 0, t->cap * t->ncol * sizeof(*nc));
		t->cells = nc;
		t->cap *= 2;
	}
	t->nrow++;
	t->col = 0;
}

void table_cell(struct table *t, const char *fmt, ...)
{
	va_list ap;

	if (!t || t->nrow < 2 || t->col >= t->ncol)
		return;
	va_start(ap, fmt);
	t->cells[(t->nrow - 1) * t->ncol + t->col++] = dupf(fmt, ap);
	va_end(ap);
}

void table_print(struct table *t, FILE *f)
{
	size_t r, c, w;

	if (!t)
		return;
	for (r = 0; r < t->nrow; r++)
		for (c = 0; c < t->ncol; c++) {
			const char *s = t->cells[r * t->ncol + c];

			w = s ? strlen(s) : 0;
			if (w > t->width[c])
				t->width[c] = w;
		}
	for (r = 0; r < t->nrow; r++) {
		for (c = 0; c < t->ncol; c++) {
			const char *s = t->cells[r * t->ncol + c];

			if (c + 1 == t->ncol)
				fprintf(f, "%s", s ? s : "");
			else
				fprintf(f, "%-*s  ", (int)t->width[c], s ? s : "");
		}
		fputc('\n', f);
	}
}

void table_free(struct table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; t->cells && i < t->nrow * t->ncol; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
	free(t);
}

/* JSON */

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

static void json_quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (key) {
		json_quote(j->f, key);
		fputc(':', j->f);
	}
}

static void json_open(struct json *j, const char *key, char c)
{
	json_key(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < (int)(sizeof(j->first) / sizeof(j->first[0])))
		j->depth++;
	j->first[j->depth] = true;
}

void json_obj(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void json_arr(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void json_obj_end(struct json *j)
{
	fputc('}', j->f);
	if (j->depth)
		j->depth--;
}

void json_arr_end(struct json *j)
{
	fputc(']', j->f);
	if (j->depth)
		j->depth--;
}

void json_str(struct json *j, const char *key, const char *v)
{
	json_key(j, key);
	json_quote(j->f, v);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	fprintf(j->f, "%llu", (unsigned long long)v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_strs(struct json *j, const char *key, char **v, size_t n)
{
	size_t i;

	json_arr(j, key);
	for (i = 0; i < n; i++)
		json_str(j, NULL, v[i]);
	json_arr_end(j);
}

void json_done(struct json *j)
{
	fputc('\n', j->f);
}
