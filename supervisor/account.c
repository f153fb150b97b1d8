/* account: identities to accounts and work directories; see account.h. */
#include "account.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define DYN_COUNT (ACCOUNT_DYN_MAX - ACCOUNT_DYN_MIN + 1)

static bool dyn_used(const struct accounts *a, uid_t uid)
{
	unsigned i = uid - ACCOUNT_DYN_MIN;
	return uid >= ACCOUNT_DYN_MIN && uid <= ACCOUNT_DYN_MAX && (a->used[i / 8] >> (i % 8)) & 1;
}

static void dyn_take(struct accounts *a, uid_t uid)
{
	unsigned i = uid - ACCOUNT_DYN_MIN;
	if (uid >= ACCOUNT_DYN_MIN && uid <= ACCOUNT_DYN_MAX)
		a->used[i / 8] |= (unsigned char)(1u << (i % 8));
}

static void account_free(struct account *acc)
{
	free(acc->identity);
	free(acc->user);
	free(acc->workdir);
	free(acc);
}

static struct account *find(struct account *list, const char *identity)
{
	for (; list; list = list->next)
		if (strcmp(list->identity, identity) == 0)
			return list;
	return NULL;
}

/* Users file */

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* "UID:GID", both decimal. */
static bool parse_ids(const char *v, uid_t *uid, gid_t *gid)
{
	char *end;
	if (!isdigit((unsigned char)*v))
		return false;
	errno = 0;
	unsigned long u = strtoul(v, &end, 10);
	if (errno || *end != ':' || !isdigit((unsigned char)end[1]) || u >= UINT32_MAX)
		return false;
	unsigned long g = strtoul(end + 1, &end, 10);
	if (errno || *end || g >= UINT32_MAX)
		return false;
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return true;
}

/* One line "identity = user" or "identity = uid:gid" into acc; NULL, or why it is wrong. */
static const char *parse_line(char *line, bool allow_root, struct account *acc)
{
	char *eq = strrchr(line, '=');
	if (!eq)
		return "expected \"identity = user\" or \"identity = uid:gid\"";
	*eq = '\0';
	char *id = trim(line), *v = trim(eq + 1);
	if (!*id)
		return "the identity is empty";
	if (!*v)
		return "the account is empty";
	if (!parse_ids(v, &acc->uid, &acc->gid)) {
		struct passwd *pw = getpwnam(v);
		if (!pw)
			return "no such user on this host";
		acc->uid = pw->pw_uid;
		acc->gid = pw->pw_gid;
		acc->ngroups = ACCOUNT_MAX_GROUPS;
		if (getgrouplist(v, pw->pw_gid, acc->groups, &acc->ngroups) < 0)
			return "the user is in more than 64 groups";
		if (!(acc->user = strdup(v)))
			return "out of memory";
	}
	if ((acc->uid == 0 || acc->gid == 0) && !allow_root)
		return "maps to root (uid or gid 0); jobs never run as root unless --allow-root";
	if (!(acc->identity = strdup(id)))
		return "out of memory";
	return NULL;
}

int accounts_load_users(struct accounts *a, const char *path, bool allow_root, char *err,
			size_t cap)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t len = 0;
	long n = 0;
	if (!f) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &len, f) > 0) {
		n++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		struct account *acc = calloc(1, sizeof *acc);
		const char *why = acc ? parse_line(s, allow_root, acc) : "out of memory";
		if (!why && find(a->mapped, acc->identity))
			why = "this identity is mapped already, on an earlier line";
		if (why) {
			snprintf(err, cap, "%s:%ld: %s", path, n, why);
			if (acc)
				account_free(acc);
			free(line);
			fclose(f);
			return -1;
		}
		acc->next = a->mapped;
		a->mapped = acc;
	}
	free(line);
	fclose(f);
	return 0;
}

/* Work directories */

int account_dir_name(const char *identity, char *dst, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)identity; *p; p++) {
		bool plain = isalnum(*p) || *p == '_' || *p == '-' ||
			     (*p == '.' && p != (const unsigned char *)identity);
		if (n + (plain ? 1 : 3) >= cap)
			return -1;
		if (plain) {
			dst[n++] = (char)*p;
		} else {
			dst[n++] = '%';
			dst[n++] = hex[*p >> 4];
			dst[n++] = hex[*p & 15];
		}
	}
	if (n == 0 || n >= cap)
		return -1;
	dst[n] = '\0';
	return 0;
}

uid_t account_dyn_candidate(const char *identity)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)identity; *p; p++)
		h = (h ^ *p) * 16777619u;
	return ACCOUNT_DYN_MIN + h % DYN_COUNT;
}

