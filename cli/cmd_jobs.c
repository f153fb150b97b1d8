/*
 * cmd_jobs: the commands that start jobs: start (options, limits from the limits table, the
 * command after them) and restart.
 */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "buf.h"
#include "call.h"
#include "json.h"
#include "jobctl.h"
#include "proto.h"
#include "show.h"
#include "size.h"

#define MAX_TIMEOUT_S (100L * 365 * 86400)

void help_start(FILE *f)
{
	fputs("usage: jobctl start [--timeout S] [limits] [-f] -- CMD [ARG...]\n"
	      "Start CMD as a job (executed directly, no shell) and print its id. It is queued\n"
	      "when the running limit is reached.\n"
	      "  --timeout S   stop the job after S seconds (default: the server's)\n",
	      f);
	for (int i = 0; i < NLIMITS; i++) {
		char opt[64];
		snprintf(opt, sizeof opt, "%s %s", limit_info[i].start_flag, limit_metavar(i));
		fprintf(f, "  %-15s %s\n", opt, limit_info[i].help);
	}
	fputs("                (limits the server cannot enforce are refused)\n"
	      "  --cwd DIR     run in DIR (absolute; default: your work directory on the server)\n"
	      "  --env NAME=VALUE  add a variable to the job's environment (repeatable)\n"
	      "  --no-network  no network but loopback (a network namespace of its own)\n"
	      "  -f, --follow  print the job's output as it is written, then exit with the job's\n"
	      "                status, as systemd-run --wait --pipe does. Ctrl-C stops following,\n"
	      "                not the job.\n",
	      f);
}

void help_restart(FILE *f)
{
	fputs("usage: jobctl restart ID\n"
	      "Start a new job with the command, timeout and limits of job ID (which stays\n"
	      "in the log, unchanged), and print the new id.\n",
	      f);
}

/* A limit's value; a size over the most any server takes is refused here, a smaller one that
 * this server will not take is refused by it, with its own limit in the message. */
static int take_limit(int i, const char *v, struct job_limits *l)
{
	const struct limit_info *li = &limit_info[i];
	uint64_t n;
	if (limit_parse(i, v, &n) == 0) {
		limit_set(l, i, n);
		return 0;
	}
	if (size_parse(v, limit_takes_size(i), &n) == 0 && n > li->most) {
		char most[32];
		limit_format(i, li->most, most, sizeof most);
		return args_usage("start", "%s is at most %s, not \"%s\"", li->start_flag, most, v);
	}
	return args_usage("start", "%s wants %s, not \"%s\"", li->start_flag,
			  limit_takes_size(i) ? "a size like 256M" : "a whole number, at least 1",
			  v);
}

/* --cwd (0), --env (1), --no-network (2): checked here as the server would, so that a
 * mistake is a usage error. */
static int take_run_option(int which, const char *v, struct start_args *out)
{
	if (which == 2) {
		out->no_network = true;
		return 0;
	}
	if (which == 0) {
		if (v[0] != '/')
			return args_usage("start", "--cwd wants an absolute path, not \"%s\"", v);
		out->cwd = v;
		return 0;
	}
	const char *eq = strchr(v, '=');
	if (!eq || !jobspec_env_name_ok(v, (size_t)(eq - v)))
		return args_usage("start",
				  "--env wants NAME=VALUE, NAME of A-Z, a-z, 0-9 and _ (not "
				  "first a digit), not \"%s\"",
				  v);
	if (out->nenv == JOBSPEC_MAX_ENV)
		return args_usage("start", "at most %d --env", JOBSPEC_MAX_ENV);
	out->env[out->nenv++] = v;
	return 0;
}

int start_parse(struct jobctl *x, int argc, char **argv, struct start_args *out)
{
	enum { O_FOLLOW, O_TIMEOUT, O_CWD, O_ENV, O_NO_NETWORK, O_LIMIT };
	struct opt opts[O_LIMIT + NLIMITS + 1] = {{"--follow", "-f", false},
						  {"--timeout", NULL, true},
						  {"--cwd", NULL, true},
						  {"--env", NULL, true},
						  {"--no-network", NULL, false}};
	for (int i = 0; i < NLIMITS; i++)
		opts[O_LIMIT + i] = (struct opt){limit_info[i].start_flag, NULL, true};
	opts[O_LIMIT + NLIMITS] = (struct opt){NULL, NULL, false};

	struct args a;
	args_init(&a, x, "start", opts, argc, argv);
	a.words_end = true;
	*out = (struct start_args){.timeout = -1};
	for (int o; (o = args_next(&a)) != ARG_END;) {
		if (o == ARG_HELP || o == ARG_ERROR)
			return args_halt(o, &out->help);
		if (o == O_FOLLOW) {
			out->follow = true;
		} else if (o == O_CWD || o == O_ENV || o == O_NO_NETWORK) {
			if (take_run_option(o - O_CWD, a.value, out) < 0)
				return -1;
		} else if (o == O_TIMEOUT) {
			out->timeout = args_seconds(a.value, MAX_TIMEOUT_S);
			if (out->timeout < 1)
				return args_usage("start", "--timeout wants a whole number of "
							   "seconds, at least 1");
		} else if (take_limit(o - O_LIMIT, a.value, &out->limits) < 0) {
			return -1;
		}
	}
	if (a.i >= argc)
		return args_usage("start", "start needs a command, e.g. jobctl start -- ls -la");
	out->argc = argc - a.i;
	out->argv = argv + a.i;
	return 0;
}

