/* Unit tests: a job's output window (the most recent bytes, all of them counted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ring.h"

static char *kept(struct ring *r)
{
	static struct buf b;
	buf_reset(&b);
	ring_copy(r, &b);
	buf_putc(&b, '\0');
	return buf_head(&b);
}

static void keeps_the_most_recent_bytes(void **state)
{
	struct ring *r = ring_new(8);
	(void)state;
	assert_int_equal(ring_kept(r), 0);
	assert_string_equal(kept(r), "");
	ring_append(r, "abc", 3);
	assert_string_equal(kept(r), "abc");
	ring_append(r, "defgh", 5);
	assert_string_equal(kept(r), "abcdefgh");
	ring_append(r, "ij", 2);
	assert_string_equal(kept(r), "cdefghij");
	assert_int_equal(r->total, 10);
	assert_int_equal(ring_start(r), 2);
	ring_append(r, "0123456789ABC", 13);
	assert_string_equal(kept(r), "56789ABC");
	assert_int_equal(r->total, 23);
	ring_unref(r);
}

static void space_and_commit_wrap(void **state)
{
	struct ring *r = ring_new(8);
	struct iovec iov[2];
	(void)state;
	ring_append(r, "abcde", 5);
	assert_int_equal(ring_space(r, iov), 2);
	assert_int_equal(iov[0].iov_len + iov[1].iov_len, 8);
	assert_int_equal(iov[0].iov_len, 3);
	memcpy(iov[0].iov_base, "fgh", 3);
	memcpy(iov[1].iov_base, "ij", 2);
	ring_commit(r, 5);
	assert_string_equal(kept(r), "cdefghij");
	ring_unref(r);
}

static void peek_from_a_position(void **state)
{
	struct ring *r = ring_new(8);
	const char *p;
	(void)state;
	ring_append(r, "0123456789", 10);	  /* keeps 23456789, stored wrapped */
	assert_int_equal(ring_peek(r, 1, &p), 0); /* overwritten */
	size_t n = ring_peek(r, 2, &p);
	assert_true(n > 0);
	assert_memory_equal(p, "23456789", n);
	size_t m = ring_peek(r, 2 + n, &p);
	assert_int_equal(n + m, 8);
	assert_int_equal(ring_peek(r, 10, &p), 0); /* nothing new yet */
	ring_unref(r);
}

static void zero_capacity_counts_only(void **state)
{
	struct ring *r = ring_new(0);
	struct iovec iov[2];
	(void)state;
	ring_append(r, "abc", 3);
	assert_int_equal(r->total, 3);
	assert_int_equal(ring_kept(r), 0);
	assert_int_equal(ring_space(r, iov), 0);
	assert_string_equal(kept(r), "");
	ring_unref(r);
}

static void references(void **state)
{
	struct ring *r = ring_new(4);
	(void)state;
	ring_ref(r);
	ring_append(r, "xy", 2);
	ring_unref(r);
	assert_string_equal(kept(r), "xy"); /* still held by the second reference */
	ring_unref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(keeps_the_most_recent_bytes),
	    cmocka_unit_test(space_and_commit_wrap),
	    cmocka_unit_test(peek_from_a_position),
	    cmocka_unit_test(zero_capacity_counts_only),
	    cmocka_unit_test(references),
	};
	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
