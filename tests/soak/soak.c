/*
 * soak: many clients hammering the real stack for a while, then an account of every job it was
 * given. First the log is filled (see prefill), then two phases of clients: a warm-up, then the
 * rest; after each, everything is stopped and the supervisor's and jobapi's descriptors and
 * memory are read, so that the end is compared with a warm state rather than an empty one.
 *
 *   soak URL --certs DIR --job SOAK_JOB --slots DIR --supervisor PID --api PID
 *        [--clients 50] [--seconds 60] [--max-running 4] [--max-queued 200] [--max-log 500]
 *        [--output-cap BYTES] [--api-threads 8] [--no-rss]
 *
 * The limits (in bytes, no suffixes) must be those jobsupd and jobapi run with. --no-rss skips the memory comparison (sanitizer
 * and valgrind builds keep freed memory in quarantine). Exit 0 when every check held.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "soak.h"

static int problems;

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("soak: PROBLEM: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	problems++;
}

void soak_count(struct soak *s, long status, bool expected, const char *method, const char *path,
		const struct body *b)
{
	atomic_fetch_add(&s->status[status > 0 && status < 600 ? status : 0], 1);
	if (expected)
		return;
	if (atomic_fetch_add(&s->unexpected, 1) < 20)
		printf("soak: unexpected: %s %s -> %ld %.200s\n", method, path, status,
		       b->p ? b->p : "");
}

unsigned long soak_accepted(struct soak *s, int owner, enum shape shape, long output_bytes,
			    const struct body *b)
{
	cJSON *o = cJSON_ParseWithLength(b->p, b->n);
	const char *str = cJSON_GetStringValue(cJSON_GetObjectItem(o, "id"));
	unsigned long id = str ? strtoul(str, NULL, 10) : 0;
	cJSON_Delete(o);
	if (!id) {
		problem("a 201 without a job id: %.200s", b->p ? b->p : "");
		return 0;
	}
	pthread_mutex_lock(&s->lock);
	if (id >= s->njobs) {
		size_t n = s->njobs ? s->njobs : 1024;
		while (n <= id)
			n *= 2;
		struct job_info *v = realloc(s->jobs, n * sizeof *v);
		if (!v) {
			perror("soak");
			exit(1);
		}
		memset(v + s->njobs, 0, (n - s->njobs) * sizeof *v);
		s->jobs = v;
		s->njobs = n;
	}
	if (s->jobs[id].owner)
		problem("job id %lu was given twice", id);
	s->jobs[id] = (struct job_info){(uint8_t)owner, (uint8_t)shape, false, output_bytes};
	s->accepted++;
	if (id > s->max_id)
		s->max_id = id;
	pthread_mutex_unlock(&s->lock);
	return id;
}

/* The admin's view. */

struct metrics {
	long running, queued, followers, connections;
};

static long metric(const char *text, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, len) && p[len] == ' ')
			return strtol(p + len + 1, NULL, 10);
	return -1;
}

static int read_metrics(struct soak *s, CURL *h, struct body *b, struct metrics *m)
{
	long st = client_request(h, s->url, "GET", "/metrics", NULL, b, NULL);
	soak_count(s, st, st == 200, "GET", "/metrics", b);
	if (st != 200)
		return -1;
	m->running = metric(b->p, "jobworker_running");
	m->queued = metric(b->p, "jobworker_queue_length");
	m->followers = metric(b->p, "jobworker_followers");
	m->connections = metric(b->p, "jobworker_supervisor_connections");
	return m->running < 0 || m->queued < 0 ? -1 : 0;
}

/* The sampler: jobsupd's own count of running and queued jobs, as often as it answers. */
struct sampler {
	pthread_t thread;
	struct soak *s;
	atomic_bool stop;
	long samples, max_running, max_queued;
};

static void *sampler_main(void *arg)
{
	struct sampler *sm = arg;
	CURL *h = client_handle(sm->s->cert[ADMIN], sm->s->key[ADMIN], sm->s->cacert);
	struct body b = {0};
	struct metrics m;
	while (!atomic_load(&sm->stop)) {
		if (read_metrics(sm->s, h, &b, &m) == 0) {
			sm->samples++;
			if (m.running > sm->max_running)
				sm->max_running = m.running;
			if (m.queued > sm->max_queued)
				sm->max_queued = m.queued;
		}
		usleep(10000);
	}
	free(b.p);
	curl_easy_cleanup(h);
	return NULL;
}

