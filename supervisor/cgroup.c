/* cgroup: a cgroup per job, on either hierarchy; see cgroup.h and CONTAINMENT.md. Start-up
 * (finding the hierarchies, the root) is cgsetup.c. */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgfile.h"
#include "cgpriv.h"
#include "log.h"

#define CPU_PERIOD_US 100000
/* How long start-up waits for a v1 freeze to settle. */
#define FREEZE_WAIT_MS 500

const char *cg_mode_name(enum containment mode)
{
	switch (mode) {
	case CONTAIN_CGROUP_V2:
		return "cgroup-v2";
	case CONTAIN_CGROUP_V1:
		return "cgroup-v1";
	case CONTAIN_SLURM:
		return "slurm";
	case CONTAIN_PROCESS_GROUP:
		break;
	}
	return "process-group";
}

bool cg_can_limit(const struct cgroups *cg, int limit)
{
	unsigned bit = cgfile_ctrl_bits(limit_info[limit].controller);
	if (cg->mode == CONTAIN_PROCESS_GROUP)
		return bit == CG_MEMORY;
	/* io limits are set per disk: without a disk there is nothing to set them on. */
	return (cg->ctrls & bit) && (bit != CG_IO || cg->ndevices > 0);
}

/* Files */

bool pathf(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap) {
		dst[0] = '\0';
		return false;
	}
	return true;
}

int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = strlen(text);
	ssize_t w = write(fd, text, n);
	int e = errno;
	close(fd);
	errno = e;
	return w == (ssize_t)n ? 0 : -1;
}

ssize_t read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* The number after "key " in a "key value" file (cpu.stat, memory.events, oom_control). */
static bool read_key(const char *path, const char *key, uint64_t *out)
{
	char buf[4096];
	return read_file(path, buf, sizeof buf) >= 0 && cgfile_key(buf, key, out);
}

static bool read_number(const char *path, uint64_t *out)
{
	char buf[64];
	return read_file(path, buf, sizeof buf) > 0 && cgfile_number(buf, out);
}

/* path of a file of job id's cgroup in hierarchy h ("" for the directory). */
static void job_path(const struct cgroups *cg, int h, uint64_t id, const char *file, char *dst,
		     size_t cap)
{
	pathf(dst, cap, "%s/%llu%s%s", cg->hier[h].path, (unsigned long long)id, *file ? "/" : "",
	      file);
}

/* The hierarchy that has controller bit, or -1. */
int hier_of(const struct cgroups *cg, unsigned bit)
{
	for (int h = 0; h < cg->nhier; h++)
		if (cg->hier[h].ctrls & bit)
			return h;
	return -1;
}

static bool write_job(const struct cgroups *cg, unsigned bit, uint64_t id, const char *file,
		      const char *text)
{
	char path[PATH_MAX];
	int h = hier_of(cg, bit);
	if (h < 0)
		return false;
	job_path(cg, h, id, file, path, sizeof path);
	return write_file(path, text) == 0;
}

/* Processes */

