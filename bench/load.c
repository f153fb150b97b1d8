/*
 * load: the benchmark's load generator. libcurl, one keep-alive mTLS connection per thread,
 * latencies of every request, printed as one line of key=value pairs.
 *
 *   load rate URL [--threads N] [--seconds S] [--path P] [--post JSON]
 *                                       requests to P (default /jobs) per second, p50, p99
 *   load jobs URL [--threads N] [--count N] [--post JSON]      POST N jobs (of `true`), then
 *                                                              wait for all: jobs per second
 *   load submit URL [--threads N] [--count N] [--post JSON]    POST N jobs and return
 *   load follow URL                     follow a job printing timestamps: delivery latency
 *   load startlat URL [--count N]       POST a job printing its start time: start latency
 *
 * URL is the base (https://localhost:PORT); certificates come from JOBCTL_CERT, JOBCTL_KEY and
 * JOBCTL_CACERT. Latencies are in microseconds.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "http_client.h"

struct samples {
	double *v;
	size_t n, cap;
};

static void add_sample(struct samples *s, double v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4096;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
		if (!s->v) {
			perror("load");
			exit(1);
		}
	}
	s->v[s->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double percentile(struct samples *s, double p)
{
	if (s->n == 0)
		return 0;
	qsort(s->v, s->n, sizeof *s->v, cmp_double);
	size_t i = (size_t)(p / 100 * (double)(s->n - 1) + 0.5);
	return s->v[i];
}

static const char *base_url;

static CURL *handle(void)
{
	return http_handle(getenv("JOBCTL_CERT"), getenv("JOBCTL_KEY"), getenv("JOBCTL_CACERT"));
}

/* One request on h; the status (0 on a transport error), the body in *b. */
static long request(CURL *h, const char *method, const char *path, const char *post, struct body *b)
{
	return http_request(h, base_url, method, path, post, b, NULL);
}

/* rate: as many requests as threads can make in the time. */

struct worker {
	pthread_t t;
	const char *path, *post;
	double until;
	struct samples lat;
	long ok, errors;
};

static void *rate_worker(void *arg)
{
	struct worker *w = arg;
	CURL *h = handle();
	struct body b = {0};
	/* The connection is made before the clock starts: this measures requests, not handshakes.
	 */
	request(h, w->post ? "POST" : "GET", w->path, w->post, &b);
	while (http_now(CLOCK_MONOTONIC) < w->until) {
		double t0 = http_now(CLOCK_MONOTONIC);
		long st = request(h, w->post ? "POST" : "GET", w->path, w->post, &b);
		double t1 = http_now(CLOCK_MONOTONIC);
		if (st >= 200 && st < 300) {
			w->ok++;
			add_sample(&w->lat, (t1 - t0) * 1e6);
		} else {
			w->errors++;
		}
	}
	free(b.p);
	curl_easy_cleanup(h);
	return NULL;
}

static int run_rate(const char *path, const char *post, int threads, double seconds)
{
	struct worker *w = calloc((size_t)threads, sizeof *w);
	struct samples all = {0};
	long ok = 0, errors = 0;
	double start = http_now(CLOCK_MONOTONIC) + 0.2;
	for (int i = 0; i < threads; i++) {
		w[i].path = path;
		w[i].post = post;
		w[i].until = start + seconds;
		pthread_create(&w[i].t, NULL, rate_worker, &w[i]);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(w[i].t, NULL);
		ok += w[i].ok;
		errors += w[i].errors;
		for (size_t k = 0; k < w[i].lat.n; k++)
			add_sample(&all, w[i].lat.v[k]);
		free(w[i].lat.v);
	}
	printf("ok=%ld errors=%ld rps=%.0f p50_us=%.0f p99_us=%.0f\n", ok, errors,
	       (double)ok / seconds, percentile(&all, 50), percentile(&all, 99));
	free(all.v);
	free(w);
	return errors ? 1 : 0;
}

/* jobs: POST count jobs of `true` from threads, then wait until every one has finished. */

static atomic_long to_start;
static atomic_long refused;
static char last_id[64];
static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *job_json = "{\"command\":[\"true\"]}";

static void *jobs_worker(void *arg)
{
	(void)arg;
	CURL *h = handle();
	struct body b = {0};
	request(h, "GET", "/jobs", NULL, &b);
	while (atomic_fetch_sub(&to_start, 1) > 0) {
		long st;
		while ((st = request(h, "POST", "/jobs", job_json, &b)) == 429)
			atomic_fetch_add(&refused, 1);
		if (st != 201) {
			fprintf(stderr, "load: POST /jobs: %ld\n", st);
			exit(1);
		}
		cJSON *o = cJSON_ParseWithLength(b.p, b.n);
		const cJSON *id = cJSON_GetObjectItem(o, "id");
		pthread_mutex_lock(&id_lock);
		if (cJSON_IsString(id) &&
		    strtoull(id->valuestring, NULL, 10) > strtoull(last_id, NULL, 10))
			snprintf(last_id, sizeof last_id, "%s", id->valuestring);
		pthread_mutex_unlock(&id_lock);
		cJSON_Delete(o);
	}
	free(b.p);
	curl_easy_cleanup(h);
	return NULL;
}

