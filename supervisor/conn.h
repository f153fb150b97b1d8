/*
 * conn: one jobapi connection to jobsupd: reading request frames, queueing reply frames, and the
 * state of a reply that waits for something (a stop, a wait, a stop-all, a follow).
 *
 * A connection carries one request at a time: while a reply is pending, another request is a
 * protocol error. Writes never block the loop: what the socket does not take waits in `out`
 * until it is writable. A follower does not copy the job's output in advance: it keeps its
 * position in the job's ring and takes the next chunk whenever its queue runs low (see
 * follow_pump in conn.c), so a stalled follower holds at most FOLLOW_HIGH_WATER bytes.
 */
#ifndef CONN_H
#define CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "buf.h"
#include "job.h"
#include "loop.h"
#include "proto.h"
#include "ring.h"
#include "store.h"
#include "sup.h"

/* Queue more of a followed job's output only while less than this is waiting to be written. */
#define FOLLOW_HIGH_WATER (256 * 1024)

enum conn_pending {
	PEND_NONE,
	PEND_STOP,    /* reply with the job when it has ended */
	PEND_WAIT,    /* reply with the job when it has ended or the wait is over */
	PEND_STOPALL, /* reply with all the jobs once every one has ended */
	PEND_FOLLOW,  /* stream output until the job has ended and all was sent */
};

struct stopall_slot {
	struct jobwatch watch;
	struct conn *conn;
	uint64_t id;
	bool ended;
	struct buf json; /* the job as it ended (the log may evict it before all have ended) */
};

struct conn {
	struct sup *sup;
	struct watch w;
	struct buf in, out;
	enum conn_pending pending;
	struct viewer viewer; /* of the pending request; user points at user[] */
	char user[PROTO_MAX_USER + 1];

	char id[PROTO_MAX_ID + 1]; /* of the pending request, as the client wrote it */
	uint64_t job_id;	   /* STOP, WAIT */
	struct jobwatch watch;	   /* STOP, WAIT, FOLLOW */
	struct timer wait_over;	   /* WAIT */

	struct stopall_slot *slots; /* STOPALL */
	size_t nslots, left;
	bool arming;

	struct ring *ring; /* FOLLOW: the job's output, shared */
	uint64_t pos;	   /* FOLLOW: next byte to send */
	bool job_ended;	   /* FOLLOW: no more bytes will come */

	size_t reply_at; /* where the reply being built starts, from the head of `out` */
	bool closing;	 /* close once `out` is written */
	LIST_ENTRY(conn) link;
	struct deferred gone;
};

/* Accept every pending connection on the listening socket. */
void conn_accept(struct sup *s);
void conn_close(struct conn *c);
/* Forget whatever reply is pending (a follow, a wait, a stop, a stop-all). */
void conn_cancel_pending(struct conn *c);

/* Queue a reply frame (or an error reply) and start writing it. */
void conn_reply(struct conn *c, int status, const struct buf *body);
/* Build a reply in place, in the connection's queue (no copy of a large body): open returns
 * the buffer to append the body to; close sends it with its status, cancel forgets it. */
struct buf *conn_reply_open(struct conn *c);
void conn_reply_close(struct conn *c, int status);
void conn_reply_cancel(struct conn *c);
void conn_reply_error(struct conn *c, const struct apierr *e);
/* Queue the frames of a finished output stream: DATA chunks of bytes, then END. */
void conn_send_output(struct conn *c, const char *p, size_t n);
/* Begin following the job's ring from position 0 (the oldest kept byte). */
void conn_follow(struct conn *c, struct job *j);
/* Write what is queued; 0, or -1 when the connection was closed. */
int conn_flush(struct conn *c);

/* Handle one request frame (service.c). */
void service_request(struct conn *c, uint8_t type, const char *payload, size_t len);

#endif
