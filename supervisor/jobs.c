/*
 * jobs: the registry of active jobs (struct jobs): the id table, the FIFO queue and the running
 * list, the counters, submitting, the scheduler and the log cap, and the watchers of a job.
 * Part of the job module (job.h): a job's phase changes only in job.c's table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jobpriv.h"
#include "log.h"

/* The id table */

static struct job **table_slot(struct jobs *js, uint64_t id)
{
	return &js->table[id & (js->table_size - 1)];
}

struct job *job_find(struct jobs *js, uint64_t id)
{
	for (struct job *j = *table_slot(js, id); j; j = j->hnext)
		if (j->rec.id == id)
			return j;
	return NULL;
}

void jobs_forget(struct job *j)
{
	for (struct job **p = table_slot(j->jobs, j->rec.id); *p; p = &(*p)->hnext) {
		if (*p == j) {
			*p = j->hnext;
			return;
		}
	}
}

bool job_visible(const struct job *j, const struct viewer *v)
{
	return viewer_sees(v, j->owner);
}

uint64_t job_parse_id(const char *s)
{
	uint64_t v = 0;
	size_t n = strlen(s);
	if (n == 0 || n > 19 || s[0] == '0')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return v;
}

/* Watchers */

void job_watch_end(struct job *j, struct jobwatch *w)
{
	LIST_INSERT_HEAD(&j->waiters, w, link);
	w->linked = true;
}

void job_follow(struct job *j, struct jobwatch *w)
{
	LIST_INSERT_HEAD(&j->followers, w, link);
	w->linked = true;
}

void job_unwatch(struct jobwatch *w)
{
	if (!w->linked)
		return;
	LIST_REMOVE(w, link);
	w->linked = false;
}

void job_notify_end(struct jobwatch_list *list, struct job *j)
{
	struct jobwatch *w;
	while ((w = LIST_FIRST(list))) {
		job_unwatch(w);
		w->fn(w, j, JOB_NEWS_END);
	}
}

/* Scheduling and the log cap, after the current batch of events */

void jobs_schedule(struct deferred *d)
{
	struct jobs *js = container_of(d, struct jobs, schedule);
	struct job *j;
	while (!js->closed && js->nrunning < js->cfg.max_running && (j = TAILQ_FIRST(&js->queue)))
		job_event(j, EV_START, NULL);
}

void jobs_evict(struct deferred *d)
{
	struct jobs *js = container_of(d, struct jobs, evict);
	uint64_t id, bytes;
	struct buf owner = BUF_INIT, json = BUF_INIT;
	while (js->nfinished > js->cfg.max_log) {
		buf_reset(&owner);
		buf_reset(&json);
		if (store_evict_oldest(js->store, &id, &bytes, &owner, &json) < 0 || id == 0)
			break;
		spool_remove(js->spool, id, bytes); /* a job leaving the log takes its output */
		js->nfinished--;
		if (buf_ok(&owner) && buf_ok(&json))
			events_emit_json(js->events, EVENT_REMOVED, buf_head(&owner),
					 buf_head(&json), buf_used(&json));
	}
	buf_free(&owner);
	buf_free(&json);
}

/* The spool is over --output-total: the outputs of the jobs that ended first go, their records
 * saying so. Jobs still running keep theirs. */
static uint64_t reclaim(void *ctx, uint64_t need)
{
	struct jobs *js = ctx;
	uint64_t freed = 0, id = 0, bytes;
	int rc = 0;
	/* Asked on every write while the spool is full: the store only once there is something
	 * new to find (a job with spooled output ended since it last found nothing). */
	if (js->nothing_to_reclaim)
		return 0;
	while (freed < need && (rc = store_oldest_spooled(js->store, &id, &bytes)) == 0 &&
	       id != 0) {
		/* Its record first: a job whose record still said "spooled" would be chosen, and
		 * its bytes counted off the total, again. */
		if (store_spool_deleted(js->store, id) < 0)
			break;
		spool_remove(js->spool, id, bytes);
		log_info("job %llu: its output was deleted to keep the spool under --output-total",
			 (unsigned long long)id);
		freed += bytes;
	}
	js->nothing_to_reclaim = rc == 0 && id == 0;
	return freed;
}

