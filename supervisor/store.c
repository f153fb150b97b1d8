/* store: jobs and the output of ended jobs in SQLite; see store.h. */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* The columns of a record, in this order in every statement that reads or writes a whole one;
 * a limit is a column of its own (joblimits.h), and "json" the rendering of a record that no
 * longer changes in its state (NULL while the job runs). */
enum column {
	COL_ID,
	COL_OWNER,
	COL_ARGS,
	COL_STATE,
	COL_ACTIVE,
	COL_TIMEOUT,
	COL_CREATED,
	COL_STARTED,
	COL_FINISHED,
	COL_PID,
	COL_EXIT,
	COL_SIGNAL,
	COL_ERROR,
	COL_OUTPUT_BYTES,
	COL_TRUNCATED,
	COL_DROPPED,
	COL_LOST,
	COL_DELETED,
	COL_SPOOL_BYTES,
	COL_FINISHED_SEQ,
	COL_CONTAINMENT,
	COL_CPU_MS,
	COL_MAX_MEMORY,
	COL_RUN_USER,
	COL_RUN_UID,
	COL_RUN_GID,
	COL_ISOLATION,
	COL_CWD,
	COL_ENV,
	COL_NETWORK,
	COL_SLURM_ID,
	COL_SLURM_NODE,
	COL_SLURM_PARTITION,
	COL_SLURM_CPUS,
	COL_LIMITS,
	COL_JSON = COL_LIMITS + NLIMITS,
	NCOLUMNS,
};

#define LIMIT_COLUMN_DEF(field, ...) ", " #field " INTEGER NOT NULL"
#define LIMIT_COLUMN(field, ...) ", " #field
#define COLUMNS                                                                                    \
	"id, owner, args, state, active, timeout_s, created_ms, started_ms, finished_ms, pid,"     \
	" exit_code, signal, error, output_bytes, output_truncated, output_dropped, output_lost,"  \
	" output_deleted, spool_bytes, finished_seq, containment, cpu_ms, max_memory_bytes,"       \
	" run_user, run_uid, run_gid, isolation, cwd, env, network, slurm_job_id, slurm_node,"     \
	" slurm_partition, slurm_cpus" JOB_LIMITS(LIMIT_COLUMN) ", json"

static const char schema[] =
    "CREATE TABLE jobs ("
    " id INTEGER PRIMARY KEY, owner TEXT NOT NULL, args BLOB NOT NULL, state INTEGER NOT NULL,"
    " active INTEGER NOT NULL, timeout_s INTEGER NOT NULL, created_ms INTEGER NOT NULL,"
    " started_ms INTEGER, finished_ms INTEGER, pid INTEGER, exit_code INTEGER, signal INTEGER,"
    " error TEXT, output_bytes INTEGER NOT NULL, output_truncated INTEGER NOT NULL,"
    " output_dropped INTEGER NOT NULL, output_lost INTEGER NOT NULL,"
    " output_deleted INTEGER NOT NULL, spool_bytes INTEGER NOT NULL,"
    " finished_seq INTEGER, containment INTEGER NOT NULL, cpu_ms INTEGER,"
    " max_memory_bytes INTEGER, run_user TEXT, run_uid INTEGER NOT NULL,"
    " run_gid INTEGER NOT NULL, isolation INTEGER NOT NULL, cwd TEXT, env BLOB,"
    " network INTEGER NOT NULL, slurm_job_id INTEGER, slurm_node TEXT,"
    " slurm_partition TEXT, slurm_cpus INTEGER NOT NULL" JOB_LIMITS(
	LIMIT_COLUMN_DEF) ", json TEXT);"
			  "CREATE INDEX jobs_owner ON jobs(owner, id);"
			  "CREATE INDEX jobs_finished ON jobs(finished_seq) WHERE finished_seq IS "
			  "NOT NULL;"
			  "CREATE TABLE output (job_id INTEGER PRIMARY KEY, data BLOB NOT NULL);";

static int sql_failed(struct store *s, const char *what)
{
	log_error("sqlite: %s: %s", what, sqlite3_errmsg(s->db));
	errno = sqlite3_errcode(s->db) == SQLITE_NOMEM ? ENOMEM : EIO;
	return -1;
}

static int prepare(struct store *s, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return sql_failed(s, sql);
	return 0;
}

