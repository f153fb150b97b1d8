/*
 * store: the jobs table and the kept output of ended jobs, in an in-memory SQLite database that
 * only jobsupd's loop touches. Every statement is prepared once at open and reused.
 *
 * A row is a job's typed record (record.h), written when the job is made and at each change of
 * phase that the API shows (it starts, it ends), never for its output or usage while it runs.
 * A record that no longer changes while it is in its state (queued, ended) also keeps the job
 * object the API shows, rendered once when it is written, so that a list only concatenates
 * rows; a running job's row has none, and a read asks the job itself (a live renderer) for it.
 *
 * Functions return 0, or -1 with errno: ENOENT for a job that is not there or that the viewer
 * may not see, ENOMEM or EIO (logged) when SQLite fails.
 */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <sqlite3.h>

#include "buf.h"
#include "jobspec.h"
#include "record.h"

enum store_list {
	STORE_ACTIVE, /* running and queued, oldest first: {"jobs": [...]} */
	STORE_LOG,    /* every record kept, newest first: {"logs": [...]} */
};

/* Renders active job id into out, as it is now; 0, or -1 when it cannot. */
typedef int (*store_live_fn)(void *ctx, uint64_t id, struct buf *out);

struct store {
	sqlite3 *db;
	sqlite3_stmt *put, *get, *owner, *counts, *put_output, *get_output;
	sqlite3_stmt *list[2][2]; /* [enum store_list][admin] */
	sqlite3_stmt *oldest_ended, *oldest_spooled, *delete_job, *delete_output, *mark_deleted;
	struct buf json; /* where records are rendered */
	store_live_fn live;
	void *live_ctx;
};

int store_open(struct store *s);
void store_close(struct store *s);
/* Who renders the rows of running jobs. */
void store_set_live(struct store *s, store_live_fn fn, void *ctx);

/* Write a record, new or changed. */
int store_put(struct store *s, const struct job_record *r);
/* How many records are in each state. */
int store_count_states(struct store *s, long counts[JOB_STATES]);
/* Keep an ended job's output, given in parts (the two halves of a wrapped ring). */
int store_put_output(struct store *s, uint64_t id, const struct iovec *parts, int nparts);
/* Append an ended job's kept output to out (nothing when it kept none). */
int store_get_output(struct store *s, uint64_t id, struct buf *out);
/* Remove the job that ended first, with its output; *id is 0 when none has ended, and
 * *spool_bytes what its spool holds on disk; its owner (NUL-terminated) and job object are
 * appended to owner and json. */
int store_evict_oldest(struct store *s, uint64_t *id, uint64_t *spool_bytes, struct buf *owner,
		       struct buf *json);
/* The ended job that ended first and still has a spool: *id (0: none) and its *spool_bytes. */
int store_oldest_spooled(struct store *s, uint64_t *id, uint64_t *spool_bytes);
/* Record that job id's spool was deleted (to keep --output-total). */
int store_spool_deleted(struct store *s, uint64_t id);

/* How many bytes job id wrote (its record's output_bytes). */
int store_output_bytes(struct store *s, uint64_t id, uint64_t *bytes);
/* Is job id there for v? */
int store_lookup(struct store *s, uint64_t id, const struct viewer *v);
/* Append job id as the API shows it; with "output" when asked and the job has ended. */
int store_render(struct store *s, uint64_t id, const struct viewer *v, bool with_output,
		 struct buf *out);
/* Append a list for v. */
int store_render_list(struct store *s, enum store_list which, const struct viewer *v,
		      struct buf *out);
/* What job id was asked to run (command, timeout, limits, cwd, env, network), for a restart;
 * the caller frees spec with jobspec_free. */
int store_get_spec(struct store *s, uint64_t id, const struct viewer *v, struct jobspec *spec);

#endif
