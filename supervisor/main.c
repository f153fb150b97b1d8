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
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "opts.h"
#include "ready.h"
#include "sup.h"

#define DEFAULT_SOCKET "run/private/jobsupd.sock"
#define DEFAULT_OUTPUT_DIR "run/output"
#define DEFAULT_WORK_ROOT "run/work"

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
    "  --output-cap BYTES       the most recent output kept in memory per job, shown with\n"
    "                           GET /jobs/{id}; K, M, G suffixes (default 1M)\n"
    "  --output-dir DIR         every job's whole output, one file each "
    "(default " DEFAULT_OUTPUT_DIR "),\n"
    "                           or none: output in memory only (--output-cap of it)\n"
    "  --output-max BYTES       output kept on disk per job; past it, counted and dropped\n"
    "                           (default 1G)\n"
    "  --output-total BYTES     the spool in all; past it, the outputs of the jobs that ended\n"
    "                           first are deleted (default: a quarter of its filesystem)\n"
    "  --max-followers N        clients following output at once (default 256)\n"
    "  --max-clients N          connections from jobapi at once (default 1024)\n"
    "  --max-events N           job events held for event streams that resume (default 2048)\n"
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
    "\n"
    "Isolation: each job as a user of its owner's own, in namespaces (see SECURITY.md):\n"
    "  --isolation MODE         auto (default: all the host allows) or none (jobs run as\n"
    "                           jobsupd's user, with its environment, as before)\n"
    "  --users FILE             identities mapped to accounts, lines \"identity = user\" or\n"
    "                           \"identity = uid:gid\"; others get a dynamic uid (61184-65519)\n"
    "  --allow-root             let --users map an identity to uid or gid 0\n"
    "  --work-root DIR          a work directory per identity, its jobs' cwd and HOME\n"
    "                           (default " DEFAULT_WORK_ROOT "; not under /tmp)\n"
    "  --default-network NET    host (default) or none: a job's network when it names none\n"
    "  --init PATH              the jobs' PID 1 (default: jobinit beside jobsupd)\n"
    "\n"
    "Executor: where jobs run (see README, \"Running on a Slurm cluster\"):\n"
    "  --executor NAME          local (default: on this host) or slurm (one srun per job,\n"
    "                           as its owner's account from --users; --max-running is how\n"
    "                           many jobs are in Slurm at once)\n"
    "  --slurm-partition NAME   the partition jobs go to (default: the cluster's default)\n"
    "  --slurm-options \"OPTS\"   more srun options for every job, separated by spaces,\n"
    "                           e.g. \"--account=lab --qos=normal\" (checked at start)\n"
    "  --slurm-prolog PATH      srun's prolog (default: jobprolog beside jobsupd)\n"
    "  -h, --help               this help\n";

/* What a flag sets, and how its value is read. */
enum flag_kind {
	F_NUM,	       /* a long in struct sup_config, decimal */
	F_SIZE,	       /* the same with K, M, G, T suffixes */
	F_SOCKET,      /* cfg->socket_path */
	F_CGROUP,      /* cfg->cgroup_want */
	F_CGROUP_ROOT, /* cfg->cgroup_root */
	F_OUTPUT_DIR,  /* cfg->output_dir ("none": NULL) */
	F_PATH,	       /* a const char * in struct sup_config */
	F_TRUE,	       /* a bool in struct sup_config, set */
	F_NETWORK,     /* cfg->sandbox.default_network */
	F_ISOLATION,   /* cfg->sandbox.want */
	F_EXECUTOR,    /* cfg->executor */
	F_SYSLOG,
	F_READY_FD, /* cfg->ready_fd */
	F_HELP,
	F_LIMIT_DEFAULT, /* --default-X of limit_info[limit] */
	F_LIMIT_MAX,	 /* --max-X */
};

struct flag {
	const char *name; /* without "--" */
	enum flag_kind kind;
	size_t offset; /* of the long an F_NUM or F_SIZE sets */
	long min, max;
	int limit; /* F_LIMIT_*: the row of limit_info */
};

