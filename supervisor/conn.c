/* conn: one connection from jobapi, its whole life; see conn.h. */
#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "follow.h"
#include "log.h"
#include "service.h"
#include "sup.h"

#define READ_CHUNK (64 * 1024)
/* How often an idle event stream gets a comment. */
#define KEEPALIVE_MS 20000
/* A buffer grown past this (a large reply, a large request) is given back once empty. */
#define KEEP_BUFFER (256 * 1024)

/* What a request waits for before its reply can be written. */
enum pending {
	PEND_NONE,   /* nothing: the next request may come */
	PEND_WAIT,   /* a job's end, or a deadline: then wait_done */
	PEND_ALL,    /* every job of a waitset: then all_done */
	PEND_FOLLOW, /* a job's output, until its end */
	PEND_EVENTS, /* job events, until the client leaves or jobsupd shuts down */
};

struct conn {
	struct conns *cs;
	struct watch io;
	struct buf in, out;
	struct request req; /* the one in flight */
	enum pending pending;
	struct jobwatch jobwatch;				 /* PEND_WAIT, PEND_FOLLOW */
	struct timer deadline;					 /* PEND_WAIT */
	void (*wait_done)(struct request *r);			 /* PEND_WAIT */
	struct waitset *waitset;				 /* PEND_ALL */
	void (*all_done)(struct request *r, struct waitset *ws); /* PEND_ALL */
	struct follow follow;					 /* PEND_FOLLOW */
	struct eventwatch evwatch;				 /* PEND_EVENTS */
	uint64_t ev_next;					 /* PEND_EVENTS: the next to send */
	int pass[2];	  /* descriptors to pass with a reply (a spool's files), or -1 */
	uint64_t pass_at; /* where that reply starts, counting every byte sent */
	uint64_t sent;	  /* bytes sent so far */
	size_t reply_at;  /* where the reply being built starts, from the head of out */
	bool closing;	  /* close once out is written */
	LIST_ENTRY(conn) link;
	struct deferred gone;
};

static struct conn *conn_of(struct request *r)
{
	return container_of(r, struct conn, req);
}

static void drop_passed(struct conn *c)
{
	for (int i = 0; i < 2; i++) {
		if (c->pass[i] >= 0)
			close(c->pass[i]);
		c->pass[i] = -1;
	}
}

static void conn_free(struct deferred *d)
{
	struct conn *c = container_of(d, struct conn, gone);
	drop_passed(c);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
}

/* Forget whatever the request waits for. */
static void unpark(struct conn *c)
{
	job_unwatch(&c->jobwatch);
	loop_timer_cancel(c->cs->loop, &c->deadline);
	waitset_free(c->waitset);
	c->waitset = NULL;
	if (c->pending == PEND_FOLLOW) {
		follow_end(&c->follow);
		c->cs->nfollowers--;
	}
	if (c->pending == PEND_EVENTS) {
		events_unwatch(&c->evwatch);
		c->cs->nfollowers--;
	}
	c->pending = PEND_NONE;
}

void conn_close(struct conn *c)
{
	struct conns *cs = c->cs;
	if (c->io.fd < 0)
		return;
	loop_unwatch_close(cs->loop, &c->io);
	unpark(c);
	proto_req_free(&c->req.req);
	LIST_REMOVE(c, link);
	cs->n--;
	if (cs->listener.fd >= 0 && !(cs->listener.events & EPOLLIN))
		loop_rewatch(cs->loop, &cs->listener, EPOLLIN);
	loop_defer(cs->loop, &c->gone, conn_free);
}

static void update_interest(struct conn *c)
{
	uint32_t ev = EPOLLIN | EPOLLRDHUP;
	if (buf_used(&c->out) > 0)
		ev |= EPOLLOUT;
	if (loop_rewatch(c->cs->loop, &c->io, ev) < 0)
		conn_close(c);
}

static void sse(struct conn *c, const char *text)
{
	proto_frame(&c->out, PROTO_DATA, 0, text, strlen(text));
}

/* Queue the events the watcher may see, while its queue is short. One that fell so far
 * behind that the events it has not had are gone is told to list again. */
