// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/wardctl/rpc.c: see rpc.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netdb.h>
#include <unistd.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>
#include "rpc.h"

struct rpc {
	char	*addr;		/* as the user gave it, for messages */
	bool	tls;		/* tcp:// with mTLS */
	grpc_channel *ch;
	grpc_completion_queue *cq;
};

/*
 * gRPC says only "failed to connect to all addresses" whatever the cause;
 * one connect(2) of our own tells a missing daemon from a socket we may not
 * open, and says what to do about each.
 */
static int probe_unix(const char *addr, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "wardctl: %s: the socket path is too long\n", addr);
		return WARDCTL_EXIT_USER;
	}
	if (stat(path, &st)) {
		err = errno;
		if (err == EACCES)
			goto denied;
		fprintf(stderr,
			"wardctl: cannot reach wardd: %s: %s; is wardd running? it listens on %s (change with -s ADDR or $WARD_API)\n",
			path, strerror(err), addr);
		return WARDCTL_EXIT_UNREACHABLE;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "wardctl: socket: %s\n", strerror(errno));
		return WARDCTL_EXIT_UNREACHABLE;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	err = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? errno : 0;
	close(fd);
	if (!err)
		return 0;
	if (err == EACCES || err == EPERM)
		goto denied;
	fprintf(stderr,
		"wardctl: cannot reach wardd: %s: %s; is wardd running? it listens on %s (change with -s ADDR or $WARD_API)\n",
		path, strerror(err), addr);
	return WARDCTL_EXIT_UNREACHABLE;
denied:
	fprintf(stderr,
		"wardctl: permission denied on %s: the API socket is for root and its group; run wardctl as root or as a member of that group\n",
		path);
	return WARDCTL_EXIT_UNREACHABLE;
}

/* wardctl says what went wrong itself; gRPC's lines only with $GRPC_VERBOSITY. */
static void rpc_quiet_log(gpr_log_func_args *args)
{
}

