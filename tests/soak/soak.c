/*
 * soak: many clients hammering the real stack for a while, then an account of every job it was
 * given. First the log is filled (see prefill), then two phases of clients: a warm-up, then the
 * rest; after each, everything is stopped and the supervisor's and jobapi's descriptors and
 * memory are read, so that the end is compared with a warm state rather than an empty one.
 *
 *   soak URL --certs DIR --job SOAK_JOB --slots DIR --supervisor PID --api PID
 *        [--clients 50] [--seconds 60] [--max-running 4] [--max-queued 200] [--max-log 500]
 *        [--output-cap BYTES] [--no-rss]
 *
 * The limits (in bytes, no suffixes) must be those jobsupd runs with. --no-rss skips the memory
 * comparison (sanitizer and valgrind builds keep freed memory in quarantine). Exit 0 when every
 * check held.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "soak.h"

/* A request of the soak's own (not a client's) that takes longer has hung. */
#define REQUEST_TIMEOUT_S 60L

static atomic_int problems;

void soak_problem(const char *fmt, ...)
{
	char what[1000], line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(line, sizeof line, "soak: PROBLEM: %s\n", what);
	fputs(line, stdout); /* one write per line, whichever thread */
	atomic_fetch_add(&problems, 1);
}

void soak_count(struct soak *s, long status, bool expected, const char *method, const char *path,
		const struct body *b)
{
	atomic_fetch_add(&s->status[status > 0 && status < 600 ? status : 0], 1);
	if (!expected && atomic_fetch_add(&s->unexpected, 1) < 20)
		printf("soak: unexpected: %s %s -> %ld %.200s\n", method, path, status,
		       b->p ? b->p : "");
}

static CURL *admin_handle(struct soak *s)
{
	CURL *h = http_handle(s->cert[ADMIN], s->key[ADMIN], s->cacert);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, REQUEST_TIMEOUT_S);
	return h;
}

/* jobsupd's own figures, from /metrics. */

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
	long st = http_request(h, s->url, "GET", "/metrics", NULL, b, NULL);
	soak_count(s, st, st == 200, "GET", "/metrics", b);
	if (st != 200)
		return -1;
	m->running = metric(b->p, "jobworker_running");
	m->queued = metric(b->p, "jobworker_queue_length");
	m->followers = metric(b->p, "jobworker_followers");
	m->connections = metric(b->p, "jobworker_supervisor_connections");
	return m->running < 0 || m->queued < 0 || m->followers < 0 || m->connections < 0 ? -1 : 0;
}

/* The sampler: jobsupd's count of running and queued jobs, as often as it answers, while it
 * runs (not while descriptors are counted). */
struct sampler {
	pthread_t thread;
	struct soak *s;
	atomic_bool stop;
	long samples, max_running, max_queued; /* read after sampler_stop */
};

