/* Unit tests: jobsupd's event loop (loop.c) with real time and real descriptors: its timer heap,
 * deferred work and watches. They assert the order and number of callbacks, never how long
 * anything took: timers are armed in the past or a few ms ahead, and the loop is run until they
 * have fired (each run is bounded by the next timer). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"

#define NTIMERS 300
/* More runs than any test needs: a loop that never gets there fails instead of hanging. */
#define MAX_RUNS 10000

struct rec {
	struct timer t;
	int id;
};

static struct loop L;
static struct rec recs[NTIMERS];
static int fired[4 * NTIMERS];
static int nfired;

static void on_fire(struct timer *t)
{
	struct rec *r = container_of(t, struct rec, t);
	assert_true(nfired < (int)(sizeof fired / sizeof *fired));
	fired[nfired++] = r->id;
}

static int setup(void **state)
{
	(void)state;
	memset(recs, 0, sizeof recs);
	for (int i = 0; i < NTIMERS; i++)
		recs[i].id = i;
	nfired = 0;
	/* A loop that never gets there (a cycle in the deferred list, say) fails, not hangs. */
	alarm(60);
	return loop_init(&L);
}

static int teardown(void **state)
{
	(void)state;
	alarm(0);
	loop_fini(&L);
	return 0;
}

/* A fixed shuffle of 0..n-1, the same every run. */
static void shuffle(int *a, int n)
{
	uint32_t x = 2463534242u;
	for (int i = 0; i < n; i++)
		a[i] = i;
	for (int i = n - 1; i > 0; i--) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		int j = (int)(x % (uint32_t)(i + 1));
		int t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

/* Run the loop until n callbacks have been recorded (or MAX_RUNS, which fails the test). */
static void run_until_fired(int n)
{
	for (int runs = 0; nfired < n; runs++) {
		assert_true(runs < MAX_RUNS);
		assert_int_equal(loop_run_once(&L), 0);
	}
}

/* The heap's own promise: each parent is due no later than its children, and each timer
 * knows its slot. */
static void assert_heap(void)
{
	for (size_t i = 0; i < L.nheap; i++) {
		assert_int_equal(L.heap[i]->slot, i + 1);
		if (i > 0)
			assert_true(L.heap[(i - 1) / 2]->when <= L.heap[i]->when);
	}
}

static void timers_fire_in_order_of_their_time(void **state)
{
	int order[NTIMERS];
	int64_t now = loop_now();
	(void)state;
	shuffle(order, NTIMERS);
	/* Timer i is due at its own time: the first half long past, the rest a few ms ahead. */
	for (int k = 0; k < NTIMERS; k++) {
		int i = order[k];
		int64_t when = i < NTIMERS / 2 ? now - 100000 + i : now + (i - NTIMERS / 2) / 30;
		assert_int_equal(loop_timer_at(&L, &recs[i].t, when, on_fire), 0);
		assert_true(loop_timer_armed(&recs[i].t));
	}
	assert_heap();
	run_until_fired(NTIMERS);
	assert_int_equal(nfired, NTIMERS);
	for (int k = 1; k < NTIMERS; k++)
		assert_true(recs[fired[k - 1]].t.when <= recs[fired[k]].t.when);
	for (int i = 0; i < NTIMERS / 2; i++)
		assert_int_equal(fired[i], i); /* distinct times: exactly this order */
	for (int i = 0; i < NTIMERS; i++)
		assert_false(loop_timer_armed(&recs[i].t));
	assert_int_equal(L.nheap, 0);
}

static void rearming_moves_a_timer(void **state)
{
	int64_t past = loop_now() - 100000;
	(void)state;
	for (int i = 0; i < 4; i++)
		loop_timer_at(&L, &recs[i].t, past + 10 * i, on_fire);
	loop_timer_at(&L, &recs[0].t, past + 25, on_fire); /* from first to between 2 and 3 */
	loop_timer_at(&L, &recs[3].t, past, on_fire);	   /* from last to first */
	assert_int_equal(L.nheap, 4);			   /* moved, not added */
	assert_heap();
	run_until_fired(4);
	int want[] = {3, 1, 2, 0};
	assert_memory_equal(fired, want, sizeof want);

	/* Re-armed far ahead, a due timer is not due any more; the others still fire. */
	nfired = 0;
	loop_timer_at(&L, &recs[0].t, past, on_fire);
	loop_timer_at(&L, &recs[1].t, past + 1, on_fire);
	loop_timer_at(&L, &recs[0].t, loop_now() + 3600 * 1000, on_fire);
	run_until_fired(1);
	assert_int_equal(fired[0], 1);
	assert_true(loop_timer_armed(&recs[0].t));
	loop_timer_cancel(&L, &recs[0].t);
	assert_int_equal(L.nheap, 0);
}

static void cancelling_removes_exactly_that_timer(void **state)
{
	int order[NTIMERS];
	bool cancelled[NTIMERS] = {false};
	int ncancelled = 0;
	int64_t past = loop_now() - 100000;
	(void)state;
	shuffle(order, NTIMERS);
	for (int k = 0; k < NTIMERS; k++)
		loop_timer_at(&L, &recs[order[k]].t, past + order[k], on_fire);
	/* Whatever sits at the root, in the last slot (SIZE_MAX here), in the middle and in a
	 * few others. */
	size_t slots[] = {0, SIZE_MAX, NTIMERS / 2, 1, 2, 7, 100, SIZE_MAX, 150, 42, 0};
	for (size_t s = 0; s < sizeof slots / sizeof *slots; s++) {
		size_t slot = slots[s] == SIZE_MAX ? L.nheap - 1 : slots[s];
		assert_true(slot < L.nheap);
		struct rec *r = container_of(L.heap[slot], struct rec, t);
		loop_timer_cancel(&L, &r->t);
		assert_false(loop_timer_armed(&r->t));
		cancelled[r->id] = true;
		ncancelled++;
		assert_int_equal(L.nheap, NTIMERS - ncancelled);
		assert_heap();
	}
	run_until_fired(NTIMERS - ncancelled);
	assert_int_equal(L.nheap, 0);
	/* Every other timer fired, once, in order of its time (here: of its id). */
	int k = 0;
	for (int i = 0; i < NTIMERS; i++)
		if (!cancelled[i])
			assert_int_equal(fired[k++], i);
	assert_int_equal(k, nfired);
}

/* The last timer, moved into the cancelled one's slot, may be due sooner than that slot's
 * parent: it must move up. Armed in this order, the heap is {1, 10, 2, 11, 12, 3, 4}. */
static void cancelling_moves_the_last_timer_up_when_due_sooner(void **state)
{
	static const int64_t whens[] = {1, 10, 2, 11, 12, 3, 4};
	int64_t past = loop_now() - 100000;
	(void)state;
	for (int i = 0; i < 7; i++)
		loop_timer_at(&L, &recs[i].t, past + whens[i], on_fire);
	assert_int_equal(recs[3].t.slot, 4); /* 11, under 10, while 4 is last and under 2 */
	loop_timer_cancel(&L, &recs[3].t);
	assert_heap();
	run_until_fired(6);
	int want[] = {0, 2, 5, 6, 1, 4};
	assert_memory_equal(fired, want, sizeof want);
}

static void cancelling_twice_or_unarmed_changes_nothing(void **state)
{
	int64_t past = loop_now() - 100000;
	(void)state;
	for (int i = 0; i < 5; i++)
		loop_timer_at(&L, &recs[i].t, past + i, on_fire);
	loop_timer_cancel(&L, &recs[2].t);
	loop_timer_cancel(&L, &recs[2].t);
	loop_timer_cancel(&L, &recs[9].t); /* never armed */
	assert_int_equal(L.nheap, 4);
	assert_heap();
	run_until_fired(4);
	int want[] = {0, 1, 3, 4};
	assert_memory_equal(fired, want, sizeof want);
}

/* Timers whose callbacks change the heap while it is being run. */
static struct rec *to_cancel, *to_arm;
static int64_t arm_at;

static void cancel_and_arm(struct timer *t)
{
	on_fire(t);
	loop_timer_cancel(&L, &to_cancel->t);
	loop_timer_at(&L, &to_arm->t, arm_at, on_fire);
}

static int again;
static void rearm_self(struct timer *t)
{
	on_fire(t);
	if (++again < 3)
		loop_timer_at(&L, t, t->when + 1, rearm_self);
}

static void callbacks_arm_and_cancel_others(void **state)
{
	int64_t past = loop_now() - 100000;
	(void)state;
	/* 0 cancels 2 (due next) and arms 4 before 3: 2 never fires, 4 fires in this same run. */
	loop_timer_at(&L, &recs[0].t, past, cancel_and_arm);
	loop_timer_at(&L, &recs[1].t, past + 1, on_fire);
	loop_timer_at(&L, &recs[2].t, past + 2, on_fire);
	loop_timer_at(&L, &recs[3].t, past + 10, on_fire);
	to_cancel = &recs[2];
	to_arm = &recs[4];
	arm_at = past + 5;
	assert_int_equal(loop_run_once(&L), 0);
	int want[] = {0, 1, 4, 3};
	assert_int_equal(nfired, 4);
	assert_memory_equal(fired, want, sizeof want);
	assert_false(loop_timer_armed(&recs[2].t));
	assert_int_equal(L.nheap, 0);

	/* A timer that re-arms itself from its callback fires each time, and then no more. */
	nfired = 0;
	again = 0;
	loop_timer_at(&L, &recs[5].t, past, rearm_self);
	loop_timer_at(&L, &recs[6].t, past + 100, on_fire);
	run_until_fired(4);
	int want2[] = {5, 5, 5, 6};
	assert_memory_equal(fired, want2, sizeof want2);
	assert_int_equal(L.nheap, 0);
}

/* Deferred work */
static struct deferred def_a, def_b;
static int ran_a, ran_b;

static void on_def(struct deferred *d)
{
	if (d == &def_a)
		ran_a++;
	else
		ran_b++;
	fired[nfired++] = d == &def_a ? -1 : -2;
}

static void defer_from_timer(struct timer *t)
{
	on_fire(t);
	loop_defer(&L, &def_a, on_def);
	loop_defer(&L, &def_a, on_def);
}

static void deferred_work_runs_once_per_batch_after_it(void **state)
{
	int64_t past = loop_now() - 100000;
	(void)state;
	ran_a = ran_b = 0;
	def_a = def_b = (struct deferred){0};
	/* Deferred three times in one batch, from outside and from two timers: run once, after
	 * both timers. */
	loop_defer(&L, &def_a, on_def);
	loop_timer_at(&L, &recs[0].t, past, defer_from_timer);
	loop_timer_at(&L, &recs[1].t, past + 1, defer_from_timer);
	loop_defer(&L, &def_b, on_def);
	assert_int_equal(loop_run_once(&L), 0);
	assert_int_equal(ran_a, 1);
	assert_int_equal(ran_b, 1);
	assert_int_equal(nfired, 4);
	assert_int_equal(fired[0], 0);
	assert_int_equal(fired[1], 1);
	assert_true(fired[2] < 0 && fired[3] < 0);

	/* The next batch runs it again; a batch without deferring does not. */
	loop_defer(&L, &def_a, on_def);
	loop_defer(&L, &def_a, on_def);
	assert_int_equal(loop_run_once(&L), 0); /* returns at once: work is waiting */
	assert_int_equal(ran_a, 2);
	loop_timer_at(&L, &recs[2].t, past, on_fire);
	assert_int_equal(loop_run_once(&L), 0);
	assert_int_equal(ran_a, 2);
	assert_int_equal(ran_b, 1);

	/* loop_drain runs what is waiting, once. */
	loop_defer(&L, &def_b, on_def);
	loop_defer(&L, &def_b, on_def);
	loop_drain(&L);
	loop_drain(&L);
	assert_int_equal(ran_b, 2);
}

/* Watches */
struct pipe_watch {
	struct watch w;
	int calls;
	uint32_t events;
	struct pipe_watch *other; /* unwatched by this one's callback, when set */
};

static void on_readable(struct watch *w, uint32_t events)
{
	struct pipe_watch *p = container_of(w, struct pipe_watch, w);
	char buf[16];
	p->calls++;
	p->events |= events;
	while (read(w->fd, buf, sizeof buf) > 0)
		;
	if (p->other)
		loop_unwatch(&L, &p->other->w);
}

/* Run once with a timer already due, so that the run cannot wait for events that do not come:
 * what it dispatches is what was there. */
static void run_once_now(void)
{
	static struct rec guard;
	loop_timer_at(&L, &guard.t, loop_now() - 1, on_fire);
	assert_int_equal(loop_run_once(&L), 0);
}

static void a_watch_on_a_pipe_fires(void **state)
{
	int fds[2];
	struct pipe_watch p = {0};
	(void)state;
	assert_int_equal(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(loop_watch(&L, &p.w, fds[0], EPOLLIN, on_readable), 0);
	run_once_now();
	assert_int_equal(p.calls, 0); /* nothing written: nothing to read */
	assert_int_equal(write(fds[1], "x", 1), 1);
	run_once_now();
	assert_int_equal(p.calls, 1);
	assert_true(p.events & EPOLLIN);
	run_once_now();
	assert_int_equal(p.calls, 1); /* read, so not readable any more (level-triggered) */
	/* The writer gone: the reader hears of it. */
	close(fds[1]);
	run_once_now();
	assert_int_equal(p.calls, 2);
	assert_true(p.events & EPOLLHUP);
	/* Unwatched: no more calls, though the pipe still says it is closed. */
	loop_unwatch(&L, &p.w);
	assert_int_equal(p.w.fd, -1);
	loop_unwatch(&L, &p.w); /* twice is harmless */
	run_once_now();
	assert_int_equal(p.calls, 2);
	close(fds[0]);
}

static void an_unwatched_watch_gets_no_event_left_in_the_batch(void **state)
{
	int a[2], b[2];
	struct pipe_watch pa = {0}, pb = {0};
	(void)state;
	assert_int_equal(pipe2(a, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(pipe2(b, O_CLOEXEC | O_NONBLOCK), 0);
	pa.other = &pb;
	pb.other = &pa;
	loop_watch(&L, &pa.w, a[0], EPOLLIN, on_readable);
	loop_watch(&L, &pb.w, b[0], EPOLLIN, on_readable);
	/* Both readable in one batch: whichever runs first unwatches the other, whose event in the
	 * same batch must then be dropped (its owner may be freed by then). */
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "y", 1), 1);
	run_once_now();
	assert_int_equal(pa.calls + pb.calls, 1);
	loop_unwatch(&L, &pa.w);
	loop_unwatch(&L, &pb.w);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(timers_fire_in_order_of_their_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(rearming_moves_a_timer, setup, teardown),
	    cmocka_unit_test_setup_teardown(cancelling_removes_exactly_that_timer, setup, teardown),
	    cmocka_unit_test_setup_teardown(cancelling_moves_the_last_timer_up_when_due_sooner,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(cancelling_twice_or_unarmed_changes_nothing, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(callbacks_arm_and_cancel_others, setup, teardown),
	    cmocka_unit_test_setup_teardown(deferred_work_runs_once_per_batch_after_it, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(a_watch_on_a_pipe_fires, setup, teardown),
	    cmocka_unit_test_setup_teardown(an_unwatched_watch_gets_no_event_left_in_the_batch,
					    setup, teardown),
	};
	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
