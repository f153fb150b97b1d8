/*
 * http: writing jobapi's answers as FastCGI responses: JSON bodies with the contract's headers
 * (Location for 201, Retry-After for 429 and 503, Allow for 405), API errors, and the head of a
 * raw output stream that nginx must pass on unbuffered.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fcgiapp.h>

#include "apierr.h"

const char *http_reason(int status);
/* location may be NULL. */
void http_json(FCGX_Stream *out, int status, const char *body, size_t len, const char *location);
/* allow may be NULL (it is set for 405). */
void http_error(FCGX_Stream *out, const struct apierr *e, const char *allow);
/* The head of an output stream (status 200 or 206, with content_range then); live
 * (following) streams are not buffered by nginx; length is the Content-Length when known
 * (else -1); offset, when not -1, is where the body begins within the job's output (or the one
 * stream asked for), as X-Output-Offset: a client that loses the connection resumes from there
 * with a Range. */
void http_stream_head(FCGX_Stream *out, int status, bool live, const char *content_range,
		      int64_t length, int64_t offset);

#endif
