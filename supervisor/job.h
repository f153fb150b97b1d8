/*
 * job: one job's life as an explicit state machine, and the registry of active jobs.
 *
 *   queued --start--> running --reaped--> succeeded | failed | stopped | timed_out
 *      |                 |
 *      +--stop-----------+--> stopped      (a queued job ends at once; a running one gets
 *                                           SIGTERM, then SIGKILL after the grace period)
 *   queued --start fails--> failed          (exit_code 127/126 and the reason in "error")
 *
 * Every change of state happens in job.c and is written to the store at once. A job's lifetime
 * is its main process's: when that exits, whatever is left in its process group is killed, and
 * the job has ended once the group is empty (jobsupd is the child subreaper, so it reaps those
 * processes itself and learns when the last is gone), or at most two seconds later. Active jobs
 * live in memory (struct job) and in the store; ended jobs only in the store.
 *
 * Others learn of a job's end (and followers of new output) through a struct jobwatch they embed
 * and link with job_watch_end or job_follow; a jobwatch is unlinked before its END callback runs.
 */
#ifndef JOB_H
#define JOB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "jobspec.h"
#include "loop.h"
#include "ring.h"
#include "store.h"
#include "sup.h"

enum job_event {
	JOB_EV_OUTPUT, /* new bytes in the ring (followers only) */
	JOB_EV_END,    /* the job has ended; its record is final */
};

struct jobwatch {
	void (*fn)(struct jobwatch *w, struct job *j, enum job_event ev);
	LIST_ENTRY(jobwatch) link;
	bool linked;
};
LIST_HEAD(jobwatch_list, jobwatch);

enum job_ending {
	END_NATURAL,
	END_STOP,
	END_TIMEOUT,
	END_SHUTDOWN,
};

struct job {
	struct sup *sup;
	struct job_record rec; /* strings point at the fields below */
	char *owner;
	char *command; /* JSON array text */
	char *error;
	char *stopped_by;
	struct jobspec spec;

	enum job_ending ending;
	bool term_sent;
	bool killed;	 /* SIGKILL sent after the grace period */
	bool in_queue;	 /* linked in sup->queue */
	bool main_done;	 /* the main process was reaped; the group may still be emptying */
	int main_status; /* its wait status */
	uint64_t rusage_cpu_ms, rusage_maxrss; /* of the main process, for process-group mode */
	int64_t usage_read; /* when the cgroup's usage was last read (monotonic ms) */
	struct watch out;   /* the output pipe; fd -1 once closed */
	struct ring *ring;
	bool stats_dirty;
	struct timer timeout, kill, settle;
	int64_t settle_deadline; /* when to stop waiting for the group to empty */

	struct jobwatch_list waiters;	/* told of the end */
	struct jobwatch_list followers; /* told of output and the end */
	TAILQ_ENTRY(job) qlink;		/* in sup->queue or sup->running */
	struct job *hnext;		/* in sup->table */
	struct deferred gone;
};

/* Make a job from spec (which it takes over; spec is left empty) and start or queue it.
 * Returns the job id, or 0 with *err set (429 queue_full, 500). The job may already have ended
 * (a command that cannot execute); its record stays readable until the end of this iteration. */
uint64_t job_submit(struct sup *s, const char *owner, struct jobspec *spec, struct apierr *err);
/* Start queued jobs while there is room, after the current batch of events. */
void job_kick(struct sup *s);
/* Bring the stored output counters of running jobs up to date before a read. */
void job_sync_stats(struct sup *s);

struct job *job_find(struct sup *s, uint64_t id);
struct job *job_by_pid(struct sup *s, pid_t pid);
bool job_visible(const struct job *j, const struct viewer *v);

/* Ask a job to end: a queued job ends now, a running one gets sig (0: SIGTERM), then SIGKILL
 * after the grace period. by names the caller. */
void job_stop(struct job *j, enum job_ending why, const char *by, int sig);
/* The main process has exited and is still a zombie: kill what is left of its group, reap it,
 * and end the job if the group is empty now (else job_settle does, later). */
void job_reaped(struct job *j);
/* End a job whose main process is gone once its process group is empty (or, at the latest, a
 * moment later); call after reaping. */
void job_settle(struct job *j);
/* Send sig to the job's process group, and to its main process while it runs. */
void job_signal(struct job *j, int sig);

void job_watch_end(struct job *j, struct jobwatch *w);
void job_follow(struct job *j, struct jobwatch *w);
void job_unwatch(struct jobwatch *w);

/* Create the id table; 0 or -1. */
int job_table_init(struct sup *s, size_t expected);
void job_table_fini(struct sup *s);

/* Parse a canonical decimal id ("17"); 0 when it is not one. */
uint64_t job_parse_id(const char *s);

#endif
