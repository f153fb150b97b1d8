/* rest: jobctl's HTTPS calls to the job worker's REST API; see rest.h. */
#include "rest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

struct call {
	struct rest_resp *resp;
	CURL *curl;
	rest_sink sink;
	void *ctx;
	int sink_failed;
};

int rest_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void rest_fini(void)
{
	curl_global_cleanup();
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct call *c = arg;
	size_t len = size * n;
	long status = 0;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (c->sink && status >= 200 && status < 300) {
		if (c->sink(c->ctx, p, len) < 0) {
			c->sink_failed = 1;
			return 0;
		}
		return len;
	}
	buf_append(&c->resp->body, p, len);
	return buf_ok(&c->resp->body) ? len : 0;
}

/* The one header jobctl reads: where an output answer begins within the job's output. */
static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct call *c = arg;
	size_t len = size * n;
	static const char name[] = "x-output-offset:";
	if (len > sizeof name && strncasecmp(p, name, sizeof name - 1) == 0) {
		char v[32];
		size_t k =
		    len - (sizeof name - 1) < sizeof v - 1 ? len - (sizeof name - 1) : sizeof v - 1;
		memcpy(v, p + sizeof name - 1, k);
		v[k] = '\0';
		c->resp->output_offset = strtoll(v, NULL, 10);
	}
	return len;
}

/* A certificate or key file that cannot be read is named plainly, before curl's vaguer error. */
static int check_file(const char *what, const char *path, struct rest_resp *resp)
{
	if (access(path, R_OK) == 0)
		return 0;
	snprintf(resp->failure, sizeof resp->failure, "cannot read the %s %s: %s", what, path,
		 strerror(errno));
	return -1;
}

static void describe_failure(const struct rest_conf *conf, CURLcode rc, const char *detail,
			     struct rest_resp *resp)
{
	const char *d = *detail ? detail : curl_easy_strerror(rc);
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		snprintf(resp->failure, sizeof resp->failure,
			 "cannot connect to %s: connection refused; is `make run` running?",
			 conf->url);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(resp->failure, sizeof resp->failure, "cannot connect to %s: %s", conf->url,
			 d);
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
		snprintf(resp->failure, sizeof resp->failure, "TLS with %s failed: %s", conf->url,
			 d);
		break;
	default:
		snprintf(resp->failure, sizeof resp->failure, "talking to %s failed: %s", conf->url,
			 d);
	}
}

static int perform(const struct rest_conf *conf, const char *method, const char *path,
		   const char *body, const char *header, rest_sink sink, void *ctx,
		   struct rest_resp *resp)
{
	char url[2048], errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL;
	struct call c = {.resp = resp, .sink = sink, .ctx = ctx};

	memset(resp, 0, sizeof *resp);
	resp->output_offset = -1;
	if (check_file("client certificate", conf->cert, resp) < 0 ||
	    check_file("client key", conf->key, resp) < 0 ||
	    check_file("CA certificate", conf->cacert, resp) < 0)
		return -1;
	/* https://host:port/ and https://host:port are the same server. */
	size_t base = strlen(conf->url);
	while (base > 0 && conf->url[base - 1] == '/')
		base--;
	if ((size_t)snprintf(url, sizeof url, "%.*s%s", (int)base, conf->url, path) >= sizeof url) {
		snprintf(resp->failure, sizeof resp->failure, "the URL is too long");
		return -1;
	}
	c.curl = curl_easy_init();
	if (!c.curl) {
		snprintf(resp->failure, sizeof resp->failure, "cannot initialise libcurl");
		return -1;
	}
	CURL *h = c.curl;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_SSLCERT, conf->cert);
	curl_easy_setopt(h, CURLOPT_SSLKEY, conf->key);
	curl_easy_setopt(h, CURLOPT_CAINFO, conf->cacert);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "jobctl");
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &c);
	if (header)
		headers = curl_slist_append(headers, header);
	if (body) {
		headers = curl_slist_append(headers, "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	}
	if (headers)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && c.sink_failed))
		describe_failure(conf, rc, errbuf, resp);
	curl_slist_free_all(headers);
	curl_easy_cleanup(h);
	if (rc != CURLE_OK && !c.sink_failed) {
		resp->status = 0;
		return -1;
	}
	return 0;
}

int rest_call(const struct rest_conf *conf, const char *method, const char *path, const char *body,
	      rest_sink sink, void *ctx, struct rest_resp *resp)
{
	return perform(conf, method, path, body, NULL, sink, ctx, resp);
}

int rest_get(const struct rest_conf *conf, const char *path, const char *header, rest_sink sink,
	     void *ctx, struct rest_resp *resp)
{
	return perform(conf, "GET", path, NULL, header, sink, ctx, resp);
}

void rest_resp_free(struct rest_resp *resp)
{
	buf_free(&resp->body);
}

void rest_error_message(const struct rest_resp *resp, char *dst, size_t cap)
{
	cJSON *o = cJSON_ParseWithLength(buf_head(&resp->body), buf_used(&resp->body));
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "error"), "message");
	if (cJSON_IsString(m))
		snprintf(dst, cap, "%s", m->valuestring);
	else
		snprintf(dst, cap, "unexpected answer from the server (HTTP %ld)", resp->status);
	cJSON_Delete(o);
}
