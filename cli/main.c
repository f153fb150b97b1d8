/*
 * jobctl: the job worker's command-line client. Parses the command line, calls the API over
 * HTTPS (api.c) and prints what came back for people (show.c) or as JSON (--json).
 *
 * Exit status: 0 done, 1 the API refused (the message says why), 2 usage, 3 no answer
 * (cannot connect, TLS refused); wait and start -f exit with the job's own status.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "rest.h"
#include "buf.h"
#include "config.h"
#include "json.h"
#include "jobview.h"
#include "proto.h"
#include "show.h"

#ifndef JOBCTL_CERTDIR
#define JOBCTL_CERTDIR "certs"
#endif
#ifndef JOBWORKER_VERSION
#define JOBWORKER_VERSION "unknown"
#endif

enum { EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_NO_ANSWER = 3, EXIT_TIMED_OUT = JOBVIEW_TIMED_OUT };

struct ctx {
	struct rest_conf conf;
	struct settings st;
	bool json;
	bool color; /* on a terminal, unless NO_COLOR */
};

static const char usage_main[] =
    "usage: jobctl [options] COMMAND [ARGS]\n"
    "\n"
    "Run and watch jobs on a job worker over HTTPS with your client certificate.\n"
    "\n"
    "commands:\n"
    "  start [--timeout S] [limits] [-f] -- CMD [ARG...]   start a job; prints its id\n"
    "  list [--all] [--state S] [--owner NAME]\n"
    "                              your running and queued jobs (all jobs, for an admin);\n"
    "                              --all: finished ones too\n"
    "  status ID                   one job, with its output once it has ended\n"
    "  logs                        the job log: active jobs and the most recent finished ones\n"
    "  logs [-f] ID                a job's output, raw, as it was written (-f: follow it)\n"
    "  wait [--timeout S] ID       wait for a job to end; exit with its exit status\n"
    "  stop [--signal SIG] ID      stop a job: SIGTERM (or SIG), then SIGKILL after the grace\n"
    "                              period\n"
    "  stop --all                  stop all your running and queued jobs\n"
    "  restart ID                  start a new job with the same command and limits\n"
    "  config                      the settings in effect, and where each comes from\n"
    "\n"
    "options (anywhere before --):\n"
    "  --url URL        the job worker (JOBCTL_URL; default https://localhost:8443)\n"
    "  --cert FILE      client certificate (JOBCTL_CERT; default certs/user1.crt)\n"
    "  --key FILE       its private key (JOBCTL_KEY; default certs/user1.key)\n"
    "  --cacert FILE    the CA that signed the server's certificate (JOBCTL_CACERT;\n"
    "                   default certs/ca.crt); default certificates are the checkout's\n"
    "  --json           print the API's JSON instead of tables\n"
    "  -h, --help       this help; `jobctl COMMAND --help` for one command\n"
    "  --version        jobctl's version\n"
    "\n"
    "settings: flags, then JOBCTL_* variables, then $XDG_CONFIG_HOME/jobctl/config\n"
    "(key = value: url, cert, key, cacert), then the defaults; see `jobctl config`.\n"
    "Tables use colour on a terminal, unless NO_COLOR is set.\n"
    "\n"
    "exit status: 0 done, 1 the API refused, 2 usage, 3 cannot connect or TLS failed;\n"
    "wait and start -f exit with the job's status (128+N for signal N, 124 for a timeout).\n";

