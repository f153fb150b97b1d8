/* events: the job event buffer and its watchers; see events.h. */
#include "events.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"

static const char *const type_names[] = {
    [EVENT_CREATED] = "created",
    [EVENT_STARTED] = "started",
    [EVENT_ENDED] = "ended",
    [EVENT_REMOVED] = "removed",
};

const char *events_type_name(enum event_type type)
{
	return type_names[type];
}

int events_init(struct events *ev, size_t cap)
{
	memset(ev, 0, sizeof *ev);
	ev->next = 1;
	LIST_INIT(&ev->watchers);
	ev->ring = calloc(cap, sizeof *ev->ring);
	ev->cap = cap;
	return ev->ring ? 0 : -1;
}

static void drop(struct event *e)
{
	free(e->owner);
	free(e->json);
	memset(e, 0, sizeof *e);
}

void events_fini(struct events *ev)
{
	for (size_t i = 0; ev->ring && i < ev->cap; i++)
		drop(&ev->ring[i]);
	free(ev->ring);
	ev->ring = NULL;
	ev->held = 0;
}

void events_emit_json(struct events *ev, enum event_type type, const char *owner, const char *json,
		      size_t len)
{
	char *o = strdup(owner), *j = malloc(len + 1);
	if (!o || !j) {
		free(o);
		free(j);
		log_error("out of memory: a job event is not kept");
		return;
	}
	memcpy(j, json, len);
	j[len] = '\0';
	struct event *e = &ev->ring[ev->next % ev->cap];
	drop(e); /* the oldest, once the ring is full */
	*e =
	    (struct event){.seq = ev->next++, .type = type, .owner = o, .json = j, .json_len = len};
	if (ev->held < ev->cap)
		ev->held++;
	struct eventwatch *w, *next;
	for (w = LIST_FIRST(&ev->watchers); w; w = next) {
		next = LIST_NEXT(w, link);
		w->fn(w);
	}
}

void events_emit(struct events *ev, enum event_type type, const struct job_record *r)
{
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b);
	record_render(&w, r, NULL, 0);
	if (buf_ok(&b))
		events_emit_json(ev, type, r->owner, buf_head(&b), buf_used(&b));
	else
		log_error("out of memory: a job event is not kept");
	buf_free(&b);
}

uint64_t events_oldest(const struct events *ev)
{
	return ev->next - ev->held;
}

const struct event *events_get(const struct events *ev, uint64_t seq)
{
	if (seq < events_oldest(ev) || seq >= ev->next)
		return NULL;
	return &ev->ring[seq % ev->cap];
}

void events_watch(struct events *ev, struct eventwatch *w)
{
	LIST_INSERT_HEAD(&ev->watchers, w, link);
	w->linked = true;
}

void events_unwatch(struct eventwatch *w)
{
	if (!w->linked)
		return;
	LIST_REMOVE(w, link);
	w->linked = false;
}

void events_format(struct buf *out, const struct event *e)
{
	/* The job object is one line of JSON (the writer never breaks lines). */
	buf_printf(out, "id: %llu\nevent: %s\ndata: ", (unsigned long long)e->seq,
		   type_names[e->type]);
	buf_append(out, e->json, e->json_len);
	buf_puts(out, "\n\n");
}
