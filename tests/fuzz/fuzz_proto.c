/*
 * Fuzz target: jobsupd's decoding of what arrives on its socket: frame headers and request
 * payloads. Input: a 12-byte header, then the payload. A request that decodes must encode and
 * decode again to the same request.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static const struct spec_limits lim = {
    .max_command_bytes = 4096, .max_args = 256, .default_timeout_s = 3600, .max_timeout_s = 86400};

static void same(const struct proto_req *a, const struct proto_req *b)
{
	if (a->type != b->type || strcmp(a->user, b->user) || a->admin != b->admin ||
	    strcmp(a->id, b->id) || a->wait_s != b->wait_s || a->follow != b->follow ||
	    a->spec.argc != b->spec.argc || a->spec.timeout_s != b->spec.timeout_s)
		abort();
	for (size_t i = 0; i < a->spec.argc; i++)
		if (strcmp(a->spec.argv[i], b->spec.argv[i]))
			abort();
}

/* A reply that decodes encodes to the same payload, and decodes the same again. */
static void reply_round_trip(uint16_t status, const char *payload, size_t len)
{
	struct proto_reply r, again;
	struct proto_hdr h;
	if (proto_reply_decode(status, payload, len, &r) < 0)
		return;
	struct buf b = BUF_INIT;
	proto_reply(&b, status, r.body, r.id, r.data, r.len);
	if (!buf_ok(&b) || proto_hdr_get((const uint8_t *)buf_head(&b), &h) != PROTO_HDR_OK ||
	    h.len != len || memcmp(buf_head(&b) + PROTO_HDR_LEN, payload, len) != 0 ||
	    proto_reply_decode(h.status, buf_head(&b) + PROTO_HDR_LEN, h.len, &again) < 0 ||
	    again.status != status || again.body != r.body || strcmp(again.id, r.id) != 0 ||
	    again.len != r.len)
		abort();
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_hdr h;
	struct proto_req req, again;
	struct apierr err;

	if (size < PROTO_HDR_LEN)
		return 0;
	if (proto_hdr_get(data, &h) == PROTO_HDR_BAD_MAGIC)
		return 0;
	const char *payload = (const char *)data + PROTO_HDR_LEN;
	size_t len = size - PROTO_HDR_LEN;
	if (h.type == PROTO_REPLY) {
		reply_round_trip(h.status, payload, len);
		return 0;
	}
	if (proto_req_decode(h.type, payload, len, &lim, &req, &err) < 0) {
		if (err.status != 400)
			abort();
		return 0;
	}
	struct buf b = BUF_INIT;
	proto_req_encode(&b, &req);
	if (!buf_ok(&b) || proto_hdr_get((const uint8_t *)buf_head(&b), &h) != PROTO_HDR_OK ||
	    h.len + PROTO_HDR_LEN != buf_used(&b))
		abort();
	if (proto_req_decode(h.type, buf_head(&b) + PROTO_HDR_LEN, h.len, &lim, &again, &err) < 0)
		abort();
	same(&req, &again);
	proto_req_free(&again);
	proto_req_free(&req);
	buf_free(&b);
	return 0;
}
