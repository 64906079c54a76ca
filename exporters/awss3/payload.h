/*
 * payload.h: one batch made ready to upload: its object key, the bytes to
 * send (the batch's own segments for uncompressed otlp_proto, otherwise an
 * encoded buffer), the multipart plan and the SHA-256 of every part,
 * computed once so that each retry only signs again.
 */
#ifndef OTELC_AWSS3_PAYLOAD_H
#define OTELC_AWSS3_PAYLOAD_H

#include <stdint.h>
#include <sys/uio.h>

#include <otelc/plugin.h>

#include "config.h"
#include "s3/multipart.h"
#include "objkey.h"
#include "s3/sigv4.h"

typedef struct s3_payload {
    otelc_batch *batch;  /* one reference, held until s3_payload_free */
    uint8_t *owned;      /* encoded bytes, or NULL when sending the batch's */
    struct iovec *iov;   /* the bytes to send, in order */
    size_t niov;
    uint64_t len;
    uint32_t spans;      /* items: spans, data points or log records */
    otelc_signal signal;
    awss3_marshaler marshaler;  /* what it is stored as (awss3_marshaler_for) */
    const char *content_type;   /* its own Content-Type, or NULL: the configured one's */
    int64_t time_ns;     /* the batch identity's time: the key's */
    s3_plan plan;
    char (*sha256)[SIGV4_HASH_HEX_SIZE]; /* plan.nparts hashes (one: whole) */
    char key[S3_KEY_MAX];
} s3_payload;

/*
 * Prepares batch b (lent; the payload takes its own reference) for the
 * object of identity ident under settings s. CPU-heavy (encoding, hashing):
 * call on a consumer thread, not an event loop. Returns 0 with *out owned
 * by the caller, or a negative errno: -ENOMEM or -EIO (try again later),
 * -EBADMSG, -EILSEQ, -ELOOP, -E2BIG, -EINVAL (the batch cannot be
 * written as OTLP/JSON), -ENAMETOOLONG (the key would exceed 1024 bytes).
 */
int s3_payload_build(const awss3_settings *s, otelc_batch *b, awss3_identity ident,
                     s3_payload **out);

/* Releases the batch reference and frees everything. NULL is a no-op. */
void s3_payload_free(s3_payload *p);

/* True when err (from s3_payload_build) can never succeed for this batch. */
bool s3_payload_error_is_permanent(int err);

#endif /* OTELC_AWSS3_PAYLOAD_H */
