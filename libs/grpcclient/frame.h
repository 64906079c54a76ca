/*
 * frame.h: gRPC's message framing (a 5-byte prefix: a compressed flag and
 * a big-endian length) and the request body built from a batch once, on a
 * queue consumer thread, then sent at every attempt.
 */
#ifndef OTELC_OTLP_GRPC_FRAME_H
#define OTELC_OTLP_GRPC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <otelc/plugin.h>

#include "config.h"

#define OG_PREFIX_LEN 5
#define OG_MSG_MAX UINT32_MAX /* what the prefix can say */

static inline void og_frame_prefix_write(uint8_t out[OG_PREFIX_LEN], bool compressed,
                                         uint32_t len)
{
    out[0] = compressed ? 1 : 0;
    out[1] = (uint8_t)(len >> 24);
    out[2] = (uint8_t)(len >> 16);
    out[3] = (uint8_t)(len >> 8);
    out[4] = (uint8_t)len;
}

static inline void og_frame_prefix_read(const uint8_t in[OG_PREFIX_LEN], bool *compressed,
                                        size_t *len)
{
    *compressed = (in[0] & 1) != 0;
    *len = (size_t)in[1] << 24 | (size_t)in[2] << 16 | (size_t)in[3] << 8 | in[4];
}

/* The framed message: the prefix then the payload, either the batch's own
 * segments (uncompressed: nothing copied) or one buffer of compressed
 * bytes. iov[0] may point at prefix: a body is built in place and never
 * moved. */
typedef struct og_body {
    uint8_t prefix[OG_PREFIX_LEN];
    otelc_batch *batch; /* a reference while its segments are the payload; else NULL */
    struct iovec *iov;  /* owned array: prefix, then the payload */
    size_t niov;
    uint8_t *owned;     /* compressed bytes, or NULL */
    uint64_t len;       /* prefix included */
} og_body;

/* Frames b (lent), compressed with comp, into out. Returns 0; -ENOMEM;
 * -EIO when a compressor failed; -E2BIG for a request over 4 GiB (gRPC's
 * length field; it never will fit). Thread-safe; allocates per call. */
int og_body_build(og_compression comp, otelc_batch *b, og_body *out);

/* Frees what og_body_build made; a zeroed body is a no-op. */
void og_body_free(og_body *body);

/* Where a reader of a body is: segment and offset in it. Zeroed: at the
 * start. */
typedef struct og_body_cursor {
    size_t i, off;
} og_body_cursor;

/* The next contiguous piece of the body at c, at most max bytes, in *p
 * (the body's memory); moves c. Returns its length, 0 at the end. */
size_t og_body_next(const og_body *body, og_body_cursor *c, size_t max, const uint8_t **p);

/* Decompresses n bytes of enc (OG_GZIP or OG_ZSTD) into a malloc'd *out
 * of at most limit bytes. 0, or -1 (corrupt, too big, no memory). */
int og_inflate(int enc, const uint8_t *in, size_t n, size_t limit, uint8_t **out,
               size_t *out_len);

#endif /* OTELC_OTLP_GRPC_FRAME_H */
