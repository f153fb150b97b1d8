/*
 * sup: jobsupd's life around the loop: start-up (signals, the store, containment), the signals
 * it reads, and the shutdown that stops every job before the loop ends.
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
#include <unistd.h>

#include "log.h"
#include "spawn.h"

/* After shutdown, how long replies and stream ends may take to reach jobapi. */
#define SHUTDOWN_FLUSH_MS 2000

static void on_signal(struct watch *w, uint32_t events)
{
	struct sup *s = container_of(w, struct sup, signals);
	struct signalfd_siginfo si;
	(void)events;
	while (read(w->fd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGCHLD)
			jobs_reap(&s->jobs);
		else
			sup_shutdown(s, (int)si.ssi_signo);
	}
}

/* Every TRIM_MEMORY_MS, the pages the allocator holds free go back to the system: a burst of
 * jobs and followers then does not keep jobsupd at its peak for good. A trim of the heap at its
 * caps takes well under a millisecond of the loop. */
#define TRIM_MEMORY_MS 10000

static void on_trim_memory(struct timer *t)
{
	struct sup *s = container_of(t, struct sup, trim_memory);
	malloc_trim(0);
	if (loop_timer_at(&s->loop, t, loop_now() + TRIM_MEMORY_MS, on_trim_memory) < 0)
		log_warn("cannot arm the memory trim: %s; memory is no longer given back",
			 strerror(errno));
}

static void on_flush_deadline(struct timer *t)
{
	container_of(t, struct sup, shutdown_deadline)->loop.stop = true;
}

void sup_shutdown(struct sup *s, int sig)
{
	if (s->shutting_down) {
		/* Asked twice: do not wait for the grace period. */
		log_warn("%s again: killing every job now", sigabbrev_np(sig));
		jobs_shutdown(&s->jobs, true);
		return;
	}
	log_info("SIG%s: stopping %ld running and %ld queued jobs", sigabbrev_np(sig),
		 s->jobs.nrunning, s->jobs.nqueued);
	s->shutting_down = true;
	conns_unlisten(&s->conns);
	conns_end_events(&s->conns);
	jobs_shutdown(&s->jobs, false);
	if (loop_timer_at(&s->loop, &s->shutdown_deadline,
			  loop_now() + (s->cfg.grace_s + 5) * 1000 + SHUTDOWN_FLUSH_MS,
			  on_flush_deadline) < 0)
		log_warn("cannot arm the shutdown's deadline: %s", strerror(errno));
}

bool sup_done(struct sup *s)
{
	return s->shutting_down && s->jobs.nrunning == 0 && s->jobs.nqueued == 0 &&
	       conns_flushed(&s->conns);
}