/* A whole PEM file, NUL-terminated; NULL (said why) on error. */
static char *read_pem(const char *what, const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;
	long sz;

	if (!f) {
		fprintf(stderr, "wardctl: %s %s: %s\n", what, path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    sz > (1 << 20)) {
		fprintf(stderr, "wardctl: %s %s: not a PEM file of a sane size\n", what, path);
		goto out;
	}
	buf = calloc(1, (size_t)sz + 1);
	if (buf)
		len = fread(buf, 1, (size_t)sz, f);
	if (!buf || len != (size_t)sz) {
		fprintf(stderr, "wardctl: %s %s: cannot read it\n", what, path);
		free(buf);
		buf = NULL;
	}
out:
	fclose(f);
	return buf;
}

/* tcp://HOST:PORT: is anything listening? Says what to do when not. */
static int probe_tcp(const char *addr, const char *hostport)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *p;
	char host[256], *colon;
	int fd, err = ECONNREFUSED;

	snprintf(host, sizeof(host), "%s", hostport);
	colon = strrchr(host, ':');
	if (!colon || !colon[1]) {
		fprintf(stderr, "wardctl: %s: expected tcp://HOST:PORT\n", addr);
		return WARDCTL_EXIT_USER;
	}
	*colon = '\0';
	if (host[0] == '[' && colon[-1] == ']') {	/* [::1]:port */
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if (getaddrinfo(host, colon + 1, &hints, &ai)) {
		fprintf(stderr, "wardctl: cannot reach wardd: %s: cannot resolve %s\n", addr, host);
		return WARDCTL_EXIT_UNREACHABLE;
	}
	for (p = ai; p; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
		if (fd < 0)
			continue;
		err = connect(fd, p->ai_addr, p->ai_addrlen) ? errno : 0;
		close(fd);
		if (!err)
			break;
	}
	freeaddrinfo(ai);
	if (!err)
		return 0;
	fprintf(stderr, "wardctl: cannot reach wardd: %s: %s; is wardd running with api.listen: %s?\n",
		addr, strerror(err), addr);
	return WARDCTL_EXIT_UNREACHABLE;
}

/* mTLS credentials from --cert/--key/--ca (or $WARD_TLS_*). */
static grpc_channel_credentials *tls_creds(const char *addr, const struct rpc_tls *tls)
{
	grpc_ssl_pem_key_cert_pair pair;
	grpc_channel_credentials *creds = NULL;
	char *ca = NULL, *cert = NULL, *key = NULL;

	if (!tls->ca) {
		fprintf(stderr,
			"wardctl: %s: TCP is served with TLS only: give the CA that signed wardd's certificate (--ca FILE or $WARD_TLS_CA)\n",
			addr);
		return NULL;
	}
	if (!tls->cert != !tls->key) {
		fprintf(stderr, "wardctl: %s: --cert and --key go together\n", addr);
		return NULL;
	}
	ca = read_pem("--ca", tls->ca);
	if (!ca)
		goto out;
	if (tls->cert) {
		cert = read_pem("--cert", tls->cert);
		key = cert ? read_pem("--key", tls->key) : NULL;
		if (!key)
			goto out;
	}
	pair.private_key = key;
	pair.cert_chain = cert;
	creds = grpc_ssl_credentials_create(ca, cert ? &pair : NULL, NULL, NULL);
	if (!creds)
		fprintf(stderr, "wardctl: %s: the TLS files were refused\n", addr);
out:
	free(ca);
	free(cert);
	free(key);
	return creds;
}

int rpc_open(const char *addr, const struct rpc_tls *tls, struct rpc **out)
{
	grpc_arg arg = {
		.type = GRPC_ARG_INTEGER,
		.key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
		.value.integer = -1,	/* a long rule list is not an error */
	};
	grpc_channel_args args = { .num_args = 1, .args = &arg };
	grpc_channel_credentials *creds;
	const char *path;
	char *target = NULL;
	struct rpc *r;
	bool tcp;
	int ret;

	*out = NULL;
	tcp = !strncmp(addr, "tcp://", 6);
	if (tcp) {
		ret = probe_tcp(addr, addr + 6);
		if (ret)
			return ret;
		path = addr + 6;
	} else if (strncmp(addr, "unix:", 5)) {
		fprintf(stderr, "wardctl: %s: expected unix:PATH or tcp://HOST:PORT\n", addr);
		return WARDCTL_EXIT_USER;
	} else {
		path = addr + 5;
		if (!strncmp(path, "//", 2))
			path += 2;
		if (path[0] != '/') {
			fprintf(stderr, "wardctl: %s: the socket needs an absolute path\n", addr);
			return WARDCTL_EXIT_USER;
		}
		ret = probe_unix(addr, path);
		if (ret)
			return ret;
	}

	r = calloc(1, sizeof(*r));
	if (!r || asprintf(&target, tcp ? "%s" : "unix:%s", path) < 0 ||
	    !(r->addr = strdup(addr))) {
		fprintf(stderr, "wardctl: out of memory\n");
		free(r);
		return WARDCTL_EXIT_USER;
	}
	r->tls = tcp;
	if (!getenv("GRPC_VERBOSITY"))
		gpr_set_log_function(rpc_quiet_log);
	grpc_init();
	creds = tcp ? tls_creds(addr, tls) : grpc_insecure_credentials_create();
	if (!creds) {
		free(target);
		free(r->addr);
		free(r);
		grpc_shutdown();
		return WARDCTL_EXIT_USER;
	}
	r->ch = grpc_channel_create(target, creds, &args);
	grpc_channel_credentials_release(creds);
	r->cq = grpc_completion_queue_create_for_pluck(NULL);
	free(target);
	*out = r;
	return 0;
}

void rpc_close(struct rpc *r)
{
	if (!r)
		return;
	grpc_channel_destroy(r->ch);
	grpc_completion_queue_shutdown(r->cq);
	while (grpc_completion_queue_pluck(r->cq, NULL, gpr_inf_future(GPR_CLOCK_REALTIME),
					   NULL).type != GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(r->cq);
	free(r->addr);
	free(r);
	grpc_shutdown();
}

static int status_exit(struct rpc *r, const char *method, grpc_status_code code,
		       const char *details, int timeout_s)
{
	switch (code) {
	case GRPC_STATUS_OK:
		return 0;
	case GRPC_STATUS_UNAVAILABLE:
		/* Something listens (probe_tcp said so): the handshake failed. */
		if (r->tls)
			fprintf(stderr,
				"wardctl: wardd at %s refused the connection: the TLS handshake failed (wardd takes only client certificates signed by its api.tls.ca: check --cert/--key; --ca must be the CA of wardd's certificate) (%s)\n",
				r->addr, details);
		else
			fprintf(stderr, "wardctl: cannot reach wardd at %s (%s); is wardd running?\n",
				r->addr, details);
		return WARDCTL_EXIT_UNREACHABLE;
	case GRPC_STATUS_DEADLINE_EXCEEDED:
		fprintf(stderr, "wardctl: wardd at %s did not answer %s within %d s\n",
			r->addr, method, timeout_s);
		return WARDCTL_EXIT_UNREACHABLE;
	case GRPC_STATUS_UNIMPLEMENTED:
		fprintf(stderr, "wardctl: wardd at %s does not know %s (is it older than wardctl?)\n",
			r->addr, method);
		return WARDCTL_EXIT_USER;
	default:
		/* The daemon's own words: they name the field or FILE:LINE. */
		fprintf(stderr, "wardctl: %s\n", details[0] ? details : "the call failed");
		return WARDCTL_EXIT_USER;
	}
}

/* A call of /ward.v1.Ward/<method> and its request packed; NULL (said
 * why) on error. */
static grpc_call *call_new(struct rpc *r, const char *method, const ProtobufCMessage *req,
			   gpr_timespec deadline, grpc_byte_buffer **out_bb)
{
	grpc_call *call;
	char path[128];
	uint8_t *buf;
	grpc_slice s;
	size_t len;

	snprintf(path, sizeof(path), "/ward.v1.Ward/%s", method);
	len = protobuf_c_message_get_packed_size(req);
	buf = malloc(len ? len : 1);
	if (!buf) {
		fprintf(stderr, "wardctl: out of memory\n");
		return NULL;
	}
	protobuf_c_message_pack(req, buf);
	s = grpc_slice_from_copied_buffer((const char *)buf, len);
	free(buf);
	*out_bb = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	s = grpc_slice_from_copied_string(path);
	call = grpc_channel_create_call(r->ch, NULL, GRPC_PROPAGATE_DEFAULTS, r->cq, s, NULL,
					deadline, NULL);
	grpc_slice_unref(s);
	return call;
}

/* ops[0..3]: the request, sent whole, and the answer's headers. */
static void request_ops(grpc_op *ops, grpc_byte_buffer *out_bb, grpc_metadata_array *md_in)
{
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = out_bb;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = md_in;
}

int rpc_call(struct rpc *r, const char *method, const ProtobufCMessage *req,
	     const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp,
	     int timeout_s)
{
	gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
					     gpr_time_from_seconds(timeout_s, GPR_TIMESPAN));
	grpc_metadata_array md_in, md_trail;
	grpc_byte_buffer *out_bb = NULL, *in_bb = NULL;
	grpc_status_code code = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	grpc_byte_buffer_reader rd;
	char *msg = NULL;
	grpc_slice s;
	grpc_op ops[6];
	grpc_call *call;
	grpc_event ev;
	int ret;

	*resp = NULL;
	call = call_new(r, method, req, deadline, &out_bb);
	if (!call)
		return WARDCTL_EXIT_USER;
	grpc_metadata_array_init(&md_in);
	grpc_metadata_array_init(&md_trail);
	memset(ops, 0, sizeof(ops));
	request_ops(ops, out_bb, &md_in);
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &in_bb;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &md_trail;
	ops[5].data.recv_status_on_client.status = &code;
	ops[5].data.recv_status_on_client.status_details = &details;
	if (grpc_call_start_batch(call, ops, 6, call, NULL) != GRPC_CALL_OK) {
		fprintf(stderr, "wardctl: %s: cannot start the call\n", method);
		ret = WARDCTL_EXIT_USER;
		goto out;
	}
	/* RECV_STATUS_ON_CLIENT completes by the deadline at the latest. */
	ev = grpc_completion_queue_pluck(r->cq, call, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	if (ev.type != GRPC_OP_COMPLETE) {
		fprintf(stderr, "wardctl: %s: the call did not complete\n", method);
		ret = WARDCTL_EXIT_UNREACHABLE;
		goto out;
	}
	msg = grpc_slice_to_c_string(details);
	ret = status_exit(r, method, code, msg, timeout_s);
	if (ret)
		goto out;
	if (!in_bb || !grpc_byte_buffer_reader_init(&rd, in_bb)) {
		fprintf(stderr, "wardctl: %s: wardd sent no answer\n", method);
		ret = WARDCTL_EXIT_USER;
		goto out;
	}
	s = grpc_byte_buffer_reader_readall(&rd);
	grpc_byte_buffer_reader_destroy(&rd);
	*resp = protobuf_c_message_unpack(resp_desc, NULL, GRPC_SLICE_LENGTH(s),
					  GRPC_SLICE_START_PTR(s));
	grpc_slice_unref(s);
	if (!*resp) {
		fprintf(stderr, "wardctl: %s: cannot read wardd's answer (a different version?)\n",
			method);
		ret = WARDCTL_EXIT_USER;
	}
out:
	gpr_free(msg);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&md_in);
	grpc_metadata_array_destroy(&md_trail);
	grpc_byte_buffer_destroy(out_bb);
	if (in_bb)
		grpc_byte_buffer_destroy(in_bb);
	grpc_call_unref(call);
	return ret;
}

/* Waits for tag; every 250 ms asks *stop whether to cancel the call. */
static grpc_event stream_wait(struct rpc *r, grpc_call *call, void *tag,
			      volatile sig_atomic_t *stop)
{
	grpc_event ev;
	bool cancelled = false;

	for (;;) {
		ev = grpc_completion_queue_pluck(r->cq, tag,
						 gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
							      gpr_time_from_millis(250, GPR_TIMESPAN)),
						 NULL);
		if (ev.type != GRPC_QUEUE_TIMEOUT)
			return ev;
		if (stop && *stop && !cancelled) {
			grpc_call_cancel(call, NULL);
			cancelled = true;
		}
	}
}

