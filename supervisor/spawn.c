/* spawn: starting a job's process; see spawn.h. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Pipes this large let a fast writer run without a context switch per 64 KiB. */
#define SPAWN_PIPE_SIZE (1 << 20)

static int devnull = -1;

int spawn_init(void)
{
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return devnull < 0 ? -1 : 0;
}

void spawn_fini(void)
{
	if (devnull >= 0)
		close(devnull);
	devnull = -1;
}

int spawn_exec_status(int exec_errno)
{
	return exec_errno == ENOENT || exec_errno == ENOTDIR ? 127 : 126;
}

/* In the vforked child: only system calls, then exec or _exit. */
static void __attribute__((noreturn))
child(char *const argv[], const struct cg_entry *entry, const int out[2], int errpipe, pid_t parent)
{
	sigset_t none;
	struct spawn_failure f = {SPAWN_SETUP, 0};

	sigemptyset(&none);
	/* A session of its own: the job leads its process group and cannot move into another
	 * (a session leader cannot change groups; nobody can join a group of another session). */
	if (setsid() < 0)
		goto fail;
	/* jobsupd ignores SIGPIPE; everything else has its default disposition already. */
	signal(SIGPIPE, SIG_DFL);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		goto fail;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		goto fail;
	if (cg_child_enter(entry) < 0)
		goto fail;
	if (dup2(devnull, 0) < 0 || dup2(out[0], 1) < 0 || dup2(out[1], 2) < 0)
		goto fail;
	f.stage = SPAWN_EXEC;
	execvp(argv[0], argv);
fail:
	f.err = errno;
	(void)!write(errpipe, &f, sizeof f);
	_exit(127);
}

/* Two pipes, stdout's and stderr's: ends[0] the read ends, ends[1] the write ends. */
static int make_pipes(int ends[2][2])
{
	int out[2], err[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(err, O_CLOEXEC) < 0) {
		int e = errno;
		close(out[0]);
		close(out[1]);
		errno = e;
		return -1;
	}
	/* Best effort: the per-user pipe budget may refuse; the default size still works. */
	(void)fcntl(out[0], F_SETPIPE_SZ, SPAWN_PIPE_SIZE);
	(void)fcntl(err[0], F_SETPIPE_SZ, SPAWN_PIPE_SIZE);
	ends[0][0] = out[0];
	ends[0][1] = err[0];
	ends[1][0] = out[1];
	ends[1][1] = err[1];
	return 0;
}

static void close_pair(const int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

pid_t spawn_job(char *const argv[], const struct cg_entry *entry, int out_fds[2],
		struct spawn_failure *fail)
{
	int ends[2][2], errp[2];
	pid_t parent = getpid();

	if (make_pipes(ends) < 0)
		return -1;
	if (pipe2(errp, O_CLOEXEC) < 0) {
		int e = errno;
		close_pair(ends[0]);
		close_pair(ends[1]);
		errno = e;
		return -1;
	}

	/* vfork on purpose (see spawn.h): clang-tidy's advice against it is for other programs. */
	pid_t pid = vfork(); /* NOLINT(clang-analyzer-security.insecureAPI.vfork) */
	if (pid == 0)
		/* NOLINTNEXTLINE(clang-analyzer-unix.Vfork) */
		child(argv, entry, ends[1], errp[1], parent);
	int saved = errno;
	close_pair(ends[1]);
	close(errp[1]);
	if (pid < 0) {
		close_pair(ends[0]);
		close(errp[0]);
		errno = saved;
		return -1;
	}

	/* vfork returns once the child has exec'd or exited: the pipe holds the answer now. */
	ssize_t n;
	do {
		n = read(errp[0], fail, sizeof *fail);
	} while (n < 0 && errno == EINTR);
	close(errp[0]);
	if (n == sizeof *fail) {
		/* The child has exited; jobsupd's reaper collects it with every other. */
		close_pair(ends[0]);
		return 0;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(ends[0][i], F_SETFL, O_NONBLOCK);
		out_fds[i] = ends[0][i];
	}
	return pid;
}
