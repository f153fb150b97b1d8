/*
 * service: what jobsupd does for each request of the protocol (PROTOCOL.md): act through job.c,
 * answer from the store, through conn.h's reply functions. Requests that must wait (a stop, a
 * wait, a stop-all, a follow) are parked by conn.c and answered here when they are over.
 */
#ifndef SERVICE_H
#define SERVICE_H

#include "conn.h"

/* Handle one decoded request; it is answered now or, once parked, later. */
void service_request(struct request *r);

#endif
