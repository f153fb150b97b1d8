/* Unit tests: JSON writing (json_quote, jw_*) and the input checker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

static char *quote(const char *s, size_t n)
{
	static struct buf b;
	buf_free(&b);
	json_quote(&b, s, n);
	buf_putc(&b, '\0');
	return buf_head(&b);
}

static void quote_escapes_and_keeps_utf8(void **state)
{
	(void)state;
	assert_string_equal(quote("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	assert_string_equal(quote("\n\t\r\x01\x7f", 5), "\"\\n\\t\\r\\u0001\\u007f\"");
	assert_string_equal(quote("\0x", 2), "\"\\u0000x\"");
	assert_string_equal(quote("h\xc3\xa9llo \xe2\x82\xac", 10),
			    "\"h\xc3\xa9llo \xe2\x82\xac\"");
	/* Invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong form, a
	 * surrogate, a byte that never appears: each bad byte becomes U+FFFD. */
	assert_string_equal(quote("\x80", 1), "\"\\ufffd\"");
	assert_string_equal(quote("\xe2\x82", 2), "\"\\ufffd\\ufffd\"");
	assert_string_equal(quote("\xc0\xaf", 2), "\"\\ufffd\\ufffd\"");
	assert_string_equal(quote("\xed\xa0\x80", 3), "\"\\ufffd\\ufffd\\ufffd\"");
	assert_string_equal(quote("\xff", 1), "\"\\ufffd\"");
}

/* Every byte value comes back as valid JSON that cJSON reads. */
static void quote_all_bytes_is_valid_json(void **state)
{
	char all[256];
	(void)state;
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	struct buf b = BUF_INIT;
	json_quote(&b, all, sizeof all);
	buf_putc(&b, '\0');
	cJSON *v = cJSON_Parse(buf_head(&b));
	assert_non_null(v);
	assert_true(cJSON_IsString(v));
	/* NUL ends the C string cJSON returns, so what follows is checked in the text. */
	assert_non_null(strstr(buf_head(&b), "\\u0000\\u0001"));
	assert_non_null(strstr(buf_head(&b), " !\\\"#"));
	assert_non_null(strstr(buf_head(&b), "~\\u007f\\ufffd"));
	cJSON_Delete(v);
	buf_free(&b);
}

static void writer_builds_nested_values(void **state)
{
	struct buf b = BUF_INIT;
	struct jw w;
	(void)state;
	jw_init(&w, &b);
	jw_obj(&w);
	jw_key(&w, "a");
	jw_int(&w, -5);
	jw_key(&w, "b");
	jw_arr(&w);
	jw_str(&w, "x");
	jw_null(&w);
	jw_bool(&w, true);
	jw_obj(&w);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_key(&w, "c");
	jw_raw(&w, "[1]", 3);
	jw_obj_end(&w);
	buf_putc(&b, '\0');
	assert_string_equal(buf_head(&b), "{\"a\":-5,\"b\":[\"x\",null,true,{}],\"c\":[1]}");
	buf_free(&b);
}

static void writer_refuses_too_deep(void **state)
{
	struct buf b = BUF_INIT;
	struct jw w;
	(void)state;
	jw_init(&w, &b);
	for (int i = 0; i < JW_MAX_DEPTH + 2; i++)
		jw_arr(&w);
	assert_false(buf_ok(&b));
	buf_free(&b);
}

static enum json_text check(const char *s)
{
	const char *why = "";
	return json_check_text(s, strlen(s), &why);
}

static void checker_rejects_what_cjson_would_mangle(void **state)
{
	const char *why = NULL;
	(void)state;
	assert_int_equal(check("{\"command\":[\"ls\"]}"), JSON_TEXT_OK);
	assert_int_equal(check("{\"a\":\"x\\u0000y\"}"), JSON_TEXT_NUL);
	assert_int_equal(check("{\"a\":\"x\\U0000y\"}"), JSON_TEXT_OK);	 /* not an escape */
	assert_int_equal(check("{\"a\":\"x\\\\u0000\"}"), JSON_TEXT_OK); /* an escaped backslash */
	assert_int_equal(check("{\"a\":\"line\nbreak\"}"), JSON_TEXT_INVALID);
	assert_int_equal(check("{\"a\":\"\xff\"}"), JSON_TEXT_INVALID);
	assert_int_equal(check("{\"a\":\n\"ok\"}"), JSON_TEXT_OK); /* whitespace outside strings */
	assert_int_equal(json_check_text("{\"a\0\":1}", 8, &why), JSON_TEXT_INVALID);
	assert_non_null(strstr(why, "NUL"));
}

static void parse_refuses_trailing_garbage(void **state)
{
	(void)state;
	const char ok[] = "{\"a\":1}  ";
	const char bad[] = "{\"a\":1} x";
	cJSON *v = json_parse(ok, strlen(ok));
	assert_non_null(v);
	cJSON_Delete(v);
	assert_null(json_parse(bad, strlen(bad)));
}

static void utf8_lengths(void **state)
{
	(void)state;
	assert_int_equal(utf8_seq_len((const unsigned char *)"a", 1), 1);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xc3\xa9", 2), 2);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xc3\xa9", 1), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xe0\x80\x80", 3), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(quote_escapes_and_keeps_utf8),
	    cmocka_unit_test(quote_all_bytes_is_valid_json),
	    cmocka_unit_test(writer_builds_nested_values),
	    cmocka_unit_test(writer_refuses_too_deep),
	    cmocka_unit_test(checker_rejects_what_cjson_would_mangle),
	    cmocka_unit_test(parse_refuses_trailing_garbage),
	    cmocka_unit_test(utf8_lengths),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
