/* Unit tests: jobapi's refusal of what another web site can make a browser send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "csrf.h"

#define HOST "localhost:8443"

static void allowed(const struct csrf_req *rq)
{
	struct apierr e;
	if (csrf_check(rq, &e) != 0)
		fail_msg("origin %s, type %s: %d %s", rq->origin ? rq->origin : "(none)",
			 rq->content_type ? rq->content_type : "(none)", e.status, e.message);
}

static void refused(const struct csrf_req *rq, int status, const char *code, const char *hint)
{
	struct apierr e;
	assert_int_equal(csrf_check(rq, &e), -1);
	assert_int_equal(e.status, status);
	assert_string_equal(e.code, code);
	if (!strstr(e.message, hint))
		fail_msg("\"%s\" lacks \"%s\"", e.message, hint);
}

static void json_media_types(void **state)
{
	(void)state;
	assert_true(csrf_is_json("application/json"));
	assert_true(csrf_is_json("Application/JSON"));
	assert_true(csrf_is_json("application/json; charset=utf-8"));
	assert_true(csrf_is_json("application/json;charset=UTF-8"));
	assert_true(csrf_is_json("application/json ; charset=utf-8"));
	assert_true(csrf_is_json(" application/json "));
	assert_false(csrf_is_json(NULL));
	assert_false(csrf_is_json(""));
	assert_false(csrf_is_json("text/plain"));
	assert_false(csrf_is_json("application/x-www-form-urlencoded"));
	assert_false(csrf_is_json("multipart/form-data; boundary=x"));
	assert_false(csrf_is_json("application/jsonp"));
	assert_false(csrf_is_json("application/json-seq"));
	assert_false(csrf_is_json("application/jso"));
	assert_false(csrf_is_json("text/plain; a=application/json"));
	assert_false(csrf_is_json("application/json x"));
}

static void bodies_must_be_json(void **state)
{
	(void)state;
	struct csrf_req rq = {.host = HOST, .content_length = "12", .content_type = "text/plain"};
	refused(&rq, 415, "unsupported_media_type",
		"send the body with Content-Type: application/json (it came as text/plain)");
	rq.content_type = "application/x-www-form-urlencoded";
	refused(&rq, 415, "unsupported_media_type", "application/x-www-form-urlencoded");
	rq.content_type = NULL;
	refused(&rq, 415, "unsupported_media_type", "without a Content-Type)");
	rq.content_type = ""; /* as nginx passes an absent one */
	refused(&rq, 415, "unsupported_media_type", "without a Content-Type)");
	rq.content_type = "application/json; charset=utf-8";
	allowed(&rq);

	/* A chunked body is a body, whatever its length says. */
	struct csrf_req chunked = {.transfer_encoding = "chunked", .content_type = "text/plain"};
	refused(&chunked, 415, "unsupported_media_type", "text/plain");
}

static void no_body_no_type_needed(void **state)
{
	(void)state;
	struct csrf_req rq = {.host = HOST};
	allowed(&rq); /* a GET, DELETE or bare POST .../restart */
	rq.content_length = "";
	allowed(&rq);
	rq.content_length = "0";
	rq.content_type = "application/x-www-form-urlencoded";
	allowed(&rq);
	rq.content_length = "00";
	allowed(&rq);
	rq.content_length = "x"; /* refused as a bad length later, never let through untyped */
	refused(&rq, 415, "unsupported_media_type", "urlencoded");
}

static void origins(void **state)
{
	(void)state;
	struct csrf_req rq = {.host = HOST, .origin = "https://" HOST};
	allowed(&rq);
	rq.origin = NULL;
	allowed(&rq);
	rq.origin = "https://evil.example";
	refused(&rq, 403, "forbidden",
		"requests from another origin (https://evil.example) are refused; this "
		"service's origin is https://" HOST);
	const char *foreign[] = {
	    "null",
	    "",
	    "http://" HOST,
	    "https://localhost",
	    "https://localhost:8444",
	    "https://LOCALHOST:8443",
	    "https://" HOST "/",
	    "https://" HOST ".evil.example",
	    "https://x" HOST,
	    "https://",
	};
	for (size_t i = 0; i < sizeof foreign / sizeof *foreign; i++) {
		rq.origin = foreign[i];
		refused(&rq, 403, "forbidden", "requests from another origin");
	}
	/* Without a Host there is no own origin to match. */
	struct csrf_req nohost = {.origin = "https://"};
	refused(&nohost, 403, "forbidden", "another origin");
}

static void origin_before_type(void **state)
{
	(void)state;
	struct csrf_req rq = {.host = HOST,
			      .origin = "https://evil.example",
			      .content_length = "20",
			      .content_type = "text/plain"};
	refused(&rq, 403, "forbidden", "https://evil.example");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(json_media_types),	      cmocka_unit_test(bodies_must_be_json),
	    cmocka_unit_test(no_body_no_type_needed), cmocka_unit_test(origins),
	    cmocka_unit_test(origin_before_type),
	};
	return cmocka_run_group_tests_name("csrf", tests, NULL, NULL);
}
