/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/wardctl/out.h: what wardctl prints. Tables with columns as wide as
 * their widest cell, for people; JSON (-o json), for scripts. For wardctl
 * only.
 */
#ifndef WARDCTL_OUT_H
#define WARDCTL_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct table;

/* A table of ncol columns under these headers. */
struct table *table_new(size_t ncol, const char *const *headers);
/* Starts a row; table_cell fills its cells left to right. */
void table_next(struct table *t);
void table_cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void table_print(struct table *t, FILE *f);
void table_free(struct table *t);

/*
 * JSON written as it goes: objects and arrays nest, a key is given inside
 * objects and NULL inside arrays. Strings are escaped.
 */
struct json {
	FILE	*f;
	int	depth;
	bool	first[32];
};

void json_init(struct json *j, FILE *f);
void json_obj(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *v);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, bool v);
/* A list of strings as an array. */
void json_strs(struct json *j, const char *key, char **v, size_t n);
/* Ends the document with a newline. */
void json_done(struct json *j);

#endif /* WARDCTL_OUT_H */
