/* client: jobapi's connection to jobsupd; see client.h. */
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define READ_CHUNK (64 * 1024)

void supc_init(struct supclient *c, const char *path)
{
	memset(c, 0, sizeof *c);
	c->path = path;
	c->fd = -1;
	c->fds[0] = c->fds[1] = -1;
}

static void drop_fds(struct supclient *c)
{
	for (int i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	c->fds[0] = c->fds[1] = -1;
	c->nfds = 0;
}

int supc_take_fds(struct supclient *c, int fds[2])
{
	if (c->nfds != 2) {
		drop_fds(c);
		return -1;
	}
	fds[0] = c->fds[0];
	fds[1] = c->fds[1];
	c->fds[0] = c->fds[1] = -1;
	c->nfds = 0;
	return 0;
}

/* Receive what the socket has, keeping descriptors passed with it (up to two; any more are
 * closed at once). */
static ssize_t receive(struct supclient *c, char *dst, size_t cap)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {dst, cap};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof ctl.buf};
	ssize_t n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);
	for (struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR(&msg) : NULL; cm;
	     cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
			if (c->nfds < 2)
				c->fds[c->nfds++] = fd;
			else
				close(fd);
		}
	}
	return n;
}

void supc_close(struct supclient *c)
{
	drop_fds(c);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	buf_free(&c->in);
	c->frame_len = 0;
}

static int unavailable(struct apierr *err, const char *what, int e)
{
	apierr_set(err, 503, "unavailable", "the job supervisor is not available (%s%s%s)", what,
		   e ? ": " : "", e ? strerror(e) : "");
	return -1;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Wait until fd is readable; -2 when abort_fd stirs first. */
static int wait_readable(int fd, int abort_fd)
{
	if (abort_fd < 0)
		return 0;
	struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = abort_fd, .events = POLLIN}};
	for (;;) {
		int n = poll(p, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (p[0].revents)
			return 0;
		if (p[1].revents)
			return -2;
	}
}

/* Read one whole frame into `in`. 0, -1 (errno, or 0 for a closed connection), -2 aborted. */
static int read_frame(struct supclient *c, int abort_fd, struct supframe *f)
{
	buf_consume(&c->in, c->frame_len);
	c->frame_len = 0;
	for (;;) {
		if (buf_used(&c->in) >= PROTO_HDR_LEN) {
			struct proto_hdr h;
			if (proto_hdr_get((const uint8_t *)buf_head(&c->in), &h) != PROTO_HDR_OK ||
			    h.len > PROTO_MAX_REPLY) {
				errno = EPROTO;
				return -1;
			}
			if (buf_used(&c->in) >= PROTO_HDR_LEN + h.len) {
				f->type = h.type;
				f->status = h.status;
				f->data = buf_head(&c->in) + PROTO_HDR_LEN;
				f->len = h.len;
				c->frame_len = PROTO_HDR_LEN + h.len;
				return 0;
			}
		}
		int w = wait_readable(c->fd, abort_fd);
		if (w < 0)
			return w;
		char *dst = buf_reserve(&c->in, READ_CHUNK);
		if (!dst)
			return -1;
		ssize_t n = receive(c, dst, READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			return -1;
		}
		c->in.len += (size_t)n;
	}
}

/* The limits in a HELLO reply: null (or absent) is 0, "none" (or "cannot be enforced" for max). */
static void hello_limits(const cJSON *o, struct supclient *c)
{
	struct job_limits *sets[] = {&c->limits.max, &c->limits.deflt};
	const char *objs[] = {"max_limits", "default_limits"};
	for (int k = 0; k < 2; k++) {
		const cJSON *lo = cJSON_GetObjectItemCaseSensitive(o, objs[k]);
		for (int i = 0; i < NLIMITS; i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(lo, limit_info[i].key);
			limit_set(sets[k], i,
				  cJSON_IsNumber(v) && v->valuedouble > 0 ? (uint64_t)v->valuedouble
									  : 0);
		}
	}
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(o, "executor");
	c->limits.slurm = cJSON_IsString(ex) && strcmp(ex->valuestring, "slurm") == 0;
}

