/* jobspec: validation of what a client asks to run; see jobspec.h. */
#include "jobspec.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char *const allowed_fields[] = {"command", "timeout_s", "limits",
					     "cwd",	"env",	     "network"};

/* The bounds every spec is held to, whether it came as JSON or from a job to restart. */
static int check_size(size_t argc, size_t bytes, const struct spec_limits *lim, struct apierr *err)
{
	if ((long)argc > lim->max_args) {
		apierr_set(err, 400, "command_too_long",
			   "the command has %zu arguments; the limit is %ld (--max-args)", argc,
			   lim->max_args);
		return -1;
	}
	if ((long)bytes > lim->max_command_bytes) {
		apierr_set(err, 400, "command_too_long",
			   "the command is %zu bytes; the limit is %ld (--max-command-bytes)",
			   bytes, lim->max_command_bytes);
		return -1;
	}
	return 0;
}

static int check_timeout(double d, const struct spec_limits *lim, struct apierr *err)
{
	if (d < 1 || d > (double)lim->max_timeout_s) {
		apierr_set(err, 400, "invalid_request",
			   "\"timeout_s\" must be between 1 and %ld (--max-timeout)",
			   lim->max_timeout_s);
		return -1;
	}
	return 0;
}

static int check_limit(int i, double d, const struct spec_limits *lim, struct apierr *err)
{
	const char *key = limit_info[i].key;
	uint64_t max = limit_get(&lim->max, i);
	if (max == 0 && lim->slurm) {
		apierr_set(
		    err, 400, "invalid_request",
		    "limits.%s cannot be enforced by this job worker (its jobs run on Slurm, "
		    "which enforces memory_bytes and cpu_percent only)",
		    key);
		return -1;
	}
	if (max == 0) {
		apierr_set(err, 400, "invalid_request",
			   "limits.%s cannot be enforced by this job worker (it has no %s)", key,
			   limit_info[i].enforcer);
		return -1;
	}
	if (d > (double)max) {
		apierr_set(err, 400, "invalid_request", "limits.%s must be at most %llu (%s)", key,
			   (unsigned long long)max, limit_info[i].max_flag);
		return -1;
	}
	return 0;
}

static int check_fields(const cJSON *obj, struct apierr *err)
{
	const cJSON *item;
	cJSON_ArrayForEach(item, obj) {
		bool known = false;
		for (size_t i = 0; i < sizeof allowed_fields / sizeof *allowed_fields; i++)
			if (item->string && strcmp(item->string, allowed_fields[i]) == 0)
				known = true;
		if (!known) {
			apierr_set(err, 400, "invalid_request",
				   "unknown field \"%.64s\" (allowed: command, timeout_s, limits, "
				   "cwd, env, network)",
				   item->string ? item->string : "");
			return -1;
		}
	}
	return 0;
}

static int parse_command(const cJSON *cmd, const struct spec_limits *lim, struct jobspec *out,
			 struct apierr *err)
{
	if (!cmd) {
		apierr_set(err, 400, "invalid_request",
			   "\"command\" is required: a non-empty array of strings, e.g. "
			   "[\"ls\", \"-la\"]");
		return -1;
	}
	if (!cJSON_IsArray(cmd)) {
		apierr_set(err, 400, "invalid_request", "\"command\" must be an array of strings");
		return -1;
	}
	size_t argc = 0, bytes = 0;
	const cJSON *arg;
	cJSON_ArrayForEach(arg, cmd) {
		if (!cJSON_IsString(arg)) {
			apierr_set(err, 400, "invalid_request", "command[%zu] must be a string",
				   argc);
			return -1;
		}
		bytes += strlen(arg->valuestring);
		argc++;
	}
	if (argc == 0) {
		apierr_set(err, 400, "invalid_request", "\"command\" must not be empty");
		return -1;
	}
	if (cmd->child->valuestring[0] == '\0') {
		apierr_set(err, 400, "invalid_request", "command[0] must not be empty");
		return -1;
	}
	if (check_size(argc, bytes, lim, err) < 0)
		return -1;

	char **argv = malloc((argc + 1) * sizeof *argv + bytes + argc);
	if (!argv) {
		apierr_set(err, 500, "internal", "out of memory");
		return -1;
	}
	char *p = (char *)(argv + argc + 1);
	size_t i = 0;
	cJSON_ArrayForEach(arg, cmd) {
		size_t n = strlen(arg->valuestring) + 1;
		memcpy(p, arg->valuestring, n);
		argv[i++] = p;
		p += n;
	}
	argv[argc] = NULL;
	out->argv = argv;
	out->argc = argc;
	out->command_bytes = bytes;
	return 0;
}

static int parse_timeout(const cJSON *t, const struct spec_limits *lim, long *out,
			 struct apierr *err)
{
	if (!t) {
		*out = lim->default_timeout_s;
		return 0;
	}
	double d = cJSON_IsNumber(t) ? t->valuedouble : NAN;
	if (!isfinite(d) || d != floor(d)) {
		apierr_set(err, 400, "invalid_request",
			   "\"timeout_s\" must be a whole number of seconds");
		return -1;
	}
	if (check_timeout(d, lim, err) < 0)
		return -1;
	*out = (long)d;
	return 0;
}

