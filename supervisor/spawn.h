/*
 * spawn: the one place where jobsupd starts a process.
 *
 * The child gets its own session and process group, an empty signal mask and default
 * dispositions, stdin from
 * /dev/null, stdout and stderr on one new pipe, and SIGKILL should jobsupd die (so no job outlives
 * its supervisor). Every other descriptor of jobsupd is close-on-exec. The child is made with
 * vfork, which is sound here because jobsupd has one thread and the child only makes system
 * calls before exec; it is also what keeps starting a job cheap when jobsupd holds much memory.
 */
#ifndef SPAWN_H
#define SPAWN_H

#include <sys/types.h>

/* Open what every spawn needs (/dev/null). 0 or -1 (errno). */
int spawn_init(void);
void spawn_fini(void);

/*
 * Start argv[0] (searched in PATH) with argv. Returns the child's pid, which is also its session
 * and process group id, and sets *out_fd to the read end of its output pipe (non-blocking, close-on-exec).
 * When the command cannot be executed, returns 0 with *exec_errno set (the child has exited and
 * was reaped). Returns -1 (errno) when no child could be made.
 */
pid_t spawn_job(char *const argv[], int *out_fd, int *exec_errno);

/* The exit code a shell gives a command that failed to execute with this errno: 127 when it was
 * not found, 126 otherwise. */
int spawn_exec_status(int exec_errno);

#endif
