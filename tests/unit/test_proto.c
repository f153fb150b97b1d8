/* Unit tests: the jobapi <-> jobsupd protocol codec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"

static const struct spec_limits lim = {
    .max_command_bytes = 4096, .max_args = 256, .default_timeout_s = 60, .max_timeout_s = 600};

static void header_round_trip(void **state)
{
	uint8_t raw[PROTO_HDR_LEN];
	struct proto_hdr h;
	(void)state;
	proto_hdr_put(raw, PROTO_REPLY, 429, 0x01020304);
	assert_memory_equal(raw, "JW\x02\x40\x01\xad\0\0\x01\x02\x03\x04", PROTO_HDR_LEN);
	assert_int_equal(proto_hdr_get(raw, &h), PROTO_HDR_OK);
	assert_int_equal(h.type, PROTO_REPLY);
	assert_int_equal(h.status, 429);
	assert_int_equal(h.len, 0x01020304);
	raw[2] = 1;
	assert_int_equal(proto_hdr_get(raw, &h), PROTO_HDR_BAD_VERSION);
	assert_int_equal(h.version, 1);
	raw[0] = 'G';
	assert_int_equal(proto_hdr_get(raw, &h), PROTO_HDR_BAD_MAGIC);
}

/* Encode a request, then decode its frame as jobsupd does. */
static void round_trip(const struct proto_req *in, struct proto_req *out)
{
	struct buf b = BUF_INIT;
	struct proto_hdr h;
	struct apierr e;
	proto_req_encode(&b, in);
	assert_true(buf_ok(&b));
	assert_int_equal(proto_hdr_get((const uint8_t *)buf_head(&b), &h), PROTO_HDR_OK);
	assert_int_equal(h.len + PROTO_HDR_LEN, buf_used(&b));
	int rc = proto_req_decode(h.type, buf_head(&b) + PROTO_HDR_LEN, h.len, &lim, out, &e);
	if (rc)
		fail_msg("decode failed: %s", e.message);
	buf_free(&b);
}

static void requests_round_trip(void **state)
{
	struct proto_req in = {.type = PROTO_GET, .admin = true, .wait_s = 7}, out;
	char *argv[] = {"echo", "h\xc3\xa9", "\"quoted\"", NULL};
	(void)state;
	strcpy(in.user, "admin");
	strcpy(in.id, "17");
	round_trip(&in, &out);
	assert_int_equal(out.type, PROTO_GET);
	assert_string_equal(out.user, "admin");
	assert_true(out.admin);
	assert_string_equal(out.id, "17");
	assert_int_equal(out.wait_s, 7);
	proto_req_free(&out);

	in = (struct proto_req){.type = PROTO_START,
				.spec = {.argv = argv, .argc = 3, .timeout_s = 9}};
	strcpy(in.user, "user\x01one");
	round_trip(&in, &out);
	assert_string_equal(out.user, "user\x01one");
	assert_false(out.admin);
	assert_int_equal(out.spec.argc, 3);
	assert_string_equal(out.spec.argv[1], "h\xc3\xa9");
	assert_string_equal(out.spec.argv[2], "\"quoted\"");
	assert_int_equal(out.spec.timeout_s, 9);
	proto_req_free(&out);

	in = (struct proto_req){.type = PROTO_OUTPUT, .follow = true};
	strcpy(in.user, "u");
	strcpy(in.id, "A-z_9");
	round_trip(&in, &out);
	assert_true(out.follow);
	assert_string_equal(out.id, "A-z_9");
	proto_req_free(&out);
}

static void decode_refuses(uint8_t type, const char *payload, const char *hint)
{
	struct proto_req r;
	struct apierr e;
	assert_int_equal(proto_req_decode(type, payload, strlen(payload), &lim, &r, &e), -1);
	assert_int_equal(e.status, 400);
	if (!strstr(e.message, hint))
		fail_msg("message \"%s\" lacks \"%s\" (payload %s)", e.message, hint, payload);
}