static int run_jobs(int threads, long count, bool wait)
{
	pthread_t *t = calloc((size_t)threads, sizeof *t);
	struct body b = {0};
	atomic_store(&to_start, count);
	double start = http_now(CLOCK_MONOTONIC);
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, jobs_worker, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	if (!wait) {
		printf("jobs=%ld refused=%ld\n", count, atomic_load(&refused));
		free(t);
		return 0;
	}
	/* Wait (the server's own wait, no polling) for the last job, then for any still active:
	 * the queue is FIFO, so few are. */
	CURL *h = handle();
	char path[256];
	snprintf(path, sizeof path, "/jobs/%s?wait=60", last_id);
	request(h, "GET", path, NULL, &b);
	for (;;) {
		request(h, "GET", "/jobs", NULL, &b);
		cJSON *o = cJSON_ParseWithLength(b.p, b.n);
		const cJSON *jobs = cJSON_GetObjectItem(o, "jobs"), *j;
		int left = cJSON_GetArraySize(jobs);
		char ids[64][64];
		int n = 0;
		cJSON_ArrayForEach(j, jobs)
			if (n < 64)
				snprintf(ids[n++], sizeof ids[0], "%s",
					 cJSON_GetStringValue(cJSON_GetObjectItem(j, "id")));
		cJSON_Delete(o);
		if (left == 0)
			break;
		for (int k = 0; k < n; k++) {
			if (snprintf(path, sizeof path, "/jobs/%s?wait=60", ids[k]) <
			    (int)sizeof path)
				request(h, "GET", path, NULL, &b);
		}
	}
	double took = http_now(CLOCK_MONOTONIC) - start;
	printf("jobs=%ld seconds=%.3f jobs_per_s=%.0f refused=%ld\n", count, took,
	       (double)count / took, atomic_load(&refused));
	curl_easy_cleanup(h);
	free(b.p);
	free(t);
	return 0;
}

/* follow: lines "SECONDS.NANOSECONDS" written by a job; latency from writing to receiving. */

static struct samples follow_lat;
static char partial[64];
static size_t npartial;

static size_t on_follow(char *p, size_t size, size_t n, void *arg)
{
	(void)arg;
	double now = http_now(CLOCK_REALTIME);
	for (size_t i = 0; i < size * n; i++) {
		if (p[i] != '\n') {
			if (npartial < sizeof partial - 1)
				partial[npartial++] = p[i];
			continue;
		}
		partial[npartial] = '\0';
		double t = strtod(partial, NULL);
		if (t > 0)
			add_sample(&follow_lat, (now - t) * 1e6);
		npartial = 0;
	}
	return size * n;
}

static int run_follow(const char *path)
{
	CURL *h = handle();
	char url[512];
	snprintf(url, sizeof url, "%s%s", base_url, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_follow);
	CURLcode rc = curl_easy_perform(h);
	/* The first lines are the kept output from before the follower came: not live. */
	struct samples live = {0};
	for (size_t i = 0; i < follow_lat.n; i++)
		if (i >= 5)
			add_sample(&live, follow_lat.v[i]);
	printf("lines=%zu p50_us=%.0f p99_us=%.0f\n", live.n, percentile(&live, 50),
	       percentile(&live, 99));
	curl_easy_cleanup(h);
	free(live.v);
	return rc == CURLE_OK ? 0 : 1;
}

/* startlat: from sending POST to the job's first instruction (it prints the time it ran). */

static int run_startlat(long count)
{
	CURL *h = handle();
	struct body b = {0};
	struct samples lat = {0};
	request(h, "GET", "/jobs", NULL, &b);
	for (long i = 0; i < count; i++) {
		double t0 = http_now(CLOCK_REALTIME);
		if (request(h, "POST", "/jobs", "{\"command\":[\"date\",\"+%s.%N\"]}", &b) != 201)
			break;
		cJSON *o = cJSON_ParseWithLength(b.p, b.n);
		char path[128];
		snprintf(path, sizeof path, "/jobs/%s?wait=10",
			 cJSON_GetStringValue(cJSON_GetObjectItem(o, "id")));
		cJSON_Delete(o);
		request(h, "GET", path, NULL, &b);
		o = cJSON_ParseWithLength(b.p, b.n);
		const char *out = cJSON_GetStringValue(cJSON_GetObjectItem(o, "output"));
		if (out)
			add_sample(&lat, (strtod(out, NULL) - t0) * 1e6);
		cJSON_Delete(o);
	}
	printf("jobs=%zu p50_us=%.0f p99_us=%.0f\n", lat.n, percentile(&lat, 50),
	       percentile(&lat, 99));
	int rc = lat.n == (size_t)count ? 0 : 1;
	free(lat.v);
	free(b.p);
	curl_easy_cleanup(h);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: load rate|jobs|submit|follow|startlat URL [options]\n");
		return 2;
	}
	const char *mode = argv[1], *path = "/jobs", *post = NULL;
	int threads = 4;
	double seconds = 3;
	long count = 1000;
	base_url = argv[2];
	for (int i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--threads"))
			threads = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--count"))
			count = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--path"))
			path = argv[i + 1];
		else if (!strcmp(argv[i], "--post"))
			post = argv[i + 1];
	}
	if (post)
		job_json = post;
	if (!getenv("JOBCTL_CERT") || !getenv("JOBCTL_KEY") || !getenv("JOBCTL_CACERT")) {
		fprintf(stderr, "load: set JOBCTL_CERT, JOBCTL_KEY and JOBCTL_CACERT (as "
				"bench/run.sh does)\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = 2;
	if (!strcmp(mode, "rate"))
		rc = run_rate(path, post, threads, seconds);
	else if (!strcmp(mode, "jobs") || !strcmp(mode, "submit"))
		rc = run_jobs(threads, count, !strcmp(mode, "jobs"));
	else if (!strcmp(mode, "follow"))
		rc = run_follow(path);
	else if (!strcmp(mode, "startlat"))
		rc = run_startlat(count);
	curl_global_cleanup();
	return rc;
}
