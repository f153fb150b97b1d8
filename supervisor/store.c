/* store: jobs and finished output in SQLite; see store.h. */
#include "store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"

static const char schema[] =
	"CREATE TABLE jobs ("
	" id INTEGER PRIMARY KEY,"
	" owner TEXT NOT NULL,"
	" command TEXT NOT NULL,"
	" state INTEGER NOT NULL,"
	" timeout_s INTEGER NOT NULL,"
	" created_ms INTEGER NOT NULL,"
	" started_ms INTEGER,"
	" finished_ms INTEGER,"
	" pid INTEGER,"
	" exit_code INTEGER,"
	" signal INTEGER,"
	" error TEXT,"
	" output_bytes INTEGER NOT NULL DEFAULT 0,"
	" output_truncated INTEGER NOT NULL DEFAULT 0,"
	" finished_seq INTEGER,"
	" limit_memory INTEGER, limit_cpu INTEGER, limit_pids INTEGER, limit_io INTEGER,"
	" containment INTEGER NOT NULL,"
	" cpu_ms INTEGER, max_memory INTEGER);"
	"CREATE INDEX jobs_owner ON jobs(owner, id);"
	"CREATE INDEX jobs_finished ON jobs(finished_seq) WHERE finished_seq IS NOT NULL;"
	"CREATE TABLE output (job_id INTEGER PRIMARY KEY, data BLOB NOT NULL);";

#define COLUMNS                                                                                  \
	"id, owner, command, state, exit_code, signal, error, pid, timeout_s, created_ms,"         \
	" started_ms, finished_ms, output_bytes, output_truncated, limit_memory, limit_cpu,"        \
	" limit_pids, limit_io, containment, cpu_ms, max_memory"

static const char *const state_names[] = {
	[JOB_QUEUED] = "queued",   [JOB_RUNNING] = "running", [JOB_SUCCEEDED] = "succeeded",
	[JOB_FAILED] = "failed",   [JOB_STOPPED] = "stopped", [JOB_TIMED_OUT] = "timed_out",
};

const char *job_state_name(enum job_state s)
{
	return (unsigned)s < sizeof state_names / sizeof *state_names ? state_names[s] : "unknown";
}

static int prepare(struct store *s, sqlite3_stmt **st, const char *sql)
{
	return sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK
		       ? 0
		       : -1;
}

