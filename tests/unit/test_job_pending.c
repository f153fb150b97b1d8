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
#include "sup.h"

static struct sup sup;

/* What the table asked of the executor. */
static struct {
	int spawns, signals, kills, settles, last_signal;
} calls;

static void fake_spawn(struct job *j)
{
	calls.spawns++;
	j->rec.executor = EXEC_SLURM;
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
	struct sup_config cfg = {
	    .socket_path = "unused",
	    .max_running = 4,
	    .max_queued = 4,
	    .max_log = 50,
	    .grace_s = 1,
	    .output_cap = 1 << 16,
	    .max_clients = 8,
	    .max_followers = 8,
	    .max_events = 64,
	    .limits = {.max_command_bytes = 4096,
		       .max_args = 64,
		       .default_timeout_s = 60,
		       .max_timeout_s = 600},
	    .cgroup_root = "unused",
	    .cgroup_want = CG_WANT_NONE,
	    .sandbox = {.want = ISOLATION_NONE, .default_network = JOB_NET_HOST},
	};
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
	struct jobspec spec = {.timeout_s = 60, .argc = 1};
	spec.argv = malloc(2 * sizeof(char *) + 5);
	spec.argv[0] = (char *)(spec.argv + 2);
	memcpy(spec.argv[0], "true", 5);
	spec.argv[1] = NULL;
	uint64_t id = job_submit(&sup.jobs, "tester", &spec, &err);
	jobspec_free(&spec);
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

/* The job as the API shows it; the caller frees it. */
static cJSON *shown(uint64_t id)
{
	struct viewer admin = {.user = "admin", .admin = true};
	struct buf b = BUF_INIT;
	assert_int_equal(store_render(&sup.store, id, &admin, true, &b), 0);
	cJSON *o = cJSON_ParseWithLength(buf_head(&b), buf_used(&b));
	buf_free(&b);
	assert_non_null(o);
	return o;
}

static const char *text(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "(not a string)";
}

static bool null(const cJSON *o, const char *key)
{
	return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, key));
}

static void queued_until_allocated_then_runs(void **state)
{
	(void)state;
	struct job *j = submitted();
	uint64_t id = j->rec.id;
	cJSON *o = shown(id);
	assert_string_equal(text(o, "state"), "queued");
	assert_string_equal(text(o, "executor"), "slurm");
	assert_true(null(o, "started_at"));
	assert_true(null(cJSON_GetObjectItem(o, "slurm"), "job_id"));
	cJSON_Delete(o);
	/* It holds a running slot meanwhile: --max-running is jobs in Slurm. */
	assert_int_equal(sup.jobs.nrunning, 1);
	assert_int_equal(sup.jobs.nqueued, 0);

	allocate(j);
	assert_int_equal(j->phase, PHASE_RUNNING);
	o = shown(id);
	assert_string_equal(text(o, "state"), "running");
	assert_false(null(o, "started_at"));
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "slurm"), "job_id")->valueint,
			 42);
	cJSON_Delete(o);

	srun_ended(j, W_EXITCODE(3, 0));
	o = shown(id);
	assert_string_equal(text(o, "state"), "failed");
	assert_int_equal(cJSON_GetObjectItem(o, "exit_code")->valueint, 3);
	assert_string_equal(text(cJSON_GetObjectItem(o, "slurm"), "node"), "node7");
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
	assert_string_equal(text(o, "state"), "stopped");
	assert_string_equal(text(o, "error"), "stopped by tester before it started");
	assert_true(null(o, "exit_code"));
	assert_true(null(o, "started_at"));
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
	assert_string_equal(text(o, "state"), "stopped");
	assert_string_equal(text(o, "error"), "stopped by tester");
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
	assert_string_equal(text(o, "state"), "stopped");
	assert_int_equal(cJSON_GetObjectItem(o, "exit_code")->valueint, 0);
	cJSON_Delete(o);
}

static void refused_by_slurm_fails_and_says_so(void **state)
{
	(void)state;
	struct job *j = submitted();
	uint64_t id = j->rec.id;
	srun_ended(j, W_EXITCODE(1, 0));
	cJSON *o = shown(id);
	assert_string_equal(text(o, "state"), "failed");
	assert_non_null(strstr(text(o, "error"), "Slurm did not run it"));
	assert_true(null(o, "exit_code"));
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
	assert_string_equal(text(o, "state"), "stopped");
	assert_string_equal(text(o, "error"), "stopped before it started: jobsupd shut down");
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
