/*
 * Unit tests: reading a job's spool as jobapi does (fcgi/spoolread.c), over files written the
 * way jobsupd writes them (supervisor/spool.c): both streams as written, one stream alone, from
 * an offset, the last lines, growth while followed, and Range headers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "spool.h"
#include "spoolread.h"

static char dir[] = "/tmp/jobworker-spool-test.XXXXXX";
static struct spool sp;
static struct spool_file f;

/* Write chunks as a job would: "o:" for stdout, "e:" for stderr. */
static void job_writes(const char *const *chunks)
{
	for (; *chunks; chunks++) {
		int stream = (*chunks)[0] == 'e' ? SPOOL_STDERR : SPOOL_STDOUT;
		spool_write(&sp, 1, &f, stream, *chunks + 2, strlen(*chunks + 2));
	}
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir) || spool_init(&sp, dir, 1 << 20, 1 << 30) < 0)
		return -1;
	f = (struct spool_file){.data_fd = -1, .idx_fd = -1}; /* a new job's, as jobs.c makes it */
	spool_open(&sp, 1, &f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	spool_close(&f);
	spool_fini(&sp); /* removes the files */
	rmdir(dir);
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
	return 0;
}

/* A reader of the files as written so far, for stream. */
static void reader(struct spoolread *r, int stream)
{
	int fds[2];
	assert_int_equal(spool_open_readers(&sp, 1, &fds[0], &fds[1]), 0);
	struct proto_spool at = {.len = f.len, .idx_len = f.idx_len, .ended = true};
	spoolread_open(r, fds[0], fds[1], &at, stream);
}

/* Everything from pos to the end of what is there, as a string the caller frees. */
static char *rest(struct spoolread *r, uint64_t pos)
{
	char *s = calloc(1, r->at.len + 1), buf[3];
	size_t n = 0;
	ssize_t got;
	assert_int_equal(spoolread_seek(r, pos), 0);
	/* Small reads on purpose: records are crossed in the middle. */
	while ((got = spoolread_read(r, buf, sizeof buf)) > 0) {
		memcpy(s + n, buf, (size_t)got);
		n += (size_t)got;
	}
	assert_int_equal(got, 0);
	return s;
}

static void views_of_both_and_of_each(void **state)
{
	static const char *const chunks[] = {"o:one\n",	   "e:warn 1\n", "o:two\nthree\n",
					     "e:warn 2\n", "o:four",	 NULL};
	struct spoolread r;
	(void)state;
	job_writes(chunks);
	reader(&r, SPOOL_BOTH);
	assert_int_equal(spoolread_size(&r), 32);
	char *s = rest(&r, 0);
	assert_string_equal(s, "one\nwarn 1\ntwo\nthree\nwarn 2\nfour");
	free(s);
	s = rest(&r, 11);
	assert_string_equal(s, "two\nthree\nwarn 2\nfour");
	free(s);
	spoolread_close(&r);

	reader(&r, SPOOL_STDOUT);
	assert_int_equal(spoolread_size(&r), 18);
	s = rest(&r, 0);
	assert_string_equal(s, "one\ntwo\nthree\nfour");
	free(s);
	s = rest(&r, 6); /* the middle of its second record */
	assert_string_equal(s, "o\nthree\nfour");
	free(s);
	s = rest(&r, 18);
	assert_string_equal(s, "");
	free(s);
	spoolread_close(&r);

	reader(&r, SPOOL_STDERR);
	s = rest(&r, 0);
	assert_string_equal(s, "warn 1\nwarn 2\n");
	free(s);
	spoolread_close(&r);
}

static void the_last_lines(void **state)
{
	static const char *const chunks[] = {"o:a\nb\n", "e:E1\nE2\n", "o:c\nd\n", NULL};
	struct spoolread r;
	(void)state;
	job_writes(chunks);
	reader(&r, SPOOL_BOTH);
	int64_t at = spoolread_tail(&r, 3);
	char *s = rest(&r, (uint64_t)at);
	assert_string_equal(s, "E2\nc\nd\n"); /* the final newline ends the last line */
	free(s);
	assert_int_equal(spoolread_tail(&r, 100), 0);
	spoolread_close(&r);

	reader(&r, SPOOL_STDOUT);
	at = spoolread_tail(&r, 2);
	s = rest(&r, (uint64_t)at);
	assert_string_equal(s, "c\nd\n");
	free(s);
	spoolread_close(&r);
	reader(&r, SPOOL_STDERR);
	at = spoolread_tail(&r, 1);
	s = rest(&r, (uint64_t)at);
	assert_string_equal(s, "E2\n");
	free(s);
	spoolread_close(&r);
}

/* Output that does not end in a newline: its unfinished line is the last one. */
static void the_last_lines_unfinished(void **state)
{
	static const char *const chunks[] = {"o:a\nb\nc", NULL};
	struct spoolread r;
	(void)state;
	job_writes(chunks);
	reader(&r, SPOOL_BOTH);
	int64_t at = spoolread_tail(&r, 2);
	char *s = rest(&r, (uint64_t)at);
	assert_string_equal(s, "b\nc");
	free(s);
	at = spoolread_tail(&r, 1);
	s = rest(&r, (uint64_t)at);
	assert_string_equal(s, "c");
	free(s);
	spoolread_close(&r);
}

