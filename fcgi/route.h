/*
 * route: an HTTP request line (method, path, query) to the supervisor request it asks for, or
 * the API error that answers it (404, 405 with its Allow header, 400 for a bad query). Pure
 * string work, so it is unit-tested and fuzzed on its own.
 */
#ifndef ROUTE_H
#define ROUTE_H

#include <stdbool.h>

#include "apierr.h"
#include "proto.h"

#define ROUTE_MAX_TAIL 1000000

struct route {
	enum proto_type op;
	char id[PROTO_MAX_ID + 1];
	int wait_s;  /* GET /jobs/{id}?wait=S */
	bool follow; /* GET /jobs/{id}/output?follow=1 */
	long tail;   /* ?tail=N: the last N lines (0: all) */
	int stream;  /* ?stream=stdout|stderr: SPOOL_BOTH, SPOOL_STDOUT or SPOOL_STDERR */
	int signal;  /* DELETE /jobs/{id}?signal=INT (0: the default, TERM) */
};

/* 0 with *rt, or -1 with *err (and *allow, the Allow header's value, for 405; else NULL). */
int route_parse(const char *method, const char *path, const char *query, struct route *rt,
		struct apierr *err, const char **allow);

#endif