static void run_clients(struct soak *s, double seconds)
{
	struct client *c = calloc((size_t)s->clients, sizeof *c);
	if (!c) {
		perror("soak");
		exit(1);
	}
	atomic_store(&s->stop, false);
	for (int i = 0; i < s->clients; i++) {
		c[i] = (struct client){.s = s, .user = i % 2 ? USER2 : USER1, .seed = (unsigned)i * 7919u + (unsigned)getpid()};
		if (pthread_create(&c[i].thread, NULL, client_main, &c[i]) != 0) {
			perror("soak: thread");
			exit(1);
		}
	}
	usleep((useconds_t)(seconds * 1e6));
	atomic_store(&s->stop, true);
	for (int i = 0; i < s->clients; i++)
		pthread_join(c[i].thread, NULL);
	free(c);
}

/* Wait until jobsupd has nothing running, queued or followed; with stop, stop everything first
 * (as the admin). */
static void quiesce(struct soak *s, CURL *h, struct body *b, bool stop)
{
	if (stop) {
		long st = client_request(h, s->url, "DELETE", "/jobs", NULL, b, NULL);
		soak_count(s, st, st == 200, "DELETE", "/jobs", b);
	}
	struct metrics m = {0};
	for (int i = 0; i < 3000; i++) {
		if (read_metrics(s, h, b, &m) == 0 && !m.running && !m.queued && !m.followers)
			return;
		usleep(10000);
	}
	problem("jobsupd did not settle: %ld running, %ld queued, %ld followers", m.running,
		m.queued, m.followers);
}

/* Fill the log with --max-log jobs each writing more than --output-cap: jobsupd's database then
 * holds all it ever can, so that what it keeps later cannot pass for growth, and what grows
 * past it is a leak. */
static void prefill(struct soak *s, CURL *h, struct body *b, long output_cap)
{
	char json[8192];
	long bytes = output_cap + 4096;
	snprintf(json, sizeof json,
		 "{\"command\":[\"%s\",\"%s\",\"%d\",\"output\",\"%ld\"]}", s->job_bin,
		 s->slot_dir, s->max_running, bytes);
	for (int i = 0; i < s->max_log;) {
		long st = client_request(h, s->url, "POST", "/jobs", json, b, NULL);
		soak_count(s, st, st == 201 || st == 429, "POST", "/jobs", b);
		if (st == 201) {
			soak_accepted(s, ADMIN + 1, SHAPE_OUTPUT, bytes, b);
			i++;
		} else if (st == 429) {
			usleep(20000);
		} else {
			return;
		}
	}
	quiesce(s, h, b, false);
}

struct usage {
	long fds, rss_kib;
};

static struct usage usage_of(int pid)
{
	return (struct usage){proc_fds(pid), proc_rss_kib(pid)};
}

/* The end: every job accepted is accounted for. */

static const char *const shape_names[] = {"instant", "fail",	 "noexec", "sleep",
					  "output",  "stubborn", "timeout"};

/* Whether a job of shape sh may end as job says; why not in why. */
static bool consistent(enum shape sh, long output_bytes, const cJSON *job)
{
	const char *state = cJSON_GetStringValue(cJSON_GetObjectItem(job, "state"));
	const cJSON *code = cJSON_GetObjectItem(job, "exit_code");
	double exit_code = cJSON_IsNumber(code) ? code->valuedouble : -1;
	if (!state)
		return false;
	if (!strcmp(state, "stopped"))
		return true; /* any job may be stopped, queued or running */
	switch (sh) {
	case SHAPE_INSTANT:
	case SHAPE_SLEEP:
	case SHAPE_STUBBORN:
		return !strcmp(state, "succeeded") && exit_code == 0;
	case SHAPE_FAIL:
		return !strcmp(state, "failed") && exit_code == 3;
	case SHAPE_NOEXEC:
		return !strcmp(state, "failed") && exit_code == 127;
	case SHAPE_OUTPUT:
		return !strcmp(state, "succeeded") &&
		       cJSON_GetNumberValue(cJSON_GetObjectItem(job, "output_bytes")) ==
			       (double)output_bytes;
	case SHAPE_TIMEOUT:
		return !strcmp(state, "timed_out");
	default:
		return false;
	}
}

struct account {
	unsigned long kept, evicted, in_log;
	unsigned long states[4]; /* succeeded, failed, stopped, timed_out */
};

