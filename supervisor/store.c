/* store: jobs and finished output in SQLite; see store.h. */
#include "store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json.h"

/* Each row keeps what queries need (owner, whether active, the order of finishing) and the
 * job object as the API shows it, rendered whenever the record changes: a read then only
 * concatenates rows, however many it lists. */
static const char schema[] =
    "CREATE TABLE jobs ("
    " id INTEGER PRIMARY KEY,"
    " owner TEXT NOT NULL,"
    " active INTEGER NOT NULL,"
    " state INTEGER NOT NULL,"
    " finished_seq INTEGER,"
    " json TEXT NOT NULL);"
    "CREATE INDEX jobs_owner ON jobs(owner, id);"
    "CREATE INDEX jobs_finished ON jobs(finished_seq) WHERE finished_seq IS NOT NULL;"
    "CREATE TABLE output (job_id INTEGER PRIMARY KEY, data BLOB NOT NULL);";

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
	/* No rollback journal: the database lives and dies with the process, and a journal would
	 * copy every page a statement changes (a whole job's output, when it is evicted). Pages of
	 * 16 KiB hold output with a fifth of the per-page overhead of 4 KiB ones (measured: the
	 * full log takes 3 MiB less). */
	if (sqlite3_exec(s->db, "PRAGMA journal_mode = OFF; PRAGMA page_size = 16384", NULL, NULL,
			 NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	static const char *const list_sql[2][2] = {
	    [STORE_ACTIVE] = {"SELECT json FROM jobs WHERE active AND owner = ?1 ORDER BY id",
			      "SELECT json FROM jobs WHERE active ORDER BY id"},
	    [STORE_LOG] = {"SELECT json FROM jobs WHERE owner = ?1 ORDER BY id DESC",
			   "SELECT json FROM jobs ORDER BY id DESC"},
	};
	for (int w = 0; w < 2; w++)
		for (int a = 0; a < 2; a++)
			if (prepare(s, &s->list[w][a], list_sql[w][a]) < 0)
				goto fail;
	if (prepare(s, &s->insert,
		    "INSERT INTO jobs (id, owner, active, state, json) VALUES (?1, ?2, 1, 0, ?3)") <
		0 ||
	    prepare(s, &s->update,
		    "UPDATE jobs SET active = ?2, finished_seq = ?3, json = ?4, state = ?5"
		    " WHERE id = ?1") < 0 ||
	    prepare(s, &s->counts, "SELECT state, count(*) FROM jobs GROUP BY state") < 0 ||
	    prepare(s, &s->put_output, "INSERT OR REPLACE INTO output VALUES (?1, ?2)") < 0 ||
	    prepare(s, &s->get_output, "SELECT data FROM output WHERE job_id = ?1") < 0 ||
	    prepare(s, &s->get, "SELECT owner, active, json FROM jobs WHERE id = ?1") < 0 ||
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
	sqlite3_stmt **all[] = {
	    &s->insert,	    &s->update,	    &s->counts,		 &s->put_output, &s->get_output,
	    &s->get,	    &s->owner,	    &s->oldest_finished, &s->delete_job, &s->delete_output,
	    &s->list[0][0], &s->list[0][1], &s->list[1][0],	 &s->list[1][1]};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
		sqlite3_finalize(*all[i]);
		*all[i] = NULL;
	}
	sqlite3_close(s->db);
	s->db = NULL;
	buf_free(&s->json);
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

static void render_record(const struct job_record *r, struct jw *w);

/* The record's JSON, rendered into the store's scratch buffer; NULL when out of memory. */
static const char *json_of(struct store *s, const struct job_record *r, size_t *len)
{
	struct jw w;
	buf_reset(&s->json);
	jw_init(&w, &s->json);
	render_record(r, &w);
	*len = buf_used(&s->json);
	return buf_ok(&s->json) ? buf_head(&s->json) : NULL;
}

int store_insert(struct store *s, const struct job_record *r)
{
	sqlite3_stmt *st = s->insert;
	size_t len;
	const char *json = json_of(s, r, &len);
	if (!json)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->id);
	sqlite3_bind_text(st, 2, r->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, json, (int)len, SQLITE_STATIC);
	return step_done(s, st);
}

int store_update(struct store *s, const struct job_record *r)
{
	sqlite3_stmt *st = s->update;
	size_t len;
	const char *json = json_of(s, r, &len);
	if (!json)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->id);
	sqlite3_bind_int(st, 2, job_state_active(r->state));
	if (r->finished_seq)
		sqlite3_bind_int64(st, 3, (sqlite3_int64)r->finished_seq);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_text(st, 4, json, (int)len, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, r->state);
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
	return rc == SQLITE_DONE ? 0 : -1;
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
	fprintf(stderr, "jobsupd: sqlite: %s\n", sqlite3_errmsg(s->db));
	sqlite3_blob_close(blob);
	return -1;
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

/* Digits of v into p, right-aligned in width (zero-padded). */
static void put_digits(char *p, int width, long v)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
}

