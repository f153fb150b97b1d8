/*
 * sup: jobsupd's life around the loop: start-up (signals, the store, the listening socket),
 * reaping children, and the shutdown that stops every job before the loop ends.
 */
#include "sup.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn.h"
#include "job.h"
#include "log.h"
#include "spawn.h"
#include "usock.h"

/* After shutdown, how long replies and stream ends may take to reach jobapi. */
#define SHUTDOWN_FLUSH_MS 2000

/* Signals and children */

void sup_reap(struct sup *s)
{
	struct job *j, *next;
	for (;;) {
		siginfo_t si;
		si.si_pid = 0;
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
			break;
		j = job_by_pid(s, si.si_pid);
		if (j)
			job_reaped(j);
		else /* a process a job left behind, handed to us as the subreaper */
			while (waitpid(si.si_pid, NULL, 0) < 0 && errno == EINTR)
				;
	}
	for (j = TAILQ_FIRST(&s->running); j; j = next) {
		next = TAILQ_NEXT(j, qlink);
		if (j->main_done)
			job_settle(j);
	}
}

static void on_signal(struct watch *w, uint32_t events)
{
	struct sup *s = container_of(w, struct sup, signals);
	struct signalfd_siginfo si;
	(void)events;
	while (read(w->fd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGCHLD)
			sup_reap(s);
		else
			sup_shutdown(s, (int)si.ssi_signo);
	}
}

static void on_listen(struct watch *w, uint32_t events)
{
	(void)events;
	conn_accept(container_of(w, struct sup, listen));
}

static void on_accept_retry(struct timer *t)
{
	struct sup *s = container_of(t, struct sup, accept_retry);
	if (s->listen.fd >= 0)
		loop_rewatch(&s->loop, &s->listen, EPOLLIN);
}

void sup_accept_later(struct sup *s)
{
	loop_timer_at(&s->loop, &s->accept_retry, loop_now() + 100, on_accept_retry);
}

/* Every GIVE_BACK_MS, the pages the allocator holds free go back to the system: a burst of jobs
 * and followers then does not keep jobsupd at its peak for good. A trim of the heap at its caps
 * takes well under a millisecond of the loop. */
#define GIVE_BACK_MS 10000

static void on_give_back(struct timer *t)
{
	struct sup *s = container_of(t, struct sup, give_back);
	malloc_trim(0);
	loop_timer_at(&s->loop, t, loop_now() + GIVE_BACK_MS, on_give_back);
}

static void close_listener(struct sup *s)
{
	if (s->listen.fd < 0)
		return;
	int fd = s->listen.fd;
	loop_unwatch(&s->loop, &s->listen);
	close(fd);
	unlink(s->cfg.socket_path);
}

static void on_flush_deadline(struct timer *t)
{
	container_of(t, struct sup, shutdown_deadline)->loop.stop = true;
}

void sup_shutdown(struct sup *s, int sig)
{
	struct job *j;
	if (s->shutting_down) {
		/* Asked twice: do not wait for the grace period. */
		log_warn("%s again: killing every job now", sigabbrev_np(sig));
		TAILQ_FOREACH(j, &s->running, qlink)
			job_signal(j, SIGKILL);
		return;
	}
	log_info("SIG%s: stopping %ld running and %ld queued jobs", sigabbrev_np(sig), s->nrunning,
		 s->nqueued);
	s->shutting_down = true;
	close_listener(s);
	while ((j = TAILQ_FIRST(&s->queue)))
		job_stop(j, END_SHUTDOWN, NULL, 0);
	TAILQ_FOREACH(j, &s->running, qlink)
		job_stop(j, END_SHUTDOWN, NULL, 0);
	loop_timer_at(&s->loop, &s->shutdown_deadline,
		      loop_now() + (s->cfg.grace_s + 5) * 1000 + SHUTDOWN_FLUSH_MS,
		      on_flush_deadline);
}

