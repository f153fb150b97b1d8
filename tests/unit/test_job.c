/*
 * Unit tests: the job state machine, the queue and its limits, the log cap and the output cap,
 * driven in-process through jobsupd's own loop, with real child processes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "job.h"
#include "jobtest.h"
#include "waitset.h"

static struct timer guard;

static void guard_fired(struct timer *t)
{
	(void)t;
	fail_msg("the loop did not get there: a job never reached the state the test expects");
}

static int setup(void **state)
{
	struct sup_config cfg = *(struct sup_config *)*state;
	if (sup_init(&sup, &cfg) < 0)
		return -1;
	/* A safety net so that a broken state machine fails instead of hanging the suite. */
	loop_timer_at(&sup.loop, &guard, loop_now() + 30000, guard_fired);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jobs_shutdown(&sup.jobs, false);
	while (sup.jobs.nrunning > 0)
		loop_run_once(&sup.loop);
	loop_timer_cancel(&sup.loop, &guard);
	sup_fini(&sup);
	return 0;
}

static void run_until_ended(uint64_t id)
{
	while (job_find(&sup.jobs, id))
		assert_int_equal(loop_run_once(&sup.loop), 0);
}

static void succeeds_and_fails(void **state)
{
	struct apierr err;
	(void)state;
	uint64_t ok = submit(&err, 60, "sh", "-c", "echo out; echo err >&2", NULL);
	uint64_t bad = submit(&err, 60, "sh", "-c", "exit 3", NULL);
	assert_true(ok && bad);
	cJSON *j = shown(ok);
	assert_string_equal(field(j, "state"), "running");
	assert_true(number(j, "pid") > 0);
	cJSON_Delete(j);
	run_until_ended(ok);
	run_until_ended(bad);

	j = shown(ok);
	assert_string_equal(field(j, "state"), "succeeded");
	assert_int_equal(number(j, "exit_code"), 0);
	assert_string_equal(field(j, "output"), "out\nerr\n");
	assert_int_equal(number(j, "output_bytes"), 8);
	assert_true(is_null(j, "pid"));
	assert_true(cJSON_IsString(cJSON_GetObjectItem(j, "finished_at")));
	cJSON_Delete(j);
	j = shown(bad);
	assert_string_equal(field(j, "state"), "failed");
	assert_int_equal(number(j, "exit_code"), 3);
	cJSON_Delete(j);
}

static void exec_failure_is_reported(void **state)
{
	struct apierr err;
	(void)state;
	uint64_t id = submit(&err, 60, "/nonexistent/command", NULL);
	assert_true(id);
	uint64_t denied = submit(&err, 60, "/etc", NULL); /* exists, cannot be executed */
	cJSON *j = shown(id);
	assert_string_equal(field(j, "state"), "failed");
	assert_int_equal(number(j, "exit_code"), 127);
	assert_non_null(strstr(field(j, "error"), "No such file or directory"));
	cJSON_Delete(j);
	j = shown(denied);
	assert_int_equal(number(j, "exit_code"), 126);
	cJSON_Delete(j);
	assert_int_equal(sup.jobs.nrunning, 0);
}

