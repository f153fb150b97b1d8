/*
 * cgroup: containment of jobs. Each job gets a cgroup of its own under a root that jobsupd owns,
 * with its limits; it is placed there before its first instruction, signalled and killed as a
 * whole, accounted (CPU time, peak memory, OOM kills) and removed once empty.
 *
 * Three modes, chosen at start-up (see CONTAINMENT.md):
 *   cgroup-v2      the unified hierarchy, with the controllers it delegates (memory, cpu, pids,
 *                  io); killing is cgroup.kill, emptiness cgroup.events.
 *   cgroup-v1      one hierarchy per controller (memory, cpu, cpuacct, pids, blkio, freezer);
 *                  killing is freeze, signal every process, thaw.
 *   process-group  no usable cgroups (not root, read-only): the job's process group only, and
 *                  setrlimit(RLIMIT_AS) for a memory limit; other limits cannot be enforced.
 *
 * Paths are built on demand from the hierarchy roots and the job id; nothing is allocated per
 * job. All functions are for jobsupd's loop only; only cg_child_* run in a forked child.
 */
#ifndef CGROUP_H
#define CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "jobspec.h"

enum containment {
	CONTAIN_PROCESS_GROUP,
	CONTAIN_CGROUP_V1,
	CONTAIN_CGROUP_V2,
	CONTAIN_SLURM, /* a job's, on Slurm: Slurm's own on its node (never jobsupd's mode) */
};

enum cg_want {
	CG_WANT_AUTO, /* v2 if it has controllers, else v1, else process groups */
	CG_WANT_V2,   /* the unified hierarchy even without controllers (kill and accounting) */
	CG_WANT_V1,
	CG_WANT_NONE,
};

/* Controllers, as a bit set. */
enum {
	CG_MEMORY = 1 << 0,
	CG_CPU = 1 << 1,
	CG_CPUACCT = 1 << 2,
	CG_PIDS = 1 << 3,
	CG_IO = 1 << 4,
	CG_FREEZER = 1 << 5,
};

struct cg_usage {
	uint64_t cpu_ms;
	uint64_t max_memory_bytes;
	bool valid;	   /* cpu_ms is known */
	bool memory_known; /* max_memory_bytes is known */
};

#define CG_MAX_HIER 6
#define CG_MAX_DEVICES 16

struct cg_hier {
	char path[PATH_MAX / 4]; /* the root of jobsupd's cgroups in this hierarchy */
	unsigned ctrls;
};

struct cgroups {
	enum containment mode;
	struct cg_hier hier[CG_MAX_HIER];
	int nhier;
	unsigned ctrls;			  /* the controllers jobs get */
	int procs_hier;			  /* where to list and count a job's processes */
	char devices[CG_MAX_DEVICES][24]; /* "MAJ:MIN" of the disks io limits apply to */
	int ndevices;
};

/* Decide the mode, make the root (root_name is a path under each hierarchy's top, or an
 * absolute path for v2) and clean what a previous jobsupd left in it; log one line saying what
 * it found. Only fails (-1, logged) when want was explicit and cannot be had. */
int cg_init(struct cgroups *cg, const char *root_name, enum cg_want want);
/* Remove the root, once every job's cgroup is gone. */
void cg_fini(struct cgroups *cg);
const char *cg_mode_name(enum containment mode);
/* Can this mode enforce limit i (joblimits.h)? Through its controller, or without cgroups, memory
 * through RLIMIT_AS. */
bool cg_can_limit(const struct cgroups *cg, int limit);

/* How a child enters its job's cgroup, before it execs: it writes "0" to each of the open
 * files (tasks on v1, cgroup.procs on v2). (clone3 with CLONE_INTO_CGROUP would spare the migration
 * on v2, but it cannot share memory safely from C, and copying jobsupd's measured slower than
 * migrating.) Without cgroups, an address-space limit (0: none). */
struct cg_entry {
	int fds[CG_MAX_HIER];
	int nfds;
	rlim_t rlimit_as;
};

/* Make job id's cgroup with its limits and open what the child needs. 0, or -1 with errno
 * (what failed, which file, is logged). */
int cg_job_create(struct cgroups *cg, uint64_t id, const struct job_limits *lim,
		  struct cg_entry *entry);
/* Close the parent's copies of the entry's descriptors (after the spawn). */
void cg_entry_close(struct cg_entry *entry);
/* In the vforked child: enter the cgroup and apply the rlimit. 0 or -1 (errno). */
int cg_child_enter(const struct cg_entry *entry);

/* Send sig to every process of the job's cgroup (for SIGKILL use cg_job_kill). Returns how
 * many processes there were, or -1. */
int cg_job_signal(struct cgroups *cg, uint64_t id, int sig);
/* Kill every process of the job's cgroup, so that nothing forks away meanwhile: cgroup.kill on
 * v2; on v1 the cgroup is frozen first, and that takes a moment. Returns 0 when done (or there
 * was nothing to kill), 1 when a v1 freeze is under way: call cg_job_kill_frozen once
 * cg_job_frozen says so (or, should it never, after a while anyway); -1 on error. */
int cg_job_kill(struct cgroups *cg, uint64_t id);
bool cg_job_frozen(struct cgroups *cg, uint64_t id);
/* Signal every process SIGKILL and thaw the cgroup. */
void cg_job_kill_frozen(struct cgroups *cg, uint64_t id);
/* Is the job's cgroup empty? (true without cgroups) */
bool cg_job_empty(struct cgroups *cg, uint64_t id);
/* Usage so far, and how many processes the memory limit killed. */
void cg_job_usage(struct cgroups *cg, uint64_t id, struct cg_usage *u, uint64_t *oom_kills);
/* Remove the job's (empty) cgroup. */
void cg_job_remove(struct cgroups *cg, uint64_t id);

#endif
