// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardd/api.c: see api.h.
 *
 * Threads: api_cq_main() is the only thread of ours that calls into the
 * completion queue. Every method is registered with its request read up
 * front (GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER), so a new call arrives
 * complete: the cq thread asks for the next call of that method, queues
 * this one under api.mu and writes the eventfd. The loop thread answers
 * with one batch (metadata, message, status, close), whose completion the
 * cq thread sees and frees the call on. grpc_call_start_batch may be called
 * from any thread; struct wardd is touched by the loop thread only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>
#include "api.h"
#include "api_stream.h"
#include "events.h"
#include "trace.h"
#include "dataplane_fqdn.h"
#include "log.h"
#include "pol_util.h"
#include "ward/v1/ward.pb-c.h"

#ifndef WARD_VERSION
#define WARD_VERSION		"0.1-dev"
#endif

/* ward.yaml may be 64 MiB (config.c): a whole one must fit in an Apply. */
#define API_MSG_MAX		(65 << 20)
#define API_FILE_MAX		(64 << 20)
#define API_ERR_MAX		1024
#define API_PAGE_DEFAULT	256
#define API_PAGE_MAX		4096
/* Flows looked at per ConntrackList call when a filter skips most of them:
 * the loop is held for a few milliseconds at most, the client pages on. */
#define API_SCAN_BUDGET		65536
/* How long SIGTERM waits for calls in flight before leaving them. */
#define API_STOP_WAIT_S		5

/* Allocations of one reply, freed together once it is packed. */
struct api_arena {
	void	**p;
	size_t	n, cap;
	bool	oom;
};

struct api_reply {
	struct api_call *call;
	bool	taken;		/* a stream took the call over: no answer here */
	grpc_status_code code;
	char	msg[API_ERR_MAX];
	ProtobufCMessage *out;
	struct api_arena ar;
};

struct api;

struct api_method {
	const char *path;
	const ProtobufCMessageDescriptor *in;
	bool	mutates;	/* refused when locked */
	void	(*fn)(struct api *a, const ProtobufCMessage *in, struct api_reply *r);
};

enum api_call_state {
	API_CALL_NEW,		/* requested from the server, then handed to the loop */
	API_CALL_ANSWERED,	/* the answer's batch is in flight */
};

struct api_call {
	enum api_tag tag;
	struct api *a;
	int	method;
	enum api_call_state state;
	grpc_call *call;
	gpr_timespec deadline;
	grpc_metadata_array md;
	grpc_byte_buffer *payload;
	grpc_byte_buffer *resp;
	grpc_slice details;
	bool	have_details;
	int	cancelled;
	struct api_call *next;
};

/* A rule added with RuleAdd, kept as the YAML it was given as, so that it
 * is read by the same parser as the file's rules, against each new base. */
struct api_rule {
	char	*name;
	char	*before;	/* top-level rule it goes before; NULL: at the end */
	char	*yaml;		/* one item of a rules: list */
};

enum {
	M_STATUS, M_VALIDATE, M_APPLY, M_RULE_ADD, M_RULE_LIST, M_RULE_DELETE,
	M_RULE_CLEAR, M_CT_LIST, M_CT_FLUSH,
	M_FLOW_EVENTS, M_TRACE,	/* flow events, trace */
	M_FQDN_LIST,		/* FQDN rules */
	M_N
};

struct api {
	struct wardd *w;
	char	*listen;
	char	*path;		/* of the unix socket */
	bool	locked;
	grpc_server *server;
	grpc_completion_queue *cq;
	void	*reg[M_N];
	char	shutdown_tag;
	pthread_t thread;
	atomic_bool thread_done;
	int	efd;
	pthread_mutex_t mu;	/* ready, stopping */
	struct api_call *ready, **ready_tail;
	bool	stopping;
	/* Loop thread only. */
	struct api_rule *rules;
	size_t	n_rules;
	struct api_rule *next_rules;	/* what api_parse merges while a change is tried */
	size_t	n_next;
	bool	trying;
	struct api_streams streams;	/* FlowEvents followers */
};

static const struct api_method api_methods[M_N];
static void m_flow_events(struct api *a, const ProtobufCMessage *in, struct api_reply *r);
static void m_trace(struct api *a, const ProtobufCMessage *in, struct api_reply *r);

/* Arena */

static void *ar_keep(struct api_arena *ar, void *p)
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

static void *ar_alloc(struct api_arena *ar, size_t n, size_t size)
{
	return ar_keep(ar, calloc(n ? n : 1, size));
}

static char *ar_strdup(struct api_arena *ar, const char *s)
{
	return ar_keep(ar, strdup(s ? s : ""));
}

static char *ar_printf(struct api_arena *ar, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static char *ar_printf(struct api_arena *ar, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return ar_keep(ar, s);
}

static void ar_free(struct api_arena *ar)
{
	size_t i;

	for (i = 0; i < ar->n; i++)
		free(ar->p[i]);
	free(ar->p);
	memset(ar, 0, sizeof(*ar));
}

static void reply_err(struct api_reply *r, grpc_status_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reply_err(struct api_reply *r, grpc_status_code code, const char *fmt, ...)
{
	va_list ap;

	r->code = code;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

/* Growing text, for the YAML handed to the parser. */
struct api_buf {
	char	*p;
	size_t	len, cap;
	bool	oom;
};

static void buf_put(struct api_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void buf_put(struct api_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t need;
	char *np;
	int n;

	if (b->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	need = b->len + (size_t)n + 1;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < need)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* A YAML double-quoted scalar: the parser reads it as exactly s. */
static void buf_quote(struct api_buf *b, const char *s)
{
	buf_put(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_put(b, "\\%c", *s);
		else
			buf_put(b, "%c", *s);
	}
	buf_put(b, "\"");
}

/* Sources */

void api_src_free(struct wardd_src *src)
{
	free(src->name);
	free(src->text);
	memset(src, 0, sizeof(*src));
}

static int src_dup(const struct wardd_src *from, struct wardd_src *to)
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

static int src_read_file(const char *path, struct wardd_src *src, char *err, size_t errlen)
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
		return src_read_file(w->config_path, src, err, errlen);
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

/* Merging the API's rules into a policy */

static void rules_free(struct api_rule *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].before);
		free(v[i].yaml);
	}
	free(v);
}

static size_t rules_count(const struct pol_rule *r, size_t n)
{
	size_t i, k = n;

	for (i = 0; i < n; i++)
		k += rules_count(r[i].children, r[i].n_children);
	return k;
}

/* Every rule of the tree, depth first (the order first match reads them). */
struct api_ent {
	const char *name;
	const struct pol_rule *r;
	const char *parent;	/* NULL at the top */
	size_t	order;
};

static void rules_walk(const struct pol_rule *r, size_t n, const char *parent,
		       struct api_ent *out, size_t *k)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[*k] = (struct api_ent){ r[i].name, &r[i], parent, *k };
		(*k)++;
		rules_walk(r[i].children, r[i].n_children, r[i].name, out, k);
	}
}

static int ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct api_ent *)a)->name, ((const struct api_ent *)b)->name);
}

/* Sorted by name, for ent_find(). NULL with errno on failure. */
static struct api_ent *rules_index(const struct pol_policy *pol, size_t *n)
{
	struct api_ent *v;
	size_t k = 0;

	*n = rules_count(pol->rules, pol->n_rules);
	v = calloc(*n ? *n : 1, sizeof(*v));
	if (!v)
		return NULL;
	rules_walk(pol->rules, pol->n_rules, NULL, v, &k);
	qsort(v, *n, sizeof(*v), ent_cmp);
	return v;
}

static const struct api_ent *ent_find(const struct api_ent *v, size_t n, const char *name)
{
	struct api_ent key = { .name = name };

	return bsearch(&key, v, n, sizeof(*v), ent_cmp);
}

static const struct api_rule *api_rule_find(const struct api_rule *v, size_t n,
					    const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

static ssize_t top_find(const struct pol_rule *r, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(r[i].name, name))
			return (ssize_t)i;
	return -1;
}

/*
 * The API's rules as one YAML document: the base's interfaces (so that
 * in: is checked against the zones of the policy they join) and the rules.
 * line[i] is where rule i starts, to say which rule an error is about.
 */
