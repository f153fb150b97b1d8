/*
 * ready: readiness notification on an inherited descriptor (ready.h).
 */
#include "ready.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

int ready_fd_parse(const char *arg, const char **why)
{
	char *end;
	errno = 0;
	long n = strtol(arg, &end, 10);
	if (errno || end == arg || *end || n < 3 || n > INT_MAX) {
		*why = "wants a descriptor number, 3 or above";
		return -1;
	}
	int fd = (int)n, flags = fcntl(fd, F_GETFL);
	if (flags < 0) {
		*why = "is not an open descriptor";
		return -1;
	}
	if ((flags & O_ACCMODE) == O_RDONLY) {
		*why = "is not open for writing";
		return -1;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		*why = "cannot be made close-on-exec";
		return -1;
	}
	return fd;
}

void ready_notify(int fd)
{
	if (fd < 0)
		return;
	ssize_t n;
	do
		n = write(fd, "\n", 1);
	while (n < 0 && errno == EINTR);
	close(fd);
}
