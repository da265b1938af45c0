/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/lib/config/config.h: ward.yaml -> struct pol_policy (libyaml), and back.
 *
 * Errors are written into err as "FILE:LINE: field: message", the first one
 * found; nothing is returned on error. Unknown keys are errors.
 */
#ifndef WARD_CONFIG_H
#define WARD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "policy.h"

#define CFG_ERR_MAX	512

/* The embedded default of CONTRACT.md: every interface but loopback, dry-run, policy drop. */
extern const char cfg_embedded_default[];

/* 0, or -EINVAL with err filled (or -errno when the file can't be read). */
int cfg_parse_file(const char *path, struct pol_policy *out, char *err, size_t errlen);
int cfg_parse_string(const char *name, const char *text, size_t len,
		     struct pol_policy *out, char *err, size_t errlen);

/* Writes the normalized policy as YAML that parses back to the same policy. */
int cfg_print(const struct pol_policy *pol, FILE *f);

/*
 * Writes rules as the items of a rules: list, exactly as cfg_print() does:
 * each "- name: ..." indent spaces in, its keys two further, its children
 * below it (cfg_print() uses indent 2). The one YAML writer for rules: the
 * API's stored rules come from here too. 0, or -EIO when f failed.
 */
int cfg_write_rules(FILE *f, const struct pol_rule *rules, size_t n, int indent);

/* The same as a NUL-terminated string to free(); NULL with errno set. */
char *cfg_rules_yaml(const struct pol_rule *rules, size_t n, int indent);

/*
 * A rule in the words its user gave it (wardctl rule add): $set names, ports
 * and zones as typed, kept as text so that the rule is read again against
 * each policy it joins (the sets of every newly applied file). Empty words
 * and lists are left out, as not given.
 */
struct cfg_rule_words {
	const char *name, *in, *family, *proto, *icmp_type, *action, *rate;
	char *const *from, *const *to, *const *port, *const *sport;
	size_t	n_from, n_to, n_port, n_sport;
	bool	log, dry_run;
};

/* The rule as one item of a rules: list, quoted as cfg_print() quotes, a
 * NUL-terminated string to free(); NULL with errno set. */
char *cfg_rule_words_yaml(const struct cfg_rule_words *w);

/*
 * Reads the rules added at run time (pol_edit.h's pol_added, each the YAML
 * of cfg_rule_words_yaml()) into out, with base's interfaces so that in: is
 * checked against the zones of the policy they join. line[i] is set to the
 * line rule i starts at, for errors ("api rules:LINE: field: msg") to be
 * said of a rule. The pol_read_added_fn of pol_merge_added(). 0, or -errno
 * with err set (-ENOMEM with err empty when the text could not be made).
 */
struct pol_added;
int cfg_parse_added(const struct pol_policy *base, const struct pol_added *v, size_t n,
		    int *line, struct pol_policy *out, char *err, size_t errlen);

/* An ICMP (proto 1) or ICMPv6 (58) type by the name rules use for it
 * ("echo-request"); -1 for a name that is none. */
int cfg_icmp_type_name(int proto, const char *name);

#endif /* WARD_CONFIG_H */
