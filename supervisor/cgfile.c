/* cgfile: parsing cgroup files and mountinfo from text; see cgfile.h. */
#include "cgfile.h"

#include <stdio.h>
#include <string.h>

const struct cgfile_ctrl cgfile_ctrls[] = {
    {"memory", CG_MEMORY}, {"cpu", CG_CPU},  {"cpuacct", CG_CPUACCT}, {"pids", CG_PIDS},
    {"io", CG_IO},	   {"blkio", CG_IO}, {"freezer", CG_FREEZER},
};
const size_t cgfile_nctrls = sizeof cgfile_ctrls / sizeof *cgfile_ctrls;

unsigned cgfile_ctrl_bits(const char *list)
{
	unsigned bits = 0;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ", \n");
		for (size_t i = 0; i < cgfile_nctrls && n > 0; i++)
			if (strlen(cgfile_ctrls[i].name) == n &&
			    !strncmp(p, cgfile_ctrls[i].name, n))
				bits |= cgfile_ctrls[i].bit;
		p += n;
		p += strspn(p, ", \n");
	}
	return bits;
}

/* Digits at p up to the end of the line (trailing blanks allowed), without overflow. */
static bool parse_value(const char *p, uint64_t *value)
{
	uint64_t v = 0;
	const char *start = p;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (p == start)
		return false;
	p += strspn(p, " \t");
	if (*p && *p != '\n')
		return false;
	*value = v;
	return true;
}

bool cgfile_key(const char *text, const char *key, uint64_t *value)
{
	size_t klen = strlen(key);
	for (const char *line = text; *line;) {
		if (klen > 0 && !strncmp(line, key, klen) && line[klen] == ' ')
			return parse_value(line + klen + 1, value);
		const char *nl = strchr(line, '\n');
		if (!nl)
			break;
		line = nl + 1;
	}
	return false;
}

bool cgfile_number(const char *text, uint64_t *value)
{
	return parse_value(text, value);
}

/* The next space-separated field of a line: its start, with its length in *n (0 at the end). */
static const char *next_field(const char **p, size_t *n)
{
	const char *start = *p + strspn(*p, " ");
	*n = strcspn(start, " \n");
	*p = start + *n;
	return start;
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* Copy a field, undoing mountinfo's octal escapes (space, tab, newline, backslash). */
static bool copy_unescaped(char *dst, size_t cap, const char *src, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		char c = src[i];
		if (c == '\\' && i + 3 < n && src[i + 1] >= '0' && src[i + 1] <= '3' &&
		    is_octal(src[i + 2]) && is_octal(src[i + 3])) {
			c = (char)((src[i + 1] - '0') * 64 + (src[i + 2] - '0') * 8 +
				   (src[i + 3] - '0'));
			i += 3;
		}
		if (len + 1 >= cap)
			return false;
		dst[len++] = c;
	}
	dst[len] = '\0';
	return true;
}

static bool copy_field(char *dst, size_t cap, const char *src, size_t n)
{
	if (n == 0 || n >= cap)
		return false;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return true;
}

static bool skip_field(const char **p)
{
	size_t n;
	next_field(p, &n);
	return n > 0;
}

bool cgfile_mountinfo_line(const char *line, struct cgfile_mount *m)
{
	/* id parent major:minor root point options [optional fields...] - fstype source super */
	const char *p = line, *f;
	size_t n;
	for (int i = 0; i < 4; i++)
		if (!skip_field(&p))
			return false;
	f = next_field(&p, &n);
	if (n == 0 || !copy_unescaped(m->point, sizeof m->point, f, n) || !skip_field(&p))
		return false;
	/* The optional fields (none or more) end at a field that is a lone "-". */
	do
		f = next_field(&p, &n);
	while (n > 0 && !(n == 1 && *f == '-'));
	if (n == 0)
		return false;
	f = next_field(&p, &n);
	if (!copy_field(m->fstype, sizeof m->fstype, f, n) || !skip_field(&p))
		return false;
	f = next_field(&p, &n);
	return copy_field(m->options, sizeof m->options, f, n);
}

void cgfile_mounts_add(struct cgfile_mounts *seen, const char *line)
{
	struct cgfile_mount m;
	if (!cgfile_mountinfo_line(line, &m))
		return;
	if (!strcmp(m.fstype, "cgroup2")) {
		if (!seen->v2[0])
			snprintf(seen->v2, sizeof seen->v2, "%s", m.point);
	} else if (!strcmp(m.fstype, "cgroup") && seen->nv1 < CG_MAX_HIER) {
		unsigned bits = cgfile_ctrl_bits(m.options);
		if (bits) {
			snprintf(seen->v1[seen->nv1], sizeof seen->v1[0], "%s", m.point);
			seen->v1_ctrls[seen->nv1++] = bits;
		}
	}
}
