/*
 * Fuzz target: jobctl's reading of what a server answers: the JSON of a job, a list, or an
 * error, shown as tables, details and status lines (to /dev/null), and its exit status.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest.h"
#include "jobview.h"
#include "show.h"

static FILE *null_out;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!null_out)
		null_out = fopen("/dev/null", "w");
	cJSON *v = cJSON_ParseWithLength((const char *)data, size);

	const struct table_opts active = {.color = true, .now = 1800000000};
	const struct table_opts finished = {.finished = true, .now = 1800000000};
	show_jobs_table(null_out, cJSON_GetObjectItemCaseSensitive(v, "jobs"), &active);
	show_jobs_table(null_out, cJSON_GetObjectItemCaseSensitive(v, "logs"), &finished);
	show_jobs_table(null_out, v, &active);
	show_filter(cJSON_GetObjectItemCaseSensitive(v, "jobs"), "running", "user1");
	show_job(null_out, v);
	show_job_line(null_out, v);
	int st = jobview_status(v);
	if (st < 0 || st > 255)
		abort();
	(void)jobview_active(v);
	show_output(null_out, (const char *)data, size);

	struct rest_resp r = {.status = 400};
	char msg[512];
	buf_append(&r.body, data, size);
	rest_error_message(&r, msg, sizeof msg);
	rest_resp_free(&r);
	cJSON_Delete(v);
	return 0;
}
