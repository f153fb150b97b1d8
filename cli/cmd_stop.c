/* cmd_stop: stop one job (gently with --signal) or all of one's jobs, printing each end. */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "call.h"
#include "jobctl.h"
#include "proto.h"
#include "show.h"

void help_stop(FILE *f)
{
	fputs("usage: jobctl stop [--signal SIG] ID | jobctl stop --all\n"
	      "Stop a job, or all your running and queued jobs: SIGTERM to its processes (or\n"
	      "SIG: TERM, INT, HUP, QUIT, USR1, USR2, KILL), then SIGKILL after the server's\n"
	      "grace period. Prints each job's final state.\n",
	      f);
}

/* After the walk: what goes together, and a signal the server knows. */
static int stop_check(const struct stop_args *s)
{
	if (s->all && s->id)
		return args_usage("stop", "give a job id or --all, not both");
	if (!s->all && args_check_id("stop", s->id) < 0)
		return -1;
	if (s->signal && s->all)
		return args_usage("stop", "--signal stops one job");
	const char *sig = s->signal;
	if (sig && !proto_stop_signal(strncmp(sig, "SIG", 3) == 0 ? sig + 3 : sig))
		return args_usage("stop",
				  "--signal is TERM, INT, HUP, QUIT, USR1, USR2 or KILL, "
				  "not \"%s\"",
				  sig);
	return 0;
}

int stop_parse(struct jobctl *x, int argc, char **argv, struct stop_args *out)
{
	enum { O_ALL, O_SIGNAL };
	static const struct opt opts[] = {
	    {"--all", NULL, false}, {"--signal", "-s", true}, {NULL, NULL, false}};
	struct args a;
	args_init(&a, x, "stop", opts, argc, argv);
	*out = (struct stop_args){0};
	for (int o; (o = args_next(&a)) != ARG_END;) {
		if (o == ARG_HELP || o == ARG_ERROR)
			return args_halt(o, &out->help);
		if (o == O_ALL)
			out->all = true;
		else if (o == O_SIGNAL)
			out->signal = a.value;
		else if (out->id)
			return args_usage("stop", "stop takes one job id");
		else
			out->id = a.value;
	}
	return stop_check(out);
}

int cmd_stop(struct jobctl *x, int argc, char **argv)
{
	struct stop_args s;
	if (stop_parse(x, argc, argv, &s) < 0)
		return EXIT_USAGE;
	if (s.help) {
		help_stop(stdout);
		return 0;
	}
	char path[128];
	if (s.all)
		snprintf(path, sizeof path, "/jobs");
	else
		snprintf(path, sizeof path, "/jobs/%s%s%s", s.id, s.signal ? "?signal=" : "",
			 s.signal ? s.signal : "");
	cJSON *res;
	int rc = call_json(x, "DELETE", path, NULL, &res, true);
	if (rc || x->json) {
		cJSON_Delete(res);
		return rc;
	}
	if (s.all) {
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
