/*
 * slurmexec: the Slurm executor (jobpriv.h, --executor slurm): a job is one srun, run as its
 * owner's account with its output on the job's pipes (slurm.h has the command line).
 *
 * - Spawned: its srun runs, and the job waits in Slurm's queue (SUBMITTED: the API shows it
 *   queued). jobprolog's line on the report pipe says Slurm allocated it (ALLOCATED: running),
 *   with its Slurm id, node and partition.
 * - srun is forked, not vforked, and not waited for: once it is the account's, the account's own
 *   processes could stop it. Whether it could be started is read once it has exited.
 * - Signals go through Slurm, to the job's processes on its node: `scancel --signal=SIG ID`
 *   (a SIGTERM to srun would make Slurm kill the task at once, without a grace); a kill is
 *   `scancel --signal=KILL ID` and `scancel ID`, which also ends the allocation. A job not yet
 *   allocated has nothing to signal: its srun gets SIGTERM, and cancels its request in Slurm
 *   (not scancel by the job's name: another jobsupd's job of the same account and id has the
 *   same). Every scancel names the job's user too, so a job id that is not the job's (its
 *   report forged by a process of the account) reaches no other account's job. Should srun
 *   outlive a kill by SLURM_KILL_WAIT_MS (Slurm unreachable), it gets SIGTERM (srun ends its
 *   allocation itself), and SIGKILL as long again after.
 * - Once srun has exited, the job settles by reading Slurm's own account of it (`scontrol -o
 *   show job ID`): how the job's command ended (srun's own status cannot tell an exit 137 from
 *   a SIGKILL, nor a death by Slurm's memory limit from an exit 1), or Slurm's reason when Slurm
 *   ended it. An account that is not final yet (COMPLETING) is asked for again every
 *   SLURM_ASK_AGAIN_MS; one that is not this job's (its name and user) is not believed. Should no
 *   final account come within SLURM_ANSWER_MS, srun's status stands, and the job is cancelled
 *   in Slurm should it still be there.
 * - Usage is Slurm's to account for (sacct): the job worker shows none for these jobs.
 *
 * Slurm's commands run as jobsupd, each without waiting for it; jobs_reap reaps them like any
 * process that is not a job's main one.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jobpriv.h"
#include "log.h"
#include "spawn.h"

/* What is read of the prolog's report and of scontrol's account, at most. */
#define SLURM_TEXT_MAX 4096
/* How long a job waits for Slurm's final account of its end, asking this often. */
#define SLURM_ANSWER_MS 10000
#define SLURM_ASK_AGAIN_MS 250
/* How long srun may outlive a kill before it gets SIGTERM, then SIGKILL. */
#define SLURM_KILL_WAIT_MS 10000

/* Run one of Slurm's commands as jobsupd, with its environment, not waiting for it; its stdout on
 * *out (non-blocking) when out is given. 0, or -1 when it could not be started. */
static int run_command(char *const argv[], int *out)
{
	struct cg_entry none = {.nfds = 0};
	struct spawn_req req = {.argv = argv, .entry = &none};
	struct spawn_failure fail;
	int fds[2], status_fd;
	pid_t pid = spawn_job(&req, fds, &status_fd, &fail);
	if (pid <= 0) {
		log_error("cannot run %s: %s", argv[0], strerror(pid < 0 ? errno : fail.err));
		return -1;
	}
	close(fds[1]); /* what it says on stderr is not read */
	if (out)
		*out = fds[0];
	else
		close(fds[0]);
	return 0;
}

/* Read what fd holds into the job's text, up to SLURM_TEXT_MAX (the rest is read and dropped).
 * 1 at its end, 0 when more may come. */
