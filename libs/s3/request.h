/*
 * request.h: one signed S3 request on a libcurl easy handle: URL and
 * headers built from the settings, SigV4 signature made at start (so a
 * retry is signed afresh), the body served from a byte range of the
 * payload with a seek callback, and the answer captured (status, the
 * start of the body for error codes, or all of it for a GET, the ETag).
 */
#ifndef OTELC_S3_REQUEST_H
#define OTELC_S3_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

#include "body.h"
#include "creds.h"
#include "endpoint.h"
#include "loop.h"
#include "multipart.h"
#include "s3error.h"
#include "sigv4.h"

#define S3_RESPONSE_MAX 65536 /* bytes of an answer kept; S3's are small */

/* What every request to one bucket shares. Read-only once started, but
 * the signer, which belongs to the loop thread. ep and obj are borrowed
 * and outlive the client. */
typedef struct s3_client {
    const s3_endpoint *ep;
    const s3_object_headers *obj; /* may be NULL when no request sets object_headers */
    sigv4_signer *signer;
    s3_loop *loop;
} s3_client;

typedef struct s3_request {
    s3_transfer xfer;
    struct curl_slist *headers;
    s3_body body;
    char *response; /* the answer (see response_max), NUL-ended */
    size_t response_len, response_cap;
    size_t response_max; /* 0: keep the first S3_RESPONSE_MAX bytes */
    char etag[S3_ETAG_SIZE];
    char errbuf[CURL_ERROR_SIZE];
} s3_request;

typedef struct s3_request_spec {
    const char *method;       /* "PUT", "POST", "DELETE", "GET" (no body) */
    const char *key;          /* the object key, unencoded */
    const sigv4_pair *query;  /* unencoded; value NULL for "?uploads" */
    size_t nquery;
    bool object_headers;      /* Content-Type/-Encoding, storage class, ACL */
    const char *content_type; /* a type of its own (else object_headers') */
    const char *payload_hash; /* hex SHA-256 of the body range */
    const struct iovec *iov;  /* body: [off, off + len) of iov[0..niov) */
    size_t niov;
    uint64_t off, len;
    int64_t timeout_ms;       /* the whole exchange; <= 0: none */
    const s3_creds *creds;
    const char *range;        /* GETs: "first-last" bytes (a Range header, not
                               * signed), or NULL for the whole object */
    size_t response_max;      /* GETs: keep the whole answer up to this many
                               * bytes, failing the transfer past it; 0: keep
                               * the first S3_RESPONSE_MAX bytes */
} s3_request_spec;

/*
 * Builds and signs the request and adds it to the client's loop; done(arg,
 * rc) follows on the loop thread. Loop thread only. Everything in spec is
 * copied or must outlive the transfer (the body buffers do). Returns 0
 * (SIGV4_OK), or with a reason in err (no secret in it) and nothing
 * started: SIGV4_EINVAL when the credentials or names cannot be signed
 * (a configuration problem), another SIGV4_* code when memory or libcurl
 * failed.
 */
int s3_request_start(s3_request *r, const s3_client *c, const s3_request_spec *spec,
                     void (*done)(void *arg, CURLcode rc), void *arg, char *err,
                     size_t err_size);

/* Frees the easy handle, headers and captured answer; r can start again.
 * The transfer must have ended or been cancelled. */
void s3_request_clear(s3_request *r);

/*
 * The verdict on a finished request given its libcurl result, with a
 * one-line reason: "SignatureDoesNotMatch: <S3's message> (HTTP 403)" or
 * "connection: <libcurl's error>". Never contains a secret.
 */
s3_verdict s3_request_outcome(const s3_request *r, CURLcode rc, char *reason, size_t size);

#endif /* OTELC_S3_REQUEST_H */
