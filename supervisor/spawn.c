/* spawn: starting a job's process; see spawn.h. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Pipes this large let a fast writer run without a context switch per 64 KiB. */
#define SPAWN_PIPE_SIZE (1 << 20)
/* The clone child's stack: it makes system calls only (sanitizers make those deeper). */
#define CLONE_STACK (256 * 1024)

static int devnull = -1;
static void *clone_stack;

int spawn_init(void)
{
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		return -1;
	clone_stack = mmap(NULL, CLONE_STACK, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (clone_stack == MAP_FAILED) {
		clone_stack = NULL;
		return -1;
	}
	return 0;
}

void spawn_fini(void)
{
	if (devnull >= 0)
		close(devnull);
	devnull = -1;
	if (clone_stack)
		munmap(clone_stack, CLONE_STACK);
	clone_stack = NULL;
}

int spawn_find_beside(const char *given, const char *name, char *dst, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	dst[0] = '\0';
	if (given) {
		snprintf(dst, cap, "%s", given);
	} else if (n > 0) {
		self[n] = '\0';
		snprintf(dst, cap, "%s/%s", dirname(self), name);
	}
	if (!dst[0]) {
		errno = ENOENT;
		return -1;
	}
	return access(dst, X_OK);
}

void spawn_beside_error(const char *name, const char *path, const char *otherwise, char *desc,
			size_t cap)
{
	snprintf(desc, cap, "cannot run %s (%s): %s; it is installed beside jobsupd (or give %s)",
		 name, path[0] ? path : "beside jobsupd", strerror(errno), otherwise);
}

int spawn_exec_status(int exec_errno)
{
	return exec_errno == ENOENT || exec_errno == ENOTDIR ? 127 : 126;
}

/* What the child needs, all of it prepared by the parent: the child (sharing its memory, as
 * vfork's does) only makes system calls. */
struct child {
	const struct spawn_req *req;
	int out[2], errpipe, status; /* out: stdout's and stderr's write ends */
	pid_t parent;
	int death; /* the parent-death signal: req's, else SIGKILL */
	char *const *init_argv;
	char uid_map[32], gid_map[32];
	bool probe; /* spawn_probe: set up, then exit 0 */
};

static void __attribute__((noreturn)) child_fail(const struct child *c, enum spawn_stage stage)
{
	struct spawn_failure f = {stage, errno};
	(void)!write(c->errpipe, &f, sizeof f);
	_exit(127);
}

/* What both ways do first: own session, clean signals, death with jobsupd, the cgroup. */
static int child_common(const struct child *c)
{
	sigset_t none;
	sigemptyset(&none);
	/* A session of its own: the job leads its process group and cannot move into another
	 * (a session leader cannot change groups; nobody can join a group of another session). */
	if (setsid() < 0)
		return -1;
	/* jobsupd ignores SIGPIPE; everything else has its default disposition already. */
	signal(SIGPIPE, SIG_DFL);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0 || prctl(PR_SET_PDEATHSIG, c->death) < 0)
		return -1;
	return cg_child_enter(c->req->entry);
}

static int stdio(const struct child *c)
{
	return dup2(devnull, 0) < 0 || dup2(c->out[0], 1) < 0 || dup2(c->out[1], 2) < 0 ? -1 : 0;
}

/* In the vforked child: only system calls, then exec or _exit. */
static void __attribute__((noreturn)) plain_child(const struct child *c)
{
	/* (getppid: jobsupd may have died before PR_SET_PDEATHSIG took; then nobody would.) */
	const struct spawn_req *r = c->req;
	if (child_common(c) < 0 || getppid() != c->parent || stdio(c) < 0)
		child_fail(c, SPAWN_SETUP);
	/* dup2 onto itself would leave it close-on-exec. */
	if (r->report_fd > 0 &&
	    (r->report_fd == SPAWN_REPORT_FD ? fcntl(SPAWN_REPORT_FD, F_SETFD, 0)
					     : dup2(r->report_fd, SPAWN_REPORT_FD)) < 0)
		child_fail(c, SPAWN_SETUP);
	if (r->set_user && (setgroups((size_t)r->ngroups, r->groups) < 0 || setgid(r->gid) < 0 ||
			    setuid(r->uid) < 0))
		child_fail(c, SPAWN_USER);
	/* A new uid cleared the parent-death signal: set it again (and look again for a parent
	 * that died meanwhile). */
	if (r->set_user && (prctl(PR_SET_PDEATHSIG, c->death) < 0 || getppid() != c->parent))
		child_fail(c, SPAWN_SETUP);
	if (c->req->cwd && chdir(c->req->cwd) < 0)
		child_fail(c, SPAWN_CWD);
	if (c->req->envp)
		execvpe(c->req->argv[0], c->req->argv, c->req->envp);
	else
		execvp(c->req->argv[0], c->req->argv);
	child_fail(c, SPAWN_EXEC);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* In a new user namespace: jobsupd's uid and gid are the only ones, mapped to themselves. */
static int map_user(const struct child *c)
{
	if (write_file("/proc/self/uid_map", c->uid_map) < 0 ||
	    write_file("/proc/self/setgroups", "deny") < 0 ||
	    write_file("/proc/self/gid_map", c->gid_map) < 0)
		return -1;
	return 0;
}

static int loopback_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, "lo", 3);
	int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (rc == 0)
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	close(s);
	return rc;
}

