/*
 * cgsetup: containment at start-up: which hierarchies are mounted and writable, the root of
 * jobsupd's cgroups in each (made, and cleaned of what a previous jobsupd left), and at exit
 * removing it. See cgroup.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgfile.h"
#include "cgpriv.h"
#include "cgroup.h"
#include "log.h"

/* How long to wait for a stale cgroup's processes to go. */
#define STALE_WAIT_MS 2000

static void find_mounts(struct cgfile_mounts *m)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	memset(m, 0, sizeof *m);
	if (!f)
		return;
	while (fgets(line, sizeof line, f))
		cgfile_mounts_add(m, line);
	fclose(f);
}

/* Make dir (and its parents within the hierarchy); false when it cannot be had. */
static bool make_dir(const char *dir)
{
	char p[PATH_MAX];
	pathf(p, sizeof p, "%s", dir);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return false;
		*s = '/';
	}
	return mkdir(p, 0755) == 0 || errno == EEXIST;
}

/* Kill and remove what a previous jobsupd left under the root. */
static void clean_stale(struct cgroups *cg)
{
	char dir[PATH_MAX];
	int removed = 0;
	DIR *d = opendir(cg->hier[cg->procs_hier].path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		unsigned long long id = strtoull(e->d_name, &end, 10);
		if (e->d_type != DT_DIR || *end || end == e->d_name)
			continue;
		for (int waited = 0; !cg_job_empty(cg, id) && waited < STALE_WAIT_MS;
		     waited += 10) {
			cg_kill_now(cg, id);
			sleep_ms(10);
		}
		cg_job_remove(cg, id);
		removed++;
	}
	closedir(d);
	if (removed)
		log_info("removed %d cgroups a previous jobsupd left behind", removed);
	/* v1: the other hierarchies may hold directories the first does not. */
	for (int h = 0; h < cg->nhier; h++) {
		if (h == cg->procs_hier || !(d = opendir(cg->hier[h].path)))
			continue;
		while ((e = readdir(d)))
			if (e->d_type == DT_DIR && e->d_name[0] != '.') {
				pathf(dir, sizeof dir, "%s/%s", cg->hier[h].path, e->d_name);
				rmdir(dir);
			}
		closedir(d);
	}
}

static void find_devices(struct cgroups *cg)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d)) && cg->ndevices < CG_MAX_DEVICES) {
		char path[PATH_MAX], dev[32];
		const char *n = e->d_name;
		/* Disks only: not loop devices, RAM disks, compressed swap, optical drives. */
		if (n[0] == '.' || !strncmp(n, "loop", 4) || !strncmp(n, "ram", 3) ||
		    !strncmp(n, "zram", 4) || !strncmp(n, "sr", 2) || !strncmp(n, "nbd", 3))
			continue;
		pathf(path, sizeof path, "/sys/block/%s/dev", n);
		if (read_file(path, dev, sizeof dev) > 0) {
			dev[strcspn(dev, "\n")] = '\0';
			if (strlen(dev) < sizeof cg->devices[0])
				snprintf(cg->devices[cg->ndevices++], sizeof cg->devices[0], "%s",
					 dev);
		}
	}
	closedir(d);
}

/* v2 allows controllers for children only in a cgroup without processes of its own: when that
 * is jobsupd's own (a delegated service cgroup), jobsupd moves into a leaf beside the root. */
static int move_out(const char *parent)
{
	char leaf[PATH_MAX], procs[PATH_MAX];
	pathf(leaf, sizeof leaf, "%s/supervisor", parent);
	pathf(procs, sizeof procs, "%s/cgroup.procs", leaf);
	if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
		return -1;
	if (write_file(procs, "0") < 0)
		return -1;
	log_info("moved jobsupd into %s, so that %s can delegate controllers", leaf, parent);
	return 0;
}

/* v2: the controllers the root's parent offers, enabled for the root and its children. */
static unsigned v2_enable(const char *parent, const char *root)
{
	char path[PATH_MAX], avail[512];
	pathf(path, sizeof path, "%s/cgroup.controllers", parent);
	if (read_file(path, avail, sizeof avail) < 0)
		return 0;
	unsigned want = cgfile_ctrl_bits(avail) & (CG_MEMORY | CG_CPU | CG_PIDS | CG_IO);
	unsigned got = 0;
	for (size_t i = 0; i < cgfile_nctrls; i++) {
		char op[32];
		if (!(want & cgfile_ctrls[i].bit) || !strcmp(cgfile_ctrls[i].name, "blkio"))
			continue;
		snprintf(op, sizeof op, "+%s", cgfile_ctrls[i].name);
		pathf(path, sizeof path, "%s/cgroup.subtree_control", parent);
		if (write_file(path, op) < 0 && errno == EBUSY && move_out(parent) == 0)
			write_file(path, op);
		pathf(path, sizeof path, "%s/cgroup.subtree_control", root);
		if (write_file(path, op) == 0)
			got |= cgfile_ctrls[i].bit;
	}
	return got | CG_CPUACCT; /* cpu.stat is always there */
}

