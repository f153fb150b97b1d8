/* joblimits: the table of a job's resource limits; see joblimits.h. */
#include "joblimits.h"

#include <stdio.h>
#include <string.h>

#include "size.h"

const struct limit_info limit_info[NLIMITS] = {
/* clang-format off */
#define LIMIT_INFO(f, n, u, m, c, e, h)                                                            \
	[LIMIT_##f] = {.key = #f, .name = n, .max_flag = "--max-" n, .deflt_flag = "--default-" n, \
		       .start_flag = "--" n, .unit = u, .most = m, .controller = c, .enforcer = e,  \
		       .help = h, .offset = offsetof(struct job_limits, f)},
    /* clang-format on */
    JOB_LIMITS(LIMIT_INFO)
#undef LIMIT_INFO
};

int limit_by_key(const char *key)
{
	for (int i = 0; i < NLIMITS; i++)
		if (key && strcmp(key, limit_info[i].key) == 0)
			return i;
	return -1;
}

const char *limit_metavar(int i)
{
	switch (limit_info[i].unit) {
	case LIMIT_PERCENT:
		return "PERCENT";
	case LIMIT_COUNT:
		return "N";
	default:
		return "SIZE";
	}
}

int limit_parse(int i, const char *text, uint64_t *out)
{
	enum limit_unit u = limit_info[i].unit;
	uint64_t v;
	if (size_parse(text, u == LIMIT_BYTES || u == LIMIT_RATE, &v) < 0 || v < 1 ||
	    v > limit_info[i].most)
		return -1;
	*out = v;
	return 0;
}

/* "256 MiB", "1536 KiB", "1000 bytes": a limit is exact, so it is never rounded. */
static void human_bytes(uint64_t v, char *dst, size_t cap)
{
	static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
	size_t u = 0;
	while (u + 1 < sizeof units / sizeof *units && v >= 1024 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	snprintf(dst, cap, "%llu %s", (unsigned long long)v, units[u]);
}

void limit_format(int i, uint64_t v, char *dst, size_t cap)
{
	switch (limit_info[i].unit) {
	case LIMIT_BYTES:
		human_bytes(v, dst, cap);
		break;
	case LIMIT_RATE:
		human_bytes(v, dst, cap);
		snprintf(dst + strlen(dst), cap - strlen(dst), "/s");
		break;
	case LIMIT_PERCENT:
		snprintf(dst, cap, "%llu%%", (unsigned long long)v);
		break;
	case LIMIT_COUNT:
		snprintf(dst, cap, "%llu", (unsigned long long)v);
		break;
	}
}
