/*
 * otlpenc.h: an OTLP request as an exporter puts it on the wire or in a
 * store: protobuf or OTLP/JSON (the SDK's writer), plain, gzip'ed (ISA-L's
 * igzip: the gzip format, several times faster than zlib's deflate) or
 * zstd'ed, streamed through the compressor into one growing buffer
 * without an intermediate copy of the uncompressed form.
 *
 * Pure: no I/O, no global state; any thread, any number at once.
 */
#ifndef OTELC_OTLPENC_OTLPENC_H
#define OTELC_OTLPENC_OTLPENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <otelc/plugin.h>

typedef enum otlpenc_format { OTLPENC_PROTO = 0, OTLPENC_JSON = 1 } otlpenc_format;

typedef enum otlpenc_compression {
    OTLPENC_NONE = 0,
    OTLPENC_GZIP = 1, /* igzip level 1: its fastest with a hash table, about zlib 1's ratio */
    OTLPENC_ZSTD = 2, /* zstd level 1, the collector's default */
} otlpenc_compression;

/*
 * Encodes the request held in segs[0..n) (each segment a whole serialized
 * Export*ServiceRequest of signal s; total bytes in all, a sizing hint) as
 * f, compressed with c. The segments are only read. On success returns 0
 * and sets *out to a malloc'd buffer of *out_len bytes that the caller
 * frees. On failure *out is NULL and the return is -ENOMEM, -EIO (a
 * compressor failed), or the OTLP/JSON writer's -EBADMSG, -EILSEQ, -ELOOP,
 * -E2BIG for a request it cannot write, -EINVAL for a signal that is none
 * of the three (never will: see otlpenc_error_is_permanent).
 */
int otlpenc_encode(otlpenc_format f, otelc_signal s, otlpenc_compression c,
                   const struct iovec *segs, size_t n, uint64_t total, uint8_t **out,
                   size_t *out_len);

/* otlpenc_encode leaving the first headroom bytes of *out for the caller
 * (a framing prefix written once the length is known); *out_len counts
 * them. */
int otlpenc_encode_after(otlpenc_format f, otelc_signal s, otlpenc_compression c,
                         const struct iovec *segs, size_t n, uint64_t total, size_t headroom,
                         uint8_t **out, size_t *out_len);

/* true for the errors no retry can fix (the request itself is at fault). */
bool otlpenc_error_is_permanent(int err);

#endif /* OTELC_OTLPENC_OTLPENC_H */
