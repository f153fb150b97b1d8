/* Unit tests: the cgroup files and mountinfo as jobsupd reads them (cgfile.c), from the text
 * real kernels write: cgroup v1 and v2, several layouts of hierarchies, and garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cgfile.h"

/* A sentinel: a failed read must leave the caller's value as it was. */
#define UNTOUCHED 4242

static uint64_t key_of(const char *text, const char *key, bool *found)
{
	uint64_t v = UNTOUCHED;
	*found = cgfile_key(text, key, &v);
	return v;
}

static void assert_key(const char *text, const char *key, uint64_t want)
{
	bool found;
	uint64_t v = key_of(text, key, &found);
	assert_true(found);
	assert_int_equal(v, want);
}

static void assert_no_key(const char *text, const char *key)
{
	bool found;
	uint64_t v = key_of(text, key, &found);
	assert_false(found);
	assert_int_equal(v, UNTOUCHED);
}

static void cpu_stat_v1_and_v2(void **state)
{
	(void)state;
	const char *v2 = "usage_usec 81234567\n"
			 "user_usec 80000000\n"
			 "system_usec 1234567\n"
			 "core_sched.force_idle_usec 0\n"
			 "nr_periods 40\n"
			 "nr_throttled 3\n"
			 "throttled_usec 52000\n"
			 "nr_bursts 0\n"
			 "burst_usec 0\n";
	assert_key(v2, "usage_usec", 81234567);
	assert_key(v2, "system_usec", 1234567);
	assert_key(v2, "nr_throttled", 3);
	assert_key(v2, "burst_usec", 0); /* the last line */
	/* v1's cpu.stat has throttling only: CPU time is cpuacct.usage's. */
	const char *v1 =
	    "nr_periods 0\nnr_throttled 0\nthrottled_time 0\nnr_bursts 0\nburst_time 0\n";
	assert_no_key(v1, "usage_usec");
	assert_key(v1, "throttled_time", 0);
}

static void memory_events_and_oom_control(void **state)
{
	(void)state;
	/* v2: "oom" begins "oom_kill" and "oom_group_kill", which are other counters. */
	const char *events = "low 0\nhigh 0\nmax 17\noom 3\noom_kill 2\noom_group_kill 1\n";
	assert_key(events, "oom_kill", 2);
	assert_key(events, "oom", 3);
	assert_key(events, "oom_group_kill", 1);
	/* v1: "oom_kill_disable" comes first and begins with "oom_kill". */
	const char *oom_control = "oom_kill_disable 1\nunder_oom 0\noom_kill 5\n";
	assert_key(oom_control, "oom_kill", 5);
	assert_key(oom_control, "oom_kill_disable", 1);
	/* Before Linux 4.13 there was no oom_kill line at all. */
	assert_no_key("oom_kill_disable 0\nunder_oom 0\n", "oom_kill");
	/* A key only at the start of a line, and a key that merely ends another is not it. */
	assert_no_key("xoom_kill 4\n", "oom_kill");
	assert_no_key("under_oom 1\n", "oom");
}

static void cgroup_events(void **state)
{
	(void)state;
	assert_key("populated 1\nfrozen 0\n", "populated", 1);
	assert_key("populated 0\nfrozen 1\n", "populated", 0);
	assert_key("populated 0\nfrozen 1", "frozen", 1); /* no final newline */
}

static void values_that_are_not_numbers(void **state)
{
	(void)state;
	assert_no_key("", "oom_kill");
	assert_no_key("oom_kill\n", "oom_kill");
	assert_no_key("oom_kill \n", "oom_kill");
	assert_no_key("oom_kill abc\n", "oom_kill");
	assert_no_key("oom_kill -1\n", "oom_kill");
	assert_no_key("oom_kill 12x\n", "oom_kill");
	assert_no_key("oom_kill 18446744073709551616\n", "oom_kill"); /* 2^64 */
	assert_key("oom_kill 18446744073709551615\n", "oom_kill", UINT64_MAX);
	assert_key("oom_kill 7 \n", "oom_kill", 7);
	assert_no_key("\n\n\n", "oom_kill");
	assert_no_key("oom_kill 1\n", "");
}

static void one_number_files(void **state)
{
	uint64_t v = UNTOUCHED;
	(void)state;
	assert_true(cgfile_number("1234567890\n", &v)); /* memory.peak, cpuacct.usage */
	assert_int_equal(v, 1234567890);
	assert_true(cgfile_number("0", &v));
	assert_int_equal(v, 0);
	v = UNTOUCHED;
	assert_false(cgfile_number("max\n", &v)); /* memory.max when unlimited */
	assert_false(cgfile_number("", &v));
	assert_false(cgfile_number("\n", &v));
	assert_false(cgfile_number("12 34\n", &v));
	assert_false(cgfile_number("99999999999999999999\n", &v));
	assert_int_equal(v, UNTOUCHED);
}

