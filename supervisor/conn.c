/* conn: jobapi connections to jobsupd; see conn.h. */
#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

#define READ_CHUNK (64 * 1024)
/* A buffer grown past this (a large reply, a large request) is given back once empty. */
#define KEEP_BUFFER (256 * 1024)

static void conn_free(struct deferred *d)
{
	struct conn *c = container_of(d, struct conn, gone);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
}

static void end_follow(struct conn *c)
{
	if (c->pending != PEND_FOLLOW)
		return;
	job_unwatch(&c->watch);
	ring_unref(c->ring);
	c->ring = NULL;
	c->sup->nfollowers--;
}

void conn_cancel_pending(struct conn *c)
{
	end_follow(c);
	job_unwatch(&c->watch);
	loop_timer_cancel(&c->sup->loop, &c->wait_over);
	for (size_t i = 0; i < c->nslots; i++) {
		job_unwatch(&c->slots[i].watch);
		buf_free(&c->slots[i].json);
	}
	free(c->slots);
	c->slots = NULL;
	c->nslots = 0;
	c->pending = PEND_NONE;
}

void conn_close(struct conn *c)
{
	struct sup *s = c->sup;
	if (c->w.fd < 0)
		return;
	int fd = c->w.fd;
	loop_unwatch(&s->loop, &c->w);
	close(fd);
	conn_cancel_pending(c);
	LIST_REMOVE(c, link);
	s->nconns--;
	if (s->listen.fd >= 0 && !(s->listen.events & EPOLLIN))
		loop_rewatch(&s->loop, &s->listen, EPOLLIN);
	loop_defer(&s->loop, &c->gone, conn_free);
}

static void update_interest(struct conn *c)
{
	uint32_t ev = EPOLLIN | EPOLLRDHUP;
	if (buf_used(&c->out) > 0)
		ev |= EPOLLOUT;
	if (loop_rewatch(&c->sup->loop, &c->w, ev) < 0)
		conn_close(c);
}

static void follow_pump(struct conn *c);