static const struct {
	const char *name;
	const char *help;
} command_help[] = {
    {"start", "usage: jobctl start [--timeout S] [limits] [-f] -- CMD [ARG...]\n"
	      "Start CMD as a job (executed directly, no shell) and print its id. It is queued\n"
	      "when the running limit is reached.\n"
	      "  --timeout S   stop the job after S seconds (default: the server's)\n"
	      "  --memory SIZE   memory limit, e.g. 256M (K, M, G: powers of 1024)\n"
	      "  --cpu PERCENT   CPU limit, percent of one CPU (200: two CPUs)\n"
	      "  --pids N        most processes and threads at once\n"
	      "  --io SIZE       disk bytes per second, read and write each, e.g. 10M\n"
	      "                (limits the server cannot enforce are refused)\n"
	      "  -f, --follow  print the job's output as it is written, then exit with the job's\n"
	      "                status, as systemd-run --wait --pipe does. Ctrl-C stops following,\n"
	      "                not the job.\n"},
    {"stop", "usage: jobctl stop [--signal SIG] ID | jobctl stop --all\n"
	     "Stop a job, or all your running and queued jobs: SIGTERM to its processes (or\n"
	     "SIG: TERM, INT, HUP, QUIT, USR1, USR2, KILL), then SIGKILL after the server's\n"
	     "grace period. Prints each job's final state.\n"},
    {"list", "usage: jobctl list [--all] [--state S] [--owner NAME]\n"
	     "Your running and queued jobs, oldest first (every user's, for an admin).\n"
	     "  -a, --all       the whole log: finished jobs too, newest first\n"
	     "  --state S       only jobs in state S (queued, running, succeeded, failed,\n"
	     "                  stopped, timed_out)\n"
	     "  --owner NAME    only NAME's jobs (an admin sees everyone's)\n"},
    {"restart", "usage: jobctl restart ID\n"
		"Start a new job with the command, timeout and limits of job ID (which stays\n"
		"in the log, unchanged), and print the new id.\n"},
    {"config", "usage: jobctl config\n"
	       "Print the settings in effect (url, cert, key, cacert) and where each comes\n"
	       "from: a flag, a JOBCTL_* variable, the config file, or the default.\n"},
    {"status", "usage: jobctl status ID\n"
	       "One job's details; once it has ended, also its output (escaped for the "
	       "terminal).\n"},
    {"logs", "usage: jobctl logs | jobctl logs [-f] ID\n"
	     "Without ID: the job log, newest first: active jobs and the most recent finished\n"
	     "ones. With ID: the job's kept output, raw bytes exactly as written, to stdout.\n"
	     "  -f, --follow  keep printing new output as the job writes it, until it ends.\n"
	     "                Ctrl-C stops following, not the job.\n"},
    {"wait", "usage: jobctl wait [--timeout S] ID\n"
	     "Wait until the job ends, print its final state and exit with its status: its\n"
	     "exit code, 128+N when a signal N ended it, 124 when it timed out or when S\n"
	     "seconds passed first. Ctrl-C stops waiting, not the job.\n"},
};

