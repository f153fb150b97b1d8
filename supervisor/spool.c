/* spool: jobs' output on disk; see spool.h. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "log.h"

#define GIB (1ULL << 30)

static void name_of(uint64_t id, const char *ext, char dst[40])
{
	snprintf(dst, 40, "%llu.%s", (unsigned long long)id, ext);
}

/* Remove what a previous jobsupd left: its jobs are gone, and so are their ids. */
void spool_clean(struct spool *sp)
{
	int fd = dup(sp->dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	int removed = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(d); /* the descriptor is shared with dirfd, which may have read before */
	while ((e = readdir(d))) {
		char *end;
		strtoull(e->d_name, &end, 10);
		if (end != e->d_name && (!strcmp(end, ".out") || !strcmp(end, ".idx")) &&
		    unlinkat(sp->dirfd, e->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	if (removed)
		log_info("removed %d output files of jobs that are gone", removed);
}

int spool_init(struct spool *sp, const char *dir, uint64_t max, uint64_t total_max)
{
	*sp = (struct spool){.dirfd = -1, .max = max, .total_max = total_max};
	if (!dir)
		return 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_error("cannot create the output directory %s: %s", dir, strerror(errno));
		return -1;
	}
	sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->dirfd < 0) {
		log_error("cannot open the output directory %s: %s", dir, strerror(errno));
		return -1;
	}
	sp->enabled = true;
	spool_clean(sp);
	return 0;
}

void spool_fini(struct spool *sp)
{
	if (sp->enabled)
		spool_clean(sp);
	if (sp->dirfd >= 0)
		close(sp->dirfd);
	sp->dirfd = -1;
}

void spool_set_reclaim(struct spool *sp, spool_reclaim_fn *fn, void *ctx)
{
	sp->reclaim = fn;
	sp->reclaim_ctx = ctx;
}

uint64_t spool_default_total(const char *dir)
{
	struct statvfs st;
	char probe[4096];
	snprintf(probe, sizeof probe, "%s", dir);
	/* The directory may not exist yet: its nearest existing parent is on the same disk. */
	while (statvfs(probe, &st) < 0) {
		char *slash = strrchr(probe, '/');
		if (!slash || slash == probe) {
			snprintf(probe, sizeof probe, "%s", slash == probe ? "/" : ".");
			if (statvfs(probe, &st) < 0)
				return 1 * GIB;
			break;
		}
		*slash = '\0';
	}
	uint64_t quarter = (uint64_t)st.f_blocks * st.f_frsize / 4;
	return quarter > GIB ? quarter : GIB;
}

static void lose(uint64_t id, struct spool_file *f, size_t n, const char *why)
{
	f->lost += n;
	if (f->warned)
		return;
	f->warned = true;
	log_error("job %llu: its output cannot be written to the spool (%s); the job runs on, "
		  "and what is lost is counted",
		  (unsigned long long)id, why);
}

void spool_open(struct spool *sp, uint64_t id, struct spool_file *f)
{
	char name[40];
	if (f->opened)
		return;
	*f = (struct spool_file){.data_fd = -1, .idx_fd = -1, .opened = true};
	if (!sp->enabled)
		return;
	name_of(id, "out", name);
	f->data_fd = openat(sp->dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	name_of(id, "idx", name);
	f->idx_fd = openat(sp->dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (f->data_fd < 0 || f->idx_fd < 0)
		lose(id, f, 0, strerror(errno));
}

static int write_at(int fd, const void *p, size_t n, uint64_t at)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, (off_t)at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p = (const char *)p + w;
		n -= (size_t)w;
		at += (uint64_t)w;
	}
	return 0;
}

/* How many of n bytes (and a 4-byte record) fit the budgets, deleting older outputs for room. */
static size_t room(struct spool *sp, struct spool_file *f, size_t n)
{
	if (f->len >= sp->max)
		return 0;
	if (n > sp->max - f->len)
		n = (size_t)(sp->max - f->len);
	while (n > 0 && sp->total + n + 4 > sp->total_max) {
		uint64_t need = sp->total + n + 4 - sp->total_max;
		if (!sp->reclaim || sp->reclaim(sp->reclaim_ctx, need) == 0)
			break;
	}
	if (sp->total + 4 >= sp->total_max)
		return 0;
	if (sp->total + n + 4 > sp->total_max)
		n = (size_t)(sp->total_max - sp->total - 4);
	return n;
}

void spool_write(struct spool *sp, uint64_t id, struct spool_file *f, int stream, const void *p,
		 size_t n)
{
	if (!sp->enabled || n == 0)
		return;
	spool_open(sp, id, f);
	if (f->data_fd < 0 || f->idx_fd < 0) {
		lose(id, f, n, "its files could not be made");
		return;
	}
	size_t fit = room(sp, f, n);
	f->dropped += n - fit;
	/* A read is at most a pipe's size, far below a record's limit. */
	uint32_t rec = (uint32_t)fit | (stream == SPOOL_STDERR ? SPOOL_STREAM_BIT : 0);
	unsigned char le[4] = {(unsigned char)rec, (unsigned char)(rec >> 8),
			       (unsigned char)(rec >> 16), (unsigned char)(rec >> 24)};
	if (fit == 0)
		return;
	/* The bytes first, then their record: a reader told the new lengths finds both. Bytes
	 * whose record cannot be written are not counted as written. */
	if (write_at(f->data_fd, p, fit, f->len) < 0 ||
	    write_at(f->idx_fd, le, sizeof le, f->idx_len) < 0) {
		lose(id, f, fit, strerror(errno ? errno : EIO));
		return;
	}
	f->len += fit;
	f->idx_len += sizeof le;
	sp->total += fit + sizeof le;
}

void spool_close(struct spool_file *f)
{
	if (f->data_fd >= 0)
		close(f->data_fd);
	if (f->idx_fd >= 0)
		close(f->idx_fd);
	f->data_fd = f->idx_fd = -1;
}

void spool_remove(struct spool *sp, uint64_t id, uint64_t bytes)
{
	char name[40];
	if (!sp->enabled)
		return;
	name_of(id, "out", name);
	unlinkat(sp->dirfd, name, 0);
	name_of(id, "idx", name);
	unlinkat(sp->dirfd, name, 0);
	sp->total = sp->total > bytes ? sp->total - bytes : 0;
}

int spool_open_readers(const struct spool *sp, uint64_t id, int *data_fd, int *idx_fd)
{
	char name[40];
	if (!sp->enabled) {
		errno = ENOENT;
		return -1;
	}
	name_of(id, "out", name);
	*data_fd = openat(sp->dirfd, name, O_RDONLY | O_CLOEXEC);
	name_of(id, "idx", name);
	*idx_fd = *data_fd >= 0 ? openat(sp->dirfd, name, O_RDONLY | O_CLOEXEC) : -1;
	if (*idx_fd >= 0)
		return 0;
	int e = errno;
	if (*data_fd >= 0)
		close(*data_fd);
	errno = e;
	return -1;
}
