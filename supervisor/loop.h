/*
 * loop: jobsupd's one event loop: epoll over file descriptors, a min-heap of timers, and work
 * deferred to the end of an iteration.
 *
 * An owner embeds a struct watch (an fd and its callback) or a struct timer in itself; the loop
 * never allocates or frees them. An object must not be freed while an event for it may still be
 * pending in the current epoll batch: loop_unwatch marks the watch dead (its pending events are
 * dropped), and the owner frees itself from a loop_defer callback, which runs after the batch.
 */
#ifndef LOOP_H
#define LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

/* The object that embeds member (a watch, timer or deferred) at p: how a callback finds its
 * owner. (Left unformatted: clang-format takes "(p) -" for a cast.) */
/* clang-format off */
#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))
/* clang-format on */

struct watch {
	int fd; /* -1 once unwatched */
	uint32_t events;
	void (*fn)(struct watch *w, uint32_t events);
};

struct timer {
	int64_t when; /* monotonic ms */
	size_t slot;  /* position in the heap + 1; 0 when not armed */
	void (*fn)(struct timer *t);
};

struct deferred {
	struct deferred *next;
	void (*fn)(struct deferred *d);
	bool queued;
};

struct loop {
	int epfd;
	struct timer **heap;
	size_t nheap, capheap;
	struct deferred *deferred;
	bool stop;
};

int loop_init(struct loop *l);
void loop_fini(struct loop *l);

/* Start watching fd; 0 or -1 (errno). */
int loop_watch(struct loop *l, struct watch *w, int fd, uint32_t events,
	       void (*fn)(struct watch *, uint32_t));
/* Change the events of interest; a no-op when they are unchanged. */
int loop_rewatch(struct loop *l, struct watch *w, uint32_t events);
/* Stop watching (the fd is not closed). Safe on a watch that is not watched. */
void loop_unwatch(struct loop *l, struct watch *w);
/* Stop watching and close the fd. Safe on a watch that is not watched. */
void loop_unwatch_close(struct loop *l, struct watch *w);

/* Arm (or re-arm) a timer for the monotonic time when, in ms. */
int loop_timer_at(struct loop *l, struct timer *t, int64_t when, void (*fn)(struct timer *));
void loop_timer_cancel(struct loop *l, struct timer *t);
static inline bool loop_timer_armed(const struct timer *t)
{
	return t->slot != 0;
}

/* Run fn(d) after the current batch of events (once, however often it is deferred). */
void loop_defer(struct loop *l, struct deferred *d, void (*fn)(struct deferred *));

/* Run the deferred work now (at shutdown, when no more events will be dispatched). */
void loop_drain(struct loop *l);

/* Wait for events (or the next timer) and dispatch them once. 0, or -1 on a fatal error. */
int loop_run_once(struct loop *l);

/* Monotonic and wall-clock time in milliseconds. */
int64_t loop_now(void);
int64_t wall_now(void);

#endif
