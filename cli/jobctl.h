/*
 * jobctl: what its commands share: the context a command runs in, the exit statuses, the row of
 * the command table (main.c), and each command's arguments as parsed, apart from acting on them,
 * so that a test can parse without a server (tests/unit/test_cli_args.c).
 *
 * A parse function returns 0 with the arguments in *out (help set when -h or --help came first),
 * or -1 after a usage message on stderr (exit EXIT_USAGE). Pointers in *out point into argv.
 */
#ifndef JOBCTL_H
#define JOBCTL_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "joblimits.h"
#include "jobspec.h"
#include "jobview.h"
#include "rest.h"

enum { EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_NO_ANSWER = 3, EXIT_TIMED_OUT = JOBVIEW_TIMED_OUT };

struct jobctl {
	struct rest_conf conf;
	struct settings st; /* where conf's values come from; global options change both */
	bool json;
	bool color; /* on a terminal, unless NO_COLOR */
};

/* A command, as git's cmd_struct: run gets the arguments after the command's name and returns
 * the exit status; help prints `jobctl help NAME`. */
struct cmd_struct {
	const char *name;
	int (*run)(struct jobctl *x, int argc, char **argv);
	void (*help)(FILE *f);
};

/* cmd_jobs.c: start, restart */
struct start_args {
	bool help;
	bool follow;
	long timeout;			  /* seconds; -1: the server's default */
	struct job_limits limits;	  /* 0: not asked for */
	const char *cwd;		  /* NULL: the server's default (the work directory) */
	const char *env[JOBSPEC_MAX_ENV]; /* "NAME=VALUE", from argv */
	int nenv;
	bool no_network;
	int argc; /* the command to run */
	char **argv;
};
int start_parse(struct jobctl *x, int argc, char **argv, struct start_args *out);
int cmd_start(struct jobctl *x, int argc, char **argv);
int cmd_restart(struct jobctl *x, int argc, char **argv);
void help_start(FILE *f);
void help_restart(FILE *f);

/* cmd_stop.c */
struct stop_args {
	bool help;
	bool all;
	const char *id;
	const char *signal; /* NULL: TERM */
};
int stop_parse(struct jobctl *x, int argc, char **argv, struct stop_args *out);
int cmd_stop(struct jobctl *x, int argc, char **argv);
void help_stop(FILE *f);

/* cmd_list.c: list (ls), logs, status */
struct list_args {
	bool help;
	bool log;	   /* the whole log, finished jobs too */
	const char *state; /* filters; NULL: any */
	const char *owner;
	bool watch; /* then every change, as it happens */
};
int list_parse(struct jobctl *x, int argc, char **argv, struct list_args *out);
/* The table of the jobs (or the log) that pass l's filters. */
int list_print(struct jobctl *x, const struct list_args *l);
/* watch.c: list --watch: the table, then a line per change. */
int watch_jobs(struct jobctl *x, const struct list_args *l);
struct logs_args {
	bool help;
	bool follow;
	long tail;	    /* --tail N (0: all) */
	const char *stream; /* --stdout / --stderr: "stdout", "stderr" (NULL: both) */
	const char *id;	    /* NULL: the job log */
};
int logs_parse(struct jobctl *x, int argc, char **argv, struct logs_args *out);
int cmd_list(struct jobctl *x, int argc, char **argv);
int cmd_logs(struct jobctl *x, int argc, char **argv);
int cmd_status(struct jobctl *x, int argc, char **argv);
void help_list(FILE *f);
void help_logs(FILE *f);
void help_status(FILE *f);

/* cmd_wait.c */
struct wait_args {
	bool help;
	const char *id;
	long timeout; /* seconds; -1: forever */
};
int wait_parse(struct jobctl *x, int argc, char **argv, struct wait_args *out);
int cmd_wait(struct jobctl *x, int argc, char **argv);
void help_wait(FILE *f);

/* cmd_config.c */
int config_parse(struct jobctl *x, int argc, char **argv, bool *help);
int cmd_config(struct jobctl *x, int argc, char **argv);
void help_config(FILE *f);

#endif
