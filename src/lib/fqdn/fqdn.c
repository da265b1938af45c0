// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/lib/fqdn/fqdn.c: see fqdn.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include "fqdn.h"
#include "policy.h"

#define FNV64_OFFSET	0xcbf29ce484222325ULL
#define FNV64_PRIME	0x100000001b3ULL

int fqdn_to_wire(const char *pattern, uint8_t wire[WARD_FQDN_NAME_MAX], size_t *len,
		 bool *wild, const char **why)
{
	const char *s = pattern, *end;
	size_t n = 0, plen;

	*wild = false;
	if (!strncmp(s, "*.", 2)) {
		*wild = true;
		s += 2;
	}
	plen = strlen(s);
	if (plen && s[plen - 1] == '.')
		plen--;
	end = s + plen;
	if (!plen) {
		*why = *wild ? "a wildcard needs a suffix (\"*.example.org\")" : "empty name";
		return -EINVAL;
	}
	while (s < end) {
		const char *dot = memchr(s, '.', (size_t)(end - s));
		size_t l = dot ? (size_t)(dot - s) : (size_t)(end - s), i;

		if (!l) {
			*why = "empty label (two dots in a row, or a leading dot)";
			return -EINVAL;
		}
		if (l > 63) {
			*why = "a label is longer than 63 characters";
			return -EINVAL;
		}
		if (n + 1 + l + 1 > 255) {
			*why = "longer than 253 characters";
			return -EINVAL;
		}
		wire[n++] = (uint8_t)l;
		for (i = 0; i < l; i++) {
			unsigned char ch = (unsigned char)s[i];

			if (ch == '*') {
				*why = "'*' only as the whole first label (\"*.example.org\")";
				return -EINVAL;
			}
			if (!isalnum(ch) && ch != '-' && ch != '_') {
				*why = "only letters, digits, '-' and '_' in a name";
				return -EINVAL;
			}
			wire[n++] = (uint8_t)tolower(ch);
		}
		s += l + (dot ? 1 : 0);
	}
	wire[n++] = 0;
	memset(wire + n, 0, WARD_FQDN_NAME_MAX - n);
	*len = n;
	return 0;
}

void fqdn_wire_to_text(const uint8_t *wire, size_t max, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	if (!outlen)
		return;
	while (i < max && wire[i] && o + 1 < outlen) {
		size_t l = wire[i++], k;

		if (o)
			out[o++] = '.';
		for (k = 0; k < l && i < max && o + 1 < outlen; k++, i++)
			out[o++] = isprint(wire[i]) && wire[i] != '"' && wire[i] != '\\' ?
				   (char)wire[i] : '?';
	}
	if (!o && o + 1 < outlen)
		out[o++] = '.';
	out[o] = '\0';
}

uint64_t fqdn_hash(const uint8_t *wire, size_t len)
{
	uint64_t h = FNV64_OFFSET;

	while (len--)
		h = (h ^ wire[len]) * FNV64_PRIME;
	return h;
}

uint64_t fqdn_set_digest(char *const *names, size_t n)
{
	uint64_t d = 0;
	size_t i;

	/* A sum of per-name hashes: order does not matter. */
	for (i = 0; i < n; i++)
		d += fqdn_hash((const uint8_t *)names[i], strlen(names[i])) | 1;
	return d;
}

void pol_fqdn_free(struct pol_fqdn *f)
{
	size_t i, j;

	for (i = 0; i < f->n_sets; i++) {
		for (j = 0; j < f->sets[i].n; j++)
			free(f->sets[i].names[j]);
		free(f->sets[i].names);
		free(f->sets[i].name);
	}
	free(f->sets);
	free(f->resolvers);
	memset(f, 0, sizeof(*f));
}

int pol_fqdn_copy(struct pol_fqdn *dst, const struct pol_fqdn *src)
{
	size_t i, j;

	memset(dst, 0, sizeof(*dst));
	dst->grace = src->grace;
	if (src->n_resolvers) {
		dst->resolvers = malloc(src->n_resolvers * sizeof(*dst->resolvers));
		if (!dst->resolvers)
			goto err;
		memcpy(dst->resolvers, src->resolvers, src->n_resolvers * sizeof(*dst->resolvers));
		dst->n_resolvers = src->n_resolvers;
	}
	if (!src->n_sets)
		return 0;
	dst->sets = calloc(src->n_sets, sizeof(*dst->sets));
	if (!dst->sets)
		goto err;
	for (i = 0; i < src->n_sets; i++) {
		const struct pol_fqdn_set *s = &src->sets[i];
		struct pol_fqdn_set *d = &dst->sets[i];

		dst->n_sets++;
		d->line = s->line;
		d->name = strdup(s->name);
		d->names = calloc(s->n, sizeof(*d->names));
		if (!d->name || !d->names)
			goto err;
		for (j = 0; j < s->n; j++) {
			d->names[j] = strdup(s->names[j]);
			if (!d->names[j])
				goto err;
			d->n++;
		}
	}
	return 0;
err:
	pol_fqdn_free(dst);
	return -ENOMEM;
}