static void pump_events(struct conn *c)
{
	struct events *ev = c->cs->events;
	while (buf_used(&c->out) < FOLLOW_HIGH_WATER && c->ev_next < events_next(ev)) {
		const struct event *e = events_get(ev, c->ev_next);
		if (!e) {
			sse(c, "event: reset\ndata: {}\n\n");
			c->ev_next = events_next(ev);
			break;
		}
		size_t at = buf_used(&c->out);
		if (viewer_sees(&c->req.viewer, e->owner)) {
			uint8_t hdr[PROTO_HDR_LEN] = {0};
			buf_append(&c->out, hdr, sizeof hdr);
			events_format(&c->out, e);
			if (buf_ok(&c->out))
				proto_hdr_put((uint8_t *)buf_head(&c->out) + at, PROTO_DATA, 0,
					      (uint32_t)(buf_used(&c->out) - at - PROTO_HDR_LEN));
		}
		c->ev_next++;
	}
}

/* Queue more of what a parked request streams; a followed job's stream may end here. */
static void pump(struct conn *c)
{
	if (c->pending == PEND_FOLLOW && follow_fill(&c->follow, &c->out, FOLLOW_HIGH_WATER))
		unpark(c);
	else if (c->pending == PEND_EVENTS)
		pump_events(c);
}

/* Send from the head of out: up to where descriptors are to go, or those bytes with them. */
static ssize_t send_some(struct conn *c)
{
	size_t n = buf_used(&c->out);
	if (c->pass[0] < 0)
		return send(c->io.fd, buf_head(&c->out), n, MSG_NOSIGNAL);
	if (c->sent < c->pass_at) {
		if (n > c->pass_at - c->sent)
			n = (size_t)(c->pass_at - c->sent);
		return send(c->io.fd, buf_head(&c->out), n, MSG_NOSIGNAL);
	}
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {buf_head(&c->out), n};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof ctl.buf};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(2 * sizeof(int));
	memcpy(CMSG_DATA(cm), c->pass, 2 * sizeof(int));
	ssize_t w = sendmsg(c->io.fd, &msg, MSG_NOSIGNAL);
	if (w > 0)
		drop_passed(c); /* the peer has its own copies now */
	return w;
}

