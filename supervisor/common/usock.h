/*
 * usock: a listening Unix socket that replaces a stale one (left by a process that died) but
 * never a live one: whoever listens there answers a connect, and is left alone.
 */
#ifndef USOCK_H
#define USOCK_H

#include <sys/types.h>

/* Listen on path with permissions mode (created with none, then given exactly these) and the
 * socket flags (SOCK_NONBLOCK or 0; SOCK_CLOEXEC always). The descriptor, or -1 after logging
 * why (another listens there, or it cannot be had). */
int usock_listen(const char *path, mode_t mode, int flags, int backlog);
/* The same for a socket only this user may reach: its directory is made 0700 when missing and
 * refused when it is not private to this user. Non-blocking, mode 0600. */
int usock_listen_private(const char *path);

#endif
