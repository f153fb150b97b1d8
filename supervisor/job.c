/* job: the state table of a job's life, and the actions on its way; see job.h. */
#include "job.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jobpriv.h"
#include "log.h"

static const char *const phase_names[PHASES] = {
    [PHASE_QUEUED] = "queued",	   [PHASE_STARTING] = "starting", [PHASE_PENDING] = "pending",
    [PHASE_RUNNING] = "running",   [PHASE_STOPPING] = "stopping", [PHASE_KILLING] = "killing",
    [PHASE_SETTLING] = "settling", [PHASE_ENDED] = "ended",
};

static const char *const event_names[EVENTS] = {
    [EV_START] = "start",
    [EV_SPAWNED] = "spawned",
    [EV_SUBMITTED] = "submitted",
    [EV_ALLOCATED] = "allocated",
    [EV_SPAWN_FAILED] = "spawn failed",
    [EV_STOP] = "stop",
    [EV_TIMEOUT] = "timeout",
    [EV_SHUTDOWN] = "shutdown",
    [EV_GRACE_OVER] = "grace over",
    [EV_KILL] = "kill",
    [EV_MAIN_REAPED] = "main reaped",
    [EV_GROUP_EMPTY] = "group empty",
    [EV_SETTLE_OVER] = "settle over",
};

const char *job_phase_name(enum job_phase p)
{
	return (unsigned)p < PHASES ? phase_names[p] : "unknown";
}

void job_set_error(struct job *j, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	free(j->error);
	j->error = s;
	j->rec.error = s;
}

static const struct executor *ex(const struct job *j)
{
	return j->jobs->exec;
}

static void save(struct job *j)
{
	if (store_put(j->jobs->store, &j->rec) < 0)
		log_error("job %llu: its record could not be written: %s",
			  (unsigned long long)j->rec.id, strerror(errno));
}

/* Actions: what is done on the way from one phase to the next. The phase is already the new
 * one when an action runs. */

static void act_ignore(struct job *j, enum job_event ev, const struct ev_arg *a)
{
	(void)j;
	(void)ev;
	(void)a;
}

/* Why the job is asked to end, and by whom; the first reason stands. */
static void note_ending(struct job *j, enum job_event ev, const struct ev_arg *a)
{
	if (j->ending != END_NATURAL)
		return;
	j->ending = ev == EV_TIMEOUT ? END_TIMEOUT : ev == EV_STOP ? END_STOP : END_SHUTDOWN;
	j->stop_signal = a && a->sig ? a->sig : SIGTERM;
	free(j->stopped_by);
	j->stopped_by = a && a->by ? strdup(a->by) : NULL;
}

static void act_start(struct job *j, enum job_event ev, const struct ev_arg *a)
{
	struct jobs *js = j->jobs;
	(void)ev;
	(void)a;
	TAILQ_REMOVE(&js->queue, j, qlink);
	js->nqueued--;
	TAILQ_INSERT_TAIL(&js->running, j, qlink);
	js->nrunning++;
	j->rec.started_ms = wall_now();
	ex(j)->spawn(j);
}

static void on_timeout(struct timer *t)
{
	job_event(container_of(t, struct job, timeout), EV_TIMEOUT, NULL);
}

/* On Slurm: its srun runs, and the job waits in Slurm's queue (the API shows it queued). */
static void act_pending(struct job *j, enum job_event ev, const struct ev_arg *a)
{
	(void)ev;
	(void)a;
	j->rec.started_ms = 0; /* still queued, as the API shows it */
	save(j);
	log_info("job %llu submitted to Slurm, srun pid %d", (unsigned long long)j->rec.id,
		 (int)j->rec.pid);
}

