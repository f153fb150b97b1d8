/* Unit tests: validation of a job request (the same code checks it in jobapi and jobsupd). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jobspec.h"

static const struct spec_limits lim = {
    .max_command_bytes = 16,
    .max_args = 3,
    .default_timeout_s = 60,
    .max_timeout_s = 100,
    .max = {.memory_bytes = 1000, .cpu_percent = 200, .pids = 0, .io_bytes_per_s = 50},
    .deflt = {.memory_bytes = 500}};

/* Parse body and expect an error with this status, code and a message containing hint. */
static void refused(const char *body, int status, const char *code, const char *hint)
{
	struct jobspec s;
	struct apierr e;
	assert_int_equal(jobspec_parse(body, strlen(body), &lim, &s, &e), -1);
	assert_int_equal(e.status, status);
	assert_string_equal(e.code, code);
	if (!strstr(e.message, hint))
		fail_msg("message \"%s\" lacks \"%s\" (body %s)", e.message, hint, body);
	assert_null(s.argv);
}

static void accepts_a_command(void **state)
{
	struct jobspec s;
	struct apierr e;
	const char body[] = "{\"command\": [\"ls\", \"-la\", \"\"], \"timeout_s\": 30}";
	(void)state;
	assert_int_equal(jobspec_parse(body, strlen(body), &lim, &s, &e), 0);
	assert_int_equal(s.argc, 3);
	assert_string_equal(s.argv[0], "ls");
	assert_string_equal(s.argv[1], "-la");
	assert_string_equal(s.argv[2], "");
	assert_null(s.argv[3]);
	assert_int_equal(s.timeout_s, 30);

	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b);
	jobspec_write(&w, &s);
	buf_putc(&b, '\0');
	assert_string_equal(buf_head(&b), "{\"command\":[\"ls\",\"-la\",\"\"],\"timeout_s\":30,"
					  "\"limits\":{\"memory_bytes\":500}}");
	buf_free(&b);
	jobspec_free(&s);
}

static void default_timeout(void **state)
{
	struct jobspec s;
	struct apierr e;
	const char body[] = "{\"command\":[\"true\"]}";
	(void)state;
	assert_int_equal(jobspec_parse(body, strlen(body), &lim, &s, &e), 0);
	assert_int_equal(s.timeout_s, 60);
	jobspec_free(&s);
}

static void bad_json(void **state)
{
	(void)state;
	refused("", 400, "invalid_json", "empty");
	refused("{", 400, "invalid_json", "not valid JSON");
	refused("{\"command\":[\"ls\"]} trailing", 400, "invalid_json", "not valid JSON");
	refused("{\"command\":[\"l\ns\"]}", 400, "invalid_json", "control character");
	refused("{\"command\":[\"\xff\"]}", 400, "invalid_json", "UTF-8");
}

static void wrong_shapes(void **state)
{
	(void)state;
	refused("[]", 400, "invalid_request", "JSON object");
	refused("\"ls\"", 400, "invalid_request", "JSON object");
	refused("{}", 400, "invalid_request", "required");
	refused("{\"command\":\"ls\"}", 400, "invalid_request", "array of strings");
	refused("{\"command\":[]}", 400, "invalid_request", "must not be empty");
	refused("{\"command\":[\"ls\",1]}", 400, "invalid_request", "command[1] must be a string");
	refused("{\"command\":[\"\"]}", 400, "invalid_request", "command[0] must not be empty");
	refused("{\"command\":[\"a\\u0000b\"]}", 400, "invalid_request", "NUL");
	refused("{\"command\":[\"ls\"],\"timeout\":3}", 400, "invalid_request", "unknown field");
	refused("{\"command\":[\"ls\"],\"limits\":[]}", 400, "invalid_request",
		"must be an object");
}

static void bad_timeouts(void **state)
{
	(void)state;
	refused("{\"command\":[\"ls\"],\"timeout_s\":0}", 400, "invalid_request", "between 1");
	refused("{\"command\":[\"ls\"],\"timeout_s\":-1}", 400, "invalid_request", "between 1");
	refused("{\"command\":[\"ls\"],\"timeout_s\":101}", 400, "invalid_request", "100");
	refused("{\"command\":[\"ls\"],\"timeout_s\":1.5}", 400, "invalid_request", "whole");
	refused("{\"command\":[\"ls\"],\"timeout_s\":\"5\"}", 400, "invalid_request", "whole");
	refused("{\"command\":[\"ls\"],\"timeout_s\":1e999}", 400, "invalid_request", "whole");
	refused("{\"command\":[\"ls\"],\"timeout_s\":null}", 400, "invalid_request", "whole");
}

static void limits(void **state)
{
	struct jobspec s;
	struct apierr e;
	const char at_limit[] = "{\"command\":[\"12345678\",\"12345678\"]}";
	(void)state;
	assert_int_equal(jobspec_parse(at_limit, strlen(at_limit), &lim, &s, &e), 0);
	jobspec_free(&s);
	refused("{\"command\":[\"12345678\",\"123456789\"]}", 400, "command_too_long", "17 bytes");
	refused("{\"command\":[\"a\",\"b\",\"c\",\"d\"]}", 400, "command_too_long", "4 arguments");
}

static void resource_limits(void **state)
{
	struct jobspec s;
	struct apierr e;
	const char body[] =
	    "{\"command\":[\"x\"],\"limits\":{\"cpu_percent\":150,\"io_bytes_per_s\":50}}";
	(void)state;
	assert_int_equal(jobspec_parse(body, strlen(body), &lim, &s, &e), 0);
	assert_int_equal(s.limits.cpu_percent, 150);
	assert_int_equal(s.limits.io_bytes_per_s, 50);
	assert_int_equal(s.limits.memory_bytes, 500); /* the default */
	assert_int_equal(s.limits.pids, 0);
	jobspec_free(&s);
	refused("{\"command\":[\"x\"],\"limits\":{\"memory_bytes\":1001}}", 400, "invalid_request",
		"at most 1000 (--max-memory)");
	refused("{\"command\":[\"x\"],\"limits\":{\"cpu_percent\":0}}", 400, "invalid_request",
		"at least 1");
	refused("{\"command\":[\"x\"],\"limits\":{\"cpu_percent\":-5}}", 400, "invalid_request",
		"at least 1");
	refused("{\"command\":[\"x\"],\"limits\":{\"cpu_percent\":1.5}}", 400, "invalid_request",
		"whole number");
	refused("{\"command\":[\"x\"],\"limits\":{\"pids\":5}}", 400, "invalid_request",
		"cannot be enforced");
	refused("{\"command\":[\"x\"],\"limits\":{\"cores\":5}}", 400, "invalid_request",
		"unknown limit");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(accepts_a_command), cmocka_unit_test(default_timeout),
	    cmocka_unit_test(bad_json),		 cmocka_unit_test(wrong_shapes),
	    cmocka_unit_test(bad_timeouts),	 cmocka_unit_test(limits),
	    cmocka_unit_test(resource_limits),
	};
	return cmocka_run_group_tests_name("jobspec", tests, NULL, NULL);
}
