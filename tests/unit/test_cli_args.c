/* Unit tests: what jobctl's commands accept and refuse on their command lines, and the
 * messages they refuse with, parsed without a server (jobctl.h's *_parse). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "args.h"
#include "jobctl.h"
#include "states.h"

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
#define PARSE(fn, x, out, ...) fn(x, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), out)

/* What the parse functions said on stderr since the last capture_start. */
static char said[2048];
static FILE *real_stderr;

static void capture_start(void)
{
	said[0] = '\0';
	real_stderr = stderr;
	stderr = fmemopen(said, sizeof said, "w");
	assert_non_null(stderr);
}

static const char *capture_end(void)
{
	fclose(stderr);
	stderr = real_stderr;
	return said;
}

/* A parse that must refuse, with a message containing want. */
#define REFUSED(want, call)                                                                        \
	do {                                                                                       \
		capture_start();                                                                   \
		int rc_ = (call);                                                                  \
		const char *msg_ = capture_end();                                                  \
		assert_int_equal(rc_, -1);                                                         \
		if (!strstr(msg_, want))                                                           \
			fail_msg("wanted \"%s\" in \"%s\"", want, msg_);                           \
	} while (0)

static void start_takes_limits_timeout_and_a_command(void **state)
{
	struct jobctl x = {0};
	struct start_args s;
	(void)state;
	assert_int_equal(PARSE(start_parse, &x, &s, "--timeout", "30", "--memory", "256M",
			       "--cpu=50", "--pids", "64", "--io", "10MiB", "-f", "--", "ls",
			       "-la"),
			 0);
	assert_false(s.help);
	assert_true(s.follow);
	assert_int_equal(s.timeout, 30);
	assert_int_equal(s.limits.memory_bytes, 256ULL << 20);
	assert_int_equal(s.limits.cpu_percent, 50);
	assert_int_equal(s.limits.pids, 64);
	assert_int_equal(s.limits.io_bytes_per_s, 10ULL << 20);
	assert_int_equal(s.argc, 2);
	assert_string_equal(s.argv[0], "ls");
	assert_string_equal(s.argv[1], "-la");

	/* Nothing asked: the server's defaults. */
	assert_int_equal(PARSE(start_parse, &x, &s, "true"), 0);
	assert_int_equal(s.timeout, -1);
	assert_int_equal(s.limits.memory_bytes, 0);
	assert_false(s.follow);
}

static void start_options_end_at_the_command(void **state)
{
	struct jobctl x = {0};
	struct start_args s;
	(void)state;
	/* The command's own options are its own, even jobctl's names. */
	assert_int_equal(PARSE(start_parse, &x, &s, "sleep", "--json", "30"), 0);
	assert_false(x.json);
	assert_int_equal(s.argc, 3);
	assert_string_equal(s.argv[1], "--json");
	assert_int_equal(PARSE(start_parse, &x, &s, "--", "--json"), 0);
	assert_int_equal(s.argc, 1);
	assert_string_equal(s.argv[0], "--json");
	/* Before it, global options are taken. */
	assert_int_equal(
	    PARSE(start_parse, &x, &s, "--json", "--url", "https://127.0.0.1:1", "--", "true"), 0);
	assert_true(x.json);
	assert_string_equal(x.conf.url, "https://127.0.0.1:1");
	assert_int_equal(PARSE(start_parse, &x, &s, "-h", "--", "true"), 0);
	assert_true(s.help);
}

static void start_reads_sizes_with_the_shared_grammar(void **state)
{
	static const struct {
		char *text;
		uint64_t bytes;
	} sizes[] = {{"512", 512},	   {"64K", 64 << 10},  {"1Mi", 1 << 20},
		     {"1GiB", 1ULL << 30}, {"2T", 2ULL << 40}, {"3gB", 3ULL << 30},
		     {"1k", 1024},	   {"7MB", 7ULL << 20}};
	struct jobctl x = {0};
	struct start_args s;
	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		assert_int_equal(PARSE(start_parse, &x, &s, "--memory", sizes[i].text, "true"), 0);
		assert_int_equal(s.limits.memory_bytes, sizes[i].bytes);
	}
}