static void act_running(struct job *j, enum job_event ev, const struct ev_arg *a)
{
	struct jobs *js = j->jobs;
	(void)ev;
	(void)a;
	js->spawned++;
	j->rec.state = JOB_RUNNING;
	if (!j->rec.started_ms)
		j->rec.started_ms = wall_now(); /* on Slurm: when it was allocated */
	save(j);
	events_emit(js->events, EVENT_STARTED, &j->rec);
	if (j->rec.slurm_job_id)
		log_info("job %llu started: Slurm job %llu on %s", (unsigned long long)j->rec.id,
			 (unsigned long long)j->rec.slurm_job_id,
			 j->rec.slurm_node ? j->rec.slurm_node : "?");
	else
		log_info("job %llu started, pid %d", (unsigned long long)j->rec.id,
			 (int)j->rec.pid);
	if (loop_timer_at(js->loop, &j->timeout, loop_now() + j->rec.timeout_s * 1000, on_timeout) <
	    0) {
		/* A timeout that cannot fire must not let the job run unbounded. */
		log_error("job %llu: cannot arm its timeout: %s", (unsigned long long)j->rec.id,
			  strerror(errno));
		job_event(j, EV_TIMEOUT, NULL);
	}
}

static void on_grace_over(struct timer *t)
{
	job_event(container_of(t, struct job, grace), EV_GRACE_OVER, NULL);
}

static void act_stop(struct job *j, enum job_event ev, const struct ev_arg *a)
{
	struct jobs *js = j->jobs;
	note_ending(j, ev, a);
	loop_timer_cancel(js->loop, &j->timeout);
	if (j->stop_signal == SIGKILL) {
		ex(j)->kill(j); /* nothing to wait for: its end follows */
		return;
	}
	ex(j)->signal(j, j->stop_signal);
	if (loop_timer_at(js->loop, &j->grace, loop_now() + js->cfg.grace_s * 1000, on_grace_over) <
	    0) {
		log_error("job %llu: cannot arm its grace period (%s): killing it now",
			  (unsigned long long)j->rec.id, strerror(errno));
		job_event(j, EV_GRACE_OVER, NULL);
	}
}

static void act_kill(struct job *j, enum job_event ev, const struct ev_arg *a)
{
	note_ending(j, ev, a);
	loop_timer_cancel(j->jobs->loop, &j->timeout);
	loop_timer_cancel(j->jobs->loop, &j->grace);
	ex(j)->kill(j);
}

/* Slurm's allocation, learnt only once its srun had ended (it ran and ended at once): the
 * record says it started. */
static void act_started_late(struct job *j, enum job_event ev, const struct ev_arg *a)
{
	(void)ev;
	(void)a;
	j->jobs->spawned++;
	j->rec.state = JOB_RUNNING;
	j->rec.started_ms = wall_now();
	events_emit(j->jobs->events, EVENT_STARTED, &j->rec);
}

static void act_grace_over(struct job *j, enum job_event ev, const struct ev_arg *a)
{
	(void)ev;
	(void)a;
	log_info("job %llu did not exit within %ld s of its signal: killing it",
		 (unsigned long long)j->rec.id, j->jobs->cfg.grace_s);
	j->killed_after_grace = true;
	ex(j)->kill(j);
}

static void act_reaped(struct job *j, enum job_event ev, const struct ev_arg *a)
{
	(void)ev;
	(void)a;
	loop_timer_cancel(j->jobs->loop, &j->timeout);
	loop_timer_cancel(j->jobs->loop, &j->grace);
	ex(j)->settle(j);
}

/* The outcome, decided once: why the job was asked to end, if it was, else how its main process
 * ended. Sets the state and the error. */
static enum job_state outcome(struct job *j)
{
	int st = j->main_status;
	bool oom = ex(j)->account(j);
	char tail[112] = "", sig[16];

