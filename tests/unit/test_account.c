/* Unit tests: the users file, and the dynamic uid of an identity kept as the owner of its work
 * directory (account.c). The assignment needs root (it chowns); it is skipped otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "account.h"

/* Write text to a new file; its path in path[64]. */
static void users_file(char path[64], const char *text)
{
	snprintf(path, 64, "/var/tmp/test-users.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Load text and expect an error that holds want. */
static void refused(const char *text, bool allow_root, const char *want)
{
	char path[64], err[256];
	struct accounts a = {0};
	users_file(path, text);
	assert_int_equal(accounts_load_users(&a, path, allow_root, err, sizeof err), -1);
	if (!strstr(err, want) || !strstr(err, path))
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
	accounts_fini(&a);
	unlink(path);
}

static void users_file_lines(void **state)
{
	char path[64], err[256];
	struct accounts a = {0};
	(void)state;
	users_file(path, "# who runs as whom\n\n  ci-bot = 61200:61201  \nroot-ish = root\n"
			 "Jane Doe=1000:1000\n");
	assert_int_equal(accounts_load_users(&a, path, true, err, sizeof err), 0);
	int n = 0;
	for (struct account *m = a.mapped; m; m = m->next, n++) {
		if (strcmp(m->identity, "ci-bot") == 0) {
			assert_int_equal(m->uid, 61200);
			assert_int_equal(m->gid, 61201);
			assert_null(m->user);
		} else if (strcmp(m->identity, "root-ish") == 0) {
			assert_int_equal(m->uid, 0);
			assert_string_equal(m->user, "root");
			assert_true(m->ngroups >= 1);
		} else {
			assert_string_equal(m->identity, "Jane Doe");
		}
	}
	assert_int_equal(n, 3);
	accounts_fini(&a);
	unlink(path);
}

static void users_file_errors(void **state)
{
	(void)state;
	refused("a = 1:1\nb\n", false, ":2: expected \"identity = user\"");
	refused("# x\n = 5:5\n", false, ":2: the identity is empty");
	refused("a = \n", false, ":1: the account is empty");
	refused("a = no-such-user-here\n", false, ":1: no such user");
	refused("a = 1:1\nb = 0:5\n", false, ":2: maps to root");
	refused("a = root\n", false, ":1: maps to root");
	refused("a = 5:0\n", false, ":1: maps to root");
	refused("a = 1:1\na = 2:2\n", false, ":2: this identity is mapped already");
	refused("a = 1:x\n", false, ":1: no such user");
	char err[256];
	struct accounts a = {0};
	assert_int_equal(accounts_load_users(&a, "/no/such/file", false, err, sizeof err), -1);
	assert_non_null(strstr(err, "/no/such/file: No such file"));
}

static void dir_names_and_candidates(void **state)
{
	char d[64];
	(void)state;
	assert_int_equal(account_dir_name("user1", d, sizeof d), 0);
	assert_string_equal(d, "user1");
	assert_int_equal(account_dir_name("../x y.z", d, sizeof d), 0);
	assert_string_equal(d, "%2E.%2Fx%20y.z"); /* only a leading dot: never "." or ".." */
	assert_int_equal(account_dir_name("", d, sizeof d), -1);
	assert_int_equal(account_dir_name("abcdef", d, 4), -1);
	uid_t u = account_dyn_candidate("alice");
	assert_true(u >= ACCOUNT_DYN_MIN && u <= ACCOUNT_DYN_MAX);
	assert_int_equal(account_dyn_candidate("alice"), u);
	assert_int_not_equal(account_dyn_candidate("bob"), u);
}

static void dynamic_uids(void **state)
{
	char root[] = "/var/tmp/test-work.XXXXXX", err[256], path[PATH_MAX];
	struct accounts a = {0}, b = {0};
	struct stat st;
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_non_null(mkdtemp(root));
	/* Someone else's directory holds alice's first choice: she must get another. */
	uid_t first = account_dyn_candidate("alice");
	snprintf(path, sizeof path, "%s/zed", root);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chown(path, first, first), 0);
	assert_int_equal(accounts_init(&a, root, false, err, sizeof err), 0);
	const struct account *alice = account_get(&a, "alice", err, sizeof err);
	const struct account *bob = account_get(&a, "bob", err, sizeof err);
	assert_non_null(alice);
	assert_non_null(bob);
	uid_t ua = alice->uid, ub = bob->uid;
	assert_int_not_equal(ua, first);
	assert_int_not_equal(ua, ub);
	assert_int_equal(alice->gid, ua);
	assert_null(alice->user);
	snprintf(path, sizeof path, "%s/alice", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, ua);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* A new jobsupd finds the same uids in the directories' owners. */
	assert_int_equal(accounts_init(&b, root, false, err, sizeof err), 0);
	assert_int_equal(account_get(&b, "bob", err, sizeof err)->uid, ub);
	assert_int_equal(account_get(&b, "alice", err, sizeof err)->uid, ua);
	assert_int_not_equal(account_get(&b, "carol", err, sizeof err)->uid, ua);
	accounts_fini(&a);
	accounts_fini(&b);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void work_root_under_tmp_is_refused(void **state)
{
	char err[256];
	struct accounts a = {0};
	(void)state;
	assert_int_equal(accounts_init(&a, "/tmp", false, err, sizeof err), -1);
	assert_non_null(strstr(err, "under /tmp"));
	accounts_fini(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(users_file_lines),
	    cmocka_unit_test(users_file_errors),
	    cmocka_unit_test(dir_names_and_candidates),
	    cmocka_unit_test(dynamic_uids),
	    cmocka_unit_test(work_root_under_tmp_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
