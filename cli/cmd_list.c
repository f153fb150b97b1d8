/*
 * cmd_list: the commands that look at jobs: list (ls) and logs without an id show tables of
 * jobs, logs ID a job's raw output, status one job's details. State names come from the
 * states table (states.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "buf.h"
#include "call.h"
#include "jobctl.h"
#include "show.h"
#include "states.h"

/* "queued, running, ..., timed_out" wrapped to 80 columns, lines after the first indented
 * by indent; col is where the first starts. */
static void print_states(FILE *f, size_t col, size_t indent)
{
	for (int s = 0; s < JOB_STATES; s++) {
		const char *name = job_state_name(s);
		size_t len = strlen(name) + (s + 1 < JOB_STATES ? 1 : 0);
		if (s > 0 && col + 1 + len > 80) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (s > 0) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%s%s", name, s + 1 < JOB_STATES ? "," : "");
		col += len;
	}
}

void help_list(FILE *f)
{
	static const char head[] = "  --state S       only jobs in state S (";
	fputs("usage: jobctl list [--all] [--state S] [--owner NAME] [--watch]\n"
	      "Your running and queued jobs, oldest first (every user's, for an admin).\n"
	      "  -a, --all       the whole log: finished jobs too, newest first\n"
	      "  -w, --watch     then one line per change, as it happens: EVENT ID STATE OWNER\n"
	      "                  COMMAND (created, started, ended, removed), until Ctrl-C\n",
	      f);
	fputs(head, f);
	print_states(f, sizeof head - 1, 18);
	fputs(")\n  --owner NAME    only NAME's jobs (an admin sees everyone's)\n", f);
}

void help_logs(FILE *f)
{
	fputs("usage: jobctl logs | jobctl logs [-f] [--tail N] [--stdout|--stderr] ID\n"
	      "Without ID: the job log, newest first: active jobs and the most recent finished\n"
	      "ones. With ID: the job's whole output, raw bytes exactly as written, to stdout\n"
	      "(jobctl logs 7 > out.bin keeps it byte for byte).\n"
	      "  -f, --follow    keep printing new output as the job writes it, until it ends;\n"
	      "                  a dropped connection resumes after the last byte received.\n"
	      "                  Ctrl-C stops following, not the job.\n"
	      "  -n, --tail N    only the last N lines\n"
	      "  --stdout        only what the job wrote to stdout (--stderr: to stderr); both\n"
	      "                  are otherwise interleaved as jobsupd read them\n",
	      f);
}

void help_status(FILE *f)
{
	fputs("usage: jobctl status ID\n"
	      "One job's details; once it has ended, also its output (escaped for the "
	      "terminal).\n",
	      f);
}

static int take_state(const char *v, struct list_args *out)
{
	struct buf names = BUF_INIT;
	if (job_state_parse(v) >= 0) {
		out->state = v;
		return 0;
	}
	for (int s = 0; s < JOB_STATES; s++)
		buf_printf(&names, "%s%s", s ? ", " : "", job_state_name(s));
	buf_putc(&names, '\0');
	args_usage("list", "--state is one of %s; not \"%s\"",
		   buf_ok(&names) ? buf_head(&names) : "the states", v);
	buf_free(&names);
	return -1;
}

int list_parse(struct jobctl *x, int argc, char **argv, struct list_args *out)
{
	enum { O_ALL, O_STATE, O_OWNER, O_WATCH };
	static const struct opt opts[] = {{"--all", "-a", false},
					  {"--state", NULL, true},
					  {"--owner", NULL, true},
					  {"--watch", "-w", false},
					  {NULL, NULL, false}};
	struct args a;
	args_init(&a, x, "list", opts, argc, argv);
	*out = (struct list_args){0};
	for (int o; (o = args_next(&a)) != ARG_END;) {
		if (o == ARG_HELP || o == ARG_ERROR)
			return args_halt(o, &out->help);
		if (o == ARG_WORD)
			return args_usage("list", "unexpected argument for list: %s", a.value);
		if (o == O_ALL)
			out->log = true;
		else if (o == O_WATCH)
			out->watch = true;
		else if (o == O_STATE && take_state(a.value, out) < 0)
			return -1;
		else if (o == O_OWNER && !*(out->owner = a.value))
			return args_usage("list", "--owner needs a name");
	}
	/* A finished state is only in the log. */
	if (out->state && !job_state_active(job_state_parse(out->state)))
		out->log = true;
	return 0;
}

