/*
 * states: the states of a job as the API shows them, one row each: the name in the API, whether
 * the job is still active (not ended), and its colour in jobctl's tables. The life that leads
 * through them is job.c's state machine (job.h); this is only how they are named.
 */
#ifndef STATES_H
#define STATES_H

#include <stdbool.h>

/* X(ID, name, active, sgr colour) */
#define JOB_STATE_TABLE(X)                                                                         \
	X(QUEUED, "queued", true, "33")                                                            \
	X(RUNNING, "running", true, "36")                                                          \
	X(SUCCEEDED, "succeeded", false, "32")                                                     \
	X(FAILED, "failed", false, "31")                                                           \
	X(STOPPED, "stopped", false, "35")                                                         \
	X(TIMED_OUT, "timed_out", false, "31")

enum job_state {
#define STATE_ENUM(id, ...) JOB_##id,
	JOB_STATE_TABLE(STATE_ENUM)
#undef STATE_ENUM
	    JOB_STATES
};

struct job_state_info {
	const char *name;
	bool active;
	const char *sgr;
};
extern const struct job_state_info job_state_info[JOB_STATES];

/* "queued" for JOB_QUEUED; "unknown" out of range. */
const char *job_state_name(enum job_state s);
/* The state named name, or -1. */
int job_state_parse(const char *name);
static inline bool job_state_active(enum job_state s)
{
	return (unsigned)s < JOB_STATES && job_state_info[s].active;
}

#endif
