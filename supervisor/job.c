/* job: the job state machine and the registry of active jobs; see job.h. */
#include "job.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "spawn.h"

/* Once the main process is gone, how often and how long to look for the rest of its group to
 * go: members of the group end with a SIGCHLD to jobsupd (it is their subreaper), but one may
 * have been reaped by a parent that left the session, so jobsupd also looks, and after
 * SETTLE_MAX_MS ends the job whatever is left (cgroups would account for it exactly). */
#define SETTLE_CHECK_MS 50
#define SETTLE_MAX_MS 2000

/* A running job's usage is read from its cgroup when asked for, at most this often. */
#define USAGE_REFRESH_MS 200

/* Reads of one pipe per wakeup, so one loud job cannot starve the rest of the loop. */
#define OUTPUT_READS_PER_WAKEUP 16
/* Below this ring size, read through a scratch buffer rather than into the ring. */
#define SCRATCH_SIZE (64 * 1024)

static char scratch[SCRATCH_SIZE];

static void job_start(struct job *j);
static void job_end(struct job *j, enum job_state state);

/* The id table */

int job_table_init(struct sup *s, size_t expected)
{
	size_t n = 64;
	while (n < expected && n < (1u << 20))
		n *= 2;
	s->table = calloc(n, sizeof *s->table);
	s->table_size = n;
	return s->table ? 0 : -1;
}

void job_table_fini(struct sup *s)
{
	free(s->table);
	s->table = NULL;
}

static struct job **table_slot(struct sup *s, uint64_t id)
{
	return &s->table[id & (s->table_size - 1)];
}

struct job *job_find(struct sup *s, uint64_t id)
{
	for (struct job *j = *table_slot(s, id); j; j = j->hnext)
		if (j->rec.id == id)
			return j;
	return NULL;
}

static void table_remove(struct job *j)
{
	for (struct job **p = table_slot(j->sup, j->rec.id); *p; p = &(*p)->hnext) {
		if (*p == j) {
			*p = j->hnext;
			return;
		}
	}
}

struct job *job_by_pid(struct sup *s, pid_t pid)
{
	struct job *j;
	TAILQ_FOREACH(j, &s->running, qlink)
		if (j->rec.pid == pid && !j->main_done)
			return j;
	return NULL;
}

bool job_visible(const struct job *j, const struct viewer *v)
{
	return v->admin || strcmp(j->owner, v->user) == 0;
}

uint64_t job_parse_id(const char *s)
{
	uint64_t v = 0;
	size_t n = strlen(s);
	if (n == 0 || n > 19 || s[0] == '0')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return v;
}

/* Watchers */

void job_watch_end(struct job *j, struct jobwatch *w)
{
	LIST_INSERT_HEAD(&j->waiters, w, link);
	w->linked = true;
}

void job_follow(struct job *j, struct jobwatch *w)
{
	LIST_INSERT_HEAD(&j->followers, w, link);
	w->linked = true;
}

void job_unwatch(struct jobwatch *w)
{
	if (!w->linked)
		return;
	LIST_REMOVE(w, link);
	w->linked = false;
}

static void notify_end(struct jobwatch_list *list, struct job *j)
{
	struct jobwatch *w;
	while ((w = LIST_FIRST(list))) {
		job_unwatch(w);
		w->fn(w, j, JOB_EV_END);
	}
}

/* Scheduling and the log cap, run after the current batch of events */

static void schedule(struct deferred *d)
{
	struct sup *s = container_of(d, struct sup, schedule);
	struct job *j;
	while (!s->shutting_down && s->nrunning < s->cfg.max_running &&
	       (j = TAILQ_FIRST(&s->queue))) {
		TAILQ_REMOVE(&s->queue, j, qlink);
		j->in_queue = false;
		s->nqueued--;
		job_start(j);
	}
}

static void trim_log(struct deferred *d)
{
	struct sup *s = container_of(d, struct sup, trim);
	while (s->nfinished > s->cfg.max_log && store_evict_oldest(&s->store) == 0)
		s->nfinished--;
}

void job_kick(struct sup *s)
{
	loop_defer(&s->loop, &s->schedule, schedule);
}

