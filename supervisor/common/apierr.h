/*
 * apierr: an API error as the contract defines it (HTTP status, code, message), made where the
 * error is found and rendered once as {"error": {"code": ..., "message": ...}}. Both jobapi and
 * jobsupd use it, so a refusal reads the same whichever layer made it.
 */
#ifndef APIERR_H
#define APIERR_H

#include "buf.h"

struct apierr {
	int status;
	const char *code; /* static string, one of the contract's codes */
	char message[320];
};

void apierr_set(struct apierr *e, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void apierr_render(struct buf *b, const struct apierr *e);

#endif
