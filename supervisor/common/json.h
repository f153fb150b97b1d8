/*
 * json: writing JSON text into a buf, and checking JSON text that arrives from outside before it
 * is handed to cJSON.
 *
 * The writer exists because output is bytes: a job may print NUL bytes, invalid UTF-8 and
 * control characters, and the API promises valid JSON with invalid UTF-8 replaced by U+FFFD and
 * every other byte kept (NUL as \u0000), which a NUL-terminated cJSON string cannot carry. It
 * also renders a job straight from its database row into one buffer, without building a tree.
 *
 * The checker rejects what cJSON would accept silently: a NUL byte (raw or as \u0000) would cut a
 * cJSON string short, raw control characters inside strings and invalid UTF-8 are not JSON.
 */
#ifndef JSON_H
#define JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"

#define JW_MAX_DEPTH 16

struct jw {
	struct buf *b;
	unsigned depth;
	bool after_key;
	bool first[JW_MAX_DEPTH];
};

void jw_init(struct jw *w, struct buf *b);
void jw_obj(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);
/* A string value from n arbitrary bytes (see json_quote). */
void jw_bytes(struct jw *w, const void *p, size_t n);
void jw_int(struct jw *w, long long v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* A value that is already JSON text. */
void jw_raw(struct jw *w, const char *json, size_t n);

/* Append n bytes as a quoted JSON string: invalid UTF-8 becomes U+FFFD, control characters and
 * DEL are escaped, everything else is copied. */
void json_quote(struct buf *b, const void *p, size_t n);

/* Length of the well-formed UTF-8 sequence at p (1..4), or 0 when the bytes there are not one. */
size_t utf8_seq_len(const unsigned char *p, size_t n);

enum json_text {
	JSON_TEXT_OK,
	JSON_TEXT_INVALID, /* not JSON text we accept: see *why */
	JSON_TEXT_NUL,	   /* well formed, but a string holds a NUL (\u0000) */
};
/* Parse one JSON value that must fill the whole text (trailing garbage is an error, unlike
 * cJSON_ParseWithLength). s[len] must be '\0'. The caller frees the result with cJSON_Delete. */
cJSON *json_parse(const char *s, size_t len);

/* Check raw JSON text before parsing it; *why is a static message. */
enum json_text json_check_text(const char *s, size_t n, const char **why);

#endif