static void controller_lists(void **state)
{
	(void)state;
	/* v2's cgroup.controllers: only the controllers jobsupd knows count. */
	assert_int_equal(cgfile_ctrl_bits("cpuset cpu io memory hugetlb pids rdma misc\n"),
			 CG_CPU | CG_IO | CG_MEMORY | CG_PIDS);
	/* v1 mount options: whole names only ("cpuset" is not "cpu"). */
	assert_int_equal(cgfile_ctrl_bits("rw,cpu,cpuacct"), CG_CPU | CG_CPUACCT);
	assert_int_equal(cgfile_ctrl_bits("rw,cpuset"), 0);
	assert_int_equal(cgfile_ctrl_bits("rw,blkio"), CG_IO);
	assert_int_equal(cgfile_ctrl_bits("rw,xattr,name=systemd"), 0);
	assert_int_equal(cgfile_ctrl_bits("rw,net_cls,net_prio"), 0);
	assert_int_equal(cgfile_ctrl_bits("rw,nosuid,freezer,relatime"), CG_FREEZER);
	assert_int_equal(cgfile_ctrl_bits(""), 0);
	assert_int_equal(cgfile_ctrl_bits(",, ,\n"), 0);
	assert_int_equal(cgfile_ctrl_bits("memoryx,xmemory,memor"), 0);
	/* A limit's controller, as joblimits.h names it. */
	assert_int_equal(cgfile_ctrl_bits("pids"), CG_PIDS);
}

static void add_lines(struct cgfile_mounts *m, const char *const *lines)
{
	memset(m, 0, sizeof *m);
	for (; *lines; lines++)
		cgfile_mounts_add(m, *lines);
}

/* A Debian 10 / Ubuntu 20.04 host: v1 hierarchies, systemd's named one, and cgroup2 beside
 * them at unified (systemd's "hybrid" layout). */
static void mountinfo_hybrid(void **state)
{
	static const char *const lines[] = {
	    "22 27 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n",
	    "27 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n",
	    "25 22 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs "
	    "ro,mode=755\n",
	    "26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - "
	    "cgroup2 cgroup2 rw,nsdelegate\n",
	    "28 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - "
	    "cgroup cgroup rw,xattr,name=systemd\n",
	    "31 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - "
	    "cgroup cgroup rw,cpu,cpuacct\n",
	    "32 25 0:29 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime "
	    "shared:15 - cgroup cgroup rw,net_cls,net_prio\n",
	    "33 25 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - "
	    "cgroup cgroup rw,memory\n",
	    "34 25 0:31 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:17 - "
	    "cgroup cgroup rw,cpuset\n",
	    "35 25 0:32 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:18 - "
	    "cgroup cgroup rw,pids\n",
	    "36 25 0:33 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:19 - "
	    "cgroup cgroup rw,blkio\n",
	    "37 25 0:34 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:20 - "
	    "cgroup cgroup rw,freezer\n",
	    NULL,
	};
	struct cgfile_mounts m;
	(void)state;
	add_lines(&m, lines);
	assert_string_equal(m.v2, "/sys/fs/cgroup/unified");
	assert_int_equal(m.nv1, 5);
	assert_string_equal(m.v1[0], "/sys/fs/cgroup/cpu,cpuacct");
	assert_int_equal(m.v1_ctrls[0], CG_CPU | CG_CPUACCT);
	assert_string_equal(m.v1[1], "/sys/fs/cgroup/memory");
	assert_int_equal(m.v1_ctrls[1], CG_MEMORY);
	assert_string_equal(m.v1[2], "/sys/fs/cgroup/pids");
	assert_string_equal(m.v1[3], "/sys/fs/cgroup/blkio");
	assert_int_equal(m.v1_ctrls[3], CG_IO);
	assert_string_equal(m.v1[4], "/sys/fs/cgroup/freezer");
	assert_int_equal(m.v1_ctrls[4], CG_FREEZER);
}

/* A container's mountinfo (no optional fields), one hierarchy per controller: more
 * hierarchies with known controllers than CG_MAX_HIER keeps. */
static void mountinfo_v1_without_optional_fields(void **state)
{
	static const char *const lines[] = {
	    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n",
	    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n",
	    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n",
	    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n",
	    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n",
	    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n",
	    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n",
	    "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n",
	    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n",
	    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n",
	    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n",
	    "42 31 0:39 / /sys/fs/cgroup/io2 rw,relatime - cgroup cgroup rw,io\n",
	    NULL,
	};
	struct cgfile_mounts m;
	(void)state;
	add_lines(&m, lines);
	assert_int_equal(m.nv1, CG_MAX_HIER);
	assert_string_equal(m.v1[0], "/sys/fs/cgroup/cpu");
	assert_string_equal(m.v1[1], "/sys/fs/cgroup/cpuacct");
	assert_string_equal(m.v1[5], "/sys/fs/cgroup/pids");
	assert_int_equal(m.v1_ctrls[5], CG_PIDS);
	assert_string_equal(m.v2, "/sys/fs/cgroup/unified");
}

