/* joblimits: the table of a job's resource limits; see joblimits.h. */
#include "joblimits.h"

#include <stdio.h>
#include <string.h>

#include "size.h"

const struct limit_info limit_info[NLIMITS] = {
#define LIMIT_INFO(field, name, unit, most, controller, enforcer)                                  \
	[LIMIT_##field] = {#field,                                                                 \
			   name,                                                                   \
			   "--max-" name,                                                          \
			   "--default-" name,                                                      \
			   unit,                                                                   \
			   most,                                                                   \
			   controller,                                                             \
			   enforcer,                                                               \
			   offsetof(struct job_limits, field)},
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

/* "256 MiB", "1.5 GiB", "100 B" */
static void human_bytes(uint64_t v, char *dst, size_t cap)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	double d = (double)v;
	size_t u = 0;
	while (d >= 1024 && u + 1 < sizeof units / sizeof *units) {
		d /= 1024;
		u++;
	}
	if (u == 0 || d == (double)(uint64_t)d)
		snprintf(dst, cap, "%.0f %s", d, units[u]);
	else
		snprintf(dst, cap, "%.1f %s", d, units[u]);
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
