/*
 * Unit tests: the state table's PENDING phase, a job on Slurm that its srun has submitted but
 * Slurm has not allocated, and how such a job ends. Driven through a scripted executor in place
 * of Slurm's (slurmexec.c): the test says when Slurm allocates a job and when its srun ends;
 * the real thing is tests/e2e/slurm.bats's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "jobpriv.h"
#include "jobtest.h"

/* What the table asked of the executor. */
static struct {
	int spawns, signals, kills, settles, last_signal;
} calls;

static void fake_spawn(struct job *j)
{
	calls.spawns++;
	j->rec.containment = CONTAIN_SLURM;
	job_event(j, EV_SUBMITTED, NULL);
}

static void fake_signal(struct job *j, int sig)
{
	(void)j;
	calls.signals++;
	calls.last_signal = sig;
}

static void fake_kill(struct job *j)
{
	(void)j;
	calls.kills++;
}

static void fake_settle(struct job *j)
{
	calls.settles++;
	job_event(j, EV_GROUP_EMPTY, NULL);
}

static bool fake_account(struct job *j)
{
	(void)j;
	return false;
}

static void fake_nothing(struct job *j)
{
	(void)j;
}

static const struct executor scripted = {
    .spawn = fake_spawn,
    .signal = fake_signal,
    .kill = fake_kill,
    .settle = fake_settle,
    .account = fake_account,
    .release = fake_nothing,
    .usage = fake_nothing,
};

static int setup(void **state)
{
	(void)state;
	struct sup_config cfg = jobtest_config();
	cfg.max_running = cfg.max_queued = 4;
	memset(&calls, 0, sizeof calls);
	if (sup_init(&sup, &cfg) < 0)
		return -1;
	sup.jobs.exec = &scripted;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	loop_drain(&sup.loop);
	sup_fini(&sup);
	return 0;
}

/* A job of `true`, submitted: PENDING, as its srun would leave it. */
static struct job *submitted(void)
{
	struct apierr err;
	uint64_t id = submit(&err, 60, "true", NULL);
	assert_true(id != 0);
	struct job *j = job_find(&sup.jobs, id);
	assert_non_null(j);
	assert_int_equal(j->phase, PHASE_PENDING);
	return j;
}

/* Slurm allocated it: what jobprolog's report brings, then the event. */
static void allocate(struct job *j)
{
	j->rec.slurm_job_id = 42;
	j->rec.slurm_node = "node7";
	job_event(j, EV_ALLOCATED, NULL);
}

/* Its srun ended with status; the table settles it (the scripted executor: at once). */
static void srun_ended(struct job *j, int status)
{
	j->main_status = status;
	job_event(j, EV_MAIN_REAPED, NULL);
	loop_drain(&sup.loop);
}

static void queued_until_allocated_then_runs(void **state)
{
	(void)state;
	struct job *j = submitted();
	uint64_t id = j->rec.id;
	cJSON *o = shown(id);
	assert_string_equal(field(o, "state"), "queued");
	assert_string_equal(field(o, "executor"), "slurm");
	assert_true(is_null(o, "started_at"));
	assert_true(is_null(cJSON_GetObjectItem(o, "slurm"), "job_id"));
	cJSON_Delete(o);
	/* It holds a running slot meanwhile: --max-running is jobs in Slurm. */
	assert_int_equal(sup.jobs.nrunning, 1);
	assert_int_equal(sup.jobs.nqueued, 0);

	allocate(j);
	assert_int_equal(j->phase, PHASE_RUNNING);
	o = shown(id);
	assert_string_equal(field(o, "state"), "running");
	assert_false(is_null(o, "started_at"));
	assert_int_equal(number(cJSON_GetObjectItem(o, "slurm"), "job_id"), 42);
	cJSON_Delete(o);

	srun_ended(j, W_EXITCODE(3, 0));
	o = shown(id);
	assert_string_equal(field(o, "state"), "failed");
	assert_int_equal(number(o, "exit_code"), 3);
	assert_string_equal(field(cJSON_GetObjectItem(o, "slurm"), "node"), "node7");
	cJSON_Delete(o);
	assert_int_equal(calls.settles, 1);
	assert_int_equal(sup.jobs.nrunning, 0);
}

