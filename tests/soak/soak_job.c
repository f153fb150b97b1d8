/*
 * soak_job: the soak's jobs. Each takes one of MAX slot files (an flock held until it exits)
 * before doing anything else, so that the jobs themselves prove no more than MAX ran at once:
 * a job that finds every slot taken writes a line to SLOTDIR/violations and exits 99. Then it
 * does what its shape says.
 *
 *   soak_job SLOTDIR MAX instant           exit 0 at once
 *   soak_job SLOTDIR MAX fail              exit 3
 *   soak_job SLOTDIR MAX sleep MS          sleep, exit 0
 *   soak_job SLOTDIR MAX output BYTES      write BYTES to stdout as fast as it can, exit 0
 *   soak_job SLOTDIR MAX stubborn MS       ignore SIGTERM, sleep, exit 0
 *
 * A slot is released when the job's last process exits: the supervisor must not start another
 * job before then, since it counts a job as ended only once all its processes are gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

static int take_slot(const char *dir, int max)
{
	char path[4096];
	for (int i = 0; i < max; i++) {
		snprintf(path, sizeof path, "%s/slot.%d", dir, i);
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return -1;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd; /* held until this process exits */
		close(fd);
	}
	snprintf(path, sizeof path, "%s/violations", dir);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dprintf(fd, "job pid %d found all %d slots taken\n", (int)getpid(), max);
		close(fd);
	}
	return -1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int write_bytes(long n)
{
	static char chunk[65536];
	memset(chunk, 'x', sizeof chunk);
	while (n > 0) {
		size_t len = n < (long)sizeof chunk ? (size_t)n : sizeof chunk;
		ssize_t w = write(STDOUT_FILENO, chunk, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 1;
		n -= w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: soak_job SLOTDIR MAX SHAPE [ARG]\n");
		return 2;
	}
	if (take_slot(argv[1], atoi(argv[2])) < 0)
		return 99;
	const char *shape = argv[3];
	long arg = argc > 4 ? atol(argv[4]) : 0;
	if (!strcmp(shape, "instant"))
		return 0;
	if (!strcmp(shape, "fail"))
		return 3;
	if (!strcmp(shape, "output"))
		return write_bytes(arg);
	if (!strcmp(shape, "stubborn"))
		signal(SIGTERM, SIG_IGN);
	else if (strcmp(shape, "sleep") != 0)
		return 2;
	sleep_ms(arg);
	return 0;
}
