/*
 * watch: jobctl list --watch: the table, then one line per change to a job, as the service
 * pushes it (GET /jobs/events, Server-Sent Events), as `kubectl get -w` does. The stream is
 * opened first and the table printed once it is open, so no change falls between the two; a
 * dropped stream is resumed with the id of the last event seen, and a "reset" (what was missed
 * is gone) prints the table again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "call.h"
#include "jobctl.h"
#include "proto.h"
#include "rest.h"
#include "show.h"

/* A stream that will not come back is given up after this many tries in a row, a second apart. */
#define WATCH_TRIES 60

struct watch {
	struct jobctl *x;
	const struct list_args *l;
	struct buf line;    /* the line being read */
	char event[32];	    /* the event's type */
	struct buf data;    /* its data */
	char id[24];	    /* the event's id, once it has ended */
	char last_id[24];   /* the last whole event's id, to resume after */
	bool table_printed; /* once the stream was open */
	int status;	    /* of printing the table */
};

/* One event: its line (or its JSON with --json). */
static void print_event(struct watch *w)
{
	cJSON *job = cJSON_ParseWithLength(buf_head(&w->data), buf_used(&w->data));
	const cJSON *owner = cJSON_GetObjectItemCaseSensitive(job, "owner");
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(job, "state");
	bool wanted = cJSON_IsString(owner) && cJSON_IsString(state) &&
		      show_job_matches(job, w->l->state, w->l->owner);
	if (wanted && w->x->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "event", w->event);
		cJSON_AddItemReferenceToObject(o, "job", job);
		call_print_json(o);
		cJSON_Delete(o);
	} else if (wanted) {
		struct buf b = BUF_INIT;
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(job, "id");
		show_escape(&b, owner->valuestring, strlen(owner->valuestring), false);
		buf_putc(&b, ' ');
		show_command(&b, cJSON_GetObjectItemCaseSensitive(job, "command"));
		buf_putc(&b, '\0');
		printf("%-8s %-6s %-10s %s\n", w->event, cJSON_IsString(id) ? id->valuestring : "?",
		       state->valuestring, buf_ok(&b) ? buf_head(&b) : "");
		buf_free(&b);
	}
	fflush(stdout);
	cJSON_Delete(job);
}

/* One line of the stream (without its newline). */
static void take_line(struct watch *w, const char *p, size_t n)
{
	if (n == 0) { /* an event ends */
		if (!strcmp(w->event, "reset")) {
			w->status = list_print(w->x, w->l);
			fflush(stdout);
		} else if (w->event[0] && buf_used(&w->data) > 0)
			print_event(w);
		if (w->id[0]) /* a whole event: resumed after */
			memcpy(w->last_id, w->id, sizeof w->id);
		w->id[0] = w->event[0] = '\0';
		buf_reset(&w->data);
		return;
	}
	if (n > 4 && !strncmp(p, "id: ", 4) && n - 4 < sizeof w->id)
		snprintf(w->id, sizeof w->id, "%.*s", (int)(n - 4), p + 4);
	else if (n > 7 && !strncmp(p, "event: ", 7) && n - 7 < sizeof w->event)
		snprintf(w->event, sizeof w->event, "%.*s", (int)(n - 7), p + 7);
	else if (n > 6 && !strncmp(p, "data: ", 6))
		buf_append(&w->data, p + 6, n - 6);
}

static int on_bytes(void *ctx, const char *p, size_t n)
{
	struct watch *w = ctx;
	if (!w->table_printed) {
		/* The stream is open (the service says so at once): what changes from now on
		 * comes in it, so the table is printed now. */
		w->table_printed = true;
		w->status = list_print(w->x, w->l);
		fflush(stdout);
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n') {
			buf_putc(&w->line, p[i]);
			continue;
		}
		take_line(w, buf_head(&w->line), buf_used(&w->line));
		buf_reset(&w->line);
	}
	return buf_ok(&w->line) && buf_ok(&w->data) && w->status == 0 ? 0 : -1;
}

int watch_jobs(struct jobctl *x, const struct list_args *l)
{
	struct watch w = {.x = x, .l = l};
	int tries = 0, status;
	for (;;) {
		struct rest_resp r;
		char header[48];
		snprintf(header, sizeof header, "Last-Event-ID: %s", w.last_id);
		int rc = rest_get(&x->conf, "/jobs/events", w.last_id[0] ? header : NULL, on_bytes,
				  &w, &r);
		bool answered = rc == 0 && r.status == 200;
		if (w.status == 0 && (answered || (w.table_printed && ++tries <= WATCH_TRIES))) {
			/* It ended (jobsupd restarted, a proxy cut it): go on where it was. */
			if (answered)
				tries = 0;
			rest_resp_free(&r);
			/* A half-read event is read again, whole, from where it began. */
			buf_reset(&w.line);
			buf_reset(&w.data);
			w.id[0] = w.event[0] = '\0';
			sleep(1);
			continue;
		}
		if (w.status) {
			status = w.status;
		} else if (rc < 0) {
			call_error("%s", r.failure);
			status = EXIT_NO_ANSWER;
		} else {
			char msg[512];
			rest_error_message(&r, msg, sizeof msg);
			call_error("%s", msg);
			status = EXIT_REFUSED;
		}
		rest_resp_free(&r);
		break;
	}
	buf_free(&w.line);
	buf_free(&w.data);
	return status;
}