static void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void errorf(const char *fmt, ...)
{
	va_list ap;
	fputs("jobctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fputs("jobctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'jobctl %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

static int print_help(const char *cmd)
{
	for (size_t i = 0; i < sizeof command_help / sizeof *command_help; i++) {
		if (cmd && strcmp(cmd, command_help[i].name) == 0) {
			fputs(command_help[i].help, stdout);
			return 0;
		}
	}
	fputs(usage_main, stdout);
	return 0;
}

/* Calls */

/*
 * Make a call and check its answer: 0 with the parsed JSON in *out (when out is not NULL), or
 * the exit status after saying what went wrong. With --json, the body is printed as it came.
 */
static int call(struct ctx *x, const char *method, const char *path, const char *body, cJSON **out,
		bool print_json)
{
	struct rest_resp r;
	int rc = 0;

	if (out)
		*out = NULL;
	if (rest_call(&x->conf, method, path, body, NULL, NULL, &r) < 0) {
		errorf("%s", r.failure);
		rest_resp_free(&r);
		return EXIT_NO_ANSWER;
	}
	cJSON *json = cJSON_ParseWithLength(buf_head(&r.body), buf_used(&r.body));
	if (r.status < 200 || r.status > 299) {
		char msg[512];
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(json, "error"), "code");
		rest_error_message(&r, msg, sizeof msg);
		struct buf esc = BUF_INIT;
		show_escape(&esc, msg, strlen(msg), false);
		buf_putc(&esc, '\0');
		errorf("%s", buf_ok(&esc) ? buf_head(&esc) : "error");
		buf_free(&esc);
		/* A refused certificate is a TLS failure, whatever layer noticed it. */
		rc = cJSON_IsString(code) && strcmp(code->valuestring, "bad_certificate") == 0
			 ? EXIT_NO_ANSWER
			 : EXIT_REFUSED;
	} else if (!json) {
		errorf("unexpected answer from the server (HTTP %ld, not JSON)", r.status);
		rc = EXIT_REFUSED;
	} else if (print_json && x->json) {
		fwrite(buf_head(&r.body), 1, buf_used(&r.body), stdout);
	}
	if (rc == 0 && out)
		*out = json;
	else
		cJSON_Delete(json);
	rest_resp_free(&r);
	return rc;
}

static int check_id(const char *cmd, const char *id)
{
	if (!id)
		return usage_error(cmd, "%s needs a job id", cmd);
	if (!proto_id_valid(id))
		return usage_error(
		    cmd, "not a job id: \"%s\" (ids are made of A-Z, a-z, 0-9, _ and -)", id);
	return 0;
}

/* Output streams */

static int write_out(void *ctx, const char *p, size_t n)
{
	bool flush = *(bool *)ctx;
	if (fwrite(p, 1, n, stdout) != n)
		return -1;
	return flush && fflush(stdout) != 0 ? -1 : 0;
}

static int collect(void *ctx, const char *p, size_t n)
{
	buf_append(ctx, p, n);
	return buf_ok(ctx) ? 0 : -1;
}

/* A finished job's output under its details, escaped. */
static int print_output(struct ctx *x, const char *id)
{
	char path[128];
	struct rest_resp r;
	struct buf out = BUF_INIT;
	int rc = 0;
	snprintf(path, sizeof path, "/jobs/%s/output", id);
	if (rest_call(&x->conf, "GET", path, NULL, collect, &out, &r) < 0) {
		errorf("%s", r.failure);
		rc = EXIT_NO_ANSWER;
	} else if (r.status == 200) {
		show_output(stdout, buf_head(&out), buf_used(&out));
	}
	rest_resp_free(&r);
	buf_free(&out);
	return rc;
}

static int stream_output(struct ctx *x, const char *id, bool follow)
{
	char path[128];
	struct rest_resp r;
	snprintf(path, sizeof path, "/jobs/%s/output%s", id, follow ? "?follow=1" : "");
	int rc = rest_call(&x->conf, "GET", path, NULL, write_out, &follow, &r);
	if (rc < 0) {
		errorf("%s", r.failure);
		rest_resp_free(&r);
		return EXIT_NO_ANSWER;
	}
	fflush(stdout);
	if (r.status != 200) {
		char msg[512];
		rest_error_message(&r, msg, sizeof msg);
		errorf("%s", msg);
		rc = EXIT_REFUSED;
	}
	rest_resp_free(&r);
	return rc;
}

/* Wait for the job to end, re-asking within the server's 60 s bound; timeout_s < 0: forever.
 * 0 with the final job in *out, EXIT_TIMED_OUT with the job as it is, or an exit status. */
static int wait_for_end(struct ctx *x, const char *id, long timeout_s, cJSON **out)
{
	time_t deadline = time(NULL) + (timeout_s < 0 ? 0 : timeout_s);
	*out = NULL;
	for (;;) {
		long left = timeout_s < 0 ? PROTO_MAX_WAIT_S : (long)(deadline - time(NULL));
		char path[128];
		cJSON *job;
		if (left < 0)
			left = 0;
		snprintf(path, sizeof path, "/jobs/%s?wait=%ld", id,
			 left > PROTO_MAX_WAIT_S ? (long)PROTO_MAX_WAIT_S : left);
		int rc = call(x, "GET", path, NULL, &job, false);
		if (rc)
			return rc;
		cJSON_Delete(*out);
		*out = job;
		if (!jobview_active(job))
			return 0;
		if (timeout_s >= 0 && time(NULL) >= deadline)
			return EXIT_TIMED_OUT;
	}
}

/* Options */

/* A global option at argv[*i]: 1 taken (and *i moved past its value), 0 not one, -1 error. */
static int take_global(struct ctx *x, int argc, char **argv, int *i)
{
	static const char *const flags[SET_COUNT] = {"--url", "--cert", "--key", "--cacert"};
	const char **fields[SET_COUNT] = {&x->conf.url, &x->conf.cert, &x->conf.key,
					  &x->conf.cacert};
	const char *a = argv[*i];
	if (strcmp(a, "--json") == 0) {
		x->json = true;
		return 1;
	}
	for (int k = 0; k < SET_COUNT; k++) {
		size_t n = strlen(flags[k]);
		if (strncmp(a, flags[k], n) != 0 || (a[n] != '\0' && a[n] != '='))
			continue;
		const char *v = a[n] == '=' ? a + n + 1 : (*i + 1 < argc ? argv[++*i] : NULL);
		if (!v || !*v) {
			usage_error(NULL, "%s needs a value", flags[k]);
			return -1;
		}
		settings_flag(&x->st, k, v, flags[k]);
		*fields[k] = v;
		return 1;
	}
	return 0;
}

/* A dash argument of a command that is not one of its own: a global option, or an error.
 * 0 when taken, else the exit status. */
static int other_option(struct ctx *x, const char *cmd, int argc, char **argv, int *i)
{
	int g = take_global(x, argc, argv, i);
	if (g > 0)
		return 0;
	if (g < 0)
		return EXIT_USAGE;
	return usage_error(cmd, "unknown option for %s: %s", cmd, argv[*i]);
}

/* Commands */

/* Whole seconds from 0 to max, or -1. */
static long parse_seconds(const char *s, long max)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : -1;
	if (!s || errno || end == s || *end || v < 0 || v > max)
		return -1;
	return v;
}

