/* http: FastCGI responses; see http.h. */
#include "http.h"

#include <stdio.h>

#include "buf.h"

/* Seconds a client should wait before retrying a 429 or 503. */
#define RETRY_AFTER "1"

const char *http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 206:
		return "Partial Content";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Payload Too Large";
	case 415:
		return "Unsupported Media Type";
	case 416:
		return "Range Not Satisfiable";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

/* Headers are formatted with snprintf: libfcgi's own FCGX_FPrintF does not know %zu. */
void http_json(FCGX_Stream *out, int status, const char *body, size_t len, const char *location)
{
	char head[512];
	int n = snprintf(head, sizeof head,
			 "Status: %d %s\r\nContent-Type: application/json\r\n"
			 "Content-Length: %zu\r\nCache-Control: no-store\r\n%s%s%s%s\r\n",
			 status, http_reason(status), len + 1, location ? "Location: " : "",
			 location ? location : "", location ? "\r\n" : "",
			 status == 429 || status == 503 ? "Retry-After: " RETRY_AFTER "\r\n" : "");
	FCGX_PutStr(head, n < (int)sizeof head ? n : (int)sizeof head - 1, out);
	FCGX_PutStr(body, (int)len, out);
	FCGX_PutS("\n", out);
}

void http_error(FCGX_Stream *out, const struct apierr *e, const char *allow)
{
	struct buf b = BUF_INIT;
	apierr_render(&b, e);
	if (allow) {
		FCGX_PutS("Allow: ", out);
		FCGX_PutS(allow, out);
		FCGX_PutS("\r\n", out);
	}
	if (buf_ok(&b))
		http_json(out, e->status, buf_head(&b), buf_used(&b), NULL);
	else
		http_json(out, 500, "{}", 2, NULL);
	buf_free(&b);
}

void http_stream_head(FCGX_Stream *out, int status, bool live, const char *content_range,
		      int64_t length, int64_t offset)
{
	char head[256];
	int n = snprintf(head, sizeof head,
			 "Status: %d %s\r\nContent-Type: application/octet-stream\r\n"
			 "Cache-Control: no-store\r\nAccept-Ranges: bytes\r\n",
			 status, http_reason(status));
	FCGX_PutStr(head, n < (int)sizeof head ? n : (int)sizeof head - 1, out);
	if (content_range) {
		FCGX_PutS("Content-Range: ", out);
		FCGX_PutS(content_range, out);
		FCGX_PutS("\r\n", out);
	}
	if (offset >= 0) {
		n = snprintf(head, sizeof head, "X-Output-Offset: %lld\r\n", (long long)offset);
		FCGX_PutStr(head, n, out);
	}
	if (length >= 0) {
		n = snprintf(head, sizeof head, "Content-Length: %lld\r\n", (long long)length);
		FCGX_PutStr(head, n, out);
	}
	/* nginx buffers answers (so a slow client does not hold a jobapi thread), but must
	 * pass a live stream on as it comes. */
	FCGX_PutS(live ? "X-Accel-Buffering: no\r\n\r\n" : "\r\n", out);
}
