/* Unit tests: jobapi's routing of method, path and query. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "route.h"

static struct route routed(const char *method, const char *path, const char *query)
{
	struct route rt;
	struct apierr e;
	const char *allow;
	if (route_parse(method, path, query, &rt, &e, &allow) != 0)
		fail_msg("%s %s?%s: %d %s", method, path, query, e.status, e.message);
	return rt;
}

static void refused(const char *method, const char *path, const char *query, int status,
		    const char *allow_want)
{
	struct route rt;
	struct apierr e;
	const char *allow;
	assert_int_equal(route_parse(method, path, query, &rt, &e, &allow), -1);
	if (e.status != status)
		fail_msg("%s %s?%s: got %d %s", method, path, query, e.status, e.message);
	if (allow_want)
		assert_string_equal(allow, allow_want);
	else
		assert_null(allow);
}

static void every_endpoint(void **state)
{
	(void)state;
	assert_int_equal(routed("GET", "/jobs", "").op, PROTO_LIST);
	assert_int_equal(routed("POST", "/jobs", "").op, PROTO_START);
	assert_int_equal(routed("DELETE", "/jobs", "").op, PROTO_STOPALL);
	assert_int_equal(routed("GET", "/jobs/logs", "").op, PROTO_LOGS);
	struct route rt = routed("GET", "/jobs/17", "");
	assert_int_equal(rt.op, PROTO_GET);
	assert_string_equal(rt.id, "17");
	assert_int_equal(rt.wait_s, 0);
	assert_int_equal(routed("DELETE", "/jobs/a_b-C", "").op, PROTO_STOP);
	rt = routed("GET", "/jobs/9/output", "");
	assert_int_equal(rt.op, PROTO_OUTPUT);
	assert_string_equal(rt.id, "9");
	assert_false(rt.follow);
	rt = routed("POST", "/jobs/9/restart", "");
	assert_int_equal(rt.op, PROTO_RESTART);
	assert_string_equal(rt.id, "9");
	assert_int_equal(routed("GET", "/healthz", "").op, PROTO_HELLO);
	assert_int_equal(routed("GET", "/metrics", "").op, PROTO_METRICS);
}

static void stop_signals(void **state)
{
	(void)state;
	assert_int_equal(routed("DELETE", "/jobs/1", "").signal, 0);
	assert_int_equal(routed("DELETE", "/jobs/1", "signal=INT").signal, 2);
	assert_int_equal(routed("DELETE", "/jobs/1", "signal=SIGKILL").signal, 9);
	refused("DELETE", "/jobs/1", "signal=STOP", 400, NULL);
	refused("DELETE", "/jobs/1", "signal=", 400, NULL);
	refused("DELETE", "/jobs", "signal=INT", 400, NULL);
	refused("GET", "/jobs/1", "signal=INT", 400, NULL);
}

static void queries(void **state)
{
	(void)state;
	assert_int_equal(routed("GET", "/jobs/1", "wait=60").wait_s, 60);
	assert_int_equal(routed("GET", "/jobs/1", "wait=0").wait_s, 0);
	assert_true(routed("GET", "/jobs/1/output", "follow=1").follow);
	assert_true(routed("GET", "/jobs/1/output", "follow").follow);
	assert_false(routed("GET", "/jobs/1/output", "follow=0").follow);
	assert_false(routed("GET", "/jobs", "&").follow);
	refused("GET", "/jobs/1", "wait=61", 400, NULL);
	refused("GET", "/jobs/1", "wait=-1", 400, NULL);
	refused("GET", "/jobs/1", "wait=", 400, NULL);
	refused("GET", "/jobs/1", "wait=1x", 400, NULL);
	refused("GET", "/jobs/1", "wait=1&wait=2", 400, NULL);
	refused("GET", "/jobs/1/output", "follow=yes", 400, NULL);
	refused("GET", "/jobs", "wait=1", 400, NULL);
	refused("GET", "/jobs/1", "follow=1", 400, NULL);
	refused("DELETE", "/jobs/1", "wait=1", 400, NULL);
}

static void unknown_paths_and_ids(void **state)
{
	(void)state;
	refused("GET", "/", "", 404, NULL);
	refused("GET", "/job", "", 404, NULL);
	refused("GET", "/jobsx", "", 404, NULL);
	refused("GET", "/jobs/", "", 404, NULL);
	refused("GET", "/jobs/1/", "", 404, NULL);
	refused("GET", "/jobs/1/outputs", "", 404, NULL);
	refused("GET", "/jobs/1/output/x", "", 404, NULL);
	refused("GET", "/jobs/a.b", "", 404, NULL);
	refused("GET", "/jobs/%2e", "", 404, NULL);
	refused("GET", "/jobs/12345678901234567890123456789012345678901234567890123456789012345",
		"", 404, NULL);
}

static void wrong_methods(void **state)
{
	(void)state;
	refused("PUT", "/jobs", "", 405, "GET, POST, DELETE");
	refused("POST", "/jobs/logs", "", 405, "GET");
	refused("POST", "/jobs/1", "", 405, "GET, DELETE");
	refused("DELETE", "/jobs/1/output", "", 405, "GET");
	refused("get", "/jobs", "", 405, "GET, POST, DELETE");
	refused("GET", "/jobs/1/restart", "", 405, "POST");
	refused("POST", "/healthz", "", 405, "GET");
	refused("DELETE", "/metrics", "", 405, "GET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_endpoint),	     cmocka_unit_test(queries),
	    cmocka_unit_test(unknown_paths_and_ids), cmocka_unit_test(wrong_methods),
	    cmocka_unit_test(stop_signals),
	};
	return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
