/*
 * soak: many clients hammering the whole stack, then an account of every job it was given.
 * soak.c runs the phases and checks the processes; clients.c is what each client thread does
 * and which answers it accepts; ledger.c is what the soak knows of each job, checked as it
 * learns more and accounted for at the end; procs.c reads processes from /proc.
 */
#ifndef SOAK_H
#define SOAK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "http_client.h"

enum shape {
	SHAPE_INSTANT,	/* exits 0 at once */
	SHAPE_FAIL,	/* exits 3 */
	SHAPE_NOEXEC,	/* a command that does not exist: 127 */
	SHAPE_SLEEP,	/* sleeps, exits 0 */
	SHAPE_OUTPUT,	/* writes its bytes, exits 0 */
	SHAPE_STUBBORN, /* ignores SIGTERM, sleeps, exits 0 */
	SHAPE_TIMEOUT,	/* sleeps past its timeout */
};

/* What the soak knows of a job id. */
struct job_info {
	uint8_t owner;	   /* 1 user1, 2 user2, 3 admin; 0: not (yet) answered 201 to the soak */
	uint8_t shape;	   /* enum shape */
	uint8_t ended;	   /* the terminal state first seen (enum state), or 0 */
	bool gone;	   /* answered 404 once: evicted from the log */
	bool stop_asked;   /* a DELETE named it, or a stop-all answered with it */
	bool unlike;	   /* seen ended unlike its shape (reported once) */
	char *unjudged;	   /* the job seen ended before its 201 came (JSON), or NULL */
	long output_bytes; /* what an output job writes */
	char finished[25]; /* finished_at once seen ended ("2026-11-29T10:00:00.123Z"), or "" */
};

struct soak {
	const char *url;
	const char *job_bin;  /* soak_job */
	const char *slot_dir; /* its slot files; also in every job's argv, to find them */
	char cert[3][4096], key[3][4096], cacert[4096]; /* user1, user2, admin */
	int clients, max_running, max_queued, max_log;

	atomic_bool stop; /* the phase is over */
	atomic_ulong status[600];
	atomic_ulong unexpected;
	atomic_ulong client_requests; /* those of the 50 clients (the rest: set-up and sampling) */

	pthread_mutex_t lock;  /* guards what follows */
	struct job_info *jobs; /* by id */
	size_t njobs;	       /* ids 0..njobs-1 have a place */
	unsigned long accepted, max_id, seen_ended, seen_unlike;
};

enum { USER1, USER2, ADMIN };

/* A client thread: actions at random until s->stop. */
struct client {
	pthread_t thread;
	struct soak *s;
	int user;
	unsigned seed;
	unsigned long recent[32]; /* ids of the client's own jobs; the newest at (n - 1) % 32 */
	unsigned n;
};
void *client_main(void *arg);

/* soak.c: report a problem (counted; the soak fails). Any thread. */
void soak_problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Count an answer; an unexpected one is printed (the first few) and counted. Any thread. */
void soak_count(struct soak *s, long status, bool expected, const char *method, const char *path,
		const struct body *b);

/* ledger.c; any thread. */
/* A job the soak was answered 201 for (b): its id, or 0 if b is not a job. */
unsigned long ledger_accept(struct soak *s, int owner, enum shape shape, long output_bytes,
			    const struct body *b);
/* A stop of job id is asked (before the DELETE is sent). */
void ledger_stop_asked(struct soak *s, unsigned long id);
/* Job id was answered 404. */
void ledger_gone(struct soak *s, unsigned long id);
/* The shape of job id, for a restart of it (the new job does the same). */
enum shape ledger_shape(struct soak *s, unsigned long id, long *output_bytes);
/* A job object was answered (b), or with list, {"jobs": [...]} of a stop-all (whose jobs count
 * as asked to stop): each that has ended is checked against its shape. */
void ledger_observe(struct soak *s, const struct body *b, bool list);
/* At the end, with nothing running: every job the soak started is in the log or was evicted
 * as --max-log allows. Prints one line; problems through soak_problem. */
void ledger_account(struct soak *s, CURL *h, struct body *b);
/* Free the ledger. */
void ledger_free(struct soak *s);

/* procs.c: from /proc. */
long proc_fds(int pid);
long proc_rss_kib(int pid);
/* Processes whose parent is pid; zombies among them in *zombies. */
int proc_children(int pid, int *zombies);
/* Processes whose command line holds marker. */
int proc_with(const char *marker);

#endif