static char *rules_doc(const struct pol_policy *base, const struct api_rule *v, size_t n,
		       int *line)
{
	struct api_buf b = {};
	int ln = 1;
	size_t i;
	const char *p;

	if (!base->n_ifaces) {
		buf_put(&b, "interfaces: []\n");
		ln++;
	} else {
		buf_put(&b, "interfaces:\n");
		ln++;
	}
	for (i = 0; i < base->n_ifaces; i++) {
		buf_put(&b, "  - { match: ");
		buf_quote(&b, base->ifaces[i].match);
		if (base->ifaces[i].role) {
			buf_put(&b, ", role: ");
			buf_quote(&b, base->ifaces[i].role);
		}
		buf_put(&b, " }\n");
		ln++;
	}
	buf_put(&b, "rules:\n");
	ln++;
	for (i = 0; i < n; i++) {
		line[i] = ln;
		buf_put(&b, "%s", v[i].yaml);
		for (p = v[i].yaml; *p; p++)
			ln += *p == '\n';
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* "api rules:LINE: field: message" -> "rule NAME (added with wardctl rule add): field: message" */
static void rules_err(const struct api_rule *v, size_t n, const int *line,
		      const char *perr, char *err, size_t errlen)
{
	const char *p = strchr(perr, ':');
	const char *rest = p ? strchr(p + 1, ':') : NULL;
	long ln = p ? strtol(p + 1, NULL, 10) : 0;
	size_t i, at = n;

	for (i = 0; i < n; i++)
		if (line[i] <= ln)
			at = i;
	if (at == n || !rest) {
		snprintf(err, errlen, "the rules added with wardctl rule add: %s", perr);
		return;
	}
	snprintf(err, errlen, "rule %s (added with wardctl rule add): %s", v[at].name,
		 rest + 2 <= perr + strlen(perr) ? rest + 2 : rest);
}

/*
 * Moves the API's rules into pol at their places: before their anchor, a
 * top-level rule of the file or an earlier API rule, or at the end. A name
 * the file has already, or an anchor it no longer has, is an error: the
 * reload (or the API call) is refused rather than a rule silently moved.
 */
static int rules_merge(struct pol_policy *pol, const struct api_rule *v, size_t n,
		       char *err, size_t errlen)
{
	struct pol_policy extra = {};
	struct api_ent *names = NULL;
	struct pol_rule *all;
	char perr[CFG_ERR_MAX];
	size_t n_names, i, n_all;
	const struct api_ent *dup;
	int *line, ret;
	char *doc;

	line = calloc(n, sizeof(*line));
	doc = line ? rules_doc(pol, v, n, line) : NULL;
	if (!doc) {
		ret = -ENOMEM;
		snprintf(err, errlen, "merging the API's rules: out of memory");
		goto out;
	}
	ret = cfg_parse_string("api rules", doc, strlen(doc), &extra, perr, sizeof(perr));
	if (ret) {
		rules_err(v, n, line, perr, err, errlen);
		goto out;
	}
	names = rules_index(pol, &n_names);
	if (!names) {
		ret = -ENOMEM;
		snprintf(err, errlen, "merging the API's rules: out of memory");
		goto out;
	}
	for (i = 0; i < extra.n_rules; i++) {
		dup = ent_find(names, n_names, extra.rules[i].name);
		if (dup) {
			ret = -EEXIST;
			snprintf(err, errlen,
				 "rule %s (added with wardctl rule add): %s:%d has a rule of that name; delete one (wardctl rule delete %s)",
				 extra.rules[i].name, pol->source ? pol->source : "the policy",
				 dup->r->line, extra.rules[i].name);
			goto out;
		}
	}

	all = reallocarray(pol->rules, pol->n_rules + extra.n_rules + 1, sizeof(*all));
	if (!all) {
		ret = -ENOMEM;
		snprintf(err, errlen, "merging the API's rules: out of memory");
		goto out;
	}
	pol->rules = all;
	n_all = pol->n_rules;
	for (i = 0; i < extra.n_rules; i++) {
		ssize_t at = (ssize_t)n_all;

		if (v[i].before) {
			at = top_find(all, n_all, v[i].before);
			if (at < 0) {
				ret = -ENOENT;
				snprintf(err, errlen,
					 "rule %s (added with wardctl rule add) goes before %s, which %s does not have; delete it (wardctl rule delete %s) or keep %s",
					 v[i].name, v[i].before,
					 pol->source ? pol->source : "the policy", v[i].name, v[i].before);
				/* The moved rules so far are pol's now; extra frees the rest. */
				pol->n_rules = n_all;
				memmove(extra.rules, extra.rules + i, (extra.n_rules - i) * sizeof(*all));
				extra.n_rules -= i;
				goto out;
			}
		}
		memmove(&all[at + 1], &all[at], (n_all - (size_t)at) * sizeof(*all));
		all[at] = extra.rules[i];
		all[at].line = 0;
		n_all++;
	}
	pol->n_rules = n_all;
	extra.n_rules = 0;	/* moved */
	ret = 0;
out:
	pol_free(&extra);
	free(names);
	free(doc);
	free(line);
	return ret;
}

int api_parse(struct wardd *w, const struct wardd_src *src, struct pol_policy *out,
	      char *err, size_t errlen)
{
	struct api *a = w->api;
	const struct api_rule *v;
	size_t n;
	int ret;

	ret = cfg_parse_string(src->name, src->text, src->len, out, err, errlen);
	if (ret || !a)
		return ret;
	v = a->trying ? a->next_rules : a->rules;
	n = a->trying ? a->n_next : a->n_rules;
	if (!n)
		return 0;
	ret = rules_merge(out, v, n, err, errlen);
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
		rules_free(a->rules, a->n_rules);
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
static int api_change(struct api *a, const struct wardd_src *src, struct api_rule *next,
		      size_t n_next, bool take_next, struct api_reply *r)
{
	struct wardd *w = a->w;
	char was[sizeof(w->reload_err)];
	int ret;

	/* reload_err tells Status why a reload of the file failed; a refused
	 * call has its answer, and leaves that as it was. */
	memcpy(was, w->reload_err, sizeof(was));
	ret = src_dup(src ? src : &w->live_src, &w->next_src);
	if (ret) {
		if (take_next)
			rules_free(next, n_next);
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
		rules_free(a->next_rules, a->n_next);
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

/* Rules as the API shows them */

static const char *action_name(int action)
{
	const char *name = pol_action_name(action);

	if (!action)
		return "";
	return name ? name : "unknown";
}

static const char *proto_text(struct api_arena *ar, int proto)
{
	const char *name = pol_proto_name(proto);

	if (proto == POL_ANY)
		return "";
	return name ? name : ar_printf(ar, "%d", proto);
}

static char **cidrs_text(struct api_arena *ar, const struct pol_cidr_list *l)
{
	char **v = ar_alloc(ar, l->n, sizeof(*v));
	char buf[POL_CIDR_STRLEN];
	size_t i;

	for (i = 0; v && i < l->n; i++) {
		if (pol_cidr_format(&l->v[i], buf, sizeof(buf)) < 0)
			buf[0] = '\0';
		v[i] = ar_strdup(ar, buf);
	}
	return v;
}

static char **ports_text(struct api_arena *ar, const struct pol_port_list *l)
{
	char **v = ar_alloc(ar, l->n, sizeof(*v));
	size_t i;

	for (i = 0; v && i < l->n; i++)
		v[i] = l->v[i].lo == l->v[i].hi ? ar_printf(ar, "%u", l->v[i].lo) :
			ar_printf(ar, "%u-%u", l->v[i].lo, l->v[i].hi);
	return v;
}

struct api_stat {
	char	name[WARD_RULE_NAME_MAX];
	__u64	packets, bytes;
};

struct api_stats {
	struct api_stat *v;
	size_t	n, cap;
};

static void stats_add(const char *name, __u64 packets, __u64 bytes, void *arg)
{
	struct api_stats *s = arg;
	struct api_stat *nv;

	if (s->n == s->cap) {
		nv = reallocarray(s->v, s->cap ? s->cap * 2 : 256, sizeof(*nv));
		if (!nv)
			return;
		s->v = nv;
		s->cap = s->cap ? s->cap * 2 : 256;
	}
	snprintf(s->v[s->n].name, sizeof(s->v[s->n].name), "%s", name);
	s->v[s->n].packets = packets;
	s->v[s->n].bytes = bytes;
	s->n++;
}

static int stat_cmp(const void *a, const void *b)
{
	return strcmp(((const struct api_stat *)a)->name, ((const struct api_stat *)b)->name);
}

static Ward__V1__Rule *rule_msg(struct api *a, struct api_reply *r, const struct pol_rule *pr,
				const struct api_stats *st)
{
	struct api_arena *ar = &r->ar;
	Ward__V1__Rule *m = ar_alloc(ar, 1, sizeof(*m));
	const struct api_rule *ar_rule;
	struct api_stat key, *hit;
	size_t i;

	if (!m)
		return NULL;
	ward__v1__rule__init(m);
	m->name = ar_strdup(ar, pr->name);
	ar_rule = api_rule_find(a->rules, a->n_rules, pr->name);
	if (ar_rule) {
		m->origin = ar_strdup(ar, "api");
		if (ar_rule->before)
			m->before = ar_strdup(ar, ar_rule->before);
	} else {
		m->origin = ar_printf(ar, "%s:%d", a->w->pol.source ? a->w->pol.source : "policy",
				      pr->line);
	}
	if (pr->in)
		m->in = ar_strdup(ar, pr->in);
	m->n_src = pr->from.n;
	m->src = cidrs_text(ar, &pr->from);
	m->n_dst = pr->to.n;
	m->dst = cidrs_text(ar, &pr->to);
	m->proto = (char *)proto_text(ar, pr->proto);
	m->n_port = pr->dport.n;
	m->port = ports_text(ar, &pr->dport);
	m->n_sport = pr->sport.n;
	m->sport = ports_text(ar, &pr->sport);
	if (pr->icmp_type != POL_ANY)
		m->icmp_type = ar_printf(ar, "%d", pr->icmp_type);
	if (pr->family)
		m->family = ar_printf(ar, "ipv%d", pr->family);
	m->action = (char *)action_name(pr->action);
	if (pr->rate)
		m->rate = ar_printf(ar, "%u/s", pr->rate);
	m->dry_run = pr->dry_run;
	m->log = pr->log;
	snprintf(key.name, sizeof(key.name), "%s", pr->name);
	hit = st->n ? bsearch(&key, st->v, st->n, sizeof(*st->v), stat_cmp) : NULL;
	if (hit) {
		m->packets = hit->packets;
		m->bytes = hit->bytes;
	}
	if (pr->n_children) {
		m->rules = ar_alloc(ar, pr->n_children, sizeof(*m->rules));
		if (!m->rules)
			return NULL;
		m->n_rules = pr->n_children;
		for (i = 0; i < pr->n_children; i++) {
			m->rules[i] = rule_msg(a, r, &pr->children[i], st);
			if (!m->rules[i])
				return NULL;
		}
	}
	return m;
}

/* Diff of two policies, by rule name */

static bool str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool rule_same(const struct pol_rule *a, const struct pol_rule *b)
{
	return str_same(a->in, b->in) &&
	       a->from.n == b->from.n && !memcmp(a->from.v, b->from.v, a->from.n * sizeof(*a->from.v)) &&
	       a->to.n == b->to.n && !memcmp(a->to.v, b->to.v, a->to.n * sizeof(*a->to.v)) &&
	       a->proto == b->proto && a->icmp_type == b->icmp_type && a->family == b->family &&
	       a->sport.n == b->sport.n &&
	       !memcmp(a->sport.v, b->sport.v, a->sport.n * sizeof(*a->sport.v)) &&
	       a->dport.n == b->dport.n &&
	       !memcmp(a->dport.v, b->dport.v, a->dport.n * sizeof(*a->dport.v)) &&
	       a->action == b->action && a->rate == b->rate && a->dry_run == b->dry_run &&
	       a->log == b->log && !a->n_children == !b->n_children;
}

static bool ifaces_same(const struct pol_policy *a, const struct pol_policy *b)
{
	size_t i;

	if (a->n_ifaces != b->n_ifaces)
		return false;
	for (i = 0; i < a->n_ifaces; i++)
		if (!str_same(a->ifaces[i].match, b->ifaces[i].match) ||
		    !str_same(a->ifaces[i].role, b->ifaces[i].role) ||
		    a->ifaces[i].mode != b->ifaces[i].mode)
			return false;
	return true;
}

/*
 * Which rules both policies have that moved: all but a longest run that
 * kept its order (patience sorting, n log n), so that moving one rule
 * reports that one rule.
 */
static void mark_moved(const size_t *old_order, size_t n, bool *moved)
{
	size_t *tail = calloc(n + 1, sizeof(*tail)), *prev = calloc(n + 1, sizeof(*prev));
	size_t len = 0, i, lo, hi, k;

	if (!tail || !prev) {
		for (i = 0; i < n; i++)
			moved[i] = false;
		goto out;
	}
	for (i = 0; i < n; i++) {
		lo = 0;
		hi = len;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (old_order[tail[mid]] < old_order[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		prev[i] = lo ? tail[lo - 1] : (size_t)-1;
		tail[lo] = i;
		if (lo == len)
			len++;
		moved[i] = true;
	}
	for (k = len ? tail[len - 1] : (size_t)-1; k != (size_t)-1; k = prev[k])
		moved[k] = false;
out:
	free(tail);
	free(prev);
}

static int policy_diff(const struct pol_policy *old, const struct pol_policy *new,
		       struct api_arena *ar, Ward__V1__Diff *d)
{
	struct api_ent *vo = NULL, *vn = NULL, *order = NULL;
	size_t no, nn, i, n_common = 0, n_keep = 0;
	size_t *old_order = NULL;
	bool *moved = NULL;
	int ret = -ENOMEM;

	vo = rules_index(old, &no);
	vn = rules_index(new, &nn);
	order = calloc(nn ? nn : 1, sizeof(*order));
	old_order = calloc(nn ? nn : 1, sizeof(*old_order));
	moved = calloc(nn ? nn : 1, sizeof(*moved));
	d->added = ar_alloc(ar, nn, sizeof(char *));
	d->changed = ar_alloc(ar, nn, sizeof(char *));
	d->removed = ar_alloc(ar, no, sizeof(char *));
	d->settings = ar_alloc(ar, 8, sizeof(char *));
	if (!vo || !vn || !order || !old_order || !moved || ar->oom)
		goto out;

	/* The new rules back in their order, to find the moved ones. */
	for (i = 0; i < nn; i++)
		order[vn[i].order] = vn[i];
	for (i = 0; i < nn; i++) {
		const struct api_ent *o = ent_find(vo, no, order[i].name);

		if (!o) {
			d->added[d->n_added++] = ar_strdup(ar, order[i].name);
			continue;
		}
		n_common++;
		if (!rule_same(o->r, order[i].r) || !str_same(o->parent, order[i].parent)) {
			d->changed[d->n_changed++] = ar_strdup(ar, order[i].name);
			continue;
		}
		order[n_keep] = order[i];	/* n_keep <= i: that one was read */
		old_order[n_keep++] = o->order;
	}
	/* order[] now starts with the rules kept as they were, old_order their places. */
	mark_moved(old_order, n_keep, moved);
	for (i = 0; i < n_keep; i++)
		if (moved[i])
			d->changed[d->n_changed++] = ar_strdup(ar, order[i].name);
	d->unchanged = (uint32_t)(n_common - d->n_changed);
	for (i = 0; i < no; i++)
		if (!ent_find(vn, nn, vo[i].name))
			d->removed[d->n_removed++] = ar_strdup(ar, vo[i].name);

	if (!ifaces_same(old, new))
		d->settings[d->n_settings++] = "interfaces";
	if (old->default_action != new->default_action || old->dry_run != new->dry_run ||
	    old->log != new->log || old->reject_rate != new->reject_rate)
		d->settings[d->n_settings++] = "defaults";
	if (memcmp(&old->conntrack, &new->conntrack, sizeof(old->conntrack)))
		d->settings[d->n_settings++] = "conntrack";
	if (old->alerts.scan_ports != new->alerts.scan_ports ||
	    old->alerts.scan_window != new->alerts.scan_window ||
	    old->alerts.syn_rate != new->alerts.syn_rate ||
	    !str_same(old->alerts.webhook, new->alerts.webhook))
		d->settings[d->n_settings++] = "alerts";
	if (!str_same(old->observe.metrics_listen, new->observe.metrics_listen))
		d->settings[d->n_settings++] = "metrics";
	if (!str_same(old->observe.log_path, new->observe.log_path) ||
	    old->observe.log_rate != new->observe.log_rate)
		d->settings[d->n_settings++] = "logs";
	ret = ar->oom ? -ENOMEM : 0;
out:
	free(vo);
	free(vn);
	free(order);
	free(old_order);
	free(moved);
	return ret;
}

/* Methods */

static void m_status(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	struct wardd *w = a->w;
	struct api_arena *ar = &r->ar;
	Ward__V1__StatusResponse *m = ar_alloc(ar, 1, sizeof(*m));
	__u64 cnt[WARD_CNT_MAX] = {};
	size_t i;

	if (!m)
		goto oom;
	ward__v1__status_response__init(m);
	m->version = WARD_VERSION;
	m->generation = w->dp.generation;
	m->policy_source = ar_strdup(ar, w->live_src.name ? w->live_src.name : "");
	m->interfaces = ar_alloc(ar, w->dp.n_links, sizeof(*m->interfaces));
	if (!m->interfaces)
		goto oom;
	for (i = 0; i < w->dp.n_links; i++) {
		const struct dp_link *l = &w->dp.links[i];
		Ward__V1__Interface *it = ar_alloc(ar, 1, sizeof(*it));
		__u8 z = l->info.in_zone;

		if (!it)
			goto oom;
		ward__v1__interface__init(it);
		it->name = ar_strdup(ar, l->name);
		it->ifindex = (uint32_t)l->ifindex;
		if (z && z <= w->comp.n_zones)
			it->role = ar_strdup(ar, w->comp.zones[z - 1]);
		it->mode = (char *)dp_mode_name(l->mode);
		m->interfaces[m->n_interfaces++] = it;
	}
	m->rules = (uint32_t)w->pol.n_rules;
	m->api_rules = (uint32_t)a->n_rules;
	m->default_policy = (char *)action_name(w->pol.default_action);
	m->dry_run = w->pol.dry_run;
	m->flows = dp_ct_count(&w->dp);
	m->max_flows = w->dp.max_flows;
	m->locked = a->locked;
	m->listen = a->listen;
	m->last_error = ar_strdup(ar, w->reload_err);
	m->event_followers = (uint32_t)api_streams_followers(&a->streams);
	m->events_dropped = atomic_load(&a->streams.dropped);
	dp_read_counters(&w->dp, cnt);
	m->counters = ar_alloc(ar, WARD_CNT_MAX, sizeof(*m->counters));
	if (!m->counters)
		goto oom;
	for (i = 0; i < WARD_CNT_MAX; i++) {
		Ward__V1__Counter *c = ar_alloc(ar, 1, sizeof(*c));

		if (!c)
			goto oom;
		ward__v1__counter__init(c);
		c->name = (char *)dp_counter_name((int)i);
		c->value = cnt[i];
		c->drop = i < WARD_CNT_DROP_MAX;
		m->counters[m->n_counters++] = c;
	}
	if (ar->oom)
		goto oom;
	r->out = &m->base;
	return;
oom:
	reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
}

static const char *src_name(const char *name)
{
	return name && name[0] ? name : "<api>";
}

/* cfg_print into a string. */
static char *policy_text(struct api_arena *ar, const struct pol_policy *pol)
{
	char *p = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&p, &len);

	if (!f)
		return NULL;
	cfg_print(pol, f);
	if (fclose(f))
		return NULL;
	return ar_keep(ar, p);
}

static void m_validate(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	const Ward__V1__ValidateRequest *q = (const Ward__V1__ValidateRequest *)in;
	struct api_arena *ar = &r->ar;
	Ward__V1__ValidateResponse *m = ar_alloc(ar, 1, sizeof(*m));
	const char *name = src_name(q->name);
	struct wardd_src src = { .name = (char *)name, .text = q->text, .len = strlen(q->text) };
	struct pol_policy pol = {};
	struct compiled comp = {};
	char err[CFG_ERR_MAX];

	if (!m) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ward__v1__validate_response__init(m);
	r->out = &m->base;
	m->errors = ar_alloc(ar, 1, sizeof(*m->errors));
	if (!m->errors) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	/* As Apply would read it: with the API's rules merged in. */
	if (api_parse(a->w, &src, &pol, err, sizeof(err))) {
		m->errors[m->n_errors++] = ar_strdup(ar, err);
		return;
	}
	if (compile_policy(&pol, &comp, err, sizeof(err))) {
		m->errors[m->n_errors++] = ar_printf(ar, "%s: %s", name, err);
		pol_free(&pol);
		return;
	}
	compiled_free(&comp);
	m->valid = true;
	m->rules = (uint32_t)pol.n_rules;
	m->normalized = policy_text(ar, &pol);
	if (!m->normalized)
		m->normalized = "";
	pol_free(&pol);
}

static const char *locked_why(struct api *a)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
		 "the API is locked (api.locked / wardd --api-locked): %s is the only source of truth; edit it and reload wardd (SIGHUP)",
		 a->w->config_path ? a->w->config_path : "the policy file");
	return buf;
}

/*
 * An Apply that changes nothing the data plane sees (every rule and setting
 * as it was: only comments, order of keys or the name differ) keeps the
 * live generation, so that GitOps loops applying the same file do not
 * re-check every flow each time. The text becomes the live one all the same.
 */
static int apply_same(struct wardd *w, const struct wardd_src *src, struct api_reply *r)
{
	struct wardd_src copy;
	char *name;

	name = strdup(src->name);
	if (!name || src_dup(src, &copy)) {
		free(name);
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return -ENOMEM;
	}
	api_src_free(&w->live_src);
	w->live_src = copy;
	free(w->pol.source);
	w->pol.source = name;
	return 0;
}

static void m_apply(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	const Ward__V1__ApplyRequest *q = (const Ward__V1__ApplyRequest *)in;
	struct wardd *w = a->w;
	struct api_arena *ar = &r->ar;
	Ward__V1__ApplyResponse *m = ar_alloc(ar, 1, sizeof(*m));
	Ward__V1__Diff *d = ar_alloc(ar, 1, sizeof(*d));
	const char *name = src_name(q->name);
	struct wardd_src src = { .name = (char *)name, .text = q->text, .len = strlen(q->text) };
	struct pol_policy pol = {};
	struct compiled comp = {};
	char err[CFG_ERR_MAX];

	if (a->locked && !q->dry_run) {
		reply_err(r, GRPC_STATUS_PERMISSION_DENIED, "%s", locked_why(a));
		return;
	}
	if (!m || !d) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ward__v1__apply_response__init(m);
	ward__v1__diff__init(d);
	m->diff = d;
	if (api_parse(w, &src, &pol, err, sizeof(err))) {
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT, "%s", err);
		return;
	}
	if (policy_diff(&w->pol, &pol, ar, d)) {
		pol_free(&pol);
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	if (q->dry_run) {
		/* What the compiler refuses is an error of the file too. */
		if (compile_policy(&pol, &comp, err, sizeof(err))) {
			reply_err(r, GRPC_STATUS_INVALID_ARGUMENT, "%s: %s", name, err);
			pol_free(&pol);
			return;
		}
		compiled_free(&comp);
		pol_free(&pol);
		m->generation = w->dp.generation;
		r->out = &m->base;
		return;
	}
	pol_free(&pol);
	if (!d->n_added && !d->n_removed && !d->n_changed && !d->n_settings) {
		if (apply_same(w, &src, r))
			return;
		m->applied = true;
		m->unchanged = true;
		m->generation = w->dp.generation;
		pr_info("api: applied %s: the same policy; generation %llu stays live\n", name,
			(unsigned long long)m->generation);
		r->out = &m->base;
		return;
	}
	if (api_change(a, &src, NULL, 0, false, r))
		return;
	m->applied = true;
	m->generation = w->dp.generation;
	pr_info("api: applied %s: generation %llu, %zu added, %zu removed, %zu changed\n", name,
		(unsigned long long)m->generation, d->n_added, d->n_removed, d->n_changed);
	r->out = &m->base;
}

/* A request's string for YAML: any text but control characters. */
static bool field_ok(struct api_reply *r, const char *field, const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			reply_err(r, GRPC_STATUS_INVALID_ARGUMENT,
				  "rule add: %s: contains a control character", field);
			return false;
		}
	}
	return true;
}

static void yaml_list(struct api_buf *b, const char *key, char **v, size_t n)
{
	size_t i;

	if (!n)
		return;
	buf_put(b, "    %s: [", key);
	for (i = 0; i < n; i++) {
		if (i)
			buf_put(b, ", ");
		buf_quote(b, v[i]);
	}
	buf_put(b, "]\n");
}

static void yaml_str(struct api_buf *b, const char *key, const char *s)
{
	if (!s[0])
		return;
	buf_put(b, "    %s: ", key);
	buf_quote(b, s);
	buf_put(b, "\n");
}

static bool fields_ok(struct api_reply *r, const Ward__V1__Rule *q)
{
	const struct { const char *name; char **v; size_t n; } lists[] = {
		{ "src", q->src, q->n_src }, { "dst", q->dst, q->n_dst },
		{ "port", q->port, q->n_port }, { "sport", q->sport, q->n_sport },
	};
	const struct { const char *name; const char *s; } strs[] = {
		{ "name", q->name }, { "in", q->in }, { "proto", q->proto },
		{ "icmp_type", q->icmp_type }, { "family", q->family }, { "action", q->action },
		{ "rate", q->rate },
	};
	size_t i, j;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (!field_ok(r, strs[i].name, strs[i].s))
			return false;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		for (j = 0; j < lists[i].n; j++) {
			if (!lists[i].v[j][0]) {
				reply_err(r, GRPC_STATUS_INVALID_ARGUMENT, "rule add: %s: an empty value",
					  lists[i].name);
				return false;
			}
			if (!field_ok(r, lists[i].name, lists[i].v[j]))
				return false;
		}
	}
	return true;
}

/* The request as one item of a rules: list, in ward.yaml's words. */
static char *rule_yaml(const Ward__V1__Rule *q)
{
	struct api_buf b = {};

	buf_put(&b, "  - name: ");
	buf_quote(&b, q->name);
	buf_put(&b, "\n");
	yaml_str(&b, "in", q->in);
	yaml_list(&b, "from", q->src, q->n_src);
	yaml_list(&b, "to", q->dst, q->n_dst);
	yaml_str(&b, "family", q->family);
	yaml_str(&b, "proto", q->proto);
	yaml_list(&b, "port", q->port, q->n_port);
	yaml_list(&b, "sport", q->sport, q->n_sport);
	yaml_str(&b, "icmp_type", q->icmp_type);
	yaml_str(&b, "action", q->action);
	yaml_str(&b, "rate", q->rate);
	if (q->dry_run)
		buf_put(&b, "    dry_run: true\n");
	if (q->log)
		buf_put(&b, "    log: true\n");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* A copy of the API's rules with room for one more. */
static struct api_rule *rules_copy(const struct api_rule *v, size_t n, size_t extra)
{
	struct api_rule *c = calloc(n + extra ? n + extra : 1, sizeof(*c));
	size_t i;

	if (!c)
		return NULL;
	for (i = 0; i < n; i++) {
		c[i].name = strdup(v[i].name);
		c[i].before = v[i].before ? strdup(v[i].before) : NULL;
		c[i].yaml = strdup(v[i].yaml);
		if (!c[i].name || !c[i].yaml || (v[i].before && !c[i].before)) {
			rules_free(c, i + 1);
			return NULL;
		}
	}
	return c;
}

static void m_rule_add(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	const Ward__V1__RuleAddRequest *q = (const Ward__V1__RuleAddRequest *)in;
	struct wardd *w = a->w;
	const Ward__V1__Rule *rq = q->rule;
	Ward__V1__RuleAddResponse *m = ar_alloc(&r->ar, 1, sizeof(*m));
	struct api_ent *names = NULL;
	const struct api_ent *hit;
	struct api_rule *next;
	size_t n_names;

	if (!m) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ward__v1__rule_add_response__init(m);
	if (!rq || !rq->name[0]) {
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT, "rule add: name: missing (--name)");
		return;
	}
	if (!rq->action[0]) {
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT,
			  "rule add: action: missing (--action accept, drop or reject)");
		return;
	}
	if (rq->n_rules) {
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT,
			  "rule add: rules: a branch cannot be added over the API; put it in the file");
		return;
	}
	if (!fields_ok(r, rq) || !field_ok(r, "before", q->before))
		return;
	names = rules_index(&w->pol, &n_names);
	if (!names) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	hit = ent_find(names, n_names, rq->name);
	if (hit) {
		reply_err(r, GRPC_STATUS_ALREADY_EXISTS, "rule add: a rule named %s exists (%s)",
			  rq->name, api_rule_find(a->rules, a->n_rules, rq->name) ?
			  "added with rule add" : w->pol.source ? w->pol.source : "the policy");
		goto out;
	}
	if (q->before[0] && top_find(w->pol.rules, w->pol.n_rules, q->before) < 0) {
		hit = ent_find(names, n_names, q->before);
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT,
			  hit ? "rule add: before: %s is inside the branch %s; name a top-level rule" :
				"rule add: before: no rule named %s%s",
			  q->before, hit ? hit->parent : "");
		goto out;
	}
	next = rules_copy(a->rules, a->n_rules, 1);
	if (!next) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	next[a->n_rules].name = strdup(rq->name);
	next[a->n_rules].before = q->before[0] ? strdup(q->before) : NULL;
	next[a->n_rules].yaml = rule_yaml(rq);
	if (!next[a->n_rules].name || !next[a->n_rules].yaml ||
	    (q->before[0] && !next[a->n_rules].before)) {
		rules_free(next, a->n_rules + 1);
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	if (api_change(a, NULL, next, a->n_rules + 1, true, r)) {
		char prefix[128];
		size_t len;

		/* The merge speaks of the stored rule; this caller is adding it. */
		len = (size_t)snprintf(prefix, sizeof(prefix), "rule %s (added with wardctl rule add): ",
				       rq->name);
		if (len < sizeof(prefix) && !strncmp(r->msg, prefix, len)) {
			memmove(r->msg + 10, r->msg + len, strlen(r->msg + len) + 1);
			memcpy(r->msg, "rule add: ", 10);
		}
		goto out;
	}
	m->generation = w->dp.generation;
	pr_info("api: rule %s added%s%s: generation %llu\n", rq->name,
		q->before[0] ? " before " : "", q->before, (unsigned long long)m->generation);
	r->out = &m->base;
out:
	free(names);
}