static void account(struct soak *s, CURL *h, struct body *b, struct account *a)
{
	static const char *const states[] = {"succeeded", "failed", "stopped", "timed_out"};
	unsigned long max_id = s->max_id;
	bool *logged = calloc(max_id + 2, sizeof *logged);
	long st = client_request(h, s->url, "GET", "/jobs/logs", NULL, b, NULL);
	soak_count(s, st, st == 200, "GET", "/jobs/logs", b);
	cJSON *o = cJSON_ParseWithLength(b->p, b->n), *j;
	cJSON_ArrayForEach(j, cJSON_GetObjectItem(o, "logs"))
	{
		const char *str = cJSON_GetStringValue(cJSON_GetObjectItem(j, "id"));
		unsigned long id = str ? strtoul(str, NULL, 10) : 0;
		if (!id || id > max_id)
			problem("the log holds job %lu, which the soak never started", id);
		else
			logged[id] = true;
		a->in_log++;
	}
	cJSON_Delete(o);

	unsigned long bad = 0;
	for (unsigned long id = 1; id <= max_id; id++) {
		const struct job_info *ji = &s->jobs[id];
		char path[64];
		snprintf(path, sizeof path, "/jobs/%lu", id);
		st = client_request(h, s->url, "GET", path, NULL, b, NULL);
		soak_count(s, st, st == 200 || st == 404, "GET", path, b);
		if (!ji->owner)
			problem("job %lu exists, but the soak was never answered 201 for it", id);
		if (st == 404) {
			a->evicted++;
			if (logged[id])
				problem("job %lu is in the log but answers 404", id);
			continue;
		}
		if (st != 200)
			continue;
		a->kept++;
		if (ji->gone)
			problem("job %lu answered 404 during the run, and is back", id);
		if (!logged[id])
			problem("job %lu is not in the log but answers 200", id);
		o = cJSON_ParseWithLength(b->p, b->n);
		const char *state = cJSON_GetStringValue(cJSON_GetObjectItem(o, "state"));
		int k = 0;
		while (k < 4 && !(state && !strcmp(state, states[k])))
			k++;
		if (k < 4)
			a->states[k]++;
		else
			problem("job %lu has not ended: %s", id, state ? state : "(no state)");
		if (ji->owner && !consistent((enum shape)ji->shape, ji->output_bytes, o) &&
		    bad++ < 10)
			problem("job %lu (%s) ended unlike its shape: %.300s", id,
				shape_names[ji->shape], b->p);
		cJSON_Delete(o);
	}
	if (bad > 10)
		problem("%lu more jobs ended unlike their shape", bad - 10);
	free(logged);
}

static long count_lines(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -1;
	long n = 0;
	for (int ch; (ch = getc(f)) != EOF;)
		n += ch == '\n';
	fclose(f);
	return n;
}

static void compare(const char *who, struct usage warm, struct usage end, long fd_slack,
		    bool rss)
{
	printf("%-12s fds %ld -> %ld, RSS %.1f -> %.1f MiB\n", who, warm.fds, end.fds,
	       (double)warm.rss_kib / 1024, (double)end.rss_kib / 1024);
	if (end.fds < 0 || end.fds > warm.fds + fd_slack)
		problem("%s holds %ld descriptors after the run, %ld after the warm-up", who,
			end.fds, warm.fds);
	/* Memory may wander a little as the allocator reuses its arenas; growth with the number
	 * of jobs or requests would be far more than this. */
	long allowed = warm.rss_kib + warm.rss_kib / 10 + 2048;
	if (rss && end.rss_kib > allowed)
		problem("%s's RSS grew from %ld to %ld KiB (allowed %ld)", who, warm.rss_kib,
			end.rss_kib, allowed);
}

