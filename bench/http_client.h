/*
 * http_client: what the benchmark's and the soak's load generators share. libcurl easy handles with
 * the client certificate of a user, one request at a time on a kept connection, and the body
 * collected in a growing buffer.
 */
#ifndef BENCH_HTTP_CLIENT_H
#define BENCH_HTTP_CLIENT_H

#include <stddef.h>
#include <time.h>

#include <curl/curl.h>

/* A response body, NUL-terminated; p is the owner's to free(). */
struct body {
	char *p;
	size_t n;
	size_t cap;
};

/* A handle with the certificate cert and key, trusting cacert (the strings are not copied: they
 * must outlive it); connecting gives up after 10 s, a request never (set CURLOPT_TIMEOUT for
 * that). curl_easy_cleanup() frees it. Exits on failure. */
CURL *http_handle(const char *cert, const char *key, const char *cacert);

/* One request on h to base (https://localhost:PORT) followed by path; post is the body or NULL.
 * The status, or 0 on a transport error (then *err, if not NULL, holds curl's code); the body
 * is in b. */
long http_request(CURL *h, const char *base, const char *method, const char *path, const char *post,
		  struct body *b, CURLcode *err);

/* The time on clock, in seconds. */
double http_now(clockid_t clock);

#endif
