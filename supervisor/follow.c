/* follow: one follower's stream from a job's ring; see follow.h. */
#include "follow.h"

#include "proto.h"

void follow_begin(struct follow *f, struct ring *ring)
{
	f->ring = ring_ref(ring);
	f->pos = 0;
	f->job_ended = false;
}

void follow_end(struct follow *f)
{
	ring_unref(f->ring);
	f->ring = NULL;
}

bool follow_fill(struct follow *f, struct buf *out, size_t high_water)
{
	if (!f->ring)
		return true;
	/* Without data (its allocation failed) a ring only counts: there is nothing to send. */
	if (!f->ring->data)
		f->pos = f->ring->total;
	while (buf_used(out) < high_water) {
		const char *p;
		if (f->pos < ring_start(f->ring))
			f->pos = ring_start(f->ring);
		size_t n = ring_peek(f->ring, f->pos, &p);
		if (n == 0)
			break;
		if (n > PROTO_DATA_CHUNK)
			n = PROTO_DATA_CHUNK;
		proto_frame(out, PROTO_DATA, 0, p, n);
		f->pos += n;
	}
	if (!f->job_ended || f->pos < f->ring->total)
		return false;
	proto_frame(out, PROTO_END, 0, NULL, 0);
	follow_end(f);
	return true;
}