int rpc_stream(struct rpc *r, const char *method, const ProtobufCMessage *req,
	       const ProtobufCMessageDescriptor *resp_desc,
	       int (*fn)(void *arg, ProtobufCMessage *msg), void *arg,
	       volatile sig_atomic_t *stop)
{
	grpc_metadata_array md_in, md_trail;
	grpc_byte_buffer *out_bb = NULL, *in_bb = NULL;
	grpc_status_code code = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	grpc_byte_buffer_reader rd;
	char *msg = NULL;
	ProtobufCMessage *m;
	grpc_slice s;
	grpc_op ops[4];
	grpc_call *call;
	grpc_event ev;
	int ret = 0, tag_start, tag_msg, tag_status;

	call = call_new(r, method, req, gpr_inf_future(GPR_CLOCK_REALTIME), &out_bb);
	if (!call)
		return WARDCTL_EXIT_USER;
	grpc_metadata_array_init(&md_in);
	grpc_metadata_array_init(&md_trail);
	memset(ops, 0, sizeof(ops));
	request_ops(ops, out_bb, &md_in);
	if (grpc_call_start_batch(call, ops, 4, &tag_start, NULL) != GRPC_CALL_OK) {
		fprintf(stderr, "wardctl: %s: cannot start the call\n", method);
		ret = WARDCTL_EXIT_USER;
		goto out;
	}
	stream_wait(r, call, &tag_start, stop);
	/* Messages until the server ends the stream (or the call fails). */
	for (;;) {
		memset(ops, 0, sizeof(ops));
		ops[0].op = GRPC_OP_RECV_MESSAGE;
		ops[0].data.recv_message.recv_message = &in_bb;
		if (grpc_call_start_batch(call, ops, 1, &tag_msg, NULL) != GRPC_CALL_OK)
			break;
		ev = stream_wait(r, call, &tag_msg, stop);
		if (ev.type != GRPC_OP_COMPLETE || !ev.success || !in_bb)
			break;
		if (!grpc_byte_buffer_reader_init(&rd, in_bb)) {
			grpc_byte_buffer_destroy(in_bb);
			in_bb = NULL;
			break;
		}
		s = grpc_byte_buffer_reader_readall(&rd);
		grpc_byte_buffer_reader_destroy(&rd);
		grpc_byte_buffer_destroy(in_bb);
		in_bb = NULL;
		m = protobuf_c_message_unpack(resp_desc, NULL, GRPC_SLICE_LENGTH(s),
					      GRPC_SLICE_START_PTR(s));
		grpc_slice_unref(s);
		if (!m) {
			fprintf(stderr, "wardctl: %s: cannot read wardd's answer (a different version?)\n",
				method);
			grpc_call_cancel(call, NULL);
			ret = WARDCTL_EXIT_USER;
			break;
		}
		ret = fn(arg, m);
		protobuf_c_message_free_unpacked(m, NULL);
		if (ret) {
			grpc_call_cancel(call, NULL);
			break;
		}
	}
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[0].data.recv_status_on_client.trailing_metadata = &md_trail;
	ops[0].data.recv_status_on_client.status = &code;
	ops[0].data.recv_status_on_client.status_details = &details;
	if (grpc_call_start_batch(call, ops, 1, &tag_status, NULL) != GRPC_CALL_OK) {
		ret = ret ? ret : WARDCTL_EXIT_USER;
		goto out;
	}
	stream_wait(r, call, &tag_status, NULL);
	/* Ended by us (Ctrl-C, or the callback had enough): not an error. */
	if (code == GRPC_STATUS_CANCELLED && ((stop && *stop) || ret))
		goto out;
	if (!ret) {
		msg = grpc_slice_to_c_string(details);
		ret = status_exit(r, method, code, msg, 0);
	}
out:
	gpr_free(msg);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&md_in);
	grpc_metadata_array_destroy(&md_trail);
	grpc_byte_buffer_destroy(out_bb);
	grpc_call_unref(call);
	return ret < 0 ? 0 : ret;
}
