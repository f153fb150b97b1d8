/*
 * record: a job's record, typed, as the store keeps it and the API shows it; and the one place
 * where a record becomes the API's job object (JSON).
 */
#ifndef RECORD_H
#define RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "joblimits.h"
#include "json.h"
#include "states.h"

/* What isolated a job, as the API's "isolation" lists it: one bit each, named in
 * isolation_names[] in this order. Only what applied is set. */
enum isolation {
	ISO_USER = 1 << 0,		/* a uid of the owner's own, never 0 */
	ISO_PID = 1 << 1,		/* a PID namespace, our init as its PID 1 */
	ISO_MOUNT = 1 << 2,		/* a mount namespace with a fresh /proc */
	ISO_TMP = 1 << 3,		/* a private /tmp */
	ISO_NETWORK = 1 << 4,		/* a network namespace with only loopback */
	ISO_NO_NEW_PRIVILEGES = 1 << 5, /* no_new_privs, no capabilities */
};
#define ISOLATIONS 6
extern const char *const isolation_names[ISOLATIONS];

/* Where a job runs: on this host, or through Slurm (--executor). */
enum job_executor {
	EXEC_LOCAL,
	EXEC_SLURM,
};

/* One job's record. Strings are borrowed from whoever filled the record. */
struct job_record {
	uint64_t id;
	const char *owner;
	const char *args; /* the command: its arguments, each NUL-terminated, one after another */
	size_t args_len;
	enum job_state state;
	long timeout_s;
	int64_t created_ms;  /* wall clock */
	int64_t started_ms;  /* 0: not yet */
	int64_t finished_ms; /* 0: not yet */
	pid_t pid;	     /* 0: none */
	bool has_exit;
	int exit_code;
	int signal;		 /* 0: none */
	const char *error;	 /* NULL: none */
	uint64_t output_bytes;	 /* every byte it wrote */
	bool output_truncated;	 /* GET .../output cannot give all of them */
	uint64_t output_dropped; /* not kept: past --output-max, or no room within --output-total */
	uint64_t output_lost;	 /* lost to write errors (a full disk) */
	bool output_deleted;	 /* its spool was deleted to keep --output-total */
	uint64_t spool_bytes;	 /* on disk now (not shown) */
	uint64_t finished_seq;	 /* order of finishing, for the log cap; 0 while active */
	struct job_limits limits;
	enum containment containment;
	struct cg_usage usage; /* valid once known */
	/* Whom it runs as: run_user is the account's name, NULL for a dynamic uid. */
	const char *run_user;
	uid_t run_uid;
	gid_t run_gid;
	unsigned isolation; /* enum isolation bits: what applied; 0 until it starts */
	/* How it was asked to run (kept for a restart, not shown): the spec's, borrowed. */
	const char *cwd; /* NULL: the work directory */
	const char *env; /* as struct jobspec keeps it */
	size_t env_len;
	int network; /* enum job_network, as decided at submission */
	/* On Slurm (record_on_slurm), its id there (0 until Slurm allocated it), its node and
	 * partition (NULL until then) and the whole CPUs it asked for (0: none). */
	uint64_t slurm_job_id;
	const char *slurm_node;
	const char *slurm_partition;
	unsigned slurm_cpus;
};

/* Whether the job runs through Slurm (--executor slurm): its containment is Slurm's. */
static inline bool record_on_slurm(const struct job_record *r)
{
	return r->containment == CONTAIN_SLURM;
}

/* Whose view a read is: a user sees its own jobs, an admin every job. */
struct viewer {
	const char *user;
	bool admin;
};

static inline bool viewer_sees(const struct viewer *v, const char *owner)
{
	return v->admin || (owner && v->user && __builtin_strcmp(owner, v->user) == 0);
}

/* Write the record as the API's job object; with output (output_len bytes, any bytes) as its
 * "output" member when output is not NULL. */
void record_render(struct jw *w, const struct job_record *r, const char *output, size_t output_len);

/* RFC 3339 UTC time with milliseconds, e.g. 2026-11-29T10:00:00.123Z, into dst[32]. */
void format_time(int64_t ms, char dst[32]);
/* "SIGKILL" for 9; "SIG42" for a signal without a name. dst[16]. */
void format_signal(int sig, char dst[16]);

#endif
