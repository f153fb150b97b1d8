/*
 * buf: a growable byte buffer with a read offset, used for building replies, JSON text and the
 * per-connection input and output queues.
 *
 * Errors are sticky: an append that cannot allocate sets b->failed and later appends do nothing,
 * so a writer can build a whole reply and check once at the end (buf_ok). The bytes in use are
 * data[off .. len). The buffer owns data; buf_free releases it and leaves an empty buffer.
 */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t off; /* first unconsumed byte */
	size_t len; /* end of the bytes in use */
	size_t cap;
	bool failed;
};

#define BUF_INIT                                                                                   \
	{                                                                                          \
		NULL, 0, 0, 0, false                                                               \
	}

/* Bytes in use and where they start. */
static inline size_t buf_used(const struct buf *b)
{
	return b->len - b->off;
}
/* Never NULL: an empty buffer that never allocated gives a valid, empty string. */
static inline char *buf_head(const struct buf *b)
{
	static char empty[1];
	return b->data ? b->data + b->off : empty;
}
static inline bool buf_ok(const struct buf *b)
{
	return !b->failed;
}

/* Make room for n more bytes; returns a pointer to them, or NULL (and b->failed) on ENOMEM. */
char *buf_reserve(struct buf *b, size_t n);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drop n bytes from the front. */
void buf_consume(struct buf *b, size_t n);
/* Forget the contents (and the sticky error); keeps the allocation. */
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* Hand the bytes over as a NUL-terminated string the caller frees; the buffer is left empty. */
char *buf_take(struct buf *b, size_t *len);

#endif
