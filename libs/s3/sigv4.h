/*
 * AWS Signature Version 4 in its S3 form, for the S3 client.
 *
 * S3 form means: the canonical URI is the request path with each byte
 * outside A-Za-z0-9-._~ and '/' percent-encoded once (uppercase hex), with
 * no normalization ("//", "." and ".." stay as they are, which S3 requires
 * because they are legal in object keys); query parameters are encoded and
 * sorted; headers are lowercased, trimmed, inner runs of blanks collapsed,
 * sorted, and every header handed in is signed; `host`, `x-amz-date`,
 * `x-amz-content-sha256` and, with a session token, `x-amz-security-token`
 * are added by the signer itself.
 *
 * The generic SigV4 of other AWS services also normalizes the path and
 * encodes it twice; that mode is not implemented. The only switch is
 * SIGV4_NO_CONTENT_SHA256, for services that do not sign a payload header.
 *
 * Cost: a request is canonicalized straight into a SHA-256 context through
 * a small stack buffer, and this code allocates nothing per call (OpenSSL
 * 3.0 itself allocates a few small contexts when a digest or HMAC is
 * restarted). The signing key is derived once per (date, region, service,
 * secret) and cached in the caller's signer, so re-signing on every retry
 * costs a SHA-256 of the secret and of the canonical request and one HMAC
 * of the ~200-byte string to sign.
 *
 * Secrets: nothing here logs. Error codes and sigv4_strerror() never carry
 * request data. The signer holds an HMAC context keyed with the derived key
 * (valid for one day) and a SHA-256 fingerprint of the secret, both wiped
 * by sigv4_signer_free().
 */
#ifndef OTELC_S3_SIGV4_H
#define OTELC_S3_SIGV4_H

#include <stddef.h>
#include <sys/uio.h>
#include <time.h>

/* Return codes. Zero is success; every failure is negative. */
#define SIGV4_OK 0
#define SIGV4_EINVAL (-1) /* malformed or forbidden input */
#define SIGV4_ENOSPC (-2) /* an output buffer or a fixed limit is too small */
#define SIGV4_ECRYPTO (-3) /* OpenSSL failed (including its allocations) */

/* Sizes, NUL included. */
#define SIGV4_HASH_HEX_SIZE 65       /* 64 lowercase hex digits */
#define SIGV4_AMZ_DATE_SIZE 17       /* "YYYYMMDDTHHMMSSZ" */
#define SIGV4_AUTHORIZATION_SIZE 1024

/* Limits that keep a call free of allocation. */
#define SIGV4_MAX_HEADERS 32    /* headers in sigv4_request.headers */
#define SIGV4_MAX_QUERY 32      /* pairs in sigv4_request.query */
#define SIGV4_SCOPE_PART_MAX 63 /* bytes of a region or service name */
#define SIGV4_SECRET_MAX 256    /* bytes of a secret access key */

/* sigv4_scope.flags */
#define SIGV4_NO_CONTENT_SHA256 0x1u /* don't add x-amz-content-sha256
                                      * (not S3; the AWS generic suite) */

/* The literal S3 accepts instead of a payload hash. */
#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"

/* A header or query parameter, both NUL-terminated and unencoded.
 * A query value of NULL signs as empty ("uploads" -> "uploads="). */
typedef struct sigv4_pair {
    const char *name;
    const char *value;
} sigv4_pair;

/* The request to sign. Every pointer is borrowed for the call only. */
typedef struct sigv4_request {
    const char *method; /* "PUT", "GET", ... */
    /* Raw, unencoded path: "/bucket/traces/year=2026/x.binpb". Must start
     * with '/'; NULL or "" signs as "/". Send the same bytes encoded with
     * sigv4_uri_encode_path() so the server sees the same key. */
    const char *path;
    /* Host header exactly as sent: name, plus ":port" when the port is not
     * the scheme's default (see sigv4_host_header()). */
    const char *host;
    const sigv4_pair *query; /* n_query <= SIGV4_MAX_QUERY */
    size_t n_query;
    /* Further headers to sign (content-type, range, x-amz-*...); names are
     * matched case-insensitively, a repeated name signs its values joined
     * by ',' in the given order. Host, Authorization and the x-amz-* the
     * signer adds are refused here. n_headers <= SIGV4_MAX_HEADERS. */
    const sigv4_pair *headers;
    size_t n_headers;
    /* 64 lowercase hex digits or SIGV4_UNSIGNED_PAYLOAD; NULL hashes
     * payload[0..n_payload) instead. Retries should pass the hash
     * computed once by sigv4_payload_hash(). */
    const char *payload_hash;
    const struct iovec *payload;
    size_t n_payload;
} sigv4_request;

