/*
 * What the unit tests of the job state machine share (test_job.c, test_job_pending.c): jobsupd
 * in-process, its configuration without cgroups or isolation (both are tested end to end), a
 * job submitted from its argv, and a job read as the API shows it. Included by one test program
 * each; cmocka's headers come first.
 */
#ifndef JOBTEST_H
#define JOBTEST_H

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sup.h"

static struct sup sup;

static inline struct sup_config jobtest_config(void)
{
	return (struct sup_config){
	    .socket_path = "unused",
	    .max_running = 2,
	    .max_queued = 2,
	    .max_log = 50,
	    .grace_s = 1,
	    .output_cap = 1 << 20,
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
}

/* Submit argv (NULL-terminated) with a timeout, as "tester"; the id (0 with *err on refusal). */
static inline uint64_t submit(struct apierr *err, long timeout_s, ...)
{
	struct jobspec spec = {.timeout_s = timeout_s};
	const char *args[16];
	size_t n = 0, bytes = 0;
	va_list ap;
	va_start(ap, timeout_s);
	while ((args[n] = va_arg(ap, const char *)))
		bytes += strlen(args[n++]) + 1;
	va_end(ap);
	spec.argv = malloc((n + 1) * sizeof(char *) + bytes);
	char *p = (char *)(spec.argv + n + 1);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(args[i]) + 1;
		memcpy(p, args[i], len);
		spec.argv[i] = p;
		p += len;
	}
	spec.argv[n] = NULL;
	spec.argc = n;
	uint64_t id = job_submit(&sup.jobs, "tester", &spec, err);
	jobspec_free(&spec);
	return id;
}

/* The job as the API shows it (to an admin); the caller frees it. */
static inline cJSON *shown(uint64_t id)
{
	struct viewer admin = {.user = "admin", .admin = true};
	struct buf b = BUF_INIT;
	assert_int_equal(store_render(&sup.store, id, &admin, true, &b), 0);
	cJSON *o = cJSON_ParseWithLength(buf_head(&b), buf_used(&b));
	buf_free(&b);
	assert_non_null(o);
	return o;
}

/* A string field of a job ("(not a string)" when it is not one), a number field, a null one. */
static inline const char *field(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "(not a string)";
}

static inline double number(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

static inline bool is_null(const cJSON *o, const char *key)
{
	return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, key));
}

#endif
