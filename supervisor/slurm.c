/* slurm: the cluster as jobsupd sees it, and srun's command line; see slurm.h. */
#include "slurm.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

extern char **environ;

/* Run argv (searched in PATH) and wait for it; what it wrote to stdout and stderr, together, in
 * out (NUL-terminated, cut at cap - 1). Its exit status, or -1 when it could not run. */
static int run_wait(char *const argv[], char *out, size_t cap)
{
	int p[2], status = -1;
	size_t len = 0;
	posix_spawn_file_actions_t fa;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		snprintf(out, cap, "%s: %s", argv[0], strerror(rc));
		return -1;
	}
	for (;;) {
		char chunk[512];
		ssize_t n = read(p[0], chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t take = (size_t)n < cap - 1 - len ? (size_t)n : cap - 1 - len;
		memcpy(out + len, chunk, take);
		len += take;
	}
	out[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The last line of what a command said, for a message. */
static const char *last_line(char *text)
{
	size_t n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
		text[--n] = '\0';
	char *nl = strrchr(text, '\n');
	return nl ? nl + 1 : text;
}

static int split_options(struct slurm *s, const char *text, char *desc, size_t cap)
{
	if (!text)
		return 0;
	if (strlen(text) >= SLURM_MAX_OPTIONS_BYTES) {
		snprintf(desc, cap, "--slurm-options is longer than %d bytes",
			 SLURM_MAX_OPTIONS_BYTES);
		return -1;
	}
	if (!(s->options_text = strdup(text))) {
		snprintf(desc, cap, "out of memory");
		return -1;
	}
	char *save = NULL;
	for (char *w = strtok_r(s->options_text, " \t\n", &save); w;
	     w = strtok_r(NULL, " \t\n", &save)) {
		if (s->noptions == SLURM_MAX_OPTIONS) {
			snprintf(desc, cap, "--slurm-options gives more than %d options",
				 SLURM_MAX_OPTIONS);
			return -1;
		}
		/* A job's own arguments follow "--"; an option must not end srun's. */
		if (w[0] != '-' || strcmp(w, "--") == 0) {
			snprintf(desc, cap,
				 "--slurm-options takes srun options, each one word starting "
				 "with '-' (\"--account=NAME\"), not \"%s\"",
				 w);
			return -1;
		}
		s->options[s->noptions++] = w;
	}
	s->options[s->noptions] = NULL;
	return 0;
}

/* The largest node of the partition, and its MaxTime: "CPUS MEMORY_MB TIMELIMIT PARTITION"
 * per line from sinfo. Without --slurm-partition, the lines of the cluster's default partition
 * (sinfo marks it with a '*'), where srun sends jobs. */
static int learn_nodes(struct slurm *s, char *desc, size_t cap)
{
	char out[4096];
	char *argv[] = {"sinfo", "--noheader", "--format=%c %m %l %P", s->partition_opt, NULL};
	int rc = run_wait(argv, out, sizeof out);
	char *save = NULL;
	for (char *line = rc == 0 ? strtok_r(out, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned cpus;
		unsigned long long mb;
		char limit[32], part[128];
		long max_time;
		if (sscanf(line, "%u %llu %31s %127s", &cpus, &mb, limit, part) != 4 ||
		    (!s->partition && part[strlen(part) - 1] != '*') || mb > UINT64_MAX >> 20 ||
		    slurm_parse_time(limit, &max_time) < 0)
			continue;
		if (cpus > s->node_cpus)
			s->node_cpus = cpus;
		if (mb << 20 > s->node_memory)
			s->node_memory = mb << 20;
		s->max_time_s = max_time;
	}
	if (s->node_cpus == 0) {
		snprintf(desc, cap, "cannot learn the Slurm cluster's nodes%s%s (sinfo: %s)",
			 s->partition ? " in partition " : " in its default partition",
			 s->partition ? s->partition : "", rc == 0 ? "no nodes" : last_line(out));
		return -1;
	}
	return 0;
}

/* srun --test-only with the partition and options: Slurm says now whether it would take them. */
static int check_options(struct slurm *s, char *desc, size_t cap)
{
	char out[4096];
	char *argv[SLURM_MAX_OPTIONS + 8];
	int n = 0;
	argv[n++] = "srun";
	argv[n++] = "--test-only";
	if (s->partition_opt)
		argv[n++] = s->partition_opt;
	for (int i = 0; i < s->noptions; i++)
		argv[n++] = s->options[i];
	argv[n++] = "true";
	argv[n] = NULL;
	if (run_wait(argv, out, sizeof out) != 0) {
		snprintf(desc, cap, "Slurm refuses jobs with these options (srun --test-only: %s)",
			 last_line(out));
		return -1;
	}
	return 0;
}

/* name in jobsupd's PATH, into dst. */
static int find_in_path(const char *name, char *dst, size_t cap)
{
	const char *path = getenv("PATH");
	char dirs[4096];
	snprintf(dirs, sizeof dirs, "%s", path && *path ? path : "/usr/bin:/bin");
	char *save = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (snprintf(dst, cap, "%s/%s", d, name) < (int)cap && access(dst, X_OK) == 0)
			return 0;
	}
	return -1;
}

static int find_prolog(struct slurm *s, const char *given, char *desc, size_t cap)
{
	s->prolog_given = given != NULL;
	if (spawn_find_beside(given, "jobprolog", s->prolog, sizeof s->prolog) < 0) {
		spawn_beside_error("jobprolog", s->prolog, "--slurm-prolog PATH", desc, cap);
		return -1;
	}
	return 0;
}

int slurm_init(struct slurm *s, const struct slurm_config *cfg, char *desc, size_t cap)
{
	memset(s, 0, sizeof *s);
	if (cfg->partition) {
		if (asprintf(&s->partition_opt, "--partition=%s", cfg->partition) < 0) {
			s->partition_opt = NULL;
			snprintf(desc, cap, "out of memory");
			return -1;
		}
		s->partition = s->partition_opt + strlen("--partition=");
	}
	if (find_in_path("srun", s->srun, sizeof s->srun) < 0) {
		snprintf(desc, cap,
			 "--executor slurm: srun is not in PATH (Debian's slurm-client has it)");
		return -1;
	}
	if (split_options(s, cfg->options, desc, cap) < 0 ||
	    find_prolog(s, cfg->prolog, desc, cap) < 0 || learn_nodes(s, desc, cap) < 0 ||
	    check_options(s, desc, cap) < 0)
		return -1;
	char max_time[32] = "none";
	if (s->max_time_s)
		snprintf(max_time, sizeof max_time, "%ld min", s->max_time_s / 60);
	snprintf(desc, cap,
		 "executor: slurm, partition %s, largest node %u CPUs and %llu MiB, MaxTime %s; "
		 "srun options: %s",
		 s->partition ? s->partition : "(the cluster's default)", s->node_cpus,
		 (unsigned long long)(s->node_memory >> 20), max_time,
		 cfg->options ? cfg->options : "none");
	return 0;
}

int slurm_install_prolog(struct slurm *s, const char *work_root, char *desc, size_t cap)
{
	char tmp[PATH_MAX], dst[PATH_MAX], chunk[8192];
	if (s->prolog_given)
		return 0;
	if (snprintf(dst, sizeof dst, "%s/.jobprolog", work_root) >= (int)sizeof dst ||
	    snprintf(tmp, sizeof tmp, "%s/.jobprolog.new", work_root) >= (int)sizeof tmp) {
		snprintf(desc, cap, "the work root's path is too long: %s", work_root);
		return -1;
	}
	int in = open(s->prolog, O_RDONLY | O_CLOEXEC);
	int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0755);
	ssize_t n = 0;
	while (in >= 0 && out >= 0 && (n = read(in, chunk, sizeof chunk)) > 0)
		if (write(out, chunk, (size_t)n) != n) {
			n = -1;
			break;
		}
	/* A new file, renamed over the old: an srun may be running the old one right now. */
	int rc = in < 0 || out < 0 || n < 0 || fchmod(out, 0755) < 0 ? -1 : 0;
	int err = errno;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0 && rc == 0) {
		rc = -1;
		err = errno;
	}
	if (rc == 0 && rename(tmp, dst) < 0) {
		rc = -1;
		err = errno;
	}
	if (rc < 0) {
		snprintf(desc, cap, "cannot put jobprolog where jobs reach it (%s): %s", dst,
			 strerror(err));
		unlink(tmp);
		return -1;
	}
	snprintf(s->prolog, sizeof s->prolog, "%s", dst);
	return 0;
}

