/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/wardd/api/api_int.h: what the files of src/wardd/api/ share, for
 * them only: struct api, a call and its reply (with the arena its message
 * is allocated in), the table of methods, and each method's handler.
 *
 * server.c runs the gRPC server and the call lifecycle and dispatches each
 * call through api_methods[] (methods.c) to a handler of one area:
 * rules.c, policy.c (validate, apply), conntrack.c, trace.c, status.c,
 * fqdn.c, logs.c (FlowEvents, over api_stream.c). source.c reads the
 * policy text and makes a change live; reply.c is the arena and errors.
 * Every handler runs on the loop thread (see api.h).
 */
#ifndef WARDD_API_INT_H
#define WARDD_API_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <grpc/grpc.h>
#include "api.h"
#include "api_stream.h"
#include "pol_edit.h"
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
	/* Loop thread only. The rules added with RuleAdd (pol_edit.h). */
	struct pol_added *rules;
	size_t	n_rules;
	struct pol_added *next_rules;	/* what api_parse merges while a change is tried */
	size_t	n_next;
	bool	trying;
	struct api_streams streams;	/* FlowEvents followers */
};

/* methods.c: the method of each M_* (path, request type, handler). */
extern const struct api_method api_methods[M_N];

/* server.c */
void api_call_free(struct api_call *c);

/* reply.c: the arena (NULL on failure, with ar->oom set) and errors. */
void *ar_keep(struct api_arena *ar, void *p);
void *ar_alloc(struct api_arena *ar, size_t n, size_t size);
char *ar_strdup(struct api_arena *ar, const char *s);
char *ar_printf(struct api_arena *ar, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ar_free(struct api_arena *ar);
void reply_err(struct api_reply *r, grpc_status_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Names as the API shows them: "" for none, a number for an unnamed proto. */
const char *api_action_name(int action);
const char *api_proto_text(struct api_arena *ar, int proto);

/* source.c */
int api_src_dup(const struct wardd_src *from, struct wardd_src *to);
int api_src_read_file(const char *path, struct wardd_src *src, char *err, size_t errlen);
int api_change(struct api *a, const struct wardd_src *src, struct pol_added *next,
	       size_t n_next, bool take_next, struct api_reply *r);

/* policy.c */
const char *api_locked_why(struct api *a);

/* The handlers, one file per area. */
void m_status(struct api *a, const ProtobufCMessage *in, struct api_reply *r);
void m_validate(struct api *a, const ProtobufCMessage *in, struct api_reply *r);
void m_apply(struct api *a, const ProtobufCMessage *in, struct api_reply *r);
void m_rule_add(struct api *a, const ProtobufCMessage *in, struct api_reply *r);
void m_rule_list(struct api *a, const ProtobufCMessage *in, struct api_reply *r);
void m_rule_delete(struct api *a, const ProtobufCMessage *in, struct api_reply *r);
void m_rule_clear(struct api *a, const ProtobufCMessage *in, struct api_reply *r);
void m_ct_list(struct api *a, const ProtobufCMessage *in, struct api_reply *r);
void m_ct_flush(struct api *a, const ProtobufCMessage *in, struct api_reply *r);
void m_flow_events(struct api *a, const ProtobufCMessage *in, struct api_reply *r);
void m_trace(struct api *a, const ProtobufCMessage *in, struct api_reply *r);
void m_fqdn_list(struct api *a, const ProtobufCMessage *in, struct api_reply *r);

#endif /* WARDD_API_INT_H */
