/*
 * jobview: what jobctl reads out of a job object the server sent: whether it is still active,
 * and the exit status a shell would give it. The object may be anything (it came over the
 * network): every field is checked before use.
 */
#ifndef JOBVIEW_H
#define JOBVIEW_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#define JOBVIEW_TIMED_OUT 124 /* as timeout(1) */

/* still queued or running (states.h: an active state) */
bool jobview_active(const cJSON *job);
/* Its exit code, 128+N when signal N ended it, 124 when it timed out, else 1. */
int jobview_status(const cJSON *job);

#endif
