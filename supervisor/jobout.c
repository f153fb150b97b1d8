/*
 * jobout: reading a job's output pipe into its ring, counting every byte, and telling the
 * followers. The pipe is drained whatever the followers do, so a slow one never slows the job.
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

static void close_pipe(struct job *j)
{
	if (j->out.fd < 0)
		return;
	int fd = j->out.fd;
	loop_unwatch(j->jobs->loop, &j->out);
	close(fd);
}

/* One read of at most want bytes into the ring; what read(2) returned. */
static ssize_t read_once(struct job *j, size_t want)
{
	struct iovec iov[2];
	int niov = j->ring->cap >= SCRATCH_SIZE ? ring_space(j->ring, iov) : 0;
	ssize_t n;
	if (niov > 0) {
		if (iov[0].iov_len >= want) {
			iov[0].iov_len = want;
			niov = 1;
		} else if (niov == 2 && iov[0].iov_len + iov[1].iov_len > want) {
			iov[1].iov_len = want - iov[0].iov_len;
		}
		n = readv(j->out.fd, iov, niov);
		if (n > 0)
			ring_commit(j->ring, (size_t)n);
	} else {
		n = read(j->out.fd, scratch, want < sizeof scratch ? want : sizeof scratch);
		if (n > 0)
			ring_append(j->ring, scratch, (size_t)n);
	}
	return n;
}

/* Read at most limit bytes in at most reads reads; the bytes read. *ended: the pipe reached its
 * end (or an error no retry will cure). */
static size_t read_output(struct job *j, size_t limit, int reads, bool *ended)
{
	size_t got = 0;
	*ended = false;
	while (got < limit && reads-- > 0) {
		ssize_t n = read_once(j, limit - got);
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

static void on_output(struct watch *w, uint32_t events)
{
	struct job *j = container_of(w, struct job, out);
	bool ended;
	(void)events;
	size_t got = read_output(j, SIZE_MAX, OUTPUT_READS_PER_WAKEUP, &ended);
	if (got > 0)
		announce(j, got);
	if (ended)
		job_event(j, EV_OUTPUT_CLOSED, NULL);
}

int out_watch(struct job *j, int fd)
{
	return loop_watch(j->jobs->loop, &j->out, fd, EPOLLIN, on_output);
}

void out_drain_and_close(struct job *j)
{
	int bytes = 0;
	bool ended;
	size_t got;
	if (j->out.fd >= 0 && ioctl(j->out.fd, FIONREAD, &bytes) == 0 && bytes > 0 &&
	    (got = read_output(j, (size_t)bytes, 1 << 20, &ended)) > 0)
		announce(j, got);
	close_pipe(j);
}
