// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardd/api/logs.c: FlowEvents: a server stream of flow log events
 * (api_stream.c) takes the call over.
 */
#include <stdatomic.h>
#include "api_int.h"
#include "log.h"

unsigned long long api_events_dropped(struct wardd *w)
{
	return w->api ? atomic_load(&w->api->streams.dropped) : 0;
}

static void call_release(void *c)
{
	api_call_free(c);
}

void m_flow_events(struct api *a, const ProtobufCMessage *in, struct api_reply *r)
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