bool sup_done(struct sup *s)
{
	if (!s->shutting_down || s->nrunning > 0 || s->nqueued > 0)
		return false;
	struct conn *c;
	LIST_FOREACH(c, &s->conns, link)
		if (buf_used(&c->out) > 0)
			return false;
	return true;
}

/* Start-up and the end */

int sup_listen(struct sup *s)
{
	const char *path = s->cfg.socket_path;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);

	/* The socket's directory is the service user's alone: made so when created here, and
	 * refused when it is not, since whoever can reach the socket can run jobs as anyone. */
	char dir[sizeof sa.sun_path];
	struct stat st;
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077)) {
		log_error("the directory of the socket, %s, must belong to uid %d and be private "
			  "(chmod 700), so that only jobapi can reach jobsupd",
			  dir, (int)geteuid());
		return -1;
	}

	struct usock u = {.path = path,
			  .who = "jobsupd",
			  .flags = SOCK_NONBLOCK,
			  .mode = 0600,
			  .gid = (gid_t)-1,
			  .backlog = 128};
	int fd = usock_listen(&u);
	if (fd < 0)
		return -1;
	if (loop_watch(&s->loop, &s->listen, fd, EPOLLIN, on_listen) < 0) {
		log_error("cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return 0;
}

static int open_signals(struct sup *s)
{
	sigset_t set;

	/* Start from default dispositions (a shell may have left SIGINT ignored), so that jobs
	 * inherit them and signalfd sees what it should. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0 || loop_watch(&s->loop, &s->signals, fd, EPOLLIN, on_signal) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0;
}

/* Choose how jobs are contained, and offer only the limits that can be enforced. */
static int init_containment(struct sup *s)
{
	char desc[512];
	struct spec_limits *lim = &s->cfg.limits;
	if (cg_init(&s->cg, s->cfg.cgroup_root, s->cfg.cgroup_want, desc, sizeof desc) < 0) {
		log_error("%s", desc);
		return -1;
	}
	log_info("%s", desc);
	for (int i = 0; i < NLIMITS; i++) {
		if (cg_can_limit(&s->cg, i))
			continue;
		if (limit_get(&lim->deflt, i))
			log_warn("%s cannot be enforced here; jobs run without it",
				 limit_info[i].deflt_flag);
		limit_set(&lim->max, i, 0);
		limit_set(&lim->deflt, i, 0);
	}
	return 0;
}

int sup_init(struct sup *s, const struct sup_config *cfg)
{
	memset(s, 0, sizeof *s);
	s->cfg = *cfg;
	s->listen.fd = s->signals.fd = -1;
	s->loop.epfd = -1;
	s->next_id = 1;
	TAILQ_INIT(&s->queue);
	TAILQ_INIT(&s->running);
	LIST_INIT(&s->conns);
	if (loop_init(&s->loop) < 0 || spawn_init() < 0 ||
	    job_table_init(s, (size_t)(cfg->max_running + cfg->max_queued)) < 0) {
		log_error("cannot start: %s", strerror(errno));
		return -1;
	}
	if (store_open(&s->store) < 0)
		return -1;
	loop_timer_at(&s->loop, &s->give_back, loop_now() + GIVE_BACK_MS, on_give_back);
	if (open_signals(s) < 0) {
		log_error("cannot set up signals: %s", strerror(errno));
		return -1;
	}
	/* What a job leaves behind when its parent dies comes to jobsupd, which reaps it and so
	 * knows when a job's process group is empty. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_warn("cannot become a child subreaper: %s", strerror(errno));
	return init_containment(s);
}

void sup_fini(struct sup *s)
{
	close_listener(s);
	while (!LIST_EMPTY(&s->conns))
		conn_close(LIST_FIRST(&s->conns));
	loop_drain(&s->loop); /* the deferred frees of what was just closed */
	if (s->signals.fd >= 0) {
		close(s->signals.fd);
		s->signals.fd = -1;
	}
	job_table_fini(s);
	cg_fini(&s->cg);
	store_close(&s->store);
	spawn_fini();
	loop_fini(&s->loop);
}
