/* call: calls to the API and their answers; see call.h. */
#include "call.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "proto.h"
#include "rest.h"
#include "show.h"

void call_error(const char *fmt, ...)
{
	va_list ap;
	fputs("jobctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The exit status of an answer that is not 2xx, after saying its message. */
static int refused(const struct rest_resp *r, const cJSON *json)
{
	char msg[512];
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(json, "error"), "code");
	rest_error_message(r, msg, sizeof msg);
	struct buf esc = BUF_INIT;
	show_escape(&esc, msg, strlen(msg), false);
	buf_putc(&esc, '\0');
	call_error("%s", buf_ok(&esc) ? buf_head(&esc) : "error");
	buf_free(&esc);
	/* A refused certificate is a TLS failure, whatever layer noticed it. */
	return cJSON_IsString(code) && strcmp(code->valuestring, "bad_certificate") == 0
		   ? EXIT_NO_ANSWER
		   : EXIT_REFUSED;
}

int call_json(struct jobctl *x, const char *method, const char *path, const char *body, cJSON **out,
	      bool print_json)
{
	struct rest_resp r;
	int rc = 0;

	if (out)
		*out = NULL;
	if (rest_call(&x->conf, method, path, body, NULL, NULL, &r) < 0) {
		call_error("%s", r.failure);
		rest_resp_free(&r);
		return EXIT_NO_ANSWER;
	}
	cJSON *json = cJSON_ParseWithLength(buf_head(&r.body), buf_used(&r.body));
	if (r.status < 200 || r.status > 299) {
		rc = refused(&r, json);
	} else if (!json) {
		call_error("unexpected answer from the server (HTTP %ld, not JSON)", r.status);
		rc = EXIT_REFUSED;
	} else if (print_json && x->json) {
		fwrite(buf_head(&r.body), 1, buf_used(&r.body), stdout);
	}
	if (rc == 0 && out)
		*out = json;
	else
		cJSON_Delete(json);
	rest_resp_free(&r);
	return rc;
}

static int write_out(void *ctx, const char *p, size_t n)
{
	bool flush = *(bool *)ctx;
	if (fwrite(p, 1, n, stdout) != n)
		return -1;
	return flush && fflush(stdout) != 0 ? -1 : 0;
}

static int collect(void *ctx, const char *p, size_t n)
{
	buf_append(ctx, p, n);
	return buf_ok(ctx) ? 0 : -1;
}

int call_show_output(struct jobctl *x, const char *id)
{
	char path[128];
	struct rest_resp r;
	struct buf out = BUF_INIT;
	int rc = 0;
	snprintf(path, sizeof path, "/jobs/%s/output", id);
	if (rest_call(&x->conf, "GET", path, NULL, collect, &out, &r) < 0) {
		call_error("%s", r.failure);
		rc = EXIT_NO_ANSWER;
	} else if (r.status == 200) {
		show_output(stdout, buf_head(&out), buf_used(&out));
	}
	rest_resp_free(&r);
	buf_free(&out);
	return rc;
}

int call_stream_output(struct jobctl *x, const char *id, bool follow)
{
	char path[128];
	struct rest_resp r;
	snprintf(path, sizeof path, "/jobs/%s/output%s", id, follow ? "?follow=1" : "");
	int rc = rest_call(&x->conf, "GET", path, NULL, write_out, &follow, &r);
	if (rc < 0) {
		call_error("%s", r.failure);
		rest_resp_free(&r);
		return EXIT_NO_ANSWER;
	}
	fflush(stdout);
	if (r.status != 200) {
		char msg[512];
		rest_error_message(&r, msg, sizeof msg);
		call_error("%s", msg);
		rc = EXIT_REFUSED;
	}
	rest_resp_free(&r);
	return rc;
}

/* Re-asks within the server's bound on one wait (PROTO_MAX_WAIT_S). */
int call_wait(struct jobctl *x, const char *id, long timeout_s, cJSON **out)
{
	time_t deadline = time(NULL) + (timeout_s < 0 ? 0 : timeout_s);
	*out = NULL;
	for (;;) {
		long left = timeout_s < 0 ? PROTO_MAX_WAIT_S : (long)(deadline - time(NULL));
		char path[128];
		cJSON *job;
		if (left < 0)
			left = 0;
		snprintf(path, sizeof path, "/jobs/%s?wait=%ld", id,
			 left > PROTO_MAX_WAIT_S ? (long)PROTO_MAX_WAIT_S : left);
		int rc = call_json(x, "GET", path, NULL, &job, false);
		if (rc)
			return rc;
		cJSON_Delete(*out);
		*out = job;
		if (!jobview_active(job))
			return 0;
		if (timeout_s >= 0 && time(NULL) >= deadline)
			return EXIT_TIMED_OUT;
	}
}

void call_print_json(const cJSON *v)
{
	char *text = cJSON_PrintUnformatted(v);
	if (text)
		printf("%s\n", text);
	free(text);
}