static int parse_limits(const cJSON *l, const struct spec_limits *lim, struct job_limits *out,
			struct apierr *err)
{
	const cJSON *item;
	*out = lim->deflt;
	if (!l)
		return 0;
	if (!cJSON_IsObject(l)) {
		apierr_set(err, 400, "invalid_request",
			   "\"limits\" must be an object like {\"memory_bytes\": 268435456, "
			   "\"cpu_percent\": 50}");
		return -1;
	}
	cJSON_ArrayForEach(item, l) {
		int i = limit_by_key(item->string);
		if (i < 0) {
			apierr_set(err, 400, "invalid_request",
				   "unknown limit \"%.64s\" (allowed: %s)",
				   item->string ? item->string : "", LIMIT_KEYS);
			return -1;
		}
		double d = cJSON_IsNumber(item) ? item->valuedouble : NAN;
		if (!isfinite(d) || d != floor(d) || d < 1) {
			apierr_set(err, 400, "invalid_request",
				   "limits.%s must be a whole number, at least 1",
				   limit_info[i].key);
			return -1;
		}
		if (check_limit(i, d, lim, err) < 0)
			return -1;
		limit_set(out, i, (uint64_t)d);
	}
	return 0;
}

int jobspec_from_json(const cJSON *obj, const struct spec_limits *lim, struct jobspec *out,
		      struct apierr *err)
{
	memset(out, 0, sizeof *out);
	if (!cJSON_IsObject(obj)) {
		apierr_set(err, 400, "invalid_request",
			   "the body must be a JSON object like {\"command\": [\"ls\", \"-la\"]}");
		return -1;
	}
	if (check_fields(obj, err) < 0)
		return -1;
	long timeout;
	struct job_limits limits;
	if (parse_timeout(cJSON_GetObjectItemCaseSensitive(obj, "timeout_s"), lim, &timeout, err))
		return -1;
	if (parse_limits(cJSON_GetObjectItemCaseSensitive(obj, "limits"), lim, &limits, err) < 0)
		return -1;
	if (parse_command(cJSON_GetObjectItemCaseSensitive(obj, "command"), lim, out, err) < 0)
		return -1;
	if (jobspec_parse_run(obj, out, err) < 0) {
		jobspec_free(out);
		return -1;
	}
	out->timeout_s = timeout;
	out->limits = limits;
	return 0;
}

int jobspec_parse(const char *body, size_t len, const struct spec_limits *lim, struct jobspec *out,
		  struct apierr *err)
{
	const char *why;
	memset(out, 0, sizeof *out);
	switch (json_check_text(body, len, &why)) {
	case JSON_TEXT_INVALID:
		apierr_set(err, 400, "invalid_json", "the body is not valid JSON: %s", why);
		return -1;
	case JSON_TEXT_NUL:
		apierr_set(err, 400, "invalid_request", "%s", why);
		return -1;
	case JSON_TEXT_OK:
		break;
	}
	cJSON *obj = json_parse(body, len);
	if (!obj) {
		apierr_set(err, 400, "invalid_json",
			   len == 0 ? "the body is empty; send a JSON object like "
				      "{\"command\": [\"ls\"]}"
				    : "the body is not valid JSON");
		return -1;
	}
	int rc = jobspec_from_json(obj, lim, out, err);
	cJSON_Delete(obj);
	return rc;
}

int jobspec_from_args(const char *args, size_t len, long timeout_s, const struct job_limits *limits,
		      struct jobspec *out)
{
	size_t argc = 0;
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < len; i++)
		argc += args[i] == '\0';
	if (argc == 0 || args[len - 1] != '\0') {
		errno = EINVAL;
		return -1;
	}
	char **argv = malloc((argc + 1) * sizeof *argv + len);
	if (!argv)
		return -1;
	char *p = (char *)(argv + argc + 1);
	memcpy(p, args, len);
	for (size_t i = 0; i < argc; i++) {
		argv[i] = p;
		p += strlen(p) + 1;
	}
	argv[argc] = NULL;
	out->argv = argv;
	out->argc = argc;
	out->command_bytes = len - argc;
	out->timeout_s = timeout_s;
	out->limits = *limits;
	return 0;
}

int jobspec_check(const struct jobspec *s, const struct spec_limits *lim, struct apierr *err)
{
	if (check_size(s->argc, s->command_bytes, lim, err) < 0 ||
	    check_timeout((double)s->timeout_s, lim, err) < 0)
		return -1;
	for (int i = 0; i < NLIMITS; i++)
		if (limit_get(&s->limits, i) &&
		    check_limit(i, (double)limit_get(&s->limits, i), lim, err) < 0)
			return -1;
	return 0;
}

void jobspec_free(struct jobspec *s)
{
	free(s->argv);
	free(s->cwd);
	free(s->env);
	s->argv = NULL;
	s->cwd = s->env = NULL;
	s->argc = s->env_len = 0;
}

void jobspec_write_command(struct jw *w, const struct jobspec *s)
{
	jw_arr(w);
	for (size_t i = 0; i < s->argc; i++)
		jw_str(w, s->argv[i]);
	jw_arr_end(w);
}

void jobspec_write_limits(struct jw *w, const struct job_limits *l)
{
	jw_obj(w);
	for (int i = 0; i < NLIMITS; i++) {
		jw_key(w, limit_info[i].key);
		if (limit_get(l, i))
			jw_int(w, (long long)limit_get(l, i));
		else
			jw_null(w);
	}
	jw_obj_end(w);
}

void jobspec_write(struct jw *w, const struct jobspec *s)
{
	jw_obj(w);
	jw_key(w, "command");
	jobspec_write_command(w, s);
	jw_key(w, "timeout_s");
	jw_int(w, s->timeout_s);
	/* Only the limits that are set: null is not something a request may say. */
	jw_key(w, "limits");
	jw_obj(w);
	for (int i = 0; i < NLIMITS; i++) {
		if (limit_get(&s->limits, i)) {
			jw_key(w, limit_info[i].key);
			jw_int(w, (long long)limit_get(&s->limits, i));
		}
	}
	jw_obj_end(w);
	jobspec_write_run(w, s);
	jw_obj_end(w);
}
