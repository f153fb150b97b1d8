/* listener: jobsupd's listening socket and the set of connections; see conn.h. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "usock.h"

/* After accept(2) ran out of descriptors or memory, how long to leave the backlog alone. */
#define ACCEPT_RETRY_MS 100

static void on_accept_retry(struct timer *t)
{
	struct conns *cs = container_of(t, struct conns, accept_retry);
	if (cs->listener.fd >= 0)
		loop_rewatch(cs->loop, &cs->listener, EPOLLIN);
}

/* Leave the backlog alone for a moment (or, should no timer be had, until a connection
 * closes). */
static void accept_later(struct conns *cs)
{
	loop_rewatch(cs->loop, &cs->listener, 0);
	if (loop_timer_at(cs->loop, &cs->accept_retry, loop_now() + ACCEPT_RETRY_MS,
			  on_accept_retry) < 0)
		log_error("cannot arm the accept retry: %s", strerror(errno));
}

/* 0 when the peer may use jobsupd: its own uid, or root. */
static int peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    (cred.uid == geteuid() || cred.uid == 0))
		return 0;
	log_warn("refused a connection from uid %d: only uid %d may use jobsupd", (int)cred.uid,
		 (int)geteuid());
	return -1;
}

static void on_listener(struct watch *w, uint32_t events)
{
	struct conns *cs = container_of(w, struct conns, listener);
	(void)events;
	for (;;) {
		if (cs->n >= cs->max) {
			/* Leave the rest in the backlog until a connection closes. */
			loop_rewatch(cs->loop, &cs->listener, 0);
			return;
		}
		int fd = accept4(cs->listener.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				log_warn("cannot accept a connection: %s", strerror(errno));
				accept_later(cs);
			}
			return;
		}
		if (peer_allowed(fd) < 0) {
			close(fd);
			continue;
		}
		if (conn_open(cs, fd) < 0) {
			log_error("cannot take a connection: %s", strerror(errno));
			close(fd);
			return;
		}
	}
}

void conns_init(struct conns *cs, struct sup *sup, struct loop *loop, struct events *events,
		long max_clients, long max_followers)
{
	*cs = (struct conns){.sup = sup,
			     .loop = loop,
			     .events = events,
			     .max = max_clients,
			     .max_followers = max_followers};
	cs->listener.fd = -1;
	LIST_INIT(&cs->all);
}

int conns_listen(struct conns *cs, const char *path)
{
	struct usock u = {.path = path,
			  .who = "jobsupd",
			  .flags = SOCK_NONBLOCK,
			  .mode = 0600,
			  .gid = (gid_t)-1,
			  .backlog = 128};
	int fd = usock_listen_private(&u);
	if (fd < 0)
		return -1;
	if (loop_watch(cs->loop, &cs->listener, fd, EPOLLIN, on_listener) < 0) {
		log_error("cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	cs->path = path;
	return 0;
}

void conns_unlisten(struct conns *cs)
{
	loop_timer_cancel(cs->loop, &cs->keepalive);
	if (cs->listener.fd < 0)
		return;
	loop_unwatch_close(cs->loop, &cs->listener);
	loop_timer_cancel(cs->loop, &cs->accept_retry);
	unlink(cs->path);
}

void conns_fini(struct conns *cs)
{
	conns_unlisten(cs);
	while (!LIST_EMPTY(&cs->all))
		conn_close(LIST_FIRST(&cs->all));
}