/* Signal every process listed in dir/cgroup.procs; returns how many were listed. */
static int signal_procs(const char *dir, int sig)
{
	char path[PATH_MAX];
	pathf(path, sizeof path, "%s/cgroup.procs", dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	int n = 0;
	long pid;
	while (fscanf(f, "%ld", &pid) == 1) {
		if (pid > 0)
			kill((pid_t)pid, sig);
		n++;
	}
	fclose(f);
	return n;
}

void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* v1: freeze, so that nothing forks while being killed; state is "FROZEN" or "THAWED". */
static int v1_set_freezer(const char *dir, const char *state)
{
	char path[PATH_MAX];
	pathf(path, sizeof path, "%s/freezer.state", dir);
	return write_file(path, state);
}

static bool v1_is_frozen(const char *dir)
{
	char path[PATH_MAX], now[32];
	pathf(path, sizeof path, "%s/freezer.state", dir);
	return read_file(path, now, sizeof now) > 0 && strncmp(now, "FROZEN", 6) == 0;
}

/* The job's directory in the hierarchy that lists its processes, and in the freezer's (false
 * when there is no freezer). */
static bool job_dirs(const struct cgroups *cg, uint64_t id, char *dir, char *fdir, size_t cap)
{
	int fh = cg->mode == CONTAIN_CGROUP_V1 ? hier_of(cg, CG_FREEZER) : -1;
	job_path(cg, cg->procs_hier, id, "", dir, cap);
	if (fh >= 0)
		job_path(cg, fh, id, "", fdir, cap);
	return fh >= 0;
}

int cg_job_signal(struct cgroups *cg, uint64_t id, int sig)
{
	char dir[PATH_MAX];
	if (cg->mode == CONTAIN_PROCESS_GROUP)
		return 0;
	job_path(cg, cg->procs_hier, id, "", dir, sizeof dir);
	return signal_procs(dir, sig);
}

int cg_job_kill(struct cgroups *cg, uint64_t id)
{
	char dir[PATH_MAX], fdir[PATH_MAX], path[PATH_MAX];
	if (cg->mode == CONTAIN_PROCESS_GROUP)
		return 0;
	bool freezer = job_dirs(cg, id, dir, fdir, sizeof dir);
	if (cg->mode == CONTAIN_CGROUP_V2) {
		pathf(path, sizeof path, "%s/cgroup.kill", dir);
		if (write_file(path, "1") == 0)
			return 0;
	}
	/* Freezing toggles a kernel static key (an IPI to every CPU), so an empty cgroup, the
	 * usual case once the main process is reaped, is left alone. */
	int n = signal_procs(dir, 0);
	if (n <= 0)
		return n;
	if (freezer && v1_set_freezer(fdir, "FROZEN") == 0)
		return 1;
	return signal_procs(dir, SIGKILL) < 0 ? -1 : 0;
}

bool cg_job_frozen(struct cgroups *cg, uint64_t id)
{
	char dir[PATH_MAX], fdir[PATH_MAX];
	return !job_dirs(cg, id, dir, fdir, sizeof dir) || v1_is_frozen(fdir);
}

void cg_job_kill_frozen(struct cgroups *cg, uint64_t id)
{
	char dir[PATH_MAX], fdir[PATH_MAX];
	bool freezer = job_dirs(cg, id, dir, fdir, sizeof dir);
	signal_procs(dir, SIGKILL);
	if (freezer)
		v1_set_freezer(fdir, "THAWED");
}

/* At start-up only (the loop is not running yet): kill, waiting for a freeze. */
void cg_kill_now(struct cgroups *cg, uint64_t id)
{
	if (cg_job_kill(cg, id) != 1)
		return;
	for (int waited = 0; waited < FREEZE_WAIT_MS && !cg_job_frozen(cg, id); waited++)
		sleep_ms(1);
	cg_job_kill_frozen(cg, id);
}

bool cg_job_empty(struct cgroups *cg, uint64_t id)
{
	char path[PATH_MAX], buf[256];
	uint64_t populated;
	if (cg->mode == CONTAIN_PROCESS_GROUP)
		return true;
	if (cg->mode == CONTAIN_CGROUP_V2) {
		job_path(cg, cg->procs_hier, id, "cgroup.events", path, sizeof path);
		return !read_key(path, "populated", &populated) || populated == 0;
	}
	job_path(cg, cg->procs_hier, id, "cgroup.procs", path, sizeof path);
	return read_file(path, buf, sizeof buf) <= 0;
}

void cg_job_usage(struct cgroups *cg, uint64_t id, struct cg_usage *u, uint64_t *oom_kills)
{
	char path[PATH_MAX];
	uint64_t v;
	int h;

	*oom_kills = 0;
	if (cg->mode == CONTAIN_PROCESS_GROUP)
		return;
	u->valid = true;
	if (cg->mode == CONTAIN_CGROUP_V2) {
		job_path(cg, 0, id, "cpu.stat", path, sizeof path);
		if (read_key(path, "usage_usec", &v))
			u->cpu_ms = v / 1000;
		job_path(cg, 0, id, "memory.peak", path, sizeof path);
		if (read_number(path, &v)) {
			u->max_memory_bytes = v;
			u->memory_known = true;
		}
		job_path(cg, 0, id, "memory.events", path, sizeof path);
		read_key(path, "oom_kill", oom_kills);
		return;
	}
	if ((h = hier_of(cg, CG_CPUACCT)) >= 0) {
		job_path(cg, h, id, "cpuacct.usage", path, sizeof path);
		if (read_number(path, &v))
			u->cpu_ms = v / 1000000;
	}
	if ((h = hier_of(cg, CG_MEMORY)) >= 0) {
		job_path(cg, h, id, "memory.max_usage_in_bytes", path, sizeof path);
		if (read_number(path, &v)) {
			u->max_memory_bytes = v;
			u->memory_known = true;
		}
		job_path(cg, h, id, "memory.oom_control", path, sizeof path);
		read_key(path, "oom_kill", oom_kills);
	}
}

void cg_job_remove(struct cgroups *cg, uint64_t id)
{
	char path[PATH_MAX];
	for (int h = 0; h < cg->nhier && cg->mode != CONTAIN_PROCESS_GROUP; h++) {
		job_path(cg, h, id, "", path, sizeof path);
		if (rmdir(path) < 0 && errno != ENOENT)
			log_warn("cannot remove the cgroup %s: %s", path, strerror(errno));
	}
}

/* Creating a job's cgroup */

/* The controllers a job's cgroup needs: on v1 each is a hierarchy of its own, and every one
 * costs a directory and a migration per job (the migration may wait for an RCU grace period),
 * so a job joins only those that track it (freezer), account it (memory, cpuacct) or enforce a
 * limit it has. */
static unsigned hier_need(const struct cgroups *cg, const struct job_limits *lim)
{
	unsigned need = CG_FREEZER | CG_MEMORY | CG_CPUACCT | cg->hier[cg->procs_hier].ctrls;
	if (lim->cpu_percent)
		need |= CG_CPU;
	if (lim->pids)
		need |= CG_PIDS;
	if (lim->io_bytes_per_s)
		need |= CG_IO;
	return need;
}

static int set_limits(struct cgroups *cg, uint64_t id, const struct job_limits *lim)
{
	char v[256];
	const char *what = NULL;
	bool v2 = cg->mode == CONTAIN_CGROUP_V2;

	if (lim->memory_bytes) {
		snprintf(v, sizeof v, "%llu", (unsigned long long)lim->memory_bytes);
		if (!write_job(cg, CG_MEMORY, id, v2 ? "memory.max" : "memory.limit_in_bytes", v))
			what = "memory";
		/* Swap counts too, where the kernel accounts it: the limit is the job's memory. */
		write_job(cg, CG_MEMORY, id, v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes",
			  v2 ? "0" : v);
	}
	if (!what && lim->cpu_percent) {
		unsigned long long quota = lim->cpu_percent * (CPU_PERIOD_US / 100);
		if (v2) {
			snprintf(v, sizeof v, "%llu %d", quota, CPU_PERIOD_US);
			if (!write_job(cg, CG_CPU, id, "cpu.max", v))
				what = "cpu";
		} else {
			snprintf(v, sizeof v, "%d", CPU_PERIOD_US);
			write_job(cg, CG_CPU, id, "cpu.cfs_period_us", v);
			snprintf(v, sizeof v, "%llu", quota);
			if (!write_job(cg, CG_CPU, id, "cpu.cfs_quota_us", v))
				what = "cpu";
		}
	}
	if (!what && lim->pids) {
		snprintf(v, sizeof v, "%llu", (unsigned long long)lim->pids);
		if (!write_job(cg, CG_PIDS, id, "pids.max", v))
			what = "pids";
	}
	if (!what && lim->io_bytes_per_s) {
		int done = 0;
		for (int d = 0; d < cg->ndevices; d++) {
			unsigned long long bps = (unsigned long long)lim->io_bytes_per_s;
			if (v2) {
				snprintf(v, sizeof v, "%s rbps=%llu wbps=%llu", cg->devices[d], bps,
					 bps);
				done += write_job(cg, CG_IO, id, "io.max", v);
			} else {
				snprintf(v, sizeof v, "%s %llu", cg->devices[d], bps);
				done +=
				    write_job(cg, CG_IO, id, "blkio.throttle.read_bps_device", v) &&
				    write_job(cg, CG_IO, id, "blkio.throttle.write_bps_device", v);
			}
		}
		if (!done)
			what = "io";
	}
	if (what) {
		int e = errno;
		log_warn("job %llu: cannot set its %s limit: %s", (unsigned long long)id, what,
			 strerror(e));
		errno = e;
		return -1;
	}
	return 0;
}

int cg_job_create(struct cgroups *cg, uint64_t id, const struct job_limits *lim,
		  struct cg_entry *entry)
{
	char path[PATH_MAX];

	entry->nfds = 0;
	entry->rlimit_as = 0;
	if (cg->mode == CONTAIN_PROCESS_GROUP) {
		entry->rlimit_as = (rlim_t)lim->memory_bytes;
		return 0;
	}
	unsigned need = hier_need(cg, lim);
	for (int h = 0; h < cg->nhier; h++) {
		if (!(cg->hier[h].ctrls & need))
			continue;
		job_path(cg, h, id, "", path, sizeof path);
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			log_warn("job %llu: cannot create %s: %s", (unsigned long long)id, path,
				 strerror(errno));
			goto fail;
		}
	}
	if (set_limits(cg, id, lim) < 0)
		goto fail;
	/* v1: the child enters through "tasks", moving just itself (it has one thread): unlike
	 * cgroup.procs, that takes no lock of the whole thread group, whose write side may wait
	 * for an RCU grace period (milliseconds) when the system was idle. */
	const char *entry_file = cg->mode == CONTAIN_CGROUP_V1 ? "tasks" : "cgroup.procs";
	for (int h = 0; h < cg->nhier; h++) {
		if (!(cg->hier[h].ctrls & need))
			continue;
		job_path(cg, h, id, entry_file, path, sizeof path);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			log_warn("job %llu: cannot open %s: %s", (unsigned long long)id, path,
				 strerror(errno));
			goto fail;
		}
		entry->fds[entry->nfds++] = fd;
	}
	return 0;
fail:;
	int e = errno;
	cg_entry_close(entry);
	cg_job_remove(cg, id);
	errno = e;
	return -1;
}

void cg_entry_close(struct cg_entry *entry)
{
	for (int i = 0; i < entry->nfds; i++)
		close(entry->fds[i]);
	entry->nfds = 0;
}

int cg_child_enter(const struct cg_entry *entry)
{
	for (int i = 0; i < entry->nfds; i++)
		if (write(entry->fds[i], "0", 1) != 1)
			return -1;
	if (entry->rlimit_as) {
		struct rlimit rl = {entry->rlimit_as, entry->rlimit_as};
		if (setrlimit(RLIMIT_AS, &rl) < 0)
			return -1;
	}
	return 0;
}