/* The value of "--name V" or "--name=V" at argv[*i], moving *i past it; NULL when a is not
 * that option; "" when the value is missing. */
static const char *option_value(const char *name, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (strncmp(a, name, n) != 0 || (a[n] != '\0' && a[n] != '='))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	return *i + 1 < argc ? argv[++*i] : "";
}

static void print_json(const cJSON *v)
{
	char *text = cJSON_PrintUnformatted(v);
	if (text)
		printf("%s\n", text);
	free(text);
}

/* A size like 256M or 1G (powers of 1024), or a plain number; 0 when it is not one. */
static uint64_t parse_size(const char *s)
{
	if (!s || !isdigit((unsigned char)*s)) /* strtoull would take "-5", " 5" or "+5" */
		return 0;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return 0;
	unsigned shift = 0;
	switch (*end) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	case 'T':
	case 't':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return 0;
	}
	if (shift && *++end == 'i')
		end++;
	if (shift && *end == 'B')
		end++;
	if (*end || v > (UINT64_MAX >> shift))
		return 0;
	return (uint64_t)v << shift;
}

static int cmd_start(struct ctx *x, int argc, char **argv)
{
	long timeout = -1;
	bool follow = false;
	static const struct {
		const char *flag, *key;
		bool size;
	} limit_flags[] = {
	    {"--memory", "memory_bytes", true},
	    {"--cpu", "cpu_percent", false},
	    {"--pids", "pids", false},
	    {"--io", "io_bytes_per_s", true},
	};
	uint64_t limits[4] = {0};
	int i = 0;
	/* Options end at "--" or at the first word of the command. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = NULL;
		size_t k = 0;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "-f") == 0 || strcmp(a, "--follow") == 0) {
			follow = true;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return print_help("start");
		if ((v = option_value("--timeout", argc, argv, &i))) {
			timeout = parse_seconds(v, 100L * 365 * 86400);
			if (timeout < 1)
				return usage_error("start", "--timeout wants a whole number of "
							    "seconds, at least 1");
			continue;
		}
		while (k < 4 && !(v = option_value(limit_flags[k].flag, argc, argv, &i)))
			k++;
		if (k < 4) {
			char *end = "";
			limits[k] = limit_flags[k].size ? parse_size(v) : strtoull(v, &end, 10);
			if (limits[k] == 0 || *end || *v == '-')
				return usage_error(
				    "start", "%s wants %s, not \"%s\"", limit_flags[k].flag,
				    limit_flags[k].size ? "a size like 256M"
							: "a whole number, at least 1",
				    v);
			continue;
		}
		if (other_option(x, "start", argc, argv, &i))
			return EXIT_USAGE;
	}
	bool any_limit = false;
	for (size_t k = 0; k < 4; k++)
		any_limit |= limits[k] != 0;
	if (i >= argc)
		return usage_error("start", "start needs a command, e.g. jobctl start -- ls -la");

	struct buf body = BUF_INIT;
	struct jw w;
	jw_init(&w, &body);
	jw_obj(&w);
	jw_key(&w, "command");
	jw_arr(&w);
	for (int k = i; k < argc; k++)
		jw_str(&w, argv[k]);
	jw_arr_end(&w);
	if (timeout > 0) {
		jw_key(&w, "timeout_s");
		jw_int(&w, timeout);
	}
	if (any_limit) {
		jw_key(&w, "limits");
		jw_obj(&w);
		for (size_t k = 0; k < 4; k++) {
			if (!limits[k])
				continue;
			jw_key(&w, limit_flags[k].key);
			jw_int(&w, (long long)limits[k]);
		}
		jw_obj_end(&w);
	}
	jw_obj_end(&w);
	buf_putc(&body, '\0');
	if (!buf_ok(&body)) {
		errorf("out of memory");
		return EXIT_REFUSED;
	}

	cJSON *job;
	int rc = call(x, "POST", "/jobs", buf_head(&body), &job, !follow);
	buf_free(&body);
	if (rc)
		return rc;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(job, "id");
	if (!cJSON_IsString(id) || !proto_id_valid(id->valuestring)) {
		cJSON_Delete(job);
		errorf("unexpected answer from the server (no job id)");
		return EXIT_REFUSED;
	}
	char idbuf[PROTO_MAX_ID + 1];
	snprintf(idbuf, sizeof idbuf, "%s", id->valuestring);
	if (!follow) {
		if (!x->json)
			printf("%s\n", idbuf);
		cJSON_Delete(job);
		return 0;
	}
	cJSON_Delete(job);
	rc = stream_output(x, idbuf, true);
	if (rc)
		return rc;
	/* The stream ends when the job has: this answers at once with its final state. */
	rc = wait_for_end(x, idbuf, -1, &job);
	if (rc == 0) {
		show_job_line(stderr, job);
		rc = jobview_status(job);
	}
	cJSON_Delete(job);
	return rc;
}

