/* states: the API's job states, one table; see states.h. */
#include "states.h"

#include <string.h>

const struct job_state_info job_state_info[JOB_STATES] = {
#define STATE_INFO(id, name, active, sgr) [JOB_##id] = {name, active, sgr},
    JOB_STATE_TABLE(STATE_INFO)
#undef STATE_INFO
};

const char *job_state_name(enum job_state s)
{
	return (unsigned)s < JOB_STATES ? job_state_info[s].name : "unknown";
}

int job_state_parse(const char *name)
{
	for (int s = 0; s < JOB_STATES; s++)
		if (strcmp(name, job_state_info[s].name) == 0)
			return s;
	return -1;
}