static int hello(struct supclient *c, struct apierr *err)
{
	struct proto_req req = {.type = PROTO_HELLO};
	struct buf out = BUF_INIT;
	struct supframe f;
	struct proto_reply reply;

	proto_req_encode(&out, &req);
	int rc = buf_ok(&out) ? send_all(c->fd, buf_head(&out), buf_used(&out)) : -1;
	buf_free(&out);
	if (rc < 0 || read_frame(c, -1, &f) < 0)
		return unavailable(err, "the handshake failed", errno);
	if (f.type != PROTO_REPLY || proto_reply_decode((uint16_t)f.status, f.data, f.len, &reply))
		return unavailable(err, "the handshake reply is malformed", 0);
	cJSON *o = cJSON_ParseWithLength(reply.data, reply.len);
	if (reply.status != 200) {
		/* jobsupd explains a version mismatch in the body: pass it on. */
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(o, "error"), "message");
		apierr_set(err, 503, "unavailable", "%s",
			   cJSON_IsString(m) ? m->valuestring
					     : "the supervisor refused the handshake");
		cJSON_Delete(o);
		return -1;
	}
	const char *keys[] = {"max_command_bytes", "max_args", "default_timeout_s", "max_timeout_s",
			      "max_followers"};
	long *dst[] = {&c->limits.max_command_bytes, &c->limits.max_args,
		       &c->limits.default_timeout_s, &c->limits.max_timeout_s, &c->max_followers};
	rc = 0;
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
		if (!cJSON_IsNumber(v))
			rc = -1;
		else
			*dst[i] = (long)v->valuedouble;
	}
	hello_limits(o, c);
	cJSON_Delete(o);
	if (rc < 0)
		return unavailable(err, "the handshake reply is malformed", 0);
	return 0;
}

int supc_connect(struct supclient *c, struct apierr *err)
{
	if (c->fd >= 0)
		return 0;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", c->path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return unavailable(err, "socket", errno);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		supc_close(c);
		return unavailable(err, c->path, e);
	}
	if (hello(c, err) < 0) {
		supc_close(c);
		return -1;
	}
	return 0;
}

int supc_call(struct supclient *c, const struct proto_req *req, int abort_fd,
	      struct proto_reply *reply, struct apierr *err)
{
	struct buf out = BUF_INIT;
	proto_req_encode(&out, req);
	if (!buf_ok(&out)) {
		buf_free(&out);
		apierr_set(err, 500, "internal", "out of memory");
		return -1;
	}
	int rc = -1;
	/* A kept connection is stale when jobsupd restarted: the send then fails at once (its
	 * peer is gone), before anything reached the new jobsupd, so it is safe to send again. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (supc_connect(c, err) < 0)
			break;
		buf_consume(&c->in, c->frame_len);
		c->frame_len = 0;
		drop_fds(c); /* a reply of an earlier request that nobody took */
		if (send_all(c->fd, buf_head(&out), buf_used(&out)) < 0) {
			/* Nothing reached jobsupd: safe to try once more on a new connection. */
			supc_close(c);
			unavailable(err, "the connection broke", errno);
			continue;
		}
		struct supframe f;
		rc = read_frame(c, abort_fd, &f);
		if (rc == 0 && (f.type != PROTO_REPLY ||
				proto_reply_decode((uint16_t)f.status, f.data, f.len, reply) < 0)) {
			errno = EPROTO;
			rc = -1;
		}
		if (rc < 0) {
			if (rc == -1)
				unavailable(err, "the connection broke before the answer", errno);
			supc_close(c);
		}
		break;
	}
	buf_free(&out);
	return rc;
}

int supc_next(struct supclient *c, int abort_fd, struct supframe *f, struct apierr *err)
{
	int rc = read_frame(c, abort_fd, f);
	if (rc == 0 && f->type != PROTO_DATA && f->type != PROTO_END && f->type != PROTO_PROGRESS) {
		errno = EPROTO;
		rc = -1;
	}
	if (rc < 0) {
		if (rc == -1)
			unavailable(err, "the connection broke during the stream", errno);
		supc_close(c);
	}
	return rc;
}
