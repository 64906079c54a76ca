/*
 * encode.h: one outgoing batch as it goes on the wire, made once per
 * batch (on a queue consumer thread) and sent at every attempt.
 */
#ifndef OTELC_OTLP_HTTP_ENCODE_H
#define OTELC_OTLP_HTTP_ENCODE_H

#include <stdint.h>
#include <sys/uio.h>

#include <otelc/plugin.h>

#include "config.h"


/* The body: the batch's own segments (protobuf, uncompressed: nothing is
 * copied) or one buffer of encoded bytes. */
typedef struct oh_body {
    otelc_batch *batch; /* a reference while the segments are the body; else NULL */
    struct iovec *iov;  /* owned array */
    size_t niov;
    uint8_t *owned;     /* encoded bytes, or NULL */
    uint64_t len;
} oh_body;

/* Encodes b (lent) as enc and compresses it with comp into out. Returns 0;
 * -ENOMEM; -EIO when a compressor failed; or the OTLP/JSON writer's error
 * for a request it cannot write (-EBADMSG, -EILSEQ, -ELOOP, -E2BIG: the
 * batch never will be). Thread-safe; allocates per call. */
int oh_body_build(oh_encoding enc, oh_compression comp, otelc_batch *b, oh_body *out);

/* Frees what oh_body_build made; a zeroed body is a no-op. */
void oh_body_free(oh_body *body);

/* true for the errors no retry can fix. */
bool oh_body_error_is_permanent(int err);

#endif /* OTELC_OTLP_HTTP_ENCODE_H */