/* Thousands of records, the two streams in turns: a tail of one stream walks the index back
 * across many of its blocks, and gives that stream's last lines exactly. */
static void the_last_lines_of_one_stream_among_many(void **state)
{
	static const long tails[] = {1, 1000, 1024, 1025, 2999, 3000, 5000};
	char line[32];
	struct spoolread r;
	(void)state;
	for (int i = 0; i < 3000; i++) {
		int n = snprintf(line, sizeof line, "out %d\n", i);
		spool_write(&sp, 1, &f, SPOOL_STDOUT, line, (size_t)n);
		n = snprintf(line, sizeof line, "err %d\n", i);
		spool_write(&sp, 1, &f, SPOOL_STDERR, line, (size_t)n);
	}
	reader(&r, SPOOL_STDERR);
	for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
		long want = tails[t] < 3000 ? tails[t] : 3000, lines = 0;
		int64_t at = spoolread_tail(&r, tails[t]);
		assert_true(at >= 0);
		char *s = rest(&r, (uint64_t)at);
		snprintf(line, sizeof line, "err %ld\n", 3000 - want);
		assert_memory_equal(s, line, strlen(line));
		for (char *p = s; *p; p++)
			lines += *p == '\n';
		assert_int_equal(lines, want);
		assert_string_equal(s + strlen(s) - strlen("err 2999\n"), "err 2999\n");
		free(s);
	}
	spoolread_close(&r);
}

/* A follower reads what is there, then more once it is told the files reach further. */
static void reading_on_as_it_grows(void **state)
{
	static const char *const first[] = {"o:12", "e:ab", NULL}, *const more[] = {"o:34", NULL};
	struct spoolread r;
	char buf[16];
	(void)state;
	job_writes(first);
	reader(&r, SPOOL_STDOUT);
	r.at.ended = false;
	assert_int_equal(spoolread_seek(&r, 0), 0);
	assert_int_equal(spoolread_read(&r, buf, sizeof buf), 2);
	assert_int_equal(spoolread_read(&r, buf, sizeof buf), 0); /* caught up */
	job_writes(more);
	r.at.len = f.len;
	r.at.idx_len = f.idx_len;
	assert_int_equal(spoolread_read(&r, buf, sizeof buf), 2);
	assert_memory_equal(buf, "34", 2);
	spoolread_close(&r);
}

static void range_headers(void **state)
{
	uint64_t first, last;
	(void)state;
	assert_int_equal(spoolread_range("bytes=5-", 10, false, &first, &last), 0);
	assert_int_equal(first, 5);
	assert_int_equal(last, 9);
	assert_int_equal(spoolread_range("bytes=2-4", 10, false, &first, &last), 0);
	assert_int_equal(last, 4);
	assert_int_equal(spoolread_range("bytes=2-400", 10, false, &first, &last), 0);
	assert_int_equal(last, 9);
	assert_int_equal(spoolread_range("bytes=10-", 10, false, &first, &last), -2);
	assert_int_equal(spoolread_range("bytes=10-", 10, true, &first, &last), 0); /* resume */
	assert_int_equal(spoolread_range("bytes=11-", 10, true, &first, &last), -2);
	assert_int_equal(spoolread_range("bytes=0-", 0, false, &first, &last), -2);
	assert_int_equal(spoolread_range("bytes=-5", 10, false, &first, &last), -1);
	assert_int_equal(spoolread_range("bytes=4-2", 10, false, &first, &last), -1);
	assert_int_equal(spoolread_range("bytes=0-1,3-4", 10, false, &first, &last), -1);
	assert_int_equal(spoolread_range("items=0-", 10, false, &first, &last), -1);
	assert_int_equal(spoolread_range("bytes=x-", 10, false, &first, &last), -1);
}

/* Past --output-max the bytes are counted, not kept. */
static void the_cap_drops_and_counts(void **state)
{
	(void)state;
	sp.max = 5;
	static const char *const chunks[] = {"o:abc", "e:defg", "o:hij", NULL};
	job_writes(chunks);
	assert_int_equal(f.len, 5);
	assert_int_equal(f.dropped, 5); /* "fg" and "hij" */
	sp.max = 1 << 20;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(views_of_both_and_of_each, setup, teardown),
	    cmocka_unit_test_setup_teardown(the_last_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(the_last_lines_unfinished, setup, teardown),
	    cmocka_unit_test_setup_teardown(the_last_lines_of_one_stream_among_many, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(reading_on_as_it_grows, setup, teardown),
	    cmocka_unit_test(range_headers),
	    cmocka_unit_test_setup_teardown(the_cap_drops_and_counts, setup, teardown),
	};
	return cmocka_run_group_tests_name("spoolread", tests, NULL, NULL);
}