void job_sync_stats(struct sup *s)
{
	struct job *j;
	int64_t now = loop_now();
	TAILQ_FOREACH(j, &s->running, qlink) {
		/* Usage from the cgroup, at most every USAGE_REFRESH_MS while it runs. */
		bool usage = s->cg.mode != CONTAIN_PROCESS_GROUP && !j->main_done &&
			     now - j->usage_read >= USAGE_REFRESH_MS;
		if (!j->stats_dirty && !usage)
			continue;
		if (usage) {
			uint64_t oom;
			j->usage_read = now;
			cg_job_usage(&s->cg, j->rec.id, &j->rec.usage, &oom);
		}
		j->stats_dirty = false;
		j->rec.output_bytes = j->ring->total;
		j->rec.output_truncated = j->ring->total > j->ring->cap;
		store_update(&s->store, &j->rec);
	}
}

/* Output */

static void close_output(struct job *j)
{
	if (j->out.fd < 0)
		return;
	int fd = j->out.fd;
	loop_unwatch(&j->sup->loop, &j->out);
	close(fd);
}

/* Read at most limit bytes of output (all that is there when limit is SIZE_MAX). Returns the
 * bytes read; closes the pipe at its end. */
static size_t read_output(struct job *j, size_t limit, int reads)
{
	size_t got = 0;
	int fd = j->out.fd;
	while (fd >= 0 && got < limit && reads-- > 0) {
		struct iovec iov[2];
		int niov = j->ring->cap >= SCRATCH_SIZE ? ring_space(j->ring, iov) : 0;
		size_t want = limit - got;
		ssize_t n;
		if (niov > 0) {
			if (iov[0].iov_len >= want) {
				iov[0].iov_len = want;
				niov = 1;
			} else if (niov == 2 && iov[0].iov_len + iov[1].iov_len > want) {
				iov[1].iov_len = want - iov[0].iov_len;
			}
			n = readv(fd, iov, niov);
			if (n > 0)
				ring_commit(j->ring, (size_t)n);
		} else {
			n = read(fd, scratch, want < sizeof scratch ? want : sizeof scratch);
			if (n > 0)
				ring_append(j->ring, scratch, (size_t)n);
		}
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		close_output(j); /* end of file, or an error no retry will cure */
		fd = -1;
	}
	return got;
}

static void announce_output(struct job *j, size_t bytes)
{
	j->stats_dirty = true;
	j->sup->output_bytes += bytes;
	struct jobwatch *w, *next;
	for (w = LIST_FIRST(&j->followers); w; w = next) {
		next = LIST_NEXT(w, link);
		w->fn(w, j, JOB_EV_OUTPUT);
	}
}

static void on_output(struct watch *w, uint32_t events)
{
	struct job *j = container_of(w, struct job, out);
	(void)events;
	size_t got = read_output(j, SIZE_MAX, OUTPUT_READS_PER_WAKEUP);
	if (got > 0)
		announce_output(j, got);
}

/* Starting */

static void on_timeout(struct timer *t)
{
	struct job *j = container_of(t, struct job, timeout);
	job_stop(j, END_TIMEOUT, NULL, 0);
}

void job_signal(struct job *j, int sig)
{
	/* Each process once: a signal the job handles (INT, say) must not reach it twice. So
	 * every process of its cgroup, or without cgroups (or should its cgroup not be read)
	 * every process of its group, which the main process leads for good: it is a session
	 * leader, which cannot leave its group. */
	if (cg_job_signal(&j->sup->cg, j->rec.id, sig) < 0 ||
	    j->sup->cg.mode == CONTAIN_PROCESS_GROUP)
		kill(-j->rec.pid, sig);
}

static void on_grace_over(struct timer *t)
{
	struct job *j = container_of(t, struct job, kill);
	j->killed = true;
	job_signal(j, SIGKILL);
}

static void set_error(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct job *j, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	free(j->error);
	j->error = s;
	j->rec.error = s;
}