/* A current distribution: the unified hierarchy alone; a second cgroup2 mount (a container's
 * own, say) does not replace the first. */
static void mountinfo_v2_only(void **state)
{
	static const char *const lines[] = {
	    "24 31 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw\n",
	    "27 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 "
	    "cgroup2 rw,nsdelegate,memory_recursiveprot\n",
	    "812 790 0:26 /system.slice/x.service /run/ctr/cgroup rw,relatime shared:4 master:1 - "
	    "cgroup2 cgroup2 rw,nsdelegate\n",
	    NULL,
	};
	struct cgfile_mounts m;
	(void)state;
	add_lines(&m, lines);
	assert_string_equal(m.v2, "/sys/fs/cgroup");
	assert_int_equal(m.nv1, 0);
}

static void mountinfo_escapes_and_fields(void **state)
{
	struct cgfile_mount m;
	(void)state;
	/* The kernel writes a space in a path as \040, a backslash as \134. */
	assert_true(cgfile_mountinfo_line("50 31 0:40 / /mnt/my\\040cgroups\\134x rw,relatime "
					  "shared:30 master:2 - cgroup cgroup rw,memory\n",
					  &m));
	assert_string_equal(m.point, "/mnt/my cgroups\\x");
	assert_string_equal(m.fstype, "cgroup");
	assert_string_equal(m.options, "rw,memory");
	/* A source with an escaped space; super options at the end of a line without "\n". */
	assert_true(
	    cgfile_mountinfo_line("51 31 0:41 / /x rw - cgroup2 my\\040src rw,nsdelegate", &m));
	assert_string_equal(m.point, "/x");
	assert_string_equal(m.fstype, "cgroup2");
	assert_string_equal(m.options, "rw,nsdelegate");
	/* A backslash not followed by three octal digits is itself. */
	assert_true(cgfile_mountinfo_line("52 31 0:42 / /a\\9b rw - tmpfs tmpfs rw\n", &m));
	assert_string_equal(m.point, "/a\\9b");

	struct cgfile_mounts seen;
	memset(&seen, 0, sizeof seen);
	cgfile_mounts_add(&seen, "50 31 0:40 / /mnt/my\\040cgroups rw,relatime - cgroup cgroup "
				 "rw,memory\n");
	assert_int_equal(seen.nv1, 1);
	assert_string_equal(seen.v1[0], "/mnt/my cgroups");
}

static void mountinfo_garbage(void **state)
{
	static const char *const bad[] = {
	    "",
	    "\n",
	    "garbage\n",
	    "1 2 3 4 /x rw\n",			       /* no separator */
	    "1 2 3 4 /x rw - cgroup\n",		       /* no source, no options */
	    "1 2 3 4 /x rw - cgroup cgroup\n",	       /* no options */
	    "1 2 3 4 /x rw -x cgroup src rw,memory\n", /* "-x" is not the separator */
	    "1 2 3 4\n",
	    NULL,
	};
	struct cgfile_mount m;
	struct cgfile_mounts seen;
	char long_line[2048];
	(void)state;
	memset(&seen, 0, sizeof seen);
	for (const char *const *l = bad; *l; l++) {
		assert_false(cgfile_mountinfo_line(*l, &m));
		cgfile_mounts_add(&seen, *l);
	}
	/* A mount point longer than the path kept is refused, not cut. */
	memset(long_line, 'a', sizeof long_line);
	memcpy(long_line, "1 2 3 4 /", 9);
	snprintf(long_line + 1500, sizeof long_line - 1500, " rw - cgroup cgroup rw,memory\n");
	assert_false(cgfile_mountinfo_line(long_line, &m));
	cgfile_mounts_add(&seen, long_line);
	assert_int_equal(seen.nv1, 0);
	assert_string_equal(seen.v2, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cpu_stat_v1_and_v2),
	    cmocka_unit_test(memory_events_and_oom_control),
	    cmocka_unit_test(cgroup_events),
	    cmocka_unit_test(values_that_are_not_numbers),
	    cmocka_unit_test(one_number_files),
	    cmocka_unit_test(controller_lists),
	    cmocka_unit_test(mountinfo_hybrid),
	    cmocka_unit_test(mountinfo_v1_without_optional_fields),
	    cmocka_unit_test(mountinfo_v2_only),
	    cmocka_unit_test(mountinfo_escapes_and_fields),
	    cmocka_unit_test(mountinfo_garbage),
	};
	return cmocka_run_group_tests_name("cgfile", tests, NULL, NULL);
}