static void m_rule_list(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	struct wardd *w = a->w;
	Ward__V1__RuleListResponse *m = ar_alloc(&r->ar, 1, sizeof(*m));
	struct api_stats st = {};
	size_t i;

	if (!m)
		goto oom;
	ward__v1__rule_list_response__init(m);
	dp_read_rule_stats(&w->dp, stats_add, &st);
	if (st.n)
		qsort(st.v, st.n, sizeof(*st.v), stat_cmp);
	m->rules = ar_alloc(&r->ar, w->pol.n_rules, sizeof(*m->rules));
	if (!m->rules)
		goto oom;
	for (i = 0; i < w->pol.n_rules; i++) {
		m->rules[i] = rule_msg(a, r, &w->pol.rules[i], &st);
		if (!m->rules[i])
			goto oom;
	}
	m->n_rules = w->pol.n_rules;
	m->generation = w->dp.generation;
	m->default_policy = (char *)action_name(w->pol.default_action);
	free(st.v);
	r->out = &m->base;
	return;
oom:
	free(st.v);
	reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
}

static void m_rule_delete(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	const Ward__V1__RuleDeleteRequest *q = (const Ward__V1__RuleDeleteRequest *)in;
	struct wardd *w = a->w;
	Ward__V1__RuleDeleteResponse *m = ar_alloc(&r->ar, 1, sizeof(*m));
	const struct api_rule *gone;
	struct api_rule *next;
	size_t i, at, n_names;
	struct api_ent *names;
	const struct api_ent *hit;

	if (!m) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ward__v1__rule_delete_response__init(m);
	if (!q->name[0]) {
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT, "rule delete: name: missing");
		return;
	}
	gone = api_rule_find(a->rules, a->n_rules, q->name);
	if (!gone) {
		names = rules_index(&w->pol, &n_names);
		hit = names ? ent_find(names, n_names, q->name) : NULL;
		if (hit)
			reply_err(r, GRPC_STATUS_FAILED_PRECONDITION,
				  "rule delete: %s comes from %s:%d, not from the API; edit the file and reload it (or wardctl apply -f)",
				  q->name, w->pol.source ? w->pol.source : "the policy", hit->r->line);
		else
			reply_err(r, GRPC_STATUS_NOT_FOUND, "rule delete: no rule named %s", q->name);
		free(names);
		return;
	}
	at = (size_t)(gone - a->rules);
	next = rules_copy(a->rules, a->n_rules, 0);
	if (!next) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	/* Rules placed before the one that goes keep their place: they go
	 * before what it went before. */
	for (i = 0; i < a->n_rules; i++) {
		if (i == at || !next[i].before || strcmp(next[i].before, q->name))
			continue;
		free(next[i].before);
		next[i].before = next[at].before ? strdup(next[at].before) : NULL;
		if (next[at].before && !next[i].before) {
			rules_free(next, a->n_rules);
			reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
			return;
		}
	}
	free(next[at].name);
	free(next[at].before);
	free(next[at].yaml);
	memmove(&next[at], &next[at + 1], (a->n_rules - at - 1) * sizeof(*next));
	if (api_change(a, NULL, next, a->n_rules - 1, true, r))
		return;
	m->generation = w->dp.generation;
	pr_info("api: rule %s deleted: generation %llu\n", q->name,
		(unsigned long long)m->generation);
	r->out = &m->base;
}