static void job_start(struct job *j)
{
	struct sup *s = j->sup;
	struct cg_entry entry;
	struct spawn_failure fail;
	char why[256];
	int fd = -1;

	j->rec.started_ms = wall_now();
	if (cg_job_create(&s->cg, j->rec.id, &j->spec.limits, &entry, why, sizeof why) < 0) {
		set_error(j, "cannot start the job: %s", why);
		job_end(j, JOB_FAILED);
		return;
	}
	pid_t pid = spawn_job(j->spec.argv, &entry, &fd, &fail);
	int spawn_errno = errno;
	cg_entry_close(&entry);
	if (pid <= 0) {
		s->spawn_failures++;
		cg_job_remove(&s->cg, j->rec.id);
		if (pid < 0) {
			set_error(j, "cannot start the job: %s", strerror(spawn_errno));
		} else if (fail.stage == SPAWN_EXEC) {
			j->rec.has_exit = true;
			j->rec.exit_code = spawn_exec_status(fail.err);
			set_error(j, "cannot execute \"%s\": %s", j->spec.argv[0],
				  strerror(fail.err));
		} else {
			set_error(j, "cannot set up the job's process (cgroup, limits): %s",
				  strerror(fail.err));
		}
		job_end(j, JOB_FAILED);
		return;
	}
	s->spawned++;
	j->rec.state = JOB_RUNNING;
	j->rec.pid = pid;
	/* Nothing used yet: the first reading of its cgroup comes USAGE_REFRESH_MS on, which
	 * most short jobs do not live to see (their final one is read once they end). */
	if (s->cg.mode != CONTAIN_PROCESS_GROUP)
		j->rec.usage = (struct cg_usage){.valid = true, .memory_known = true};
	j->usage_read = loop_now();
	TAILQ_INSERT_TAIL(&s->running, j, qlink);
	s->nrunning++;
	if (loop_watch(&s->loop, &j->out, fd, EPOLLIN, on_output) < 0) {
		/* Without its pipe the job could block forever on a full one: end it. */
		close(fd);
		set_error(j, "cannot capture the job's output: %s", strerror(errno));
		job_signal(j, SIGKILL);
	}
	loop_timer_at(&s->loop, &j->timeout, loop_now() + j->rec.timeout_s * 1000, on_timeout);
	store_update(&s->store, &j->rec);
	log_info("job %llu started, pid %d", (unsigned long long)j->rec.id, (int)pid);
}

uint64_t job_submit(struct sup *s, const char *owner, struct jobspec *spec, struct apierr *err)
{
	bool run_now = s->nrunning < s->cfg.max_running && TAILQ_EMPTY(&s->queue);

	if (s->shutting_down) {
		apierr_set(err, 503, "unavailable", "jobsupd is shutting down; try again shortly");
		return 0;
	}
	if (!run_now && s->nqueued >= s->cfg.max_queued) {
		apierr_set(err, 429, "queue_full",
			   "the queue is full: %ld jobs are waiting (--max-queued %ld); try again "
			   "when some have finished",
			   s->nqueued, s->cfg.max_queued);
		return 0;
	}

	struct job *j = calloc(1, sizeof *j);
	struct buf cmd = BUF_INIT;
	struct jw w;
	if (!j)
		goto oom;
	j->sup = s;
	j->out.fd = -1;
	LIST_INIT(&j->waiters);
	LIST_INIT(&j->followers);
	j->owner = strdup(owner);
	jw_init(&w, &cmd);
	jobspec_write_command(&w, spec);
	j->command = buf_take(&cmd, NULL);
	j->ring = ring_new((size_t)s->cfg.output_cap);
	if (!j->owner || !j->command || !j->ring)
		goto oom;

	j->spec = *spec;
	memset(spec, 0, sizeof *spec);
	j->rec.id = s->next_id;
	j->rec.owner = j->owner;
	j->rec.command = j->command;
	j->rec.state = JOB_QUEUED;
	j->rec.timeout_s = j->spec.timeout_s;
	j->rec.created_ms = wall_now();
	j->rec.limits = j->spec.limits;
	j->rec.containment = s->cg.mode;
	if (store_insert(&s->store, &j->rec) < 0) {
		*spec = j->spec;
		memset(&j->spec, 0, sizeof j->spec);
		goto oom;
	}
	s->next_id++;
	j->hnext = *table_slot(s, j->rec.id);
	*table_slot(s, j->rec.id) = j;

	if (run_now) {
		job_start(j);
	} else {
		TAILQ_INSERT_TAIL(&s->queue, j, qlink);
		j->in_queue = true;
		s->nqueued++;
		log_info("job %llu queued", (unsigned long long)j->rec.id);
		job_kick(s);
	}
	return s->next_id - 1;
oom:
	if (j) {
		free(j->owner);
		free(j->command);
		ring_unref(j->ring);
		free(j);
	}
	apierr_set(err, 500, "internal", "jobsupd is out of memory");
	return 0;
}