static int prepare_all(struct store *s)
{
	static const char *const list_sql[2][2] = {
	    [STORE_ACTIVE] = {"SELECT id, json FROM jobs WHERE active AND owner = ?1 ORDER BY id",
			      "SELECT id, json FROM jobs WHERE active ORDER BY id"},
	    [STORE_LOG] = {"SELECT id, json FROM jobs WHERE owner = ?1 ORDER BY id DESC",
			   "SELECT id, json FROM jobs ORDER BY id DESC"},
	};
	char put[1024];
	int n = snprintf(put, sizeof put, "INSERT OR REPLACE INTO jobs (" COLUMNS ") VALUES (?");
	for (int i = 1; i < NCOLUMNS; i++)
		n += snprintf(put + n, sizeof put - (size_t)n, ",?");
	snprintf(put + n, sizeof put - (size_t)n, ")");
	for (int w = 0; w < 2; w++)
		for (int a = 0; a < 2; a++)
			if (prepare(s, &s->list[w][a], list_sql[w][a]) < 0)
				return -1;
	if (prepare(s, &s->put, put) < 0 ||
	    prepare(s, &s->get, "SELECT " COLUMNS " FROM jobs WHERE id = ?1") < 0 ||
	    prepare(s, &s->owner, "SELECT owner FROM jobs WHERE id = ?1") < 0 ||
	    prepare(s, &s->counts, "SELECT state, count(*) FROM jobs GROUP BY state") < 0 ||
	    prepare(s, &s->put_output, "INSERT OR REPLACE INTO output VALUES (?1, ?2)") < 0 ||
	    prepare(s, &s->get_output, "SELECT data FROM output WHERE job_id = ?1") < 0 ||
	    prepare(s, &s->oldest_ended,
		    "SELECT id, spool_bytes, owner, json FROM jobs WHERE finished_seq IS NOT NULL"
		    " ORDER BY finished_seq LIMIT 1") < 0 ||
	    prepare(s, &s->oldest_spooled,
		    "SELECT id, spool_bytes FROM jobs WHERE finished_seq IS NOT NULL"
		    " AND spool_bytes > 0 ORDER BY finished_seq LIMIT 1") < 0 ||
	    prepare(s, &s->delete_job, "DELETE FROM jobs WHERE id = ?1") < 0 ||
	    prepare(s, &s->mark_deleted,
		    "UPDATE jobs SET output_deleted = 1, output_truncated = 1, spool_bytes = 0,"
		    " json = ?2 WHERE id = ?1") < 0 ||
	    prepare(s, &s->delete_output, "DELETE FROM output WHERE job_id = ?1") < 0)
		return -1;
	return 0;
}

