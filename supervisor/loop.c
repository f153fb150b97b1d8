/* loop: epoll, timers and deferred work for jobsupd; see loop.h. */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define LOOP_BATCH 64

int64_t loop_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int loop_init(struct loop *l)
{
	*l = (struct loop){0};
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -1 : 0;
}

void loop_fini(struct loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	free(l->heap);
	*l = (struct loop){.epfd = -1};
}

int loop_watch(struct loop *l, struct watch *w, int fd, uint32_t events,
	       void (*fn)(struct watch *, uint32_t))
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	w->fd = fd;
	w->events = events;
	w->fn = fn;
	return 0;
}

int loop_rewatch(struct loop *l, struct watch *w, uint32_t events)
{
	if (w->fd < 0 || w->events == events)
		return 0;
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return -1;
	w->events = events;
	return 0;
}

void loop_unwatch(struct loop *l, struct watch *w)
{
	if (w->fd < 0)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->fd = -1;
}

void loop_unwatch_close(struct loop *l, struct watch *w)
{
	int fd = w->fd;
	if (fd < 0)
		return;
	loop_unwatch(l, w);
	close(fd);
}

/* Timer heap: a binary min-heap of pointers, each timer knowing its slot. */

static void heap_place(struct loop *l, size_t i, struct timer *t)
{
	l->heap[i] = t;
	t->slot = i + 1;
}

static void heap_up(struct loop *l, size_t i)
{
	struct timer *t = l->heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (l->heap[parent]->when <= t->when)
			break;
		heap_place(l, i, l->heap[parent]);
		i = parent;
	}
	heap_place(l, i, t);
}

static void heap_down(struct loop *l, size_t i)
{
	struct timer *t = l->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && l->heap[c + 1]->when < l->heap[c]->when)
			c++;
		if (t->when <= l->heap[c]->when)
			break;
		heap_place(l, i, l->heap[c]);
		i = c;
	}
	heap_place(l, i, t);
}

void loop_timer_cancel(struct loop *l, struct timer *t)
{
	if (!t->slot)
		return;
	size_t i = t->slot - 1;
	t->slot = 0;
	struct timer *last = l->heap[--l->nheap];
	if (i == l->nheap)
		return;
	heap_place(l, i, last);
	heap_up(l, i);
	heap_down(l, last->slot - 1);
}

int loop_timer_at(struct loop *l, struct timer *t, int64_t when, void (*fn)(struct timer *))
{
	loop_timer_cancel(l, t);
	if (l->nheap == l->capheap) {
		size_t cap = l->capheap ? l->capheap * 2 : 64;
		struct timer **h = realloc(l->heap, cap * sizeof *h);
		if (!h)
			return -1;
		l->heap = h;
		l->capheap = cap;
	}
	t->when = when;
	t->fn = fn;
	heap_place(l, l->nheap++, t);
	heap_up(l, l->nheap - 1);
	return 0;
}

void loop_defer(struct loop *l, struct deferred *d, void (*fn)(struct deferred *))
{
	if (d->queued)
		return;
	d->fn = fn;
	d->queued = true;
	d->next = l->deferred;
	l->deferred = d;
}

void loop_drain(struct loop *l)
{
	while (l->deferred) {
		struct deferred *d = l->deferred;
		l->deferred = d->next;
		d->queued = false;
		d->fn(d);
	}
}

static void run_timers(struct loop *l)
{
	int64_t now = loop_now();
	while (l->nheap > 0 && l->heap[0]->when <= now) {
		struct timer *t = l->heap[0];
		loop_timer_cancel(l, t);
		t->fn(t);
	}
}

int loop_run_once(struct loop *l)
{
	struct epoll_event evs[LOOP_BATCH];
	int timeout = -1;
	if (l->deferred) {
		timeout = 0;
	} else if (l->nheap > 0) {
		int64_t wait = l->heap[0]->when - loop_now();
		timeout = wait < 0 ? 0 : wait > 60000 ? 60000 : (int)wait;
	}
	int n = epoll_wait(l->epfd, evs, LOOP_BATCH, timeout);
	if (n < 0 && errno != EINTR)
		return -1;
	for (int i = 0; i < n; i++) {
		struct watch *w = evs[i].data.ptr;
		if (w->fd >= 0)
			w->fn(w, evs[i].events);
	}
	run_timers(l);
	loop_drain(l);
	return 0;
}
