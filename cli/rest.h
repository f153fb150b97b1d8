/*
 * rest: jobctl's HTTPS calls to the job worker's REST API, with libcurl and the client
 * certificate. (jobapi, in fcgi/, is the server side of the same API.)
 *
 * A call either gets an HTTP answer (any status; its body in resp->body, or, for a stream,
 * handed to a sink as it arrives) or fails to: then resp->failure explains in one line (cannot
 * connect, TLS refused) and the caller exits 3.
 */
#ifndef REST_H
#define REST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct rest_conf {
	const char *url; /* https://host:port, without a trailing slash */
	const char *cert;
	const char *key;
	const char *cacert;
};

/* Receives the body of a 2xx answer as it arrives; returns 0, or -1 to stop. */
typedef int (*rest_sink)(void *ctx, const char *p, size_t n);

struct rest_resp {
	long status;	       /* 0 when no answer came */
	struct buf body;       /* the body (only the error body of a streamed call) */
	int64_t output_offset; /* an output answer's X-Output-Offset, or -1 */
	char failure[512];
};

int rest_init(void);
void rest_fini(void);
/* 0 with an answer in *resp, or -1 with resp->failure. resp must be freed with rest_resp_free. */
int rest_call(const struct rest_conf *conf, const char *method, const char *path, const char *body,
	      rest_sink sink, void *ctx, struct rest_resp *resp);
/* A GET with one more request header ("Range: bytes=N-", "Last-Event-ID: 7"; NULL: none). */
int rest_get(const struct rest_conf *conf, const char *path, const char *header, rest_sink sink,
	     void *ctx, struct rest_resp *resp);
void rest_resp_free(struct rest_resp *resp);

/* The message of an API error body, or a description of an unexpected answer, into dst. */
void rest_error_message(const struct rest_resp *resp, char *dst, size_t cap);

#endif