int store_open(struct store *s)
{
	memset(s, 0, sizeof *s);
	if (sqlite3_open_v2(":memory:", &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		log_error("sqlite: cannot open an in-memory database");
		store_close(s);
		errno = ENOMEM;
		return -1;
	}
	/* No rollback journal: the database lives and dies with the process, and a journal would
	 * copy every page a statement changes (a whole job's output, when it is evicted). Pages of
	 * 16 KiB hold output with a fifth of the per-page overhead of 4 KiB ones (measured: the
	 * full log takes 3 MiB less). */
	if (sqlite3_exec(s->db, "PRAGMA journal_mode = OFF; PRAGMA page_size = 16384", NULL, NULL,
			 NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		sql_failed(s, "schema");
		store_close(s);
		return -1;
	}
	if (prepare_all(s) < 0) {
		store_close(s);
		return -1;
	}
	return 0;
}

void store_close(struct store *s)
{
	sqlite3_stmt **all[] = {
	    &s->put,	    &s->get,	      &s->owner,      &s->counts,	  &s->put_output,
	    &s->get_output, &s->oldest_ended, &s->delete_job, &s->delete_output,  &s->list[0][0],
	    &s->list[0][1], &s->list[1][0],   &s->list[1][1], &s->oldest_spooled, &s->mark_deleted};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
		sqlite3_finalize(*all[i]);
		*all[i] = NULL;
	}
	sqlite3_close(s->db);
	s->db = NULL;
	buf_free(&s->json);
}

void store_set_live(struct store *s, store_live_fn fn, void *ctx)
{
	s->live = fn;
	s->live_ctx = ctx;
}

/* Run a statement that returns no rows, then make it ready for reuse. */
static int get_row(struct store *s, uint64_t id, const struct viewer *v);

static int step_done(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : sql_failed(s, "step");
}

static void bind_opt(sqlite3_stmt *st, int col, long long v, bool present)
{
	if (present)
		sqlite3_bind_int64(st, col + 1, v);
	else
		sqlite3_bind_null(st, col + 1);
}

static void bind_record(sqlite3_stmt *st, const struct job_record *r)
{
	sqlite3_bind_int64(st, COL_ID + 1, (sqlite3_int64)r->id);
	sqlite3_bind_text(st, COL_OWNER + 1, r->owner, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, COL_ARGS + 1, r->args, (int)r->args_len, SQLITE_STATIC);
	sqlite3_bind_int(st, COL_STATE + 1, r->state);
	sqlite3_bind_int(st, COL_ACTIVE + 1, job_state_active(r->state));
	sqlite3_bind_int64(st, COL_TIMEOUT + 1, r->timeout_s);
	sqlite3_bind_int64(st, COL_CREATED + 1, r->created_ms);
	bind_opt(st, COL_STARTED, r->started_ms, r->started_ms != 0);
	bind_opt(st, COL_FINISHED, r->finished_ms, r->finished_ms != 0);
	bind_opt(st, COL_PID, r->pid, r->pid != 0);
	bind_opt(st, COL_EXIT, r->exit_code, r->has_exit);
	bind_opt(st, COL_SIGNAL, r->signal, r->signal != 0);
	if (r->error)
		sqlite3_bind_text(st, COL_ERROR + 1, r->error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, COL_OUTPUT_BYTES + 1, (sqlite3_int64)r->output_bytes);
	sqlite3_bind_int(st, COL_TRUNCATED + 1, r->output_truncated);
	sqlite3_bind_int64(st, COL_DROPPED + 1, (sqlite3_int64)r->output_dropped);
	sqlite3_bind_int64(st, COL_LOST + 1, (sqlite3_int64)r->output_lost);
	sqlite3_bind_int(st, COL_DELETED + 1, r->output_deleted);
	sqlite3_bind_int64(st, COL_SPOOL_BYTES + 1, (sqlite3_int64)r->spool_bytes);
	bind_opt(st, COL_FINISHED_SEQ, (long long)r->finished_seq, r->finished_seq != 0);
	sqlite3_bind_int(st, COL_CONTAINMENT + 1, r->containment);
	bind_opt(st, COL_CPU_MS, (long long)r->usage.cpu_ms, r->usage.valid);
	bind_opt(st, COL_MAX_MEMORY, (long long)r->usage.max_memory_bytes,
		 r->usage.valid && r->usage.memory_known);
	if (r->run_user)
		sqlite3_bind_text(st, COL_RUN_USER + 1, r->run_user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, COL_RUN_UID + 1, r->run_uid);
	sqlite3_bind_int64(st, COL_RUN_GID + 1, r->run_gid);
	sqlite3_bind_int(st, COL_ISOLATION + 1, (int)r->isolation);
	if (r->cwd)
		sqlite3_bind_text(st, COL_CWD + 1, r->cwd, -1, SQLITE_STATIC);
	if (r->env_len)
		sqlite3_bind_blob(st, COL_ENV + 1, r->env, (int)r->env_len, SQLITE_STATIC);
	sqlite3_bind_int(st, COL_NETWORK + 1, r->network);
	bind_opt(st, COL_SLURM_ID, (long long)r->slurm_job_id, r->slurm_job_id != 0);
	if (r->slurm_node)
		sqlite3_bind_text(st, COL_SLURM_NODE + 1, r->slurm_node, -1, SQLITE_STATIC);
	if (r->slurm_partition)
		sqlite3_bind_text(st, COL_SLURM_PARTITION + 1, r->slurm_partition, -1,
				  SQLITE_STATIC);
	sqlite3_bind_int(st, COL_SLURM_CPUS + 1, (int)r->slurm_cpus);
	for (int i = 0; i < NLIMITS; i++)
		sqlite3_bind_int64(st, COL_LIMITS + i + 1, (sqlite3_int64)limit_get(&r->limits, i));
}

/* The record of the row st is on; its strings live until the statement moves on. */
static void row_record(sqlite3_stmt *st, struct job_record *r)
{
	memset(r, 0, sizeof *r);
	r->id = (uint64_t)sqlite3_column_int64(st, COL_ID);
	r->owner = (const char *)sqlite3_column_text(st, COL_OWNER);
	r->args = sqlite3_column_blob(st, COL_ARGS);
	r->args_len = (size_t)sqlite3_column_bytes(st, COL_ARGS);
	r->state = (enum job_state)sqlite3_column_int(st, COL_STATE);
	r->timeout_s = (long)sqlite3_column_int64(st, COL_TIMEOUT);
	r->created_ms = sqlite3_column_int64(st, COL_CREATED);
	r->started_ms = sqlite3_column_int64(st, COL_STARTED);
	r->finished_ms = sqlite3_column_int64(st, COL_FINISHED);
	r->pid = (pid_t)sqlite3_column_int(st, COL_PID);
	r->has_exit = sqlite3_column_type(st, COL_EXIT) != SQLITE_NULL;
	r->exit_code = sqlite3_column_int(st, COL_EXIT);
	r->signal = sqlite3_column_int(st, COL_SIGNAL);
	r->error = (const char *)sqlite3_column_text(st, COL_ERROR);
	r->output_bytes = (uint64_t)sqlite3_column_int64(st, COL_OUTPUT_BYTES);
	r->output_truncated = sqlite3_column_int(st, COL_TRUNCATED);
	r->output_dropped = (uint64_t)sqlite3_column_int64(st, COL_DROPPED);
	r->output_lost = (uint64_t)sqlite3_column_int64(st, COL_LOST);
	r->output_deleted = sqlite3_column_int(st, COL_DELETED);
	r->spool_bytes = (uint64_t)sqlite3_column_int64(st, COL_SPOOL_BYTES);
	r->finished_seq = (uint64_t)sqlite3_column_int64(st, COL_FINISHED_SEQ);
	r->containment = (enum containment)sqlite3_column_int(st, COL_CONTAINMENT);
	r->usage.valid = sqlite3_column_type(st, COL_CPU_MS) != SQLITE_NULL;
	r->usage.cpu_ms = (uint64_t)sqlite3_column_int64(st, COL_CPU_MS);
	r->usage.memory_known = sqlite3_column_type(st, COL_MAX_MEMORY) != SQLITE_NULL;
	r->usage.max_memory_bytes = (uint64_t)sqlite3_column_int64(st, COL_MAX_MEMORY);
	r->run_user = (const char *)sqlite3_column_text(st, COL_RUN_USER);
	r->run_uid = (uid_t)sqlite3_column_int64(st, COL_RUN_UID);
	r->run_gid = (gid_t)sqlite3_column_int64(st, COL_RUN_GID);
	r->isolation = (unsigned)sqlite3_column_int(st, COL_ISOLATION);
	r->cwd = (const char *)sqlite3_column_text(st, COL_CWD);
	r->env = sqlite3_column_blob(st, COL_ENV);
	r->env_len = (size_t)sqlite3_column_bytes(st, COL_ENV);
	r->network = sqlite3_column_int(st, COL_NETWORK);
	r->slurm_job_id = (uint64_t)sqlite3_column_int64(st, COL_SLURM_ID);
	r->slurm_node = (const char *)sqlite3_column_text(st, COL_SLURM_NODE);
	r->slurm_partition = (const char *)sqlite3_column_text(st, COL_SLURM_PARTITION);
	r->slurm_cpus = (unsigned)sqlite3_column_int(st, COL_SLURM_CPUS);
	for (int i = 0; i < NLIMITS; i++)
		limit_set(&r->limits, i, (uint64_t)sqlite3_column_int64(st, COL_LIMITS + i));
}

int store_put(struct store *s, const struct job_record *r)
{
	sqlite3_stmt *st = s->put;
	bind_record(st, r);
	if (r->state != JOB_RUNNING) {
		struct jw w;
		buf_reset(&s->json);
		jw_init(&w, &s->json);
		record_render(&w, r, NULL, 0);
		if (!buf_ok(&s->json)) {
			sqlite3_clear_bindings(st);
			errno = ENOMEM;
			return -1;
		}
		sqlite3_bind_text(st, COL_JSON + 1, buf_head(&s->json), (int)buf_used(&s->json),
				  SQLITE_STATIC);
	}
	return step_done(s, st);
}

int store_count_states(struct store *s, long counts[JOB_STATES])
{
	sqlite3_stmt *st = s->counts;
	int rc;
	memset(counts, 0, JOB_STATES * sizeof *counts);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int state = sqlite3_column_int(st, 0);
		if (state >= 0 && state < JOB_STATES)
			counts[state] = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sql_failed(s, "counts");
}

int store_put_output(struct store *s, uint64_t id, const struct iovec *parts, int nparts)
{
	sqlite3_stmt *st = s->put_output;
	sqlite3_blob *blob = NULL;
	size_t total = 0;
	for (int i = 0; i < nparts; i++)
		total += parts[i].iov_len;
	/* Room first, then the bytes straight into the database's pages: no copy of the output
	 * is ever made in between. */
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	sqlite3_bind_zeroblob64(st, 2, total);
	if (step_done(s, st) < 0)
		return -1;
	if (total == 0)
		return 0;
	if (sqlite3_blob_open(s->db, "main", "output", "data", (sqlite3_int64)id, 1, &blob) !=
	    SQLITE_OK)
		goto fail;
	int at = 0;
	for (int i = 0; i < nparts; i++) {
		if (sqlite3_blob_write(blob, parts[i].iov_base, (int)parts[i].iov_len, at) !=
		    SQLITE_OK)
			goto fail;
		at += (int)parts[i].iov_len;
	}
	sqlite3_blob_close(blob);
	return 0;
fail:
	sql_failed(s, "output");
	sqlite3_blob_close(blob);
	return -1;
}

/* Job id's kept output appended to out: as it is, or as a JSON string ("" without any). */
static int append_output(struct store *s, uint64_t id, struct buf *out, bool quoted)
{
	sqlite3_stmt *st = s->get_output;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	int rc = sqlite3_step(st);
	const void *p = rc == SQLITE_ROW ? sqlite3_column_blob(st, 0) : NULL;
	size_t n = rc == SQLITE_ROW ? (size_t)sqlite3_column_bytes(st, 0) : 0;
	if (quoted)
		json_quote(out, p ? p : "", n);
	else
		buf_append(out, p, n);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sql_failed(s, "output");
	if (!buf_ok(out)) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int store_get_output(struct store *s, uint64_t id, struct buf *out)
{
	return append_output(s, id, out, false);
}

int store_evict_oldest(struct store *s, uint64_t *id, uint64_t *spool_bytes, struct buf *owner,
		       struct buf *json)
{
	sqlite3_stmt *st = s->oldest_ended;
	int rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	*spool_bytes = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 1) : 0;
	if (rc == SQLITE_ROW) {
		buf_append(owner, sqlite3_column_text(st, 2), (size_t)sqlite3_column_bytes(st, 2));
		buf_putc(owner, '\0');
		buf_append(json, sqlite3_column_text(st, 3), (size_t)sqlite3_column_bytes(st, 3));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : sql_failed(s, "oldest");
	sqlite3_bind_int64(s->delete_job, 1, (sqlite3_int64)*id);
	sqlite3_bind_int64(s->delete_output, 1, (sqlite3_int64)*id);
	int a = step_done(s, s->delete_job), b = step_done(s, s->delete_output);
	return a < 0 || b < 0 ? -1 : 0;
}

int store_oldest_spooled(struct store *s, uint64_t *id, uint64_t *spool_bytes)
{
	sqlite3_stmt *st = s->oldest_spooled;
	int rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	*spool_bytes = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 1) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sql_failed(s, "oldest spooled");
}

int store_spool_deleted(struct store *s, uint64_t id)
{
	static const struct viewer any = {.admin = true};
	struct job_record r;
	struct jw w;
	if (get_row(s, id, &any) < 0)
		return -1;
	/* The job object anew, rendered while the row's strings are still the statement's. */
	row_record(s->get, &r);
	r.output_deleted = true;
	r.output_truncated = true;
	r.spool_bytes = 0;
	buf_reset(&s->json);
	jw_init(&w, &s->json);
	record_render(&w, &r, NULL, 0);
	sqlite3_reset(s->get);
	if (!buf_ok(&s->json)) {
		errno = ENOMEM;
		return -1;
	}
	sqlite3_stmt *st = s->mark_deleted;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	sqlite3_bind_text(st, 2, buf_head(&s->json), (int)buf_used(&s->json), SQLITE_STATIC);
	return step_done(s, st);
}

int store_output_bytes(struct store *s, uint64_t id, uint64_t *bytes)
{
	static const struct viewer any = {.admin = true};
	if (get_row(s, id, &any) < 0)
		return -1;
	*bytes = (uint64_t)sqlite3_column_int64(s->get, COL_OUTPUT_BYTES);
	sqlite3_reset(s->get);
	return 0;
}

int store_lookup(struct store *s, uint64_t id, const struct viewer *v)
{
	sqlite3_stmt *st = s->owner;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	int rc = sqlite3_step(st);
	bool found = rc == SQLITE_ROW && viewer_sees(v, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sql_failed(s, "lookup");
	if (!found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

/* The row of job id, when v may see it (st stays on it: reset it after use). */
static int get_row(struct store *s, uint64_t id, const struct viewer *v)
{
	sqlite3_stmt *st = s->get;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && viewer_sees(v, (const char *)sqlite3_column_text(st, COL_OWNER)))
		return 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sql_failed(s, "get");
	errno = ENOENT;
	return -1;
}

/* A row as the job object: its kept rendering, or the live one of a running job. */
static int put_row(struct store *s, sqlite3_stmt *st, int id_col, int json_col, struct buf *out)
{
	if (sqlite3_column_type(st, json_col) != SQLITE_NULL) {
		buf_append(out, sqlite3_column_text(st, json_col),
			   (size_t)sqlite3_column_bytes(st, json_col));
		return 0;
	}
	uint64_t id = (uint64_t)sqlite3_column_int64(st, id_col);
	if (!s->live || s->live(s->live_ctx, id, out) < 0) {
		log_error("job %llu is running, but not known as running", (unsigned long long)id);
		errno = EIO;
		return -1;
	}
	return 0;
}

int store_render(struct store *s, uint64_t id, const struct viewer *v, bool with_output,
		 struct buf *out)
{
	sqlite3_stmt *st = s->get;
	if (get_row(s, id, v) < 0)
		return -1;
	int rc = 0;
	if (!with_output || job_state_active((enum job_state)sqlite3_column_int(st, COL_STATE))) {
		rc = put_row(s, st, COL_ID, COL_JSON, out);
	} else {
		/* Its kept rendering with "output" added, which record_render writes last: the
		 * same bytes as rendering the record again, without doing so. */
		size_t n = (size_t)sqlite3_column_bytes(st, COL_JSON);
		buf_append(out, sqlite3_column_text(st, COL_JSON), n ? n - 1 : 0);
		buf_append(out, ",\"output\":", 10);
		rc = append_output(s, id, out, true);
		buf_putc(out, '}');
	}
	sqlite3_reset(st);
	if (rc == 0 && !buf_ok(out)) {
		errno = ENOMEM;
		rc = -1;
	}
	return rc;
}

int store_render_list(struct store *s, enum store_list which, const struct viewer *v,
		      struct buf *out)
{
	sqlite3_stmt *st = s->list[which][v->admin];
	struct jw w;
	int rc, bad = 0;

	if (!v->admin)
		sqlite3_bind_text(st, 1, v->user, -1, SQLITE_STATIC);
	jw_init(&w, out);
	jw_obj(&w);
	jw_key(&w, which == STORE_ACTIVE ? "jobs" : "logs");
	jw_arr(&w);
	while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		jw_raw(&w, "", 0); /* the separator */
		bad = put_row(s, st, 0, 1, out);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (bad)
		return -1;
	if (rc != SQLITE_DONE)
		return sql_failed(s, "list");
	if (!buf_ok(out)) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int store_get_spec(struct store *s, uint64_t id, const struct viewer *v, struct jobspec *spec)
{
	sqlite3_stmt *st = s->get;
	struct job_record r;
	if (get_row(s, id, v) < 0)
		return -1;
	row_record(st, &r);
	int rc = jobspec_from_args(r.args, r.args_len, r.timeout_s, &r.limits, spec);
	if (rc == 0 &&
	    jobspec_set_run(spec, r.cwd, r.env, r.env_len, (enum job_network)r.network) < 0) {
		jobspec_free(spec);
		rc = -1;
	}
	sqlite3_reset(st);
	return rc;
}
