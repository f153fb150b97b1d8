/*
 * pool: jobapi's connections to jobsupd, shared by its worker threads. A thread takes one for a
 * request and gives it back after; up to `keep` (--threads) stay open between requests and
 * the rest are closed, so jobapi holds no more idle connections than it has threads for
 * ordinary requests, whichever of its threads served them. A connection is made (with its
 * handshake) on first use, and made again when jobsupd restarted.
 *
 * The design had each thread keep a connection of its own. With --max-followers threads for
 * long requests (256 by default) that is up to 264 idle connections and as many buffers in
 * both daemons, and which threads hold one is up to the kernel; shared, jobsupd sees at most
 * --threads idle connections plus one per request in flight, at the cost of a mutex per request.
 */
#ifndef POOL_H
#define POOL_H

#include <pthread.h>

#include "client.h"

/* Above this, a kept connection's read buffer is given back rather than kept with it. */
#define POOL_BUF_KEEP (256 * 1024)

struct suppool {
	pthread_mutex_t lock;
	const char *path; /* jobsupd's socket; not copied */
	struct supclient **idle;
	int nidle, keep;
};

/* 0, or -1 when out of memory. */
int pool_init(struct suppool *p, const char *path, int keep);
/* Close and free what is kept. */
void pool_destroy(struct suppool *p);

/* A kept connection, or else a new client that connects on first use; NULL when out of
 * memory. The caller gives it back with pool_give. */
struct supclient *pool_take(struct suppool *p);
/* Keep c for the next request when it is connected and there is room; else close and free it. */
void pool_give(struct suppool *p, struct supclient *c);

#endif