static void usage(void)
{
	fprintf(stderr, "usage: soak URL --certs DIR --job SOAK_JOB --slots DIR --supervisor PID "
			"--api PID [--clients N] [--seconds S] [--max-running N] "
			"[--max-queued N] [--max-log N] [--output-cap BYTES] [--api-threads N] "
			"[--no-rss]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct soak s = {.clients = 50, .max_running = 4, .max_queued = 200, .max_log = 500};
	const char *certs = NULL;
	int sup = 0, api = 0;
	long api_threads = 8, output_cap = 1 << 20;
	double seconds = 60;
	bool rss = true;
	if (argc < 2)
		usage();
	s.url = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(opt, "--no-rss")) {
			rss = false;
			continue;
		}
		if (!val)
			usage();
		i++;
		if (!strcmp(opt, "--certs"))
			certs = val;
		else if (!strcmp(opt, "--job"))
			s.job_bin = val;
		else if (!strcmp(opt, "--slots"))
			s.slot_dir = val;
		else if (!strcmp(opt, "--supervisor"))
			sup = atoi(val);
		else if (!strcmp(opt, "--api"))
			api = atoi(val);
		else if (!strcmp(opt, "--clients"))
			s.clients = atoi(val);
		else if (!strcmp(opt, "--seconds"))
			seconds = atof(val);
		else if (!strcmp(opt, "--max-running"))
			s.max_running = atoi(val);
		else if (!strcmp(opt, "--max-queued"))
			s.max_queued = atoi(val);
		else if (!strcmp(opt, "--max-log"))
			s.max_log = atoi(val);
		else if (!strcmp(opt, "--output-cap"))
			output_cap = atol(val);
		else if (!strcmp(opt, "--api-threads"))
			api_threads = atol(val);
		else
			usage();
	}
	if (!certs || !s.job_bin || !s.slot_dir || sup <= 0 || api <= 0 || s.clients < 1 ||
	    seconds <= 0)
		usage();
	static const char *const users[] = {"user1", "user2", "admin"};
	for (int u = 0; u < 3; u++) {
		snprintf(s.cert[u], sizeof s.cert[u], "%s/%s.crt", certs, users[u]);
		snprintf(s.key[u], sizeof s.key[u], "%s/%s.key", certs, users[u]);
	}
	snprintf(s.cacert, sizeof s.cacert, "%s/ca.crt", certs);
	pthread_mutex_init(&s.lock, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	double warm = seconds / 4 < 3 ? 3 : seconds / 4;
	if (warm > seconds / 2)
		warm = seconds / 2;
	printf("soak: %d clients for %.0f s (%.0f s of warm-up) against --max-running %d "
	       "--max-queued %d --max-log %d\n",
	       s.clients, seconds, warm, s.max_running, s.max_queued, s.max_log);
	fflush(stdout);
	CURL *h = client_handle(s.cert[ADMIN], s.key[ADMIN], s.cacert);
	struct body b = {0};
	struct sampler sm = {.s = &s};
	pthread_create(&sm.thread, NULL, sampler_main, &sm);
	double t0 = client_now(CLOCK_MONOTONIC);

	prefill(&s, h, &b, output_cap);
	run_clients(&s, warm);
	quiesce(&s, h, &b, true);
	struct usage sup_warm = usage_of(sup), api_warm = usage_of(api);
	run_clients(&s, seconds - warm);
	double took = client_now(CLOCK_MONOTONIC) - t0;
	quiesce(&s, h, &b, true);
	struct usage sup_end = usage_of(sup), api_end = usage_of(api);
	atomic_store(&sm.stop, true);
	pthread_join(sm.thread, NULL);

	unsigned long total = 0;
	for (int i = 0; i < 600; i++)
		total += atomic_load(&s.status[i]);
	printf("requests     %lu (%.0f/s):", total, (double)total / took);
	for (int i = 0; i < 600; i++)
		if (atomic_load(&s.status[i]))
			printf(" %d x%lu", i, atomic_load(&s.status[i]));
	printf("; unexpected %lu\n", atomic_load(&s.unexpected));
	if (atomic_load(&s.unexpected))
		problem("%lu answers were not what the API allows", atomic_load(&s.unexpected));

	struct account a = {0};
	account(&s, h, &b, &a);
	unsigned long want_kept = s.accepted < (unsigned long)s.max_log ? s.accepted
									 : (unsigned long)s.max_log;
	printf("jobs         %lu accepted (ids 1..%lu); %lu kept in the log (the cap keeps %lu), "
	       "%lu evicted; kept: %lu succeeded, %lu failed, %lu stopped, %lu timed out\n",
	       s.accepted, s.max_id, a.kept, want_kept, a.evicted, a.states[0], a.states[1],
	       a.states[2], a.states[3]);
	if (s.max_id != s.accepted)
		problem("%lu jobs accepted, but ids go up to %lu", s.accepted, s.max_id);
	if (a.kept != want_kept || a.in_log != want_kept || a.kept + a.evicted != s.accepted)
		problem("the log keeps %lu jobs (%lu answer 200, %lu answer 404); the cap keeps %lu",
			a.in_log, a.kept, a.evicted, want_kept);

	char path[4200];
	snprintf(path, sizeof path, "%s/violations", s.slot_dir);
	long violations = count_lines(path);
	printf("running      at most %ld by jobsupd's count (%ld samples), queued at most %ld; "
	       "%ld jobs found every slot taken\n",
	       sm.max_running, sm.samples, sm.max_queued, violations);
	if (sm.max_running > s.max_running || sm.samples == 0)
		problem("%ld jobs ran at once, past --max-running %d", sm.max_running,
			s.max_running);
	if (sm.max_queued > s.max_queued)
		problem("%ld jobs queued at once, past --max-queued %d", sm.max_queued,
			s.max_queued);
	if (violations != 0)
		problem("%ld jobs found all %d slots taken: more ran at once", violations,
			s.max_running);

	int zombies, children = proc_children(sup, &zombies), left = proc_with(s.slot_dir);
	printf("processes    jobsupd's children after: %d (%d zombies); job processes left: %d\n",
	       children, zombies, left);
	if (children || left)
		problem("processes left behind");
	/* jobapi keeps at most one supervisor connection per --threads worker; which workers
	 * served the last requests is the kernel's choice. */
	compare("jobsupd", sup_warm, sup_end, api_threads, rss);
	compare("jobapi", api_warm, api_end, api_threads, rss);

	printf("soak: %s\n", problems ? "FAILED" : "passed");
	free(b.p);
	free(s.jobs);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return problems ? 1 : 0;
}
