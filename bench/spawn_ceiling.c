/*
 * spawn_ceiling: how fast this machine can start and reap a process: THREADS threads each
 * posix_spawn /bin/true and wait for it, COUNT times in all. Prints jobs per second.
 *
 *   spawn_ceiling COUNT THREADS
 */
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;
static atomic_long left;

static void *run(void *arg)
{
	char *argv[] = {"/bin/true", NULL};
	(void)arg;
	while (atomic_fetch_sub(&left, 1) > 0) {
		pid_t pid;
		if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
			exit(1);
		waitpid(pid, NULL, 0);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 1000;
	int threads = argc > 2 ? atoi(argv[2]) : 4;
	pthread_t t[256];
	struct timespec a, b;
	if (threads < 1 || threads > 256)
		return 2;
	atomic_store(&left, count);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, run, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("jobs=%ld seconds=%.3f jobs_per_s=%.0f\n", count, s, (double)count / s);
	return 0;
}
