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
child(char *const argv[], const struct cg_entry *entry, int out, int errpipe, pid_t parent)
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
	if (dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		goto fail;
	f.stage = SPAWN_EXEC;
	execvp(argv[0], argv);
fail:
	f.err = errno;
	(void)!write(errpipe, &f, sizeof f);
	_exit(127);
}

pid_t spawn_job(char *const argv[], const struct cg_entry *entry, int *out_fd,
		struct spawn_failure *fail)
{
	int out[2], errp[2];
	pid_t parent = getpid();

	if (pipe2(out, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(errp, O_CLOEXEC) < 0) {
		int e = errno;
		close(out[0]);
		close(out[1]);
		errno = e;
		return -1;
	}
	/* Best effort: the per-user pipe budget may refuse; the default size still works. */
	(void)fcntl(out[0], F_SETPIPE_SZ, SPAWN_PIPE_SIZE);

	/* vfork on purpose (see spawn.h): clang-tidy's advice against it is for other programs. */
	pid_t pid = vfork(); /* NOLINT(clang-analyzer-security.insecureAPI.vfork) */
	if (pid == 0)
		child(argv, entry, out[1], errp[1], parent); /* NOLINT(clang-analyzer-unix.Vfork) */
	int saved = errno;
	close(out[1]);
	close(errp[1]);
	if (pid < 0) {
		close(out[0]);
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
		close(out[0]);
		return 0;
	}
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	*out_fd = out[0];
	return pid;
}
