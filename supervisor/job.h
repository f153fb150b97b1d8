/*
 * job: a job's life as one state machine, and the registry of active jobs (struct jobs).
 *
 * Only job.c changes a job's phase, and only through one function that applies the table in
 * job.c: for each phase and event, the next phase and what is done on the way (as
 * s6-supervise's table does). An event that a phase does not expect is logged and ignored,
 * never guessed at.
 *
 *   phase     what is true                                           the API shows
 *   QUEUED    waiting for a running slot, in the FIFO queue          queued
 *   STARTING  its cgroup is made and its process is being spawned    running
 *   PENDING   on Slurm only: its srun runs, but Slurm has not        queued
 *             allocated it yet (it waits in Slurm's queue)
 *   RUNNING   its main process runs                                  running
 *   STOPPING  asked to end: its first signal went out, the grace     running
 *             period runs
 *   KILLING   the grace period is over (or jobsupd was asked twice   running
 *             to stop): SIGKILL went to every process of the job
 *   SETTLING  its main process was reaped; what is left of the job   running
 *             was killed, and jobsupd waits (at most SETTLE_MAX_MS)
 *             for its cgroup or process group to empty
 *   ENDED     its record is final (succeeded, failed, stopped or     the outcome
 *             timed out) and written to the store
 *
 * Events: START (the scheduler gave it a slot), SPAWNED, SUBMITTED (its srun runs: Slurm has it),
 * ALLOCATED (Slurm started it), SPAWN_FAILED, STOP (by a user),
 * TIMEOUT, SHUTDOWN, GRACE_OVER, KILL (shutdown asked twice), MAIN_REAPED,
 * GROUP_EMPTY, SETTLE_OVER. The outcome is decided once, at the end, from why the job was asked
 * to end (if it was) and how its main process ended.
 *
 * How a job's processes are run, signalled and accounted for is its executor's (jobpriv.h): on
 * this host (jobproc.c), or through Slurm (slurmexec.c), where the main process is the job's
 * srun and SETTLING is reading Slurm's account of how the job ended.
 *
 * A job's lifetime is its main process's: when that exits, whatever is left of the job is
 * killed, and the job has ended once nothing of it is left. Active jobs live in memory (struct
 * job) and in the store; ended jobs only in the store. Others learn of a job's end (and followers
 * of new output) through a struct jobwatch they embed and link with job_watch_end or job_follow;
 * a jobwatch is unlinked before its callback is told of the end.
 *
 * struct jobs is changed by job.c alone; other modules read its counters.
 */
#ifndef JOB_H
#define JOB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "cgroup.h"
#include "events.h"
#include "jobspec.h"
#include "loop.h"
#include "ring.h"
#include "spool.h"
#include "sandbox.h"
#include "slurm.h"
#include "store.h"

enum job_phase {
	PHASE_QUEUED,
	PHASE_STARTING,
	PHASE_PENDING,
	PHASE_RUNNING,
	PHASE_STOPPING,
	PHASE_KILLING,
	PHASE_SETTLING,
	PHASE_ENDED,
	PHASES,
};

enum job_event {
	EV_START,
	EV_SPAWNED,
	EV_SUBMITTED,
	EV_ALLOCATED,
	EV_SPAWN_FAILED,
	EV_STOP,
	EV_TIMEOUT,
	EV_SHUTDOWN,
	EV_GRACE_OVER,
	EV_KILL,
	EV_MAIN_REAPED,
	EV_GROUP_EMPTY,
	EV_SETTLE_OVER,
	EVENTS,
};

/* Why a job was asked to end (the first reason stands). */
enum job_ending {
	END_NATURAL,
	END_STOP,
	END_TIMEOUT,
	END_SHUTDOWN,
};

struct job;

/* What a watcher is told: new output (followers only), or the end (the record is final). */
enum job_news {
	JOB_NEWS_OUTPUT,
	JOB_NEWS_END,
};

struct jobwatch {
	void (*fn)(struct jobwatch *w, struct job *j, enum job_news news);
	LIST_ENTRY(jobwatch) link;
	bool linked;
};
LIST_HEAD(jobwatch_list, jobwatch);
TAILQ_HEAD(job_queue, job);

/* What the registry needs of jobsupd's configuration. */
struct jobs_config {
	long max_running;
	long max_queued;
	long max_log;
	long grace_s;
	long output_cap;
	enum job_executor executor;
};

struct executor;

