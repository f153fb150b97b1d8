/*
 * clients: what each of the soak's clients does, at random, until the phase ends: start jobs
 * of every shape, read them, list, follow, wait, stop, restart, and now and then stop all its
 * jobs. Every answer is checked against what the API allows for it, and every job answered is
 * shown to the ledger.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "soak.h"

/* A follow is cut short by the client after this; the job may well run longer. */
#define FOLLOW_S 3L
/* Anything else that takes longer has hung. */
#define REQUEST_S 60L

static const char *error_code(const struct body *b)
{
	static _Thread_local char code[64];
	cJSON *o = cJSON_ParseWithLength(b->p, b->n);
	const cJSON *err = cJSON_GetObjectItem(o, "error");
	const char *c = cJSON_GetStringValue(cJSON_GetObjectItem(err, "code"));
	snprintf(code, sizeof code, "%s", c ? c : "");
	cJSON_Delete(o);
	return code;
}

/* Whether b is a JSON object with an array or string member named name. */
static bool has(const struct body *b, const char *name)
{
	cJSON *o = cJSON_ParseWithLength(b->p, b->n);
	const cJSON *m = cJSON_GetObjectItem(o, name);
	bool ok = cJSON_IsArray(m) || cJSON_IsString(m);
	cJSON_Delete(o);
	return ok;
}

static bool terminal(const cJSON *job)
{
	const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(job, "state"));
	return st && (!strcmp(st, "succeeded") || !strcmp(st, "failed") || !strcmp(st, "stopped") ||
		      !strcmp(st, "timed_out"));
}

/* Whether b is a job that has ended, or with list, {"jobs": [...]} of jobs that all have: what a
 * stop answers, once they have. */
static bool ended(const struct body *b, bool list)
{
	cJSON *o = cJSON_ParseWithLength(b->p, b->n), *j;
	const cJSON *jobs = cJSON_GetObjectItem(o, "jobs");
	bool ok = list ? cJSON_IsArray(jobs) : terminal(o);
	if (list)
		cJSON_ArrayForEach(j, jobs)
			ok = ok && terminal(j);
	cJSON_Delete(o);
	return ok;
}

/* A request; its status, 0 when it failed, or -1 for a follow the client cut short on purpose
 * after its answer began. */
static long request(struct client *c, CURL *h, struct body *b, const char *method, const char *path,
		    const char *post, long timeout_s)
{
	CURLcode err;
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
	atomic_fetch_add(&c->s->client_requests, 1);
	long st = http_request(h, c->s->url, method, path, post, b, &err);
	if (st == 0 && err == CURLE_OPERATION_TIMEDOUT && timeout_s == FOLLOW_S) {
		long began = 0;
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &began);
		return began == 200 ? -1 : 0; /* a follow must answer at once, then stream */
	}
	return st;
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
	static const char *const names[] = {"instant", "fail",	   "",	   "sleep",
					    "output",  "stubborn", "sleep"};
	const struct soak *s = c->s;
	int r = rand_r(&c->seed) % 100;
	long ms = 100 + rand_r(&c->seed) % 1400, arg = 0, timeout = 30;
	enum shape sh;
	*output_bytes = 0;
	if (r < 5) {
		snprintf(json, size, "{\"command\":[\"/nonexistent/soak-no-such-command\"]}");
		return SHAPE_NOEXEC;
	}
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
	long st = request(c, h, b, "POST", "/jobs", json, REQUEST_S);
	bool ok = st == 429 ? !strcmp(error_code(b), "queue_full") : st == 201;
	soak_count(c->s, st, ok, "POST", "/jobs", b);
	if (st == 201)
		remember(c, ledger_accept(c->s, c->user + 1, sh, output_bytes, b));
}

static void restart(struct client *c, CURL *h, struct body *b, unsigned long id)
{
	char path[128];
	long output_bytes;
	enum shape sh = ledger_shape(c->s, id, &output_bytes);
	snprintf(path, sizeof path, "/jobs/%lu/restart", id);
	long st = request(c, h, b, "POST", path, NULL, REQUEST_S);
	soak_count(c->s, st, st == 201 || st == 404 || st == 429, "POST", path, b);
	if (st == 201)
		remember(c, ledger_accept(c->s, c->user + 1, sh, output_bytes, b));
	else if (st == 404)
		ledger_gone(c->s, id);
}

/* An action on one of the client's jobs: GET (with a query), GET output, or DELETE. */
static void on_job(struct client *c, CURL *h, struct body *b, unsigned long id, const char *method,
		   const char *suffix, long timeout_s)
{
	char path[128];
	bool stop = !strcmp(method, "DELETE"), output = suffix[0] == '/';
	snprintf(path, sizeof path, "/jobs/%lu%s", id, suffix);
	if (stop)
		ledger_stop_asked(c->s, id);
	long st = request(c, h, b, method, path, NULL, timeout_s);
	if (st < 0)
		return;
	/* 404: evicted from the log; 409: stopping a job that has ended. */
	bool ok = st == 404 || (st == 409 && stop) ||
		  (st == 200 && (output || (stop ? ended(b, false) : has(b, "state"))));
	soak_count(c->s, st, ok, method, path, b);
	if (st == 200 && !output)
		ledger_observe(c->s, b, false);
	if (st == 404)
		ledger_gone(c->s, id);
}

static void list(struct client *c, CURL *h, struct body *b, const char *method, const char *path,
		 const char *member)
{
	bool stop = !strcmp(method, "DELETE");
	long st = request(c, h, b, method, path, NULL, REQUEST_S);
	soak_count(c->s, st, st == 200 && (stop ? ended(b, true) : has(b, member)), method, path,
		   b);
	if (st == 200 && stop)
		ledger_observe(c->s, b, true);
}

void *client_main(void *arg)
{
	struct client *c = arg;
	struct soak *s = c->s;
	CURL *h = http_handle(s->cert[c->user], s->key[c->user], s->cacert);
	struct body b = {0};
	while (!atomic_load(&s->stop)) {
		int r = rand_r(&c->seed) % 1000;
		unsigned long id = some_job(c);
		if (r < 300 || !id)
			start(c, h, &b);
		else if (r < 450)
			on_job(c, h, &b, id, "GET", "", REQUEST_S);
		else if (r < 500)
			on_job(c, h, &b, id, "GET", "?wait=1", REQUEST_S);
		else if (r < 580)
			list(c, h, &b, "GET", "/jobs", "jobs");
		else if (r < 620)
			list(c, h, &b, "GET", "/jobs/logs", "logs");
		else if (r < 700)
			on_job(c, h, &b, id, "GET", "/output", REQUEST_S);
		else if (r < 730)
			on_job(c, h, &b, id, "GET", "/output?follow=1", FOLLOW_S);
		else if (r < 790)
			on_job(c, h, &b, id, "DELETE", "", REQUEST_S);
		else if (r < 800)
			on_job(c, h, &b, id, "DELETE", "?signal=INT", REQUEST_S);
		else if (r < 820)
			restart(c, h, &b, id);
		else if (r == 999 && rand_r(&c->seed) % 4 == 0)
			list(c, h, &b, "DELETE", "/jobs", "jobs");
		else
			on_job(c, h, &b, id, "GET", "", REQUEST_S);
	}
	free(b.p);
	curl_easy_cleanup(h);
	return NULL;
}
