/*
 * sup: jobsupd's state as a whole: its configuration, loop, store, the active jobs (by id, the
 * FIFO queue, the running list) and the client connections. There is one, made in main.c; every
 * module reaches it through the objects it owns (job->sup, conn->sup).
 */
#ifndef SUP_H
#define SUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "cgroup.h"
#include "jobspec.h"
#include "loop.h"
#include "store.h"

struct job;
struct conn;

struct sup_config {
	const char *socket_path;
	long max_running;
	long max_queued;
	long max_log;
	long grace_s;
	long output_cap;
	long max_clients;
	long max_followers;
	struct spec_limits limits;
	const char *cgroup_root; /* under each hierarchy, or absolute (v2) */
	enum cg_want cgroup_want;
};

TAILQ_HEAD(job_queue, job);
LIST_HEAD(conn_list, conn);

struct sup {
	struct sup_config cfg;
	struct loop loop;
	struct store store;
	struct cgroups cg;
	struct watch listen, signals;
	struct timer accept_retry, shutdown_deadline, give_back;
	struct deferred schedule, trim;

	uint64_t next_id;
	uint64_t next_finished_seq;
	long nrunning, nqueued, nfinished;
	struct job_queue queue;	  /* waiting to run, oldest first */
	struct job_queue running; /* running, in order of start */
	struct job **table;	  /* active jobs by id: open hashing, chained */
	size_t table_size;	  /* a power of two */

	struct conn_list conns;
	long nconns;
	long nfollowers;
	uint64_t spawned, spawn_failures, output_bytes; /* since start, for /metrics */
	bool shutting_down;
};

/* Set up everything but the listening socket: loop, store, signals (SIGCHLD, SIGTERM, SIGINT
 * and SIGHUP are blocked and read from a signalfd). 0, or -1 after logging why. */
int sup_init(struct sup *s, const struct sup_config *cfg);
/* Listen on cfg.socket_path (its directory made 0700 when created here). 0 or -1. */
int sup_listen(struct sup *s);
void sup_fini(struct sup *s);

/* Reap every child that has exited. */
void sup_reap(struct sup *s);
/* Begin the shutdown asked for by signal sig: refuse new work, stop every job. A second call
 * kills what still runs at once. */
void sup_shutdown(struct sup *s, int sig);
/* True once shutdown has stopped every job and written every reply. */
bool sup_done(struct sup *s);

/* Stop accepting for a moment after accept(2) ran out of descriptors or memory. */
void sup_accept_later(struct sup *s);

#endif
