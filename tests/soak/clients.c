/*
 * clients: what each of the soak's clients does, at random, until the phase ends: start jobs
 * of every shape, read them, list, follow, wait, stop, restart, and now and then stop all its
 * jobs. Every answer is checked against what the API allows for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "soak.h"

static bool terminal(const char *state)
{
	return state && (!strcmp(state, "succeeded") || !strcmp(state, "failed") ||
			 !strcmp(state, "stopped") || !strcmp(state, "timed_out"));
}

static const char *error_code(const struct body *b)
{
	static _Thread_local char code[64];
	cJSON *o = cJSON_ParseWithLength(b->p, b->n);
	const char *c = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "error"), "code"));
	snprintf(code, sizeof code, "%s", c ? c : "");
	cJSON_Delete(o);
	return code;
}

/* Whether b is a job (or, with list, {"jobs": [...]}) whose every job has ended. */
static bool ended(const struct body *b, bool list)
{
	cJSON *o = cJSON_ParseWithLength(b->p, b->n), *j;
	bool ok = o != NULL;
	if (list) {
		const cJSON *jobs = cJSON_GetObjectItem(o, "jobs");
		ok = cJSON_IsArray(jobs);
		cJSON_ArrayForEach(j, jobs)
		ok = ok && terminal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "state")));
	} else {
		ok = ok && terminal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "state")));
	}
	cJSON_Delete(o);
	return ok;
}

/* Whether b is a job object. */
static bool is_job(const struct body *b)
{
	cJSON *o = cJSON_ParseWithLength(b->p, b->n);
	bool ok = cJSON_GetStringValue(cJSON_GetObjectItem(o, "state")) != NULL;
	cJSON_Delete(o);
	return ok;
}

static long request(struct client *c, CURL *h, struct body *b, const char *method,
		    const char *path, const char *post, long timeout_s)
{
	const struct soak *s = c->s;
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
	CURLcode err;
	long st = client_request(h, s->url, method, path, post, b, &err);
	/* A follow is cut short by the client on purpose; that is not the server's doing. */
	if (st == 0 && err == CURLE_OPERATION_TIMEDOUT && timeout_s < 60)
		return -1;
	return st;
}

/* A 404 for a job id: it left the log. Remembered, to check it is not there at the end. */
static void mark_gone(struct soak *s, unsigned long id)
{
	pthread_mutex_lock(&s->lock);
	if (id < s->njobs)
		s->jobs[id].gone = true;
	pthread_mutex_unlock(&s->lock);
}

static enum shape shape_of(struct soak *s, unsigned long id, long *output_bytes)
{
	pthread_mutex_lock(&s->lock);
	enum shape sh = id < s->njobs ? (enum shape)s->jobs[id].shape : SHAPE_INSTANT;
	*output_bytes = id < s->njobs ? s->jobs[id].output_bytes : 0;
	pthread_mutex_unlock(&s->lock);
	return sh;
}

static void remember(struct client *c, unsigned long id)
{
	if (id)
		c->recent[c->n++ % 32] = id;
}

static unsigned long some_job(struct client *c)
{
	unsigned have = c->n < 32 ? c->n : 32;
	return have ? c->recent[(unsigned)rand_r(&c->seed) % have] : 0;
}

/* A body for POST /jobs of a random shape. */
static enum shape make_job(struct client *c, char *json, size_t size, long *output_bytes)
{
	const struct soak *s = c->s;
	int r = rand_r(&c->seed) % 100;
	long ms = 100 + rand_r(&c->seed) % 1400;
	*output_bytes = 0;
	if (r < 5) {
		snprintf(json, size, "{\"command\":[\"/nonexistent/soak-no-such-command\"]}");
		return SHAPE_NOEXEC;
	}
	static const char *const names[] = {"instant", "fail", "", "sleep", "output", "stubborn",
					    "sleep"};
	enum shape sh;
	long arg = 0, timeout = 30;
	if (r < 30) {
		sh = SHAPE_INSTANT;
	} else if (r < 40) {
		sh = SHAPE_FAIL;
	} else if (r < 65) {
		sh = SHAPE_SLEEP;
		arg = ms;
	} else if (r < 80) {
		sh = SHAPE_OUTPUT;
		arg = *output_bytes = 1 + rand_r(&c->seed) % (3 << 20);
	} else if (r < 90) {
		sh = SHAPE_STUBBORN;
		arg = ms;
	} else {
		sh = SHAPE_TIMEOUT; /* SIGTERM at its timeout ends it */
		arg = 3000;
		timeout = 1;
	}
	snprintf(json, size,
		 "{\"command\":[\"%s\",\"%s\",\"%d\",\"%s\",\"%ld\"],\"timeout_s\":%ld}",
		 s->job_bin, s->slot_dir, s->max_running, names[sh], arg, timeout);
	return sh;
}

