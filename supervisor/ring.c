/* ring: a job's output window; see ring.h. */
#include "ring.h"

#include <stdlib.h>
#include <string.h>

struct ring *ring_new(size_t cap)
{
	struct ring *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->cap = cap;
	r->refs = 1;
	return r;
}

struct ring *ring_ref(struct ring *r)
{
	r->refs++;
	return r;
}

void ring_unref(struct ring *r)
{
	if (!r || --r->refs > 0)
		return;
	free(r->data);
	free(r);
}

static int ring_alloc(struct ring *r)
{
	if (r->data || r->cap == 0)
		return r->data ? 0 : -1;
	/* Large allocations are mapped lazily, so only pages written to take memory. */
	r->data = malloc(r->cap);
	return r->data ? 0 : -1;
}

int ring_space(struct ring *r, struct iovec iov[2])
{
	if (ring_alloc(r) < 0)
		return 0;
	size_t head = (size_t)(r->total % r->cap);
	iov[0].iov_base = r->data + head;
	iov[0].iov_len = r->cap - head;
	if (head == 0)
		return 1;
	iov[1].iov_base = r->data;
	iov[1].iov_len = head;
	return 2;
}

void ring_commit(struct ring *r, size_t n)
{
	r->total += n;
}

void ring_append(struct ring *r, const void *p, size_t n)
{
	const char *s = p;
	r->total += n;
	if (ring_alloc(r) < 0)
		return;
	if (n > r->cap) {
		s += n - r->cap;
		n = r->cap;
	}
	/* The bytes end at total: place them backwards from there. */
	size_t end = (size_t)(r->total % r->cap);
	size_t tail = n < end ? n : end; /* bytes that land before end, after the wrap */
	memcpy(r->data + end - tail, s + n - tail, tail);
	if (n > tail)
		memcpy(r->data + r->cap - (n - tail), s, n - tail);
}

size_t ring_peek(const struct ring *r, uint64_t pos, const char **p)
{
	if (pos < ring_start(r) || pos >= r->total || !r->data)
		return 0;
	size_t at = (size_t)(pos % r->cap);
	size_t avail = (size_t)(r->total - pos);
	size_t contiguous = r->cap - at;
	*p = r->data + at;
	return avail < contiguous ? avail : contiguous;
}

void ring_copy(const struct ring *r, struct buf *out)
{
	uint64_t pos = ring_start(r);
	const char *p;
	size_t n;
	while ((n = ring_peek(r, pos, &p)) > 0) {
		buf_append(out, p, n);
		pos += n;
	}
}
