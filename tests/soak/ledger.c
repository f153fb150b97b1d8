/*
 * ledger: what the soak knows of every job it started, checked each time it learns more. A job
 * that has ended must have ended as its shape allows (an instant job succeeded, a failing one
 * failed with 3, ...; any job may be stopped, but only by its owner or the admin, and only if
 * one of them asked), and never differently later. At the end, every job is in the log or was
 * evicted exactly as --max-log allows.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "soak.h"

enum state { QUEUED = 1, RUNNING, SUCCEEDED, FAILED, STOPPED, TIMED_OUT };
static const char *const state_names[] = {"",	    "queued",  "running",  "succeeded",
					  "failed", "stopped", "timed_out"};
static const char *const shape_names[] = {"instant", "fail",	 "noexec", "sleep",
					  "output",  "stubborn", "timeout"};

static enum state state_of(const char *name)
{
	for (int st = QUEUED; name && st <= TIMED_OUT; st++)
		if (!strcmp(name, state_names[st]))
			return (enum state)st;
	return 0;
}

/* The place of job id, made as needed; NULL for an id no soak could reach (a bad answer).
 * With s->lock held. */
static struct job_info *slot(struct soak *s, unsigned long id)
{
	if (id == 0 || id > s->max_id + 100000) {
		soak_problem("job id %lu is far past any the soak was given", id);
		return NULL;
	}
	if (id >= s->njobs) {
		size_t n = s->njobs ? s->njobs : 1024;
		while (n <= id)
			n *= 2;
		struct job_info *v = realloc(s->jobs, n * sizeof *v);
		if (!v) {
			soak_problem("out of memory");
			return NULL;
		}
		memset(v + s->njobs, 0, (n - s->njobs) * sizeof *v);
		s->jobs = v;
		s->njobs = n;
	}
	return &s->jobs[id];
}

static unsigned long id_of(const cJSON *job)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(job, "id"));
	return id ? strtoul(id, NULL, 10) : 0;
}

static void judge(struct soak *s, struct job_info *ji, unsigned long id, enum state st,
		  const cJSON *job);