static void malformed_requests(void **state)
{
	(void)state;
	decode_refuses(0, "{}", "unknown message type");
	decode_refuses(PROTO_REPLY, "{}", "unknown message type");
	decode_refuses(PROTO_LIST, "[]", "not an object");
	decode_refuses(PROTO_LIST, "{\"admin\":false}", "user");
	decode_refuses(PROTO_LIST, "{\"user\":\"\",\"admin\":false}", "user");
	decode_refuses(PROTO_LIST, "{\"user\":\"u\"}", "admin");
	decode_refuses(PROTO_LIST, "{\"user\":\"u\",\"admin\":1}", "admin");
	decode_refuses(PROTO_GET, "{\"user\":\"u\",\"admin\":false}", "id");
	decode_refuses(PROTO_GET, "{\"user\":\"u\",\"admin\":false,\"id\":\"../1\"}", "id");
	decode_refuses(PROTO_GET, "{\"user\":\"u\",\"admin\":false,\"id\":\"1\",\"wait_s\":61}",
		       "wait_s");
	decode_refuses(PROTO_GET, "{\"user\":\"u\",\"admin\":false,\"id\":\"1\",\"wait_s\":1.5}",
		       "wait_s");
	decode_refuses(PROTO_OUTPUT,
		       "{\"user\":\"u\",\"admin\":false,\"id\":\"1\",\"follow\":\"y\"}", "follow");
	decode_refuses(PROTO_START, "{\"user\":\"u\",\"admin\":false}", "spec");
	decode_refuses(PROTO_START, "{\"user\":\"u\",\"admin\":false,\"spec\":{\"command\":[]}}",
		       "empty");
	decode_refuses(PROTO_LIST, "{\"user\":\"u\",\"admin\":false", "not JSON");
	decode_refuses(PROTO_LIST, "{\"user\":\"u\xff\",\"admin\":false}", "UTF-8");
}

static void ids(void **state)
{
	char long_id[PROTO_MAX_ID + 2];
	(void)state;
	assert_true(proto_id_valid("17"));
	assert_true(proto_id_valid("a-B_9"));
	assert_false(proto_id_valid(""));
	assert_false(proto_id_valid("1.2"));
	assert_false(proto_id_valid("1/2"));
	memset(long_id, '7', sizeof long_id - 1);
	long_id[PROTO_MAX_ID] = '\0';
	assert_true(proto_id_valid(long_id));
	long_id[PROTO_MAX_ID] = '7';
	long_id[PROTO_MAX_ID + 1] = '\0';
	assert_false(proto_id_valid(long_id));
}

/* A reply says what its body is and which job a 201 made; what is encoded decodes the same. */
static void reply_round_trip(void **state)
{
	struct buf b = BUF_INIT;
	struct proto_hdr h;
	struct proto_reply r;
	(void)state;
	size_t at = proto_reply_begin(&b, PROTO_BODY_JSON, "17");
	buf_puts(&b, "{\"id\":\"17\"}");
	assert_int_equal(proto_reply_end(&b, at, 201), 0);
	proto_reply(&b, 200, PROTO_BODY_STREAM, NULL, NULL, 0);
	assert_int_equal(proto_hdr_get((const uint8_t *)buf_head(&b), &h), PROTO_HDR_OK);
	assert_int_equal(h.type, PROTO_REPLY);
	assert_int_equal(proto_reply_decode(h.status, buf_head(&b) + PROTO_HDR_LEN, h.len, &r), 0);
	assert_int_equal(r.status, 201);
	assert_int_equal(r.body, PROTO_BODY_JSON);
	assert_string_equal(r.id, "17");
	assert_int_equal(r.len, 11);
	assert_memory_equal(r.data, "{\"id\":\"17\"}", 11);
	buf_consume(&b, PROTO_HDR_LEN + h.len);
	assert_int_equal(proto_hdr_get((const uint8_t *)buf_head(&b), &h), PROTO_HDR_OK);
	assert_int_equal(proto_reply_decode(h.status, buf_head(&b) + PROTO_HDR_LEN, h.len, &r), 0);
	assert_int_equal(r.body, PROTO_BODY_STREAM);
	assert_string_equal(r.id, "");
	assert_int_equal(r.len, 0);
	buf_free(&b);

	/* Malformed: too short, an unknown body, an id longer than the payload, a bad id. */
	assert_int_equal(proto_reply_decode(200, "\0", 1, &r), -1);
	assert_int_equal(proto_reply_decode(200, "\x07\0", 2, &r), -1);
	assert_int_equal(proto_reply_decode(201,
					    "\0\5"
					    "ab",
					    4, &r),
			 -1);
	assert_int_equal(proto_reply_decode(201,
					    "\0\2"
					    "a/",
					    4, &r),
			 -1);
	/* An id with a NUL inside: "7" is not the 3 bytes it claims (found by fuzz_proto). */
	assert_int_equal(proto_reply_decode(201,
					    "\0\3"
					    "7\0\0",
					    5, &r),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(header_round_trip),
	    cmocka_unit_test(reply_round_trip),
	    cmocka_unit_test(requests_round_trip),
	    cmocka_unit_test(malformed_requests),
	    cmocka_unit_test(ids),
	};
	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
