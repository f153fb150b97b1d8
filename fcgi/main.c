/*
 * jobapi: the FastCGI application between nginx and jobsupd. A fixed pool of threads, each
 * with its own FCGX_Request, accepts on one Unix socket; the main thread waits for SIGTERM or
 * SIGINT, then shuts the socket and exits, and meanwhile gives freed memory back every 10 s.
 *
 * The pool has --threads workers for ordinary requests plus --max-followers more for requests
 * that last (follows, waits, stops): those take a slot, and past the limit are refused with 503,
 * so ordinary requests always find a thread. Any thread may take any request, with a supervisor
 * connection from a pool that keeps --threads of them between requests (pool.h).
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "handler.h"
#include "log.h"
#include "opts.h"
#include "ready.h"
#include "usock.h"

#define DEFAULT_SOCKET "run/jobapi.sock"
#define DEFAULT_SUPERVISOR "run/private/jobsupd.sock"
/* libfcgi waits for a new connection's first bytes with select(2), which cannot watch a
 * descriptor numbered FD_SETSIZE (1024) or above. Each thread holds at most two descriptors
 * (its FastCGI connection and its jobsupd connection), so the pool stays well below that. */
#define MAX_THREADS 480
#define THREAD_STACK (256 * 1024)
#define TRIM_INTERVAL_S 10

struct config {
	const char *socket_path;
	const char *supervisor_path;
	const char *group;
	mode_t mode;
	long threads;
	long max_followers;
	int ready_fd;
};

static const char usage[] =
    "usage: jobapi [options]\n"
    "\n"
    "The job worker's FastCGI application: serves the HTTP API behind nginx, which verifies the\n"
    "client certificate, and asks jobsupd to do the work.\n"
    "\n"
    "  --socket PATH         FastCGI socket nginx connects to (default " DEFAULT_SOCKET ")\n"
    "  --socket-mode MODE    its permissions, octal (default 0600)\n"
    "  --socket-group NAME   its group, e.g. nginx's worker group (then use mode 0660)\n"
    "  --supervisor PATH     jobsupd's socket (default " DEFAULT_SUPERVISOR ")\n"
    "  --threads N           threads for ordinary requests (default 8)\n"
    "  --max-followers N     requests following output or waiting at once, each on a thread\n"
    "                        of its own (default 256); threads + max-followers <= 480\n"
    "  --ready-fd N          once listening, write a newline to descriptor N (3 or above,\n"
    "                        inherited open for writing) and close it\n"
    "  -h, --help            this help\n";

static void parse_flags(int argc, char **argv, struct config *cfg, struct api *api)
{
	enum { O_SOCKET = 256, O_MODE, O_GROUP, O_SUPERVISOR, O_THREADS, O_FOLLOWERS, O_READY_FD };
	static const struct option opts[] = {
	    {"socket", required_argument, NULL, O_SOCKET},
	    {"socket-mode", required_argument, NULL, O_MODE},
	    {"socket-group", required_argument, NULL, O_GROUP},
	    {"supervisor", required_argument, NULL, O_SUPERVISOR},
	    {"threads", required_argument, NULL, O_THREADS},
	    {"max-followers", required_argument, NULL, O_FOLLOWERS},
	    {"ready-fd", required_argument, NULL, O_READY_FD},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	size_t path_max = sizeof(((struct sockaddr_un *)0)->sun_path);
	int c;

	*cfg = (struct config){.socket_path = DEFAULT_SOCKET,
			       .mode = 0600,
			       .threads = 8,
			       .max_followers = 256,
			       .ready_fd = -1};
	cfg->supervisor_path = DEFAULT_SUPERVISOR;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_SOCKET:
			cfg->socket_path = optarg;
			break;
		case O_MODE:
			cfg->mode = (mode_t)opts_num("--socket-mode", optarg, 0, 0777, OPTS_OCTAL);
			break;
		case O_GROUP:
			cfg->group = optarg;
			break;
		case O_SUPERVISOR:
			cfg->supervisor_path = optarg;
			break;
		case O_THREADS:
			cfg->threads = opts_num("--threads", optarg, 1, MAX_THREADS, OPTS_PLAIN);
			break;
		case O_FOLLOWERS:
			cfg->max_followers =
			    opts_num("--max-followers", optarg, 0, MAX_THREADS, OPTS_PLAIN);
			break;
		case O_READY_FD: {
			const char *why;
			if ((cfg->ready_fd = ready_fd_parse(optarg, &why)) < 0)
				opts_die("--ready-fd %s: \"%s\"", why, optarg);
			break;
		}
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			fprintf(stderr, "Try 'jobapi --help'.\n");
			exit(2);
		}
	}
	if (optind < argc)
		opts_die("unexpected argument: %s", argv[optind]);
	if (strlen(cfg->socket_path) >= path_max || strlen(cfg->supervisor_path) >= path_max)
		opts_die("socket paths must be shorter than %zu bytes", path_max);
	if (cfg->threads + cfg->max_followers > MAX_THREADS)
		opts_die("--threads plus --max-followers must be at most %d", MAX_THREADS);
	api->max_long = cfg->max_followers;
}