static int read_text(struct job *j, int fd)
{
	char drop[512];
	for (;;) {
		size_t room = SLURM_TEXT_MAX - 1 - j->slurm.len;
		ssize_t n = room ? read(fd, j->slurm.text + j->slurm.len, room)
				 : read(fd, drop, sizeof drop);
		if (n > 0) {
			if (room)
				j->slurm.len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		j->slurm.text[j->slurm.len] = '\0';
		return n < 0 && errno == EAGAIN ? 0 : 1;
	}
}

/* The prolog's line: where Slurm runs the job. true once it came (and was taken). */
static bool take_report(struct job *j)
{
	struct watch *w = &j->slurm.report;
	if (w->fd < 0)
		return false;
	int end = read_text(j, w->fd);
	char *nl = memchr(j->slurm.text, '\n', j->slurm.len);
	if (!nl && !end)
		return false;
	loop_unwatch_close(j->jobs->loop, w);
	struct slurm_alloc a;
	if (!nl || slurm_parse_report(j->slurm.text, (size_t)(nl - j->slurm.text) + 1, &a) < 0) {
		if (j->slurm.len)
			log_warn("job %llu: jobprolog's report is not one: \"%.*s\"",
				 (unsigned long long)j->rec.id, (int)j->slurm.len, j->slurm.text);
		j->slurm.len = 0;
		return false;
	}
	j->slurm.len = 0;
	if (!(j->slurm.alloc = malloc(sizeof a))) {
		log_error("job %llu: out of memory", (unsigned long long)j->rec.id);
		return false;
	}
	*j->slurm.alloc = a;
	j->rec.slurm_job_id = a.job_id;
	j->rec.slurm_node = j->slurm.alloc->node;
	j->rec.slurm_partition = j->slurm.alloc->partition;
	return true;
}

static void on_report(struct watch *w, uint32_t events)
{
	struct job *j = container_of(w, struct job, slurm.report);
	(void)events;
	if (take_report(j))
		job_event(j, EV_ALLOCATED, NULL);
}

static void slurm_spawn(struct job *j)
{
	struct jobs *js = j->jobs;
	struct cg_entry none = {.nfds = 0};
	struct sandbox_job sj;
	struct spawn_failure unused; /* with fail_fd, a failure is told once srun has exited */
	int fds[2] = {-1, -1}, status_fd = -1, rep[2] = {-1, -1};
	unsigned cpus = 0;
	char **argv = NULL;
	pid_t pid = -1;

	memset(&sj, 0, sizeof sj);
	/* Slurm's --time is a backstop: jobsupd's timer and grace come first. */
	long backstop = j->rec.timeout_s + js->cfg.grace_s + 60;
	if ((j->slurm.text = malloc(SLURM_TEXT_MAX)) && pipe2(rep, O_CLOEXEC) == 0 &&
	    (argv = slurm_srun_argv(js->slurm, j->rec.id, &j->spec, backstop, &cpus)) &&
	    sandbox_prepare(js->sb, j->acc, j->owner, j->rec.id, &j->spec, &none, &sj) == 0) {
		sj.req.argv = argv;
		sj.req.report_fd = rep[1];
		/* Should jobsupd die, srun's SIGTERM makes Slurm end the job. */
		sj.req.death_signal = SIGTERM;
		sj.req.fail_fd = &j->slurm.fail_fd;
		pid = spawn_job(&sj.req, fds, &status_fd, &unused);
	}
	int spawn_errno = errno;
	sandbox_job_free(&sj);
	free(argv);
	if (rep[1] >= 0)
		close(rep[1]);
	j->rec.slurm_cpus = cpus;
	if (pid < 0) {
		if (rep[0] >= 0)
			close(rep[0]);
		job_set_error(j, "cannot start the job's srun: %s", strerror(spawn_errno));
		job_event(j, EV_SPAWN_FAILED, NULL);
		return;
	}
	j->rec.pid = pid;
	j->rec.isolation = sj.isolation;
	fcntl(rep[0], F_SETFL, O_NONBLOCK);
	if (loop_watch(js->loop, &j->slurm.report, rep[0], EPOLLIN, on_report) < 0 ||
	    out_watch(j, fds) < 0) {
		job_set_error(j, "cannot watch the job's srun: %s", strerror(errno));
		if (j->slurm.report.fd >= 0)
			loop_unwatch_close(j->jobs->loop, &j->slurm.report);
		else
			close(rep[0]);
		close(fds[0]); /* out_watch watches neither once it fails */
		close(fds[1]);
		/* srun cancels the job. By its pid: forked, it may not have its own group yet. */
		kill(pid, SIGTERM);
	}
	job_event(j, EV_SUBMITTED, NULL);
}

static void scancel(struct job *j, const char *signal)
{
	char id[24], sig[24], user[32];
	snprintf(id, sizeof id, "%llu", (unsigned long long)j->rec.slurm_job_id);
	snprintf(sig, sizeof sig, "--signal=%s", signal ? signal : "");
	snprintf(user, sizeof user, "--user=%u", (unsigned)j->rec.run_uid);
	char *with[] = {"scancel", user, sig, id, NULL}, *without[] = {"scancel", user, id, NULL};
	run_command(signal ? with : without, NULL);
}

static void slurm_signal(struct job *j, int sig)
{
	char name[16];
	snprintf(name, sizeof name, "%d", sig);
	scancel(j, name);
}

/* srun outlived a kill: SIGTERM makes it end its allocation (or give up waiting for one) and
 * exit; SIGKILL if even that did not. */
static void on_kill_unanswered(struct timer *t)
{
	struct job *j = container_of(t, struct job, slurm.retry);
	int sig = j->slurm.kill_step++ == 0 ? SIGTERM : SIGKILL;
	log_warn("job %llu: its srun (pid %d) outlived the cancel in Slurm; sending it %s",
		 (unsigned long long)j->rec.id, (int)j->rec.pid,
		 sig == SIGTERM ? "SIGTERM" : "SIGKILL");
	kill(-j->rec.pid, sig);
	if (sig == SIGTERM && loop_timer_at(j->jobs->loop, t, loop_now() + SLURM_KILL_WAIT_MS,
					    on_kill_unanswered) < 0)
		on_kill_unanswered(t); /* out of memory: SIGKILL now, not never */
}

static void slurm_kill(struct job *j)
{
	if (!j->rec.slurm_job_id) {
		/* srun, still waiting for an allocation, cancels its request. By its pid: it
		 * may be so new that it does not lead its group yet. */
		kill(j->rec.pid, SIGTERM);
	} else {
		scancel(j, "KILL"); /* the job's processes at once */
		scancel(j, NULL);   /* and its allocation */
	}
	if (!loop_timer_armed(&j->slurm.retry) &&
	    loop_timer_at(j->jobs->loop, &j->slurm.retry, loop_now() + SLURM_KILL_WAIT_MS,
			  on_kill_unanswered) < 0)
		on_kill_unanswered(&j->slurm.retry); /* out of memory: srun's signals now */
}

/* The states in which Slurm is done with a job. */
static bool final_state(const char *state)
{
	static const char *const done[] = {"COMPLETED", "FAILED",	 "CANCELLED",
					   "TIMEOUT",	"OUT_OF_MEMORY", "NODE_FAIL",
					   "PREEMPTED", "BOOT_FAIL",	 "DEADLINE"};
	for (size_t i = 0; i < sizeof done / sizeof *done; i++)
		if (strcmp(state, done[i]) == 0)
			return true;
	return false;
}

/* Slurm's account of the job's end: how its command ended, or why Slurm ended it. 1 when taken
 * (or not to be believed: srun's status stands), 0 when it is not final yet. */
static int take_answer(struct job *j)
{
	struct slurm_end e;
	struct slurm_alloc *a = j->slurm.alloc;
	char name[48];
	snprintf(name, sizeof name, SLURM_NAME_PREFIX "%llu", (unsigned long long)j->rec.id);
	if (slurm_parse_job(j->slurm.text, j->slurm.len, &e) < 0) {
		log_warn("job %llu: Slurm's account of job %llu could not be read; its outcome is "
			 "srun's",
			 (unsigned long long)j->rec.id, (unsigned long long)j->rec.slurm_job_id);
		return 1;
	}
	if (strcmp(e.name, name) != 0 || e.uid != j->rec.run_uid) {
		log_warn("job %llu: Slurm job %llu is another's (%s, uid %u): its report was not "
			 "jobprolog's; its outcome is srun's",
			 (unsigned long long)j->rec.id, (unsigned long long)j->rec.slurm_job_id,
			 e.name, (unsigned)e.uid);
		return 1;
	}
	if (!final_state(e.state))
		return 0;
	if (strcmp(e.state, "OUT_OF_MEMORY") == 0) {
		/* The kernel's OOM killer's SIGKILL, as a local job's shows (Slurm says 0:125). */
		j->slurm.oom = true;
		j->main_status = SIGKILL;
	} else if (e.signal)
		j->main_status = e.signal & 0x7f; /* a wait status: killed by it */
	else
		j->main_status = W_EXITCODE(e.exit_code, 0);
	if (strcmp(e.state, "COMPLETED") != 0 && strcmp(e.state, "FAILED") != 0 &&
	    strcmp(e.state, "OUT_OF_MEMORY") != 0)
		snprintf(a->ended_by, sizeof a->ended_by, "%s (%s)", e.state, e.reason);
	return 1;
}

static int ask_slurm(struct job *j);

static void on_ask_again(struct timer *t)
{
	struct job *j = container_of(t, struct job, slurm.retry);
	if (ask_slurm(j) < 0)
		job_event(j, EV_GROUP_EMPTY, NULL);
}

static void on_answer(struct watch *w, uint32_t events)
{
	struct job *j = container_of(w, struct job, slurm.answer);
	(void)events;
	if (!read_text(j, w->fd))
		return;
	loop_unwatch_close(j->jobs->loop, w);
	if (take_answer(j) || loop_timer_at(j->jobs->loop, &j->slurm.retry,
					    loop_now() + SLURM_ASK_AGAIN_MS, on_ask_again) < 0)
		job_event(j, EV_GROUP_EMPTY, NULL);
}

static void on_answer_late(struct timer *t)
{
	struct job *j = container_of(t, struct job, settle);
	/* Whatever Slurm still holds of it goes (srun has ended: nobody reads its output). */
	scancel(j, NULL);
	job_event(j, EV_SETTLE_OVER, NULL);
}

/* Run `scontrol -o show job ID`; its answer comes to on_answer. 0, or -1. */
static int ask_slurm(struct job *j)
{
	char id[24];
	int fd = -1;
	snprintf(id, sizeof id, "%llu", (unsigned long long)j->rec.slurm_job_id);
	char *argv[] = {"scontrol", "--oneliner", "show", "job", id, NULL};
	j->slurm.len = 0;
	if (run_command(argv, &fd) < 0)
		return -1;
	if (loop_watch(j->jobs->loop, &j->slurm.answer, fd, EPOLLIN, on_answer) < 0) {
		close(fd);
		return -1;
	}
	return 0;
}

/* What the fork that was to exec srun said, once it has exited: nothing, or why it failed. */
static void take_failure(struct job *j)
{
	struct spawn_failure f;
	int fd = j->slurm.fail_fd;
	if (fd < 0)
		return;
	if (read(fd, &f, sizeof f) == sizeof f) {
		if (f.stage == SPAWN_EXEC)
			job_set_error(j, "cannot execute srun (%s): %s", j->jobs->slurm->srun,
				      strerror(f.err));
		else
			proc_spawn_failed(j, &f);
		j->slurm.not_started = true;
	}
	close(fd);
	j->slurm.fail_fd = -1;
}

static void slurm_settle(struct job *j)
{
	struct jobs *js = j->jobs;
	loop_timer_cancel(js->loop, &j->slurm.retry); /* srun is gone: no kill to follow up */
	take_failure(j);
	/* srun has exited: whatever its prolog wrote is in the pipe. */
	if (!j->rec.slurm_job_id && take_report(j))
		job_event(j, EV_ALLOCATED, NULL);
	loop_unwatch_close(j->jobs->loop, &j->slurm.report);
	/* No Slurm id: Slurm never allocated it (or srun never ran, and the error says why). */
	if (!j->rec.slurm_job_id) {
		job_event(j, EV_GROUP_EMPTY, NULL);
		return;
	}
	if (ask_slurm(j) < 0 ||
	    loop_timer_at(js->loop, &j->settle, loop_now() + SLURM_ANSWER_MS, on_answer_late) < 0) {
		loop_unwatch_close(j->jobs->loop, &j->slurm.answer);
		job_event(j, EV_GROUP_EMPTY, NULL);
	}
}

static bool slurm_account(struct job *j)
{
	return j->slurm.oom;
}

static void slurm_release(struct job *j)
{
	loop_timer_cancel(j->jobs->loop, &j->slurm.retry);
	loop_unwatch_close(j->jobs->loop, &j->slurm.report);
	loop_unwatch_close(j->jobs->loop, &j->slurm.answer);
	free(j->slurm.text);
	j->slurm.text = NULL;
}

static void slurm_usage(struct job *j)
{
	(void)j;
}

const struct executor exec_slurm = {
    .spawn = slurm_spawn,
    .signal = slurm_signal,
    .kill = slurm_kill,
    .settle = slurm_settle,
    .account = slurm_account,
    .release = slurm_release,
    .usage = slurm_usage,
};
