/*
 * client: jobapi's side of the protocol: one connection to jobsupd, made on first use, with the
 * HELLO handshake (which also brings jobsupd's limits) and one reconnect when the connection
 * turns out stale because jobsupd restarted. Blocking I/O: one thread uses a client at a time
 * (jobapi's threads take them from a shared pool, fcgi/pool.h).
 *
 * A reply's body and a stream's payloads point into the client's buffer and stay valid until the
 * next call on the same client.
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "apierr.h"
#include "buf.h"
#include "jobspec.h"
#include "proto.h"

struct supclient {
	const char *path;
	int fd; /* -1 when not connected */
	struct buf in;
	size_t frame_len; /* bytes of the last frame returned, dropped on the next read */
	struct spec_limits limits;
	long max_followers;
	int fds[2]; /* descriptors jobsupd passed with the last reply (a spool's files), or -1 */
	int nfds;
};

struct supframe {
	uint8_t type;
	int status;
	const char *data;
	size_t len;
};

void supc_init(struct supclient *c, const char *path);
void supc_close(struct supclient *c);

/* Connect and shake hands when not connected. 0, or -1 with *err (503 unavailable). */
int supc_connect(struct supclient *c, struct apierr *err);

/*
 * Send a request and read the first frame of the answer (a REPLY), decoded. While waiting, watch
 * abort_fd (if >= 0): when it becomes readable or hangs up, the caller's client has gone; the
 * connection is dropped (so jobsupd forgets the request) and -2 is returned.
 * 0 with *reply set, -1 with *err set (503 unavailable), or -2.
 */
int supc_call(struct supclient *c, const struct proto_req *req, int abort_fd,
	      struct proto_reply *reply, struct apierr *err);
/* The next frame of a stream (DATA, PROGRESS or END), with the same abort_fd rule. 0, -1
 * (err), -2. */
int supc_next(struct supclient *c, int abort_fd, struct supframe *f, struct apierr *err);
/* Take the descriptors that came with the last reply (a SPOOL reply's two: ID.out, ID.idx);
 * the caller closes them. 0, or -1 when there were not two. */
int supc_take_fds(struct supclient *c, int fds[2]);

#endif
