/* proto: frames and request payloads of the jobapi <-> jobsupd protocol; see proto.h. */
#include "proto.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void proto_hdr_put(uint8_t out[PROTO_HDR_LEN], uint8_t type, uint16_t status, uint32_t len)
{
	out[0] = 'J';
	out[1] = 'W';
	out[2] = PROTO_VERSION;
	out[3] = type;
	out[4] = (uint8_t)(status >> 8);
	out[5] = (uint8_t)status;
	out[6] = 0;
	out[7] = 0;
	out[8] = (uint8_t)(len >> 24);
	out[9] = (uint8_t)(len >> 16);
	out[10] = (uint8_t)(len >> 8);
	out[11] = (uint8_t)len;
}

enum proto_hdr_check proto_hdr_get(const uint8_t in[PROTO_HDR_LEN], struct proto_hdr *h)
{
	if (in[0] != 'J' || in[1] != 'W')
		return PROTO_HDR_BAD_MAGIC;
	h->version = in[2];
	h->type = in[3];
	h->status = (uint16_t)(in[4] << 8 | in[5]);
	h->len = (uint32_t)in[8] << 24 | (uint32_t)in[9] << 16 | (uint32_t)in[10] << 8 | in[11];
	return h->version == PROTO_VERSION ? PROTO_HDR_OK : PROTO_HDR_BAD_VERSION;
}

void proto_frame(struct buf *b, uint8_t type, uint16_t status, const void *payload, size_t len)
{
	uint8_t hdr[PROTO_HDR_LEN];
	proto_hdr_put(hdr, type, status, (uint32_t)len);
	buf_append(b, hdr, sizeof hdr);
	buf_append(b, payload, len);
}

size_t proto_reply_begin(struct buf *b, enum proto_body body, const char *id)
{
	uint8_t head[PROTO_HDR_LEN + 2] = {0};
	size_t at = buf_used(b), idlen = id ? strlen(id) : 0;
	if (idlen > PROTO_MAX_ID)
		idlen = 0;
	head[PROTO_HDR_LEN] = (uint8_t)body;
	head[PROTO_HDR_LEN + 1] = (uint8_t)idlen;
	buf_append(b, head, sizeof head);
	buf_append(b, id, idlen);
	return at;
}

int proto_reply_end(struct buf *b, size_t at, uint16_t status)
{
	size_t len = buf_used(b) - at - PROTO_HDR_LEN;
	if (!buf_ok(b) || len > PROTO_MAX_REPLY) {
		b->len = b->off + at;
		b->failed = false;
		return -1;
	}
	proto_hdr_put((uint8_t *)buf_head(b) + at, PROTO_REPLY, status, (uint32_t)len);
	return 0;
}

void proto_reply(struct buf *b, uint16_t status, enum proto_body body, const char *id,
		 const void *data, size_t len)
{
	size_t at = proto_reply_begin(b, body, id);
	buf_append(b, data, len);
	proto_reply_end(b, at, status);
}

int proto_reply_decode(uint16_t status, const char *payload, size_t len, struct proto_reply *out)
{
	memset(out, 0, sizeof *out);
	if (len < 2)
		return -1;
	size_t idlen = (uint8_t)payload[1];
	if ((uint8_t)payload[0] >= PROTO_BODIES || idlen > PROTO_MAX_ID || len < 2 + idlen)
		return -1;
	out->status = status;
	out->body = (enum proto_body)(uint8_t)payload[0];
	memcpy(out->id, payload + 2, idlen);
	out->id[idlen] = '\0';
	/* The whole id, not a shorter one ended by a NUL inside it. */
	if (idlen && (strlen(out->id) != idlen || !proto_id_valid(out->id)))
		return -1;
	out->data = payload + 2 + idlen;
	out->len = len - 2 - idlen;
	return 0;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void proto_spool_put(uint8_t out[PROTO_SPOOL_LEN], const struct proto_spool *s)
{
	put64(out, s->len);
	put64(out + 8, s->idx_len);
	out[16] = s->ended;
}

int proto_spool_get(const char *p, size_t n, struct proto_spool *s)
{
	const uint8_t *u = (const uint8_t *)p;
	if (n != PROTO_SPOOL_LEN || u[16] > 1)
		return -1;
	s->len = get64(u);
	s->idx_len = get64(u + 8);
	s->ended = u[16];
	/* Each stretch of the output has a 4-byte record: no more records than bytes. */
	return s->idx_len % 4 || s->idx_len / 4 > s->len ? -1 : 0;
}

int proto_event_id(const char *s, uint64_t *id)
{
	size_t n = strlen(s);
	uint64_t v = 0;
	if (n == 0 || n > 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*id = v;
	return 0;
}

bool proto_id_valid(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++) {
		char c = s[n];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-';
		if (!ok || n >= PROTO_MAX_ID)
			return false;
	}
	return n > 0;
}

int proto_stop_signal(const char *name)
{
	static const struct {
		const char *name;
		int sig;
	} allowed[] = {{"TERM", SIGTERM}, {"INT", SIGINT},   {"HUP", SIGHUP},  {"QUIT", SIGQUIT},
		       {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"KILL", SIGKILL}};
	for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
		if (strcmp(name, allowed[i].name) == 0)
			return allowed[i].sig;
	return 0;
}

static int bad(struct apierr *err, const char *what)
{
	apierr_set(err, 400, "invalid_request", "malformed supervisor request: %s", what);
	return -1;
}

/* Copy a string member into dst; missing or wrong is an error when required. */
static int get_string(const cJSON *obj, const char *key, char *dst, size_t cap, bool required,
		      struct apierr *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v)
		return required ? bad(err, key) : 0;
	if (!cJSON_IsString(v))
		return bad(err, key);
	size_t n = strlen(v->valuestring);
	if (n == 0 || n >= cap)
		return bad(err, key);
	memcpy(dst, v->valuestring, n + 1);
	return 0;
}

