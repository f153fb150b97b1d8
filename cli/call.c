/* call: calls to the API and their answers; see call.h. */
#include "call.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* Following: how many bytes came, so that a dropped connection resumes after the last. */
struct streamed {
	bool flush;
	uint64_t got;
};

static int write_counted(void *ctx, const char *p, size_t n)
{
	struct streamed *s = ctx;
	if (write_out(&s->flush, p, n) < 0)
		return -1;
	s->got += n;
	return 0;
}

/* One request for the output: the first asks for what o asks; the ones after a dropped
 * connection for the rest, from byte from of the view (a Range). */
static int ask_output(struct jobctl *x, const char *id, const struct output_opts *o, int64_t from,
		      struct streamed *s, struct rest_resp *r)
{
	char path[192], range[48];
	int n = snprintf(path, sizeof path, "/jobs/%s/output?%s", id, o->follow ? "follow=1" : "");
	if (o->stream)
		n += snprintf(path + n, sizeof path - (size_t)n, "%sstream=%s",
			      o->follow ? "&" : "", o->stream);
	if (o->tail && from < 0)
		snprintf(path + n, sizeof path - (size_t)n, "%stail=%ld",
			 o->follow || o->stream ? "&" : "", o->tail);
	snprintf(range, sizeof range, "Range: bytes=%lld-", (long long)from);
	return rest_get(&x->conf, path, from >= 0 ? range : NULL, write_counted, s, r);
}

/* A follower whose connection dropped tries again this often, this many times in a row. */
#define RESUME_WAIT_S 1
#define RESUME_TRIES 60

/*
 * Following resumes: a stream that ends, cut off or not (a proxy may end a cut stream as if it
 * were whole), is asked for again from the next byte, until the server says there is no such
 * byte (416: the job has ended, and everything was received). Without a spool the server
 * gives no X-Output-Offset, and a follow cannot resume.
 */
int call_stream_output(struct jobctl *x, const char *id, const struct output_opts *o)
{
	struct streamed s = {.flush = o->follow};
	int64_t start = -1; /* where the first answer began in the job's output */
	int tries = 0;
	for (bool first = true;; first = false) {
		struct rest_resp r;
		uint64_t before = s.got;
		int rc = ask_output(x, id, o, first ? -1 : start + (int64_t)s.got, &s, &r);
		fflush(stdout);
		bool answered = rc == 0 && (r.status == 200 || r.status == 206);
		if (answered && first)
			start = r.output_offset;
		bool again = o->follow && start >= 0 &&
			     (answered || rc < 0 || r.status == 502 || r.status == 503);
		if (again && (answered || s.got > before || ++tries <= RESUME_TRIES)) {
			if (s.got > before)
				tries = 0;
			rest_resp_free(&r);
			if (!answered)
				sleep(RESUME_WAIT_S);
			continue;
		}
		int status = 0;
		if (rc < 0) {
			call_error("%s", r.failure);
			status = EXIT_NO_ANSWER;
		} else if (r.status == 416 && !first) {
			status =
			    0; /* resumed at the very end of an ended job: nothing is missing */
		} else if (!answered) {
			char msg[512];
			rest_error_message(&r, msg, sizeof msg);
			call_error("%s", msg);
			status = EXIT_REFUSED;
		}
		rest_resp_free(&r);
		return status;
	}
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
