/* handler: one HTTP request; see handler.h. */
#include "handler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csrf.h"
#include "dn.h"
#include "http.h"
#include "log.h"
#include "output.h"
#include "route.h"

static const char *param(FCGX_Request *r, const char *name)
{
	const char *v = FCGX_GetParam(name, r->envp);
	return v ? v : "";
}

/* Who is asking: 0, or -1 after answering 403. */
static int authenticate(FCGX_Request *r, struct identity *id)
{
	struct apierr err;
	const char *verify = param(r, "SSL_CLIENT_VERIFY");
	const char *why;

	if (strcmp(verify, "SUCCESS") != 0) {
		apierr_set(&err, 403, "forbidden",
			   "a verified client certificate is required (verification: %.64s)",
			   *verify ? verify : "none");
		http_error(r->out, &err, NULL);
		return -1;
	}
	if (dn_identity(param(r, "SSL_CLIENT_S_DN"), id, &why) < 0) {
		apierr_set(&err, 403, "forbidden", "%s", why);
		http_error(r->out, &err, NULL);
		return -1;
	}
	return 0;
}

/* Refuse what another web site could have made a browser send: 0, or -1 with *err. */
static int same_site(FCGX_Request *r, struct apierr *err)
{
	/* FCGX_GetParam, not param(): an absent header and an empty one differ here. */
	const struct csrf_req rq = {
	    .origin = FCGX_GetParam("HTTP_ORIGIN", r->envp),
	    .host = FCGX_GetParam("HTTP_HOST", r->envp),
	    .content_type = FCGX_GetParam("CONTENT_TYPE", r->envp),
	    .content_length = FCGX_GetParam("CONTENT_LENGTH", r->envp),
	    .transfer_encoding = FCGX_GetParam("HTTP_TRANSFER_ENCODING", r->envp),
	};
	return csrf_check(&rq, err);
}

/* Read the whole body (at most BODY_MAX bytes). The caller frees *body. 0 or -1 (*err). */
static int read_body(FCGX_Request *r, char **body, size_t *len, struct apierr *err)
{
	const char *cl = param(r, "CONTENT_LENGTH");
	char *end;
	unsigned long n = strtoul(cl, &end, 10);
	if (*cl && (*end || cl[0] == '-')) {
		apierr_set(err, 400, "invalid_request", "Content-Length is not a number");
		return -1;
	}
	if (n > BODY_MAX) {
		apierr_set(err, 413, "too_large", "the body is %lu bytes; the limit is %d", n,
			   BODY_MAX);
		return -1;
	}
	char *b = malloc(BODY_MAX + 2);
	if (!b) {
		apierr_set(err, 500, "internal", "out of memory");
		return -1;
	}
	/* Without a length, read to the end, but never past the limit. */
	int want = *cl ? (int)n : BODY_MAX + 1;
	int got = want > 0 ? FCGX_GetStr(b, want, r->in) : 0;
	if (got > BODY_MAX) {
		free(b);
		apierr_set(err, 413, "too_large", "the body is over the limit of %d bytes",
			   BODY_MAX);
		return -1;
	}
	if (*cl && got != want) {
		free(b);
		apierr_set(err, 400, "invalid_request", "the body ended before Content-Length");
		return -1;
	}
	b[got] = '\0';
	*body = b;
	*len = (size_t)got;
	return 0;
}

/* The Last-Event-ID of a client resuming an event stream (0: none). */
static int last_event_id(FCGX_Request *r, uint64_t *id, struct apierr *err)
{
	const char *v = param(r, "HTTP_LAST_EVENT_ID");
	*id = 0;
	if (*v && proto_event_id(v, id) < 0) {
		apierr_set(err, 400, "invalid_request",
			   "Last-Event-ID: %.32s: an event id is a number this service gave", v);
		return -1;
	}
	return 0;
}

/* Long-lived requests (follows, waits) take a slot, so that they cannot take every thread. */
static bool take_long_slot(struct api *api)
{
	if (atomic_fetch_add(&api->nlong, 1) < api->max_long)
		return true;
	atomic_fetch_sub(&api->nlong, 1);
	return false;
}

static const int counted[API_STATUSES] = {200, 201, 400, 403, 404, 405,
					  409, 413, 415, 429, 500, 503};

static void count(struct api *api, int status)
{
	int i = 0;
	while (i < API_STATUSES - 1 && counted[i] != status)
		i++;
	atomic_fetch_add(&api->requests[i], 1); /* the last counts any other status */
}

/* GET /metrics: jobsupd's figures, then jobapi's own request counts. */
static int send_metrics(struct api *api, FCGX_Request *r, const struct proto_reply *reply)
{
	char line[160];
	FCGX_PutS("Status: 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
		  "Cache-Control: no-store\r\n\r\n",
		  r->out);
	FCGX_PutStr(reply->data, (int)reply->len, r->out);
	FCGX_PutS("# HELP jobworker_http_requests_total Requests jobapi answered, by status.\n"
		  "# TYPE jobworker_http_requests_total counter\n",
		  r->out);
	for (int i = 0; i < API_STATUSES; i++) {
		unsigned long n = atomic_load(&api->requests[i]);
		if (i < API_STATUSES - 1)
			snprintf(line, sizeof line,
				 "jobworker_http_requests_total{status=\"%d\"} %lu\n", counted[i],
				 n);
		else
			snprintf(line, sizeof line,
				 "jobworker_http_requests_total{status=\"other\"} %lu\n", n);
		FCGX_PutS(line, r->out);
	}
	return 200;
}

