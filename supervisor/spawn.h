/*
 * spawn: the one place where jobsupd starts a process.
 *
 * The child gets its own session and process group, an empty signal mask and default
 * dispositions, stdin from
 * /dev/null, stdout and stderr on a new pipe each, and SIGKILL should jobsupd die (so no job
 * outlives its supervisor). Every other descriptor of jobsupd is close-on-exec. The child is made
 * with vfork, which is sound here because jobsupd has one thread and the child only makes system
 * calls before exec; it is also what keeps starting a job cheap when jobsupd holds much memory.
 */
#ifndef SPAWN_H
#define SPAWN_H

#include <sys/types.h>

#include "cgroup.h"

/* Open what every spawn needs (/dev/null). 0 or -1 (errno). */
int spawn_init(void);
void spawn_fini(void);

enum spawn_stage {
	SPAWN_SETUP, /* placing the child (its cgroup, limits, descriptors) failed */
	SPAWN_EXEC,  /* the command could not be executed */
};

struct spawn_failure {
	enum spawn_stage stage;
	int err;
};

/*
 * Start argv[0] (searched in PATH) with argv, inside the cgroup of entry (which the child enters
 * before exec, so the job's first instruction already runs there). Returns the child's pid,
 * which is also its session and process group id, and sets out_fds to the read ends of its
 * stdout and stderr pipes (non-blocking, close-on-exec). When the child failed before or at exec,
 * returns 0 with *fail set (the child has exited; it is reaped with every other child, by
 * jobs_reap). Returns -1 (errno) when no child could be made.
 */
pid_t spawn_job(char *const argv[], const struct cg_entry *entry, int out_fds[2],
		struct spawn_failure *fail);

/* The exit code a shell gives a command that failed to execute with this errno: 127 when it was
 * not found, 126 otherwise. */
int spawn_exec_status(int exec_errno);

#endif
