/*
 * encode.h: a batch's bytes as stored: OTLP/JSON or protobuf, gzip'd,
 * zstd'd or plain, streamed through the compressor without an
 * intermediate copy of the uncompressed form; or the trace table as one
 * Parquet file (libs/parquet).
 */
#ifndef OTELC_AWSS3_ENCODE_H
#define OTELC_AWSS3_ENCODE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "config.h"

/* gzip and zstd at level 1 (libs/otlpenc): speed first, objects are many
 * and read rarely. */
/* Parquet pages: level 1 measured both faster and smaller than zstd's
 * default 3 on the trace table's pages (bench_s3). */
#define AWSS3_PARQUET_ZSTD_LEVEL 1

/*
 * Encodes the request held in segs[0..n) (each segment a whole serialized
 * Export*ServiceRequest of signal s, total bytes in all; parquet takes
 * traces only) as marshaler m compressed with c (none for parquet). On
 * success returns 0 and sets *out to a malloc'd buffer of *out_len bytes
 * that the caller frees. On failure returns -ENOMEM, -EIO (compressor
 * failure), or the OTLP/JSON writer's -EBADMSG, -EILSEQ, -ELOOP, -E2BIG,
 * -EINVAL for a request that cannot be written as JSON (-EBADMSG too for
 * one the Parquet writer cannot walk); *out is then NULL. The segments
 * are only read. Any thread.
 */
int s3_encode(awss3_marshaler m, otelc_signal s, awss3_compression c, const struct iovec *segs,
              size_t n, uint64_t total, uint8_t **out, size_t *out_len);

#endif /* OTELC_AWSS3_ENCODE_H */
