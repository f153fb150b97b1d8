/* dn: identity from an RFC 2253 subject DN; see dn.h. */
#include "dn.h"

#include <string.h>
#include <strings.h>

#include "hex.h"

#define DN_VALUE_MAX 1024

/*
 * Read one attribute "type=value" at *p, unescaping the value (\, \+ \" \\ \< \> \; \= \# and
 * \HH hex pairs), up to an unescaped ',' or '+' or the end. 0, or -1 when malformed.
 */
static int next_attr(const char **p, char *type, size_t tcap, char *val, size_t *vlen)
{
	const char *s = *p;
	size_t t = 0, v = 0;

	while (*s == ' ')
		s++;
	while (*s && *s != '=') {
		if (t + 1 >= tcap)
			return -1;
		type[t++] = *s++;
	}
	type[t] = '\0';
	if (*s != '=' || t == 0)
		return -1;
	s++;
	while (*s && *s != ',' && *s != '+') {
		char c = *s++;
		if (c == '\\') {
			int hi = hex_digit(s[0]), lo = hi >= 0 ? hex_digit(s[1]) : -1;
			if (hi >= 0 && lo >= 0) {
				c = (char)(hi << 4 | lo);
				s += 2;
			} else if (*s) {
				c = *s++;
			} else {
				return -1;
			}
		}
		if (v + 1 >= DN_VALUE_MAX)
			return -1;
		val[v++] = c;
	}
	val[v] = '\0';
	*vlen = v;
	if (*s)
		s++;
	*p = s;
	return 0;
}

int dn_identity(const char *dn, struct identity *id, const char **why)
{
	char type[64], val[DN_VALUE_MAX];
	size_t vlen;
	int cns = 0;

	memset(id, 0, sizeof *id);
	if (!dn || !*dn) {
		*why = "the client certificate has no subject";
		return -1;
	}
	const char *p = dn;
	while (*p) {
		if (next_attr(&p, type, sizeof type, val, &vlen) < 0) {
			*why = "the client certificate subject cannot be read";
			return -1;
		}
		if (strcasecmp(type, "CN") == 0 || strcasecmp(type, "commonName") == 0) {
			if (vlen == 0 || vlen > PROTO_MAX_USER || memchr(val, '\0', vlen)) {
				*why = "the client certificate's common name (CN) is empty, too "
				       "long or holds a NUL byte";
				return -1;
			}
			memcpy(id->user, val, vlen + 1);
			cns++;
		} else if ((strcasecmp(type, "OU") == 0 ||
			    strcasecmp(type, "organizationalUnitName") == 0) &&
			   vlen == 6 && memcmp(val, "admins", 6) == 0) {
			id->admin = true;
		}
	}
	if (cns != 1) {
		*why = cns ? "the client certificate has more than one common name (CN)"
			   : "the client certificate has no common name (CN)";
		id->admin = false;
		return -1;
	}
	return 0;
}
