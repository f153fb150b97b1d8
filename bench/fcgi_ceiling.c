/*
 * fcgi_ceiling: the fastest answer an nginx + libfcgi stack can give: the same thread pool as
 * jobapi, and for every request a fixed JSON body of a job's size (or of ?bytes=N bytes, to
 * match a bigger answer), without any work. The benchmark compares jobapi's reads with it.
 *
 *   fcgi_ceiling SOCKET [THREADS]
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fcgiapp.h>

static int listen_fd;

/* About the size of GET /jobs/{id} for a short command. */
static const char body[] =
    "{\"id\":\"1\",\"owner\":\"user1\",\"command\":[\"true\"],\"state\":\"succeeded\","
    "\"exit_code\":0,\"signal\":null,\"error\":null,\"pid\":null,\"timeout_s\":3600,"
    "\"created_at\":\"2026-11-29T10:00:00.123Z\",\"started_at\":\"2026-11-29T10:00:00.124Z\","
    "\"finished_at\":\"2026-11-29T10:00:00.125Z\",\"output_bytes\":0,\"output_truncated\":false,"
    "\"limits\":{\"memory_bytes\":null,\"cpu_percent\":null,\"pids\":null,\"io_bytes_per_s\":null},"
    "\"containment\":\"cgroup-v1\",\"usage\":{\"cpu_ms\":0,\"max_memory_bytes\":0},\"output\":\"\"}"
    "\n";

#define BIG (1 << 20)
static char big[BIG]; /* the body, repeated */

static void *serve(void *arg)
{
	FCGX_Request r;
	char head[256];
	(void)arg;
	FCGX_InitRequest(&r, listen_fd, 0);
	while (FCGX_Accept_r(&r) >= 0) {
		const char *q = FCGX_GetParam("QUERY_STRING", r.envp);
		long len = q && strncmp(q, "bytes=", 6) == 0 ? atol(q + 6) : (long)sizeof body - 1;
		if (len < 0 || len > BIG)
			len = BIG;
		int n = snprintf(head, sizeof head,
				 "Status: 200 OK\r\nContent-Type: application/json\r\n"
				 "Content-Length: %ld\r\nCache-Control: no-store\r\n\r\n",
				 len);
		FCGX_PutStr(head, n, r.out);
		FCGX_PutStr(big, (int)len, r.out);
		FCGX_Finish_r(&r);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: fcgi_ceiling SOCKET [THREADS]\n");
		return 2;
	}
	int threads = argc > 2 ? atoi(argv[2]) : 8;
	for (size_t i = 0; i < BIG; i++)
		big[i] = body[i % (sizeof body - 1)];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
	signal(SIGPIPE, SIG_IGN);
	FCGX_Init();
	unlink(argv[1]);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (bind(listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(listen_fd, 1024) < 0) {
		perror("fcgi_ceiling");
		return 1;
	}
	chmod(argv[1], 0666);
	pthread_t t;
	for (int i = 1; i < threads; i++)
		pthread_create(&t, NULL, serve, NULL);
	serve(NULL);
	return 0;
}
