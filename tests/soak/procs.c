/* procs: what the soak reads of processes from /proc. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "soak.h"

long proc_fds(int pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd", pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	long n = 0;
	const struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

long proc_rss_kib(int pid)
{
	char path[64], line[256];
	long kib = -1;
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Call fn for each process, with its pid. */
static void each_process(void (*fn)(int pid, void *arg), void *arg)
{
	DIR *d = opendir("/proc");
	if (!d)
		return;
	const struct dirent *e;
	while ((e = readdir(d)))
		if (isdigit((unsigned char)e->d_name[0]))
			fn(atoi(e->d_name), arg);
	closedir(d);
}

/* /proc/PID/NAME, read into buf (NUL-terminated); its length, or -1. */
static ssize_t read_proc(int pid, const char *name, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

struct children {
	int parent, n, zombies;
};

static void count_child(int pid, void *arg)
{
	struct children *c = arg;
	char buf[512];
	if (read_proc(pid, "stat", buf, sizeof buf) <= 0)
		return;
	/* "pid (comm) state ppid ...": comm may hold anything, so read after its last ')'. */
	const char *p = strrchr(buf, ')');
	char state;
	int ppid;
	if (!p || sscanf(p + 1, " %c %d", &state, &ppid) != 2 || ppid != c->parent)
		return;
	c->n++;
	if (state == 'Z')
		c->zombies++;
}

int proc_children(int pid, int *zombies)
{
	struct children c = {pid, 0, 0};
	each_process(count_child, &c);
	*zombies = c.zombies;
	return c.n;
}

struct marked {
	const char *marker;
	int n;
};

static void count_marked(int pid, void *arg)
{
	struct marked *m = arg;
	char buf[8192];
	ssize_t n = read_proc(pid, "cmdline", buf, sizeof buf);
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	if (n <= 0)
		return;
	if (strstr(buf, m->marker) && pid != getpid())
		m->n++;
}

int proc_with(const char *marker)
{
	struct marked m = {marker, 0};
	each_process(count_marked, &m);
	return m.n;
}