/* Who signs. The session token may be NULL or "" for long-term keys. */
typedef struct sigv4_credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
} sigv4_credentials;

/* Where and when: region ("us-east-1"), service ("s3"), the request time
 * (UTC seconds) and SIGV4_* flags (0 for S3). */
typedef struct sigv4_scope {
    const char *region;
    const char *service;
    time_t time;
    unsigned flags;
} sigv4_scope;

/* What the caller must send with the request: `Authorization`,
 * `x-amz-date`, `x-amz-content-sha256` (unless SIGV4_NO_CONTENT_SHA256)
 * and, with a session token, `x-amz-security-token` carrying the token. */
typedef struct sigv4_result {
    char authorization[SIGV4_AUTHORIZATION_SIZE];
    char amz_date[SIGV4_AMZ_DATE_SIZE];
    char content_sha256[SIGV4_HASH_HEX_SIZE];
} sigv4_result;

/* Optional copies of the intermediate strings, for tests and debugging.
 * Buffers are the caller's; each is NUL-terminated on success. A NULL
 * buffer is skipped. The canonical request holds the session token: never
 * log it. */
typedef struct sigv4_debug {
    char *canonical_request;
    size_t canonical_request_size;
    char *string_to_sign;
    size_t string_to_sign_size;
} sigv4_debug;

/* Reusable signing state: OpenSSL contexts and the cached signing key. */
typedef struct sigv4_signer sigv4_signer;

/*
 * Allocates a signer. Returns NULL when memory (or OpenSSL's SHA-256 or
 * HMAC) is unavailable. The caller owns it and frees it with
 * sigv4_signer_free(). A signer may move between threads but must not be
 * used by two at once; separate signers are independent.
 */
sigv4_signer *sigv4_signer_new(void);

/* Wipes the cached key and fingerprint and frees the signer. NULL is a
 * no-op. */
void sigv4_signer_free(sigv4_signer *signer);

/*
 * Signs req for creds in scope and fills *out. The signing key is reused
 * while date, region, service and secret stay the same, otherwise derived
 * again. debug may be NULL; when given, its buffers receive the canonical
 * request and the string to sign, produced by the very same code path.
 *
 * All inputs are borrowed for the call; *out and the debug buffers are the
 * caller's. Returns SIGV4_OK; SIGV4_EINVAL for a malformed method, path,
 * name, value, payload hash, region, service, key id or secret (with no
 * detail, so no secret can leak through it); SIGV4_ENOSPC when headers or
 * query exceed the limits above, the Authorization value would not fit, or
 * a debug buffer is too small; SIGV4_ECRYPTO when OpenSSL fails. On failure
 * *out is unspecified and the cache is left either valid or empty.
 */
int sigv4_sign(sigv4_signer *signer, const sigv4_credentials *creds,
               const sigv4_scope *scope, const sigv4_request *req,
               sigv4_result *out, sigv4_debug *debug);

/*
 * Writes the lowercase hex SHA-256 of iov[0..n) into hex. The iovecs are
 * borrowed; n may be 0 (the hash of nothing). Allocates an OpenSSL
 * context per call, so compute it once per payload. Thread-safe. Returns
 * SIGV4_OK or SIGV4_ECRYPTO.
 */
int sigv4_payload_hash(const struct iovec *iov, size_t n,
                       char hex[SIGV4_HASH_HEX_SIZE]);

/*
 * URI-encodes in[0..len) the S3 way: A-Za-z0-9-._~ stay, every other byte
 * becomes %XX with uppercase hex. sigv4_uri_encode() encodes '/' too (query
 * names and values); sigv4_uri_encode_path() keeps it and turns an empty
 * path into "/". Both work like snprintf: they write at most size bytes
 * including a NUL (when size > 0) and return the length the full result
 * needs, without the NUL. Pure and thread-safe.
 */
size_t sigv4_uri_encode(char *out, size_t size, const char *in, size_t len);
size_t sigv4_uri_encode_path(char *out, size_t size, const char *in,
                             size_t len);

/*
 * Formats the Host header value for hostname and port as HTTP clients send
 * it: the port is left out when it is 0 or the default for the scheme (443
 * with tls, 80 without); an IPv6 literal gets brackets. Returns SIGV4_OK,
 * SIGV4_EINVAL for an empty or malformed hostname, or SIGV4_ENOSPC.
 * Thread-safe.
 */
int sigv4_host_header(char *out, size_t size, const char *hostname,
                      unsigned port, int tls);

/* A static, secret-free description of a SIGV4_* return code. */
const char *sigv4_strerror(int rc);

#endif /* OTELC_S3_SIGV4_H */