/* Write what is queued; 0, or -1 when the connection was closed. */
static int flush(struct conn *c)
{
	while (buf_used(&c->out) > 0) {
		ssize_t n = send_some(c);
		if (n > 0) {
			c->sent += (uint64_t)n;
			buf_consume(&c->out, (size_t)n);
			if (buf_used(&c->out) == 0)
				pump(c); /* refills out, or ends the stream */
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		conn_close(c);
		return -1;
	}
	if (!buf_ok(&c->out)) {
		log_error("out of memory for a reply; closing the connection");
		conn_close(c);
		return -1;
	}
	if (buf_used(&c->out) == 0 && c->closing) {
		conn_close(c);
		return -1;
	}
	if (buf_used(&c->out) == 0 && c->out.cap > KEEP_BUFFER)
		buf_free(&c->out);
	update_interest(c);
	return 0;
}

/* Replies */

struct buf *conn_reply_open(struct request *r, enum proto_body body, const char *job_id)
{
	struct conn *c = conn_of(r);
	c->reply_at = proto_reply_begin(&c->out, body, job_id);
	return &c->out;
}

void conn_reply_cancel(struct request *r)
{
	struct conn *c = conn_of(r);
	c->out.len = c->out.off + c->reply_at;
	c->out.failed = false;
}

static void answered(struct conn *c)
{
	unpark(c);
	flush(c);
}

void conn_reply_close(struct request *r, int status)
{
	struct conn *c = conn_of(r);
	struct apierr e;
	bool failed = !buf_ok(&c->out);
	if (proto_reply_end(&c->out, c->reply_at, (uint16_t)status) < 0) {
		apierr_set(&e, 500, "internal",
			   failed ? "jobsupd is out of memory"
				  : "the answer is over the size the protocol carries");
		conn_reply_error(r, &e);
		return;
	}
	answered(c);
}

void conn_reply_error(struct request *r, const struct apierr *e)
{
	struct conn *c = conn_of(r);
	size_t at = proto_reply_begin(&c->out, PROTO_BODY_JSON, NULL);
	apierr_render(&c->out, e);
	proto_reply_end(&c->out, at, (uint16_t)e->status);
	answered(c);
}

void conn_send_output(struct request *r, const char *p, size_t n)
{
	struct conn *c = conn_of(r);
	proto_reply(&c->out, 200, PROTO_BODY_STREAM, NULL, NULL, 0);
	for (size_t off = 0; off < n; off += PROTO_DATA_CHUNK) {
		size_t len = n - off < PROTO_DATA_CHUNK ? n - off : PROTO_DATA_CHUNK;
		proto_frame(&c->out, PROTO_DATA, 0, p + off, len);
	}
	proto_frame(&c->out, PROTO_END, 0, NULL, 0);
	answered(c);
}

/* Parking */

static void wait_over(struct conn *c)
{
	void (*done)(struct request *) = c->wait_done;
	unpark(c);
	done(&c->req);
}

static void on_wait_end(struct jobwatch *w, struct job *j, enum job_news news)
{
	(void)j;
	if (news == JOB_NEWS_END)
		wait_over(container_of(w, struct conn, jobwatch));
}

static void on_deadline(struct timer *t)
{
	wait_over(container_of(t, struct conn, deadline));
}

void conn_wait(struct request *r, struct job *j, int64_t deadline_ms,
	       void (*done)(struct request *r))
{
	struct conn *c = conn_of(r);
	c->pending = PEND_WAIT;
	c->wait_done = done;
	c->jobwatch.fn = on_wait_end;
	job_watch_end(j, &c->jobwatch);
	if (deadline_ms && loop_timer_at(c->cs->loop, &c->deadline, deadline_ms, on_deadline) < 0) {
		log_error("cannot arm a wait's deadline: %s; answering now", strerror(errno));
		wait_over(c);
	}
}

void conn_waitset_done(struct waitset *ws, void *ctx)
{
	struct conn *c = conn_of(ctx);
	void (*done)(struct request *, struct waitset *) = c->all_done;
	c->waitset = NULL; /* done's to answer with; freed below, after it */
	unpark(c);
	done(&c->req, ws);
	waitset_free(ws);
}

void conn_wait_all(struct request *r, struct waitset *ws,
		   void (*done)(struct request *r, struct waitset *ws))
{
	struct conn *c = conn_of(r);
	c->pending = PEND_ALL;
	c->waitset = ws;
	c->all_done = done;
}

static void on_follow_news(struct jobwatch *w, struct job *j, enum job_news news)
{
	struct conn *c = container_of(w, struct conn, jobwatch);
	follow_spool_grew(&c->follow, j->sp.len, j->sp.idx_len);
	if (news == JOB_NEWS_END)
		c->follow.job_ended = true;
	/* Only an idle queue takes more now; a busy one is refilled as it drains. */
	if (buf_used(&c->out) < FOLLOW_HIGH_WATER) {
		pump(c);
		flush(c);
	}
}

/* Queue a SPOOL reply, with the spool's descriptors (which the connection now owns). */
static void queue_spool(struct conn *c, const int fds[2], const struct proto_spool *at)
{
	uint8_t body[PROTO_SPOOL_LEN];
	proto_spool_put(body, at);
	drop_passed(c);
	c->pass_at = c->sent + buf_used(&c->out);
	c->pass[0] = fds[0];
	c->pass[1] = fds[1];
	proto_reply(&c->out, 200, PROTO_BODY_SPOOL, NULL, body, sizeof body);
}

void conn_send_spool(struct request *r, const int fds[2], const struct proto_spool *at)
{
	struct conn *c = conn_of(r);
	queue_spool(c, fds, at);
	proto_frame(&c->out, PROTO_END, 0, NULL, 0);
	answered(c);
}

/* A place among the followers (--max-followers) for c, which waits for what; -1 with e (503)
 * when every place is taken. */
static int take_follower_place(struct conn *c, enum pending what, const char *following,
			       struct apierr *e)
{
	struct conns *cs = c->cs;
	if (cs->nfollowers >= cs->max_followers) {
		apierr_set(e, 503, "unavailable",
			   "too many clients are following %s (%ld, --max-followers); try again "
			   "later",
			   following, cs->max_followers);
		return -1;
	}
	c->pending = what;
	cs->nfollowers++;
	return 0;
}

int conn_follow(struct request *r, struct job *j, const int fds[2], struct apierr *e)
{
	struct conn *c = conn_of(r);
	if (take_follower_place(c, PEND_FOLLOW, "output", e) < 0)
		return -1;
	c->jobwatch.fn = on_follow_news;
	job_follow(j, &c->jobwatch);
	if (fds) {
		struct proto_spool at = {.len = j->sp.len, .idx_len = j->sp.idx_len};
		follow_begin_spool(&c->follow, &at);
		queue_spool(c, fds, &at);
	} else {
		follow_begin(&c->follow, j->ring);
		proto_reply(&c->out, 200, PROTO_BODY_STREAM, NULL, NULL, 0);
	}
	pump(c);
	flush(c);
	return 0;
}

static void on_event(struct eventwatch *w)
{
	struct conn *c = container_of(w, struct conn, evwatch);
	if (buf_used(&c->out) < FOLLOW_HIGH_WATER) {
		pump_events(c);
		flush(c);
	}
}

/* Every KEEPALIVE_MS, a comment on every idle event stream, so that proxies and clients see
 * the connection is alive while nothing happens. */
static void on_keepalive(struct timer *t)
{
	struct conns *cs = container_of(t, struct conns, keepalive);
	struct eventwatch *w, *next;
	for (w = LIST_FIRST(&cs->events->watchers); w; w = next) {
		struct conn *c = container_of(w, struct conn, evwatch);
		next = LIST_NEXT(w, link);
		if (buf_used(&c->out) == 0) {
			sse(c, ": keep-alive\n\n");
			flush(c);
		}
	}
	if (!LIST_EMPTY(&cs->events->watchers) &&
	    loop_timer_at(cs->loop, t, loop_now() + KEEPALIVE_MS, on_keepalive) < 0)
		log_warn("cannot arm the event streams' keep-alive: %s", strerror(errno));
}

int conn_watch_events(struct request *r, uint64_t after, struct apierr *e)
{
	struct conn *c = conn_of(r);
	struct conns *cs = c->cs;
	struct events *ev = cs->events;
	char hello[64];
	if (take_follower_place(c, PEND_EVENTS, "output or events", e) < 0)
		return -1;
	c->evwatch.fn = on_event;
	events_watch(ev, &c->evwatch);
	proto_reply(&c->out, 200, PROTO_BODY_EVENTS, NULL, NULL, 0);
	/* Said at once, so that a client knows it watches before anything happens. */
	snprintf(hello, sizeof hello, ": events from %llu on\n\n",
		 (unsigned long long)events_next(ev));
	sse(c, hello);
	c->ev_next = events_next(ev);
	if (after && after + 1 >= events_oldest(ev) && after < events_next(ev))
		c->ev_next = after + 1;
	else if (after)
		sse(c, "event: reset\ndata: {}\n\n"); /* what it missed is gone: list again */
	if (!loop_timer_armed(&cs->keepalive) &&
	    loop_timer_at(cs->loop, &cs->keepalive, loop_now() + KEEPALIVE_MS, on_keepalive) < 0)
		log_warn("cannot arm the event streams' keep-alive: %s", strerror(errno));
	pump(c);
	flush(c);
	return 0;
}

void conns_end_events(struct conns *cs)
{
	struct conn *c, *next;
	for (c = LIST_FIRST(&cs->all); c; c = next) {
		next = LIST_NEXT(c, link);
		if (c->pending != PEND_EVENTS)
			continue;
		proto_frame(&c->out, PROTO_END, 0, NULL, 0);
		unpark(c);
		flush(c);
	}
}

/* Reading requests */

static void protocol_error(struct conn *c, int status, const char *msg)
{
	struct apierr e;
	apierr_set(&e, status, "unavailable", "%s", msg);
	log_warn("closing a supervisor connection: %s", msg);
	unpark(c);
	c->closing = true;
	conn_reply_error(&c->req, &e);
}

/* One whole frame of h.len bytes at the head of in: decode it and hand it to the service. */
static void handle_frame(struct conn *c, const struct proto_hdr *h)
{
	struct request *r = &c->req;
	struct apierr err;
	const char *payload = buf_head(&c->in) + PROTO_HDR_LEN;

	proto_req_free(&r->req);
	if (proto_req_decode(h->type, payload, h->len, &c->cs->sup->cfg.limits, &r->req, &err) <
	    0) {
		conn_reply_error(r, &err);
		return;
	}
	r->sup = c->cs->sup;
	r->viewer = (struct viewer){.user = r->req.user, .admin = r->req.admin};
	r->job_id = job_parse_id(r->req.id);
	service_request(r);
}

/* Take complete frames from in while no reply is pending. */
static void process_input(struct conn *c)
{
	while (c->io.fd >= 0 && !c->closing && buf_used(&c->in) >= PROTO_HDR_LEN) {
		struct proto_hdr h;
		enum proto_hdr_check check = proto_hdr_get((const uint8_t *)buf_head(&c->in), &h);
		if (check == PROTO_HDR_BAD_MAGIC) {
			log_warn("closing a connection that does not speak the jobsupd protocol");
			conn_close(c);
			return;
		}
		if (check == PROTO_HDR_BAD_VERSION) {
			char msg[160];
			snprintf(
			    msg, sizeof msg,
			    "protocol version mismatch: jobsupd speaks version %d, the client %d; "
			    "run jobapi and jobsupd of the same build",
			    PROTO_VERSION, h.version);
			protocol_error(c, 503, msg);
			return;
		}
		if (h.len > PROTO_MAX_REQUEST) {
			protocol_error(c, 413, "request frame larger than the protocol allows");
			return;
		}
		if (buf_used(&c->in) < PROTO_HDR_LEN + h.len)
			return;
		if (c->pending != PEND_NONE) {
			protocol_error(c, 400,
				       "a second request arrived before the first was answered");
			return;
		}
		handle_frame(c, &h);
		/* The service may have closed c; in lives until the deferred free. */
		buf_consume(&c->in, PROTO_HDR_LEN + h.len);
		if (buf_used(&c->in) == 0 && c->in.cap > KEEP_BUFFER)
			buf_free(&c->in);
	}
}

/* Read what the socket has; 0, or -1 when the connection was closed. */
static int receive(struct conn *c)
{
	for (;;) {
		char *dst = buf_reserve(&c->in, READ_CHUNK);
		if (!dst) {
			conn_close(c);
			return -1;
		}
		ssize_t n = recv(c->io.fd, dst, READ_CHUNK, 0);
		if (n > 0) {
			c->in.len += (size_t)n;
			/* A short read took all there was: no second recv just to hear EAGAIN
			 * (the socket is level-triggered, so anything later wakes us again). */
			if ((size_t)n < READ_CHUNK ||
			    buf_used(&c->in) > PROTO_HDR_LEN + PROTO_MAX_REQUEST + READ_CHUNK)
				return 0;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		conn_close(c); /* the peer went away: free what it held at once */
		return -1;
	}
}

static void on_conn_event(struct watch *w, uint32_t events)
{
	struct conn *c = container_of(w, struct conn, io);
	if ((events & EPOLLOUT) && flush(c) < 0)
		return;
	if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && receive(c) == 0)
		process_input(c);
}

/* The listener's side (listener.c) */

int conn_open(struct conns *cs, int fd)
{
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		return -1;
	if (loop_watch(cs->loop, &c->io, fd, EPOLLIN | EPOLLRDHUP, on_conn_event) < 0) {
		free(c);
		return -1;
	}
	c->cs = cs;
	c->pass[0] = c->pass[1] = -1;
	LIST_INSERT_HEAD(&cs->all, c, link);
	cs->n++;
	return 0;
}

bool conns_flushed(const struct conns *cs)
{
	const struct conn *c;
	LIST_FOREACH(c, &cs->all, link)
		if (buf_used(&c->out) > 0)
			return false;
	return true;
}
