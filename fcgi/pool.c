/* pool: jobapi's connections to jobsupd, shared by its threads (see pool.h). */
#include "pool.h"

#include <stdbool.h>
#include <stdlib.h>

int pool_init(struct suppool *p, const char *path, int keep)
{
	p->path = path;
	p->keep = keep;
	p->nidle = 0;
	p->idle = calloc((size_t)keep, sizeof *p->idle);
	if (!p->idle)
		return -1;
	pthread_mutex_init(&p->lock, NULL);
	return 0;
}

static void discard(struct supclient *c)
{
	supc_close(c);
	free(c);
}

void pool_destroy(struct suppool *p)
{
	while (p->nidle > 0)
		discard(p->idle[--p->nidle]);
	free(p->idle);
	p->idle = NULL;
	pthread_mutex_destroy(&p->lock);
}

struct supclient *pool_take(struct suppool *p)
{
	struct supclient *c = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->nidle > 0)
		c = p->idle[--p->nidle];
	pthread_mutex_unlock(&p->lock);
	if (c)
		return c;
	c = malloc(sizeof *c);
	if (c)
		supc_init(c, p->path);
	return c;
}

void pool_give(struct suppool *p, struct supclient *c)
{
	if (!c)
		return;
	/* The request is over: its last frame is no longer needed. Anything after it would be a
	 * connection out of step with its requests, not one to keep. */
	buf_consume(&c->in, c->frame_len);
	c->frame_len = 0;
	if (c->fd < 0 || buf_used(&c->in) > 0) {
		discard(c);
		return;
	}
	/* A long log read once need not stay allocated with the connection. */
	if (c->in.cap > POOL_BUF_KEEP)
		buf_free(&c->in);
	pthread_mutex_lock(&p->lock);
	bool kept = p->nidle < p->keep;
	if (kept)
		p->idle[p->nidle++] = c;
	pthread_mutex_unlock(&p->lock);
	if (!kept)
		discard(c);
}
