/* cmd_wait: wait for a job to end and exit with its status, as a shell would give it. */
#include <stdio.h>

#include "args.h"
#include "call.h"
#include "jobctl.h"
#include "show.h"

#define MAX_WAIT_S (100L * 365 * 86400)

void help_wait(FILE *f)
{
	fputs("usage: jobctl wait [--timeout S] ID\n"
	      "Wait until the job ends, print its final state and exit with its status: its\n"
	      "exit code, 128+N when a signal N ended it, 124 when it timed out or when S\n"
	      "seconds passed first. Ctrl-C stops waiting, not the job.\n",
	      f);
}

int wait_parse(struct jobctl *x, int argc, char **argv, struct wait_args *out)
{
	enum { O_TIMEOUT };
	static const struct opt opts[] = {{"--timeout", NULL, true}, {NULL, NULL, false}};
	struct args a;
	args_init(&a, x, "wait", opts, argc, argv);
	*out = (struct wait_args){.timeout = -1};
	for (int o; (o = args_next(&a)) != ARG_END;) {
		if (o == ARG_HELP || o == ARG_ERROR)
			return args_halt(o, &out->help);
		if (o == O_TIMEOUT) {
			out->timeout = args_seconds(a.value, MAX_WAIT_S);
			if (out->timeout < 0)
				return args_usage("wait",
						  "--timeout wants a whole number of seconds");
		} else if (out->id) {
			return args_usage("wait", "wait takes one job id");
		} else {
			out->id = a.value;
		}
	}
	return args_check_id("wait", out->id);
}

int cmd_wait(struct jobctl *x, int argc, char **argv)
{
	struct wait_args w;
	if (wait_parse(x, argc, argv, &w) < 0)
		return EXIT_USAGE;
	if (w.help) {
		help_wait(stdout);
		return 0;
	}
	cJSON *job;
	int rc = call_wait(x, w.id, w.timeout, &job);
	if (rc == EXIT_TIMED_OUT) {
		if (x->json)
			call_print_json(job);
		call_error("job %s has not ended after %ld s", w.id, w.timeout);
	} else if (rc == 0) {
		if (x->json)
			call_print_json(job);
		else
			show_job_line(stdout, job);
		rc = jobview_status(job);
	}
	cJSON_Delete(job);
	return rc;
}
