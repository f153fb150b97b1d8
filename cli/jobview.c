/* jobview: reading a job object; see jobview.h. */
#include "jobview.h"

#include <signal.h>
#include <string.h>

static bool state_is(const cJSON *job, const char *state)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(job, "state");
	return cJSON_IsString(s) && strcmp(s->valuestring, state) == 0;
}

bool jobview_active(const cJSON *job)
{
	return state_is(job, "queued") || state_is(job, "running");
}

int jobview_status(const cJSON *job)
{
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(job, "exit_code");
	const cJSON *sig = cJSON_GetObjectItemCaseSensitive(job, "signal");
	if (state_is(job, "timed_out"))
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