/* Make dir (or take the one there) owned by uid:gid, mode 0700. 0, or -1 (errno). */
static int ensure_dir(const char *dir, uid_t uid, gid_t gid)
{
	struct stat st;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fstat(fd, &st);
	if (rc == 0 && (st.st_uid != uid || st.st_gid != gid))
		rc = fchown(fd, uid, gid);
	if (rc == 0 && (st.st_mode & 07777) != 0700)
		rc = fchmod(fd, 0700);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* Which dynamic uids the work root's directories hold: they are taken, whoever holds them. */
static int scan_work_root(struct accounts *a)
{
	DIR *d = opendir(a->work_root);
	struct dirent *e;
	struct stat st;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' &&
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			dyn_take(a, st.st_uid);
	closedir(d);
	return 0;
}

int accounts_init(struct accounts *a, const char *work_root, bool own, char *err, size_t cap)
{
	char real[PATH_MAX];
	a->own = own;
	if (mkdir(work_root, 0755) < 0 && errno != EEXIST) {
		snprintf(err, cap, "cannot make the work root %s: %s", work_root, strerror(errno));
		return -1;
	}
	if (!realpath(work_root, real) || !(a->work_root = strdup(real))) {
		snprintf(err, cap, "cannot find the work root %s: %s", work_root, strerror(errno));
		return -1;
	}
	/* Jobs get a /tmp of their own: a work directory under the host's would not be there. */
	if (!own && (strcmp(real, "/tmp") == 0 || strncmp(real, "/tmp/", 5) == 0)) {
		snprintf(err, cap,
			 "--work-root %s is under /tmp, which jobs cannot see (each has a private "
			 "/tmp); choose another",
			 real);
		return -1;
	}
	if (scan_work_root(a) < 0) {
		snprintf(err, cap, "cannot read the work root %s: %s", real, strerror(errno));
		return -1;
	}
	for (struct account *m = a->mapped; m; m = m->next)
		dyn_take(a, m->uid);
	return 0;
}

void accounts_fini(struct accounts *a)
{
	struct account *lists[] = {a->mapped, a->known};
	for (int i = 0; i < 2; i++) {
		while (lists[i]) {
			struct account *next = lists[i]->next;
			account_free(lists[i]);
			lists[i] = next;
		}
	}
	free(a->work_root);
	memset(a, 0, sizeof *a);
}

/* Is uid free for a new identity? Not held by a work directory, the users file, or an account
 * or group of the host. */
static bool dyn_free(const struct accounts *a, uid_t uid)
{
	return !dyn_used(a, uid) && !getpwuid(uid) && !getgrgid((gid_t)uid);
}

/* The uid of a new dynamic identity, or (uid_t)-1 when every one is taken. */
static uid_t dyn_assign(struct accounts *a, const char *identity)
{
	uid_t start = account_dyn_candidate(identity) - ACCOUNT_DYN_MIN;
	for (uid_t i = 0; i < DYN_COUNT; i++) {
		uid_t uid = ACCOUNT_DYN_MIN + (start + i) % DYN_COUNT;
		if (dyn_free(a, uid)) {
			dyn_take(a, uid);
			return uid;
		}
	}
	return (uid_t)-1;
}

/* A new account for identity: mapped, jobsupd's own, or dynamic (the owner of its directory
 * when that is a dynamic uid, else a new one). */
static int new_account(struct accounts *a, const char *identity, const char *dir,
		       struct account *acc)
{
	const struct account *m = find(a->mapped, identity);
	struct stat st;
	if (m) {
		acc->uid = m->uid;
		acc->gid = m->gid;
		acc->ngroups = m->ngroups;
		memcpy(acc->groups, m->groups, sizeof acc->groups);
		return m->user && !(acc->user = strdup(m->user)) ? -1 : 0;
	}
	if (a->own) {
		struct passwd *pw = getpwuid(geteuid());
		acc->uid = geteuid();
		acc->gid = getegid();
		return pw && !(acc->user = strdup(pw->pw_name)) ? -1 : 0;
	}
	if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid >= ACCOUNT_DYN_MIN &&
	    st.st_uid <= ACCOUNT_DYN_MAX) {
		acc->uid = st.st_uid;
	} else if ((acc->uid = dyn_assign(a, identity)) == (uid_t)-1) {
		errno = EUSERS;
		return -1;
	}
	acc->gid = (gid_t)acc->uid;
	return 0;
}

bool account_mapped(const struct accounts *a, const char *identity)
{
	return find(a->mapped, identity) != NULL;
}

const struct account *account_get(struct accounts *a, const char *identity, char *why, size_t cap)
{
	char name[NAME_MAX + 1], dir[PATH_MAX];
	struct account *acc = find(a->known, identity);
	if (!acc) {
		if (account_dir_name(identity, name, sizeof name) < 0 ||
		    snprintf(dir, sizeof dir, "%s/%s", a->work_root, name) >= (int)sizeof dir) {
			snprintf(why, cap, "the identity is too long for a work directory");
			return NULL;
		}
		if (!(acc = calloc(1, sizeof *acc)) || new_account(a, identity, dir, acc) < 0 ||
		    !(acc->identity = strdup(identity)) || !(acc->workdir = strdup(dir))) {
			snprintf(why, cap, "cannot give %s an account: %s", identity,
				 errno == EUSERS ? "every dynamic uid is taken" : strerror(errno));
			if (acc)
				account_free(acc);
			return NULL;
		}
		acc->next = a->known;
		a->known = acc;
		if (!acc->user)
			log_info("identity \"%s\" runs its jobs as uid %u (dynamic), in %s",
				 identity, (unsigned)acc->uid, dir);
	}
	/* Every time: an operator may have removed or changed it meanwhile. */
	if (ensure_dir(acc->workdir, acc->uid, acc->gid) < 0) {
		snprintf(why, cap, "cannot make the work directory %s: %s", acc->workdir,
			 strerror(errno));
		return NULL;
	}
	return acc;
}
