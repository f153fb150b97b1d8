/*
 * jobinit: PID 1 of a sandboxed job's PID namespace (tini's job, for one job). See initproto.h
 * for how jobsupd starts it and what it reports.
 *
 * It starts the command as the job's user, then waits: it reaps every process of the namespace
 * that ends (orphans come to it), and passes every signal it gets on to every other process of
 * the namespace, once each (kill(-1) inside a PID namespace reaches all but the caller). When the
 * command ends it writes the command's wait status to jobsupd and exits; the kernel then kills
 * whatever is left in the namespace, so nothing of the job outlives it.
 *
 * It keeps root (with its capabilities, inside the sandbox only) so that the job, under another
 * uid, can neither signal nor trace it; it runs no code of the job's.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>

#include "initproto.h"

struct init_args {
	int status_fd, error_fd;
	bool set_user, drop_bounding;
	uid_t uid;
	gid_t gid;
	gid_t groups[64];
	int ngroups;
	const char *cwd;
	char **argv;
};

static void __attribute__((noreturn)) usage(void)
{
	fputs("usage: jobinit STATUS_FD ERROR_FD UID GID GROUPS CWD DROP -- COMMAND [ARG...]\n"
	      "PID 1 of a job's namespace; started by jobsupd, not by hand.\n",
	      stderr);
	exit(2);
}

static long number(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		usage();
	return v;
}

static void parse(int argc, char **argv, struct init_args *a)
{
	if (argc < 10 || strcmp(argv[8], "--") != 0)
		usage();
	a->status_fd = (int)number(argv[1]);
	a->error_fd = (int)number(argv[2]);
	a->set_user = strcmp(argv[3], "-") != 0;
	if (a->set_user) {
		a->uid = (uid_t)number(argv[3]);
		a->gid = (gid_t)number(argv[4]);
	}
	a->ngroups = 0;
	for (char *g = argv[5], *next; strcmp(argv[5], "-") != 0 && g; g = next) {
		next = strchr(g, ',');
		if (next)
			*next++ = '\0';
		if (a->ngroups == 64)
			usage();
		a->groups[a->ngroups++] = (gid_t)number(g);
	}
	a->cwd = argv[6];
	a->drop_bounding = strcmp(argv[7], "1") == 0;
	a->argv = argv + 9;
}

static void __attribute__((noreturn)) fail(const struct init_args *a, enum spawn_stage stage)
{
	struct spawn_failure f = {stage, errno};
	(void)!write(a->error_fd, &f, sizeof f);
	_exit(stage == SPAWN_EXEC && (f.err == ENOENT || f.err == ENOTDIR) ? 127 : 126);
}

/* Become the job's user with no way back: no capabilities in any set (the bounding set
 * first, which needs CAP_SETPCAP), no new privileges through setuid files. */
static void drop_privileges(const struct init_args *a)
{
	if (a->drop_bounding)
		for (int cap = 0; prctl(PR_CAPBSET_READ, cap) >= 0; cap++)
			if (prctl(PR_CAPBSET_DROP, cap) < 0)
				fail(a, SPAWN_USER);
	if (a->set_user &&
	    (setgroups((size_t)a->ngroups, a->groups) < 0 ||
	     setresgid(a->gid, a->gid, a->gid) < 0 || setresuid(a->uid, a->uid, a->uid) < 0))
		fail(a, SPAWN_USER);
	/* Inheritable and ambient capabilities survive setuid; a job must start with none. */
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {{0, 0, 0}, {0, 0, 0}};
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		fail(a, SPAWN_USER);
	if (syscall(SYS_capset, &h, d) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(a, SPAWN_USER);
}

/* The command's process: the job's user, its directory, then exec. */
static void __attribute__((noreturn)) command(const struct init_args *a)
{
	sigset_t none;
	sigemptyset(&none);
	close(a->status_fd);
	if (fcntl(a->error_fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    sigprocmask(SIG_SETMASK, &none, NULL) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		fail(a, SPAWN_SETUP);
	drop_privileges(a);
	/* As the job's user: a directory it may not enter fails here, not later. */
	if (chdir(a->cwd) < 0)
		fail(a, SPAWN_CWD);
	execvp(a->argv[0], a->argv);
	fail(a, SPAWN_EXEC);
}

int main(int argc, char **argv)
{
	struct init_args a;
	sigset_t all;
	int status = 0;

	parse(argc, argv, &a);
	/* Every signal waits for sigwaitinfo: PID 1 gets only signals it handles, and these
	 * count as handled. */
	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, NULL) < 0)
		fail(&a, SPAWN_SETUP);
	pid_t child = fork();
	if (child < 0)
		fail(&a, SPAWN_SETUP);
	if (child == 0)
		command(&a);
	close(a.error_fd);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(-1, sig);
			continue;
		}
		pid_t p;
		int st;
		while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
			if (p == child) {
				status = st;
				child = 0;
			}
		}
		if (child == 0)
			break;
	}
	(void)!write(a.status_fd, &status, sizeof status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
