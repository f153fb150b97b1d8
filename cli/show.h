/*
 * show: how jobctl prints jobs for people: aligned tables, a job's details, commands quoted as
 * a shell would read them, times in local time. Text that came from a job or a user (commands,
 * owners, errors, output) is escaped, so that no escape sequence reaches the terminal raw.
 */
#ifndef SHOW_H
#define SHOW_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "buf.h"

/* Append s escaped for a terminal: control characters (and, unless keep_lines, newlines and
 * tabs) become \n, \t, \xNN; invalid UTF-8 bytes become \xNN. */
void show_escape(struct buf *out, const char *s, size_t n, bool keep_lines);
/* Append a command (a JSON array of strings) as one shell-quoted, escaped line. */
void show_command(struct buf *out, const cJSON *command);

struct table_opts {
	bool finished; /* the log's columns: exit, finished, duration */
	bool color;    /* colour the state */
	time_t now;    /* for "2m ago" */
};

/* Is the job in state and owner's (NULL: any)? */
bool show_job_matches(const cJSON *job, const char *state, const char *owner);

/* Drop from a jobs array those not in state or not owner's (NULL: any). */
void show_filter(cJSON *jobs, const char *state, const char *owner);
/* Print a list of jobs (the "jobs" or "logs" array) as a table. */
void show_jobs_table(FILE *f, const cJSON *jobs, const struct table_opts *o);
/* "12s ago", "5m ago", "3h ago", "2d ago" for an RFC 3339 time; "-" for none. */
void show_ago(char *dst, size_t cap, const char *rfc3339, time_t now);
/* "0.4s", "12s", "3m05s", "2h07m" between two RFC 3339 times; "-" when one is missing. */
void show_duration(char *dst, size_t cap, const char *from, const char *to);
/* Print one job's details. */
void show_job(FILE *f, const cJSON *job);
/* Print a job's output (raw bytes), escaped for the terminal but for newlines and tabs. */
void show_output(FILE *f, const char *p, size_t n);
/* One line about a job that ended, e.g. "job 17 stopped (SIGTERM): stopped by user1". */
void show_job_line(FILE *f, const cJSON *job);

#endif