static void *sampler_main(void *arg)
{
	struct sampler *sm = arg;
	CURL *h = admin_handle(sm->s);
	struct body b = {0};
	struct metrics m = {0};
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

static void sampler_start(struct sampler *sm)
{
	atomic_store(&sm->stop, false);
	if (pthread_create(&sm->thread, NULL, sampler_main, sm) != 0) {
		perror("soak: thread");
		exit(1);
	}
}

static void sampler_stop(struct sampler *sm)
{
	atomic_store(&sm->stop, true);
	pthread_join(sm->thread, NULL);
}

/* Sleep until the monotonic clock reads deadline. */
static void sleep_until(double deadline)
{
	double left;
	while ((left = deadline - http_now(CLOCK_MONOTONIC)) > 0) {
		struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
		nanosleep(&ts, NULL);
	}
}

/* Clients for some seconds; how long they ran, until the last one stopped. */
static double run_clients(struct soak *s, double seconds)
{
	struct client *c = calloc((size_t)s->clients, sizeof *c);
	if (!c) {
		perror("soak");
		exit(1);
	}
	double t0 = http_now(CLOCK_MONOTONIC);
	atomic_store(&s->stop, false);
	for (int i = 0; i < s->clients; i++) {
		c[i] = (struct client){.s = s,
				       .user = i % 2 ? USER2 : USER1,
				       .seed = (unsigned)i * 7919u + (unsigned)getpid()};
		if (pthread_create(&c[i].thread, NULL, client_main, &c[i]) != 0) {
			perror("soak: thread");
			exit(1);
		}
	}
	sleep_until(t0 + seconds);
	atomic_store(&s->stop, true);
	for (int i = 0; i < s->clients; i++)
		pthread_join(c[i].thread, NULL);
	free(c);
	return http_now(CLOCK_MONOTONIC) - t0;
}

/* Wait until jobsupd has nothing running, queued or followed; with stop, stop everything first
 * (as the admin). The last figures in *m. */
static void quiesce(struct soak *s, CURL *h, struct body *b, bool stop, struct metrics *m)
{
	if (stop) {
		long st = http_request(h, s->url, "DELETE", "/jobs", NULL, b, NULL);
		soak_count(s, st, st == 200, "DELETE", "/jobs", b);
		if (st == 200)
			ledger_observe(s, b, true);
	}
	for (int i = 0; i < 3000; i++) {
		if (read_metrics(s, h, b, m) == 0 && !m->running && !m->queued && !m->followers)
			return;
		usleep(10000);
	}
	soak_problem("jobsupd did not settle: %ld running, %ld queued, %ld followers", m->running,
		     m->queued, m->followers);
}

/* Fill the log with --max-log jobs each writing more than --output-cap: jobsupd's database then
 * holds all it ever can, so that what it keeps later cannot pass for growth, and what grows
 * past it is a leak. */
static void prefill(struct soak *s, CURL *h, struct body *b, long output_cap)
{
	char json[8192];
	long bytes = output_cap + 4096;
	struct metrics m = {0};
	snprintf(json, sizeof json, "{\"command\":[\"%s\",\"%s\",\"%d\",\"output\",\"%ld\"]}",
		 s->job_bin, s->slot_dir, s->max_running, bytes);
	for (int i = 0; i < s->max_log;) {
		long st = http_request(h, s->url, "POST", "/jobs", json, b, NULL);
		soak_count(s, st, st == 201 || st == 429, "POST", "/jobs", b);
		if (st == 201) {
			ledger_accept(s, ADMIN + 1, SHAPE_OUTPUT, bytes, b);
			i++;
		} else if (st == 429) {
			usleep(20000);
		} else {
			return;
		}
	}
	quiesce(s, h, b, false, &m);
}

/* Every jobapi thread serves a request now and then (they take turns accepting), and each keeps
 * the stack it touched: up to --threads + --max-followers of them, a few MiB. So the warm-up
 * ends with as many follows at once as jobapi's bound allows, each on a thread of its own,
 * for the baseline to hold what any later moment could. */
#define WARM_FOLLOWS 250

struct warm_follow {
	pthread_t thread;
	struct soak *s;
	char path[64];
};

static void *warm_follow_main(void *arg)
{
	struct warm_follow *w = arg;
	CURL *h = http_handle(w->s->cert[ADMIN], w->s->key[ADMIN], w->s->cacert);
	struct body b = {0};
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 2L); /* cut short: the job sleeps on */
	http_request(h, w->s->url, "GET", w->path, NULL, &b, NULL);
	free(b.p);
	curl_easy_cleanup(h);
	return NULL;
}

static void warm_threads(struct soak *s, CURL *h, struct body *b)
{
	char json[8192], path[64];
	snprintf(json, sizeof json,
		 "{\"command\":[\"%s\",\"%s\",\"%d\",\"sleep\",\"10000\"],\"timeout_s\":30}",
		 s->job_bin, s->slot_dir, s->max_running);
	long st = http_request(h, s->url, "POST", "/jobs", json, b, NULL);
	soak_count(s, st, st == 201, "POST", "/jobs", b);
	unsigned long id = st == 201 ? ledger_accept(s, ADMIN + 1, SHAPE_SLEEP, 0, b) : 0;
	if (!id)
		return;
	struct warm_follow *w = calloc(WARM_FOLLOWS, sizeof *w);
	for (int i = 0; w && i < WARM_FOLLOWS; i++) {
		w[i].s = s;
		snprintf(w[i].path, sizeof w[i].path, "/jobs/%lu/output?follow=1", id);
		if (pthread_create(&w[i].thread, NULL, warm_follow_main, &w[i]) != 0)
			w[i].s = NULL;
	}
	for (int i = 0; w && i < WARM_FOLLOWS; i++)
		if (w[i].s)
			pthread_join(w[i].thread, NULL);
	free(w);
	ledger_stop_asked(s, id);
	snprintf(path, sizeof path, "/jobs/%lu", id);
	st = http_request(h, s->url, "DELETE", path, NULL, b, NULL);
	soak_count(s, st, st == 200, "DELETE", path, b);
}

