/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/compile/compile_int.h: what compile.c shares with the compilers of other
 * sections (compile_nat.c). Internal to the compiler.
 */
#ifndef WARD_COMPILE_INT_H
#define WARD_COMPILE_INT_H

#include <stddef.h>
#include "compile.h"

/* Index of s in v, or -1. */
int find_str(char **v, size_t n, const char *s);
/* Appends a copy of s unless v has it; 0 or -ENOMEM. */
int add_str(char ***v, size_t *n, const char *s);

/* nat: -> c->nat, naming interfaces that are not zones in c->if_names.
 * The config reader checked it all: only -ENOMEM. */
int compile_nat(const struct pol_policy *pol, struct compiled *c);

#endif /* WARD_COMPILE_INT_H */