static void m_rule_clear(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	struct wardd *w = a->w;
	Ward__V1__RuleClearResponse *m = ar_alloc(&r->ar, 1, sizeof(*m));
	size_t n = a->n_rules;

	if (!m) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ward__v1__rule_clear_response__init(m);
	if (n && api_change(a, NULL, NULL, 0, true, r))
		return;
	m->removed = (uint32_t)n;
	m->generation = w->dp.generation;
	if (n)
		pr_info("api: %zu rules cleared: generation %llu\n", n,
			(unsigned long long)m->generation);
	r->out = &m->base;
}

/* Conntrack */

static const char *const tcp_states[WARD_TCP_STATE_MAX] = {
	"none", "syn-sent", "syn-sent2", "syn-recv", "established", "fin-wait",
	"close-wait", "last-ack", "time-wait", "close",
};

static bool cidr_has(const struct pol_cidr *c, const struct ward_ct_key *k, int ep)
{
	const __u8 *a = (const __u8 *)k->addr[ep];
	unsigned int full = c->plen / 8, rest = c->plen % 8;

	if (c->family != k->family)
		return false;
	if (memcmp(a, c->addr, full))
		return false;
	return !rest || !((a[full] ^ c->addr[full]) & (0xff << (8 - rest)));
}

static int filter_parse(struct api_reply *r, const char *field, const char *s,
			struct pol_cidr *c, bool *set)
{
	*set = s[0];
	if (!*set)
		return 0;
	if (pol_cidr_parse(s, c)) {
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT, "ct list: %s: '%s' is not an address or CIDR",
			  field, s);
		return -EINVAL;
	}
	pol_cidr_mask(c);
	return 0;
}

