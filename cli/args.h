/*
 * args: the one way jobctl's commands walk their arguments. A command gives a table of its own
 * options; args_next hands back one option, word or end at a time, and on the way takes the
 * global options (--url, --json, ...), -h and --help, values given as "--name V" or
 * "--name=V", and refuses an unknown option with a usage message.
 */
#ifndef ARGS_H
#define ARGS_H

#include <stdbool.h>

#include "jobctl.h"

struct opt {
	const char *name;  /* "--signal"; NULL ends a table */
	const char *alias; /* "-s", or NULL */
	bool value;	   /* takes a value; a missing one reads as "" */
};

struct args {
	struct jobctl *x; /* where global options go */
	const char *cmd;  /* for messages */
	const struct opt *opts;
	bool words_end; /* the first word, or "--", ends the options (start's command) */
	int argc;
	char **argv;
	int i;		   /* the next argument */
	const char *value; /* of the option or word just returned */
};

/* args_next's answers besides an option's index in the table. */
enum { ARG_END = -1, ARG_WORD = -2, ARG_HELP = -3, ARG_ERROR = -4 };

void args_init(struct args *a, struct jobctl *x, const char *cmd, const struct opt *opts, int argc,
	       char **argv);
/* The index of the option found (its value in a->value), ARG_WORD (the word in a->value),
 * ARG_HELP, ARG_END (with words_end, a->i is then the first word of the command), or
 * ARG_ERROR after a usage message. */
int args_next(struct args *a);

/* Where a command's walk ends early: for ARG_HELP 0 with *help set, for ARG_ERROR -1 (its usage
 * message was given). */
int args_halt(int o, bool *help);

/* A global option at argv[*i]: 1 taken (*i moved past its value), 0 not one, -1 after a usage
 * message. */
int args_global(struct jobctl *x, int argc, char **argv, int *i);

/* "jobctl: message" and "Try 'jobctl CMD --help'." (cmd NULL: jobctl --help) on stderr; -1. */
int args_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 0 when id is a job id, else -1 after a usage message. */
int args_check_id(const char *cmd, const char *id);
/* Whole seconds from 0 to max, or -1. */
long args_seconds(const char *s, long max);

/* The arguments of a command that takes one job id and no options of its own (status,
 * restart): 0 with *id set (or *help), or -1 after a usage message. */
int args_one_id(struct jobctl *x, const char *cmd, int argc, char **argv, const char **id,
		bool *help);

#endif
