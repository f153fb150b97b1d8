/*
 * csrf: refusing what another web site can make a user's browser send. A browser that holds the
 * user's client certificate presents it on any request a page makes to this service, so the
 * certificate alone cannot tell the user's own request from a forged one. Two rules close that:
 * a body must be declared application/json (a page can send text/plain, urlencoded or multipart
 * bodies cross-site without asking, but not JSON: that needs a CORS preflight nobody answers),
 * and a request that carries an Origin (browsers send one cross-site) must carry the service's
 * own. Pure string work on the request's headers, so it is unit-tested on its own.
 */
#ifndef CSRF_H
#define CSRF_H

#include <stdbool.h>

#include "apierr.h"

/* What the check reads of a request: header values as nginx passes them, NULL when absent. */
struct csrf_req {
	const char *origin;	       /* Origin */
	const char *host;	       /* Host: the service's origin is https://HOST */
	const char *content_type;      /* Content-Type */
	const char *content_length;    /* Content-Length */
	const char *transfer_encoding; /* Transfer-Encoding */
};

/* 0 when the request may go on; -1 with *err: 403 forbidden for an Origin other than the
 * service's own, else 415 unsupported_media_type for a body not declared application/json. */
int csrf_check(const struct csrf_req *rq, struct apierr *err);

/* Whether a Content-Type is application/json: the media type case-insensitively, parameters
 * (such as "; charset=utf-8") allowed. NULL is not. */
bool csrf_is_json(const char *content_type);

#endif