#define CFG(member) offsetof(struct sup_config, member)
#define YEARS_100 (100L * 365 * 86400)

/* jobsupd's flags; after them, every limit's --default-X and --max-X (all_flags). */
static const struct flag fixed_flags[] = {
    {"socket", F_SOCKET, 0, 0, 0, 0},
    {"max-running", F_NUM, CFG(max_running), 1, 100000, 0},
    {"max-queued", F_NUM, CFG(max_queued), 0, 1000000, 0},
    {"max-log", F_NUM, CFG(max_log), 0, 1000000, 0},
    {"max-command-bytes", F_SIZE, CFG(limits.max_command_bytes), 1, 1 << 20, 0},
    {"max-args", F_NUM, CFG(limits.max_args), 1, 65536, 0},
    {"default-timeout", F_NUM, CFG(limits.default_timeout_s), 1, YEARS_100, 0},
    {"max-timeout", F_NUM, CFG(limits.max_timeout_s), 1, YEARS_100, 0},
    {"grace", F_NUM, CFG(grace_s), 0, 3600, 0},
    {"output-cap", F_SIZE, CFG(output_cap), 0, 1L << 30, 0},
    {"output-dir", F_OUTPUT_DIR, 0, 0, 0, 0},
    {"output-max", F_SIZE, CFG(output_max), 0, 1L << 50, 0},
    {"output-total", F_SIZE, CFG(output_total), 1L << 20, 1L << 60, 0},
    {"max-followers", F_NUM, CFG(max_followers), 0, 100000, 0},
    {"max-clients", F_NUM, CFG(max_clients), 1, 100000, 0},
    {"max-events", F_NUM, CFG(max_events), 1, 1000000, 0},
    {"syslog", F_SYSLOG, 0, 0, 0, 0},
    {"cgroup", F_CGROUP, 0, 0, 0, 0},
    {"cgroup-root", F_CGROUP_ROOT, 0, 0, 0, 0},
    {"ready-fd", F_READY_FD, 0, 0, 0, 0},
    {"isolation", F_ISOLATION, 0, 0, 0, 0},
    {"users", F_PATH, CFG(sandbox.users_file), 0, 0, 0},
    {"allow-root", F_TRUE, CFG(sandbox.allow_root), 0, 0, 0},
    {"work-root", F_PATH, CFG(sandbox.work_root), 0, 0, 0},
    {"default-network", F_NETWORK, 0, 0, 0, 0},
    {"init", F_PATH, CFG(sandbox.init), 0, 0, 0},
    {"executor", F_EXECUTOR, 0, 0, 0, 0},
    {"slurm-partition", F_PATH, CFG(slurm.partition), 0, 0, 0},
    {"slurm-options", F_PATH, CFG(slurm.options), 0, 0, 0},
    {"slurm-prolog", F_PATH, CFG(slurm.prolog), 0, 0, 0},
    {"help", F_HELP, 0, 0, 0, 0},
};
#define NFIXED (sizeof fixed_flags / sizeof *fixed_flags)
#define NFLAGS (NFIXED + 2 * NLIMITS)

static const struct {
	const char *name;
	enum cg_want want;
} cgroup_modes[] = {
    {"auto", CG_WANT_AUTO}, {"v2", CG_WANT_V2}, {"v1", CG_WANT_V1}, {"none", CG_WANT_NONE}};

/* The defaults, before any flag. */
static void config_defaults(struct sup_config *cfg)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	*cfg = (struct sup_config){
	    .socket_path = DEFAULT_SOCKET,
	    .max_running = cpus > 0 ? cpus : 1,
	    .max_queued = 1000,
	    .max_log = 50,
	    .grace_s = 5,
	    .output_cap = 1L << 20,
	    .output_dir = DEFAULT_OUTPUT_DIR,
	    .output_max = 1L << 30,
	    .max_clients = 1024,
	    .max_followers = 256,
	    .max_events = EVENTS_KEEP,
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
	    .ready_fd = -1,
	    .sandbox = {.want = ISOLATION_AUTO,
			.work_root = DEFAULT_WORK_ROOT,
			.default_network = JOB_NET_HOST},
	};
}

