/* waitset: waiting for several jobs to end; see waitset.h. */
#include "waitset.h"

#include <stdlib.h>

struct waitslot {
	struct jobwatch watch;
	struct waitset *set;
	uint64_t id;
	struct buf json; /* the job as it ended */
};

struct waitset {
	struct store *store;
	struct viewer viewer;
	waitset_done_fn *done;
	void *ctx;
	size_t n, left;
	bool armed;
	struct waitslot slots[];
};

static void on_end(struct jobwatch *w, struct job *j, enum job_news news)
{
	struct waitslot *slot = container_of(w, struct waitslot, watch);
	struct waitset *ws = slot->set;
	(void)j;
	(void)news;
	store_render(ws->store, slot->id, &ws->viewer, false, &slot->json);
	if (--ws->left == 0 && ws->armed)
		ws->done(ws, ws->ctx);
}

struct waitset *waitset_new(struct job *const *jobs, size_t n, struct store *store,
			    const struct viewer *v, waitset_done_fn *done, void *ctx)
{
	struct waitset *ws = calloc(1, sizeof *ws + n * sizeof ws->slots[0]);
	if (!ws)
		return NULL;
	*ws = (struct waitset){.store = store, .viewer = *v, .done = done, .ctx = ctx};
	ws->n = ws->left = n;
	for (size_t i = 0; i < n; i++) {
		ws->slots[i].set = ws;
		ws->slots[i].id = jobs[i]->rec.id;
		ws->slots[i].watch.fn = on_end;
		job_watch_end(jobs[i], &ws->slots[i].watch);
	}
	return ws;
}

void waitset_armed(struct waitset *ws)
{
	ws->armed = true;
	if (ws->left == 0)
		ws->done(ws, ws->ctx);
}

size_t waitset_left(const struct waitset *ws)
{
	return ws->left;
}

void waitset_render(const struct waitset *ws, struct jw *w)
{
	for (size_t i = 0; i < ws->n; i++)
		if (buf_used(&ws->slots[i].json) > 0)
			jw_raw(w, buf_head(&ws->slots[i].json), buf_used(&ws->slots[i].json));
}

void waitset_free(struct waitset *ws)
{
	if (!ws)
		return;
	for (size_t i = 0; i < ws->n; i++) {
		job_unwatch(&ws->slots[i].watch);
		buf_free(&ws->slots[i].json);
	}
	free(ws);
}