int sup_listen(struct sup *s)
{
	return conns_listen(&s->conns, s->cfg.socket_path);
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

/* On Slurm: memory and CPUs up to the largest node's (or --max-X, if less); nothing else. */
static bool slurm_limit(struct sup *s, int i)
{
	struct spec_limits *lim = &s->cfg.limits;
	uint64_t most = i == LIMIT_memory_bytes	 ? s->slurm.node_memory
			: i == LIMIT_cpu_percent ? (uint64_t)s->slurm.node_cpus * 100
						 : 0;
	if (most && (!(s->cfg.limits_max_given & (1u << i)) || limit_get(&lim->max, i) > most))
		limit_set(&lim->max, i, most);
	return most != 0;
}

/* On Slurm: a job's timeout, with the grace and a minute (its --time backstop), within the
 * partition's MaxTime; Slurm would refuse a job asking for more, or keep it waiting for ever. */
static int slurm_timeouts(struct sup *s)
{
	struct spec_limits *lim = &s->cfg.limits;
	long most = s->slurm.max_time_s - s->cfg.grace_s - 60;
	if (!s->slurm.max_time_s)
		return 0;
	if (most < 1) {
		log_error("cannot start: Slurm's partition lets a job run %ld s, no more than the "
			  "grace (%ld s) and a minute",
			  s->slurm.max_time_s, s->cfg.grace_s);
		return -1;
	}
	if (lim->default_timeout_s > most && s->cfg.default_timeout_given) {
		log_error("cannot start: --default-timeout %ld is over what Slurm's partition lets "
			  "a job ask for (%ld s: its MaxTime, less the grace and a minute)",
			  lim->default_timeout_s, most);
		return -1;
	}
	if (lim->max_timeout_s > most) {
		log_info("timeouts up to %ld s: Slurm's partition's MaxTime, less the grace and a "
			 "minute",
			 most);
		lim->max_timeout_s = most;
	}
	if (lim->default_timeout_s > most)
		lim->default_timeout_s = most;
	return 0;
}

/* Choose how jobs are contained, and offer only the limits that can be enforced. On Slurm,
 * jobsupd contains only each job's srun (in its process group): the job is Slurm's to contain. */
static int init_containment(struct sup *s)
{
	struct spec_limits *lim = &s->cfg.limits;
	bool slurm = s->cfg.executor == EXEC_SLURM;
	if (slurm) {
		s->cg.mode = CONTAIN_PROCESS_GROUP;
		log_info("containment: Slurm's, on its nodes; jobsupd keeps each job's srun in a "
			 "process group of its own");
	} else if (cg_init(&s->cg, s->cfg.cgroup_root, s->cfg.cgroup_want) < 0) {
		return -1;
	}
	lim->slurm = slurm;
	for (int i = 0; i < NLIMITS; i++) {
		if (slurm ? slurm_limit(s, i) : cg_can_limit(&s->cg, i))
			continue;
		if (limit_get(&lim->deflt, i))
			log_warn("%s cannot be enforced here; jobs run without it",
				 limit_info[i].deflt_flag);
		limit_set(&lim->max, i, 0);
		limit_set(&lim->deflt, i, 0);
	}
	if (slurm && slurm_timeouts(s) < 0)
		return -1;
	/* The flags were held to each other; on Slurm, the largest node may have lowered a max
	 * below its default. */
	for (int i = 0; slurm && i < NLIMITS; i++) {
		if (limit_get(&lim->deflt, i) > limit_get(&lim->max, i)) {
			log_error(
			    "cannot start: %s %llu is over what Slurm's largest node has (%llu)",
			    limit_info[i].deflt_flag, (unsigned long long)limit_get(&lim->deflt, i),
			    (unsigned long long)limit_get(&lim->max, i));
			return -1;
		}
	}
	return 0;
}

int sup_init(struct sup *s, const struct sup_config *cfg)
{
	const struct jobs_config jcfg = {
	    .max_running = cfg->max_running,
	    .max_queued = cfg->max_queued,
	    .max_log = cfg->max_log,
	    .grace_s = cfg->grace_s,
	    .output_cap = cfg->output_cap,
	    .executor = cfg->executor,
	};
	memset(s, 0, sizeof *s);
	s->cfg = *cfg;
	s->signals.fd = -1;
	s->loop.epfd = -1;
	conns_init(&s->conns, s, &s->loop, &s->events, cfg->max_clients, cfg->max_followers);
	if (loop_init(&s->loop) < 0 || spawn_init() < 0) {
		log_error("cannot start: %s", strerror(errno));
		return -1;
	}
	if (store_open(&s->store) < 0)
		return -1;
	if (cfg->executor == EXEC_SLURM) {
		char desc[512];
		if (slurm_init(&s->slurm, &cfg->slurm, desc, sizeof desc) < 0) {
			log_error("%s", desc);
			return -1;
		}
		log_info("%s", desc);
	}
	if (init_containment(s) < 0)
		return -1;
	uint64_t total = cfg->output_total > 0
			     ? (uint64_t)cfg->output_total
			     : spool_default_total(cfg->output_dir ? cfg->output_dir : ".");
	if (spool_init(&s->spool, cfg->output_dir, (uint64_t)cfg->output_max, total) < 0)
		return -1;
	if (cfg->output_dir)
		log_info("output: kept whole in %s, up to %ld bytes a job and %llu in all",
			 cfg->output_dir, cfg->output_max, (unsigned long long)total);
	else
		log_info("output: in memory only (--output-dir none): the most recent %ld bytes a "
			 "job",
			 cfg->output_cap);
	if (events_init(&s->events, (size_t)cfg->max_events) < 0) {
		log_error("cannot start: %s", strerror(errno));
		return -1;
	}
	if (jobs_init(&s->jobs, &jcfg, &s->loop, &s->store, &s->cg, &s->spool, &s->events, &s->sb,
		      &s->slurm) < 0) {
		log_error("cannot start: %s", strerror(errno));
		return -1;
	}
	if (loop_timer_at(&s->loop, &s->trim_memory, loop_now() + TRIM_MEMORY_MS, on_trim_memory) <
		0 ||
	    open_signals(s) < 0) {
		log_error("cannot set up signals and timers: %s", strerror(errno));
		return -1;
	}
	/* After the signals: a probe's child (spawn_probe) is reaped like any other. */
	char desc[512];
	if (sandbox_init(&s->sb, &cfg->sandbox, desc, sizeof desc) < 0 ||
	    (cfg->executor == EXEC_SLURM &&
	     slurm_install_prolog(&s->slurm, s->sb.accounts.work_root, desc, sizeof desc) < 0)) {
		log_error("%s", desc);
		return -1;
	}
	log_info("%s", desc);
	/* What a job leaves behind when its parent dies comes to jobsupd, which reaps it and so
	 * knows when a job's process group is empty. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_warn("cannot become a child subreaper: %s", strerror(errno));
	return 0;
}

void sup_fini(struct sup *s)
{
	conns_fini(&s->conns);
	loop_drain(&s->loop); /* the deferred frees of what was just closed */
	if (s->signals.fd >= 0) {
		close(s->signals.fd);
		s->signals.fd = -1;
	}
	jobs_fini(&s->jobs);
	events_fini(&s->events);
	cg_fini(&s->cg);
	spool_fini(&s->spool);
	sandbox_fini(&s->sb);
	slurm_fini(&s->slurm);
	store_close(&s->store);
	spawn_fini();
	loop_fini(&s->loop);
}