static void take_limit(const struct flag *f, const char *arg, struct sup_config *cfg)
{
	const struct limit_info *li = &limit_info[f->limit];
	bool max = f->kind == F_LIMIT_MAX;
	uint64_t v;
	if (limit_parse(f->limit, arg, &v) < 0)
		opts_die("%s wants a whole number from 1 to %llu%s, not \"%s\"",
			 max ? li->max_flag : li->deflt_flag, (unsigned long long)li->most,
			 limit_takes_size(f->limit) ? " (K, M, G, T suffixes)" : "", arg);
	limit_set(max ? &cfg->limits.max : &cfg->limits.deflt, f->limit, v);
	if (max)
		cfg->limits_max_given |= 1u << f->limit;
}

static void take_cgroup(const char *arg, struct sup_config *cfg)
{
	for (size_t i = 0; i < sizeof cgroup_modes / sizeof *cgroup_modes; i++) {
		if (strcmp(arg, cgroup_modes[i].name) == 0) {
			cfg->cgroup_want = cgroup_modes[i].want;
			return;
		}
	}
	opts_die("--cgroup is auto, v2, v1 or none, not \"%s\"", arg);
}

static void take_flag(const struct flag *f, const char *arg, struct sup_config *cfg)
{
	char flag[64];
	snprintf(flag, sizeof flag, "--%s", f->name);
	switch (f->kind) {
	case F_NUM:
	case F_SIZE:
		*(long *)((char *)cfg + f->offset) =
		    opts_num(flag, arg, f->min, f->max, f->kind == F_SIZE ? OPTS_SIZE : OPTS_PLAIN);
		break;
	case F_SOCKET:
		if (strlen(arg) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			opts_die("--socket path is too long: %s", arg);
		cfg->socket_path = arg;
		break;
	case F_CGROUP:
		take_cgroup(arg, cfg);
		break;
	case F_CGROUP_ROOT:
		if (!*arg || strstr(arg, ".."))
			opts_die("--cgroup-root wants a path without \"..\", not \"%s\"", arg);
		cfg->cgroup_root = arg;
		break;
	case F_SYSLOG:
		log_to_syslog();
		break;
	case F_OUTPUT_DIR:
		if (!*arg)
			opts_die("--output-dir wants a directory, or none");
		cfg->output_dir = strcmp(arg, "none") == 0 ? NULL : arg;
		break;
	case F_READY_FD: {
		const char *why;
		if ((cfg->ready_fd = ready_fd_parse(arg, &why)) < 0)
			opts_die("--ready-fd %s: \"%s\"", why, arg);
		break;
	}
	case F_PATH:
		if (!*arg)
			opts_die("%s wants a path", flag);
		*(const char **)((char *)cfg + f->offset) = arg;
		break;
	case F_TRUE:
		*(bool *)((char *)cfg + f->offset) = true;
		break;
	case F_NETWORK:
		if (jobspec_network_parse(arg, &cfg->sandbox.default_network) < 0)
			opts_die("--default-network is host or none, not \"%s\"", arg);
		break;
	case F_ISOLATION:
		if (strcmp(arg, "auto") != 0 && strcmp(arg, "none") != 0)
			opts_die("--isolation is auto or none, not \"%s\"", arg);
		cfg->sandbox.want = strcmp(arg, "none") == 0 ? ISOLATION_NONE : ISOLATION_AUTO;
		break;
	case F_EXECUTOR:
		if (strcmp(arg, "local") != 0 && strcmp(arg, "slurm") != 0)
			opts_die("--executor is local or slurm, not \"%s\"", arg);
		cfg->executor = strcmp(arg, "slurm") == 0 ? EXEC_SLURM : EXEC_LOCAL;
		cfg->sandbox.slurm = cfg->executor == EXEC_SLURM;
		break;
	case F_HELP:
		fputs(usage, stdout);
		exit(0);
	case F_LIMIT_DEFAULT:
	case F_LIMIT_MAX:
		take_limit(f, arg, cfg);
		break;
	}
}

/* The fixed flags, then --default-X and --max-X for every limit; opts[i] is flags[i]. */
static void flag_table(struct flag flags[NFLAGS], struct option opts[NFLAGS + 1])
{
	size_t n = 0;
	for (; n < NFIXED; n++)
		flags[n] = fixed_flags[n];
	for (int i = 0; i < NLIMITS; i++) {
		flags[n++] = (struct flag){
		    .name = limit_info[i].deflt_flag + 2, .kind = F_LIMIT_DEFAULT, .limit = i};
		flags[n++] = (struct flag){
		    .name = limit_info[i].max_flag + 2, .kind = F_LIMIT_MAX, .limit = i};
	}
	for (n = 0; n < NFLAGS; n++) {
		bool arg =
		    flags[n].kind != F_SYSLOG && flags[n].kind != F_HELP && flags[n].kind != F_TRUE;
		opts[n] =
		    (struct option){flags[n].name, arg ? required_argument : no_argument, NULL, 0};
	}
	opts[NFLAGS] = (struct option){NULL, 0, NULL, 0};
}

static void parse_flags(int argc, char **argv, struct sup_config *cfg)
{
	struct flag flags[NFLAGS];
	struct option opts[NFLAGS + 1];
	bool default_timeout_set = false;
	int c, k;

	flag_table(flags, opts);
	config_defaults(cfg);
	while ((c = getopt_long(argc, argv, "h", opts, &k)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			exit(0);
		}
		if (c != 0) {
			fprintf(stderr, "Try 'jobsupd --help'.\n");
			exit(2);
		}
		take_flag(&flags[k], optarg, cfg);
		default_timeout_set |= flags[k].offset == CFG(limits.default_timeout_s);
	}
	if (optind < argc)
		opts_die("unexpected argument: %s", argv[optind]);
	for (int i = 0; i < NLIMITS; i++)
		if (limit_get(&cfg->limits.deflt, i) > limit_get(&cfg->limits.max, i))
			opts_die("%s is over %s", limit_info[i].deflt_flag, limit_info[i].max_flag);
	if (cfg->executor == EXEC_SLURM && cfg->sandbox.want == ISOLATION_NONE)
		opts_die("--isolation none does not apply to --executor slurm (jobs run on Slurm's "
			 "nodes, as their owners' accounts)");
	if (cfg->executor != EXEC_SLURM &&
	    (cfg->slurm.partition || cfg->slurm.options || cfg->slurm.prolog))
		opts_die(
		    "--slurm-partition, --slurm-options and --slurm-prolog need --executor slurm");
	cfg->default_timeout_given = default_timeout_set;
	if (cfg->limits.default_timeout_s > cfg->limits.max_timeout_s) {
		if (default_timeout_set)
			opts_die("--default-timeout is longer than --max-timeout");
		cfg->limits.default_timeout_s = cfg->limits.max_timeout_s;
	}
}

int main(int argc, char **argv)
{
	static struct sup sup;
	struct sup *s = &sup;
	struct sup_config cfg;
	int status = 1;

	log_init("jobsupd");
	opts_init("jobsupd");
	/* A fixed threshold: big buffers (output rings, large replies) are mapped and given back
	 * when freed, instead of growing the heap for good once one was freed. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	parse_flags(argc, argv, &cfg);
	if (sup_init(s, &cfg) < 0 || sup_listen(s) < 0)
		goto out;
	log_info("listening on %s: max-running %ld, max-queued %ld, max-log %ld, output-cap %ld, "
		 "grace %ld s",
		 s->cfg.socket_path, s->cfg.max_running, s->cfg.max_queued, s->cfg.max_log,
		 s->cfg.output_cap, s->cfg.grace_s);
	ready_notify(s->cfg.ready_fd);

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
