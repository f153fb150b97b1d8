/*
 * account: whom each identity's jobs run as, and where (its work directory).
 *
 * An operator maps identities to accounts in a users file (--users FILE), one per line:
 *     alice = alice             # an account of the host, by name (its groups too)
 *     ci-bot = 61200:61200      # a uid and gid, with no entry needed in /etc/passwd
 * Blank lines and lines starting with '#' are ignored; an error names the file and line. An
 * identity mapped to uid or gid 0 is refused unless allow_root.
 *
 * An identity not in the file gets a dynamic uid, as systemd's DynamicUser= does: one of
 * ACCOUNT_DYN_MIN..ACCOUNT_DYN_MAX (gid the same), never one /etc/passwd, /etc/group, the
 * users file or another identity uses. The assignment is kept in the file system, not in a
 * database: the owner of the identity's work directory IS its uid. So it is the same across
 * restarts of jobsupd, and two identities never share one (a new identity starts from a hash of
 * its name, so that the same names tend to get the same uids on every host, and probes on
 * from there past every uid taken).
 *
 * The work directory is <work-root>/<identity> (bytes other than [A-Za-z0-9_.-], and a
 * leading '.', written as %XX), mode 0700, owned by the account: the job's cwd and HOME.
 *
 * Everything here runs in jobsupd's loop; getpwnam and getgrouplist only at start-up and at an
 * identity's first job.
 */
#ifndef ACCOUNT_H
#define ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define ACCOUNT_DYN_MIN 61184
#define ACCOUNT_DYN_MAX 65519
#define ACCOUNT_MAX_GROUPS 64

struct account {
	char *identity;
	char *user; /* the account's name; NULL for a uid without one */
	uid_t uid;
	gid_t gid;
	gid_t groups[ACCOUNT_MAX_GROUPS]; /* supplementary groups of a named account */
	int ngroups;
	char *workdir; /* NULL until made */
	struct account *next;
};

struct accounts {
	struct account *mapped; /* from the users file */
	struct account *known;	/* dynamic ones, and mapped ones once their directory is made */
	char *work_root;	/* absolute */
	bool own; /* every identity runs as jobsupd's own user (no --users, not root) */
	unsigned char
	    used[(ACCOUNT_DYN_MAX - ACCOUNT_DYN_MIN + 1 + 7) / 8]; /* dynamic uids taken */
};

/* Read a users file into a (which must be zeroed first). 0, or -1 with "FILE:LINE: why" in err. */
int accounts_load_users(struct accounts *a, const char *path, bool allow_root, char *err,
			size_t cap);
/* Make the work root (0755) and learn which dynamic uids its directories hold. own: run every
 * identity as jobsupd's user (no users of their own can be had). 0, or -1 with err. */
int accounts_init(struct accounts *a, const char *work_root, bool own, char *err, size_t cap);
/* Everything, the mapped accounts included. */
void accounts_fini(struct accounts *a);

/* The account of identity, its work directory made (or fixed) on the way. The account belongs to
 * a. NULL with why on failure (the work root unwritable, every dynamic uid taken). */
const struct account *account_get(struct accounts *a, const char *identity, char *why, size_t cap);

/* Is identity in the users file? */
bool account_mapped(const struct accounts *a, const char *identity);

/* The uid a new identity starts probing from: a hash of its name in the dynamic range. */
uid_t account_dyn_candidate(const char *identity);
/* The work directory's name for identity, escaped, into dst; -1 when it does not fit. */
int account_dir_name(const char *identity, char *dst, size_t cap);

#endif