/* Descriptors and memory of jobsupd and jobapi at a quiet moment. jobapi gives back what its
 * threads freed every 10 s (TRIM_INTERVAL_S): memory is read once it has, when it is read. */

#define TRIM_SETTLE_S 11

struct usage {
	long fds, rss_kib;
};

static struct usage usage_of(int pid)
{
	return (struct usage){proc_fds(pid), proc_rss_kib(pid)};
}

static void settle(bool rss)
{
	if (rss)
		sleep_until(http_now(CLOCK_MONOTONIC) + TRIM_SETTLE_S);
}

static void compare(const char *who, struct usage warm, struct usage end, long fd_slack, bool rss)
{
	printf("%-12s fds %ld -> %ld, RSS %.1f -> %.1f MiB\n", who, warm.fds, end.fds,
	       (double)warm.rss_kib / 1024, (double)end.rss_kib / 1024);
	if (end.fds < 0 || end.fds > warm.fds + fd_slack)
		soak_problem("%s holds %ld descriptors after the run, %ld after the warm-up", who,
			     end.fds, warm.fds);
	/* Memory may wander a little as the allocator reuses its arenas; growth with the number
	 * of jobs or requests would be far more than this. */
	long allowed = warm.rss_kib + warm.rss_kib / 10 + 2048;
	if (rss && end.rss_kib > allowed)
		soak_problem("%s's RSS grew from %ld to %ld KiB (allowed %ld)", who, warm.rss_kib,
			     end.rss_kib, allowed);
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

static void usage(void)
{
	fprintf(stderr, "usage: soak URL --certs DIR --job SOAK_JOB --slots DIR --supervisor PID "
			"--api PID [--clients N] [--seconds S] [--max-running N] "
			"[--max-queued N] [--max-log N] [--output-cap BYTES] [--no-rss]\n");
	exit(2);
}

struct options {
	const char *certs;
	int sup, api;
	long output_cap;
	double seconds;
	bool rss;
};

static void parse_args(int argc, char **argv, struct soak *s, struct options *o)
{
	if (argc < 2)
		usage();
	s->url = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(opt, "--no-rss")) {
			o->rss = false;
			continue;
		}
		if (!val)
			usage();
		i++;
		if (!strcmp(opt, "--certs"))
			o->certs = val;
		else if (!strcmp(opt, "--job"))
			s->job_bin = val;
		else if (!strcmp(opt, "--slots"))
			s->slot_dir = val;
		else if (!strcmp(opt, "--supervisor"))
			o->sup = atoi(val);
		else if (!strcmp(opt, "--api"))
			o->api = atoi(val);
		else if (!strcmp(opt, "--clients"))
			s->clients = atoi(val);
		else if (!strcmp(opt, "--seconds"))
			o->seconds = atof(val);
		else if (!strcmp(opt, "--max-running"))
			s->max_running = atoi(val);
		else if (!strcmp(opt, "--max-queued"))
			s->max_queued = atoi(val);
		else if (!strcmp(opt, "--max-log"))
			s->max_log = atoi(val);
		else if (!strcmp(opt, "--output-cap"))
			o->output_cap = atol(val);
		else
			usage();
	}
	if (!o->certs || !s->job_bin || !s->slot_dir || o->sup <= 0 || o->api <= 0 ||
	    s->clients < 1 || o->seconds <= 0 || o->seconds > 86400)
		usage();
	static const char *const users[] = {"user1", "user2", "admin"};
	for (int u = 0; u < 3; u++) {
		snprintf(s->cert[u], sizeof s->cert[u], "%s/%s.crt", o->certs, users[u]);
		snprintf(s->key[u], sizeof s->key[u], "%s/%s.key", o->certs, users[u]);
	}
	snprintf(s->cacert, sizeof s->cacert, "%s/ca.crt", o->certs);
}