/* The new mount namespace: nothing mounted here reaches the host (private propagation), a /proc
 * of the new PID namespace, a /tmp and /dev/shm of the job's own. */
static int mounts(const struct child *c)
{
	const unsigned long nodev = MS_NOSUID | MS_NODEV;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", nodev | MS_NOEXEC, NULL) < 0)
		return -1;
	if (c->req->private_tmp &&
	    (mount("tmpfs", "/tmp", "tmpfs", nodev, SPAWN_TMP_SIZE) < 0 ||
	     (access("/dev/shm", F_OK) == 0 &&
	      mount("tmpfs", "/dev/shm", "tmpfs", nodev, SPAWN_TMP_SIZE) < 0)))
		return -1;
	/* sysfs shows the network devices of the namespace it was mounted in: a job without the
	 * host's network gets one of its own, or it would still see the host's interfaces. */
	if ((c->req->clone_flags & CLONE_NEWNET) &&
	    mount("sysfs", "/sys", "sysfs", nodev | MS_NOEXEC | MS_RDONLY, NULL) < 0)
		return -1;
	return 0;
}

/* The clone child: PID 1 of the job's namespaces until it execs jobinit. */
static int sandbox_child(void *arg)
{
	const struct child *c = arg;
	const struct spawn_req *r = c->req;
	if (child_common(c) < 0)
		child_fail(c, SPAWN_SETUP);
	if ((r->clone_flags & CLONE_NEWUSER) && map_user(c) < 0)
		child_fail(c, SPAWN_SETUP);
	if (mounts(c) < 0 || ((r->clone_flags & CLONE_NEWNET) && loopback_up() < 0))
		child_fail(c, SPAWN_SETUP);
	if (c->probe)
		_exit(0);
	if (stdio(c) < 0 || fcntl(c->errpipe, F_SETFD, 0) < 0 || fcntl(c->status, F_SETFD, 0) < 0)
		child_fail(c, SPAWN_SETUP);
	execveat(r->init_fd, "", c->init_argv, r->envp, AT_EMPTY_PATH);
	child_fail(c, SPAWN_SETUP);
}

/* jobinit's arguments (initproto.h) in one allocation: pointers, then the strings. */
static char **init_argv(const struct spawn_req *r, int status, int errpipe)
{
	size_t argc = 0, text = 64 + strlen(r->init) + strlen(r->cwd) + 12 * (size_t)r->ngroups;
	while (r->argv[argc])
		argc++;
	char **v = malloc((10 + argc) * sizeof *v + text);
	if (!v)
		return NULL;
	char *p = (char *)(v + 10 + argc), *end = p + text;
	int n = 0;
	v[n++] = (char *)r->init;
	v[n++] = p;
	p += snprintf(p, (size_t)(end - p), "%d", status) + 1;
	v[n++] = p;
	p += snprintf(p, (size_t)(end - p), "%d", errpipe) + 1;
	v[n++] = p;
	p += (r->set_user ? snprintf(p, (size_t)(end - p), "%u", (unsigned)r->uid)
			  : snprintf(p, (size_t)(end - p), "-")) +
	     1;
	v[n++] = p;
	p += snprintf(p, (size_t)(end - p), "%u", (unsigned)r->gid) + 1;
	v[n++] = p;
	*p = '\0';
	for (int i = 0; i < r->ngroups; i++)
		p += snprintf(p, (size_t)(end - p), "%s%u", i ? "," : "", (unsigned)r->groups[i]);
	if (r->ngroups == 0)
		p += snprintf(p, (size_t)(end - p), "-");
	p++;
	v[n++] = (char *)r->cwd;
	v[n++] = r->set_user ? "1" : "0"; /* with a uid of its own it had root's capabilities */
	v[n++] = "--";
	for (size_t i = 0; i <= argc; i++)
		v[n++] = r->argv[i];
	return v;
}

