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

#include "initproto.h"
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

/* An executor: how a job's processes are run, signalled and accounted for. The local one
 * (jobproc.c) runs them on this host, in a cgroup and a sandbox; the Slurm one (slurmexec.c)
 * runs an srun per job. Each reports what happened as events. */
struct executor {
	/* Spawn the job's main process: then SPAWNED (or SUBMITTED, then ALLOCATED, on Slurm)
	 * or SPAWN_FAILED. */
	void (*spawn)(struct job *j);
	/* Send sig (not SIGKILL: that is kill) to every process of the job, each once. On Slurm
	 * only once Slurm has allocated it. */
	void (*signal)(struct job *j, int sig);
	/* SIGKILL every process of the job (locally on cgroup v1, once its cgroup is frozen: a
	 * timer waits for that, so the loop never blocks). */
	void (*kill)(struct job *j);
	/* After its main process was reaped: wait for what is left of the job to go (or for
	 * Slurm's account of it); GROUP_EMPTY or SETTLE_OVER follows. */
	void (*settle)(struct job *j);
	/* The job's final usage; true when its memory limit killed a process. */
	bool (*account)(struct job *j);
	/* Remove what was made for the job (its cgroup; its pipes to Slurm's commands). */
	void (*release)(struct job *j);
	/* Its usage so far, read at most every USAGE_REFRESH_MS. */
	void (*usage)(struct job *j);
};
extern const struct executor exec_local, exec_slurm;

/* jobproc.c, what both executors use */
/* The error of a spawn that failed before or at exec, and the exit code a shell would give. */
void proc_spawn_failed(struct job *j, const struct spawn_failure *fail);

/* jobout.c */
/* Start reading the job's stdout and stderr pipes; 0, or -1 (errno) when they cannot be
 * watched. */
int out_watch(struct job *j, const int fds[2]);
/* Read what the pipes hold now (not waiting for their end), and close them. */
void out_drain_and_close(struct job *j);

#endif
