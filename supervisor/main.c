/*
 * jobsupd: the job supervisor. Parses its flags and runs the loop until a shutdown (SIGTERM or
 * SIGINT) has stopped every job. Everything else lives in the modules: sup.c (start-up,
 * signals, shutdown), job.c (the state machine), conn.c and service.c (the protocol), store.c
 * (SQLite), loop.c (the event loop).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "ready.h"
#include "size.h"
#include "sup.h"

#define DEFAULT_SOCKET "run/private/jobsupd.sock"

static const char usage[] =
    "usage: jobsupd [options]\n"
    "\n"
    "The job supervisor: runs jobs for jobapi over a Unix socket, one event loop, state in an\n"
    "in-memory SQLite database. SIGTERM or SIGINT stops every job and exits.\n"
    "\n"
    "  --socket PATH            listening socket (default " DEFAULT_SOCKET ");\n"
    "                           its directory is made private (0700) when jobsupd creates it\n"
    "  --max-running N          jobs running at once (default: number of CPUs)\n"
    "  --max-queued N           jobs waiting to run; more are refused with 429 (default 1000)\n"
    "  --max-log N              finished jobs kept in the log, newest first (default 50)\n"
    "  --max-command-bytes N    bytes of all arguments of a command together (default 4096)\n"
    "  --max-args N             arguments of a command (default 256)\n"
    "  --default-timeout S      a job's timeout when it does not ask for one (default 3600)\n"
    "  --max-timeout S          the longest timeout a job may ask for (default 86400)\n"
    "  --grace S                seconds between SIGTERM and SIGKILL when stopping (default 5)\n"
    "  --output-cap BYTES       output kept per job, the most recent bytes; K, M, G suffixes\n"
    "                           (default 1M)\n"
    "  --max-followers N        clients following output at once (default 256)\n"
    "  --max-clients N          connections from jobapi at once (default 1024)\n"
    "  --syslog                 log to syslog (facility daemon) instead of stderr\n"
    "  --ready-fd N             once listening, write a newline to descriptor N (3 or\n"
    "                           above, inherited open for writing) and close it\n"
    "\n"
    "Containment: a cgroup per job where the host allows (see CONTAINMENT.md):\n"
    "  --cgroup MODE            auto (default), v2, v1 or none (process groups)\n"
    "  --cgroup-root PATH       jobsupd's cgroup, under each hierarchy's top (default\n"
    "                           jobworker); stale job cgroups in it are removed at start\n"
    "  --default-memory BYTES   limits a job gets when it asks for none (default: none);\n"
    "  --default-cpu PERCENT    K, M, G suffixes for bytes; PERCENT of one CPU\n"
    "  --default-pids N\n"
    "  --default-io BYTES       per second, read and write each, on every disk\n"
    "  --max-memory BYTES       the most a job may ask for (defaults: the host's memory,\n"
    "  --max-cpu PERCENT        100 per CPU, 65536 processes, 10G per second)\n"
    "  --max-pids N\n"
    "  --max-io BYTES\n"
    "  -h, --help               this help\n";

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die_usage(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "jobsupd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'jobsupd --help'.\n");
	exit(2);
}

/* A whole number in [min, max], with K/M/G/T suffixes when sizes (size.h's grammar). */
static long parse_num(const char *flag, const char *arg, long min, long max, bool sizes)
{
	uint64_t v;
	if (size_parse(arg, sizes, &v) < 0 || v < (uint64_t)min || v > (uint64_t)max)
		die_usage("%s wants a whole number from %ld to %ld%s, not \"%s\"", flag, min, max,
			  sizes ? " (K, M, G, T suffixes)" : "", arg);
	return (long)v;
}

