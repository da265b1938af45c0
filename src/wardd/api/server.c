// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardd/api/server.c: the gRPC server (start, stop) and the lifecycle
 * of a call: requested, handed to the loop, dispatched through
 * api_methods[] (methods.c), answered. See api.h and api_int.h.
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
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>
#include "api_int.h"
#include "events.h"
#include "log.h"
#include "loop.h"

void api_call_free(struct api_call *c)
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
		api_call_free(c);
		return -EIO;
	}
	return 0;
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
			api_call_free(c);
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
			api_call_free(c);
			continue;
		}
		/* One waiting request per method: ask for the next at once. If
		 * that fails, the method goes unserved; say so once. (The log
		 * may be written from this thread: log.c takes a lock.) */
		if (api_request(a, c->method))
			pr_warn("api: cannot wait for more %s calls\n", api_methods[c->method].path);
		if (write(a->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			pr_warn("api: eventfd: %s\n", strerror(errno));
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
		api_call_free(c);	/* no completion comes for a batch that did not start */
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
		reply_err(&r, GRPC_STATUS_PERMISSION_DENIED, "%s", api_locked_why(a));
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

/* The calls the cq thread queued for the loop, taken off the queue; with
 * stop, no more are queued after them. */
static struct api_call *ready_take(struct api *a, bool stop)
{
	struct api_call *c;

	pthread_mutex_lock(&a->mu);
	if (stop)
		a->stopping = true;
	c = a->ready;
	a->ready = NULL;
	a->ready_tail = &a->ready;
	pthread_mutex_unlock(&a->mu);
	return c;
}

static void api_on_ready(int fd, uint32_t events, void *arg)
{
	struct api *a = arg;
	struct api_call *c, *next;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	c = ready_take(a, false);
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
	pol_added_free(a->rules, a->n_rules);
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

	if (api_src_read_file(path, &src, err, sizeof(err))) {
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
			api_call_free(ev.tag);
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
	c = ready_take(a, true);
	/* Calls the loop will not answer now: nothing of theirs is pending. */
	for (; c; c = next) {
		next = c->next;
		api_call_free(c);
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

