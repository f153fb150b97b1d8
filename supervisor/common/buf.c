/* buf: growable byte buffer; see buf.h. */
#include "buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *buf_reserve(struct buf *b, size_t n)
{
	if (b->failed)
		return NULL;
	if (b->off > 0 && b->off == b->len) {
		b->off = b->len = 0;
	}
	if (b->cap - b->len >= n)
		return b->data + b->len;
	/* Reclaim consumed space before growing, when that alone makes room. */
	if (b->off > 0 && b->cap - buf_used(b) >= n && b->off >= buf_used(b)) {
		memmove(b->data, b->data + b->off, buf_used(b));
		b->len -= b->off;
		b->off = 0;
		return b->data + b->len;
	}
	size_t need = b->len + n;
	if (need < b->len) {
		b->failed = true;
		errno = ENOMEM;
		return NULL;
	}
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need) {
		if (cap > ((size_t)-1) / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	char *p = realloc(b->data, cap);
	if (!p) {
		b->failed = true;
		return NULL;
	}
	b->data = p;
	b->cap = cap;
	return b->data + b->len;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	char *dst = buf_reserve(b, n);
	if (!dst)
		return;
	memcpy(dst, p, n);
	b->len += n;
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[128];

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if ((size_t)n < sizeof small) {
		buf_append(b, small, (size_t)n);
		return;
	}
	char *dst = buf_reserve(b, (size_t)n + 1);
	if (!dst)
		return;
	va_start(ap, fmt);
	vsnprintf(dst, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= buf_used(b)) {
		b->off = b->len = 0;
		return;
	}
	b->off += n;
}

void buf_reset(struct buf *b)
{
	b->off = b->len = 0;
	b->failed = false;
}

void buf_free(struct buf *b)
{
	free(b->data);
	*b = (struct buf)BUF_INIT;
}

char *buf_take(struct buf *b, size_t *len)
{
	buf_putc(b, '\0');
	if (b->failed) {
		buf_free(b);
		return NULL;
	}
	if (b->off > 0)
		memmove(b->data, b->data + b->off, buf_used(b));
	char *s = b->data;
	if (len)
		*len = buf_used(b) - 1;
	*b = (struct buf)BUF_INIT;
	return s;
}
