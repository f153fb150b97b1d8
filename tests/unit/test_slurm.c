/* Unit tests: srun's command line for a job, jobprolog's report and Slurm's account of a job as
 * jobsupd reads them (slurm.c). The cluster itself is tests/e2e/slurm.bats's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "slurm.h"

/* argv joined with spaces into dst. */
static void joined(char **argv, char *dst, size_t cap)
{
	size_t n = 0;
	dst[0] = '\0';
	for (int i = 0; argv[i]; i++)
		n += (size_t)snprintf(dst + n, cap - n, "%s%s", i ? " " : "", argv[i]);
}

static void srun_command_line(void **state)
{
	char *cmd[] = {"sh", "-c", "echo hi", NULL}, line[1024];
	char opt0[] = "--account=lab", opt1[] = "--qos=normal", part[] = "--partition=debug";
	struct slurm s = {.srun = "/usr/bin/srun", .prolog = "/usr/sbin/jobprolog"};
	struct jobspec spec = {.argv = cmd, .argc = 3};
	unsigned cpus = 99;
	(void)state;

	/* No limits, no partition: the cluster's defaults; --time rounds up to minutes. */
	char **v = slurm_srun_argv(&s, 17, &spec, 61, &cpus);
	assert_non_null(v);
	joined(v, line, sizeof line);
	assert_string_equal(line,
			    "/usr/bin/srun --quiet --quiet --input=none --job-name=jobworker-17 "
			    "--prolog=/usr/sbin/jobprolog --time=2 -- sh -c echo hi");
	assert_int_equal(cpus, 0);
	free(v);

	/* Memory in KiB, rounded up; CPUs rounded up; the options last, before the command. */
	s.partition_opt = part;
	s.options[0] = opt0;
	s.options[1] = opt1;
	s.noptions = 2;
	spec.limits.memory_bytes = 1000 * 1024 + 1;
	spec.limits.cpu_percent = 150;
	v = slurm_srun_argv(&s, 3, &spec, 3600, &cpus);
	assert_non_null(v);
	joined(v, line, sizeof line);
	assert_string_equal(line,
			    "/usr/bin/srun --quiet --quiet --input=none --job-name=jobworker-3 "
			    "--prolog=/usr/sbin/jobprolog --partition=debug --mem=1001K "
			    "--cpus-per-task=2 --time=60 --account=lab --qos=normal -- sh -c "
			    "echo hi");
	assert_int_equal(cpus, 2);
	free(v);
}

/* Time limits as sinfo prints them: minutes[:seconds], hours:minutes:seconds, with days. */
static void time_limits(void **state)
{
	const struct {
		const char *text;
		long seconds;
	} good[] = {{"infinite", 0},	{"UNLIMITED", 0},     {"5", 300},      {"5:00", 300},
		    {"30:15", 1815},	{"1:00:00", 3600},    {"2-0", 172800}, {"1-02", 93600},
		    {"1-02:30", 95400}, {"1-02:30:05", 95405}};
	const char *bad[] = {"",   "-",	 "x",	  "5:", ":5",	"1:2:3:4", "1-",
			     "-1", "5m", "1-2-3", "0",	"0:00", "999999",  "1 2"};
	long t;
	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		t = -1;
		assert_int_equal(slurm_parse_time(good[i].text, &t), 0);
		assert_int_equal(t, good[i].seconds);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(slurm_parse_time(bad[i], &t), -1);
}

static void cpus_round_up(void **state)
{
	(void)state;
	assert_int_equal(slurm_cpus(1), 1);
	assert_int_equal(slurm_cpus(100), 1);
	assert_int_equal(slurm_cpus(101), 2);
	assert_int_equal(slurm_cpus(200), 2);
}

