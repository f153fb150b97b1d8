/* csrf: cross-site request refusal; see csrf.h. */
#include "csrf.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define JSON_TYPE "application/json"

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

bool csrf_is_json(const char *content_type)
{
	if (!content_type)
		return false;
	const char *p = skip_space(content_type);
	if (strncasecmp(p, JSON_TYPE, strlen(JSON_TYPE)) != 0)
		return false;
	/* Whitespace may stand before the parameters (RFC 9110 8.3.1), but nothing else may
	 * follow the subtype: "application/jsonp" is another type. */
	p = skip_space(p + strlen(JSON_TYPE));
	return *p == '\0' || *p == ';';
}

/* A request has a body when it says so (RFC 9112 6.1): a Content-Length other than zero, or
 * any Transfer-Encoding. A length that is not a number counts as a body: it is refused later. */
static bool has_body(const struct csrf_req *rq)
{
	if (rq->transfer_encoding && *rq->transfer_encoding)
		return true;
	const char *n = rq->content_length ? rq->content_length : "";
	while (*n == '0')
		n++;
	return *n != '\0';
}

/* The Origin, when given, must be exactly https://HOST: a browser sends it as scheme, host and
 * port, as the page it came from was reached, so the service's own pages match byte for byte.
 * "null" (a sandboxed or file page) and an empty one are foreign too. */
static bool origin_allowed(const struct csrf_req *rq)
{
	static const char scheme[] = "https://";
	const size_t n = sizeof scheme - 1;
	if (!rq->origin)
		return true;
	if (!rq->host || !*rq->host || strncmp(rq->origin, scheme, n) != 0)
		return false;
	return strcmp(rq->origin + n, rq->host) == 0;
}

int csrf_check(const struct csrf_req *rq, struct apierr *err)
{
	if (!origin_allowed(rq)) {
		apierr_set(err, 403, "forbidden",
			   "requests from another origin (%.100s) are refused; this service's "
			   "origin is https://%.100s",
			   rq->origin,
			   rq->host && *rq->host ? rq->host : "HOST (the request has none)");
		return -1;
	}
	if (has_body(rq) && !csrf_is_json(rq->content_type)) {
		/* nginx passes an absent Content-Type as an empty one. */
		bool typed = rq->content_type && *rq->content_type;
		apierr_set(err, 415, "unsupported_media_type",
			   "send the body with Content-Type: application/json (it came %s%.100s)",
			   typed ? "as " : "without a Content-Type", typed ? rq->content_type : "");
		return -1;
	}
	return 0;
}
