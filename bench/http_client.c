/* http_client: libcurl handles and requests for the benchmark and the soak (see http_client.h). */
#include "http_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = size * n;
	if (b->n + len + 1 > b->cap) {
		size_t cap = (b->n + len + 1) * 2;
		char *np = realloc(b->p, cap);
		if (!np)
			return 0; /* curl ends the transfer with an error */
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, len);
	b->n += len;
	b->p[b->n] = '\0';
	return len;
}

CURL *http_handle(const char *cert, const char *key, const char *cacert)
{
	CURL *h = curl_easy_init();
	if (!h) {
		fprintf(stderr, "cannot make a curl handle\n");
		exit(1);
	}
	curl_easy_setopt(h, CURLOPT_SSLCERT, cert);
	curl_easy_setopt(h, CURLOPT_SSLKEY, key);
	curl_easy_setopt(h, CURLOPT_CAINFO, cacert);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	return h;
}

long http_request(CURL *h, const char *base, const char *method, const char *path, const char *post,
		  struct body *b, CURLcode *err)
{
	char url[512];
	long status = 0;
	snprintf(url, sizeof url, "%s%s", base, path);
	b->n = 0;
	if (b->p)
		b->p[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	/* A POST always has a body (perhaps empty), declared JSON as the API requires (libcurl
	 * would say form-urlencoded); anything else none, even on a handle that posted before. */
	struct curl_slist *json = NULL;
	if (post || !strcmp(method, "POST")) {
		json = curl_slist_append(NULL, "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, post ? post : "");
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, json);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	CURLcode rc = curl_easy_perform(h);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(json);
	if (err)
		*err = rc;
	if (rc != CURLE_OK)
		return 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

double http_now(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
