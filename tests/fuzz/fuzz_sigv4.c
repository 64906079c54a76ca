/*
 * libFuzzer target for the SigV4 signer of libs/s3. The input is split on '\n':
 * method, path, host, then lines "name:value" (headers) or "?name=value"
 * (query parameters) up to a blank line; the rest is the payload. Checks
 * that signing never fails on anything but the documented codes, that a
 * success yields a well-formed Authorization value and a canonical request
 * with no CR, and that the URI encoder emits only its own alphabet.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3/sigv4.h"

#define MAX_FIELDS 40
#define MAX_INPUT 4096
#define AUTH_PREFIX "AWS4-HMAC-SHA256 Credential=AKID/20130524/"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *next_field(char **cursor)
{
    char *field = *cursor, *nl;

    if (field == NULL)
        return NULL;
    nl = strchr(field, '\n');
    if (nl != NULL)
        *nl = '\0';
    *cursor = nl != NULL ? nl + 1 : NULL;
    return field;
}

/* Splits one "name:value" or "?name=value" line into pairs. */
static void add_pair(char *line, sigv4_pair *headers, size_t *n_headers,
                     sigv4_pair *query, size_t *n_query)
{
    int is_query = line[0] == '?';
    char *sep = strchr(line + is_query, is_query ? '=' : ':');
    sigv4_pair *pair;

    if (is_query) {
        if (*n_query == MAX_FIELDS)
            return;
        pair = &query[(*n_query)++];
    } else {
        if (*n_headers == MAX_FIELDS)
            return;
        pair = &headers[(*n_headers)++];
    }
    if (sep != NULL)
        *sep = '\0';
    pair->name = line + is_query;
    pair->value = sep != NULL ? sep + 1 : (is_query ? NULL : "");
}

static void check_encoder(const char *in, size_t len)
{
    char out[MAX_INPUT * 3 + 1];
    size_t n = sigv4_uri_encode_path(out, sizeof out, in, len);

    if (n >= sizeof out)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789-._~/%", out[i]) == NULL || out[i] == '\0')
            abort();
    }
}

static void check_signature(int rc, const sigv4_result *out,
                            const char *creq)
{
    size_t prefix_len = sizeof AUTH_PREFIX - 1;

    if (rc != SIGV4_OK && rc != SIGV4_EINVAL && rc != SIGV4_ENOSPC)
        abort();
    if (rc != SIGV4_OK)
        return;
    if (strncmp(out->authorization, AUTH_PREFIX, prefix_len) != 0 ||
        strchr(creq, '\r') != NULL ||
        strlen(out->content_sha256) != SIGV4_HASH_HEX_SIZE - 1)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sigv4_signer *signer;
    static char text[MAX_INPUT + 1], creq[16384], sts[512];
    sigv4_pair headers[MAX_FIELDS], query[MAX_FIELDS];
    sigv4_request req = {.headers = headers, .query = query};
    const sigv4_credentials creds = {"AKID", "secret", "token"};
    const sigv4_scope scope = {"us-east-1", "s3", 1369353600, 0};
    sigv4_debug debug = {creq, sizeof creq, sts, sizeof sts};
    struct iovec payload;
    sigv4_result out;
    char *cursor = text, *line;

    if (size > MAX_INPUT)
        return 0;
    if (signer == NULL && (signer = sigv4_signer_new()) == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    check_encoder(text, size);
    req.method = next_field(&cursor);
    req.path = next_field(&cursor);
    req.host = next_field(&cursor);
    while ((line = next_field(&cursor)) != NULL && line[0] != '\0')
        add_pair(line, headers, &req.n_headers, query, &req.n_query);
    payload.iov_base = cursor != NULL ? cursor : text;
    payload.iov_len = cursor != NULL ? strlen(cursor) : 0;
    req.payload = &payload;
    req.n_payload = 1;
    check_signature(sigv4_sign(signer, &creds, &scope, &req, &out, &debug),
                    &out, creq);
    return 0;
}