static bool try_v2(struct cgroups *cg, const struct cgfile_mounts *m, const char *root_name,
		   bool need_controllers)
{
	char parent[PATH_MAX];
	struct cg_hier *h = &cg->hier[0];
	if (!m->v2[0])
		return false;
	if (root_name[0] == '/')
		pathf(h->path, sizeof h->path, "%s", root_name);
	else
		pathf(h->path, sizeof h->path, "%s/%s", m->v2, root_name);
	pathf(parent, sizeof parent, "%s", h->path);
	*strrchr(parent, '/') = '\0';
	struct stat st;
	bool existed = stat(h->path, &st) == 0;
	if (!make_dir(h->path))
		return false;
	h->ctrls = v2_enable(parent, h->path);
	if (need_controllers &&
	    !(h->ctrls & CG_MEMORY && h->ctrls & CG_PIDS && h->ctrls & CG_CPU)) {
		if (!existed)
			rmdir(h->path);
		return false;
	}
	cg->mode = CONTAIN_CGROUP_V2;
	cg->nhier = 1;
	cg->ctrls = h->ctrls;
	return true;
}

static bool try_v1(struct cgroups *cg, const struct cgfile_mounts *m, const char *root_name)
{
	unsigned seen = 0;
	cg->nhier = 0;
	for (int i = 0; i < m->nv1; i++) {
		unsigned bits = m->v1_ctrls[i] & ~seen;
		if (!bits)
			continue;
		struct cg_hier *h = &cg->hier[cg->nhier];
		pathf(h->path, sizeof h->path, "%s/%s", m->v1[i], root_name);
		if (!make_dir(h->path))
			continue;
		h->ctrls = bits;
		seen |= bits;
		cg->nhier++;
	}
	if (!(seen & (CG_MEMORY | CG_CPU | CG_PIDS | CG_FREEZER))) {
		cg->nhier = 0;
		return false;
	}
	cg->mode = CONTAIN_CGROUP_V1;
	cg->ctrls = seen;
	cg->procs_hier = hier_of(cg, CG_FREEZER) >= 0 ? hier_of(cg, CG_FREEZER) : 0;
	return true;
}

/* The line that says what containment jobsupd found. */
static void say_mode(const struct cgroups *cg)
{
	char names[128] = "";
	for (size_t i = 0; i < cgfile_nctrls; i++)
		if ((cg->ctrls & cgfile_ctrls[i].bit) && !strstr(names, cgfile_ctrls[i].name) &&
		    !(cg->mode == CONTAIN_CGROUP_V2 && cgfile_ctrls[i].bit == CG_CPUACCT) &&
		    !(cg->mode == CONTAIN_CGROUP_V1 && !strcmp(cgfile_ctrls[i].name, "io")))
			snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
				 names[0] ? ", " : "", cgfile_ctrls[i].name);
	log_info("containment: %s under %s%s (controllers: %s)", cg_mode_name(cg->mode),
		 cg->hier[0].path, cg->nhier > 1 ? " and the other hierarchies" : "",
		 names[0] ? names : "none");
}

int cg_init(struct cgroups *cg, const char *root_name, enum cg_want want)
{
	struct cgfile_mounts m;
	memset(cg, 0, sizeof *cg);
	cg->mode = CONTAIN_PROCESS_GROUP;
	find_mounts(&m);

	bool ok = false;
	switch (want) {
	case CG_WANT_AUTO:
		ok = try_v2(cg, &m, root_name, true) || try_v1(cg, &m, root_name) ||
		     try_v2(cg, &m, root_name, false);
		break;
	case CG_WANT_V2:
		ok = try_v2(cg, &m, root_name, false);
		break;
	case CG_WANT_V1:
		ok = try_v1(cg, &m, root_name);
		break;
	case CG_WANT_NONE:
		ok = true;
		break;
	}
	if (!ok && want != CG_WANT_AUTO) {
		log_error("cannot use cgroup %s under %s: %s", want == CG_WANT_V2 ? "v2" : "v1",
			  root_name,
			  (want == CG_WANT_V2 ? !m.v2[0] : !m.nv1) ? "not mounted"
								   : "not writable here");
		return -1;
	}
	if (cg->mode == CONTAIN_PROCESS_GROUP) {
		log_info("containment: process groups and setrlimit (%s); memory limits via "
			 "RLIMIT_AS only, no cpu, pids or io limits, and a job that leaves its "
			 "session escapes being stopped",
			 want == CG_WANT_NONE ? "asked for" : "no writable cgroup hierarchy");
		return 0;
	}
	find_devices(cg);
	clean_stale(cg);
	say_mode(cg);
	return 0;
}

void cg_fini(struct cgroups *cg)
{
	/* The root goes too (once empty), whoever made it: it is jobsupd's alone. */
	for (int h = 0; h < cg->nhier && cg->mode != CONTAIN_PROCESS_GROUP; h++)
		rmdir(cg->hier[h].path);
}
