// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardd/api/source.c: the policy's text (the file, the embedded default
 * or an Apply's), the API's rules merged onto it in every reload
 * (pol_edit.h), and a change made live through wardd_reload.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "api_int.h"
#include "config.h"

/* Sources */

void api_src_free(struct wardd_src *src)
{
	free(src->name);
	free(src->text);
	memset(src, 0, sizeof(*src));
}

int api_src_dup(const struct wardd_src *from, struct wardd_src *to)
{
	to->name = strdup(from->name ? from->name : "<api>");
	to->text = malloc(from->len + 1);
	if (!to->name || !to->text) {
		api_src_free(to);
		return -ENOMEM;
	}
	memcpy(to->text, from->text, from->len);
	to->text[from->len] = '\0';
	to->len = from->len;
	return 0;
}

int api_src_read_file(const char *path, struct wardd_src *src, char *err, size_t errlen)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-ret));
		goto out_close;
	}
	if (st.st_size > API_FILE_MAX) {
		ret = -EFBIG;
		snprintf(err, errlen, "%s: larger than %d MiB", path, API_FILE_MAX >> 20);
		goto out_close;
	}
	src->name = strdup(path);
	src->text = malloc((size_t)st.st_size + 1);
	if (!src->name || !src->text) {
		ret = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out_free;
	}
	/* A file that grows while we read it is read up to its size at open. */
	while (got < (size_t)st.st_size) {
		n = read(fd, src->text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-ret));
			goto out_free;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	src->text[got] = '\0';
	src->len = got;
	close(fd);
	return 0;

out_free:
	api_src_free(src);
out_close:
	close(fd);
	return ret;
}

int api_source(struct wardd *w, struct wardd_src *src, char *err, size_t errlen)
{
	memset(src, 0, sizeof(*src));
	err[0] = '\0';
	if (w->next_src.text) {
		*src = w->next_src;
		memset(&w->next_src, 0, sizeof(w->next_src));
		return 0;
	}
	if (w->config_path)
		return api_src_read_file(w->config_path, src, err, errlen);
	src->name = strdup("<embedded>");
	src->text = strdup(cfg_embedded_default);
	if (!src->name || !src->text) {
		api_src_free(src);
		snprintf(err, errlen, "<embedded>: out of memory");
		return -ENOMEM;
	}
	src->len = strlen(src->text);
	return 0;
}

/* Policies with the API's rules */

int api_parse(struct wardd *w, const struct wardd_src *src, struct pol_policy *out,
	      char *err, size_t errlen)
{
	struct api *a = w->api;
	const struct pol_added *v;
	size_t n;
	int ret;

	ret = cfg_parse_string(src->name, src->text, src->len, out, err, errlen);
	if (ret || !a)
		return ret;
	v = a->trying ? a->next_rules : a->rules;
	n = a->trying ? a->n_next : a->n_rules;
	if (!n)
		return 0;
	ret = pol_merge_added(out, v, n, cfg_parse_added, err, errlen);
	if (ret)
		pol_free(out);
	return ret;
}

void api_committed(struct wardd *w, struct wardd_src *src)
{
	struct api *a = w->api;

	api_src_free(&w->live_src);
	w->live_src = *src;
	memset(src, 0, sizeof(*src));
	if (a && a->trying) {
		pol_added_free(a->rules, a->n_rules);
		a->rules = a->next_rules;
		a->n_rules = a->n_next;
		a->next_rules = NULL;
		a->n_next = 0;
		a->trying = false;
	}
}

/*
 * Makes a change live through wardd_reload: src (NULL: the live text
 * again) with the API rules next (NULL: as they are). Nothing changes on
 * error; r says why: INVALID_ARGUMENT for what the parser or the compiler
 * refused, INTERNAL for the data plane.
 */
int api_change(struct api *a, const struct wardd_src *src, struct pol_added *next,
		      size_t n_next, bool take_next, struct api_reply *r)
{
	struct wardd *w = a->w;
	char was[sizeof(w->reload_err)];
	int ret;

	/* reload_err tells Status why a reload of the file failed; a refused
	 * call has its answer, and leaves that as it was. */
	memcpy(was, w->reload_err, sizeof(was));
	ret = api_src_dup(src ? src : &w->live_src, &w->next_src);
	if (ret) {
		if (take_next)
			pol_added_free(next, n_next);
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return ret;
	}
	if (take_next) {
		a->next_rules = next;
		a->n_next = n_next;
		a->trying = true;
	}
	ret = wardd_reload(w);
	if (a->trying) {	/* not committed */
		pol_added_free(a->next_rules, a->n_next);
		a->next_rules = NULL;
		a->n_next = 0;
		a->trying = false;
	}
	api_src_free(&w->next_src);
	if (!ret)
		return 0;
	if (ret == -EINVAL || ret == -E2BIG || ret == -EEXIST || ret == -ENOENT)
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT, "%s", w->reload_err);
	else
		reply_err(r, GRPC_STATUS_INTERNAL, "%s%s%s", w->reload_err[0] ? w->reload_err : "",
			  w->reload_err[0] ? "; " : "", "nothing changed");
	memcpy(w->reload_err, was, sizeof(was));
	return ret;
}
