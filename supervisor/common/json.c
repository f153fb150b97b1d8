/* json: JSON writer and input checker; see json.h. */
#include "json.h"

#include <stdio.h>
#include <string.h>

#include "hex.h"

void jw_init(struct jw *w, struct buf *b)
{
	memset(w, 0, sizeof *w);
	w->b = b;
	w->first[0] = true;
}

/* Separator before a value: a comma unless it is the first item or follows its key. */
static void jw_sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		buf_putc(w->b, ',');
	w->first[w->depth] = false;
}

static void jw_open(struct jw *w, char c)
{
	jw_sep(w);
	buf_putc(w->b, c);
	if (w->depth + 1 >= JW_MAX_DEPTH) {
		w->b->failed = true;
		return;
	}
	w->first[++w->depth] = true;
}

static void jw_close(struct jw *w, char c)
{
	buf_putc(w->b, c);
	if (w->depth > 0)
		w->depth--;
}

void jw_obj(struct jw *w)
{
	jw_open(w, '{');
}
void jw_obj_end(struct jw *w)
{
	jw_close(w, '}');
}
void jw_arr(struct jw *w)
{
	jw_open(w, '[');
}
void jw_arr_end(struct jw *w)
{
	jw_close(w, ']');
}

void jw_key(struct jw *w, const char *key)
{
	jw_sep(w);
	json_quote(w->b, key, strlen(key));
	buf_putc(w->b, ':');
	w->after_key = true;
}

void jw_str(struct jw *w, const char *s)
{
	jw_bytes(w, s, strlen(s));
}

void jw_bytes(struct jw *w, const void *p, size_t n)
{
	jw_sep(w);
	json_quote(w->b, p, n);
}

void jw_int(struct jw *w, long long v)
{
	/* By hand: printf is a large part of rendering a job. */
	char digits[24], *p = digits + sizeof digits;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	jw_sep(w);
	buf_append(w->b, p, (size_t)(digits + sizeof digits - p));
}

void jw_bool(struct jw *w, bool v)
{
	jw_sep(w);
	buf_puts(w->b, v ? "true" : "false");
}

void jw_null(struct jw *w)
{
	jw_sep(w);
	buf_puts(w->b, "null");
}

void jw_raw(struct jw *w, const char *json, size_t n)
{
	jw_sep(w);
	buf_append(w->b, json, n);
}

size_t utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0; /* no overlong forms */
		else if (c == 0xed)
			hi = 0x9f; /* no UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f; /* nothing above U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* How long n bytes are once quoted: the same rules as json_quote, counted first so that a
 * large output is quoted into one allocation of the right size. */
static size_t quoted_len(const unsigned char *s, size_t n)
{
	size_t out = 2;
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len = c >= 0x80 ? utf8_seq_len(s + i, n - i) : 0;
		if (len > 0) {
			out += len;
			i += len;
			continue;
		}
		if (c >= 0x20 && c < 0x7f)
			out += c == '"' || c == '\\' ? 2 : 1;
		else
			out += c == '\n' || c == '\t' || c == '\r' ? 2 : 6;
		i++;
	}
	return out;
}

void json_quote(struct buf *b, const void *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = p;
	/* Short strings are sized roughly; long ones (output) exactly. */
	buf_reserve(b, n < 4096 ? n + n / 8 + 2 : quoted_len(s, n));
	buf_putc(b, '"');
	size_t run = 0; /* start of bytes to copy as they are */
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		size_t len = c >= 0x80 ? utf8_seq_len(s + i, n - i) : 0;
		if (len > 0) {
			i += len;
			continue;
		}
		buf_append(b, s + run, i - run);
		switch (c) {
		case '"':
			buf_puts(b, "\\\"");
			break;
		case '\\':
			buf_puts(b, "\\\\");
			break;
		case '\n':
			buf_puts(b, "\\n");
			break;
		case '\t':
			buf_puts(b, "\\t");
			break;
		case '\r':
			buf_puts(b, "\\r");
			break;
		default:
			if (c >= 0x80) {
				buf_puts(b, "\\ufffd");
			} else {
				char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
				buf_append(b, esc, sizeof esc);
			}
		}
		i++;
		run = i;
	}
	buf_append(b, s + run, n - run);
	buf_putc(b, '"');
}

enum json_text json_check_text(const char *s, size_t n, const char **why)
{
	const unsigned char *u = (const unsigned char *)s;
	bool in_string = false;
	enum json_text result = JSON_TEXT_OK;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = u[i];
		if (c == 0) {
			*why = "the body contains a NUL byte";
			return JSON_TEXT_INVALID;
		}
		if (c >= 0x80) {
			size_t len = utf8_seq_len(u + i, n - i);
			if (len == 0) {
				*why = "the body is not valid UTF-8";
				return JSON_TEXT_INVALID;
			}
			i += len - 1;
			continue;
		}
		if (!in_string) {
			if (c == '"')
				in_string = true;
			continue;
		}
		if (c < 0x20) {
			*why = "a string contains a raw control character (escape it, e.g. \\n)";
			return JSON_TEXT_INVALID;
		}
		if (c == '"') {
			in_string = false;
		} else if (c == '\\' && i + 1 < n) {
			i++;
			if (u[i] == 'u' && i + 4 < n) {
				int v = 0;
				for (size_t k = 1; k <= 4; k++) {
					int h = hex_digit(s[i + k]);
					v = h < 0 ? -1 : (v < 0 ? -1 : v * 16 + h);
				}
				if (v == 0 && result == JSON_TEXT_OK) {
					*why = "strings must not contain NUL bytes (\\u0000)";
					result = JSON_TEXT_NUL;
				}
			}
		}
	}
	return result;
}

cJSON *json_parse(const char *s, size_t len)
{
	/* With require_null_terminated, cJSON wants the terminator inside the given length. */
	return cJSON_ParseWithLengthOpts(s, len + 1, NULL, 1);
}