static Ward__V1__Flow *flow_msg(struct api *a, struct api_arena *ar, const struct ward_ct_key *k,
				const struct ward_ct_val *v, __u64 now)
{
	Ward__V1__Flow *f = ar_alloc(ar, 1, sizeof(*f));
	int af = k->family == WARD_FAM_V6 ? AF_INET6 : AF_INET;
	unsigned int o = v->orig & 1;
	char buf[INET6_ADDRSTRLEN];
	const char *rule;

	if (!f)
		return NULL;
	ward__v1__flow__init(f);
	f->family = k->family == WARD_FAM_V6 ? "ipv6" : "ipv4";
	f->proto = (char *)proto_text(ar, k->proto);
	f->src = ar_strdup(ar, inet_ntop(af, k->addr[o], buf, sizeof(buf)) ? buf : "?");
	f->dst = ar_strdup(ar, inet_ntop(af, k->addr[!o], buf, sizeof(buf)) ? buf : "?");
	f->sport = ntohs(k->port[o]);
	f->dport = ntohs(k->port[!o]);
	if (k->proto == IPPROTO_TCP)
		f->state = (char *)(v->state < WARD_TCP_STATE_MAX ? tcp_states[v->state] : "unknown");
	else
		f->state = v->flags & WARD_CTF_REPLIED ? "replied" : "new";
	f->packets_orig = v->packets[0];
	f->bytes_orig = v->bytes[0];
	f->packets_reply = v->packets[1];
	f->bytes_reply = v->bytes[1];
	f->age_ms = now > v->created ? (now - v->created) / 1000000 : 0;
	f->idle_ms = now > v->last_seen ? (now - v->last_seen) / 1000000 : 0;
	rule = !(v->flags & WARD_CTF_LOCAL) && v->stat < WARD_MAX_RULES && a->w->dp.names ?
	       a->w->dp.names[v->stat].name : "";
	f->rule = ar_strdup(ar, rule);
	f->dry_run = v->flags & WARD_CTF_DRY_RUN;
	f->generation = v->generation;
	return f;
}

/*
 * One page through the kernel's batch lookup. For a hash map its cursor is
 * a bucket index, which stays good while flows come and go (a key as the
 * cursor would not: bpf_map_get_next_key on a deleted key starts over from
 * the first). A bucket is returned whole, so a page may hold fewer flows
 * than asked for, never a flow twice.
 */
static void m_ct_list(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	const Ward__V1__ConntrackListRequest *q = (const Ward__V1__ConntrackListRequest *)in;
	struct wardd *w = a->w;
	struct api_arena *ar = &r->ar;
	Ward__V1__ConntrackListResponse *m = ar_alloc(ar, 1, sizeof(*m));
	size_t limit = q->limit ? (q->limit > API_PAGE_MAX ? API_PAGE_MAX : q->limit) :
		       API_PAGE_DEFAULT;
	size_t cap = limit < 64 ? 64 : limit, scanned = 0, i;
	struct ward_ct_key *keys = NULL;
	struct ward_ct_val *vals = NULL;
	struct pol_cidr fsrc, fdst;
	bool has_src, has_dst, started = false, done = false;
	__u32 in_batch = 0, out_batch = 0, count;
	struct timespec ts;
	char *end;
	__u64 now;
	int err;

	if (!m) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ward__v1__conntrack_list_response__init(m);
	if (filter_parse(r, "src", q->src, &fsrc, &has_src) ||
	    filter_parse(r, "dst", q->dst, &fdst, &has_dst))
		return;
	if (q->cursor[0]) {
		unsigned long b;

		errno = 0;
		b = strtoul(q->cursor, &end, 10);
		if (errno || *end || b > UINT32_MAX) {
			reply_err(r, GRPC_STATUS_INVALID_ARGUMENT,
				  "ct list: cursor: '%s' is not a cursor this server gave", q->cursor);
			return;
		}
		in_batch = (__u32)b;
		started = true;
	}
	keys = calloc(cap, sizeof(*keys));
	vals = calloc(cap, sizeof(*vals));
	m->flows = ar_alloc(ar, limit, sizeof(*m->flows));
	if (!keys || !vals || !m->flows)
		goto oom;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;

	while (m->n_flows < limit && scanned < API_SCAN_BUDGET) {
		count = (__u32)(limit - m->n_flows);
		err = dp_ct_read(&w->dp, started ? &in_batch : NULL, &out_batch, keys, vals, &count);
		if (err == -ENOSPC) {
			/* The next bucket holds more than there is room left for. */
			if (m->n_flows)
				break;
			if (cap >= 65536) {
				reply_err(r, GRPC_STATUS_INTERNAL, "ct list: a hash bucket too large to read");
				goto out;
			}
			free(keys);
			free(vals);
			cap *= 2;
			keys = calloc(cap, sizeof(*keys));
			vals = calloc(cap, sizeof(*vals));
			if (!keys || !vals)
				goto oom;
			/* Room for the bucket: this page may run over limit once. */
			count = (__u32)cap;
			err = dp_ct_read(&w->dp, started ? &in_batch : NULL, &out_batch, keys, vals,
					 &count);
			if (err < 0) {
				reply_err(r, GRPC_STATUS_INTERNAL, "ct list: reading flows: %s",
					  strerror(-err));
				goto out;
			}
			m->flows = ar_alloc(ar, count + limit, sizeof(*m->flows));
			if (!m->flows)
				goto oom;
		} else if (err < 0) {
			reply_err(r, GRPC_STATUS_INTERNAL, "ct list: reading flows: %s", strerror(-err));
			goto out;
		}
		scanned += count;
		for (i = 0; i < count; i++) {
			if (dp_ct_expired(&w->dp, &keys[i], &vals[i], now))
				continue;
			if (has_src && !cidr_has(&fsrc, &keys[i], vals[i].orig & 1))
				continue;
			if (has_dst && !cidr_has(&fdst, &keys[i], !(vals[i].orig & 1)))
				continue;
			m->flows[m->n_flows] = flow_msg(a, ar, &keys[i], &vals[i], now);
			if (!m->flows[m->n_flows])
				goto oom;
			m->n_flows++;
		}
		if (err) {		/* 1: the last bucket was read */
			done = true;
			break;
		}
		in_batch = out_batch;
		started = true;
	}
	if (!done)
		m->next_cursor = ar_printf(ar, "%u", started ? in_batch : 0);
	m->total = dp_ct_count(&w->dp);
	if (ar->oom)
		goto oom;
	r->out = &m->base;
	goto out;
oom:
	reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
out:
	free(keys);
	free(vals);
}

