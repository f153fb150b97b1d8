/*
 * store: the jobs table and the kept output of finished jobs, in an in-memory SQLite database
 * that only jobsupd's loop touches. Every statement is prepared once at open and reused.
 *
 * A job's record is written when the job is made and again on each change; the job object the
 * API shows is rendered then and kept in the row, so a read only concatenates rows. While a
 * job runs its output lives in its ring (ring.h); when it ends, the kept bytes move here.
 */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <sqlite3.h>

#include "buf.h"
#include "cgroup.h"
#include "jobspec.h"
#include "states.h"

/* One row of the jobs table. Strings are borrowed from the owner of the record. */
struct job_record {
	uint64_t id;
	const char *owner;
	const char *command; /* JSON array text */
	enum job_state state;
	long timeout_s;
	int64_t created_ms;  /* wall clock */
	int64_t started_ms;  /* 0: not yet */
	int64_t finished_ms; /* 0: not yet */
	pid_t pid;	     /* 0: none */
	bool has_exit;
	int exit_code;
	int signal;	   /* 0: none */
	const char *error; /* NULL: none */
	uint64_t output_bytes;
	bool output_truncated;
	uint64_t finished_seq; /* order of finishing, for the log cap */
	struct job_limits limits;
	enum containment containment;
	struct cg_usage usage; /* valid once known */
};

/* Whose view a read is: a user sees its own jobs, an admin every job. */
struct viewer {
	const char *user;
	bool admin;
};

enum store_list {
	STORE_ACTIVE, /* running and queued, oldest first: {"jobs": [...]} */
	STORE_LOG,    /* every record kept, newest first: {"logs": [...]} */
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *insert, *update, *counts, *put_output, *get_output, *get, *owner;
	sqlite3_stmt *list[2][2]; /* [enum store_list][admin] */
	sqlite3_stmt *oldest_finished, *delete_job, *delete_output;
	struct buf json; /* where records are rendered */
};

int store_open(struct store *s);
void store_close(struct store *s);

/* Write a new record, or a changed one (all of it: rendering is cheap, reading is often). */
int store_insert(struct store *s, const struct job_record *r);
int store_update(struct store *s, const struct job_record *r);
/* How many records are in each state. 0 or -1. */
int store_count_states(struct store *s, long counts[JOB_STATES]);
/* Keep a finished job's output, given in parts (the two halves of a wrapped ring). */
int store_put_output(struct store *s, uint64_t id, const struct iovec *parts, int nparts);
/* Append a finished job's kept output to out. */
int store_get_output(struct store *s, uint64_t id, struct buf *out);
/* Remove the finished job that finished first, with its output. */
int store_evict_oldest(struct store *s);

/* Is job id there and visible to v? 1 yes, 0 no, -1 error. */
int store_visible(struct store *s, uint64_t id, const struct viewer *v);
/* Render one job as the API's job object (with "output" when asked and the job has ended).
 * 1 rendered, 0 not there or not visible to v, -1 error. */
int store_render(struct store *s, uint64_t id, const struct viewer *v, bool with_output,
		 struct buf *out);
/* Render a list for v. 0 or -1. */
int store_render_list(struct store *s, enum store_list which, const struct viewer *v,
		      struct buf *out);

/* RFC 3339 UTC time with milliseconds, e.g. 2026-11-29T10:00:00.123Z, into dst[32]. */
void format_time(int64_t ms, char dst[32]);
/* "SIGKILL" for 9; "SIG42" for a signal without a name. dst[16]. */
void format_signal(int sig, char dst[16]);

#endif
