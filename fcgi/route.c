/* route: HTTP request line to supervisor request; see route.h. */
#include "route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum resource {
	RES_JOBS,
	RES_LOGS,
	RES_EVENTS,
	RES_JOB,
	RES_OUTPUT,
	RES_RESTART,
	RES_HEALTH,
	RES_METRICS
};

static const char *const allow_of[] = {
    [RES_JOBS] = "GET, POST, DELETE",
    [RES_LOGS] = "GET",
    [RES_EVENTS] = "GET",
    [RES_JOB] = "GET, DELETE",
    [RES_OUTPUT] = "GET",
    [RES_RESTART] = "POST",
    [RES_HEALTH] = "GET",
    [RES_METRICS] = "GET",
};

static int not_found(struct apierr *err, const char *path)
{
	apierr_set(err, 404, "not_found",
		   "no such path: %.100s (the API has /jobs, /jobs/logs, /jobs/events, /jobs/{id}, "
		   "/jobs/{id}/output, /jobs/{id}/restart, /healthz and /metrics)",
		   path);
	return -1;
}

/* Which resource path names; copies a job id into rt->id. -1 with *err when none. */
static int match_path(const char *path, struct route *rt, enum resource *res, struct apierr *err)
{
	if (strcmp(path, "/healthz") == 0 || strcmp(path, "/metrics") == 0) {
		*res = path[1] == 'h' ? RES_HEALTH : RES_METRICS;
		return 0;
	}
	if (strncmp(path, "/jobs", 5) != 0)
		return not_found(err, path);
	const char *p = path + 5;
	if (*p == '\0') {
		*res = RES_JOBS;
		return 0;
	}
	if (*p != '/' || p[1] == '\0')
		return not_found(err, path);
	p++;
	if (strcmp(p, "logs") == 0 || strcmp(p, "events") == 0) {
		*res = p[0] == 'l' ? RES_LOGS : RES_EVENTS;
		return 0;
	}
	const char *slash = strchr(p, '/');
	size_t n = slash ? (size_t)(slash - p) : strlen(p);
	if (slash && strcmp(slash, "/output") != 0 && strcmp(slash, "/restart") != 0)
		return not_found(err, path);
	char id[PROTO_MAX_ID + 2];
	if (n > PROTO_MAX_ID) {
		apierr_set(err, 404, "not_found",
			   "job %.64s... not found: ids are at most %d "
			   "characters",
			   p, PROTO_MAX_ID);
		return -1;
	}
	memcpy(id, p, n);
	id[n] = '\0';
	if (!proto_id_valid(id)) {
		apierr_set(err, 404, "not_found",
			   "job %.64s not found: ids are made of A-Z, a-z, 0-9, '_' and '-'", id);
		return -1;
	}
	memcpy(rt->id, id, n + 1);
	*res = !slash ? RES_JOB : slash[1] == 'o' ? RES_OUTPUT : RES_RESTART;
	return 0;
}

static int match_method(const char *method, enum resource res, struct route *rt, struct apierr *err,
			const char **allow)
{
	static const struct {
		enum resource res;
		const char *method;
		enum proto_type op;
	} table[] = {
	    {RES_JOBS, "GET", PROTO_LIST},	  {RES_JOBS, "POST", PROTO_START},
	    {RES_JOBS, "DELETE", PROTO_STOPALL},  {RES_LOGS, "GET", PROTO_LOGS},
	    {RES_EVENTS, "GET", PROTO_EVENTS},	  {RES_JOB, "GET", PROTO_GET},
	    {RES_JOB, "DELETE", PROTO_STOP},	  {RES_OUTPUT, "GET", PROTO_OUTPUT},
	    {RES_RESTART, "POST", PROTO_RESTART}, {RES_HEALTH, "GET", PROTO_HELLO},
	    {RES_METRICS, "GET", PROTO_METRICS},
	};
	for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
		if (table[i].res == res && strcmp(table[i].method, method) == 0) {
			rt->op = table[i].op;
			return 0;
		}
	}
	*allow = allow_of[res];
	apierr_set(err, 405, "method_not_allowed", "%.16s is not allowed here; use %s", method,
		   allow_of[res]);
	return -1;
}

