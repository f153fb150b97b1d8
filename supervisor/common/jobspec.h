/*
 * jobspec: what a client asks to run (POST /jobs), validated against the supervisor's limits.
 *
 * jobapi validates a request body with jobspec_parse before anything reaches jobsupd; jobsupd
 * validates the spec it receives again with jobspec_from_json and the same limits, so neither
 * layer trusts the other. The limits travel from jobsupd to jobapi in the protocol's HELLO reply.
 */
#ifndef JOBSPEC_H
#define JOBSPEC_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "apierr.h"
#include "json.h"
#include "joblimits.h"

struct spec_limits {
	long max_command_bytes; /* sum of the bytes of all arguments */
	long max_args;
	long default_timeout_s;
	long max_timeout_s;
	/* Resource limits a job may ask for: at most max (0: this worker cannot enforce it),
	 * and the defaults it gets when it does not ask. */
	struct job_limits max;
	struct job_limits deflt;
};

struct jobspec {
	char **argv; /* NULL-terminated; one allocation holding the pointers and the strings */
	size_t argc;
	size_t command_bytes;
	long timeout_s;
	struct job_limits limits; /* asked for, or the defaults */
};

/* Parse and validate a request body (body[len] must be '\0'). 0, or -1 with *err set (400
 * invalid_json, invalid_request, command_too_long). On success the caller owns out and frees it
 * with jobspec_free. */
int jobspec_parse(const char *body, size_t len, const struct spec_limits *lim, struct jobspec *out,
		  struct apierr *err);
/* Validate an already parsed object; same contract as jobspec_parse. */
int jobspec_from_json(const cJSON *obj, const struct spec_limits *lim, struct jobspec *out,
		      struct apierr *err);
/* A spec from a command kept as its arguments, each NUL-terminated, one after another (as
 * jobspec_args gives them), with its timeout and limits; not validated (see jobspec_check).
 * 0, or -1 (errno: EINVAL for no arguments, ENOMEM). */
int jobspec_from_args(const char *args, size_t len, long timeout_s, const struct job_limits *limits,
		      struct jobspec *out);
/* Hold a spec to today's bounds (its size, timeout and limits): a restarted job meets them as a
 * new one does. 0, or -1 with *err (400). */
int jobspec_check(const struct jobspec *s, const struct spec_limits *lim, struct apierr *err);
/* The command's arguments, each NUL-terminated, one after another, and their length. */
static inline const char *jobspec_args(const struct jobspec *s, size_t *len)
{
	*len = s->command_bytes + s->argc;
	return s->argv ? s->argv[0] : "";
}
void jobspec_free(struct jobspec *s);

/* Write the spec as the JSON object jobspec_from_json reads. */
void jobspec_write(struct jw *w, const struct jobspec *s);
/* Write only the command, as a JSON array of strings. */
void jobspec_write_command(struct jw *w, const struct jobspec *s);
/* Write limits as the "limits" object of the API (null for none). */
void jobspec_write_limits(struct jw *w, const struct job_limits *l);

#endif
