/* Unit tests: the growable buffer everything else builds on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

/* Found by fuzzing: an empty buffer's head was NULL + 0. */
static void empty_buffer_has_a_valid_head(void **state)
{
	struct buf b = BUF_INIT;
	(void)state;
	assert_non_null(buf_head(&b));
	assert_int_equal(buf_used(&b), 0);
	assert_string_equal(buf_head(&b), "");
	buf_free(&b);
}

static void append_consume_and_take(void **state)
{
	struct buf b = BUF_INIT;
	(void)state;
	buf_puts(&b, "hello ");
	buf_printf(&b, "%s %d", "world", 42);
	assert_int_equal(buf_used(&b), 14);
	buf_consume(&b, 6);
	assert_memory_equal(buf_head(&b), "world 42", 8);
	/* Growing after consuming keeps the unconsumed bytes in order. */
	for (int i = 0; i < 1000; i++)
		buf_putc(&b, (char)('a' + i % 26));
	assert_memory_equal(buf_head(&b), "world 42abc", 11);
	size_t len;
	char *s = buf_take(&b, &len);
	assert_int_equal(len, 1008);
	assert_int_equal(strlen(s), 1008);
	assert_null(b.data);
	free(s);
}

static void long_printf(void **state)
{
	struct buf b = BUF_INIT;
	char big[500];
	(void)state;
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_printf(&b, "<%s>", big);
	assert_int_equal(buf_used(&b), 501);
	assert_int_equal(buf_head(&b)[500], '>');
	buf_free(&b);
}

static void consume_everything_resets(void **state)
{
	struct buf b = BUF_INIT;
	(void)state;
	buf_puts(&b, "abc");
	buf_consume(&b, 10);
	assert_int_equal(buf_used(&b), 0);
	assert_int_equal(b.off, 0);
	buf_reset(&b);
	assert_true(buf_ok(&b));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(empty_buffer_has_a_valid_head),
	    cmocka_unit_test(append_consume_and_take),
	    cmocka_unit_test(long_printf),
	    cmocka_unit_test(consume_everything_resets),
	};
	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
