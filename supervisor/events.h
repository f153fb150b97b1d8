/*
 * events: what happened to jobs, for GET /jobs/events: a job was created, started, ended, or
 * left the log. Each event has the next number of a sequence that starts at 1 with jobsupd,
 * and carries the job object as it was then, and its owner (who may see it: the owner and the
 * admins). The most recent EVENTS_KEEP are held, so that a client that reconnects with the
 * number of the last one it saw gets what it missed; older ones are gone, and such a client is
 * told to list again. How many are held is --max-events (EVENTS_KEEP by default).
 *
 * Watchers (connections streaming events) are told of each new event; each reads the events
 * at its own pace from the buffer, by number, as a follower reads a job's output.
 */
#ifndef EVENTS_H
#define EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "buf.h"
#include "record.h"

#define EVENTS_KEEP 2048

enum event_type {
	EVENT_CREATED,
	EVENT_STARTED,
	EVENT_ENDED,
	EVENT_REMOVED,
};

struct event {
	uint64_t seq;
	enum event_type type;
	char *owner;
	char *json; /* the job object */
	size_t json_len;
};

struct eventwatch {
	void (*fn)(struct eventwatch *w);
	LIST_ENTRY(eventwatch) link;
	bool linked;
};

struct events {
	struct event *ring;
	size_t cap;
	uint64_t next; /* the number the next event gets; the ring holds [next - held, next) */
	size_t held;
	LIST_HEAD(, eventwatch) watchers;
};

/* Hold up to cap events. 0, or -1 (ENOMEM). */
int events_init(struct events *ev, size_t cap);
void events_fini(struct events *ev);
/* Record that job r had event type (r rendered as it is now) and tell the watchers. An event
 * that cannot be kept (out of memory) is logged and skipped: its number is not used. */
void events_emit(struct events *ev, enum event_type type, const struct job_record *r);
/* The same, with the job object already rendered. */
void events_emit_json(struct events *ev, enum event_type type, const char *owner, const char *json,
		      size_t len);

/* The event numbered seq, if it is still held. */
const struct event *events_get(const struct events *ev, uint64_t seq);
/* The number of the oldest event held (events_next when none is). */
uint64_t events_oldest(const struct events *ev);
static inline uint64_t events_next(const struct events *ev)
{
	return ev->next;
}

void events_watch(struct events *ev, struct eventwatch *w);
void events_unwatch(struct eventwatch *w);

/* Append event e as Server-Sent Events text (id, event, data, a blank line). */
void events_format(struct buf *out, const struct event *e);
const char *events_type_name(enum event_type type);

#endif
