/*
 * api: jobctl's HTTPS calls to the job worker, with libcurl and the client certificate.
 *
 * A call either gets an HTTP answer (any status; its body in resp->body, or, for a stream,
 * handed to a sink as it arrives) or fails to: then resp->failure explains in one line (cannot
 * connect, TLS refused) and the caller exits 3.
 */
#ifndef API_H
#define API_H

#include <stddef.h>

#include "buf.h"

struct api_conf {
	const char *url; /* https://host:port, without a trailing slash */
	const char *cert;
	const char *key;
	const char *cacert;
};

/* Receives the body of a 2xx answer as it arrives; returns 0, or -1 to stop. */
typedef int (*api_sink)(void *ctx, const char *p, size_t n);

struct api_resp {
	long status;	 /* 0 when no answer came */
	struct buf body; /* the body (only the error body of a streamed call) */
	char failure[512];
};

int api_init(void);
void api_fini(void);
/* 0 with an answer in *resp, or -1 with resp->failure. resp must be freed with api_resp_free. */
int api_call(const struct api_conf *conf, const char *method, const char *path, const char *body,
	     api_sink sink, void *ctx, struct api_resp *resp);
void api_resp_free(struct api_resp *resp);

/* The message of an API error body, or a description of an unexpected answer, into dst. */
void api_error_message(const struct api_resp *resp, char *dst, size_t cap);

#endif
