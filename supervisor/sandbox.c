/* sandbox: isolation decided once, and each job's spawn prepared; see sandbox.h. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* systemd's default PATH for services: a job finds what the host's users find. */
#define JOB_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define JOB_LANG "C.UTF-8"

extern char **environ;

static const unsigned ns_bits = ISO_PID | ISO_MOUNT | ISO_TMP | ISO_NO_NEW_PRIVILEGES;

/* jobinit beside jobsupd's own executable, or where --init says. */
static int find_init(struct sandbox *sb, const char *given, char *desc, size_t cap)
{
	/* Held open: each job execs it through this fd, from inside its private /tmp, where a
	 * jobinit under the host's /tmp (a checkout there) could not be seen by its path. */
	if (spawn_find_beside(given, "jobinit", sb->init, sizeof sb->init) < 0 ||
	    (sb->init_fd = open(sb->init, O_RDONLY | O_CLOEXEC)) < 0) {
		spawn_beside_error("jobinit", sb->init, "--init PATH, or --isolation none", desc,
				   cap);
		return -1;
	}
	return 0;
}

/* The capabilities a sandbox needs, and why: namespaces and their mounts (SYS_ADMIN), loopback
 * up in a new network namespace (NET_ADMIN), another uid and groups for the job (SETUID,
 * SETGID), dropping the bounding set (SETPCAP), work directories owned by each uid (CHOWN,
 * FOWNER), and signals to jobs of other uids (KILL). Root has them; so has the installed service,
 * which runs as its own user with exactly these (jobsupd.service). */
static const int needed_caps[] = {CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SETUID, CAP_SETGID,
				  CAP_SETPCAP,	 CAP_CHOWN,	CAP_FOWNER, CAP_KILL};

static bool privileged(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	for (size_t i = 0; i < sizeof needed_caps / sizeof *needed_caps; i++) {
		int c = needed_caps[i];
		if (!(d[c / 32].effective & (1u << (c % 32))))
			return false;
	}
	return true;
}

/* What this host allows: everything as root; a user namespace without root, where allowed. */
static void decide(struct sandbox *sb, const struct sandbox_config *cfg, char *desc, size_t cap)
{
	const int ns = CLONE_NEWPID | CLONE_NEWNS;
	if (cfg->slurm) {
		sb->slurm = true;
		sb->base = privileged() ? ISO_USER : 0;
		snprintf(desc, cap, "isolation: on Slurm, %s; Slurm contains them on its nodes",
			 sb->base ? "each identity's jobs run as its account from --users"
				  : "not root, so jobs run as jobsupd's user");
	} else if (cfg->want == ISOLATION_NONE) {
		snprintf(desc, cap,
			 "isolation: none (--isolation none): jobs run as jobsupd's user, "
			 "without namespaces");
	} else if (privileged()) {
		sb->base = ISO_USER | ns_bits;
		sb->clone_flags = ns;
		sb->net_ns = true;
		snprintf(desc, cap,
			 "isolation: a uid per identity (work root %s), PID, mount and "
			 "/tmp namespaces, no privileges; network namespaces on request",
			 sb->accounts.work_root);
	} else if (geteuid() != 0 && spawn_probe(CLONE_NEWUSER | ns)) {
		sb->base = ns_bits;
		sb->clone_flags = CLONE_NEWUSER | ns;
		sb->net_ns = spawn_probe(CLONE_NEWUSER | ns | CLONE_NEWNET);
		snprintf(desc, cap,
			 "isolation: not root, so jobs run as jobsupd's uid, in a user "
			 "namespace with PID, mount and /tmp namespaces%s",
			 sb->net_ns ? "; network namespaces on request" : "");
	} else {
		snprintf(desc, cap,
			 "isolation: none: not root, and this kernel allows no "
			 "unprivileged user namespace; jobs run as jobsupd's user");
	}
}