/* Ending */

static void job_free(struct deferred *d)
{
	struct job *j = container_of(d, struct job, gone);
	free(j->owner);
	free(j->command);
	free(j->error);
	free(j->stopped_by);
	jobspec_free(&j->spec);
	free(j);
}

static void save_output(struct job *j)
{
	struct iovec parts[2];
	int n = 0;
	uint64_t pos = ring_start(j->ring);
	const char *p;
	size_t len;
	while (n < 2 && (len = ring_peek(j->ring, pos, &p)) > 0) {
		parts[n].iov_base = (void *)p;
		parts[n++].iov_len = len;
		pos += len;
	}
	if (n > 0 && store_put_output(&j->sup->store, j->rec.id, parts, n) < 0)
		log_error("job %llu: its output could not be kept", (unsigned long long)j->rec.id);
}

static void job_end(struct job *j, enum job_state state)
{
	struct sup *s = j->sup;
	enum job_state was = j->rec.state;

	loop_timer_cancel(&s->loop, &j->timeout);
	loop_timer_cancel(&s->loop, &j->kill);
	loop_timer_cancel(&s->loop, &j->settle);
	close_output(j);
	if (was == JOB_RUNNING) {
		TAILQ_REMOVE(&s->running, j, qlink);
		s->nrunning--;
	} else if (j->in_queue) {
		TAILQ_REMOVE(&s->queue, j, qlink);
		j->in_queue = false;
		s->nqueued--;
	}

	j->rec.state = state;
	j->rec.finished_ms = wall_now();
	j->rec.finished_seq = ++s->next_finished_seq;
	j->rec.pid = 0;
	j->rec.output_bytes = j->ring->total;
	j->rec.output_truncated = j->ring->total > j->ring->cap;
	save_output(j);
	store_update(&s->store, &j->rec);
	s->nfinished++;
	loop_defer(&s->loop, &s->trim, trim_log);
	log_info("job %llu %s%s%s", (unsigned long long)j->rec.id, job_state_name(state),
		 j->error ? ": " : "", j->error ? j->error : "");

	notify_end(&j->waiters, j);
	notify_end(&j->followers, j);
	ring_unref(j->ring);
	j->ring = NULL;
	table_remove(j);
	loop_defer(&s->loop, &j->gone, job_free);
	job_kick(s);
}

void job_stop(struct job *j, enum job_ending why, const char *by, int sig)
{
	struct sup *s = j->sup;

	if (j->ending == END_NATURAL) {
		j->ending = why;
		free(j->stopped_by);
		j->stopped_by = by ? strdup(by) : NULL;
	}
	if (j->rec.state == JOB_QUEUED) {
		if (why == END_SHUTDOWN)
			set_error(j, "stopped before it started: jobsupd shut down");
		else
			set_error(j, "stopped by %s before it started",
				  j->stopped_by ? j->stopped_by : "request");
		job_end(j, JOB_STOPPED);
		return;
	}
	if (j->term_sent)
		return;
	j->term_sent = true;
	job_signal(j, sig ? sig : SIGTERM);
	loop_timer_at(&s->loop, &j->kill, loop_now() + s->cfg.grace_s * 1000, on_grace_over);
}

/* Why a job that was asked to end did end, for "error". */
static void describe_ending(struct job *j)
{
	const char *killed = "";
	char tail[96] = "";
	if (j->killed && j->rec.signal == SIGKILL) {
		snprintf(tail, sizeof tail,
			 "; it did not exit within %ld s of SIGTERM and was killed",
			 j->sup->cfg.grace_s);
		killed = tail;
	}
	switch (j->ending) {
	case END_STOP:
		set_error(j, "stopped by %s%s", j->stopped_by ? j->stopped_by : "request", killed);
		break;
	case END_TIMEOUT:
		set_error(j, "timed out after %ld s%s", j->rec.timeout_s, killed);
		break;
	case END_SHUTDOWN:
		set_error(j, "stopped because jobsupd shut down%s", killed);
		break;
	case END_NATURAL:
		break;
	}
}