static void start_refuses_what_is_not_a_limit(void **state)
{
	static const char *const bad[] = {"-5", " 5", "+5", "5x", "0", "", "1.5G", "5KiBB", "3gb"};
	struct jobctl x = {0};
	struct start_args s;
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		REFUSED("--memory wants a size like 256M",
			PARSE(start_parse, &x, &s, "--memory", (char *)bad[i], "true"));
	REFUSED("--memory wants a size like 256M, not \"\"",
		PARSE(start_parse, &x, &s, "--memory"));
	REFUSED("--cpu wants a whole number, at least 1, not \"5K\"",
		PARSE(start_parse, &x, &s, "--cpu", "5K", "true"));
	REFUSED("--pids wants a whole number, at least 1",
		PARSE(start_parse, &x, &s, "--pids=+3", "true"));
	REFUSED("--memory is at most 1024 TiB, not \"2000T\"",
		PARSE(start_parse, &x, &s, "--memory", "2000T", "true"));
	REFUSED("--io wants a size like 256M", PARSE(start_parse, &x, &s, "--io", "10Q", "true"));
}

static void start_refuses_bad_options(void **state)
{
	struct jobctl x = {0};
	struct start_args s;
	(void)state;
	REFUSED("--timeout wants a whole number of seconds, at least 1",
		PARSE(start_parse, &x, &s, "--timeout", "0", "--", "true"));
	REFUSED("--timeout wants a whole number of seconds, at least 1",
		PARSE(start_parse, &x, &s, "--timeout=5s", "true"));
	REFUSED("unknown option for start: --bogus\nTry 'jobctl start --help'.",
		PARSE(start_parse, &x, &s, "--bogus", "--", "true"));
	REFUSED("start needs a command", PARSE(start_parse, &x, &s, "--"));
	REFUSED("start needs a command", PARSE(start_parse, &x, &s, "-f"));
	REFUSED("--url needs a value\nTry 'jobctl --help'.",
		PARSE(start_parse, &x, &s, "--url=", "true"));
}

static void stop_takes_a_signal_or_all(void **state)
{
	struct jobctl x = {0};
	struct stop_args s;
	(void)state;
	assert_int_equal(PARSE(stop_parse, &x, &s, "--signal", "INT", "17"), 0);
	assert_string_equal(s.signal, "INT");
	assert_string_equal(s.id, "17");
	assert_false(s.all);
	assert_int_equal(PARSE(stop_parse, &x, &s, "17", "-s", "SIGHUP"), 0);
	assert_string_equal(s.signal, "SIGHUP");
	assert_int_equal(PARSE(stop_parse, &x, &s, "--all"), 0);
	assert_true(s.all);
	assert_null(s.id);
	assert_null(s.signal);

	REFUSED("--signal is TERM, INT, HUP, QUIT, USR1, USR2 or KILL, not \"STOP\"",
		PARSE(stop_parse, &x, &s, "--signal", "STOP", "1"));
	REFUSED("--signal stops one job", PARSE(stop_parse, &x, &s, "--signal", "INT", "--all"));
	REFUSED("give a job id or --all, not both", PARSE(stop_parse, &x, &s, "--all", "5"));
	REFUSED("stop takes one job id", PARSE(stop_parse, &x, &s, "1", "2"));
	REFUSED("not a job id: \"a/b\"", PARSE(stop_parse, &x, &s, "a/b"));
	REFUSED("unknown option for stop: --", PARSE(stop_parse, &x, &s, "--", "1"));
	REFUSED("stop needs a job id", stop_parse(&x, 0, ARGV(NULL), &s));
}

static void list_filters_by_state_and_owner(void **state)
{
	struct jobctl x = {0};
	struct list_args l;
	(void)state;
	assert_int_equal(PARSE(list_parse, &x, &l, "--state", "running"), 0);
	assert_string_equal(l.state, "running");
	assert_false(l.log);
	/* A finished state is only in the log. */
	assert_int_equal(PARSE(list_parse, &x, &l, "--state=timed_out", "--owner", "user2"), 0);
	assert_true(l.log);
	assert_string_equal(l.owner, "user2");
	assert_int_equal(PARSE(list_parse, &x, &l, "-a", "--json"), 0);
	assert_true(l.log);
	assert_true(x.json);

	REFUSED("--state is one of queued, running, succeeded, failed, stopped, timed_out; not "
		"\"bogus\"",
		PARSE(list_parse, &x, &l, "--state", "bogus"));
	REFUSED("--owner needs a name", PARSE(list_parse, &x, &l, "--owner"));
	REFUSED("unexpected argument for list: extra", PARSE(list_parse, &x, &l, "extra"));
	REFUSED("unknown option for list: --follow", PARSE(list_parse, &x, &l, "--follow"));
}