static int decode_fields(uint8_t type, const cJSON *obj, const struct spec_limits *lim,
			 struct proto_req *req, struct apierr *err)
{
	if (!cJSON_IsObject(obj))
		return bad(err, "payload is not an object");
	if (type == PROTO_HELLO)
		return 0;

	if (get_string(obj, "user", req->user, sizeof req->user, true, err) < 0)
		return -1;
	const cJSON *admin = cJSON_GetObjectItemCaseSensitive(obj, "admin");
	if (!cJSON_IsBool(admin))
		return bad(err, "admin");
	req->admin = cJSON_IsTrue(admin);

	bool takes_id = type == PROTO_GET || type == PROTO_OUTPUT || type == PROTO_STOP ||
			type == PROTO_RESTART;
	if (takes_id) {
		if (get_string(obj, "id", req->id, sizeof req->id, true, err) < 0)
			return -1;
		if (!proto_id_valid(req->id))
			return bad(err, "id");
	}
	if (type == PROTO_GET) {
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(obj, "wait_s");
		if (w) {
			if (!cJSON_IsNumber(w) || w->valuedouble < 0 ||
			    w->valuedouble > PROTO_MAX_WAIT_S ||
			    w->valuedouble != (int)w->valuedouble)
				return bad(err, "wait_s");
			req->wait_s = (int)w->valuedouble;
		}
	}
	if (type == PROTO_STOP) {
		const cJSON *sig = cJSON_GetObjectItemCaseSensitive(obj, "signal");
		if (sig) {
			if (!cJSON_IsNumber(sig) || sig->valuedouble < 1 || sig->valuedouble > 64)
				return bad(err, "signal");
			req->signal = (int)sig->valuedouble;
			const char *name = sigabbrev_np(req->signal);
			if (!name || proto_stop_signal(name) != req->signal)
				return bad(err, "signal");
		}
	}
	if (type == PROTO_EVENTS) {
		char digits[24] = "";
		if (get_string(obj, "last_event_id", digits, sizeof digits, false, err) < 0)
			return -1;
		if (digits[0] && proto_event_id(digits, &req->last_event_id) < 0)
			return bad(err, "last_event_id");
	}
	if (type == PROTO_OUTPUT) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(obj, "follow");
		if (f && !cJSON_IsBool(f))
			return bad(err, "follow");
		req->follow = cJSON_IsTrue(f);
	}
	if (type == PROTO_START) {
		const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
		if (!spec)
			return bad(err, "spec");
		return jobspec_from_json(spec, lim, &req->spec, err);
	}
	return 0;
}

int proto_req_decode(uint8_t type, const char *payload, size_t len, const struct spec_limits *lim,
		     struct proto_req *req, struct apierr *err)
{
	memset(req, 0, sizeof *req);
	if (type < PROTO_HELLO || type > PROTO_REQ_LAST)
		return bad(err, "unknown message type");
	req->type = type;
	if (len > PROTO_MAX_REQUEST)
		return bad(err, "payload too large");

	const char *why;
	switch (json_check_text(payload, len, &why)) {
	case JSON_TEXT_INVALID:
		return bad(err, why);
	case JSON_TEXT_NUL:
		apierr_set(err, 400, "invalid_request", "%s", why);
		return -1;
	case JSON_TEXT_OK:
		break;
	}
	char *text = malloc(len + 1);
	if (!text) {
		apierr_set(err, 500, "internal", "out of memory");
		return -1;
	}
	memcpy(text, payload, len);
	text[len] = '\0';
	cJSON *obj = json_parse(text, len);
	free(text);
	if (!obj)
		return bad(err, "payload is not JSON");
	int rc = decode_fields(type, obj, lim, req, err);
	cJSON_Delete(obj);
	if (rc < 0)
		proto_req_free(req);
	return rc;
}

void proto_req_free(struct proto_req *req)
{
	jobspec_free(&req->spec);
}

void proto_req_encode(struct buf *b, const struct proto_req *req)
{
	uint8_t hdr[PROTO_HDR_LEN] = {0};
	size_t at = buf_used(b);
	buf_append(b, hdr, sizeof hdr);

	struct jw w;
	jw_init(&w, b);
	jw_obj(&w);
	if (req->type != PROTO_HELLO) {
		jw_key(&w, "user");
		jw_str(&w, req->user);
		jw_key(&w, "admin");
		jw_bool(&w, req->admin);
	}
	if (req->id[0]) {
		jw_key(&w, "id");
		jw_str(&w, req->id);
	}
	if (req->type == PROTO_GET && req->wait_s > 0) {
		jw_key(&w, "wait_s");
		jw_int(&w, req->wait_s);
	}
	if (req->type == PROTO_OUTPUT) {
		jw_key(&w, "follow");
		jw_bool(&w, req->follow);
	}
	if (req->type == PROTO_EVENTS && req->last_event_id) {
		char digits[24];
		snprintf(digits, sizeof digits, "%llu", (unsigned long long)req->last_event_id);
		jw_key(&w, "last_event_id");
		jw_str(&w, digits);
	}
	if (req->type == PROTO_STOP && req->signal) {
		jw_key(&w, "signal");
		jw_int(&w, req->signal);
	}
	if (req->type == PROTO_START) {
		jw_key(&w, "spec");
		jobspec_write(&w, &req->spec);
	}
	jw_obj_end(&w);
	if (!buf_ok(b))
		return;
	size_t len = buf_used(b) - at - PROTO_HDR_LEN;
	proto_hdr_put((uint8_t *)buf_head(b) + at, (uint8_t)req->type, 0, (uint32_t)len);
}
