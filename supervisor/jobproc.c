/*
 * jobproc: a job's processes: spawning them into their cgroup, signalling and killing them,
 * reaping (the one place jobsupd waits for a process), and waiting for what is left of a job to
 * go once its main process has. What happens is reported to the state table as events.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jobpriv.h"
#include "log.h"
#include "spawn.h"

/* Once the main process is gone, how often and how long to look for the rest of the job to go:
 * members end with a SIGCHLD to jobsupd (it is their subreaper), but one may have been reaped by
 * a parent that left the session, so jobsupd also looks, and after SETTLE_MAX_MS ends the job
 * whatever is left. */
#define SETTLE_CHECK_MS 50
#define SETTLE_MAX_MS 2000
/* A v1 freeze is looked at this often, for at most this long, before the kill goes ahead. */
#define FREEZE_CHECK_MS 1
#define FREEZE_MAX_MS 500
/* A running job's usage is read from its cgroup when asked for, at most this often. */
#define USAGE_REFRESH_MS 200

static void local_kill(struct job *j);

static bool grouped(const struct job *j)
{
	return j->jobs->cg->mode == CONTAIN_PROCESS_GROUP;
}

void proc_spawn_failed(struct job *j, const struct spawn_failure *fail)
{
	const char *cwd = j->spec.cwd ? j->spec.cwd : j->acc->workdir;
	switch (fail->stage) {
	case SPAWN_EXEC:
		j->rec.has_exit = true;
		j->rec.exit_code = spawn_exec_status(fail->err);
		job_set_error(j, "cannot execute \"%s\": %s", j->spec.argv[0], strerror(fail->err));
		break;
	case SPAWN_CWD:
		job_set_error(j, "cannot enter the working directory \"%s\" as uid %u: %s",
			      cwd ? cwd : "", (unsigned)j->rec.run_uid, strerror(fail->err));
		break;
	case SPAWN_USER:
		job_set_error(j, "cannot become uid %u without privileges: %s",
			      (unsigned)j->rec.run_uid, strerror(fail->err));
		break;
	case SPAWN_SETUP:
		job_set_error(j, "cannot set up the job's process (cgroup, limits, namespaces): %s",
			      strerror(fail->err));
		break;
	}
}

