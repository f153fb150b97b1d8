/*
 * jobprolog: srun's prolog for a job of the job worker (--executor slurm; see slurm.h).
 *
 * srun runs it on jobsupd's host once Slurm has allocated the job, just before the job's step
 * is launched, with the allocation in its environment. It writes one line to its fd
 * SPAWN_REPORT_FD (3), a pipe that jobsupd gave srun,
 *     SLURM_JOB_ID NODELIST PARTITION\n
 * and exits 0; so jobsupd learns that the job has left Slurm's queue, its Slurm id and its node,
 * without asking Slurm over and over. It prints nothing: its stdout and stderr are the job's.
 * Exiting non-zero would make srun cancel the job, so it does that only when it was not run by
 * srun for a job worker (no such fd, no allocation in its environment).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spawn.h"

/* A value for the line: set, and without spaces or newlines; else "-". */
static const char *word(const char *name)
{
	const char *v = getenv(name);
	return v && *v && !strpbrk(v, " \t\n") && strlen(v) < 64 ? v : "-";
}

int main(void)
{
	char line[256];
	const char *id = getenv("SLURM_JOB_ID");
	if (!id || !*id)
		return 1;
	int n = snprintf(line, sizeof line, "%s %s %s\n", word("SLURM_JOB_ID"),
			 word("SLURM_NODELIST"), word("SLURM_JOB_PARTITION"));
	if (n <= 0 || (size_t)n >= sizeof line)
		return 1;
	/* One write below PIPE_BUF: jobsupd reads the line whole. */
	return write(SPAWN_REPORT_FD, line, (size_t)n) == n ? 0 : 1;
}