uint64_t job_submit(struct jobs *js, const char *owner, struct jobspec *spec, struct apierr *err)
{
	bool run_now = js->nrunning < js->cfg.max_running && TAILQ_EMPTY(&js->queue);

	if (js->closed) {
		apierr_set(err, 503, "unavailable", "jobsupd is shutting down; try again shortly");
		return 0;
	}
	if (!run_now && js->nqueued >= js->cfg.max_queued) {
		apierr_set(err, 429, "queue_full",
			   "the queue is full: %ld jobs are waiting (--max-queued %ld); try again "
			   "when some have finished",
			   js->nqueued, js->cfg.max_queued);
		return 0;
	}
	const struct account *acc = sandbox_admit(js->sb, owner, spec, err);
	if (!acc)
		return 0;
	struct job *j = calloc(1, sizeof *j);
	if (!j || !(j->owner = strdup(owner)) || !(j->ring = ring_new((size_t)js->cfg.output_cap)))
		goto oom;
	j->jobs = js;
	j->out[0].fd = j->out[1].fd = -1;
	j->sp = (struct spool_file){.data_fd = -1, .idx_fd = -1};
	j->status_fd = -1;
	j->slurm.report.fd = j->slurm.answer.fd = j->slurm.fail_fd = -1;
	j->acc = acc;
	LIST_INIT(&j->waiters);
	LIST_INIT(&j->followers);
	j->spec = *spec;
	j->rec = (struct job_record){
	    .id = js->next_id,
	    .owner = j->owner,
	    .state = JOB_QUEUED,
	    .timeout_s = spec->timeout_s,
	    .created_ms = wall_now(),
	    .limits = spec->limits,
	    /* On Slurm, the job is Slurm's to contain (jobsupd keeps only its srun). */
	    .containment = js->cfg.executor == EXEC_SLURM ? CONTAIN_SLURM : js->cg->mode,
	    .run_user = acc->user,
	    .run_uid = acc->uid,
	    .run_gid = acc->gid,
	    .cwd = spec->cwd,
	    .env = spec->env,
	    .env_len = spec->env_len,
	    .network = spec->network,
	};
	j->rec.args = jobspec_args(&j->spec, &j->rec.args_len);
	if (store_put(js->store, &j->rec) < 0)
		goto oom;
	events_emit(js->events, EVENT_CREATED, &j->rec);
	memset(spec, 0, sizeof *spec); /* the job owns it now */
	js->next_id++;
	j->hnext = *table_slot(js, j->rec.id);
	*table_slot(js, j->rec.id) = j;
	TAILQ_INSERT_TAIL(&js->queue, j, qlink);
	js->nqueued++;
	if (run_now) {
		job_event(j, EV_START, NULL);
	} else {
		log_info("job %llu queued", (unsigned long long)j->rec.id);
		loop_defer(js->loop, &js->schedule, jobs_schedule);
	}
	return js->next_id - 1;
oom:
	if (j) {
		spool_close(&j->sp);
		free(j->owner);
		ring_unref(j->ring);
		free(j);
	}
	apierr_set(err, 500, "internal", "jobsupd is out of memory");
	return 0;
}

int jobs_init(struct jobs *js, const struct jobs_config *cfg, struct loop *loop,
	      struct store *store, struct cgroups *cg, struct spool *spool, struct events *events,
	      struct sandbox *sb, const struct slurm *slurm)
{
	size_t n = 64, expected = (size_t)(cfg->max_running + cfg->max_queued);
	memset(js, 0, sizeof *js);
	js->cfg = *cfg;
	js->loop = loop;
	js->store = store;
	js->cg = cg;
	js->spool = spool;
	js->events = events;
	js->sb = sb;
	js->slurm = slurm;
	js->exec = cfg->executor == EXEC_SLURM ? &exec_slurm : &exec_local;
	js->next_id = 1;
	TAILQ_INIT(&js->queue);
	TAILQ_INIT(&js->running);
	while (n < expected && n < (1u << 20))
		n *= 2;
	js->table = calloc(n, sizeof *js->table);
	js->table_size = n;
	if (!js->table)
		return -1;
	store_set_live(store, job_render_live, js);
	spool_set_reclaim(spool, reclaim, js);
	return 0;
}

void jobs_fini(struct jobs *js)
{
	free(js->table);
	js->table = NULL;
}
