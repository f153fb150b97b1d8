/*
 * conn: jobsupd's listening socket and every connection from jobapi (listener.c accepts, and
 * keeps the set), each owned by conn.c for its whole life: reading request frames, writing reply
 * frames without ever blocking the loop, the one request a connection carries at a time, and that
 * request's reply when it has to wait (for a job's end, a wait's deadline, a stop-all, a followed
 * job's output). When a connection closes, whatever its request waited for is forgotten (a stop it
 * asked for still happens).
 *
 * service.c decides what a request means and answers it through the functions below; it never
 * touches a connection. A request is answered exactly once: by a reply, an error, an output
 * stream, or later by the callback of what it was parked to wait for.
 */
#ifndef CONN_H
#define CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "buf.h"
#include "job.h"
#include "loop.h"
#include "proto.h"
#include "waitset.h"

struct sup;
struct conn;

/* The request a connection carries: owned by the connection, valid until it is answered. */
struct request {
	struct sup *sup;
	struct proto_req req; /* as decoded: its type, caller, job id as written, parameters */
	struct viewer viewer; /* the caller, pointing into req */
	uint64_t job_id;      /* req.id as a number (0: none) */
};

LIST_HEAD(conn_list, conn);

struct conns {
	struct sup *sup;
	struct loop *loop;
	const char *path;
	struct watch listener;
	struct timer accept_retry;
	struct conn_list all;
	long n, max;
	long nfollowers, max_followers; /* following output or events */
	struct events *events;
	struct timer keepalive;
};

void conns_init(struct conns *cs, struct sup *sup, struct loop *loop, struct events *events,
		long max_clients, long max_followers);
/* End every event stream (at shutdown). */
void conns_end_events(struct conns *cs);
/* Listen on path (its directory made 0700 when created here, and refused when not private).
 * 0, or -1 after logging why. */
int conns_listen(struct conns *cs, const char *path);
/* Stop listening (and remove the socket). */
void conns_unlisten(struct conns *cs);
/* Close every connection. */
void conns_fini(struct conns *cs);
/* True when every reply was written (at shutdown). */
bool conns_flushed(const struct conns *cs);

/* For listener.c: take a new connection on fd (0, or -1 with errno: fd is the caller's
 * then); close one. */
int conn_open(struct conns *cs, int fd);
void conn_close(struct conn *c);

/* Replies. A body may be built in place in the connection's queue (no copy of a large one):
 * open returns the buffer to append it to; close sends it with its status (an error reply
 * when the buffer failed or the body is too large), cancel forgets it. */
struct buf *conn_reply_open(struct request *r, enum proto_body body, const char *job_id);
void conn_reply_close(struct request *r, int status);
void conn_reply_cancel(struct request *r);
void conn_reply_error(struct request *r, const struct apierr *e);
/* A finished output stream: the bytes as DATA frames, then END. */
void conn_send_output(struct request *r, const char *p, size_t n);

/* Park the request until job j has ended or, when deadline_ms is not 0, until then (monotonic
 * ms); then done(r) answers it. */
void conn_wait(struct request *r, struct job *j, int64_t deadline_ms,
	       void (*done)(struct request *r));
/* Park the request until every job of ws has ended; then done(r, ws) answers it. The request
 * owns ws from now on (and frees it). */
void conn_wait_all(struct request *r, struct waitset *ws,
		   void (*done)(struct request *r, struct waitset *ws));
/* The waitset_done_fn to give waitset_new for a request (ctx: the request). */
waitset_done_fn conn_waitset_done;
/* Answer with a spool: its descriptors fds (ID.out, ID.idx; the connection owns them now and
 * passes them with the reply) and how far they reach; the stream ends there. */
void conn_send_spool(struct request *r, const int fds[2], const struct proto_spool *at);
/* Follow job j's output until it has ended: with its spool's descriptors fds (owned now by the
 * connection, passed with the reply, then PROGRESS frames as the spool grows), or with fds NULL
 * from its ring as DATA frames. -1 with *e (503) when --max-followers clients follow already
 * (fds are not taken then). */
int conn_follow(struct request *r, struct job *j, const int fds[2], struct apierr *e);
/* Stream job events the caller may see, from now on, or after event after (0: none) when that
 * is still held (else an event "reset" first: list again). Counts as a follower. -1 with *e
 * (503) past --max-followers. */
int conn_watch_events(struct request *r, uint64_t after, struct apierr *e);

#endif
