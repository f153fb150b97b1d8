/* Unit tests: jobctl's reading and printing of jobs (what a hostile server could send). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jobview.h"
#include "show.h"

/* What show_job_line prints for a job given as JSON text. */
static char *line_of(const char *json)
{
	static char out[1024];
	cJSON *job = cJSON_Parse(json);
	FILE *f = fmemopen(out, sizeof out, "w");
	show_job_line(f, job);
	fclose(f);
	cJSON_Delete(job);
	return out;
}

static void escapes_for_the_terminal(void **state)
{
	struct buf b = BUF_INIT;
	(void)state;
	const char *in = "a\033[2Jb\tc\nd\xff\xc2\x9b\xc3\xa9";
	show_escape(&b, in, strlen(in), false);
	buf_putc(&b, '\0');
	assert_string_equal(buf_head(&b), "a\\x1b[2Jb\\tc\\nd\\xff\\xc2\\x9b\xc3\xa9");
	buf_reset(&b);
	in = "keep\nlines\tand \x07 bell";
	show_escape(&b, in, strlen(in), true);
	buf_putc(&b, '\0');
	assert_string_equal(buf_head(&b), "keep\nlines\tand \\x07 bell");
	buf_free(&b);
}

static void commands_are_shell_quoted(void **state)
{
	struct buf b = BUF_INIT;
	cJSON *cmd = cJSON_Parse("[\"sh\", \"-c\", \"echo 'hi'; ls\", \"\", \"a=b\", \"\\u001b\"]");
	(void)state;
	show_command(&b, cmd);
	buf_putc(&b, '\0');
	assert_string_equal(buf_head(&b), "sh -c 'echo '\\''hi'\\''; ls' '' a=b '\\x1b'");
	cJSON_Delete(cmd);
	buf_free(&b);
}

/* Found by fuzzing: an exit code beyond int was converted to int. */
static void absurd_numbers_do_not_break_it(void **state)
{
	(void)state;
	assert_string_equal(line_of("{\"id\":\"1\",\"state\":\"failed\",\"exit_code\":1e300}"),
			    "job 1 failed\n");
	assert_string_equal(line_of("{\"id\":\"2\",\"state\":\"failed\",\"exit_code\":3}"),
			    "job 2 failed (3)\n");
	cJSON *j = cJSON_Parse("{\"state\":\"failed\",\"exit_code\":1e300}");
	assert_int_equal(jobview_status(j), 1);
	cJSON_Delete(j);
}

static void exit_status_as_a_shell_gives_it(void **state)
{
	const struct {
		const char *json;
		int status;
	} cases[] = {
	    {"{\"state\":\"succeeded\",\"exit_code\":0}", 0},
	    {"{\"state\":\"failed\",\"exit_code\":3}", 3},
	    {"{\"state\":\"failed\",\"exit_code\":null,\"signal\":\"SIGKILL\"}", 137},
	    {"{\"state\":\"stopped\",\"signal\":\"SIGTERM\"}", 143},
	    {"{\"state\":\"timed_out\",\"signal\":\"SIGTERM\"}", 124},
	    {"{\"state\":\"failed\",\"signal\":\"SIGNOPE\"}", 1},
	    {"[]", 1},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		cJSON *j = cJSON_Parse(cases[i].json);
		assert_int_equal(jobview_status(j), cases[i].status);
		cJSON_Delete(j);
	}
}

/* The "limits:" line of status, one limit of the table after another, exact as given. */
static const char *limits_line(const char *limits)
{
	static char out[4096];
	char json[512];
	snprintf(json, sizeof json, "{\"id\":\"1\",\"state\":\"running\",\"limits\":%s}", limits);
	cJSON *job = cJSON_Parse(json);
	FILE *f = fmemopen(out, sizeof out, "w");
	show_job(f, job);
	fclose(f);
	cJSON_Delete(job);
	char *line = strstr(out, "limits:");
	assert_non_null(line);
	*strchr(line, '\n') = '\0';
	return line;
}

static void limits_as_status_shows_them(void **state)
{
	(void)state;
	assert_string_equal(limits_line("{\"memory_bytes\":268435456,\"cpu_percent\":50,"
					"\"pids\":64,\"io_bytes_per_s\":10485760}"),
			    "limits:    memory 256 MiB, cpu 50%, pids 64, io 10 MiB/s");
	assert_string_equal(limits_line("{\"memory_bytes\":1572864,\"io_bytes_per_s\":1000}"),
			    "limits:    memory 1536 KiB, io 1000 bytes/s");
	/* What no server sends is shown, not converted out of range. */
	assert_string_equal(limits_line("{\"pids\":-3,\"cpu_percent\":1e30}"),
			    "limits:    cpu 1000000000000000019884624838656, pids -3");
	assert_string_equal(limits_line("null"), "limits:    none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(escapes_for_the_terminal),
	    cmocka_unit_test(commands_are_shell_quoted),
	    cmocka_unit_test(absurd_numbers_do_not_break_it),
	    cmocka_unit_test(exit_status_as_a_shell_gives_it),
	    cmocka_unit_test(limits_as_status_shows_them),
	};
	return cmocka_run_group_tests_name("show", tests, NULL, NULL);
}