int sandbox_init(struct sandbox *sb, const struct sandbox_config *cfg, char *desc, size_t cap)
{
	bool root = privileged() && (cfg->slurm || cfg->want != ISOLATION_NONE);
	memset(sb, 0, sizeof *sb);
	sb->init_fd = -1;
	sb->default_network = cfg->default_network;
	if (cfg->users_file && !root) {
		snprintf(desc, cap,
			 "--users needs jobsupd to run as root (or with the capabilities "
			 "of jobsupd.service)%s",
			 cfg->want == ISOLATION_NONE ? " and isolation (not --isolation none)"
						     : "");
		return -1;
	}
	if (cfg->users_file &&
	    accounts_load_users(&sb->accounts, cfg->users_file, cfg->allow_root, desc, cap) < 0)
		return -1;
	if (cfg->slurm && root && !cfg->users_file) {
		snprintf(
		    desc, cap,
		    "--executor slurm as root needs --users: Slurm runs each job as an account "
		    "that exists on its nodes, and each identity must be mapped to one");
		return -1;
	}
	if ((cfg->slurm || cfg->want != ISOLATION_NONE) &&
	    accounts_init(&sb->accounts, cfg->work_root, !root, desc, cap) < 0)
		return -1;
	/* On Slurm, srun's prolog (slurm.c) is what runs first, not jobinit. */
	if (!cfg->slurm && cfg->want != ISOLATION_NONE && find_init(sb, cfg->init, desc, cap) < 0)
		return -1;
	struct passwd *pw = getpwuid(geteuid());
	sb->self.uid = geteuid();
	sb->self.gid = getegid();
	if (pw && !(sb->self.user = strdup(pw->pw_name))) {
		snprintf(desc, cap, "out of memory");
		return -1;
	}
	decide(sb, cfg, desc, cap);
	if (sb->default_network == JOB_NET_NONE && !sb->net_ns) {
		snprintf(desc, cap,
			 "--default-network none needs network namespaces, which this "
			 "jobsupd cannot make");
		return -1;
	}
	return 0;
}

void sandbox_fini(struct sandbox *sb)
{
	accounts_fini(&sb->accounts);
	if (sb->init_fd >= 0)
		close(sb->init_fd);
	sb->init_fd = -1;
	free(sb->self.user);
	sb->self.user = NULL;
}

/* On Slurm the request's env is srun's own environment, and srun reads much of it: what would
 * change srun itself (the loader's LD_*, and Slurm's own SLURM_*, SRUN_*, SALLOC_*, SBATCH_*,
 * SPANK_*: its options, its cluster) is refused (400). true when refused. */
static bool slurm_env_refused(const struct jobspec *spec, struct apierr *err)
{
	static const char *const prefixes[] = {"LD_",	  "SLURM_",  "SRUN_",
					       "SALLOC_", "SBATCH_", "SPANK_"};
	for (const char *p = spec->env; p && p < spec->env + spec->env_len; p += strlen(p) + 1) {
		for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
			if (strncmp(p, prefixes[i], strlen(prefixes[i])) != 0)
				continue;
			apierr_set(err, 400, "invalid_request",
				   "env.%.*s cannot be set for a job on Slurm: srun would read it "
				   "(LD_*, SLURM_*, SRUN_*, SALLOC_*, SBATCH_* and SPANK_* are "
				   "refused)",
				   (int)strcspn(p, "="), p);
			return true;
		}
	}
	return false;
}

const struct account *sandbox_admit(struct sandbox *sb, const char *owner, struct jobspec *spec,
				    struct apierr *err)
{
	char why[256];
	if (spec->network == JOB_NET_DEFAULT)
		spec->network = sb->default_network;
	if (spec->network == JOB_NET_NONE && !sb->net_ns) {
		apierr_set(err, 400, "invalid_request",
			   "\"network\": \"none\" cannot be enforced by this job worker (%s)",
			   sb->slurm ? "its jobs run on Slurm's nodes, with their network"
				     : "it cannot make network namespaces");
		return NULL;
	}
	if (sb->slurm && slurm_env_refused(spec, err))
		return NULL;
	if (sb->slurm && !sb->base)
		return &sb->self;
	if (sb->slurm && !account_mapped(&sb->accounts, owner)) {
		apierr_set(err, 403, "forbidden",
			   "%s has no cluster account: jobs on Slurm run as accounts of its nodes, "
			   "and the operator maps each identity to one (jobsupd --users)",
			   owner);
		return NULL;
	}
	if (!sb->clone_flags && !sb->slurm)
		return &sb->self;
	const struct account *acc = account_get(&sb->accounts, owner, why, sizeof why);
	if (!acc) {
		log_error("%s", why);
		apierr_set(err, 500, "internal", "%s", why);
	}
	return acc;
}

/* name=value into *p (moved past it and its NUL), as the next of envp. */
static void put_env(char ***envp, char **p, const char *name, const char *value)
{
	*(*envp)++ = *p;
	*p += sprintf(*p, "%s=%s", name, value) + 1;
}

/* Does the spec's env set name? */
static bool spec_sets(const struct jobspec *s, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = s->env; p && p < s->env + s->env_len; p += strlen(p) + 1)
		if (strncmp(p, name, n) == 0 && p[n] == '=')
			return true;
	return false;
}

