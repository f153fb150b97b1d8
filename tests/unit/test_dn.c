/* Unit tests: the caller's identity from the certificate subject nginx passes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dn.h"

static struct identity ok(const char *dn)
{
	struct identity id;
	const char *why = NULL;
	if (dn_identity(dn, &id, &why) != 0)
		fail_msg("%s: %s", dn, why);
	return id;
}

static void no_identity(const char *dn, const char *hint)
{
	struct identity id;
	const char *why = "";
	assert_int_equal(dn_identity(dn, &id, &why), -1);
	if (!strstr(why, hint))
		fail_msg("%s: \"%s\" lacks \"%s\"", dn ? dn : "(null)", why, hint);
	assert_false(id.admin);
}

static void users_and_admins(void **state)
{
	(void)state;
	struct identity id = ok("CN=user1,OU=users,O=Job Worker");
	assert_string_equal(id.user, "user1");
	assert_false(id.admin);
	id = ok("CN=admin,OU=admins,O=Job Worker");
	assert_string_equal(id.user, "admin");
	assert_true(id.admin);
	id = ok("O=Job Worker,OU=admins+OU=ops,CN=root");
	assert_true(id.admin);
	assert_false(ok("CN=eve,OU=admins2").admin);
	assert_false(ok("CN=eve,O=admins").admin);
	assert_false(ok("CN=eve,OU=Admins").admin);
}

static void escapes(void **state)
{
	(void)state;
	assert_string_equal(ok("CN=Doe\\, John,O=x").user, "Doe, John");
	assert_string_equal(ok("CN=a\\+b").user, "a+b");
	assert_string_equal(ok("CN=\\#hash").user, "#hash");
	assert_string_equal(ok("CN=caf\\C3\\A9").user, "caf\xc3\xa9");
	/* An escaped comma inside an OU does not make an admin. */
	assert_false(ok("CN=x,OU=users\\,OU=admins").admin);
}

static void refusals(void **state)
{
	(void)state;
	no_identity(NULL, "no subject");
	no_identity("", "no subject");
	no_identity("O=Job Worker", "no common name");
	no_identity("CN=a,CN=b", "more than one");
	no_identity("CN=", "empty");
	no_identity("CN=a\\00b", "NUL");
	no_identity("CN", "cannot be read");
	no_identity("CN=a,=x", "cannot be read");
	no_identity("CN=trailing\\", "cannot be read");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(users_and_admins),
	    cmocka_unit_test(escapes),
	    cmocka_unit_test(refusals),
	};
	return cmocka_run_group_tests_name("dn", tests, NULL, NULL);
}