/* Make the child, the plain way or the sandboxed one; its pid, or -1. */
static pid_t start_child(struct child *c)
{
	const struct spawn_req *r = c->req;
	if (r->fail_fd) {
		/* Not waited for (spawn.h): a copy of jobsupd, which may be stopped or slow. */
		pid_t pid = fork();
		if (pid == 0)
			plain_child(c);
		return pid;
	}
	if (!r->init) {
		/* vfork on purpose (see spawn.h): clang-tidy's advice is for other programs. */
		pid_t pid = vfork(); /* NOLINT(clang-analyzer-security.insecureAPI.vfork) */
		if (pid == 0)
			plain_child(c); /* NOLINT(clang-analyzer-unix.Vfork) */
		return pid;
	}
	snprintf(c->uid_map, sizeof c->uid_map, "%u %u 1", (unsigned)geteuid(),
		 (unsigned)geteuid());
	snprintf(c->gid_map, sizeof c->gid_map, "%u %u 1", (unsigned)getegid(),
		 (unsigned)getegid());
	return clone(sandbox_child, (char *)clone_stack + CLONE_STACK,
		     CLONE_VM | CLONE_VFORK | SIGCHLD | r->clone_flags, c);
}

static void close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

/* The child's answer: a failure, or nothing once every copy of the pipe's write end is gone (it
 * exec'd the command). A sandbox's jobinit that reported a failure is killed, and waited for
 * without being reaped, so that its cgroup is empty when spawn_job returns. */
static bool failed(int errpipe, pid_t pid, bool sandbox, struct spawn_failure *fail)
{
	ssize_t n;
	do {
		n = read(errpipe, fail, sizeof *fail);
	} while (n < 0 && errno == EINTR);
	if (n != sizeof *fail)
		return false;
	if (sandbox) {
		siginfo_t si;
		kill(pid, SIGKILL);
		while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
			;
	}
	return true;
}

pid_t spawn_job(const struct spawn_req *req, int out_fds[2], int *status_fd,
		struct spawn_failure *fail)
{
	int out[2] = {-1, -1}, err[2] = {-1, -1}, errp[2] = {-1, -1}, st[2] = {-1, -1};
	struct child c = {.req = req,
			  .parent = getpid(),
			  .death = req->death_signal ? req->death_signal : SIGKILL};
	char **argv = NULL;
	pid_t pid = -1;
	int saved;

	*status_fd = -1;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    (req->init && pipe2(st, O_CLOEXEC) < 0))
		goto out;
	if (req->init && !(argv = init_argv(req, st[1], errp[1])))
		goto out;
	/* Best effort: the per-user pipe budget may refuse; the default size still works. */
	(void)fcntl(out[0], F_SETPIPE_SZ, SPAWN_PIPE_SIZE);
	(void)fcntl(err[0], F_SETPIPE_SZ, SPAWN_PIPE_SIZE);
	c.out[0] = out[1];
	c.out[1] = err[1];
	c.errpipe = errp[1];
	c.status = st[1];
	c.init_argv = argv;
	pid = start_child(&c);
	saved = errno;
	close(out[1]);
	close(err[1]);
	close(errp[1]);
	out[1] = err[1] = errp[1] = -1;
	if (st[1] >= 0)
		close(st[1]);
	st[1] = -1;
	errno = saved;
	if (pid < 0)
		goto out;
	/* The child has exec'd or exited by now (vfork's promise): a sandbox's failure comes a
	 * little later, from jobinit or the command, and the read waits for it. A forked child's
	 * is the caller's to read, once the child has exited. */
	if (req->fail_fd) {
		fcntl(errp[0], F_SETFL, O_NONBLOCK);
		*req->fail_fd = errp[0];
		errp[0] = -1;
	} else if (failed(errp[0], pid, req->init != NULL, fail)) {
		pid = 0;
		goto out;
	}
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	out_fds[0] = out[0];
	out_fds[1] = err[0];
	out[0] = err[0] = -1;
	if (st[0] >= 0) {
		fcntl(st[0], F_SETFL, O_NONBLOCK);
		*status_fd = st[0];
		st[0] = -1;
	}
out:
	saved = errno;
	close_pair(out);
	close_pair(err);
	close_pair(errp);
	close_pair(st);
	free(argv);
	errno = saved;
	return pid;
}

bool spawn_probe(int clone_flags)
{
	int errp[2];
	struct spawn_failure fail;
	struct spawn_req req = {.init = "", .clone_flags = clone_flags, .private_tmp = true};
	struct cg_entry none = {.nfds = 0};
	struct child c = {.req = &req, .parent = getpid(), .death = SIGKILL, .probe = true};
	req.entry = &none;
	if (pipe2(errp, O_CLOEXEC) < 0)
		return false;
	c.errpipe = errp[1];
	pid_t pid = start_child(&c);
	close(errp[1]);
	bool ok = pid > 0 && !failed(errp[0], pid, false, &fail);
	close(errp[0]);
	return ok;
}