static void m_ct_flush(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	Ward__V1__ConntrackFlushResponse *m = ar_alloc(&r->ar, 1, sizeof(*m));
	__u64 flushed;
	int err;

	if (!m) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ward__v1__conntrack_flush_response__init(m);
	err = dp_ct_flush(&a->w->dp, &flushed);
	pr_info("api: conntrack flushed: %llu flows\n", (unsigned long long)flushed);
	if (err) {
		reply_err(r, GRPC_STATUS_INTERNAL, "ct flush: %s (%llu flows flushed)",
			  strerror(-err), (unsigned long long)flushed);
		return;
	}
	m->flushed = flushed;
	r->out = &m->base;
}

/* FQDN rules: FqdnList. */

struct fqdn_list {
	struct api_reply *r;
	Ward__V1__FqdnListResponse *m;
	const char *set;
	size_t	cap;
};

static void fqdn_list_one(const char *set, int family, const __u8 *addr, __u64 left_s,
			  __u32 ttl, void *arg)
{
	struct fqdn_list *l = arg;
	Ward__V1__FqdnAddress *x;
	char text[INET6_ADDRSTRLEN];
	size_t i;

	if (l->set[0] && strcmp(l->set, set))
		return;
	if (l->m->n_addresses == l->cap) {
		Ward__V1__FqdnAddress **nv;

		l->cap = l->cap ? l->cap * 2 : 64;
		nv = ar_alloc(&l->r->ar, l->cap, sizeof(*nv));
		if (!nv)
			return;
		if (l->m->n_addresses)
			memcpy(nv, l->m->addresses, l->m->n_addresses * sizeof(*nv));
		l->m->addresses = nv;
	}
	x = ar_alloc(&l->r->ar, 1, sizeof(*x));
	if (!x)
		return;
	ward__v1__fqdn_address__init(x);
	inet_ntop(family == WARD_FAM_V4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
	x->set = ar_strdup(&l->r->ar, set);
	x->address = ar_strdup(&l->r->ar, text);
	x->ttl = ttl;
	x->expires_in_s = left_s;
	l->m->addresses[l->m->n_addresses++] = x;
	for (i = 0; i < l->m->n_sets; i++)
		if (!strcmp(l->m->sets[i]->name, set))
			l->m->sets[i]->addresses++;
}

static void m_fqdn_list(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	const Ward__V1__FqdnListRequest *q = (const Ward__V1__FqdnListRequest *)in;
	const struct pol_fqdn *f = &a->w->comp.fqdn;
	Ward__V1__FqdnListResponse *m = ar_alloc(&r->ar, 1, sizeof(*m));
	struct fqdn_list l = { .r = r, .m = m, .set = q->set };
	size_t i, j;

	if (!m)
		goto oom;
	ward__v1__fqdn_list_response__init(m);
	m->grace_s = f->grace ? f->grace : POL_FQDN_GRACE_DEFAULT;
	m->sets = ar_alloc(&r->ar, f->n_sets + 1, sizeof(*m->sets));
	if (!m->sets)
		goto oom;
	for (i = 0; i < f->n_sets; i++) {
		Ward__V1__FqdnSet *s;

		if (q->set[0] && strcmp(q->set, f->sets[i].name))
			continue;
		s = ar_alloc(&r->ar, 1, sizeof(*s));
		if (!s)
			goto oom;
		ward__v1__fqdn_set__init(s);
		s->name = ar_strdup(&r->ar, f->sets[i].name);
		s->names = ar_alloc(&r->ar, f->sets[i].n + 1, sizeof(*s->names));
		if (!s->names)
			goto oom;
		for (j = 0; j < f->sets[i].n; j++)
			s->names[s->n_names++] = ar_strdup(&r->ar, f->sets[i].names[j]);
		m->sets[m->n_sets++] = s;
	}
	if (q->set[0] && !m->n_sets) {
		reply_err(r, GRPC_STATUS_NOT_FOUND, "fqdn list: no fqdn set %s", q->set);
		return;
	}
	if (dp_fqdn_walk(&a->w->dp, fqdn_list_one, &l)) {
		reply_err(r, GRPC_STATUS_INTERNAL, "fqdn list: reading learned addresses failed");
		return;
	}
	if (r->ar.oom)
		goto oom;
	r->out = &m->base;
	return;
oom:
	reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
}

static const struct api_method api_methods[M_N] = {
	[M_STATUS] = { "/ward.v1.Ward/Status", &ward__v1__status_request__descriptor,
		       false, m_status },
	[M_VALIDATE] = { "/ward.v1.Ward/Validate", &ward__v1__validate_request__descriptor,
			 false, m_validate },
	/* Locked mode is checked by m_apply: a dry run changes nothing. */
	[M_APPLY] = { "/ward.v1.Ward/Apply", &ward__v1__apply_request__descriptor,
		      false, m_apply },
	[M_RULE_ADD] = { "/ward.v1.Ward/RuleAdd", &ward__v1__rule_add_request__descriptor,
			 true, m_rule_add },
	[M_RULE_LIST] = { "/ward.v1.Ward/RuleList", &ward__v1__rule_list_request__descriptor,
			  false, m_rule_list },
	[M_RULE_DELETE] = { "/ward.v1.Ward/RuleDelete",
			    &ward__v1__rule_delete_request__descriptor, true, m_rule_delete },
	[M_RULE_CLEAR] = { "/ward.v1.Ward/RuleClear", &ward__v1__rule_clear_request__descriptor,
			   true, m_rule_clear },
	[M_CT_LIST] = { "/ward.v1.Ward/ConntrackList",
			&ward__v1__conntrack_list_request__descriptor, false, m_ct_list },
	[M_CT_FLUSH] = { "/ward.v1.Ward/ConntrackFlush",
			 &ward__v1__conntrack_flush_request__descriptor, true, m_ct_flush },
	/* A server stream: m_flow_events takes the call over. */
	[M_FLOW_EVENTS] = { "/ward.v1.Ward/FlowEvents", &ward__v1__flow_events_request__descriptor,
			    false, m_flow_events },
	[M_TRACE] = { "/ward.v1.Ward/Trace", &ward__v1__trace_request__descriptor, false, m_trace },
	/* FQDN rules */
	[M_FQDN_LIST] = { "/ward.v1.Ward/FqdnList", &ward__v1__fqdn_list_request__descriptor,
			  false, m_fqdn_list },
};

/* Trace */

static ssize_t name_find(char **v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return (ssize_t)i;
	return -1;
}

/*
 * --in: an attached link by name, or the first attached link of a zone
 * (so that rules naming the interface match as for its real traffic), or
 * else the ids the rules know the zone or interface by.
 */
static int trace_ingress(struct api *a, const char *in, struct ward_trace *t,
			 Ward__V1__TraceResponse *m, struct api_reply *r)
{
	const struct compiled *comp = &a->w->comp;
	const struct dataplane *dp = &a->w->dp;
	ssize_t z, f;
	size_t i;

	if (!in[0])
		return 0;
	z = name_find(comp->zones, comp->n_zones, in);
	for (i = 0; i < dp->n_links; i++) {
		const struct dp_link *l = &dp->links[i];

		if (strcmp(l->name, in) && (z < 0 || l->info.in_zone != z + 1))
			continue;
		t->ifindex = (__u32)l->ifindex;
		m->in = ar_strdup(&r->ar, l->name);
		if (l->info.in_zone && l->info.in_zone <= comp->n_zones)
			m->zone = ar_strdup(&r->ar, comp->zones[l->info.in_zone - 1]);
		return 0;
	}
	f = name_find(comp->if_names, comp->n_if_names, in);
	if (z < 0 && f < 0) {
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT,
			  "trace: in: no zone or interface named %s in the live policy", in);
		return -EINVAL;
	}
	t->in_zone = (__u8)(z + 1);
	t->in_if = (__u16)(f + 1);
	m->in = ar_strdup(&r->ar, f >= 0 ? in : "");
	m->zone = ar_strdup(&r->ar, z >= 0 ? in : "");
	return 0;
}

static Ward__V1__TraceNat *trace_nat(struct api_reply *r, char *kind, __be32 addr)
{
	Ward__V1__TraceNat *n = ar_alloc(&r->ar, 1, sizeof(*n));
	char ip[INET_ADDRSTRLEN];

	if (!n)
		return NULL;
	ward__v1__trace_nat__init(n);
	n->kind = kind;
	inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	n->ip = ar_strdup(&r->ar, ip);
	return n;
}

