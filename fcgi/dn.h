/*
 * dn: the caller's identity from the certificate subject nginx verified ($ssl_client_s_dn, in
 * RFC 2253 form, e.g. "CN=admin,OU=admins,O=Job Worker"). The identity is the CN; the role is
 * admin when an OU is "admins". A subject without exactly one non-empty CN has no identity.
 */
#ifndef DN_H
#define DN_H

#include <stdbool.h>

#include "proto.h"

struct identity {
	char user[PROTO_MAX_USER + 1];
	bool admin;
};

/* 0 with *id filled, or -1 with *why a static explanation. */
int dn_identity(const char *dn, struct identity *id, const char **why);

#endif