static void local_spawn(struct job *j)
{
	struct jobs *js = j->jobs;
	struct cg_entry entry;
	struct spawn_failure fail;
	struct sandbox_job sj;
	int fds[2] = {-1, -1}, status_fd = -1;

	if (cg_job_create(js->cg, j->rec.id, &j->spec.limits, &entry) < 0) {
		job_set_error(j, "cannot start the job: its cgroup could not be set up: %s",
			      strerror(errno));
		job_event(j, EV_SPAWN_FAILED, NULL);
		return;
	}
	pid_t pid = -1;
	if (sandbox_prepare(js->sb, j->acc, j->owner, j->rec.id, &j->spec, &entry, &sj) == 0)
		pid = spawn_job(&sj.req, fds, &status_fd, &fail);
	int spawn_errno = errno;
	sandbox_job_free(&sj);
	cg_entry_close(&entry);
	if (pid <= 0) {
		cg_job_remove(js->cg, j->rec.id);
		if (pid < 0)
			job_set_error(j, "cannot start the job: %s", strerror(spawn_errno));
		else
			proc_spawn_failed(j, &fail);
		job_event(j, EV_SPAWN_FAILED, NULL);
		return;
	}
	j->rec.pid = pid;
	j->rec.isolation = sj.isolation;
	j->status_fd = status_fd;
	/* Nothing used yet: the first reading of its cgroup comes USAGE_REFRESH_MS on, which
	 * most short jobs do not live to see (their final one is read once they end). */
	if (!grouped(j))
		j->rec.usage = (struct cg_usage){.valid = true, .memory_known = true};
	j->usage_read = loop_now();
	if (out_watch(j, fds) < 0) {
		/* Without its pipes the job could block forever on a full one: end it. */
		job_set_error(j, "cannot capture the job's output: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		local_kill(j);
	}
	job_event(j, EV_SPAWNED, NULL);
}

static void local_signal(struct job *j, int sig)
{
	/* Each process once: a signal the job handles (INT, say) must not reach it twice. A
	 * sandboxed job's init passes it on to each of the others; else every process of its
	 * cgroup, or without cgroups (or should its cgroup not be read) every process of its group,
	 * which the main process leads for good: it is a session leader, which cannot leave its
	 * group. */
	if (j->rec.isolation & ISO_PID)
		kill(j->rec.pid, sig);
	else if (grouped(j) || cg_job_signal(j->jobs->cg, j->rec.id, sig) < 0)
		kill(-j->rec.pid, sig);
}

static void on_frozen_check(struct timer *t)
{
	struct job *j = container_of(t, struct job, freeze);
	struct jobs *js = j->jobs;
	bool frozen = cg_job_frozen(js->cg, j->rec.id);
	if (!frozen && loop_now() < j->freeze_deadline &&
	    loop_timer_at(js->loop, t, loop_now() + FREEZE_CHECK_MS, on_frozen_check) == 0)
		return;
	if (!frozen)
		log_warn("job %llu: its cgroup did not freeze within %d ms; killing it anyway",
			 (unsigned long long)j->rec.id, FREEZE_MAX_MS);
	cg_job_kill_frozen(js->cg, j->rec.id);
}

static void local_kill(struct job *j)
{
	struct jobs *js = j->jobs;
	if (grouped(j)) {
		kill(-j->rec.pid, SIGKILL);
		return;
	}
	int rc = cg_job_kill(js->cg, j->rec.id);
	if (rc < 0)
		kill(-j->rec.pid, SIGKILL); /* its cgroup cannot be read: its group at least */
	if (rc != 1 || loop_timer_armed(&j->freeze))
		return;
	j->freeze_deadline = loop_now() + FREEZE_MAX_MS;
	if (loop_timer_at(js->loop, &j->freeze, loop_now() + FREEZE_CHECK_MS, on_frozen_check) < 0)
		cg_job_kill_frozen(js->cg, j->rec.id);
}

/* Has everything of the job gone? (EPERM: members we may not signal, which we could not end
 * anyway.) */
static bool nothing_left(struct job *j)
{
	return grouped(j) ? kill(-j->rec.pid, 0) < 0 : cg_job_empty(j->jobs->cg, j->rec.id);
}

static void on_settle_check(struct timer *t)
{
	struct job *j = container_of(t, struct job, settle);
	struct jobs *js = j->jobs;
	if (nothing_left(j)) {
		job_event(j, EV_GROUP_EMPTY, NULL);
	} else if (loop_now() >= j->settle_deadline ||
		   loop_timer_at(js->loop, t, loop_now() + SETTLE_CHECK_MS, on_settle_check) < 0) {
		job_event(j, EV_SETTLE_OVER, NULL);
	}
}

static void local_settle(struct job *j)
{
	/* What the job left running dies with it (without cgroups, the reaper killed its process
	 * group while the zombie still held the group's id). */
	if (!grouped(j))
		local_kill(j);
	j->settle_deadline = loop_now() + SETTLE_MAX_MS;
	on_settle_check(&j->settle);
}

static bool local_account(struct job *j)
{
	struct cg_usage u = {0};
	uint64_t oom_kills = 0;
	cg_job_usage(j->jobs->cg, j->rec.id, &u, &oom_kills);
	if (!u.valid) {
		/* Without cgroups, what the kernel counted for the main process (and the
		 * children it waited for) is the job's usage. */
		u.cpu_ms = j->rusage_cpu_ms;
		u.max_memory_bytes = j->rusage_maxrss;
		u.valid = u.memory_known = true;
	}
	j->rec.usage = u;
	return oom_kills > 0;
}

static void local_release(struct job *j)
{
	cg_job_remove(j->jobs->cg, j->rec.id);
}

static void local_usage(struct job *j)
{
	uint64_t oom;
	int64_t now = loop_now();
	if (grouped(j) || j->phase >= PHASE_SETTLING || now - j->usage_read < USAGE_REFRESH_MS)
		return;
	j->usage_read = now;
	cg_job_usage(j->jobs->cg, j->rec.id, &j->rec.usage, &oom);
}

const struct executor exec_local = {
    .spawn = local_spawn,
    .signal = local_signal,
    .kill = local_kill,
    .settle = local_settle,
    .account = local_account,
    .release = local_release,
    .usage = local_usage,
};

/* The job whose main process pid is, while it has not been reaped. */
static struct job *main_of(struct jobs *js, pid_t pid)
{
	struct job *j;
	TAILQ_FOREACH(j, &js->running, qlink)
		if (j->rec.pid == pid && j->phase < PHASE_SETTLING)
			return j;
	return NULL;
}

/* A sandboxed job's init reports how the command ended: that, not the init's own status, is
 * the job's (an init killed by SIGKILL reports nothing, and its own status says it). */
static void read_init_status(struct job *j)
{
	int st;
	if (j->status_fd < 0)
		return;
	if (read(j->status_fd, &st, sizeof st) == sizeof st)
		j->main_status = st;
	close(j->status_fd);
	j->status_fd = -1;
}

void jobs_reap(struct jobs *js)
{
	struct job *j, *next;
	for (;;) {
		siginfo_t si = {.si_pid = 0};
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
			break;
		j = main_of(js, si.si_pid);
		/* The zombie still holds its group's id, so this reaches only what the job left
		 * running and nothing that might take the id once it is reaped. */
		if (j && grouped(j))
			kill(-si.si_pid, SIGKILL);
		int status = 0;
		struct rusage ru = {0};
		while (wait4(si.si_pid, &status, 0, &ru) < 0 && errno == EINTR)
			;
		/* Not a job's main process: one a job left behind, or a command that failed to
		 * exec. */
		if (!j)
			continue;
		j->main_status = status;
		read_init_status(j);
		j->rusage_cpu_ms = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
				   (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
		j->rusage_maxrss = (uint64_t)ru.ru_maxrss * 1024;
		job_event(j, EV_MAIN_REAPED, NULL);
	}
	/* An exit may have been the last of a settling job. */
	for (j = TAILQ_FIRST(&js->running); j; j = next) {
		next = TAILQ_NEXT(j, qlink);
		if (j->phase == PHASE_SETTLING && !record_on_slurm(&j->rec) && nothing_left(j))
			job_event(j, EV_GROUP_EMPTY, NULL);
	}
}
