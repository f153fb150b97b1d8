/* follow: one follower's stream from a job's ring; see follow.h. */
#include "follow.h"

#include "proto.h"

void follow_begin(struct follow *f, struct ring *ring)
{
	*f = (struct follow){.ring = ring_ref(ring)};
}

void follow_begin_spool(struct follow *f, const struct proto_spool *at)
{
	*f = (struct follow){.spooled = true, .now = *at, .told = *at};
}

void follow_end(struct follow *f)
{
	ring_unref(f->ring);
	f->ring = NULL;
}

/* Tell how far the spool reaches, when that changed and the queue is empty; END at the end. */
static bool spool_fill(struct follow *f, struct buf *out)
{
	uint8_t p[PROTO_SPOOL_LEN];
	if (buf_used(out) > 0)
		return false;
	f->now.ended = f->job_ended;
	if (f->now.len != f->told.len || f->now.idx_len != f->told.idx_len ||
	    f->now.ended != f->told.ended) {
		proto_spool_put(p, &f->now);
		proto_frame(out, PROTO_PROGRESS, 0, p, sizeof p);
		f->told = f->now;
	}
	if (!f->job_ended)
		return false;
	proto_frame(out, PROTO_END, 0, NULL, 0);
	f->spooled = false;
	return true;
}

bool follow_fill(struct follow *f, struct buf *out, size_t high_water)
{
	if (f->spooled)
		return spool_fill(f, out);
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
