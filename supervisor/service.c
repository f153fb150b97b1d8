/*
 * service: what jobsupd does for each request of the protocol (PROTOCOL.md): decode and validate
 * it again, act through job.c, answer from the store. Replies that must wait (a stop, a wait, a
 * stop-all, a follow) are parked on the connection and finished by a jobwatch callback.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"

static void reply_internal(struct conn *c)
{
	struct apierr e;
	apierr_set(&e, 500, "internal", "jobsupd could not read its job table");
	conn_reply_error(c, &e);
}

static void reply_not_found(struct conn *c)
{
	struct apierr e;
	apierr_set(&e, 404, "not_found", "job %s not found", c->id);
	conn_reply_error(c, &e);
}

/* Answer with job id as the store has it now. */
static void reply_job(struct conn *c, uint64_t id, int status, bool with_output)
{
	struct sup *s = c->sup;

	job_sync_stats(s);
	struct buf *out = conn_reply_open(c);
	int rc = id ? store_render(&s->store, id, &c->viewer, with_output, out) : 0;
	if (rc == 1) {
		conn_reply_close(c, status);
		return;
	}
	conn_reply_cancel(c);
	if (rc == 0)
		reply_not_found(c);
	else
		reply_internal(c);
}

/* The active job the request names, if the caller may see it. */
static struct job *visible_job(struct conn *c)
{
	struct job *j = job_find(c->sup, c->job_id);
	return j && job_visible(j, &c->viewer) ? j : NULL;
}

static void do_hello(struct conn *c)
{
	const struct sup_config *cfg = &c->sup->cfg;
	struct buf body = BUF_INIT;
	struct jw w;

	jw_init(&w, &body);
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
	jw_key(&w, "max_limits");
	jobspec_write_limits(&w, &cfg->limits.max);
	jw_key(&w, "default_limits");
	jobspec_write_limits(&w, &cfg->limits.deflt);
	jw_obj_end(&w);
	conn_reply(c, 200, &body);
	buf_free(&body);
}

/* Submit spec as c's user and answer with the new job (201) or the refusal; an accepted one is
 * audited as a start, or as a restart of job from. */
static void submit(struct conn *c, struct jobspec *spec, const char *from)
{
	struct apierr err;
	struct buf cmd = BUF_INIT;
	struct jw w;
	jw_init(&w, &cmd);
	jobspec_write_command(&w, spec);
	buf_putc(&cmd, '\0');
	uint64_t id = job_submit(c->sup, c->user, spec, &err);
	if (id)
		log_audit(c->user, from ? "restart" : "start", "job=%llu%s%s command=%s",
			  (unsigned long long)id, from ? " from=" : "", from ? from : "",
			  buf_ok(&cmd) ? buf_head(&cmd) : "?");
	buf_free(&cmd);
	if (!id) {
		conn_reply_error(c, &err);
		return;
	}
	reply_job(c, id, 201, false);
}

static void do_start(struct conn *c, struct proto_req *req)
{
	submit(c, &req->spec, NULL);
}

static void on_wait_end(struct jobwatch *w, struct job *j, enum job_event ev)
{
	struct conn *c = container_of(w, struct conn, watch);
	(void)j;
	(void)ev;
	loop_timer_cancel(&c->sup->loop, &c->wait_over);
	reply_job(c, c->job_id, 200, true);
}

static void on_wait_over(struct timer *t)
{
	struct conn *c = container_of(t, struct conn, wait_over);
	job_unwatch(&c->watch);
	reply_job(c, c->job_id, 200, true);
}

static void do_get(struct conn *c, const struct proto_req *req)
{
	struct job *j = visible_job(c);
	if (j && req->wait_s > 0) {
		c->pending = PEND_WAIT;
		c->watch.fn = on_wait_end;
		job_watch_end(j, &c->watch);
		loop_timer_at(&c->sup->loop, &c->wait_over, loop_now() + req->wait_s * 1000,
			      on_wait_over);
		return;
	}
	reply_job(c, c->job_id, 200, true);
}

static void do_list(struct conn *c, enum store_list which)
{
	job_sync_stats(c->sup);
	struct buf *out = conn_reply_open(c);
	if (store_render_list(&c->sup->store, which, &c->viewer, out) == 0) {
		conn_reply_close(c, 200);
		return;
	}
	conn_reply_cancel(c);
	reply_internal(c);
}

static void do_output(struct conn *c, const struct proto_req *req)
{
	struct sup *s = c->sup;
	struct job *j = visible_job(c);
	struct buf out = BUF_INIT;

	if (j && req->follow) {
		if (s->nfollowers >= s->cfg.max_followers) {
			struct apierr e;
			apierr_set(&e, 503, "unavailable",
				   "too many clients are following output (%ld, --max-followers); "
				   "try again later",
				   s->cfg.max_followers);
			conn_reply_error(c, &e);
			return;
		}
		conn_follow(c, j);
		return;
	}
	if (j) {
		ring_copy(j->ring, &out);
	} else {
		int visible = c->job_id ? store_visible(&s->store, c->job_id, &c->viewer) : 0;
		if (visible <= 0) {
			visible < 0 ? reply_internal(c) : reply_not_found(c);
			return;
		}
		if (store_get_output(&s->store, c->job_id, &out) < 0) {
			buf_free(&out);
			reply_internal(c);
			return;
		}
	}
	if (buf_ok(&out)) {
		conn_send_output(c, buf_head(&out), buf_used(&out));
	} else {
		struct apierr e;
		apierr_set(&e, 500, "internal", "jobsupd is out of memory");
		conn_reply_error(c, &e);
	}
	buf_free(&out);
}

