/*
 * output: answering GET /jobs/{id}/output. With the spool, jobsupd passes the job's files and
 * says how far they reach; this thread reads them at its client's pace (a Range, the last
 * lines, one stream), and while following waits for jobsupd's word that they grew, so every
 * follower gets every byte from where it started, whatever the others do. Without the spool
 * (--output-dir none, or a spool deleted to keep --output-total), jobsupd streams what it keeps
 * in memory, and this passes it on.
 */
#include "output.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "spoolread.h"

#define CHUNK (64 * 1024)

/* The rest of a stream from jobsupd, unread: until its END (so the connection is ready for the
 * next request), or the connection dropped. */
static void drain(struct supclient *sc)
{
	struct supframe f;
	struct apierr err;
	while (supc_next(sc, -1, &f, &err) == 0 && f.type != PROTO_END)
		;
}

/* Pass an in-memory output stream through; flush each chunk when following. */
static int relay_memory(FCGX_Request *r, struct supclient *sc, bool follow)
{
	struct supframe f;
	struct apierr err;

	http_stream_head(r->out, 200, follow, NULL, -1, -1);
	if (follow && FCGX_FFlush(r->out) < 0) {
		supc_close(sc);
		return 200;
	}
	while (supc_next(sc, follow ? r->ipcFd : -1, &f, &err) == 0 && f.type == PROTO_DATA) {
		if (FCGX_PutStr(f.data, (int)f.len, r->out) < 0 ||
		    (follow && FCGX_FFlush(r->out) < 0)) {
			/* The client has gone: dropping the connection frees its follower. */
			supc_close(sc);
			break;
		}
	}
	return 200;
}

struct plan {
	int status;	     /* 200 or 206 */
	uint64_t first;	     /* where to begin */
	uint64_t end;	     /* where to stop (exclusive); UINT64_MAX: at the job's end */
	int64_t size;	     /* the view's size now */
	const char *range;   /* the Range header, "" for none */
	struct apierr error; /* when the plan is an error */
};

/* What the request asks of a view: all of it, a Range, or its last lines. 0, or -1 with
 * p->error (400 or 416). */
static int plan(struct spoolread *rd, const struct route *rt, const char *range, bool live,
		struct plan *p)
{
	*p = (struct plan){.status = 200, .end = UINT64_MAX, .range = range};
	p->size = spoolread_size(rd);
	if (p->size < 0) {
		apierr_set(&p->error, 500, "internal", "cannot read the job's output");
		return -1;
	}
	if (*range && rt->tail) {
		apierr_set(&p->error, 400, "invalid_request",
			   "tail and a Range do not go together: ask for one");
		return -1;
	}
	if (*range) {
		uint64_t last;
		int rc = spoolread_range(range, (uint64_t)p->size, live, &p->first, &last);
		if (rc == -1) {
			apierr_set(&p->error, 400, "invalid_request",
				   "Range: %.64s: the output is served as one range of bytes, "
				   "bytes=N- or bytes=N-M",
				   range);
			return -1;
		}
		if (rc == -2) {
			apierr_set(&p->error, 416, "range_not_satisfiable",
				   "Range: %.64s: the output is %" PRId64 " bytes", range, p->size);
			return -1;
		}
		p->status = 206;
		bool open_ended = strchr(range, '-')[1] == '\0';
		if (!open_ended || !live)
			p->end = last + 1 > p->first ? last + 1 : p->first;
		return 0;
	}
	if (rt->tail) {
		int64_t at = spoolread_tail(rd, (uint64_t)rt->tail);
		if (at < 0) {
			apierr_set(&p->error, 500, "internal", "cannot read the job's output");
			return -1;
		}
		p->first = (uint64_t)at;
	}
	if (!live)
		p->end = (uint64_t)p->size;
	return 0;
}

/* Write the view from its position up to end, or to what is there now. 0, or -1 when the
 * client has gone. */
static int pass(FCGX_Request *r, struct spoolread *rd, uint64_t end, bool flush, char *buf)
{
	while (rd->pos < end) {
		uint64_t want = end - rd->pos < CHUNK ? end - rd->pos : CHUNK;
		ssize_t n = spoolread_read(rd, buf, (size_t)want);
		if (n <= 0)
			break; /* all that is there now (a read error ends the stream too) */
		if (FCGX_PutStr(buf, (int)n, r->out) < 0)
			return -1;
	}
	return flush && FCGX_FFlush(r->out) < 0 ? -1 : 0;
}