/* Does jobsupd's variable e go into a job's environment? All of them without a sandbox; on
 * Slurm only SLURM_CONF, where srun finds the cluster (not the rest of SLURM_*: a jobsupd
 * started inside an allocation would put every job's srun into that allocation); in a sandbox
 * none. */
static bool passed_on(const struct sandbox *sb, const char *e)
{
	return sb->slurm ? strncmp(e, "SLURM_CONF=", 11) == 0 : !sb->clone_flags;
}

/* The job's environment: in a sandbox or on Slurm ours (PATH, HOME, USER, LOGNAME, LANG,
 * JOB_ID), else jobsupd's; then the request's, which replaces any of the same name. */
static int build_env(const struct sandbox *sb, const struct account *acc, const char *owner,
		     uint64_t id, const struct jobspec *spec, struct sandbox_job *sj)
{
	bool clean = sb->clone_flags || sb->slurm;
	size_t n = 8, text = 128 + strlen(JOB_PATH) + 2 * strlen(owner) +
			     (acc->workdir ? strlen(acc->workdir) : 0) +
			     2 * (acc->user ? strlen(acc->user) : 0);
	for (const char *p = spec->env; p && p < spec->env + spec->env_len; p += strlen(p) + 1)
		n++;
	for (char **e = environ; *e; e++)
		n += passed_on(sb, *e);
	char **v = sj->envp = calloc(n, sizeof *v);
	char *t = sj->text = malloc(text);
	if (!v || !t)
		return -1;
	const char *user = acc->user ? acc->user : owner;
	char num[24];
	snprintf(num, sizeof num, "%llu", (unsigned long long)id);
	const char *ours[][2] = {{"PATH", JOB_PATH}, {"HOME", acc->workdir}, {"LANG", JOB_LANG},
				 {"USER", user},     {"LOGNAME", user},	     {"JOB_ID", num}};
	for (size_t i = 0; i < sizeof ours / sizeof *ours; i++)
		if ((clean || strcmp(ours[i][0], "JOB_ID") == 0) && ours[i][1] &&
		    !spec_sets(spec, ours[i][0]))
			put_env(&v, &t, ours[i][0], ours[i][1]);
	for (char **e = environ; *e; e++) {
		char name[256];
		if (!passed_on(sb, *e))
			continue;
		size_t len = strcspn(*e, "=");
		snprintf(name, sizeof name, "%.*s", (int)len, *e);
		if (!spec_sets(spec, name) && strcmp(name, "JOB_ID") != 0)
			*v++ = *e;
	}
	for (const char *p = spec->env; p && p < spec->env + spec->env_len; p += strlen(p) + 1)
		*v++ = (char *)p;
	*v = NULL;
	return 0;
}

int sandbox_prepare(const struct sandbox *sb, const struct account *acc, const char *owner,
		    uint64_t id, const struct jobspec *spec, const struct cg_entry *entry,
		    struct sandbox_job *out)
{
	memset(out, 0, sizeof *out);
	if (build_env(sb, acc, owner, id, spec, out) < 0)
		return -1;
	struct spawn_req *r = &out->req;
	r->argv = spec->argv;
	r->envp = out->envp;
	r->entry = entry;
	r->cwd = spec->cwd;
	if (!sb->clone_flags && !sb->slurm)
		return 0;
	/* As the job's account, in its work directory unless it names another. */
	r->cwd = spec->cwd ? spec->cwd : acc->workdir;
	r->uid = acc->uid;
	r->gid = acc->gid;
	r->groups = acc->groups;
	r->ngroups = acc->ngroups;
	/* Root's jobs run as root: no other user. */
	out->isolation = acc->uid == 0 ? sb->base & ~(unsigned)ISO_USER : sb->base;
	if (sb->slurm) {
		/* srun: the command line is slurmexec.c's. */
		r->set_user = sb->base & ISO_USER;
		return 0;
	}
	r->init = sb->init;
	r->init_fd = sb->init_fd;
	r->clone_flags = sb->clone_flags;
	r->private_tmp = true;
	r->set_user = !(sb->clone_flags & CLONE_NEWUSER);
	if (spec->network == JOB_NET_NONE) {
		r->clone_flags |= CLONE_NEWNET;
		out->isolation |= ISO_NETWORK;
	}
	return 0;
}

void sandbox_job_free(struct sandbox_job *sj)
{
	free(sj->envp);
	free(sj->text);
	sj->envp = NULL;
	sj->text = NULL;
}
