/*
 * handler: one HTTP request, start to finish: trust only what nginx verified, refuse what
 * another web site could have sent (csrf.h), route, validate fully, ask jobsupd, answer. Runs on
 * any jobapi worker thread, with a supervisor connection taken from the pool for the request;
 * shares nothing else with other threads but counters.
 */
#ifndef HANDLER_H
#define HANDLER_H

#include <stdatomic.h>

#include <fcgiapp.h>

#include "pool.h"

/* Request bodies larger than this are refused with 413 (nginx refuses them first). */
#define BODY_MAX (64 * 1024)

/* Requests answered, by status, for /metrics: 200, 201, 400, 403, 404, 405, 409, 413, 415,
 * 429, 500, 503, and any other. */
#define API_STATUSES 13

struct api {
	struct suppool pool; /* connections to jobsupd */
	long max_long;	     /* follows and waits at once (--max-followers) */
	atomic_long nlong;
	atomic_ulong requests[API_STATUSES];
};

/* Answer r, with a connection to jobsupd from api->pool. */
void handle_request(struct api *api, FCGX_Request *r);

#endif
