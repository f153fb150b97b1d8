/*
 * proto: the wire protocol between jobapi and jobsupd (see PROTOCOL.md for the whole of it).
 *
 * Every message is a frame: a 12-byte header (magic "JW", version, type, status, length) and a
 * payload of that length. Requests carry JSON; a reply says what its body is (JSON, text, or an
 * output stream that follows in DATA frames) and which job a 201 made, then carries the body as
 * the HTTP answer's; output travels raw in DATA frames, so the protocol is binary-safe. This
 * module encodes and decodes frames, requests and replies; it does no I/O, so both sides and the
 * fuzzer share it.
 */
#ifndef PROTO_H
#define PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apierr.h"
#include "buf.h"
#include "jobspec.h"

#define PROTO_VERSION 2
#define PROTO_HDR_LEN 12
#define PROTO_MAX_REQUEST (256u * 1024) /* a request payload; a 64 KiB body fits with room */
#define PROTO_MAX_REPLY (64u << 20)	/* a reply payload, e.g. a list of every queued job */
#define PROTO_DATA_CHUNK (64u * 1024)	/* the most output one DATA frame carries */
#define PROTO_MAX_USER 256
#define PROTO_MAX_ID 64
#define PROTO_MAX_WAIT_S 60

enum proto_type {
	PROTO_HELLO = 1, /* {} -> REPLY {"version", "limits"} */
	PROTO_START,	 /* {user, admin, spec} -> REPLY 201 job */
	PROTO_GET,	 /* {user, admin, id, wait_s} -> REPLY 200 job (with output once ended) */
	PROTO_LIST,	 /* {user, admin} -> REPLY 200 {"jobs": [...]} */
	PROTO_LOGS,	 /* {user, admin} -> REPLY 200 {"logs": [...]} */
	PROTO_OUTPUT,	 /* {user, admin, id, follow} -> REPLY 200, DATA..., END */
	PROTO_STOP,	 /* {user, admin, id, signal} -> REPLY 200 job, once it has ended */
	PROTO_STOPALL,	 /* {user, admin} -> REPLY 200 {"jobs": [...]}, once all have ended */
	PROTO_RESTART,	 /* {user, admin, id} -> REPLY 201 the new job */
	PROTO_METRICS,	 /* {user, admin} -> REPLY 200 text in Prometheus' format (admins) */
	PROTO_EVENTS,	 /* {user, admin, last_event_id} -> REPLY 200 EVENTS, DATA... (until END) */
	PROTO_REQ_LAST = PROTO_EVENTS,
	PROTO_REPLY = 64, /* status in the header; payload is the HTTP body */
	PROTO_DATA,	  /* raw output bytes */
	PROTO_END,	  /* the end of an output stream */
	PROTO_PROGRESS,	  /* a spooled output grew (struct proto_spool) */
};

struct proto_hdr {
	uint8_t version;
	uint8_t type;
	uint16_t status;
	uint32_t len;
};

enum proto_hdr_check {
	PROTO_HDR_OK,
	PROTO_HDR_BAD_MAGIC,
	PROTO_HDR_BAD_VERSION,
};

void proto_hdr_put(uint8_t out[PROTO_HDR_LEN], uint8_t type, uint16_t status, uint32_t len);
enum proto_hdr_check proto_hdr_get(const uint8_t in[PROTO_HDR_LEN], struct proto_hdr *h);

/* Append a whole frame to b. */
void proto_frame(struct buf *b, uint8_t type, uint16_t status, const void *payload, size_t len);

struct proto_req {
	enum proto_type type;
	char user[PROTO_MAX_USER + 1];
	bool admin;
	char id[PROTO_MAX_ID + 1];
	int wait_s;		/* GET: seconds to wait for the end, 0 for none */
	bool follow;		/* OUTPUT: stream until the job ends */
	int signal;		/* STOP: the first signal (0: SIGTERM) */
	uint64_t last_event_id; /* EVENTS: resume after this event (0: from now on) */
	struct jobspec spec;	/* START: owned by the request */
};

/* Decode and validate a request payload of the given type. 0, or -1 with *err set; on success
 * free the request with proto_req_free. */
int proto_req_decode(uint8_t type, const char *payload, size_t len, const struct spec_limits *lim,
		     struct proto_req *req, struct apierr *err);
void proto_req_free(struct proto_req *req);
/* Append a request as a whole frame. */
void proto_req_encode(struct buf *b, const struct proto_req *req);

/* What a reply's body is. */
enum proto_body {
	PROTO_BODY_JSON,   /* application/json */
	PROTO_BODY_TEXT,   /* text/plain (metrics) */
	PROTO_BODY_STREAM, /* empty: the output follows in DATA frames, then END */
	PROTO_BODY_EVENTS, /* empty: Server-Sent Events text follows in DATA frames */
	PROTO_BODY_SPOOL,  /* struct proto_spool; the spool's two files come with the frame as
			    * descriptors (SCM_RIGHTS: ID.out, then ID.idx), then PROGRESS
			    * frames as it grows, then END */
	PROTO_BODIES,
};

/* The spool's files, as jobsupd writes them and jobapi reads them: ID.out holds the job's
 * bytes, ID.idx one 4-byte record per read of its output, little-endian, the stream in the top
 * bit and the length below it. A stream, or both. */
#define SPOOL_STDOUT 0
#define SPOOL_STDERR 1
#define SPOOL_BOTH (-1)
#define SPOOL_STREAM_BIT 0x80000000u

/* A REPLY: its payload is the body's kind (1 byte), the length of the id of the job a 201 made
 * (1 byte, 0 for none), that id, then the body. */
struct proto_reply {
	int status;
	enum proto_body body;
	char id[PROTO_MAX_ID + 1];
	const char *data; /* the body, pointing into the frame */
	size_t len;
};

/* Begin a REPLY frame at the end of b, whose body the caller appends; returns where the frame
 * starts, for proto_reply_end. id may be NULL. */
size_t proto_reply_begin(struct buf *b, enum proto_body body, const char *id);
/* Finish the frame begun at at with its status. 0, or -1 when b failed or the body is over
 * PROTO_MAX_REPLY (b is then cut back to at). */
int proto_reply_end(struct buf *b, size_t at, uint16_t status);
/* A whole REPLY frame with a body at once. */
void proto_reply(struct buf *b, uint16_t status, enum proto_body body, const char *id,
		 const void *data, size_t len);
/* Decode a REPLY frame (its header's status, its payload). 0, or -1 when it is malformed. */
int proto_reply_decode(uint16_t status, const char *payload, size_t len, struct proto_reply *out);

/* How much of a job's spool is written (its ID.out and ID.idx), and whether that is all. */
struct proto_spool {
	uint64_t len, idx_len;
	bool ended;
};
#define PROTO_SPOOL_LEN 17
void proto_spool_put(uint8_t out[PROTO_SPOOL_LEN], const struct proto_spool *s);
/* 0, or -1 when p is not PROTO_SPOOL_LEN bytes or says an impossible thing. */
int proto_spool_get(const char *p, size_t n, struct proto_spool *s);

/* An event id (Last-Event-ID): 1 to 19 decimal digits. 0, or -1 when s is not one. */
int proto_event_id(const char *s, uint64_t *id);

/* True when s is a job id as the API defines them: 1..64 of [A-Za-z0-9_-]. */
bool proto_id_valid(const char *s);

/* The signals a stop may begin with, by name without "SIG" ("INT"); 0 for any other. */
int proto_stop_signal(const char *name);

#endif