static void logs_wait_and_one_id_commands(void **state)
{
	struct jobctl x = {0};
	struct logs_args lg;
	struct wait_args w;
	const char *id;
	bool help;
	(void)state;
	assert_int_equal(PARSE(logs_parse, &x, &lg, "-f", "12"), 0);
	assert_true(lg.follow);
	assert_string_equal(lg.id, "12");
	assert_int_equal(logs_parse(&x, 0, ARGV(NULL), &lg), 0);
	assert_null(lg.id);
	REFUSED("are for one job's output", PARSE(logs_parse, &x, &lg, "--follow"));
	REFUSED("are for one job's output", PARSE(logs_parse, &x, &lg, "--tail", "3"));
	assert_int_equal(PARSE(logs_parse, &x, &lg, "--tail", "3", "--stderr", "-f", "9"), 0);
	assert_int_equal(lg.tail, 3);
	assert_string_equal(lg.stream, "stderr");
	assert_true(lg.follow);
	REFUSED("--tail wants a number of lines", PARSE(logs_parse, &x, &lg, "--tail", "x", "9"));
	REFUSED("--tail wants a number of lines", PARSE(logs_parse, &x, &lg, "-n", "0", "9"));
	REFUSED("choose one", PARSE(logs_parse, &x, &lg, "--stdout", "--stderr", "9"));
	REFUSED("logs takes at most one job id", PARSE(logs_parse, &x, &lg, "1", "2"));

	assert_int_equal(PARSE(wait_parse, &x, &w, "--timeout", "0", "5"), 0);
	assert_int_equal(w.timeout, 0);
	assert_int_equal(PARSE(wait_parse, &x, &w, "5"), 0);
	assert_int_equal(w.timeout, -1);
	REFUSED("--timeout wants a whole number of seconds",
		PARSE(wait_parse, &x, &w, "--timeout", "-1", "5"));
	REFUSED("wait takes one job id", PARSE(wait_parse, &x, &w, "1", "2"));

	assert_int_equal(args_one_id(&x, "status", 1, ARGV("42"), &id, &help), 0);
	assert_string_equal(id, "42");
	assert_int_equal(args_one_id(&x, "restart", 2, ARGV("42", "--help"), &id, &help), 0);
	assert_true(help);
	REFUSED("restart takes one job id",
		args_one_id(&x, "restart", 2, ARGV("1", "2"), &id, &help));
	REFUSED("config takes no arguments", PARSE(config_parse, &x, &help, "x"));
}

/* Adding a limit or a state is a row of its table: the help follows without an edit. */
static void help_comes_from_the_tables(void **state)
{
	static char out[4096];
	(void)state;
	FILE *f = fmemopen(out, sizeof out, "w");
	help_start(f);
	fclose(f);
	for (int i = 0; i < NLIMITS; i++)
		assert_non_null(strstr(out, limit_info[i].start_flag));
	assert_non_null(strstr(out, "  --memory SIZE   memory limit, e.g. 256M"));
	assert_non_null(strstr(out, "  --pids N        most processes and threads at once\n"));
	f = fmemopen(out, sizeof out, "w");
	help_list(f);
	fclose(f);
	for (int s = 0; s < JOB_STATES; s++)
		assert_non_null(strstr(out, job_state_name(s)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(start_takes_limits_timeout_and_a_command),
	    cmocka_unit_test(start_options_end_at_the_command),
	    cmocka_unit_test(start_reads_sizes_with_the_shared_grammar),
	    cmocka_unit_test(start_refuses_what_is_not_a_limit),
	    cmocka_unit_test(start_refuses_bad_options),
	    cmocka_unit_test(stop_takes_a_signal_or_all),
	    cmocka_unit_test(list_filters_by_state_and_owner),
	    cmocka_unit_test(logs_wait_and_one_id_commands),
	    cmocka_unit_test(help_comes_from_the_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