	j->rec.has_exit = WIFEXITED(st);
	j->rec.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
	j->rec.signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	if (j->killed_after_grace && j->rec.signal == SIGKILL) {
		format_signal(j->stop_signal, sig);
		snprintf(tail, sizeof tail, "; it did not exit within %ld s of %s and was killed",
			 j->jobs->cfg.grace_s, sig);
	}
	if (j->slurm.not_started)
		return JOB_FAILED; /* its srun could not be started: the error says why */
	/* On Slurm, a job can end without having started: cancelled, or refused by Slurm. */
	bool never_ran = record_on_slurm(&j->rec) && !j->rec.slurm_job_id;
	if (never_ran) {
		j->rec.has_exit = false;
		j->rec.signal = 0;
	}
	switch (j->ending) {
	case END_STOP:
		job_set_error(j, "stopped by %s%s", j->stopped_by ? j->stopped_by : "request",
			      never_ran ? " before it started" : tail);
		return JOB_STOPPED;
	case END_SHUTDOWN:
		job_set_error(j,
			      never_ran ? "stopped before it started: jobsupd shut down"
					: "stopped because jobsupd shut down%s",
			      tail);
		return JOB_STOPPED;
	case END_TIMEOUT:
		job_set_error(j, "timed out after %ld s%s", j->rec.timeout_s, tail);
		return JOB_TIMED_OUT;
	case END_NATURAL:
		break;
	}
	if (j->slurm.alloc && j->slurm.alloc->ended_by[0]) {
		job_set_error(j, "ended by Slurm: %s", j->slurm.alloc->ended_by);
		return JOB_FAILED;
	}
	if (never_ran) {
		job_set_error(j,
			      "Slurm did not run it: srun ended (status %d) before Slurm allocated "
			      "it; srun --test-only with the same options says why",
			      WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		return JOB_FAILED;
	}
	if (oom && record_on_slurm(&j->rec)) {
		if (j->rec.limits.memory_bytes)
			job_set_error(j, "out of memory (limit %llu bytes, Slurm's --mem)",
				      (unsigned long long)j->rec.limits.memory_bytes);
		else
			job_set_error(j, "out of memory (Slurm's default memory limit for it)");
		return JOB_FAILED;
	}
	if (oom) {
		job_set_error(j, "out of memory (limit %llu bytes)",
			      (unsigned long long)j->rec.limits.memory_bytes);
		return JOB_FAILED;
	}
	if (j->rec.has_exit)
		return j->rec.exit_code == 0 ? JOB_SUCCEEDED : JOB_FAILED;
	format_signal(j->rec.signal, sig);
	const char *what = sigdescr_np(j->rec.signal);
	job_set_error(j, "killed by %s (%s)", sig, what ? what : "unknown signal");
	return JOB_FAILED;
}

/* What became of the job's output so far, for its record. */
static void output_counts(struct job *j)
{
	struct job_record *r = &j->rec;
	r->output_bytes = j->ring->total;
	r->output_dropped = j->sp.dropped;
	r->output_lost = j->sp.lost;
	r->spool_bytes = j->sp.len + j->sp.idx_len;
	/* With the spool, /output lacks only what was dropped or lost; without, all but the
	 * ring's window. */
	r->output_truncated = j->jobs->spool->enabled ? r->output_dropped + r->output_lost > 0
						      : j->ring->total > j->ring->cap;
}

static void keep_output(struct job *j)
{
	struct iovec parts[2];
	int n = 0;
	uint64_t pos = ring_start(j->ring);
	const char *p;
	size_t len;
	while (n < 2 && (len = ring_peek(j->ring, pos, &p)) > 0) {
		parts[n].iov_base = (void *)p;
		parts[n++].iov_len = len;
		pos += len;
	}
	if (n > 0 && store_put_output(j->jobs->store, j->rec.id, parts, n) < 0)
		log_error("job %llu: its output could not be kept", (unsigned long long)j->rec.id);
}

static void job_free(struct deferred *d)
{
	struct job *j = container_of(d, struct job, gone);
	free(j->owner);
	free(j->error);
	free(j->stopped_by);
	if (j->status_fd >= 0)
		close(j->status_fd);
	free(j->slurm.text);
	free(j->slurm.alloc);
	if (j->slurm.fail_fd >= 0)
		close(j->slurm.fail_fd);
	jobspec_free(&j->spec);
	free(j);
}

/* The end, whichever way it came: the record made final and kept, the watchers told, the job
 * freed after the batch. */
static void finish(struct job *j, enum job_state state, bool queued)
{
	struct jobs *js = j->jobs;
	loop_timer_cancel(js->loop, &j->timeout);
	loop_timer_cancel(js->loop, &j->grace);
	loop_timer_cancel(js->loop, &j->settle);
	loop_timer_cancel(js->loop, &j->freeze);
	if (queued) {
		TAILQ_REMOVE(&js->queue, j, qlink);
		js->nqueued--;
	} else {
		TAILQ_REMOVE(&js->running, j, qlink);
		js->nrunning--;
	}
	j->rec.state = state;
	j->rec.finished_ms = wall_now();
	j->rec.finished_seq = ++js->next_finished_seq;
	j->rec.pid = 0;
	spool_close(&j->sp);
	output_counts(j);
	if (j->rec.spool_bytes)
		js->nothing_to_reclaim = false; /* reclaim has one more to find */
	keep_output(j);
	save(j);
	events_emit(js->events, EVENT_ENDED, &j->rec);
	js->nfinished++;
	loop_defer(js->loop, &js->evict, jobs_evict);
	log_info("job %llu %s%s%s", (unsigned long long)j->rec.id, job_state_name(state),
		 j->error ? ": " : "", j->error ? j->error : "");
	job_notify_end(&j->waiters, j);
	job_notify_end(&j->followers, j);
	ring_unref(j->ring);
	j->ring = NULL;
	jobs_forget(j);
	loop_defer(js->loop, &j->gone, job_free);
	loop_defer(js->loop, &js->schedule, jobs_schedule);
}

static void act_dequeued(struct job *j, enum job_event ev, const struct ev_arg *a)
{
	note_ending(j, ev, a);
	if (ev == EV_SHUTDOWN)
		job_set_error(j, "stopped before it started: jobsupd shut down");
	else
		job_set_error(j, "stopped by %s before it started",
			      j->stopped_by ? j->stopped_by : "request");
	finish(j, JOB_STOPPED, true);
}

static void act_spawn_failed(struct job *j, enum job_event ev, const struct ev_arg *a)
{
	(void)ev;
	(void)a;
	j->jobs->spawn_failures++;
	finish(j, JOB_FAILED, false);
}

static void act_end(struct job *j, enum job_event ev, const struct ev_arg *a)
{
	(void)a;
	if (ev == EV_SETTLE_OVER && !record_on_slurm(&j->rec))
		log_warn("job %llu: processes of it outlived it (they left its session or were "
			 "not reaped); ending it without them",
			 (unsigned long long)j->rec.id);
	else if (ev == EV_SETTLE_OVER)
		log_warn("job %llu: Slurm's account of its end did not come; its outcome is "
			 "srun's",
			 (unsigned long long)j->rec.id);
	/* What the job wrote is in the pipe now: take exactly that, so that a process that
	 * escaped the job cannot keep it alive by holding the pipe open. */
	out_drain_and_close(j);
	enum job_state state = outcome(j);
	ex(j)->release(j);
	finish(j, state, false);
}

/* The table: for each phase and event, the next phase (STAY: this one) and the action. An
 * empty entry is an event the phase does not expect. */
#define STAY PHASES
typedef void action_fn(struct job *j, enum job_event ev, const struct ev_arg *a);
static const struct transition {
	enum job_phase next;
	action_fn *act;
} table[PHASES][EVENTS] = {
    [PHASE_QUEUED] =
	{
	    [EV_START] = {PHASE_STARTING, act_start},
	    [EV_STOP] = {PHASE_ENDED, act_dequeued},
	    [EV_SHUTDOWN] = {PHASE_ENDED, act_dequeued},
	},
    [PHASE_STARTING] =
	{
	    [EV_SPAWNED] = {PHASE_RUNNING, act_running},
	    [EV_SUBMITTED] = {PHASE_PENDING, act_pending},
	    [EV_SPAWN_FAILED] = {PHASE_ENDED, act_spawn_failed},
	},
    [PHASE_PENDING] =
	{
	    /* Nothing of it runs yet: a stop cancels it in Slurm, without a grace. */
	    [EV_ALLOCATED] = {PHASE_RUNNING, act_running},
	    [EV_STOP] = {PHASE_KILLING, act_kill},
	    [EV_SHUTDOWN] = {PHASE_KILLING, act_kill},
	    [EV_KILL] = {PHASE_KILLING, act_kill},
	    [EV_MAIN_REAPED] = {PHASE_SETTLING, act_reaped},
	},
    [PHASE_RUNNING] =
	{
	    [EV_STOP] = {PHASE_STOPPING, act_stop},
	    [EV_TIMEOUT] = {PHASE_STOPPING, act_stop},
	    [EV_SHUTDOWN] = {PHASE_STOPPING, act_stop},
	    [EV_KILL] = {PHASE_KILLING, act_kill},
	    [EV_MAIN_REAPED] = {PHASE_SETTLING, act_reaped},
	},
    [PHASE_STOPPING] =
	{
	    [EV_STOP] = {STAY, act_ignore},
	    [EV_TIMEOUT] = {STAY, act_ignore},
	    [EV_SHUTDOWN] = {STAY, act_ignore},
	    [EV_GRACE_OVER] = {PHASE_KILLING, act_grace_over},
	    [EV_KILL] = {PHASE_KILLING, act_kill},
	    [EV_MAIN_REAPED] = {PHASE_SETTLING, act_reaped},
	},
    [PHASE_KILLING] =
	{
	    /* Slurm allocated it while it was being cancelled: killed again, by its Slurm id. */
	    [EV_ALLOCATED] = {STAY, act_kill},
	    [EV_STOP] = {STAY, act_ignore},
	    [EV_TIMEOUT] = {STAY, act_ignore},
	    [EV_SHUTDOWN] = {STAY, act_ignore},
	    [EV_KILL] = {STAY, act_ignore},
	    [EV_MAIN_REAPED] = {PHASE_SETTLING, act_reaped},
	},
    [PHASE_SETTLING] =
	{
	    /* Its main process has ended by itself or not: asking it to end changes nothing. */
	    [EV_STOP] = {STAY, act_ignore},
	    [EV_TIMEOUT] = {STAY, act_ignore},
	    [EV_SHUTDOWN] = {STAY, act_ignore},
	    [EV_KILL] = {STAY, act_ignore},
	    [EV_ALLOCATED] = {STAY, act_started_late},
	    [EV_GROUP_EMPTY] = {PHASE_ENDED, act_end},
	    [EV_SETTLE_OVER] = {PHASE_ENDED, act_end},
	},
};

void job_event(struct job *j, enum job_event ev, const struct ev_arg *a)
{
	const struct transition *t = &table[j->phase][ev];
	if (!t->act) {
		log_warn("job %llu: %s was not expected while %s; ignored",
			 (unsigned long long)j->rec.id, event_names[ev], phase_names[j->phase]);
		return;
	}
	if (t->next != STAY)
		j->phase = t->next;
	t->act(j, ev, a);
}

/* What the rest of jobsupd asks */

void job_stop(struct job *j, const char *by, int sig)
{
	struct ev_arg a = {by, sig};
	job_event(j, EV_STOP, &a);
}

void jobs_shutdown(struct jobs *js, bool kill_now)
{
	struct job *j, *next;
	js->closed = true;
	while (!kill_now && (j = TAILQ_FIRST(&js->queue)))
		job_event(j, EV_SHUTDOWN, NULL);
	for (j = TAILQ_FIRST(&js->running); j; j = next) {
		next = TAILQ_NEXT(j, qlink);
		job_event(j, kill_now ? EV_KILL : EV_SHUTDOWN, NULL);
	}
}

int job_render_live(void *ctx, uint64_t id, struct buf *out)
{
	struct job *j = job_find(ctx, id);
	struct jw w;
	if (!j || j->phase == PHASE_QUEUED || j->phase == PHASE_PENDING)
		return -1;
	ex(j)->usage(j);
	output_counts(j);
	jw_init(&w, out);
	record_render(&w, &j->rec, NULL, 0);
	return 0;
}