struct jobs {
	struct jobs_config cfg;
	struct loop *loop;
	struct store *store;
	struct cgroups *cg;
	struct spool *spool;
	struct events *events; /* told when a job is created, starts, ends, leaves the log */
	struct sandbox *sb;
	const struct executor *exec; /* how jobs run: here, or on Slurm */
	const struct slurm *slurm;   /* the cluster, with --executor slurm */
	struct job_queue queue;	     /* QUEUED, oldest first */
	struct job_queue running;    /* STARTING to SETTLING, in order of start */
	struct job **table;	     /* active jobs by id: open hashing, chained */
	size_t table_size;	     /* a power of two */
	uint64_t next_id;
	uint64_t next_finished_seq;
	long nrunning, nqueued, nfinished;
	uint64_t spawned, spawn_failures, output_bytes; /* since start, for /metrics */
	bool closed;					/* shutting down: nothing starts */
	bool nothing_to_reclaim; /* no ended job's output is left in the spool to delete */
	struct deferred schedule, evict;
};

struct job {
	struct jobs *jobs;
	enum job_phase phase;
	struct job_record rec; /* strings point at the fields below and into spec */
	char *owner;
	char *error;
	char *stopped_by;
	struct jobspec spec;
	const struct account *acc; /* whom it runs as: the sandbox's */
	int status_fd;		   /* jobinit's report of the command's wait status, or -1 */

	enum job_ending ending;
	int stop_signal;		       /* the first signal of a stop */
	bool killed_after_grace;	       /* SIGKILL went out when the grace was over */
	int main_status;		       /* its wait status, once reaped */
	uint64_t rusage_cpu_ms, rusage_maxrss; /* of the main process, without cgroups */
	int64_t usage_read;		       /* when its cgroup's usage was last read */
	struct watch out[2];		       /* stdout's and stderr's pipes; fd -1 once closed */
	struct ring *ring;		       /* the most recent output */
	struct spool_file sp;		       /* all of it, on disk */
	struct timer timeout, grace, settle, freeze;
	int64_t settle_deadline, freeze_deadline;

	struct slurm_job {
		struct watch report; /* jobprolog's report of the allocation; fd -1 once read */
		struct watch answer; /* scontrol's account of the job's end; fd -1 when none */
		char *text;	     /* what report or answer said so far (SLURM_TEXT_MAX) */
		size_t len;
		struct slurm_alloc *alloc; /* where Slurm runs it; NULL until allocated */
		struct timer retry;	   /* a kill gone unanswered; Slurm's account asked again */
		int fail_fd;		   /* where a failure to start srun is told; -1 when read */
		int kill_step;	  /* how far a kill went: scancel, then srun's SIGTERM, SIGKILL */
		bool not_started; /* srun could not be started: the error says why */
		bool oom;	  /* Slurm's memory limit ended it */
	} slurm;

	struct jobwatch_list waiters;	/* told of the end */
	struct jobwatch_list followers; /* told of output and the end */
	TAILQ_ENTRY(job) qlink;		/* in jobs->queue or jobs->running */
	struct job *hnext;		/* in jobs->table */
	struct deferred gone;
};

/* 0, or -1 (errno). */
int jobs_init(struct jobs *js, const struct jobs_config *cfg, struct loop *loop,
	      struct store *store, struct cgroups *cg, struct spool *spool, struct events *events,
	      struct sandbox *sb, const struct slurm *slurm);
void jobs_fini(struct jobs *js);

/* Make a job from spec (which it takes over; spec is left empty) and start or queue it.
 * Returns the job id, or 0 with *err set (429 queue_full, 503 when closed, 500). The job may
 * already have ended (a command that cannot execute); its record is in the store. */
uint64_t job_submit(struct jobs *js, const char *owner, struct jobspec *spec, struct apierr *err);

struct job *job_find(struct jobs *js, uint64_t id);
bool job_visible(const struct job *j, const struct viewer *v);

/* A user (by names them) asks the job to end, beginning with sig (0: SIGTERM). */
void job_stop(struct job *j, const char *by, int sig);
/* Shutdown: stop every job; kill_now (asked twice): SIGKILL what still runs. Nothing starts
 * after the first call. */
void jobs_shutdown(struct jobs *js, bool kill_now);

/* Reap every child that has exited: the one place jobsupd waits for processes. A job's main
 * process is reaped only after what is left of its process group was killed (the zombie keeps
 * the group's id from being reused meanwhile). Processes a job left behind come here too, as
 * jobsupd is the child subreaper. */
void jobs_reap(struct jobs *js);

/* Render the active job id as the API shows it (its usage read at most every
 * USAGE_REFRESH_MS). 0, or -1 when there is no such active job. For store_render's live rows. */
int job_render_live(void *jobs, uint64_t id, struct buf *out);

void job_watch_end(struct job *j, struct jobwatch *w);
void job_follow(struct job *j, struct jobwatch *w);
void job_unwatch(struct jobwatch *w);

/* Parse a canonical decimal id ("17"); 0 when it is not one. */
uint64_t job_parse_id(const char *s);

/* The phase's name, for logs and tests. */
const char *job_phase_name(enum job_phase p);

#endif
