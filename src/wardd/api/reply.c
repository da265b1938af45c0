// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardd/api/reply.c: a reply's arena (what its message is allocated in,
 * freed once it is packed), its error, and names as the API shows them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api_int.h"
#include "pol_util.h"

/* Arena */

void *ar_keep(struct api_arena *ar, void *p)
{
	void **np;

	if (!p) {
		ar->oom = true;
		return NULL;
	}
	if (ar->n == ar->cap) {
		np = reallocarray(ar->p, ar->cap ? ar->cap * 2 : 64, sizeof(*np));
		if (!np) {
			free(p);
			ar->oom = true;
			return NULL;
		}
		ar->p = np;
		ar->cap = ar->cap ? ar->cap * 2 : 64;
	}
	ar->p[ar->n++] = p;
	return p;
}

void *ar_alloc(struct api_arena *ar, size_t n, size_t size)
{
	return ar_keep(ar, calloc(n ? n : 1, size));
}

char *ar_strdup(struct api_arena *ar, const char *s)
{
	return ar_keep(ar, strdup(s ? s : ""));
}

char *ar_printf(struct api_arena *ar, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return ar_keep(ar, s);
}

void ar_free(struct api_arena *ar)
{
	size_t i;

	for (i = 0; i < ar->n; i++)
		free(ar->p[i]);
	free(ar->p);
	memset(ar, 0, sizeof(*ar));
}

void reply_err(struct api_reply *r, grpc_status_code code, const char *fmt, ...)
{
	va_list ap;

	r->code = code;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

/* Names as the API shows them */

const char *api_action_name(int action)
{
	const char *name = pol_action_name(action);

	if (!action)
		return "";
	return name ? name : "unknown";
}

const char *api_proto_text(struct api_arena *ar, int proto)
{
	const char *name = pol_proto_name(proto);

	if (proto == POL_ANY)
		return "";
	return name ? name : ar_printf(ar, "%d", proto);
}
