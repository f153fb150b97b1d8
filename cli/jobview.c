/* jobview: reading a job object; see jobview.h. */
#include "jobview.h"

#include <signal.h>
#include <string.h>

#include "states.h"

/* The job's state in the states table, or -1. */
static int job_state(const cJSON *job)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(job, "state");
	return cJSON_IsString(s) ? job_state_parse(s->valuestring) : -1;
}

bool jobview_active(const cJSON *job)
{
	return job_state_active(job_state(job));
}

int jobview_status(const cJSON *job)
{
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(job, "exit_code");
	const cJSON *sig = cJSON_GetObjectItemCaseSensitive(job, "signal");
	if (job_state(job) == JOB_TIMED_OUT)
		return JOBVIEW_TIMED_OUT;
	if (cJSON_IsNumber(code) && code->valuedouble >= 0 && code->valuedouble <= 255)
		return (int)code->valuedouble;
	if (cJSON_IsString(sig) && strncmp(sig->valuestring, "SIG", 3) == 0) {
		for (int n = 1; n < NSIG; n++) {
			const char *name = sigabbrev_np(n);
			if (name && strcmp(name, sig->valuestring + 3) == 0)
				return 128 + n;
		}
	}
	return 1;
}