/* "cwd", "env" and "network", when asked for. */
static void start_body_run(const struct start_args *s, struct jw *w)
{
	if (s->cwd) {
		jw_key(w, "cwd");
		jw_str(w, s->cwd);
	}
	if (s->nenv) {
		jw_key(w, "env");
		jw_obj(w);
		for (int i = 0; i < s->nenv; i++) {
			const char *eq = strchr(s->env[i], '=');
			char name[160];
			snprintf(name, sizeof name, "%.*s", (int)(eq - s->env[i]), s->env[i]);
			jw_key(w, name);
			jw_str(w, eq + 1);
		}
		jw_obj_end(w);
	}
	if (s->no_network) {
		jw_key(w, "network");
		jw_str(w, "none");
	}
}

/* The body of POST /jobs: {"command": [...], "timeout_s": S, "limits": {...}}. */
static void start_body(const struct start_args *s, struct buf *body)
{
	struct jw w;
	bool any_limit = false;
	jw_init(&w, body);
	jw_obj(&w);
	jw_key(&w, "command");
	jw_arr(&w);
	for (int k = 0; k < s->argc; k++)
		jw_str(&w, s->argv[k]);
	jw_arr_end(&w);
	if (s->timeout > 0) {
		jw_key(&w, "timeout_s");
		jw_int(&w, s->timeout);
	}
	start_body_run(s, &w);
	for (int i = 0; i < NLIMITS; i++) {
		if (!limit_get(&s->limits, i))
			continue;
		if (!any_limit) {
			jw_key(&w, "limits");
			jw_obj(&w);
			any_limit = true;
		}
		jw_key(&w, limit_info[i].key);
		jw_int(&w, (long long)limit_get(&s->limits, i));
	}
	if (any_limit)
		jw_obj_end(&w);
	jw_obj_end(&w);
	buf_putc(body, '\0');
}

/* start -f: the output as it is written, then the job's end and its status. */
static int follow_job(struct jobctl *x, const char *id)
{
	cJSON *job;
	int rc = call_stream_output(x, id, &(struct output_opts){.follow = true});
	if (rc)
		return rc;
	/* The stream ends when the job has: this answers at once with its final state. */
	rc = call_wait(x, id, -1, &job);
	if (rc == 0) {
		show_job_line(stderr, job);
		rc = jobview_status(job);
	}
	cJSON_Delete(job);
	return rc;
}

int cmd_start(struct jobctl *x, int argc, char **argv)
{
	struct start_args s;
	if (start_parse(x, argc, argv, &s) < 0)
		return EXIT_USAGE;
	if (s.help) {
		help_start(stdout);
		return 0;
	}
	struct buf body = BUF_INIT;
	start_body(&s, &body);
	if (!buf_ok(&body)) {
		call_error("out of memory");
		return EXIT_REFUSED;
	}
	cJSON *job;
	int rc = call_json(x, "POST", "/jobs", buf_head(&body), &job, !s.follow);
	buf_free(&body);
	if (rc)
		return rc;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(job, "id");
	if (!cJSON_IsString(id) || !proto_id_valid(id->valuestring)) {
		cJSON_Delete(job);
		call_error("unexpected answer from the server (no job id)");
		return EXIT_REFUSED;
	}
	char idbuf[PROTO_MAX_ID + 1];
	snprintf(idbuf, sizeof idbuf, "%s", id->valuestring);
	cJSON_Delete(job);
	if (s.follow)
		return follow_job(x, idbuf);
	if (!x->json)
		printf("%s\n", idbuf);
	return 0;
}

int cmd_restart(struct jobctl *x, int argc, char **argv)
{
	const char *id;
	bool help;
	if (args_one_id(x, "restart", argc, argv, &id, &help) < 0)
		return EXIT_USAGE;
	if (help) {
		help_restart(stdout);
		return 0;
	}
	char path[128];
	snprintf(path, sizeof path, "/jobs/%s/restart", id);
	cJSON *job;
	int rc = call_json(x, "POST", path, "", &job, true);
	if (rc == 0 && !x->json)
		printf("%s\n", cJSON_GetStringValue(cJSON_GetObjectItem(job, "id")));
	cJSON_Delete(job);
	return rc;
}
