/*
 * slurm: jobsupd's side of a Slurm cluster (--executor slurm): what is learnt of the cluster at
 * start, the srun command line of each job, and reading what Slurm says of a job. Running the
 * job itself (its srun, signals, its end) is the job module's (slurmexec.c).
 *
 * Each job is one srun, run as the job's account, with stdout and stderr on jobsupd's pipes:
 *     srun --quiet --quiet --input=none --job-name=jobworker-ID --prolog=JOBPROLOG
 *          [--partition=P] [--mem=NK] [--cpus-per-task=N] --time=MINUTES [OPTIONS...] -- ARGV
 * --quiet twice keeps srun's own messages (a task's exit code, a step aborted) out of the job's
 * stderr: what they would say is read from Slurm's account of the job instead. jobprolog
 * (prolog.c) is srun's prolog, run by srun on this host once Slurm has allocated the job: it
 * writes "SLURM_JOB_ID NODELIST PARTITION\n" to srun's fd SPAWN_REPORT_FD (spawn.h), a pipe
 * jobsupd reads. That is how jobsupd knows, without polling, that the job left Slurm's queue,
 * its Slurm id and its node. --time is a backstop only (Slurm counts minutes): jobsupd's own
 * timer ends the job to the second.
 */
#ifndef SLURM_H
#define SLURM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "jobspec.h"

/* A job's name in Slurm: this prefix, then its id. */
#define SLURM_NAME_PREFIX "jobworker-"
/* srun's extra options: at most this many, and bytes in all. */
#define SLURM_MAX_OPTIONS 32
#define SLURM_MAX_OPTIONS_BYTES 4096

struct slurm_config {
	const char *partition; /* NULL: the cluster's default */
	const char *options;   /* more srun options, separated by spaces; NULL: none */
	const char *prolog;    /* NULL: jobprolog beside jobsupd's executable */
};

struct slurm {
	char srun[PATH_MAX];   /* srun's path, found in jobsupd's PATH (a job's may differ) */
	char *partition_opt;   /* "--partition=NAME" for sinfo and srun; NULL: the default */
	const char *partition; /* NAME, within it */
	char *options_text;    /* the options' strings */
	char *options[SLURM_MAX_OPTIONS + 1]; /* NULL-terminated */
	int noptions;
	char prolog[PATH_MAX];
	bool prolog_given;    /* --slurm-prolog: run as it is */
	uint64_t node_memory; /* the largest node's memory, bytes */
	unsigned node_cpus;   /* and CPUs */
	long max_time_s;      /* the partition's MaxTime; 0: none */
};

/* Learn the cluster (the largest node of the partition, with sinfo) and check the options
 * (srun --test-only). Runs Slurm's commands and waits for them: start-up only. 0, or -1 with
 * desc saying why. */
int slurm_init(struct slurm *s, const struct slurm_config *cfg, char *desc, size_t cap);
void slurm_fini(struct slurm *s);

/* srun runs its prolog as the job's account, which may not reach jobsupd's directory (a checkout
 * under /root): the default jobprolog is copied into the work root (root's, 0755) as
 * .jobprolog, which every account reaches, and run from there. 0, or -1 with desc. */
int slurm_install_prolog(struct slurm *s, const char *work_root, char *desc, size_t cap);

/* srun's argv for job id with spec, one allocation (free() it); *cpus is --cpus-per-task (0:
 * not given). backstop_s: when Slurm ends the job itself. NULL when out of memory. */
char **slurm_srun_argv(const struct slurm *s, uint64_t id, const struct jobspec *spec,
		       long backstop_s, unsigned *cpus);

/* A time limit as sinfo prints it ("infinite", "30:00", "1:00:00", "2-12:00:00"; Slurm's
 * [days-]hours:minutes:seconds, or minutes[:seconds]) in seconds, 0 for none. 0, or -1 when it
 * is not one. */
int slurm_parse_time(const char *text, long *seconds);

/* CPUs a cpu_percent limit asks for: rounded up to whole CPUs. */
unsigned slurm_cpus(uint64_t cpu_percent);

/* The prolog's report: "ID NODELIST PARTITION\n". 0, or -1 when it is not one. */
struct slurm_alloc {
	uint64_t job_id;
	char node[64];
	char partition[64];
	char ended_by[128]; /* how Slurm ended it, when not by its own exit: "TIMEOUT (...)" */
};
int slurm_parse_report(const char *text, size_t len, struct slurm_alloc *out);

/* What `scontrol -o show job ID` says of an ended job. */
struct slurm_end {
	char name[64];	 /* JobName: SLURM_NAME_PREFIX and the job's id, when it is ours */
	uid_t uid;	 /* UserId's number */
	char state[32];	 /* JobState: COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY... */
	char reason[64]; /* Reason */
	int exit_code;	 /* ExitCode=E:S */
	int signal;	 /* S when it is a signal's number (1-64), else 0 */
};
/* 0, or -1 when text holds no JobState and ExitCode. Each key is taken at its first place, which
 * Slurm writes before anything a job's user controls (its command, its directory). */
int slurm_parse_job(const char *text, size_t len, struct slurm_end *out);

#endif
