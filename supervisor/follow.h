/*
 * follow: feeding one follower from a job's output ring: whenever its connection's queue is
 * short, the next chunks from its position are framed as DATA, and once the job has ended and
 * everything was sent, END. No output is copied ahead of time, so a stalled follower holds at
 * most its queue's high-water mark. No I/O here: conn.c writes what this queues.
 */
#ifndef FOLLOW_H
#define FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ring.h"

/* Queue more of a followed job's output only while less than this is waiting to be written. */
#define FOLLOW_HIGH_WATER (256 * 1024)

struct follow {
	struct ring *ring; /* the job's, shared: a reference held until the end */
	uint64_t pos;	   /* the next byte to send */
	bool job_ended;	   /* no more bytes will come */
};

/* Begin following ring (taking a reference) from its oldest kept byte. */
void follow_begin(struct follow *f, struct ring *ring);
/* Drop the ring. Safe to call twice. */
void follow_end(struct follow *f);
/* Frame into out what out has room for (below high_water); true once END was framed (the
 * stream is over, and the ring dropped). A follower that fell behind the ring skips to its
 * oldest kept byte (PROTOCOL.md). */
bool follow_fill(struct follow *f, struct buf *out, size_t high_water);

#endif
