/* usock: listening Unix sockets; see usock.h. */
#include "usock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

int usock_listen(const char *path, mode_t mode, int flags, int backlog)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path) {
		log_error("the socket path %s is too long", path);
		return -1;
	}
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
		log_error("another process is already listening on %s", path);
		close(fd);
		return -1;
	}
	if (errno == ECONNREFUSED)
		unlink(path); /* left behind by a process that died */
	close(fd);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
	if (fd < 0)
		goto fail;
	mode_t old = umask(0777);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (rc < 0 || chmod(path, mode) < 0 || listen(fd, backlog) < 0) {
		int e = errno;
		if (rc == 0)
			unlink(path);
		close(fd);
		errno = e;
		goto fail;
	}
	return fd;
fail:
	log_error("cannot listen on %s: %s", path, strerror(errno));
	return -1;
}

int usock_listen_private(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;
	snprintf(dir, sizeof dir, "%s", path);
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
	return usock_listen(path, 0600, SOCK_NONBLOCK, 128);
}
