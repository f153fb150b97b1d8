/*
 * opts: what jobsupd's and jobapi's flag parsing share: a usage error that names the program
 * and exits 2, and whole numbers read in a range. Start-up only: both may exit.
 */
#ifndef OPTS_H
#define OPTS_H

#include <stdnoreturn.h>

/* The program named in usage errors ("jobsupd"); before any other opts_ call. */
void opts_init(const char *program);

/* "PROGRAM: message", then "Try 'PROGRAM --help'.", on stderr; exit 2. */
noreturn void opts_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

enum opts_num {
	OPTS_PLAIN, /* decimal digits */
	OPTS_SIZE,  /* decimal digits with K, M, G, T suffixes (size.h's grammar) */
	OPTS_OCTAL, /* octal digits, a file mode */
};

/* The flag's value as a whole number from min to max (min >= 0); a usage error otherwise. */
long opts_num(const char *flag, const char *arg, long min, long max, enum opts_num kind);

#endif
