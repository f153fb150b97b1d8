/*
 * initproto: what jobsupd and jobinit (init.c), the PID 1 of a sandboxed job, tell each other.
 *
 * jobsupd execs jobinit with
 *     jobinit STATUS_FD ERROR_FD UID GID GROUPS CWD DROP -- COMMAND [ARG...]
 * and the job's environment: GROUPS is a comma-separated list of supplementary gids ("-" for
 * none); UID "-" keeps the uid (a user namespace has mapped it already); DROP is 1 to drop
 * every capability from the bounding set too (when jobinit runs with them: as root).
 * - ERROR_FD: when the command cannot be started, one struct spawn_failure, written by the
 *   process that failed; close-on-exec in the command, so that its exec closes it. jobsupd
 *   reads it to its end while spawning: nothing (end of file) means the command runs.
 * - STATUS_FD: once the command has ended, its raw wait status (an int). PID 1 of a namespace
 *   cannot die of a signal sent from inside it, so jobinit cannot pass on a death by SIGKILL
 *   by dying of it; jobsupd reads this once it has reaped jobinit instead.
 */
#ifndef INITPROTO_H
#define INITPROTO_H

enum spawn_stage {
	SPAWN_SETUP, /* placing the child (its cgroup, limits, descriptors, namespaces) failed */
	SPAWN_EXEC,  /* the command could not be executed */
	SPAWN_CWD,   /* the job's user could not enter its working directory */
	SPAWN_USER,  /* the job's user, groups or capabilities could not be set */
};

struct spawn_failure {
	enum spawn_stage stage;
	int err;
};

#endif