void job_reaped(struct job *j)
{
	pid_t pid = j->rec.pid;
	int status = 0;
	struct rusage ru;

	/* The zombie still holds the group id, so this reaches only what the job left running;
	 * its cgroup holds everything else it started. */
	kill(-pid, SIGKILL);
	cg_job_signal(&j->sup->cg, j->rec.id, SIGKILL);
	memset(&ru, 0, sizeof ru);
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	j->main_done = true;
	j->main_status = status;
	/* Without cgroups, what the kernel counted for the main process (and children it
	 * waited for) is the job's usage. */
	j->rusage_cpu_ms = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
			   (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
	j->rusage_maxrss = (uint64_t)ru.ru_maxrss * 1024;
	j->settle_deadline = loop_now() + SETTLE_MAX_MS;
	job_settle(j);
}

static void on_settle_check(struct timer *t)
{
	job_settle(container_of(t, struct job, settle));
}

/* The job's final usage, and whether its memory limit killed something (then it failed). */
static void account(struct job *j, enum job_state *state)
{
	struct cg_usage u = {0};
	uint64_t oom_kills = 0;
	cg_job_usage(&j->sup->cg, j->rec.id, &u, &oom_kills);
	if (!u.valid) {
		u.cpu_ms = j->rusage_cpu_ms;
		u.max_memory_bytes = j->rusage_maxrss;
		u.valid = u.memory_known = true;
	}
	j->rec.usage = u;
	if (oom_kills > 0 && j->ending == END_NATURAL) {
		*state = JOB_FAILED;
		set_error(j, "out of memory (limit %llu bytes)",
			  (unsigned long long)j->rec.limits.memory_bytes);
	}
}

void job_settle(struct job *j)
{
	int bytes = 0, status = j->main_status;

	if (!j->main_done)
		return;
	/* What is left of the job (its cgroup's processes; without cgroups, its process group)
	 * was killed with the main process; wait a little for it to go. (EPERM: members we may
	 * not signal, which we could not end anyway.) */
	bool left = j->sup->cg.mode == CONTAIN_PROCESS_GROUP
			? kill(-j->rec.pid, 0) == 0
			: !cg_job_empty(&j->sup->cg, j->rec.id);
	if (left) {
		if (loop_now() < j->settle_deadline) {
			if (!loop_timer_armed(&j->settle))
				loop_timer_at(&j->sup->loop, &j->settle,
					      loop_now() + SETTLE_CHECK_MS, on_settle_check);
			return;
		}
		log_warn("job %llu: processes of its group outlived it (they left the session "
			 "or were not reaped); ending it without them",
			 (unsigned long long)j->rec.id);
	}
	/* What the job wrote is in the pipe now: take exactly that, so that a process that
	 * escaped the group cannot keep the job alive by holding the pipe open. */
	size_t got;
	if (j->out.fd >= 0 && ioctl(j->out.fd, FIONREAD, &bytes) == 0 && bytes > 0 &&
	    (got = read_output(j, (size_t)bytes, 1 << 20)) > 0)
		announce_output(j, got);

	enum job_state state;
	if (WIFEXITED(status)) {
		j->rec.has_exit = true;
		j->rec.exit_code = WEXITSTATUS(status);
		state = j->rec.exit_code == 0 ? JOB_SUCCEEDED : JOB_FAILED;
	} else {
		j->rec.signal = WTERMSIG(status);
		state = JOB_FAILED;
		if (j->ending == END_NATURAL) {
			char sig[16];
			format_signal(j->rec.signal, sig);
			const char *what = sigdescr_np(j->rec.signal);
			set_error(j, "killed by %s (%s)", sig, what ? what : "unknown signal");
		}
	}
	describe_ending(j);
	account(j, &state);
	if (j->ending == END_STOP || j->ending == END_SHUTDOWN)
		state = JOB_STOPPED;
	else if (j->ending == END_TIMEOUT)
		state = JOB_TIMED_OUT;
	cg_job_remove(&j->sup->cg, j->rec.id);
	job_end(j, state);
}
