/*
 * usock: a listening Unix socket, for jobsupd (jobapi connects to it) and jobapi (nginx does).
 * A socket a dead instance left behind is replaced; one that another instance still listens on
 * is not. The socket has its permissions from birth: it is bound under a umask that allows
 * nothing and given its mode and group before it listens.
 */
#ifndef USOCK_H
#define USOCK_H

#include <sys/types.h>

struct usock {
	const char *path;
	const char *who; /* "jobsupd": for "another jobsupd is already listening on ..." */
	int flags;	 /* added to SOCK_STREAM | SOCK_CLOEXEC, e.g. SOCK_NONBLOCK */
	mode_t mode;	 /* e.g. 0600 */
	gid_t gid;	 /* its group, or (gid_t)-1 to leave it */
	int backlog;
};

/* The listening descriptor (the caller closes it and unlinks the path), or -1 after logging
 * why (log.h). */
int usock_listen(const struct usock *u);
/* The same for a socket only this user may reach: its directory is made 0700 when missing and
 * refused when it is not private to this user (then whoever reached the socket could run jobs
 * as anyone). */
int usock_listen_private(const struct usock *u);

#endif
