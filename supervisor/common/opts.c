/* opts: usage errors and numbers of jobsupd's and jobapi's flags; see opts.h. */
#include "opts.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "size.h"

static const char *program = "?";

void opts_init(const char *name)
{
	program = name;
}

void opts_die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", program);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", program);
	exit(2);
}

/* strtol would take signs, spaces and 0x: only octal digits are a mode. */
static int octal_parse(const char *text, uint64_t *out)
{
	if (!*text || strspn(text, "01234567") != strlen(text) || strlen(text) > 12)
		return -1;
	*out = strtoull(text, NULL, 8);
	return 0;
}

long opts_num(const char *flag, const char *arg, long min, long max, enum opts_num kind)
{
	uint64_t v;
	int rc = kind == OPTS_OCTAL ? octal_parse(arg, &v) : size_parse(arg, kind == OPTS_SIZE, &v);
	if (rc < 0 || v < (uint64_t)min || v > (uint64_t)max) {
		if (kind == OPTS_OCTAL)
			opts_die("%s wants an octal mode from %#lo to %#lo, not \"%s\"", flag, min,
				 max, arg);
		opts_die("%s wants a whole number from %ld to %ld%s, not \"%s\"", flag, min, max,
			 kind == OPTS_SIZE ? " (K, M, G, T suffixes)" : "", arg);
	}
	return (long)v;
}
