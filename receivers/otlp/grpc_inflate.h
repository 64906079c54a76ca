/*
 * grpc_inflate.h: decompression of gRPC messages with a size limit.
 *
 * gRPC's message size limit applies to the decompressed message, so the
 * output is capped while it is produced: a small "gzip bomb" stops at the
 * limit instead of filling memory. Pure: no I/O, no globals; safe from any
 * thread, one call at a time per buffer.
 */
#ifndef OTELC_OTLP_GRPC_INFLATE_H
#define OTELC_OTLP_GRPC_INFLATE_H

#include <stddef.h>
#include <stdint.h>

/* Values of the grpc-encoding request header the receiver knows. */
typedef enum grpc_encoding {
    GRPC_ENC_IDENTITY = 0, /* absent or "identity" */
    GRPC_ENC_GZIP = 1,
    GRPC_ENC_ZSTD = 2,
    GRPC_ENC_DEFLATE = 3,  /* zlib-wrapped deflate: HTTP's "deflate"; gRPC never parses it */
    GRPC_ENC_UNKNOWN = -1, /* anything else: answered with UNIMPLEMENTED */
} grpc_encoding;

typedef enum grpc_inflate_rc {
    GRPC_INFLATE_OK = 0,
    GRPC_INFLATE_TOO_BIG = -1, /* the output would pass the limit */
    GRPC_INFLATE_CORRUPT = -2, /* not a valid stream of that encoding */
    GRPC_INFLATE_NOMEM = -3,
} grpc_inflate_rc;

/* Parses a grpc-encoding value (`n` bytes, not NUL-terminated). */
grpc_encoding grpc_encoding_parse(const char *v, size_t n);

/*
 * Decompresses the `n` bytes at `in` (borrowed) in encoding `enc` (gzip,
 * zstd or deflate). On GRPC_INFLATE_OK *out is a malloc'd buffer the caller frees
 * (NULL when *out_len is 0) holding at most `limit` bytes. On failure
 * nothing is allocated. Concatenated gzip members or zstd frames are read
 * as one message, as their decoders do.
 */
int grpc_inflate(grpc_encoding enc, const uint8_t *in, size_t n, size_t limit, uint8_t **out,
                 size_t *out_len);

#endif /* OTELC_OTLP_GRPC_INFLATE_H */
