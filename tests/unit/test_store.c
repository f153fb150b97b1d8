/* Unit tests: the jobs table, its typed rows, and how a row renders as the API's job object. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "record.h"
#include "store.h"

/* The hand-made date formatting against the C library's, across two centuries. */
static void times_match_gmtime(void **state)
{
	char mine[32], libc[64];
	(void)state;
	for (int64_t ms = 0; ms < 4102444800000LL; ms += 86399123LL) {
		time_t s = (time_t)(ms / 1000);
		struct tm tm;
		gmtime_r(&s, &tm);
		size_t n = strftime(libc, sizeof libc, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(libc + n, sizeof libc - n, ".%03dZ", (int)(ms % 1000));
		format_time(ms, mine);
		assert_string_equal(mine, libc);
	}
	format_time(951782400000LL, mine); /* a leap day */
	assert_string_equal(mine, "2000-02-29T00:00:00.000Z");
}

static void signal_names(void **state)
{
	char s[16];
	(void)state;
	format_signal(9, s);
	assert_string_equal(s, "SIGKILL");
	format_signal(15, s);
	assert_string_equal(s, "SIGTERM");
}

static void rows_render_and_evict(void **state)
{
	struct store st;
	struct viewer owner = {.user = "u1"}, other = {.user = "u2"},
		      admin = {.user = "a", .admin = true};
	struct buf b = BUF_INIT;
	(void)state;
	assert_int_equal(store_open(&st), 0);
	for (uint64_t id = 1; id <= 3; id++) {
		struct job_record r = {.id = id,
				       .owner = "u1",
				       .args = "sh\0-c\0echo \"hi\"\0",
				       .args_len = 16,
				       .state = JOB_QUEUED,
				       .timeout_s = 60,
				       .created_ms = 1000,
				       .limits = {.pids = 7}};
		assert_int_equal(store_put(&st, &r), 0);
		r.state = JOB_SUCCEEDED;
		r.has_exit = true;
		r.started_ms = 1001;
		r.finished_ms = 1002;
		r.finished_seq = id;
		r.usage = (struct cg_usage){.cpu_ms = 5, .valid = true};
		assert_int_equal(store_put(&st, &r), 0);
		struct iovec parts[2] = {{"ou", 2}, {"t\n", 2}};
		assert_int_equal(store_put_output(&st, id, parts, 2), 0);
	}
	assert_int_equal(store_render(&st, 2, &owner, true, &b), 0);
	buf_putc(&b, '\0');
	cJSON *j = cJSON_Parse(buf_head(&b));
	assert_non_null(j);
	/* The command comes back as the argv it was, from its typed column. */
	const cJSON *cmd = cJSON_GetObjectItem(j, "command");
	assert_int_equal(cJSON_GetArraySize(cmd), 3);
	assert_string_equal(cJSON_GetArrayItem(cmd, 2)->valuestring, "echo \"hi\"");
	assert_string_equal(cJSON_GetObjectItem(j, "state")->valuestring, "succeeded");
	assert_string_equal(cJSON_GetObjectItem(j, "output")->valuestring, "out\n");
	assert_string_equal(cJSON_GetObjectItem(j, "started_at")->valuestring,
			    "1970-01-01T00:00:01.001Z");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "limits"), "pids")->valueint,
			 7);
	assert_true(
	    cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "usage"), "max_memory_bytes")));
	cJSON_Delete(j);
	buf_reset(&b);
	assert_int_equal(store_render(&st, 2, &other, true, &b), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(buf_used(&b), 0);
	assert_int_equal(store_lookup(&st, 2, &admin), 0);

	/* A restart reads back what was asked for, typed. */
	struct jobspec spec;
	assert_int_equal(store_get_spec(&st, 3, &owner, &spec), 0);
	assert_int_equal(spec.argc, 3);
	assert_string_equal(spec.argv[1], "-c");
	assert_int_equal(spec.timeout_s, 60);
	assert_int_equal(spec.limits.pids, 7);
	jobspec_free(&spec);
	assert_int_equal(store_get_spec(&st, 3, &other, &spec), -1);

	/* The job that finished first goes first, with its output. */
	uint64_t evicted, bytes;
	struct buf who = BUF_INIT, json = BUF_INIT;
	assert_int_equal(store_evict_oldest(&st, &evicted, &bytes, &who, &json), 0);
	assert_string_equal(buf_head(&who), "u1");
	buf_putc(&json, '\0');
	assert_non_null(strstr(buf_head(&json), "\"id\":\"1\""));
	buf_free(&who);
	buf_free(&json);
	assert_int_equal(evicted, 1);
	assert_int_equal(bytes, 0);
	assert_int_equal(store_lookup(&st, 1, &admin), -1);
	buf_reset(&b);
	assert_int_equal(store_get_output(&st, 1, &b), 0);
	assert_int_equal(buf_used(&b), 0);
	buf_reset(&b);
	assert_int_equal(store_render_list(&st, STORE_LOG, &owner, &b), 0);
	buf_putc(&b, '\0');
	j = cJSON_Parse(buf_head(&b));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "logs")), 2);
	assert_string_equal(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(j, "logs"), 0)->child->valuestring, "3");
	cJSON_Delete(j);
	buf_free(&b);
	store_close(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(times_match_gmtime),
	    cmocka_unit_test(signal_names),
	    cmocka_unit_test(rows_render_and_evict),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