/* One query parameter; which keys are accepted depends on the request. */
static int take_param(struct route *rt, const char *key, const char *val, struct apierr *err)
{
	if (rt->op == PROTO_GET && strcmp(key, "wait") == 0) {
		char *end;
		long v = strtol(val, &end, 10);
		if (!*val || *end || v < 0 || v > PROTO_MAX_WAIT_S) {
			apierr_set(
			    err, 400, "invalid_request",
			    "wait=%.32s: wait must be a whole number of seconds from 0 to %d", val,
			    PROTO_MAX_WAIT_S);
			return -1;
		}
		rt->wait_s = (int)v;
		return 0;
	}
	if (rt->op == PROTO_OUTPUT && strcmp(key, "follow") == 0) {
		if (strcmp(val, "1") == 0 || strcmp(val, "true") == 0 || *val == '\0') {
			rt->follow = true;
		} else if (strcmp(val, "0") == 0 || strcmp(val, "false") == 0) {
			rt->follow = false;
		} else {
			apierr_set(err, 400, "invalid_request",
				   "follow=%.32s: follow must be 1 or 0", val);
			return -1;
		}
		return 0;
	}
	if (rt->op == PROTO_OUTPUT && strcmp(key, "tail") == 0) {
		char *end;
		long v = strtol(val, &end, 10);
		if (!*val || *end || val[0] == '-' || v < 1 || v > ROUTE_MAX_TAIL) {
			apierr_set(err, 400, "invalid_request",
				   "tail=%.32s: tail must be a number of lines from 1 to %d", val,
				   ROUTE_MAX_TAIL);
			return -1;
		}
		rt->tail = v;
		return 0;
	}
	if (rt->op == PROTO_OUTPUT && strcmp(key, "stream") == 0) {
		if (strcmp(val, "stdout") == 0) {
			rt->stream = SPOOL_STDOUT;
		} else if (strcmp(val, "stderr") == 0) {
			rt->stream = SPOOL_STDERR;
		} else {
			apierr_set(err, 400, "invalid_request",
				   "stream=%.32s: stream is stdout or stderr", val);
			return -1;
		}
		return 0;
	}
	if (rt->op == PROTO_STOP && strcmp(key, "signal") == 0) {
		/* A name, with or without its SIG prefix: signal=INT, signal=SIGINT. */
		const char *name = strncmp(val, "SIG", 3) == 0 ? val + 3 : val;
		rt->signal = proto_stop_signal(name);
		if (!rt->signal) {
			apierr_set(
			    err, 400, "invalid_request",
			    "signal=%.32s: a stop begins with TERM, INT, HUP, QUIT, USR1, USR2 or "
			    "KILL",
			    val);
			return -1;
		}
		return 0;
	}
	apierr_set(err, 400, "invalid_request", "unknown query parameter \"%.32s\"%s", key,
		   rt->op == PROTO_GET	    ? " (this endpoint takes: wait)"
		   : rt->op == PROTO_OUTPUT ? " (this endpoint takes: follow, tail, stream)"
		   : rt->op == PROTO_STOP   ? " (this endpoint takes: signal)"
					    : " (this endpoint takes none)");
	return -1;
}

static int parse_query(const char *query, struct route *rt, struct apierr *err)
{
	char item[128], seen[8][sizeof item];
	int given = 0;
	const char *p = query ? query : "";

	while (*p) {
		size_t n = strcspn(p, "&");
		if (n >= sizeof item) {
			apierr_set(err, 400, "invalid_request",
				   "query parameter too long: %.32s...", p);
			return -1;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		p += n + (p[n] == '&');
		if (n == 0)
			continue;
		char *eq = strchr(item, '=');
		if (eq)
			*eq = '\0';
		if (take_param(rt, item, eq ? eq + 1 : "", err) < 0)
			return -1;
		/* Only known names get here, all short: a name seen before is a repeat. */
		for (int i = 0; i < given; i++) {
			if (strcmp(seen[i], item) == 0) {
				apierr_set(err, 400, "invalid_request",
					   "query parameter \"%.32s\" given twice", item);
				return -1;
			}
		}
		if (given < 8)
			snprintf(seen[given++], sizeof seen[0], "%s", item);
	}
	return 0;
}

int route_parse(const char *method, const char *path, const char *query, struct route *rt,
		struct apierr *err, const char **allow)
{
	enum resource res;
	memset(rt, 0, sizeof *rt);
	rt->stream = SPOOL_BOTH;
	*allow = NULL;
	if (!method || !path)
		return not_found(err, path ? path : "");
	if (match_path(path, rt, &res, err) < 0)
		return -1;
	if (match_method(method, res, rt, err, allow) < 0)
		return -1;
	return parse_query(query, rt, err);
}
