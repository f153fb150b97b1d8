/*
 * ring: a job's output window: the most recent `cap` bytes of everything the job wrote, and the
 * count of all bytes ever written.
 *
 * Positions are absolute byte offsets in the job's whole output (0 .. total). The window holds
 * [ring_start, total); a reader (a follower) keeps its own position and reads forward from it,
 * jumping to ring_start when the writer has overwritten what it had not read yet.
 *
 * The job's pipe is read straight into the ring (ring_space, ring_commit), so output is copied
 * once, from the kernel. The data is allocated at the first write; a job that prints nothing
 * costs nothing. A ring is reference-counted: the job holds one reference while it runs and each
 * follower holds one, so followers finish reading after the job has ended and gone.
 */
#ifndef RING_H
#define RING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "buf.h"

struct ring {
	char *data;
	size_t cap;
	uint64_t total; /* bytes ever written */
	unsigned refs;
};

/* A new ring with one reference, or NULL (ENOMEM). cap may be 0: nothing is kept. */
struct ring *ring_new(size_t cap);
struct ring *ring_ref(struct ring *r);
void ring_unref(struct ring *r);

static inline uint64_t ring_start(const struct ring *r)
{
	return r->total > r->cap ? r->total - r->cap : 0;
}
static inline size_t ring_kept(const struct ring *r)
{
	return (size_t)(r->total - ring_start(r));
}

/* Where the next bytes go: up to two regions covering the whole capacity, oldest bytes last to
 * be overwritten. Returns the number of regions (0 when cap is 0 or allocation failed). */
int ring_space(struct ring *r, struct iovec iov[2]);
/* Account for n bytes written into the space ring_space gave. */
void ring_commit(struct ring *r, size_t n);
/* Copy bytes in (keeping only the most recent cap of them) and count all of them. */
void ring_append(struct ring *r, const void *p, size_t n);

/* Contiguous kept bytes from position pos (>= ring_start) onwards; returns their length. */
size_t ring_peek(const struct ring *r, uint64_t pos, const char **p);
/* Append the kept bytes, oldest first. */
void ring_copy(const struct ring *r, struct buf *out);

#endif
