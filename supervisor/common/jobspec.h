/*
 * jobspec: what a client asks to run (POST /jobs), validated against the supervisor's limits.
 *
 * jobapi validates a request body with jobspec_parse before anything reaches jobsupd; jobsupd
 * validates the spec it receives again with jobspec_from_json and the same limits, so neither
 * layer trusts the other. The limits travel from jobsupd to jobapi in the protocol's HELLO reply.
 */
#ifndef JOBSPEC_H
#define JOBSPEC_H

#include <stdbool.h>
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
	bool slurm; /* jobs run on Slurm: what it cannot enforce is said so */
};

/* Where a job's network comes from: jobsupd's --default-network, the host's, or a namespace of
 * its own with only loopback. */
enum job_network {
	JOB_NET_DEFAULT,
	JOB_NET_HOST,
	JOB_NET_NONE,
};

/* Bounds of a request's "env" and "cwd": small enough that a spec stays a small message, large
 * enough for real jobs (systemd-run and docker have none this tight, but they are local). */
#define JOBSPEC_MAX_ENV 64
#define JOBSPEC_MAX_ENV_BYTES 16384 /* every NAME=value together */
#define JOBSPEC_MAX_CWD 4095

struct jobspec {
	char **argv; /* NULL-terminated; one allocation holding the pointers and the strings */
	size_t argc;
	size_t command_bytes;
	long timeout_s;
	struct job_limits limits; /* asked for, or the defaults */
	/* How it runs (jobspec_run.c); each owned by the spec and freed by jobspec_free. */
	char *cwd;		  /* NULL: the owner's work directory */
	char *env;		  /* "NAME=value" strings, each NUL-terminated, one after another */
	size_t env_len;		  /* bytes of env, NULs included; 0: none */
	enum job_network network; /* JOB_NET_DEFAULT until jobsupd decides */
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
/* The members "cwd", "env" and "network" of a request object into out (absent ones stay
 * unset); for jobspec_from_json. 0, or -1 with *err (400, or 500 out of memory). */
int jobspec_parse_run(const cJSON *obj, struct jobspec *out, struct apierr *err);
/* Write those that are set, as members of the object being written; for jobspec_write. */
void jobspec_write_run(struct jw *w, const struct jobspec *s);
/* Give s a copy of cwd (NULL: none), of env (env_len bytes as struct jobspec keeps them) and
 * network, as a restart reads them back. 0, or -1 (ENOMEM). */
int jobspec_set_run(struct jobspec *s, const char *cwd, const char *env, size_t env_len,
		    enum job_network network);
/* "host" or "none" (NULL for JOB_NET_DEFAULT); and back: -1 when it is neither. */
const char *jobspec_network_name(enum job_network n);
int jobspec_network_parse(const char *name, enum job_network *out);
/* Is name a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*, at most 128 bytes)? */
bool jobspec_env_name_ok(const char *name, size_t len);

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
