// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardctl/apply.c: wardctl validate and apply: a ward.yaml checked as wardd
 * would read it, or made the policy (--diff: what would change).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "out.h"
#include "rpc.h"
#include "ward/v1/ward.pb-c.h"

/* Reads FILE ("-": standard input) whole. */
static char *read_text(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t cap = 0, n;
	char *buf = NULL, *nb;

	*len = 0;
	if (!f) {
		fprintf(stderr, "wardctl: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (*len + 1 >= cap) {
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "wardctl: %s: out of memory\n", path);
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		n = fread(buf + *len, 1, cap - *len - 1, f);
		*len += n;
		if (!n) {
			if (ferror(f)) {
				fprintf(stderr, "wardctl: %s: %s\n", path, strerror(errno));
				free(buf);
				buf = NULL;
			}
			break;
		}
	}
	if (buf)
		buf[*len] = '\0';
	if (f != stdin)
		fclose(f);
	if (buf && strlen(buf) != *len) {
		fprintf(stderr, "wardctl: %s: contains a NUL byte; not a ward.yaml\n", path);
		free(buf);
		return NULL;
	}
	return buf;
}

int cmd_validate(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "print", no_argument, NULL, 'p' },
		{ 0 }
	};
	Ward__V1__ValidateRequest req = WARD__V1__VALIDATE_REQUEST__INIT;
	Ward__V1__ValidateResponse *m;
	ProtobufCMessage *resp;
	const char *file = NULL;
	bool print = false;
	size_t len, i;
	char *text;
	int o, ret;

	while ((o = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (o == 'f')
			file = optarg;
		else if (o == 'p')
			print = true;
		else
			return bad_usage("validate: %s", "unknown option");
	}
	if (!file || optind != argc)
		return bad_usage("validate: %s", "expected -f FILE");
	text = read_text(file, &len);
	if (!text)
		return WARDCTL_EXIT_USER;
	req.name = (char *)file;
	req.text = text;
	ret = ctl_call(c, "Validate", &req.base, &ward__v1__validate_response__descriptor, &resp,
		       WARDCTL_APPLY_TIMEOUT_S);
	free(text);
	if (ret)
		return ret;
	m = (Ward__V1__ValidateResponse *)resp;
	if (!m->valid) {
		/* FILE:LINE: field: message, as compilers say it. */
		for (i = 0; i < m->n_errors; i++)
			fprintf(stderr, "%s\n", m->errors[i]);
		ret = WARDCTL_EXIT_USER;
	} else if (print) {
		fputs(m->normalized, stdout);
	} else {
		printf("%s: ok, %u rules\n", file, m->rules);
	}
	protobuf_c_message_free_unpacked(resp, NULL);
	return ret;
}

static void print_names(const char *mark, char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%s %s\n", mark, v[i]);
}

/* "N rule(s) added with wardctl rule add VERB[ on top of FILE]: a, b" */
static void print_added(char **v, size_t n, const char *verb, const char *on_top_of)
{
	size_t i;

	printf("%zu rule%s added with wardctl rule add %s", n, n == 1 ? "" : "s", verb);
	if (on_top_of)
		printf(" on top of %s", on_top_of);
	for (i = 0; i < n; i++)
		printf("%s%s", i ? ", " : ": ", v[i]);
	printf("\n");
}

/*
 * The rules added through the API that the file did not replace: apply
 * keeps them on top, which surprises whoever expects the file to be the
 * whole truth, so the summary names them and the ways to drop them.
 */
static void print_kept_dropped(const Ward__V1__ApplyResponse *m, const char *file)
{
	if (m->n_kept) {
		print_added(m->kept, m->n_kept,
			    m->applied ? "kept" : "would be kept", file);
		printf("  to drop %s: wardctl apply -f %s --replace (the file becomes the whole policy), or wardctl rule clear\n",
		       m->n_kept == 1 ? "it" : "them", file);
	}
	if (m->n_dropped) {
		print_added(m->dropped, m->n_dropped, m->applied ? "dropped" : "would be dropped", NULL);
		printf("  %s %s the whole policy\n", file, m->applied ? "is" : "would be");
	}
}

int cmd_apply(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "diff", no_argument, NULL, 'D' },
		{ "replace", no_argument, NULL, 'R' },
		{ "output", required_argument, NULL, 'o' },
		{ 0 }
	};
	Ward__V1__ApplyRequest req = WARD__V1__APPLY_REQUEST__INIT;
	Ward__V1__ApplyResponse *m;
	const Ward__V1__Diff *d;
	ProtobufCMessage *resp;
	const char *file = NULL;
	size_t len, i;
	char *text;
	int o, ret;

	while ((o = getopt_long(argc, argv, "f:o:", opts, NULL)) != -1) {
		if (o == 'f')
			file = optarg;
		else if (o == 'D')
			req.dry_run = true;
		else if (o == 'R')
			req.replace = true;
		else if (o == 'o') {
			if ((ret = parse_output(c, optarg)))
				return ret;
		} else
			return bad_usage("apply: %s", "unknown option");
	}
	if (!file || optind != argc)
		return bad_usage("apply: %s", "expected -f FILE");
	text = read_text(file, &len);
	if (!text)
		return WARDCTL_EXIT_USER;
	req.name = (char *)file;
	req.text = text;
	ret = ctl_call(c, "Apply", &req.base, &ward__v1__apply_response__descriptor, &resp,
		       WARDCTL_APPLY_TIMEOUT_S);
	free(text);
	if (ret)
		return ret;
	m = (Ward__V1__ApplyResponse *)resp;
	d = m->diff;
	if (c->json) {
		struct json j;

		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_bool(&j, "applied", m->applied);
		json_u64(&j, "generation", m->generation);
		json_bool(&j, "same_policy", m->unchanged);
		if (d) {
			json_strs(&j, "added", d->added, d->n_added);
			json_strs(&j, "removed", d->removed, d->n_removed);
			json_strs(&j, "changed", d->changed, d->n_changed);
			json_u64(&j, "unchanged", d->unchanged);
			json_strs(&j, "settings", d->settings, d->n_settings);
		}
		json_strs(&j, "kept", m->kept, m->n_kept);
		json_strs(&j, "dropped", m->dropped, m->n_dropped);
		json_obj_end(&j);
		json_done(&j);
	} else if (d) {
		print_names("+", d->added, d->n_added);
		print_names("-", d->removed, d->n_removed);
		print_names("~", d->changed, d->n_changed);
		if (d->n_settings) {
			printf("~ settings:");
			for (i = 0; i < d->n_settings; i++)
				printf(" %s", d->settings[i]);
			printf("\n");
		}
		printf("%s: %zu added, %zu removed, %zu changed, %u unchanged",
		       file, d->n_added, d->n_removed, d->n_changed, d->unchanged);
		if (m->applied)
			printf(m->unchanged ? "; the same policy: generation %" PRIu64 " stays live\n" :
			       "; generation %" PRIu64 " live\n", m->generation);
		else
			printf("; not applied (--diff)\n");
		print_kept_dropped(m, file);
	}
	protobuf_c_message_free_unpacked(resp, NULL);
	return 0;
}
