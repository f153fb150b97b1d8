/* service: the meaning of each request; see service.h. */
#include "service.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sup.h"

static void reply_internal(struct request *r)
{
	struct apierr e;
	apierr_set(&e, 500, "internal", "jobsupd could not read its job table");
	conn_reply_error(r, &e);
}

static void reply_not_found(struct request *r)
{
	struct apierr e;
	apierr_set(&e, 404, "not_found", "job %s not found", r->req.id);
	conn_reply_error(r, &e);
}

/* A store failure: ENOENT is "no such job (for this caller)", anything else ours. */
static void reply_store_error(struct request *r)
{
	if (errno == ENOENT)
		reply_not_found(r);
	else
		reply_internal(r);
}

/* Answer with job id as it is now; a 201 names the job it made. */
static void reply_job(struct request *r, uint64_t id, int status, bool with_output)
{
	char name[24];
	snprintf(name, sizeof name, "%llu", (unsigned long long)id);
	struct buf *out = conn_reply_open(r, PROTO_BODY_JSON, status == 201 ? name : NULL);
	if (store_render(&r->sup->store, id, &r->viewer, with_output, out) == 0) {
		conn_reply_close(r, status);
		return;
	}
	int e = errno;
	conn_reply_cancel(r);
	errno = e;
	reply_store_error(r);
}

/* The active job the request names, if the caller may see it. */
static struct job *visible_job(struct request *r)
{
	struct job *j = job_find(&r->sup->jobs, r->job_id);
	return j && job_visible(j, &r->viewer) ? j : NULL;
}

static void do_hello(struct request *r)
{
	const struct sup_config *cfg = &r->sup->cfg;
	struct buf *out = conn_reply_open(r, PROTO_BODY_JSON, NULL);
	struct jw w;

	jw_init(&w, out);
	jw_obj(&w);
	jw_key(&w, "version");
	jw_int(&w, PROTO_VERSION);
	jw_key(&w, "max_command_bytes");
	jw_int(&w, cfg->limits.max_command_bytes);
	jw_key(&w, "max_args");
	jw_int(&w, cfg->limits.max_args);
	jw_key(&w, "default_timeout_s");
	jw_int(&w, cfg->limits.default_timeout_s);
	jw_key(&w, "max_timeout_s");
	jw_int(&w, cfg->limits.max_timeout_s);
	jw_key(&w, "max_followers");
	jw_int(&w, cfg->max_followers);
	jw_key(&w, "executor");
	jw_str(&w, cfg->executor == EXEC_SLURM ? "slurm" : "local");
	jw_key(&w, "max_limits");
	jobspec_write_limits(&w, &cfg->limits.max);
	jw_key(&w, "default_limits");
	jobspec_write_limits(&w, &cfg->limits.deflt);
	jw_obj_end(&w);
	conn_reply_close(r, 200);
}

/* Submit spec as the caller and answer with the new job (201) or the refusal; an accepted one
 * is audited as a start, or as a restart of job from. */
static void submit(struct request *r, struct jobspec *spec, const char *from)
{
	struct apierr err;
	struct buf cmd = BUF_INIT;
	struct jw w;
	jw_init(&w, &cmd);
	jobspec_write_command(&w, spec);
	buf_putc(&cmd, '\0');
	uint64_t id = job_submit(&r->sup->jobs, r->req.user, spec, &err);
	if (id)
		log_audit(r->req.user, from ? "restart" : "start", "job=%llu%s%s command=%s",
			  (unsigned long long)id, from ? " from=" : "", from ? from : "",
			  buf_ok(&cmd) ? buf_head(&cmd) : "?");
	buf_free(&cmd);
	if (!id) {
		conn_reply_error(r, &err);
		return;
	}
	reply_job(r, id, 201, false);
}

static void answer_with_output(struct request *r)
{
	reply_job(r, r->job_id, 200, true);
}

static void do_get(struct request *r)
{
	struct job *j = visible_job(r);
	if (j && r->req.wait_s > 0) {
		conn_wait(r, j, loop_now() + r->req.wait_s * 1000, answer_with_output);
		return;
	}
	answer_with_output(r);
}

static void do_list(struct request *r, enum store_list which)
{
	struct buf *out = conn_reply_open(r, PROTO_BODY_JSON, NULL);
	if (store_render_list(&r->sup->store, which, &r->viewer, out) == 0) {
		conn_reply_close(r, 200);
		return;
	}
	conn_reply_cancel(r);
	reply_internal(r);
}

/* Answer with job j's spool (j NULL: an ended job's), when it has one: its files go to the
 * client, which reads them itself. False when there is none (the spool is off, it could not be
 * written, or it was deleted): then the output kept in memory answers. */