/* Serve the planned bytes, following the spool as jobsupd says it grows. */
static void serve(FCGX_Request *r, struct supclient *sc, struct spoolread *rd, const struct plan *p,
		  bool live)
{
	char *buf = malloc(CHUNK);
	struct supframe f;
	struct apierr err;
	bool gone = !buf || spoolread_seek(rd, p->first) < 0;
	while (!gone) {
		if (pass(r, rd, p->end, live, buf) < 0) {
			gone = true;
			break;
		}
		if (rd->pos >= p->end || !live)
			break;
		/* Caught up: wait for the spool to grow, or for the job's end. */
		if (supc_next(sc, r->ipcFd, &f, &err) != 0) {
			free(buf);
			return; /* the client or jobsupd went away: the connection is closed */
		}
		struct proto_spool at;
		if (f.type == PROTO_PROGRESS && proto_spool_get(f.data, f.len, &at) == 0) {
			rd->at = at;
			continue;
		}
		if (f.type == PROTO_END) {
			pass(r, rd, p->end, true, buf);
			free(buf);
			return;
		}
		gone = true; /* anything else is a broken stream */
	}
	free(buf);
	/* A follower that leaves before the job's end (a closed range served, or a broken
	 * stream) drops the connection: jobsupd forgets it, and nothing waits for the end. */
	if (gone || live)
		supc_close(sc);
	else
		drain(sc);
}

static int relay_spool(FCGX_Request *r, struct supclient *sc, const struct route *rt,
		       const struct proto_reply *reply, const char *range)
{
	struct proto_spool at;
	struct spoolread rd;
	struct plan p;
	int fds[2];
	if (proto_spool_get(reply->data, reply->len, &at) < 0 || supc_take_fds(sc, fds) < 0) {
		supc_close(sc);
		apierr_set(&p.error, 500, "internal",
			   "jobsupd's answer about the output is broken");
		http_error(r->out, &p.error, NULL);
		return 500;
	}
	spoolread_open(&rd, fds[0], fds[1], &at, rt->stream);
	bool live = rt->follow && !at.ended;
	if (plan(&rd, rt, range, live, &p) < 0) {
		spoolread_close(&rd);
		if (live)
			supc_close(sc); /* not to wait for the job's end */
		else
			drain(sc);
		http_error(r->out, &p.error, NULL);
		return p.error.status;
	}
	/* While the job runs, where the range ends, and the whole length, are not known yet. */
	char content_range[96] = "", whole[24] = "*";
	if (!live)
		snprintf(whole, sizeof whole, "%" PRId64, p.size);
	if (p.status == 206 && p.end == UINT64_MAX)
		snprintf(content_range, sizeof content_range, "bytes %" PRIu64 "-*/*", p.first);
	else if (p.status == 206)
		snprintf(content_range, sizeof content_range, "bytes %" PRIu64 "-%" PRIu64 "/%s",
			 p.first, p.end - 1, whole);
	http_stream_head(r->out, p.status, rt->follow, content_range[0] ? content_range : NULL,
			 p.end != UINT64_MAX ? (int64_t)(p.end - p.first) : -1, (int64_t)p.first);
	if (!rt->follow || FCGX_FFlush(r->out) == 0)
		serve(r, sc, &rd, &p, live);
	else
		supc_close(sc);
	spoolread_close(&rd);
	return p.status;
}

int output_events(FCGX_Request *r, struct supclient *sc)
{
	struct supframe f;
	struct apierr err;
	FCGX_PutS("Status: 200 OK\r\nContent-Type: text/event-stream\r\n"
		  "Cache-Control: no-store\r\nX-Accel-Buffering: no\r\n\r\n",
		  r->out);
	if (FCGX_FFlush(r->out) < 0) {
		supc_close(sc);
		return 200;
	}
	while (supc_next(sc, r->ipcFd, &f, &err) == 0 && f.type == PROTO_DATA) {
		if (FCGX_PutStr(f.data, (int)f.len, r->out) < 0 || FCGX_FFlush(r->out) < 0) {
			supc_close(sc); /* the client has gone: jobsupd forgets the watcher */
			break;
		}
	}
	return 200;
}

int output_relay(FCGX_Request *r, struct supclient *sc, const struct route *rt,
		 const struct proto_reply *reply, const char *range)
{
	if (reply->body == PROTO_BODY_SPOOL)
		return relay_spool(r, sc, rt, reply, range);
	if (rt->tail || rt->stream != SPOOL_BOTH || *range) {
		struct apierr e;
		supc_close(sc); /* the stream is not wanted */
		apierr_set(&e, 400, "invalid_request",
			   "this job's whole output is not kept (jobsupd runs with --output-dir "
			   "none, or the job's output was deleted to keep --output-total): tail, "
			   "stream and a Range need it");
		http_error(r->out, &e, NULL);
		return 400;
	}
	return relay_memory(r, sc, rt->follow);
}
