/*
 * waitset: a request that waits for several jobs to end (a stop-all), and keeps each one's
 * final job object as it ends: the log may evict a job before the last one has ended, and the
 * answer must still list it. The set is told when the last one has ended.
 *
 * Made by waitset_new, owned by whoever waits (a connection), freed with waitset_free, which
 * also stops watching the jobs that have not ended.
 */
#ifndef WAITSET_H
#define WAITSET_H

#include <stdbool.h>
#include <stddef.h>

#include "job.h"

struct waitset;
typedef void waitset_done_fn(struct waitset *ws, void *ctx);

/* Watch jobs[0..n) (n may be 0) for their ends, rendering each as v sees it from store; done is
 * called once every one has ended, but never from within waitset_new or before waitset_armed.
 * NULL when out of memory. */
struct waitset *waitset_new(struct job *const *jobs, size_t n, struct store *store,
			    const struct viewer *v, waitset_done_fn *done, void *ctx);
/* The caller has done what makes the jobs end (stopped them): from now on done may be called,
 * at once if every job has ended already. */
void waitset_armed(struct waitset *ws);
/* How many have not ended yet. */
size_t waitset_left(const struct waitset *ws);
/* Write the ended jobs, in the order given, as items of the array w is in. */
void waitset_render(const struct waitset *ws, struct jw *w);
void waitset_free(struct waitset *ws);

#endif
