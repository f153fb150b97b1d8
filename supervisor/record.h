/*
 * record: a job's record, typed, as the store keeps it and the API shows it; and the one place
 * where a record becomes the API's job object (JSON).
 */
#ifndef RECORD_H
#define RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "joblimits.h"
#include "json.h"
#include "states.h"

/* One job's record. Strings are borrowed from whoever filled the record. */
struct job_record {
	uint64_t id;
	const char *owner;
	const char *args; /* the command: its arguments, each NUL-terminated, one after another */
	size_t args_len;
	enum job_state state;
	long timeout_s;
	int64_t created_ms;  /* wall clock */
	int64_t started_ms;  /* 0: not yet */
	int64_t finished_ms; /* 0: not yet */
	pid_t pid;	     /* 0: none */
	bool has_exit;
	int exit_code;
	int signal;		 /* 0: none */
	const char *error;	 /* NULL: none */
	uint64_t output_bytes;	 /* every byte it wrote */
	bool output_truncated;	 /* GET .../output cannot give all of them */
	uint64_t output_dropped; /* not kept: past --output-max, or no room within --output-total */
	uint64_t output_lost;	 /* lost to write errors (a full disk) */
	bool output_deleted;	 /* its spool was deleted to keep --output-total */
	uint64_t spool_bytes;	 /* on disk now (not shown) */
	uint64_t finished_seq;	 /* order of finishing, for the log cap; 0 while active */
	struct job_limits limits;
	enum containment containment;
	struct cg_usage usage; /* valid once known */
};

/* Whose view a read is: a user sees its own jobs, an admin every job. */
struct viewer {
	const char *user;
	bool admin;
};

static inline bool viewer_sees(const struct viewer *v, const char *owner)
{
	return v->admin || (owner && v->user && __builtin_strcmp(owner, v->user) == 0);
}

/* Write the record as the API's job object; with output (output_len bytes, any bytes) as its
 * "output" member when output is not NULL. */
void record_render(struct jw *w, const struct job_record *r, const char *output, size_t output_len);

/* RFC 3339 UTC time with milliseconds, e.g. 2026-11-29T10:00:00.123Z, into dst[32]. */
void format_time(int64_t ms, char dst[32]);
/* "SIGKILL" for 9; "SIG42" for a signal without a name. dst[16]. */
void format_signal(int sig, char dst[16]);

#endif