static void prolog_reports(void **state)
{
	struct slurm_alloc a;
	(void)state;
	const char ok[] = "42 node[1-2] debug\n";
	assert_int_equal(slurm_parse_report(ok, strlen(ok), &a), 0);
	assert_int_equal(a.job_id, 42);
	assert_string_equal(a.node, "node[1-2]");
	assert_string_equal(a.partition, "debug");

	const char *bad[] = {"42 node debug",	     /* no newline: not whole */
			     "0 node debug\n",	     /* no job id */
			     "x node debug\n",	     /* not a number */
			     "42 node\n",	     /* no partition */
			     "42 node debug more\n", /* a word too many */
			     "42  debug\n",	     /* an empty node */
			     "-1 node debug\n",	     /* digits only */
			     "+5 node debug\n",
			     " 5 node debug\n",
			     "4294967296 node debug\n", /* past Slurm's ids */
			     "5 no\033[2Jde debug\n",	/* a terminal's escapes */
			     "5 node deb\rug\n",
			     ""};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (slurm_parse_report(bad[i], strlen(bad[i]), &a) == 0)
			fail_msg("\"%s\" was taken as a report", bad[i]);
	char longer[200];
	memset(longer, 'n', sizeof longer);
	memcpy(longer, "7 ", 2);
	memcpy(longer + sizeof longer - 3, " p\n", 3);
	assert_int_equal(slurm_parse_report(longer, sizeof longer, &a), -1);
}

static void job_accounts(void **state)
{
	struct slurm_end e;
	(void)state;
	const char *done =
	    "JobId=9 JobName=jobworker-1 UserId=nobody(65534) GroupId=nogroup(65534) "
	    "JobState=FAILED Reason=NonZeroExitCode Dependency=(null) "
	    "ExitCode=3:0 RunTime=00:00:01 Command=sh\n";
	assert_int_equal(slurm_parse_job(done, strlen(done), &e), 0);
	assert_string_equal(e.name, "jobworker-1");
	assert_int_equal(e.uid, 65534);
	assert_string_equal(e.state, "FAILED");
	assert_string_equal(e.reason, "NonZeroExitCode");
	assert_int_equal(e.exit_code, 3);
	assert_int_equal(e.signal, 0);

	/* Slurm's out-of-memory code where a signal goes is no signal. */
	const char *oom = "JobId=6 JobName=jobworker-2 UserId=alice(1000) JobState=OUT_OF_MEMORY "
			  "Reason=OutOfMemory ExitCode=0:125\n";
	assert_int_equal(slurm_parse_job(oom, strlen(oom), &e), 0);
	assert_string_equal(e.state, "OUT_OF_MEMORY");
	assert_int_equal(e.uid, 1000);
	assert_int_equal(e.signal, 0);

	/* What the job's user controls comes later (its command, its directory): a job cannot
	 * say it succeeded. */
	const char *spoof = "JobId=5 JobName=jobworker-3 UserId=u(7) JobState=FAILED Reason=None "
			    "ExitCode=0:9 Command=echo JobState=COMPLETED ExitCode=0:0\n";
	assert_int_equal(slurm_parse_job(spoof, strlen(spoof), &e), 0);
	assert_string_equal(e.state, "FAILED");
	assert_int_equal(e.signal, 9);

	/* A key must start a word: "XJobState=" is not "JobState=". */
	const char *words = "JobName=j UserId=u(7) XJobState=COMPLETED JobState=CANCELLED "
			    "ExitCode=0:15\n";
	assert_int_equal(slurm_parse_job(words, strlen(words), &e), 0);
	assert_string_equal(e.state, "CANCELLED");
	assert_int_equal(e.signal, 15);

	const char *bad[] = {"JobName=j UserId=u(7) JobState=FAILED\n",
			     "JobName=j UserId=u(7) ExitCode=1:0\n",
			     "JobName=j JobState=FAILED ExitCode=1:0\n",
			     "UserId=u(7) JobState=FAILED ExitCode=1:0\n",
			     "JobName=j UserId=u JobState=FAILED ExitCode=1:0\n",
			     "JobName=j UserId=u(7) JobState=FAILED ExitCode=300:0\n",
			     "JobName=j UserId=u(7) JobState=FAILED ExitCode=x\n",
			     "slurm_load_jobs error: Invalid job id specified\n",
			     ""};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (slurm_parse_job(bad[i], strlen(bad[i]), &e) == 0)
			fail_msg("\"%s\" was taken as an account", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(srun_command_line), cmocka_unit_test(cpus_round_up),
	    cmocka_unit_test(time_limits),	 cmocka_unit_test(prolog_reports),
	    cmocka_unit_test(job_accounts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