static void m_trace(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	const Ward__V1__TraceRequest *q = (const Ward__V1__TraceRequest *)in;
	struct wardd *w = a->w;
	Ward__V1__TraceResponse *m = ar_alloc(&r->ar, 1, sizeof(*m));
	struct trace_req tq = {
		.src = q->src, .dst = q->dst, .proto = q->proto, .sport = q->sport,
		.dport = q->dport, .icmp_type = q->icmp_type,
	};
	struct ward_trace t;
	char err[256];
	int ret;

	if (!m) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	ward__v1__trace_response__init(m);
	if (trace_build(&tq, &t, err, sizeof(err))) {
		reply_err(r, GRPC_STATUS_INVALID_ARGUMENT, "trace: %s", err);
		return;
	}
	if (trace_ingress(a, q->in, &t, m, r))
		return;
	ret = dp_trace(&w->dp, &t);
	if (ret) {
		reply_err(r, GRPC_STATUS_INTERNAL, "trace: the data plane's trace program: %s",
			  strerror(-ret));
		return;
	}
	m->generation = t.generation;
	if (t.status == WARD_TRACE_ND) {
		m->action = "accept";
		m->verdict = "pass";
		m->before_rules = "neighbour discovery passes before the rules";
		r->out = &m->base;
		return;
	}
	if (t.status == WARD_TRACE_NO_POLICY) {
		reply_err(r, GRPC_STATUS_FAILED_PRECONDITION,
			  "trace: no live policy in the data plane (it drops everything)");
		return;
	}
	m->default_policy = !t.matched;
	if (t.matched && t.stat < WARD_MAX_RULES && w->dp.names)
		m->rule = ar_strdup(&r->ar, w->dp.names[t.stat].name);
	m->action = (char *)action_name(t.action);
	m->dry_run = t.flags & WARD_RF_DRY_RUN;
	m->log = (t.flags & WARD_RF_LOG) || w->pol.log == POL_LOG_ALL ||
		 (w->pol.log == POL_LOG_DROPS && t.action != WARD_ACT_ACCEPT);
	m->verdict = t.action == WARD_ACT_ACCEPT || m->dry_run ? "pass" :
		     t.action == WARD_ACT_REJECT ? "reject" : "drop";
	/* Whether this flow's source is over the rate now is the bucket's
	 * state, not the policy's: trace says the limit. */
	m->rate = t.rate;
	if (t.nat == WARD_NAT_DNAT && (m->nat = trace_nat(r, "dnat", t.nat_addr)))
		m->nat->port = ntohs(t.nat_port);
	if (t.snat && (m->source_nat = trace_nat(r, t.snat == WARD_NAT_MASQ ? "masquerade" : "snat",
						  t.snat_addr))) {
		char name[IF_NAMESIZE];

		m->source_nat->port_lo = t.snat_port_lo;
		m->source_nat->port_hi = t.snat_port_hi;
		m->source_nat->out = ar_strdup(&r->ar, if_indextoname(t.out_ifindex, name) ?
						       name : "");
	}
	r->out = &m->base;
}

/* Calls */

static void call_free(struct api_call *c)
{
	if (c->call)
		grpc_call_unref(c->call);
	grpc_metadata_array_destroy(&c->md);
	if (c->payload)
		grpc_byte_buffer_destroy(c->payload);
	if (c->resp)
		grpc_byte_buffer_destroy(c->resp);
	if (c->have_details)
		grpc_slice_unref(c->details);
	free(c);
}

/* Asks the server for the next call of a method; from either thread. */
static int api_request(struct api *a, int method)
{
	struct api_call *c = calloc(1, sizeof(*c));
	grpc_call_error e;

	if (!c)
		return -ENOMEM;
	c->a = a;
	c->method = method;
	grpc_metadata_array_init(&c->md);
	e = grpc_server_request_registered_call(a->server, a->reg[method], &c->call, &c->deadline,
						&c->md, &c->payload, a->cq, a->cq, c);
	if (e != GRPC_CALL_OK) {
		call_free(c);
		return -EIO;
	}
	return 0;
}

unsigned long long api_events_dropped(struct wardd *w)
{
	return w->api ? atomic_load(&w->api->streams.dropped) : 0;
}

/* FlowEvents: a server stream (api_stream.c) takes the call over. */

static void call_release(void *c)
{
	call_free(c);
}

static void m_flow_events(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
{
	const Ward__V1__FlowEventsRequest *q = (const Ward__V1__FlowEventsRequest *)in;

	if (!a->streams.feed) {
		reply_err(r, GRPC_STATUS_FAILED_PRECONDITION,
			  "flow events: wardd runs without its event reader");
		return;
	}
	/* Each follower may hold a queue of events: a bound on them is a
	 * bound on what clients that never read can make wardd keep. */
	if (q->follow && api_streams_followers(&a->streams) >= API_STREAM_FOLLOWERS_MAX) {
		reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED,
			  "flow events: " API_STREAM_FOLLOWERS_MAX_STR " followers already; "
			  "stop one (wardctl logs -f) and try again");
		return;
	}
	r->taken = true;
	if (api_stream_open(&a->streams, r->call->call, call_release, r->call, q))
		return;
	pr_debug("api: a flow event follower joined (%zu now)\n",
		 api_streams_followers(&a->streams));
}

