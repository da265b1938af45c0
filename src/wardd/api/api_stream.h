/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/wardd/api/api_stream.h: the FlowEvents server stream of the API: each
 * follower a gRPC call with a bounded queue of events. For src/wardd/api/ only.
 *
 * Threads: the loop thread opens streams, publishes events and counts
 * followers; the completion queue thread hands over the completions of
 * the streams' batches (api_stream_event). A follower that does not read
 * loses the newest events, counted; the loop never waits for one.
 */
#ifndef WARDD_API_STREAM_H
#define WARDD_API_STREAM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <grpc/grpc.h>
#include "feed.h"
#include "ward/v1/ward.pb-c.h"

/* What a completion's tag points at: the first member of each struct
 * that is a tag (server.c's calls, a stream's two batches). */
enum api_tag {
	API_TAG_CALL,		/* a unary call of server.c */
	API_TAG_SEND,		/* a stream: a send batch completed */
	API_TAG_DONE,		/* a stream: the call is over */
};

struct api_stream;

/* At most this many FlowEvents followers at once (each may queue
 * API_STREAM_QUEUE events): more are refused with RESOURCE_EXHAUSTED. */
#define API_STREAM_FOLLOWERS_MAX	64
#define API_STREAM_FOLLOWERS_MAX_STR	"64"

/* The followers, in struct api. */
struct api_streams {
	struct api_stream *head;	/* loop thread only */
	struct feed *feed;		/* subscribed to; NULL: not */
	atomic_ullong dropped;		/* events slow followers lost */
};

/* Subscribes to feed (NULL: FlowEvents will be refused). 0 or -errno. */
int api_streams_start(struct api_streams *ss, struct feed *feed);
/* Lets every follower go; their calls end with the server's shutdown. */
void api_streams_stop(struct api_streams *ss);
/* Followers whose call is still on (those whose call ended are let go). */
size_t api_streams_followers(struct api_streams *ss);

/*
 * Takes call over for a FlowEvents request: sends the recent events and,
 * with follow, each new one until the call ends. release(owner) is called
 * once the stream is done with call (it unrefs it). 0, or -errno when the
 * stream could not start (call is released then too).
 */
int api_stream_open(struct api_streams *ss, grpc_call *call, void (*release)(void *owner),
		    void *owner, const Ward__V1__FlowEventsRequest *q);
/* The cq thread: a completion whose tag is API_TAG_SEND or API_TAG_DONE. */
void api_stream_event(enum api_tag *tag, bool success);

#endif /* WARDD_API_STREAM_H */