static int cmd_stop(struct ctx *x, int argc, char **argv)
{
	bool all = false;
	const char *id = NULL, *sig = NULL, *v;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = true;
		else if ((v = option_value("--signal", argc, argv, &i)) ||
			 (v = option_value("-s", argc, argv, &i)))
			sig = v;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return print_help("stop");
		else if (argv[i][0] == '-') {
			if (other_option(x, "stop", argc, argv, &i))
				return EXIT_USAGE;
		} else if (id)
			return usage_error("stop", "stop takes one job id");
		else
			id = argv[i];
	}
	if (all && id)
		return usage_error("stop", "give a job id or --all, not both");
	if (!all) {
		int rc = check_id("stop", id);
		if (rc)
			return rc;
	}
	if (sig && all)
		return usage_error("stop", "--signal stops one job");
	if (sig && !proto_stop_signal(strncmp(sig, "SIG", 3) == 0 ? sig + 3 : sig))
		return usage_error("stop",
				   "--signal is TERM, INT, HUP, QUIT, USR1, USR2 or KILL, "
				   "not \"%s\"",
				   sig);
	char path[128];
	if (all)
		snprintf(path, sizeof path, "/jobs");
	else
		snprintf(path, sizeof path, "/jobs/%s%s%s", id, sig ? "?signal=" : "",
			 sig ? sig : "");
	cJSON *res;
	int rc = call(x, "DELETE", path, NULL, &res, true);
	if (rc || x->json) {
		cJSON_Delete(res);
		return rc;
	}
	if (all) {
		const cJSON *jobs = cJSON_GetObjectItemCaseSensitive(res, "jobs"), *j;
		if (cJSON_GetArraySize(jobs) == 0)
			printf("no running or queued jobs to stop\n");
		cJSON_ArrayForEach(j, jobs)
			show_job_line(stdout, j);
	} else {
		show_job_line(stdout, res);
	}
	cJSON_Delete(res);
	return 0;
}

static const char *const states[] = {"queued", "running", "succeeded",
				     "failed", "stopped", "timed_out"};

