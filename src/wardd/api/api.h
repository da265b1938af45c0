/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/wardd/api/api.h: the gRPC control plane of api/ward/v1/ward.proto (the
 * gRPC C core with protobuf-c messages), for wardd.c (the
 * files of this folder share api_int.h).
 *
 * One thread of ours drives the completion queue and never touches struct
 * wardd: it hands each call to the event loop through an eventfd, and the
 * loop thread decodes it, acts and answers. So the daemon's state stays
 * single-threaded, and a call waits for the loop, never the other way round.
 *
 * The policy is one: the text the live policy was read from (the file, or
 * an Apply) plus the rules added through the API, merged by api_parse() in
 * every wardd_reload, so that a SIGHUP keeps the API's rules and a rule
 * change re-reads exactly the live text, not a file edited since.
 */
#ifndef WARDD_API_H
#define WARDD_API_H

#include <stdbool.h>
#include "wardd.h"

#define API_LISTEN_DEFAULT	"unix:/run/ward/ward.sock"

/* Serves on listen ("unix:PATH", or "tcp://ADDR:PORT" with mTLS from the
 * tls files of cfg); locked refuses every mutating call with
 * PERMISSION_DENIED. 0 or -errno (logged). */
int api_start(struct wardd *w, const char *listen, bool locked, const struct pol_api *cfg);
/* Stops serving; at exit, also when the API never started: it frees the
 * text api_committed kept (w->live_src). */
void api_stop(struct wardd *w);

/* For wardd_reload. api_source: the text to read, the one an API call
 * queued in w->next_src or else the file (or the embedded default).
 * api_parse: parses it and merges the API's rules in. api_committed: the
 * policy made of src is live; keeps src (and takes it over). Each returns 0
 * or -errno with err set ("FILE:LINE: field: message"). */
int api_source(struct wardd *w, struct wardd_src *src, char *err, size_t errlen);
int api_parse(struct wardd *w, const struct wardd_src *src, struct pol_policy *out,
	      char *err, size_t errlen);
void api_committed(struct wardd *w, struct wardd_src *src);

void api_src_free(struct wardd_src *src);

/* Flow events slow FlowEvents followers lost since start (0 without the API). */
unsigned long long api_events_dropped(struct wardd *w);

#endif /* WARDD_API_H */
