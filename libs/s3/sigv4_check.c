/*
 * sigv4_check.c: the checks sigv4_sign() runs before it signs anything:
 * credentials, scope and request against the formats and limits in
 * sigv4.h, so that no input can forge a header or overrun a buffer.
 */
#include "sigv4_int.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* RFC 9110 token characters, the alphabet of methods and header names. */
static int is_tchar(unsigned char c)
{
    return sigv4_is_unreserved(c) ||
           (c != '\0' && strchr("!#$%&'*+^`|", c) != NULL);
}

/* Blanks and bytes >= 0x80 are fine; CR or LF would forge headers. */
static int is_value_char(unsigned char c)
{
    return (c >= 0x20 || c == '\t') && c != 0x7f;
}

/* Host names and IP literals: no userinfo, path, blanks or controls. */
static int is_host_char(unsigned char c)
{
    return sigv4_is_unreserved(c) || c == ':' || c == '[' || c == ']';
}

/* Whether s is non-NULL, min_len..max_len bytes long, all of one class. */
static int all_of(const char *s, int (*is_member)(unsigned char),
                  size_t min_len, size_t max_len)
{
    size_t len = 0;

    if (s == NULL)
        return 0;
    for (; s[len] != '\0'; len++) {
        if (len == max_len || !is_member((unsigned char)s[len]))
            return 0;
    }
    return len >= min_len;
}

static int valid_token(const char *s)
{
    return all_of(s, is_tchar, 1, SIZE_MAX);
}

static int valid_value(const char *s)
{
    return all_of(s, is_value_char, 0, SIZE_MAX);
}

/* Region and service sit between '/' in the credential scope. */
static int valid_scope_part(const char *s)
{
    return all_of(s, sigv4_is_unreserved, 1, SIGV4_SCOPE_PART_MAX);
}

static int valid_payload_hash(const char *hash)
{
    if (strcmp(hash, SIGV4_UNSIGNED_PAYLOAD) == 0)
        return 1;
    return strlen(hash) == SIGV4_HASH_HEX_SIZE - 1 &&
           strspn(hash, "0123456789abcdef") == SIGV4_HASH_HEX_SIZE - 1;
}

/* Headers the signer writes itself, or that carry the signature. */
static int is_reserved_header(const char *name)
{
    static const char *const reserved[] = {
        "host", "authorization", "x-amz-date", "x-amz-content-sha256",
        "x-amz-security-token"};

    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        if (sigv4_name_cmp(name, reserved[i]) == 0)
            return 1;
    }
    return 0;
}

int sigv4_valid_hostname(const char *hostname)
{
    return all_of(hostname, is_host_char, 1, SIZE_MAX);
}

int sigv4_validate_identity(const sigv4_credentials *creds,
                            const sigv4_scope *scope)
{
    const char *secret = creds->secret_access_key;

    if (!valid_token(creds->access_key_id) || secret == NULL ||
        secret[0] == '\0' || strlen(secret) > SIGV4_SECRET_MAX)
        return SIGV4_EINVAL;
    if (sigv4_has_session_token(creds) && !valid_value(creds->session_token))
        return SIGV4_EINVAL;
    if (!valid_scope_part(scope->region) ||
        !valid_scope_part(scope->service) ||
        (scope->flags & ~SIGV4_NO_CONTENT_SHA256) != 0)
        return SIGV4_EINVAL;
    return SIGV4_OK;
}

static int validate_pairs(const sigv4_request *req)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        const sigv4_pair *h = &req->headers[i];

        if (!valid_token(h->name) || !valid_value(h->value) ||
            is_reserved_header(h->name))
            return SIGV4_EINVAL;
    }
    for (size_t i = 0; i < req->n_query; i++) {
        if (req->query[i].name == NULL)
            return SIGV4_EINVAL;
    }
    return SIGV4_OK;
}

int sigv4_validate_request(const sigv4_request *req)
{
    if (!valid_token(req->method) ||
        !all_of(req->host, is_value_char, 1, SIZE_MAX))
        return SIGV4_EINVAL;
    if (req->path != NULL && req->path[0] != '\0' && req->path[0] != '/')
        return SIGV4_EINVAL;
    if (req->n_headers > SIGV4_MAX_HEADERS || req->n_query > SIGV4_MAX_QUERY)
        return SIGV4_ENOSPC;
    if ((req->n_headers > 0 && req->headers == NULL) ||
        (req->n_query > 0 && req->query == NULL))
        return SIGV4_EINVAL;
    if (req->payload_hash != NULL ? !valid_payload_hash(req->payload_hash)
                                  : (req->n_payload > 0 && !req->payload))
        return SIGV4_EINVAL;
    return validate_pairs(req);
}
