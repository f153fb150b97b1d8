/*
 * size: the one grammar for sizes and whole numbers that jobsupd's flags and jobctl's options
 * both take: decimal digits (no sign, no spaces), then optionally a binary suffix K, M, G or T
 * (any case; powers of 1024) followed by "i", "iB" or "B": 512, 64K, 256M, 1GiB, 2TB.
 */
#ifndef SIZE_H
#define SIZE_H

#include <stdbool.h>
#include <stdint.h>

/* Parse text into *out. With suffixes false, only digits are accepted. 0, or -1 when the text
 * is not such a number or is over UINT64_MAX. */
int size_parse(const char *text, bool suffixes, uint64_t *out);

#endif
