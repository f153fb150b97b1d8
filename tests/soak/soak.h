/*
 * soak: many clients hammering the whole stack, then an account of every job it was given.
 * soak.c runs the phases and checks the end; clients.c is what each client thread does and
 * which answers it accepts; procs.c reads processes from /proc.
 */
#ifndef SOAK_H
#define SOAK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "http_client.h"

enum shape { SHAPE_INSTANT, SHAPE_FAIL, SHAPE_NOEXEC, SHAPE_SLEEP, SHAPE_OUTPUT, SHAPE_STUBBORN,
	     SHAPE_TIMEOUT, NSHAPES };

/* What the soak knows of a job id: whose it is (0: never answered 201 to the soak), what it
 * does, and whether it was ever answered 404 (evicted from the log). */
struct job_info {
	uint8_t owner;
	uint8_t shape;
	bool gone;
	long output_bytes; /* what an output job writes */
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

	pthread_mutex_t lock; /* guards what follows */
	struct job_info *jobs; /* by id */
	size_t njobs;	       /* ids 0..njobs-1 have a place */
	unsigned long accepted;
	unsigned long max_id;
};

enum { USER1, USER2, ADMIN };

/* A client thread: actions at random until s->stop. arg is a struct client. */
struct client {
	pthread_t thread;
	struct soak *s;
	int user;
	unsigned seed;
	unsigned long recent[32]; /* ids of the client's own jobs, newest at recent[n % 32] */
	unsigned n;
};
void *client_main(void *arg);

/* Count a response: an unexpected one is printed (the first few) and counted. */
void soak_count(struct soak *s, long status, bool expected, const char *method, const char *path,
		const struct body *b);

/* Record a job the soak was answered 201 for; its id. 0 if the answer was not a job. */
unsigned long soak_accepted(struct soak *s, int owner, enum shape shape, long output_bytes,
			    const struct body *b);

/* procs.c: from /proc. */
long proc_fds(int pid);
long proc_rss_kib(int pid);
/* Processes whose parent is pid; zombies among them in *zombies. */
int proc_children(int pid, int *zombies);
/* Processes whose command line holds marker. */
int proc_with(const char *marker);

#endif
