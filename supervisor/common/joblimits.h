/*
 * joblimits: a job's resource limits, one row each. Everything that names a limit comes from this
 * table: the member of struct job_limits and the API's key in "limits", jobsupd's --max-NAME
 * and --default-NAME flags, jobctl's `start --NAME` (and its help), how a value is read (size
 * suffixes or not) and shown, and what must be there to enforce it. Adding a limit is adding a
 * row (and teaching cgroup.c to enforce it).
 *
 *   X(field, name, unit, most, controller, enforcer, help)
 *     field       member of struct job_limits, and the API's key
 *     name        the stem of the flags
 *     unit        how a value is read and shown (enum limit_unit)
 *     most        the largest value a flag or a request may give
 *     controller  the cgroup controller that enforces it
 *     enforcer    what the host needs to enforce it, for the refusal's message
 *     help        what `jobctl start --NAME` means, for its help
 */
#ifndef JOBLIMITS_H
#define JOBLIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* clang-format off */
#define JOB_LIMITS(X)                                                                              \
	X(memory_bytes,   "memory", LIMIT_BYTES,   (1ULL << 50), "memory", "cgroup memory controller", \
	  "memory limit, e.g. 256M (K, M, G: powers of 1024)")                                     \
	X(cpu_percent,    "cpu",    LIMIT_PERCENT, 100000,       "cpu",    "cgroup cpu controller",    \
	  "CPU limit, percent of one CPU (200: two CPUs)")                                         \
	X(pids,           "pids",   LIMIT_COUNT,   4194304,      "pids",   "cgroup pids controller",   \
	  "most processes and threads at once")                                                    \
	X(io_bytes_per_s, "io",     LIMIT_RATE,    (1ULL << 50), "io",     "cgroup io controller and disks", \
	  "disk bytes per second, read and write each, e.g. 10M")
/* clang-format on */

enum limit_unit {
	LIMIT_BYTES,   /* a size: K, M, G, T suffixes; shown as "256 MiB", or "1000 bytes" */
	LIMIT_RATE,    /* bytes per second, read as a size; shown as "10 MiB/s" */
	LIMIT_PERCENT, /* of one CPU: 200 is two CPUs' worth; shown as "50%" */
	LIMIT_COUNT,   /* a plain number */
};

enum limit_id {
#define LIMIT_ENUM(field, ...) LIMIT_##field,
	JOB_LIMITS(LIMIT_ENUM)
#undef LIMIT_ENUM
	    NLIMITS
};

/* A job's resource limits; 0 is "none". */
struct job_limits {
#define LIMIT_MEMBER(field, ...) uint64_t field;
	JOB_LIMITS(LIMIT_MEMBER)
#undef LIMIT_MEMBER
};

struct limit_info {
	const char *key;	/* "memory_bytes" */
	const char *name;	/* "memory" */
	const char *max_flag;	/* "--max-memory" */
	const char *deflt_flag; /* "--default-memory" */
	const char *start_flag; /* "--memory", jobctl start's */
	enum limit_unit unit;
	uint64_t most;
	const char *controller;
	const char *enforcer;
	const char *help; /* "memory limit, e.g. 256M ..." */
	size_t offset;	  /* in struct job_limits */
};

extern const struct limit_info limit_info[NLIMITS];

/* "memory_bytes, cpu_percent, pids, io_bytes_per_s", for messages. */
#define LIMIT_KEY_STR(field, ...) ", " #field
#define LIMIT_KEYS (&(JOB_LIMITS(LIMIT_KEY_STR))[2]) /* without the first ", " */

static inline uint64_t limit_get(const struct job_limits *l, int i)
{
	return *(const uint64_t *)((const char *)l + limit_info[i].offset);
}
static inline void limit_set(struct job_limits *l, int i, uint64_t v)
{
	*(uint64_t *)((char *)l + limit_info[i].offset) = v;
}
/* Does the limit's value take size suffixes (256M)? */
static inline bool limit_takes_size(int i)
{
	return limit_info[i].unit == LIMIT_BYTES || limit_info[i].unit == LIMIT_RATE;
}
/* What a flag's value is called in help: "SIZE", "PERCENT" or "N". */
const char *limit_metavar(int i);
/* The limit whose API key is key, or -1. */
int limit_by_key(const char *key);
/* Read a value given in the limit's unit ("256M", "50"). 0, or -1 when it is not one or is
 * not from 1 to its most. */
int limit_parse(int i, const char *text, uint64_t *out);
/* The value as a person reads it ("256 MiB", "50%", "64", "10 MiB/s") into dst: bytes in the
 * largest unit up to TiB that divides them exactly, so a limit shows as given ("1000 bytes"). */
void limit_format(int i, uint64_t v, char *dst, size_t cap);

#endif