static void a_stop_while_pending_cancels_without_a_grace(void **state)
{
	(void)state;
	struct job *j = submitted();
	uint64_t id = j->rec.id;
	job_stop(j, "tester", 0);
	/* Nothing of it runs: no signal, a cancel. */
	assert_int_equal(j->phase, PHASE_KILLING);
	assert_int_equal(calls.signals, 0);
	assert_int_equal(calls.kills, 1);
	srun_ended(j, W_EXITCODE(1, 0));
	cJSON *o = shown(id);
	assert_string_equal(field(o, "state"), "stopped");
	assert_string_equal(field(o, "error"), "stopped by tester before it started");
	assert_true(is_null(o, "exit_code"));
	assert_true(is_null(o, "started_at"));
	cJSON_Delete(o);
}

static void allocated_while_cancelled_is_cancelled_again(void **state)
{
	(void)state;
	struct job *j = submitted();
	uint64_t id = j->rec.id;
	job_stop(j, "tester", 0);
	allocate(j); /* Slurm had allocated it before the cancel reached it */
	assert_int_equal(j->phase, PHASE_KILLING);
	assert_int_equal(calls.kills, 2);
	srun_ended(j, SIGKILL);
	cJSON *o = shown(id);
	assert_string_equal(field(o, "state"), "stopped");
	assert_string_equal(field(o, "error"), "stopped by tester");
	cJSON_Delete(o);
}

static void a_stop_while_running_is_a_signal_then_the_grace(void **state)
{
	(void)state;
	struct job *j = submitted();
	uint64_t id = j->rec.id;
	allocate(j);
	job_stop(j, "tester", SIGINT);
	assert_int_equal(j->phase, PHASE_STOPPING);
	assert_int_equal(calls.signals, 1);
	assert_int_equal(calls.last_signal, SIGINT);
	assert_int_equal(calls.kills, 0);
	srun_ended(j, W_EXITCODE(0, 0));
	cJSON *o = shown(id);
	assert_string_equal(field(o, "state"), "stopped");
	assert_int_equal(number(o, "exit_code"), 0);
	cJSON_Delete(o);
}

static void refused_by_slurm_fails_and_says_so(void **state)
{
	(void)state;
	struct job *j = submitted();
	uint64_t id = j->rec.id;
	srun_ended(j, W_EXITCODE(1, 0));
	cJSON *o = shown(id);
	assert_string_equal(field(o, "state"), "failed");
	assert_non_null(strstr(field(o, "error"), "Slurm did not run it"));
	assert_true(is_null(o, "exit_code"));
	cJSON_Delete(o);
}

static void shutdown_while_pending(void **state)
{
	(void)state;
	struct job *j = submitted();
	uint64_t id = j->rec.id;
	jobs_shutdown(&sup.jobs, false);
	assert_int_equal(j->phase, PHASE_KILLING);
	srun_ended(j, W_EXITCODE(1, 0));
	cJSON *o = shown(id);
	assert_string_equal(field(o, "state"), "stopped");
	assert_string_equal(field(o, "error"), "stopped before it started: jobsupd shut down");
	cJSON_Delete(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(queued_until_allocated_then_runs, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_stop_while_pending_cancels_without_a_grace, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(allocated_while_cancelled_is_cancelled_again, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(a_stop_while_running_is_a_signal_then_the_grace, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(refused_by_slurm_fails_and_says_so, setup, teardown),
	    cmocka_unit_test_setup_teardown(shutdown_while_pending, setup, teardown),
	};
	return cmocka_run_group_tests_name("job_pending", tests, NULL, NULL);
}
