/*
 * call: a jobctl command's calls to the API and what comes back: an answer checked and turned
 * into an exit status (its error said once, escaped), a job's output shown or streamed, and
 * waiting for a job to end. Every function returns 0 or the exit status after saying why.
 */
#ifndef CALL_H
#define CALL_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "jobctl.h"

/* "jobctl: message" on stderr. */
void call_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Call and check the answer: 0 with its parsed JSON in *out (when out is not NULL; the caller
 * frees it with cJSON_Delete), else the exit status. With --json and print_json, the body is
 * printed as it came. */
int call_json(struct jobctl *x, const char *method, const char *path, const char *body, cJSON **out,
	      bool print_json);
/* A finished job's output under its details, escaped for the terminal. */
int call_show_output(struct jobctl *x, const char *id);
/* A job's output, raw, to stdout; with follow, until the job ends. */
/* What of a job's output to write, raw, to stdout. */
struct output_opts {
	bool follow;	    /* until the job ends; a dropped connection resumes where it was */
	long tail;	    /* only the last lines (0: all) */
	const char *stream; /* "stdout" or "stderr" alone (NULL: both, as written) */
};
int call_stream_output(struct jobctl *x, const char *id, const struct output_opts *o);
/* Wait for the job to end (timeout_s < 0: forever): 0 with the final job in *out,
 * EXIT_TIMED_OUT with the job as it is, or another exit status. *out is the caller's. */
int call_wait(struct jobctl *x, const char *id, long timeout_s, cJSON **out);
/* A JSON value on one line of stdout. */
void call_print_json(const cJSON *v);

#endif
