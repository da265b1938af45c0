// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* src/wardd/api/api_stream.c: see api_stream.h. */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <grpc/byte_buffer.h>
#include <grpc/slice.h>
#include "api_stream.h"

/*
 * One follower of the flow events. gRPC allows one send in flight per
 * call, so events wait in a bounded queue: the loop thread adds to it (and
 * starts a send when none is in flight), the cq thread starts the next
 * send when one completes. A full queue drops the newest event and counts
 * it: a slow reader never holds up the loop. refs: the loop's list (while
 * following), a send in flight, the RECV_CLOSE_ON_SERVER batch.
 */
#define API_STREAM_QUEUE	1024

struct api_stream {
	enum api_tag send_tag;
	enum api_tag done_tag;
	struct api_streams *ss;
	grpc_call *call;
	void	(*release)(void *owner);
	void	*owner;
	pthread_mutex_t mu;	/* everything below */
	grpc_byte_buffer *q[API_STREAM_QUEUE];
	size_t	q_head, q_n;
	grpc_byte_buffer *sending;
	bool	busy;		/* a batch of ours in flight */
	bool	finish;		/* end with OK once the queue is empty */
	bool	finished;	/* the status went */
	bool	over;		/* the call ended (client gone, wardd stopping) */
	int	refs;
	__u64	dropped;	/* since the last event queued */
	int	cancelled;
	grpc_slice details;
	struct api_stream *next;	/* loop thread only */
};

#define stream_of(tag, member) \
	((struct api_stream *)((char *)(tag) - offsetof(struct api_stream, member)))

