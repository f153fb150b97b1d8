/* Unit tests: jobapi's pool of supervisor connections keeps at most its number, and only
 * connections that are whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "pool.h"

/* A client that looks connected: one end of a socket pair; the other end in *peer. */
static struct supclient *connected(struct suppool *p, int *peer)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	struct supclient *c = pool_take(p);
	assert_non_null(c);
	assert_int_equal(c->fd, -1); /* new: connects on first use */
	c->fd = sv[0];
	*peer = sv[1];
	return c;
}

static void keeps_up_to_its_number(void **state)
{
	struct suppool p;
	int peer[3];
	(void)state;
	assert_int_equal(pool_init(&p, "run/private/jobsupd.sock", 2), 0);
	struct supclient *a = connected(&p, &peer[0]);
	struct supclient *b = connected(&p, &peer[1]);
	struct supclient *c = connected(&p, &peer[2]);
	pool_give(&p, a);
	pool_give(&p, b);
	pool_give(&p, c); /* one too many: closed */
	assert_int_equal(p.nidle, 2);
	char byte;
	assert_int_equal(read(peer[2], &byte, 1), 0); /* its end sees the close */
	/* The kept ones come back, newest first, still connected. */
	assert_ptr_equal(pool_take(&p), b);
	assert_ptr_equal(pool_take(&p), a);
	assert_int_equal(a->fd >= 0 && b->fd >= 0, 1);
	pool_give(&p, a);
	pool_give(&p, b);
	pool_destroy(&p);
	for (int i = 0; i < 3; i++)
		close(peer[i]);
}

static void drops_closed_and_out_of_step_connections(void **state)
{
	struct suppool p;
	int peer;
	(void)state;
	assert_int_equal(pool_init(&p, "run/private/jobsupd.sock", 4), 0);
	pool_give(&p, pool_take(&p)); /* never connected */
	assert_int_equal(p.nidle, 0);

	/* Bytes after the last frame: the connection is out of step with its requests. */
	struct supclient *c = connected(&p, &peer);
	buf_append(&c->in, "frame+stray", 11);
	c->frame_len = 5;
	pool_give(&p, c);
	assert_int_equal(p.nidle, 0);
	close(peer);

	/* A whole one keeps its connection, but not a big buffer. */
	c = connected(&p, &peer);
	buf_reserve(&c->in, POOL_BUF_KEEP * 2);
	buf_append(&c->in, "frame", 5);
	c->frame_len = 5;
	pool_give(&p, c);
	assert_int_equal(p.nidle, 1);
	assert_int_equal(c->in.cap, 0);
	pool_destroy(&p);
	close(peer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(keeps_up_to_its_number),
	    cmocka_unit_test(drops_closed_and_out_of_step_connections),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