static int open_socket(const struct config *cfg)
{
	struct usock u = {.path = cfg->socket_path,
			  .who = "jobapi",
			  .mode = cfg->mode,
			  .gid = (gid_t)-1,
			  .backlog = 1024};
	if (cfg->group) {
		struct group *g = getgrnam(cfg->group);
		if (!g) {
			log_error("no such group: %s", cfg->group);
			return -1;
		}
		u.gid = g->gr_gid;
	}
	return usock_listen(&u);
}

struct worker {
	pthread_t thread;
	struct api *api;
	int listen_fd;
	bool started;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	FCGX_Request req;

	if (FCGX_InitRequest(&req, w->listen_fd, 0) != 0)
		return NULL;
	while (FCGX_Accept_r(&req) >= 0) {
		handle_request(w->api, &req);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 1);
	return NULL;
}

/* Join the workers, giving those in the middle of a request a moment to finish. False when
 * some are still running (they still use what they were given: do not free it). */
static bool join_workers(struct worker *workers, long n)
{
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 2;
	for (long i = 0; i < n; i++) {
		if (!workers[i].started)
			continue;
		if (pthread_timedjoin_np(workers[i].thread, NULL, &deadline) != 0) {
			log_warn("some requests were still running at exit");
			return false;
		}
	}
	return true;
}

int main(int argc, char **argv)
{
	struct config cfg;
	static struct api api;
	sigset_t set;
	int sig, status = 1;

	log_init("jobapi");
	opts_init("jobapi");
	/* A fixed threshold: big bodies (a log of many jobs) are mapped and given back when
	 * freed, not kept for good in whichever thread's arena served them. And few arenas: the
	 * threads mostly wait on sockets, and each arena keeps memory of its own. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_ARENA_MAX, 2);
	parse_flags(argc, argv, &cfg, &api);

	/* Workers inherit this mask: only the main thread takes these signals, with sigwait
	 * (which cannot see a signal a shell left ignored, hence the defaults first). */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (FCGX_Init() != 0) {
		log_error("cannot initialise libfcgi");
		return 1;
	}
	if (pool_init(&api.pool, cfg.supervisor_path, (int)cfg.threads) < 0) {
		log_error("out of memory");
		return 1;
	}
	int fd = open_socket(&cfg);
	if (fd < 0)
		return 1;

	long n = cfg.threads + cfg.max_followers;
	struct worker *workers = calloc((size_t)n, sizeof *workers);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, THREAD_STACK);
	for (long i = 0; workers && i < n; i++) {
		workers[i].api = &api;
		workers[i].listen_fd = fd;
		int err = pthread_create(&workers[i].thread, &attr, worker_main, &workers[i]);
		if (err != 0) {
			log_error("cannot start thread %ld: %s", i, strerror(err));
			goto out;
		}
		workers[i].started = true;
	}
	if (!workers) {
		log_error("out of memory");
		goto out;
	}
	log_info("listening on %s (%ld threads, %ld for following), jobsupd at %s", cfg.socket_path,
		 n, cfg.max_followers, cfg.supervisor_path);
	ready_notify(cfg.ready_fd);

	/* Between signals, every TRIM_INTERVAL_S: memory the threads freed goes back to the
	 * system, so that a burst of followers does not leave jobapi at its peak for good. */
	for (;;) {
		struct timespec interval = {TRIM_INTERVAL_S, 0};
		sig = sigtimedwait(&set, NULL, &interval);
		if (sig == SIGHUP)
			continue;
		if (sig > 0)
			break;
		if (errno != EAGAIN && errno != EINTR) {
			log_error("cannot wait for signals: %s", strerror(errno));
			sig = SIGTERM;
			break;
		}
		malloc_trim(0);
	}
	log_info("SIG%s: stopping", sigabbrev_np(sig));
	status = 0;
out:
	unlink(cfg.socket_path);
	FCGX_ShutdownPending();
	shutdown(fd, SHUT_RDWR); /* wakes the workers blocked in accept */
	if (workers && !join_workers(workers, n))
		_exit(status); /* the rest end with the process */
	close(fd);
	pthread_attr_destroy(&attr);
	free(workers);
	pool_destroy(&api.pool);
	return status;
}