static void parse_flags(int argc, char **argv, struct sup_config *cfg, int *ready_fd)
{
	enum {
		O_SOCKET = 256,
		O_RUNNING,
		O_QUEUED,
		O_LOG,
		O_CMDBYTES,
		O_ARGS,
		O_DEFTIMEOUT,
		O_MAXTIMEOUT,
		O_GRACE,
		O_OUTCAP,
		O_FOLLOWERS,
		O_CLIENTS,
		O_SYSLOG,
		O_CGROUP,
		O_CGROUP_ROOT,
		O_READY_FD,
		O_DEF_LIMIT, /* --default-X for limit i: O_DEF_LIMIT + i */
		O_MAX_LIMIT = O_DEF_LIMIT + NLIMITS,
	};
	static const struct option fixed[] = {
	    {"socket", required_argument, NULL, O_SOCKET},
	    {"max-running", required_argument, NULL, O_RUNNING},
	    {"max-queued", required_argument, NULL, O_QUEUED},
	    {"max-log", required_argument, NULL, O_LOG},
	    {"max-command-bytes", required_argument, NULL, O_CMDBYTES},
	    {"max-args", required_argument, NULL, O_ARGS},
	    {"default-timeout", required_argument, NULL, O_DEFTIMEOUT},
	    {"max-timeout", required_argument, NULL, O_MAXTIMEOUT},
	    {"grace", required_argument, NULL, O_GRACE},
	    {"output-cap", required_argument, NULL, O_OUTCAP},
	    {"max-followers", required_argument, NULL, O_FOLLOWERS},
	    {"max-clients", required_argument, NULL, O_CLIENTS},
	    {"syslog", no_argument, NULL, O_SYSLOG},
	    {"cgroup", required_argument, NULL, O_CGROUP},
	    {"cgroup-root", required_argument, NULL, O_CGROUP_ROOT},
	    {"ready-fd", required_argument, NULL, O_READY_FD},
	    {"help", no_argument, NULL, 'h'},
	};
	/* The fixed options, then --default-X and --max-X for every limit of the table. */
	struct option opts[sizeof fixed / sizeof *fixed + 2 * NLIMITS + 1];
	size_t n = 0;
	for (; n < sizeof fixed / sizeof *fixed; n++)
		opts[n] = fixed[n];
	for (int i = 0; i < NLIMITS; i++) {
		opts[n++] = (struct option){limit_info[i].deflt_flag + 2, required_argument, NULL,
					    O_DEF_LIMIT + i};
		opts[n++] = (struct option){limit_info[i].max_flag + 2, required_argument, NULL,
					    O_MAX_LIMIT + i};
	}
	opts[n] = (struct option){NULL, 0, NULL, 0};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	bool default_timeout_set = false;
	struct spec_limits *lim = &cfg->limits;

	*cfg = (struct sup_config){
	    .socket_path = DEFAULT_SOCKET,
	    .max_running = cpus > 0 ? cpus : 1,
	    .max_queued = 1000,
	    .max_log = 50,
	    .grace_s = 5,
	    .output_cap = 1L << 20,
	    .max_clients = 1024,
	    .max_followers = 256,
	    .limits = {.max_command_bytes = 4096,
		       .max_args = 256,
		       .default_timeout_s = 3600,
		       .max_timeout_s = 86400,
		       .max = {.memory_bytes =
				   pages > 0 && page > 0 ? (uint64_t)pages * page : 1ULL << 40,
			       .cpu_percent = (uint64_t)(cpus > 0 ? cpus : 1) * 100,
			       .pids = 65536,
			       .io_bytes_per_s = 10ULL << 30}},
	    .cgroup_root = "jobworker",
	    .cgroup_want = CG_WANT_AUTO,
	};
	const char *why;
	*ready_fd = -1;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_SOCKET:
			if (strlen(optarg) >= sizeof(((struct sockaddr_un *)0)->sun_path))
				die_usage("--socket path is too long: %s", optarg);
			cfg->socket_path = optarg;
			break;
		case O_RUNNING:
			cfg->max_running = parse_num("--max-running", optarg, 1, 100000, false);
			break;
		case O_QUEUED:
			cfg->max_queued = parse_num("--max-queued", optarg, 0, 1000000, false);
			break;
		case O_LOG:
			cfg->max_log = parse_num("--max-log", optarg, 0, 1000000, false);
			break;
		case O_CMDBYTES:
			cfg->limits.max_command_bytes =
			    parse_num("--max-command-bytes", optarg, 1, 1 << 20, true);
			break;
		case O_ARGS:
			cfg->limits.max_args = parse_num("--max-args", optarg, 1, 65536, false);
			break;
		case O_DEFTIMEOUT:
			cfg->limits.default_timeout_s =
			    parse_num("--default-timeout", optarg, 1, 100L * 365 * 86400, false);
			default_timeout_set = true;
			break;
		case O_MAXTIMEOUT:
			cfg->limits.max_timeout_s =
			    parse_num("--max-timeout", optarg, 1, 100L * 365 * 86400, false);
			break;
		case O_GRACE:
			cfg->grace_s = parse_num("--grace", optarg, 0, 3600, false);
			break;
		case O_OUTCAP:
			cfg->output_cap = parse_num("--output-cap", optarg, 0, 1L << 30, true);
			break;
		case O_FOLLOWERS:
			cfg->max_followers = parse_num("--max-followers", optarg, 0, 100000, false);
			break;
		case O_CLIENTS:
			cfg->max_clients = parse_num("--max-clients", optarg, 1, 100000, false);
			break;
		case O_SYSLOG:
			log_to_syslog();
			break;
		case O_CGROUP:
			if (strcmp(optarg, "auto") == 0)
				cfg->cgroup_want = CG_WANT_AUTO;
			else if (strcmp(optarg, "v2") == 0)
				cfg->cgroup_want = CG_WANT_V2;
			else if (strcmp(optarg, "v1") == 0)
				cfg->cgroup_want = CG_WANT_V1;
			else if (strcmp(optarg, "none") == 0)
				cfg->cgroup_want = CG_WANT_NONE;
			else
				die_usage("--cgroup is auto, v2, v1 or none, not \"%s\"", optarg);
			break;
		case O_CGROUP_ROOT:
			if (!*optarg || strstr(optarg, ".."))
				die_usage("--cgroup-root wants a path without \"..\", not \"%s\"",
					  optarg);
			cfg->cgroup_root = optarg;
			break;
		case O_READY_FD:
			if ((*ready_fd = ready_fd_parse(optarg, &why)) < 0)
				die_usage("--ready-fd %s: \"%s\"", why, optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		default:
			if (c >= O_DEF_LIMIT && c < O_MAX_LIMIT + NLIMITS) {
				bool max = c >= O_MAX_LIMIT;
				int i = (c - O_DEF_LIMIT) % NLIMITS;
				uint64_t v;
				if (limit_parse(i, optarg, &v) < 0)
					die_usage("%s wants a whole number from 1 to %llu%s, not \"%s\"",
						  max ? limit_info[i].max_flag : limit_info[i].deflt_flag,
						  (unsigned long long)limit_info[i].most,
						  limit_info[i].unit == LIMIT_BYTES ||
							  limit_info[i].unit == LIMIT_RATE
						      ? " (K, M, G, T suffixes)"
						      : "",
						  optarg);
				limit_set(max ? &lim->max : &lim->deflt, i, v);
				break;
			}
			fprintf(stderr, "Try 'jobsupd --help'.\n");
			exit(2);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument: %s", argv[optind]);
	for (int i = 0; i < NLIMITS; i++)
		if (limit_get(&lim->deflt, i) > limit_get(&lim->max, i))
			die_usage("%s is over %s", limit_info[i].deflt_flag, limit_info[i].max_flag);
	if (cfg->limits.default_timeout_s > cfg->limits.max_timeout_s) {
		if (default_timeout_set)
			die_usage("--default-timeout is longer than --max-timeout");
		cfg->limits.default_timeout_s = cfg->limits.max_timeout_s;
	}
}

int main(int argc, char **argv)
{
	static struct sup sup;
	struct sup *s = &sup;
	struct sup_config cfg;
	int status = 1, ready_fd;

	log_init("jobsupd");
	/* A fixed threshold: big buffers (output rings, large replies) are mapped and given back
	 * when freed, instead of growing the heap for good once one was freed. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	parse_flags(argc, argv, &cfg, &ready_fd);
	if (sup_init(s, &cfg) < 0 || sup_listen(s) < 0)
		goto out;
	log_info("listening on %s: max-running %ld, max-queued %ld, max-log %ld, output-cap %ld, "
		 "grace %ld s",
		 s->cfg.socket_path, s->cfg.max_running, s->cfg.max_queued, s->cfg.max_log,
		 s->cfg.output_cap, s->cfg.grace_s);
	ready_notify(ready_fd);

	while (!s->loop.stop && !sup_done(s)) {
		if (loop_run_once(&s->loop) < 0) {
			log_error("event loop: %s", strerror(errno));
			goto out;
		}
	}
	status = 0;
	log_info("stopped");
out:
	sup_fini(s);
	return status;
}
