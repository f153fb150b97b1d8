/* spoolread: views of a job's spool; see spoolread.h. */
#include "spoolread.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static int read_at(int fd, void *buf, size_t n, uint64_t at)
{
	while (n > 0) {
		ssize_t got = pread(fd, buf, n, (off_t)at);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (got == 0)
				errno = EIO; /* shorter than jobsupd said */
			return -1;
		}
		buf = (char *)buf + got;
		n -= (size_t)got;
		at += (uint64_t)got;
	}
	return 0;
}

/* The record at idx offset off (within at.idx_len): its stream and length. The records are
 * read a block at a time: a scan over a line-buffered job's index is one read per block, not
 * one per line, forward (the block from off on) or back, as a tail walks (the block that ends
 * with off's record). */
static int record(struct spoolread *r, uint64_t off, int *stream, uint64_t *len)
{
	if (off < r->idx_at || off + 4 > r->idx_at + r->idx_len) {
		uint64_t from = off;
		if (off < r->idx_at)
			from = off + 4 > sizeof r->idx ? off + 4 - sizeof r->idx : 0;
		uint64_t n = r->at.idx_len - from;
		r->idx_len = 0;
		if (n > sizeof r->idx)
			n = sizeof r->idx;
		if (read_at(r->idx_fd, r->idx, (size_t)n, from) < 0)
			return -1;
		r->idx_at = from;
		r->idx_len = (size_t)n;
	}
	const unsigned char *le = r->idx + (off - r->idx_at);
	uint32_t v =
	    (uint32_t)le[0] | (uint32_t)le[1] << 8 | (uint32_t)le[2] << 16 | (uint32_t)le[3] << 24;
	*stream = (v & SPOOL_STREAM_BIT) ? SPOOL_STDERR : SPOOL_STDOUT;
	*len = v & ~SPOOL_STREAM_BIT;
	return 0;
}

void spoolread_open(struct spoolread *r, int data_fd, int idx_fd, const struct proto_spool *at,
		    int stream)
{
	*r = (struct spoolread){.data_fd = data_fd, .idx_fd = idx_fd, .at = *at, .stream = stream};
}

void spoolread_close(struct spoolread *r)
{
	if (r->data_fd >= 0)
		close(r->data_fd);
	if (r->idx_fd >= 0)
		close(r->idx_fd);
	r->data_fd = r->idx_fd = -1;
}

/* One stream: move to the next record of it, if the files reach one. 1 moved, 0 none yet. */
static int next_record(struct spoolread *r)
{
	while (r->idx_off + 4 <= r->at.idx_len) {
		int stream;
		uint64_t len;
		if (record(r, r->idx_off, &stream, &len) < 0)
			return -1;
		r->idx_off += 4;
		uint64_t start = r->comb;
		r->comb += len;
		if (stream == r->stream && len > 0) {
			r->data_off = start;
			r->left = len;
			return 1;
		}
	}
	return 0;
}

int64_t spoolread_size(struct spoolread *r)
{
	if (r->stream == SPOOL_BOTH)
		return (int64_t)r->at.len;
	uint64_t size = 0;
	for (uint64_t off = 0; off + 4 <= r->at.idx_len; off += 4) {
		int stream;
		uint64_t len;
		if (record(r, off, &stream, &len) < 0)
			return -1;
		if (stream == r->stream)
			size += len;
	}
	return (int64_t)size;
}

int spoolread_seek(struct spoolread *r, uint64_t pos)
{
	r->pos = pos;
	if (r->stream == SPOOL_BOTH)
		return 0;
	r->idx_off = r->comb = r->left = 0;
	uint64_t at = 0;
	for (;;) {
		int got = next_record(r);
		if (got <= 0)
			return got; /* pos is at (or past) the end of what is there: read waits */
		if (at + r->left > pos) {
			r->data_off += pos - at;
			r->left -= pos - at;
			return 0;
		}
		at += r->left;
		r->left = 0;
	}
}

