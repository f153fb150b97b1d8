/*
 * spoolread: reading a job's spool (supervisor/spool.h: ID.out, and ID.idx saying which stream
 * each stretch came from) through descriptors jobsupd passed, as one of three views: both
 * streams in the order they were written, stdout alone, or stderr alone. Positions are offsets
 * within the view. Reads never go past how far jobsupd said the files reach (struct
 * proto_spool), which grows as a followed job writes.
 *
 * Blocking I/O, for one jobapi thread; the reader owns its two descriptors and closes them in
 * spoolread_close.
 */
#ifndef SPOOLREAD_H
#define SPOOLREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"

struct spoolread {
	int data_fd, idx_fd;
	struct proto_spool at; /* how far the files reach */
	int stream;	       /* SPOOL_BOTH, SPOOL_STDOUT or SPOOL_STDERR */
	uint64_t pos;	       /* the next byte of the view */
	/* One stream: the record being read (at idx_off - 4), where its bytes are in ID.out, and
	 * how many of them are left. */
	uint64_t idx_off, data_off;
	uint64_t left;
	uint64_t comb; /* where the record at idx_off begins in ID.out */
	/* The .idx records last read, a block at a time (they never change once written). */
	unsigned char idx[4096];
	uint64_t idx_at;
	size_t idx_len;
};

/* Take over data_fd and idx_fd, reaching as far as at, for the view stream. */
void spoolread_open(struct spoolread *r, int data_fd, int idx_fd, const struct proto_spool *at,
		    int stream);
void spoolread_close(struct spoolread *r);

/* The view's size as far as the files reach now. -1 on a read error. */
int64_t spoolread_size(struct spoolread *r);
/* Read from pos onwards; 0 (pos is not past the end), or -1 (errno). */
int spoolread_seek(struct spoolread *r, uint64_t pos);
/* Up to cap bytes from pos, advancing it: the count, 0 at the end of what is there now, or -1. */
ssize_t spoolread_read(struct spoolread *r, char *buf, size_t cap);
/* Where the last n lines of the view begin (n > 0): just after the n-th newline from the end,
 * not counting a newline that ends the view. -1 on a read error. */
int64_t spoolread_tail(struct spoolread *r, uint64_t n);

/* An HTTP Range header's single byte range ("bytes=N-" or "bytes=N-M") within size: *first and
 * *last (inclusive). 0; -1 when the header is not one such range (answer 400); -2 when it is
 * but cannot be satisfied (answer 416). open_end accepts a first position equal to size (a
 * follower resuming at the end). */
int spoolread_range(const char *header, uint64_t size, bool open_end, uint64_t *first,
		    uint64_t *last);

#endif
