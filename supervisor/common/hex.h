/*
 * hex: the value of one hexadecimal digit, for the escapes of JSON (\uXXXX, json.c) and of
 * certificate subject names (\HH, fcgi/dn.c).
 */
#ifndef HEX_H
#define HEX_H

/* 0..15 for 0-9, a-f, A-F; -1 for anything else. */
static inline int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