ssize_t spoolread_read(struct spoolread *r, char *buf, size_t cap)
{
	uint64_t from, n;
	if (r->stream == SPOOL_BOTH) {
		if (r->pos >= r->at.len)
			return 0;
		from = r->pos;
		n = r->at.len - r->pos;
	} else {
		if (r->left == 0) {
			int got = next_record(r);
			if (got <= 0)
				return got;
		}
		from = r->data_off;
		n = r->left;
	}
	if (n > cap)
		n = cap;
	if (read_at(r->data_fd, buf, (size_t)n, from) < 0)
		return -1;
	r->pos += n;
	if (r->stream != SPOOL_BOTH) {
		r->data_off += n;
		r->left -= n;
	}
	return (ssize_t)n;
}

/* Counting newlines backwards: the view position just after the n-th one, once found. */
struct tail_scan {
	uint64_t want, seen;
	bool skip_last; /* the view's last byte, if a newline, ends the last line */
	int64_t found;	/* -1 until then */
};

/* Scan bytes [start, end) of ID.out, which are view positions [vend - (end - start), vend). */
static int scan_back(struct spoolread *r, uint64_t start, uint64_t end, uint64_t vend,
		     struct tail_scan *t, char *buf)
{
	while (end > start && t->found < 0) {
		size_t n = end - start > CHUNK ? CHUNK : (size_t)(end - start);
		if (read_at(r->data_fd, buf, n, end - n) < 0)
			return -1;
		for (size_t i = n; i-- > 0;) {
			uint64_t vpos = vend - (n - i);
			bool last = t->skip_last; /* the view's last byte: whatever it is */
			t->skip_last = false;
			if (buf[i] != '\n' || last)
				continue;
			if (++t->seen == t->want) {
				t->found = (int64_t)(vpos + 1);
				break;
			}
		}
		end -= n;
		vend -= n;
	}
	return 0;
}

int64_t spoolread_tail(struct spoolread *r, uint64_t n)
{
	int64_t size = spoolread_size(r);
	char *buf = size > 0 ? malloc(CHUNK) : NULL;
	struct tail_scan t = {.want = n, .skip_last = true, .found = -1};
	if (size <= 0 || !buf) {
		free(buf);
		return size <= 0 ? size : -1;
	}
	int rc = 0;
	if (r->stream == SPOOL_BOTH) {
		rc = scan_back(r, 0, r->at.len, r->at.len, &t, buf);
	} else {
		/* The stream's records, from the last: each is a stretch of ID.out. */
		uint64_t comb_end = r->at.len, vend = (uint64_t)size;
		for (uint64_t off = r->at.idx_len; off >= 4 && t.found < 0 && rc == 0; off -= 4) {
			int stream;
			uint64_t len;
			if ((rc = record(r, off - 4, &stream, &len)) < 0)
				break;
			if (stream == r->stream) {
				rc = scan_back(r, comb_end - len, comb_end, vend, &t, buf);
				vend -= len;
			}
			comb_end -= len;
		}
	}
	free(buf);
	if (rc < 0)
		return -1;
	return t.found < 0 ? 0 : t.found;
}

static bool digits(const char *s, const char *end, uint64_t *v)
{
	if (s == end || end - s > 19)
		return false;
	*v = 0;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	return true;
}

int spoolread_range(const char *header, uint64_t size, bool open_end, uint64_t *first,
		    uint64_t *last)
{
	if (strncmp(header, "bytes=", 6) != 0)
		return -1;
	const char *p = header + 6, *dash = strchr(p, '-');
	if (!dash || strchr(dash + 1, '-') || strchr(p, ','))
		return -1;
	const char *end = dash + strlen(dash);
	bool has_last = dash + 1 < end;
	if (!digits(p, dash, first) || (has_last && !digits(dash + 1, end, last)))
		return -1; /* a suffix range (bytes=-N) is not offered: tail=N lines is */
	if (has_last && *last < *first)
		return -1;
	if (*first > size || (*first == size && !open_end))
		return -2;
	if (!has_last || *last >= size)
		*last = size ? size - 1 : 0;
	return 0;
}
