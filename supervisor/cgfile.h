/*
 * cgfile: the formats of the cgroup files jobsupd reads, and of /proc/self/mountinfo, as
 * functions over text already read. cgroup.c does the reading; keeping the parsing apart lets
 * each format be tested with any kernel's contents on any machine. No I/O, no allocation.
 */
#ifndef CGFILE_H
#define CGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"

/* The controllers jobsupd knows, by name: the one table of them. "io" is "blkio" on v1. */
struct cgfile_ctrl {
	const char *name;
	unsigned bit; /* CG_* (cgroup.h) */
};
extern const struct cgfile_ctrl cgfile_ctrls[];
extern const size_t cgfile_nctrls;

/* The controllers named in a list separated by commas, spaces or newlines (a v1 mount's
 * options, cgroup.controllers, a limit's controller); names not in the table are ignored. */
unsigned cgfile_ctrl_bits(const char *list);

/* The value of key in "key value" lines (cpu.stat, memory.events, cgroup.events,
 * memory.oom_control): false when no line has exactly that key (a key that only begins
 * another, "oom_kill" of "oom_kill_disable", is not it) or its value is not a number. */
bool cgfile_key(const char *text, const char *key, uint64_t *value);

/* The number a one-number file holds (memory.peak, cpuacct.usage); false for anything else
 * ("max", nothing, a number followed by more). */
bool cgfile_number(const char *text, uint64_t *value);

struct cgfile_mount {
	char point[PATH_MAX / 4]; /* the mount point, its escapes (\040 for a space) undone */
	char fstype[64];
	char options[512]; /* the superblock's options: a v1 hierarchy's controllers */
};

/* One line of /proc/self/mountinfo; false when it is not one, or a field does not fit. */
bool cgfile_mountinfo_line(const char *line, struct cgfile_mount *m);

/* The cgroup hierarchies mountinfo shows. */
struct cgfile_mounts {
	char v1[CG_MAX_HIER][PATH_MAX / 4]; /* v1 hierarchies with a controller in the table */
	unsigned v1_ctrls[CG_MAX_HIER];
	int nv1;
	char v2[PATH_MAX / 4]; /* the first cgroup2 mount, or "" */
};

/* Take one line of mountinfo into seen (zeroed before the first line); a line that is not a
 * cgroup mount, or not mountinfo at all, changes nothing. */
void cgfile_mounts_add(struct cgfile_mounts *seen, const char *line);

#endif