/* list [--all] [--state S] [--owner NAME], and logs without an id (log: the whole log). */
static int cmd_list(struct ctx *x, int argc, char **argv, bool log)
{
	const char *cmd = log ? "logs" : "list";
	struct table_opts o = {.finished = log, .color = x->color, .now = time(NULL)};
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return print_help(cmd);
		if (a[0] != '-')
			return usage_error(cmd, "unexpected argument for %s: %s", cmd, a);
		if (!log && (strcmp(a, "--all") == 0 || strcmp(a, "-a") == 0)) {
			o.finished = log = true;
		} else if ((v = option_value("--state", argc, argv, &i))) {
			size_t k = 0;
			while (k < sizeof states / sizeof *states && strcmp(v, states[k]) != 0)
				k++;
			if (k == sizeof states / sizeof *states)
				return usage_error(cmd,
						   "--state is one of queued, running, succeeded, "
						   "failed, stopped, timed_out; not \"%s\"",
						   v);
			o.state = v;
		} else if ((v = option_value("--owner", argc, argv, &i))) {
			if (!*v)
				return usage_error(cmd, "--owner needs a name");
			o.owner = v;
		} else if (other_option(x, cmd, argc, argv, &i)) {
			return EXIT_USAGE;
		}
	}
	/* A finished state is only in the log. */
	if (o.state && strcmp(o.state, "queued") != 0 && strcmp(o.state, "running") != 0)
		log = o.finished = true;
	cJSON *res;
	int rc = call(x, "GET", log ? "/jobs/logs" : "/jobs", NULL, &res, !o.state && !o.owner);
	if (rc) {
		cJSON_Delete(res);
		return rc;
	}
	cJSON *jobs = cJSON_GetObjectItemCaseSensitive(res, log ? "logs" : "jobs");
	show_filter(jobs, o.state, o.owner);
	if (x->json && (o.state || o.owner)) {
		char *text = cJSON_PrintUnformatted(res);
		if (text)
			printf("%s\n", text);
		free(text);
	} else if (!x->json) {
		if (cJSON_GetArraySize(jobs) == 0)
			printf(log ? "no jobs in the log%s\n" : "no running or queued jobs%s\n",
			       o.state || o.owner ? " match" : "");
		else
			show_jobs_table(stdout, jobs, &o);
	}
	cJSON_Delete(res);
	return 0;
}

static int cmd_ls(struct ctx *x, int argc, char **argv)
{
	return cmd_list(x, argc, argv, false);
}

static int cmd_logs(struct ctx *x, int argc, char **argv)
{
	bool follow = false;
	const char *id = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0)
			follow = true;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return print_help("logs");
		else if (argv[i][0] == '-') {
			if (other_option(x, "logs", argc, argv, &i))
				return EXIT_USAGE;
		} else if (id)
			return usage_error("logs", "logs takes at most one job id");
		else
			id = argv[i];
	}
	if (!id) {
		if (follow)
			return usage_error("logs", "-f follows one job: jobctl logs -f ID");
		return cmd_list(x, 0, argv, true);
	}
	int rc = check_id("logs", id);
	return rc ? rc : stream_output(x, id, follow);
}

static int cmd_status(struct ctx *x, int argc, char **argv)
{
	const char *id = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return print_help("status");
		if (argv[i][0] == '-') {
			if (other_option(x, "status", argc, argv, &i))
				return EXIT_USAGE;
			continue;
		}
		if (id)
			return usage_error("status", "status takes one job id");
		id = argv[i];
	}
	int rc = check_id("status", id);
	if (rc)
		return rc;
	char path[128];
	snprintf(path, sizeof path, "/jobs/%s", id);
	cJSON *job;
	rc = call(x, "GET", path, NULL, &job, true);
	if (rc == 0 && !x->json) {
		show_job(stdout, job);
		/* The output's exact bytes: the JSON text form has lost invalid UTF-8 and NUL. */
		if (!jobview_active(job))
			rc = print_output(x, id);
	}
	cJSON_Delete(job);
	return rc;
}

