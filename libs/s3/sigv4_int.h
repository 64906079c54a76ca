/*
 * sigv4_int.h: the pieces of the SigV4 signer shared by sigv4*.c only:
 * byte encoding (sigv4_uri.c), input checks (sigv4_check.c) and the
 * header-name rules of the canonical request (sigv4.c). Strings are
 * NUL-terminated and borrowed for the call; nothing here keeps a pointer.
 */
#ifndef OTELC_S3_SIGV4_INT_H
#define OTELC_S3_SIGV4_INT_H

#include <stddef.h>

#include "sigv4.h"

/* sigv4_uri.c */

/* Whether c is RFC 3986 unreserved: A-Z a-z 0-9 - . _ ~ */
int sigv4_is_unreserved(unsigned char c);
/* Writes the encoded form of c (1 or 3 bytes) to out; returns its length. */
size_t sigv4_encode_byte(unsigned char c, int keep_slash, char *out);
/* Orders a and b by their encoded forms (query order), building neither. */
int sigv4_encoded_cmp(const char *a, const char *b);

/* sigv4_check.c */

/* SIGV4_OK, or SIGV4_EINVAL for a malformed key, secret, token or scope. */
int sigv4_validate_identity(const sigv4_credentials *creds,
                            const sigv4_scope *scope);
/* SIGV4_OK, or SIGV4_EINVAL / SIGV4_ENOSPC for a request that can't be
 * signed (bad method, host, path, header, query or payload; too many). */
int sigv4_validate_request(const sigv4_request *req);
/* Whether hostname (may be NULL) is a non-empty host name or IP literal. */
int sigv4_valid_hostname(const char *hostname);

/* sigv4.c */

/* Compares names as their lowercase forms, which is how they sort. */
int sigv4_name_cmp(const char *a, const char *b);
/* Whether creds carry a non-empty session token. */
int sigv4_has_session_token(const sigv4_credentials *creds);

#endif
