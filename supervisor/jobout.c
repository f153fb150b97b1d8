/*
 * jobout: reading a job's stdout and stderr pipes: every byte counted, the most recent ones kept
 * in its ring (the "output" GET /jobs/{id} shows), all of them appended to its spool files with
 * the stream they came from, and the followers told. The pipes are drained whatever the
 * followers do, so a slow one never slows the job.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "jobpriv.h"

/* Reads of one pipe per wakeup, so one loud job cannot starve the rest of the loop. */
#define OUTPUT_READS_PER_WAKEUP 16
/* Below this ring size, read through a scratch buffer rather than into the ring. */
#define SCRATCH_SIZE (64 * 1024)

static char scratch[SCRATCH_SIZE];

static void spool(struct job *j, int stream, const void *p, size_t n)
{
	spool_write(j->jobs->spool, j->rec.id, &j->sp, stream, p, n);
}

/* One read of at most want bytes into the ring (and the spool); what read(2) returned. */
static ssize_t read_once(struct job *j, int stream, size_t want)
{
	struct iovec iov[2];
	int fd = j->out[stream].fd;
	int niov = j->ring->cap >= SCRATCH_SIZE ? ring_space(j->ring, iov) : 0;
	ssize_t n;
	if (niov == 0) {
		n = read(fd, scratch, want < sizeof scratch ? want : sizeof scratch);
		if (n > 0) {
			ring_append(j->ring, scratch, (size_t)n);
			spool(j, stream, scratch, (size_t)n);
		}
		return n;
	}
	if (iov[0].iov_len >= want) {
		iov[0].iov_len = want;
		niov = 1;
	} else if (niov == 2 && iov[0].iov_len + iov[1].iov_len > want) {
		iov[1].iov_len = want - iov[0].iov_len;
	}
	n = readv(fd, iov, niov);
	if (n <= 0)
		return n;
	ring_commit(j->ring, (size_t)n);
	size_t first = (size_t)n < iov[0].iov_len ? (size_t)n : iov[0].iov_len;
	spool(j, stream, iov[0].iov_base, first);
	if ((size_t)n > first)
		spool(j, stream, iov[1].iov_base, (size_t)n - first);
	return n;
}

/* Read at most limit bytes of a stream in at most reads reads; the bytes read. *ended: the pipe
 * reached its end (or an error no retry will cure). */
static size_t read_output(struct job *j, int stream, size_t limit, int reads, bool *ended)
{
	size_t got = 0;
	*ended = false;
	while (got < limit && reads-- > 0) {
		ssize_t n = read_once(j, stream, limit - got);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		*ended = true;
		break;
	}
	return got;
}

static void announce(struct job *j, size_t bytes)
{
	struct jobwatch *w, *next;
	j->jobs->output_bytes += bytes;
	for (w = LIST_FIRST(&j->followers); w; w = next) {
		next = LIST_NEXT(w, link);
		w->fn(w, j, JOB_NEWS_OUTPUT);
	}
}

static void on_output(struct job *j, int stream)
{
	bool ended;
	size_t got = read_output(j, stream, SIZE_MAX, OUTPUT_READS_PER_WAKEUP, &ended);
	if (got > 0)
		announce(j, got);
	if (!ended)
		return;
	loop_unwatch_close(j->jobs->loop, &j->out[stream]);
}

static void on_stdout(struct watch *w, uint32_t events)
{
	(void)events;
	on_output(container_of(w, struct job, out[SPOOL_STDOUT]), SPOOL_STDOUT);
}

static void on_stderr(struct watch *w, uint32_t events)
{
	(void)events;
	on_output(container_of(w, struct job, out[SPOOL_STDERR]), SPOOL_STDERR);
}

int out_watch(struct job *j, const int fds[2])
{
	struct loop *l = j->jobs->loop;
	if (loop_watch(l, &j->out[SPOOL_STDOUT], fds[0], EPOLLIN, on_stdout) < 0)
		return -1;
	if (loop_watch(l, &j->out[SPOOL_STDERR], fds[1], EPOLLIN, on_stderr) < 0) {
		loop_unwatch(l, &j->out[SPOOL_STDOUT]);
		j->out[SPOOL_STDOUT].fd = -1;
		return -1;
	}
	return 0;
}

void out_drain_and_close(struct job *j)
{
	for (int s = SPOOL_STDOUT; s <= SPOOL_STDERR; s++) {
		int bytes = 0;
		bool ended;
		size_t got;
		if (j->out[s].fd >= 0 && ioctl(j->out[s].fd, FIONREAD, &bytes) == 0 && bytes > 0 &&
		    (got = read_output(j, s, (size_t)bytes, 1 << 20, &ended)) > 0)
			announce(j, got);
		loop_unwatch_close(j->jobs->loop, &j->out[s]);
	}
}