static int cmd_wait(struct ctx *x, int argc, char **argv)
{
	const char *id = NULL;
	long timeout = -1;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v;
		if ((v = option_value("--timeout", argc, argv, &i))) {
			timeout = parse_seconds(v, 100L * 365 * 86400);
			if (timeout < 0)
				return usage_error("wait",
						   "--timeout wants a whole number of seconds");
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			return print_help("wait");
		} else if (a[0] == '-') {
			if (other_option(x, "wait", argc, argv, &i))
				return EXIT_USAGE;
		} else if (id) {
			return usage_error("wait", "wait takes one job id");
		} else {
			id = a;
		}
	}
	int rc = check_id("wait", id);
	if (rc)
		return rc;
	cJSON *job;
	rc = wait_for_end(x, id, timeout, &job);
	if (rc == EXIT_TIMED_OUT) {
		if (x->json)
			print_json(job);
		errorf("job %s has not ended after %ld s", id, timeout);
	} else if (rc == 0) {
		if (x->json)
			print_json(job);
		else
			show_job_line(stdout, job);
		rc = jobview_status(job);
	}
	cJSON_Delete(job);
	return rc;
}

static int cmd_restart(struct ctx *x, int argc, char **argv)
{
	const char *id = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return print_help("restart");
		if (argv[i][0] == '-') {
			if (other_option(x, "restart", argc, argv, &i))
				return EXIT_USAGE;
		} else if (id) {
			return usage_error("restart", "restart takes one job id");
		} else {
			id = argv[i];
		}
	}
	int rc = check_id("restart", id);
	if (rc)
		return rc;
	char path[128];
	snprintf(path, sizeof path, "/jobs/%s/restart", id);
	cJSON *job;
	rc = call(x, "POST", path, "", &job, true);
	if (rc == 0 && !x->json)
		printf("%s\n", cJSON_GetStringValue(cJSON_GetObjectItem(job, "id")));
	cJSON_Delete(job);
	return rc;
}

static int cmd_config(struct ctx *x, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return print_help("config");
		if (argv[i][0] != '-' || other_option(x, "config", argc, argv, &i))
			return usage_error("config", "config takes no arguments");
	}
	settings_print(&x->st, stdout, x->json);
	return 0;
}

static int run_command(struct ctx *x, const char *cmd, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct ctx *, int, char **);
	} commands[] = {
	    {"start", cmd_start}, {"stop", cmd_stop},	    {"list", cmd_ls},
	    {"ls", cmd_ls},	  {"status", cmd_status},   {"logs", cmd_logs},
	    {"wait", cmd_wait},	  {"restart", cmd_restart}, {"config", cmd_config},
	};
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].fn(x, argc, argv);
	if (strcmp(cmd, "help") == 0)
		return print_help(argc > 0 ? argv[0] : NULL);
	return usage_error(NULL, "unknown command: %s", cmd);
}

int main(int argc, char **argv)
{
	struct ctx x = {0};
	char **args = calloc((size_t)argc + 1, sizeof *args);
	int nargs = 0;
	const char *cmd = NULL;

	if (!args)
		return EXIT_REFUSED;
	if (settings_load(&x.st, JOBCTL_CERTDIR) < 0) {
		settings_free(&x.st);
		free(args);
		return EXIT_USAGE;
	}
	x.conf = (struct rest_conf){x.st.s[SET_URL].value, x.st.s[SET_CERT].value,
				    x.st.s[SET_KEY].value, x.st.s[SET_CACERT].value};
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	x.color = isatty(STDOUT_FILENO) && !(no_color && *no_color) &&
		  !(term && strcmp(term, "dumb") == 0);

	/* Global options before the command are taken here; after it, by the command. */
	int rc = -1;
	for (int i = 1; i < argc && rc < 0; i++) {
		if (cmd) {
			args[nargs++] = argv[i];
			continue;
		}
		int t = take_global(&x, argc, argv, &i);
		if (t < 0)
			rc = EXIT_USAGE;
		else if (t > 0)
			continue;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			rc = print_help(NULL);
		else if (strcmp(argv[i], "--version") == 0)
			rc = printf("jobctl %s\n", JOBWORKER_VERSION) < 0;
		else if (argv[i][0] == '-')
			rc = usage_error(NULL, "unknown option: %s", argv[i]);
		else
			cmd = argv[i];
	}
	if (rc < 0 && !cmd) {
		fputs(usage_main, stderr);
		rc = EXIT_USAGE;
	}
	if (rc < 0 && rest_init() < 0) {
		errorf("cannot initialise libcurl");
		rc = EXIT_NO_ANSWER;
	} else if (rc < 0) {
		rc = run_command(&x, cmd, nargs, args);
		rest_fini();
	}
	settings_free(&x.st);
	free(args);
	return rc;
}