/* GET /healthz: 200 when jobsupd answers a handshake now (on a kept connection too). */
static int send_health(FCGX_Request *r, struct supclient *sc)
{
	struct apierr err;
	struct proto_reply reply;
	struct proto_req hello = {.type = PROTO_HELLO};
	int rc = supc_call(sc, &hello, -1, &reply, &err);
	if (rc < 0 || reply.status != 200) {
		if (rc == 0 || err.status != 503)
			apierr_set(&err, 503, "unavailable", "the job supervisor did not answer");
		http_error(r->out, &err, NULL);
		return err.status;
	}
	static const char ok[] = "{\"status\":\"ok\",\"supervisor\":\"reachable\"}";
	http_json(r->out, 200, ok, sizeof ok - 1, NULL);
	return 200;
}

/* Send the request to jobsupd and pass its answer on; the status answered. */
static int relay(struct api *api, FCGX_Request *r, struct supclient *sc, struct proto_req *req,
		 const struct route *rt, bool long_lived)
{
	struct proto_reply reply;
	struct apierr err;
	int rc = supc_call(sc, req, long_lived ? r->ipcFd : -1, &reply, &err);
	if (rc == -2)
		return 0; /* the client went away */
	if (rc < 0) {
		http_error(r->out, &err, NULL);
		return err.status;
	}
	if (reply.body == PROTO_BODY_EVENTS)
		return output_events(r, sc);
	if (reply.body == PROTO_BODY_STREAM || reply.body == PROTO_BODY_SPOOL)
		return output_relay(r, sc, rt, &reply, param(r, "HTTP_RANGE"));
	if (reply.body == PROTO_BODY_TEXT)
		return send_metrics(api, r, &reply);
	char location[PROTO_MAX_ID + 8] = "";
	if (reply.status == 201 && reply.id[0])
		snprintf(location, sizeof location, "/jobs/%s", reply.id);
	http_json(r->out, reply.status, reply.data, reply.len, location[0] ? location : NULL);
	return reply.status;
}

void handle_request(struct api *api, FCGX_Request *r)
{
	struct identity id;
	struct route rt;
	struct apierr err;
	const char *allow = NULL;
	char *body = NULL;
	bool long_lived = false;
	struct proto_req req;
	int status;

	memset(&req, 0, sizeof req);
	if (authenticate(r, &id) < 0) {
		count(api, 403);
		return;
	}
	if (same_site(r, &err) < 0) {
		http_error(r->out, &err, NULL);
		count(api, err.status);
		return;
	}
	struct supclient *sc = pool_take(&api->pool);
	if (!sc) {
		apierr_set(&err, 503, "unavailable", "jobapi is out of memory; try again later");
		goto fail;
	}
	const char *path = param(r, "DOCUMENT_URI");
	if (!*path)
		path = param(r, "SCRIPT_NAME");
	if (route_parse(param(r, "REQUEST_METHOD"), path, param(r, "QUERY_STRING"), &rt, &err,
			&allow) < 0)
		goto fail;
	if (rt.op == PROTO_HELLO) {
		status = send_health(r, sc);
		goto out;
	}
	if (rt.op == PROTO_METRICS && !id.admin) {
		apierr_set(&err, 403, "forbidden", "metrics are for admins (OU=admins)");
		goto fail;
	}

	req.type = rt.op;
	memcpy(req.user, id.user, sizeof req.user);
	req.admin = id.admin;
	memcpy(req.id, rt.id, sizeof req.id);
	req.wait_s = rt.wait_s;
	req.follow = rt.follow;
	req.signal = rt.signal;
	if (rt.op == PROTO_EVENTS && last_event_id(r, &req.last_event_id, &err) < 0)
		goto fail;

	if (rt.op == PROTO_START) {
		size_t len;
		if (read_body(r, &body, &len, &err) < 0)
			goto fail;
		/* The limits are jobsupd's: they come with the connection's handshake. */
		if (supc_connect(sc, &err) < 0)
			goto fail;
		if (jobspec_parse(body, len, &sc->limits, &req.spec, &err) < 0)
			goto fail;
	}
	/* Following, waiting and stopping (which answers once the job has ended) last. */
	if (req.follow || req.wait_s > 0 || rt.op == PROTO_STOP || rt.op == PROTO_STOPALL ||
	    rt.op == PROTO_EVENTS) {
		if (!take_long_slot(api)) {
			apierr_set(
			    &err, 503, "unavailable",
			    "too many clients are following output, waiting or stopping jobs "
			    "(%ld, --max-followers); try again later",
			    api->max_long);
			goto fail;
		}
		long_lived = true;
	}
	status = relay(api, r, sc, &req, &rt, long_lived);
	goto out;
fail:
	http_error(r->out, &err, err.status == 405 ? allow : NULL);
	status = err.status;
out:
	if (status)
		count(api, status);
	if (long_lived)
		atomic_fetch_sub(&api->nlong, 1);
	pool_give(&api->pool, sc);
	jobspec_free(&req.spec);
	free(body);
}
