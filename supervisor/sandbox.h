/*
 * sandbox: how jobsupd isolates jobs, decided once at start-up, and what each job's spawn is
 * given (spawn.h) for it: whom it runs as (account.h), where, with which environment, in which
 * namespaces.
 *
 * As root (the normal case) every job runs under a uid of its owner's own (never 0), in PID and
 * mount namespaces with our init as PID 1, a fresh /proc and a private /tmp, with no capability
 * and no_new_privs; "network": "none" adds a network namespace with only loopback. Without
 * root, where the kernel allows unprivileged user namespaces, the same but under jobsupd's own
 * uid (mapped to itself: there is no other to give); else, and with --isolation none, jobs run
 * as jobsupd does, as they did before: its user, its environment (plus the request's), no
 * namespaces. jobsupd logs one line saying which at start, and each job's "isolation" lists
 * exactly what applied to it.
 *
 * On Slurm (--executor slurm) a job's srun runs as its owner's account, without namespaces (the
 * job runs on a node, in Slurm's containment). Slurm runs a job as the uid that submitted it, and
 * that uid must exist on its nodes: so as root every identity must be mapped in the users file
 * (others are refused, 403), and without root every job is jobsupd's user's. The environment is
 * the sandbox's, plus jobsupd's own SLURM_CONF, which srun needs.
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "account.h"
#include "apierr.h"
#include "jobspec.h"
#include "record.h"
#include "spawn.h"

enum isolation_want {
	ISOLATION_AUTO, /* as much as the host allows */
	ISOLATION_NONE, /* none: jobs run as jobsupd, as before (the benchmark's baseline) */
};

struct sandbox_config {
	enum isolation_want want;
	const char *users_file; /* NULL: none */
	bool allow_root;
	const char *work_root;
	const char *init; /* NULL: jobinit beside jobsupd's executable */
	enum job_network default_network;
	bool slurm; /* jobs run through srun (--executor slurm) */
};

struct sandbox {
	unsigned base;	 /* enum isolation bits every job gets */
	int clone_flags; /* 0: the plain spawn */
	bool slurm;	 /* jobs run through srun, as their accounts */
	bool net_ns;	 /* "network": "none" can be had */
	enum job_network default_network;
	char init[PATH_MAX];
	int init_fd; /* jobinit, open: jobs exec it by this */
	struct accounts accounts;
	struct account self; /* jobsupd's own user: every job's, without a sandbox */
};

/* Decide, and say what was decided in desc (one line). 0, or -1 with desc saying why not (a bad
 * users file, no jobinit, a work root that cannot be made). */
int sandbox_init(struct sandbox *sb, const struct sandbox_config *cfg, char *desc, size_t cap);
void sandbox_fini(struct sandbox *sb);

/* At submission: decide spec's network (its default, or 400 when "none" cannot be had) and the
 * owner's account (500 when it cannot be had). The account belongs to sb. */
const struct account *sandbox_admit(struct sandbox *sb, const char *owner, struct jobspec *spec,
				    struct apierr *err);

/* What spawn_job needs for job id of acc with spec, and the isolation it will get. Owned by the
 * caller until sandbox_job_free. */
struct sandbox_job {
	struct spawn_req req;
	char **envp;
	char *text; /* the environment's strings that are not the spec's */
	unsigned isolation;
};
int sandbox_prepare(const struct sandbox *sb, const struct account *acc, const char *owner,
		    uint64_t id, const struct jobspec *spec, const struct cg_entry *entry,
		    struct sandbox_job *out);
void sandbox_job_free(struct sandbox_job *sj);

#endif