static void on_stop_end(struct jobwatch *w, struct job *j, enum job_event ev)
{
	struct conn *c = container_of(w, struct conn, watch);
	(void)j;
	(void)ev;
	reply_job(c, c->job_id, 200, false);
}

static void do_stop(struct conn *c, const struct proto_req *req)
{
	struct sup *s = c->sup;
	struct job *j = visible_job(c);
	if (j) {
		log_audit(c->user, "stop", "job=%s signal=SIG%s", c->id,
			  sigabbrev_np(req->signal ? req->signal : SIGTERM));
		c->pending = PEND_STOP;
		c->watch.fn = on_stop_end;
		job_watch_end(j, &c->watch);
		job_stop(j, END_STOP, c->user, req->signal);
		return;
	}
	int visible = c->job_id ? store_visible(&s->store, c->job_id, &c->viewer) : 0;
	if (visible > 0) {
		struct apierr e;
		apierr_set(&e, 409, "not_active", "job %s has already ended", c->id);
		conn_reply_error(c, &e);
	} else {
		visible < 0 ? reply_internal(c) : reply_not_found(c);
	}
}

/* Stop-all: one slot per job; the reply lists them in id order once every one has ended. */

static void stopall_finish(struct conn *c)
{
	struct buf body = BUF_INIT;
	struct jw w;

	jw_init(&w, &body);
	jw_obj(&w);
	jw_key(&w, "jobs");
	jw_arr(&w);
	for (size_t i = 0; i < c->nslots; i++)
		if (buf_used(&c->slots[i].json) > 0)
			jw_raw(&w, buf_head(&c->slots[i].json), buf_used(&c->slots[i].json));
	jw_arr_end(&w);
	jw_obj_end(&w);
	conn_cancel_pending(c);
	conn_reply(c, 200, &body);
	buf_free(&body);
}

static void on_stopall_end(struct jobwatch *w, struct job *j, enum job_event ev)
{
	struct stopall_slot *slot = container_of(w, struct stopall_slot, watch);
	struct conn *c = slot->conn;
	(void)j;
	(void)ev;
	slot->ended = true;
	store_render(&c->sup->store, slot->id, &c->viewer, false, &slot->json);
	if (--c->left == 0 && !c->arming)
		stopall_finish(c);
}

static int by_id(const void *a, const void *b)
{
	uint64_t x = (*(struct job *const *)a)->rec.id, y = (*(struct job *const *)b)->rec.id;
	return x < y ? -1 : x > y;
}

static void do_stopall(struct conn *c)
{
	struct sup *s = c->sup;
	size_t n = 0, cap = (size_t)(s->nrunning + s->nqueued);
	struct job **jobs = calloc(cap ? cap : 1, sizeof *jobs);
	struct job *j;

	if (!jobs) {
		reply_internal(c);
		return;
	}
	TAILQ_FOREACH(j, &s->running, qlink)
		if (job_visible(j, &c->viewer))
			jobs[n++] = j;
	TAILQ_FOREACH(j, &s->queue, qlink)
		if (job_visible(j, &c->viewer))
			jobs[n++] = j;
	qsort(jobs, n, sizeof *jobs, by_id);

	c->slots = calloc(n ? n : 1, sizeof *c->slots);
	if (!c->slots) {
		free(jobs);
		reply_internal(c);
		return;
	}
	struct buf ids = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_printf(&ids, "%s%llu", i ? "," : "", (unsigned long long)jobs[i]->rec.id);
	buf_putc(&ids, '\0');
	log_audit(c->user, "stop-all", "scope=%s jobs=[%s]", c->viewer.admin ? "all" : "own",
		  buf_ok(&ids) ? buf_head(&ids) : "?");
	buf_free(&ids);
	c->pending = PEND_STOPALL;
	c->nslots = c->left = n;
	c->arming = true;
	for (size_t i = 0; i < n; i++) {
		c->slots[i].conn = c;
		c->slots[i].id = jobs[i]->rec.id;
		c->slots[i].watch.fn = on_stopall_end;
		job_watch_end(jobs[i], &c->slots[i].watch);
	}
	for (size_t i = 0; i < n; i++)
		if (!c->slots[i].ended)
			job_stop(jobs[i], END_STOP, c->user, 0);
	free(jobs);
	c->arming = false;
	if (c->left == 0)
		stopall_finish(c);
}

/* Restart: a new job, the caller's, with the command, timeout and limits of the old one (which
 * stays in the log). They are read back from the old job's record and validated again, against
 * today's limits. */
