/*
 * jobctl: the job worker's command-line client. main.c takes the global options before the
 * command and dispatches through the command table; each family of commands lives in its own
 * cmd_*.c, walks its arguments with args.c, calls the API through call.c (rest.c underneath)
 * and prints what came back for people (show.c) or as JSON (--json).
 *
 * Exit status: 0 done, 1 the API refused (the message says why), 2 usage, 3 no answer
 * (cannot connect, TLS refused); wait and start -f exit with the job's own status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "call.h"
#include "config.h"
#include "jobctl.h"
#include "rest.h"

#ifndef JOBCTL_CERTDIR
#define JOBCTL_CERTDIR "certs"
#endif
#ifndef JOBWORKER_VERSION
#define JOBWORKER_VERSION "unknown"
#endif

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

static const struct cmd_struct commands[] = {
    {"start", cmd_start, help_start},	 {"stop", cmd_stop, help_stop},
    {"list", cmd_list, help_list},	 {"ls", cmd_list, help_list},
    {"status", cmd_status, help_status}, {"logs", cmd_logs, help_logs},
    {"wait", cmd_wait, help_wait},	 {"restart", cmd_restart, help_restart},
    {"config", cmd_config, help_config},
};

static const struct cmd_struct *find_command(const char *name)
{
	for (size_t i = 0; name && i < sizeof commands / sizeof *commands; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

/* `jobctl help [COMMAND]`: the command's help, else the overview. */
static int print_help(const char *name)
{
	const struct cmd_struct *c = find_command(name);
	if (c)
		c->help(stdout);
	else
		fputs(usage_main, stdout);
	return 0;
}

static int run_command(struct jobctl *x, const char *name, int argc, char **argv)
{
	const struct cmd_struct *c = find_command(name);
	if (c)
		return c->run(x, argc, argv);
	if (strcmp(name, "help") == 0)
		return print_help(argc > 0 ? argv[0] : NULL);
	args_usage(NULL, "unknown command: %s", name);
	return EXIT_USAGE;
}

/* The options before the command: the index of the command in argv, or -1 with *rc the exit
 * status (after help, --version or a usage error). */
static int global_options(struct jobctl *x, int argc, char **argv, int *rc)
{
	for (int i = 1; i < argc; i++) {
		int t = args_global(x, argc, argv, &i);
		if (t < 0) {
			*rc = EXIT_USAGE;
			return -1;
		}
		if (t > 0)
			continue;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			*rc = print_help(NULL);
		} else if (strcmp(argv[i], "--version") == 0) {
			*rc = printf("jobctl %s\n", JOBWORKER_VERSION) < 0;
		} else if (argv[i][0] == '-') {
			args_usage(NULL, "unknown option: %s", argv[i]);
			*rc = EXIT_USAGE;
		} else {
			return i;
		}
		return -1;
	}
	fputs(usage_main, stderr);
	*rc = EXIT_USAGE;
	return -1;
}

int main(int argc, char **argv)
{
	struct jobctl x = {0};
	int rc = 0;

	if (settings_load(&x.st, JOBCTL_CERTDIR) < 0) {
		settings_free(&x.st);
		return EXIT_USAGE;
	}
	x.conf = (struct rest_conf){x.st.s[SET_URL].value, x.st.s[SET_CERT].value,
				    x.st.s[SET_KEY].value, x.st.s[SET_CACERT].value};
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	x.color = isatty(STDOUT_FILENO) && !(no_color && *no_color) &&
		  !(term && strcmp(term, "dumb") == 0);

	int cmd = global_options(&x, argc, argv, &rc);
	if (cmd > 0 && rest_init() < 0) {
		call_error("cannot initialise libcurl");
		rc = EXIT_NO_ANSWER;
	} else if (cmd > 0) {
		rc = run_command(&x, argv[cmd], argc - cmd - 1, argv + cmd + 1);
		rest_fini();
	}
	settings_free(&x.st);
	return rc;
}
