/*
 * output: GET /jobs/{id}/output, once jobsupd has answered: from the job's spool files (which
 * jobsupd passed) or from what it streams out of memory; with a Range, tail=N lines, one stream,
 * and following.
 */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <fcgiapp.h>

#include "client.h"
#include "route.h"

/* Answer the request rt, whose reply from jobsupd is reply, with range the Range header ("" for
 * none). Returns the status answered. */
int output_relay(FCGX_Request *r, struct supclient *sc, const struct route *rt,
		 const struct proto_reply *reply, const char *range);

/* Pass a stream of job events through, as Server-Sent Events, until jobsupd ends it or the
 * client leaves. Returns the status answered. */
int output_events(FCGX_Request *r, struct supclient *sc);

#endif
