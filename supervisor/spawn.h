/*
 * spawn: the one place where jobsupd starts a process.
 *
 * The child gets its own session and process group, an empty signal mask and default
 * dispositions, stdin from /dev/null, stdout and stderr on a new pipe each, and SIGKILL should
 * jobsupd die (so no job outlives its supervisor). Every other descriptor of jobsupd is
 * close-on-exec. A command that cannot be started is reported back before spawn_job returns
 * (struct spawn_failure, initproto.h).
 *
 * Two ways, one function:
 * - plain (no init): the child is made with vfork, which is sound here because jobsupd has one
 *   thread and the child only makes system calls before exec; it is also what keeps starting a
 *   job cheap when jobsupd holds much memory. It execs the command as jobsupd's user, or as
 *   req's (set_user: a job's srun, on Slurm), with req->report_fd as its fd SPAWN_REPORT_FD
 *   when given. With req->fail_fd the child is forked instead, and spawn_job does not wait for
 *   its exec:
 *   a child that became another uid may be stopped by that account's own processes, or hang
 *   entering a directory of theirs, and jobsupd must never wait on it.
 * - sandboxed (req->init set): clone with CLONE_VM | CLONE_VFORK (vfork's sharing, on a stack of
 *   its own) and new namespaces (req->clone_flags: PID and mount, network, user). The child,
 *   PID 1 of the new PID namespace, enters the job's cgroup, makes mount propagation private,
 *   mounts a fresh /proc and a private tmpfs on /tmp and /dev/shm, brings loopback up in a new
 *   network namespace, then execs jobinit (init.c), which starts the command as the job's user
 *   without privileges and stays as its PID 1. The returned pid is jobinit's.
 */
#ifndef SPAWN_H
#define SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "initproto.h"

/* A private /tmp's and /dev/shm's size: memory (charged to the job's memory cgroup). */
#define SPAWN_TMP_SIZE "size=256m,nr_inodes=65536,mode=1777"

/* The fd a plain child gets req->report_fd as (and so srun's prolog, jobprolog, writes to). */
#define SPAWN_REPORT_FD 3

/* Open what every spawn needs (/dev/null, the clone stack). 0 or -1 (errno). */
int spawn_init(void);
void spawn_fini(void);

struct spawn_req {
	char *const *argv;	      /* the command; argv[0] is searched in PATH */
	char *const *envp;	      /* its environment; NULL: jobsupd's own */
	const char *cwd;	      /* NULL: jobsupd's own */
	const struct cg_entry *entry; /* the cgroup it enters before exec */
	int death_signal;	      /* what it gets should jobsupd die; 0: SIGKILL */
	int report_fd; /* plain only: > 0, given to the command as its fd SPAWN_REPORT_FD */
	int *fail_fd;  /* plain only: fork, do not wait; the failure pipe's read end (non-blocking,
			  close-on-exec) goes here, a struct spawn_failure in it once the child has
			  exited if the command could not be started; spawn_job never returns 0 */
	/* Sandboxed when init is set: */
	const char *init; /* jobinit's path, for its argv[0] */
	int init_fd;	  /* jobinit, open: exec'd by this, as its path may be under /tmp */
	int clone_flags;  /* CLONE_NEWPID | CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWUSER */
	bool private_tmp; /* tmpfs on /tmp and /dev/shm */
	bool set_user;	  /* become uid:gid with groups (else keep jobsupd's, as mapped); plain
			     too */
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	int ngroups;
};

/*
 * Start req. Returns the child's pid, which is also its session and process group id, and sets
 * out_fds to the read ends of its stdout and stderr pipes (non-blocking, close-on-exec), and for a
 * sandbox *status_fd to where jobinit writes the command's wait status (non-blocking,
 * close-on-exec; -1 otherwise); the caller closes both. When the command failed before or at exec,
 * returns 0 with *fail set: the child has exited (it is reaped with every other child, by
 * jobs_reap). Returns -1 (errno) when no child could be made.
 */
pid_t spawn_job(const struct spawn_req *req, int out_fds[2], int *status_fd,
		struct spawn_failure *fail);

/* The exit code a shell gives a command that failed to execute with this errno: 127 when it was
 * not found, 126 otherwise. */
int spawn_exec_status(int exec_errno);

/* A program jobsupd runs that is installed beside it (jobinit, jobprolog): given (a flag's path)
 * when not NULL, else name in the directory of jobsupd's own executable, into dst. 0 when it is
 * there and executable; else -1 (errno), dst holding the path looked at ("" when none). */
int spawn_find_beside(const char *given, const char *name, char *dst, size_t cap);

/* Why such a program cannot be run, from errno, into desc: "cannot run NAME (PATH): ERROR; it is
 * installed beside jobsupd (or give OTHERWISE)". */
void spawn_beside_error(const char *name, const char *path, const char *otherwise, char *desc,
			size_t cap);

/* Can this process make the namespaces of flags (a user namespace among them) for a job? Tried
 * once with a child that does what a sandboxed spawn's does and exits (reaped by jobs_reap,
 * like any). */
bool spawn_probe(int clone_flags);

#endif
