/*
 * handler: one HTTP request, start to finish: trust only what nginx verified, route, validate
 * fully, ask jobsupd, answer. Runs on a jobapi worker thread with that thread's own supervisor
 * connection; shares nothing with other threads but the counter of long-lived requests.
 */
#ifndef HANDLER_H
#define HANDLER_H

#include <stdatomic.h>

#include <fcgiapp.h>

#include "client.h"

/* Request bodies larger than this are refused with 413 (nginx refuses them first). */
#define BODY_MAX (64 * 1024)

/* Requests answered, by status, for /metrics: 200, 201, 400, 403, 404, 405, 409, 413, 429,
 * 500, 503, and any other. */
#define API_STATUSES 12

struct api {
	const char *supervisor_path;
	long max_long;        /* follows and waits at once (--max-followers) */
	atomic_long nlong;
	atomic_ulong requests[API_STATUSES];
};

void handle_request(struct api *api, FCGX_Request *r, struct supclient *sc);

#endif