/* The table (or JSON) of the jobs, or of the log, that pass the filters. */
int list_print(struct jobctl *x, const struct list_args *l)
{
	struct table_opts o = {.finished = l->log, .color = x->color, .now = time(NULL)};
	bool filtered = l->state || l->owner;
	cJSON *res;
	int rc = call_json(x, "GET", l->log ? "/jobs/logs" : "/jobs", NULL, &res, !filtered);
	if (rc) {
		cJSON_Delete(res);
		return rc;
	}
	cJSON *jobs = cJSON_GetObjectItemCaseSensitive(res, l->log ? "logs" : "jobs");
	show_filter(jobs, l->state, l->owner);
	if (x->json && filtered) {
		call_print_json(res);
	} else if (!x->json) {
		if (cJSON_GetArraySize(jobs) == 0)
			printf(l->log ? "no jobs in the log%s\n" : "no running or queued jobs%s\n",
			       filtered ? " match" : "");
		else
			show_jobs_table(stdout, jobs, &o);
	}
	cJSON_Delete(res);
	return 0;
}

int cmd_list(struct jobctl *x, int argc, char **argv)
{
	struct list_args l;
	if (list_parse(x, argc, argv, &l) < 0)
		return EXIT_USAGE;
	if (l.help) {
		help_list(stdout);
		return 0;
	}
	return l.watch ? watch_jobs(x, &l) : list_print(x, &l);
}

int logs_parse(struct jobctl *x, int argc, char **argv, struct logs_args *out)
{
	enum { O_FOLLOW, O_TAIL, O_STDOUT, O_STDERR };
	static const struct opt opts[] = {{"--follow", "-f", false},
					  {"--tail", "-n", true},
					  {"--stdout", NULL, false},
					  {"--stderr", NULL, false},
					  {NULL, NULL, false}};
	struct args a;
	args_init(&a, x, "logs", opts, argc, argv);
	*out = (struct logs_args){0};
	for (int o; (o = args_next(&a)) != ARG_END;) {
		if (o == ARG_HELP || o == ARG_ERROR)
			return args_halt(o, &out->help);
		if (o == O_FOLLOW) {
			out->follow = true;
		} else if (o == O_TAIL) {
			char *end;
			out->tail = strtol(a.value, &end, 10);
			if (!isdigit((unsigned char)a.value[0]) || *end || out->tail < 1 ||
			    out->tail > 1000000)
				return args_usage(
				    "logs",
				    "--tail wants a number of lines from 1 to 1000000, "
				    "not \"%s\"",
				    a.value);
		} else if (o == O_STDOUT || o == O_STDERR) {
			const char *s = o == O_STDOUT ? "stdout" : "stderr";
			if (out->stream && strcmp(out->stream, s) != 0)
				return args_usage("logs",
						  "--stdout and --stderr: choose one (neither "
						  "gives both, as written)");
			out->stream = s;
		} else if (out->id)
			return args_usage("logs", "logs takes at most one job id");
		else
			out->id = a.value;
	}
	if (!out->id && (out->follow || out->tail || out->stream))
		return args_usage("logs", "-f, --tail, --stdout and --stderr are for one job's "
					  "output: jobctl logs [-f] ID");
	return out->id ? args_check_id("logs", out->id) : 0;
}

int cmd_logs(struct jobctl *x, int argc, char **argv)
{
	struct logs_args l;
	if (logs_parse(x, argc, argv, &l) < 0)
		return EXIT_USAGE;
	if (l.help) {
		help_logs(stdout);
		return 0;
	}
	if (!l.id)
		return list_print(x, &(struct list_args){.log = true});
	return call_stream_output(
	    x, l.id, &(struct output_opts){.follow = l.follow, .tail = l.tail, .stream = l.stream});
}

int cmd_status(struct jobctl *x, int argc, char **argv)
{
	const char *id;
	bool help;
	if (args_one_id(x, "status", argc, argv, &id, &help) < 0)
		return EXIT_USAGE;
	if (help) {
		help_status(stdout);
		return 0;
	}
	char path[128];
	snprintf(path, sizeof path, "/jobs/%s", id);
	cJSON *job;
	int rc = call_json(x, "GET", path, NULL, &job, true);
	if (rc == 0 && !x->json) {
		show_job(stdout, job);
		/* The output's exact bytes: the JSON text form has lost invalid UTF-8 and NUL. */
		if (!jobview_active(job))
			rc = call_show_output(x, id);
	}
	cJSON_Delete(job);
	return rc;
}