int store_open(struct store *s)
{
	memset(s, 0, sizeof *s);
	if (sqlite3_open_v2(":memory:", &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	static const char *const list_sql[2][2] = {
		[STORE_ACTIVE] = {"SELECT " COLUMNS " FROM jobs WHERE state <= 1 AND owner = ?1"
				  " ORDER BY id",
				  "SELECT " COLUMNS " FROM jobs WHERE state <= 1 ORDER BY id"},
		[STORE_LOG] = {"SELECT " COLUMNS " FROM jobs WHERE owner = ?1 ORDER BY id DESC",
			       "SELECT " COLUMNS " FROM jobs ORDER BY id DESC"},
	};
	for (int w = 0; w < 2; w++)
		for (int a = 0; a < 2; a++)
			if (prepare(s, &s->list[w][a], list_sql[w][a]) < 0)
				goto fail;
	if (prepare(s, &s->insert,
		    "INSERT INTO jobs (id, owner, command, state, timeout_s, created_ms,"
		    " limit_memory, limit_cpu, limit_pids, limit_io, containment)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)") < 0 ||
	    prepare(s, &s->update,
		    "UPDATE jobs SET state = ?2, started_ms = ?3, finished_ms = ?4, pid = ?5,"
		    " exit_code = ?6, signal = ?7, error = ?8, output_bytes = ?9,"
		    " output_truncated = ?10, finished_seq = ?11, cpu_ms = ?12, max_memory = ?13"
		    " WHERE id = ?1") < 0 ||
	    prepare(s, &s->stats,
		    "UPDATE jobs SET output_bytes = ?2, output_truncated = ?3, cpu_ms = ?4,"
		    " max_memory = ?5 WHERE id = ?1") < 0 ||
	    prepare(s, &s->put_output, "INSERT OR REPLACE INTO output VALUES (?1, ?2)") < 0 ||
	    prepare(s, &s->get_output, "SELECT data FROM output WHERE job_id = ?1") < 0 ||
	    prepare(s, &s->get, "SELECT " COLUMNS " FROM jobs WHERE id = ?1") < 0 ||
	    prepare(s, &s->owner, "SELECT owner FROM jobs WHERE id = ?1") < 0 ||
	    prepare(s, &s->oldest_finished,
		    "SELECT id FROM jobs WHERE finished_seq IS NOT NULL"
		    " ORDER BY finished_seq LIMIT 1") < 0 ||
	    prepare(s, &s->delete_job, "DELETE FROM jobs WHERE id = ?1") < 0 ||
	    prepare(s, &s->delete_output, "DELETE FROM output WHERE job_id = ?1") < 0)
		goto fail;
	return 0;
fail:
	if (s->db)
		fprintf(stderr, "jobsupd: sqlite: %s\n", sqlite3_errmsg(s->db));
	store_close(s);
	return -1;
}

void store_close(struct store *s)
{
	sqlite3_stmt **all[] = {&s->insert,	    &s->update,		 &s->stats,
				&s->put_output,	    &s->get_output,	 &s->get,
				&s->owner,	    &s->oldest_finished, &s->delete_job,
				&s->delete_output,  &s->list[0][0],	 &s->list[0][1],
				&s->list[1][0],	    &s->list[1][1]};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
		sqlite3_finalize(*all[i]);
		*all[i] = NULL;
	}
	sqlite3_close(s->db);
	s->db = NULL;
}

/* Run a statement that returns no rows, then make it ready for reuse. */
static int step_done(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "jobsupd: sqlite: %s\n", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

static void bind_opt_int(sqlite3_stmt *st, int i, int64_t v, bool present)
{
	if (present)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

int store_insert(struct store *s, const struct job_record *r)
{
	sqlite3_stmt *st = s->insert;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->id);
	sqlite3_bind_text(st, 2, r->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->command, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, r->state);
	sqlite3_bind_int64(st, 5, r->timeout_s);
	sqlite3_bind_int64(st, 6, r->created_ms);
	bind_opt_int(st, 7, (int64_t)r->limits.memory_bytes, r->limits.memory_bytes != 0);
	bind_opt_int(st, 8, (int64_t)r->limits.cpu_percent, r->limits.cpu_percent != 0);
	bind_opt_int(st, 9, (int64_t)r->limits.pids, r->limits.pids != 0);
	bind_opt_int(st, 10, (int64_t)r->limits.io_bytes_per_s, r->limits.io_bytes_per_s != 0);
	sqlite3_bind_int(st, 11, r->containment);
	return step_done(s, st);
}

int store_update(struct store *s, const struct job_record *r)
{
	sqlite3_stmt *st = s->update;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->id);
	sqlite3_bind_int(st, 2, r->state);
	bind_opt_int(st, 3, r->started_ms, r->started_ms != 0);
	bind_opt_int(st, 4, r->finished_ms, r->finished_ms != 0);
	bind_opt_int(st, 5, r->pid, r->pid != 0);
	bind_opt_int(st, 6, r->exit_code, r->has_exit);
	bind_opt_int(st, 7, r->signal, r->signal != 0);
	if (r->error)
		sqlite3_bind_text(st, 8, r->error, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)r->output_bytes);
	sqlite3_bind_int(st, 10, r->output_truncated);
	bind_opt_int(st, 11, (int64_t)r->finished_seq, r->finished_seq != 0);
	bind_opt_int(st, 12, (int64_t)r->usage.cpu_ms, r->usage.valid);
	bind_opt_int(st, 13, (int64_t)r->usage.max_memory_bytes, r->usage.memory_known);
	return step_done(s, st);
}

int store_update_stats(struct store *s, uint64_t id, uint64_t bytes, bool truncated,
		       const struct cg_usage *usage)
{
	sqlite3_stmt *st = s->stats;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)bytes);
	sqlite3_bind_int(st, 3, truncated);
	bind_opt_int(st, 4, (int64_t)usage->cpu_ms, usage->valid);
	bind_opt_int(st, 5, (int64_t)usage->max_memory_bytes, usage->memory_known);
	return step_done(s, st);
}

int store_put_output(struct store *s, uint64_t id, const void *data, size_t len)
{
	sqlite3_stmt *st = s->put_output;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	sqlite3_bind_blob64(st, 2, len ? data : "", len, SQLITE_STATIC);
	return step_done(s, st);
}