void slurm_fini(struct slurm *s)
{
	free(s->partition_opt);
	free(s->options_text);
	s->partition_opt = s->options_text = NULL;
	s->partition = NULL;
}

int slurm_parse_time(const char *text, long *seconds)
{
	long days = 0, f[3];
	int n = 0;
	const char *p = text, *dash = strchr(text, '-');
	char *end;

	if (strcasecmp(text, "infinite") == 0 || strcasecmp(text, "unlimited") == 0) {
		*seconds = 0;
		return 0;
	}
	if (dash) {
		if (!isdigit((unsigned char)*p) || (days = strtol(p, &end, 10)) > 99999 ||
		    end != dash)
			return -1;
		p = dash + 1;
	}
	for (;;) {
		if (!isdigit((unsigned char)*p) || (f[n++] = strtol(p, &end, 10)) > 99999)
			return -1;
		p = end;
		if (*p != ':' || n == 3)
			break;
		p++;
	}
	if (*p)
		return -1;
	if (dash) /* days-hours[:minutes[:seconds]] */
		*seconds =
		    days * 86400 + f[0] * 3600 + (n > 1 ? f[1] * 60 : 0) + (n > 2 ? f[2] : 0);
	else if (n < 3) /* minutes[:seconds] */
		*seconds = f[0] * 60 + (n > 1 ? f[1] : 0);
	else /* hours:minutes:seconds */
		*seconds = f[0] * 3600 + f[1] * 60 + f[2];
	return *seconds > 0 ? 0 : -1;
}

unsigned slurm_cpus(uint64_t cpu_percent)
{
	return (unsigned)((cpu_percent + 99) / 100);
}

