/*
 * Unit tests: feeding a follower from a job's output ring (follow.c): what it frames as DATA, in
 * which order, how much it queues at once, where it skips when it fell behind, and when END.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "follow.h"
#include "proto.h"

/* Take the frames queued in out: DATA payloads appended to got; returns how many frames, and
 * whether END was among them. */
static int frames(struct buf *out, struct buf *got, bool *end)
{
	int n = 0;
	*end = false;
	while (buf_used(out) >= PROTO_HDR_LEN) {
		struct proto_hdr h;
		assert_int_equal(proto_hdr_get((const uint8_t *)buf_head(out), &h), PROTO_HDR_OK);
		assert_true(buf_used(out) >= PROTO_HDR_LEN + h.len);
		if (h.type == PROTO_DATA)
			buf_append(got, buf_head(out) + PROTO_HDR_LEN, h.len);
		else if (h.type == PROTO_END)
			*end = true;
		else
			fail_msg("unexpected frame type %d", h.type);
		buf_consume(out, PROTO_HDR_LEN + h.len);
		n++;
	}
	return n;
}

static void streams_in_order_until_the_end(void **state)
{
	struct ring *ring = ring_new(1 << 20);
	struct follow f;
	struct buf out = BUF_INIT, got = BUF_INIT;
	bool end;
	(void)state;
	ring_append(ring, "hello ", 6);
	follow_begin(&f, ring);
	assert_int_equal(ring->refs, 2);
	assert_false(follow_fill(&f, &out, FOLLOW_HIGH_WATER));
	assert_int_equal(frames(&out, &got, &end), 1);
	assert_false(end);
	/* Nothing new: nothing queued. */
	assert_false(follow_fill(&f, &out, FOLLOW_HIGH_WATER));
	assert_int_equal(buf_used(&out), 0);
	ring_append(ring, "world", 5);
	f.job_ended = true;
	assert_true(follow_fill(&f, &out, FOLLOW_HIGH_WATER));
	frames(&out, &got, &end);
	assert_true(end);
	assert_int_equal(buf_used(&got), 11);
	assert_memory_equal(buf_head(&got), "hello world", 11);
	assert_int_equal(ring->refs, 1);		       /* the follower let go */
	assert_true(follow_fill(&f, &out, FOLLOW_HIGH_WATER)); /* and stays ended */
	ring_unref(ring);
	buf_free(&out);
	buf_free(&got);
}

static void queues_at_most_the_high_water_mark(void **state)
{
	static char mib[1 << 20];
	struct ring *ring = ring_new(sizeof mib);
	struct follow f;
	struct buf out = BUF_INIT, got = BUF_INIT;
	bool end;
	(void)state;
	for (size_t i = 0; i < sizeof mib; i++)
		mib[i] = (char)(i * 7);
	ring_append(ring, mib, sizeof mib);
	follow_begin(&f, ring);
	f.job_ended = true;
	int rounds = 0;
	while (!follow_fill(&f, &out, 200 * 1024)) {
		/* Each round stops once the queue is past the mark: at most one chunk past it. */
		assert_true(buf_used(&out) < 200 * 1024 + PROTO_DATA_CHUNK + PROTO_HDR_LEN);
		frames(&out, &got, &end);
		assert_false(end);
		rounds++;
	}
	frames(&out, &got, &end);
	assert_true(end);
	assert_true(rounds >= 3); /* 1 MiB in chunks of at most a high-water mark */
	assert_int_equal(buf_used(&got), sizeof mib);
	assert_memory_equal(buf_head(&got), mib, sizeof mib);
	ring_unref(ring);
	buf_free(&out);
	buf_free(&got);
}

static void a_follower_behind_the_window_skips_to_its_start(void **state)
{
	struct ring *ring = ring_new(8);
	struct follow f;
	struct buf out = BUF_INIT, got = BUF_INIT;
	bool end;
	(void)state;
	follow_begin(&f, ring);
	ring_append(ring, "0123456789abcdef", 16); /* only the last 8 are kept */
	f.job_ended = true;
	assert_true(follow_fill(&f, &out, FOLLOW_HIGH_WATER));
	frames(&out, &got, &end);
	assert_true(end);
	assert_int_equal(buf_used(&got), 8);
	assert_memory_equal(buf_head(&got), "89abcdef", 8);
	ring_unref(ring);
	buf_free(&out);
	buf_free(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(streams_in_order_until_the_end),
	    cmocka_unit_test(queues_at_most_the_high_water_mark),
	    cmocka_unit_test(a_follower_behind_the_window_skips_to_its_start),
	};
	return cmocka_run_group_tests_name("follow", tests, NULL, NULL);
}