static void stream_free(struct api_stream *s)
{
	size_t i;

	for (i = 0; i < s->q_n; i++)
		grpc_byte_buffer_destroy(s->q[(s->q_head + i) % API_STREAM_QUEUE]);
	if (s->sending)
		grpc_byte_buffer_destroy(s->sending);
	grpc_slice_unref(s->details);
	s->release(s->owner);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* With s->mu held; false when the stream is to be freed. */
static bool stream_put(struct api_stream *s)
{
	return --s->refs > 0;
}

static void stream_unref(struct api_stream *s)
{
	bool keep;

	pthread_mutex_lock(&s->mu);
	keep = stream_put(s);
	pthread_mutex_unlock(&s->mu);
	if (!keep)
		stream_free(s);
}

/* Starts the next send if none is in flight; with s->mu held, any thread. */
static void stream_kick(struct api_stream *s)
{
	grpc_op op;

	if (s->busy || s->over || s->finished)
		return;
	memset(&op, 0, sizeof(op));
	if (s->q_n) {
		s->sending = s->q[s->q_head];
		s->q_head = (s->q_head + 1) % API_STREAM_QUEUE;
		s->q_n--;
		op.op = GRPC_OP_SEND_MESSAGE;
		op.data.send_message.send_message = s->sending;
	} else if (s->finish) {
		s->finished = true;
		op.op = GRPC_OP_SEND_STATUS_FROM_SERVER;
		op.data.send_status_from_server.status = GRPC_STATUS_OK;
		op.data.send_status_from_server.status_details = &s->details;
	} else {
		return;
	}
	s->busy = true;
	s->refs++;
	if (grpc_call_start_batch(s->call, &op, 1, &s->send_tag, NULL) != GRPC_CALL_OK) {
		s->busy = false;
		s->refs--;
		s->over = true;
	}
}

void api_stream_event(enum api_tag *tag, bool success)
{
	struct api_stream *s;
	bool keep;

	if (*tag == API_TAG_SEND) {
		s = stream_of(tag, send_tag);
		pthread_mutex_lock(&s->mu);
		if (s->sending) {
			grpc_byte_buffer_destroy(s->sending);
			s->sending = NULL;
		}
		s->busy = false;
		if (!success)
			s->over = true;
		stream_kick(s);
	} else {
		s = stream_of(tag, done_tag);
		pthread_mutex_lock(&s->mu);
		s->over = true;
	}
	keep = stream_put(s);
	pthread_mutex_unlock(&s->mu);
	if (!keep)
		stream_free(s);
}

/* Packs one event and queues it (loop thread). */
static void stream_push(struct api_stream *s, const struct feed_event *fe)
{
	Ward__V1__FlowEvent m = WARD__V1__FLOW_EVENT__INIT;
	grpc_byte_buffer *bb;
	uint8_t buf[4096];
	grpc_slice sl;
	size_t len;

	pthread_mutex_lock(&s->mu);
	if (s->over || s->finish)
		goto out;
	if (s->q_n == API_STREAM_QUEUE) {
		s->dropped++;
		atomic_fetch_add(&s->ss->dropped, 1);
		goto out;
	}
	m.json = (char *)fe->json;
	m.timestamp = (char *)fe->timestamp;
	m.action = (char *)fe->action;
	m.reason = (char *)fe->reason;
	m.rule = (char *)fe->rule;
	m.family = (char *)fe->family;
	m.proto = (char *)fe->proto;
	m.src = (char *)fe->src;
	m.sport = fe->sport;
	m.dst = (char *)fe->dst;
	m.dport = fe->dport;
	m.interface = (char *)fe->ifname;
	m.dropped = s->dropped;
	/* Every string of a feed_event is bounded: it fits. */
	len = protobuf_c_message_pack(&m.base, buf);
	sl = grpc_slice_from_copied_buffer((const char *)buf, len);
	bb = grpc_raw_byte_buffer_create(&sl, 1);
	grpc_slice_unref(sl);
	s->q[(s->q_head + s->q_n) % API_STREAM_QUEUE] = bb;
	s->q_n++;
	s->dropped = 0;
	stream_kick(s);
out:
	pthread_mutex_unlock(&s->mu);
}

static void stream_push_cb(void *arg, const struct feed_event *fe)
{
	stream_push(arg, fe);
}

size_t api_streams_followers(struct api_streams *ss)
{
	struct api_stream **pp = &ss->head, *s;
	size_t n = 0;
	bool over;

	while ((s = *pp)) {
		pthread_mutex_lock(&s->mu);
		over = s->over;
		pthread_mutex_unlock(&s->mu);
		if (over) {
			*pp = s->next;
			stream_unref(s);
			continue;
		}
		n++;
		pp = &s->next;
	}
	return n;
}

/* Each new event to every follower. */
static void on_feed(void *arg, const struct feed_event *fe)
{
	struct api_streams *ss = arg;
	struct api_stream *s;

	api_streams_followers(ss);
	for (s = ss->head; s; s = s->next)
		stream_push(s, fe);
}

int api_stream_open(struct api_streams *ss, grpc_call *call, void (*release)(void *owner),
		    void *owner, const Ward__V1__FlowEventsRequest *q)
{
	struct api_stream *s;
	grpc_op ops[1];

	s = calloc(1, sizeof(*s));
	if (!s) {
		release(owner);
		return -ENOMEM;
	}
	s->send_tag = API_TAG_SEND;
	s->done_tag = API_TAG_DONE;
	s->ss = ss;
	s->call = call;
	s->release = release;
	s->owner = owner;
	s->details = grpc_empty_slice();
	pthread_mutex_init(&s->mu, NULL);

	/* The end of the call, whoever ends it; then the headers at once, so
	 * that a client knows it is following before the first event. */
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[0].data.recv_close_on_server.cancelled = &s->cancelled;
	s->refs = 1;
	if (grpc_call_start_batch(s->call, ops, 1, &s->done_tag, NULL) != GRPC_CALL_OK) {
		stream_free(s);
		return -EIO;
	}
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	pthread_mutex_lock(&s->mu);
	s->busy = true;
	s->refs++;
	if (grpc_call_start_batch(s->call, ops, 1, &s->send_tag, NULL) != GRPC_CALL_OK) {
		s->busy = false;
		s->refs--;
		s->over = true;
	}
	pthread_mutex_unlock(&s->mu);

	feed_recent(ss->feed, q->recent > FEED_RECENT_MAX ? FEED_RECENT_MAX : q->recent,
		    stream_push_cb, s);
	pthread_mutex_lock(&s->mu);
	if (q->follow) {
		s->refs++;	/* the list's */
	} else {
		s->finish = true;
		stream_kick(s);
	}
	pthread_mutex_unlock(&s->mu);
	if (q->follow) {
		s->next = ss->head;
		ss->head = s;
	}
	return 0;
}

int api_streams_start(struct api_streams *ss, struct feed *feed)
{
	int err;

	ss->head = NULL;
	ss->feed = NULL;
	atomic_init(&ss->dropped, 0);
	if (!feed)
		return 0;
	err = feed_subscribe(feed, on_feed, ss);
	if (!err)
		ss->feed = feed;
	return err;
}

void api_streams_stop(struct api_streams *ss)
{
	struct api_stream *s, *next;

	if (ss->feed)
		feed_unsubscribe(ss->feed, on_feed, ss);
	ss->feed = NULL;
	for (s = ss->head; s; s = next) {
		next = s->next;
		stream_unref(s);
	}
	ss->head = NULL;
}