char **slurm_srun_argv(const struct slurm *s, uint64_t id, const struct jobspec *spec,
		       long backstop_s, unsigned *cpus)
{
	enum { FIXED = 12 };
	size_t text = 512 + strlen(s->prolog);
	char **v = malloc((FIXED + (size_t)s->noptions + spec->argc + 1) * sizeof *v + text);
	if (!v)
		return NULL;
	char *p = (char *)(v + FIXED + (size_t)s->noptions + spec->argc + 1), *end = p + text;
	int n = 0;
#define PUT(...)                                                                                   \
	do {                                                                                       \
		v[n++] = p;                                                                        \
		p += snprintf(p, (size_t)(end - p), __VA_ARGS__) + 1;                              \
	} while (0)
	v[n++] = (char *)s->srun;
	v[n++] = "--quiet";
	v[n++] = "--quiet";
	v[n++] = "--input=none";
	PUT("--job-name=" SLURM_NAME_PREFIX "%llu", (unsigned long long)id);
	PUT("--prolog=%s", s->prolog);
	if (s->partition_opt)
		v[n++] = s->partition_opt;
	if (spec->limits.memory_bytes)
		PUT("--mem=%lluK", (unsigned long long)((spec->limits.memory_bytes + 1023) / 1024));
	*cpus = spec->limits.cpu_percent ? slurm_cpus(spec->limits.cpu_percent) : 0;
	if (*cpus)
		PUT("--cpus-per-task=%u", *cpus);
	PUT("--time=%ld", (backstop_s + 59) / 60);
#undef PUT
	for (int i = 0; i < s->noptions; i++)
		v[n++] = s->options[i];
	v[n++] = "--";
	for (size_t i = 0; i <= spec->argc; i++)
		v[n++] = spec->argv[i];
	return v;
}

/* The next word of the report at *p, of bytes in set, into dst (cap bytes with its NUL), then past
 * the one byte that ends it, which must be end. 0, or -1. */
static int report_word(const char **p, const char *set, char *dst, size_t cap, char end)
{
	size_t n = strspn(*p, set);
	if (n == 0 || n >= cap || (*p)[n] != end)
		return -1;
	memcpy(dst, *p, n);
	dst[n] = '\0';
	*p += n + 1;
	return 0;
}

int slurm_parse_report(const char *text, size_t len, struct slurm_alloc *out)
{
	/* Node lists ("node[1-3],gpu7") and partitions, as Slurm names them: nothing else reaches
	 * the logs or a terminal. */
	static const char
	    digits[] = "0123456789",
	    names[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-[],";
	char buf[256], id[16];
	const char *p = buf;
	if (len == 0 || len >= sizeof buf || text[len - 1] != '\n' || memchr(text, '\0', len))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	memset(out, 0, sizeof *out);
	if (report_word(&p, digits, id, 11, ' ') < 0 ||
	    report_word(&p, names, out->node, sizeof out->node, ' ') < 0 ||
	    report_word(&p, names, out->partition, sizeof out->partition, '\n') < 0 || *p)
		return -1;
	unsigned long long v = strtoull(id, NULL, 10); /* digits only, at most 10 of them */
	if (v == 0 || v > UINT32_MAX)
		return -1;
	out->job_id = v;
	return 0;
}

/* The value of key (as "Key=") at its first place in text that starts a word, up to the next
 * space, into dst; -1 when there is none. */
static int field(const char *text, size_t len, const char *key, char *dst, size_t cap)
{
	size_t k = strlen(key);
	for (size_t i = 0; i + k <= len; i++) {
		if ((i > 0 && text[i - 1] != ' ') || memcmp(text + i, key, k) != 0)
			continue;
		size_t j = i + k, n = 0;
		while (j < len && text[j] != ' ' && text[j] != '\n' && n + 1 < cap)
			dst[n++] = text[j++];
		dst[n] = '\0';
		return 0;
	}
	return -1;
}

int slurm_parse_job(const char *text, size_t len, struct slurm_end *out)
{
	char code[32], user[96];
	int e, s;
	unsigned long long uid;
	memset(out, 0, sizeof *out);
	if (field(text, len, "JobName=", out->name, sizeof out->name) < 0 ||
	    field(text, len, "UserId=", user, sizeof user) < 0 || !strchr(user, '(') ||
	    sscanf(strchr(user, '('), "(%llu)", &uid) != 1 || uid > UINT32_MAX ||
	    field(text, len, "JobState=", out->state, sizeof out->state) < 0 ||
	    field(text, len, "ExitCode=", code, sizeof code) < 0 ||
	    sscanf(code, "%d:%d", &e, &s) != 2 || e < 0 || e > 255 || s < 0 || s > 255)
		return -1;
	if (field(text, len, "Reason=", out->reason, sizeof out->reason) < 0)
		out->reason[0] = '\0';
	out->uid = (uid_t)uid;
	out->exit_code = e;
	/* Slurm writes some of its own codes where a signal goes (125: its out-of-memory); only a
	 * signal's number is one. */
	out->signal = s >= 1 && s <= 64 ? s : 0;
	return 0;
}