static void queue_is_fifo_and_bounded(void **state)
{
	struct apierr err;
	(void)state;
	uint64_t a = submit(&err, 60, "sleep", "30", NULL);
	uint64_t b = submit(&err, 60, "sleep", "30", NULL);
	uint64_t c = submit(&err, 60, "sleep", "30", NULL);
	uint64_t d = submit(&err, 60, "sleep", "30", NULL);
	assert_int_equal(sup.jobs.nrunning, 2);
	assert_int_equal(sup.jobs.nqueued, 2);
	/* max-queued 2: the fifth is refused and changes nothing. */
	assert_int_equal(submit(&err, 60, "sleep", "30", NULL), 0);
	assert_int_equal(err.status, 429);
	assert_string_equal(err.code, "queue_full");
	assert_int_equal(sup.jobs.nqueued, 2);

	cJSON *j = shown(c);
	assert_string_equal(field(j, "state"), "queued");
	assert_true(is_null(j, "started_at"));
	cJSON_Delete(j);

	/* Stopping a running job lets the oldest queued one start, and only that one. */
	job_stop(job_find(&sup.jobs, a), "tester", 0);
	run_until_ended(a);
	loop_drain(&sup.loop); /* the scheduler runs after the batch */
	j = shown(c);
	assert_string_equal(field(j, "state"), "running");
	cJSON_Delete(j);
	j = shown(d);
	assert_string_equal(field(j, "state"), "queued");
	cJSON_Delete(j);

	/* Stopping a queued job ends it at once. */
	job_stop(job_find(&sup.jobs, d), "tester", 0);
	j = shown(d);
	assert_string_equal(field(j, "state"), "stopped");
	assert_non_null(strstr(field(j, "error"), "before it started"));
	cJSON_Delete(j);
	j = shown(a);
	assert_string_equal(field(j, "state"), "stopped");
	assert_string_equal(field(j, "signal"), "SIGTERM");
	assert_string_equal(field(j, "error"), "stopped by tester");
	cJSON_Delete(j);
	(void)b;
}

static void log_keeps_the_most_recent(void **state)
{
	struct apierr err;
	struct viewer v = {.user = "tester"};
	uint64_t ids[5];
	(void)state;
	for (int i = 0; i < 5; i++) {
		ids[i] = submit(&err, 60, "true", NULL);
		run_until_ended(ids[i]);
	}
	loop_drain(&sup.loop); /* the log is trimmed after the batch */
	assert_int_equal(sup.jobs.nfinished, 3);
	assert_int_equal(store_lookup(&sup.store, ids[0], &v), -1);
	assert_int_equal(store_lookup(&sup.store, ids[1], &v), -1);
	for (int i = 2; i < 5; i++)
		assert_int_equal(store_lookup(&sup.store, ids[i], &v), 0);
}

static void output_keeps_the_tail(void **state)
{
	struct apierr err;
	(void)state;
	uint64_t id = submit(&err, 60, "printf", "0123456789abcdefghij", NULL);
	run_until_ended(id);
	cJSON *j = shown(id);
	assert_int_equal(number(j, "output_bytes"), 20);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "output_truncated")));
	assert_string_equal(field(j, "output"), "456789abcdefghij");
	cJSON_Delete(j);
}

static void timeout_and_kill(void **state)
{
	struct apierr err;
	(void)state;
	uint64_t slow = submit(&err, 1, "sleep", "30", NULL);
	/* Ignores SIGTERM: must be killed when the grace period is over. */
	uint64_t stubborn = submit(&err, 60, "sh", "-c",
				   "trap '' TERM; echo ready; while :; do sleep 1; done", NULL);
	while (job_find(&sup.jobs, stubborn)->ring->total == 0)
		loop_run_once(&sup.loop);
	job_stop(job_find(&sup.jobs, stubborn), "tester", 0);
	run_until_ended(slow);
	run_until_ended(stubborn);

	cJSON *j = shown(slow);
	assert_string_equal(field(j, "state"), "timed_out");
	assert_string_equal(field(j, "error"), "timed out after 1 s");
	cJSON_Delete(j);
	j = shown(stubborn);
	assert_string_equal(field(j, "state"), "stopped");
	assert_string_equal(field(j, "signal"), "SIGKILL");
	assert_non_null(strstr(field(j, "error"), "did not exit within 1 s of SIGTERM"));
	cJSON_Delete(j);
}

/* Stop-all's bookkeeping: a waitset over running and queued jobs is done once, after it was
 * armed, when the last has ended; it keeps each one's final object, in the order given, even
 * when the log has evicted the job meanwhile. */
static int all_done_calls;

