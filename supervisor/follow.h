/*
 * follow: feeding one follower, with no I/O of its own (conn.c writes what this queues).
 *
 * With the spool (the usual case), a follower's client reads the job's files itself, at its own
 * pace, and is told here only how far they reach: a PROGRESS frame whenever they grew and the
 * connection's queue is empty (so news coalesce, and a stalled follower holds one frame), then
 * END once the job has ended and the final lengths were sent. Nothing is ever skipped.
 *
 * Without the spool (--output-dir none), it reads the job's ring: whenever the queue is short,
 * the next chunks from its position are framed as DATA, and once the job has ended and
 * everything was sent, END. A follower that fell behind the ring skips to its oldest kept byte
 * (PROTOCOL.md).
 */
#ifndef FOLLOW_H
#define FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "proto.h"
#include "ring.h"

/* Queue more of a followed job's output only while less than this is waiting to be written. */
#define FOLLOW_HIGH_WATER (256 * 1024)

struct follow {
	struct ring *ring;	 /* without the spool: the job's, shared until the end */
	uint64_t pos;		 /* without the spool: the next byte to send */
	bool spooled;		 /* the client reads the spool files */
	struct proto_spool now;	 /* with the spool: how far the files reach */
	struct proto_spool told; /* ... and what the client was told */
	bool job_ended;		 /* no more bytes will come */
};

/* Begin following ring (taking a reference) from its oldest kept byte. */
void follow_begin(struct follow *f, struct ring *ring);
/* Begin following a spool that reaches as far as at (what the client was told already). */
void follow_begin_spool(struct follow *f, const struct proto_spool *at);
/* The spool reaches further now. */
static inline void follow_spool_grew(struct follow *f, uint64_t len, uint64_t idx_len)
{
	f->now.len = len;
	f->now.idx_len = idx_len;
}
/* Drop the ring. Safe to call twice. */
void follow_end(struct follow *f);
/* Frame into out what it has room for (below high_water); true once END was framed (the
 * stream is over, and the ring dropped). */
bool follow_fill(struct follow *f, struct buf *out, size_t high_water);

#endif