int store_get_output(struct store *s, uint64_t id, struct buf *out)
{
	sqlite3_stmt *st = s->get_output;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		buf_append(out, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int store_evict_oldest(struct store *s)
{
	sqlite3_stmt *st = s->oldest_finished;
	int rc = sqlite3_step(st);
	sqlite3_int64 id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : -1;
	sqlite3_bind_int64(s->delete_job, 1, id);
	sqlite3_bind_int64(s->delete_output, 1, id);
	return step_done(s, s->delete_job) | step_done(s, s->delete_output);
}

int store_visible(struct store *s, uint64_t id, const struct viewer *v)
{
	sqlite3_stmt *st = s->owner;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	int rc = sqlite3_step(st);
	int visible = rc == SQLITE_ROW &&
		      (v->admin || strcmp((const char *)sqlite3_column_text(st, 0), v->user) == 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? visible : -1;
}

void format_time(int64_t ms, char dst[32])
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	size_t n = strftime(dst, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(dst + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

void format_signal(int sig, char dst[16])
{
	const char *name = sigabbrev_np(sig);
	if (name)
		snprintf(dst, 16, "SIG%s", name);
	else
		snprintf(dst, 16, "SIG%d", sig);
}

static void put_opt_int(struct jw *w, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		jw_null(w);
	else
		jw_int(w, sqlite3_column_int64(st, col));
}

static void put_opt_time(struct jw *w, sqlite3_stmt *st, int col)
{
	char t[32];
	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		jw_null(w);
		return;
	}
	format_time(sqlite3_column_int64(st, col), t);
	jw_str(w, t);
}

/* Render the row st points at (columns in COLUMNS order). */
static void render_row(struct store *s, sqlite3_stmt *st, bool with_output, struct jw *w)
{
	char id[24], sig[16];
	int state = sqlite3_column_int(st, 3);

	jw_obj(w);
	snprintf(id, sizeof id, "%lld", (long long)sqlite3_column_int64(st, 0));
	jw_key(w, "id");
	jw_str(w, id);
	jw_key(w, "owner");
	jw_bytes(w, sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1));
	jw_key(w, "command");
	jw_raw(w, (const char *)sqlite3_column_text(st, 2), (size_t)sqlite3_column_bytes(st, 2));
	jw_key(w, "state");
	jw_str(w, job_state_name(state));
	jw_key(w, "exit_code");
	put_opt_int(w, st, 4);
	jw_key(w, "signal");
	if (sqlite3_column_type(st, 5) == SQLITE_NULL) {
		jw_null(w);
	} else {
		format_signal(sqlite3_column_int(st, 5), sig);
		jw_str(w, sig);
	}
	jw_key(w, "error");
	if (sqlite3_column_type(st, 6) == SQLITE_NULL)
		jw_null(w);
	else
		jw_bytes(w, sqlite3_column_text(st, 6), (size_t)sqlite3_column_bytes(st, 6));
	jw_key(w, "pid");
	put_opt_int(w, st, 7);
	jw_key(w, "timeout_s");
	jw_int(w, sqlite3_column_int64(st, 8));
	jw_key(w, "created_at");
	put_opt_time(w, st, 9);
	jw_key(w, "started_at");
	put_opt_time(w, st, 10);
	jw_key(w, "finished_at");
	put_opt_time(w, st, 11);
	jw_key(w, "output_bytes");
	jw_int(w, sqlite3_column_int64(st, 12));
	jw_key(w, "output_truncated");
	jw_bool(w, sqlite3_column_int(st, 13) != 0);
	jw_key(w, "limits");
	jw_obj(w);
	static const char *const limit_keys[] = {"memory_bytes", "cpu_percent", "pids",
						 "io_bytes_per_s"};
	for (int i = 0; i < 4; i++) {
		jw_key(w, limit_keys[i]);
		put_opt_int(w, st, 14 + i);
	}
	jw_obj_end(w);
	jw_key(w, "containment");
	jw_str(w, cg_mode_name(sqlite3_column_int(st, 18)));
	jw_key(w, "usage");
	if (sqlite3_column_type(st, 19) == SQLITE_NULL) {
		jw_null(w);
	} else {
		jw_obj(w);
		jw_key(w, "cpu_ms");
		jw_int(w, sqlite3_column_int64(st, 19));
		jw_key(w, "max_memory_bytes");
		put_opt_int(w, st, 20);
		jw_obj_end(w);
	}
	if (with_output && !JOB_STATE_ACTIVE(state)) {
		sqlite3_stmt *o = s->get_output;
		sqlite3_bind_int64(o, 1, sqlite3_column_int64(st, 0));
		jw_key(w, "output");
		if (sqlite3_step(o) == SQLITE_ROW)
			jw_bytes(w, sqlite3_column_blob(o, 0), (size_t)sqlite3_column_bytes(o, 0));
		else
			jw_str(w, "");
		sqlite3_reset(o);
	}
	jw_obj_end(w);
}

static bool row_visible(sqlite3_stmt *st, const struct viewer *v)
{
	return v->admin || strcmp((const char *)sqlite3_column_text(st, 1), v->user) == 0;
}

int store_render(struct store *s, uint64_t id, const struct viewer *v, bool with_output,
		 struct buf *out)
{
	sqlite3_stmt *st = s->get;
	struct jw w;
	int found = 0;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && row_visible(st, v)) {
		jw_init(&w, out);
		render_row(s, st, with_output, &w);
		found = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return buf_ok(out) ? found : -1;
}

int store_render_list(struct store *s, enum store_list which, const struct viewer *v,
		      struct buf *out)
{
	sqlite3_stmt *st = s->list[which][v->admin];
	struct jw w;
	int rc;

	if (!v->admin)
		sqlite3_bind_text(st, 1, v->user, -1, SQLITE_STATIC);
	jw_init(&w, out);
	jw_obj(&w);
	jw_key(&w, which == STORE_ACTIVE ? "jobs" : "logs");
	jw_arr(&w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		render_row(s, st, false, &w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE && buf_ok(out) ? 0 : -1;
}
