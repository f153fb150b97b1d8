/*
 * jobspec_run: how a job asks to run, besides its command: its working directory ("cwd"), its
 * extra environment ("env") and its network ("network"). Validated here once for jobapi and
 * jobsupd alike; see jobspec.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jobspec.h"

/* Set by the job worker from the job's account and id, so a request may not: a job could
 * otherwise pass for another user in its own logs. (PATH, HOME and LANG have defaults that a
 * request may replace.) */
static const char *const reserved_env[] = {"JOB_ID", "USER", "LOGNAME"};

#define MAX_ENV_NAME 128

bool jobspec_env_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > MAX_ENV_NAME || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

const char *jobspec_network_name(enum job_network n)
{
	return n == JOB_NET_HOST ? "host" : n == JOB_NET_NONE ? "none" : NULL;
}

int jobspec_network_parse(const char *name, enum job_network *out)
{
	if (name && strcmp(name, "host") == 0)
		*out = JOB_NET_HOST;
	else if (name && strcmp(name, "none") == 0)
		*out = JOB_NET_NONE;
	else
		return -1;
	return 0;
}

static int parse_cwd(const cJSON *c, struct jobspec *out, struct apierr *err)
{
	if (!c)
		return 0;
	if (!cJSON_IsString(c) || c->valuestring[0] != '/') {
		apierr_set(err, 400, "invalid_request",
			   "\"cwd\" must be an absolute path, e.g. \"/srv/build\"");
		return -1;
	}
	if (strlen(c->valuestring) > JOBSPEC_MAX_CWD) {
		apierr_set(err, 400, "invalid_request", "\"cwd\" is longer than %d bytes",
			   JOBSPEC_MAX_CWD);
		return -1;
	}
	if (!(out->cwd = strdup(c->valuestring))) {
		apierr_set(err, 500, "internal", "out of memory");
		return -1;
	}
	return 0;
}

static int check_env_item(const cJSON *item, size_t count, size_t *bytes, struct apierr *err)
{
	const char *name = item->string ? item->string : "";
	if (!jobspec_env_name_ok(name, strlen(name))) {
		apierr_set(err, 400, "invalid_request",
			   "env name \"%.64s\" is not a variable name ([A-Za-z_][A-Za-z0-9_]*, at "
			   "most %d bytes)",
			   name, MAX_ENV_NAME);
		return -1;
	}
	for (size_t i = 0; i < sizeof reserved_env / sizeof *reserved_env; i++) {
		if (strcmp(name, reserved_env[i]) == 0) {
			apierr_set(err, 400, "invalid_request",
				   "env.%s is set by the job worker and cannot be given", name);
			return -1;
		}
	}
	if (!cJSON_IsString(item)) {
		apierr_set(err, 400, "invalid_request", "env.%s must be a string", name);
		return -1;
	}
	*bytes += strlen(name) + 1 + strlen(item->valuestring) + 1;
	if (count > JOBSPEC_MAX_ENV || *bytes > JOBSPEC_MAX_ENV_BYTES) {
		apierr_set(err, 400, "invalid_request",
			   "\"env\" holds at most %d variables of %d bytes together",
			   JOBSPEC_MAX_ENV, JOBSPEC_MAX_ENV_BYTES);
		return -1;
	}
	return 0;
}

static int parse_env(const cJSON *e, struct jobspec *out, struct apierr *err)
{
	const cJSON *item;
	size_t count = 0, bytes = 0;
	if (!e)
		return 0;
	if (!cJSON_IsObject(e)) {
		apierr_set(err, 400, "invalid_request",
			   "\"env\" must be an object of strings, like {\"LANG\": \"C.UTF-8\"}");
		return -1;
	}
	cJSON_ArrayForEach(item, e) {
		if (check_env_item(item, ++count, &bytes, err) < 0)
			return -1;
	}
	if (bytes == 0)
		return 0;
	char *p = out->env = malloc(bytes);
	if (!p) {
		apierr_set(err, 500, "internal", "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(item, e) {
		p = stpcpy(p, item->string);
		*p++ = '=';
		p = stpcpy(p, item->valuestring) + 1;
	}
	out->env_len = bytes;
	return 0;
}

int jobspec_parse_run(const cJSON *obj, struct jobspec *out, struct apierr *err)
{
	const cJSON *net = cJSON_GetObjectItemCaseSensitive(obj, "network");
	if (net &&
	    (!cJSON_IsString(net) || jobspec_network_parse(net->valuestring, &out->network) < 0)) {
		apierr_set(err, 400, "invalid_request", "\"network\" is \"host\" or \"none\"");
		return -1;
	}
	if (parse_cwd(cJSON_GetObjectItemCaseSensitive(obj, "cwd"), out, err) < 0 ||
	    parse_env(cJSON_GetObjectItemCaseSensitive(obj, "env"), out, err) < 0)
		return -1;
	return 0;
}

void jobspec_write_run(struct jw *w, const struct jobspec *s)
{
	if (s->cwd) {
		jw_key(w, "cwd");
		jw_str(w, s->cwd);
	}
	if (s->env_len) {
		jw_key(w, "env");
		jw_obj(w);
		for (const char *p = s->env; p < s->env + s->env_len; p += strlen(p) + 1) {
			const char *eq = strchr(p, '=');
			char name[MAX_ENV_NAME + 1];
			size_t n = (size_t)(eq - p);
			memcpy(name, p, n);
			name[n] = '\0';
			jw_key(w, name);
			jw_str(w, eq + 1);
		}
		jw_obj_end(w);
	}
	if (jobspec_network_name(s->network)) {
		jw_key(w, "network");
		jw_str(w, jobspec_network_name(s->network));
	}
}

int jobspec_set_run(struct jobspec *s, const char *cwd, const char *env, size_t env_len,
		    enum job_network network)
{
	s->network = network;
	if (cwd && !(s->cwd = strdup(cwd)))
		return -1;
	if (env_len) {
		if (!(s->env = malloc(env_len)))
			return -1;
		memcpy(s->env, env, env_len);
		s->env_len = env_len;
	}
	return 0;
}