static void all_done(struct waitset *ws, void *ctx)
{
	(void)ws;
	(void)ctx;
	all_done_calls++;
}

static void stop_all_waits_for_every_job(void **state)
{
	struct apierr err;
	struct viewer v = {.user = "tester"};
	struct job *jobs[3];
	(void)state;
	all_done_calls = 0;
	for (int i = 0; i < 3; i++) /* two run, one waits */
		jobs[i] = job_find(&sup.jobs, submit(&err, 60, "sleep", "30", NULL));
	struct waitset *ws = waitset_new(jobs, 3, &sup.store, &v, all_done, NULL);
	assert_non_null(ws);
	for (int i = 2; i >= 0; i--)
		job_stop(jobs[i], "tester", 0);
	/* The queued one has ended at once; done is not told before the set is armed. */
	assert_int_equal(waitset_left(ws), 2);
	assert_int_equal(all_done_calls, 0);
	waitset_armed(ws);
	assert_int_equal(all_done_calls, 0);
	while (all_done_calls == 0)
		assert_int_equal(loop_run_once(&sup.loop), 0);
	assert_int_equal(all_done_calls, 1);
	assert_int_equal(waitset_left(ws), 0);
	loop_drain(&sup.loop); /* the log cap (1) evicts all but the newest */

	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b);
	jw_arr(&w);
	waitset_render(ws, &w);
	jw_arr_end(&w);
	buf_putc(&b, '\0');
	cJSON *list = cJSON_Parse(buf_head(&b));
	assert_int_equal(cJSON_GetArraySize(list), 3);
	for (int i = 0; i < 3; i++) {
		const cJSON *o = cJSON_GetArrayItem(list, i);
		assert_int_equal(atoi(field(o, "id")), i + 1);
		assert_string_equal(field(o, "state"), "stopped");
	}
	cJSON_Delete(list);
	buf_free(&b);
	waitset_free(ws);
}

/* A waitset freed before its jobs end (its client went away) stops watching them. */
static void a_freed_waitset_is_forgotten(void **state)
{
	struct apierr err;
	struct viewer v = {.user = "tester"};
	(void)state;
	all_done_calls = 0;
	struct job *j = job_find(&sup.jobs, submit(&err, 60, "sleep", "30", NULL));
	struct waitset *ws = waitset_new(&j, 1, &sup.store, &v, all_done, NULL);
	waitset_armed(ws);
	waitset_free(ws);
	uint64_t id = j->rec.id;
	job_stop(j, "tester", 0);
	run_until_ended(id);
	assert_int_equal(all_done_calls, 0);
}

int main(void)
{
	static struct sup_config base, small_log, small_output, tiny_log;
	base = jobtest_config();
	small_log = jobtest_config();
	small_log.max_log = 3;
	small_output = jobtest_config();
	small_output.output_cap = 16;
	tiny_log = jobtest_config();
	tiny_log.max_log = 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_prestate_setup_teardown(succeeds_and_fails, setup, teardown, &base),
	    cmocka_unit_test_prestate_setup_teardown(exec_failure_is_reported, setup, teardown,
						     &base),
	    cmocka_unit_test_prestate_setup_teardown(queue_is_fifo_and_bounded, setup, teardown,
						     &base),
	    cmocka_unit_test_prestate_setup_teardown(log_keeps_the_most_recent, setup, teardown,
						     &small_log),
	    cmocka_unit_test_prestate_setup_teardown(output_keeps_the_tail, setup, teardown,
						     &small_output),
	    cmocka_unit_test_prestate_setup_teardown(timeout_and_kill, setup, teardown, &base),
	    cmocka_unit_test_prestate_setup_teardown(stop_all_waits_for_every_job, setup, teardown,
						     &tiny_log),
	    cmocka_unit_test_prestate_setup_teardown(a_freed_waitset_is_forgotten, setup, teardown,
						     &base),
	};
	return cmocka_run_group_tests_name("job", tests, NULL, NULL);
}
