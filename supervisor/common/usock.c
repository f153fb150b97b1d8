/* usock: a listening Unix socket over a stale one; see usock.h. */
#include "usock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

/* 0 when nothing listens at the path (a socket left by an instance that died is removed), -1
 * when another instance answers. Non-blocking, so that a full backlog cannot stall start-up. */
static int clear_stale(const struct usock *u, const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0; /* bind will say what is wrong */
	if (connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0) {
		log_error("another %s is already listening on %s", u->who, u->path);
		close(fd);
		return -1;
	}
	if (errno == ECONNREFUSED)
		unlink(u->path);
	close(fd);
	return 0;
}

int usock_listen(const struct usock *u)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(u->path) >= sizeof sa.sun_path) {
		log_error("cannot listen on %s: the path is too long", u->path);
		return -1;
	}
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", u->path);
	if (clear_stale(u, &sa) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | u->flags, 0);
	if (fd < 0) {
		log_error("cannot listen on %s: %s", u->path, strerror(errno));
		return -1;
	}
	mode_t old = umask(0777);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (rc < 0 || (u->gid != (gid_t)-1 && chown(u->path, (uid_t)-1, u->gid) < 0) ||
	    chmod(u->path, u->mode) < 0 || listen(fd, u->backlog) < 0) {
		log_error("cannot listen on %s: %s", u->path, strerror(errno));
		if (rc == 0)
			unlink(u->path);
		close(fd);
		return -1;
	}
	return fd;
}

int usock_listen_private(const struct usock *u)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;
	snprintf(dir, sizeof dir, "%s", u->path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077)) {
		log_error("the directory of the socket, %s, must belong to uid %d and be private "
			  "(chmod 700), so that only jobapi can reach jobsupd",
			  dir, (int)geteuid());
		return -1;
	}
	return usock_listen(u);
}