unsigned long ledger_accept(struct soak *s, int owner, enum shape shape, long output_bytes,
			    const struct body *b)
{
	cJSON *o = cJSON_ParseWithLength(b->p, b->n);
	unsigned long id = id_of(o);
	cJSON_Delete(o);
	if (!id) {
		soak_problem("a 201 without a job id: %.200s", b->p ? b->p : "");
		return 0;
	}
	pthread_mutex_lock(&s->lock);
	struct job_info *ji = slot(s, id);
	if (ji && ji->owner)
		soak_problem("job id %lu was given twice", id);
	if (ji) {
		ji->owner = (uint8_t)owner;
		ji->shape = (uint8_t)shape;
		ji->output_bytes = output_bytes;
		s->accepted++;
		if (id > s->max_id)
			s->max_id = id;
		if (ji->unjudged) {
			cJSON *job = cJSON_Parse(ji->unjudged);
			judge(s, ji, id, (enum state)ji->ended, job);
			cJSON_Delete(job);
			free(ji->unjudged);
			ji->unjudged = NULL;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return ji ? id : 0;
}

void ledger_stop_asked(struct soak *s, unsigned long id)
{
	pthread_mutex_lock(&s->lock);
	struct job_info *ji = slot(s, id);
	if (ji)
		ji->stop_asked = true;
	pthread_mutex_unlock(&s->lock);
}

void ledger_gone(struct soak *s, unsigned long id)
{
	pthread_mutex_lock(&s->lock);
	struct job_info *ji = slot(s, id);
	if (ji)
		ji->gone = true;
	pthread_mutex_unlock(&s->lock);
}

enum shape ledger_shape(struct soak *s, unsigned long id, long *output_bytes)
{
	pthread_mutex_lock(&s->lock);
	const struct job_info *ji = id < s->njobs ? &s->jobs[id] : NULL;
	enum shape sh = ji ? (enum shape)ji->shape : SHAPE_INSTANT;
	*output_bytes = ji ? ji->output_bytes : 0;
	pthread_mutex_unlock(&s->lock);
	return sh;
}

/* Whether a stopped job says it was stopped by its owner or the admin, the only ones who may. */
static bool stopped_by_right(const struct job_info *ji, const cJSON *job)
{
	static const char *const names[] = {"", "user1", "user2", "admin"};
	const char *error = cJSON_GetStringValue(cJSON_GetObjectItem(job, "error"));
	for (int who = ji->owner; error && who; who = who == 3 ? 0 : 3) {
		char by[32];
		int n = snprintf(by, sizeof by, "stopped by %s", names[who]);
		if (!strncmp(error, by, (size_t)n) && strchr(" ;", error[n]))
			return true;
	}
	return false;
}

/* Whether a job of ji's shape may have ended as job says. That a stopped job was asked to stop
 * is checked at the end: a stop-all's answer may come after another client saw its work. */
static bool as_shape_allows(const struct job_info *ji, enum state st, const cJSON *job)
{
	const cJSON *code = cJSON_GetObjectItem(job, "exit_code");
	double exit_code = cJSON_IsNumber(code) ? code->valuedouble : -1;
	if (st == STOPPED)
		return stopped_by_right(ji, job);
	switch ((enum shape)ji->shape) {
	case SHAPE_INSTANT:
	case SHAPE_SLEEP:
	case SHAPE_STUBBORN:
		return st == SUCCEEDED && exit_code == 0;
	case SHAPE_FAIL:
		return st == FAILED && exit_code == 3;
	case SHAPE_NOEXEC:
		return st == FAILED && exit_code == 127;
	case SHAPE_OUTPUT:
		return st == SUCCEEDED &&
		       cJSON_GetNumberValue(cJSON_GetObjectItem(job, "output_bytes")) ==
			   (double)ji->output_bytes;
	case SHAPE_TIMEOUT:
		return st == TIMED_OUT;
	}
	return false;
}

/* Check job id, seen ended in state st as job says, against its shape. With s->lock held. */
static void judge(struct soak *s, struct job_info *ji, unsigned long id, enum state st,
		  const cJSON *job)
{
	if (ji->unlike || as_shape_allows(ji, st, job))
		return;
	ji->unlike = true;
	if (s->seen_unlike++ < 10) {
		char *text = cJSON_PrintUnformatted(job);
		soak_problem("job %lu (%s) ended unlike its shape: %.300s", id,
			     shape_names[ji->shape], text ? text : "");
		free(text);
	}
}

/* One job object: checked if it has ended. With s->lock held. */
static void observe(struct soak *s, const cJSON *job, bool stop_asked)
{
	unsigned long id = id_of(job);
	enum state st = state_of(cJSON_GetStringValue(cJSON_GetObjectItem(job, "state")));
	struct job_info *ji = slot(s, id);
	if (!ji)
		return;
	if (!st) {
		soak_problem("job %lu has no state", id);
		return;
	}
	if (stop_asked)
		ji->stop_asked = true;
	if (st == QUEUED || st == RUNNING)
		return; /* answers of other threads may come in any order: only an end is final */
	if (ji->ended && ji->ended != st) {
		soak_problem("job %lu ended %s, and later %s", id, state_names[ji->ended],
			     state_names[st]);
		return;
	}
	if (!ji->ended)
		s->seen_ended++;
	ji->ended = (uint8_t)st;
	const char *finished = cJSON_GetStringValue(cJSON_GetObjectItem(job, "finished_at"));
	snprintf(ji->finished, sizeof ji->finished, "%s", finished ? finished : "");
	if (ji->owner) {
		judge(s, ji, id, st, job);
	} else if (!ji->unjudged) {
		/* A stop-all may answer with a job before its own 201 came: judged then. */
		ji->unjudged = cJSON_PrintUnformatted(job);
		if (!ji->unjudged)
			soak_problem("out of memory");
	}
}

void ledger_observe(struct soak *s, const struct body *b, bool list)
{
	cJSON *o = cJSON_ParseWithLength(b->p, b->n), *j;
	pthread_mutex_lock(&s->lock);
	if (list) {
		cJSON_ArrayForEach(j, cJSON_GetObjectItem(o, "jobs"))
			observe(s, j, true);
	} else {
		observe(s, o, false);
	}
	pthread_mutex_unlock(&s->lock);
	cJSON_Delete(o);
}

void ledger_account(struct soak *s, CURL *h, struct body *b)
{
	unsigned long max_id = s->max_id, kept = 0, evicted = 0, in_log = 0, states[7] = {0};
	unsigned long late = 0, dated = 0, strangers = 0;
	char first_kept[25] = "~"; /* the earliest end among the kept ("~" sorts after digits) */
	bool *logged = calloc(max_id + 1, sizeof *logged);
	if (!logged) {
		soak_problem("out of memory");
		return;
	}
	long st = http_request(h, s->url, "GET", "/jobs/logs", NULL, b, NULL);
	soak_count(s, st, st == 200, "GET", "/jobs/logs", b);
	cJSON *o = cJSON_ParseWithLength(b->p, b->n), *j;
	cJSON_ArrayForEach(j, cJSON_GetObjectItem(o, "logs")) {
		unsigned long id = id_of(j);
		if (!id || id > max_id) {
			if (strangers++ < 10)
				soak_problem("the log holds job %lu, which the soak never started",
					     id);
		} else {
			logged[id] = true;
		}
		in_log++;
	}
	cJSON_Delete(o);

	for (unsigned long id = 1; id <= max_id; id++) {
		char path[64];
		snprintf(path, sizeof path, "/jobs/%lu", id);
		st = http_request(h, s->url, "GET", path, NULL, b, NULL);
		soak_count(s, st, st == 200 || st == 404, "GET", path, b);
		const struct job_info *ji = &s->jobs[id];
		if (!ji->owner && strangers++ < 10)
			soak_problem("job %lu exists, but the soak was never answered 201 for it",
				     id);
		if (st == 404) {
			evicted++;
			if (logged[id])
				soak_problem("job %lu is in the log but answers 404", id);
		} else if (st == 200) {
			kept++;
			if (ji->gone)
				soak_problem("job %lu answered 404 during the run, and is back",
					     id);
			if (!logged[id])
				soak_problem("job %lu is not in the log but answers 200", id);
			ledger_observe(s, b, false);
			if (ji->finished[0] && strcmp(ji->finished, first_kept) < 0)
				memcpy(first_kept, ji->finished, sizeof first_kept);
			o = cJSON_ParseWithLength(b->p, b->n);
			enum state js =
			    state_of(cJSON_GetStringValue(cJSON_GetObjectItem(o, "state")));
			cJSON_Delete(o);
			states[js]++;
			if (js == QUEUED || js == RUNNING)
				soak_problem("job %lu has not ended: %s", id, state_names[js]);
		}
	}
	if (strangers > 10)
		soak_problem("%lu more jobs the soak was never answered 201 for", strangers - 10);
	/* The log keeps the jobs that ended last: none evicted ended after one kept (ISO times of
	 * one format sort as strings; equal ones may go either way). */
	for (unsigned long id = 1; id <= max_id; id++) {
		const struct job_info *ji = &s->jobs[id];
		if (!logged[id] && ji->finished[0]) {
			dated++;
			if (strcmp(ji->finished, first_kept) > 0 && late++ < 5)
				soak_problem("job %lu, evicted, ended at %s, after job kept at %s",
					     id, ji->finished, first_kept);
		}
	}
	free(logged);
	unsigned long unasked = 0;
	for (unsigned long id = 1; id <= max_id; id++)
		if (s->jobs[id].ended == STOPPED && !s->jobs[id].stop_asked &&
		    !s->jobs[id].unlike && unasked++ < 10)
			soak_problem("job %lu was stopped, but nobody asked", id);
	s->seen_unlike += unasked;
	if (s->seen_unlike > 10)
		soak_problem("%lu more jobs ended unlike their shape", s->seen_unlike - 10);

	unsigned long cap = (unsigned long)s->max_log;
	unsigned long want = s->accepted < cap ? s->accepted : cap;
	printf("jobs         %lu accepted (ids 1..%lu); %lu seen ended, %lu of them unlike their "
	       "shape; %lu kept in the log (the cap keeps %lu), %lu evicted (%lu of them seen "
	       "ending, %lu after the first kept)\n"
	       "             kept: %lu succeeded, %lu failed, %lu stopped, %lu timed out\n",
	       s->accepted, max_id, s->seen_ended, s->seen_unlike, kept, want, evicted, dated, late,
	       states[SUCCEEDED], states[FAILED], states[STOPPED], states[TIMED_OUT]);
	if (max_id != s->accepted)
		soak_problem("%lu jobs accepted, but ids go up to %lu", s->accepted, max_id);
	if (kept != want || in_log != want || kept + evicted != s->accepted)
		soak_problem(
		    "the log keeps %lu jobs (%lu answer 200, %lu answer 404); the cap keeps %lu",
		    in_log, kept, evicted, want);
}

void ledger_free(struct soak *s)
{
	for (unsigned long id = 0; id < s->njobs; id++)
		free(s->jobs[id].unjudged);
	free(s->jobs);
	s->jobs = NULL;
}
