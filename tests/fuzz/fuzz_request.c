/*
 * Fuzz target: jobapi's handling of a request before anything reaches jobsupd: routing (method,
 * path, query), the identity in the certificate subject, the cross-site checks, and the
 * validation of a POST body. Input: method, path, query and DN on the first four lines, the body
 * after them; the cross-site checks read those lines as headers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csrf.h"
#include "dn.h"
#include "jobspec.h"
#include "route.h"

static const struct spec_limits lim = {
    .max_command_bytes = 4096, .max_args = 256, .default_timeout_s = 3600, .max_timeout_s = 86400};

/* The next line of the input as a C string (NULs inside end it early, as in a C header). */
static char *next_line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);
	memcpy(s, *p, n);
	s[n] = '\0';
	*p += n + (nl != NULL);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *method = next_line(&p, end), *path = next_line(&p, end);
	char *query = next_line(&p, end), *dn = next_line(&p, end);
	size_t blen = (size_t)(end - p);
	char *body = malloc(blen + 1);
	memcpy(body, p, blen);
	body[blen] = '\0';

	struct route rt;
	struct apierr err;
	const char *allow;
	if (route_parse(method, path, query, &rt, &err, &allow) == 0) {
		if (rt.op == PROTO_GET || rt.op == PROTO_STOP || rt.op == PROTO_OUTPUT)
			if (!proto_id_valid(rt.id))
				abort();
		if (rt.wait_s < 0 || rt.wait_s > PROTO_MAX_WAIT_S)
			abort();
	} else if (err.status != 400 && err.status != 404 && err.status != 405) {
		abort();
	}

	struct identity id;
	const char *why;
	if (dn_identity(dn, &id, &why) == 0 &&
	    (id.user[0] == '\0' || strlen(id.user) > PROTO_MAX_USER))
		abort();

	/* The same lines as headers: Content-Length, Origin, Host, Content-Type. An Origin let
	 * through is exactly https:// and the Host. */
	const struct csrf_req rq = {.content_length = method,
				    .origin = *path ? path : NULL,
				    .host = query,
				    .content_type = dn};
	if (csrf_check(&rq, &err) == 0) {
		if (rq.origin &&
		    (strncmp(rq.origin, "https://", 8) != 0 || strcmp(rq.origin + 8, query) != 0))
			abort();
	} else if (err.status != 403 && err.status != 415) {
		abort();
	}

	struct jobspec spec;
	if (jobspec_parse(body, blen, &lim, &spec, &err) == 0) {
		if (spec.argc == 0 || spec.argv[spec.argc] || spec.argv[0][0] == '\0' ||
		    spec.timeout_s < 1 || spec.timeout_s > lim.max_timeout_s ||
		    (long)spec.command_bytes > lim.max_command_bytes)
			abort();
		jobspec_free(&spec);
	} else if (err.status != 400) {
		abort();
	}
	free(method);
	free(path);
	free(query);
	free(dn);
	free(body);
	return 0;
}