static void *api_cq_main(void *arg)
{
	struct api *a = arg;
	struct api_call *c;
	grpc_event ev;
	uint64_t one = 1;
	bool stopping;

	for (;;) {
		ev = grpc_completion_queue_next(a->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		if (ev.tag == &a->shutdown_tag) {
			grpc_completion_queue_shutdown(a->cq);
			continue;
		}
		if (*(enum api_tag *)ev.tag != API_TAG_CALL) {
			api_stream_event(ev.tag, ev.success);
			continue;
		}
		c = ev.tag;
		if (c->state == API_CALL_ANSWERED || !ev.success) {
			call_free(c);
			continue;
		}
		pthread_mutex_lock(&a->mu);
		stopping = a->stopping;
		if (!stopping) {
			c->next = NULL;
			*a->ready_tail = c;
			a->ready_tail = &c->next;
		}
		pthread_mutex_unlock(&a->mu);
		if (stopping) {
			call_free(c);
			continue;
		}
		/* One waiting request per method: ask for the next at once. If
		 * that fails, the method goes unserved; say so once. */
		if (api_request(a, c->method))
			fprintf(stderr, "wardd: api: cannot wait for more %s calls\n",
				api_methods[c->method].path);
		if (write(a->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			fprintf(stderr, "wardd: api: eventfd: %s\n", strerror(errno));
	}
	atomic_store(&a->thread_done, true);
	return NULL;
}

static void api_answer(struct api_call *c, struct api_reply *r)
{
	grpc_op ops[4];
	grpc_call_error e;
	size_t n = 0, len;
	uint8_t *buf;
	grpc_slice s;

	memset(ops, 0, sizeof(ops));
	ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
	n++;
	if (r->code == GRPC_STATUS_OK && r->out) {
		len = protobuf_c_message_get_packed_size(r->out);
		buf = malloc(len ? len : 1);
		if (!buf) {
			reply_err(r, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		} else {
			protobuf_c_message_pack(r->out, buf);
			s = grpc_slice_from_copied_buffer((const char *)buf, len);
			free(buf);
			c->resp = grpc_raw_byte_buffer_create(&s, 1);
			grpc_slice_unref(s);
			ops[n].op = GRPC_OP_SEND_MESSAGE;
			ops[n].data.send_message.send_message = c->resp;
			n++;
		}
	}
	c->details = grpc_slice_from_copied_string(r->code == GRPC_STATUS_OK ? "" : r->msg);
	c->have_details = true;
	ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[n].data.send_status_from_server.status = r->code;
	ops[n].data.send_status_from_server.status_details = &c->details;
	n++;
	ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[n].data.recv_close_on_server.cancelled = &c->cancelled;
	n++;
	c->state = API_CALL_ANSWERED;
	e = grpc_call_start_batch(c->call, ops, n, c, NULL);
	if (e != GRPC_CALL_OK) {
		pr_warn("api: %s: cannot answer: %s\n", api_methods[c->method].path,
			grpc_call_error_to_string(e));
		call_free(c);	/* no completion comes for a batch that did not start */
	}
}

static void api_handle(struct api *a, struct api_call *c)
{
	const struct api_method *m = &api_methods[c->method];
	struct api_reply r = { .code = GRPC_STATUS_OK, .call = c };
	ProtobufCMessage *in = NULL;
	grpc_byte_buffer_reader rd;
	grpc_slice s;

	if (!c->payload) {
		reply_err(&r, GRPC_STATUS_INVALID_ARGUMENT, "no request message");
	} else if (!grpc_byte_buffer_reader_init(&rd, c->payload)) {
		reply_err(&r, GRPC_STATUS_INVALID_ARGUMENT, "cannot read the request");
	} else {
		s = grpc_byte_buffer_reader_readall(&rd);
		grpc_byte_buffer_reader_destroy(&rd);
		in = protobuf_c_message_unpack(m->in, NULL, GRPC_SLICE_LENGTH(s),
					       GRPC_SLICE_START_PTR(s));
		grpc_slice_unref(s);
		if (!in)
			reply_err(&r, GRPC_STATUS_INVALID_ARGUMENT, "the request is not a %s",
				  m->in->name);
	}
	if (in && m->mutates && a->locked)
		reply_err(&r, GRPC_STATUS_PERMISSION_DENIED, "%s", locked_why(a));
	else if (in)
		m->fn(a, in, &r);
	if (r.code != GRPC_STATUS_OK && r.code != GRPC_STATUS_PERMISSION_DENIED)
		pr_debug("api: %s: %s\n", m->path, r.msg);
	else if (r.code == GRPC_STATUS_PERMISSION_DENIED)
		pr_info("api: %s refused: locked\n", m->path);
	if (!r.taken)
		api_answer(c, &r);
	if (in)
		protobuf_c_message_free_unpacked(in, NULL);
	ar_free(&r.ar);
}

static void api_on_ready(int fd, uint32_t events, void *arg)
{
	struct api *a = arg;
	struct api_call *c, *next;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&a->mu);
	c = a->ready;
	a->ready = NULL;
	a->ready_tail = &a->ready;
	pthread_mutex_unlock(&a->mu);
	for (; c; c = next) {
		next = c->next;
		api_handle(a, c);
	}
}

/* Start and stop */

static int mkdir_p(const char *dir, mode_t mode)
{
	char buf[sizeof(((struct sockaddr_un *)0)->sun_path)], *p;

	snprintf(buf, sizeof(buf), "%s", dir);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * gRPC unlinks whatever is at the path before it binds. Refuse when another
 * wardd answers there (two daemons would fight over the data plane), and
 * when it is not a socket at all.
 */
static int socket_free(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		pr_warn("api: %s exists and is not a socket\n", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? 0 : -EADDRINUSE;
	close(fd);
	if (ret)
		pr_warn("api: %s: another wardd is serving there\n", path);
	return ret;
}

/* gRPC's own messages (errors only, by default) into wardd's log, from
 * whichever thread of gRPC's has something to say. */
static void api_grpc_log(gpr_log_func_args *args)
{
	log_msg(args->severity == GPR_LOG_SEVERITY_ERROR ? LOG_LVL_WARN : LOG_LVL_DEBUG,
		"api: grpc: %s\n", args->message);
}

static void api_free(struct api *a)
{
	if (a->server)
		grpc_server_destroy(a->server);
	if (a->cq)
		grpc_completion_queue_destroy(a->cq);
	if (a->server || a->cq)
		grpc_shutdown();
	if (a->efd >= 0)
		close(a->efd);
	rules_free(a->rules, a->n_rules);
	pthread_mutex_destroy(&a->mu);
	free(a->listen);
	free(a->path);
	free(a);
}

/* A whole PEM file of api.tls, NUL-terminated; NULL (logged) on error. */
static char *pem_read(const char *field, const char *path)
{
	struct wardd_src src = {};
	char err[API_ERR_MAX];

	if (src_read_file(path, &src, err, sizeof(err))) {
		pr_warn("api.tls.%s: %s\n", field, err);
		return NULL;
	}
	free(src.name);
	return src.text;
}

/* grpc_ssl_server_credentials with client certificates required and
 * verified against api.tls.ca: a client without one, or with one another
 * CA signed, fails the handshake before any call. */
static grpc_server_credentials *tls_creds(const struct pol_api *cfg)
{
	grpc_ssl_pem_key_cert_pair pair = {};
	grpc_server_credentials *creds = NULL;
	char *ca = NULL, *cert = NULL, *key = NULL;

	if (!cfg || !cfg->tls_cert) {
		pr_warn("api: tcp:// is served with TLS and client certificates only: set api.tls {cert, key, ca} in the config\n");
		return NULL;
	}
	ca = pem_read("ca", cfg->tls_ca);
	cert = ca ? pem_read("cert", cfg->tls_cert) : NULL;
	key = cert ? pem_read("key", cfg->tls_key) : NULL;
	if (!key)
		goto out;
	pair.private_key = key;
	pair.cert_chain = cert;
	creds = grpc_ssl_server_credentials_create_ex(
		ca, &pair, 1, GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY, NULL);
	if (!creds)
		pr_warn("api: the certificate, key or CA of api.tls was refused\n");
out:
	free(ca);
	free(cert);
	free(key);
	return creds;
}

int api_start(struct wardd *w, const char *listen, bool locked, const struct pol_api *cfg)
{
	grpc_arg arg = {
		.type = GRPC_ARG_INTEGER,
		.key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
		.value.integer = API_MSG_MAX,
	};
	grpc_channel_args args = { .num_args = 1, .args = &arg };
	struct sockaddr_un sa;
	grpc_server_credentials *creds;
	const char *path = NULL;
	char dir[sizeof(sa.sun_path)], *slash, *target = NULL;
	struct api *a;
	mode_t old;
	bool tcp;
	int i, port, err;

	tcp = !strncmp(listen, "tcp://", 6);
	if (!tcp && strncmp(listen, "unix:", 5)) {
		pr_warn("api: %s: expected unix:PATH or tcp://ADDR:PORT\n", listen);
		return -EINVAL;
	}
	if (!tcp) {
		path = listen + 5;
		if (!strncmp(path, "//", 2))
			path += 2;		/* unix:///run/... */
		if (path[0] != '/' || strlen(path) >= sizeof(sa.sun_path)) {
			pr_warn("api: %s: the socket needs an absolute path shorter than %zu\n",
				listen, sizeof(sa.sun_path));
			return -EINVAL;
		}
	}

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->w = w;
	a->efd = -1;
	a->locked = locked;
	a->ready_tail = &a->ready;
	pthread_mutex_init(&a->mu, NULL);
	if (tcp) {
		a->listen = strdup(listen);
		target = strdup(listen + 6);
		if (!a->listen || !target) {
			err = -ENOMEM;
			goto err_free;
		}
	} else {
		a->path = strdup(path);
		a->listen = NULL;
		if (!a->path || asprintf(&a->listen, "unix:%s", path) < 0 ||
		    asprintf(&target, "unix:%s", path) < 0) {
			a->listen = NULL;
			err = -ENOMEM;
			goto err_free;
		}
		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			err = mkdir_p(dir, 0755);
			if (err) {
				pr_warn("api: cannot create %s: %s\n", dir, strerror(-err));
				goto err_free;
			}
		}
		err = socket_free(path);
		if (err)
			goto err_free;
	}
	a->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (a->efd < 0) {
		err = -errno;
		goto err_free;
	}

	gpr_set_log_function(api_grpc_log);
	grpc_init();
	a->server = grpc_server_create(&args, NULL);
	a->cq = grpc_completion_queue_create_for_next(NULL);
	grpc_server_register_completion_queue(a->server, a->cq, NULL);
	for (i = 0; i < M_N; i++) {
		a->reg[i] = grpc_server_register_method(a->server, api_methods[i].path, NULL,
							GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
		if (!a->reg[i]) {
			err = -EINVAL;
			goto err_free;
		}
	}
	/* The socket is made by the bind inside add_http2_port: the umask
	 * gives it 0660 from the start, not after a window at 0777 & ~umask.
	 * Only our start-up runs now; no other thread creates files. */
	creds = tcp ? tls_creds(cfg) : grpc_insecure_server_credentials_create();
	if (!creds) {
		err = -EINVAL;
		goto err_free;
	}
	old = umask(0117);
	port = grpc_server_add_http2_port(a->server, target, creds);
	umask(old);
	grpc_server_credentials_release(creds);
	if (!port) {
		pr_warn("api: cannot listen on %s\n", a->listen);
		err = -EADDRNOTAVAIL;
		goto err_free;
	}
	if (path && chmod(path, 0660))
		pr_warn("api: chmod %s: %s\n", path, strerror(errno));
	grpc_server_start(a->server);
	for (i = 0; i < M_N; i++) {
		err = api_request(a, i);
		if (err)
			goto err_shutdown;
	}
	err = pthread_create(&a->thread, NULL, api_cq_main, a);
	if (err) {
		err = -err;
		goto err_shutdown;
	}
	err = loop_add_fd(w->loop, a->efd, EPOLLIN, api_on_ready, a);
	if (err)
		goto err_thread;
	if (api_streams_start(&a->streams, events_feed(w)))
		pr_warn("api: FlowEvents unavailable: cannot follow the event feed\n");
	free(target);
	w->api = a;
	pr_info("api on %s%s%s\n", a->listen, tcp ? " (mTLS: client certificates of api.tls.ca)" : "",
		locked ? " (locked: read-only)" : "");
	return 0;

err_thread:
	w->api = a;
	api_stop(w);
	free(target);
	return err;
err_shutdown:
	/* Not yet handed to anyone: shut the server down and drain here. */
	grpc_server_shutdown_and_notify(a->server, a->cq, &a->shutdown_tag);
	grpc_server_cancel_all_calls(a->server);
	grpc_completion_queue_shutdown(a->cq);
	for (;;) {
		grpc_event ev = grpc_completion_queue_next(a->cq,
							   gpr_inf_future(GPR_CLOCK_REALTIME), NULL);

		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type == GRPC_OP_COMPLETE && ev.tag != &a->shutdown_tag)
			call_free(ev.tag);
	}
	if (path)
		unlink(path);
err_free:
	free(target);
	api_free(a);
	return err;
}

void api_stop(struct wardd *w)
{
	struct api *a = w->api;
	struct api_call *c, *next;
	int i;

	/* The daemon is going: the text api_committed kept goes too. */
	api_src_free(&w->live_src);
	if (!a)
		return;
	loop_del_fd(w->loop, a->efd);
	api_streams_stop(&a->streams);
	pthread_mutex_lock(&a->mu);
	a->stopping = true;
	c = a->ready;
	a->ready = NULL;
	a->ready_tail = &a->ready;
	pthread_mutex_unlock(&a->mu);
	/* Calls the loop will not answer now: nothing of theirs is pending. */
	for (; c; c = next) {
		next = c->next;
		call_free(c);
	}
	grpc_server_shutdown_and_notify(a->server, a->cq, &a->shutdown_tag);
	grpc_server_cancel_all_calls(a->server);
	/* A client that does not let go must not keep wardd from stopping. */
	for (i = 0; i < API_STOP_WAIT_S * 10 && !atomic_load(&a->thread_done); i++)
		usleep(100000);
	if (!atomic_load(&a->thread_done)) {
		pr_warn("api: calls still in flight after %d s; leaving them\n", API_STOP_WAIT_S);
		if (a->path)
			unlink(a->path);
		w->api = NULL;
		return;		/* the process is about to exit anyway */
	}
	pthread_join(a->thread, NULL);
	if (a->path)
		unlink(a->path);
	api_free(a);
	w->api = NULL;
}