static void start(struct client *c, CURL *h, struct body *b)
{
	char json[8192];
	long output_bytes;
	enum shape sh = make_job(c, json, sizeof json, &output_bytes);
	long st = request(c, h, b, "POST", "/jobs", json, 60);
	bool ok = st == 429 ? !strcmp(error_code(b), "queue_full") : st == 201;
	soak_count(c->s, st, ok, "POST", "/jobs", b);
	if (st == 201)
		remember(c, soak_accepted(c->s, c->user + 1, sh, output_bytes, b));
}

static void restart(struct client *c, CURL *h, struct body *b, unsigned long id)
{
	char path[128];
	long output_bytes;
	enum shape sh = shape_of(c->s, id, &output_bytes);
	snprintf(path, sizeof path, "/jobs/%lu/restart", id);
	long st = request(c, h, b, "POST", path, NULL, 60);
	soak_count(c->s, st, st == 201 || st == 404 || st == 429, "POST", path, b);
	if (st == 201)
		remember(c, soak_accepted(c->s, c->user + 1, sh, output_bytes, b));
	else if (st == 404)
		mark_gone(c->s, id);
}

/* An action on one of the client's jobs: GET (with a query), GET output, or DELETE. */
static void on_job(struct client *c, CURL *h, struct body *b, unsigned long id,
		   const char *method, const char *suffix, long timeout_s)
{
	char path[128];
	snprintf(path, sizeof path, "/jobs/%lu%s", id, suffix);
	long st = request(c, h, b, method, path, NULL, timeout_s);
	if (st < 0)
		return; /* a follow the client cut short */
	bool ok = st == 200 || st == 404;
	if (!strcmp(method, "DELETE"))
		ok = (st == 200 && ended(b, false)) || st == 404 || st == 409;
	else if (st == 200 && suffix[0] != '/')
		ok = is_job(b);
	soak_count(c->s, st, ok, method, path, b);
	if (st == 404)
		mark_gone(c->s, id);
}

void *client_main(void *arg)
{
	struct client *c = arg;
	struct soak *s = c->s;
	CURL *h = client_handle(s->cert[c->user], s->key[c->user], s->cacert);
	struct body b = {0};
	while (!atomic_load(&s->stop)) {
		int r = rand_r(&c->seed) % 1000;
		unsigned long id = some_job(c);
		if (r < 300 || !id) {
			start(c, h, &b);
		} else if (r < 450) {
			on_job(c, h, &b, id, "GET", "", 60);
		} else if (r < 500) {
			on_job(c, h, &b, id, "GET", "?wait=1", 60);
		} else if (r < 580) {
			long st = request(c, h, &b, "GET", "/jobs", NULL, 60);
			soak_count(s, st, st == 200, "GET", "/jobs", &b);
		} else if (r < 620) {
			long st = request(c, h, &b, "GET", "/jobs/logs", NULL, 60);
			soak_count(s, st, st == 200, "GET", "/jobs/logs", &b);
		} else if (r < 700) {
			on_job(c, h, &b, id, "GET", "/output", 60);
		} else if (r < 730) {
			on_job(c, h, &b, id, "GET", "/output?follow=1", 3);
		} else if (r < 790) {
			on_job(c, h, &b, id, "DELETE", "", 60);
		} else if (r < 800) {
			on_job(c, h, &b, id, "DELETE", "?signal=INT", 60);
		} else if (r < 820) {
			restart(c, h, &b, id);
		} else if (r == 999 && rand_r(&c->seed) % 4 == 0) {
			long st = request(c, h, &b, "DELETE", "/jobs", NULL, 60);
			soak_count(s, st, st == 200 && ended(&b, true), "DELETE", "/jobs", &b);
		} else {
			on_job(c, h, &b, id, "GET", "", 60);
		}
	}
	free(b.p);
	curl_easy_cleanup(h);
	return NULL;
}