static bool answer_from_spool(struct request *r, struct job *j)
{
	int fds[2];
	struct apierr e;
	struct stat data, idx;
	struct spool *sp = &r->sup->spool;
	if (!sp->enabled)
		return false;
	/* A job's files are made at its first output; a follower's need them now. */
	if (j)
		spool_open(sp, r->job_id, &j->sp);
	if (spool_open_readers(sp, r->job_id, &fds[0], &fds[1]) < 0) {
		/* An ended job that never wrote a byte never had files: its output is empty,
		 * which /dev/null reads as. One that wrote, without files, lost them. */
		uint64_t bytes;
		if (j || errno != ENOENT ||
		    store_output_bytes(&r->sup->store, r->job_id, &bytes) < 0 || bytes > 0 ||
		    (fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
			return false;
		if ((fds[1] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
			close(fds[0]);
			return false;
		}
	}
	if (j && r->req.follow) {
		if (conn_follow(r, j, fds, &e) < 0) {
			close(fds[0]);
			close(fds[1]);
			conn_reply_error(r, &e);
		}
		return true;
	}
	struct proto_spool at = {0};
	if (j) {
		at.len = j->sp.len;
		at.idx_len = j->sp.idx_len;
	} else if (fstat(fds[0], &data) == 0 && fstat(fds[1], &idx) == 0) {
		/* An ended job's files are complete. */
		at = (struct proto_spool){(uint64_t)data.st_size, (uint64_t)idx.st_size, true};
	}
	conn_send_spool(r, fds, &at);
	return true;
}

static void do_output(struct request *r)
{
	struct store *store = &r->sup->store;
	struct job *j = visible_job(r);
	struct buf out = BUF_INIT;
	struct apierr e;

	if (!j && (!r->job_id || store_lookup(store, r->job_id, &r->viewer) < 0)) {
		if (!r->job_id)
			errno = ENOENT;
		reply_store_error(r);
		return;
	}
	if (answer_from_spool(r, j))
		return;
	if (j && r->req.follow) {
		if (conn_follow(r, j, NULL, &e) < 0)
			conn_reply_error(r, &e);
		return;
	}
	if (j) {
		ring_copy(j->ring, &out);
	} else if (store_get_output(store, r->job_id, &out) < 0) {
		buf_free(&out);
		reply_store_error(r);
		return;
	}
	if (buf_ok(&out)) {
		conn_send_output(r, buf_head(&out), buf_used(&out));
	} else {
		apierr_set(&e, 500, "internal", "jobsupd is out of memory");
		conn_reply_error(r, &e);
	}
	buf_free(&out);
}

static void answer_stopped(struct request *r)
{
	reply_job(r, r->job_id, 200, false);
}

static void do_stop(struct request *r)
{
	struct job *j = visible_job(r);
	int sig = r->req.signal ? r->req.signal : SIGTERM;
	if (j) {
		log_audit(r->req.user, "stop", "job=%s signal=SIG%s", r->req.id, sigabbrev_np(sig));
		conn_wait(r, j, 0, answer_stopped);
		job_stop(j, r->req.user, sig);
		return;
	}
	if (!r->job_id) {
		reply_not_found(r);
	} else if (store_lookup(&r->sup->store, r->job_id, &r->viewer) == 0) {
		struct apierr e;
		apierr_set(&e, 409, "not_active", "job %s has already ended", r->req.id);
		conn_reply_error(r, &e);
	} else {
		reply_store_error(r);
	}
}

/* Stop-all: the reply lists the jobs in id order once every one has ended. */

static void answer_all_stopped(struct request *r, struct waitset *ws)
{
	struct buf *out = conn_reply_open(r, PROTO_BODY_JSON, NULL);
	struct jw w;
	jw_init(&w, out);
	jw_obj(&w);
	jw_key(&w, "jobs");
	jw_arr(&w);
	waitset_render(ws, &w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	conn_reply_close(r, 200);
}

static int by_id(const void *a, const void *b)
{
	uint64_t x = (*(struct job *const *)a)->rec.id, y = (*(struct job *const *)b)->rec.id;
	return x < y ? -1 : x > y;
}

/* The caller's active jobs, by id (the caller frees the array); NULL when out of memory. */
static struct job **visible_jobs(struct request *r, size_t *n)
{
	struct jobs *js = &r->sup->jobs;
	struct job **all = calloc((size_t)(js->nrunning + js->nqueued) + 1, sizeof *all), *j;
	*n = 0;
	if (!all)
		return NULL;
	TAILQ_FOREACH(j, &js->running, qlink)
		if (job_visible(j, &r->viewer))
			all[(*n)++] = j;
	TAILQ_FOREACH(j, &js->queue, qlink)
		if (job_visible(j, &r->viewer))
			all[(*n)++] = j;
	qsort(all, *n, sizeof *all, by_id);
	return all;
}

static void audit_stopall(struct request *r, struct job *const *jobs, size_t n)
{
	struct buf ids = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_printf(&ids, "%s%llu", i ? "," : "", (unsigned long long)jobs[i]->rec.id);
	buf_putc(&ids, '\0');
	log_audit(r->req.user, "stop-all", "scope=%s jobs=[%s]", r->viewer.admin ? "all" : "own",
		  buf_ok(&ids) ? buf_head(&ids) : "?");
	buf_free(&ids);
}

static void do_stopall(struct request *r)
{
	size_t n;
	struct job **jobs = visible_jobs(r, &n);
	struct waitset *ws =
	    jobs ? waitset_new(jobs, n, &r->sup->store, &r->viewer, conn_waitset_done, r) : NULL;
	if (!ws) {
		free(jobs);
		reply_internal(r);
		return;
	}
	audit_stopall(r, jobs, n);
	conn_wait_all(r, ws, answer_all_stopped);
	/* A queued job ends at once when stopped; an ended job is freed only after this batch,
	 * so the pointers stay good. */
	for (size_t i = 0; i < n; i++)
		if (jobs[i]->phase != PHASE_ENDED)
			job_stop(jobs[i], r->req.user, 0);
	free(jobs);
	waitset_armed(ws);
}

/* Restart: a new job, the caller's, with the command, timeout and limits of the old one (which
 * stays in the log), held to today's bounds as a new job is. */
static void do_restart(struct request *r)
{
	struct jobspec spec;
	struct apierr err;
	if (!r->job_id) {
		reply_not_found(r);
		return;
	}
	if (store_get_spec(&r->sup->store, r->job_id, &r->viewer, &spec) < 0) {
		reply_store_error(r);
		return;
	}
	if (jobspec_check(&spec, &r->sup->cfg.limits, &err) < 0)
		conn_reply_error(r, &err);
	else
		submit(r, &spec, r->req.id);
	jobspec_free(&spec);
}

static void metrics_line(struct buf *out, const char *name, const char *type, const char *help,
			 unsigned long long v)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, v);
}

/* Prometheus' text format: what jobsupd knows (jobapi adds its request counts). */
static void do_metrics(struct request *r)
{
	struct sup *s = r->sup;
	long counts[JOB_STATES];
	struct apierr e;

	if (!r->viewer.admin) {
		apierr_set(&e, 403, "forbidden", "metrics are for admins");
		conn_reply_error(r, &e);
		return;
	}
	if (store_count_states(&s->store, counts) < 0) {
		reply_internal(r);
		return;
	}
	struct buf *out = conn_reply_open(r, PROTO_BODY_TEXT, NULL);
	buf_puts(out, "# HELP jobworker_jobs Job records kept (active and in the log), by state.\n"
		      "# TYPE jobworker_jobs gauge\n");
	for (int st = 0; st < JOB_STATES; st++)
		buf_printf(out, "jobworker_jobs{state=\"%s\"} %ld\n", job_state_name(st),
			   counts[st]);
	metrics_line(out, "jobworker_queue_length", "gauge", "Jobs waiting to run.",
		     (unsigned long long)s->jobs.nqueued);
	metrics_line(out, "jobworker_running", "gauge", "Jobs running.",
		     (unsigned long long)s->jobs.nrunning);
	metrics_line(out, "jobworker_spawned_total", "counter",
		     "Jobs started since jobsupd started.", s->jobs.spawned);
	metrics_line(out, "jobworker_spawn_failures_total", "counter", "Jobs that could not start.",
		     s->jobs.spawn_failures);
	metrics_line(out, "jobworker_output_bytes_total", "counter",
		     "Bytes of output captured from jobs.", s->jobs.output_bytes);
	metrics_line(out, "jobworker_followers", "gauge", "Clients following output.",
		     (unsigned long long)s->conns.nfollowers);
	metrics_line(out, "jobworker_supervisor_connections", "gauge",
		     "Connections from jobapi to jobsupd.", (unsigned long long)s->conns.n);
	conn_reply_close(r, 200);
}

static void do_events(struct request *r)
{
	struct apierr e;
	if (conn_watch_events(r, r->req.last_event_id, &e) < 0)
		conn_reply_error(r, &e);
}

void service_request(struct request *r)
{
	switch (r->req.type) {
	case PROTO_HELLO:
		do_hello(r);
		break;
	case PROTO_START:
		submit(r, &r->req.spec, NULL);
		break;
	case PROTO_GET:
		do_get(r);
		break;
	case PROTO_LIST:
		do_list(r, STORE_ACTIVE);
		break;
	case PROTO_LOGS:
		do_list(r, STORE_LOG);
		break;
	case PROTO_OUTPUT:
		do_output(r);
		break;
	case PROTO_STOP:
		do_stop(r);
		break;
	case PROTO_STOPALL:
		do_stopall(r);
		break;
	case PROTO_RESTART:
		do_restart(r);
		break;
	case PROTO_METRICS:
		do_metrics(r);
		break;
	case PROTO_EVENTS:
		do_events(r);
		break;
	default: {
		struct apierr e;
		apierr_set(&e, 400, "invalid_request", "unknown request type %d", r->req.type);
		conn_reply_error(r, &e);
	}
	}
}