static void report_requests(struct soak *s, double seconds)
{
	unsigned long total = 0;
	for (int i = 0; i < 600; i++)
		total += atomic_load(&s->status[i]);
	printf("requests     %lu (the clients' %.0f/s):", total,
	       (double)atomic_load(&s->client_requests) / seconds);
	for (int i = 0; i < 600; i++)
		if (atomic_load(&s->status[i]))
			printf(" %d x%lu", i, atomic_load(&s->status[i]));
	printf("; unexpected %lu\n", atomic_load(&s->unexpected));
	if (atomic_load(&s->unexpected))
		soak_problem("%lu answers were not what the API allows",
			     atomic_load(&s->unexpected));
}

static void report_running(struct soak *s, const struct sampler *sm)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/violations", s->slot_dir);
	long violations = count_lines(path);
	printf("running      at most %ld by jobsupd's count (%ld samples), queued at most %ld; "
	       "%ld jobs found every slot taken\n",
	       sm->max_running, sm->samples, sm->max_queued, violations);
	if (sm->samples == 0)
		soak_problem("jobsupd's count was never read");
	if (sm->max_running > s->max_running)
		soak_problem("jobsupd counted %ld jobs running at once, past --max-running %d",
			     sm->max_running, s->max_running);
	if (sm->max_queued > s->max_queued)
		soak_problem("jobsupd counted %ld jobs queued at once, past --max-queued %d",
			     sm->max_queued, s->max_queued);
	if (violations != 0)
		soak_problem("%ld jobs found all %d slots taken: more ran at once", violations,
			     s->max_running);
}

int main(int argc, char **argv)
{
	static struct soak s = {.clients = 50, .max_running = 4, .max_queued = 200, .max_log = 500};
	struct options o = {.output_cap = 1 << 20, .seconds = 60, .rss = true};
	parse_args(argc, argv, &s, &o);
	pthread_mutex_init(&s.lock, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	double warm = o.seconds / 4 < 3 ? 3 : o.seconds / 4;
	if (warm > o.seconds / 2)
		warm = o.seconds / 2;
	printf("soak: %d clients for %.0f s (%.0f s of warm-up) against --max-running %d "
	       "--max-queued %d --max-log %d\n",
	       s.clients, o.seconds, warm, s.max_running, s.max_queued, s.max_log);
	fflush(stdout);
	CURL *h = admin_handle(&s);
	struct body b = {0};
	struct metrics m = {0};
	struct sampler sm = {.s = &s};

	sampler_start(&sm);
	prefill(&s, h, &b, o.output_cap);
	double ran = run_clients(&s, warm);
	quiesce(&s, h, &b, true, &m);
	warm_threads(&s, h, &b);
	quiesce(&s, h, &b, false, &m);
	sampler_stop(&sm);
	settle(o.rss);
	/* Descriptors less the connections between jobapi and jobsupd, whose number the pool
	 * decides (up to jobapi's --threads idle). */
	struct usage sup_warm = usage_of(o.sup), api_warm = usage_of(o.api);
	sup_warm.fds -= m.connections;
	api_warm.fds -= m.connections;
	sampler_start(&sm);
	ran += run_clients(&s, o.seconds - warm);
	quiesce(&s, h, &b, true, &m);
	sampler_stop(&sm);
	settle(o.rss);
	struct usage sup_end = usage_of(o.sup), api_end = usage_of(o.api);
	sup_end.fds -= m.connections;
	api_end.fds -= m.connections;

	report_requests(&s, ran);
	ledger_account(&s, h, &b);
	report_running(&s, &sm);
	int zombies, children = proc_children(o.sup, &zombies), left = proc_with(s.slot_dir);
	printf("processes    jobsupd's children after: %d (%d zombies); job processes left: %d\n",
	       children, zombies, left);
	if (children || left)
		soak_problem("processes left behind");
	printf("connections  %ld between jobapi and jobsupd after, idle\n", m.connections);
	compare("jobsupd", sup_warm, sup_end, 0, o.rss);
	/* nginx keeps up to 4 idle connections to jobapi (keepalive 4), as many as it likes. */
	compare("jobapi", api_warm, api_end, 4, o.rss);

	printf("soak: %s\n", atomic_load(&problems) ? "FAILED" : "passed");
	free(b.p);
	ledger_free(&s);
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return atomic_load(&problems) ? 1 : 0;
}
