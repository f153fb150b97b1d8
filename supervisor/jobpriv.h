/*
 * jobpriv: what the files of the job module share, and nobody else uses: job.c (the state
 * table and its actions), jobs.c (the registry, submitting, scheduling), jobproc.c (a job's
 * processes: spawning, signals, reaping, waiting for the rest of a job to go) and jobout.c (reading
 * a job's output pipe).
 *
 * The processes and the pipe only report what happened, as events through job_event(); what
 * follows from an event is the table's to say.
 */
#ifndef JOBPRIV_H
#define JOBPRIV_H

#include "job.h"

/* What an event brings along: who asked to stop, and with which signal. */
struct ev_arg {
	const char *by;
	int sig;
};

/* Apply the state table to event ev of job j (a may be NULL). */
void job_event(struct job *j, enum job_event ev, const struct ev_arg *a);

/* Set the job's "error" (printf-style). */
void job_set_error(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* jobs.c */
/* The scheduler (start queued jobs while there is room) and the log cap, deferred to the end of
 * a batch of events. */
void jobs_schedule(struct deferred *d);
void jobs_evict(struct deferred *d);
/* Take an ended job out of the id table. */
void jobs_forget(struct job *j);
/* Tell the watchers of list that j has ended (each unlinked first). */
void job_notify_end(struct jobwatch_list *list, struct job *j);

/* jobproc.c */
/* Make the job's cgroup and spawn its process: then SPAWNED or SPAWN_FAILED. */
void proc_spawn(struct job *j);
/* Send sig to every process of the job, each once. */
void proc_signal(struct job *j, int sig);
/* SIGKILL every process of the job (on cgroup v1, once its cgroup is frozen: a timer waits for
 * that, so the loop never blocks). */
void proc_kill(struct job *j);
/* Begin waiting for what is left of the job to go, after its main process was reaped: GROUP_EMPTY
 * or SETTLE_OVER follows. */
void proc_settle(struct job *j);
/* The job's final usage; true when its memory limit killed a process. */
bool proc_account(struct job *j);
/* Remove what the job's containment made for it (its cgroup). */
void proc_release(struct job *j);
/* Its usage so far, read from its cgroup at most every USAGE_REFRESH_MS. */
void proc_usage(struct job *j);

/* jobout.c */
/* Start reading the job's stdout and stderr pipes; 0, or -1 (errno) when they cannot be
 * watched. */
int out_watch(struct job *j, const int fds[2]);
/* Read what the pipes hold now (not waiting for their end), and close them. */
void out_drain_and_close(struct job *j);

#endif
