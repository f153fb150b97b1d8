/*
 * cgpriv: what cgroup.c (a job's cgroup) and cgsetup.c (start-up) share, and nobody else uses:
 * small file helpers and the kill start-up uses on stale cgroups.
 */
#ifndef CGPRIV_H
#define CGPRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"

/* snprintf into a path, false when it did not fit (then dst holds an empty string). */
bool pathf(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The whole of text into the file at path (one write). 0 or -1 (errno). */
int write_file(const char *path, const char *text);
/* Up to cap - 1 bytes of the file at path, NUL-terminated; what read(2) returned, or -1. */
ssize_t read_file(const char *path, char *buf, size_t cap);
/* The hierarchy that has controller bit, or -1. */
int hier_of(const struct cgroups *cg, unsigned bit);
void sleep_ms(long ms);
/* Kill every process of job id's cgroup, waiting (at start-up only) for a v1 freeze. */
void cg_kill_now(struct cgroups *cg, uint64_t id);

#endif
