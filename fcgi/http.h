/*
 * http: writing jobapi's answers as FastCGI responses: JSON bodies with the contract's headers
 * (Location for 201, Retry-After for 429 and 503, Allow for 405), API errors, and the head of a
 * raw output stream that nginx must pass on unbuffered.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <fcgiapp.h>

#include "apierr.h"

const char *http_reason(int status);
/* location may be NULL. */
void http_json(FCGX_Stream *out, int status, const char *body, size_t len, const char *location);
/* allow may be NULL (it is set for 405). */
void http_error(FCGX_Stream *out, const struct apierr *e, const char *allow);
/* The head of an output stream; live (following) streams are not buffered by nginx. */
void http_stream_head(FCGX_Stream *out, bool live);

#endif