int conn_flush(struct conn *c)
{
	while (buf_used(&c->out) > 0) {
		ssize_t n = send(c->w.fd, buf_head(&c->out), buf_used(&c->out), MSG_NOSIGNAL);
		if (n > 0) {
			buf_consume(&c->out, (size_t)n);
			if (buf_used(&c->out) == 0 && c->pending == PEND_FOLLOW)
				follow_pump(c); /* refills out, or ends the stream */
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

struct buf *conn_reply_open(struct conn *c)
{
	uint8_t hdr[PROTO_HDR_LEN] = {0};
	c->reply_at = buf_used(&c->out);
	buf_append(&c->out, hdr, sizeof hdr);
	return &c->out;
}

void conn_reply_cancel(struct conn *c)
{
	c->out.len = c->out.off + c->reply_at;
	c->out.failed = false;
}

void conn_reply_close(struct conn *c, int status)
{
	struct apierr e;
	size_t len = buf_used(&c->out) - c->reply_at - PROTO_HDR_LEN;
	if (!buf_ok(&c->out) || len > PROTO_MAX_REPLY) {
		conn_reply_cancel(c);
		apierr_set(&e, 500, "internal",
			   len > PROTO_MAX_REPLY
			       ? "the answer is over the size the protocol carries"
			       : "jobsupd is out of memory");
		conn_reply_error(c, &e);
		return;
	}
	proto_hdr_put((uint8_t *)buf_head(&c->out) + c->reply_at, PROTO_REPLY, (uint16_t)status,
		      (uint32_t)len);
	c->pending = PEND_NONE;
	conn_flush(c);
}

void conn_reply(struct conn *c, int status, const struct buf *body)
{
	struct apierr e;
	if (!buf_ok(body)) {
		apierr_set(&e, 500, "internal",
			   "jobsupd could not build the reply (out of memory)");
		conn_reply_error(c, &e);
		return;
	}
	if (buf_used(body) > PROTO_MAX_REPLY) {
		apierr_set(&e, 500, "internal",
			   "the answer would be %zu bytes, over the %u the protocol carries",
			   buf_used(body), PROTO_MAX_REPLY);
		conn_reply_error(c, &e);
		return;
	}
	proto_frame(&c->out, PROTO_REPLY, (uint16_t)status, buf_head(body), buf_used(body));
	c->pending = PEND_NONE;
	conn_flush(c);
}

void conn_reply_error(struct conn *c, const struct apierr *e)
{
	struct buf body = BUF_INIT;
	apierr_render(&body, e);
	proto_frame(&c->out, PROTO_REPLY, (uint16_t)e->status, buf_head(&body), buf_used(&body));
	buf_free(&body);
	c->pending = PEND_NONE;
	conn_flush(c);
}

void conn_send_output(struct conn *c, const char *p, size_t n)
{
	proto_frame(&c->out, PROTO_REPLY, 200, NULL, 0);
	for (size_t off = 0; off < n; off += PROTO_DATA_CHUNK) {
		size_t len = n - off < PROTO_DATA_CHUNK ? n - off : PROTO_DATA_CHUNK;
		proto_frame(&c->out, PROTO_DATA, 0, p + off, len);
	}
	proto_frame(&c->out, PROTO_END, 0, NULL, 0);
	c->pending = PEND_NONE;
	conn_flush(c);
}

/* Following */

static void follow_pump(struct conn *c)
{
	/* Without data (its allocation failed) a ring only counts: there is nothing to send. */
	if (!c->ring->data)
		c->pos = c->ring->total;
	while (buf_used(&c->out) < FOLLOW_HIGH_WATER) {
		const char *p;
		/* Fallen behind the window: skip to its start (documented in PROTOCOL.md). */
		if (c->pos < ring_start(c->ring))
			c->pos = ring_start(c->ring);
		size_t n = ring_peek(c->ring, c->pos, &p);
		if (n == 0)
			break;
		if (n > PROTO_DATA_CHUNK)
			n = PROTO_DATA_CHUNK;
		proto_frame(&c->out, PROTO_DATA, 0, p, n);
		c->pos += n;
	}
	if (c->job_ended && c->pos >= c->ring->total) {
		proto_frame(&c->out, PROTO_END, 0, NULL, 0);
		end_follow(c);
		c->pending = PEND_NONE;
	}
}

static void on_follow_event(struct jobwatch *w, struct job *j, enum job_event ev)
{
	struct conn *c = container_of(w, struct conn, watch);
	(void)j;
	if (ev == JOB_EV_END)
		c->job_ended = true;
	/* Only an idle queue takes more now; a busy one is refilled as it drains. */
	if (buf_used(&c->out) < FOLLOW_HIGH_WATER) {
		follow_pump(c);
		conn_flush(c);
	}
}

void conn_follow(struct conn *c, struct job *j)
{
	c->pending = PEND_FOLLOW;
	c->ring = ring_ref(j->ring);
	c->pos = 0;
	c->job_ended = false;
	c->watch.fn = on_follow_event;
	job_follow(j, &c->watch);
	c->sup->nfollowers++;
	proto_frame(&c->out, PROTO_REPLY, 200, NULL, 0);
	follow_pump(c);
	conn_flush(c);
}

/* Reading requests */

static void protocol_error(struct conn *c, int status, const char *msg)
{
	struct apierr e;
	apierr_set(&e, status, "unavailable", "%s", msg);
	log_warn("closing a supervisor connection: %s", msg);
	conn_cancel_pending(c);
	c->closing = true;
	conn_reply_error(c, &e);
}

/* Take complete frames from `in` while no reply is pending. */
static void process_input(struct conn *c)
{
	while (c->w.fd >= 0 && !c->closing && buf_used(&c->in) >= PROTO_HDR_LEN) {
		struct proto_hdr h;
		switch (proto_hdr_get((const uint8_t *)buf_head(&c->in), &h)) {
		case PROTO_HDR_BAD_MAGIC:
			log_warn("closing a connection that does not speak the jobsupd protocol");
			conn_close(c);
			return;
		case PROTO_HDR_BAD_VERSION: {
			char msg[160];
			snprintf(
			    msg, sizeof msg,
			    "protocol version mismatch: jobsupd speaks version %d, the client %d; "
			    "run jobapi and jobsupd of the same build",
			    PROTO_VERSION, h.version);
			protocol_error(c, 503, msg);
			return;
		}
		case PROTO_HDR_OK:
			break;
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
		const char *payload = buf_head(&c->in) + PROTO_HDR_LEN;
		service_request(c, h.type, payload, h.len);
		/* service_request may have closed c; `in` lives until the deferred free. */
		buf_consume(&c->in, PROTO_HDR_LEN + h.len);
		if (buf_used(&c->in) == 0 && c->in.cap > KEEP_BUFFER)
			buf_free(&c->in);
	}
}

static void on_conn_event(struct watch *w, uint32_t events)
{
	struct conn *c = container_of(w, struct conn, w);

	if (events & EPOLLOUT) {
		if (conn_flush(c) < 0)
			return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		for (;;) {
			char *dst = buf_reserve(&c->in, READ_CHUNK);
			if (!dst) {
				conn_close(c);
				return;
			}
			ssize_t n = recv(c->w.fd, dst, READ_CHUNK, 0);
			if (n > 0) {
				c->in.len += (size_t)n;
				/* A short read took all there was: no second recv just to hear
				 * EAGAIN (the socket is level-triggered, so anything later wakes us
				 * again). */
				if ((size_t)n < READ_CHUNK ||
				    buf_used(&c->in) >
					PROTO_HDR_LEN + PROTO_MAX_REQUEST + READ_CHUNK)
					break;
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			conn_close(c); /* the peer went away: free what it held at once */
			return;
		}
		process_input(c);
	}
}

void conn_accept(struct sup *s)
{
	for (;;) {
		if (s->nconns >= s->cfg.max_clients) {
			/* Leave the rest in the backlog until a connection closes. */
			loop_rewatch(&s->loop, &s->listen, 0);
			return;
		}
		int fd = accept4(s->listen.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				log_warn("cannot accept a connection: %s", strerror(errno));
				loop_rewatch(&s->loop, &s->listen, 0);
				sup_accept_later(s);
			}
			return;
		}
		struct ucred cred;
		socklen_t len = sizeof cred;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    (cred.uid != geteuid() && cred.uid != 0)) {
			log_warn("refused a connection from uid %d: only uid %d may use jobsupd",
				 (int)cred.uid, (int)geteuid());
			close(fd);
			continue;
		}
		struct conn *c = calloc(1, sizeof *c);
		if (!c ||
		    loop_watch(&s->loop, &c->w, fd, EPOLLIN | EPOLLRDHUP, on_conn_event) < 0) {
			log_error("cannot take a connection: %s", strerror(errno));
			free(c);
			close(fd);
			return;
		}
		c->sup = s;
		LIST_INSERT_HEAD(&s->conns, c, link);
		s->nconns++;
	}
}