void format_time(int64_t ms, char dst[32])
{
	/* The civil date of a day count (H. Hinnant's days_from_civil, inverted), by hand:
	 * gmtime and strftime are slow, and every job carries three timestamps. */
	int64_t secs = ms / 1000, days = secs / 86400, rem = secs % 86400;
	int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
	int64_t year = yoe + era * 400 + (month <= 2);
	memcpy(dst, "0000-00-00T00:00:00.000Z", 25);
	put_digits(dst, 4, (long)year);
	put_digits(dst + 5, 2, (long)month);
	put_digits(dst + 8, 2, (long)day);
	put_digits(dst + 11, 2, (long)(rem / 3600));
	put_digits(dst + 14, 2, (long)(rem / 60 % 60));
	put_digits(dst + 17, 2, (long)(rem % 60));
	put_digits(dst + 20, 3, (long)(ms % 1000));
}

void format_signal(int sig, char dst[16])
{
	const char *name = sigabbrev_np(sig);
	if (name)
		snprintf(dst, 16, "SIG%s", name);
	else
		snprintf(dst, 16, "SIG%d", sig);
}

static void put_opt(struct jw *w, uint64_t v, bool present)
{
	if (present)
		jw_int(w, (long long)v);
	else
		jw_null(w);
}

static void put_time(struct jw *w, int64_t ms)
{
	char t[32];
	if (!ms) {
		jw_null(w);
		return;
	}
	format_time(ms, t);
	jw_bytes(w, t, 24);
}

static void render_record(const struct job_record *r, struct jw *w)
{
	char id[24], sig[16];

	jw_obj(w);
	snprintf(id, sizeof id, "%llu", (unsigned long long)r->id);
	jw_key(w, "id");
	jw_str(w, id);
	jw_key(w, "owner");
	jw_str(w, r->owner);
	jw_key(w, "command");
	jw_raw(w, r->command, strlen(r->command));
	jw_key(w, "state");
	jw_str(w, job_state_name(r->state));
	jw_key(w, "exit_code");
	put_opt(w, (uint64_t)r->exit_code, r->has_exit);
	jw_key(w, "signal");
	if (r->signal) {
		format_signal(r->signal, sig);
		jw_str(w, sig);
	} else {
		jw_null(w);
	}
	jw_key(w, "error");
	if (r->error)
		jw_str(w, r->error);
	else
		jw_null(w);
	jw_key(w, "pid");
	put_opt(w, (uint64_t)r->pid, r->pid != 0);
	jw_key(w, "timeout_s");
	jw_int(w, r->timeout_s);
	jw_key(w, "created_at");
	put_time(w, r->created_ms);
	jw_key(w, "started_at");
	put_time(w, r->started_ms);
	jw_key(w, "finished_at");
	put_time(w, r->finished_ms);
	jw_key(w, "output_bytes");
	jw_int(w, (long long)r->output_bytes);
	jw_key(w, "output_truncated");
	jw_bool(w, r->output_truncated);
	jw_key(w, "limits");
	jw_obj(w);
	for (int i = 0; i < NLIMITS; i++) {
		jw_key(w, limit_info[i].key);
		put_opt(w, limit_get(&r->limits, i), limit_get(&r->limits, i) != 0);
	}
	jw_obj_end(w);
	jw_key(w, "containment");
	jw_str(w, cg_mode_name(r->containment));
	jw_key(w, "usage");
	if (r->usage.valid) {
		jw_obj(w);
		jw_key(w, "cpu_ms");
		jw_int(w, (long long)r->usage.cpu_ms);
		jw_key(w, "max_memory_bytes");
		put_opt(w, r->usage.max_memory_bytes, r->usage.memory_known);
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
	jw_obj_end(w);
}

int store_render(struct store *s, uint64_t id, const struct viewer *v, bool with_output,
		 struct buf *out)
{
	sqlite3_stmt *st = s->get;
	int found = 0;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW &&
	    (v->admin || strcmp((const char *)sqlite3_column_text(st, 0), v->user) == 0)) {
		const char *json = (const char *)sqlite3_column_text(st, 2);
		size_t len = (size_t)sqlite3_column_bytes(st, 2);
		found = 1;
		if (!with_output || sqlite3_column_int(st, 1)) {
			buf_append(out, json, len);
		} else {
			/* The stored object, with "output" before its closing brace. */
			sqlite3_stmt *o = s->get_output;
			buf_append(out, json, len - 1);
			buf_puts(out, ",\"output\":");
			sqlite3_bind_int64(o, 1, (sqlite3_int64)id);
			if (sqlite3_step(o) == SQLITE_ROW)
				json_quote(out, sqlite3_column_blob(o, 0),
					   (size_t)sqlite3_column_bytes(o, 0));
			else
				buf_puts(out, "\"\"");
			sqlite3_reset(o);
			buf_putc(out, '}');
		}
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
		jw_raw(&w, (const char *)sqlite3_column_text(st, 0),
		       (size_t)sqlite3_column_bytes(st, 0));
	jw_arr_end(&w);
	jw_obj_end(&w);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE && buf_ok(out) ? 0 : -1;
}
