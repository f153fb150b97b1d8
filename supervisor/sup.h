/*
 * sup: jobsupd as a whole: its configuration, its loop, the store, its containment, the
 * registry of jobs (job.h) and the connections (conn.h), each owned by its module; and the life
 * around the loop: start-up, signals, shutdown. There is one, made in main.c.
 */
#ifndef SUP_H
#define SUP_H

#include <stdbool.h>

#include "cgroup.h"
#include "conn.h"
#include "job.h"
#include "jobspec.h"
#include "loop.h"
#include "sandbox.h"
#include "slurm.h"
#include "store.h"

struct sup_config {
	const char *socket_path;
	long max_running;
	long max_queued;
	long max_log;
	long grace_s;
	long output_cap;
	long max_clients;
	long max_followers;
	long max_events;	/* job events held for clients that resume */
	const char *output_dir; /* the spool; NULL: output in memory only */
	long output_max;	/* per job */
	long output_total;	/* the spool in all; 0: a quarter of its filesystem */
	struct spec_limits limits;
	unsigned limits_max_given;  /* bit i: --max-X of limit_info[i] was given */
	bool default_timeout_given; /* else the default yields to a lower max */
	const char *cgroup_root;    /* under each hierarchy, or absolute (v2) */
	enum cg_want cgroup_want;
	int ready_fd; /* told once jobsupd listens (--ready-fd), or -1 */
	struct sandbox_config sandbox;
	enum job_executor executor;
	struct slurm_config slurm;
};

struct sup {
	struct sup_config cfg;
	struct loop loop;
	struct store store;
	struct cgroups cg;
	struct spool spool;
	struct events events;
	struct sandbox sb;
	struct slurm slurm;
	struct jobs jobs;
	struct conns conns;
	struct watch signals;
	struct timer shutdown_deadline, trim_memory;
	bool shutting_down;
};

/* Set up everything but the listening socket: loop, store, signals (SIGCHLD, SIGTERM, SIGINT
 * and SIGHUP are blocked and read from a signalfd), containment, the job registry. 0, or -1
 * after logging why. */
int sup_init(struct sup *s, const struct sup_config *cfg);
/* Listen on cfg.socket_path. 0 or -1 (logged). */
int sup_listen(struct sup *s);
void sup_fini(struct sup *s);

/* Begin the shutdown asked for by signal sig: refuse new work, stop every job. A second call
 * kills what still runs at once. */
void sup_shutdown(struct sup *s, int sig);
/* True once shutdown has stopped every job and written every reply. */
bool sup_done(struct sup *s);

#endif