static void do_restart(struct conn *c)
{
	struct sup *s = c->sup;
	struct buf old = BUF_INIT;
	struct apierr err;
	struct jobspec spec;

	int rc = c->job_id ? store_render(&s->store, c->job_id, &c->viewer, false, &old) : 0;
	if (rc <= 0) {
		buf_free(&old);
		rc < 0 ? reply_internal(c) : reply_not_found(c);
		return;
	}
	cJSON *job = cJSON_ParseWithLength(buf_head(&old), buf_used(&old));
	buf_free(&old);
	cJSON *ask = cJSON_CreateObject();
	cJSON_AddItemReferenceToObject(ask, "command", cJSON_GetObjectItem(job, "command"));
	cJSON_AddItemReferenceToObject(ask, "timeout_s", cJSON_GetObjectItem(job, "timeout_s"));
	cJSON *limits = cJSON_AddObjectToObject(ask, "limits");
	const cJSON *l;
	cJSON_ArrayForEach(l, cJSON_GetObjectItem(job, "limits"))
		if (cJSON_IsNumber(l))
			cJSON_AddNumberToObject(limits, l->string, l->valuedouble);
	rc = jobspec_from_json(ask, &s->cfg.limits, &spec, &err);
	cJSON_Delete(ask);
	cJSON_Delete(job);
	if (rc < 0) {
		conn_reply_error(c, &err);
		return;
	}
	submit(c, &spec, c->id);
	jobspec_free(&spec);
}

/* Prometheus' text format: what jobsupd knows (jobapi adds its request counts). */
static void do_metrics(struct conn *c)
{
	struct sup *s = c->sup;
	long counts[JOB_STATES];
	struct apierr e;

	if (!c->viewer.admin) {
		apierr_set(&e, 403, "forbidden", "metrics are for admins");
		conn_reply_error(c, &e);
		return;
	}
	if (store_count_states(&s->store, counts) < 0) {
		reply_internal(c);
		return;
	}
	struct buf *out = conn_reply_open(c);
	buf_puts(out, "# HELP jobworker_jobs Job records kept (active and in the log), by state.\n"
		      "# TYPE jobworker_jobs gauge\n");
	for (int st = 0; st < JOB_STATES; st++)
		buf_printf(out, "jobworker_jobs{state=\"%s\"} %ld\n", job_state_name(st),
			   counts[st]);
	buf_printf(
	    out,
	    "# HELP jobworker_queue_length Jobs waiting to run.\n"
	    "# TYPE jobworker_queue_length gauge\njobworker_queue_length %ld\n"
	    "# HELP jobworker_running Jobs running.\n"
	    "# TYPE jobworker_running gauge\njobworker_running %ld\n"
	    "# HELP jobworker_spawned_total Jobs started since jobsupd started.\n"
	    "# TYPE jobworker_spawned_total counter\njobworker_spawned_total %llu\n"
	    "# HELP jobworker_spawn_failures_total Jobs that could not start.\n"
	    "# TYPE jobworker_spawn_failures_total counter\njobworker_spawn_failures_total %llu\n"
	    "# HELP jobworker_output_bytes_total Bytes of output captured from jobs.\n"
	    "# TYPE jobworker_output_bytes_total counter\njobworker_output_bytes_total %llu\n"
	    "# HELP jobworker_followers Clients following output.\n"
	    "# TYPE jobworker_followers gauge\njobworker_followers %ld\n"
	    "# HELP jobworker_supervisor_connections Connections from jobapi to jobsupd.\n"
	    "# TYPE jobworker_supervisor_connections gauge\n"
	    "jobworker_supervisor_connections %ld\n",
	    s->nqueued, s->nrunning, (unsigned long long)s->spawned,
	    (unsigned long long)s->spawn_failures, (unsigned long long)s->output_bytes,
	    s->nfollowers, s->nconns);
	conn_reply_close(c, 200);
}

void service_request(struct conn *c, uint8_t type, const char *payload, size_t len)
{
	struct proto_req req;
	struct apierr err;

	if (proto_req_decode(type, payload, len, &c->sup->cfg.limits, &req, &err) < 0) {
		conn_reply_error(c, &err);
		return;
	}
	memcpy(c->user, req.user, sizeof c->user);
	memcpy(c->id, req.id, sizeof c->id);
	c->viewer.user = c->user;
	c->viewer.admin = req.admin;
	c->job_id = job_parse_id(req.id);

	switch (req.type) {
	case PROTO_HELLO:
		do_hello(c);
		break;
	case PROTO_START:
		do_start(c, &req);
		break;
	case PROTO_GET:
		do_get(c, &req);
		break;
	case PROTO_LIST:
		do_list(c, STORE_ACTIVE);
		break;
	case PROTO_LOGS:
		do_list(c, STORE_LOG);
		break;
	case PROTO_OUTPUT:
		do_output(c, &req);
		break;
	case PROTO_STOP:
		do_stop(c, &req);
		break;
	case PROTO_STOPALL:
		do_stopall(c);
		break;
	case PROTO_RESTART:
		do_restart(c);
		break;
	case PROTO_METRICS:
		do_metrics(c);
		break;
	default:
		break;
	}
	proto_req_free(&req);
}
