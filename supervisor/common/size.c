/* size: sizes and numbers of flags and options; see size.h. */
#include "size.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int size_parse(const char *text, bool suffixes, uint64_t *out)
{
	/* strtoull alone would take "-5", " 5" or "+5". */
	if (!text || !isdigit((unsigned char)*text))
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno)
		return -1;
	unsigned shift = 0;
	if (suffixes && *end) {
		switch (*end) {
		case 'K':
		case 'k':
			shift = 10;
			break;
		case 'M':
		case 'm':
			shift = 20;
			break;
		case 'G':
		case 'g':
			shift = 30;
			break;
		case 'T':
		case 't':
			shift = 40;
			break;
		default:
			return -1;
		}
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B')
			end++;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}
